"""Keras conformance programs for ``keras.constraints``, ``keras.tree``, ``keras.config`` and
``keras.dtype_policies``/``keras.mixed_precision``. Registered into ``programs.PROGRAMS`` (imported at the end of
programs.py).
"""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

try:
    from .programs import caught, program
except ImportError:  # run_tf.py run as a script
    from programs import caught, program  # type: ignore[no-redef]

_R = np.random.default_rng(31)
W = (_R.standard_normal((4, 3)) * 2).astype(np.float32)
W3 = (_R.standard_normal((2, 3, 4)) * 2).astype(np.float32)
FIT_X = _R.standard_normal((16, 4)).astype(np.float32)
FIT_Y = _R.standard_normal((16, 3)).astype(np.float32)
Point = collections.namedtuple("Point", ["x", "y"])


@program
def prog_constraints_values(tf: Any, keras: Any) -> Any:
    """Every built-in constraint on 2-D and 3-D weights and axes; configs, get/serialize/deserialize."""
    c = keras.constraints
    objs = [c.MaxNorm(), c.MaxNorm(1.5, axis=1), c.MaxNorm(1.0, axis=[0, 1]), c.NonNeg(), c.UnitNorm(),
            c.UnitNorm(axis=-1), c.MinMaxNorm(), c.MinMaxNorm(0.5, 2.0, 0.3, axis=1), c.Constraint()]
    out = [[np.array(o(w)) for w in (W, W3)] for o in objs]
    out.append([o.get_config() for o in objs])
    out.append([type(c.get(n)).__name__ for n in ("max_norm", "MaxNorm", "non_neg", "unit_norm", "min_max_norm")])
    out.append([c.serialize(o) for o in objs[:8]])
    out.append([type(c.deserialize(c.serialize(o))).__name__ for o in objs[:8]])
    out.append(c.deserialize(c.serialize(objs[7])).get_config())
    out.append([caught(lambda: c.get("nope")), c.get(None), caught(lambda: c.get(3))])
    return out


@program
def prog_constraints_in_fit(tf: Any, keras: Any) -> Any:
    """Dense/Embedding constraints applied after every optimizer step in fit (weights match Keras's)."""
    keras.backend.clear_session(free_memory=False)
    x, y = FIT_X, FIT_Y
    layer = keras.layers.Dense(3, kernel_constraint=keras.constraints.MaxNorm(0.5), bias_constraint="non_neg")
    model = keras.Sequential([keras.Input((4,)), layer])
    layer.set_weights([W, np.array([0.5, -0.5, 0.1], np.float32)])
    model.compile(keras.optimizers.SGD(0.3), "mse")
    hist = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    return np.array(hist.history["loss"], np.float32), [np.array(w) for w in model.get_weights()]


@program
def prog_tree_functions(tf: Any, keras: Any) -> Any:
    """keras.tree: flatten (dicts by key, None a leaf), paths, map/pack, traverse, up_to, shapes, errors."""
    t = keras.tree
    s = {"b": [1, (2, 3)], "a": None, "c": Point(4, {"z": 5, "y": 6})}
    out = [t.flatten(s), t.flatten_with_path(s), t.map_structure(lambda v: None if v is None else v * 2, s),
           t.pack_sequence_as(s, list(range(7))), t.is_nested(s), t.is_nested(3), t.is_nested(None),
           t.map_structure(lambda a, b: a + b, [1, (2,)], [10, (20,)]),
           t.map_structure(lambda v: 0, {"a": None, "b": 1}, none_is_leaf=False),
           t.traverse(lambda v: None if t.is_nested(v) else v * 10, {"a": [1, 2]}),
           t.traverse(lambda v: t.MAP_TO_NONE if v == 1 else None, [1, [2]]),
           t.traverse(lambda v: None if t.is_nested(v) else -v, [1, (2, 3)], top_down=False),
           t.map_structure_up_to([0, 0], lambda a, b: (a, b), [1, [2, 3]], [4, {"x": 5}]),
           t.map_shape_structure(lambda v: ("S", v), {"a": (2, None), "b": [(1,), [3, 4]], "c": 7}),
           t.lists_to_tuples({"a": [1, [2, {"b": [3]}]]})]
    out += [caught(c) for c in (lambda: t.assert_same_structure([1, 2], [1]),
                                lambda: t.assert_same_structure([1, 2], (1, 2)),
                                lambda: t.assert_same_structure({"a": 1}, {"a": 2}),
                                lambda: t.map_structure(lambda a, b: a, [1, 2], [1]),
                                lambda: t.assert_same_paths({"a": 1}, {"b": 1}),
                                lambda: t.assert_same_paths([1, 2], (3, 4)),
                                lambda: t.pack_sequence_as([1, 2], [1]))]
    return out


@program
def prog_config_and_policies(tf: Any, keras: Any) -> Any:
    """keras.config getters/setters round-trip; DTypePolicy attributes, names, errors; the global policy sets the
    dtype of new layers; max_epochs caps fit."""
    cfg, dp, mp = keras.config, keras.dtype_policies, keras.mixed_precision
    out: list[Any] = [cfg.floatx(), cfg.epsilon(), cfg.image_data_format(), cfg.is_flash_attention_enabled(),
                      cfg.is_traceback_filtering_enabled(), cfg.max_epochs(), cfg.max_steps_per_epoch(),
                      cfg.is_nnx_enabled(), repr(cfg.dtype_policy()), repr(mp.global_policy())]
    for name in ("float32", "float64", "float16", "bfloat16", "mixed_float16", "mixed_bfloat16"):
        p = dp.DTypePolicy(name)
        out.append((repr(p), p.name, p.compute_dtype, p.variable_dtype, p.quantization_mode, p.get_config(),
                    dp.serialize(p), repr(dp.deserialize(dp.serialize(p))), repr(dp.get(name))))
    out.append(repr(dp.DTypePolicy()))
    out += [caught(lambda b=b: repr(dp.DTypePolicy(b))) for b in ("mixed_int8", "int32", 3, "foo")]
    out += [caught(lambda: cfg.set_dtype_policy(None)), mp.Policy is dp.DTypePolicy]
    try:
        cfg.set_dtype_policy("float64")
        layer = keras.layers.Dense(2)
        out += [repr(cfg.dtype_policy()), cfg.floatx(), layer.dtype, layer.compute_dtype, layer.variable_dtype]
        mp.set_global_policy("float16")
        out += [keras.layers.Dense(2).dtype, keras.layers.Dense(2, dtype="float32").dtype,
                keras.layers.Dense(2, dtype=dp.DTypePolicy("float64")).dtype]
    finally:
        cfg.set_dtype_policy("float32")
    try:
        cfg.set_epsilon(1e-5)
        cfg.set_max_epochs(2)
        cfg.set_max_steps_per_epoch(3)
        out += [cfg.epsilon(), cfg.max_epochs(), cfg.max_steps_per_epoch()]
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        model.compile("sgd", "mse")
        hist = model.fit(np.ones((40, 2), np.float32), np.ones((40, 1), np.float32), batch_size=4, epochs=5,
                         verbose=0)
        out.append(len(hist.history["loss"]))
        out.append(int(model.optimizer.iterations.numpy()))
    finally:
        cfg.set_epsilon(1e-7)
        cfg.set_max_epochs(None)
        cfg.set_max_steps_per_epoch(None)
    return out
