"""Keras conformance programs for the training breadth: the rest of Keras 3's losses, metrics, optimizers,
callbacks and regularizers (registered into ``programs.PROGRAMS``; imported at the end of programs.py).

Losses give their value and gradient with respect to the prediction; metrics their result after several
``update_state`` calls (and after ``reset_state``); optimizers 100-step trajectories of fixed gradients; callbacks
the files they write, the learning rate per epoch and the logs they see.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .programs import (
    PROGRAMS,
    _grads,
    _loss_data,
    _register_losses,
    _regression_data,
    _set_sequential_weights,
    _trajectory,
    _value_and_grad,
    arr,
    caught,
    program,
)

# ----------------------------------------------------------------------------------------------------------------
# losses

_L = Callable[[Any, dict[str, np.ndarray]], Callable[[Any], Any]]
_LOSS_CASES: dict[str, tuple[_L, str]] = {
    "hinge": (lambda k, d: lambda p: k.losses.Hinge()(d["bin_true"], p), "bin_logits"),
    "hinge_signed": (lambda k, d: lambda p: k.losses.hinge(d["bin_true"] * 2 - 1, p), "bin_logits"),
    "squared_hinge": (lambda k, d: lambda p: k.losses.SquaredHinge(reduction="sum")(d["bin_true"], p),
                      "bin_logits"),
    "categorical_hinge": (lambda k, d: lambda p: k.losses.CategoricalHinge()(d["onehot"], p), "logits"),
    "mape": (lambda k, d: lambda p: k.losses.MeanAbsolutePercentageError()(d["reg_true"], p), "reg_pred"),
    "mape_fn_zero_true": (lambda k, d: lambda p: k.losses.mean_absolute_percentage_error(
        d["reg_true"] * (d["reg_true"] > 0), p), "reg_pred"),
    "msle": (lambda k, d: lambda p: k.losses.MeanSquaredLogarithmicError()(d["reg_true"], p), "reg_pred"),
    "cosine": (lambda k, d: lambda p: k.losses.CosineSimilarity()(d["reg_true"], p), "reg_pred"),
    "cosine_axis0": (lambda k, d: lambda p: k.losses.CosineSimilarity(axis=0, reduction=None)(d["reg_true"], p),
                     "reg_pred"),
    "log_cosh": (lambda k, d: lambda p: k.losses.LogCosh()(d["reg_true"], p, sample_weight=d["weights"]),
                 "reg_pred"),
    "kld": (lambda k, d: lambda p: k.losses.KLDivergence()(d["onehot"] * 0.7 + 0.075, p), "probs"),
    "kld_fn": (lambda k, d: lambda p: k.losses.kl_divergence(d["probs"][::-1], p), "probs"),
    "poisson": (lambda k, d: lambda p: k.losses.Poisson()(np.abs(d["reg_true"]), p), "bin_probs"),
    "binary_focal": (lambda k, d: lambda p: k.losses.BinaryFocalCrossentropy()(d["bin_true"], p), "bin_probs"),
    "binary_focal_balanced_logits": (lambda k, d: lambda p: k.losses.BinaryFocalCrossentropy(
        apply_class_balancing=True, alpha=0.3, gamma=1.5, from_logits=True, label_smoothing=0.1)(
        d["bin_true"], p, sample_weight=d["weights"]), "bin_logits"),
    "categorical_focal": (lambda k, d: lambda p: k.losses.CategoricalFocalCrossentropy()(d["onehot"], p), "probs"),
    "categorical_focal_logits": (lambda k, d: lambda p: k.losses.CategoricalFocalCrossentropy(
        alpha=0.5, gamma=3.0, from_logits=True, label_smoothing=0.2, reduction="sum")(d["onehot"], p), "logits"),
    "dice": (lambda k, d: lambda p: k.losses.Dice()(d["bin_true"], p), "bin_probs"),
    "dice_axis": (lambda k, d: lambda p: k.losses.Dice(axis=-1, reduction=None)(d["bin_true"], p), "bin_probs"),
    "tversky": (lambda k, d: lambda p: k.losses.Tversky(alpha=0.3, beta=0.7)(d["bin_true"], p), "bin_probs"),
    "tversky_axis": (lambda k, d: lambda p: k.losses.Tversky(axis=1)(d["bin_true"], p,
                                                                     sample_weight=d["weights"]), "bin_probs"),
    "generalized_ce": (lambda k, d: lambda p: k.losses.CategoricalGeneralizedCrossEntropy(q=0.7)(d["labels"], p),
                       "probs"),
    "circle": (lambda k, d: lambda p: k.losses.Circle(gamma=4.0)(
        np.array([0, 1, 0, 2, 1]), p / np.linalg.norm(d["reg_pred"], axis=1, keepdims=True)), "reg_pred"),
    "circle_fn_ref": (lambda k, d: lambda p: k.losses.circle(
        np.array([0, 1, 0, 2, 1]), p / np.linalg.norm(d["reg_pred"], axis=1, keepdims=True),
        ref_labels=np.array([1, 0, 2]), ref_embeddings=d["reg_true"][:3] / np.linalg.norm(
            d["reg_true"][:3], axis=1, keepdims=True), remove_diagonal=False, gamma=10, margin=0.25), "reg_pred"),
    "mse_masked": (lambda k, d: lambda p: k.losses.MeanSquaredError()(d["reg_true"], _masked(p)), "reg_pred"),
    "mse_masked_weighted_sum": (lambda k, d: lambda p: k.losses.MeanSquaredError(reduction="sum")(
        d["reg_true"], _masked(p), sample_weight=d["weights"]), "reg_pred"),
}


def _masked(p: Any) -> Any:
    """``p`` (a copy) carrying a Keras mask, as a Masking/Embedding(mask_zero) layer would attach."""
    p = p * 1.0
    p._keras_mask = p[:, 0] > -1.0
    return p


_register_losses(_LOSS_CASES, "kt_loss_")


@program
def prog_kt_loss_configs(tf: Any, keras: Any) -> Any:
    """get_config of every new loss class, serialize/deserialize round trips, get() of the aliases, errors."""
    k = keras.losses
    objs = [k.Hinge(), k.SquaredHinge(), k.CategoricalHinge(), k.MeanAbsolutePercentageError(),
            k.MeanSquaredLogarithmicError(), k.CosineSimilarity(axis=1), k.LogCosh(), k.KLDivergence(), k.Poisson(),
            k.BinaryFocalCrossentropy(alpha=0.4), k.CategoricalFocalCrossentropy(gamma=1.0), k.Dice(axis=1),
            k.Tversky(alpha=0.2), k.Circle(), k.CategoricalGeneralizedCrossEntropy(q=0.3), k.CTC()]
    configs = [o.get_config() for o in objs]
    back = [type(o).from_config(o.get_config()).get_config() for o in objs]
    serialized = [k.serialize(o) for o in objs]
    names = [k.get(n).__name__ for n in ("kld", "KLD", "mape", "MAPE", "msle", "MSLE", "poisson", "hinge",
                                          "log_cosh", "cosine_similarity", "dice", "tversky", "bce")]
    errors = [caught(lambda: k.CategoricalGeneralizedCrossEntropy(q=1.5))]
    return configs, back, serialized, names, errors


# ----------------------------------------------------------------------------------------------------------------
# metrics: results over several update_state calls, then reset_state and one more


def _metric_data(seed: int = 31) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    d = _loss_data()
    return dict(d, reg_true2=rng.standard_normal((3, 5, 3)).astype(np.float32),
                reg_pred2=rng.standard_normal((3, 5, 3)).astype(np.float32),
                bin_true2=(rng.random((3, 6, 3)) > 0.5).astype(np.float32),
                bin_pred2=rng.random((3, 6, 3)).astype(np.float32),
                cls_true=rng.integers(0, 4, size=(3, 8)).astype(np.int32),
                cls_pred=rng.integers(-1, 5, size=(3, 8)).astype(np.int32),
                w2=rng.random((3, 6)).astype(np.float32), w8=rng.integers(0, 3, size=(3, 8)).astype(np.int32))


def _stream(metric: Any, batches: list[tuple[Any, ...]]) -> Any:
    results = []
    for args in batches:
        metric.update_state(*args[:2], **({"sample_weight": args[2]} if len(args) > 2 else {}))
        results.append(np.asarray(metric.result()))
    metric.reset_state()
    after_reset = np.asarray(metric.result())
    metric.update_state(*batches[0][:2])
    return results, after_reset, np.asarray(metric.result()), metric.get_config(), metric.name


def _reg_batches(d: dict[str, np.ndarray], weighted: bool = False) -> list[tuple[Any, ...]]:
    return [(d["reg_true2"][i], d["reg_pred2"][i]) + ((d["w2"][i][:5],) if weighted else ()) for i in range(3)]


def _bin_batches(d: dict[str, np.ndarray], weighted: bool = False) -> list[tuple[Any, ...]]:
    return [(d["bin_true2"][i], d["bin_pred2"][i]) + ((d["w2"][i],) if weighted else ()) for i in range(3)]


def _cls_batches(d: dict[str, np.ndarray], weighted: bool = False) -> list[tuple[Any, ...]]:
    return [(d["cls_true"][i], d["cls_pred"][i]) + ((d["w8"][i],) if weighted else ()) for i in range(3)]


def _onehot_batches(d: dict[str, np.ndarray]) -> list[tuple[Any, ...]]:
    eye = np.eye(4, dtype=np.float32)
    scores = np.random.default_rng(5).random((3, 8, 4)).astype(np.float32)
    return [(eye[d["cls_true"][i]], scores[i]) for i in range(3)]


def _probs_batches(d: dict[str, np.ndarray]) -> list[tuple[Any, ...]]:
    p = d["probs"]
    return [(d["onehot"], p, d["weights"]), (d["onehot"][::-1], p), (d["onehot"][:2], p[:2])]


_M = Callable[[Any], Any]
_METRIC_CASES: dict[str, tuple[_M, Callable[[dict[str, np.ndarray]], list[tuple[Any, ...]]]]] = {
    "bce": (lambda k: k.metrics.BinaryCrossentropy(), _bin_batches),
    "bce_logits_smoothing": (lambda k: k.metrics.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
                             lambda d: _reg_batches(d, True)),
    "cce": (lambda k: k.metrics.CategoricalCrossentropy(), _probs_batches),
    "scce": (lambda k: k.metrics.SparseCategoricalCrossentropy(from_logits=True),
             lambda d: [(d["labels"], d["logits"]), (d["labels"][::-1], d["logits"], d["weights"])]),
    "kld": (lambda k: k.metrics.KLDivergence(), _probs_batches),
    "poisson": (lambda k: k.metrics.Poisson(), _bin_batches),
    "hinge": (lambda k: k.metrics.Hinge(), _bin_batches),
    "squared_hinge": (lambda k: k.metrics.SquaredHinge(), lambda d: _bin_batches(d, True)),
    "categorical_hinge": (lambda k: k.metrics.CategoricalHinge(), _probs_batches),
    "mape": (lambda k: k.metrics.MeanAbsolutePercentageError(), lambda d: _reg_batches(d, True)),
    "msle": (lambda k: k.metrics.MeanSquaredLogarithmicError(), _reg_batches),
    "cosine": (lambda k: k.metrics.CosineSimilarity(), _reg_batches),
    "cosine_axis0": (lambda k: k.metrics.CosineSimilarity(axis=0), _reg_batches),
    "logcosh": (lambda k: k.metrics.LogCoshError(), lambda d: _reg_batches(d, True)),
    "pearson": (lambda k: k.metrics.PearsonCorrelation(), _reg_batches),
    "pearson_axis0": (lambda k: k.metrics.PearsonCorrelation(axis=0), _reg_batches),
    "concordance": (lambda k: k.metrics.ConcordanceCorrelation(), lambda d: _reg_batches(d, True)),
    "r2": (lambda k: k.metrics.R2Score(), _reg_batches),
    "r2_none_weighted": (lambda k: k.metrics.R2Score(class_aggregation=None), lambda d: _reg_batches(d, True)),
    "r2_variance_weighted_adjusted": (lambda k: k.metrics.R2Score(class_aggregation="variance_weighted_average",
                                                                  num_regressors=2), _reg_batches),
    "f1": (lambda k: k.metrics.F1Score(), _bin_batches),
    "f1_micro_threshold": (lambda k: k.metrics.F1Score(average="micro", threshold=0.4),
                           lambda d: _bin_batches(d, True)),
    "fbeta_macro": (lambda k: k.metrics.FBetaScore(average="macro", beta=2.0, threshold=0.5), _bin_batches),
    "fbeta_weighted": (lambda k: k.metrics.FBetaScore(average="weighted", beta=0.5), lambda d: _bin_batches(d, True)),
    "iou": (lambda k: k.metrics.IoU(num_classes=4, target_class_ids=[0, 2]), _cls_batches),
    "mean_iou": (lambda k: k.metrics.MeanIoU(num_classes=4), lambda d: _cls_batches(d, True)),
    "mean_iou_ignore": (lambda k: k.metrics.MeanIoU(num_classes=4, ignore_class=1), _cls_batches),
    "binary_iou": (lambda k: k.metrics.BinaryIoU(), _bin_batches),
    "binary_iou_target1": (lambda k: k.metrics.BinaryIoU(target_class_ids=[1], threshold=0.3), _bin_batches),
    "binary_iou_bad_weights": (lambda k: k.metrics.BinaryIoU(), lambda d: _bin_batches(d, True)),
    "onehot_iou": (lambda k: k.metrics.OneHotIoU(num_classes=4, target_class_ids=[1, 3]), _onehot_batches),
    "onehot_mean_iou": (lambda k: k.metrics.OneHotMeanIoU(num_classes=4), _onehot_batches),
    "sensitivity_at_specificity": (lambda k: k.metrics.SensitivityAtSpecificity(0.6), _bin_batches),
    "specificity_at_sensitivity": (lambda k: k.metrics.SpecificityAtSensitivity(0.7, num_thresholds=50),
                                   lambda d: _bin_batches(d, True)),
    "precision_at_recall": (lambda k: k.metrics.PrecisionAtRecall(0.5, num_thresholds=20), _bin_batches),
    "recall_at_precision": (lambda k: k.metrics.RecallAtPrecision(0.55), _bin_batches),
    "recall_at_precision_class_id": (lambda k: k.metrics.RecallAtPrecision(0.4, class_id=1), _bin_batches),
}


def _register_metrics() -> None:
    for name, (make, batches) in _METRIC_CASES.items():
        def metric_prog(tf: Any, keras: Any, make: Any = make, batches: Any = batches) -> Any:
            keras.backend.clear_session(free_memory=False)
            return [caught(lambda: _stream(make(keras), batches(_metric_data())))]  # some cases are errors

        metric_prog.__doc__ = f"Keras 3 metric {name}: results over three update_state calls, reset, config."
        PROGRAMS[f"kt_metric_{name}"] = metric_prog


_register_metrics()


@program
def prog_kt_metric_functions_and_errors(tf: Any, keras: Any) -> Any:
    """The metric functions (aliases of losses and the correlations), serialize round trips and argument errors."""
    keras.backend.clear_session(free_memory=False)
    d = _loss_data()
    m, tm = keras.metrics, tf.keras.metrics  # the tf.keras 2 aliases are in TF's tf.keras only
    values = [tm.kld(d["onehot"] * 0.5 + 0.1, d["probs"]), tm.mape(d["reg_true"], d["reg_pred"]),
              tm.msle(d["reg_true"], d["reg_pred"]), tm.logcosh(d["reg_true"], d["reg_pred"]),
              m.pearson_correlation(d["reg_true"], d["reg_pred"]),
              m.concordance_correlation(d["reg_true"], d["reg_pred"]), m.hinge(d["bin_true"], d["bin_logits"]),
              m.poisson(d["bin_true"], d["bin_probs"]), m.huber(d["reg_true"], d["reg_pred"])]
    objs = [m.MeanIoU(3), m.F1Score(average="macro"), m.R2Score(), m.BinaryIoU(), m.PrecisionAtRecall(0.3),
            m.KLDivergence(), m.CosineSimilarity(axis=0), m.PearsonCorrelation(axis=1)]
    serialized = [m.serialize(o) for o in objs]
    back = [m.deserialize(s).get_config() for s in serialized]
    errors = [caught(lambda: m.FBetaScore(beta=2)), caught(lambda: m.FBetaScore(average="mean")),
              caught(lambda: m.F1Score(threshold=1.5)), caught(lambda: m.R2Score(num_regressors=-1)),
              caught(lambda: m.IoU(3, [3])), caught(lambda: m.PrecisionAtRecall(1.5)),
              caught(lambda: m.SensitivityAtSpecificity(0.5, num_thresholds=0)),
              caught(lambda: m.R2Score().update_state(np.ones(3), np.ones(3)))]
    return values, serialized, back, errors


# ----------------------------------------------------------------------------------------------------------------
# callbacks: files written, learning rate per epoch, the logs each hook sees


def _fit_model(keras: Any, lr: float = 0.05, optimizer: Any = None, metrics: Any = None) -> Any:
    keras.backend.clear_session(free_memory=False)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    _set_sequential_weights(model, 21)
    model.compile(optimizer=optimizer or keras.optimizers.SGD(lr), loss="mse", metrics=metrics)
    return model


def _fit(model: Any, callbacks: list[Any], epochs: int = 4, validation: bool = True, **kwargs: Any) -> Any:
    x, y = _regression_data(48)
    val = (x[:16] * 0.5, y[:16]) if validation else None
    return model.fit(x, y, batch_size=16, epochs=epochs, shuffle=False, verbose=0, validation_data=val,
                     callbacks=callbacks, **kwargs)


def _tempdir() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="ktrain_cb_")


@program
def prog_kt_cb_hook_order_and_logs(tf: Any, keras: Any) -> Any:
    """Every hook a custom Callback sees in fit (with validation), evaluate and predict: order, argument and the
    logs' keys in order and values; params; model.stop_training set from a hook ends fit after that batch."""
    events: list[Any] = []

    class Recorder(keras.callbacks.Callback):
        def _log(self, hook: str, arg: Any = None, logs: Any = None) -> None:
            events.append((hook, arg, None if logs is None else list(logs.keys()),
                           None if logs is None else [np.float32(v) for v in logs.values()]))

    for hook in ("train_begin", "train_end", "test_begin", "test_end", "predict_begin", "predict_end"):
        setattr(Recorder, f"on_{hook}", lambda self, logs=None, hook=hook: self._log(hook, None, logs))
    for hook in ("epoch_begin", "epoch_end", "train_batch_begin", "train_batch_end", "test_batch_begin",
                 "test_batch_end", "predict_batch_begin"):
        setattr(Recorder, f"on_{hook}", lambda self, i, logs=None, hook=hook: self._log(hook, i, logs))

    def predict_batch_end(self: Any, i: int, logs: Any = None) -> None:
        events.append(("predict_batch_end", i, sorted(logs), [np.asarray(logs["outputs"]).shape]))

    Recorder.on_predict_batch_end = predict_batch_end
    model = _fit_model(keras, metrics=["mae"])
    rec = Recorder()
    history = _fit(model, [rec], epochs=2)
    params = dict(rec.params)
    model.evaluate(*_regression_data(20), batch_size=8, verbose=0, callbacks=[rec])
    model.predict(_regression_data(20)[0], batch_size=8, verbose=0, callbacks=[rec])

    stopper = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: setattr(model, "stop_training", batch == 1))
    stopped = _fit(model, [stopper], epochs=3, validation=False)
    return events, params, history.history, history.epoch, stopped.epoch, len(stopped.history["loss"])


