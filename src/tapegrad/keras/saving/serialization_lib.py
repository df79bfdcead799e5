"""Keras 3 object serialization: the custom-object registry and ``serialize_keras_object`` /
``deserialize_keras_object`` in Keras 3's format (``{"module", "class_name", "config", "registered_name"}``, with
``build_config`` and ``compile_config`` for layers and models), so configs written here load in Keras 3 and the
configs Keras 3 writes load here.

>>> from tapegrad import keras
>>> @keras.saving.register_keras_serializable(package="demo")
... class Scale(keras.layers.Layer):
...     def __init__(self, factor=2.0, **kwargs):
...         super().__init__(**kwargs)
...         self.factor = factor
...     def call(self, x):
...         return x * self.factor
...     def get_config(self):
...         return {**super().get_config(), "factor": self.factor}
>>> config = keras.saving.serialize_keras_object(Scale(3.0, name="scale"))
>>> config["module"], config["class_name"], config["registered_name"], config["config"]["factor"]
('tapegrad.keras.saving.serialization_lib', 'Scale', 'demo>Scale', 3.0)
>>> layer = keras.saving.deserialize_keras_object(config)
>>> type(layer).__name__, layer.factor, layer.name
('Scale', 3.0, 'scale')
"""

from __future__ import annotations

import codecs
import importlib
import inspect
import marshal
import threading
import types
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["register_keras_serializable", "get_registered_object", "get_registered_name", "get_custom_objects",
           "custom_object_scope", "CustomObjectScope", "serialize_keras_object", "deserialize_keras_object"]

_GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = {}
_GLOBAL_CUSTOM_NAMES: dict[Any, str] = {}
_SCOPE = threading.local()

# Keras 3 arguments tapegrad's classes do not take: dropped when they hold these (Keras's default) values.
_KERAS_ONLY_DEFAULTS: dict[str, Any] = {
    "quantization_config": None, "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99,
    "rms_scaling": False, "activity_regularizer": None, "zero_output_for_mask": False, "use_gate": False,
    "sliding_window": None, "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
    "gradient_accumulation_steps": None, "synchronized": False, "lora_rank": None, "lora_alpha": None,
    "ragged": False, "sparse": False, "optional": False, "input_axes": None, "output_axes": None,
    "flash_attention": None, "use_cudnn": "auto",
}

# tapegrad.keras namespaces and the Keras 3 module names they stand for.
_NAMESPACES = ("layers", "initializers", "regularizers", "optimizers", "optimizers.schedules", "losses", "metrics",
               "activations", "models", "constraints")


# --------------------------------------------------------------------------------------------------------------
# registry


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable[[Any], Any]:
    """Register a class or function under ``"package>name"`` so saved configs can find it again.

    Registered objects are written with that ``registered_name`` and found by it when loading, without
    ``custom_objects``. A class must define ``get_config`` (``ValueError`` otherwise, as in Keras 3).

    >>> from tapegrad import keras
    >>> @keras.saving.register_keras_serializable("my_pkg")
    ... def double(x):
    ...     return 2 * x
    >>> keras.saving.get_registered_name(double), keras.saving.get_registered_object("my_pkg>double") is double
    ('my_pkg>double', True)
    """

    def decorator(arg: Any) -> Any:
        class_name = name if name is not None else arg.__name__
        registered_name = f"{package}>{class_name}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg

    return decorator


def get_custom_objects() -> dict[str, Any]:
    """The global registry (``{"package>name": object}``); entries added to it are found when loading."""
    return _GLOBAL_CUSTOM_OBJECTS


def get_registered_name(obj: Any) -> str:
    """``"package>name"`` for a registered object, else its ``__name__``."""
    return _GLOBAL_CUSTOM_NAMES.get(obj, getattr(obj, "__name__", None))


def _scope_objects() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for d in getattr(_SCOPE, "stack", []):
        merged.update(d)
    return merged


