"""Pytrees: containers, registration, the tree_util functions, and jit over pytrees."""
import collections
import dataclasses
import functools
import operator
import sys

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
# Key paths and the rest of JAX's tree API (expected values: JAX 0.10.2's documented and
# observed behaviour, written out by hand)

# Every public name of JAX 0.10.2's jax.tree_util and jax.tree
_TREE_UTIL_NAMES = [
    "DictKey", "FlattenedIndexKey", "GetAttrKey", "KeyEntry", "KeyPath", "Partial",
    "PyTreeDef", "SequenceKey", "all_leaves", "default_registry", "flatten_one_level",
    "flatten_one_level_with_keys", "is_tree_node", "keystr", "register_dataclass",
    "register_pytree_node", "register_pytree_node_class", "register_pytree_with_keys",
    "register_pytree_with_keys_class", "register_static", "tree_all", "tree_broadcast",
    "tree_flatten", "tree_flatten_with_path", "tree_leaves", "tree_leaves_with_path",
    "tree_map", "tree_map_with_path", "tree_reduce", "tree_reduce_associative",
    "tree_structure", "tree_transpose", "tree_unflatten", "treedef_children",
    "treedef_is_leaf", "treedef_tuple"]
_TREE_NAMES = ["all", "broadcast", "flatten", "flatten_with_path", "leaves", "leaves_with_path",
               "map", "map_with_path", "reduce", "reduce_associative", "static", "structure",
               "transpose", "unflatten"]


def test_every_jax_tree_name_exists():
    assert [n for n in _TREE_UTIL_NAMES if not hasattr(tu, n)] == []
    assert [n for n in _TREE_NAMES if not hasattr(xf.tree, n)] == []
    assert set(_TREE_UTIL_NAMES) <= set(dir(tu)) and set(tu.__all__) == set(_TREE_UTIL_NAMES)
    assert xf.tree.transpose is tu.tree_transpose and xf.tree.broadcast is tu.tree_broadcast
    assert xf.tree.reduce_associative is tu.tree_reduce_associative
    assert xf.tree.flatten_with_path is tu.tree_flatten_with_path
    assert xf.tree.leaves_with_path is tu.tree_leaves_with_path
    assert isinstance(tu.tree_structure([1]), tu.PyTreeDef)
    assert tu.default_registry.flatten([1, (2,)])[0] == [1, 2]


class Unkeyed:
    """A custom node registered without keys: its children get FlattenedIndexKeys."""

    def __init__(self, *children):
        self.children = children


tu.register_pytree_node(Unkeyed, lambda u: (u.children, None), lambda _, c: Unkeyed(*c))


def test_key_path_entries_of_each_node_kind():
    tree = {"a": Point(1, None), "b": [Unkeyed(2, (3,)), None, 4], "c": Params(5, 6)}
    pairs, treedef = tu.tree_flatten_with_path(tree)
    assert treedef == tu.tree_structure(tree)
    D, S, G, F = tu.DictKey, tu.SequenceKey, tu.GetAttrKey, tu.FlattenedIndexKey
    assert pairs == [((D("a"), G("x")), 1),  # namedtuple fields: GetAttrKey; None: no leaf
                     ((D("b"), S(0), F(0)), 2), ((D("b"), S(0), F(1), S(0)), 3),
                     ((D("b"), S(2)), 4),
                     ((D("c"), G("w")), 5), ((D("c"), G("b")), 6)]  # dataclass data fields
    assert tu.tree_leaves_with_path(5) == [((), 5)]
    assert tu.tree_leaves_with_path([None, (None,)]) == []
    assert tu.tree_leaves_with_path(collections.defaultdict(list, {"b": 1, "a": 2})) == [
        ((D("a"),), 2), ((D("b"),), 1)]
    assert tu.tree_leaves_with_path(collections.OrderedDict([("b", 1), ("a", 2)])) == [
        ((D("b"),), 1), ((D("a"),), 2)]
    assert tu.tree_leaves_with_path(tu.Partial(operator.add, 1, k=2)) == [
        ((F(0), S(0)), 1), ((F(1), D("k")), 2)]  # Partial: (args, keywords), unkeyed


