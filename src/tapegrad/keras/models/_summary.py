"""``Model.summary()``: the layer table Keras 3 prints (box-drawn like its ``rich`` table, without colours).

Column widths follow Keras: a line of ``min(88, terminal columns - 4)`` characters (108 and four columns with
"Connected to" for non-sequential functional models), split at the relative ``positions``; when the padded
columns do not fit, each is narrowed by Keras's (rich's) even ``ratio_reduce``. Cells wrap at spaces; a word longer
than its cell is cut with ``…``.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["print_summary", "readable_memory_size"]


def readable_memory_size(size: float) -> str:
    """``"396.00 B"``, ``"1.50 KB"``, … (1024-based, two decimals)."""
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _count(weights: list[Any]) -> int:
    return int(sum(math.prod(tuple(w.shape)) for w in weights))


def _memory(weights: list[Any]) -> float:
    unique = {id(w): w for w in weights}.values()
    return float(sum(math.prod(tuple(w.shape)) * np.dtype(str(getattr(w.dtype, "name", w.dtype))).itemsize
                     for w in unique))


def _ratio_reduce(total: int, ratios: list[int], maximums: list[int], values: list[int]) -> list[int]:
    ratios = [r if m else 0 for r, m in zip(ratios, maximums)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return list(values)
    remaining = total
    out = []
    for ratio, maximum, value in zip(ratios, maximums, values):
        if ratio and total_ratio > 0:
            d = min(maximum, round(ratio * remaining / total_ratio))
            out.append(value - d)
            remaining -= d
            total_ratio -= ratio
        else:
            out.append(value)
    return out


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            if len(word) > width:
                word = word[: max(width - 1, 0)] + "…"
            if not line:
                line = word
            elif len(line) + 1 + len(word) <= width:
                line += " " + word
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def _render_table(headers: list[str], rows: list[list[str]], widths: list[int], aligns: list[str]) -> str:
    def cells(values: list[str], left: str, sep: str, right: str) -> list[str]:
        wrapped = [_wrap(v, w - 2) for v, w in zip(values, widths)]
        height = max(len(c) for c in wrapped)
        out = []
        for i in range(height):
            parts = []
            for lines, w, align in zip(wrapped, widths, aligns):
                text = lines[i] if i < len(lines) else ""
                inner = text.rjust(w - 2) if align == "right" else (
                    text.center(w - 2) if align == "center" else text.ljust(w - 2))
                parts.append(" " + inner + " ")
            out.append(left + sep.join(parts) + right)
        return out

    lines = ["┏" + "┳".join("━" * w for w in widths) + "┓"]
    lines += cells(headers, "┃", "┃", "┃")
    lines.append("┡" + "╇".join("━" * w for w in widths) + "┩")
    for i, row in enumerate(rows):
        if i:
            lines.append("├" + "┼".join("─" * w for w in widths) + "┤")
        lines += cells(row, "│", "│", "│")
    lines.append("└" + "┴".join("─" * w for w in widths) + "┘")
    return "\n".join(lines)


def _format_shape(shape: Any) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"


def layer_output_shape(layer: Any, model_nodes: set[int] | None = None) -> str:
    """The "Output Shape" cell: from the layer's graph node, else from its build shape, else ``?``."""
    nodes = layer._inbound_nodes
    if model_nodes is not None:
        nodes = [n for n in nodes if id(n) in model_nodes] or nodes
    if nodes:
        outs = nodes[-1].output_tensors
        shapes = [_format_shape(t.shape) for t in outs]
        return shapes[0] if len(shapes) == 1 else "[" + ", ".join(shapes) + "]"
    build = layer._build_shapes_dict
    if not build:
        return "?"
    shape = build.get("input_shape")
    try:
        out = layer.compute_output_shape(shape)
    except NotImplementedError:
        try:
            from ..layers._base import KerasTensor

            spec = layer._output_spec((KerasTensor(shape),), {}, shape)
            if not hasattr(spec, "shape"):
                return "?"
            out = spec.shape
        except Exception:  # noqa: BLE001 - a layer that cannot run on zeros just shows "?"
            return "?"
    except Exception:  # noqa: BLE001
        return "?"
    if isinstance(out, tuple):
        return _format_shape(out)
    return str(out).replace("'", "")


