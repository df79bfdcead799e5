"""``tf.saved_model``: round trips in a fresh interpreter without the saved class, gradients through restored
functions, signatures, and the errors TF raises (TF's behaviour recorded in comments where it was probed)."""

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

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _run(code: str, cwd: Path) -> str:
    env = dict(os.environ, PYTHONPATH=SRC)
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_round_trip_in_a_fresh_process_without_the_class(tmp_path: Path) -> None:
    # Process 1 defines the class in its __main__ and saves; process 2 cannot import it and loads.
    _run("""
        import json, numpy as np, tapegrad as tf
        class Net(tf.Module):
            def __init__(self):
                super().__init__()
                rng = np.random.default_rng(0)
                self.w = tf.Variable(rng.normal(size=(3, 4)).astype("float32"), name="w")
                self.b = tf.Variable(np.zeros(4, "float32"), name="b")
                self.blocks = [tf.Module(), tf.Module()]
                self.blocks[0].scale = tf.Variable(2.0)
                self.blocks[1].frozen = tf.Variable(1.5, trainable=False)
                self.table = {"shift": tf.Variable(0.25)}
            @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="features")])
            def __call__(self, x):
                h = tf.tanh(tf.matmul(x, self.w) + self.b) * self.blocks[0].scale
                return h + self.table["shift"] * self.blocks[1].frozen
            @tf.function
            def pair(self, x, k=2):
                return {"sum": tf.reduce_sum(x) * k, "max": tf.reduce_max(x)}
        net = Net()
        x = np.linspace(-1, 1, 15, dtype="float32").reshape(5, 3)
        net.pair(tf.constant([1.0, 2.0]))
        tf.saved_model.save(net, "model")
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(net(x) ** 2)
        grads = tape.gradient(y, [net.w, net.b, net.blocks[0].scale])
        json.dump({"y": net(x).numpy().tolist(), "grads": [g.numpy().tolist() for g in grads]}, open("ref.json", "w"))
    """, tmp_path)
    out = _run("""
        import json, numpy as np, tapegrad as tf
        m = tf.saved_model.load("model")
        x = np.linspace(-1, 1, 15, dtype="float32").reshape(5, 3)
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(m(x) ** 2)
        grads = tape.gradient(y, [m.w, m.b, m.blocks[0].scale])
        serve = m.signatures["serving_default"]
        print(json.dumps({
            "y": m(x).numpy().tolist(), "grads": [g.numpy().tolist() for g in grads],
            "serve": serve(features=tf.constant(x))["output_0"].numpy().tolist(),
            "sig_in": sorted(serve.structured_input_signature[1]), "sig_out": sorted(serve.structured_outputs),
            "pair": {k: float(v) for k, v in m.pair(tf.constant([1.0, 2.0])).items()},
            "pair_k": float(m.pair(tf.constant([1.0, 2.0]), k=2)["sum"]),
            "names": [m.w.name, m.blocks[1].frozen.trainable, m.table["shift"].numpy().item()],
            "other_batch": m(x[:2]).shape.as_list(),
            "class_importable": "Net" in dir(__import__("__main__")),
        }))
    """, tmp_path)
    got = json.loads(out)
    ref = json.loads((tmp_path / "ref.json").read_text())
    np.testing.assert_array_equal(got["y"], ref["y"])
    np.testing.assert_array_equal(got["serve"], ref["y"])
    for g, r in zip(got["grads"], ref["grads"]):  # gradients through the loaded function equal the original's
        np.testing.assert_allclose(g, r, rtol=1e-6, atol=1e-7)
    assert got["sig_in"] == ["features"] and got["sig_out"] == ["output_0"]
    assert got["pair"] == {"max": 2.0, "sum": 6.0} and got["pair_k"] == 6.0
    assert got["names"] == ["w:0", False, 0.25]
    assert got["other_batch"] == [2, 4]
    assert got["class_importable"] is False


