"""``keras.mixed_precision``: Keras 3's policy names for :mod:`tapegrad.keras.dtype_policies` (``Policy`` is
``DTypePolicy``; ``global_policy``/``set_global_policy`` are ``keras.config.dtype_policy``/``set_dtype_policy``).
Layers refuse the mixed policies for now (see :mod:`tapegrad.keras.dtype_policies`).

>>> from tapegrad import keras
>>> keras.mixed_precision.global_policy()
<DTypePolicy "float32">
>>> keras.mixed_precision.Policy("mixed_bfloat16").compute_dtype
'bfloat16'
"""

from __future__ import annotations

from .dtype_policies import DTypePolicy, dtype_policy, set_dtype_policy

Policy = DTypePolicy
global_policy = dtype_policy
set_global_policy = set_dtype_policy

__all__ = ["DTypePolicy", "Policy", "dtype_policy", "global_policy", "set_dtype_policy", "set_global_policy"]
