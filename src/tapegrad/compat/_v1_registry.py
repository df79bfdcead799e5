"""Which ``tf.compat.v1`` names tapegrad implements itself (TF 1 versions that differ from TF 2's); every other
name TF defines as a TF 2 function is served by that function (``_v1_table.ALIASES``)."""

from __future__ import annotations

from .v1 import own

own("_v1_ops", "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_all", "reduce_any",
    "reduce_logsumexp", "math.reduce_sum", "math.reduce_mean", "math.reduce_max", "math.reduce_min",
    "math.reduce_prod", "math.reduce_all", "math.reduce_any", "math.reduce_logsumexp", "math.reduce_variance",
    "math.reduce_std", "math.reduce_euclidean_norm", "count_nonzero", "math.count_nonzero", "reduce_join",
    "strings.reduce_join", "argmax", "argmin", "math.argmax", "math.argmin", "arg_max", "arg_min", "expand_dims",
    "squeeze", "gather", "gather_nd", "manip.gather_nd", "norm", "linalg.norm", "ones_like", "zeros_like", "constant",
    "convert_to_tensor", "where", "div", "floor_div", "scalar_mul", "math.scalar_mul", "to_float", "to_double",
    "to_int32", "to_int64", "to_bfloat16", "to_complex64", "to_complex128", "reverse_sequence", "boolean_mask",
    "shape", "size", "pad", "transpose", "space_to_batch", "nn.space_to_batch", "batch_to_space", "depth_to_space",
    "space_to_depth", "cond", "case", "while_loop", "map_fn", "foldl", "foldr", "scan", "tuple", "name_scope",
    "device", "gradients", "hessians", "placeholder", "sparse_placeholder", "sparse.placeholder",
    "placeholder_with_default", "global_variables", "local_variables", "model_variables", "trainable_variables",
    "moving_average_variables", "all_variables", "get_collection", "get_collection_ref",
    "global_variables_initializer", "initializers.global_variables=global_variables_initializer",
    "local_variables_initializer", "initializers.local_variables=local_variables_initializer",
    "initialize_all_variables", "initialize_local_variables", "tables_initializer", "initializers.tables_initializer",
    "initialize_all_tables", "variables_initializer", "initializers.variables=variables_initializer",
    "initialize_variables", "add_to_collection", "add_to_collections", "is_variable_initialized", "executing_eagerly",
    "executing_eagerly_outside_functions", "enable_eager_execution", "enable_v2_behavior",
    "enable_resource_variables", "enable_control_flow_v2", "enable_tensor_equality", "enable_v2_tensorshape",
    "resource_variables_enabled", "control_flow_v2_enabled", "disable_eager_execution", "disable_v2_behavior",
    "disable_resource_variables", "disable_control_flow_v2", "disable_tensor_equality", "disable_v2_tensorshape",
    "VariableAggregation", "Variable", "assign", "assign_add", "assign_sub", "scatter_update", "scatter_add",
    "scatter_sub", "scatter_mul", "scatter_div", "scatter_min", "scatter_max", "scatter_nd_update", "scatter_nd_add",
    "scatter_nd_sub", "count_up_to", "multinomial", "random.multinomial", "random_poisson",
    "random.poisson=random_poisson", "set_random_seed", "random.set_random_seed", "AUTO_REUSE", "VariableScope",
    "get_variable_scope", "variable_scope", "get_variable", "get_local_variable", "zeros_initializer",
    "initializers.zeros=zeros_initializer", "ones_initializer", "initializers.ones=ones_initializer",
    "constant_initializer", "initializers.constant", "random_normal_initializer",
    "initializers.random_normal=random_normal_initializer", "random_uniform_initializer",
    "initializers.random_uniform=random_uniform_initializer", "truncated_normal_initializer",
    "initializers.truncated_normal=truncated_normal_initializer", "variance_scaling_initializer",
    "initializers.variance_scaling=variance_scaling_initializer", "glorot_uniform_initializer",
    "initializers.glorot_uniform=glorot_uniform_initializer", "glorot_normal_initializer",
    "initializers.glorot_normal=glorot_normal_initializer", "initializers.he_normal", "initializers.he_uniform",
    "initializers.lecun_normal", "initializers.lecun_uniform", "orthogonal_initializer",
    "initializers.orthogonal=orthogonal_initializer", "uniform_unit_scaling_initializer",
    "initializers.uniform_unit_scaling=uniform_unit_scaling_initializer")
