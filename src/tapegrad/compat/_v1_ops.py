"""TF 1 versions of top-level ops whose signature or semantics differ from TF 2's (``tf.compat.v1.<name>``): the
deprecated argument spellings (``keep_dims``, ``reduction_indices``, ``dimension``, ``dim``, ``squeeze_dims``...),
TF 1's ``where`` (no broadcasting), ``div`` (Python 2 division), the ``to_*`` casts, and the eager answers of the
graph-mode functions (collections are empty, initializer ops are ``None``, ``placeholder`` raises)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

import tapegrad as tf

from ..errors import InvalidArgumentError

_tuple = tuple  # the builtin (``tuple`` below is TF 1's op)


def pick(new_name: str, new: Any, old_name: str, old: Any) -> Any:
    """TF's deprecated-argument lookup: the value given under either name (both: ValueError)."""
    if old is not None:
        if new is not None:
            raise ValueError(f"Cannot specify both '{old_name}' and '{new_name}'.")
        return old
    return new


def _keep(keepdims: Any, keep_dims: Any) -> bool:
    return bool(pick("keepdims", keepdims, "keep_dims", keep_dims))


def _reduction(fn: Callable[..., Any]) -> Callable[..., Any]:
    def reduce(input_tensor: Any, axis: Any = None, keepdims: Any = None, name: str | None = None,
               reduction_indices: Any = None, keep_dims: Any = None) -> Any:
        axis = pick("axis", axis, "reduction_indices", reduction_indices)
        return fn(input_tensor, axis=axis, keepdims=_keep(keepdims, keep_dims))

    reduce.__name__ = reduce.__qualname__ = fn.__name__
    reduce.__doc__ = (f"TF 1's ``{fn.__name__}``: TF 2's with the deprecated ``reduction_indices`` (for ``axis``) "
                      f"and ``keep_dims`` (for ``keepdims``).")
    return reduce


reduce_sum = _reduction(tf.reduce_sum)
reduce_mean = _reduction(tf.reduce_mean)
reduce_max = _reduction(tf.reduce_max)
reduce_min = _reduction(tf.reduce_min)
reduce_prod = _reduction(tf.reduce_prod)
reduce_all = _reduction(tf.reduce_all)
reduce_any = _reduction(tf.reduce_any)
reduce_logsumexp = _reduction(tf.reduce_logsumexp)
reduce_variance = _reduction(tf.math.reduce_variance)
reduce_std = _reduction(tf.math.reduce_std)
reduce_euclidean_norm = _reduction(tf.math.reduce_euclidean_norm)


def count_nonzero(input_tensor: Any = None, axis: Any = None, keepdims: Any = None, dtype: Any = tf.int64,
                  name: str | None = None, reduction_indices: Any = None, keep_dims: Any = None,
                  input: Any = None) -> Any:  # noqa: A002 - TF's argument name
    """TF 1's ``count_nonzero`` (``input``/``input_tensor``, ``reduction_indices``, ``keep_dims``)."""
    x = pick("input", input, "input_tensor", input_tensor)
    axis = pick("axis", axis, "reduction_indices", reduction_indices)
    return tf.math.count_nonzero(x, axis=axis, keepdims=_keep(keepdims, keep_dims), dtype=dtype)


def reduce_join(inputs: Any, axis: Any = None, keep_dims: Any = None, separator: str = "", name: str | None = None,
                reduction_indices: Any = None, keepdims: Any = None) -> Any:
    """TF 1's ``reduce_join`` (``reduction_indices``, ``keep_dims``)."""
    axis = pick("axis", axis, "reduction_indices", reduction_indices)
    return tf.strings.reduce_join(inputs, axis=axis, keepdims=_keep(keepdims, keep_dims), separator=separator)


def argmax(input: Any, axis: Any = None, name: str | None = None, dimension: Any = None,  # noqa: A002
           output_type: Any = tf.int64) -> Any:
    """TF 1's ``argmax`` (``dimension`` for ``axis``; axis 0 by default)."""
    axis = pick("axis", axis, "dimension", dimension)
    return tf.argmax(input, axis=0 if axis is None else axis, output_type=output_type)


def argmin(input: Any, axis: Any = None, name: str | None = None, dimension: Any = None,  # noqa: A002
           output_type: Any = tf.int64) -> Any:
    """TF 1's ``argmin`` (``dimension`` for ``axis``; axis 0 by default)."""
    axis = pick("axis", axis, "dimension", dimension)
    return tf.argmin(input, axis=0 if axis is None else axis, output_type=output_type)


def arg_max(input: Any, dimension: Any, output_type: Any = tf.int64, name: str | None = None) -> Any:  # noqa: A002
    """TF 1's raw ``arg_max(input, dimension)``."""
    return tf.argmax(input, axis=dimension, output_type=output_type)


def arg_min(input: Any, dimension: Any, output_type: Any = tf.int64, name: str | None = None) -> Any:  # noqa: A002
    """TF 1's raw ``arg_min(input, dimension)``."""
    return tf.argmin(input, axis=dimension, output_type=output_type)


