"""Keras 3's ``.keras`` model files and ``.weights.h5`` weight files.

A ``.keras`` file is a zip archive holding ``metadata.json``, ``config.json`` (the model as
``serialize_keras_object`` writes it, with its ``compile_config``) and ``model.weights.h5``. The weights file is
HDF5, laid out as Keras 3 lays it out: each layer's own variables under ``<path>/vars/<i>``, where the path follows
the object tree (``layers/<snake_case class name>[_n]`` for the layers of a Sequential or functional model, then
attribute names such as ``cell``, ``forward_layer`` or ``query_dense``), and the optimizer's variables under
``optimizer/vars``. Files written here load in Keras 3 and the other way round. HDF5 needs ``h5py`` (the
``keras-io`` extra: ``pip install "tapegrad[keras-io]"``).
"""

from __future__ import annotations

import datetime
import io
import json
import os
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ... import _dtypes, _nest
from .serialization_lib import deserialize_keras_object, serialize_keras_object

__all__ = ["save_model", "load_model", "save_weights", "load_weights", "functional_get_config",
           "functional_from_config", "sequential_get_config", "sequential_from_config"]

_CONFIG = "config.json"
_METADATA = "metadata.json"
_WEIGHTS = "model.weights.h5"


def _h5py() -> Any:
    try:
        import h5py
    except ImportError as e:
        raise ImportError("Saving and loading Keras weights in HDF5 (.keras and .weights.h5 files) needs h5py: "
                          'install the optional extra with `pip install "tapegrad[keras-io]"` (or `pip install '
                          "h5py`). Weights can also be saved without it as .npz: `model.save_weights('w.npz')`.") \
            from e
    return h5py


def _keras() -> Any:
    from tapegrad import keras

    return keras


# --------------------------------------------------------------------------------------------------------------
# the object tree, as Keras 3 walks it


def _snake(name: str) -> str:
    from ..backend import to_snake_case

    return to_snake_case(name)


_BASE_ATTRS: set[str] | None = None


def _base_attrs() -> set[str]:
    """Attributes every layer/model has (Keras skips them when it walks an object's children)."""
    global _BASE_ATTRS
    if _BASE_ATTRS is None:
        keras = _keras()
        probe = keras.Layer.__new__(keras.Layer)
        keras.Layer.__init__(probe, name="saving_probe")
        names = set(dir(keras.Model)) | set(vars(probe)) | {
            "compiled", "optimizer", "stop_training", "history", "loss", "_compile_args", "_loss_weights",
            "_compile_losses", "_metric_ids", "_weighted_metric_ids", "_compile_metrics", "_weighted_compile_metrics",
            "_loss_tracker", "_output_loss_trackers", "_step_functions", "_output_metrics"}
        _BASE_ATTRS = names
    return _BASE_ATTRS


def _name_key(name: str) -> str:
    return f"~{name}" if name.startswith("_") else name


def _is_saveable(obj: Any) -> bool:
    keras = _keras()
    return isinstance(obj, (keras.Layer, keras.Optimizer)) and not isinstance(obj, keras.Metric)


def _children(obj: Any) -> Iterator[tuple[str, Any]]:
    keras = _keras()
    if isinstance(obj, keras.Optimizer):
        return
    if isinstance(obj, (keras.Sequential, keras.models.Functional)):
        yield "layers", obj.layers
    if isinstance(obj, keras.Model) and getattr(obj, "optimizer", None) is not None:
        yield "optimizer", obj.optimizer
    if isinstance(obj, (keras.Sequential, keras.models.Functional)):
        return
    skip = _base_attrs()
    names = set(vars(obj))
    for klass in type(obj).__mro__:
        for n, v in vars(klass).items():
            if isinstance(v, property):
                names.add(n)
    for name in sorted(names - skip, key=_name_key):
        if name.startswith("__"):
            continue
        try:
            value = getattr(obj, name)
        except Exception:
            continue
        if _is_saveable(value) or (isinstance(value, (list, tuple, dict)) and _holds_saveable(value)):
            yield name, value


