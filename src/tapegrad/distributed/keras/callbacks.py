"""Horovod's Keras callbacks for ``fit`` under ``mpiexec``.

>>> import tapegrad.distributed.keras as hvd
>>> hvd.init()
>>> cb = hvd.callbacks.LearningRateWarmupCallback(initial_lr=0.1, warmup_epochs=2)
>>> cb.multiplier(0.0), cb.multiplier(2.0)   # size 1: no warm-up needed
(1.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...keras.callbacks import Callback
from .._core import ReduceOp, require_init
from .._ops import broadcast_variables, grouped_allreduce

__all__ = ["BroadcastGlobalVariablesCallback", "MetricAverageCallback", "LearningRateScheduleCallback",
           "LearningRateWarmupCallback"]


class BroadcastGlobalVariablesCallback(Callback):
    """Broadcast ``root_rank``'s model variables, then the optimizer's (slots included), at the end of the first
    batch — after the first step, so the optimizer's slots exist — so that every replica continues from the same
    state (also after restoring a checkpoint on the root only).

    >>> import tapegrad.distributed.keras as hvd
    >>> hvd.init()
    >>> hvd.callbacks.BroadcastGlobalVariablesCallback(root_rank=0).broadcast_done
    False
    """

    def __init__(self, root_rank: int, device: str = "", local_variables: Any = None) -> None:
        super().__init__()
        self.root_rank = root_rank
        self.local_variables = {id(v) for v in (local_variables or [])}
        self.broadcast_done = False

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.broadcast_done:
            return
        variables = [v for v in self.model.variables if id(v) not in self.local_variables]
        broadcast_variables(variables, root_rank=self.root_rank)
        opt = getattr(self.model, "optimizer", None)
        if opt is not None:
            broadcast_variables([v for v in opt.variables if id(v) not in self.local_variables],
                                root_rank=self.root_rank)
        self.broadcast_done = True


class MetricAverageCallback(Callback):
    """At the end of every epoch, replace each entry of ``logs`` by its average over ranks (sorted by name, so all
    ranks reduce in the same order). Put it before callbacks that read the logs (early stopping, checkpoints).

    >>> import tapegrad.distributed.keras as hvd
    >>> hvd.init()
    >>> logs = {"loss": 0.5, "accuracy": 0.75}
    >>> hvd.callbacks.MetricAverageCallback().on_epoch_end(0, logs)
    >>> logs
    {'loss': 0.5, 'accuracy': 0.75}
    """

    def __init__(self, device: str = "") -> None:
        super().__init__()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is None or not require_init().multi:
            return
        names = sorted(k for k, v in logs.items() if isinstance(v, (int, float, np.number)))
        if not names:
            return
        (avg,) = grouped_allreduce([np.array([float(logs[k]) for k in names], dtype=np.float64)],
                                   op=ReduceOp.AVERAGE, name="MetricAverageCallback")
        for k, v in zip(names, avg.numpy().tolist()):
            logs[k] = v


class LearningRateScheduleCallback(Callback):
    """Set the learning rate to ``initial_lr * multiplier(epoch)`` between ``start_epoch`` and ``end_epoch``
    (``multiplier`` a constant or a function of the epoch; fractional epochs per batch unless ``staircase``).
    ``momentum_correction`` scales an SGD momentum by ``new_lr / old_lr`` for the batch in which the rate changes.

    >>> import tapegrad.distributed.keras as hvd
    >>> hvd.init()
    >>> hvd.callbacks.LearningRateScheduleCallback(0.1, multiplier=0.5).multiplier(3)
    0.5
    """

    def __init__(self, initial_lr: float, multiplier: float | Callable[[float], float], start_epoch: int = 0,
                 end_epoch: int | None = None, staircase: bool = True, momentum_correction: bool = True,
                 steps_per_epoch: int | None = None, verbose: int = 0) -> None:
        super().__init__()
        self.initial_lr = float(initial_lr)
        self.start_epoch, self.end_epoch = start_epoch, end_epoch
        self.staircase = staircase
        self.momentum_correction = momentum_correction
        self.steps_per_epoch = steps_per_epoch
        self.verbose = verbose
        self.current_epoch = 0
        self._restore_momentum: float | None = None
        self.multiplier: Callable[[float], float] = (multiplier if callable(multiplier)
                                                     else (lambda epoch, m=float(multiplier): m))

    def _steps(self) -> int:
        steps = self.steps_per_epoch or self.params.get("steps")
        if not steps:
            raise ValueError(f"{type(self).__name__}: could not infer steps_per_epoch; pass steps_per_epoch=...")
        return int(steps)

    def _adjust(self, epoch: float) -> None:
        opt = self.model.optimizer
        old = float(np.asarray(opt.learning_rate.numpy() if hasattr(opt.learning_rate, "numpy") else
                               opt.learning_rate))
        new = self.initial_lr * float(self.multiplier(epoch))
        opt.learning_rate = new
        if self.momentum_correction and hasattr(opt, "momentum") and old > 0 and new != old:
            self._restore_momentum = opt.momentum
            opt.momentum = opt.momentum * new / old

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.current_epoch = epoch

    def on_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        e = self.current_epoch
        if e < self.start_epoch or (self.end_epoch is not None and e >= self.end_epoch):
            return
        if self.staircase:
            if batch == 0:
                self._adjust(float(e))
        else:
            self._adjust(e + batch / self._steps())

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self._restore_momentum is not None:
            self.model.optimizer.momentum = self._restore_momentum
            self._restore_momentum = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is not None:
            lr = self.model.optimizer.learning_rate
            logs["lr"] = float(np.asarray(lr.numpy() if hasattr(lr, "numpy") else lr))


class LearningRateWarmupCallback(LearningRateScheduleCallback):
    """Goyal et al.'s warm-up: over ``warmup_epochs`` the rate grows per batch from ``initial_lr / size`` to
    ``initial_lr`` (``lr(e) = initial_lr / size * (e * (size - 1) / warmup_epochs + 1)``).

    >>> import tapegrad.distributed.keras as hvd
    >>> hvd.init()
    >>> hvd.callbacks.LearningRateWarmupCallback(initial_lr=0.4, warmup_epochs=5).end_epoch
    5
    """

    def __init__(self, initial_lr: float, warmup_epochs: int = 5, momentum_correction: bool = True,
                 steps_per_epoch: int | None = None, verbose: int = 0) -> None:
        size = require_init().size

        def multiplier(epoch: float) -> float:
            return 1.0 / size * (epoch * (size - 1) / warmup_epochs + 1)

        super().__init__(initial_lr, multiplier, start_epoch=0, end_epoch=warmup_epochs, staircase=False,
                         momentum_correction=momentum_correction, steps_per_epoch=steps_per_epoch, verbose=verbose)
        self.warmup_epochs = warmup_epochs

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        super().on_epoch_end(epoch, logs)
        if epoch == self.end_epoch - 1 and self.verbose > 0 and require_init().rank == 0:
            lr = self.model.optimizer.learning_rate
            print(f"\nEpoch {epoch + 1}: finished gradual learning rate warmup to "
                  f"{float(np.asarray(lr.numpy() if hasattr(lr, 'numpy') else lr)):g}.")