own("_v1_train", "train.get_global_step", "train.create_global_step", "train.get_or_create_global_step",
    "train.assert_global_step", "train.global_step", "train.Optimizer", "train.GradientDescentOptimizer",
    "train.MomentumOptimizer", "train.AdamOptimizer", "train.AdagradOptimizer", "train.RMSPropOptimizer",
    "train.AdadeltaOptimizer", "train.FtrlOptimizer", "train.ProximalGradientDescentOptimizer",
    "train.ProximalAdagradOptimizer", "train.exponential_decay", "train.natural_exp_decay",
    "train.inverse_time_decay", "train.polynomial_decay", "train.piecewise_constant",
    "train.piecewise_constant_decay", "train.cosine_decay", "train.cosine_decay_restarts",
    "train.linear_cosine_decay")
own("_v1_nn", "nn.dropout", "nn.softmax", "math.softmax", "nn.log_softmax", "math.log_softmax",
    "nn.softmax_cross_entropy_with_logits", "nn.softmax_cross_entropy_with_logits_v2",
    "nn.sparse_softmax_cross_entropy_with_logits", "nn.sigmoid_cross_entropy_with_logits",
    "nn.weighted_cross_entropy_with_logits", "nn.moments", "nn.weighted_moments", "nn.sufficient_statistics",
    "nn.max_pool", "nn.avg_pool", "nn.conv1d", "nn.conv2d", "nn.conv2d_transpose", "nn.conv3d", "nn.convolution",
    "nn.depthwise_conv2d", "nn.separable_conv2d", "nn.crelu", "nn.embedding_lookup", "nn.relu_layer", "nn.xw_plus_b",
    "nn.fused_batch_norm", "nn.batch_norm_with_global_normalization", "bincount", "math.bincount", "confusion_matrix",
    "math.confusion_matrix", "nn.in_top_k", "math.in_top_k", "random.get_seed", "get_seed",
    "random.stateless_multinomial", "substr", "strings.substr", "string_to_number",
    "strings.to_number=string_to_number", "string_to_hash_bucket", "strings.to_hash_bucket=string_to_hash_bucket",
    "string_split", "sparse_reduce_sum", "sparse.reduce_sum=sparse_reduce_sum", "sparse_reduce_max",
    "sparse.reduce_max=sparse_reduce_max", "sparse_reduce_sum_sparse",
    "sparse.reduce_sum_sparse=sparse_reduce_sum_sparse", "sparse_reduce_max_sparse",
    "sparse.reduce_max_sparse=sparse_reduce_max_sparse", "sparse_add", "sparse.add=sparse_add", "sparse_concat",
    "sparse.concat=sparse_concat", "sparse_split", "sparse.split=sparse_split", "sparse_segment_sum",
    "sparse.segment_sum=sparse_segment_sum", "sparse_segment_mean", "sparse.segment_mean=sparse_segment_mean",
    "sparse_segment_sqrt_n", "sparse.segment_sqrt_n=sparse_segment_sqrt_n", "sparse_to_dense", "decode_raw",
    "io.decode_raw", "parse_example", "io.parse_example", "parse_single_example", "io.parse_single_example",
    "assert_equal", "debugging.assert_equal", "assert_none_equal", "debugging.assert_none_equal", "assert_less",
    "debugging.assert_less", "assert_less_equal", "debugging.assert_less_equal", "assert_greater",
    "debugging.assert_greater", "assert_greater_equal", "debugging.assert_greater_equal", "assert_negative",
    "debugging.assert_negative", "assert_positive", "debugging.assert_positive", "assert_non_negative",
    "debugging.assert_non_negative", "assert_non_positive", "debugging.assert_non_positive", "assert_rank",
    "debugging.assert_rank", "assert_rank_at_least", "debugging.assert_rank_at_least", "assert_rank_in",
    "debugging.assert_rank_in", "assert_near", "debugging.assert_near", "assert_scalar", "debugging.assert_scalar",
    "verify_tensor_all_finite", "debugging.assert_all_finite", "losses.Reduction", "losses.compute_weighted_loss",
    "losses.absolute_difference", "losses.mean_squared_error", "losses.huber_loss", "losses.log_loss",
    "losses.hinge_loss", "losses.cosine_distance", "losses.sigmoid_cross_entropy", "losses.softmax_cross_entropy",
    "losses.sparse_softmax_cross_entropy", "losses.mean_pairwise_squared_error", "losses.get_losses",
    "losses.get_regularization_losses", "losses.get_regularization_loss", "losses.add_loss")
