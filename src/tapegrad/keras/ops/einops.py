"""``keras.ops.rearrange``: einops-style axis rearrangement (reorder, merge ``(a b)`` and split axes) as one
reshape, one transpose and one reshape, so it is differentiable like those.

>>> import numpy as np
>>> from tapegrad.keras import ops
>>> x = np.zeros((2, 6, 4, 3))
>>> ops.rearrange(x, "b h w c -> b c h w").shape, ops.rearrange(x, "b h w c -> (b h) (w c)").shape
(TensorShape([2, 3, 6, 4]), TensorShape([12, 12]))
>>> ops.rearrange(x, "b (h p) w c -> b h w (p c)", p=2).shape
TensorShape([2, 3, 4, 6])
"""

from __future__ import annotations

import math
import re
from typing import Any

import tapegrad as tg

from ._dtypes import convert

__all__ = ["rearrange"]

_TOKEN = re.compile(r"\(([^()]*)\)|(\w+)|(\S)")


def _groups(side: str, pattern: str) -> list[list[str]]:
    out: list[list[str]] = []
    for group, name, other in _TOKEN.findall(side):
        if other:
            raise ValueError(f"rearrange: unexpected {other!r} in pattern {pattern!r}; use names, spaces, "
                             "parentheses and one '->'")
        out.append(group.split() if group or not name else [name])
    return out


def rearrange(tensor: Any, pattern: str, **axes_lengths: int) -> Any:
    """Rearrange the axes of ``tensor`` by an einops ``pattern`` such as ``"b h w c -> b (h w) c"``;
    ``axes_lengths`` give the sizes needed to split an axis (``"(h p) -> h p", p=2``)."""
    x = convert(tensor)
    if pattern.count("->") != 1:
        raise ValueError(f"rearrange: the pattern needs exactly one '->', got {pattern!r}")
    left, right = pattern.split("->")
    ins, outs = _groups(left, pattern), _groups(right, pattern)
    if len(ins) != len(x.shape):
        raise ValueError(f"rearrange: the pattern's input side {left.strip()!r} has {len(ins)} axes but the tensor "
                         f"has shape {tuple(x.shape)}")
    elementary_in = [a for g in ins for a in g]
    elementary_out = [a for g in outs for a in g]
    if sorted(elementary_in) != sorted(elementary_out) or len(set(elementary_in)) != len(elementary_in):
        raise ValueError(f"rearrange: both sides must name the same axes once each, got {pattern!r}")
    sizes = dict(axes_lengths)
    for group, dim in zip(ins, x.shape, strict=True):
        unknown = [a for a in group if a not in sizes]
        if len(unknown) > 1:
            raise ValueError(f"rearrange: cannot split an axis of size {dim} into {group} without the sizes of "
                             f"{unknown[1:]}; pass them as keyword arguments")
        known = math.prod(sizes[a] for a in group if a in sizes)
        if unknown:
            sizes[unknown[0]] = dim // known if known else 0
        if math.prod(sizes[a] for a in group) != dim:
            raise ValueError(f"rearrange: an axis of size {dim} cannot be split into {group} with sizes "
                             f"{[sizes[a] for a in group]}")
    y = tg.reshape(x, [sizes[a] for a in elementary_in])
    order = [elementary_in.index(a) for a in elementary_out]
    if order != list(range(len(order))):
        y = tg.transpose(y, order)
    return tg.reshape(y, [math.prod(sizes[a] for a in g) for g in outs])