class _Scale(tf.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = tf.Variable([1.0, -2.0, 3.0])

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def __call__(self, x):
        return tf.nn.relu(x * self.w)


def test_fine_tuning_through_a_loaded_function(tmp_path: Path) -> None:
    tf.saved_model.save(_Scale(), str(tmp_path / "m"))
    m = tf.saved_model.load(str(tmp_path / "m"))
    x = tf.constant(np.random.default_rng(1).normal(size=(8, 3)).astype("float32"))
    target = tf.zeros([8, 3])
    opt = tf.keras.optimizers.SGD(0.1)
    losses = []
    for _ in range(5):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((m(x) - target) ** 2)
        (g,) = tape.gradient(loss, [m.w])
        opt.apply_gradients([(g, m.w)])
        losses.append(float(loss))
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    # the gradient is the original function's for the same variable values
    orig = _Scale()
    orig.w.assign(m.w.numpy())
    with tf.GradientTape() as t1:
        l1 = tf.reduce_sum(orig(x) ** 2)
    with tf.GradientTape() as t2:
        l2 = tf.reduce_sum(m(x) ** 2)
    np.testing.assert_allclose(t2.gradient(l2, m.w).numpy(), t1.gradient(l1, orig.w).numpy(), rtol=1e-6)


def test_second_order_through_a_loaded_function(tmp_path: Path) -> None:
    class Cube(tf.Module):
        def __init__(self):
            super().__init__()
            self.a = tf.Variable(2.0, dtype=tf.float64)

        @tf.function(input_signature=[tf.TensorSpec([], tf.float64)])
        def f(self, x):
            return self.a * x ** 3

    tf.saved_model.save(Cube(), str(tmp_path / "c"))
    m = tf.saved_model.load(str(tmp_path / "c"))
    x = tf.constant(1.5, tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = m.f(x)
        dy = inner.gradient(y, x)
    assert float(dy) == pytest.approx(6.0 * 1.5 ** 2) and float(outer.gradient(dy, x)) == pytest.approx(12.0 * 1.5)


def test_keras_model_function_serves_untraced_batch_sizes(tmp_path: Path) -> None:
    keras = tf.keras
    tf.random.set_seed(0)
    model = keras.Sequential([keras.layers.Input((6, 6, 2)), keras.layers.Conv2D(3, 3, activation="relu"),
                              keras.layers.MaxPooling2D(), keras.layers.Flatten(), keras.layers.Dense(4),
                              keras.layers.Softmax()])
    model.serve = tf.function(lambda x: model(x), input_signature=[tf.TensorSpec([None, 6, 6, 2])])
    weights = [w.numpy().copy() for w in model.weights]
    tf.saved_model.save(model, str(tmp_path / "k"))
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(weights, model.weights))  # nothing of the user's moved
    loaded = tf.saved_model.load(str(tmp_path / "k"))
    for batch in (1, 4, 7):
        x = tf.constant(np.random.default_rng(batch).normal(size=(batch, 6, 6, 2)).astype("float32"))
        np.testing.assert_allclose(loaded.serve(x).numpy(), model(x).numpy(), rtol=1e-5, atol=1e-6)
    # TF's rule: the root's only function with an input_signature is "serving_default"
    out = loaded.signatures["serving_default"](x=tf.ones([3, 6, 6, 2]))
    np.testing.assert_allclose(out["output_0"].numpy(), model(tf.ones([3, 6, 6, 2])).numpy(), rtol=1e-5, atol=1e-6)


def test_default_signature_rule_and_explicit_signatures(tmp_path: Path) -> None:
    # TF: the root's only function with an input_signature becomes "serving_default"; with two, none does.
    class Two(tf.Module):
        def __init__(self):
            super().__init__()
            self.v = tf.Variable([1.0, 2.0])

        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32, name="inp")])
        def f(self, x):
            return x * self.v

        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32), tf.TensorSpec([], tf.float32)])
        def h(self, x, s):
            return x * s, tf.reduce_sum(x)

    two = Two()
    tf.saved_model.save(two, str(tmp_path / "a"))
    assert list(tf.saved_model.load(str(tmp_path / "a")).signatures) == []
    tf.saved_model.save(two, str(tmp_path / "b"), signatures={"a": two.f, "b": two.h.get_concrete_function()})
    m = tf.saved_model.load(str(tmp_path / "b"))
    sa, sb = m.signatures["a"], m.signatures["b"]
    assert sorted(sa.structured_input_signature[1]) == ["inp"]  # TF: the TensorSpec's name
    assert sorted(sb.structured_input_signature[1]) == ["s", "x"]  # TF: the argument names
    assert sorted(sb.structured_outputs) == ["output_0", "output_1"]
    out = sb(x=tf.ones([1, 2]), s=tf.constant(2.0))
    assert out["output_0"].numpy().tolist() == [[2.0, 2.0]] and float(out["output_1"]) == 2.0
    assert sa(tf.ones([1, 2]))["output_0"].numpy().tolist() == [[1.0, 2.0]]  # TF accepts positional too
    with pytest.raises(ValueError, match="input_signature"):
        tf.saved_model.save(two, str(tmp_path / "c"), signatures=tf.function(lambda x: x))


