"""``tapegrad.data`` (``tf.data``): streaming input pipelines that ``keras`` ``fit``/``evaluate``/``predict`` accept.

>>> import numpy as np
>>> import tapegrad as tf
>>> x = np.arange(10, dtype="float32")
>>> ds = tf.data.Dataset.from_tensor_slices((x, x * 2)).shuffle(10, seed=1).batch(4).prefetch(tf.data.AUTOTUNE)
>>> [int(b[0].shape[0]) for b in ds], len(ds)
([4, 4, 2], 3)
"""

from ..ops.tensor_spec import TensorSpec
from ._structure import DatasetSpec
from .dataset import (
    AUTOTUNE,
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    Dataset,
    NumpyIterator,
    OwnedIterator,
    experimental_cardinality,
)


class experimental:  # noqa: N801  (a namespace, as tf.data.experimental)
    """``tf.data.experimental``: ``AUTOTUNE``, the cardinality constants and ``cardinality(ds)``."""

    AUTOTUNE = AUTOTUNE
    INFINITE_CARDINALITY = INFINITE_CARDINALITY
    UNKNOWN_CARDINALITY = UNKNOWN_CARDINALITY
    cardinality = staticmethod(experimental_cardinality)


DatasetV2 = Dataset

__all__ = ["Dataset", "DatasetV2", "AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "NumpyIterator",
           "OwnedIterator", "DatasetSpec", "TensorSpec", "experimental"]
