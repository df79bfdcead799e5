"""``tf.image`` box ops: ``crop_and_resize`` (with TF's gradients for the image and for the boxes),
``draw_bounding_boxes`` and ``extract_glimpse`` (the v2 op), each following TF's CPU kernel.

``crop_and_resize`` samples box ``b`` of image ``box_indices[b]`` on a ``crop_size`` grid: row ``y`` reads
``y1 (H - 1) + y (y2 - y1) (H - 1) / (crop_h - 1)`` (the box's centre when ``crop_h == 1``), columns alike, in float32
as the kernel; a sample outside ``[0, H - 1]`` is ``extrapolation_value``. Its image gradient scatters the upstream
with the bilinear weights (or to the nearest pixel); its box gradient is the bilinear one for both methods (TF uses
the bilinear rule for ``nearest`` too), zero at samples outside the image.

>>> import tapegrad as tf
>>> img = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
>>> tf.image.crop_and_resize(img, [[0.0, 0.0, 1.0, 1.0]], [0], [2, 2])[0, :, :, 0].numpy().tolist()
[[0.0, 3.0], [12.0, 15.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._backend import NUMPY
from .._dispatch import applyn
from .._logging import warn_limited
from .._registry import NO_GRADIENT, defop, spec
from .._tensor import Tensor, _TensorLike, static_value
from ..errors import InvalidArgumentError, OutOfRangeError
from . import core
from ._common import to_tensor

_F32 = np.float32


# -- crop_and_resize -------------------------------------------------------------------------------------------------


def _axis_coords(lo: Any, hi: Any, n_in: int, n_out: int, dt: Any) -> np.ndarray:
    """The kernel's sample positions along one axis (``in_y`` / ``in_x``) of every box, ``[boxes, n_out]``, in
    ``dt`` arithmetic step by step as the kernel's floats."""
    lo, hi = np.asarray(lo).astype(dt), np.asarray(hi).astype(dt)
    if n_out > 1:
        scale = ((hi - lo) * dt(n_in - 1)) / dt(n_out - 1)
        return (lo * dt(n_in - 1))[:, None] + np.arange(n_out, dtype=dt)[None, :] * scale[:, None]
    # 0.5 * (y1 + y2) * (H - 1) in double, then stored as float
    return (0.5 * (lo + hi).astype(np.float64) * (n_in - 1)).astype(dt)[:, None]


def _check_box_indices(ind: np.ndarray, batch: int, op: str) -> None:
    bad = (ind < 0) | (ind >= batch)
    if bad.any():
        raise OutOfRangeError(f"{op}: box_indices has values outside [0, batch_size={batch}): "
                              f"{np.unique(ind[bad]).tolist()[:8]}.")


