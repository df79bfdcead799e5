"""``keras.utils``: the progress bar ``fit``/``evaluate``/``predict`` print, seeding, one-hot encoding, and
``PyDataset`` (alias ``Sequence``), batches written in Python for ``fit``.

>>> from tapegrad import keras
>>> keras.utils.to_categorical([0, 2], num_classes=3).tolist()
[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
"""

from __future__ import annotations

import math
import random
import sys
import time
from typing import Any

import numpy as np

from . import _bounding_boxes as bounding_boxes  # noqa: F401 - keras.utils.bounding_boxes
from ._py_dataset import PyDataset, Sequence
from ._utils_data import (
    audio_dataset_from_directory,
    image_dataset_from_directory,
    normalize,
    pad_sequences,
    smart_resize,
    split_dataset,
    text_dataset_from_directory,
    timeseries_dataset_from_array,
)
from ._utils_image import array_to_img, img_to_array, load_img, save_img
from ._utils_misc import (
    Config,
    clear_session,
    disable_interactive_logging,
    enable_interactive_logging,
    get_file,
    get_source_inputs,
    is_interactive_logging_enabled,
    is_keras_tensor,
    model_to_dot,
    pack_x_y_sample_weight,
    plot_model,
    print_msg,
    standardize_dtype,
    unpack_x_y_sample_weight,
)
from .saving.serialization_lib import (
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)

__all__ = ["Progbar", "PyDataset", "Sequence", "set_random_seed", "to_categorical",
           # serialization (keras.saving's, re-exported)
           "register_keras_serializable", "get_registered_name", "get_registered_object", "custom_object_scope",
           "CustomObjectScope", "get_custom_objects", "serialize_keras_object", "deserialize_keras_object",
           # data
           "pad_sequences", "normalize", "timeseries_dataset_from_array", "split_dataset",
           "image_dataset_from_directory", "text_dataset_from_directory", "audio_dataset_from_directory",
           "smart_resize", "load_img", "save_img", "img_to_array", "array_to_img",
           # misc
           "pack_x_y_sample_weight", "unpack_x_y_sample_weight", "get_source_inputs", "is_keras_tensor",
           "clear_session", "get_file", "plot_model", "model_to_dot", "standardize_dtype", "Config",
           "enable_interactive_logging", "disable_interactive_logging", "is_interactive_logging_enabled"]


