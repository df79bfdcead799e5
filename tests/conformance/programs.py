"""Conformance programs: each ``prog_<name>(tf)`` runs unchanged under TensorFlow and under tapegrad.

A program receives the library module (``tensorflow`` or ``tapegrad``) as ``tf`` and returns a result
(a tensor, a nest of tensors/None, Python values, strings) or raises. ``normalize.normalize`` turns the
result into a comparable structure. Rules for writing programs:

* Use only the public API that tapegrad's foundation covers (see tests/conformance/README.md).
* One behaviour per program; name it after the behaviour. The section in the docstring points at
  /work/shared/reference/tf_behaviour.md (measured on TF 2.21).
* To report an exception *and* other facts, wrap the call with ``caught(...)``.
* Warnings are logged (TF: logger ``tensorflow``, tapegrad: logger ``tapegrad``) with per-call-site
  rate limits, keyed by the caller's file and line. Programs that count warnings must therefore make
  the triggering calls on their own lines (never through a shared helper), and each program runs once
  per process.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

try:  # imported as part of the package (pytest, ``python -m``)
    from .normalize import Caught
except ImportError:  # imported as a top-level module by run_tf.py run as a script
    from normalize import Caught  # type: ignore[no-redef]

Lib = Any


# --------------------------------------------------------------------------------------------------
# helpers (never used by programs that count warnings for a call site)


def caught(fn: Callable[[], Any]) -> Any:
    """Return ``fn()``, or a ``Caught`` marker holding the exception it raised."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001
        return Caught(exc)


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def logged_warnings(tf: Lib) -> Iterator[list[logging.LogRecord]]:
    """Collect WARNING+ records of the library's logger (``tensorflow`` or ``tapegrad``)."""
    logger = logging.getLogger(tf.__name__.split(".")[0])
    handler = _ListHandler()
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


def grads(tf: Lib, fn: Callable[..., Any], *values: Any, out: Any = None) -> Any:
    """Watch constants made from ``values``, record ``fn(*xs)``; return the list of gradients."""
    xs = [v if isinstance(v, tf.Tensor | tf.Variable) else tf.constant(v) for v in values]
    with tf.GradientTape(persistent=True) as t:
        for x in xs:
            t.watch(x)
        y = fn(*xs)
    return t.gradient(y, xs, output_gradients=out)


def grad1(tf: Lib, fn: Callable[..., Any], value: Any, out: Any = None) -> Any:
    """Gradient of ``fn(x)`` with respect to a watched constant ``x``."""
    return grads(tf, fn, value, out=out)[0]


# ==================================================================================================
# §0 seed examples


def prog_seed1_square_gradient_str(tf: Lib) -> Any:
    """§0 #1: print(tape.gradient(x**2, x)) at x=3 → 'tf.Tensor(6.0, shape=(), dtype=float32)'."""
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x**2
    g = tape.gradient(y, x)
    return g, str(g), repr(g)


def prog_seed2_first_gradient(tf: Lib) -> Any:
    """§0 #2: watch on an auto-watched Variable is a no-op; dz/dx of x*y**2 = 9."""
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        z = x * y**2
    g = tape.gradient(z, x)
    return g, str(g)


def prog_seed2_second_gradient_raises(tf: Lib) -> Any:
    """§0 #2: a second gradient() on a non-persistent tape raises RuntimeError."""
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        z = x * y**2
    first = tape.gradient(z, x)
    return first, caught(lambda: tape.gradient(z, y))


def prog_seed2_persistent_both(tf: Lib) -> Any:
    """§0 #2 with persistent=True: 9.0 then 12.0."""
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        z = x * y**2
    return str(tape.gradient(z, x)), str(tape.gradient(z, y))


def prog_seed3_mae_gradient(tf: Lib) -> Any:
    """§0 #3: grad of mean(|p-t|) is sign(p-t)/3 = -0.33333334 (not -0.5); loss is 0.5."""
    predictions = tf.Variable([1.0, 2.0, 3.0])
    targets = tf.constant([1.5, 2.5, 3.5])
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.abs(predictions - targets))
    g = tape.gradient(loss, predictions)
    return g, str(g), repr(g), repr(loss)


# ==================================================================================================
# §1.1 tape state machine


def prog_tape_enter_returns_self(tf: Lib) -> Any:
    """§1.1: __enter__ returns the tape itself."""
    t = tf.GradientTape()
    r = t.__enter__()
    t.__exit__(None, None, None)
    return r is t


def prog_tape_reenter_active_raises(tf: Lib) -> Any:
    """§1.1: entering an already-recording tape raises ValueError."""
    t = tf.GradientTape()
    with t:
        with t:
            pass


def prog_tape_exit_without_enter_ok(tf: Lib) -> Any:
    """§1.1: __exit__ never raises, even without __enter__."""
    t = tf.GradientTape(persistent=True)
    t.__exit__(None, None, None)
    return "exit ok"


def prog_tape_exception_inside_propagates(tf: Lib) -> Any:
    """§1.1: an exception raised inside the with-block propagates unchanged."""
    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        raise KeyError("boom")


def prog_tape_gradient_never_entered_raises(tf: Lib) -> Any:
    """§1.1: gradient() on a never-entered tape raises RuntimeError."""
    x = tf.constant(1.0)
    t = tf.GradientTape()
    return t.gradient(x * 2.0, x)


def prog_tape_gradient_never_entered_persistent_raises(tf: Lib) -> Any:
    """§1.1: ...even when persistent (and even for target is source)."""
    x = tf.constant(1.0)
    t = tf.GradientTape(persistent=True)
    return t.gradient(x, x)


def prog_tape_gradient_inside_context_nonpersistent(tf: Lib) -> Any:
    """§1.1: gradient inside a non-persistent context works and stops recording; exit is fine."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
        g = t.gradient(y, x)
        z = x * x * x
    return g, caught(lambda: t.gradient(z, x))


def prog_tape_gradient_inside_context_nonpersistent_no_warning(tf: Lib) -> Any:
    """§1.1: non-persistent gradient inside the context logs no warning."""
    x = tf.constant(3.0)
    with logged_warnings(tf) as logged:
        with tf.GradientTape() as t:
            t.watch(x)
            y = x * x
            g = t.gradient(y, x)
    return g, len(logged)


def prog_tape_gradient_inside_context_persistent_warns(tf: Lib) -> Any:
    """§1.1/§1.9: persistent gradient inside the context works and logs one warning."""
    x = tf.constant(3.0)
    with logged_warnings(tf) as logged:
        with tf.GradientTape(persistent=True) as t:
            t.watch(x)
            y = x * x
            g = t.gradient(y, x)
    return g, len(logged)


def prog_tape_persistent_inside_warning_once_per_call_site(tf: Lib) -> Any:
    """§1.9: the persistent-inside-context warning is logged once per call site (3 calls → 1)."""
    x = tf.constant(3.0)
    out = []
    with logged_warnings(tf) as logged:
        for _ in range(3):
            with tf.GradientTape(persistent=True) as t:
                t.watch(x)
                y = x * x
                out.append(t.gradient(y, x))
    return out, len(logged)


def prog_tape_persistent_inside_warning_two_call_sites(tf: Lib) -> Any:
    """§1.9: two different call sites each log the warning once."""
    x = tf.constant(3.0)
    with logged_warnings(tf) as logged:
        with tf.GradientTape(persistent=True) as t:
            t.watch(x)
            y = x * x
            g1 = t.gradient(y, x)
            g2 = t.gradient(y, x)
    return g1, g2, len(logged)


def prog_tape_gradient_twice_nonpersistent_raises(tf: Lib) -> Any:
    """§1.1: the second gradient() on a non-persistent tape raises RuntimeError."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    t.gradient(y, x)
    return t.gradient(y, x)


def prog_tape_gradient_twice_persistent(tf: Lib) -> Any:
    """§1.1: a persistent tape can compute gradients repeatedly."""
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * x
        z = y * x
    return t.gradient(y, x), t.gradient(z, x), t.gradient(y, x)


def prog_tape_reenter_after_exit_persistent(tf: Lib) -> Any:
    """§1.1: re-entering after exit continues the same recording (persistent)."""
    x = tf.constant(3.0)
    t = tf.GradientTape(persistent=True)
    with t:
        t.watch(x)
        y = x * x
    with t:
        z = y * x
    return t.gradient(z, x)


def prog_tape_reenter_after_exit_nonpersistent(tf: Lib) -> Any:
    """§1.1: re-entering after exit continues the same recording (non-persistent): 27."""
    x = tf.constant(3.0)
    t = tf.GradientTape()
    with t:
        t.watch(x)
        y = x * x
    with t:
        z = y * x
    return t.gradient(z, x)


def prog_tape_reenter_after_gradient_fresh_recording(tf: Lib) -> Any:
    """§1.1: after a non-persistent gradient(), re-entering starts a fresh, usable recording."""
    x = tf.constant(3.0)
    t = tf.GradientTape()
    with t:
        t.watch(x)
        y = x * x
    g = t.gradient(y, x)
    with t:
        t.watch(x)
        z = y * x
    return g, t.gradient(z, x)


def prog_tape_watch_never_entered_raises(tf: Lib) -> Any:
    """§1.1: watch() on a never-entered tape raises AttributeError."""
    t = tf.GradientTape()
    t.watch(tf.constant(3.0))


def prog_tape_watch_after_exit_no_effect(tf: Lib) -> Any:
    """§1.1: watch() after exit silently has no effect on later ops."""
    x = tf.constant(3.0)
    t = tf.GradientTape()
    with t:
        pass
    t.watch(x)
    y = x * x
    return t.gradient(y, x)


def prog_tape_stop_recording_never_entered_raises(tf: Lib) -> Any:
    """§1.1: stop_recording() on a never-entered tape raises RuntimeError."""
    t = tf.GradientTape()
    with t.stop_recording():
        pass


def prog_tape_stop_recording_after_exit_raises(tf: Lib) -> Any:
    """§1.1: stop_recording() after exit raises ValueError."""
    with tf.GradientTape() as t:
        pass
    with t.stop_recording():
        pass


def prog_tape_stop_recording_nested_raises(tf: Lib) -> Any:
    """§1.1: nested stop_recording() raises ValueError."""
    with tf.GradientTape() as t:
        with t.stop_recording():
            with t.stop_recording():
                pass


def prog_tape_reset_never_entered_raises(tf: Lib) -> Any:
    """§1.1: reset() on a never-entered tape raises ValueError."""
    t = tf.GradientTape()
    t.reset()


def prog_tape_reset_after_exit_raises(tf: Lib) -> Any:
    """§1.1: reset() after exit raises ValueError."""
    with tf.GradientTape() as t:
        pass
    t.reset()


# ==================================================================================================
# §1.2 what gets watched and recorded


def prog_watch_constant_not_watched_none(tf: Lib) -> Any:
    """§1.2: an unwatched constant gives None."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        y = x * x
    return t.gradient(y, x)


def prog_watch_constant_watched(tf: Lib) -> Any:
    """§1.2: a watched constant gives its gradient."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.gradient(y, x)


def prog_watch_unwatched_chain_none(tf: Lib) -> Any:
    """§1.2: ops on unwatched inputs leave no trace: grad of z wrt intermediate y is None."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        y = x * 2.0
        z = y * y
    return t.gradient(z, y)


def prog_watch_intermediate_tensor(tf: Lib) -> Any:
    """§1.2: watching an intermediate makes it a source; the earlier input stays None."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        y = x * 2.0
        t.watch(y)
        z = y * y
    return t.gradient(z, [y, x])


def prog_watch_variable_auto(tf: Lib) -> Any:
    """§1.2: trainable Variables are watched when read."""
    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        y = v * v
    return t.gradient(y, v), t.watched_variables()


def prog_watch_variable_read_value(tf: Lib) -> Any:
    """§1.2: read_value() is a read that watches the variable."""
    a = tf.Variable(1.0, name="a")
    with tf.GradientTape() as t:
        r = a.read_value()
        y = r * 3.0
    return t.watched_variables(), t.gradient(y, a)


def prog_watch_variable_identity(tf: Lib) -> Any:
    """§1.2: tf.identity(variable) is a read; gradient 1."""
    x = tf.Variable(2.0)
    with tf.GradientTape() as t:
        y = tf.identity(x)
    return t.gradient(y, x)


def prog_watch_variable_assign_only(tf: Lib) -> Any:
    """§1.2: assign() alone watches the variable."""
    a = tf.Variable(1.0, name="a")
    with tf.GradientTape() as t:
        a.assign(5.0)
    return t.watched_variables()


def prog_watch_variable_assign_add_before_use(tf: Lib) -> Any:
    """§1.2: assign_add then use: value [2,3], z=v*v → grad 2v."""
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as t:
        v.assign_add([1.0, 1.0])
        z = v * v
    return z, t.gradient(z, v)


def prog_watch_variable_created_inside_tape(tf: Lib) -> Any:
    """§1.2: a variable created inside the tape and then read is watched."""
    with tf.GradientTape() as t:
        a = tf.Variable(1.0, name="inside")
        v = a * 2.0
    return t.watched_variables(), t.gradient(v, a)


def prog_watch_variable_nontrainable_not_watched(tf: Lib) -> Any:
    """§1.2: trainable=False variables are not auto-watched."""
    x = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as t:
        y = x * x
    return t.gradient(y, x), t.watched_variables()


def prog_watch_variable_nontrainable_explicit(tf: Lib) -> Any:
    """§1.2: explicit watch() of a trainable=False variable gives a real gradient."""
    x = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.gradient(y, x), t.watched_variables()


def prog_watch_accessed_variables_false(tf: Lib) -> Any:
    """§1.2: watch_accessed_variables=False → nothing auto-watched."""
    x = tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as t:
        y = x * x
    return t.gradient(y, x), t.watched_variables()


def prog_watch_accessed_variables_false_explicit(tf: Lib) -> Any:
    """§1.2: watch_accessed_variables=False lists only explicitly watched variables."""
    x = tf.Variable(2.0)
    w = tf.Variable(5.0)
    with tf.GradientTape(watch_accessed_variables=False) as t:
        t.watch(x)
        y = x * w
    return t.gradient(y, [x, w]), t.watched_variables()


def prog_watch_after_use_none(tf: Lib) -> Any:
    """§1.2: watch() after the tensor was used is not retroactive → None."""
    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        y = x * x
        t.watch(x)
    return t.gradient(y, x)


def prog_variable_every_read_contributes(tf: Lib) -> Any:
    """§1.2: reads before and after an assign both contribute: d(y+z)/dv = 5."""
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as t:
        y = v * 2.0
        v.assign([5.0, 6.0])
        z = v * 3.0
        s = y + z
    return t.gradient(y, v), t.gradient(z, v), t.gradient(s, v), t.gradient([y, z], v)


def prog_variable_sum_outside_tape_none(tf: Lib) -> Any:
    """§1.2: y+z computed after exit is not recorded → None; the list target still sums."""
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as t:
        y = v * 2.0
        z = v * 3.0
    return t.gradient(y + z, v), t.gradient([y, z], v)


def prog_variable_assign_blocks_gradient(tf: Lib) -> Any:
    """§1.2: v.assign(w*2); y=v*3 → grad wrt w is None, wrt v is 3."""
    w = tf.Variable(1.0)
    v = tf.Variable(0.0)
    with tf.GradientTape() as t:
        v.assign(w * 2.0)
        y = v * 3.0
    return t.gradient(y, [w, v])


def prog_variable_value_source_none(tf: Lib) -> Any:
    """§1.2: x.value() taken after the fact is a new tensor → None."""
    x = tf.Variable(1.0)
    with tf.GradientTape() as t:
        y = x * 2.0
    return t.gradient(y, x.value())


def prog_variable_read_value_source_works(tf: Lib) -> Any:
    """§1.2: a recorded read (read_value inside the tape) works as a source."""
    x = tf.Variable(1.0)
    with tf.GradientTape() as t:
        xv = x.read_value()
        y = xv * 2.0
    return t.gradient(y, [x, xv])


def prog_ops_after_exit_not_recorded(tf: Lib) -> Any:
    """§1.2: a target computed after __exit__ gives None."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    z = y * x
    return t.gradient(z, x)


def prog_variable_modified_after_recording(tf: Lib) -> Any:
    """§1.2: the gradient uses the values at recording time (2v at v=2 → 4)."""
    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        y = v * v
    v.assign(10.0)
    return t.gradient(y, v)


def prog_variable_replaced_by_tensor_none(tf: Lib) -> Any:
    """§10 #16: x = x + 1 replaces the Variable by a Tensor; the next tape gives None."""
    x = tf.Variable(2.0)
    out = []
    for _ in range(2):
        with tf.GradientTape() as tape:
            y = x + 1.0
        out.append(tape.gradient(y, x))
        x = x + 1.0
    return out