def test_key_classes_repr_equality_hash_fields():
    d, s, g, f = tu.DictKey("a"), tu.SequenceKey(0), tu.GetAttrKey("x"), tu.FlattenedIndexKey(3)
    assert [repr(k) for k in (d, s, g, f)] == [
        "DictKey(key='a')", "SequenceKey(idx=0)", "GetAttrKey(name='x')",
        "FlattenedIndexKey(key=3)"]
    assert [str(k) for k in (d, s, g, f)] == ["['a']", "[0]", ".x", "[<flat index 3>]"]
    assert (d.key, s.idx, g.name, f.key) == ("a", 0, "x", 3)
    assert d == tu.DictKey("a") and hash(d) == hash(tu.DictKey("a")) and d != "a"
    assert s != tu.FlattenedIndexKey(0) and g != tu.GetAttrKey("y")
    assert {s: 1}[tu.SequenceKey(0)] == 1
    match tu.DictKey(("t", 1)):
        case tu.DictKey(key=k):
            assert k == ("t", 1)
    with pytest.raises(TypeError):
        tu.SequenceKey("a")
    with pytest.raises(TypeError):
        tu.GetAttrKey(1)


def test_keystr_simple_and_separator():
    path = (tu.DictKey("a"), tu.SequenceKey(0), tu.GetAttrKey("x"), tu.FlattenedIndexKey(3))
    assert tu.keystr(path) == "['a'][0].x[<flat index 3>]"
    assert tu.keystr(path, simple=True) == "a0x3"
    assert tu.keystr(path, simple=True, separator="/") == "a/0/x/3"
    assert tu.keystr(("x", 1), separator=".") == "x.1"  # any entries: their str
    assert tu.keystr(()) == ""
    params = {"foo": {"bar": {"baz": 1, "bat": [2, 3]}}}
    assert [tu.keystr(p, simple=True, separator="/") for p, _ in
            xf.tree.leaves_with_path(params)] == ["foo/bar/bat/0", "foo/bar/bat/1", "foo/bar/baz"]
    with pytest.raises(TypeError):
        tu.keystr(path, True)  # simple and separator are keyword-only


def test_with_path_is_leaf():
    tree = [1, (2, 3)]
    assert tu.tree_leaves_with_path(tree, is_leaf=lambda x: isinstance(x, tuple)) == [
        ((tu.SequenceKey(0),), 1), ((tu.SequenceKey(1),), (2, 3))]
    by_path = lambda p, x: len(p) == 1 and isinstance(x, tuple)  # noqa: E731
    assert tu.tree_flatten_with_path(tree, by_path, is_leaf_takes_path=True)[0] == [
        ((tu.SequenceKey(0),), 1), ((tu.SequenceKey(1),), (2, 3))]
    assert tu.tree_map_with_path(lambda p, x: tu.keystr(p), tree, is_leaf=by_path,
                                 is_leaf_takes_path=True) == ["[0]", "[1]"]
    assert xf.tree.map_with_path(lambda p, x, y: (tu.keystr(p), x + y), {"a": [1, 2]},
                                 {"a": [10, 20]}) == {"a": [("['a'][0]", 11), ("['a'][1]", 22)]}


