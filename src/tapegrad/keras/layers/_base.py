"""The Keras ``Layer`` base class, symbolic tensors (``keras.Input``) and the graph nodes functional models run.

A layer creates its weights in ``build(input_shape)`` (called on first use) with :meth:`Layer.add_weight`, and
computes in ``call``. Weights are plain ``tapegrad.Variable`` objects, so ``GradientTape`` code sees them as TF
code sees Keras variables. Called on a :class:`KerasTensor` (from ``keras.Input``) a layer records a :class:`Node`
instead of computing, which is how functional models (``keras.Model(inputs, outputs)``) are described.

>>> import tapegrad as tf
>>> from tapegrad import keras
>>> class Scale(keras.layers.Layer):
...     def build(self, input_shape):
...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
...     def call(self, x):
...         return x * self.w
>>> layer = Scale()
>>> layer(tf.constant([[1.0, 2.0]])).numpy().tolist(), [v.shape for v in layer.trainable_weights]
([[1.0, 2.0]], [TensorShape([2])])
"""

from __future__ import annotations

import inspect
import threading
import warnings
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ... import _dtypes, _nest, _tensor
from ..._shape import TensorShape
from ..._tensor import Tensor, Variable, _TensorLike
from ...module import Module
from ...module import name_scope as _name_scope
from ...ops import core as _core
from .. import backend, initializers
from .._autocast import SCOPE as _AUTOCAST_SCOPE
from ..variables import Variable as KerasVariable

__all__ = ["Layer", "InputLayer", "Input", "KerasTensor", "Node", "InputSpec"]

_CONTEXT = threading.local()


# --------------------------------------------------------------------------------------------------------------
# call context: an outer layer's ``training`` reaches the layers it calls



# Bumped whenever a layer attribute is set or a weight added: cached ``weights`` lists are valid while it is unchanged.
_TRACKING_GENERATION = [0]

# How many add_loss calls happened (process-wide): while none has, no layer has losses to clear.
_LOSSES_ADDED = [0]

class _CallContext:
    def __init__(self, training: bool | None) -> None:
        self.training = training


def _context_stack() -> list[_CallContext]:
    stack = getattr(_CONTEXT, "stack", None)
    if stack is None:
        stack = _CONTEXT.stack = []
    return stack


# A functional model folds two kinds of layer pairs (``models/model.py``, ``Functional._fold_plan``): it runs
# Conv2D(activation="relu") without its ReLU when a max pooling follows (ReLU then runs on the pooled result: max
# and ReLU commute) or, for a 2×2 pooling after a stride-1 convolution, the convolution, ReLU and pooling as one op
# (``pool``: the pooling layer), and BatchNormalization with the GlobalAveragePooling2D that follows in one op. The
# layer being run that way, per thread (None otherwise).
_FOLDED = threading.local()


def _folded(layer: Layer) -> bool:
    """``layer`` is being run by its model with the next layer's work folded in (see ``_FOLDED``)."""
    return getattr(_FOLDED, "layer", None) is layer


def _folded_pool(layer: Layer) -> Layer | None:
    """The 2×2 ``MaxPooling2D`` whose work the model folds into ``layer`` (a ``Conv2D``) as a whole, or None."""
    return getattr(_FOLDED, "pool", None) if getattr(_FOLDED, "layer", None) is layer else None


def _outer_training() -> bool | None:
    for ctx in reversed(_context_stack()):
        if ctx.training is not None:
            return ctx.training
    return None


# --------------------------------------------------------------------------------------------------------------
# symbolic tensors and nodes


