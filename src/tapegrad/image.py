"""``tapegrad.image``: the ``tf.image`` namespace (resize, flips, crops, colour adjustments, patches).

>>> import tapegrad as tf
>>> tf.image.flip_up_down(tf.constant([[[1.0]], [[2.0]]]))[..., 0].numpy().tolist()
[[2.0], [1.0]]
"""

from .ops import collect as _collect

globals().update(_collect("image"))


def __getattr__(name: str) -> object:
    if name in ("decode_png", "encode_png", "decode_image"):  # tf.image.decode_png is tf.io.decode_png
        from .io_ops import png

        value = getattr(png, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tapegrad.image' has no attribute {name!r}")
