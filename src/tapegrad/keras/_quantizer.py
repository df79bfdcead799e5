"""``keras.Quantizer``: the base class of Keras 3's weight/activation quantizers (subclasses implement
``__call__``; configs round-trip through ``get_config``/``from_config``). tapegrad provides the base class for
code that subclasses it; Keras's built-in quantization (``quantize("int8")``, ``keras.quantizers``) is not
implemented.

>>> from tapegrad import keras
>>> class Round(keras.Quantizer):
...     def __call__(self, x):
...         return keras.ops.round(x)
...     def get_config(self):
...         return {"output_dtype": self.output_dtype}
>>> q = Round.from_config(Round().get_config())
>>> q.output_dtype, float(q(1.6))
('int8', 2.0)
"""

from __future__ import annotations

from typing import Any

__all__ = ["Quantizer"]


class Quantizer:
    """Base class of quantizers: ``output_dtype`` is the quantized dtype; the base ``__call__`` returns its input
    unchanged and ``get_config`` must be overridden (``NotImplementedError``), as in Keras."""

    def __init__(self, output_dtype: str = "int8") -> None:
        self.output_dtype = output_dtype

    def __call__(self, x: Any) -> Any:
        return x

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Quantizer:
        """``cls(**config)``."""
        return cls(**config)

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments; subclasses must implement it."""
        raise NotImplementedError(f"{self} does not implement get_config()")
