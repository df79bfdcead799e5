"""Attention layers: ``MultiHeadAttention``, ``Attention`` (Luong, dot or concat scores) and ``AdditiveAttention``
(Bahdanau), with Keras 3's weights, masks and score conventions.

``MultiHeadAttention`` projects with sub-layers named ``query``, ``key``, ``value`` and ``attention_output``
(kernels ``(E, H, K)`` … ``(H, V, E_out)``, each one GEMM), scales by ``1/√key_dim`` and returns scores shaped
``(B, H, T, S)``. ``Attention`` does not scale (unless ``use_scale``). Masked scores get ``-1e9`` before the
softmax, so their weights are exactly 0.

>>> import numpy as np
>>> from tapegrad import keras
>>> mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)
>>> out, scores = mha(np.ones((2, 4, 5), "float32"), np.ones((2, 6, 5), "float32"), return_attention_scores=True)
>>> out.shape, scores.shape, mha.count_params()
(TensorShape([2, 4, 5]), TensorShape([2, 2, 4, 6]), 143)
"""

from __future__ import annotations

import math
import zlib
from typing import Any

import numpy as np

from ..._tensor import _TensorLike
from ...ops import activations as _activations
from ...ops import arithmetic as _arithmetic
from ...ops import comparison as _comparison
from ...ops import core as _core
from ...ops import matmul as _matmul
from ...ops import reductions as _r
from ...ops import shape_ops as _shape_ops
from ...ops import trigonometric as _trigonometric
from ...ops.random_ops import draw, internal_generator
from .. import backend, initializers
from ._base import Layer

__all__ = ["MultiHeadAttention", "Attention", "AdditiveAttention"]


def _t(x: Any) -> Any:
    return _core.convert_to_tensor(x)


def _large_negative(dtype: Any) -> float:
    return -3e4 if str(getattr(dtype, "name", dtype)) == "float16" else -1e9


def _masked_softmax(scores: Any, mask: np.ndarray | None) -> Any:
    """Softmax over the last axis, masked positions pushed to -1e9 first (Keras's Softmax(mask))."""
    if mask is not None:
        adder = (1.0 - mask.astype(scores.dtype.as_numpy_dtype)) * _large_negative(scores.dtype)
        scores = _arithmetic.add(scores, _core.constant(adder.astype(scores.dtype.as_numpy_dtype)))
    return _activations.softmax(scores, axis=-1)


def _np_mask(mask: Any) -> np.ndarray | None:
    if mask is None:
        return None
    return np.asarray(mask.numpy() if isinstance(mask, _TensorLike) else mask).astype(bool)


class _Dropout:
    """Dropout on attention weights with the layer's own seeded stream (training only)."""

    def __init__(self, rate: float, seed: int | None, tag: bytes) -> None:
        self.rate = float(rate)
        base = int(internal_generator().integers(1, 10**9)) if seed is None else int(seed)
        self._rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([base, zlib.crc32(tag)])))

    def __call__(self, x: Any, training: Any) -> Any:
        if not training or self.rate <= 0:
            return x
        dt = x.dtype.as_numpy_dtype
        u = draw(self._rng, "uniform", x.shape)  # recorded: a compiled step draws a new mask on every call
        keep = _arithmetic.divide(_core.cast(_comparison.greater_equal(u, self.rate), x.dtype),
                                  float(dt(1 - self.rate)))
        return _arithmetic.multiply(x, keep)