def _holds_saveable(container: Any) -> bool:
    values = container.values() if isinstance(container, dict) else container
    return any(_is_saveable(v) or (isinstance(v, (list, tuple, dict)) and _holds_saveable(v)) for v in values)


def _own_variables(obj: Any) -> list[Any]:
    keras = _keras()
    if isinstance(obj, keras.Optimizer):
        return list(obj.variables)
    from ..layers.lora import merged_for_saving

    merged = merged_for_saving(obj)  # a LoRA layer saves its merged kernel and no LoRA weights (Keras 3)
    return merged if merged is not None else list(obj._trainable_variables) + list(obj._non_trainable_variables)


def _walk_state(obj: Any, path: str, visited: set[int], visit: Any) -> None:
    """Call ``visit(obj, path)`` for ``obj`` and every saveable under it, each once, in Keras 3's order."""
    if id(obj) in visited:
        return
    visited.add(id(obj))
    visit(obj, path)
    for attr, child in _children(obj):
        child_path = f"{path}/{attr}" if path else attr
        if _is_saveable(child):
            _walk_state(child, child_path, visited, visit)
        else:
            _walk_container(child, child_path, visited, visit, set())


def _walk_container(container: Any, path: str, visited: set[int], visit: Any, seen: set[int]) -> None:
    if id(container) in seen:
        return
    seen.add(id(container))
    used: dict[str, int] = {}
    values = list(container.values()) if isinstance(container, dict) else list(container)
    for value in values:
        if _is_saveable(value):
            name = _unique(_snake(type(value).__name__), used)
            _walk_state(value, f"{path}/{name}", visited, visit)
        elif isinstance(value, (list, tuple, dict)):
            _walk_container(value, f"{path}/{_unique('container', used)}", visited, visit, seen)


def _unique(name: str, used: dict[str, int]) -> str:
    if name not in used:
        used[name] = 0
        return name
    used[name] += 1
    return f"{name}_{used[name]}"


# --------------------------------------------------------------------------------------------------------------
# weights (HDF5)


def _write_weights_h5(model: Any, target: Any) -> None:
    h5py = _h5py()
    with h5py.File(target, "w") as f:

        def visit(obj: Any, path: str) -> None:
            group = f.create_group(f"{path}/vars" if path else "vars")
            if isinstance(getattr(obj, "name", None), str):
                group.attrs["name"] = obj.name
            for i, v in enumerate(_own_variables(obj)):
                value = np.asarray(v.numpy())
                if value.dtype.name == "bfloat16":
                    ds = group.create_dataset(str(i), data=value.view(np.uint16))
                    ds.attrs["dtype"] = "bfloat16"
                else:
                    group[str(i)] = value

        _walk_state(model, "", set(), visit)


def _read_group(f: Any, path: str) -> dict[str, np.ndarray]:
    key = f"{path}/vars" if path else "vars"
    if key not in f:
        return {}
    out = {}
    for name, ds in f[key].items():
        value = np.asarray(ds)
        if ds.attrs.get("dtype") == "bfloat16":
            value = value.view(_dtypes.as_dtype("bfloat16").as_numpy_dtype)
        out[name] = value
    return out


