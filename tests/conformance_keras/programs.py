"""Keras conformance programs: each ``prog_<name>(tf, keras)`` runs unchanged under TensorFlow 2.21 + Keras 3 and
under tapegrad (``tf`` = tapegrad with ``Module``/``train``, ``keras`` = ``tapegrad.keras``).

Programs return plain values (NumPy arrays, tensors, floats, strings, nests): Keras variables are not TF
variables, so weights are returned as ``np.asarray(v)``. Random initial values and data come from NumPy with a
fixed seed and are copied into both libraries (their random streams differ by design). Every program that creates
layers starts with ``keras.backend.clear_session(free_memory=False)`` so automatic names do not depend on the
programs before it (``free_memory=False`` skips Keras's ``gc.collect()``, 0.2 s per call under TensorFlow).
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

try:
    from ..conformance.normalize import Caught
except ImportError:  # run_tf.py run as a script
    from normalize import Caught  # type: ignore[no-redef]

PROGRAMS: dict[str, Callable[..., Any]] = {}
STEPS = 100


def program(fn: Callable[..., Any]) -> Callable[..., Any]:
    PROGRAMS[fn.__name__.removeprefix("prog_")] = fn
    return fn


def caught(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001
        return Caught(exc)


def arr(x: Any) -> np.ndarray:
    return np.array(x)


@contextlib.contextmanager
def columns(n: int = 80) -> Iterator[None]:
    """Pin the terminal width ``summary()`` sees."""
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(n)
    try:
        yield
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


def summary_text(model: Any) -> str:
    lines: list[str] = []
    with columns():
        model.summary(print_fn=lambda text, *a, **k: lines.append(text))
    return "".join(lines)


# ----------------------------------------------------------------------------------------------------------------
# optimizer trajectories: identical gradients fed for 100 steps


def _grads(seed: int = 0, steps: int = STEPS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    init = rng.standard_normal((4, 3)).astype(np.float32)
    g1 = rng.standard_normal((steps, 4, 3)).astype(np.float32)
    g2 = (rng.standard_normal((steps, 3)) * 0.5).astype(np.float32)
    return init, g1, g2


def _trajectory(tf: Any, keras: Any, make: Callable[[Any], Any]) -> dict[str, Any]:
    init, g1, g2 = _grads()
    v = tf.Variable(init)
    w = tf.Variable(init[0] * 2)
    opt = make(keras)
    snaps, lrs = [], []

    @tf.function
    def step(a: Any, b: Any) -> None:  # Keras's own training runs its optimizer inside tf.function
        opt.apply_gradients([(a, v), (b, w)])

    for i in range(STEPS):
        lrs.append(np.float32(np.asarray(opt.learning_rate)))
        step(tf.constant(g1[i]), tf.constant(g2[i]))
        if (i + 1) % 20 == 0:
            snaps.append(arr(v))
    return {"v": np.stack(snaps), "w": arr(w), "lr": np.array(lrs, dtype=np.float32),
            "iterations": int(np.asarray(opt.iterations)),
            "slots": [arr(s) for s in opt.variables[1:]]}


def _sparse_trajectory(tf: Any, keras: Any, make: Callable[[Any], Any]) -> dict[str, Any]:
    rng = np.random.default_rng(1)
    init = rng.standard_normal((6, 2)).astype(np.float32)
    v = tf.Variable(init)
    opt = make(keras)

    @tf.function
    def step(vals: Any, idx: Any) -> None:
        opt.apply_gradients([(tf.IndexedSlices(vals, idx, tf.constant([6, 2])), v)])

    for _ in range(STEPS):
        idx = rng.integers(0, 6, size=4).astype(np.int32)
        idx[1] = idx[0]  # always a duplicate row
        step(tf.constant(rng.standard_normal((4, 2)).astype(np.float32)), tf.constant(idx))
    return {"v": arr(v), "slots": [arr(s) for s in opt.variables[1:]]}


_OPTIMIZERS: dict[str, Callable[[Any], Any]] = {
    "sgd": lambda k: k.optimizers.SGD(0.05),
    "sgd_momentum": lambda k: k.optimizers.SGD(0.05, momentum=0.9),
    "sgd_nesterov": lambda k: k.optimizers.SGD(0.05, momentum=0.8, nesterov=True),
    "sgd_weight_decay": lambda k: k.optimizers.SGD(0.05, momentum=0.5, weight_decay=0.1),
    "adam": lambda k: k.optimizers.Adam(0.01),
    "adam_amsgrad": lambda k: k.optimizers.Adam(0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-3, amsgrad=True),
    "adamw": lambda k: k.optimizers.AdamW(0.01, weight_decay=0.05),
    "rmsprop": lambda k: k.optimizers.RMSprop(0.01),
    "rmsprop_momentum_centered": lambda k: k.optimizers.RMSprop(0.005, rho=0.8, momentum=0.7, centered=True),
    "adagrad": lambda k: k.optimizers.Adagrad(0.1),
    "adagrad_init": lambda k: k.optimizers.Adagrad(0.05, initial_accumulator_value=1.0, epsilon=1e-4),
    "sgd_clipnorm": lambda k: k.optimizers.SGD(0.05, momentum=0.9, clipnorm=1.0),
    "adam_clipvalue": lambda k: k.optimizers.Adam(0.01, clipvalue=0.5),
    "rmsprop_global_clipnorm": lambda k: k.optimizers.RMSprop(0.01, global_clipnorm=1.5),
    "adam_exponential_decay": lambda k: k.optimizers.Adam(
        k.optimizers.schedules.ExponentialDecay(0.02, decay_steps=10, decay_rate=0.8)),
    "sgd_exponential_staircase": lambda k: k.optimizers.SGD(
        k.optimizers.schedules.ExponentialDecay(0.1, decay_steps=15, decay_rate=0.5, staircase=True), momentum=0.9),
    "sgd_piecewise": lambda k: k.optimizers.SGD(
        k.optimizers.schedules.PiecewiseConstantDecay([30, 60], [0.1, 0.05, 0.01])),
    "adamw_piecewise": lambda k: k.optimizers.AdamW(
        k.optimizers.schedules.PiecewiseConstantDecay([25, 50, 75], [0.02, 0.01, 0.005, 0.001]), weight_decay=0.1),
    "sgd_cosine": lambda k: k.optimizers.SGD(k.optimizers.schedules.CosineDecay(0.1, decay_steps=80), momentum=0.5),
    "adam_cosine_warmup": lambda k: k.optimizers.Adam(k.optimizers.schedules.CosineDecay(
        0.0, decay_steps=60, alpha=0.1, warmup_target=0.02, warmup_steps=20)),
    "rmsprop_cosine": lambda k: k.optimizers.RMSprop(k.optimizers.schedules.CosineDecay(0.01, decay_steps=50,
                                                                                         alpha=0.2)),
    "adagrad_exponential": lambda k: k.optimizers.Adagrad(
        k.optimizers.schedules.ExponentialDecay(0.1, decay_steps=20, decay_rate=0.7)),
}

_SPARSE_OPTIMIZERS = ("sgd", "sgd_momentum", "adam", "adamw", "rmsprop", "rmsprop_momentum_centered", "adagrad",
                      "sgd_clipnorm", "adam_clipvalue", "rmsprop_global_clipnorm")


def _register_trajectories() -> None:
    for name, make in _OPTIMIZERS.items():
        def dense_prog(tf: Any, keras: Any, make: Callable[[Any], Any] = make) -> Any:
            return _trajectory(tf, keras, make)

        dense_prog.__doc__ = f"Keras 3 {name}: 100 steps of fixed gradients, trajectory and slots."
        PROGRAMS[f"trajectory_{name}"] = dense_prog
    for name in _SPARSE_OPTIMIZERS:
        def sparse_prog(tf: Any, keras: Any, make: Callable[[Any], Any] = _OPTIMIZERS[name]) -> Any:
            return _sparse_trajectory(tf, keras, make)

        sparse_prog.__doc__ = f"Keras 3 {name} on IndexedSlices gradients with duplicate rows (reference §5)."
        PROGRAMS[f"sparse_trajectory_{name}"] = sparse_prog


_register_trajectories()


@program
def prog_schedule_values(tf: Any, keras: Any) -> Any:
    """Schedule values (float32) at steps 0..120 for every schedule."""
    s = keras.optimizers.schedules
    schedules = [
        s.ExponentialDecay(0.1, 10, 0.9), s.ExponentialDecay(0.1, 7, 0.5, staircase=True),
        s.PiecewiseConstantDecay([30, 60], [0.1, 0.05, 0.01]), s.PiecewiseConstantDecay([10], [1.0, 0.5]),
        s.CosineDecay(0.1, 80), s.CosineDecay(0.05, 40, alpha=0.3),
        s.CosineDecay(0.0, 60, alpha=0.1, warmup_target=0.02, warmup_steps=20),
        s.PolynomialDecay(0.1, 50, end_learning_rate=0.01, power=2.0), s.InverseTimeDecay(0.1, 10, 0.5),
    ]
    return [np.array([np.asarray(sch(step)) for step in range(121)], dtype=np.float32) for sch in schedules]


@program
def prog_sparse_sgd_rows(tf: Any, keras: Any) -> Any:
    """SGD on an IndexedSlices gradient changes only the gathered rows; duplicates add (reference §5)."""
    v = tf.Variable([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, [0, 2, 0]))
    g = tape.gradient(y, v)
    keras.optimizers.SGD(0.1).apply_gradients([(g, v)])
    return arr(v)


@program
def prog_none_gradient_warning(tf: Any, keras: Any) -> Any:
    """None gradients are skipped with Keras's UserWarning (reference §5); the rest are applied."""
    a, b = tf.Variable([1.0]), tf.Variable([2.0])
    with warnings.catch_warnings(record=True) as caught_list:
        warnings.simplefilter("always")
        keras.optimizers.SGD(0.5).apply_gradients([(None, a), (tf.constant([1.0]), b)])
    return [str(w.message) for w in caught_list], [w.category.__name__ for w in caught_list], arr(a), arr(b)


