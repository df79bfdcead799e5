"""Keras conformance programs for the legacy ``tf.keras`` names: ``keras.preprocessing`` (sequence, text, image),
``keras.datasets`` (loaders reading fake cache files written in Keras's formats under a temporary ``KERAS_HOME``),
``keras.applications`` (architectures with ``weights=None``: layer names, parameter counts, shapes;
``preprocess_input``/``decode_predictions``) and the ``tf.keras.backend`` legacy functions. Programs use
``tf.keras`` (Keras 3's ``tf_keras`` namespace under TensorFlow, which still exports these legacy modules).
Registered into ``programs.PROGRAMS``.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import pickle
import random
import tarfile
import tempfile
from collections.abc import Iterator
from typing import Any

import numpy as np

try:
    from .programs import caught, program
except ImportError:  # run_tf.py run as a script
    from programs import caught, program  # type: ignore[no-redef]


def _sorted(d: Any) -> list[Any]:
    return sorted((str(k), v) for k, v in d.items())


# -- keras.preprocessing ----------------------------------------------------------------------------------------------
@program
def prog_legacy_sequence(tf: Any, keras: Any) -> Any:
    """preprocessing.sequence: TimeseriesGenerator (stride, sampling rate, reverse, bounds, config, errors),
    make_sampling_table, skipgrams (windows, negatives, categorical, sampling table, seeded shuffles)."""
    seq = tf.keras.preprocessing.sequence
    data = np.arange(60, dtype="float32").reshape(30, 2)
    targets = np.arange(30) * 10
    out = []
    for kw in ({"length": 5}, {"length": 4, "sampling_rate": 2, "stride": 3, "batch_size": 4},
               {"length": 3, "start_index": 5, "end_index": 20, "reverse": True, "batch_size": 7}):
        g = seq.TimeseriesGenerator(data, targets, **kw)
        out.append((len(g), [(g[i][0].tolist(), g[i][1].tolist()) for i in range(len(g))]))
    np.random.seed(1)
    shuffled = seq.TimeseriesGenerator(data, targets, length=5, shuffle=True, batch_size=4)
    out.append(shuffled[0][1].tolist())
    errors = [caught(lambda: seq.TimeseriesGenerator(data, targets[:5], length=3)),
              caught(lambda: seq.TimeseriesGenerator(data, targets, length=40)),
              len(seq.TimeseriesGenerator(np.zeros((4, 2)), np.zeros(4), 2, 1, 1, 0, None, False, False, 2)),
              caught(lambda: seq.TimeseriesGenerator([object()] * 4, [1] * 4, length=2).get_config())]
    tables = [seq.make_sampling_table(10), seq.make_sampling_table(6, sampling_factor=1e-2)]
    sents = [[1, 2, 3, 0, 4, 5], [3, 3, 1], []]
    grams = []
    for s in sents:
        for kw in ({"window_size": 1, "negative_samples": 0, "shuffle": False},
                   {"window_size": 2, "negative_samples": 0.5, "seed": 7},
                   {"window_size": 2, "categorical": True, "seed": 3},
                   {"sampling_table": np.array([0, 1, 0.0, 1, 0.5, 1]), "seed": 5}):
            random.seed(11)
            grams.append(caught(lambda s=s, kw=kw: seq.skipgrams(s, 6, **kw)))
    return out, errors, tables, grams, seq.pad_sequences([[1, 2], [3]], maxlen=3).tolist()


@program
def prog_legacy_text(tf: Any, keras: Any) -> Any:
    """preprocessing.text: text_to_word_sequence, hashing_trick (md5, callable, analyzer), Tokenizer (counts,
    num_words, OOV, char level, token lists, every matrix mode, fit_on_sequences, sequences_to_texts, JSON round
    trip), errors."""
    text = tf.keras.preprocessing.text
    docs = ["The cat sat on the mat.", "The dog ate my homework!", "Cat and dog: friends?", "MAT mat mat"]
    out = [text.text_to_word_sequence(docs[2]), text.text_to_word_sequence("a-b c", filters="", split="-"),
           text.text_to_word_sequence("Ab,Cd", lower=False),
           text.hashing_trick(docs[0], 20, hash_function="md5"), text.hashing_trick("x y", 7, hash_function=len),
           text.hashing_trick("a,b", 9, hash_function="md5", analyzer=lambda t: t.split(",")),
           len(text.one_hot(docs[1], 50))]
    toks = []
    for kw in ({}, {"num_words": 5}, {"num_words": 5, "oov_token": "<oov>"}, {"char_level": True},
               {"lower": False, "split": " ", "filters": ""}, {"oov_token": "?"}):
        tok = text.Tokenizer(**kw)
        tok.fit_on_texts(docs)
        tok.fit_on_texts([["Token", "list", "the"]])
        new = ["the cat ate the unknown homework", "zzz mat"]
        seqs = tok.texts_to_sequences(new)
        # word_docs/index_docs are filled in set order (string hashes are salted per process): compared sorted
        toks.append((dict(tok.word_counts), _sorted(tok.word_docs), _sorted(tok.index_docs), tok.word_index,
                     tok.document_count, seqs, tok.sequences_to_texts(seqs + [[1, 2, 99]]),
                     [tok.texts_to_matrix(new, mode=m).tolist() for m in ("binary", "count", "freq", "tfidf")]))
        back = text.tokenizer_from_json(tok.to_json())
        config = {k: _sorted(json.loads(v)) if k in ("word_docs", "index_docs") else v
                  for k, v in back.get_config().items()}
        toks.append((config, back.texts_to_sequences(new), back.texts_to_matrix(new, "tfidf").tolist()))
    tok = text.Tokenizer(num_words=6)
    tok.fit_on_sequences([[1, 2, 2], [3, 1]])
    toks.append((tok.document_count, _sorted(tok.index_docs),
                 tok.sequences_to_matrix([[1, 2, 2, 9], []], "tfidf").tolist()))
    errors = [caught(lambda: text.Tokenizer().texts_to_matrix(["a"])),
              caught(lambda: text.Tokenizer(num_words=3).sequences_to_matrix([[1]], mode="tfidf")),
              caught(lambda: text.Tokenizer(bogus=1)), caught(lambda: tok.sequences_to_matrix([[1]], mode="nope"))]
    return out, toks, errors


@program
def prog_legacy_image_helpers(tf: Any, keras: Any) -> Any:
    """preprocessing.image: smart_resize (NumPy in → NumPy out, dtypes, interpolations, batches, thin crops,
    channels_first), array_to_img/img_to_array round trip; the directory/timeseries readers are keras.utils's."""
    image = tf.keras.preprocessing.image
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (7, 10, 3))
    outs = []
    for args in ((x, (4, 4)), (x.astype("uint8"), (5, 3)), (x.astype("float32"), (3, 8), "nearest"),
                 (x[None].repeat(2, 0), (4, 5), "bicubic"), (np.ones((1, 9, 3)), (5, 1)),
                 (np.moveaxis(x, -1, 0), (4, 4), "bilinear", "channels_first")):
        r = image.smart_resize(*args)
        outs.append((type(r).__name__, r.dtype.name, r.shape, np.round(r, 3).tolist()))
    img = image.array_to_img(x)
    back = image.img_to_array(img)
    pre = tf.keras.preprocessing
    names = [callable(getattr(pre, n)) for n in ("image_dataset_from_directory", "text_dataset_from_directory",
                                                 "timeseries_dataset_from_array")]
    ts = pre.timeseries_dataset_from_array(np.arange(10), None, sequence_length=4, batch_size=3)
    errors = [caught(lambda: image.smart_resize(np.ones((4, 4)), (2, 2))),
              caught(lambda: image.smart_resize(x, (2, 2, 2)))]
    return outs, img.size, back.dtype.name, back.shape, back[:2, :2].tolist(), names, \
        [np.asarray(b).tolist() for b in ts], errors


