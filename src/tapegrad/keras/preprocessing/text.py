"""``tf.keras.preprocessing.text``: Keras 1's deprecated ``Tokenizer`` and its helpers (``text_to_word_sequence``,
``one_hot``, ``hashing_trick``, ``tokenizer_from_json``), with Keras's vocabularies, sequences, matrices and JSON.
New code should use ``keras.layers.TextVectorization``.

>>> from tapegrad import keras
>>> tok = keras.preprocessing.text.Tokenizer(num_words=4, oov_token="<?>")
>>> tok.fit_on_texts(["The cat sat.", "The cat ran!", "A dog"])
>>> tok.word_index["the"], tok.texts_to_sequences(["the dog sat"])
(2, [[2, 1, 1]])
"""

from __future__ import annotations

import collections
import hashlib
import json
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

__all__ = ["Tokenizer", "hashing_trick", "one_hot", "text_to_word_sequence", "tokenizer_from_json"]

FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(input_text: str, filters: str = FILTERS, lower: bool = True, split: str = " ") -> list[str]:
    """Split a text into words: lower-case it, turn every character of ``filters`` into ``split``, split on
    ``split`` and drop empty pieces.

    >>> from tapegrad import keras
    >>> keras.preprocessing.text.text_to_word_sequence("Hello, World!  again")
    ['hello', 'world', 'again']
    """
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(str.maketrans(dict.fromkeys(filters, split)))
    return [w for w in input_text.split(split) if w]


def hashing_trick(text: str, n: int, hash_function: Any = None, filters: str = FILTERS, lower: bool = True,
                  split: str = " ", analyzer: Callable[[str], list[str]] | None = None) -> list[int]:
    """Each word's index in ``[1, n)`` as ``hash_function(word) % (n - 1) + 1``. ``hash_function`` is Python's
    ``hash`` by default (salted per process unless ``PYTHONHASHSEED`` is set), ``"md5"`` for a stable hash, or any
    callable; ``analyzer`` replaces the word splitting.

    >>> from tapegrad import keras
    >>> keras.preprocessing.text.hashing_trick("a b a", 10, hash_function="md5")
    [2, 5, 2]
    """
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        def hash_function(word: str) -> int:
            return int(hashlib.md5(word.encode()).hexdigest(), 16)
    words = analyzer(text) if analyzer is not None else text_to_word_sequence(text, filters, lower, split)
    return [hash_function(w) % (n - 1) + 1 for w in words]


def one_hot(input_text: str, n: int, filters: str = FILTERS, lower: bool = True, split: str = " ",
            analyzer: Callable[[str], list[str]] | None = None) -> list[int]:
    """``hashing_trick`` with Python's ``hash`` (Keras's ``text.one_hot``; the result is word indices, not one-hot
    vectors).

    >>> from tapegrad import keras
    >>> idx = keras.preprocessing.text.one_hot("a b a", 10)
    >>> idx[0] == idx[2] and all(1 <= i < 10 for i in idx)
    True
    """
    return hashing_trick(input_text, n, hash_function=hash, filters=filters, lower=lower, split=split,
                         analyzer=analyzer)


