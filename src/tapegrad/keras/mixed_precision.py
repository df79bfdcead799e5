"""``keras.mixed_precision``: Keras 3's policy names for :mod:`tapegrad.keras.dtype_policies` (``Policy`` is
``DTypePolicy``; ``global_policy``/``set_global_policy`` are ``keras.config.dtype_policy``/``set_dtype_policy``)
and ``LossScaleOptimizer``.

Under ``"mixed_float16"`` or ``"mixed_bfloat16"`` layers keep float32 variables and compute in half precision
(see :mod:`tapegrad.keras.dtype_policies`); ``Model.compile`` wraps the optimizer in a ``LossScaleOptimizer``
when the model's policy is ``"mixed_float16"`` (``auto_scale_loss=True``, as Keras 3).

>>> import numpy as np
>>> from tapegrad import keras
>>> keras.mixed_precision.set_global_policy("mixed_float16")
>>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
>>> model.compile(optimizer="sgd", loss="mse")
>>> keras.mixed_precision.set_global_policy("float32")
>>> model.layers[0].compute_dtype, model.layers[0].kernel.dtype, model.optimizer.name
('float16', 'float32', 'loss_scale_optimizer')
>>> model.predict(np.ones((1, 3), "float32"), verbose=0).dtype
dtype('float16')
"""

from __future__ import annotations

from typing import Any

from .dtype_policies import DTypePolicy, dtype_policy, set_dtype_policy
from .optimizers import LossScaleOptimizer

Policy = DTypePolicy
global_policy = dtype_policy
set_global_policy = set_dtype_policy

__all__ = ["DTypePolicy", "LossScaleOptimizer", "Policy", "dtype_policy", "global_policy", "set_dtype_policy",
           "set_global_policy"]


def loss_scaled(model: Any, optimizer: Any) -> Any:
    """``optimizer`` wrapped in a ``LossScaleOptimizer`` named ``"loss_scale_optimizer"`` when ``model``'s policy
    is ``"mixed_float16"`` and it is not one already (``Model.compile``'s ``auto_scale_loss``)."""
    if getattr(model.dtype_policy, "name", None) != "mixed_float16" or optimizer is None or \
            isinstance(optimizer, LossScaleOptimizer):
        return optimizer
    return LossScaleOptimizer(optimizer, name="loss_scale_optimizer")
