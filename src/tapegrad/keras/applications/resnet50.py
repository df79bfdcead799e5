"""``keras.applications.resnet50``: ``ResNet50`` with its ``preprocess_input``/``decode_predictions`` (the same
objects as :mod:`.resnet`'s).

>>> from tapegrad import keras
>>> keras.applications.resnet50.ResNet50 is keras.applications.ResNet50
True
"""

from __future__ import annotations

from .resnet import ResNet50, decode_predictions, preprocess_input

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
