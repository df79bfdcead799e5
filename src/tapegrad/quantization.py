"""``tapegrad.quantization``: the ``tf.quantization`` namespace (fake quantization with TF's nudging and gradients,
quantize/dequantize, quantize_and_dequantize; see docs/misc_ops.md).

>>> import tapegrad as tf
>>> tf.quantization.fake_quant_with_min_max_args([0.3], -1.0, 1.0).numpy().tolist()
[0.2980392277240753]
"""

from .ops import collect as _collect

globals().update(_collect("quantization"))
