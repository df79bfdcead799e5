"""``horovod.tensorflow.keras`` for tapegrad: ``import tapegrad.distributed.keras as hvd``.

The basics (``init``, ``size``, ``rank``, collectives, ...) plus :func:`DistributedOptimizer` and the
:mod:`~tapegrad.distributed.keras.callbacks` (``BroadcastGlobalVariablesCallback``, ``MetricAverageCallback``,
``LearningRateWarmupCallback``, ``LearningRateScheduleCallback``).

>>> import tapegrad.distributed.keras as hvd
>>> hvd.init()
>>> hvd.callbacks.BroadcastGlobalVariablesCallback(0).root_rank
0
"""

from __future__ import annotations

from .. import *  # noqa: F403
from .. import __all__ as _base_all
from . import callbacks

__all__ = list(_base_all) + ["callbacks"]
