"""Keras conformance programs for ``keras.utils`` (serialization, padding, the dataset readers and splitters,
image files, data tuples, ``Config``), the function-style initializers, the extra activations and the layers added
in the sixth session (3-D convolution/pooling/reshaping, transposed 1-D convolution, EinsumDense, Masking,
RMSNormalization, ConvLSTM, ...). Registered into ``programs.PROGRAMS``.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import numpy as np

try:
    from .programs import arr, caught, program
except ImportError:  # run_tf.py run as a script
    from programs import arr, caught, program  # type: ignore[no-redef]


def _batches(ds: Any) -> list[Any]:
    """Every element of a dataset as NumPy values (tuples kept)."""
    out = []
    for item in ds:
        if isinstance(item, tuple):
            out.append(tuple(arr(v) for v in item))
        else:
            out.append(arr(item))
    return out


def _rel(paths: list[str], root: str) -> list[str]:
    return [os.path.relpath(p, root) for p in paths]


# -- sequences, normalize, to_categorical -----------------------------------------------------------------------------
@program
def prog_utils_pad_sequences(tf: Any, keras: Any) -> Any:
    """pad_sequences: pre/post padding and truncation, maxlen, dtypes, values, 2-D samples, empty rows, errors."""
    pad = keras.utils.pad_sequences
    seqs = [[1, 2, 3], [4], [], [5, 6, 7, 8, 9]]
    out = [pad(seqs), pad(seqs, maxlen=3), pad(seqs, padding="post", truncating="post", maxlen=4, value=-1),
           pad(seqs, dtype="float32", value=0.5), pad([[[1, 2], [3, 4]], [[5, 6]]]),
           pad([["a", "b"], ["c"]], dtype=object, value="-"), pad([], maxlen=2)]
    errors = [caught(lambda: pad(seqs, padding="middle")), caught(lambda: pad(seqs, truncating="x", maxlen=2)),
              caught(lambda: pad([1, 2])), caught(lambda: pad([[[1, 2]], [[1, 2, 3]]])),
              caught(lambda: pad([["a"]], value="x"))]
    return [(o.dtype.name, o.shape, o.tolist()) for o in out], errors


@program
def prog_utils_normalize_to_categorical(tf: Any, keras: Any) -> Any:
    """normalize (NumPy L1/L2, axes, zero rows, a tensor input) and to_categorical."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 5))
    x[1] = 0
    outs = [keras.utils.normalize(x), keras.utils.normalize(x, axis=1, order=1),
            caught(lambda: keras.utils.normalize(x, axis=0)), keras.utils.normalize(x[0], axis=0),
            keras.utils.normalize(x.astype("float32"), order=2),
            arr(keras.utils.normalize(tf.constant(x.astype("float32")), axis=-1))]
    cats = [keras.utils.to_categorical([0, 2, 1]), keras.utils.to_categorical(np.array([[1], [3]]), 5),
            keras.utils.to_categorical(np.array([[0, 1], [1, 0]])),
            keras.utils.to_categorical(tf.constant([[2], [0]]), 3)]
    return outs, cats


# -- serialization ----------------------------------------------------------------------------------------------------
@program
def prog_utils_serialization(tf: Any, keras: Any) -> Any:
    """register_keras_serializable, registered names/objects, custom_object_scope, serialize/deserialize."""
    keras.backend.clear_session(free_memory=False)

    @keras.utils.register_keras_serializable(package="kutil_test")
    class Scale(keras.layers.Layer):
        def __init__(self, factor: float = 2.0, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x: Any) -> Any:
            return x * self.factor

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), "factor": self.factor}

    def my_act(x: Any) -> Any:
        return x * 3

    name = keras.utils.get_registered_name(Scale)
    found = keras.utils.get_registered_object(name) is Scale
    custom = "kutil_test>Scale" in keras.utils.get_custom_objects()
    config = keras.utils.serialize_keras_object(Scale(1.5, name="s"))
    again = keras.utils.deserialize_keras_object(config)
    with keras.utils.custom_object_scope({"my_act": my_act}):
        in_scope = keras.utils.get_registered_object("my_act") is my_act
    with keras.utils.CustomObjectScope({"Renamed": Scale}):
        renamed = keras.layers.deserialize({"class_name": "Renamed", "config": {"factor": 4.0, "name": "r"}})
    out_scope = keras.utils.get_registered_object("my_act")
    dense_config = keras.utils.serialize_keras_object(keras.layers.Dense(3, name="d"))
    init = keras.utils.serialize_keras_object(keras.initializers.GlorotUniform(seed=1))
    return (name, found, custom, config, type(again).__name__, again.factor, in_scope, type(renamed).__name__,
            renamed.factor, out_scope, dense_config["class_name"], dense_config["config"]["units"], init,
            keras.layers.serialize(keras.layers.Dense(2, name="x"))["config"]["units"])


