"""``tapegrad.test``: ``tf.test`` — ``TestCase`` (TF's assertions on tensors and nests, seeded as TF seeds a test),
``compute_gradient`` (theoretical and numerical Jacobians), ``main``, ``Benchmark``, and the build queries
(tapegrad has no GPU backend: they report none).

>>> import tapegrad as tf
>>> tf.test.is_built_with_cuda(), tf.test.gpu_device_name()
(False, '')
>>> theoretical, numerical = tf.test.compute_gradient(lambda x: x ** 2, [tf.constant([1.0, 3.0])])
>>> theoretical[0].tolist(), numerical[0].tolist()
([[2.0, 0.0], [0.0, 6.0]], [[2.0, 0.0], [0.0, 6.0]])
"""

from __future__ import annotations

import contextlib
import platform
import random
import re
import sys
import tempfile
import threading
import time
import unittest
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import _nest
from ._device import (
    gpu_device_name,
    is_built_with_cuda,
    is_built_with_gpu_support,
    is_built_with_rocm,
    is_built_with_xla,
    is_gpu_available,
)

__all__ = ["TestCase", "Benchmark", "compute_gradient", "main", "is_cpu_target_available",
           "with_eager_op_as_function", "disable_with_predicate", "gpu_device_name", "is_built_with_cuda",
           "is_built_with_gpu_support", "is_built_with_rocm", "is_built_with_xla", "is_gpu_available"]

_DEFAULT_SEED = 87654321  # TF's DEFAULT_GRAPH_SEED: what TestCase.setUp seeds Python, NumPy and tf.random with


# -- compute_gradient ----------------------------------------------------------------------------------------------

def _real_view(a: np.ndarray) -> np.ndarray:
    """A flat array; a complex one as (real, imag) pairs, as TF lays complex values out in Jacobians."""
    flat = np.ascontiguousarray(a).reshape(-1)
    return flat.view(flat.real.dtype) if np.iscomplexobj(flat) else flat


def _value(t: Any) -> np.ndarray:
    return np.asarray(t._value if hasattr(t, "_value") else t)