@program
def prog_kt_cb_learning_rate_scheduler(tf: Any, keras: Any) -> Any:
    """LearningRateScheduler with a two-argument and a one-argument schedule: lr per epoch, history, weights;
    a schedule that returns a non-float is a ValueError."""
    model = _fit_model(keras)
    h1 = _fit(model, [keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)])
    model2 = _fit_model(keras, optimizer=keras.optimizers.Adam(0.01))
    h2 = _fit(model2, [keras.callbacks.LearningRateScheduler(lambda epoch: 0.02 / (epoch + 1))], validation=False)
    bad = caught(lambda: _fit(_fit_model(keras), [keras.callbacks.LearningRateScheduler(lambda e, lr: "x")]))
    return h1.history, [arr(w) for w in model.weights], h2.history, [arr(w) for w in model2.weights], bad


@program
def prog_kt_cb_reduce_lr_on_plateau(tf: Any, keras: Any) -> Any:
    """ReduceLROnPlateau on a plateauing val_loss (patience, cooldown, min_lr): learning rate per epoch."""
    model = _fit_model(keras, lr=0.5)
    cb = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, cooldown=1, min_lr=0.05,
                                           min_delta=0.5)
    h = _fit(model, [cb], epochs=8)
    model2 = _fit_model(keras, lr=0.1, metrics=["mae"])
    cb2 = keras.callbacks.ReduceLROnPlateau(monitor="mae", mode="max", factor=0.2, patience=2)
    h2 = _fit(model2, [cb2], epochs=5, validation=False)
    return h.history, cb.wait, cb.cooldown_counter, h2.history, caught(
        lambda: keras.callbacks.ReduceLROnPlateau(factor=1.5))


