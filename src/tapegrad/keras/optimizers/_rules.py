"""The update rules of ``SGD``, ``Adam``, ``AdamW``, ``RMSprop`` and ``Adagrad`` (Keras 3, TF backend)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..._tensor import Variable
from ._base import Grad, Optimizer, Sparse, dense

__all__ = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]


def _scaled(g: Grad, factor: Any) -> Grad:
    """``g * factor`` for a scalar factor (sparse gradients stay sparse)."""
    return g.with_values(g.values * factor) if isinstance(g, Sparse) else g * factor


def _squared(g: Grad) -> Grad:
    return g.with_values(np.square(g.values)) if isinstance(g, Sparse) else np.square(g)


def _divided(g: Grad, denom: np.ndarray) -> Grad:
    """``g / denom`` for a dense ``denom``; a sparse ``g`` stays sparse (the rows of ``denom`` it touches)."""
    return g.with_values(g.values / g.gather(denom)) if isinstance(g, Sparse) else g / denom


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum.

    ``momentum == 0``: ``v -= lr * g``. Otherwise ``m = momentum * m - lr * g`` and ``v += m`` (``nesterov``:
    ``v += momentum * m - lr * g`` with the new ``m``). A sparse gradient without momentum updates only its rows.

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> v = tf.Variable(1.0)
    >>> opt = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     _ = opt.apply_gradients([(tf.constant(1.0), v)])
    >>> round(float(v), 6)
    0.71
    """

    def __init__(self, learning_rate: Any = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float | None = None, clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        if not isinstance(momentum, float) or momentum < 0 or momentum > 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = momentum
        self.nesterov = nesterov

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self.momentums: list[Variable] = []
        if self.momentum != 0:
            self.momentums = [self.add_variable_from_reference(v, "momentum") for v in variables]

    def update_step(self, gradient: Grad, variable: Variable, learning_rate: np.floating) -> None:
        if self.momentum != 0:
            m_var = self._slot(self.momentums, variable)
            momentum = learning_rate.dtype.type(self.momentum)
            m = m_var.numpy() * momentum - dense(_scaled(gradient, learning_rate))
            self.assign(m_var, m)
            if self.nesterov:
                self.assign_add(variable, m * momentum - dense(_scaled(gradient, learning_rate)))
            else:
                self.assign_add(variable, m)
        else:
            self.assign_sub(variable, _scaled(gradient, learning_rate))

    def _dense_step(self, grads: list[np.ndarray], variables: list[Variable], learning_rate: np.floating) -> None:
        # update_step's arithmetic for every variable, without its per-variable calls
        if self.momentum == 0:
            for g, v in zip(grads, variables):
                v._value = v._value - g * learning_rate
            return
        momentum = learning_rate.dtype.type(self.momentum)
        index, slots = self._index, self.momentums
        for g, v in zip(grads, variables):
            m_var = slots[index[id(v)]]
            m = m_var._value * momentum - g * learning_rate
            m_var._value = m
            v._value = v._value + (m * momentum - g * learning_rate if self.nesterov else m)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam: ``m += (g - m)(1 - beta_1)``, ``v += (g² - v)(1 - beta_2)``,
    ``var -= m * alpha / (sqrt(v) + epsilon)`` with ``alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)``
    (Keras's placement of ``epsilon``: outside the square root, not bias-corrected). ``amsgrad`` uses the running
    maximum of ``v``.

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> v = tf.Variable(1.0)
    >>> _ = keras.optimizers.Adam(learning_rate=0.1).apply_gradients([(tf.constant(2.0), v)])
    >>> round(float(v), 5)
    0.9
    """

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None, global_clipnorm: float | None = None,
                 name: str = "adam", **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self._momentums: list[Variable] = []
        self._velocities: list[Variable] = []
        for v in variables:
            self._momentums.append(self.add_variable_from_reference(v, "momentum"))
            self._velocities.append(self.add_variable_from_reference(v, "velocity"))
        self._velocity_hats: list[Variable] = []
        if self.amsgrad:
            self._velocity_hats = [self.add_variable_from_reference(v, "velocity_hat") for v in variables]

    def update_step(self, gradient: Grad, variable: Variable, learning_rate: np.floating) -> None:
        dt = learning_rate.dtype.type
        local_step = dt(int(self.iterations.numpy()) + 1)
        beta_1_power = np.power(dt(self.beta_1), local_step)
        beta_2_power = np.power(dt(self.beta_2), local_step)
        m_var = self._slot(self._momentums, variable)
        v_var = self._slot(self._velocities, variable)
        alpha = learning_rate * np.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        m = m_var.numpy() + (dense(gradient) - m_var.numpy()) * (1 - self.beta_1)
        self.assign(m_var, m)
        v = v_var.numpy() + (dense(_squared(gradient)) - v_var.numpy()) * (1 - self.beta_2)
        self.assign(v_var, v)
        if self.amsgrad:
            vh_var = self._slot(self._velocity_hats, variable)
            v = np.maximum(vh_var.numpy(), v)
            self.assign(vh_var, v)
        self.assign_sub(variable, (m * alpha) / (np.sqrt(v) + self.epsilon))

    def _dense_step(self, grads: list[np.ndarray], variables: list[Variable], learning_rate: np.floating) -> None:
        # update_step's arithmetic for every variable, without its per-variable calls
        dt = learning_rate.dtype.type
        local_step = dt(int(self._iterations._value) + 1)
        alpha = learning_rate * np.sqrt(1 - np.power(dt(self.beta_2), local_step)) / (
            1 - np.power(dt(self.beta_1), local_step))
        index = self._index
        for g, var in zip(grads, variables):
            i = index[id(var)]
            m_var, v_var = self._momentums[i], self._velocities[i]
            m = m_var._value + (g - m_var._value) * (1 - self.beta_1)
            m_var._value = m
            v = v_var._value + (np.square(g) - v_var._value) * (1 - self.beta_2)
            v_var._value = v
            if self.amsgrad:
                vh_var = self._velocity_hats[i]
                v = vh_var._value = np.maximum(vh_var._value, v)
            var._value = var._value - (m * alpha) / (np.sqrt(v) + self.epsilon)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay: before each update ``var -= var * weight_decay * lr``."""

    def __init__(self, learning_rate: Any = 0.001, weight_decay: float = 0.004, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None, name: str = "adamw",
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name, **kwargs)
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")


class RMSprop(Optimizer):
    """RMSprop: ``s = rho * s + (1 - rho) g²`` (centered: minus the square of the running mean gradient),
    ``var -= lr * g / sqrt(s + epsilon)`` (with ``momentum``, through a momentum accumulator)."""

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.9, momentum: float = 0.0, epsilon: float = 1e-7,
                 centered: bool = False, weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None, name: str = "rmsprop",
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self._velocities = [self.add_variable_from_reference(v, "velocity") for v in variables]
        self._momentums: list[Variable] = []
        if self.momentum > 0:
            self._momentums = [self.add_variable_from_reference(v, "momentum") for v in variables]
        self._average_gradients: list[Variable] = []
        if self.centered:
            self._average_gradients = [self.add_variable_from_reference(v, "average_gradient") for v in variables]

    def update_step(self, gradient: Grad, variable: Variable, learning_rate: np.floating) -> None:
        rho = self.rho
        vel_var = self._slot(self._velocities, variable)
        velocity = rho * vel_var.numpy() + dense(_scaled(_squared(gradient), 1 - rho))
        self.assign(vel_var, velocity)
        if self.centered:
            avg_var = self._slot(self._average_gradients, variable)
            average = rho * avg_var.numpy() + dense(_scaled(gradient, 1 - rho))
            self.assign(avg_var, average)
            denominator = velocity - np.square(average) + self.epsilon
        else:
            denominator = velocity + self.epsilon
        increment = _divided(_scaled(gradient, learning_rate), np.sqrt(denominator))
        if self.momentum > 0:
            mom_var = self._slot(self._momentums, variable)
            mom = self.momentum * mom_var.numpy() + dense(increment)
            self.assign(mom_var, mom)
            self.assign_sub(variable, mom)
        else:
            self.assign_sub(variable, increment)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}


class Adagrad(Optimizer):
    """Adagrad: ``acc += g²``, ``var -= lr * g / sqrt(acc + epsilon)`` (``acc`` starts at
    ``initial_accumulator_value``); sparse gradients update only their rows."""

    def __init__(self, learning_rate: Any = 0.001, initial_accumulator_value: float = 0.1, epsilon: float = 1e-7,
                 weight_decay: float | None = None, clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str = "adagrad", **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self._accumulators = [self.add_variable_from_reference(v, "accumulator",
                                                               initializer=self.initial_accumulator_value)
                              for v in variables]

    def update_step(self, gradient: Grad, variable: Variable, learning_rate: np.floating) -> None:
        acc_var = self._slot(self._accumulators, variable)
        self.assign_add(acc_var, _squared(gradient))
        increment = _divided(_scaled(gradient, learning_rate), np.sqrt(acc_var.numpy() + self.epsilon))
        self.assign_sub(variable, increment)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
