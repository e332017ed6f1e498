"""Eager execution, one policy for everything public: with no transformation active, a
lax or NumPy function runs as ONE compiled program per signature (`eager`), and a bare
primitive as a one-op program (`apply_primitive`), both cached and called through the same
C++ jit dispatcher as user `jit` functions. Under a transformation they are plain traced
lax. IR carried as a param (pjit, cond, scan ...) counts by its structure, not its
identity, so re-deriving the same program does not recompile."""
import builtins
import functools
import sys

import numpy as np

from . import core, runtime
from .config import config
from .errors import user_facing
from .core import bind, get_aval, param_key, register_eager_apply
from .jit import jit, normalize_static

# (primitive, params) -> its jitted one-op program; the oldest is forgotten first
_callables = runtime.make_cache("eager one-op programs", max_size=8192)
# a scalar operand's (type, value, x64) -> its device array
_scalars = runtime.make_cache("device scalars", max_size=4096)
_PY_SCALARS = (bool, int, float, complex)


def _is_host_scalar(x):
    return type(x) in _PY_SCALARS or (isinstance(x, (np.ndarray, np.generic)) and x.ndim == 0)


def scalar_array(value):
    """A host scalar operand as a device array (weakly typed for Python scalars), cached:
    jaxlib's dispatcher copies a host value to the device on every call, while an Array it
    just passes on; eager code reuses a few constants (2.0, 1, 0.5) all the time."""
    t = type(value)
    if t is float:  # -0.0 and NaN (equal to 0.0, or to nothing) by their repr
        key = (t, value if value == value and value else repr(value), _x64)
    elif t is int or t is bool:
        key = (t, value, _x64)
    elif t is complex:
        key = (t, repr(value), _x64)
    else:
        key = (value.dtype, value.tobytes(), _x64)
    array = _scalars.get(key)
    if array is None:
        array = _scalars[key] = runtime.device_put(value, get_aval(value), committed=False)
    return array


def _set_x64(value):
    global _x64
    _x64 = bool(value)


_x64 = bool(config.read("enable_x64"))  # the switch, read once per change (scalar keys)
config.on_change("enable_x64", _set_x64)


def _prim_callable(prim, params):

    def run(*args):
        return bind(prim, *args, **params)

    run.__name__ = prim.name
    return jit(run)


def apply_primitive(prim, args, params):
    key = (prim, *((k, param_key(v)) for k, v in params.items())) if params else prim
    try:
        fn = _callables[key]
    except KeyError:
        fn = _callables[key] = _prim_callable(prim, params)
    except TypeError:  # an unhashable param (never from lax's wrappers): compile uncached
        fn = _prim_callable(prim, params)
    if any(_is_host_scalar(a) for a in args):
        args = [scalar_array(a) if _is_host_scalar(a) else a for a in args]
    if config.read("disable_jit"):  # a primitive still runs compiled (the C++ dispatcher
        out = fn._xf_jit.cache_miss(*args)[0]  # would call `run` itself, which binds again)
    else:
        out = fn(*args)
    return out if prim.multiple_results else [out]


register_eager_apply(apply_primitive)


# ---------------------------------------------------------------------------------------
# The eager policy for public functions

_aval_handlers = core.aval_handlers  # Array type -> aval (the runtime fills it in place)
_current_trace, _eval_trace = core.current_trace, core.eval_trace


def _scalars_may_be_traced(args):
    """Whether the Python scalars among args may become traced values: floats and complex
    always; ints and bools when they fit int32 (a larger int must reach the plain path,
    where converting it raises OverflowError as in JAX). Their values decide nothing else:
    an int is a weak int32 that a narrower integer operand's dtype wraps, in a compiled
    program as on the plain path (int8 + 1000 is int8 + -24)."""
    for a in args:
        if type(a) is int or type(a) is bool:
            break
    else:
        return True
    ints = [a for a in args if type(a) in (builtins.int, builtins.bool)]
    return builtins.all(-2**31 <= a < 2**31 for a in ints)


def _dynamic_ok(x):
    """Arguments the compiled program may take: Arrays, Python scalars, None, and lists or
    tuples of Arrays (concatenate's operands). Anything else (NumPy arrays, nested lists of
    numbers) takes the plain path, where NumPy's conversion rules apply."""
    t = type(x)
    if t in _aval_handlers or t in _PY_SCALARS or x is None:
        return True
    if t is list or t is tuple:
        return builtins.all(type(v) in _aval_handlers for v in x)
    return False