class Tokenizer:
    """Keras's legacy text tokenizer: ``fit_on_texts`` counts words (or characters with ``char_level=True``) and
    numbers them from 1 by decreasing count (ties in first-seen order; ``oov_token`` takes index 1);
    ``texts_to_sequences`` maps texts to indices, keeping only indices below ``num_words`` (others become the OOV
    index, or are dropped without ``oov_token``); ``texts_to_matrix``/``sequences_to_matrix`` give
    ``"binary"``/``"count"``/``"freq"``/``"tfidf"`` document-term matrices (float64, ``num_words`` columns).

    >>> from tapegrad import keras
    >>> tok = keras.preprocessing.text.Tokenizer()
    >>> tok.fit_on_texts(["b a b", "c b"])
    >>> tok.word_index
    {'b': 1, 'a': 2, 'c': 3}
    >>> tok.texts_to_matrix(["b b c"], mode="count").tolist()
    [[0.0, 2.0, 0.0, 1.0]]
    >>> tok.sequences_to_texts([[3, 1]])
    ['c b']
    """

    def __init__(self, num_words: int | None = None, filters: str = FILTERS, lower: bool = True, split: str = " ",
                 char_level: bool = False, oov_token: str | None = None,
                 analyzer: Callable[[str], list[str]] | None = None, **kwargs: Any) -> None:
        if "nb_words" in kwargs:
            warnings.warn("The `nb_words` argument in `Tokenizer` has been renamed `num_words`.", stacklevel=2)
            num_words = kwargs.pop("nb_words")
        document_count = kwargs.pop("document_count", 0)
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
        self.word_counts: dict[str, int] = collections.OrderedDict()
        self.word_docs: dict[str, int] = collections.defaultdict(int)
        self.filters, self.split, self.lower = filters, split, lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs: dict[int, int] = collections.defaultdict(int)
        self.word_index: dict[str, int] = {}
        self.index_word: dict[int, str] = {}
        self.analyzer = analyzer

    def _words(self, text: Any) -> Any:
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return text
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, filters=self.filters, lower=self.lower, split=self.split)

    def fit_on_texts(self, texts: Any) -> None:
        """Count the words of ``texts`` (strings, or lists of tokens) and rebuild ``word_index``/``index_word``."""
        for text in texts:
            self.document_count += 1
            words = self._words(text)
            for w in words:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(words):
                self.word_docs[w] += 1
        # a stable sort: equal counts keep first-seen order
        ranked = sorted(self.word_counts.items(), key=lambda kv: kv[1], reverse=True)
        vocabulary = ([] if self.oov_token is None else [self.oov_token]) + [w for w, _ in ranked]
        self.word_index = {w: i for i, w in enumerate(vocabulary, start=1)}
        self.index_word = {i: w for w, i in self.word_index.items()}
        for w, count in list(self.word_docs.items()):
            self.index_docs[self.word_index[w]] = count

    def fit_on_sequences(self, sequences: Any) -> None:
        """Count, per index, the documents (sequences) it occurs in (needed by ``"tfidf"`` matrices)."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def texts_to_sequences(self, texts: Any) -> list[list[int]]:
        """Each text as a list of word indices (see the class docstring for ``num_words``/``oov_token``)."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts: Any) -> Iterator[list[int]]:
        """``texts_to_sequences``, one text at a time."""
        oov = self.word_index.get(self.oov_token)
        for text in texts:
            out = []
            for w in self._words(text):
                i = self.word_index.get(w)
                if i is None:
                    if self.oov_token is not None:
                        out.append(oov)
                elif self.num_words and i >= self.num_words:
                    if oov is not None:
                        out.append(oov)
                else:
                    out.append(i)
            yield out

    def sequences_to_texts(self, sequences: Any) -> list[str]:
        """Each index sequence back to a space-joined text (unknown or ``>= num_words`` indices become the OOV
        token, or are dropped)."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences: Any) -> Iterator[str]:
        """``sequences_to_texts``, one sequence at a time."""
        oov = self.word_index.get(self.oov_token)
        for seq in sequences:
            words = []
            for num in seq:
                word = self.index_word.get(num)
                if word is None:
                    if self.oov_token is not None:
                        words.append(self.index_word[oov])
                elif self.num_words and num >= self.num_words:
                    if oov is not None:
                        words.append(self.index_word[oov])
                else:
                    words.append(word)
            yield " ".join(words)

    def texts_to_matrix(self, texts: Any, mode: str = "binary") -> np.ndarray:
        """``sequences_to_matrix(texts_to_sequences(texts), mode)``."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences: Any, mode: str = "binary") -> np.ndarray:
        """A ``(len(sequences), num_words)`` float64 matrix; ``num_words`` defaults to ``len(word_index) + 1``."""
        if self.num_words:
            num_words = self.num_words
        elif self.word_index:
            num_words = len(self.word_index) + 1
        else:
            raise ValueError("Tokenizer.sequences_to_matrix needs a width: pass `num_words` to the Tokenizer, or "
                             "call `fit_on_texts` first.")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data (fit_on_texts or fit_on_sequences) before using "
                             "mode='tfidf'.")
        x = np.zeros((len(sequences), num_words))
        for row, seq in enumerate(sequences):
            if not seq:
                continue
            counts: dict[int, int] = collections.defaultdict(int)
            for j in seq:
                if j < num_words:
                    counts[j] += 1
            for j, c in list(counts.items()):
                if mode == "count":
                    x[row][j] = c
                elif mode == "freq":
                    x[row][j] = c / len(seq)
                elif mode == "binary":
                    x[row][j] = 1
                elif mode == "tfidf":
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[row][j] = (1 + np.log(c)) * idf
                else:
                    raise ValueError("Unknown vectorization mode:", mode)
        return x

    def get_config(self) -> dict[str, Any]:
        """The settings and the fitted tables (the tables as JSON strings, as Keras stores them)."""
        return {"num_words": self.num_words, "filters": self.filters, "lower": self.lower, "split": self.split,
                "char_level": self.char_level, "oov_token": self.oov_token, "document_count": self.document_count,
                "word_counts": json.dumps(self.word_counts), "word_docs": json.dumps(self.word_docs),
                "index_docs": json.dumps(self.index_docs), "index_word": json.dumps(self.index_word),
                "word_index": json.dumps(self.word_index)}

    def to_json(self, **kwargs: Any) -> str:
        """``{"class_name": "Tokenizer", "config": get_config()}`` as JSON; read back with
        ``tokenizer_from_json``."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()}, **kwargs)


def tokenizer_from_json(json_string: str) -> Tokenizer:
    """A ``Tokenizer`` from ``Tokenizer.to_json()`` output (integer keys of the index tables restored).

    >>> from tapegrad import keras
    >>> tok = keras.preprocessing.text.Tokenizer()
    >>> tok.fit_on_texts(["x y y"])
    >>> keras.preprocessing.text.tokenizer_from_json(tok.to_json()).index_word
    {1: 'y', 2: 'x'}
    """
    config = dict(json.loads(json_string).get("config"))
    tables = {name: json.loads(config.pop(name)) for name in
              ("word_counts", "word_docs", "index_docs", "index_word", "word_index")}
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = tables["word_counts"]
    tokenizer.word_docs = tables["word_docs"]
    tokenizer.index_docs = {int(k): v for k, v in tables["index_docs"].items()}
    tokenizer.index_word = {int(k): v for k, v in tables["index_word"].items()}
    tokenizer.word_index = tables["word_index"]
    return tokenizer