def get_registered_object(name: str, custom_objects: dict[str, Any] | None = None,
                          module_objects: dict[str, Any] | None = None) -> Any:
    """The object registered as ``name``: looked up in active ``custom_object_scope``s, the global registry,
    ``custom_objects`` and ``module_objects``, in that order (Keras 3's order); None if none has it."""
    scoped = _scope_objects()
    if name in scoped:
        return scoped[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


class CustomObjectScope:
    """``with custom_object_scope({"Name": obj}):`` makes ``obj`` findable by deserialization inside the block."""

    def __init__(self, custom_objects: dict[str, Any] | None = None) -> None:
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self) -> CustomObjectScope:
        if not hasattr(_SCOPE, "stack"):
            _SCOPE.stack = []
        _SCOPE.stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc: Any) -> None:
        _SCOPE.stack.pop()


custom_object_scope = CustomObjectScope


# --------------------------------------------------------------------------------------------------------------
# serialization


def _keras():
    from tapegrad import keras

    return keras


def _public_module(cls: type) -> str | None:
    """The Keras 3 module name under which ``cls`` is public in tapegrad.keras (``"keras.layers"``), or None."""
    keras = _keras()
    if cls.__name__ in ("Sequential", "Model") and getattr(keras.models, cls.__name__, None) is cls:
        return "keras"
    for ns in _NAMESPACES:
        mod = keras
        for part in ns.split("."):
            mod = getattr(mod, part)
        if getattr(mod, cls.__name__, None) is cls:
            return "keras." + ns
    return None


def _dtype_policy(name: str) -> dict[str, Any]:
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name}, "registered_name": None}


