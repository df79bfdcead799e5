"""The rest of ``tf.random``: ``stateless_categorical``, ``experimental.stateless_shuffle``,
``experimental.index_shuffle``, ``create_rng_state``, ``fold_in`` and ``split`` — TensorFlow's values.

* ``stateless_categorical`` is TF's ``Multinomial`` kernel (:func:`tapegrad.ops._philox.multinomial`: per-row CDF,
  two Philox words per sample, rows sharded as TF shards them) on the stateless op's key and counter;
* ``stateless_shuffle`` is ``RandomShuffle``'s Fisher-Yates (one 32-bit word per step) on that stream;
* ``index_shuffle`` is TF's ``RandomIndexShuffle``: a Simon-cipher Feistel network (4 rounds, a 3-word key: the
  seed after the constant 498247692) on the smallest even bit width >= 16 that holds ``max_index``, cycle-walking
  until the value falls in ``[0, max_index]``, so each ``(seed, max_index)`` gives a bijection of that range.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._backend import NUMPY
from .._dispatch import applyn
from .._registry import NO_GRADIENT, defop, spec
from .._tensor import Tensor, make, static_value
from ..errors import InvalidArgumentError, NotFoundError
from . import _philox
from ._common import intra_op_threads
from .core import convert_to_tensor
from .random_distributions import _seed_tensor, _stateless_stream
from .random_generator import _STATE_SIZE, _state_from_seed, stateless_fold_in, stateless_split
from .random_ops import categorical_args

# -- stateless_categorical ------------------------------------------------------------------------------------------


def _smultinomial_fwd(F: Any, seed: Any, logits: Any, *, num_samples: int, dtype: np.dtype) -> Any:
    lg = np.asarray(logits)
    if lg.shape[0] * num_samples == 0:
        return F.asarray(np.zeros((lg.shape[0], num_samples), dtype=dtype))
    counter, key = _stateless_stream(seed)
    return F.asarray(_philox.multinomial(counter, key, lg, num_samples, intra_op_threads()).astype(dtype))


STATELESS_MULTINOMIAL = defop(
    "stateless_multinomial", _smultinomial_fwd, None, tf_name="StatelessMultinomial",
    test=spec(lambda tf, lg: tf.random.stateless_categorical(lg, 7, seed=[1, 2]),
              lambda rng: (rng.normal(size=(3, 4)),),
              grad=(), order2=False))


def stateless_categorical(logits: Any, num_samples: Any, seed: Any, dtype: Any = None,
                          name: str | None = None) -> Tensor:
    """``num_samples`` class indices per row of ``logits`` (``[batch, num_classes]``) that depend only on
    ``seed``: TensorFlow's values. Non-finite logits get probability 0. Not differentiable (``None``).

    >>> import tapegrad as tf
    >>> tf.random.stateless_categorical(tf.math.log([[0.1, 0.2, 0.7]]), 6, seed=[1, 2]).numpy()
    array([[2, 2, 1, 2, 2, 2]])
    """
    op = "random.stateless_categorical"
    lg, n, out_dt = categorical_args(logits, num_samples, dtype, op, error=NotFoundError)
    s = _seed_tensor(seed, op)
    return applyn(STATELESS_MULTINOMIAL, (s, lg), {"num_samples": n, "dtype": out_dt._np})


# -- stateless_shuffle ----------------------------------------------------------------------------------------------


def _sshuffle_fwd(F: Any, seed: Any, x: Any) -> Any:
    if x.ndim == 0 or x.shape[0] < 2:
        return F.array(x, copy=True)
    counter, key = _stateless_stream(seed)
    return F.take(x, F.asarray(_philox.shuffle_permutation(counter, key, x.shape[0])), axis=0)


STATELESS_SHUFFLE = defop(
    "stateless_shuffle", _sshuffle_fwd, NO_GRADIENT, tf_name="StatelessShuffle",
    test=spec(lambda tf, x: tf.random.experimental.stateless_shuffle(x, seed=[3, 4]),
              lambda rng: (rng.normal(size=(6, 2)),), grad=(), order2=False))


def stateless_shuffle(value: Any, seed: Any, alg: Any = "auto_select", name: str | None = None) -> Tensor:
    """``value`` with its first axis permuted as a function of ``seed`` only: TensorFlow's order. TF registers
    no gradient (``LookupError``).

    >>> import tapegrad as tf
    >>> tf.random.experimental.stateless_shuffle(tf.range(10), seed=[1, 2]).numpy()
    array([0, 3, 8, 1, 5, 4, 9, 7, 6, 2], dtype=int32)
    """
    from .random_generator import _alg

    _alg(alg)
    op = "random.experimental.stateless_shuffle"
    s = _seed_tensor(seed, op)
    return applyn(STATELESS_SHUFFLE, (s, convert_to_tensor(value)), {})


# -- index_shuffle --------------------------------------------------------------------------------------------------

_SEED_PAD = 498247692  # TF prepends this to the two-word seed: the Simon key's first word
_SIMON_C = 0xFFFFFFFC
_SIMON_Z = 0x7369F885192C0EF5


def _simon_shuffle(index: np.ndarray, key: np.ndarray, max_index: np.ndarray, rounds: int = 4) -> np.ndarray:
    """TF's ``index_shuffle`` for uint64 ``index``/``max_index`` vectors and ``[n, 3]`` uint32 keys."""
    out = np.zeros(index.size, dtype=np.uint64)
    with np.errstate(divide="ignore"):
        bits = np.ceil(np.log2(max_index.astype(np.float64))).astype(np.int64)  # std::ceil(std::log2(max_index))
    bits = np.maximum(bits + bits % 2, 16)
    bits[bits > 62] = 64
    for block in np.unique(bits[max_index != 0]).tolist():
        rows = np.flatnonzero((bits == block) & (max_index != 0))
        w = block // 2
        mask = np.uint64((1 << w) - 1)

        def rotl(x: np.ndarray, r: int, w: int = w, mask: np.uint64 = mask) -> np.ndarray:
            return ((x << np.uint64(r)) | (x >> np.uint64(w - r))) & mask

        def rotr(x: np.ndarray, r: int, w: int = w, mask: np.uint64 = mask) -> np.ndarray:
            return ((x >> np.uint64(r)) | (x << np.uint64(w - r))) & mask

        k = key[rows].astype(np.uint64) & mask
        rk = [k[:, 0], k[:, 1], k[:, 2]]
        z = _SIMON_Z & int(mask)
        c = np.uint64(_SIMON_C & int(mask))
        for i in range(3, rounds):
            rk.append(c ^ np.uint64(z & 1) ^ rk[i - 3] ^ rotr(rk[i - 1], 3) ^ rotr(rk[i - 1], 4))
            z >>= 1
        def encrypt(v: np.ndarray, keys: list[np.ndarray], w: int = w, mask: np.uint64 = mask) -> np.ndarray:
            left, right = (v >> np.uint64(w)) & mask, v & mask
            for i in range(0, rounds, 2):
                left ^= (rotl(right, 1) & rotl(right, 8)) ^ rotl(right, 2)
                left ^= keys[i]
                right ^= (rotl(left, 1) & rotl(left, 8)) ^ rotl(left, 2)
                right ^= keys[i + 1]
            return (left << np.uint64(w)) | right

        val = index[rows].copy()
        top = max_index[rows]
        table = None
        # one key and a long expected walk (the block much bigger than the range): encrypt the whole block once
        if block <= 20 and (1 << block) >= 16 * (int(top.max()) + 1) and (key[rows] == key[rows[0]]).all():
            table = encrypt(np.arange(1 << block, dtype=np.uint64), [k[:1] for k in rk])
        todo = np.arange(rows.size)
        while todo.size:  # cycle walking: encrypt again until the value is in [0, max_index]
            if table is not None:
                val[todo] = table[(val[todo] & np.uint64((1 << block) - 1)).astype(np.int64)]
            else:
                val[todo] = encrypt(val[todo], [k[todo] for k in rk])
            todo = todo[val[todo] > top[todo]]
        out[rows] = val
    return out


