"""``tf.experimental.ExtensionType``: user-defined, typed, immutable records of tensors (TensorFlow's extension types).

A subclass declares its fields as annotations; tapegrad builds the constructor, converts and checks each value against
its annotation, calls the optional ``__validate__`` hook, and makes the instance immutable::

    class MaskedTensor(tf.experimental.ExtensionType):
        values: tf.Tensor
        mask: tf.Tensor
        def __validate__(self):
            self.values.shape.assert_is_compatible_with(self.mask.shape)

Supported annotations (as TF): ``tf.Tensor``, ``tf.RaggedTensor``, ``tf.SparseTensor``, other extension types,
``tf.TensorShape``, ``tf.DType``, ``int``/``float``/``str``/``bytes``/``bool``/``None``, ``typing.Tuple[...]``,
``typing.Mapping[K, V]`` (values become an immutable ``ImmutableDict``), ``typing.Union``/``Optional``.

Instances compare with ``==`` elementwise into a bool tensor, print as ``Name(field=value, ...)``, have a ``Spec``
(``MaskedTensor.Spec``: the fields' TensorSpecs and static values), flatten under ``tf.nest`` with
``expand_composites=True`` into their tensors, and pass through ``tapegrad.function`` (traced by their spec, so new
values of the same spec reuse the trace). Gradients flow through their tensors.

>>> import tapegrad as tf
>>> class MaskedTensor(tf.experimental.ExtensionType):
...     values: tf.Tensor
...     mask: tf.Tensor
>>> mt = MaskedTensor([1.0, 2.0], [True, False])
>>> mt
MaskedTensor(values=<tapegrad.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>, \
mask=<tapegrad.Tensor: shape=(2,), dtype=bool, numpy=array([ True, False])>)
>>> [t.dtype.name for t in tf.nest.flatten(mt, expand_composites=True)]
['float32', 'bool']
"""

from __future__ import annotations

import collections.abc as _abc
import inspect
import sys
import typing
from typing import Any

__all__ = ["BatchableExtensionType", "ExtensionType", "ExtensionTypeBatchEncoder", "ExtensionTypeSpec",
           "ImmutableDict", "as_dict"]

_IN_CONSTRUCTOR = "_tg_in_constructor"
_NoneType = type(None)


