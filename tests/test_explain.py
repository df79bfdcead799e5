"""tapegrad.debugging.explain: one case per cause of a None gradient, each message ending with the fix."""

from __future__ import annotations

import doctest
import warnings

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import debugging


def _one(report: debugging.Explanations) -> debugging.Explanation:
    assert len(report) == 1, str(report)
    e = report[0]
    assert e.cause in debugging.CAUSES
    assert e.message.splitlines()[-1].startswith("Fix: ")
    return e


def test_docstring_examples_run() -> None:
    result = doctest.testmod(debugging)
    assert result.attempted >= 8 and result.failed == 0


def test_not_watched_names_where_it_was_created() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    e = _one(debugging.explain(tape, y, x))
    assert e.cause == "not_watched" and e.name == "x"
    assert "x = tf.constant(3.0)" in e.line and "test_explain.py" in e.line
    assert "tape.watch(x)" in e.message


def test_not_watched_with_watch_accessed_variables_false() -> None:
    v = tf.Variable(3.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        y = v * v
    e = _one(debugging.explain(tape, y, v))
    assert e.cause == "not_watched" and "watch_accessed_variables=False" in e.message


def test_watched_after_use() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = x * x
        tape.watch(x)
    e = _one(debugging.explain(tape, y, x))
    assert e.cause == "watched_after_use"
    assert "tape.watch(x)" in e.message and "y = x * x" in e.line


def test_integer_source() -> None:
    x = tf.constant(3)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    e = _one(debugging.explain(tape, y, x))
    assert e.cause == "integer_dtype" and "int32" in e.message and "tf.cast" in e.message


def test_integer_cast_on_the_path() -> None:
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        k = tf.cast(x, tf.int32)
        y = tf.cast(k, tf.float32) * 2.0
    e = _one(debugging.explain(tape, y, x))
    assert e.cause == "integer_dtype" and "tf.cast(x, tf.int32)" in e.message


def test_integer_target() -> None:
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = tf.cast(x * 2.0, tf.int32)
    e = _one(debugging.explain(tape, y, x))
    assert e.cause == "integer_dtype" and "target has dtype int32" in e.message


def test_left_tape_through_numpy() -> None:
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        h = x * 2.0
        y = tf.reduce_sum(tf.constant(h.numpy()) ** 2)
    e = _one(debugging.explain(tape, y, x))
    assert e.cause == "left_tape" and ".numpy()" in e.message
    assert "h.numpy()" in e.line  # the escape was logged while the tape recorded


def _leave(t: tf.Tensor) -> tf.Tensor:
    return tf.constant(t.numpy()) * 2.0


def test_left_tape_inside_a_helper_uses_the_escape_log() -> None:
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(_leave(x * 3.0))
    e = _one(debugging.explain(tape, y, x))
    assert e.cause == "left_tape" and "tf.constant(t.numpy())" in e.line


def test_logging_with_numpy_is_not_blamed() -> None:
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        h = x * 3.0
        print(h.numpy())  # logging: logged as an escape, but not the break
        y = tf.reduce_sum(tf.stop_gradient(h))
    e = _one(debugging.explain(tape, y, x))
    assert e.cause == "stop_gradient"


def test_left_tape_through_float() -> None:
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = tf.constant(float(x)) ** 2
    e = _one(debugging.explain(tape, y, x))
    assert e.cause == "left_tape" and "float(x)" in e.message


def test_outside_the_context() -> None:
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        h = x * 2.0
    y = h * h
    e = _one(debugging.explain(tape, y, x))
    assert e.cause == "outside_context" and "y = h * h" in e.line


def test_outside_the_context_names_the_line_where_the_with_block_ended() -> None:
    # the tape keeps (code, f_lasti) of its exit; explain turns it into the `with` statement's file and line
    import inspect

    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        h = x * 2.0
    line = inspect.currentframe().f_lineno - 2
    y = h * h
    e = _one(debugging.explain(tape, y, x))
    assert e.cause == "outside_context"
    assert f"test_explain.py:{line}: with tf.GradientTape() as tape:)" in e.message, e.message


def test_outside_the_context_in_stop_recording() -> None:
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        with tape.stop_recording():
            y = x * x
    e = _one(debugging.explain(tape, y, x))
    assert e.cause == "outside_context"


def test_stop_gradient() -> None:
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = tf.stop_gradient(x * 2.0) * 3.0
    e = _one(debugging.explain(tape, y, x))
    assert e.cause == "stop_gradient" and "tf.stop_gradient(x * 2.0)" in e.message


def test_non_differentiable_op_is_named() -> None:
    w = tf.Variable([1.4, 3.2, 2.0])
    with tf.GradientTape() as tape:
        r = tf.round(w)
        y = tf.reduce_sum(r * 2.0)
    e = _one(debugging.explain(tape, y, w))
    assert e.cause == "non_differentiable_op" and "tf.round(w)" in e.message and "round has no gradient" in e.message


def test_argmax_is_named() -> None:
    w = tf.Variable([1.4, 3.2, 2.0])
    with tf.GradientTape() as tape:
        i = tf.cast(tf.argmax(w), tf.float32)
        y = i * 2.0
    e = _one(debugging.explain(tape, y, w))
    assert e.cause == "non_differentiable_op" and "tf.argmax(w)" in e.message and "argmax has no gradient" in e.message


def test_comparison_on_the_path() -> None:
    w = tf.Variable([1.0, -1.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.cast(w > 0.0, tf.float32))
    e = _one(debugging.explain(tape, y, w))
    assert e.cause == "non_differentiable_op" and "w > 0.0" in e.message


def test_where_with_a_comparison_is_not_blamed() -> None:
    w = tf.Variable([1.0, -1.0])
    with tf.GradientTape() as tape:
        h = w * 2.0
    y = tf.where(h > 0.0, h, 0.0)  # computed outside: the comparison is not the break
    e = _one(debugging.explain(tape, y, w))
    assert e.cause == "outside_context"


def test_variable_replaced_by_tensor() -> None:
    x = tf.Variable(3.0)
    x = x + 1.0
    with tf.GradientTape() as tape:
        y = x * x
    e = _one(debugging.explain(tape, y, x))
    assert e.cause == "variable_replaced" and "x.assign_add(1.0)" in e.message and "x = x + 1.0" in e.line


def test_not_trainable() -> None:
    v = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as tape:
        y = v * v
    e = _one(debugging.explain(tape, y, v))
    assert e.cause == "not_trainable" and "trainable=False" in e.message


def test_not_connected_and_connected_sources_are_skipped() -> None:
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = a * 2.0
        _ = b * 3.0
    report = debugging.explain(tape, y, [a, b])
    e = _one(report)
    assert e.source is b and e.cause == "not_connected" and "unconnected_gradients='zero'" in e.message
    with tf.GradientTape() as tape2:
        z = a * b
    assert len(debugging.explain(tape2, z, [a, b])) == 0
    assert "connected" in str(debugging.explain(tape2, z, [a, b]))


def test_explain_on_a_released_tape_still_reads_the_code() -> None:
    x = tf.constant(3)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * 2
    assert tape.gradient(y, x) is None
    e = _one(debugging.explain(tape, y, x))
    assert e.cause == "integer_dtype" and "already released" in e.message


def test_gradient_explain_mode_warns_and_returns_none() -> None:
    x = tf.constant(3.0)
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * w
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gx, gw = tape.gradient(y, [x, w], unconnected_gradients="explain")
    assert gx is None and float(gw) == 3.0
    msgs = [w_ for w_ in caught if issubclass(w_.category, debugging.UnconnectedGradientWarning)]
    assert len(msgs) == 1
    text = str(msgs[0].message)
    assert "Gradient of x is None" in text and "never watched" in text and "Gradient of w" not in text
    assert msgs[0].filename == __file__  # points at the gradient() call


def test_gradient_explain_mode_silent_when_connected() -> None:
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = w * w
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(tape.gradient(y, w, unconnected_gradients="explain")) == 4.0


def test_inline_target_outside_context() -> None:
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        pass
    report = debugging.explain(tape, x * x, x)
    assert _one(report).cause in ("outside_context", "not_connected")


def test_numpy_function_on_watched_value_raises_instead_of_losing_the_gradient() -> None:
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape():
        with pytest.raises(TypeError, match="np.median"):
            np.median(x * 2.0)


def test_debugging_doc_examples_run(tmp_path, capsys) -> None:
    """Every ```python block of docs/debugging.md runs as a script (so explain can read its source)."""
    import pathlib
    import re
    import runpy

    doc = pathlib.Path(__file__).resolve().parents[1] / "docs" / "debugging.md"
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 7
    for k, code in enumerate(blocks):
        path = tmp_path / f"example_{k}.py"
        path.write_text(code, encoding="utf-8")
        runpy.run_path(str(path), run_name="__main__")
    out = capsys.readouterr().out
    for expected in ("Tensor tapegrad.float32", "variable_replaced", "x.assign_add(1.0)", "tf.round(w)",
                     "gradient of op 'sqrt' with respect to input 0 is Inf", "digraph tape {",
                     "True tapegrad.float32 True", "tapegrad.float64 True"):
        assert expected in out, expected


# -- the diagnosis rests on what the tape logged, not on source files or on the calling frame ------------------

README_EXAMPLE = """
import tapegrad as tf
w = tf.Variable(2.0)
with tf.GradientTape() as tape:
    loss = tf.constant(w.numpy()) * 3.0        # leaves the tape through .numpy()
report = tf.debugging.explain(tape, loss, w)
print(report.causes(), report[0].line)
print(report)
"""


def test_readme_example_in_python_dash_c() -> None:
    """No source file to read (``python -c``): the escape log names w.numpy()."""
    import os
    import pathlib
    import subprocess
    import sys

    src = str(pathlib.Path(__file__).resolve().parents[1] / "src")
    env = dict(os.environ, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", README_EXAMPLE], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "['left_tape']" in out.stdout and "<string>:5" in out.stdout and ".numpy()" in out.stdout
    assert "outside" not in out.stdout


def test_readme_example_in_exec_and_at_the_interactive_prompt() -> None:
    import code
    import contextlib
    import io

    ns: dict[str, object] = {}
    exec(compile(README_EXAMPLE, "<string>", "exec"), ns)  # noqa: S102 - the REPL-like run under test
    report = ns["report"]
    assert report.causes() == ["left_tape"] and ".numpy()" in report[0].message  # type: ignore[attr-defined]

    console = code.InteractiveInterpreter()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        for stmt in ["import tapegrad as tf", "w = tf.Variable(2.0)",
                     "with tf.GradientTape() as tape:\n    loss = tf.constant(w.numpy()) * 3.0\n",
                     "print(tf.debugging.explain(tape, loss, w).causes())"]:
            console.runsource(stmt, "<console>", "exec")
    assert "['left_tape']" in buf.getvalue()


def _why(tape: tf.GradientTape, y: object, x: object) -> debugging.Explanations:
    return debugging.explain(tape, y, x)  # a helper: its frame knows nothing about how y was computed


def _model(v: tf.Variable) -> tf.Tensor:
    return tf.constant(v.numpy()) * 3.0


def _frozen(v: tf.Variable) -> tf.Tensor:
    return tf.stop_gradient(v * 2.0) * 3.0


def test_explain_from_a_helper_names_escapes_and_stop_gradient() -> None:
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        loss = _model(w)
    e = _one(_why(tape, loss, w))
    assert e.cause == "left_tape" and "v.numpy()" in e.line and "_why" not in e.line

    with tf.GradientTape() as tape:
        loss = _frozen(w)
    e = _one(_why(tape, loss, w))
    assert e.cause == "stop_gradient" and "tf.stop_gradient(v * 2.0)" in e.line


def test_explain_from_a_helper_outside_the_context_does_not_blame_the_call() -> None:
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        h = w * 2.0
    y = h * h
    e = _one(_why(tape, y, w))
    assert e.cause == "outside_context"
    assert e.line is None or "debugging.explain" not in e.line
    assert "y = h * h" in (e.line or "")  # quoted from this test's frame, where y is bound


def test_explain_in_exec_without_source_for_stop_gradient_and_outside_context() -> None:
    src = """
import tapegrad as tf
x = tf.Variable(3.0)
with tf.GradientTape() as tape:
    y = tf.stop_gradient(x * 2.0) * 3.0
r1 = tf.debugging.explain(tape, y, x)
with tf.GradientTape() as tape:
    h = x * 2.0
z = h * h
r2 = tf.debugging.explain(tape, z, x)
"""
    ns: dict[str, object] = {}
    exec(compile(src, "<no source>", "exec"), ns)  # noqa: S102
    assert ns["r1"].causes() == ["stop_gradient"]  # type: ignore[attr-defined]
    assert "<no source>:5" in ns["r1"][0].line  # type: ignore[index]
    assert ns["r2"].causes() == ["outside_context"]  # type: ignore[attr-defined]
