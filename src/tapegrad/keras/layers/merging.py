"""Merge layers: ``Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum``, ``Minimum``, ``Concatenate``,
``Dot`` and their functional forms (``keras.layers.add(...)``, …). They take a **list** of tensors.

Elementwise merges need equal batch sizes and compatible shapes (a size-1 axis broadcasts); ``Concatenate``
needs equal shapes off its axis; ``Dot(axes)`` contracts one axis of each input per example.

>>> import numpy as np
>>> from tapegrad import keras
>>> a = np.array([[1.0, 2.0, 3.0]], "float32")
>>> keras.layers.Add()([a, 10 * a]).numpy().tolist(), keras.layers.Dot(axes=1)([a, a]).numpy().tolist()
([[11.0, 22.0, 33.0]], [[14.0]])
"""

from __future__ import annotations

from typing import Any

import tapegrad as tg

from ._base import Layer

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot", "add", "subtract",
           "multiply", "average", "maximum", "minimum", "concatenate", "dot"]


def _as_list(layer: Layer, inputs: Any) -> list[Any]:
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(f"A merge layer ({type(layer).__name__}) should be called on a list of inputs. Received: "
                         f"inputs={inputs} (not a list of tensors)")
    return list(inputs)


class _Merge(Layer):
    """Elementwise merge of a list of tensors (batch sizes equal, other axes equal or 1)."""

    _min_inputs = 1

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check_shapes(self, shapes: list[tuple[Any, ...]]) -> tuple[Any, ...]:
        if len(shapes) < self._min_inputs:
            raise ValueError(f"A `{type(self).__name__}` layer should be called on a list of at least "
                             f"{self._min_inputs} input(s). Received {len(shapes)} input(s).")
        batch = {s[0] for s in shapes if s and s[0] is not None}
        if len(batch) > 1:
            raise ValueError(f"Cannot merge tensors with different batch sizes. Received tensors with shapes "
                             f"{shapes}")
        out = list(shapes[0])
        for shape in shapes[1:]:
            if len(shape) != len(out):
                raise ValueError(f"Inputs have incompatible shapes. Received shapes {shapes} (different ranks).")
            for i, (a, b) in enumerate(zip(out, shape)):
                if a is None or b is None:
                    out[i] = None
                elif a == 1:
                    out[i] = b
                elif b != 1 and a != b:
                    raise ValueError(f"Inputs have incompatible shapes. Received shapes {tuple(out)} and "
                                     f"{tuple(shape)}")
        return tuple(out)

    def build(self, input_shape: Any) -> None:
        if not isinstance(input_shape, list):
            raise ValueError(f"A merge layer ({type(self).__name__}) should be called on a list of inputs. "
                             f"Received: input_shape={input_shape} (not a list of shapes)")
        self._check_shapes([tuple(s) for s in input_shape])
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return self._check_shapes([tuple(s) for s in input_shape])

    def call(self, inputs: Any) -> Any:
        xs = _as_list(self, inputs)
        self._check_shapes([tuple(int(d) for d in x.shape) for x in xs])
        if len(xs) == 1:
            return xs[0]
        return self._merge(xs)

    def _merge(self, xs: list[Any]) -> Any:
        raise NotImplementedError

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None or all(m is None for m in mask):
            return None
        masks = [tg.ones_like(x, dtype="bool")[..., 0] if m is None else tg.cast(m, "bool")
                 for x, m in zip(inputs, mask)]
        out = masks[0]
        for m in masks[1:]:
            out = tg.logical_and(out, m)
        return out