@program
def prog_none_gradient_layer_path(tf: Any, keras: Any) -> Any:
    """The warning names Keras variables by path (``sequential/dense/kernel``)."""
    keras.backend.clear_session(free_memory=False)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    k, b = model.trainable_variables
    with warnings.catch_warnings(record=True) as caught_list:
        warnings.simplefilter("always")
        keras.optimizers.SGD(0.5).apply_gradients([(None, k), (tf.ones([1]), b)])
    return [str(w.message) for w in caught_list]


@program
def prog_all_none_gradients(tf: Any, keras: Any) -> Any:
    """Every gradient None: ValueError."""
    v = tf.Variable([1.0])
    return [caught(lambda: keras.optimizers.Adam(0.1).apply_gradients([(None, v)])), arr(v)]


@program
def prog_unknown_variable_after_build(tf: Any, keras: Any) -> Any:
    """An optimizer built on some variables refuses others (ValueError)."""
    a, b = tf.Variable([1.0]), tf.Variable([2.0])
    opt = keras.optimizers.Adam(0.1)
    opt.apply_gradients([(tf.constant([1.0]), a)])
    return [caught(lambda: opt.apply_gradients([(tf.constant([1.0]), b)])), arr(a), arr(b)]


@program
def prog_optimizer_bad_learning_rate(tf: Any, keras: Any) -> Any:
    """An integer learning rate is refused (ValueError), as is more than one clipping option."""
    return (caught(lambda: keras.optimizers.SGD(1)),
            caught(lambda: keras.optimizers.SGD(0.1, clipnorm=1.0, clipvalue=1.0)))


@program
def prog_optimizer_variables(tf: Any, keras: Any) -> Any:
    """Adam's variables: iteration (int64), learning_rate, then momentum/velocity per variable; SGD without
    momentum has no slots."""
    a, b = tf.Variable(np.ones((2, 2), np.float32)), tf.Variable(np.ones(3, np.float32))
    opt = keras.optimizers.Adam(0.1)
    opt.apply_gradients([(tf.ones((2, 2)), a), (tf.ones(3), b)])
    sgd = keras.optimizers.SGD(0.1)
    sgd.apply_gradients([(tf.ones(3), b)])
    return ([(str(np.asarray(v).dtype), np.asarray(v).shape) for v in opt.variables],
            len(sgd.variables), int(np.asarray(opt.iterations)), np.float32(np.asarray(opt.learning_rate)))


@program
def prog_optimizer_set_learning_rate(tf: Any, keras: Any) -> Any:
    """A float learning rate can be reassigned; a schedule's cannot (TypeError)."""
    v = tf.Variable([1.0])
    opt = keras.optimizers.SGD(0.1)
    opt.learning_rate = 0.5
    opt.apply_gradients([(tf.constant([1.0]), v)])
    sched = keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5))

    def set_sched() -> None:
        sched.learning_rate = 0.3

    return arr(v), caught(set_sched)


