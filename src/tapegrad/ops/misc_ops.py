"""Op library tables (this family is being filled in by the op-library issue)."""

from __future__ import annotations

EXPORTS: dict[str, list[str]] = {}
