"""``tf.strings`` and ``tf.as_string``: ops on the ``string`` dtype (NumPy object arrays of ``bytes``).

Each op is registered (``defop``) so that a compiled ``tapegrad.function`` records and replays it; none is
differentiable (a string has no gradient: ``None``, as in TF). Ops that split strings return RaggedTensors
(``tapegrad.ragged``). Regular expressions use Python's ``re`` where TF uses RE2: the common syntax (classes,
groups, ``\\1`` rewrites, anchors) agrees; RE2-only or Python-only constructs differ.
"""

from __future__ import annotations

import base64
import codecs
import re
import threading
from typing import Any

import numpy as np

from .. import _dtypes
from .._backend import NUMPY
from .._dispatch import apply1, apply2, applyn
from .._registry import defop, spec
from .._strings import OBJECT, as_value, to_bytes_array
from .._tensor import Tensor, _TensorLike, make
from ..errors import InvalidArgumentError
from ._common import to_tensor

_UNITS = ("BYTE", "UTF8_CHAR")


def _strings(x: Any, op: str) -> Any:
    """``x`` as a string tensor (Python text is converted); TypeError for another dtype, as TF's op signature."""
    t = x if isinstance(x, _TensorLike) else make(to_bytes_array(x, op), NUMPY)
    t = to_tensor(t)
    if t._value.dtype != OBJECT:
        raise TypeError(f"tf.strings.{op}: expected a string tensor, got dtype {t.dtype.name} (shape "
                        f"{tuple(t._value.shape)}); format numbers with tf.strings.as_string first.")
    return t


def _map(fn: Any, v: Any, dtype: Any = OBJECT) -> Any:
    """``fn`` applied to every element of the object array ``v``: an array of ``dtype`` with ``v``'s shape."""
    flat = [fn(s) for s in np.asarray(v).reshape(-1).tolist()]
    out = np.empty(len(flat), dtype=dtype)
    out[:] = flat
    out = out.reshape(np.shape(v))
    return as_value(out) if dtype == OBJECT else out


def _text(b: bytes, what: str) -> str:
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidArgumentError(f"tf.strings.{what}: {b!r} is not valid UTF-8.") from None


_CODECS = {"UTF8": "utf-8", "UTF16BE": "utf-16-be", "UTF32BE": "utf-32-be"}
_SPANS = threading.local()


def _record_span(exc: UnicodeDecodeError) -> tuple[str, int]:
    _SPANS.spans.append((exc.start, exc.end))
    return "\ufffd", exc.end


codecs.register_error("tapegrad.unicode_spans", _record_span)


def _codec(encoding: str, op: str) -> str:
    codec = _CODECS.get(str(encoding).upper().replace("-", "").replace("_", ""))
    if codec is None:
        raise InvalidArgumentError(f"tf.strings.{op}: encoding {encoding!r} is not supported; use 'UTF-8', "
                                   "'UTF-16-BE' or 'UTF-32-BE'.")
    return codec


def decode_units(b: bytes, codec: str, errors: str, replacement: int, control: bool,
                 op: str) -> tuple[list[int], list[int]]:
    """The code points of ``b`` and the byte offset where each starts. An ill-formed sequence (its maximal
    subpart, as ICU and Python cut it) becomes ``replacement`` (``errors="replace"``), is dropped (``"ignore"``)
    or raises InvalidArgumentError (``"strict"``); ``control`` also replaces C0 controls (U+0000–U+001F)."""
    _SPANS.spans = []
    text = b.decode(codec, "tapegrad.unicode_spans")
    spans = _SPANS.spans
    if spans and errors == "strict":
        raise InvalidArgumentError(f"tf.strings.{op}: invalid {codec.upper()} data at byte {spans[0][0]} of {b!r} "
                                   "(errors='strict'); use errors='replace' or 'ignore'.")
    codes, offsets, pos, k = [], [], 0, 0
    for c in text:
        if k < len(spans) and pos == spans[k][0]:
            if errors == "replace":
                codes.append(replacement)
                offsets.append(pos)
            pos = spans[k][1]
            k += 1
            continue
        cp = ord(c)
        codes.append(replacement if control and cp < 0x20 else cp)
        offsets.append(pos)
        pos += len(c.encode(codec, "surrogatepass"))
    return codes, offsets


def _s(values: list[str], shape: tuple[int, ...]) -> Any:
    return lambda rng: (np.array(values, dtype=object).reshape(shape),)


def _ragged_values(fn: Any) -> Any:
    """An elementwise string op applied to a RaggedTensor's flat values (the result keeps its rows), as TF
    dispatches ``tf.strings`` ops on RaggedTensors."""
    import functools

    @functools.wraps(fn)
    def call(x: Any, *args: Any, **kwargs: Any) -> Any:
        from ._common import RAGGED_TYPE

        if type(x) is RAGGED_TYPE[0]:
            return x.with_flat_values(fn(x.flat_values, *args, **kwargs))
        return fn(x, *args, **kwargs)

    return call


# -- one element of a string tensor --------------------------------------------------------------------------------

def _element_fwd(F: Any, x: Any, *index: Any, key: Any = None) -> Any:
    if key is None:
        key = tuple(int(i) for i in np.ravel(index[0]))
    return as_value(np.asarray(x)[key])


STRING_ELEMENT = defop("string_element", _element_fwd,
                       test=spec(lambda tf, s: (s[1], tf.gather(s, 0), tf.gather_nd(s, [1])), _s(["a", "b"], (2,)),
                                 ref=lambda s: (np.array(b"b", object), np.array(b"a", object),
                                                np.array(b"b", object))))


def element(x: Tensor, key: Any = None, index: Any = None) -> Tensor:
    """One element of the string tensor ``x`` as a scalar string tensor, at the static ``key`` (a tuple of ints)
    or at the integer tensor ``index`` (one coordinate per dimension) — the scalar results of slicing, gather
    and gather_nd on strings, where NumPy would hand back a bare ``bytes``."""
    if key is not None:
        return apply1(STRING_ELEMENT, x, {"key": tuple(k for k in key if k is not Ellipsis)})
    return applyn(STRING_ELEMENT, (x, index))


# -- length, case, strip -----------------------------------------------------------------------------------------

def _length_fwd(F: Any, x: Any, unit: str) -> Any:
    if unit == "BYTE":
        return _map(len, x, np.int32)
    return _map(lambda b: len(_text(b, "length")), x, np.int32)


STRING_LENGTH = defop("string_length", _length_fwd,
                      test=spec(lambda tf, s: tf.strings.length(s), _s(["ab", "", "héllo"], (3,)),
                                ref=lambda s: np.array([len(x.encode()) for x in s], np.int32)))


def _unit(unit: str, op: str) -> str:
    if unit not in _UNITS:
        raise InvalidArgumentError(f"tf.strings.{op}: unit must be 'BYTE' or 'UTF8_CHAR', got {unit!r}.")
    return unit


@_ragged_values
def length(input: Any, unit: str = "BYTE", name: str | None = None) -> Tensor:  # noqa: A002
    """The length of each string (int32): bytes (``unit='BYTE'``) or Unicode characters (``'UTF8_CHAR'``).

    >>> import tapegrad as tf
    >>> tf.strings.length(["héllo", "ab"]).numpy().tolist(), tf.strings.length("héllo", unit="UTF8_CHAR").numpy()
    ([6, 2], np.int32(5))
    """
    return apply1(STRING_LENGTH, _strings(input, "length"), {"unit": _unit(unit, "length")})


def _case_fwd(F: Any, x: Any, mode: str, encoding: str) -> Any:
    if encoding.lower().replace("-", "") == "utf8":
        f = str.lower if mode == "lower" else str.upper
        return _map(lambda b: f(_text(b, mode)).encode("utf-8"), x)
    return _map(bytes.lower if mode == "lower" else bytes.upper, x)  # ASCII letters only, as TF without encoding