# ----------------------------------------------------------------------------------------------------------------
# losses


def _loss_data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((5, 4)).astype(np.float32) * 2
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    labels = rng.integers(0, 4, size=5).astype(np.int32)
    onehot = np.eye(4, dtype=np.float32)[labels]
    bin_logits = rng.standard_normal((5, 3)).astype(np.float32) * 3
    bin_probs = (1 / (1 + np.exp(-bin_logits))).astype(np.float32)
    bin_probs[0, 0] = 0.0  # exercises the epsilon clipping
    bin_probs[1, 1] = 1.0
    bin_true = (rng.random((5, 3)) > 0.5).astype(np.float32)
    reg_pred = rng.standard_normal((5, 3)).astype(np.float32) * 2
    reg_true = rng.standard_normal((5, 3)).astype(np.float32)
    weights = rng.random(5).astype(np.float32)
    return dict(logits=logits, probs=probs.astype(np.float32), labels=labels, onehot=onehot, bin_logits=bin_logits,
                bin_probs=bin_probs, bin_true=bin_true, reg_pred=reg_pred, reg_true=reg_true, weights=weights)


def _value_and_grad(tf: Any, fn: Callable[[Any], Any], pred: np.ndarray) -> tuple[Any, Any]:
    p = tf.constant(pred)
    with tf.GradientTape() as tape:
        tape.watch(p)
        value = fn(p)
    return value, tape.gradient(value, p)


_LOSS_CASES: dict[str, tuple[Callable[[Any, dict[str, np.ndarray]], Callable[[Any], Any]], str]] = {
    "mse": (lambda k, d: lambda p: k.losses.MeanSquaredError()(d["reg_true"], p), "reg_pred"),
    "mse_sum": (lambda k, d: lambda p: k.losses.MeanSquaredError(reduction="sum")(d["reg_true"], p), "reg_pred"),
    "mse_none": (lambda k, d: lambda p: k.losses.MeanSquaredError(reduction=None)(d["reg_true"], p), "reg_pred"),
    "mse_weighted": (lambda k, d: lambda p: k.losses.MeanSquaredError()(d["reg_true"], p, sample_weight=d["weights"]),
                     "reg_pred"),
    "mse_mean_with_sample_weight": (lambda k, d: lambda p: k.losses.MeanSquaredError(
        reduction="mean_with_sample_weight")(d["reg_true"], p, sample_weight=d["weights"]), "reg_pred"),
    "mse_fn": (lambda k, d: lambda p: k.losses.mean_squared_error(d["reg_true"], p), "reg_pred"),
    "mae": (lambda k, d: lambda p: k.losses.MeanAbsoluteError()(d["reg_true"], p), "reg_pred"),
    "mae_fn": (lambda k, d: lambda p: k.losses.mean_absolute_error(d["reg_true"], p), "reg_pred"),
    "huber": (lambda k, d: lambda p: k.losses.Huber()(d["reg_true"], p), "reg_pred"),
    "huber_delta": (lambda k, d: lambda p: k.losses.Huber(delta=0.4, reduction="sum")(d["reg_true"], p),
                    "reg_pred"),
    "huber_fn": (lambda k, d: lambda p: k.losses.huber(d["reg_true"], p, delta=2.0), "reg_pred"),
    "bce": (lambda k, d: lambda p: k.losses.BinaryCrossentropy()(d["bin_true"], p), "bin_probs"),
    "bce_smoothing": (lambda k, d: lambda p: k.losses.BinaryCrossentropy(label_smoothing=0.2)(d["bin_true"], p),
                      "bin_probs"),
    "bce_logits": (lambda k, d: lambda p: k.losses.BinaryCrossentropy(from_logits=True)(d["bin_true"], p),
                   "bin_logits"),
    "bce_logits_smoothing_none": (lambda k, d: lambda p: k.losses.BinaryCrossentropy(
        from_logits=True, label_smoothing=0.1, reduction="none")(d["bin_true"], p), "bin_logits"),
    "bce_fn": (lambda k, d: lambda p: k.losses.binary_crossentropy(d["bin_true"], p), "bin_probs"),
    "cce": (lambda k, d: lambda p: k.losses.CategoricalCrossentropy()(d["onehot"], p), "probs"),
    "cce_smoothing": (lambda k, d: lambda p: k.losses.CategoricalCrossentropy(label_smoothing=0.3)(d["onehot"], p),
                      "probs"),
    "cce_logits": (lambda k, d: lambda p: k.losses.CategoricalCrossentropy(from_logits=True)(d["onehot"], p),
                   "logits"),
    "cce_logits_weighted": (lambda k, d: lambda p: k.losses.CategoricalCrossentropy(from_logits=True)(
        d["onehot"], p, sample_weight=d["weights"]), "logits"),
    "cce_unnormalized": (lambda k, d: lambda p: k.losses.categorical_crossentropy(d["onehot"], p * 3.0), "probs"),
    "scce": (lambda k, d: lambda p: k.losses.SparseCategoricalCrossentropy()(d["labels"], p), "probs"),
    "scce_logits": (lambda k, d: lambda p: k.losses.SparseCategoricalCrossentropy(from_logits=True)(d["labels"], p),
                    "logits"),
    "scce_column_labels": (lambda k, d: lambda p: k.losses.SparseCategoricalCrossentropy(from_logits=True)(
        d["labels"][:, None], p), "logits"),
    "scce_fn_sum": (lambda k, d: lambda p: k.losses.SparseCategoricalCrossentropy(reduction="sum")(d["labels"], p),
                    "probs"),
    "cce_from_softmax_activation": (lambda k, d: lambda p: k.losses.CategoricalCrossentropy()(
        d["onehot"], k.activations.softmax(p * 20.0)), "logits"),
    "bce_from_sigmoid_activation": (lambda k, d: lambda p: k.losses.BinaryCrossentropy()(
        d["bin_true"], k.activations.sigmoid(p * 10.0)), "bin_logits"),
}


def _register_losses(cases: dict[str, Any] = _LOSS_CASES, prefix: str = "loss_") -> None:
    for name, (build, key) in cases.items():
        def loss_prog(tf: Any, keras: Any, build: Any = build, key: str = key) -> Any:
            data = _loss_data()
            return _value_and_grad(tf, build(keras, data), data[key])

        loss_prog.__doc__ = f"Keras 3 loss {name}: value and gradient with respect to the prediction."
        PROGRAMS[f"{prefix}{name}"] = loss_prog


_register_losses()


