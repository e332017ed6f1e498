"""Eager execution: with no transformation active, a primitive runs as a one-op program,
compiled once per (primitive, params, input types) and called through the same C++ jit
dispatcher as user `jit` functions. IR carried as a param (pjit, cond, scan ...) counts by
its structure, not its identity, so re-deriving the same program does not recompile."""
import numpy as np

from . import dtypes
from .core import Jaxpr, bind, get_aval, jaxpr_fingerprint, register_eager_apply

_callables = {}  # (primitive, params) -> its jitted one-op program, oldest first
_MAX_CALLABLES = 8192
_scalars = {}  # a scalar operand's (type, value, x64) -> its device array
_PY_SCALARS = (bool, int, float, complex)


def _is_host_scalar(x):
    return type(x) in _PY_SCALARS or (isinstance(x, (np.ndarray, np.generic)) and x.ndim == 0)


def scalar_array(value):
    """A host scalar operand as a device array (weakly typed for Python scalars), cached:
    jaxlib's dispatcher copies a host value to the device on every call, while an Array it
    just passes on; eager code reuses a few constants (2.0, 1, 0.5) all the time."""
    if type(value) in _PY_SCALARS:
        key = (type(value), repr(value) if type(value) in (float, complex) else value)
    else:
        key = (value.dtype, value.tobytes())
    key += (dtypes.x64_enabled(),)
    array = _scalars.get(key)
    if array is None:
        from . import runtime
        if len(_scalars) >= 4096:
            _scalars.clear()
        array = _scalars[key] = runtime.device_put(value, get_aval(value), committed=False)
    return array


def _param_key(value):
    if type(value) is Jaxpr:
        return jaxpr_fingerprint(value)
    if type(value) is tuple:
        return tuple(_param_key(v) for v in value)
    return value


def _prim_callable(prim, params):
    from .jit import jit

    def run(*args):
        return bind(prim, *args, **params)

    run.__name__ = prim.name
    return jit(run)


def apply_primitive(prim, args, params):
    key = (prim, *((k, _param_key(v)) for k, v in params.items())) if params else prim
    try:
        fn = _callables[key]
    except KeyError:
        if len(_callables) >= _MAX_CALLABLES:  # forget the oldest one-op program
            del _callables[next(iter(_callables))]
        fn = _callables[key] = _prim_callable(prim, params)
    except TypeError:  # an unhashable param (never from lax's wrappers): compile uncached
        fn = _prim_callable(prim, params)
    if any(_is_host_scalar(a) for a in args):
        args = [scalar_array(a) if _is_host_scalar(a) else a for a in args]
    out = fn(*args)
    return out if prim.multiple_results else [out]


register_eager_apply(apply_primitive)
