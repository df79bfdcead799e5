"""``tapegrad.image``: the ``tf.image`` namespace (resize, flips, crops, colour adjustments, patches).

>>> import tapegrad as tf
>>> tf.image.flip_up_down(tf.constant([[[1.0]], [[2.0]]]))[..., 0].numpy().tolist()
[[2.0], [1.0]]
"""

from .ops import collect as _collect

globals().update(_collect("image"))


_IO_NAMES = {"decode_png": "png", "encode_png": "png", "decode_image": "image_formats", "decode_jpeg": "jpeg",
             "encode_jpeg": "jpeg", "decode_and_crop_jpeg": "jpeg", "extract_jpeg_shape": "jpeg", "is_jpeg": "jpeg",
             "decode_gif": "gif", "decode_bmp": "bmp", "adjust_jpeg_quality": "image_formats",
             "random_jpeg_quality": "image_formats", "stateless_random_jpeg_quality": "image_formats"}


def __getattr__(name: str) -> object:
    module = _IO_NAMES.get(name)
    if module is not None:  # tf.image.decode_png is tf.io.decode_png, and so on
        from importlib import import_module

        value = getattr(import_module(f".io_ops.{module}", __package__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tapegrad.image' has no attribute {name!r}")
