"""Pytrees: nested tuples, lists, dicts (sorted keys), None, namedtuples, registered
dataclasses and custom nodes, with key paths. This module is `xf.tree` (JAX's `jax.tree`
names: map, leaves, flatten_with_path, ...); `xf.tree_util` exposes JAX's `tree_util` names.

The flattening engine is jaxlib's C++ pytree registry (via `runtime.pytree`), so jit's C++
dispatcher and these functions agree on every structure. The key-path entries (DictKey,
SequenceKey, GetAttrKey, FlattenedIndexKey) and PyTreeDef are jaxlib's own classes, loaded
on first use so that `import xlafront` does not load jaxlib.

>>> leaves, treedef = tree_flatten({"b": (1, 2), "a": [3]})
>>> leaves
[3, 1, 2]
"""
import builtins
import collections
import functools
import operator
import textwrap
from typing import Any, TypeVar

from .runtime import pytree

_registry = pytree.registry

# Type aliases, as in JAX: a key-path entry is any object (jaxlib's key classes for the
# built-in nodes); a key path is a tuple of them.
KeyEntry = TypeVar("KeyEntry", bound=Any)
KeyPath = tuple[KeyEntry, ...]


def __getattr__(name):
    """jaxlib's classes (DictKey, SequenceKey, GetAttrKey, FlattenedIndexKey, PyTreeDef) and
    `default_registry`, loaded on first use."""
    if name in pytree.PUBLIC_CLASSES:
        return pytree.public_class(name)
    if name == "default_registry":
        return pytree.registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *pytree.PUBLIC_CLASSES, "default_registry"])


class _Unspecified:
    """The default of an argument for which None is a meaningful value."""

    def __repr__(self):
        return "<unspecified>"


_UNSPECIFIED = _Unspecified()

# ---------------------------------------------------------------------------------------
# Registration


def register_pytree_node(nodetype, flatten_func, unflatten_func, flatten_with_keys_func=None):
    """Registers `nodetype` as a pytree node: `flatten_func(x) -> (children, aux)`,
    `unflatten_func(aux, children) -> x`, and optionally `flatten_with_keys_func(x) ->
    ([(key, child), ...], aux)`. Without it, the children's key-path entries are
    `FlattenedIndexKey(i)`. Registering a type twice raises ValueError."""
    pytree.register(("node", nodetype, flatten_func, unflatten_func, flatten_with_keys_func))


def register_pytree_with_keys(nodetype, flatten_with_keys, unflatten_func, flatten_func=None):
    """Registers `nodetype` with `flatten_with_keys(x) -> ([(key, child), ...], aux)`; the
    keys become the children's key-path entries. `flatten_func` (same children and aux,
    without keys) is optional: a faster path for flattening without paths."""
    if flatten_func is None:
        def flatten_func(x):
            pairs, aux = flatten_with_keys(x)
            return [child for _, child in pairs], aux
    register_pytree_node(nodetype, flatten_func, unflatten_func, flatten_with_keys)


def register_pytree_node_class(cls):
    """Class decorator: the class defines `tree_flatten(self) -> (children, aux)` and the
    classmethod `tree_unflatten(aux, children)`."""
    register_pytree_node(cls, operator.methodcaller("tree_flatten"), cls.tree_unflatten)
    return cls


def register_pytree_with_keys_class(cls):
    """Class decorator: the class defines `tree_flatten_with_keys(self) -> ([(key, child),
    ...], aux)`, the classmethod `tree_unflatten(aux, children)` and optionally
    `tree_flatten(self)`."""
    flatten = operator.methodcaller("tree_flatten") if hasattr(cls, "tree_flatten") else None
    register_pytree_with_keys(cls, operator.methodcaller("tree_flatten_with_keys"),
                              cls.tree_unflatten, flatten)
    return cls


