"""``tapegrad.test`` (``tf.test``): TestCase assertions and their failure messages, compute_gradient against
float64 numerical derivatives, main/Benchmark/decorators. TF's own results for the same programs are in
tests/conformance/misc_programs.py (``test_*`` cases)."""

from __future__ import annotations

import doctest
import subprocess
import sys
import textwrap
import unittest

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import test as tg_test


def test_docstrings_run() -> None:
    result = doctest.testmod(tg_test, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 10


@pytest.mark.parametrize("fn", [
    lambda x: tf.reduce_sum(tf.exp(x) * tf.sin(x)),
    lambda x: tf.linalg.inv(tf.reshape(x, [2, 2]) + 3.0 * tf.eye(2, dtype=tf.float64)),
    lambda x: tf.nn.softmax(x * 2.0),
    lambda x: tf.math.cumprod(x, reverse=True),
])
def test_compute_gradient_theoretical_matches_numerical_float64(fn) -> None:
    x = tf.constant(np.random.default_rng(0).normal(size=4))
    theoretical, numerical = tf.test.compute_gradient(fn, [x])
    np.testing.assert_allclose(theoretical[0], numerical[0], rtol=1e-5, atol=1e-6)
    assert theoretical[0].shape[1] == 4 and theoretical[0].dtype == np.float64


def test_compute_gradient_catches_a_wrong_custom_gradient() -> None:
    @tf.custom_gradient
    def bad_square(x):
        return x * x, lambda dy: dy * x  # should be 2 * x

    theoretical, numerical = tf.test.compute_gradient(bad_square, [tf.constant([1.5, -2.0], tf.float64)])
    np.testing.assert_allclose(theoretical[0], np.diag([1.5, -2.0]))
    np.testing.assert_allclose(numerical[0], np.diag([3.0, -4.0]), rtol=1e-9)


def _run(case_cls: type) -> unittest.TestResult:
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(case_cls)
    return unittest.TextTestRunner(stream=open("/dev/null", "w"), verbosity=0).run(suite)


def test_assertion_failures_name_what_differs() -> None:
    messages = {}

    class Failing(tf.test.TestCase):
        def test_structure(self):
            try:
                self.assertAllClose({"a": 1.0}, {"b": 1.0})
            except AssertionError as e:
                messages["structure"] = str(e)

        def test_shape(self):
            try:
                self.assertAllEqual(tf.zeros([2]), tf.zeros([3]))
            except AssertionError as e:
                messages["shape"] = str(e)

        def test_value_path(self):
            try:
                self.assertAllClose({"w": [tf.constant(1.0), tf.constant(2.0)]}, {"w": [1.0, 2.5]})
            except AssertionError as e:
                messages["path"] = str(e)

        def test_range(self):
            try:
                self.assertAllInRange(tf.constant([0.5, 3.0, np.nan]), 0.0, 1.0)
            except AssertionError as e:
                messages["range"] = str(e)

        def test_set(self):
            try:
                self.assertAllInSet([1, 5], [1, 2])
            except AssertionError as e:
                messages["set"] = str(e)

    assert _run(Failing).wasSuccessful()
    assert "mismatched keys" in messages["structure"]
    assert "Shape mismatch" in messages["shape"] and "(2,)" in messages["shape"]
    assert "Not all close at ['w']" in messages["path"]
    assert "2 of 3 elements are outside [0.0, 1.0]" in messages["range"]
    assert "[5] not in the expected set" in messages["set"]


def test_raises_helpers_threads_and_devices() -> None:
    class Cases(tf.test.TestCase):
        def test_predicate(self):
            with self.assertRaisesWithPredicateMatch(ValueError, lambda e: "bad" in str(e)):
                raise ValueError("a bad value")

        def test_predicate_mismatch(self):
            with self.assertRaisesWithPredicateMatch(ValueError, "other"):
                raise ValueError("a bad value")

        def test_op_error_not_raised(self):
            with self.assertRaisesOpError("x"):
                pass

        def test_thread_failure(self):
            t = self.checkedThread(lambda: 1 / 0)
            t.start()
            t.join()

        def test_devices_and_absl(self):
            self.assertDeviceEqual("/cpu:0", "/device:CPU:0")
            self.assertLen([1, 2], 2)
            self.assertStartsWith("tapegrad", "tape")
            self.assertBetween(3, 1, 5)
            self.assertContainsSubset({1}, [1, 2])
            self.assertSameStructure({"a": (1, 2)}, {"a": (3, 4)})
            self.assertTrue(self.get_temp_dir() == self.get_temp_dir())

    result = _run(Cases)
    failed = sorted(t.id().rsplit(".", 1)[-1] for t, _ in result.failures)
    assert failed == ["test_op_error_not_raised", "test_predicate_mismatch", "test_thread_failure"]
    assert not result.errors


def test_decorators_and_main(tmp_path) -> None:
    calls = []

    @tf.test.with_eager_op_as_function
    class Decorated(tf.test.TestCase):
        @tf.test.disable_with_predicate(lambda: True, "not here")
        def test_skipped(self):
            calls.append("skipped ran")

        def test_runs(self):
            calls.append("ran")

    result = _run(Decorated)
    assert calls == ["ran"] and len(result.skipped) == 1
    script = tmp_path / "t.py"
    script.write_text(textwrap.dedent("""
        import tapegrad as tf

        class T(tf.test.TestCase):
            def test_ok(self):
                self.assertAllClose(tf.constant([1.0]), [1.0])

        if __name__ == "__main__":
            tf.test.main()
    """))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "Ran 1 test" in proc.stderr
    assert tf.test.is_cpu_target_available("x86") != tf.test.is_cpu_target_available("aarch64") or \
        not any(tf.test.is_cpu_target_available(c) for c in ("x86", "aarch64"))


def test_benchmark_reports(capsys) -> None:
    bench = tf.test.Benchmark()
    bench.report_benchmark(iters=5, wall_time=0.25, name="custom", extras={"k": 1})
    out = bench.run_op_benchmark(None, tf.constant([1.0]), burn_iters=0, min_iters=2, mbs=4)
    printed = capsys.readouterr().out
    assert 'name: "custom" iters: 5 wall_time: 0.25' in printed and bench.reported[0]["extras"] == {"k": 1}
    assert out["iters"] == 2 and "throughput_mb_per_sec" in out["extras"]
