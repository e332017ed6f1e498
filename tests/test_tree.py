"""Pytrees: containers, registration, the tree_util functions, and jit over pytrees."""
import collections
import dataclasses
import functools
import operator

import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as xnp
from xlafront import tree_util as tu

from conftest import assert_close

Point = collections.namedtuple("Point", "x y")


@dataclasses.dataclass
class Params:
    w: object
    b: object
    name: str = dataclasses.field(default="layer", metadata=dict(static=True))


tu.register_dataclass(Params)


@functools.partial(tu.register_dataclass, data_fields=["value"], meta_fields=["scale"])
@dataclasses.dataclass
class Scaled:
    value: object
    scale: float


class Box:
    """A custom node registered with register_pytree_node: children (lo, hi), aux label."""

    def __init__(self, lo, hi, label):
        self.lo, self.hi, self.label = lo, hi, label

    def __eq__(self, other):
        return (type(other) is Box and (self.lo, self.hi, self.label)
                == (other.lo, other.hi, other.label))


tu.register_pytree_node(Box, lambda b: ((b.lo, b.hi), b.label),
                        lambda label, children: Box(*children, label))


@tu.register_pytree_node_class
class Pair:
    def __init__(self, first, second, tag="t"):
        self.first, self.second, self.tag = first, second, tag

    def tree_flatten(self):
        return (self.first, self.second), self.tag

    @classmethod
    def tree_unflatten(cls, aux, children):
        return cls(*children, aux)

    def __eq__(self, other):
        return (type(other) is Pair and (self.first, self.second, self.tag)
                == (other.first, other.second, other.tag))


# tree, its leaves in order, and its number of leaves
_trees = [
    ("leaf", 1, [1]),
    ("none", None, []),
    ("tuple", (1, (2, 3)), [1, 2, 3]),
    ("list", [1, [2, None, 3]], [1, 2, 3]),
    ("dict_sorted_keys", {"b": 1, "a": 2, "c": (3,)}, [2, 1, 3]),
    ("namedtuple", Point(1, (2, 3)), [1, 2, 3]),
    ("ordered_dict_insertion_order", collections.OrderedDict([("z", 1), ("a", 2)]), [1, 2]),
    ("defaultdict", collections.defaultdict(list, {"a": 2, "b": 1}), [2, 1]),
    ("dataclass", Params(w=1, b=(2, 3), name="x"), [1, 2, 3]),
    ("dataclass_explicit_fields", Scaled(value=[1, 2], scale=0.5), [1, 2]),
    ("custom_node", Box(1, [2, 3], "lbl"), [1, 2, 3]),
    ("node_class", Pair(1, {"k": 2}, "tag"), [1, 2]),
    ("empty_containers", ((), [], {}, None), []),
    ("mixed", {"p": Point(Params(1, 2), [3]), "q": (None, Box(4, 5, 0))}, [1, 2, 3, 4, 5]),
]


@pytest.mark.parametrize("tree,leaves", [t[1:] for t in _trees], ids=[t[0] for t in _trees])
def test_flatten_unflatten_round_trip(tree, leaves):
    got, treedef = tu.tree_flatten(tree)
    assert got == leaves
    assert tu.tree_leaves(tree) == leaves
    assert treedef.num_leaves == len(leaves)
    rebuilt = tu.tree_unflatten(treedef, got)
    assert rebuilt == tree and type(rebuilt) is type(tree)
    assert tu.tree_structure(tree) == treedef
    doubled = tu.tree_map(lambda x: x * 2, tree)
    assert tu.tree_leaves(doubled) == [2 * x for x in leaves]
    assert tu.tree_structure(doubled) == treedef


def test_dataclass_meta_fields_are_static():
    a, b = Params(1, 2, name="a"), Params(1, 2, name="b")
    assert tu.tree_leaves(a) == tu.tree_leaves(b)
    assert tu.tree_structure(a) != tu.tree_structure(b)
    assert tu.tree_unflatten(tu.tree_structure(a), [5, 6]) == Params(5, 6, "a")
    assert tu.tree_map(lambda x: x + 1, Scaled(1, 3.0)) == Scaled(2, 3.0)