def register_dataclass(nodetype, data_fields=None, meta_fields=None, drop_fields=()):
    """Registers a dataclass-like type: `data_fields` are children (key-path entries
    `GetAttrKey(name)`), `meta_fields` static aux data; it is rebuilt as
    `nodetype(**fields)`. For a dataclass both lists may be left out: fields marked
    `field(metadata=dict(static=True))` (see `static`) are meta, the others data. The lists
    must then cover exactly the fields with init=True, less `drop_fields`."""
    import dataclasses
    if data_fields is None or meta_fields is None:
        if (data_fields is None) != (meta_fields is None):
            raise TypeError("register_dataclass: data_fields and meta_fields must both be "
                            f"specified when either is specified. Got {data_fields=} "
                            f"{meta_fields=}.")
        if not dataclasses.is_dataclass(nodetype):
            raise TypeError("register_dataclass: data_fields and meta_fields are required when"
                            f" nodetype is not a dataclass. Got {nodetype=}.")
        fields = dataclasses.fields(nodetype)
        data_fields = [f.name for f in fields if not f.metadata.get("static", False)]
        meta_fields = [f.name for f in fields if f.metadata.get("static", False)]
    # Copies: the caller's lists may change after registration.
    data_fields, meta_fields = tuple(data_fields), tuple(meta_fields)
    if dataclasses.is_dataclass(nodetype):
        init_fields = {f.name for f in dataclasses.fields(nodetype) if f.init}
        init_fields.difference_update(drop_fields)
        if {*meta_fields, *data_fields} != init_fields:
            msg = ("data_fields and meta_fields must include all dataclass fields with"
                   " ``init=True`` and only them.")
            if missing := init_fields - {*meta_fields, *data_fields}:
                msg += (f" Missing fields: {missing}. Add them to drop_fields to suppress"
                        " this error.")
            if unexpected := {*meta_fields, *data_fields} - init_fields:
                msg += f" Unexpected fields: {unexpected}."
            raise ValueError(msg)
    if overlap := set(data_fields) & set(meta_fields):
        raise ValueError("data_fields and meta_fields must not overlap. Overlapping fields:"
                         f" {overlap}.")
    pytree.register(("dataclass", nodetype, data_fields, meta_fields))
    return nodetype


def register_static(cls):
    """Registers `cls` (hashable) as a pytree with no leaves: its instances are part of the
    structure, so jit treats them as static arguments."""
    register_pytree_with_keys(cls, lambda obj: ((), obj), lambda obj, _: obj)
    return cls


def static(**kwargs):
    """`dataclasses.field(**kwargs)` marked static (metadata `static=True`), for a field that
    `register_dataclass` makes a meta field."""
    import dataclasses
    metadata = {"static": True, **(kwargs.pop("metadata", {}) or {})}
    return dataclasses.field(metadata=metadata, **kwargs)


def is_tree_node(typ):
    """Whether `typ` is a pytree node type (built in, a namedtuple, or registered)."""
    return _registry().is_node(typ)


# ---------------------------------------------------------------------------------------
# Flattening


def tree_flatten(tree, is_leaf=None):
    """(leaves, treedef) of `tree`; `is_leaf(x)` may stop the descent early."""
    return _registry().flatten(tree, is_leaf)


def tree_unflatten(treedef, leaves):
    """The pytree of structure `treedef` with `leaves`."""
    return treedef.unflatten(leaves)


def tree_leaves(tree, is_leaf=None):
    """The leaves of `tree`, in flattening order."""
    return _registry().flatten(tree, is_leaf)[0]


def tree_structure(tree, is_leaf=None):
    """The treedef of `tree`."""
    return _registry().flatten(tree, is_leaf)[1]


def tree_flatten_with_path(tree, is_leaf=None, is_leaf_takes_path=False):
    """([(key path, leaf), ...], treedef). `is_leaf(x)`, or `is_leaf(path, x)` with
    is_leaf_takes_path=True, may stop the descent early."""
    if is_leaf is not None and not is_leaf_takes_path:
        plain_is_leaf = is_leaf
        is_leaf = lambda _, x: plain_is_leaf(x)  # noqa: E731  (jaxlib passes the path too)
    return _registry().flatten_with_path(tree, is_leaf)


def tree_leaves_with_path(tree, is_leaf=None, is_leaf_takes_path=False):
    """[(key path, leaf), ...] of `tree`."""
    return tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