def prog_numpy_roundtrip_breaks_chain(tf: Lib) -> Any:
    """§1.6: tf.constant(x.numpy()) breaks the chain → None."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.constant(x.numpy())
        z = y * 2.0
    return t.gradient(z, x)


def prog_numpy_partial_chain(tf: Lib) -> Any:
    """§1.6: tf.constant(v.numpy()*2) * v only gets the direct term (4)."""
    x = tf.Variable(2.0)
    with tf.GradientTape() as t:
        y = x.numpy() * 2.0
        z = tf.constant(y) * x
    return t.gradient(z, x)


def prog_python_float_roundtrip_none(tf: Lib) -> Any:
    """§1.6: float(v) inside the tape breaks the chain."""
    v = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = float(v) ** 2
    return y, t.gradient(tf.constant(y), v)


def prog_numpy_square_target_raises(tf: Lib) -> Any:
    """§1.5/§1.6: a NumPy value (np.square of x.numpy()) used as target raises AttributeError.

    tapegrad deliberately differs for np.square(tensor) itself (a recorded tapegrad op, not a NumPy value; see
    docs/debugging.md), so the program leaves the tape explicitly through .numpy(), which both libraries share.
    """
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = np.square(x.numpy())
    return t.gradient(y, x)


def prog_numpy_value_target_raises(tf: Lib) -> Any:
    """§1.5: a NumPy scalar target raises AttributeError."""
    v = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = v.numpy() ** 2
    return t.gradient(y, v)


def prog_numpy_array_times_variable(tf: Lib) -> Any:
    """§1.6: np_array * Variable dispatches to the library: float32 tensor, differentiable."""
    v = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = np.array([2.0, 3.0]) * v
    return isinstance(y, tf.Tensor), y, t.gradient(y, v)


def prog_f32_variable_times_np_float64_scalar(tf: Lib) -> Any:
    """§8: float32 Variable * np.float64 scalar → float32."""
    v = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = v * np.float64(2.0)
    return y, t.gradient(y, v)


def prog_f32_variable_times_np_float64_array(tf: Lib) -> Any:
    """§8: float32 Variable * float64 ndarray → float32."""
    v = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = v * np.array([2.0, 3.0])
    return y, t.gradient(y, v)


def prog_f32_variable_times_f64_tensor_raises(tf: Lib) -> Any:
    """§8: float32 Variable * float64 Tensor raises InvalidArgumentError."""
    v = tf.Variable(3.0)
    with tf.GradientTape():
        return v * tf.constant(2.0, tf.float64)


# ==================================================================================================
# §1.3 watch()


def prog_watch_nested_structure(tf: Lib) -> Any:
    """§1.3: watch accepts a nest of tensors and variables."""
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    c = tf.Variable(3.0)
    with tf.GradientTape(watch_accessed_variables=False) as t:
        t.watch({"a": a, "l": [b, (c,)]})
        y = a * b * c
    return t.gradient(y, [a, b, c]), t.watched_variables()


def prog_watch_python_float_raises(tf: Lib) -> Any:
    """§1.3: watch(3.0) raises ValueError."""
    with tf.GradientTape() as t:
        t.watch(3.0)


def prog_watch_numpy_array_raises(tf: Lib) -> Any:
    """§1.3: watch(ndarray) raises ValueError."""
    with tf.GradientTape() as t:
        t.watch(np.array([1.0]))


def prog_watch_none_raises(tf: Lib) -> Any:
    """§1.3: watch(None) raises ValueError."""
    with tf.GradientTape() as t:
        t.watch(None)


def prog_watch_empty_list_noop(tf: Lib) -> Any:
    """§1.3: watch([]) is a no-op returning None."""
    with tf.GradientTape() as t:
        r = t.watch([])
    return r, t.watched_variables()


def prog_watch_int_tensor_warns_and_none(tf: Lib) -> Any:
    """§1.3/§1.6: watching an int32 tensor warns once; the gradient is None."""
    x = tf.constant(3)
    with logged_warnings(tf) as logged:
        with tf.GradientTape() as t:
            t.watch(x)
            y = x * x
        g = t.gradient(y, x)
    return g, len(logged)


def prog_watch_int_warning_rate_limited_per_call_site(tf: Lib) -> Any:
    """§1.3: the int-dtype watch warning is logged at most 5 times per call site (7 calls → 5)."""
    with logged_warnings(tf) as logged:
        for _ in range(7):
            with tf.GradientTape() as t:
                t.watch(tf.constant(1))
    return len(logged)


def prog_watch_int_warning_separate_call_sites(tf: Lib) -> Any:
    """§1.3: different call sites have separate counters (3 + 3 calls → 6)."""
    with logged_warnings(tf) as logged:
        for _ in range(3):
            with tf.GradientTape() as t:
                t.watch(tf.constant(1))
        for _ in range(3):
            with tf.GradientTape() as t:
                t.watch(tf.constant(2))
    return len(logged)


def prog_watch_int_variable_warns(tf: Lib) -> Any:
    """§1.6: tape.watch(int variable) warns; gradient None; listed as watched."""
    v = tf.Variable(3)
    with logged_warnings(tf) as logged:
        with tf.GradientTape() as t:
            t.watch(v)
            y = v * 2
    return t.gradient(y, v), t.watched_variables(), len(logged)


def prog_watch_int64_and_bool_warn(tf: Lib) -> Any:
    """§1.3: int64 and bool tensors are non-trainable dtypes: each watch warns."""
    with logged_warnings(tf) as logged:
        with tf.GradientTape() as t:
            t.watch(tf.constant(3, tf.int64))
            t.watch(tf.constant(True))
    return len(logged)


def prog_watch_float_dtypes_no_warning(tf: Lib) -> Any:
    """§1.3: float16/32/64 and complex64/128 tensors do not warn on the tape."""
    with logged_warnings(tf) as logged:
        with tf.GradientTape() as t:
            t.watch(tf.constant(1.0, tf.float16))
            t.watch(tf.constant(1.0))
            t.watch(tf.constant(1.0, tf.float64))
            t.watch(tf.constant(1 + 2j, tf.complex64))
            t.watch(tf.constant(1 + 2j))
    return len(logged)


def prog_int_variable_auto_watched_no_warning(tf: Lib) -> Any:
    """§1.2/§1.6: an int Variable read is auto-watched without a warning; gradient None."""
    v = tf.Variable(3)
    with logged_warnings(tf) as logged:
        with tf.GradientTape() as t:
            y = v * v
        g = t.gradient(y, v)
    return g, t.watched_variables(), len(logged)


# ==================================================================================================
# §1.4 watched_variables()


def prog_watched_variables_creation_order(tf: Lib) -> Any:
    """§1.4: ordered by variable creation, not access."""
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(2.0, name="b")
    c = tf.Variable(3.0, name="c")
    with tf.GradientTape() as t:
        y = c * b + a + c
    return t.watched_variables(), y


def prog_watched_variables_creation_vs_access(tf: Lib) -> Any:
    """§1.4: created c then a, accessed a then c → (c, a)."""
    c = tf.Variable(1.0, name="c_first")
    a = tf.Variable(2.0, name="a_second")
    with tf.GradientTape() as t:
        a * c
    return [v.name for v in t.watched_variables()]


def prog_watched_variables_fresh_tape(tf: Lib) -> Any:
    """§1.4: a fresh tape gives ()."""
    return tf.GradientTape().watched_variables()


def prog_watched_variables_only_tensors(tf: Lib) -> Any:
    """§1.4: watched plain tensors never appear."""
    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * 2.0
    t.gradient(y, x)
    return t.watched_variables()


def prog_watched_variables_after_nonpersistent_gradient(tf: Lib) -> Any:
    """§1.4: still available after a non-persistent gradient()."""
    a = tf.Variable(1.0, name="a")
    with tf.GradientTape() as t:
        y = a * 2.0
    t.gradient(y, a)
    return t.watched_variables()


def prog_watched_variables_persistent_after_gradient(tf: Lib) -> Any:
    """§1.4: persistent tape keeps its watched variables."""
    a = tf.Variable(1.0, name="a")
    with tf.GradientTape(persistent=True) as t:
        y = a * 2.0
    t.gradient(y, a)
    return [v.name for v in t.watched_variables()]


def prog_watched_variables_after_reset(tf: Lib) -> Any:
    """§1.4/§1.8: reset() drops pre-reset variables; later reads are watched again."""
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(2.0, name="b")
    with tf.GradientTape(persistent=True) as t:
        y = a * 2.0
        w1 = t.watched_variables()
        t.reset()
        w2 = t.watched_variables()
        z = b * 3.0
    return (
        [v.name for v in w1],
        [v.name for v in w2],
        [v.name for v in t.watched_variables()],
        t.gradient(z, [a, b]),
        y,
    )


def prog_watched_variables_is_tuple(tf: Lib) -> Any:
    """§1.4: the result is a tuple of the Variable objects themselves."""
    a = tf.Variable(1.0)
    with tf.GradientTape() as t:
        a * 2.0
    w = t.watched_variables()
    return type(w).__name__, len(w), w[0] is a


# ==================================================================================================
# §1.5 gradient(): targets


def prog_target_none_raises(tf: Lib) -> Any:
    """§1.5: target=None raises TypeError."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        x * x
    return t.gradient(None, x)


def prog_target_empty_list_none(tf: Lib) -> Any:
    """§1.5: target=[] gives None per source."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        x * x
    return t.gradient([], x)


def prog_target_empty_list_list_sources(tf: Lib) -> Any:
    """§1.5: target=[] with two sources → [None, None]."""
    x = tf.constant(3.0)
    u = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        x * u
    return t.gradient([], [x, u])


def prog_target_python_float_raises(tf: Lib) -> Any:
    """§1.5: a Python float target raises AttributeError."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        x * x
    return t.gradient(2.0, x)


def prog_target_list_containing_none_raises(tf: Lib) -> Any:
    """§1.5: None inside a target list raises TypeError."""
    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * 2.0
    return t.gradient([y, None], x)


def prog_target_list_summed(tf: Lib) -> Any:
    """§1.5: multiple targets are summed: d(x*x + 3x)/dx at 3 = 9."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y1 = x * x
        y2 = x * 3.0
    return t.gradient([y1, y2], x)


def prog_target_dict_nested_summed(tf: Lib) -> Any:
    """§1.5: a dict/list nest of targets is summed: 6 + 3 + 3 = 12."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y1 = x * x
        y2 = x * 3.0
    return t.gradient({"a": y1, "b": [y2, y2]}, x)


def prog_target_vector_implicit_sum(tf: Lib) -> Any:
    """§1.5: non-scalar targets are seeded with ones."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.gradient(y, x)


def prog_target_matrix_implicit_sum(tf: Lib) -> Any:
    """§1.5: matrix target seeded with ones: d sum(x@w)/dw."""
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    w = tf.Variable([[1.0], [-1.0]])
    with tf.GradientTape() as t:
        y = tf.matmul(x, w)
    return t.gradient(y, w)


def prog_target_is_variable_source(tf: Lib) -> Any:
    """§1.5: target is the source Variable (never read) → ones."""
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as t:
        pass
    return t.gradient(x, x)


def prog_target_is_source_unwatched(tf: Lib) -> Any:
    """§1.5: gradient(x, x) gives ones even if x was never watched."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        pass
    return t.gradient(x, x)


def prog_target_is_source_with_other(tf: Lib) -> Any:
    """§1.5: gradient(x, [x, u]) → [ones, None]."""
    x = tf.constant(1.0)
    u = tf.constant(5.0)
    with tf.GradientTape() as t:
        t.watch(x)
        x * 2.0
    return t.gradient(x, [x, u])


def prog_target_is_source_int(tf: Lib) -> Any:
    """§1.5: int x wrt x → int32 1."""
    x = tf.constant(3)
    with tf.GradientTape() as t:
        t.watch(x)
    return t.gradient(x, x)


def prog_gradient_keyword_arguments(tf: Lib) -> Any:
    """§1: gradient(target=, sources=, output_gradients=, unconnected_gradients=)."""
    x = tf.Variable(2.0)
    with tf.GradientTape() as t:
        y = x * 2.0
    return t.gradient(target=y, sources=x, output_gradients=None, unconnected_gradients="none")


# §1.5 gradient(): sources


def prog_sources_none_raises(tf: Lib) -> Any:
    """§1.5: sources=None raises TypeError."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.gradient(y, None)


def prog_sources_containing_none_raises(tf: Lib) -> Any:
    """§1.5: None inside sources raises TypeError."""
    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * 2.0
    return t.gradient(y, [x, None])


def prog_sources_python_float_raises(tf: Lib) -> Any:
    """§1.5: a Python float source raises AttributeError."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.gradient(y, 3.0)


def prog_sources_empty_list(tf: Lib) -> Any:
    """§1.5: sources=[] returns []."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.gradient(y, [])


def prog_sources_single_tuple(tf: Lib) -> Any:
    """§1.5: a 1-tuple of sources gives a 1-tuple."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.gradient(y, (x,))


def prog_sources_list(tf: Lib) -> Any:
    """§1.5: a list of sources gives a list."""
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    with tf.GradientTape() as t:
        z = x * y
    return t.gradient(z, [x, y])


