"""The smaller framework names (``framework_extras.py``, ``experimental/runtime.py``,
``experimental/row_partition.py``): what the TF lane does not show — creator scopes are per thread and undone on
exit (also after an exception), conversion priorities and ``NotImplemented``, strict mode raising for deprecations
(switched back by the test), and docstring examples."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import _logging, framework_extras


def test_creator_scope_is_undone_after_an_exception_and_per_thread() -> None:
    def non_trainable(next_creator: Any, **kwargs: Any) -> Any:
        kwargs["trainable"] = False
        return next_creator(**kwargs)

    with pytest.raises(RuntimeError), tf.variable_creator_scope(non_trainable):
        assert not tf.Variable(1.0).trainable
        raise RuntimeError("inside")
    assert tf.Variable(1.0).trainable
    seen = []
    with tf.variable_creator_scope(non_trainable):
        t = threading.Thread(target=lambda: seen.append(tf.Variable(2.0).trainable))
        t.start()
        t.join()
        assert not tf.Variable(1.0).trainable
    assert seen == [True]  # another thread's variables do not see this thread's scope
    with pytest.raises(TypeError):
        with tf.variable_creator_scope(3):  # type: ignore[arg-type]
            pass


def test_conversion_priority_and_not_implemented() -> None:
    class Meters:
        def __init__(self, m: float) -> None:
            self.m = m

    class Feet(Meters):
        pass

    before = list(framework_extras._conversions)
    try:
        tf.register_tensor_conversion_function(Meters, lambda v, dtype=None, name=None, as_ref=False:
                                               tf.constant(v.m, dtype or tf.float32))
        tf.register_tensor_conversion_function(Feet, lambda v, dtype=None, name=None, as_ref=False:
                                               NotImplemented if v.m < 0 else tf.constant(v.m * 0.3048, tf.float32),
                                               priority=10)
        np.testing.assert_allclose(tf.convert_to_tensor(Feet(10.0)).numpy(), 3.048, rtol=1e-6)
        np.testing.assert_allclose(tf.convert_to_tensor(Feet(-1.0)).numpy(), -1.0)  # passed on to the Meters rule
        assert tf.convert_to_tensor(Meters(2.0), dtype=tf.float64).dtype == tf.float64
        with pytest.raises(TypeError, match="NumPy"):
            tf.register_tensor_conversion_function(np.ndarray, lambda v, **k: v)
    finally:
        framework_extras._conversions[:] = before
        from tapegrad import _tensor

        if not before:
            _tensor.CONVERSION_HOOK.clear()
    with pytest.raises(ValueError, match="unsupported type"):
        tf.convert_to_tensor(Meters(1.0))


def test_strict_mode_raises_for_deprecations() -> None:
    loop = (lambda i: i < 2, lambda i: [i + 1], [tf.constant(0)])
    _logging._DEPRECATIONS_LOGGED.discard("while_loop.back_prop")
    assert int(tf.while_loop(*loop, back_prop=False)[0]) == 2  # logged once ...
    try:
        tf.experimental.enable_strict_mode()
        assert int(tf.while_loop(*loop, back_prop=False)[0]) == 2  # ... and then silent, as TF
        _logging._DEPRECATIONS_LOGGED.discard("while_loop.back_prop")
        with pytest.raises(RuntimeError, match="strict mode"):
            tf.while_loop(*loop, back_prop=False)
        assert int(tf.while_loop(*loop)[0]) == 2
    finally:
        _logging.STRICT_MODE[0] = False


def test_row_partition_round_trips() -> None:
    rng = np.random.default_rng(3)
    lengths = rng.integers(0, 4, size=7)
    p = tf.experimental.RowPartition.from_row_lengths(lengths)
    q = tf.experimental.RowPartition.from_value_rowids(p.value_rowids(), nrows=p.nrows())
    np.testing.assert_array_equal(q.row_splits().numpy(), p.row_splits().numpy())
    r = tf.experimental.RowPartition.from_row_starts(p.row_starts(), p.nvals())
    np.testing.assert_array_equal(r.row_lengths().numpy(), lengths)
    assert p.is_compatible_with(r) and not p.is_compatible_with(tf.experimental.RowPartition.from_row_lengths([1]))
    rt = tf.RaggedTensor.from_row_splits(tf.range(int(p.nvals())), p.row_splits())
    assert repr(tf.experimental.DynamicRaggedShape.from_row_partitions([p])) == repr(tf.shape(rt))


def test_docstring_examples_run() -> None:
    import doctest
    import importlib

    for name in ("tapegrad.framework_extras", "tapegrad.experimental.runtime", "tapegrad.experimental.row_partition",
                 "tapegrad.experimental.structured_tensor"):
        r = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
        assert r.attempted >= 1 and r.failed == 0, name


def test_structured_tensor_through_a_compiled_function_and_limits() -> None:
    st_cls = tf.experimental.StructuredTensor
    st = st_cls.from_pyval([{"x": 1.0, "tags": [1, 2]}, {"x": 2.0, "tags": [3]}])
    traces = []

    @tf.function
    def scale(s: Any) -> Any:
        traces.append(1)
        return s.with_updates({"x": lambda v: v * 3.0})

    out = scale(st)
    assert out.field_value("x").numpy().tolist() == [3.0, 6.0]
    assert out.field_value("tags").to_list() == [[1, 2], [3]]
    scale(st_cls.from_pyval([{"x": 5.0, "tags": [7]}, {"x": 6.0, "tags": [8, 9]}]))
    assert len(traces) == 1  # same field shapes and dtypes: one trace
    with pytest.raises(NotImplementedError, match="ragged struct"):
        st_cls.from_pyval([[{"a": 1}], [{"a": 2}, {"a": 3}]])
    with pytest.raises(ValueError):
        st_cls({}, ())
