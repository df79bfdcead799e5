"""Keras conformance programs for the input surface of issue 15's extras: ``fit``/``evaluate``/``predict`` on
Python generators and ``keras.utils.PyDataset``, ``UpSampling2D``'s interpolations (and ``tf.image.resize``'s
methods behind them), and the ``tf.data`` transformations ``interleave``, ``list_files``, ``group_by_window``,
``bucket_by_sequence_length``, ``sample_from_datasets``/``choose_from_datasets`` and ``Options``.

Registered into ``programs.PROGRAMS`` (imported at the end of programs.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from .programs import arr, caught, program
    from .programs_layers import _data, _init, _train
except ImportError:  # run_tf.py run as a script
    from programs import arr, caught, program  # type: ignore[no-redef]
    from programs_layers import _data, _init, _train  # type: ignore[no-redef]

# ----------------------------------------------------------------------------------------------------------------
# UpSampling2D interpolations and tf.image.resize


@program
def prog_resize_methods(tf: Any, keras: Any) -> Any:
    """tf.image.resize with every method, with and without antialias, up and down (float32 values and dtypes)."""
    x = np.random.default_rng(60).standard_normal((2, 5, 7, 3)).astype(np.float32)
    out = []
    for method in ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic"):
        for antialias in (False, True):
            for size in ((11, 4), (3, 17), (10, 14), (2, 2)):
                y = tf.image.resize(x, size, method=method, antialias=antialias)
                out.append((method, antialias, size, arr(y), str(y.dtype)))
    out.append(caught(lambda: tf.image.resize(x, (3, 3), method="cubic")))
    return out


@program
def prog_upsampling2d_interpolations(tf: Any, keras: Any) -> Any:
    """UpSampling2D with each Keras 3 interpolation: values (channels_last/first, float64), configs, errors."""
    L = keras.layers
    rng = np.random.default_rng(61)
    x = rng.standard_normal((2, 3, 4, 2)).astype(np.float32)
    out = []
    for interpolation in ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area", "BiCubic"):
        layer = L.UpSampling2D((2, 3), interpolation=interpolation)
        y = layer(x)
        first = L.UpSampling2D((3, 2), data_format="channels_first", interpolation=interpolation)(x)
        config = layer.get_config()
        out.append((interpolation, arr(y), str(y.dtype), arr(first), config["interpolation"], config["size"]))
    y64 = L.UpSampling2D(interpolation="lanczos5", dtype="float64")(x.astype(np.float64))
    out.append((str(y64.dtype), np.array(y64, np.float32)))
    ints = L.UpSampling2D(interpolation="bilinear")(np.arange(8, dtype=np.int32).reshape(1, 2, 2, 2))
    out.append((str(ints.dtype), arr(ints)))
    out.append(caught(lambda: L.UpSampling2D(interpolation="gaussian")(x)))
    out.append(L.UpSampling2D(interpolation="gaussian").get_config()["interpolation"])
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = L.UpSampling2D(interpolation="area")(xt)
    out.append(caught(lambda: tape.gradient(y, xt)))
    return out


@program
def prog_train_upsampling2d_interpolations(tf: Any, keras: Any) -> Any:
    """Conv2D → UpSampling2D(bicubic / lanczos3 / lanczos5 / bilinear) → Conv2D trained from the same weights."""
    keras.backend.clear_session(free_memory=False)
    L = keras.layers
    inp = keras.Input((4, 5, 2))
    h = L.Conv2D(3, 2, activation="tanh")(inp)
    h = L.UpSampling2D(interpolation="bicubic")(h)
    h = L.Conv2D(2, 3, strides=2)(h)
    h = L.UpSampling2D((3, 2), interpolation="lanczos3")(h)
    h = L.UpSampling2D((1, 2), interpolation="lanczos5", data_format="channels_first")(h)
    h = L.UpSampling2D((2, 1), interpolation="bilinear")(h)
    out = L.Dense(1)(L.GlobalAveragePooling2D()(h))
    model = keras.Model(inp, out)
    _init(model, 62)
    x, y = _data(63, (2, 4, 5, 2), (2, 1))
    return _train(tf, keras, model, x, y)


# ----------------------------------------------------------------------------------------------------------------
# fit / evaluate / predict on Python generators and keras.utils.PyDataset


def _regression(seed: int, n: int = 22) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    return x, (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.25).astype(np.float32)


def _dense_model(keras: Any, seed: int, metrics: Any = None) -> Any:
    keras.backend.clear_session(free_memory=False)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="tanh"), keras.layers.Dense(1)])
    rng = np.random.default_rng(seed)
    model.set_weights([(rng.standard_normal(w.shape) * 0.4).astype(np.float32) for w in model.weights])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=metrics)
    return model


class _Counts:
    """Counts the batches each epoch trains on (the loss logs alone cannot show a short epoch)."""

    @staticmethod
    def callback(keras: Any) -> Any:
        class Count(keras.callbacks.Callback):
            def on_train_begin(self, logs: Any = None) -> None:
                self.per_epoch: list[int] = []

            def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
                self.per_epoch.append(0)

            def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
                self.per_epoch[-1] += 1

        return Count()


def _fit_record(keras: Any, model: Any, data: Any, **kwargs: Any) -> Any:
    """fit's history, params, batches per epoch, optimizer iterations, weights and the warnings' kinds."""
    import warnings

    count = _Counts.callback(keras)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        history = model.fit(data, verbose=0, callbacks=[count], **kwargs)
    kinds = [("ran out" if "ran out of data" in str(w.message) else "shuffle" if "shuffle=True" in str(w.message)
              else None) for w in seen]
    return ({k: np.array(v, np.float32) for k, v in history.history.items()}, history.params, count.per_epoch,
            int(np.asarray(model.optimizer.iterations)), [arr(w) for w in model.weights],
            [k for k in kinds if k is not None])


@program
def prog_fit_python_generators(tf: Any, keras: Any) -> Any:
    """fit/evaluate/predict on generators: one pass per epoch (a spent generator replays its first two batches),
    steps_per_epoch carrying across epochs, running out (warning, the empty step), validation generators,
    (x, y, sample_weight) and (x,) batches."""
    x, y = _regression(70)

    def gen(n: int = 5, bs: int = 4, weights: bool = False) -> Any:
        for i in range(n):
            batch = (x[i * bs:(i + 1) * bs], y[i * bs:(i + 1) * bs])
            yield batch + (np.linspace(0.5, 1.5, len(batch[0]), dtype=np.float32),) if weights else batch

    out = [
        _fit_record(keras, _dense_model(keras, 71), gen(), epochs=3),
        _fit_record(keras, _dense_model(keras, 71), gen(), epochs=3, steps_per_epoch=2),
        _fit_record(keras, _dense_model(keras, 71), gen(), epochs=2, steps_per_epoch=3, shuffle=False),
        _fit_record(keras, _dense_model(keras, 71, ["mae"]), gen(), epochs=3, steps_per_epoch=1,
                    validation_data=gen(3)),
        _fit_record(keras, _dense_model(keras, 71), gen(), epochs=2, steps_per_epoch=2,
                    validation_data=gen(4), validation_steps=1),
        _fit_record(keras, _dense_model(keras, 71), gen(weights=True), epochs=1),
    ]
    model = _dense_model(keras, 72, ["mae"])
    out.append(np.array(model.evaluate(gen(), verbose=0), np.float32))
    out.append(np.array(model.evaluate(gen(), steps=2, verbose=0), np.float32))
    out.append(arr(model.predict(((x[i * 5:(i + 1) * 5],) for i in range(4)), verbose=0)))
    out.append(arr(model.predict(gen(), steps=2, verbose=0)))
    return out


@program
def prog_fit_python_generator_equals_arrays(tf: Any, keras: Any) -> Any:
    """A generator of the arrays' batches in order trains the model to the same weights as the arrays."""
    x, y = _regression(73, 24)
    a = _dense_model(keras, 74)
    a.fit(x, y, batch_size=6, epochs=1, shuffle=False, verbose=0)

    def gen() -> Any:
        for i in range(0, 24, 6):
            yield x[i:i + 6], y[i:i + 6]

    b = _dense_model(keras, 74)
    b.fit(gen(), epochs=1, verbose=0, shuffle=False)
    return [arr(w) for w in a.weights], [arr(w) for w in b.weights]


