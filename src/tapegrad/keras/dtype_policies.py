"""``keras.dtype_policies`` (and ``keras.mixed_precision``): dtype policies and the global policy.

A ``DTypePolicy`` names a layer's variable dtype and compute dtype: ``"float32"``, ``"float64"``, ``"float16"``,
``"bfloat16"`` (both the same) or ``"mixed_float16"``/``"mixed_bfloat16"`` (float32 variables, half-precision
compute). The global policy (``set_dtype_policy``/``set_global_policy``; ``floatx`` until set) is the default
``dtype`` of new layers, and layers accept a policy or its name as ``dtype``.

Under a mixed policy a layer keeps float32 variables, casts floating inputs to the compute dtype and, inside its
``call``, reads its floating variables cast to the compute dtype (Keras 3's autocast; ``keras._autocast``), so its
outputs are in the compute dtype; normalization layers compute in float32 and cast back, losses compute in float32,
and ``compile`` wraps the optimizer in a ``LossScaleOptimizer`` under ``"mixed_float16"``. :class:`DTypePolicyMap`
gives policies by layer path. Not implemented: the quantized policies (``int8``, ``float8``, ``int4``, GPTQ/AWQ).

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

import re
from collections.abc import Iterator, MutableMapping
from typing import Any

from . import backend as _state

__all__ = ["DTypePolicy", "DTypePolicyMap", "FloatDTypePolicy", "deserialize", "get", "serialize", "dtype_policy",
           "set_dtype_policy"]

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


class DTypePolicyMap(DTypePolicy, MutableMapping):
    """Policies by layer path: ``policy_map[path]`` is the policy stored under ``path`` itself, else the one whose
    key, read as a regular expression, matches the whole path (two matching keys: ``ValueError``), else
    ``default_policy`` (``None``: the global policy, looked up when asked). A layer given a map as ``dtype`` takes
    the policy for its path; ``layer.dtype_policy`` is the map, as in Keras 3.

    >>> from tapegrad import keras
    >>> pm = keras.dtype_policies.DTypePolicyMap("float32")
    >>> pm["encoder/.*"] = "mixed_bfloat16"
    >>> pm["head"] = "float16"
    >>> pm["encoder/query"].name, pm["head"].name, pm["decoder"].name, pm.name
    ('mixed_bfloat16', 'float16', 'float32', 'map_float32')
    >>> keras.layers.Dense(2, dtype=pm, name="head").compute_dtype
    'float16'
    """

    def __init__(self, default_policy: Any = None, policy_map: dict[str, Any] | None = None) -> None:
        if isinstance(default_policy, DTypePolicyMap):
            raise ValueError("`default_policy` cannot be a `DTypePolicyMap`: give a policy or its name.")
        if policy_map is not None and not isinstance(policy_map, dict):
            raise TypeError(f"`policy_map` must be a dict of path -> policy. Received: policy_map={policy_map!r} "
                            f"of type {type(policy_map)}")
        self._default_policy_arg = default_policy
        self._default_policy = None if default_policy is None else get(default_policy)
        self._policy_map: dict[str, DTypePolicy] = {}
        for key, value in (policy_map or {}).items():
            self[key] = value

    @property
    def default_policy(self) -> DTypePolicy:
        """The policy of paths no key matches (the global policy when none was given)."""
        return self._default_policy if self._default_policy is not None else dtype_policy()

    @property
    def name(self) -> str:
        return f"map_{self.default_policy.name}"

    @property
    def compute_dtype(self) -> str:
        return self.default_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self.default_policy.variable_dtype

    def __getitem__(self, key: str) -> DTypePolicy:
        if key in self._policy_map:
            return self._policy_map[key]
        hits = [pattern for pattern in self._policy_map if re.fullmatch(pattern, key)]
        if len(hits) > 1:
            raise ValueError(f"Layer path {key!r} matches several keys of the DTypePolicyMap ({hits}); each path "
                             "may match one key at most. Make the patterns exclusive, or add the exact path.")
        return self._policy_map[hits[0]] if hits else self.default_policy

    def __setitem__(self, key: str, policy: Any) -> None:
        if key in self._policy_map:
            raise ValueError(f"{key!r} is already in the DTypePolicyMap (as {self._policy_map[key]!r}); delete it "
                             "first to replace it.")
        try:
            policy = get(policy)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"The DTypePolicyMap value for {key!r} must be a policy or its name; received "
                             f"{policy!r} of type {type(policy)} ({exc})") from None
        self._policy_map[key] = policy

    def __delitem__(self, key: str) -> None:
        del self._policy_map[key]

    def __contains__(self, key: object) -> bool:
        return key in self._policy_map

    def __iter__(self) -> Iterator[str]:
        return iter(self._policy_map)

    def __len__(self) -> int:
        return len(self._policy_map)

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def get_config(self) -> dict[str, Any]:
        return {"default_policy": self._default_policy_arg,
                "policy_map": {k: serialize(v) for k, v in self._policy_map.items()}}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> DTypePolicyMap:
        config = dict(config)
        config["policy_map"] = {k: get(v) for k, v in (config.get("policy_map") or {}).items()}
        return cls(**config)

    def __repr__(self) -> str:
        default = None if self._default_policy is None else self._default_policy.name
        return (f"<DTypePolicyMap default_policy={default}, "
                f"mapping={[(k, v.name) for k, v in self._policy_map.items()]}>")


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
    return {"module": "keras", "class_name": type(policy).__name__, "config": policy.get_config(),
            "registered_name": None}


def deserialize(config: dict[str, Any], custom_objects: Any = None) -> DTypePolicy:
    """A policy from :func:`serialize`'s output."""
    if config.get("class_name") == "DTypePolicyMap":
        return DTypePolicyMap.from_config(config.get("config") or {})
    if config.get("class_name") not in ("DTypePolicy", "FloatDTypePolicy", "Policy"):
        raise ValueError(f"Unknown dtype policy class {config.get('class_name')!r} (tapegrad has DTypePolicy and "
                         "DTypePolicyMap; quantized policies are not implemented)")
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