def flatten_one_level(tree):
    """(children, aux data) of the pytree node `tree`; ValueError for a leaf."""
    out = _registry().flatten_one_level(tree)
    if out is None:
        raise ValueError(f"can't tree-flatten type: {type(tree)}")
    return out


def flatten_one_level_with_keys(tree):
    """([(key, child), ...], aux data) of the pytree node `tree`; ValueError for a leaf."""
    out = _registry().flatten_one_level_with_keys(tree)
    if out is None:
        raise ValueError(f"can't tree-flatten type: {type(tree)}")
    return out


def all_leaves(iterable, is_leaf=None):
    """Whether every element of `iterable` is a leaf (None is not: it is an empty node)."""
    if is_leaf is None:
        return pytree.all_leaves(iterable)
    items = list(iterable)
    leaves = tree_leaves(items, is_leaf)
    return len(leaves) == len(items) and builtins.all(
        item is leaf for item, leaf in zip(items, leaves))


def treedef_children(treedef):
    """The treedefs of the root's children."""
    return treedef.children()


def treedef_tuple(treedefs):
    """The treedef of a tuple whose children have the given treedefs."""
    return pytree.treedef_tuple(treedefs)


def treedef_is_leaf(treedef):
    """Whether the treedef is a single node: a leaf, or an empty node such as None or ()."""
    return treedef.num_nodes == 1


def _is_strict_leaf(tree, is_leaf=None):
    treedef = tree_structure(tree, is_leaf)
    return treedef.num_nodes == 1 and treedef.num_leaves == 1


# ---------------------------------------------------------------------------------------
# Key paths

# The field holding each jaxlib key class's payload, which keystr(simple=True) prints
_KEY_FIELDS = {"SequenceKey": "idx", "DictKey": "key", "GetAttrKey": "name",
               "FlattenedIndexKey": "key"}


def _simple_entrystr(key):
    for name, field in _KEY_FIELDS.items():
        if isinstance(key, pytree.public_class(name)):
            return str(getattr(key, field))
    return str(key)


def keystr(keys, *, simple=False, separator=""):
    """A key path as a string: `['a'][0].x` (simple=True: `a0x`, each entry's bare key),
    the entries joined by `separator`."""
    str_fn = _simple_entrystr if simple else str
    return separator.join(str_fn(k) for k in keys)


def leaf_paths(tree, prefix="", is_leaf=None):
    """[prefix + keystr(path)] for each leaf of `tree`, e.g. `x['w'][0]`: how an error
    message names a leaf (a bad argument of jit, grad or vmap)."""
    return [prefix + keystr(path) for path, _ in tree_leaves_with_path(tree, is_leaf)]


def _child_keys(tree):
    return tuple(k for k, _ in flatten_one_level_with_keys(tree)[0])


def _prefix_error(name, prefix, full, is_leaf=None, path=()):
    """JAX's message saying where `full` does not have the structure of `prefix` (a tree
    prefix of it), naming the key path of the first difference; None if it has."""
    if _is_strict_leaf(prefix, is_leaf):
        return None  # a leaf is a prefix of any subtree
    where = f"at key path\n    {name}{keystr(path)}\nAt that key path, the prefix pytree {name} "
    if type(prefix) != type(full):
        return (f"pytree structure error: different types {where}has a subtree of type\n"
                f"    {type(prefix)}\nbut at the same key path the full pytree has a subtree "
                f"of different type\n    {type(full)}.")
    prefix_children, prefix_meta = flatten_one_level(prefix)
    full_children, full_meta = flatten_one_level(full)
    prefix_keys, full_keys = _child_keys(prefix), _child_keys(full)
    if isinstance(prefix, (list, tuple)):
        if len(prefix) != len(full):
            kind = type(prefix).__name__
            return (f"pytree structure error: different lengths of {kind} {where}has a subtree "
                    f"of type {kind} of length {len(prefix)}, but the full pytree has a "
                    f"subtree of the same type but of length {len(full)}.")
    elif len(prefix_children) != len(full_children):
        names = lambda keys: " ".join(_simple_entrystr(k) for k in keys)  # noqa: E731
        try:
            diff = ("so the symmetric difference on key sets is\n    "
                    + names(set(prefix_keys).symmetric_difference(full_keys)))
        except TypeError:  # unhashable keys
            diff = ""
        return (f"pytree structure error: different numbers of pytree children {where}has a "
                f"subtree of type\n    {type(prefix)}\nwith {len(prefix_children)} child keys"
                f"\n    {names(prefix_keys)}\nbut at the same key path the full pytree has a "
                f"subtree of the same type but with {len(full_children)} child keys\n    "
                f"{names(full_keys)}\n" + diff)
    if prefix_meta != full_meta:
        prefix_str, full_str = str(prefix_meta), str(full_meta)
        import difflib
        meta_diff = textwrap.indent("\n".join(difflib.ndiff(prefix_str.splitlines(),
                                                            full_str.splitlines())), "    ")
        return (f"pytree structure error: different pytree metadata {where}has a subtree of "
                f"type\n    {type(prefix)}\nwith metadata\n    {prefix_str}\nbut at the same key"
                " path the full pytree has a subtree of the same type but with metadata\n    "
                f"{full_str}\nso the diff in the metadata at these pytree nodes is\n{meta_diff}")
    for key, p, f in zip(prefix_keys, prefix_children, full_children):
        message = _prefix_error(name, p, f, is_leaf, (*path, key))
        if message is not None:
            return message
    return None


