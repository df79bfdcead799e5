"""``tapegrad.autodiff``: the ``tf.autodiff`` namespace (``GradientTape``, ``ForwardAccumulator``) plus function
transforms built on the same tape (``grad``, ``value_and_grad``, ``vjp``, ``jvp``, ``hessian``,
``hessian_vector_product``), which TensorFlow does not have."""

from . import custom as _custom  # noqa: F401  (registers the custom-gradient ops)
from .forward import ForwardAccumulator
from .functional import grad, hessian, hessian_vector_product, jvp, value_and_grad, vjp
from .gradient_tape import GradientTape

__all__ = ["GradientTape", "ForwardAccumulator", "grad", "value_and_grad", "vjp", "jvp", "hessian",
           "hessian_vector_product"]
