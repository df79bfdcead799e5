"""Vocabulary lookup layers: ``StringLookup`` and ``IntegerLookup`` (Keras 3's ``IndexLookup`` rules), and the
categorical encoder that every categorical preprocessing layer shares.

A lookup layer maps each token to its index in a vocabulary laid out as ``[mask_token] + [oov_token] *
num_oov_indices + tokens`` (the mask slot exists only in ``output_mode="int"``). The vocabulary is given
(``vocabulary=`` or :meth:`~IndexLookup.set_vocabulary`) or learned by :meth:`~IndexLookup.adapt`: tokens sorted by
count, high to low, ties broken by the token itself, high to low (Keras's order), capped at ``max_tokens``.
Out-of-vocabulary tokens go to the OOV index, or with ``num_oov_indices > 1`` to one of several: FarmHash
``Fingerprint64`` buckets for strings (TF's ``to_hash_bucket_fast``, or SipHash with ``salt``), ``floormod`` for
integers. ``invert=True`` maps indices back to tokens.

The lookup runs on the host (NumPy dictionaries); inside ``tapegrad.function`` (and so in compiled ``fit`` or a
``Dataset.map``) it becomes a host call of the program, run on every call's values.

>>> import tapegrad as tf
>>> from tapegrad import keras
>>> layer = keras.layers.StringLookup()
>>> layer.adapt([["a", "b", "c", "a"], ["d", "a", "b", "z"]])
>>> layer.get_vocabulary()
['[UNK]', 'a', 'b', 'z', 'd', 'c']
>>> layer(tf.constant([["a", "q"], ["b", "c"]])).numpy().tolist()
[[1, 0], [2, 5]]
>>> keras.layers.IntegerLookup(vocabulary=[12, 36, 1138], output_mode="multi_hot")([[12, 7, 36]]).numpy().tolist()
[[1, 1, 1, 0]]
"""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

import tapegrad as tg

from ...compiler.host import in_programs
from ...errors import InvalidArgumentError
from .. import backend
from ._base import Layer

__all__ = ["StringLookup", "IntegerLookup", "encode_categorical"]

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def check_mode(layer: str, mode: str, allowed: tuple[str, ...]) -> str:
    """Keras's ``output_mode`` validation (ValueError naming the allowed values)."""
    if mode not in allowed:
        raise ValueError(f"Unknown value for `output_mode` argument of {layer}. Allowed values are: {allowed}. "
                         f"Received: output_mode={mode!r}")
    return mode


def _is_ragged(x: Any) -> bool:
    return isinstance(x, tg.RaggedTensor)


def _is_sparse(x: Any) -> bool:
    return isinstance(x, tg.SparseTensor)


def to_tensorish(x: Any, dtype: Any = None) -> Any:
    """A Tensor, RaggedTensor or SparseTensor of ``x`` (lists and arrays converted; ``dtype`` for ints)."""
    if isinstance(x, (tg.Tensor, tg.RaggedTensor, tg.SparseTensor)) or hasattr(x, "_value"):
        return x
    arr = np.asarray(x)
    if arr.dtype.kind in "USO":
        return tg.constant(arr.astype(object) if arr.dtype.kind == "O" else arr)
    return tg.constant(arr, dtype=dtype) if dtype is not None and arr.dtype.kind in "iub" else tg.constant(arr)


def run_adapt(layer: Any, data: Any, steps: int | None, whole: Any) -> None:
    """Keras's ``adapt``: ``reset_state``; ``update_state`` with ``whole(data)`` when ``data`` is one array, list or
    tensor (``whole`` prepares it; it is not called for an iterable of batches such as a ``tf.data.Dataset``), else
    with each of at most ``steps`` batches; then ``finalize_state``."""
    layer.reset_state()
    if isinstance(data, (list, tuple, np.ndarray)) or hasattr(data, "_value") or _is_ragged(data) or _is_sparse(data):
        layer.update_state(whole(data))
    else:
        for i, batch in enumerate(data):
            if steps is not None and i >= steps:
                break
            layer.update_state(batch)
    layer.finalize_state()


def map_values(x: Any, fn: Any) -> Any:
    """``fn`` on a dense tensor, on a RaggedTensor's flat values or on a SparseTensor's values."""
    if _is_ragged(x):
        return x.with_flat_values(fn(x.flat_values))
    if _is_sparse(x):
        return tg.SparseTensor(x.indices, fn(x.values), x.dense_shape)
    return fn(x)