def _py_dataset_class(keras: Any, x: Any, y: Any, log: list[Any]) -> Any:
    import math

    class Batches(keras.utils.PyDataset):
        def __init__(self, n: int, bs: int = 4, infinite: bool = False, kind: str = "xy", **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.n, self.bs, self.infinite, self.kind = n, bs, infinite, kind

        def __len__(self) -> int:
            return math.ceil(self.n / self.bs)

        @property
        def num_batches(self) -> Any:
            return None if self.infinite else len(self)

        def __getitem__(self, index: int) -> Any:
            i = index % len(self)
            xb, yb = x[i * self.bs:(i + 1) * self.bs], y[i * self.bs:(i + 1) * self.bs]
            if self.kind == "x":
                return xb
            if self.kind == "list":
                return [xb, yb]
            if self.kind == "weighted":
                return xb, yb, np.linspace(0.5, 1.5, len(xb), dtype=np.float32)
            return xb, yb

        def on_epoch_begin(self) -> None:
            log.append("begin")

        def on_epoch_end(self) -> None:
            log.append("end")

    return Batches


@program
def prog_fit_py_dataset(tf: Any, keras: Any) -> Any:
    """fit/evaluate/predict on keras.utils.PyDataset: epochs, shuffled batch order (Python's random, seeded just
    before fit), workers, steps_per_epoch, an infinite PyDataset, validation PyDataset, class_weight, and the
    on_epoch_begin/on_epoch_end calls."""
    x, y = _regression(75)
    log: list[Any] = []
    Batches = _py_dataset_class(keras, x, y, log)
    out = [_fit_record(keras, _dense_model(keras, 76), Batches(22), epochs=2, shuffle=False), list(log)]
    for workers in (1, 3):
        model = _dense_model(keras, 76)
        keras.utils.set_random_seed(5)
        out.append(_fit_record(keras, model, Batches(22, workers=workers, max_queue_size=2), epochs=3))
    log.clear()
    out.append(_fit_record(keras, _dense_model(keras, 76), Batches(22), epochs=3, steps_per_epoch=4, shuffle=False))
    out.append(list(log))
    out.append(_fit_record(keras, _dense_model(keras, 76), Batches(22, infinite=True, workers=2), epochs=2,
                           steps_per_epoch=3))
    log.clear()
    out.append(_fit_record(keras, _dense_model(keras, 76, ["mae"]), Batches(22, kind="list"), epochs=2,
                           shuffle=False, validation_data=Batches(12, bs=5), validation_steps=2))
    out.append(list(log))
    labels = (y > 0.25).astype(np.float32)
    weighted = _py_dataset_class(keras, x, labels, [])
    out.append(_fit_record(keras, _dense_model(keras, 77), weighted(22), epochs=1, shuffle=False,
                           class_weight={0: 0.5, 1: 2.0}))
    out.append(_fit_record(keras, _dense_model(keras, 77), Batches(22, kind="weighted"), epochs=1, shuffle=False))
    model = _dense_model(keras, 78, ["mae"])
    log.clear()
    out.append((np.array(model.evaluate(Batches(22), verbose=0), np.float32),
                np.array(model.evaluate(Batches(22), steps=2, verbose=0), np.float32),
                arr(model.predict(Batches(22, kind="x"), verbose=0)), arr(model.predict(Batches(22), steps=2,
                                                                                         verbose=0)), list(log)))
    return out


@program
def prog_fit_generator_and_py_dataset_errors(tf: Any, keras: Any) -> Any:
    """The arguments Keras refuses next to a generator or PyDataset, and malformed batches (exception types)."""
    x, y = _regression(79, 8)
    Batches = _py_dataset_class(keras, x, y, [])

    def gen(kind: str = "xy") -> Any:
        for i in range(2):
            xb, yb = x[i * 4:(i + 1) * 4], y[i * 4:(i + 1) * 4]
            yield {"xy": (xb, yb), "list": [xb, yb], "bare": xb}[kind]

    class Bad(Batches):
        def __getitem__(self, index: int) -> Any:
            return 5

    model = _dense_model(keras, 80)
    return [
        caught(lambda: model.fit(gen(), y, verbose=0)),
        caught(lambda: model.fit(gen(), sample_weight=np.ones(8), verbose=0)),
        caught(lambda: model.fit(gen(), validation_split=0.5, verbose=0)),
        caught(lambda: model.fit(gen(), class_weight={0: 1.0}, verbose=0)),
        caught(lambda: model.fit(gen("list"), verbose=0)),
        caught(lambda: model.predict(gen("bare"), verbose=0)),
        caught(lambda: model.fit(iter([]), verbose=0)),
        caught(lambda: model.fit(Batches(8), y, verbose=0)),
        caught(lambda: model.fit(Batches(8), validation_split=0.5, verbose=0)),
        caught(lambda: model.fit(Batches(0), verbose=0)),
        caught(lambda: model.fit(Bad(8), verbose=0, shuffle=False)),
        caught(lambda: model.fit(Batches(8, kind="weighted"), class_weight={0: 1.0}, verbose=0, shuffle=False)),
    ]


# ----------------------------------------------------------------------------------------------------------------
# tf.data: interleave, TextLineDataset, list_files, Options, group_by_window, bucket_by_sequence_length,
# choose_from_datasets / sample_from_datasets


def _numpy(ds: Any) -> list[Any]:
    return [np.asarray(x).tolist() if not isinstance(x, tuple) else tuple(np.asarray(v).tolist() for v in x)
            for x in ds.as_numpy_iterator()]


@program
def prog_data_interleave(tf: Any, keras: Any) -> Any:
    """interleave's element order (cycle/block lengths, parallel deterministic), specs, cardinality, errors."""
    D = tf.data.Dataset

    def rep(x: Any) -> Any:
        return D.from_tensors(x).repeat(x)

    return [
        _numpy(D.range(1, 6).interleave(rep, cycle_length=2, block_length=2)),
        _numpy(D.range(1, 6).interleave(rep, cycle_length=3)),
        _numpy(D.range(1, 9).interleave(rep, cycle_length=4, block_length=3)),
        _numpy(D.range(1, 6).interleave(rep, cycle_length=3, block_length=2, num_parallel_calls=2)),
        _numpy(D.range(1, 6).interleave(rep, cycle_length=3, block_length=2, num_parallel_calls=tf.data.AUTOTUNE,
                                        deterministic=True)),
        sorted(_numpy(D.range(1, 6).interleave(rep, cycle_length=3, num_parallel_calls=2, deterministic=False))),
        _numpy(D.from_tensor_slices(([1, 2], [3, 4])).interleave(lambda a, b: D.from_tensor_slices([a, b]),
                                                                 cycle_length=2)),
        repr(D.range(3).interleave(lambda x: D.from_tensors((x, tf.cast(x, tf.float32))), cycle_length=2).element_spec),
        int(D.range(1, 6).interleave(lambda x: D.range(2), cycle_length=2).cardinality()),
        caught(lambda: D.range(3).interleave(lambda x: D.range(2), cycle_length=0)),
        caught(lambda: D.range(3).interleave(lambda x: D.range(2), cycle_length=1, block_length=0)),
    ]


def _text_files() -> tuple[str, list[str]]:
    import gzip
    import os
    import tempfile
    import zlib

    d = tempfile.mkdtemp(prefix="tapegrad-lane-")
    contents = {"a.txt": b"a1\nb2\r\nc3\n\nd4", "b.txt": b"x1\ny2\n", "c.txt": b""}
    for name, data in contents.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    with open(os.path.join(d, "g.txt.gz"), "wb") as f:
        f.write(gzip.compress(b"g1\ng2\ng3\n"))
    with open(os.path.join(d, "z.txt.z"), "wb") as f:
        f.write(zlib.compress(b"z1\r\nz2"))
    return d, [os.path.join(d, n) for n in ("a.txt", "b.txt", "c.txt")]


@program
def prog_data_text_lines_and_list_files(tf: Any, keras: Any) -> Any:
    """TextLineDataset (line endings, empty lines and files, GZIP/ZLIB, num_parallel_reads, a dataset of names,
    missing file) and list_files (sorted, patterns, cardinality, no match), chained with interleave."""
    import os
    import shutil

    D = tf.data.Dataset
    d, files = _text_files()
    try:
        text = tf.data.TextLineDataset
        out = [
            _numpy(text(files)), _numpy(text(files[1])), _numpy(text(files, num_parallel_reads=2)),
            _numpy(text(os.path.join(d, "g.txt.gz"), compression_type="GZIP")),
            _numpy(text(os.path.join(d, "z.txt.z"), compression_type="ZLIB", buffer_size=4)),
            _numpy(text(D.from_tensor_slices([files[1], files[0]]))),
            repr(text(files).element_spec), int(text(files).cardinality()),
            _numpy(text(files[1]).map(lambda s: tf.strings.length(s))),
            caught(lambda: _numpy(text(os.path.join(d, "missing.txt")))),
            [os.path.basename(f.decode()) for f in _numpy(D.list_files(os.path.join(d, "*.txt"), shuffle=False))],
            [os.path.basename(f.decode()) for f in _numpy(D.list_files([os.path.join(d, "b*"),
                                                                        os.path.join(d, "a*")], shuffle=False))],
            sorted(os.path.basename(f.decode()) for f in _numpy(D.list_files(os.path.join(d, "*"), seed=3))),
            int(D.list_files(os.path.join(d, "*"), seed=1).cardinality()),
            repr(D.list_files(os.path.join(d, "*"), seed=1).element_spec),
            caught(lambda: D.list_files(os.path.join(d, "*.none"))),
            _numpy(D.list_files(os.path.join(d, "[ab].txt"), shuffle=False).interleave(text, cycle_length=2)),
        ]
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return out


@program
def prog_data_options(tf: Any, keras: Any) -> Any:
    """tf.data.Options: defaults, type checks, merging through the pipeline (later settings win), equality."""
    D = tf.data.Dataset
    o = tf.data.Options()
    defaults = (o.deterministic, o.experimental_optimization.map_parallelization, o.threading.private_threadpool_size,
                o.autotune.enabled, o.experimental_slack,
                o.experimental_distribute.auto_shard_policy == tf.data.experimental.AutoShardPolicy.AUTO)
    a = tf.data.Options()
    a.deterministic = False
    a.threading.private_threadpool_size = 2
    a.experimental_optimization.map_fusion = True
    b = tf.data.Options()
    b.deterministic = True
    b.autotune.cpu_budget = 3
    piped = D.range(3).with_options(a).map(lambda x: x * 2).with_options(b)
    merged = piped.options()
    return [
        defaults, caught(lambda: setattr(o, "nonsense", 1)), caught(lambda: setattr(o, "deterministic", 3)),
        caught(lambda: setattr(o.threading, "private_threadpool_size", 2.5)),
        caught(lambda: setattr(o, "threading", 3)),
        (merged.deterministic, merged.threading.private_threadpool_size, merged.experimental_optimization.map_fusion,
         merged.autotune.cpu_budget),
        D.range(3).with_options(b).with_options(a).options().deterministic,
        D.zip((D.range(2).with_options(a), D.range(2))).options().deterministic,
        (tf.data.Options() == tf.data.Options(), a == b, D.range(2).options() == tf.data.Options()),
        (a.merge(b).deterministic, a.merge(b).threading.private_threadpool_size),
        _numpy(piped), repr(D.range(3).with_options(a)).split(" ")[0],
    ]


@program
def prog_data_group_by_window_and_buckets(tf: Any, keras: Any) -> Any:
    """group_by_window (window_size / window_size_func, the key given to reduce_func, the flush order at the end,
    errors) and bucket_by_sequence_length (boundaries, padding to boundaries, drop_remainder, tuples)."""
    D = tf.data.Dataset
    seqs = D.from_generator(lambda: (np.ones(n, np.int32) * n for n in [3, 1, 5, 2, 7, 4, 6, 2]),
                            output_signature=tf.TensorSpec([None], tf.int32))

    def length(x: Any) -> Any:
        return tf.shape(x)[0]

    return [
        _numpy(D.range(10).group_by_window(lambda x: x % 3, lambda k, w: w.batch(2), window_size=2)),
        _numpy(D.from_tensor_slices(np.array([4, 2, 3, 1, 0], np.int64)).group_by_window(
            lambda x: 4 - x, lambda k, w: w.batch(5), window_size=5)),
        _numpy(D.range(10).group_by_window(lambda x: x % 2, lambda k, w: w.batch(4), window_size_func=lambda k: k + 2)),
        _numpy(D.range(6).group_by_window(lambda x: x % 2, lambda k, w: w.map(lambda v: v * 10 + k), window_size=2)),
        repr(D.range(6).group_by_window(lambda x: x % 2, lambda k, w: w.batch(3), window_size=3).element_spec),
        int(D.range(6).group_by_window(lambda x: x % 2, lambda k, w: w.batch(3), window_size=3).cardinality()),
        caught(lambda: D.range(6).group_by_window(lambda x: x % 2, lambda k, w: w)),
        caught(lambda: D.range(6).group_by_window(lambda x: x % 2, lambda k, w: w, 2, lambda k: 2)),
        _numpy(seqs.bucket_by_sequence_length(length, [3, 5], [2, 2, 2])),
        _numpy(seqs.bucket_by_sequence_length(length, [3, 8], [2, 2, 2], pad_to_bucket_boundary=True)),
        _numpy(seqs.bucket_by_sequence_length(length, [3, 5], [2, 2, 3], drop_remainder=True, padding_values=-1)),
        _numpy(seqs.bucket_by_sequence_length(length, [3, 5], [2, 2, 2], padded_shapes=[8])),
        _numpy(seqs.map(lambda s: (s, tf.shape(s)[0])).bucket_by_sequence_length(lambda s, n: n, [4], [3, 3])),
        repr(seqs.bucket_by_sequence_length(length, [3, 5], [2, 2, 2]).element_spec),
        caught(lambda: seqs.bucket_by_sequence_length(length, [3, 5], [2, 2])),
        _numpy(seqs.apply(tf.data.experimental.group_by_window(lambda x: tf.cast(tf.shape(x)[0] % 2, tf.int64),
                                                               lambda k, w: w.padded_batch(2), 2))),
    ]


@program
def prog_data_choose_and_sample(tf: Any, keras: Any) -> Any:
    """choose_from_datasets (stop_on_empty_dataset both ways, errors, specs) and sample_from_datasets (every
    element once, relative order kept, weights, spent inputs, cardinality; the draws are each library's own)."""
    D = tf.data.Dataset

    def choices(a: list[int]) -> Any:
        return D.from_tensor_slices(np.array(a, np.int64))

    two = [D.range(3), D.range(10, 13)]
    sampled = _numpy(D.sample_from_datasets([D.range(5), D.range(10, 15)], seed=4))
    ratio = np.mean([x < 10 for x in _numpy(D.sample_from_datasets([D.range(10**6), D.range(10, 10**6)],
                                                                   weights=[0.2, 0.8], seed=1).take(4000))])
    return [
        _numpy(D.choose_from_datasets(two, choices([0, 1, 1, 0, 0, 0, 1]))),
        _numpy(D.choose_from_datasets([D.range(3), D.range(10, 13)], choices([0, 1, 1, 0, 0, 0, 1, 1]),
                                      stop_on_empty_dataset=False)),
        caught(lambda: _numpy(D.choose_from_datasets([D.range(3), D.range(4)], choices([0, 2])))),
        caught(lambda: D.choose_from_datasets([D.range(3)], D.from_tensor_slices(np.array([0], np.int32)))),
        caught(lambda: D.choose_from_datasets([D.range(3), D.from_tensors(1.0)], D.range(2))),
        caught(lambda: D.choose_from_datasets([], D.range(2))),
        int(D.choose_from_datasets([D.range(3), D.range(4)], D.range(2)).cardinality()),
        repr(D.choose_from_datasets([D.from_tensors([1, 2]), D.from_tensors([1, 2, 3])], D.range(2)).element_spec),
        sorted(sampled), [x for x in sampled if x < 10], [x for x in sampled if x >= 10],
        round(float(ratio), 1),
        _numpy(D.sample_from_datasets([D.range(3), D.range(10, 13)], weights=[0.0, 1.0], seed=1)),
        len(_numpy(D.sample_from_datasets([D.range(3), D.range(10, 100)], seed=1, stop_on_empty_dataset=True))) < 90,
        (int(D.sample_from_datasets([D.range(3), D.range(4)], seed=1).cardinality()),
         int(D.sample_from_datasets([D.range(3).repeat(), D.range(4).repeat()], seed=1).cardinality())),
        caught(lambda: D.sample_from_datasets([D.range(3), D.range(4)], weights=[1.0])),
        repr(D.sample_from_datasets([D.range(3), D.range(4)], seed=1).element_spec),
    ]


@program
def prog_fit_text_line_pipeline(tf: Any, keras: Any) -> Any:
    """A CSV file read by TextLineDataset, parsed with tf.strings in map, interleaved from two files, batched
    into fit: history, batches, iterations, weights."""
    import os
    import shutil
    import tempfile

    x, y = _regression(81, 16)
    d = tempfile.mkdtemp(prefix="tapegrad-lane-")
    try:
        paths = []
        for part in range(2):
            path = os.path.join(d, f"part{part}.csv")
            with open(path, "w") as f:
                for xi, yi in zip(x[part::2], y[part::2]):
                    f.write(",".join(f"{v:.9g}" for v in (*xi, *yi)) + "\n")
            paths.append(path)

        def parse(line: Any) -> Any:
            values = tf.strings.to_number(tf.strings.split(line, ","))
            return values[:3], values[3:]

        files = tf.data.Dataset.from_tensor_slices(paths)
        ds = files.interleave(tf.data.TextLineDataset, cycle_length=2).map(parse).batch(4)
        return _fit_record(keras, _dense_model(keras, 82), ds, epochs=2, shuffle=False)
    finally:
        shutil.rmtree(d, ignore_errors=True)