def prog_sources_nested_dict(tf: Lib) -> Any:
    """§1.5: nested dict/list/tuple sources keep their structure and key order."""
    x = tf.constant(3.0)
    w = tf.Variable([1.0, 2.0])
    b = tf.Variable(4.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(w * x) + b
    return t.gradient(y, {"x": x, "params": [w, (b, x)]})


def prog_sources_duplicated(tf: Lib) -> Any:
    """§1.5: a source listed twice gets the full gradient in each position."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.gradient(y, [x, x])


def prog_gradient_dtype_is_source_dtype(tf: Lib) -> Any:
    """§1.5: float32 source cast to float64 inside the tape → float32 gradient."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cast(x, tf.float64) * 2.0
    return t.gradient(y, x)


def prog_gradient_variable_shape_and_dtype(tf: Lib) -> Any:
    """§1.5: a Variable's gradient has its dtype and shape."""
    v = tf.Variable([[1.0, 2.0, 3.0]], dtype=tf.float64)
    with tf.GradientTape() as t:
        y = tf.reduce_sum(v * v)
    g = t.gradient(y, v)
    return g, g.shape.as_list(), g.dtype.name


# §1.5 unconnected_gradients


def prog_unconnected_source_none(tf: Lib) -> Any:
    """§1.5: an unconnected source gives None."""
    x = tf.constant(2.0)
    u = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        t.watch(u)
        y = x * x
    return t.gradient(y, u)


def prog_unconnected_zero_enum(tf: Lib) -> Any:
    """§1.5: UnconnectedGradients.ZERO gives zeros."""
    x = tf.constant(2.0)
    u = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.gradient(y, [x, u], unconnected_gradients=tf.UnconnectedGradients.ZERO)


def prog_unconnected_zero_string_shape_dtype(tf: Lib) -> Any:
    """§1.5: 'zero' zeros have the source's shape and dtype (float64 (2,))."""
    x = tf.constant(2.0)
    u = tf.constant([1.0, 2.0], dtype=tf.float64)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.gradient(y, [x, u], unconnected_gradients="zero")


def prog_unconnected_none_string(tf: Lib) -> Any:
    """§1.5: the string 'none' is accepted."""
    x = tf.constant(2.0)
    u = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.gradient(y, [x, u], unconnected_gradients="none")


def prog_unconnected_none_enum(tf: Lib) -> Any:
    """§1.5: UnconnectedGradients.NONE is accepted."""
    x = tf.Variable(2.0)
    with tf.GradientTape() as t:
        y = tf.square(x)
    return t.gradient(y, x, unconnected_gradients=tf.UnconnectedGradients.NONE)


def prog_unconnected_bogus_raises(tf: Lib) -> Any:
    """§1.5: an unknown unconnected_gradients value raises ValueError."""
    x = tf.constant(2.0)
    u = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.gradient(y, [x, u], unconnected_gradients="bogus")


def prog_unconnected_uppercase_string_raises(tf: Lib) -> Any:
    """§1.5/§4.5: 'ZERO' (uppercase) raises ValueError."""
    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.gradient(y, x, unconnected_gradients="ZERO")


def prog_unconnected_zero_int_variable(tf: Lib) -> Any:
    """§1.5: an unconnected int32 Variable gets int32 zeros with ZERO."""
    x = tf.Variable([[1.0, 2.0]])
    u = tf.Variable([3, 4])
    with tf.GradientTape() as t:
        y = x * x
    return t.gradient(y, [x, u], unconnected_gradients=tf.UnconnectedGradients.ZERO)


def prog_unconnected_zero_variable_unread(tf: Lib) -> Any:
    """§1.5: ZERO for a float Variable that was never read."""
    x = tf.Variable(2.0)
    v = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as t:
        y = x * 3.0
    return t.gradient(y, {"x": x, "v": v}, unconnected_gradients="zero")


def prog_unconnected_gradients_enum_facts(tf: Lib) -> Any:
    """§4.5: UnconnectedGradients members, values, repr/str and lookup by value."""
    ug = tf.UnconnectedGradients
    return (ug.NONE.value, ug.ZERO.value, repr(ug.ZERO), str(ug.ZERO), ug("none") is ug.NONE, [m.name for m in ug])


def prog_unconnected_gradients_enum_uppercase_raises(tf: Lib) -> Any:
    """§4.5: UnconnectedGradients('NONE') raises ValueError."""
    return tf.UnconnectedGradients("NONE")


def prog_sign_gives_zeros_not_none(tf: Lib) -> Any:
    """§1.5/§6: tf.sign has a registered zero gradient → zeros tensor, not None."""
    return grad1(tf, lambda x: tf.sign(x), [-1.0, 0.0, 2.0])


# §1.5 output_gradients


def prog_output_gradients_tensor(tf: Lib) -> Any:
    """§1.5: output_gradients weights the seed: [20, 400]."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.gradient(y, x, output_gradients=tf.constant([10.0, 100.0]))


def prog_output_gradients_python_list_flattened(tf: Lib) -> Any:
    """§1.5: a Python list for one target is flattened; only 10. is used → [20, 40]."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.gradient(y, x, output_gradients=[10.0, 100.0])


def prog_output_gradients_none_entry_raises(tf: Lib) -> Any:
    """§1.5: a None entry in output_gradients raises ValueError."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
        z = x * 3.0
    return t.gradient([y, z], x, output_gradients=[tf.constant([1.0, 1.0]), None])


def prog_output_gradients_fewer_than_targets(tf: Lib) -> Any:
    """§1.5: missing output_gradients entries are seeded with ones: [5, 7]."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
        z = x * 3.0
    return t.gradient([y, z], x, output_gradients=[tf.constant([1.0, 1.0])])


def prog_output_gradients_extra_ignored(tf: Lib) -> Any:
    """§1.5: extra output_gradients entries are ignored."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * 2.0
    return t.gradient(y, x, output_gradients=[tf.constant([1.0, 1.0]), tf.constant([5.0, 5.0])])


def prog_output_gradients_shape_mismatch_raises(tf: Lib) -> Any:
    """§1.5: a [3] upstream for a [2] target raises InvalidArgumentError."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.gradient(y, x, output_gradients=tf.constant([1.0, 2.0, 3.0]))


def prog_output_gradients_scalar_broadcast(tf: Lib) -> Any:
    """§1.5: a scalar upstream for a vector target is accepted: [4, 8]."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.gradient(y, x, output_gradients=tf.constant(2.0))


def prog_output_gradients_int_dtype_raises(tf: Lib) -> Any:
    """§1.5: an int32 upstream for a float32 target raises InvalidArgumentError."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.gradient(y, x, output_gradients=tf.constant([1, 2]))


def prog_output_gradients_float64_raises(tf: Lib) -> Any:
    """§1.5: a float64 upstream for a float32 target raises InvalidArgumentError."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.gradient(y, x, output_gradients=tf.constant([1.0, 2.0], tf.float64))


def prog_output_gradients_per_target(tf: Lib) -> Any:
    """§1.5: one upstream per target, matched positionally."""
    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
        z = x * 3.0
    return t.gradient([y, z], x, output_gradients=[tf.constant(10.0), tf.constant(100.0)])


# §1.5 broadcasting


def prog_broadcast_add_row(tf: Lib) -> Any:
    """§1.5: x[2,3] + y[3] → grad_y [2,2,2]."""
    return grads(tf, lambda x, y: x + y, tf.ones([2, 3]), tf.ones([3]))


def prog_broadcast_mul_column(tf: Lib) -> Any:
    """§1.5: x[2,3] * y[2,1] → grad_y shape (2,1)."""
    return grads(tf, lambda x, y: x * y, tf.ones([2, 3]), tf.constant([[2.0], [3.0]]))


def prog_broadcast_add_scalar(tf: Lib) -> Any:
    """§1.5: a scalar gets the total sum."""
    return grads(tf, lambda x, y: x + y, tf.ones([2, 3]), tf.constant(1.0))


def prog_broadcast_sub_outer_shapes(tf: Lib) -> Any:
    """§1.5: x[3,1] - y[1,4] → gradients reduced to (3,1) and (1,4)."""
    gx, gy = grads(tf, lambda x, y: x - y, tf.ones([3, 1]), tf.ones([1, 4]))
    return gx, gy, gx.shape.as_list(), gy.shape.as_list()


def prog_broadcast_div_python_scalar(tf: Lib) -> Any:
    """§1.5: x[2,2] / y[] with both watched: reduced scalar gradient."""
    return grads(tf, lambda x, y: x / y, tf.constant([[1.0, 2.0], [3.0, 4.0]]), tf.constant(2.0))


# ==================================================================================================
# §1.6 integer and non-float dtypes


def prog_int_source_zero(tf: Lib) -> Any:
    """§1.6: int source with 'zero' → int32 0."""
    x = tf.constant(3)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * 2
    return t.gradient(y, x, unconnected_gradients="zero")


def prog_int_target_from_float_none(tf: Lib) -> Any:
    """§1.6: float source, int target → None."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cast(x, tf.int32)
    return t.gradient(y, x)


def prog_int_target_from_float_zero(tf: Lib) -> Any:
    """§1.6: float source, int target with 'zero' → float32 zeros."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cast(x, tf.int32)
    return t.gradient(y, x, unconnected_gradients="zero")


def prog_cast_through_int_breaks_chain(tf: Lib) -> Any:
    """§1.6: float → int32 → float32 gives None."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cast(x, tf.int32)
        z = tf.cast(y, tf.float32) * 2.0
    return t.gradient(z, x)


def prog_cast_through_bool_breaks_chain(tf: Lib) -> Any:
    """§1.6: float → bool → float gives None."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cast(x, tf.bool)
        z = tf.cast(y, tf.float32)
    return t.gradient(z, x)


def prog_cast_through_float16_flows(tf: Lib) -> Any:
    """§1.6: float32 → float16 → float32 lets the gradient flow."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cast(x, tf.float16)
        z = tf.cast(y, tf.float32) * 2.0
    return t.gradient(z, x)


def prog_cast_float64_to_float32_flows(tf: Lib) -> Any:
    """§1.6: float64 → float32 flows; gradient float64."""
    x = tf.constant([1.0, 2.0], tf.float64)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cast(x, tf.float32) * tf.constant([3.0, 4.0])
    return t.gradient(y, x)


def prog_int_pow_gradient_none(tf: Lib) -> Any:
    """§6: x**2 on an int32 watched tensor → None."""
    return grad1(tf, lambda x: x**2, 3)


def prog_float_floordiv_gradient_none(tf: Lib) -> Any:
    """§1.5/§6: // is not differentiable → [None, None]."""
    return grads(tf, lambda x, y: x // y, [5.0], [3.0])


def prog_float_mod_gradient(tf: Lib) -> Any:
    """§6: % (floormod) is differentiable: (1, -floor(x/y))."""
    return grads(tf, lambda x, y: x % y, [5.0], [3.0])


# ==================================================================================================
# §1.7 nesting and higher order


def prog_nested_second_order_variable(tf: Lib) -> Any:
    """§1.7: nested tapes on a Variable: d(x^3)=27, d2=18."""
    x = tf.Variable(3.0)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            y = x**3
        dy = t1.gradient(y, x)
    return dy, t2.gradient(dy, x)


def prog_nested_second_order_constants(tf: Lib) -> Any:
    """§1.7: a constant watched by both tapes."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = x**3
        dy = t1.gradient(y, x)
    return dy, t2.gradient(dy, x)


def prog_nested_outer_not_watching_constant(tf: Lib) -> Any:
    """§1.7: only the inner tape watches → outer result None."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = x**3
        dy = t1.gradient(y, x)
    return dy, t2.gradient(dy, x)


def prog_nested_outer_sees_inner_ops(tf: Lib) -> Any:
    """§1.7: the outer tape records what the inner one records."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t1:
        t1.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            y = x**3
        dy = t2.gradient(y, x)
    return dy, t1.gradient(y, x)


def prog_nested_third_order(tf: Lib) -> Any:
    """§1.7: three nested tapes: x^4 at 2 → 32, 48, 48."""
    x = tf.Variable(2.0)
    with tf.GradientTape() as t3:
        with tf.GradientTape() as t2:
            with tf.GradientTape() as t1:
                y = x**4
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    return d1, d2, t3.gradient(d2, x)


def prog_nested_second_order_mixed_partials(tf: Lib) -> Any:
    """§1.7: d/dy (d/dx x^2 y^3) = 6 x y^2."""
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            z = x**2 * y**3
        dzdx = inner.gradient(z, x)
    return dzdx, outer.gradient(dzdx, [x, y])


def prog_persistent_higher_order_inside_context(tf: Lib) -> Any:
    """§1.7: one persistent tape: 27 → 18 → 6; one warning per call site inside the context (2)."""
    x = tf.constant(3.0)
    with logged_warnings(tf) as logged:
        with tf.GradientTape(persistent=True) as t:
            t.watch(x)
            y = x**3
            dy = t.gradient(y, x)
            d2y = t.gradient(dy, x)
        d3y = t.gradient(d2y, x)
    return dy, d2y, d3y, len(logged)


def prog_persistent_higher_order_outside_context(tf: Lib) -> Any:
    """§1.7: gradient outside the context is not recorded → second derivative None."""
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x**3
    dy = t.gradient(y, x)
    return dy, t.gradient(dy, x)


def prog_nested_second_order_vector(tf: Lib) -> Any:
    """§1.7: second order of sum(x^3) for a vector: 6x."""
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            y = tf.reduce_sum(x**3)
        g = t1.gradient(y, x)
        s = tf.reduce_sum(g)
    return g, t2.gradient(s, x)


def prog_nested_second_order_tanh(tf: Lib) -> Any:
    """§1.7: d2 tanh(x) = -2 tanh(x) (1 - tanh(x)^2)."""
    x = tf.constant(0.5, tf.float64)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = tf.tanh(x)
        dy = t1.gradient(y, x)
    return dy, t2.gradient(dy, x)


# ==================================================================================================
# §1.8 stop_recording / reset


def prog_stop_recording_hides_ops(tf: Lib) -> Any:
    """§1.8: y=x*x inside stop_recording; z=2x+y → 2."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        with t.stop_recording():
            y = x * x
        z = x * 2.0 + y
    return t.gradient(z, x)


def prog_stop_recording_resumes(tf: Lib) -> Any:
    """§1.8: recording resumes after the inner with-block."""
    x = tf.Variable(3.0)
    with tf.GradientTape() as t:
        with t.stop_recording():
            a = x * 10.0
        b = x * x
        y = a + b
    return t.gradient(y, x)


def prog_stop_recording_persistent_gradient_no_warning(tf: Lib) -> Any:
    """§1.8: gradient inside stop_recording on a persistent tape: no warning."""
    x = tf.constant(3.0)
    with logged_warnings(tf) as logged:
        with tf.GradientTape(persistent=True) as t:
            t.watch(x)
            y = x * x
            with t.stop_recording():
                g = t.gradient(y, x)
    return g, len(logged)


def prog_stop_recording_gradient_not_recorded(tf: Lib) -> Any:
    """§1.8: a gradient computed inside stop_recording is not recorded → second order None."""
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x**3
        with t.stop_recording():
            dy = t.gradient(y, x)
    return dy, t.gradient(dy, x)


def prog_stop_recording_variable_read_hidden(tf: Lib) -> Any:
    """§1.8: a variable read only inside stop_recording is not watched."""
    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        with t.stop_recording():
            y = v * v
    return t.gradient(y, v), t.watched_variables()


def prog_reset_discards_recording(tf: Lib) -> Any:
    """§1.8: after reset, z=5x → 5."""
    x = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = x * x
        t.reset()
        z = x * 5.0
    return t.gradient(z, x), y


def prog_reset_pre_reset_target_none(tf: Lib) -> Any:
    """§1.8: gradients of pre-reset targets are None."""
    x = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = x * x
        t.reset()
        x * 5.0
    return t.gradient(y, x)


def prog_reset_unwatches_constants(tf: Lib) -> Any:
    """§1.8: reset forgets watched constants."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        x * x
        t.reset()
        z = x * 5.0
    return t.gradient(z, x)


def prog_reset_then_rewatch_constant(tf: Lib) -> Any:
    """§1.8: re-watching after reset works."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        x * x
        t.reset()
        t.watch(x)
        z = x * 5.0
    return t.gradient(z, x)


def prog_reset_persistent_still_usable(tf: Lib) -> Any:
    """§1.8: a persistent tape after reset still computes gradients repeatedly."""
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as t:
        x * 100.0
        t.reset()
        z = x * x
    return t.gradient(z, x), t.gradient(z, x)


# ==================================================================================================
# §6 per-op gradient conventions at edge points


def prog_edge_reduce_max_ties_split(tf: Lib) -> Any:
    """§6: reduce_max ties split equally: [1,3,3] → [0,.5,.5]."""
    return grad1(tf, lambda x: tf.reduce_max(x), [1.0, 3.0, 3.0])


def prog_edge_reduce_max_all_tied(tf: Lib) -> Any:
    """§6: [3,3,3] → [1/3]*3."""
    return grad1(tf, lambda x: tf.reduce_max(x), [3.0, 3.0, 3.0])


def prog_edge_reduce_min_ties_split(tf: Lib) -> Any:
    """§6: reduce_min [1,1,3] → [.5,.5,0]."""
    return grad1(tf, lambda x: tf.reduce_min(x), [1.0, 1.0, 3.0])


def prog_edge_reduce_max_axis_ties(tf: Lib) -> Any:
    """§6: ties split per reduced slice with axis."""
    return grad1(tf, lambda x: tf.reduce_max(x, axis=1), [[1.0, 3.0, 3.0], [5.0, 0.0, 5.0]])


def prog_edge_reduce_min_axis0_keepdims(tf: Lib) -> Any:
    """§6: reduce_min over axis 0 with keepdims; ties split."""
    return grad1(tf, lambda x: tf.reduce_min(x, axis=0, keepdims=True) * 2.0, [[1.0, 4.0], [1.0, 2.0]])


def prog_edge_maximum_tie_goes_to_first(tf: Lib) -> Any:
    """§6: maximum tie → all to x."""
    return grads(tf, lambda x, y: tf.maximum(x, y), [1.0, 2.0, 3.0], [1.0, 1.0, 4.0])


def prog_edge_minimum_tie_goes_to_first(tf: Lib) -> Any:
    """§6: minimum tie → all to x."""
    return grads(tf, lambda x, y: tf.minimum(x, y), [1.0, 2.0, 3.0], [1.0, 1.0, 4.0])


def prog_edge_maximum_broadcast_tie(tf: Lib) -> Any:
    """§6: maximum with broadcast scalar y; tie to x; gy reduced."""
    return grads(tf, lambda x, y: tf.maximum(x, y), [1.0, 2.0, 3.0], 2.0)


def prog_edge_abs_at_zero(tf: Lib) -> Any:
    """§6: abs'(0) = 0, also at -0.0."""
    return grad1(tf, lambda x: tf.abs(x), [-1.0, 0.0, 2.0, -0.0])


def prog_edge_python_abs_operator(tf: Lib) -> Any:
    """§6: builtin abs() on a tensor behaves like tf.abs."""
    return grad1(tf, lambda x: abs(x) * 3.0, [-2.0, 0.0, 5.0])


def prog_edge_relu_at_zero(tf: Lib) -> Any:
    """§6: relu'(0) = 0."""
    return grad1(tf, lambda x: tf.nn.relu(x), [-1.0, 0.0, 1.0])


def prog_edge_sqrt_at_zero_inf(tf: Lib) -> Any:
    """§6: sqrt'(0) = inf."""
    return grad1(tf, lambda x: tf.sqrt(x), [0.0, 4.0])


def prog_edge_sqrt_negative_nan(tf: Lib) -> Any:
    """§6: sqrt at -1 → nan."""
    return grad1(tf, lambda x: tf.sqrt(x), [-1.0])


def prog_edge_pow_half_at_zero_inf(tf: Lib) -> Any:
    """§6: x**0.5 at 0 → inf."""
    return grad1(tf, lambda x: x**0.5, [0.0, 4.0])


def prog_edge_sqrt_zero_upstream_is_zero(tf: Lib) -> Any:
    """§6: zero upstream into sqrt gives 0 even at singular points."""
    return grad1(tf, lambda x: tf.sqrt(x), [0.0, -1.0, 4.0], out=tf.constant([0.0, 0.0, 0.0]))


def prog_edge_sqrt_unit_upstream(tf: Lib) -> Any:
    """§6: sqrt with upstream 1 at [0,-1,4] → [inf, nan, .25]."""
    return grad1(tf, lambda x: tf.sqrt(x), [0.0, -1.0, 4.0], out=tf.constant([1.0, 1.0, 1.0]))


def prog_edge_log_zero_upstream_nan(tf: Lib) -> Any:
    """§6: log with zero upstream: 0*inf → nan at 0."""
    return grad1(tf, lambda x: tf.math.log(x), [0.0, -1.0, 4.0], out=tf.constant([0.0, 0.0, 0.0]))


def prog_edge_log_at_zero_inf(tf: Lib) -> Any:
    """§6: log'(0) = inf."""
    return grad1(tf, lambda x: tf.math.log(x), [0.0, 1.0])


def prog_edge_pow_half_zero_upstream_nan(tf: Lib) -> Any:
    """§6: x**0.5 with zero upstream at [0,-1,4] → [nan, nan, 0]."""
    return grad1(tf, lambda x: x**0.5, [0.0, -1.0, 4.0], out=tf.constant([0.0, 0.0, 0.0]))


def prog_edge_reciprocal_div_zero_upstream_nan(tf: Lib) -> Any:
    """§6: 1/x (RealDiv) with zero upstream at 0 → nan."""
    return grad1(tf, lambda x: 1.0 / x, [0.0, -1.0, 4.0], out=tf.constant([0.0, 0.0, 0.0]))


def prog_edge_div_by_zero(tf: Lib) -> Any:
    """§6: x/0 → d/dx inf, d/dy -inf."""
    return grads(tf, lambda x, y: x / y, 1.0, 0.0)


def prog_edge_div_basic(tf: Lib) -> Any:
    """§6: x/y at (1,2) → 0.5, -0.25."""
    return grads(tf, lambda x, y: tf.divide(x, y), 1.0, 2.0)


def prog_edge_where_sqrt_unselected_clean(tf: Lib) -> Any:
    """§6: where(x>0, sqrt(x), 0) gives clean zeros (sqrt zero-upstream guard)."""
    return grad1(tf, lambda x: tf.where(x > 0, tf.sqrt(x), tf.zeros_like(x)), [-1.0, 0.0, 4.0])


def prog_edge_where_log_unselected_nan(tf: Lib) -> Any:
    """§6: where(x>0, log(x), x) at 0 → nan leaks."""
    return grad1(tf, lambda x: tf.where(x > 0, tf.math.log(x), x), [-1.0, 0.0, 4.0])


def prog_edge_where_reciprocal_unselected_nan(tf: Lib) -> Any:
    """§6: where(x!=0, 1/x, 0) at 0 → nan."""
    return grad1(tf, lambda x: tf.where(x != 0, 1 / x, 0.0), [0.0, 2.0])


def prog_edge_where_pow_half_unselected_nan(tf: Lib) -> Any:
    """§6: where(x>0, x**0.5, 0) at ≤0 → nan."""
    return grad1(tf, lambda x: tf.where(x > 0, x**0.5, 0.0), [-1.0, 0.0, 4.0])


def prog_edge_where_double_where_trick(tf: Lib) -> Any:
    """§6: sanitising the input with a second where gives clean zeros."""
    return grad1(tf, lambda x: tf.where(x > 0, tf.sqrt(tf.where(x > 0, x, 1.0)), 0.0), [-1.0, 0.0, 4.0])


def prog_edge_where_broadcast_branch(tf: Lib) -> Any:
    """§6: where with a broadcast scalar branch → reduced gradient."""
    return grads(tf, lambda x, y: tf.where(tf.constant([True, False]), x, y), [1.0, 2.0], 5.0)


def prog_edge_pow_at_zero_base(tf: Lib) -> Any:
    """§6: pow(x,y) at x=0,y=2 → d/dx 0, d/dy 0."""
    return grads(tf, lambda x, y: tf.pow(x, y), [0.0, 2.0], [2.0, 3.0])


def prog_edge_pow_negative_base(tf: Lib) -> Any:
    """§6: pow at x<0: d/dx -4, d/dy 0 (log guarded)."""
    return grads(tf, lambda x, y: tf.pow(x, y), [-2.0], [2.0])


def prog_edge_pow_zero_zero(tf: Lib) -> Any:
    """§6: 0**0 → d/dx nan, d/dy 0."""
    return grads(tf, lambda x, y: tf.pow(x, y), 0.0, 0.0)


def prog_edge_square_at_zero(tf: Lib) -> Any:
    """§6: x**2 at 0 → 0."""
    return grad1(tf, lambda x: x**2, 0.0)


def prog_edge_cube_negative(tf: Lib) -> Any:
    """§6: x³ at -2 → 12."""
    return grad1(tf, lambda x: x**3, -2.0)


def prog_edge_tf_square(tf: Lib) -> Any:
    """§6: tf.square at 3 → 6."""
    return grad1(tf, lambda x: tf.square(x), 3.0)


def prog_edge_pow_tensor_exponent_operator(tf: Lib) -> Any:
    """§6: x ** y operator with both tensors."""
    return grads(tf, lambda x, y: x**y, [2.0, 3.0], [3.0, 0.5])


def prog_edge_rpow_python_base(tf: Lib) -> Any:
    """§6: 2.0 ** x (reflected pow) → 2^x ln 2."""
    return grad1(tf, lambda x: 2.0**x, [0.0, 1.0, 3.0])


def prog_edge_exp_overflow(tf: Lib) -> Any:
    """§6: exp(100) in float32 → inf gradient."""
    return grad1(tf, lambda x: tf.exp(x), 100.0)


def prog_edge_nan_times_zero(tf: Lib) -> Any:
    """§6: d(nan*0)/dnan = 0."""
    return grad1(tf, lambda x: x * 0.0, float("nan"))


def prog_edge_zero_times_inf(tf: Lib) -> Any:
    """§6: 0*inf → d/da inf, d/db 0."""
    return grads(tf, lambda a, b: a * b, 0.0, float("inf"))


def prog_edge_sigmoid_tanh_at_zero(tf: Lib) -> Any:
    """§6: sigmoid'(0)=.25, tanh'(0)=1."""
    return grad1(tf, lambda x: tf.sigmoid(x), [0.0]), grad1(tf, lambda x: tf.tanh(x), [0.0])


def prog_edge_sin_cos(tf: Lib) -> Any:
    """§6: sin' = cos, cos' = -sin."""
    return grads(tf, lambda x, y: tf.sin(x) + tf.cos(y), [0.0, 1.0], [0.0, 1.0])


def prog_edge_exp_log_chain(tf: Lib) -> Any:
    """§6: d log(exp(x)) = 1 (float64)."""
    return grad1(tf, lambda x: tf.math.log(tf.exp(x)), tf.constant([0.5, 2.0], tf.float64))


def prog_edge_reduce_mean(tf: Lib) -> Any:
    """§6: reduce_mean → 1/N each."""
    return grad1(tf, lambda x: tf.reduce_mean(x), [[1.0, 2.0], [3.0, 4.0]])


def prog_edge_reduce_mean_axis(tf: Lib) -> Any:
    """§6: reduce_mean along axis 1 → 1/3 each."""
    return grad1(tf, lambda x: tf.reduce_mean(x, axis=1), [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


def prog_edge_reduce_sum_axis_keepdims(tf: Lib) -> Any:
    """§6: reduce_sum(axis=0, keepdims=True) * w → gradient broadcast back."""
    return grad1(
        tf, lambda x: tf.reduce_sum(x, axis=0, keepdims=True) * tf.constant([[1.0, 2.0]]), [[1.0, 2.0], [3.0, 4.0]]
    )


def prog_edge_softmax_sum_zero(tf: Lib) -> Any:
    """§6: sum(softmax(x)) has gradient 0."""
    return grad1(tf, lambda x: tf.reduce_sum(tf.nn.softmax(x)), [1.0, 2.0])


def prog_edge_softmax_weighted(tf: Lib) -> Any:
    """§6: gradient of softmax(x)·w."""
    return grad1(tf, lambda x: tf.reduce_sum(tf.nn.softmax(x) * tf.constant([1.0, 0.0, 0.0])), [1.0, 2.0, 3.0])


def prog_edge_softmax_matrix_last_axis(tf: Lib) -> Any:
    """§6: softmax on a matrix normalises the last axis."""
    w = tf.constant([[1.0, 2.0], [3.0, 4.0]], tf.float64)
    return grad1(tf, lambda x: tf.nn.softmax(x) * w, tf.constant([[0.0, 1.0], [2.0, 0.5]], tf.float64))


def prog_edge_matmul(tf: Lib) -> Any:
    """§6: matmul gradients [[3,4]], [[1],[2]]."""
    return grads(tf, lambda a, b: a @ b, [[1.0, 2.0]], [[3.0], [4.0]])


def prog_edge_tf_matmul_square(tf: Lib) -> Any:
    """§6: tf.matmul of 2x2 matrices."""
    return grads(tf, lambda a, b: tf.matmul(a, b), [[1.0, 2.0], [3.0, 4.0]], [[0.5, -1.0], [2.0, 1.0]])


def prog_edge_concat(tf: Lib) -> Any:
    """§6: concat splits the gradient back."""
    return grads(tf, lambda a, b: tf.concat([a, b], 0) * tf.constant([1.0, 2.0, 3.0]), [1.0], [1.0, 1.0])


def prog_edge_concat_axis1(tf: Lib) -> Any:
    """§6: concat along axis 1."""
    return grads(tf, lambda a, b: tf.concat([a, b], axis=1) * tf.constant([[1.0, 2.0, 3.0]]), [[1.0]], [[1.0, 1.0]])


def prog_edge_stack(tf: Lib) -> Any:
    """§6: stack then weight."""
    return grads(
        tf, lambda a, b: tf.stack([a, b], axis=1) * tf.constant([[1.0, 2.0], [3.0, 4.0]]), [1.0, 1.0], [1.0, 1.0]
    )


def prog_edge_reshape_transpose(tf: Lib) -> Any:
    """§6: transpose(reshape(x)) * w → [1,3,2,4]."""
    return grad1(
        tf, lambda x: tf.transpose(tf.reshape(x, [2, 2])) * tf.constant([[1.0, 2.0], [3.0, 4.0]]), [1.0, 1.0, 1.0, 1.0]
    )


def prog_edge_transpose_perm(tf: Lib) -> Any:
    """§6: transpose with perm on rank 3."""
    w = np.arange(24, dtype=np.float32).reshape(4, 2, 3)
    return grad1(tf, lambda x: tf.transpose(x, perm=[2, 0, 1]) * tf.constant(w), tf.ones([2, 3, 4]))


def prog_edge_add_n(tf: Lib) -> Any:
    """§6: add_n distributes the upstream to all inputs."""
    return grads(tf, lambda a, b: tf.add_n([a, b, a]), [1.0, 2.0], [3.0, 4.0])


def prog_edge_identity_and_stop_gradient(tf: Lib) -> Any:
    """§4.2/§6: x*stop_gradient(x*x) at 2 → 4; identity → 1."""
    return grad1(tf, lambda x: x * tf.stop_gradient(x * x) + tf.identity(x), 2.0)


def prog_edge_stop_gradient_all_none(tf: Lib) -> Any:
    """§4.2: everything blocked → None; with 'zero' → 0."""
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = tf.stop_gradient(x) * 3.0
    return t.gradient(y, x), t.gradient(y, x, unconnected_gradients="zero")


def prog_edge_add_sub_mul_negative(tf: Lib) -> Any:
    """§6: tf.add/subtract/multiply/negative gradients."""
    return grads(tf, lambda a, b: tf.negative(tf.subtract(tf.add(a, b), tf.multiply(a, b))), 2.0, 3.0)


def prog_edge_same_tensor_three_times(tf: Lib) -> Any:
    """§6: a + a + a → 3."""
    return grad1(tf, lambda a: a + a + a, 1.0)


def prog_edge_unary_neg_operator(tf: Lib) -> Any:
    """§6: -x operator."""
    return grad1(tf, lambda x: -x * x, [1.0, -2.0])


def prog_edge_zeros_ones_like_no_gradient(tf: Lib) -> Any:
    """§6: zeros_like/ones_like(x) do not depend on x's value → None."""
    return grad1(tf, lambda x: tf.zeros_like(x) + tf.ones_like(x), [1.0, 2.0])


# §6 slicing (gradients flow through strided slices as dense tensors)


def prog_slice_basic_gradient(tf: Lib) -> Any:
    """§6: a[1:]*2 → [0,2,2]."""
    return grad1(tf, lambda a: a[1:] * 2.0, [1.0, 1.0, 1.0])


def prog_slice_step_gradient(tf: Lib) -> Any:
    """§6: a[::2] scatters the gradient back with zeros."""
    return grad1(tf, lambda a: a[::2] * tf.constant([1.0, 2.0, 3.0]), [1.0, 1.0, 1.0, 1.0, 1.0])


def prog_slice_negative_step_gradient(tf: Lib) -> Any:
    """§6: a[::-1] reverses the gradient."""
    return grad1(tf, lambda a: a[::-1] * tf.constant([1.0, 2.0, 3.0]), [1.0, 1.0, 1.0])


def prog_slice_negative_index_gradient(tf: Lib) -> Any:
    """§6: a[-1] picks the last element."""
    return grad1(tf, lambda a: a[-1] * 5.0, [1.0, 2.0, 3.0])


def prog_slice_2d_ellipsis_newaxis_gradient(tf: Lib) -> Any:
    """§6: a[..., 1][tf.newaxis] on a matrix."""
    return grad1(tf, lambda a: a[..., 1][tf.newaxis] * 3.0, [[1.0, 2.0], [3.0, 4.0]])


def prog_slice_variable_row_dense(tf: Lib) -> Any:
    """§5: v[0] on a Variable gives a dense gradient."""
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape() as t:
        y = v[0] * 1.0
    g = t.gradient(y, v)
    return g, isinstance(g, tf.Tensor)


def prog_slice_mixed_step_2d_gradient(tf: Lib) -> Any:
    """§6: a[1:, ::-2] on a 3x4 matrix."""
    w = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    return grad1(tf, lambda a: a[1:, ::-2] * w, tf.ones([3, 4]))


# ==================================================================================================
# §7 complex numbers


def prog_complex_square_conjugate(tf: Lib) -> Any:
    """§7: z*z at 1+2j → conj(2z) = 2-4j."""
    z = tf.constant(1 + 2j, tf.complex64)
    with tf.GradientTape() as t:
        t.watch(z)
        y = z * z
    return y, t.gradient(y, z)


def prog_complex_square_upstream_1j(tf: Lib) -> Any:
    """§7: z*z with upstream 1j → 4+2j."""
    z = tf.constant(1 + 2j, tf.complex64)
    with tf.GradientTape() as t:
        t.watch(z)
        y = z * z
    return t.gradient(y, z, output_gradients=tf.constant(1j, tf.complex64))


def prog_complex_exp(tf: Lib) -> Any:
    """§7: exp(z) → conj(exp(z))."""
    z = tf.constant(1 + 2j, tf.complex64)
    with tf.GradientTape() as t:
        t.watch(z)
        y = tf.exp(z)
    return y, t.gradient(y, z)


def prog_complex_times_constant(tf: Lib) -> Any:
    """§7: c*z with c=3-1j → 3+1j."""
    z = tf.constant(1 + 2j, tf.complex64)
    with tf.GradientTape() as t:
        t.watch(z)
        y = tf.constant(3 - 1j, tf.complex64) * z
    return y, t.gradient(y, z)


def prog_complex_abs(tf: Lib) -> Any:
    """§7: abs(z) → z/|z| (real float32 output)."""
    z = tf.constant(1 + 2j, tf.complex64)
    with tf.GradientTape() as t:
        t.watch(z)
        y = tf.abs(z)
    return y, t.gradient(y, z)


def prog_complex_python_literal_complex128(tf: Lib) -> Any:
    """§7/§8: a Python complex literal is complex128; gradient keeps it."""
    z = tf.constant(1 + 2j)
    with tf.GradientTape() as t:
        t.watch(z)
        y = z * z
    return y, t.gradient(y, z)


def prog_complex_square_op(tf: Lib) -> Any:
    """§7: tf.square(z) same convention as z*z."""
    z = tf.constant([1 + 2j, -1j], tf.complex128)
    with tf.GradientTape() as t:
        t.watch(z)
        y = tf.square(z)
    return t.gradient(y, z)


def prog_complex_variable_square(tf: Lib) -> Any:
    """§7: complex Variables are auto-watched and differentiated."""
    v = tf.Variable(1 + 2j)
    with tf.GradientTape() as t:
        y = v * v
    return v.dtype.name, t.gradient(y, v), t.watched_variables()


def prog_complex_reduce_sum_mul(tf: Lib) -> Any:
    """§7: reduce_sum(c*z) for a complex vector."""
    z = tf.constant([1 + 1j, 2 - 1j], tf.complex64)
    c = tf.constant([2 + 0j, 1j], tf.complex64)
    with tf.GradientTape() as t:
        t.watch(z)
        y = tf.reduce_sum(c * z)
    return t.gradient(y, z)


def prog_complex_cast_to_real(tf: Lib) -> Any:
    """§7: cast complex→real gives gradient (1+0j) and logs a warning."""
    z = tf.constant(1 + 2j, tf.complex64)
    with logged_warnings(tf) as logged:
        with tf.GradientTape() as t:
            t.watch(z)
            y = tf.cast(z, tf.float32)
        g = t.gradient(y, z)
    return y, g, len(logged) > 0


def prog_complex_cast_from_real(tf: Lib) -> Any:
    """§7: cast real→complex then *1j: d/dx is the real part of the upstream → 0.0 float32."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cast(x, tf.complex64) * tf.constant(1j, tf.complex64)
    return y, t.gradient(y, x)


def prog_complex_cast_from_real_times_real(tf: Lib) -> Any:
    """§7: cast real→complex then *(2+1j): d/dx = Re(conj(2+1j)) = 2."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cast(x, tf.complex64) * tf.constant(2 + 1j, tf.complex64)
    return t.gradient(y, x)


def prog_complex_unconnected_zero_dtype(tf: Lib) -> Any:
    """§7/§1.5: ZERO for an unconnected complex source is complex zeros."""
    x = tf.constant(1.0)
    z = tf.constant([1 + 1j, 2j], tf.complex64)
    with tf.GradientTape() as t:
        t.watch(x)
        t.watch(z)
        y = x * 2.0
    return t.gradient(y, z, unconnected_gradients="zero")


# ==================================================================================================
# §8 dtypes


def prog_dtype_defaults(tf: Lib) -> Any:
    """§8: default dtypes of constants, variables and conversions."""
    return [
        tf.constant(3.0).dtype,
        tf.constant(3).dtype,
        tf.constant(np.float64(3.0)).dtype,
        tf.constant(np.array([1.0])).dtype,
        tf.constant([1, 2.5]).dtype,
        tf.Variable(3.0).dtype,
        tf.Variable(np.array(3.0)).dtype,
        tf.Variable(3).dtype,
        tf.constant(2**40).dtype,
        tf.constant(True).dtype,
        tf.convert_to_tensor(3.0).dtype,
        tf.constant(np.float32(1)).dtype,
        tf.constant(np.int64(3)).dtype,
        tf.constant(1 + 2j).dtype,
    ]


def prog_dtype_int_overflow_int64(tf: Lib) -> Any:
    """§8: 2**31 → int64; 2**31-1 → int32."""
    return tf.constant(2**31), tf.constant(2**31 - 1)


def prog_dtype_explicit_constant(tf: Lib) -> Any:
    """§8: tf.constant(value, dtype) for each supported dtype."""
    return [
        tf.constant(1, dtype=d)
        for d in (tf.float16, tf.float32, tf.float64, tf.int32, tf.int64, tf.complex64, tf.complex128)
    ]


def prog_dtype_bool_constant(tf: Lib) -> Any:
    """§8: Python bools → bool tensors."""
    return tf.constant(True), tf.constant([True, False])


def prog_dtype_variable_dtype_argument(tf: Lib) -> Any:
    """§8: tf.Variable(3, dtype=tf.float32) converts; float64 variables keep float64."""
    return tf.Variable(3, dtype=tf.float32), tf.Variable(1.0, dtype=tf.float64)


def prog_dtype_convert_to_tensor(tf: Lib) -> Any:
    """§8: convert_to_tensor of lists, nested lists, ndarrays, tensors and variables."""
    v = tf.Variable([1.0, 2.0])
    t = tf.constant([1, 2])
    return (
        tf.convert_to_tensor([[1, 2], [3, 4]]),
        tf.convert_to_tensor(np.array([1.5], np.float32)),
        tf.convert_to_tensor(v),
        tf.convert_to_tensor(t) is t,
        tf.convert_to_tensor(2, dtype=tf.float64),
    )


def prog_dtype_convert_float_to_int_raises(tf: Lib) -> Any:
    """§8: convert_to_tensor(1.5, dtype=int32) raises TypeError."""
    return tf.convert_to_tensor(1.5, dtype=tf.int32)


def prog_dtype_constant_float_to_int_raises(tf: Lib) -> Any:
    """§8: tf.constant(1.5, dtype=int32) raises TypeError."""
    return tf.constant(1.5, dtype=tf.int32)


def prog_dtype_ragged_list_raises(tf: Lib) -> Any:
    """§8: a ragged nested list raises ValueError."""
    return tf.constant([[1, 2], [3]])


def prog_dtype_gradient_float16_preserved(tf: Lib) -> Any:
    """§8: float16 source → float16 gradient."""
    return grad1(tf, lambda x: x * x, tf.constant(3.0, tf.float16))


def prog_dtype_gradient_float64_preserved(tf: Lib) -> Any:
    """§8: float64 source → float64 gradient."""
    return grad1(tf, lambda x: x * x, tf.constant(3.0, tf.float64))


def prog_dtype_float64_variable_gradient(tf: Lib) -> Any:
    """§8: tf.Variable(np.array(3.0)) is float64; gradient float64."""
    v = tf.Variable(np.array(3.0))
    with tf.GradientTape() as t:
        y = v * v
    return t.gradient(y, v)


def prog_dtype_mixed_add_raises(tf: Lib) -> Any:
    """§8: float32 + float64 raises InvalidArgumentError."""
    return tf.constant(1.0) + tf.constant(1.0, tf.float64)


def prog_dtype_mixed_int_float_raises(tf: Lib) -> Any:
    """§8: float32 + int32 tensors raise InvalidArgumentError."""
    return tf.constant(3.0) + tf.constant(1)


def prog_dtype_mixed_int32_int64_raises(tf: Lib) -> Any:
    """§8: int64 + int32 tensors raise InvalidArgumentError."""
    return tf.constant(1, tf.int64) + tf.constant(1)


def prog_dtype_int_tensor_times_python_float_raises(tf: Lib) -> Any:
    """§8: int32 tensor * 2.5 raises TypeError (no implicit promotion)."""
    return tf.constant([1, 2]) * 2.5


def prog_dtype_float_tensor_times_python_int(tf: Lib) -> Any:
    """§8: float32 tensor * 2 stays float32."""
    return tf.constant([1.0, 2.0]) * 2, 3 * tf.constant(1.5, tf.float64), tf.constant(2, tf.int64) * 3


def prog_dtype_python_scalars_op(tf: Lib) -> Any:
    """§8: tf.add(1, 2) → int32; tf.add(1., 2.) → float32."""
    return tf.add(1, 2), tf.add(1.0, 2.0)


def prog_dtype_int_truediv_float64(tf: Lib) -> Any:
    """§8: int32 / int32 → float64 (true division)."""
    return tf.constant([1, 2]) / tf.constant([2, 2]), tf.divide(tf.constant(3), tf.constant(2))


def prog_dtype_int64_truediv_python_int(tf: Lib) -> Any:
    """§8: int64 / 2 → float64."""
    return tf.constant([1, 2], tf.int64) / 2


def prog_dtype_int_floordiv_mod(tf: Lib) -> Any:
    """§8: // and % on ints follow floor semantics."""
    x = tf.constant([-7, 7])
    return x // 2, x % 2, x // -2, x % -2


def prog_dtype_float_floordiv_mod(tf: Lib) -> Any:
    """§8: // and % on floats follow floor semantics."""
    x = tf.constant([-7.5, 7.5])
    return x // 2.0, x % 2.0


def prog_dtype_int_pow(tf: Lib) -> Any:
    """§8: int ** int stays int32."""
    return tf.constant([1, 2, 3]) ** 2, tf.pow(tf.constant(2), tf.constant(10))


def prog_dtype_reduce_mean_int_truncates(tf: Lib) -> Any:
    """§8: reduce_mean of int32 [1,2] → 1 (int32)."""
    return tf.reduce_mean(tf.constant([1, 2])), tf.reduce_mean(tf.constant([[1, 2], [4, 7]]), axis=1)


def prog_dtype_cast_float_to_int_truncates(tf: Lib) -> Any:
    """§8: cast to int truncates toward zero."""
    return tf.cast(tf.constant([-1.7, 1.7, 2.5]), tf.int32)


def prog_dtype_cast_to_bool_and_back(tf: Lib) -> Any:
    """§8: cast float→bool (nonzero True) and bool→float."""
    b = tf.cast(tf.constant([0.0, 2.0, -1.0]), tf.bool)
    return b, tf.cast(b, tf.float32)


def prog_dtype_comparisons_bool(tf: Lib) -> Any:
    """§8: comparisons give bool tensors; == is elementwise."""
    x = tf.constant([1, 2, 3])
    y = tf.constant([3, 2, 1])
    return x < y, x <= y, x > y, x >= y, x == y, x != y


def prog_dtype_compare_python_scalar(tf: Lib) -> Any:
    """§8: comparing with a Python scalar broadcasts."""
    x = tf.constant([1.0, 2.0, 3.0])
    return x > 2, x == 2.0, 2.0 < x


def prog_dtype_zeros_ones_defaults(tf: Lib) -> Any:
    """§8: zeros/ones default float32; dtype argument; *_like keeps dtype."""
    i = tf.constant([[1, 2]])
    return (
        tf.zeros([2, 3]),
        tf.ones([2], tf.int32),
        tf.zeros([], tf.float64),
        tf.zeros_like(i),
        tf.ones_like(i),
        tf.ones_like(tf.constant([1.0], tf.float16)),
    )


def prog_dtype_zeros_like_variable(tf: Lib) -> Any:
    """§8: zeros_like(Variable) returns a Tensor of its dtype."""
    v = tf.Variable([1.0, 2.0], dtype=tf.float64)
    z = tf.zeros_like(v)
    return z, isinstance(z, tf.Tensor)


def prog_dtype_int_sqrt_raises(tf: Lib) -> Any:
    """§8: tf.sqrt of an int32 tensor raises InvalidArgumentError."""
    return tf.sqrt(tf.constant(4))


def prog_dtype_int_negative_power_raises(tf: Lib) -> Any:
    """§8: int ** negative int raises InvalidArgumentError."""
    return tf.constant(2) ** -1


def prog_dtype_int_divide_by_zero_raises(tf: Lib) -> Any:
    """§8: integer // 0 raises InvalidArgumentError."""
    return tf.constant(1) // tf.constant(0)


def prog_dtype_int_truediv_by_zero_inf(tf: Lib) -> Any:
    """§8: int / 0 → float64 inf."""
    return tf.constant(3) / 0


def prog_dtype_where_python_scalar_branch(tf: Lib) -> Any:
    """§8: where(cond, tensor, 0) converts the scalar to the tensor's dtype."""
    return tf.where(tf.constant([True, False]), tf.constant([1.0, 2.0]), 0)


def prog_dtype_maximum_python_scalar(tf: Lib) -> Any:
    """§8: maximum(float tensor, 1) → float32."""
    return tf.maximum(tf.constant([0.5, 2.0]), 1), tf.minimum(tf.constant([1, 5]), 3)


def prog_dtype_abs_sign_int(tf: Lib) -> Any:
    """§8: abs/sign/negative on int32 stay int32."""
    x = tf.constant([-3, 0, 2])
    return tf.abs(x), tf.sign(x), -x, abs(x)


# ==================================================================================================
# ops: forward values and error types for the covered API


def prog_op_values_elementwise(tf: Lib) -> Any:
    """Forward values of elementwise math ops in float64."""
    x = tf.constant([0.25, 1.0, 2.5], tf.float64)
    return (
        tf.sqrt(x),
        tf.exp(x),
        tf.math.log(x),
        tf.sin(x),
        tf.cos(x),
        tf.tanh(x),
        tf.sigmoid(x),
        tf.square(x),
        tf.pow(x, 1.5),
        tf.negative(x),
    )


def prog_op_values_nn(tf: Lib) -> Any:
    """Forward values of relu and softmax."""
    x = tf.constant([[-1.0, 0.0, 2.0], [1000.0, 0.0, -1000.0]])
    return tf.nn.relu(x), tf.nn.softmax(x)


def prog_op_values_reductions(tf: Lib) -> Any:
    """Reductions: all, axis, negative axis, keepdims, list axis."""
    x = tf.constant([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    return (
        tf.reduce_sum(x),
        tf.reduce_sum(x, axis=0),
        tf.reduce_max(x, axis=-1),
        tf.reduce_min(x, axis=1, keepdims=True),
        tf.reduce_mean(x, axis=[0, 1]),
    )


def prog_op_reduce_empty(tf: Lib) -> Any:
    """Reductions over an empty tensor: sum 0, max -inf, mean nan."""
    e = tf.zeros([0])
    return tf.reduce_sum(e), tf.reduce_max(e), tf.reduce_mean(e)


def prog_op_shape_ops(tf: Lib) -> Any:
    """reshape with -1, transpose default, concat, stack, add_n."""
    x = tf.constant([[1, 2, 3], [4, 5, 6]])
    return (
        tf.reshape(x, [3, -1]),
        tf.transpose(x),
        tf.concat([x, x], axis=0),
        tf.stack([x, x]),
        tf.stack([x[0], x[1]], axis=1),
        tf.add_n([x, x, x]),
    )


def prog_op_where_select(tf: Lib) -> Any:
    """tf.where(cond, a, b) with broadcasting."""
    c = tf.constant([[True, False], [False, True]])
    return tf.where(c, tf.constant([[1.0, 2.0], [3.0, 4.0]]), tf.constant(-1.0))


def prog_op_where_mixed_python_scalars_raises(tf: Lib) -> Any:
    """tf.where(cond, 1, 2.) raises TypeError (int and float branch)."""
    return tf.where(tf.constant([True, False]), 1, 2.0)


def prog_op_multiply_python_int_float_raises(tf: Lib) -> Any:
    """tf.multiply(2, 3.) raises TypeError."""
    return tf.multiply(2, 3.0)


def prog_op_reshape_bad_size_raises(tf: Lib) -> Any:
    """reshape to an incompatible size raises InvalidArgumentError."""
    return tf.reshape(tf.zeros([6]), [4, -1])


def prog_op_matmul_bad_shapes_raises(tf: Lib) -> Any:
    """matmul with mismatched inner dims raises InvalidArgumentError."""
    return tf.matmul(tf.zeros([2, 3]), tf.zeros([2, 3]))


def prog_op_add_incompatible_shapes_raises(tf: Lib) -> Any:
    """adding [2] and [3] raises InvalidArgumentError."""
    return tf.zeros([2]) + tf.zeros([3])


def prog_op_concat_mismatch_raises(tf: Lib) -> Any:
    """concat with mismatched non-axis dims raises InvalidArgumentError."""
    return tf.concat([tf.zeros([2, 3]), tf.zeros([2, 2])], 0)


def prog_op_index_out_of_range_raises(tf: Lib) -> Any:
    """x[5] on a length-2 tensor raises InvalidArgumentError."""
    return tf.constant([1.0, 2.0])[5]


def prog_op_matmul_operator_values(tf: Lib) -> Any:
    """@ operator on 2-D and batched 3-D tensors."""
    a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    b = tf.reshape(tf.constant(np.arange(8, dtype=np.float32)), [2, 2, 2])
    return a @ a, b @ a, tf.matmul(a, tf.constant([[1.0], [0.0]]))


def prog_op_float_python_conversion(tf: Lib) -> Any:
    """float()/int() of scalar tensors and variables."""
    return float(tf.constant(2.5)), int(tf.constant(7)), float(tf.Variable(1.5))


def prog_op_numpy_method(tf: Lib) -> Any:
    """tensor.numpy() returns a NumPy scalar or ndarray."""
    return tf.constant(3.0).numpy(), tf.constant([3.0]).numpy(), tf.Variable([1, 2]).numpy()


# indexing values


def prog_index_basic_values(tf: Lib) -> Any:
    """Integer, negative and slice indexing values and shapes."""
    x = tf.constant([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
    return x[0], x[-1], x[1, 2], x[:, 1], x[1:, :2], x[-2:, -1]


def prog_index_steps_values(tf: Lib) -> Any:
    """Slices with positive and negative steps."""
    x = tf.constant([0, 1, 2, 3, 4, 5, 6])
    return x[::2], x[::-1], x[5:1:-2], x[1::3], x[-1:-4:-1], x[10:], x[:100]


def prog_index_ellipsis_newaxis_values(tf: Lib) -> Any:
    """Ellipsis and newaxis (tf.newaxis and None)."""
    x = tf.reshape(tf.constant(np.arange(24, dtype=np.int32)), [2, 3, 4])
    return x[..., 0], x[0, ...], x[tf.newaxis], x[:, None, 1], x[..., tf.newaxis].shape.as_list(), x[1, ..., 2]


def prog_index_variable_values(tf: Lib) -> Any:
    """Indexing a Variable returns a Tensor."""
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    r = v[1, ::-1]
    return r, isinstance(r, tf.Tensor)


# ==================================================================================================
# Variable API


def prog_variable_attributes(tf: Lib) -> Any:
    """Variable name/dtype/shape/trainable."""
    v = tf.Variable([[1.0, 2.0]], name="w")
    u = tf.Variable(3, trainable=False)
    return v.name, v.dtype, v.shape, v.trainable, u.name, u.dtype, u.trainable


def prog_variable_default_name_not_unique(tf: Lib) -> Any:
    """§9: unnamed variables are all 'Variable:0'; a scoped name gets ':0'."""
    return tf.Variable(1.0).name, tf.Variable(2.0).name, tf.Variable(1.0, name="scope/x").name


def prog_variable_assign_methods(tf: Lib) -> Any:
    """assign/assign_add/assign_sub update the value; read_value/value return Tensors."""
    v = tf.Variable([1.0, 2.0])
    v.assign([3.0, 4.0])
    a = v.read_value()
    v.assign_add([1.0, 1.0])
    b = v.value()
    v.assign_sub([0.5, 0.5])
    return a, b, v.read_value(), isinstance(a, tf.Tensor), isinstance(b, tf.Tensor)


def prog_variable_assign_shape_mismatch_raises(tf: Lib) -> Any:
    """assigning a [3] value to a [2] variable raises ValueError."""
    v = tf.Variable([1.0, 2.0])
    return v.assign([1.0, 2.0, 3.0])


def prog_variable_assign_dtype_mismatch_raises(tf: Lib) -> Any:
    """assigning an int32 tensor to a float32 variable raises ValueError."""
    v = tf.Variable([1.0, 2.0])
    return v.assign(tf.constant([1, 2]))


def prog_variable_assign_python_ints_converted(tf: Lib) -> Any:
    """assigning a Python int list to a float variable converts it."""
    v = tf.Variable([1.0, 2.0])
    v.assign([5, 6])
    return v.read_value()


def prog_variable_arithmetic_returns_tensor(tf: Lib) -> Any:
    """Variable arithmetic returns Tensors, not Variables."""
    v = tf.Variable([1.0, 2.0])
    outs = [v + 1.0, 2.0 * v, v - v, v / 2.0, -v, v**2, abs(v)]
    return outs, [isinstance(o, tf.Tensor) and not isinstance(o, tf.Variable) for o in outs]


def prog_variable_int_gradient_none(tf: Lib) -> Any:
    """§1.6: an int32 Variable's gradient is None."""
    x = tf.Variable(3)
    with tf.GradientTape() as t:
        y = x * x
    return t.gradient(y, x)


def prog_variable_assign_sub_in_training_loop(tf: Lib) -> Any:
    """A minimal gradient-descent loop with assign_sub."""
    w = tf.Variable([1.0, -2.0])
    target = tf.constant([0.5, 0.5])
    losses = []
    for _ in range(3):
        with tf.GradientTape() as t:
            loss = tf.reduce_sum(tf.square(w - target))
        g = t.gradient(loss, w)
        w.assign_sub(0.1 * g)
        losses.append(loss)
    return losses, w.read_value()


# ==================================================================================================
# §9 repr / str


def _repr_str(values: list[Any]) -> list[tuple[str, str]]:
    return [(repr(v), str(v)) for v in values]


def prog_repr_tensor_float32_scalars(tf: Lib) -> Any:
    """§9: float32 scalars repr via .item() (double expansion); str via NumPy.

    -0.0 is made by reshaping a vector: TF caches converted Python scalars keyed by value
    (0.0 == -0.0), so ``tf.constant(-0.0)`` can return a cached +0.0 depending on process history.
    """
    return _repr_str(
        [
            tf.constant(6.0),
            tf.constant(0.1),
            tf.constant(1 / 3),
            tf.constant(1e-8),
            tf.constant(123456789.0),
            tf.reshape(tf.constant([-0.0]), []),
            tf.constant(0.5),
        ]
    )


def prog_repr_tensor_special_floats(tf: Lib) -> Any:
    """§9: nan/inf/-inf scalars."""
    return _repr_str([tf.constant(float("nan")), tf.constant(float("inf")), tf.constant(float("-inf"))])


def prog_repr_tensor_other_scalars(tf: Lib) -> Any:
    """§9: int32/int64/bool/float64/float16/complex scalars."""
    return _repr_str(
        [
            tf.constant(3),
            tf.constant(3, tf.int64),
            tf.constant(True),
            tf.constant(1.0, tf.float64),
            tf.constant(0.1, tf.float64),
            tf.constant(1.5, tf.float16),
            tf.constant(0.1, tf.float16),
            tf.constant(1 + 2j),
            tf.constant(1 + 2j, tf.complex64),
        ]
    )


def prog_repr_tensor_vectors(tf: Lib) -> Any:
    """§9: vectors use NumPy repr/str."""
    return _repr_str(
        [
            tf.constant([1.0, 2.0, 3.0]),
            tf.constant([1, 2]),
            tf.constant([1 + 2j]),
            tf.constant([1e-8, 1.0]),
            tf.constant([True, False]),
            tf.constant([1.5], tf.float64),
        ]
    )


def prog_repr_tensor_matrix_newline(tf: Lib) -> Any:
    """§9: multi-line array text gets a newline after 'numpy=' / before the text."""
    return _repr_str([tf.constant([[1.0, 2.0], [3.0, 4.0]]), tf.ones([2, 2, 2], tf.int64)])


def prog_repr_tensor_empty(tf: Lib) -> Any:
    """§9: empty tensors."""
    return _repr_str([tf.zeros([0]), tf.zeros([2, 0]), tf.constant([], tf.int32)])


def prog_repr_tensor_long_wrapped(tf: Lib) -> Any:
    """§9: a 20-element int vector wraps onto two lines in repr."""
    return _repr_str([tf.constant(list(range(20)))])


def prog_repr_tensor_summarised(tf: Lib) -> Any:
    """§9: large arrays are summarised with '...' (NumPy-version dependent)."""
    return _repr_str([tf.constant(np.arange(2000, dtype=np.float32))])


def prog_repr_variables(tf: Lib) -> Any:
    """§9: Variable repr and str are identical; no comma between shape and dtype."""
    return _repr_str(
        [
            tf.Variable(3.0),
            tf.Variable([1.0, 2.0], name="w"),
            tf.Variable(1, name="i"),
            tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="m"),
            tf.Variable(0.1, trainable=False, name="nt"),
            tf.Variable(1.0, dtype=tf.float64),
            tf.Variable(1.0, name="scope/x"),
        ]
    )


def prog_repr_gradient_list_with_none(tf: Lib) -> Any:
    """§9: a printed list shows tensors by repr and None as None."""
    x = tf.constant(1.0)
    u = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * 1.0
    return repr(t.gradient(y, [x, u])), str(t.watched_variables())


def prog_repr_numpy_values(tf: Lib) -> Any:
    """§9: tensor.numpy() reprs."""
    return repr(tf.constant(3.0).numpy()), repr(tf.constant([3.0]).numpy()), type(tf.constant(3.0).numpy())


def prog_repr_tensorshape(tf: Lib) -> Any:
    """§9: TensorShape repr 'TensorShape([1, 2])', str '(1, 2)', as_list, len, indexing, equality."""
    s0 = tf.constant(3.0).shape
    s2 = tf.constant([[1.0, 2.0]]).shape
    return (
        repr(s0),
        str(s0),
        repr(s2),
        str(s2),
        s2.as_list(),
        s0.as_list(),
        len(s2),
        s2[1],
        s2.rank,
        s2 == [1, 2],
        tf.zeros([2, 0, 3]).shape.as_list(),
        str(tf.zeros([4]).shape),
    )


def prog_repr_dtypes(tf: Lib) -> Any:
    """§9: dtype repr 'tf.float32', str "<dtype: 'float32'>", name."""
    ds = [tf.float16, tf.float32, tf.float64, tf.int32, tf.int64, tf.bool, tf.complex64, tf.complex128]
    return [(repr(d), str(d), d.name) for d in ds], tf.constant(1.0).dtype == tf.float32


def prog_repr_dtype_properties(tf: Lib) -> Any:
    """§8: dtype flags is_floating/is_integer/is_complex/is_bool."""
    ds = [tf.float16, tf.float32, tf.float64, tf.int32, tf.int64, tf.bool, tf.complex64, tf.complex128]
    return [(d.is_floating, d.is_integer, d.is_complex, d.is_bool) for d in ds]


def prog_repr_format_in_fstring(tf: Lib) -> Any:
    """§9: format()/f-strings of a tensor format its NumPy value (not str(tensor))."""
    g = tf.constant([0.5, 1.5])
    return f"{g}", f"{tf.constant(2.0)}"


# ==================================================================================================
# §2 jacobian / batch_jacobian


def _jac_setup(tf: Lib, persistent: bool = False) -> Any:
    x = tf.constant([1.0, 2.0])
    t = tf.GradientTape(persistent=persistent)
    with t:
        t.watch(x)
        y = x * x
    return t, x, y


def prog_jacobian_vector_vector(tf: Lib) -> Any:
    """§2: jacobian of x*x wrt x=[1,2,3] is diag(2x), shape (3, 3)."""
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.jacobian(y, x)


def prog_jacobian_shape_vector_wrt_matrix(tf: Lib) -> Any:
    """§2: output shape is target.shape + source.shape: [2] wrt [2,2] → (2, 2, 2)."""
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(x, axis=1)
    j = t.jacobian(y, x)
    return j.shape, j


def prog_jacobian_scalar_scalar(tf: Lib) -> Any:
    """§2: scalar target and scalar source → a scalar (4.0 for x*x at 2)."""
    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.jacobian(y, x)


def prog_jacobian_scalar_target_is_gradient(tf: Lib) -> Any:
    """§2: a scalar target with a vector source gives the plain gradient, shape (3,)."""
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(x * x)
    return t.jacobian(y, x)


def prog_jacobian_unconnected_none_list(tf: Lib) -> Any:
    """§2: an unconnected source in a list gives None (default NONE)."""
    x = tf.constant([1.0, 2.0])
    u = tf.constant([5.0, 6.0, 7.0])
    with tf.GradientTape() as t:
        t.watch(x)
        t.watch(u)
        y = x * x
    return t.jacobian(y, [x, u])


def prog_jacobian_unconnected_zero_dict(tf: Lib) -> Any:
    """§2: 'zero' gives zeros of target.shape+source.shape; a dict of sources keeps its structure."""
    x = tf.constant([1.0, 2.0])
    u = tf.constant([5.0, 6.0, 7.0])
    with tf.GradientTape() as t:
        t.watch(x)
        t.watch(u)
        y = x * x
    return t.jacobian(y, {"x": x, "u": u}, unconnected_gradients="zero")


def prog_jacobian_constant_target(tf: Lib) -> Any:
    """§2: a constant target gives None, or zeros of shape (3, 2) with 'zero'."""
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as t:
        y = tf.constant([3.0, 4.0, 5.0])
    return t.jacobian(y, x), t.jacobian(y, x, unconnected_gradients="zero")


def prog_jacobian_int_source_none_and_warning(tf: Lib) -> Any:
    """§2: an int source gives None (and watching it logs the dtype warning)."""
    x = tf.constant([1, 2])
    with logged_warnings(tf) as logged:
        with tf.GradientTape() as t:
            t.watch(x)
            y = x * x
        j = t.jacobian(y, x)
    watch_warnings = [r for r in logged if "watched tensor" in r.getMessage()]
    return j, len(watch_warnings)


def prog_jacobian_mixed_dtype_is_source_dtype(tf: Lib) -> Any:
    """§2: the Jacobian has the source's dtype (float64 source, float32 target → float64)."""
    x = tf.constant([1.0, 2.0], dtype=tf.float64)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cast(x, tf.float32) * 2.0
    return t.jacobian(y, x)


def prog_jacobian_gather_densified(tf: Lib) -> Any:
    """§2: IndexedSlices row gradients (gather on a Variable) are densified."""
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as t:
        y = tf.gather(x, [0, 0, 2])
    return t.jacobian(y, x)


def prog_jacobian_variable_source(tf: Lib) -> Any:
    """§2: jacobian with respect to an auto-watched Variable."""
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as t:
        y = x * 2.0
    return t.jacobian(y, x)


def prog_jacobian_non_persistent_once(tf: Lib) -> Any:
    """§2: a non-persistent tape allows one jacobian; a second jacobian or gradient raises RuntimeError."""
    t, x, y = _jac_setup(tf)
    first = t.jacobian(y, x)
    return first, caught(lambda: t.jacobian(y, x)), caught(lambda: t.gradient(y, x))


def prog_jacobian_inside_context_non_persistent(tf: Lib) -> Any:
    """§2: jacobian inside a non-persistent tape's context works (TF ≥ 2.x)."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
        j = t.jacobian(y, x)
    return j


def prog_jacobian_no_pfor_non_persistent_raises(tf: Lib) -> Any:
    """§2: experimental_use_pfor=False on a non-persistent tape raises RuntimeError."""
    t, x, y = _jac_setup(tf)
    return t.jacobian(y, x, experimental_use_pfor=False)


def prog_jacobian_no_pfor_persistent(tf: Lib) -> Any:
    """§2: experimental_use_pfor=False on a persistent tape works, with any parallel_iterations (incl. 1)."""
    t, x, y = _jac_setup(tf, persistent=True)
    return (t.jacobian(y, x, experimental_use_pfor=False),
            t.jacobian(y, x, experimental_use_pfor=False, parallel_iterations=1))


def prog_jacobian_pfor_parallel_iterations_one_raises(tf: Lib) -> Any:
    """§2: with pfor, parallel_iterations=1 raises ValueError."""
    t, x, y = _jac_setup(tf, persistent=True)
    return t.jacobian(y, x, parallel_iterations=1)


def prog_jacobian_parallel_iterations_two_repeated(tf: Lib) -> Any:
    """§2: a persistent tape: chunked jacobian (parallel_iterations=2), jacobian again, then gradient."""
    t, x, y = _jac_setup(tf, persistent=True)
    return t.jacobian(y, x, parallel_iterations=2), t.jacobian(y, x), t.gradient(y, x)


def prog_jacobian_chunked_larger(tf: Lib) -> Any:
    """§2: parallel_iterations smaller than the target size gives the same Jacobian (chunks of 3 rows of 7)."""
    x = tf.constant([0.5, -1.0, 2.0, 0.25, 1.5, -0.75, 3.0])
    w = tf.constant([[1.0, 2.0, 0.0, -1.0, 0.5, 0.0, 1.0]])
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = tf.tanh(x * tf.reduce_sum(w * x))
    return t.jacobian(y, x, parallel_iterations=3), t.jacobian(y, x)


def prog_jacobian_list_target_raises(tf: Lib) -> Any:
    """§2: a list target raises AttributeError (it has no 'shape')."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = [x * x, x]
    return t.jacobian(y, x)


def prog_jacobian_hessian_nested(tf: Lib) -> Any:
    """§1.7/§2: Hessian by a nested tape and outer.jacobian of the inner gradient: shape x.shape + x.shape."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(x * x * x) + x[0] * x[1]
        g = inner.gradient(y, x)
    return outer.jacobian(g, x)


def prog_batch_jacobian_values(tf: Lib) -> Any:
    """§2: batch_jacobian of x*x for x [2,2] is a stack of diag(2 x_i)."""
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.batch_jacobian(y, x)


def prog_batch_jacobian_matmul(tf: Lib) -> Any:
    """§2: batch_jacobian of x @ w is w^T for every example: shape (4, 5, 3)."""
    x = tf.constant(np.arange(12, dtype=np.float32).reshape(4, 3) / 10.0)
    w = tf.constant(np.linspace(-1.0, 1.0, 15, dtype=np.float32).reshape(3, 5))
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.matmul(x, w)
    return t.batch_jacobian(y, x)


def prog_batch_jacobian_shape_rank3_source(tf: Lib) -> Any:
    """§2: y[4,5] wrt x[4,3,2] → shape (4, 5, 3, 2)."""
    x = tf.constant(np.arange(24, dtype=np.float32).reshape(4, 3, 2))
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reshape(x, [4, 6])[:, :5]
    j = t.batch_jacobian(y, x)
    return j.shape, j


def prog_batch_jacobian_rank1_raises(tf: Lib) -> Any:
    """§2: rank-1 target/source raises ValueError."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.batch_jacobian(y, x)


def prog_batch_jacobian_batch_mismatch_raises(tf: Lib) -> Any:
    """§2: target and source batch sizes differ → ValueError."""
    x = tf.ones([3, 2])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.ones([4, 2]) * tf.reduce_sum(x)
    return t.batch_jacobian(y, x)


def prog_batch_jacobian_unconnected_is_zeros(tf: Lib) -> Any:
    """§2 quirk: unconnected target/source gives zeros even with the default NONE (and with 'zero')."""
    x = tf.ones([3, 2])
    u = tf.ones([3, 2])
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        t.watch(u)
        y = x * 2.0
    return t.batch_jacobian(y, u), t.batch_jacobian(y, u, unconnected_gradients="zero")


def prog_batch_jacobian_reshaped_outside_tape_zeros(tf: Lib) -> Any:
    """§2: target and source reshaped after the tape stopped are unconnected → zeros (1, 2, 2)."""
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * x
    return t.batch_jacobian(tf.reshape(y, [1, 2]), tf.reshape(x, [1, 2]))


def prog_batch_jacobian_no_pfor_non_persistent_raises(tf: Lib) -> Any:
    """§2: batch_jacobian(experimental_use_pfor=False) on a non-persistent tape raises RuntimeError."""
    x = tf.ones([3, 2])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * 2.0
    return t.batch_jacobian(y, x, experimental_use_pfor=False)


def prog_batch_jacobian_no_pfor_persistent(tf: Lib) -> Any:
    """§2: batch_jacobian(experimental_use_pfor=False) on a persistent tape works."""
    x = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * x * 2.0
    return t.batch_jacobian(y, x, experimental_use_pfor=False)


def prog_batch_jacobian_pfor_parallel_iterations_one_raises(tf: Lib) -> Any:
    """§2: batch_jacobian with pfor and parallel_iterations=1 raises ValueError."""
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.batch_jacobian(y, x, experimental_use_pfor=True, parallel_iterations=1)


def prog_batch_jacobian_twice_raises(tf: Lib) -> Any:
    """§2: a second batch_jacobian (or one after gradient) on a non-persistent tape raises RuntimeError."""
    x = tf.ones([3, 2])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * 2.0
    first = t.batch_jacobian(y, x)
    with tf.GradientTape() as t2:
        t2.watch(x)
        y2 = x * 2.0
    t2.gradient(y2, x)
    return first, caught(lambda: t.batch_jacobian(y, x)), caught(lambda: t2.batch_jacobian(y2, x))


def prog_batch_jacobian_list_source_raises(tf: Lib) -> Any:
    """§2: a list source raises AttributeError."""
    x = tf.ones([3, 2])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * 2.0
    return t.batch_jacobian(y, [x])


def prog_batch_jacobian_variable_source(tf: Lib) -> Any:
    """§2: batch_jacobian with respect to a Variable."""
    x = tf.Variable(tf.ones([3, 2]))
    with tf.GradientTape() as t:
        y = x * 2.0
    return t.batch_jacobian(y, x)


def prog_batch_jacobian_dtype_is_source_dtype(tf: Lib) -> Any:
    """§2: float64 source, float32 target → float64 result."""
    x = tf.ones([3, 2], dtype=tf.float64)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cast(x, tf.float32) * 2.0
    return t.batch_jacobian(y, x)


def prog_batch_jacobian_cross_batch_summed(tf: Lib) -> Any:
    """§2: cross-example dependence is summed, not reported: y = x*sum(x), x=[[1],[2]] → [[[6]],[[6]]]."""
    x = tf.constant([[1.0], [2.0]])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * tf.reduce_sum(x)
    return t.batch_jacobian(y, x)


# ==================================================================================================
# §3 forward mode: tf.autodiff.ForwardAccumulator


def prog_fwd_basic(tf: Lib) -> Any:
    """§3: jvp of x*x at [1,2] with tangent [1,0] is [2,0]."""
    x = tf.constant([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(primals=x, tangents=tf.constant([1.0, 0.0])) as acc:
        y = x * x
    return acc.jvp(y)


def prog_fwd_enter_returns_self(tf: Lib) -> Any:
    """§3: __enter__ returns the accumulator."""
    x = tf.constant([1.0, 2.0])
    acc = tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.0]))
    try:
        return acc.__enter__() is acc
    finally:
        acc.__exit__(None, None, None)


def prog_fwd_jvp_nests(tf: Lib) -> Any:
    """§3: jvp accepts nests and returns the same structure."""
    x = tf.constant([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 1.0])) as acc:
        y = x * x
        z = tf.reduce_sum(y)
    return acc.jvp(z), acc.jvp([y, z]), acc.jvp({"a": y, "b": (z, y)})


def prog_fwd_unconnected(tf: Lib) -> Any:
    """§3: unconnected tensors give None, or zeros with 'zero'."""
    x = tf.constant([1.0, 2.0])
    u = tf.constant(3.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 1.0])) as acc:
        y = u * u
    return acc.jvp(y), acc.jvp(y, unconnected_gradients="zero"), acc.jvp(u)


def prog_fwd_jvp_of_primal(tf: Lib) -> Any:
    """§3: jvp(primal) returns its tangent."""
    x = tf.constant([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 3.0])) as acc:
        x * x
    return acc.jvp(x)


def prog_fwd_computed_outside(tf: Lib) -> Any:
    """§3: ops run after the accumulator exited (or before it was entered) have no tangent."""
    x = tf.constant([1.0, 2.0])
    acc = tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 1.0]))
    before = x * x
    with acc:
        pass
    after = x * x
    return acc.jvp(before), acc.jvp(after)


