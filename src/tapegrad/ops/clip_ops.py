"""``clip_by_value`` (clip_by_norm and clip_by_global_norm are reductions: :mod:`reductions`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._dispatch import applyn
from .._registry import defop, spec
from .._tensor import Tensor
from ..errors import InvalidArgumentError
from ._common import RaggedInput, pair, to_tensor
from ._math_checks import _need

# -- clip_by_value ---------------------------------------------------------------------------------------------------


def _clip_fwd(F: Any, x: Any, lo: Any, hi: Any) -> Any:
    return F.maximum(F.minimum(x, hi), lo)


def _clip_masks(F: Any, x: Any, lo: Any, hi: Any) -> tuple[Any, Any]:
    # TF computes maximum(minimum(x, hi), lo); both pass ties to their first argument (reference §6)
    below_hi = x <= hi
    above_lo = F.minimum(x, hi) >= lo
    return below_hi, above_lo


def _clip_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, lo, hi = ins
    below_hi, above_lo = _clip_masks(F, x, lo, hi)
    zero = F.zeros_like(g)
    through_min = F.where(above_lo, g, zero)  # the gradient reaching minimum(x, hi)
    gx = F.where(below_hi, through_min, zero) if needs[0] else None
    glo = F.where(above_lo, zero, g) if needs[1] else None
    ghi = F.where(below_hi, zero, through_min) if needs[2] else None
    return (gx, glo, ghi)


def _clip_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, lo, hi = ins
    if ts[0] is None and ts[1] is None and ts[2] is None:
        return None
    below_hi, above_lo = _clip_masks(F, x, lo, hi)
    zero = F.zeros_like(out)
    tx = zero if ts[0] is None else ts[0] + zero
    tlo = zero if ts[1] is None else ts[1] + zero
    thi = zero if ts[2] is None else ts[2] + zero
    return F.where(above_lo, F.where(below_hi, tx, thi), tlo)


CLIP_BY_VALUE = defop(
    "clip_by_value", _clip_fwd, _clip_vjp, _clip_jvp,
    test=spec(lambda tf, x, lo, hi: tf.clip_by_value(x, lo, hi),
              lambda rng: (rng.normal(size=(3, 4)), rng.uniform(-1.0, -0.2, (4,)), rng.uniform(0.2, 1.0, (4,))),
              ref=lambda x, lo, hi: np.clip(x, lo, hi)))


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any, name: str | None = None) -> Tensor:
    """Clip ``t`` to ``[clip_value_min, clip_value_max]`` (bounds broadcast against ``t``; the result has ``t``'s
    shape). Gradient 1 where ``min <= t <= max`` (inclusive at both bounds), else 0; tensor bounds receive the
    upstream of the elements clipped to them (e.g. a scalar ``min`` gets the count of ``t < min``).

    >>> import tapegrad as tf
    >>> x = tf.Variable([-2.0, 0.5, 1.0, 3.0])
    >>> with tf.GradientTape() as tape:
    ...     y = tf.clip_by_value(x, -1.0, 1.0)
    >>> y.numpy().tolist(), tape.gradient(y, x).numpy().tolist()
    ([-1.0, 0.5, 1.0, 1.0], [0.0, 1.0, 1.0, 0.0])
    """
    try:
        x = to_tensor(t)
    except RaggedInput:  # a RaggedTensor: on its flat values (scalar bounds)
        return t.with_flat_values(clip_by_value(t.flat_values, clip_value_min, clip_value_max))
    _need(x, "fiu", "clip_by_value")
    _, lo = pair(x, clip_value_min, "clip_by_value")
    _, hi = pair(x, clip_value_max, "clip_by_value")
    shp = tuple(x._value.shape)
    try:
        out_shape = np.broadcast_shapes(shp, lo._value.shape, hi._value.shape)
    except ValueError:
        raise InvalidArgumentError(
            f"clip_by_value: the bounds' shapes {tuple(lo._value.shape)} and {tuple(hi._value.shape)} do not "
            f"broadcast against t's shape {shp}."
        ) from None
    if out_shape != shp:
        raise ValueError(
            f"clip_by_value: the bounds (shapes {tuple(lo._value.shape)}, {tuple(hi._value.shape)}) would broadcast "
            f"t of shape {shp} to {out_shape}; the result must keep t's shape. Broadcast t first."
        )
    return applyn(CLIP_BY_VALUE, (x, lo, hi))


EXPORTS: dict[str, list[str]] = {
    "": [
        "clip_by_value",
    ],
}
