"""``tf.compat.v1.train``: TF 1's optimizers (their update rules, slot names and initial values, sparse updates),
the global step and the learning-rate decay functions, as TF 2 runs them eagerly.

In eager mode TF 1's ``minimize``/``compute_gradients`` need the loss as a callable (a RuntimeError otherwise, as
TF), ``apply_gradients`` returns None, and the decay functions return a callable that reads the global step when
called.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

import tapegrad as tf

_GLOBAL_STEP: list[Any] = []


def get_global_step(graph: Any = None) -> Any:
    """The global step variable (None before ``create_global_step``/``get_or_create_global_step``)."""
    return _GLOBAL_STEP[0] if _GLOBAL_STEP else None


def create_global_step(graph: Any = None) -> Any:
    """A new int64 ``global_step`` variable (ValueError if one exists)."""
    if _GLOBAL_STEP:
        raise ValueError("\"global_step\" already exists.")
    _GLOBAL_STEP.append(tf.Variable(np.int64(0), name="global_step", trainable=False, dtype=tf.int64))
    return _GLOBAL_STEP[0]


def get_or_create_global_step(graph: Any = None) -> Any:
    """The global step variable, made (int64 0) the first time.

    >>> import tapegrad as tf
    >>> tf.compat.v1.train.get_or_create_global_step().dtype
    tapegrad.int64
    """
    return get_global_step() or create_global_step()


def assert_global_step(global_step_tensor: Any) -> None:
    """A global step must be an integer scalar (TypeError otherwise)."""
    dt = getattr(global_step_tensor, "dtype", None)
    if dt is None or not tf.as_dtype(dt).is_integer:
        raise TypeError(f"Existing \"global_step\" does not have integer type: {dt}")
    if global_step_tensor.shape.rank not in (0, None):
        raise TypeError(f"Existing \"global_step\" is not scalar: {global_step_tensor.shape}")


def global_step(sess: Any, global_step_tensor: Any) -> int:
    """The global step's value as an int (``sess`` is ignored eagerly)."""
    return int(global_step_tensor.numpy())


_NAMES_USED: dict[str, int] = {}


def _unique(name: str) -> str:
    """TF 1's variable-scope naming of slots: ``w/Adam``, then ``w/Adam_1``, ``w/Adam_2``... for every later slot of a
    variable with that name, across optimizers (TF keeps the count for the whole program)."""
    k = _NAMES_USED.get(name, 0)
    _NAMES_USED[name] = k + 1
    return name if k == 0 else f"{name}_{k}"


# -- optimizers ----------------------------------------------------------------------------------------------------

def _value(x: Any) -> Any:
    x = x() if callable(x) else x
    return x.numpy() if hasattr(x, "numpy") else x


