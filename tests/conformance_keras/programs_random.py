"""Keras conformance programs for ``keras.random``: draws with integer seeds and ``SeedGenerator`` states must be
Keras-on-TensorFlow's numbers bit for bit (TensorFlow's stateless generators, Keras's seed handling), plus the
argument errors. Registered into ``programs.PROGRAMS`` (imported at the end of programs.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from .programs import caught, program
except ImportError:  # run_tf.py run as a script
    from programs import caught, program  # type: ignore[no-redef]

_X = np.arange(24, dtype=np.float32).reshape(4, 6) + 1


def _draws(r: Any, seed: Any) -> list[Any]:
    return [caught(c) for c in (
        lambda: r.normal((3, 4), seed=seed), lambda: r.normal((5,), 2.0, 0.5, "float64", seed=seed),
        lambda: r.uniform((2, 3), seed=seed), lambda: r.uniform((4,), -2.0, 3.0, "float16", seed=seed),
        lambda: r.uniform((4,), dtype="int32", seed=seed),
        lambda: r.randint((3, 3), 0, 10, seed=seed), lambda: r.randint((4,), -5, 5, "int64", seed=seed),
        lambda: r.randint((4,), 0, 100, "uint8", seed=seed), lambda: r.randint((2,), 0, 3, "float32", seed=seed),
        lambda: r.truncated_normal((3, 4), seed=seed), lambda: r.truncated_normal((6,), 1.0, 3.0, "float64",
                                                                                  seed=seed),
        lambda: r.categorical(np.log([[0.2, 0.3, 0.5], [0.9, 0.05, 0.05]]).astype(np.float32), 6, seed=seed),
        lambda: r.categorical(np.zeros((2, 4), np.float32), 3, "int64", seed=seed),
        lambda: r.categorical(np.zeros(4, np.float32), 3, seed=seed),
        lambda: r.dropout(_X, 0.5, seed=seed), lambda: r.dropout(_X, 0.3, noise_shape=(1, 6), seed=seed),
        lambda: r.dropout(_X, 0.25, noise_shape=(None, 1), seed=seed), lambda: r.dropout(_X, 0.0, seed=seed),
        lambda: r.dropout(_X, 1.0, seed=seed),
        lambda: r.shuffle(np.arange(8), seed=seed), lambda: r.shuffle(_X, axis=1, seed=seed),
        lambda: r.gamma((3, 4), 2.0, seed=seed), lambda: r.gamma((4,), np.array([0.5, 1.0, 2.0, 9.0]), seed=seed),
        lambda: r.gamma((2,), 1.5, "float64", seed=seed),
        lambda: r.binomial((3, 4), 10.0, 0.3, seed=seed), lambda: r.binomial((4,), np.array([1.0, 5.0, 20.0, 50.0]),
                                                                              0.5, "float64", seed=seed),
        lambda: r.beta((3, 4), 2.0, 3.0, seed=seed), lambda: r.beta((2, 2), np.array([0.5, 4.0]), 1.0, seed=seed),
    )]


@program
def prog_random_int_seed(tf: Any, keras: Any) -> Any:
    """keras.random draws with an integer seed: the same numbers as Keras on TensorFlow, the same on each call."""
    r = keras.random
    return _draws(r, 1337), _draws(r, 0)[:4], _draws(r, 2**40 + 5)[:3], [caught(lambda: r.normal((2,), seed=-3))]


@program
def prog_random_seed_generator(tf: Any, keras: Any) -> Any:
    """A SeedGenerator advances [s, 0], [s, 1], ...: every draw differs and matches Keras's; its state and config."""
    r = keras.random
    gen = r.SeedGenerator(42)
    out = _draws(r, gen)
    gen2 = r.SeedGenerator(7, name="gen_b")
    states = []
    for _ in range(3):
        r.uniform((2,), seed=gen2)
        states.append(keras.ops.convert_to_numpy(gen2.state))
    return (out, keras.ops.convert_to_numpy(gen.state), states, gen2.get_config(), str(gen2.state.dtype),
            gen2.state.trainable, gen2.state.name)


@program
def prog_random_errors(tf: Any, keras: Any) -> Any:
    """keras.random's argument errors: float randint dtype, integer uniform dtype, bad seeds and kwargs."""
    r = keras.random
    return [caught(c) for c in (
        lambda: r.randint((2,), 0, 4, dtype="float32"), lambda: r.uniform((2,), dtype="int32"),
        lambda: r.normal((2,), seed="x"), lambda: r.normal((2,), seed=1.5), lambda: r.SeedGenerator(1.5),
        lambda: r.SeedGenerator(1, foo=2), lambda: r.categorical(np.zeros((2, 2, 2)), 2, seed=1))]