class ImmutableDict(_abc.Mapping):
    """The read-only mapping an extension type stores for a ``Mapping`` field."""

    __slots__ = ("_d",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        object.__setattr__(self, "_d", dict(*args, **kwargs))

    def __getitem__(self, key: Any) -> Any:
        return self._d[key]

    def __iter__(self) -> Any:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("ImmutableDict is read-only.")

    def __repr__(self) -> str:
        return f"ImmutableDict({self._d!r})"


def _tg() -> Any:
    import tapegrad

    return tapegrad


def _tensor_type() -> Any:
    from .._tensor import Tensor

    return Tensor


def _ragged_and_sparse() -> tuple[Any, Any]:
    from ..ops.ragged_ops import RaggedTensor
    from ..ops.sparse_ops import SparseTensor

    return RaggedTensor, SparseTensor


def _type_name(t: Any) -> str:
    return getattr(t, "__name__", None) or str(t)


# -- annotations ---------------------------------------------------------------------------------------------------

def _check_annotation(ann: Any, field: str) -> None:
    """TypeError for an annotation extension types do not support (TF's list)."""
    from .._dtypes import DType
    from .._shape import TensorShape

    origin = typing.get_origin(ann)
    if origin is typing.Union:
        for a in typing.get_args(ann):
            _check_annotation(a, field)
        return
    if origin in (tuple, _abc.Mapping, dict) or ann in (tuple,):
        for a in typing.get_args(ann):
            if a is not Ellipsis:
                _check_annotation(a, field)
        return
    ragged, sparse = _ragged_and_sparse()
    ok = (ann in (int, float, str, bytes, bool, _NoneType, None, _tensor_type(), ragged, sparse, TensorShape, DType)
          or (isinstance(ann, type) and issubclass(ann, ExtensionType)))
    if not ok:
        raise TypeError(f"In field {field!r}: Unsupported type annotation {_type_name(ann)!r}. Extension type fields "
                        "take tf.Tensor, tf.RaggedTensor, tf.SparseTensor, extension types, tf.TensorShape, tf.DType, "
                        "int/float/str/bytes/bool/None, and Tuple/Mapping/Union/Optional of those.")


def _convert(value: Any, ann: Any, path: str) -> Any:
    """``value`` converted to and checked against the annotation ``ann`` (TypeError naming the field path)."""
    from .._dtypes import DType, as_dtype
    from .._shape import TensorShape

    origin = typing.get_origin(ann)
    if origin is typing.Union:
        errors = []
        for a in typing.get_args(ann):
            try:
                return _convert(value, a, path)
            except (TypeError, ValueError) as exc:
                errors.append(str(exc))
        raise TypeError(f"{path}: expected {_ann_text(ann)}, got {type(value).__name__!r}")
    if origin is tuple:
        if not isinstance(value, (tuple, list)):
            raise TypeError(f"{path}: expected 'tuple', got {type(value).__name__!r}")
        args = typing.get_args(ann)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(v, args[0], f"{path}[{i}]") for i, v in enumerate(value))
        if len(args) != len(value):
            raise TypeError(f"{path}: expected a tuple of length {len(args)}, got length {len(value)}")
        return tuple(_convert(v, a, f"{path}[{i}]") for i, (v, a) in enumerate(zip(value, args)))
    if origin in (_abc.Mapping, dict):
        if not isinstance(value, _abc.Mapping):
            raise TypeError(f"{path}: expected 'Mapping', got {type(value).__name__!r}")
        k_ann, v_ann = typing.get_args(ann) or (Any, Any)
        return ImmutableDict((_convert(k, k_ann, f"{path} key") if k_ann is not Any else k,
                              _convert(v, v_ann, f"{path}[{k!r}]") if v_ann is not Any else v)
                             for k, v in value.items())
    if ann is None or ann is _NoneType:
        if value is not None:
            raise TypeError(f"{path}: expected None, got {type(value).__name__!r}")
        return None
    if ann is _tensor_type():
        if isinstance(value, (ExtensionType, *_ragged_and_sparse())):
            raise TypeError(f"{path}: expected 'Tensor', got {type(value).__name__!r}")
        try:
            return _tg().convert_to_tensor(value)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{path}: expected 'Tensor', got {type(value).__name__!r} ({exc})") from None
    if ann is TensorShape:
        try:
            return TensorShape(value)
        except (TypeError, ValueError):
            raise TypeError(f"{path}: expected 'TensorShape', got {type(value).__name__!r}") from None
    if ann is DType:
        try:
            return as_dtype(value)
        except (TypeError, ValueError):
            raise TypeError(f"{path}: expected 'DType', got {type(value).__name__!r}") from None
    if isinstance(ann, type):
        if ann in (int, float) and isinstance(value, bool):
            raise TypeError(f"{path}: expected {ann.__name__!r}, got 'bool'")
        if not isinstance(value, ann):
            raise TypeError(f"{path}: expected {ann.__name__!r}, got {type(value).__name__!r}")
        return value
    return value


def _ann_text(ann: Any) -> str:
    if typing.get_origin(ann) is typing.Union:
        return "typing.Union[" + ", ".join(_ann_text(a) for a in typing.get_args(ann)) + "]"
    return repr(_type_name(ann)) if isinstance(ann, type) else str(ann)


class _Field(typing.NamedTuple):
    name: str
    annotation: Any
    default: Any


_NO_DEFAULT = inspect.Parameter.empty


# -- tensor parts of field values ----------------------------------------------------------------------------------

def _spec_of(value: Any) -> Any:
    """The spec stand-in of a field value: TensorSpecs for tensors, the value's own spec for composites, nested
    tuples/mappings of those, the value itself for static (Python) values."""
    ragged, sparse = _ragged_and_sparse()
    if isinstance(value, _tensor_type()):
        from ..ops.tensor_spec import TensorSpec

        return TensorSpec(tuple(value.shape.as_list()) if value.shape.rank is not None else None, value.dtype)
    if isinstance(value, (ExtensionType, ragged, sparse)):
        return value._type_spec
    if isinstance(value, tuple):
        return tuple(_spec_of(v) for v in value)
    if isinstance(value, ImmutableDict):
        return ImmutableDict((k, _spec_of(v)) for k, v in value.items())
    return value


