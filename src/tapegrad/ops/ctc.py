"""Connectionist temporal classification: ``tf.nn.ctc_loss`` (dense and sparse labels), the greedy and beam-search
decoders, ``ctc_unique_labels`` and ``collapse_repeated``.

The two losses are separate ops because TF computes them differently and their results differ off the happy path:

* dense labels (``ctc_loss_dense``) follow TF's Python construction step by step: a state space of ``2 (L + 1)``
  states (start, L label states, L + 1 blank states), transition matrices, a forward and a backward pass that
  renormalise every frame, and TF's ``log(0)`` stand-in ``float32(log(1e-307))`` for impossible initial and final
  states. So an infeasible label sequence gives TF's large finite loss (about 706.9 per missing path), not ``inf``.
* sparse labels (``ctc_loss_sparse``) follow TF's ``CTCLoss`` kernel: a textbook alpha-beta recursion in log space
  over the blank-interleaved label sequence, ``inf`` with the gradient ``softmax(logits)`` when no path exists, and
  the kernel's argument errors (zero-length labels, negative labels, fewer frames than labels).

Both ops return ``(loss, gradient)`` and their VJP is ``grad_loss * gradient`` (the gradient is computed with the
loss, as TF does). A second derivative raises ``LookupError`` (TF raises it for sparse labels and returns NaN for
dense ones).

The decoders are host computations with no gradient. The beam search replays TF's ``CTCBeamSearchDecoder`` step by
step (beam entries with ``blank``/``label``/``total`` log scores, a top-``beam_width`` set of leaves, children
grown from every beam in decreasing order, the bottom leaf evicted), so its paths and scores are TF's; entries whose
scores tie exactly may be ordered differently (TF's order there depends on ``std::sort``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._dispatch import applyn
from .._registry import NO_GRADIENT, defop, spec
from .._tensor import Tensor
from ..compiler.host import in_programs
from ..errors import FailedPreconditionError, InvalidArgumentError
from . import core, joining, shape_ops
from ._common import to_tensor
from ._nn_common import _run
from .sparse_ops import SparseTensor

_LOG_0 = float(np.float32(np.log(1e-307)))  # TF's finite log(0) for the dense loss's initial and final states


def _lse(x: np.ndarray, axis: int, keepdims: bool = False) -> np.ndarray:
    """``reduce_logsumexp`` as TF computes it (the maximum is taken out unless it is not finite)."""
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, np.zeros((), x.dtype))
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis)


def _log_softmax(x: np.ndarray) -> np.ndarray:
    z = x - np.max(x, axis=-1, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))


def _frame_mask(lengths: np.ndarray, frames: int, dtype: Any) -> np.ndarray:
    """``[frames, batch]``: 1 where ``t < lengths[b]``."""
    return (np.arange(frames)[:, None] < lengths[None, :]).astype(dtype)


# -- dense labels: TF's forward-backward construction -----------------------------------------------------------


def _dense_transitions(labels: np.ndarray, dtype: Any) -> np.ndarray:
    """``log`` of the ``[batch, to, from]`` transition matrices over the ``2 (L + 1)`` states."""
    b, n_lab = labels.shape
    n = n_lab + 1
    tr = np.eye(2 * n, dtype=dtype)
    tr[1, 0] = 1.0  # start -> first label
    k = np.arange(n_lab)
    tr[1 + k, n + k] = 1.0  # blank k -> label k + 1
    k = np.arange(n)
    tr[n + k, k] = 1.0  # label k (state 0: start) -> blank k
    tr = np.broadcast_to(tr, (b, 2 * n, 2 * n)).copy()
    k = np.arange(1, n_lab)
    # label k -> label k + 1 unless the two labels repeat (a blank must separate them)
    tr[:, k + 1, k] = (labels[:, :-1] != labels[:, 1:]).astype(dtype)
    with np.errstate(divide="ignore"):
        return np.log(tr)


def _dense_fwd(F: Any, x: Any, labels: Any, label_length: Any, logit_length: Any) -> Any:
    x = np.asarray(x)
    dt = x.dtype
    labels = np.asarray(labels).astype(np.int64)
    label_length = np.asarray(label_length).astype(np.int64)
    logit_length = np.asarray(logit_length).astype(np.int64)
    frames, batch, classes = x.shape
    n_lab = labels.shape[1]
    n = n_lab + 1
    ilp = _log_softmax(x)
    # observed log-probabilities per state: [-inf (start), labels (0 where out of range, as TF's one_hot), blanks]
    inside = (labels >= 0) & (labels < classes)
    emit = ilp[:, np.arange(batch)[:, None], np.clip(labels, 0, classes - 1)] * inside.astype(dt)
    obs = np.concatenate([np.full((frames, batch, 1), -np.inf, dt), emit,
                          np.repeat(ilp[:, :, :1], n, axis=2)], axis=2)
    log_tr = _dense_transitions(labels, dt)
    log0 = dt.type(_LOG_0)
    init = np.full((batch, 2 * n), log0, dt)
    init[:, 0] = 0.0
    final = np.full((batch, 2 * n), log0, dt)
    ok = (label_length >= 0) & (label_length <= n_lab)
    final[np.flatnonzero(ok), label_length[ok]] = 0.0
    final[np.flatnonzero(ok), n + label_length[ok]] = 0.0
    fwd = np.empty((frames, batch, 2 * n), dt)
    s = init
    for t in range(frames):
        s = _lse(s[:, None, :] + log_tr, -1) + obs[t]
        s = s - _lse(s, -1, keepdims=True)
        fwd[t] = s
    mask = _frame_mask(logit_length, frames, dt)
    back_tr = np.swapaxes(log_tr, 1, 2)
    bwd = np.empty((frames, batch, 2 * n), dt)
    s, cum = final, np.zeros(batch, dt)
    for t in range(frames - 1, -1, -1):
        s = _lse((s + obs[t])[:, None, :] + back_tr, -1)
        norm = _lse(s, -1, keepdims=True)
        s = s - norm
        cum = cum + norm[:, 0] * mask[t]
        m = mask[t][:, None]
        s = s * m + final * (1 - m)
        bwd[t] = s
    log_lik = (bwd[0, :, 0] if frames else final[:, 0]) + cum
    post = fwd + np.concatenate([bwd[1:], final[None]], axis=0)
    post = post - _lse(post, 2, keepdims=True)
    with np.errstate(divide="ignore"):
        post = post + np.log(mask[:, :, None])
    # state posteriors -> class posteriors (blank: the blank states; class c: the label states holding c)
    onehot = np.where(np.arange(1, classes)[None, None, :] == labels[:, :, None], dt.type(0), dt.type(-np.inf))
    lab = _lse(post[:, :, 1:n, None] + onehot[None], 2)
    blank = _lse(post[:, :, n:], 2, keepdims=True)
    olp = np.concatenate([blank, lab], axis=-1)
    grad = (np.exp(ilp) - np.exp(olp)) * mask[:, :, None]
    return F.asarray((-log_lik).astype(dt)), F.asarray(grad.astype(dt))


# -- sparse labels: TF's CTCLoss kernel ---------------------------------------------------------------------------


def _kernel_sequences(indices: np.ndarray, values: np.ndarray, batch: int) -> list[np.ndarray]:
    order = np.lexsort((indices[:, 1], indices[:, 0])) if len(indices) else np.zeros(0, np.int64)
    rows = indices[order, 0]
    vals = values[order]
    return [vals[rows == b].astype(np.int64) for b in range(batch)]


def _sparse_fwd(F: Any, x: Any, indices: Any, values: Any, seq_len: Any) -> Any:
    x = np.asarray(x)
    dt = x.dtype
    frames, batch, classes = x.shape
    seq_len = np.asarray(seq_len).astype(np.int64)
    blank = classes - 1
    seqs = _kernel_sequences(np.asarray(indices).reshape(-1, 2), np.asarray(values).reshape(-1), batch)
    loss = np.zeros(batch, dt)
    grad = np.zeros_like(x)
    for b in range(batch):
        if seq_len[b] > frames:
            raise InvalidArgumentError(f"ctc_loss: logit_length[{b}] = {seq_len[b]} is more than the {frames} frames "
                                       "of logits.")
        lab = seqs[b]
        if lab.size == 0:
            raise InvalidArgumentError(f"ctc_loss: sparse labels of batch entry {b} are empty; TF's CTC kernel needs "
                                       "at least one label per entry (use dense labels for empty targets).")
        if (lab < 0).any():
            raise InvalidArgumentError(f"ctc_loss: labels must be nonnegative integers; batch entry {b} has "
                                       f"{lab.tolist()}.")
        steps = int(seq_len[b])
        if steps < lab.size:
            raise InvalidArgumentError(f"ctc_loss: not enough frames for the labels of batch entry {b}: "
                                       f"{lab.size} labels need at least {lab.size} frames, logit_length is {steps}.")
        lp = _log_softmax(x[:steps, b])
        ext = np.full(2 * lab.size + 1, blank, np.int64)
        ext[1::2] = lab
        n_st = ext.size
        skip = np.zeros(n_st, bool)  # s may come from s - 2: a label differing from the label before it
        skip[3::2] = lab[1:] != lab[:-1]
        e = lp[:, ext]  # [steps, states]
        alpha = np.full((steps, n_st), -np.inf, dt)
        alpha[0, :2] = e[0, :2]
        for t in range(1, steps):
            a = alpha[t - 1]
            acc = np.logaddexp(a, np.concatenate([[-np.inf], a[:-1]]))
            acc = np.where(skip, np.logaddexp(acc, np.concatenate([[-np.inf, -np.inf], a[:-2]])), acc)
            alpha[t] = acc + e[t]
        beta = np.full((steps, n_st), -np.inf, dt)
        beta[-1, -2:] = e[-1, -2:]
        skip_back = np.concatenate([skip[2:], [False, False]])  # s may go to s + 2
        for t in range(steps - 2, -1, -1):
            nb = beta[t + 1]
            acc = np.logaddexp(nb, np.concatenate([nb[1:], [-np.inf]]))
            acc = np.where(skip_back, np.logaddexp(acc, np.concatenate([nb[2:], [-np.inf, -np.inf]])), acc)
            beta[t] = acc + e[t]
        log_p = np.logaddexp(alpha[-1, -1], alpha[-1, -2]) if n_st > 1 else alpha[-1, -1]
        soft = np.exp(lp)
        if np.isneginf(log_p):  # no valid path (TF logs a warning): loss inf, gradient softmax
            loss[b] = np.inf
            grad[:steps, b] = soft
            continue
        loss[b] = -log_p
        occ = np.full((steps, classes), -np.inf, dt)
        ab = alpha + beta - e
        for s in range(n_st):
            occ[:, ext[s]] = np.logaddexp(occ[:, ext[s]], ab[:, s])
        grad[:steps, b] = soft - np.exp(occ - log_p)
    return F.asarray(loss), F.asarray(grad)


# -- the ops ----------------------------------------------------------------------------------------------------------


def _no_second_fwd(F: Any, g: Any) -> Any:
    return g


# The saved CTC gradient passes through this op in a recorded backward pass: differentiating it again raises
# LookupError, as TF's prevent_gradient does for the CTCLoss kernel.
CTC_LOSS_GRADIENT = defop(
    "ctc_loss_gradient", _no_second_fwd, NO_GRADIENT,
    test=spec(lambda tf, x: _ctc_grad_of(tf, x), lambda rng: (rng.normal(size=(4, 1, 3)),), grad=(), tf=False),
)


def _ctc_grad_of(tf: Any, x: Any) -> Any:
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.nn.ctc_loss([[1, 2]], x, [2], [4])
    return tape.gradient(loss, x)


def _ctc_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    grad = _run(F, CTC_LOSS_GRADIENT, out[1]) if F.is_diff else out[1]
    return (g[0][..., None, :, None] * grad, None, None, None)


def _ctc_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return (None if ts[0] is None else F.sum(out[1] * ts[0], axis=(0, 2))), None


def _dense_args(rng: np.random.Generator) -> tuple[Any, ...]:
    return (rng.normal(size=(6, 3, 5)), np.array([[1, 2, 2, 0], [3, 1, 0, 0], [4, 4, 4, 1]]), np.array([3, 2, 4]),
            np.array([6, 5, 6]))


CTC_LOSS_DENSE = defop(
    "ctc_loss_dense", _dense_fwd, _ctc_vjp, _ctc_jvp, multi=True,
    test=[spec(lambda tf, x, lab, ll, gl: tf.nn.ctc_loss(lab, x, ll, gl), _dense_args, grad=(0,), order2=False,
               tf=False, ref=lambda x, lab, ll, gl: _ref_ctc(x, lab, ll, gl, 0), rtol=1e-9),
          spec(lambda tf, x, lab, ll, gl: tf.nn.ctc_loss(lab, x, ll, gl, logits_time_major=False, blank_index=-1),
               lambda rng: (np.swapaxes(_dense_args(rng)[0], 0, 1),
                            np.array([[1, 2, 2, 0], [3, 0, 0, 0], [0, 0, 0, 1]]), *_dense_args(rng)[2:]), grad=(0,),
               order2=False, tf=False, name="batch_major_blank_last",
               ref=lambda x, lab, ll, gl: _ref_ctc(np.swapaxes(x, 0, 1), lab, ll, gl, 4),
               rtol=1e-9)],
)


def _sparse_call(tf: Any, x: Any, idx: Any, val: Any, gl: Any) -> Any:
    return tf.nn.ctc_loss(tf.SparseTensor(idx, val, [3, 3]), x, None, gl, blank_index=0)


def _sparse_args(rng: np.random.Generator) -> tuple[Any, ...]:
    return (rng.normal(size=(6, 3, 5)), np.array([[0, 0], [0, 1], [0, 2], [1, 0], [2, 0], [2, 1], [2, 2]]),
            np.array([1, 2, 2, 3, 4, 4, 1], np.int32), np.array([6, 5, 6], np.int32))


# tf=False: TF's kernel gradient agrees only to ~4e-9 absolute (beyond the op lane's atol 1e-9); the nn_ext TF lane
# compares it at rtol 1e-5, and the spec checks against a brute-force alignment sum and central differences.
CTC_LOSS_SPARSE = defop(
    "ctc_loss_sparse", _sparse_fwd, _ctc_vjp, _ctc_jvp, multi=True,
    test=spec(_sparse_call, _sparse_args, grad=(0,), order2=False, rtol=1e-9, tf=False,
              ref=lambda x, idx, val, gl: _ref_ctc(x, np.array([[1, 2, 2], [3, 0, 0], [4, 4, 1]]), np.array([3, 1, 3]),
                                                   gl, 0)),
)


def _ref_ctc(x: np.ndarray, labels: np.ndarray, ll: np.ndarray, gl: np.ndarray, blank: int) -> np.ndarray:
    """Reference for the specs: the CTC probability by brute-force enumeration of every alignment."""
    import itertools

    out = []
    for b in range(x.shape[1]):
        lp = _log_softmax(x[: gl[b], b].astype(np.float64))
        target = tuple(labels[b, : ll[b]].tolist())
        tot = -np.inf
        for path in itertools.product(range(x.shape[2]), repeat=int(gl[b])):
            col = [c for i, c in enumerate(path) if c != blank and (i == 0 or c != path[i - 1])]
            if tuple(col) == target:
                tot = np.logaddexp(tot, sum(lp[t, c] for t, c in enumerate(path)))
        out.append(-tot)
    return np.array(out)


# -- public API -------------------------------------------------------------------------------------------------------


def _float_logits(logits: Any, op: str) -> Tensor:
    x = to_tensor(logits)
    if x._value.dtype.kind not in "fV":
        raise TypeError(f"{op}: logits must be a floating tensor, got {x.dtype.name}.")
    if x._value.ndim != 3:
        raise ValueError(f"{op}: logits must have rank 3 ([frames, batch, classes], or [batch, frames, classes] with "
                         f"logits_time_major=False), got shape {list(x._value.shape)}.")
    return x


def _int_vector(v: Any, n: int, what: str, op: str) -> Tensor:
    t = to_tensor(v)
    if t._value.dtype.kind not in "iu":
        raise TypeError(f"{op}: {what} must be an integer tensor, got {t.dtype.name}.")
    if t._value.shape != (n,):
        raise ValueError(f"{op}: {what} must have shape [batch_size] = [{n}], got {list(t._value.shape)}.")
    return t


def _blank_last(x: Tensor, blank: int) -> Tensor:
    """Classes rotated so that ``blank`` becomes the last one (TF's concat of slices)."""
    return joining.concat([x[:, :, :blank], x[:, :, blank + 1:], x[:, :, blank:blank + 1]], axis=2)


def ctc_loss(labels: Any, logits: Any, label_length: Any, logit_length: Any, logits_time_major: bool = True,
             unique: Any = None, blank_index: int | None = None, name: str | None = None) -> Tensor:
    """Connectionist temporal classification loss: ``-log p(labels | logits)`` per batch entry (Graves et al.
    2006), with TF's gradient with respect to ``logits``.

    ``logits`` are unnormalised (a softmax is applied over the classes), ``[frames, batch, classes]`` or with
    ``logits_time_major=False`` ``[batch, frames, classes]``. ``labels`` are either dense ``[batch, max_len]``
    integers padded past ``label_length`` (blank class default 0), or a ``SparseTensor`` (then ``label_length``
    is ignored and ``blank_index`` is required; ``-1`` means the last class). ``logit_length`` gives the frames
    used per entry. ``unique`` (``ctc_unique_labels(labels)``) is accepted for TF compatibility; it only speeds up
    TF's TPU path and does not change the result.

    Dense labels follow TF's construction (an impossible alignment costs about 706.9 instead of ``inf``); sparse
    labels follow TF's kernel (``inf``, and an error when there are fewer frames than labels). float64 works for
    both (TF's dense path fails on float64 with an internal dtype error). No second derivative (LookupError).

    >>> import tapegrad as tf
    >>> logits = tf.zeros([2, 1, 3])              # 2 frames, 1 sequence, 3 classes (0 = blank)
    >>> loss = tf.nn.ctc_loss([[1]], logits, label_length=[1], logit_length=[2])
    >>> round(float(loss[0]), 4)                  # -log(3 paths / 9): "1-", "-1", "11"
    1.0986
    """
    op = "ctc_loss"
    x = _float_logits(logits, op)
    if not logits_time_major:
        x = shape_ops.transpose(x, [1, 0, 2])
    frames, batch, classes = x._value.shape
    orig = x.dtype
    if orig in (_dtypes.float16, _dtypes.bfloat16):
        x = core.cast(x, _dtypes.float32)
    gl = _int_vector(logit_length, batch, "logit_length", op)
    if isinstance(labels, SparseTensor):
        if blank_index is None:
            raise ValueError("ctc_loss: blank_index must be given when labels is a SparseTensor (TF's kernel has no "
                             "default); pass blank_index=0 or blank_index=-1 (the last class).")
        if labels.values.dtype != _dtypes.int32:
            raise InvalidArgumentError(f"ctc_loss: sparse labels must have int32 values (TF's CTCLoss kernel), got "
                                       f"{labels.values.dtype.name}; cast them with tf.cast(labels, tf.int32).")
        blank = int(blank_index) + (classes if blank_index < 0 else 0)
        values = labels.values
        if blank != classes - 1:
            x = _blank_last(x, blank)
            v = values._value
            values = core.constant(np.where(v < blank, v, v - 1).astype(np.int32))
        loss, _ = applyn(CTC_LOSS_SPARSE, (x, labels.indices, values, gl))
    else:
        lab = to_tensor(labels)
        if lab._value.dtype.kind not in "iu" or lab._value.ndim != 2 or lab._value.shape[0] != batch:
            raise ValueError(f"ctc_loss: dense labels must be integers of shape [batch_size, max_label_length] with "
                             f"batch_size {batch}, got {lab.dtype.name} {list(lab._value.shape)}.")
        ll = _int_vector(label_length, batch, "label_length", op)
        if unique is not None:
            uy, ui = unique
            if tuple(to_tensor(uy).shape) != lab._value.shape or tuple(to_tensor(ui).shape) != lab._value.shape:
                raise ValueError("ctc_loss: unique must be the pair (unique_labels, indices) of ctc_unique_labels("
                                 "labels), both shaped like labels.")
        blank = 0 if blank_index is None else int(blank_index) + (classes if blank_index < 0 else 0)
        if blank != 0:
            x = joining.concat([x[:, :, blank:blank + 1], x[:, :, :blank], x[:, :, blank + 1:]], axis=2)
            v = lab._value
            lab = core.constant(np.where(v < blank, v + 1, v))
        loss, _ = applyn(CTC_LOSS_DENSE, (x, lab, ll, gl))
    if orig != loss.dtype:
        loss = core.cast(loss, orig)
    return loss


def _decoder_inputs(inputs: Any, sequence_length: Any, op: str) -> tuple[np.ndarray, np.ndarray]:
    x = to_tensor(inputs)
    if x._value.dtype not in (np.float32, np.float64):
        raise InvalidArgumentError(f"{op}: inputs must be float32 or float64 logits, got {x.dtype.name}.")
    v = x._value
    if v.ndim != 3:
        raise InvalidArgumentError(f"{op}: inputs must be [max_time, batch_size, num_classes], got shape "
                                   f"{list(v.shape)}.")
    if v.size == 0:
        raise InvalidArgumentError(f"{op}: inputs must not be empty, got shape {list(v.shape)}.")
    sl = to_tensor(sequence_length)._value
    if sl.ndim != 1:
        raise InvalidArgumentError(f"{op}: sequence_length must be a vector, got shape {list(sl.shape)}.")
    if sl.shape[0] != v.shape[1]:
        raise FailedPreconditionError(f"{op}: len(sequence_length) = {sl.shape[0]} differs from the batch size "
                                      f"{v.shape[1]} of inputs.")
    bad = np.flatnonzero(sl > v.shape[0])
    if bad.size:
        raise FailedPreconditionError(f"{op}: sequence_length[{bad[0]}] = {sl[bad[0]]} is more than max_time "
                                      f"{v.shape[0]}.")
    return v, sl.astype(np.int64)


def _to_sparse(paths: list[list[int]]) -> SparseTensor:
    idx = [(b, t) for b, p in enumerate(paths) for t in range(len(p))]
    vals = [c for p in paths for c in p]
    width = max((len(p) for p in paths), default=0)
    return SparseTensor(np.array(idx, np.int64).reshape(-1, 2), np.array(vals, np.int64),
                        np.array([len(paths), width], np.int64))


@in_programs
def ctc_greedy_decoder(inputs: Any, sequence_length: Any, merge_repeated: bool = True,
                       blank_index: int | None = None) -> tuple[list[SparseTensor], Tensor]:
    """Best-path CTC decoding: the most likely class per frame, repeats merged (``merge_repeated``), blanks
    dropped.

    ``inputs`` are ``[max_time, batch, num_classes]`` logits; ``blank_index`` defaults to the last class
    (negative values count from the end). Returns ``([decoded], neg_sum_logits)``: a ``SparseTensor`` of int64
    class ids ``[batch, max_decoded_length]`` and ``[batch, 1]`` minus the sum of each frame's largest logit.

    >>> import tapegrad as tf
    >>> x = tf.constant([[[0., 5., 0.]], [[0., 5., 0.]], [[0., 0., 5.]], [[5., 0., 0.]]])
    >>> (decoded,), score = tf.nn.ctc_greedy_decoder(x, [4])
    >>> decoded.values.numpy().tolist(), float(score[0, 0])
    ([1, 0], -20.0)
    """
    op = "ctc_greedy_decoder"
    v, sl = _decoder_inputs(inputs, sequence_length, op)
    classes = v.shape[2]
    blank = -1 if blank_index is None else int(blank_index)
    if not -classes <= blank < classes:
        raise InvalidArgumentError(f"{op}: blank_index must be in [{-classes}, {classes - 1}], got {blank}.")
    blank %= classes
    best = np.argmax(v, axis=2)
    top = np.max(v, axis=2)
    paths, score = [], np.zeros((v.shape[1], 1), v.dtype)
    for b in range(v.shape[1]):
        seq: list[int] = []
        prev = -1
        for t in range(int(sl[b])):
            c = int(best[t, b])
            score[b, 0] -= top[t, b]
            if c != blank and not (merge_repeated and c == prev):
                seq.append(c)
            prev = c
        paths.append(seq)
    return [_to_sparse(paths)], core.constant(score)


class _Beam:
    """One node of the prefix tree (TF's BeamEntry): log scores ending in a blank, in its label, and in total."""

    __slots__ = ("parent", "label", "children", "old", "new")

    def __init__(self, parent: _Beam | None, label: int, zero: Any) -> None:
        self.parent = parent
        self.label = label
        self.children: dict[int, _Beam] = {}
        self.old = [zero, zero, zero]  # total, blank, label
        self.new = [zero, zero, zero]

    def path(self) -> list[int]:
        out, node = [], self
        while node.parent is not None:
            out.append(node.label)
            node = node.parent
        return out[::-1]


def _log_sum(a: Any, b: Any, zero: Any) -> Any:
    if a == zero:
        return b
    if b == zero:
        return a
    return a + np.log1p(np.exp(b - a)) if a > b else b + np.log1p(np.exp(a - b))


def _beam_search(frames: np.ndarray, width: int, zero: Any) -> list[_Beam]:
    """TF's CTCBeamSearchDecoder over one sequence's ``[time, classes]`` logits (blank = last class); returns the
    leaves in decreasing total score."""
    classes = frames.shape[1]
    blank = classes - 1
    root = _Beam(None, -1, zero)
    root.new = [frames.dtype.type(0), frames.dtype.type(0), zero]
    leaves = [root]

    def bottom() -> _Beam:
        return min(leaves, key=lambda e: e.new[0])

    for row in frames:
        top = row.max()
        top = top + np.log(np.sum(np.exp(row - top)))  # TF scores with log-softmax probabilities
        branches = sorted(leaves, key=lambda e: e.new[0], reverse=True)
        leaves = []
        for b in branches:
            b.old = list(b.new)
        for b in branches:
            if b.parent is not None:
                if b.parent.new[0] != zero:  # the parent is still a beam
                    prev = b.parent.old[1] if b.label == b.parent.label else b.parent.old[0]
                    b.new[2] = _log_sum(b.new[2], prev, zero)
                b.new[2] = b.new[2] + (row[b.label] - top)
            b.new[1] = b.old[0] + (row[blank] - top)
            b.new[0] = _log_sum(b.new[1], b.new[2], zero)
            leaves.append(b)
        for b in branches:
            if not (b.old[0] > zero and (len(leaves) < width or b.old[0] > bottom().new[0])):
                continue
            for label in range(classes - 1):
                c = b.children.get(label)
                if c is None:
                    c = b.children[label] = _Beam(b, label, zero)
                if c.new[0] != zero:
                    continue
                prev = b.old[1] if label == b.label else b.old[0]
                c.new = [row[label] - top + prev, zero, row[label] - top + prev]
                if c.new[0] > zero and (len(leaves) < width or c.new[0] > bottom().new[0]):
                    if len(leaves) == width:
                        low = bottom()
                        low.new = [zero, zero, zero]
                        leaves.remove(low)
                    leaves.append(c)
                else:
                    c.old = [zero, zero, zero]
                    c.new = [zero, zero, zero]
    return sorted(leaves, key=lambda e: e.new[0], reverse=True)


@in_programs
def ctc_beam_search_decoder(inputs: Any, sequence_length: Any, beam_width: int = 100,
                            top_paths: int = 1) -> tuple[list[SparseTensor], Tensor]:
    """Beam-search CTC decoding (TF's algorithm and scores): the ``top_paths`` most likely label sequences.

    ``inputs`` are ``[max_time, batch, num_classes]`` logits with the blank as the LAST class; each frame's
    log-softmax is taken over the classes. Returns ``(decoded,
    log_probability)``: ``top_paths`` ``SparseTensor``s of int64 class ids, and ``[batch, top_paths]`` scores.

    >>> import tapegrad as tf
    >>> import numpy as np
    >>> x = tf.constant(np.log([[[0.6, 0.4]], [[0.6, 0.4]]]))   # class 0 and the blank (class 1)
    >>> decoded, logp = tf.nn.ctc_beam_search_decoder(x, [2], beam_width=2, top_paths=2)
    >>> [d.values.numpy().tolist() for d in decoded]
    [[0], []]
    """
    op = "ctc_beam_search_decoder"
    v, sl = _decoder_inputs(inputs, sequence_length, op)
    if beam_width < 1 or top_paths < 1:
        raise InvalidArgumentError(f"{op}: beam_width and top_paths must be positive, got {beam_width} and "
                                   f"{top_paths}.")
    if top_paths > beam_width:
        raise InvalidArgumentError(f"{op}: top_paths ({top_paths}) must be at most beam_width ({beam_width}).")
    zero = v.dtype.type(-np.inf)
    paths: list[list[list[int]]] = [[] for _ in range(top_paths)]
    logp = np.zeros((v.shape[1], top_paths), v.dtype)
    for b in range(v.shape[1]):
        leaves = _beam_search(v[: sl[b], b], beam_width, zero)
        if top_paths > len(leaves):
            raise InvalidArgumentError(f"{op}: only {len(leaves)} beams survived for batch entry {b}, fewer than "
                                       f"top_paths={top_paths} (use fewer top_paths or more classes).")
        for i in range(top_paths):
            paths[i].append(leaves[i].path())
            logp[b, i] = leaves[i].new[0]
    return [_to_sparse(p) for p in paths], core.constant(logp)


@in_programs
def ctc_unique_labels(labels: Any, name: str | None = None) -> tuple[Tensor, Tensor]:
    """Per row of ``[batch, max_len]`` labels, its unique values in order of first appearance (int64, zero-padded
    to ``max_len``) and each label's index into them (int32): the ``unique`` argument of ``ctc_loss``.

    >>> import tapegrad as tf
    >>> y, idx = tf.nn.ctc_unique_labels([[3, 4, 4, 3]])
    >>> y.numpy().tolist(), idx.numpy().tolist()
    ([[3, 4, 0, 0]], [[0, 1, 1, 0]])
    """
    v = to_tensor(labels)._value
    if v.ndim != 2:
        raise ValueError(f"ctc_unique_labels: labels must be [batch, max_len], got shape {list(v.shape)}.")
    ys = np.zeros(v.shape, np.int64)
    idx = np.zeros(v.shape, np.int32)
    for b, row in enumerate(v):
        u, first, inv = np.unique(row, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        ys[b, : u.size] = u[order]
        idx[b] = rank[inv.reshape(-1)]
    return core.constant(ys), core.constant(idx)


@in_programs
def collapse_repeated(labels: Any, seq_length: Any, name: str | None = None) -> tuple[Tensor, Tensor]:
    """Merge runs of repeated labels in each ``[batch, max_len]`` row (within ``seq_length``); returns the
    collapsed labels zero-padded to the longest result and the new lengths (``seq_length``'s dtype).

    >>> import tapegrad as tf
    >>> y, n = tf.nn.collapse_repeated([[1, 1, 2, 2, 2], [3, 3, 3, 1, 1]], [5, 3])
    >>> y.numpy().tolist(), n.numpy().tolist()
    ([[1, 2], [3, 0]], [2, 1])
    """
    lab = to_tensor(labels)
    sl = to_tensor(seq_length)
    v, n = lab._value, sl._value
    if v.ndim != 2 or n.shape != (v.shape[0],):
        raise ValueError(f"collapse_repeated: labels must be [batch, max_len] and seq_length [batch], got shapes "
                         f"{list(v.shape)} and {list(n.shape)}.")
    keep = np.concatenate([np.ones((v.shape[0], min(1, v.shape[1])), bool), v[:, 1:] != v[:, :-1]], axis=1)
    keep &= np.arange(v.shape[1])[None, :] < n[:, None]
    counts = keep.sum(axis=1)
    out = np.zeros((v.shape[0], int(counts.max()) if counts.size else 0), v.dtype)
    for b in range(v.shape[0]):
        out[b, : counts[b]] = v[b][keep[b]]
    return core.constant(out), core.constant(counts.astype(n.dtype))


EXPORTS: dict[str, list[str]] = {
    "nn": ["ctc_loss", "ctc_greedy_decoder", "ctc_beam_search_decoder", "ctc_unique_labels", "collapse_repeated"],
}