# -- keras.datasets ---------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _fake_cache(keras: Any) -> Iterator[str]:
    """A temporary Keras home for fake dataset files in Keras's formats. Their hashes cannot be Keras's, so the
    hash check is switched off in whichever library runs (Keras fixes its home at import: patched too)."""
    home = tempfile.mkdtemp()
    if hasattr(keras, "src"):  # Keras 3 under TensorFlow
        from keras.src.backend import config
        from keras.src.utils import file_utils

        saved = config._KERAS_DIR, file_utils.validate_file
        config._KERAS_DIR, file_utils.validate_file = home, (lambda *a, **k: True)
        try:
            yield home
        finally:
            config._KERAS_DIR, file_utils.validate_file = saved
    else:
        from tapegrad.keras import _utils_misc

        saved_env, saved_hash = os.environ.get("KERAS_HOME"), _utils_misc._hash_file
        os.environ["KERAS_HOME"], _utils_misc._hash_file = home, (lambda path, algorithm, file_hash: file_hash)
        try:
            yield home
        finally:
            _utils_misc._hash_file = saved_hash
            if saved_env is None:
                os.environ.pop("KERAS_HOME", None)
            else:
                os.environ["KERAS_HOME"] = saved_env


def _ragged(rng: Any, n: int, vocab: int) -> np.ndarray:
    out = np.empty(n, dtype=object)
    for i in range(n):
        out[i] = [int(w) for w in rng.integers(0, vocab, rng.integers(1, 9))]
    return out


