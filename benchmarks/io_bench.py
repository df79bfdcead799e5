"""Throughput of the file-format code: CRC-32C, TFRecord writing and reading, Example parsing, PNG; each tapegrad
row next to TensorFlow's (when installed) in the same process, the best of ``--rounds`` rounds kept. Times are CPU
seconds of this process (``time.process_time``: the machine may be shared), rates in MB/s and records/s.

    PYTHONPATH=src python -m benchmarks.io_bench [--rounds 3] [--no-tf]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import tapegrad as tg
from tapegrad import _crc32c


def _best(f: Callable[[], Any], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.process_time()
        f()
        best = min(best, time.process_time() - t0)
    return max(best, 1e-9)


def _example(lib: Any, i: int) -> bytes:
    T = lib.train
    return T.Example(features=T.Features(feature={
        "x": T.Feature(float_list=T.FloatList(value=[float(i)] * 16)),
        "label": T.Feature(int64_list=T.Int64List(value=[i % 10])),
        "id": T.Feature(bytes_list=T.BytesList(value=[f"id-{i}".encode()])),
    })).SerializeToString(deterministic=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-tf", action="store_true")
    args = parser.parse_args()
    tf = None
    if not args.no_tf:
        try:
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
            import tensorflow as tf  # type: ignore[no-redef]
        except ImportError:
            tf = None
    r = args.rounds
    rows: list[tuple[str, str, str]] = []
    big = os.urandom(16 << 20)
    small = [os.urandom(200) for _ in range(20000)]
    t = _best(lambda: _crc32c.crc32c(big), r)
    rows.append(("crc32c, 16 MiB buffer (NumPy chunks)", f"{16 / t:.0f} MB/s", "-"))
    t = _best(lambda: [_crc32c.crc32c(s) for s in small], r)
    rows.append(("crc32c, 20,000 x 200 B (Python slicing-by-8)", f"{4.0 / t:.1f} MB/s", "-"))
    t = _best(lambda: [_crc32c.masked_crc32c_many(small[i:i + 256]) for i in range(0, len(small), 256)], r)
    rows.append(("crc32c_many, 20,000 x 200 B, 256 at a time (NumPy)", f"{4.0 / t:.1f} MB/s", "-"))

    d = tempfile.mkdtemp()
    records = [_example(tg, i) for i in range(20000)]
    mb = sum(len(x) + 16 for x in records) / 1e6

    def write(lib: Any, path: str) -> Callable[[], None]:
        def run() -> None:
            with lib.io.TFRecordWriter(path) as w:
                for rec in records:
                    w.write(rec)
        return run

    def read(lib: Any, path: str) -> Callable[[], None]:
        return lambda: sum(1 for _ in lib.data.TFRecordDataset(path))

    spec_of = {"x": ("FixedLenFeature", [16], "float32"), "label": ("FixedLenFeature", [], "int64"),
               "id": ("FixedLenFeature", [], "string")}

    def parse(lib: Any, path: str) -> Callable[[], None]:
        spec = {k: getattr(lib.io, kind)(shape, getattr(lib, dt)) for k, (kind, shape, dt) in spec_of.items()}
        return lambda: sum(1 for _ in lib.data.TFRecordDataset(path).map(
            lambda s: lib.io.parse_single_example(s, spec)))

    def parse_batched(lib: Any, path: str) -> Callable[[], None]:
        spec = {k: getattr(lib.io, kind)(shape, getattr(lib, dt)) for k, (kind, shape, dt) in spec_of.items()}
        return lambda: sum(1 for _ in lib.data.TFRecordDataset(path).batch(256).map(
            lambda s: lib.io.parse_example(s, spec)))

    paths = {"tapegrad": os.path.join(d, "tg.tfrecord"), "tf": os.path.join(d, "tf.tfrecord")}
    libs = {"tapegrad": tg, "tf": tf}
    for name, make in (("TFRecordWriter.write, 20,000 Examples", write),
                       ("TFRecordDataset read, 20,000 records", read),
                       ("map(parse_single_example), 20,000", parse),
                       ("batch(256).map(parse_example), 20,000", parse_batched)):
        cells = []
        for lib_name in ("tapegrad", "tf"):
            lib = libs[lib_name]
            if lib is None:
                cells.append("-")
                continue
            t = _best(make(lib, paths[lib_name]), r)
            cells.append(f"{20000 / t:,.0f} rec/s ({mb / t:.1f} MB/s)")
        rows.append((name, cells[0], cells[1]))

    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)
    smooth = np.broadcast_to(np.add.outer(np.arange(256), np.arange(256)).astype(np.uint8)[..., None],
                             (256, 256, 3)).copy()
    for label, image in (("noise", img), ("smooth", smooth)):
        png = tg.io.encode_png(image).numpy()
        cells_e, cells_d = [], []
        for lib in (tg, tf):
            if lib is None:
                cells_e.append("-")
                cells_d.append("-")
                continue
            cells_e.append(f"{_best(lambda lib=lib, im=image: lib.io.encode_png(im), r) * 1e3:.1f} ms")
            cells_d.append(f"{_best(lambda lib=lib, p=png: lib.io.decode_png(p), r) * 1e3:.1f} ms")
        rows.append((f"encode_png 256x256 RGB ({label})", cells_e[0], cells_e[1]))
        rows.append((f"decode_png 256x256 RGB ({label}, {len(png)} B)", cells_d[0], cells_d[1]))

    print(f"load average {os.getloadavg()[0]:.2f}; CPU time, best of {r}")
    print(f"| {'case':<52} | {'tapegrad':>30} | {'TensorFlow':>30} |")
    print(f"|{'-' * 54}|{'-' * 32}:|{'-' * 32}:|")
    for name, a, b in rows:
        print(f"| {name:<52} | {a:>30} | {b:>30} |")


if __name__ == "__main__":
    main()