def prog_fwd_never_entered(tf: Lib) -> Any:
    """§3: an accumulator that was never entered gives None."""
    x = tf.constant(2.0)
    acc = tf.autodiff.ForwardAccumulator(x, tf.constant(1.0))
    z = x * x
    return acc.jvp(z)


def prog_fwd_reenter_after_exit(tf: Lib) -> Any:
    """§3: re-entering after exit is allowed and keeps the tangents."""
    x = tf.constant(2.0)
    acc = tf.autodiff.ForwardAccumulator(x, tf.constant(1.0))
    with acc:
        y = x * x
    with acc:
        z = y * x
    return acc.jvp(y), acc.jvp(z)


def prog_fwd_enter_twice_raises(tf: Lib) -> Any:
    """§3: entering an active accumulator raises ValueError."""
    x = tf.constant(2.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        z = x * x
        acc.jvp(z)
        with acc:
            pass


def prog_fwd_variable_primal(tf: Lib) -> Any:
    """§3: a Variable can be a primal: its reads carry the tangent."""
    v = tf.Variable([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(v, tf.constant([1.0, 0.0])) as acc:
        y = v * 3.0
        z = tf.reduce_sum(v * v)
    return acc.jvp(y), acc.jvp(z)


def prog_fwd_tangent_shape_not_validated(tf: Lib) -> Any:
    """§3: a [3] tangent for a [2] primal is accepted and returned by jvp(primal)."""
    x = tf.constant([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 1.0, 1.0])) as acc:
        y = x
    return acc.jvp(y)


def prog_fwd_tangent_shape_mismatch_in_op_raises(tf: Lib) -> Any:
    """§3: a mismatched tangent fails when an op combines it with the primal (ValueError)."""
    x = tf.constant([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 1.0, 1.0])) as acc:
        y = x * x
    return acc.jvp(y)


def prog_fwd_tangent_dtype_mismatch_raises(tf: Lib) -> Any:
    """§3: a float64 tangent for a float32 primal raises ValueError."""
    x = tf.constant([1.0, 2.0])
    return tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 1.0], tf.float64))


