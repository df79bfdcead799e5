"""``tapegrad.keras.ops``: Keras 3's backend-agnostic operations (``keras.ops``) on tapegrad tensors.

The namespace matches Keras 3.15's ``keras.ops`` on the TensorFlow backend: NumPy-style functions
(:mod:`.numpy`), neural-network ops (:mod:`.nn`), math (:mod:`.math`), linear algebra (:mod:`.linalg`), images
(:mod:`.image`) and core utilities and control flow (:mod:`.core`). Dtypes follow Keras's promotion rules
(``keras.backend.result_type``), which differ from TensorFlow's: mixed dtypes are promoted instead of rejected,
Python numbers are weak, and integer inputs to float functions become ``floatx``. Results are ``tapegrad.Tensor``
objects, differentiable on ``tapegrad.GradientTape``.

>>> import numpy as np
>>> import tapegrad as tf
>>> from tapegrad.keras import ops
>>> x = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
>>> with tf.GradientTape() as tape:
...     y = ops.sum(ops.square(ops.matmul(x, ops.transpose(x))))
>>> tape.gradient(y, x).numpy().tolist()
[[152.0, 216.0], [344.0, 488.0]]
>>> ops.add(np.int8(3), np.array([1, 2], np.uint8)).dtype.name
'int16'
"""

from . import core, einops, image, linalg, math, nn, numpy  # noqa: F401 - image is reached as ops.image
from .core import *  # noqa: F403
from .einops import *  # noqa: F403
from .linalg import *  # noqa: F403
from .math import *  # noqa: F403
from .nn import *  # noqa: F403
from .numpy import *  # noqa: F403

__all__ = sorted({*core.__all__, *einops.__all__, *linalg.__all__, *math.__all__, *nn.__all__, *numpy.__all__,
                  "core", "einops", "image", "linalg", "math", "nn", "numpy"})