def _is_composite(x: Any) -> bool:
    ragged, sparse = _ragged_and_sparse()
    return isinstance(x, (ExtensionType, ragged, sparse))


def _components(value: Any) -> list[Any]:
    """The tensors inside a field value, in TF's order (tuples in order, mappings by sorted key, composites
    expanded)."""
    from .. import nest

    if isinstance(value, _tensor_type()) or _is_composite(value):
        return nest.flatten(value, expand_composites=True)
    if isinstance(value, tuple):
        return [c for v in value for c in _components(v)]
    if isinstance(value, ImmutableDict):
        return [c for k in sorted(value) for c in _components(value[k])]
    return []


def _rebuild(value: Any, it: Any) -> Any:
    """``value`` with its tensors replaced, in :func:`_components` order, by the next items of ``it``."""
    from .. import nest

    if isinstance(value, _tensor_type()):
        return next(it)
    if _is_composite(value):
        n = len(nest.flatten(value, expand_composites=True))
        return nest.pack_sequence_as(value, [next(it) for _ in range(n)], expand_composites=True)
    if isinstance(value, tuple):
        return tuple(_rebuild(v, it) for v in value)
    if isinstance(value, ImmutableDict):
        new = {k: _rebuild(value[k], it) for k in sorted(value)}
        return ImmutableDict((k, new[k]) for k in value)
    return value


# -- the base class ------------------------------------------------------------------------------------------------

class ExtensionType:
    """Base class of user-defined extension types (``tf.experimental.ExtensionType``); see the module docstring.

    >>> import tapegrad as tf
    >>> class Point(tf.experimental.ExtensionType):
    ...     x: tf.Tensor
    ...     y: tf.Tensor
    ...     label: str = "p"
    >>> p = Point(1.0, 2.0)
    >>> p.label, bool(p == Point(1.0, 2.0)), bool(p != Point(1.0, 3.0))
    ('p', True, True)
    >>> p.x = 3.0
    Traceback (most recent call last):
    ...
    AttributeError: Cannot mutate attribute `x` outside the custom constructor of ExtensionType (Point is immutable).
    """

    _tg_composite = True
    _tg_fields: tuple[_Field, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("_tg_abstract", False):
            return
        frame = sys._getframe(1)  # where the class statement runs: resolves string annotations of local names
        cls._tg_fields = _collect_fields(cls, frame.f_globals, frame.f_locals)
        del frame
        user_init = cls.__dict__.get("__init__")
        cls.__init__ = _wrap_user_init(cls, user_init) if user_init is not None else _generated_init(cls)
        if "Spec" not in cls.__dict__ or not (isinstance(cls.__dict__["Spec"], type)
                                              and issubclass(cls.__dict__["Spec"], ExtensionTypeSpec)):
            base = next((b.Spec for b in cls.__mro__[1:] if isinstance(b.__dict__.get("Spec"), type)), None)
            spec_base = cls.__dict__.get("Spec") if isinstance(cls.__dict__.get("Spec"), type) else None
            bases = tuple(b for b in (spec_base, base or ExtensionTypeSpec) if b is not None)
            spec = type("Spec", bases, {"__qualname__": f"{cls.__qualname__}.Spec", "__module__": cls.__module__,
                                        "value_type": property(lambda self, _c=cls: _c)})
        else:
            spec = cls.__dict__["Spec"]
            spec.value_type = property(lambda self, _c=cls: _c)
        spec._tg_value_cls = cls
        cls.Spec = spec

    # immutability
    def __setattr__(self, name: str, value: Any) -> None:
        if not self.__dict__.get(_IN_CONSTRUCTOR, False):
            raise AttributeError(f"Cannot mutate attribute `{name}` outside the custom constructor of ExtensionType "
                                 f"({type(self).__name__} is immutable).")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if not self.__dict__.get(_IN_CONSTRUCTOR, False):
            raise AttributeError(f"Cannot mutate attribute `{name}` outside the custom constructor of ExtensionType "
                                 f"({type(self).__name__} is immutable).")
        object.__delattr__(self, name)

    def __repr__(self) -> str:
        fields = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in self._tg_fields)
        return f"{type(self).__qualname__}({fields})"

    def __eq__(self, other: Any) -> Any:
        """A scalar bool tensor: same type and spec, and every tensor equal elementwise (False for another type)."""
        if type(other) is not type(self):
            return False
        tf = _tg()
        if not _same_static(self._type_spec, other._type_spec):
            return False
        pairs = zip(_components(self._tg_values()), _components(other._tg_values()))
        result = tf.constant(True)
        for a, b in pairs:
            if a.shape.as_list() != b.shape.as_list():
                return tf.constant(False)
            result = tf.logical_and(result, tf.reduce_all(tf.equal(a, b)))
        return result

    def __ne__(self, other: Any) -> Any:
        eq = self.__eq__(other)
        return (not eq) if isinstance(eq, bool) else _tg().logical_not(eq)

    __hash__ = None  # type: ignore[assignment]  # (tensors are not hashable)

    def __reduce__(self) -> Any:
        return (_rebuild_instance, (type(self), self._tg_values()))

    # structure
    def _tg_values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in self._tg_fields)

    @property
    def _type_spec(self) -> ExtensionTypeSpec:
        spec = self.Spec.__new__(self.Spec)
        object.__setattr__(spec, "_tg_field_values", tuple(_spec_of(v) for v in self._tg_values()))
        return spec

    def _tg_components(self) -> list[Any]:
        return _components(self._tg_values())

    def _tg_from_components(self, parts: list[Any]) -> ExtensionType:
        it = iter(parts)
        return _rebuild_instance(type(self), tuple(_rebuild(v, it) for v in self._tg_values()))

    def _tg_trace_parts(self) -> tuple[Any, ...]:
        """The field values as plain nests for ``tapegrad.function``'s cache key (mappings as dicts)."""
        return tuple(_plain(v) for v in self._tg_values())

    def _tg_from_trace_parts(self, parts: tuple[Any, ...]) -> ExtensionType:
        return _rebuild_instance(type(self), tuple(_unplain(v, like) for v, like in zip(parts, self._tg_values())))


