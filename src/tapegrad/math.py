"""``tapegrad.math``: the ``tf.math`` namespace (names collected from the op tables), and ``tf.math.special``."""

import types as _types

from .ops import collect as _collect

globals().update(_collect("math"))

special = _types.ModuleType("tapegrad.math.special",
                            "``tf.math.special``: Bessel functions, dawsn, expint, fresnel_cos/sin, spence.")
special.__dict__.update(_collect("math.special"))