own("_v1_nn", "strings.length", attr="string_length")
own("_v1_nn", "strings.split", attr="strings_split")
own("_v1_nn", "linalg.transpose", "linalg.matrix_transpose", "matrix_transpose", attr="matrix_transpose")
own("_v1_misc", *(f"logging.{n}" for n in ("DEBUG", "INFO", "WARN", "ERROR", "FATAL", "log", "debug", "info",
                                            "warning", "warn", "error", "fatal", "vlog", "flush", "get_verbosity",
                                            "set_verbosity", "log_every_n", "log_first_n", "log_if",
                                            "TaskLevelStatusMessage")))
own("_v1_misc", "errors.error_code_from_exception_type", "errors.exception_type_from_error_code")
own("_v1_misc", *(f"gfile.{n}" for n in ("Copy", "DeleteRecursively", "Exists", "Glob", "IsDirectory",
                                          "ListDirectory", "MakeDirs", "MkDir", "Remove", "Rename", "Stat", "Walk",
                                          "FastGFile")))
own("_v1_misc", "data.AUTOTUNE", "data.INFINITE_CARDINALITY", "data.UNKNOWN_CARDINALITY",
    "data.experimental.AUTOTUNE", "data.experimental.INFINITE_CARDINALITY", "data.experimental.UNKNOWN_CARDINALITY")
own("_v1_misc", "data.make_one_shot_iterator", "data.make_initializable_iterator", "data.get_output_types",
    "data.get_output_shapes", "data.get_output_classes")
own("_v1_nn", "nn.avg_pool2d", "nn.conv3d_transpose", "nn.conv2d_backprop_input", "nn.conv2d_backprop_filter",
    "nn.depthwise_conv2d_native", "nn.dilation2d", "nn.erosion2d", "nn.max_pool_with_argmax", "nn.pool",
    "nn.nce_loss", "nn.sampled_softmax_loss", "nn.embedding_lookup_sparse", "nn.ctc_beam_search_decoder",
    "serialize_sparse", "io.serialize_sparse",
    "serialize_many_sparse", "io.serialize_many_sparse", "decode_csv", "io.decode_csv", "extract_image_patches",
    "image.extract_image_patches=extract_image_patches", "batch_gather", "batch_scatter_update",
    "clip_by_average_norm", "setdiff1d", "convert_to_tensor_or_indexed_slices", "convert_to_tensor_or_sparse_tensor",
    "assert_integer", "debugging.assert_integer", "assert_type", "debugging.assert_type", "py_func", "Print",
    "no_regularizer", "manip.reshape=manip_reshape", "batch_to_space_nd", "manip.batch_to_space_nd=batch_to_space_nd")
own("_v1_image", "image.ResizeMethod", "image.resize_bilinear", "image.resize_nearest_neighbor",
    "image.resize_bicubic", "image.resize_area", "image.resize_images", "image.resize=resize_images",
    "image.resize_image_with_pad")
own("_v1_train", "train.Saver")
own("_v1_train", "train.checkpoint_exists", "train.get_checkpoint_mtimes", "train.remove_checkpoint",
    "train.NewCheckpointReader", "train.generate_checkpoint_state_proto", "train.update_checkpoint_state",
    "train.summary_iterator", "train.noisy_linear_cosine_decay", "train.Checkpoint")
own("_v1_misc", "app.run")
own("_v1_summary", "summary.scalar", "summary.histogram", "summary.text", "summary.tensor_summary", "summary.image",
    "summary.audio", "summary.merge", "summary.merge_all", "summary.FileWriter", "summary.get_summary_description",
    "summary.Event", "summary.Summary")
