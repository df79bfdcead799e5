"""``tapegrad.compat`` and ``tapegrad.compat.v1`` beyond the TF lane (tests/conformance/test_compat_vs_tf.py): the
name resolution (TF 2 twins, explanations for absent and graph-only names), TF 1 ``Dimension``, and the docstring
examples."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import tapegrad as tf

MODULES = ("tapegrad.compat", "tapegrad.compat.v1", "tapegrad.compat._v1_train", "tapegrad.ops.image_resize_legacy")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_v2_is_tapegrad_and_twins_are_the_tf2_functions() -> None:
    assert tf.compat.v2 is tf
    assert tf.compat.v1.math.log is tf.math.log
    assert tf.compat.v1.nn.relu is tf.nn.relu
    assert tf.compat.v1.keras is tf.keras


def test_absent_names_say_why() -> None:
    with pytest.raises(AttributeError, match="graph mode"):
        tf.compat.v1.Session  # noqa: B018
    with pytest.raises(AttributeError, match="exists in TF 2.21, but tapegrad does not provide it"):
        tf.compat.v1.train.AdagradDAOptimizer  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        tf.compat.v1.no_such_name  # noqa: B018


def test_submodules_import_as_modules() -> None:
    code = "import tapegrad.compat.v1 as v1; import tapegrad.compat.v1.train as t; print(t.AdamOptimizer.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "AdamOptimizer"
    assert "train" in dir(tf.compat.v1) and "AdamOptimizer" in dir(tf.compat.v1.train)


def test_graph_mode_switches_are_refused_with_a_reason() -> None:
    with pytest.raises(NotImplementedError, match="only TF 2's behaviour"):
        tf.compat.v1.disable_eager_execution()
    assert tf.compat.v1.enable_eager_execution() is None
    with pytest.raises(RuntimeError, match="not compatible with eager execution"):
        tf.compat.v1.placeholder(tf.float32)


def test_dimension_arithmetic_and_compatibility() -> None:
    d, u = tf.compat.v1.Dimension(3), tf.compat.v1.Dimension(None)
    assert (d + 1).value == 4 and (2 * d).value == 6 and (d - 1).value == 2 and (d // 2).value == 1
    assert (d + u).value is None and (d == u) is None and d == 3 and d != 4
    assert d.is_compatible_with(u) and not d.is_compatible_with(4)
    assert d.merge_with(u).value == 3 and str(u) == "?" and int(d) == 3
    with pytest.raises(ValueError, match="not compatible"):
        d.merge_with(4)
    with pytest.raises(ValueError, match=">= 0"):
        tf.compat.v1.Dimension(-1)
    with pytest.raises(TypeError, match="integer or None"):
        tf.compat.v1.Dimension(2.5)


def test_text_helpers_refuse_other_types() -> None:
    with pytest.raises(TypeError, match="binary or unicode"):
        tf.compat.as_text(3)
    assert tf.compat.as_bytes(bytearray(b"x")) == b"x"


def test_v1_optimizer_matches_a_hand_computed_adam_step() -> None:
    v = tf.Variable(np.array([1.0, -2.0]))
    opt = tf.compat.v1.train.AdamOptimizer(0.1)
    opt.apply_gradients([(tf.constant([0.5, -1.0], tf.float64), v)])
    # first TF 1 Adam step: m = 0.1 g, v = 0.001 g², lr_t = 0.1 sqrt(1-0.999)/(1-0.9): moves each entry by ~lr
    m, s = 0.1 * np.array([0.5, -1.0]), 0.001 * np.array([0.25, 1.0])
    expect = np.array([1.0, -2.0]) - 0.1 * np.sqrt(1 - 0.999) / (1 - 0.9) * m / (np.sqrt(s) + 1e-8)
    np.testing.assert_allclose(v.numpy(), expect, rtol=1e-12)
    assert opt.get_slot_names() == ["m", "v"]
    assert [x.name for x in opt.variables()][:2] == ["Variable/Adam:0", "Variable/Adam_1:0"]


def test_every_own_v1_name_resolves() -> None:
    from tapegrad.compat.v1 import _OWN, _resolve

    for name in _OWN:
        _resolve(name)  # AttributeError when a registry entry names an attribute its module lacks


@pytest.mark.parametrize("kind", ["bilinear", "bicubic"])
@pytest.mark.parametrize(("align", "half"), [(False, False), (True, False), (False, True)])
def test_legacy_resize_gradient_is_the_transposed_map(kind: str, align: bool, half: bool) -> None:
    """The resize is linear: its gradient for an upstream ``g`` is ``<g, d resize(x) / dx>``, i.e. each input
    pixel's gradient equals the change of ``<g, resize(x)>`` when that pixel moves by one (exact for a linear map)."""
    fn = getattr(tf.compat.v1.image, f"resize_{kind}")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1, 3, 4, 1)).astype(np.float32)
    g = rng.normal(size=(1, 5, 2, 1)).astype(np.float32)
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(fn(v, [5, 2], align_corners=align, half_pixel_centers=half) * g)
    grad = tape.gradient(loss, v).numpy()
    base = float(tf.reduce_sum(fn(x, [5, 2], align_corners=align, half_pixel_centers=half) * g))
    for idx in np.ndindex(x.shape):
        bumped = x.copy()
        bumped[idx] += 1.0
        moved = float(tf.reduce_sum(fn(bumped, [5, 2], align_corners=align, half_pixel_centers=half) * g))
        assert abs((moved - base) - grad[idx]) < 1e-4


