"""``keras.Model``: subclassed models and functional models (``keras.Model(inputs, outputs)``).

>>> import numpy as np
>>> import tapegrad as tf
>>> from tapegrad import keras
>>> keras.backend.clear_session()
>>> inputs = keras.Input((3,))
>>> hidden = keras.layers.Dense(4, activation="relu")(inputs)
>>> model = keras.Model(inputs, keras.layers.Dense(1)(hidden))
>>> type(model).__name__, model.name, model(np.ones((2, 3))).shape, model.count_params()
('Functional', 'functional', TensorShape([2, 1]), 21)
>>> class TwoLayers(keras.Model):
...     def __init__(self):
...         super().__init__()
...         self.hidden = keras.layers.Dense(4, activation="relu")
...         self.out = keras.layers.Dense(1)
...     def call(self, x, training=False):
...         return self.out(self.hidden(x))
>>> sub = TwoLayers()
>>> sub(tf.ones([2, 3])).shape, [v.name for v in sub.trainable_variables]
(TensorShape([2, 1]), ['kernel', 'bias', 'kernel', 'bias'])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import _nest
from ..._tensor import Tensor, _TensorLike
from ...ops import core as _core
from ...ops.conv_pool import phase_path as _phase_path
from .. import backend
from ..activations import relu as _relu
from ..layers._base import _FOLDED, InputLayer, KerasTensor, Layer, Node, _CallContext, _context_stack
from ..layers.convolutional import _Conv
from ..layers.normalization import BatchNormalization
from ..layers.pooling import GlobalAveragePooling2D, _Pooling
from ._summary import print_summary
from ._trainer import Trainer

__all__ = ["Model", "Functional"]


class Model(Trainer, Layer):
    """A layer with training and saving APIs. Subclass it (define layers in ``__init__``, the computation in
    ``call``) or call it as ``Model(inputs, outputs)`` to get a functional model."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is Model and (args or "inputs" in kwargs):
            return super().__new__(Functional)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or "inputs" in kwargs:
            raise TypeError(f"{type(self).__name__} is a subclassed model: call `super().__init__()` without "
                            "inputs/outputs, or create a functional model with `keras.Model(inputs, outputs)`.")
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        Layer.__init__(self, trainable=trainable, name=name, dtype=dtype, **kwargs)
        self.compiled = False
        self.optimizer = None
        self.stop_training = False
        self.history: Any = None

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Any:
        """A model from its config: a functional config (``layers``, ``input_layers``, ``output_layers``) gives
        a functional model; otherwise ``cls(**config)`` (subclassed models override this when their
        ``__init__`` takes other arguments)."""
        if "layers" in config and "input_layers" in config and "output_layers" in config:
            from ..saving import saving_lib

            return saving_lib.functional_from_config(cls, config, custom_objects=custom_objects)
        return cls(**config)

    def call(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"Model {type(self).__name__} does not have a `call()` method implemented.")

    def build(self, input_shape: Any = None) -> None:
        """Build by calling the model on zeros of ``input_shape`` (subclassed models)."""
        if self.built:
            return
        if input_shape is not None and type(self).call is not Model.call:
            shape = tuple(1 if d is None else d for d in input_shape)
            self.built = True
            self._build_shapes_dict = {"input_shape": tuple(input_shape)}
            self.call(_core.zeros(shape))
            from ...train import apply_pending

            apply_pending(self)
        self.built = True

    def _run_build(self, input_shape: Any) -> None:
        if type(self).build is Model.build:  # a subclassed model builds its layers during the call that follows
            self.built = True
            self._build_shapes_dict = {"input_shape": input_shape}
            return
        super()._run_build(input_shape)

    def summary(self, line_length: int | None = None, positions: list[float] | None = None, print_fn: Any = None,
                expand_nested: bool = False, show_trainable: bool = False, layer_range: Any = None) -> None:
        """Print the layers, their output shapes and parameter counts, and the totals, as Keras does."""
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable, layer_range=layer_range)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A sub-layer by ``name`` or by ``index`` in :attr:`layers`."""
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: index={index}, name={name}.")
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(self.layers)} layers.")
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: {[lay.name for lay in self.layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def save_weights(self, filepath: Any, overwrite: bool = True) -> None:
        """Write every weight to ``filepath``.

        A name ending in ``.weights.h5`` gets Keras 3's HDF5 layout (loadable by Keras 3; needs ``h5py``); another
        ``.h5``/``.hdf5`` name is refused (``ValueError``, as in Keras 3); any other name gets tapegrad's ``.npz``
        file (no extra dependency). Both are written to a temporary file, then renamed.
        """
        name = str(filepath)
        if name.endswith(".weights.h5") or name.endswith((".h5", ".hdf5")):
            from ..saving import saving_lib

            saving_lib.save_weights(self, filepath, overwrite=overwrite)
            return
        from ...train import save_weights_file

        save_weights_file(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: Any, skip_mismatch: bool = False) -> None:
        """Load weights written by :meth:`save_weights` (same architecture; shapes must match): a
        ``.weights.h5`` file (also one Keras 3 wrote) or a tapegrad ``.npz`` file."""
        name = str(filepath)
        if name.endswith((".h5", ".hdf5")):
            from ..saving import saving_lib

            if not name.endswith(".weights.h5"):
                raise ValueError("tapegrad loads Keras 3 weight files, whose names end in `.weights.h5` (legacy "
                                 f"Keras 2 .h5 files are not supported). Received: filepath={filepath}")
            saving_lib.load_weights(self, filepath, skip_mismatch=skip_mismatch)
            return
        from ...train import load_weights_file

        load_weights_file(self, filepath, skip_mismatch=skip_mismatch)

    def save(self, filepath: Any, overwrite: bool = True, zipped: bool = True, **kwargs: Any) -> None:
        """Save the model as a Keras 3 ``.keras`` file (``keras.saving.save_model``): config, compile config,
        weights and optimizer state; ``keras.models.load_model`` (or Keras 3) loads it back.

        >>> import os, tempfile
        >>> from tapegrad import keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
        >>> model.save(path)
        >>> keras.models.load_model(path).count_params()
        3
        """
        from ..saving import saving_lib

        saving_lib.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def export(self, filepath: Any, format: str = "tf_saved_model", verbose: bool = True, input_signature: Any = None,
               **kwargs: Any) -> None:
        """Write an inference artifact with the endpoint ``serve`` (``tf.saved_model`` format; see keras/export.py)."""
        from ..export import export_model

        export_model(self, filepath, format=format, verbose=verbose, input_signature=input_signature, **kwargs)

    def to_json(self, **kwargs: Any) -> str:
        """The model's config as JSON (``serialize_keras_object``'s output); ``keras.models.model_from_json``
        rebuilds the model (new weights). ``kwargs`` go to ``json.dumps``."""
        import json

        from ..saving import serialization_lib

        return json.dumps(serialization_lib.serialize_keras_object(self), **kwargs)


# --------------------------------------------------------------------------------------------------------------
# functional models


def _pool_folds(conv: _Conv, pool: _Pooling) -> bool:
    """A ``Conv2D(relu)`` → ``MaxPooling2D`` pair that runs as one op (see ``Functional._fold_plan``)."""
    return (tuple(pool.pool_size) == (2, 2) and tuple(pool.strides) == (2, 2) and pool.padding == "valid"
            and conv.compute_dtype == pool.compute_dtype and conv.built
            and _phase_path((0, 0, 0, 0), tuple(conv.kernel.shape), conv.strides, conv.dilation_rate, conv.groups))


def _input_structure(inputs: Any) -> Any:
    if isinstance(inputs, KerasTensor):
        return inputs
    if isinstance(inputs, (list, tuple)):
        return list(inputs)
    if isinstance(inputs, dict):
        return dict(inputs)
    raise ValueError(f"Unrecognized type for `inputs`: {inputs} (of type {type(inputs)})")


class Functional(Model):
    """A model defined by a graph of layer calls from ``keras.Input`` tensors to output tensors."""

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None, trainable: bool = True,
                 **kwargs: Any) -> None:
        Model.__init__(self, name=name if name is not None else backend.auto_name("Functional"),
                       trainable=trainable)
        self._inputs_struct = _input_structure(inputs)
        self._outputs_struct = outputs
        flat_inputs = _nest.flatten(self._inputs_struct)
        flat_outputs = _nest.flatten(outputs)
        for t in flat_inputs + flat_outputs:
            if not isinstance(t, KerasTensor):
                raise ValueError(f"All `inputs` and `outputs` values must be KerasTensors (from `keras.Input` and "
                                 f"layer calls). Received: {t!r}")
        self._flat_inputs = flat_inputs
        self._flat_outputs = flat_outputs
        self._nodes, self._operations, self._depths = self._trace(flat_inputs, flat_outputs)
        self.built = True
        self._build_shapes_dict = {"input_shape": [t.shape for t in flat_inputs] if len(flat_inputs) > 1
                                   else flat_inputs[0].shape}

    @staticmethod
    def _trace(inputs: list[KerasTensor], outputs: list[KerasTensor]) -> tuple[list[Node], list[Layer],
                                                                                 dict[int, int]]:
        input_ids = {id(t) for t in inputs}
        order: list[Node] = []
        state: dict[int, int] = {}  # 1 = visiting, 2 = done

        def visit(t: KerasTensor) -> None:
            if t._keras_history is None:
                raise ValueError(f"Output tensors of a Functional model must be the output of a Keras layer. "
                                 f"Received: {t!r}")
            layer, node_index, _ = t._keras_history
            node = layer._inbound_nodes[node_index]
            key = id(node)
            if state.get(key) == 2:
                return
            if state.get(key) == 1:
                raise ValueError("The functional graph has a cycle.")
            state[key] = 1
            if id(t) not in input_ids:
                if isinstance(layer, InputLayer):
                    raise ValueError(
                        f"Graph disconnected: cannot find parent for tensor {t!r} at layer '{layer.name}'. The "
                        f"following previous layers were accessed without issue: "
                        f"{[n.layer.name for n in order]}. Pass every keras.Input the outputs depend on in "
                        "`inputs`.")
                for parent in node.input_tensors:
                    visit(parent)
            state[key] = 2
            order.append(node)

        for t in inputs:
            visit(t)
        for t in outputs:
            visit(t)
        # depth: outputs are 0, a node's depth exceeds every consumer's
        depths: dict[int, int] = {id(n): 0 for n in order}
        for node in reversed(order):
            for parent in node.input_tensors:
                pnode = parent._keras_history[0]._inbound_nodes[parent._keras_history[1]]
                if id(pnode) in depths:
                    depths[id(pnode)] = max(depths[id(pnode)], depths[id(node)] + 1)
        return order, Functional._layer_order(inputs, outputs), depths

    @staticmethod
    def _layer_order(inputs: list[KerasTensor], outputs: list[KerasTensor]) -> list[Layer]:
        """Keras 3's ``model.layers`` order: by depth (inputs first), ties by first visit in a depth-first walk
        from the outputs; a shared layer takes the greatest depth of its calls."""
        input_ids = {id(t) for t in inputs}
        post: list[Node] = []
        visit_index: dict[int, int] = {}
        layer_of: dict[int, Layer] = {}
        done: set[int] = set()

        def walk(t: KerasTensor) -> None:
            layer, node_index, _ = t._keras_history
            node = layer._inbound_nodes[node_index]
            if id(node) in done:
                return
            if not isinstance(layer, InputLayer) and id(t) in input_ids:
                done.add(id(node))
                return
            visit_index.setdefault(id(layer), len(visit_index))
            layer_of[id(layer)] = layer
            if not isinstance(layer, InputLayer):
                for parent in node.input_tensors:
                    walk(parent)
            done.add(id(node))
            post.append(node)

        for t in outputs:
            walk(t)
        in_graph = {id(n) for n in post}
        node_depth: dict[int, int] = {}
        layer_depth: dict[int, int] = {}
        for node in reversed(post):
            depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
            layer_depth[id(node.layer)] = node_depth[id(node)] = depth
            for parent in node.input_tensors:
                pnode = parent._keras_history[0]._inbound_nodes[parent._keras_history[1]]
                if id(pnode) in in_graph:
                    node_depth[id(pnode)] = max(depth + 1, node_depth.get(id(pnode), 0))
        for t in inputs:
            layer = t._keras_history[0]
            if id(layer) not in layer_depth:
                layer_depth[id(layer)], visit_index[id(layer)], layer_of[id(layer)] = 0, -1, layer
        ranked = sorted(layer_depth, key=lambda k: (-layer_depth[k], visit_index[k]))
        return [layer_of[k] for k in ranked]

    def _is_sequential_like(self) -> bool:
        by_depth: dict[int, list[Node]] = {}
        for n in self._nodes:
            by_depth.setdefault(self._depths[id(n)], []).append(n)
        for nodes in by_depth.values():
            if len(nodes) > 1 or (len(nodes) == 1 and len(nodes[0].input_tensors) > 1):
                return False
        counts: dict[int, int] = {}
        for n in self._nodes:
            counts[id(n.layer)] = counts.get(id(n.layer), 0) + 1
        return all(c == 1 for c in counts.values())

    def _tracked_layers(self) -> list[Layer]:
        return list(self._operations)

    @property
    def layers(self) -> list[Layer]:
        return list(self._operations)

    @property
    def inputs(self) -> list[KerasTensor]:
        return list(self._flat_inputs)

    @property
    def outputs(self) -> list[KerasTensor]:
        return list(self._flat_outputs)

    @property
    def input(self) -> Any:
        return self._inputs_struct

    @property
    def output(self) -> Any:
        return self._outputs_struct

    @property
    def input_shape(self) -> Any:
        shapes = [t.shape for t in self._flat_inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self) -> Any:
        shapes = [t.shape for t in self._flat_outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_names(self) -> list[str]:
        return [t._keras_history[0].name for t in self._flat_outputs]

    def _flatten_call_inputs(self, inputs: Any) -> list[Any]:
        struct = self._inputs_struct
        if isinstance(struct, dict):
            if not isinstance(inputs, dict):
                flat = _nest.flatten(inputs)
            else:
                flat = [inputs[k] for k in sorted(struct)]
        elif isinstance(struct, KerasTensor):
            flat = [inputs[0] if isinstance(inputs, (list, tuple)) and len(inputs) == 1 else inputs]
        else:
            flat = list(inputs) if isinstance(inputs, (list, tuple)) else _nest.flatten(inputs)
        if len(flat) != len(self._flat_inputs):
            raise ValueError(f'Layer "{self.name}" expects {len(self._flat_inputs)} input(s), but it received '
                             f"{len(flat)} input tensors.")
        out = []
        for value, spec in zip(flat, self._flat_inputs):
            if isinstance(value, _TensorLike) and value.dtype.name != spec.dtype:
                value = _core.cast(value, spec.dtype)
            elif not isinstance(value, (_TensorLike, KerasTensor)):
                value = _core.constant(np.asarray(value), dtype=spec.dtype)
            out.append(value)
        return out

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        flat = self._flatten_call_inputs(inputs)
        values: dict[int, Any] = {id(t): v for t, v in zip(self._flat_inputs, flat)}
        folded, skipped, pooled = self._fold_plan()
        stack = _context_stack()
        stack.append(_CallContext(training))
        try:
            for node in self._nodes:
                if isinstance(node.layer, InputLayer):
                    continue
                args, kwargs = node.args, node.kwargs
                if not kwargs and len(args) == 1 and type(args[0]) is KerasTensor:
                    x = values[id(args[0])]
                    if id(node) in folded:  # runs with the next layer's work folded in (see _fold_plan)
                        _FOLDED.layer = node.layer
                        _FOLDED.pool = pooled.get(id(node))
                        try:
                            result = node.layer(x)
                        finally:
                            _FOLDED.layer = _FOLDED.pool = None
                    elif id(node) in skipped:
                        result = x  # the layer before it returned the pooled values
                        if getattr(result, "_keras_mask", None) is not None:
                            result._keras_mask = None  # as the pooling's output: no mask
                    else:
                        result = node.layer(x)  # one symbolic input (a chain): no nest walks
                    if type(result) is Tensor and len(node.output_tensors) == 1:
                        values[id(node.output_tensors[0])] = result
                        continue
                else:

                    def fetch(x: Any) -> Any:
                        return values[id(x)] if isinstance(x, KerasTensor) else x

                    args = tuple(_nest.map_structure(fetch, a) for a in args)
                    kwargs = {k: _nest.map_structure(fetch, v) for k, v in kwargs.items()}
                    result = node.layer(*args, **kwargs)
                for t, v in zip(node.output_tensors, _nest.flatten(result)):
                    values[id(t)] = v
        finally:
            stack.pop()
        return _nest.map_structure(lambda t: values[id(t)], self._outputs_struct)

    def _fold_plan(self) -> tuple[frozenset[int], frozenset[int], dict[int, Layer]]:
        """Layer pairs :meth:`call` runs folded, where the first layer's output feeds only the second (no
        activity regularizers, which would see the values in between; no overridden calls): ``(folded, skipped,
        pooled)`` node ids, computed once per graph. A folded node's layer runs with ``layers._base._folded`` true.

        * 2-D channels-last ``Conv2D(activation="relu")`` → ``MaxPooling2D`` (channels last): both are folded; the
          convolution runs without its ReLU and the pooling runs ``max_pool2d_relu`` (ReLU on the pooled size).
          ``relu(max(window)) == max(relu(window))``, and the gradient is TF's: where the window's maximum is
          positive both route to its first maximum; otherwise both give zeros (ReLU's gradient at 0 is 0).
          When the pooling is 2×2 (stride 2, valid) and the convolution has stride 1, no dilation or groups and
          few input channels (``ops.conv_pool.phase_path``), the convolution node runs both layers as one op,
          ``conv2d_bias_act_maxpool`` (``pooled`` maps it to the pooling layer), and the pooling node is skipped.
        * ``BatchNormalization`` (last axis) → ``GlobalAveragePooling2D`` (channels last, no ``keepdims``): the
          batch norm returns the pooled values (``folded``; in training one op that never makes the normalised
          activations), the pooling layer is not run (``skipped``). The same values to float rounding.
        """
        plan = self.__dict__.get("_fold_plan_cache")
        if plan is not None and plan[0] is self._nodes:
            return plan[1]
        uses: dict[int, int] = {}
        for node in self._nodes:
            for t in _nest.flatten([list(node.args), node.kwargs]):
                if isinstance(t, KerasTensor):
                    uses[id(t)] = uses.get(id(t), 0) + 1
        for t in self._flat_outputs:
            uses[id(t)] = uses.get(id(t), 0) + 1
        producer = {id(n.output_tensors[0]): n for n in self._nodes if len(n.output_tensors) == 1}

        def chained(node: Node) -> bool:
            return (not node.kwargs and len(node.args) == 1 and type(node.args[0]) is KerasTensor
                    and node.layer._activity_regularizer is None)

        folded, skipped, pooled = set(), set(), {}
        for node in self._nodes:
            second = node.layer
            if not chained(node) or uses.get(id(node.args[0])) != 1 or id(node.args[0]) not in producer:
                continue
            first_node = producer[id(node.args[0])]
            first = first_node.layer
            if not chained(first_node) or getattr(first, "data_format", "channels_last") != "channels_last" or \
                    getattr(second, "data_format", None) != "channels_last":
                continue
            if (type(second).call is _Pooling.call and second._mode == "max" and second.rank == 2
                    and isinstance(first, _Conv) and type(first).call is _Conv.call and first.rank == 2
                    and type(first)._convolve is _Conv._convolve and first.activation is _relu):
                folded.add(id(first_node))
                if _pool_folds(first, second):
                    pooled[id(first_node)] = second
                    skipped.add(id(node))
                else:
                    folded.add(id(node))
            elif (type(second) is GlobalAveragePooling2D and not second.keepdims
                  and type(first) is BatchNormalization and first.axis in (-1, 3)
                  and first.compute_dtype == second.compute_dtype):
                folded.add(id(first_node))
                skipped.add(id(node))
        result = (frozenset(folded), frozenset(skipped), pooled)
        self.__dict__["_fold_plan_cache"] = (self._nodes, result)
        return result

    def compute_output_shape(self, input_shape: Any) -> Any:
        return _nest.map_structure(lambda t: t.shape, self._outputs_struct) if not isinstance(
            self._outputs_struct, KerasTensor) else self._outputs_struct.shape

    def get_config(self) -> dict[str, Any]:
        """Keras 3's functional config: every layer's config with its ``inbound_nodes``, and the
        ``input_layers``/``output_layers`` (``[layer name, node index, tensor index]``)."""
        from ..saving import saving_lib

        return saving_lib.functional_get_config(self)

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Functional:
        """Rebuild a functional model from :meth:`get_config`'s output (new weights)."""
        from ..saving import saving_lib

        return saving_lib.functional_from_config(cls, config, custom_objects=custom_objects)
