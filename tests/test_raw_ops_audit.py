"""Audit of ``tapegrad.raw_ops`` against TF 2.21's raw-op list (recorded in ``raw_ops/_opdefs.py``): how many exist,
how many tapegrad implements, that every implementation consumes exactly TF's argument names, and the call checking
(keyword-only, defaults, attribute kinds and allowed values, dtype rules, output structure, absent-op errors)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import raw_ops
from tapegrad.raw_ops import _families
from tapegrad.raw_ops._opdefs import OPDEFS, OTHER_OPS, REQ, TF_VERSION

TF_RAW_OP_COUNT = 1462  # len(dir(tf.raw_ops)) without private names, TF 2.21.0
IMPLEMENTED_BEFORE = 38  # the flat raw_ops.py this package replaced


def test_counts() -> None:
    assert TF_VERSION == "2.21.0"
    assert len(OPDEFS) + len(OTHER_OPS) == TF_RAW_OP_COUNT
    assert not set(OPDEFS) & set(OTHER_OPS)
    assert raw_ops.UNDEFINED == [], "rerun `python -m tapegrad.raw_ops._generate` after adding table entries"
    assert set(raw_ops.IMPLEMENTATIONS) == set(OPDEFS)
    assert len(raw_ops.IMPLEMENTATIONS) >= 477 > IMPLEMENTED_BEFORE
    assert sorted(dir(raw_ops)) == sorted(OPDEFS)
    print(f"\ntf.raw_ops: {TF_RAW_OP_COUNT} in TF {TF_VERSION}; tapegrad implements {len(OPDEFS)}")


@pytest.mark.parametrize("name", sorted(OPDEFS))
def test_implementation_takes_tf_arguments(name: str) -> None:
    """Every table entry consumes exactly TF's Python arguments (so no attribute is silently dropped)."""
    impl = raw_ops.IMPLEMENTATIONS[name]
    tf_keys = {p for p, _ in OPDEFS[name][0]}
    keys = getattr(impl, "keys", None)
    if keys is not None:
        assert set(keys) == tf_keys, f"{name}: table consumes {sorted(keys)}, TF has {sorted(tf_keys)}"
        return
    params = inspect.signature(impl).parameters
    named = {p for p, v in params.items() if v.kind not in (v.VAR_KEYWORD, v.VAR_POSITIONAL)}
    required = {p for p in named if params[p].default is inspect.Parameter.empty}
    # (an optional parameter TF lacks serves a sibling op version: BiasAdd's data_format for BiasAddV1)
    assert required <= tf_keys, f"{name}: implementation requires arguments TF lacks: {sorted(required - tf_keys)}"
    if not any(v.kind is v.VAR_KEYWORD for v in params.values()):
        assert tf_keys <= named, f"{name}: implementation ignores {sorted(tf_keys - named)}"


def test_defaults_and_docstring() -> None:
    params = dict(OPDEFS["Conv2D"][0])
    assert params["padding"] is REQ and params["data_format"] == "NHWC" and params["dilations"] == (1, 1, 1, 1)
    assert "data_format='NHWC'" in raw_ops.Conv2D.__doc__
    assert raw_ops.Conv2D.__name__ == "Conv2D"


def test_keyword_only_and_argument_errors() -> None:
    with pytest.raises(TypeError, match="only takes keyword arguments"):
        raw_ops.AddV2(tf.constant(1), tf.constant(2))
    with pytest.raises(TypeError, match="missing: \\['y'\\]"):
        raw_ops.AddV2(x=1)
    with pytest.raises(TypeError, match="unknown: \\['z'\\]"):
        raw_ops.AddV2(x=1, y=2, z=3)
    assert raw_ops.AddV2(x=1, y=2, name="ignored").numpy() == 3


def test_attribute_checks() -> None:
    x = tf.ones([1, 3, 3, 1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="padding='FOO' is not one of"):
        raw_ops.Conv2D(input=x, filter=tf.ones([1, 1, 1, 1]), strides=[1, 1, 1, 1], padding="FOO")
    with pytest.raises(TypeError, match="a bool for argument 'keep_dims'"):
        raw_ops.Sum(input=[1.0], axis=0, keep_dims=1)
    with pytest.raises(TypeError, match="a list of ints for argument 'strides'"):
        raw_ops.Conv2D(input=x, filter=tf.ones([1, 1, 1, 1]), strides=1, padding="SAME")
    with pytest.raises(TypeError, match="DType for argument 'output_type'"):
        raw_ops.ArgMax(input=[1.0], dimension=0, output_type="foo")


def test_dtype_rules() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match="Sqrt does not support"):
        raw_ops.Sqrt(x=[1, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be a int32 tensor"):
        raw_ops.AddV2(x=tf.constant(1), y=tf.constant(1.0))
    with pytest.raises(TypeError):
        raw_ops.AddV2(x=tf.constant(1), y=2.5)
    out = raw_ops.AddV2(x=2, y=tf.constant(1.5))  # the tensor fixes T; the Python int converts to it
    assert out.dtype == tf.float32 and out.numpy() == 3.5


def test_output_structures() -> None:
    u = raw_ops.Unique(x=[3, 1, 3])
    assert type(u).__name__ == "Unique" and u._fields == ("y", "idx")
    assert u.y.numpy().tolist() == [3, 1] and u.idx.numpy().tolist() == [0, 1, 0]
    parts = raw_ops.Split(axis=0, value=[1, 2, 3, 4], num_split=2)
    assert isinstance(parts, list) and [p.numpy().tolist() for p in parts] == [[1, 2], [3, 4]]


def test_gradient_flows_through_raw_ops() -> None:
    v = tf.Variable(np.array([[1.0, 2.0], [3.0, 4.0]]))
    with tf.GradientTape() as tape:
        y = raw_ops.Sum(input=raw_ops.MatMul(a=v, b=v) if "MatMul" in OPDEFS else raw_ops.Mul(x=v, y=v), axis=[0, 1])
    g = tape.gradient(y, v).numpy()
    expected = (np.ones((2, 2)) @ v.numpy().T + v.numpy().T @ np.ones((2, 2))) if "MatMul" in OPDEFS \
        else 2 * v.numpy()
    np.testing.assert_allclose(g, expected)


def test_absent_ops_say_why() -> None:
    with pytest.raises(AttributeError, match="resource-handle op"):
        raw_ops.VarHandleOp  # noqa: B018
    with pytest.raises(AttributeError, match="TPU"):
        raw_ops.TPUReplicatedInput  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'NotAnOp'"):
        raw_ops.NotAnOp  # noqa: B018
    assert all(_families.absent_reason(n) for n in OTHER_OPS)
    assert _families.absent_reason("ParallelMapDatasetV2").startswith("tf.data")
    assert _families.absent_reason("TFRecordReaderV2").startswith("queue/reader")
    assert _families.absent_reason("BatchMatrixInverse").startswith("TF 2.21 has no CPU kernel")
    with pytest.raises(AttributeError, match="no CPU kernel"):
        raw_ops.TopK  # noqa: B018


def test_user_inputs_not_mutated() -> None:
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    before = x.numpy().copy()
    raw_ops.InplaceUpdate(x=x, i=[0], v=[[9.0, 9.0]])
    np.testing.assert_array_equal(x.numpy(), before)
