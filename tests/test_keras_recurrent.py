"""Recurrent layers: forward values against NumPy formulas (Keras 3's gate orders), float64 gradients against
central differences, masking, go_backwards, Bidirectional, TimeDistributed, cells, stacking, config round trips.

Reference formulas are the probes' (tf_probes/p53_rnn.py), measured on TF 2.21 / Keras 3.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

L = keras.layers
RNG = np.random.default_rng(0)


def sig(x):
    return 1 / (1 + np.exp(-x))


def np_lstm(x, k, rk, b, mask=None, back=False):
    u = rk.shape[0]
    h = np.zeros((x.shape[0], u))
    c = np.zeros_like(h)
    outs = []
    for t in (range(x.shape[1])[::-1] if back else range(x.shape[1])):
        z = x[:, t] @ k + h @ rk + b
        c2 = sig(z[:, u:2 * u]) * c + sig(z[:, :u]) * np.tanh(z[:, 2 * u:3 * u])
        h2 = sig(z[:, 3 * u:]) * np.tanh(c2)
        if mask is not None:
            m = mask[:, t:t + 1]
            h2, c2 = np.where(m, h2, h), np.where(m, c2, c)
        h, c = h2, c2
        outs.append(h)
    return np.stack(outs, 1), h, c


def np_gru(x, k, rk, b, reset_after=True):
    u = rk.shape[0]
    h = np.zeros((x.shape[0], u))
    outs = []
    for t in range(x.shape[1]):
        if reset_after:
            xi, hr = x[:, t] @ k + b[0], h @ rk + b[1]
            z, r = sig(xi[:, :u] + hr[:, :u]), sig(xi[:, u:2 * u] + hr[:, u:2 * u])
            hh = np.tanh(xi[:, 2 * u:] + r * hr[:, 2 * u:])
        else:
            xi = x[:, t] @ k + b
            z, r = sig(xi[:, :u] + h @ rk[:, :u]), sig(xi[:, u:2 * u] + h @ rk[:, u:2 * u])
            hh = np.tanh(xi[:, 2 * u:] + (r * h) @ rk[:, 2 * u:])
        h = z * h + (1 - z) * hh
        outs.append(h)
    return np.stack(outs, 1), h


def _weights(layer, x):
    layer(x)
    ws = [RNG.normal(size=tuple(w.shape)) * 0.5 for w in layer.weights]
    layer.set_weights(ws)
    return ws


X = RNG.normal(size=(3, 5, 4))


def test_lstm_forward_states_go_backwards_and_mask():
    layer = L.LSTM(3, return_sequences=True, return_state=True, dtype="float64")
    k, rk, b = _weights(layer, X)
    seq, h, c = layer(X)
    rs, rh, rc = np_lstm(X, k, rk, b)
    np.testing.assert_allclose(seq.numpy(), rs, rtol=1e-10)
    np.testing.assert_allclose(c.numpy(), rc, rtol=1e-10)
    back = L.LSTM(3, go_backwards=True, return_sequences=True, dtype="float64")
    _weights(back, X)
    back.set_weights([k, rk, b])
    np.testing.assert_allclose(back(X).numpy(), np_lstm(X, k, rk, b, back=True)[0], rtol=1e-10)
    mask = np.array([[1, 1, 0, 1, 0], [1, 0, 0, 0, 0], [1, 1, 1, 1, 1]], bool)
    np.testing.assert_allclose(layer(X, mask=mask)[0].numpy(), np_lstm(X, k, rk, b, mask=mask)[0], rtol=1e-10)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_forward(reset_after):
    layer = L.GRU(3, return_sequences=True, reset_after=reset_after, dtype="float64")
    k, rk, b = _weights(layer, X)
    assert tuple(layer.cell.bias.shape) == ((2, 9) if reset_after else (9,))
    np.testing.assert_allclose(layer(X).numpy(), np_gru(X, k, rk, b, reset_after)[0], rtol=1e-10)


def _numeric_grad(f, w, eps=1e-6):
    g = np.zeros(w.shape)
    base = w.numpy()
    for idx in np.ndindex(*base.shape):
        for sign in (1, -1):
            v = base.copy()
            v[idx] += sign * eps
            w.assign(v)
            g[idx] += sign * f() / (2 * eps)
    w.assign(base)
    return g


@pytest.mark.parametrize("make", [
    lambda: L.SimpleRNN(2, return_sequences=True, dtype="float64"),
    lambda: L.LSTM(2, return_sequences=True, dtype="float64"),
    lambda: L.LSTM(2, activation="relu", recurrent_activation="hard_sigmoid", dtype="float64"),
    lambda: L.GRU(2, dtype="float64"),
    lambda: L.GRU(2, reset_after=False, go_backwards=True, dtype="float64"),
    lambda: L.Bidirectional(L.GRU(2, return_sequences=True, dtype="float64"), merge_mode="mul", dtype="float64"),
], ids=["simple", "lstm", "lstm_custom_act", "gru", "gru_v1_back", "bidi"])
def test_gradients_match_central_differences(make):
    layer = make()
    x = X[:, :3, :3]
    _weights(layer, x)
    target = RNG.normal(size=np.shape(layer(x)))

    def loss():
        return float(tf.reduce_sum(tf.square(layer(x) - target)))

    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.square(layer(x) - target))
    grads = tape.gradient(y, layer.trainable_weights)
    for w, g in zip(layer.trainable_weights, grads):
        np.testing.assert_allclose(g.numpy(), _numeric_grad(loss, w), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("state_loss", [False, True])  # with the cell state in the loss, the rule's general path
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_whole_sequence_lstm_matches_the_step_by_step_path(go_backwards, return_sequences, state_loss):
    """The LSTM layer's one-op sequence (lstm_sequence) against the per-step ops it replaces (an all-True mask
    takes the step-by-step path): outputs, final states and every weight's and the input's gradient."""
    rng = np.random.default_rng(3)
    x = tf.constant(rng.normal(size=(3, 5, 4)))
    h0, c0 = tf.constant(rng.normal(size=(3, 2))), tf.constant(rng.normal(size=(3, 2)))
    layer = keras.layers.LSTM(2, return_sequences=return_sequences, return_state=True, go_backwards=go_backwards,
                              dtype="float64")
    layer(x)
    w = tf.constant(rng.normal(size=(3, 5, 2) if return_sequences else (3, 2)))
    results = []
    for mask in (None, np.ones((3, 5), bool)):
        with tf.GradientTape() as tape:
            tape.watch([x, h0, c0])
            out, h, c = layer(x, initial_state=[h0, c0], mask=mask)
            loss = tf.reduce_sum(out * w) + (tf.reduce_sum(h * h) + tf.reduce_sum(c) if state_loss else 0.0)
        grads = tape.gradient(loss, [x, h0, c0] + layer.trainable_weights)
        results.append([v.numpy() for v in (out, h, c, *grads)])
    for fast, step in zip(*results):
        np.testing.assert_allclose(fast, step, rtol=1e-12, atol=1e-12)


def test_cells_stacking_and_config_round_trip():
    cell = L.LSTMCell(3)
    out, states = cell(X[:, 0].astype("float32"), [np.zeros((3, 3), "float32")] * 2)
    assert isinstance(states, list) and len(states) == 2 and np.allclose(out.numpy(), states[0].numpy())
    rnn = L.RNN([L.LSTMCell(4), L.GRUCell(2)], return_state=True)
    out = rnn(X.astype("float32"))
    assert len(out) == 3 and [tuple(s.shape) for s in out[1]] == [(3, 4), (3, 4)] and rnn.count_params() == 192
    lstm = L.LSTM(5, dropout=0.1, go_backwards=True, return_sequences=True, unit_forget_bias=False)
    clone = L.LSTM.from_config(lstm.get_config())
    assert (clone.units, clone.dropout, clone.go_backwards, clone.unit_forget_bias) == (5, 0.1, True, False)
    with pytest.raises(ValueError):
        L.LSTM(3)(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError):
        L.Bidirectional(L.LSTM(3), merge_mode="max")


def test_dropout_only_in_training_and_stateful_carries_state():
    layer = L.LSTM(4, dropout=0.5, recurrent_dropout=0.5, seed=1)
    x = X.astype("float32")
    a, b = layer(x).numpy(), layer(x).numpy()
    assert np.array_equal(a, b) and not np.allclose(layer(x, training=True).numpy(), a)
    st = L.SimpleRNN(2, stateful=True)
    first = st(x).numpy()
    assert not np.allclose(st(x).numpy(), first)
    st.reset_states()
    np.testing.assert_allclose(st(x).numpy(), first, rtol=1e-6)


def test_mask_from_embedding_reaches_the_rnn_in_models():
    ids = np.array([[3, 4, 0, 0], [1, 2, 5, 0]])
    emb = L.Embedding(6, 3, mask_zero=True)
    rnn = L.SimpleRNN(2, return_sequences=True)
    y = rnn(emb(ids)).numpy()
    assert np.allclose(y[0, 2], y[0, 1]) and np.allclose(y[0, 3], y[0, 1]) and np.allclose(y[1, 3], y[1, 2])
    inp = keras.Input((4,), dtype="int32")
    model = keras.Model(inp, L.SimpleRNN(2)(L.Embedding(6, 3, mask_zero=True)(inp)))
    padded = model(np.array([[3, 4, 0, 0]])).numpy()
    assert np.allclose(padded, model(np.array([[3, 4]])).numpy(), atol=1e-6)


def test_time_distributed_and_bidirectional_alignment():
    d = L.Dense(2)
    td = L.TimeDistributed(d)
    x = X.astype("float32")
    np.testing.assert_allclose(td(x).numpy(), d(x).numpy(), rtol=1e-6)
    bi = L.Bidirectional(L.SimpleRNN(3, return_sequences=True), merge_mode=None)
    fw, bw = bi(x)
    back = L.SimpleRNN(3, return_sequences=True, go_backwards=True)
    back(x)
    back.set_weights(bi.backward_layer.get_weights())
    np.testing.assert_allclose(bw.numpy(), back(x).numpy()[:, ::-1], rtol=1e-6)


@pytest.mark.parametrize("module", ["tapegrad.keras.layers.recurrent", "tapegrad.ops.rnn_ops"])
def test_docstrings_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize("make", [lambda: L.LSTM(4), lambda: L.GRU(4, return_sequences=True),
                                  lambda: L.Bidirectional(L.SimpleRNN(3))], ids=["lstm", "gru", "bidirectional"])
def test_compiled_function_traces_recurrent_layers_once(make):
    layer, dense = make(), L.Dense(1)
    x = tf.constant(X.astype("float32"))
    dense(layer(x))
    weights = layer.trainable_weights + dense.trainable_weights

    def grads(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(dense(layer(x))))
        return tape.gradient(loss, weights)

    compiled = tf.function(grads)
    for scale in (1.0, 0.5, 2.0):
        eager, traced = grads(x * scale), compiled(x * scale)
        for a, b in zip(eager, traced):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)
    assert compiled.experimental_get_tracing_count() == 1


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-12), ("float32", 2e-5)])
@pytest.mark.parametrize("steps,bias", [(6, True), (1, True), (4, False)])
def test_lstm_sequence_numpy_rules_match_the_per_step_rules(dtype, tol, steps, bias):
    """``lstm_sequence``'s NumPy forward and backward (transposed recurrence, σ via tanh, one GEMM for all weight
    gradients) against the per-step formulas on the same arrays, for every subset of inputs that needs a gradient
    and upstreams at several steps (of the hidden states; also of the cell states)."""
    import itertools

    from tapegrad._backend import NUMPY
    from tapegrad.ops import rnn_ops

    rng = np.random.default_rng(5)
    b, d, u = 3, 4, 5
    x = rng.normal(size=(b, steps, d)).astype(dtype)
    kernel, uk = (rng.normal(size=(d, 4 * u)) * 0.6).astype(dtype), (rng.normal(size=(u, 4 * u)) * 0.6).astype(dtype)
    h0, c0 = rng.normal(size=(b, u)).astype(dtype), rng.normal(size=(b, u)).astype(dtype)
    ins = (x, kernel) + ((rng.normal(size=(4 * u,)).astype(dtype),) if bias else ()) + (h0, c0, uk)
    p = {"has_bias": bias}
    out = rnn_ops._lstm_seq_fwd(NUMPY, *ins, has_bias=bias)
    ref = rnn_ops._lstm_rec_fwd(NUMPY, rnn_ops._project(NUMPY, x, kernel, ins[2] if bias else None), h0, c0, uk)
    for a, r in zip(out, ref):
        np.testing.assert_allclose(a, r, rtol=tol, atol=tol)
    ghs = np.zeros((steps, b, u), dtype)
    ghs[-1] = rng.normal(size=(b, u))
    ghs[0] += rng.normal(size=(b, u))
    gcs = np.zeros_like(ghs)
    gcs[-1] = rng.normal(size=(b, u))
    # the per-step rule: a non-zero (but negligible) upstream of the gates takes the general path
    tiny = np.full(out[2].shape, 1e-300 if dtype == "float64" else 1e-38, dtype)
    for needs, cells in itertools.product(itertools.product((False, True), repeat=len(ins)), (False, True)):
        gc = gcs if cells else np.zeros_like(ghs)
        slow = rnn_ops._lstm_seq_vjp(NUMPY, (ghs, gc, tiny, None), ins, ref, p, needs)
        # the NumPy rule on its own forward's outputs (views of its buffers) and on plain arrays; the last step's
        # upstream also split between the hidden states and the last-h output, or on the last-h output alone
        head = ghs.copy()
        tail = ghs[-1] * 0.25
        head[-1] = ghs[-1] - tail
        splits = [(ghs, None), (head, tail)] + ([(None, ghs[-1])] if steps == 1 else [])
        for outs, (gh, gl) in itertools.product((out, ref), splits):
            keep = None if gh is None else gh.copy()
            fast = rnn_ops._lstm_seq_vjp(NUMPY, (gh, gc, np.zeros(out[2].shape, dtype), gl), ins, outs, p, needs)
            assert gh is None or np.array_equal(gh, keep)  # the engine's upstream is not written to
            for n, a, r in zip(needs, fast, slow):
                assert (a is None) == (not n)
                if n:
                    assert a.shape == r.shape and a.dtype == np.dtype(dtype)
                    np.testing.assert_allclose(a, r, rtol=tol, atol=tol)


@pytest.mark.parametrize("use", ["cells", "hidden", "last"])
def test_lstm_sequence_gradients_when_one_output_is_unused(use):
    """The engine hands ``lstm_sequence`` None for an output nothing used: gradients through the cell states only
    (hidden states unused), through the hidden states only and through the last-h output only, first and second
    order (the per-step rule fills the None with zeros) against central differences, and a Jacobian against
    row-by-row gradients."""
    from tapegrad.ops.rnn_ops import lstm_sequence

    rng = np.random.default_rng(7)
    x = tf.Variable(rng.normal(size=(2, 3, 2)))
    rest = [tf.constant(rng.normal(size=s) * 0.5) for s in ((2, 8), (8,), (2, 2), (2, 2), (2, 8))]
    pick = 1 if use == "cells" else 0

    def final():  # the last step's state: a slice of every step's, or the op's own last-h output
        if use == "last":
            return lstm_sequence(x, *rest, return_last=True)[2]
        return lstm_sequence(x, *rest)[pick][-1]

    def loss():
        return tf.reduce_sum(final() ** 2)

    with tf.GradientTape(persistent=True) as tape:
        last = final()
        value = tf.reduce_sum(last ** 2)
        rows = [last[i] for i in range(2)]
    np.testing.assert_allclose(tape.gradient(value, x).numpy(), _numeric_grad(lambda: float(loss()), x),
                               rtol=1e-6, atol=1e-9)
    jac = tape.jacobian(last, x).numpy()
    for i in range(2):
        np.testing.assert_allclose(jac[i], tape.jacobian(rows[i], x).numpy(), rtol=1e-12, atol=1e-14)

    def grad_norm():
        with tf.GradientTape() as inner:
            y = loss()
        return tf.reduce_sum(inner.gradient(y, x) ** 2)

    with tf.GradientTape() as outer:
        gn = grad_norm()
    np.testing.assert_allclose(outer.gradient(gn, x).numpy(), _numeric_grad(lambda: float(grad_norm()), x),
                               rtol=1e-5, atol=1e-8)


def test_lstm_default_initial_state_equals_explicit_zeros_per_batch_and_dtype():
    """The fused LSTM's default zero states (cached per batch, units and dtype, read-only) give what explicit zero
    states give, for several batch sizes and dtypes in turn, and what the layer returns is not the cached array."""
    rng = np.random.default_rng(11)
    for dtype in ("float32", "float64", "float32"):
        layer = keras.layers.LSTM(3, return_state=True, dtype=dtype)
        for batch in (2, 5, 2):
            x = rng.normal(size=(batch, 4, 2)).astype(dtype)
            zeros = [np.zeros((batch, 3), dtype)] * 2
            got, want = layer(x), layer(x, initial_state=zeros)
            for a, b in zip(got, want):
                assert a.dtype == b.dtype
                np.testing.assert_array_equal(a.numpy(), b.numpy())
            h = got[1].numpy()
            h += 1  # the caller's copy of a returned state is theirs: the next call still starts from zeros
            np.testing.assert_array_equal(layer(x)[1].numpy(), want[1].numpy())
