"""The update rules of ``Nadam``, ``Adamax``, ``Adadelta``, ``Ftrl`` and ``Lion`` (Keras 3, TF backend).

Each follows Keras 3's arithmetic in the variable's dtype, step by step, so 100-step trajectories match Keras's
to float32 rounding (checked by the Keras conformance lane). Sparse gradients are applied densely, as Keras's
generic ``update_step`` does on the TensorFlow backend — including its elementwise quirk: a unary op (``square``,
``abs``) on an ``IndexedSlices`` maps each slice before duplicate rows are summed, so a row looked up twice
contributes ``g1² + g2²``, not ``(g1 + g2)²`` (``_per_slice``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..._tensor import Variable
from ._base import Grad, Optimizer, Sparse, dense

__all__ = ["Nadam", "Adamax", "Adadelta", "Ftrl", "Lion"]


def _per_slice(g: Grad, fn: Any) -> np.ndarray:
    """``fn`` applied to each slice of a sparse gradient, then densified (duplicates summed); dense: ``fn(g)``."""
    return g.with_values(fn(g.values)).dense() if isinstance(g, Sparse) else fn(g)


class _SlotsMixin:
    def _slots_for(self: Any, variables: Sequence[Variable], *names: str,
                   initializers: tuple[Any, ...] | None = None) -> tuple[list[Variable], ...]:
        """One slot per name for each variable, created variable by variable (Keras's interleaved order)."""
        inits = initializers or ("zeros",) * len(names)
        out: tuple[list[Variable], ...] = tuple([] for _ in names)
        for v in variables:
            for i, (name, init) in enumerate(zip(names, inits)):
                out[i].append(self.add_variable_from_reference(v, name, initializer=init))
        return out


class Nadam(_SlotsMixin, Optimizer):
    """Adam with Nesterov momentum (Dozat), with Keras's momentum schedule
    ``u_t = beta_1 (1 - 0.5 · 0.96^t)`` and the running product of the ``u_t``.

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> v = tf.Variable(1.0)
    >>> _ = keras.optimizers.Nadam(learning_rate=0.1).apply_gradients([(tf.constant(2.0), v)])
    >>> round(float(v), 4)
    0.8937
    """

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None, name: str = "nadam",
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self._slots_for(variables, "momentum", "velocity")
        dtype = variables[0].dtype if variables else "float32"
        self._u_product = self.add_variable((), initializer="ones", dtype=dtype, name="u_product")

    def _before_update_steps(self) -> None:
        u_dt = self._u_product.dtype.as_numpy_dtype
        step = u_dt(int(self.iterations.numpy()) + 1)
        factor = u_dt(self.beta_1) * (u_dt(1.0) - u_dt(0.5) * np.power(u_dt(0.96), step))
        self._u_product.assign(self._u_product.numpy() * factor)

    def update_step(self, gradient: Grad, variable: Variable, learning_rate: np.floating) -> None:
        dt = learning_rate.dtype.type
        step = int(self.iterations.numpy())
        g = dense(gradient)
        local_step, next_step = dt(step + 1), dt(step + 2)
        decay, beta_1, beta_2 = dt(0.96), dt(self.beta_1), dt(self.beta_2)
        u_t = beta_1 * (dt(1.0) - dt(0.5) * np.power(decay, local_step))
        u_t_1 = beta_1 * (dt(1.0) - dt(0.5) * np.power(decay, next_step))
        u_product_t = dt(self._u_product.numpy())
        u_product_t_1 = u_product_t * u_t_1
        beta_2_power = np.power(beta_2, local_step)
        m_var = self._slot(self._momentums, variable)
        v_var = self._slot(self._velocities, variable)
        m = m_var.numpy() + (g - m_var.numpy()) * (dt(1) - beta_1)
        self.assign(m_var, m)
        v = v_var.numpy() + (_per_slice(gradient, np.square) - v_var.numpy()) * (dt(1) - beta_2)
        self.assign(v_var, v)
        m_hat = (u_t_1 * m) / (dt(1) - u_product_t_1) + ((dt(1) - u_t) * g) / (dt(1) - u_product_t)
        v_hat = v / (dt(1) - beta_2_power)
        self.assign_sub(variable, (m_hat * learning_rate) / (np.sqrt(v_hat) + dt(self.epsilon)))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adamax(_SlotsMixin, Optimizer):
    """Adam with the infinity norm: ``m += (g - m)(1 - beta_1)``, ``u = max(beta_2·u, |g|)``,
    ``var -= lr·m / ((1 - beta_1^t)(u + epsilon))``.

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> v = tf.Variable(1.0)
    >>> _ = keras.optimizers.Adamax(learning_rate=0.1).apply_gradients([(tf.constant(2.0), v)])
    >>> round(float(v), 5)
    0.9
    """

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None, name: str = "adamax",
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self._m, self._u = self._slots_for(variables, "momentum", "norm")

    def update_step(self, gradient: Grad, variable: Variable, learning_rate: np.floating) -> None:
        dt = learning_rate.dtype.type
        g = dense(gradient)
        beta_1_power = np.power(dt(self.beta_1), dt(int(self.iterations.numpy()) + 1))
        m_var, u_var = self._slot(self._m, variable), self._slot(self._u, variable)
        m = m_var.numpy() + (g - m_var.numpy()) * dt(1 - self.beta_1)
        self.assign(m_var, m)
        u = np.maximum(dt(self.beta_2) * u_var.numpy(), _per_slice(gradient, np.abs))
        self.assign(u_var, u)
        self.assign_sub(variable, (learning_rate * m) / ((dt(1) - beta_1_power) * (u + dt(self.epsilon))))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adadelta(_SlotsMixin, Optimizer):
    """Adadelta: ``E[g²] = rho·E[g²] + (1-rho)·g²``, ``Δ = -sqrt(E[Δ²] + ε)·g / sqrt(E[g²] + ε)``,
    ``E[Δ²] = rho·E[Δ²] + (1-rho)·Δ²``, ``var += lr·Δ``.

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> v = tf.Variable(1.0)
    >>> _ = keras.optimizers.Adadelta(learning_rate=1.0).apply_gradients([(tf.constant(2.0), v)])
    >>> round(float(v), 6)
    0.998586
    """

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.95, epsilon: float = 1e-7,
                 weight_decay: float | None = None, clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str = "adadelta", **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self._accumulated_grads, self._accumulated_delta_vars = self._slots_for(
            variables, "accumulated_grad", "accumulated_delta_var")

    def update_step(self, gradient: Grad, variable: Variable, learning_rate: np.floating) -> None:
        dt = learning_rate.dtype.type
        g = dense(gradient)
        rho, eps = dt(self.rho), dt(self.epsilon)
        ag_var = self._slot(self._accumulated_grads, variable)
        ad_var = self._slot(self._accumulated_delta_vars, variable)
        acc_grad = rho * ag_var.numpy() + (dt(1) - rho) * _per_slice(gradient, np.square)
        self.assign(ag_var, acc_grad)
        rms_delta, rms_grad = np.sqrt(ad_var.numpy() + eps), np.sqrt(acc_grad + eps)
        if isinstance(gradient, Sparse):  # the update stays per slice until it is added in
            delta: Grad = gradient.with_values(
                -((gradient.gather(rms_delta) * gradient.values) / gradient.gather(rms_grad)))
        else:
            delta = -((rms_delta * g) / rms_grad)
        self.assign(ad_var, rho * ad_var.numpy() + (dt(1) - rho) * _per_slice(delta, np.square))
        self.assign_add(variable, delta.with_values(learning_rate * delta.values) if isinstance(delta, Sparse)
                        else learning_rate * delta)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Ftrl(_SlotsMixin, Optimizer):
    """Follow The Regularized Leader (McMahan et al.), with L1/L2 and shrinkage regularisation and ``beta``,
    as Keras implements it (accumulators start at ``initial_accumulator_value``).

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> v = tf.Variable(1.0)
    >>> _ = keras.optimizers.Ftrl(learning_rate=0.1).apply_gradients([(tf.constant(2.0), v)])
    >>> round(float(v), 5)
    0.74505
    """

    def __init__(self, learning_rate: Any = 0.001, learning_rate_power: float = -0.5,
                 initial_accumulator_value: float = 0.1, l1_regularization_strength: float = 0.0,
                 l2_regularization_strength: float = 0.0, l2_shrinkage_regularization_strength: float = 0.0,
                 beta: float = 0.0, weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None, name: str = "ftrl",
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        checks = (("initial_accumulator_value", initial_accumulator_value, "greater than or equal to zero", 0.0),
                  ("learning_rate_power", learning_rate_power, "less than or equal to zero", None),
                  ("l1_regularization_strength", l1_regularization_strength, "greater than or equal to zero", 0.0),
                  ("l2_regularization_strength", l2_regularization_strength, "greater than or equal to zero", 0.0),
                  ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength,
                   "greater than or equal to zero", 0.0))
        for arg, value, what, low in checks:
            bad = value > 0 if low is None else value < low
            if bad:
                raise ValueError(f"`{arg}` needs to be {what}. Received: {arg}={value}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self._accumulators, self._linears = self._slots_for(variables, "accumulator", "linear",
                                                            initializers=(self.initial_accumulator_value, "zeros"))

    def update_step(self, gradient: Grad, variable: Variable, learning_rate: np.floating) -> None:
        dt = learning_rate.dtype.type
        g = dense(gradient)
        lr = learning_rate
        acc_var, lin_var = self._slot(self._accumulators, variable), self._slot(self._linears, variable)
        power = dt(self.learning_rate_power)
        l2_reg = dt(self.l2_regularization_strength) + dt(self.beta) / (dt(2.0) * lr)
        var = variable.numpy()
        grad_to_use = g + dt(2 * self.l2_shrinkage_regularization_strength) * var
        accum = acc_var.numpy()
        new_accum = accum + _per_slice(gradient, np.square)
        linear = lin_var.numpy() + (grad_to_use - ((np.power(new_accum, -power) - np.power(accum, -power)) / lr) * var)
        self.assign(lin_var, linear)
        quadratic = np.power(new_accum, -power) / lr + dt(2) * l2_reg
        l1 = dt(self.l1_regularization_strength)
        self.assign(variable, (np.clip(linear, -l1, l1) - linear) / quadratic)
        self.assign(acc_var, new_accum)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
                "beta": self.beta}


