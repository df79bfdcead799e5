"""``Model.export``, ``keras.export.ExportArchive`` and ``keras.layers.TFSMLayer``: artifacts reloaded in a fresh
interpreter that does not have the model's code; fine-tuning through the reloaded endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _run(code: str, cwd: Path) -> str:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=dict(os.environ, PYTHONPATH=SRC),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_export_and_tfsm_layer_in_a_fresh_process(tmp_path: Path) -> None:
    _run("""
        import json, numpy as np, tapegrad as tf
        from tapegrad import keras
        class Scale(keras.layers.Layer):  # a custom layer: its class does not exist in the loading process
            def build(self, shape):
                self.s = self.add_weight(shape=(shape[-1],), initializer="ones")
            def call(self, x):
                return x * self.s
        keras.utils.set_random_seed(0)
        inp = keras.Input((4,))
        h = keras.layers.Dense(8, activation="relu")(inp)
        h = keras.layers.BatchNormalization()(h)
        out = keras.layers.Dense(2)(Scale()(h))
        model = keras.Model(inp, out)
        rng = np.random.default_rng(0)
        x, y = rng.normal(size=(16, 4)).astype("float32"), rng.normal(size=(16, 2)).astype("float32")
        model.compile("adam", "mse")
        model.fit(x, y, epochs=2, verbose=0)
        model.export("artifact", verbose=False)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(x, training=False) - y) ** 2)
        grads = tape.gradient(loss, model.trainable_variables)
        json.dump({"pred": model(x[:5]).numpy().tolist(), "grads": [g.numpy().tolist() for g in grads]},
                  open("ref.json", "w"))
    """, tmp_path)
    out = _run("""
        import json, numpy as np, tapegrad as tf
        from tapegrad import keras
        rng = np.random.default_rng(0)
        x, y = rng.normal(size=(16, 4)).astype("float32"), rng.normal(size=(16, 2)).astype("float32")
        r = tf.saved_model.load("artifact")
        layer = keras.layers.TFSMLayer("artifact", call_endpoint="serve")
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((layer(x) - y) ** 2)
        grads = tape.gradient(loss, layer.trainable_weights)
        m2 = keras.Sequential([keras.Input((4,)), layer])
        m2.compile(keras.optimizers.SGD(0.05), "mse")
        hist = m2.fit(x, y, epochs=3, batch_size=16, verbose=0).history["loss"]
        print(json.dumps({
            "serve": r.serve(x[:5]).numpy().tolist(),
            "sig": r.signatures["serving_default"](x[:5])["output_0"].numpy().tolist(),
            "layer": None, "grads": [g.numpy().tolist() for g in grads], "hist": hist,
            "counts": [len(r.variables), len(r.trainable_variables), len(r.non_trainable_variables),
                       len(layer.trainable_weights), len(layer.non_trainable_weights)],
            "config": layer.get_config()["call_endpoint"],
        }))
    """, tmp_path)
    got = json.loads(out)
    ref = json.loads((tmp_path / "ref.json").read_text())
    np.testing.assert_allclose(got["serve"], ref["pred"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got["sig"], ref["pred"], rtol=1e-6, atol=1e-6)
    for g, r in zip(got["grads"], ref["grads"]):  # the same variables in the same order, the same gradients
        np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-6)
    assert got["counts"] == [9, 7, 2, 7, 2] and got["config"] == "serve"
    assert got["hist"][-1] < got["hist"][0]


def test_export_archive_endpoints_and_errors(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    archive = keras.export.ExportArchive()
    with pytest.raises(ValueError, match="No endpoints"):
        archive.write_out(str(tmp_path / "none"), verbose=False)
    with pytest.raises(ValueError, match="not yet been built"):
        archive.track(keras.layers.Dense(3))
    archive.track(model)
    spec = [keras.InputSpec(shape=(None, 3), dtype="float32")]
    archive.add_endpoint("call", lambda x: model(x, training=False), input_signature=spec)
    with pytest.raises(ValueError, match="already taken"):
        archive.add_endpoint("call", lambda x: model(x), input_signature=spec)
    with pytest.raises(ValueError, match="input_signature"):
        archive.add_endpoint("other", lambda x: model(x))
    archive.add_endpoint("double", tf.function(lambda x: 2.0 * model(x), input_signature=[tf.TensorSpec([None, 3])]))
    archive.add_variable_collection("kernels", [model.layers[0].kernel])
    with pytest.raises(ValueError, match="not tracked"):
        archive.add_variable_collection("stray", [keras.Variable(np.ones(2, "float32"))])
    archive.write_out(str(tmp_path / "a"), verbose=False)
    r = tf.saved_model.load(str(tmp_path / "a"))
    x = tf.ones([2, 3])
    np.testing.assert_allclose(r.double(x).numpy(), 2.0 * model(x).numpy(), rtol=1e-6)
    assert sorted(r.signatures) == ["call", "double"]  # no "serve": no serving_default (Keras's rule)
    assert r.kernels[0].shape.as_list() == [3, 2]
    with pytest.raises(ValueError, match="neither an attribute"):
        keras.layers.TFSMLayer(str(tmp_path / "a"), call_endpoint="serve")
    via_signature = keras.layers.TFSMLayer(str(tmp_path / "a"), call_endpoint="call", trainable=False)
    assert via_signature.trainable_weights == [] and len(via_signature.non_trainable_weights) == 2
    with pytest.raises(ValueError, match="format"):
        model.export(str(tmp_path / "b"), format="onnx")


def test_export_prints_its_endpoints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.export(str(tmp_path / "p"))
    printed = capsys.readouterr().out
    assert "Saved artifact at" in printed and "* Endpoint 'serve'" in printed


def test_docstring_examples_run() -> None:
    import doctest

    import tapegrad.keras.export as export_module
    import tapegrad.keras.layers.tfsm_layer as tfsm_module

    for module in (export_module, tfsm_module):
        r = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert r.attempted >= 5 and r.failed == 0, module.__name__
