"""The legacy ``tf.keras.backend`` functions Keras 3 keeps for Keras 2 code: the CTC helpers
(``ctc_label_dense_to_sparse``, ``ctc_batch_cost``, ``ctc_decode``), ``rnn`` (a step function iterated over
time, with masks, constants and ``go_backwards``) and ``gradients`` (``tf.gradients``: graph functions only).

>>> import numpy as np
>>> from tapegrad import keras
>>> st = keras.backend.ctc_label_dense_to_sparse(np.array([[1, 2, 0], [3, 0, 0]]), np.array([2, 1]))
>>> st.indices.numpy().tolist(), st.values.numpy().tolist()
([[0, 0], [0, 1], [1, 0]], [1, 2, 3])
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["ctc_batch_cost", "ctc_decode", "ctc_label_dense_to_sparse", "gradients", "rnn"]


def _tf() -> Any:
    import tapegrad

    return tapegrad


def ctc_label_dense_to_sparse(labels: Any, label_lengths: Any) -> Any:
    """The first ``label_lengths[b]`` entries of each row of ``labels`` as a ``SparseTensor`` (int64 indices,
    the labels' dtype, dense shape ``labels.shape``)."""
    tf = _tf()
    labels = tf.convert_to_tensor(labels)
    lengths = np.asarray(tf.convert_to_tensor(label_lengths).numpy()).reshape(-1)
    rows, cols = (int(d) for d in labels.shape)
    mask = np.arange(cols)[None, :] < lengths[:, None]
    indices = np.argwhere(mask).astype("int64")
    values = tf.gather_nd(labels, indices)
    return tf.SparseTensor(indices, values, np.array([rows, cols], dtype="int64"))


def ctc_batch_cost(y_true: Any, y_pred: Any, input_length: Any, label_length: Any) -> Any:
    """CTC loss per sample, ``(batch, 1)``: ``y_pred`` are softmax probabilities ``(batch, time, classes)`` (the
    last class is the blank), ``y_true`` dense labels ``(batch, max_label)``, ``input_length``/``label_length``
    ``(batch, 1)``. As Keras: the loss of ``log(y_pred + epsilon)`` taken as logits (TF's v1 ``ctc_loss``)."""
    from .backend import epsilon

    tf = _tf()
    label_length = tf.cast(tf.squeeze(label_length, axis=-1), "int32")
    input_length = tf.cast(tf.squeeze(input_length, axis=-1), "int32")
    sparse = ctc_label_dense_to_sparse(tf.cast(y_true, "int32"), label_length)
    logits = tf.math.log(tf.transpose(y_pred, perm=[1, 0, 2]) + epsilon())
    loss = tf.nn.ctc_loss(labels=sparse, logits=logits, label_length=None, logit_length=input_length,
                          logits_time_major=True, blank_index=-1)
    return tf.expand_dims(loss, 1)


def ctc_decode(y_pred: Any, input_length: Any, greedy: bool = True, beam_width: int = 100,
               top_paths: int = 1) -> tuple[list[Any], Any]:
    """Decode softmax outputs ``(batch, time, classes)``: best path (``greedy``) or beam search (``top_paths``
    paths; repeated labels merged, as TF's v1 decoder does). Returns ``([dense (batch, time) int64 paths padded
    with -1, ...], log_probabilities)``; greedy's score is the negative sum of the best frames' log values."""
    from .backend import epsilon

    tf = _tf()
    y_pred = tf.convert_to_tensor(y_pred)
    batch, steps = int(y_pred.shape[0]), int(y_pred.shape[1])
    logits = tf.math.log(tf.transpose(y_pred, perm=[1, 0, 2]) + epsilon())
    input_length = tf.cast(input_length, "int32")
    if greedy:
        decoded, log_prob = tf.nn.ctc_greedy_decoder(inputs=logits, sequence_length=input_length)
    else:
        decoded, log_prob = tf.nn.ctc_beam_search_decoder(inputs=logits, sequence_length=input_length,
                                                          beam_width=beam_width, top_paths=top_paths)
        decoded = [_merge_repeated(st) for st in decoded]
    dense = []
    for st in decoded:
        out = np.full((batch, steps), -1, dtype="int64")
        idx = st.indices.numpy()
        out[idx[:, 0], idx[:, 1]] = st.values.numpy()
        dense.append(tf.constant(out))
    return dense, log_prob


def _merge_repeated(st: Any) -> Any:
    """A decoded path with consecutive equal labels merged (TF's v1 beam decoder's ``merge_repeated=True``)."""
    tf = _tf()
    idx, vals = st.indices.numpy(), st.values.numpy()
    rows: dict[int, list[int]] = {}
    for (b, _), v in zip(idx, vals):
        path = rows.setdefault(int(b), [])
        if not path or path[-1] != v:
            path.append(int(v))
    indices = [[b, t] for b in sorted(rows) for t in range(len(rows[b]))]
    values = [v for b in sorted(rows) for v in rows[b]]
    width = max((len(p) for p in rows.values()), default=0)
    return tf.SparseTensor(np.array(indices, dtype="int64").reshape(-1, 2), np.array(values, dtype="int64"),
                           np.array([int(st.dense_shape.numpy()[0]), width], dtype="int64"))


def gradients(loss: Any, variables: Any) -> Any:
    """``tf.gradients(loss, variables)``: symbolic gradients, inside a ``tapegrad.function`` only (eagerly it
    raises ``RuntimeError``, as in TF; use ``tf.GradientTape``)."""
    return _tf().gradients(loss, variables)


def rnn(step_function: Any, inputs: Any, initial_states: Any, go_backwards: bool = False, mask: Any = None,
        constants: Any = None, unroll: bool = False, input_length: Any = None, time_major: bool = False,
        zero_output_for_mask: bool = False, return_all_outputs: bool = True) -> tuple[Any, Any, list[Any]]:
    """Iterate ``step_function(input_t, states + constants) -> (output_t, new_states)`` over the time axis of
    ``inputs`` (``(batch, time, ...)``, or time first with ``time_major``). Returns ``(last_output, outputs,
    new_states)``; ``outputs`` stacks every step (only the last with ``return_all_outputs=False``). Where
    ``mask`` ``(batch, time)`` is false the states are carried over and the output repeats the previous one (zeros
    with ``zero_output_for_mask``). ``unroll`` and ``input_length`` are accepted; the loop always runs in
    Python.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> step = lambda x, states: (x + states[0], [x + states[0]])
    >>> last, outs, states = keras.backend.rnn(step, np.ones((1, 3, 2), "float32"), [np.zeros((1, 2), "float32")])
    >>> last.numpy().tolist(), outs.shape
    ([[3.0, 3.0]], TensorShape([1, 3, 2]))
    """
    tf = _tf()
    inputs = tf.nest.map_structure(tf.convert_to_tensor, inputs)
    flat = tf.nest.flatten(inputs)
    if not time_major:
        flat = [tf.transpose(x, [1, 0, *range(2, len(x.shape))]) for x in flat]
    steps = int(flat[0].shape[0])
    constants = list(constants or [])
    states = [tf.convert_to_tensor(s) for s in tf.nest.flatten(initial_states)]
    if mask is not None:
        mask = tf.cast(tf.convert_to_tensor(mask), "bool")
        if len(mask.shape) == 2:
            mask = tf.expand_dims(mask, -1)
        if not time_major:
            mask = tf.transpose(mask, [1, 0, *range(2, len(mask.shape))])
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    outputs: list[Any] = []
    prev_output = None
    for t in order:
        x_t = tf.nest.pack_sequence_as(inputs, [x[t] for x in flat])
        output, new_states = step_function(x_t, tuple(states) + tuple(constants))
        new_states = [tf.convert_to_tensor(s) for s in tf.nest.flatten(new_states)]
        if mask is not None:
            m = mask[t]

            def keep(new: Any, old: Any, m: Any = m) -> Any:
                mm = tf.reshape(m, [int(m.shape[0])] + [1] * (len(new.shape) - 1))
                return tf.where(mm, new, old)

            if prev_output is None:
                prev_output = tf.zeros_like(output)
            output = keep(output, tf.zeros_like(output) if zero_output_for_mask else prev_output)
            new_states = [keep(n, o) for n, o in zip(new_states, states)]
        prev_output = output
        states = new_states
        outputs.append(output)
    last = outputs[-1]
    stacked = tf.stack(outputs) if return_all_outputs else tf.expand_dims(last, 0)
    if not time_major:
        stacked = tf.transpose(stacked, [1, 0, *range(2, len(stacked.shape))])
    return last, stacked, states
