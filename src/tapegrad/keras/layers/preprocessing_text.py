"""``TextVectorization``: strings to token indices or bag-of-words vectors (Keras 3 / TF 2.21 behaviour).

Each string is standardised (``"lower_and_strip_punctuation"`` by default: ``tf.strings.lower`` then Keras's
punctuation regex removed; ``"lower"``, ``"strip_punctuation"``, ``None`` or a callable of a string tensor), split
into tokens (``"whitespace"``, ``"character"`` or a callable; ``None`` keeps whole strings), optionally turned into
n-grams (``ngrams=2`` means unigrams and bigrams joined by a space), then looked up in a vocabulary (an internal
:class:`~tapegrad.keras.layers.StringLookup` with mask token ``""`` and OOV token ``"[UNK]"``).

``output_mode="int"``: int64 indices, padded with 0 to the longest sequence of the batch (or padded/truncated to
``output_sequence_length``; ``ragged=True`` returns a RaggedTensor); ``"multi_hot"``, ``"count"``, ``"one_hot"``,
``"tf_idf"``: one vector per string (int64, or float32 for ``tf_idf``).

>>> from tapegrad import keras
>>> layer = keras.layers.TextVectorization(output_sequence_length=4)
>>> layer.adapt(["The cat sat.", "The dog sat on the cat!"])
>>> layer.get_vocabulary()
['', '[UNK]', 'the', 'sat', 'cat', 'on', 'dog']
>>> layer(["the cat ate", "a dog"]).numpy().tolist()
[[2, 4, 1, 0], [1, 6, 0, 0]]
"""

from __future__ import annotations

from typing import Any

import tapegrad as tg

from .. import backend
from ._base import Layer
from .preprocessing_lookup import StringLookup, categorical_shape, check_mode, run_adapt, to_tensorish

__all__ = ["TextVectorization"]

PUNCTUATION = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'


def _as_column(data: Any) -> Any:
    t = to_tensorish(data)
    return tg.expand_dims(t, -1) if t.shape.rank == 1 else t


