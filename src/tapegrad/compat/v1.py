"""``tf.compat.v1``: TF 1's API as TF 2 runs it — eagerly.

A name resolves in this order:

1. tapegrad's own TF 1 version of it where TF 1's differs from TF 2's (``reduce_sum(keep_dims=,
   reduction_indices=)``, ``argmax(dimension=)``, ``nn.dropout(keep_prob=)``, the ``train.*Optimizer`` classes with
   TF 1's update rules, ``get_variable``/``variable_scope``, the eager answers of the graph-collection functions, …);
2. a name TF 2.21 defines as the very same function as a TF 2 name (about 1,270 of its 2,239 names: ``tf.compat.v1.
   math.log`` *is* ``tf.math.log``) — served by tapegrad's TF 2 name, so it behaves exactly as that one;
3. a name TF has only for graph mode (``Session``, ``placeholder`` in eager code, queues runners, ...) or that
   tapegrad does not provide: AttributeError saying which.

``import tapegrad.compat.v1 as tf`` therefore runs TF 1-style eager code: ``tf.compat.v1.enable_eager_execution()``,
``tf.compat.v1.train.AdamOptimizer(0.1).minimize(loss_fn, var_list)``, ``tf.compat.v1.get_variable``...

>>> import tapegrad as tf
>>> v1 = tf.compat.v1
>>> v1.argmax(tf.constant([[1, 3], [4, 2]]), dimension=1).numpy().tolist()
[1, 0]
>>> v = tf.Variable([1.0, 2.0])
>>> opt = v1.train.GradientDescentOptimizer(0.5)
>>> opt.minimize(lambda: tf.reduce_sum(v * v), var_list=[v])
>>> v.numpy().tolist()
[0.0, 0.0]
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

from ._v1_table import ALIASES as _TABLE
from ._v1_table import MODULES, NAMES

_CODES = ("OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
          "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
          "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED")
# modules TF serves from elsewhere, and TF's status codes (constants, which the generated table cannot match)
ALIASES = {**_TABLE, "keras": "keras", "raw_ops": "raw_ops", **{f"errors.{c}": f"errors.{c}" for c in _CODES}}

# TF 1 versions tapegrad defines: v1 name -> "module:attribute" (imported on first use)
_OWN: dict[str, str] = {}


def own(module: str, *names: str, attr: str | None = None) -> None:
    """Record that the v1 names ``names`` are ``module``'s ``attr`` (default: the last component of each name, or
    what follows ``=`` in a ``"v1.name=attribute"`` entry)."""
    for name in names:
        name, _, explicit = name.partition("=")
        _OWN[name] = f"{module}:{attr or explicit or name.rsplit('.', 1)[-1]}"


# graph-mode-only names: what TF 2's eager runtime does with them, said in the AttributeError
_GRAPH_ONLY = ("Session", "InteractiveSession", "get_default_session", "train.MonitoredSession",
               "train.MonitoredTrainingSession", "train.Supervisor", "train.Scaffold", "train.SessionManager",
               "train.SingularMonitoredSession", "train.import_meta_graph", "train.export_meta_graph",
               "reset_default_graph", "get_default_graph", "wrap_function", "make_template",
               "train.start_queue_runners",
               "train.batch", "train.shuffle_batch", "train.string_input_producer", "train.input_producer",
               "train.slice_input_producer", "train.range_input_producer", "train.QueueRunner", "placeholder")


def _resolve(path: str) -> Any:
    if path in _OWN:
        module, attr = _OWN[path].split(":")
        return getattr(importlib.import_module(f"tapegrad.compat.{module}"), attr)
    if path == "Dimension":
        from . import Dimension

        return Dimension
    if path in ("flags", "app.flags") or path.startswith(("flags.", "app.flags.")):
        from ._v1_misc import absl_flags

        flags = absl_flags()
        return flags if path in ("flags", "app.flags") else getattr(flags, path.rsplit(".", 1)[1])
    if path in MODULES or path in ("layers", "nn.rnn_cell"):
        return _namespace(path)
    if path in ALIASES:
        target: Any = importlib.import_module("tapegrad")
        for part in ALIASES[path].split("."):
            try:
                target = getattr(target, part)
            except AttributeError:
                raise AttributeError(f"tf.compat.v1.{path} is TF 2's tf.{ALIASES[path]}, which tapegrad does not "
                                     f"provide yet.") from None
        return target
    if path.startswith("metrics.") and path in NAMES:
        return _eager_refused_metric(path.split(".", 1)[1])
    if path.startswith(("layers.", "nn.rnn_cell.")):  # Keras 2's; TF 2.21 with Keras 3 refuses them the same way
        raise AttributeError(f"`{path.rsplit('.', 1)[1]}` is not available with Keras 3 (tf.compat.v1.{path} needs "
                             f"Keras 2; use tf.keras layers).")
    if path in NAMES:
        graph_only = path in _GRAPH_ONLY or any(w in path for w in ("Session", "Hook", "queue_runner", "Queue"))
        why = ("it exists for TF 1's graph mode (sessions, feeds, queue runners); tapegrad runs eagerly, as TF 2"
               if graph_only else "tapegrad does not provide it")
        raise AttributeError(f"tf.compat.v1.{path} exists in TF 2.21, but {why}.")
    raise AttributeError(f"module 'tapegrad.compat.v1' has no attribute {path!r}")


def _eager_refused_metric(name: str) -> Any:
    """TF 1's streaming metrics (value and update op) exist for graph mode; TF 2 refuses them eagerly, and so does
    tapegrad, with TF's RuntimeError (use ``tf.keras.metrics``)."""

    def metric(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"tf.metrics.{name} is not supported when eager execution is enabled.")

    metric.__name__ = metric.__qualname__ = name
    return metric


class _Namespace(types.ModuleType):
    """A ``tf.compat.v1.<submodule>`` (``train``, ``nn``, ``losses``, ...): its names resolve as the module's do."""

    def __init__(self, prefix: str) -> None:
        super().__init__(f"{__name__}.{prefix}", f"tf.compat.v1.{prefix}")
        self._prefix = prefix

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value = _resolve(f"{self._prefix}.{name}")
        setattr(self, name, value)
        return value

    def __dir__(self) -> list[str]:
        head = self._prefix + "."
        return sorted({n[len(head):].split(".")[0] for n in (*NAMES, *MODULES) if n.startswith(head)})


_NAMESPACES: dict[str, _Namespace] = {}


def _namespace(prefix: str) -> _Namespace:
    ns = _NAMESPACES.get(prefix)
    if ns is None:
        ns = _NAMESPACES[prefix] = _Namespace(prefix)
        sys.modules[ns.__name__] = ns  # so that ``import tapegrad.compat.v1.train`` works
    return ns


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    value = _resolve(name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({n.split(".")[0] for n in (*NAMES, *MODULES)} | {"own"})


from . import _v1_registry  # noqa: E402,F401 - fills _OWN

__path__: list[str] = []  # a package to the import system: ``import tapegrad.compat.v1.train`` finds sys.modules
for _prefix in MODULES:
    _namespace(_prefix)