def _flatten_up_to(treedef, tree, rest, is_leaf, name):
    """Each tree of `rest` flattened up to `treedef` (the structure of `tree`); where one does
    not have that structure, a ValueError naming the key path of the difference."""
    flat = []
    for other in rest:
        try:
            flat.append(treedef.flatten_up_to(other))
        except Exception as e:
            message = _prefix_error(name, tree, other, is_leaf)
            raise (e if message is None else ValueError(message)) from None
    return flat


# ---------------------------------------------------------------------------------------
# Mapping and reducing


def tree_map(f, tree, *rest, is_leaf=None):
    """Applies `f` leafwise; `rest` are trees with `tree`'s structure, or with subtrees
    where `tree` has leaves (then `f` gets the subtree)."""
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = _flatten_up_to(treedef, tree, rest, is_leaf, "tree_map tree")
    return treedef.unflatten(f(*xs) for xs in zip(leaves, *others))


def tree_map_with_path(f, tree, *rest, is_leaf=None, is_leaf_takes_path=False):
    """tree_map with `f(key_path, leaf, *others)`."""
    pairs, treedef = tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)
    plain_is_leaf = None if is_leaf_takes_path else is_leaf
    others = _flatten_up_to(treedef, tree, rest, plain_is_leaf, "tree_map_with_path tree")
    return treedef.unflatten(f(path, x, *xs) for (path, x), *xs in zip(pairs, *others))


def tree_broadcast(prefix_tree, full_tree, is_leaf=None):
    """`full_tree`'s structure with each leaf of `prefix_tree` (a tree prefix of it)
    repeated over the leaves of the matching subtree."""
    leaves, treedef = tree_flatten(prefix_tree, is_leaf)
    subtrees = _flatten_up_to(treedef, prefix_tree, [full_tree], is_leaf,
                              "broadcast_prefix prefix_tree")[0]
    return tree_structure(full_tree).unflatten(
        [x for x, sub in zip(leaves, subtrees) for _ in range(tree_structure(sub).num_leaves)])


def tree_transpose(outer_treedef, inner_treedef, pytree_to_transpose):
    """Turns a tree of structure outer(inner) into one of structure inner(outer).
    `inner_treedef` None: taken from the first outer subtree."""
    flat, treedef = tree_flatten(pytree_to_transpose)
    if inner_treedef is None:
        inner_treedef = tree_structure(outer_treedef.flatten_up_to(pytree_to_transpose)[0])
    inner_size, outer_size = inner_treedef.num_leaves, outer_treedef.num_leaves
    if treedef.num_leaves != inner_size * outer_size:
        raise TypeError(f"Mismatch\n{treedef}\n != \n{outer_treedef.compose(inner_treedef)}")
    rows = [flat[i * inner_size:(i + 1) * inner_size] for i in range(outer_size)]
    return inner_treedef.unflatten([outer_treedef.unflatten(column) for column in zip(*rows)])


