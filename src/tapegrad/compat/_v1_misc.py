"""``tf.compat.v1.logging``, ``errors`` codes, ``gfile`` (TF 1's CamelCase file functions) and the ``data``
helpers that TF 1 code calls on datasets (``make_one_shot_iterator``, ``get_output_types``, ...)."""

from __future__ import annotations

import logging as _logging
from collections.abc import Iterator
from typing import Any

import tapegrad as tf

from .. import errors as _errors

# -- logging (the ``tapegrad`` logger, TF's levels and helpers) ------------------------------------------------------

DEBUG, INFO, WARN, ERROR, FATAL = _logging.DEBUG, _logging.INFO, _logging.WARNING, _logging.ERROR, _logging.FATAL


def _log() -> _logging.Logger:
    return tf.get_logger()


def log(level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
    """Log ``msg % args`` at ``level`` on tapegrad's logger."""
    _log().log(level, msg, *args, **kwargs)


def debug(msg: Any, *args: Any, **kwargs: Any) -> None:
    _log().debug(msg, *args, **kwargs)


def info(msg: Any, *args: Any, **kwargs: Any) -> None:
    _log().info(msg, *args, **kwargs)


def warning(msg: Any, *args: Any, **kwargs: Any) -> None:
    _log().warning(msg, *args, **kwargs)


warn = warning


def error(msg: Any, *args: Any, **kwargs: Any) -> None:
    _log().error(msg, *args, **kwargs)


def fatal(msg: Any, *args: Any, **kwargs: Any) -> None:
    _log().fatal(msg, *args, **kwargs)


def vlog(level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
    """Verbose log: ``msg`` at ``level`` (a Python logging level)."""
    _log().log(level, msg, *args, **kwargs)


def flush() -> None:
    for handler in _log().handlers:
        handler.flush()


def get_verbosity() -> int:
    """The logger's effective level."""
    return _log().getEffectiveLevel()


def set_verbosity(v: int) -> None:
    """Set the logger's level."""
    _log().setLevel(v)


_counts: dict[tuple[Any, ...], int] = {}


def log_every_n(level: int, msg: Any, n: int, *args: Any) -> None:
    """Log ``msg`` on the 1st, (n+1)th, (2n+1)th... call from the same place."""
    import inspect

    frame = inspect.stack()[1]
    key = ("every", frame.filename, frame.lineno)
    count = _counts.get(key, 0)
    _counts[key] = count + 1
    if count % n == 0:
        log(level, msg, *args)


def log_first_n(level: int, msg: Any, n: int, *args: Any) -> None:
    """Log ``msg`` only on the first ``n`` calls from the same place."""
    import inspect

    frame = inspect.stack()[1]
    key = ("first", frame.filename, frame.lineno)
    count = _counts.get(key, 0)
    _counts[key] = count + 1
    if count < n:
        log(level, msg, *args)


def log_if(level: int, msg: Any, condition: Any, *args: Any) -> None:
    """Log ``msg`` when ``condition`` holds."""
    if condition:
        log(level, msg, *args)


def TaskLevelStatusMessage(msg: Any) -> None:  # noqa: N802 - TF's name
    error(msg)


# -- errors: TF's status codes ---------------------------------------------------------------------------------------

_CODES = _errors._error_codes


def error_code_from_exception_type(cls: type) -> int:
    """The status code of a ``tf.errors`` exception class (KeyError for another class, as TF)."""
    return _CODES[cls.__name__]


def exception_type_from_error_code(error_code: int) -> type:
    """The ``tf.errors`` exception class of a status code."""
    for name, code in _CODES.items():
        if code == error_code:
            return getattr(_errors, name)
    raise KeyError(error_code)


# -- gfile: TF 1's CamelCase names of tf.io.gfile ----------------------------------------------------------------------

def Copy(oldpath: Any, newpath: Any, overwrite: bool = False) -> None:  # noqa: N802
    tf.io.gfile.copy(oldpath, newpath, overwrite=overwrite)


def DeleteRecursively(dirname: Any) -> None:  # noqa: N802
    tf.io.gfile.rmtree(dirname)


def Exists(filename: Any) -> bool:  # noqa: N802
    return tf.io.gfile.exists(filename)


def Glob(filename: Any) -> list[str]:  # noqa: N802
    return tf.io.gfile.glob(filename)


def IsDirectory(dirname: Any) -> bool:  # noqa: N802
    return tf.io.gfile.isdir(dirname)


def ListDirectory(dirname: Any) -> list[str]:  # noqa: N802
    return tf.io.gfile.listdir(dirname)


def MakeDirs(dirname: Any) -> None:  # noqa: N802
    tf.io.gfile.makedirs(dirname)


def MkDir(dirname: Any) -> None:  # noqa: N802
    tf.io.gfile.mkdir(dirname)


def Remove(filename: Any) -> None:  # noqa: N802
    tf.io.gfile.remove(filename)


def Rename(oldname: Any, newname: Any, overwrite: bool = False) -> None:  # noqa: N802
    tf.io.gfile.rename(oldname, newname, overwrite=overwrite)


def Stat(filename: Any) -> Any:  # noqa: N802
    return tf.io.gfile.stat(filename)


def Walk(top: Any, in_order: bool = True) -> Iterator[Any]:  # noqa: N802
    return tf.io.gfile.walk(top, topdown=in_order)


def FastGFile(name: Any, mode: str = "r") -> Any:  # noqa: N802
    """TF 1's ``FastGFile``: a ``GFile``."""
    return tf.io.gfile.GFile(name, mode)


# -- data helpers ---

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2

def make_one_shot_iterator(dataset: Any) -> Any:
    """An iterator over ``dataset`` (eagerly TF 1's one-shot iterator is the dataset's iterator)."""
    return iter(dataset)


def make_initializable_iterator(dataset: Any, shared_name: Any = None) -> Any:
    """Graph-mode only: RuntimeError eagerly, as TF."""
    raise RuntimeError("dataset.make_initializable_iterator is not supported when eager execution is enabled. Use "
                       "`for element in dataset` instead.")


def _spec_map(dataset: Any, what: str) -> Any:
    def leaf(spec: Any) -> Any:
        if what == "types":
            return spec.dtype
        if what == "shapes":
            return spec.shape
        return getattr(spec, "value_type", type(spec))

    return tf.nest.map_structure(leaf, dataset.element_spec)


def get_output_types(dataset_or_iterator: Any) -> Any:
    """The dtypes of a dataset's elements (a nest like its ``element_spec``)."""
    return _spec_map(dataset_or_iterator, "types")


def get_output_shapes(dataset_or_iterator: Any) -> Any:
    """The static shapes of a dataset's elements."""
    return _spec_map(dataset_or_iterator, "shapes")


def get_output_classes(dataset_or_iterator: Any) -> Any:
    """The classes of a dataset's elements (Tensor, SparseTensor, RaggedTensor, ...)."""
    return _spec_map(dataset_or_iterator, "classes")


# -- app / flags: absl's, as TF's -------------------------------------------------------------------------------------

def absl_flags() -> Any:
    """``absl.flags`` (TF 1's ``tf.compat.v1.flags`` and ``app.flags`` are it); ImportError naming the extra if
    absl-py is not installed."""
    try:
        from absl import flags
    except ImportError:
        raise ImportError("tf.compat.v1.flags is absl's flags module; install absl-py (pip install "
                          "'tapegrad[flags]').") from None
    return flags


def run(main: Any = None, argv: Any = None) -> None:
    """TF 1's ``app.run``: parse the command line with absl's flags (unknown flags tolerated, as TF) and call
    ``main(argv)`` (default: the ``__main__`` module's ``main``), then exit with its result."""
    import sys

    flags = absl_flags()
    from absl import app

    main = main or sys.modules["__main__"].main

    def parse(args: list[str]) -> list[str]:
        return flags.FLAGS(args, known_only=True)

    app.run(main, argv=argv, flags_parser=parse)
