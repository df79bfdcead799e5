"""Models the saving interop lane builds both under tapegrad and under Keras 3 (``keras`` is passed in).

Each side trains them briefly, saves ``.keras`` and ``.weights.h5`` files, and records predictions before and after
one more training step (no random layer is active, so a step is deterministic); the other side loads the files and
must reproduce both (keras_saving_peer.py runs Keras).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def data() -> dict[str, Any]:
    rng = np.random.RandomState(0)
    return {"cnn": (rng.randn(8, 8, 8, 3).astype("float32"), rng.randint(0, 3, size=(8,)).astype("int32")),
            "rnn": ([rng.randint(1, 10, size=(8, 5)).astype("int32"), rng.randn(8, 3).astype("float32")],
                    rng.randn(8, 1).astype("float32")),
            "breadth": ([rng.randn(8, 8, 8, 3).astype("float32"), rng.randn(8, 6, 4).astype("float32")],
                        rng.randn(8, 1).astype("float32"))}


def build(keras: Any, name: str) -> Any:
    L = keras.layers  # noqa: N806
    if name == "cnn":
        model = keras.Sequential([keras.Input((8, 8, 3)), L.Conv2D(4, 3, activation="relu"), L.BatchNormalization(),
                                  L.MaxPooling2D(), L.Flatten(), L.Dropout(0.0), L.Dense(6, activation="relu"),
                                  L.LayerNormalization(), L.Dense(3, activation="softmax")])
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        return model
    if name == "breadth":
        img, seq = keras.Input((8, 8, 3)), keras.Input((6, 4))
        a = L.DepthwiseConv2D(3)(L.ZeroPadding2D()(img))
        a = L.SeparableConv2D(4, 3, padding="same", activation="relu")(a)
        a = L.AveragePooling2D(2)(L.Conv2DTranspose(4, 3, strides=2)(a))
        a = L.GlobalAveragePooling2D()(L.GroupNormalization(2)(a))
        s = L.TimeDistributed(L.Dense(3))(L.Conv1D(3, 2, padding="causal")(seq))
        s = L.GlobalMaxPooling1D()(L.MultiHeadAttention(2, 2)(s, s))
        out = L.Dense(1)(L.Concatenate()([a, L.PReLU()(s)]))
        model = keras.Model([img, seq], out)
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
        return model
    ids = keras.Input((5,), dtype="int32", name="ids")
    feats = keras.Input((3,), name="feats")
    seq = L.Embedding(10, 4)(ids)
    seq = L.LSTM(3, return_sequences=True)(seq)
    seq = L.Bidirectional(L.GRU(2, return_sequences=True))(seq)
    last = L.SimpleRNN(3)(seq)
    merged = L.Concatenate()([last, L.Dense(2, activation="tanh")(feats)])
    model = keras.Model([ids, feats], L.Dense(1)(merged))
    model.compile(optimizer=keras.optimizers.RMSprop(0.01), loss="mse")
    return model


NAMES = ("cnn", "rnn", "breadth")


def train_and_save(keras: Any, out_dir: str, prefix: str) -> dict[str, np.ndarray]:
    """Build, train two epochs, save; record predictions, then one more step and predictions again."""
    results: dict[str, np.ndarray] = {}
    for name in NAMES:
        keras.utils.set_random_seed(0)
        x, y = data()[name]
        model = build(keras, name)
        model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        model.save(f"{out_dir}/{prefix}_{name}.keras")
        model.save_weights(f"{out_dir}/{prefix}_{name}.weights.h5")
        results[f"{name}/predict"] = np.asarray(model.predict(x, verbose=0))
        model.train_on_batch(x, y)
        results[f"{name}/after_step"] = np.asarray(model.predict(x, verbose=0))
    return results


def load_and_check(keras: Any, out_dir: str, prefix: str) -> dict[str, np.ndarray]:
    """Load the other side's files; predictions of the loaded model, after one step, and from load_weights."""
    results: dict[str, np.ndarray] = {}
    for name in NAMES:
        x, y = data()[name]
        model = keras.models.load_model(f"{out_dir}/{prefix}_{name}.keras")
        results[f"{name}/predict"] = np.asarray(model.predict(x, verbose=0))
        model.train_on_batch(x, y)
        results[f"{name}/after_step"] = np.asarray(model.predict(x, verbose=0))
        fresh = build(keras, name)
        fresh.load_weights(f"{out_dir}/{prefix}_{name}.weights.h5")
        results[f"{name}/weights_predict"] = np.asarray(fresh.predict(x, verbose=0))
    return results
