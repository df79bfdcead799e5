"""``tf.io.gfile``: TensorFlow's file API on the local file system, with TF's error types (``NotFoundError``,
``AlreadyExistsError``, ``FailedPreconditionError``) in place of ``OSError``.

>>> import os, tempfile
>>> import tapegrad as tf
>>> root = tempfile.mkdtemp()
>>> tf.io.gfile.makedirs(os.path.join(root, "a", "b"))
>>> with tf.io.gfile.GFile(os.path.join(root, "a", "b", "x.txt"), "w") as f:
...     _ = f.write("hello\\n")
>>> tf.io.gfile.listdir(os.path.join(root, "a")), tf.io.gfile.stat(os.path.join(root, "a", "b", "x.txt")).length
(['b'], 6)
>>> [os.path.relpath(p, root) for p in tf.io.gfile.glob(os.path.join(root, "*", "*", "*.txt"))]
['a/b/x.txt']
"""

from __future__ import annotations

import glob as _glob
import os
import shutil
from collections.abc import Iterator
from typing import Any

from ..errors import AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError
from ._common import path_of

__all__ = ["GFile", "exists", "glob", "isdir", "listdir", "makedirs", "mkdir", "remove", "rmtree", "copy", "rename",
           "stat", "walk", "join"]


_p = path_of


def _missing(path: str) -> NotFoundError:
    return NotFoundError(f"{path}; No such file or directory")


def exists(path: Any) -> bool:
    """Whether ``path`` exists (a file or a directory).

    >>> import tempfile
    >>> import tapegrad as tf
    >>> tf.io.gfile.exists(tempfile.gettempdir()), tf.io.gfile.exists("/no/such/path")
    (True, False)
    """
    return os.path.exists(_p(path))


def isdir(path: Any) -> bool:
    """Whether ``path`` is a directory.

    >>> import tempfile
    >>> import tapegrad as tf
    >>> tf.io.gfile.isdir(tempfile.gettempdir())
    True
    """
    return os.path.isdir(_p(path))


def glob(pattern: Any) -> list[str]:
    """The paths matching ``pattern`` (or any of a list of patterns), sorted."""
    patterns = [pattern] if isinstance(pattern, (str, bytes, os.PathLike)) else list(pattern)
    return sorted({m for p in patterns for m in _glob.glob(_p(p))})


def listdir(path: Any) -> list[str]:
    """The names in directory ``path`` (no ``.``/``..``), sorted; ``NotFoundError`` if it is not a directory."""
    p = _p(path)
    if not os.path.isdir(p):
        raise NotFoundError(f"Could not find directory {p}")
    return sorted(os.listdir(p))


def makedirs(path: Any) -> None:
    """Create ``path`` and its missing parents (existing ones are fine)."""
    p = _p(path)
    try:
        os.makedirs(p, exist_ok=True)
    except FileExistsError:
        raise FailedPreconditionError(f"{p}; a file of that name exists (not a directory)") from None


def mkdir(path: Any) -> None:
    """Create directory ``path``; its parent must exist (``NotFoundError``); an existing directory is fine."""
    p = _p(path)
    if os.path.isdir(p):
        return
    try:
        os.mkdir(p)
    except FileNotFoundError:
        raise _missing(p) from None
    except FileExistsError:
        raise FailedPreconditionError(f"{p}; a file of that name exists (not a directory)") from None


def remove(path: Any) -> None:
    """Delete the file ``path`` (``NotFoundError`` if missing, ``FailedPreconditionError`` for a directory: use
    ``rmtree``).

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> path = os.path.join(tempfile.mkdtemp(), "f")
    >>> tf.io.write_file(path, "x")
    >>> tf.io.gfile.remove(path)
    >>> tf.io.gfile.exists(path)
    False
    """
    p = _p(path)
    if os.path.isdir(p):
        raise FailedPreconditionError(f"{p}; Is a directory (use tf.io.gfile.rmtree)")
    try:
        os.remove(p)
    except FileNotFoundError:
        raise _missing(p) from None


def rmtree(path: Any) -> None:
    """Delete directory ``path`` and everything in it (``NotFoundError`` if missing).

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> d = os.path.join(tempfile.mkdtemp(), "x")
    >>> tf.io.gfile.makedirs(os.path.join(d, "y"))
    >>> tf.io.gfile.rmtree(d)
    >>> tf.io.gfile.exists(d)
    False
    """
    p = _p(path)
    if not os.path.exists(p):
        raise NotFoundError(f"{p} not found")
    if not os.path.isdir(p):
        os.remove(p)
        return
    shutil.rmtree(p)


def _refuse_existing(path: str, overwrite: bool) -> None:
    if not overwrite and os.path.exists(path):
        raise AlreadyExistsError(f"file already exists: {path} (pass overwrite=True to replace it)")


def copy(src: Any, dst: Any, overwrite: bool = False) -> None:
    """Copy file ``src`` to ``dst``; an existing ``dst`` needs ``overwrite=True`` (else ``AlreadyExistsError``).

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> d = tempfile.mkdtemp()
    >>> tf.io.write_file(os.path.join(d, "a"), "x")
    >>> tf.io.gfile.copy(os.path.join(d, "a"), os.path.join(d, "b"))
    >>> try:
    ...     tf.io.gfile.copy(os.path.join(d, "a"), os.path.join(d, "b"))
    ... except tf.errors.AlreadyExistsError:
    ...     print("exists")
    exists
    """
    s, d = _p(src), _p(dst)
    _refuse_existing(d, overwrite)
    try:
        shutil.copyfile(s, d)
    except FileNotFoundError:
        raise _missing(s if not os.path.exists(s) else d) from None
    except IsADirectoryError:
        raise FailedPreconditionError(f"{s}; Is a directory (copy copies files)") from None


