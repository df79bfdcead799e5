"""The public surface: every TensorFlow name of the op-library issue exists in tapegrad, where TF puts it.

The list is the op-library issue's (213 names, ``tf.`` omitted). With TensorFlow installed, each name is also
checked to exist in TF itself at the same path (so tapegrad never invents a location), and top-level exports
that TF does not have are reported.
"""

from __future__ import annotations

import importlib.util

import pytest

import tapegrad

NAMES = """
    constant Variable convert_to_tensor zeros ones zeros_like ones_like fill range linspace eye identity one_hot
    cast stop_gradient abs add add_n subtract multiply divide truediv negative pow square sqrt exp sin cos tan
    tanh sigmoid maximum minimum sign round clip_by_value clip_by_norm clip_by_global_norm norm equal not_equal
    greater greater_equal less less_equal logical_and logical_or logical_not reduce_sum reduce_mean reduce_max
    reduce_min reduce_prod reduce_logsumexp reduce_all reduce_any argmax argmin cumsum reshape transpose concat
    stack unstack split squeeze expand_dims tile pad reverse gather gather_nd where boolean_mask slice
    broadcast_to shape size rank einsum tensordot matmul sort argsort meshgrid scatter_nd
    tensor_scatter_nd_update tensor_scatter_nd_add repeat roll math.abs math.acos math.acosh math.asin
    math.asinh math.atan math.atan2 math.atanh math.ceil math.cos math.cosh math.cumprod math.cumsum
    math.divide_no_nan math.erf math.erfc math.exp math.expm1 math.floor math.floormod math.lgamma math.digamma
    math.log math.log1p math.log_sigmoid math.maximum math.minimum math.multiply_no_nan math.negative math.pow
    math.reciprocal math.reciprocal_no_nan math.reduce_euclidean_norm math.reduce_std math.reduce_variance
    math.reduce_logsumexp math.rsqrt math.sigmoid math.sign math.sin math.sinh math.softplus math.sqrt
    math.square math.squared_difference math.tan math.tanh math.xlogy math.xdivy math.log_softmax math.softmax
    math.top_k math.l2_normalize math.real math.imag math.conj math.angle math.is_nan math.is_finite math.is_inf
    math.segment_sum math.unsorted_segment_sum math.segment_mean nn.relu nn.relu6 nn.elu nn.selu nn.gelu
    nn.leaky_relu nn.silu nn.softplus nn.softsign nn.sigmoid nn.tanh nn.softmax nn.log_softmax
    nn.softmax_cross_entropy_with_logits nn.sparse_softmax_cross_entropy_with_logits
    nn.sigmoid_cross_entropy_with_logits nn.weighted_cross_entropy_with_logits nn.l2_loss nn.l2_normalize
    nn.moments nn.batch_normalization nn.dropout nn.embedding_lookup nn.bias_add nn.conv1d nn.conv2d
    nn.max_pool2d nn.avg_pool2d linalg.matmul linalg.matvec linalg.inv linalg.det linalg.slogdet linalg.logdet
    linalg.cholesky linalg.cholesky_solve linalg.solve linalg.triangular_solve linalg.trace linalg.diag
    linalg.diag_part linalg.band_part linalg.eigh linalg.svd linalg.qr linalg.norm linalg.lstsq linalg.einsum
    linalg.pinv linalg.adjoint linalg.matrix_transpose linalg.tensordot random.set_seed random.normal
    random.uniform random.truncated_normal random.shuffle random.categorical complex
""".split()


def _resolve(root: object, dotted: str) -> object:
    obj = root
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def test_there_are_213_names() -> None:
    assert len(NAMES) == 213 and len(set(NAMES)) == 213


@pytest.mark.parametrize("name", NAMES)
def test_name_exists(name: str) -> None:
    assert callable(_resolve(tapegrad, name)) or name in ("newaxis",), f"tapegrad.{name} is missing"


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None, reason="TensorFlow not installed")
def test_names_are_where_tensorflow_has_them() -> None:
    import subprocess
    import sys

    code = (
        "import sys, tensorflow as tf\n"
        "names = sys.stdin.read().split()\n"
        "bad = []\n"
        "for n in names:\n"
        "    o = tf\n"
        "    try:\n"
        "        for p in n.split('.'): o = getattr(o, p)\n"
        "    except AttributeError:\n"
        "        bad.append(n)\n"
        "print(' '.join(bad))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], input=" ".join(NAMES), capture_output=True, text=True,
                         timeout=300, env={**__import__("os").environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split() == [], f"names not in TensorFlow at that path: {res.stdout}"