class Lion(_SlotsMixin, Optimizer):
    """Lion (Chen et al., 2023): ``var -= lr·sign(beta_1·m + (1-beta_1)·g)``, then
    ``m = beta_2·m + (1-beta_2)·g``.

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> v = tf.Variable(1.0)
    >>> _ = keras.optimizers.Lion(learning_rate=0.1).apply_gradients([(tf.constant(2.0), v)])
    >>> round(float(v), 5)
    0.9
    """

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.99,
                 weight_decay: float | None = None, clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str = "lion", **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(f"Argument for `beta_1` must be in range (0, 1]. Received: beta_1={beta_1}.")
        self.beta_1, self.beta_2 = beta_1, beta_2

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self._momentums = [self.add_variable_from_reference(v, "momentum") for v in variables]

    def update_step(self, gradient: Grad, variable: Variable, learning_rate: np.floating) -> None:
        dt = learning_rate.dtype.type
        g = dense(gradient)
        b1, b2 = dt(self.beta_1), dt(self.beta_2)
        m_var = self._slot(self._momentums, variable)
        m = m_var.numpy()
        self.assign_sub(variable, learning_rate * np.sign(m * b1 + g * (dt(1.0) - b1)))
        self.assign(m_var, m * b2 + g * (dt(1.0) - b2))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
