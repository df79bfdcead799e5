"""``tf.experimental.ExtensionType`` / ``BatchableExtensionType`` / ``ExtensionTypeSpec`` / batch encoder, and the
``tf.experimental.dispatch_for_*`` decorators, run unchanged under TensorFlow and under tapegrad (the harness of
``strings_ragged_programs.py``: ``python extension_type_programs.py MODULE OUT``). Each case defines its classes
inside, from the library it gets; results are compared by repr (library prefix neutral, numbers at rtol 1e-5) and
exceptions by class.
"""

import sys
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from image_programs import _error_classes as _errs  # noqa: E402 - the image lane's helper
from strings_ragged_programs import main as _main  # noqa: E402

CASES: dict[str, Callable[[Any], Any]] = {}


def case(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    CASES[fn.__name__] = fn
    return fn



def _masked(tf: Any) -> Any:
    class MaskedTensor(tf.experimental.ExtensionType):
        values: tf.Tensor
        mask: tf.Tensor
        name: str = "m"

        def __validate__(self) -> None:
            self.values.shape.assert_is_compatible_with(self.mask.shape)

    return MaskedTensor


@case
def construct_repr_fields(tf: Any) -> Any:
    mt_cls = _masked(tf)
    mt = mt_cls([1.0, 2.0], [True, False])
    return (mt, mt.values, mt.mask, mt.name, mt_cls(values=tf.constant([3]), mask=[True], name="q"),
            tf.experimental.extension_type.as_dict(mt))


@case
def spec_repr_and_equality(tf: Any) -> Any:
    mt_cls = _masked(tf)
    mt = mt_cls([1.0, 2.0], [True, False])
    spec = mt_cls.Spec(values=tf.TensorSpec([2], tf.float32), mask=tf.TensorSpec([2], tf.bool), name="m")
    return (mt._type_spec, tf.type_spec_from_value(mt), spec == mt._type_spec, spec.values, spec.name,
            spec.is_compatible_with(mt), spec.is_compatible_with(mt_cls([1.0], [True])),
            mt_cls.Spec(values=tf.TensorSpec([None], tf.float32), mask=tf.TensorSpec([None], tf.bool),
                        name="m").is_compatible_with(mt_cls([1.0], [True])), spec.value_type is mt_cls)


@case
def equality_is_a_tensor(tf: Any) -> Any:
    mt_cls = _masked(tf)
    a = mt_cls([1.0, 2.0], [True, False])
    return (a == mt_cls([1.0, 2.0], [True, False]), a == mt_cls([1.0, 3.0], [True, False]),
            a != mt_cls([1.0, 3.0], [True, False]), a == mt_cls([1.0, 2.0], [True, False], name="other"), a == 3,
            a != 3)


@case
def nest_flatten_expand_composites(tf: Any) -> Any:
    mt_cls = _masked(tf)
    mt = mt_cls([1.0, 2.0], [True, False])
    flat = tf.nest.flatten({"k": mt, "j": 1}, expand_composites=True)
    packed = tf.nest.pack_sequence_as(mt, [tf.constant([5.0, 6.0]), tf.constant([False, False])],
                                      expand_composites=True)
    doubled = tf.nest.map_structure(lambda t: t if t.dtype == tf.bool else t * 2, mt, expand_composites=True)
    return tf.nest.flatten(mt), flat, packed, doubled, tf.nest.is_nested(mt)


@case
def construction_errors(tf: Any) -> Any:
    mt_cls = _masked(tf)

    def mutate() -> None:
        mt_cls([1.0], [True]).values = tf.constant([2.0])

    def bad_annotation() -> None:
        class Bad(tf.experimental.ExtensionType):
            v: list

    def bad_default() -> None:
        class BadDefault(tf.experimental.ExtensionType):
            inner: mt_cls = None

    return _errs(lambda: mt_cls([1.0], [True, False]), lambda: mt_cls([1.0]), lambda: mt_cls([1.0], [True], name=3),
                 mutate, bad_annotation, bad_default, lambda: mt_cls([1.0], [True], extra=1),
                 lambda: mt_cls(mt_cls([1.0], [True]), [True]))


@case
def container_and_nested_fields(tf: Any) -> Any:
    mt_cls = _masked(tf)

    class Record(tf.experimental.ExtensionType):
        a: typing.Tuple[tf.Tensor, ...]  # noqa: UP006 - the annotation TF's docs use
        b: typing.Mapping[str, int]
        c: typing.Optional[tf.Tensor] = None  # noqa: UP045
        d: typing.Union[int, float] = 1  # noqa: UP007
        s: tf.TensorShape = [2]
        dt: tf.DType = tf.float32
        inner: typing.Optional[mt_cls] = None  # noqa: UP045

    r = Record((1, 2.0), {"x": 1}, inner=mt_cls([1.0], [True]))
    return (r, type(r.a).__name__, r.b["x"], len(r.b), r.s, r.dt, tf.nest.flatten(r, expand_composites=True),
            r._type_spec, _errs(lambda: Record((1,), {"x": "no"}), lambda: Record([1], {"x": 1}, d="s")))


@case
def user_constructor_and_methods(tf: Any) -> Any:
    class Interval(tf.experimental.ExtensionType):
        lo: tf.Tensor
        hi: tf.Tensor

        def __init__(self, lo: Any, width: Any) -> None:
            self.lo = tf.convert_to_tensor(lo)
            self.hi = self.lo + width

        def width(self) -> Any:
            return self.hi - self.lo

        @property
        def shape(self) -> Any:
            return self.lo.shape

    i = Interval([1.0, 2.0], 3.0)
    return i, i.width(), i.shape, _errs(lambda: setattr(i, "lo", 0))


@case
def gradient_through_fields(tf: Any) -> Any:
    mt_cls = _masked(tf)
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        m = mt_cls(x * 3.0, [True, True])
        y = tf.reduce_sum(m.values * m.values)
    return tape.gradient(y, x)


@case
def through_function(tf: Any) -> Any:
    mt_cls = _masked(tf)
    traces = []

    @tf.function
    def f(m: Any) -> Any:
        traces.append(1)
        return mt_cls(m.values * 2.0, tf.logical_not(m.mask), name=m.name)

    a = f(mt_cls([1.0, 2.0], [True, False]))
    b = f(mt_cls([3.0, 4.0], [False, False]))
    c = f(mt_cls([3.0, 4.0, 5.0], [False, False, True], name="z"))
    return a, b, c, len(traces)


@case
def batch_encoder_specs(tf: Any) -> Any:
    class Pair(tf.experimental.BatchableExtensionType):
        a: tf.Tensor
        b: tf.Tensor

    p = Pair([[1.0, 2.0]], [3])
    enc = tf.experimental.ExtensionTypeBatchEncoder()
    batched = enc.batch(p._type_spec, 4)
    return (type(enc).__name__, batched, enc.unbatch(batched), enc.encode(p._type_spec, p),
            enc.decode(p._type_spec, [tf.constant([[9.0, 8.0]]), tf.constant([7])]), enc.encoding_specs(p._type_spec),
            isinstance(p, tf.experimental.ExtensionType), isinstance(p._type_spec, tf.experimental.ExtensionTypeSpec))


@case
def data_elements(tf: Any) -> Any:
    mt_cls = _masked(tf)
    mt = mt_cls([1.0, 2.0], [True, False])
    ds = tf.data.Dataset.from_tensors(mt)
    mapped = tf.data.Dataset.from_tensor_slices([1.0, 2.0]).map(lambda x: mt_cls([x * 2.0], [x > 1.0]))
    return (ds.element_spec, list(ds), mapped.element_spec, list(mapped),
            list(ds.map(lambda m: m.values * 10.0)), _errs(lambda: list(mapped.batch(2))))


@case
def data_batchable(tf: Any) -> Any:
    class Pair(tf.experimental.BatchableExtensionType):
        values: tf.Tensor
        mask: tf.Tensor

    b = Pair([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [[True, False], [True, True], [False, False]])
    ds = tf.data.Dataset.from_tensor_slices(b)
    batched = ds.batch(2)
    return (ds.element_spec, batched.element_spec, batched.unbatch().element_spec, list(ds), list(batched),
            list(batched.unbatch()),
            list(tf.data.Dataset.from_tensor_slices([1.0, 2.0, 3.0]).map(lambda x: Pair(x, x > 1.0)).batch(2)))


# -- dispatch ------------------------------------------------------------------------------------------------------

@case
def dispatch_for_api_with_signature(tf: Any) -> Any:
    mt_cls = _masked(tf)

    @tf.experimental.dispatch_for_api(tf.math.add, {"x": mt_cls, "y": mt_cls})
    def masked_add(x: Any, y: Any, name: Any = None) -> Any:
        return mt_cls(x.values + y.values, tf.logical_and(x.mask, y.mask))

    try:
        a = mt_cls([1.0, 2.0], [True, False])
        out = (tf.add(a, a), tf.math.add(x=a, y=a), tf.add(tf.constant(1.0), 2.0))
    finally:
        tf.experimental.unregister_dispatch_for(masked_add)
    return out, _errs(lambda: tf.add(a, a))


@case
def dispatch_for_api_from_annotations(tf: Any) -> Any:
    mt_cls = _masked(tf)

    @tf.experimental.dispatch_for_api(tf.concat)
    def masked_concat(values: typing.List[mt_cls], axis, name=None):  # noqa: ANN001, ANN202, UP006
        return mt_cls(tf.concat([v.values for v in values], axis), tf.concat([v.mask for v in values], axis))

    try:
        a = mt_cls([1.0], [True])
        out = tf.concat([a, mt_cls([2.0, 3.0], [False, True])], 0), tf.concat([tf.constant([1]), [2]], 0)
    finally:
        tf.experimental.unregister_dispatch_for(masked_concat)
    return out


@case
def dispatch_union_and_optional(tf: Any) -> Any:
    mt_cls = _masked(tf)

    @tf.experimental.dispatch_for_api(tf.math.multiply, {"x": typing.Union[mt_cls, tf.Tensor],  # noqa: UP007
                                                         "y": mt_cls})
    def masked_mul(x: Any, y: Any, name: Any = None) -> Any:
        xv = x.values if isinstance(x, mt_cls) else x
        return mt_cls(xv * y.values, y.mask)

    try:
        m = mt_cls([2.0, 3.0], [True, False])
        out = tf.multiply(tf.constant([10.0, 10.0]), m), tf.multiply(m, m), tf.multiply(2.0, 3.0)
    finally:
        tf.experimental.unregister_dispatch_for(masked_mul)
    return out


@case
def dispatch_elementwise(tf: Any) -> Any:
    mt_cls = _masked(tf)

    @tf.experimental.dispatch_for_unary_elementwise_apis(mt_cls)
    def unary(api_func: Any, x: Any) -> Any:
        return mt_cls(api_func(x.values), x.mask)

    @tf.experimental.dispatch_for_binary_elementwise_apis(mt_cls, mt_cls)
    def binary(api_func: Any, x: Any, y: Any) -> Any:
        return mt_cls(api_func(x.values, y.values), tf.logical_and(x.mask, y.mask))

    try:
        a = mt_cls([-1.5, 4.0], [True, False])
        b = mt_cls([2.0, 2.0], [True, True])
        out = (tf.abs(a), tf.math.sqrt(b), tf.cast(a, tf.int32), tf.nn.relu(a), tf.math.maximum(a, b),
               tf.math.pow(b, b), tf.math.equal(a, b), tf.abs(tf.constant(-2.0)), tf.maximum(1.0, 2.0))
    finally:
        tf.experimental.unregister_dispatch_for(unary)
        tf.experimental.unregister_dispatch_for(binary)
    return out, _errs(lambda: tf.abs(a))


@case
def dispatch_assert_apis(tf: Any) -> Any:
    mt_cls = _masked(tf)
    seen = []

    @tf.experimental.dispatch_for_binary_elementwise_assert_apis(mt_cls, mt_cls)
    def asserts(assert_func: Any, x: Any, y: Any) -> Any:
        seen.append(1)
        return assert_func(x.values, y.values)

    a = mt_cls([1.0, 2.0], [True, False])
    tf.debugging.assert_equal(a, a)
    errs = _errs(lambda: tf.debugging.assert_less(a, a))
    # (not unregistered: TF 2.21's unregister_dispatch_for raises KeyError for assert-API handlers)
    return len(seen), errs


@case
def dispatch_errors(tf: Any) -> Any:
    mt_cls = _masked(tf)

    def wrong_params() -> None:
        @tf.experimental.dispatch_for_api(tf.math.add, {"x": mt_cls})
        def f(a: Any, name: Any = None) -> Any:
            return a

    def unknown_param() -> None:
        @tf.experimental.dispatch_for_api(tf.math.add, {"z": mt_cls})
        def g(x: Any, y: Any, name: Any = None) -> Any:
            return x

    def not_registered() -> None:
        tf.experimental.unregister_dispatch_for(lambda x: x)

    def not_an_api() -> None:
        @tf.experimental.dispatch_for_api(lambda x: x, {"x": mt_cls})
        def h(x: Any) -> Any:
            return x

    return _errs(wrong_params, unknown_param, not_registered, not_an_api)


if __name__ == "__main__":
    _main(CASES)
