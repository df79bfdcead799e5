"""Running an op: unwrap inputs, compute, wrap, record on the tapes that watch an input.

The no-tape path is a few attribute reads and one allocation; recording happens only when a tape is active.
Python scalars stay Python scalars: NumPy 2 treats them as "weak" and keeps the tensor's dtype, which is exactly
TensorFlow's rule (a scalar adopts the tensor's dtype), without the cost of building a NumPy scalar.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ._registry import NO_GRADIENT, OpDef
from ._tape import Tape, local, next_id, on_variable_read
from ._tensor import Tensor, Variable, note_break

_new = object.__new__
_EMPTY: dict[str, Any] = {}
# Number of traces running in the process (tapegrad.compiler.trace keeps it): a module global is the cheapest test
# the recording branch can make before looking for this thread's tracer.
_TRACES = 0
# Number of tf.device scopes open in the process that name an absent device while soft placement is off
# (tapegrad._device keeps it): while non-zero, every op first asks whether this thread may run it.
_HARD_PLACEMENT = 0

# Each entry point wraps its result inline and hands the recording to _tail1/_tail2, which do the variable watch and
# the record for the usual single-tape case in that one frame (a Python call per op is what users of an eager library
# feel first: docs/performance.md).


def apply1(op: OpDef, x: Any, p: dict[str, Any] = _EMPTY, out: Any = None) -> Tensor:
    """Run a one-input op on a Tensor or Variable. ``out``: the forward's result, computed by a caller's fast path
    (hot ops skip the ``op.fwd(xp, v, **p)`` call: keyword unpacking costs about as much as a small op)."""
    if _HARD_PLACEMENT:
        _check_placement(op)
    v = x._value
    xp = x._xp
    if out is None:
        try:
            out = op.fwd(xp, v, **p)
        except TypeError as exc:
            _raise_type(op, (v,), exc)
    res = _new(Tensor)
    res._value = out
    res._xp = xp
    res._id = None
    tapes = local.tapes
    if tapes:
        _tail1(op, x, v, res, out, p, tapes, True)
    return res


def apply2(op: OpDef, a: Any, b: Any, p: dict[str, Any] = _EMPTY, out: Any = None) -> Tensor:
    """Run a two-input op on Tensors/Variables (dtypes already checked by the caller); ``out`` as in apply1."""
    if _HARD_PLACEMENT:
        _check_placement(op)
    va = a._value
    vb = b._value
    xp = a._xp
    if out is None:
        try:
            out = op.fwd(xp, va, vb, **p)
        except TypeError as exc:
            _raise_type(op, (va, vb), exc)
    res = _new(Tensor)
    res._value = out
    res._xp = xp
    res._id = None
    tapes = local.tapes
    if tapes:
        _tail2(op, a, b, a._id, b._id, va, vb, res, out, p, tapes)
    return res


def binary(op: OpDef, a: Any, b: Any) -> Tensor:
    """Run a broadcasting binary op on any operands (Tensors, Variables, Python numbers, arrays)."""
    f = op.bin
    if f is None:
        f = op.bin = make_binary(op)
    return f(a, b)


def make_binary(op: OpDef) -> Any:
    """The hot path of a binary op, specialised to ``op`` (a closure: one Python frame per call, which is also
    usable directly as the Tensor dunder): convert, check, compute, wrap, record.

    Tensors must agree in dtype; Python numbers adopt the tensor's dtype (kept as weak Python scalars);
    anything else goes through the general conversion in ``ops._common.pair``.
    """
    fwd = op.fwd
    kinds = op.kinds

    def call(a: Any, b: Any, name: str | None = None) -> Tensor:
        if _HARD_PLACEMENT:
            _check_placement(op)
        ta = type(a)
        tb = type(b)
        if ta is Tensor or ta is Variable:
            va = a._value
            xp = a._xp
            dta = va.dtype
            kind = dta.kind
            if tb is Tensor or tb is Variable:
                vb = b._value
                dtb = vb.dtype
                if dta is not dtb and dta != dtb:  # (identity first: comparing dtypes costs more than the test)
                    _raise_dtype(op, a, b)
                ib = b._id
            elif (tb is float or tb is int) and kind in _SCALAR_OK[tb]:
                vb = b
                ib = None
            else:
                return _slow_binary(op, a, b)
            ia = a._id
        elif tb is Tensor or tb is Variable:
            vb = b._value
            xp = b._xp
            kind = vb.dtype.kind
            if (ta is float or ta is int) and kind in _SCALAR_OK[ta]:
                va = a
                ia = None
            else:
                return _slow_binary(op, a, b)
            ib = b._id
        else:
            return _slow_binary(op, a, b)
        if kinds is not None and kind not in kinds:
            _raise_kind(op, a, b)
        try:
            out = fwd(xp, va, vb)
        except ValueError as exc:
            _raise_shapes(op, a, b, exc)
        except TypeError as exc:
            _raise_type(op, (va, vb), exc)
        res = _new(Tensor)
        res._value = out
        res._xp = xp
        res._id = None
        tapes = local.tapes
        if tapes:
            _tail2(op, a, b, ia, ib, va, vb, res, out, _EMPTY, tapes)
        return res

    call.__name__ = call.__qualname__ = op.name
    return call


def make_unary(op: OpDef, kinds: str | None) -> Any:
    """The hot path of a one-input op without parameters, specialised to ``op`` (one Python frame per call)."""
    fwd = op.fwd

    def call(x: Any, name: str | None = None) -> Tensor:
        if _HARD_PLACEMENT:
            _check_placement(op)
        tx = type(x)
        if tx is not Tensor and tx is not Variable:
            from .ops._common import RaggedInput, to_tensor

            try:
                x = to_tensor(x)
            except RaggedInput:  # elementwise: the op on a RaggedTensor's flat values
                return x.with_flat_values(call(x.flat_values))
            tx = type(x)
        v = x._value
        if kinds is not None and v.dtype.kind not in kinds:
            _raise_kind(op, x, x, kinds)
        xp = x._xp
        try:
            out = fwd(xp, v)
        except TypeError as exc:
            _raise_type(op, (v,), exc)
        res = _new(Tensor)
        res._value = out
        res._xp = xp
        res._id = None
        tapes = local.tapes
        if tapes:
            _tail1(op, x, v, res, out, _EMPTY, tapes, False)
        return res

    call.__name__ = call.__qualname__ = op.name
    return call


# Which tensor kinds a Python scalar may join without changing the tensor's dtype (TF: float into int raises).
_SCALAR_OK = {float: "fcV", int: "fciuV"}


def _slow_binary(op: OpDef, a: Any, b: Any) -> Tensor:
    from .ops._common import RAGGED_TYPE, pair

    if type(a) is RAGGED_TYPE[0] or type(b) is RAGGED_TYPE[0]:  # elementwise on the RaggedTensors' flat values
        from .ops.ragged_ops import elementwise

        return elementwise(op.bin, a, b, op.name)

    method = getattr(type(b), "_right_operand_ops", _EMPTY).get(op.name)
    if method is not None:  # a composite type that computes `dense <op> self` itself (SparseTensor's `dense * st`)
        return getattr(b, method)(a)
    x, y = pair(a, b, op.name)
    return op.bin(x, y)


def _check_placement(op: OpDef) -> None:
    from ._device import check_placement

    check_placement(op.name)


def _raise_dtype(op: OpDef, a: Any, b: Any) -> None:
    from .errors import InvalidArgumentError
    from .ops._common import dtype_mismatch

    raise InvalidArgumentError(dtype_mismatch(op.name, a, b))


def _raise_kind(op: OpDef, a: Any, b: Any, kinds: str | None = None) -> None:
    from .ops._common import check_kinds

    check_kinds(a if isinstance(a, (Tensor, Variable)) else b, kinds or op.kinds or "", op.name)


def _raise_type(op: OpDef, vals: tuple[Any, ...], exc: TypeError) -> NoReturn:
    """NumPy's TypeError from an op computing on a string value (an object array) is TF's InvalidArgumentError: the
    op has no string kernel. Other TypeErrors propagate unchanged."""
    if not any(getattr(getattr(v, "dtype", None), "kind", None) == "O" or type(v) is bytes for v in vals):
        raise exc
    from .errors import InvalidArgumentError

    raise InvalidArgumentError(f"{op.name}: the op does not accept string tensors (dtype string has no "
                               f"{op.name} kernel, as in TF); convert with tf.strings.to_number first.") from None


def _raise_shapes(op: OpDef, a: Any, b: Any, exc: Exception) -> None:
    from .ops._elementwise import _shape_error

    raise _shape_error(op.name, a, b, exc) from None


def applyn(op: OpDef, args: tuple[Any, ...], p: dict[str, Any] = _EMPTY) -> Any:
    """Run an op with any number of Tensor/Variable inputs; multi-output ops return a list of Tensors."""
    if _HARD_PLACEMENT:
        _check_placement(op)
    vals = tuple([a._value for a in args])
    xp = args[0]._xp
    try:
        out = op.fwd(xp, *vals, **p)
    except TypeError as exc:
        _raise_type(op, vals, exc)
    if op.multi:
        res: Any = []
        for o in out:
            t = _new(Tensor)
            t._value = o
            t._xp = xp
            t._id = None
            res.append(t)
    else:
        res = _new(Tensor)
        res._value = out
        res._xp = xp
        res._id = None
    tapes = local.tapes
    if tapes:
        if _TRACES:  # some thread runs a trace (tapegrad.compiler): is it this one?
            tr = local.tracer
            if tr is not None:
                tr.on_op(op, args, vals, res, out, p)
        for a in args:
            if type(a) is Variable:
                on_variable_read(a, tapes)
        if op.vjp is None or not (any(o.dtype.kind in "fcV" for o in out) if op.multi else out.dtype.kind in "fcV"):
            # not differentiable, or integer/bool outputs: the chain stops here (TF semantics)
            note_break(op, tuple([a._id for a in args]), tapes)
            return res
        _record(op, tuple([a._id for a in args]), vals, res, out, p, tapes)
    return res


def _tail1(op: OpDef, x: Any, v: Any, res: Any, out: Any, p: dict[str, Any], tapes: tuple[Any, ...],
           lookup_error: bool) -> None:
    """What a one-input op does while recorders are active: the trace hook, the variable watch, the record (or the
    break). ``lookup_error``: record an op with the NO_GRADIENT rule whatever its output dtype, so that the sweep
    raises TF's LookupError (apply1's ops); the unary fast path records float outputs only."""
    if _TRACES:  # some thread runs a trace (tapegrad.compiler): is it this one?
        tr = local.tracer
        if tr is not None:
            tr.on_op(op, (x,), (v,), res, out, p)
    vjp = op.vjp
    tape = tapes[0]
    if len(tapes) == 1 and type(tape) is Tape and vjp is not None and not op.multi \
            and (out.dtype.kind in "fcV" or (lookup_error and vjp is NO_GRADIENT)):
        # one tape, one differentiable output: on_variable_read and _record's steps for it, in this frame (a Tape:
        # `type(...) is` is a cheaper test than the class attribute `forward`, which Python 3.11 does not specialise)
        known = tape.known
        ix = x._id
        if type(x) is Variable and x._trainable and tape.watch_accessed:
            variables = tape.variables
            if ix not in variables:
                known.add(ix)
                variables[ix] = x
        if ix in known:
            oid = res._id = next_id()
            tape.entries.append((op, (ix,), oid, _specs_only((v,)) if not op.save_in and out.size > 256 else (v,),
                                 out if op.save_out else None, p))
            known.add(oid)
        return
    if type(x) is Variable:
        on_variable_read(x, tapes)
    if vjp is not None and (out.dtype.kind in "fcV" or (lookup_error and vjp is NO_GRADIENT)):
        _record(op, (x._id,), (v,), res, out, p, tapes)
    elif x._id is not None:
        note_break(op, (x._id,), tapes)


def _tail2(op: OpDef, a: Any, b: Any, ia: Any, ib: Any, va: Any, vb: Any, res: Any, out: Any, p: dict[str, Any],
           tapes: tuple[Any, ...]) -> None:
    """:func:`_tail1` for two inputs (``a``/``b`` may be Python scalars, with ids None)."""
    if _TRACES:  # some thread runs a trace (tapegrad.compiler): is it this one?
        tr = local.tracer
        if tr is not None:
            tr.on_op(op, (a, b), (va, vb), res, out, p)
    tape = tapes[0]
    if len(tapes) == 1 and type(tape) is Tape and op.vjp is not None and not op.multi and out.dtype.kind in "fcV":
        # one tape, one differentiable output: on_variable_read and _record's steps for it, in this frame
        known = tape.known
        if tape.watch_accessed:
            if type(a) is Variable and a._trainable:
                variables = tape.variables
                if ia not in variables:
                    known.add(ia)
                    variables[ia] = a
            if type(b) is Variable and b._trainable:
                variables = tape.variables
                if ib not in variables:
                    known.add(ib)
                    variables[ib] = b
        ka = ia in known
        kb = ib in known
        if ka or kb:
            oid = res._id = next_id()
            if (ka or ia is None) and (kb or ib is None):
                ids: Any = (ia, ib)
            else:  # an input this tape does not watch: a constant to it (see _record)
                ids = MaskedIds((ia if ka else None, ib if kb else None))
                ids.real = (ia, ib)
            tape.entries.append((op, ids, oid, _specs_only((va, vb)) if not op.save_in and out.size > 256
                                 else (va, vb), out if op.save_out else None, p))
            known.add(oid)
        return
    if type(a) is Variable:
        on_variable_read(a, tapes)
    if type(b) is Variable:
        on_variable_read(b, tapes)
    if op.vjp is not None and out.dtype.kind in "fcV":
        _record(op, (ia, ib), (va, vb), res, out, p, tapes)
    elif ia is not None or ib is not None:
        note_break(op, (ia, ib), tapes)


class SavedSpec:
    """Stands in for a large input whose values the op's rule never reads: only shape and dtype are kept."""

    __slots__ = ("shape", "dtype", "ndim", "size")

    def __init__(self, v: Any) -> None:
        self.shape = v.shape
        self.dtype = v.dtype
        self.ndim = v.ndim
        self.size = v.size