@program
def prog_kt_cb_model_checkpoint(tf: Any, keras: Any) -> Any:
    """ModelCheckpoint: formatted file names ({epoch:02d}, {val_loss:.2f}, {batch}), save_best_only with
    monitor/mode, save_weights_only, save_freq in batches, the saved weights loaded back; argument errors."""
    import os

    folder = _tempdir()
    model = _fit_model(keras, lr=0.2)
    best = keras.callbacks.ModelCheckpoint(os.path.join(folder, "best-{epoch:02d}-{val_loss:.2f}.weights.h5"),
                                           monitor="val_loss", save_best_only=True, save_weights_only=True)
    every = keras.callbacks.ModelCheckpoint(os.path.join(folder, "sub", "e{epoch}-b{batch}.weights.h5"),
                                            save_weights_only=True, save_freq=2)
    last = keras.callbacks.ModelCheckpoint(os.path.join(folder, "model.keras"))
    worst = keras.callbacks.ModelCheckpoint(os.path.join(folder, "max-{epoch}.weights.h5"), monitor="loss",
                                            mode="max", save_best_only=True, save_weights_only=True)
    h = _fit(model, [best, every, last, worst], epochs=5)
    files = sorted(os.listdir(folder)), sorted(os.listdir(os.path.join(folder, "sub")))
    reloaded = _fit_model(keras)
    reloaded.load_weights(os.path.join(folder, files[0][0]))
    full = keras.models.load_model(os.path.join(folder, "model.keras"))
    errors = [caught(lambda: keras.callbacks.ModelCheckpoint("w.h5", save_weights_only=True)),
              caught(lambda: keras.callbacks.ModelCheckpoint("m.txt")),
              caught(lambda: keras.callbacks.ModelCheckpoint("m.keras", save_freq="batch"))]
    return (h.history, files, best.best, [arr(w) for w in reloaded.weights], [arr(w) for w in full.weights],
            errors)


