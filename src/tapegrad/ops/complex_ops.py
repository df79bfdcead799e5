"""Building and taking apart complex numbers: ``complex(real, imag)`` and ``angle`` (conj, real and imag are in
:mod:`core`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._dispatch import apply1, apply2
from .._registry import defop, normal, spec
from .._tensor import Tensor
from ._common import dtype_of, to_tensor
from ._elementwise import _shape_error
from .special_functions import _PI

# -- complex numbers -------------------------------------------------------------------------------------------------


def _angle_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    z = ins[0]
    # d angle = Im(dz / z): the gradient of a real loss is upstream * i / conj(z) (TF: -g / (Im z + i Re z))
    return (F.astype(g, dtype_of(z)) * 1j / F.conj(z),)


def _angle_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return F.imag(ts[0] / ins[0])


ANGLE = defop("angle", lambda F, z: F.angle(z), _angle_vjp, _angle_jvp,
              test=spec(lambda tf, z: tf.math.angle(z),
                        lambda rng: (rng.normal(size=(3, 4)) + 1j * rng.normal(size=(3, 4)),), ref=np.angle,
                        order2=False))  # second order checked in tests/test_math_ext.py (the generic check
# pairs complex gradients with sum(g * v) rather than Re(sum(conj(g) * v)))


def _angle_real_fwd(F: Any, x: Any) -> Any:
    return F.where(x < 0, F.full_like(x, _PI), F.zeros_like(x))


ANGLE_REAL = defop("angle_real", _angle_real_fwd, None,
                   test=spec(lambda tf, x: tf.math.angle(x), normal((3, 4)),
                             ref=lambda x: np.where(x < 0, np.pi, 0.0)))


def angle(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """The argument of a complex number, ``atan2(imag, real)``, as a real tensor. For real input: ``pi`` where
    negative, else 0 (not differentiable, as TF). Complex gradient: ``upstream * 1j / conj(z)``.

    >>> import tapegrad as tf
    >>> tf.math.angle(tf.constant([1j, -1 + 0j])).numpy().round(4).tolist()
    [1.5708, 3.1416]
    """
    x = to_tensor(input)
    kind = x._value.dtype.kind
    if kind not in "fcV":  # TF: TypeError (pi does not convert to an integer tensor)
        raise TypeError(f"angle: expected a floating-point or complex tensor, got dtype {x.dtype.name}. Cast it first, "
                        "e.g. tapegrad.cast(x, tapegrad.float32).")
    return apply1(ANGLE if kind == "c" else ANGLE_REAL, x)


def _complex_fwd(F: Any, re: Any, im: Any) -> Any:
    out = F.empty(F.broadcast_shapes(F.shape(re), F.shape(im)), dtype=F.result_type(re.dtype, F.complex64))
    out.real = re  # not re + 1j * im: 1j * inf would put a nan in the real part
    out.imag = im
    return out


def _complex_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (F.real(g) if needs[0] else None, F.imag(g) if needs[1] else None)


def _complex_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    tr, ti = ts
    if tr is None and ti is None:
        return None
    tr = F.zeros_like(ins[0]) if tr is None else tr
    ti = F.zeros_like(ins[1]) if ti is None else ti
    if F.is_diff:
        return complex(tr, ti)
    return _complex_fwd(F, tr, ti)


COMPLEX = defop("complex", _complex_fwd, _complex_vjp, _complex_jvp,
                test=spec(lambda tf, a, b: tf.complex(a, b), normal((3, 4), (4,)), ref=lambda a, b: a + 1j * b))


def complex(real: Any, imag: Any, name: str | None = None) -> Tensor:  # noqa: A001
    """``real + 1j * imag`` with broadcasting: float32 parts give complex64, float64 parts complex128.

    Both parts must have the same dtype (TypeError otherwise, as TF). The gradients are the real and imaginary
    parts of the upstream gradient.

    >>> import tapegrad as tf
    >>> tf.complex(tf.constant([1.0, 2.0]), tf.constant(3.0)).numpy().tolist()
    [(1+3j), (2+3j)]
    """
    re, im = to_tensor(real), to_tensor(imag)
    dre, dim = re._value.dtype, im._value.dtype
    if dre != dim or dre not in (np.float32, np.float64):
        raise TypeError(
            f"complex: the real and imag parts must both be float32 (giving complex64) or both float64 (giving "
            f"complex128); got {re.dtype.name} and {im.dtype.name}. Cast them, e.g. tapegrad.cast(x, tapegrad.float32)."
        )
    try:
        return apply2(COMPLEX, re, im)
    except ValueError as exc:
        raise _shape_error("complex", re, im, exc) from None


EXPORTS: dict[str, list[str]] = {
    "": [
        "complex",
    ],
    "math": [
        "angle",
    ],
}
