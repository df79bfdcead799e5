"""``keras.layers``: the layer base class and the core layers.

>>> import tapegrad as tf
>>> from tapegrad import keras
>>> layer = keras.layers.Dense(4, activation="relu")
>>> layer(tf.ones([2, 3])).shape, [w.shape for w in layer.weights]
(TensorShape([2, 4]), [TensorShape([3, 4]), TensorShape([4])])
"""

from ._base import Input, InputLayer, InputSpec, KerasTensor, Layer
from .core import Activation, Dense, Dropout, Embedding, Flatten, Lambda
from .normalization import BatchNormalization
from .recurrent import (
    GRU,
    LSTM,
    RNN,
    Bidirectional,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
    StackedRNNCells,
    TimeDistributed,
)

__all__ = ["Layer", "Input", "InputLayer", "InputSpec", "KerasTensor", "Dense", "Dropout", "Lambda", "Embedding",
           "Flatten", "Activation", "BatchNormalization", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells",
           "RNN", "SimpleRNN", "LSTM", "GRU", "Bidirectional", "TimeDistributed"]