def encode_categorical(indices: Any, output_mode: str, depth: int, dtype: Any, count_weights: Any = None,
                       idf_weights: Any = None, sparse: bool = False) -> Any:
    """Keras's ``encode_categorical_inputs`` on integer ``indices`` (built from tapegrad ops, static depth).

    ``one_hot``: a trailing axis of 1 is replaced by ``depth`` (else one is added); ``multi_hot``/``count``: one
    ``depth`` vector per sample (rank-1 input: one sample; rank >= 2: reduced over axis 1, as Keras). Indices
    outside ``[0, depth)`` encode to nothing (TF's bincount drops the large ones). ``tf_idf`` is ``count`` times
    ``idf_weights``. RaggedTensor indices are padded with -1 (which encodes to nothing) first.
    """
    if output_mode == "int":
        return tg.cast(indices, dtype)
    if _is_ragged(indices):
        indices = indices.to_tensor(default_value=-1)
    elif _is_sparse(indices):
        indices = tg.sparse.to_dense(indices, default_value=-1)
    x = tg.convert_to_tensor(indices)
    if not x.dtype.is_integer:
        x = tg.cast(x, "int64")
    if x.ndim == 0:
        x = tg.expand_dims(x, -1)
    if output_mode == "one_hot":
        if x.ndim > 1 and x.shape[-1] == 1:
            x = tg.squeeze(x, -1)
        out = tg.one_hot(x, depth, dtype=dtype)
    else:
        axis = 1 if x.ndim > 1 else 0
        if output_mode == "multi_hot":
            out = tg.reduce_max(tg.one_hot(x, depth, dtype=dtype), axis=axis)
        elif count_weights is not None:
            w = tg.convert_to_tensor(count_weights)
            out = tg.reduce_sum(tg.one_hot(x, depth, dtype=w.dtype) * tg.expand_dims(w, -1), axis=axis)
        else:
            out = tg.reduce_sum(tg.one_hot(x, depth, dtype="float32" if output_mode == "tf_idf" else dtype),
                                axis=axis)
        if output_mode == "tf_idf":
            out = tg.cast(out, idf_weights.dtype) * idf_weights
    return tg.sparse.from_dense(out) if sparse else out


def _as_array(x: Any) -> np.ndarray:
    """The host array of a tensor, a list or an array (strings as object arrays of bytes)."""
    if hasattr(x, "_value"):
        x = x._value
    elif isinstance(x, tg.RaggedTensor):
        x = x.flat_values._value
    arr = np.asarray(x)
    if arr.dtype.kind == "U":
        arr = np.vectorize(lambda s: s.encode("utf-8"), otypes=[object])(arr) if arr.size else arr.astype(object)
    return arr


