"""``keras.callbacks``: hooks into ``fit``/``evaluate``/``predict``; ``History`` records the epoch logs.

>>> import numpy as np
>>> from tapegrad import keras
>>> keras.backend.clear_session()
>>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
>>> model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
>>> history = model.fit(np.ones((8, 1)), np.ones((8, 1)), epochs=3, verbose=0)
>>> sorted(history.history), history.epoch, history.params
(['loss'], [0, 1, 2], {'verbose': 0, 'epochs': 3, 'steps': 1})
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .utils import Progbar

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger", "LambdaCallback", "EarlyStopping", "TensorBoard"]


class Callback:
    """Base class: override any of the ``on_*`` hooks; ``self.model`` and ``self.params`` are set by ``fit``."""

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self._model: Any = None

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def set_model(self, model: Any) -> None:
        self._model = model

    @property
    def model(self) -> Any:
        return self._model

    def on_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...
    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None: ...

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...
    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...
    def on_predict_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...
    def on_predict_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...
    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None: ...
    def on_train_end(self, logs: dict[str, Any] | None = None) -> None: ...
    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None: ...
    def on_test_end(self, logs: dict[str, Any] | None = None) -> None: ...
    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None: ...
    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None: ...


def _pythonify_logs(logs: dict[str, Any] | None) -> dict[str, Any]:
    """Keras 3's ``pythonify_logs``: a new dict, keys sorted, nested dicts flattened, values as Python floats
    where they convert (tensors, NumPy scalars); other values (predict's ``outputs``) are kept."""
    result: dict[str, Any] = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(_pythonify_logs(value))
            continue
        try:
            value = float(value.numpy() if hasattr(value, "numpy") else value)
        except (TypeError, ValueError):
            pass
        result[key] = value
    return result


class CallbackList(Callback):
    """Several callbacks called in order (``fit`` adds the progress bar and ``History``)."""

    def __init__(self, callbacks: list[Callback] | None = None, add_history: bool = False,
                 add_progbar: bool = False, model: Any = None, **params: Any) -> None:
        super().__init__()
        self.callbacks = list(callbacks or [])
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        if add_history and not any(isinstance(c, History) for c in self.callbacks):
            self.callbacks.append(History())
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def set_model(self, model: Any) -> None:
        super().set_model(model)
        for c in self.callbacks:
            c.set_model(model)

    def set_params(self, params: dict[str, Any]) -> None:
        super().set_params(params)
        for c in self.callbacks:
            c.set_params(params)

    def _call(self, hook: str, *args: Any) -> None:
        *head, logs = args  # every hook's last argument is its logs, made plain as Keras 3 does
        logs = _pythonify_logs(logs)
        for c in self.callbacks:
            getattr(c, hook)(*head, logs)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._call("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call("on_predict_batch_end", batch, logs)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._call("on_train_begin", logs)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._call("on_train_end", logs)

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._call("on_test_begin", logs)

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        self._call("on_test_end", logs)

    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None:
        self._call("on_predict_end", logs)


class History(Callback):
    """Records every epoch's logs: ``history.history[name]`` is a list with one value per epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self


class ProgbarLogger(Callback):
    """Prints ``Epoch i/n`` (when there is more than one epoch) and a :class:`~tapegrad.keras.utils.Progbar` per
    epoch (or per ``evaluate``/``predict``); validation inside ``fit`` only adds its ``val_*`` values to the
    epoch's final line."""

    def __init__(self) -> None:
        super().__init__()
        self.verbose: int = 1
        self.epochs: int = 1
        self.target: int | None = None
        self.progbar: Progbar | None = None
        self._seen = 0
        self._called_in_fit = False

    def set_params(self, params: dict[str, Any]) -> None:
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _reset(self) -> None:
        self._seen = 0
        self.progbar = Progbar(self.target, verbose=self.verbose, unit_name="step")

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._called_in_fit = True

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._called_in_fit = False

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._reset()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._update(batch, logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._finalize(logs)

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not self._called_in_fit:
            self._reset()

    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if not self._called_in_fit:
            self._update(batch, logs)

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        if not self._called_in_fit:
            self._finalize(logs)

    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._reset()

    def on_predict_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._update(batch, None)

    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None:
        self._finalize(None)

    def _update(self, batch: int, logs: dict[str, Any] | None) -> None:
        if self.progbar is None:
            self._reset()
        assert self.progbar is not None
        self._seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self._seen, list((logs or {}).items()), finalize=False)

    def _finalize(self, logs: dict[str, Any] | None) -> None:
        if self.progbar is None:
            self._reset()
        assert self.progbar is not None
        if self.target is None:  # an input of unknown length: its length is known now (Keras keeps it)
            self.target = self._seen
            self.progbar.target = self.target
        self.progbar.update(self.target, list((logs or {}).items()), finalize=True)


class LambdaCallback(Callback):
    """A callback from functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(self, **hooks: Callable[..., Any]) -> None:
        super().__init__()
        for name, fn in hooks.items():
            setattr(self, name, fn)


from ._callbacks_extra import (  # noqa: E402  (they subclass Callback)
    BackupAndRestore,
    CSVLogger,
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    MonitorCallback,
    ReduceLROnPlateau,
    RemoteMonitor,
    SwapEMAWeights,
    TerminateOnNaN,
)
from ._tensorboard import TensorBoard  # noqa: E402  (it subclasses Callback)

__all__ += ["BackupAndRestore", "CSVLogger", "LearningRateScheduler", "ModelCheckpoint", "MonitorCallback",
            "ReduceLROnPlateau", "RemoteMonitor", "SwapEMAWeights", "TerminateOnNaN"]
