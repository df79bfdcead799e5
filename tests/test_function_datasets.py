"""A tf.data.Dataset argument of tapegrad.function is part of the signature by element spec (TF's DatasetSpec), and
a `for` loop over a dataset runs over the call's dataset on every call (its elements are program inputs)."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf


def test_dataset_argument_keyed_by_spec_and_looped_per_call() -> None:
    runs = []

    @tf.function
    def total(ds):
        runs.append(1)
        s = tf.constant(0, tf.int64)
        for x in ds:
            s += x
        return s

    assert int(total(tf.data.Dataset.range(5))) == 10
    assert int(total(tf.data.Dataset.range(10))) == 45
    assert int(total(tf.data.Dataset.range(5))) == 10
    assert total.experimental_get_tracing_count() == 1  # as TF: one DatasetSpec, one trace


def test_same_spec_different_values_never_reuse_trace_values() -> None:
    @tf.function
    def weighted(ds, w):
        acc = tf.zeros([2])
        for x, y in ds:
            acc += x * y * w
        return acc

    rng = np.random.default_rng(1)
    a = rng.normal(size=(4, 2)).astype(np.float32)
    b = rng.normal(size=(4, 2)).astype(np.float32)
    ya, yb = rng.normal(size=(4, 1)).astype(np.float32), rng.normal(size=(4, 1)).astype(np.float32)
    w = tf.constant(2.0)
    ra = weighted(tf.data.Dataset.from_tensor_slices((a, ya)), w)
    rb = weighted(tf.data.Dataset.from_tensor_slices((b, yb)), w)
    np.testing.assert_allclose(ra.numpy(), (a * ya * 2).sum(0), rtol=1e-5)
    np.testing.assert_allclose(rb.numpy(), (b * yb * 2).sum(0), rtol=1e-5)
    assert weighted.experimental_get_tracing_count() == 1


def test_dataset_in_body_and_captured_dataset_are_iterated_every_call() -> None:
    state = {"n": 3}

    def gen():
        yield from range(state["n"])

    captured = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.int64))

    @tf.function
    def count(k):
        s = tf.constant(0, tf.int64)
        for x in captured:
            s += x * k
        return s

    k = tf.constant(1, tf.int64)
    assert int(count(k)) == 3
    state["n"] = 5  # the generator now yields more: TF runs the dataset loop on every call
    assert int(count(k)) == 10

    @tf.function
    def inner(n):
        s = tf.constant(0, tf.int64)
        for x in tf.data.Dataset.range(4):
            s += x + n
        return s

    assert int(inner(tf.constant(1, tf.int64))) == 10 and int(inner(tf.constant(2, tf.int64))) == 14


def test_other_uses_of_a_dataset_argument_are_guarded_by_identity() -> None:
    @tf.function
    def card(ds):
        s = tf.constant(0, tf.int64)
        for x in ds.batch(2):
            s += tf.reduce_sum(x)
        return s, ds.cardinality()

    s5, c5 = card(tf.data.Dataset.range(5))
    s7, c7 = card(tf.data.Dataset.range(7))
    assert (int(s5), int(c5), int(s7), int(c7)) == (10, 5, 21, 7)
    assert card.experimental_get_tracing_count() == 1


def test_shuffled_dataset_reshuffles_and_break_takes_a_prefix() -> None:
    ds = tf.data.Dataset.range(50).shuffle(50, seed=3)

    @tf.function
    def first_three(d):
        out = tf.zeros([0], tf.int64)
        n = 0
        for x in d:
            tf.autograph.experimental.set_loop_options(shape_invariants=[(out, tf.TensorShape([None]))])
            out = tf.concat([out, [x]], 0)
            n += 1
            if n == 3:
                break
        return out

    draws = {tuple(first_three(ds).numpy().tolist()) for _ in range(4)}
    assert len(draws) > 1 and all(len(d) == 3 for d in draws)


def test_loop_rules_apply_to_dataset_loops() -> None:
    @tf.function
    def bad(ds):
        s = tf.constant(0)  # int32, elements are int64: TF's TypeError
        for x in ds:
            s = x
        return s

    with pytest.raises(TypeError, match="'s' has dtype int32"):
        bad(tf.data.Dataset.range(3))


def test_inspecting_a_trace_does_not_leak_its_elements_into_later_calls() -> None:
    @tf.function
    def total(ds):
        s = tf.constant(0, tf.int64)
        for x in ds:
            s += x
        return s

    cf = total.get_concrete_function(tf.data.Dataset.range(3))
    assert cf.graph.get_operations()  # traces now (outside any call)
    assert int(total(tf.data.Dataset.range(4))) == 6
    assert int(total(tf.data.Dataset.range(3).map(lambda x: x * 10))) == 30
    assert total.experimental_get_tracing_count() == 1


def test_dataset_loop_in_a_none_dim_signature() -> None:
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def scaled(w):
        s = tf.zeros_like(w)
        for x in tf.data.Dataset.range(3):
            s += w * tf.cast(x, tf.float32)
        return s

    assert scaled(tf.constant([1.0, 2.0])).numpy().tolist() == [3.0, 6.0]
    assert scaled(tf.constant([1.0, 2.0, 4.0])).numpy().tolist() == [3.0, 6.0, 12.0]
    assert scaled.experimental_get_tracing_count() == 1
