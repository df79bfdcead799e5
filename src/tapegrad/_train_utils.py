"""More of ``tf.train``: ``ExponentialMovingAverage``, checkpoint inspection (``load_checkpoint``,
``list_variables``, ``load_variable``, ``get_checkpoint_state``, ``checkpoints_iterator``), ``CheckpointOptions``
and ``Coordinator`` (``tf.train.ClusterSpec`` is ``distribute/_cluster.py``'s).

Checkpoint entries are named as TF names those of ``tf.train.Checkpoint``: ``<object path>/.ATTRIBUTES/
VARIABLE_VALUE`` (``save_counter/.ATTRIBUTES/VARIABLE_VALUE``, ``v/.ATTRIBUTES/VARIABLE_VALUE`` for
``Checkpoint(v=variable)``); the object paths of modules and Keras models are tapegrad's (see ``train.py``).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from . import _dtypes, errors
from ._tensor import Variable

__all__ = ["ExponentialMovingAverage", "CheckpointOptions", "CheckpointReader", "CheckpointState", "load_checkpoint",
           "list_variables", "load_variable", "get_checkpoint_state", "checkpoints_iterator", "Coordinator"]


# -- ExponentialMovingAverage --------------------------------------------------------------------------------------

def _base_name(v: Variable) -> str:
    name = v.name
    return name[:-2] if name.endswith(":0") else name


def _value_at_entry(v: Variable) -> np.ndarray:
    """``v``'s value, or inside a ``tapegrad.function`` trace its value when the call began (TF creates the shadow
    in ``init_scope``, which reads the variable outside the function, before the body's assignments)."""
    from ._tape import local

    tracer = local.tracer
    entry = None if tracer is None else tracer.var_objs.get(id(v))
    return np.array(v._value if entry is None else entry[1], copy=True)


class ExponentialMovingAverage:
    """Moving averages of variables (``tf.train.ExponentialMovingAverage``): ``apply(vars)`` makes a non-trainable
    shadow variable per variable (starting at its value) on first use, then moves each shadow towards its variable:
    ``shadow -= (1 - decay) * (shadow - variable)``. With ``num_updates`` (an int or a variable, not incremented
    here) the decay is ``min(decay, (1 + num_updates) / (10 + num_updates))``, TF's warm-up. ``average(v)`` is the
    shadow, ``average_name(v)`` its name. Works eagerly and inside ``tapegrad.function`` (shadows are made on the
    first call). Only float variables (TypeError for others and for plain tensors, as TF in eager mode).

    >>> import tapegrad as tf
    >>> w = tf.Variable([1.0, 2.0], name="w")
    >>> ema = tf.train.ExponentialMovingAverage(decay=0.9)
    >>> ema.apply([w])
    >>> _ = w.assign([3.0, 4.0])
    >>> ema.apply([w])
    >>> ema.average(w).numpy().tolist(), ema.average_name(w)
    ([1.2000000476837158, 2.200000047683716], 'w/ExponentialMovingAverage')
    """

    def __init__(self, decay: Any, num_updates: Any = None, zero_debias: bool = False,
                 name: str = "ExponentialMovingAverage") -> None:
        self._decay, self._num_updates = decay, num_updates
        self._zero_debias, self._name = bool(zero_debias), name
        self._averages: dict[int, tuple[Variable, Variable]] = {}  # id(variable) -> (variable, shadow)

    name = property(lambda self: self._name, doc="The name given to the constructor (the shadows' suffix).")

    def _one_minus_decay(self, dtype: Any) -> Any:
        from .ops import core as _core

        if self._num_updates is None:
            return _core.constant(1.0 - float(getattr(self._decay, "_value", self._decay)), dtype=dtype)
        from . import math as _math

        # TF computes the warm-up decay in float32 (num_updates cast), then 1 - decay, then the variable's dtype
        n = _core.cast(self._num_updates, "float32")
        decay = _math.minimum(_core.cast(self._decay, "float32"), (1.0 + n) / (10.0 + n))
        return _core.cast(1.0 - decay, dtype)

    def apply(self, var_list: Any = None) -> None:
        """Create the shadows of new variables, then update every shadow in ``var_list`` once per occurrence."""
        if var_list is None:
            return None
        items = list(var_list)
        for v in items:
            if not isinstance(v, Variable):
                raise TypeError("tf.train.ExponentialMovingAverage does not support non-Variable tensors when eager "
                                f"execution is enabled: got {type(v).__name__}. Average a tf.Variable (e.g. assign "
                                "the tensor to one).")
            if v.dtype.name not in ("float16", "float32", "float64"):
                raise TypeError(f"The variables must be half, float, or double: {v.name} is {v.dtype.name}.")
        for v in items:
            if id(v) not in self._averages:
                shadow = Variable(_value_at_entry(v), trainable=False, name=f"{_base_name(v)}/{self._name}",
                                  dtype=v.dtype)
                self._averages[id(v)] = (v, shadow)
        for v in items:
            shadow = self._averages[id(v)][1]
            shadow.assign_sub((shadow - v) * self._one_minus_decay(v.dtype))
        return None

    def average(self, var: Any) -> Variable | None:
        """The shadow variable of ``var`` (None if ``apply`` has not seen it)."""
        entry = self._averages.get(id(var))
        return None if entry is None else entry[1]

    def average_name(self, var: Any) -> str:
        """``"<var name>/<name>"``: the shadow's name, whether or not it exists yet."""
        return f"{_base_name(var)}/{self._name}"

    def variables_to_restore(self, moving_avg_variables: Any = None) -> dict[str, Variable]:
        """``{average_name(v): v}`` for the averaged variables (or ``moving_avg_variables``): restoring a checkpoint
        of shadows into the variables themselves (evaluation with averaged weights)."""
        variables = [v for v, _ in self._averages.values()] if moving_avg_variables is None \
            else list(moving_avg_variables)
        return {self.average_name(v): v for v in variables}

    @property
    def variables(self) -> list[Variable]:
        """The shadow variables (what a ``tf.train.Checkpoint`` of this object saves)."""
        return [s for _, s in self._averages.values()]