def expand_dims(input: Any, axis: Any = None, name: str | None = None, dim: Any = None) -> Any:  # noqa: A002
    """TF 1's ``expand_dims`` (``dim`` for ``axis``)."""
    axis = pick("axis", axis, "dim", dim)
    if axis is None:
        raise ValueError("Must specify an axis argument to tf.expand_dims()")
    return tf.expand_dims(input, axis)


def squeeze(input: Any, axis: Any = None, name: str | None = None, squeeze_dims: Any = None) -> Any:  # noqa: A002
    """TF 1's ``squeeze`` (``squeeze_dims`` for ``axis``)."""
    axis = pick("axis", axis, "squeeze_dims", squeeze_dims)
    if isinstance(axis, int):
        axis = [axis]
    return tf.squeeze(input, axis)


def gather(params: Any, indices: Any, validate_indices: Any = None, name: str | None = None, axis: Any = None,
           batch_dims: int = 0) -> Any:
    """TF 1's ``gather`` (its argument order)."""
    return tf.gather(params, indices, axis=axis, batch_dims=batch_dims)


def gather_nd(params: Any, indices: Any, name: str | None = None, batch_dims: int = 0) -> Any:
    """TF 1's ``gather_nd``."""
    return tf.gather_nd(params, indices, batch_dims=batch_dims)


def norm(tensor: Any, ord: Any = "euclidean", axis: Any = None, keepdims: Any = None,  # noqa: A002
         name: str | None = None, keep_dims: Any = None) -> Any:
    """TF 1's ``norm`` (``keep_dims``)."""
    return tf.norm(tensor, ord=ord, axis=axis, keepdims=_keep(keepdims, keep_dims))


def ones_like(tensor: Any, dtype: Any = None, name: str | None = None, optimize: bool = True) -> Any:
    """TF 1's ``ones_like(tensor, dtype, name, optimize)``."""
    return tf.ones_like(tensor, dtype=dtype)


def zeros_like(tensor: Any, dtype: Any = None, name: str | None = None, optimize: bool = True) -> Any:
    """TF 1's ``zeros_like(tensor, dtype, name, optimize)``."""
    return tf.zeros_like(tensor, dtype=dtype)


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str = "Const", verify_shape: bool = False) -> Any:
    """TF 1's ``constant``: as TF 2's, except that eagerly a ``shape`` must have as many elements as ``value`` (a
    scalar fills it) — TF 1 does not broadcast — and ``verify_shape`` requires ``value``'s own shape."""
    if shape is not None:
        arr = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
        want = _tuple(int(d) for d in (shape if isinstance(shape, (list, tuple)) else tf.TensorShape(shape)))
        if verify_shape and arr.shape != want:
            raise TypeError(f"Expected Tensor {arr} (converted from {value!r}) with shape {want}, but got shape "
                            f"{arr.shape}.")
        if arr.size != 1 and arr.size != int(np.prod(want)):
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tensor {arr} (converted from "
                            f"{value!r}) has {arr.size} elements, but got `shape` {want} with {int(np.prod(want))} "
                            f"elements).")
        if arr.size != 1:
            return tf.reshape(tf.constant(value, dtype=dtype), want)
    return tf.constant(value, dtype=dtype, shape=shape)


def convert_to_tensor(value: Any, dtype: Any = None, name: str | None = None, preferred_dtype: Any = None,
                      dtype_hint: Any = None) -> Any:
    """TF 1's ``convert_to_tensor`` (``preferred_dtype`` for ``dtype_hint``)."""
    return tf.convert_to_tensor(value, dtype=dtype, dtype_hint=pick("dtype_hint", dtype_hint, "preferred_dtype",
                                                                    preferred_dtype))


def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Any:
    """TF 1's ``where``: ``x`` and ``y`` must have the condition's shape (or it is a vector over their first
    dimension) — no broadcasting (that is ``where_v2``); alone, the coordinates of the true elements."""
    if x is None and y is None:
        return tf.where(condition)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    c, tx, ty = tf.convert_to_tensor(condition), tf.convert_to_tensor(x), tf.convert_to_tensor(y)
    if tx.shape != ty.shape:
        raise InvalidArgumentError(f"Inputs to operation Select of type Select must have the same size and shape.  "
                                   f"Input 0: {tx.shape.as_list()} != input 1: {ty.shape.as_list()}")
    if c.shape != tx.shape:
        if c.shape.rank == 1 and tx.shape.rank and c.shape[0] == tx.shape[0]:
            c = tf.reshape(c, [-1] + [1] * (tx.shape.rank - 1))
        else:
            raise InvalidArgumentError(f"Inputs to operation Select of type Select must have the same size and "
                                       f"shape.  Input 0: {c.shape.as_list()} != input 2: {ty.shape.as_list()}")
    return tf.where(c, tx, ty)


def div(x: Any, y: Any, name: str | None = None) -> Any:
    """TF 1's ``div``: Python 2 division — floor division for integers, true division for floats."""
    tx = tf.convert_to_tensor(x)
    ty = tf.convert_to_tensor(y, dtype=tx.dtype)
    return tf.math.floordiv(tx, ty) if tx.dtype.is_integer else tf.math.divide(tx, ty)


