"""Raw ops of the variable family: ``ReadVariableOp``/``Assign*VariableOp``, ``ResourceGather``, the
``ResourceScatter*`` updates and the ``ResourceApply*``/``ResourceSparseApply*`` optimizer kernels.

Resource inputs take a ``tapegrad.Variable`` (TF passes ``v.handle``). The optimizer kernels follow TF's
``training_ops`` formulas element for element and write the variable and its slot variables in place (that is
what these ops are for); the ``Sparse`` forms update the rows ``indices`` in order, as TF's loops do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import InvalidArgumentError
from ._table import Impl

Arr = np.ndarray


def _check_dtype(op: str, var: Any, dtype: Any) -> None:
    if var.dtype != dtype:
        raise InvalidArgumentError(None, None, f"raw_ops.{op}: the variable holds {var.dtype.name} but "
                                   f"dtype={dtype.name} was asked for.")


def _raw_read(var: Any) -> Any:
    """A read through the resource, as TF records it: a tape differentiates it only when the variable is already
    watched (``tape.watch(v)`` or an earlier ordinary read); a raw read does not auto-watch the variable."""
    import tapegrad as tg

    from .._tape import local

    if any(var._id in tape.known for tape in local.tapes):
        return var.read_value()
    return tg.constant(var.numpy())


def _read(resource: Any, dtype: Any) -> Any:
    _check_dtype("ReadVariableOp", resource, dtype)
    return _raw_read(resource)


def _assign(method: str, op: str) -> Callable[..., None]:
    def impl(resource: Any, value: Any, validate_shape: bool = False) -> None:
        import tapegrad as tg

        if value.dtype != resource.dtype:
            raise InvalidArgumentError(None, None, f"raw_ops.{op}: the variable holds {resource.dtype.name}; value is "
                                       f"{value.dtype.name} (cast it with tapegrad.cast).")
        if method != "assign" and list(value.shape) != list(resource.shape):
            value = tg.broadcast_to(value, resource.shape) if not value.shape else value
            if list(value.shape) != list(resource.shape):
                raise InvalidArgumentError(None, None, f"raw_ops.{op}: value's shape {list(value.shape)} must equal "
                                           f"the variable's {list(resource.shape)}.")
        getattr(resource, method)(value)

    return impl


def _gather(resource: Any, indices: Any, dtype: Any, batch_dims: int, validate_indices: bool) -> Any:
    import tapegrad as tg

    _check_dtype("ResourceGather", resource, dtype)
    return tg.gather(_raw_read(resource), indices, batch_dims=batch_dims)


def _gather_nd(resource: Any, indices: Any, dtype: Any) -> Any:
    import tapegrad as tg

    _check_dtype("ResourceGatherNd", resource, dtype)
    return tg.gather_nd(_raw_read(resource), indices)


_UFUNC = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide, "Min": np.minimum,
          "Max": np.maximum}


def _scatter(kind: str) -> Impl:
    """``ResourceScatter<kind>(resource, indices, updates)``: rows of the variable combined with ``updates``."""

    def impl(resource: Any, indices: Any, updates: Any) -> None:
        val = np.array(resource.numpy())
        idx = np.asarray(indices.numpy())
        if idx.size and (idx.min() < 0 or idx.max() >= val.shape[0]):
            raise InvalidArgumentError(None, None, f"raw_ops.ResourceScatter{kind}: indices must be in "
                                       f"[0, {val.shape[0]}), got {idx.ravel().tolist()}.")
        upd = np.broadcast_to(np.asarray(updates.numpy()), idx.shape + val.shape[1:])
        if kind == "Update":
            val[idx.reshape(-1)] = upd.reshape((-1,) + val.shape[1:])
        else:
            _UFUNC[kind].at(val, idx.reshape(-1), upd.reshape((-1,) + val.shape[1:]))
        resource.assign(val)

    return impl


def _scatter_nd(kind: str) -> Impl:
    def impl(ref: Any, indices: Any, updates: Any, use_locking: bool, bad_indices_policy: str) -> None:
        from .array_ops import scatter_nd_into

        ref.assign(scatter_nd_into(kind.lower(), ref.read_value(), indices, updates, bad_indices_policy))

    return impl


def _strided_slice_assign(ref: Any, begin: Any, end: Any, strides: Any, value: Any, **masks: int) -> None:
    from .array_ops import _strided_slice_update

    ref.assign(_strided_slice_update(ref.read_value(), begin, end, strides, value, **masks))


def _variable_shape(input: Any, out_type: Any) -> Any:  # noqa: A002
    import tapegrad as tg

    return tg.shape(input, out_type=out_type)


# -- the optimizer kernels ----------------------------------------------------------------------------------------
# Each rule maps (variable values, scalar hyper-parameters, gradient) to the new values; ``_apply`` reads the
# resource inputs, runs the rule and writes back; ``_sparse`` runs it on the rows of ``indices`` in order.


def _prox(prox: Arr, lr: Any, l1: Any, l2: Any) -> Arr:
    if l1 > 0:
        return np.sign(prox) / (1 + lr * l2) * np.maximum(np.abs(prox) - lr * l1, 0)
    return prox / (1 + lr * l2)


def _gd(s: dict[str, Any]) -> None:
    s["var"] = s["var"] - s["alpha"] * s["delta"]


def _proximal_gd(s: dict[str, Any]) -> None:
    s["var"] = _prox(s["var"] - s["alpha"] * s["delta"], s["alpha"], s["l1"], s["l2"])


def _adagrad(v2: bool) -> Callable[[dict[str, Any]], None]:
    def rule(s: dict[str, Any]) -> None:
        if s["update_slots"]:
            s["accum"] = s["accum"] + s["grad"] * s["grad"]
        denom = np.sqrt(s["accum"]) + (s["epsilon"] if v2 else 0)
        s["var"] = s["var"] - s["lr"] * s["grad"] / denom

    return rule


def _proximal_adagrad(s: dict[str, Any]) -> None:
    s["accum"] = s["accum"] + s["grad"] * s["grad"]
    lr = s["lr"] / np.sqrt(s["accum"])
    s["var"] = _prox(s["var"] - s["grad"] * lr, lr, s["l1"], s["l2"])


def _adagrad_da(s: dict[str, Any]) -> None:
    s["gradient_accumulator"] = ga = s["gradient_accumulator"] + s["grad"]
    s["gradient_squared_accumulator"] = gsa = s["gradient_squared_accumulator"] + s["grad"] * s["grad"]
    gs, lr, l1, l2 = s["global_step"], s["lr"], s["l1"], s["l2"]
    num = -np.sign(ga) * np.maximum(np.abs(ga) - gs * l1, 0) if l1 > 0 else -ga
    s["var"] = lr * num / (l2 * gs * lr + np.sqrt(gsa))


def _adadelta(s: dict[str, Any]) -> None:
    rho, eps, g = s["rho"], s["epsilon"], s["grad"]
    s["accum"] = rho * s["accum"] + (1 - rho) * g * g
    update = np.sqrt(s["accum_update"] + eps) / np.sqrt(s["accum"] + eps) * g
    s["accum_update"] = rho * s["accum_update"] + (1 - rho) * update * update
    s["var"] = s["var"] - update * s["lr"]


def _momentum(s: dict[str, Any]) -> None:
    s["accum"] = s["accum"] * s["momentum"] + s["grad"]
    if s["use_nesterov"]:
        s["var"] = s["var"] - (s["grad"] * s["lr"] + s["accum"] * s["momentum"] * s["lr"])
    else:
        s["var"] = s["var"] - s["lr"] * s["accum"]


def _keras_momentum(s: dict[str, Any]) -> None:
    s["accum"] = s["accum"] * s["momentum"] - s["grad"] * s["lr"]
    if s["use_nesterov"]:
        s["var"] = s["var"] + (s["accum"] * s["momentum"] - s["grad"] * s["lr"])
    else:
        s["var"] = s["var"] + s["accum"]


def _adam(amsgrad: bool) -> Callable[[dict[str, Any]], None]:
    def rule(s: dict[str, Any]) -> None:
        b1, b2, g = s["beta1"], s["beta2"], s["grad"]
        lr = s["lr"] * np.sqrt(1 - s["beta2_power"]) / (1 - s["beta1_power"])
        s["m"] = s["m"] + (g - s["m"]) * (1 - b1)
        s["v"] = s["v"] + (g * g - s["v"]) * (1 - b2)
        if amsgrad:
            s["vhat"] = np.maximum(s["vhat"], s["v"])
            s["var"] = s["var"] - s["m"] * lr / (np.sqrt(s["vhat"]) + s["epsilon"])
        elif s.get("use_nesterov"):
            s["var"] = s["var"] - (g * (1 - b1) + b1 * s["m"]) * lr / (np.sqrt(s["v"]) + s["epsilon"])
        else:
            s["var"] = s["var"] - s["m"] * lr / (np.sqrt(s["v"]) + s["epsilon"])

    return rule


def _adamax(s: dict[str, Any]) -> None:
    g = s["grad"]
    s["m"] = s["m"] + (g - s["m"]) * (1 - s["beta1"])
    s["v"] = np.maximum(s["beta2"] * s["v"], np.abs(g))
    s["var"] = s["var"] - s["lr"] / (1 - s["beta1_power"]) * (s["m"] / (s["v"] + s["epsilon"]))


def _rmsprop(s: dict[str, Any]) -> None:
    g = s["grad"]
    s["ms"] = s["ms"] + (g * g - s["ms"]) * (1 - s["rho"])
    s["mom"] = s["mom"] * s["momentum"] + s["lr"] * g / np.sqrt(s["ms"] + s["epsilon"])
    s["var"] = s["var"] - s["mom"]


def _centered_rmsprop(s: dict[str, Any]) -> None:
    g = s["grad"]
    s["ms"] = s["ms"] + (g * g - s["ms"]) * (1 - s["rho"])
    s["mg"] = s["mg"] + (g - s["mg"]) * (1 - s["rho"])
    denom = s["ms"] - s["mg"] * s["mg"] + s["epsilon"]
    s["mom"] = s["mom"] * s["momentum"] + s["lr"] * g / np.sqrt(denom)
    s["var"] = s["var"] - s["mom"]


def _add_sign(s: dict[str, Any]) -> None:
    g = s["grad"]
    s["m"] = s["m"] * s["beta"] + g * (1 - s["beta"])
    s["var"] = s["var"] - s["lr"] * (s["alpha"] + s["sign_decay"] * np.sign(g) * np.sign(s["m"])) * g


def _power_sign(s: dict[str, Any]) -> None:
    g = s["grad"]
    s["m"] = s["m"] * s["beta"] + g * (1 - s["beta"])
    s["var"] = s["var"] - s["lr"] * np.exp(s["logbase"] * s["sign_decay"] * np.sign(g) * np.sign(s["m"])) * g


def _ftrl(v2: bool) -> Callable[[dict[str, Any]], None]:
    def rule(s: dict[str, Any]) -> None:
        g, var, lr, l1, l2, p = s["grad"], s["var"], s["lr"], s["l1"], s["l2"], s["lr_power"]
        shrunk = g + 2 * s["l2_shrinkage"] * var if v2 else g
        new_accum = s["accum"] + g * g

        def powed(a: Arr) -> Arr:
            return np.sqrt(a) if p == -0.5 else a ** -p

        if s["multiply_linear_by_lr"]:
            s["linear"] = s["linear"] + shrunk * lr - (powed(new_accum) - powed(s["accum"])) * var
            quadratic = powed(new_accum) + 2 * l2 * lr
            limit = l1 * lr
        else:
            s["linear"] = s["linear"] + shrunk - (powed(new_accum) - powed(s["accum"])) / lr * var
            quadratic = powed(new_accum) / lr + 2 * l2
            limit = l1
        lin = s["linear"]
        s["var"] = np.where(np.abs(lin) > limit, (np.sign(lin) * limit - lin) / quadratic, 0).astype(var.dtype)
        s["accum"] = new_accum

    return rule


def _apply(rule: Callable[[dict[str, Any]], None], slots: tuple[str, ...], op: str, sparse: bool = False) -> Impl:
    """An implementation of ``op``: reads the resource inputs ``slots`` (the variable first), runs ``rule`` and
    writes the results back."""

    def impl(**kw: Any) -> None:
        var = kw[slots[0]]
        vals = {k: np.array(kw[k].numpy()) for k in slots}
        dt = vals[slots[0]].dtype
        for k in slots[1:]:
            if kw[k].dtype != var.dtype or vals[k].shape != vals[slots[0]].shape:
                raise InvalidArgumentError(None, None, f"raw_ops.{op}: slot {k!r} must match the variable "
                                           f"({var.dtype.name}{list(var.shape)}), got "
                                           f"{kw[k].dtype.name}{list(vals[k].shape)}.")
        scalars = {k: (np.asarray(v.numpy()).astype(dt)[()] if hasattr(v, "numpy") else v)
                   for k, v in kw.items() if k not in slots and k not in ("grad", "delta", "indices")}
        for k, v in scalars.items():
            if isinstance(v, np.ndarray) and v.ndim:
                raise InvalidArgumentError(None, None, f"raw_ops.{op}: {k} must be a scalar, got shape "
                                           f"{list(v.shape)}.")
        scalars.setdefault("l2_shrinkage", 0)
        g = np.asarray(kw["grad" if "grad" in kw else "delta"].numpy())
        if g.dtype != vals[slots[0]].dtype:
            raise InvalidArgumentError(None, None, f"raw_ops.{op}: grad is {g.dtype}; the variable holds "
                                       f"{var.dtype.name}.")
        if not sparse:
            if g.shape != vals[slots[0]].shape:
                raise InvalidArgumentError(None, None, f"raw_ops.{op}: the gradient's shape {list(g.shape)} must "
                                           f"equal the variable's {list(vals[slots[0]].shape)}.")
            state = {**vals, **scalars, "grad": g, "delta": g}
            rule(state)
            out = {k: np.asarray(state[k], dtype=vals[k].dtype) for k in slots}
        else:
            idx = np.asarray(kw["indices"].numpy()).reshape(-1)
            rows = vals[slots[0]].shape[0] if vals[slots[0]].ndim else 0
            if idx.size and (idx.min() < 0 or idx.max() >= rows):
                raise InvalidArgumentError(None, None, f"raw_ops.{op}: indices must be in [0, {rows}), got "
                                           f"{idx.tolist()}.")
            want = [idx.size] + list(vals[slots[0]].shape[1:])
            if list(g.shape) != want:
                raise InvalidArgumentError(None, None, f"raw_ops.{op}: grad needs shape {want} (one row per index), "
                                           f"got {list(g.shape)}.")
            out = {k: v.copy() for k, v in vals.items()}
            for j, i in enumerate(idx):
                state = {**{k: out[k][i] for k in slots}, **scalars, "grad": g[j], "delta": g[j]}
                rule(state)
                for k in slots:
                    out[k][i] = state[k]
        for k in slots:
            kw[k].assign(out[k])

    return impl


_DENSE: dict[str, tuple[Callable[[dict[str, Any]], None], tuple[str, ...]]] = {
    "GradientDescent": (_gd, ("var",)),
    "ProximalGradientDescent": (_proximal_gd, ("var",)),
    "Adagrad": (_adagrad(False), ("var", "accum")),
    "AdagradV2": (_adagrad(True), ("var", "accum")),
    "ProximalAdagrad": (_proximal_adagrad, ("var", "accum")),
    "AdagradDA": (_adagrad_da, ("var", "gradient_accumulator", "gradient_squared_accumulator")),
    "Adadelta": (_adadelta, ("var", "accum", "accum_update")),
    "Momentum": (_momentum, ("var", "accum")),
    "KerasMomentum": (_keras_momentum, ("var", "accum")),
    "Adam": (_adam(False), ("var", "m", "v")),
    "AdamWithAmsgrad": (_adam(True), ("var", "m", "v", "vhat")),
    "AdaMax": (_adamax, ("var", "m", "v")),
    "RMSProp": (_rmsprop, ("var", "ms", "mom")),
    "CenteredRMSProp": (_centered_rmsprop, ("var", "mg", "ms", "mom")),
    "AddSign": (_add_sign, ("var", "m")),
    "PowerSign": (_power_sign, ("var", "m")),
    "Ftrl": (_ftrl(False), ("var", "accum", "linear")),
    "FtrlV2": (_ftrl(True), ("var", "accum", "linear")),
}
_SPARSE = ("Adadelta", "Adagrad", "AdagradDA", "AdagradV2", "CenteredRMSProp", "Ftrl", "FtrlV2", "KerasMomentum",
           "Momentum", "ProximalAdagrad", "ProximalGradientDescent", "RMSProp")

OPS: dict[str, Impl] = {
    "ReadVariableOp": _read,
    "AssignVariableOp": _assign("assign", "AssignVariableOp"),
    "AssignAddVariableOp": _assign("assign_add", "AssignAddVariableOp"),
    "AssignSubVariableOp": _assign("assign_sub", "AssignSubVariableOp"),
    "ResourceGather": _gather,
    "ResourceGatherNd": _gather_nd,
    "VariableShape": _variable_shape,
    "ResourceStridedSliceAssign": _strided_slice_assign,
}
OPS.update({f"ResourceScatter{k}": _scatter(k) for k in ("Add", "Sub", "Mul", "Div", "Min", "Max", "Update")})
OPS.update({f"ResourceScatterNd{k}": _scatter_nd(k) for k in ("Add", "Sub", "Max", "Min", "Update")})
OPS.update({f"ResourceApply{k}": _apply(rule, slots, f"ResourceApply{k}") for k, (rule, slots) in _DENSE.items()})
OPS.update({f"ResourceSparseApply{k}": _apply(_DENSE[k][0], _DENSE[k][1], f"ResourceSparseApply{k}", sparse=True)
            for k in _SPARSE})
