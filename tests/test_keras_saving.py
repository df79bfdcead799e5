"""keras.saving: .keras round trips (predictions and continued training identical, optimizer state restored),
.weights.h5 and .npz weights, configs (Sequential, functional, JSON, clone_model), custom objects and their
errors. Keras 3 interop is checked in tests/conformance_keras/test_keras_saving_interop.py."""

from __future__ import annotations

import json
import sys
import zipfile

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

pytest.importorskip("h5py")
L = keras.layers


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(seed)
    return rng.randn(16, 6).astype("float32"), rng.randn(16, 2).astype("float32")


def _sequential() -> keras.Model:
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), L.Dense(8, activation="relu"), L.BatchNormalization(),
                              L.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model


def _functional() -> keras.Model:
    keras.backend.clear_session()
    keras.utils.set_random_seed(1)
    a, b = keras.Input((6,), name="a"), keras.Input((3,), name="b")
    shared = L.Dense(4, activation="tanh", name="shared")
    h = L.Concatenate()([shared(a), L.Dense(4)(b)])
    h = L.LayerNormalization()(L.Add()([h, L.Dense(8)(a)]))
    model = keras.Model({"a": a, "b": b}, [L.Dense(2, name="out")(h), shared(a)], name="two_heads")
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss=["mse", "mse"])
    return model


def test_sequential_keras_file_round_trip_resumes_training(tmp_path) -> None:
    x, y = _data()
    model = _sequential()
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    path = tmp_path / "seq.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is keras.Sequential and [la.name for la in loaded.layers] == [la.name for la in model.layers]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert type(loaded.optimizer) is keras.optimizers.Adam and int(loaded.optimizer.iterations.numpy()) == 4
    for mine, theirs in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    h1 = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    h2 = loaded.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    assert h1 == h2
    for a, b in zip(model.weights, loaded.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_archive_layout_is_keras_3(tmp_path) -> None:
    import h5py

    model = _sequential()
    model.fit(*_data(), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        assert sorted(zf.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        config = json.loads(zf.read("config.json"))
        meta = json.loads(zf.read("metadata.json"))
        zf.extract("model.weights.h5", tmp_path)
    assert meta["keras_version"] == "3.15.1" and "date_saved" in meta
    assert (config["module"], config["class_name"], config["registered_name"]) == ("keras", "Sequential", None)
    assert config["build_config"] == {"input_shape": [None, 6]}
    dense = config["config"]["layers"][1]
    assert dense["module"] == "keras.layers" and dense["class_name"] == "Dense"
    assert dense["config"]["dtype"] == {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                                        "registered_name": None}
    assert dense["config"]["kernel_initializer"]["module"] == "keras.initializers"
    assert dense["build_config"] == {"input_shape": [None, 6]}
    compile_config = config["compile_config"]
    assert compile_config["optimizer"]["class_name"] == "Adam" and compile_config["loss"] == "mse"
    assert compile_config["metrics"] == ["mae"]
    with h5py.File(tmp_path / "model.weights.h5") as f:
        names = []
        f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        assert f["layers/dense/vars"].attrs["name"] == "dense"
    assert sorted(n for n in names if n.startswith("layers")) == [
        "layers/batch_normalization/vars/0", "layers/batch_normalization/vars/1", "layers/batch_normalization/vars/2",
        "layers/batch_normalization/vars/3", "layers/dense/vars/0", "layers/dense/vars/1", "layers/dense_1/vars/0",
        "layers/dense_1/vars/1"]
    assert len([n for n in names if n.startswith("optimizer/vars/")]) == len(model.optimizer.variables)


def test_functional_round_trip_and_config(tmp_path) -> None:
    x, y = _data()
    xb = np.random.RandomState(3).randn(16, 3).astype("float32")
    inputs = {"a": x, "b": xb}
    model = _functional()
    model.fit(inputs, [y, y[:, :1].repeat(4, 1)], batch_size=8, epochs=1, shuffle=False, verbose=0)
    config = model.get_config()
    assert config["input_layers"] == {"a": ["a", 0, 0], "b": ["b", 0, 0]}
    assert config["output_layers"] == [["out", 0, 0], ["shared", 1, 0]]
    shared = next(layer for layer in config["layers"] if layer["name"] == "shared")
    assert len(shared["inbound_nodes"]) == 2
    rebuilt = keras.Model.from_config(config)
    assert type(rebuilt) is keras.models.Functional and rebuilt.count_params() == model.count_params()
    model.save(tmp_path / "f.keras")
    loaded = keras.saving.load_model(tmp_path / "f.keras")
    for a, b in zip(model.predict(inputs, verbose=0), loaded.predict(inputs, verbose=0)):
        np.testing.assert_array_equal(a, b)
    targets = [y, y[:, :1].repeat(4, 1)]
    assert model.train_on_batch(inputs, targets) == loaded.train_on_batch(inputs, targets)


def test_weights_h5_and_npz(tmp_path) -> None:
    x, y = _data()
    model = _sequential()
    model.fit(x, y, epochs=1, verbose=0)
    model.save_weights(tmp_path / "w.weights.h5")
    model.save_weights(tmp_path / "w.npz")  # any other name keeps tapegrad's .npz format
    assert zipfile.is_zipfile(tmp_path / "w.npz")
    for name in ("w.weights.h5", "w.npz"):
        fresh = _sequential()
        if name.endswith(".h5"):  # the optimizer is not built yet: its saved state is skipped, as in Keras 3
            with pytest.warns(UserWarning, match="Skipping variable loading for optimizer 'adam'"):
                fresh.load_weights(tmp_path / name)
        else:
            fresh.load_weights(tmp_path / name)
        np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        model.save_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match="weights.h5"):
        model.load_weights(tmp_path / "w.h5")
    with pytest.raises(FileExistsError):
        model.save_weights(tmp_path / "w.weights.h5", overwrite=False)
    wrong = keras.Sequential([keras.Input((6,)), L.Dense(3), L.BatchNormalization(), L.Dense(2)])
    with pytest.raises(ValueError, match="has shape"):
        wrong.load_weights(tmp_path / "w.weights.h5")


def test_save_errors_and_missing_h5py(tmp_path, monkeypatch) -> None:
    model = _sequential()
    with pytest.raises(ValueError, match=r"\.keras"):
        model.save(tmp_path / "m")
    with pytest.raises(ValueError, match=r"\.keras"):
        model.save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match="File format not supported"):
        keras.models.load_model(tmp_path / "m.npz")
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r"tapegrad\[keras-io\]"):
        model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "still.npz")  # the .npz path needs no h5py


