"""``keras.applications.imagenet_utils``: ``preprocess_input`` (the ``"caffe"``, ``"tf"`` and ``"torch"`` scalings)
and ``decode_predictions``, plus the helpers every architecture shares: the argument checks, Keras's input-shape
rules, the input layer, and loading a weights file — Keras's ImageNet file from the cache
(``$KERAS_HOME/models``; tapegrad does not download) or a file the caller names.

>>> import numpy as np
>>> from tapegrad import keras
>>> keras.applications.imagenet_utils.preprocess_input(np.full((1, 1, 3), 255.0), mode="tf").tolist()
[[[1.0, 1.0, 1.0]]]
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

import numpy as np

__all__ = ["decode_predictions", "preprocess_input"]

CLASS_INDEX: dict[str, list[str]] | None = None
CLASS_INDEX_PATH = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
_MEANS = {"caffe": ((103.939, 116.779, 123.68), None), "torch": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))}


def _data_format(data_format: Any) -> str:
    from .. import backend

    if data_format is None:
        return backend.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"Expected data_format to be one of `channels_first` or `channels_last`. Received: "
                         f"data_format={data_format}")
    return data_format


def preprocess_input(x: Any, data_format: Any = None, mode: str = "caffe") -> Any:
    """Scale a batch of RGB images (0–255) as an ImageNet model expects: ``"tf"`` maps to [-1, 1], ``"torch"``
    to [0, 1] then standardizes each channel with ImageNet's mean and deviation, ``"caffe"`` reverses the channels
    to BGR and subtracts ImageNet's BGR means. As in Keras, a floating NumPy array is modified in place and
    returned (integer arrays are converted to ``floatx`` first); a tensor gives a new tensor.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.applications.imagenet_utils.preprocess_input(np.array([[[0.0, 128.0, 255.0]]])).round(3).tolist()
    [[[151.061, 11.221, -123.68]]]
    """
    if mode not in ("caffe", "tf", "torch"):
        raise ValueError(f"Expected mode to be one of `caffe`, `tf` or `torch`. Received: mode={mode}")
    data_format = _data_format(data_format)
    if isinstance(x, np.ndarray):
        return _preprocess_numpy(x, data_format, mode)
    return _preprocess_tensor(x, data_format, mode)


def _channel_index(ndim: int, data_format: str, c: int) -> tuple[Any, ...]:
    if data_format == "channels_last":
        return (..., c)
    return (c,) if ndim == 3 else (slice(None), c)


def _preprocess_numpy(x: np.ndarray, data_format: str, mode: str) -> np.ndarray:
    from .. import backend

    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(backend.floatx(), copy=False)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if mode == "torch":
        x /= 255.0
    elif data_format == "channels_last":  # caffe: RGB -> BGR (a view, as in Keras)
        x = x[..., ::-1]
    else:
        x = x[::-1, ...] if x.ndim == 3 else x[:, ::-1, ...]
    mean, std = _MEANS[mode]
    for c in range(3):
        index = _channel_index(x.ndim, data_format, c)
        x[index] -= mean[c]
        if std is not None:
            x[index] /= std[c]
    return x


def _preprocess_tensor(x: Any, data_format: str, mode: str) -> Any:
    import tapegrad as tf

    x = tf.convert_to_tensor(x)
    ndim = len(x.shape)
    if mode == "tf":
        return x / 127.5 - 1.0
    if mode == "torch":
        x = x / 255.0
    else:
        axis = -1 if data_format == "channels_last" else (0 if ndim == 3 else 1)
        x = tf.reverse(x, [axis])
    mean, std = _MEANS[mode]
    if data_format == "channels_last":
        shape: tuple[int, ...] = (1,) * (ndim - 1) + (3,)
    else:
        shape = (3, 1, 1) if ndim == 3 else (1, 3) + (1,) * (ndim - 2)
    x = x + tf.reshape(tf.constant(-np.array(mean), dtype=x.dtype), shape)
    if std is not None:
        x = x / tf.reshape(tf.constant(np.array(std), dtype=x.dtype), shape if data_format == "channels_last"
                           else (-1, 1, 1))
    return x


def decode_predictions(preds: Any, top: int = 5) -> list[list[tuple[str, str, Any]]]:
    """The ``top`` ImageNet classes of each row of ``preds`` (``(samples, 1000)``) as ``(class_id, name, score)``,
    best first. The class names come from Keras's ``imagenet_class_index.json`` in ``$KERAS_HOME/models``
    (``ConnectionError`` naming its URL when it is not there: tapegrad does not download)."""
    global CLASS_INDEX
    if len(preds.shape) != 2 or preds.shape[1] != 1000:
        raise ValueError(f"`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape (samples, "
                         f"1000)). Received array with shape: {tuple(preds.shape)}")
    if CLASS_INDEX is None:
        path = fetch("imagenet_class_index.json", CLASS_INDEX_PATH, "c2c37ea517e94d9795004a39431a14cb")
        with open(path) as f:
            CLASS_INDEX = json.load(f)
    preds = np.asarray(preds.numpy() if hasattr(preds, "numpy") else preds)
    results = []
    for row in preds:
        best = row.argsort()[-top:][::-1]
        result = [(*CLASS_INDEX[str(i)], row[i]) for i in best]
        result.sort(key=lambda r: r[2], reverse=True)
        results.append(result)
    return results


# -- shared by the architectures --------------------------------------------------------------------------------------
def fetch(fname: str, origin: str, file_hash: str | None = None) -> str:
    """A file of Keras's ``models`` cache (``ConnectionError`` naming ``origin`` when it is not cached)."""
    from .._utils_misc import get_file

    return get_file(fname, origin, cache_subdir="models", file_hash=file_hash)