def _fill_modules(value: Any) -> Any:
    """tapegrad's ``get_config`` writes nested objects as ``{"class_name", "config"}``: add Keras 3's ``module``
    and ``registered_name``; objects left in a config are serialized."""
    if isinstance(value, dict):
        if set(value) == {"class_name", "config"} and isinstance(value["class_name"], str):
            cls = _lookup_builtin(value["class_name"], None)
            module = _public_module(cls) if cls is not None else None
            if cls is None:
                reg = get_registered_object(value["class_name"])
                module = getattr(reg, "__module__", None)
            return {"module": module, "class_name": value["class_name"], "config": _fill_modules(value["config"]),
                    "registered_name": None}
        return {k: _fill_modules(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_fill_modules(v) for v in value]
    return serialize_keras_object(value)


def _serialize_class(cls: type, inner: Any) -> dict[str, Any]:
    keras = _keras()
    if cls is keras.models.Functional:  # not public in Keras 3: written under its source module
        return {"module": "keras.src.models.functional", "class_name": "Functional", "config": inner,
                "registered_name": "Functional"}
    module = _public_module(cls)
    if module is not None and cls not in _GLOBAL_CUSTOM_NAMES:
        return {"module": module, "class_name": cls.__name__, "config": inner, "registered_name": None}
    return {"module": cls.__module__, "class_name": cls.__name__, "config": inner,
            "registered_name": get_registered_name(cls)}


_WEIGHT_ARG_SUFFIXES = ("_initializer", "_regularizer", "_constraint")


def complete_config(layer: Any, config: dict[str, Any]) -> dict[str, Any]:
    """Add the initializer/regularizer/constraint arguments a built-in layer was given but its ``get_config``
    leaves out (Keras 3 writes them all), so a saved or cloned layer keeps its regularizers and constraints."""
    if not type(layer).__module__.startswith("tapegrad.keras.layers"):
        return config
    try:  # the layer class's own arguments (a base class's may be ones the subclass renames or drops)
        names = set(inspect.signature(type(layer).__init__).parameters) | {"activity_regularizer"}
    except (TypeError, ValueError):
        return config
    out = dict(config)
    for name in sorted(names):
        if name in out or not name.endswith(_WEIGHT_ARG_SUFFIXES):
            continue
        attr = "_activity_regularizer" if name == "activity_regularizer" else name
        if hasattr(layer, attr):
            value = getattr(layer, attr)
            out[name] = value if value is None or isinstance(value, (str, dict)) else serialize_keras_object(value)
    return out


def _layer_inner_config(obj: Any) -> dict[str, Any]:
    config = obj.get_config()
    if not isinstance(config, dict):
        raise TypeError(f"The `get_config()` method of {obj} should return a dict. It returned: {config}")
    config = _fill_modules(complete_config(obj, config))
    if isinstance(config.get("dtype"), str) and not _is_input_layer(obj):
        config["dtype"] = _dtype_policy(config["dtype"])
    return config


def _is_input_layer(obj: Any) -> bool:
    return type(obj).__name__ == "InputLayer"


def func_dump(fn: Callable[..., Any]) -> tuple[str, Any, Any]:
    """A Python function as ``(code, defaults, closure)``: its bytecode in base64 (Keras 3's encoding, so Keras
    reads it; the loader needs the same Python version), its defaults and its closure's values."""
    code = codecs.encode(marshal.dumps(fn.__code__), "base64").decode("ascii")
    closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    return code, fn.__defaults__, closure


def func_load(code: Any, defaults: Any = None, closure: Any = None, globs: dict[str, Any] | None = None) -> Any:
    """Inverse of :func:`func_dump`."""
    if isinstance(code, (tuple, list)):
        code, defaults, closure = code
    raw = codecs.decode(code.encode("ascii"), "base64")
    cells = tuple(types.CellType(v) for v in closure) if closure is not None else None
    return types.FunctionType(marshal.loads(raw), globs if globs is not None else {"__builtins__": __builtins__},
                              None, tuple(defaults) if defaults is not None else None, cells)


_UNSAFE_LAMBDA = ("Requested the deserialization of a Python lambda. This carries a potential risk of arbitrary code "
                  "execution and thus it is disallowed by default. If you trust the source of the artifact, you can "
                  "override this error by passing `safe_mode=False` to the loading function.")


def serialize_function_for_lambda(fn: Any) -> Any:
    """A ``Lambda`` layer's function as Keras 3 writes it (``__lambda__`` with code/defaults/closure)."""
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        code, defaults, closure = func_dump(fn)
        return {"class_name": "__lambda__", "config": {"code": code, "defaults": defaults, "closure": closure}}
    return serialize_keras_object(fn)


def deserialize_function_for_lambda(config: Any, custom_objects: Any = None, safe_mode: Any = None) -> Any:
    if isinstance(config, dict) and config.get("class_name") == "__lambda__":
        if (getattr(_SCOPE, "safe_mode", True) if safe_mode is None else safe_mode) is not False:
            raise ValueError(_UNSAFE_LAMBDA)
        inner = config["config"]
        return func_load(inner["code"], inner.get("defaults"), inner.get("closure"))
    return deserialize_keras_object(config, custom_objects=custom_objects)


def serialize_keras_object(obj: Any) -> Any:
    """A JSON-ready description of ``obj`` in Keras 3's format.

    Layers, models, optimizers, losses, metrics, initializers and registered custom objects become
    ``{"module", "class_name", "config", "registered_name"}`` (layers and models add ``build_config``, compiled
    models ``compile_config``); functions become ``class_name "function"``; NumPy arrays and tensors
    ``"__numpy__"``/``"__tensor__"``; plain values pass through.

    >>> from tapegrad import keras
    >>> cfg = keras.saving.serialize_keras_object(keras.layers.Dense(2, name="d"))
    >>> cfg["module"], cfg["class_name"], cfg["config"]["units"], cfg["config"]["dtype"]["class_name"]
    ('keras.layers', 'Dense', 2, 'DTypePolicy')
    """
    from ..._tensor import _TensorLike

    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        out = [serialize_keras_object(x) for x in obj]
        return tuple(out) if isinstance(obj, tuple) else out
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, slice):
        return {"class_name": "__slice__", "config": {"start": serialize_keras_object(obj.start),
                                                      "stop": serialize_keras_object(obj.stop),
                                                      "step": serialize_keras_object(obj.step)}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    keras = _keras()
    if isinstance(obj, keras.KerasTensor):
        history = obj._keras_history
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(obj.shape), "dtype": obj.dtype,
                           "keras_history": [history[0].name, history[1], history[2]] if history else None}}
    if isinstance(obj, _TensorLike):
        return {"class_name": "__tensor__", "config": {"value": np.asarray(obj.numpy()).tolist(),
                                                       "dtype": obj.dtype.name}}
    if isinstance(obj, np.ndarray):
        if obj.ndim > 0:
            return {"class_name": "__numpy__", "config": {"value": obj.tolist(), "dtype": str(obj.dtype)}}
        return obj.item()
    if isinstance(obj, np.generic):
        return obj.item()
    if hasattr(obj, "as_list") and hasattr(obj, "rank"):  # TensorShape
        return obj.as_list() if obj.rank is not None else None
    if hasattr(obj, "as_numpy_dtype") and hasattr(obj, "name"):  # DType
        return obj.name
    if isinstance(obj, types.FunctionType) and obj.__name__ == "<lambda>":
        warnings.warn("The object being serialized includes a `lambda`. This is unsafe. In order to reload the "
                      "object, you will have to pass `safe_mode=False` to the loading function. Please avoid using "
                      "`lambda` in the future, and use named Python functions instead.", stacklevel=2)
        return {"class_name": "__lambda__", "config": {"value": list(func_dump(obj))}}
    if isinstance(obj, types.FunctionType) or (callable(obj) and not hasattr(obj, "get_config")
                                               and not isinstance(obj, type)):
        return _serialize_function(obj)
    if isinstance(obj, type):
        return get_registered_name(obj)
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize object {obj} of type {type(obj)}. To be serializable, a class must "
                        "implement the `get_config()` method.")
    if isinstance(obj, keras.Layer):
        inner = _layer_inner_config(obj)
    else:
        inner = _fill_modules(obj.get_config())
    config = _serialize_class(type(obj), inner)
    if isinstance(obj, keras.Layer):
        build = get_build_config(obj)
        if build is not None:
            config["build_config"] = serialize_keras_object(build)
        if isinstance(obj, keras.Model):
            compile_config = get_compile_config(obj)
            if compile_config is not None:
                config["compile_config"] = compile_config
    return config


