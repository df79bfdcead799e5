"""``keras.utils`` odds and ends: data-tuple packing, functional-graph queries, ``Config``, ``get_file`` (local
only), ``plot_model``/``model_to_dot`` (need ``pydot``), interactive logging.

>>> from tapegrad import keras
>>> keras.utils.unpack_x_y_sample_weight((1, 2))
(1, 2, None)
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import logging
import os
import shutil
import tarfile
import tempfile
import urllib.parse
import warnings
import zipfile
from typing import Any

__all__ = ["pack_x_y_sample_weight", "unpack_x_y_sample_weight", "get_source_inputs", "is_keras_tensor",
           "clear_session", "get_file", "plot_model", "model_to_dot", "standardize_dtype", "Config",
           "enable_interactive_logging", "disable_interactive_logging", "is_interactive_logging_enabled",
           "print_msg"]

from ._backend_ops import standardize_dtype as _standardize_dtype  # noqa: E402

_STATE = {"interactive_logging": True}


def enable_interactive_logging() -> None:
    """Print progress bars and messages to stdout (the default).

    >>> from tapegrad import keras
    >>> keras.utils.disable_interactive_logging(); keras.utils.is_interactive_logging_enabled()
    False
    >>> keras.utils.enable_interactive_logging(); keras.utils.is_interactive_logging_enabled()
    True
    """
    _STATE["interactive_logging"] = True


def disable_interactive_logging() -> None:
    """Send progress bars and messages to the ``tapegrad.keras`` Python logger (level INFO) instead of stdout
    (Keras sends them to ``absl.logging``)."""
    _STATE["interactive_logging"] = False


def is_interactive_logging_enabled() -> bool:
    """Whether messages go to stdout (``True``) or to the logger (``False``)."""
    return _STATE["interactive_logging"]


def print_msg(message: str, line_break: bool = True, file: Any = None) -> None:
    """Print ``message`` (to ``file``, default stdout) or log it when interactive logging is off."""
    if not is_interactive_logging_enabled():
        logging.getLogger("tapegrad.keras").info(message)
        return
    import sys

    out = file if file is not None else sys.stdout
    out.write(message + ("\n" if line_break else ""))
    out.flush()


_PYTHON_DTYPES = {bool: "bool", int: "int64", float: "float32", str: "string", complex: "complex128"}


def standardize_dtype(dtype: Any) -> str:
    """A dtype (None → ``floatx()``, Python types, NumPy/tapegrad dtypes, names) as Keras's dtype name.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> [keras.utils.standardize_dtype(d) for d in (None, int, np.float64, "bool")]
    ['float32', 'int64', 'float64', 'bool']
    """
    if isinstance(dtype, type) and dtype in _PYTHON_DTYPES:
        return _PYTHON_DTYPES[dtype]
    try:
        return _standardize_dtype(dtype)
    except (TypeError, ValueError):
        raise ValueError(f"Invalid dtype: {dtype!r} (expected a name such as 'float32', a NumPy/tapegrad dtype or "
                         f"a Python type)") from None


# -- data tuples ------------------------------------------------------------------------------------------------------
def pack_x_y_sample_weight(x: Any, y: Any = None, sample_weight: Any = None) -> Any:
    """Pack user data into the tuple ``fit`` expects: ``x`` (or ``(x,)`` when ``x`` is a tuple/list),
    ``(x, y)`` or ``(x, y, sample_weight)``.

    >>> from tapegrad import keras
    >>> keras.utils.pack_x_y_sample_weight([1, 2]), keras.utils.pack_x_y_sample_weight(1, 2, 3)
    (([1, 2],), (1, 2, 3))
    """
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data: Any) -> tuple[Any, Any, Any]:
    """Split a batch into ``(x, y, sample_weight)`` (missing parts ``None``); a list counts as a tuple."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    if len(data) == 3:
        return (data[0], data[1], data[2])
    raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, found "
                     f"a tuple of {len(data)} elements: {data}")