def check_weights(weights: Any, include_top: bool, classes: int) -> None:
    """Keras's checks of ``weights`` (``None``, ``"imagenet"`` or an existing file) and of ``classes``."""
    if not (weights in {"imagenet", None} or os.path.exists(str(weights))):
        raise ValueError(f"The `weights` argument should be either `None` (random initialization), 'imagenet' "
                         f"(pre-training on ImageNet), or the path to the weights file to be loaded. Received: "
                         f"weights={weights}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(f"If using `weights='imagenet'` with `include_top=True`, `classes` should be 1000.  "
                         f"Received classes={classes}")


def data_format() -> str:
    from .. import backend

    return backend.image_data_format()


def channel_axis() -> int:
    return 1 if data_format() == "channels_first" else -1


def obtain_input_shape(input_shape: Any, default_size: int, min_size: int, require_flatten: bool,
                       weights: Any = None) -> tuple[Any, ...]:
    """Keras's input-shape rule: the default square RGB shape, or ``input_shape`` checked (three entries, at least
    ``min_size`` pixels, 3 channels for ImageNet weights); ``(None, None, 3)`` when the top is left off."""
    first = data_format() == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if first else input_shape[-1]
        if channels not in {1, 3}:
            warnings.warn(f"This model usually expects 1 or 3 input channels. However, it was passed an input_shape "
                          f"with {channels} input channels.", stacklevel=3)
        default = (channels, default_size, default_size) if first else (default_size, default_size, channels)
    else:
        default = (3, default_size, default_size) if first else (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default:
            raise ValueError(f"When setting `include_top=True` and loading `imagenet` weights, `input_shape` should "
                             f"be {default}.  Received: input_shape={input_shape}")
        return default
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers.")
        channels, spatial = (input_shape[0], input_shape[1:]) if first else (input_shape[-1], input_shape[:2])
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received `input_shape={input_shape}`")
        if any(s is not None and s < min_size for s in spatial):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: "
                             f"input_shape={input_shape}")
    elif require_flatten:
        input_shape = default
    else:
        input_shape = (3, None, None) if first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError(f"If `include_top` is True, you should specify a static `input_shape`. Received: "
                         f"input_shape={input_shape}")
    return input_shape


def image_input(input_shape: Any, input_tensor: Any) -> Any:
    """The model's input: a new ``Input`` or the given Keras tensor (a plain tensor is wrapped)."""
    from .. import layers
    from .._utils_misc import is_keras_tensor

    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not is_keras_tensor(input_tensor):
        return layers.Input(tensor=input_tensor, shape=input_shape)
    return input_tensor


