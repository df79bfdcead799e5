"""Smaller framework names — ``tf.no_gradient``, ``tf.nondifferentiable_batch_function``,
``tf.register_tensor_conversion_function``, ``tf.variable_creator_scope``, ``tf.experimental.async_scope`` /
``async_clear_error`` / ``function_executor_type`` / ``enable_strict_mode``, ``tf.experimental.RowPartition`` and
``DynamicRaggedShape`` — run unchanged under TensorFlow and under tapegrad (the harness of
``strings_ragged_programs.py``). Strict mode cannot be switched off: its case runs last.
"""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from image_programs import _error_classes as _errs  # noqa: E402 - the image lane's helper
from strings_ragged_programs import main as _main  # noqa: E402

CASES: dict[str, Callable[[Any], Any]] = {}


def case(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    CASES[fn.__name__] = fn
    return fn



@case
def no_gradient_registry(tf: Any) -> Any:
    return _errs(lambda: tf.no_gradient("TapegradLaneCustomOp"), lambda: tf.no_gradient("TapegradLaneCustomOp"),
                 lambda: tf.no_gradient("Add"), lambda: tf.no_gradient("MatMul"), lambda: tf.no_gradient(3))


@case
def nondifferentiable_batch_function_values_and_gradient(tf: Any) -> Any:
    @tf.nondifferentiable_batch_function(1, 4, 1000)
    def double(x: Any) -> Any:
        return x * 2.0

    x = tf.constant([[1.0], [2.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = double(x)
    bad = tf.nondifferentiable_batch_function(1, 4, 1000, allowed_batch_sizes=[2, 1])(lambda v: v)
    return y, _errs(lambda: tape.gradient(y, x), lambda: bad(x)), tf.nondifferentiable_batch_function(0, 0, 0)(
        lambda v: v + 1.0)(x)


@case
def tensor_conversion_function(tf: Any) -> Any:
    class Celsius:
        def __init__(self, deg: float) -> None:
            self.deg = deg

    def to_kelvin(v: Any, dtype: Any = None, name: Any = None, as_ref: bool = False) -> Any:
        return tf.constant(v.deg + 273.15, dtype or tf.float32)

    tf.register_tensor_conversion_function(Celsius, to_kelvin)
    return (tf.add(Celsius(20.0), 1.0), tf.convert_to_tensor(Celsius(1.0), dtype=tf.float64),
            tf.convert_to_tensor(Celsius(-273.15)),
            _errs(lambda: tf.register_tensor_conversion_function(int, to_kelvin),
                  lambda: tf.register_tensor_conversion_function(float, to_kelvin),
                  lambda: tf.convert_to_tensor(Celsius(1.0), dtype=tf.int32)))


@case
def variable_creator_scopes_nest(tf: Any) -> Any:
    order = []

    def non_trainable(next_creator: Any, **kwargs: Any) -> Any:
        order.append("outer")
        kwargs["trainable"] = False
        return next_creator(**kwargs)

    def renamer(next_creator: Any, **kwargs: Any) -> Any:
        order.append("inner")
        kwargs["name"] = "renamed"
        kwargs["initial_value"] = 5.0
        return next_creator(**kwargs)

    with tf.variable_creator_scope(non_trainable):
        with tf.variable_creator_scope(renamer):
            v = tf.Variable(1.0, name="w")
        w = tf.Variable(2.0)
    u = tf.Variable(3.0)
    return v.trainable, v.name, float(v.numpy()), w.trainable, u.trainable, order


@case
def variable_creator_can_replace(tf: Any) -> Any:
    made = tf.Variable(7.0, name="shared")

    def reuse(next_creator: Any, **kwargs: Any) -> Any:
        return made

    with tf.variable_creator_scope(reuse):
        v = tf.Variable(1.0)
    return v is made, float(v.numpy())


@case
def async_and_executor_blocks(tf: Any) -> Any:
    with tf.experimental.async_scope():
        a = tf.constant(2.0) * 3.0
    tf.experimental.async_clear_error()
    with tf.experimental.function_executor_type("SINGLE_THREADED_EXECUTOR"):
        b = tf.function(lambda: tf.constant(2) + 1)()
    with tf.experimental.function_executor_type(None):
        c = tf.constant(1)
    return a, b, c


@case
def row_partition_encodings(tf: Any) -> Any:
    rp = tf.experimental.RowPartition
    p = rp.from_row_splits([0, 2, 2, 5])
    q = rp.from_uniform_row_length(3, nvals=9)
    return (p, p.row_splits(), p.row_lengths(), p.value_rowids(), p.nrows(), p.nvals(), p.row_starts(),
            p.row_limits(), p.uniform_row_length(), p.is_uniform(), p.dtype, p.static_nrows,
            p.static_uniform_row_length, p.offsets_in_rows(), q, q.row_splits(), q.is_uniform(), q.uniform_row_length(),
            q.static_nrows, rp.from_row_lengths([1, 0, 2]), rp.from_value_rowids([0, 0, 2], nrows=4),
            rp.from_value_rowids([0, 0, 2]).nrows(), rp.from_row_starts([0, 1, 1], nvals=4).row_lengths(),
            rp.from_row_limits([1, 1, 3]).row_splits(), p.with_dtype(tf.int32).dtype,
            rp.from_row_splits(tf.constant([0, 2], tf.int32)).dtype, rp.from_uniform_row_length(0, nvals=0,
                                                                                               nrows=4).row_splits())


@case
def row_partition_errors(tf: Any) -> Any:
    rp = tf.experimental.RowPartition
    return _errs(lambda: rp.from_row_splits([1, 2]), lambda: rp.from_row_splits([0, 3, 2]),
                 lambda: rp.from_row_splits([[0, 1]]), lambda: rp.from_row_lengths([1, -1]),
                 lambda: rp.from_uniform_row_length(3, nvals=10), lambda: rp.from_value_rowids([1, 0]))


@case
def dynamic_ragged_shape_constructors(tf: Any) -> Any:
    drs = tf.experimental.DynamicRaggedShape
    rt = tf.ragged.constant([[1, 2], [3]])
    s = drs.from_tensor(rt)
    return (s, s.num_row_partitions, s.rank, drs.from_lengths([2, (1, 2), 4]), drs.from_lengths([2, 3]),
            drs.from_tensor(tf.ones([2, 3])), isinstance(tf.shape(rt), drs), s.dtype)


def _sorted_py(v: Any) -> Any:
    """A to_pyval result with dict keys sorted (TF's key order varies with what was computed before)."""
    if isinstance(v, dict):
        return sorted((k, _sorted_py(x)) for k, x in v.items())
    if isinstance(v, list):
        return [_sorted_py(x) for x in v]
    return v


@case
def structured_tensor_from_pyval(tf: Any) -> Any:
    st_cls = tf.experimental.StructuredTensor
    s = st_cls.from_pyval({"a": 1, "b": [1.0, 2.0], "c": {"d": "x"}})
    t = st_cls.from_pyval([{"a": 1, "b": [1, 2]}, {"a": 2, "b": [3]}])
    return (s, s.shape, s.rank, s.field_names(), s.field_value("a"), s.field_value(("c", "d")),
            _sorted_py(s.to_pyval()), t, t.shape, t.field_value("b"), _sorted_py(t.to_pyval()), t[1], t.nrows(),
            t.row_partitions, s.nrows(),
            st_cls.from_pyval({"a": [{"b": 1}, {"b": 2}]}), st_cls.from_pyval([{"a": 1.5, "s": "q"}]),
            st_cls.from_pyval([{"a": []}, {"a": [1]}]), st_cls.from_pyval([]), t[0]["b"])


@case
def structured_tensor_from_fields_and_indexing(tf: Any) -> Any:
    st_cls = tf.experimental.StructuredTensor
    u = st_cls.from_fields({"x": tf.constant([[1, 2], [3, 4]]), "y": tf.constant([[5.0, 6.0], [7.0, 8.0]])},
                           shape=[2, 2])
    return (u, u[0, 1], u[1], u[:, 1], _sorted_py(u.to_pyval()), u.field_value("x"),
            st_cls.from_fields({"x": 1}, shape=[]), st_cls.from_fields({}, shape=[3]).nrows(),
            st_cls.from_pyval({"a": {"b": {"c": 3}}}).field_value(("a", "b", "c")))


@case
def structured_tensor_updates_errors_nest(tf: Any) -> Any:
    st_cls = tf.experimental.StructuredTensor
    t = st_cls.from_pyval([{"a": 1, "b": [1, 2]}, {"a": 2, "b": [3]}])
    u = st_cls.from_fields({"x": tf.constant([[1, 2], [3, 4]])}, shape=[2, 2])
    return (t.with_updates({"a": tf.constant([5, 6])}), t.with_updates({"a": lambda v: v * 10}),
            t.with_updates({"c": tf.constant([5, 6])}), tf.nest.flatten(t, expand_composites=True),
            _errs(lambda: u.field_value("q"), lambda: u["x"],
                  lambda: st_cls.from_fields({"x": tf.constant([1, 2])}, shape=[3]),
                  lambda: st_cls.from_pyval([{"a": 1}, {"b": 2}])))


@case
def zz_strict_mode(tf: Any) -> Any:
    """(TF logs a deprecation once per function; in strict mode that first use raises, later ones are silent.)"""
    tf.experimental.enable_strict_mode()
    return _errs(lambda: tf.while_loop(lambda i: i < 2, lambda i: [i + 1], [tf.constant(0)], back_prop=False),
                 lambda: tf.while_loop(lambda i: i < 2, lambda i: [i + 1], [tf.constant(0)], back_prop=False),
                 lambda: tf.while_loop(lambda i: i < 2, lambda i: [i + 1], [tf.constant(0)]))


if __name__ == "__main__":
    _main(CASES)
