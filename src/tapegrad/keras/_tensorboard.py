"""``keras.callbacks.TensorBoard``: Keras 3's TensorBoard logging on :mod:`tapegrad.summary` (event files that
TensorBoard and TensorFlow read).

Layout (as Keras 3 writes it): ``<log_dir>/train`` holds ``epoch_<log>`` scalars (``epoch_loss``, each metric,
``epoch_learning_rate``), per-batch ``batch_<log>`` scalars when ``update_freq`` is ``"batch"`` or an int, weight
histograms ``<weight path>/histogram`` (and ``/image`` with ``write_images``) every ``histogram_freq`` epochs and
the model's JSON under the tag ``keras`` (``write_graph``); ``<log_dir>/validation`` holds the validation
``epoch_<log>`` scalars and ``evaluation_<log>_vs_iterations`` (step: the optimizer's iterations).
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

import numpy as np

from .callbacks import Callback

__all__ = ["TensorBoard"]


class TensorBoard(Callback):
    """Log training to TensorBoard event files under ``log_dir`` (Keras 3's ``keras.callbacks.TensorBoard``).

    ``update_freq``: ``"epoch"`` (default), ``"batch"`` (every batch) or an int ``n`` (batch scalars every ``n``
    batches); ``histogram_freq``: weight histograms every that many epochs (0: never); ``write_images``: weights
    as images too; ``write_graph``: the model's JSON (tapegrad programs have no TF graph, so the train-function
    graph Keras adds on the TensorFlow backend is not written); ``write_steps_per_second``; ``embeddings_freq``:
    every that many epochs the weights are saved as ``train/keras_embedding.ckpt-<epoch>.weights.h5`` next to a
    ``projector_config.pbtxt`` naming the Embedding layers. ``profile_batch`` must be 0: tapegrad has no profiler.

    >>> import os, tempfile
    >>> import numpy as np
    >>> from tapegrad import keras
    >>> logdir = tempfile.mkdtemp()
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> _ = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0, validation_data=(np.ones((2, 2)),
    ...               np.ones((2, 1))), callbacks=[keras.callbacks.TensorBoard(logdir)])
    >>> sorted(os.listdir(logdir))
    ['train', 'validation']
    """

    def __init__(self, log_dir: Any = "logs", histogram_freq: int = 0, write_graph: bool = True,
                 write_images: bool = False, write_steps_per_second: bool = False, update_freq: Any = "epoch",
                 profile_batch: Any = 0, embeddings_freq: int = 0, embeddings_metadata: Any = None) -> None:
        super().__init__()
        if profile_batch:
            raise ValueError(f"Profiling is not available with tapegrad (it has no profiler). Received: "
                             f"profile_batch={profile_batch!r} (must be 0).")
        if update_freq != "epoch" and update_freq != "batch" and not (
                isinstance(update_freq, int) and not isinstance(update_freq, bool) and update_freq > 0):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive int; got "
                             f"{update_freq!r}.")
        self.log_dir = str(os.fspath(log_dir))
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._global_train_batch = 0
        self._global_test_batch = 0
        self._previous_epoch_iterations = 0.0
        self._epoch_start_time = 0.0
        self._batch_start_time = 0.0
        self._writers: dict[str, Any] = {}
        self._contexts: list[contextlib.ExitStack] = []

    @property
    def summary(self) -> Any:
        from .. import summary

        return summary

    # -- writers ---------------------------------------------------------------------------------------------------
    def set_model(self, model: Any) -> None:
        super().set_model(model)
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._writers = {}
        if self.write_graph:
            self._write_keras_model_summary()
        if self.embeddings_freq:
            self._configure_embeddings()

    @property
    def _train_writer(self) -> Any:
        if "train" not in self._writers:
            self._writers["train"] = self.summary.create_file_writer(self._train_dir)
        return self._writers["train"]

    @property
    def _val_writer(self) -> Any:
        if "val" not in self._writers:
            self._writers["val"] = self.summary.create_file_writer(self._val_dir)
        return self._writers["val"]

    def _push_writer(self, writer: Any, step: int) -> None:
        """Make ``writer`` the default at ``step`` for batch-level summaries (recorded every ``update_freq``)."""
        if self.update_freq == "epoch":
            return
        stack = contextlib.ExitStack()
        stack.enter_context(writer.as_default(step))
        stack.enter_context(self.summary.record_if(lambda: step % self.update_freq == 0))
        self._contexts.append(stack)

    def _pop_writer(self) -> None:
        if self.update_freq == "epoch":
            return
        self._contexts.pop().close()

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()

    def _write_keras_model_summary(self) -> None:
        """The model's JSON under the tag ``keras`` (plugin ``graph_keras_model``), for Sequential and functional
        models, as Keras's ``keras_model_summary``."""
        if type(self.model).__name__ not in ("Functional", "Sequential"):
            return
        from .._summary_pb import SummaryMetadata

        try:
            data = self.model.to_json()
        except Exception as e:  # noqa: BLE001  (Keras: a model that does not serialise is not logged)
            import warnings

            warnings.warn(f"Model failed to serialize as JSON. Ignoring... {e}", stacklevel=2)
            return
        meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="graph_keras_model",
                                                                       content=b"1"))
        with self._train_writer.as_default():
            self.summary.write("keras", data, step=0, metadata=meta)

    def _configure_embeddings(self) -> None:
        from .layers import Embedding

        entries = []
        metadata = self.embeddings_metadata
        for layer in self.model.layers:
            if isinstance(layer, Embedding):
                entry = '  tensor_name: "layer_with_weights-0/embeddings/.ATTRIBUTES/VARIABLE_VALUE"\n'
                path = None
                if isinstance(metadata, str):
                    path = metadata
                elif metadata is not None and layer.name in metadata:
                    path = metadata.pop(layer.name)
                if path is not None:
                    entry += f'  metadata_path: "{path}"\n'
                entries.append("embeddings {\n" + entry + "}\n")
        if metadata and not isinstance(metadata, str):
            raise ValueError(f"Unrecognized `Embedding` layer names passed to `keras.callbacks.TensorBoard` "
                             f"`embeddings_metadata` argument: {metadata.keys()}")
        os.makedirs(self.log_dir, exist_ok=True)
        with open(os.path.join(self.log_dir, "projector_config.pbtxt"), "w") as f:
            f.write("".join(entries))

    # -- hooks -----------------------------------------------------------------------------------------------------
    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0.0
        self._push_writer(self._train_writer, self._global_train_batch)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._pop_writer()
        self._close_writers()

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._push_writer(self._val_writer, self._global_test_batch)

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "iterations"):
            with self._val_writer.as_default():
                for name, value in (logs or {}).items():
                    self.summary.scalar(f"evaluation_{name}_vs_iterations", value, step=optimizer.iterations)
        self._pop_writer()

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._global_train_batch += 1
        if self.update_freq != "epoch":
            self._pop_writer()
            self._push_writer(self._train_writer, self._global_train_batch)
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.write_steps_per_second:
            self.summary.scalar("batch_steps_per_second", 1.0 / max(time.time() - self._batch_start_time, 1e-9),
                                step=self._global_train_batch)
        if isinstance(logs, dict):
            for name, value in logs.items():
                self.summary.scalar(f"batch_{name}", value, step=self._global_train_batch)

    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._global_test_batch += 1
        if self.update_freq != "epoch":
            self._pop_writer()
            self._push_writer(self._val_writer, self._global_test_batch)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.write_steps_per_second:
            self._previous_epoch_iterations = float(self.model.optimizer.iterations.numpy())
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self.model.save_weights(os.path.join(self.log_dir, "train", f"keras_embedding.ckpt-{epoch}.weights.h5"))

    # -- epoch logs --------------------------------------------------------------------------------------------------
    def _collect_learning_rate(self, logs: dict[str, Any]) -> dict[str, Any]:
        from .optimizers import Optimizer

        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if isinstance(optimizer, Optimizer):
            logs["learning_rate"] = float(np.asarray(_numpy(optimizer.learning_rate)))
        return logs

    def _log_epoch_metrics(self, epoch: int, logs: dict[str, Any] | None) -> None:
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k: v for k, v in logs.items() if k.startswith("val_")}
        train_logs = self._collect_learning_rate(train_logs)
        if self.write_steps_per_second:
            iterations = float(self.model.optimizer.iterations.numpy())
            train_logs["steps_per_second"] = ((iterations - self._previous_epoch_iterations) /
                                              max(time.time() - self._epoch_start_time, 1e-9))
        if train_logs:
            with self._train_writer.as_default():
                for name, value in train_logs.items():
                    self.summary.scalar(f"epoch_{name}", value, step=epoch)
        if val_logs:
            with self._val_writer.as_default():
                for name, value in val_logs.items():
                    self.summary.scalar(f"epoch_{name[4:]}", value, step=epoch)

    def _log_weights(self, epoch: int) -> None:
        with self._train_writer.as_default():
            for layer in self.model.layers:
                for weight in layer.weights:
                    weight_name = weight.path.replace(":", "_")
                    self.summary.histogram(f"{weight_name}/histogram", weight, step=epoch)
                    if self.write_images:
                        self._log_weight_as_image(weight, f"{weight_name}/image", epoch)
            self._train_writer.flush()

    def _log_weight_as_image(self, weight: Any, weight_name: str, epoch: int) -> None:
        """A weight as an image, laid out as Keras does: a bias as one row, a dense kernel with its longer side
        across, a conv kernel as one image per output channel."""
        w = np.squeeze(np.asarray(_numpy(weight)))
        if w.ndim == 1:
            w = w.reshape(1, w.shape[0], 1, 1)
        elif w.ndim == 2:
            if w.shape[0] > w.shape[1]:
                w = w.T
            w = w.reshape(1, w.shape[0], w.shape[1], 1)
        elif w.ndim == 3:
            w = np.transpose(w, (2, 0, 1))  # channels_last: one image per kernel
            w = w.reshape(w.shape[0], w.shape[1], w.shape[2], 1)
        if w.ndim == 4 and w.shape[-1] in (1, 3, 4):
            self.summary.image(weight_name, w, step=epoch)


def _numpy(x: Any) -> Any:
    return x.numpy() if hasattr(x, "numpy") else x
