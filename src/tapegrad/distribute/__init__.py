"""``tapegrad.distribute``: TensorFlow 2's ``tf.distribute`` — data-parallel training with TF's API, in one process
(``MirroredStrategy`` over logical CPUs) and across processes on MPI (``MultiWorkerMirroredStrategy`` under
``mpiexec``).

The same program runs under every strategy: create the model and optimizer in ``strategy.scope()``, feed
``strategy.experimental_distribute_dataset(global_batches)`` to ``strategy.run(step, args=(batch,))``, scale the
per-example loss with ``tf.nn.compute_average_loss`` and let ``optimizer.apply_gradients`` add the replicas'
gradients; or just ``model.fit`` a model built in the scope. See ``docs/distributed.md``.

>>> import tapegrad as tf
>>> strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
>>> with strategy.scope():
...     w = tf.Variable(2.0)
>>> def step(x):
...     with tf.GradientTape() as tape:
...         loss = tf.nn.compute_average_loss(x * w)
...     return tape.gradient(loss, w)
>>> data = strategy.experimental_distribute_dataset(tf.data.Dataset.from_tensor_slices([1.0, 3.0]).batch(2))
>>> [float(strategy.reduce("SUM", strategy.run(step, args=(x,)), axis=None)) for x in data]
[2.0]
"""

from __future__ import annotations

import types as _types

from .._variable_options import VariableAggregation, VariableSynchronization
from . import _keras  # noqa: F401  (the Keras hooks look this module up)
from ._cluster import ClusterResolver, ClusterSpec, SimpleClusterResolver, TFConfigClusterResolver
from ._context import (
    ReduceOp,
    ReplicaContext,
    get_cross_replica_context,
    get_replica_context,
    get_strategy,
    has_strategy,
    in_cross_replica_context,
)
from ._input import (
    DistributedDataset,
    DistributedDatasetsFromFunction,
    DistributedIterator,
    InputContext,
    InputOptions,
    InputReplicationMode,
)
from ._strategy import (
    CommunicationImplementation,
    CommunicationOptions,
    MirroredStrategy,
    MultiWorkerMirroredStrategy,
    OneDeviceStrategy,
    Strategy,
    StrategyExtended,
    ValueContext,
)
from ._values import DistributedValues, Mirrored, PerReplica

__all__ = [
    "ReduceOp", "ReplicaContext", "get_cross_replica_context", "get_replica_context", "get_strategy", "has_strategy",
    "in_cross_replica_context", "DistributedDataset", "DistributedDatasetsFromFunction", "DistributedIterator",
    "InputContext", "InputOptions", "InputReplicationMode", "MirroredStrategy", "MultiWorkerMirroredStrategy",
    "OneDeviceStrategy", "Strategy", "StrategyExtended", "DistributedValues", "Mirrored", "PerReplica",
    "VariableAggregation", "VariableSynchronization", "experimental", "cluster_resolver",
]

cluster_resolver = _types.ModuleType("tapegrad.distribute.cluster_resolver",
                                     "``tf.distribute.cluster_resolver``: cluster descriptions (MPI provides the "
                                     "processes; MultiWorkerMirroredStrategy checks the worker count).")
cluster_resolver.__dict__.update(ClusterSpec=ClusterSpec, ClusterResolver=ClusterResolver,
                                 SimpleClusterResolver=SimpleClusterResolver,
                                 TFConfigClusterResolver=TFConfigClusterResolver)

experimental = _types.ModuleType("tapegrad.distribute.experimental",
                                 "``tf.distribute.experimental``: communication options, ValueContext, the "
                                 "multi-worker strategy's old name.")
experimental.__dict__.update(CommunicationImplementation=CommunicationImplementation,
                             CollectiveCommunication=CommunicationImplementation,
                             CommunicationOptions=CommunicationOptions, ValueContext=ValueContext,
                             MultiWorkerMirroredStrategy=MultiWorkerMirroredStrategy)
