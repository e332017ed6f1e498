"""Eager execution: with no transformation active, a primitive runs as a one-op program,
compiled once per (primitive, params, input types) and called through the same C++ jit
dispatcher as user `jit` functions."""
from .core import bind

_callables = {}


def _prim_callable(prim, params):
    from .api import jit

    def run(*args):
        return bind(prim, *args, **params)

    run.__name__ = prim.name
    return jit(run)


def apply_primitive(prim, args, params):
    key = (prim, *params.items()) if params else prim
    try:
        fn = _callables[key]
    except KeyError:
        fn = _callables[key] = _prim_callable(prim, params)
    except TypeError:  # an unhashable param (never from lax's wrappers): compile uncached
        fn = _prim_callable(prim, params)
    out = fn(*args)
    return out if prim.multiple_results else [out]
