"""``tapegrad.dtypes``: the ``tf.dtypes`` namespace (DType objects and conversions).

>>> import tapegrad as tf
>>> tf.dtypes.float16 is tf.float16, tf.dtypes.as_dtype("bfloat16") is tf.bfloat16
(True, True)
"""

from ._dtypes import (  # noqa: F401
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
from ._dtypes import bool_ as bool  # noqa: F401, A004


def __getattr__(name: str):  # noqa: ANN202 - tf.dtypes.cast / complex / saturate_cast (lazy: ops import this module)
    from .ops import complex_ops, core, math_ext

    fns = {"cast": core.cast, "complex": complex_ops.complex, "saturate_cast": math_ext.saturate_cast}
    if name in fns:
        return fns[name]
    raise AttributeError(f"module 'tapegrad.dtypes' has no attribute {name!r}")
