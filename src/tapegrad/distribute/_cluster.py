"""``tf.distribute.cluster_resolver`` and ``tf.train.ClusterSpec``: descriptions of a multi-worker cluster.

Under tapegrad the cluster is MPI's (``mpiexec`` starts the processes and gives them their ranks); a resolver
(or the ``TF_CONFIG`` environment variable a TF multi-worker script sets) is read by ``MultiWorkerMirroredStrategy``
to check that it describes as many workers as ``mpiexec`` started.
"""

from __future__ import annotations

import json
import os
from typing import Any

__all__ = ["ClusterSpec", "ClusterResolver", "SimpleClusterResolver", "TFConfigClusterResolver"]


class ClusterSpec:
    """Jobs and their task addresses (``tf.train.ClusterSpec``): ``{"worker": ["host0:port", "host1:port"]}`` or
    ``{"worker": {0: "host0:port", 3: "host3:port"}}``.

    >>> import tapegrad as tf
    >>> spec = tf.distribute.cluster_resolver.ClusterSpec({"chief": ["a:1"], "worker": ["b:1", "c:1"]})
    >>> spec.jobs, spec.num_tasks("worker"), spec.task_address("worker", 1)
    (['chief', 'worker'], 2, 'c:1')
    """

    def __init__(self, cluster: Any) -> None:
        if isinstance(cluster, ClusterSpec):
            cluster = cluster.as_dict()
        if not isinstance(cluster, dict):
            raise TypeError(f"ClusterSpec: cluster must be a dict of job name -> list (or dict) of task addresses, "
                            f"got {type(cluster).__name__}.")
        self._jobs: dict[str, dict[int, str]] = {}
        for job, tasks in cluster.items():
            if isinstance(tasks, dict):
                entries = {int(i): str(a) for i, a in tasks.items()}
            elif isinstance(tasks, (list, tuple)):
                entries = {i: str(a) for i, a in enumerate(tasks)}
            else:
                raise TypeError(f"ClusterSpec: the tasks of job {job!r} must be a list or a dict of index -> "
                                f"address, got {type(tasks).__name__}.")
            self._jobs[str(job)] = dict(sorted(entries.items()))

    @property
    def jobs(self) -> list[str]:
        return list(self._jobs)

    def num_tasks(self, job_name: str) -> int:
        return len(self._job(job_name))

    def task_indices(self, job_name: str) -> list[int]:
        return list(self._job(job_name))

    def task_address(self, job_name: str, task_index: int) -> str:
        tasks = self._job(job_name)
        if task_index not in tasks:
            raise ValueError(f"No task with index {task_index} in job {job_name!r} (its tasks: {list(tasks)}).")
        return tasks[task_index]

    def job_tasks(self, job_name: str) -> list[str | None]:
        tasks = self._job(job_name)
        return [tasks.get(i) for i in range(max(tasks) + 1)] if tasks else []

    def as_dict(self) -> dict[str, Any]:
        """Each job's tasks: a list when the indices are 0..n-1, else a dict of index -> address."""
        return {job: list(t.values()) if list(t) == list(range(len(t))) else dict(t) for job, t in self._jobs.items()}

    def _job(self, job_name: str) -> dict[int, str]:
        if job_name not in self._jobs:
            raise ValueError(f"No such job in cluster: {job_name!r} (jobs: {self.jobs}).")
        return self._jobs[job_name]

    def __bool__(self) -> bool:
        return bool(self._jobs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ClusterSpec) and self._jobs == other._jobs

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ClusterSpec({self.as_dict()!r})"


class ClusterResolver:
    """The interface of cluster resolvers (``tf.distribute.cluster_resolver.ClusterResolver``)."""

    task_type: str | None = None
    task_id: int | None = None
    rpc_layer: str | None = None
    environment = ""

    def cluster_spec(self) -> ClusterSpec:
        raise NotImplementedError("ClusterResolver subclasses return the cluster in cluster_spec().")

    def master(self, task_type: str | None = None, task_id: int | None = None, rpc_layer: str | None = None) -> str:
        task_type = self.task_type if task_type is None else task_type
        task_id = self.task_id if task_id is None else task_id
        if task_type is None or task_id is None:
            return ""
        address = self.cluster_spec().task_address(task_type, task_id)
        layer = self.rpc_layer if rpc_layer is None else rpc_layer
        return f"{layer}://{address}" if layer else address

    def num_accelerators(self, task_type: str | None = None, task_id: int | None = None,
                         config_proto: Any = None) -> dict[str, int]:
        """No accelerators: tapegrad computes on the CPU."""
        return {}