def test_v1_saver_keeps_max_to_keep_and_restores_by_name(tmp_path: Any) -> None:
    a, b = tf.Variable([1.0], name="a"), tf.Variable(2.0, name="b")
    saver = tf.compat.v1.train.Saver({"x/a": a, "b": b}, max_to_keep=2)
    paths = [saver.save(None, str(tmp_path / "m"), global_step=s) for s in (1, 2, 3)]
    assert [p.rsplit("-", 1)[1] for p in saver.last_checkpoints] == ["2", "3"]
    assert not (tmp_path / "m-1.npz").exists() and (tmp_path / "m-3.npz").exists()
    assert tf.train.latest_checkpoint(str(tmp_path)) == paths[-1]
    a.assign([5.0])
    b.assign(0.0)
    saver.restore(None, paths[1])
    assert a.numpy().tolist() == [1.0] and float(b.numpy()) == 2.0
    with pytest.raises(tf.errors.NotFoundError, match="Key c not found"):
        tf.compat.v1.train.Saver([tf.Variable(1.0, name="c")]).restore(None, paths[1])
    with pytest.raises(RuntimeError, match="var_list"):
        tf.compat.v1.train.Saver()


def test_v1_checkpoint_file_utilities(tmp_path: Any) -> None:
    t = tf.compat.v1.train
    ckpt = t.Checkpoint(v=tf.Variable([1.0, 2.0]))
    path = ckpt.save(str(tmp_path / "ck"), session=None)
    assert t.checkpoint_exists(path) and not t.checkpoint_exists(path + "x")
    assert len(t.get_checkpoint_mtimes([path, path + "x"])) == 1
    assert t.NewCheckpointReader(path).get_tensor("v/.ATTRIBUTES/VARIABLE_VALUE").tolist() == [1.0, 2.0]
    t.update_checkpoint_state(str(tmp_path), path)
    assert (tmp_path / "checkpoint").read_text().splitlines()[0] == 'model_checkpoint_path: "ck-1"'
    assert tf.train.latest_checkpoint(str(tmp_path)) == path
    state = t.generate_checkpoint_state_proto(str(tmp_path), "b", ["a"])
    assert state.all_model_checkpoint_paths == ["a", "b"]
    t.remove_checkpoint(path)
    assert not t.checkpoint_exists(path)


def test_v1_app_run_parses_absl_flags(tmp_path: Any) -> None:
    pytest.importorskip("absl.flags")
    prog = tmp_path / "prog.py"
    prog.write_text(
        "import tapegrad as tf\n"
        "flags = tf.compat.v1.app.flags\n"
        "flags.DEFINE_integer('steps', 3, 'how many')\n"
        "FLAGS = flags.FLAGS\n"
        "def main(argv):\n"
        "    print(FLAGS.steps, argv[1:], tf.compat.v1.flags is flags)\n"
        "tf.compat.v1.app.run()\n")
    out = subprocess.run([sys.executable, str(prog), "--steps", "7", "--other=1", "rest"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "7 ['--other=1', 'rest'] True"


def test_v1_summary_image_and_writer_bridge(tmp_path: Any) -> None:
    s = tf.compat.v1.summary
    from tapegrad._summary_pb import Summary, read_events

    # (TF 2.21's eager ImageSummary kernel fails with UnimplementedError; tapegrad writes TF 1's PNG summary)
    proto = Summary.FromString(s.image("im", tf.constant(np.linspace(-1.0, 1.0, 12).reshape(1, 2, 2, 3))).numpy())
    value = proto.value[0]
    assert value.tag == "im/image/0" and (value.image.height, value.image.width, value.image.colorspace) == (2, 2, 3)
    png = tf.io.decode_png(value.image.encoded_image_string).numpy()
    assert png.shape == (2, 2, 3) and png.min() == 1 and png.max() == 255
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default(step=4):
        assert s.scalar("loss", 0.25).numpy() == b""  # written through the TF 2 writer, as TF
    writer.flush()
    events = [e for f in tmp_path.iterdir() for e in read_events(str(f)) if e.summary.value]
    assert [(e.step, e.summary.value[0].tag) for e in events] == [(4, "loss")]