# -- functional graphs ------------------------------------------------------------------------------------------------
def is_keras_tensor(x: Any) -> bool:
    """Whether ``x`` is a symbolic ``keras.KerasTensor`` (from ``keras.Input`` or a layer called on one).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.utils.is_keras_tensor(keras.Input((3,))), keras.utils.is_keras_tensor(np.ones(3))
    (True, False)
    """
    from .layers import KerasTensor

    return isinstance(x, KerasTensor)


def get_source_inputs(tensor: Any) -> list[Any]:
    """The ``keras.Input`` tensors a symbolic tensor was computed from, in first-seen order.

    >>> from tapegrad import keras
    >>> a, b = keras.Input((2,)), keras.Input((2,))
    >>> out = keras.layers.Dense(1)(keras.layers.add([a, b]))
    >>> [t is s for t, s in zip(keras.utils.get_source_inputs(out), (a, b))]
    [True, True]
    """
    from .layers import InputLayer

    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return tensor if not hasattr(tensor, "_keras_history") else [tensor]
    layer, node_index, _ = history
    if not layer._inbound_nodes:
        return [tensor]
    node = layer._inbound_nodes[node_index]
    if isinstance(layer, InputLayer) or not node.input_tensors:
        return list(node.output_tensors)
    sources: list[Any] = []
    for parent in node.input_tensors:
        for s in get_source_inputs(parent):
            if all(s is not t for t in sources):
                sources.append(s)
    return sources


def clear_session(free_memory: bool = True) -> None:
    """Reset Keras's global state: layer-name counters and the default names (``keras.backend.clear_session``)."""
    from . import backend

    backend.clear_session(free_memory=free_memory)


# -- Config -----------------------------------------------------------------------------------------------------------
class Config:
    """A dict of named values with attribute access, JSON export and freezing.

    >>> from tapegrad import keras
    >>> c = keras.utils.Config(lr=0.1)
    >>> c.seed = 3
    >>> c.freeze()
    >>> c.lr, sorted(c), c.to_json()
    (0.1, ['lr', 'seed'], '{"lr": 0.1, "seed": 3}')
    """

    __attrs__: Any = None

    def __init__(self, **kwargs: Any) -> None:
        self._config = kwargs
        self._frozen = False
        self.__attrs__ = set(dir(self))

    @property
    def frozen(self) -> bool:
        return self._frozen

    def freeze(self) -> None:
        self._frozen = True

    def unfreeze(self) -> None:
        self._frozen = False

    def _raise_if_frozen(self) -> None:
        if self._frozen:
            raise ValueError("Cannot mutate attribute(s) because the config is frozen (call `unfreeze()` first).")

    def as_dict(self) -> dict[str, Any]:
        return copy.copy(self._config)

    def to_json(self) -> str:
        return json.dumps(self._config)

    def keys(self) -> Any:
        return self._config.keys()

    def values(self) -> Any:
        return self._config.values()

    def items(self) -> Any:
        return self._config.items()

    def pop(self, *args: Any) -> Any:
        self._raise_if_frozen()
        return self._config.pop(*args)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._raise_if_frozen()
        self._config.update(*args, **kwargs)

    def get(self, keyname: str, value: Any = None) -> Any:
        return self._config.get(keyname, value)

    def __setattr__(self, name: str, value: Any) -> None:
        attrs = object.__getattribute__(self, "__attrs__")
        if attrs is None or name in attrs:
            object.__setattr__(self, name, value)
            return
        self._raise_if_frozen()
        self._config[name] = value

    def __getattr__(self, name: str) -> Any:
        attrs = object.__getattribute__(self, "__attrs__")
        if attrs is None or name in attrs:
            return object.__getattribute__(self, name)
        config = object.__getattribute__(self, "_config")
        if name in config:
            return config[name]
        msg = f"Unknown attribute: '{name}'."
        close = difflib.get_close_matches(name, config.keys(), n=1, cutoff=0.7)
        if close:
            msg += f" Did you mean '{close[0]}'?"
        raise AttributeError(msg)

    def __setitem__(self, key: str, item: Any) -> None:
        self._raise_if_frozen()
        self._config[key] = item

    def __getitem__(self, key: str) -> Any:
        return self._config[key]

    def __delitem__(self, key: str) -> None:
        self._raise_if_frozen()
        del self._config[key]

    def __contains__(self, item: Any) -> bool:
        return item in self._config

    def __iter__(self) -> Any:
        return iter(sorted(self._config.keys()))

    def __len__(self) -> int:
        return len(self._config)

    def __repr__(self) -> str:
        return f"<Config {self._config}>"