@program
def prog_kt_cb_csv_logger(tf: Any, keras: Any) -> Any:
    """CSVLogger: header, one row per epoch (values parsed), separator, append mode; val_ columns filled with NA
    when there is no validation."""
    import csv
    import os

    folder = _tempdir()
    path = os.path.join(folder, "log.csv")
    model = _fit_model(keras, metrics=["mae"])
    _fit(model, [keras.callbacks.CSVLogger(path)], epochs=2)
    _fit(model, [keras.callbacks.CSVLogger(path, append=True)], epochs=1)
    path2 = os.path.join(folder, "semi.csv")
    _fit(model, [keras.callbacks.CSVLogger(path2, separator=";")], epochs=2, validation=False)

    def parsed(p: str, sep: str) -> Any:
        with open(p, newline="") as f:
            rows = list(csv.reader(f, delimiter=sep))
        return rows[0], [[v if v == "NA" or k == 0 else np.float32(v) for k, v in enumerate(r)] for r in rows[1:]]

    return parsed(path, ","), parsed(path2, ";")


@program
def prog_kt_cb_terminate_on_nan(tf: Any, keras: Any) -> Any:
    """TerminateOnNaN stops fit at the first NaN loss (history keeps the epoch); raise_error=True raises."""
    model = _fit_model(keras)
    x, y = _regression_data(48)
    y = y.copy()
    y[20] = np.nan
    h = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0,
                  callbacks=[keras.callbacks.TerminateOnNaN()])
    err = caught(lambda: _fit_model(keras).fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0,
                                               callbacks=[keras.callbacks.TerminateOnNaN(raise_error=True)]))
    return h.epoch, {k: len(v) for k, v in h.history.items()}, err


