"""``compile``/``fit``/``evaluate``/``predict`` and their one-batch versions, following Keras 3's training loop.

A training step runs the model with ``training=True`` under a ``GradientTape``, computes the compiled loss (plus
the model's ``losses``, e.g. regularization), records it in the ``loss`` tracker (a ``Mean`` weighted by the batch
size), applies the optimizer to ``trainable_weights`` and updates the compiled metrics. Logs are the metric
results in sorted-name order; ``fit`` adds ``val_`` logs and returns the ``History``.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from ... import _nest
from ..._tensor import _TensorLike
from ...compiler.function import function as tg_function
from ...compiler.function import is_tracing
from ...gradient_tape import GradientTape
from ...ops.execution import functions_run_eagerly
from ...ops.random_ops import internal_generator
from .. import config as _config
from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from ..callbacks import Callback, CallbackList, History
from ._data_adapters import EpochIterator, adapter_for

__all__ = ["Trainer"]


def _to_numpy(x: Any) -> Any:
    if x is None:
        return None
    if isinstance(x, _TensorLike):
        return x.numpy()
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, (list, tuple)) and x and all(isinstance(e, (int, float, bool, np.number)) for e in
                                                   _nest.flatten(list(x))):
        return np.asarray(x)
    if isinstance(x, (list, tuple, dict)):
        return _nest.map_structure(lambda e: e.numpy() if isinstance(e, _TensorLike) else np.asarray(e), x)
    arr = np.asarray(x)
    if arr.dtype == object and arr.ndim == 0:  # an iterator, a file, ...: nothing Keras can batch
        raise ValueError(f"Unrecognized data type: x={x!r} (of type {type(x)}). Pass NumPy arrays or tensors, a "
                         "tf.data.Dataset, a Python generator or a keras.utils.PyDataset.")
    return arr


def _num_samples(x: Any) -> int:
    leaves = [e for e in _nest.flatten(x) if e is not None]
    if not leaves:
        raise ValueError("Expected some input data (`x`), received None.")
    if any(np.ndim(e) == 0 for e in leaves):
        raise TypeError("tapegrad.keras trains on NumPy arrays or tensors (or lists/dicts of them) with a leading "
                        f"batch axis; got {[type(e).__name__ for e in leaves if np.ndim(e) == 0]}.")
    sizes = {int(np.shape(e)[0]) for e in leaves}
    if len(sizes) != 1:
        raise ValueError(f"Data cardinality is ambiguous: the arrays have different first dimensions {sorted(sizes)}. "
                         "Make sure all arrays contain the same number of samples.")
    return sizes.pop()


def _take(x: Any, idx: Any) -> Any:
    if x is None:
        return None
    return _nest.map_structure(lambda e: e[idx], x)


def _batches(n: int, batch_size: int, order: np.ndarray | None) -> list[Any]:
    steps = math.ceil(n / batch_size) if n else 0
    out = []
    for i in range(steps):
        sl = slice(i * batch_size, min((i + 1) * batch_size, n))
        out.append(order[sl] if order is not None else sl)
    return out


def _numpy_batches(x: Any, y: Any, sample_weight: Any, batch_size: int, steps: int | None,
                   order: np.ndarray | None = None) -> Any:
    batches = _batches(_num_samples((x, y, sample_weight)), batch_size, order)
    for idx in batches[:steps] if steps is not None else batches:
        yield (_take(x, idx), _take(y, idx), _take(sample_weight, idx))


def _resolve_loss(identifier: Any) -> Any:
    if identifier is None:
        return None
    if isinstance(identifier, losses_module.Loss):
        return identifier
    fn = losses_module.get(identifier)
    if isinstance(fn, losses_module.Loss):
        return fn
    name = identifier if isinstance(identifier, str) else getattr(fn, "__name__", "loss")
    return losses_module.LossFunctionWrapper(fn, name=name)


def _is_binary_or_sparse(y_true: Any, y_pred: Any) -> tuple[bool, bool]:
    t_shape, p_shape = tuple(np.shape(y_true)), tuple(y_pred.shape)
    t_last = t_shape[-1] if t_shape else None
    p_last = p_shape[-1] if p_shape else None
    is_binary = p_last == 1
    is_sparse = len(t_shape) < len(p_shape) or (t_last == 1 and p_last is not None and p_last > 1)
    return is_binary, is_sparse


def _resolve_metric(identifier: Any, y_true: Any, y_pred: Any) -> Any:
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        is_binary, is_sparse = _is_binary_or_sparse(y_true, y_pred)
        if is_binary:
            return metrics_module.BinaryAccuracy(name=identifier)
        if is_sparse:
            return metrics_module.SparseCategoricalAccuracy(name=identifier)
        return metrics_module.CategoricalAccuracy(name=identifier)
    obj = metrics_module.get(identifier)
    name = identifier if isinstance(identifier, str) else None
    if not isinstance(obj, metrics_module.Metric):
        obj = metrics_module.MeanMetricWrapper(obj, name=name or getattr(obj, "__name__", "metric"))
    elif name is not None:
        obj.name = name
    return obj


class Trainer:
    """Mixin giving ``keras.Model`` its training API (``compile``, ``fit``, ``evaluate``, ``predict``, …)."""

    optimizer: Any = None
    compiled: bool = False
    stop_training: bool = False
    run_eagerly: bool = False  # False: fit/evaluate/predict run each step as a compiled tapegrad.function
    jit_compile: Any = "auto"

    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, loss_weights: Any = None, metrics: Any = None,
                weighted_metrics: Any = None, run_eagerly: bool = False, steps_per_execution: int = 1,
                jit_compile: Any = "auto", auto_scale_loss: bool = True) -> None:
        """Configure training: the optimizer (name or instance), the loss (name, function, ``Loss`` instance; a
        list or dict for several outputs), ``loss_weights`` and the ``metrics`` to report."""
        self.optimizer = optimizers_module.get(optimizer)
        if auto_scale_loss and getattr(self, "compute_dtype", None) == "float16":  # Keras 3 under mixed_float16
            from ..mixed_precision import loss_scaled

            self.optimizer = loss_scaled(self, self.optimizer)
        self.loss = loss
        self._compile_args = {"loss": loss, "loss_weights": loss_weights, "metrics": metrics,
                              "weighted_metrics": weighted_metrics, "run_eagerly": run_eagerly,
                              "steps_per_execution": steps_per_execution, "jit_compile": jit_compile}
        self._loss_weights = loss_weights
        if isinstance(loss, dict):
            self._compile_losses: Any = {k: _resolve_loss(v) for k, v in loss.items()}
        elif isinstance(loss, (list, tuple)):
            self._compile_losses = [_resolve_loss(v) for v in loss]
        else:
            self._compile_losses = _resolve_loss(loss)
        if isinstance(metrics, dict):  # per output: {"output_name": [metrics]}
            self._metric_ids: Any = {k: list(v) if isinstance(v, (list, tuple)) else [v] for k, v in metrics.items()}
        else:
            self._metric_ids = [] if metrics is None else (list(metrics) if isinstance(metrics, (list, tuple))
                                                            else [metrics])
        self._weighted_metric_ids = [] if weighted_metrics is None else list(weighted_metrics)
        self._compile_metrics: list[Any] | None = None
        self._weighted_compile_metrics: list[Any] = []
        self._loss_tracker = metrics_module.Mean(name="loss")
        # With several outputs and a loss per output, Keras 3 also reports each output's loss as "<output>_loss".
        self._output_loss_trackers: dict[Any, Any] = {}
        if isinstance(self._compile_losses, (dict, list)) and len(self._compile_losses) > 1:
            keys = list(self._compile_losses) if isinstance(self._compile_losses, dict) else \
                range(len(self._compile_losses))
            names = list(getattr(self, "output_names", []) or [])
            for key in keys:
                label = key if isinstance(key, str) else (names[key] if key < len(names) else f"output_{key}")
                self._output_loss_trackers[key] = metrics_module.Mean(name=f"{label}_loss")
        self.compiled = True
        self.stop_training = False
        self.run_eagerly = bool(run_eagerly)
        self.jit_compile = jit_compile
        self._step_functions: dict[str, Any] = {}

    # -- metrics --------------------------------------------------------------------------------------------------
    @property
    def metrics(self) -> list[Any]:
        """The loss tracker, then the compiled metrics (once built by the first batch)."""
        if not self.compiled:
            return []
        return ([self._loss_tracker] + list(getattr(self, "_output_loss_trackers", {}).values())
                + list(self._compile_metrics or []) + list(self._weighted_compile_metrics))

    @property
    def metrics_names(self) -> list[str]:
        """``["loss"]``, plus ``"compile_metrics"`` when metrics were compiled (Keras 3 groups them)."""
        if not self.compiled:
            return []
        return ["loss"] + (["compile_metrics"] if self._metric_ids or self._weighted_metric_ids else [])

    def reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    def _build_metrics(self, y: Any, y_pred: Any) -> None:
        if self._compile_metrics is not None:
            return
        y0 = _nest.flatten(y)[0] if y is not None else None
        p0 = _nest.flatten(y_pred)[0]
        if isinstance(self._metric_ids, dict):
            self._output_metrics: list[tuple[Any, Any]] = []
            for key, ids in self._metric_ids.items():
                t, p = self._output_pair(key, y, y_pred)
                for m in ids:
                    metric = _resolve_metric(m, t, p)
                    metric.name = f"{key}_{metric.name}"
                    self._output_metrics.append((key, metric))
            self._compile_metrics = [m for _, m in self._output_metrics]
            self._weighted_compile_metrics = [_resolve_metric(m, y0, p0) for m in self._weighted_metric_ids]
            return
        self._compile_metrics = [_resolve_metric(m, y0, p0) for m in self._metric_ids]
        self._weighted_compile_metrics = [_resolve_metric(m, y0, p0) for m in self._weighted_metric_ids]

    def _output_pair(self, key: Any, y: Any, y_pred: Any) -> tuple[Any, Any]:
        """The target and prediction of the output named (or numbered) ``key``."""
        names = list(getattr(self, "output_names", []) or [])
        if isinstance(y_pred, dict):
            p = y_pred[key]
        else:
            flat = _nest.flatten(y_pred)
            p = flat[names.index(key)] if isinstance(key, str) and key in names else flat[key if isinstance(key, int)
                                                                                        else 0]
        if isinstance(y, dict):
            t = y[key]
        else:
            flat_t = _nest.flatten(y)
            t = flat_t[names.index(key)] if isinstance(key, str) and key in names else flat_t[
                key if isinstance(key, int) else 0]
        return t, p

    def _metrics_result(self) -> dict[str, Any]:
        """The metrics' values: floats, or (inside a compiled step) tensors the loop turns into floats."""
        if is_tracing():
            return dict(sorted((m.name, m.result()) for m in self.metrics))
        logs = {m.name: float(m.result().numpy()) for m in self.metrics}
        return dict(sorted(logs.items()))

    # -- compiled steps -------------------------------------------------------------------------------------------
    def _run_step(self, name: str, data: Any) -> Any:
        """``self.<name>(data)``: eagerly with ``run_eagerly=True`` (or ``run_functions_eagerly``), else through a
        ``tapegrad.function`` made once per step method (Keras's ``train_function`` / ``test_function``)."""
        dist = sys.modules.get("tapegrad.distribute._keras")  # a model built in a strategy's scope: every replica
        if dist is not None and (out := dist.keras_step(self, name, data)) is not NotImplemented:
            return out
        step = getattr(self, name)
        if self.run_eagerly or functions_run_eagerly() or _distributed(self.optimizer):
            return step(data)
        key = getattr(step, "__func__", step)
        entry = self._step_functions.get(name) if hasattr(self, "_step_functions") else None
        if entry is None or entry[0] is not key:
            self._build_for_compiled_step(data, name)
            jit = self.jit_compile is True
            entry = (key, tg_function(step, jit_compile=jit, reduce_retracing=True))
            if not hasattr(self, "_step_functions"):
                self._step_functions = {}
            self._step_functions[name] = entry
        out = entry[1](data)
        if isinstance(out, dict):
            return {k: float(v.numpy()) if isinstance(v, _TensorLike) and v.shape.rank == 0 else v
                    for k, v in out.items()}
        return out

    def _build_for_compiled_step(self, data: Any, name: str) -> None:
        """Create the model's, the metrics' and the optimizer's Variables before the step is traced (as Keras's
        symbolic build does), so that the step traces once and deferred weight restores happen eagerly."""
        x, y, _ = _unpack(data)
        training = name == "train_step"
        needs_metrics = name != "predict_step" and getattr(self, "_compile_metrics", 0) is None
        needs_optimizer = training and self.optimizer is not None and not getattr(self.optimizer, "built", True)
        if not needs_metrics and not needs_optimizer and getattr(self, "built", True):
            return
        with _summaries_off():  # Keras builds symbolically: tf.summary calls in layers write nothing then
            y_pred = self(x, training=False)
        if needs_metrics:
            self._build_metrics(y, y_pred)
        if needs_optimizer and self.trainable_weights:
            self.optimizer.build(self.trainable_weights)
            self.optimizer.built = True
            from ...train import apply_pending

            apply_pending(self.optimizer)

    def _flatten_in_order(self, logs: dict[str, float]) -> Any:
        names = [m.name for m in self.metrics]
        results = [logs[n] for n in names if n in logs]
        results += [logs[k] for k in sorted(logs) if k not in names]
        return results[0] if len(results) == 1 else results

    # -- steps ----------------------------------------------------------------------------------------------------
    def compute_loss(self, x: Any = None, y: Any = None, y_pred: Any = None, sample_weight: Any = None,
                     training: bool = True) -> Any:
        """The compiled loss of ``y_pred`` against ``y`` plus ``self.losses`` (regularization penalties)."""
        from ...ops import arithmetic

        total = None
        spec = self._compile_losses
        if spec is not None and y is not None:
            if isinstance(spec, losses_module.Loss):
                total = spec(y, y_pred, sample_weight=sample_weight)
            else:
                if isinstance(spec, dict):
                    names = list(getattr(self, "output_names", []))
                    preds = y_pred if isinstance(y_pred, dict) else dict(zip(names, _nest.flatten(y_pred)))
                    trues = y if isinstance(y, dict) else dict(zip(names, _nest.flatten(y)))
                    pairs = [(k, fn, trues[k], preds[k]) for k, fn in spec.items()]
                else:
                    pairs = [(i, fn, t, p) for i, (fn, t, p) in enumerate(zip(spec, _nest.flatten(y),
                                                                              _nest.flatten(y_pred)))]
                weights = self._loss_weights
                for key, fn, t, p in pairs:
                    if fn is None:
                        continue
                    value = fn(t, p, sample_weight=sample_weight)
                    if weights is not None:
                        value = value * float(weights[key])
                    tracker = getattr(self, "_output_loss_trackers", {}).get(key)
                    if tracker is not None:
                        tracker.update_state(value, sample_weight=int(_nest.flatten(p)[0].shape[0]))
                    total = value if total is None else arithmetic.add(total, value)
        for extra in self.losses:
            total = extra if total is None else arithmetic.add(total, extra)
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        return total

    def train_step(self, data: Any) -> dict[str, float]:
        """One optimizer step on a batch ``(x, y[, sample_weight])``; returns the running metric values."""
        x, y, sample_weight = _unpack(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True)
            scaled = self.optimizer.scale_loss(loss) if hasattr(self.optimizer, "scale_loss") else loss
        self._loss_tracker.update_state(loss, sample_weight=_num_samples(x))
        weights = self.trainable_weights
        if weights:
            hook = getattr(self.optimizer, "_tape_gradient", None)  # a distributed optimizer reduces in the sweep
            grads = tape.gradient(scaled, weights) if hook is None else hook(tape, scaled, weights)
            self.optimizer.apply_gradients(zip(grads, weights))
        else:
            import warnings

            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data: Any) -> dict[str, float]:
        """Loss and metrics on a batch, without updating weights."""
        x, y, sample_weight = _unpack(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
        self._loss_tracker.update_state(loss, sample_weight=_num_samples(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data: Any) -> Any:
        x, _, _ = _unpack(data)
        return self(x, training=False)

    def compute_metrics(self, x: Any, y: Any, y_pred: Any, sample_weight: Any = None) -> dict[str, float]:
        self._build_metrics(y, y_pred)
        if y is not None and isinstance(self._metric_ids, dict):
            for key, m in self._output_metrics:
                m.update_state(*self._output_pair(key, y, y_pred))
        elif y is not None:
            t0, p0 = _nest.flatten(y)[0], _nest.flatten(y_pred)[0]
            for m in self._compile_metrics or []:
                m.update_state(t0, p0)
            for m in self._weighted_compile_metrics:
                m.update_state(t0, p0, sample_weight=sample_weight)
        return self._metrics_result()

    def _require_compiled(self) -> None:
        if not self.compiled:
            raise ValueError("You must call `compile()` before using the model.")

    # -- loops ----------------------------------------------------------------------------------------------------
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None, epochs: int = 1,
            verbose: Any = "auto", callbacks: list[Callback] | None = None, validation_split: float = 0.0,
            validation_data: Any = None, shuffle: bool = True, class_weight: dict[int, float] | None = None,
            sample_weight: Any = None, initial_epoch: int = 0, steps_per_epoch: int | None = None,
            validation_steps: int | None = None, validation_batch_size: int | None = None,
            validation_freq: int = 1) -> History:
        """Train for ``epochs`` passes over ``(x, y)`` in mini-batches of ``batch_size`` (32); returns ``History``.

        ``verbose``: 0 silent, 1 (``"auto"``) a progress bar per epoch, 2 one line per epoch. ``validation_data``
        (``(x_val, y_val[, sample_weight])``) or ``validation_split`` (the last fraction of the data, taken before
        shuffling) add ``val_`` logs at the end of each epoch.
        """
        self._require_compiled()
        verbose = 1 if verbose == "auto" else int(verbose)
        batch_size = batch_size or 32
        epochs, steps_per_epoch = _config.training_caps(epochs, steps_per_epoch)  # keras.config.set_max_epochs, ...
        adapter = adapter_for(x, y=y, sample_weight=sample_weight, validation_split=validation_split,
                              class_weight=class_weight, shuffle=shuffle, warn_shuffle=True)
        if adapter is not None:  # a dataset, generator or PyDataset
            source = EpochIterator(adapter, steps_per_epoch, on_exhausted=self._count_empty_step)
            source.reset()
            steps = source.num_batches
            weigh_classes = class_weight is not None and not adapter.weighs_classes

            def epoch_batches() -> Any:
                batches = (_unpack(b) for b in source.epoch())
                if not weigh_classes:
                    return batches
                return ((bx, by, _class_weights(by, class_weight, bw) if by is not None else bw)
                        for bx, by, bw in batches)
        else:
            x, y, sample_weight = _to_numpy(x), _to_numpy(y), _to_numpy(sample_weight)
            if validation_split and validation_data is None:
                if not 0 < validation_split < 1:
                    raise ValueError(f"`validation_split` must be in [0, 1). Received: "
                                     f"validation_split={validation_split}")
                n_all = _num_samples(x)
                split = int(math.floor(n_all * (1.0 - validation_split)))
                validation_data = (_take(x, slice(split, None)), _take(y, slice(split, None)),
                                   _take(sample_weight, slice(split, None)))
                x, y, sample_weight = (_take(x, slice(0, split)), _take(y, slice(0, split)),
                                       _take(sample_weight, slice(0, split)))
            if class_weight is not None and y is not None:
                sample_weight = _class_weights(y, class_weight, sample_weight)
            n = _num_samples((x, y, sample_weight))
            steps = math.ceil(n / batch_size)
            if steps_per_epoch is not None:
                steps = min(steps, steps_per_epoch)

            def epoch_batches() -> Any:
                order = internal_generator().permutation(n) if shuffle else None
                return _numpy_batches(x, y, sample_weight, batch_size, steps, order)
        cbs = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=epochs,
            steps=steps)
        self.stop_training = False
        cbs.on_train_begin()
        logs: dict[str, float] = {}
        val_batches = None
        if validation_data is not None:
            val_adapter = adapter_for(validation_data)
            if val_adapter is not None:  # one iterator for the whole fit, restarted by every evaluation (Keras 3)
                val_source = EpochIterator(val_adapter, validation_steps)

                def val_batches() -> Any:
                    val_source.reset()
                    return (_unpack(b) for b in val_source.epoch())
            else:
                val = tuple(_to_numpy(v) for v in validation_data)
                vx, vy = val[0], val[1] if len(val) > 1 else None
                vsw = val[2] if len(val) > 2 else None

                def val_batches() -> Any:
                    return _numpy_batches(vx, vy, vsw, validation_batch_size or batch_size, validation_steps)
        initial_epoch = getattr(self, "_initial_epoch", None) or initial_epoch  # set by BackupAndRestore
        self._initial_epoch = None
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            for step, data in enumerate(epoch_batches()):
                cbs.on_train_batch_begin(step)
                logs = self._run_step("train_step", data)
                cbs.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            epoch_logs = dict(self._metrics_result())
            if val_batches is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._evaluate_loop(val_batches(), cbs)
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            logs = epoch_logs
            if self.stop_training:
                break
        if epochs > 0 and hasattr(self.optimizer, "finalize_variable_values"):
            self.optimizer.finalize_variable_values(self.trainable_weights)  # use_ema: the averages
        cbs.on_train_end(logs)
        return self.history

    def _count_empty_step(self) -> None:
        opt = self.optimizer
        if opt is not None and getattr(opt, "built", False):
            opt.iterations.assign(opt.iterations.numpy() + np.int64(1))

    def _evaluate_loop(self, batches: Any, cbs: CallbackList) -> dict[str, float]:
        self.reset_metrics()
        cbs.on_test_begin()
        logs: dict[str, float] = {}
        for step, data in enumerate(batches):
            cbs.on_test_batch_begin(step)
            logs = self._run_step("test_step", data)
            cbs.on_test_batch_end(step, logs)
        logs = self._metrics_result()
        cbs.on_test_end(logs)
        return logs

    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None, verbose: Any = "auto",
                 sample_weight: Any = None, steps: int | None = None, callbacks: list[Callback] | None = None,
                 return_dict: bool = False, **kwargs: Any) -> Any:
        """Loss and metrics over ``(x, y)``: a float (loss only), a list ``[loss, *metrics]``, or a dict."""
        self._require_compiled()
        verbose = 1 if verbose == "auto" else int(verbose)
        batch_size = batch_size or 32
        adapter = adapter_for(x, y=y, sample_weight=sample_weight)
        if adapter is not None:
            source = EpochIterator(adapter, steps)
            source.reset()
            n_steps = source.num_batches
            batches: Any = (_unpack(b) for b in source.epoch())
        else:
            x, y, sample_weight = _to_numpy(x), _to_numpy(y), _to_numpy(sample_weight)
            n_steps = math.ceil(_num_samples((x, y, sample_weight)) / batch_size)
            if steps is not None:
                n_steps = min(n_steps, steps)
            batches = _numpy_batches(x, y, sample_weight, batch_size, steps)
        cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1, steps=n_steps)
        logs = self._evaluate_loop(batches, cbs)
        return logs if return_dict else self._flatten_in_order(logs)

    def predict(self, x: Any, batch_size: int | None = None, verbose: Any = "auto", steps: int | None = None,
                callbacks: list[Callback] | None = None) -> Any:
        """The model's outputs on ``x`` (``training=False``), batch by batch, as NumPy arrays."""
        verbose = 1 if verbose == "auto" else int(verbose)
        batch_size = batch_size or 32
        adapter = adapter_for(x)
        if adapter is not None:  # (Keras's predict starts its pass without a reset)
            source = EpochIterator(adapter, steps)
            n_steps = source.num_batches
            batches: Any = (_unpack(b) for b in source.epoch())
        else:
            x = _to_numpy(x)
            n = _num_samples(x)
            n_steps = math.ceil(n / batch_size) if steps is None else min(math.ceil(n / batch_size), steps)
            batches = _numpy_batches(x, None, None, batch_size, steps)
        cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                           steps=n_steps)
        cbs.on_predict_begin()
        outputs: list[Any] = []
        for step, data in enumerate(batches):
            cbs.on_predict_batch_begin(step)
            out = self._run_step("predict_step", data)
            outputs.append(_nest.map_structure(lambda t: np.asarray(t.numpy() if isinstance(t, _TensorLike) else t),
                                               out))
            cbs.on_predict_batch_end(step, {"outputs": out})
        cbs.on_predict_end()
        if not outputs:
            raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs). Please use "
                             "`Model.compile(..., run_eagerly=True)`, or `tf.config.run_functions_eagerly(True)` for "
                             "more information of where went wrong, or file a issue/bug to `keras`.")
        flat = [_nest.flatten(o) for o in outputs]
        joined = [np.concatenate([f[i] for f in flat], axis=0) for i in range(len(flat[0]))]
        return _nest.pack_sequence_as(outputs[0], joined)

    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, class_weight: Any = None,
                       return_dict: bool = False) -> Any:
        """One ``train_step`` on the given batch (metrics are reset first); returns its logs."""
        self._require_compiled()
        self.reset_metrics()
        x, y, sample_weight = _to_numpy(x), _to_numpy(y), _to_numpy(sample_weight)
        if class_weight is not None and y is not None:
            sample_weight = _class_weights(y, class_weight, sample_weight)
        logs = self._run_step("train_step", (x, y, sample_weight))
        return logs if return_dict else self._flatten_in_order(logs)

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False) -> Any:
        """Loss and metrics on one batch (metrics are reset first)."""
        self._require_compiled()
        self.reset_metrics()
        logs = self._run_step("test_step", (_to_numpy(x), _to_numpy(y), _to_numpy(sample_weight)))
        return logs if return_dict else self._flatten_in_order(logs)

    def predict_on_batch(self, x: Any) -> Any:
        """The model's outputs on one batch, as NumPy arrays."""
        out = self._run_step("predict_step", (_to_numpy(x), None, None))
        return _nest.map_structure(lambda t: t.numpy() if isinstance(t, _TensorLike) else t, out)


