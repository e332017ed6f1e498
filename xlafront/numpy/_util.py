"""NumPy semantics on top of lax: dtype promotion (JAX's lattice, weak Python scalars),
broadcasting, and turning any array-like into something lax accepts (`asarray`, `array`).

The lowest module of xlafront.numpy; the others import in this order, each only from those
before it: _util < _ufuncs < _manip < _creation < _reductions < _indexing < __init__.
"""
import functools
import inspect
import warnings

import numpy as np

from .. import dtypes, lax, runtime
from ..config import config
from ..core import ShapedArray, Tracer, get_aval
from ..devices import device_put
from ..errors import warn
from ..lax.base import is_array_value, normalize_axes, normalize_axis
from ..lax.shape import broadcast_shapes_for as broadcast_shapes

__all__ = ["array", "asarray"]

_python_scalars = (bool, int, float, complex)
_scalar_for_kind = {"b": bool, "i": int, "u": int, "f": float, "c": complex}


def named(name):
    """Gives a function NumPy's public name (for implementations named e.g. `sum_` so as not
    to shadow a Python builtin, and for functions a maker builds)."""
    def rename(fun):
        fun.__name__ = fun.__qualname__ = name
        return fun
    return rename


def aval_or_error(op, x):
    try:
        return get_aval(x)
    except TypeError:
        hint = ("; convert a list or tuple with np.asarray first, as JAX requires"
                if isinstance(x, (list, tuple)) else "")
        raise TypeError(f"{op}: expected an array or a scalar, got {x!r} of type "
                        f"{type(x).__name__}{hint}") from None


def broadcast_to_shape(x, shape):
    aval = get_aval(x)
    if aval.shape == shape:
        return x
    lead = len(shape) - aval.ndim
    keep = [i for i, n in enumerate(aval.shape) if n == shape[lead + i]]
    if len(keep) != aval.ndim:  # drop size-1 axes that get broadcast
        x = lax.reshape(x, tuple(aval.shape[i] for i in keep))
    return lax.broadcast_in_dim(x, shape, tuple(lead + i for i in keep))


def convert(op, x, aval, dtype, weak):
    """x as dtype (weak if `weak`), converting host values on the host."""
    if isinstance(x, (np.ndarray, np.generic)) and x.dtype != dtype and not weak:
        return np.asarray(x).astype(dtype)  # also canonicalizes 64-bit host values
    if aval.dtype == dtype and aval.weak_type == weak:
        return x
    if isinstance(x, _python_scalars):
        if weak:
            return _scalar_for_kind[dtypes.kind(dtype)](x)
        if isinstance(x, int) and dtypes.kind(dtype) in "iu" and not isinstance(x, bool):
            # As JAX: a Python int is a weak default int (get_aval checked that it fits),
            # which converts to a narrower integer type by wrapping: int8 + 1000 -> -24
            return np.asarray(x, dtypes.default_int()).astype(dtype)
        if isinstance(x, float) and dtypes.kind(dtype) in "iu":
            # as XLA's convert (and so JAX under jit): saturating, NaN to 0
            x = 0 if x != x else int(min(max(x, dtypes.lowest(dtype)), dtypes.highest(dtype)))
        return np.asarray(x, dtype)
    return lax.convert_element_type(x, dtype, weak)


def scalar_of(value, dtype):
    """A scalar operand of `dtype`: on the host for host values (Python or NumPy), converted
    with lax for Arrays and traced values (arguments an eager program traces)."""
    if is_array_value(value):
        aval = get_aval(value)
        return value if aval.dtype == dtype and not aval.weak_type else \
            lax.convert_element_type(value, dtype)
    if isinstance(value, _python_scalars):  # (a Python int wraps, as in convert)
        return convert("scalar", value, get_aval(value), dtype, False)
    return np.asarray(value, dtype)


def promote_dtypes(op, *args, to=None):
    """args converted to their common dtype (JAX's promotion lattice), or to `to` of it:
    each argument converted directly, as JAX's promote_dtypes_inexact does (int8 and 1000
    made inexact give 1000.0, not 1000 wrapped to int8)."""
    avals = [aval_or_error(op, x) for x in args]
    dtype, weak = dtypes.promote_types(*[(a.dtype, a.weak_type) for a in avals])
    if to is not None:
        dtype = to(dtype)
    return [convert(op, x, a, dtype, weak) for x, a in zip(args, avals)], dtype


