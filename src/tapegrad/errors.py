"""TensorFlow-compatible exception classes (``tapegrad.errors.InvalidArgumentError`` …).

Code that catches ``tf.errors.InvalidArgumentError`` keeps working after ``import tapegrad as tf``.

>>> import tapegrad as tf
>>> try:
...     tf.constant([1.0, 2.0]) + tf.constant([1.0, 2.0, 3.0])
... except tf.errors.InvalidArgumentError as e:
...     print(type(e).__name__)
InvalidArgumentError
"""

from __future__ import annotations


class OpError(Exception):
    """Base class for errors raised while running an op (TensorFlow's ``tf.errors.OpError``)."""

    def __init__(self, node_def: object = None, op: object = None, message: str = "", *args: object) -> None:
        # Accept both TF's (node_def, op, message) signature and a plain message.
        if message == "" and isinstance(node_def, str) and op is None:
            message, node_def = node_def, None
        super().__init__(message)
        self.message = message
        self.node_def = node_def
        self.op = op

    def __str__(self) -> str:
        return self.message


class CancelledError(OpError):
    pass


class UnknownError(OpError):
    pass


class InvalidArgumentError(OpError):
    """An op received an argument it cannot handle: mismatched shapes or dtypes, out-of-range values."""


class DeadlineExceededError(OpError):
    pass


class NotFoundError(OpError):
    pass


class AlreadyExistsError(OpError):
    pass


class PermissionDeniedError(OpError):
    pass


class ResourceExhaustedError(OpError):
    pass


class FailedPreconditionError(OpError):
    pass


class AbortedError(OpError):
    pass


class OutOfRangeError(OpError):
    pass


class UnimplementedError(OpError):
    pass


class InternalError(OpError):
    pass


class UnavailableError(OpError):
    pass


class DataLossError(OpError):
    pass


class UnauthenticatedError(OpError):
    pass


class OperatorNotAllowedInGraphError(TypeError):
    """A Python operation on a tensor that a traced ``tapegrad.function`` cannot turn into graph control flow
    (``bool(t)`` written explicitly, ``assert t``, or any use with ``autograph=False`` / in ``do_not_convert``
    code)."""


class InaccessibleTensorError(ValueError):
    """A tensor made inside a loop over tensors of a traced ``tapegrad.function`` (e.g. appended to a Python list
    there) used after the loop: TF's graph loop makes such tensors inaccessible; use a ``tf.TensorArray``."""


__all__ = [
    "OperatorNotAllowedInGraphError", "InaccessibleTensorError",
    "OpError", "CancelledError", "UnknownError", "InvalidArgumentError", "DeadlineExceededError",
    "NotFoundError", "AlreadyExistsError", "PermissionDeniedError", "ResourceExhaustedError",
    "FailedPreconditionError", "AbortedError", "OutOfRangeError", "UnimplementedError", "InternalError",
    "UnavailableError", "DataLossError", "UnauthenticatedError",
]