class KerasTensor:
    """A symbolic tensor: the shape and dtype of a value a functional model will compute (``keras.Input``).

    >>> from tapegrad import keras
    >>> x = keras.Input(shape=(4,), name="features")
    >>> x.shape, x.dtype, x.name
    ((None, 4), 'float32', 'features')
    >>> keras.layers.Dense(3)(x).shape
    (None, 3)
    """

    def __init__(self, shape: Any, dtype: str = "float32", name: str | None = None) -> None:
        self._shape = tuple(None if d is None else int(d) for d in shape)
        self._dtype = dtype
        self.name = name
        self._keras_history: tuple[Layer, int, int] | None = None

    @property
    def shape(self) -> tuple[int | None, ...]:
        return self._shape

    @property
    def ndim(self) -> int:
        return len(self._shape)

    @property
    def dtype(self) -> str:
        return self._dtype

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self._shape}, dtype={self._dtype}, name={self.name}>"

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(
            "A KerasTensor is symbolic: it's a placeholder for a shape an a dtype. It doesn't have any actual "
            "numerical value. You cannot convert it to a NumPy array."
        )

    def __bool__(self) -> bool:
        raise TypeError("A symbolic KerasTensor cannot be used as a boolean.")

    # Arithmetic on symbolic tensors becomes a node of an anonymous operation layer.
    def _op(self, fn: Callable[..., Any], name: str, *others: Any) -> KerasTensor:
        return _OpLayer(fn, name)(self, *others)

    def __add__(self, o: Any) -> KerasTensor:
        return self._op(lambda a, b: a + b, "add", o)

    def __radd__(self, o: Any) -> KerasTensor:
        return self._op(lambda a, b: b + a, "add", o)

    def __sub__(self, o: Any) -> KerasTensor:
        return self._op(lambda a, b: a - b, "subtract", o)

    def __rsub__(self, o: Any) -> KerasTensor:
        return self._op(lambda a, b: b - a, "subtract", o)

    def __mul__(self, o: Any) -> KerasTensor:
        return self._op(lambda a, b: a * b, "multiply", o)

    def __rmul__(self, o: Any) -> KerasTensor:
        return self._op(lambda a, b: b * a, "multiply", o)

    def __truediv__(self, o: Any) -> KerasTensor:
        return self._op(lambda a, b: a / b, "divide", o)

    def __rtruediv__(self, o: Any) -> KerasTensor:
        return self._op(lambda a, b: b / a, "divide", o)

    def __neg__(self) -> KerasTensor:
        return self._op(lambda a: -a, "negative")

    def __pow__(self, o: Any) -> KerasTensor:
        return self._op(lambda a, b: a**b, "power", o)

    def __getitem__(self, key: Any) -> KerasTensor:
        return self._op(lambda a: a[key], "get_item")


class Node:
    """One call of a layer on symbolic inputs: the arguments (with KerasTensors) and the outputs it produced."""

    def __init__(self, layer: Layer, args: tuple[Any, ...], kwargs: dict[str, Any], outputs: Any) -> None:
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs
        self.input_tensors = [t for t in _nest.flatten([list(args), kwargs]) if isinstance(t, KerasTensor)]
        self.output_tensors = [t for t in _nest.flatten(outputs) if isinstance(t, KerasTensor)]

    @property
    def operation(self) -> Layer:
        return self.layer

    def __repr__(self) -> str:
        return f"<Node of {self.layer.name}: {len(self.input_tensors)} input(s) -> {len(self.output_tensors)}>"


class InputSpec:
    """Constraints a layer puts on its inputs (``ndim``, ``min_ndim``, ``axes``, ``shape``, ``dtype``)."""

    def __init__(self, dtype: Any = None, shape: Any = None, ndim: int | None = None, max_ndim: int | None = None,
                 min_ndim: int | None = None, axes: dict[int, int] | None = None, allow_last_axis_squeeze: bool = False,
                 name: str | None = None, optional: bool = False) -> None:
        self.dtype = dtype
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = dict(axes or {})
        self.name = name
        self.optional = optional


def _check_input_spec(layer: Layer, shape: tuple[Any, ...]) -> None:
    spec = layer.input_spec
    if not isinstance(spec, InputSpec):
        return
    rank = len(shape)
    if spec.ndim is not None and rank != spec.ndim:
        raise ValueError(f'Input 0 of layer "{layer.name}" is incompatible with the layer: expected ndim={spec.ndim}, '
                         f"found ndim={rank}. Full shape received: {shape}")
    if spec.min_ndim is not None and rank < spec.min_ndim:
        raise ValueError(f'Input 0 of layer "{layer.name}" is incompatible with the layer: expected min_ndim='
                         f"{spec.min_ndim}, found ndim={rank}. Full shape received: {shape}")
    for axis, size in spec.axes.items():
        dim = shape[axis] if -rank <= axis < rank else None
        if size is not None and dim is not None and dim != size:
            raise ValueError(f'Input 0 of layer "{layer.name}" is incompatible with the layer: expected axis {axis} '
                             f"of input shape to have value {size}, but received input with shape {shape}")


