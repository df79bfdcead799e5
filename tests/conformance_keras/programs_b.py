"""Keras conformance programs for recurrent and attention layers, ``tf.data`` pipelines into ``fit``, the
thresholded metrics and custom ``Metric`` subclasses, and the Nadam/Adamax/Adadelta/Ftrl/Lion optimizers.

Registered into ``programs.PROGRAMS`` (imported at the end of programs.py). Layer programs copy the same seeded
initial weights into both libraries and train a few steps; they return losses and final weights.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .programs import PROGRAMS, _sparse_trajectory, _trajectory, arr, caught, program

# ----------------------------------------------------------------------------------------------------------------
# optimizers

_NEW_OPTIMIZERS: dict[str, Callable[[Any], Any]] = {
    "nadam": lambda k: k.optimizers.Nadam(0.01),
    "nadam_betas": lambda k: k.optimizers.Nadam(0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-4),
    "adamax": lambda k: k.optimizers.Adamax(0.01),
    "adadelta": lambda k: k.optimizers.Adadelta(1.0),
    "adadelta_rho": lambda k: k.optimizers.Adadelta(0.5, rho=0.8, epsilon=1e-5),
    "ftrl": lambda k: k.optimizers.Ftrl(0.1),
    "ftrl_regularized": lambda k: k.optimizers.Ftrl(0.05, learning_rate_power=-0.7, initial_accumulator_value=0.3,
                                                    l1_regularization_strength=0.01,
                                                    l2_regularization_strength=0.02,
                                                    l2_shrinkage_regularization_strength=0.01, beta=0.1),
    "lion": lambda k: k.optimizers.Lion(0.003),
    "lion_weight_decay": lambda k: k.optimizers.Lion(0.002, beta_1=0.95, beta_2=0.98, weight_decay=0.1),
    "nadam_clipnorm": lambda k: k.optimizers.Nadam(0.01, clipnorm=1.0),
}


def _register() -> None:
    for name, make in _NEW_OPTIMIZERS.items():
        def dense_prog(tf: Any, keras: Any, make: Callable[[Any], Any] = make) -> Any:
            return _trajectory(tf, keras, make)

        dense_prog.__doc__ = f"Keras 3 {name}: 100 steps of fixed gradients, trajectory and slots."
        PROGRAMS[f"trajectory_{name}"] = dense_prog
    for name in ("nadam", "adamax", "adadelta", "ftrl", "lion"):
        def sparse_prog(tf: Any, keras: Any, make: Callable[[Any], Any] = _NEW_OPTIMIZERS[name]) -> Any:
            return _sparse_trajectory(tf, keras, make)

        sparse_prog.__doc__ = f"Keras 3 {name} on IndexedSlices gradients with duplicate rows."
        PROGRAMS[f"sparse_trajectory_{name}"] = sparse_prog


_register()


@program
def prog_new_optimizer_configs_and_errors(tf: Any, keras: Any) -> Any:
    """get() by name, get_config keys, and argument checks of the new optimizers."""
    names = ["nadam", "adamax", "adadelta", "ftrl", "lion"]
    configs = {n: sorted(k for k in keras.optimizers.get(n).get_config()
                         if k not in ("name", "use_ema", "ema_momentum", "ema_overwrite_frequency",
                                      "loss_scale_factor", "gradient_accumulation_steps", "is_legacy_optimizer"))
               for n in names}
    errors = [caught(lambda: keras.optimizers.Lion(beta_1=0.0)),
              caught(lambda: keras.optimizers.Ftrl(initial_accumulator_value=-1.0)),
              caught(lambda: keras.optimizers.Ftrl(learning_rate_power=0.5))]
    return configs, errors


# ----------------------------------------------------------------------------------------------------------------
# metrics

def _clf_data(seed: int = 20) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y_true = (rng.random((12, 3)) > 0.5).astype(np.float32)
    y_pred = rng.random((12, 3)).astype(np.float32)
    weights = rng.random((12,)).astype(np.float32)
    return y_true, y_pred, weights


@program
def prog_metrics_precision_recall(tf: Any, keras: Any) -> Any:
    """Precision/Recall: default threshold, threshold lists, top_k, class_id, sample weights, streaming, reset."""
    y_true, y_pred, w = _clf_data()
    out = {}
    for name, make in (("p", lambda: keras.metrics.Precision()), ("r", lambda: keras.metrics.Recall()),
                       ("p_thr", lambda: keras.metrics.Precision(thresholds=[0.2, 0.5, 0.8])),
                       ("r_thr", lambda: keras.metrics.Recall(thresholds=[0.0, 0.3, 0.9])),
                       ("p_top2", lambda: keras.metrics.Precision(top_k=2)),
                       ("r_class1", lambda: keras.metrics.Recall(class_id=1)),
                       ("p_top1_class2", lambda: keras.metrics.Precision(top_k=1, class_id=2))):
        m = make()
        m.update_state(y_true[:6], y_pred[:6])
        first = arr(m.result())
        m.update_state(y_true[6:], y_pred[6:], sample_weight=w[6:])
        second = arr(m.result())
        m.reset_state()
        out[name] = (first, second, arr(m.result()), [arr(v) for v in m.variables])
    return out


@program
def prog_metrics_confusion_counts(tf: Any, keras: Any) -> Any:
    """TruePositives/FalsePositives/TrueNegatives/FalseNegatives with thresholds and weights."""
    y_true, y_pred, w = _clf_data(21)
    out = {}
    for cls in ("TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives"):
        m = getattr(keras.metrics, cls)(thresholds=[0.25, 0.75])
        m.update_state(y_true, y_pred, sample_weight=w[:, None])
        single = getattr(keras.metrics, cls)()
        single.update_state(y_true[:, 0], y_pred[:, 0])
        out[cls] = (arr(m.result()), arr(single.result()))
    return out


@program
def prog_metrics_auc(tf: Any, keras: Any) -> Any:
    """AUC: ROC and PR, the three summation methods, thresholds, multi_label, label_weights, from_logits."""
    rng = np.random.default_rng(22)
    y_true = (rng.random((40, 2)) > 0.4).astype(np.float32)
    y_pred = np.clip(y_true * 0.3 + rng.random((40, 2)) * 0.7, 0, 1).astype(np.float32)
    out = {}
    cases = {
        "roc": {}, "pr": {"curve": "PR"}, "roc_minoring": {"summation_method": "minoring"},
        "pr_majoring": {"curve": "PR", "summation_method": "majoring"}, "roc_n10": {"num_thresholds": 10},
        "thresholds": {"thresholds": [0.1, 0.4, 0.6, 0.9]},
        "multi_label": {"multi_label": True}, "multi_label_pr": {"multi_label": True, "curve": "PR"},
        "label_weights": {"multi_label": True, "label_weights": [0.2, 0.8]},
    }
    for name, kwargs in cases.items():
        m = keras.metrics.AUC(**kwargs)
        m.update_state(y_true[:20], y_pred[:20])
        m.update_state(y_true[20:], y_pred[20:], sample_weight=np.linspace(0.5, 1.5, 20).astype(np.float32))
        out[name] = arr(m.result())
    logits = keras.metrics.AUC(from_logits=True)
    logits.update_state(y_true[:, 0], (y_pred[:, 0] - 0.5) * 6)
    out["from_logits"] = arr(logits.result())
    return out


@program
def prog_custom_metric_subclass(tf: Any, keras: Any) -> Any:
    """A streaming Huber metric written as a Metric subclass (add_weight, update_state, result, reset_state)."""

    class HuberMetric(keras.metrics.Metric):
        def __init__(self, threshold: float = 1.0, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.threshold = threshold
            self.total = self.add_weight(name="total", initializer="zeros")
            self.count = self.add_weight(name="count", initializer="zeros")

        def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
            err = tf.convert_to_tensor(y_true) - tf.convert_to_tensor(y_pred)
            small = tf.abs(err) < self.threshold
            loss = tf.where(small, tf.square(err) / 2, self.threshold * tf.abs(err) - self.threshold ** 2 / 2)
            self.total.assign_add(tf.reduce_sum(loss))
            self.count.assign_add(tf.cast(tf.size(y_true), tf.float32))

        def result(self) -> Any:
            return self.total / self.count

    m = HuberMetric(2.0, name="huber")
    a = np.array([0.0, 1.0, 5.0], np.float32)
    b = np.array([0.5, 3.5, 1.0], np.float32)
    m.update_state(a, b)
    first = arr(m.result())
    m.update_state(b, a * 2)
    second = arr(m.result())
    names = [v.name.split(":")[0] for v in m.variables]
    m.reset_state()
    bad = caught(lambda: HuberMetric.__bases__[0].add_weight(m, "total", initializer="zeros"))
    return first, second, [arr(v) for v in m.variables], names, m.name, bad


@program
def prog_fit_with_precision_recall_auc(tf: Any, keras: Any) -> Any:
    """compile(metrics=[Precision, Recall, AUC]) in fit/evaluate: history keys and values."""
    keras.backend.clear_session(free_memory=False)
    rng = np.random.default_rng(23)
    x = rng.standard_normal((48, 4)).astype(np.float32)
    y = (x[:, 0] - x[:, 1] > 0).astype(np.float32)[:, None]
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.set_weights([(rng.standard_normal((4, 1)) * 0.3).astype(np.float32), np.zeros((1,), np.float32)])
    model.compile(optimizer=keras.optimizers.SGD(0.2), loss="binary_crossentropy",
                  metrics=[keras.metrics.Precision(name="precision"), keras.metrics.Recall(name="recall"),
                           keras.metrics.AUC(name="auc")])
    history = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    return ({k: np.array(v, np.float32) for k, v in history.history.items()},
            np.array(model.evaluate(x, y, batch_size=16, verbose=0), np.float32))


# ----------------------------------------------------------------------------------------------------------------
# recurrent and attention layers: seeded initial weights, a few training steps


def _copy_weights(model: Any, seed: int) -> None:
    rng = np.random.default_rng(seed)
    model.set_weights([(rng.standard_normal(w.shape) * 0.4).astype(np.float32) for w in model.weights])


def _train(tf: Any, keras: Any, model: Any, x: Any, y: Any, loss: str = "mse", steps: int = 4,
           optimizer: Any = None) -> Any:
    model.compile(optimizer=optimizer or keras.optimizers.SGD(0.1), loss=loss)
    history = model.fit(x, y, batch_size=len(y) // 2, epochs=steps // 2, shuffle=False, verbose=0)
    return (np.array(history.history["loss"], np.float32), [arr(w) for w in model.weights],
            arr(model.predict(x, batch_size=len(y), verbose=0)), model.count_params())


def _seq_data(seed: int, n: int = 8, t: int = 5, d: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, t, d)).astype(np.float32)
    y = np.tanh(x.sum(axis=(1, 2)))[:, None].astype(np.float32)
    return x, y


def _layer_program(make: Callable[[Any], list[Any]], seed: int, doc: str, loss: str = "mse",
                   adam: bool = False) -> Callable[[Any, Any], Any]:
    def prog(tf: Any, keras: Any) -> Any:
        keras.backend.clear_session(free_memory=False)
        x, y = _seq_data(seed)
        model = keras.Sequential([keras.Input((5, 3)), *make(keras)])
        _copy_weights(model, seed + 100)
        opt = keras.optimizers.Adam(0.01) if adam else None
        return _train(tf, keras, model, x, y, loss=loss, optimizer=opt)

    prog.__doc__ = doc
    return prog


_LAYER_CASES: dict[str, tuple[Callable[[Any], list[Any]], str, bool]] = {
    "simple_rnn": (lambda k: [k.layers.SimpleRNN(4), k.layers.Dense(1)], "SimpleRNN(4) → Dense", False),
    "simple_rnn_seq_relu": (lambda k: [k.layers.SimpleRNN(3, activation="relu", return_sequences=True),
                                       k.layers.Flatten(), k.layers.Dense(1)], "SimpleRNN relu sequences", False),
    "lstm": (lambda k: [k.layers.LSTM(4), k.layers.Dense(1)], "LSTM(4) → Dense", False),
    "lstm_adam_backwards": (lambda k: [k.layers.LSTM(3, go_backwards=True, unit_forget_bias=False),
                                       k.layers.Dense(1)], "LSTM go_backwards with Adam", True),
    "lstm_stacked": (lambda k: [k.layers.LSTM(4, return_sequences=True), k.layers.LSTM(2), k.layers.Dense(1)],
                     "two stacked LSTMs", False),
    "lstm_custom_activations": (lambda k: [k.layers.LSTM(3, activation="relu", recurrent_activation="hard_sigmoid"),
                                           k.layers.Dense(1)], "LSTM with relu / hard_sigmoid", False),
    "gru": (lambda k: [k.layers.GRU(4), k.layers.Dense(1)], "GRU(4) (reset_after=True) → Dense", False),
    "gru_v1": (lambda k: [k.layers.GRU(4, reset_after=False, return_sequences=True), k.layers.GRU(2),
                          k.layers.Dense(1)], "GRU reset_after=False stacked", True),
    "bidirectional_lstm": (lambda k: [k.layers.Bidirectional(k.layers.LSTM(3)), k.layers.Dense(1)],
                           "Bidirectional(LSTM) concat", False),
    "bidirectional_gru_sum": (lambda k: [k.layers.Bidirectional(k.layers.GRU(3, return_sequences=True),
                                                                merge_mode="sum"), k.layers.Flatten(),
                                         k.layers.Dense(1)], "Bidirectional(GRU) sum, sequences", False),
    "rnn_stacked_cells": (lambda k: [k.layers.RNN([k.layers.LSTMCell(3), k.layers.GRUCell(2),
                                                   k.layers.SimpleRNNCell(2)]), k.layers.Dense(1)],
                          "RNN over stacked LSTM/GRU/SimpleRNN cells", False),
    "time_distributed": (lambda k: [k.layers.TimeDistributed(k.layers.Dense(2, activation="tanh")),
                                    k.layers.LSTM(2), k.layers.Dense(1)], "TimeDistributed(Dense) → LSTM", False),
}

for _i, (_name, (_make, _doc, _adam)) in enumerate(_LAYER_CASES.items()):
    PROGRAMS[f"train_{_name}"] = _layer_program(_make, 60 + _i, _doc, adam=_adam)


@program
def prog_train_embedding_mask_lstm(tf: Any, keras: Any) -> Any:
    """Embedding(mask_zero=True) → LSTM → Dense on padded id sequences: the mask skips the padding."""
    keras.backend.clear_session(free_memory=False)
    rng = np.random.default_rng(40)
    ids = rng.integers(1, 9, size=(8, 6)).astype(np.int32)
    for i in range(8):
        ids[i, 6 - i % 4:] = 0
    y = (ids.sum(1) % 3 == 0).astype(np.float32)[:, None]
    model = keras.Sequential([keras.Input((6,), dtype="int32"), keras.layers.Embedding(9, 3, mask_zero=True),
                              keras.layers.LSTM(4), keras.layers.Dense(1, activation="sigmoid")])
    _copy_weights(model, 41)
    return _train(tf, keras, model, ids, y, loss="binary_crossentropy")


@program
def prog_train_functional_bidirectional_mask(tf: Any, keras: Any) -> Any:
    """A functional Embedding(mask_zero) → Bidirectional(GRU, sequences) → GlobalAverage-free head."""
    keras.backend.clear_session(free_memory=False)
    rng = np.random.default_rng(42)
    ids = rng.integers(1, 7, size=(6, 5)).astype(np.int32)
    ids[:3, 3:] = 0
    y = rng.standard_normal((6, 1)).astype(np.float32)
    inp = keras.Input((5,), dtype="int32")
    h = keras.layers.Embedding(7, 3, mask_zero=True)(inp)
    h = keras.layers.Bidirectional(keras.layers.GRU(2))(h)
    model = keras.Model(inp, keras.layers.Dense(1)(h))
    _copy_weights(model, 43)
    return _train(tf, keras, model, ids, y)


@program
def prog_train_multi_head_attention(tf: Any, keras: Any) -> Any:
    """Self-attention block: MultiHeadAttention(2 heads) with a causal mask, then Flatten → Dense."""
    keras.backend.clear_session(free_memory=False)
    x, y = _seq_data(44, d=4)
    inp = keras.Input((5, 4))
    att = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)(inp, inp, use_causal_mask=True)
    model = keras.Model(inp, keras.layers.Dense(1)(keras.layers.Flatten()(att)))
    _copy_weights(model, 45)
    return _train(tf, keras, model, x, y)


@program
def prog_train_multi_head_attention_cross(tf: Any, keras: Any) -> Any:
    """Cross-attention with value_dim, output_shape and an attention mask; scores returned too."""
    keras.backend.clear_session(free_memory=False)
    rng = np.random.default_rng(46)
    q = rng.standard_normal((4, 3, 5)).astype(np.float32)
    v = rng.standard_normal((4, 6, 2)).astype(np.float32)
    mask = rng.random((4, 3, 6)) > 0.3
    layer = keras.layers.MultiHeadAttention(num_heads=3, key_dim=2, value_dim=4, output_shape=2)
    layer(q, v)
    rng2 = np.random.default_rng(47)
    layer.set_weights([(rng2.standard_normal(w.shape) * 0.4).astype(np.float32) for w in layer.weights])
    opt = keras.optimizers.SGD(0.1)
    losses = []
    for _ in range(3):
        with tf.GradientTape() as tape:
            out, scores = layer(q, v, attention_mask=mask, return_attention_scores=True)
            loss = tf.reduce_mean(tf.square(out - 0.5))
        grads = tape.gradient(loss, layer.trainable_weights)
        opt.apply_gradients(zip(grads, layer.trainable_weights))
        losses.append(np.float32(loss))
    return np.array(losses), arr(scores), [arr(w) for w in layer.weights]


@program
def prog_train_attention_layers(tf: Any, keras: Any) -> Any:
    """Attention (dot, scaled; concat) and AdditiveAttention on [query, value, key] with masks, trained."""
    keras.backend.clear_session(free_memory=False)
    rng = np.random.default_rng(48)
    q = rng.standard_normal((3, 2, 4)).astype(np.float32)
    v = rng.standard_normal((3, 5, 4)).astype(np.float32)
    k = rng.standard_normal((3, 5, 4)).astype(np.float32)
    vmask = rng.random((3, 5)) > 0.3
    vmask[:, 0] = True
    out = {}
    for name, layer in (("dot_scale", keras.layers.Attention(use_scale=True)),
                        ("concat", keras.layers.Attention(score_mode="concat", use_scale=True)),
                        ("additive", keras.layers.AdditiveAttention())):
        layer([q, v, k])
        if layer.weights:
            layer.set_weights([np.full(w.shape, 0.7, np.float32) for w in layer.weights])
        opt = keras.optimizers.SGD(0.5)
        losses = []
        for _ in range(3):
            with tf.GradientTape() as tape:
                res, sc = layer([q, v, k], mask=[None, vmask], return_attention_scores=True)
                loss = tf.reduce_mean(tf.square(res))
            if layer.trainable_weights:
                grads = tape.gradient(loss, layer.trainable_weights)
                opt.apply_gradients(zip(grads, layer.trainable_weights))
            losses.append(np.float32(loss))
        causal = layer([q, q], use_causal_mask=True)
        out[name] = (np.array(losses), arr(sc), [arr(w) for w in layer.weights], arr(causal))
    return out


# ----------------------------------------------------------------------------------------------------------------
# tf.data pipelines into fit


@program
def prog_fit_dataset_pipeline(tf: Any, keras: Any) -> Any:
    """from_tensor_slices → map → cache → batch → prefetch into fit (validation dataset), evaluate, predict."""
    keras.backend.clear_session(free_memory=False)
    rng = np.random.default_rng(50)
    x = rng.standard_normal((30, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-1.0], [0.5]], np.float32)).astype(np.float32)
    ds = (tf.data.Dataset.from_tensor_slices((x, y)).map(lambda a, b: (a * 2.0, b)).cache().batch(8)
          .prefetch(tf.data.AUTOTUNE))
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    _copy_weights(model, 51)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    history = model.fit(ds, epochs=3, verbose=0, validation_data=ds.take(2))
    return ({k: np.array(v, np.float32) for k, v in history.history.items()}, history.params,
            np.array(model.evaluate(ds, verbose=0), np.float32), arr(model.predict(ds, verbose=0)),
            [arr(w) for w in model.weights])


@program
def prog_fit_dataset_steps_per_epoch_generator(tf: Any, keras: Any) -> Any:
    """from_generator (unknown cardinality) with steps_per_epoch: the iterator carries across epochs."""
    keras.backend.clear_session(free_memory=False)
    rng = np.random.default_rng(52)
    x = rng.standard_normal((20, 2)).astype(np.float32)
    y = (x[:, :1] * 3 - x[:, 1:]).astype(np.float32)

    def gen() -> Any:
        for i in range(20):
            yield x[i], y[i]

    ds = tf.data.Dataset.from_generator(gen, output_signature=(tf.TensorSpec((2,), tf.float32),
                                                               tf.TensorSpec((1,), tf.float32))).batch(5)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    _copy_weights(model, 53)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    history = model.fit(ds, epochs=3, steps_per_epoch=3, verbose=0)
    return np.array(history.history["loss"], np.float32), int(np.asarray(model.optimizer.iterations)), \
        [arr(w) for w in model.weights]