def tree_reduce(function, tree, initializer=_UNSPECIFIED, is_leaf=None):
    """functools.reduce over the leaves (with `initializer` if given; None is a value)."""
    if initializer is _UNSPECIFIED:
        return functools.reduce(function, tree_leaves(tree, is_leaf))
    return functools.reduce(function, tree_leaves(tree, is_leaf), initializer)


def _parallel_reduce(sequence, operation, identity):
    if not sequence:
        if identity is _UNSPECIFIED:
            raise TypeError("Must specify identity for parallel reduction of empty sequence.")
        return identity
    if len(sequence) == 1:
        return sequence[0]
    half = len(sequence) // 2
    return operation(_parallel_reduce(sequence[:half], operation, identity),
                     _parallel_reduce(sequence[half:], operation, identity))


def tree_reduce_associative(operation, tree, *, identity=_UNSPECIFIED, is_leaf=None):
    """Reduces the leaves with an associative `operation` as a balanced tree of calls;
    `identity` is the result for no leaves."""
    return _parallel_reduce(tree_leaves(tree, is_leaf), operation, identity)


def tree_all(tree, *, is_leaf=None):
    """Whether every leaf is truthy."""
    return builtins.all(tree_leaves(tree, is_leaf))


# ---------------------------------------------------------------------------------------
# Partial and the standard library's dict types


class _HashableCallableShim:
    """Holds a functools.partial given to Partial, so that functools.partial does not merge
    its arguments into the Partial's: as in JAX, only the Partial's own arguments are
    leaves. Calls, hashes and compares as the partial it holds."""

    def __init__(self, fun):
        self.fun = fun

    def __call__(self, *args, **kw):
        return self.fun(*args, **kw)

    def __hash__(self):
        return hash(self.fun)

    def __eq__(self, other):
        return self.fun == (other.fun if isinstance(other, _HashableCallableShim) else other)

    def __repr__(self):
        return f"_HashableCallableShim({self.fun!r})"


class Partial(functools.partial):
    """A functools.partial that is a pytree: its bound arguments are leaves and its
    function is static, so it can be passed to jit-compiled functions."""

    def __new__(cls, func, *args, **kw):
        if not isinstance(func, functools.partial):
            return super().__new__(cls, func, *args, **kw)
        shim = _HashableCallableShim(func)
        out = super().__new__(cls, shim, *args, **kw)
        # Set after construction (functools.partial merges any callable with a .func):
        # the shim still reads like the partial it holds.
        shim.func, shim.args, shim.keywords = func.func, func.args, func.keywords
        return out


register_pytree_node(
    Partial, lambda p: ((p.args, p.keywords), p.func),
    lambda func, xs: Partial(func, *xs[0], **xs[1]))


# As in JAX: OrderedDict keeps its insertion order, defaultdict sorts its keys like dict;
# both have DictKey path entries.
register_pytree_with_keys(
    collections.OrderedDict,
    lambda d: (tuple((pytree.dict_key(k), v) for k, v in d.items()), tuple(d.keys())),
    lambda keys, values: collections.OrderedDict(zip(keys, values)),
    lambda d: (tuple(d.values()), tuple(d.keys())))


def _defaultdict_flatten_with_keys(d):
    keys = tuple(sorted(d))
    return tuple((pytree.dict_key(k), d[k]) for k in keys), (d.default_factory, keys)


register_pytree_with_keys(
    collections.defaultdict, _defaultdict_flatten_with_keys,
    lambda aux, values: collections.defaultdict(aux[0], zip(aux[1], values)))

# ---------------------------------------------------------------------------------------
# JAX's `jax.tree` names. They shadow builtins here (map, all), so the code above only calls
# the builtins through `builtins.`.

all = tree_all  # noqa: A001
broadcast = tree_broadcast
flatten = tree_flatten
flatten_with_path = tree_flatten_with_path
leaves = tree_leaves
leaves_with_path = tree_leaves_with_path
map = tree_map  # noqa: A001
map_with_path = tree_map_with_path
reduce = tree_reduce
reduce_associative = tree_reduce_associative
structure = tree_structure
transpose = tree_transpose
unflatten = tree_unflatten