def _serialize_function(fn: Any) -> dict[str, Any]:
    name = getattr(fn, "__name__", None)
    keras = _keras()
    if fn in _GLOBAL_CUSTOM_NAMES:
        reg = _GLOBAL_CUSTOM_NAMES[fn]
        return {"module": fn.__module__, "class_name": "function", "config": reg, "registered_name": reg}
    for ns in ("activations", "losses", "metrics"):
        if name and getattr(getattr(keras, ns), name, None) is fn:
            return {"module": f"keras.{ns}", "class_name": "function", "config": name, "registered_name": name}
    return {"module": getattr(fn, "__module__", None), "class_name": "function", "config": name,
            "registered_name": name}


def get_build_config(layer: Any) -> dict[str, Any] | None:
    """``{"input_shape": ...}`` of a built layer (Keras 3's ``get_build_config``), None when not built."""
    keras = _keras()
    if isinstance(layer, keras.models.Functional) and not isinstance(layer, keras.Sequential):
        return {"input_shape": None}
    shapes = getattr(layer, "_build_shapes_dict", None)
    if not layer.built or not shapes:
        return None
    several = getattr(layer, "_built_shapes", None)  # MultiHeadAttention builds from query/value/key shapes
    if several is not None:
        named = {"query_shape": several[0], "value_shape": several[1]}
        if several[2] is not None:
            named["key_shape"] = several[2]
        return {"shapes_dict": {k: _shape_list(v) for k, v in named.items()}}
    return {k: _shape_list(v) for k, v in shapes.items()}


def _shape_list(shape: Any) -> Any:
    if isinstance(shape, (tuple, list)):
        if all(d is None or isinstance(d, (int, np.integer)) for d in shape):
            return [None if d is None else int(d) for d in shape]
        return [_shape_list(s) for s in shape]
    if isinstance(shape, dict):
        return {k: _shape_list(v) for k, v in shape.items()}
    return shape