# -- checkpoint inspection -----------------------------------------------------------------------------------------

class CheckpointOptions:
    """Options of ``Checkpoint.save``/``write``/``restore`` (``tf.train.CheckpointOptions``): accepted and kept;
    tapegrad writes one local ``.npz`` file synchronously, so none changes what happens."""

    def __init__(self, experimental_io_device: str | None = None, experimental_enable_async_checkpoint: bool = False,
                 experimental_write_callbacks: Any = None, enable_async: bool = False,
                 experimental_sharding_callback: Any = None, experimental_skip_slot_variables: bool = False) -> None:
        self.experimental_io_device = experimental_io_device
        self.experimental_enable_async_checkpoint = experimental_enable_async_checkpoint
        self.experimental_write_callbacks = experimental_write_callbacks
        self.enable_async = enable_async
        self.experimental_sharding_callback = experimental_sharding_callback
        self.experimental_skip_slot_variables = experimental_skip_slot_variables


_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"


def _entry_name(key: str) -> str:
    """The TF-style name of a tapegrad checkpoint key (a plain variable's ``v/value`` is ``v/.ATTRIBUTES/...``)."""
    return (key[:-len("/value")] if key.endswith("/value") else key) + _SUFFIX


def _checkpoint_file(ckpt_dir_or_file: Any) -> Path:
    from .train import _resolve_file, latest_checkpoint

    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given directory {path}")
        path = latest
    try:
        return _resolve_file(path)
    except errors.NotFoundError:
        raise errors.NotFoundError(f"Unsuccessful TensorSliceReader constructor: Failed to find any matching files "
                                   f"for {path}") from None


class CheckpointReader:
    """The entries of one checkpoint file (``tf.train.load_checkpoint``): names, shapes, dtypes and values."""

    def __init__(self, path: Path) -> None:
        from .train import _read_npz

        arrays, _ = _read_npz(path)
        self._arrays = {_entry_name(k): v for k, v in arrays.items()}
        self._path = path

    def _key(self, name: str) -> str:
        if name in self._arrays:
            return name
        if name + _SUFFIX in self._arrays:
            return name + _SUFFIX
        raise errors.NotFoundError(f"Key {name} not found in checkpoint {str(self._path)!r}; it has: "
                                   f"{sorted(self._arrays)[:8]}{' …' if len(self._arrays) > 8 else ''}")

    def has_tensor(self, name: str) -> bool:
        """Whether the checkpoint has an entry ``name``."""
        return name in self._arrays or name + _SUFFIX in self._arrays

    def get_tensor(self, name: str) -> Any:
        """The value of entry ``name`` as NumPy (a scalar for 0-d entries, as TF); NotFoundError if absent."""
        value = np.array(self._arrays[self._key(name)], copy=True)
        return value[()] if value.ndim == 0 else value

    def get_variable_to_shape_map(self) -> dict[str, list[int]]:
        """``{name: shape}`` of every entry."""
        return {k: list(v.shape) for k, v in self._arrays.items()}

    def get_variable_to_dtype_map(self) -> dict[str, Any]:
        """``{name: DType}`` of every entry."""
        return {k: _dtypes.as_dtype(v.dtype) for k, v in self._arrays.items()}


