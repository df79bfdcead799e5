"""Reshaping layers: ``Reshape``, ``Permute``, ``RepeatVector``, ``ZeroPadding1D/2D``, ``Cropping1D/2D``,
``UpSampling1D/2D`` (``Flatten`` lives in ``core``). None has weights; shapes exclude the batch axis, as in Keras.

>>> import numpy as np
>>> from tapegrad import keras
>>> x = np.zeros((2, 3, 4), "float32")
>>> keras.layers.Reshape((-1, 2))(x).shape, keras.layers.Permute((2, 1))(x).shape
(TensorShape([2, 6, 2]), TensorShape([2, 4, 3]))
>>> keras.layers.ZeroPadding2D(((1, 2), (3, 4)))(np.zeros((2, 4, 4, 3), "float32")).shape
TensorShape([2, 7, 11, 3])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import tapegrad as tg

from ._base import InputSpec, Layer
from .convolutional import normalize_data_format, normalize_tuple

__all__ = ["Reshape", "Permute", "RepeatVector", "ZeroPadding1D", "ZeroPadding2D", "Cropping1D", "Cropping2D",
           "UpSampling1D", "UpSampling2D", "upsample"]


class Reshape(Layer):
    """Reshape each example to ``target_shape`` (the batch axis is kept; one ``-1`` is inferred).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.Reshape((3, 4))(np.zeros((2, 12), "float32")).shape
    TensorShape([2, 3, 4])
    """

    def __init__(self, target_shape: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1 or any(d < -1 or d == 0 for d in self.target_shape):
            raise ValueError(f"Invalid `target_shape` {target_shape}: use positive sizes and at most one -1.")
        self.built = True

    def _resolve(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        rest = input_shape[1:]
        known = math.prod(d for d in self.target_shape if d != -1)
        if any(d is None for d in rest):
            return tuple(None if d == -1 else d for d in self.target_shape)
        size = math.prod(rest)
        if -1 in self.target_shape:
            if size % known:
                raise ValueError(f"The total size of the tensor must be unchanged. Received: input_shape="
                                 f"{tuple(input_shape)}, target_shape={self.target_shape}")
            return tuple(size // known if d == -1 else d for d in self.target_shape)
        if size != known:
            raise ValueError(f"The total size of the tensor must be unchanged. Received: input_shape="
                             f"{tuple(input_shape)}, target_shape={self.target_shape}")
        return self.target_shape

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return (input_shape[0],) + self._resolve(tuple(input_shape))

    def call(self, inputs: Any) -> Any:
        shape = tuple(int(d) for d in inputs.shape)
        return tg.reshape(inputs, (shape[0],) + self._resolve(shape))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "target_shape": self.target_shape}


class Permute(Layer):
    """Permute the non-batch axes; ``dims`` is **1-based** (``(2, 1)`` swaps the two axes after the batch).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.Permute((2, 1))(np.arange(6, dtype="float32").reshape(1, 2, 3)).numpy().tolist()
    [[[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]]
    """

    def __init__(self, dims: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` "
                             f"must be consecutive and start from 1. Received dims={dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        s = tuple(input_shape)
        return (s[0],) + tuple(s[d] for d in self.dims)

    def call(self, inputs: Any) -> Any:
        return tg.transpose(inputs, (0,) + self.dims)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "dims": self.dims}


class RepeatVector(Layer):
    """Repeat a ``(batch, features)`` input ``n`` times: ``(batch, n, features)``."""

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(n, (int, np.integer)):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return (input_shape[0], self.n, input_shape[1])

    def call(self, inputs: Any) -> Any:
        return tg.repeat(tg.expand_dims(inputs, 1), self.n, axis=1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "n": self.n}


def _pairs(value: Any, n: int, name: str) -> tuple[tuple[int, int], ...]:
    """An int, ``n`` ints (symmetric) or ``n`` pairs, as ``n`` ``(before, after)`` pairs."""
    if isinstance(value, int):
        return ((value, value),) * n
    items = list(value)
    if n == 1 and len(items) == 2 and all(isinstance(v, int) for v in items):
        return ((int(items[0]), int(items[1])),)
    if len(items) != n:
        raise ValueError(f"`{name}` should have {n} elements. Received: {name}={value}.")
    out = []
    for v in items:
        if isinstance(v, int):
            out.append((v, v))
        else:
            pair = normalize_tuple(v, 2, f"{name}[{len(out)}]")
            out.append((pair[0], pair[1]))
    if any(a < 0 or b < 0 for a, b in out):
        raise ValueError(f"`{name}` values must be non-negative. Received: {name}={value}.")
    return tuple(out)


class _Spatial(Layer):
    """A weightless layer acting on the spatial axes of channels-last/first inputs of rank ``rank + 2``."""

    rank = 2

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format) if self.rank > 1 else "channels_last"
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    def _spatial_axes(self) -> list[int]:
        return list(range(1, self.rank + 1)) if self.data_format == "channels_last" else \
            list(range(2, self.rank + 2))

    def _map_shape(self, input_shape: Any, fn: Any) -> tuple[Any, ...]:
        s = list(input_shape)
        for i, axis in enumerate(self._spatial_axes()):
            s[axis] = None if s[axis] is None else fn(i, s[axis])
        return tuple(s)


class _ZeroPadding(_Spatial):
    def __init__(self, padding: Any, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.padding = _pairs(padding, self.rank, "padding")

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return self._map_shape(input_shape, lambda i, n: n + sum(self.padding[i]))

    def call(self, inputs: Any) -> Any:
        widths = [[0, 0] for _ in range(self.rank + 2)]
        for axis, pair in zip(self._spatial_axes(), self.padding):
            widths[axis] = list(pair)
        return tg.pad(inputs, widths)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class ZeroPadding1D(_ZeroPadding):
    """Pad the steps axis with zeros: ``padding`` is an int or ``(before, after)``."""

    rank = 1

    def __init__(self, padding: Any = 1, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    """Pad height and width with zeros: ``padding`` is an int, ``(h, w)`` or ``((top, bottom), (left, right))``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.ZeroPadding2D(((1, 0), (0, 1)))(np.ones((1, 1, 1, 1), "float32"))[0, :, :, 0].numpy().tolist()
    [[0.0, 0.0], [1.0, 0.0]]
    """

    rank = 2

    def __init__(self, padding: Any = (1, 1), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(padding, data_format, **kwargs)


class _Cropping(_Spatial):
    def __init__(self, cropping: Any, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.cropping = _pairs(cropping, self.rank, "cropping")

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        def crop(i: int, n: int) -> int:
            out = n - sum(self.cropping[i])
            if out <= 0:
                raise ValueError(f"Values in `cropping` argument should be smaller than the corresponding spatial "
                                 f"dimension of the input. Received: input_shape={tuple(input_shape)}, "
                                 f"cropping={self.cropping}")
            return out
        return self._map_shape(input_shape, crop)

    def call(self, inputs: Any) -> Any:
        shape = tuple(int(d) for d in inputs.shape)
        self.compute_output_shape(shape)
        index: list[Any] = [slice(None)] * len(shape)
        for axis, (lo, hi) in zip(self._spatial_axes(), self.cropping):
            index[axis] = slice(lo, shape[axis] - hi)
        return inputs[tuple(index)]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}


class Cropping1D(_Cropping):
    """Crop the steps axis: ``cropping`` is an int or ``(before, after)``."""

    rank = 1

    def __init__(self, cropping: Any = (1, 1), **kwargs: Any) -> None:
        super().__init__(cropping, None, **kwargs)


class Cropping2D(_Cropping):
    """Crop height and width: ``cropping`` is an int, ``(h, w)`` or ``((top, bottom), (left, right))``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> x = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
    >>> keras.layers.Cropping2D(((1, 0), (0, 1)))(x)[0, :, :, 0].numpy().tolist()
    [[3.0, 4.0], [6.0, 7.0]]
    """

    rank = 2

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(cropping, data_format, **kwargs)


# the interpolations keras.ops.image.resize takes on the TF backend (UpSampling2D's choices)
INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")


def upsample(x: Any, size: Any, axes: Any, interpolation: str) -> Any:
    """Scale the two spatial ``axes`` of ``x`` by the integer factors ``size``: ``"nearest"`` repeats rows and
    columns; the other interpolations are ``tf.image.resize``'s (one sampling matrix per axis, so the gradient is
    the transposed map; ``"area"`` has no gradient, as in TF). The result has the input's dtype, as Keras's
    ``ops.image.resize`` gives it: integers are resampled in float32, rounded and saturated back; float64 is
    resampled in float64 (Keras rounds through float32)."""
    if interpolation == "nearest":
        for axis, k in zip(axes, size):
            x = tg.repeat(x, k, axis=axis)
        return x
    from ...ops.image_ops import resample

    dtype = x.dtype
    if not dtype.is_floating:
        x = tg.cast(x, "float32")
    channels_first = tuple(axes) == (2, 3)
    if channels_first:
        x = tg.transpose(x, (0, 2, 3, 1))
    h, w = int(x.shape[1]), int(x.shape[2])
    y = resample(x, (h * size[0], w * size[1]), interpolation)
    if not dtype.is_floating:  # keras.ops.image.resize: round, then saturate into the input's integer range
        y = tg.cast(tg.clip_by_value(tg.round(y), float(dtype.min), float(dtype.max)), dtype)
    return tg.transpose(y, (0, 3, 1, 2)) if channels_first else y


class UpSampling1D(Layer):
    """Repeat each step ``size`` times: ``(batch, steps, c)`` → ``(batch, steps * size, c)``."""

    def __init__(self, size: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.size = int(size)
        self.input_spec = InputSpec(ndim=3)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        s = tuple(input_shape)
        return (s[0], None if s[1] is None else s[1] * self.size, s[2])

    def call(self, inputs: Any) -> Any:
        return tg.repeat(inputs, self.size, axis=1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "size": self.size}


class UpSampling2D(_Spatial):
    """Upsample height and width by the integer factors ``size``.

    ``interpolation`` is Keras 3's: ``"nearest"`` (the default) repeats rows and columns; ``"bilinear"``,
    ``"bicubic"``, ``"lanczos3"``, ``"lanczos5"`` and ``"area"`` resample as ``tf.image.resize`` does (half-pixel
    centres; the Lanczos kernels by TF's scale-and-translate), so the values are TF's. Gradients flow through every
    interpolation but ``"area"`` (``LookupError``, as in TF). Another name raises ``ValueError`` when the layer is
    called, as in Keras.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> x = np.array([1.0, 2.0, 3.0, 4.0], "float32").reshape(1, 2, 2, 1)
    >>> keras.layers.UpSampling2D(interpolation="bilinear")(x)[0, 0, :, 0].numpy().tolist()
    [1.0, 1.25, 1.75, 2.0]
    >>> [round(v, 4) for v in keras.layers.UpSampling2D(interpolation="lanczos3")(x)[0, 0, :, 0].numpy().tolist()]
    [0.4736, 0.8819, 1.4162, 1.8245]
    """

    rank = 2

    def __init__(self, size: Any = (2, 2), data_format: str | None = None, interpolation: str = "nearest",
                 **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.size = normalize_tuple(size, 2, "size")
        self.interpolation = interpolation.lower()

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return self._map_shape(input_shape, lambda i, n: n * self.size[i])

    def call(self, inputs: Any) -> Any:
        if self.interpolation not in INTERPOLATIONS:
            raise ValueError(f"Invalid value for argument `interpolation`. Expected of one {INTERPOLATIONS}. "
                             f"Received: interpolation={self.interpolation}")
        return upsample(inputs, self.size, self._spatial_axes(), self.interpolation)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}