# -- timeseries and split_dataset -------------------------------------------------------------------------------------
@program
def prog_utils_timeseries(tf: Any, keras: Any) -> Any:
    """timeseries_dataset_from_array: windows, targets, strides, sampling rate, start/end, no targets, seeded
    shuffle (as a set of windows), errors."""
    data = np.arange(40, dtype="float32").reshape(20, 2)
    targets = np.arange(20) * 10
    ts = keras.utils.timeseries_dataset_from_array
    plain = _batches(ts(data, targets, 4, batch_size=5))
    strided = _batches(ts(data, targets, 3, sequence_stride=2, sampling_rate=2, batch_size=3, start_index=1,
                          end_index=18))
    no_targets = _batches(ts(data, None, 5, batch_size=None))
    shuffled = ts(data[:, 0], targets, 3, shuffle=True, seed=4, batch_size=100)
    xs, ys = next(iter(shuffled))
    rows = sorted(map(tuple, np.concatenate([arr(xs), arr(ys)[:, None]], axis=1).tolist()))
    errors = [caught(lambda: ts(data, targets, 3, start_index=-1)), caught(lambda: ts(data, targets, 3,
                                                                                       end_index=30)),
              caught(lambda: ts(data, targets, 3, sampling_rate=0)), caught(lambda: ts(data, targets, 3,
                                                                                       sequence_stride=25))]
    return plain, strided, no_targets, rows, errors


@program
def prog_utils_split_dataset(tf: Any, keras: Any) -> Any:
    """split_dataset of arrays, tuples of arrays and (batched) datasets; fractions, counts, seeded shuffle; errors."""
    x = np.arange(20).reshape(10, 2)
    y = np.arange(10) * 3
    split = keras.utils.split_dataset
    a = [_batches(d) for d in split(x, left_size=0.7)]
    b = [_batches(d) for d in split((x, y), right_size=3)]
    c = [_batches(d) for d in split(tf.data.Dataset.from_tensor_slices((x, y)).batch(4), left_size=6)]
    d = [_batches(d) for d in split(y, left_size=0.5, shuffle=True, seed=7)]
    errors = [caught(lambda: split(x)), caught(lambda: split(x, left_size=0)), caught(lambda: split(x, left_size=12)),
              caught(lambda: split(x, left_size=0.6, right_size=0.6)), caught(lambda: split(x, left_size="a"))]
    return a, b, c, d, errors


# -- *_dataset_from_directory -----------------------------------------------------------------------------------------
def _image_tree(tf: Any, root: str) -> None:
    rng = np.random.default_rng(11)
    sizes = {"ant": [(6, 8), (5, 5), (9, 4)], "bee": [(7, 7), (4, 10)], "cow": [(8, 6), (6, 6), (5, 9), (10, 3)]}
    for cls, shapes in sizes.items():
        os.makedirs(os.path.join(root, cls, "sub"))
        for i, (h, w) in enumerate(shapes):
            img = rng.integers(0, 256, (h, w, 3)).astype("uint8")
            where = os.path.join(root, cls, "sub" if i == 2 else "", f"img{i}.png")
            with open(where, "wb") as f:
                f.write(tf.io.encode_png(img).numpy())
    with open(os.path.join(root, "ant", "notes.txt"), "w") as f:
        f.write("not an image")


