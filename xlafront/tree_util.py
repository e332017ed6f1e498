"""JAX's `tree_util` names for xlafront's pytrees (see tree.py). DictKey, SequenceKey,
GetAttrKey, FlattenedIndexKey, PyTreeDef and default_registry are jaxlib's, loaded on first
use (module `__getattr__`), so importing this module does not load jaxlib."""
from . import tree as _tree
from .tree import (KeyEntry, KeyPath, Partial, all_leaves, flatten_one_level,  # noqa: F401
                   flatten_one_level_with_keys, is_tree_node, keystr, register_dataclass,
                   register_pytree_node, register_pytree_node_class, register_pytree_with_keys,
                   register_pytree_with_keys_class, register_static, tree_all, tree_broadcast,
                   tree_flatten, tree_flatten_with_path, tree_leaves, tree_leaves_with_path,
                   tree_map, tree_map_with_path, tree_reduce, tree_reduce_associative,
                   tree_structure, tree_transpose, tree_unflatten, treedef_children,
                   treedef_is_leaf, treedef_tuple)

__all__ = [
    "DictKey", "FlattenedIndexKey", "GetAttrKey", "KeyEntry", "KeyPath", "Partial",
    "PyTreeDef", "SequenceKey", "all_leaves", "default_registry", "flatten_one_level",
    "flatten_one_level_with_keys", "is_tree_node", "keystr", "register_dataclass",
    "register_pytree_node", "register_pytree_node_class", "register_pytree_with_keys",
    "register_pytree_with_keys_class", "register_static", "tree_all", "tree_broadcast",
    "tree_flatten", "tree_flatten_with_path", "tree_leaves", "tree_leaves_with_path",
    "tree_map", "tree_map_with_path", "tree_reduce", "tree_reduce_associative",
    "tree_structure", "tree_transpose", "tree_unflatten", "treedef_children",
    "treedef_is_leaf", "treedef_tuple",
]

_LAZY = ("DictKey", "FlattenedIndexKey", "GetAttrKey", "PyTreeDef", "SequenceKey",
         "default_registry")


def __getattr__(name):
    if name in _LAZY:
        return getattr(_tree, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *__all__})
