"""Keras 3's training callbacks beyond History/ProgbarLogger/EarlyStopping: checkpoints, learning-rate control,
logging, NaN guard, fault-tolerant restarts, EMA weight swapping and a remote monitor. Re-exported by
``keras.callbacks``.

>>> import numpy as np
>>> from tapegrad import keras
>>> keras.backend.clear_session()
>>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
>>> model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
>>> halve = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
>>> history = model.fit(np.ones((8, 1)), np.ones((8, 1)), epochs=3, verbose=0, callbacks=[halve])
>>> [round(v, 4) for v in history.history["learning_rate"]]
[0.05, 0.025, 0.0125]
"""

from __future__ import annotations

import collections
import csv
import json
import os
import shutil
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .callbacks import Callback

__all__ = ["MonitorCallback", "EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau", "LearningRateScheduler",
           "CSVLogger", "TerminateOnNaN", "BackupAndRestore", "SwapEMAWeights", "RemoteMonitor"]

def _lr(optimizer: Any) -> float:
    return float(np.asarray(optimizer.learning_rate))


def _float_logs(logs: dict[str, Any] | None) -> dict[str, Any]:
    return logs if logs is not None else {}


class MonitorCallback(Callback):
    """Base of callbacks that watch one logged value: ``mode`` ``"min"``, ``"max"`` or ``"auto"`` (the loss is
    minimized; a compiled metric goes the way its ``_direction`` says; anything else is a ``ValueError``)."""

    def __init__(self, monitor: str = "val_loss", mode: str = "auto", baseline: float | None = None,
                 min_delta: float = 0) -> None:
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.", stacklevel=2)
            mode = "auto"
        self.monitor, self.mode, self.best = monitor, mode, baseline
        self.min_delta = abs(min_delta)
        self.monitor_op: Callable[[Any, Any], Any] | None = None

    def _direction(self) -> str | None:
        # Keras 3 reads the compiled metric objects' ``_direction`` ("up"/"down"); the loss is always minimized
        name = self.monitor.removeprefix("val_")
        direction = "down" if name == "loss" else None
        for m in getattr(self.model, "metrics", None) or []:
            for inner in getattr(m, "metrics", None) or [m]:
                if getattr(inner, "name", None) == name and getattr(inner, "_direction", None) is not None:
                    direction = inner._direction
        return direction

    def _set_monitor_op(self) -> None:
        direction = {"min": "down", "max": "up"}.get(self.mode) or self._direction()
        if direction is None:
            raise ValueError(f"{type(self).__name__} callback received monitor={self.monitor}, but it cannot tell "
                             "whether that metric should be maximized or minimized. Pass `mode='max'` to keep the "
                             "highest value, or `mode='min'` to keep the lowest.")
        self.monitor_op = np.less if direction == "down" else np.greater
        if direction == "down":
            self.min_delta *= -1

    def _is_improvement(self, monitor_value: Any, reference_value: Any) -> bool:
        if reference_value is None:
            return True
        assert self.monitor_op is not None
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))