STRING_CASE = defop("string_case", _case_fwd,
                    test=spec(lambda tf, s: (tf.strings.lower(s), tf.strings.upper(s)), _s(["AbC", "x1"], (2,)),
                              ref=lambda s: (np.array([b"abc", b"x1"], object), np.array([b"ABC", b"X1"], object))))


@_ragged_values
def lower(input: Any, encoding: str = "", name: str | None = None) -> Tensor:  # noqa: A002
    """Lower case: ASCII letters only, or every Unicode letter with ``encoding='utf-8'`` (as TF).

    >>> import tapegrad as tf
    >>> tf.strings.lower(["AbC", "ÉX"], encoding="utf-8").numpy().tolist()
    [b'abc', b'\\xc3\\xa9x']
    """
    return apply1(STRING_CASE, _strings(input, "lower"), {"mode": "lower", "encoding": encoding})


@_ragged_values
def upper(input: Any, encoding: str = "", name: str | None = None) -> Tensor:  # noqa: A002
    """Upper case: ASCII letters only, or every Unicode letter with ``encoding='utf-8'``.

    >>> import tapegrad as tf
    >>> tf.strings.upper("abc").numpy()
    b'ABC'
    """
    return apply1(STRING_CASE, _strings(input, "upper"), {"mode": "upper", "encoding": encoding})


STRING_STRIP = defop("string_strip", lambda F, x: _map(bytes.strip, x),
                     test=spec(lambda tf, s: tf.strings.strip(s), _s(["  a b \n", "\tc"], (2,)),
                               ref=lambda s: np.array([b"a b", b"c"], object)))