class _ProjectionDense(Layer):
    """MultiHeadAttention's projection sub-layer: contracts the last ``n_in`` input axes with a kernel of shape
    ``in_axes + out_shape`` (one GEMM), plus a bias of shape ``out_shape``; Keras's ``EinsumDense`` there."""

    def __init__(self, out_shape: tuple[int, ...], n_in: int, use_bias: bool, kernel_initializer: Any,
                 bias_initializer: Any, kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.out_shape, self.n_in, self.use_bias = tuple(out_shape), int(n_in), bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint

    def build(self, input_shape: Any) -> None:
        in_axes = tuple(int(d) for d in tuple(input_shape)[-self.n_in:])
        self.kernel = self.add_weight(shape=in_axes + self.out_shape, initializer=self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=self.out_shape, initializer=self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs: Any) -> Any:
        x = _t(inputs)
        lead = [int(d) for d in x.shape[:x.ndim - self.n_in]]
        k_in = math.prod(int(d) for d in x.shape[x.ndim - self.n_in:])
        k_out = math.prod(self.out_shape)
        y = _matmul.matmul(_shape_ops.reshape(x, (-1, k_in)), _shape_ops.reshape(self.kernel, (k_in, k_out)))
        if self.bias is not None:
            y = _arithmetic.add(y, _shape_ops.reshape(self.bias, (k_out,)))
        return _shape_ops.reshape(y, (*lead, *self.out_shape))


def _sublayer_initializer(init: Any) -> Any:
    """A fresh initializer from ``init``'s config (each projection gets its own random values, as in Keras)."""
    if isinstance(init, initializers.Initializer):
        return initializers.deserialize(initializers.serialize(init))
    return init


class MultiHeadAttention(Layer):
    """Multi-head (scaled dot-product) attention, as in "Attention Is All You Need".

    ``call(query, value, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
    return_attention_scores=False, training=None, use_causal_mask=False)``; ``key`` defaults to ``value``.
    ``attention_mask`` is a boolean ``(B, T, S)`` (True = attend); the masks of the inputs (from
    ``Embedding(mask_zero=True)``) and ``use_causal_mask`` are combined with it. ``attention_axes`` picks the
    axes attention runs over (default: every axis between the batch and the features).
    """

    def __init__(self, num_heads: int, key_dim: int, value_dim: int | None = None, dropout: float = 0.0,
                 use_bias: bool = True, output_shape: Any = None, attention_axes: Any = None,
                 flash_attention: Any = None, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None, bias_constraint: Any = None,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.num_heads, self.key_dim = int(num_heads), int(key_dim)
        self.value_dim = int(value_dim) if value_dim is not None else self.key_dim
        self.dropout, self.use_bias = float(dropout), bool(use_bias)
        self._output_shape_arg = output_shape
        self.attention_axes = (attention_axes,) if isinstance(attention_axes, int) else (
            None if attention_axes is None else tuple(attention_axes))
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.seed = seed
        self._dropout = _Dropout(self.dropout, seed, b"mha")
        self.supports_masking = True

    def _sub(self, name: str, out_shape: tuple[int, ...], n_in: int) -> _ProjectionDense:
        return _ProjectionDense(out_shape, n_in, self.use_bias, _sublayer_initializer(self.kernel_initializer),
                                _sublayer_initializer(self.bias_initializer), self.kernel_regularizer,
                                self.bias_regularizer, self.kernel_constraint, self.bias_constraint, name=name,
                                dtype=self.dtype)

    def build(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> None:
        shapes = getattr(self, "_all_shapes", None)
        if value_shape is None and shapes is not None:
            value_shape, key_shape = shapes[1], shapes[2]
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        h = self.num_heads
        out = self._output_shape_arg
        out_shape = (int(query_shape[-1]),) if out is None else ((int(out),) if isinstance(out, int)
                                                                 else tuple(int(d) for d in out))
        self._query_dense = self._sub("query", (h, self.key_dim), 1)
        self._key_dense = self._sub("key", (h, self.key_dim), 1)
        self._value_dense = self._sub("value", (h, self.value_dim), 1)
        self._output_dense = self._sub("attention_output", out_shape, 2)
        with backend.path_scope(self.name):
            for layer, shape in ((self._query_dense, query_shape), (self._key_dense, key_shape),
                                 (self._value_dense, value_shape),
                                 (self._output_dense, (*query_shape[:-1], h, self.value_dim))):
                layer._run_build(shape)
        self.built = True

    def _run_build(self, input_shape: Any) -> None:
        # ``build`` needs the value (and key) shapes too: ``call``/``_symbolic_call`` build with all three.
        if getattr(self, "_all_shapes", None) is not None:
            super()._run_build(input_shape)

    def _build_from(self, query: Any, value: Any, key: Any) -> None:
        self._all_shapes = tuple(None if t is None else tuple(t.shape) for t in (query, value, key))
        self._built_shapes = self._all_shapes  # Keras 3's build config names all three (keras.saving)
        try:
            super()._run_build(self._all_shapes[0])
        finally:
            self._all_shapes = None

    def _symbolic_call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not self.built:
            query = args[0] if args else kwargs["query"]
            value = args[1] if len(args) > 1 else kwargs["value"]
            self._build_from(query, value, args[2] if len(args) > 2 else kwargs.get("key"))
        return super()._symbolic_call(args, kwargs)

    @property
    def query_dense(self) -> Any:
        return self._query_dense

    @property
    def key_dense(self) -> Any:
        return self._key_dense

    @property
    def value_dense(self) -> Any:
        return self._value_dense

    @property
    def output_dense(self) -> Any:
        return self._output_dense

    def call(self, query: Any, value: Any, key: Any = None, query_mask: Any = None, value_mask: Any = None,
             key_mask: Any = None, attention_mask: Any = None, return_attention_scores: bool = False,
             training: Any = None, use_causal_mask: bool = False) -> Any:
        q_in, v_in = _t(query), _t(value)
        k_in = v_in if key is None else _t(key)
        if not self.built:
            self._build_from(q_in, v_in, k_in)
        query_mask = query_mask if query_mask is not None else getattr(query, "_keras_mask", None)
        value_mask = value_mask if value_mask is not None else getattr(value, "_keras_mask", None)
        key_mask = key_mask if key_mask is not None else (getattr(key, "_keras_mask", None) if key is not None
                                                          else None)
        q = self._query_dense(q_in)  # (B, *Tq, H, K)
        k = self._key_dense(k_in)
        v = self._value_dense(v_in)
        rank = q_in.ndim
        axes = tuple(a % rank for a in self.attention_axes) if self.attention_axes is not None \
            else tuple(range(1, rank - 1))
        others = tuple(a for a in range(1, rank - 1) if a not in axes)
        qf, q_back = _to_3d(q, others, axes)  # (B', Tq, H, K)
        kf, _ = _to_3d(k, others, axes)
        vf, _ = _to_3d(v, others, axes)
        qf = _arithmetic.multiply(qf, 1.0 / math.sqrt(float(self.key_dim)))
        # (B', H, Tq, K) @ (B', H, K, S) -> (B', H, Tq, S)
        scores = _matmul.matmul(_shape_ops.transpose(qf, (0, 2, 1, 3)), _shape_ops.transpose(kf, (0, 2, 3, 1)))
        mask = self._attention_mask(q_in, v_in, _np_mask(query_mask), _np_mask(value_mask), _np_mask(key_mask),
                                    _np_mask(attention_mask), use_causal_mask, others, axes, int(qf.shape[1]),
                                    int(kf.shape[1]), int(scores.shape[0]))
        weights = _masked_softmax(scores, None if mask is None else mask[:, None])
        dropped = self._dropout(weights, training)
        ctx = _shape_ops.transpose(_matmul.matmul(dropped, _shape_ops.transpose(vf, (0, 2, 1, 3))),
                                   (0, 2, 1, 3))  # (B', Tq, H, V)
        out = self._output_dense(q_back(ctx))
        if return_attention_scores:
            return out, _scores_back(weights, q_in, k_in, others, axes)
        return out

    def _attention_mask(self, q: Any, v: Any, q_mask: Any, v_mask: Any, k_mask: Any, attn: Any, causal: bool,
                        others: tuple[int, ...], axes: tuple[int, ...], tq: int, ts: int,
                        batch: int) -> np.ndarray | None:
        """The combined boolean mask ``(B', Tq, S)`` (True = attend), or None."""
        mask = None

        def flat(m: np.ndarray, shape: Any) -> np.ndarray:
            # (B, *dims) -> (B', T) following the same axis order as _to_3d
            rank = len(shape) - 1  # without features
            perm = [0, *[a for a in others], *axes][:m.ndim]
            m = np.transpose(m, perm) if m.ndim == rank else m
            return m.reshape(batch, -1)

        if q_mask is not None:
            mask = flat(q_mask, tuple(q.shape))[:, :, None] & np.ones((1, 1, ts), bool)
        for m in (v_mask, k_mask):
            if m is not None:
                vm = flat(m, tuple(v.shape))[:, None, :]
                mask = vm & np.ones((1, tq, 1), bool) if mask is None else mask & vm
        if attn is not None:
            a = attn.reshape(batch, tq, ts) if attn.ndim > 3 or attn.shape[0] == batch else np.broadcast_to(
                attn, (batch, tq, ts))
            mask = a if mask is None else mask & a
        if causal:
            tri = np.tril(np.ones((tq, ts), bool))[None]
            mask = tri if mask is None else mask & tri
        return None if mask is None else np.broadcast_to(mask, (batch, tq, ts))

    def compute_output_shape(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> Any:
        out = self._output_shape_arg
        tail = (query_shape[-1],) if out is None else ((out,) if isinstance(out, int) else tuple(out))
        return (*tuple(query_shape)[:-1], *tail)

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> Any:
        return previous_mask

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
                "output_shape": self._output_shape_arg, "attention_axes": self.attention_axes,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer), "seed": self.seed}


def _to_3d(x: Any, others: tuple[int, ...], axes: tuple[int, ...]) -> tuple[Any, Any]:
    """(B, *dims, H, D) → (B·others, prod(attention axes), H, D), and the function that undoes it for the
    query-side context (whose last two axes are H, V)."""
    rank = x.ndim
    shape = [int(d) for d in x.shape]
    perm = (0, *others, *axes, rank - 2, rank - 1)
    xt = _shape_ops.transpose(x, perm) if list(perm) != list(range(rank)) else x
    b = shape[0] * math.prod(shape[a] for a in others)
    t = math.prod(shape[a] for a in axes)
    flat = _shape_ops.reshape(xt, (b, t, shape[-2], shape[-1]))

    def back(ctx: Any) -> Any:
        h, vdim = int(ctx.shape[-2]), int(ctx.shape[-1])
        y = _shape_ops.reshape(ctx, (shape[0], *[shape[a] for a in others], *[shape[a] for a in axes], h, vdim))
        inv = np.argsort(perm)
        return _shape_ops.transpose(y, tuple(int(i) for i in inv)) if list(perm) != list(range(rank)) else y

    return flat, back


def _scores_back(weights: Any, q: Any, k: Any, others: tuple[int, ...], axes: tuple[int, ...]) -> Any:
    qs, ks = [int(d) for d in q.shape], [int(d) for d in k.shape]
    h = int(weights.shape[1])
    return _shape_ops.reshape(weights, (qs[0], *[qs[a] for a in others], h, *[qs[a] for a in axes],
                                 *[ks[a] for a in axes]))


class Attention(Layer):
    """Dot-product attention (Luong): ``softmax(q·kᵀ)·v`` on ``[query, value]`` or ``[query, value, key]``.

    No ``1/√d`` scaling: ``use_scale=True`` adds a trainable scalar ``scale`` (1.0); ``score_mode="concat"``
    scores ``Σ tanh(q + k)`` times a scalar ``concat_score_weight``. ``mask=[query_mask, value_mask]`` masks
    keys (and zeroes masked query rows); ``use_causal_mask`` blocks future keys.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> q = np.array([[[1.0, 0.0], [0.0, 1.0]]], "float32")
    >>> v = np.array([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]], "float32")
    >>> np.round(keras.layers.Attention()([q, v]).numpy().astype("float64"), 5).tolist()
    [[[4.70187, 5.70187], [4.70187, 5.70187]]]
    """

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"Invalid value for argument score_mode. Expected one of {{'dot', 'concat'}}. "
                             f"Received: score_mode={score_mode}")
        self.use_scale, self.score_mode, self.dropout, self.seed = bool(use_scale), score_mode, float(dropout), seed
        self._dropout = _Dropout(self.dropout, seed, b"attention")
        self.supports_masking = True
        self.scale = None
        self.concat_score_weight = None

    def build(self, input_shape: Any = None) -> None:
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(), initializer="ones")
        self.built = True

    def _validate(self, inputs: Any, mask: Any) -> None:
        if not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 3:
            raise ValueError(f"{type(self).__name__} layer must be called on a list of inputs, namely [query, "
                             f"value] or [query, value, key]. Received: inputs={inputs}.")
        if mask is not None and (not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3):
            raise ValueError(f"{type(self).__name__} layer mask must be a list of length 2, namely [query_mask, "
                             f"value_mask]. Received: mask={mask}.")

    def _score(self, q: Any, k: Any) -> Any:
        if self.score_mode == "dot":
            scores = _matmul.matmul(q, k, transpose_b=True)
            return scores if self.scale is None else _arithmetic.multiply(scores, self.scale)
        s = _arithmetic.add(_expand(q, -2), _expand(k, -3))
        if self.scale is not None:
            s = _arithmetic.multiply(s, self.scale)
        return _arithmetic.multiply(self.concat_score_weight, _r.reduce_sum(_trigonometric.tanh(s), axis=-1))

    def call(self, inputs: Any, mask: Any = None, training: Any = False, return_attention_scores: bool = False,
             use_causal_mask: bool = False) -> Any:
        self._validate(inputs, mask)
        q, v = _t(inputs[0]), _t(inputs[1])
        k = _t(inputs[2]) if len(inputs) > 2 else v
        q_mask = _np_mask(mask[0]) if mask is not None else None
        v_mask = _np_mask(mask[1]) if mask is not None else None
        scores = self._score(q, k)
        keep = None
        if v_mask is not None:
            keep = np.expand_dims(v_mask, -2)
        if use_causal_mask:
            tq, tv = int(scores.shape[-2]), int(scores.shape[-1])
            tri = np.tril(np.ones((tq, tv), bool))
            keep = tri if keep is None else keep & tri
        if keep is not None:
            dt = scores.dtype.as_numpy_dtype
            max_value = 65504.0 if dt == np.float16 else 1.0e9
            scores = _arithmetic.subtract(scores, _core.constant((max_value * (~keep)).astype(dt)))
        weights = _activations.softmax(scores, axis=-1)
        result = _matmul.matmul(self._dropout(weights, training), v)
        if q_mask is not None:
            result = _arithmetic.multiply(result, _core.constant(q_mask[..., None].astype(result.dtype.as_numpy_dtype)))
        if return_attention_scores:
            return result, weights
        return result

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> Any:
        if isinstance(previous_mask, (list, tuple)) and previous_mask and previous_mask[0] is not None:
            return previous_mask[0]
        return None

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (*tuple(input_shape[0])[:-1], tuple(input_shape[1])[-1])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "use_scale": self.use_scale, "score_mode": self.score_mode,
                "dropout": self.dropout}


def _expand(x: Any, axis: int) -> Any:
    shape = [int(d) for d in x.shape]
    axis = axis % (len(shape) + 1)
    return _shape_ops.reshape(x, (*shape[:axis], 1, *shape[axis:]))


class AdditiveAttention(Attention):
    """Additive (Bahdanau) attention: scores ``Σ scale·tanh(q + k)`` over the features, ``scale`` a trainable
    vector (with ``use_scale=True``, the default).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.AdditiveAttention()
    >>> layer([np.ones((1, 2, 3), "float32"), np.ones((1, 4, 3), "float32")]).shape, layer.scale.shape
    (TensorShape([1, 2, 3]), TensorShape([3]))
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs: Any) -> None:
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape: Any = None) -> None:
        shape = input_shape[0] if isinstance(input_shape, list) else input_shape
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(int(shape[-1]),), initializer="glorot_uniform")
        self.built = True

    def _score(self, q: Any, k: Any) -> Any:
        s = _trigonometric.tanh(_arithmetic.add(_expand(q, -2), _expand(k, -3)))
        if self.scale is not None:
            s = _arithmetic.multiply(self.scale, s)
        return _r.reduce_sum(s, axis=-1)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("score_mode", None)
        return config
