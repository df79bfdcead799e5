"""``tapegrad.nn``: the ``tf.nn`` namespace (names collected from the op tables)."""

from .ops import collect as _collect

globals().update(_collect("nn"))

import types as _types  # noqa: E402

experimental = _types.ModuleType("tapegrad.nn.experimental", "``tf.nn.experimental``: stateless_dropout.")
experimental.__dict__.update(_collect("nn.experimental"))
