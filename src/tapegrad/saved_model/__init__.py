"""``tf.saved_model``: save a ``tf.Module`` or Keras model with its variables and compiled functions; load it in a
process that does not have its Python classes.

tapegrad's SavedModel is its own format (``docs/saved_model.md``): a JSON manifest holding the object graph and
every ``tapegrad.function``'s traced graphs (tapegrad's compiler IR, versioned, no pickle), the arrays those graphs
hold, and the variables in tapegrad's checkpoint format. TensorFlow cannot read it, and tapegrad cannot read
TensorFlow's ``saved_model.pb`` (``load`` says so when pointed at one).

>>> import os, tempfile
>>> import tapegrad as tf
>>> class Scale(tf.Module):
...     def __init__(self):
...         super().__init__()
...         self.w = tf.Variable([2.0, 3.0])
...     @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
...     def __call__(self, x):
...         return x * self.w
>>> path = os.path.join(tempfile.mkdtemp(), "scale")
>>> tf.saved_model.save(Scale(), path)
>>> tf.saved_model.contains_saved_model(path)
True
>>> loaded = tf.saved_model.load(path)
>>> loaded(tf.ones([1, 2])).numpy().tolist()
[[2.0, 3.0]]
>>> loaded.signatures["serving_default"](x=tf.ones([1, 2]))["output_0"].numpy().tolist()
[[2.0, 3.0]]
>>> with tf.GradientTape() as tape:
...     y = tf.reduce_sum(loaded(tf.ones([3, 2])))
>>> tape.gradient(y, loaded.w).numpy().tolist()
[3.0, 3.0]
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from . import experimental
from ._load import load as _load_impl
from .experimental import VariablePolicy

__all__ = ["save", "load", "SaveOptions", "LoadOptions", "Asset", "contains_saved_model", "experimental",
           "ASSETS_DIRECTORY", "ASSETS_KEY", "CLASSIFY_INPUTS", "CLASSIFY_METHOD_NAME", "CLASSIFY_OUTPUT_CLASSES",
           "CLASSIFY_OUTPUT_SCORES", "DEBUG_DIRECTORY", "DEBUG_INFO_FILENAME_PB", "DEFAULT_SERVING_SIGNATURE_DEF_KEY",
           "GPU", "PREDICT_INPUTS", "PREDICT_METHOD_NAME", "PREDICT_OUTPUTS", "REGRESS_INPUTS",
           "REGRESS_METHOD_NAME", "REGRESS_OUTPUTS", "SAVED_MODEL_FILENAME_PB", "SAVED_MODEL_FILENAME_PBTXT",
           "SAVED_MODEL_SCHEMA_VERSION", "SERVING", "TPU", "TRAINING", "VARIABLES_DIRECTORY", "VARIABLES_FILENAME"]

# TF's constants (same values; the file names are TF's, tapegrad's own files are named in docs/saved_model.md)
ASSETS_DIRECTORY = "assets"
ASSETS_KEY = "saved_model_assets"
CLASSIFY_INPUTS = "inputs"
CLASSIFY_METHOD_NAME = "tensorflow/serving/classify"
CLASSIFY_OUTPUT_CLASSES = "classes"
CLASSIFY_OUTPUT_SCORES = "scores"
DEBUG_DIRECTORY = "debug"
DEBUG_INFO_FILENAME_PB = "saved_model_debug_info.pb"
DEFAULT_SERVING_SIGNATURE_DEF_KEY = "serving_default"
GPU = "gpu"
PREDICT_INPUTS = "inputs"
PREDICT_METHOD_NAME = "tensorflow/serving/predict"
PREDICT_OUTPUTS = "outputs"
REGRESS_INPUTS = "inputs"
REGRESS_METHOD_NAME = "tensorflow/serving/regress"
REGRESS_OUTPUTS = "outputs"
SAVED_MODEL_FILENAME_PB = "saved_model.pb"
SAVED_MODEL_FILENAME_PBTXT = "saved_model.pbtxt"
SAVED_MODEL_SCHEMA_VERSION = 1
SERVING = "serve"
TPU = "tpu"
TRAINING = "train"
VARIABLES_DIRECTORY = "variables"
VARIABLES_FILENAME = "variables"


class SaveOptions:
    """Options for :func:`save` (``tf.saved_model.SaveOptions``).

    Used by tapegrad: ``function_aliases`` (``{alias: tracked function}``, restored with
    ``LoadOptions(experimental_load_function_aliases=True)``), ``extra_tags`` (tags besides ``"serve"``),
    ``experimental_skip_saver`` (no variables file). The others are accepted for compatibility and have no effect
    (devices, debug info and image formats do not apply to tapegrad's format).

    >>> import tapegrad as tf
    >>> tf.saved_model.SaveOptions(extra_tags=["gpu"]).extra_tags
    ['gpu']
    """

    __slots__ = ("namespace_whitelist", "save_debug_info", "function_aliases", "experimental_debug_stripper",
                 "experimental_io_device", "experimental_variable_policy", "experimental_custom_gradients",
                 "experimental_image_format", "experimental_skip_saver", "experimental_sharding_callback",
                 "extra_tags")

    def __init__(self, namespace_whitelist: Any = None, save_debug_info: bool = False, function_aliases: Any = None,
                 experimental_debug_stripper: bool = False, experimental_io_device: Any = None,
                 experimental_variable_policy: Any = None, experimental_custom_gradients: bool = True,
                 experimental_image_format: bool = False, experimental_skip_saver: bool = False,
                 experimental_sharding_callback: Any = None, extra_tags: Any = None) -> None:
        self.namespace_whitelist = list(namespace_whitelist or [])
        self.save_debug_info = save_debug_info
        if function_aliases is not None and not isinstance(function_aliases, dict):
            raise TypeError(f"function_aliases must be a dict, got {type(function_aliases).__name__}")
        self.function_aliases = dict(function_aliases or {})
        self.experimental_debug_stripper = experimental_debug_stripper
        self.experimental_io_device = experimental_io_device
        self.experimental_variable_policy = VariablePolicy.from_obj(experimental_variable_policy)
        self.experimental_custom_gradients = experimental_custom_gradients
        self.experimental_image_format = experimental_image_format
        self.experimental_skip_saver = experimental_skip_saver
        self.experimental_sharding_callback = experimental_sharding_callback
        self.extra_tags = extra_tags


class LoadOptions:
    """Options for :func:`load` (``tf.saved_model.LoadOptions``).

    ``allow_partial_checkpoint`` (variables missing from the file start at zeros), ``experimental_skip_checkpoint``
    (no variable values read: every variable starts at zeros), ``experimental_load_function_aliases`` (the
    aliases given at save time as ``loaded.function_aliases``); ``experimental_io_device`` and
    ``experimental_variable_policy`` are accepted and have no effect.

    >>> import tapegrad as tf
    >>> tf.saved_model.LoadOptions(experimental_skip_checkpoint=True).experimental_skip_checkpoint
    True
    """

    __slots__ = ("allow_partial_checkpoint", "experimental_io_device", "experimental_load_function_aliases",
                 "experimental_variable_policy", "experimental_skip_checkpoint")

    def __init__(self, allow_partial_checkpoint: bool = False, experimental_io_device: Any = None,
                 experimental_load_function_aliases: bool = False, experimental_variable_policy: Any = None,
                 experimental_skip_checkpoint: bool = False) -> None:
        self.allow_partial_checkpoint = allow_partial_checkpoint
        self.experimental_io_device = experimental_io_device
        self.experimental_load_function_aliases = experimental_load_function_aliases
        self.experimental_variable_policy = VariablePolicy.from_obj(experimental_variable_policy)
        self.experimental_skip_checkpoint = experimental_skip_checkpoint


class Asset:
    """A file the saved object needs (``tf.saved_model.Asset``): copied into ``assets/`` by :func:`save`;
    ``asset_path`` (a string tensor) names the copy after :func:`load`.

    >>> import tapegrad as tf
    >>> tf.saved_model.Asset("vocab.txt").asset_path.numpy()
    b'vocab.txt'
    """

    def __init__(self, path: Any) -> None:
        if hasattr(path, "numpy"):
            path = path.numpy()
        if isinstance(path, bytes):
            path = path.decode()
        self._path = os.fspath(path)

    @property
    def asset_path(self) -> Any:
        from ..ops.core import constant

        return constant(self._path.encode())

    def __repr__(self) -> str:
        return f"<tf.saved_model.Asset {self._path!r}>"


def save(obj: Any, export_dir: Any, signatures: Any = None, options: SaveOptions | None = None) -> None:
    """Write ``obj`` (a ``tf.Module``, Keras layer or model, or an object restored by :func:`load`) to
    ``export_dir``: every tracked attribute (variables, sub-objects, lists and dicts of them, assets) and every
    ``tapegrad.function`` (its input_signature's trace, and every trace made before the save).

    ``signatures``: a function with an input_signature, a concrete function, or a dict ``{key: either}``; by
    default the root's only function with an input_signature becomes ``"serving_default"`` (TF's rule). Raises
    ``ValueError`` naming the function and the op when a function holds a host call to Python (``py_function``,
    ``numpy_function``, a custom gradient's Python function, a Keras optimizer update, a ``tf.print`` to a Python
    function), and ``AssertionError``
    (TF's type) when a function reads a variable that no attribute tracks. See the module example.
    """
    from ._save import save as _save

    _save(obj, export_dir, signatures, options)


def load(export_dir: Any, tags: Any = None, options: LoadOptions | None = None) -> Any:
    """The object saved in ``export_dir`` by :func:`save`, rebuilt without its Python class: its attributes,
    restored variables, callable functions (by name, with their saved traces) and ``.signatures``.

    Raises ``OSError`` when ``export_dir`` holds no tapegrad SavedModel (a TensorFlow ``saved_model.pb`` is
    named as such: tapegrad cannot read TF's format). See the module example.
    """
    return _load_impl(export_dir, tags, options)


def contains_saved_model(export_dir: Any) -> bool:
    """Whether ``export_dir`` holds a SavedModel that tapegrad can load (a TensorFlow ``saved_model.pb`` is not
    one: False).

    >>> import tempfile, tapegrad as tf
    >>> tf.saved_model.contains_saved_model(tempfile.mkdtemp())
    False
    """
    from ._save import MANIFEST

    return (Path(os.fspath(export_dir)) / MANIFEST).is_file()