def _write_fake_datasets(home: str) -> None:
    rng = np.random.default_rng(5)
    d = os.path.join(home, "datasets")
    os.makedirs(os.path.join(d, "fashion-mnist"))
    np.savez(os.path.join(d, "mnist.npz"), x_train=rng.integers(0, 255, (5, 28, 28), dtype="uint8"),
             y_train=np.arange(5, dtype="uint8"), x_test=rng.integers(0, 255, (3, 28, 28), dtype="uint8"),
             y_test=np.arange(3, dtype="uint8"))
    for name, n, images in (("train", 4, True), ("t10k", 2, True)):
        labels = rng.integers(0, 10, n, dtype="uint8")
        with gzip.open(os.path.join(d, "fashion-mnist", f"{name}-labels-idx1-ubyte.gz"), "wb") as f:
            f.write(b"\0\0\x08\x01" + n.to_bytes(4, "big") + labels.tobytes())
        pixels = rng.integers(0, 255, (n, 28, 28), dtype="uint8") if images else None
        with gzip.open(os.path.join(d, "fashion-mnist", f"{name}-images-idx3-ubyte.gz"), "wb") as f:
            f.write(b"\0\0\x08\x03" + n.to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + pixels.tobytes())
    tmp = tempfile.mkdtemp()
    os.makedirs(os.path.join(tmp, "cifar-100-python"))
    for part, n in (("train", 6), ("test", 4)):
        batch = {b"data": rng.integers(0, 255, (n, 3072), dtype="uint8"),
                 b"fine_labels": [int(v) for v in rng.integers(0, 100, n)],
                 b"coarse_labels": [int(v) for v in rng.integers(0, 20, n)]}
        with open(os.path.join(tmp, "cifar-100-python", part), "wb") as f:
            pickle.dump(batch, f, protocol=3)  # 2 would pickle bytes via _codecs
    with tarfile.open(os.path.join(d, "cifar-100-python-target_archive"), "w:gz") as tar:
        tar.add(os.path.join(tmp, "cifar-100-python"), arcname="cifar-100-python")
    np.savez(os.path.join(d, "imdb.npz"), x_train=_ragged(rng, 12, 30), y_train=rng.integers(0, 2, 12),
             x_test=_ragged(rng, 9, 30), y_test=rng.integers(0, 2, 9))
    np.savez(os.path.join(d, "reuters.npz"), x=_ragged(rng, 15, 40), y=rng.integers(0, 46, 15))
    np.savez(os.path.join(d, "boston_housing.npz"), x=rng.standard_normal((11, 13)), y=rng.standard_normal(11))
    np.savez(os.path.join(d, "california_housing.npz"), x=rng.standard_normal((700, 8)).astype("float32"),
             y=rng.standard_normal(700).astype("float32"))
    for name in ("imdb_word_index.json", "reuters_word_index.json"):
        with open(os.path.join(d, name), "w") as f:
            json.dump({"the": 1, name[:4]: 2}, f)


def _summary(data: Any) -> Any:
    """dtypes, shapes and values of nested loader output (object arrays as lists of lists)."""
    if isinstance(data, tuple):
        return tuple(_summary(v) for v in data)
    a = np.asarray(data)
    if a.dtype == object:
        return ("object", a.shape, [list(map(int, s)) for s in a])
    return (a.dtype.name, a.shape, a.tolist())


