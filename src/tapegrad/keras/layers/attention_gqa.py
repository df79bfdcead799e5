"""``GroupQueryAttention`` (Keras 3.15): multi-head attention whose ``num_query_heads`` query heads share
``num_key_value_heads`` key/value heads (each key/value head serves ``num_query_heads // num_key_value_heads``
consecutive query heads).

Sub-layers (weights ``query``, ``key``, optional ``gate``, ``value``, ``attention_output``, in Keras's order) are
``EinsumDense`` projections: ``bqm,muh->bquh`` for queries, ``bkm,mvh->bkvh`` for keys and values, and
``bquh,uhm->bqm`` back to the query's feature size. Scores are ``softmax(q·k / sqrt(head_dim))`` over the keys,
masked by ``attention_mask``, the inputs' Keras masks, ``use_causal_mask`` and ``sliding_window``.

>>> import numpy as np
>>> from tapegrad import keras
>>> layer = keras.layers.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)
>>> q, v = np.ones((2, 3, 8), "float32"), np.ones((2, 5, 6), "float32")
>>> out, scores = layer(q, v, return_attention_scores=True)
>>> out.shape, scores.shape, [tuple(w.shape) for w in layer.weights][:4]
(TensorShape([2, 3, 8]), TensorShape([2, 4, 3, 5]), [(8, 4, 4), (4, 4), (6, 2, 4), (2, 4)])
"""

from __future__ import annotations

import math
from typing import Any

import tapegrad as tg

from .. import initializers, regularizers
from ._base import Layer
from .activation import Softmax
from .convolutional import serialize_object
from .core import Dropout
from .core_extra import EinsumDense

__all__ = ["GroupQueryAttention"]  # (the class is GroupedQueryAttention, as in Keras 3.15)