class SimpleClusterResolver(ClusterResolver):
    """A resolver holding a given ``ClusterSpec`` and task (``tf.distribute.cluster_resolver.SimpleClusterResolver``).

    >>> import tapegrad as tf
    >>> r = tf.distribute.cluster_resolver.SimpleClusterResolver(
    ...     tf.distribute.cluster_resolver.ClusterSpec({"worker": ["a:1", "b:1"]}), task_type="worker", task_id=1)
    >>> r.master("worker", 1), r.cluster_spec().num_tasks("worker")
    ('b:1', 2)
    """

    def __init__(self, cluster_spec: ClusterSpec, master: str = "", task_type: str | None = None,
                 task_id: int | None = None, environment: str = "", num_accelerators: Any = None,
                 rpc_layer: str | None = None) -> None:
        self._spec = ClusterSpec(cluster_spec)
        self._master = master
        self.task_type, self.task_id = task_type, task_id
        self.environment, self.rpc_layer = environment, rpc_layer
        self._accelerators = dict(num_accelerators or {})

    def cluster_spec(self) -> ClusterSpec:
        return self._spec

    def master(self, task_type: str | None = None, task_id: int | None = None, rpc_layer: str | None = None) -> str:
        """The given task's address, else the ``master`` given at construction, prefixed by ``rpc_layer://``."""
        if task_type is not None and task_id is not None:
            address = self._spec.task_address(task_type, task_id)
        else:
            address = self._master
        layer = rpc_layer or self.rpc_layer
        return f"{layer}://{address}" if layer else address

    def num_accelerators(self, task_type: str | None = None, task_id: int | None = None,
                         config_proto: Any = None) -> dict[str, int]:
        return dict(self._accelerators)


class TFConfigClusterResolver(ClusterResolver):
    """The cluster described by the ``TF_CONFIG`` environment variable (JSON with ``cluster`` and ``task``), as TF
    multi-worker scripts set it (``tf.distribute.cluster_resolver.TFConfigClusterResolver``).

    >>> import json, os, tapegrad as tf
    >>> os.environ["TF_CONFIG"] = json.dumps({"cluster": {"worker": ["a:1", "b:1"]},
    ...                                       "task": {"type": "worker", "index": 0}})
    >>> r = tf.distribute.cluster_resolver.TFConfigClusterResolver()
    >>> r.task_type, r.task_id, r.cluster_spec().num_tasks("worker")
    ('worker', 0, 2)
    >>> del os.environ["TF_CONFIG"]
    """

    def __init__(self, task_type: str | None = None, task_id: int | None = None, rpc_layer: str | None = None,
                 environment: str | None = None) -> None:
        config = _tf_config()
        task = config.get("task", {}) or {}
        self.task_type = task_type if task_type is not None else task.get("type")
        self.task_id = task_id if task_id is not None else (int(task["index"]) if "index" in task else None)
        self.rpc_layer = rpc_layer if rpc_layer is not None else config.get("rpc_layer")
        self.environment = environment if environment is not None else config.get("environment")

    def cluster_spec(self) -> ClusterSpec:
        return ClusterSpec(_tf_config().get("cluster", {}) or {})


def _tf_config() -> dict[str, Any]:
    text = os.environ.get("TF_CONFIG", "")
    if not text:
        return {}
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"TF_CONFIG is not valid JSON ({exc}): {text[:200]!r}") from None
    if not isinstance(config, dict):
        raise ValueError(f"TF_CONFIG must be a JSON object with 'cluster' and 'task', got {text[:200]!r}")
    return config


def worker_count(resolver: Any) -> int:
    """How many workers (chief included) a resolver's cluster has; 0 when it describes none."""
    spec = resolver.cluster_spec()
    jobs = spec.as_dict() if hasattr(spec, "as_dict") else dict(spec)
    return sum(len(tasks) for job, tasks in jobs.items() if job in ("worker", "chief"))