def promote_args(op, *args, full_broadcast=False, to=None):
    """args promoted to one dtype (see promote_dtypes) and broadcast to one shape (rank-0
    operands stay rank-0 unless `full_broadcast`, since elementwise lax ops accept them)."""
    if len(args) == 2:
        a, b = args
        if type(a) is type(b) and not isinstance(a, _python_scalars):
            aval = get_aval(a)
            if aval == get_aval(b) and (to is None or to(aval.dtype) == aval.dtype):
                return list(args)
    args = [array_like(x) for x in args]
    converted, _ = promote_dtypes(op, *args, to=to)
    shapes = [get_aval(x).shape for x in converted]
    if len({len(s) for s in shapes if s}) > 1:
        _rank_promotion(op, shapes)
    shape = broadcast_shapes(op, *shapes)
    return [x if s == shape or (s == () and not full_broadcast) else broadcast_to_shape(x, shape)
            for x, s in zip(converted, shapes)]


def _rank_promotion(op, shapes):
    """config.numpy_rank_promotion: NumPy's implicit broadcast of operands of different
    ranks (scalars aside) is allowed, warned about, or refused, as in JAX."""
    mode = config.read("numpy_rank_promotion")
    if mode == "allow":
        return
    shapes = " ".join(str(tuple(s)) for s in shapes)
    if mode == "raise":
        raise ValueError(f"Operands could not be broadcast together for {op} on shapes "
                         f"{shapes} and with the config option "
                         "jax_numpy_rank_promotion='raise'.")
    warn(f"Following NumPy automatic rank promotion for {op} on shapes {shapes}. Set the "
         "jax_numpy_rank_promotion config option to 'allow' to disable this warning.")


def promote_inexact(op, *args, full_broadcast=False):
    """Like promote_args, in the inexact type JAX computes the result in (float32 for bools
    and integers up to 32 bits)."""
    return promote_args(op, *args, full_broadcast=full_broadcast, to=dtypes.to_inexact)


def promote_numeric(op, *args, full_broadcast=False):
    """Like promote_args, with booleans as the default integer type (JAX's
    promote_args_numeric: floor_divide(True, True) is int32 1)."""
    return promote_args(op, *args, full_broadcast=full_broadcast, to=dtypes.to_numeric)


def check_arraylike(op, *args):
    for x in args:
        aval_or_error(op, x)


def is_traced(x):
    return isinstance(x, Tracer)


def canonical_axis(op, axis, ndim):
    return normalize_axis(op, axis, ndim)