def _read_weights_h5(model: Any, source: Any, skip_mismatch: bool = False) -> None:
    h5py = _h5py()
    keras = _keras()
    with h5py.File(source, "r") as f:

        def visit(obj: Any, path: str) -> None:
            store = _read_group(f, path)
            own = _own_variables(obj)
            if isinstance(obj, keras.Optimizer):
                if len(store) != len(own):
                    msg = (f"Skipping variable loading for optimizer '{obj.name}', because it has {len(own)} "
                           f"variables whereas the saved optimizer has {len(store)} variables. ")
                    if not own:
                        msg += "This is likely because the optimizer has not been called/built yet."
                    warnings.warn(msg, stacklevel=4)
                    return
            elif len(store) != len(own):
                if skip_mismatch:
                    warnings.warn(f"Skipping loading weights for layer '{obj.name}': it has {len(own)} variables "
                                  f"but the file holds {len(store)}.", stacklevel=4)
                    return
                if not own and not obj.built:
                    raise ValueError(f"Layer '{obj.name}' was never built and thus it doesn't have any variables. "
                                     f"However the weights file lists {len(store)} variables for this layer. Build "
                                     "the model (call it on data, or give it a `keras.Input`) before loading, or "
                                     "implement `build_from_config` on the layer.")
                raise ValueError(f"Layer '{obj.name}' expected {len(own)} variables, but received {len(store)} "
                                 f"variables during loading. Expected: {[v.name for v in own]}")
            for i, v in enumerate(own):
                value = store[str(i)]
                if tuple(value.shape) != tuple(v.shape):
                    if skip_mismatch:
                        warnings.warn(f"Skipping loading weight '{v.name}' of '{obj.name}': shape "
                                      f"{tuple(value.shape)} in the file, {tuple(v.shape)} in the model.",
                                      stacklevel=4)
                        continue
                    raise ValueError(f"Cannot load weights into '{obj.name}': variable '{v.name}' has shape "
                                     f"{tuple(v.shape)} but the saved value has shape {tuple(value.shape)}.")
                v.assign(value.astype(np.dtype(_dtypes.as_dtype(v.dtype).as_numpy_dtype), copy=False))
            if own and not isinstance(obj, keras.Optimizer):
                from ..layers.lora import after_load

                after_load(obj)

        _walk_state(model, "", set(), visit)


