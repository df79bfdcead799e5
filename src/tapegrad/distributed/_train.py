"""Training helpers: the Keras ``DistributedOptimizer``, ``PartialDistributedGradientTape``, chief-only checkpoints,
restore-then-broadcast, and rank sharding of arrays."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _nest
from .._tensor import Variable
from ..gradient_tape import GradientTape, UnconnectedGradients
from ._core import ReduceOp, require_init
from ._ops import Compression, broadcast_object, broadcast_variables, global_process_set
from ._tape import DistributedGradientTape, GradientReducer


def PartialDistributedGradientTape(gradtape: GradientTape, device_dense: str = "", device_sparse: str = "",
                                   compression: Any = Compression.none, sparse_as_dense: bool = False,
                                   op: Any = ReduceOp.AVERAGE, gradient_predivide_factor: float = 1.0,
                                   num_groups: int = 0, groups: Any = None, process_set: Any = global_process_set,
                                   local_layers: Any = None, scale_local_gradients: bool = True) -> Any:
    """A :class:`DistributedGradientTape` that keeps the weights of ``local_layers`` local (not reduced).

    >>> import tapegrad as tf
    >>> import tapegrad.distributed as hvd
    >>> hvd.init()
    >>> w = tf.Variable(1.0)
    >>> with tf.GradientTape() as tape:
    ...     y = 3.0 * w
    >>> tape = hvd.PartialDistributedGradientTape(tape)
    >>> tape.register_local_source(w)
    >>> float(tape.gradient(y, w))
    3.0
    """
    tape = DistributedGradientTape(gradtape, device_dense, device_sparse, compression, sparse_as_dense, op,
                                   gradient_predivide_factor, num_groups, groups, process_set, scale_local_gradients)
    layers = [] if local_layers is None else (local_layers if isinstance(local_layers, (list, tuple)) else
                                              [local_layers])
    for layer in layers:
        for v in layer.trainable_weights:
            tape.register_local_source(v)
    return tape


class _DistributedOptimizerMixin:
    """Reduces gradients over ranks before the wrapped optimizer applies them (see :func:`DistributedOptimizer`)."""

    _hvd: GradientReducer
    _hvd_passes: int
    _hvd_average_aggregated: bool

    def register_local_var(self, var: Variable) -> None:
        """Keep ``var``'s gradient local (not reduced over ranks)."""
        self._hvd.local_ids.add(id(var))

    def _tape_gradient(self, tape: GradientTape, loss: Any, variables: list[Any]) -> list[Any]:
        """Used by ``Model.train_step``: the reduction overlaps the backward sweep (``DistributedGradientTape``)."""
        if self._hvd_passes != 1 or not require_init().multi:
            return tape.gradient(loss, variables)
        dtape = DistributedGradientTape(tape)
        dtape._reducer = self._hvd
        grads = dtape.gradient(loss, variables)
        self._hvd_reduced = {id(g) for g in grads if g is not None}
        return grads

    def apply(self, grads: Sequence[Any], trainable_variables: Sequence[Variable] | None = None) -> None:
        grads = list(grads)
        variables = list(trainable_variables) if trainable_variables is not None else list(
            self._trainable_variables)  # type: ignore[attr-defined]
        reduced = getattr(self, "_hvd_reduced", None)
        self._hvd_reduced = None
        if reduced is not None and all(g is None or id(g) in reduced for g in grads):
            return super().apply(grads, trainable_variables)  # type: ignore[misc]
        if self._hvd_passes > 1:
            acc = getattr(self, "_hvd_acc", None)
            acc = [g for g in grads] if acc is None else [_add(a, g) for a, g in zip(acc, grads)]
            self._hvd_count = getattr(self, "_hvd_count", 0) + 1
            if self._hvd_count < self._hvd_passes:
                self._hvd_acc = acc
                return None
            self._hvd_acc, self._hvd_count = None, 0
            grads = acc
            if self._hvd_average_aggregated:
                grads = [None if g is None else g / float(self._hvd_passes) for g in grads]
        if require_init().multi:
            grads = reduce_gradients(self._hvd, grads, variables)
        return super().apply(grads, trainable_variables)  # type: ignore[misc]


