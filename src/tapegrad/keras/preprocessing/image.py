"""``tf.keras.preprocessing.image``: the image file helpers, the same objects as ``keras.utils``'s (``load_img``,
``save_img``, ``img_to_array``, ``array_to_img``, ``smart_resize``; Pillow needed for files).

Not provided: the deprecated ``ImageDataGenerator``/``Iterator`` family and the ``random_*``/``apply_*`` array
transforms that ``tf.keras`` still exports; use the ``keras.layers.Random*`` augmentation layers instead.

>>> import numpy as np
>>> from tapegrad import keras
>>> keras.preprocessing.image.smart_resize(np.ones((4, 6, 3)), (2, 2)).shape
(2, 2, 3)
>>> keras.preprocessing.image.load_img is keras.utils.load_img
True
"""

from __future__ import annotations

from .._utils_data import smart_resize
from .._utils_image import array_to_img, img_to_array, load_img, save_img

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]