def save_weights(model: Any, filepath: Any, overwrite: bool = True) -> None:
    """Write ``model``'s weights (and a built optimizer's variables) to ``filepath`` in Keras 3's
    ``.weights.h5`` layout."""
    path = Path(os.fspath(filepath))
    if not str(path).endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={filepath}")
    if path.exists() and not overwrite:
        raise FileExistsError(f"File {str(path)!r} exists and overwrite=False.")
    _h5py()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    os.close(fd)
    try:
        _write_weights_h5(model, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_weights(model: Any, filepath: Any, skip_mismatch: bool = False) -> None:
    """Load a ``.weights.h5`` file (written here or by Keras 3) into ``model`` (same architecture)."""
    path = Path(os.fspath(filepath))
    if not path.is_file():
        raise FileNotFoundError(f"No weights file at {str(path)!r}.")
    _read_weights_h5(model, path, skip_mismatch=skip_mismatch)


# --------------------------------------------------------------------------------------------------------------
# .keras archives


def save_model(model: Any, filepath: Any, overwrite: bool = True, zipped: bool = True, **kwargs: Any) -> None:
    """Save ``model`` as a Keras 3 ``.keras`` archive: its config (and compile config), and its weights and
    optimizer state in ``model.weights.h5``.

    >>> import os, tempfile
    >>> import numpy as np
    >>> from tapegrad import keras
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
    >>> model.save(path)
    >>> again = keras.models.load_model(path)
    >>> x = np.ones((1, 3), "float32")
    >>> bool(np.array_equal(model.predict(x, verbose=0), again.predict(x, verbose=0)))
    True
    """
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
    path = Path(os.fspath(filepath))
    name = str(path)
    if name.endswith((".h5", ".hdf5")):
        raise ValueError(f"tapegrad saves whole models only in the Keras 3 format: give the file a `.keras` "
                         f"extension (the legacy Keras 2 HDF5 model format is not written). Received: "
                         f"filepath={filepath}")
    if not name.endswith(".keras"):
        raise ValueError("Invalid filepath extension for saving. Please add a `.keras` extension for the native "
                         f"Keras format. Received: filepath={filepath}")
    if not zipped:
        raise ValueError("tapegrad writes `.keras` files zipped only (zipped=True).")
    if path.exists() and not overwrite:
        raise FileExistsError(f"File {name!r} exists and overwrite=False.")
    _h5py()
    keras = _keras()
    config = serialize_keras_object(model)
    metadata = {"keras_version": keras.__version__.split("-")[0],
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    weights = io.BytesIO()
    _write_weights_h5(model, weights)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as zf:
            zf.writestr(_METADATA, json.dumps(metadata))
            zf.writestr(_CONFIG, json.dumps(config))
            zf.writestr(_WEIGHTS, weights.getvalue())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_model(filepath: Any, custom_objects: dict[str, Any] | None = None, compile: bool = True,
               safe_mode: bool = True) -> Any:
    """Load a ``.keras`` archive written by :func:`save_model` or by Keras 3: the model is rebuilt from its
    config (custom classes from ``custom_objects`` or the registry), compiled from its compile config when
    ``compile`` (optimizer state included, so training resumes where it stopped), and given its weights."""
    path = Path(os.fspath(filepath))
    name = str(path)
    if name.endswith((".h5", ".hdf5")):
        raise ValueError(f"Legacy Keras 2 HDF5 model files are not supported by tapegrad: save the model in Keras "
                         f"3's `.keras` format. Received: filepath={filepath}")
    if not name.endswith(".keras"):
        raise ValueError(f"File format not supported: filepath={filepath}. tapegrad loads Keras 3 `.keras` files "
                         "(and `.weights.h5` files with `model.load_weights`).")
    if not path.is_file():
        raise ValueError(f"File not found: filepath={filepath}. Please ensure the file is an accessible `.keras` "
                         "zip file.")
    _h5py()
    with zipfile.ZipFile(path, "r") as zf:
        config = json.loads(zf.read(_CONFIG))
        weights = io.BytesIO(zf.read(_WEIGHTS)) if _WEIGHTS in zf.namelist() else None
    model = deserialize_keras_object(config, custom_objects=custom_objects, safe_mode=safe_mode, compile=compile)
    if weights is not None:
        _read_weights_h5(model, weights)
    return model


# --------------------------------------------------------------------------------------------------------------
# Sequential and functional model configs


def sequential_get_config(model: Any) -> dict[str, Any]:
    from .serialization_lib import _dtype_policy

    config = {"name": model.name, "trainable": model.trainable, "dtype": _dtype_policy(model.dtype),
              "layers": [serialize_keras_object(layer) for layer in model._layers]}
    shapes = getattr(model, "_build_shapes_dict", None)
    if model.built and shapes and shapes.get("input_shape") is not None:
        config["build_input_shape"] = list(shapes["input_shape"])
    return config


def sequential_from_config(cls: type, config: dict[str, Any], custom_objects: Any = None,
                           make_layer: Any = None) -> Any:
    model = cls(name=config.get("name"), trainable=config.get("trainable", True))
    for layer_config in config.get("layers", []):
        layer = make_layer(layer_config) if make_layer is not None else None
        if layer is None:
            layer = deserialize_keras_object(layer_config, custom_objects=custom_objects)
        model.add(layer, rebuild=False)
    if model._layers:
        model._maybe_rebuild()
    shape = config.get("build_input_shape")
    if not model.built and isinstance(shape, (list, tuple)):
        model.build(tuple(shape))
    return model


def functional_get_config(model: Any) -> dict[str, Any]:
    keras = _keras()
    in_model = {id(n) for n in model._nodes}
    reindex: dict[int, int] = {}
    for layer in model.layers:
        k = 0
        for node in layer._inbound_nodes:
            if id(node) in in_model:
                reindex[id(node)] = k
                k += 1

    def history(t: Any) -> list[Any]:
        layer, node_index, tensor_index = t._keras_history
        node = layer._inbound_nodes[node_index]
        return [layer.name, reindex.get(id(node), node_index), tensor_index]

    def arg(value: Any) -> Any:
        if isinstance(value, keras.KerasTensor):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(value.shape), "dtype": value.dtype, "keras_history": history(value)}}
        return serialize_keras_object(value)

    layers = []
    for layer in model.layers:
        layer_config = serialize_keras_object(layer)
        layer_config["name"] = layer.name
        nodes = []
        if not isinstance(layer, keras.layers.InputLayer):
            for node in layer._inbound_nodes:
                if id(node) in in_model:
                    nodes.append({"args": _nest.map_structure(arg, list(node.args)),
                                  "kwargs": {k: _nest.map_structure(arg, v) for k, v in node.kwargs.items()}})
        layer_config["inbound_nodes"] = nodes
        layers.append(layer_config)

    def struct(s: Any) -> Any:
        if isinstance(s, keras.KerasTensor):
            return history(s)
        if isinstance(s, dict):
            return {k: struct(v) for k, v in s.items()}
        return [struct(v) for v in s]

    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": struct(model._inputs_struct), "output_layers": struct(model._outputs_struct)}