def print_summary(model: Any, line_length: int | None = None, positions: list[float] | None = None,
                  print_fn: Callable[..., Any] | None = None, expand_nested: bool = False,
                  show_trainable: bool = False, layer_range: Any = None) -> None:
    """Print ``model``'s layer table and parameter counts (see the module docstring)."""
    from ..layers._base import InputLayer
    from .model import Functional
    from .sequential import Sequential

    model_nodes: set[int] | None = None
    if isinstance(model, Sequential) or not isinstance(model, Functional):
        sequential_like = True
        layers = model.layers
    else:
        layers = model._operations
        sequential_like = model._is_sequential_like()
        model_nodes = {id(n) for n in model._nodes}
    if sequential_like:
        default_length, positions = 88, positions or [0.45, 0.80, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #"]
        aligns = ["left", "left", "right"]
    else:
        default_length, positions = 108, positions or [0.3, 0.56, 0.74, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        aligns = ["left", "left", "right", "left"]
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        headers.append("Trainable")
        aligns.append("center")
    default_length = min(default_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_length
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    widths, current = [], 0
    for pos in positions:
        w = int(pos) - current
        if w < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(w)
        current += w
    padded = [min(w + 2, line_length) for w in widths]
    available = line_length - (len(widths) + 1)
    if sum(padded) > available:
        padded = _ratio_reduce(sum(padded) - available, [1] * len(padded), padded, padded)

    def connections(layer: Any) -> str:
        parts = []
        for node in layer._inbound_nodes:
            if model_nodes is not None and id(node) not in model_nodes:
                continue
            for t in node.input_tensors:
                src, node_index, tensor_index = t._keras_history
                parts.append(f"{src.name}[{node_index}][{tensor_index}]")
        return ", ".join(parts) if parts else "-"

    def row(layer: Any, prefix: str = "") -> list[str]:
        name = f"{prefix}{layer.name} ({type(layer).__name__})"
        if isinstance(layer, InputLayer):
            params = "0"
        elif not layer.built:
            params = "0 (unbuilt)"
        else:
            params = f"{layer.count_params():,}"
        fields = [name, layer_output_shape(layer, model_nodes), params]
        if not sequential_like:
            fields.append(connections(layer))
        if show_trainable:
            fields.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        return fields

    def rows_for(layer: Any, level: int = 0) -> list[list[str]]:
        out = [row(layer, "   " * level + "└ " if level else "")]
        if expand_nested and getattr(layer, "layers", None) and hasattr(layer, "summary"):
            for sub in layer.layers:
                out.extend(rows_for(sub, level + 1))
        return out

    start, stop = 0, len(layers)
    if layer_range is not None:
        import re

        lows = [i for i, lay in enumerate(layers) if re.match(layer_range[0], lay.name)]
        highs = [i for i, lay in enumerate(layers) if re.match(layer_range[1], lay.name)]
        if not lows or not highs:
            raise ValueError(f"Passed layer_names do not match the layer names in the model. Received: {layer_range}")
        start, stop = min(lows), max(highs) + 1
    rows: list[list[str]] = []
    for layer in layers[start:stop]:
        rows.extend(rows_for(layer))

    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    opt = getattr(model, "optimizer", None)
    opt_vars = opt.variables if getattr(model, "compiled", False) and opt is not None and opt.built else None
    total = _count(trainable) + _count(non_trainable) + (_count(opt_vars) if opt_vars else 0)
    total_mem = _memory(trainable) + _memory(non_trainable) + (_memory(opt_vars) if opt_vars else 0)
    text = [f'Model: "{model.name}"', _render_table(headers, rows, padded, aligns),
            f" Total params: {total:,} ({readable_memory_size(total_mem)})",
            f" Trainable params: {_count(trainable):,} ({readable_memory_size(_memory(trainable))})",
            f" Non-trainable params: {_count(non_trainable):,} ({readable_memory_size(_memory(non_trainable))})"]
    if opt_vars:
        text.append(f" Optimizer params: {_count(opt_vars):,} ({readable_memory_size(_memory(opt_vars))})")
    output = "\n".join(text) + "\n"
    if print_fn is None:
        print(output, end="")
    else:
        print_fn(output)