def build(img_input: Any, input_tensor: Any, outputs: Any, name: str) -> Any:
    """The functional model from the input (the source inputs of ``input_tensor`` when one was given)."""
    from .. import Model
    from .._utils_misc import get_source_inputs

    inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
    return Model(inputs, outputs, name=name)


def validate_activation(classifier_activation: Any, weights: Any) -> None:
    """With pretrained weights, only ``None``/``"softmax"`` may end the classifier."""
    from .. import activations

    if weights is None:
        return
    act = activations.get(classifier_activation)
    if act not in {activations.get("softmax"), activations.get(None)}:
        raise ValueError(f"Only `None` and `softmax` activations are allowed for the `classifier_activation` "
                         f"argument when using pretrained weights, with `include_top=True`; Received: "
                         f"classifier_activation={classifier_activation}")


def top(x: Any, include_top: bool, pooling: Any, classes: int, classifier_activation: Any, weights: Any,
        avg_name: str | None = None, max_name: str | None = None, dropout: float = 0.0) -> Any:
    """The usual head: global average pooling and a ``predictions`` Dense layer, or the optional pooling."""
    from .. import layers

    if include_top:
        x = layers.GlobalAveragePooling2D(name=avg_name)(x)
        if dropout:
            x = layers.Dropout(dropout, name="top_dropout")(x)
        validate_activation(classifier_activation, weights)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def correct_pad(inputs: Any, kernel_size: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    """The zero padding that makes a stride-2 ``valid`` convolution centre like TF's ``same``."""
    first = 2 if data_format() == "channels_first" else 1
    size = tuple(inputs.shape)[first:first + 2]
    k = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    return (k[0] // 2 - adjust[0], k[0] // 2), (k[1] // 2 - adjust[1], k[1] // 2)


def load_weights(model: Any, weights: Any, fname: str | None = None, origin: str | None = None,
                 file_hash: str | None = None) -> Any:
    """``weights="imagenet"``: Keras's file ``fname`` from the cache (``ConnectionError`` naming ``origin`` when
    missing); a path: that file. Keras 2 ``.h5`` files (what Keras publishes) are read by layer order, as Keras
    does; other files go to ``model.load_weights``."""
    if weights is None:
        return model
    path = fetch(fname, origin, file_hash) if weights == "imagenet" else str(weights)
    if path.endswith((".h5", ".hdf5")) and not path.endswith(".weights.h5"):
        load_legacy_h5(model, path)
    else:
        model.load_weights(path)
    return model


def load_legacy_h5(model: Any, path: str) -> None:
    """Keras 2's HDF5 weights (root attribute ``layer_names``, per layer ``weight_names``): the i-th file layer
    with weights goes to the model's i-th layer with weights, as Keras's legacy loader matches them."""
    try:
        import h5py
    except ImportError:
        raise ImportError("Loading Keras's .h5 weight files needs h5py: `pip install h5py` (the keras-io extra of "
                          "tapegrad).") from None

    def text(v: Any) -> str:
        return v.decode("utf8") if isinstance(v, bytes) else str(v)

    with h5py.File(path, "r") as f:
        group = f["model_weights"] if "model_weights" in f else f
        stored = []
        for layer_name in (text(n) for n in group.attrs["layer_names"]):
            names = [text(n) for n in group[layer_name].attrs.get("weight_names", [])]
            if names:
                stored.append((layer_name, [np.asarray(group[layer_name][n]) for n in names]))
    targets = [layer for layer in model.layers if layer.weights]
    if len(stored) != len(targets):
        raise ValueError(f"Weight file {path} contains {len(stored)} layers with weights, but the model "
                         f"{model.name!r} has {len(targets)}: it was saved from another architecture.")
    for layer, (stored_name, values) in zip(targets, stored):
        if len(values) != len(layer.weights):
            raise ValueError(f"Layer {layer.name!r} has {len(layer.weights)} weights, but the file's layer "
                             f"{stored_name!r} holds {len(values)}.")
        for var, value in zip(layer.weights, values):
            if tuple(var.shape) != value.shape:
                raise ValueError(f"Layer {layer.name!r} weight {var.name!r} has shape {tuple(var.shape)}, but the "
                                 f"file's layer {stored_name!r} holds shape {value.shape}.")
        for var, value in zip(layer.weights, values):
            var.assign(value)
