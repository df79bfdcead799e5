"""Which ``tf.compat.v1`` names tapegrad implements itself (TF 1 versions that differ from TF 2's); every other
name TF defines as a TF 2 function is served by that function (``_v1_table.ALIASES``)."""

from __future__ import annotations

from .v1 import own

own("_v1_ops", "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_all", "reduce_any",
    "reduce_logsumexp", "math.reduce_sum", "math.reduce_mean", "math.reduce_max", "math.reduce_min",
    "math.reduce_prod", "math.reduce_all", "math.reduce_any", "math.reduce_logsumexp", "math.reduce_variance",
    "math.reduce_std", "math.reduce_euclidean_norm", "count_nonzero", "math.count_nonzero", "reduce_join",
    "strings.reduce_join", "argmax", "argmin", "math.argmax", "math.argmin", "arg_max", "arg_min", "expand_dims",
    "squeeze", "gather", "gather_nd", "manip.gather_nd", "norm", "linalg.norm", "ones_like", "zeros_like",
    "constant", "convert_to_tensor", "where", "div", "floor_div", "scalar_mul", "math.scalar_mul", "to_float",
    "to_double", "to_int32", "to_int64", "to_bfloat16", "to_complex64", "to_complex128", "reverse_sequence",
    "boolean_mask", "shape", "size", "pad", "transpose", "space_to_batch", "nn.space_to_batch", "batch_to_space",
    "depth_to_space", "space_to_depth", "cond", "case", "while_loop", "map_fn", "foldl", "foldr", "scan", "tuple",
    "name_scope", "device", "gradients", "hessians", "placeholder", "sparse_placeholder", "sparse.placeholder",
    "placeholder_with_default", "global_variables", "local_variables", "model_variables", "trainable_variables",
    "moving_average_variables", "all_variables", "get_collection", "get_collection_ref",
    "global_variables_initializer", "initializers.global_variables", "local_variables_initializer",
    "initializers.local_variables", "initialize_all_variables", "initialize_local_variables", "tables_initializer",
    "initializers.tables_initializer", "initialize_all_tables", "variables_initializer", "initializers.variables",
    "initialize_variables", "add_to_collection", "add_to_collections", "is_variable_initialized",
    "executing_eagerly", "executing_eagerly_outside_functions", "enable_eager_execution", "enable_v2_behavior",
    "enable_resource_variables", "enable_control_flow_v2", "enable_tensor_equality", "enable_v2_tensorshape",
    "resource_variables_enabled", "control_flow_v2_enabled", "disable_eager_execution", "disable_v2_behavior",
    "disable_resource_variables", "disable_control_flow_v2", "disable_tensor_equality", "disable_v2_tensorshape",
    "VariableAggregation", "Variable", "assign", "assign_add", "assign_sub", "scatter_update", "scatter_add",
    "scatter_sub", "scatter_mul", "scatter_div", "scatter_min", "scatter_max", "scatter_nd_update",
    "scatter_nd_add", "scatter_nd_sub", "count_up_to", "multinomial", "random.multinomial", "random_poisson",
    "random.poisson", "set_random_seed", "random.set_random_seed", "AUTO_REUSE", "VariableScope",
    "get_variable_scope", "variable_scope", "get_variable", "get_local_variable", "zeros_initializer",
    "initializers.zeros", "ones_initializer", "initializers.ones", "constant_initializer", "initializers.constant",
    "random_normal_initializer", "initializers.random_normal", "random_uniform_initializer",
    "initializers.random_uniform", "truncated_normal_initializer", "initializers.truncated_normal",
    "variance_scaling_initializer", "initializers.variance_scaling", "glorot_uniform_initializer",
    "initializers.glorot_uniform", "glorot_normal_initializer", "initializers.glorot_normal", "initializers.he_normal",
    "initializers.he_uniform", "initializers.lecun_normal", "initializers.lecun_uniform", "orthogonal_initializer",
    "initializers.orthogonal", "uniform_unit_scaling_initializer", "initializers.uniform_unit_scaling")
own("_v1_train", "train.get_global_step", "train.create_global_step", "train.get_or_create_global_step",
    "train.assert_global_step", "train.global_step", "train.Optimizer", "train.GradientDescentOptimizer",
    "train.MomentumOptimizer", "train.AdamOptimizer", "train.AdagradOptimizer", "train.RMSPropOptimizer",
    "train.AdadeltaOptimizer", "train.FtrlOptimizer", "train.ProximalGradientDescentOptimizer",
    "train.ProximalAdagradOptimizer", "train.exponential_decay", "train.natural_exp_decay",
    "train.inverse_time_decay", "train.polynomial_decay", "train.piecewise_constant",
    "train.piecewise_constant_decay", "train.cosine_decay", "train.cosine_decay_restarts",
    "train.linear_cosine_decay")
