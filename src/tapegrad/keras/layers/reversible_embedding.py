"""``keras.layers.ReversibleEmbedding``: an ``Embedding`` that can also map hidden vectors back to vocabulary
logits (``reverse=True``), with the embedding matrix tied (transposed) or a separate ``reverse_embeddings``
weight, an optional ``reverse_dtype`` and Gemma-style ``logit_soft_cap`` (``tanh(logits / cap) * cap``).
Keras's int8/int4 quantization of this layer is not implemented.

>>> import numpy as np
>>> from tapegrad import keras
>>> layer = keras.layers.ReversibleEmbedding(input_dim=3, output_dim=2)
>>> layer.build()
>>> _ = layer.embeddings.assign(np.array([[0.0, 0.0], [2.0, 2.0], [3.0, 3.0]]))
>>> layer(np.array([2, 1])).numpy().tolist(), layer(np.ones((1, 2)), reverse=True).numpy().tolist()
([[3.0, 3.0], [2.0, 2.0]], [[0.0, 4.0, 6.0]])
"""

from __future__ import annotations

from typing import Any

from .core import Embedding

__all__ = ["ReversibleEmbedding"]


class ReversibleEmbedding(Embedding):
    """``Embedding`` plus ``call(x, reverse=True)``: ``x @ embeddings.T`` (``tie_weights=True``) or
    ``x @ reverse_embeddings`` (an ``(output_dim, input_dim)`` weight with the embeddings' initializer), cast to
    ``reverse_dtype`` first when given, soft-capped when ``logit_soft_cap`` is set. The forward direction keeps
    ``mask_zero``'s mask; reverse outputs carry none."""

    def __init__(self, input_dim: int, output_dim: int, tie_weights: bool = True,
                 embeddings_initializer: Any = "uniform", embeddings_regularizer: Any = None,
                 embeddings_constraint: Any = None, mask_zero: bool = False, reverse_dtype: Any = None,
                 logit_soft_cap: float | None = None, **kwargs: Any) -> None:
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer, embeddings_constraint=embeddings_constraint,
                         mask_zero=mask_zero, **kwargs)
        self.tie_weights = tie_weights
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape: Any = None) -> None:
        if self.built:
            return
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(shape=(self.output_dim, self.input_dim),
                                                      initializer=self.embeddings_initializer,
                                                      name="reverse_embeddings", trainable=True)

    def call(self, inputs: Any, reverse: bool = False) -> Any:
        if not reverse:
            return super().call(inputs)
        from .. import ops

        kernel = ops.transpose(self.embeddings) if self.tie_weights else self.reverse_embeddings
        if self.reverse_dtype is not None:
            inputs, kernel = ops.cast(inputs, self.reverse_dtype), ops.cast(kernel, self.reverse_dtype)
        logits = ops.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            logits = ops.multiply(ops.tanh(ops.divide(logits, self.logit_soft_cap)), self.logit_soft_cap)
        return logits

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> Any:
        from ..backend import is_float_dtype

        if is_float_dtype(str(getattr(getattr(inputs, "dtype", None), "name", "int32"))):
            return None  # a reverse call: hidden vectors in, logits out
        return super().compute_mask(inputs, previous_mask)

    def compute_output_shape(self, input_shape: Any, reverse: bool = False) -> tuple[Any, ...]:
        if reverse:
            return tuple(input_shape)[:-1] + (self.input_dim,)
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "tie_weights": self.tie_weights, "reverse_dtype": self.reverse_dtype,
                "logit_soft_cap": self.logit_soft_cap}
