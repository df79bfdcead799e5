"""``tf.extract_volume_patches`` beyond its TF lane cases (tests/conformance/misc_programs.py): a direct-loop
reference, argument errors, and the docstring example."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.ops import volume_patches


def test_docstring_example() -> None:
    assert doctest.testmod(volume_patches).failed == 0


def test_valid_patches_equal_a_direct_loop() -> None:
    x = np.random.default_rng(0).normal(size=(2, 4, 5, 3, 2))
    got = tf.extract_volume_patches(x, [1, 2, 3, 2, 1], [1, 2, 1, 1, 1], "VALID").numpy()
    ref = np.stack([np.stack([np.stack([x[:, d:d + 2, r:r + 3, c:c + 2, :].reshape(2, -1)
                                        for c in range(2)], 1) for r in range(3)], 1) for d in (0, 2)], 1)
    np.testing.assert_array_equal(got, ref)


def test_bad_arguments() -> None:
    with pytest.raises(tf.errors.UnimplementedError, match="across space"):
        tf.extract_volume_patches(tf.ones([1, 2, 2, 2, 1]), [1, 1, 1, 1, 2], [1, 1, 1, 1, 1], "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match="5-dimensional"):
        tf.extract_volume_patches(tf.ones([2, 2, 2, 1]), [1, 1, 1, 1, 1], [1, 1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError, match="padding"):
        tf.extract_volume_patches(tf.ones([1, 2, 2, 2, 1]), [1, 1, 1, 1, 1], [1, 1, 1, 1, 1], "FULL")
