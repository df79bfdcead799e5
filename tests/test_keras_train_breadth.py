"""Training breadth beyond the Keras conformance lane (programs_ktrain.py): RemoteMonitor against a local HTTP
server, loss scaling inside fit, LossScaleOptimizer in a compiled step, EMA errors and (de)serialization."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.parse
from typing import Any

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras


def _model(optimizer: Any, seed: int = 0) -> Any:
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(tuple(w.shape)).astype(np.float32) for w in model.weights])
    model.compile(optimizer=optimizer, loss="mse")
    return model


def _data(n: int = 32) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    return x, (x @ np.array([[1.0], [-2.0], [0.5]], np.float32)).astype(np.float32)


class _Recorder(http.server.BaseHTTPRequestHandler):
    received: list[tuple[str, str, str]] = []

    def do_POST(self) -> None:  # noqa: N802  (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Any:
    _Recorder.received = []
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Recorder.received
    httpd.shutdown()
    httpd.server_close()


def test_remote_monitor_posts_each_epoch_as_a_form_field(server: Any) -> None:
    root, received = server
    model = _model(keras.optimizers.SGD(0.01))
    history = model.fit(*_data(), epochs=2, batch_size=16, verbose=0,
                        callbacks=[keras.callbacks.RemoteMonitor(root=root, path="/ep/", field="payload")])
    assert [r[0] for r in received] == ["/ep/", "/ep/"]
    assert received[0][1] == "application/x-www-form-urlencoded"
    sent = [json.loads(urllib.parse.parse_qs(r[2])["payload"][0]) for r in received]
    assert [s["epoch"] for s in sent] == [0, 1]
    np.testing.assert_allclose([s["loss"] for s in sent], history.history["loss"], rtol=1e-6)


def test_remote_monitor_json_body_and_headers(server: Any) -> None:
    root, received = server
    model = _model(keras.optimizers.SGD(0.01))
    cb = keras.callbacks.RemoteMonitor(root=root, send_as_json=True, headers={"X-Run": "7"})
    model.fit(*_data(), epochs=1, batch_size=16, verbose=0, callbacks=[cb])
    (path, ctype, body), = received
    assert path == "/publish/epoch/end/" and ctype == "application/json"
    assert sorted(json.loads(body)) == ["epoch", "loss"]


def test_remote_monitor_unreachable_server_warns() -> None:
    with http.server.HTTPServer(("127.0.0.1", 0), _Recorder) as httpd:
        port = httpd.server_address[1]  # closed again: nothing listens there
    model = _model(keras.optimizers.SGD(0.01))
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor"):
        model.fit(*_data(), epochs=1, verbose=0, callbacks=[keras.callbacks.RemoteMonitor(f"http://127.0.0.1:{port}")])


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_fit_scales_the_loss_and_unscales_the_gradients(run_eagerly: bool) -> None:
    plain = _model(keras.optimizers.SGD(0.05, momentum=0.5))
    plain.run_eagerly = run_eagerly
    plain.fit(*_data(), epochs=2, batch_size=8, shuffle=False, verbose=0)
    expected = [w.numpy() for w in plain.weights]
    for opt in (keras.optimizers.SGD(0.05, momentum=0.5, loss_scale_factor=8.0),
                keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.05, momentum=0.5), initial_scale=64.0,
                                                    dynamic_growth_steps=3)):
        model = _model(opt)
        model.run_eagerly = run_eagerly
        history = model.fit(*_data(), epochs=2, batch_size=8, shuffle=False, verbose=0)
        for w, e in zip(model.weights, expected):
            np.testing.assert_allclose(w.numpy(), e, rtol=1e-5, atol=1e-6)
        assert min(history.history["loss"]) < 10  # the logged loss is the unscaled one
    assert float(opt.dynamic_scale.numpy()) == 64.0 * 2 ** 2  # 8 finite steps, growth every 3


def test_loss_scale_optimizer_in_a_compiled_step_skips_non_finite_gradients() -> None:
    v = tf.Variable([1.0, 2.0])
    opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(1.0), initial_scale=2.0)

    @tf.function
    def step(g: Any) -> None:
        opt.apply_gradients([(g, v)])

    step(tf.constant([2.0, 4.0]))
    step(tf.constant([np.nan, 4.0]))
    np.testing.assert_array_equal(v.numpy(), [0.0, 0.0])
    assert float(opt.dynamic_scale.numpy()) == 1.0 and int(opt.iterations.numpy()) == 1


def test_loss_scale_optimizer_round_trips_and_rejects_base_arguments() -> None:
    opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(0.003), initial_scale=128.0,
                                              dynamic_growth_steps=7)
    again = keras.optimizers.LossScaleOptimizer.from_config(opt.get_config())
    assert isinstance(again.inner_optimizer, keras.optimizers.Adam)
    assert (again.initial_scale, again.dynamic_growth_steps) == (128.0, 7)
    assert again.inner_optimizer.get_config()["learning_rate"] == pytest.approx(0.003)
    with pytest.raises(ValueError, match="`clipnorm`"):
        keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(), clipnorm=1.0)
    with pytest.raises(TypeError, match="wraps a keras.optimizers.Optimizer"):
        keras.optimizers.LossScaleOptimizer("sgd")


@pytest.mark.parametrize("name", ["Adafactor", "Lamb", "Muon", "ScheduleFreeAdamW"])
def test_new_optimizers_serialize_by_name(name: str) -> None:
    opt = getattr(keras.optimizers, name)(learning_rate=0.02)
    again = keras.optimizers.deserialize(keras.optimizers.serialize(opt))
    assert type(again) is type(opt) and again.get_config() == opt.get_config()
    assert type(keras.optimizers.get(name.lower())) is type(opt)


def test_swap_ema_weights_needs_an_ema_optimizer() -> None:
    model = _model(keras.optimizers.SGD(0.01))
    with pytest.raises(ValueError, match="use_ema=True"):
        model.fit(*_data(), epochs=1, verbose=0, validation_data=_data(8),
                  callbacks=[keras.callbacks.SwapEMAWeights()])


def test_ema_swap_leaves_the_training_weights_after_evaluate() -> None:
    model = _model(keras.optimizers.SGD(0.05, use_ema=True, ema_momentum=0.5))
    cb = keras.callbacks.SwapEMAWeights()
    model.fit(*_data(), epochs=1, batch_size=8, verbose=0, callbacks=[cb])
    weights = [w.numpy().copy() for w in model.weights]  # fit ended on the averages (finalize_variable_values)
    model.evaluate(*_data(8), verbose=0, callbacks=[cb])
    model.predict(_data(8)[0], verbose=0, callbacks=[cb])
    for w, before in zip(model.weights, weights):
        np.testing.assert_array_equal(w.numpy(), before)


def test_orthogonal_regularizer_is_zero_for_orthogonal_rows_and_differentiable() -> None:
    reg = keras.regularizers.OrthogonalRegularizer(1.0)
    assert float(reg(tf.constant(np.eye(3, dtype=np.float32) * 5.0))) == 0.0
    w = tf.Variable(np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32))
    with tf.GradientTape() as tape:
        value = reg(w)
    assert float(value) > 0 and tape.gradient(value, w).shape == (3, 4)
    assert keras.regularizers.get("orthogonal_regularizer").get_config() == {"factor": 0.01, "mode": "rows"}