def _index_shuffle_fwd(F: Any, index: Any, seed: Any, max_index: Any) -> Any:
    idx, sd, top = np.asarray(index), np.asarray(seed), np.asarray(max_index)
    n = max(idx.size, sd.size // 3, top.size)
    flat = [np.broadcast_to(a.reshape(-1), (n,)) if a.size == 1 else a.reshape(-1) for a in (idx, top)]
    keys = np.broadcast_to(sd.reshape(-1, 3), (n, 3)) if sd.ndim == 1 else sd
    res = _simon_shuffle(flat[0].astype(np.uint64), keys.astype(np.int64).astype(np.uint32),
                         flat[1].astype(np.uint64))
    shape = () if idx.ndim == 0 and sd.ndim == 1 and top.ndim == 0 else (n,)
    return F.asarray(res.astype(idx.dtype).reshape(shape))


INDEX_SHUFFLE = defop(
    "random_index_shuffle", _index_shuffle_fwd, None, tf_name="RandomIndexShuffle",
    test=spec(lambda tf: tf.random.experimental.index_shuffle(tf.range(20), seed=[5, 6], max_index=19), lambda rng: (),
              grad=(), order2=False))

_INDEX_DTYPES = ("int32", "uint32", "int64", "uint64")


def index_shuffle(index: Any, seed: Any, max_index: Any) -> Tensor:
    """The position of ``index`` in a random permutation of ``[0, max_index]`` given by ``seed``: TensorFlow's
    values (a bijection of the range for each ``seed`` and ``max_index``). ``index`` may be a vector.

    >>> import tapegrad as tf
    >>> tf.random.experimental.index_shuffle(tf.range(10), seed=[1, 2], max_index=9).numpy()
    array([5, 0, 1, 4, 3, 6, 9, 8, 7, 2], dtype=int32)
    """
    op = "random.experimental.index_shuffle"
    idx = convert_to_tensor(index)
    if idx.dtype.name not in _INDEX_DTYPES:
        raise InvalidArgumentError(f"{op}: Value for attr 'dtype' of {idx.dtype.name} is not in the list of allowed "
                                   f"values: {', '.join(_INDEX_DTYPES)} (index must be an integer).")
    top = convert_to_tensor(max_index, dtype=idx.dtype)
    sd = convert_to_tensor(seed)
    if sd.dtype.name not in _INDEX_DTYPES:
        raise InvalidArgumentError(f"{op}: seed must be integers ({', '.join(_INDEX_DTYPES)}), got {sd.dtype.name}.")
    s = np.asarray(static_value(sd))
    s = np.concatenate([np.full((1,) + s.shape[1:], _SEED_PAD, dtype=s.dtype), s.reshape(
        (-1,) + s.shape[1:])]) if s.ndim else s  # TF pads the first axis with the constant
    if not (s.ndim == 1 and s.shape[0] == 3) and not (s.ndim == 2 and s.shape[1] == 3):
        raise InvalidArgumentError(f"{op}: Seed must be a vector of size [3] or a matrix of size [n, 3] after TF "
                                   f"prepends a constant to it; give a seed of shape [2], got {list(sd.shape)}.")
    iv, tv = np.asarray(static_value(idx)), np.asarray(static_value(top))
    if idx.ndim > 1 or top.ndim > 1:
        raise InvalidArgumentError(f"{op}: index and max_index must be scalars or vectors, got shapes "
                                   f"{list(idx.shape)} and {list(top.shape)}.")
    sizes = {a for a in (iv.size, s.size // 3 if s.ndim == 2 else 1, tv.size) if a != 1}
    if len(sizes) > 1:
        raise InvalidArgumentError(f"{op}: index {list(idx.shape)}, seed {list(s.shape)} and max_index "
                                   f"{list(top.shape)} must have one length (or be single values).")
    if (iv < 0).any():
        raise InvalidArgumentError(f"{op}: index must be >= 0 but was {int(iv[iv < 0].ravel()[0])}.")
    if (np.broadcast_to(tv, np.broadcast_shapes(tv.shape, iv.shape)) < iv).any():
        raise InvalidArgumentError(f"{op}: max_index must be >= index, but {tv.max()} < {iv.max()}.")
    return applyn(INDEX_SHUFFLE, (idx, make(s, NUMPY), top), {})


# -- create_rng_state, fold_in, split -------------------------------------------------------------------------------


def _state_size(alg: Any) -> int:
    from .random_generator import Algorithm

    a = alg.value if isinstance(alg, Algorithm) else alg
    if isinstance(a, str):
        names = {"philox": 1, "threefry": 2, "auto_select": 3}
        if a.lower() not in names:
            raise ValueError(f"Argument `alg` got unsupported value {a}. Supported values are philox for the Philox "
                             "algorithm, threefry for the ThreeFry algorithm, and auto_select for auto-selection.")
        a = names[a.lower()]
    if a not in (1, 2, 3):
        raise ValueError(f"Argument `alg` got unsupported value {a}; use 1 (Philox), 2 (ThreeFry) or 3 (auto-select).")
    return 2 if a == 2 else _STATE_SIZE


def create_rng_state(seed: Any, alg: Any) -> Tensor:
    """The int64 state a ``Generator`` made from ``seed`` has (TF's ``create_rng_state``): an int is cut into
    64-bit words, low first; a vector is left-padded with zeros. Philox states have 3 words, ThreeFry's 2.

    >>> import tapegrad as tf
    >>> tf.random.create_rng_state(1, "philox").numpy(), tf.random.create_rng_state([5, 6], 1).numpy()
    (array([1, 0, 0]), array([0, 5, 6]))
    """
    return make(_state_from_seed(seed, _state_size(alg), "create_rng_state"), NUMPY)


def fold_in(seed: Any, data: Any, alg: Any = "auto_select") -> Tensor:
    """A new seed pair from ``seed`` and an integer ``data`` (``tf.random.fold_in``; see
    ``tf.random.experimental.stateless_fold_in``).

    >>> import tapegrad as tf
    >>> tf.random.fold_in([1, 2], 7).numpy()
    array([1105988140,          7], dtype=int32)
    """
    return stateless_fold_in(seed, data, alg)


def split(seed: Any, num: int = 2, alg: Any = "auto_select") -> Tensor:
    """``num`` new seed pairs from ``seed`` (``tf.random.split``; see ``tf.random.experimental.stateless_split``).

    >>> import tapegrad as tf
    >>> tf.random.split([1, 2], 2).numpy()
    array([[1105988140, 1738052849],
           [-335576002,  370444179]], dtype=int32)
    """
    return stateless_split(seed, num, alg)


EXPORTS: dict[str, list[str]] = {
    "random": ["stateless_categorical", "create_rng_state", "fold_in", "split"],
    "random.experimental": ["stateless_shuffle", "index_shuffle", "create_rng_state"],
}