class IndexLookup(Layer):
    """What ``StringLookup`` and ``IntegerLookup`` share (Keras's ``IndexLookup``)."""

    _string = True
    _default_oov: Any = "[UNK]"

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1, mask_token: Any = None,
                 oov_token: Any = None, vocabulary: Any = None, idf_weights: Any = None, invert: bool = False,
                 output_mode: str = "int", sparse: bool = False, pad_to_max_tokens: bool = False,
                 vocabulary_dtype: Any = None, oov_method: str = "floormod", salt: Any = None,
                 encoding: str = "utf-8", name: str | None = None, **kwargs: Any) -> None:
        cls = type(self).__name__
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` must be greater than 1. Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"If pad_to_max_tokens is True, must set `max_tokens`. Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"`num_oov_indices` must be greater than or equal to 0. Received: "
                             f"num_oov_indices={num_oov_indices}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"Unknown value for `oov_method` argument of {cls}. Allowed values are: ('floormod', "
                             f"'farmhash'). Received: oov_method={oov_method!r}")
        if salt is not None:
            if not self._string and oov_method != "farmhash":
                raise ValueError(f"`salt` can only be used when `oov_method='farmhash'`. Received: "
                                 f"oov_method={oov_method}")
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise ValueError(f"The `salt` argument for `{cls}` can only be a tuple of 2 integers, or a single "
                                 f"integer. Received: salt={salt}.")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        check_mode(cls, output_mode, _MODES)
        if invert and output_mode != "int":
            raise ValueError(f"`output_mode` must be `'int'` when `invert` is true. Received: output_mode="
                             f"{output_mode}")
        if sparse and output_mode == "int":
            raise ValueError(f"`sparse` may only be true if `output_mode` is `'one_hot'`, `'multi_hot'`, `'count'` "
                             f"or `'tf_idf'`. Received: sparse={sparse} and output_mode={output_mode}")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"`idf_weights` should only be set if `output_mode` is `'tf_idf'`. Received: "
                             f"idf_weights={idf_weights} and output_mode={output_mode}")
        frozen = kwargs.pop("vocabulary_size", None)
        has_vocab = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        super().__init__(name=name, **kwargs)
        self.invert, self.max_tokens, self.num_oov_indices = invert, max_tokens, num_oov_indices
        self.mask_token, self.oov_token, self.output_mode = mask_token, oov_token, output_mode
        self.sparse, self.pad_to_max_tokens, self.oov_method, self.salt = sparse, pad_to_max_tokens, oov_method, salt
        self.encoding = encoding
        self.vocabulary_dtype = "string" if self._string else tg.as_dtype(vocabulary_dtype or "int64").name
        self._frozen_vocab_size = frozen
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = has_vocab
        self._tokens: list[Any] = []  # learned/given tokens (keys: bytes for strings, ints otherwise)
        self._index: dict[Any, int] = {}
        self.idf_weights: Any = None
        if output_mode == "tf_idf" and has_vocab and idf_weights is None:
            raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output mode, the `idf_weights` "
                             "argument must also be provided.")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.reset_state()
        self.built = True

    # -- vocabulary ---------------------------------------------------------------------------------------------
    def _oov_start_index(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self) -> int:
        return self._oov_start_index() + self.num_oov_indices

    def _key(self, token: Any) -> Any:
        if self._string:
            return token.encode(self.encoding) if isinstance(token, str) else bytes(token)
        return int(token)

    def _public(self, key: Any) -> Any:
        return key.decode(self.encoding) if isinstance(key, bytes) else key

    def vocabulary_size(self) -> int:
        """The vocabulary size, mask and OOV slots included."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[Any]:
        """The vocabulary in index order (with the mask and OOV tokens unless ``include_special_tokens=False``)."""
        vocab = [self._public(self._key(self.mask_token))] * self._oov_start_index() if self._oov_start_index() \
            else []
        vocab += [self.oov_token] * self.num_oov_indices + [self._public(t) for t in self._tokens]
        return vocab if include_special_tokens else vocab[self._token_start_index():]

    def _read_vocabulary(self, vocabulary: Any) -> list[Any]:
        if isinstance(vocabulary, str):
            if self.output_mode == "tf_idf":
                raise ValueError("output_mode `'tf_idf'` does not support loading a vocabulary from file.")
            try:
                with open(vocabulary, encoding=self.encoding) as f:
                    lines = f.read().splitlines()
            except FileNotFoundError:
                raise ValueError(f"Vocabulary file {vocabulary} does not exist.") from None
            while lines and lines[-1] == "":
                lines.pop()
            return lines if self._string else [int(v) for v in lines]
        arr = _as_array(vocabulary)
        return [self._public(self._key(v)) for v in arr.reshape(-1).tolist()]

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Set the vocabulary (a list, array, 1-D tensor or a text file path, one token a line) and, in
        ``tf_idf`` mode, the IDF weights. The mask and OOV tokens may lead the vocabulary, in that order."""
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError(f"`idf_weights` should only be set if output_mode is `'tf_idf'`. Received: "
                             f"output_mode={self.output_mode} and idf_weights={idf_weights}")
        tokens = self._read_vocabulary(vocabulary)
        if not tokens:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        start = self._token_start_index()
        special = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        found_special = tokens[:start] == special
        if found_special:
            tokens = tokens[start:]
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(f"The passed vocabulary has at least one repeated term. Please uniquify your dataset. "
                             f"The repeated terms are: {repeated}")
        for token, what in ((self.mask_token, "mask"), (self.oov_token if self.invert else None, "OOV")):
            if token is not None and token in tokens:
                raise ValueError(f"Found reserved {what} token {token!r} at unexpected location in `vocabulary` "
                                 f"(index {tokens.index(token) + (start if found_special else 0)}). The vocabulary "
                                 f"need not include the OOV and mask tokens: either remove them, or put them only "
                                 f"at the start, in precisely this order: {special}.")
        size = start + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(f"Attempted to set a vocabulary larger than the maximum vocab size. Received "
                             f"vocabulary size is {size}; `max_tokens` is {self.max_tokens}.")
        self._set_tokens([self._key(t) for t in tokens])
        self._has_input_vocabulary = True
        if self.output_mode == "tf_idf":
            w = np.asarray(idf_weights.numpy() if hasattr(idf_weights, "numpy") else idf_weights)
            if w.ndim != 1:
                raise ValueError(f"TF-IDF data must be a 1-index array. Received: idf_weights of shape {w.shape}")
            if len(w) != (len(tokens) + (start if found_special else 0)):
                raise ValueError(f"`idf_weights` must be the same length as vocabulary. len(idf_weights) is "
                                 f"{len(w)}; len(vocabulary) is {len(tokens) + (start if found_special else 0)}")
            front = 0 if found_special else start
            back = self.max_tokens - front - len(w) if self.pad_to_max_tokens and self.max_tokens else 0
            w = np.pad(w.astype(np.float64), (front, back), constant_values=(np.average(w), 0))
            self.idf_weights = tg.constant(w.astype(backend.floatx()))

    def _set_tokens(self, keys: list[Any]) -> None:
        if (self.output_mode != "int" and not self.pad_to_max_tokens and self._frozen_vocab_size is not None
                and getattr(self, "_called", False)
                and len(keys) + self._token_start_index() != self._frozen_vocab_size):
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, the "
                               f"vocabulary size cannot be changed after the layer is called. Old vocab size is "
                               f"{self._frozen_vocab_size}, new vocab size is {len(keys) + self._token_start_index()}")
        self._tokens = list(keys)
        start = self._token_start_index()
        self._index = {k: i + start for i, k in enumerate(self._tokens)}
        self._frozen_vocab_size = self.vocabulary_size()

    # -- adapt ------------------------------------------------------------------------------------------------
    def reset_state(self) -> None:
        """Forget the counts gathered by :meth:`update_state`."""
        self._counts: collections.Counter[Any] = collections.Counter()
        self._doc_counts: collections.Counter[Any] = collections.Counter()
        self._num_documents = 0

    def _documents(self, data: Any) -> list[list[Any]]:
        """The rows (documents) of a batch: a RaggedTensor's rows, a dense batch's rows (rank 0/1: one row)."""
        if _is_ragged(data):
            if data.ragged_rank > 1:  # documents are the outer rows
                return [_as_array(data[i].flat_values).reshape(-1).tolist() for i in range(int(data.nrows()))]
            flat = _as_array(data.flat_values).reshape(-1).tolist()
            splits = np.asarray(data.row_splits._value)
            return [flat[splits[i]:splits[i + 1]] for i in range(len(splits) - 1)]
        if _is_sparse(data):
            idx = np.asarray(data.indices._value)
            vals = _as_array(data.values).tolist()
            rows: dict[int, list[Any]] = collections.defaultdict(list)
            for (r, *_), v in zip(idx, vals):
                rows[int(r)].append(v)
            return [rows[r] for r in sorted(rows)]
        arr = _as_array(data)
        if arr.ndim <= 1:
            arr = arr.reshape(1, -1)
        return [arr[i].reshape(-1).tolist() for i in range(arr.shape[0])]

    def update_state(self, data: Any) -> None:
        """Count the tokens of one batch (rows are documents, for ``tf_idf``)."""
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static vocabulary via "
                             "`vocabulary` argument or `set_vocabulary()` method.")
        for doc in self._documents(data):
            keys = [self._key(t) for t in doc]
            self._counts.update(keys)
            if self.output_mode == "tf_idf":
                self._doc_counts.update(set(keys))
        if self.output_mode == "tf_idf":
            self._num_documents += len(self._documents(data))

    def finalize_state(self) -> None:
        """Build the vocabulary from the counts: by count, then token, both high to low; at most ``max_tokens``."""
        if self._has_input_vocabulary or not self._counts:
            return
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                self._counts.pop(self._key(special), None)
        ranked = sorted(self._counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
        if self.max_tokens:
            ranked = ranked[:self.max_tokens - self._token_start_index()]
        tokens = [k for k, _ in ranked]
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            docs = np.asarray([self._doc_counts[k] for k in tokens], dtype=np.float64)
            idf = np.log(1 + self._num_documents / (1 + docs)).astype(backend.floatx())
            idf = np.pad(idf, (self._token_start_index(), 0), constant_values=idf.mean(dtype=idf.dtype))
            if self.pad_to_max_tokens and self.max_tokens is not None:
                idf = np.pad(idf, (0, self.max_tokens - idf.size))
            self.idf_weights = tg.constant(idf)
        self.reset_state()

    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Learn the vocabulary from ``data``: an array, list or tensor (a rank-1 one is a column: one token per
        document), or an iterable of batches (a ``tf.data.Dataset``; ``steps`` batches at most)."""
        run_adapt(self, data, steps, self._adapt_whole)

    def _adapt_whole(self, data: Any) -> Any:
        t = to_tensorish(data, self.vocabulary_dtype if not self._string else None)
        return tg.expand_dims(t, -1) if not (_is_ragged(t) or _is_sparse(t)) and t.ndim == 1 else t

    # -- call -------------------------------------------------------------------------------------------------
    def _hash_oov(self, keys: np.ndarray) -> np.ndarray:
        n = self.num_oov_indices
        if not self._string and self.oov_method != "farmhash":
            return np.mod(keys.astype(np.int64), n)
        values = keys if self._string else np.asarray([str(int(k)).encode() for k in keys.reshape(-1)],
                                                      dtype=object).reshape(keys.shape)
        t = tg.constant(values.astype(object)) if values.size else tg.constant(np.zeros(keys.shape, object))
        if self.salt is not None:
            return np.asarray(tg.strings.to_hash_bucket_strong(t, n, key=self.salt)._value)
        return np.asarray(tg.strings.to_hash_bucket_fast(t, n)._value)

    def _lookup_array(self, arr: np.ndarray) -> np.ndarray:
        """Indices (or, inverted, tokens) of a host array of keys."""
        flat = arr.reshape(-1)
        if self.invert:
            table = {i: k for k, i in self._index.items()}
            default = self._key(self.oov_token) if self._string else int(self.oov_token)
            out = [table.get(int(i), default) for i in flat.tolist()]
            if self.mask_token is not None:
                mask = self._key(self.mask_token)
                out = [mask if int(i) == 0 else o for i, o in zip(flat.tolist(), out)]
            dt = object if self._string else self.vocabulary_dtype
            return np.asarray(out, dtype=dt).reshape(arr.shape)
        default = -1 if self.num_oov_indices != 1 else self._oov_start_index()
        keys = [k if self._string else int(k) for k in flat.tolist()]
        out = np.fromiter((self._index.get(k, default) for k in keys), dtype=np.int64, count=len(keys))
        if self.mask_token is not None:
            mask_key = self._key(self.mask_token)
            is_mask = np.fromiter((k == mask_key for k in keys), dtype=bool, count=len(keys))
            out[is_mask] = 0 if self.output_mode == "int" else np.iinfo(np.int64).max
        else:
            is_mask = np.zeros(len(keys), bool)
        oov = (out == -1) & ~is_mask if self.num_oov_indices != 1 else None
        if self.num_oov_indices == 0 and oov.any():
            bad = [self._public(k) for k, o in zip(keys, oov) if o][:10]
            raise InvalidArgumentError(f"{type(self).__name__} '{self.name}': when `num_oov_indices=0` all inputs "
                                       f"should be in vocabulary, found OOV values {bad}; consider setting "
                                       "`num_oov_indices=1`.")
        if self.num_oov_indices > 1 and oov.any():
            hashed = self._hash_oov(flat[oov] if self._string else flat[oov].astype(np.int64))
            out[oov] = hashed + self._oov_start_index()
        return out.reshape(arr.shape)

    @in_programs
    def _lookup(self, x: Any) -> Any:
        return map_values(x, lambda v: tg.constant(self._lookup_array(_as_array(v))))

    def _check_vocab_known(self) -> None:
        if self.output_mode != "int" and not self.pad_to_max_tokens and self._frozen_vocab_size is None:
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, you "
                               "must set the layer's vocabulary before calling it. Either pass a `vocabulary` "
                               "argument to the layer, or call `adapt` with some sample data.")

    def call(self, inputs: Any) -> Any:
        self._check_vocab_known()
        self._called = True
        x = to_tensorish(inputs, None if self._string or self.invert else self.vocabulary_dtype)
        key_string = self._string and not self.invert
        dt = getattr(x, "dtype", None)
        if dt is not None and key_string != (dt == tg.string):
            want = "strings" if key_string else "integers"
            raise TypeError(f"{type(self).__name__} '{self.name}' looks up {want}, got a tensor of dtype "
                            f"{dt.name}.")
        lookups = self._lookup(x)
        if self.output_mode == "int":
            return lookups
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        return encode_categorical(lookups, self.output_mode, depth, "int64", idf_weights=self.idf_weights,
                                  sparse=self.sparse)

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        return categorical_shape(tuple(input_shape), self.output_mode, depth)

    def _output_dtype(self, args: tuple[Any, ...]) -> str:
        if self.invert:
            return self.vocabulary_dtype
        return "int64" if self.output_mode == "int" else backend.floatx()  # Keras's symbolic spec

    def get_config(self) -> dict[str, Any]:
        vocab = self.input_vocabulary
        vocab = vocab.numpy().tolist() if hasattr(vocab, "numpy") else np.asarray(vocab).tolist() \
            if isinstance(vocab, np.ndarray) else vocab
        idf = self.input_idf_weights
        idf = np.asarray(idf).tolist() if idf is not None and not isinstance(idf, list) else idf
        return {**super().get_config(), "invert": self.invert, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token, "mask_token": self.mask_token,
                "output_mode": self.output_mode, "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
                "vocabulary_dtype": self.vocabulary_dtype, "idf_weights": idf, "vocabulary": vocab,
                "vocabulary_size": self._frozen_vocab_size, "oov_method": self.oov_method, "salt": self.salt}


def categorical_shape(input_shape: tuple[Any, ...], mode: str, depth: Any) -> tuple[Any, ...]:
    """The output shape of :func:`encode_categorical` for an input shape."""
    if mode == "int":
        return input_shape
    if mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    if len(input_shape) >= 2:
        return (input_shape[0],) + tuple(input_shape[2:]) + (depth,)
    return (depth,)


class StringLookup(IndexLookup):
    """Map strings to integer indices from a vocabulary (Keras 3's ``StringLookup``); see the module docstring.

    ``output_mode``: ``"int"`` (indices, int64), ``"one_hot"``, ``"multi_hot"``, ``"count"`` (int64 of width
    ``vocabulary_size()``, or ``max_tokens`` with ``pad_to_max_tokens``) or ``"tf_idf"`` (float32 counts times the
    IDF weights learned by ``adapt`` or given). ``invert=True`` maps indices to strings.

    >>> from tapegrad import keras
    >>> layer = keras.layers.StringLookup(vocabulary=["a", "b", "c"], num_oov_indices=2, mask_token="")
    >>> layer([["a", "c", "", "zebra"]]).numpy().tolist()
    [[3, 5, 0, 1]]
    >>> keras.layers.StringLookup(vocabulary=["a", "b"], invert=True)([[1, 2, 7]]).numpy().tolist()
    [[b'a', b'b', b'[UNK]']]
    """

    _string = True

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1, mask_token: str | None = None,
                 oov_token: str = "[UNK]", vocabulary: Any = None, idf_weights: Any = None, invert: bool = False,
                 output_mode: str = "int", pad_to_max_tokens: bool = False, sparse: bool = False,
                 encoding: str = "utf-8", name: str | None = None, **kwargs: Any) -> None:
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
                         encoding=encoding, name=name, **kwargs)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("vocabulary_dtype")
        config["encoding"] = self.encoding
        return config


class IntegerLookup(IndexLookup):
    """Map integers to contiguous indices from a vocabulary (Keras 3's ``IntegerLookup``); see the module
    docstring. ``oov_token`` defaults to -1; ``mask_token`` (e.g. 0) maps to index 0 in ``"int"`` mode.
    With ``num_oov_indices > 1`` an OOV value ``v`` goes to ``floormod(v, num_oov_indices)`` (or its FarmHash
    with ``oov_method="farmhash"``).

    >>> from tapegrad import keras
    >>> layer = keras.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], num_oov_indices=2)
    >>> layer([[12, 1138, 13, 14, -3]]).numpy().tolist()
    [[2, 4, 1, 0, 1]]
    """

    _string = False

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1, mask_token: int | None = None,
                 oov_token: int = -1, vocabulary: Any = None, vocabulary_dtype: Any = "int64",
                 idf_weights: Any = None, invert: bool = False, output_mode: str = "int", sparse: bool = False,
                 pad_to_max_tokens: bool = False, name: str | None = None, **kwargs: Any) -> None:
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If `max_tokens` is set for `IntegerLookup`, it must be greater than 1. Received: "
                             f"max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"The value of `num_oov_indices` argument for `IntegerLookup` must >= 0. Received: "
                             f"num_oov_indices={num_oov_indices}")
        if tg.as_dtype(vocabulary_dtype).name != "int64":
            raise ValueError(f"IntegerLookup supports only `vocabulary_dtype='int64'` (as Keras 3). Received: "
                             f"vocabulary_dtype={vocabulary_dtype}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
                         vocabulary_dtype=vocabulary_dtype, name=name, **kwargs)
