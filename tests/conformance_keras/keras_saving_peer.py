"""Keras 3 side of the saving interop lane: ``python keras_saving_peer.py DIR`` loads tapegrad's files from DIR
(``tapegrad_*.keras``/``.weights.h5``), writes its own (``keras_*``) and the results to ``DIR/keras_results.npz``."""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import saving_models  # noqa: E402

out = sys.argv[1]
results = {f"saved/{k}": v for k, v in saving_models.train_and_save(keras, out, "keras").items()}
results.update({f"loaded/{k}": v for k, v in saving_models.load_and_check(keras, out, "tapegrad").items()})
np.savez(os.path.join(out, "keras_results.npz"), **results)