def _distributed(optimizer: Any) -> bool:
    """A tapegrad.distributed optimizer: its collectives run on raw arrays, so its steps run eagerly."""
    return any(c.__name__ == "_DistributedOptimizerMixin" for c in type(optimizer).__mro__)


def _unpack(data: Any) -> tuple[Any, Any, Any]:
    if isinstance(data, tuple):
        if len(data) == 1:
            return data[0], None, None
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data
    return data, None, None


def _class_weights(y: Any, class_weight: dict[int, float], sample_weight: Any) -> np.ndarray:
    y0 = np.asarray(_nest.flatten(y)[0])
    labels = np.argmax(y0, axis=-1) if y0.ndim > 1 and y0.shape[-1] > 1 else y0.reshape(len(y0), -1)[:, 0]
    labels = np.round(labels).astype(np.int32)  # Keras rounds the labels (0.6 is class 1)
    weights = np.array([class_weight.get(int(c), 1.0) for c in labels], dtype=np.float32)
    if sample_weight is not None:
        weights = weights * np.asarray(sample_weight, dtype=np.float32)
    return weights


def _summaries_off() -> Any:
    """``tf.summary.record_if(False)`` when tf.summary is in use (an eager call that stands for a symbolic build)."""
    import contextlib
    import sys

    summary = sys.modules.get("tapegrad.summary")
    return summary.record_if(False) if summary is not None else contextlib.nullcontext()
