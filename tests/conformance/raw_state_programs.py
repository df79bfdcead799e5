"""``tf.raw_ops`` programs of the variable family: ``ReadVariableOp``/``Assign*VariableOp``, ``ResourceGather``,
``ResourceScatter*``, ``ResourceStridedSliceAssign`` and every ``ResourceApply*``/``ResourceSparseApply*``
optimizer kernel (two steps each, then the variable and its slots), run under TensorFlow and tapegrad (harness:
``raw_ops_harness.py``). TF takes ``v.handle`` for a resource; tapegrad takes the Variable (``H``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from raw_ops_harness import main, outcome, registry  # noqa: E402

CASES, case = registry()


def H(v: Any) -> Any:  # noqa: N802
    return v.handle if hasattr(v, "handle") else v


INIT = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])
GRAD = np.array([[0.1, -0.2, 0.3], [-0.4, 0.5, 0.0]])
HYPER = {"lr": 0.05, "alpha": 0.05, "beta1_power": 0.9, "beta2_power": 0.999, "beta1": 0.9, "beta2": 0.999,
         "epsilon": 1e-7, "rho": 0.9, "momentum": 0.8, "l1": 0.01, "l2": 0.02, "l2_shrinkage": 0.01,
         "lr_power": -0.5, "sign_decay": 0.5, "beta": 0.9, "logbase": 1.0, "global_step": 3}
SLOTS = {"GradientDescent": (), "ProximalGradientDescent": (), "Adagrad": ("accum",), "AdagradV2": ("accum",),
         "ProximalAdagrad": ("accum",), "AdagradDA": ("gradient_accumulator", "gradient_squared_accumulator"),
         "Adadelta": ("accum", "accum_update"), "Momentum": ("accum",), "KerasMomentum": ("accum",),
         "Adam": ("m", "v"), "AdamWithAmsgrad": ("m", "v", "vhat"), "AdaMax": ("m", "v"), "RMSProp": ("ms", "mom"),
         "CenteredRMSProp": ("mg", "ms", "mom"), "AddSign": ("m",), "PowerSign": ("m",),
         "Ftrl": ("accum", "linear"), "FtrlV2": ("accum", "linear")}
SCALARS = {"GradientDescent": ("alpha",), "ProximalGradientDescent": ("alpha", "l1", "l2"),
           "Adagrad": ("lr",), "AdagradV2": ("lr", "epsilon"), "ProximalAdagrad": ("lr", "l1", "l2"),
           "AdagradDA": ("lr", "l1", "l2", "global_step"), "Adadelta": ("lr", "rho", "epsilon"),
           "Momentum": ("lr", "momentum"), "KerasMomentum": ("lr", "momentum"),
           "Adam": ("beta1_power", "beta2_power", "lr", "beta1", "beta2", "epsilon"),
           "AdamWithAmsgrad": ("beta1_power", "beta2_power", "lr", "beta1", "beta2", "epsilon"),
           "AdaMax": ("beta1_power", "lr", "beta1", "beta2", "epsilon"),
           "RMSProp": ("lr", "rho", "momentum", "epsilon"), "CenteredRMSProp": ("lr", "rho", "momentum", "epsilon"),
           "AddSign": ("lr", "alpha", "sign_decay", "beta"), "PowerSign": ("lr", "logbase", "sign_decay", "beta"),
           "Ftrl": ("lr", "l1", "l2", "lr_power"), "FtrlV2": ("lr", "l1", "l2", "l2_shrinkage", "lr_power")}
SPARSE = ("Adadelta", "Adagrad", "AdagradDA", "AdagradV2", "CenteredRMSProp", "Ftrl", "FtrlV2", "KerasMomentum",
          "Momentum", "ProximalAdagrad", "ProximalGradientDescent", "RMSProp")


def _optimizer(name: str, sparse: bool, dtype: str, **flags: Any) -> Any:
    def prog(tf: Any) -> Any:
        dt = getattr(tf, dtype)
        var = tf.Variable(tf.constant(INIT, dt))
        slots = {s: tf.Variable(tf.constant(np.full(INIT.shape, 0.1), dt)) for s in SLOTS[name]}
        kw: dict[str, Any] = {"var": H(var), **{s: H(v) for s, v in slots.items()}}
        for s in SCALARS[name]:
            kw[s] = tf.constant(HYPER[s], tf.int64 if s == "global_step" else dt)
        op = getattr(tf.raw_ops, f"Resource{'Sparse' if sparse else ''}Apply{name}")
        grad_key = "delta" if name in ("GradientDescent", "ProximalGradientDescent") and not sparse else "grad"
        outs = []
        for step in range(2):
            if sparse:
                outs.append(op(grad=tf.constant(GRAD[[1, 0, 1]] * (step + 1), dt), indices=[1, 0, 1], **kw,
                               **flags))
            else:
                outs.append(op(**{grad_key: tf.constant(GRAD * (step + 1), dt)}, **kw, **flags))
        return outs, var.numpy(), {s: v.numpy() for s, v in slots.items()}

    return prog


for _name in SLOTS:
    for _dt in ("float32", "float64"):
        CASES[f"apply_{_name}_{_dt}"] = _optimizer(_name, False, _dt)
for _name in SPARSE:
    CASES[f"sparse_apply_{_name}"] = _optimizer(_name, True, "float64")
CASES["apply_Momentum_nesterov"] = _optimizer("Momentum", False, "float64", use_nesterov=True)
CASES["apply_KerasMomentum_nesterov"] = _optimizer("KerasMomentum", False, "float64", use_nesterov=True)
CASES["apply_Adam_nesterov"] = _optimizer("Adam", False, "float64", use_nesterov=True)
CASES["apply_Adagrad_no_slot_update"] = _optimizer("Adagrad", False, "float64", update_slots=False)
CASES["apply_Ftrl_lr_power"] = lambda tf: _optimizer("Ftrl", False, "float64")(tf)
CASES["apply_FtrlV2_multiply_linear"] = _optimizer("FtrlV2", False, "float64", multiply_linear_by_lr=True)


@case
def optimizer_errors(tf: Any) -> Any:
    r = tf.raw_ops
    v = tf.Variable([1.0, 2.0])
    return (outcome(lambda: r.ResourceApplyGradientDescent(var=H(v), alpha=0.1, delta=tf.constant([1.0]))),
            outcome(lambda: r.ResourceApplyGradientDescent(var=H(v), alpha=[0.1, 0.2], delta=tf.constant([1.0, 1.0]))),
            v.numpy())  # (a float64 delta for a float32 variable aborts TF's process: a failed CHECK)


@case
def read_assign(tf: Any) -> Any:
    r = tf.raw_ops
    v = tf.Variable([1.0, 2.0])
    out = [r.ReadVariableOp(resource=H(v), dtype=tf.float32)]
    out.append(r.AssignVariableOp(resource=H(v), value=[3.0, 4.0]))
    out.append(r.AssignAddVariableOp(resource=H(v), value=[1.0, 1.0]))
    out.append(r.AssignSubVariableOp(resource=H(v), value=[0.5, 0.5]))
    out += [v.numpy(), outcome(lambda: r.ReadVariableOp(resource=H(v), dtype=tf.float64)),
            outcome(lambda: r.AssignVariableOp(resource=H(v), value=tf.constant([1, 2]))),
            outcome(lambda: r.ReadVariableOp(resource=tf.constant([1.0]), dtype=tf.float32)),
            r.VariableShape(input=H(v)), r.VariableShape(input=H(v), out_type=tf.int64)]
    with tf.GradientTape() as tape:  # a raw read does not watch the variable: no gradient
        y = r.ReadVariableOp(resource=H(v), dtype=tf.float32) ** 2
    out.append(tape.gradient(y, v))
    with tf.GradientTape() as tape:
        tape.watch(v)
        y = r.ReadVariableOp(resource=H(v), dtype=tf.float32) ** 2
    out.append(tape.gradient(y, v))
    with tf.GradientTape() as tape:
        y = r.ReadVariableOp(resource=H(v), dtype=tf.float32) * v  # the ordinary read watches v first? (no: after)
    out.append(tape.gradient(y, v))
    with tf.GradientTape() as tape:
        y = v * r.ReadVariableOp(resource=H(v), dtype=tf.float32)
    out.append(tape.gradient(y, v))
    return out


@case
def gathers_and_scatters(tf: Any) -> Any:
    r = tf.raw_ops
    v = tf.Variable(tf.reshape(tf.range(12.0), [4, 3]))
    out = [r.ResourceGather(resource=H(v), indices=[3, 0], dtype=tf.float32),
           r.ResourceGatherNd(resource=H(v), indices=[[1, 2]], dtype=tf.float32)]
    for kind in ("Add", "Sub", "Mul", "Div", "Min", "Max", "Update"):
        w = tf.Variable(tf.reshape(tf.range(1.0, 13.0), [4, 3]))
        op = getattr(r, f"ResourceScatter{kind}")
        out.append(outcome(lambda op=op, w=w: op(resource=H(w), indices=[2, 0, 2], updates=tf.fill([3, 3], 2.0))))
        out.append(w.numpy().tolist())
    for kind in ("Add", "Sub", "Max", "Min", "Update"):
        w = tf.Variable(tf.reshape(tf.range(1.0, 13.0), [4, 3]))
        op = getattr(r, f"ResourceScatterNd{kind}")
        out.append(outcome(lambda op=op, w=w: op(ref=H(w), indices=[[0, 1], [3, 2]], updates=[5.0, -5.0])))
        out.append(w.numpy().tolist())
    w = tf.Variable(tf.reshape(tf.range(12), [3, 4]))
    out.append(outcome(lambda: r.ResourceStridedSliceAssign(ref=H(w), begin=[0, 1], end=[3, 4], strides=[2, 2],
                                                            value=[[-1, -2], [-3, -4]])))
    out.append(w.numpy().tolist())
    out.append(outcome(lambda: r.TensorStridedSliceUpdate(input=tf.range(6), begin=[1], end=[5], strides=[2],
                                                          value=[9, 8])))
    out.append(outcome(lambda: r.ResourceScatterAdd(resource=H(v), indices=[7], updates=tf.ones([1, 3]))))
    with tf.GradientTape() as tape:
        y = r.ResourceGather(resource=H(v), indices=[1, 1], dtype=tf.float32)
    out.append(tape.gradient(y, v))
    return out


if __name__ == "__main__":
    main(CASES)