@program
def prog_legacy_datasets(tf: Any, keras: Any) -> Any:
    """keras.datasets loaders on fake cache files in Keras's formats: mnist, fashion_mnist, cifar100 (fine/coarse),
    imdb and reuters (num_words, skip_top, maxlen, seed, start/oov chars, index_from, test_split), boston and
    california housing (versions, splits), word indices, label names, argument errors."""
    ds = tf.keras.datasets
    with _fake_cache(keras) as home:
        _write_fake_datasets(home)
        out = [_summary(ds.mnist.load_data()), _summary(ds.fashion_mnist.load_data()),
               _summary(ds.cifar100.load_data()), _summary(ds.cifar100.load_data(label_mode="coarse"))]
        for kw in ({}, {"num_words": 20, "skip_top": 4}, {"maxlen": 6, "seed": 1}, {"oov_char": None,
                   "num_words": 15}, {"start_char": None, "index_from": 0}, {"start_char": None, "index_from": 2}):
            out.append(_summary(ds.imdb.load_data(**kw)))
            out.append(_summary(ds.reuters.load_data(**kw)))
        out.append(_summary(ds.reuters.load_data(test_split=0.5, maxlen=7)))
        out += [_summary(ds.boston_housing.load_data()), _summary(ds.boston_housing.load_data(test_split=0.3,
                seed=2)), _summary(ds.california_housing.load_data()),
                _summary(ds.california_housing.load_data(version="small", test_split=0.0))]
        out += [ds.imdb.get_word_index(), ds.reuters.get_word_index(), ds.reuters.get_label_names()]
        errors = [caught(lambda: ds.imdb.load_data(maxlen=1)), caught(lambda: ds.cifar100.load_data("medium")),
                  caught(lambda: ds.boston_housing.load_data(test_split=1.0)),
                  caught(lambda: ds.california_housing.load_data(version="tiny"))]
    return out, errors


# -- keras.applications -----------------------------------------------------------------------------------------------
# one or two configurations per family (TensorFlow builds each in ~1-2 s); the deeper variants' counts, recorded
# from Keras, are checked in tests/test_keras_legacy.py
_ARCHITECTURES = (
    ("VGG16", {"input_shape": (32, 32, 3), "classes": 10}), ("VGG19", {"include_top": False, "pooling": "avg"}),
    ("ResNet50", {"input_shape": (32, 32, 3), "classes": 10}), ("ResNet50V2", {"include_top": False}),
    ("MobileNet", {"input_shape": (32, 32, 3), "alpha": 0.25}),
    ("MobileNetV2", {"input_shape": (96, 96, 3), "alpha": 0.35, "include_top": False, "pooling": "max"}),
    ("DenseNet121", {"input_shape": (32, 32, 3), "classes": 10}),
    ("EfficientNetB0", {"input_shape": (32, 32, 3), "classes": 10}),
    ("Xception", {"include_top": False, "input_shape": (71, 71, 3)}),
    ("InceptionV3", {"input_shape": (75, 75, 3), "classes": 10}),
)


@program
def prog_legacy_applications_architectures(tf: Any, keras: Any) -> Any:
    """keras.applications with weights=None: model names, layer names and classes, parameter counts, weight
    shapes and output shapes of every family (small inputs, with and without the top, pooling, alpha, classes)."""
    out = []
    for name, kwargs in _ARCHITECTURES:
        keras.backend.clear_session(free_memory=False)
        model = getattr(tf.keras.applications, name)(weights=None, **kwargs)
        out.append((name, model.name, model.count_params(), tuple(model.output_shape),
                    [(layer.name, type(layer).__name__) for layer in model.layers],
                    [(w.path, tuple(w.shape)) for w in model.weights]))
    return out