def _plain(v: Any) -> Any:
    if isinstance(v, ImmutableDict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, tuple):
        return tuple(_plain(x) for x in v)
    return v


def _unplain(v: Any, like: Any) -> Any:
    if isinstance(like, ImmutableDict):
        return ImmutableDict((k, _unplain(v[k], like[k])) for k in like)
    if isinstance(like, tuple):
        return tuple(_unplain(x, y) for x, y in zip(v, like))
    return v


def _rebuild_instance(cls: type, values: tuple[Any, ...]) -> Any:
    """An instance from already converted field values (no conversion, no ``__validate__``: TF's rebuild from
    components)."""
    obj = cls.__new__(cls)
    d = obj.__dict__
    for f, v in zip(cls._tg_fields, values):
        d[f.name] = v
    return obj


def _same_static(a: Any, b: Any) -> bool:
    try:
        return a == b
    except Exception:  # noqa: BLE001 - incomparable static values differ
        return False


def _collect_fields(cls: type, globalns: dict[str, Any], localns: dict[str, Any]) -> tuple[_Field, ...]:
    fields: dict[str, _Field] = {}
    for klass in reversed(cls.__mro__):
        if klass in (object, ExtensionType) or not issubclass(klass, ExtensionType):
            continue
        hints = _resolved_annotations(klass, globalns, localns)
        for name in klass.__dict__.get("__annotations__", {}):
            if name.startswith("__") or typing.get_origin(hints.get(name)) is typing.ClassVar:
                continue
            if name in ("_tg_fields", "_tg_composite", "Spec"):
                raise ValueError(f"ExtensionType field name {name!r} is reserved.")
            ann = hints.get(name)
            _check_annotation(ann, name)
            default = klass.__dict__.get(name, _NO_DEFAULT)
            if default is not _NO_DEFAULT:
                if isinstance(default, (property, staticmethod, classmethod)) or inspect.isfunction(default):
                    raise TypeError(f"ExtensionType field {name!r} has a method or property as its default.")
                try:
                    default = _convert(default, ann, name)
                except TypeError as exc:
                    raise TypeError(f"default value for {exc}") from None
            fields[name] = _Field(name, ann, default)
    for name in fields:  # defaults live in the instance, not as class attributes
        if name in cls.__dict__ and not callable(cls.__dict__[name]):
            try:
                delattr(cls, name)
            except AttributeError:
                pass
    return tuple(fields.values())