def prog_fwd_python_float_tangent(tf: Lib) -> Any:
    """§3: a Python float tangent is converted to the primal's dtype."""
    x = tf.constant(2.0)
    acc = tf.autodiff.ForwardAccumulator(x, 1.0)
    with acc:
        z = x * x
    return acc.jvp(z), acc.jvp(x)


def prog_fwd_int_primal_warns_none(tf: Lib) -> Any:
    """§3: an int primal logs the dtype warning and gives None."""
    x = tf.constant([1, 2])
    with logged_warnings(tf) as logged:
        acc = tf.autodiff.ForwardAccumulator(x, tf.constant([1, 1]))
    with acc:
        y = x * x
    return acc.jvp(y), len(logged)


def prog_fwd_complex_primal_holomorphic(tf: Lib) -> Any:
    """§3: a complex primal warns but is holomorphic: z² at 1+2j with tangent 1 → 2+4j."""
    z = tf.constant(1 + 2j)
    with logged_warnings(tf) as logged:
        acc = tf.autodiff.ForwardAccumulator(z, tf.constant(1 + 0j))
    with acc:
        y = z * z
    return acc.jvp(y), len(logged)


def prog_fwd_multiple_primals(tf: Lib) -> Any:
    """§3: primals [x, y] with tangents [1, 10] on x*y at (2, 3) → 23."""
    x = tf.constant(2.0)
    y = tf.constant(3.0)
    with tf.autodiff.ForwardAccumulator([x, y], [tf.constant(1.0), tf.constant(10.0)]) as acc:
        z = x * y
    return acc.jvp(z)


