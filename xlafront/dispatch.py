"""Eager execution: with no transformation active, a primitive runs as a one-op program,
compiled once per (primitive, params, input types) and called through the same C++ jit
dispatcher as user `jit` functions. IR carried as a param (pjit, cond, scan ...) counts by
its structure, not its identity, so re-deriving the same program does not recompile."""
from .core import Jaxpr, bind, jaxpr_fingerprint

_callables = {}


def _param_key(value):
    if type(value) is Jaxpr:
        return jaxpr_fingerprint(value)
    if type(value) is tuple:
        return tuple(_param_key(v) for v in value)
    return value


def _prim_callable(prim, params):
    from .api import jit

    def run(*args):
        return bind(prim, *args, **params)

    run.__name__ = prim.name
    return jit(run)


def apply_primitive(prim, args, params):
    key = (prim, *((k, _param_key(v)) for k, v in params.items())) if params else prim
    try:
        fn = _callables[key]
    except KeyError:
        fn = _callables[key] = _prim_callable(prim, params)
    except TypeError:  # an unhashable param (never from lax's wrappers): compile uncached
        fn = _prim_callable(prim, params)
    out = fn(*args)
    return out if prim.multiple_results else [out]
