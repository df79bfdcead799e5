"""``tf.keras.preprocessing``: the Keras 1/2 preprocessing names that ``tf.keras`` (Keras 3 on TensorFlow 2.21) still
exports, for tutorials and older programs.

``image_dataset_from_directory``, ``text_dataset_from_directory``, ``timeseries_dataset_from_array`` and the image
helpers in :mod:`.image` are the very objects of ``keras.utils``; :mod:`.sequence` adds ``TimeseriesGenerator``,
``make_sampling_table`` and ``skipgrams`` and :mod:`.text` the legacy ``Tokenizer`` with its helpers.

>>> from tapegrad import keras
>>> keras.preprocessing.sequence.pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist()
[[2, 3], [0, 4]]
>>> keras.preprocessing.image_dataset_from_directory is keras.utils.image_dataset_from_directory
True
"""

from __future__ import annotations

from .._utils_data import image_dataset_from_directory, text_dataset_from_directory, timeseries_dataset_from_array
from . import image, sequence, text

__all__ = ["image", "sequence", "text", "image_dataset_from_directory", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
