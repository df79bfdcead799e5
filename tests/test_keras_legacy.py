"""tapegrad-only checks of the legacy ``tf.keras`` modules (the values against Keras are in
tests/conformance_keras/programs_klegacy.py): dataset cache errors, CIFAR-10 from small batch files, the safe
unpickler, ``TimeseriesGenerator.get_config``."""

from __future__ import annotations

import json
import os
import pickle
import tarfile

import numpy as np
import pytest

from tapegrad import keras


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    os.makedirs(tmp_path / "datasets")
    return tmp_path


def test_missing_dataset_names_url_and_cache_path(keras_home):
    with pytest.raises(ConnectionError) as info:
        keras.datasets.mnist.load_data()
    message = str(info.value)
    assert "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz" in message
    assert str(keras_home / "datasets" / "mnist.npz") in message


def test_mismatching_cached_file_is_refused_and_kept(keras_home, capsys):
    path = keras_home / "datasets" / "boston_housing.npz"
    np.savez(path, x=np.zeros((5, 13)), y=np.zeros(5))
    before = path.read_bytes()
    with pytest.raises(ConnectionError, match="boston_housing.npz"):
        keras.datasets.boston_housing.load_data()
    assert "file hash does not match" in capsys.readouterr().out
    assert path.read_bytes() == before  # unlike Keras's failed re-download, the user's file is not deleted


def _trust_hashes(monkeypatch):
    from tapegrad.keras import _utils_misc

    monkeypatch.setattr(_utils_misc, "_hash_file", lambda path, algorithm, file_hash: file_hash)


def test_cifar10_from_small_batches(keras_home, tmp_path_factory, monkeypatch):
    _trust_hashes(monkeypatch)
    rng = np.random.default_rng(0)
    src = tmp_path_factory.mktemp("cifar") / "cifar-10-batches-py"
    src.mkdir()
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batches[name] = {b"data": rng.integers(0, 256, (2, 3072), dtype="uint8"),
                         b"labels": [int(v) for v in rng.integers(0, 10, 2)]}
        with open(src / name, "wb") as f:
            pickle.dump(batches[name], f, protocol=3)
    with tarfile.open(keras_home / "datasets" / "cifar-10-batches-py-target_archive", "w:gz") as tar:
        tar.add(src, arcname="cifar-10-batches-py")
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (10, 1) and y_train.dtype == np.uint8 and y_test.shape == (2, 1)
    first = batches["data_batch_1"][b"data"][1].reshape(3, 32, 32).transpose(1, 2, 0)
    np.testing.assert_array_equal(x_train[1], first)
    np.testing.assert_array_equal(y_test[:, 0], batches["test_batch"][b"labels"])
    np.testing.assert_array_equal(x_test[0], batches["test_batch"][b"data"][0].reshape(3, 32, 32).transpose(1, 2, 0))


def test_dataset_pickles_may_hold_only_arrays(keras_home, monkeypatch):
    _trust_hashes(monkeypatch)
    payload = np.empty(1, dtype=object)
    payload[0] = os.getcwd  # a callable: refused before anything runs
    np.savez(keras_home / "datasets" / "reuters.npz", x=payload, y=np.zeros(1))
    with pytest.raises(pickle.UnpicklingError, match="posix.getcwd"):
        keras.datasets.reuters.load_data()


def test_timeseries_generator_config_and_json():
    gen = keras.preprocessing.sequence.TimeseriesGenerator(np.arange(6), list(range(6)), length=2, batch_size=2)
    config = gen.get_config()
    assert json.loads(config["data"]) == list(range(6)) and config["start_index"] == 2 and config["end_index"] == 5
    assert json.loads(gen.to_json())["class_name"] == "TimeseriesGenerator"
    with pytest.raises(TypeError, match="Data not JSON Serializable"):
        keras.preprocessing.sequence.TimeseriesGenerator([object()] * 4, [1] * 4, length=2).get_config()


def test_imagenet_weights_not_cached_name_url_and_path(keras_home, monkeypatch):
    monkeypatch.setattr(keras.applications.imagenet_utils, "CLASS_INDEX", None)  # a class index read before
    with pytest.raises(ConnectionError) as info:
        keras.applications.MobileNetV2(weights="imagenet", input_shape=(96, 96, 3), include_top=False, alpha=0.35)
    message = str(info.value)
    assert ("https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
            "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5") in message
    assert str(keras_home / "models") in message
    with pytest.raises(ConnectionError, match="imagenet_class_index.json"):
        keras.applications.imagenet_utils.decode_predictions(np.zeros((1, 1000)))


def test_applications_argument_errors():
    with pytest.raises(ValueError, match="`weights` argument"):
        keras.applications.VGG16(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="classes"):
        keras.applications.ResNet50(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="at least 71x71"):
        keras.applications.Xception(weights=None, include_top=False, input_shape=(70, 70, 3))
    with pytest.raises(ValueError, match="static `input_shape`"):
        keras.applications.DenseNet121(weights=None, input_shape=(None, None, 3))
    with pytest.raises(AttributeError):
        getattr(keras.applications, "NoSuchNet")  # noqa: B009


# Keras 3.15's values for the deeper variants (recorded with weights=None): the Keras lane compares one or two
# configurations per family in full (layer names, weights, shapes); these check the block counts and widths.
KERAS_COUNTS = [
    ("ResNet101", {"include_top": False, "pooling": "max"}, 42658176, (None, 2048), 346),
    ("ResNet152", {"include_top": False, "pooling": "max"}, 58370944, (None, 2048), 516),
    ("ResNet101V2", {"input_shape": (40, 40, 3), "classes": 3}, 42632707, (None, 3), 379),
    ("ResNet152V2", {"include_top": False, "pooling": "avg"}, 58331648, (None, 2048), 565),
    ("DenseNet169", {"include_top": False, "pooling": "max"}, 12642880, (None, 1664), 596),
    ("DenseNet201", {"include_top": False, "pooling": "avg"}, 18321984, (None, 1920), 708),
    ("MobileNetV2", {"alpha": 1.4, "input_shape": (33, 33, 3), "classes": 7}, 4376263, (None, 7), 156),
    ("EfficientNetB3", {"include_top": False, "pooling": "max"}, 10783535, (None, 1536), 385),
    ("EfficientNetB7", {"include_top": False}, 64097687, (None, None, None, 2560), 813),
    ("Xception", {"input_shape": (80, 80, 3), "classes": 5}, 20871725, (None, 5), 134),
    ("InceptionV3", {"include_top": False, "pooling": "avg"}, 21802784, (None, 2048), 312),
]


@pytest.mark.parametrize(("name", "kwargs", "params", "output_shape", "n_layers"), KERAS_COUNTS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(KERAS_COUNTS)])
def test_application_variants_match_keras_counts(name, kwargs, params, output_shape, n_layers):
    keras.backend.clear_session(free_memory=False)
    model = getattr(keras.applications, name)(weights=None, **kwargs)
    assert (model.count_params(), tuple(model.output_shape), len(model.layers)) == (params, output_shape, n_layers)
