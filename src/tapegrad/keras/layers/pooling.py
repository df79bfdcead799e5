"""Pooling layers: ``MaxPooling1D/2D``, ``AveragePooling1D/2D`` and the global poolings, as Keras 3 defines them.

``strides=None`` means the pool size; average pooling divides by the number of real (unpadded) cells;
``AveragePooling*`` has no default ``pool_size``. The window arithmetic is ``tapegrad.nn.max_pool2d``/``avg_pool2d``
(strided views, no Python loop over windows).

>>> import numpy as np
>>> from tapegrad import keras
>>> x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
>>> keras.layers.MaxPooling2D()(x)[0, :, :, 0].numpy().tolist()
[[5.0, 7.0], [13.0, 15.0]]
>>> keras.layers.GlobalAveragePooling2D()(x).numpy().tolist()
[[7.5]]
"""

from __future__ import annotations

from typing import Any

import tapegrad as tg

from ...ops import pooling as _pooling
from ._base import InputSpec, Layer, _folded
from .convolutional import (
    _check_positive_output,
    _to_first,
    _to_last,
    conv_output_length,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
)

__all__ = ["MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D", "GlobalAveragePooling1D",
           "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "MaxPool1D", "MaxPool2D",
           "AvgPool1D", "AvgPool2D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D"]


class _Pooling(Layer):
    rank = 2
    _mode = "max"

    def __init__(self, pool_size: Any, strides: Any = None, padding: str = "valid", data_format: str | None = None,
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        r = self.rank
        self.pool_size = normalize_tuple(pool_size, r, "pool_size")
        self.strides = self.pool_size if strides is None else normalize_tuple(strides, r, "strides")
        self.padding = normalize_padding(padding)
        self.data_format = normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=r + 2)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        s = tuple(input_shape)
        last = self.data_format == "channels_last"
        spatial = s[1:-1] if last else s[2:]
        out = tuple(conv_output_length(n, k, self.padding, st) for n, k, st in
                    zip(spatial, self.pool_size, self.strides))
        _check_positive_output(self, s, out)
        return (s[0], *out, s[-1]) if last else (s[0], s[1], *out)

    def call(self, inputs: Any) -> Any:
        x = inputs
        first = self.data_format == "channels_first"
        if first:
            x = _to_last(x, self.rank)
        shape = x._value.shape if type(x) is tg.Tensor else tuple(int(d) for d in x.shape)
        key = (shape, self.pool_size, self.strides, self.padding)
        if key != self.__dict__.get("_checked"):  # the output-size check, once per input shape
            self.compute_output_shape(shape)
            self.__dict__["_checked"] = key
        if _folded(self):  # its model folded the ReLU of the Conv2D before it in (max and ReLU commute)
            return _pooling.max_pool2d_relu(x, list(self.pool_size), list(self.strides), self.padding.upper())
        fn = {("max", 1): _pooling.max_pool1d, ("max", 2): _pooling.max_pool2d,
              ("avg", 1): _pooling.avg_pool1d, ("avg", 2): _pooling.avg_pool2d}[(self._mode, self.rank)]
        y = fn(x, list(self.pool_size), list(self.strides), self.padding.upper())
        return _to_first(y, self.rank) if first else y

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


class MaxPooling1D(_Pooling):
    """The maximum over windows of ``pool_size`` steps of ``(batch, steps, channels)``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.MaxPooling1D()(np.arange(6, dtype="float32").reshape(1, 6, 1))[0, :, 0].numpy().tolist()
    [1.0, 3.0, 5.0]
    """

    rank = 1
    _mode = "max"

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class MaxPooling2D(_Pooling):
    """The maximum over ``pool_size`` windows of ``(batch, height, width, channels)``."""

    rank = 2
    _mode = "max"

    def __init__(self, pool_size: Any = (2, 2), strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class AveragePooling1D(_Pooling):
    """The mean over windows of ``pool_size`` steps (padding cells are not counted)."""

    rank = 1
    _mode = "avg"

    def __init__(self, pool_size: Any, strides: Any = None, padding: str = "valid", data_format: str | None = None,
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class AveragePooling2D(_Pooling):
    """The mean over ``pool_size`` windows (padding cells are not counted).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> x = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
    >>> keras.layers.AveragePooling2D(2, padding="same")(x)[0, :, :, 0].numpy().tolist()
    [[2.0, 3.5], [6.5, 8.0]]
    """

    rank = 2
    _mode = "avg"

    def __init__(self, pool_size: Any, strides: Any = None, padding: str = "valid", data_format: str | None = None,
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class _GlobalPooling(Layer):
    rank = 2
    _mode = "avg"

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    def _axes(self) -> list[int]:
        return list(range(1, self.rank + 1)) if self.data_format == "channels_last" else \
            list(range(2, self.rank + 2))

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        s = list(input_shape)
        axes = self._axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(s))
        return tuple(d for i, d in enumerate(s) if i not in axes)

    def call(self, inputs: Any) -> Any:
        reduce = tg.reduce_max if self._mode == "max" else tg.reduce_mean
        return reduce(inputs, axis=self._axes(), keepdims=self.keepdims)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalAveragePooling1D(_GlobalPooling):
    """The mean over the steps axis; with a mask ``(batch, steps)``, over the unmasked steps only.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> x = np.arange(6, dtype="float32").reshape(1, 3, 2)
    >>> keras.layers.GlobalAveragePooling1D()(x, mask=np.array([[True, True, False]])).numpy().tolist()
    [[1.0, 2.0]]
    """

    rank = 1
    _mode = "avg"

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return super().call(inputs)
        x = tg.convert_to_tensor(inputs)
        step_axis = 1 if self.data_format == "channels_last" else 2
        m = tg.expand_dims(tg.cast(mask, x.dtype), 2 if step_axis == 1 else 1)
        total = tg.reduce_sum(x * m, axis=step_axis, keepdims=self.keepdims)
        return total / tg.reduce_sum(m, axis=step_axis, keepdims=self.keepdims)

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> Any:
        return None


class GlobalAveragePooling2D(_GlobalPooling):
    """The mean over the height and width axes: ``(batch, h, w, c)`` → ``(batch, c)``."""

    rank = 2
    _mode = "avg"


class GlobalMaxPooling1D(_GlobalPooling):
    """The maximum over the steps axis: ``(batch, steps, c)`` → ``(batch, c)``."""

    rank = 1
    _mode = "max"


class GlobalMaxPooling2D(_GlobalPooling):
    """The maximum over the height and width axes: ``(batch, h, w, c)`` → ``(batch, c)``."""

    rank = 2
    _mode = "max"


MaxPool1D, MaxPool2D, AvgPool1D, AvgPool2D = MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