def floor_div(x: Any, y: Any, name: str | None = None) -> Any:
    """TF 1's raw ``floor_div``."""
    return tf.math.floordiv(x, y)


def scalar_mul(scalar: Any, x: Any, name: str | None = None) -> Any:
    """TF 1's ``scalar_mul`` (``scalar`` must be a scalar)."""
    return tf.math.scalar_mul(scalar, x)


def _cast_to(dtype: Any, name: str) -> Callable[..., Any]:
    def cast(x: Any, name: str = name) -> Any:
        return tf.cast(x, dtype)

    cast.__name__ = cast.__qualname__ = name
    cast.__doc__ = f"TF 1's ``{name}(x)``: ``tf.cast(x, {dtype.name})``."
    return cast


to_float = _cast_to(tf.float32, "to_float")
to_double = _cast_to(tf.float64, "to_double")
to_int32 = _cast_to(tf.int32, "to_int32")
to_int64 = _cast_to(tf.int64, "to_int64")
to_bfloat16 = _cast_to(tf.bfloat16, "to_bfloat16")
to_complex64 = _cast_to(tf.complex64, "to_complex64")
to_complex128 = _cast_to(tf.complex128, "to_complex128")


def reverse_sequence(input: Any, seq_lengths: Any, seq_axis: Any = None, batch_axis: Any = None,  # noqa: A002
                     name: str | None = None, seq_dim: Any = None, batch_dim: Any = None) -> Any:
    """TF 1's ``reverse_sequence`` (``seq_dim``/``batch_dim``)."""
    return tf.reverse_sequence(input, seq_lengths, seq_axis=pick("seq_axis", seq_axis, "seq_dim", seq_dim),
                               batch_axis=pick("batch_axis", batch_axis, "batch_dim", batch_dim) or 0)


def boolean_mask(tensor: Any, mask: Any, name: str = "boolean_mask", axis: Any = None) -> Any:
    """TF 1's ``boolean_mask``."""
    return tf.boolean_mask(tensor, mask, axis=axis)


def shape(input: Any, name: str | None = None, out_type: Any = None) -> Any:  # noqa: A002
    """TF 1's ``shape`` (int32 unless ``out_type``)."""
    return tf.shape(input, out_type=out_type or tf.int32)


def size(input: Any, name: str | None = None, out_type: Any = tf.int32) -> Any:  # noqa: A002
    """TF 1's ``size``."""
    return tf.size(input, out_type=out_type)


def pad(tensor: Any, paddings: Any, mode: str = "CONSTANT", name: str | None = None, constant_values: Any = 0) -> Any:
    """TF 1's ``pad`` (its argument order)."""
    return tf.pad(tensor, paddings, mode=mode, constant_values=constant_values)


def transpose(a: Any, perm: Any = None, name: str = "transpose", conjugate: bool = False) -> Any:
    """TF 1's ``transpose``."""
    return tf.transpose(a, perm=perm, conjugate=conjugate)


def space_to_batch(input: Any, paddings: Any, block_size: Any = None, name: str | None = None,  # noqa: A002
                   block_shape: Any = None) -> Any:
    """TF 1's ``space_to_batch(input, paddings, block_size)`` (2-D spatial blocks)."""
    size_ = pick("block_shape", block_shape, "block_size", block_size)
    shape_ = [size_, size_] if isinstance(size_, int) else size_
    return tf.space_to_batch(input, shape_, paddings)


def batch_to_space(input: Any, crops: Any, block_size: Any, name: str | None = None,  # noqa: A002
                   block_shape: Any = None) -> Any:
    """TF 1's ``batch_to_space(input, crops, block_size)`` (2-D spatial blocks)."""
    size_ = pick("block_shape", block_shape, "block_size", block_size)
    shape_ = [size_, size_] if isinstance(size_, int) else size_
    return tf.batch_to_space(input, shape_, crops)


def depth_to_space(input: Any, block_size: int, name: str | None = None, data_format: str = "NHWC") -> Any:  # noqa: A002
    """TF 1's ``depth_to_space``."""
    return tf.nn.depth_to_space(input, block_size, data_format=data_format)


def space_to_depth(input: Any, block_size: int, name: str | None = None, data_format: str = "NHWC") -> Any:  # noqa: A002
    """TF 1's ``space_to_depth``."""
    return tf.nn.space_to_depth(input, block_size, data_format=data_format)


def cond(pred: Any, true_fn: Any = None, false_fn: Any = None, strict: bool = False, name: str | None = None,
         fn1: Any = None, fn2: Any = None) -> Any:
    """TF 1's ``cond`` (``fn1``/``fn2``; ``strict=False`` unpacks single-element results as TF 1 does)."""
    true_fn = pick("true_fn", true_fn, "fn1", fn1)
    false_fn = pick("false_fn", false_fn, "fn2", fn2)
    out = tf.cond(pred, true_fn, false_fn)
    if not strict and isinstance(out, (list, _tuple)) and len(out) == 1:
        return out[0]
    return out


def case(pred_fn_pairs: Any, default: Any = None, exclusive: bool = False, strict: bool = False,
         name: str = "case") -> Any:
    """TF 1's ``case`` (a dict of pairs allowed, as TF 1)."""
    pairs = list(pred_fn_pairs.items()) if isinstance(pred_fn_pairs, dict) else pred_fn_pairs
    return tf.case(pairs, default=default, exclusive=exclusive, strict=strict)


