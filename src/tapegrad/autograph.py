"""``tf.autograph``: what tapegrad offers in place of TF's source-to-source converter.

tapegrad does not rewrite Python source. Data-dependent ``if``/``while``/``for`` on tensors inside a
``tapegrad.function`` work through guards instead (``docs/function.md``): the traced path records the Python
values it took from tensors, and a call that takes another path traces that path too. ``to_code`` therefore shows
what tapegrad actually runs for a traced function: its generated code.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from typing import Any


def to_code(entity: Callable[..., Any], recursive: bool = True, experimental_optional_features: Any = None) -> str:
    """The code tapegrad runs for ``entity``: for a traced ``tapegrad.function``, the generated code of its most
    recent trace; otherwise the Python source (tapegrad runs Python bodies as written).

    >>> import tapegrad as tf
    >>> def f(x):
    ...     return x * 2.0
    >>> print(tf.autograph.to_code(f).strip())
    def f(x):
        return x * 2.0
    """
    from .compiler.function import Function

    if isinstance(entity, Function):
        if entity._concretes:
            return entity._concretes[-1].pretty_printed_code()
        entity = entity.python_function
    return inspect.getsource(entity)


def do_not_convert(func: Callable[..., Any] | None = None) -> Any:
    """Mark ``func`` as not converted: inside a trace, using a tensor as a Python ``bool`` in it raises
    ``OperatorNotAllowedInGraphError`` (as TF does for unconverted code) instead of being guarded.

    >>> import tapegrad as tf
    >>> f = tf.autograph.experimental.do_not_convert(lambda x: x + 1)
    >>> float(f(tf.constant(1.0)))
    2.0
    """
    if func is None:
        return do_not_convert
    import functools

    from .compiler.function import _state

    @functools.wraps(func)
    def unconverted(*args: Any, **kwargs: Any) -> Any:
        _state.no_autograph += 1
        try:
            return func(*args, **kwargs)
        finally:
            _state.no_autograph -= 1

    return unconverted


def set_loop_options(parallel_iterations: Any = None, swap_memory: Any = None, maximum_iterations: Any = None,
                     shape_invariants: Any = None) -> None:
    """Options of the loop over tensors this call is in (called at the top of its body, as in TF).

    ``shape_invariants=[(x, tf.TensorShape([None])), ...]`` lets the loop variable ``x`` change its shape in the
    dimensions given as ``None`` (without it, a tensor that a loop over tensors rebinds must keep its shape, as in TF:
    ``ValueError``). The other options are accepted for TF code compatibility (tapegrad's traced loops are unrolled).

    >>> import tapegrad as tf
    >>> @tf.function
    ... def grow(n):
    ...     x = tf.zeros([1])
    ...     for i in tf.range(n):
    ...         tf.autograph.experimental.set_loop_options(shape_invariants=[(x, tf.TensorShape([None]))])
    ...         x = tf.concat([x, [1.0]], 0)
    ...     return x
    >>> grow(tf.constant(2)).numpy().tolist()
    [0.0, 1.0, 1.0]
    """
    if shape_invariants:
        from .compiler.function import is_tracing

        if is_tracing():
            import sys

            from .compiler import loops

            loops.set_loop_options(sys._getframe(1), shape_invariants)


experimental = types.ModuleType("tapegrad.autograph.experimental", "``tf.autograph.experimental``.")
experimental.do_not_convert = do_not_convert  # type: ignore[attr-defined]
experimental.set_loop_options = set_loop_options  # type: ignore[attr-defined]

from ._settings import Feature, get_verbosity, set_verbosity, to_graph, trace  # noqa: E402

experimental.Feature = Feature  # type: ignore[attr-defined]

__all__ = ["to_code", "do_not_convert", "set_loop_options", "experimental", "set_verbosity", "get_verbosity",
           "to_graph", "trace"]