@_ragged_values
def strip(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Leading and trailing whitespace removed.

    >>> import tapegrad as tf
    >>> tf.strings.strip(["  a b \\n", "\\tc"]).numpy().tolist()
    [b'a b', b'c']
    """
    return apply1(STRING_STRIP, _strings(input, "strip"))


# -- join, reduce_join -------------------------------------------------------------------------------------------

def _join_fwd(F: Any, *xs: Any, separator: bytes) -> Any:
    try:
        shape = np.broadcast_shapes(*[np.shape(x) for x in xs])
    except ValueError:
        raise InvalidArgumentError("tf.strings.join: input shapes do not match: "
                                   f"{' vs. '.join(str(list(np.shape(x))) for x in xs)} (each input must have the "
                                   "same shape, or be a scalar).") from None
    cols = [np.broadcast_to(np.asarray(x), shape).reshape(-1).tolist() for x in xs]
    flat = [separator.join(parts) for parts in zip(*cols)]
    out = np.empty(len(flat), dtype=OBJECT)
    out[:] = flat
    return as_value(out.reshape(shape))


STRING_JOIN = defop("string_join", _join_fwd,
                    test=spec(lambda tf, a, b: tf.strings.join([a, b], separator="-"),
                              lambda rng: (np.array(["a", "b"], object), np.array(["c", "d"], object)),
                              ref=lambda a, b: np.array([b"a-c", b"b-d"], object)))


def join(inputs: Any, separator: str = "", name: str | None = None) -> Tensor:
    """Elementwise concatenation of the string tensors in ``inputs`` (same shapes, or scalars), with
    ``separator`` between them.

    >>> import tapegrad as tf
    >>> tf.strings.join([["a", "b"], "x"], separator="-").numpy().tolist()
    [b'a-x', b'b-x']
    """
    items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if not items:
        raise InvalidArgumentError("tf.strings.join: needs at least one input.")
    ts = tuple(_strings(x, "join") for x in items)
    shapes = {tuple(t._value.shape) for t in ts if t._value.ndim}
    if len(shapes) > 1:
        raise InvalidArgumentError(f"tf.strings.join: input shapes do not match: {sorted(map(list, shapes))} "
                                   "(each input must have the same shape, or be a scalar).")
    return applyn(STRING_JOIN, ts, {"separator": _as_bytes(separator)})


def _as_bytes(s: Any) -> bytes:
    return s.encode("utf-8") if isinstance(s, str) else bytes(s)


def _reduce_join_fwd(F: Any, x: Any, axes: tuple[int, ...], keepdims: bool, separator: bytes) -> Any:
    x = np.asarray(x)
    keep = [a for a in range(x.ndim) if a not in axes]
    moved = np.transpose(x, keep + list(axes))
    lead = moved.shape[: len(keep)]
    rows = moved.reshape(int(np.prod(lead, dtype=np.int64)), -1).tolist() if x.size else \
        [[] for _ in range(int(np.prod(lead, dtype=np.int64)))]
    out = np.empty(len(rows), dtype=OBJECT)
    out[:] = [separator.join(r) for r in rows]
    out = out.reshape(lead)
    if keepdims:
        out = out.reshape([1 if a in axes else n for a, n in enumerate(x.shape)])
    return as_value(out)


REDUCE_JOIN = defop("reduce_join", _reduce_join_fwd,
                    test=spec(lambda tf, s: tf.strings.reduce_join(s, axis=1, separator=","),
                              _s(["a", "b", "c", "d"], (2, 2)), ref=lambda s: np.array([b"a,b", b"c,d"], object)))


def reduce_join(inputs: Any, axis: Any = None, keepdims: bool = False, separator: str = "",
                name: str | None = None) -> Tensor:
    """Concatenate the strings along ``axis`` (all axes by default), in order, with ``separator`` between them.

    >>> import tapegrad as tf
    >>> tf.strings.reduce_join([["a", "b"], ["c", "d"]], axis=1, separator=",").numpy().tolist()
    [b'a,b', b'c,d']
    """
    x = _strings(inputs, "reduce_join")
    nd = x._value.ndim
    if axis is None:
        axes = tuple(range(nd))
    else:
        raw = [int(a) for a in (axis if isinstance(axis, (list, tuple)) else [axis])]
        for a in raw:
            if not -nd <= a < max(nd, 1):
                raise InvalidArgumentError(f"tf.strings.reduce_join: axis {a} is out of range for a tensor of rank "
                                           f"{nd}.")
        axes = tuple(sorted({a % nd for a in raw})) if nd else ()
    return apply1(REDUCE_JOIN, x, {"axes": axes, "keepdims": bool(keepdims), "separator": _as_bytes(separator)})


# -- substr, regex -----------------------------------------------------------------------------------------------

def _substr_fwd(F: Any, x: Any, pos: Any, ln: Any, unit: str) -> Any:
    shape = np.broadcast_shapes(np.shape(x), np.shape(pos), np.shape(ln))
    xs = np.broadcast_to(np.asarray(x), shape).reshape(-1).tolist()
    ps = np.broadcast_to(np.asarray(pos), shape).reshape(-1).tolist()
    ls = np.broadcast_to(np.asarray(ln), shape).reshape(-1).tolist()
    flat = []
    for k, (s, p, n) in enumerate(zip(xs, ps, ls)):
        seq: Any = s if unit == "BYTE" else _text(s, "substr")
        size = len(seq)
        start = p + size if p < 0 else p
        if not 0 <= start <= size:
            raise InvalidArgumentError(f"tf.strings.substr: pos {p} out of range for string {s!r} at index {k}.")
        piece = seq[start: start + max(n, 0)]
        flat.append(piece if unit == "BYTE" else piece.encode("utf-8"))
    out = np.empty(len(flat), dtype=OBJECT)
    out[:] = flat
    return as_value(out.reshape(shape))


SUBSTR = defop("substr", _substr_fwd,
               test=spec(lambda tf, s, p, n: tf.strings.substr(s, p, n),
                         lambda rng: (np.array(["hello", "abc"], object), np.array([1, -2], np.int32),
                                      np.array([3, 2], np.int32)),
                         ref=lambda s, p, n: np.array([b"ell", b"bc"], object)))


@_ragged_values
def substr(input: Any, pos: Any, len: Any, unit: str = "BYTE", name: str | None = None) -> Tensor:  # noqa: A002
    """``len`` bytes (or UTF-8 characters) from ``pos`` (negative: from the end) of each string; ``pos`` past the
    end raises InvalidArgumentError, ``len`` past the end is clipped (as TF).

    >>> import tapegrad as tf
    >>> tf.strings.substr(["hello", "abc"], 1, 3).numpy().tolist()
    [b'ell', b'bc']
    """
    x = _strings(input, "substr")
    p = to_tensor(pos)
    n = to_tensor(len)
    if p._value.dtype.kind not in "iu" or n._value.dtype.kind not in "iu":
        raise TypeError("tf.strings.substr: pos and len must be integer tensors.")
    if n._value.dtype != p._value.dtype:
        raise TypeError(f"tf.strings.substr: pos ({p.dtype.name}) and len ({n.dtype.name}) must have one dtype.")
    return applyn(SUBSTR, (x, p, n), {"unit": _unit(unit, "substr")})


def _compile(pattern: Any, op: str) -> re.Pattern[bytes]:
    pat = pattern.numpy() if isinstance(pattern, _TensorLike) else pattern
    try:
        return re.compile(_as_bytes(pat))
    except re.error as exc:
        raise InvalidArgumentError(f"tf.strings.{op}: invalid pattern {pat!r}: {exc}.") from None


REGEX_FULL_MATCH = defop("regex_full_match",
                         lambda F, x, pattern: _map(lambda b: pattern.fullmatch(b) is not None, x, np.bool_),
                         test=spec(lambda tf, s: tf.strings.regex_full_match(s, "[a-z]+"), _s(["abc", "ab1"], (2,)),
                                   ref=lambda s: np.array([True, False])))


@_ragged_values
def regex_full_match(input: Any, pattern: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """True where the whole string matches the regular expression ``pattern`` (bool).

    >>> import tapegrad as tf
    >>> tf.strings.regex_full_match(["abc", "ab1"], "[a-z]+").numpy().tolist()
    [True, False]
    """
    return apply1(REGEX_FULL_MATCH, _strings(input, "regex_full_match"),
                  {"pattern": _compile(pattern, "regex_full_match")})


def _rewrite(rewrite: bytes) -> bytes:
    """RE2's rewrite syntax (``\\1``, ``\\\\``) as Python's ``re`` template."""
    return rewrite.replace(b"\\0", b"\\g<0>")


REGEX_REPLACE = defop("regex_replace",
                      lambda F, x, pattern, rewrite, count: _map(lambda b: pattern.sub(rewrite, b, count=count), x),
                      test=spec(lambda tf, s: tf.strings.regex_replace(s, r"\d+", "#"), _s(["a1b22", "x"], (2,)),
                                ref=lambda s: np.array([b"a#b#", b"x"], object)))


@_ragged_values
def regex_replace(input: Any, pattern: Any, rewrite: Any, replace_global: bool = True,  # noqa: A002
                  name: str | None = None) -> Tensor:
    """Replace the matches of ``pattern`` with ``rewrite`` (``\\1`` names a group); only the first match with
    ``replace_global=False``.

    >>> import tapegrad as tf
    >>> tf.strings.regex_replace(["a1b22"], r"\\d+", "#").numpy().tolist()
    [b'a#b#']
    """
    rw = rewrite.numpy() if isinstance(rewrite, _TensorLike) else rewrite
    return apply1(REGEX_REPLACE, _strings(input, "regex_replace"),
                  {"pattern": _compile(pattern, "regex_replace"), "rewrite": _rewrite(_as_bytes(rw)),
                   "count": 0 if replace_global else 1})


# -- numbers <-> strings -----------------------------------------------------------------------------------------

_TO_NUMBER_TYPES = ("float32", "float64", "int32", "int64", "uint32", "uint64")


def _parse(b: bytes, kind: str, info: Any) -> Any:
    s = b.strip()
    try:
        if kind == "f":
            return float(s)
        v = int(s)
        if not info.min <= v <= info.max:
            raise ValueError
        return v
    except ValueError:
        text = b.decode("utf-8", "replace")
        raise InvalidArgumentError(f"tf.strings.to_number: could not convert the string {text!r} to "
                                   f"{info.dtype.name if kind != 'f' else 'a float'}.") from None


def _to_number_fwd(F: Any, x: Any, dtype: Any) -> Any:
    kind = dtype.kind
    info = np.iinfo(dtype) if kind in "iu" else None
    return _map(lambda b: _parse(b, kind, info), x, dtype)


TO_NUMBER = defop("string_to_number", _to_number_fwd,
                  test=spec(lambda tf, s: tf.strings.to_number(s), _s(["1.5", " 2 ", "-1e3"], (3,)),
                            ref=lambda s: np.array([1.5, 2.0, -1000.0], np.float32)))


@_ragged_values
def to_number(string_tensor: Any, out_type: Any = _dtypes.float32, name: str | None = None) -> Tensor:
    """Parse each string as a number of ``out_type`` (float32 by default; float64, int32, int64, uint32,
    uint64). Surrounding whitespace is allowed; anything else raises InvalidArgumentError.

    >>> import tapegrad as tf
    >>> tf.strings.to_number(["1.5", "2"]).numpy().tolist(), tf.strings.to_number("7", tf.int32).numpy()
    ([1.5, 2.0], np.int32(7))
    """
    dt = _dtypes.as_dtype(out_type)
    if dt.name not in _TO_NUMBER_TYPES:
        raise InvalidArgumentError(f"tf.strings.to_number: out_type must be one of {', '.join(_TO_NUMBER_TYPES)}, "
                                   f"got {dt.name}.")
    return apply1(TO_NUMBER, _strings(string_tensor, "to_number"), {"dtype": dt._np})


def _format_float(v: float, precision: int, scientific: bool, shortest: bool, width: int, fill: str) -> str:
    digits = 6 if precision < 0 else precision
    if shortest:
        text = f"{v:.{digits}g}"
    elif scientific:
        text = f"{v:.{digits}e}"
    else:
        text = f"{v:.{digits}f}"
    return _pad(text, width, fill)


def _pad(text: str, width: int, fill: str) -> str:
    if width <= len(text):
        return text
    if fill == "0" and text[:1] in "+-":
        return text[0] + text[1:].rjust(width - 1, "0")
    return text.rjust(width, fill or " ")


def _as_string_fwd(F: Any, x: Any, precision: int, scientific: bool, shortest: bool, width: int, fill: str) -> Any:
    kind = x.dtype.kind
    if kind == "O":
        return x
    if kind == "b":
        return _map(lambda b: _pad("true" if b else "false", width, fill).encode(), x)
    if kind in "iu":
        return _map(lambda i: _pad(str(int(i)), width, fill).encode(), x)
    if kind == "c":
        return _map(lambda z: ("(" + _format_float(z.real, precision, scientific, shortest, -1, "") + "," +
                               _format_float(z.imag, precision, scientific, shortest, -1, "") + ")").encode(), x)
    if shortest:  # the shortest text that reads back as the same value of the tensor's own float type
        return _map(lambda f: _pad(_shortest(x.dtype.type(f)), width, fill).encode(), x)
    return _map(lambda f: _format_float(float(f), precision, scientific, shortest, width, fill).encode(), x)


def _shortest(f: Any) -> str:
    text = np.format_float_positional(f, trim="-") if 1e-4 <= abs(f) < 1e16 or f == 0 else \
        np.format_float_scientific(f, trim="-")
    return text.replace("e+", "e+").lower()


AS_STRING = defop("as_string", _as_string_fwd,
                  test=spec(lambda tf, x: tf.strings.as_string(x), lambda rng: (np.array([1.5, -2.0, 0.25]),),
                            ref=lambda x: np.array([b"1.500000", b"-2.000000", b"0.250000"], object)))


@_ragged_values
def as_string(input: Any, precision: int = -1, scientific: bool = False, shortest: bool = False,  # noqa: A002
              width: int = -1, fill: str = "", name: str | None = None) -> Tensor:
    """Each element formatted as text, as TF's ``AsString``: floats with 6 decimals (``precision``), or
    ``scientific``/``shortest``; integers in decimal; bools as ``true``/``false``; ``width`` pads with ``fill``.

    >>> import tapegrad as tf
    >>> tf.strings.as_string([1.5, 2.0]).numpy().tolist(), tf.as_string([3, 42], width=3, fill="0").numpy().tolist()
    ([b'1.500000', b'2.000000'], [b'003', b'042'])
    """
    x = to_tensor(input)
    if x._value.dtype.kind == "O":
        return x
    if len(fill) > 1:
        raise InvalidArgumentError(f"tf.strings.as_string: fill must be one character, got {fill!r}.")
    if scientific and shortest:
        raise InvalidArgumentError("tf.strings.as_string: cannot select both scientific and shortest notation.")
    return apply1(AS_STRING, x, {"precision": int(precision), "scientific": bool(scientific),
                                 "shortest": bool(shortest), "width": int(width), "fill": fill})


def _format_value(v: np.ndarray, summarize: int) -> str:
    """A tensor's text in ``tf.strings.format`` (TF's ``SummarizeValue``: ``[1 2 ... 8 9]``, strings quoted)."""
    if v.dtype == OBJECT:
        def item(b: Any) -> str:
            return '"' + b.decode("utf-8", "backslashreplace") + '"'
    elif v.dtype.kind == "f":
        def item(b: Any) -> str:
            return _g(b)
    elif v.dtype.kind == "b":
        def item(b: Any) -> str:
            return "1" if b else "0"
    else:
        def item(b: Any) -> str:
            return str(b)
    if v.ndim == 0:
        return item(v[()])

    def rec(a: np.ndarray, depth: int) -> str:
        n = a.shape[0]
        idx = list(range(n)) if summarize < 0 or n <= 2 * summarize else \
            list(range(summarize)) + [-1] + list(range(n - summarize, n))
        if a.ndim == 1:
            return "[" + " ".join("..." if i < 0 else item(a[i]) for i in idx) + "]"
        sep = "\n" + " " * (depth + 1)
        return "[" + sep.join("..." if i < 0 else rec(a[i], depth + 1) for i in idx) + "]"

    return rec(v, 0)


def _g(f: Any) -> str:
    """A float as TF prints it in ``tf.strings.format``: ``%g``-like with the type's round-trip digits."""
    digits = 9 if f.dtype == np.float32 else 17 if f.dtype == np.float64 else 4
    text = f"{float(f):.{digits}g}"
    return text