def _resolved_annotations(klass: type, globalns: dict[str, Any], localns: dict[str, Any]) -> dict[str, Any]:
    """``klass``'s own annotations, strings (``from __future__ import annotations``) evaluated in its module, then
    where the class statement ran."""
    module = sys.modules.get(klass.__module__)
    ns = {**(vars(module) if module is not None else {}), **globalns}
    out = {}
    for name, ann in klass.__dict__.get("__annotations__", {}).items():
        if isinstance(ann, str):
            try:
                ann = eval(ann, ns, {**localns, klass.__name__: klass})  # noqa: S307 - the class's own annotation
            except Exception as exc:  # noqa: BLE001 - reported as the field's error
                raise TypeError(f"In field {name!r}: cannot resolve the annotation {ann!r} ({exc}).") from None
        out[name] = ann
    return out


def _signature(cls: type) -> inspect.Signature:
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    params += [inspect.Parameter(f.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=f.default,
                                 annotation=f.annotation) for f in cls._tg_fields]
    return inspect.Signature(params)


def _finish(self: ExtensionType) -> None:
    """Check every field's value against its annotation, then run ``__validate__`` (the instance is immutable
    from here on)."""
    d = self.__dict__
    for f in type(self)._tg_fields:
        if f.name not in d:
            if f.default is _NO_DEFAULT:
                raise ValueError(f"{type(self).__name__}: the constructor did not set field {f.name!r}.")
            d[f.name] = f.default
        d[f.name] = _convert(d[f.name], f.annotation, f.name)
    d.pop(_IN_CONSTRUCTOR, None)
    validate = getattr(self, "__validate__", None)
    if validate is not None:
        validate()


def _generated_init(cls: type) -> Any:
    sig = _signature(cls)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:  # noqa: N807 - the constructor
        bound = sig.bind(self, *args, **kwargs)
        bound.apply_defaults()
        d = self.__dict__
        for f in type(self)._tg_fields:
            d[f.name] = bound.arguments[f.name]
        _finish(self)

    __init__.__signature__ = sig  # type: ignore[attr-defined]
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _wrap_user_init(cls: type, user_init: Any) -> Any:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:  # noqa: N807 - the constructor
        self.__dict__[_IN_CONSTRUCTOR] = True
        try:
            user_init(self, *args, **kwargs)
        except BaseException:
            self.__dict__.pop(_IN_CONSTRUCTOR, None)
            raise
        if type(self) is cls:
            _finish(self)

    __init__.__wrapped__ = user_init  # type: ignore[attr-defined]
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


class BatchableExtensionType(ExtensionType):
    """An extension type whose values can be batched and unbatched (``tf.experimental.BatchableExtensionType``): its
    batch encoder (a ``__batch_encoder__`` class attribute, by default an :class:`ExtensionTypeBatchEncoder`) stacks
    every tensor field along a new leading axis.

    >>> import tapegrad as tf
    >>> class Pair(tf.experimental.BatchableExtensionType):
    ...     a: tf.Tensor
    ...     b: tf.Tensor
    >>> spec = Pair([1.0], [2])._type_spec
    >>> tf.experimental.ExtensionTypeBatchEncoder().batch(spec, 4)
    Pair.Spec(a=TensorSpec(shape=(4, 1), dtype=tapegrad.float32, name=None), \
b=TensorSpec(shape=(4, 1), dtype=tapegrad.int32, name=None))
    """

    _tg_abstract = True


# -- specs ---------------------------------------------------------------------------------------------------------