@program
def prog_utils_image_dataset_from_directory(tf: Any, keras: Any) -> Any:
    """image_dataset_from_directory: label modes, class_names order, grayscale/rgba, resize (bilinear, nearest,
    crop/pad to aspect ratio), channels_first, seeded file shuffle + validation split (file lists), errors."""
    root = tempfile.mkdtemp()
    _image_tree(tf, root)
    f = keras.utils.image_dataset_from_directory
    out = []
    for kwargs in ({}, {"label_mode": "categorical", "color_mode": "grayscale", "interpolation": "nearest"},
                   {"class_names": ["cow", "ant"], "label_mode": "int"},
                   {"labels": None, "color_mode": "rgba", "crop_to_aspect_ratio": True},
                   {"labels": [0, 1, 0, 1, 0, 1, 0, 1, 1], "pad_to_aspect_ratio": True},
                   {"data_format": "channels_first", "batch_size": None}):
        ds = f(root, image_size=(4, 5), batch_size=kwargs.pop("batch_size", 4), shuffle=False, verbose=False,
               **kwargs)
        out.append((ds.class_names, _rel(ds.file_paths, root), _batches(ds)))
    sets = []
    for subset in ("training", "validation"):
        ds = f(root, image_size=(3, 3), seed=5, validation_split=0.34, subset=subset, verbose=False)
        sets.append((_rel(ds.file_paths, root), sorted(int(v) for _, y in ds for v in arr(y))))
    both = f(root, image_size=(3, 3), seed=5, validation_split=0.34, subset="both", label_mode="binary",
             class_names=["ant", "cow"], verbose=False)
    both_files = [_rel(d.file_paths, root) for d in both]
    errors = [caught(lambda: f(root, label_mode="binary", verbose=False)),
              caught(lambda: f(root, validation_split=0.2, subset="training", verbose=False)),
              caught(lambda: f(root, color_mode="cmyk")), caught(lambda: f(root, labels=[1, 2], verbose=False)),
              caught(lambda: f(root, class_names=["zebra"], verbose=False)),
              caught(lambda: f(root, image_size=(3, 3, 3))), caught(lambda: f(root, interpolation="cubic")),
              caught(lambda: f(root, labels="inferred", label_mode="one-hot"))]
    return out, sets, both_files, errors


@program
def prog_utils_text_audio_dataset_from_directory(tf: Any, keras: Any) -> Any:
    """text_dataset_from_directory (max_length, labels) and audio_dataset_from_directory (padding, fixed length,
    ragged lengths), files and batches."""
    root = tempfile.mkdtemp()
    texts = {"neg": ["awful film", "bad", "worst ever made"], "pos": ["great", "superb acting", "fine"]}
    for cls, items in texts.items():
        os.makedirs(os.path.join(root, "text", cls))
        for i, t in enumerate(items):
            with open(os.path.join(root, "text", cls, f"{i}.txt"), "w") as fh:
                fh.write(t)
    rng = np.random.default_rng(5)
    for cls, lengths in (("hum", (5, 9)), ("tap", (3, 7, 6))):
        os.makedirs(os.path.join(root, "audio", cls))
        for i, n in enumerate(lengths):
            wav = tf.audio.encode_wav(rng.uniform(-1, 1, (n, 2)).astype("float32"), 8000)
            with open(os.path.join(root, "audio", cls, f"{i}.wav"), "wb") as fh:
                fh.write(wav.numpy())
    text = keras.utils.text_dataset_from_directory
    t1 = text(os.path.join(root, "text"), batch_size=4, shuffle=False, verbose=False)
    t2 = text(os.path.join(root, "text"), batch_size=2, shuffle=False, max_length=4, label_mode="categorical",
              verbose=False)
    t3 = text(os.path.join(root, "text"), seed=3, validation_split=0.5, subset="validation", verbose=False)
    audio = keras.utils.audio_dataset_from_directory
    a1 = audio(os.path.join(root, "audio"), batch_size=3, shuffle=False, verbose=False)
    a2 = audio(os.path.join(root, "audio"), batch_size=2, shuffle=False, output_sequence_length=6, verbose=False)
    a3 = audio(os.path.join(root, "audio"), batch_size=5, shuffle=False, ragged=True, verbose=False)
    ragged_rows = [[len(r) for r in x.to_list()] for x, _ in a3]
    errors = [caught(lambda: audio(root, ragged=True, output_sequence_length=3)),
              caught(lambda: audio(root, sampling_rate=-1))]
    t3_texts = sorted(x for b, _ in t3 for x in arr(b).tolist())
    return (_batches(t1), _batches(t2), t3_texts, t1.class_names, _batches(a1), _batches(a2), ragged_rows,
            a1.class_names, errors)


# -- image files, tuples, Config, misc --------------------------------------------------------------------------------
@program
def prog_utils_image_files(tf: Any, keras: Any) -> Any:
    """array_to_img/img_to_array/save_img/load_img: modes, scaling, channels_first, target_size, keep_aspect_ratio."""
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 3, (6, 8, 3)).astype("float32")
    root = tempfile.mkdtemp()
    path = os.path.join(root, "a.png")
    keras.utils.save_img(path, x)
    loaded = [keras.utils.img_to_array(keras.utils.load_img(path)),
              keras.utils.img_to_array(keras.utils.load_img(path, color_mode="grayscale")),
              keras.utils.img_to_array(keras.utils.load_img(path, color_mode="rgba", target_size=(3, 4))),
              keras.utils.img_to_array(keras.utils.load_img(path, target_size=(4, 4), keep_aspect_ratio=True,
                                                            interpolation="bilinear"))]
    modes = [keras.utils.array_to_img(x).mode, keras.utils.array_to_img(x[..., :1]).mode,
             keras.utils.array_to_img(np.concatenate([x, x[..., :1]], -1)).mode,
             keras.utils.array_to_img(x[..., :1] * 1000, scale=False).mode]
    first = keras.utils.img_to_array(keras.utils.array_to_img(x.transpose(2, 0, 1), data_format="channels_first"),
                                     data_format="channels_first")
    errors = [caught(lambda: keras.utils.array_to_img(np.zeros((2, 2)))),
              caught(lambda: keras.utils.array_to_img(np.zeros((2, 2, 2)))),
              caught(lambda: keras.utils.img_to_array(np.zeros((2, 2, 2, 2)))),
              caught(lambda: keras.utils.load_img(path, color_mode="cmyk")),
              caught(lambda: keras.utils.load_img(path, target_size=(2, 2), interpolation="x")),
              caught(lambda: keras.utils.load_img(3))]
    return loaded, modes, first, errors


