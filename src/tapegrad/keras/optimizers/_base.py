"""The optimizer base class: Keras 3's ``apply``/``apply_gradients`` pipeline.

One step, as Keras 3 runs it on the TensorFlow backend:

1. on first use, ``build(variables)`` creates the slot variables (later calls must use the same variables);
2. ``None`` gradients are dropped with a ``UserWarning`` naming the variables (all ``None`` → ``ValueError``);
3. gradients are divided by ``loss_scale_factor``, then clipped (``clipnorm`` per gradient, ``global_clipnorm``
   over all of them, or ``clipvalue`` elementwise);
4. decoupled weight decay ``v -= v * weight_decay * lr`` (``weight_decay`` set; AdamW's default);
5. the optimizer's update rule, at the learning rate of the current ``iterations``;
6. variable constraints; with ``use_ema`` the moving averages of the weights; then ``iterations += 1``.

``IndexedSlices`` gradients (from ``gather``/``Embedding``) follow Keras's sparse arithmetic: scalar products and
elementwise functions act on the slice values (so squares of repeated rows are added, not the square of their sum),
sums with a dense tensor densify, and updates that stay sparse are applied with ``Variable.scatter_add`` /
``scatter_sub`` — only the looked-up rows change.

All arithmetic is float32 NumPy in Keras's operation order, so trajectories match Keras 3 to float32 rounding.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..._backend import NUMPY
from ..._tape import local
from ..._tensor import Tensor, Variable, _TensorLike, make
from ...gradient_tape import GradientTape
from .. import backend
from ..layers._base import variable_constraint
from ..variables import unwrap
from .schedules import LearningRateSchedule

__all__ = ["Optimizer", "Sparse"]


class Sparse:
    """A row-sparse gradient (an ``IndexedSlices`` as NumPy): ``values[i]`` belongs to row ``indices[i]``."""

    __slots__ = ("values", "indices", "shape")

    def __init__(self, values: np.ndarray, indices: np.ndarray, shape: tuple[int, ...]) -> None:
        self.values, self.indices, self.shape = values, indices, shape

    def with_values(self, values: np.ndarray) -> Sparse:
        return Sparse(values, self.indices, self.shape)

    def dense(self) -> np.ndarray:
        out = np.zeros(self.shape, dtype=self.values.dtype)
        np.add.at(out, self.indices, self.values)
        return out

    def gather(self, dense: np.ndarray) -> np.ndarray:
        """Rows of a dense array at this gradient's indices (to combine it with dense state)."""
        return dense[self.indices]

    def as_indexed_slices(self) -> Any:
        from ..._indexed_slices import IndexedSlices

        return IndexedSlices(make(self.values, NUMPY), make(self.indices, NUMPY),
                             make(np.asarray(self.shape, dtype=np.int32), NUMPY))


Grad = np.ndarray | Sparse


def dense(g: Grad) -> np.ndarray:
    """The dense array of a gradient (duplicate sparse rows summed)."""
    return g.dense() if isinstance(g, Sparse) else g


def _same_array(variable: Variable, value: Any) -> bool:
    """``value`` is an update the variable takes as it is: an ndarray of its dtype and shape (no cast, no broadcast)."""
    own = variable._value
    return type(value) is np.ndarray and value.dtype == own.dtype and value.shape == own.shape


def _as_grad(g: Any, dtype: np.dtype) -> Grad:
    if type(g).__name__ == "IndexedSlices":
        values = np.asarray(g.values.numpy()).astype(dtype, copy=False)
        shape = tuple(int(d) for d in np.asarray(g.dense_shape.numpy()).reshape(-1))
        return Sparse(values, np.asarray(g.indices.numpy()).astype(np.int64), shape)
    if isinstance(g, _TensorLike):
        return np.asarray(g.numpy()).astype(dtype, copy=False)
    return np.asarray(g).astype(dtype, copy=False)


def _sum_of_squares(g: Grad) -> np.float32:
    vals = g.values if isinstance(g, Sparse) else g
    return np.sum(np.square(vals))