def test_unmatched_call_and_untraced_function(tmp_path: Path) -> None:
    class G(tf.Module):
        @tf.function
        def g(self, x, y=2.0):
            return {"out": x * y}

        @tf.function
        def never(self, x):
            return x

    obj = G()
    obj.g(tf.constant([1.0]))
    obj.g(tf.constant([[1.0]]), y=3.0)
    tf.saved_model.save(obj, str(tmp_path / "g"))
    m = tf.saved_model.load(str(tmp_path / "g"))
    assert m.g(tf.constant([4.0]))["out"].numpy().tolist() == [8.0]
    assert m.g(tf.constant([4.0]), y=2.0)["out"].numpy().tolist() == [8.0]  # the default, given explicitly
    assert m.g(tf.constant([[1.0]]), y=3.0)["out"].numpy().tolist() == [[3.0]]
    with pytest.raises(ValueError, match="Could not find matching concrete function"):  # TF: ValueError
        m.g(tf.constant([1.0]), y=5.0)
    with pytest.raises(ValueError, match="Could not find matching concrete function"):
        m.g(tf.constant([1, 2]))
    with pytest.raises(ValueError, match="Found zero restored functions"):  # TF: the same ValueError
        m.never(tf.constant(1.0))


def test_host_calls_are_refused_at_save_naming_function_and_op(tmp_path: Path) -> None:
    class P(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([3], tf.float32)])
        def f(self, x):
            return tf.py_function(lambda a: a * 2, [x], tf.float32)

    with pytest.raises(ValueError, match=r"'f'.*'py_function'"):
        tf.saved_model.save(P(), str(tmp_path / "p"))
    assert not tf.saved_model.contains_saved_model(str(tmp_path / "p"))


