"""The op registry: one :class:`OpDef` per op holds its forward, its gradient rules and its test metadata.

Rule signatures (module-level functions, no closures on the hot path):

* ``fwd(F, *values, **params)`` computes raw arrays with the backend ``F`` of the inputs.
* ``vjp(F, g, ins, out, p, needs)`` returns one gradient per input (``None`` = no gradient). ``F`` is either a
  raw backend (plain arrays) or the differentiable namespace (Tensors, when an outer tape records the backward
  pass), so a single rule serves first and higher orders. ``g`` may carry leading batch axes (``g.shape ==
  batch + out.shape``) when Jacobians are computed; rules use negative axes and broadcasting so they need not
  care, and the engine sums gradients back to ``batch + input.shape`` and casts them to the input's dtype.
  ``needs[i]`` is false for inputs nobody asked about: rules may skip that work.
* ``jvp(F, tangents, ins, out, p)`` (forward mode) returns the output tangent; ``tangents[i]`` is ``None`` for a
  statically zero tangent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

OPS: dict[str, OpDef] = {}


class _NoGradient:
    """Marker for ops that are recorded but have no gradient: ``gradient()`` raises LookupError (like TF)."""

    def __repr__(self) -> str:
        return "NO_GRADIENT"


NO_GRADIENT: Any = _NoGradient()


class OpDef:
    """Declaration of one primitive op."""

    __slots__ = ("name", "fwd", "vjp", "jvp", "save_out", "save_in", "multi", "kinds", "meta", "bin")

    def __init__(self, name: str, fwd: Callable[..., Any], vjp: Any = None, jvp: Any = None, *,
                 save_out: bool = False, save_in: bool = True, multi: bool = False, kinds: str | None = None,
                 **meta: Any) -> None:
        self.name = name
        self.fwd = fwd
        self.vjp = vjp  # None: not differentiable (never recorded; gradients stop here as in TF)
        self.jvp = jvp
        self.save_out = save_out or multi
        # save_in=False: the rule reads only the inputs' shapes/dtypes, so large input arrays are not kept alive
        self.save_in = save_in
        self.multi = multi  # forward returns a tuple of outputs
        self.kinds = kinds  # NumPy dtype kinds the op accepts (checked by the binary fast path); None = any
        self.bin: Any = None  # the specialised binary fast path, made on first use (_dispatch.make_binary)
        self.meta = meta  # test metadata: domains, reference implementation, second-order, complex support

    @property
    def differentiable(self) -> bool:
        return self.vjp is not None and self.vjp is not NO_GRADIENT

    def __repr__(self) -> str:
        return f"<OpDef {self.name}>"


def defop(name: str, fwd: Callable[..., Any], vjp: Any = None, jvp: Any = None, **kw: Any) -> OpDef:
    """Register an op; names are unique."""
    if name in OPS:
        raise ValueError(f"op {name!r} registered twice")
    op = OpDef(name, fwd, vjp, jvp, **kw)
    OPS[name] = op
    return op


def spec(call: Callable[..., Any], args: Callable[[Any], tuple[Any, ...]], *, ref: Callable[..., Any] | None = None,
         grad: tuple[int, ...] | None = None, order2: bool = True, complex: bool = False, tf: bool = True,
         rtol: float = 1e-6, atol: float = 1e-8, name: str = "") -> dict[str, Any]:
    """Test metadata for an op (``defop(..., test=spec(...))``; a list of specs is allowed).

    * ``call(tf, *tensors)`` runs the op through the public API of module ``tf`` (tapegrad, or real TensorFlow
      for the conformance comparison), e.g. ``lambda tf, x: tf.reduce_sum(x, axis=1)``.
    * ``args(rng)`` makes the inputs as NumPy arrays (float64 for differentiable ones), inside the op's domain.
    * ``ref(*arrays)`` is an independent NumPy/SciPy forward reference.
    * ``grad``: indices of the inputs to differentiate (default: every floating input). ``order2``: also check
      second derivatives through nested tapes. ``complex``: also check complex128 inputs (TF's conj convention).
    * ``tf=False`` skips the TensorFlow comparison (internal ops, or TF lacks the signature).
    """
    return {"call": call, "args": args, "ref": ref, "grad": grad, "order2": order2, "complex": complex, "tf": tf,
            "rtol": rtol, "atol": atol, "name": name}


def bilinear_jvp(product: Callable[..., Any]) -> Callable[..., Any]:
    """The forward-mode rule of an op bilinear in its two inputs, from ``product(F, a, b, params)``:
    ``d(a·b) = da·b + a·db`` (a ``None`` tangent is a static zero)."""
    def jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
        res = None if ts[0] is None else product(F, ts[0], ins[1], p)
        if ts[1] is not None:
            r = product(F, ins[0], ts[1], p)
            res = r if res is None else res + r
        return res

    return jvp


def normal(*shapes: tuple[int, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """``args`` for ``spec``: standard-normal float64 inputs of the given shapes."""
    return lambda rng: tuple(rng.normal(size=s) for s in shapes)


def uniform(lo: float, hi: float, *shapes: tuple[int, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """``args`` for ``spec``: uniform float64 inputs in ``[lo, hi)`` (keep them inside the op's domain)."""
    return lambda rng: tuple(rng.uniform(lo, hi, size=s) for s in shapes)


def small_ints(*shapes: tuple[int, ...], kind: type = float) -> Callable[[Any], tuple[Any, ...]]:
    """``args`` for ``spec``: values in {0, 1, 2} (ties and equalities for comparisons), as ``kind``."""
    return lambda rng: tuple(rng.integers(0, 3 if kind is not bool else 2, size=s).astype(kind) for s in shapes)
