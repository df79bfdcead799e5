"""``keras.ops.core``: conversion, dtype and shape queries, control flow (``cond``, ``while_loop``, ``fori_loop``,
``scan``, ``associative_scan``, ``map``, ``switch``), scatter/slice updates and gradient helpers.

Control flow runs on tapegrad's own ``tf.cond``/``tf.while_loop``/``tf.scan``, so it is differentiable on the tape
and traces inside ``tapegrad.function``.

>>> from tapegrad.keras import ops
>>> int(ops.fori_loop(0, 5, lambda i, acc: acc + i, 0))
10
>>> carry, ys = ops.scan(lambda c, x: (c + x, c * x), 0.0, ops.arange(1.0, 4.0))
>>> float(carry), ys.numpy().tolist()
(6.0, [0.0, 2.0, 9.0])
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

import tapegrad as tg
from tapegrad import nest as _nest

from ._dtypes import cast as _cast
from ._dtypes import convert, standardize_dtype

__all__ = [
    "associative_scan", "cast", "cond", "convert_to_numpy", "convert_to_tensor", "custom_gradient", "dtype",
    "fori_loop", "is_tensor", "map", "saturate_cast", "scan", "scatter", "scatter_update", "shape", "slice",
    "slice_update", "stop_gradient", "switch", "unstack", "vectorized_map", "while_loop",
]


def convert_to_tensor(x: Any, dtype: Any = None, sparse: Any = None, ragged: Any = None) -> Any:
    """``x`` as a tensor (``dtype`` casts; Python ints give ``int32`` and floats ``float32``, as Keras)."""
    if sparse:
        raise ValueError("convert_to_tensor: sparse=True is not supported by tapegrad.keras.ops")
    if ragged:
        raise ValueError("convert_to_tensor: ragged=True is not supported by tapegrad.keras.ops")
    return convert(x, dtype)


def convert_to_numpy(x: Any) -> np.ndarray:
    """``x`` as a NumPy array (a list goes through ``np.asarray``: Python ints become ``int64``)."""
    if isinstance(x, (tg.Tensor, tg.Variable)) or hasattr(x, "_path"):
        return np.asarray(convert(x).numpy())
    return np.asarray(x)


def is_tensor(x: Any) -> bool:
    """Whether ``x`` is a tapegrad tensor (or variable)."""
    return tg.is_tensor(x)


def shape(x: Any) -> tuple[Any, ...]:
    """The shape as a tuple of ints (None for unknown dimensions while tracing)."""
    s = getattr(x, "shape", None)
    if s is None:
        s = convert(x).shape
    return tuple(None if d is None else int(d) for d in (s.as_list() if hasattr(s, "as_list") else s))


def dtype(x: Any) -> str:
    """Keras's name of ``x``'s dtype (``"float32"``, ...)."""
    d = getattr(x, "dtype", None)
    return standardize_dtype(d if d is not None else convert(x).dtype)


def cast(x: Any, dtype: Any) -> Any:
    """``x`` converted to ``dtype``."""
    return _cast(x, standardize_dtype(dtype))


def saturate_cast(x: Any, dtype: Any) -> Any:
    """``x`` cast to ``dtype``, clipping to its range first (no wrap-around)."""
    dt = standardize_dtype(dtype)
    x = convert(x)
    if x.dtype.name == dt:
        return x
    info = np.iinfo(dt) if "int" in dt else np.finfo(dt if dt != "bfloat16" else "float32")
    lo, hi = info.min, info.max
    src = x.dtype.name
    if "int" in src or src == "bool":
        if src != "bool":
            lo, hi = max(lo, np.iinfo(src).min), min(hi, np.iinfo(src).max)
        return _cast(tg.clip_by_value(x, tg.cast(lo, x.dtype), tg.cast(hi, x.dtype)), dt)
    # the bounds as the source float type, rounded inward (float32(2**31 - 1) would round up and overflow)
    ftype = np.dtype(src if src != "bfloat16" else "float32").type
    flo, fhi = ftype(lo), ftype(hi)
    if float(fhi) > float(hi):
        fhi = np.nextafter(fhi, ftype(0))
    if float(flo) < float(lo):
        flo = np.nextafter(flo, ftype(0))
    return _cast(tg.clip_by_value(x, tg.cast(flo, x.dtype), tg.cast(fhi, x.dtype)), dt)


def stop_gradient(variable: Any) -> Any:
    """``variable``'s value with no gradient flowing back."""
    return tg.stop_gradient(convert(variable))


