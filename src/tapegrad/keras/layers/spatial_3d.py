"""Keras 3's 3-D spatial layers and adaptive pooling: ``MaxPooling3D``/``AveragePooling3D`` (and ``MaxPool3D``/
``AvgPool3D``), ``GlobalMaxPooling3D``/``GlobalAveragePooling3D`` (and ``Global*Pool3D``), ``ZeroPadding3D``,
``Cropping3D``, ``UpSampling3D``, and ``AdaptiveAveragePooling1D/2D/3D``/``AdaptiveMaxPooling1D/2D/3D``.

Adaptive pooling splits each spatial axis of length ``n`` into ``m`` windows ``[floor(i n / m), ceil((i + 1) n /
m))`` (overlapping when ``m`` does not divide ``n``) and takes each window's mean or maximum; both are separable,
so the layer pools one axis at a time (the mean as a matrix product, the maximum over stacked windows).

>>> import numpy as np
>>> from tapegrad import keras
>>> x = np.arange(5, dtype="float32").reshape(1, 5, 1)
>>> keras.layers.AdaptiveAveragePooling1D(2)(x)[0, :, 0].numpy().tolist()
[1.0, 3.0]
>>> keras.layers.MaxPooling3D(2)(np.ones((1, 4, 4, 4, 2), "float32")).shape
TensorShape([1, 2, 2, 2, 2])
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tapegrad as tg

from ...ops import pooling as _pooling
from ._base import InputSpec, Layer
from .convolutional import _to_first, _to_last, normalize_data_format, normalize_tuple
from .pooling import _GlobalPooling, _Pooling
from .reshaping import _Cropping, _Spatial, _ZeroPadding, upsample

__all__ = ["MaxPooling3D", "AveragePooling3D", "MaxPool3D", "AvgPool3D", "GlobalMaxPooling3D",
           "GlobalAveragePooling3D", "GlobalMaxPool3D", "GlobalAvgPool3D", "ZeroPadding3D", "Cropping3D",
           "UpSampling3D", "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
           "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D"]


class _Pooling3D(_Pooling):
    rank = 3

    def call(self, inputs: Any) -> Any:
        first = self.data_format == "channels_first"
        x = _to_last(inputs, 3) if first else inputs
        self.compute_output_shape(tuple(int(d) for d in x.shape))
        fn = _pooling.max_pool3d if self._mode == "max" else _pooling.avg_pool3d
        y = fn(x, list(self.pool_size), list(self.strides), self.padding.upper())
        return _to_first(y, 3) if first else y


class MaxPooling3D(_Pooling3D):
    """The maximum over ``pool_size`` windows of ``(batch, d, h, w, channels)``."""

    _mode = "max"

    def __init__(self, pool_size: Any = (2, 2, 2), strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class AveragePooling3D(_Pooling3D):
    """The mean over ``pool_size`` windows of ``(batch, d, h, w, channels)`` (padding cells are not counted)."""

    _mode = "avg"

    def __init__(self, pool_size: Any, strides: Any = None, padding: str = "valid", data_format: str | None = None,
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class GlobalMaxPooling3D(_GlobalPooling):
    """The maximum over the three spatial axes: ``(batch, d, h, w, c)`` → ``(batch, c)``."""

    rank = 3
    _mode = "max"


class GlobalAveragePooling3D(_GlobalPooling):
    """The mean over the three spatial axes: ``(batch, d, h, w, c)`` → ``(batch, c)``."""

    rank = 3
    _mode = "avg"


class ZeroPadding3D(_ZeroPadding):
    """Pad depth, height and width with zeros: an int, 3 ints, or 3 ``(before, after)`` pairs.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.ZeroPadding3D(((1, 0), 0, (0, 2)))(np.ones((1, 1, 1, 1, 1), "float32")).shape
    TensorShape([1, 2, 1, 3, 1])
    """

    rank = 3

    def __init__(self, padding: Any = ((1, 1), (1, 1), (1, 1)), data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(padding, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crop depth, height and width: an int, 3 ints, or 3 ``(before, after)`` pairs.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.Cropping3D((1, 0, (0, 2)))(np.ones((1, 3, 3, 3, 1), "float32")).shape
    TensorShape([1, 1, 3, 1, 1])
    """

    rank = 3

    def __init__(self, cropping: Any = ((1, 1), (1, 1), (1, 1)), data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(cropping, data_format, **kwargs)


class UpSampling3D(_Spatial):
    """Repeat each depth, row and column ``size`` times (nearest neighbour).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.UpSampling3D((1, 2, 3))(np.ones((1, 2, 2, 2, 1), "float32")).shape
    TensorShape([1, 2, 4, 6, 1])
    """

    rank = 3

    def __init__(self, size: Any = (2, 2, 2), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.size = normalize_tuple(size, 3, "size")

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return self._map_shape(input_shape, lambda i, n: n * self.size[i])

    def call(self, inputs: Any) -> Any:
        return upsample(inputs, self.size, self._spatial_axes(), "nearest")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}


def _windows(n: int, m: int) -> list[tuple[int, int]]:
    """The adaptive windows ``[floor(i n / m), ceil((i + 1) n / m))`` of an axis of length ``n``, ``m`` outputs."""
    return [(i * n // m, -(-(i + 1) * n // m)) for i in range(m)]


class _AdaptivePooling(Layer):
    rank = 2
    _mode = "avg"

    def __init__(self, output_size: Any, data_format: str | None = None, **kwargs: Any) -> None:
        r = self.rank
        if isinstance(output_size, int):
            size = (output_size,) * r
        elif isinstance(output_size, (tuple, list)) and len(output_size) == r:
            size = tuple(output_size)
        else:
            names = {1: "", 2: " or (height, width) tuple", 3: " or (depth, height, width) tuple"}[r]
            raise TypeError(f"`output_size` must be an integer{names}. Received: {output_size} of type "
                            f"{type(output_size)}")
        super().__init__(**kwargs)
        self.output_size = size
        self.data_format = normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=r + 2)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        s = tuple(input_shape)
        if self.data_format == "channels_last":
            return (s[0], *self.output_size, s[-1])
        return (s[0], s[1], *self.output_size)

    def call(self, inputs: Any) -> Any:
        x = inputs
        first_axis = 1 if self.data_format == "channels_last" else 2
        for k, m in enumerate(self.output_size):
            axis = first_axis + k
            n = int(x.shape[axis])
            wins = _windows(n, int(m))
            if self._mode == "avg":  # the mean over each window: a (m, n) averaging matrix along the axis
                mat = np.zeros((int(m), n), np.dtype(x.dtype.as_numpy_dtype))
                for i, (lo, hi) in enumerate(wins):
                    mat[i, lo:hi] = 1.0 / (hi - lo)
                perm = [a for a in range(len(x.shape)) if a != axis] + [axis]  # the axis last, then back
                y = tg.matmul(tg.transpose(x, perm), tg.constant(mat.T))
                x = tg.transpose(y, list(np.argsort(perm)))
            else:
                index = [slice(None)] * len(x.shape)
                parts = []
                for lo, hi in wins:
                    index[axis] = slice(lo, hi)
                    parts.append(tg.reduce_max(x[tuple(index)], axis=axis, keepdims=True))
                x = tg.concat(parts, axis=axis)
        return x

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "output_size": self.output_size, "data_format": self.data_format}


def _adaptive(rank: int, mode: str, doc: str) -> type:
    name = f"Adaptive{'Average' if mode == 'avg' else 'Max'}Pooling{rank}D"
    return type(name, (_AdaptivePooling,), {"rank": rank, "_mode": mode, "__doc__": doc,
                                            "__module__": __name__, "__qualname__": name})


AdaptiveAveragePooling1D = _adaptive(1, "avg", """The mean over ``output_size`` adaptive windows of the steps axis.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.AdaptiveAveragePooling1D(3)(np.arange(5, dtype="float32").reshape(1, 5, 1))[0, :, 0].numpy()
    array([0.5, 2. , 3.5], dtype=float32)
    """)
AdaptiveAveragePooling2D = _adaptive(2, "avg", """The mean over ``output_size`` (an int or ``(h, w)``) adaptive
    windows of height and width.""")
AdaptiveAveragePooling3D = _adaptive(3, "avg", """The mean over ``output_size`` (an int or ``(d, h, w)``) adaptive
    windows of depth, height and width.""")
AdaptiveMaxPooling1D = _adaptive(1, "max", """The maximum over ``output_size`` adaptive windows of the steps axis.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.AdaptiveMaxPooling1D(2)(np.arange(5, dtype="float32").reshape(1, 5, 1))[0, :, 0].numpy()
    array([2., 4.], dtype=float32)
    """)
AdaptiveMaxPooling2D = _adaptive(2, "max", """The maximum over ``output_size`` (an int or ``(h, w)``) adaptive
    windows of height and width.""")
AdaptiveMaxPooling3D = _adaptive(3, "max", """The maximum over ``output_size`` (an int or ``(d, h, w)``) adaptive
    windows of depth, height and width.""")

MaxPool3D, AvgPool3D = MaxPooling3D, AveragePooling3D
GlobalMaxPool3D, GlobalAvgPool3D = GlobalMaxPooling3D, GlobalAveragePooling3D
