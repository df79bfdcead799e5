"""tf.Module: variable/submodule discovery order (TF's), names, name scopes, lazy variables, cycles."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import tapegrad as tf
import tapegrad.module as module_mod
from tapegrad.module import Module, camel_to_snake, name_scope


class Leaf(Module):
    def __init__(self, n: int, name: str | None = None) -> None:
        super().__init__(name=name)
        self.w = tf.Variable(np.full((n,), float(n), np.float32), name=f"w{n}")
        self.b = tf.Variable(np.zeros(1, np.float32), name=f"b{n}", trainable=False)


class Tree(Module):
    def __init__(self) -> None:
        super().__init__()
        self.z_leaf = Leaf(1)
        self.items = [Leaf(2), (Leaf(3), tf.Variable(7.0, name="in_tuple"))]
        self.table = {"b": Leaf(4), "a": tf.Variable(5.0, name="in_dict")}
        self.alpha = tf.Variable(1.0, name="alpha")
        self.shared = self.alpha
        self.text = "not a variable"


def names(vs):
    return [v.name for v in vs]


def test_variable_order_matches_tensorflow():
    # TF 2.21 gives exactly this order for the same class (see the Keras conformance lane, module_variable_order):
    # own leaves by sorted attribute name (dict entries by sorted key), then each submodule depth first.
    m = Tree()
    assert names(m.variables) == ["alpha:0", "in_tuple:0", "in_dict:0", "b2:0", "w2:0", "b3:0", "w3:0", "b4:0",
                                  "w4:0", "b1:0", "w1:0"]
    assert names(m.trainable_variables) == ["alpha:0", "in_tuple:0", "in_dict:0", "w2:0", "w3:0", "w4:0", "w1:0"]
    assert names(m.non_trainable_variables) == ["b2:0", "b3:0", "b4:0", "b1:0"]
    assert all(isinstance(t, tuple) for t in (m.variables, m.trainable_variables, m.submodules))


def test_submodules_depth_first_and_shared_once():
    m = Tree()
    subs = m.submodules
    assert [s.w.name for s in subs] == ["w2:0", "w3:0", "w4:0", "w1:0"]
    m.again = m.items[0]
    assert len(m.submodules) == 4
    assert names(m.variables).count("w2:0") == 1


def test_nested_submodules_are_recursive():
    a, b, c = Module(name="a"), Module(name="b"), Module(name="c")
    a.b = b
    b.c = c
    c.v = tf.Variable(3.0, name="deep")
    assert list(a.submodules) == [b, c]
    assert names(a.variables) == ["deep:0"]


def test_cycle_is_walked_once():
    a, b = Module(name="a"), Module(name="b")
    a.child, b.parent = b, a
    a.v, b.v = tf.Variable(1.0, name="va"), tf.Variable(2.0, name="vb")
    assert names(a.variables) == ["va:0", "vb:0"]
    assert [s.name for s in a.submodules] == ["b"]
    assert names(b.variables) == ["vb:0", "va:0"]


def test_lazy_variables_and_gradients():
    class Lazy(Module):
        def __call__(self, x):
            if not hasattr(self, "w"):
                self.w = tf.Variable(tf.ones([x.shape[-1], 2]), name="w")
            return tf.matmul(x, self.w)

    m = Lazy()
    assert m.variables == ()
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(m(tf.constant([[1.0, 2.0, 3.0]])))
    (g,) = tape.gradient(y, m.trainable_variables)
    assert g.numpy().tolist() == [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]


def test_names_and_validation():
    class MyHTTPModule(Module):
        pass

    assert MyHTTPModule().name == "my_http_module"
    assert Module().name == "module"
    assert camel_to_snake("MLP") == "mlp"
    assert Module(name="ok_name").name == "ok_name"
    for bad in ("bad name", "1abc", "a/b", ""):
        with pytest.raises(ValueError, match="not a valid module name"):
            Module(name=bad)


def test_name_scope_nesting_and_decorator():
    outer = Module(name="outer")
    assert outer.name_scope.name == "outer/"
    with outer.name_scope as scope:
        inner = Module(name="inner")
    assert scope == "outer/"
    assert inner.name_scope.name == "outer/inner/"
    assert inner.name == "inner"

    class Scoped(Module):
        @Module.with_name_scope
        def __call__(self):
            return module_mod.current_name_scope()

    assert Scoped(name="s")() == "s/"
    assert module_mod.current_name_scope() == ""
    with name_scope("abs/"):
        with name_scope("x") as got:
            pass
    assert got == "abs/x/"


def test_flatten_with_path():
    m = Tree()
    paths = [p for p, _ in m._flatten(predicate=lambda v: isinstance(v, tf.Variable), with_path=True)]
    assert ("alpha",) in paths and ("shared",) in paths  # with_path does not de-duplicate, as in TF
    assert ("items", 0, "w") in paths and ("table", "b", "b") in paths


def test_bad_property_is_reported():
    class Weird(Module):
        pass

    m = Weird()
    m.bad = {1: "x", "a": tf.Variable(1.0)}  # TF's nest cannot sort these keys: the attribute is named
    with pytest.raises(ValueError, match="Error processing property 'bad'"):
        m.variables  # noqa: B018


def test_docstrings_run():
    result = doctest.testmod(module_mod)
    assert result.failed == 0 and result.attempted > 10
