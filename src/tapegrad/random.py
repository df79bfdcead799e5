"""``tapegrad.random``: the ``tf.random`` namespace (names collected from the op tables)."""

from .ops import collect as _collect

globals().update(_collect("random"))

import types as _types  # noqa: E402

experimental = _types.ModuleType("tapegrad.random.experimental",
                                 "``tf.random.experimental``: Generator, stateless_split, stateless_fold_in.")
experimental.__dict__.update(_collect("random.experimental"))
