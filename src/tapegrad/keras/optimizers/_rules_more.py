"""The update rules of ``Adafactor``, ``Lamb``, ``Muon`` and ``ScheduleFreeAdamW`` (Keras 3.15, TF backend).

As in ``_rules_extra``, each step is Keras's arithmetic in the variable's dtype, in Keras's order, so trajectories
match Keras 3 to float32 rounding (the Keras conformance lane runs them side by side). Sparse (``IndexedSlices``)
gradients are applied densely, with Keras's per-slice ``square`` (see ``_rules_extra._per_slice``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..._backend import NUMPY
from ..._tensor import Variable, _TensorLike, make
from .. import backend
from ._base import Grad, Optimizer, dense
from ._rules_extra import _per_slice, _SlotsMixin

__all__ = ["Adafactor", "Lamb", "Muon", "ScheduleFreeAdamW"]


def _rms(x: np.ndarray) -> np.floating:
    return np.sqrt(np.mean(np.square(x)))


class Adafactor(Optimizer):
    """Adafactor (Shazeer & Stern, 2018): for variables of rank ≥ 2 the second moment is kept factored as a row
    statistic ``r`` (last axis reduced) and a column statistic ``c`` (second-to-last axis reduced); lower ranks keep a
    full ``velocity``. The step is scaled by ``max(epsilon_2, rms(variable))`` and the update clipped to an RMS of
    ``clip_threshold``; with ``relative_step`` a constant learning rate is capped at ``1/sqrt(step)``.

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    >>> opt = keras.optimizers.Adafactor(learning_rate=0.1)
    >>> _ = opt.apply_gradients([(tf.constant([[1.0, 1.0], [1.0, 1.0]]), v)])
    >>> [round(x, 4) for x in v.numpy().ravel().tolist()]
    [0.7261, 1.7261, 2.7261, 3.7261]
    """

    def __init__(self, learning_rate: Any = 0.001, beta_2_decay: float = -0.8, epsilon_1: float = 1e-30,
                 epsilon_2: float = 1e-3, clip_threshold: float = 1.0, relative_step: bool = True,
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_2_decay, self.epsilon_1, self.epsilon_2 = beta_2_decay, epsilon_1, epsilon_2
        self.clip_threshold, self.relative_step = clip_threshold, relative_step

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self._r: list[Variable] = []
        self._c: list[Variable] = []
        self._v: list[Variable] = []
        for var in variables:
            shape, name = tuple(var.shape), var.name
            if len(shape) < 2:  # not factored: Keras still makes two scalar placeholders (int32 zeros)
                self._r.append(self.add_variable((), dtype="int32", name=name))
                self._c.append(self.add_variable((), dtype="int32", name=name))
            else:
                self._r.append(self.add_variable(shape[:-1], dtype=var.dtype, name=name))
                self._c.append(self.add_variable(shape[:-2] + shape[-1:], dtype=var.dtype, name=name))
            self._v.append(self.add_variable_from_reference(var, "velocity"))

    def update_step(self, gradient: Grad, variable: Variable, learning_rate: np.floating) -> None:
        dt = learning_rate.dtype.type
        one = dt(1.0)
        step = dt(self._iterations.numpy() + 1)
        lr = learning_rate
        if isinstance(self._learning_rate, Variable) and self.relative_step:
            lr = np.minimum(lr, one / np.sqrt(step))
        r_var, c_var, v_var = (self._slot(s, variable) for s in (self._r, self._c, self._v))
        x = variable.numpy()
        rho_t = np.minimum(lr, one / np.sqrt(step))
        alpha_t = np.maximum(dt(self.epsilon_2), _rms(x)) * rho_t
        grad_sq = _per_slice(gradient, np.square) + dt(self.epsilon_1)
        beta_2_t = one - np.power(step, dt(self.beta_2_decay))
        if x.ndim >= 2:
            r = beta_2_t * r_var.numpy() + (one - beta_2_t) * np.mean(grad_sq, axis=-1)
            c = beta_2_t * c_var.numpy() + (one - beta_2_t) * np.mean(grad_sq, axis=-2)
            self.assign(r_var, r)
            self.assign(c_var, c)
            v = np.expand_dims(r / np.mean(r, axis=-1, keepdims=True), -1) * np.expand_dims(c, -2)
        else:
            v = beta_2_t * v_var.numpy() + (one - beta_2_t) * grad_sq
        self.assign(v_var, v)
        u = dense(gradient) / np.sqrt(v)
        u_hat = u / np.maximum(one, _rms(u) / dt(self.clip_threshold))
        self.assign_sub(variable, alpha_t * u_hat)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                "relative_step": self.relative_step}


def _adam_moments(opt: Optimizer, gradient: Grad, m_var: Variable, v_var: Variable, beta_1: Any,
                  beta_2: Any) -> tuple[np.ndarray, np.ndarray]:
    """Keras's in-place Adam moments ``m += (g - m)(1 - beta_1)``, ``v += (g² - v)(1 - beta_2)``; the new values."""
    dt = m_var.dtype.as_numpy_dtype
    one = dt(1.0)
    m = m_var.numpy() + (dense(gradient) - m_var.numpy()) * (one - dt(beta_1))
    v = v_var.numpy() + (_per_slice(gradient, np.square) - v_var.numpy()) * (one - dt(beta_2))
    opt.assign(m_var, m)
    opt.assign(v_var, v)
    return m, v


