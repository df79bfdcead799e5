# ruff: noqa: F401 - the names are re-exported (``__all__`` is computed below)
"""``tapegrad.experimental.numpy`` — TensorFlow's TF-NumPy API (``tf.experimental.numpy``): NumPy's functions on
tapegrad tensors, differentiable under ``GradientTape``, with TF-NumPy's dtype rules.

* ``ndarray`` is :class:`tapegrad.Tensor`; every function returns tensors.
* dtypes are inferred as NumPy does (``np.result_type``; Python scalars are weak): ``array(1.5)`` is float64,
  ``add(int32 tensor, 1.5)`` float64, ``add(float32 tensor, 1)`` float32, ``sum`` of int32 int64 …
* ``experimental_enable_numpy_behavior(prefer_float32=False)`` adds NumPy methods to tensors and NumPy promotion to
  their operators; ``experimental_disable_numpy_behavior()`` (tapegrad's) restores the defaults.

>>> import tapegrad as tf
>>> tnp = tf.experimental.numpy
>>> x = tnp.reshape(tnp.arange(6), [2, 3])
>>> tnp.sum(x, axis=0).numpy(), tnp.mean(x).dtype
(array([3, 5, 7]), tapegrad.float64)
>>> w = tf.Variable(tnp.ones([3]))
>>> with tf.GradientTape() as tape:
...     y = tnp.sum(tnp.multiply(tnp.sin(w), tnp.arange(3)))
>>> tape.gradient(y, w).numpy().round(4)
array([0.    , 0.5403, 1.0806])
"""

from __future__ import annotations

import numpy as _onp

from ..._tensor import Tensor as ndarray
from . import random
from ._array_ops import (
    append,
    arange,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    broadcast_arrays,
    broadcast_to,
    compress,
    concatenate,
    copy,
    diag,
    diag_indices,
    diagflat,
    diagonal,
    dsplit,
    dstack,
    empty,
    empty_like,
    expand_dims,
    eye,
    flatten,
    flip,
    fliplr,
    flipud,
    full,
    full_like,
    hsplit,
    hstack,
    identity,
    isscalar,
    ix_,
    meshgrid,
    moveaxis,
    ndim,
    newaxis,
    nonzero,
    ones,
    ones_like,
    pad,
    ravel,
    repeat,
    reshape,
    roll,
    rot90,
    select,
    shape,
    size,
    split,
    squeeze,
    stack,
    swapaxes,
    take,
    take_along_axis,
    tile,
    transpose,
    tri,
    tril,
    triu,
    vander,
    vsplit,
    vstack,
    where,
    zeros,
    zeros_like,
)
from ._behavior import experimental_disable_numpy_behavior, experimental_enable_numpy_behavior
from ._dtypes import (
    array,
    asanyarray,
    asarray,
    ascontiguousarray,
    is_allow_float64,
    is_prefer_float32,
    promote_types,
    result_type,
    set_allow_float64,
    set_prefer_float32,
)
from ._math_ops import (
    abs,
    absolute,
    add,
    all,
    allclose,
    amax,
    amin,
    angle,
    any,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    argmax,
    argmin,
    argsort,
    around,
    array_equal,
    average,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    cbrt,
    ceil,
    clip,
    conj,
    conjugate,
    cos,
    cosh,
    count_nonzero,
    cross,
    cumprod,
    cumsum,
    deg2rad,
    diff,
    divide,
    divmod,
    dot,
    einsum,
    equal,
    exp,
    exp2,
    expm1,
    fabs,
    fix,
    float_power,
    floor,
    floor_divide,
    gcd,
    geomspace,
    greater,
    greater_equal,
    heaviside,
    hypot,
    imag,
    inner,
    isclose,
    iscomplex,
    iscomplexobj,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    isreal,
    isrealobj,
    kron,
    lcm,
    less,
    less_equal,
    linspace,
    log,
    log1p,
    log2,
    log10,
    logaddexp,
    logaddexp2,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    logspace,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mod,
    multiply,
    nanmean,
    nanprod,
    nansum,
    negative,
    nextafter,
    not_equal,
    outer,
    polyval,
    positive,
    power,
    prod,
    ptp,
    rad2deg,
    real,
    reciprocal,
    remainder,
    round,
    sign,
    signbit,
    sin,
    sinc,
    sinh,
    sort,
    sqrt,
    square,
    std,
    subtract,
    sum,
    tan,
    tanh,
    tensordot,
    trace,
    true_divide,
    var,
    vdot,
)

# NumPy's scalar types and constants, as TF-NumPy exports them.
bool_ = _onp.bool_
complex128 = _onp.complex128
complex64 = _onp.complex64
complex_ = _onp.complex128
float16 = _onp.float16
float32 = _onp.float32
float64 = _onp.float64
float_ = _onp.float64
inexact = _onp.inexact
int_ = _onp.int64
int16 = _onp.int16
int32 = _onp.int32
int64 = _onp.int64
int8 = _onp.int8
object_ = _onp.object_
string_ = _onp.bytes_
uint16 = _onp.uint16
uint32 = _onp.uint32
uint64 = _onp.uint64
uint8 = _onp.uint8
unicode_ = _onp.str_
iinfo = _onp.iinfo
issubdtype = _onp.issubdtype
e = _onp.e
pi = _onp.pi
inf = _onp.inf


def finfo(dtype: object) -> _onp.finfo:
    """NumPy's ``finfo`` of a NumPy or tapegrad dtype.

    >>> import tapegrad as tf
    >>> float(tf.experimental.numpy.finfo(tf.float32).eps)
    1.1920928955078125e-07
    """
    from ..._dtypes import DType

    return _onp.finfo(dtype.as_numpy_dtype if isinstance(dtype, DType) else dtype)


__all__ = sorted(n for n in dir() if not n.startswith("_") and n not in ("annotations",))
