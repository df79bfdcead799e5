"""tapegrad: eager reverse-mode automatic differentiation with TensorFlow 2's ``GradientTape`` API, on NumPy.

>>> import tapegrad as tf
>>> x = tf.Variable(3.0)
>>> with tf.GradientTape() as tape:
...     y = x ** 2
>>> print(tape.gradient(y, x))
tapegrad.Tensor(6.0, shape=(), dtype=float32)
"""

from . import autodiff, errors, linalg, math, nn
from . import ops as _ops  # noqa: F401  (registers every op and attaches the operators)
from ._dtypes import (
    DType,
    as_dtype,
    complex64,
    complex128,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    uint8,
    uint16,
    uint32,
    uint64,
)
from ._dtypes import (
    bool_ as bool,
)
from ._shape import TensorShape
from ._tensor import Tensor, Variable
from .gradient_tape import GradientTape, UnconnectedGradients
from .ops.array_ops import add_n, concat, matmul, newaxis, reshape, stack, transpose, where
from .ops.core import (
    broadcast_to,
    cast,
    constant,
    convert_to_tensor,
    identity,
    ones,
    ones_like,
    stop_gradient,
    zeros,
    zeros_like,
)
from .ops.math_ops import (
    abs,
    add,
    cos,
    divide,
    equal,
    exp,
    floordiv,
    greater,
    greater_equal,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
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
from .ops.reductions import reduce_max, reduce_mean, reduce_min, reduce_sum

__version__ = "0.1.0"

__all__ = [
    "errors", "DType", "as_dtype", "bool", "complex64", "complex128", "double", "float16", "float32", "float64",
    "half", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "TensorShape", "Tensor",
    "Variable", "GradientTape", "UnconnectedGradients", "broadcast_to", "cast", "constant", "convert_to_tensor",
    "identity", "ones", "ones_like", "stop_gradient", "zeros", "zeros_like", "abs", "add", "cos", "divide",
    "equal", "exp", "floordiv", "greater", "greater_equal", "less", "less_equal", "logical_and", "logical_not",
    "logical_or", "maximum", "minimum", "multiply", "negative", "not_equal", "pow", "sigmoid", "sign", "sin",
    "sqrt", "square", "subtract", "tanh", "truediv", "reduce_max", "reduce_mean", "reduce_min", "reduce_sum",
    "add_n", "concat", "matmul", "newaxis", "reshape", "stack", "transpose", "where", "autodiff", "linalg",
    "math", "nn",
]