class ExtensionTypeSpec:
    """The type spec of an extension type (``tf.experimental.ExtensionTypeSpec``): each field's TensorSpec (or the
    spec of a composite) and each static value. ``MyType.Spec(field=..., ...)`` builds one directly.

    >>> import tapegrad as tf
    >>> class Box(tf.experimental.ExtensionType):
    ...     v: tf.Tensor
    >>> Box.Spec(v=tf.TensorSpec([None], tf.float32)).is_compatible_with(Box([1.0, 2.0]))
    True
    """

    _tg_value_cls: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cls = self._tg_value_cls
        if cls is None:
            raise TypeError("ExtensionTypeSpec is abstract: use an extension type's own `Spec` (e.g. MyType.Spec).")
        params = [inspect.Parameter(f.name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for f in cls._tg_fields]
        bound = inspect.Signature(params).bind(*args, **kwargs)
        object.__setattr__(self, "_tg_field_values", tuple(bound.arguments[f.name] for f in cls._tg_fields))

    def __getattr__(self, name: str) -> Any:
        cls = type(self).__dict__.get("_tg_value_cls") or self._tg_value_cls
        for f, v in zip(cls._tg_fields if cls else (), self.__dict__.get("_tg_field_values", ())):
            if f.name == name:
                return v
        raise AttributeError(f"{type(self).__qualname__} has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__qualname__} is immutable.")

    def __repr__(self) -> str:
        cls = self._tg_value_cls
        fields = ", ".join(f"{f.name}={dict(v) if isinstance(v, ImmutableDict) else v!r}"
                           for f, v in zip(cls._tg_fields, self._tg_field_values))
        return f"{type(self).__qualname__}({fields})"

    def __eq__(self, other: Any) -> bool:
        return type(other) is type(self) and self._tg_field_values == other._tg_field_values

    def __ne__(self, other: Any) -> bool:
        return not self == other

    def __hash__(self) -> int:
        try:
            return hash((type(self), self._tg_field_values))
        except TypeError:
            return hash(type(self))

    def __reduce__(self) -> Any:
        return (type(self), self._tg_field_values)

    def _components(self) -> list[Any]:
        return _components(self._tg_field_values)

    def _to_components(self, value: ExtensionType) -> list[Any]:
        return value._tg_components()

    def _from_components(self, components: Any) -> ExtensionType:
        it = iter(components)
        return _rebuild_instance(self._tg_value_cls, tuple(_from_spec(v, it) for v in self._tg_field_values))

    @property
    def _component_specs(self) -> list[Any]:
        from .. import nest

        return nest.flatten(list(_spec_parts(self._tg_field_values)))

    @classmethod
    def from_value(cls, value: ExtensionType) -> ExtensionTypeSpec:
        """The spec of ``value``."""
        return value._type_spec

    def is_compatible_with(self, spec_or_value: Any) -> bool:
        """Whether ``spec_or_value`` (a spec or a value) has this spec's type, static values and compatible
        tensor shapes and dtypes."""
        other = spec_or_value if isinstance(spec_or_value, ExtensionTypeSpec) else \
            getattr(spec_or_value, "_type_spec", None)
        if other is None or type(other) is not type(self):
            return False
        return _compatible(self._tg_field_values, other._tg_field_values)


def _from_spec(spec: Any, it: Any) -> Any:
    """The value of a field spec with its tensors taken from ``it`` (in :func:`_components` order)."""
    from ..ops.tensor_spec import TensorSpec

    if isinstance(spec, TensorSpec):
        return next(it)
    if isinstance(spec, ExtensionTypeSpec):
        return spec._from_components([next(it) for _ in spec._component_specs])
    if isinstance(spec, tuple):
        return tuple(_from_spec(v, it) for v in spec)
    if isinstance(spec, ImmutableDict):
        new = {k: _from_spec(spec[k], it) for k in sorted(spec)}
        return ImmutableDict((k, new[k]) for k in spec)
    if hasattr(spec, "_from_components") and hasattr(spec, "_components"):
        return spec._from_components([next(it) for _ in spec._components()])
    return spec


def _spec_parts(values: Any) -> list[Any]:
    from ..ops.tensor_spec import TensorSpec

    out = []
    for v in values:
        if isinstance(v, TensorSpec):
            out.append(v)
        elif isinstance(v, ExtensionTypeSpec):
            out.extend(_spec_parts(v._tg_field_values))
        elif isinstance(v, tuple):
            out.extend(_spec_parts(v))
        elif isinstance(v, ImmutableDict):
            out.extend(_spec_parts([v[k] for k in sorted(v)]))
        elif hasattr(v, "_components") and not isinstance(v, (str, bytes)):
            out.extend(v._components())
    return out


def _compatible(a: Any, b: Any) -> bool:
    from ..ops.tensor_spec import TensorSpec

    if isinstance(a, TensorSpec) and isinstance(b, TensorSpec):
        return a.dtype == b.dtype and a.shape.is_compatible_with(b.shape)
    if isinstance(a, ExtensionTypeSpec):
        return a.is_compatible_with(b)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_compatible(x, y) for x, y in zip(a, b))
    if isinstance(a, ImmutableDict) and isinstance(b, ImmutableDict):
        return sorted(a) == sorted(b) and all(_compatible(a[k], b[k]) for k in a)
    if hasattr(a, "is_compatible_with") and not isinstance(a, (str, bytes)):
        return bool(a.is_compatible_with(b))
    return bool(a == b)


