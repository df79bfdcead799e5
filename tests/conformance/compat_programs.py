"""``tf.compat`` and ``tf.compat.v1`` programs (TF 1-style code as TF 2 runs it eagerly: deprecated argument
spellings, TF 1 semantics of ``where``/``div``/``constant``, the eager answers of graph-mode functions, variable
scopes, TF 1 initializers with seeds, the ``train.*Optimizer`` update rules incl. sparse updates and slots, decay
functions), run unchanged under TensorFlow and under tapegrad with the harness of ``strings_ragged_programs.py``
(``python compat_programs.py MODULE OUT``): repr text compared with numbers at rtol 1e-5, exceptions by class.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from strings_ragged_programs import main as _main  # noqa: E402

CASES: dict[str, Callable[[Any], Any]] = {}


def case(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    CASES[fn.__name__] = fn
    return fn


def _r(tf: Any, x: Any) -> Any:
    """Tensors as (dtype, nested lists): NumPy's array repr pads by the widest number, so a last-digit difference
    would change the text; the lists compare number by number (rtol 1e-5)."""
    def leaf(t: Any) -> Any:
        if hasattr(t, "numpy") and hasattr(t, "dtype"):
            a = np.asarray(t.numpy())
            return (str(t.dtype.name), a.tolist())
        return t
    return tf.nest.map_structure(leaf, x)


@case
def compat_text_and_dates(tf: Any) -> Any:
    c = tf.compat
    with c.forward_compatibility_horizon(2030, 1, 2):
        inside = c.forward_compatible(2030, 1, 2), c.forward_compatible(2030, 1, 1)
    return (c.as_bytes("é"), c.as_text(b"ab"), c.as_str_any(5), c.forward_compatible(2019, 1, 1), inside,
            c.dimension_value(tf.TensorShape([2, 3])[0]), str(c.dimension_at_index(tf.TensorShape([2, None]), 1)))


@case
def compat_as_bytes_refuses_int(tf: Any) -> Any:
    return tf.compat.as_bytes(5)


@case
def v1_reductions_deprecated_args(tf: Any) -> Any:
    v1, x = tf.compat.v1, tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    return (v1.reduce_sum(x, reduction_indices=[1], keep_dims=True), v1.reduce_mean(x, 0),
            v1.reduce_max(x, axis=1, keepdims=True), v1.math.reduce_prod(x, reduction_indices=0),
            v1.count_nonzero(tf.constant([[0, 1], [2, 0]]), reduction_indices=1),
            v1.reduce_logsumexp(x, keep_dims=True), v1.reduce_join(tf.constant([["a", "b"], ["c", "d"]]),
                                                                  reduction_indices=1))


@case
def v1_reduction_both_axis_names(tf: Any) -> Any:
    return tf.compat.v1.reduce_sum(tf.ones([2, 3]), axis=1, reduction_indices=[1])


@case
def v1_shape_ops_deprecated_args(tf: Any) -> Any:
    v1, x = tf.compat.v1, tf.constant([[1, 3], [4, 2]])
    return (v1.argmax(x, dimension=1), v1.argmin(x), v1.arg_max(x, 0), v1.expand_dims(x, dim=0).shape,
            v1.squeeze(tf.ones([1, 2, 1]), squeeze_dims=[0]).shape, v1.gather(x, [1, 0]),
            v1.norm(tf.constant([3.0, 4.0]), keep_dims=True), v1.ones_like(x, dtype=tf.float32),
            v1.shape(x), v1.size(x), v1.reverse_sequence(tf.constant([[1, 2, 3], [4, 5, 6]]), [2, 3], seq_dim=1,
                                                         batch_dim=0))


@case
def v1_where_div_casts(tf: Any) -> Any:
    v1 = tf.compat.v1
    return (v1.where(tf.constant([True, False, True])), v1.where(tf.constant([True, False]), tf.constant([1, 2]),
                                                                  tf.constant([3, 4])),
            v1.where(tf.constant([True, False]), tf.constant([[1, 2], [3, 4]]), tf.constant([[5, 6], [7, 8]])),
            v1.div(7, 2), v1.div(-7, 2), v1.div(7.0, 2.0), v1.to_float(tf.constant([1, 2])),
            v1.to_int64(tf.constant([1.7])), v1.to_double(tf.constant(1.5)))


@case
def v1_where_refuses_broadcasting(tf: Any) -> Any:
    return tf.compat.v1.where(tf.constant([True, False]), tf.constant([1, 2]), tf.constant(3))


@case
def v1_constant_shape_rules(tf: Any) -> Any:
    v1 = tf.compat.v1
    return v1.constant(7, shape=[2, 2]), v1.constant([1, 2, 3, 4], shape=[2, 2])


@case
def v1_constant_shape_mismatch(tf: Any) -> Any:
    return tf.compat.v1.constant([1, 2], shape=[2, 2])


@case
def v1_constant_verify_shape(tf: Any) -> Any:
    return tf.compat.v1.constant([1, 2], shape=[2], verify_shape=True), \
        tf.compat.v1.constant([1, 2, 3, 4], shape=[2, 2], verify_shape=True)


@case
def v1_control_flow(tf: Any) -> Any:
    v1 = tf.compat.v1
    one = v1.while_loop(lambda i: i < 5, lambda i: i + 1, [tf.constant(0)])
    same = v1.while_loop(lambda i: i < 5, lambda i: [i + 2], [tf.constant(0)], return_same_structure=True)
    c = v1.cond(tf.constant(True), fn1=lambda: tf.constant(1), fn2=lambda: tf.constant(2))
    m = v1.map_fn(lambda x: x * 2, tf.constant([1, 2, 3]), dtype=tf.int32)
    f = v1.foldl(lambda a, x: a + x, tf.constant([1, 2, 3]))
    return one, same, c, m, f


@case
def v1_eager_graph_functions(tf: Any) -> Any:
    v1 = tf.compat.v1
    tf.Variable(1.0)
    return (v1.global_variables(), v1.trainable_variables(), v1.get_collection("x"), v1.add_to_collection("x", 1),
            v1.global_variables_initializer(), v1.executing_eagerly(), v1.enable_eager_execution(),
            v1.enable_v2_behavior(), v1.resource_variables_enabled(), v1.placeholder_with_default(tf.constant([1.0]),
                                                                                                  [None]))


@case
def v1_placeholder_eagerly(tf: Any) -> Any:
    return tf.compat.v1.placeholder(tf.float32, [None])


@case
def v1_gradients_eagerly(tf: Any) -> Any:
    return tf.compat.v1.gradients(tf.constant(1.0), tf.constant(2.0))


@case
def v1_variables_and_scopes(tf: Any) -> Any:
    v1 = tf.compat.v1
    with v1.variable_scope("outer"):
        with v1.variable_scope("inner", initializer=v1.ones_initializer()):
            a = v1.get_variable("w", [2])
            b = v1.get_variable("w", [2])
            scope = v1.get_variable_scope().name
    c = v1.get_variable("z", [3], initializer=v1.zeros_initializer(), dtype=tf.float64)
    d = v1.Variable(2.0, name="v")
    return a.name, a is b, a.numpy(), scope, c.name, c.dtype, c.numpy(), d.name, float(d.numpy())


@case
def v1_variable_updates(tf: Any) -> Any:
    v1 = tf.compat.v1
    v = tf.Variable([1.0, 2.0, 3.0])
    v1.assign(v, [4.0, 5.0, 6.0])
    v1.assign_add(v, [1.0, 1.0, 1.0])
    v1.scatter_add(v, [1, 1], [10.0, 1.0])
    v1.scatter_update(v, [0], [0.5])
    v1.scatter_nd_sub(v, [[2]], [2.0])
    c = tf.Variable(0)
    counts = [int(v1.count_up_to(c, 2)) for _ in range(2)]
    return v.numpy(), counts


@case
def v1_count_up_to_limit(tf: Any) -> Any:
    c = tf.Variable(2)
    return tf.compat.v1.count_up_to(c, 2)


@case
def v1_initializers_seeded(tf: Any) -> Any:
    v1 = tf.compat.v1
    return (v1.zeros_initializer()([2]), v1.ones_initializer(dtype=tf.float64)([2]),
            v1.constant_initializer(3.0)([2, 2]), v1.constant_initializer([1.0, 2.0, 3.0, 4.0])([2, 2]),
            v1.random_normal_initializer(seed=1)([3]), v1.random_uniform_initializer(-1.0, 1.0, seed=2)([3]),
            v1.truncated_normal_initializer(stddev=0.5, seed=3)([3]),
            v1.glorot_uniform_initializer(seed=1)([2, 2]), v1.glorot_normal_initializer(seed=4)([3, 2]),
            v1.variance_scaling_initializer(seed=5)([4, 3]),
            v1.variance_scaling_initializer(2.0, "fan_avg", "uniform", seed=6)([2, 3]),
            v1.initializers.he_normal(seed=7)([3, 3]), v1.initializers.lecun_uniform(seed=8)([2, 2]),
            v1.uniform_unit_scaling_initializer(seed=9)([3, 2]))


@case
def v1_orthogonal_initializer(tf: Any) -> Any:
    q = tf.compat.v1.orthogonal_initializer(seed=3)([4, 3])
    return np.round(q.numpy(), 5), np.round(tf.compat.v1.orthogonal_initializer(0.5, seed=4)([2, 5]).numpy(), 5)


@case
def v1_random_ops(tf: Any) -> Any:
    v1 = tf.compat.v1
    v1.set_random_seed(5)
    return (v1.multinomial(tf.math.log([[0.2, 0.8]]), 6, seed=1), v1.random_poisson(3.0, [4], seed=2),
            v1.random_normal([3], seed=3), v1.random_uniform([2], seed=4), v1.truncated_normal([2], seed=5))


def _linear_problem(tf: Any) -> tuple[Any, Any, Callable[[], Any]]:
    w = tf.Variable([1.0, -2.0], name="w")
    b = tf.Variable(0.5, name="b")
    x = tf.constant([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    y = tf.constant([1.0, 0.0, 2.0])
    return w, b, lambda: tf.reduce_mean((tf.linalg.matvec(x, w) + b - y) ** 2)


def _optimize(tf: Any, opt: Any, steps: int = 3) -> Any:
    w, b, loss = _linear_problem(tf)
    losses = []
    for _ in range(steps):
        losses.append(float(loss()))
        opt.minimize(loss, var_list=[w, b])
    slots = {name: opt.get_slot(w, name).numpy() for name in opt.get_slot_names()}
    return losses, w.numpy(), b.numpy(), slots, sorted(v.name for v in opt.variables())


@case
def v1_gradient_descent_and_momentum(tf: Any) -> Any:
    t = tf.compat.v1.train
    return (_optimize(tf, t.GradientDescentOptimizer(0.1)), _optimize(tf, t.MomentumOptimizer(0.1, 0.9)),
            _optimize(tf, t.MomentumOptimizer(0.05, 0.9, use_nesterov=True)))


@case
def v1_adam(tf: Any) -> Any:
    return _optimize(tf, tf.compat.v1.train.AdamOptimizer(0.1), steps=4)


@case
def v1_adagrad_rmsprop_adadelta(tf: Any) -> Any:
    t = tf.compat.v1.train
    return (_optimize(tf, t.AdagradOptimizer(0.3)), _optimize(tf, t.RMSPropOptimizer(0.05)),
            _optimize(tf, t.RMSPropOptimizer(0.05, momentum=0.5, centered=True)),
            _optimize(tf, t.AdadeltaOptimizer(1.0)))


@case
def v1_ftrl_and_proximal(tf: Any) -> Any:
    t = tf.compat.v1.train
    return (_optimize(tf, t.FtrlOptimizer(0.2, l1_regularization_strength=0.01, l2_regularization_strength=0.1)),
            _optimize(tf, t.FtrlOptimizer(0.2, l2_shrinkage_regularization_strength=0.05)),
            _optimize(tf, t.ProximalGradientDescentOptimizer(0.1, 0.05, 0.1)),
            _optimize(tf, t.ProximalAdagradOptimizer(0.3, l1_regularization_strength=0.01)))


@case
def v1_sparse_updates(tf: Any) -> Any:
    t = tf.compat.v1.train
    out = []
    for opt in (t.GradientDescentOptimizer(0.1), t.AdamOptimizer(0.1), t.AdagradOptimizer(0.1),
                t.MomentumOptimizer(0.1, 0.9), t.RMSPropOptimizer(0.1)):
        v = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        for _ in range(2):
            with tf.GradientTape() as tape:
                y = tf.reduce_sum(tf.gather(v, [0, 2, 0]) ** 2)
            opt.apply_gradients([(tape.gradient(y, v), v)])
        out.append(v.numpy())
    return out


@case
def v1_global_step_and_apply_gradients(tf: Any) -> Any:
    t = tf.compat.v1.train
    gs = t.get_or_create_global_step()
    w, b, loss = _linear_problem(tf)
    opt = t.GradientDescentOptimizer(0.1)
    returned = opt.minimize(loss, global_step=gs, var_list=[w, b])
    pairs = opt.compute_gradients(loss, [w, b])
    opt.apply_gradients(pairs, global_step=gs)
    return returned, gs.name, gs.dtype, int(gs.numpy()), t.get_global_step() is gs, [g.numpy() for g, _ in pairs]


@case
def v1_minimize_needs_callable(tf: Any) -> Any:
    v = tf.Variable(1.0)
    return tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(v * 2.0, var_list=[v])


@case
def v1_apply_gradients_all_none(tf: Any) -> Any:
    v = tf.Variable([1.0])
    return tf.compat.v1.train.AdamOptimizer(0.1).apply_gradients([(None, v)])


@case
def v1_decay_functions(tf: Any) -> Any:
    t = tf.compat.v1.train
    step = tf.Variable(0, dtype=tf.int64)
    fns = [t.exponential_decay(0.1, step, 5, 0.5), t.exponential_decay(0.1, step, 5, 0.5, staircase=True),
           t.natural_exp_decay(0.1, step, 5, 0.5), t.inverse_time_decay(0.1, step, 5, 0.5, staircase=True),
           t.polynomial_decay(0.1, step, 10, 0.01, power=2.0), t.polynomial_decay(0.1, step, 4, cycle=True),
           t.piecewise_constant(step, [3, 6], [1.0, 0.5, 0.1]), t.cosine_decay(0.1, step, 10, alpha=0.1),
           t.cosine_decay_restarts(0.1, step, 3), t.cosine_decay_restarts(0.1, step, 3, t_mul=1.0, m_mul=0.5),
           t.linear_cosine_decay(0.1, step, 10)]
    out = []
    for s in (0, 2, 4, 7, 12):
        step.assign(s)
        out.append([round(float(f()), 6) for f in fns])
    return out


@case
def v1_aliases_are_tf2(tf: Any) -> Any:
    v1 = tf.compat.v1
    x = tf.constant([1.0, 4.0])
    return (v1.math.log(x), v1.sqrt(x), v1.nn.relu(tf.constant([-1.0, 2.0])), v1.linalg.eye(2),
            v1.random.set_seed(1), v1.strings.length(tf.constant(["ab"])), v1.image.flip_left_right(tf.ones([1, 2, 1])))


@case
def v1_nn_deprecated_spellings(tf: Any) -> Any:
    v1 = tf.compat.v1
    x = tf.constant([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]])
    img = tf.reshape(tf.range(32, dtype=tf.float32), [1, 4, 4, 2])
    k = tf.reshape(tf.linspace(-1.0, 1.0, 2 * 2 * 2 * 3), [2, 2, 2, 3])
    return _r(tf, (v1.nn.softmax(x, dim=0), v1.nn.log_softmax(x, dim=1),
                   v1.nn.dropout(tf.ones([6]), keep_prob=0.5, seed=3),
            v1.nn.moments(x, [1], keep_dims=True), v1.nn.max_pool(img, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"),
            v1.nn.avg_pool(value=img, ksize=2, strides=2, padding="SAME"),
            v1.nn.conv2d(img, filter=k, strides=[1, 1, 1, 1], padding="SAME", use_cudnn_on_gpu=False),
            v1.nn.depthwise_conv2d(img, tf.ones([2, 2, 2, 1]), [1, 1, 1, 1], "VALID", rate=[2, 2]),
            v1.nn.xw_plus_b(x, tf.ones([3, 2]), tf.constant([1.0, -1.0])), v1.nn.crelu(x, axis=0),
            v1.nn.in_top_k(x, [1, 2], 1), v1.nn.relu_layer(x, tf.ones([3, 1]), tf.constant([0.5]))))


@case
def v1_cross_entropies(tf: Any) -> Any:
    v1 = tf.compat.v1
    logits = tf.constant([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]])
    labels = tf.constant([[0.7, 0.2, 0.1], [0.0, 0.0, 1.0]])
    with tf.GradientTape(persistent=True) as t:
        t.watch([logits, labels])
        old = v1.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        new = v1.nn.softmax_cross_entropy_with_logits_v2(labels, logits)
    return _r(tf, (old, new, t.gradient(old, labels), t.gradient(new, labels),
            v1.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 2], logits=logits),
            v1.nn.weighted_cross_entropy_with_logits(targets=labels, logits=logits, pos_weight=2.0)))


@case
def v1_embedding_lookup_sharded(tf: Any) -> Any:
    v1 = tf.compat.v1
    table = np.arange(14, dtype=np.float32).reshape(7, 2)
    mod = [tf.constant(table[i::3]) for i in range(3)]
    div = [tf.constant(table[0:3]), tf.constant(table[3:5]), tf.constant(table[5:7])]
    ids = tf.constant([0, 4, 6, 2, 5])
    return (v1.nn.embedding_lookup(mod, ids), v1.nn.embedding_lookup(div, ids, partition_strategy="div"),
            v1.nn.embedding_lookup(tf.constant(table), [[1, 3]]))


@case
def v1_fused_batch_norm(tf: Any) -> Any:
    v1 = tf.compat.v1
    x = tf.reshape(tf.linspace(-2.0, 3.0, 2 * 3 * 2 * 2), [2, 3, 2, 2])
    y, m, v = v1.nn.fused_batch_norm(x, tf.constant([1.0, 2.0]), tf.constant([0.0, 0.5]))
    yi, _, _ = v1.nn.fused_batch_norm(x, tf.constant([1.0, 2.0]), tf.constant([0.0, 0.5]), mean=m, variance=v,
                                      is_training=False)
    return _r(tf, y, m, v, yi)


@case
def v1_losses(tf: Any) -> Any:
    L = tf.compat.v1.losses
    y = tf.constant([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    p = tf.constant([[0.8, 0.3], [0.4, 0.9], [0.6, 0.2]])
    w = tf.constant([[1.0], [0.0], [2.0]])
    logits = tf.constant([[2.0, -1.0], [0.5, 0.5], [-1.0, 3.0]])
    return _r(tf, (L.mean_squared_error(y, p), L.mean_squared_error(y, p, weights=w),
            L.absolute_difference(y, p, reduction=L.Reduction.SUM), L.huber_loss(y, p * 3.0, delta=0.5),
            L.log_loss(y, p, weights=w, reduction=L.Reduction.MEAN),
            L.hinge_loss(y, logits, reduction=L.Reduction.NONE), L.sigmoid_cross_entropy(y, logits,
                                                                                        label_smoothing=0.1),
            L.softmax_cross_entropy(y, logits, weights=[1.0, 2.0, 0.0], label_smoothing=0.2),
            L.sparse_softmax_cross_entropy([0, 1, 1], logits, weights=[[1.0], [0.5], [1.0]]),
            L.cosine_distance(tf.math.l2_normalize(y, 1), tf.math.l2_normalize(p, 1), axis=1),
            L.mean_pairwise_squared_error(y, p), L.compute_weighted_loss(tf.constant([1.0, 2.0, 3.0]),
                                                                          reduction=L.Reduction.SUM_OVER_BATCH_SIZE),
            L.get_losses(), L.Reduction.all()))


@case
def v1_sparse_strings_misc(tf: Any) -> Any:
    v1 = tf.compat.v1
    st = tf.SparseTensor([[0, 0], [1, 2], [2, 1]], [1.0, 5.0, -2.0], [3, 3])
    return (v1.sparse_reduce_sum(st, reduction_axes=1, keep_dims=True), v1.sparse_reduce_max(st, 0),
            tf.sparse.to_dense(v1.sparse_add(st, st, thresh=3.0)), v1.sparse_to_dense([[0, 1], [2, 0]], [3, 2], 7.0),
            v1.sparse_to_dense([1, 3], [5], [1, 2], -1), v1.string_split(["a b  c", "d"]),
            v1.string_split(["a,b;c"], delimiter=",;"), v1.strings.split(["x y"]), v1.substr("hello", 1, 3),
            v1.string_to_number(["1.5", "2"]), v1.bincount([1, 1, 3], minlength=5),
            v1.confusion_matrix([0, 1, 1], [0, 1, 0]), v1.linalg.transpose(tf.ones([2, 3])).shape)


@case
def v1_asserts_and_logging_codes(tf: Any) -> Any:
    v1 = tf.compat.v1
    ok = v1.assert_equal(tf.constant(1), tf.constant(1), ["data"], 3, "message")
    codes = (v1.errors.NOT_FOUND, v1.errors.OUT_OF_RANGE, v1.errors.UNAUTHENTICATED,
             v1.errors.error_code_from_exception_type(tf.errors.InvalidArgumentError),
             v1.errors.exception_type_from_error_code(11).__name__)
    return ok, codes, v1.logging.DEBUG, v1.logging.FATAL, v1.verify_tensor_all_finite(tf.constant([1.0]), "bad")


@case
def v1_assert_fails(tf: Any) -> Any:
    return tf.compat.v1.assert_less(tf.constant(3), tf.constant(1), message="no")


@case
def v1_dataset_helpers(tf: Any) -> Any:
    v1 = tf.compat.v1
    ds = tf.data.Dataset.from_tensor_slices(({"a": [1, 2]}, [[1.0, 2.0], [3.0, 4.0]]))
    it = v1.data.make_one_shot_iterator(ds)
    first = next(it)
    return (v1.data.get_output_types(ds), v1.data.get_output_shapes(ds), first, v1.data.AUTOTUNE,
            v1.data.INFINITE_CARDINALITY)


@case
def v1_more_spellings(tf: Any) -> Any:
    v1 = tf.compat.v1
    x = tf.reshape(tf.range(2 * 4 * 4 * 2, dtype=tf.float32) / 10.0, [2, 4, 4, 2])
    k = tf.reshape(tf.linspace(-1.0, 1.0, 2 * 2 * 2 * 3), [2, 2, 2, 3])
    y = tf.nn.conv2d(x, k, [1, 1, 1, 1], "SAME")
    return _r(tf, (v1.nn.conv2d_backprop_input(tf.shape(x), k, tf.ones_like(y), [1, 1, 1, 1], "SAME"),
                   v1.nn.conv2d_backprop_filter(x, tf.shape(k), tf.ones_like(y), [1, 1, 1, 1], "SAME"),
                   v1.nn.depthwise_conv2d_native(x, tf.ones([2, 2, 2, 2]), [1, 1, 1, 1], "VALID"),
                   v1.nn.max_pool_with_argmax(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID", Targmax=tf.int64),
                   v1.nn.pool(x, [2, 2], "AVG", "SAME", dilation_rate=[1, 1], strides=[2, 2]),
                   v1.nn.avg_pool2d(x, 2, 2, "VALID"), v1.setdiff1d([5, 1, 3, 1, 7], [1, 7]),
                   v1.clip_by_average_norm(tf.constant([3.0, 4.0]), 1.0),
                   v1.batch_gather(tf.constant([[1, 2, 3], [4, 5, 6]]), tf.constant([[2, 0], [1, 1]])),
                   v1.extract_image_patches(x, ksizes=[1, 2, 2, 1], strides=[1, 2, 2, 1], rates=[1, 1, 1, 1],
                                            padding="VALID"),
                   v1.manip.reshape(tf.range(6), [2, 3]), v1.initializers.zeros()([2]),
                   v1.sparse.reduce_sum(tf.SparseTensor([[0, 1]], [2.0], [2, 2]), reduction_axes=0),
                   v1.random.poisson(2.0, [3], seed=4)))


@case
def v1_ctc_beam_merge_repeated(tf: Any) -> Any:
    v1 = tf.compat.v1
    logits = tf.math.log(tf.constant([[[0.1, 0.6, 0.3]], [[0.2, 0.6, 0.2]], [[0.5, 0.1, 0.4]]]))
    merged, p1 = v1.nn.ctc_beam_search_decoder(logits, [3], beam_width=4)
    kept, p2 = v1.nn.ctc_beam_search_decoder(logits, [3], beam_width=4, merge_repeated=False)
    return (tf.sparse.to_dense(merged[0]), tf.sparse.to_dense(kept[0]), np.round(p1.numpy(), 4),
            np.round(p2.numpy(), 4))


@case
def v1_image_resize_legacy_sampling(tf: Any) -> Any:
    im = tf.compat.v1.image
    img = tf.constant(np.random.default_rng(0).normal(size=(1, 4, 5, 2)).astype(np.float32))
    out = []
    for fn in (im.resize_bilinear, im.resize_bicubic, im.resize_nearest_neighbor):
        for ac, hp in ((False, False), (True, False), (False, True)):
            out.append(fn(img, [3, 7], align_corners=ac, half_pixel_centers=hp))
    out += [im.resize_area(img, [3, 7]), im.resize_area(img, [2, 2], align_corners=True),
            im.resize_images(img[0], [6, 3]), im.resize_images(tf.cast(img * 9, tf.int32), [6, 3], method=1),
            im.resize_images(img, [8, 8], method=im.ResizeMethod.AREA, preserve_aspect_ratio=True),
            im.resize_images(tf.cast(img, tf.int32), [4, 5]), im.resize_image_with_pad(img, 7, 9)]
    return _r(tf, out)


@case
def v1_image_resize_gradients(tf: Any) -> Any:
    im = tf.compat.v1.image
    v = tf.Variable(np.random.default_rng(1).normal(size=(1, 3, 4, 1)).astype(np.float32))
    out = []
    # (bicubic's gradient agrees to ~1e-5 only: TF's kernel sums in another order; tests/test_compat.py checks it)
    for fn in (im.resize_bilinear, im.resize_nearest_neighbor):
        for ac in (False, True):
            with tf.GradientTape() as t:
                y = fn(v, [5, 2], align_corners=ac)
                loss = tf.reduce_sum(y * tf.reshape(tf.range(10, dtype=tf.float32), [1, 5, 2, 1]))
            out.append(t.gradient(loss, v))
    return _r(tf, out)


@case
def v1_image_resize_both_alignments(tf: Any) -> Any:
    return tf.compat.v1.image.resize_bilinear(tf.ones([1, 2, 2, 1]), [3, 3], align_corners=True,
                                              half_pixel_centers=True)


@case
def v1_metrics_refused_eagerly(tf: Any) -> Any:
    return tf.compat.v1.metrics.accuracy([1, 0], [1, 1])


@case
def v1_layers_need_keras_2(tf: Any) -> Any:
    return tf.compat.v1.layers.dense


@case
def v1_summary_protos(tf: Any) -> Any:
    s = tf.compat.v1.summary
    noise = tf.constant(np.random.default_rng(0).normal(size=300))
    return [v.numpy() for v in (
        s.scalar("a", 1.5), s.scalar("i", tf.constant(3)), s.scalar("a", 2.0, family="fam"),
        s.histogram("h", tf.constant([1.0, 2.0, -3.0, 0.0])),
        s.histogram("h", tf.constant([[1.0, 2.0], [1e-13, 5e20]])),
        s.histogram("e", tf.constant([], tf.float32)), s.histogram("n", noise), s.histogram("ints", [1, 1, 7, -2]),
        s.text("t", tf.constant(["a", "b"])), s.tensor_summary("ts", tf.constant([1, 2])),
        s.audio("au", tf.constant(np.linspace(-1, 1, 24).reshape(2, 6, 2).astype(np.float32)), 16000,
                max_outputs=1))]


@case
def v1_summary_merge_refused(tf: Any) -> Any:
    return tf.compat.v1.summary.merge_all()


@case
def v1_summary_file_writer_refused(tf: Any) -> Any:
    return tf.compat.v1.summary.FileWriter("/tmp/unused")


if __name__ == "__main__":
    _main(CASES)
