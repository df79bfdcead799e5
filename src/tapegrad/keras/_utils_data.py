"""``keras.utils`` data helpers: ``pad_sequences``, ``normalize``, ``timeseries_dataset_from_array``,
``split_dataset`` and the ``*_dataset_from_directory`` readers, all giving ``tapegrad.data`` datasets.

File indexing, shuffling of the file list (NumPy ``RandomState(seed)``) and the validation split follow Keras 3.15,
so ``file_paths``, ``class_names`` and the training/validation membership equal Keras's for the same seed. The
per-epoch buffer shuffle (``shuffle=True``) uses ``tapegrad.data``'s own permutations (reproducible, not TF's).

>>> from tapegrad import keras
>>> keras.utils.pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist()
[[2, 3], [0, 4]]
"""

from __future__ import annotations

import os
import random as _random
from typing import Any

import numpy as np

__all__ = ["pad_sequences", "normalize", "timeseries_dataset_from_array", "split_dataset",
           "image_dataset_from_directory", "text_dataset_from_directory", "audio_dataset_from_directory"]

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")


def _tf() -> Any:
    import tapegrad

    return tapegrad


# -- sequences --------------------------------------------------------------------------------------------------------
def pad_sequences(sequences: Any, maxlen: int | None = None, dtype: Any = "int32", padding: str = "pre",
                  truncating: str = "pre", value: Any = 0.0) -> np.ndarray:
    """Pad (or truncate) a list of sequences to one length: a NumPy array ``(len(sequences), maxlen, ...)``.

    ``padding``/``truncating`` ``"pre"`` (default) work at the start, ``"post"`` at the end; ``maxlen`` defaults
    to the longest sequence. Empty sequences become all ``value``.

    >>> from tapegrad import keras
    >>> keras.utils.pad_sequences([[1], [2, 3]], padding="post", value=-1).tolist()
    [[1, -1], [2, 3]]
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"`sequences` must be iterable (a list of sequences). Received: {type(sequences)}")
    lengths, sample_shape, found = [], (), False
    for s in sequences:
        try:
            lengths.append(len(s))
        except TypeError:
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {s!r}") from None
        if not found and len(s):
            sample_shape, found = np.asarray(s).shape[1:], True
    if maxlen is None:
        maxlen = max(lengths) if lengths else 0
    is_str = np.issubdtype(np.dtype(dtype), np.str_) or np.issubdtype(np.dtype(dtype), np.object_)
    if isinstance(value, str) and dtype is not object and not is_str:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\nYou should set "
                         f"`dtype=object` for variable length strings.")
    x = np.full((len(lengths), maxlen) + sample_shape, value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s):
            continue
        if truncating == "pre":
            trunc = s[-maxlen:] if maxlen else s[:0]
        elif truncating == "post":
            trunc = s[:maxlen]
        else:
            raise ValueError(f'Truncating type "{truncating}" not understood (use "pre" or "post")')
        trunc = np.asarray(trunc, dtype=dtype)
        if trunc.shape[1:] != sample_shape:
            raise ValueError(f"Shape of sample {trunc.shape[1:]} of sequence at position {i} is different from "
                             f"expected shape {sample_shape}")
        if not len(trunc):
            continue
        if padding == "post":
            x[i, :len(trunc)] = trunc
        elif padding == "pre":
            x[i, -len(trunc):] = trunc
        else:
            raise ValueError(f'Padding type "{padding}" not understood (use "pre" or "post")')
    return x


def normalize(x: Any, axis: int = -1, order: int = 2) -> Any:
    """Divide ``x`` by its ``order``-norm along ``axis`` (zero norms left as they are).

    A NumPy array gives a NumPy array; a tensor gives a tensor (through ``tapegrad`` ops, so it has gradients).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.utils.normalize(np.array([[3.0, 4.0], [0.0, 0.0]])).tolist()
    [[0.6, 0.8], [0.0, 0.0]]
    """
    if isinstance(x, np.ndarray):
        norm = np.atleast_1d(np.linalg.norm(x, order, axis))
        norm[norm == 0] = 1
        return x / np.expand_dims(norm, axis or -1)
    tf = _tf()
    x = tf.convert_to_tensor(x)
    if not x.dtype.is_floating:
        x = tf.cast(x, "float32")
    if order == 2:
        return tf.math.l2_normalize(x, axis=axis)
    norm = tf.norm(x, ord=order, axis=axis, keepdims=True)
    return x / tf.maximum(norm, tf.cast(1e-12 if x.dtype != tf.float16 else 1e-7, x.dtype))


# -- time series ------------------------------------------------------------------------------------------------------
def timeseries_dataset_from_array(data: Any, targets: Any, sequence_length: int, sequence_stride: int = 1,
                                  sampling_rate: int = 1, batch_size: int | None = 128, shuffle: bool = False,
                                  seed: int | None = None, start_index: int | None = None,
                                  end_index: int | None = None) -> Any:
    """Sliding windows over ``data`` as a ``tapegrad.data.Dataset`` of ``(windows, targets)`` batches.

    Window ``i`` starts at ``start_index + i * sequence_stride`` and holds ``sequence_length`` rows
    ``sampling_rate`` apart; ``targets[i]`` is its target (``targets=None``: windows only). ``shuffle`` permutes the
    window starts with ``np.random.RandomState(seed)`` as Keras does (then a buffer shuffle).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> ds = keras.utils.timeseries_dataset_from_array(np.arange(10), np.arange(10) * 10, 3, batch_size=4)
    >>> x, y = next(iter(ds))
    >>> x.numpy().tolist(), y.numpy().tolist()
    ([[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]], [0, 10, 20, 30])
    """
    n = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: start_index={start_index}")
        if start_index >= n:
            raise ValueError(f"`start_index` must be lower than the length of the data. Received: "
                             f"start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`. Received: start_index={start_index}, "
                             f"and end_index={end_index}")
        if end_index >= n:
            raise ValueError(f"`end_index` must be lower than the length of the data. Received: "
                             f"end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    for name, v in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if v <= 0:
            raise ValueError(f"`{name}` must be higher than 0. Received: {name}={v}")
        if v >= n:
            raise ValueError(f"`{name}` must be lower than the length of the data. Received: {name}={v}, for data "
                             f"of length {n}")
    start = start_index or 0
    end = n if end_index is None else end_index
    num_seqs = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    index_dtype = "int32" if num_seqs < 2147483647 else "int64"
    starts = np.arange(0, num_seqs, sequence_stride, dtype=index_dtype)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(starts)
    data_arr = _as_array(data)[start:end]
    windows = starts[:, None] + np.arange(sequence_length, dtype=index_dtype)[None, :] * sampling_rate
    tf = _tf()
    ds = tf.data.Dataset.from_tensor_slices(windows).map(lambda w: tf.gather(data_arr, w))
    if targets is not None:
        target_arr = _as_array(targets)[start:end]
        ds = tf.data.Dataset.zip((ds, tf.data.Dataset.from_tensor_slices(starts).map(
            lambda i: tf.gather(target_arr, i))))
    if shuffle:
        ds = ds.shuffle(buffer_size=batch_size * 8 if batch_size is not None else 1024, seed=seed)
    if batch_size is not None:
        ds = ds.batch(batch_size)
    return ds


def _as_array(x: Any) -> np.ndarray:
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


# -- split_dataset ----------------------------------------------------------------------------------------------------
def _split_sizes(left: Any, right: Any, total: int) -> tuple[int, int]:
    """Keras's ``left_size``/``right_size`` rules: ints are counts, floats fractions; the other side the rest."""
    for name, v in (("left_size", left), ("right_size", right)):
        if v is not None and type(v) not in (int, float):
            raise TypeError(f"Invalid `{name}` type. Expected int, float or None. Received: type({name})={type(v)}")
    if left == 0 and right == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the split sizes must be "
                         "non-zero.")
    for name, v in (("left_size", left), ("right_size", right)):
        if (type(v) is int and (v <= 0 or v >= total)) or (type(v) is float and (v <= 0 or v >= 1)):
            raise ValueError(f"`{name}` should be either a positive integer smaller than {total}, or a float "
                             f"within the range `[0, 1]`. Received: {name}={v}")
    if type(left) is float and type(right) is float and left + right > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must be less than or equal "
                         "to 1.")
    lf = round(left * total) if type(left) is float else left
    rt = round(right * total) if type(right) is float else right
    if lf is None:
        lf = total - rt
    elif rt is None:
        rt = total - lf
    if lf + rt > total:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the {total}. Received: "
                         f"left_size + right_size = {lf + rt} and total_length = {total}")
    for size, side in ((lf, "left"), (rt, "right")):
        if size == 0:
            raise ValueError(f"With `dataset` of length={total}, `left_size`={lf} and `right_size`={rt}. Resulting "
                             f"{side} side dataset split will be empty. Adjust any of the aforementioned parameters")
    return int(lf), int(rt)


