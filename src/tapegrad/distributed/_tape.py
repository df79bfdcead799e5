"""``DistributedGradientTape``: gradients averaged over ranks, reduced in fused buckets while the sweep runs.

``gradient()`` runs one agreement check for the whole call (sources' dtypes and shapes, op, scale factors), then the
ordinary backward sweep with a listener (``_tape.local.grad_listener``): the listener computes, for every source, the
last tape entry the sweep must process before that source's gradient is final (its earliest consumer), and as the sweep
passes it copies the gradient into the source's slot of a static bucket (:class:`~._core.Plan`). A full bucket starts
its ``Iallreduce`` at once, so communication overlaps the rest of the sweep (MPI is polled once per entry while
reductions are pending: MPICH makes progress only inside MPI calls); ``gradient()`` waits for all buckets at its end. A
last small ``SUM`` of per-source presence counts gives every rank the same ``None`` mask: a source gets zeros from ranks
without a gradient and is ``None`` only when no rank had one. Row-sparse gradients (``IndexedSlices``) are allgathered
unless ``sparse_as_dense``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _nest, _tape
from .._backend import NUMPY
from .._indexed_slices import IndexedSlices
from .._tensor import Tensor, _TensorLike, make
from ..gradient_tape import GradientTape, UnconnectedGradients, _parse_unconnected
from . import _core
from ._core import Layout, Plan, ReduceOp, Reduction, agree, require_init
from ._ops import Compression, _check_process_set, _resolve_op, global_process_set, grouped_allreduce


class GradientReducer:
    """The reduction settings shared by ``DistributedGradientTape`` and the Keras ``DistributedOptimizer``."""

    def __init__(self, compression: Any = Compression.none, sparse_as_dense: bool = False, op: Any = ReduceOp.AVERAGE,
                 gradient_predivide_factor: float = 1.0, groups: Any = None, num_groups: int = 0,
                 process_set: Any = global_process_set, scale_local_gradients: bool = True) -> None:
        _check_process_set(process_set)
        self.op = _resolve_op(op, None)
        if self.op not in (ReduceOp.AVERAGE, ReduceOp.SUM):
            raise ValueError(f"Gradients can be reduced with op=Average or Sum, not {self.op.name.capitalize()}.")
        if gradient_predivide_factor != 1.0 and self.op != ReduceOp.AVERAGE:
            raise ValueError("gradient_predivide_factor not supported with op != Average")
        if compression not in (Compression.none, Compression.fp16):
            raise NotImplementedError("Gradient reductions support Compression.none and Compression.fp16 (the "
                                      "buckets are packed arrays); compress custom formats with hvd.allreduce's "
                                      "`compression=` instead.")
        self.compression = compression
        self.sparse_as_dense = bool(sparse_as_dense)
        self.predivide = float(gradient_predivide_factor)
        self.groups = groups
        self.num_groups = num_groups
        self.scale_local_gradients = scale_local_gradients
        self.local_ids: set[int] = set()

    def factors(self) -> tuple[float, float]:
        """(prescale, postscale before the 1/active of Average): Horovod's predivide is 1/f before, f after."""
        if self.predivide != 1.0:
            return 1.0 / self.predivide, self.predivide
        return 1.0, 1.0

    def wire_dtype(self, dt: np.dtype) -> np.dtype:
        if self.compression is Compression.fp16 and dt.kind == "f" and dt != np.float16:
            return np.dtype(np.float16)
        return dt

    def start(self, sources: list[Any]) -> tuple[list[int], Reduction]:
        """Agreement check and a fresh reduction for the global (non-local, floating) ``sources``."""
        st = require_init()
        glob = [i for i, s in enumerate(sources) if id(s) not in self.local_ids and s._value.dtype.kind in "fcV"]
        members = tuple((self.wire_dtype(sources[i]._value.dtype).str, tuple(sources[i]._value.shape)) for i in glob)
        threshold = st.fusion_threshold
        if self.groups is not None or self.num_groups:
            threshold = _group_threshold(self, sources, glob, threshold)
        op = self.op
        plan = _core.plan_for(("gradient", members, op, threshold),
                              lambda: Plan(members, range(len(members) - 1, -1, -1), threshold, op, with_flags=True,
                                           contiguous=True))
        pre, post = self.factors()
        layout = Layout("gradient", (
            ("data types", tuple(d for d, _ in members)),
            ("tensor shapes", tuple(s for _, s in members)),
            ("reduction op", op.name.capitalize()),
            ("prescale and/or postscale factors", (pre, post)),
            ("sparse_as_dense", self.sparse_as_dense),
            ("fusion threshold", threshold),
        ), plan=plan, what=f"gradient reduction ({len(members)} tensors)")
        active = agree(layout)
        return glob, Reduction(plan, pre, post / active if op == ReduceOp.AVERAGE else post, layout.what)

    def put(self, red: Reduction, m: int, g: Any) -> None:
        """Member ``m``'s local gradient: a raw array, a Tensor, an IndexedSlices or None."""
        if g is None:
            red.put(m, None)
        elif type(g) is IndexedSlices:
            if self.sparse_as_dense:
                red.put(m, g._densify(False))
            else:
                red.put_sparse(m, np.asarray(g.values._value), np.asarray(g.indices._value, dtype=np.int64))
        else:
            red.put(m, g._value if isinstance(g, _TensorLike) else g)

    def results(self, red: Reduction, sources: list[Any], glob: list[int], local_grads: list[Any],
                unconnected: UnconnectedGradients) -> list[Any]:
        """Wait for the reduction; the gradients in ``sources`` order (local sources as computed, scaled)."""
        out, _ = red.finish()
        st = require_init()
        res = list(local_grads)
        for i, g in enumerate(local_grads):
            if id(sources[i]) in self.local_ids and g is not None and self.scale_local_gradients and st.size > 1:
                res[i] = g / float(st.size)
        for m, i in enumerate(glob):
            s = sources[i]
            dt = s._value.dtype
            r = out[m]
            if r is None:
                res[i] = None
            elif type(r) is tuple:
                _, values, indices, dense = r
                values = values.astype(dt, copy=False)
                if dense is None:
                    res[i] = IndexedSlices(make(values, NUMPY), make(indices, NUMPY),
                                           make(np.asarray(s._value.shape, dtype=np.int64), NUMPY))
                else:
                    d = dense.astype(dt, copy=True)
                    np.add.at(d, indices, values)
                    res[i] = make(d, NUMPY)
            else:
                res[i] = make(r.astype(dt, copy=False), NUMPY)
            if res[i] is None and unconnected is UnconnectedGradients.ZERO:
                res[i] = make(np.zeros(s._value.shape, dtype=dt), NUMPY)
        return res


