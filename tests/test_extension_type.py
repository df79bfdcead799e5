"""``tf.experimental.ExtensionType`` and the dispatch decorators: what the TF lane
(``tests/conformance/test_extension_type_vs_tf.py``) does not show — gradients through a compiled function taking and
returning an extension type, trace reuse, pickling, nest round trips, ``from __future__ import annotations`` classes,
and that unregistering puts the original API functions back."""

from __future__ import annotations

import pickle
import typing

import numpy as np
import pytest

import tapegrad as tf


class Masked(tf.experimental.ExtensionType):
    values: tf.Tensor
    mask: tf.Tensor
    label: str = "m"

    def __validate__(self) -> None:
        self.values.shape.assert_is_compatible_with(self.mask.shape)


class Nested(tf.experimental.ExtensionType):
    parts: typing.Tuple[Masked, ...]  # noqa: UP006 - TF's documented spelling
    weights: typing.Mapping[str, tf.Tensor]


def test_string_annotations_resolve_and_validate_runs() -> None:
    m = Masked([1.0, 2.0], [True, False])
    assert m.values.dtype == tf.float32 and m.mask.dtype == tf.bool and m.label == "m"
    with pytest.raises(ValueError, match="incompatible"):
        Masked([1.0], [True, False])
    with pytest.raises(TypeError, match="label"):
        Masked([1.0], [True], label=1)
    with pytest.raises(AttributeError, match="immutable"):
        m.label = "x"


def test_gradient_through_a_compiled_function_and_trace_reuse() -> None:
    traces = []

    @tf.function
    def scale(m: Masked, k: tf.Tensor) -> Masked:
        traces.append(1)
        return Masked(tf.where(m.mask, m.values * k, m.values), m.mask, label=m.label)

    x = tf.constant([1.0, 2.0, 3.0])
    k = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, k])
        out = scale(Masked(x * x, [True, False, True]), k)
        y = tf.reduce_sum(out.values)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [4.0, 4.0, 12.0])
    np.testing.assert_allclose(tape.gradient(y, k).numpy(), 10.0)
    scale(Masked([5.0, 6.0, 7.0], [False, False, True]), k)  # same spec: the trace is reused
    assert len(traces) == 1
    scale(Masked([5.0, 6.0, 7.0], [False, False, True], label="other"), k)  # a static field: a new trace
    assert len(traces) == 2


def test_nest_round_trip_and_pickle() -> None:
    n = Nested((Masked([1.0], [True]), Masked([2.0, 3.0], [False, True])), {"b": tf.constant(2), "a": tf.constant(1)})
    flat = tf.nest.flatten(n, expand_composites=True)
    assert [t.numpy().tolist() for t in flat] == [[1.0], [True], [2.0, 3.0], [False, True], 1, 2]
    back = tf.nest.pack_sequence_as(n, [t * 1 for t in flat], expand_composites=True)
    assert type(back) is Nested and list(back.weights) == ["b", "a"]
    assert bool(tf.reduce_all(back.parts[1].values == n.parts[1].values))
    m = pickle.loads(pickle.dumps(Masked([1.0, 2.0], [True, False])))
    assert bool(m == Masked([1.0, 2.0], [True, False]))


def test_unregister_restores_the_original_functions() -> None:
    add, math_add, absf, relu = tf.add, tf.math.add, tf.abs, tf.nn.relu

    @tf.experimental.dispatch_for_api(tf.math.add, {"x": Masked, "y": Masked})
    def masked_add(x: Masked, y: Masked, name: str | None = None) -> Masked:
        return Masked(x.values + y.values, tf.logical_and(x.mask, y.mask))

    @tf.experimental.dispatch_for_unary_elementwise_apis(Masked)
    def masked_unary(api_func: typing.Any, x: Masked) -> Masked:
        return Masked(api_func(x.values), x.mask)

    assert tf.add is not add and tf.add is tf.math.add
    m = Masked([-1.0, 2.0], [True, True])
    np.testing.assert_array_equal(tf.add(m, m).values.numpy(), [-2.0, 4.0])
    np.testing.assert_array_equal(tf.add(x=m, y=m).values.numpy(), [-2.0, 4.0])  # TF's parameter names
    np.testing.assert_array_equal(tf.nn.relu(m).values.numpy(), [0.0, 2.0])
    assert float(tf.add(1.0, 2.0)) == 3.0  # other arguments reach the original
    tf.experimental.unregister_dispatch_for(masked_add)
    tf.experimental.unregister_dispatch_for(masked_unary)
    assert tf.add is add and tf.math.add is math_add and tf.abs is absf and tf.nn.relu is relu
    with pytest.raises(ValueError, match="not registered"):
        tf.experimental.unregister_dispatch_for(masked_add)


def test_spec_builds_values_and_checks_compatibility() -> None:
    spec = Masked.Spec(values=tf.TensorSpec([None], tf.float32), mask=tf.TensorSpec([None], tf.bool), label="m")
    assert spec.is_compatible_with(Masked([1.0, 2.0, 3.0], [True, True, False]))
    assert not spec.is_compatible_with(Masked([1.0], [True], label="z"))
    built = spec._from_components([tf.constant([4.0]), tf.constant([False])])
    assert type(built) is Masked and built.values.numpy().tolist() == [4.0]
    enc = tf.experimental.ExtensionTypeBatchEncoder()
    assert enc.batch(spec, 3).values.shape.as_list() == [3, None]
    with pytest.raises(TypeError, match="abstract"):
        tf.experimental.ExtensionTypeSpec()


def test_docstring_examples_run() -> None:
    import doctest
    import importlib

    for name in ("tapegrad.experimental.extension_type", "tapegrad.experimental.dispatch", "tapegrad._shape"):
        r = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
        assert r.attempted >= 1 and r.failed == 0, name