class Lamb(_SlotsMixin, Optimizer):
    """LAMB (You et al., 2019): Adam's bias-corrected step ``u = m̂ / (sqrt(v̂) + epsilon)`` scaled per variable by
    the trust ratio ``‖variable‖ / ‖u‖`` (1 when either norm is 0).

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> v = tf.Variable([3.0, 4.0])
    >>> _ = keras.optimizers.Lamb(learning_rate=0.1).apply_gradients([(tf.constant([1.0, -1.0]), v)])
    >>> [round(x, 4) for x in v.numpy().tolist()]
    [2.6464, 4.3536]
    """

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self._slots_for(variables, "momentum", "velocity")

    def update_step(self, gradient: Grad, variable: Variable, learning_rate: np.floating) -> None:
        dt = learning_rate.dtype.type
        one = dt(1.0)
        step = dt(self._iterations.numpy() + 1)
        m, v = _adam_moments(self, gradient, self._slot(self._momentums, variable),
                             self._slot(self._velocities, variable), self.beta_1, self.beta_2)
        m_hat = m / (one - np.power(dt(self.beta_1), step))
        v_sqrt = np.sqrt(v / (one - np.power(dt(self.beta_2), step))) + dt(self.epsilon)
        update = m_hat / v_sqrt
        w_norm = np.sqrt(np.sum(np.power(variable.numpy(), 2)))
        g_norm = np.sqrt(np.sum(np.power(update, 2)))
        ratio = w_norm / g_norm if w_norm > 0 and g_norm > 0 else one
        self.assign_sub(variable, ratio * learning_rate * update)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Muon(Optimizer):
    """Muon (Jordan et al.; Liu et al., 2025): 2-D variables take momentum SGD whose (Nesterov) update is
    orthogonalized by ``ns_steps`` quintic Newton–Schulz iterations (coefficients ``muon_a/b/c``) and scaled by
    ``sqrt(max(rows, cols)) · rms_rate``; every other variable — other ranks, paths containing ``"embedding"``
    (``exclude_embeddings``) or matching a regex in ``exclude_layers`` — takes an AdamW step at
    ``learning_rate · adam_lr_ratio`` with ``adam_weight_decay``. Variables are matched by their Keras path
    (``"dense/kernel"``), so pass a model's variables.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.backend.clear_session()
    >>> layer = keras.layers.Dense(2, kernel_initializer="ones")
    >>> layer.build((None, 2))
    >>> opt = keras.optimizers.Muon(learning_rate=0.1, weight_decay=None, adam_weight_decay=None)
    >>> _ = opt.apply_gradients(zip([np.eye(2, dtype="float32"), np.ones(2, "float32")], layer.trainable_weights))
    >>> np.round(layer.kernel.numpy().astype(float), 3).tolist(), np.round(layer.bias.numpy().astype(float), 3).tolist()
    ([[0.969, 1.0], [1.0, 0.969]], [-0.1, -0.1])
    """

    def __init__(self, learning_rate: Any = 0.001, adam_beta_1: float = 0.9, adam_beta_2: float = 0.999,
                 adam_weight_decay: float | None = 0.004, epsilon: float = 1e-7, weight_decay: float | None = 0.004,
                 name: str | None = None, exclude_layers: Sequence[str] | None = None, exclude_embeddings: bool = True,
                 muon_a: float = 3.4445, muon_b: float = -4.7750, muon_c: float = 2.0315, adam_lr_ratio: float = 1,
                 momentum: float = 0.95, ns_steps: int = 5, nesterov: bool = True, rms_rate: float | None = 0.2,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, name=name, **kwargs)
        self.adam_beta_1, self.adam_beta_2, self.epsilon = adam_beta_1, adam_beta_2, epsilon
        self.muon_a, self.muon_b, self.muon_c = muon_a, muon_b, muon_c
        self.adam_lr_ratio, self.momentum, self.ns_steps, self.nesterov = adam_lr_ratio, momentum, ns_steps, nesterov
        self.exclude_embeddings, self.exclude_layers = exclude_embeddings, list(exclude_layers or [])
        self.adam_weight_decay, self.rms_rate = adam_weight_decay, rms_rate

    def _should_use_adamw(self, variable: Variable) -> bool:
        if len(variable.shape) != 2:
            return True
        path = backend.variable_path(variable)
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(keyword, path) for keyword in self.exclude_layers)

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self.momentums: list[Variable] = []
        self.adam_velocities: list[Variable | None] = []
        for var in variables:
            self.momentums.append(self.add_variable_from_reference(var, "momentum"))
            adam = self._should_use_adamw(var)
            self.adam_velocities.append(self.add_variable_from_reference(var, "velocity") if adam else None)

    def _apply_weight_decay(self, variables: list[Variable], lr: np.float32) -> None:
        for v in variables:
            if not self._use_weight_decay(v):
                continue
            wd = self.adam_weight_decay if self._should_use_adamw(v) else self.weight_decay
            if wd is None:
                continue
            dt = v.dtype.as_numpy_dtype
            value = v.numpy()
            v.assign(value - value * dt(wd) * lr.astype(dt))

    def update_step(self, gradient: Grad, variable: Variable, learning_rate: np.floating) -> None:
        m_var = self._slot(self.momentums, variable)
        v_var = self._slot(self.adam_velocities, variable)
        if v_var is not None:
            self._adamw_step(gradient, variable, learning_rate * learning_rate.dtype.type(self.adam_lr_ratio),
                             m_var, v_var)
        else:
            self._muon_step(dense(gradient), variable, learning_rate, m_var)

    def _adamw_step(self, gradient: Grad, variable: Variable, lr: np.floating, m_var: Variable,
                    v_var: Variable) -> None:
        dt = lr.dtype.type
        one = dt(1.0)
        step = dt(self._iterations.numpy() + 1)
        alpha = lr * np.sqrt(one - np.power(dt(self.adam_beta_2), step)) / (one - np.power(dt(self.adam_beta_1), step))
        m, v = _adam_moments(self, gradient, m_var, v_var, self.adam_beta_1, self.adam_beta_2)
        self.assign_sub(variable, (m * alpha) / (np.sqrt(v) + dt(self.epsilon)))

    def _muon_step(self, g: np.ndarray, variable: Variable, lr: np.floating, m_var: Variable) -> None:
        dt = lr.dtype.type
        m = m_var.numpy() + (g + m_var.numpy() * (dt(self.momentum) - dt(1.0)))
        self.assign(m_var, m)
        direction = g + dt(self.momentum) * m if self.nesterov else m
        update = lr * self.zeropower_via_newtonschulz5(direction, self.ns_steps)
        if self.rms_rate is not None:  # Moonlight's scaling: the update's RMS matches AdamW's
            update = update * np.sqrt(dt(max(update.shape[0], update.shape[1]))) * dt(self.rms_rate)
        self.assign_sub(variable, update)

    def zeropower_via_newtonschulz5(self, x: np.ndarray, steps: int) -> np.ndarray:
        """An approximate orthogonalization ``U S' Vᵀ`` of ``x`` by the quintic Newton–Schulz iteration (a tensor
        for a tensor, an array for an array)."""
        if isinstance(x, _TensorLike):
            return make(self.zeropower_via_newtonschulz5(np.asarray(x.numpy()), steps), NUMPY)
        if x.ndim < 2:
            raise ValueError(f"Expected gradient or momentum to have at least 2 dimensions. Received: shape={x.shape}")
        dt = x.dtype.type
        a, b, c = dt(self.muon_a), dt(self.muon_b), dt(self.muon_c)
        tall = x.shape[-2] > x.shape[-1]
        if tall:
            x = np.swapaxes(x, -1, -2)
        x = x / (np.sqrt(np.sum(np.square(x), axis=(-2, -1), keepdims=True)) + dt(1e-7))
        for _ in range(steps):
            gram = x @ np.swapaxes(x, -1, -2)
            x = a * x + (b * gram + (c * gram) @ gram) @ x
        return np.swapaxes(x, -1, -2) if tall else x

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "adam_beta_1": self.adam_beta_1, "adam_beta_2": self.adam_beta_2,
                "epsilon": self.epsilon, "exclude_layers": self.exclude_layers, "muon_a": self.muon_a,
                "muon_b": self.muon_b, "muon_c": self.muon_c, "adam_lr_ratio": self.adam_lr_ratio,
                "momentum": self.momentum, "ns_steps": self.ns_steps, "nesterov": self.nesterov,
                "exclude_embeddings": self.exclude_embeddings, "adam_weight_decay": self.adam_weight_decay,
                "rms_rate": self.rms_rate}