# -- get_file ---------------------------------------------------------------------------------------------------------
def _hash_file(path: str, algorithm: str, file_hash: str | None) -> str:
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None and len(file_hash) == 64):
        hasher = hashlib.sha256()
    else:
        hasher = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(65535), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def _extract(archive: str, target: str, archive_format: Any) -> bool:
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else [archive_format] if isinstance(
        archive_format, str) else list(archive_format)
    for kind in formats:
        if kind == "tar" and tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tar:
                tar.extractall(target, filter="data")
            return True
        if kind == "zip" and zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as z:
                root = os.path.realpath(target)
                for member in z.namelist():
                    dest = os.path.realpath(os.path.join(target, member))
                    if os.path.commonpath([root, dest]) != root:
                        raise ValueError(f"Archive member {member!r} would be extracted outside {target!r}")
                z.extractall(target)
            return True
        if kind not in ("tar", "zip"):
            raise NotImplementedError(kind)
    return False


def get_file(fname: Any = None, origin: str | None = None, untar: bool = False, md5_hash: str | None = None,
             file_hash: str | None = None, cache_subdir: str = "datasets", hash_algorithm: str = "auto",
             extract: bool = False, archive_format: Any = "auto", cache_dir: Any = None,
             force_download: bool = False) -> str:
    """Keras's download cache, without the network: return ``cache_dir/cache_subdir/fname`` when it is already
    there (checking ``file_hash`` if given), or copy it from a local ``file://`` ``origin``; ``extract``/``untar``
    unpack a tar or zip archive next to it (as Keras names the folder). tapegrad never downloads: an ``http(s)``
    origin whose file is not cached raises ``ConnectionError`` — fetch it once with Keras or by hand into the
    cache (``~/.keras/datasets`` or ``$KERAS_HOME/datasets``).

    >>> import os, tempfile
    >>> from tapegrad import keras
    >>> src = os.path.join(tempfile.mkdtemp(), "data.txt")
    >>> _ = open(src, "w").write("hello")
    >>> path = keras.utils.get_file(origin="file://" + src, cache_dir=tempfile.mkdtemp())
    Downloading data from file://.../data.txt
    >>> os.path.basename(path), open(path).read()
    ('data.txt', 'hello')
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if cache_dir is None:
        cache_dir = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(str(cache_dir))
    if not os.access(base, os.W_OK):  # as in Keras, also when it does not exist
        base = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    provided = fname
    fname = os.fspath(fname) if fname is not None else None
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'. Please specify the "
                             f"`fname` argument.")
    elif os.sep in fname:
        raise ValueError(f"Paths are no longer accepted as the `fname` argument. To specify the file's parent "
                         f"directory, use the `cache_dir` argument. Received: fname={fname}")
    extraction_dir = None
    if extract or untar:
        if provided and "." in fname:
            target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, f"{fname[:fname.find('.')]}_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            target = os.path.join(datadir, f"{fname}_archive")
    else:
        target = os.path.join(datadir, fname)
    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and _hash_file(target, hash_algorithm, file_hash) != file_hash:
        print_msg(f"A local file was found, but it seems to be incomplete or outdated because the {hash_algorithm} "
                  f"file hash does not match the original value of {file_hash} so we will re-download the data.")
        download = True
    if download:
        parts = urllib.parse.urlsplit(origin)
        local = urllib.parse.unquote(parts.path) if parts.scheme == "file" else origin if not parts.scheme else None
        if local is None:
            raise ConnectionError(f"tapegrad's get_file does not download: {origin!r} is not in the cache as "
                                  f"{target!r}. Download it there yourself (or with Keras), or pass a local "
                                  f"file:// origin.")
        if not os.path.isfile(local):
            raise FileNotFoundError(f"URL fetch failure on {origin}: no such local file {local!r}")
        print_msg(f"Downloading data from {origin}")
        shutil.copyfile(local, target)
        if file_hash is not None and _hash_file(target, hash_algorithm, file_hash) != file_hash:
            raise ValueError(f"Incomplete or corrupted file detected. The {hash_algorithm} file hash does not match "
                             f"the provided value of {file_hash}.")
    if extraction_dir is not None:
        if not _extract(target, extraction_dir, "tar" if untar else archive_format):
            warnings.warn("Could not extract archive.", stacklevel=2)
        return extraction_dir
    return target


# -- plot_model -------------------------------------------------------------------------------------------------------
def _pydot() -> Any:
    try:
        import pydot
    except ImportError:
        raise ImportError("You must install pydot (`pip install pydot`) and graphviz for `plot_model`/"
                          "`model_to_dot` to work; tapegrad does not depend on them.") from None
    return pydot


def model_to_dot(model: Any, show_shapes: bool = False, show_dtype: bool = False, show_layer_names: bool = True,
                 rankdir: str = "TB", expand_nested: bool = False, dpi: int = 200, subgraph: bool = False,
                 show_layer_activations: bool = False, show_trainable: bool = False, **kwargs: Any) -> Any:
    """The model's layer graph as a ``pydot.Dot`` (one node per layer, one edge per connection); needs ``pydot``
    (``ImportError`` otherwise). Nested models are drawn as single nodes."""
    pydot = _pydot()
    dot = pydot.Dot(graph_type="digraph", rankdir=rankdir, dpi=dpi)
    dot.set_node_defaults(shape="record")
    layers = list(getattr(model, "layers", []))
    for layer in layers:
        label = layer.name if show_layer_names else type(layer).__name__
        if show_layer_names:
            label = f"{layer.name} ({type(layer).__name__})"
        if show_layer_activations and hasattr(layer, "activation"):
            label += f" | activation: {getattr(layer.activation, '__name__', layer.activation)}"
        if show_trainable:
            label += f" | trainable: {'T' if layer.trainable else 'F'}"
        if show_shapes:
            try:
                label += f" | output: {tuple(layer.output.shape)}"
            except (AttributeError, ValueError):
                pass
        if show_dtype:
            label += f" | dtype: {getattr(layer, 'dtype', None)}"
        dot.add_node(pydot.Node(str(id(layer)), label=label))
    ids = {id(layer) for layer in layers}
    for i, layer in enumerate(layers):
        parents = []
        for node in getattr(layer, "_inbound_nodes", []):
            parents += [t._keras_history[0] for t in node.input_tensors if t._keras_history is not None]
        if not parents and i and type(model).__name__ == "Sequential":
            parents = [layers[i - 1]]
        for parent in parents:
            if id(parent) in ids:
                dot.add_edge(pydot.Edge(str(id(parent)), str(id(layer))))
    return dot


def plot_model(model: Any, to_file: str = "model.png", show_shapes: bool = False, show_dtype: bool = False,
               show_layer_names: bool = True, rankdir: str = "TB", expand_nested: bool = False, dpi: int = 200,
               show_layer_activations: bool = False, show_trainable: bool = False, **kwargs: Any) -> Any:
    """Draw the model's layer graph to ``to_file`` (format from its extension) with ``pydot`` + graphviz;
    without ``pydot`` it raises ``ImportError`` saying so."""
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                       rankdir=rankdir, expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations, show_trainable=show_trainable)
    ext = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=ext)
    return None
