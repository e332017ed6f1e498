"""Pytrees' engine: jaxlib's C++ registry, which jit's C++ dispatcher shares. Node types
registered before jaxlib loads wait in `_pending` and are applied when it does."""
import _thread

from . import client

_lock = _thread.allocate_lock()
_pending = []  # ("node", type, flatten, unflatten, with_keys) or ("dataclass", type, data, meta)
_registry = None  # the C++ registry once every registration is applied, else None
# Every node type the registry has or will have: a duplicate is refused when it is made, as
# JAX does, not later when jaxlib loads and applies the pending list.
_node_types = {tuple, list, dict, type(None)}

# jaxlib's pytree classes that xlafront.tree_util exposes under JAX's names
PUBLIC_CLASSES = ("DictKey", "SequenceKey", "GetAttrKey", "FlattenedIndexKey", "PyTreeDef")


def _apply(registry, entry):
    if entry[0] == "node":
        _, nodetype, flatten, unflatten, with_keys = entry
        registry.register_node(nodetype, flatten, unflatten, with_keys)
    else:
        _, nodetype, data_fields, meta_fields = entry
        registry.register_dataclass_node(nodetype, list(data_fields), list(meta_fields))


def registry():
    """jaxlib's C++ pytree registry, with every registration made so far applied."""
    if _registry is not None:
        return _registry
    return _build()


def _build():
    global _registry
    rt = client.state()
    with _lock:
        if not hasattr(rt, "registry"):
            rt.registry = rt.jax.pytree.PyTreeRegistry()
        while _pending:
            # Taken off the list first: an entry jaxlib refuses must not block the others.
            entry = _pending.pop(0)
            try:
                _apply(rt.registry, entry)
            except Exception:
                _node_types.discard(entry[1])
                raise
        _registry = rt.registry
    return _registry


def register(entry):
    """Registers a node type (see _pending for the entry's form), now if jaxlib is loaded."""
    global _registry
    with _lock:
        if entry[1] in _node_types:
            raise ValueError(f"Duplicate custom PyTreeDef type registration for {entry[1]}.")
        _node_types.add(entry[1])
        _pending.append(entry)
        _registry = None
    if client.is_loaded():
        _build()


def public_class(name):
    """jaxlib's pytree class `name`, one of PUBLIC_CLASSES (the key-path entries, PyTreeDef)."""
    return getattr(client.state().jax.pytree, name)


def dict_key(key):
    """jaxlib's pytree DictKey for `key` (the path entry of a dict-like node)."""
    return client.state().jax.pytree.DictKey(key)


def treedef_tuple(treedefs):
    return client.state().jax.pytree.treedef_tuple(registry(), list(treedefs))


def all_leaves(iterable):
    """Whether every element of `iterable` is a leaf (None is not: it is an empty node)."""
    return client.state().jax.pytree.all_leaves(registry(), iterable)