def load_checkpoint(ckpt_dir_or_file: Any) -> CheckpointReader:
    """A reader of the latest checkpoint in a directory, or of a checkpoint path.

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> d = tempfile.mkdtemp()
    >>> _ = tf.train.Checkpoint(v=tf.Variable([1.0, 2.0])).save(os.path.join(d, "ckpt"))
    >>> tf.train.list_variables(d)
    [('save_counter/.ATTRIBUTES/VARIABLE_VALUE', []), ('v/.ATTRIBUTES/VARIABLE_VALUE', [2])]
    >>> tf.train.load_variable(d, "v/.ATTRIBUTES/VARIABLE_VALUE").tolist()
    [1.0, 2.0]
    """
    return CheckpointReader(_checkpoint_file(ckpt_dir_or_file))


def list_variables(ckpt_dir_or_file: Any) -> list[tuple[str, list[int]]]:
    """``[(name, shape)]`` of the checkpoint's entries, sorted by name."""
    return sorted(load_checkpoint(ckpt_dir_or_file).get_variable_to_shape_map().items())


def load_variable(ckpt_dir_or_file: Any, name: str) -> Any:
    """The value of one entry (``name`` with or without the ``/.ATTRIBUTES/VARIABLE_VALUE`` suffix)."""
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)


class CheckpointState:
    """What a directory's ``checkpoint`` file says: the newest checkpoint and every one kept (full paths)."""

    def __init__(self, model_checkpoint_path: str, all_model_checkpoint_paths: list[str],
                 all_model_checkpoint_timestamps: list[float], last_preserved_timestamp: float | None) -> None:
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = all_model_checkpoint_paths
        self.all_model_checkpoint_timestamps = all_model_checkpoint_timestamps
        self.last_preserved_timestamp = last_preserved_timestamp

    def __repr__(self) -> str:
        return (f"CheckpointState(model_checkpoint_path={self.model_checkpoint_path!r}, "
                f"all_model_checkpoint_paths={self.all_model_checkpoint_paths!r})")


def get_checkpoint_state(checkpoint_dir: Any, latest_filename: str | None = None) -> CheckpointState | None:
    """The state of ``checkpoint_dir`` (None when it has no ``checkpoint`` file).

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> d = tempfile.mkdtemp()
    >>> ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
    >>> paths = [ckpt.save(os.path.join(d, "ckpt")) for _ in range(2)]
    >>> state = tf.train.get_checkpoint_state(d)
    >>> state.model_checkpoint_path == paths[-1], state.all_model_checkpoint_paths == paths[-1:]
    (True, True)
    """
    from ._checkpoint_manager import _read_state

    directory = Path(os.fspath(checkpoint_dir))
    if latest_filename not in (None, "checkpoint"):
        from .train import latest_checkpoint

        latest = latest_checkpoint(directory, latest_filename)
        return None if latest is None else CheckpointState(latest, [latest], [], None)
    state = _read_state(directory)
    if state is None or state["latest"] is None:
        return None

    def full(p: str) -> str:
        return p if os.path.isabs(p) else os.fspath(directory / p)

    return CheckpointState(full(state["latest"]), [full(p) for p in state["paths"]], state["timestamps"],
                           state["preserved"])


def checkpoints_iterator(checkpoint_dir: Any, min_interval_secs: float = 0, timeout: float | None = None,
                         timeout_fn: Callable[[], bool] | None = None) -> Iterator[str]:
    """Yield each new latest checkpoint of ``checkpoint_dir`` as it appears (an evaluation loop beside training):
    the current one first, then each newer one, at least ``min_interval_secs`` apart. After ``timeout`` seconds
    without a new one it stops — unless ``timeout_fn()`` returns False, which keeps it waiting.

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> d = tempfile.mkdtemp()
    >>> p = tf.train.Checkpoint(v=tf.Variable(1.0)).save(os.path.join(d, "ckpt"))
    >>> list(tf.train.checkpoints_iterator(d, timeout=0.05)) == [p]
    True
    """
    from .train import latest_checkpoint

    directory = os.fspath(checkpoint_dir)
    last: str | None = None
    while True:
        start = time.monotonic()
        new = None
        while True:
            current = latest_checkpoint(directory)
            if current is not None and current != last:
                new = current
                break
            if timeout is not None and time.monotonic() - start >= timeout:
                break
            time.sleep(min(1.0, max(0.01, (timeout or 1.0) / 10)))
        if new is None:
            if timeout_fn is not None and not timeout_fn():
                continue
            return
        started = time.monotonic()
        last = new
        yield new
        wait = min_interval_secs - (time.monotonic() - started)
        if wait > 0:
            time.sleep(wait)