class GroupedQueryAttention(Layer):
    """Grouped-query attention ``layer(query, value, key=None, ...)`` → ``(batch, target, features)`` (and the
    ``(batch, num_query_heads, target, source)`` scores with ``return_attention_scores=True``)."""

    def __init__(self, head_dim: int, num_query_heads: int, num_key_value_heads: int, dropout: float = 0.0,
                 use_bias: bool = True, sliding_window: int | None = None, flash_attention: bool | None = None,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, use_gate: bool = False,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        self.head_dim, self.num_query_heads, self.num_key_value_heads = head_dim, num_query_heads, num_key_value_heads
        if num_query_heads % num_key_value_heads:
            raise ValueError(f"`num_query_heads` must be divisible by `num_key_value_heads` (each key/value head "
                             f"serves a whole group of query heads). Received: num_query_heads={num_query_heads}, "
                             f"num_key_value_heads={num_key_value_heads}.")
        self.num_repeats = num_query_heads // num_key_value_heads
        if sliding_window is not None and (not isinstance(sliding_window, int) or sliding_window <= 0):
            raise ValueError(f"`sliding_window` must be `None` or a positive integer. Received: "
                             f"sliding_window={sliding_window}")
        if flash_attention:
            raise ValueError("GroupQueryAttention: flash attention is not supported by tapegrad (CPU); leave "
                             "flash_attention unset.")
        self.dropout, self.use_bias, self.use_gate = dropout, use_bias, use_gate
        self.sliding_window, self.seed = sliding_window, seed
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(head_dim))

    def _dense(self, equation: str, output_shape: tuple[Any, ...], bias_axes: str, name: str,
               activation: Any = None) -> EinsumDense:
        return EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes if self.use_bias else None,
                           activation=activation, name=name, kernel_initializer=self.kernel_initializer.clone(),
                           bias_initializer=self.bias_initializer.clone(), kernel_regularizer=self.kernel_regularizer,
                           bias_regularizer=self.bias_regularizer, activity_regularizer=self._activity_regularizer,
                           kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint)

    def build(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> None:
        shapes = getattr(self, "_all_shapes", None)
        if value_shape is None and shapes is not None:
            value_shape, key_shape = shapes[1], shapes[2]
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        self.feature_dim = query_shape[-1]
        q_heads, kv_heads = (None, self.num_query_heads, self.head_dim), (None, self.num_key_value_heads,
                                                                           self.head_dim)
        self._query_dense = self._dense("bqm,muh->bquh", q_heads, "uh", "query")
        self._query_dense._run_build(tuple(query_shape))
        self._key_dense = self._dense("bkm,mvh->bkvh", kv_heads, "vh", "key")
        self._key_dense._run_build(tuple(key_shape))
        if self.use_gate:
            self._gate_dense = self._dense("bqm,muh->bquh", q_heads, "uh", "gate", activation="sigmoid")
            self._gate_dense._run_build(tuple(query_shape))
        self._value_dense = self._dense("bkm,mvh->bkvh", kv_heads, "vh", "value")
        self._value_dense._run_build(tuple(value_shape))
        self._softmax = Softmax(axis=-1)
        self._dropout_layer = Dropout(self.dropout, seed=self.seed)
        self._output_dense = self._dense("bquh,uhm->bqm", (None, self.feature_dim), "m", "attention_output")
        self._output_dense._run_build((None, None, self.num_query_heads, self.head_dim))
        self.built = True

    # The base class builds from the first input's shape; like MultiHeadAttention, build from all three.
    def _run_build(self, input_shape: Any) -> None:
        if getattr(self, "_all_shapes", None) is not None:
            super()._run_build(input_shape)

    def _build_from(self, query: Any, value: Any, key: Any) -> None:
        self._all_shapes = tuple(None if t is None else tuple(t.shape) for t in (query, value, key))
        try:
            super()._run_build(self._all_shapes[0])
        finally:
            self._all_shapes = None

    def _symbolic_call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        query = args[0] if args else kwargs["query"]
        value = args[1] if len(args) > 1 else kwargs.get("value", query)
        self.compute_output_shape(tuple(query.shape), tuple(value.shape))
        if not self.built:
            self._build_from(query, value, args[2] if len(args) > 2 else kwargs.get("key"))
        return super()._symbolic_call(args, kwargs)

    def compute_output_shape(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> Any:
        if value_shape is not None and tuple(query_shape)[-1] != tuple(value_shape)[-1]:
            raise ValueError(f"The last dimension of `query_shape` and `value_shape` must be equal, but are "
                             f"{tuple(query_shape)[-1]}, {tuple(value_shape)[-1]}. Received: "
                             f"query_shape={tuple(query_shape)}, value_shape={tuple(value_shape)}")
        return tuple(query_shape)

    def _attention_mask(self, query: Any, value: Any, query_mask: Any, value_mask: Any, key_mask: Any,
                        attention_mask: Any, use_causal_mask: bool) -> Any:
        """The ``(batch, target, source)`` boolean mask from every source, or None."""
        t, s = int(query.shape[1]), int(value.shape[1])
        parts = []
        if query_mask is not None:
            parts.append(tg.expand_dims(tg.cast(query_mask, "bool"), -1))
        for m in (value_mask, key_mask):
            if m is not None:
                parts.append(tg.expand_dims(tg.cast(m, "bool"), -2))
        if use_causal_mask:
            parts.append(tg.constant(tg.linalg.band_part(tg.ones([t, s], "int32"), -1, 0).numpy()[None] > 0))
        if self.sliding_window is not None:
            rows = tg.reshape(tg.range(t), [1, t, 1])
            cols = tg.reshape(tg.range(s), [1, 1, s])
            parts.append(tg.less(tg.abs(rows - cols), self.sliding_window))
        if not parts:
            return None if attention_mask is None else tg.cast(attention_mask, "bool")
        auto = parts[0]
        for p in parts[1:]:
            auto = tg.logical_and(auto, p)
        return auto if attention_mask is None else tg.logical_and(tg.cast(attention_mask, "bool"), auto)

    def call(self, query: Any, value: Any = None, key: Any = None, query_mask: Any = None, value_mask: Any = None,
             key_mask: Any = None, attention_mask: Any = None, return_attention_scores: bool = False,
             training: Any = None, use_causal_mask: bool = False) -> Any:
        value = query if value is None else value
        key = value if key is None else key
        if not self.built:
            self._build_from(query, value, key)
        query_mask = getattr(query, "_keras_mask", None) if query_mask is None else query_mask
        value_mask = getattr(value, "_keras_mask", None) if value_mask is None else value_mask
        if key is not value and key_mask is None:
            key_mask = getattr(key, "_keras_mask", None)
        mask = self._attention_mask(query, value, query_mask, value_mask, key_mask, attention_mask,
                                    use_causal_mask)
        gate = self._gate_dense(query) if self.use_gate else None
        q = self._query_dense(query)
        k = tg.repeat(self._key_dense(key), self.num_repeats, axis=2)
        v = tg.repeat(self._value_dense(value), self.num_repeats, axis=2)
        if self.dropout > 0.0 or return_attention_scores:
            # Keras's explicit path: scaled queries, masked softmax, dropout on the scores
            scores = tg.einsum("bquh,bkuh->buqk", q * tg.cast(self._inverse_sqrt_head_dim, q.dtype), k)
            scores = self._softmax(scores, mask=None if mask is None else tg.expand_dims(mask, -3))
            dropped = self._dropout_layer(scores, training=training) if self.dropout > 0.0 else scores
            out = tg.einsum("buqk,bkuh->bquh", dropped, v)
        else:
            # keras.ops.dot_product_attention's arithmetic: scaled logits, masked with the large negative number
            from ..ops import nn as _ops_nn

            out = _ops_nn.dot_product_attention(q, k, v, mask=None if mask is None else tg.expand_dims(mask, -3),
                                                scale=self._inverse_sqrt_head_dim)
            scores = None
        out = self._output_dense(out * gate if gate is not None else out)
        return (out, scores) if return_attention_scores else out

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> Any:
        return previous_mask

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "head_dim": self.head_dim, "num_query_heads": self.num_query_heads,
                "num_key_value_heads": self.num_key_value_heads, "use_bias": self.use_bias,
                "use_gate": self.use_gate, "dropout": self.dropout, "sliding_window": self.sliding_window,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": serialize_object(self.kernel_regularizer),
                "bias_regularizer": serialize_object(self.bias_regularizer),
                "activity_regularizer": serialize_object(self._activity_regularizer),
                "kernel_constraint": serialize_object(self.kernel_constraint),
                "bias_constraint": serialize_object(self.bias_constraint), "seed": self.seed}


GroupQueryAttention = GroupedQueryAttention
