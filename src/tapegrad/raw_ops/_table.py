"""Helpers for the declarative per-family raw-op tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Impl = Callable[..., Any]


def args(fn: Callable[..., Any], *names: str, **fixed: Any) -> Impl:
    """An implementation calling ``fn`` with the raw op's inputs/attributes ``names`` in order (plus ``fixed``
    keywords). ``keys`` records the TF argument names it consumes (the audit test compares them with TF's)."""

    def impl(**kw: Any) -> Any:
        return fn(*(kw[n] for n in names), **fixed)

    impl.keys = names  # type: ignore[attr-defined]
    return impl


def kwargs(fn: Callable[..., Any], mapping: dict[str, str], **fixed: Any) -> Impl:
    """An implementation calling ``fn`` with TF argument ``k`` passed as ``fn``'s keyword ``mapping[k]``."""

    def impl(**kw: Any) -> Any:
        return fn(**{mapping[k]: v for k, v in kw.items()}, **fixed)

    impl.keys = tuple(mapping)  # type: ignore[attr-defined]
    return impl


def public(path: str) -> Callable[..., Any]:
    """A tapegrad public function by its TF path (``"math.abs"``, ``"nn.relu"``); resolved lazily on first call so
    the tables import without loading every namespace."""
    cache: list[Callable[..., Any]] = []

    def fn(*a: Any, **k: Any) -> Any:
        if not cache:
            import importlib

            obj: Any = importlib.import_module("tapegrad")
            for part in path.split("."):
                obj = getattr(obj, part)
            cache.append(obj)
        return cache[0](*a, **k)

    fn.__name__ = path
    return fn
