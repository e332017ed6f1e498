"""Pytrees: nested tuples, lists, dicts (sorted keys), None, namedtuples, registered
dataclasses and custom nodes. Exposed as `xf.tree_util` (JAX's names) and `xf.tree`.

The flattening engine is jaxlib's C++ pytree registry (via `runtime`), so jit's C++
dispatcher and these functions agree on every structure.

>>> leaves, treedef = tree_flatten({"b": (1, 2), "a": [3]})
>>> leaves
[3, 1, 2]
"""
import builtins
import collections
import dataclasses
import functools

from . import runtime
from .runtime import pytree

_registry = pytree.registry


def register_pytree_node(nodetype, flatten_func, unflatten_func, flatten_with_keys_func=None):
    """Registers `nodetype`: `flatten_func(x) -> (children, aux)`,
    `unflatten_func(aux, children) -> x`."""
    pytree.register(("node", nodetype, flatten_func, unflatten_func, flatten_with_keys_func))
    return nodetype


def register_pytree_with_keys(nodetype, flatten_with_keys, unflatten_func, flatten_func=None):
    if flatten_func is None:
        def flatten_func(x):
            pairs, aux = flatten_with_keys(x)
            return [c for _, c in pairs], aux
    return register_pytree_node(nodetype, flatten_func, unflatten_func, flatten_with_keys)


def register_pytree_node_class(cls):
    """Class decorator: the class defines `tree_flatten(self)` and classmethod
    `tree_unflatten(aux, children)`."""
    register_pytree_node(cls, lambda x: x.tree_flatten(), cls.tree_unflatten)
    return cls


def register_dataclass(nodetype=None, *, data_fields=None, meta_fields=None, drop_fields=()):
    """Registers a dataclass: `data_fields` are children, `meta_fields` static aux data.
    With no field lists, fields marked `field(metadata=dict(static=True))` are meta."""
    if nodetype is None:
        return functools.partial(register_dataclass, data_fields=data_fields,
                                 meta_fields=meta_fields, drop_fields=drop_fields)
    if data_fields is None or meta_fields is None:
        if not dataclasses.is_dataclass(nodetype):
            raise TypeError(f"register_dataclass: {nodetype.__name__} is not a dataclass; "
                            "pass data_fields and meta_fields explicitly")
        fields = [f for f in dataclasses.fields(nodetype) if f.init and f.name not in drop_fields]
        meta_fields = [f.name for f in fields if f.metadata.get("static", False)]
        data_fields = [f.name for f in fields if not f.metadata.get("static", False)]
    pytree.register(("dataclass", nodetype, tuple(data_fields), tuple(meta_fields)))
    return nodetype


def tree_flatten(tree, is_leaf=None):
    """(leaves, treedef) of `tree`; `is_leaf(x)` may stop the descent early."""
    return _registry().flatten(tree, is_leaf)


def tree_unflatten(treedef, leaves):
    return treedef.unflatten(leaves)


def tree_leaves(tree, is_leaf=None):
    return _registry().flatten(tree, is_leaf)[0]


def tree_structure(tree, is_leaf=None):
    return _registry().flatten(tree, is_leaf)[1]


def tree_map(f, tree, *rest, is_leaf=None):
    """Applies `f` leafwise; `rest` are trees with `tree`'s structure (or a prefix of it)."""
    leaves, treedef = _registry().flatten(tree, is_leaf)
    others = [treedef.flatten_up_to(r) for r in rest]
    return treedef.unflatten([f(*xs) for xs in zip(leaves, *others)])


def tree_reduce(function, tree, initializer=None, is_leaf=None):
    leaves = tree_leaves(tree, is_leaf)
    if initializer is None:
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)


def tree_all(tree, is_leaf=None):
    return builtins.all(tree_leaves(tree, is_leaf))


def tree_flatten_with_path(tree, is_leaf=None):
    return _registry().flatten_with_path(tree, is_leaf)


def tree_leaves_with_path(tree, is_leaf=None):
    return tree_flatten_with_path(tree, is_leaf)[0]


def tree_map_with_path(f, tree, *rest, is_leaf=None):
    pairs, treedef = tree_flatten_with_path(tree, is_leaf)
    others = [treedef.flatten_up_to(r) for r in rest]
    return treedef.unflatten([f(path, x, *xs) for (path, x), *xs in zip(pairs, *others)])


def keystr(path):
    return "".join(str(k) for k in path)


def treedef_children(treedef):
    return treedef.children()


def treedef_tuple(treedefs):
    return runtime.treedef_tuple(treedefs)


def all_leaves(iterable, is_leaf=None):
    return builtins.all(tree_structure(x, is_leaf).num_nodes == 1 for x in iterable)


class Partial(functools.partial):
    """A functools.partial that is a pytree: its bound arguments are leaves."""

    def __new__(cls, func, *args, **kw):
        if isinstance(func, functools.partial):
            original = func
            func = func.func
            args = original.args + args
            kw = {**original.keywords, **kw}
        return super().__new__(cls, func, *args, **kw)


register_pytree_node(
    Partial, lambda p: ((p.args, p.keywords), p.func),
    lambda func, xs: Partial(func, *xs[0], **xs[1]))
# As in JAX: OrderedDict keeps its insertion order, defaultdict sorts its keys like dict;
# both have DictKey path entries.
register_pytree_node(
    collections.OrderedDict, lambda d: (tuple(d.values()), tuple(d.keys())),
    lambda keys, values: collections.OrderedDict(zip(keys, values)),
    lambda d: (tuple((runtime.dict_key(k), v) for k, v in d.items()), tuple(d.keys())))


def _defaultdict_flatten(d):
    keys = tuple(sorted(d))
    return tuple(d[k] for k in keys), (d.default_factory, keys)


def _defaultdict_flatten_with_keys(d):
    keys = tuple(sorted(d))
    return tuple((runtime.dict_key(k), d[k]) for k in keys), (d.default_factory, keys)


register_pytree_node(
    collections.defaultdict, _defaultdict_flatten,
    lambda aux, values: collections.defaultdict(aux[0], zip(aux[1], values)),
    _defaultdict_flatten_with_keys)

# `xf.tree.map(...)` style aliases
flatten, unflatten, leaves, structure, map, reduce, all = (
    tree_flatten, tree_unflatten, tree_leaves, tree_structure, tree_map, tree_reduce, tree_all)
flatten_with_path, leaves_with_path, map_with_path = (
    tree_flatten_with_path, tree_leaves_with_path, tree_map_with_path)