def set_random_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and ``tapegrad.random`` (``keras.utils.set_random_seed``).

    Initializers, ``Dropout`` layers and ``fit``'s shuffling created afterwards are then reproducible.
    """
    if not isinstance(seed, int):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed} (of type {type(seed)})")
    from ..ops.random_ops import set_seed
    from .backend import _STATE

    random.seed(seed)
    np.random.seed(seed)
    set_seed(seed)
    _STATE.pop("global_seed_generator", None)  # keras.random's global SeedGenerator is recreated from the seed


def to_categorical(x: Any, num_classes: int | None = None) -> Any:
    """One-hot encode integer class ids (a trailing axis of size 1 is dropped first). As in Keras, NumPy/list
    input gives a float64 NumPy array and a tensor gives a float32 tensor (``tf.one_hot``).

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> keras.utils.to_categorical([[1], [0]]).dtype, keras.utils.to_categorical(tf.constant([1, 0]), 2).dtype
    (dtype('float64'), tapegrad.float32)
    """
    from .._tensor import Tensor

    if isinstance(x, Tensor):
        from ..ops.creation import one_hot
        from ..ops.shape_ops import reshape

        shape = tuple(x.shape)
        if len(shape) > 1 and shape[-1] == 1:
            x = reshape(x, shape[:-1])
        if num_classes is None:
            num_classes = int(np.max(x.numpy())) + 1
        return one_hot(x, num_classes)
    x = np.array(x, dtype="int64")
    shape = x.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(x)) + 1
    out = np.zeros((x.shape[0], num_classes))
    out[np.arange(x.shape[0]), x] = 1
    return out.reshape(shape + (num_classes,))


def _emit(file: Any, message: str) -> None:
    """Write a progress line, or log it when interactive logging is off (``disable_interactive_logging``)."""
    if is_interactive_logging_enabled():
        file.write(message)
        file.flush()
    elif message.strip("\b\r\n "):
        print_msg(message.strip("\b\r\n"))


class Progbar:
    """A Keras-style progress bar.

    ``verbose=1`` redraws one line per update (``\\b``/``\\r``): ``step/total``, a 20-character bar (green done part,
    ANSI colours as Keras prints them), the ETA (or the elapsed time when done), the time per step and the metric
    values; ``verbose=2`` prints one line when the target is reached. Metric values are displayed as given (the
    training loop passes running means), with 4 decimals (scientific below 1e-3).

    >>> import io
    >>> from tapegrad.keras.utils import Progbar
    >>> out = io.StringIO()
    >>> bar = Progbar(2, verbose=2, file=out)
    >>> bar.update(1, [("loss", 0.5)]); bar.update(2, [("loss", 0.25)])
    >>> out.getvalue().split(" - ")[0], out.getvalue().strip().split(" - ")[-1]
    ('2/2', 'loss: 0.2500')
    """

    def __init__(self, target: int | None, width: int = 20, verbose: int = 1, interval: float = 0.05,
                 stateful_metrics: Any = None, unit_name: str = "step", file: Any = None) -> None:
        self.target, self.width, self.verbose, self.interval = target, width, verbose, interval
        self.unit_name = unit_name
        self._file = file
        self._values: dict[str, float] = {}
        self._order: list[str] = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first: float | None = None
        self._prev_width = 0
        self._seen = 0

    @property
    def file(self) -> Any:
        return self._file if self._file is not None else sys.stdout

    @staticmethod
    def _format_time(seconds: float, unit: str) -> str:
        if seconds >= 1 or seconds == 0:
            return f" {seconds:.0f}s/{unit}"
        if seconds >= 1e-3:
            return f" {seconds * 1e3:.0f}ms/{unit}"
        return f" {seconds * 1e6:.0f}us/{unit}"

    @staticmethod
    def _format_value(v: Any) -> str:
        if isinstance(v, (int, float, np.floating, np.integer)):
            v = float(v)
            return f" {v:.4f}" if abs(v) > 1e-3 else f" {v:.4e}"
        return f" {v}"

    def _step_time(self, current: int, now: float) -> float:
        if not current:
            return 0.0
        if self._time_after_first is not None and current > 1:
            per = (now - self._time_after_first) / (current - 1)
        else:
            per = (now - self._start) / current
        if current == 1:
            self._time_after_first = now
        return per

    def update(self, current: int, values: Any = None, finalize: bool | None = None) -> None:
        """Show progress ``current`` (of ``target``) with ``values``: ``[(name, value), ...]``."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for k, v in values or []:
            if k not in self._order:
                self._order.append(k)
            self._values[k] = v
        self._seen = current
        now = time.time()
        per_step = self._step_time(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            message = "\b" * self._prev_width + "\r"
            if self.target:
                digits = int(math.log10(self.target)) + 1
                count = f"{current:{digits}d}/{self.target}"
                done = int(self.width * current / self.target)
                bar = f"\x1b[1m{count}\x1b[0m "
                special = 8
                if done > 0:
                    bar += f"\x1b[32m{'━' * done}\x1b[0m"
                    special += 9
                bar += f"\x1b[37m{'━' * (self.width - done)}\x1b[0m"
                special += 9
            else:
                bar = f"{current:7d}/Unknown"
                special = 0
            if self.target and not finalize:
                eta = per_step * (self.target - current)
                if eta > 3600:
                    eta_text = f"{int(eta // 3600)}:{int(eta % 3600 // 60):02d}:{int(eta % 60):02d}"
                elif eta > 60:
                    eta_text = f"{int(eta // 60)}:{int(eta % 60):02d}"
                else:
                    eta_text = f"{int(eta)}s"
                info = f" \x1b[1m{eta_text}\x1b[0m"
            else:
                info = f" \x1b[1m{now - self._start:.0f}s\x1b[0m"
            special += 8
            info += self._format_time(per_step, self.unit_name)
            for k in self._order:
                info += f" - {k}:" + self._format_value(self._values[k])
            width = len(bar) + len(info) - special
            message += bar + info
            if self._prev_width > width:
                message += " " * (self._prev_width - width)
            if finalize:
                message += "\n"
            _emit(self.file, message)
            self._prev_width = width
        elif self.verbose == 2 and finalize and self.target:
            digits = int(math.log10(self.target)) + 1
            info = f"{current:{digits}d}/{self.target} - {now - self._start:.0f}s -"
            info += self._format_time(per_step, self.unit_name)
            for k in self._order:
                info += f" - {k}:" + self._format_value(self._values[k])
            _emit(self.file, info + "\n")
        self._last_update = now

    def add(self, n: int, values: Any = None) -> None:
        """Advance by ``n`` steps."""
        self.update(self._seen + n, values)
