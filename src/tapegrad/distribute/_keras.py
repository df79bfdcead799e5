"""Keras under a strategy: ``optimizer.apply_gradients`` inside ``strategy.run`` all-reduces the replicas'
gradients first (Keras 3 on TF: SUM), and ``Model.fit``/``evaluate`` of a model built in a strategy's scope split
each global batch over the replicas and run the step on every replica.

The Keras modules call these hooks when ``tapegrad.distribute`` has been imported (they look this module up in
``sys.modules``); without a strategy they return at once.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from . import _context
from ._context import ReduceOp, _local
from ._input import LocalShares, split_element
from ._values import _MIRRORED, mirrored_info


def apply_gradients_hook(optimizer: Any, pairs: list[tuple[Any, Any]]) -> Any:
    """Inside a (non-default) strategy's replica: merge the replicas' gradients, reduce them (SUM; MEAN for the
    Keras fit step, whose losses are per-replica means) and apply them once, in cross-replica context. Returns None
    when not in such a replica (the caller applies as usual)."""
    ctx = _local.replica
    if ctx is None or ctx._strategy.num_replicas_in_sync == 1:
        return None

    preprocess = _preprocessing(optimizer)
    if preprocess:  # Keras 3 unscales and clips each replica's gradients before the all-reduce
        pairs = list(zip(preprocess([g for g, _ in pairs]), [v for _, v in pairs]))

    def merge(strategy: Any, merged_pairs: Any) -> Any:
        grads = [g for g, _ in merged_pairs]
        variables = [v for _, v in merged_pairs]
        where = [i for i, g in enumerate(grads) if g is not None]
        op = getattr(_local, "grad_reduce", ReduceOp.SUM)
        reduced = strategy.extended._batch_reduce(op, [grads[i] for i in where]) if where else []
        full: list[Any] = [None] * len(grads)
        for i, g in zip(where, reduced):
            full[i] = g
        if not preprocess:
            return optimizer.apply_gradients(list(zip(full, variables)))
        optimizer._replica_preprocessed = True  # (read once by the apply below: no second unscaling or clipping)
        try:
            return optimizer.apply_gradients(list(zip(full, variables)))
        finally:
            optimizer.__dict__.pop("_replica_preprocessed", None)

    return ctx.merge_call(merge, args=([tuple(p) for p in pairs],))


def _preprocessing(optimizer: Any) -> Any:
    """None, or a function that unscales (``loss_scale_factor``) and clips (``clipnorm``, else ``global_clipnorm``,
    else ``clipvalue``) one replica's gradients with Keras 3's formulas, as tensor ops (traceable)."""
    scale = getattr(optimizer, "loss_scale_factor", None)
    clipnorm, global_clipnorm, clipvalue = (getattr(optimizer, k, None) or 0 for k in
                                            ("clipnorm", "global_clipnorm", "clipvalue"))
    if scale is None and clipnorm <= 0 and global_clipnorm <= 0 and clipvalue <= 0:
        return None
    from ..ops import arithmetic as ar
    from ..ops.clip_ops import clip_by_value
    from ..ops.core import convert_to_tensor
    from ..ops.reductions import reduce_sum
    from ..ops.unary_math import sqrt

    def norm(g: Any) -> Any:
        return sqrt(reduce_sum(g * g))

    def run(grads: list[Any]) -> list[Any]:
        out = [None if g is None else convert_to_tensor(g) for g in grads]
        if scale is not None:
            out = [None if g is None else g / np.asarray(scale, g.dtype.as_numpy_dtype) for g in out]
        if clipnorm > 0:
            return [None if g is None else
                    g * np.asarray(clipnorm, g.dtype.as_numpy_dtype) / ar.maximum(norm(g), np.asarray(
                        clipnorm, g.dtype.as_numpy_dtype)) for g in out]
        if global_clipnorm > 0:
            present = [g for g in out if g is not None]
            total = sqrt(ar.add_n([reduce_sum(g * g) for g in present]))
            c = np.asarray(global_clipnorm, present[0].dtype.as_numpy_dtype)
            factor = c * ar.minimum(1.0 / total, 1.0 / c) + (total - total)  # (Keras's: NaN/inf norms propagate)
            return [None if g is None else g * factor for g in out]
        if clipvalue > 0:
            return [None if g is None else clip_by_value(g, -clipvalue, clipvalue) for g in out]
        return out

    return run


def _model_strategy(model: Any) -> Any:
    """The strategy whose scope made the model's weights or its optimizer (TF: the strategy current when the model
    was made; a model not built yet is found by its optimizer), else the current one."""
    optimizer = getattr(model, "optimizer", None)
    for w in [*(getattr(model, "weights", ()) or ()), *(getattr(optimizer, "variables", ()) or ())]:
        info = mirrored_info(w)
        if info is not None:
            return info[0]
    return _context.get_strategy() if _context.has_strategy() else None


def keras_step(model: Any, name: str, data: Any) -> Any:
    """``model.<name>(data)`` data-parallel when the model was built in a strategy's scope: ``data`` is a global
    batch; each replica runs the step on its share. Returns NotImplemented when there is nothing to distribute (no
    strategy, one replica, a predict step — the replicas' weights are equal, so prediction needs no split)."""
    if name == "predict_step" or _local.replica is not None or not (_MIRRORED or _local.scopes):
        return NotImplemented  # (no Variable was ever made in a strategy's scope: nothing to look up per step)
    strategy = _model_strategy(model)
    if strategy is None or strategy.num_replicas_in_sync == 1:
        return NotImplemented
    n = strategy._num_local
    shares = list(data.shares) if isinstance(data, LocalShares) else \
        split_element(data, strategy._rank * n, n, strategy.num_replicas_in_sync)
    saved = getattr(_local, "grad_reduce", ReduceOp.SUM)
    _local.grad_reduce = ReduceOp.MEAN  # Keras divides each replica's mean loss by the replica count: SUM of those
    try:
        with strategy.scope():
            _step_function(model, name, strategy, data)(shares)
    finally:
        _local.grad_reduce = saved
    return model._metrics_result()


def synced_result(metric: Any, result: Any) -> Any:
    """``result`` itself, or for a Keras metric made in a multi-worker strategy's scope and read outside a replica, a
    function that reads it with its state summed over the workers (TF's metric variables are sync-on-read with SUM)
    and then restores this worker's state. Decided when called (inside a traced step: when traced)."""
    variables = metric.variables
    info = mirrored_info(variables[0]) if variables else None
    if info is None or info[0]._workers == 1 or _local.replica is not None:
        return result

    def read(m: Any) -> Any:
        from ..distributed import _ops as mpi

        inner = [getattr(v, "_var", v) for v in variables]
        saved = [v._value for v in inner]
        totals = mpi.grouped_allreduce([np.asarray(s) for s in saved], op=mpi.Sum)
        try:
            for v, t, s in zip(inner, totals, saved):
                v._value = np.asarray(t.numpy(), dtype=np.asarray(s).dtype).reshape(np.shape(s))
            return result(m)
        finally:
            for v, s in zip(inner, saved):
                v._value = s

    return read


def _step_function(model: Any, name: str, strategy: Any, data: Any) -> Any:
    """``shares -> strategy.run(model.<name>, shares)``: eager with ``run_eagerly`` (or ``run_functions_eagerly``),
    else a ``tapegrad.function`` made once per model and step (the replicas' steps and the gradient all-reduce
    traced into one program, as Keras's ``train_function`` under a strategy)."""
    from ..compiler.function import function
    from ..ops.execution import functions_run_eagerly
    from ._values import PerReplica

    step = getattr(model, name)

    def distributed_step(shares: list[Any]) -> None:
        strategy.run(step, args=(PerReplica(shares) if len(shares) > 1 else shares[0],))

    if model.run_eagerly or functions_run_eagerly():
        return distributed_step
    key = (getattr(step, "__func__", step), strategy)
    cache = _STEPS.setdefault(model, {})
    entry = cache.get(name)
    if entry is None or entry[0] != key:
        model._build_for_compiled_step(data, name)
        entry = cache[name] = (key, function(distributed_step, reduce_retracing=True))
    return entry[1]


# model -> {step name: ((step function, strategy), its compiled distributed step)}
_STEPS: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