def _is_history(value: Any) -> bool:
    return (isinstance(value, (list, tuple)) and len(value) == 3 and isinstance(value[0], str)
            and isinstance(value[1], int) and isinstance(value[2], int))


def functional_from_config(cls: type, config: dict[str, Any], custom_objects: Any = None,
                           make_layer: Any = None) -> Any:
    keras = _keras()
    created: dict[str, Any] = {}
    tensors: dict[tuple[str, int, int], Any] = {}
    pending: list[tuple[Any, dict[str, Any]]] = []
    node_count: dict[str, int] = {}
    for layer_data in config["layers"]:
        layer = make_layer(layer_data) if make_layer is not None else None
        if layer is None:
            layer = deserialize_keras_object(layer_data, custom_objects=custom_objects)
        name = layer_data.get("name", layer.name)
        created[name] = layer
        node_count[name] = 0
        if isinstance(layer, keras.layers.InputLayer):
            tensors[(name, 0, 0)] = layer.output
        for node_data in layer_data.get("inbound_nodes", []):
            pending.append((name, node_data))

    def resolve(value: Any) -> Any:
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            key = tuple(value["config"]["keras_history"])
            if key not in tensors:
                raise LookupError(key)
            return tensors[key]
        if isinstance(value, dict) and "class_name" in value and "config" in value:
            return deserialize_keras_object(value, custom_objects=custom_objects)
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return value

    while pending:
        progressed = False
        remaining = []
        blocked: set[str] = set()
        for name, node_data in pending:
            if name in blocked:  # a layer's nodes run in order
                remaining.append((name, node_data))
                continue
            try:
                args = resolve(node_data.get("args", []))
                kwargs = resolve(node_data.get("kwargs", {}))
            except LookupError:
                remaining.append((name, node_data))
                blocked.add(name)
                continue
            outputs = created[name](*args, **kwargs)
            index = node_count[name]
            node_count[name] += 1
            for i, t in enumerate(_nest.flatten(outputs)):
                tensors[(name, index, i)] = t
            progressed = True
        if not progressed:
            raise ValueError(f"Cannot rebuild the functional model {config.get('name')!r}: the inputs of layers "
                             f"{sorted({n for n, _ in remaining})} are never produced by the config's graph.")
        pending = remaining

    def struct(s: Any) -> Any:
        if _is_history(s):
            return tensors[tuple(s)]
        if isinstance(s, dict):
            return {k: struct(v) for k, v in s.items()}
        return [struct(v) for v in s]

    inputs = struct(config["input_layers"])
    outputs = struct(config["output_layers"])
    model_cls = cls if cls is not keras.Model else keras.models.Functional
    return model_cls(inputs=inputs, outputs=outputs, name=config.get("name"),
                     trainable=config.get("trainable", True))