class ScheduleFreeAdamW(_SlotsMixin, Optimizer):
    """Schedule-free AdamW (Defazio et al., 2024): the ``momentum`` slot (started at the variable's value) takes
    Adam-normalized SGD steps ``z -= lr·g / (sqrt(v̂) + epsilon)``; the variable holds the interpolation
    ``y = (1 - beta_1)·z + beta_1·x`` of ``z`` and the running uniform average ``x`` of the ``z`` iterates (``x`` is
    recovered from ``y`` each step, from the updated ``z`` as Keras 3.15 does). ``warmup_steps`` ramps the learning
    rate linearly.

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> v = tf.Variable([1.0, -1.0])
    >>> _ = keras.optimizers.ScheduleFreeAdamW(learning_rate=0.1).apply_gradients([(tf.constant([2.0, -2.0]), v)])
    >>> [round(x, 4) for x in v.numpy().tolist()]
    [0.9, -0.9]
    """

    def __init__(self, learning_rate: Any = 0.0025, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-8, warmup_steps: int = 0, name: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.warmup_steps = beta_1, beta_2, epsilon, warmup_steps

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self._slots_for(variables, "momentum", "velocity")
        for z, var in zip(self._momentums, variables):
            self.assign(z, var.numpy().copy())  # its own buffer: the variable's may be updated in place

    def update_step(self, gradient: Grad, variable: Variable, learning_rate: np.floating) -> None:
        dt = learning_rate.dtype.type
        one = dt(1.0)
        step = dt(self._iterations.numpy() + 1)
        b1, b2 = dt(self.beta_1), dt(self.beta_2)
        lr = learning_rate
        if self.warmup_steps > 0:
            lr = lr * np.minimum(step / dt(self.warmup_steps), one)
        z_var, v_var = self._slot(self._momentums, variable), self._slot(self._velocities, variable)
        v = v_var.numpy() + (_per_slice(gradient, np.square) - v_var.numpy()) * (one - b2)
        self.assign(v_var, v)
        denom = np.sqrt(v / (one - np.power(b2, step))) + dt(self.epsilon)
        z = z_var.numpy() - (lr * dense(gradient)) / denom
        self.assign(z_var, z)
        weight = one / step
        # Keras means to recover x from the previous z, but its ``momentum.value`` is the variable itself, read
        # after the update above: x is recovered from the new z. We do the same, so the numbers are Keras's.
        x_old = (variable.numpy() - (one - b1) * z) / b1
        x_new = (one - weight) * x_old + weight * z
        self.assign(variable, (one - b1) * z + b1 * x_new)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "warmup_steps": self.warmup_steps}