def canonical_axes(op, axis, ndim):
    """None -> all axes; an int or tuple -> a tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return normalize_axes(op, axis, ndim)
    return (canonical_axis(op, axis, ndim),)


# ---------------------------------------------------------------------------------------
# Conversion: asarray, array, and lists holding arrays

def contains_arrays(x):
    """Whether x (a list or tuple, possibly nested) holds an Array or a traced value."""
    if isinstance(x, (list, tuple)):
        return any(contains_arrays(v) for v in x)
    return isinstance(x, Tracer) or (runtime.is_loaded() and type(x) is runtime.array_type())


def array_like(x):
    """x with lists and tuples made arrays: on the host (NumPy's rules) when they hold only
    numbers, stacked with lax when they hold Arrays or traced values (an eager program
    traces a list of Arrays it is given); anything else unchanged."""
    if isinstance(x, (list, tuple)):
        return asarray(x) if contains_arrays(x) else np.asarray(x)
    return x


def _stack_items(items, dtype):
    """A list holding Arrays (or traced values) as one array along a new leading axis."""
    arrays = [asarray(v, dtype) for v in items]
    shapes = {get_aval(a).shape for a in arrays}
    if len(shapes) > 1:
        raise ValueError(f"asarray: all elements of a list must have the same shape, got "
                         f"{sorted(shapes)}")
    arrays, _ = promote_dtypes("asarray", *arrays)
    return lax.concatenate([lax.expand_dims(a, (0,)) for a in arrays], 0)


def _check_order(op, order):
    if order not in (None, "K"):  # (as JAX: arrays have one layout)
        raise NotImplementedError(f"{op}: only order='K' (or None) is implemented, got "
                                  f"order={order!r}")


def with_device(fun):
    """Adds the Array API's (and JAX's) `device=` keyword to creation function `fun`: the
    result is placed, committed, on that device or single-device sharding."""
    @functools.wraps(fun)
    def call(*args, device=None, **kwargs):
        out = fun(*args, **kwargs)
        return out if device is None else device_put(out, device)
    sig = inspect.signature(fun)
    call.__signature__ = sig.replace(parameters=[*sig.parameters.values(), inspect.Parameter(
        "device", inspect.Parameter.KEYWORD_ONLY, default=None)])
    return call


@with_device
def asarray(a, dtype=None, order=None, *, copy=None):
    """`a` as an xlafront Array (on the default device), converted to `dtype` if given.

    >>> asarray([1.0, 2.0])
    Array([1., 2.], dtype=float32)
    """
    _check_order("asarray", order)
    dtype = dtypes.check_dtype(dtype, "asarray")
    if isinstance(a, Tracer) or (runtime.is_loaded() and type(a) is runtime.array_type()):
        aval = a.aval  # (an explicit dtype makes a weakly typed value strong, as in JAX)
        if dtype is None or (aval.dtype == dtype and not aval.weak_type):
            if copy and not isinstance(a, Tracer):  # a new buffer, as JAX's copy=True
                device = runtime.array_device(a)
                if device is None:  # over several devices (a pmap result)
                    return runtime.copy_array(a)
                return runtime.copy_to_device(a, device, committed=runtime.is_committed(a))
            return a
        return lax.convert_element_type(a, dtype)
    if isinstance(a, _python_scalars):
        if dtype is None:
            return runtime.device_put(a, get_aval(a))
        if type(a) is int and dtypes.kind(dtype) in "iu":
            # an explicit dtype holds what it can hold (asarray(2**32 - 1, uint32)); beyond
            # that OverflowError, as NumPy's (and JAX's) array constructors
            dtypes.check_python_int(a, dtype)
            host = np.asarray(a).astype(dtype)
        else:
            host = np.asarray(convert("asarray", a, get_aval(a), dtype, False))
        return runtime.device_put(host, ShapedArray((), dtype))
    if isinstance(a, (list, tuple)) and contains_arrays(a):
        return _stack_items(a, dtype)
    if hasattr(a, "__jax_array__"):
        return asarray(a.__jax_array__(), dtype)
    if isinstance(a, (str, bytes)) or a is None:
        raise TypeError(f"asarray: cannot convert {a!r} of type {type(a).__name__} to an array; "
                        "pass numbers, lists of numbers or arrays")
    try:
        host = np.asarray(a)
    except Exception as e:
        raise TypeError(f"asarray: cannot convert {a!r} of type {type(a).__name__} to an "
                        f"array: {e}") from None
    if host.dtype == object or host.dtype.kind in "USV" and host.dtype not in dtypes.all_dtypes:
        raise TypeError(f"asarray: cannot convert {a!r} (NumPy dtype {host.dtype}) to an array "
                        "of numbers")
    target = dtype if dtype is not None else dtypes.canonicalize(host.dtype)
    if host.dtype.kind in "iu" and target.kind in "iu" and host.size and target != host.dtype:
        info = np.iinfo(target)
        if host.min() < info.min or host.max() > info.max:
            raise OverflowError(f"asarray: values out of range for {target.name}")
    return runtime.device_put(host.astype(target, copy=False), ShapedArray(host.shape, target))


@with_device
def array(object, dtype=None, *args, copy=True, order="K", ndmin=0):  # noqa: A002
    """Like asarray; with `ndmin`, prepends axes up to that rank. (As JAX, passing copy,
    order and ndmin by position is deprecated.)"""
    if args:
        if len(args) > 3:
            raise TypeError(f"array() takes at most 5 positional arguments but "
                            f"{len(args) + 2} were given")
        warnings.warn("Passing the copy, order, and ndmin arguments to jnp.array positionally "
                      "is deprecated. Use keyword arguments instead.", DeprecationWarning,
                      stacklevel=2)
        copy, order, ndmin = (*args, *(copy, order, ndmin)[len(args):])
    _check_order("array", order)
    out = asarray(object, dtypes.check_dtype(dtype, "array"), copy=copy)
    if ndmin > out.ndim:
        out = lax.reshape(out, (1,) * (ndmin - out.ndim) + out.shape)
    return out
