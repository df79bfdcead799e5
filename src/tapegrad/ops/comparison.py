"""Comparisons and logical ops (not differentiable: bool results): equal, not_equal, less, less_equal, greater,
greater_equal, logical_and, logical_or, logical_xor, logical_not.
"""

from __future__ import annotations

import numpy as np

from .._registry import small_ints, spec
from ._elementwise import _binary, _unary

# -- comparisons and logic (not differentiable: bool results) -----------------------------------------------------

equal = _binary("equal", lambda F, x, y: F.equal(x, y), None, doc="``x == y`` elementwise (bool).",
    test=spec(lambda tf, x, y: tf.math.equal(x, y), small_ints((6,), (6,)), ref=np.equal))
not_equal = _binary("not_equal", lambda F, x, y: F.not_equal(x, y), None, doc="``x != y`` elementwise (bool).",
    test=spec(lambda tf, x, y: tf.math.not_equal(x, y), small_ints((6,), (6,)), ref=np.not_equal))
less = _binary("less", lambda F, x, y: F.less(x, y), None, kinds="fiu", doc="``x < y`` elementwise (bool).",
    test=spec(lambda tf, x, y: tf.math.less(x, y), small_ints((6,), (6,)), ref=np.less))
less_equal = _binary("less_equal", lambda F, x, y: F.less_equal(x, y), None, kinds="fiu",
                     doc="``x <= y`` elementwise (bool).",
    test=spec(lambda tf, x, y: tf.math.less_equal(x, y), small_ints((6,), (6,)), ref=np.less_equal))
greater = _binary("greater", lambda F, x, y: F.greater(x, y), None, kinds="fiu",
                  doc="``x > y`` elementwise (bool).",
    test=spec(lambda tf, x, y: tf.math.greater(x, y), small_ints((6,), (6,)), ref=np.greater))
greater_equal = _binary("greater_equal", lambda F, x, y: F.greater_equal(x, y), None, kinds="fiu",
                        doc="``x >= y`` elementwise (bool).",
    test=spec(lambda tf, x, y: tf.math.greater_equal(x, y), small_ints((6,), (6,)), ref=np.greater_equal))
logical_and = _binary("logical_and", lambda F, x, y: F.logical_and(x, y), None, kinds="b",
                      doc="Elementwise AND of bool tensors.",
    test=spec(lambda tf, x, y: tf.math.logical_and(x, y), small_ints((6,), (6,), kind=bool), ref=np.logical_and))
logical_or = _binary("logical_or", lambda F, x, y: F.logical_or(x, y), None, kinds="b",
                     doc="Elementwise OR of bool tensors.",
    test=spec(lambda tf, x, y: tf.math.logical_or(x, y), small_ints((6,), (6,), kind=bool), ref=np.logical_or))
logical_xor = _binary("logical_xor", lambda F, x, y: F.logical_xor(x, y), None, kinds="b",
                      doc="Elementwise XOR of bool tensors.",
    test=spec(lambda tf, x, y: tf.math.logical_xor(x, y), small_ints((6,), (6,), kind=bool), ref=np.logical_xor))
logical_not = _unary("logical_not", lambda F, x: F.logical_not(x), None, kinds="b",
                     doc="Elementwise NOT of a bool tensor.",
    test=spec(lambda tf, x: tf.math.logical_not(x), small_ints((6,), kind=bool),
              ref=np.logical_not))


EXPORTS: dict[str, list[str]] = {
    "": [
        "equal", "greater", "greater_equal", "less", "less_equal", "logical_and", "logical_not", "logical_or",
        "not_equal",
    ],
    "math": [
        "equal", "greater", "greater_equal", "less", "less_equal", "logical_and", "logical_not", "logical_or",
        "logical_xor", "not_equal",
    ],
}