@program
def prog_loss_bad_reduction(tf: Any, keras: Any) -> Any:
    """An unknown reduction is a ValueError."""
    return [caught(lambda: keras.losses.MeanSquaredError(reduction="avg"))]


@program
def prog_loss_get_by_name(tf: Any, keras: Any) -> Any:
    """``losses.get`` resolves function names."""
    d = _loss_data()
    return [keras.losses.get(n)(d["reg_true"], d["reg_pred"]) for n in
            ("mse", "mae", "mean_squared_error", "huber")]


# ----------------------------------------------------------------------------------------------------------------
# layers


def _dense_case(tf: Any, keras: Any, activation: Any, use_bias: bool = True) -> Any:
    keras.backend.clear_session(free_memory=False)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 4)).astype(np.float32)
    kernel = rng.standard_normal((4, 3)).astype(np.float32)
    bias = rng.standard_normal(3).astype(np.float32)
    layer = keras.layers.Dense(3, activation=activation, use_bias=use_bias)
    layer.build((None, 4))
    layer.set_weights([kernel, bias] if use_bias else [kernel])
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
        loss = tf.reduce_sum(y * y)
    grads = tape.gradient(loss, [xt] + list(layer.trainable_weights))
    return y, grads, [w.shape for w in layer.get_weights()]


for _act in ("relu", "tanh", "sigmoid", "softmax", None, "gelu", "elu", "softplus", "selu", "swish"):
    def _dense_prog(tf: Any, keras: Any, act: Any = _act) -> Any:
        return _dense_case(tf, keras, act)

    _dense_prog.__doc__ = f"Dense(activation={_act!r}) forward and gradients (weights copied across)."
    PROGRAMS[f"dense_{_act or 'linear'}"] = _dense_prog


@program
def prog_dense_no_bias_rank3(tf: Any, keras: Any) -> Any:
    """Dense without bias on a rank-3 input multiplies along the last axis."""
    keras.backend.clear_session(free_memory=False)
    rng = np.random.default_rng(6)
    layer = keras.layers.Dense(2, use_bias=False)
    x = tf.constant(rng.standard_normal((2, 3, 4)).astype(np.float32))
    layer.build((None, 3, 4))
    layer.set_weights([rng.standard_normal((4, 2)).astype(np.float32)])
    with tf.GradientTape() as tape:
        y = layer(x)
    return y, tape.gradient(y, layer.trainable_weights), len(layer.weights)


@program
def prog_dense_input_errors(tf: Any, keras: Any) -> Any:
    """Dense rejects a rank-1 input and a wrong last dimension (ValueError), and units=0."""
    keras.backend.clear_session(free_memory=False)
    layer = keras.layers.Dense(2)
    layer(np.ones((1, 3), np.float32))
    return (caught(lambda: keras.layers.Dense(2)(np.ones(3, np.float32))),
            caught(lambda: layer(np.ones((1, 4), np.float32))), caught(lambda: keras.layers.Dense(0)))


def _bn_case(tf: Any, keras: Any, **kwargs: Any) -> Any:
    keras.backend.clear_session(free_memory=False)
    rng = np.random.default_rng(7)
    x = (rng.standard_normal((8, 3)) * 2 + 1).astype(np.float32)
    layer = keras.layers.BatchNormalization(**kwargs)
    layer.build((None, 3))
    weights = [rng.standard_normal(3).astype(np.float32) for _ in layer.get_weights()]
    weights[-1] = np.abs(weights[-1]) + 0.5  # moving variance
    layer.set_weights(weights)
    xt = tf.constant(x)
    out = []
    for training in (True, False, True):
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = layer(xt, training=training)
            loss = tf.reduce_sum(y * tf.constant(np.arange(24, dtype=np.float32).reshape(8, 3)))
        out.append((y, tape.gradient(loss, [xt] + list(layer.trainable_weights))))
    return out, [arr(w) for w in layer.weights], len(layer.trainable_weights), len(layer.non_trainable_weights)


@program
def prog_batchnorm_default(tf: Any, keras: Any) -> Any:
    """BatchNormalization: batch statistics and moving-average updates in training, moving statistics otherwise;
    gradients with respect to the input, gamma and beta."""
    return _bn_case(tf, keras)


@program
def prog_batchnorm_options(tf: Any, keras: Any) -> Any:
    """BatchNormalization(momentum=0.5, epsilon=0.1, center=False)."""
    return _bn_case(tf, keras, momentum=0.5, epsilon=0.1, center=False)


@program
def prog_batchnorm_axis1_rank3(tf: Any, keras: Any) -> Any:
    """BatchNormalization(axis=1) on a rank-3 input (channels first)."""
    keras.backend.clear_session(free_memory=False)
    rng = np.random.default_rng(8)
    x = tf.constant(rng.standard_normal((4, 2, 5)).astype(np.float32))
    layer = keras.layers.BatchNormalization(axis=1, momentum=0.9)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        loss = tf.reduce_sum(y * y * tf.constant(np.linspace(0, 1, 40, dtype=np.float32).reshape(4, 2, 5)))
    return y, tape.gradient(loss, [x] + list(layer.trainable_weights)), [arr(w) for w in layer.weights]


@program
def prog_batchnorm_frozen(tf: Any, keras: Any) -> Any:
    """A frozen BatchNormalization (trainable=False) uses its moving statistics even with training=True and has no
    trainable weights."""
    keras.backend.clear_session(free_memory=False)
    layer = keras.layers.BatchNormalization()
    x = tf.constant(np.arange(6, dtype=np.float32).reshape(3, 2))
    layer(x)
    layer.trainable = False
    y = layer(x, training=True)
    return y, len(layer.trainable_weights), len(layer.non_trainable_weights), [arr(w) for w in layer.weights]


@program
def prog_dropout_inference_and_rate(tf: Any, keras: Any) -> Any:
    """Dropout is the identity at inference; in training it keeps about 1-rate of the values, scaled by
    1/(1-rate); a rate outside [0, 1] is a ValueError."""
    keras.backend.clear_session(free_memory=False)
    layer = keras.layers.Dropout(0.25, seed=3)
    x = tf.ones([200, 50])
    y_inf = layer(x)
    y_tr = np.asarray(layer(x, training=True))
    kept = float((y_tr != 0).mean())
    return (y_inf, sorted(set(np.round(y_tr.ravel(), 5).tolist())), abs(kept - 0.75) < 0.02,
            caught(lambda: keras.layers.Dropout(1.5)))