def split_dataset(dataset: Any, left_size: Any = None, right_size: Any = None, shuffle: bool = False,
                  seed: int | None = None, preferred_backend: str | None = None) -> tuple[Any, Any]:
    """Split a dataset (a ``tapegrad.data.Dataset``, an array, or a list/tuple of arrays of one length) into two
    ``tapegrad.data`` datasets: the first ``left_size`` samples and the last ``right_size`` ones.

    Sizes are counts (int) or fractions (float); a missing one is the complement. ``shuffle`` permutes the samples
    first with Python's ``random`` seeded by ``seed`` (Keras's rule, so the split is Keras's). A batched dataset
    gives splits batched the same way.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> left, right = keras.utils.split_dataset(np.arange(10), left_size=0.8)
    >>> int(left.cardinality()), int(right.cardinality())
    (8, 2)
    """
    tf = _tf()
    batch_size, scalars = None, False
    if isinstance(dataset, tf.data.Dataset):
        from ..data.dataset import _BatchDataset

        if isinstance(dataset, _BatchDataset):  # Keras's rule: only a dataset whose last step is `batch`
            batch_size = dataset._n
            dataset = dataset.unbatch()
        samples = list(dataset.as_numpy_iterator())
        if not samples:
            raise ValueError("`dataset` must be a non-empty dataset.")
    elif isinstance(dataset, (list, tuple)):
        arrays = [_as_array(a) for a in dataset]
        if len({len(a) for a in arrays}) > 1:
            raise ValueError(f"The arrays of `dataset` must have the same length. Received lengths: "
                             f"{[len(a) for a in arrays]}")
        samples = [tuple(a[i] for a in arrays) for i in range(len(arrays[0]))] if arrays else []
        if isinstance(dataset, list):
            samples = [list(s) for s in samples]
    elif isinstance(dataset, np.ndarray) or hasattr(dataset, "numpy"):
        samples = list(_as_array(dataset))
        scalars = True
    else:
        raise TypeError(f"The `dataset` argument must be a `tapegrad.data.Dataset`, a NumPy array or a list/tuple of "
                        f"arrays. Received: dataset={dataset!r} of type {type(dataset)}")
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. Received: "
                         "left_size=None and right_size=None")
    if shuffle:
        if seed is None:
            seed = _random.randint(0, int(1e6))
        _random.seed(seed)
        _random.shuffle(samples)
    lf, rt = _split_sizes(left_size, right_size, len(samples))
    out = []
    for part in (samples[:lf], samples[-rt:]):
        stacked = np.array(part) if scalars else _restack(part)
        if scalars and stacked.ndim == 1 and stacked.dtype == np.int64:
            stacked = stacked.astype(np.int32)  # Keras passes a list of NumPy scalars, which TF reads as int32
        ds = tf.data.Dataset.from_tensor_slices(stacked)
        out.append(ds.batch(batch_size) if batch_size is not None else ds)
    return out[0], out[1]


