"""LoRA (low-rank adaptation) for ``Dense``, ``EinsumDense`` and ``Embedding``, as Keras 3 does it.

``layer.enable_lora(rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros")`` on a built layer
freezes its kernel (``embeddings`` for ``Embedding``) and adds two trainable float32 weights, ``lora_kernel_a``
(the kernel's shape with its last axis replaced by ``rank``) and ``lora_kernel_b`` (``(rank, last axis)``) —
``lora_embeddings_a``/``lora_embeddings_b`` for ``Embedding``. From then on ``layer.kernel`` is the merged tensor
``kernel + (lora_alpha / rank) * (a @ b)`` in the compute dtype (what ``call`` uses); ``lora_alpha`` defaults to
``rank``. Constructing the layer with ``lora_rank=r`` enables it when the layer is built (as in Keras 3, this
resets ``lora_alpha`` to ``r`` for ``Dense`` and ``Embedding``; ``EinsumDense`` keeps it). Saving stores the
merged kernel in place of the kernel and no LoRA weights; loading a file zeroes them (Keras 3's
``save_own_variables``/``load_own_variables``).

>>> import numpy as np
>>> from tapegrad import keras
>>> layer = keras.layers.Dense(3, kernel_initializer="ones")
>>> layer.build((None, 4))
>>> layer.enable_lora(2)
>>> [(w.name, w.trainable) for w in layer.weights]
[('kernel', False), ('bias', True), ('lora_kernel_a', True), ('lora_kernel_b', True)]
>>> layer.lora_kernel_b.assign(np.full((2, 3), 0.5, "float32"))  # doctest: +ELLIPSIS
<tapegrad.Tensor...>
>>> merged = 1 + (layer.lora_kernel_a.numpy() @ layer.lora_kernel_b.numpy())
>>> bool(np.allclose(layer.kernel.numpy(), merged)), layer(np.ones((1, 4), "float32")).shape
(True, TensorShape([1, 3]))
"""

from __future__ import annotations

from typing import Any

__all__ = ["enable_lora"]

_CLASSES: dict[type, type] = {}


def _names(layer: Any) -> tuple[str, str, str, str]:
    """The adapted weight's attribute, the LoRA weights' prefix, the constraint and regularizer attributes."""
    if "embeddings" in layer.__dict__:
        return "embeddings", "lora_embeddings", "embeddings_constraint", "embeddings_regularizer"
    return "kernel", "lora_kernel", "kernel_constraint", "kernel_regularizer"


def enable_lora(self: Any, rank: int, lora_alpha: float | None = None, a_initializer: Any = "he_uniform",
                b_initializer: Any = "zeros") -> None:
    """Freeze the kernel and train a rank-``rank`` update ``(lora_alpha / rank) * (a @ b)`` instead (Keras 3's
    LoRA; see :mod:`tapegrad.keras.layers.lora`)."""
    attr, prefix, constraint_attr, regularizer_attr = _names(self)
    what = "embedding" if attr == "embeddings" else "kernel"
    if getattr(self, constraint_attr, None):
        raise ValueError(f"Lora is incompatible with {what} constraints. In order to enable lora on this layer, "
                         f"remove the `{constraint_attr}` argument.")
    if not self.built:
        raise ValueError("Cannot enable lora on a layer that isn't yet built. Build it first (call it on data or "
                         "call `layer.build(input_shape)`).")
    if self.__dict__.get("lora_enabled"):
        raise ValueError("lora is already enabled. This can only be done once per layer.")
    base = self.__dict__[attr]
    shape = tuple(int(d) for d in base.shape)
    regularizer = getattr(self, regularizer_attr, None)
    a = self.add_weight(shape=shape[:-1] + (rank,), initializer=a_initializer, dtype="float32",
                        regularizer=regularizer, name=f"{prefix}_a")
    b = self.add_weight(shape=(rank, shape[-1]), initializer=b_initializer, dtype="float32",
                        regularizer=regularizer, name=f"{prefix}_b")
    setattr(self, f"{prefix}_a", a)
    setattr(self, f"{prefix}_b", b)
    base.trainable = False
    self.lora_enabled = True
    self.lora_rank = rank
    self.lora_alpha = lora_alpha if lora_alpha is not None else rank
    self.__class__ = _lora_class(type(self), attr, prefix)


def _lora_class(cls: type, attr: str, prefix: str) -> type:
    """``cls`` with ``attr`` read as the merged weight: a subclass of the same name and module (so configs,
    summaries and ``isinstance`` are unchanged) whose property reads the variable from the instance dict."""
    if getattr(cls, "_lora_of", None) is not None:
        return cls
    sub = _CLASSES.get(cls)
    if sub is not None:
        return sub

    def merged(self: Any) -> Any:
        from ...ops import core, matmul

        base = self.__dict__[attr]
        delta = matmul.matmul(self.__dict__[f"{prefix}_a"], self.__dict__[f"{prefix}_b"])
        return core.cast(base + (self.lora_alpha / self.lora_rank) * delta, self.compute_dtype)

    def assign(self: Any, value: Any) -> None:
        self.__dict__[attr] = value

    sub = type(cls.__name__, (cls,), {attr: property(merged, assign, doc=f"The {attr} with the LoRA update merged."),
                                      "__module__": cls.__module__, "__qualname__": cls.__qualname__,
                                      "_lora_of": cls, "__doc__": cls.__doc__})
    _CLASSES[cls] = sub
    return sub


def merged_for_saving(layer: Any) -> list[Any] | None:
    """The variables Keras 3 saves for a LoRA layer (the merged weight in place of the frozen one, no LoRA
    weights), or None for any other object."""
    if type(layer).__dict__.get("_lora_of") is None or not layer.__dict__.get("lora_enabled"):
        return None
    attr, prefix, _, _ = _names(layer)
    skip = {id(layer.__dict__[f"{prefix}_a"]), id(layer.__dict__[f"{prefix}_b"])}
    raw = layer.__dict__[attr]
    out = []
    for v in list(layer._trainable_variables) + list(layer._non_trainable_variables):
        if id(v) in skip:
            continue
        out.append(_Merged(getattr(layer, attr), raw) if v is raw else v)
    return out


class _Merged:
    """The merged weight as the saver sees it: its value, the frozen variable's name; loading assigns the frozen
    variable and zeroes the LoRA weights (:func:`after_load`)."""

    def __init__(self, value: Any, raw: Any) -> None:
        self._value_tensor, self.raw = value, raw
        self.name, self.shape, self.dtype = raw.name, raw.shape, raw.dtype

    def numpy(self) -> Any:
        import numpy as np

        return np.asarray(self._value_tensor.numpy()).astype(self.raw.numpy().dtype)

    def assign(self, value: Any) -> Any:
        return self.raw.assign(value)


def after_load(layer: Any) -> None:
    """Zero a LoRA layer's ``a`` and ``b`` after its merged weight was loaded (Keras 3)."""
    if type(layer).__dict__.get("_lora_of") is None or not layer.__dict__.get("lora_enabled"):
        return
    import numpy as np

    _, prefix, _, _ = _names(layer)
    for name in ("_a", "_b"):
        v = layer.__dict__[prefix + name]
        v.assign(np.zeros(tuple(v.shape), dtype=v.numpy().dtype))