def _specs_only(vals: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple([SavedSpec(v) if getattr(v, "size", 0) > 256 else v for v in vals])


class MaskedIds(tuple):  # type: ignore[type-arg]
    """An entry's input ids with the tape's unwatched inputs as None; ``real`` holds all the ids.

    The backward sweep never sends gradient to a None input, but when it runs on differentiable ops (higher
    order, forward over reverse) it wraps the saved inputs under their real ids, so an outer tape or accumulator
    that knows such an input sees the gradient's dependence on it (as TensorFlow does).
    """

    real: tuple[Any, ...]


def _record(op: OpDef, in_ids: tuple[Any, ...], vals: tuple[Any, ...], res: Any, out: Any,
            p: dict[str, Any], tapes: tuple[Any, ...]) -> None:
    if len(tapes) == 1 and not op.multi:
        # the usual case, one reverse-mode tape and one output: the loop below for it, without its other cases
        tape = tapes[0]
        if not tape.forward:
            known = tape.known
            every = True
            hit = False
            for i in in_ids:
                if i in known:
                    hit = True
                elif i is not None:
                    every = False
            if not hit:
                return
            oid = res._id = res._id or next_id()
            saved = _specs_only(vals) if not op.save_in and out.size > 256 else vals
            if every:
                tape.entries.append((op, in_ids, oid, saved, out if op.save_out else None, p))
            else:
                masked = MaskedIds([i if i in known else None for i in in_ids])
                masked.real = in_ids
                tape.entries.append((op, masked, oid, saved, out if op.save_out else None, p))
            known.add(oid)
            return
    entry = None
    for tape in tapes:
        if tape.forward:
            # a forward-mode accumulator: it computes the output tangent now (reference §3)
            tape.on_op(op, in_ids, vals, res, out, p)
            continue
        known = tape.known
        hit = False
        every = True
        for i in in_ids:
            if i in known:
                hit = True
            elif i is not None:
                every = False
        if not hit:
            continue
        if entry is None:
            if op.multi:
                # (a forward accumulator may have set the ids already); integer/bool outputs get none: nothing
                # computed from them is differentiable (TF: None)
                oid: Any = tuple([(t._id or next_id()) if o.dtype.kind in "fcV" else None for t, o in zip(res, out)])
                for t, i in zip(res, oid):
                    t._id = i
            else:
                oid = res._id = res._id or next_id()  # a forward accumulator earlier in `tapes` may have set it
            saved = _specs_only(vals) if not op.save_in and out.size > 256 else vals  # accumulators need vals
            entry = (op, in_ids, oid, saved, out if op.save_out else None, p)
        elif every:  # each tape gets a tuple of its own: a sweep that pops it holds the only reference then
            entry = (op, *entry[1:])
        if every:
            tape.entries.append(entry)
        else:
            # Inputs this tape does not watch are constants to it (watching later is not retroactive); their real
            # ids stay on `.real` so that a recorded backward pass still connects them for outer recorders.
            masked = MaskedIds([i if i in known else None for i in in_ids])
            masked.real = in_ids
            tape.entries.append((op, masked, *entry[2:]))
        if op.multi:
            known.update([i for i in oid if i is not None])
        else:
            known.add(oid)
