"""Op tables by family. Importing this package registers every op and attaches the Tensor operators.

Each table module declares ``EXPORTS``: a mapping from a public namespace (``""`` for top level, ``"math"``,
``"nn"``, ``"linalg"``, ``"random"``, …) to the names it contributes there, mirroring where TensorFlow puts them.
"""

from __future__ import annotations

from typing import Any

# Load order matters: the operator module must come after the tables it draws from. One family per module; the
# table "family -> module" is in docs/architecture.md. Private helpers: _common (conversions and checks),
# _elementwise (elementwise op declaration and large-array buffers), _math_checks, _nn_common, _array_common.
from . import core, arithmetic, unary_math, trigonometric, special_functions, complex_ops  # noqa: F401  (math)
from . import comparison, clip_ops, reductions  # noqa: F401
from . import shape_ops, joining, slicing, indexing, scatter, tiling, creation, matmul  # noqa: F401  (arrays)
from . import activations, losses, normalization, dropout, convolution, pooling  # noqa: F401  (nn)
from . import linalg_ops, random_ops, tensor_spec, execution, rnn_ops  # noqa: F401
from . import control_flow, image_ops, sparse_ops, random_generator  # noqa: F401
from . import string_ops, ragged_ops  # noqa: F401
from . import counting, ordering, partitioning, spectral  # noqa: F401
from . import assert_ops, unique_ops  # noqa: F401
from . import special_gamma, special_bessel, special_integrals  # noqa: F401
from . import bitwise_ops, quantization_ops  # noqa: F401
from . import random_distributions, random_extra, random_candidates  # noqa: F401
from . import signal_ext  # noqa: F401
from . import convolution_nd  # noqa: F401
from . import conv_pool  # noqa: F401  (Conv2D(relu) → MaxPooling2D as one op)
from . import distribute_losses  # noqa: F401  (tf.nn.compute_average_loss, scale_regularization_loss)
from . import image_color, image_nms, image_transform  # noqa: F401  (kprep)
from . import linalg_ext, math_ext, array_ext, sobol  # noqa: F401  (sci)
from . import ctc, nn_ext  # noqa: F401  (signal)
from . import ragged_extra, unicode_script, volume_patches  # noqa: F401  (lead)
from . import image_boxes, image_nms_batched, image_sample_box, image_ssim  # noqa: F401  (img)
from . import _operators  # noqa: F401

_MODULES = (core, arithmetic, unary_math, trigonometric, special_functions, complex_ops, comparison, clip_ops,
            reductions, shape_ops, joining, slicing, indexing, scatter, tiling, creation, matmul, activations, losses,
            normalization, dropout, convolution, pooling, linalg_ops, random_ops, tensor_spec, execution, rnn_ops,
            control_flow, image_ops, sparse_ops, random_generator, string_ops, ragged_ops, counting, ordering,
            partitioning, assert_ops, unique_ops, spectral, special_gamma,
            special_bessel, special_integrals, bitwise_ops, random_distributions,
            random_extra, quantization_ops, random_candidates, signal_ext, convolution_nd, distribute_losses)
_MODULES += (image_color, image_nms, image_transform)  # kprep
_MODULES += (linalg_ext, math_ext, array_ext, sobol)  # sci
_MODULES += (ctc, nn_ext)  # signal
_MODULES += (ragged_extra, unicode_script, volume_patches)  # lead
_MODULES += (image_boxes, image_nms_batched, image_sample_box, image_ssim)  # img


def collect(namespace: str) -> dict[str, Any]:
    """All public objects the op tables export into ``namespace``."""
    out: dict[str, Any] = {}
    for mod in _MODULES:
        for name in getattr(mod, "EXPORTS", {}).get(namespace, ()):
            out[name] = getattr(mod, name)
    return out
