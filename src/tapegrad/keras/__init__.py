"""``tapegrad.keras``: a Keras 3–compatible subset for building and training models on tapegrad.

Layer weights are Keras 3 variables wrapping ``tapegrad.Variable`` objects, so hand-written ``GradientTape`` loops
and ``compile``/``fit`` both work; optimizers, losses and metrics follow Keras 3's numerics on the TensorFlow
backend (checked against Keras 3 by ``tests/conformance_keras``).

Differences from Keras 3, on purpose or by limitation:

* Weights are Keras 3 variables (``keras.Variable``: ``name`` ``"kernel"``, ``path`` ``"dense_1/kernel"``, string
  ``dtype``, ``assign`` returns a tensor), each wrapping a ``tapegrad.Variable`` (``v.value``) that tapes watch and
  optimizers update. As in TF, ``tf.Module.variables`` of a module holding a layer does not list the layer's
  weights (they are not ``tf.Variable`` objects), while ``tf.train.Checkpoint`` saves them. The layer families
  are listed in ``keras.layers`` and docs/keras.md.
* Random initializers given an integer seed give Keras's own numbers (TF's stateless draws with seed
  ``[seed, 0]``; ``Orthogonal`` to rounding). ``Dropout`` and the noise layers draw from NumPy's PCG64 with TF's
  seeding rules: same distributions, different numbers; ``Dropout`` keeps no seed-state variable.
* ``summary()`` prints plain text (Keras colours it on terminals); ``fit`` takes NumPy arrays or tensors (and
  lists/dicts of them), ``tapegrad.data`` datasets (docs/data.md), Python generators and ``keras.utils.PyDataset``
  (docs/keras.md; a PyDataset's ``workers`` are threads, also with ``use_multiprocessing=True``). Models save as
  Keras 3 ``.keras`` files and weights as ``.weights.h5`` (both need ``h5py``, the ``keras-io`` extra) or as
  ``.npz`` (any other name; ``tapegrad.train``). Mixed precision, gradient accumulation and LoRA follow Keras 3
  (docs/keras.md).
* Kept from ``tf.keras`` 2 because TensorFlow's guides use them: ``Optimizer.minimize(loss, var_list)`` and the
  ``keras.losses.MSE``/``MAE`` aliases.

>>> import numpy as np
>>> import tapegrad as tf
>>> from tapegrad import keras
>>> keras.utils.set_random_seed(0)
>>> x = np.linspace(-1, 1, 64, dtype="float32")[:, None]
>>> y = 3 * x + 1
>>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
>>> model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
>>> history = model.fit(x, y, epochs=40, batch_size=16, verbose=0)
>>> [round(float(v), 3) for v in (model.layers[0].kernel[0, 0], model.layers[0].bias[0])]
[3.0, 1.0]
"""


from . import (
           activations,
           backend,
           callbacks,
           initializers,
           layers,
           losses,
           metrics,
           models,
           optimizers,
           regularizers,
           saving,
           utils,
           variables,
)
from .layers import Input, InputSpec, KerasTensor, Layer
from .losses import Loss
from .metrics import Metric
from .models import Model, Sequential
from .optimizers import Optimizer

Variable = variables.Variable
__version__ = "3.15.1-tapegrad"

__all__ = ["activations", "backend", "callbacks", "initializers", "layers", "losses", "metrics", "models",
           "optimizers", "regularizers", "saving", "utils", "Input", "InputSpec", "KerasTensor", "Layer", "Loss",
           "Metric", "Model", "Sequential", "Optimizer", "Variable", "config", "constraints", "dtype_policies",
           "mixed_precision", "ops", "random", "tree", "name_scope", "device", "version", "StatelessScope",
           "SymbolicScope", "RematScope", "remat", "DTypePolicy", "FloatDTypePolicy"]

# imported on first use, so ``import tapegrad.keras`` stays fast
_LAZY = ("config", "constraints", "dtype_policies", "mixed_precision", "ops", "random", "tree")
_LAZY += ("export",)  # keras.export (ExportArchive): tf.saved_model artifacts
__all__ += ["export"]
_LAZY += ("applications", "datasets", "preprocessing")  # the legacy tf.keras modules
from ._quantizer import Quantizer  # noqa: E402  (base names: keras.Initializer/Regularizer/Quantizer)

Initializer, Regularizer = initializers.Initializer, regularizers.Regularizer
__all__ += ["Initializer", "Quantizer", "Regularizer"]
__all__ += ["applications", "datasets", "preprocessing"]


# Keras 3's top-level scopes and helpers (keras/_scopes.py) and policy classes, also imported on first use
_LAZY_NAMES = {"name_scope": "_scopes", "device": "_scopes", "version": "_scopes", "StatelessScope": "_scopes",
               "SymbolicScope": "_scopes", "RematScope": "_scopes", "remat": "_scopes",
               "DTypePolicy": "dtype_policies", "FloatDTypePolicy": "dtype_policies"}


def __getattr__(name: str):
    if name in _LAZY or name in _LAZY_NAMES:
        import importlib
        module = importlib.import_module(f"{__name__}.{_LAZY_NAMES.get(name, name)}")
        value = getattr(module, name) if name in _LAZY_NAMES else module
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