def _format_fwd(F: Any, *vals: Any, template: str, placeholder: str, summarize: int) -> Any:
    parts = template.split(placeholder)
    out = parts[0]
    for v, rest in zip(vals, parts[1:]):
        out += _format_value(np.asarray(v), summarize) + rest
    return as_value(np.array(out.encode("utf-8"), dtype=OBJECT))


STRING_FORMAT = defop("string_format", _format_fwd,
                      test=spec(lambda tf, x: tf.strings.format("x={}", x), lambda rng: (np.array([1, 2], np.int32),),
                                ref=lambda x: np.array(b"x=[1 2]", object)))


def format(template: str, inputs: Any, placeholder: str = "{}", summarize: int = 3,  # noqa: A001
           name: str | None = None) -> Tensor:
    """A scalar string: ``template`` with each ``placeholder`` replaced by the text of the next tensor in
    ``inputs`` (long dimensions are summarized to their first and last ``summarize`` items, as TF).

    >>> import tapegrad as tf
    >>> tf.strings.format("x={} y={}", (tf.constant(1.5), tf.constant([1, 2]))).numpy()
    b'x=1.5 y=[1 2]'
    """
    items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    n = template.count(placeholder)
    if n != len(items):
        raise ValueError(f"tf.strings.format: the template has {n} placeholders ({placeholder!r}) but {len(items)} "
                         "inputs were given; they must match.")
    ts = tuple(to_tensor(x) for x in items)
    params = {"template": template, "placeholder": placeholder, "summarize": int(summarize)}
    if not ts:
        return make(_format_fwd(NUMPY, **params), NUMPY)
    return applyn(STRING_FORMAT, ts, params)


# -- hashing -----------------------------------------------------------------------------------------------------

_K0, _K1, _K2 = 0xC3A5C85C97CB3127, 0xB492B66FBE98F273, 0x9AE16A3B2F90404F
_M64 = (1 << 64) - 1


def _fetch64(s: bytes, i: int) -> int:
    return int.from_bytes(s[i:i + 8], "little")


def _fetch32(s: bytes, i: int) -> int:
    return int.from_bytes(s[i:i + 4], "little")


def _rot(v: int, s: int) -> int:
    return v if s == 0 else ((v >> s) | (v << (64 - s))) & _M64


def _smix(v: int) -> int:
    return v ^ (v >> 47)


def _hash_len16(u: int, v: int, mul: int) -> int:
    a = ((u ^ v) * mul) & _M64
    a ^= a >> 47
    b = ((v ^ a) * mul) & _M64
    b ^= b >> 47
    return (b * mul) & _M64


def _len0to16(s: bytes) -> int:
    n = len(s)
    if n >= 8:
        mul = (_K2 + n * 2) & _M64
        a = (_fetch64(s, 0) + _K2) & _M64
        b = _fetch64(s, n - 8)
        c = (_rot(b, 37) * mul + a) & _M64
        d = ((_rot(a, 25) + b) * mul) & _M64
        return _hash_len16(c, d, mul)
    if n >= 4:
        mul = (_K2 + n * 2) & _M64
        a = _fetch32(s, 0)
        return _hash_len16((n + (a << 3)) & _M64, _fetch32(s, n - 4), mul)
    if n > 0:
        a, b, c = s[0], s[n >> 1], s[n - 1]
        y = (a + (b << 8)) & 0xFFFFFFFF
        z = (n + (c << 2)) & 0xFFFFFFFF
        return (_smix((y * _K2 ^ z * _K0) & _M64) * _K2) & _M64
    return _K2


def _head17(s: bytes, mul: int) -> tuple[int, int, int]:
    """The first mixing round of FarmHash's 17-to-64-byte hashes: (a, y, w); ``HashLen16(y, w)`` is the 17-32 byte
    result and a part of the 33-64 byte one."""
    n = len(s)
    a = (_fetch64(s, 0) * (_K1 if n <= 32 else _K2)) & _M64
    b = _fetch64(s, 8)
    c = (_fetch64(s, n - 8) * mul) & _M64
    d = (_fetch64(s, n - 16) * _K2) & _M64
    return a, (_rot((a + b) & _M64, 43) + _rot(c, 30) + d) & _M64, (a + _rot((b + _K2) & _M64, 18) + c) & _M64


def _len17to32(s: bytes) -> int:
    mul = (_K2 + len(s) * 2) & _M64
    _, y, w = _head17(s, mul)
    return _hash_len16(y, w, mul)


def _len33to64(s: bytes) -> int:
    n = len(s)
    mul = (_K2 + n * 2) & _M64
    a, y, w = _head17(s, mul)
    z = _hash_len16(y, w, mul)
    e = (_fetch64(s, 16) * mul) & _M64
    f = _fetch64(s, 24)
    g = ((y + _fetch64(s, n - 32)) * mul) & _M64
    h = ((z + _fetch64(s, n - 24)) * mul) & _M64
    return _hash_len16((_rot((e + f) & _M64, 43) + _rot(g, 30) + h) & _M64,
                       (e + _rot((f + a) & _M64, 18) + g) & _M64, mul)


def _weak(w: int, x: int, y: int, z: int, a: int, b: int) -> tuple[int, int]:
    a = (a + w) & _M64
    b = _rot((b + a + z) & _M64, 21)
    c = a
    a = (a + x + y) & _M64
    b = (b + _rot(a, 44)) & _M64
    return (a + z) & _M64, (b + c) & _M64


