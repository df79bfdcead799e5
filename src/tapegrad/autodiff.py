"""``tapegrad.autodiff``: the ``tf.autodiff`` namespace."""

from .gradient_tape import GradientTape  # noqa: F401