class Optimizer:
    """Base class of Keras optimizers (see the module docstring for what one step does).

    Subclasses implement ``build`` (slot variables, via :meth:`add_variable_from_reference`) and
    ``update_step(gradient, variable, learning_rate)`` on NumPy arrays / :class:`Sparse` gradients, using
    :meth:`assign`, :meth:`assign_add` and :meth:`assign_sub` (which keep sparse updates sparse).
    """

    def __init__(self, learning_rate: Any, weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None, use_ema: bool = False,
                 ema_momentum: float = 0.99, ema_overwrite_frequency: int | None = None,
                 loss_scale_factor: float | None = None, gradient_accumulation_steps: int | None = None,
                 name: str | None = None, **kwargs: Any) -> None:
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.", stacklevel=2)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if gradient_accumulation_steps and not (isinstance(gradient_accumulation_steps, (int, np.integer))
                                                and gradient_accumulation_steps >= 2):
            raise ValueError(f"`gradient_accumulation_steps` must be an integer >= 2. Received: "
                             f"gradient_accumulation_steps={gradient_accumulation_steps}")
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(f"Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                             f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}")
        self.name = name if name is not None else backend.auto_name(type(self).__name__)
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.use_ema, self.ema_momentum, self.ema_overwrite_frequency = use_ema, ema_momentum, ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._variables: list[Variable] = []
        self._trainable_variables: list[Variable] = []
        self._index: dict[int, int] = {}
        self._iterations = self._make_variable(np.int64(0), "iteration")
        if isinstance(learning_rate, LearningRateSchedule) or (callable(learning_rate)
                                                               and not isinstance(learning_rate, _TensorLike)):
            self._learning_rate: Any = learning_rate
        else:
            if not isinstance(learning_rate, float):
                raise ValueError(
                    "Argument `learning_rate` should be float, or an instance of LearningRateSchedule, or a callable "
                    "(that takes in the current iteration value and returns the corresponding learning rate value). "
                    f"Received instead: learning_rate={learning_rate}")
            self._learning_rate = self._make_variable(np.float32(learning_rate), "learning_rate")
        self._exclude_ids: set[int] = set()
        self._exclude_pattern: re.Pattern[str] | None = None

    # -- variables ------------------------------------------------------------------------------------------------
    def _make_variable(self, value: Any, name: str) -> Variable:
        v = Variable(np.asarray(value), trainable=False, name=name)
        backend.set_variable_path(v, f"{self.name}/{name}")
        self._variables.append(v)
        return v

    @property
    def variables(self) -> list[Variable]:
        """``iterations``, the learning-rate variable (float rates) and the slot variables, in creation order."""
        return list(self._variables)

    @property
    def iterations(self) -> Any:
        """The number of steps applied so far (an int64 variable); with ``gradient_accumulation_steps`` the number
        of updates, ``calls // gradient_accumulation_steps`` (a tensor, as Keras 3)."""
        if self.gradient_accumulation_steps:
            from ...ops import core

            return core.constant(self._iterations.numpy() // np.int64(self.gradient_accumulation_steps))
        return self._iterations

    @property
    def learning_rate(self) -> Any:
        """The learning rate at the current step (a variable for float rates, a tensor for schedules)."""
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return lr
        if isinstance(lr, LearningRateSchedule):
            return lr(self._iterations)
        return lr()

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if isinstance(value, LearningRateSchedule) or (callable(value) and not isinstance(value, _TensorLike)):
            self._learning_rate = value
            return
        if not isinstance(self._learning_rate, Variable):
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as its `learning_rate` "
                            "constructor argument, hence its learning rate is not settable. If you need the learning "
                            "rate to be settable, you should instantiate the optimizer with a float `learning_rate` "
                            "argument.")
        self._learning_rate.assign(np.float32(float(value)))

    def _lr_value(self) -> np.float32:
        lr = self.learning_rate
        return np.float32(lr.numpy() if isinstance(lr, _TensorLike) else lr)

    def add_variable(self, shape: Any, initializer: Any = "zeros", dtype: Any = None,
                     name: str | None = None) -> Variable:
        """A new optimizer variable of ``shape`` filled by ``initializer`` (``"zeros"``, ``"ones"`` or a number)."""
        if dtype is None:
            dt = np.float32
        else:
            dt = np.dtype(dtype) if isinstance(dtype, str) else dtype.as_numpy_dtype
        fill = initializer
        if isinstance(initializer, str):
            fill = {"zeros": 0.0, "ones": 1.0}[initializer]
        return self._make_variable(np.full(tuple(shape), fill, dtype=dt), name or "variable")

    def add_variable_from_reference(self, reference_variable: Variable, name: str | None = None,
                                    initializer: Any = "zeros") -> Variable:
        """A slot variable shaped like ``reference_variable``, named ``<its path with _>_<name>``."""
        ref = backend.variable_path(reference_variable).replace("/", "_").replace(":", "_")
        return self.add_variable(tuple(reference_variable.shape), initializer=initializer,
                                 dtype=reference_variable.dtype, name=f"{ref}_{name}")

    def build(self, variables: Sequence[Variable]) -> None:
        """Remember the trainable variables (and create slots, in subclasses)."""
        variables = [unwrap(v) for v in variables]
        for i, v in enumerate(variables):
            self._index[id(v)] = i
        self._trainable_variables = list(variables)
        if self.use_ema:  # before the subclass's slots, as Keras creates them
            self._model_variables_moving_average = [self.add_variable_from_reference(v, "average")
                                                    for v in variables]
        if self.gradient_accumulation_steps:  # then the gradient sums, also before the slots
            self._accumulated_gradients = [self.add_variable_from_reference(v, "gradient_accumulator")
                                           for v in variables]
        self.built = True

    def _slot(self, slots: list[Variable], variable: Variable) -> Variable:
        return slots[self._index[id(variable)]]

    # -- applying gradients ---------------------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars: Any) -> Variable:
        """Apply ``(gradient, variable)`` pairs; returns ``iterations``.

        >>> import tapegrad as tf
        >>> from tapegrad import keras
        >>> v = tf.Variable([1.0, 2.0])
        >>> opt = keras.optimizers.SGD(learning_rate=0.1)
        >>> _ = opt.apply_gradients([(tf.constant([1.0, 1.0]), v)])
        >>> [round(x, 6) for x in v.numpy().tolist()], int(opt.iterations)
        ([0.9, 1.9], 1)
        """
        pairs = list(grads_and_vars)
        dist = sys.modules.get("tapegrad.distribute._keras")  # in strategy.run: all-reduce the replicas' gradients
        if dist is not None and pairs and (done := dist.apply_gradients_hook(self, pairs)) is not None:
            return done
        if not pairs:
            return self._iterations
        grads, variables = zip(*pairs)
        self.apply(list(grads), list(variables))
        return self._iterations

    def apply(self, grads: Sequence[Any], trainable_variables: Sequence[Variable] | None = None) -> None:
        """Apply ``grads`` to ``trainable_variables`` (or, once built, to the variables it was built with)."""
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer must already be built on a "
                                 "list of variables. Call `optimizer.build(trainable_variables)` first. ")
            if len(grads) != len(self._trainable_variables):
                raise ValueError(f"When passing `grads` as a list of gradient tensors, the gradients must match "
                                 f"`optimizer.variables` one-to-on. Received a list of {len(grads)} gradients, but the "
                                 f"optimizer is tracking {len(self._trainable_variables)} trainable variables.")
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = [unwrap(v) for v in trainable_variables]  # Keras variables: the wrapped ones
            for v in trainable_variables:
                if not isinstance(v, Variable):
                    raise TypeError(f"apply_gradients expects variables, got {type(v).__name__}: {v!r}. Pass "
                                    "`model.trainable_variables` (not the model or a tensor).")
            if not self.built:
                self.build(trainable_variables)
                self.built = True
                from ...train import apply_pending

                apply_pending(self)
            for v in trainable_variables:
                if id(v) not in self._index:
                    raise ValueError(f"Unknown variable: {v!r}. This optimizer can only be called for the variables "
                                     "it was originally built with. When working with a new set of variables, you "
                                     "should recreate a new optimizer instance.")
        grads, trainable_variables = self._filter_empty_gradients(list(grads), list(trainable_variables))
        done = self.__dict__.pop("_replica_preprocessed", False)  # tf.distribute: unscaled and clipped per replica
        if _tracing():  # inside a tapegrad.function: the NumPy update runs each time the compiled program runs
            _host_update(self, grads, trainable_variables, done)
            return
        self._update(grads, trainable_variables, done)

    def _update(self, grads: list[Any], trainable_variables: list[Variable], preprocessed: bool = False) -> None:
        if not self.gradient_accumulation_steps and self._plain_step(grads, trainable_variables):
            return
        converted = [_as_grad(g, v.dtype.as_numpy_dtype) for g, v in zip(grads, trainable_variables)]
        if self.loss_scale_factor is not None and not preprocessed:
            converted = [g.with_values(g.values / self.loss_scale_factor) if isinstance(g, Sparse)
                         else g / self.loss_scale_factor for g in converted]
        if self.gradient_accumulation_steps:
            converted = self._accumulate(converted, trainable_variables)
        if converted is not None:
            converted = converted if preprocessed else self._clip_gradients(converted)
            lr = self._lr_value()
            self._apply_weight_decay(trainable_variables, lr)
            self._before_update_steps()
            for g, v in zip(converted, trainable_variables):
                self.update_step(g, v, lr.astype(v.dtype.as_numpy_dtype))
        for v in trainable_variables:
            constraint = variable_constraint(v)
            if constraint is not None:
                v.assign(constraint(v))
        if self.use_ema:
            self._update_moving_averages()
        self._iterations.assign(self._iterations.numpy() + np.int64(1))

    def _accumulate(self, grads: list[Grad], variables: list[Variable]) -> list[Grad] | None:
        """``gradient_accumulation_steps`` (Keras 3): on every n-th call the gradients to apply,
        ``(gradient + sum of the previous n - 1) / n``, and the sums restart at zero; on the other calls the
        gradients are added to the sums and None is returned (no update, no clipping or weight decay; the call
        still counts in ``iterations``, constraints and moving averages run)."""
        steps = self.gradient_accumulation_steps
        sums = [self._slot(self._accumulated_gradients, v) for v in variables]
        if (int(self._iterations.numpy()) + 1) % steps:
            for g, acc in zip(grads, sums):
                acc.assign(make(np.asarray(acc.numpy() + dense(g), dtype=acc.dtype.as_numpy_dtype), NUMPY))
            return None
        out = []
        for g, acc in zip(grads, sums):
            total = acc.numpy() + dense(g)
            out.append(total / total.dtype.type(steps))
            acc.assign(make(np.zeros_like(total), NUMPY))
        return out

    # -- exponential moving averages of the weights (``use_ema``) ---------------------------------------------------
    def _update_moving_averages(self) -> None:
        """``average = m·average + (1 - m)·variable`` with ``m = ema_momentum`` (0 on the first step, so the
        average starts at the weights); every ``ema_overwrite_frequency`` steps the weights take the averages."""
        step = int(self._iterations.numpy()) // (self.gradient_accumulation_steps or 1)  # ``iterations``
        for var, average in zip(self._trainable_variables, self._model_variables_moving_average):
            dt = var.dtype.as_numpy_dtype
            momentum = dt(step != 0) * dt(self.ema_momentum)
            average.assign(momentum * average.numpy() + (dt(1) - momentum) * var.numpy())
        if self.ema_overwrite_frequency and (step + 1) % self.ema_overwrite_frequency == 0:
            self._overwrite_model_variables_with_average_value(self._trainable_variables)

    def _overwrite_model_variables_with_average_value(self, variables: Sequence[Variable]) -> None:
        averages = self._model_variables_moving_average
        if len(variables) != len(averages):
            raise ValueError(f"The optimizer holds moving averages of {len(averages)} variables but was asked to "
                             f"write them into {len(variables)}; pass the variables it was built with "
                             "(`model.trainable_variables`).")
        for var, average in zip(variables, averages):
            unwrap(var).assign(average.numpy().copy())  # not shared: later steps may update it in place

    def finalize_variable_values(self, var_list: Sequence[Variable]) -> None:
        """End of training: with ``use_ema`` the variables take their moving averages (``fit`` calls this)."""
        if self.use_ema and self.built:
            self._overwrite_model_variables_with_average_value(var_list)

    def scale_loss(self, loss: Any) -> Any:
        """``loss × loss_scale_factor`` (``loss`` itself when no factor is set); the gradients are divided back."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    def _plain_step(self, grads: list[Any], variables: list[Variable]) -> bool:
        """The whole step through :meth:`_dense_step` when nothing but the update rule applies: dense float
        gradients (tensors or arrays) of their variables' dtype and shape (no cast), no loss scaling, clipping, weight
        decay, moving averages or constraints, no tape or trace watching the variables. False (nothing done)
        otherwise."""
        if (not _has_dense_step(type(self)) or self.loss_scale_factor is not None or self.use_ema
                or self.weight_decay is not None or self.clipnorm or self.global_clipnorm or self.clipvalue
                or local.tapes or local.tracer is not None):
            return False
        lr = self._lr_value()
        arrays = []
        for g, v in zip(grads, variables):
            a = g._value if type(g) is Tensor else g  # a compiled step's host update passes arrays
            own = v._value
            if type(v) is not Variable or type(a) is not np.ndarray or type(own) is not np.ndarray \
                    or a.dtype != own.dtype or a.shape != own.shape or own.dtype != lr.dtype \
                    or variable_constraint(v) is not None:
                return False
            arrays.append(a)
        self._before_update_steps()
        self._dense_step(arrays, variables, lr)
        self._iterations._value = self._iterations._value + np.int64(1)
        return True

    def _dense_step(self, grads: list[np.ndarray], variables: list[Variable], learning_rate: np.floating) -> None:
        """Optional: every variable's update at once, for dense gradients of the variables' own dtype (float32,
        the learning rate's) and shape, with no tape or trace active. Same arithmetic as :meth:`update_step`;
        assign each variable a NEW array (``variable._value = ...``: values a tape saved are never changed).
        Optimizers that do not override it take the per-variable path."""
        raise NotImplementedError

    def _filter_empty_gradients(self, grads: list[Any], variables: list[Variable]) -> tuple[list[Any], list[Any]]:
        kept_g, kept_v, missing = [], [], []
        for g, v in zip(grads, variables):
            if g is None:
                missing.append(backend.variable_path(v))
            else:
                kept_g.append(g)
                kept_v.append(v)
        if not kept_g:
            raise ValueError("No gradients provided for any variable.")
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the loss. If using "
                          "`model.compile()`, did you forget to provide a `loss` argument?", UserWarning, stacklevel=4)
        return kept_g, kept_v

    def _clip_gradients(self, grads: list[Grad]) -> list[Grad]:
        if self.clipnorm and self.clipnorm > 0:
            return [self._clip_by_norm(g) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return self._clip_by_global_norm(grads)
        if self.clipvalue and self.clipvalue > 0:
            c = self.clipvalue
            return [g.with_values(np.clip(g.values, -c, c)) if isinstance(g, Sparse) else np.clip(g, -c, c)
                    for g in grads]
        return grads

    def _clip_by_norm(self, g: Grad) -> Grad:
        l2sum = _sum_of_squares(g)
        l2norm = np.sqrt(l2sum) if l2sum > 0 else l2sum
        denom = np.maximum(l2norm, l2sum.dtype.type(self.clipnorm))
        if isinstance(g, Sparse):
            return g.with_values(g.values * self.clipnorm / denom)
        return g * self.clipnorm / denom

    def _clip_by_global_norm(self, grads: list[Grad]) -> list[Grad]:
        dt = (grads[0].values if isinstance(grads[0], Sparse) else grads[0]).dtype.type
        use_norm = np.sqrt(np.sum(np.stack([_sum_of_squares(g) for g in grads])))
        clip = self.global_clipnorm
        scale = clip * np.minimum(dt(1.0) / use_norm, dt(1.0 / clip))
        scale = scale + (use_norm - use_norm)  # NaN/inf norms make every gradient NaN, as in Keras
        return [dense(g) * scale for g in grads]  # ``IndexedSlices * tensor`` densifies in Keras's TF backend

    # -- weight decay ---------------------------------------------------------------------------------------------
    def exclude_from_weight_decay(self, var_list: Sequence[Variable] | None = None,
                                  var_names: Sequence[str] | None = None) -> None:
        """Exclude variables (or variables whose name contains one of ``var_names``) from weight decay."""
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the optimizer is built.")
        self._exclude_ids = {id(v) for v in (var_list or [])}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _use_weight_decay(self, variable: Variable) -> bool:
        if id(variable) in self._exclude_ids:
            return False
        if self._exclude_pattern is not None and re.search(self._exclude_pattern, variable.name.split(":")[0]):
            return False
        return True

    def _apply_weight_decay(self, variables: list[Variable], lr: np.float32) -> None:
        if self.weight_decay is None:
            return
        for v in variables:
            if self._use_weight_decay(v):
                dt = v.dtype.as_numpy_dtype
                value = v.numpy()
                v.assign(value - value * dt(self.weight_decay) * lr.astype(dt))

    # -- update helpers -------------------------------------------------------------------------------------------
    def _before_update_steps(self) -> None:
        """Called once per ``apply``, after weight decay and before the per-variable ``update_step`` calls
        (Nadam updates its momentum-schedule product there, as Keras's ``_backend_update_step`` does)."""

    def update_step(self, gradient: Grad, variable: Variable, learning_rate: np.floating) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement update_step().")

    def assign(self, variable: Variable, value: Grad) -> None:
        if isinstance(value, Sparse):
            variable.scatter_update(value.as_indexed_slices())
        else:
            variable.assign(make(np.asarray(value, dtype=variable.dtype.as_numpy_dtype), NUMPY))

    def assign_add(self, variable: Variable, value: Grad) -> None:
        if isinstance(value, Sparse):
            variable.scatter_add(value.as_indexed_slices())
        elif _same_array(variable, value):
            variable.assign_add(make(value, NUMPY))  # one pass: the variable's new buffer is old + value
        else:
            variable.assign(make(np.asarray(variable.numpy() + value, dtype=variable.dtype.as_numpy_dtype), NUMPY))

    def assign_sub(self, variable: Variable, value: Grad) -> None:
        if isinstance(value, Sparse):
            variable.scatter_sub(value.as_indexed_slices())
        elif _same_array(variable, value):
            variable.assign_sub(make(value, NUMPY))  # one pass: the variable's new buffer is old - value
        else:
            variable.assign(make(np.asarray(variable.numpy() - value, dtype=variable.dtype.as_numpy_dtype), NUMPY))

    # -- convenience ----------------------------------------------------------------------------------------------
    def minimize(self, loss: Any, var_list: Any, tape: GradientTape | None = None) -> Variable:
        """Compute the gradients of ``loss`` and apply them (``tf.keras`` 2's ``minimize``).

        ``loss`` is a zero-argument callable (evaluated under a new tape) or a tensor computed under ``tape``;
        ``var_list`` is a list of variables or a callable returning one.

        >>> import tapegrad as tf
        >>> from tapegrad import keras
        >>> x = tf.Variable(3.0)
        >>> opt = keras.optimizers.SGD(0.1)
        >>> for _ in range(50):
        ...     _ = opt.minimize(lambda: (x - 1.0) ** 2, [x])
        >>> round(float(x), 4)
        1.0
        """
        if callable(loss) and not isinstance(loss, _TensorLike):
            with GradientTape() as t:
                variables = var_list() if callable(var_list) else list(var_list)
                for v in variables:
                    t.watch(v)
                value = loss()
            tape = t
        else:
            if tape is None:
                raise ValueError("`tape` is required when a `Tensor` loss is passed. Received: loss="
                                 f"{loss}, tape={tape}.")
            variables = var_list() if callable(var_list) else list(var_list)
            value = loss
        grads = tape.gradient(value, variables)
        return self.apply_gradients(zip(grads, variables))

    def get_config(self) -> dict[str, Any]:
        lr = self._learning_rate
        return {"name": self.name,
                "learning_rate": float(lr.numpy()) if isinstance(lr, Variable) else lr,
                "weight_decay": self.weight_decay, "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency, "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Optimizer:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, iterations={int(self._iterations.numpy())}>"


_DENSE_STEP: dict[type, bool] = {}


def _has_dense_step(cls: type) -> bool:
    """``cls`` has a :meth:`Optimizer._dense_step` written for its own ``update_step`` and hook (both come from the
    class that defines it: a subclass overriding ``update_step`` alone takes the per-variable path)."""
    known = _DENSE_STEP.get(cls)
    if known is None:
        owner = {name: next(c for c in cls.__mro__ if name in c.__dict__)
                 for name in ("_dense_step", "update_step", "_before_update_steps", "_update")}
        known = _DENSE_STEP[cls] = (owner["_dense_step"] is not Optimizer and owner["_update"] is Optimizer
                                    and owner["update_step"] is owner["_dense_step"]
                                    and owner["_before_update_steps"] in (Optimizer, owner["_dense_step"]))
    return known


def _tracing() -> bool:
    from ...compiler.function import is_tracing

    return is_tracing()


def _host_update(optimizer: Optimizer, grads: list[Any], variables: list[Variable], preprocessed: bool = False) -> None:
    """Record ``optimizer._update(grads, variables)`` as a host call of the program being traced."""
    from ...compiler.host import host_effect
    from ...ops.core import convert_to_tensor

    flat: list[Any] = []
    kinds: list[Any] = []
    for g in grads:
        if type(g).__name__ == "IndexedSlices":
            flat += [convert_to_tensor(g.values), convert_to_tensor(g.indices)]
            kinds.append((type(g), g.dense_shape))
        else:
            flat.append(convert_to_tensor(g))
            kinds.append(None)

    def run(*arrays: Any) -> None:
        from ..._backend import NUMPY
        from ..._tensor import make

        it = iter(arrays)
        gs: list[Any] = []
        for kind in kinds:
            if kind is None:
                gs.append(next(it))
            else:
                values, indices = make(next(it), NUMPY), make(next(it), NUMPY)
                gs.append(kind[0](values, indices, kind[1]))
        optimizer._update(gs, variables, preprocessed)

    host_effect(run, flat, writes=[*variables, *optimizer.variables])
