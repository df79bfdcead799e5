"""``tapegrad.version``: the ``tf.version`` namespace.

TF programs print or compare ``tf.version.VERSION`` to learn which TensorFlow API they run against, so
``VERSION`` is the TensorFlow API level tapegrad follows (``tapegrad.__tf_version__``, "2.21.0"): version checks
such as ``int(tf.version.VERSION.split(".")[0]) >= 2`` take TF 2's branches. tapegrad's own release is
``tapegrad.__version__`` (and ``GIT_VERSION`` names it). The graph-def versions are TF 2.21's.

>>> import tapegrad as tf
>>> tf.version.VERSION
'2.21.0'
>>> tf.version.GIT_VERSION.startswith("tapegrad-")
True
"""

from . import __tf_version__, __version__

VERSION: str = __tf_version__
GIT_VERSION: str = f"tapegrad-{__version__}"
COMPILER_VERSION: str = "NumPy (tapegrad runs no compiled TensorFlow kernels)"
GRAPH_DEF_VERSION: int = 2474
GRAPH_DEF_VERSION_MIN_CONSUMER: int = 0
GRAPH_DEF_VERSION_MIN_PRODUCER: int = 0