# -- Coordinator --------------------------------------------------------------------------------------------------

class Coordinator:
    """Stop a set of threads together (``tf.train.Coordinator``): threads poll ``should_stop()``; any of them (or
    the main thread) calls ``request_stop(ex)``; ``join(threads)`` waits for them and re-raises the first
    exception reported.

    >>> import threading
    >>> import tapegrad as tf
    >>> coord = tf.train.Coordinator()
    >>> def work():
    ...     with coord.stop_on_exception():
    ...         raise ValueError("boom")
    >>> t = threading.Thread(target=work); t.start()
    >>> try:
    ...     coord.join([t])
    ... except ValueError as e:
    ...     print("re-raised:", e)
    re-raised: boom
    """

    def __init__(self, clean_stop_exception_types: tuple[type, ...] | None = None) -> None:
        self._clean = (errors.OutOfRangeError,) if clean_stop_exception_types is None \
            else tuple(clean_stop_exception_types)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._exc_info: Any = None
        self._registered: set[threading.Thread] = set()
        self._joined = False

    def should_stop(self) -> bool:
        """Whether a stop was requested."""
        return self._stop.is_set()

    def request_stop(self, ex: Any = None) -> None:
        """Ask every thread to stop; ``ex`` (an exception, or ``sys.exc_info()``) is kept for ``join`` unless it is
        one of the clean-stop types (``OutOfRangeError`` by default: an input ran out)."""
        with self._lock:
            if ex is not None and self._exc_info is None:
                info = ex if isinstance(ex, tuple) else (type(ex), ex, ex.__traceback__)
                if not issubclass(info[0], self._clean):
                    self._exc_info = info
            self._stop.set()

    def clear_stop(self) -> None:
        """Forget the stop request and the kept exception (reuse the coordinator)."""
        with self._lock:
            self._joined = False
            self._exc_info = None
            self._stop.clear()

    def wait_for_stop(self, timeout: float | None = None) -> bool:
        """Block until a stop is requested (or ``timeout`` seconds pass); whether it was requested."""
        return self._stop.wait(timeout)

    @contextlib.contextmanager
    def stop_on_exception(self) -> Iterator[None]:
        """A context in which an exception requests a stop (and is kept for ``join``) instead of propagating."""
        try:
            yield
        except Exception:  # noqa: BLE001  (handed to join, as TF)
            self.request_stop(ex=sys.exc_info())

    def register_thread(self, thread: threading.Thread) -> None:
        """Have ``join()`` wait for ``thread`` too."""
        with self._lock:
            self._registered.add(thread)

    def raise_requested_exception(self) -> None:
        """Re-raise the kept exception, if any."""
        with self._lock:
            info = self._exc_info
        if info is not None:
            raise info[1].with_traceback(info[2])

    def join(self, threads: Any = None, stop_grace_period_secs: float = 120, ignore_live_threads: bool = False) -> None:
        """Wait for ``threads`` (and the registered ones) after a stop request (or until they end), give them
        ``stop_grace_period_secs`` to finish, then re-raise the kept exception. Threads still running after the
        grace period raise RuntimeError naming them (unless ``ignore_live_threads``)."""
        with self._lock:
            all_threads = set(self._registered) | set(threads or ())
        while any(t.is_alive() for t in all_threads) and not self.wait_for_stop(0.05):
            pass
        deadline = time.monotonic() + stop_grace_period_secs
        for t in all_threads:
            t.join(max(0.0, deadline - time.monotonic()))
        alive = [t.name for t in all_threads if t.is_alive()]
        with self._lock:
            self._joined = True
            self._registered = set()
        self.raise_requested_exception()
        if alive and not ignore_live_threads:
            raise RuntimeError(f"Coordinator stopped with threads still running: {' '.join(alive)}")

    @property
    def joined(self) -> bool:
        """Whether ``join`` has finished."""
        return self._joined