def while_loop(cond: Callable[..., Any], body: Callable[..., Any], loop_vars: Any, shape_invariants: Any = None,
               parallel_iterations: int = 10, back_prop: bool = True, swap_memory: bool = False,
               name: str | None = None,
               maximum_iterations: Any = None, return_same_structure: bool = False) -> Any:
    """TF 1's ``while_loop``: a single loop variable comes back unwrapped unless ``return_same_structure``."""
    if isinstance(loop_vars, (list, _tuple)) and len(loop_vars) == 1:
        inner = body

        def body(*args: Any) -> Any:  # TF 1 accepts a bare result for a single loop variable
            out = inner(*args)
            return out if isinstance(out, (list, _tuple)) else [out]
    out = tf.while_loop(cond, body, loop_vars, shape_invariants=shape_invariants,
                        maximum_iterations=maximum_iterations)
    if not return_same_structure and isinstance(out, (list, _tuple)) and len(out) == 1:
        return out[0]
    return out


def map_fn(fn: Callable[[Any], Any], elems: Any, dtype: Any = None, parallel_iterations: Any = None,
           back_prop: bool = True, swap_memory: bool = False, infer_shape: bool = True, name: str | None = None,
           fn_output_signature: Any = None) -> Any:
    """TF 1's ``map_fn`` (``dtype`` for ``fn_output_signature``)."""
    return tf.map_fn(fn, elems, fn_output_signature=pick("fn_output_signature", fn_output_signature, "dtype", dtype),
                     infer_shape=infer_shape)


def foldl(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any = None, parallel_iterations: int = 10,
          back_prop: bool = True, swap_memory: bool = False, name: str | None = None) -> Any:
    """TF 1's ``foldl``."""
    return tf.foldl(fn, elems, initializer=initializer)


def foldr(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any = None, parallel_iterations: int = 10,
          back_prop: bool = True, swap_memory: bool = False, name: str | None = None) -> Any:
    """TF 1's ``foldr``."""
    return tf.foldr(fn, elems, initializer=initializer)


def scan(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any = None, parallel_iterations: int = 10,
         back_prop: bool = True, swap_memory: bool = False, infer_shape: bool = True, reverse: bool = False,
         name: str | None = None) -> Any:
    """TF 1's ``scan``."""
    return tf.scan(fn, elems, initializer=initializer, infer_shape=infer_shape, reverse=reverse)


def tuple(tensors: Any, name: str | None = None, control_inputs: Any = None) -> Any:  # noqa: A001
    """TF 1's ``tuple(tensors, name, control_inputs)``."""
    return tf.tuple(tensors, control_inputs=control_inputs)


@contextlib.contextmanager
def name_scope(name: Any, default_name: Any = None, values: Any = None) -> Iterator[str]:
    """TF 1's ``name_scope(name, default_name, values)``: yields the scope's name, as TF 1's does."""
    scope = name if name is not None else default_name
    if scope is None:
        raise ValueError("At least one of name (None) and default_name (None) must be provided.")
    with tf.name_scope(scope) as s:
        yield s


def device(device_name_or_function: Any) -> Any:
    """TF 1's ``device`` (a device name; a device function is a graph-mode feature and is refused)."""
    if callable(device_name_or_function):
        raise RuntimeError("tf.device does not support functions when eager execution is enabled.")
    return tf.device(device_name_or_function)


# -- eager answers of graph-mode functions -------------------------------------------------------------------------

def gradients(ys: Any, xs: Any, grad_ys: Any = None, name: str = "gradients", colocate_gradients_with_ops: bool = False,
              gate_gradients: bool = False, aggregation_method: Any = None, stop_gradients: Any = None,
              unconnected_gradients: Any = "none") -> Any:
    """TF 1's ``gradients``: inside a ``tapegrad.function`` as TF 2's ``tf.gradients``; eagerly a RuntimeError, as
    TF (use a ``GradientTape``)."""
    return tf.gradients(ys, xs, grad_ys=grad_ys, gate_gradients=gate_gradients, aggregation_method=aggregation_method,
                        stop_gradients=stop_gradients, unconnected_gradients=unconnected_gradients)


def hessians(ys: Any, xs: Any, name: str = "hessians", colocate_gradients_with_ops: bool = False,
             gate_gradients: bool = False, aggregation_method: Any = None) -> Any:
    """TF 1's ``hessians`` (inside a ``tapegrad.function``)."""
    return tf.hessians(ys, xs, gate_gradients=gate_gradients, aggregation_method=aggregation_method)


def placeholder(dtype: Any, shape: Any = None, name: str | None = None) -> Any:
    """``placeholder`` is graph-mode only: RuntimeError, as TF 2 eagerly."""
    raise RuntimeError("tf.placeholder() is not compatible with eager execution.")


def sparse_placeholder(dtype: Any, shape: Any = None, name: str | None = None) -> Any:
    """``sparse_placeholder`` is graph-mode only: RuntimeError, as TF 2 eagerly."""
    raise RuntimeError("`sparse_placeholder` is not compatible with eager execution.")


