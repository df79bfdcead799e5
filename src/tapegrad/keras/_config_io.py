"""One ``deserialize`` for the config families (losses, metrics, regularizers): a name, Keras 3's
``{"module", "class_name", "config", "registered_name"}`` form, or the older ``{"class_name", "config"}`` form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def deserialize_config(config: Any, custom_objects: dict[str, Any] | None, by_name: Callable[[str], Any],
                       classes: dict[str, Any]) -> Any:
    """``by_name(config)`` for a string; Keras 3's deserializer for its form; ``classes[class_name]`` otherwise."""
    if isinstance(config, str):
        return by_name(config)
    if "module" in config or custom_objects:
        from .saving.serialization_lib import deserialize_keras_object

        return deserialize_keras_object(config, custom_objects=custom_objects)
    cls = classes[config["class_name"]]
    kwargs = config.get("config", {})
    return cls.from_config(kwargs) if hasattr(cls, "from_config") else cls(**kwargs)
