"""docs/ops.md is generated from the registry and must be current."""

from __future__ import annotations

from pathlib import Path

from tapegrad._opdoc import render

DOC = Path(__file__).resolve().parent.parent / "docs" / "ops.md"


def test_ops_doc_is_current() -> None:
    assert DOC.read_text() == render(), "docs/ops.md is stale: run `python -m tapegrad ops-doc`"


def test_ops_doc_lists_every_registered_op() -> None:
    from tapegrad._registry import OPS

    text = render()
    for name in OPS:
        assert f"| `{name}` |" in text