def get_compile_config(model: Any) -> dict[str, Any] | None:
    """Keras 3's ``compile_config``: the arguments ``compile`` was given, serialized."""
    if not getattr(model, "compiled", False) or getattr(model, "_compile_args", None) is None:
        return None
    args = model._compile_args
    return {"optimizer": serialize_keras_object(model.optimizer), "loss": serialize_keras_object(args["loss"]),
            "loss_weights": serialize_keras_object(args["loss_weights"]),
            "metrics": serialize_keras_object(args["metrics"]),
            "weighted_metrics": serialize_keras_object(args["weighted_metrics"]),
            "run_eagerly": bool(args["run_eagerly"]), "steps_per_execution": int(args["steps_per_execution"]),
            "jit_compile": args["jit_compile"] if isinstance(args["jit_compile"], bool) else False}


# --------------------------------------------------------------------------------------------------------------
# deserialization


def _lookup_builtin(class_name: str, module: str | None) -> Any:
    """The tapegrad.keras class or function Keras 3 publishes as ``module.class_name`` (any namespace when
    ``module`` is None)."""
    keras = _keras()
    if class_name in ("Functional", "Sequential", "Model") and (module is None or module.startswith("keras")):
        return getattr(keras.models, class_name)
    if class_name == "DTypePolicy" and (module is None or module.startswith("keras")):
        return "DTypePolicy"
    spaces = list(_NAMESPACES)
    if module and module.startswith("keras."):
        wanted = module[len("keras."):]
        spaces = [wanted] + [s for s in spaces if s != wanted] if wanted in spaces else spaces
    for ns in spaces:
        mod = keras
        for part in ns.split("."):
            mod = getattr(mod, part)
        obj = getattr(mod, class_name, None)
        if obj is not None:
            return obj
    return None


def _accepted_arguments(cls: type) -> tuple[set[str], bool]:
    """The keyword arguments ``cls(...)`` accepts along its ``__init__`` chain, and whether any ``**kwargs`` of
    the chain is open-ended (reaches a constructor that takes anything)."""
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters
        except (TypeError, ValueError):
            return names, True
        names.update(p.name for p in params.values() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL))
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            return names, False
        if klass.__module__.startswith("tapegrad.keras.layers._base") and klass.__name__ == "Layer":
            names.update({"input_shape", "input_dim", "batch_size"})
            return names, False
    return names, True


def _adapt_config(cls: type, config: dict[str, Any], custom_objects: Any, safe_mode: bool) -> dict[str, Any]:
    """A Keras 3 inner config as the tapegrad class takes it: dtype policies as names, nested objects
    deserialized, Keras-only arguments at their defaults dropped (others refused clearly)."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        if key == "dtype" and isinstance(value, dict):
            value = value.get("config", {}).get("name", "float32")
        elif isinstance(value, dict) and "class_name" in value and key not in ("layer", "cell", "backward_layer"):
            value = deserialize_keras_object(value, custom_objects=custom_objects, safe_mode=safe_mode)
        out[key] = value
    if not getattr(cls, "__module__", "").startswith("tapegrad.") or not _generic_from_config(cls):
        return out  # a user class, or one whose own from_config reads its config
    names, open_ended = _accepted_arguments(cls)
    if open_ended:
        return out
    for key in [k for k in out if k not in names]:
        if key in _KERAS_ONLY_DEFAULTS and _same(out[key], _KERAS_ONLY_DEFAULTS[key]):
            del out[key]
        else:
            raise ValueError(f"Cannot deserialize {cls.__name__}: its config has argument {key}={out[key]!r}, "
                             f"which tapegrad's {cls.__name__} does not support.")
    return out


def _generic_from_config(cls: type) -> bool:
    """Whether ``cls.from_config`` is a base class's ``cls(**config)`` (then unknown arguments would fail)."""
    for klass in cls.__mro__:
        if "from_config" in vars(klass):
            return klass.__name__ in ("Layer", "Optimizer", "Initializer", "Loss", "Metric", "Regularizer",
                                      "LearningRateSchedule") and klass.__module__.startswith("tapegrad.")
    return True


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and type(a) is type(b) or (a is None and b is None)
    except Exception:
        return False


