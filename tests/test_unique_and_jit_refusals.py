"""tf.unique / tf.unique_with_counts (eager, compiled, jit_compile) and the ops that jit_compile=True refuses as
XLA does (tf.print, tf.numpy_function, tf.py_function, unique_with_counts): InvalidArgumentError at the first call."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError


def _first_occurrence(x: np.ndarray) -> tuple[list, list, list]:
    seen: dict = {}
    idx = [seen.setdefault(v, len(seen)) for v in x.tolist()]
    return list(seen), idx, np.bincount(idx, minlength=len(seen)).tolist()


def test_unique_eager_values_dtypes_and_repr() -> None:
    r = tf.unique(tf.constant([1, 2, 1]))
    assert type(r).__name__ == "Unique" and r._fields == ("y", "idx")
    assert r.y.numpy().tolist() == [1, 2] and r.idx.numpy().tolist() == [0, 1, 0]
    assert r.y.dtype == tf.int32 and r.idx.dtype == tf.int32
    assert repr(r).startswith("Unique(y=<tapegrad.Tensor: shape=(2,), dtype=int32")
    r64 = tf.unique(tf.constant([1.0, 2.0, 1.0]), out_idx=tf.int64)
    assert r64.y.dtype == tf.float32 and r64.idx.dtype == tf.int64
    c = tf.unique_with_counts(tf.constant([3, 2, 3, 3]))
    assert type(c).__name__ == "UniqueWithCounts"
    assert (c.y.numpy().tolist(), c.idx.numpy().tolist(), c.count.numpy().tolist()) == ([3, 2], [0, 1, 0, 0], [3, 1])
    b = tf.unique(tf.constant([True, False, True]))
    assert b.y.numpy().tolist() == [True, False] and b.y.dtype == tf.bool
    e = tf.unique(tf.constant([], tf.float32))
    assert e.y.shape == (0,) and e.idx.shape == (0,) and e.idx.dtype == tf.int32


def test_unique_errors_and_no_gradient() -> None:
    with pytest.raises(InvalidArgumentError, match="1-D"):
        tf.unique(tf.constant([[1, 2]]))
    with pytest.raises(InvalidArgumentError, match="out_idx"):
        tf.unique(tf.constant([1, 2]), out_idx=tf.float32)
    x = tf.constant([1.0, 2.0, 1.0])
    with tf.GradientTape() as t:
        t.watch(x)
        u = tf.unique(x)
    with pytest.raises(LookupError):  # TF: "gradient registry has no entry for: Unique"
        t.gradient(u.y, x)


@pytest.mark.parametrize("jit", [False, True])
def test_unique_in_compiled_functions_gets_new_sizes_every_call(jit: bool) -> None:
    @tf.function(jit_compile=jit)
    def f(x):
        u = tf.unique(x)
        return u, tf.reduce_sum(u.y * 2), tf.gather(u.y, u.idx)

    rng = np.random.default_rng(0)
    for _ in range(4):
        x = rng.integers(0, 6, size=(8,)).astype(np.int32)
        (y, idx), total, back = f(tf.constant(x))
        want_y, want_idx, _ = _first_occurrence(x)
        assert y.numpy().tolist() == want_y and idx.numpy().tolist() == want_idx
        assert int(total) == 2 * sum(want_y) and back.numpy().tolist() == x.tolist()
    assert f.experimental_get_tracing_count() == 1


def test_jit_unique_probe_value() -> None:
    g = tf.function(lambda x: tf.unique(x), jit_compile=True)
    r = g(tf.constant([1, 2, 1]))
    assert type(r).__name__ == "Unique"
    assert r.y.numpy().tolist() == [1, 2] and r.idx.numpy().tolist() == [0, 1, 0]


def test_unique_with_counts_compiled_without_jit() -> None:
    f = tf.function(lambda x: tf.unique_with_counts(x))
    for x in ([1, 1, 2], [5, 4, 4, 4, 5]):
        y, idx, count = f(tf.constant(x, tf.int64))
        want = _first_occurrence(np.array(x))
        assert (y.numpy().tolist(), idx.numpy().tolist(), count.numpy().tolist()) == want


REFUSED = [
    ("tf.print", lambda x: (tf.print("hi"), x)[1]),
    ("tf.numpy_function", lambda x: tf.numpy_function(lambda a: a * 2, [x], tf.float32)),
    ("tf.py_function", lambda x: tf.py_function(lambda a: a * 2, [x], tf.float32)),
    ("unique_with_counts", lambda x: tf.unique_with_counts(x).count),
]


@pytest.mark.parametrize("what,body", REFUSED, ids=[r[0] for r in REFUSED])
def test_jit_compile_refuses_what_xla_cannot_compile(what: str, body, capsys: pytest.CaptureFixture[str]) -> None:
    g = tf.function(body, jit_compile=True)
    with pytest.raises(InvalidArgumentError, match=r"XLA cannot compile(.|\n)*jit_compile=False"):
        g(tf.constant([1.0]))
    with pytest.raises(InvalidArgumentError):  # every call, as TF (the failed compile is not kept)
        g(tf.constant([1.0]))
    assert tf.function(body)(tf.constant([1.0])) is not None  # without jit_compile: fine
    capsys.readouterr()


def test_jit_compile_keeps_what_xla_compiles() -> None:
    v = tf.Variable([1.0, 2.0])

    @tf.function(jit_compile=True)
    def step(x):
        with tf.GradientTape() as t:
            loss = tf.reduce_sum((v * x - 1.0) ** 2)
        v.assign_sub(0.1 * t.gradient(loss, v))
        return loss, tf.range(tf.shape(x)[0])

    loss, r = step(tf.constant([3.0, 4.0]))
    assert float(loss) == pytest.approx(4.0 + 49.0) and r.numpy().tolist() == [0, 1]


@pytest.mark.parametrize("jit", [False, True])
def test_values_with_data_dependent_sizes_get_no_planned_buffers(jit: bool) -> None:
    @tf.function(jit_compile=jit)
    def f(x):
        idx = tf.cast(tf.where(x > 2.0), tf.float32) * 2.0 + 1.0  # tf.where(c): a new size on every call
        return tf.reduce_sum(idx), tf.unique(tf.cast(x, tf.int32)).y * 3 + 1

    rng = np.random.default_rng(3)
    for _ in range(4):
        x = rng.integers(0, 5, size=(6,)).astype(np.float32)
        s, u = f(tf.constant(x))
        assert float(s) == float((np.argwhere(x > 2.0).astype(np.float32) * 2 + 1).sum())
        assert u.numpy().tolist() == [3 * v + 1 for v in _first_occurrence(x.astype(np.int32))[0]]