def _restack(samples: list[Any]) -> Any:
    """A list of samples (each a nested structure of arrays) as one structure of stacked arrays (lists → tuples)."""
    from ..nest import flatten, pack_sequence_as

    first = samples[0]
    columns = [np.array(col) for col in zip(*(flatten(s) for s in samples))]
    packed = pack_sequence_as(first, columns)

    def tuples(v: Any) -> Any:
        if isinstance(v, (list, tuple)):
            return tuple(tuples(e) for e in v)
        if isinstance(v, dict):
            return {k: tuples(e) for k, e in v.items()}
        return v

    return tuples(packed)


# -- *_dataset_from_directory -----------------------------------------------------------------------------------------
def check_validation_split_arg(validation_split: Any, subset: Any, shuffle: bool, seed: Any) -> None:
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide a `seed` argument, "
                         "to make sure that there is no overlap between the training and validation subset.")


def _valid_files(directory: str, follow_links: bool, formats: tuple[str, ...]) -> list[tuple[str, str]]:
    out = []
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda w: w[0]):
        out.extend((root, f) for f in sorted(files) if f.lower().endswith(formats))
    return out


def index_directory(directory: str, labels: Any, formats: tuple[str, ...], class_names: Any = None,
                    shuffle: bool = True, seed: Any = None, follow_links: bool = False,
                    verbose: bool = True) -> tuple[list[str], Any, Any]:
    """Keras's file index: ``(file_paths, labels, class_names)``; class subdirectories in sorted (or the given)
    order, files sorted within each walk directory; shuffled with ``np.random.RandomState(seed)``."""
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"Could not find directory {directory}")
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(set(subdirs)):
                raise ValueError(f"The `class_names` passed did not match the names of the subdirectories of the "
                                 f"target directory. Expected: {subdirs} (or a subset of it), but received: "
                                 f"class_names={class_names}")
            subdirs = list(class_names)
    else:
        subdirs = [""]
        if class_names is not None:
            if labels is None:
                raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be specified.")
            raise ValueError("When argument `labels` is specified, argument `class_names` cannot be specified (the "
                             "`class_names` will be the sorted list of labels).")
    class_names = subdirs
    filenames: list[str] = []
    inferred: list[int] = []
    for index, subdir in enumerate(subdirs):
        dirpath = os.path.join(directory, subdir)
        dirname = os.path.basename(dirpath)
        for root, fname in _valid_files(dirpath, follow_links, formats):
            filenames.append(os.path.join(dirname, os.path.relpath(os.path.join(root, fname), dirpath)))
            inferred.append(index)
    if labels == "inferred":
        labels = np.asarray(inferred, dtype="int32")
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(filenames):
            raise ValueError(f"Expected the lengths of `labels` to match the number of files in the target "
                             f"directory. len(labels) is {len(labels)} while we found {len(filenames)} files in "
                             f"directory {directory}.")
        class_names = [str(label) for label in sorted(set(labels))]
    if verbose:
        if labels is None:
            print(f"Found {len(filenames)} files.")
        else:
            print(f"Found {len(filenames)} files belonging to {len(class_names)} classes.")
    file_paths = [os.path.join(directory, f) for f in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(file_paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, class_names


def _split(samples: list[str], labels: Any, validation_split: Any, subset: Any) -> tuple[list[str], Any]:
    if not validation_split:
        return samples, labels
    n_val = int(validation_split * len(samples))
    if subset == "training":
        print(f"Using {len(samples) - n_val} files for training.")
        sl = slice(None, -n_val)
    elif subset == "validation":
        print(f"Using {n_val} files for validation.")
        sl = slice(-n_val, None)
    else:
        raise ValueError(f'`subset` must be either "training" or "validation", received: {subset}')
    return samples[sl], (labels[sl] if labels is not None else None)


def _check_labels_args(labels: Any, label_mode: Any, class_names: Any, kind: str) -> Any:
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(f"`labels` argument should be a list/tuple of integer labels, of the same size as the "
                             f"number of {kind} files in the target directory. If you wish to infer the labels from "
                             f'the subdirectory names in the target directory, pass `labels="inferred"`. If you wish '
                             f"to get a dataset that only contains {kind}s (no labels), pass `labels=None`. "
                             f"Received: labels={labels}")
        if class_names:
            raise ValueError(f'You can only pass `class_names` if `labels="inferred"`. Received: labels={labels}, '
                             f"and class_names={class_names}")
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError(f'`label_mode` argument must be one of "int", "categorical", "binary", or None. '
                         f"Received: label_mode={label_mode}")


def _labels_dataset(labels: Any, label_mode: str, num_classes: int) -> Any:
    tf = _tf()
    ds = tf.data.Dataset.from_tensor_slices(np.asarray(labels, dtype="int32"))
    if label_mode == "binary":
        return ds.map(lambda y: tf.expand_dims(tf.cast(y, "float32"), -1))
    if label_mode == "categorical":
        return ds.map(lambda y: tf.one_hot(y, num_classes))
    return ds


def _from_directory(directory: str, labels: Any, label_mode: Any, class_names: Any, formats: tuple[str, ...],
                    shuffle: bool, seed: Any, validation_split: Any, subset: Any, follow_links: bool, verbose: bool,
                    kind: str, build: Any, shuffle_validation: bool = True) -> Any:
    """The shared part of the directory readers: index, split, one dataset per subset (``build(paths, labels,
    shuffle)`` maps the file paths to samples and batches); ``class_names`` and ``file_paths`` attributes."""
    _check_labels_args(labels, label_mode, class_names, kind)
    if labels is None or label_mode is None:
        labels = label_mode = None
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = index_directory(directory, labels, formats=formats, class_names=class_names,
                                                 shuffle=shuffle, seed=seed, follow_links=follow_links,
                                                 verbose=verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 class_names. Received: '
                         f"class_names={class_names}")
    tf = _tf()
    num_classes = len(class_names) if class_names else 0

    def make(p: list[str], y: Any, what: str, shuffled: bool) -> Any:
        if not p:
            raise ValueError(f"No {what}{kind}s found in directory {directory}. Allowed format(s): {formats}")
        ds = tf.data.Dataset.from_tensor_slices(p)
        if label_mode:
            ds = tf.data.Dataset.zip((ds, _labels_dataset(y, label_mode, num_classes)))
        ds = build(ds, bool(label_mode), shuffled, seed)
        ds.class_names = class_names
        ds.file_paths = p
        return ds

    if subset == "both":
        p_train, y_train = _split(paths, labels, validation_split, "training")
        p_val, y_val = _split(paths, labels, validation_split, "validation")
        return [make(p_train, y_train, "training ", shuffle),
                make(p_val, y_val, "validation ", shuffle and shuffle_validation)]
    p, y = _split(paths, labels, validation_split, subset)
    return make(p, y, "", shuffle)


def _map_first(ds: Any, labelled: bool, fn: Any) -> Any:
    return ds.map(lambda x, y: (fn(x), y)) if labelled else ds.map(fn)


def _finish(ds: Any, batch_size: Any, batcher: str = "batch") -> Any:
    if batch_size is not None:
        ds = getattr(ds, batcher)(batch_size)
    return ds.prefetch(-1)


def _shuffled(ds: Any, shuffle: bool, batch_size: Any, seed: Any) -> Any:
    return ds.shuffle(batch_size * 8 if batch_size is not None else 1024, seed=seed) if shuffle else ds


def smart_resize(x: Any, size: Any, interpolation: str = "bilinear", data_format: str = "channels_last") -> Any:
    """Resize ``x`` (``(h, w, c)`` or a batch) to ``size`` without distorting its aspect ratio: the largest centred
    crop with the target's aspect ratio is taken, then resized (``keras.preprocessing.image.smart_resize``).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> tuple(keras.utils.smart_resize(np.ones((10, 20, 3), "float32"), (5, 5)).shape)
    (5, 5, 3)
    """
    tf = _tf()
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    as_numpy = not isinstance(x, tf.Tensor)  # as Keras: a NumPy image gives a NumPy result
    x = tf.convert_to_tensor(x)
    if len(x.shape) not in (3, 4):
        raise ValueError(f"Expected an image array with shape `(height, width, channels)`, or `(batch_size, height, "
                         f"width, channels)`, but got input with incorrect rank, of shape {tuple(x.shape)}.")
    first = data_format == "channels_first"
    h_axis = -2 if first else -3
    height, width = int(x.shape[h_axis]), int(x.shape[h_axis + 1])
    th, tw = size
    crop_h = max(min(height, int(float(width * th) / tw)), 1)
    crop_w = max(min(width, int(float(height * tw) / th)), 1)
    oh, ow = (height - crop_h) // 2, (width - crop_w) // 2
    if first:
        x = x[..., oh:oh + crop_h, ow:ow + crop_w]
        perm = [0, 2, 3, 1] if len(x.shape) == 4 else [1, 2, 0]
        inv = [0, 3, 1, 2] if len(x.shape) == 4 else [2, 0, 1]
        out = tf.transpose(tf.image.resize(tf.transpose(x, perm), size, method=interpolation), inv)
    else:
        out = tf.image.resize(x[..., oh:oh + crop_h, ow:ow + crop_w, :], size, method=interpolation)
    return out.numpy() if as_numpy else out


def image_dataset_from_directory(directory: str, labels: Any = "inferred", label_mode: Any = "int",
                                 class_names: Any = None, color_mode: str = "rgb", batch_size: Any = 32,
                                 image_size: Any = (256, 256), shuffle: bool = True, seed: Any = None,
                                 validation_split: Any = None, subset: Any = None, interpolation: str = "bilinear",
                                 follow_links: bool = False, crop_to_aspect_ratio: bool = False,
                                 pad_to_aspect_ratio: bool = False, data_format: Any = None, format: str = "tf",
                                 verbose: bool = True) -> Any:
    """Images under ``directory`` (one subdirectory per class, by default) as a ``tapegrad.data.Dataset`` of
    ``(images, labels)`` batches: float32 ``(batch, *image_size, channels)`` and labels ``int32`` (``"int"``),
    one-hot float32 (``"categorical"``) or float32 ``(batch, 1)`` (``"binary"``).

    PNG, JPEG, GIF (first frame) and BMP decode with ``tapegrad.io.decode_image``; images are resized with
    ``tapegrad.image.resize`` (``crop_to_aspect_ratio``: centre crop first; ``pad_to_aspect_ratio``: letterbox).
    The dataset has ``class_names`` and ``file_paths`` attributes. ``subset="both"`` returns
    ``[training, validation]``. ``format="grain"`` is not available (tapegrad datasets only).

    >>> import os, tempfile
    >>> import numpy as np
    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> root = tempfile.mkdtemp()
    >>> for name in ("cat", "dog"):
    ...     os.makedirs(os.path.join(root, name))
    ...     png = tf.io.encode_png(np.full((4, 6, 3), 50, "uint8")).numpy()
    ...     _ = open(os.path.join(root, name, "a.png"), "wb").write(png)
    >>> ds = keras.utils.image_dataset_from_directory(root, image_size=(2, 3), shuffle=False, verbose=False)
    >>> x, y = next(iter(ds))
    >>> ds.class_names, tuple(x.shape), y.numpy().tolist()
    (['cat', 'dog'], (2, 2, 3, 3), [0, 1])
    """
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}.get(color_mode)
    if channels is None:
        raise ValueError(f'`color_mode` must be one of {{"rgb", "rgba", "grayscale"}}. Received: '
                         f"color_mode={color_mode}")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(f"Invalid `image_size` value. Expected a tuple of 2 integers. Received: "
                         f"image_size={image_size}")
    interpolation = interpolation.lower()
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"Argument `interpolation` should be one of {_INTERPOLATIONS}. Received: "
                         f"interpolation={interpolation}")
    _check_format(format)
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set to `True`.")
    from . import backend

    data_format = backend.image_data_format() if data_format is None else data_format
    tf = _tf()
    size = tuple(int(v) for v in image_size)

    def load(path: Any) -> Any:
        img = tf.io.decode_image(tf.io.read_file(path), channels=channels, expand_animations=False)
        if crop_to_aspect_ratio:
            img = smart_resize(tf.cast(img, "float32"), size, interpolation=interpolation)
        elif pad_to_aspect_ratio:
            img = tf.image.resize_with_pad(img, size[0], size[1], method=interpolation)
        else:  # as in Keras, "nearest" keeps the file's uint8 values
            img = tf.image.resize(img, size, method=interpolation)
        return tf.transpose(img, (2, 0, 1)) if data_format == "channels_first" else img

    def build(ds: Any, labelled: bool, shuffled: bool, seed_: Any) -> Any:
        ds = _map_first(_shuffled(ds, shuffled, batch_size, seed_), labelled, load)
        return _finish(ds, batch_size)

    return _from_directory(directory, labels, label_mode, class_names, IMAGE_FORMATS, shuffle, seed,
                           validation_split, subset, follow_links, verbose, "image", build)