@program
def prog_dropout_gradient(tf: Any, keras: Any) -> Any:
    """Dropout's gradient is the mask scaled by 1/(1-rate) (checked through the output itself)."""
    keras.backend.clear_session(free_memory=False)
    layer = keras.layers.Dropout(0.5, seed=1)
    x = tf.constant(np.linspace(1, 2, 100, dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        total = tf.reduce_sum(y)
    g = np.asarray(tape.gradient(total, x))
    y = np.asarray(y)
    return bool(np.allclose(g, (y != 0) * 2.0)), bool(np.allclose(y[y != 0], np.asarray(x)[y != 0] * 2.0))


@program
def prog_embedding_gradient_and_sparse_update(tf: Any, keras: Any) -> Any:
    """Embedding looks up rows; its gradient is IndexedSlices (duplicates kept); SGD updates only those rows."""
    keras.backend.clear_session(free_memory=False)
    layer = keras.layers.Embedding(5, 2)
    layer.build()
    layer.set_weights([np.arange(10, dtype=np.float32).reshape(5, 2)])
    ids = np.array([[1, 3], [1, 0]], dtype=np.int32)
    with tf.GradientTape() as tape:
        y = layer(ids)
        loss = tf.reduce_sum(y * tf.constant([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]))
    g = tape.gradient(loss, layer.embeddings)
    keras.optimizers.SGD(0.1).apply_gradients([(g, layer.embeddings)])
    return y, type(g).__name__, np.asarray(g.indices), np.asarray(g.values), arr(layer.embeddings), y.shape


@program
def prog_embedding_adam_rows(tf: Any, keras: Any) -> Any:
    """Adam and Adagrad on Embedding gradients (duplicate ids), 5 steps."""
    keras.backend.clear_session(free_memory=False)
    out = []
    for make in (lambda: keras.optimizers.Adam(0.1), lambda: keras.optimizers.Adagrad(0.5),
                 lambda: keras.optimizers.RMSprop(0.1)):
        layer = keras.layers.Embedding(4, 3)
        layer.build()
        layer.set_weights([np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)])
        opt = make()
        for step in range(5):
            ids = np.array([step % 4, 2, 2], dtype=np.int32)
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.square(layer(ids)))
            grads = tape.gradient(loss, layer.trainable_weights)
            opt.apply_gradients(zip(grads, layer.trainable_weights))
        out.append(arr(layer.embeddings))
    return out


@program
def prog_flatten_activation_lambda(tf: Any, keras: Any) -> Any:
    """Flatten, Activation and Lambda layers on concrete inputs."""
    keras.backend.clear_session(free_memory=False)
    x = tf.constant(np.linspace(-2, 2, 24, dtype=np.float32).reshape(2, 3, 4))
    return (keras.layers.Flatten()(x), keras.layers.Activation("relu")(x), keras.layers.Activation("tanh")(x),
            keras.layers.Lambda(lambda t: t * 2.0 + 1.0)(x), keras.layers.Flatten()(tf.ones([3])).shape)


@program
def prog_activations_by_name(tf: Any, keras: Any) -> Any:
    """Every activation looked up by name, on the same input, with gradients."""
    x = tf.constant(np.linspace(-3, 3, 13, dtype=np.float32).reshape(1, 13))
    out = []
    for name in ("relu", "sigmoid", "softmax", "tanh", "linear", "elu", "selu", "softplus", "softsign", "swish",
                 "silu", "gelu", "exponential", "relu6", "leaky_relu", "hard_sigmoid", "log_softmax", "mish"):
        fn = keras.activations.get(name)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        out.append((name, y, tape.gradient(tf.reduce_sum(y * y), x)))
    return out


@program
def prog_relu_options(tf: Any, keras: Any) -> Any:
    """keras.activations.relu with negative_slope, max_value and threshold."""
    x = tf.constant(np.linspace(-3, 8, 12, dtype=np.float32))
    return (keras.activations.relu(x, negative_slope=0.1), keras.activations.relu(x, max_value=4.0),
            keras.activations.relu(x, threshold=1.0), keras.activations.relu(x, 0.2, 5.0, 1.0))


@program
def prog_initializer_constants_and_shapes(tf: Any, keras: Any) -> Any:
    """Zeros/Ones/Constant exactly; random initializers' shape, dtype and bounds (fans as Keras computes them)."""
    i = keras.initializers
    out = [i.Zeros()((2, 3)), i.Ones()((3,)), i.Constant(0.5)((2, 2)),
           i.Constant(np.arange(6, dtype=np.float32).reshape(2, 3))((2, 3))]
    facts = []
    trunc = 0.87962566103423978  # stddev of a unit normal truncated at ±2: truncated samples reach 2 * s / trunc
    for init, shape, bound in (
            (i.GlorotUniform(seed=1), (20, 30), np.sqrt(6 / 50)),
            (i.GlorotUniform(seed=2), (3, 3, 4, 8), np.sqrt(6 / (36 + 72))),
            (i.HeNormal(seed=3), (50, 40), 2 * np.sqrt(2 / 50) / trunc),
            (i.RandomNormal(stddev=0.02, seed=4), (30, 30), None), (i.RandomUniform(-0.1, 0.2, seed=5), (40,), None),
            (i.get("he_normal"), (10, 10), 2 * np.sqrt(2 / 10) / trunc), (i.get("glorot_uniform"), (7, 9),
                                                                           np.sqrt(6 / 16))):
        w = np.asarray(init(shape))
        facts.append((w.shape, str(w.dtype), None if bound is None else bool(np.abs(w).max() <= bound * 1.0001)))
    he = np.asarray(i.HeNormal(seed=7)((400, 300)))
    rn = np.asarray(i.RandomNormal(mean=1.0, stddev=0.5, seed=8)((300, 300)))
    ru = np.asarray(i.RandomUniform(-0.1, 0.2, seed=9)((100000,)))
    stats = [abs(he.std() - np.sqrt(2 / 400)) < 0.003, abs(rn.mean() - 1.0) < 0.01, abs(rn.std() - 0.5) < 0.01,
             bool(ru.min() >= -0.1 and ru.max() < 0.2), abs(ru.mean() - 0.05) < 0.002]
    seeded = i.GlorotUniform(seed=11)
    return out, facts, stats, bool(np.array_equal(np.asarray(seeded((4, 4))), np.asarray(seeded((4, 4)))))


