"""Tape pictures: Graphviz DOT text of what a tape recorded (``tapegrad.viz``).

:func:`to_dot` needs nothing but tapegrad; :func:`render` turns the text into SVG/PNG/PDF when the ``graphviz``
Python package or the Graphviz ``dot`` program is installed.

>>> import tapegrad as tf
>>> x = tf.Variable([1.0, 2.0], name="x")
>>> with tf.GradientTape(persistent=True) as tape:
...     y = tf.reduce_sum(tf.sin(x) * 3.0)
>>> text = tf.viz.to_dot(tape, y, x)
>>> text.splitlines()[0]
'digraph tape {'
>>> "sin" in text and "x:0" in text
True

In the picture: each box is a recorded op with its output's dtype and shape; ellipses are the watched tensors and
Variables (gold: the ``sources`` you asked about); the target has a double border. Red edges form the gradient path
from the target back to the sources; grey ops are recorded but do not lie on it. With ``gradients=True`` each edge
is labelled with the norm of the target's gradient with respect to the tensor flowing along it.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

from . import _nest, _tape
from ._tensor import _PACKAGE_DIR, Variable, _TensorLike

__all__ = ["to_dot", "render", "program_to_dot", "render_program"]


def to_dot(tape: Any, target: Any, sources: Any = None, *, gradients: bool = False, constants: bool = True,
           name: str = "tape") -> str:
    """Graphviz DOT text of the ops ``tape`` recorded on the way to ``target``.

    ``sources`` (a tensor, Variable or nest; optional) are highlighted and the gradient path from ``target`` to them
    is drawn in red. ``gradients=True`` labels each edge with ``‖∂target/∂t‖`` of the tensor ``t`` on it (one extra
    backward sweep; the tape is not consumed). ``constants=False`` hides inputs the tape does not watch.

    The tape must still hold its recording: call this before ``gradient`` on a non-persistent tape, or use
    ``persistent=True``.
    """
    rec = getattr(tape, "_tape", None)
    if rec is None:
        raise RuntimeError(
            "to_dot: this tape holds no recording (a non-persistent tape releases it in gradient(), and a tape "
            "that was never entered has none). Draw it before calling gradient(), or create the tape with "
            "tapegrad.GradientTape(persistent=True)."
        )
    targets = [t for t in _nest.flatten(target) if isinstance(t, _TensorLike)]
    srcs = [s for s in _nest.flatten(sources) if isinstance(s, _TensorLike)] if sources is not None else []
    entries = list(rec.entries)
    tids = {t._id for t in targets if t._id is not None}
    sids = {s._id for s in srcs if s._id is not None}

    producer: dict[int, int] = {}
    for k, e in enumerate(entries):
        for o in _outs(e):
            producer[o] = k
    # ops that lead to the target (reverse reachability)
    needed = set(tids)
    used: list[int] = []
    for k in range(len(entries) - 1, -1, -1):
        e = entries[k]
        if not needed.isdisjoint(_outs(e)):
            used.append(k)
            needed.update(i for i in e[1] if i is not None)
    used.reverse()
    # ids that depend on a source (forward reachability): the gradient path
    on_path = set(sids)
    for k in used:
        e = entries[k]
        if not on_path.isdisjoint(e[1]) and e[0].vjp is not None:
            on_path.update(_outs(e))
    grad_ids = {i for i in on_path if i in needed or i in tids}

    info = _shapes(entries, targets, srcs, rec)
    names = _caller_names(targets + srcs + list(rec.variables.values()))
    norms = _gradient_norms(entries, targets, needed) if gradients else {}

    lines = [f"digraph {_id(name)} {{", '  rankdir="BT";',
             '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];']
    leaves = sorted(i for i in needed if i not in producer)
    for i in leaves:
        label = _leaf_label(i, rec, names, info)
        style = ['shape="ellipse"', 'style="filled"']
        if i in sids:
            style += ['fillcolor="gold"', 'penwidth="2"', 'class="source"']
        elif i in rec.known:
            style += ['fillcolor="lightblue"', 'class="watched"']
        else:
            style += ['fillcolor="white"', 'class="leaf"']
        if i in tids:
            style.append('peripheries="2"')
        lines.append(f"  t{i} [label={_q(label)}, {', '.join(style)}];")
    const_n = 0
    for k in used:
        e = entries[k]
        op, in_ids = e[0], e[1]
        outs = _outs(e)
        meta = ", ".join(info.get(o, "?") for o in outs)
        node = f"op{k}"
        gp = not grad_ids.isdisjoint(outs)
        attrs = ['shape="box"', 'style="rounded,filled"', f'fillcolor="{"mistyrose" if gp else "whitesmoke"}"',
                 f'class="op {"grad" if gp else "off"}"']
        if not tids.isdisjoint(outs):
            attrs.append('peripheries="2"')
            label_name = next((names[o] for o in outs if o in names), None)
            meta += f"\\ntarget{' ' + label_name if label_name else ''}"
        lines.append(f"  {node} [label={_q(op.name + chr(92) + 'n' + meta)}, {', '.join(attrs)}];")
        for j, i in enumerate(in_ids):
            if i is None:
                if not constants:
                    continue
                const_n += 1
                cname = f"c{const_n}"
                lines.append(f"  {cname} [label={_q(_const_label(e[3][j] if j < len(e[3]) else None))}, "
                             'shape="plain", fontcolor="gray40", class="constant"];')
                lines.append(f'  {cname} -> {node} [color="gray70", class="constant"];')
                continue
            src = f"op{producer[i]}" if i in producer else f"t{i}"
            on = i in grad_ids and gp
            eattrs = [f'color="{"red" if on else "gray50"}"', f'class="{"grad" if on else "data"}"']
            if on:
                eattrs.append('penwidth="2"')
            if i in norms:
                eattrs.append(f"label={_q(f'{norms[i]:.3g}')}")
            if len(_outs(entries[producer[i]]) if i in producer else ()) > 1:
                eattrs.append(f'taillabel="{_outs(entries[producer[i]]).index(i)}"')
            lines.append(f"  {src} -> {node} [{', '.join(eattrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(tape: Any, target: Any, sources: Any = None, path: str = "tape.svg", *, gradients: bool = False,
           engine: str = "dot", **kwargs: Any) -> str:
    """Draw :func:`to_dot`'s picture into ``path`` (the format comes from its suffix: .svg, .png, .pdf, ...).

    Uses the ``graphviz`` Python package when it is installed, otherwise the Graphviz ``dot`` program directly;
    without either it raises ImportError saying how to install them. Returns ``path``.
    """
    dot = to_dot(tape, target, sources, gradients=gradients, **kwargs)
    fmt = os.path.splitext(path)[1].lstrip(".").lower() or "svg"
    data = _run_graphviz(dot, fmt, engine)
    with open(path, "wb") as fh:
        fh.write(data)
    return path


def program_to_dot(program: Any, name: str = "program") -> str:
    """Graphviz DOT text of a compiled program's optimised graph (a ``tapegrad.function`` concrete function, a
    compiler ``Program`` or its ``Graph``): ops as boxes, inputs and Variables as ellipses, guards as diamonds.

    >>> import tapegrad as tf
    >>> from tapegrad.compiler.trace import trace
    >>> p = trace(lambda ts: ([tf.sin(ts[0]) * 2.0], None), [tf.constant([1.0])])
    >>> "sin" in tf.viz.program_to_dot(p)
    True
    """
    from .compiler.viz import program_to_dot as _to_dot

    return _to_dot(program, name)


def render_program(program: Any, path: str = "program.svg", *, engine: str = "dot") -> str:
    """Draw :func:`program_to_dot`'s picture into ``path`` (format from the suffix). Returns ``path``."""
    dot = program_to_dot(program)
    fmt = os.path.splitext(path)[1].lstrip(".").lower() or "svg"
    with open(path, "wb") as fh:
        fh.write(_run_graphviz(dot, fmt, engine))
    return path