def compute_gradient(f: Callable[..., Any], x: Any, delta: float | None = None) -> tuple[tuple[np.ndarray, ...],
                                                                                      tuple[np.ndarray, ...]]:
    """The Jacobians of ``f(*x)`` with respect to each tensor of ``x`` (a list or tuple), computed from the
    gradients (theoretical) and by central differences with step ``delta`` (numerical; default ``1/1024``, exactly
    representable). Each Jacobian has shape ``(y.size, x_i.size)`` — row ``j`` is ``d y_j / d x_i`` — with complex
    values counted as (real, imaginary) pairs, in ``x_i``'s real dtype, as ``tf.test.compute_gradient``.
    Compare them with ``np.testing.assert_allclose`` (float64 for tight checks).

    >>> import tapegrad as tf
    >>> t, n = tf.test.compute_gradient(lambda a, b: a * b, [tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])])
    >>> t[0].tolist(), n[1].tolist()
    ([[3.0, 0.0], [0.0, 4.0]], [[1.0, 0.0], [0.0, 2.0]])
    """
    from .gradient_tape import GradientTape
    from .ops import core as _core

    if not isinstance(x, (list, tuple)):
        raise ValueError(f"compute_gradient: `x` must be a list or tuple of tensors (the arguments of f); got "
                         f"{type(x).__name__}. Wrap a single tensor in a list: compute_gradient(f, [x]).")
    xs = [_core.convert_to_tensor(v) for v in x]
    step = 1.0 / 1024 if delta is None else float(delta)

    def run(values: list[Any]) -> np.ndarray:
        y = f(*values)
        if isinstance(y, (list, tuple)):
            raise ValueError("compute_gradient: f must return a single tensor.")
        return _value(_core.convert_to_tensor(y))

    y0 = run(xs)
    y_complex = np.iscomplexobj(y0)
    rows = y0.size * (2 if y_complex else 1)
    theoretical, numerical = [], []
    for i, xi in enumerate(xs):
        xv = _value(xi)
        x_complex = np.iscomplexobj(xv)
        real_dtype = xv.real.dtype
        cols = xv.size * (2 if x_complex else 1)
        jt = np.zeros((rows, cols), dtype=real_dtype)
        for r in range(rows):
            dy = np.zeros(y0.size, dtype=y0.dtype)
            dy[r // 2 if y_complex else r] = (1j if r % 2 else 1) if y_complex else 1
            with GradientTape() as tape:
                tape.watch(xs[i])
                y = f(*xs)
            g = tape.gradient(y, xs[i], output_gradients=_core.constant(dy.reshape(y0.shape)))
            if g is not None:
                jt[r] = _real_view(np.asarray(_value(g), dtype=xv.dtype))
        jn = np.zeros((rows, cols), dtype=real_dtype)
        for c in range(cols):
            shift = np.zeros(xv.size, dtype=xv.dtype)
            shift[c // 2 if x_complex else c] = (1j * step if c % 2 else step) if x_complex else step
            shift = shift.reshape(xv.shape)
            pos = [*xs[:i], _core.constant(xv + shift), *xs[i + 1:]]
            neg = [*xs[:i], _core.constant(xv - shift), *xs[i + 1:]]
            jn[:, c] = (_real_view(run(pos)) - _real_view(run(neg))) / (2 * step)
        theoretical.append(jt)
        numerical.append(jn)
    return tuple(theoretical), tuple(numerical)


# -- TestCase ------------------------------------------------------------------------------------------------------

def _is_tensorish(value: Any) -> bool:
    return hasattr(value, "numpy") and hasattr(value, "dtype")


def _evaluate_one(value: Any) -> Any:
    from .ops.ragged_ops import RaggedTensor
    from .sparse import SparseTensor

    if isinstance(value, SparseTensor):
        return SparseTensorValue(value.indices.numpy(), value.values.numpy(), value.dense_shape.numpy())
    if isinstance(value, RaggedTensor):
        return RaggedTensorValue(value.to_list(), value.flat_values.numpy(),
                                 [s.numpy() for s in value.nested_row_splits])
    if _is_tensorish(value):
        return value.numpy()
    return value


class SparseTensorValue(tuple):
    """``evaluate``'s value of a SparseTensor: ``(indices, values, dense_shape)`` as NumPy arrays."""

    def __new__(cls, indices: np.ndarray, values: np.ndarray, dense_shape: np.ndarray) -> SparseTensorValue:
        return super().__new__(cls, (indices, values, dense_shape))

    indices = property(lambda self: self[0])
    values = property(lambda self: self[1])
    dense_shape = property(lambda self: self[2])


class RaggedTensorValue:
    """``evaluate``'s value of a RaggedTensor: ``to_list()``, ``flat_values`` and ``nested_row_splits``."""

    def __init__(self, rows: list[Any], flat_values: np.ndarray, nested_row_splits: list[np.ndarray]) -> None:
        self._rows, self.flat_values, self.nested_row_splits = rows, flat_values, nested_row_splits

    def to_list(self) -> list[Any]:
        return self._rows

    def __repr__(self) -> str:
        return f"RaggedTensorValue({self._rows!r})"


class _EagerSession:
    """What ``session()``/``cached_session()`` give in eager mode: ``run(fetches)`` evaluates them."""

    def __init__(self, case: TestCase) -> None:
        self._case = case

    def run(self, fetches: Any, feed_dict: Any = None, options: Any = None, run_metadata: Any = None) -> Any:
        if feed_dict:
            raise RuntimeError("feed_dict needs TF1 graph placeholders; tapegrad runs eagerly: call the function "
                               "with the values instead.")
        return self._case.evaluate(fetches() if callable(fetches) else fetches)


def _as_array(value: Any) -> np.ndarray:
    value = _evaluate_one(value)
    if isinstance(value, RaggedTensorValue):
        value = value.to_list()
    return np.asarray(value)


class TestCase(unittest.TestCase):
    """``tf.test.TestCase``: a ``unittest.TestCase`` whose assertions take tensors, NumPy arrays and Python values
    alike (and nests of them), and whose ``setUp`` seeds Python's ``random``, NumPy's global generator and
    ``tf.random`` with TF's default seed (87654321), so seeded tests draw TF's numbers.

    >>> import tapegrad as tf
    >>> class SquareTest(tf.test.TestCase):
    ...     def test_gradient(self):
    ...         x = tf.constant([1.0, 2.0])
    ...         with tf.GradientTape() as tape:
    ...             tape.watch(x)
    ...             y = x * x
    ...         self.assertAllClose(tape.gradient(y, x), [2.0, 4.0])
    >>> import unittest
    >>> unittest.TextTestRunner(stream=open("/dev/null", "w")).run(
    ...     unittest.defaultTestLoader.loadTestsFromTestCase(SquareTest)).wasSuccessful()
    True
    """

    def setUp(self) -> None:
        from .ops.random_ops import set_seed

        random.seed(_DEFAULT_SEED)
        np.random.seed(_DEFAULT_SEED)
        set_seed(_DEFAULT_SEED)
        super().setUp()

    # -- running ---------------------------------------------------------------------------------------------------
    def evaluate(self, tensors: Any) -> Any:
        """NumPy values of ``tensors`` (a tensor, or a nest of them; other values pass through)."""
        return _nest.map_structure(_evaluate_one, tensors)

    @contextlib.contextmanager
    def session(self, graph: Any = None, config: Any = None, use_gpu: bool = True,
                force_gpu: bool = False) -> Iterator[_EagerSession]:
        """A session whose ``run(fetches)`` evaluates tensors (eager execution: there is no graph to run)."""
        yield _EagerSession(self)

    def cached_session(self, graph: Any = None, config: Any = None, use_gpu: bool = True,
                       force_gpu: bool = False) -> Any:
        """As ``session()``."""
        return self.session(graph, config, use_gpu, force_gpu)

    def get_temp_dir(self) -> str:
        """A temporary directory for this test (made on first use, shared by the test's calls)."""
        path = getattr(self, "_tempdir", None)
        if path is None:
            path = tempfile.mkdtemp(prefix=f"{type(self).__name__}-")
            self._tempdir = path
        return path

    def checkedThread(self, target: Callable[..., Any], args: tuple[Any, ...] = (),  # noqa: N802  (TF's name)
                      kwargs: dict[str, Any] | None = None) -> _CheckedThread:
        """A thread whose exception fails the test when it is joined."""
        return _CheckedThread(self, target, args, kwargs or {})

    # -- numeric assertions ----------------------------------------------------------------------------------------
    def _close(self, a: Any, b: Any, rtol: float, atol: float, msg: str | None, path: str = "") -> None:
        # TF's rule: dicts by key; a list/tuple is compared as one array when both convert to arrays, element by
        # element otherwise; anything else as an array.
        where = f" at {path}" if path else ""
        if isinstance(a, dict) or isinstance(b, dict):
            if not (isinstance(a, dict) and isinstance(b, dict)):
                raise self.failureException(self._formatMessage(msg, f"Can't compare dict to non-dict{where}: "
                                                                     f"{a!r} vs {b!r}."))
            if set(a) != set(b):
                raise self.failureException(self._formatMessage(msg, f"mismatched keys{where}: {sorted(a, key=str)} "
                                                                     f"vs {sorted(b, key=str)}"))
            for k in a:
                self._close(a[k], b[k], rtol, atol, msg, f"{path}[{k!r}]")
            return
        if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
            try:
                x, y = _as_array(a), _as_array(b)
                if x.dtype.kind == "O" and not all(isinstance(v, (bytes, str)) for v in x.reshape(-1)):
                    raise ValueError("ragged")
            except (ValueError, TypeError):
                if not (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple))) or len(a) != len(b):
                    raise self.failureException(self._formatMessage(
                        msg, f"Mismatched length{where}: a has {len(a) if hasattr(a, '__len__') else 'no'} items, "
                             f"b has {len(b) if hasattr(b, '__len__') else 'no'}.")) from None
                for i, (u, v) in enumerate(zip(a, b)):
                    self._close(u, v, rtol, atol, msg, f"{path}[{i}]")
                return
        else:
            x, y = _as_array(a), _as_array(b)
        if x.shape != y.shape:
            raise self.failureException(self._formatMessage(
                msg, f"Shape mismatch{where}: expected {x.shape}, got {y.shape} with contents {y}."))
        if x.dtype.kind in "OSU" or y.dtype.kind in "OSU":
            np.testing.assert_array_equal(x, y, err_msg=msg or path)
            return
        np.testing.assert_allclose(y, x, rtol=rtol, atol=atol, equal_nan=True,
                                   err_msg=f"Not all close{where}. " + (msg or ""))

    def assertAllClose(self, a: Any, b: Any, rtol: float = 1e-6, atol: float = 1e-6,  # noqa: N802
                       msg: str | None = None) -> None:
        """``a`` and ``b`` (tensors, arrays, values, or equal nests of them) have equal shapes and values within
        ``atol + rtol * |b|`` (NaNs match NaNs)."""
        self._close(a, b, rtol, atol, msg)

    def assertAllCloseAccordingToType(self, a: Any, b: Any, rtol: float = 1e-6, atol: float = 1e-6,  # noqa: N802
                                      float_rtol: float = 1e-6, float_atol: float = 1e-6, half_rtol: float = 1e-3,
                                      half_atol: float = 1e-3, bfloat16_rtol: float = 1e-2,
                                      bfloat16_atol: float = 1e-2, msg: str | None = None) -> None:
        """``assertAllClose`` with tolerances loosened for the less precise of the two dtypes (float32, float16,
        bfloat16)."""
        names = {str(getattr(v, "dtype", np.asarray(_evaluate_one(v)).dtype)).replace("tapegrad.", "")
                 for v in (a, b) if not isinstance(v, (list, tuple, dict))}
        if any("float32" in n or "complex64" in n for n in names):
            rtol, atol = max(rtol, float_rtol), max(atol, float_atol)
        if any("float16" in n and "bfloat16" not in n for n in names):
            rtol, atol = max(rtol, half_rtol), max(atol, half_atol)
        if any("bfloat16" in n for n in names):
            rtol, atol = max(rtol, bfloat16_rtol), max(atol, bfloat16_atol)
        self.assertAllClose(a, b, rtol=rtol, atol=atol, msg=msg)

    def assertNotAllClose(self, a: Any, b: Any, rtol: float = 1e-6, atol: float = 1e-6,  # noqa: N802
                          msg: str | None = None) -> None:
        """The opposite of ``assertAllClose``."""
        try:
            self.assertAllClose(a, b, rtol=rtol, atol=atol, msg=msg)
        except AssertionError:
            return
        raise self.failureException(self._formatMessage(msg, "The two values are close at all elements."))

    def assertAllEqual(self, a: Any, b: Any, msg: str | None = None) -> None:  # noqa: N802
        """Equal shapes and exactly equal values (strings included)."""
        x, y = _as_array(a), _as_array(b)
        if x.shape != y.shape:
            raise self.failureException(self._formatMessage(
                msg, f"Shape mismatch: expected {x.shape}, got {y.shape} with contents {y}."))
        np.testing.assert_array_equal(y, x, err_msg=msg or "Not all equal")

    def assertNotAllEqual(self, a: Any, b: Any, msg: str | None = None) -> None:  # noqa: N802
        """Some element differs (shapes must match)."""
        try:
            self.assertAllEqual(a, b, msg)
        except AssertionError:
            return
        raise self.failureException(self._formatMessage(msg, "The two values are equal at all elements."))

    def _compare_all(self, a: Any, target: Any, op: Callable[[Any, Any], Any], text: str) -> None:
        x = _as_array(a)
        if not np.all(op(x, target)):
            raise self.failureException(f"Not all elements of {x} are {text} {target}.")

    def assertAllGreater(self, a: Any, comparison_target: Any) -> None:  # noqa: N802
        """Every element > ``comparison_target``."""
        self._compare_all(a, comparison_target, np.greater, "greater than")

    def assertAllGreaterEqual(self, a: Any, comparison_target: Any) -> None:  # noqa: N802
        """Every element >= ``comparison_target``."""
        self._compare_all(a, comparison_target, np.greater_equal, "greater than or equal to")

    def assertAllLess(self, a: Any, comparison_target: Any) -> None:  # noqa: N802
        """Every element < ``comparison_target``."""
        self._compare_all(a, comparison_target, np.less, "less than")

    def assertAllLessEqual(self, a: Any, comparison_target: Any) -> None:  # noqa: N802
        """Every element <= ``comparison_target``."""
        self._compare_all(a, comparison_target, np.less_equal, "less than or equal to")

    def assertAllInRange(self, target: Any, lower_bound: Any, upper_bound: Any,  # noqa: N802
                         open_lower_bound: bool = False, open_upper_bound: bool = False) -> None:
        """Every element within the bounds (closed unless ``open_*``); NaN fails."""
        x = _as_array(target)
        low = np.greater(x, lower_bound) if open_lower_bound else np.greater_equal(x, lower_bound)
        high = np.less(x, upper_bound) if open_upper_bound else np.less_equal(x, upper_bound)
        bad = ~(low & high)
        if bad.any():
            raise self.failureException(
                f"{int(bad.sum())} of {x.size} elements are outside {'(' if open_lower_bound else '['}{lower_bound}, "
                f"{upper_bound}{')' if open_upper_bound else ']'}: {x[bad][:10]}")

    def assertAllInSet(self, target: Any, expected_set: Any) -> None:  # noqa: N802
        """Every element is one of ``expected_set``."""
        x = _as_array(target).reshape(-1)
        allowed = set(np.asarray(list(expected_set)).reshape(-1).tolist())
        extra = sorted({v for v in x.tolist() if v not in allowed}, key=str)
        if extra:
            raise self.failureException(f"{extra} not in the expected set {sorted(allowed, key=str)}.")

    def assertNear(self, f1: float, f2: float, err: float, msg: str | None = None) -> None:  # noqa: N802
        """``|f1 - f2| <= err``."""
        if not abs(float(f1) - float(f2)) <= err:
            raise self.failureException(self._formatMessage(msg, f"{f1} != {f2} +/- {err}"))

    def assertArrayNear(self, farray1: Any, farray2: Any, err: float, msg: str | None = None) -> None:  # noqa: N802
        """Two lists of floats of equal length, each pair within ``err``."""
        self.assertEqual(len(farray1), len(farray2), msg)
        for f1, f2 in zip(farray1, farray2):
            self.assertNear(float(f1), float(f2), err, msg)

    def assertNDArrayNear(self, ndarray1: Any, ndarray2: Any, err: float,  # noqa: N802
                          msg: str | None = None) -> None:
        """Two arrays within ``err`` everywhere."""
        if not np.allclose(_as_array(ndarray1), _as_array(ndarray2), rtol=0, atol=err):
            raise self.failureException(self._formatMessage(msg, f"The arrays differ by more than {err}."))

    def assertShapeEqual(self, input_a: Any, input_b: Any, msg: str | None = None) -> None:  # noqa: N802
        """A NumPy array's shape equals a tensor's."""
        shape_b = tuple(int(d) for d in input_b.shape) if hasattr(input_b, "shape") else np.shape(input_b)
        self.assertEqual(tuple(np.shape(input_a)), shape_b, msg)

    def assertDTypeEqual(self, target: Any, expected_dtype: Any) -> None:  # noqa: N802
        """Every element of ``target`` (a value or nest) has ``expected_dtype``."""
        from ._dtypes import as_dtype

        want = as_dtype(expected_dtype)
        for leaf in _nest.flatten(target):
            got = as_dtype(leaf.dtype) if hasattr(leaf, "dtype") else as_dtype(np.asarray(leaf).dtype)
            self.assertEqual(got, want)

    def assertDeviceEqual(self, device1: Any, device2: Any, msg: str | None = None) -> None:  # noqa: N802
        """Two device strings name the same device (``/cpu:0`` equals ``/device:CPU:0``)."""
        from ._device import DeviceSpec

        def canon(d: Any) -> str:
            return DeviceSpec.from_string(d or "").to_string()

        self.assertEqual(canon(device1), canon(device2), msg)

    # -- exceptions ------------------------------------------------------------------------------------------------
    def assertRaisesWithPredicateMatch(self, exception_type: Any, expected_err_re_or_predicate: Any  # noqa: N802
                                       ) -> Any:
        """A context expecting ``exception_type`` whose message matches a regex, or for which a predicate holds."""
        pred = expected_err_re_or_predicate
        check = pred if callable(pred) else (lambda e: re.search(pred, str(e)) is not None)
        return _RaisesPredicate(self, exception_type, check, pred)

    def assertRaisesOpError(self, expected_err_re_or_predicate: Any) -> Any:  # noqa: N802
        """A context expecting a ``tf.errors.OpError`` matching the regex or predicate."""
        from .errors import OpError

        return self.assertRaisesWithPredicateMatch(OpError, expected_err_re_or_predicate)

    def assertRaisesIncompatibleShapesError(self, exception_type: Any = None) -> Any:  # noqa: N802
        """A context expecting an incompatible-shapes error (``InvalidArgumentError`` by default)."""
        from .errors import InvalidArgumentError

        return self.assertRaisesWithPredicateMatch(
            exception_type or InvalidArgumentError,
            r"Incompatible shapes|Dimensions must be equal|required broadcastable shapes|not broadcastable|"
            r"Incompatible|shapes")

    # -- absl's extras (TF's TestCase has them) --------------------------------------------------------------------
    def assertLen(self, container: Any, expected_len: int, msg: str | None = None) -> None:  # noqa: N802
        """``len(container) == expected_len``."""
        if len(container) != expected_len:
            raise self.failureException(self._formatMessage(
                msg, f"{container!r} has length of {len(container)}, expected {expected_len}."))

    def assertEmpty(self, container: Any, msg: str | None = None) -> None:  # noqa: N802
        """``len(container) == 0``."""
        self.assertLen(container, 0, msg)

    def assertNotEmpty(self, container: Any, msg: str | None = None) -> None:  # noqa: N802
        """``len(container) > 0``."""
        if not len(container):
            raise self.failureException(self._formatMessage(msg, f"{container!r} has length of 0."))

    def assertStartsWith(self, actual: str, expected_start: str, msg: str | None = None) -> None:  # noqa: N802
        """``actual.startswith(expected_start)``."""
        if not actual.startswith(expected_start):
            raise self.failureException(self._formatMessage(msg, f"{actual!r} does not start with {expected_start!r}"))

    def assertEndsWith(self, actual: str, expected_end: str, msg: str | None = None) -> None:  # noqa: N802
        """``actual.endswith(expected_end)``."""
        if not actual.endswith(expected_end):
            raise self.failureException(self._formatMessage(msg, f"{actual!r} does not end with {expected_end!r}"))

    def assertBetween(self, value: Any, minv: Any, maxv: Any, msg: str | None = None) -> None:  # noqa: N802
        """``minv <= value <= maxv``."""
        if not minv <= value <= maxv:
            raise self.failureException(self._formatMessage(msg, f"{value!r} is not between {minv!r} and {maxv!r}"))

    def assertSameElements(self, expected_seq: Any, actual_seq: Any, msg: str | None = None) -> None:  # noqa: N802
        """The same elements, ignoring order and repeats."""
        self.assertEqual(set(expected_seq), set(actual_seq), msg)

    def assertContainsSubset(self, expected_subset: Any, actual_set: Any, msg: str | None = None) -> None:  # noqa: N802
        """Every element of ``expected_subset`` is in ``actual_set``."""
        missing = set(expected_subset) - set(actual_set)
        if missing:
            raise self.failureException(self._formatMessage(msg, f"Missing elements {sorted(missing, key=str)}"))

    def assertNoCommonElements(self, expected_seq: Any, actual_seq: Any, msg: str | None = None) -> None:  # noqa: N802
        """The two share no element."""
        common = set(expected_seq) & set(actual_seq)
        if common:
            raise self.failureException(self._formatMessage(msg, f"Common elements {sorted(common, key=str)}"))

    def assertItemsEqual(self, expected_seq: Any, actual_seq: Any, msg: str | None = None) -> None:  # noqa: N802
        """The same elements with the same counts, in any order (``assertCountEqual``)."""
        self.assertCountEqual(expected_seq, actual_seq, msg)

    def assertSameStructure(self, a: Any, b: Any, aname: str = "a", bname: str = "b",  # noqa: N802
                            msg: str | None = None) -> None:
        """Two nests have the same structure (dict keys, list/tuple lengths)."""
        sa = _nest.map_structure(lambda _: 0, a)
        sb = _nest.map_structure(lambda _: 0, b)
        if sa != sb or type(a) is not type(b):
            raise self.failureException(self._formatMessage(msg, f"{aname} and {bname} have different structures: "
                                                                 f"{sa!r} vs {sb!r}"))