def placeholder_with_default(input: Any, shape: Any, name: str | None = None) -> Any:  # noqa: A002
    """Eagerly, ``input`` itself (its shape must be compatible with ``shape``)."""
    t = tf.convert_to_tensor(input)
    if not tf.TensorShape(shape).is_compatible_with(t.shape):
        raise ValueError(f"Shapes {t.shape} and {tf.TensorShape(shape)} are incompatible")
    return tf.identity(t)


def _empty(*args: Any, **kwargs: Any) -> list[Any]:
    return []


def _none(*args: Any, **kwargs: Any) -> None:
    return None


# eagerly TF keeps no graph collections: every listing is empty and every initializer op is None
global_variables = local_variables = model_variables = trainable_variables = moving_average_variables = _empty
all_variables = get_collection = get_collection_ref = _empty
global_variables_initializer = local_variables_initializer = initialize_all_variables = _none
initialize_local_variables = tables_initializer = initialize_all_tables = variables_initializer = _none
initialize_variables = add_to_collection = add_to_collections = _none


def is_variable_initialized(variable: Any) -> Any:
    """Eager variables are initialized when made: True."""
    return tf.constant(True)


def executing_eagerly() -> bool:
    """True outside a ``tapegrad.function`` (as TF 2)."""
    return tf.executing_eagerly()


def executing_eagerly_outside_functions() -> bool:
    """tapegrad is always eager outside functions: True."""
    return True


def _switch_on(*args: Any, **kwargs: Any) -> None:
    """Already so in tapegrad (TF 2 behaviour): nothing to do."""


enable_eager_execution = enable_v2_behavior = enable_resource_variables = enable_control_flow_v2 = _switch_on
enable_tensor_equality = enable_v2_tensorshape = _switch_on


def _true() -> bool:
    return True


resource_variables_enabled = control_flow_v2_enabled = _true


def _cannot(what: str) -> Callable[..., None]:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(f"tf.compat.v1.{what}(): tapegrad has only TF 2's behaviour (eager execution, "
                                  f"resource variables, control flow v2, tensor equality, v2 shapes); it cannot "
                                  f"switch to TF 1's. Remove the call (compile with tapegrad.function for speed).")

    refuse.__name__ = what
    return refuse


disable_eager_execution = _cannot("disable_eager_execution")
disable_v2_behavior = _cannot("disable_v2_behavior")
disable_resource_variables = _cannot("disable_resource_variables")
disable_control_flow_v2 = _cannot("disable_control_flow_v2")
disable_tensor_equality = _cannot("disable_tensor_equality")
disable_v2_tensorshape = _cannot("disable_v2_tensorshape")


# -- variables -----------------------------------------------------------------------------------------------------

class VariableAggregation:
    """TF 1's aggregation modes (TF 2's plus ``ONLY_FIRST_TOWER``, an alias of ``ONLY_FIRST_REPLICA``)."""

    NONE = tf.VariableAggregation.NONE
    SUM = tf.VariableAggregation.SUM
    MEAN = tf.VariableAggregation.MEAN
    ONLY_FIRST_REPLICA = tf.VariableAggregation.ONLY_FIRST_REPLICA
    ONLY_FIRST_TOWER = tf.VariableAggregation.ONLY_FIRST_REPLICA


def Variable(initial_value: Any = None, trainable: Any = None, collections: Any = None,  # noqa: N802
             validate_shape: bool = True, caching_device: Any = None, name: str | None = None, variable_def: Any = None,
             dtype: Any = None, expected_shape: Any = None, import_scope: Any = None, constraint: Any = None,
             use_resource: Any = None, synchronization: Any = None, aggregation: Any = None,
             shape: Any = None) -> Any:
    """TF 1's ``Variable`` constructor (its argument order): a tapegrad Variable (resource semantics, as TF 2)."""
    if variable_def is not None:
        raise ValueError("variable_def (a VariableDef protocol buffer) needs a graph; it is not supported eagerly.")
    kwargs: dict[str, Any] = {"trainable": True if trainable is None else trainable, "name": name, "dtype": dtype,
                              "constraint": constraint, "shape": shape}
    if synchronization is not None:
        kwargs["synchronization"] = synchronization
    if aggregation is not None:
        kwargs["aggregation"] = aggregation
    return tf.Variable(initial_value, **kwargs)


def assign(ref: Any, value: Any, validate_shape: Any = None, use_locking: Any = None, name: str | None = None) -> Any:
    """TF 1's ``assign(ref, value)``."""
    return ref.assign(value)


def assign_add(ref: Any, value: Any, use_locking: Any = None, name: str | None = None) -> Any:
    """TF 1's ``assign_add(ref, value)``."""
    return ref.assign_add(value)


def assign_sub(ref: Any, value: Any, use_locking: Any = None, name: str | None = None) -> Any:
    """TF 1's ``assign_sub(ref, value)``."""
    return ref.assign_sub(value)