class EarlyStopping(MonitorCallback):
    """Stop training when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs (Keras 3 rules:
    epochs before ``start_from_epoch`` are ignored; with a ``baseline`` the wait only resets once the value beats
    it; ``restore_best_weights`` puts the best epoch's weights back when training ends).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    >>> stop = keras.callbacks.EarlyStopping(monitor="loss", patience=2)
    >>> model.fit(np.ones((4, 1)), np.ones((4, 1)), epochs=10, verbose=0, callbacks=[stop]).epoch
    [0, 1, 2]
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline: float | None = None, restore_best_weights: bool = False,
                 start_from_epoch: int = 0) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience, self.verbose, self.baseline = patience, verbose, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best_weights: Any = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.wait, self.stopped_epoch, self.best, self.best_weights, self.best_epoch = 0, 0, None, None, 0

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = _float_logs(logs)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not available. Available "
                          f"metrics are: {','.join(logs)}", stacklevel=2)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class _SaveFrequency:
    """Counts batches for ``save_freq=<int>`` (Keras's bookkeeping: a batch index that does not grow starts a new
    epoch's count)."""

    def __init__(self, save_freq: Any) -> None:
        self.save_freq = save_freq
        self._since_last = 0
        self._last_batch: int | None = None

    def due(self, batch: int) -> bool:
        if self.save_freq == "epoch":
            return False
        add = batch + 1 if self._last_batch is None or batch <= self._last_batch else batch - self._last_batch
        self._since_last += add
        self._last_batch = batch
        if self._since_last >= self.save_freq:
            self._since_last = 0
            return True
        return False


class ModelCheckpoint(MonitorCallback):
    """Save the model (``.keras``) or its weights (``.weights.h5`` with ``save_weights_only=True``) every epoch or
    every ``save_freq`` batches. ``filepath`` may hold ``{epoch:02d}``, ``{batch}`` and any log key
    (``{val_loss:.2f}``); ``save_best_only`` keeps only improvements of ``monitor`` (``mode``,
    ``initial_value_threshold``).

    >>> import os, tempfile
    >>> import numpy as np
    >>> from tapegrad import keras
    >>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> folder = tempfile.mkdtemp()
    >>> cb = keras.callbacks.ModelCheckpoint(os.path.join(folder, "w-{epoch:02d}-{loss:.1f}.weights.h5"),
    ...                                      save_weights_only=True)
    >>> _ = model.fit(np.zeros((4, 1)), np.zeros((4, 1)), epochs=2, verbose=0, callbacks=[cb])
    >>> sorted(os.listdir(folder))
    ['w-01-0.0.weights.h5', 'w-02-0.0.weights.h5']
    """

    def __init__(self, filepath: Any, monitor: str = "val_loss", verbose: int = 0, save_best_only: bool = False,
                 save_weights_only: bool = False, mode: str = "auto", save_freq: Any = "epoch",
                 initial_value_threshold: float | None = None) -> None:
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.save_freq = save_freq
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are 'epoch' or integer values")
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided "
                                 "must end in `.weights.h5` (Keras weights format). Received: "
                                 f"filepath={self.filepath}")
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError("The filepath provided must end in `.keras` (Keras model format). Received: "
                             f"filepath={self.filepath}")
        self._counter = _SaveFrequency(save_freq)
        self._current_epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._current_epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self._counter.due(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _get_file_path(self, epoch: int, batch: int | None, logs: dict[str, Any] | None) -> str:
        logs = _float_logs(logs)
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {e} is not a log '
                           f"key (available: epoch, batch, {', '.join(logs)}).") from None

    def _should_save(self, epoch: int, logs: dict[str, Any] | None, filepath: str) -> bool:
        logs = _float_logs(logs)
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=3)
            return True
        if np.ndim(current) > 0:
            warnings.warn(f"Can save best model only when `monitor` is a scalar value. Received: {current}. Falling "
                          "back to `save_best_only=False`.", stacklevel=3)
            return True
        best_str = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_str} to {current:.5f}, saving model "
                      f"to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_str}")
        return False

    def _save_model(self, epoch: int, batch: int | None, logs: dict[str, Any] | None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        filepath = self._get_file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise OSError("Please specify a non-directory filepath for ModelCheckpoint. Filepath used is an existing "
                          f"directory: {filepath}")
        if not self._should_save(epoch, logs, filepath):
            return
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")


def _optimizers(model: Any) -> list[Any]:
    opt = model.optimizer
    return list(opt.optimizers) if hasattr(opt, "optimizers") else [opt]


def _log_learning_rates(model: Any, logs: dict[str, Any]) -> None:
    if hasattr(model.optimizer, "optimizers"):
        for opt in model.optimizer.optimizers:
            logs[f"learning_rate_{opt.name}"] = _lr(opt)
    else:
        logs["learning_rate"] = _lr(model.optimizer)


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved by ``min_delta`` for
    ``patience`` epochs (then wait ``cooldown`` epochs; never below ``min_lr``); logs ``learning_rate``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, kernel_initializer="zeros")])
    >>> model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    >>> cb = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1)
    >>> h = model.fit(np.ones((4, 1)), np.ones((4, 1)), epochs=3, verbose=0, callbacks=[cb])
    >>> h.history["learning_rate"]
    [0.0, 0.0, 0.0]
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, verbose: int = 0,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0,
                 **kwargs: Any) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        self.factor, self.min_lr, self.patience, self.verbose = factor, min_lr, patience, verbose
        self.cooldown, self.cooldown_counter, self.wait = cooldown, 0, 0

    def _reset(self) -> None:
        self.best, self.cooldown_counter, self.wait = None, 0, 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._reset()

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _reduce(self, optimizer: Any, epoch: int, name: str = "") -> bool:
        old_lr = _lr(optimizer)
        if old_lr <= np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            name_str = f" {name}" if name else ""
            print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{name_str} learning rate to {new_lr}.")
        return True

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = _float_logs(logs)
        _log_learning_rates(self.model, logs)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(logs)}.", stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best, self.wait = current, 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                multi = hasattr(self.model.optimizer, "optimizers")
                reduced = [self._reduce(opt, epoch, opt.name if multi else "") for opt in _optimizers(self.model)]
                if any(reduced):
                    self.cooldown_counter, self.wait = self.cooldown, 0


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of every epoch to ``schedule(epoch, lr)`` (or ``schedule(epoch)``);
    logs ``learning_rate`` at the end of the epoch."""

    def __init__(self, schedule: Callable[..., Any], verbose: int = 0) -> None:
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def _update(self, optimizer: Any, epoch: int) -> Any:
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            lr = self.schedule(epoch, _lr(optimizer))
        except TypeError:  # a one-argument schedule (Keras tries two arguments first, too)
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {lr!r} of type "
                             f"{type(lr).__name__}; return a Python float.")
        optimizer.learning_rate = lr
        return lr

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        multi = hasattr(self.model.optimizer, "optimizers")
        for opt in _optimizers(self.model):
            lr = self._update(opt, epoch)
            if self.verbose > 0:
                which = f"{opt.name} " if multi else ""
                print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting {which}learning rate to {lr}.")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        _log_learning_rates(self.model, _float_logs(logs))


class CSVLogger(Callback):
    """Write one CSV row per epoch (``epoch`` then the sorted log keys; ``val_`` columns are added when the first
    epoch has none) to ``filename``; ``append=True`` continues an existing file.

    >>> import os, tempfile
    >>> import numpy as np
    >>> from tapegrad import keras
    >>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> path = os.path.join(tempfile.mkdtemp(), "log.csv")
    >>> _ = model.fit(np.zeros((4, 1)), np.zeros((4, 1)), epochs=2, verbose=0,
    ...               callbacks=[keras.callbacks.CSVLogger(path)])
    >>> open(path).read().splitlines()
    ['epoch,loss,val_loss', '0,0.0,NA', '1,0.0,NA']
    """

    def __init__(self, filename: Any, separator: str = ",", append: bool = False) -> None:
        super().__init__()
        self.sep, self.filename, self.append = separator, os.fspath(filename), append
        self.writer: Any = None
        self.keys: list[str] | None = None
        self.append_header = True
        self.csv_file: Any = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, newline="")  # noqa: SIM115  (open across epochs, as Keras)
        self.writer, self.keys = None, None

    @staticmethod
    def _value(v: Any) -> Any:
        if isinstance(v, str):
            return v
        if isinstance(v, collections.abc.Iterable) and not (isinstance(v, np.ndarray) and v.ndim == 0):
            return f'"[{", ".join(map(str, v))}]"'
        return v

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = _float_logs(logs)
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys.extend([f"val_{k}" for k in self.keys])
        if self.writer is None:
            sep = self.sep

            class Dialect(csv.excel):
                delimiter = sep

            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch", *self.keys], dialect=Dialect)
            if self.append_header:
                self.writer.writeheader()
        row = collections.OrderedDict({"epoch": epoch})
        row.update((k, self._value(logs.get(k, "NA"))) for k in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


class TerminateOnNaN(Callback):
    """Stop training (``model.stop_training = True``) at the first batch whose ``loss`` is NaN or infinite;
    ``raise_error=True`` raises ``RuntimeError`` instead."""

    def __init__(self, raise_error: bool = False) -> None:
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        loss = _float_logs(logs).get("loss")
        if loss is None or not (np.isnan(loss) or np.isinf(loss)):
            return
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. Terminating "
                               "training immediately.")
        print(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True


class BackupAndRestore(Callback):
    """Fault-tolerant training: save the weights and the epoch reached to ``backup_dir`` every epoch (or every
    ``save_freq`` batches); a later ``fit`` with the same callback restores them and resumes after the last saved
    epoch. The backup is deleted when training finishes (``delete_checkpoint``); ``double_checkpoint`` keeps the
    previous backup as ``*.bkp`` for a backup that was cut off while being written."""

    def __init__(self, backup_dir: Any, save_freq: Any = "epoch", double_checkpoint: bool = False,
                 delete_checkpoint: bool = True) -> None:
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"Invalid value for argument `save_freq`. Received: save_freq={save_freq}. Expected "
                             "either 'epoch' or an integer value.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq, self.double_checkpoint, self.delete_checkpoint = save_freq, double_checkpoint, \
            delete_checkpoint
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._training_metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = f"{self._weights_path}.bkp"
        self._prev_training_metadata_path = f"{self._training_metadata_path}.bkp"
        self._counter = _SaveFrequency(save_freq)
        self._current_epoch = 0
        self._last_batch_seen = 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        try:
            self._load_model()
        except OSError:
            if not os.path.exists(self._prev_weights_path):
                raise
            shutil.copy(self._prev_weights_path, self._weights_path)
            if os.path.exists(self._prev_training_metadata_path):
                shutil.copy(self._prev_training_metadata_path, self._training_metadata_path)
            elif os.path.exists(self._training_metadata_path):
                os.remove(self._training_metadata_path)
            self._load_model()

    def _load_model(self) -> None:
        if not getattr(self.model, "built", True):
            raise ValueError("To use the BackupAndRestore callback, you model must be built before you call "
                             f"`fit()`. Model {self.model} is unbuilt. You can build it beforehand by calling it on a "
                             "batch of data.")
        if os.path.exists(self._weights_path):
            opt = self.model.optimizer
            if opt is not None and not opt.built:
                opt.build(self.model.trainable_variables)
            self.model.load_weights(self._weights_path)
        if os.path.exists(self._training_metadata_path):
            with open(self._training_metadata_path) as f:
                self.model._initial_epoch = json.loads(f.read())["epoch"]

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save_model()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self._counter.due(batch):
            self._last_batch_seen = batch
            self._save_model()

    def _save_model(self) -> None:
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._weights_path):
            shutil.copy(self._weights_path, self._prev_weights_path)
        if self.double_checkpoint and os.path.exists(self._training_metadata_path):
            shutil.copy(self._training_metadata_path, self._prev_training_metadata_path)
        self.model.save_weights(self._weights_path, overwrite=True)
        with open(self._training_metadata_path, "w") as f:
            f.write(json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen}))

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)


class SwapEMAWeights(Callback):
    """Evaluate and predict with the optimizer's exponential moving averages of the weights (an optimizer built
    with ``use_ema=True``): the averages are swapped into the model for ``evaluate``/``predict`` (and for the
    validation inside ``fit``) and swapped back afterwards. ``swap_on_epoch=True`` also keeps them in the model
    from each epoch's end to the next epoch's start, and leaves them there after the last epoch."""

    def __init__(self, swap_on_epoch: bool = False) -> None:
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _ema_optimizers(self) -> list[Any]:
        opt = self.model.optimizer
        opt = getattr(opt, "inner_optimizer", opt)
        if hasattr(opt, "optimizers"):
            chosen = [o for o in opt.optimizers if getattr(o, "use_ema", False)]
            if not chosen:
                raise ValueError("SwapEMAWeights must be used when at least one inner optimizer has `use_ema=True` "
                                 "set. Received a MultiOptimizer with all inner optimizers having `use_ema=False`.")
        else:
            chosen = [opt]
        for o in chosen:
            if not hasattr(o, "_model_variables_moving_average"):
                raise ValueError("SwapEMAWeights must be used when `use_ema=True` is set on the optimizer (and the "
                                 f"optimizer has been built). Received: use_ema={getattr(o, 'use_ema', None)}")
        return chosen

    def _swap_variables(self) -> None:
        for opt in self._ema_optimizers():
            for var, average in zip(opt._trainable_variables, opt._model_variables_moving_average):
                current = var.numpy().copy()
                var.assign(average.numpy().copy())
                average.assign(current)

    def _finalize_ema_values(self) -> None:
        for opt in self._ema_optimizers():
            for var, average in zip(opt._trainable_variables, opt._model_variables_moving_average):
                average.assign(var.numpy().copy())

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True
            if epoch == self.params["epochs"] - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None:
        # Keras 3.15 tests ``not self._ema_weights_in_model`` here, so the averages stay in the model after
        # predict; we swap back, as on_test_end does (the documented behaviour).
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False


class RemoteMonitor(Callback):
    """POST every epoch's logs (and ``epoch``) to ``root + path``: as a form field ``field`` holding JSON, or as a
    JSON body with ``send_as_json=True``. Uses ``urllib`` (Keras needs ``requests``); an unreachable server is a
    warning, not an error."""

    def __init__(self, root: str = "http://localhost:9000", path: str = "/publish/epoch/end/", field: str = "data",
                 headers: dict[str, str] | None = None, send_as_json: bool = False) -> None:
        super().__init__()
        self.root, self.path, self.field, self.headers, self.send_as_json = root, path, field, headers, send_as_json

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        send: dict[str, Any] = {"epoch": epoch}
        for k, v in _float_logs(logs).items():
            send[k] = v.item() if isinstance(v, (np.ndarray, np.generic)) else v
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
        except (urllib.error.URLError, OSError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}", stacklevel=2)
