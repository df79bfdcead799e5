"""``keras.layers``: the layer base class and Keras 3's layers, by family.

=================  ==============================================================================================
core               ``Dense``, ``Dropout``, ``Lambda``, ``Embedding``, ``Flatten``, ``Activation``
convolutional      ``Conv1D``, ``Conv2D`` (groups, dilation), ``Conv2DTranspose``, ``DepthwiseConv2D``,
                   ``SeparableConv1D``, ``SeparableConv2D``
pooling            ``MaxPooling1D/2D``, ``AveragePooling1D/2D``, ``GlobalAverage/MaxPooling1D/2D`` (and ``*Pool*``
                   aliases)
reshaping          ``Reshape``, ``Permute``, ``RepeatVector``, ``ZeroPadding1D/2D``, ``Cropping1D/2D``,
                   ``UpSampling1D/2D``
merging            ``Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum``, ``Minimum``, ``Concatenate``,
                   ``Dot`` and ``add``/``concatenate``/… functions
activation         ``ReLU``, ``LeakyReLU``, ``Softmax``, ``ELU``, ``PReLU``
normalization      ``BatchNormalization``, ``LayerNormalization``, ``GroupNormalization``, ``UnitNormalization``
regularization     ``SpatialDropout1D/2D``, ``GaussianNoise``, ``GaussianDropout``
preprocessing      ``Rescaling``, ``Normalization`` (``adapt``); ``StringLookup``, ``IntegerLookup``,
                   ``TextVectorization``, ``CategoryEncoding``, ``Hashing``, ``HashedCrossing``, ``Discretization``;
                   ``Resizing``, ``CenterCrop``, ``RandomFlip``/``Crop``/``Rotation``/``Zoom``/``Translation``/
                   ``Contrast``/``Brightness``/``Grayscale``/``Hue``/``Saturation``/``Invert``/``Posterization``/
                   ``Shear``, ``Solarization``
recurrent          ``SimpleRNN``, ``LSTM``, ``GRU``, their cells, ``RNN``, ``StackedRNNCells``, ``Bidirectional``,
                   ``TimeDistributed``
attention          ``MultiHeadAttention``, ``Attention``, ``AdditiveAttention``
convolutional_nd   ``Conv3D``, ``Conv1DTranspose``, ``Conv3DTranspose``, ``DepthwiseConv1D`` (and long-name aliases)
core_extra         ``Masking``, ``Identity``, ``EinsumDense``, ``ActivityRegularization``, ``AlphaDropout``,
                   ``SpatialDropout3D``, ``Wrapper``, ``ThresholdedReLU``
normalization_...  ``RMSNormalization``, ``SpectralNormalization``
spatial_3d         3-D pooling/padding/cropping/upsampling, ``Adaptive{Average,Max}Pooling1D/2D/3D``
convolutional_...  ``ConvLSTM1D/2D/3D``
attention_gqa      ``GroupQueryAttention``
preprocessing_...  Keras's other augmentation layers, bounding boxes, ``STFTSpectrogram``, ``MelSpectrogram``
=================  ==============================================================================================

>>> import tapegrad as tf
>>> from tapegrad import keras
>>> layer = keras.layers.Dense(4, activation="relu")
>>> layer(tf.ones([2, 3])).shape, [w.shape for w in layer.weights]
(TensorShape([2, 4]), [TensorShape([3, 4]), TensorShape([4])])
"""