def eager(fun=None, *, static_argnums=(), static_argnames=()):
    """Decorates a public lax or NumPy function: called with no transformation active on
    Arrays and Python scalars, it runs as one compiled program cached per signature
    (static arguments by value), through jaxlib's C++ dispatcher, as JAX's jitted jnp
    functions do; under a transformation, or with other arguments, it runs `fun` itself as
    plain lax (inlined into the caller's IR). Errors point at the user's line. A static
    argument counts whether passed by position or by name.

    >>> @eager(static_argnames=("axis",))
    ... def total(x, axis=None):
    ...     return lax.reduce_sum(x, (axis,))
    """
    if fun is None:
        return functools.partial(eager, static_argnums=static_argnums,
                                 static_argnames=static_argnames)
    nums = names = jitted = None  # set on the first eager call (import stays cheap)
    n_dynamic = 0  # how many leading parameters are dynamic (before the first static one)

    @functools.wraps(fun)
    def call(*args, **kwargs):
        __tracebackhide__ = True  # noqa: F841
        nonlocal nums, names, jitted, n_dynamic
        try:
            if _current_trace() is not _eval_trace:
                return fun(*args, **kwargs)
            if jitted is None:
                nums, names = normalize_static(fun, static_argnums, static_argnames)
                jitted = jit(fun, static_argnums=nums, static_argnames=names, inline=True)
                nums, names = frozenset(nums), frozenset(names)
                n_dynamic = min(nums, default=sys.maxsize)
            if kwargs or len(args) > n_dynamic:
                args, kwargs = _eager_args(args, kwargs, nums, names)
                if args is None:
                    return fun(*kwargs[0], **kwargs[1])
                return jitted(*args, **kwargs)
            # the common case (ufuncs, operators, np.mean(x)): dynamic arguments only
            for a in args:
                t = type(a)
                if t in _aval_handlers:
                    continue
                if t in _PY_SCALARS:
                    converted = _device_scalars(args)
                    if converted is None:
                        return fun(*args)
                    args = converted
                    break
                if not _dynamic_ok(a):
                    return fun(*args)
            return jitted(*args)
        except Exception as e:
            raise user_facing(e)

    call.eager_fun = fun  # the plain function, for callers already inside a program
    return call


def _device_scalars(args):
    """args (positional, all dynamic) with the Python scalars as cached device scalars
    (jaxlib's dispatcher would copy a Python scalar to the device on every call), or None
    when the call must run plainly: an argument the program cannot take, or Python ints
    whose values matter."""
    out = list(args)
    ints = False
    for i, a in enumerate(out):
        t = type(a)
        if t in _aval_handlers:
            continue
        if t is float or t is complex:
            out[i] = scalar_array(a)
        elif t is int or t is bool:
            ints = True
        elif not _dynamic_ok(a):
            return None
    if ints:
        if not _scalars_may_be_traced(args):
            return None
        for i, a in enumerate(out):
            if type(a) is int or type(a) is bool:
                out[i] = scalar_array(a)
    return out


def _eager_args(args, kwargs, nums, names):
    """(args, kwargs) for the compiled program, Python scalars among the dynamic ones as
    cached device scalars; or (None, (args, kwargs)) when the call must run plainly: an
    unhashable static argument, a dynamic one the program cannot take, or Python ints
    whose values matter."""
    scalars = False
    for i, a in enumerate(args):
        if i in nums:
            if not _hashable(a):
                return None, (args, kwargs)
            continue
        t = type(a)
        if t in _aval_handlers:
            continue
        if t in _PY_SCALARS:
            scalars = True
        elif not _dynamic_ok(a):
            return None, (args, kwargs)
    for k, v in kwargs.items():
        if k in names:
            if not _hashable(v):
                return None, (args, kwargs)
        elif type(v) in _PY_SCALARS:
            scalars = True
        elif not _dynamic_ok(v):
            return None, (args, kwargs)
    if scalars:
        dynamic = [a for i, a in enumerate(args) if i not in nums] + [
            v for k, v in kwargs.items() if k not in names]
        if not _scalars_may_be_traced(dynamic):
            return None, (args, kwargs)
        args = [scalar_array(a) if type(a) in _PY_SCALARS and i not in nums else a
                for i, a in enumerate(args)]
        kwargs = {k: scalar_array(v) if type(v) in _PY_SCALARS and k not in names else v
                  for k, v in kwargs.items()}
    return args, kwargs


def _hashable(x):
    try:
        hash(x)
    except TypeError:
        return False
    return True
