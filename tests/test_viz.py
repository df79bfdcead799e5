"""tapegrad.viz: DOT text parsed and checked structurally; rendering only where Graphviz is installed."""

from __future__ import annotations

import doctest
import re
import shutil

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import viz

_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,\]\s]+)')


def parse_dot(text: str) -> tuple[dict[str, dict[str, str]], list[tuple[str, str, dict[str, str]]]]:
    """A small DOT reader for tapegrad's output: node and edge statements with their attributes."""
    lines = text.strip().splitlines()
    assert lines[0].startswith("digraph ") and lines[0].endswith("{") and lines[-1] == "}"
    nodes: dict[str, dict[str, str]] = {}
    edges: list[tuple[str, str, dict[str, str]]] = []
    for line in lines[1:-1]:
        line = line.strip()
        assert line.endswith(";"), line
        m = re.match(r"^(\w+)(?:\s*->\s*(\w+))?\s*\[(.*)\];$", line)
        if m is None:
            continue  # graph attributes (rankdir, node/edge defaults)
        attrs = {k: v.strip('"') for k, v in _ATTR.findall(m.group(3))}
        if m.group(2):
            edges.append((m.group(1), m.group(2), attrs))
        elif m.group(1) not in ("node", "edge"):
            nodes[m.group(1)] = attrs
    for a, b, _ in edges:
        assert a in nodes and b in nodes, (a, b)
    return nodes, edges


def _model() -> tuple[tf.GradientTape, tf.Tensor, tf.Variable, tf.Variable, tf.Variable]:
    w = tf.Variable(np.arange(6.0).reshape(2, 3) / 10, name="w")
    b = tf.Variable(np.array([0.1, -0.2, 0.3]), name="b")
    u = tf.Variable(1.0, name="u")
    x = tf.constant([[1.0, -1.0]], tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        h = tf.tanh(tf.matmul(x, w) + b)
        side = u * 3.0  # recorded, but not on the path to the loss
        loss = tf.reduce_sum(h * h)
    del side
    return tape, loss, w, b, u


def test_docstring_examples_run() -> None:
    result = doctest.testmod(viz, extraglobs={"tf": tf})
    assert result.attempted >= 3 and result.failed == 0


def test_dot_structure_ops_shapes_sources_and_target() -> None:
    tape, loss, w, b, _ = _model()
    nodes, edges = parse_dot(viz.to_dot(tape, loss, [w, b]))
    ops = {n: a for n, a in nodes.items() if "op" in a.get("class", "")}
    labels = sorted(a["label"].split("\\n")[0] for a in ops.values())
    assert labels == ["add", "matmul", "multiply", "reduce_sum", "tanh"]  # only the ops leading to the loss
    by_name = {a["label"].split("\\n")[0]: n for n, a in ops.items()}
    assert ops[by_name["matmul"]]["label"] == "matmul\\nfloat64[1, 3]"
    assert ops[by_name["reduce_sum"]]["label"].startswith("reduce_sum\\nfloat64[]\\ntarget")
    assert ops[by_name["reduce_sum"]].get("peripheries") == "2"
    sources = {n: a for n, a in nodes.items() if a.get("class") == "source"}
    assert sorted(a["label"].split("\\n")[0] for a in sources.values()) == ["b (b:0)", "w (w:0)"]
    assert all(a["fillcolor"] == "gold" for a in sources.values())
    # x is an unwatched constant input of matmul
    consts = [n for n, a in nodes.items() if a.get("class") == "constant"]
    assert len(consts) == 1 and nodes[consts[0]]["label"] == "const float64[1, 2]"
    # every edge from a source up to the target is on the gradient path
    grad_edges = {(a, z) for a, z, at in edges if at.get("class") == "grad"}
    assert all(at.get("color") == "red" for _, _, at in edges if at.get("class") == "grad")
    succ: dict[str, set[str]] = {}
    for a, z in grad_edges:
        succ.setdefault(a, set()).add(z)
    for s in sources:
        seen, stack = set(), [s]
        while stack:
            n = stack.pop()
            seen.add(n)
            stack.extend(succ.get(n, set()) - seen)
        assert by_name["reduce_sum"] in seen
    # tanh feeds multiply twice (h * h)
    assert sum(1 for a, z in grad_edges if a == by_name["tanh"]) == 1
    assert sum(1 for a, z, _ in edges if a == by_name["tanh"] and z == by_name["multiply"]) == 2


def test_path_marking_depends_on_sources() -> None:
    tape, loss, w, b, _ = _model()
    nodes, edges = parse_dot(viz.to_dot(tape, loss, b))
    matmul = next(n for n, a in nodes.items() if a.get("label", "").startswith("matmul"))
    assert "off" in nodes[matmul]["class"]  # w's matmul is not on b's gradient path
    assert any(a.get("class") == "watched" for a in nodes.values())  # w: watched, but not a source here
    nodes2, edges2 = parse_dot(viz.to_dot(tape, loss))  # no sources: nothing is marked
    assert not any(at.get("class") == "grad" for *_, at in edges2)


def test_gradient_norms_on_edges_match_tape_gradients() -> None:
    tape, loss, w, b, _ = _model()
    nodes, edges = parse_dot(viz.to_dot(tape, loss, [w, b], gradients=True))
    gw, gb = tape.gradient(loss, [w, b])
    src = {a["label"].split(" ")[0]: n for n, a in nodes.items() if a.get("class") == "source"}
    label_w = next(at["label"] for a, _, at in edges if a == src["w"])
    label_b = next(at["label"] for a, _, at in edges if a == src["b"])
    assert float(label_w) == pytest.approx(np.linalg.norm(gw.numpy()), rel=1e-2)
    assert float(label_b) == pytest.approx(np.linalg.norm(gb.numpy()), rel=1e-2)
    top = [at["label"] for _, z, at in edges if nodes[z]["label"].startswith("reduce_sum")]
    assert [float(t) for t in top] == [pytest.approx(np.sqrt(3), rel=1e-2)]  # d loss / d (h * h) = ones(1, 3)


def test_released_tape_is_a_clear_error() -> None:
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="persistent=True"):
        viz.to_dot(tape, y, x)


def test_render_without_graphviz_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    import builtins

    real_import = builtins.__import__

    def no_graphviz(name, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if name == "graphviz":
            raise ImportError("no graphviz")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_graphviz)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    tape, loss, w, b, _ = _model()
    with pytest.raises(ImportError, match="apt-get install graphviz.*pip install graphviz"):
        viz.render(tape, loss, [w, b], str(tmp_path / "tape.svg"))


@pytest.mark.skipif(shutil.which("dot") is None, reason="the Graphviz `dot` program is not installed")
def test_render_svg_with_dot(tmp_path) -> None:
    tape, loss, w, b, _ = _model()
    out = viz.render(tape, loss, [w, b], str(tmp_path / "tape.svg"), gradients=True)
    text = open(out, encoding="utf-8").read()
    assert "<svg" in text and "matmul" in text and "reduce_sum" in text