class Optimizer:
    """TF 1's optimizer base class: ``minimize``, ``compute_gradients``, ``apply_gradients``, slots
    (``get_slot``, ``get_slot_names``), ``variables()`` and ``get_name()``. Subclasses define ``_slots`` (name,
    initial value) and ``_dense`` (the update of one variable's array and its slot arrays; sparse gradients update
    the gradient's rows with it after summing duplicate indices, as TF 1)."""

    _slots: tuple[tuple[str, Any], ...] = ()

    def __init__(self, use_locking: bool, name: str) -> None:
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._name = name
        self._slot_vars: dict[str, dict[int, Any]] = {}
        self._extra: dict[str, Any] = {}

    def get_name(self) -> str:
        return self._name

    # -- gradients
    def compute_gradients(self, loss: Any, var_list: Any = None, gate_gradients: int = 1,
                          aggregation_method: Any = None, colocate_gradients_with_ops: bool = False,
                          grad_loss: Any = None) -> list[tuple[Any, Any]]:
        """``[(gradient, variable)]`` of ``loss()`` (a callable, eagerly) w.r.t. ``var_list`` (default: the
        trainable variables the loss read)."""
        if not callable(loss):
            raise RuntimeError("`loss` passed to Optimizer.compute_gradients should be a function when eager "
                               "execution is enabled.")
        with tf.GradientTape() as tape:
            if var_list is not None:
                tape.watch(list(var_list))
            value = loss()
        if var_list is None:
            var_list = tape.watched_variables()
        var_list = list(var_list)
        grads = tape.gradient(value, var_list, output_gradients=grad_loss)
        return list(zip(grads, var_list))

    def minimize(self, loss: Any, global_step: Any = None, var_list: Any = None, gate_gradients: int = 1,
                 aggregation_method: Any = None, colocate_gradients_with_ops: bool = False, name: str | None = None,
                 grad_loss: Any = None) -> None:
        """``apply_gradients(compute_gradients(loss, var_list), global_step)``."""
        pairs = self.compute_gradients(loss, var_list=var_list, grad_loss=grad_loss)
        vars_with_grad = [v for g, v in pairs if g is not None]
        if not vars_with_grad:
            raise ValueError(f"No gradients provided for any variable, check your graph for ops that do not support "
                             f"gradients, between variables {[str(v) for _, v in pairs]} and loss {loss}.")
        return self.apply_gradients(pairs, global_step=global_step, name=name)

    def apply_gradients(self, grads_and_vars: Any, global_step: Any = None, name: str | None = None) -> None:
        """Update each variable with its gradient (``None`` gradients are skipped; all None: ValueError) and add 1
        to ``global_step`` if given. Eagerly returns None, as TF."""
        pairs = list(grads_and_vars)
        if not pairs:
            raise ValueError("No variables provided.")
        live = [(g, v) for g, v in pairs if g is not None]
        if not live:
            raise ValueError(f"No gradients provided for any variable: {[str(v) for _, v in pairs]}.")
        for _, v in live:
            self._make_slots(v)
        self._prepare()
        for g, v in live:
            if isinstance(g, tf.IndexedSlices):
                self._apply_sparse(g, v)
            else:
                self._apply(np.asarray(_value(g), v.dtype.as_numpy_dtype), v)
        self._finish()
        if global_step is not None:
            global_step.assign_add(tf.ones([], global_step.dtype))
        return None

    # -- slots
    def _make_slots(self, var: Any) -> None:
        base = var.name.split(":")[0]
        for slot, init in self._slots_for(var):
            table = self._slot_vars.setdefault(slot, {})
            if id(var) in table:
                continue
            value = np.full(var.shape.as_list(), init(var) if callable(init) else init, var.dtype.as_numpy_dtype)
            table[id(var)] = tf.Variable(value, name=_unique(f"{base}/{self._name}"), trainable=False)

    def _slots_for(self, var: Any) -> tuple[tuple[str, Any], ...]:
        return self._slots

    def get_slot(self, var: Any, name: str) -> Any:
        """The slot variable ``name`` of ``var`` (None if it has none)."""
        return self._slot_vars.get(name, {}).get(id(var))

    def get_slot_names(self) -> list[str]:
        """The slot names this optimizer makes, sorted."""
        return sorted({s for s, _ in self._slots} | set(self._slot_vars))

    def variables(self) -> list[Any]:
        """The optimizer's variables (slots and extra state such as Adam's ``beta1_power``), sorted by name."""
        out = [v for table in self._slot_vars.values() for v in table.values()] + list(self._extra.values())
        return sorted(out, key=lambda v: v.name)

    # -- updates
    def _prepare(self) -> None:
        pass

    def _finish(self) -> None:
        pass

    def _slot_arrays(self, var: Any) -> dict[str, np.ndarray]:
        return {s: self._slot_vars[s][id(var)].numpy() for s, _ in self._slots_for(var)}

    def _apply(self, grad: np.ndarray, var: Any) -> None:
        slots = self._slot_arrays(var)
        new_var = self._dense(var.numpy(), grad, slots)
        for s, arr in slots.items():
            self._slot_vars[s][id(var)].assign(arr)
        var.assign(new_var)

    def _apply_sparse(self, grad: Any, var: Any) -> None:
        # TF 1 sums the rows of repeated indices first, then updates only the rows given
        uniq, summed = _deduplicated(grad, var)
        full = var.numpy()
        slots = self._slot_arrays(var)
        rows = {s: a[uniq] for s, a in slots.items()}
        full[uniq] = self._dense(full[uniq], summed, rows)
        for s, arr in slots.items():
            arr[uniq] = rows[s]
            self._slot_vars[s][id(var)].assign(arr)
        var.assign(full)

    def _dense(self, var: np.ndarray, grad: np.ndarray, slots: dict[str, np.ndarray]) -> np.ndarray:
        raise NotImplementedError