class _RaisesPredicate:
    def __init__(self, case: TestCase, exc_type: Any, check: Callable[[BaseException], bool], what: Any) -> None:
        self._case, self._type, self._check, self._what = case, exc_type, check, what

    def __enter__(self) -> _RaisesPredicate:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if exc_type is None:
            raise self._case.failureException(f"Exception of type {self._type} not raised.")
        if not issubclass(exc_type, self._type):
            return False
        if not self._check(exc):
            raise self._case.failureException(f"Exception {type(exc).__name__}: {exc} does not match "
                                              f"{self._what!r}.")
        return True


class _CheckedThread:
    """``TestCase.checkedThread``: a thread whose exception is re-raised as a test failure by ``join()``."""

    def __init__(self, case: TestCase, target: Callable[..., Any], args: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> None:
        self._case, self._exc = case, None

        def run() -> None:
            try:
                target(*args, **kwargs)
            except Exception as e:  # noqa: BLE001  (reported by join)
                self._exc = e

        self._thread = threading.Thread(target=run)

    def start(self) -> None:
        self._thread.start()

    def join(self) -> None:
        self._thread.join()
        if self._exc is not None:
            self._case.fail(f"The thread raised {type(self._exc).__name__}: {self._exc}")

    def is_alive(self) -> bool:
        return self._thread.is_alive()


# -- Benchmark, main and decorators --------------------------------------------------------------------------------

class Benchmark:
    """``tf.test.Benchmark``: ``report_benchmark`` records (and prints) a measurement; ``run_op_benchmark`` times
    ``sess.run(op_or_tensor)`` (or a callable) after ``burn_iters`` warm-up runs, ``min_iters`` times.

    >>> import tapegrad as tf
    >>> b = tf.test.Benchmark()
    >>> result = b.run_op_benchmark(None, lambda: tf.reduce_sum(tf.ones([10])), min_iters=3, name="sum")
    ... # doctest: +ELLIPSIS
    entry { name: "sum" iters: 3 wall_time: ... }
    >>> result["iters"], sorted(result)
    (3, ['extras', 'iters', 'name', 'wall_time'])
    """

    def __init__(self) -> None:
        self.reported: list[dict[str, Any]] = []

    def report_benchmark(self, iters: int | None = None, cpu_time: float | None = None,
                         wall_time: float | None = None, throughput: float | None = None,
                         extras: dict[str, Any] | None = None, name: str | None = None,
                         metrics: list[dict[str, Any]] | None = None) -> None:
        """Record one measurement (seconds per iteration) and print it in TF's text form."""
        entry = {"name": name or type(self).__name__, "iters": iters, "cpu_time": cpu_time, "wall_time": wall_time,
                 "throughput": throughput, "extras": dict(extras or {}), "metrics": list(metrics or [])}
        self.reported.append(entry)
        fields = " ".join(f"{k}: {entry[k]!r}" if isinstance(entry[k], str) else f"{k}: {entry[k]}"
                          for k in ("name", "iters", "cpu_time", "wall_time", "throughput") if entry[k] is not None)
        print("entry { " + fields.replace("'", '"') + (f" extras: {entry['extras']}" if entry["extras"] else "")
              + " }")

    def evaluate(self, tensors: Any) -> Any:
        """NumPy values of ``tensors``."""
        return _nest.map_structure(_evaluate_one, tensors)

    def run_op_benchmark(self, sess: Any, op_or_tensor: Any, feed_dict: Any = None, burn_iters: int = 2,
                         min_iters: int = 10, store_trace: bool = False, store_memory_usage: bool = True,
                         name: str | None = None, extras: dict[str, Any] | None = None,
                         mbs: int = 0) -> dict[str, Any]:
        """Time ``op_or_tensor`` (a callable, or a value run through ``sess.run``) and report the median wall time
        per run; returns ``{"iters", "wall_time", "extras", "name"}`` as TF."""
        def once() -> Any:
            if callable(op_or_tensor):
                return op_or_tensor()
            return sess.run(op_or_tensor, feed_dict=feed_dict) if sess is not None else self.evaluate(op_or_tensor)

        for _ in range(burn_iters):
            once()
        times = []
        for _ in range(min_iters):
            start = time.perf_counter()
            once()
            times.append(time.perf_counter() - start)
        wall = float(np.median(times))
        extras = dict(extras or {})
        if mbs:
            extras["throughput_mb_per_sec"] = mbs / wall
        self.report_benchmark(iters=min_iters, wall_time=wall, extras=extras, name=name)
        return {"iters": min_iters, "wall_time": wall, "extras": extras, "name": name}


def main(argv: list[str] | None = None) -> None:
    """Run the tests of the ``__main__`` module (``unittest.main``): ``if __name__ == "__main__": tf.test.main()``."""
    unittest.main(module="__main__", argv=argv if argv is not None else sys.argv)


def is_cpu_target_available(cpu: str) -> bool:
    """Whether code can be generated for ``cpu`` here: the host's architecture family (``"x86"``, ``"arm"``, …)."""
    machine = platform.machine().lower()
    families = {"x86": ("x86_64", "amd64", "i386", "i686"), "arm": ("aarch64", "arm64", "armv7l"),
                "aarch64": ("aarch64", "arm64"), "ppc": ("ppc64le", "ppc64"), "s390x": ("s390x",)}
    return machine in families.get(cpu.lower(), (cpu.lower(),))


def with_eager_op_as_function(cls: Any = None, only_as_function: bool = False) -> Any:
    """A class decorator TF uses to run tests with eager ops as functions; tapegrad has one eager mode, so the
    tests run once, unchanged."""
    if cls is None:
        return lambda c: c
    return cls


def disable_with_predicate(pred: Callable[[], bool], skip_message: str) -> Callable[[Any], Any]:
    """Skip the decorated test (or test class) when ``pred()`` is true."""
    def decorator(obj: Any) -> Any:
        if isinstance(obj, type):
            return unittest.skipIf(pred(), skip_message)(obj)

        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            if pred():
                self.skipTest(skip_message)
            return obj(self, *args, **kwargs)

        wrapper.__name__, wrapper.__doc__ = obj.__name__, obj.__doc__
        return wrapper

    return decorator