@program
def prog_kt_cb_backup_and_restore(tf: Any, keras: Any) -> Any:
    """BackupAndRestore: fit interrupted in epoch 3 resumes at epoch 3 with the saved weights; the backup is
    deleted at the end (or kept with delete_checkpoint=False); argument errors."""
    import os

    folder = os.path.join(_tempdir(), "backup")
    seen: list[int] = []

    def interrupt(epoch: int, logs: Any = None) -> None:
        seen.append(epoch)
        if epoch == 2 and len(seen) == 3:
            raise RuntimeError("interrupted")

    model = _fit_model(keras)
    cbs = [keras.callbacks.BackupAndRestore(folder), keras.callbacks.LambdaCallback(on_epoch_begin=interrupt)]
    first = caught(lambda: _fit(model, cbs, epochs=5))
    saved = sorted(os.listdir(folder))
    with open(os.path.join(folder, "training_metadata.json")) as f:
        metadata = f.read()
    fresh = _fit_model(keras)
    h = _fit(fresh, cbs, epochs=5)
    after = os.path.exists(folder)
    kept = _fit_model(keras)
    _fit(kept, [keras.callbacks.BackupAndRestore(folder, delete_checkpoint=False, save_freq=2)], epochs=2)
    kept_files = sorted(os.listdir(folder))
    errors = [caught(lambda: keras.callbacks.BackupAndRestore("")),
              caught(lambda: keras.callbacks.BackupAndRestore(folder, save_freq="batch"))]
    return first, saved, metadata, seen, h.epoch, h.history, [arr(w) for w in fresh.weights], after, kept_files, \
        errors


