"""Transposed 1-D and 3-D convolutions (``tf.nn.conv1d_transpose``, ``tf.nn.conv3d_transpose``) and a 3-D
convolution with dilations and groups for the Keras layers, composed from the 2-D ops of ``convolution.py``.

A 3-D convolution is a sum over the filter's depth taps of 2-D convolutions of depth slices; its transpose is a
sum over taps of 2-D transposed convolutions, each placed at depth ``i * stride + t * dilation`` of the output
(zeros between strided positions) and cropped by the padding the forward convolution would use. Every piece is a
differentiable op, so gradients of every order are exact.

>>> import tapegrad as tf
>>> y = tf.nn.conv3d_transpose(tf.ones([1, 2, 2, 2, 1]), tf.ones([2, 2, 2, 1, 1]), [1, 3, 3, 3, 1], 1, "VALID")
>>> y.numpy()[0, :, 0, 0, 0].tolist()
[1.0, 2.0, 1.0]
"""

from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from ..errors import InvalidArgumentError
from . import convolution, shape_ops, tiling
from ._common import pair, shape_arg
from .convolution import _check_format, _spatial_arg

__all__ = ["conv3d_transpose", "conv1d_transpose", "conv3d_general", "conv3d_transpose_general"]


def _same_before(size: int, k: int, s: int, d: int) -> tuple[int, int]:
    """(output size, padding before) of a "SAME" window over ``size``: TF's rule (the odd cell goes after)."""
    out = -(-size // s)
    total = max((out - 1) * s + d * (k - 1) + 1 - size, 0)
    return out, total // 2


def conv3d_general(x: Any, f: Any, strides: tuple[int, int, int], padding: str,
                   dilations: tuple[int, int, int] = (1, 1, 1)) -> Tensor:
    """NDHWC 3-D convolution with dilations and groups (input depth a multiple of the filter depth): one
    ``conv2d`` per depth tap of the filter, summed."""
    n, d, h, w, c = (int(v) for v in x.shape)
    kd = int(f.shape[0])
    sd, dd = strides[0], dilations[0]
    eff = dd * (kd - 1) + 1
    if padding.upper() == "SAME":
        od, before = _same_before(d, kd, sd, dd)
        total = max((od - 1) * sd + eff - d, 0)
        if total:
            x = tiling.pad(x, [[0, 0], [before, total - before], [0, 0], [0, 0], [0, 0]])
    else:
        od = (d - eff) // sd + 1
        if od <= 0:
            raise InvalidArgumentError(f"conv3d: the dilated filter depth {eff} exceeds the input depth {d} with "
                                       f"VALID padding (input shape {(n, d, h, w, c)}, filters {tuple(f.shape)}).")
    acc = None
    for t in range(kd):
        start = t * dd
        sl = x[:, start: start + (od - 1) * sd + 1: sd]
        y = convolution.conv2d(shape_ops.reshape(sl, (n * od, h, w, c)), f[t], [strides[1], strides[2]],
                               padding.upper(), dilations=[dilations[1], dilations[2]])
        acc = y if acc is None else acc + y
    assert acc is not None
    return shape_ops.reshape(acc, (n, od) + tuple(int(v) for v in acc.shape[1:]))


def _spread_depth(z: Any, stride: int) -> Any:
    """Put ``stride - 1`` zero slices between consecutive depth slices of ``z`` (N, D, ...)."""
    if stride == 1:
        return z
    shape = tuple(int(v) for v in z.shape)
    # a new axis after depth padded with stride - 1 zeros (+0.0, as TF's kernel), folded back into depth
    cells = tiling.pad(shape_ops.expand_dims(z, 2), [[0, 0], [0, 0], [0, stride - 1]] + [[0, 0]] * (len(shape) - 2))
    spread = shape_ops.reshape(cells, (shape[0], shape[1] * stride) + shape[2:])
    return spread[:, : (shape[1] - 1) * stride + 1]


def conv3d_transpose_general(x: Any, f: Any, out_dhw: tuple[int, int, int], strides: tuple[int, int, int],
                             padding: str, dilations: tuple[int, int, int] = (1, 1, 1)) -> Tensor:
    """NDHWC transposed 3-D convolution of ``x`` (N, D, H, W, Cin) with ``f`` (kd, kh, kw, Cout, Cin) to the
    spatial output size ``out_dhw``."""
    n, d, h, w, _ = (int(v) for v in x.shape)
    kd, cout = int(f.shape[0]), int(f.shape[3])
    sd, dd = strides[0], dilations[0]
    od, oh, ow = out_dhw
    eff = dd * (kd - 1) + 1
    before = _same_before(od, kd, sd, dd)[1] if padding.upper() == "SAME" else 0
    full = (d - 1) * sd + eff
    flat = shape_ops.reshape(x, (n * d, h, w, int(x.shape[4])))
    acc = None
    for t in range(kd):
        z = convolution.conv2d_transpose(flat, f[t], [n * d, oh, ow, cout], [strides[1], strides[2]],
                                         padding.upper(), dilations=[dilations[1], dilations[2]])
        z = _spread_depth(shape_ops.reshape(z, (n, d, oh, ow, cout)), sd)
        lo = t * dd
        z = tiling.pad(z, [[0, 0], [lo, full - lo - int(z.shape[1])], [0, 0], [0, 0], [0, 0]])
        acc = z if acc is None else acc + z
    assert acc is not None
    if before + od > full:  # output_padding beyond the last window: zeros, as TF's kernel gives
        acc = tiling.pad(acc, [[0, 0], [0, before + od - full], [0, 0], [0, 0], [0, 0]])
    return acc[:, before: before + od]


def conv3d_transpose(input: Any, filters: Any, output_shape: Any, strides: Any, padding: str = "SAME",  # noqa: A002
                     data_format: str = "NDHWC", dilations: Any = None, name: str | None = None) -> Tensor:
    """The transpose (gradient) of ``conv3d``: maps ``[N, D, H, W, Cin]`` to ``output_shape`` ``[N, D', H', W',
    Cout]`` with ``filters`` ``[kd, kh, kw, Cout, Cin]``; ``strides``/``dilations`` an int or 3 or 5 ints.

    >>> import tapegrad as tf
    >>> tf.nn.conv3d_transpose(tf.ones([1, 2, 2, 2, 3]), tf.ones([2, 2, 2, 4, 3]), [1, 4, 4, 4, 4], 2).shape
    TensorShape([1, 4, 4, 4, 4])
    """
    op = "conv3d_transpose"
    g, f = pair(input, filters, op)
    last = _check_format(data_format, ("NDHWC", "NCDHW"), op)
    if g._value.dtype.kind != "f":
        raise InvalidArgumentError(f"{op}: input must be a floating point tensor, got {g.dtype.name}.")
    gs, fs = tuple(g._value.shape), tuple(f._value.shape)
    oshape = [int(v) for v in shape_arg(output_shape)]
    if len(gs) != 5 or len(fs) != 5 or len(oshape) != 5:
        raise InvalidArgumentError(f"{op}: input, filters and output_shape must all be 5-dimensional, got {gs}, {fs} "
                                   f"and {oshape}.")
    if not isinstance(padding, str) or padding.upper() not in ("SAME", "VALID"):
        raise ValueError(f"{op}: padding must be 'SAME' or 'VALID', got {padding!r}.")
    s = tuple(_spatial_arg(strides, "strides", op, last, nd=3))
    dl = tuple(_spatial_arg(1 if dilations is None else dilations, "dilations", op, last, nd=3))
    if not last:
        g = shape_ops.transpose(g, [0, 2, 3, 4, 1])
        oshape = [oshape[0], oshape[2], oshape[3], oshape[4], oshape[1]]
    cin = int(g.shape[4])
    if fs[4] != cin:
        raise InvalidArgumentError(f"{op}: filter and input must have the same depth: filters shape {fs} (last "
                                   f"dimension {fs[4]}) vs input depth {cin}.")
    if fs[3] != oshape[4]:
        raise InvalidArgumentError(f"{op}: output_shape depth {oshape[4]} does not match the filters' output depth "
                                   f"{fs[3]} (filters shape {fs}).")
    if oshape[0] != int(g.shape[0]):
        raise InvalidArgumentError(f"{op}: output_shape batch {oshape[0]} does not match the input batch "
                                   f"{int(g.shape[0])}.")
    expect = []
    for size, k, st, di in zip(oshape[1:4], fs[:3], s, dl):
        eff = di * (k - 1) + 1
        expect.append(-(-size // st) if padding.upper() == "SAME" else (size - eff) // st + 1)
    if tuple(expect) != tuple(int(v) for v in g.shape[1:4]):
        raise InvalidArgumentError(f"{op}: input spatial size {tuple(int(v) for v in g.shape[1:4])} does not match "
                                   f"the size {tuple(expect)} that conv3d of output_shape {oshape} with strides {s} "
                                   f"and padding {padding} would produce.")
    out = conv3d_transpose_general(g, f, tuple(oshape[1:4]), s, padding, dl)  # type: ignore[arg-type]
    return out if last else shape_ops.transpose(out, [0, 4, 1, 2, 3])


def conv1d_transpose(input: Any, filters: Any, output_shape: Any, strides: Any, padding: str = "SAME",  # noqa: A002
                     data_format: str = "NWC", dilations: Any = None, name: str | None = None) -> Tensor:
    """The transpose (gradient) of ``conv1d``: maps ``[N, W, Cin]`` to ``output_shape`` ``[N, W', Cout]`` with
    ``filters`` ``[k, Cout, Cin]`` (a ``conv2d_transpose`` over a unit height).

    >>> import tapegrad as tf
    >>> tf.nn.conv1d_transpose(tf.ones([1, 2, 1]), tf.ones([2, 1, 1]), [1, 3, 1], 1, "VALID")[0, :, 0].numpy().tolist()
    [1.0, 2.0, 1.0]
    """
    op = "conv1d_transpose"
    g, f = pair(input, filters, op)
    last = _check_format(data_format, ("NWC", "NCW"), op)
    gs, fs = tuple(g._value.shape), tuple(f._value.shape)
    oshape = [int(v) for v in shape_arg(output_shape)]
    if len(gs) != 3 or len(fs) != 3 or len(oshape) != 3:
        raise InvalidArgumentError(f"{op}: input, filters and output_shape must all be 3-dimensional, got {gs}, {fs} "
                                   f"and {oshape}.")
    (st,) = _spatial_arg(strides, "strides", op, last, nd=1)
    (di,) = _spatial_arg(1 if dilations is None else dilations, "dilations", op, last, nd=1)
    if not last:
        g = shape_ops.transpose(g, [0, 2, 1])
        oshape = [oshape[0], oshape[2], oshape[1]]
    n, w, c = (int(v) for v in g.shape)
    y = convolution.conv2d_transpose(shape_ops.reshape(g, (n, 1, w, c)), shape_ops.reshape(f, (1,) + fs),
                                     [n, 1, oshape[1], oshape[2]], [1, st], padding, dilations=[1, di])
    y = shape_ops.reshape(y, (n, oshape[1], oshape[2]))
    return y if last else shape_ops.transpose(y, [0, 2, 1])


EXPORTS: dict[str, list[str]] = {"nn": ["conv1d_transpose", "conv3d_transpose"]}
