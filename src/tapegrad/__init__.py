"""tapegrad: eager reverse-mode automatic differentiation with TensorFlow 2's ``GradientTape`` API, on NumPy.

>>> import tapegrad as tf
>>> x = tf.Variable(3.0)
>>> with tf.GradientTape() as tape:
...     y = x ** 2
>>> print(tape.gradient(y, x))
tapegrad.Tensor(6.0, shape=(), dtype=float32)
"""

import warnings as _warnings

from . import errors
from ._device import DeviceSpec, device
from ._dtypes import (
    DType,
    as_dtype,
    bfloat16,
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
    string,
    uint8,
    uint16,
    uint32,
    uint64,
)
from ._dtypes import bool_ as bool  # noqa: A004
from ._shape import TensorShape
from ._tensor import Tensor, Variable
from .custom import custom_gradient, grad_pass_through, recompute_grad
from .gradient_tape import GradientTape, UnconnectedGradients
from .ops import collect as _collect
from .ops.slicing import newaxis
from .printing import print_ as print  # noqa: A004  # tf.print

# inf/nan are values in tapegrad, as in TensorFlow: NumPy's floating-point RuntimeWarnings raised inside tapegrad's
# own op code are not shown (user code elsewhere is unaffected; NumPy's global error state is untouched).
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"tapegrad(\.|$)")

# Public op functions, as TensorFlow places them at top level (declared in each op table's EXPORTS).
globals().update(_collect(""))

from . import autodiff, config, linalg, math, nn, random  # noqa: E402
from ._logging import get_logger  # noqa: E402
from .compiler.function import function  # noqa: E402

# Loaded on first use (PEP 562), so that `import tapegrad` stays fast: the training toolkit and the debugging tools.
_LAZY_MODULES = ("autograph", "data", "debugging", "dtypes", "experimental", "image", "io", "keras", "nest", "ragged",
                 "raw_ops", "signal", "scipy", "sparse", "strings", "sysconfig", "test", "train", "viz")
_LAZY_MODULES += ("audio", "bitwise", "lookup", "sets", "quantization", "version")  # the smaller tf.* namespaces
_LAZY_MODULES += ("summary",)  # tf.summary (TensorBoard event files)
_LAZY_MODULES += ("distribute", "compat")  # tf.distribute (MPI is imported only by a multi-worker strategy)
_LAZY_MODULES += ("saved_model", "queue")  # tf.saved_model (tapegrad's own format: docs/saved_model.md), tf.queue
_LAZY_NAMES = {"Module": "module", "name_scope": "module"}
_LAZY_NAMES.update(dict.fromkeys(("Operation", "control_dependencies", "gradients", "group", "hessians", "init_scope",
                                  "inside_function", "no_op", "timestamp", "tuple"), "graph_compat"))
_LAZY_NAMES.update(dict.fromkeys(("VariableAggregation", "VariableSynchronization"), "_variable_options"))
_LAZY_NAMES["OptionalSpec"] = "data._optional"
_LAZY_NAMES.update(dict.fromkeys(("AggregationMethod", "get_current_name_scope", "is_symbolic_tensor",
                                  "type_spec_from_value"), "graph_compat"))
_LAZY_NAMES.update(dict.fromkeys(("zeros_initializer", "ones_initializer", "constant_initializer",
                                  "random_normal_initializer", "random_uniform_initializer"), "init_ops"))
_LAZY_NAMES.update(dict.fromkeys(("make_tensor_proto", "make_ndarray"), "io_ops.tensor_proto"))
_LAZY_NAMES["CriticalSection"] = "graph_compat"
_LAZY_NAMES.update(dict.fromkeys(("TypeSpec", "TensorArraySpec", "IndexedSlicesSpec", "NoneTensorSpec"), "type_specs"))
_LAZY_NAMES.update(dict.fromkeys(("no_gradient", "nondifferentiable_batch_function",
                                  "register_tensor_conversion_function", "variable_creator_scope"), "framework_extras"))
# tf.initializers / tf.losses / tf.metrics / tf.optimizers are Keras's modules, as in TF 2.21
_LAZY_ALIASES = {"initializers": "keras.initializers", "losses": "keras.losses", "metrics": "keras.metrics",
                 "optimizers": "keras.optimizers"}


def __getattr__(name: str) -> object:
    import importlib

    if name in _LAZY_MODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    elif name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY_NAMES[name]}"), name)
    elif name in _LAZY_ALIASES:
        value = importlib.import_module(f"{__name__}.{_LAZY_ALIASES[name]}")
    else:
        raise AttributeError(f"module 'tapegrad' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_MODULES) | set(_LAZY_NAMES) | set(_LAZY_ALIASES))

__version__ = "0.1.0"  # tapegrad's own version (README: "Where tapegrad differs from TensorFlow")
__tf_version__ = "2.21.0"  # the TensorFlow API level tapegrad follows (its behaviour probes and oracle)

__all__ = [
    "errors", "DType", "as_dtype", "bfloat16",
    "bool", "complex64", "complex128", "double", "float16", "float32", "float64",
    "half", "int8", "int16", "int32", "int64", "string", "uint8", "uint16", "uint32", "uint64", "TensorShape", "Tensor",
    "Variable", "GradientTape", "UnconnectedGradients", "newaxis", "autodiff", "config", "linalg", "math", "nn",
    "random", "print", "custom_gradient", "grad_pass_through", "recompute_grad", "debugging", "experimental",
    "scipy", "viz",
    "Module", "name_scope", "device", "DeviceSpec", "dtypes", "image", "sparse", "sysconfig", "test",
    "keras", "train", "function", "autograph", "get_logger", "data", "io", "ragged", "raw_ops", "strings", "nest",
    "signal", "audio", "bitwise", "lookup", "sets", "quantization", "version",
    *_collect(""),
]