def unstack(x: Any, num: int | None = None, axis: int = 0) -> list[Any]:
    """Split along ``axis`` into a list of tensors."""
    return tg.unstack(convert(x), num=num, axis=axis)


def cond(pred: Any, true_fn: Any, false_fn: Any) -> Any:
    """``true_fn()`` if ``pred`` else ``false_fn()`` (differentiable; traced as a conditional)."""
    return tg.cond(pred, true_fn, false_fn)


def switch(index: Any, branches: list[Any], *operands: Any) -> Any:
    """``branches[index](*operands)``; ``index`` is clamped to the valid range, as Keras."""
    idx = tg.clip_by_value(tg.cast(convert(index), "int32"), 0, len(branches) - 1)
    return tg.switch_case(idx, [lambda b=b: b(*operands) for b in branches])


def while_loop(cond: Any, body: Any, loop_vars: Any, maximum_iterations: int | None = None) -> Any:
    """Run ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)``; a single tensor stays a single tensor."""
    single = not isinstance(loop_vars, (list, tuple))
    lv = (loop_vars,) if single else tuple(loop_vars)

    def c(*args: Any) -> Any:
        return cond(*args)

    def b(*args: Any) -> Any:
        out = body(*args)
        return (out,) if single or not isinstance(out, (list, tuple)) else tuple(out)
    out = tg.while_loop(c, b, lv, maximum_iterations=maximum_iterations)
    if single:
        return out[0] if isinstance(out, (list, tuple)) else out
    return type(loop_vars)(out) if isinstance(loop_vars, list) else tuple(out)