@program
def prog_kt_cb_early_stopping(tf: Any, keras: Any) -> Any:
    """EarlyStopping as Keras 3: patience, min_delta, restore_best_weights, baseline, start_from_epoch, mode."""
    out = []
    for kwargs in ({"monitor": "val_loss", "patience": 1, "min_delta": 0.2},
                   {"monitor": "loss", "patience": 2, "restore_best_weights": True, "min_delta": 0.05},
                   {"monitor": "val_loss", "baseline": 0.01, "patience": 2},
                   {"monitor": "val_mae", "patience": 1, "start_from_epoch": 3, "min_delta": 0.1},
                   {"monitor": "loss", "mode": "max", "patience": 1, "restore_best_weights": True}):
        model = _fit_model(keras, lr=0.2, metrics=["mae"])
        cb = keras.callbacks.EarlyStopping(**kwargs)
        h = _fit(model, [cb], epochs=7)
        out.append((h.epoch, cb.stopped_epoch, cb.wait, getattr(cb, "best_epoch", None),
                    [arr(w) for w in model.weights]))
    return out


# ----------------------------------------------------------------------------------------------------------------
# optimizers, schedules, regularizers, moving averages

_OPT_CASES: dict[str, Callable[[Any], Any]] = {
    "adafactor": lambda k: k.optimizers.Adafactor(0.05),
    "adafactor_schedule_clip": lambda k: k.optimizers.Adafactor(
        k.optimizers.schedules.ExponentialDecay(0.05, 10, 0.5), relative_step=False, clip_threshold=0.5,
        beta_2_decay=-0.5, epsilon_2=1e-2),
    "lamb": lambda k: k.optimizers.Lamb(0.01),
    "lamb_weight_decay": lambda k: k.optimizers.Lamb(0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-5, weight_decay=0.05),
    "schedule_free_adamw": lambda k: k.optimizers.ScheduleFreeAdamW(0.01),
    "schedule_free_adamw_warmup": lambda k: k.optimizers.ScheduleFreeAdamW(0.02, beta_1=0.8, warmup_steps=10,
                                                                            weight_decay=0.01),
    "adam_ema": lambda k: k.optimizers.Adam(0.01, use_ema=True),
    "sgd_ema_overwrite": lambda k: k.optimizers.SGD(0.05, momentum=0.5, use_ema=True, ema_momentum=0.8,
                                                    ema_overwrite_frequency=7),
    "loss_scale_adam": lambda k: k.optimizers.LossScaleOptimizer(k.optimizers.Adam(0.01), initial_scale=4.0,
                                                                 dynamic_growth_steps=15),
}


def _named_trajectory(tf: Any, keras: Any, make: Callable[[Any], Any]) -> dict[str, Any]:
    """``programs._trajectory`` on named Keras variables (Keras's Adafactor names its slots after the variable, and
    a ``tf.Variable``'s ``"Variable:0"`` is no valid scope name inside ``tf.function``), the optimizer built before
    the first step as ``fit`` builds it (ScheduleFreeAdamW's slot starts at the weights only when built eagerly)."""
    init, g1, g2 = _grads()
    v, w = keras.Variable(init, name="v"), keras.Variable(init[0] * 2, name="w")
    opt = make(keras)
    opt.build([v, w])
    snaps, lrs = [], []

    @tf.function
    def step(a: Any, b: Any) -> None:
        opt.apply_gradients([(a, v), (b, w)])

    for i in range(len(g1)):
        lrs.append(np.float32(np.asarray(opt.learning_rate)))
        step(tf.constant(g1[i]), tf.constant(g2[i]))
        if (i + 1) % 20 == 0:
            snaps.append(arr(v))
    return {"v": np.stack(snaps), "w": arr(w), "lr": np.array(lrs, dtype=np.float32),
            "iterations": int(np.asarray(opt.iterations)), "slots": [arr(s) for s in opt.variables[1:]]}


def _register_optimizers() -> None:
    for name, make in _OPT_CASES.items():
        def opt_prog(tf: Any, keras: Any, make: Callable[[Any], Any] = make) -> Any:
            return _named_trajectory(tf, keras, make)

        opt_prog.__doc__ = f"Keras 3 {name}: 100 steps of fixed gradients, trajectory and optimizer variables."
        PROGRAMS[f"kt_trajectory_{name}"] = opt_prog


_register_optimizers()


