"""``tf.train.Example`` and friends (``tensorflow/core/example/{feature,example}.proto``) on the hand-written wire
format of :mod:`tapegrad._proto`: the same bytes as TensorFlow's protobuf messages (deterministic map order).

>>> import tapegrad as tf
>>> ex = tf.train.Example(features=tf.train.Features(feature={
...     "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[3])),
...     "pixels": tf.train.Feature(float_list=tf.train.FloatList(value=[0.5, 0.25]))}))
>>> data = ex.SerializeToString()
>>> data.hex()
'0a280a0e0a056c6162656c12051a030a01030a160a06706978656c73120c120a0a080000003f0000803e'
>>> tf.train.Example.FromString(data) == ex
True
>>> ex.features.feature["label"].int64_list.value[0]
3
"""

from __future__ import annotations

from ._proto import DecodeError, Field, Message

__all__ = ["BytesList", "FloatList", "Int64List", "Feature", "Features", "FeatureList", "FeatureLists", "Example",
           "SequenceExample", "DecodeError"]


class BytesList(Message):
    """``tf.train.BytesList``: ``repeated bytes value = 1``.

    >>> import tapegrad as tf
    >>> tf.train.BytesList(value=[b"a", b"bc"]).SerializeToString()
    b'\\n\\x01a\\n\\x02bc'
    """

    _FULL_NAME = "tensorflow.BytesList"
    _FIELDS = (Field("value", 1, "bytes", repeated=True),)


class FloatList(Message):
    """``tf.train.FloatList``: ``repeated float value = 1 [packed = true]`` (values are rounded to float32).

    >>> import tapegrad as tf
    >>> tf.train.FloatList(value=[0.1]).value[0]
    0.10000000149011612
    """

    _FULL_NAME = "tensorflow.FloatList"
    _FIELDS = (Field("value", 1, "float", repeated=True),)


class Int64List(Message):
    """``tf.train.Int64List``: ``repeated int64 value = 1 [packed = true]``.

    >>> import tapegrad as tf
    >>> tf.train.Int64List(value=[1, -1]).SerializeToString().hex()
    '0a0b01ffffffffffffffffff01'
    """

    _FULL_NAME = "tensorflow.Int64List"
    _FIELDS = (Field("value", 1, "int64", repeated=True),)


class Feature(Message):
    """``tf.train.Feature``: one of ``bytes_list``, ``float_list``, ``int64_list`` (the oneof ``kind``).

    >>> import tapegrad as tf
    >>> f = tf.train.Feature(int64_list=tf.train.Int64List(value=[1, 2]))
    >>> f.WhichOneof("kind"), list(f.int64_list.value)
    ('int64_list', [1, 2])
    >>> print(f, end="")
    int64_list {
      value: 1
      value: 2
    }
    """

    _FULL_NAME = "tensorflow.Feature"
    _FIELDS = (Field("bytes_list", 1, "message", message=BytesList, oneof="kind"),
               Field("float_list", 2, "message", message=FloatList, oneof="kind"),
               Field("int64_list", 3, "message", message=Int64List, oneof="kind"))


class Features(Message):
    """``tf.train.Features``: ``map<string, Feature> feature = 1``.

    >>> import tapegrad as tf
    >>> fs = tf.train.Features(feature={"x": tf.train.Feature(float_list=tf.train.FloatList(value=[1.0]))})
    >>> sorted(fs.feature), "x" in fs.feature
    (['x'], True)
    """

    _FULL_NAME = "tensorflow.Features"
    _FIELDS = (Field("feature", 1, "map", message=Feature),)


class FeatureList(Message):
    """``tf.train.FeatureList``: ``repeated Feature feature = 1`` (one Feature per time step).

    >>> import tapegrad as tf
    >>> fl = tf.train.FeatureList(feature=[tf.train.Feature(int64_list=tf.train.Int64List(value=[i]))
    ...                                    for i in range(3)])
    >>> len(fl.feature)
    3
    """

    _FULL_NAME = "tensorflow.FeatureList"
    _FIELDS = (Field("feature", 1, "message", repeated=True, message=Feature),)


class FeatureLists(Message):
    """``tf.train.FeatureLists``: ``map<string, FeatureList> feature_list = 1``.

    >>> import tapegrad as tf
    >>> tf.train.FeatureLists(feature_list={"s": tf.train.FeatureList()}).feature_list["s"].feature
    []
    """

    _FULL_NAME = "tensorflow.FeatureLists"
    _FIELDS = (Field("feature_list", 1, "map", message=FeatureList),)


class Example(Message):
    """``tf.train.Example``: ``Features features = 1``.

    >>> import tapegrad as tf
    >>> ex = tf.train.Example()
    >>> ex.features.feature["id"].bytes_list.value.append(b"a7")
    >>> tf.train.Example.FromString(ex.SerializeToString()).features.feature["id"].bytes_list.value[0]
    b'a7'
    """

    _FULL_NAME = "tensorflow.Example"
    _FIELDS = (Field("features", 1, "message", message=Features),)


class SequenceExample(Message):
    """``tf.train.SequenceExample``: ``Features context = 1``, ``FeatureLists feature_lists = 2``.

    >>> import tapegrad as tf
    >>> se = tf.train.SequenceExample()
    >>> se.context.feature["len"].int64_list.value.append(2)
    >>> steps = se.feature_lists.feature_list["tok"].feature
    >>> _ = steps.add(int64_list=tf.train.Int64List(value=[7]))
    >>> _ = steps.add(int64_list=tf.train.Int64List(value=[9]))
    >>> tf.train.SequenceExample.FromString(se.SerializeToString()) == se
    True
    """

    _FULL_NAME = "tensorflow.SequenceExample"
    _FIELDS = (Field("context", 1, "message", message=Features),
               Field("feature_lists", 2, "message", message=FeatureLists))
