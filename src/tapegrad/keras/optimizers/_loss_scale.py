"""``LossScaleOptimizer``: Keras 3's dynamic loss scaling around another optimizer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..._tensor import Variable
from ._base import Optimizer, Sparse, _as_grad, _host_update, _tracing

__all__ = ["LossScaleOptimizer"]

_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
                  "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
                  "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """Dynamic loss scaling (for float16 training): ``scale_loss`` multiplies the loss by ``dynamic_scale``; each
    step divides the gradients by it and hands them to ``inner_optimizer`` — unless one is NaN or infinite, when
    the step is skipped and the scale halved. After ``dynamic_growth_steps`` finite steps in a row the scale
    doubles. ``learning_rate`` and ``iterations`` are the inner optimizer's; ``fit`` scales the loss itself.

    >>> import numpy as np
    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> v = tf.Variable([1.0, 2.0])
    >>> opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.5), initial_scale=4.0,
    ...                                           dynamic_growth_steps=2)
    >>> _ = opt.apply_gradients([(tf.constant([4.0, 8.0]), v)])        # unscaled: [1, 2]
    >>> _ = opt.apply_gradients([(tf.constant([np.inf, 0.0]), v)])     # skipped, scale 4 -> 2
    >>> v.numpy().tolist(), float(opt.dynamic_scale), int(opt.iterations)
    ([0.5, 1.0], 2.0, 1)
    """

    def __init__(self, inner_optimizer: Optimizer, initial_scale: float = 2.0 ** 15,
                 dynamic_growth_steps: int = 2000, name: str | None = None, **kwargs: Any) -> None:
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Set `loss_scale_factor` on the "
                             "inner optimizer for a fixed loss scale.")
        for arg, default in _BASE_DEFAULTS.items():  # older configs carry the base arguments at their defaults
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(f"LossScaleOptimizer does not support `{arg}`. Set `{arg}` on the `inner_optimizer` "
                                 "instead.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer does not support arguments: `{'`, `'.join(kwargs)}`.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(f"LossScaleOptimizer wraps a keras.optimizers.Optimizer; received {inner_optimizer!r}.")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale, self.dynamic_growth_steps = initial_scale, dynamic_growth_steps
        self.inner_optimizer.loss_scale_factor = None  # scaling twice would be wrong

    def build(self, variables: Sequence[Variable]) -> None:
        self.step_counter = self.add_variable((), dtype="int64", name="step_counter")
        self.dynamic_scale = self.add_variable((), initializer=float(self.initial_scale), dtype="float32",
                                               name="dynamic_scale")
        self.inner_optimizer.build(variables)
        super().build(variables)

    @property
    def variables(self) -> list[Variable]:
        """Its own ``iteration``, ``learning_rate``, ``step_counter`` and ``dynamic_scale``, then the inner ones."""
        return list(self._variables) + self.inner_optimizer.variables

    @property
    def learning_rate(self) -> Any:
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        self.inner_optimizer.learning_rate = value

    @property
    def iterations(self) -> Variable:
        return self.inner_optimizer.iterations

    def scale_loss(self, loss: Any) -> Any:
        """``loss × dynamic_scale`` (``initial_scale`` before the first step)."""
        return loss * (self.dynamic_scale if self.built else self.initial_scale)

    def apply(self, grads: Sequence[Any], trainable_variables: Sequence[Variable] | None = None) -> None:
        if not self.built:
            self.build(trainable_variables if trainable_variables is not None else [])
        variables = list(trainable_variables) if trainable_variables is not None else None
        if _tracing():  # inside a tapegrad.function the check and the update run when the program runs
            _host_update(self, list(grads), variables if variables is not None else self._trainable_variables)
            return
        self._update(list(grads), variables)

    def _update(self, grads: list[Any], trainable_variables: list[Variable] | None,
                preprocessed: bool = False) -> None:
        arrays = [None if g is None else _as_grad(g, np.float32) for g in grads]
        finite = all(np.all(np.isfinite(a.values if isinstance(a, Sparse) else a)) for a in arrays if a is not None)
        counter, scale = int(self.step_counter.numpy()), np.float32(self.dynamic_scale.numpy())
        if not finite:
            self.step_counter.assign(np.int64(0))
            self.dynamic_scale.assign(scale * np.float32(0.5))
            return
        unscaled = [g if a is None else (a.with_values(a.values / scale).as_indexed_slices() if isinstance(a, Sparse)
                                         else a / scale) for g, a in zip(grads, arrays)]
        self.inner_optimizer.apply(unscaled, trainable_variables)
        if counter == self.dynamic_growth_steps - 1:
            self.step_counter.assign(np.int64(0))
            self.dynamic_scale.assign(scale * np.float32(2.0))
        else:
            self.step_counter.assign(np.int64(counter + 1))

    def finalize_variable_values(self, var_list: Sequence[Variable]) -> None:
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self) -> dict[str, Any]:
        from ..saving.serialization_lib import serialize_keras_object

        return {"name": self.name, "inner_optimizer": serialize_keras_object(self.inner_optimizer),
                "initial_scale": self.initial_scale, "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> LossScaleOptimizer:
        from ..saving.serialization_lib import deserialize_keras_object

        config = dict(config)
        inner = deserialize_keras_object(config.pop("inner_optimizer"), custom_objects=custom_objects)
        return cls(inner, **config)