class ExtensionTypeBatchEncoder:
    """How a :class:`BatchableExtensionType` batches (``tf.experimental.ExtensionTypeBatchEncoder``): the default
    stacks each tensor field along a new leading axis; subclass it and set ``__batch_encoder__`` to change that."""

    def batch(self, spec: ExtensionTypeSpec, batch_size: int | None) -> ExtensionTypeSpec:
        """The spec of a batch of ``batch_size`` values of ``spec``."""
        return _map_tensor_specs(spec, lambda s: _tg().TensorSpec([batch_size, *_dims(s)], s.dtype))

    def unbatch(self, spec: ExtensionTypeSpec) -> ExtensionTypeSpec:
        """The spec of one item of a batch with spec ``spec``."""
        def drop(s: Any) -> Any:
            dims = _dims(s)
            if not dims:
                raise ValueError(f"unbatch: a field has rank 0 (spec {s!r}); there is no batch axis to remove.")
            return _tg().TensorSpec(dims[1:], s.dtype)

        return _map_tensor_specs(spec, drop)

    def encode(self, spec: ExtensionTypeSpec, value: ExtensionType, minimum_rank: int = 0) -> tuple[Any, ...]:
        """``value``'s tensors, in spec order."""
        return tuple(value._tg_components())

    def decode(self, spec: ExtensionTypeSpec, encoded_value: list[Any]) -> ExtensionType:
        """The value of ``spec`` whose tensors are ``encoded_value``."""
        return spec._from_components(encoded_value)

    def encoding_specs(self, spec: ExtensionTypeSpec) -> tuple[Any, ...]:
        """The TensorSpecs of :meth:`encode`'s result."""
        return tuple(spec._component_specs)


def _dims(s: Any) -> list[Any]:
    return [] if s.shape.rank is None else s.shape.as_list()


def _map_tensor_specs(spec: ExtensionTypeSpec, fn: Any) -> ExtensionTypeSpec:
    from ..ops.tensor_spec import TensorSpec

    def go(v: Any) -> Any:
        if isinstance(v, TensorSpec):
            return fn(v)
        if isinstance(v, ExtensionTypeSpec):
            return _map_tensor_specs(v, fn)
        if isinstance(v, tuple):
            return tuple(go(x) for x in v)
        if isinstance(v, ImmutableDict):
            return ImmutableDict((k, go(x)) for k, x in v.items())
        return v

    new = type(spec).__new__(type(spec))
    object.__setattr__(new, "_tg_field_values", tuple(go(v) for v in spec._tg_field_values))
    return new


_DEFAULT_ENCODER = ExtensionTypeBatchEncoder()


def batch_encoder(cls: type) -> ExtensionTypeBatchEncoder:
    """A batchable type's encoder: its ``__batch_encoder__`` when it sets one, else the default (TF's rule)."""
    return getattr(cls, "__batch_encoder__", _DEFAULT_ENCODER)


def as_dict(value: ExtensionType) -> dict[str, Any]:
    """The fields of an extension type value as a dict (``tf.experimental.extension_type.as_dict``).

    >>> import tapegrad as tf
    >>> class P(tf.experimental.ExtensionType):
    ...     n: int
    >>> tf.experimental.extension_type.as_dict(P(3))
    {'n': 3}
    """
    return {f.name: getattr(value, f.name) for f in type(value)._tg_fields}