@program
def prog_legacy_applications_preprocess_decode(tf: Any, keras: Any) -> Any:
    """preprocess_input of every family (caffe/tf/torch, NumPy float and integer input — modified in place as in
    Keras — tensors, channels_first, errors), EfficientNet's identity, decode_predictions from a fake class index in
    the cache (top-k order, shape errors)."""
    apps = tf.keras.applications
    rng = np.random.default_rng(2)
    images = rng.uniform(0, 255, (2, 4, 5, 3))
    out = []
    for module in ("vgg16", "vgg19", "resnet", "resnet50", "resnet_v2", "mobilenet", "mobilenet_v2", "densenet",
                   "xception", "efficientnet", "inception_v3"):
        pre = getattr(apps, module).preprocess_input
        x = images.copy()
        y = pre(x)
        out.append((module, np.asarray(y).round(5).tolist(), bool(np.shares_memory(np.asarray(y), x)),
                    np.asarray(pre(images.astype("uint8"))).dtype.name,
                    np.asarray(pre(tf.constant(images.astype("float32")))).round(4).tolist()))
    iu = apps.imagenet_utils
    first = np.moveaxis(images, -1, 1)
    out += [iu.preprocess_input(first.copy(), data_format="channels_first").round(5).tolist(),
            iu.preprocess_input(first[0].copy(), data_format="channels_first", mode="torch").round(5).tolist(),
            np.asarray(iu.preprocess_input(tf.constant(first.astype("float32")), data_format="channels_first",
                                           mode="caffe")).round(4).tolist()]
    errors = [caught(lambda: iu.preprocess_input(images, mode="bgr")),
              caught(lambda: iu.preprocess_input(images, data_format="nhwc"))]
    preds = rng.uniform(0, 1, (2, 1000)).astype("float32")
    with _fake_cache(keras) as home:
        os.makedirs(os.path.join(home, "models"))
        with open(os.path.join(home, "models", "imagenet_class_index.json"), "w") as f:
            json.dump({str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}, f)
        decoded = [apps.resnet50.decode_predictions(preds, top=3), iu.decode_predictions(preds)]
        errors += [caught(lambda: iu.decode_predictions(preds[:, :10])),
                   caught(lambda: iu.decode_predictions(preds[0]))]
    return out, errors, [[(a, b, round(float(c), 6)) for a, b, c in row] for d in decoded for row in d]


def _write_legacy_h5(model: Any, path: str, seed: int) -> None:
    """A Keras 2 weights file (the layout of Keras's published application weights) with seeded values."""
    import h5py

    rng = np.random.default_rng(seed)
    with h5py.File(path, "w") as f:
        names = [layer.name for layer in model.layers if layer.weights]
        f.attrs["layer_names"] = [n.encode() for n in names]
        for layer in model.layers:
            if not layer.weights:
                continue
            g = f.create_group(layer.name)
            weight_names = [f"{layer.name}/{w.name}:0" for w in layer.weights]
            g.attrs["weight_names"] = [n.encode() for n in weight_names]
            for n, w in zip(weight_names, layer.weights):
                shape = tuple(w.shape)
                value = rng.uniform(0.5, 1.5, shape) if "variance" in n else rng.normal(0, 0.3, shape)
                g.create_dataset(n, data=value.astype("float32"))


@program
def prog_legacy_applications_weights_file(tf: Any, keras: Any) -> Any:
    """weights=<Keras 2 .h5 file>: the file's weights are loaded by layer order and the model predicts Keras's
    values (MobileNet, EfficientNetB0 with its normalization weights); a file for another
    architecture is refused."""
    apps = tf.keras.applications
    root = tempfile.mkdtemp()
    x = np.random.default_rng(4).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    out = []
    for i, (name, kwargs) in enumerate((("MobileNet", {"input_shape": (32, 32, 3), "alpha": 0.25, "classes": 4}),
                                        ("EfficientNetB0", {"input_shape": (32, 32, 3), "classes": 3}))):
        keras.backend.clear_session(free_memory=False)
        path = os.path.join(root, f"{name}.h5")
        _write_legacy_h5(getattr(apps, name)(weights=None, **kwargs), path, seed=i)
        model = getattr(apps, name)(weights=path, **kwargs)
        y = np.asarray(model.predict(x, verbose=0))
        # random weights make deep activations large: compared relative to the largest (float32, rtol 1e-5)
        out.append((y.shape, (y / np.abs(y).max()).astype("float32"),
                    np.array([np.asarray(w).sum() for w in model.weights[:6]], dtype="float32")))
    keras.backend.clear_session(free_memory=False)
    wrong = caught(lambda: apps.MobileNet(weights=os.path.join(root, "EfficientNetB0.h5"), input_shape=(32, 32, 3),
                                          alpha=0.25, classes=4))
    return out, wrong


