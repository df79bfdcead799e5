"""Raw ops of the special-function, bitwise and counting family (``Igamma``, ``Bessel*``, ``BitwiseAnd``,
``Bucketize``, ...), on tapegrad's implementations of those ops."""

from __future__ import annotations

from typing import Any

from ..ops import bitwise_ops, counting, image_transform, random_distributions, special_gamma
from ._table import Impl, args, public


def _igamma_grad_a(a: Any, x: Any) -> Any:
    from .._dispatch import apply2

    return apply2(special_gamma.IGAMMA_GRAD_A, a, x)


_SPECIAL = {"BesselI0": "bessel_i0", "BesselI0e": "bessel_i0e", "BesselI1": "bessel_i1", "BesselI1e": "bessel_i1e",
            "BesselJ0": "bessel_j0", "BesselJ1": "bessel_j1", "BesselY0": "bessel_y0", "BesselY1": "bessel_y1",
            "BesselK0": "bessel_k0", "BesselK0e": "bessel_k0e", "BesselK1": "bessel_k1", "BesselK1e": "bessel_k1e",
            "Dawsn": "dawsn", "Expint": "expint", "FresnelCos": "fresnel_cos", "FresnelSin": "fresnel_sin",
            "Spence": "spence"}


OPS: dict[str, Impl] = {
    "Bucketize": args(counting.bucketize, "input", "boundaries"),
    "IgammaGradA": _igamma_grad_a,
    "RandomGammaGrad": args(random_distributions.random_gamma_grad, "alpha", "sample"),
    "Invert": args(bitwise_ops.invert, "x"),
    "BitwiseAnd": args(bitwise_ops.bitwise_and, "x", "y"),
    "BitwiseOr": args(bitwise_ops.bitwise_or, "x", "y"),
    "BitwiseXor": args(bitwise_ops.bitwise_xor, "x", "y"),
    "LeftShift": args(bitwise_ops.left_shift, "x", "y"),
    "RightShift": args(bitwise_ops.right_shift, "x", "y"),
    "ImageProjectiveTransformV3": args(image_transform.projective_transform, "images", "transforms", "output_shape",
                                       "fill_value", "interpolation", "fill_mode"),
}
OPS.update({op: args(public(f"math.special.{fn}"), "x") for op, fn in _SPECIAL.items()})