def layer_policy(dtype: Any) -> DTypePolicy:
    """The policy a layer gets for its ``dtype`` argument: a dtype, a policy, a policy name or config, a
    :class:`DTypePolicyMap`, or ``None`` (the global policy)."""
    if dtype is None:
        policy = _state._STATE.get(_GLOBAL)
        return policy if policy is not None else DTypePolicy(_state.floatx())
    if isinstance(dtype, (DTypePolicy, dict)) or (isinstance(dtype, str) and dtype.startswith("mixed_")):
        return get(dtype)
    from .. import _dtypes

    return DTypePolicy(_dtypes.as_dtype(dtype).name)


def set_layer_policy(layer: Any, dtype: Any) -> None:
    """Give ``layer`` the policy for ``dtype``: its variable dtype (``_dtype``), compute dtype and autocast scope
    (the compute dtype when the policy is mixed and the layer autocasts, else None; see ``keras._autocast``).
    A :class:`DTypePolicyMap` is looked up by the layer's path."""
    policy = layer_policy(dtype)
    resolved = policy[layer.path] if isinstance(policy, DTypePolicyMap) else policy
    layer._dtype_policy = policy
    layer._dtype = resolved.variable_dtype
    layer._compute_dtype = layer._policy_compute_dtype = compute = resolved.compute_dtype
    mixed = compute != resolved.variable_dtype and compute in ("float16", "bfloat16")
    layer._autocast_scope = compute if mixed and layer._autocast else None
    kind = _computes_in_float32(layer) if mixed else None
    if kind is not None:
        # Keras 3's batch, layer and group normalization compute in float32 under a mixed policy and cast the
        # result to the compute dtype, and Embedding gathers float32 rows and casts them: here the layer runs as
        # a float32 layer and ``keras._autocast`` casts its outputs (the scope "float32" casts no float32
        # variable). BatchNormalization autocasts its inputs first (they are rounded to the compute dtype);
        # LayerNormalization/GroupNormalization do not (Keras sets their ``autocast`` to False).
        layer._compute_dtype = layer._autocast_scope = "float32"
        layer._round_inputs = kind


def _computes_in_float32(layer: Any) -> bool | None:
    """For the layers that compute in float32 under a mixed policy: whether their inputs are first rounded to
    the compute dtype; None for the others."""
    from .layers.core import Embedding
    from .layers.normalization import BatchNormalization, GroupNormalization, LayerNormalization

    if isinstance(layer, BatchNormalization):
        return True
    return False if isinstance(layer, (GroupNormalization, LayerNormalization, Embedding)) else None
