"""``tf.bitwise``: bitwise_and, bitwise_or, bitwise_xor, invert, left_shift, right_shift on the eight integer dtypes.

Not differentiable (integer results; TF registers no gradients). The shifts follow TF's kernels: the shift amount is
clamped to ``[0, bits - 1]`` (a negative amount shifts by 0, an amount of ``bits`` or more by ``bits - 1``), a left
shift wraps in the dtype's width, and a right shift of a signed value is arithmetic (keeps the sign).
The Tensor operators ``&``, ``|``, ``^`` and ``~`` are these ops on integer tensors (logical ops on bool tensors);
``<<`` and ``>>`` are not Tensor operators, as in TF.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._registry import spec
from ._elementwise import _binary, _unary

_INT_KINDS = "iu"
_INT_TYPES = ((np.int8, 8), (np.uint8, 8), (np.int16, 16), (np.uint16, 16), (np.int32, 32), (np.uint32, 32),
              (np.int64, 64), (np.uint64, 64))  # the shift specs cover every integer dtype


def _ints(*shapes: tuple[int, ...], dtype: Any = np.int32, lo: int = -50, hi: int = 50) -> Any:
    return lambda rng: tuple(rng.integers(lo, hi, size=s).astype(dtype) for s in shapes)


def _shift_args(dtype: Any, bits: int) -> Any:
    """Values of ``dtype`` and shift amounts covering negative, in-range and too-large shifts."""
    def args(rng: np.random.Generator) -> tuple[Any, ...]:
        info = np.iinfo(dtype)
        x = rng.integers(max(info.min, -1000), min(info.max, 1000), size=(12,)).astype(dtype)
        lo = -3 if info.min < 0 else 0
        s = rng.integers(lo, bits + 4, size=(12,)).astype(dtype)
        return x, s

    return args


def _clamped(F: Any, x: Any, y: Any) -> tuple[Any, Any]:
    """``x`` as an array and the shift ``y`` clamped to ``[0, bits - 1]`` in ``x``'s dtype (TF's kernel)."""
    dt = x.dtype if hasattr(x, "dtype") else y.dtype
    x = F.asarray(x, dtype=dt)
    bits = np.dtype(dt).itemsize * 8
    return x, F.clip(F.asarray(y, dtype=dt), 0, bits - 1).astype(dt)


def _left_fwd(F: Any, x: Any, y: Any) -> Any:
    x, y = _clamped(F, x, y)
    return F.left_shift(x, y)


def _right_fwd(F: Any, x: Any, y: Any) -> Any:
    x, y = _clamped(F, x, y)
    return F.right_shift(x, y)


def _ref_shift(left: bool) -> Any:
    def ref(x: Any, s: Any) -> Any:
        bits = x.dtype.itemsize * 8
        u = np.dtype(f"u{x.dtype.itemsize}")
        out = []
        for a, k in zip(x.tolist(), s.tolist()):
            k = min(max(int(k), 0), bits - 1)
            if left:  # in unsigned arithmetic, then reinterpreted
                out.append(np.array((int(a) << k) % (1 << bits), dtype=np.uint64).astype(u).view(x.dtype))
            else:
                out.append(np.array(int(a) >> k).astype(x.dtype))
        return np.array(out, dtype=x.dtype)

    return ref


bitwise_and = _binary(
    "bitwise_and", lambda F, x, y: F.bitwise_and(x, y), None, kinds=_INT_KINDS,
    doc="Elementwise bitwise AND of two integer tensors of one dtype (broadcasting); also ``x & y``.\n\n"
        ">>> import tapegrad as tf\n>>> tf.bitwise.bitwise_and([12, 10], [10, 6]).numpy().tolist()\n[8, 2]",
    test=[spec(lambda tf, x, y: tf.bitwise.bitwise_and(x, y), _ints((2, 5), (5,)), ref=np.bitwise_and),
          spec(lambda tf, x, y: tf.bitwise.bitwise_and(x, y), _ints((6,), (6,), dtype=np.uint8, lo=0, hi=256),
               ref=np.bitwise_and, name="uint8")])
bitwise_or = _binary(
    "bitwise_or", lambda F, x, y: F.bitwise_or(x, y), None, kinds=_INT_KINDS,
    doc="Elementwise bitwise OR of two integer tensors of one dtype (broadcasting); also ``x | y``.\n\n"
        ">>> import tapegrad as tf\n>>> tf.bitwise.bitwise_or([12, 10], [10, 6]).numpy().tolist()\n[14, 14]",
    test=[spec(lambda tf, x, y: tf.bitwise.bitwise_or(x, y), _ints((3, 4), (3, 1), dtype=np.int64),
               ref=np.bitwise_or),
          spec(lambda tf, x, y: tf.bitwise.bitwise_or(x, y), _ints((6,), (6,), dtype=np.int8), ref=np.bitwise_or,
               name="int8")])
bitwise_xor = _binary(
    "bitwise_xor", lambda F, x, y: F.bitwise_xor(x, y), None, kinds=_INT_KINDS,
    doc="Elementwise bitwise XOR of two integer tensors of one dtype (broadcasting); also ``x ^ y``.\n\n"
        ">>> import tapegrad as tf\n>>> tf.bitwise.bitwise_xor([12, 10], [10, 6]).numpy().tolist()\n[6, 12]",
    test=[spec(lambda tf, x, y: tf.bitwise.bitwise_xor(x, y), _ints((6,), (6,)), ref=np.bitwise_xor),
          spec(lambda tf, x, y: tf.bitwise.bitwise_xor(x, y),
               _ints((6,), (6,), dtype=np.uint64, lo=0, hi=2**62), ref=np.bitwise_xor, name="uint64")])
invert = _unary(
    "invert", lambda F, x: F.invert(x), None, kinds=_INT_KINDS,
    doc="Flips every bit of an integer tensor (``-x - 1`` for signed dtypes, ``max - x`` for unsigned ones); "
        "also ``~x``.\n\n"
        ">>> import tapegrad as tf\n>>> tf.bitwise.invert(tf.constant([0, 5, 255], tf.uint8)).numpy().tolist()\n"
        "[255, 250, 0]",
    test=[spec(lambda tf, x: tf.bitwise.invert(x), _ints((2, 3)), ref=np.invert),
          spec(lambda tf, x: tf.bitwise.invert(x), _ints((5,), dtype=np.uint16, lo=0, hi=65536), ref=np.invert,
               name="uint16")])
def _shift_specs(fn: str) -> list[Any]:
    """One spec per integer dtype, with negative, in-range and too-large shift amounts."""
    return [spec(lambda tf, x, s: getattr(tf.bitwise, fn)(x, s), _shift_args(dt, bits),
                 ref=_ref_shift(fn == "left_shift"), name=np.dtype(dt).name) for dt, bits in _INT_TYPES]


left_shift = _binary(
    "left_shift", _left_fwd, None, kinds=_INT_KINDS,
    doc="``x`` shifted left by ``y`` bits, elementwise, wrapping in the dtype's width (the bits shifted out are "
        "lost). As in TF, the shift amount is clamped to ``[0, bits - 1]``: a negative ``y`` shifts by 0 and "
        "``y >= bits`` by ``bits - 1``.\n\n"
        ">>> import tapegrad as tf\n>>> tf.bitwise.left_shift(tf.constant([1, 3, 1], tf.int8), "
        "tf.constant([2, 6, 9], tf.int8)).numpy().tolist()\n[4, -64, -128]",
    test=_shift_specs("left_shift"))
right_shift = _binary(
    "right_shift", _right_fwd, None, kinds=_INT_KINDS,
    doc="``x`` shifted right by ``y`` bits, elementwise: arithmetic for signed dtypes (the sign bit is copied in), "
        "logical for unsigned ones. As in TF, the shift amount is clamped to ``[0, bits - 1]``, so ``-8 >> 40`` "
        "in int32 is ``-1``.\n\n"
        ">>> import tapegrad as tf\n>>> tf.bitwise.right_shift([-8, 100, 100], [1, 2, 40]).numpy().tolist()\n"
        "[-4, 25, 0]",
    test=_shift_specs("right_shift"))

EXPORTS: dict[str, list[str]] = {
    "bitwise": ["bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift", "right_shift"],
}
