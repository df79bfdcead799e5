"""SciPy bridge: ``tapegrad.scipy.minimize`` optimises tapegrad Variables with ``scipy.optimize.minimize``.

SciPy is an optional dependency (``pip install "tapegrad[scipy]"``); it is imported only when :func:`minimize` runs,
so ``import tapegrad`` never imports it.

>>> import tapegrad as tf
>>> import tapegrad.scipy
>>> x = tf.Variable([-1.2, 1.0])
>>> def rosenbrock():
...     return 100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2
>>> res = tapegrad.scipy.minimize(rosenbrock, [x])
>>> bool(res.success), [round(float(v), 3) for v in x]
(True, [1.0, 1.0])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import _nest
from ._tensor import Variable, _TensorLike

__all__ = ["minimize", "VariablePacker"]

# scipy.optimize.minimize methods that use a Hessian-vector product when one is given
_HESSP_METHODS = {"newton-cg", "trust-ncg", "trust-krylov", "trust-constr"}
# methods that use no gradient at all
_NO_JAC_METHODS = {"nelder-mead", "powell", "cobyla", "cobyqa"}


class VariablePacker:
    """Flattens a list of Variables to one float64 vector and back (in each Variable's own dtype).

    >>> import tapegrad as tf
    >>> from tapegrad.scipy import VariablePacker
    >>> a, b = tf.Variable([[1.0, 2.0]]), tf.Variable(3.0, dtype=tf.float64)
    >>> p = VariablePacker([a, b])
    >>> p.pack().tolist(), p.size
    ([1.0, 2.0, 3.0], 3)
    >>> p.assign([4.0, 5.0, 6.0]); a.numpy().tolist(), float(b)
    ([[4.0, 5.0]], 6.0)
    """

    def __init__(self, variables: Sequence[Any]) -> None:
        # a Keras variable (model.trainable_variables) is optimised through the tapegrad Variable it wraps
        self.variables = [v if isinstance(v, Variable) or not isinstance(getattr(v, "_var", None), Variable)
                          else v._var for v in variables]
        for v in self.variables:
            if not isinstance(v, Variable):
                raise TypeError(f"minimize optimises tapegrad Variables, got {type(v).__name__}: wrap the value in "
                                "tapegrad.Variable(...) first.")
            if v._value.dtype.kind != "f":
                raise TypeError(f"minimize needs floating-point Variables; {v.name} has dtype {v.dtype.name}. "
                                "Create it with a float value or dtype=tf.float32/tf.float64.")
        self.shapes = [tuple(v._value.shape) for v in self.variables]
        self.sizes = [int(np.prod(s)) for s in self.shapes]
        self.offsets = np.cumsum([0] + self.sizes)
        self.size = int(self.offsets[-1])

    def pack(self, values: Sequence[Any] | None = None) -> np.ndarray:
        """The variables (or ``values``, one per variable; None entries are zeros) as one float64 vector."""
        src = [v._value for v in self.variables] if values is None else values
        parts = []
        for v, size in zip(src, self.sizes):
            if v is None:
                parts.append(np.zeros(size))
                continue
            if isinstance(v, _TensorLike):
                v = v._value
            if type(v).__name__ == "IndexedSlices":
                v = v._dense()._value
            parts.append(np.asarray(v, dtype=np.float64).reshape(size))
        return np.concatenate(parts) if parts else np.zeros(0)

    def unpack(self, x: Any) -> list[np.ndarray]:
        x = np.asarray(x, dtype=np.float64)
        return [x[a:b].reshape(s) for a, b, s in zip(self.offsets[:-1], self.offsets[1:], self.shapes)]

    def assign(self, x: Any) -> None:
        """Write the float64 vector ``x`` into the variables, each in its own dtype."""
        for v, part in zip(self.variables, self.unpack(x)):
            v.assign(part.astype(v._value.dtype))

    def tensors(self, x: Any) -> list[Any]:
        """The pieces of ``x`` as tapegrad constants of each variable's dtype."""
        from .ops.core import constant

        return [constant(part.astype(v._value.dtype)) for v, part in zip(self.variables, self.unpack(x))]


def _scalar_loss(loss_fn: Callable[[], Any]) -> Any:
    loss = loss_fn()
    if not isinstance(loss, _TensorLike):
        raise TypeError(f"minimize: loss_fn() must return a tapegrad tensor, got {type(loss).__name__}. Compute the "
                        "loss with tapegrad ops on the Variables (np.* functions on tensors also work).")
    if loss._value.size != 1:
        raise ValueError(f"minimize: loss_fn() must return a scalar, got shape {tuple(loss._value.shape)}; reduce it "
                         "with tf.reduce_sum or tf.reduce_mean.")
    return loss


def _expand_bounds(bounds: Any, packer: VariablePacker) -> Any:
    """Per-variable bounds ``[(lo, hi), ...]`` (scalars or arrays of the variable's shape; None = unbounded)
    expanded to SciPy's per-element list. SciPy ``Bounds`` objects and per-element lists pass through."""
    if bounds is None or not isinstance(bounds, (list, tuple)) or len(bounds) != len(packer.variables):
        return bounds
    if len(bounds) == packer.size and all(s == 1 for s in packer.sizes):
        return bounds  # per element == per variable
    if not all(isinstance(b, (list, tuple)) and len(b) == 2 for b in bounds):
        return bounds
    lo_parts, hi_parts = [], []
    for (lo, hi), shape in zip(bounds, packer.shapes):
        lo_parts.append(np.broadcast_to(np.asarray(-np.inf if lo is None else lo, dtype=np.float64), shape).ravel())
        hi_parts.append(np.broadcast_to(np.asarray(np.inf if hi is None else hi, dtype=np.float64), shape).ravel())
    lo_all, hi_all = np.concatenate(lo_parts), np.concatenate(hi_parts)
    return [(None if np.isneginf(a) else float(a), None if np.isposinf(b) else float(b))
            for a, b in zip(lo_all, hi_all)]


def minimize(loss_fn: Callable[[], Any], variables: Any, method: str | None = "L-BFGS-B", **kwargs: Any) -> Any:
    """Minimise ``loss_fn()`` over ``variables`` with ``scipy.optimize.minimize``; the solution is written back.

    ``loss_fn`` takes no arguments and computes a scalar from the Variables (any dtype: the loss and its
    gradient are computed in the Variables' own dtype — float32 stays float32 — and handed to SciPy as float64).
    ``variables`` is a Variable or a list (nest) of them. SciPy gets the value and gradient from one call
    (``jac=True``) and, for methods that use one (Newton-CG, trust-ncg, trust-krylov, trust-constr), a
    Hessian-vector product ``hessp`` computed by differentiating the gradient (reverse over reverse).

    ``bounds`` may be SciPy's (a ``Bounds`` or one ``(lo, hi)`` per element) or one ``(lo, hi)`` per Variable
    (scalars or arrays of its shape, None for no bound). Other keyword arguments go to
    ``scipy.optimize.minimize`` unchanged (``tol``, ``options``, ``callback`` — which sees SciPy's float64
    vector —, ``constraints``, ...). Returns SciPy's ``OptimizeResult``; ``res.x`` is also in the Variables.
    """
    try:
        import scipy.optimize as sopt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("tapegrad.scipy.minimize needs SciPy: pip install scipy (or tapegrad[scipy]).") from exc
    from .gradient_tape import GradientTape

    flat = _nest.flatten(variables)
    packer = VariablePacker(flat)
    vs = packer.variables
    m = (method or "").lower()

    def fun_and_grad(x: np.ndarray) -> tuple[float, np.ndarray]:
        packer.assign(x)
        with GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(vs)
            loss = _scalar_loss(loss_fn)
        grads = tape.gradient(loss, vs, unconnected_gradients="zero")
        return float(loss._value), packer.pack(grads)

    def fun_only(x: np.ndarray) -> float:
        packer.assign(x)
        return float(_scalar_loss(loss_fn)._value)

    def hessp(x: np.ndarray, p: np.ndarray) -> np.ndarray:
        packer.assign(x)
        with GradientTape(watch_accessed_variables=False) as outer:
            outer.watch(vs)
            with GradientTape(watch_accessed_variables=False) as inner:
                inner.watch(vs)
                loss = _scalar_loss(loss_fn)
            grads = inner.gradient(loss, vs, unconnected_gradients="zero")
        hv = outer.gradient(grads, vs, output_gradients=packer.tensors(p), unconnected_gradients="zero")
        return packer.pack(hv)

    kw = dict(kwargs)
    if "bounds" in kw:
        kw["bounds"] = _expand_bounds(kw["bounds"], packer)
    if m in _NO_JAC_METHODS:
        fun, jac = fun_only, None
    else:
        fun, jac = fun_and_grad, True
    if m in _HESSP_METHODS and "hess" not in kw and "hessp" not in kw:
        kw["hessp"] = hessp
    x0 = packer.pack()
    res = sopt.minimize(fun, x0, method=method, jac=jac, **kw)
    packer.assign(res.x)
    return res
