"""``tapegrad.math``: the ``tf.math`` namespace."""

from .ops.array_ops import add_n  # noqa: F401
from .ops.core import cast, conj, imag, real  # noqa: F401
from .ops.math_ops import (  # noqa: F401
    abs,
    add,
    cos,
    divide,
    equal,
    exp,
    floordiv,
    floormod,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    maximum,
    minimum,
    multiply,
    negative,
    not_equal,
    pow,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    subtract,
    tanh,
    truediv,
)
from .ops.nn_ops import softmax  # noqa: F401
from .ops.reductions import reduce_max, reduce_mean, reduce_min, reduce_sum  # noqa: F401
