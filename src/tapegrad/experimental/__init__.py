"""Experimental APIs (``tf.experimental`` counterparts): :mod:`tapegrad.experimental.dlpack`, ``Optional``
(``tf.experimental.Optional``, the value ``Iterator.get_next_as_optional`` returns), :mod:`numpy` (TF-NumPy),
extension types (:mod:`extension_type`), type-based dispatch (:mod:`dispatch`) and the runtime switches of
:mod:`runtime`. Everything but ``dlpack`` loads on first use."""

import importlib
from typing import Any

from . import dlpack

# name -> (module, attribute); the module alone when the attribute is None
_LAZY = {
    "numpy": ("numpy", None),
    "extension_type": ("extension_type", None),
    "ExtensionType": ("extension_type", "ExtensionType"),
    "BatchableExtensionType": ("extension_type", "BatchableExtensionType"),
    "ExtensionTypeSpec": ("extension_type", "ExtensionTypeSpec"),
    "ExtensionTypeBatchEncoder": ("extension_type", "ExtensionTypeBatchEncoder"),
    "dispatch_for_api": ("dispatch", "dispatch_for_api"),
    "dispatch_for_unary_elementwise_apis": ("dispatch", "dispatch_for_unary_elementwise_apis"),
    "dispatch_for_binary_elementwise_apis": ("dispatch", "dispatch_for_binary_elementwise_apis"),
    "dispatch_for_binary_elementwise_assert_apis": ("dispatch", "dispatch_for_binary_elementwise_assert_apis"),
    "unregister_dispatch_for": ("dispatch", "unregister_dispatch_for"),
    "runtime": ("runtime", None),
    "async_scope": ("runtime", "async_scope"),
    "async_clear_error": ("runtime", "async_clear_error"),
    "function_executor_type": ("runtime", "function_executor_type"),
    "enable_strict_mode": ("runtime", "enable_strict_mode"),
    "RowPartition": ("row_partition", "RowPartition"),
    "DynamicRaggedShape": ("row_partition", "DynamicRaggedShape"),
    "StructuredTensor": ("structured_tensor", "StructuredTensor"),
}

__all__ = ["dlpack", "Optional", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        mod = importlib.import_module(f".{module}", __name__)
        return mod if attr is None else getattr(mod, attr)
    if name == "Optional":  # tapegrad.data loads on first use
        from ..data._optional import Optional

        return Optional
    raise AttributeError(f"module 'tapegrad.experimental' has no attribute {name!r}")