def deserialize_keras_object(config: Any, custom_objects: dict[str, Any] | None = None,
                             safe_mode: bool | None = None, **kwargs: Any) -> Any:
    """Rebuild an object from :func:`serialize_keras_object`'s output (or the configs Keras 3 writes).

    Classes are found in ``custom_objects`` / ``custom_object_scope`` / the registry first, then among the
    built-in Keras classes; an unknown class is a ``TypeError`` naming ``custom_objects`` and
    ``register_keras_serializable``. A serialized ``lambda`` needs ``safe_mode=False`` (``None``: the setting of
    the enclosing load, safe by default).

    >>> from tapegrad import keras
    >>> init = keras.saving.deserialize_keras_object(
    ...     {"module": "keras.initializers", "class_name": "Constant", "config": {"value": 0.5},
    ...      "registered_name": None})
    >>> type(init).__name__, init.value
    ('Constant', 0.5)
    """
    from ...ops import core as _core

    if safe_mode is None:
        safe_mode = getattr(_SCOPE, "safe_mode", True)
    custom_objects = dict(custom_objects or {})
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        return config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(c, custom_objects, safe_mode) for c in config]
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {config}")
    if "class_name" not in config or "config" not in config:
        return {k: deserialize_keras_object(v, custom_objects, safe_mode) for k, v in config.items()}
    class_name, inner = config["class_name"], config["config"]
    module, registered_name = config.get("module"), config.get("registered_name")
    if class_name == "__tensor__":
        return _core.constant(np.asarray(inner["value"], dtype=inner["dtype"]))
    if class_name == "__numpy__":
        return np.asarray(inner["value"], dtype=inner["dtype"])
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__slice__":
        return slice(*(deserialize_keras_object(inner[k], custom_objects, safe_mode) for k in ("start", "stop",
                                                                                               "step")))
    if class_name == "__lambda__":
        if safe_mode:
            raise ValueError(_UNSAFE_LAMBDA)
        return func_load(inner["value"]) if "value" in inner else func_load(inner["code"], inner.get("defaults"),
                                                                            inner.get("closure"))
    if class_name == "__keras_tensor__":
        keras = _keras()
        t = keras.KerasTensor(inner["shape"], inner["dtype"])
        t._keras_history = tuple(inner["keras_history"]) if inner.get("keras_history") else None
        return t
    if class_name == "function":
        fn_name = inner if isinstance(inner, str) else class_name
        obj = get_registered_object(registered_name or fn_name, custom_objects) or \
            get_registered_object(fn_name, custom_objects)
        if obj is None and module and (module == "keras" or module.startswith("keras.")):
            obj = _lookup_builtin(fn_name, module)
        if obj is None:
            raise TypeError(f"Could not locate function '{fn_name}'. Make sure custom classes and functions are "
                            "decorated with `@keras.saving.register_keras_serializable()`, or pass them in "
                            f"`custom_objects`. Full object config: {config}")
        return obj
    cls = _retrieve_class(class_name, registered_name, module, config, custom_objects)
    if cls == "DTypePolicy":
        return inner.get("name", "float32")
    if not isinstance(inner, dict):
        return cls
    previous_safe_mode = getattr(_SCOPE, "safe_mode", True)
    _SCOPE.safe_mode = safe_mode
    try:
        return _build_object(cls, class_name, inner, config, custom_objects, safe_mode, kwargs)
    finally:
        _SCOPE.safe_mode = previous_safe_mode


def _build_object(cls: Any, class_name: str, inner: dict[str, Any], config: dict[str, Any], custom_objects: Any,
                  safe_mode: bool, kwargs: dict[str, Any]) -> Any:
    with CustomObjectScope(custom_objects):
        adapted = _adapt_config(cls, inner, custom_objects, safe_mode)
        if not hasattr(cls, "from_config"):
            raise TypeError(f"Unable to reconstruct an instance of '{class_name}' because the class is missing a "
                            "`from_config()` method.")
        try:
            obj = cls.from_config(adapted)
        except TypeError as e:
            raise TypeError(f"{cls} could not be deserialized properly. Please ensure that components that are "
                            "Python object instances (layers, models, etc.) returned by `get_config()` are "
                            "explicitly deserialized in the model's `from_config()` method.\n\n"
                            f"config={inner}.\n\nException encountered: {e}") from e
        build_config = config.get("build_config")
        if build_config:
            build_from_config(obj, build_config)
        compile_config = config.get("compile_config")
        if compile_config and kwargs.get("compile", False):
            compile_from_config(obj, compile_config)
    return obj


