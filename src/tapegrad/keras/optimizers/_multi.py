"""``MultiOptimizer`` and ``OptimizerMap`` (Keras 3.15): a different optimizer per variable."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from typing import Any

from ..._tensor import Variable
from .. import backend
from ..variables import unwrap
from ._base import Optimizer, _host_update, _tracing
from ._loss_scale import LossScaleOptimizer

__all__ = ["MultiOptimizer", "OptimizerMap"]


def _path(variable: Any) -> str:
    path = getattr(variable, "path", None)
    return path if isinstance(path, str) else backend.variable_path(unwrap(variable))


def _check_inner(optimizer: Any, what: str) -> None:
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"{what} must be a Keras Optimizer instance. Received: {optimizer!r}")
    if isinstance(optimizer, LossScaleOptimizer):
        raise ValueError(f"{what} cannot be a LossScaleOptimizer: wrap the MultiOptimizer instead.")
    if isinstance(optimizer, MultiOptimizer):
        raise ValueError(f"{what} cannot be a MultiOptimizer: MultiOptimizers do not nest.")


class OptimizerMap(MutableMapping):
    """Variable paths (or ``re.fullmatch`` patterns of them) → optimizers; unmatched paths get
    ``default_optimizer``. An exact key wins over patterns; two matching patterns are a ``ValueError``.

    >>> from tapegrad import keras
    >>> m = keras.optimizers.OptimizerMap(keras.optimizers.RMSprop(name="rmsprop"))
    >>> m["encoder/.*"] = keras.optimizers.SGD(name="sgd")
    >>> m["encoder/dense/kernel"].name, m["decoder/dense/kernel"].name
    ('sgd', 'rmsprop')
    """

    def __init__(self, default_optimizer: Optimizer, optimizer_map: dict[str, Optimizer] | None = None) -> None:
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError(f"default_optimizer must be a Keras Optimizer instance. Received: {default_optimizer!r}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"optimizer_map must be a dictionary. Received: {optimizer_map!r}")
        self._default_optimizer = default_optimizer
        self._optimizer_map: dict[str, Optimizer] = dict(optimizer_map or {})

    @property
    def default_optimizer(self) -> Optimizer:
        return self._default_optimizer

    def __getitem__(self, key: str) -> Optimizer:
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matching = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(matching) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {key}: the patterns {matching} all match it.")
        return self._optimizer_map[matching[0]] if matching else self._default_optimizer

    def __setitem__(self, key: str, optimizer: Optimizer) -> None:
        if key in self._optimizer_map:
            raise ValueError(f"'{key}' already exists in the OptimizerMap with value {self._optimizer_map[key]}. "
                             "Please make sure to not use duplicated keys.")
        if not isinstance(key, str):
            raise ValueError(f"key must be a string. Received: {key!r}")
        _check_inner(optimizer, "optimizer")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key: str) -> None:
        del self._optimizer_map[key]

    def __len__(self) -> int:
        return len(self._optimizer_map)

    def __iter__(self) -> Iterator[str]:
        return iter(self._optimizer_map)

    def __call__(self, variable: Any) -> Optimizer:
        return self[_path(variable)]

    def get_config(self) -> dict[str, Any]:
        from ..saving.serialization_lib import serialize_keras_object

        return {"default_optimizer": serialize_keras_object(self._default_optimizer),
                "optimizer_map": {k: serialize_keras_object(v) for k, v in self._optimizer_map.items()}}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> OptimizerMap:
        from ..saving.serialization_lib import deserialize_keras_object

        default = deserialize_keras_object(config["default_optimizer"], custom_objects=custom_objects)
        mapping = {k: deserialize_keras_object(v, custom_objects=custom_objects)
                   for k, v in (config.get("optimizer_map") or {}).items()}
        return cls(default, mapping)


class MultiOptimizer(Optimizer):
    """Hands each variable to the optimizer ``optimizer_map(variable)`` picks (an :class:`OptimizerMap` or any
    callable); each inner optimizer keeps its own learning rate, slots and ``iterations``. The sub-optimizers are
    ``.optimizers``; ``learning_rate`` is not defined on the whole (an ``AttributeError``). ``loss_scale_factor``
    is passed down to every inner optimizer.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.backend.clear_session()
    >>> layer = keras.layers.Dense(1, kernel_initializer="ones")
    >>> layer.build((None, 2))
    >>> opt = keras.optimizers.MultiOptimizer(keras.optimizers.OptimizerMap(
    ...     keras.optimizers.SGD(0.5), {".*bias": keras.optimizers.SGD(0.1)}))
    >>> _ = opt.apply_gradients(zip([np.ones((2, 1), "float32"), np.ones(1, "float32")], layer.trainable_weights))
    >>> layer.kernel.numpy().ravel().tolist(), round(float(layer.bias.numpy()[0]), 4), int(opt.iterations)
    ([0.5, 0.5], -0.1, 1)
    """

    def __init__(self, optimizer_map: OptimizerMap | Callable[[Any], Optimizer],
                 loss_scale_factor: float | None = None, name: str | None = None) -> None:
        self._inner_optimizers: list[Optimizer] = []
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        candidates = list(optimizer_map.values()) if isinstance(optimizer_map, OptimizerMap) else []
        default = getattr(optimizer_map, "default_optimizer", None)
        for opt in [*candidates, *([default] if default is not None else [])]:
            if opt not in self._inner_optimizers:
                opt.loss_scale_factor = loss_scale_factor
                self._inner_optimizers.append(opt)
        self._var_to_optimizer_idx: dict[int, int] = {}

    @property
    def optimizers(self) -> list[Optimizer]:
        return self._inner_optimizers

    @property
    def variables(self) -> list[Variable]:
        """Its own ``iteration`` and ``learning_rate`` variables, then each inner optimizer's."""
        out = list(self._variables)
        for opt in self._inner_optimizers:
            out.extend(opt.variables)
        return out

    @property  # type: ignore[override]
    def learning_rate(self) -> Any:
        raise AttributeError("Learning rate cannot be accessed on a MultiOptimizer. Access the learning rate on the "
                             "individual sub-optimizers (`optimizer.optimizers`) instead.")

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        raise AttributeError("Learning rate cannot be set on a MultiOptimizer. Set the learning rate on the "
                             "individual sub-optimizers (`optimizer.optimizers`) instead.")

    @property  # type: ignore[override]
    def loss_scale_factor(self) -> float | None:
        return getattr(self, "_loss_scale_factor", None)

    @loss_scale_factor.setter
    def loss_scale_factor(self, value: float | None) -> None:
        self._loss_scale_factor = value
        for opt in getattr(self, "_inner_optimizers", []):
            opt.loss_scale_factor = value

    def scale_loss(self, loss: Any) -> Any:
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        variables = [unwrap(v) for v in variables]
        groups: list[list[Variable]] = [[] for _ in self._inner_optimizers]
        for var in variables:
            opt = self._optimizer_map(var)
            _check_inner(opt, f"The optimizer for variable {_path(var)}")
            if opt not in self._inner_optimizers:
                opt.loss_scale_factor = self.loss_scale_factor
                self._inner_optimizers.append(opt)
                groups.append([])
            idx = self._inner_optimizers.index(opt)
            self._var_to_optimizer_idx[id(var)] = idx
            groups[idx].append(var)
        for opt, group in zip(self._inner_optimizers, groups):
            if group:
                opt.build(group)
        super().build(variables)

    def apply(self, grads: Sequence[Any], trainable_variables: Sequence[Variable] | None = None) -> None:
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer must already be built on a "
                                 "list of variables. Call `optimizer.build(trainable_variables)` first.")
            variables = list(self._trainable_variables)
        else:
            variables = [unwrap(v) for v in trainable_variables]
        if not self.built:
            self.build(variables)
        if len(grads) != len(self._index):
            raise ValueError(f"Gradients must match trainable variables one-to-one. Received {len(grads)} gradients "
                             f"and {len(self._index)} variables.")
        if _tracing():  # inside a tapegrad.function: dispatched when the compiled program runs
            _host_update(self, list(grads), variables)
            return
        self._update(list(grads), variables)

    def _update(self, grads: list[Any], trainable_variables: list[Variable], preprocessed: bool = False) -> None:
        pairs: list[list[tuple[Any, Variable]]] = [[] for _ in self._inner_optimizers]
        for g, v in zip(grads, trainable_variables):
            pairs[self._var_to_optimizer_idx[id(v)]].append((g, v))
        for opt, group in zip(self._inner_optimizers, pairs):
            if group:
                opt.apply([g for g, _ in group], [v for _, v in group])
        self._iterations.assign(self._iterations.numpy() + 1)

    def finalize_variable_values(self, var_list: Sequence[Variable]) -> None:
        groups: list[list[Variable]] = [[] for _ in self._inner_optimizers]
        for var in var_list:
            groups[self._var_to_optimizer_idx[id(unwrap(var))]].append(var)
        for opt, group in zip(self._inner_optimizers, groups):
            if group:
                opt.finalize_variable_values(group)

    def get_config(self) -> dict[str, Any]:
        from ..saving.serialization_lib import serialize_keras_object

        return {"optimizer_map": serialize_keras_object(self._optimizer_map),
                "loss_scale_factor": self.loss_scale_factor, "name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> MultiOptimizer:
        from ..saving.serialization_lib import deserialize_keras_object

        config = dict(config)
        config["optimizer_map"] = deserialize_keras_object(config["optimizer_map"], custom_objects=custom_objects)
        return cls(**config)