def _check_format(format: str) -> None:
    if format != "tf":
        raise ValueError(f'`format` must be "tf" in tapegrad (a tapegrad.data.Dataset; Grain datasets are not '
                         f"supported). Received: format={format}")


def text_dataset_from_directory(directory: str, labels: Any = "inferred", label_mode: Any = "int",
                                class_names: Any = None, batch_size: Any = 32, max_length: Any = None,
                                shuffle: bool = True, seed: Any = None, validation_split: Any = None,
                                subset: Any = None, follow_links: bool = False, format: str = "tf",
                                verbose: bool = True) -> Any:
    """``.txt`` files under ``directory`` as a ``tapegrad.data.Dataset`` of ``(texts, labels)`` batches (string
    tensors; ``max_length`` truncates each text to that many bytes). Labels, shuffling and splits as in
    :func:`image_dataset_from_directory`.

    >>> import os, tempfile
    >>> from tapegrad import keras
    >>> root = tempfile.mkdtemp()
    >>> for name, text in (("neg", "bad"), ("pos", "good")):
    ...     os.makedirs(os.path.join(root, name))
    ...     _ = open(os.path.join(root, name, "1.txt"), "w").write(text)
    >>> ds = keras.utils.text_dataset_from_directory(root, shuffle=False, verbose=False, max_length=3)
    >>> x, y = next(iter(ds))
    >>> x.numpy().tolist(), y.numpy().tolist()
    ([b'bad', b'goo'], [0, 1])
    """
    _check_format(format)
    tf = _tf()

    def load(path: Any) -> Any:
        text = tf.io.read_file(path)
        return tf.strings.substr(text, 0, max_length) if max_length is not None else text

    def build(ds: Any, labelled: bool, shuffled: bool, seed_: Any) -> Any:
        ds = _map_first(_shuffled(ds, shuffled, batch_size, seed_), labelled, load)
        return _finish(ds, batch_size)

    return _from_directory(directory, labels, label_mode, class_names, (".txt",), shuffle, seed, validation_split,
                           subset, follow_links, verbose, "text file", build)