def _retrieve_class(class_name: str, registered_name: Any, module: Any, full_config: Any,
                    custom_objects: dict[str, Any]) -> Any:
    obj = get_registered_object(registered_name or class_name, custom_objects)
    if obj is None and registered_name != class_name:
        obj = get_registered_object(class_name, custom_objects)
    if obj is None and custom_objects and registered_name and ">" not in class_name:
        for custom_name, custom in custom_objects.items():
            if custom_name.endswith(">" + class_name):
                obj = custom
    if obj is not None:
        return obj
    if module and (module == "keras" or module.startswith("keras.")):
        obj = _lookup_builtin(class_name, module)
        if obj is not None:
            return obj
    if module and module.startswith("tapegrad.keras"):
        obj = getattr(importlib.import_module(module), class_name, None)
        if isinstance(obj, type):
            return obj
    raise TypeError(f"Could not locate class '{class_name}'. Make sure custom classes are decorated with "
                    "`@keras.saving.register_keras_serializable()` (and that the module defining them is imported "
                    "before loading), or pass them to the loading function as `custom_objects={"
                    f"'{class_name}': {class_name}}}`. Full object config: {full_config}")


def build_from_config(layer: Any, build_config: dict[str, Any]) -> None:
    """Build ``layer`` for ``build_config["input_shape"]`` (Keras 3's ``build_from_config``)."""
    keras = _keras()
    if isinstance(layer, keras.models.Functional) and not isinstance(layer, keras.Sequential):
        return
    custom = getattr(type(layer), "build_from_config", None)
    if custom is not None and custom is not getattr(keras.Layer, "build_from_config", None):
        custom(layer, build_config)
        return
    if "shapes_dict" in build_config and not layer.built:  # a build taking several named shapes
        from .. import backend

        shapes = {k: _as_shape(v) for k, v in build_config["shapes_dict"].items()}
        with backend.path_scope(layer.name):
            layer.build(**shapes)
        layer.built = True
        layer._build_shapes_dict = {"input_shape": shapes.get("query_shape", next(iter(shapes.values())))}
        return
    shape = build_config.get("input_shape")
    if shape is None or layer.built:
        return
    shape = _as_shape(shape)
    if isinstance(layer, keras.Sequential):
        layer.build(shape)
    elif isinstance(layer, keras.Model) and type(layer).build is keras.Model.build:
        layer.build(shape)
    else:
        layer._run_build(shape)


def _as_shape(shape: Any) -> Any:
    if isinstance(shape, list) and all(d is None or isinstance(d, int) for d in shape):
        return tuple(shape)
    if isinstance(shape, list):
        return [_as_shape(s) for s in shape]
    if isinstance(shape, dict):
        return {k: _as_shape(v) for k, v in shape.items()}
    return shape


def compile_from_config(model: Any, config: dict[str, Any]) -> None:
    """``model.compile(**config)`` with each entry deserialized; a built model's optimizer builds its slots so
    saved optimizer variables can be loaded into them (as Keras 3)."""
    cfg = dict(config)
    optimizer = deserialize_keras_object(cfg.pop("optimizer", None))
    loss = _deserialize_loss_or_metric(cfg.pop("loss", None))
    metrics = _deserialize_loss_or_metric(cfg.pop("metrics", None))
    weighted = _deserialize_loss_or_metric(cfg.pop("weighted_metrics", None))
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics, weighted_metrics=weighted,
                  loss_weights=cfg.get("loss_weights"), run_eagerly=cfg.get("run_eagerly", False),
                  steps_per_execution=cfg.get("steps_per_execution", 1))
    if model.built and model.optimizer is not None and not getattr(model.optimizer, "built", False):
        model.optimizer.build(model.trainable_variables)


def _deserialize_loss_or_metric(value: Any) -> Any:
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _deserialize_loss_or_metric(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deserialize_loss_or_metric(v) for v in value]
    return deserialize_keras_object(value)