@program
def prog_kt_muon_on_a_model(tf: Any, keras: Any) -> Any:
    """Muon on a model's variables (paths decide the rule: embeddings and 1-D variables take AdamW, exclude_layers
    too): weights and optimizer variable shapes after 20 steps of fixed gradients, three settings."""
    rng = np.random.default_rng(3)
    keras.backend.clear_session(free_memory=False)
    model = keras.Sequential([keras.Input((3,), dtype="int32"), keras.layers.Embedding(10, 4),
                              keras.layers.Flatten(), keras.layers.Dense(5, name="hidden"),
                              keras.layers.Dense(2, name="out")])
    start = [rng.standard_normal(tuple(w.shape)).astype(np.float32) for w in model.weights]
    out = []
    for kwargs in ({}, {"exclude_layers": ["out"], "nesterov": False, "rms_rate": None, "adam_lr_ratio": 0.5},
                   {"weight_decay": None, "momentum": 0.9, "ns_steps": 3, "exclude_embeddings": False}):
        model.set_weights(start)
        opt = keras.optimizers.Muon(0.02, **kwargs)
        for _ in range(20):
            grads = [rng.standard_normal(tuple(w.shape)).astype(np.float32) for w in model.trainable_variables]
            opt.apply_gradients(zip([tf.constant(g) for g in grads], model.trainable_variables))
        out.append(([arr(w) for w in model.weights], [tuple(np.asarray(v).shape) for v in opt.variables]))
    return out


@program
def prog_kt_loss_scale_dynamics(tf: Any, keras: Any) -> Any:
    """LossScaleOptimizer: non-finite gradients skip the step and halve the scale; growth after
    dynamic_growth_steps finite steps; iterations/learning_rate are the inner optimizer's; scale_loss; config."""
    keras.backend.clear_session(free_memory=False)  # the auto-named optimizers start from their first name
    v = tf.Variable(np.array([1.0, -2.0, 0.5], np.float32))
    opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1, momentum=0.5), initial_scale=16.0,
                                              dynamic_growth_steps=3)
    before = np.asarray(opt.scale_loss(tf.constant(2.0)))
    trace = []
    for i in range(12):
        g = np.array([1.0, 2.0, -1.0], np.float32) * np.float32(16.0)
        if i in (2, 7, 8):
            g[i % 3] = np.inf if i != 8 else np.nan
        opt.apply_gradients([(tf.constant(g), v)])
        trace.append((arr(v), float(np.asarray(opt.dynamic_scale)), int(np.asarray(opt.step_counter)),
                      int(np.asarray(opt.iterations))))
    opt.learning_rate = 0.05
    config = opt.get_config()
    config["inner_optimizer"] = sorted(config["inner_optimizer"]["config"])
    errors = [caught(lambda: keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(), dynamic=False)),
              caught(lambda: keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(), clipnorm=1.0))]
    return (before, trace, np.asarray(opt.scale_loss(tf.constant(2.0))), float(np.asarray(opt.learning_rate)),
            float(np.asarray(opt.inner_optimizer.learning_rate)), config, errors)


@program
def prog_kt_new_optimizer_configs(tf: Any, keras: Any) -> Any:
    """get_config of Adafactor, Lamb, Muon and ScheduleFreeAdamW; from_config round trips; Muon's orthogonalizer
    on a 3-D input and its error on 1-D."""
    keras.backend.clear_session(free_memory=False)
    configs = []
    for make in (lambda: keras.optimizers.Adafactor(beta_2_decay=-0.7, clip_threshold=2.0),
                 lambda: keras.optimizers.Lamb(0.003, epsilon=1e-6),
                 lambda: keras.optimizers.Muon(exclude_layers=["head"], ns_steps=4),
                 lambda: keras.optimizers.ScheduleFreeAdamW(warmup_steps=7),
                 lambda: keras.optimizers.Adam(use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=5)):
        opt = make()
        config = {k: v for k, v in opt.get_config().items() if k != "name"}
        again = {k: v for k, v in type(opt).from_config(opt.get_config()).get_config().items() if k != "name"}
        configs.append((type(opt).__name__, opt.name, config, again == config))
    muon = keras.optimizers.Muon()
    x = np.random.default_rng(4).standard_normal((2, 5, 3)).astype(np.float32)
    ortho = np.asarray(muon.zeropower_via_newtonschulz5(tf.constant(x), 5))
    return configs, ortho, caught(lambda: muon.zeropower_via_newtonschulz5(tf.constant(x[0, 0]), 5))


@program
def prog_kt_cosine_decay_restarts(tf: Any, keras: Any) -> Any:
    """CosineDecayRestarts: learning rates over 70 steps (geometric and constant periods, m_mul, alpha), config,
    and as an optimizer's learning rate."""
    S = keras.optimizers.schedules
    out = []
    for kwargs in ({"first_decay_steps": 5}, {"first_decay_steps": 4, "t_mul": 1.0, "m_mul": 0.7, "alpha": 0.1},
                   {"first_decay_steps": 3, "t_mul": 1.5, "m_mul": 0.9, "alpha": 0.05}):
        s = S.CosineDecayRestarts(0.1, **kwargs)
        out.append((np.array([np.asarray(s(i)) for i in range(70)], np.float32), s.get_config()))
    traj = _trajectory(tf, keras, lambda k: k.optimizers.SGD(k.optimizers.schedules.CosineDecayRestarts(0.05, 10)))
    return out, traj["lr"], traj["w"], caught(lambda: S.CosineDecayRestarts(0.1, 0))