@program
def prog_metrics_accuracy_family(tf: Any, keras: Any) -> Any:
    """Accuracy metrics (functions and streaming classes), with and without sample weights."""
    d = _loss_data()
    m = keras.metrics
    results = [m.sparse_categorical_accuracy(d["labels"], d["probs"]),
               m.categorical_accuracy(d["onehot"], d["probs"]),
               m.binary_accuracy(d["bin_true"], d["bin_probs"]),
               m.binary_accuracy(d["bin_true"], d["bin_probs"], threshold=0.7),
               m.top_k_categorical_accuracy(d["onehot"], d["probs"], k=2),
               m.sparse_top_k_categorical_accuracy(d["labels"], d["probs"], k=2)]
    streaming = []
    for metric, args in ((m.SparseCategoricalAccuracy(), (d["labels"], d["probs"])),
                         (m.CategoricalAccuracy(), (d["onehot"], d["probs"])),
                         (m.BinaryAccuracy(), (d["bin_true"], d["bin_probs"])),
                         (m.Accuracy(), (np.array([1, 2, 3, 4]), np.array([0, 2, 3, 4]))),
                         (m.TopKCategoricalAccuracy(k=3), (d["onehot"], d["probs"]))):
        metric.update_state(*args)
        metric.update_state(*args, sample_weight=d["weights"][: len(args[0])])
        streaming.append((metric.name, metric.result()))
        metric.reset_state()
        streaming.append(metric.result())
    mean = m.Mean()
    mean.update_state([1.0, 2.0, 6.0])
    mean.update_state([4.0], sample_weight=[3.0])
    return results, streaming, mean.result()


# ----------------------------------------------------------------------------------------------------------------
# tf.Module


def _modules(tf: Any) -> Any:
    class Leaf(tf.Module):
        def __init__(self, n: int, name: str | None = None) -> None:
            super().__init__(name=name)
            self.w = tf.Variable(np.full((n,), float(n), np.float32), name=f"w{n}")
            self.b = tf.Variable(np.zeros(1, np.float32), name=f"b{n}", trainable=False)

    class Tree(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            self.z_leaf = Leaf(1)
            self.items = [Leaf(2), (Leaf(3), tf.Variable(7.0, name="in_tuple"))]
            self.table = {"b": Leaf(4), "a": tf.Variable(5.0, name="in_dict")}
            self.alpha = tf.Variable(1.0, name="alpha")
            self.shared = self.alpha
            self.not_tracked = "text"

    return Leaf, Tree


@program
def prog_module_variable_order(tf: Any, keras: Any) -> Any:
    """tf.Module finds variables through attributes, lists, tuples and dicts: own leaves in sorted attribute order,
    then submodules depth first; shared variables once."""
    _, Tree = _modules(tf)
    m = Tree()
    return ([v.name for v in m.variables], [v.name for v in m.trainable_variables],
            [v.name for v in m.non_trainable_variables], [s.name for s in m.submodules], m.name, m.name_scope.name)


@program
def prog_module_lazy_variables(tf: Any, keras: Any) -> Any:
    """Variables created on the first call are found afterwards; gradients flow to them."""
    class Lazy(tf.Module):
        def __call__(self, x: Any) -> Any:
            if not hasattr(self, "w"):
                self.w = tf.Variable(tf.ones([x.shape[-1], 2]), name="w")
            return tf.matmul(x, self.w)

    m = Lazy(name="lazy_one")
    before = len(m.variables)
    x = tf.constant([[1.0, 2.0, 3.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(m(x))
    return before, [v.name for v in m.trainable_variables], tape.gradient(y, m.trainable_variables), m.name


@program
def prog_module_names(tf: Any, keras: Any) -> Any:
    """Default module names are the snake-cased class name; invalid names are a ValueError."""
    class MyHTTPModule(tf.Module):
        pass

    class MLP(tf.Module):
        pass

    return (MyHTTPModule().name, MLP().name, tf.Module().name, caught(lambda: tf.Module(name="bad name")),
            caught(lambda: tf.Module(name="1abc")))


@program
def prog_module_cycle(tf: Any, keras: Any) -> Any:
    """A module that refers back to its parent is walked once."""
    a, b = tf.Module(name="a"), tf.Module(name="b")
    a.child = b
    b.parent = a
    a.v = tf.Variable(1.0, name="va")
    b.v = tf.Variable(2.0, name="vb")
    return [v.name for v in a.variables], [s.name for s in a.submodules], [v.name for v in b.variables]


# ----------------------------------------------------------------------------------------------------------------
# models


def _set_sequential_weights(model: Any, seed: int) -> None:
    rng = np.random.default_rng(seed)
    model.set_weights([np.ones(w.shape, np.float32) if "variance" in w.name
                       else (rng.standard_normal(w.shape) * 0.5).astype(np.float32) for w in model.weights])


def _regression_data(n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)
    return x, y


@program
def prog_sequential_summary(tf: Any, keras: Any) -> Any:
    """Sequential built from keras.Input: summary text (names, shapes, parameter counts and sizes)."""
    keras.backend.clear_session(free_memory=False)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.BatchNormalization(), keras.layers.Dropout(0.1),
                              keras.layers.Dense(3, activation="softmax")])
    return summary_text(model), [layer.name for layer in model.layers], model.count_params()


@program
def prog_sequential_deferred_summary(tf: Any, keras: Any) -> Any:
    """A Sequential without Input is built by its first call; the summary shows that call's shapes."""
    keras.backend.clear_session(free_memory=False)
    model = keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(2)], name="deferred")
    before = summary_text(model)
    model(np.ones((7, 4), np.float32))
    return before, summary_text(model)


@program
def prog_functional_summary(tf: Any, keras: Any) -> Any:
    """Functional models: a chain (three columns) and a branching graph ("Connected to" column)."""
    keras.backend.clear_session(free_memory=False)
    inp = keras.Input((4,), name="x")
    out = keras.layers.Dense(2)(keras.layers.Activation("tanh")(keras.layers.Dense(5, name="d1")(inp)))
    chain = keras.Model(inp, out)
    inp2 = keras.Input((4,))
    a, b = keras.layers.Dense(3)(inp2), keras.layers.Dense(3)(inp2)
    merged = keras.layers.Lambda(lambda t: t[0] + t[1])([a, b])
    branch = keras.Model(inp2, keras.layers.Dense(1, name="a_rather_long_layer_name_for_wrapping")(merged))
    return summary_text(chain), summary_text(branch), [la.name for la in branch.layers]