def _deduplicated(grad: Any, var: Any) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct indices of a sparse gradient and its rows summed per index."""
    idx = np.asarray(grad.indices.numpy()).astype(np.int64)
    vals = np.asarray(grad.values.numpy(), var.dtype.as_numpy_dtype)
    uniq, inverse = np.unique(idx, return_inverse=True)
    summed = np.zeros((len(uniq),) + vals.shape[1:], vals.dtype)
    np.add.at(summed, inverse, vals)
    return uniq, summed


def _f(x: Any, dtype: Any) -> Any:
    return np.asarray(_value(x), dtype)[()]


class GradientDescentOptimizer(Optimizer):
    """TF 1's SGD: ``var -= lr * grad``.

    >>> import tapegrad as tf
    >>> v = tf.Variable([1.0, 2.0])
    >>> tf.compat.v1.train.GradientDescentOptimizer(0.1).apply_gradients([(tf.constant([1.0, 1.0]), v)])
    >>> [round(float(x), 6) for x in v.numpy()]
    [0.9, 1.9]
    """

    def __init__(self, learning_rate: Any, use_locking: bool = False, name: str = "GradientDescent") -> None:
        super().__init__(use_locking, name)
        self._lr = learning_rate

    def _dense(self, var: np.ndarray, grad: np.ndarray, slots: dict[str, np.ndarray]) -> np.ndarray:
        return var - _f(self._lr, var.dtype) * grad


class MomentumOptimizer(Optimizer):
    """TF 1's momentum: ``accum = momentum * accum + grad``; ``var -= lr * accum`` (Nesterov:
    ``var -= lr * (grad + momentum * accum)``); slot ``momentum``."""

    _slots = (("momentum", 0.0),)

    def __init__(self, learning_rate: Any, momentum: Any, use_locking: bool = False, name: str = "Momentum",
                 use_nesterov: bool = False) -> None:
        super().__init__(use_locking, name)
        self._lr, self._momentum, self._nesterov = learning_rate, momentum, use_nesterov

    def _dense(self, var: np.ndarray, grad: np.ndarray, slots: dict[str, np.ndarray]) -> np.ndarray:
        lr, mu = _f(self._lr, var.dtype), _f(self._momentum, var.dtype)
        accum = slots["momentum"] = slots["momentum"] * mu + grad
        if self._nesterov:
            return var - (grad * lr + accum * mu * lr)
        return var - lr * accum


class AdamOptimizer(Optimizer):
    """TF 1's Adam: ``lr_t = lr·sqrt(1-β2^t)/(1-β1^t)``, ``var -= lr_t·m/(sqrt(v)+ε)`` with ε outside the square
    root and the powers ``beta1_power``/``beta2_power`` kept as variables; slots ``m``, ``v``. A sparse gradient
    decays all of ``m``/``v`` and moves every row of the variable, as TF 1's (non-lazy) Adam."""

    _slots = (("m", 0.0), ("v", 0.0))

    def __init__(self, learning_rate: Any = 0.001, beta1: Any = 0.9, beta2: Any = 0.999, epsilon: Any = 1e-8,
                 use_locking: bool = False, name: str = "Adam") -> None:
        super().__init__(use_locking, name)
        self._lr, self._beta1, self._beta2, self._eps = learning_rate, beta1, beta2, epsilon

    def _make_slots(self, var: Any) -> None:
        super()._make_slots(var)
        if "beta1_power" not in self._extra:
            dt = var.dtype
            self._extra["beta1_power"] = tf.Variable(tf.constant(_value(self._beta1), dt), name="beta1_power",
                                                     trainable=False)
            self._extra["beta2_power"] = tf.Variable(tf.constant(_value(self._beta2), dt), name="beta2_power",
                                                     trainable=False)

    def _lr_t(self, dtype: Any) -> Any:
        b1p = _f(self._extra["beta1_power"].numpy(), dtype)
        b2p = _f(self._extra["beta2_power"].numpy(), dtype)
        return _f(self._lr, dtype) * np.sqrt(1 - b2p) / (1 - b1p)

    def _dense(self, var: np.ndarray, grad: np.ndarray, slots: dict[str, np.ndarray]) -> np.ndarray:
        dt = var.dtype
        b1, b2, eps = _f(self._beta1, dt), _f(self._beta2, dt), _f(self._eps, dt)
        m = slots["m"] = slots["m"] + (grad - slots["m"]) * (1 - b1)
        v = slots["v"] = slots["v"] + (grad * grad - slots["v"]) * (1 - b2)
        return var - self._lr_t(dt) * m / (np.sqrt(v) + eps)

    def _apply_sparse(self, grad: Any, var: Any) -> None:
        dt = var.dtype.as_numpy_dtype
        b1, b2, eps = _f(self._beta1, dt), _f(self._beta2, dt), _f(self._eps, dt)
        idx, vals = _deduplicated(grad, var)
        m = self._slot_vars["m"][id(var)].numpy() * b1
        np.add.at(m, idx, vals * (1 - b1))
        v = self._slot_vars["v"][id(var)].numpy() * b2
        np.add.at(v, idx, vals * vals * (1 - b2))
        self._slot_vars["m"][id(var)].assign(m)
        self._slot_vars["v"][id(var)].assign(v)
        var.assign(var.numpy() - self._lr_t(dt) * m / (np.sqrt(v) + eps))

    def _finish(self) -> None:
        for key, beta in (("beta1_power", self._beta1), ("beta2_power", self._beta2)):
            p = self._extra[key]
            p.assign(p.numpy() * _f(beta, p.dtype.as_numpy_dtype))


