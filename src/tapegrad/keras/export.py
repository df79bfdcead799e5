"""``keras.export``: ``ExportArchive`` and ``Model.export`` write inference artifacts as ``tf.saved_model`` directories
(tapegrad's format: ``docs/saved_model.md``), reloaded with ``tf.saved_model.load`` or wrapped as a Keras layer by
``keras.layers.TFSMLayer``, in a process that does not have the model's code.

As Keras 3 on TF, the artifact's root holds the endpoints (``serve`` for ``model.export``) and the tracked
variables as ``variables``, ``trainable_variables`` and ``non_trainable_variables``; every endpoint is also a
signature, and ``serve`` is ``signatures["serving_default"]``.

>>> import os, tempfile
>>> import numpy as np
>>> import tapegrad as tf
>>> from tapegrad import keras
>>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
>>> path = os.path.join(tempfile.mkdtemp(), "artifact")
>>> model.export(path, verbose=False)
>>> reloaded = tf.saved_model.load(path)
>>> x = np.ones((4, 3), "float32")
>>> np.allclose(reloaded.serve(x).numpy(), model(x).numpy())
True
>>> len(reloaded.trainable_variables)
2
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["ExportArchive", "export_model"]


def _as_tensor_spec(spec: Any) -> Any:
    """A ``tf.TensorSpec`` for a TensorSpec, a ``keras.InputSpec`` or a ``KerasTensor`` (nested structures too)."""
    from .. import _nest
    from ..ops.tensor_spec import TensorSpec

    def one(s: Any) -> Any:
        if isinstance(s, TensorSpec):
            return s
        shape = getattr(s, "shape", None)
        if shape is None:
            raise ValueError(f"Expected a tf.TensorSpec, keras.InputSpec or KerasTensor in `input_signature`, "
                             f"received {s!r}. An InputSpec needs a shape.")
        dims = list(shape) if not hasattr(shape, "as_list") else shape.as_list()
        return TensorSpec(dims, getattr(s, "dtype", None) or "float32", getattr(s, "name", None))

    return _nest.map_structure(one, spec)


class ExportArchive:
    """Assemble an inference artifact (``keras.export.ExportArchive``): ``track`` the layers whose variables the
    endpoints use, ``add_endpoint`` the functions to serve (with an ``input_signature``), ``write_out`` a
    directory that ``tf.saved_model.load`` reads (see the module example).

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> archive = keras.export.ExportArchive()
    >>> archive.track(model)
    >>> _ = archive.add_endpoint("predict", lambda x: model(x, training=False),
    ...                          input_signature=[keras.InputSpec(shape=(None, 2), dtype="float32")])
    >>> path = os.path.join(tempfile.mkdtemp(), "a")
    >>> archive.write_out(path, verbose=False)
    >>> tf.saved_model.load(path).predict(tf.ones([3, 2])).shape.as_list()
    [3, 1]
    """

    def __init__(self) -> None:
        from ..saved_model._load import _UserObject

        self._root = _UserObject()
        self._tracked: list[Any] = []
        self._endpoint_names: list[str] = []
        self._variables: list[Any] = []
        self._trainable: list[Any] = []
        self._non_trainable: list[Any] = []
        self._collections: list[str] = []

    @property
    def variables(self) -> list[Any]:
        return list(self._variables)

    @property
    def trainable_variables(self) -> list[Any]:
        return list(self._trainable)

    @property
    def non_trainable_variables(self) -> list[Any]:
        return list(self._non_trainable)

    def track(self, resource: Any) -> None:
        """Track a Keras layer or model (its variables become the artifact's) or a ``tf.Module``."""
        from ..module import Module
        from .layers._base import Layer

        if isinstance(resource, Layer):
            if not resource.built:
                raise ValueError("The layer provided has not yet been built. It must be built before export.")
            new = [v for v in resource.variables if all(v is not w for w in self._variables)]
            self._variables += new
            self._trainable += [v for v in resource.trainable_variables if any(v is w for w in new)]
            self._non_trainable += [v for v in resource.non_trainable_variables if any(v is w for w in new)]
        elif isinstance(resource, Module):
            new = [v for v in resource.variables if all(v is not w for w in self._variables)]
            self._variables += new
            self._trainable += [v for v in new if v.trainable]
            self._non_trainable += [v for v in new if not v.trainable]
        else:
            raise ValueError(f"Invalid resource type. Expected a Keras `Layer` or `Model` or a `tf.Module`. "
                             f"Received: resource={resource!r} (of type {type(resource).__name__})")
        self._tracked.append(resource)
        self._root.variables = list(self._variables)
        self._root.trainable_variables = list(self._trainable)
        self._root.non_trainable_variables = list(self._non_trainable)

    def add_endpoint(self, name: str, fn: Any = None, input_signature: Any = None, **kwargs: Any) -> Any:
        """Register ``fn`` as the endpoint ``name`` of the artifact, traced for ``input_signature`` (TensorSpecs or
        ``keras.InputSpec``s; may be left out when ``fn`` is a ``tf.function`` with one). Returns the function."""
        from ..compiler.function import Function, function

        if name in self._endpoint_names:
            raise ValueError(f"Endpoint name '{name}' is already taken.")
        if name in ("variables", "trainable_variables", "non_trainable_variables") or name in self._collections:
            raise ValueError(f"Endpoint name '{name}' is already taken (by a variable collection).")
        if fn is None:
            raise ValueError(f"add_endpoint('{name}'): pass the function to serve as `fn`.")
        if input_signature is None:
            if not isinstance(fn, Function) or fn.input_signature is None:
                raise ValueError(
                    f"You must provide an `input_signature` when adding an endpoint ('{name}') whose function is not "
                    "a tf.function with an input_signature, e.g. "
                    "input_signature=[keras.InputSpec(shape=(None, 3), dtype='float32')].")
            decorated = fn
        else:
            signature = _as_tensor_spec(list(input_signature))
            target = fn.python_function if isinstance(fn, Function) else fn
            decorated = function(target, input_signature=signature, autograph=False)
        decorated.get_concrete_function()  # traced now: errors (shapes, dtypes) surface at add_endpoint, as Keras
        setattr(self._root, name, decorated)
        self._endpoint_names.append(name)
        return decorated

    def track_and_add_endpoint(self, name: str, resource: Any, input_signature: Any, **kwargs: Any) -> Any:
        """``track(resource)`` then ``add_endpoint(name, resource.__call__, input_signature)``."""
        self.track(resource)
        return self.add_endpoint(name, resource.__call__, input_signature)

    def add_variable_collection(self, name: str, variables: Any) -> None:
        """Save ``variables`` (tracked ones) as the artifact's attribute ``name``."""
        if name in self._endpoint_names or name in self._collections:
            raise ValueError(f"Name '{name}' is already taken.")
        variables = list(variables)
        for v in variables:
            if all(v is not w for w in self._variables):
                raise ValueError(f"The variable {getattr(v, 'path', v.name)!r} is not tracked by this archive: "
                                 "call track() on the layer that owns it first.")
        setattr(self._root, name, variables)
        self._collections.append(name)

    def write_out(self, filepath: Any, options: Any = None, verbose: bool = True) -> None:
        """Write the artifact to the directory ``filepath`` (every endpoint is also a signature; ``serve`` is
        ``serving_default``)."""
        from .. import saved_model

        if not self._endpoint_names:
            raise ValueError("No endpoints have been set yet. Call add_endpoint().")
        signatures = {name: getattr(self._root, name) for name in self._endpoint_names}
        if "serve" in signatures:
            signatures["serving_default"] = signatures["serve"]
        saved_model.save(self._root, os.fspath(filepath), signatures=signatures, options=options)
        if verbose:
            lines = [f"Saved artifact at '{os.fspath(filepath)}'. The following endpoints are available:", ""]
            for name in self._endpoint_names:
                cf = getattr(self._root, name).get_concrete_function()
                lines.append(f"* Endpoint '{name}'")
                lines.append(cf.pretty_printed_signature(verbose=True))
            print("\n".join(lines))


def _model_input_signature(model: Any) -> Any:
    from ..ops.tensor_spec import TensorSpec

    inputs = None
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        pass
    if inputs:
        specs = [TensorSpec([None, *list(t.shape)[1:]], t.dtype, getattr(t, "name", None)) for t in inputs]
        return [specs[0] if len(specs) == 1 else specs]
    shapes = getattr(model, "_build_shapes_dict", None)
    if shapes and "input_shape" in shapes and not isinstance(shapes["input_shape"], list):
        dims = list(shapes["input_shape"])
        return [TensorSpec([None, *dims[1:]], getattr(model, "input_dtype", None) or "float32")]
    raise ValueError("The model provided has never been called. It must be called at least once before export, or "
                     "pass `input_signature`.")


def export_model(model: Any, filepath: Any, format: str = "tf_saved_model", verbose: bool = True,
                 input_signature: Any = None, **kwargs: Any) -> None:
    """``Model.export``: an artifact with the endpoint ``serve`` (the model called with ``training=False``)."""
    if format != "tf_saved_model":
        raise ValueError(f"tapegrad exports the format 'tf_saved_model' (its own SavedModel, docs/saved_model.md); "
                         f"the format {format!r} (ONNX, OpenVINO, LiteRT) is not supported.")
    if not model.built:
        raise ValueError("The model provided has not yet been built. It must be built before export.")
    archive = ExportArchive()
    archive.track(model)
    signature = input_signature if input_signature is not None else _model_input_signature(model)

    def serve(inputs: Any) -> Any:
        return model(inputs, training=False)

    archive.add_endpoint("serve", serve, input_signature=signature)
    archive.write_out(filepath, verbose=verbose)