def _scatter(method: str) -> Callable[..., Any]:
    def scatter(ref: Any, indices: Any, updates: Any, use_locking: Any = None, name: str | None = None) -> Any:
        return getattr(ref, method)(tf.IndexedSlices(tf.convert_to_tensor(updates, dtype=ref.dtype),
                                                     tf.convert_to_tensor(indices)))

    scatter.__name__ = scatter.__qualname__ = method
    scatter.__doc__ = f"TF 1's ``{method}(ref, indices, updates)`` on a Variable."
    return scatter


scatter_update, scatter_add, scatter_sub = _scatter("scatter_update"), _scatter("scatter_add"), _scatter("scatter_sub")
scatter_mul, scatter_div = _scatter("scatter_mul"), _scatter("scatter_div")
scatter_min, scatter_max = _scatter("scatter_min"), _scatter("scatter_max")


def _scatter_nd(method: str) -> Callable[..., Any]:
    def scatter(ref: Any, indices: Any, updates: Any, use_locking: Any = None, name: str | None = None) -> Any:
        return getattr(ref, method)(indices, updates)

    scatter.__name__ = scatter.__qualname__ = method
    scatter.__doc__ = f"TF 1's ``{method}(ref, indices, updates)`` on a Variable."
    return scatter


scatter_nd_update, scatter_nd_add = _scatter_nd("scatter_nd_update"), _scatter_nd("scatter_nd_add")
scatter_nd_sub = _scatter_nd("scatter_nd_sub")


def count_up_to(ref: Any, limit: int, name: str | None = None) -> Any:
    """TF 1's ``count_up_to``: the variable's value before adding 1; OutOfRangeError once it reached ``limit``."""
    from ..errors import OutOfRangeError

    before = ref.read_value()
    if int(before.numpy()) >= limit:
        raise OutOfRangeError(None, None, f"Reached limit of {limit}")
    ref.assign_add(tf.ones([], ref.dtype))
    return before


# -- random --------------------------------------------------------------------------------------------------------

def multinomial(logits: Any, num_samples: Any, seed: Any = None, name: str | None = None,
                output_dtype: Any = None) -> Any:
    """TF 1's ``multinomial``: ``tf.random.categorical``."""
    return tf.random.categorical(logits, num_samples, dtype=output_dtype, seed=seed)


def random_poisson(lam: Any, shape: Any, dtype: Any = tf.float32, seed: Any = None, name: str | None = None) -> Any:
    """TF 1's ``random_poisson(lam, shape)`` (TF 2's takes ``shape`` first)."""
    return tf.random.poisson(shape, lam, dtype=dtype, seed=seed)


def set_random_seed(seed: Any) -> None:
    """TF 1's ``set_random_seed``: the global seed (``tf.random.set_seed``)."""
    tf.random.set_seed(seed)


# -- variable scopes -----------------------------------------------------------------------------------------------

AUTO_REUSE = "AUTO_REUSE"  # TF's _ReuseMode.AUTO_REUSE, compared by identity in TF; a sentinel here


class VariableScope:
    """A TF 1 variable scope: a name, a default initializer/regularizer/dtype for ``get_variable``. Eagerly TF 2 does
    not share variables between ``get_variable`` calls (each call makes a new one), and neither does tapegrad."""

    def __init__(self, reuse: Any, name: str = "", initializer: Any = None, regularizer: Any = None,
                 caching_device: Any = None, partitioner: Any = None, custom_getter: Any = None,
                 name_scope: str = "", dtype: Any = tf.float32, use_resource: Any = None,
                 constraint: Any = None) -> None:
        self._name, self._reuse, self.initializer, self.regularizer = name, reuse, initializer, regularizer
        self.dtype, self.constraint, self.custom_getter = dtype, constraint, custom_getter
        self.original_name_scope = name_scope

    @property
    def name(self) -> str:
        return self._name

    @property
    def reuse(self) -> Any:
        return self._reuse

    def reuse_variables(self) -> None:
        self._reuse = True

    def set_initializer(self, initializer: Any) -> None:
        self.initializer = initializer

    def set_regularizer(self, regularizer: Any) -> None:
        self.regularizer = regularizer

    def set_dtype(self, dtype: Any) -> None:
        self.dtype = dtype

    def get_variable(self, name: str, shape: Any = None, dtype: Any = None, initializer: Any = None,
                     regularizer: Any = None, trainable: Any = None, **kwargs: Any) -> Any:
        full = f"{self._name}/{name}" if self._name else name
        dtype = tf.as_dtype(dtype or self.dtype)
        init = initializer if initializer is not None else self.initializer
        if init is None:
            init = glorot_uniform_initializer() if dtype.is_floating else zeros_initializer()
        if callable(init):
            try:
                value = init(shape, dtype=dtype)
            except TypeError:
                value = init(shape)
        else:
            value = tf.convert_to_tensor(init, dtype=dtype)
        var = tf.Variable(value, name=full, dtype=dtype, trainable=True if trainable is None else trainable,
                          constraint=kwargs.get("constraint", self.constraint))
        return var


_scopes: list[VariableScope] = [VariableScope(False)]


def get_variable_scope() -> VariableScope:
    """The current TF 1 variable scope."""
    return _scopes[-1]