@program
def prog_kt_regularizers(tf: Any, keras: Any) -> Any:
    """OrthogonalRegularizer (rows/columns) values and gradients, as a Dense kernel_regularizer in fit;
    serialize/deserialize of every regularizer; errors."""
    x = np.random.default_rng(6).standard_normal((4, 3)).astype(np.float32)
    out = []
    for mode in ("rows", "columns"):
        reg = keras.regularizers.OrthogonalRegularizer(0.3, mode=mode)
        out.append(_value_and_grad(tf, lambda w, reg=reg: reg(w), x))
    keras.backend.clear_session(free_memory=False)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(
        4, kernel_regularizer=keras.regularizers.orthogonal_regularizer(0.1, mode="columns")), keras.layers.Dense(1)])
    _set_sequential_weights(model, 8)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    history = _fit(model, [], epochs=2, validation=False)
    serialized = []
    for reg in (keras.regularizers.L1(0.2), keras.regularizers.L2(), keras.regularizers.L1L2(l1=0.1, l2=0.3),
                keras.regularizers.OrthogonalRegularizer(0.02, "columns")):
        cfg = keras.regularizers.serialize(reg)
        back = keras.regularizers.deserialize(cfg)
        serialized.append((cfg["class_name"], cfg["config"], type(back).__name__, back.get_config()))
    errors = [caught(lambda: keras.regularizers.OrthogonalRegularizer(mode="diagonal")),
              caught(lambda: keras.regularizers.OrthogonalRegularizer()(tf.constant(np.ones((2, 2, 2), np.float32))))]
    return out, history.history["loss"], [arr(w) for w in model.weights], serialized, errors


@program
def prog_kt_ema_fit_and_swap(tf: Any, keras: Any) -> Any:
    """use_ema in fit (the weights take the averages at the end), ema_overwrite_frequency, and SwapEMAWeights
    (validation and evaluate on the averages; swap_on_epoch)."""
    out = []
    for kwargs, callbacks in (({"use_ema": True, "ema_momentum": 0.9}, []),
                              ({"use_ema": True, "ema_momentum": 0.5, "ema_overwrite_frequency": 4}, []),
                              ({"use_ema": True, "ema_momentum": 0.8}, ["swap"]),
                              ({"use_ema": True, "ema_momentum": 0.8}, ["swap_on_epoch"])):
        model = _fit_model(keras, optimizer=keras.optimizers.SGD(0.05, **kwargs))
        cbs = [keras.callbacks.SwapEMAWeights(swap_on_epoch=c == "swap_on_epoch") for c in callbacks]
        history = _fit(model, cbs, epochs=3)
        evaluated = model.evaluate(*_regression_data(16), verbose=0, callbacks=cbs)
        out.append((history.history, [arr(w) for w in model.weights], np.float32(evaluated)))
    model = _fit_model(keras)
    return out, caught(lambda: _fit(model, [keras.callbacks.SwapEMAWeights()], epochs=1))


@program
def prog_kt_ctc_loss(tf: Any, keras: Any) -> Any:
    """CTC loss (labels padded with 0, the blank): per-sample values, the reduced loss and its gradient with
    respect to the logits, a sample weight, and the rank errors."""
    y = np.array([[1, 2, 2, 0], [3, 1, 0, 0], [2, 0, 0, 0]], np.int32)
    logits = np.random.default_rng(9).standard_normal((3, 7, 5)).astype(np.float32)
    per_sample = keras.losses.ctc(y, logits)
    value_grad = _value_and_grad(tf, lambda p: keras.losses.CTC()(y, p), logits)
    weighted = keras.losses.CTC(reduction="sum")(y, logits, sample_weight=np.array([1.0, 0.5, 0.0], np.float32))
    errors = [caught(lambda: keras.losses.ctc(y[0], logits)), caught(lambda: keras.losses.ctc(y, logits[0]))]
    return per_sample, value_grad, weighted, errors


@program
def prog_kt_multi_optimizer(tf: Any, keras: Any) -> Any:
    """MultiOptimizer over an OptimizerMap (path patterns, default optimizer) in fit with ReduceLROnPlateau (one
    learning_rate_<name> log per inner optimizer); variables, iterations; learning_rate errors; OptimizerMap lookup
    rules; config."""
    model = _fit_model(keras)
    mapping = keras.optimizers.OptimizerMap(keras.optimizers.Adam(0.01),
                                            {"dense/.*": keras.optimizers.SGD(0.05, momentum=0.9)})
    opt = keras.optimizers.MultiOptimizer(mapping)
    model.compile(optimizer=opt, loss="mse")
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=10.0)
    history = _fit(model, [plateau], epochs=3, validation=False)
    lookups = keras.optimizers.OptimizerMap(keras.optimizers.RMSprop(name="r"))
    lookups["enc/layer_0/dense"] = keras.optimizers.Adam(name="a")
    lookups["enc/.*"] = keras.optimizers.SGD(name="s")
    lookups[".*/kernel"] = keras.optimizers.SGD(name="k")
    names = [lookups[key].name for key in ("enc/layer_0/dense", "enc/x", "dec/bias")]
    errors = [caught(lambda: opt.learning_rate), caught(lambda: lookups["enc/kernel"]),
              caught(lambda: lookups.__setitem__("enc/.*", keras.optimizers.SGD())),
              caught(lambda: keras.optimizers.OptimizerMap("sgd"))]
    config = opt.get_config()
    return (history.history, [arr(w) for w in model.weights], [arr(v) for v in opt.variables],
            int(np.asarray(opt.iterations)), [int(np.asarray(o.iterations)) for o in opt.optimizers], names, errors,
            sorted(config), sorted(config["optimizer_map"]["config"]))
