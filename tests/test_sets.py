"""tf.sets: size, intersection, union, difference (values recorded from TF 2.21; the full comparison runs in
tests/conformance/misc_programs.py)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError


def test_docstring_examples_run() -> None:
    from tapegrad import sets

    r = doctest.testmod(sets)
    assert r.attempted >= 10 and r.failed == 0


def test_results_are_sparse_rows_sorted_with_tfs_layout() -> None:
    a = tf.constant([[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [1, 1, 2]]], tf.int64)
    b = tf.constant([[[3, 1, 0], [5, 6, 0]], [[9, 9, 9], [2, 0, 0]]], tf.int64)
    r = tf.sets.difference(a, b, aminusb=False)
    assert r.indices.numpy().tolist() == [[0, 0, 0], [0, 1, 0], [1, 1, 0]]
    assert r.values.numpy().tolist() == [0, 0, 0] and r.values.dtype == tf.int64
    assert r.dense_shape.numpy().tolist() == [2, 2, 1]
    u = tf.sets.union(a, b)
    assert u.dense_shape.numpy().tolist() == [2, 2, 4]
    assert u.values.numpy().tolist() == [0, 1, 2, 3, 0, 4, 5, 6, 7, 8, 9, 0, 1, 2]
    empty = tf.sets.intersection(tf.constant([[1, 2], [3, 4]]), tf.constant([[5], [6]]))
    assert empty.indices.shape == (0, 2) and empty.dense_shape.numpy().tolist() == [2, 0]


def test_sparse_inputs_and_validation() -> None:
    sp = tf.sparse.SparseTensor([[0, 0], [0, 1], [1, 0], [1, 3]], tf.constant([5, 1, 7, 7], tf.int32), [2, 4])
    assert tf.sets.size(sp).numpy().tolist() == [2, 1]
    assert tf.sparse.to_dense(tf.sets.difference(tf.constant([[1, 9], [0, 0]]), sp)).numpy().tolist() == [[9], [0]]
    unordered = tf.sparse.SparseTensor([[0, 1], [0, 0]], tf.constant([5, 1], tf.int32), [2, 4])
    with pytest.raises(InvalidArgumentError, match="out of order"):
        tf.sets.size(unordered)
    assert tf.sets.size(unordered, validate_indices=False).numpy().tolist() == [2, 0]


def test_errors() -> None:
    with pytest.raises(TypeError, match="SparseTensor"):
        tf.sets.size(tf.constant([[1, 2]]))
    with pytest.raises(TypeError, match="float32"):
        tf.sets.union(tf.constant([[1.0]]), tf.constant([[1.0]]))
    with pytest.raises(TypeError, match="int64"):
        tf.sets.union(tf.constant([[1]]), tf.constant([[1]], tf.int64))
    with pytest.raises(InvalidArgumentError, match="rank >= 2"):
        tf.sets.union(tf.constant([1]), tf.constant([1]))
    with pytest.raises(InvalidArgumentError, match="batch shape"):
        tf.sets.union(tf.constant([[1, 2]]), tf.constant([[1], [2]]))


def test_inputs_not_mutated_and_in_function() -> None:
    a = np.array([[3, 1, 2]], np.int32)
    tf.sets.union(a, a)
    assert a.tolist() == [[3, 1, 2]]
    f = tf.function(lambda x, y: tf.sparse.to_dense(tf.sets.union(x, y)))
    assert f(tf.constant([[1, 2]]), tf.constant([[2, 3]])).numpy().tolist() == [[1, 2, 3]]
    assert f(tf.constant([[5, 5], [1, 0]]), tf.constant([[4, 4], [1, 1]])).numpy().tolist() == [[4, 5], [0, 1]]