class AdagradOptimizer(Optimizer):
    """TF 1's Adagrad: ``accum += grad²``; ``var -= lr·grad/sqrt(accum)`` (no epsilon); slot ``accumulator``
    starting at ``initial_accumulator_value`` (0.1)."""

    def __init__(self, learning_rate: Any, initial_accumulator_value: float = 0.1, use_locking: bool = False,
                 name: str = "Adagrad") -> None:
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: {initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._slots = (("accumulator", initial_accumulator_value),)

    def _dense(self, var: np.ndarray, grad: np.ndarray, slots: dict[str, np.ndarray]) -> np.ndarray:
        accum = slots["accumulator"] = slots["accumulator"] + grad * grad
        return var - _f(self._lr, var.dtype) * grad / np.sqrt(accum)


class RMSPropOptimizer(Optimizer):
    """TF 1's RMSProp: ``ms += (grad² - ms)(1-decay)``; ``mom = momentum·mom + lr·grad/sqrt(ms + ε)`` (centered:
    ``ms - mg²``); ``var -= mom``. Slots ``rms`` (starting at ones, as TF 1), ``mg`` (centered), ``momentum``."""

    def __init__(self, learning_rate: Any, decay: Any = 0.9, momentum: Any = 0.0, epsilon: Any = 1e-10,
                 use_locking: bool = False, centered: bool = False, name: str = "RMSProp") -> None:
        super().__init__(use_locking, name)
        self._lr, self._decay, self._momentum, self._eps, self._centered = learning_rate, decay, momentum, epsilon, \
            centered
        self._slots = (("rms", 1.0),) + ((("mg", 0.0),) if centered else ()) + (("momentum", 0.0),)

    def _dense(self, var: np.ndarray, grad: np.ndarray, slots: dict[str, np.ndarray]) -> np.ndarray:
        dt = var.dtype
        rho, mu, eps, lr = _f(self._decay, dt), _f(self._momentum, dt), _f(self._eps, dt), _f(self._lr, dt)
        ms = slots["rms"] = slots["rms"] + (grad * grad - slots["rms"]) * (1 - rho)
        if self._centered:
            mg = slots["mg"] = slots["mg"] + (grad - slots["mg"]) * (1 - rho)
            denom = ms - mg * mg + eps
        else:
            denom = ms + eps
        mom = slots["momentum"] = slots["momentum"] * mu + lr * grad / np.sqrt(denom)
        return var - mom


class AdadeltaOptimizer(Optimizer):
    """TF 1's Adadelta: slots ``accum``, ``accum_update``; ``update = sqrt(accum_update+ε)/sqrt(accum+ε)·grad``."""

    _slots = (("accum", 0.0), ("accum_update", 0.0))

    def __init__(self, learning_rate: Any = 0.001, rho: Any = 0.95, epsilon: Any = 1e-8, use_locking: bool = False,
                 name: str = "Adadelta") -> None:
        super().__init__(use_locking, name)
        self._lr, self._rho, self._eps = learning_rate, rho, epsilon

    def _dense(self, var: np.ndarray, grad: np.ndarray, slots: dict[str, np.ndarray]) -> np.ndarray:
        dt = var.dtype
        rho, eps, lr = _f(self._rho, dt), _f(self._eps, dt), _f(self._lr, dt)
        accum = slots["accum"] = slots["accum"] * rho + grad * grad * (1 - rho)
        update = np.sqrt(slots["accum_update"] + eps) / np.sqrt(accum + eps) * grad
        slots["accum_update"] = slots["accum_update"] * rho + update * update * (1 - rho)
        return var - update * lr


class FtrlOptimizer(Optimizer):
    """TF 1's FTRL-proximal (slots ``accum`` from ``initial_accumulator_value``, ``linear``; ``l1``, ``l2``,
    ``l2_shrinkage`` and ``beta`` as TF 1's kernel)."""

    def __init__(self, learning_rate: Any, learning_rate_power: float = -0.5, initial_accumulator_value: float = 0.1,
                 l1_regularization_strength: float = 0.0, l2_regularization_strength: float = 0.0,
                 use_locking: bool = False, name: str = "Ftrl", accum_name: str | None = None,
                 linear_name: str | None = None, l2_shrinkage_regularization_strength: float = 0.0,
                 beta: float | None = None) -> None:
        super().__init__(use_locking, name)
        if initial_accumulator_value < 0.0:
            raise ValueError(f"initial_accumulator_value {initial_accumulator_value} needs to be positive or zero")
        if learning_rate_power > 0.0:
            raise ValueError(f"learning_rate_power {learning_rate_power} needs to be negative or zero")
        self._lr, self._power = learning_rate, learning_rate_power
        self._l1, self._l2 = l1_regularization_strength, l2_regularization_strength
        self._shrink, self._beta = l2_shrinkage_regularization_strength, 0.0 if beta is None else beta
        self._slots = (("accum", initial_accumulator_value), ("linear", 0.0))

    def _dense(self, var: np.ndarray, grad: np.ndarray, slots: dict[str, np.ndarray]) -> np.ndarray:
        dt = var.dtype
        lr, p = _f(self._lr, dt), _f(self._power, dt)
        l1 = _f(self._l1, dt)
        l2 = _f(self._l2, dt) + _f(self._beta, dt) / (2 * lr)  # TF 1 folds beta into l2
        g_shrunk = grad + 2 * _f(self._shrink, dt) * var if self._shrink else grad
        accum = slots["accum"]
        new_accum = accum + grad * grad
        sigma = (np.power(new_accum, -p) - np.power(accum, -p)) / lr
        linear = slots["linear"] = slots["linear"] + g_shrunk - sigma * var
        quadratic = np.power(new_accum, -p) / lr + 2 * l2
        slots["accum"] = new_accum
        return np.where(np.abs(linear) > l1, (np.sign(linear) * l1 - linear) / quadratic, 0).astype(dt)


def _proximal(prox: np.ndarray, lr: Any, l1: Any, l2: Any) -> np.ndarray:
    if l1 > 0:
        return np.sign(prox) * np.maximum(np.abs(prox) - lr * l1, 0) / (1 + l2 * lr)
    return prox / (1 + l2 * lr)


class ProximalGradientDescentOptimizer(Optimizer):
    """TF 1's proximal SGD: ``prox = var - lr·grad``, then the l1 soft threshold and l2 shrinkage."""

    def __init__(self, learning_rate: Any, l1_regularization_strength: float = 0.0,
                 l2_regularization_strength: float = 0.0, use_locking: bool = False,
                 name: str = "ProximalGradientDescent") -> None:
        super().__init__(use_locking, name)
        self._lr, self._l1, self._l2 = learning_rate, l1_regularization_strength, l2_regularization_strength

    def _dense(self, var: np.ndarray, grad: np.ndarray, slots: dict[str, np.ndarray]) -> np.ndarray:
        dt = var.dtype
        lr = _f(self._lr, dt)
        return _proximal(var - lr * grad, lr, _f(self._l1, dt), _f(self._l2, dt)).astype(dt)


class ProximalAdagradOptimizer(Optimizer):
    """TF 1's proximal Adagrad: ``accum += grad²``, ``lr_t = lr/sqrt(accum)``, then the proximal step."""

    def __init__(self, learning_rate: Any, initial_accumulator_value: float = 0.1,
                 l1_regularization_strength: float = 0.0, l2_regularization_strength: float = 0.0,
                 use_locking: bool = False, name: str = "ProximalAdagrad") -> None:
        super().__init__(use_locking, name)
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: {initial_accumulator_value}")
        self._lr, self._l1, self._l2 = learning_rate, l1_regularization_strength, l2_regularization_strength
        self._slots = (("accumulator", initial_accumulator_value),)

    def _dense(self, var: np.ndarray, grad: np.ndarray, slots: dict[str, np.ndarray]) -> np.ndarray:
        dt = var.dtype
        accum = slots["accumulator"] = slots["accumulator"] + grad * grad
        lr_t = _f(self._lr, dt) / np.sqrt(accum)
        return _proximal(var - lr_t * grad, lr_t, _f(self._l1, dt), _f(self._l2, dt)).astype(dt)


# -- learning-rate decay (eagerly: a callable reading the global step when called) ---------------------------------

def _schedule(rule: Callable[[Any, Any], Any], learning_rate: Any, global_step: Any) -> Callable[[], Any]:
    if global_step is None:
        raise ValueError("global_step is required for the decay functions.")

    def decayed() -> Any:
        lr = tf.convert_to_tensor(_value(learning_rate))
        dt = lr.dtype.as_numpy_dtype
        step = np.asarray(_value(global_step)).astype(dt)
        return tf.constant(np.asarray(rule(np.asarray(lr.numpy(), dt), step), dt))

    return functools.partial(decayed)


def _p(step: Any, decay_steps: Any, staircase: bool, dt: Any) -> Any:
    p = step / np.asarray(decay_steps, dt)
    return np.floor(p) if staircase else p


def exponential_decay(learning_rate: Any, global_step: Any, decay_steps: Any, decay_rate: Any,
                      staircase: bool = False, name: str | None = None) -> Callable[[], Any]:
    """``lr · rate^(step/decay_steps)`` (floored exponent with ``staircase``).

    >>> import tapegrad as tf
    >>> round(float(tf.compat.v1.train.exponential_decay(0.1, 10, 5, 0.5)()), 6)
    0.025
    """
    return _schedule(lambda lr, s: lr * np.power(np.asarray(decay_rate, lr.dtype),
                                                 _p(s, decay_steps, staircase, lr.dtype)), learning_rate, global_step)


def natural_exp_decay(learning_rate: Any, global_step: Any, decay_steps: Any, decay_rate: Any,
                      staircase: bool = False, name: str | None = None) -> Callable[[], Any]:
    """``lr · exp(-rate · step/decay_steps)``."""
    return _schedule(lambda lr, s: lr * np.exp(-np.asarray(decay_rate, lr.dtype) *
                                               _p(s, decay_steps, staircase, lr.dtype)), learning_rate, global_step)


def inverse_time_decay(learning_rate: Any, global_step: Any, decay_steps: Any, decay_rate: Any,
                       staircase: bool = False, name: str | None = None) -> Callable[[], Any]:
    """``lr / (1 + rate · step/decay_steps)``."""
    return _schedule(lambda lr, s: lr / (1 + np.asarray(decay_rate, lr.dtype) *
                                         _p(s, decay_steps, staircase, lr.dtype)), learning_rate, global_step)


def polynomial_decay(learning_rate: Any, global_step: Any, decay_steps: Any, end_learning_rate: float = 0.0001,
                     power: float = 1.0, cycle: bool = False, name: str | None = None) -> Callable[[], Any]:
    """``(lr - end)(1 - step/decay_steps)^power + end`` (the step capped at ``decay_steps``, or with ``cycle`` the
    horizon stretched to the next multiple)."""
    def rule(lr: Any, s: Any) -> Any:
        dt = lr.dtype
        steps = np.asarray(decay_steps, dt)
        if cycle:
            mult = np.where(s == 0, np.asarray(1.0, dt), np.ceil(s / steps))
            steps = steps * mult
        else:
            s = np.minimum(s, steps)
        end = np.asarray(end_learning_rate, dt)
        return (lr - end) * np.power(1 - s / steps, np.asarray(power, dt)) + end
    return _schedule(rule, learning_rate, global_step)


def piecewise_constant(x: Any, boundaries: Any, values: Any, name: str | None = None) -> Callable[[], Any]:
    """``values[i]`` for ``boundaries[i-1] < x <= boundaries[i]`` (``values`` has one more entry)."""
    if len(values) != len(boundaries) + 1:
        raise ValueError("The length of boundaries should be 1 less than the length of values")

    def value() -> Any:
        step = np.asarray(_value(x))
        for b, v in zip(boundaries, values):
            if step <= b:
                return tf.convert_to_tensor(v)
        return tf.convert_to_tensor(values[-1])

    return functools.partial(value)


piecewise_constant_decay = piecewise_constant


def cosine_decay(learning_rate: Any, global_step: Any, decay_steps: Any, alpha: float = 0.0,
                 name: str | None = None) -> Callable[[], Any]:
    """``lr · ((1-α)·½(1 + cos(π·min(step, decay_steps)/decay_steps)) + α)``."""
    def rule(lr: Any, s: Any) -> Any:
        dt = lr.dtype
        frac = np.minimum(s, np.asarray(decay_steps, dt)) / np.asarray(decay_steps, dt)
        cosine = np.asarray(0.5, dt) * (1 + np.cos(np.asarray(math.pi, dt) * frac))
        return lr * ((1 - np.asarray(alpha, dt)) * cosine + np.asarray(alpha, dt))
    return _schedule(rule, learning_rate, global_step)


def cosine_decay_restarts(learning_rate: Any, global_step: Any, first_decay_steps: Any, t_mul: float = 2.0,
                          m_mul: float = 1.0, alpha: float = 0.0, name: str | None = None) -> Callable[[], Any]:
    """SGDR: cosine decay restarted after ``first_decay_steps``, each period ``t_mul`` times longer and ``m_mul``
    times lower."""
    def rule(lr: Any, s: Any) -> Any:
        dt = lr.dtype
        frac = s / np.asarray(first_decay_steps, dt)
        tm, mm = np.asarray(t_mul, dt), np.asarray(m_mul, dt)
        if t_mul == 1.0:
            restarts = np.floor(frac)
            frac = frac - restarts
        else:
            restarts = np.floor(np.log(1 - frac * (1 - tm)) / np.log(tm))
            done = (1 - np.power(tm, restarts)) / (1 - tm)
            frac = (frac - done) / np.power(tm, restarts)
        cosine = np.asarray(0.5, dt) * np.power(mm, restarts) * (1 + np.cos(np.asarray(math.pi, dt) * frac))
        return lr * ((1 - np.asarray(alpha, dt)) * cosine + np.asarray(alpha, dt))
    return _schedule(rule, learning_rate, global_step)


def linear_cosine_decay(learning_rate: Any, global_step: Any, decay_steps: Any, num_periods: float = 0.5,
                        alpha: float = 0.0, beta: float = 0.001, name: str | None = None) -> Callable[[], Any]:
    """``lr · ((α + linear)·cosine + β)`` with ``linear = (decay_steps - step)/decay_steps`` and a cosine of
    ``num_periods`` periods."""
    def rule(lr: Any, s: Any) -> Any:
        dt = lr.dtype
        steps = np.asarray(decay_steps, dt)
        s = np.minimum(s, steps)
        linear = (steps - s) / steps
        cosine = np.asarray(0.5, dt) * (1 + np.cos(np.asarray(math.pi, dt) * 2 * np.asarray(num_periods, dt) *
                                                   s / steps))
        return lr * ((np.asarray(alpha, dt) + linear) * cosine + np.asarray(beta, dt))
    return _schedule(rule, learning_rate, global_step)


# -- Saver (eagerly: an explicit var_list; tapegrad's checkpoint files) --------------------------------------------

class Saver:
    """TF 1's ``train.Saver`` as TF 2 runs it eagerly: ``var_list`` (a list, or a dict name -> variable) is
    required; ``save(sess, save_path, global_step)`` writes ``save_path[-step]`` (tapegrad's ``.npz`` checkpoint
    format, keyed by the variables' names without ``:0``), updates the ``checkpoint`` state file (the newest
    ``max_to_keep`` paths; older files are deleted) and returns the path; ``restore(sess, save_path)`` assigns the
    saved values by name. ``sess`` is ignored (there is no session).

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> v = tf.Variable([1.0, 2.0], name="v")
    >>> saver = tf.compat.v1.train.Saver([v])
    >>> path = saver.save(None, os.path.join(tempfile.mkdtemp(), "model"), global_step=3)
    >>> os.path.basename(path)
    'model-3'
    >>> _ = v.assign([0.0, 0.0]); saver.restore(None, path); v.numpy().tolist()
    [1.0, 2.0]
    """

    def __init__(self, var_list: Any = None, reshape: bool = False, sharded: bool = False, max_to_keep: int = 5,
                 keep_checkpoint_every_n_hours: float = 10000.0, name: str | None = None, restore_sequentially: bool
                 = False, saver_def: Any = None, builder: Any = None, defer_build: bool = False,
                 allow_empty: bool = False, write_version: Any = None, pad_step_number: bool = False,
                 save_relative_paths: bool = False, filename: Any = None) -> None:
        if var_list is None:
            raise RuntimeError("When eager execution is enabled, `var_list` must specify a list or dict of variables "
                               "to save")
        items = var_list.items() if isinstance(var_list, dict) else ((v.name.split(":")[0], v) for v in var_list)
        self._vars: dict[str, Any] = {}
        for key, v in items:
            if key in self._vars:
                raise ValueError(f"At least two variables have the same name: {key}")
            self._vars[key] = v
        if not self._vars and not allow_empty:
            raise ValueError("No variables to save")
        self._max_to_keep, self._pad = max_to_keep, pad_step_number
        self._last: list[str] = []

    def save(self, sess: Any, save_path: Any, global_step: Any = None, latest_filename: str | None = None,
             meta_graph_suffix: str = "meta", write_meta_graph: bool = True, write_state: bool = True,
             strip_default_attrs: bool = False, save_debug_info: bool = False) -> str:
        import os
        from pathlib import Path

        from ..train import _write_npz_atomic

        path = os.fspath(save_path)
        if global_step is not None:
            step = int(_value(global_step))
            path = f"{path}-{step:08d}" if self._pad else f"{path}-{step}"
        arrays = {k: v.numpy() for k, v in self._vars.items()}
        _write_npz_atomic(Path(path + ".npz"), arrays, {"saver": "tf.compat.v1.train.Saver"})
        if path in self._last:
            self._last.remove(path)
        self._last.append(path)
        while self._max_to_keep and len(self._last) > self._max_to_keep:
            Path(self._last.pop(0) + ".npz").unlink(missing_ok=True)
        if write_state:
            state = Path(path).parent / (latest_filename or "checkpoint")
            names = [Path(p).name for p in self._last]
            state.write_text(f'model_checkpoint_path: "{names[-1]}"\n' +
                             "".join(f'all_model_checkpoint_paths: "{n}"\n' for n in names))
        return path

    def restore(self, sess: Any, save_path: Any) -> None:
        from ..errors import NotFoundError
        from ..train import _read_npz, _resolve_file

        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        arrays, _ = _read_npz(_resolve_file(save_path))
        for key, v in self._vars.items():
            if key not in arrays:
                raise NotFoundError(f"Key {key} not found in checkpoint {save_path}")
            v.assign(arrays[key])

    @property
    def last_checkpoints(self) -> list[str]:
        """The paths this Saver wrote and still keeps, oldest first."""
        return list(self._last)


# -- checkpoint-file utilities of TF 1 (on tapegrad's checkpoint files) ----------------------------------------------

def _files(prefix: Any) -> list[Any]:
    import os
    from pathlib import Path

    p = Path(os.fspath(prefix))
    return [f for f in (p.with_name(p.name + ".npz"), p) if f.is_file()]


def checkpoint_exists(checkpoint_prefix: Any) -> bool:
    """Whether a checkpoint was written at ``checkpoint_prefix``."""
    return bool(_files(checkpoint_prefix))


def get_checkpoint_mtimes(checkpoint_prefixes: Any) -> list[float]:
    """The modification times of the checkpoints that exist among ``checkpoint_prefixes``."""
    return [f[0].stat().st_mtime for f in map(_files, checkpoint_prefixes) if f]


def remove_checkpoint(checkpoint_prefix: Any, checkpoint_format_version: Any = None,
                      meta_graph_suffix: str = "meta") -> None:
    """Delete the checkpoint written at ``checkpoint_prefix``."""
    for f in _files(checkpoint_prefix):
        f.unlink()


def NewCheckpointReader(filepattern: Any) -> Any:  # noqa: N802 - TF's name
    """A reader of a checkpoint (``tf.train.load_checkpoint``)."""
    return tf.train.load_checkpoint(filepattern)


def generate_checkpoint_state_proto(save_dir: Any, model_checkpoint_path: str,
                                    all_model_checkpoint_paths: Any = None, all_model_checkpoint_timestamps: Any = None,
                                    last_preserved_timestamp: Any = None) -> Any:
    """A ``CheckpointState`` naming ``model_checkpoint_path`` last among ``all_model_checkpoint_paths``."""
    from .._train_utils import CheckpointState

    paths = list(all_model_checkpoint_paths or [])
    if not paths or paths[-1] != model_checkpoint_path:
        paths.append(model_checkpoint_path)
    return CheckpointState(model_checkpoint_path, paths, list(all_model_checkpoint_timestamps or []),
                           last_preserved_timestamp)


def update_checkpoint_state(save_dir: Any, model_checkpoint_path: str, all_model_checkpoint_paths: Any = None,
                            latest_filename: str | None = None, all_model_checkpoint_timestamps: Any = None,
                            last_preserved_timestamp: Any = None) -> None:
    """Write ``save_dir``'s ``checkpoint`` state file (paths inside ``save_dir`` are written relative to it)."""
    import os
    from pathlib import Path

    state = generate_checkpoint_state_proto(save_dir, model_checkpoint_path, all_model_checkpoint_paths)
    base = Path(os.fspath(save_dir))

    def rel(p: str) -> str:
        q = Path(p)
        return os.fspath(q.relative_to(base)) if q.is_absolute() and base.resolve() in q.resolve().parents else p

    lines = [f'model_checkpoint_path: "{rel(state.model_checkpoint_path)}"']
    lines += [f'all_model_checkpoint_paths: "{rel(p)}"' for p in state.all_model_checkpoint_paths]
    (base / (latest_filename or "checkpoint")).write_text("\n".join(lines) + "\n")


def summary_iterator(path: Any) -> Any:
    """The ``Event`` records of a TensorBoard event file, in order."""
    from .._summary_pb import read_events

    return iter(read_events(path))


def noisy_linear_cosine_decay(learning_rate: Any, global_step: Any, decay_steps: Any, initial_variance: float = 1.0,
                              variance_decay: float = 0.55, num_periods: float = 0.5, alpha: float = 0.0,
                              beta: float = 0.001, name: str | None = None) -> Callable[[], Any]:
    """Linear cosine decay with Gaussian noise on the linear term (variance ``initial_variance / (1 + step) **
    variance_decay``; a new draw on each call, as TF)."""
    def rule(lr: Any, s: Any) -> Any:
        dt = lr.dtype
        steps = np.asarray(decay_steps, dt)
        s = np.minimum(s, steps)
        linear = (steps - s) / steps
        var = np.asarray(initial_variance, dt) / np.power(1 + s, np.asarray(variance_decay, dt))
        noise = np.asarray(tf.random.normal([], 0.0, float(np.sqrt(var)), dtype=tf.as_dtype(dt.name)).numpy(), dt)
        cosine = np.asarray(0.5, dt) * (1 + np.cos(np.asarray(math.pi, dt) * 2 * np.asarray(num_periods, dt) *
                                                   s / steps))
        return lr * ((np.asarray(alpha, dt) + linear + noise) * cosine + np.asarray(beta, dt))
    return _schedule(rule, learning_rate, global_step)


class Checkpoint(tf.train.Checkpoint):
    """TF 1's ``train.Checkpoint``: TF 2's, with TF 1's ``session`` arguments (ignored eagerly)."""

    def save(self, file_prefix: Any, session: Any = None, options: Any = None) -> str:  # type: ignore[override]
        return super().save(file_prefix)

    def restore(self, save_path: Any, options: Any = None) -> Any:  # type: ignore[override]
        return super().restore(save_path)
