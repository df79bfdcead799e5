"""compile/fit/evaluate/predict: convergence on small seeded problems, logs, History, progress bar, callbacks."""

from __future__ import annotations

import doctest
import importlib
import io
import re
from contextlib import redirect_stdout

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras


@pytest.fixture(autouse=True)
def fresh_session():
    keras.backend.clear_session()
    keras.utils.set_random_seed(1)


def regression(n=128):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    return x, (x @ np.array([[2.0], [-1.0], [0.5]], np.float32) + 0.25).astype(np.float32)


def classification(n=300):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0.5).astype(np.int64)
    return x, y


def test_fit_linear_regression_converges():
    x, y = regression()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 1e-6 < history.history["loss"][0]
    np.testing.assert_allclose(model.layers[0].kernel.numpy()[:, 0], [2.0, -1.0, 0.5], atol=1e-3)
    assert list(history.history) == ["loss", "mae"] and history.epoch == list(range(30))
    assert history.params == {"verbose": 0, "epochs": 30, "steps": 8}
    assert model.history is history
    loss, mae = model.evaluate(x, y, verbose=0)
    assert loss < 1e-6 and mae < 1e-3
    assert set(model.evaluate(x, y, verbose=0, return_dict=True)) == {"loss", "mae"}
    pred = model.predict(x, batch_size=50, verbose=0)
    assert isinstance(pred, np.ndarray) and pred.shape == (128, 1) and pred.dtype == np.float32
    np.testing.assert_allclose(pred, y, atol=2e-3)


def test_fit_classification_with_accuracy_and_validation():
    x, y = classification()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.BatchNormalization(), keras.layers.Dropout(0.1),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=25, batch_size=32, validation_split=0.2, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.history["val_accuracy"][-1] >= 0.85
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert isinstance(model._compile_metrics[0], keras.metrics.SparseCategoricalAccuracy)
    assert model.metrics_names == ["loss", "compile_metrics"]
    loss_only = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    loss_only.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert isinstance(loss_only.evaluate(x, y, verbose=0), float)


def test_accuracy_resolution_binary_and_categorical():
    x, y = classification(64)
    binary = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    binary.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["acc"])
    binary.fit(x, (y > 0).astype(np.float32)[:, None], epochs=1, verbose=0)
    assert isinstance(binary._compile_metrics[0], keras.metrics.BinaryAccuracy)
    onehot = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
    onehot.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    history = onehot.fit(x, keras.utils.to_categorical(y, 3), epochs=1, verbose=0)
    assert isinstance(onehot._compile_metrics[0], keras.metrics.CategoricalAccuracy)
    assert "accuracy" in history.history


def test_progress_bar_output():
    x, y = regression(40)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    out = io.StringIO()
    with redirect_stdout(out):
        model.fit(x, y, epochs=2, batch_size=16, validation_data=(x, y), verbose=1)
    text = out.getvalue()
    assert text.startswith("Epoch 1/2\n") and "Epoch 2/2\n" in text
    final_lines = re.findall(r"\r\x1b\[1m3/3\x1b\[0m \x1b\[32m━{20}\x1b\[0m\x1b\[37m\x1b\[0m \x1b\[1m\d+s\x1b\[0m "
                             r"\d+(?:ms|us|s)/step - loss: \d+\.\d{4} - val_loss: \d+\.\d{4} *\n", text)
    assert len(final_lines) == 2
    out = io.StringIO()
    with redirect_stdout(out):
        model.fit(x, y, epochs=1, batch_size=16, verbose=2)
        model.evaluate(x, y, verbose=0)
    assert re.fullmatch(r"3/3 - \d+s - \d+(?:ms|us|s)/step - loss: \d+\.\d{4}\n", out.getvalue())
    out = io.StringIO()
    with redirect_stdout(out):
        model.predict(x, verbose=1)
        model.evaluate(x, y, verbose=1)
    assert out.getvalue().count("\n") == 2 and "2/2" in out.getvalue()


def test_progbar_formats_small_values_and_unknown_target():
    buf = io.StringIO()
    bar = keras.utils.Progbar(None, verbose=1, file=buf)
    bar.update(3, [("loss", 1e-5)])
    assert "      3/Unknown" in buf.getvalue() and "loss: 1.0000e-05" in buf.getvalue()


def test_callbacks_lambda_early_stopping_and_stop_training():
    x, y = regression(32)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")  # no progress: early stopping triggers
    events = []
    hooks = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: events.append(("epoch", epoch)),
                                           on_train_batch_end=lambda batch, logs: events.append(("batch", batch)))
    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=2)
    history = model.fit(x, y, epochs=10, batch_size=16, verbose=0, shuffle=False, callbacks=[hooks, stopper])
    assert len(history.epoch) == 3 and stopper.stopped_epoch == 2
    assert events[:3] == [("batch", 0), ("batch", 1), ("epoch", 0)]

    class StopAfterOne(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            assert self.params["epochs"] == 5 and "loss" in logs
            self.model.stop_training = True

    assert model.fit(x, y, epochs=5, verbose=0, callbacks=[StopAfterOne()]).epoch == [0]


def test_fit_is_reproducible_with_set_random_seed():
    x, y = classification(96)

    def train():
        keras.backend.clear_session()
        keras.utils.set_random_seed(42)
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, activation="tanh"),
                                  keras.layers.Dropout(0.2), keras.layers.Dense(3)])
        model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model.fit(x, y, epochs=3, batch_size=16, verbose=0).history["loss"]

    assert train() == train()