# -- tf.keras.backend legacy functions --------------------------------------------------------------------------------
@program
def prog_legacy_backend_ctc_rnn(tf: Any, keras: Any) -> Any:
    """tf.keras.backend legacy: ctc_label_dense_to_sparse, ctc_batch_cost (values and gradient), ctc_decode
    (greedy and beam search, top paths), rnn (masks, go_backwards, constants, zero_output_for_mask,
    return_all_outputs, time_major), gradients outside a graph (RuntimeError)."""
    K = tf.keras.backend
    rng = np.random.default_rng(8)
    labels = np.array([[1, 2, 2, 0], [3, 0, 0, 0], [2, 1, 3, 1]], dtype="int32")
    st = K.ctc_label_dense_to_sparse(labels, np.array([3, 1, 4], dtype="int32"))
    sparse = (np.asarray(st.indices).tolist(), np.asarray(st.values).tolist(), np.asarray(st.dense_shape).tolist())
    logits = rng.normal(0, 1, (3, 9, 5)).astype("float32")
    probs = tf.nn.softmax(tf.constant(logits))
    with tf.GradientTape() as tape:
        tape.watch(probs)
        cost = K.ctc_batch_cost(tf.constant(labels), probs, np.array([[9], [6], [9]]), np.array([[3], [1], [4]]))
    grad = tape.gradient(cost, probs)
    decodes = []
    for kw in ({}, {"greedy": False, "beam_width": 4, "top_paths": 2}, {"greedy": False, "beam_width": 10}):
        paths, log_prob = K.ctc_decode(probs, np.array([9, 6, 9]), **kw)
        decodes.append(([np.asarray(p) for p in paths], np.asarray(log_prob)))
    w = rng.normal(0, 0.5, (2, 3)).astype("float32")

    def step(x, states):
        h = tf.tanh(tf.matmul(x, tf.constant(w)) + states[0] + (states[1] if len(states) > 1 else 0.0))
        return h, [h]

    x = rng.normal(0, 1, (2, 5, 2)).astype("float32")
    mask = np.array([[1, 1, 0, 1, 0], [1, 0, 0, 1, 1]], dtype=bool)
    h0 = np.zeros((2, 3), "float32")
    runs = []
    mask = tf.constant(mask)
    h0 = tf.constant(h0)
    for kw in ({}, {"mask": mask}, {"mask": mask, "zero_output_for_mask": True}, {"go_backwards": True},
               {"go_backwards": True, "mask": mask}, {"constants": [tf.constant(np.full((2, 3), 0.1, "float32"))]},
               {"return_all_outputs": False}, {"time_major": True}):
        xi = np.swapaxes(x, 0, 1) if kw.get("time_major") else x
        last, outs, states = K.rnn(step, tf.constant(xi), [h0], **kw)
        runs.append((np.asarray(last), np.asarray(outs), [np.asarray(s) for s in states]))
    error = caught(lambda: K.gradients(tf.constant(1.0), [tf.Variable(1.0)]))
    return sparse, np.asarray(cost), np.asarray(grad), decodes, runs, error


@program
def prog_legacy_reversible_embedding(tf: Any, keras: Any) -> Any:
    """keras.layers.ReversibleEmbedding: forward lookups, reverse logits tied and untied, logit_soft_cap,
    reverse_dtype, mask_zero, weights and config, gradients of a tied language-model loss."""
    keras.backend.clear_session(free_memory=False)
    rng = np.random.default_rng(6)
    out = []
    for kw in ({}, {"tie_weights": False}, {"logit_soft_cap": 2.0}, {"reverse_dtype": "float16"},
               {"mask_zero": True, "tie_weights": False, "logit_soft_cap": 1.5}):
        layer = keras.layers.ReversibleEmbedding(7, 4, **kw)
        layer.build()
        for w in layer.weights:
            w.assign(rng.normal(0, 1, tuple(w.shape)).astype("float32"))
        ids = np.array([[1, 0, 6], [3, 3, 2]])
        hidden = layer(ids)
        mask = getattr(hidden, "_keras_mask", None)
        logits = layer(rng.normal(0, 1, (2, 3, 4)).astype("float32"), reverse=True)
        out.append((np.asarray(hidden), np.asarray(logits), np.asarray(logits).dtype.name,
                    None if mask is None else np.asarray(mask), [w.path for w in layer.weights],
                    len(layer.trainable_weights), {k: layer.get_config()[k] for k in (
                        "input_dim", "output_dim", "mask_zero", "tie_weights", "reverse_dtype", "logit_soft_cap")}))
    layer = keras.layers.ReversibleEmbedding(5, 3, logit_soft_cap=3.0)
    layer.build()
    layer.embeddings.assign(rng.normal(0, 1, (5, 3)).astype("float32"))
    ids = tf.constant([[1, 2, 4]])
    with tf.GradientTape() as tape:
        logits = layer(layer(ids), reverse=True)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant([[2, 4, 0]]), logits))
    grad = tape.gradient(loss, layer.trainable_weights[0].value)
    return out, np.asarray(loss), np.asarray(grad)
