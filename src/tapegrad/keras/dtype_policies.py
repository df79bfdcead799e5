"""``keras.dtype_policies`` (and ``keras.mixed_precision``): dtype policies and the global policy.

A ``DTypePolicy`` names a layer's variable dtype and compute dtype: ``"float32"``, ``"float64"``, ``"float16"``,
``"bfloat16"`` (both the same) or ``"mixed_float16"``/``"mixed_bfloat16"`` (float32 variables, half-precision
compute). The global policy (``set_dtype_policy``/``set_global_policy``; ``floatx`` until set) is the default
``dtype`` of new layers, and layers accept a policy or its name as ``dtype``.

Not implemented: layers refuse the *mixed* policies (``NotImplementedError``) because tapegrad's layers do not yet
cast their float32 weights to the compute dtype inside ``call``; quantized policies (``int8``, ``float8``, ``int4``,
GPTQ/AWQ) and ``DTypePolicyMap`` are absent.

>>> from tapegrad import keras
>>> p = keras.dtype_policies.DTypePolicy("mixed_float16")
>>> p, p.compute_dtype, p.variable_dtype
(<DTypePolicy "mixed_float16">, 'float16', 'float32')
>>> keras.config.set_dtype_policy("float64")
>>> keras.layers.Dense(2).dtype, keras.config.dtype_policy().name
('float64', 'float64')
>>> keras.config.set_dtype_policy("float32")
"""

from __future__ import annotations

from typing import Any

from . import backend as _state

__all__ = ["DTypePolicy", "FloatDTypePolicy", "deserialize", "get", "serialize", "dtype_policy", "set_dtype_policy"]

_GLOBAL = "dtype_policy"


class DTypePolicy:
    """A dtype policy: ``name`` is a dtype or ``"mixed_float16"``/``"mixed_bfloat16"`` (``None``: floatx)."""

    def __init__(self, name: Any = None) -> None:
        if name is None:
            name = _state.floatx()
        if not isinstance(name, str):
            raise TypeError(f"'name' must be a string, such as 'mixed_float16'. Received: name={name!r} (of type "
                            f"{type(name)})")
        if name in ("mixed_float16", "mixed_bfloat16"):
            compute, variable = name[len("mixed_"):], "float32"
        else:
            from .ops._dtypes import standardize_dtype

            try:
                compute = variable = standardize_dtype(name)
            except ValueError:
                raise ValueError(f"Cannot convert {name!r} to a mixed precision DTypePolicy. Valid policies include "
                                 "'mixed_float16', 'mixed_bfloat16', and the name of any dtype such as "
                                 "'float32'.") from None
        self._name = name
        self._compute_dtype = compute
        self._variable_dtype = variable

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        """The dtype layers compute in."""
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype of layer weights."""
        return self._variable_dtype

    @property
    def quantization_mode(self) -> None:
        return None

    def get_config(self) -> dict[str, Any]:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> DTypePolicy:
        return cls(**config)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'


class FloatDTypePolicy(DTypePolicy):
    """Keras's deprecated alias of :class:`DTypePolicy`."""


def get(identifier: Any) -> DTypePolicy:
    """A policy from a name, a config dict or a policy (``None``: the global policy)."""
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    raise ValueError(f"Cannot interpret `dtype` argument. Expected a string or an instance of DTypePolicy. "
                     f"Received: dtype={identifier!r}")


def serialize(policy: DTypePolicy) -> dict[str, Any]:
    """Keras 3's config of ``policy``."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": policy.get_config(), "registered_name": None}


def deserialize(config: dict[str, Any], custom_objects: Any = None) -> DTypePolicy:
    """A policy from :func:`serialize`'s output."""
    if config.get("class_name") not in ("DTypePolicy", "FloatDTypePolicy", "Policy"):
        raise ValueError(f"Unknown dtype policy class {config.get('class_name')!r} (tapegrad has DTypePolicy only)")
    return DTypePolicy.from_config(config.get("config") or {})


def dtype_policy() -> DTypePolicy:
    """The global policy (``DTypePolicy(floatx())`` until one is set)."""
    policy = _state._STATE.get(_GLOBAL)
    return policy if policy is not None else DTypePolicy(_state.floatx())


def set_dtype_policy(policy: Any) -> None:
    """Set the global policy from a name or a policy."""
    if isinstance(policy, str):
        policy = DTypePolicy(policy)
    if not isinstance(policy, DTypePolicy):
        raise ValueError(f"Invalid `policy` argument. Expected the string name of a policy (such as "
                         f"'mixed_float16') or a `DTypePolicy` instance. Received: policy={policy!r} (of type "
                         f"{type(policy)})")
    _state._STATE[_GLOBAL] = policy


def layer_dtype(dtype: Any) -> str:
    """The weight dtype a layer gets for its ``dtype`` argument (a dtype, a policy, a policy name or ``None``)."""
    if dtype is None:
        policy = _state._STATE.get(_GLOBAL)
        if policy is None:
            return _state.floatx()
    elif isinstance(dtype, (DTypePolicy, dict)) or (isinstance(dtype, str) and dtype.startswith("mixed_")):
        policy = get(dtype)
    else:
        from .. import _dtypes

        return _dtypes.as_dtype(dtype).name
    if policy.compute_dtype != policy.variable_dtype:
        raise NotImplementedError(f"tapegrad's Keras layers do not support the mixed precision policy "
                                  f"{policy.name!r} yet (float32 weights are not cast to {policy.compute_dtype} "
                                  f"inside call); use dtype={policy.compute_dtype!r} or 'float32'")
    return policy.variable_dtype
