"""``tapegrad.nn``: the ``tf.nn`` namespace (names collected from the op tables)."""

from .ops import collect as _collect

globals().update(_collect("nn"))

import types as _types  # noqa: E402

experimental = _types.ModuleType("tapegrad.nn.experimental", "``tf.nn.experimental``: stateless_dropout.")
experimental.__dict__.update(_collect("nn.experimental"))


def __getattr__(name: str) -> object:
    # the Keras cell wrappers load Keras: only on first use (``import tapegrad`` stays light)
    if name in ("RNNCellResidualWrapper", "RNNCellDeviceWrapper", "RNNCellDropoutWrapper"):
        from .keras.layers import rnn_cell_wrappers

        return getattr(rnn_cell_wrappers, name)
    raise AttributeError(f"module 'tapegrad.nn' has no attribute {name!r}")
