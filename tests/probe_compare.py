"""The comparison rule of ``shared/tools/probe_check.py``, shared by the spec-probe tests: parse a probe run's
output into cases, and compare a value case by its number/None/True/False tokens (rtol 1e-5)."""

from __future__ import annotations

import re

_TOK = re.compile(r"0x[0-9a-fA-F]+|[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|\bnan\b|\binf\b|\bNone\b|\bTrue\b"
                  r"|\bFalse\b")


def tokens(text: str) -> list[str]:
    return [t for t in _TOK.findall(text) if not t.startswith("0x")]


def same_tokens(a: str, b: str) -> bool:
    """The two printed values have the same tokens, numbers equal within rtol 1e-5 (NaN equals NaN)."""
    ta, tb = tokens(a), tokens(b)
    if len(ta) != len(tb):
        return False
    for x, y in zip(ta, tb):
        if x == y:
            continue
        try:
            fx, fy = float(x), float(y)
        except ValueError:
            return False
        if fx != fx and fy != fy:
            continue
        if abs(fx - fy) > 1e-5 * max(abs(fx), abs(fy)) + 1e-7:
            return False
    return True


def parse_probe_output(text: str) -> dict[str, dict[str, tuple[str, str]]]:
    """``{probe file: {case: ("val", printed value) | ("exc", exception class name)}}``."""
    files: dict[str, dict[str, tuple[str, str]]] = {}
    cur: dict[str, tuple[str, str]] | None = None
    case = None
    for line in text.splitlines():
        m = re.match(r"^#{5,} (\S+)", line)
        if m:
            cur = files.setdefault(m.group(1), {})
            case = None
        elif cur is not None and line.startswith("--- "):
            case = line[4:].strip()
        elif cur is not None and case is not None and line.startswith("  -> "):
            cur[case] = ("val", line[5:])
        elif cur is not None and case is not None and line.startswith("  EXC: "):
            cur[case] = ("exc", line[7:].strip().split(".")[-1])
    return files