def _run_graphviz(dot: str, fmt: str, engine: str = "dot") -> bytes:
    import shutil
    import subprocess

    try:
        import graphviz  # type: ignore[import-not-found]
    except ImportError:
        graphviz = None
    if graphviz is not None:
        try:
            return graphviz.Source(dot, engine=engine).pipe(format=fmt)
        except graphviz.ExecutableNotFound:
            pass
    exe = shutil.which(engine)
    if exe is None:
        raise ImportError(
            f"render needs the Graphviz '{engine}' program: install Graphviz (Debian/Ubuntu: apt-get install "
            "graphviz; macOS: brew install graphviz; conda: conda install graphviz) and, optionally, the Python "
            "package (pip install graphviz). tapegrad.viz.to_dot() works without them: paste its text into any "
            "Graphviz viewer."
        )
    proc = subprocess.run([exe, f"-T{fmt}"], input=dot.encode(), capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} failed (exit code {proc.returncode}): {proc.stderr.decode(errors='replace')}")
    return proc.stdout


# -- helpers ------------------------------------------------------------------------------------------------------


def _outs(e: tuple[Any, ...]) -> tuple[int, ...]:
    o = e[2]
    return o if type(o) is tuple else (o,)


def _meta(v: Any) -> str | None:
    dt = getattr(v, "dtype", None)
    shape = getattr(v, "shape", None)
    if dt is None or shape is None:
        return None
    return f"{np.dtype(dt).name}{list(shape)}"