from ._base import Input, InputLayer, InputSpec, KerasTensor, Layer
from ._serialize import deserialize, serialize
from .activation import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .attention import AdditiveAttention, Attention, MultiHeadAttention
from .convolutional import Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv1D, SeparableConv2D
from .core import Activation, Dense, Dropout, Embedding, Flatten, Lambda
from .merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from .normalization import BatchNormalization, GroupNormalization, LayerNormalization, UnitNormalization
from .pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AvgPool1D,
    AvgPool2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPool1D,
    MaxPool2D,
    MaxPooling1D,
    MaxPooling2D,
)
from .preprocessing import Normalization, Rescaling
from .preprocessing_categorical import CategoryEncoding, Discretization, HashedCrossing, Hashing
from .preprocessing_image import (
    CenterCrop,
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Resizing,
)
from .preprocessing_image_color import (
    RandomGrayscale,
    RandomHue,
    RandomInvert,
    RandomPosterization,
    RandomSaturation,
    RandomShear,
    Solarization,
)
from .preprocessing_lookup import IntegerLookup, StringLookup
from .preprocessing_text import TextVectorization
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
from .regularization import GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D
from .reshaping import (
    Cropping1D,
    Cropping2D,
    Permute,
    RepeatVector,
    Reshape,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)

Convolution1D, Convolution2D, Convolution2DTranspose = Conv1D, Conv2D, Conv2DTranspose

__all__ = [
    "Layer", "Input", "InputLayer", "InputSpec", "KerasTensor",
    "Dense", "Dropout", "Lambda", "Embedding", "Flatten", "Activation",
    "Conv1D", "Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
    "Convolution1D", "Convolution2D", "Convolution2DTranspose",
    "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D", "GlobalAveragePooling1D",
    "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "MaxPool1D", "MaxPool2D", "AvgPool1D",
    "AvgPool2D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D",
    "Reshape", "Permute", "RepeatVector", "ZeroPadding1D", "ZeroPadding2D", "Cropping1D", "Cropping2D",
    "UpSampling1D", "UpSampling2D",
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot", "add", "subtract",
    "multiply", "average", "maximum", "minimum", "concatenate", "dot",
    "ReLU", "LeakyReLU", "Softmax", "ELU", "PReLU",
    "BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization",
    "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout",
    "Rescaling", "Normalization",
    "StringLookup", "IntegerLookup", "TextVectorization", "CategoryEncoding", "Hashing", "HashedCrossing",
    "Discretization",
    "Resizing", "CenterCrop", "RandomFlip", "RandomCrop", "RandomRotation", "RandomZoom", "RandomTranslation",
    "RandomContrast", "RandomBrightness", "RandomGrayscale", "RandomHue", "RandomSaturation", "RandomInvert",
    "RandomPosterization", "Solarization", "RandomShear",
    "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "RNN", "SimpleRNN", "LSTM", "GRU", "Bidirectional",
    "TimeDistributed", "MultiHeadAttention", "Attention", "AdditiveAttention",
    "serialize", "deserialize",
]

# Layers beyond the families above, one module per area; each lists its names in __all__.
from . import attention_gqa as _attention_gqa  # noqa: E402
from . import convolutional_nd as _convolutional_nd  # noqa: E402
from . import convolutional_recurrent as _convolutional_recurrent  # noqa: E402
from . import core_extra as _core_extra  # noqa: E402
from . import normalization_extra as _normalization_extra  # noqa: E402
from . import spatial_3d as _spatial_3d  # noqa: E402
from .attention_gqa import *  # noqa: E402,F401,F403
from .convolutional_nd import *  # noqa: E402,F401,F403
from .convolutional_recurrent import *  # noqa: E402,F401,F403
from .core_extra import *  # noqa: E402,F401,F403
from .normalization_extra import *  # noqa: E402,F401,F403
from .spatial_3d import *  # noqa: E402,F401,F403

__all__ += (_attention_gqa.__all__ + _convolutional_nd.__all__ + _convolutional_recurrent.__all__ + _core_extra.__all__
            + _normalization_extra.__all__ + _spatial_3d.__all__)
from . import preprocessing_augment as _augment  # noqa: E402
from .preprocessing_augment import *  # noqa: E402,F401,F403

__all__ += _augment.__all__
from . import tfsm_layer as _tfsm_layer  # noqa: E402
from .tfsm_layer import *  # noqa: E402,F401,F403

__all__ += _tfsm_layer.__all__
from .reversible_embedding import ReversibleEmbedding  # noqa: E402

__all__ += ["ReversibleEmbedding"]
