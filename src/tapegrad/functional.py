"""Function transforms on top of the tape: ``grad``, ``value_and_grad``, ``vjp``, ``jvp``, ``hessian``,
``hessian_vector_product`` (exported in ``tapegrad.autodiff``; TensorFlow has no equivalent).

Arguments may be tensors, Variables or anything ``tapegrad.constant`` accepts (Python floats become float32, as
in TensorFlow). Results are differentiated the way ``GradientTape.gradient`` does it: a non-scalar output is
summed. Where a transform returns gradients, an argument the output does not depend on gets zeros (not None),
so the result can always be used in arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from . import _nest
from ._tensor import _TensorLike
from .forward import ForwardAccumulator
from .gradient_tape import GradientTape, UnconnectedGradients

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "hessian", "hessian_vector_product"]


def _as_tensor(x: Any) -> Any:
    if isinstance(x, _TensorLike):
        return x
    from .ops.core import constant

    return constant(x)


def _argnums(argnums: int | Sequence[int], n: int) -> tuple[tuple[int, ...], bool]:
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)  # type: ignore[arg-type]
    for k in nums:
        if not isinstance(k, int) or not -n <= k < n:
            raise ValueError(f"argnums {argnums!r} is out of range for a call with {n} positional argument(s).")
    return tuple(k % n for k in nums), single


def value_and_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., tuple[Any, Any]]:
    """``f`` transformed to return ``(f(*args), gradient)``; the gradient is with respect to argument ``argnums``
    (an int: one gradient; a sequence: a tuple of gradients).

    >>> import tapegrad as tf
    >>> f = lambda x, y: x * x * y
    >>> value, (gx, gy) = tf.autodiff.value_and_grad(f, argnums=(0, 1))(3.0, 2.0)
    >>> float(value), float(gx), float(gy)
    (18.0, 12.0, 9.0)
    """

    def wrapped(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        nums, single = _argnums(argnums, len(args))
        args_t = list(args)
        for k in nums:
            args_t[k] = _as_tensor(args[k])
        with GradientTape() as tape:
            for k in nums:
                tape.watch(args_t[k])
            out = f(*args_t, **kwargs)
        grads = tape.gradient(out, [args_t[k] for k in nums], unconnected_gradients=UnconnectedGradients.ZERO)
        return out, (grads[0] if single else tuple(grads))

    wrapped.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    wrapped.__doc__ = f"Value and gradient of {getattr(f, '__name__', 'f')}."
    return wrapped


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """``f`` transformed to return its gradient with respect to argument ``argnums`` (an int or a sequence).

    Compose it for higher derivatives:

    >>> import tapegrad as tf
    >>> df = tf.autodiff.grad(lambda x: x ** 3)
    >>> float(df(2.0)), float(tf.autodiff.grad(df)(2.0))
    (12.0, 12.0)
    """
    vg = value_and_grad(f, argnums)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return vg(*args, **kwargs)[1]

    wrapped.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    wrapped.__doc__ = f"Gradient of {getattr(f, '__name__', 'f')}."
    return wrapped


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., tuple[Any, ...]]]:
    """Run ``f(*primals)`` and return ``(outputs, vjp_fn)``: ``vjp_fn(cotangents)`` (same structure as the outputs)
    gives a tuple with one vector-Jacobian product per primal. ``vjp_fn`` may be called any number of times.

    >>> import tapegrad as tf
    >>> x = tf.constant([1.0, 2.0, 3.0])
    >>> y, vjp_fn = tf.autodiff.vjp(lambda x: x * x, x)
    >>> (gx,) = vjp_fn(tf.constant([1.0, 0.0, 1.0]))
    >>> gx.numpy().tolist()
    [2.0, 0.0, 6.0]
    """
    xs = [_as_tensor(p) for p in primals]
    tape = GradientTape(persistent=True)
    with tape:
        for x in xs:
            tape.watch(x)
        out = f(*xs)

    def vjp_fn(cotangents: Any) -> tuple[Any, ...]:
        flat_out = _nest.flatten(out)
        flat_ct = _nest.flatten(cotangents)
        if len(flat_ct) != len(flat_out):
            raise ValueError(
                f"vjp_fn: got {len(flat_ct)} cotangent(s) for {len(flat_out)} output(s); pass one per output, in "
                "the structure of the outputs."
            )
        return tuple(tape.gradient(flat_out, xs, output_gradients=flat_ct,
                                   unconnected_gradients=UnconnectedGradients.ZERO))

    return out, vjp_fn


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Forward mode: ``(f(*primals), J·tangents)``, computed in one pass with a ``ForwardAccumulator``.

    ``primals`` and ``tangents`` are sequences of the same length. The output tangent has the outputs' structure;
    an output that does not depend on the primals gets zeros.

    >>> import tapegrad as tf
    >>> out, t = tf.autodiff.jvp(lambda x, y: x * y, (2.0, 3.0), (1.0, 10.0))
    >>> float(out), float(t)
    (6.0, 23.0)
    """
    if not isinstance(primals, (list, tuple)) or not isinstance(tangents, (list, tuple)):
        raise TypeError("jvp: primals and tangents must be sequences (tuples or lists) of equal length, "
                        "e.g. jvp(f, (x,), (v,)).")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primal(s) but {len(tangents)} tangent(s); give one tangent per primal.")
    xs = [_as_tensor(p) for p in primals]
    with ForwardAccumulator(xs, list(tangents)) as acc:
        out = f(*xs)
    return out, acc.jvp(out, unconnected_gradients=UnconnectedGradients.ZERO)


def hessian(f: Callable[[Any], Any], x: Any) -> Any:
    """The Hessian of scalar ``f`` at ``x``: shape ``x.shape + x.shape`` (reverse over reverse, one vectorised
    Jacobian of the gradient).

    >>> import tapegrad as tf
    >>> h = tf.autodiff.hessian(lambda x: tf.reduce_sum(x ** 3), tf.constant([1.0, 2.0]))
    >>> h.numpy().tolist()
    [[6.0, 0.0], [0.0, 12.0]]
    """
    x = _as_tensor(x)
    with GradientTape() as outer:
        outer.watch(x)
        with GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x, unconnected_gradients=UnconnectedGradients.ZERO)
    return outer.jacobian(g, x, unconnected_gradients=UnconnectedGradients.ZERO)


def hessian_vector_product(f: Callable[[Any], Any], x: Any, v: Any) -> Any:
    """``H(x) · v`` for scalar ``f`` without forming the Hessian: forward mode over reverse mode (one gradient
    computation carrying a tangent), so it costs a small multiple of one gradient.

    >>> import tapegrad as tf
    >>> hv = tf.autodiff.hessian_vector_product(lambda x: tf.reduce_sum(x ** 3), tf.constant([1.0, 2.0]),
    ...                                         tf.constant([1.0, 1.0]))
    >>> hv.numpy().tolist()
    [6.0, 12.0]
    """
    x = _as_tensor(x)
    with ForwardAccumulator(x, v) as acc:
        with GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        g = tape.gradient(y, x, unconnected_gradients=UnconnectedGradients.ZERO)
    return acc.jvp(g, unconnected_gradients=UnconnectedGradients.ZERO)