def _shapes(entries: list[tuple[Any, ...]], targets: list[Any], srcs: list[Any], rec: Any) -> dict[int, str]:
    """id -> "dtype[shape]" from what the tape saved (inputs, saved outputs) and the tensors at hand."""
    info: dict[int, str] = {}
    for e in entries:
        for i, v in zip(e[1], e[3]):
            if i is not None and i not in info:
                m = _meta(v)
                if m:
                    info[i] = m
        out = e[4]
        if out is not None:
            for o, v in zip(_outs(e), out if type(e[2]) is tuple else (out,)):
                m = _meta(v)
                if m:
                    info[o] = m
    for t in list(targets) + list(srcs) + list(rec.variables.values()):
        if t._id is not None:
            info[t._id] = _meta(t._value) or "?"
    return info


def _caller_names(objs: list[Any]) -> dict[int, str]:
    """Local variable names (in the first caller outside tapegrad) of the given tensors, by tape id."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE_DIR):
        f = f.f_back
    out: dict[int, str] = {}
    if f is None:
        return out
    try:
        scope = dict(f.f_locals)
        if f.f_code.co_name == "<module>":
            scope = {**f.f_globals, **scope}
    finally:
        del f
    for o in objs:
        if o._id is None or o._id in out:
            continue
        hits = sorted((k for k, v in scope.items() if v is o and not k.startswith("_")), key=lambda k: (len(k), k))
        if hits:
            out[o._id] = hits[0]
    return out


def _leaf_label(i: int, rec: Any, names: dict[int, str], info: dict[int, str]) -> str:
    var = rec.variables.get(i)
    parts = []
    if i in names:
        parts.append(names[i])
    if var is not None and isinstance(var, Variable):
        parts.append(f"Variable {var.name}" if not parts else f"({var.name})")
    elif not parts:
        parts.append("watched" if i in rec.known else "tensor")
    return " ".join(parts) + "\\n" + info.get(i, "?")


def _const_label(v: Any) -> str:
    if isinstance(v, (int, float, complex)) and not isinstance(v, bool):
        return repr(v)
    if isinstance(v, (np.ndarray, np.generic)) and v.size == 1:
        return f"{v.reshape(()).item()!r}"
    m = _meta(v)
    return f"const {m}" if m else "const"


def _gradient_norms(entries: list[tuple[Any, ...]], targets: list[Any], ids: set[int]) -> dict[int, float]:
    from ._backprop import backward

    seeds: dict[int, Any] = {}
    for t in targets:
        v = t._value
        if t._id is None or v.dtype.kind not in "fcV":
            continue
        seeds[t._id] = t._xp.ones(v.shape, dtype=v.dtype)
    if not seeds:
        return {}
    xp = targets[0]._xp
    saved = _tape.local.tapes
    _tape.local.tapes = ()  # the extra sweep must not be recorded by anything
    try:
        results, _ = backward(list(entries), False, seeds, set(ids) | set(seeds), xp, 0)
    finally:
        _tape.local.tapes = saved
    norms = {}
    for i, g in results.items():
        g = getattr(g, "_value", g)
        if type(g).__name__ == "IndexedSlices":
            g = g._dense()._value
        norms[i] = float(np.linalg.norm(np.asarray(g).ravel()))
    return norms


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\\\\n", "\\n") + '"'


def _id(name: str) -> str:
    return name if name.isidentifier() else _q(name)