@program
def prog_utils_misc(tf: Any, keras: Any) -> Any:
    """pack/unpack_x_y_sample_weight, get_source_inputs, is_keras_tensor, standardize_dtype, Config, get_file
    from a local file:// origin (with hash and extraction), interactive logging switches."""
    keras.backend.clear_session(free_memory=False)
    u = keras.utils
    packs = [u.pack_x_y_sample_weight(1), u.pack_x_y_sample_weight((1, 2)), u.pack_x_y_sample_weight(1, 2),
             u.pack_x_y_sample_weight(1, 2, 3), u.unpack_x_y_sample_weight(1), u.unpack_x_y_sample_weight([1, 2]),
             u.unpack_x_y_sample_weight((1,)), u.unpack_x_y_sample_weight((1, 2, 3)),
             caught(lambda: u.unpack_x_y_sample_weight((1, 2, 3, 4)))]
    a, b = keras.Input((2,), name="a"), keras.Input((2,), name="b")
    c = keras.layers.Dense(2)(a)
    out = keras.layers.add([c, b, a])
    sources = [t.name for t in u.get_source_inputs(out)] if hasattr(a, "name") else None
    kt = [u.is_keras_tensor(a), u.is_keras_tensor(np.ones(2)), u.is_keras_tensor(tf.ones(2))]
    dtypes = [u.standardize_dtype(d) for d in (None, "float32", int, float, bool, "int", np.float64, "bfloat16")]
    dtype_error = caught(lambda: u.standardize_dtype("float33"))
    cfg = u.Config(lr=0.1, momentum=0.9)
    cfg.seed = 3
    cfg["beta"] = 2
    items = (sorted(cfg.items()), list(cfg), len(cfg), "lr" in cfg, cfg.to_json(), cfg.as_dict(), cfg.get("x", 5))
    cfg.freeze()
    frozen = [caught(lambda: setattr(cfg, "z", 1)), caught(lambda: cfg.pop("lr")), caught(lambda: cfg.lrr),
              cfg.frozen]
    cfg.unfreeze()
    cfg.z = 4
    root = tempfile.mkdtemp()
    src = os.path.join(root, "payload.txt")
    with open(src, "w") as fh:
        fh.write("payload")
    import hashlib
    import tarfile

    sha = hashlib.sha256(b"payload").hexdigest()
    os.makedirs(os.path.join(root, "cache"))
    got = u.get_file(origin="file://" + src, cache_dir=os.path.join(root, "cache"), file_hash=sha)
    tar_path = os.path.join(root, "bundle.tar.gz")
    with tarfile.open(tar_path, "w:gz") as tar:
        tar.add(src, arcname="inner/payload.txt")
    extracted = u.get_file("bundle.tar.gz", origin="file://" + tar_path, cache_dir=os.path.join(root, "cache"),
                           extract=True)
    files = sorted(os.path.relpath(os.path.join(d, f), extracted) for d, _, fs in os.walk(extracted) for f in fs)
    errors = [caught(lambda: u.get_file(origin=None)), caught(lambda: u.get_file("a/b", origin="file:///x")),
              caught(lambda: u.get_file(origin="file://" + src, cache_dir=os.path.join(root, "c2"),
                                        file_hash="0" * 64))]
    logging_state = [u.is_interactive_logging_enabled()]
    u.disable_interactive_logging()
    logging_state.append(u.is_interactive_logging_enabled())
    u.enable_interactive_logging()
    logging_state.append(u.is_interactive_logging_enabled())
    return (packs, sources, kt, dtypes, dtype_error, items, frozen, cfg.z, os.path.relpath(got, root),
            open(got).read(), os.path.relpath(extracted, root), files, errors, logging_state)
