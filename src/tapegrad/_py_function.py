"""``tf.py_function`` / ``tf.numpy_function`` (defined with the control-flow ops in ``ops/control_flow.py``): run
Python (NumPy) code on eager tensors, e.g. inside ``Dataset.map``, where tensors are otherwise symbolic.

>>> import tapegrad as tf
>>> ds = tf.data.Dataset.range(3).map(lambda x: tf.py_function(lambda v: v.numpy() * 10, [x], tf.int64))
>>> [int(v) for v in ds]
[0, 10, 20]
"""

from __future__ import annotations

from .ops.control_flow import numpy_function, py_function

__all__ = ["py_function", "numpy_function"]