def test_register_dataclass_needs_fields_for_plain_classes():
    class Plain:
        pass
    with pytest.raises(TypeError, match="dataclass"):
        tu.register_dataclass(Plain)


def test_structure_equality_and_children():
    assert tu.tree_structure([1, (2,)]) == tu.tree_structure(["a", ("b",)])
    assert tu.tree_structure([1, (2,)]) != tu.tree_structure([1, [2]])
    assert tu.tree_structure({"a": 1}) != tu.tree_structure({"b": 1})
    children = tu.treedef_children(tu.tree_structure((1, [2, 3])))
    assert [c.num_leaves for c in children] == [1, 2]
    tup = tu.treedef_tuple([tu.tree_structure(1), tu.tree_structure([1, 2])])
    assert tu.tree_unflatten(tup, [1, 2, 3]) == (1, [2, 3])


def test_tree_map_over_several_trees():
    a = {"x": (1, 2), "y": [3]}
    b = {"x": (10, 20), "y": [30]}
    c = {"x": (100, 200), "y": [300]}
    assert tu.tree_map(lambda *xs: sum(xs), a, b, c) == {"x": (111, 222), "y": [333]}
    # a prefix tree: `rest` may have subtrees where `tree` has leaves
    assert tu.tree_map(lambda x, y: (x, y), [1, 2], [(3, 4), 5]) == [(1, (3, 4)), (2, 5)]
    with pytest.raises(ValueError):
        tu.tree_map(lambda x, y: x, [1, 2], [1])


def test_is_leaf():
    tree = [1, (2, 3), None]
    assert tu.tree_leaves(tree, is_leaf=lambda x: isinstance(x, tuple)) == [1, (2, 3)]
    assert tu.tree_leaves(tree, is_leaf=lambda x: x is None) == [1, 2, 3, None]
    first = tu.tree_map(lambda t: t[0] if isinstance(t, tuple) else t, tree,
                        is_leaf=lambda x: isinstance(x, tuple))
    assert first == [1, 2, None]


def test_tree_reduce_and_all():
    assert tu.tree_reduce(operator.add, [1, (2, 3)]) == 6
    assert tu.tree_reduce(operator.add, [1, (2, 3)], 10) == 16
    assert tu.tree_reduce(operator.add, [], 0) == 0
    assert tu.tree_all([True, (1, {"a": True})]) and not tu.tree_all([True, (0,)])
    assert tu.all_leaves([1, 2.0]) and not tu.all_leaves([1, (2,)])


def test_flatten_with_path_and_keystr():
    tree = {"b": [1, (2,)], "a": Point(3, 4), "d": Params(5, 6)}
    pairs, treedef = tu.tree_flatten_with_path(tree)
    assert [x for _, x in pairs] == tu.tree_leaves(tree)
    assert [tu.keystr(p) for p, _ in pairs] == [
        "['a'].x", "['a'].y", "['b'][0]", "['b'][1][0]", "['d'].w", "['d'].b"]
    assert treedef == tu.tree_structure(tree)
    assert [tu.keystr(p) for p, _ in tu.tree_leaves_with_path([7, {"k": 8}])] == ["[0]", "[1]['k']"]
    labelled = tu.tree_map_with_path(lambda p, x: f"{tu.keystr(p)}={x}", {"a": [1, 2]})
    assert labelled == {"a": ["['a'][0]=1", "['a'][1]=2"]}


def test_ordered_dict_paths_are_dict_keys():
    pairs, _ = tu.tree_flatten_with_path(collections.OrderedDict([("z", 1)]))
    assert tu.keystr(pairs[0][0]) == "['z']"


def test_tree_module_aliases():
    import sys
    tree = sys.modules["xlafront.tree"]  # the module xlafront/tree.py
    assert tree.map is tu.tree_map and tree.leaves is tu.tree_leaves
    assert tree.flatten is tu.tree_flatten and tree.unflatten is tu.tree_unflatten
    assert tree.structure is tu.tree_structure and tree.reduce is tu.tree_reduce
    assert tree.map_with_path is tu.tree_map_with_path


