"""Loss scaling for data-parallel training: ``tf.nn.compute_average_loss`` and ``tf.nn.scale_regularization_loss``.

With ``N`` replicas each computing gradients of its share of a global batch, and the optimizer adding the replicas'
gradients (``apply_gradients`` all-reduces with SUM), each replica's loss must be divided by the *global* batch
size (and a regularization term by ``N``) for the sum to be the gradient of the global mean.
"""

from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from .core import convert_to_tensor

__all__ = ["compute_average_loss", "scale_regularization_loss"]


def _replica_count(what: str) -> int:
    from ..distribute import _context

    if _context.in_cross_replica_context():
        raise RuntimeError(f"You are calling `{what}` in cross replica context, while it was expected to be called "
                           "in replica context (inside strategy.run).")
    return _context.get_strategy().num_replicas_in_sync


def compute_average_loss(per_example_loss: Any, sample_weight: Any = None, global_batch_size: Any = None) -> Tensor:
    """``sum(per_example_loss * sample_weight) / global_batch_size``, the per-replica loss whose gradients the
    replicas add up (``tf.nn.compute_average_loss``). ``global_batch_size`` defaults to this replica's batch size
    (the first dimension) times ``num_replicas_in_sync``; a zero batch size gives 0 (no NaN).

    >>> import tapegrad as tf
    >>> float(tf.nn.compute_average_loss(tf.constant([1.0, 2.0, 3.0]), global_batch_size=6))
    1.0
    """
    from ..errors import InvalidArgumentError
    from .arithmetic import divide_no_nan as div_no_nan
    from .arithmetic import multiply
    from .core import cast
    from .reductions import reduce_sum

    loss = convert_to_tensor(per_example_loss)
    if loss.shape.rank == 0:
        raise ValueError(f"Invalid value passed for `per_example_loss`. Expected a tensor with at least rank 1. "
                         f"Received per_example_loss={loss.numpy().tolist()!r} with rank 0 "
                         "(pass one loss per example).")
    if sample_weight is not None:
        weight = convert_to_tensor(sample_weight, dtype=loss.dtype)
        loss = multiply(loss, weight)
    if global_batch_size is None:
        replicas = _replica_count("compute_average_loss")
        global_batch_size = int(loss.shape[0]) * replicas
    else:
        gbs = convert_to_tensor(global_batch_size)
        if gbs.shape.rank != 0:
            raise ValueError(f"global_batch_size must be a scalar, got shape {gbs.shape}.")
        if not gbs.dtype.is_integer:
            raise TypeError(f"global_batch_size must be an integer (the number of examples in the global batch), "
                            f"got a {gbs.dtype.name} value.")
        if int(gbs.numpy()) < 0:
            raise InvalidArgumentError(None, None, f"global_batch_size must be non-negative, got "
                                       f"{int(gbs.numpy())}.")
        global_batch_size = gbs
    total = reduce_sum(loss)
    if not (total.dtype.is_floating or total.dtype.is_complex):
        total = cast(total, "float64")  # TF's div_no_nan of integers: float64
    return div_no_nan(total, cast(convert_to_tensor(global_batch_size), total.dtype))


def scale_regularization_loss(regularization_loss: Any) -> Tensor:
    """``sum(regularization_loss) / num_replicas_in_sync``: a regularization term each replica adds to its loss,
    scaled so that the replicas' summed gradients count it once (``tf.nn.scale_regularization_loss``).

    >>> import tapegrad as tf
    >>> float(tf.nn.scale_regularization_loss(tf.constant([1.0, 2.0])))
    3.0
    """
    from .reductions import reduce_sum

    replicas = _replica_count("scale_regularization_loss")
    total = reduce_sum(convert_to_tensor(regularization_loss))
    return total / total.dtype.as_numpy_dtype(replicas) if replicas != 1 else total


EXPORTS: dict[str, list[str]] = {"nn": ["compute_average_loss", "scale_regularization_loss"]}