def _shape_of(x: Any) -> Any:
    if isinstance(x, KerasTensor):
        return x.shape
    if isinstance(x, _TensorLike) or isinstance(x, np.ndarray):
        return tuple(int(d) for d in x.shape)
    if isinstance(x, (list, tuple)) and x and all(isinstance(e, (KerasTensor, _TensorLike, np.ndarray)) for e in x):
        return [_shape_of(e) for e in x]
    if isinstance(x, dict):
        return {k: _shape_of(v) for k, v in x.items()}
    if hasattr(x, "shape"):
        return tuple(x.shape)
    return None


class _Spec:
    """The shape and dtype of one output of a symbolic call (a leaf for ``_nest``)."""

    __slots__ = ("shape", "dtype")

    def __init__(self, shape: tuple[Any, ...], dtype: str) -> None:
        self.shape, self.dtype = shape, dtype


def _placeholder(kt: KerasTensor) -> Tensor:
    shape = tuple(1 if d is None else d for d in kt.shape)
    return _core.zeros(shape, dtype=kt.dtype)


# --------------------------------------------------------------------------------------------------------------
# Layer


class Layer(Module):
    """Base class of Keras layers: ``build(input_shape)`` creates weights, ``call(inputs, ...)`` computes.

    ``layer(x)`` converts array inputs to tensors (floating ones to the layer's dtype), builds the layer on first
    use, resolves ``training`` (explicit argument, else the calling layer's, else ``call``'s default) and calls
    ``call``. Weights are tracked in creation order, then the weights of sub-layers assigned as attributes
    (directly or in lists, tuples and dicts), in assignment order, as Keras 3 does.
    """

    _autocast_scope: str | None = None  # the compute dtype when the policy is mixed (see ``keras._autocast``)

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        instance = super().__new__(cls)
        if not cls.__module__.startswith("tapegrad."):  # a user class: remember simple constructor arguments
            instance.__dict__["_auto_config"] = _auto_config(cls, args, kwargs)
        return instance

    def __init__(self, *, activity_regularizer: Any = None, trainable: bool = True, dtype: Any = None,
                 autocast: bool = True, name: str | None = None, **kwargs: Any) -> None:
        input_shape = kwargs.pop("input_shape", None)
        input_dim = kwargs.pop("input_dim", None)
        batch_size = kwargs.pop("batch_size", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError(f"Argument `name` must be a string and cannot contain character `/`. Received: "
                             f"name={name} (of type {type(name)})")
        self.__dict__["_tracking_ready"] = False
        self._name = name if name is not None else backend.auto_name(type(self).__name__)
        self._name_scope = _name_scope(self._name + "/")
        self._trainable = bool(trainable)
        self._autocast = autocast
        _set_policy(self, dtype)  # a dtype, a DTypePolicy (map) or its name; None: the global policy
        self.built = False
        self.input_spec: Any = None
        self.supports_masking = False
        self._trainable_variables: list[Variable] = []
        self._non_trainable_variables: list[Variable] = []
        self._regularizers: list[tuple[Variable, Callable[[Any], Any]]] = []
        from .. import regularizers

        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._losses: list[Any] = []
        self._inbound_nodes: list[Node] = []
        self._build_shapes_dict: dict[str, Any] | None = None
        self._input_shape_arg = None
        if input_shape is not None or input_dim is not None:
            warnings.warn(
                "Do not pass an `input_shape`/`input_dim` argument to a layer. When using Sequential models, prefer "
                "using an `Input(shape)` object as the first layer in the model instead.", UserWarning, stacklevel=2)
            self._input_shape_arg = tuple(input_shape) if input_shape is not None else (input_dim,)
            self._batch_size_arg = batch_size
        sig = inspect.signature(self.call)
        self._call_signature = sig
        self._call_has_training_arg = "training" in sig.parameters
        self._call_has_mask_arg = "mask" in sig.parameters
        self._tracking_ready = True

    # -- identity -------------------------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._name = value

    @property
    def path(self) -> str:
        return self._name

    @property
    def dtype(self) -> str:
        """The dtype of the layer's weights (``"float32"`` by default; also under the mixed policies)."""
        return self._dtype

    @property
    def compute_dtype(self) -> str:
        """The dtype the layer computes in (``"float16"`` under ``"mixed_float16"``)."""
        return self.__dict__.get("_policy_compute_dtype", self._dtype)

    @property
    def variable_dtype(self) -> str:
        return self._dtype

    @property
    def dtype_policy(self) -> Any:
        """The layer's ``keras.DTypePolicy`` (or the ``DTypePolicyMap`` it was given)."""
        policy = self.__dict__.get("_dtype_policy")  # (an empty DTypePolicyMap is falsy)
        return policy if policy is not None else _layer_policy(self._dtype)

    @dtype_policy.setter
    def dtype_policy(self, value: Any) -> None:
        _set_policy(self, value)

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        """Freeze or unfreeze the layer: its trainable weights and its sub-layers follow (as in Keras 3)."""
        value = bool(value)
        self._trainable = value
        for v in self._trainable_variables:
            v._trainable = value  # Keras 3 flips the variables' own flag too (tapes stop watching them)
        for layer in self._tracked_layers():
            layer.trainable = value

    # -- tracking -------------------------------------------------------------------------------------------------
    _UNTRACKED_ATTRS = frozenset({"_weights_cache",
        "_trainable_variables", "_non_trainable_variables", "_regularizers", "_inbound_nodes", "_losses",
        "_functional", "_output", "_build_shapes_dict", "_call_signature",
    })

    def _tracked_layers(self) -> list[Layer]:
        """Direct sub-layers, in attribute-assignment order (lists, tuples and dicts are searched)."""
        out: list[Layer] = []
        seen: set[int] = {id(self)}
        for key, value in self.__dict__.items():
            if key in self._UNTRACKED_ATTRS:
                continue
            for leaf in _iter_leaves(value):
                if isinstance(leaf, Layer) and id(leaf) not in seen:
                    seen.add(id(leaf))
                    out.append(leaf)
        return out

    def _attribute_variables(self) -> list[Variable]:
        """Variables assigned directly as attributes (not through add_weight), in assignment order."""
        out = []
        for key, value in self.__dict__.items():
            if key in self._UNTRACKED_ATTRS:
                continue
            for leaf in _iter_leaves(value):
                if isinstance(leaf, (Variable, KerasVariable)):
                    out.append(leaf)
        return out

    def _flatten_layers(self, include_self: bool = True, recursive: bool = True) -> list[Layer]:
        out: list[Layer] = [self] if include_self else []
        seen = {id(self)}
        stack = list(reversed(self._tracked_layers()))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            if recursive:
                stack.extend(reversed(layer._tracked_layers()))
        return out

    @property
    def layers(self) -> list[Layer]:
        return self._tracked_layers()

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        _TRACKING_GENERATION[0] += 1  # any layer attribute may change which weights/sub-layers a layer tracks

    @property
    def weights(self) -> list[Variable]:
        """Every weight: this layer's (trainable ones first, as Keras), then its sub-layers' (deduplicated).

        The list is cached until an attribute of any layer is set or a weight is added (training loops read
        ``model.trainable_variables`` every step; walking the attributes each time cost milliseconds)."""
        cached = self.__dict__.get("_weights_cache")
        if cached is not None and cached[0] == _TRACKING_GENERATION[0]:
            return list(cached[1])
        out = self._collect_weights()
        self.__dict__["_weights_cache"] = (_TRACKING_GENERATION[0], out)
        return list(out)

    def _collect_weights(self) -> list[Variable]:
        out: list[Variable] = []
        seen: set[int] = set()
        for v in self._trainable_variables + self._non_trainable_variables + self._attribute_variables():
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._tracked_layers():
            for v in layer.weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def variables(self) -> list[Variable]:  # type: ignore[override]
        return self.weights

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return []
        return [v for v in self.weights if v.trainable]

    @property
    def non_trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return self.weights
        return [v for v in self.weights if not v.trainable]

    @property
    def trainable_variables(self) -> list[Variable]:  # type: ignore[override]
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list[Variable]:  # type: ignore[override]
        return self.non_trainable_weights

    @property
    def losses(self) -> list[Any]:
        """Losses added with ``add_loss`` during the last call, plus weight-regularization penalties."""
        out = list(self._losses)
        for v, reg in self._regularizers:
            out.append(reg(v))
        for layer in self._tracked_layers():
            out.extend(layer.losses)
        return out

    def add_loss(self, loss: Any) -> None:
        """Add a loss tensor (e.g. an activity penalty) that ``fit`` adds to the compiled loss."""
        self._losses.append(loss)
        _LOSSES_ADDED[0] += 1

    def _clear_losses(self) -> None:
        if not _LOSSES_ADDED[0]:
            return  # no layer holds an added loss: skip walking the layer tree on every call
        for layer in self._flatten_layers():
            layer._losses = []

    def count_params(self) -> int:
        """The number of scalars in the layer's weights (the layer must be built)."""
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the layer isn't built. "
                             "You can build it manually via: `layer.build(input_shape)`.")
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    # -- weights --------------------------------------------------------------------------------------------------
    def add_weight(self, shape: Any = None, initializer: Any = None, dtype: Any = None, trainable: bool = True,
                   autocast: bool = True, regularizer: Any = None, constraint: Any = None,
                   aggregation: str = "none", overwrite_with_gradient: bool = False,
                   name: str | None = None) -> Variable:
        """Create a weight variable tracked by this layer.

        ``initializer`` defaults to ``"glorot_uniform"`` for floating dtypes and ``"zeros"`` otherwise.
        """
        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = _dtypes.as_dtype(dtype if dtype is not None else self._dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.is_floating else "zeros"
        init = initializers.get(initializer)
        value = init(shape, dtype=dtype.name)
        if name is None:
            name = "variable"
        with backend.path_scope(self.name):
            path = backend.current_path(name)
        inner = Variable(value, trainable=trainable, name=name, dtype=dtype)
        backend.set_variable_path(inner, path)  # optimizers name their slots after the wrapped variable's path
        var = KerasVariable._wrap(inner, name, path, autocast)
        if constraint is not None:
            constraint = _constraints_get(constraint)  # a name ("non_neg") or config, as Keras's add_weight
            var.constraint = constraint
            for obj in (var, inner):  # the weak reference tells a live variable from a later one with its id
                _CONSTRAINTS[id(obj)] = (weakref.ref(obj), constraint)
        if regularizer is not None:
            var.regularizer = regularizer
        if regularizer is not None:
            from .. import regularizers

            self._regularizers.append((var, regularizers.get(regularizer)))
        (self._trainable_variables if trainable else self._non_trainable_variables).append(var)
        _TRACKING_GENERATION[0] += 1
        if not self._trainable:
            var._trainable = False
        return var

    def get_weights(self) -> list[np.ndarray]:
        """The weight values as NumPy arrays, in the order of :attr:`weights`."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights: list[Any]) -> None:
        """Assign NumPy arrays to the weights (same order, count and shapes as :attr:`weights`)."""
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(f"You called `set_weights(weights)` on layer '{self.name}' with a weight list of length "
                             f"{len(weights)}, but the layer was expecting {len(own)} weights.")
        for v, w in zip(own, weights):
            w = np.asarray(w)
            if tuple(v.shape) != tuple(w.shape):
                raise ValueError(f"Layer {self.name} weight shape {tuple(v.shape)} is not compatible with provided "
                                 f"weight shape {tuple(w.shape)}.")
            v.assign(w.astype(_dtypes.as_dtype(v.dtype).as_numpy_dtype))

    # -- build / call ---------------------------------------------------------------------------------------------
    def build(self, input_shape: Any = None) -> None:
        """Create the layer's weights for inputs of ``input_shape``; the base version only marks it built."""
        self.built = True

    def _run_build(self, input_shape: Any) -> None:
        with backend.path_scope(self.name):
            params = [p for p in inspect.signature(self.build).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            if params:
                self.build(input_shape)
            else:
                self.build()
        self.built = True
        self._build_shapes_dict = {"input_shape": input_shape}
        from ...train import apply_pending  # checkpoint values waiting for the weights just created

        apply_pending(self)

    def call(self, *args: Any, **kwargs: Any) -> Any:
        """The layer's computation (override this)."""
        raise NotImplementedError(f"Layer {type(self).__name__} does not have a `call()` method implemented.")

    def compute_output_shape(self, *args: Any, **kwargs: Any) -> Any:
        """Output shape for an input shape; layers that do not override it are run on zeros to find out."""
        raise NotImplementedError

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> Any:
        return previous_mask if self.supports_masking else None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not getattr(self, "_tracking_ready", False):
            raise RuntimeError(f"Layer {type(self).__name__}.__init__ must call super().__init__() before the layer "
                               "is used.")
        if _AUTOCAST_SCOPE.dtype != self._autocast_scope:  # mixed precision: enter or leave the autocast scope
            from .._autocast import call_in_scope

            return call_in_scope(self, args, kwargs)
        if kwargs or any(type(a) is not Tensor for a in args):
            flat = _nest.flatten([list(args), kwargs])
            if any(isinstance(x, KerasTensor) for x in flat):
                return self._symbolic_call(args, kwargs)
            args = tuple(_nest.map_structure(self._convert_input, a) for a in args)
            kwargs = {k: (v if k in ("training", "mask") else _nest.map_structure(self._convert_input, v))
                      for k, v in kwargs.items()}
        else:  # eager tensors only (the common case): no nest walks
            args = tuple(self._convert_input(a) for a in args)
        training = kwargs.pop("training", None)
        if training is None:
            training = _outer_training()
        if training is None and self._call_has_training_arg:
            default = self._call_signature.parameters["training"].default
            training = None if default is inspect.Parameter.empty else default
        if self._call_has_training_arg:
            kwargs["training"] = training
        previous_mask = kwargs.get("mask")
        if previous_mask is None and args:
            previous_mask = _keras_mask_of(args[0])  # the mask an upstream layer attached (Embedding(mask_zero))
            if previous_mask is not None and self._call_has_mask_arg:
                kwargs["mask"] = previous_mask
        if not self._call_has_mask_arg:
            kwargs.pop("mask", None)
        first = args[0] if args else next(iter(kwargs.values()), None)
        first_call = not self.built
        if first_call:
            shape = _shape_of(first)
            if shape is not None and not isinstance(shape, dict):
                _check_input_spec(self, tuple(shape) if isinstance(shape, tuple) else shape)
            self._run_build(shape)
        elif isinstance(first, _TensorLike):
            _check_input_spec(self, tuple(first.shape))
        stack = _context_stack()
        if not stack:  # the outermost call starts a fresh collection of add_loss() losses in the whole tree
            self._clear_losses()
        stack.append(_CallContext(training))
        try:
            with backend.path_scope(self.name):
                outputs = self.call(*args, **kwargs)
        finally:
            stack.pop()
        if first_call:
            from ...train import apply_pending

            if apply_pending(self):
                # Weights created during this call (subclassed models) were just restored: compute again with the
                # restored values, as TensorFlow restores a variable when it is created.
                stack.append(_CallContext(training))
                try:
                    with backend.path_scope(self.name):
                        outputs = self.call(*args, **kwargs)
                finally:
                    stack.pop()
        if self.supports_masking and args:
            _attach_mask(outputs, self.compute_mask(args[0], previous_mask))
        if self._activity_regularizer is not None:  # Keras divides the penalty by the batch size
            for o in _nest.flatten(outputs):
                if isinstance(o, _TensorLike):
                    penalty = self._activity_regularizer(o)
                    self.add_loss(penalty / float(o.shape[0]) if o.ndim else penalty)
        return outputs

    def _convert_input(self, x: Any) -> Any:
        if isinstance(x, _TensorLike):
            if self._autocast and x.dtype.is_floating and x.dtype.name != self._compute_dtype and \
                    type(x) is not Variable:
                return _core.cast(x, self._compute_dtype)
            return x
        if isinstance(x, np.ndarray) or isinstance(x, np.generic):
            if x.dtype.kind == "f" and self._autocast:
                return _core.constant(x, dtype=self._compute_dtype)
            return _core.constant(x)
        return x

    def _symbolic_call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        first = args[0] if args else next(iter(kwargs.values()))
        shape = _shape_of(first)
        if not self.built:
            if shape is not None and not isinstance(shape, dict):
                _check_input_spec(self, shape)
            self._run_build(shape)
        out_spec = self._output_spec(args, kwargs, shape)
        outputs = _nest.map_structure(lambda s: KerasTensor(s.shape, s.dtype), out_spec)
        node = Node(self, args, kwargs, outputs)
        index = len(self._inbound_nodes)
        self._inbound_nodes.append(node)
        for i, t in enumerate(node.output_tensors):
            t._keras_history = (self, index, i)
        return outputs

    def _output_spec(self, args: tuple[Any, ...], kwargs: dict[str, Any], shape: Any) -> Any:
        """Output ``(shape, dtype)`` pairs: from ``compute_output_shape`` when defined, else by running on zeros."""
        if type(self).compute_output_shape is not Layer.compute_output_shape and not isinstance(shape, dict):
            try:
                out_shape = self.compute_output_shape(shape)
            except NotImplementedError:
                out_shape = None
            if out_shape is not None:
                return _map_shapes(out_shape, lambda s: _Spec(tuple(s), self._output_dtype(args)))
        placeholders: list[Tensor] = []

        def concrete(x: Any) -> Any:
            if not isinstance(x, KerasTensor):
                return x
            t = _placeholder(x)
            placeholders.append(t)
            _tensor._relaxed_shapes[id(t._value)] = TensorShape(x.shape)
            return t

        concrete_args = _nest.map_structure(concrete, list(args))
        concrete_kwargs = {k: _nest.map_structure(concrete, v) for k, v in kwargs.items()}
        concrete_kwargs.pop("training", None)
        if self._call_has_training_arg:
            concrete_kwargs["training"] = False
        if not self._call_has_mask_arg:
            concrete_kwargs.pop("mask", None)
        # The call runs on placeholders (zeros, unknown sizes as 1); user code sees their symbolic shapes.
        _tensor._symbolic_build[0] += 1
        try:
            with backend.path_scope(self.name):
                result = self.call(*concrete_args, **concrete_kwargs)
        finally:
            _tensor._symbolic_build[0] -= 1
            for t in placeholders:
                _tensor._relaxed_shapes.pop(id(t._value), None)
        self._losses = []
        batch_unknown = all(isinstance(t, KerasTensor) and t.shape and t.shape[0] is None
                            for t in _nest.flatten([list(args), kwargs]) if isinstance(t, KerasTensor))

        def spec(t: Any) -> _Spec:
            s = tuple(int(d) for d in t.shape)
            if batch_unknown and s and s[0] == 1:
                s = (None,) + s[1:]
            return _Spec(s, t.dtype.name)

        return _nest.map_structure(spec, result)

    def _output_dtype(self, args: tuple[Any, ...]) -> str:
        return self.compute_dtype

    # -- misc -----------------------------------------------------------------------------------------------------
    @property
    def input(self) -> Any:
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' has never been called and thus has no defined input.")
        node = self._inbound_nodes[0]
        return node.args[0] if node.args else node.input_tensors

    @property
    def output(self) -> Any:
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' has never been called and thus has no defined output.")
        return self._inbound_nodes[0].outputs

    def get_config(self) -> dict[str, Any]:
        """``name``, ``trainable`` and ``dtype``; a user class that does not override ``get_config`` also gets
        the constructor arguments it was created with when they are all plain values (str, int, float, bool,
        None, in lists/tuples/dicts), as Keras 3 records them (else ``NotImplementedError`` asks for a
        ``get_config``)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": _dtype_config(self)}
        if type(self).__module__.startswith("tapegrad.") or _overrides_get_config(type(self)):
            return config
        auto = self.__dict__.get("_auto_config")
        if auto is None:
            raise NotImplementedError(
                f"Object {type(self).__name__} was created by passing non-serializable argument values in "
                "`__init__()`, and therefore the object must override `get_config()` in order to be serializable. "
                "Please implement `get_config()`.")
        config.update(auto)
        spec = inspect.getfullargspec(type(self).__init__)
        if spec.varkw is None:  # arguments the constructor cannot take are left out
            config = {k: v for k, v in config.items() if k in spec.args[1:] or k in spec.kwonlyargs}
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


_CONSTRAINTS: dict[int, tuple[weakref.ref, Any]] = {}
_PLAIN = (str, int, float, bool, type(None))


def _auto_config(cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any] | None:
    """The constructor arguments by name when every value is plain (Keras 3's auto config), else None."""
    try:
        names = inspect.getfullargspec(cls.__init__).args[1:]
    except TypeError:
        return None
    config = dict(kwargs)
    config.update(zip(names, args))
    if len(args) > len(names) or not all(isinstance(v, _PLAIN) for v in _nest.flatten(config)):
        return None
    return config


def _overrides_get_config(cls: type) -> bool:
    for klass in cls.__mro__:
        if "get_config" in vars(klass):
            return klass is not Layer and not klass.__module__.startswith("tapegrad.")
    return False


def variable_constraint(v: Variable) -> Any:
    """The constraint given to ``add_weight`` for ``v`` (applied by optimizers after each update), or None."""
    entry = _CONSTRAINTS.get(id(v))
    if entry is not None and entry[0]() is v:
        return entry[1]
    return getattr(v, "constraint", None)  # tf.Variable(constraint=...) too, as Keras


def _keras_mask_of(x: Any) -> Any:
    """The Keras mask attached to ``x`` (a tensor, or a list of them: a list of masks), or None."""
    if isinstance(x, (list, tuple)):
        masks = [getattr(e, "_keras_mask", None) for e in x]
        return masks if any(m is not None for m in masks) else None
    return getattr(x, "_keras_mask", None)


def _attach_mask(outputs: Any, mask: Any) -> None:
    """Attach ``mask`` to the output tensor(s) as ``_keras_mask`` (Keras 3's mask propagation)."""
    if mask is None:
        return
    if isinstance(outputs, Tensor):
        outputs._keras_mask = mask if isinstance(mask, _TensorLike) else _core.convert_to_tensor(mask)
    elif isinstance(outputs, (list, tuple)) and isinstance(mask, (list, tuple)):
        for o, m in zip(outputs, mask):
            _attach_mask(o, m)


def _iter_leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, (Layer, Variable, KerasVariable)):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _iter_leaves(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _iter_leaves(v)


def _map_shapes(shape: Any, fn: Callable[[Any], Any]) -> Any:
    """Apply ``fn`` to each shape of a (possibly nested) shape structure."""
    if isinstance(shape, tuple) and all(d is None or isinstance(d, (int, np.integer)) for d in shape):
        return fn(shape)
    if isinstance(shape, list) and shape and all(isinstance(d, (tuple, list)) for d in shape):
        return [_map_shapes(tuple(s), fn) for s in shape]
    if isinstance(shape, dict):
        return {k: _map_shapes(v, fn) for k, v in shape.items()}
    return fn(tuple(shape))


class _OpLayer(Layer):
    """An anonymous layer that applies a tensor function (arithmetic on KerasTensors)."""

    def __init__(self, fn: Callable[..., Any], op_name: str) -> None:
        super().__init__(name=backend.auto_name(op_name))
        self._fn = fn

    def call(self, *args: Any) -> Any:
        return self._fn(*args)


# --------------------------------------------------------------------------------------------------------------
# InputLayer / Input


class InputLayer(Layer):
    """The layer behind ``keras.Input``: it has no weights; its output is the model's symbolic input."""

    def __init__(self, shape: Any = None, batch_size: int | None = None, dtype: Any = None, sparse: Any = None,
                 batch_shape: Any = None, input_tensor: Any = None, optional: bool = False, name: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(name=name if name is not None else backend.auto_name("input_layer"))
        if "input_shape" in kwargs or "batch_input_shape" in kwargs:
            shape = kwargs.pop("input_shape", shape)
            batch_shape = kwargs.pop("batch_input_shape", batch_shape)
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if batch_size is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `batch_size` and `batch_shape` at the same time.")
        if shape is None and batch_shape is None:
            raise ValueError("You must pass a `shape` argument.")
        if shape is not None:
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self._dtype = self._compute_dtype = _dtypes.as_dtype(dtype).name if dtype is not None else backend.floatx()
        self.sparse = bool(sparse)
        self.optional = optional
        self.built = True
        tensor = KerasTensor(self.batch_shape, self._dtype, name=self.name)
        node = Node(self, (), {}, tensor)
        self._inbound_nodes.append(node)
        tensor._keras_history = (self, 0, 0)
        self._output = tensor

    @property
    def output(self) -> KerasTensor:
        return self._output

    def call(self) -> Any:  # type: ignore[override]
        return None

    def get_config(self) -> dict[str, Any]:
        return {"batch_shape": self.batch_shape, "dtype": self._dtype, "sparse": self.sparse, "name": self.name}


def Input(shape: Any = None, batch_size: int | None = None, dtype: Any = None, sparse: Any = None,  # noqa: N802
          batch_shape: Any = None, name: str | None = None, tensor: Any = None, optional: bool = False) -> KerasTensor:
    """A symbolic input for a functional model (``keras.Input``); ``shape`` excludes the batch axis.

    >>> from tapegrad import keras
    >>> keras.Input((8,), batch_size=4).shape
    (4, 8)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse, batch_shape=batch_shape,
                       name=name, input_tensor=tensor, optional=optional)
    return layer.output


def _constraints_get(identifier: Any) -> Any:
    from ..constraints import get

    return get(identifier)


def _layer_policy(dtype: Any) -> Any:
    from ..dtype_policies import layer_policy

    return layer_policy(dtype)


def _set_policy(layer: Layer, dtype: Any) -> None:
    from .._scopes import capture_remat
    from ..dtype_policies import set_layer_policy

    set_layer_policy(layer, dtype)
    capture_remat(layer)  # a layer created in a keras.RematScope calls rematerialized


def _dtype_config(layer: Layer) -> Any:
    """``get_config``'s ``dtype``: the dtype name, or Keras 3's serialized policy when it is mixed or a map."""
    policy = layer.__dict__.get("_dtype_policy")
    if policy is None or (type(policy).__name__ == "DTypePolicy" and policy.compute_dtype == policy.variable_dtype):
        return layer._dtype
    from ..dtype_policies import serialize

    return serialize(policy)