def test_xf_tree_map_alias():
    assert xf.tree.map(lambda x: x + 1, [1, (2,)]) == [2, (3,)]
    assert xf.tree.leaves({"a": 1}) == [1]


def test_defaultdict_keys_are_sorted():
    assert tu.tree_leaves(collections.defaultdict(list, {"b": 1, "a": 2})) == [2, 1]


def test_partial_is_a_pytree():
    p = tu.Partial(operator.add, onp.float32(1))
    leaves, treedef = tu.tree_flatten(p)
    assert len(leaves) == 1
    q = tu.tree_unflatten(treedef, [onp.float32(5)])
    assert q(2) == 7
    assert xf.jit(lambda f, x: f(x))(p, onp.float32(2)) == 3


# ---------------------------------------------------------------------------------------
# jit over pytrees

def test_jit_dict_in_dict_out():
    f = xf.jit(lambda t: {"sum": t["a"] + t["b"][0], "prod": t["a"] * t["b"][1], "none": None})
    a, b0, b1 = (onp.arange(3, dtype=onp.float32) + i for i in range(3))
    out = f({"a": a, "b": (b0, b1)})
    assert set(out) == {"sum", "prod", "none"} and out["none"] is None
    assert_close(out["sum"], a + b0)
    assert_close(out["prod"], a * b1)


def test_jit_namedtuple_and_dataclass():
    @xf.jit
    def step(p, point):
        return Params(p.w * point.x, p.b + point.y, p.name + "!"), Point(point.y, point.x)

    p = Params(onp.ones(2, onp.float32), onp.zeros(2, onp.float32), "dense")
    new, swapped = step(p, Point(onp.float32(3), onp.float32(4)))
    assert isinstance(new, Params) and new.name == "dense!"
    assert_close(new.w, onp.full(2, 3, onp.float32))
    assert_close(new.b, onp.full(2, 4, onp.float32))
    assert isinstance(swapped, Point) and float(swapped.x) == 4 and float(swapped.y) == 3


def test_jit_custom_nodes():
    @xf.jit
    def f(box, pair):
        return Box(box.hi, box.lo, box.label), Pair(pair.first + pair.second, pair.second, pair.tag)

    box, pair = f(Box(onp.float32(1), onp.float32(2), "L"), Pair(xnp.ones(2), xnp.ones(2), "T"))
    assert box.label == "L" and float(box.lo) == 2 and float(box.hi) == 1
    assert pair.tag == "T"
    assert_close(pair.first, onp.full(2, 2, onp.float32))


def test_jit_retraces_on_structure_and_meta_change():
    traces = []

    @xf.jit
    def f(tree):
        traces.append(tu.tree_structure(tree))
        return tu.tree_reduce(operator.add, tree)

    x = onp.ones(2, onp.float32)
    f([x, x])
    f([x, x])
    assert len(traces) == 1
    f((x, x))
    f(Params(x, x, "a"))
    f(Params(x, x, "b"))  # meta fields are part of the structure
    f(Params(x, x, "b"))
    assert len(traces) == 4
    assert_close(f({"a": x, "b": x, "c": x}), 3 * x)


def test_jit_tree_map_inside():
    @xf.jit
    def scale(tree, s):
        return tu.tree_map(lambda leaf: leaf * s, tree)

    tree = {"w": [xnp.ones((2, 2)), xnp.arange(3.0)], "b": Point(xnp.zeros(1), xnp.ones(1))}
    out = scale(tree, 2.0)
    assert tu.tree_structure(out) == tu.tree_structure(tree)
    for got, want in zip(tu.tree_leaves(out), tu.tree_leaves(tree)):
        assert_close(got, onp.asarray(want) * 2)


def test_make_jaxpr_over_pytree():
    closed = xf.make_jaxpr(lambda t: t["a"] * t["b"])({"a": onp.ones(2, onp.float32),
                                                      "b": onp.ones(2, onp.float32)})
    assert len(closed.jaxpr.invars) == 2 and len(closed.jaxpr.outvars) == 1


def test_jit_rejects_non_array_leaves():
    with pytest.raises(TypeError):
        xf.jit(lambda t: t)({"a": "string"})