def audio_dataset_from_directory(directory: str, labels: Any = "inferred", label_mode: Any = "int",
                                 class_names: Any = None, batch_size: Any = 32, sampling_rate: Any = None,
                                 output_sequence_length: Any = None, ragged: bool = False, shuffle: bool = True,
                                 seed: Any = None, validation_split: Any = None, subset: Any = None,
                                 follow_links: bool = False, verbose: bool = True) -> Any:
    """``.wav`` files under ``directory`` as a ``tapegrad.data.Dataset`` of ``(audio, labels)`` batches: float32
    ``(batch, samples, channels)`` decoded with ``tapegrad.audio.decode_wav``. Without ``output_sequence_length``
    a batch is zero-padded to its longest clip (``ragged=True``: ``RaggedTensor`` batches); with it every clip is
    cut or zero-padded to that many samples. ``sampling_rate`` (resampling) needs ``tensorflow-io`` in Keras and
    is not supported here (``ValueError``). As in Keras, ``subset="both"`` shuffles only the training split.

    >>> import os, tempfile
    >>> import numpy as np
    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> root = tempfile.mkdtemp()
    >>> os.makedirs(os.path.join(root, "beep"))
    >>> for i, n in enumerate((3, 5)):
    ...     wav = tf.audio.encode_wav(np.zeros((n, 1), "float32"), 16000).numpy()
    ...     _ = open(os.path.join(root, "beep", f"{i}.wav"), "wb").write(wav)
    >>> ds = keras.utils.audio_dataset_from_directory(root, shuffle=False, verbose=False)
    >>> x, y = next(iter(ds))
    >>> tuple(x.shape), y.numpy().tolist()
    ((2, 5, 1), [0, 0])
    """
    if ragged and output_sequence_length is not None:
        raise ValueError("Cannot set both `ragged` and `output_sequence_length`")
    if sampling_rate is not None:
        if not isinstance(sampling_rate, int):
            raise ValueError(f"`sampling_rate` should have an integer value. Received: sampling_rate={sampling_rate}")
        if sampling_rate <= 0:
            raise ValueError(f"`sampling_rate` should be higher than 0. Received: sampling_rate={sampling_rate}")
        raise ValueError("`sampling_rate` (resampling, tensorflow-io's `tfio.audio.resample` in Keras) is not "
                         "supported by tapegrad; resample the files beforehand or pass sampling_rate=None.")
    tf = _tf()

    def load(path: Any) -> Any:
        audio, _ = tf.audio.decode_wav(tf.io.read_file(path), desired_samples=output_sequence_length or -1)
        return audio

    def build(ds: Any, labelled: bool, shuffled: bool, seed_: Any) -> Any:
        ds = _map_first(_shuffled(ds, shuffled, batch_size, seed_), labelled, load)
        batcher = "ragged_batch" if ragged else "padded_batch" if output_sequence_length is None else "batch"
        return _finish(ds, batch_size, batcher)

    return _from_directory(directory, labels, label_mode, class_names, (".wav",), shuffle, seed, validation_split,
                           subset, follow_links, verbose, "audio file", build, shuffle_validation=False)
