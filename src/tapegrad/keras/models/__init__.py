"""``keras.models``: ``Model`` (subclassed or functional) and ``Sequential``."""

from .model import Functional, Model
from .sequential import Sequential

__all__ = ["Model", "Functional", "Sequential"]