@tu.register_pytree_with_keys_class
class Keyed:
    """Registered with its own key entries (and no tree_flatten: derived from the keyed one)."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def tree_flatten_with_keys(self):
        return ((tu.GetAttrKey("x"), self.x), (tu.DictKey("yy"), self.y)), "aux"

    @classmethod
    def tree_unflatten(cls, aux, children):
        return cls(*children)


class Custom:
    def __init__(self, x):
        self.x = x


tu.register_pytree_with_keys(Custom, lambda c: ((("custom", c.x),), None),
                             lambda _, children: Custom(*children))


def test_register_pytree_with_keys():
    pairs, treedef = tu.tree_flatten_with_path(Keyed(1, [2]))
    assert pairs == [((tu.GetAttrKey("x"),), 1), ((tu.DictKey("yy"), tu.SequenceKey(0)), 2)]
    assert tu.tree_leaves(Keyed(1, [2])) == [1, 2]
    out = tu.tree_map(lambda v: v + 1, Keyed(1, [2]))
    assert isinstance(out, Keyed) and (out.x, out.y) == (2, [3])
    assert tu.tree_leaves_with_path(Custom(5)) == [(("custom",), 5)]
    assert tu.keystr(("custom",), simple=True) == "custom"
    assert tu.is_tree_node(Keyed) and tu.is_tree_node(Point) and not tu.is_tree_node(int)


def test_registering_a_type_twice_raises():
    with pytest.raises(ValueError, match="Duplicate custom PyTreeDef type registration"):
        tu.register_pytree_node(Box, lambda b: ((), None), lambda a, c: None)
    with pytest.raises(ValueError, match="Duplicate custom PyTreeDef type registration"):
        tu.register_static(list)
    assert tu.tree_leaves(Box(1, 2, "l")) == [1, 2]  # the first registration still holds


@tu.register_static
class StaticStr(str):
    pass


def test_register_static():
    pairs, treedef = tu.tree_flatten_with_path([StaticStr("a"), 1])
    assert pairs == [((tu.SequenceKey(1),), 1)]
    assert tu.tree_unflatten(treedef, [2]) == ["a", 2]
    assert tu.tree_structure(StaticStr("a")) != tu.tree_structure(StaticStr("b"))
    traces = []

    @xf.jit
    def f(x, s):
        traces.append(s)
        return x + 1 if s == "add" else x - 1

    assert float(f(onp.float32(1), StaticStr("add"))) == 2
    assert float(f(onp.float32(1), StaticStr("add"))) == 2
    assert float(f(onp.float32(1), StaticStr("sub"))) == 0
    assert traces == ["add", "sub"]


@tu.register_dataclass
@dataclasses.dataclass
class WithStatic:
    a: object
    op: str = xf.tree.static(default="add")


def test_register_dataclass_fields_and_paths():
    assert dataclasses.fields(WithStatic)[1].metadata["static"] is True
    pairs, treedef = tu.tree_flatten_with_path(WithStatic([1, 2]))
    assert pairs == [((tu.GetAttrKey("a"), tu.SequenceKey(0)), 1),
                     ((tu.GetAttrKey("a"), tu.SequenceKey(1)), 2)]
    assert tu.tree_unflatten(treedef, [3, 4]) == WithStatic([3, 4], "add")

    class Plain:
        def __init__(self, x, y):
            self.x, self.y = x, y

    assert tu.register_dataclass(Plain, data_fields=["x"], meta_fields=["y"]) is Plain
    assert tu.tree_leaves_with_path(Plain(1, 2)) == [((tu.GetAttrKey("x"),), 1)]
    with pytest.raises(TypeError):
        tu.register_dataclass(data_fields=["x"], meta_fields=[])  # nodetype is required


def test_register_dataclass_checks_its_fields():
    @dataclasses.dataclass
    class Two:
        a: object
        b: object

    @dataclasses.dataclass
    class NotInit:
        a: object
        c: int = dataclasses.field(init=False, default=0)

    with pytest.raises(TypeError, match="must both be specified"):
        tu.register_dataclass(Two, data_fields=["a"])
    with pytest.raises(ValueError, match=r"Missing fields: \{'b'\}. Add them to drop_fields"):
        tu.register_dataclass(Two, data_fields=["a"], meta_fields=[])
    with pytest.raises(ValueError, match=r"must not overlap. Overlapping fields: \{'a'\}"):
        tu.register_dataclass(Two, data_fields=["a", "b"], meta_fields=["a"])
    # As in JAX: left out, the lists take every field, so an init=False one is unexpected.
    with pytest.raises(ValueError, match=r"Unexpected fields: \{'c'\}"):
        tu.register_dataclass(NotInit)
    tu.register_dataclass(Two, data_fields=["a"], meta_fields=[], drop_fields=["b"])
    assert tu.tree_leaves_with_path(Two(1, 2)) == [((tu.GetAttrKey("a"),), 1)]
    tu.register_dataclass(NotInit, data_fields=["a"], meta_fields=[])
    assert tu.tree_leaves(NotInit(7)) == [7]


def test_tree_transpose():
    outer, inner = tu.tree_structure([0, 0]), tu.tree_structure((0, 0, 0))
    assert tu.tree_transpose(outer, inner, [(1, 2, 3), (4, 5, 6)]) == ([1, 4], [2, 5], [3, 6])
    assert xf.tree.transpose(outer, None, [(1, 2, 3), (4, 5, 6)]) == ([1, 4], [2, 5], [3, 6])
    by_key = tu.tree_transpose(tu.tree_structure({"a": 0, "b": 0}), tu.tree_structure([0, 0]),
                               {"a": [1, 2], "b": [3, 4]})
    assert by_key == [{"a": 1, "b": 3}, {"a": 2, "b": 4}]
    with pytest.raises(TypeError, match=r"Mismatch\nPyTreeDef\(\[\(\*, \*, \*\), \(\*, \*, \*\)\]\)"
                       r"\n != \nPyTreeDef\(\[\(\*, \*\), \(\*, \*\)\]\)"):
        tu.tree_transpose(outer, tu.tree_structure((0, 0)), [(1, 2, 3), (4, 5, 6)])


def test_tree_broadcast():
    assert tu.tree_broadcast([1, 2], [(3, 4), {"a": 5}]) == [(1, 1), {"a": 2}]
    assert xf.tree.broadcast(1, {"a": [7, 8]}) == {"a": [1, 1]}
    assert tu.tree_broadcast([1, None], [(1, 2), None]) == [(1, 1), None]
    assert tu.tree_broadcast([(1, 2), 3], [[1, 2], (4, 5)],
                             is_leaf=lambda x: isinstance(x, tuple)) == [[(1, 2), (1, 2)], (3, 3)]
    with pytest.raises(ValueError, match=r"different lengths of list at key path\n"
                       r"    broadcast_prefix prefix_tree\n"):
        tu.tree_broadcast([1, 2, 3], [(3, 4), {"a": 5}])


def test_reductions():
    calls = []

    def add(a, b):
        calls.append((a, b))
        return a + b

    assert tu.tree_reduce_associative(add, [1, 2, 3, 4]) == 10
    assert calls == [(1, 2), (3, 4), (3, 7)]  # a balanced tree of calls
    assert xf.tree.reduce_associative(operator.add, [], identity=0) == 0
    with pytest.raises(TypeError, match="Must specify identity"):
        tu.tree_reduce_associative(operator.add, [])
    assert tu.tree_reduce(lambda a, b: (a, b), [1, 2], None) == ((None, 1), 2)  # None: a value
    with pytest.raises(TypeError):
        tu.tree_reduce(operator.add, [])
    with pytest.raises(TypeError):
        tu.tree_all([1], None)  # is_leaf is keyword-only
    assert xf.tree.all([1, (True,)]) and not xf.tree.all([1, 0])


def test_leaf_and_node_queries():
    assert tu.all_leaves([1, 2.0]) and not tu.all_leaves([1, None])  # None is an empty node
    assert tu.all_leaves([]) and not tu.all_leaves([[]])
    assert tu.all_leaves([None, 1], is_leaf=lambda x: x is None)
    assert tu.all_leaves([1, (2,)], is_leaf=lambda x: isinstance(x, tuple))
    assert tu.treedef_is_leaf(tu.tree_structure(1)) and tu.treedef_is_leaf(tu.tree_structure(None))
    assert not tu.treedef_is_leaf(tu.tree_structure([1, 2]))
    assert tu.flatten_one_level({"a": [1, 2], "b": 3}) == (([1, 2], 3), ("a", "b"))
    assert tu.flatten_one_level_with_keys({"a": [1, 2]}) == (((tu.DictKey("a"), [1, 2]),), ("a",))
    assert tu.flatten_one_level(None) == ((), None)
    with pytest.raises(ValueError, match="can't tree-flatten type: <class 'int'>"):
        tu.flatten_one_level(1)
    with pytest.raises(ValueError, match="can't tree-flatten type"):
        tu.flatten_one_level_with_keys(1)


def test_partial_of_a_partial_keeps_its_arguments_static():
    add3 = lambda a, b, c: a + b + c  # noqa: E731
    p = tu.Partial(functools.partial(add3, 1), 2)
    assert tu.tree_leaves(p) == [2]  # only the Partial's own arguments are leaves
    assert p(3) == 6 and p.args == (2,)
    assert p.func.func is add3 and p.func.args == (1,) and p.func.keywords == {}
    assert tu.tree_leaves(tu.Partial(functools.partial(operator.add, 1))) == []
    q = tu.tree_map(lambda x: x * 10, p)
    assert q(3) == 24


def test_tree_map_structure_errors_name_the_key_path():
    first = lambda x, *_: x  # noqa: E731
    with pytest.raises(ValueError) as e:
        tu.tree_map(first, {"a": [1, 2]}, {"a": [1]})
    assert str(e.value) == (
        "pytree structure error: different lengths of list at key path\n"
        "    tree_map tree['a']\n"
        "At that key path, the prefix pytree tree_map tree has a subtree of type list of "
        "length 2, but the full pytree has a subtree of the same type but of length 1.")
    with pytest.raises(ValueError) as e:
        tu.tree_map(first, {"k": (1, 2)}, {"k": [1, 2]})
    assert str(e.value) == (
        "pytree structure error: different types at key path\n"
        "    tree_map tree['k']\n"
        "At that key path, the prefix pytree tree_map tree has a subtree of type\n"
        "    <class 'tuple'>\n"
        "but at the same key path the full pytree has a subtree of different type\n"
        "    <class 'list'>.")
    with pytest.raises(ValueError) as e:
        tu.tree_map(first, {"a": 1}, {"a": 1, "b": 2})
    assert str(e.value) == (
        "pytree structure error: different numbers of pytree children at key path\n"
        "    tree_map tree\n"
        "At that key path, the prefix pytree tree_map tree has a subtree of type\n"
        "    <class 'dict'>\n"
        "with 1 child keys\n    a\n"
        "but at the same key path the full pytree has a subtree of the same type but with 2 "
        "child keys\n    a b\n"
        "so the symmetric difference on key sets is\n    b")
    with pytest.raises(ValueError) as e:
        tu.tree_map(first, [Params(1, 2, "u")], [Params(1, 2, "v")])
    assert str(e.value).startswith(
        "pytree structure error: different pytree metadata at key path\n"
        "    tree_map tree[0]\n"
        "At that key path, the prefix pytree tree_map tree has a subtree of type\n"
        f"    {Params}\nwith metadata\n    ('u',)\n")
    assert "so the diff in the metadata at these pytree nodes is\n    - ('u',)" in str(e.value)
    with pytest.raises(ValueError, match=r"different lengths of list at key path\n"
                       r"    tree_map_with_path tree\['k'\]\[0\]\.w\n"):
        tu.tree_map_with_path(first, {"k": [Params([1, 2], 0)]}, {"k": [Params([1], 0)]})
    with pytest.raises(ValueError, match=r"different numbers of pytree children at key path\n"
                       r"    tree_map tree\[1\]\n"):
        tu.tree_map(first, [0, Unkeyed(1, 2)], [0, Unkeyed(1)])


def test_leaf_paths_helper():
    tree = sys.modules["xlafront.tree"]
    assert tree.leaf_paths({"w": [1, 2], "b": None}, "x") == ["x['w'][0]", "x['w'][1]"]


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