class Scale(keras.layers.Layer):
    def __init__(self, factor: float = 2.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape) -> None:
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor}


def test_custom_layer_needs_custom_objects_or_registration(tmp_path) -> None:
    x, _ = _data()
    model = keras.Sequential([keras.Input((6,)), Scale(3.0, name="scale"), L.Dense(1)])
    model.layers[0].w.assign(np.arange(6, dtype="float32"))
    model.save(tmp_path / "c.keras")
    with pytest.raises(TypeError, match="custom_objects.*|register_keras_serializable"):
        keras.models.load_model(tmp_path / "c.keras")
    loaded = keras.models.load_model(tmp_path / "c.keras", custom_objects={"Scale": Scale})
    assert isinstance(loaded.layers[0], Scale) and loaded.layers[0].factor == 3.0
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    with keras.saving.custom_object_scope({"Scale": Scale}):
        assert isinstance(keras.models.load_model(tmp_path / "c.keras").layers[0], Scale)


def test_registered_subclassed_model_round_trip(tmp_path) -> None:
    @keras.saving.register_keras_serializable(package="tests")
    class TwoLayer(keras.Model):
        def __init__(self, units: int = 4, **kwargs) -> None:
            super().__init__(**kwargs)
            self.units = units
            self.hidden = L.Dense(units, activation="relu")
            self.out = L.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

        def get_config(self) -> dict:
            return {**super().get_config(), "units": self.units}

    assert keras.saving.get_registered_object("tests>TwoLayer") is TwoLayer
    assert keras.saving.get_registered_name(TwoLayer) == "tests>TwoLayer"
    x, y = _data()
    keras.utils.set_random_seed(0)
    model = TwoLayer(5)
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y[:, :1], epochs=1, verbose=0)
    model.save(tmp_path / "sub.keras")
    loaded = keras.models.load_model(tmp_path / "sub.keras")
    assert type(loaded) is TwoLayer and loaded.units == 5
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert model.train_on_batch(x, y[:, :1]) == loaded.train_on_batch(x, y[:, :1])
    with pytest.raises(ValueError, match="get_config"):
        keras.saving.register_keras_serializable()(type("NoConfig", (), {}))


def test_serialize_deserialize_objects() -> None:
    ser, de = keras.saving.serialize_keras_object, keras.saving.deserialize_keras_object
    opt = de(ser(keras.optimizers.Adam(0.002, beta_1=0.8)))
    assert type(opt) is keras.optimizers.Adam and opt.beta_1 == 0.8
    assert abs(float(opt.learning_rate.numpy()) - 0.002) < 1e-9
    np.testing.assert_array_equal(de(ser(np.arange(3.0))), np.arange(3.0))
    assert de(ser(keras.activations.relu)) is keras.activations.relu
    assert ser(None) is None and de(ser({"a": [1, "x"]})) == {"a": [1, "x"]}
    with pytest.raises(TypeError, match="register_keras_serializable"):
        de({"module": "my.mod", "class_name": "Nowhere", "config": {}, "registered_name": "Nowhere"})
    with pytest.warns(UserWarning, match="lambda"):
        cfg = ser(lambda v: v + 1)
    with pytest.raises(ValueError, match="safe_mode=False"):
        de(cfg)
    assert de(cfg, safe_mode=False)(1) == 2


