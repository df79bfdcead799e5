"""``tapegrad.raw_ops``: TF's low-level op entry points, for the ops tapegrad implements under their TF op names.

As in TF, every entry takes keyword arguments only (a positional argument raises TypeError) and the argument
names are TF's op-definition names (``Igamma(a=, x=)``, ``Bucketize(input=, boundaries=)``, ...).

>>> import tapegrad as tf
>>> tf.raw_ops.Igamma(a=tf.constant(1.0), x=tf.constant(2.0)).numpy().round(6)
np.float32(0.864665)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ._dispatch import apply2
from .ops import bitwise_ops, counting, image_transform, random_distributions, special_functions, special_gamma
from .ops._special_common import F32_64, binary_in


def _keyword_only(name: str, keys: tuple[str, ...], fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def op(*args: Any, **kwargs: Any) -> Any:
        if args:
            raise TypeError(f"raw_ops.{name} only takes keyword arguments (possible keys: {list(keys) + ['name']}); "
                            f"got {len(args)} positional argument(s). Pass them by name, e.g. "
                            f"tf.raw_ops.{name}({', '.join(k + '=...' for k in keys)}).")
        unknown = set(kwargs) - set(keys) - {"name"}
        missing = [k for k in keys if k not in kwargs]
        if unknown or missing:
            raise TypeError(f"raw_ops.{name}: expected the keyword arguments {list(keys)}"
                            + (f"; unknown: {sorted(unknown)}" if unknown else "")
                            + (f"; missing: {missing}" if missing else "") + ".")
        kwargs.pop("name", None)
        return fn(**kwargs)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``tf.raw_ops.{name}({', '.join(k + '=' for k in keys)} name=None)``: see " \
                 f"``{fn.__module__}.{fn.__name__}``."
    return op


def _igamma_grad_a(a: Any, x: Any) -> Any:
    ta, tx = binary_in(a, x, "IgammaGradA", F32_64)
    return apply2(special_gamma.IGAMMA_GRAD_A, ta, tx)


def _bitwise(public: str) -> Callable[..., Any]:
    """``tapegrad.bitwise.<public>`` under TF's raw argument names ``x``, ``y`` (the public functions name them
    ``a``, ``b``)."""
    fn = getattr(bitwise_ops, public)

    def op(x: Any, y: Any = None) -> Any:
        return fn(x) if public == "invert" else fn(x, y)

    op.__name__, op.__module__ = public, bitwise_ops.__name__
    return op


def _table() -> dict[str, tuple[tuple[str, ...], Callable[..., Any]]]:
    from . import math as tmath

    sp = tmath.special
    t: dict[str, tuple[tuple[str, ...], Callable[..., Any]]] = {
        "Bucketize": (("input", "boundaries"), counting.bucketize),
        "Igamma": (("a", "x"), special_gamma.igamma),
        "Igammac": (("a", "x"), special_gamma.igammac),
        "IgammaGradA": (("a", "x"), _igamma_grad_a),
        "Betainc": (("a", "b", "x"), special_gamma.betainc),
        "Zeta": (("x", "q"), special_gamma.zeta),
        "Polygamma": (("a", "x"), special_gamma.polygamma),
        "Erf": (("x",), special_functions.erf),
        "Erfc": (("x",), special_functions.erfc),
        "Lgamma": (("x",), special_functions.lgamma),
        "Digamma": (("x",), special_functions.digamma),
        "RandomGammaGrad": (("alpha", "sample"), random_distributions.random_gamma_grad),
        "Invert": (("x",), _bitwise("invert")),
        "ImageProjectiveTransformV3": (("images", "transforms", "output_shape", "fill_value", "interpolation",
                                        "fill_mode"), image_transform.projective_transform),
    }
    for tf_name, public in (("BitwiseAnd", "bitwise_and"), ("BitwiseOr", "bitwise_or"), ("BitwiseXor", "bitwise_xor"),
                            ("LeftShift", "left_shift"), ("RightShift", "right_shift")):
        t[tf_name] = (("x", "y"), _bitwise(public))
    for tf_name, public in (("Erfinv", tmath.__dict__.get("erfinv")), ("Ndtri", tmath.__dict__.get("ndtri"))):
        if public is not None:
            t[tf_name] = (("x",), public)
    for tf_name, attr in (("BesselI0", "bessel_i0"), ("BesselI0e", "bessel_i0e"), ("BesselI1", "bessel_i1"),
                          ("BesselI1e", "bessel_i1e"), ("BesselJ0", "bessel_j0"), ("BesselJ1", "bessel_j1"),
                          ("BesselY0", "bessel_y0"), ("BesselY1", "bessel_y1"), ("BesselK0", "bessel_k0"),
                          ("BesselK0e", "bessel_k0e"), ("BesselK1", "bessel_k1"), ("BesselK1e", "bessel_k1e"),
                          ("Dawsn", "dawsn"), ("Expint", "expint"), ("FresnelCos", "fresnel_cos"),
                          ("FresnelSin", "fresnel_sin"), ("Spence", "spence")):
        public = getattr(sp, attr, None)
        if public is not None:
            t[tf_name] = (("x",), public)
    return t


for _name, (_keys, _fn) in _table().items():
    globals()[_name] = _keyword_only(_name, _keys, _fn)
del _name, _keys, _fn