def test_sample_and_class_weights():
    x, y = regression(20)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    per_sample = ((y - 0.0) ** 2)[:, 0]
    w = np.arange(20, dtype=np.float32)
    logs = model.fit(x, y, sample_weight=w, batch_size=20, epochs=1, verbose=0).history
    assert logs["loss"][0] == pytest.approx(float(np.sum(per_sample * w) / 20), rel=1e-5)
    labels = (x[:, 0] > 0).astype(np.int32)
    clf = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, kernel_initializer="zeros")])
    clf.compile(optimizer=keras.optimizers.SGD(0.0),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    weighted = clf.fit(x, labels, class_weight={0: 1.0, 1: 3.0}, batch_size=20, verbose=0).history["loss"][0]
    expected = np.log(2) * np.mean(np.where(labels == 1, 3.0, 1.0))
    assert weighted == pytest.approx(expected, rel=1e-5)


def test_multi_output_functional_with_loss_weights_and_regularizer():
    inp = keras.Input((3,))
    h = keras.layers.Dense(4, kernel_regularizer=lambda w: 0.01 * tf.reduce_sum(w * w))(inp)
    out_a, out_b = keras.layers.Dense(1, name="a")(h), keras.layers.Dense(2, name="b")(h)
    model = keras.Model(inp, [out_a, out_b])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=["mse", "mae"], loss_weights=[1.0, 0.5])
    x, y = regression(64)
    y2 = np.concatenate([y, -y], axis=1)
    history = model.fit(x, [y, y2], epochs=20, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    a, b = model.predict(x[:5], verbose=0)
    assert a.shape == (5, 1) and b.shape == (5, 2)
    assert len(model.losses) == 1 and float(model.losses[0]) > 0


def test_custom_train_step_override_and_train_on_batch():
    class Custom(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)
            self.calls = 0

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            self.calls += 1
            return super().train_step(data)

    x, y = regression(32)
    model = Custom()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"], run_eagerly=True)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert model.calls == 8  # run_eagerly=True: the Python step runs for every batch
    compiled = Custom()
    compiled.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    compiled.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert compiled.calls == 1  # the default: one trace, then the compiled step (as Keras's tf.function)
    loss, mae = model.train_on_batch(x, y)
    logs = model.test_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "mae"} and isinstance(loss, float)
    assert model.predict_on_batch(x[:2]).shape == (2, 1)


def test_errors_before_compile_and_without_loss():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    x, y = regression(8)
    with pytest.raises(ValueError, match="compile"):
        model.fit(x, y, verbose=0)
    model.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="loss"):
        model.fit(x, y, verbose=0)
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="cardinality"):
        model.fit(x, y[:5], verbose=0)
    with pytest.raises(ValueError, match="optimizer identifier"):
        model.compile(optimizer="nope", loss="mse")


def test_custom_loop_matches_fit_one_epoch():
    x, y = regression(32)

    def make():
        keras.backend.clear_session()
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="tanh"),
                                  keras.layers.Dense(1)])
        model.set_weights([np.full(w.shape, 0.3, np.float32) for w in model.weights])
        return model

    fitted = make()
    fitted.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
    fitted.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    manual = make()
    opt, loss_fn = keras.optimizers.Adam(0.1), keras.losses.MeanSquaredError()
    for i in range(0, 32, 8):
        with tf.GradientTape() as tape:
            loss = loss_fn(y[i:i + 8], manual(x[i:i + 8], training=True))
        grads = tape.gradient(loss, manual.trainable_variables)
        opt.apply_gradients(zip(grads, manual.trainable_variables))
    for a, b in zip(fitted.get_weights(), manual.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("module", ["tapegrad.keras.callbacks", "tapegrad.keras.models._trainer"])
def test_docstrings_run(module):
    assert doctest.testmod(importlib.import_module(module)).failed == 0


def test_add_loss_and_activity_regularizer_enter_the_training_loss():
    class Penalized(keras.layers.Layer):
        def call(self, x):
            self.add_loss(tf.reduce_sum(x) * 0.0 + 2.0)
            return x

    x, y = regression(16)
    def count_penalty(a):
        return 0.5 * tf.reduce_sum(a * 0.0 + 1.0)

    model = keras.Sequential([keras.Input((3,)), Penalized(),
                              keras.layers.Dense(1, kernel_initializer="zeros", activity_regularizer=count_penalty)])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    model(x)
    assert [float(v) for v in model.losses] == [2.0, 0.5]  # 0.5 * 16 outputs / batch of 16
    model(x)
    assert len(model.losses) == 2  # reset at each outermost call
    loss = model.fit(x, y, batch_size=16, verbose=0).history["loss"][0]
    assert loss == pytest.approx(float(np.mean(y**2)) + 2.5, rel=1e-5)
