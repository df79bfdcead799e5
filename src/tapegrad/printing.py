"""``tf.print``: print tensors' values; inside ``tapegrad.function`` it prints on every call (an effect of the
compiled program), where Python's ``print`` runs only while tracing."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from . import _nest
from ._tape import local
from ._tensor import _TensorLike

__all__ = ["print_"]


def _scalar(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):g}"
    if isinstance(v, (complex, np.complexfloating)):
        return f"({v.real:g},{v.imag:g})"
    if isinstance(v, bytes):
        return '"' + v.decode("utf-8", "replace") + '"'  # a string tensor's element, quoted as TF prints it
    return str(v)


def format_array(a: Any, summarize: int = 3) -> str:
    """TF's text for a tensor value: ``[1 2 3]``, nested brackets, ``...`` past ``summarize`` items per axis."""
    a = np.asarray(a)
    if a.ndim == 0:
        return _scalar(a.item() if a.dtype.kind != "S" else a.item())

    def rec(x: Any) -> str:
        if not isinstance(x, np.ndarray):  # an element of a string (object) array
            return _scalar(x)
        if x.ndim == 0:
            return _scalar(x.item())
        n = x.shape[0]
        if 0 <= summarize < n and n > 2 * summarize:
            parts = [rec(x[i]) for i in range(summarize)] + ["..."] + [rec(x[i]) for i in range(n - summarize, n)]
        else:
            parts = [rec(x[i]) for i in range(n)]
        sep = " " if x.ndim == 1 else "\n" * (x.ndim - 1)
        return "[" + sep.join(parts) + "]"

    return rec(a)


def _text(value: Any, summarize: int) -> str:
    if type(value).__name__ == "RaggedTensor":
        return str(_plain(value.to_list()))  # TF prints a RaggedTensor as its nested list
    if isinstance(value, _TensorLike):
        return format_array(value._value, summarize)
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray):
        return format_array(value, summarize)
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_text(v, summarize) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_text(v, summarize)}" for k, v in value.items()) + "}"
    return str(value)


def _plain(x: Any) -> Any:
    if isinstance(x, list):
        return [_plain(v) for v in x]
    return x.decode("utf-8", "replace") if isinstance(x, bytes) else x


def _writer(output_stream: Any) -> Any:
    if isinstance(output_stream, str):
        if not output_stream.startswith("file://"):
            raise ValueError(f"tapegrad.print: output_stream {output_stream!r} must be sys.stdout, sys.stderr, a "
                             "logging function or a 'file://path' string.")
        path = output_stream[len("file://"):]

        def to_file(text: str) -> None:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(text)

        return to_file
    if output_stream is sys.stdout or output_stream is sys.stderr or hasattr(output_stream, "write"):
        def to_stream(text: str) -> None:
            # resolve sys.stdout/sys.stderr at call time (test runners and notebooks swap them)
            stream = (sys.stdout if output_stream is _STDOUT else sys.stderr if output_stream is _STDERR
                      else output_stream)
            stream.write(text)
            if hasattr(stream, "flush"):
                stream.flush()

        return to_stream
    if callable(output_stream):
        return lambda text: output_stream(text.rstrip("\n"))
    raise ValueError(f"tapegrad.print: unsupported output_stream {output_stream!r}.")


_STDOUT, _STDERR = sys.stdout, sys.stderr


class _Printer:
    """Formats a fixed template (non-tensor parts frozen) with the tensors' values of one call."""

    def __init__(self, template: Any, n: int, sep: str, end: str, summarize: int, write: Any,
                 stream: Any = None) -> None:
        self.template, self.n, self.sep, self.end, self.summarize, self.write = template, n, sep, end, summarize, write
        self.stream = stream  # the output_stream given (tf.saved_model writes stdout, stderr and file:// ones)

    def __call__(self, values: tuple[Any, ...]) -> None:
        it = iter(values)
        parts = [format_array(next(it), self.summarize) if slot else text for slot, text in self.template]
        self.write(self.sep.join(parts) + self.end)

    def __repr__(self) -> str:
        return "<print>"


def print_(*inputs: Any, output_stream: Any = sys.stderr, summarize: int = 3, sep: str = " ", end: str = "\n",
           name: str | None = None) -> Operation | None:
    """``tf.print``: write the inputs (tensors by value, TF's format) to ``output_stream`` (default stderr).

    Inside ``tapegrad.function`` this prints on every call, with that call's values (Python's ``print`` runs
    only while tracing).

    >>> import sys, tapegrad as tf
    >>> tf.print("x =", tf.constant([1, 2, 3]), output_stream=sys.stdout)
    x = [1 2 3]
    """
    summarize = -1 if summarize is None else int(summarize)
    template: list[tuple[bool, str]] = []
    tensors: list[Any] = []
    for x in inputs:
        if isinstance(x, _TensorLike):
            template.append((True, ""))
            tensors.append(x)
        elif isinstance(x, (list, tuple, dict)) and any(isinstance(t, _TensorLike) for t in _nest.flatten(x)):
            template.append((False, _text(x, summarize)))  # a nest with tensors: printed by value now
            tr = local.tracer
            if tr is not None:
                for t in _nest.flatten(x):
                    if isinstance(t, _TensorLike):
                        tr.on_convert(t, "numpy", t._value)  # its value is frozen into the text: guard it
        else:
            template.append((False, _text(x, summarize)))
    printer = _Printer(template, len(tensors), sep, end, summarize, _writer(output_stream), output_stream)
    tr = local.tracer
    if tr is not None:
        tr.on_print(tensors, printer)  # the program prints, on every call (not the trace)
        return Operation("PrintV2")  # as TF's graph mode: an operation (returning it from a function is an error)
    printer(tuple(t._value for t in tensors))
    return None


class Operation:
    """What ``tf.print`` returns while a ``tapegrad.function`` is traced (TF: the graph's ``PrintV2`` operation).
    It is not a value: a function returning it raises ``TypeError``, as in TF."""

    __slots__ = ("name", "type")

    def __init__(self, op_type: str) -> None:
        self.name = op_type
        self.type = op_type

    def __repr__(self) -> str:
        return f"<tapegrad.Operation '{self.name}' type={self.type}>"
