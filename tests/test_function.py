"""tapegrad.function, TensorSpec, tapegrad.config and the small predicates.

Expected behaviour was checked against TensorFlow 2.21 in its default (traced) mode: input-signature binding
failures are all ``TypeError`` ("Binding inputs to tf.function failed due to ..."), decoration-time signature
problems are ``TypeError``, non-tensor arguments are converted to the spec's dtype, numeric results come back as
tensors, and a concrete function rejects a tensor of another dtype with ``InvalidArgumentError``. With
``run_functions_eagerly(True)`` TF skips all of that, and so does tapegrad.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import numpy as np
import pytest

import tapegrad as tf
import tapegrad.config  # noqa: F401  (attaches tf.config until tapegrad/__init__ imports it)


@pytest.fixture(autouse=True)
def _traced_mode() -> Iterator[None]:
    tf.config.run_functions_eagerly(False)
    yield
    tf.config.run_functions_eagerly(False)


SPEC = tf.TensorSpec([None, 3], tf.float32)


@tf.function(input_signature=[SPEC])
def sum_sq(x):
    """Sum of squares."""
    return tf.reduce_sum(x * x)


# -- decorator forms and wrapping ----------------------------------------------------------------------------------


def test_decorator_forms_and_wrapped_attributes() -> None:
    def f(x):
        """Doc of f."""
        return x + 1

    plain = tf.function(f)
    called = tf.function()(f)
    keyworded = tf.function(f, jit_compile=True, reduce_retracing=True, autograph=False)
    for g in (plain, called, keyworded):
        assert g.__wrapped__ is f and g.python_function is f
        assert g.__name__ == "f" and g.__doc__ == "Doc of f."
        assert float(g(tf.constant(1.0))) == 2.0
    assert sum_sq.input_signature == (SPEC,)
    with pytest.raises(TypeError):
        tf.function(3)


def test_body_runs_once_per_signature_not_eagerly() -> None:
    calls = []

    @tf.function
    def f(x):
        calls.append(tf.executing_eagerly())
        return x * 2

    assert float(f(tf.constant(1.0))) == 2.0
    assert float(f(tf.constant(2.0))) == 4.0
    assert calls == [False]  # traced once (not eagerly); the second call ran the compiled program
    assert tf.executing_eagerly()


def test_differentiable_through_a_tape() -> None:
    v = tf.Variable([[1.0, 2.0, 3.0]])
    with tf.GradientTape() as tape:
        y = sum_sq(v)
    assert float(y) == 14.0
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), [[2.0, 4.0, 6.0]])


def test_tape_inside_a_function() -> None:
    @tf.function
    def grad_of_cube(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x * x * x
        return tape.gradient(y, x)

    assert float(grad_of_cube(tf.constant(2.0))) == 12.0


def test_decorated_method_binds_self_and_signature() -> None:
    class Model:
        def __init__(self) -> None:
            self.w = tf.Variable(2.0)

        @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
        def __call__(self, x):
            """Scale by w."""
            return x * self.w

    m = Model()
    with tf.GradientTape() as tape:
        y = m(3.0)
    assert float(y) == 6.0 and float(tape.gradient(y, m.w)) == 3.0
    assert Model.__call__.__doc__ == "Scale by w."
    assert float(Model.__call__(m, 4.0)) == 8.0
    with pytest.raises(TypeError, match="Binding inputs"):
        m(tf.ones([2]))
    assert float(m.__call__.get_concrete_function()(tf.constant(5.0))) == 10.0


# -- input_signature: conversion and validation --------------------------------------------------------------------


def test_signature_converts_non_tensors_to_the_spec_dtype() -> None:
    for value in ([[1, 2, 3]], np.ones((2, 3)), [[1.0, 2.0, 3.0]]):
        seen = []
        f = tf.function(lambda x, seen=seen: seen.append(x) or x, input_signature=[SPEC])
        f(value)
        assert isinstance(seen[0], tf.Tensor) and seen[0].dtype == tf.float32


@pytest.mark.parametrize("args,kwargs", [
    ((tf.ones([2, 3], tf.float64),), {}),  # wrong dtype
    ((tf.ones([2, 3], tf.int32),), {}),
    ((tf.ones([2, 4]),), {}),  # incompatible dimension
    ((tf.ones([3]),), {}),  # wrong rank
    ((1.0,), {}),  # a Python float is a scalar: wrong rank
    (("a",), {}),  # not convertible
    ((tf.Variable(tf.ones([3, 4])),), {}),
    ((tf.ones([2, 3]), tf.ones([2, 3])), {}),  # too many
    ((), {}),  # missing
    ((), {"y": tf.ones([2, 3])}),  # unknown keyword
], ids=["f64", "i32", "dim", "rank", "pyfloat", "str", "variable", "too-many", "missing", "bad-kw"])
def test_signature_mismatch_raises_type_error(args: tuple[object, ...], kwargs: dict[str, object]) -> None:
    with pytest.raises(TypeError, match="Binding inputs to tf.function failed"):
        sum_sq(*args, **kwargs)


def test_signature_accepts_compatible_inputs() -> None:
    assert float(sum_sq(tf.ones([5, 3]))) == 15.0
    assert float(sum_sq(x=tf.ones([1, 3]))) == 3.0
    assert float(sum_sq(tf.Variable(tf.ones([2, 3])))) == 6.0
    unknown = tf.function(lambda x: x, input_signature=[tf.TensorSpec(None, tf.float32)])
    assert unknown(tf.ones([2, 2, 2])).shape == (2, 2, 2)


def test_nested_signatures() -> None:
    pair = tf.function(lambda p: p[0] + p[1], input_signature=[(tf.TensorSpec([]), tf.TensorSpec([]))])
    assert float(pair((1.0, 2.0))) == 3.0
    for bad in ([1.0, 2.0], (1.0, 2.0, 3.0), 1.0):
        with pytest.raises(TypeError, match="Binding inputs"):
            pair(bad)
    by_key = tf.function(lambda d: d["a"] * 2, input_signature=[{"a": tf.TensorSpec([])}])
    assert float(by_key({"a": 1.5})) == 3.0
    with pytest.raises(TypeError, match="different keys"):
        by_key({"b": 1.0})


def test_defaults_beyond_the_signature_are_literals() -> None:
    f = tf.function(lambda x, y=2.0: x * y, input_signature=[tf.TensorSpec([])])
    assert float(f(1.5)) == 3.0
    assert float(f(1.5, 2.0)) == 3.0
    with pytest.raises(TypeError, match=r"Literal\[2.0\]"):
        f(1.5, 3.0)


def test_varargs_take_the_signature() -> None:
    f = tf.function(lambda *a: a[0] - a[1], input_signature=[tf.TensorSpec([]), tf.TensorSpec([])])
    assert float(f(5.0, 2.0)) == 3.0
    with pytest.raises(TypeError, match="a_1"):
        f(5.0)


@pytest.mark.parametrize("make", [
    lambda: tf.function(lambda x: x, input_signature=tf.TensorSpec([2])),  # not a list/tuple
    lambda: tf.function(lambda x: x, input_signature=[3]),  # not TensorSpecs
    lambda: tf.function(lambda x: x, input_signature=[tf.TensorSpec([]), tf.TensorSpec([])]),  # extra
    lambda: tf.function(lambda x, y: x, input_signature=[tf.TensorSpec([])]),  # y not covered
    lambda: tf.function(lambda x, *, y: x, input_signature=[tf.TensorSpec([])]),  # keyword-only without default
], ids=["not-sequence", "not-spec", "extra-constraint", "missing-constraint", "kwonly"])
def test_bad_signatures_fail_at_decoration(make: object) -> None:
    with pytest.raises(TypeError):
        make()  # type: ignore[operator]


def test_results_become_tensors_and_arrays_arguments_too() -> None:
    seen = []

    @tf.function
    def f(x, k):
        seen.append((type(x), type(k)))
        return k * 2, None, "text"

    out = f(np.ones(2), 3)
    assert seen == [(tf.Tensor, int)]  # NumPy arrays become tensors; Python scalars stay Python values
    assert isinstance(out, tuple) and isinstance(out[0], tf.Tensor) and out[0].dtype == tf.int32
    assert out[1] is None and out[2] == "text"


def test_run_functions_eagerly_skips_the_boundary_like_tf() -> None:
    assert tf.config.functions_run_eagerly() is False
    tf.config.run_functions_eagerly(True)
    assert tf.config.functions_run_eagerly() is True
    assert sum_sq(tf.ones([2, 3], tf.float64)).dtype == tf.float64  # TF does not check in eager mode
    assert tf.function(lambda x: x * 2)(3.0) == 6.0 and isinstance(tf.function(lambda x: x * 2)(3.0), float)


# -- concrete functions --------------------------------------------------------------------------------------------


def test_concrete_function_from_the_signature() -> None:
    cf = sum_sq.get_concrete_function()
    (spec,), kw = cf.structured_input_signature
    assert kw == {} and spec == tf.TensorSpec([None, 3], tf.float32, name="x")
    assert float(cf(tf.ones([1, 3]))) == 3.0
    assert float(cf(np.ones((1, 3)))) == 3.0  # converted to float32
    with pytest.raises(tf.errors.InvalidArgumentError):
        cf(tf.ones([1, 3], tf.float64))


def test_concrete_function_from_arguments() -> None:
    f = tf.function(lambda x, k: x * k)
    cf = f.get_concrete_function(tf.TensorSpec([None]), 3)
    np.testing.assert_allclose(cf(tf.constant([1.0, 2.0])).numpy(), [3.0, 6.0])
    np.testing.assert_allclose(cf(tf.constant([1.0]), 3).numpy(), [3.0])
    cf2 = f.get_concrete_function(tf.constant([1.0, 2.0]), 2)
    assert cf2.structured_input_signature[0][0].shape == (2,)
    with pytest.raises(TypeError):
        f.get_concrete_function()


# -- TensorSpec ----------------------------------------------------------------------------------------------------


def test_tensor_spec_repr_and_fields() -> None:
    s = tf.TensorSpec(shape=(None, 3), dtype=tf.float32)
    assert repr(s) == "TensorSpec(shape=(None, 3), dtype=tapegrad.float32, name=None)"
    assert str(s) == repr(s)
    assert s.shape == tf.TensorShape([None, 3]) and s.dtype == tf.float32 and s.name is None
    assert repr(tf.TensorSpec([2], tf.int32, name="x")) == "TensorSpec(shape=(2,), dtype=tapegrad.int32, name='x')"
    assert repr(tf.TensorSpec(None)) == "TensorSpec(shape=<unknown>, dtype=tapegrad.float32, name=None)"
    assert repr(tf.TensorSpec([])) == "TensorSpec(shape=(), dtype=tapegrad.float32, name=None)"
    assert tf.TensorSpec([2], "float64").dtype == tf.float64
    assert tf.TensorSpec(3).shape == (3,)  # TF reads an int as a rank-1 shape


def test_tensor_spec_equality_hash_and_pickle() -> None:
    a, b = tf.TensorSpec([None, 3]), tf.TensorSpec([None, 3])
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != tf.TensorSpec([None, 3], name="n") and a != tf.TensorSpec([None, 3], tf.float64)
    assert pickle.loads(pickle.dumps(a)) == a


def test_tensor_spec_compatibility() -> None:
    s = tf.TensorSpec([None, 3])
    assert s.is_compatible_with(tf.zeros([2, 3]))
    assert s.is_compatible_with(tf.TensorSpec([5, 3], name="other"))  # names are ignored
    assert not s.is_compatible_with(tf.zeros([2, 4]))
    assert not s.is_compatible_with(tf.zeros([2, 3], tf.float64))
    assert not s.is_compatible_with(np.zeros((2, 3), np.float32))  # TF: other types are not compatible
    assert not s.is_compatible_with(tf.Variable(tf.zeros([2, 3])))
    assert tf.TensorSpec(None).is_compatible_with(tf.zeros([2, 3, 4]))


def test_tensor_spec_constructors_and_supertype() -> None:
    assert tf.TensorSpec.from_tensor(tf.zeros([2], tf.int32)) == tf.TensorSpec([2], tf.int32)
    assert tf.TensorSpec.from_spec(tf.TensorSpec([1]), name="n").name == "n"
    assert tf.TensorSpec([2, 3]).most_specific_common_supertype([tf.TensorSpec([4, 3])]) == tf.TensorSpec([None, 3])
    assert tf.TensorSpec([2]).most_specific_common_supertype([tf.TensorSpec([2], tf.int32)]) is None
    assert tf.TensorSpec([2]).value_type is tf.Tensor


# -- config and predicates -----------------------------------------------------------------------------------------


def test_config_devices() -> None:
    (cpu,) = tf.config.list_physical_devices()
    assert cpu == tf.config.PhysicalDevice(name="/physical_device:CPU:0", device_type="CPU")
    assert repr(cpu) == "PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')"
    assert cpu.name == "/physical_device:CPU:0" and cpu.device_type == "CPU" and isinstance(cpu, tuple)
    assert tf.config.list_physical_devices("CPU") == [cpu]
    assert tf.config.list_physical_devices("GPU") == [] and tf.config.list_physical_devices("cpu") == []
    assert tf.config.get_visible_devices() == [cpu]
    assert tf.config.list_logical_devices() == [tf.config.LogicalDevice("/device:CPU:0", "CPU")]


def test_config_threading_records_settings() -> None:
    th = tf.config.threading
    assert th.get_inter_op_parallelism_threads() == 0 and th.get_intra_op_parallelism_threads() == 0
    th.set_intra_op_parallelism_threads(2)
    try:
        assert th.get_intra_op_parallelism_threads() == 2
    finally:
        th.set_intra_op_parallelism_threads(0)


def test_predicates() -> None:
    assert tf.executing_eagerly() is True
    assert tf.is_tensor(tf.constant(1.0)) and tf.is_tensor(tf.Variable(1.0))
    assert not tf.is_tensor(np.ones(2)) and not tf.is_tensor(3) and not tf.is_tensor(tf.TensorSpec([]))
    assert tf.get_static_value(tf.constant([1, 2])).tolist() == [1, 2]
    assert tf.get_static_value(tf.Variable(1.0)) is None  # TF: a variable's value is not static
    assert tf.get_static_value(3) == 3 and tf.get_static_value([1, 2]) == [1, 2]


def test_call_after_get_concrete_function_counts_the_call():
    f = tf.function(lambda x: x * 2.0)
    f.get_concrete_function(tf.constant([1.0]))  # traced, but no call counted yet
    assert f(tf.constant([3.0])).numpy().tolist() == [6.0]
    g = tf.function(lambda: tf.constant(1.0) + 1.0)
    g.get_concrete_function()
    assert float(g()) == 2.0


def test_graph_tensors_print_tf_names_in_creation_order():
    seen = []

    @tf.function
    def f(x):
        a = tf.constant(1.0)
        tf.constant(2.0)  # never printed, but TF numbers it
        b = tf.zeros([2])
        c = tf.constant(3.0, name="three")
        d = tf.reshape(x * a, [2])
        seen.extend(str(t) for t in (a, b, c, tf.constant(4.0), d, x * 2.0))
        return d

    f(tf.constant([1.0, 2.0]))
    assert [s.split('"')[1] for s in seen] == ["Const:0", "zeros:0", "three:0", "Const_2:0", "Reshape:0", "mul_1:0"]

    @tf.function
    def g(x):
        with tf.GradientTape() as t:
            t.watch(x)
            y = x * 3.0
        grad = t.gradient(y, x)
        seen.append(str(grad))
        return grad

    g(tf.constant(1.0))
    assert seen[-1].split('"')[1] == "gradient_tape/mul/Mul:0"  # in its forward op's name scope, by op type (TF)
