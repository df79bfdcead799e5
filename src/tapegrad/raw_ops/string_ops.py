"""Raw ops of the string family (``AsString``, ``StringJoin``, ``Substr``, regexes, hashing, ``StringSplitV2``,
``ReduceJoin``, Unicode transcoding, ...), on ``tapegrad.strings``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._table import Impl, args, kwargs, public

P = public


def _split_v2(input: Any, sep: Any, maxsplit: int) -> Any:  # noqa: A002 - TF's names
    """The sparse components of ``tf.strings.split`` (an empty ``sep`` splits on whitespace runs)."""
    s = sep.numpy()
    ragged = P("strings.split")(input, sep=None if s == b"" else s, maxsplit=maxsplit)
    sparse = ragged.to_sparse()
    return sparse.indices, sparse.values, sparse.dense_shape


_CODECS = {"UTF-8": "utf-8", "UTF-16-BE": "utf-16-be", "UTF-32-BE": "utf-32-be"}


def _unicode_encode(input_values: Any, input_splits: Any, output_encoding: str, errors: str,
                    replacement_char: int) -> Any:
    """Code points (rows given by ``input_splits``) encoded as strings; an invalid code point (a surrogate or past
    U+10FFFF) is replaced, dropped or an error, per ``errors``."""
    import tapegrad as tg

    from ..errors import InvalidArgumentError

    values, splits = np.asarray(input_values.numpy()), np.asarray(input_splits.numpy())
    if splits.ndim != 1 or splits.size == 0 or splits[0] != 0 or splits[-1] != values.size or \
            (np.diff(splits) < 0).any():
        raise InvalidArgumentError(None, None, "raw_ops.UnicodeEncode: input_splits must start at 0, be "
                                   f"non-decreasing and end at len(input_values)={values.size}; got "
                                   f"{splits.tolist()}.")
    out = []
    for a, b in zip(splits[:-1], splits[1:], strict=True):
        chars = []
        for cp in values[a:b].tolist():
            if 0 <= cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF:
                chars.append(chr(cp))
            elif errors == "replace":
                chars.append(chr(replacement_char))
            elif errors == "strict":
                raise InvalidArgumentError(None, None, f"raw_ops.UnicodeEncode: code point {cp} is not valid "
                                           "Unicode (errors='strict').")
        out.append("".join(chars).encode(_CODECS[output_encoding]))
    return tg.constant(out, tg.string)


def _substr(input: Any, pos: Any, len: Any, unit: str) -> Any:  # noqa: A002
    from ..errors import InvalidArgumentError

    if list(pos.shape) != list(len.shape):
        raise InvalidArgumentError(None, None, f"raw_ops.Substr: pos and len must have the same shape, got "
                                   f"{list(pos.shape)} and {list(len.shape)}.")
    return P("strings.substr")(input, pos, len, unit=unit)


def _string_format(inputs: list[Any], template: str, placeholder: str, summarize: int) -> Any:
    import tapegrad as tg

    return tg.strings.format(template, inputs, placeholder=placeholder, summarize=summarize)


def _case(fn: str) -> Impl:
    f = P(f"strings.{fn}")

    def impl(input: Any, encoding: str) -> Any:  # noqa: A002
        return f(input, encoding=encoding)

    return impl


OPS: dict[str, Impl] = {
    "AsString": args(P("strings.as_string"), "input", "precision", "scientific", "shortest", "width", "fill"),
    "StringJoin": args(P("strings.join"), "inputs", "separator"),
    "StringLength": args(P("strings.length"), "input", "unit"),
    "StringLower": _case("lower"),
    "StringUpper": _case("upper"),
    "StringStrip": args(P("strings.strip"), "input"),
    "StringToHashBucket": args(P("strings.to_hash_bucket"), "string_tensor", "num_buckets"),
    "StringToHashBucketFast": args(P("strings.to_hash_bucket_fast"), "input", "num_buckets"),
    "StringToHashBucketStrong": args(P("strings.to_hash_bucket_strong"), "input", "num_buckets", "key"),
    "StringToNumber": args(P("strings.to_number"), "string_tensor", "out_type"),
    "Substr": _substr,
    "RegexFullMatch": args(P("strings.regex_full_match"), "input", "pattern"),
    "StaticRegexFullMatch": args(P("strings.regex_full_match"), "input", "pattern"),
    "RegexReplace": args(P("strings.regex_replace"), "input", "pattern", "rewrite", "replace_global"),
    "StaticRegexReplace": args(P("strings.regex_replace"), "input", "pattern", "rewrite", "replace_global"),
    "StringFormat": _string_format,
    "StringSplitV2": _split_v2,
    "ReduceJoin": kwargs(P("strings.reduce_join"), {"inputs": "inputs", "reduction_indices": "axis",
                                                    "keep_dims": "keepdims", "separator": "separator"}),
    "UnicodeEncode": _unicode_encode,
    "UnicodeTranscode": args(P("strings.unicode_transcode"), "input", "input_encoding", "output_encoding",
                             "errors", "replacement_char", "replace_control_characters"),
    "UnsortedSegmentJoin": args(P("strings.unsorted_segment_join"), "inputs", "segment_ids", "num_segments",
                                "separator"),
}