@contextlib.contextmanager
def variable_scope(name_or_scope: Any, default_name: Any = None, values: Any = None, initializer: Any = None,
                   regularizer: Any = None, caching_device: Any = None, partitioner: Any = None,
                   custom_getter: Any = None, reuse: Any = None, dtype: Any = None, use_resource: Any = None,
                   constraint: Any = None, auxiliary_name_scope: bool = True) -> Iterator[VariableScope]:
    """TF 1's ``variable_scope``: names ``get_variable``'s variables ``scope/name`` and gives them the scope's
    defaults (eagerly no sharing, as TF 2)."""
    outer = _scopes[-1]
    if isinstance(name_or_scope, VariableScope):
        base = name_or_scope.name
    else:
        base = name_or_scope if name_or_scope is not None else default_name
        if base is None:
            raise TypeError("If default_name is None then name_or_scope is required")
        base = f"{outer.name}/{base}" if outer.name else base
    scope = VariableScope(reuse if reuse is not None else outer.reuse, base,
                          initializer if initializer is not None else outer.initializer,
                          regularizer if regularizer is not None else outer.regularizer,
                          dtype=dtype or outer.dtype, constraint=constraint or outer.constraint)
    _scopes.append(scope)
    try:
        if auxiliary_name_scope:
            with tf.name_scope(base.rsplit("/", 1)[-1]):
                yield scope
        else:
            yield scope
    finally:
        _scopes.pop()


def get_variable(name: str, shape: Any = None, dtype: Any = None, initializer: Any = None, regularizer: Any = None,
                 trainable: Any = None, collections: Any = None, caching_device: Any = None, partitioner: Any = None,
                 validate_shape: bool = True, use_resource: Any = None, custom_getter: Any = None,
                 constraint: Any = None, synchronization: Any = None, aggregation: Any = None) -> Any:
    """TF 1's ``get_variable``: a new Variable named by the current variable scope (eagerly TF 2 makes a new one on
    every call too), initialised by ``initializer``, the scope's, or Glorot uniform (floats) / zeros."""
    return get_variable_scope().get_variable(name, shape, dtype, initializer, regularizer, trainable,
                                             constraint=constraint)


def get_local_variable(name: str, shape: Any = None, dtype: Any = None, initializer: Any = None,
                       **kwargs: Any) -> Any:
    """TF 1's ``get_local_variable``: ``get_variable`` with ``trainable=False``."""
    return get_variable(name, shape, dtype, initializer, trainable=False)


# -- TF 1 initializers (``dtype`` at construction, ``__call__(shape, dtype=None, partition_info=None)``) ------------

class _V1Init:
    def __init__(self, dtype: Any = tf.float32) -> None:
        self.dtype = tf.as_dtype(dtype)

    def get_config(self) -> dict[str, Any]:
        return {"dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        return cls(**config)


class zeros_initializer(_V1Init):  # noqa: N801 - TF's name
    """TF 1's ``zeros_initializer(dtype)``."""

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Any:
        return tf.zeros(shape, dtype or self.dtype)


class ones_initializer(_V1Init):  # noqa: N801
    """TF 1's ``ones_initializer(dtype)``."""

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Any:
        return tf.ones(shape, dtype or self.dtype)


class constant_initializer(_V1Init):  # noqa: N801
    """TF 1's ``constant_initializer(value, dtype, verify_shape)``: a scalar fills the shape; a list must have as
    many elements as the shape (TF 1 raises a TypeError otherwise)."""

    def __init__(self, value: Any = 0, dtype: Any = tf.float32, verify_shape: bool = False) -> None:
        super().__init__(dtype)
        self.value, self.verify_shape = value, verify_shape

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None, verify_shape: Any = None) -> Any:
        return constant(self.value, dtype=dtype or self.dtype, shape=shape,
                        verify_shape=self.verify_shape if verify_shape is None else verify_shape)

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value, "dtype": self.dtype.name, "verify_shape": self.verify_shape}


class random_normal_initializer(_V1Init):  # noqa: N801
    """TF 1's ``random_normal_initializer(mean, stddev, seed, dtype)`` (TF's values for a seed)."""

    def __init__(self, mean: float = 0.0, stddev: float = 1.0, seed: Any = None, dtype: Any = tf.float32) -> None:
        super().__init__(dtype)
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Any:
        return tf.random.normal(shape, self.mean, self.stddev, dtype or self.dtype, seed=self.seed)


class random_uniform_initializer(_V1Init):  # noqa: N801
    """TF 1's ``random_uniform_initializer(minval, maxval, seed, dtype)``."""

    def __init__(self, minval: float = 0.0, maxval: Any = None, seed: Any = None, dtype: Any = tf.float32) -> None:
        super().__init__(dtype)
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Any:
        dt = tf.as_dtype(dtype or self.dtype)
        maxval = self.maxval if self.maxval is not None else (None if dt.is_integer else 1.0)
        return tf.random.uniform(shape, self.minval, maxval, dt, seed=self.seed)


class truncated_normal_initializer(_V1Init):  # noqa: N801
    """TF 1's ``truncated_normal_initializer(mean, stddev, seed, dtype)``."""

    def __init__(self, mean: float = 0.0, stddev: float = 1.0, seed: Any = None, dtype: Any = tf.float32) -> None:
        super().__init__(dtype)
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Any:
        return tf.random.truncated_normal(shape, self.mean, self.stddev, dtype or self.dtype, seed=self.seed)