def prog_fwd_structure_mismatch_raises(tf: Lib) -> Any:
    """§3: primals and tangents with different structures raise ValueError."""
    x = tf.constant(2.0)
    return tf.autodiff.ForwardAccumulator([x], tf.constant(1.0))


def prog_fwd_duplicate_primal_raises(tf: Lib) -> Any:
    """§3: the same primal listed twice raises ValueError."""
    x = tf.constant(2.0)
    return tf.autodiff.ForwardAccumulator([x, x], [tf.constant(1.0), tf.constant(1.0)])


def prog_fwd_jvp_none_raises(tf: Lib) -> Any:
    """§3: jvp(None) raises AttributeError."""
    x = tf.constant(2.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        x * x
    return acc.jvp(None)


def prog_fwd_jvp_bogus_unconnected_raises(tf: Lib) -> Any:
    """§3: an invalid unconnected_gradients raises ValueError (the enum's)."""
    x = tf.constant(2.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        z = x * x
    return acc.jvp(z, unconnected_gradients="bogus")


def prog_fwd_jvp_twice(tf: Lib) -> Any:
    """§3: jvp only looks tangents up: it can be called any number of times, inside or outside."""
    x = tf.constant(2.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        z = x * x
        inside = acc.jvp(z)
    return inside, acc.jvp(z), acc.jvp(z)


def prog_fwd_watching_computed_tensor(tf: Lib) -> Any:
    """§3: an inner accumulator watching a computed tensor: outer jvp 4, inner jvp 5."""
    x = tf.constant(2.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        z = x * x
        acc2 = tf.autodiff.ForwardAccumulator(z, tf.constant(5.0))
        with acc2:
            w = z + 1.0
    return acc.jvp(w), acc2.jvp(w)


def prog_fwd_static_zero_is_none(tf: Lib) -> Any:
    """§3: statically zero tangents are None: sign, stop_gradient, cast to int; a float cast keeps it."""
    x = tf.constant(2.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        s = tf.sign(x)
        g = tf.stop_gradient(x)
        i = tf.cast(x, tf.int32)
        d = tf.cast(x, tf.float64)
    return acc.jvp(s), acc.jvp(g), acc.jvp(i), acc.jvp(d)


def prog_fwd_stop_gradient_product(tf: Lib) -> Any:
    """§4.2: forward mode: stop_gradient(x) * x at 2 → jvp 2."""
    x = tf.constant(2.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        y = tf.stop_gradient(x) * x
    return acc.jvp(y)


def prog_fwd_ties_and_kinks(tf: Lib) -> Any:
    """§3: reduce_max ties average the tangents (0.5); abs and relu at 0 → 0; sqrt at 0 → inf."""
    x = tf.constant([3.0, 3.0])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.0])) as acc:
        m = tf.reduce_max(x)
    z = tf.constant(0.0)
    with tf.autodiff.ForwardAccumulator(z, tf.constant(1.0)) as acc0:
        a = tf.abs(z)
        r = tf.nn.relu(z)
        s = tf.sqrt(z)
    return acc.jvp(m), acc0.jvp(a), acc0.jvp(r), acc0.jvp(s)


def prog_fwd_elementwise_chain(tf: Lib) -> Any:
    """§3: jvp through a chain of elementwise, reduction and matmul ops."""
    x = tf.constant([[0.5, -1.0], [2.0, 0.25]])
    w = tf.constant([[1.0, 2.0], [-0.5, 0.75]])
    v = tf.constant([[1.0, 0.5], [-1.0, 2.0]])
    with tf.autodiff.ForwardAccumulator(x, v) as acc:
        h = tf.tanh(tf.matmul(x, w))
        y = tf.reduce_sum(tf.exp(h) * tf.sin(x)) / 3.0
    return acc.jvp(h), acc.jvp(y)


def prog_fwd_over_back_hvp(tf: Lib) -> Any:
    """§3: accumulator outside, tape inside: jvp of the gradient is a Hessian-vector product (12 for x³ at 2)."""
    x = tf.constant(2.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        with tf.GradientTape() as tape:
            tape.watch(x)
            z = x * x * x
        g = tape.gradient(z, x)
    return g, acc.jvp(g)


def prog_fwd_over_back_hvp_vector(tf: Lib) -> Any:
    """§3: forward-over-back on a vector function: H·v for sum(x³) + x0*x1."""
    x = tf.constant([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, -1.0])) as acc:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(x * x * x) + x[0] * x[1]
        g = tape.gradient(y, x)
    return g, acc.jvp(g)


def prog_fwd_over_back_primal_not_watched_by_tape(tf: Lib) -> Any:
    """§3: forward over back where the tape does not watch the accumulator's primal w: jvp of dy/dx is 2x = 4."""
    x = tf.constant(2.0)
    w = tf.constant(3.0)
    with tf.autodiff.ForwardAccumulator(w, tf.constant(1.0)) as acc:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x * x * w
        g = tape.gradient(y, x)
    return g, acc.jvp(g)


def prog_nested_outer_watches_what_inner_does_not(tf: Lib) -> Any:
    """§1.7: the inner gradient depends on a constant only the outer tape watches: d/dw (2xw) = 2x = 4."""
    x = tf.constant(2.0)
    w = tf.constant(3.0)
    with tf.GradientTape() as outer:
        outer.watch(w)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = x * x * w
        g = inner.gradient(y, x)
    return g, outer.gradient(g, w)


def prog_fwd_back_over_fwd(tf: Lib) -> Any:
    """§3: tape outside, accumulator inside: the tangent computation is recorded (12 and 12 for x³ at 2)."""
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
            z = x * x * x
        j = acc.jvp(z)
    return j, tape.gradient(j, x)


def prog_fwd_over_fwd(tf: Lib) -> Any:
    """§3: outer-over-inner accumulators give the second derivative; inner.jvp(outer.jvp(z)) is None."""
    x = tf.constant(2.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as outer:
        with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as inner:
            z = x * x * x
        j = inner.jvp(z)
    return j, outer.jvp(j), inner.jvp(outer.jvp(z))


def prog_fwd_over_fwd_pow(tf: Lib) -> Any:
    """§3: x^3.5 at 1.1: inner 4.4417…, outer 10.0948…."""
    x = tf.constant(1.1)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as outer:
        with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as inner:
            z = x**3.5
        j = inner.jvp(z)
    return j, outer.jvp(j)


def prog_fwd_custom_gradient_ignored(tf: Lib) -> Any:
    """§3: forward mode ignores custom_gradient (jvp 1) while the tape uses it (100)."""

    @tf.custom_gradient
    def ident(x):
        def grad(dy):
            return dy * 100.0

        return tf.identity(x), grad

    x = tf.constant(2.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = ident(x)
    return acc.jvp(y), tape.gradient(y, x)


def prog_fwd_recompute_grad_raises(tf: Lib) -> Any:
    """§3: calling a recompute_grad function on an input with a tangent raises NotImplementedError."""
    x = tf.constant(2.0)
    rg = tf.recompute_grad(lambda a: a * a)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)):
        return rg(x)


def prog_fwd_recompute_grad_unrelated_accumulator(tf: Lib) -> Any:
    """§3: a recompute_grad call on inputs without a tangent is fine (jvp None)."""
    x = tf.constant(2.0)
    u = tf.constant(1.0)
    rg = tf.recompute_grad(lambda a: a * a)
    with tf.autodiff.ForwardAccumulator(u, tf.constant(1.0)) as acc:
        y = rg(x)
    return y, acc.jvp(y)


def prog_fwd_grad_pass_through_follows_inner_ops(tf: Lib) -> Any:
    """§4.4/§3: forward mode through grad_pass_through follows f's ops: z² at 3 → jvp 6."""
    z = tf.constant(3.0)
    with tf.autodiff.ForwardAccumulator(z, tf.constant(1.0)) as acc:
        y = tf.grad_pass_through(lambda a: a * a)(z)
    return y, acc.jvp(y)


# ==================================================================================================
# §4 custom_gradient, stop_gradient, recompute_grad, grad_pass_through


def _log1pexp(tf: Lib, seen: list[Any] | None = None) -> Any:
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(upstream):
            if seen is not None:
                seen.append(upstream)
            return upstream * (1 - 1 / (1 + e))

        return tf.math.log(1 + e), grad

    return log1pexp


def prog_custom_gradient_log1pexp(tf: Lib) -> Any:
    """§4.1: the stable gradient of log(1+e^x) at 100: value inf, gradient 1, upstream 1."""
    seen: list[Any] = []
    x = tf.constant(100.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = _log1pexp(tf, seen)(x)
    return y, t.gradient(y, x), seen


def prog_custom_gradient_upstream_is_downstream_gradient(tf: Lib) -> Any:
    """§4.1: the upstream is the full downstream gradient (×3 → [3, 3])."""
    seen: list[Any] = []
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = _log1pexp(tf, seen)(x) * 3.0
    return t.gradient(y, x), seen


def prog_custom_gradient_output_gradients_passed(tf: Lib) -> Any:
    """§4.1: output_gradients reach grad_fn as its upstream."""
    seen: list[Any] = []
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = _log1pexp(tf, seen)(x)
    return t.gradient(y, x, output_gradients=tf.constant([5.0, 7.0])), seen


def prog_custom_gradient_repr_of_results(tf: Lib) -> Any:
    """§4.1: outputs and gradients are ordinary tensors (repr)."""
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = _log1pexp(tf)(x)
    g = t.gradient(y, x)
    return repr(y), repr(g)


def prog_custom_gradient_two_inputs(tf: Lib) -> Any:
    """§4.1: one gradient per positional input, as a tuple or as a list."""

    @tf.custom_gradient
    def two_in(x, y):
        def grad(dz):
            return dz * 10.0, dz * 20.0

        return x * y, grad

    @tf.custom_gradient
    def two_in_list(x, y):
        def grad(dz):
            return [dz * 10.0, dz * 20.0]

        return x * y, grad

    x = tf.constant(1.0)
    y = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch([x, y])
        z1 = two_in(x, y)
        z2 = two_in_list(x, y)
    return t.gradient(z1, [x, y]), t.gradient(z2, [x, y])


def prog_custom_gradient_wrong_count_raises(tf: Lib) -> Any:
    """§4.1: grad_fn returning 1 gradient for 2 inputs raises ValueError."""

    @tf.custom_gradient
    def two_in_bad(x, y):
        def grad(dz):
            return dz * 10.0

        return x * y, grad

    x = tf.constant(1.0)
    y = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch([x, y])
        z = two_in_bad(x, y)
    return t.gradient(z, [x, y])


def prog_custom_gradient_unused_output_gets_zeros(tf: Lib) -> Any:
    """§4.1: grad_fn gets one upstream per output, zeros for the unused one (d2 = 0)."""
    seen: list[Any] = []

    @tf.custom_gradient
    def two_out(x):
        def grad(d1, d2):
            seen.append((d1, d2))
            return d1 + 100.0 * d2

        return (x * 2.0, x * 3.0), grad

    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        a, b = two_out(x)
    return t.gradient(a, x), seen


def prog_custom_gradient_none_for_an_input(tf: Lib) -> Any:
    """§4.1: grad_fn may return None for an input: that gradient is None."""

    @tf.custom_gradient
    def none_grad(x, y):
        def grad(dz):
            return None, dz

        return x * y, grad

    x = tf.constant(1.0)
    y = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch([x, y])
        z = none_grad(x, y)
    return t.gradient(z, [x, y])


def prog_custom_gradient_variables_kwarg(tf: Lib) -> Any:
    """§4.1: a function reading a Variable: grad_fn(dy, variables=[v]) returns (dx, [dv])."""
    v = tf.Variable(3.0, name="v")
    seen: list[Any] = []

    @tf.custom_gradient
    def with_var(x):
        y = x * v

        def grad(dy, variables=None):
            seen.append(variables)
            return dy * 1000.0, [dy * 7.0]

        return y, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = with_var(x)
    return t.gradient(y, [x, v]), seen


def prog_custom_gradient_variables_kwarg_missing_raises(tf: Lib) -> Any:
    """§4.1: a function reading a Variable whose grad_fn lacks `variables` raises TypeError (at call time)."""
    v = tf.Variable(3.0, name="v")

    @tf.custom_gradient
    def with_var_nokw(x):
        y = x * v

        def grad(dy):
            return dy * 1000.0

        return y, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        return caught(lambda: with_var_nokw(x))


def prog_custom_gradient_variables_wrong_count_raises(tf: Lib) -> Any:
    """§4.1: a wrong number of variable gradients raises ValueError."""
    v = tf.Variable(3.0, name="v")

    @tf.custom_gradient
    def with_var_wrongcount(x):
        y = x * v

        def grad(dy, variables=None):
            return dy * 1000.0, []

        return y, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = with_var_wrongcount(x)
    return t.gradient(y, [x, v])


def prog_custom_gradient_variables_declared_unused(tf: Lib) -> Any:
    """§4.1: grad_fn declaring `variables` when none are used is called without it (plain return)."""

    @tf.custom_gradient
    def no_vars(x):
        def grad(dy, variables=None):
            return dy * 1000.0

        return x * 2.0, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = no_vars(x)
    return t.gradient(y, x)


def prog_custom_gradient_variable_argument_is_input(tf: Lib) -> Any:
    """§4.1: a Variable passed as an argument is an input, not one of the `variables`."""
    v = tf.Variable(3.0, name="v")

    @tf.custom_gradient
    def f(a):
        def grad(dy):
            return dy * 5.0

        return a * a, grad

    with tf.GradientTape() as t:
        y = f(v)
    return t.gradient(y, v)


def prog_custom_gradient_non_tensor_keyword_argument(tf: Lib) -> Any:
    """§4.1: a Python keyword argument is not an input: grad_fn returns one gradient (3.0)."""

    @tf.custom_gradient
    def kwarg_fn(x, scale=2.0):
        def grad(dy):
            return dy * scale

        return x * scale, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = kwarg_fn(x, scale=3.0)
    return y, t.gradient(y, x)


def prog_custom_gradient_python_float_input(tf: Lib) -> Any:
    """§4.1: a Python float argument is converted (value 4.0)."""

    @tf.custom_gradient
    def py_float(x):
        def grad(dy):
            return dy * 3.0

        return x * 2.0, grad

    with tf.GradientTape():
        y = py_float(2.0)
    return y


def prog_custom_gradient_unwatched_input(tf: Lib) -> Any:
    """§4.1: an input the tape does not watch → None, and grad_fn is never called."""
    calls: list[int] = []

    @tf.custom_gradient
    def f(x, y):
        def grad(dz):
            calls.append(1)
            return dz, dz

        return x * y, grad

    x = tf.constant(1.0)
    u = tf.constant(2.0)
    w = tf.constant(4.0)
    with tf.GradientTape() as t:
        t.watch(w)
        z = f(x, u) * w
    return t.gradient(z, [x, u]), len(calls)


def prog_custom_gradient_scalar_return_raises(tf: Lib) -> Any:
    """§4.1: a function returning a single scalar tensor (no grad_fn) raises TypeError."""

    @tf.custom_gradient
    def bad(x):
        return x * 2.0

    return bad(tf.constant(1.0))


def prog_custom_gradient_second_order(tf: Lib) -> Any:
    """§4.1: second order through grad_fn: cube at 2 → 12 then 12."""

    @tf.custom_gradient
    def cube(x):
        def grad(dy):
            return dy * 3.0 * x * x

        return x**3, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = cube(x)
        g = t1.gradient(y, x)
    return g, t2.gradient(g, x)


def prog_custom_gradient_jacobian(tf: Lib) -> Any:
    """§2/§4.1: a Jacobian through a custom gradient uses grad_fn for every row."""

    @tf.custom_gradient
    def f(x):
        def grad(dy):
            return dy * 10.0

        return x * x, grad

    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = f(x)
    return t.jacobian(y, x)


def prog_stop_gradient_reverse(tf: Lib) -> Any:
    """§4.2: x*stop_gradient(x*x) at 2 → gradient 4, value 8."""
    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * tf.stop_gradient(x * x)
    return t.gradient(y, x), y


def prog_stop_gradient_everything_blocked(tf: Lib) -> Any:
    """§4.2: everything blocked → None, or zeros with 'zero'."""
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = tf.stop_gradient(x)
    return t.gradient(y, x), t.gradient(y, x, unconnected_gradients="zero")


def prog_stop_gradient_converts_list_and_variable(tf: Lib) -> Any:
    """§4.2: stop_gradient converts Python lists and Variables to tensors."""
    return tf.stop_gradient([1.0, 2.0]), tf.stop_gradient(tf.Variable(1.0))


def prog_recompute_grad_value_and_gradient(tf: Lib) -> Any:
    """§4.3: recompute_grad(sin(x)*x): value and gradient as the plain function; f runs twice in total."""
    calls: list[int] = []

    def g(x):
        calls.append(1)
        return tf.sin(x) * x

    rg = tf.recompute_grad(g)
    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = rg(x)
    n_forward = len(calls)
    grad = t.gradient(y, x)
    return y, grad, n_forward, len(calls), rg.__wrapped__ is g, rg.__name__


def prog_recompute_grad_with_variable(tf: Lib) -> Any:
    """§4.3: variables read by f get their gradients: w*x*x at (w=3, x=2) → [12, 4]."""
    w = tf.Variable(3.0)

    def g(x):
        return w * x * x

    rg = tf.recompute_grad(g)
    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = rg(x)
    return y, t.gradient(y, [x, w])


def prog_recompute_grad_unconnected_argument_zeros(tf: Lib) -> Any:
    """§4.3: an argument f does not use gets zeros (the recomputation asks for ZERO)."""
    rg = tf.recompute_grad(lambda a, b: a * 2.0)
    x = tf.constant(2.0)
    y = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch([x, y])
        z = rg(x, y)
    return t.gradient(z, [x, y])


def prog_recompute_grad_two_outputs(tf: Lib) -> Any:
    """§4.3: several outputs: the structure is kept; a gradient of one output."""
    rg = tf.recompute_grad(lambda a: (a * 2.0, a * a))
    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        z = rg(x)
    return z, t.gradient(z[1], x)


def prog_recompute_grad_second_order(tf: Lib) -> Any:
    """§4.3: second-order gradients through recompute_grad."""
    rg = tf.recompute_grad(lambda a: tf.sin(a) * a)
    x = tf.constant(2.0)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = rg(x)
        d = t1.gradient(y, x)
    return d, t2.gradient(d, x)


def prog_recompute_grad_chain_matches_plain(tf: Lib) -> Any:
    """§4.3: a chain of recomputed layers with a weight matrix gives the plain gradients."""
    w = tf.Variable([[0.5, -0.25], [0.75, 1.0]])

    def layer(h):
        return tf.tanh(tf.matmul(h, w))

    rl = tf.recompute_grad(layer)
    x = tf.constant([[1.0, -2.0]])
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        a = rl(rl(rl(x)))
        b = layer(layer(layer(x)))
    return t.gradient(a, [x, w]), t.gradient(b, [x, w])


def prog_grad_pass_through_assign(tf: Lib) -> Any:
    """§4.4: grad_pass_through(x.assign)(z**2) → value 9, d/dz 6, no gradient to x."""
    x = tf.Variable(1.0, name="x")
    z = tf.Variable(3.0, name="z")
    with tf.GradientTape() as tape:
        y = tf.grad_pass_through(x.assign)(z**2)
    return y, tape.gradient(y, [z, x]), x


def prog_grad_pass_through_round(tf: Lib) -> Any:
    """§4.4: a straight-through estimator: round in the forward pass, identity in the backward pass."""
    z = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(z)
        y = tf.grad_pass_through(lambda a: tf.round(a * 3.0))(z)
    return y, tape.gradient(y, z)


# --------------------------------------------------------------------------------------------------

# --------------------------------------------------------------------------------------------------
# tf.nest (issue 14): flatten order, re-packing types, structure checks, composites


def _nest_sample() -> Any:
    import collections

    pair = collections.namedtuple("pair", "b a")
    return {"b": [1, (2, 3)], "a": pair(4, None), "c": collections.OrderedDict([("z", 5), ("y", 6)]),
            "d": collections.defaultdict(list, {"q": 7, "p": 8}), "e": {}}


def prog_nest_flatten_and_pack(tf: Lib) -> Any:
    """tf.nest.flatten order (sorted keys) and pack_sequence_as keeping mapping types and key order."""
    s = _nest_sample()
    packed = tf.nest.pack_sequence_as(s, list(range(100, 108)))
    return [repr(tf.nest.flatten(s)), repr(packed), repr(tf.nest.flatten(None)), repr(tf.nest.flatten("ab")),
            repr(tf.nest.flatten({2: "a", 1: "b"})), type(packed["d"]).__name__, repr(packed["d"].default_factory)]


def prog_nest_is_nested(tf: Lib) -> Any:
    """tf.nest.is_nested: sequences and mappings yes; strings, sets, arrays, tensors no."""
    import collections

    vals = [[1], (), {"a": 1}, collections.OrderedDict(), {1, 2}, "ab", b"x", None, 3, np.zeros(2),
            tf.constant([1.0]), {"k": 1}.values(), range(3)]
    return [tf.nest.is_nested(v) for v in vals]


def prog_nest_assert_same_structure(tf: Lib) -> Any:
    """tf.nest.assert_same_structure: ValueError/TypeError cases, check_types=False."""
    import collections

    nt = collections.namedtuple("nt", "b a")
    nt2 = collections.namedtuple("nt", "b a")
    cases = [([1, 2], (1, 2)), ({"a": 1}, {"b": 1}), ([1, [2]], [1, 2]), ([1], [1, 2]),
             ({"a": 1}, collections.OrderedDict(a=1)), (nt(1, 2), nt2(1, 2)), (nt(1, 2), (1, 2)),
             ([1, (None, "x")], [[3], ([], 4.0)])]
    out = []
    for a, b in cases:
        out.append(caught(lambda a=a, b=b: tf.nest.assert_same_structure(a, b)))
        out.append(caught(lambda a=a, b=b: tf.nest.assert_same_structure(a, b, check_types=False)))
    return out


def prog_nest_map_structure(tf: Lib) -> Any:
    """tf.nest.map_structure over several structures, None leaves, keyword checks."""
    return [repr(tf.nest.map_structure(lambda x, y: (x, y), [1, (2, None)], [3, (4, 5)])),
            caught(lambda: tf.nest.map_structure(lambda x, y: x, [1, (2,)], [3, [4]])),
            repr(tf.nest.map_structure(lambda x, y: x + y, [1, (2,)], [3, [4]], check_types=False)),
            caught(lambda: tf.nest.map_structure(lambda x: x, [1], foo=1)),
            caught(lambda: tf.nest.map_structure(lambda x: x)),
            tf.nest.map_structure(lambda t: t * 2.0, {"w": tf.constant(1.5), "b": [tf.constant([2.0])]})]


def prog_nest_pack_errors(tf: Lib) -> Any:
    """tf.nest.pack_sequence_as errors and single leaves; unsortable keys."""
    return [caught(lambda: tf.nest.pack_sequence_as([1, 2], [1])), caught(lambda: tf.nest.pack_sequence_as([1], 1)),
            caught(lambda: tf.nest.pack_sequence_as(1, [3, 4])), tf.nest.pack_sequence_as(None, [3]),
            caught(lambda: tf.nest.flatten({2: "a", "x": "b"}))]


def prog_nest_expand_composites(tf: Lib) -> Any:
    """tf.nest with expand_composites: ragged and sparse components round-trip."""
    rt = tf.ragged.constant([[1, 2], [3]])
    st = tf.sparse.SparseTensor([[0, 1]], [1.0], [2, 2])
    flat = tf.nest.flatten([rt, st], expand_composites=True)
    back = tf.nest.pack_sequence_as([rt, st], flat, expand_composites=True)
    return [len(tf.nest.flatten([rt, st])), flat, back[0].to_tensor(), tf.sparse.to_dense(back[1]),
            type(back[1]).__name__]


# --------------------------------------------------------------------------------------------------
# tf.nn 3-D pooling and local response normalization (issue 14): TF's kernels are float32-only, so compared here
# (the op suite checks float64 gradients numerically). Inputs are multiples of 1/8: sums are exact in float32.


def _grid_input(tf: Lib, shape: tuple[int, ...]) -> Any:
    vals = (np.random.default_rng(5).integers(-16, 17, size=shape) / 8.0).astype(np.float32)
    return tf.constant(vals)


def _value_and_grad(tf: Lib, fn: Callable[[Any], Any], x: Any) -> Any:
    w = tf.constant(np.random.default_rng(6).integers(-4, 5, size=fn(x).shape.as_list()).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
        loss = tf.reduce_sum(y * w)
    return [y, tape.gradient(loss, x)]


def prog_nn_max_pool3d_float32(tf: Lib) -> Any:
    """tf.nn.max_pool3d values and gradients (float32, SAME and VALID)."""
    x = _grid_input(tf, (2, 5, 4, 3, 2))
    return [_value_and_grad(tf, lambda v: tf.nn.max_pool3d(v, [2, 3, 2], [2, 2, 1], "SAME"), x),
            _value_and_grad(tf, lambda v: tf.nn.max_pool3d(v, 2, 1, "VALID"), x)]


def prog_nn_avg_pool3d_float32(tf: Lib) -> Any:
    """tf.nn.avg_pool3d values and gradients (float32; SAME leaves padding out)."""
    x = _grid_input(tf, (1, 4, 4, 3, 2))
    return [_value_and_grad(tf, lambda v: tf.nn.avg_pool3d(v, [2, 2, 2], [2, 2, 2], "VALID"), x),
            _value_and_grad(tf, lambda v: tf.nn.avg_pool3d(v, [3, 2, 1], [2, 1, 1], "SAME"), x)]


def prog_nn_local_response_normalization_float32(tf: Lib) -> Any:
    """tf.nn.local_response_normalization values and gradients (float32)."""
    x = _grid_input(tf, (1, 2, 2, 7))
    return [_value_and_grad(tf, lambda v: tf.nn.local_response_normalization(v, 2, 1.5, 0.25, 0.5), x),
            tf.nn.lrn(x)]


# --------------------------------------------------------------------------------------------------
# tf.signal (issue 14): windows, frame, and the FFT family's dtypes and errors


def prog_signal_windows(tf: Lib) -> Any:
    """tf.signal.hann_window / hamming_window: periodic and symmetric, odd and even lengths, dtypes."""
    out = []
    for n in (0, 1, 2, 5, 8):
        for periodic in (True, False):
            out.append(tf.signal.hann_window(n, periodic=periodic))
            out.append(tf.signal.hamming_window(n, periodic=periodic, dtype=tf.float64))
    out.append(caught(lambda: tf.signal.hann_window(4, dtype=tf.int32)))
    return out


def prog_signal_frame(tf: Lib) -> Any:
    """tf.signal.frame: shapes with and without pad_end, other axes, and its gradient."""
    x = tf.constant(np.arange(24.0).reshape(2, 12))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.signal.frame(x, 5, 3, pad_end=True, pad_value=-1.0)
        loss = tf.reduce_sum(y * y)
    return [tf.signal.frame(x, 5, 3), y, tape.gradient(loss, x), tf.signal.frame(x, 2, 1, axis=0),
            tf.signal.frame(tf.range(3), 5, 2), tf.signal.frame(tf.range(7), 3, 3, pad_end=True)]


def prog_signal_fft_dtypes_and_errors(tf: Lib) -> Any:
    """FFT family: complex64/128 and float32/64 dtypes, fft_length cropping/padding, errors for wrong dtypes."""
    x32 = tf.constant([1.0, 2.0, 0.5, -1.0, 3.0], tf.float32)
    z = tf.signal.rfft(x32)
    return [z, tf.signal.irfft(z), tf.signal.irfft(z, [5]), tf.signal.rfft(x32, [8]), tf.signal.rfft(x32, [3]),
            tf.signal.irfft(z, [2]), tf.signal.irfft2d(tf.complex(tf.ones([2, 4, 3]), tf.ones([2, 4, 3])), [3, 6]),
            tf.signal.fft(tf.cast(x32, tf.complex64)), tf.signal.rfft2d(tf.reshape(tf.range(12.0), [3, 4])),
            caught(lambda: tf.signal.rfft(tf.constant([1, 2]))), caught(lambda: tf.signal.irfft(x32))]
    # (tf.signal.fft of a real tensor: InvalidArgumentError eagerly but TypeError in tf.function; tested eagerly
    # in tests/test_api_pieces.py)


# --------------------------------------------------------------------------------------------------
# tf.image quality measures and gradients (issue 14)


def prog_image_gradients_tv_psnr(tf: Lib) -> Any:
    """tf.image.image_gradients, total_variation and psnr: values and gradients (float32, exact inputs)."""
    x = _grid_input(tf, (2, 4, 3, 2))
    y = _grid_input(tf, (2, 4, 3, 2)) * 0.5
    out = [tf.image.image_gradients(x), tf.image.total_variation(x), tf.image.total_variation(x[0])]
    with tf.GradientTape() as tape:
        tape.watch(x)
        dy, dx = tf.image.image_gradients(x)
        loss = tf.reduce_sum(dy * dy) + tf.reduce_sum(dx) + tf.reduce_sum(tf.image.total_variation(x))
    out.append(tape.gradient(loss, x))
    xs, ys = x / 4.0 + 0.5, y / 4.0 + 0.5
    with tf.GradientTape() as tape:
        tape.watch(xs)
        p = tf.image.psnr(xs, ys, max_val=1.0)
    out += [p, tape.gradient(p, xs), tf.image.psnr(tf.constant([[[[10]]]], tf.uint8), tf.constant([[[[12]]]], tf.uint8),
                                                   255)]
    return out


def prog_image_ssim(tf: Lib) -> Any:
    """tf.image.ssim: value, per-position map and gradient (float32), and a uint8 pair."""
    x = _grid_input(tf, (2, 12, 13, 2)) / 4.0 + 0.5
    y = x * 0.75 + 0.1
    with tf.GradientTape() as tape:
        tape.watch(x)
        s = tf.image.ssim(x, y, max_val=1.0)
    return [s, tape.gradient(s, x), tf.image.ssim(x, y, 1.0, filter_size=5, return_index_map=True),
            tf.image.ssim(tf.cast(x * 200.0, tf.uint8), tf.cast(y * 200.0, tf.uint8), 255, filter_size=3)]


# ==================================================================================================
# special functions (tf.math igamma/betainc/zeta/polygamma/erfinv/ndtri, tf.math.special, raw_ops.Bucketize)

_SPECIAL_EDGES = [-1.0, 0.0, 1e-30, 0.5, 1.0, 2.5, 40.0, float("inf"), float("nan")]


def prog_special_unary_edges(tf: Lib) -> Any:
    """Values at 0, negatives, tiny/large arguments, inf and nan, float32 and float64, of every one-input special
    function (TF 2.21's domain conventions: e.g. k0(x<0) = inf, y0(x<0) = -inf, i0(inf) = nan, expint(x<0) = nan)."""
    out = []
    sp = tf.math.special
    fns = [tf.math.erfinv, tf.math.ndtri, sp.bessel_i0, sp.bessel_i0e, sp.bessel_i1, sp.bessel_i1e, sp.bessel_j0,
           sp.bessel_j1, sp.bessel_y0, sp.bessel_y1, sp.bessel_k0, sp.bessel_k0e, sp.bessel_k1, sp.bessel_k1e,
           sp.dawsn, sp.expint, sp.fresnel_cos, sp.fresnel_sin, sp.spence]
    for dt in (tf.float32, tf.float64):
        x = tf.constant(_SPECIAL_EDGES, dt)
        out += [f(x) for f in fns]
    return out


def prog_special_binary_edges(tf: Lib) -> Any:
    """igamma/igammac/zeta/polygamma/IgammaGradA on a grid of edge values (x == 0 first: igamma(a, 0) = 0 for any a;
    zeta at non-positive integer q: inf for even x, else nan) and betainc's (I_0 = 0, I_1 = 1 even for nan a)."""
    v = [-1.0, 0.0, 0.5, 1.0, 3.0, float("inf"), float("nan")]
    a = tf.constant([[u] for u in v], tf.float64)
    x = tf.constant([v], tf.float64)
    b = tf.constant(v, tf.float64)
    return [tf.math.igamma(a, x), tf.math.igammac(a, x), tf.math.zeta(a + 2.0, x), tf.math.polygamma(a, x),
            tf.raw_ops.IgammaGradA(a=a, x=x),
            [tf.math.betainc(b, 2.0, t) for t in (0.0, 0.3, 1.0)],
            [tf.math.betainc(tf.constant(2.0, tf.float64), b, t) for t in (0.0, 1.0)]]


def prog_special_gradient_conventions(tf: Lib) -> Any:
    """Which arguments get a gradient: igamma both (a via IgammaGradA), betainc x only (None for a and b), zeta q only,
    polygamma x only; second derivatives through igamma's a raise LookupError (IgammaGradA has none)."""
    a = tf.constant([0.7, 2.0, 5.0], tf.float64)
    x = tf.constant([0.4, 2.5, 3.0], tf.float64)
    t = tf.constant([0.2, 0.5, 0.9], tf.float64)

    def second(fn: Callable[..., Any], i: int, j: int, *vals: Any) -> Any:
        with tf.GradientTape() as outer:
            outer.watch(list(vals))
            with tf.GradientTape() as inner:
                inner.watch(list(vals))
                y = fn(*vals)
            g = inner.gradient(y, vals[i])
        return outer.gradient(g, vals[j])

    return [grads(tf, tf.math.igamma, a, x), grads(tf, tf.math.igammac, a, x), grads(tf, tf.math.betainc, a, x, t),
            grads(tf, tf.math.zeta, a + 1.0, x), grads(tf, tf.math.polygamma, tf.constant([0.0, 1.0, 2.0], tf.float64),
                                                     x),
            second(tf.math.igamma, 1, 1, a, x), second(tf.math.igamma, 1, 0, a, x),
            caught(lambda: second(tf.math.igamma, 0, 0, a, x)), second(tf.math.betainc, 2, 0, a, x, t),
            second(tf.math.zeta, 1, 0, a + 1.0, x), second(tf.math.polygamma, 1, 1, a, x)]


def prog_special_unary_gradients(tf: Lib) -> Any:
    """TF's gradient formulas of the one-input special functions, including the imputed values at 0 (i1: 1,
    i1e: 1/2, j1: 1/2) and spence at 1 (-1)."""
    sp = tf.math.special
    x = tf.constant([0.0, 0.3, 1.0, 4.5, 30.0], tf.float64)
    p = tf.constant([0.1, 0.5, 0.9], tf.float64)
    fns = [sp.bessel_i0, sp.bessel_i0e, sp.bessel_i1, sp.bessel_i1e, sp.bessel_j0, sp.bessel_j1, sp.dawsn,
           sp.fresnel_cos, sp.fresnel_sin]
    pos = [sp.bessel_y0, sp.bessel_y1, sp.bessel_k0, sp.bessel_k0e, sp.bessel_k1, sp.bessel_k1e, sp.expint, sp.spence]
    return ([grad1(tf, f, x) for f in fns] + [grad1(tf, f, x[1:]) for f in pos]
            + [grad1(tf, sp.spence, tf.constant([1.0, 2.0], tf.float64)), grad1(tf, tf.math.erfinv, p),
               grad1(tf, tf.math.ndtri, p)])


def prog_special_dtype_errors(tf: Lib) -> Any:
    """Exception types: int inputs (InvalidArgumentError), float16 where TF has no CPU kernel (NotFoundError) or does
    not declare the dtype (InvalidArgumentError), betainc's non-broadcasting shapes, float16 Bessel values."""
    h = tf.constant([0.5, 2.0], tf.float16)
    return [caught(lambda: tf.math.erfinv(tf.constant([1, 2]))), caught(lambda: tf.math.igamma(1, 2)),
            caught(lambda: tf.math.erfinv(h)), caught(lambda: tf.math.special.dawsn(h)),
            caught(lambda: tf.math.zeta(h, h)), caught(lambda: tf.math.betainc(h, h, h)),
            caught(lambda: tf.math.igamma(h, h)), tf.math.special.bessel_i0(h), tf.math.special.bessel_k1e(h),
            caught(lambda: tf.math.special.bessel_j0(tf.constant([1.0], tf.bfloat16))),
            caught(lambda: tf.math.betainc(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0, 3.0]), 0.5)),
            tf.math.betainc(tf.constant([1.0, 2.0]), 3.0, 0.5),
            tf.math.igamma(tf.constant([[1.0, 2.0]]), [[1.0], [3.0]])]


def prog_raw_ops_bucketize(tf: Lib) -> Any:
    """raw_ops.Bucketize: upper-bound bucket indices (int32; nan goes to the last bucket), keyword-only (TypeError),
    unsorted boundaries (InvalidArgumentError), and gradient() through it raises LookupError (no gradient)."""
    x = tf.constant([[-1.0, 1.5, 3.0], [2.0, 7.0, float("nan")]])

    def grad() -> Any:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.raw_ops.Bucketize(input=x, boundaries=[1.5])
        return tape.gradient(y, x)

    return [tf.raw_ops.Bucketize(input=x, boundaries=[1.0, 2.0, 5.0]),
            tf.raw_ops.Bucketize(input=tf.constant([1, 5, 10], tf.int64), boundaries=[1.0, 5.5]),
            tf.raw_ops.Bucketize(input=x, boundaries=[]),
            caught(lambda: tf.raw_ops.Bucketize(x, [1.0])),
            caught(lambda: tf.raw_ops.Bucketize(input=x, boundaries=[2.0, 1.0])),
            caught(lambda: tf.raw_ops.Bucketize(input=tf.constant([1.0], tf.float16), boundaries=[1.0])),
            caught(grad), tf.raw_ops.Igamma(a=tf.constant(1.0), x=tf.constant(2.0)),
            tf.raw_ops.Betainc(a=tf.constant(1.0), b=tf.constant(2.0), x=tf.constant(0.5))]


def prog_special_lbeta_xlog1py(tf: Lib) -> Any:
    """tf.math.lbeta (along the last axis; -inf for an empty one) and tf.math.xlog1py (0 where x == 0, both
    gradients 0 there), values and gradients."""
    x = tf.constant([[1.0, 2.0, 3.0], [0.5, 0.5, 4.0]], tf.float64)
    u = tf.constant([0.0, 2.0, -0.5], tf.float64)
    v = tf.constant([-1.0, 1.0, 3.0], tf.float64)
    return [tf.math.lbeta(x), tf.math.lbeta(tf.zeros([2, 0])), grad1(tf, tf.math.lbeta, x),
            tf.math.xlog1py(u, v), grads(tf, tf.math.xlog1py, u, v)]


def prog_special_in_function(tf: Lib) -> Any:
    """The special functions and their gradients inside tf.function (called twice)."""
    @tf.function
    def f(a: Any, x: Any) -> Any:
        with tf.GradientTape() as tape:
            tape.watch([a, x])
            y = tf.reduce_sum(tf.math.igamma(a, x) + tf.math.special.bessel_k0e(x) + tf.math.zeta(a + 1.0, x)
                              + tf.math.betainc(a, a, x / 10.0))
        return y, tape.gradient(y, [a, x])

    a = tf.constant([0.5, 2.0, 4.0], tf.float64)
    x = tf.constant([0.3, 1.5, 6.0], tf.float64)
    return [f(a, x), f(a * 1.5, x)]


PROGRAMS: dict[str, Callable[[Lib], Any]] = {
    name.removeprefix("prog_"): fn for name, fn in list(globals().items()) if name.startswith("prog_")
}
