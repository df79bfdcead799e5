"""``tf.TypeSpec`` and the TensorArray / IndexedSlices / None specs beyond their TF lane case
(tests/conformance/misc_programs.py): hashing, supertypes, errors, and the docstring examples."""

from __future__ import annotations

import doctest

import pytest

import tapegrad as tf
from tapegrad import type_specs


def test_docstring_examples() -> None:
    assert doctest.testmod(type_specs).failed == 0


def test_specs_hash_by_value_and_find_supertypes() -> None:
    assert len({tf.TensorArraySpec([2]), tf.TensorArraySpec([2]), tf.TensorArraySpec([3])}) == 2
    assert hash(tf.NoneTensorSpec()) == hash(tf.NoneTensorSpec())
    sup = tf.IndexedSlicesSpec([2, 3]).most_specific_common_supertype([tf.IndexedSlicesSpec([4, 3])])
    assert sup == tf.IndexedSlicesSpec([None, 3])
    assert tf.IndexedSlicesSpec([2]).most_specific_common_supertype([tf.IndexedSlicesSpec([2], tf.int32)]) is None
    assert tf.TensorArraySpec([2]).most_specific_common_supertype([tf.NoneTensorSpec()]) is None
    assert issubclass(tf.TensorSpec, tf.TypeSpec) and isinstance(tf.data.DatasetSpec(tf.TensorSpec([])), tf.TypeSpec)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="rank 1"):
        tf.IndexedSlicesSpec([2], indices_shape=[2, 2])
    with pytest.raises(ValueError, match="TensorArray"):
        tf.TensorArraySpec.from_value(tf.constant(1.0))