class _Grid:
    """Every box's sample grid: positions, validity, the bilinear corners (clipped indices) and lerp weights."""

    def __init__(self, boxes: np.ndarray, h: int, w: int, ch: int, cw: int, dt: Any) -> None:
        self.ys = _axis_coords(boxes[:, 0], boxes[:, 2], h, ch, dt)  # [B, ch]
        self.xs = _axis_coords(boxes[:, 1], boxes[:, 3], w, cw, dt)  # [B, cw]
        oky = (self.ys >= 0) & (self.ys <= h - 1)
        okx = (self.xs >= 0) & (self.xs <= w - 1)
        self.ok = oky[:, :, None] & okx[:, None, :]  # [B, ch, cw]
        with np.errstate(invalid="ignore"):
            fy, fx = np.floor(self.ys), np.floor(self.xs)
            self.ty, self.by = (np.clip(np.nan_to_num(v), 0, h - 1).astype(np.int64) for v in (fy, np.ceil(self.ys)))
            self.lx, self.rx = (np.clip(np.nan_to_num(v), 0, w - 1).astype(np.int64) for v in (fx, np.ceil(self.xs)))
            self.yl, self.xl = (self.ys - fy).astype(dt), (self.xs - fx).astype(dt)

    def nearest(self, h: int, w: int, dt: Any) -> tuple[np.ndarray, np.ndarray]:
        """roundf of the (in-image, so non-negative) positions: halves away from zero."""
        with np.errstate(invalid="ignore"):
            ry = np.clip(np.nan_to_num(np.floor(self.ys + dt(0.5))), 0, h - 1).astype(np.int64)
            rx = np.clip(np.nan_to_num(np.floor(self.xs + dt(0.5))), 0, w - 1).astype(np.int64)
        return ry, rx

    def corners(self, image: np.ndarray, ind: np.ndarray, dt: Any) -> tuple[np.ndarray, ...]:
        """The four corner values ``[B, ch, cw, C]`` as ``dt``."""
        n, h, w, c = image.shape
        flat = image.reshape(n * h * w, c)
        base = (ind.astype(np.int64) * (h * w))[:, None, None]

        def at(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:  # one flat gather per corner
            return flat.take(base + rows[:, :, None] * w + cols[:, None, :], axis=0).astype(dt, copy=False)

        return at(self.ty, self.lx), at(self.ty, self.rx), at(self.by, self.lx), at(self.by, self.rx)


def _crop_fwd(F: Any, image: Any, boxes: Any, ind: Any, crop: tuple[int, int], method: str, extrapolation: Any,
              dt: Any) -> Any:
    b_n, h, w, c = image.shape
    ch, cw = crop
    _check_box_indices(ind, b_n, "crop_and_resize")
    if boxes.shape[0] == 0:
        return np.zeros((0, ch, cw, c), dtype=dt)
    g = _Grid(boxes, h, w, ch, cw, dt)
    if method == "bilinear":
        tl, tr, bl, br = g.corners(image, ind, dt)
        xl = g.xl[:, None, :, None]
        top = tl + (tr - tl) * xl
        bottom = bl + (br - bl) * xl
        val = top + (bottom - top) * g.yl[:, :, None, None]
    else:
        ry, rx = g.nearest(h, w, dt)
        flat_idx = (ind.astype(np.int64) * (h * w))[:, None, None] + ry[:, :, None] * w + rx[:, None, :]
        val = image.reshape(b_n * h * w, c).take(flat_idx, axis=0).astype(dt, copy=False)
    return np.where(g.ok[..., None], val, dt(extrapolation)).astype(dt, copy=False)


def _crop_grad_image_fwd(F: Any, grads: Any, boxes: Any, ind: Any, shape: tuple[int, ...], method: str, dt: Any,
                         out_dtype: Any) -> Any:
    b_n, h, w, c = shape
    ch, cw = grads.shape[1:3]
    acc = np.zeros((b_n * h * w, c), dtype=np.float64)
    if boxes.shape[0]:
        g = _Grid(boxes, h, w, ch, cw, dt)
        up = np.where(g.ok[..., None], grads.astype(np.float64), 0.0)
        base = (ind * (h * w))[:, None, None]
        if method == "bilinear":
            yl = g.yl.astype(np.float64)[:, :, None, None]
            xl = g.xl.astype(np.float64)[:, None, :, None]
            for rows, wy in ((g.ty, 1 - yl), (g.by, yl)):
                for cols, wx in ((g.lx, 1 - xl), (g.rx, xl)):
                    np.add.at(acc, base + rows[:, :, None] * w + cols[:, None, :], wy * wx * up)
        else:
            ry, rx = g.nearest(h, w, dt)
            np.add.at(acc, base + ry[:, :, None] * w + rx[:, None, :], up)
    return acc.reshape(shape).astype(out_dtype)


def _crop_grad_boxes_fwd(F: Any, grads: Any, image: Any, boxes: Any, ind: Any, dt: Any) -> Any:
    b_n, h, w, c = image.shape
    ch, cw = grads.shape[1:3]
    n = boxes.shape[0]
    out = np.zeros(boxes.shape, dtype=dt)
    if n == 0:
        return out
    g = _Grid(boxes, h, w, ch, cw, dt)
    tl, tr, bl, br = g.corners(image, ind, dt)
    yl, xl = g.yl[:, :, None, None], g.xl[:, None, :, None]
    up = np.where(g.ok[..., None], grads.astype(dt), dt(0))
    gy = ((1 - xl) * (bl - tl) + xl * (br - tr)) * up  # [B, ch, cw, C]
    gx = ((1 - yl) * (tr - tl) + yl * (br - bl)) * up
    # TF adds the terms one by one in float32, rows then columns then channels: a cumulative sum in the same order
    # rounds as it does (the terms cancel, so a more exact sum would differ in the 5th digit)
    if ch > 1:
        hr = dt(h - 1) / dt(ch - 1)
        yv = np.arange(ch, dtype=dt)
        out[:, 0] = _seq_sum(gy * (dt(h - 1) - yv * hr)[None, :, None, None])
        out[:, 2] = _seq_sum(gy * (yv * hr)[None, :, None, None])
    else:
        out[:, 0] = out[:, 2] = [_seq_sum_wide(gy[k], 0.5 * (h - 1)) for k in range(n)]
    if cw > 1:
        wr = dt(w - 1) / dt(cw - 1)
        xv = np.arange(cw, dtype=dt)
        out[:, 1] = _seq_sum(gx * (dt(w - 1) - xv * wr)[None, None, :, None])
        out[:, 3] = _seq_sum(gx * (xv * wr)[None, None, :, None])
    else:
        out[:, 1] = out[:, 3] = [_seq_sum_wide(gx[k], 0.5 * (w - 1)) for k in range(n)]
    return out


def _seq_sum(terms: np.ndarray) -> Any:
    """Per box (axis 0), the sum of its terms added one by one in their own dtype, in C order."""
    flat = terms.reshape(terms.shape[0], -1)
    if flat.shape[1] == 0:
        return np.zeros(flat.shape[0], flat.dtype)
    return np.cumsum(flat, axis=1, dtype=flat.dtype)[:, -1]


def _seq_sum_wide(terms: np.ndarray, factor: float) -> Any:
    """TF's ``acc += term * 0.5 * (n - 1)`` for one-pixel crops: each product is a double, each sum is stored back
    in the accumulator's float type."""
    dt = terms.dtype.type
    acc = dt(0)
    for t in terms.reshape(-1).tolist():
        acc = dt(float(acc) + t * factor)
    return acc


def _crop_weights(shape: tuple[int, ...]) -> Any:
    return np.random.default_rng(7).normal(size=shape)


def _crop_tape_grad(tf: Any, x: Any, b: Any, i: Any, wrt: int) -> Any:
    """The gradient of ``sum(crop · W)`` w.r.t. the image (``wrt=0``) or the boxes (1): runs the gradient op."""
    with tf.GradientTape() as tape:
        tape.watch([x, b])
        y = _crop_raw(x, b, i, (4, 3))
        loss = tf.reduce_sum(y * tf.constant(_crop_weights(tuple(y.shape))))
    return tape.gradient(loss, [x, b][wrt])


def _crop_fd(x: Any, b: Any, i: Any, wrt: int, eps: float = 1e-6) -> Any:
    """Central finite differences of ``sum(crop · W)`` (float64; the crop is linear in the image and smooth in the
    boxes away from pixel edges, which the specs' jittered boxes avoid)."""
    from .. import _tensor

    def f(xx: Any, bb: Any) -> float:
        y = _crop_raw(_tensor.make(xx, NUMPY), _tensor.make(bb, NUMPY), _tensor.make(i, NUMPY), (4, 3))._value
        return float(np.sum(y * _crop_weights(y.shape)))

    base = [np.array(x, np.float64), np.array(b, np.float64)]
    target = base[wrt]
    out = np.zeros_like(target)
    for k in np.ndindex(target.shape):
        hi, lo = [a.copy() for a in base], [a.copy() for a in base]
        hi[wrt][k] += eps
        lo[wrt][k] -= eps
        out[k] = (f(*hi) - f(*lo)) / (2 * eps)
    return out


CROP_GRAD_IMAGE = defop("crop_and_resize_grad_image", _crop_grad_image_fwd, None, test=spec(
    lambda tf, x, b, i: _crop_tape_grad(tf, x, b, i, 0), lambda rng: _crop_args(rng),
    ref=lambda x, b, i: _crop_fd(x, b, i, 0), grad=(), order2=False, tf=False, rtol=1e-6, atol=1e-7,
    name="via crop_and_resize"))
CROP_GRAD_BOXES = defop("crop_and_resize_grad_boxes", _crop_grad_boxes_fwd, None, test=spec(
    lambda tf, x, b, i: _crop_tape_grad(tf, x, b, i, 1), lambda rng: _crop_args(rng),
    ref=lambda x, b, i: _crop_fd(x, b, i, 1), grad=(), order2=False, tf=False, rtol=1e-5, atol=1e-6,
    name="via crop_and_resize"))


def _crop_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    image, boxes, ind = ins
    gi = gb = None
    shape = tuple(image.shape)
    kind = np.dtype(getattr(image.dtype, "as_numpy_dtype", image.dtype))
    if needs[0] and kind.kind == "f":
        q = {"shape": shape, "method": p["method"], "dt": p["dt"], "out_dtype": kind}
        gi = (applyn(CROP_GRAD_IMAGE, (g, boxes, ind), q) if F.is_diff
              else _crop_grad_image_fwd(F, g, boxes, ind, **q))
    if needs[1]:
        q = {"dt": p["dt"]}
        gb = (applyn(CROP_GRAD_BOXES, (g, image, boxes, ind), q) if F.is_diff
              else _crop_grad_boxes_fwd(F, g, image, boxes, ind, **q))
    return gi, gb, None


def _crop_jvp_boxes_fwd(F: Any, image: Any, boxes: Any, ind: Any, tb: Any, crop: tuple[int, int], dt: Any) -> Any:
    """The crops' tangent for a box tangent ``tb``: the bilinear slopes (TF's box-gradient rule, so this is the
    transpose of :func:`_crop_grad_boxes_fwd`) times the samples' moves."""
    b_n, h, w, c = image.shape
    ch, cw = crop
    if boxes.shape[0] == 0:
        return np.zeros((0, ch, cw, c), dtype=dt)
    g = _Grid(boxes, h, w, ch, cw, dt)
    tl, tr, bl, br = g.corners(image, ind, dt)
    yl, xl = g.yl[:, :, None, None], g.xl[:, None, :, None]
    gy = (1 - xl) * (bl - tl) + xl * (br - tr)
    gx = (1 - yl) * (tr - tl) + yl * (br - bl)
    t = np.asarray(tb).astype(dt)
    yv, xv = np.arange(ch, dtype=dt)[None], np.arange(cw, dtype=dt)[None]
    dy = (t[:, :1] * (dt(h - 1) - yv * dt(h - 1) / dt(ch - 1)) + t[:, 2:3] * yv * dt(h - 1) / dt(ch - 1) if ch > 1
          else dt(0.5 * (h - 1)) * (t[:, :1] + t[:, 2:3]))
    dx = (t[:, 1:2] * (dt(w - 1) - xv * dt(w - 1) / dt(cw - 1)) + t[:, 3:4] * xv * dt(w - 1) / dt(cw - 1) if cw > 1
          else dt(0.5 * (w - 1)) * (t[:, 1:2] + t[:, 3:4]))
    val = gy * dy[:, :, None, None] + gx * dx[:, None, :, None]
    return np.where(g.ok[..., None], val, dt(0)).astype(dt, copy=False)


def _crop_box_jvp(tf: Any, x: Any, b: Any, i: Any) -> Any:
    """The crops' forward-mode tangent for a fixed box tangent (runs the JVP op)."""
    with tf.autodiff.ForwardAccumulator(b, tf.constant(_crop_weights(tuple(b.shape)))) as acc:
        y = _crop_raw(x, b, i, (4, 3))
    return acc.jvp(y)


def _crop_box_jvp_fd(x: Any, b: Any, i: Any, eps: float = 1e-6) -> Any:
    from .. import _tensor

    def f(bb: Any) -> Any:
        return _crop_raw(_tensor.make(np.asarray(x, np.float64), NUMPY), _tensor.make(bb, NUMPY),
                         _tensor.make(i, NUMPY), (4, 3))._value

    t = _crop_weights(np.shape(b))
    b64 = np.asarray(b, np.float64)
    return (f(b64 + eps * t) - f(b64 - eps * t)) / (2 * eps)


CROP_JVP_BOXES = defop("crop_and_resize_jvp_boxes", _crop_jvp_boxes_fwd, None, test=spec(
    _crop_box_jvp, lambda rng: _crop_args(rng), ref=_crop_box_jvp_fd, grad=(), order2=False, tf=False, rtol=1e-5,
    atol=1e-6, name="via crop_and_resize"))


def _crop_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    image, boxes, ind = ins
    res = None
    if ts[0] is not None:  # linear in the image; samples outside read 0, not the extrapolation value
        q = dict(p, extrapolation=0.0)
        res = applyn(CROP_AND_RESIZE, (ts[0], boxes, ind), q) if F.is_diff else _crop_fwd(F, ts[0], boxes, ind, **q)
    if ts[1] is not None:
        q = {"crop": p["crop"], "dt": p["dt"]}
        r = (applyn(CROP_JVP_BOXES, (image, boxes, ind, ts[1]), q) if F.is_diff
             else _crop_jvp_boxes_fwd(F, image, boxes, ind, ts[1], **q))
        res = r if res is None else res + r
    return res


def _crop_raw(image: Any, boxes: Any, ind: Any, crop: tuple[int, int], method: str = "bilinear") -> Tensor:
    """The op in the inputs' own float dtype (the test specs check its gradients in float64)."""
    return applyn(CROP_AND_RESIZE, (to_tensor(image), to_tensor(boxes), to_tensor(ind)),
                  {"crop": crop, "method": method, "extrapolation": 0.0, "dt": np.float64})


def _crop_args(rng: Any) -> tuple[Any, ...]:
    boxes = np.array([[0.1, 0.2, 0.8, 0.7], [-0.1, 0.35, 0.65, 1.2], [0.6, 0.1, 0.25, 0.9]])
    return rng.normal(size=(2, 5, 6, 2)), boxes + rng.uniform(-0.01, 0.01, boxes.shape), np.array([1, 0, 1])


CROP_AND_RESIZE = defop("crop_and_resize", _crop_fwd, _crop_vjp, _crop_jvp, test=[
    spec(lambda tf, x, b, i: _crop_raw(x, b, i, (4, 3)), _crop_args, grad=(0, 1), order2=False, tf=False,
         name="bilinear"),
    spec(lambda tf, x, b, i: _crop_raw(x, b, i, (1, 3)), _crop_args, grad=(0, 1), order2=False, tf=False,
         name="one_row"),
    spec(lambda tf, x, b, i: _crop_raw(x, b, i, (3, 4), "nearest"), _crop_args, grad=(0,), order2=False, tf=False,
         name="nearest"),
])


def _int_list(x: Any, op: str, what: str) -> list[int]:
    v = static_value(x) if isinstance(x, _TensorLike) else x
    return [int(a) for a in np.asarray(v).reshape(-1)]


def crop_and_resize(image: Any, boxes: Any, box_indices: Any, crop_size: Any, method: str = "bilinear",
                    extrapolation_value: float = 0.0, name: str | None = None) -> Tensor:
    """Crop the normalized ``boxes`` (``[num_boxes, 4]`` as ``[y1, x1, y2, x2]``, ``y2 < y1`` flips) out of the
    images ``box_indices`` of ``image`` (``[batch, height, width, depth]``) and resize each to ``crop_size``
    (``[crop_height, crop_width]``) by ``bilinear`` or ``nearest`` sampling; samples outside the image are
    ``extrapolation_value``. The result is float32; differentiable in ``image`` (float types) and ``boxes``.

    >>> import tapegrad as tf
    >>> img = tf.reshape(tf.range(9.0), [1, 3, 3, 1])
    >>> tf.image.crop_and_resize(img, [[0.0, 0.0, 0.5, 0.5]], [0], [3, 3], method="nearest")[0, :, :, 0].numpy()
    array([[0., 1., 1.],
           [3., 4., 4.],
           [3., 4., 4.]], dtype=float32)
    """
    op = "crop_and_resize"
    x = to_tensor(image)
    bx, ind = core.convert_to_tensor(boxes, dtype="float32"), core.convert_to_tensor(box_indices, dtype="int32")
    if method not in ("bilinear", "nearest"):
        raise InvalidArgumentError(f"{op}: method must be 'bilinear' or 'nearest', got {method!r}.")
    xs = tuple(x._value.shape)
    if len(xs) != 4:
        raise InvalidArgumentError(f"{op}: image must be 4-D [batch, height, width, depth], got shape {list(xs)}.")
    if xs[1] <= 0 or xs[2] <= 0:
        raise InvalidArgumentError(f"{op}: image height and width must be positive, got shape {list(xs)}.")
    if bx._value.ndim != 2 or bx._value.shape[1] != 4:
        raise InvalidArgumentError(f"{op}: boxes must be [num_boxes, 4], got shape {list(bx._value.shape)}.")
    if ind._value.ndim != 1 or ind._value.shape[0] != bx._value.shape[0]:
        raise InvalidArgumentError(f"{op}: box_indices must be [num_boxes] = [{bx._value.shape[0]}], got shape "
                                   f"{list(ind._value.shape)}.")
    crop = _int_list(crop_size, op, "crop_size")
    if len(crop) != 2:
        raise InvalidArgumentError(f"{op}: crop_size must be [crop_height, crop_width], got {crop}.")
    if min(crop) <= 0:
        raise InvalidArgumentError(f"{op}: crop dimensions must be positive, got {crop}.")
    return applyn(CROP_AND_RESIZE, (x, bx, ind), {"crop": (crop[0], crop[1]), "method": method,
                                                  "extrapolation": _F32(extrapolation_value), "dt": _F32})


# -- draw_bounding_boxes ---------------------------------------------------------------------------------------------

_DEFAULT_COLOURS = np.array([[1, 1, 0, 1], [0, 0, 1, 1], [1, 0, 0, 1], [0, 1, 0, 1], [0.5, 0, 0.5, 1],
                             [0.5, 0.5, 0, 1], [0.5, 0, 0, 1], [0, 0, 0.5, 1], [0, 1, 1, 1], [1, 0, 1, 1]], np.float32)


def _draw_fwd(F: Any, images: Any, boxes: Any, colours: Any) -> Any:
    b_n, h, w, depth = images.shape
    table = colours if colours.size else _DEFAULT_COLOURS.copy()
    if not colours.size and depth == 1:
        table[:, 0] = 1
    canvas = images.copy()
    bxs = boxes.astype(np.float32)
    for b in range(b_n):
        for k in range(bxs.shape[1]):
            colour = table[k % len(table), :depth].astype(images.dtype)
            # float * (n - 1) in float32, then truncated to an integer, as the kernel
            r0, c0, r1, c1 = (np.trunc(_F32(v) * _F32(n - 1)) for v, n in zip(bxs[b, k], (h, w, h, w)))
            if not all(np.isfinite((r0, c0, r1, c1))):
                continue
            r0, c0, r1, c1 = int(r0), int(c0), int(r1), int(c1)
            if r0 > r1 or c0 > c1:
                warn_limited("draw_bounding_boxes", 5, f"draw_bounding_boxes: box {k} of image {b} is inverted "
                             "(min > max) and is not drawn")
                continue
            if r0 >= h or r1 < 0 or c0 >= w or c1 < 0:
                warn_limited("draw_bounding_boxes", 5, f"draw_bounding_boxes: box {k} of image {b} is outside "
                             "the image and is not drawn")
                continue
            rr0, rr1, cc0, cc1 = max(r0, 0), min(r1, h - 1), max(c0, 0), min(c1, w - 1)
            if r0 >= 0:
                canvas[b, r0, cc0:cc1 + 1] = colour
            if r1 < h:
                canvas[b, r1, cc0:cc1 + 1] = colour
            if c0 >= 0:
                canvas[b, rr0:rr1 + 1, c0] = colour
            if c1 < w:
                canvas[b, rr0:rr1 + 1, c1] = colour
    return canvas


DRAW_BOXES = defop("draw_bounding_boxes", _draw_fwd, NO_GRADIENT, test=spec(
    lambda tf, x, b, c: tf.image.draw_bounding_boxes(x, b, c),
    lambda rng: (np.zeros((1, 4, 5, 1), np.float32), np.array([[[0.0, 0.0, 1.0, 1.0]]], np.float32),
                 np.array([[0.5, 0, 0, 1]], np.float32)),
    ref=lambda x, b, c: np.pad(np.zeros((1, 2, 3, 1), np.float32), [[0, 0], [1, 1], [1, 1], [0, 0]],
                               constant_values=0.5), grad=()))


def draw_bounding_boxes(images: Any, boxes: Any, colors: Any, name: str | None = None) -> Tensor:
    """Draw the outlines of ``boxes`` (``[batch, num_boxes, 4]``, normalized ``[y_min, x_min, y_max, x_max]``) on
    ``images`` (``[batch, height, width, depth]``, depth 1, 3 or 4, float32 or float16), box ``k`` in
    ``colors[k % len(colors)]`` (TF's default table of ten colours when ``colors`` is empty). Corners are
    ``trunc(y * (height - 1))``; inverted boxes and boxes wholly outside are skipped with a warning. Not
    differentiable, as in TF.

    >>> import tapegrad as tf
    >>> out = tf.image.draw_bounding_boxes(tf.zeros([1, 3, 3, 1]), [[[0.0, 0.0, 1.0, 1.0]]], [[1.0, 0, 0, 1]])
    >>> out[0, :, :, 0].numpy().tolist()
    [[1.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]]
    """
    op = "draw_bounding_boxes"
    x, bx = to_tensor(images), to_tensor(boxes)
    c = core.cast(to_tensor(colors), "float32") if colors is not None else core.constant(np.zeros((0, 4), _F32))
    xs = tuple(x._value.shape)
    if x.dtype.name not in ("float32", "float16"):
        raise TypeError(f"{op}: images must be float32 or float16, got {x.dtype.name}.")
    if len(xs) != 4:
        raise InvalidArgumentError(f"{op}: images must be 4-D [batch, height, width, depth], got shape {list(xs)}.")
    if xs[3] not in (1, 3, 4):
        raise InvalidArgumentError(f"{op}: the channel depth must be 1 (grey), 3 (RGB) or 4 (RGBA), got {xs[3]}.")
    if bx._value.ndim != 3 or bx._value.shape[0] != xs[0] or bx._value.shape[2] != 4:
        raise InvalidArgumentError(f"{op}: boxes must be [batch={xs[0]}, num_boxes, 4], got shape "
                                   f"{list(bx._value.shape)}.")
    if c._value.ndim != 2:
        raise InvalidArgumentError(f"{op}: colors must be a 2-D [num_colors, channels] matrix, got shape "
                                   f"{list(c._value.shape)}.")
    if c._value.shape[1] < xs[3]:
        raise InvalidArgumentError(f"{op}: colors must have at least as many channels as the image ({xs[3]}), got "
                                   f"shape {list(c._value.shape)}.")
    return applyn(DRAW_BOXES, (x, core.cast(bx, x.dtype), c))


# -- extract_glimpse -------------------------------------------------------------------------------------------------

_NOISES = ("uniform", "gaussian", "zero")


def _glimpse_fwd(F: Any, x: Any, offsets: Any, size: tuple[int, int], centered: bool, normalized: bool,
                 noise: str) -> Any:
    b_n, h, w, c = x.shape
    gh, gw = size
    out = np.empty((b_n, gh, gw, c), np.float32)
    rng = np.random.default_rng()
    for i in range(b_n):
        oy, ox = _F32(offsets[i, 0]), _F32(offsets[i, 1])
        if normalized:
            ox, oy = _F32(ox * _F32(w)), _F32(oy * _F32(h))
            if centered:
                ox = _F32(_F32(ox / _F32(2)) + _F32(w) / _F32(2)) - _F32(gw) / _F32(2)
                oy = _F32(_F32(oy / _F32(2)) + _F32(h) / _F32(2)) - _F32(gh) / _F32(2)
        elif centered:
            ox, oy = _F32(ox + _F32(w) / _F32(2)), _F32(oy + _F32(h) / _F32(2))
        if not (np.isfinite(ox) and np.isfinite(oy)):
            raise InvalidArgumentError(f"extract_glimpse: offsets of glimpse {i} are not finite.")
        sx, sy = int(np.trunc(ox)), int(np.trunc(oy))  # (Index)x: truncation toward zero
        img = x[i].astype(np.float32)
        # the window [sy, sy + gh) x [sx, sx + gw) clipped to the image
        y0, y1, x0, x1 = max(sy, 0), min(sy + gh, h), max(sx, 0), min(sx + gw, w)
        partial = sx < 0 or sx + gw >= w or sy < 0 or sy + gh >= h
        if partial:
            if noise == "uniform":
                lo, hi = img.min(), img.max()
                out[i] = lo + rng.random((gh, gw, c), dtype=np.float32) * _F32(hi - lo)
            elif noise == "gaussian":
                mean, sd = img.mean((0, 1), dtype=np.float32), img.std((0, 1), dtype=np.float32)
                out[i] = mean + rng.standard_normal((gh, gw, c), dtype=np.float32) * sd
            else:
                out[i] = 0
        if y1 > y0 and x1 > x0:
            out[i, y0 - sy:y1 - sy, x0 - sx:x1 - sx] = img[y0:y1, x0:x1]
    return out


GLIMPSE = defop("extract_glimpse", _glimpse_fwd, NO_GRADIENT, stateful=True,  # LookupError, as TF
                test=spec(lambda tf, x, o: tf.image.extract_glimpse(x, [2, 3], o, centered=False, normalized=False,
                                                                    noise="zero"),
                          lambda rng: (rng.normal(size=(2, 5, 6, 1)).astype(np.float32),
                                       np.array([[1.0, 2.0], [2.0, 0.0]], np.float32)),
                          ref=lambda x, o: np.stack([x[0, 1:3, 2:5], x[1, 2:4, 0:3]]), grad=(), order2=False,
                          tf=False))


def extract_glimpse(input: Any, size: Any, offsets: Any, centered: bool = True, normalized: bool = True,
                    noise: str = "uniform", name: str | None = None) -> Tensor:
    """Extract a ``size = [height, width]`` window per image of ``input`` (float32 ``[batch, h, w, c]``) at
    ``offsets`` (``[batch, 2]`` as ``(y, x)``), TF's v2 op: with ``normalized`` and ``centered`` the offsets are in
    ``[-1, 1]`` about the image centre and give the window's centre; ``normalized`` alone: the window's top-left in
    ``[0, 1]`` fractions; ``centered`` alone: the top-left in pixels from the centre; neither: the top-left in
    pixels. The window's corner is truncated toward zero. Where the window leaves the image (or touches its
    bottom/right edge, as TF), it is first filled with ``noise``: ``uniform`` in the image's ``[min, max]``,
    ``gaussian`` with each channel's mean and deviation, or ``zero``; the random fill is not reproducible (nor is
    TF's). Not differentiable, as in TF.

    >>> import tapegrad as tf
    >>> x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
    >>> tf.image.extract_glimpse(x, [2, 2], [[0.0, 0.0]], noise="zero")[0, :, :, 0].numpy().tolist()
    [[5.0, 6.0], [9.0, 10.0]]
    """
    op = "extract_glimpse"
    x = core.convert_to_tensor(input, dtype="float32")  # a float64 tensor raises ValueError, as in TF
    if x._value.ndim != 4:
        raise InvalidArgumentError(f"{op}: input must be 4-D [batch, height, width, channels], got shape "
                                   f"{list(x._value.shape)}.")
    sz = _int_list(size, op, "size")
    if len(sz) != 2:
        raise InvalidArgumentError(f"{op}: size must be [height, width], got {sz}.")
    off = core.cast(to_tensor(offsets), "float32")
    if off._value.ndim != 2 or off._value.shape != (x._value.shape[0], 2):
        raise InvalidArgumentError(f"{op}: offsets must be [batch={x._value.shape[0]}, 2], got shape "
                                   f"{list(off._value.shape)}.")
    if noise not in _NOISES:
        raise InvalidArgumentError(f"{op}: noise must be one of {_NOISES}, got {noise!r}.")
    return applyn(GLIMPSE, (x, off), {"size": (sz[0], sz[1]), "centered": bool(centered),
                                      "normalized": bool(normalized), "noise": noise})


EXPORTS: dict[str, list[str]] = {
    "image": ["crop_and_resize", "draw_bounding_boxes", "extract_glimpse"],
}