@program
def prog_subclassed_model_summary_and_variables(tf: Any, keras: Any) -> Any:
    """A subclassed model: unbuilt summary, then built by a call; weights in creation order."""
    keras.backend.clear_session(free_memory=False)

    class Net(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.hidden = keras.layers.Dense(4, activation="relu")
            self.norm = keras.layers.BatchNormalization()
            self.head = keras.layers.Dense(1)

        def call(self, x: Any, training: bool = False) -> Any:
            return self.head(self.norm(self.hidden(x), training=training))

    net = Net()
    before = summary_text(net)
    net(np.ones((5, 3), np.float32))
    return (before, summary_text(net), [w.shape for w in net.get_weights()], len(net.trainable_weights),
            len(net.non_trainable_weights), net.name)


@program
def prog_functional_forward_gradients(tf: Any, keras: Any) -> Any:
    """A two-input functional model: outputs and gradients after copying weights."""
    keras.backend.clear_session(free_memory=False)
    a, b = keras.Input((3,)), keras.Input((2,))
    h = keras.layers.Dense(4, activation="tanh")(a)
    g = keras.layers.Dense(4)(b)
    out = keras.layers.Dense(1)(keras.layers.Lambda(lambda t: t[0] * t[1])([h, g]))
    model = keras.Model([a, b], out)
    _set_sequential_weights(model, 2)
    rng = np.random.default_rng(4)
    xa, xb = rng.standard_normal((5, 3)).astype(np.float32), rng.standard_normal((5, 2)).astype(np.float32)
    with tf.GradientTape() as tape:
        y = model([xa, xb])
        loss = tf.reduce_mean(y * y)
    return y, tape.gradient(loss, model.trainable_weights), len(model.layers)


def _fit_case(tf: Any, keras: Any, optimizer: Any, metrics: Any, loss: Any, classification: bool) -> Any:
    keras.backend.clear_session(free_memory=False)
    if classification:
        rng = np.random.default_rng(12)
        x = rng.standard_normal((64, 4)).astype(np.float32)
        y = (x[:, 0] + x[:, 1] > 0).astype(np.int32) + (x[:, 2] > 0.5).astype(np.int32)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(3, activation="softmax")])
    else:
        x, y = _regression_data(64)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(6, activation="tanh"),
                                  keras.layers.Dense(1)])
    _set_sequential_weights(model, 3)
    model.compile(optimizer=optimizer(keras), loss=loss, metrics=metrics)
    # Batch sizes divide the sample counts: TensorFlow then traces each Keras function once (a faster oracle run).
    history = model.fit(x, y, batch_size=16, epochs=4, shuffle=False, validation_data=(x[:16], y[:16]), verbose=0)
    hist = {k: np.array(v, dtype=np.float32) for k, v in history.history.items()}
    evaluated = model.evaluate(x, y, batch_size=32, verbose=0)
    evaluated = np.array(evaluated, dtype=np.float32)
    as_dict = {k: np.float32(v) for k, v in model.evaluate(x, y, batch_size=32, verbose=0,
                                                              return_dict=True).items()}
    pred = model.predict(x[:8], batch_size=8, verbose=0)
    return (hist, evaluated, as_dict, pred, history.epoch, history.params, [arr(w) for w in model.weights],
            model.metrics_names if hasattr(model, "metrics_names") else None)


@program
def prog_fit_regression_sgd(tf: Any, keras: Any) -> Any:
    """fit/evaluate/predict on a seeded regression (SGD momentum, mse + mae metric, no shuffling)."""
    return _fit_case(tf, keras, lambda k: k.optimizers.SGD(0.05, momentum=0.9), ["mae"], "mse", False)


@program
def prog_fit_classification_adam(tf: Any, keras: Any) -> Any:
    """fit with sparse categorical crossentropy and "accuracy" (resolved to sparse categorical accuracy)."""
    return _fit_case(tf, keras, lambda k: k.optimizers.Adam(0.02), ["accuracy"], "sparse_categorical_crossentropy",
                     True)


@program
def prog_fit_huber_rmsprop_loss_object(tf: Any, keras: Any) -> Any:
    """fit with a Huber loss object and RMSprop; evaluate returns a single float."""
    keras.backend.clear_session(free_memory=False)
    x, y = _regression_data(40)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    _set_sequential_weights(model, 5)
    model.compile(optimizer=keras.optimizers.RMSprop(0.05), loss=keras.losses.Huber(delta=0.5))
    history = model.fit(x, y, batch_size=10, epochs=3, shuffle=False, verbose=0)
    return (np.array(history.history["loss"], np.float32), np.float32(model.evaluate(x, y, batch_size=10, verbose=0)),
            sorted(history.history))


@program
def prog_fit_validation_split_and_sample_weight(tf: Any, keras: Any) -> Any:
    """validation_split takes the last samples; sample weights scale the loss."""
    keras.backend.clear_session(free_memory=False)
    x, y = _regression_data(60)
    w = np.linspace(0.1, 2.0, 60).astype(np.float32)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    _set_sequential_weights(model, 6)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    history = model.fit(x, y, sample_weight=w, batch_size=6, epochs=2, shuffle=False, validation_split=0.2,
                        verbose=0)
    return {k: np.array(v, np.float32) for k, v in history.history.items()}, history.params


@program
def prog_fit_progress_line_verbose2(tf: Any, keras: Any) -> Any:
    """verbose=2 prints "Epoch i/n" and one summary line per epoch (timings masked)."""
    import contextlib as _c
    import io
    import re

    keras.backend.clear_session(free_memory=False)
    x, y = _regression_data(40)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    _set_sequential_weights(model, 7)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    buf = io.StringIO()
    with _c.redirect_stdout(buf):
        model.fit(x, y, batch_size=20, epochs=2, shuffle=False, verbose=2, validation_data=(x, y))
    text = re.sub(r"\d+(ms|us|s)/step", "T/step", buf.getvalue())
    return re.sub(r" - \d+s - ", " - Ns - ", text)


@program
def prog_train_on_batch_and_test_on_batch(tf: Any, keras: Any) -> Any:
    """train_on_batch returns running logs; test_on_batch and predict_on_batch."""
    keras.backend.clear_session(free_memory=False)
    x, y = _regression_data(16)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    _set_sequential_weights(model, 8)
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse", metrics=["mae"])
    first = model.train_on_batch(x, y)
    second = model.train_on_batch(x, y, return_dict=True)
    return (np.array(first, np.float32), {k: np.float32(v) for k, v in second.items()},
            np.array(model.test_on_batch(x, y), np.float32), model.predict_on_batch(x[:3]))


