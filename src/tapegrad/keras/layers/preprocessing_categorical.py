"""Categorical preprocessing layers: ``CategoryEncoding``, ``Hashing``, ``HashedCrossing`` and ``Discretization``
(Keras 3 / TF 2.21 values, dtypes and shapes).

``Hashing`` is TF's FarmHash ``Fingerprint64`` bucketing (``tf.strings.to_hash_bucket_fast``; with ``salt``, the
keyed SipHash of ``to_hash_bucket_strong``), bit-exact; integers and floats are hashed as their decimal strings
(floats truncated to integers first), as Keras does. ``HashedCrossing`` is ``tf.sparse.cross_hashed``.
``Discretization.adapt`` computes Keras's approximate quantile summary (the same arithmetic, so the same
boundaries).

>>> import tapegrad as tf
>>> from tapegrad import keras
>>> keras.layers.Hashing(num_bins=3)(tf.constant([["A"], ["B"], ["C"], ["D"], ["E"]])).numpy().ravel().tolist()
[1, 0, 1, 1, 2]
>>> keras.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])([[-1.0, 0.5, 1.0, 3.0]]).numpy().tolist()
[[0, 1, 2, 3]]
>>> keras.layers.CategoryEncoding(num_tokens=4, output_mode="count")([[0, 1, 1], [3, 3, 0]]).numpy().tolist()
[[1.0, 2.0, 0.0, 0.0], [1.0, 0.0, 0.0, 2.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tapegrad as tg

from ...compiler.host import in_programs
from ...errors import InvalidArgumentError
from .. import backend
from ._base import Layer
from .preprocessing_lookup import categorical_shape, check_mode, encode_categorical, map_values, run_adapt, to_tensorish

__all__ = ["CategoryEncoding", "Hashing", "HashedCrossing", "Discretization"]


@in_programs(effect=True)
def _assert_non_negative(x: Any) -> None:
    bad = np.asarray(x._value)
    if bad.size and bad.min() < 0:
        raise InvalidArgumentError(f"CategoryEncoding: every input must be a non-negative integer below num_tokens "
                                   f"(TF's bincount), got {bad[bad < 0][:5].tolist()}; map negative values to a "
                                   "valid index first.")


class CategoryEncoding(Layer):
    """Encode integer category ids as ``one_hot``, ``multi_hot`` (one vector per sample) or ``count`` vectors of
    width ``num_tokens``, in the layer's dtype (float32 by default; ``count_weights`` give weighted counts in their
    dtype). Ids ``>= num_tokens`` encode to nothing, negative ids raise InvalidArgumentError (TF's bincount).

    >>> from tapegrad import keras
    >>> keras.layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")([3, 2, 0]).numpy().tolist()
    [[0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]]
    """

    def __init__(self, num_tokens: int | None = None, output_mode: str = "multi_hot", sparse: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        check_mode("CategoryEncoding", output_mode, ("count", "one_hot", "multi_hot"))
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of tokens is not known "
                             "beforehand, use the IntegerLookup layer instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        self.num_tokens, self.output_mode, self.sparse = int(num_tokens), output_mode, sparse
        self.built = True

    def _convert_input(self, x: Any) -> Any:  # ids are not autocast to the float dtype
        return x

    def call(self, inputs: Any, count_weights: Any = None) -> Any:
        x = tg.convert_to_tensor(to_tensorish(inputs))
        if not x.dtype.is_integer:
            x = tg.cast(x, "int64")
        if count_weights is not None and self.output_mode != "count":
            raise ValueError(f"`count_weights` is not used when `output_mode` is not `'count'`. Received "
                             f"`count_weights={count_weights}`.")
        if not x.dtype.is_unsigned:
            _assert_non_negative(x)
        if count_weights is not None:
            count_weights = tg.cast(count_weights, self.compute_dtype)
        return encode_categorical(x, self.output_mode, self.num_tokens, self.compute_dtype,
                                  count_weights=count_weights, sparse=self.sparse)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return categorical_shape(tuple(input_shape), self.output_mode, self.num_tokens)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_tokens": self.num_tokens, "output_mode": self.output_mode}


def _salt(salt: Any, cls: str) -> list[int] | None:
    if salt is None:
        return None
    if isinstance(salt, (tuple, list)) and len(salt) == 2:
        return [int(s) for s in salt]
    if isinstance(salt, int):
        return [salt, salt]
    raise ValueError(f"The `salt` argument for `{cls}` can only be a tuple of size 2 integers, or a single integer. "
                     f"Received: salt={salt}.")


class Hashing(Layer):
    """Hash values into ``num_bins`` buckets: TF's FarmHash ``Fingerprint64`` (``salt``: keyed SipHash) of the
    value, or of its decimal string for numbers (floats truncated first). With ``mask_value`` that value maps to
    0 and the rest to ``1..num_bins-1``. ``output_mode`` ``"int"`` (int64, or ``dtype="int32"``), ``"one_hot"``,
    ``"multi_hot"`` or ``"count"`` (float32).

    >>> from tapegrad import keras
    >>> keras.layers.Hashing(num_bins=3, mask_value="")([["A"], [""], ["C"]]).numpy().ravel().tolist()
    [1, 0, 2]
    """

    def __init__(self, num_bins: int, mask_value: Any = None, salt: Any = None, output_mode: str = "int",
                 sparse: bool = False, **kwargs: Any) -> None:
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else backend.floatx()
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"The `num_bins` for `Hashing` cannot be `None` or non-positive values. Received: "
                             f"num_bins={num_bins}.")
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError(f"When `output_mode=\"int\"`, `dtype` should be an integer type, 'int32' or 'int64'. "
                             f"Received: dtype={kwargs['dtype']}")
        modes = ("int", "one_hot", "multi_hot", "count")
        if output_mode not in modes:
            raise ValueError(f"Invalid value for argument `output_mode`. Expected one of {modes}. Received: "
                             f"output_mode={output_mode}")
        if sparse and output_mode == "int":
            raise ValueError(f"`sparse` may only be true if `output_mode` is `\"one_hot\"`, `\"multi_hot\"`, or "
                             f"`\"count\"`. Received: sparse={sparse} and output_mode={output_mode}")
        self.num_bins, self.mask_value, self.output_mode, self.sparse = int(num_bins), mask_value, output_mode, sparse
        self.salt = _salt(salt, "Hashing")
        self.strong_hash = self.salt is not None
        self.built = True

    def _convert_input(self, x: Any) -> Any:
        return x

    def _hash(self, values: Any) -> Any:
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = tg.equal(values, tg.constant(self.mask_value, dtype=values.dtype))
        if values.dtype.is_floating:
            values = tg.cast(values, "int64")
        if values.dtype != tg.string:
            values = tg.strings.as_string(values)
        if self.strong_hash:
            out = tg.strings.to_hash_bucket_strong(values, bins, key=self.salt)
        else:
            out = tg.strings.to_hash_bucket_fast(values, bins)
        if mask is not None:
            out = tg.where(mask, tg.zeros_like(out), out + 1)
        return out

    def call(self, inputs: Any) -> Any:
        x = to_tensorish(inputs)
        if self.output_mode == "one_hot" and not isinstance(x, tg.RaggedTensor) and x.shape.rank \
                and x.shape[-1] == 1:
            x = tg.squeeze(x, -1)
        indices = map_values(x, self._hash)
        return encode_categorical(indices, self.output_mode, self.num_bins, self.compute_dtype, sparse=self.sparse)

    def compute_output_shape(self, input_shape: Any) -> Any:
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        return input_shape[:-1] + (self.num_bins,) if input_shape else (self.num_bins,)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt, "mask_value": self.mask_value,
                "output_mode": self.output_mode, "sparse": self.sparse}


class HashedCrossing(Layer):
    """Cross two or more categorical features by hashing each combination into ``num_bins`` buckets
    (``tf.sparse.cross_hashed``, bit-exact). Inputs: a tuple of same-shaped scalars, ``(batch,)`` or
    ``(batch, 1)`` tensors of strings or integers; ``output_mode`` ``"int"`` (int64) or ``"one_hot"`` (float32).

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> keras.layers.HashedCrossing(num_bins=5)((tf.constant(["A", "B", "C"]), tf.constant([1, 2, 3]))).numpy().tolist()
    [0, 1, 3]
    """

    def __init__(self, num_bins: int, output_mode: str = "int", sparse: bool = False, name: str | None = None,
                 dtype: Any = None, **kwargs: Any) -> None:
        if dtype is None:
            dtype = "int64" if output_mode == "int" else backend.floatx()
        super().__init__(name=name, dtype=dtype, **kwargs)
        check_mode("HashedCrossing", output_mode, ("int", "one_hot"))
        if sparse and output_mode == "int":
            raise ValueError(f"`sparse` may only be true if `output_mode` is `\"one_hot\"`. Received: "
                             f"sparse={sparse} and output_mode={output_mode}")
        self.num_bins, self.output_mode, self.sparse = int(num_bins), output_mode, sparse
        self.built = True

    def _convert_input(self, x: Any) -> Any:
        return x

    def call(self, inputs: Any) -> Any:
        if not isinstance(inputs, (tuple, list)) or len(inputs) < 2:
            raise ValueError(f"`HashedCrossing` should be called on a list or tuple of at least two inputs. "
                             f"Received: inputs={inputs}")
        xs = [tg.convert_to_tensor(to_tensorish(x)) for x in inputs]
        first = tuple(xs[0].shape)
        if len(first) > 2 or len(first) == 2 and first[-1] != 1:
            raise ValueError(f"All `HashedCrossing` inputs should have shape `()`, `(batch_size)` or "
                             f"`(batch_size, 1)`. Received: inputs shape {first}")
        for x in xs:
            if tuple(x.shape) != first:
                raise ValueError(f"All `HashedCrossing` inputs should have equal shape. Received: shapes "
                                 f"{[tuple(t.shape) for t in xs]}")
            if not (x.dtype == tg.string or x.dtype.is_integer):
                raise ValueError(f"All `HashedCrossing` inputs should have an integer or string dtype. Received: "
                                 f"dtype {x.dtype.name}")
        rank = len(first)
        if rank < 2:
            xs = [tg.reshape(x, [-1, 1]) for x in xs]
        out = tg.sparse.to_dense(tg.sparse.cross_hashed(xs, self.num_bins))
        if rank == 1:
            out = tg.reshape(out, [-1])
        elif rank == 0:
            out = tg.reshape(out, [])
        return encode_categorical(out, self.output_mode, self.num_bins, self.compute_dtype, sparse=self.sparse)

    def compute_output_shape(self, input_shape: Any) -> Any:
        first = tuple(input_shape[0]) if input_shape and isinstance(input_shape[0], (tuple, list)) else ()
        if self.output_mode == "int":
            return first
        return categorical_shape(first, "one_hot", self.num_bins)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "num_bins": self.num_bins, "output_mode": self.output_mode, "sparse": self.sparse,
                "dtype": self.dtype}


# -- Discretization's quantile summary: columns (value, weight), sorted by value ---------------------------------


def _summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    """Every ``step``-th sorted value (``step = max(n * epsilon, 1)``), each standing for ``step`` values."""
    values = np.sort(values.reshape(-1))
    step = max(values.size / (1.0 / epsilon), 1)
    picked = values[int(step - 1)::int(step)]
    return np.stack([picked, np.full_like(picked, step)])


def _compress(summary: np.ndarray, epsilon: float) -> np.ndarray:
    """Resample a summary at the cumulative-weight fractions ``epsilon, 2 epsilon, ..., 1`` (linear interpolation),
    keeping it at about ``1 / epsilon`` columns; unchanged while it is smaller than that."""
    if summary.shape[1] * epsilon < 1:
        return summary
    targets = epsilon + np.arange(0.0, 1.0, epsilon)
    cum = summary[1].cumsum()
    frac = cum / cum[-1]
    values = np.interp(targets, frac, summary[0])
    cum_new = np.interp(targets, frac, cum)
    weights = np.diff(cum_new, prepend=0.0)
    return np.stack((values, weights)).astype("float32")


class Discretization(Layer):
    """Bucket numbers by ``bin_boundaries`` (``x < b[0]`` → 0, ``b[i-1] <= x < b[i]`` → i, ``x >= b[-1]`` → len):
    int32 indices, or ``one_hot``/``multi_hot``/``count`` vectors (float32). ``adapt`` learns ``num_bins - 1``
    boundaries as approximate quantiles (Keras's summary with tolerance ``epsilon``).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.Discretization(num_bins=4)
    >>> layer.adapt(np.arange(12.0).reshape(-1, 1))
    >>> layer.bin_boundaries
    [2.0, 5.0, 8.0]
    """

    def __init__(self, bin_boundaries: Any = None, num_bins: int | None = None, epsilon: float = 0.01,
                 output_mode: str = "int", sparse: bool = False, dtype: Any = None, name: str | None = None) -> None:
        super().__init__(name=name, dtype=dtype)
        if sparse and output_mode == "int":
            raise ValueError(f"`sparse=True` may only be used if `output_mode` is `'one_hot'`, `'multi_hot'`, or "
                             f"`'count'`. Received: sparse={sparse} and output_mode={output_mode}")
        check_mode("Discretization", output_mode, ("int", "one_hot", "multi_hot", "count"))
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"`num_bins` must be greater than or equal to 0. Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"Both `num_bins` and `bin_boundaries` should not be set. Received: "
                             f"`num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins, self.epsilon, self.output_mode, self.sparse = num_bins, epsilon, output_mode, sparse
        self.summary = None if self.bin_boundaries else np.array([[], []], dtype="float32")
        self.built = True

    @property
    def output_dtype(self) -> str:
        return self.compute_dtype if self.output_mode != "int" else "int32"

    def _convert_input(self, x: Any) -> Any:
        return x

    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Learn ``num_bins - 1`` quantile boundaries from an array or an iterable of batches (a Dataset)."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized with `bin_boundaries`, "
                             "use `num_bins` instead.")
        run_adapt(self, data, steps, lambda whole: whole)

    def update_state(self, data: Any) -> None:
        values = np.array(data.numpy() if hasattr(data, "numpy") else data).astype("float32")
        merged = np.concatenate((_summarize(values, self.epsilon), self.summary), axis=1)
        merged = np.take(merged, np.argsort(merged[0]), axis=1)
        self.summary = _compress(merged, self.epsilon)

    def finalize_state(self) -> None:
        if self.num_bins is None:
            return
        self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def reset_state(self) -> None:
        if self.num_bins is not None:
            self.summary = np.array([[], []], dtype="float32")

    def call(self, inputs: Any) -> Any:
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at construction time or call "
                             "`adapt(dataset)` before you can start using the `Discretization` layer.")
        x = to_tensorish(inputs)
        bounds = [float(b) for b in self.bin_boundaries]

        def bucket(v: Any) -> Any:
            if v.dtype in (tg.float16, tg.bfloat16):
                v = tg.cast(v, "float32")
            elif v.dtype in (tg.bool, tg.int8, tg.int16, tg.uint8, tg.uint16):
                v = tg.cast(v, "int32")
            return tg.raw_ops.Bucketize(input=v, boundaries=bounds)

        indices = map_values(x, bucket)
        return encode_categorical(indices, self.output_mode, len(bounds) + 1, self.output_dtype, sparse=self.sparse)

    def compute_output_shape(self, input_shape: Any) -> Any:
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        return categorical_shape(tuple(input_shape), self.output_mode, depth)

    def _output_dtype(self, args: tuple[Any, ...]) -> str:
        return self.output_dtype

    def get_config(self) -> dict[str, Any]:
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": self.sparse, "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Discretization:
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            bounds = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = bounds
            return layer
        return cls(**config)
