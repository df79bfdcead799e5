"""Keras 3's augmentation and audio preprocessing layers beyond ``preprocessing_image*.py``, gathered for
``keras.layers``: colour/mixing layers (``preprocessing_augment2``),
geometric/composite layers, CLAHE, ``MaxNumBoundingBoxes`` and ``Pipeline`` (``preprocessing_augment3``);
``STFTSpectrogram`` and ``MelSpectrogram`` (``preprocessing_audio``)."""

from __future__ import annotations

from . import preprocessing_audio as _audio
from . import preprocessing_augment2 as _augment2
from . import preprocessing_augment3 as _augment3
from .preprocessing_audio import *  # noqa: F401,F403
from .preprocessing_augment2 import *  # noqa: F401,F403
from .preprocessing_augment3 import *  # noqa: F401,F403

__all__ = list(_augment2.__all__) + list(_augment3.__all__) + list(_audio.__all__)