@program
def prog_model_trainable_toggle(tf: Any, keras: Any) -> Any:
    """Freezing a layer moves its weights to non_trainable_weights (and back)."""
    keras.backend.clear_session(free_memory=False)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3), keras.layers.Dense(1)])
    model.layers[0].trainable = False
    frozen = (len(model.trainable_weights), len(model.non_trainable_weights))
    model.layers[0].trainable = True
    model.trainable = False
    all_frozen = (len(model.trainable_weights), len(model.non_trainable_weights))
    return frozen, all_frozen


@program
def prog_sequential_errors(tf: Any, keras: Any) -> Any:
    """Sequential refuses duplicate layer names and non-layers (ValueError)."""
    keras.backend.clear_session(free_memory=False)
    model = keras.Sequential([keras.layers.Dense(1, name="same")])
    return (caught(lambda: model.add(keras.layers.Dense(1, name="same"))), caught(lambda: model.add("dense")),
            caught(lambda: model.evaluate(np.ones((2, 2)), np.ones((2, 1)), verbose=0)))


@program
def prog_get_layer(tf: Any, keras: Any) -> Any:
    """get_layer by name and index."""
    keras.backend.clear_session(free_memory=False)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, name="first"), keras.layers.Dense(1)])
    return model.get_layer("first").name, model.get_layer(index=1).name, caught(lambda: model.get_layer("nope"))


@program
def prog_layer_custom_add_weight(tf: Any, keras: Any) -> Any:
    """A custom layer with add_weight in build and a training argument; the call context passes training down."""
    keras.backend.clear_session(free_memory=False)

    class Noisy(keras.layers.Layer):
        def build(self, input_shape: Any) -> None:
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")
            self.count = self.add_weight(shape=(), initializer="zeros", trainable=False, name="count")

        def call(self, x: Any, training: Any = None) -> Any:
            return x * self.scale * (2.0 if training else 1.0)

    class Wrapper(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.noisy = Noisy()

        def call(self, x: Any, training: Any = None) -> Any:
            return self.noisy(x)

    model = Wrapper()
    x = np.ones((1, 2), np.float32)
    return (model(x), model(x, training=True), model(x, training=False),
            [w.shape for w in model.get_weights()], len(model.trainable_weights), len(model.non_trainable_weights))


@program
def prog_custom_training_loop(tf: Any, keras: Any) -> Any:
    """The TF guide's loop: GradientTape over a Keras model, optimizer.apply_gradients, 30 steps."""
    keras.backend.clear_session(free_memory=False)
    x, y = _regression_data(32)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
    _set_sequential_weights(model, 9)
    opt = keras.optimizers.Adam(0.05)
    loss_fn = keras.losses.MeanSquaredError()
    losses = []
    for _ in range(30):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        losses.append(np.float32(loss))
    return np.array(losses), [arr(w) for w in model.weights]


@program
def prog_fit_batchnorm_model(tf: Any, keras: Any) -> Any:
    """fit through BatchNormalization (training statistics, moving averages) and evaluate with moving statistics.

    The Dense before the normalization has no bias: its gradient would be rounding noise (the batch mean is
    removed), which Adam amplifies into steps of ±lr in either library."""
    keras.backend.clear_session(free_memory=False)
    x, y = _regression_data(48)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5, use_bias=False),
                              keras.layers.BatchNormalization(momentum=0.8),
                              keras.layers.Activation("relu"), keras.layers.Dense(1)])
    _set_sequential_weights(model, 13)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mae")
    history = model.fit(x, y, batch_size=12, epochs=3, shuffle=False, verbose=0)
    return (np.array(history.history["loss"], np.float32),
            np.float32(model.evaluate(x, y, batch_size=12, verbose=0)), [arr(w) for w in model.weights])


@program
def prog_fit_embedding_model(tf: Any, keras: Any) -> Any:
    """An Embedding → Flatten → Dense model on integer ids (sparse gradients inside fit)."""
    keras.backend.clear_session(free_memory=False)
    rng = np.random.default_rng(14)
    ids = rng.integers(0, 10, size=(40, 3)).astype(np.int32)
    y = (ids.sum(1) % 2).astype(np.float32)[:, None]
    model = keras.Sequential([keras.Input((3,), dtype="int32"), keras.layers.Embedding(10, 4), keras.layers.Flatten(),
                              keras.layers.Dense(1, activation="sigmoid")])
    _set_sequential_weights(model, 15)
    model.compile(optimizer=keras.optimizers.RMSprop(0.02), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(ids, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    return ({k: np.array(v, np.float32) for k, v in history.history.items()}, [arr(w) for w in model.weights],
            summary_text(model))


@program
def prog_nested_model_summary(tf: Any, keras: Any) -> Any:
    """A Sequential used as a layer of a functional model: summary rows and parameter counts."""
    keras.backend.clear_session(free_memory=False)
    block = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(2)], name="block")
    inp = keras.Input((4,))
    model = keras.Model(inp, keras.layers.Dense(1)(block(inp)), name="outer")
    return summary_text(model), model.count_params()


@program
def prog_fit_multi_output_dict_losses(tf: Any, keras: Any) -> Any:
    """Two named outputs with a dict of losses and loss weights."""
    keras.backend.clear_session(free_memory=False)
    x, y = _regression_data(32)
    inp = keras.Input((3,))
    h = keras.layers.Dense(4, activation="tanh")(inp)
    model = keras.Model(inp, [keras.layers.Dense(1, name="first")(h), keras.layers.Dense(1, name="second")(h)])
    _set_sequential_weights(model, 16)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss={"first": "mse", "second": "mae"},
                  loss_weights={"first": 1.0, "second": 0.25})
    history = model.fit(x, [y, -y], batch_size=8, epochs=2, shuffle=False, verbose=0)
    return np.array(history.history["loss"], np.float32), [arr(w) for w in model.weights]


# Recurrent/attention layers, tf.data into fit, thresholded and custom metrics, Nadam/Adamax/Adadelta/Ftrl/Lion;
# the layer families of issue 15 part A (convolution, pooling, merging, normalisation, ..., keras.backend).
# keras.ops, keras.random, constraints/tree/config/dtype policies: programs_ops, programs_random, programs_kconfig
# programs_ktrain: the rest of the losses, metrics, optimizers, callbacks and regularizers.
from . import (  # noqa: E402,F401
    programs_augment,
    programs_b,
    programs_image_ops,
    programs_kconfig,
    programs_kdata,
    programs_klayers,
    programs_klegacy,
    programs_kmix,
    programs_ktrain,
    programs_kutil,
    programs_layers,
    programs_ops,
    programs_prep,
    programs_prep_image,
    programs_random,
)