def test_json_clone_and_from_config() -> None:
    model = _sequential()
    text = model.to_json()
    again = keras.models.model_from_json(text)
    assert json.loads(again.to_json())["config"]["layers"][1]["config"]["units"] == 8
    assert again.count_params() == model.count_params()
    clone = keras.models.clone_model(model)
    assert [la.name for la in clone.layers] == [la.name for la in model.layers]
    assert clone.get_config() == model.get_config()
    assert not np.array_equal(clone.layers[0].kernel.numpy(), model.layers[0].kernel.numpy())
    fclone = keras.models.clone_model(_functional(), clone_function=lambda layer: layer.__class__.from_config(
        {**layer.get_config(), "trainable": False}) if isinstance(layer, L.Dense) else
        layer.__class__.from_config(layer.get_config()))
    assert not fclone.get_layer("out").trainable and fclone.get_layer("layer_normalization").trainable
    seq = keras.Sequential.from_config(model.get_config())
    assert seq.built and seq.count_params() == model.count_params()
    x, _ = _data()
    assert seq(x).shape == (16, 2) and tf.is_tensor(seq(x))


def test_keras_written_config_arguments() -> None:
    # Keras 3 writes arguments tapegrad's layers lack; at Keras's defaults they are dropped, otherwise refused
    config = {"module": "keras.layers", "class_name": "BatchNormalization", "registered_name": None,
              "config": {"name": "bn", "dtype": {"module": "keras", "class_name": "DTypePolicy",
                                                 "config": {"name": "float32"}, "registered_name": None},
                         "momentum": 0.9, "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99}}
    layer = keras.saving.deserialize_keras_object(config)
    assert isinstance(layer, L.BatchNormalization) and layer.momentum == 0.9
    config["config"]["renorm"] = True
    with pytest.raises(ValueError, match="renorm"):
        keras.saving.deserialize_keras_object(config)


@pytest.mark.parametrize("module", ["tapegrad.keras.saving", "tapegrad.keras.saving.serialization_lib",
                                    "tapegrad.keras.saving.saving_lib", "tapegrad.keras.models._cloning",
                                    "tapegrad._checkpoint_manager", "tapegrad.keras.models.model"])
def test_docstring_examples(module: str) -> None:
    import doctest
    import importlib

    keras.backend.clear_session()
    failures, tried = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0


def test_regularizers_and_lambda_survive_a_round_trip(tmp_path) -> None:
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), L.Dense(4, kernel_regularizer=keras.regularizers.L2(0.1),
                                                         activity_regularizer="l1"),
                              L.Lambda(lambda t, k=2.0: t * k), L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.save(tmp_path / "r.keras")
    with pytest.raises(ValueError, match="safe_mode=False"):
        keras.models.load_model(tmp_path / "r.keras")
    loaded = keras.models.load_model(tmp_path / "r.keras", safe_mode=False)
    assert isinstance(loaded.layers[0].kernel_regularizer, keras.regularizers.L2)
    x, y = np.ones((2, 3), "float32"), np.ones((2, 1), "float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    # the penalties are part of the loss: equal losses mean the regularizers came back
    assert loaded.train_on_batch(x, y) == model.train_on_batch(x, y)


def test_subclassed_model_without_get_config_uses_its_constructor_arguments(tmp_path) -> None:
    @keras.saving.register_keras_serializable(package="tests_auto")
    class Net(keras.Model):
        def __init__(self, units: int = 3, act: str = "relu", **kwargs) -> None:
            super().__init__(**kwargs)
            self.units = units
            self.hidden = L.Dense(units, activation=act)
            self.out = L.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    keras.utils.set_random_seed(0)
    model = Net(5, act="tanh", name="net")
    assert model.get_config() == {"name": "net", "trainable": True, "dtype": "float32", "units": 5, "act": "tanh"}
    x = np.ones((2, 4), "float32")
    model(x)
    model.save(tmp_path / "net.keras")
    loaded = keras.models.load_model(tmp_path / "net.keras")
    assert type(loaded) is Net and loaded.units == 5 and loaded.hidden.activation is keras.activations.tanh
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))

    class Holder(keras.layers.Layer):
        def __init__(self, table, **kwargs) -> None:
            super().__init__(**kwargs)
            self.table = table

    with pytest.raises(NotImplementedError, match="get_config"):
        Holder(np.ones(2)).get_config()
