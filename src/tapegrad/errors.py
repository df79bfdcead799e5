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

# TF's canonical error codes (``tf.errors.INVALID_ARGUMENT`` …); each error class carries its own as ``error_code``.
OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16


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

    @property
    def error_code(self) -> int:
        """TF's canonical code of this error (``tf.errors.INVALID_ARGUMENT`` is 3)."""
        return _error_codes.get(type(self).__name__, UNKNOWN)

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


_error_codes = {
    "CancelledError": CANCELLED, "UnknownError": UNKNOWN, "InvalidArgumentError": INVALID_ARGUMENT,
    "DeadlineExceededError": DEADLINE_EXCEEDED, "NotFoundError": NOT_FOUND, "AlreadyExistsError": ALREADY_EXISTS,
    "PermissionDeniedError": PERMISSION_DENIED, "ResourceExhaustedError": RESOURCE_EXHAUSTED,
    "FailedPreconditionError": FAILED_PRECONDITION, "AbortedError": ABORTED, "OutOfRangeError": OUT_OF_RANGE,
    "UnimplementedError": UNIMPLEMENTED, "InternalError": INTERNAL, "UnavailableError": UNAVAILABLE,
    "DataLossError": DATA_LOSS, "UnauthenticatedError": UNAUTHENTICATED,
}


__all__ = [
    "OperatorNotAllowedInGraphError", "InaccessibleTensorError",
    "OpError", "CancelledError", "UnknownError", "InvalidArgumentError", "DeadlineExceededError",
    "NotFoundError", "AlreadyExistsError", "PermissionDeniedError", "ResourceExhaustedError",
    "FailedPreconditionError", "AbortedError", "OutOfRangeError", "UnimplementedError", "InternalError",
    "UnavailableError", "DataLossError", "UnauthenticatedError",
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
    "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
    "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
]