def _weak_at(s: bytes, i: int, a: int, b: int) -> tuple[int, int]:
    return _weak(_fetch64(s, i), _fetch64(s, i + 8), _fetch64(s, i + 16), _fetch64(s, i + 24), a, b)


def fingerprint64(s: bytes) -> int:
    """FarmHash's ``Fingerprint64`` (farmhashna::Hash64), the hash of TF's ``to_hash_bucket_fast``."""
    n = len(s)
    if n <= 32:
        return _len0to16(s) if n <= 16 else _len17to32(s)
    if n <= 64:
        return _len33to64(s)
    seed = 81
    x = seed
    y = (seed * _K1 + 113) & _M64
    z = (_smix((y * _K2 + 113) & _M64) * _K2) & _M64
    v = (0, 0)
    w = (0, 0)
    x = (x * _K2 + _fetch64(s, 0)) & _M64
    end = ((n - 1) // 64) * 64
    last64 = end + ((n - 1) & 63) - 63
    i = 0
    while True:
        x = (_rot((x + y + v[0] + _fetch64(s, i + 8)) & _M64, 37) * _K1) & _M64
        y = (_rot((y + v[1] + _fetch64(s, i + 48)) & _M64, 42) * _K1) & _M64
        x ^= w[1]
        y = (y + v[0] + _fetch64(s, i + 40)) & _M64
        z = (_rot((z + w[0]) & _M64, 33) * _K1) & _M64
        v = _weak_at(s, i, (v[1] * _K1) & _M64, (x + w[0]) & _M64)
        w = _weak_at(s, i + 32, (z + w[1]) & _M64, (y + _fetch64(s, i + 16)) & _M64)
        z, x = x, z
        i += 64
        if i == end:
            break
    mul = (_K1 + ((z & 0xFF) << 1)) & _M64
    i = last64
    w = ((w[0] + ((n - 1) & 63)) & _M64, w[1])
    v = ((v[0] + w[0]) & _M64, v[1])
    w = ((w[0] + v[0]) & _M64, w[1])
    x = (_rot((x + y + v[0] + _fetch64(s, i + 8)) & _M64, 37) * mul) & _M64
    y = (_rot((y + v[1] + _fetch64(s, i + 48)) & _M64, 42) * mul) & _M64
    x ^= (w[1] * 9) & _M64
    y = (y + v[0] * 9 + _fetch64(s, i + 40)) & _M64
    z = (_rot((z + w[0]) & _M64, 33) * mul) & _M64
    v = _weak_at(s, i, (v[1] * mul) & _M64, (x + w[0]) & _M64)
    w = _weak_at(s, i + 32, (z + w[1]) & _M64, (y + _fetch64(s, i + 16)) & _M64)
    z, x = x, z
    return _hash_len16((_hash_len16(v[0], w[0], mul) + _smix(y) * _K0 + z) & _M64,
                       (_hash_len16(v[1], w[1], mul) + x) & _M64, mul)


def _sip_round(v0: int, v1: int, v2: int, v3: int) -> tuple[int, int, int, int]:
    v0 = (v0 + v1) & _M64
    v1 = _rotl(v1, 13) ^ v0
    v0 = _rotl(v0, 32)
    v2 = (v2 + v3) & _M64
    v3 = _rotl(v3, 16) ^ v2
    v0 = (v0 + v3) & _M64
    v3 = _rotl(v3, 21) ^ v0
    v2 = (v2 + v1) & _M64
    v1 = _rotl(v1, 17) ^ v2
    return v0, v1, _rotl(v2, 32), v3


def _rotl(v: int, s: int) -> int:
    return ((v << s) | (v >> (64 - s))) & _M64


def siphash24(k0: int, k1: int, s: bytes) -> int:
    """SipHash-2-4 of ``s`` with the 128-bit key ``(k0, k1)``: TF's ``to_hash_bucket_strong``."""
    v = (k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D, k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573)
    n = len(s)
    end = n - n % 8
    for block in [_fetch64(s, i) for i in range(0, end, 8)] + [((n & 0xFF) << 56) | int.from_bytes(s[end:], "little")]:
        v = _sip_round(*_sip_round(v[0], v[1], v[2], v[3] ^ block))
        v = (v[0] ^ block, v[1], v[2], v[3])
    v = (v[0], v[1], v[2] ^ 0xFF, v[3])
    for _ in range(4):
        v = _sip_round(*v)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


_MURMUR_M = 0xC6A4A7935BD1E995


def hash64(s: bytes, seed: int = 0xDECAFCAFFE) -> int:
    """TF's legacy ``Hash64`` (64-bit MurmurHash2 with TF's seed): the hash of ``to_hash_bucket``."""
    n = len(s)
    h = (seed ^ (n * _MURMUR_M)) & _M64
    end = n - n % 8
    for i in range(0, end, 8):
        k = (_fetch64(s, i) * _MURMUR_M) & _M64
        k = ((k ^ (k >> 47)) * _MURMUR_M) & _M64
        h = ((h ^ k) * _MURMUR_M) & _M64
    if end < n:
        h = ((h ^ int.from_bytes(s[end:], "little")) * _MURMUR_M) & _M64
    h = ((h ^ (h >> 47)) * _MURMUR_M) & _M64
    return h ^ (h >> 47)


def _hash_fwd(F: Any, x: Any, buckets: int, kind: str, key: tuple[int, int]) -> Any:
    if kind == "fast":
        return _map(lambda b: fingerprint64(b) % buckets, x, np.int64)
    if kind == "strong":
        return _map(lambda b: siphash24(key[0], key[1], b) % buckets, x, np.int64)
    return _map(lambda b: hash64(b) % buckets, x, np.int64)


HASH_BUCKET = defop("string_to_hash_bucket", _hash_fwd, test=[
    spec(lambda tf, s: tf.strings.to_hash_bucket_fast(s, 10), _s(["a", "b", "hello"], (3,)),
         ref=lambda s: np.array([9, 2, 6], np.int64), name="fast"),
    spec(lambda tf, s: tf.strings.to_hash_bucket_strong(s, 10, key=[123456789, 987654321]), _s(["a", "b"], (2,)),
         ref=lambda s: np.array([1, 5], np.int64), name="strong"),
    spec(lambda tf, s: tf.strings.to_hash_bucket(s, 1000003), _s(["a", "hello", ""], (3,)),
         ref=lambda s: np.array([789371, 546981, 598820], np.int64), name="legacy"),
])


def _buckets(num_buckets: Any, op: str) -> int:
    if int(num_buckets) < 1:
        raise InvalidArgumentError(f"tf.strings.{op}: num_buckets must be >= 1, got {num_buckets}.")
    return int(num_buckets)


@_ragged_values
def to_hash_bucket_fast(input: Any, num_buckets: int, name: str | None = None) -> Tensor:  # noqa: A002
    """Each string hashed into ``[0, num_buckets)`` (int64) with FarmHash's Fingerprint64, TF's values.

    >>> import tapegrad as tf
    >>> tf.strings.to_hash_bucket_fast(["a", "b", "hello"], 10).numpy().tolist()
    [9, 2, 6]
    """
    return apply1(HASH_BUCKET, _strings(input, "to_hash_bucket_fast"),
                  {"buckets": _buckets(num_buckets, "to_hash_bucket_fast"), "kind": "fast", "key": (0, 0)})


@_ragged_values
def to_hash_bucket_strong(input: Any, num_buckets: int, key: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Each string hashed into ``[0, num_buckets)`` (int64) with SipHash-2-4 keyed by ``key`` (two ints), TF's
    values.

    >>> import tapegrad as tf
    >>> tf.strings.to_hash_bucket_strong(["a", "b"], 10, key=[123456789, 987654321]).numpy().tolist()
    [1, 5]
    """
    k = [int(v) for v in (key.numpy().tolist() if isinstance(key, _TensorLike) else key)]
    if len(k) != 2:
        raise InvalidArgumentError(f"tf.strings.to_hash_bucket_strong: key must be two integers, got {key!r}.")
    return apply1(HASH_BUCKET, _strings(input, "to_hash_bucket_strong"),
                  {"buckets": _buckets(num_buckets, "to_hash_bucket_strong"), "kind": "strong",
                   "key": (k[0] & _M64, k[1] & _M64)})


@_ragged_values
def to_hash_bucket(string_tensor: Any, num_buckets: int, name: str | None = None) -> Tensor:
    """Each string hashed into ``[0, num_buckets)`` (int64) with TF's legacy Hash64 (prefer
    ``to_hash_bucket_fast``, as TF's docs say).

    >>> import tapegrad as tf
    >>> tf.strings.to_hash_bucket(["a", "hello"], 1000003).numpy().tolist()
    [789371, 546981]
    """
    return apply1(HASH_BUCKET, _strings(string_tensor, "to_hash_bucket"),
                  {"buckets": _buckets(num_buckets, "to_hash_bucket"), "kind": "legacy", "key": (0, 0)})


# -- splitting (RaggedTensor results) ----------------------------------------------------------------------------

def _split_rows(v: Any, piece: Any) -> tuple[Any, Any]:
    """(flat values, row_splits int64) of ``piece(s)`` over the strings of the 1-d object array ``v``."""
    rows = [piece(s) for s in np.asarray(v).reshape(-1).tolist()]
    splits = np.zeros(len(rows) + 1, np.int64)
    np.cumsum([len(r) for r in rows], out=splits[1:])
    return [x for r in rows for x in r], splits


def _split_fwd(F: Any, x: Any, sep: Any, maxsplit: int, mode: str,
               decode: tuple[str, str, int, bool] = ("utf-8", "strict", 65533, False)) -> tuple[Any, Any]:
    codec, errors, replacement, control = decode
    if mode == "split":
        def piece(s: bytes) -> list[Any]:
            return s.split(sep, maxsplit) if sep is not None else s.split(None, maxsplit)
        dtype = OBJECT
    elif mode == "bytes":
        def piece(s: bytes) -> list[Any]:
            return [s[i:i + 1] for i in range(len(s))]
        dtype = OBJECT
    elif mode == "chars":
        def piece(s: bytes) -> list[Any]:
            codes, _ = decode_units(s, codec, errors, replacement, control, "unicode_split")
            return [chr(c).encode(codec, "surrogatepass") for c in codes]
        dtype = OBJECT
    elif mode == "offsets":
        def piece(s: bytes) -> list[Any]:
            return decode_units(s, codec, errors, replacement, control, "unicode_decode_with_offsets")[1]
        dtype = np.int64
    else:
        def piece(s: bytes) -> list[Any]:
            return decode_units(s, codec, errors, replacement, control, "unicode_decode")[0]
        dtype = np.int32
    flat, splits = _split_rows(x, piece)
    values = np.empty(len(flat), dtype=dtype)
    values[:] = flat
    return values, splits


STRING_SPLIT = defop("string_split", _split_fwd, multi=True,
                     test=spec(lambda tf, s: tf.strings.split(s).values, _s(["a b  c", "d"], (2,)),
                               ref=lambda s: np.array([b"a", b"b", b"c", b"d"], object)))


def _split(input: Any, op: str, params: dict[str, Any]) -> Any:
    from .ragged_ops import RaggedTensor

    if isinstance(input, RaggedTensor):
        return input.with_flat_values(_split(input.flat_values, op, params))
    x = _strings(input, op)
    nd = x._value.ndim
    if nd == 0:
        values, _ = applyn(STRING_SPLIT, (_reshape(x, (1,)),), params)
        return values
    flat = x if nd == 1 else _reshape(x, (-1,))
    values, splits = applyn(STRING_SPLIT, (flat,), params)
    out = RaggedTensor._from_splits(values, splits)
    for n in reversed(x._value.shape[1:]):  # the leading dims of a 2-d+ input: uniform outer rows
        total = out._nrows()
        out = RaggedTensor._from_splits(out, make(np.arange(total // n + 1, dtype=np.int64) * n, NUMPY))
    return out


def _reshape(x: Any, shape: tuple[int, ...]) -> Any:
    import tapegrad

    return tapegrad.reshape(x, shape)


def split(input: Any, sep: Any = None, maxsplit: int = -1, name: str | None = None) -> Any:  # noqa: A002
    """Split each string at ``sep`` (runs of whitespace by default) into a RaggedTensor with one more (ragged)
    dimension; a scalar gives a 1-d Tensor. ``maxsplit`` limits the number of splits per string.

    >>> import tapegrad as tf
    >>> tf.strings.split(["a b  c", "d"])
    <tapegrad.RaggedTensor [[b'a', b'b', b'c'], [b'd']]>
    """
    s = None if sep is None else _as_bytes(sep.numpy() if isinstance(sep, _TensorLike) else sep)
    if s == b"":
        raise InvalidArgumentError("tf.strings.split: sep must not be empty (use tf.strings.bytes_split).")
    return _split(input, "split", {"sep": s, "maxsplit": int(maxsplit), "mode": "split"})


def bytes_split(input: Any, name: str | None = None) -> Any:  # noqa: A002
    """Split each string into its bytes: a RaggedTensor (a 1-d Tensor for a scalar).

    >>> import tapegrad as tf
    >>> tf.strings.bytes_split(["ab", "c"])
    <tapegrad.RaggedTensor [[b'a', b'b'], [b'c']]>
    """
    return _split(input, "bytes_split", {"sep": None, "maxsplit": -1, "mode": "bytes"})


def _utf8(encoding: str, op: str) -> None:
    if encoding.upper().replace("-", "") != "UTF8":
        raise InvalidArgumentError(f"tf.strings.{op}: tapegrad supports output_encoding 'UTF-8' only, got "
                                   f"{encoding!r}.")


def _decode_params(op: str, input_encoding: str, errors: str, replacement_char: int, control: bool,
                   mode: str) -> dict[str, Any]:
    if errors not in ("replace", "ignore", "strict"):
        raise ValueError(f"tf.strings.{op}: errors must be 'replace', 'ignore' or 'strict'; got {errors!r}.")
    return {"sep": None, "maxsplit": -1, "mode": mode,
            "decode": (_codec(input_encoding, op), errors, int(replacement_char), bool(control))}


def unicode_split(input: Any, input_encoding: str, errors: str = "replace",  # noqa: A002
                  replacement_char: int = 65533, name: str | None = None) -> Any:
    """Split each string into its characters (each a string in ``input_encoding``): a RaggedTensor (1-d for a
    scalar). Ill-formed bytes become ``replacement_char`` (``errors="replace"``), are dropped (``"ignore"``) or
    raise InvalidArgumentError (``"strict"``). Encodings: UTF-8, UTF-16-BE, UTF-32-BE.

    >>> import tapegrad as tf
    >>> tf.strings.unicode_split(["hé", "c"], "UTF-8")
    <tapegrad.RaggedTensor [[b'h', b'\\xc3\\xa9'], [b'c']]>
    """
    return _split(input, "unicode_split", _decode_params("unicode_split", input_encoding, errors, replacement_char,
                                                         False, "chars"))


def unicode_decode(input: Any, input_encoding: str, errors: str = "replace",  # noqa: A002
                   replacement_char: int = 65533, replace_control_characters: bool = False,
                   name: str | None = None) -> Any:
    """The Unicode code points (int32) of each string: a RaggedTensor (1-d for a scalar). ``errors`` as
    :func:`unicode_split`; ``replace_control_characters`` also replaces U+0000–U+001F.

    >>> import tapegrad as tf
    >>> tf.strings.unicode_decode(["hé", "c"], "UTF-8")
    <tapegrad.RaggedTensor [[104, 233], [99]]>
    """
    return _split(input, "unicode_decode", _decode_params("unicode_decode", input_encoding, errors, replacement_char,
                                                          replace_control_characters, "codes"))


def unicode_decode_with_offsets(input: Any, input_encoding: str, errors: str = "replace",  # noqa: A002
                                replacement_char: int = 65533, replace_control_characters: bool = False,
                                name: str | None = None) -> tuple[Any, Any]:
    """``unicode_decode`` and the byte offset (int64) where each character starts.

    >>> import tapegrad as tf
    >>> codes, offsets = tf.strings.unicode_decode_with_offsets(["hé!"], "UTF-8")
    >>> codes.to_list(), offsets.to_list()
    ([[104, 233, 33]], [[0, 1, 3]])
    """
    op = "unicode_decode_with_offsets"
    return (_split(input, op, _decode_params(op, input_encoding, errors, replacement_char,
                                             replace_control_characters, "codes")),
            _split(input, op, _decode_params(op, input_encoding, errors, replacement_char,
                                             replace_control_characters, "offsets")))


def unicode_split_with_offsets(input: Any, input_encoding: str, errors: str = "replace",  # noqa: A002
                               replacement_char: int = 65533, name: str | None = None) -> tuple[Any, Any]:
    """``unicode_split`` and the byte offset (int64) where each character starts.

    >>> import tapegrad as tf
    >>> chars, offsets = tf.strings.unicode_split_with_offsets("hé!", "UTF-8")
    >>> chars.numpy().tolist(), offsets.numpy().tolist()
    ([b'h', b'\\xc3\\xa9', b'!'], [0, 1, 3])
    """
    op = "unicode_split_with_offsets"
    return (_split(input, op, _decode_params(op, input_encoding, errors, replacement_char, False, "chars")),
            _split(input, op, _decode_params(op, input_encoding, errors, replacement_char, False, "offsets")))


def _transcode_fwd(F: Any, x: Any, codec: str, out_codec: str, errors: str, replacement: int,
                   control: bool) -> Any:
    def one(s: bytes) -> bytes:
        codes, _ = decode_units(s, codec, errors, replacement, control, "unicode_transcode")
        return "".join(map(chr, codes)).encode(out_codec, "surrogatepass")

    return _map(one, x)


UNICODE_TRANSCODE = defop("unicode_transcode", _transcode_fwd,
                          test=spec(lambda tf, s: tf.strings.unicode_transcode(s, "UTF-8", "UTF-16-BE"),
                                    _s(["hé", "ab"], (2,)),
                                    ref=lambda s: np.array(["hé".encode("utf-16-be"), "ab".encode("utf-16-be")],
                                                           object)))


@_ragged_values
def unicode_transcode(input: Any, input_encoding: str, output_encoding: str, errors: str = "replace",  # noqa: A002
                      replacement_char: int = 65533, replace_control_characters: bool = False,
                      name: str | None = None) -> Tensor:
    """Re-encode each string from ``input_encoding`` to ``output_encoding`` (UTF-8, UTF-16-BE, UTF-32-BE);
    ``errors``/``replacement_char`` as :func:`unicode_decode`.

    >>> import tapegrad as tf
    >>> tf.strings.unicode_transcode(b"\\xffab", "UTF-8", "UTF-8", replacement_char=63).numpy()
    b'?ab'
    """
    op = "unicode_transcode"
    p = _decode_params(op, input_encoding, errors, replacement_char, replace_control_characters, "codes")
    codec, errs, repl, control = p["decode"]
    return apply1(UNICODE_TRANSCODE, _strings(input, op), {"codec": codec, "out_codec": _codec(output_encoding, op),
                                                            "errors": errs, "replacement": repl, "control": control})


def _segment_join_fwd(F: Any, x: Any, ids: Any, num: int, separator: bytes) -> Any:
    xs, ids = np.asarray(x), np.asarray(ids)
    rest = xs.shape[ids.ndim:]
    flat_x = xs.reshape((ids.size,) + rest)
    flat_ids = ids.reshape(-1).tolist()
    out = np.empty((num,) + rest, dtype=OBJECT)
    for pos in np.ndindex(*rest) if rest else [()]:
        groups: list[list[bytes]] = [[] for _ in range(num)]
        for i, seg in enumerate(flat_ids):
            groups[seg].append(flat_x[(i,) + pos])
        for seg in range(num):
            out[(seg,) + pos] = separator.join(groups[seg])
    return as_value(out)


UNSORTED_SEGMENT_JOIN = defop("unsorted_segment_join", _segment_join_fwd,
                              test=spec(lambda tf, s, i: tf.strings.unsorted_segment_join(s, i, 3, separator=":"),
                                        lambda rng: (np.array(["a", "b", "c"], object), np.array([2, 0, 2], np.int32)),
                                        ref=lambda s, i: np.array([b"b", b"", b"a:c"], object)))


def unsorted_segment_join(inputs: Any, segment_ids: Any, num_segments: Any, separator: str = "",
                          name: str | None = None) -> Tensor:
    """Join the strings of each segment (in the order they appear) with ``separator``: the result has
    ``num_segments`` rows (empty strings for empty segments); ids must be in ``[0, num_segments)``.

    >>> import tapegrad as tf
    >>> tf.strings.unsorted_segment_join(["a", "b", "c", "d"], [0, 1, 0, 3], 4, separator=":").numpy().tolist()
    [b'a:c', b'b', b'', b'd']
    """
    op = "unsorted_segment_join"
    x = _strings(inputs, op)
    ids = to_tensor(segment_ids)
    if ids.dtype.name not in ("int32", "int64"):
        raise InvalidArgumentError(f"tf.strings.{op}: segment_ids must be int32 or int64, got {ids.dtype.name}.")
    xs, iv = x._value.shape, ids._value.shape
    if tuple(xs[:len(iv)]) != tuple(iv):
        raise InvalidArgumentError(f"tf.strings.{op}: segment_ids shape {list(iv)} must be a prefix of the inputs' "
                                   f"shape {list(xs)}.")
    num = int(np.asarray(getattr(num_segments, "_value", num_segments)))
    bad = np.asarray(ids._value)
    if bad.size and (bad.max() >= num or bad.min() < 0):
        raise InvalidArgumentError(f"tf.strings.{op}: segment_ids are not allowed to exceed num_segments or to have "
                                   f"negative values; got values from {int(bad.min())} to {int(bad.max())} for "
                                   f"num_segments={num}.")
    return apply2(UNSORTED_SEGMENT_JOIN, x, ids, {"num": num, "separator": _as_bytes(separator)})


def _encode_fwd(F: Any, codes: Any, splits: Any) -> Any:
    cs = np.asarray(codes).tolist()
    sp = np.asarray(splits).tolist()
    out = np.empty(len(sp) - 1, dtype=OBJECT)
    try:
        out[:] = ["".join(map(chr, cs[a:b])).encode("utf-8") for a, b in zip(sp[:-1], sp[1:])]
    except (ValueError, OverflowError):
        raise InvalidArgumentError("tf.strings.unicode_encode: a code point is outside the Unicode range.") from None
    return as_value(out)


UNICODE_ENCODE = defop("unicode_encode", _encode_fwd,
                       test=spec(lambda tf, c, s: tf.strings.unicode_encode(tf.RaggedTensor.from_row_splits(c, s),
                                                                            "UTF-8"),
                                 lambda rng: (np.array([104, 233, 99], np.int32), np.array([0, 2, 3], np.int64)),
                                 ref=lambda c, s: np.array(["hé".encode(), b"c"], object)))


def unicode_encode(input: Any, output_encoding: str, errors: str = "replace",  # noqa: A002
                   replacement_char: int = 65533, name: str | None = None) -> Tensor:
    """The UTF-8 strings of rows of code points (a 1-d Tensor gives a scalar, a RaggedTensor one string per row).

    >>> import tapegrad as tf
    >>> tf.strings.unicode_encode([104, 233], "UTF-8").numpy()
    b'h\\xc3\\xa9'
    """
    from .ragged_ops import RaggedTensor

    _utf8(output_encoding, "unicode_encode")
    if isinstance(input, RaggedTensor):
        if input.ragged_rank > 1:
            return input.with_values(unicode_encode(input.values, output_encoding))
        return applyn(UNICODE_ENCODE, (to_tensor(input.values), input.row_splits))
    x = to_tensor(input)
    if x._value.ndim == 0:
        raise InvalidArgumentError("tf.strings.unicode_encode: needs at least a vector of code points.")
    lead = x._value.shape[:-1]
    rows = int(np.prod(lead, dtype=np.int64))
    splits = make(np.arange(rows + 1, dtype=np.int64) * x._value.shape[-1], NUMPY)
    out = applyn(UNICODE_ENCODE, (_reshape(x, (-1,)), splits))
    return _reshape(out, lead)


# -- ngrams --------------------------------------------------------------------------------------------------------

def _ngrams_fwd(F: Any, values: Any, splits: Any, widths: tuple[int, ...], separator: bytes,
                pads: tuple[bytes, bytes] | None, padding_width: int, preserve: bool) -> tuple[Any, Any]:
    vals = np.asarray(values).tolist()
    sp = np.asarray(splits).tolist()
    out: list[bytes] = []
    out_splits = [0]
    for a, b in zip(sp[:-1], sp[1:]):
        row = vals[a:b]
        start = len(out)
        for w in widths:
            pad = 0 if pads is None else min(w - 1 if padding_width < 0 else padding_width, w - 1)
            seq = [pads[0]] * pad + row + [pads[1]] * pad if pads is not None else row
            out.extend(separator.join(seq[i:i + w]) for i in range(len(seq) - w + 1))
        if preserve and len(out) == start and row:
            out.append(separator.join(row))  # shorter than every width: the whole sequence, as TF
        out_splits.append(len(out))
    arr = np.empty(len(out), dtype=OBJECT)
    arr[:] = out
    return arr, np.asarray(out_splits, dtype=np.asarray(splits).dtype)


NGRAMS = defop("string_ngrams", _ngrams_fwd, multi=True,
               test=spec(lambda tf, s: tf.strings.ngrams(s, (1, 2), pad_values="#"), _s(["a", "b", "c"], (3,)),
                         ref=lambda s: np.array([b"a", b"b", b"c", b"# a", b"a b", b"b c", b"c #"], object)))


def ngrams(data: Any, ngram_width: Any, separator: str = " ", pad_values: Any = None, padding_width: Any = None,
           preserve_short_sequences: bool = False, name: str | None = None) -> Any:
    """The n-grams of the strings along the last axis of ``data`` (a tensor or a RaggedTensor), joined with
    ``separator``: for each ``ngram_width`` (an int or several), each sequence padded with ``pad_values`` (one
    value or ``(left, right)``; ``padding_width`` of them, ``width - 1`` by default). A RaggedTensor gives a
    RaggedTensor; a dense tensor a dense one.

    >>> import tapegrad as tf
    >>> tf.strings.ngrams(tf.constant(["a", "b", "c"]), 2).numpy().tolist()
    [b'a b', b'b c']
    >>> tf.strings.ngrams(tf.ragged.constant([["a", "b", "c"], ["d"]]), (1, 2)).to_list()
    [[b'a', b'b', b'c', b'a b', b'b c'], [b'd']]
    """
    from .ragged_ops import RaggedTensor

    widths = tuple(int(w) for w in (ngram_width if isinstance(ngram_width, (list, tuple)) else [ngram_width]))
    if any(w < 1 for w in widths):
        raise ValueError(f"tf.strings.ngrams: all ngram_widths must be greater than 0, got {list(widths)}.")
    pads = None
    if pad_values is not None:
        pv = list(pad_values) if isinstance(pad_values, (list, tuple)) else [pad_values, pad_values]
        if len(pv) != 2:
            raise ValueError("tf.strings.ngrams: pad_values must be a string or a (left, right) pair.")
        pads = (_as_bytes(pv[0]), _as_bytes(pv[1]))
    elif padding_width is not None:
        raise ValueError("tf.strings.ngrams: padding_width needs pad_values.")
    params = {"widths": widths, "separator": _as_bytes(separator), "pads": pads,
              "padding_width": -1 if padding_width is None else int(padding_width),
              "preserve": bool(preserve_short_sequences)}
    if isinstance(data, RaggedTensor):
        if isinstance(data.values, RaggedTensor):
            return data.with_values(ngrams(data.values, ngram_width, separator, pad_values, padding_width,
                                           preserve_short_sequences))
        if data.dtype != _dtypes.string:
            raise ValueError(f"tf.strings.ngrams: data must be strings, got dtype {data.dtype.name}.")
        values, splits = applyn(NGRAMS, (to_tensor(data.values), data.row_splits), params)
        return RaggedTensor._from_splits(values, splits)
    x = to_tensor(data if isinstance(data, _TensorLike) else make(to_bytes_array(data, "ngrams"), NUMPY))
    if x._value.dtype != OBJECT:
        raise ValueError(f"tf.strings.ngrams: data must be strings, got dtype {x.dtype.name}.")
    shape = x._value.shape
    if not shape:
        raise ValueError("tf.strings.ngrams: data must have rank >= 1.")
    rows = int(np.prod(shape[:-1], dtype=np.int64))
    splits = make(np.arange(rows + 1, dtype=np.int64) * shape[-1], NUMPY)
    values, out_splits = applyn(NGRAMS, (_reshape(x, (-1,)), splits), params)
    counts = np.diff(out_splits._value)
    if counts.size and np.all(counts == counts[0]):
        return _reshape(values, shape[:-1] + (int(counts[0]),))
    return RaggedTensor._from_splits(values, out_splits)  # (preserve_short_sequences on uneven rows)


# -- tf.io: base64 -----------------------------------------------------------------------------------------------

def _b64_fwd(F: Any, x: Any, decode: bool, pad: bool) -> Any:
    if decode:
        def f(b: bytes) -> bytes:
            try:
                return base64.urlsafe_b64decode(b + b"=" * (-len(b) % 4))
            except ValueError:
                raise InvalidArgumentError(f"tf.io.decode_base64: invalid base64 data {b!r}.") from None
        return _map(f, x)
    return _map(lambda b: base64.urlsafe_b64encode(b) if pad else base64.urlsafe_b64encode(b).rstrip(b"="), x)


BASE64 = defop("base64", _b64_fwd,
               test=spec(lambda tf, s: tf.io.decode_base64(tf.io.encode_base64(s)), _s(["hello", ""], (2,)),
                         ref=lambda s: np.array([b"hello", b""], object)))


@_ragged_values
def encode_base64(input: Any, pad: bool = False, name: str | None = None) -> Tensor:  # noqa: A002
    """Web-safe base64 (``-`` and ``_``) of each string, without ``=`` padding unless ``pad=True`` (as TF).

    >>> import tapegrad as tf
    >>> tf.io.encode_base64(["hello"]).numpy().tolist()
    [b'aGVsbG8']
    """
    return apply1(BASE64, _strings(input, "encode_base64"), {"decode": False, "pad": bool(pad)})


@_ragged_values
def decode_base64(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Decode web-safe base64 strings (padded or not).

    >>> import tapegrad as tf
    >>> tf.io.decode_base64("aGVsbG8").numpy()
    b'hello'
    """
    return apply1(BASE64, _strings(input, "decode_base64"), {"decode": True, "pad": False})


EXPORTS = {
    "": ["as_string"],
    "strings": ["length", "lower", "upper", "strip", "join", "reduce_join", "substr", "regex_full_match",
                "regex_replace", "to_number", "as_string", "format", "to_hash_bucket_fast", "to_hash_bucket_strong",
                "to_hash_bucket", "ngrams", "split", "bytes_split",
                "unicode_split", "unicode_decode", "unicode_encode", "unicode_decode_with_offsets",
                "unicode_split_with_offsets", "unicode_transcode", "unsorted_segment_join"],
    "io": ["encode_base64", "decode_base64"],
}
