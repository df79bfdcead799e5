"""``tf.strings.unicode_script``: the Unicode script (ICU's ``UScriptCode``) of each code point, from the runs table
``_data/unicode_scripts.txt`` (the Unicode Character Database's scripts through ICU, as TF 2.21 ships it; Unicode
License in ``_data/UNICODE-LICENSE.txt``). Invalid code points (negative or above U+10FFFF) give -1, as TF.

>>> import tapegrad as tf
>>> tf.strings.unicode_script([72, 0x3B1, 0x4E00, -5]).numpy().tolist()  # Latin, Greek, Han, invalid
[25, 14, 17, -1]
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

from .. import _dtypes
from .._dispatch import apply1
from .._registry import defop, spec
from .._tensor import Tensor, _TensorLike
from ..errors import InvalidArgumentError
from .core import convert_to_tensor

_TABLE = Path(__file__).resolve().parent / "_data" / "unicode_scripts.txt"


@functools.lru_cache(maxsize=1)
def _runs() -> tuple[np.ndarray, np.ndarray]:
    rows = [line.split() for line in _TABLE.read_text().splitlines() if line and not line.startswith("#")]
    starts = np.array([int(a, 16) for a, _ in rows], np.int64)
    codes = np.array([int(b) for _, b in rows], np.int32)
    return starts, codes


def _script_fwd(F: Any, x: Any) -> Any:
    cp = np.asarray(x).astype(np.int64)
    starts, codes = _runs()
    out = codes[np.clip(np.searchsorted(starts, cp, side="right") - 1, 0, len(codes) - 1)]
    return F.asarray(np.where((cp < 0) | (cp > 0x10FFFF), np.int32(-1), out).astype(np.int32))


UNICODE_SCRIPT = defop("unicode_script", _script_fwd,
                       test=spec(lambda tf, x: tf.strings.unicode_script(x),
                                 lambda rng: (np.array([65, 0x3B1, 0x627, 0x4E00, -1, 0x110000], np.int32),),
                                 ref=lambda x: np.array([25, 14, 2, 17, -1, -1], np.int32)))


def unicode_script(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """The script code of each Unicode code point in the int32 tensor ``input`` (ICU's ``UScriptCode``: 0 Common,
    25 Latin, 14 Greek, 17 Han, ...; -1 for an invalid code point)."""
    x = input if isinstance(input, _TensorLike) else convert_to_tensor(input, dtype_hint=_dtypes.int32)
    if x.dtype != _dtypes.int32:
        raise InvalidArgumentError(f"unicode_script: input must be an int32 tensor of code points, got {x.dtype.name}"
                                   f" (shape {x.shape}); cast it with tf.cast(x, tf.int32).")
    return apply1(UNICODE_SCRIPT, x)


EXPORTS = {"strings": ["unicode_script"]}