class TextVectorization(Layer):
    """Map text to token indices or token-count vectors; see the module docstring.

    ``adapt(data)`` learns the vocabulary (by frequency; ``max_tokens`` caps its size, mask and OOV included) from
    a list/array of strings or a dataset of batches of strings; ``set_vocabulary`` / ``vocabulary=`` give it.
    """

    def __init__(self, max_tokens: int | None = None, standardize: Any = "lower_and_strip_punctuation",
                 split: Any = "whitespace", ngrams: Any = None, output_mode: str = "int",
                 output_sequence_length: int | None = None, pad_to_max_tokens: bool = False, vocabulary: Any = None,
                 idf_weights: Any = None, sparse: bool = False, ragged: bool = False, encoding: str = "utf-8",
                 name: str | None = None, **kwargs: Any) -> None:
        if not (standardize is None or callable(standardize)
                or standardize in ("lower_and_strip_punctuation", "lower", "strip_punctuation")):
            raise ValueError(f"Unknown value for `standardize` argument of TextVectorization. Allowed values are: "
                             f"(None, 'lower_and_strip_punctuation', 'lower', 'strip_punctuation') or a callable. "
                             f"Received: standardize={standardize!r}")
        if not (split is None or callable(split) or split in ("whitespace", "character")):
            raise ValueError(f"Unknown value for `split` argument of TextVectorization. Allowed values are: (None, "
                             f"'whitespace', 'character') or a callable. Received: split={split!r}")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        check_mode("TextVectorization", output_mode, ("int", "one_hot", "multi_hot", "count", "tf_idf"))
        if not (ngrams is None or isinstance(ngrams, int)
                or isinstance(ngrams, tuple) and all(isinstance(n, int) for n in ngrams)):
            raise ValueError(f"`ngrams` must be None, an integer, or a tuple of integers. Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None or isinstance(output_sequence_length, int)):
            raise ValueError(f"`output_sequence_length` must be either None or an integer when `output_mode` is "
                             f"'int'. Received: output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(f"`output_sequence_length` must not be set if `output_mode` is not 'int'. Received "
                             f"output_sequence_length={output_sequence_length}.")
        if ragged and output_mode != "int":
            raise ValueError(f"`ragged` must not be true if `output_mode` is not `'int'`. Received: ragged={ragged} "
                             f"and output_mode={output_mode}")
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        has_vocab = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("dtype", None)
        super().__init__(name=name, **kwargs)
        self._standardize, self._split, self._ngrams_arg = standardize, split, ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._ragged, self._output_mode = ragged, output_mode
        self._output_sequence_length, self._encoding = output_sequence_length, encoding
        self._lookup_layer = StringLookup(max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
                                          pad_to_max_tokens=pad_to_max_tokens, mask_token="",
                                          output_mode=output_mode, sparse=sparse, encoding=encoding,
                                          has_input_vocabulary=has_vocab, vocabulary_size=vocabulary_size)
        self.built = True

    def _convert_input(self, x: Any) -> Any:
        return x

    # -- vocabulary -------------------------------------------------------------------------------------------
    def get_vocabulary(self, include_special_tokens: bool = True) -> list[str]:
        """The vocabulary (index order; ``""`` and ``"[UNK]"`` first unless ``include_special_tokens=False``)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        """The vocabulary size, padding and OOV tokens included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Set the vocabulary (and, for ``tf_idf``, the IDF weights) directly; see ``StringLookup``."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    @property
    def idf_weights(self) -> Any:
        return self._lookup_layer.idf_weights

    def adapt(self, data: Any, batch_size: int | None = None, steps: int | None = None) -> None:
        """Learn the vocabulary (and IDF weights) from strings: a list/array/tensor, or batches (a Dataset)."""
        run_adapt(self, data, steps, _as_column)

    def update_state(self, data: Any) -> None:
        self._lookup_layer.update_state(self._preprocess(data))

    def finalize_state(self) -> None:
        self._lookup_layer.finalize_state()

    def reset_state(self) -> None:
        self._lookup_layer.reset_state()

    # -- call -------------------------------------------------------------------------------------------------
    def _preprocess(self, inputs: Any) -> Any:
        x = to_tensorish(inputs)
        if x.dtype != tg.string:
            raise TypeError(f"TextVectorization '{self.name}' expects strings, got a tensor of dtype {x.dtype.name}.")
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            x = tg.strings.lower(x)
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            x = tg.strings.regex_replace(x, PUNCTUATION, "")
        if callable(self._standardize):
            x = self._standardize(x)
        if self._split is not None:
            if x.shape.rank > 1:
                if x.shape[-1] != 1:
                    raise ValueError(f"When using `TextVectorization` to tokenize strings, the input rank must be 1 "
                                     f"or the last shape dimension must be 1. Received: inputs.shape={x.shape} with "
                                     f"rank={x.shape.rank}")
                x = tg.squeeze(x, -1)
            if self._split == "whitespace":
                x = tg.strings.split(x)
            elif self._split == "character":
                x = tg.strings.unicode_split(x, "UTF-8")
            else:
                x = self._split(x)
        if self._ngrams is not None:
            x = tg.strings.ngrams(x, ngram_width=self._ngrams, separator=" ")
        return x

    def call(self, inputs: Any) -> Any:
        tokens = self._preprocess(inputs)
        out = self._lookup_layer.call(tokens)
        if self._output_mode != "int":
            return out
        length = self._output_sequence_length
        if isinstance(out, tg.RaggedTensor):
            if self._ragged:
                if length is None:
                    return out
                cut = out.to_tensor(default_value=-1, shape=[None] * (out.shape.rank - 1) + [length])
                return tg.RaggedTensor.from_tensor(cut, padding=-1)  # indices are >= 0: only the padding goes
            if length is None:
                return out.to_tensor(default_value=0)
            return out.to_tensor(default_value=0, shape=[None] * (out.shape.rank - 1) + [length])
        if length is not None and not self._ragged:
            out = out[..., :length]
            pad = length - int(out.shape[-1])
            if pad > 0:
                out = tg.pad(out, [[0, 0]] * (out.shape.rank - 1) + [[0, pad]])
        return out

    def compute_output_shape(self, input_shape: Any) -> Any:
        input_shape = tuple(input_shape)
        if self._output_mode == "int":
            return (input_shape[0] if input_shape else None, self._output_sequence_length)
        if self._split is None:
            if len(input_shape) <= 1:
                input_shape = input_shape + (1,)
        else:
            input_shape = input_shape + (None,)
        lk = self._lookup_layer
        depth = lk.max_tokens if lk.pad_to_max_tokens else lk._frozen_vocab_size
        return categorical_shape(input_shape, self._output_mode, depth)

    def _output_dtype(self, args: tuple[Any, ...]) -> str:
        # Keras's symbolic outputs: int64 indices, floatx for the vector modes (the eager multi_hot/count values are
        # int64 in Keras as well: only the symbolic spec says float)
        return "int64" if self._output_mode == "int" else backend.floatx()

    def get_config(self) -> dict[str, Any]:
        lk = self._lookup_layer
        lk_config = lk.get_config()
        return {**super().get_config(), "max_tokens": lk.max_tokens, "standardize": self._standardize,
                "split": self._split, "ngrams": self._ngrams_arg, "output_mode": self._output_mode,
                "output_sequence_length": self._output_sequence_length, "pad_to_max_tokens": lk.pad_to_max_tokens,
                "sparse": lk.sparse, "ragged": self._ragged, "vocabulary": lk_config["vocabulary"],
                "idf_weights": lk_config["idf_weights"], "encoding": self._encoding,
                "vocabulary_size": self.vocabulary_size()}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> TextVectorization:
        config = dict(config)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)
