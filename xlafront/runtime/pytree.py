"""Pytrees' engine: jaxlib's C++ registry, which jit's C++ dispatcher shares. Node types
registered before jaxlib loads wait in `_pending` and are applied when it does."""
import threading

from . import client

_lock = threading.Lock()
_pending = []  # ("node", type, flatten, unflatten, with_keys) or ("dataclass", type, data, meta)
_registry = None  # the C++ registry once every registration is applied, else None


def _apply(registry, entry):
    if entry[0] == "node":
        _, nodetype, flatten, unflatten, with_keys = entry
        registry.register_node(nodetype, flatten, unflatten, with_keys)
    else:
        _, nodetype, data_fields, meta_fields = entry
        registry.register_dataclass_node(nodetype, data_fields, meta_fields)


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
        for entry in _pending:
            _apply(rt.registry, entry)
        _pending.clear()
        _registry = rt.registry
    return _registry


def register(entry):
    """Registers a node type (see _pending for the entry's form), now if jaxlib is loaded."""
    global _registry
    with _lock:
        _pending.append(entry)
        _registry = None
    if client.is_loaded():
        _build()


def dict_key(key):
    """jaxlib's pytree DictKey for `key` (the path entry of a dict-like node)."""
    return client.state().jax.pytree.DictKey(key)


def treedef_tuple(treedefs):
    return client.state().jax.pytree.treedef_tuple(registry(), list(treedefs))