def _add(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def reduce_gradients(reducer: GradientReducer, grads: list[Any], variables: list[Any]) -> list[Any]:
    """Reduce a list of gradients (Tensors, IndexedSlices or None) for ``variables`` over all ranks."""
    from .._tensor import _TensorLike

    glob, red = reducer.start(variables)
    flat = [g if g is None or isinstance(g, _TensorLike) or type(g).__name__ == "IndexedSlices" else
            _as_tensor(g) for g in grads]
    for m, i in enumerate(glob):
        reducer.put(red, m, flat[i])
    return reducer.results(red, variables, glob, flat, UnconnectedGradients.NONE)


def _as_tensor(g: Any) -> Any:
    from .._backend import NUMPY
    from .._tensor import constant_value, make

    return make(constant_value(g), NUMPY)


def DistributedOptimizer(optimizer: Any, name: str | None = None, device_dense: str = "", device_sparse: str = "",
                         compression: Any = Compression.none, sparse_as_dense: bool = False,
                         gradient_predivide_factor: float = 1.0, op: Any = ReduceOp.AVERAGE,
                         backward_passes_per_step: int = 1, average_aggregated_gradients: bool = False,
                         num_groups: int = 0, groups: Any = None, process_set: Any = global_process_set,
                         scale_local_gradients: bool = True) -> Any:
    """Wrap a Keras optimizer so that it averages (``op=Average``) or sums gradients over ranks before applying them.

    Returns an object of a dynamic subclass of the optimizer's class that shares the optimizer's state. In ``fit``
    the reduction overlaps the backward sweep; ``apply``/``apply_gradients`` called directly reduce first.
    ``backward_passes_per_step=k`` accumulates k local gradients and reduces and applies every k-th call (divided
    by k if ``average_aggregated_gradients``).

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> import tapegrad.distributed as hvd
    >>> hvd.init()
    >>> opt = hvd.DistributedOptimizer(keras.optimizers.SGD(0.1))
    >>> v = tf.Variable([1.0])
    >>> _ = opt.apply_gradients([(tf.constant([1.0]), v)])
    >>> round(float(v[0]), 6), isinstance(opt, keras.optimizers.SGD)
    (0.9, True)
    """
    if backward_passes_per_step < 1:
        raise ValueError(f"backward_passes_per_step must be >= 1, got {backward_passes_per_step}")
    reducer = GradientReducer(compression, sparse_as_dense, op, gradient_predivide_factor, groups, num_groups,
                              process_set, scale_local_gradients)
    base = type(optimizer)
    if isinstance(optimizer, _DistributedOptimizerMixin):
        raise ValueError("This optimizer is already a DistributedOptimizer.")
    cls = type(base.__name__, (_DistributedOptimizerMixin, base), {"__module__": base.__module__})
    obj = object.__new__(cls)
    obj.__dict__ = optimizer.__dict__
    obj._hvd = reducer
    obj._hvd_passes = int(backward_passes_per_step)
    obj._hvd_average_aggregated = bool(average_aggregated_gradients)
    if name is not None:
        obj.name = name
    return obj


# -- checkpoints ---------------------------------------------------------------------------------------------------


def save_checkpoint(checkpoint: Any, file_prefix: Any) -> str:
    """Save ``checkpoint`` (a ``tapegrad.train.Checkpoint``) on the chief only, atomically; every rank returns the
    path. The other ranks advance their ``save_counter`` so the next save numbers agree.

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> import tapegrad.distributed as hvd
    >>> from tapegrad.train import Checkpoint
    >>> hvd.init()
    >>> ckpt = Checkpoint(v=tf.Variable([1.0]))
    >>> os.path.basename(hvd.save_checkpoint(ckpt, os.path.join(tempfile.mkdtemp(), "ckpt")))
    'ckpt-1'
    """
    st = require_init()
    path = checkpoint.save(file_prefix) if st.rank == 0 else None
    path = broadcast_object(path, root_rank=0, name="save_checkpoint")
    if st.rank != 0:
        checkpoint.save_counter.assign(np.int64(checkpoint.save_counter.numpy() + 1))
    return path


def restore_checkpoint(checkpoint: Any, save_path: Any, root_rank: int = 0) -> Any:
    """Restore ``checkpoint`` on ``root_rank`` only (the file need not exist elsewhere) and broadcast every variable
    it tracks to the other ranks. Returns the root's load status (``None`` elsewhere). Models and optimizers must
    have created their variables (build the model; run one step or ``optimizer.build``) before restoring.

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> import tapegrad.distributed as hvd
    >>> from tapegrad.train import Checkpoint
    >>> hvd.init()
    >>> v = tf.Variable([1.0])
    >>> ckpt = Checkpoint(v=v)
    >>> path = hvd.save_checkpoint(ckpt, os.path.join(tempfile.mkdtemp(), "ckpt"))
    >>> _ = v.assign([5.0])
    >>> _ = hvd.restore_checkpoint(ckpt, path)
    >>> v.numpy().tolist()
    [1.0]
    """
    from ..train import _variables_of

    st = require_init()
    status = checkpoint.restore(save_path) if st.rank == root_rank else None
    variables = [checkpoint.save_counter]
    for _, obj in checkpoint._children.items():
        variables += [v for _, v in _variables_of(obj)]
    broadcast_variables(variables, root_rank=root_rank)
    return status


# -- data ----------------------------------------------------------------------------------------------------------


def shard(data: Any, rank: int | None = None, size: int | None = None, drop_remainder: bool = False) -> Any:
    """This rank's contiguous block of the leading axis of ``data`` (an array or a nest of arrays).

    Ranks get ``ceil`` or ``floor`` of ``n / size`` rows (the first ``n % size`` ranks one more), or exactly
    ``n // size`` with ``drop_remainder`` — use that (or ``hvd.join()``) when every rank must run the same number of
    steps.

    >>> import numpy as np
    >>> import tapegrad.distributed as hvd
    >>> hvd.shard(np.arange(10), rank=1, size=4).tolist()
    [3, 4, 5]
    """
    if rank is None or size is None:
        st = require_init()
        rank = st.rank if rank is None else rank
        size = st.size if size is None else size
    leaves = [x for x in _nest.flatten(data) if x is not None]
    n = {int(np.shape(x)[0]) for x in leaves}
    if len(n) != 1:
        raise ValueError(f"shard: the arrays have different first dimensions {sorted(n)}.")
    total = n.pop()
    if drop_remainder:
        per = total // size
        lo, hi = rank * per, (rank + 1) * per
    else:
        per, extra = divmod(total, size)
        lo = rank * per + min(rank, extra)
        hi = lo + per + (1 if rank < extra else 0)
    return _nest.map_structure(lambda x: None if x is None else x[lo:hi], data)