def fori_loop(lower: Any, upper: Any, body_fun: Any, init_val: Any) -> Any:
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``."""
    def c(i: Any, val: Any) -> Any:
        return tg.less(i, upper)

    def b(i: Any, val: Any) -> Any:
        return i + 1, body_fun(i, val)
    _, out = tg.while_loop(c, b, (tg.constant(lower, "int32") if isinstance(lower, int) else lower, init_val))
    return out


def scan(f: Any, init: Any, xs: Any = None, length: int | None = None, reverse: bool = False,
         unroll: int = 1) -> tuple[Any, Any]:
    """JAX-style scan: ``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns ``(carry, stacked ys)``."""
    if xs is None:
        if length is None:
            raise ValueError("scan: give `xs` or `length`")
        xs_flat = [tg.zeros([int(length)])]
        no_xs = True
    else:
        xs_flat = [convert(v) for v in _nest.flatten(xs)]
        no_xs = False
        if length is not None and xs_flat and xs_flat[0].shape[0] != length:
            raise ValueError(f"scan: `length` {length} does not match the leading axis {xs_flat[0].shape[0]} of xs")
    n = int(xs_flat[0].shape[0]) if xs_flat else int(length or 0)
    order = range(n - 1, -1, -1) if reverse else range(n)
    carry = _nest.map_structure(convert, init)
    ys = []
    for i in order:
        x_i = None if no_xs else _nest.pack_sequence_as(xs, [v[i] for v in xs_flat])
        carry, y = f(carry, x_i)
        carry = _nest.map_structure(convert, carry)
        # a step that outputs None stacks zeros shaped like the carry (as Keras on TensorFlow)
        ys.append(_nest.map_structure(tg.zeros_like, carry) if y is None else y)
    if reverse:
        ys.reverse()
    if not ys:
        return carry, None
    return carry, _nest.map_structure(lambda *vs: tg.stack([convert(v) for v in vs]), *ys)


def associative_scan(f: Any, elems: Any, reverse: bool = False, axis: int = 0) -> Any:
    """Inclusive prefix scan with the associative ``f`` along ``axis`` (``reverse`` scans from the end)."""
    flat = [convert(v) for v in _nest.flatten(elems)]
    n = int(flat[0].shape[axis])
    for v in flat:
        if int(v.shape[axis]) != n:
            raise ValueError("associative_scan: every element needs the same length along `axis`")

    def take(i: int) -> Any:
        idx = [builtins.slice(None)] * len(flat[0].shape)
        idx[axis] = builtins.slice(i, i + 1)
        return _nest.pack_sequence_as(elems, [v[tuple(idx)] for v in flat])

    order = range(n - 1, -1, -1) if reverse else range(n)
    acc = None
    outs = []
    for i in order:
        cur = take(i)
        acc = cur if acc is None else (f(acc, cur) if not reverse else f(cur, acc))
        outs.append(acc)
    if reverse:
        outs.reverse()
    return _nest.map_structure(lambda *vs: tg.concat([convert(v) for v in vs], axis), *outs)


def map(f: Any, xs: Any) -> Any:  # noqa: A001
    """``f`` applied to each slice of ``xs`` along the leading axis, results stacked."""
    flat = [convert(v) for v in _nest.flatten(xs)]
    n = int(flat[0].shape[0])
    outs = [f(_nest.pack_sequence_as(xs, [v[i] for v in flat])) for i in range(n)]
    return _nest.map_structure(lambda *vs: tg.stack([convert(v) for v in vs]), *outs)


def vectorized_map(function: Any, elements: Any) -> Any:
    """``function`` over the leading axis of ``elements`` (vectorized where tapegrad can, else a loop)."""
    return tg.vectorized_map(function, elements)


def scatter(indices: Any, values: Any, shape: Any) -> Any:
    """A zero tensor of ``shape`` with ``values`` added at ``indices`` (duplicates add up)."""
    idx = convert(indices)
    if idx.dtype.name not in ("int32", "int64"):
        idx = _cast(idx, "int32")
    return tg.scatter_nd(idx, convert(values), [int(s) for s in shape])


def scatter_update(inputs: Any, indices: Any, updates: Any, reduction: str | None = None) -> Any:
    """``inputs`` with the elements at ``indices`` replaced by ``updates`` (or combined: ``"add"``, ``"max"``,
    ``"min"``, ``"mul"``)."""
    x = convert(inputs)
    idx = convert(indices)
    if idx.dtype.name not in ("int32", "int64"):
        idx = _cast(idx, "int32")
    upd = _cast(updates, x.dtype.name)
    if reduction is None:
        return tg.tensor_scatter_nd_update(x, idx, upd)
    if reduction == "add":
        return tg.tensor_scatter_nd_add(x, idx, upd)
    if reduction == "max":
        return tg.tensor_scatter_nd_max(x, idx, upd)
    if reduction == "min":
        return tg.tensor_scatter_nd_min(x, idx, upd)
    if reduction == "mul":
        old = tg.gather_nd(x, idx)
        return tg.tensor_scatter_nd_update(x, idx, old * upd)
    raise ValueError(f"scatter_update: unknown reduction {reduction!r}; use None, 'add', 'max', 'min' or 'mul'")


def slice(inputs: Any, start_indices: Any, shape: Any) -> Any:  # noqa: A001
    """The block of ``inputs`` of ``shape`` starting at ``start_indices``."""
    return tg.slice(convert(inputs), start_indices, shape)


def slice_update(inputs: Any, start_indices: Any, updates: Any) -> Any:
    """``inputs`` with the block at ``start_indices`` replaced by ``updates``."""
    x = convert(inputs)
    upd = _cast(updates, x.dtype.name)
    starts = [int(s) for s in (start_indices.numpy() if hasattr(start_indices, "numpy") else start_indices)]
    grids = np.meshgrid(*[np.arange(s, s + n) for s, n in zip(starts, upd.shape)], indexing="ij")
    idx = np.stack([g.reshape(-1) for g in grids], -1).astype(np.int32) if grids else np.zeros((1, 0), np.int32)
    return tg.tensor_scatter_nd_update(x, tg.constant(idx), tg.reshape(upd, [-1]))


def custom_gradient(f: Any) -> Any:
    """Decorate ``f(*args)`` returning ``(y, grad_fn)``: ``grad_fn(*upstream)`` gives the input gradients (Keras
    passes ``upstream`` to grad_fn; tapegrad's ``tf.custom_gradient`` underneath)."""
    return tg.custom_gradient(f)