def _group_threshold(reducer: GradientReducer, sources: list[Any], glob: list[int], threshold: int) -> int:
    """Horovod's ``groups=k`` / ``num_groups=k``: about k buckets, i.e. a threshold of total bytes / k."""
    k = reducer.groups if isinstance(reducer.groups, int) else reducer.num_groups
    if not isinstance(k, int) or k <= 0:
        raise NotImplementedError("groups= as explicit lists of variables is not supported: tapegrad fuses "
                                  "statically by dtype and size; pass groups=k (about k buckets) or set "
                                  "the fusion threshold with hvd.init(fusion_threshold=...).")
    total = sum(sources[i]._value.nbytes for i in glob)
    return max(1, -(-total // k))


class _Listener:
    """Feeds gradients into the reduction as the sweep finalises them (see the module docstring)."""

    def __init__(self, reducer: GradientReducer, red: Reduction, sources: list[Any], glob: list[int]) -> None:
        self.reducer = reducer
        self.red = red
        self.by_id: dict[int, list[int]] = {}
        for m, i in enumerate(glob):
            self.by_id.setdefault(sources[i]._id, []).append(m)
        self.used = False
        self.final_at: dict[int, list[int]] = {}
        self.grads: dict[int, Any] = {}
        self.results: dict[int, Any] = {}

    def __call__(self, entries: list[Any], source_ids: set[int], grads: dict[int, Any], results: dict[int, Any],
                 diff: bool) -> Any:
        if diff:
            return None  # a recorded (higher-order) sweep: gradients are reduced afterwards, differentiably
        self.used = True
        self.grads, self.results = grads, results
        by_id = self.by_id
        first: dict[int, int] = {}
        for k, e in enumerate(entries):
            for i in e[1]:
                if i in by_id and i not in first:
                    first[i] = k
        for sid, ms in by_id.items():
            k = first.get(sid)
            if k is None:
                self._final(sid, ms)
            else:
                self.final_at.setdefault(k, []).append(sid)
        return self.watch

    def watch(self, k: int) -> None:
        sids = self.final_at.get(k + 1)
        if sids is not None:
            for sid in sids:
                self._final(sid, self.by_id[sid])
        elif self.red.reqs:
            self.red.progress()  # MPICH advances a pending reduction only inside MPI calls: one Testall per entry

    def _final(self, sid: int, ms: list[int]) -> None:
        g = self.grads.get(sid)
        if g is None:
            g = self.results.get(sid)
        for m in ms:
            self.reducer.put(self.red, m, g)


class DistributedGradientTape(GradientTape):
    """A ``GradientTape`` whose ``gradient()`` averages (or sums) the gradients over all ranks.

    Wrap an existing tape (``tape = hvd.DistributedGradientTape(tape)``, after or inside its ``with`` block): the
    wrapper shares the tape's recording, so ``persistent`` and ``watch_accessed_variables`` are kept. Arguments and
    defaults are Horovod's; ``groups=k`` gives about k fused buckets (default: buckets of the fusion threshold,
    4 MiB). Unlike Horovod, ``unconnected_gradients`` is honoured, and a source whose gradient is ``None`` on some
    ranks but not others gets zeros from those ranks (no deadlock); it stays ``None`` only if it is ``None``
    everywhere. With one process it is the plain tape.

    >>> import tapegrad as tf
    >>> import tapegrad.distributed as hvd
    >>> hvd.init()
    >>> w = tf.Variable([1.0, 2.0])
    >>> with tf.GradientTape() as tape:
    ...     loss = tf.reduce_sum(w * w)
    >>> tape = hvd.DistributedGradientTape(tape)
    >>> tape.gradient(loss, [w])[0].numpy().tolist()
    [2.0, 4.0]
    """

    _reducer: GradientReducer

    def __new__(cls, gradtape: GradientTape, device_dense: str = "", device_sparse: str = "",
                compression: Any = Compression.none, sparse_as_dense: bool = False, op: Any = ReduceOp.AVERAGE,
                gradient_predivide_factor: float = 1.0, num_groups: int = 0, groups: Any = None,
                process_set: Any = global_process_set, scale_local_gradients: bool = True) -> Any:
        if not isinstance(gradtape, GradientTape):
            raise TypeError(f"DistributedGradientTape wraps a tapegrad.GradientTape, got {type(gradtape).__name__}.")
        obj = object.__new__(cls)
        obj.__dict__ = gradtape.__dict__  # the same recording, watched variables and state machine
        obj._reducer = GradientReducer(compression, sparse_as_dense, op, gradient_predivide_factor, groups, num_groups,
                                       process_set, scale_local_gradients)
        return obj

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass  # state comes from the wrapped tape (__new__)

    def register_local_source(self, source: Any) -> None:
        """Exclude ``source`` from the reduction (its gradient stays local, divided by size if
        ``scale_local_gradients``)."""
        self._reducer.local_ids.add(id(source))

    def gradient(self, target: Any, sources: Any, output_gradients: Any = None,
                 unconnected_gradients: Any = UnconnectedGradients.NONE, use_generic_names: bool = False) -> Any:
        """The tape's gradient of ``target`` w.r.t. ``sources``, reduced over all ranks (in ``sources`` order)."""
        st = require_init()
        if not st.multi:
            return super().gradient(target, sources, output_gradients, unconnected_gradients)
        unconnected = _parse_unconnected(unconnected_gradients)
        flat = _nest.flatten(sources)
        for s in flat:
            if not isinstance(s, _TensorLike):
                raise AttributeError(f"DistributedGradientTape.gradient: source {s!r} of type {type(s).__name__!r} "
                                     "is not a tapegrad tensor or Variable.")
        reducer = self._reducer
        if _tape.local.tracer is not None:
            return self._traced_gradient(target, sources, output_gradients, flat, unconnected)
        glob, red = reducer.start(flat)
        listener = _Listener(reducer, red, flat, glob)
        _tape.local.grad_listener = listener
        try:
            grads = super().gradient(target, sources, output_gradients, UnconnectedGradients.NONE)
        finally:
            _tape.local.grad_listener = None
        flat_grads = _nest.flatten(grads) if _nest.is_nested(sources) else [grads]
        recorded = any(type(g) is Tensor and g._id is not None and _tape.local.tapes for g in flat_grads)
        if not listener.used:
            for m, i in enumerate(glob):
                reducer.put(red, m, flat_grads[i])
        out = reducer.results(red, flat, glob, flat_grads, unconnected)
        if recorded:
            out = _reattach(out, flat_grads, glob, reducer)
        return _nest.pack_sequence_as(sources, out) if _nest.is_nested(sources) else out[0]


    def _traced_gradient(self, target: Any, sources: Any, output_gradients: Any, flat: list[Any],
                         unconnected: UnconnectedGradients) -> Any:
        """Inside ``tapegrad.function``: the traced program computes the local gradients; the reduction (agreement
        check included) is a ``numpy_function`` op, so it communicates on every call of the program instead of
        replaying the values seen while tracing. Gradients that would be ``None`` come back as zeros there."""
        from ..ops.control_flow import numpy_function
        from ..ops.core import convert_to_tensor

        grads = super().gradient(target, sources, output_gradients, UnconnectedGradients.NONE)
        flat_grads = _nest.flatten(grads) if _nest.is_nested(sources) else [grads]
        if any(t is not _tape.local.tracer for t in _tape.local.tapes):
            raise NotImplementedError("Differentiating through DistributedGradientTape.gradient inside "
                                      "tapegrad.function is not supported; run that step eagerly.")
        present = [i for i, g in enumerate(flat_grads) if g is not None]
        reducer = self._reducer

        def reduce(_marker: np.ndarray, *arrays: np.ndarray) -> list[np.ndarray]:
            local = [None] * len(flat)
            for i, a in zip(present, arrays):
                local[i] = make(a, NUMPY)
            glob, red = reducer.start(flat)
            for m, i in enumerate(glob):
                reducer.put(red, m, local[i])
            out = reducer.results(red, flat, glob, local, UnconnectedGradients.ZERO)
            return [np.asarray((o if isinstance(o, Tensor) else convert_to_tensor(o)).numpy()) if o is not None
                    else np.zeros(s._value.shape, s._value.dtype) for o, s in zip(out, flat)]

        inputs = [np.zeros((), np.int32)] + [convert_to_tensor(flat_grads[i]) for i in present]  # never zero inputs
        outs = numpy_function(reduce, inputs, Tout=[s.dtype for s in flat])
        return _nest.pack_sequence_as(sources, list(outs)) if _nest.is_nested(sources) else outs[0]


def _reattach(out: list[Any], local: list[Any], glob: list[int], reducer: GradientReducer) -> list[Any]:
    """Higher-order use: make each reduced gradient differentiable w.r.t. its local gradient (an allreduce back)."""
    from ..custom import custom_gradient

    op = reducer.op
    idx = [i for i in glob if isinstance(local[i], Tensor) and out[i] is not None and isinstance(out[i], Tensor)]
    if not idx:
        return out

    @custom_gradient
    def attach(*xs: Any) -> Any:
        def grad(*dys: Any) -> Any:
            return grouped_allreduce(list(dys), op=op)

        return [out[i] for i in idx], grad

    new = attach(*[local[i] for i in idx])
    new = new if isinstance(new, list) else [new]
    res = list(out)
    for i, t in zip(idx, new):
        res[i] = t
    return res
