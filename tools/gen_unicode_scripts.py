"""Regenerate ``src/tapegrad/ops/_data/unicode_scripts.txt`` (the ICU script code of every Unicode code point, as
runs) from the installed TensorFlow's ``tf.strings.unicode_script`` (ICU's data, as TF 2.21 ships it).

    python tools/gen_unicode_scripts.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow as tf

OUT = Path(__file__).resolve().parent.parent / "src" / "tapegrad" / "ops" / "_data" / "unicode_scripts.txt"
HEADER = ("# Unicode script (ICU UScriptCode) of every code point, as runs: \"first_code_point_hex script_code\".\n"
          "# Derived from the Unicode Character Database's Scripts.txt through ICU (as TF 2.21 ships it) with\n"
          "# tools/gen_unicode_scripts.py; the Unicode data files are under the Unicode, Inc. License Agreement "
          "(UNICODE-LICENSE.txt).\n")


def main() -> None:
    scripts = tf.strings.unicode_script(tf.constant(np.arange(0x110000, dtype=np.int32))).numpy()
    starts = np.concatenate([[0], np.nonzero(np.diff(scripts))[0] + 1])
    OUT.write_text(HEADER + "".join(f"{s:x} {scripts[s]}\n" for s in starts))
    print(f"wrote {OUT}: {len(starts)} runs")


if __name__ == "__main__":
    main()