def rename(src: Any, dst: Any, overwrite: bool = False) -> None:
    """Move ``src`` to ``dst``; an existing ``dst`` needs ``overwrite=True`` (else ``AlreadyExistsError``).

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> d = tempfile.mkdtemp()
    >>> tf.io.write_file(os.path.join(d, "a"), "x")
    >>> tf.io.gfile.rename(os.path.join(d, "a"), os.path.join(d, "b"))
    >>> tf.io.gfile.listdir(d)
    ['b']
    """
    s, d = _p(src), _p(dst)
    _refuse_existing(d, overwrite)
    try:
        os.replace(s, d)
    except FileNotFoundError:
        raise _missing(s) from None


class FileStatistics:
    """What ``stat`` returns: ``length`` (bytes), ``mtime_nsec`` and ``is_directory``."""

    def __init__(self, length: int, mtime_nsec: int, is_directory: bool) -> None:
        self.length, self.mtime_nsec, self.is_directory = length, mtime_nsec, is_directory

    def __repr__(self) -> str:
        return (f"FileStatistics(length={self.length}, mtime_nsec={self.mtime_nsec}, "
                f"is_directory={self.is_directory})")


def stat(path: Any) -> FileStatistics:
    """The size, modification time and kind of ``path`` (``NotFoundError`` if missing)."""
    p = _p(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise _missing(p) from None
    return FileStatistics(int(st.st_size), int(st.st_mtime_ns), os.path.isdir(p))


def walk(top: Any, topdown: bool = True, onerror: Any = None) -> Iterator[tuple[str, list[str], list[str]]]:
    """``(dirname, subdirs, files)`` for each directory under ``top``, names sorted; nothing if ``top`` is not a
    directory.

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> d = tempfile.mkdtemp()
    >>> tf.io.write_file(os.path.join(d, "s", "f.txt"), "x")
    >>> [(os.path.relpath(p, d), sub, files) for p, sub, files in tf.io.gfile.walk(d)]
    [('.', ['s'], []), ('s', [], ['f.txt'])]
    """
    t = _p(top)
    if not os.path.isdir(t):
        return
    for d, subdirs, files in os.walk(t, topdown=topdown, onerror=onerror):
        subdirs.sort()
        yield d, subdirs, sorted(files)


def join(path: Any, *paths: Any) -> str:
    """Join path components with ``/``."""
    return os.path.join(_p(path), *[_p(p) for p in paths])


class GFile:
    """A file as TensorFlow's ``GFile``: modes ``r``/``w``/``a`` (text, UTF-8) and ``rb``/``wb``/``ab``, plus
    ``r+``/``w+``/``a+``. The file is opened on first use (a missing file raises ``NotFoundError`` then); text
    mode ``write`` also takes bytes. ``read(n=-1)``, ``readline``, ``readlines``, iteration, ``seek``/``tell``,
    ``size()``, ``flush``, ``close`` and the context-manager protocol.

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> path = os.path.join(tempfile.mkdtemp(), "t.txt")
    >>> with tf.io.gfile.GFile(path, "w") as f:
    ...     _ = f.write("one\\ntwo")
    >>> with tf.io.gfile.GFile(path) as f:
    ...     f.readline(), f.read(), f.tell(), f.size()
    ('one\\n', 'two', 7, 7)
    """

    def __init__(self, name: Any, mode: str = "r") -> None:
        if mode.replace("b", "") not in ("r", "w", "a", "r+", "w+", "a+"):
            raise InvalidArgumentError(f"mode is not 'r' or 'w' or 'a' or 'r+' or 'w+' or 'a+' (with an optional "
                                       f"'b'); got {mode!r}.")
        self.name, self.mode = _p(name), mode
        self._binary = "b" in mode
        self._f: Any = None

    def _file(self) -> Any:
        if self._f is None:
            raw_mode = self.mode.replace("b", "") + "b"
            try:
                self._f = open(self.name, raw_mode)  # noqa: SIM115  (closed by close())
            except FileNotFoundError:
                raise _missing(self.name) from None
            except IsADirectoryError:
                raise FailedPreconditionError(f"{self.name}; Is a directory") from None
        return self._f

    def _out(self, data: bytes) -> Any:
        return data if self._binary else data.decode("utf-8")

    def read(self, n: int = -1) -> Any:
        """``n`` bytes (all with -1); text mode decodes UTF-8."""
        return self._out(self._file().read(n))

    def readline(self) -> Any:
        return self._out(self._file().readline())

    def readlines(self) -> list[Any]:
        return [self._out(line) for line in self._file().readlines()]

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def write(self, data: Any) -> None:
        """Append ``data`` (str is encoded as UTF-8; bytes are written as they are, in either mode)."""
        if "r" in self.mode and "+" not in self.mode:
            raise FailedPreconditionError(f"{self.name}: file opened for reading (mode {self.mode!r}), not writing.")
        self._file().write(data.encode("utf-8") if isinstance(data, str) else bytes(data))

    def seek(self, offset: int | None = None, whence: int = 0, position: int | None = None) -> None:
        self._file().seek(position if offset is None else offset, whence)

    def tell(self) -> int:
        return self._file().tell()

    def size(self) -> int:
        if self._f is not None:
            self._f.flush()
        return os.path.getsize(self.name)

    def flush(self) -> None:
        if self._f is not None:
            self._f.flush()

    def close(self) -> None:
        if self._f is not None:
            self._f.close()
            self._f = None

    def seekable(self) -> bool:
        return True

    def __enter__(self) -> GFile:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


Open = GFile