class variance_scaling_initializer(_V1Init):  # noqa: N801
    """TF 1's ``variance_scaling_initializer(scale, mode, distribution, seed, dtype)``: TF 1's default
    distribution is ``"truncated_normal"``; values are TF 1's for a seed."""

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                 seed: Any = None, dtype: Any = tf.float32) -> None:
        super().__init__(dtype)
        if scale <= 0.0:
            raise ValueError("`scale` must be positive float.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode}")
        distribution = distribution.lower()
        if distribution not in ("normal", "uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(f"Invalid `distribution` argument: {distribution}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Any:
        dt = tf.as_dtype(dtype or self.dtype)
        dims = [int(d) for d in shape]
        if not dims:
            fan_in = fan_out = 1.0
        elif len(dims) == 1:
            fan_in = fan_out = float(dims[0])
        else:
            receptive = float(np.prod(dims[:-2])) if len(dims) > 2 else 1.0
            fan_in, fan_out = dims[-2] * receptive, dims[-1] * receptive
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution in ("normal", "truncated_normal"):
            stddev = float(np.sqrt(scale)) / 0.87962566103423978  # the truncated normal's stddev correction
            return tf.random.truncated_normal(dims, 0.0, stddev, dt, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return tf.random.normal(dims, 0.0, float(np.sqrt(scale)), dt, seed=self.seed)
        limit = float(np.sqrt(3.0 * scale))
        return tf.random.uniform(dims, -limit, limit, dt, seed=self.seed)

    def get_config(self) -> dict[str, Any]:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed,
                "dtype": self.dtype.name}


class glorot_uniform_initializer(variance_scaling_initializer):  # noqa: N801
    """TF 1's ``glorot_uniform_initializer(seed, dtype)``."""

    def __init__(self, seed: Any = None, dtype: Any = tf.float32) -> None:
        super().__init__(1.0, "fan_avg", "uniform", seed, dtype)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed, "dtype": self.dtype.name}


class glorot_normal_initializer(variance_scaling_initializer):  # noqa: N801
    """TF 1's ``glorot_normal_initializer(seed, dtype)`` (truncated normal)."""

    def __init__(self, seed: Any = None, dtype: Any = tf.float32) -> None:
        super().__init__(1.0, "fan_avg", "truncated_normal", seed, dtype)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed, "dtype": self.dtype.name}


def _he_lecun(scale: float, mode: str, distribution: str, name: str) -> Callable[..., Any]:
    def make(seed: Any = None) -> variance_scaling_initializer:
        return variance_scaling_initializer(scale, mode, distribution, seed)

    make.__name__ = make.__qualname__ = name
    make.__doc__ = f"TF 1's ``initializers.{name}(seed)``: variance scaling ({scale}, {mode}, {distribution})."
    return make


he_normal = _he_lecun(2.0, "fan_in", "truncated_normal", "he_normal")
he_uniform = _he_lecun(2.0, "fan_in", "uniform", "he_uniform")
lecun_normal = _he_lecun(1.0, "fan_in", "truncated_normal", "lecun_normal")
lecun_uniform = _he_lecun(1.0, "fan_in", "uniform", "lecun_uniform")


class orthogonal_initializer(_V1Init):  # noqa: N801
    """TF 1's ``orthogonal_initializer(gain, seed, dtype)``: the Q factor of a seeded normal matrix, signs fixed by
    R's diagonal (TF's construction)."""

    def __init__(self, gain: float = 1.0, seed: Any = None, dtype: Any = tf.float32) -> None:
        super().__init__(dtype)
        self.gain, self.seed = gain, seed

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Any:
        dt = tf.as_dtype(dtype or self.dtype)
        dims = [int(d) for d in shape]
        if len(dims) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional")
        rows = int(np.prod(dims[:-1]))
        cols = dims[-1]
        flat = (max(cols, rows), min(cols, rows))
        a = tf.random.normal(flat, dtype=dt, seed=self.seed)
        q, r = tf.linalg.qr(a, full_matrices=False)
        q = q * tf.math.sign(tf.linalg.diag_part(r))
        if rows < cols:
            q = tf.transpose(q)
        return self.gain * tf.reshape(q, dims)


class uniform_unit_scaling_initializer(_V1Init):  # noqa: N801
    """TF 1's ``uniform_unit_scaling_initializer(factor, seed, dtype)``: uniform in ±sqrt(3/fan_in)·factor."""

    def __init__(self, factor: float = 1.0, seed: Any = None, dtype: Any = tf.float32) -> None:
        super().__init__(dtype)
        self.factor, self.seed = factor, seed

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Any:
        dims = [int(d) for d in shape]
        fan_in = float(np.prod(dims[:-1])) if len(dims) > 1 else float(dims[0]) if dims else 1.0
        limit = float(np.sqrt(3.0 / fan_in)) * self.factor
        return tf.random.uniform(dims, -limit, limit, dtype or self.dtype, seed=self.seed)