def test_untracked_variable_is_refused_as_tf_does(tmp_path: Path) -> None:
    outside = tf.Variable(2.0)

    class U(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
        def f(self, x):
            return x * outside

    with pytest.raises(AssertionError, match="tracked"):  # TF: AssertionError ('untracked' resource)
        tf.saved_model.save(U(), str(tmp_path / "u"))


def test_not_a_saved_model_and_tf_format_directories(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="SavedModel file does not exist"):  # TF: OSError, the same words
        tf.saved_model.load(str(tmp_path))
    (tmp_path / "saved_model.pb").write_bytes(b"\x08\x01")
    with pytest.raises(OSError, match="TensorFlow SavedModel"):
        tf.saved_model.load(str(tmp_path))
    assert tf.saved_model.contains_saved_model(str(tmp_path)) is False
    with pytest.raises(ValueError, match="Trackable"):
        tf.saved_model.save(object(), str(tmp_path / "x"))


def test_format_is_json_and_npz_without_pickle(tmp_path: Path) -> None:
    tf.saved_model.save(_Scale(), str(tmp_path / "m"))
    manifest = json.loads((tmp_path / "m" / "saved_model.json").read_text())
    assert manifest["format"] == "tapegrad-saved-model" and manifest["version"] == 1
    for name in ("saved_model.npz", "variables/variables.npz"):
        with np.load(tmp_path / "m" / name, allow_pickle=False) as data:
            assert all(data[k].dtype != object for k in data.files)
    # the variables file is a tapegrad checkpoint: tf.train.Checkpoint of the original class reads it
    fresh = _Scale()
    fresh.w.assign([0.0, 0.0, 0.0])
    tf.train.Checkpoint(root=fresh).read(str(tmp_path / "m" / "variables" / "variables.npz"))
    assert fresh.w.numpy().tolist() == [1.0, -2.0, 3.0]
    fp = tf.saved_model.experimental.read_fingerprint(str(tmp_path / "m"))
    tf.saved_model.save(_Scale(), str(tmp_path / "m2"))
    fp2 = tf.saved_model.experimental.read_fingerprint(str(tmp_path / "m2"))
    assert fp.checkpoint_hash == fp2.checkpoint_hash and fp.saved_object_graph_hash == fp2.saved_object_graph_hash
    assert fp == tf.saved_model.experimental.read_fingerprint(str(tmp_path / "m"))


def test_assets_aliases_tags_and_resave(tmp_path: Path) -> None:
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("a\nb\n")
    obj = _Scale()
    obj.vocab = tf.saved_model.Asset(str(vocab))
    obj.where = tf.function(lambda: tf.strings.join([obj.vocab.asset_path, ""]), input_signature=[])
    opts = tf.saved_model.SaveOptions(function_aliases={"scale": obj.__call__})
    tf.saved_model.save(obj, str(tmp_path / "m"), options=opts)
    m = tf.saved_model.load(str(tmp_path / "m"),
                            options=tf.saved_model.LoadOptions(experimental_load_function_aliases=True))
    path = m.vocab.asset_path.numpy().decode()
    assert path.startswith(str(tmp_path / "m" / "assets")) and Path(path).read_text() == "a\nb\n"
    assert m.where().numpy().decode() == path  # the path a function traced is the copy's after load (TF's rule)
    assert m.function_aliases["scale"](tf.ones([1, 3])).numpy().tolist() == [[1.0, 0.0, 3.0]]
    with pytest.raises(RuntimeError, match="tags"):
        tf.saved_model.load(str(tmp_path / "m"), tags=["train"])
    m.w.assign([2.0, 2.0, 2.0])
    tf.saved_model.save(m, str(tmp_path / "again"))  # a restored object saves again, without its class
    again = tf.saved_model.load(str(tmp_path / "again"))
    assert again(tf.ones([2, 3])).numpy().tolist() == [[2.0, 2.0, 2.0]] * 2
    assert list(again.signatures) == []  # two functions with an input_signature (__call__, where): no default


def test_constants_and_options() -> None:
    sm = tf.saved_model
    assert (sm.SERVING, sm.TRAINING, sm.DEFAULT_SERVING_SIGNATURE_DEF_KEY, sm.SAVED_MODEL_SCHEMA_VERSION) == (
        "serve", "train", "serving_default", 1)
    assert (sm.PREDICT_METHOD_NAME, sm.ASSETS_KEY, sm.VARIABLES_FILENAME) == (
        "tensorflow/serving/predict", "saved_model_assets", "variables")
    assert sm.SaveOptions(experimental_variable_policy="save_variable_devices").experimental_variable_policy is \
        sm.experimental.VariablePolicy.SAVE_VARIABLE_DEVICES
    with pytest.raises(ValueError):
        sm.experimental.VariablePolicy.from_obj("bogus")
    with pytest.raises(FileNotFoundError):
        sm.experimental.read_fingerprint("/nonexistent/path")


def test_docstring_examples_run() -> None:
    import doctest
    import importlib

    for name in ("tapegrad.saved_model", "tapegrad.saved_model.experimental"):
        r = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
        assert r.attempted >= 4 and r.failed == 0, name


def test_training_step_with_variable_updates_round_trips(tmp_path: Path) -> None:
    # a tape.gradient inside the function (ReLU/bias rules recorded as single nodes) and assign_sub updates
    class Step(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(np.random.default_rng(0).normal(size=(3, 4)).astype("float32"))
            self.b = tf.Variable(np.zeros(4, "float32"))

        @tf.function(input_signature=[tf.TensorSpec([None, 3]), tf.TensorSpec([None, 4])])
        def train(self, x, y):
            with tf.GradientTape() as t:
                loss = tf.reduce_mean((tf.nn.relu(tf.nn.bias_add(x @ self.w, self.b)) - y) ** 2)
            gw, gb = t.gradient(loss, [self.w, self.b])
            self.w.assign_sub(0.1 * gw)
            self.b.assign_sub(0.1 * gb)
            return loss

    orig = Step()
    tf.saved_model.save(orig, str(tmp_path / "s"))
    loaded = tf.saved_model.load(str(tmp_path / "s"))
    rng = np.random.default_rng(3)
    x = tf.constant(rng.normal(size=(7, 3)).astype("float32"))
    y = tf.constant(rng.normal(size=(7, 4)).astype("float32"))
    for _ in range(3):
        assert float(loaded.train(x, y)) == float(orig.train(x, y))
    np.testing.assert_array_equal(loaded.w.numpy(), orig.w.numpy())
    np.testing.assert_array_equal(loaded.b.numpy(), orig.b.numpy())


def test_save_leaves_the_random_stream_of_a_function_alone(tmp_path: Path) -> None:
    # save traces None-dim signatures at probe sizes (size-polymorphic graphs): the draws those traces make from a
    # function's random generator are put back, so the user's next call draws what it would have drawn
    keras = tf.keras
    model = keras.Sequential([keras.layers.Input((4,)), keras.layers.Dropout(0.5), keras.layers.Dense(2)])
    model.f = tf.function(lambda x: model(x, training=True), input_signature=[tf.TensorSpec([None, 4])])
    model.f(tf.ones([3, 4]))
    cf = model.f.get_concrete_function()
    gens = {id(v): v for paths in cf._by_shape.values() for p in paths for n in p[0].traced_graph.nodes
            for v in n.params.values() if isinstance(v, np.random.Generator)}
    assert gens
    states = {k: g.bit_generator.state for k, g in gens.items()}
    expected = model.f(tf.ones([3, 4])).numpy()
    for k, g in gens.items():
        g.bit_generator.state = states[k]
    tf.saved_model.save(model, str(tmp_path / "d"))
    np.testing.assert_array_equal(model.f(tf.ones([3, 4])).numpy(), expected)


def test_branches_generators_strings_and_ragged_outputs(tmp_path: Path) -> None:
    m = tf.Module()
    # tf.cond: both branches are traced (TF traces both), so the restored function serves either
    m.cond = tf.function(lambda x: tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2.0, lambda: -x),
                         input_signature=[tf.TensorSpec([None])])
    m.gen = tf.random.Generator.from_seed(1)  # its state variable is tracked through the generator
    m.rand = tf.function(lambda x: x + m.gen.normal([3]), input_signature=[tf.TensorSpec([3])])
    m.text = tf.function(lambda s: tf.strings.join([s, "!"]), input_signature=[tf.TensorSpec([None], tf.string)])
    m.ragged = tf.function(lambda x: tf.RaggedTensor.from_row_lengths(x, [1, 2]),
                           input_signature=[tf.TensorSpec([3])])
    tf.saved_model.save(m, str(tmp_path / "m"))
    r = tf.saved_model.load(str(tmp_path / "m"))
    x = tf.constant([1.0, -2.0, 3.0, 4.0])
    assert r.cond(x).numpy().tolist() == [2.0, -4.0, 6.0, 8.0]  # sum > 0: x * 2
    assert r.cond(-x).numpy().tolist() == [1.0, -2.0, 3.0, 4.0]  # sum < 0: -(-x)
    three = tf.constant([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(r.rand(three).numpy(), m.rand(three).numpy())  # the same state, the same draw
    np.testing.assert_array_equal(r.gen._state_var.numpy(), m.gen.state.numpy())
    assert r.text(tf.constant(["a", "bb"])).numpy().tolist() == [b"a!", b"bb!"]
    assert r.ragged(three).to_list() == [[1.0], [2.0, 3.0]]


def test_tf_function_traces_both_branches_of_tf_cond() -> None:
    # (compiler/function.py) tf.cond's predicate is explored like an `if`: the first call traces both branches,
    # as TF's graph cond does, so the other side needs no new trace (and a SavedModel holds both)
    traces = []

    @tf.function
    def f(x):
        traces.append(1)
        return tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2.0, lambda: x - 1.0)

    assert f(tf.constant([1.0, 2.0])).numpy().tolist() == [2.0, 4.0]
    assert len(traces) == 2
    assert f(tf.constant([-1.0, -2.0])).numpy().tolist() == [-2.0, -3.0]
    assert len(traces) == 2


def test_keras_model_saved_directly_gets_tfs_default_signature(tmp_path: Path) -> None:
    # TF 2.21 + Keras 3: tf.saved_model.save(model) gives "serving_default" over the input spec, input "inputs"
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    tf.saved_model.save(model, str(tmp_path / "k"))
    sig = tf.saved_model.load(str(tmp_path / "k")).signatures["serving_default"]
    assert sig.structured_input_signature[1]["inputs"].shape.as_list() == [None, 3]
    assert sig.structured_outputs["output_0"].shape.as_list() == [None, 2]
    x = np.ones((4, 3), "float32")
    np.testing.assert_allclose(sig(inputs=x)["output_0"].numpy(), model(x).numpy(), rtol=1e-6)


def test_trained_keras_model_saves_without_its_compiled_steps(tmp_path: Path) -> None:
    keras = tf.keras
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.BatchNormalization()])
    model.compile("adam", "mse")
    x, y = np.ones((8, 3), "float32"), np.ones((8, 2), "float32")
    model.fit(x, y, epochs=1, verbose=0)  # its train step (a host call to the optimizer) is not part of the save
    tf.saved_model.save(model, str(tmp_path / "t"))
    manifest = json.loads((tmp_path / "t" / "saved_model.json").read_text())
    assert len(manifest["variables"]) == len(model.weights) + len(model.optimizer.variables)
    out = tf.saved_model.load(str(tmp_path / "t")).signatures["serving_default"](inputs=x)["output_0"]
    np.testing.assert_allclose(out.numpy(), model(x).numpy(), rtol=1e-5, atol=1e-6)


