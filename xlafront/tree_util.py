"""JAX's `tree_util` names for xlafront's pytrees (see tree.py)."""
from .tree import (Partial, all_leaves, keystr, register_dataclass,  # noqa: F401
                   register_pytree_node, register_pytree_node_class, register_pytree_with_keys,
                   tree_all, tree_flatten, tree_flatten_with_path, tree_leaves,
                   tree_leaves_with_path, tree_map, tree_map_with_path, tree_reduce,
                   tree_structure, tree_unflatten, treedef_children, treedef_tuple)