class Add(_Merge):
    """The elementwise sum of the inputs."""

    def _merge(self, xs: list[Any]) -> Any:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class Subtract(_Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs)."""

    def _check_shapes(self, shapes: list[tuple[Any, ...]]) -> tuple[Any, ...]:
        if len(shapes) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. Received: {len(shapes)} "
                             "inputs.")
        return super()._check_shapes(shapes)

    def _merge(self, xs: list[Any]) -> Any:
        return xs[0] - xs[1]


class Multiply(_Merge):
    """The elementwise product of the inputs."""

    def _merge(self, xs: list[Any]) -> Any:
        out = xs[0]
        for x in xs[1:]:
            out = out * x
        return out


class Average(_Merge):
    """The elementwise mean of the inputs."""

    def _merge(self, xs: list[Any]) -> Any:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out / float(len(xs))


class Maximum(_Merge):
    """The elementwise maximum of the inputs."""

    def _merge(self, xs: list[Any]) -> Any:
        out = xs[0]
        for x in xs[1:]:
            out = tg.maximum(out, x)
        return out


class Minimum(_Merge):
    """The elementwise minimum of the inputs."""

    def _merge(self, xs: list[Any]) -> Any:
        out = xs[0]
        for x in xs[1:]:
            out = tg.minimum(out, x)
        return out


class Concatenate(Layer):
    """Concatenate a list of tensors along ``axis`` (all other axes must agree).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.Concatenate()([np.zeros((2, 3), "float32"), np.zeros((2, 5), "float32")]).shape
    TensorShape([2, 8])
    """

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.supports_masking = True

    def _check(self, shapes: list[tuple[Any, ...]]) -> tuple[Any, ...]:
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes):
            raise ValueError(f"A `Concatenate` layer requires inputs with matching shapes except for the "
                             f"concatenation axis. Received: input_shape={shapes} (different ranks)")
        axis = self.axis % rank
        out = list(shapes[0])
        for s in shapes[1:]:
            for i in range(rank):
                if i == axis:
                    out[i] = None if out[i] is None or s[i] is None else out[i] + s[i]
                elif out[i] is not None and s[i] is not None and out[i] != s[i]:
                    raise ValueError(f"A `Concatenate` layer requires inputs with matching shapes except for the "
                                     f"concatenation axis. Received: input_shape={shapes}")
                elif out[i] is None:
                    out[i] = s[i]
        return tuple(out)

    def build(self, input_shape: Any) -> None:
        if not isinstance(input_shape, list):
            raise ValueError(f"A `Concatenate` layer should be called on a list of inputs. Received: "
                             f"input_shape={input_shape}")
        self._check([tuple(s) for s in input_shape])
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return self._check([tuple(s) for s in input_shape])

    def call(self, inputs: Any) -> Any:
        xs = _as_list(self, inputs)
        if len(xs) == 1:
            return xs[0]
        self._check([tuple(int(d) for d in x.shape) for x in xs])
        return tg.concat(xs, axis=self.axis)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None or all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            full = tg.ones_like(x, dtype="bool") if m is None else tg.cast(m, "bool")
            while full.ndim < x.ndim:
                full = tg.expand_dims(full, -1) & tg.ones_like(x, dtype="bool")
            masks.append(full)
        return tg.reduce_all(tg.concat(masks, axis=self.axis), axis=-1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


class Dot(Layer):
    """Per-example dot product of two tensors over ``axes`` (an int or a pair); ``normalize=True`` L2-normalises
    both along those axes first (cosine similarity). A result with only the batch axis gets a trailing axis of 1.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.Dot(axes=(1, 1))([np.zeros((2, 3, 4), "float32"), np.zeros((2, 3, 5), "float32")]).shape
    TensorShape([2, 4, 5])
    """

    def __init__(self, axes: Any, normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(axes, int):
            self.axes: Any = axes
        else:
            axes = tuple(axes)
            if len(axes) != 2 or not all(isinstance(a, int) for a in axes):
                raise ValueError(f"Invalid format for argument `axes`: list/tuple should contain 2 integers. "
                                 f"Received: axes={axes}")
            self.axes = axes
        self.normalize = normalize
        self.supports_masking = True

    def _resolve(self, shapes: list[tuple[Any, ...]]) -> tuple[int, int]:
        if len(shapes) != 2:
            raise ValueError(f"A `Dot` layer should be called on a list of 2 inputs. Received: input_shape={shapes}")
        a, b = shapes
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        ax = (axes[0] % len(a), axes[1] % len(b))
        if a[ax[0]] is not None and b[ax[1]] is not None and a[ax[0]] != b[ax[1]]:
            raise ValueError(f"Incompatible input shapes: axis values {a[ax[0]]} (at axis {ax[0]}) != {b[ax[1]]} "
                             f"(at axis {ax[1]}). Full input shapes: {a}, {b}")
        return ax

    def build(self, input_shape: Any) -> None:
        if not isinstance(input_shape, list):
            raise ValueError(f"A `Dot` layer should be called on a list of 2 inputs. Received: "
                             f"input_shape={input_shape}")
        self._resolve([tuple(s) for s in input_shape])
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        a, b = (tuple(s) for s in input_shape)
        ax = self._resolve([a, b])
        out = a[:ax[0]] + a[ax[0] + 1:] + b[1:ax[1]] + b[ax[1] + 1:]
        return out if len(out) > 1 else out + (1,)

    def call(self, inputs: Any) -> Any:
        xs = _as_list(self, inputs)
        if len(xs) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: {len(xs)} inputs.")
        a, b = xs
        ax = self._resolve([tuple(int(d) for d in a.shape), tuple(int(d) for d in b.shape)])
        if self.normalize:
            a = tg.math.l2_normalize(a, axis=ax[0])
            b = tg.math.l2_normalize(b, axis=ax[1])
        letters = "bcdefghijklmnopqrstuvwxyz"
        sa = ["a"] + list(letters[: a.ndim - 1])
        sb = ["a"] + list(letters[a.ndim - 1: a.ndim + b.ndim - 2])
        sb[ax[1]] = sa[ax[0]]
        out = [c for i, c in enumerate(sa) if i != ax[0]] + [c for i, c in enumerate(sb) if i not in (0, ax[1])]
        y = tg.einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", a, b)
        return tg.expand_dims(y, -1) if y.ndim == 1 else y

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def add(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of :class:`Add`."""
    return Add(**kwargs)(inputs)


def subtract(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of :class:`Subtract`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of :class:`Multiply`."""
    return Multiply(**kwargs)(inputs)


def average(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of :class:`Average`."""
    return Average(**kwargs)(inputs)


def maximum(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of :class:`Maximum`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of :class:`Minimum`."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs: list[Any], axis: int = -1, **kwargs: Any) -> Any:
    """Functional form of :class:`Concatenate`.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.concatenate([np.ones((1, 2), "float32"), np.zeros((1, 2), "float32")], axis=0).shape
    TensorShape([2, 2])
    """
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs: list[Any], axes: Any = -1, normalize: bool = False, **kwargs: Any) -> Any:
    """Functional form of :class:`Dot`."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