def test_tf_print_to_standard_streams_is_saved(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    m = tf.Module()
    m.f = tf.function(lambda x: (tf.print("x:", x, output_stream=sys.stdout, sep="|"), x * 2.0)[1],
                      input_signature=[tf.TensorSpec([None])])
    m.g = tf.function(lambda x: (tf.print(x, output_stream=lambda s: None), x)[1],
                      input_signature=[tf.TensorSpec([2])])
    with pytest.raises(ValueError, match=r"'g'.*'print'.*only sys.stdout"):
        tf.saved_model.save(m, str(tmp_path / "bad"))
    del m.g
    tf.saved_model.save(m, str(tmp_path / "p"))
    capsys.readouterr()
    out = tf.saved_model.load(str(tmp_path / "p")).f(tf.constant([1.0, 2.0]))
    assert capsys.readouterr().out == "x:|[1 2]\n" and out.numpy().tolist() == [2.0, 4.0]


def test_size_polymorphic_graphs_with_several_symbols_and_paths(tmp_path: Path) -> None:
    m = tf.Module()
    m.w = tf.Variable(np.arange(8, dtype="float32").reshape(4, 2))
    # two None dims on different axes: two size symbols, filled independently on load
    m.two = tf.function(lambda a, b: tf.nn.softmax(tf.matmul(a, b)) * tf.reduce_sum(b),
                        input_signature=[tf.TensorSpec([None, 4]), tf.TensorSpec([4, None])])
    # (a reshape to [-1] of that product would be n1 * n2: not affine, and served per traced shape only)
    # a data-dependent branch: both paths are size-polymorphic
    m.branch = tf.function(lambda x: tf.cond(tf.reduce_sum(x) > 0, lambda: tf.reshape(x @ m.w, [-1]) * 2.0,
                                             lambda: tf.reshape(x, [-1])),
                           input_signature=[tf.TensorSpec([None, 4])])
    tf.saved_model.save(m, str(tmp_path / "p"))
    manifest = json.loads((tmp_path / "p" / "saved_model.json").read_text())
    polys = {len(c["polymorphic"]["groups"]): len(c["polymorphic"]["paths"]) for c in manifest["concrete_functions"]}
    assert polys == {2: 1, 1: 2}
    r = tf.saved_model.load(str(tmp_path / "p"))
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(7, 4)).astype("float32"), rng.normal(size=(4, 11)).astype("float32")
    np.testing.assert_allclose(r.two(a, b).numpy(), m.two(a, b).numpy(), rtol=1e-6)
    for x in (np.abs(a), -np.abs(a[:6])):
        np.testing.assert_allclose(r.branch(x).numpy(), m.branch(x).numpy(), rtol=1e-6)
