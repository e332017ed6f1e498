"""NumPy semantics on top of lax: dtype promotion (JAX's lattice, weak Python scalars),
broadcasting, and turning any array-like into something lax accepts."""
import builtins

import numpy as np

from .. import dtypes, lax
from ..core import Tracer, get_aval

_python_scalars = (builtins.bool, builtins.int, builtins.float, builtins.complex)
_scalar_for_kind = {"b": builtins.bool, "i": builtins.int, "u": builtins.int,
                    "f": builtins.float, "c": builtins.complex}


def aval_or_error(op, x):
    try:
        return get_aval(x)
    except TypeError:
        raise TypeError(f"{op}: expected an array-like argument, got {x!r} of type "
                        f"{type(x).__name__}; xlafront.numpy accepts Arrays, NumPy arrays, "
                        "Python scalars and (nested) lists of them") from None


def broadcast_shapes(op, *shapes):
    """NumPy's broadcast of `shapes`, or ValueError naming the operation and the shapes."""
    ndim = builtins.max((len(s) for s in shapes), default=0)
    result = []
    for dims in zip(*[(1,) * (ndim - len(s)) + tuple(s) for s in shapes]):
        sizes = {d for d in dims if d != 1}
        if len(sizes) > 1:
            raise ValueError(f"{op}: incompatible shapes for broadcasting: "
                             f"{', '.join(str(tuple(s)) for s in shapes)}")
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


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
        if isinstance(x, builtins.int) and dtypes.kind(dtype) in "iu" and not isinstance(x, builtins.bool):
            dtypes.check_python_int(x, dtype)
        return np.asarray(x, dtype)
    return lax.convert_element_type(x, dtype, weak)


def promote_dtypes(op, *args):
    """args converted to their common dtype (JAX's promotion lattice)."""
    avals = [aval_or_error(op, x) for x in args]
    dtype, weak = dtypes.promote_types(*[(a.dtype, a.weak_type) for a in avals])
    return [convert(op, x, a, dtype, weak) for x, a in zip(args, avals)], dtype


def promote_args(op, *args, full_broadcast=False):
    """args promoted to one dtype and broadcast to one shape (rank-0 operands stay rank-0
    unless `full_broadcast`, since elementwise lax ops accept them)."""
    if len(args) == 2:
        a, b = args
        if type(a) is type(b) and not isinstance(a, _python_scalars):
            if get_aval(a) == get_aval(b):
                return list(args)
    args = [np.asarray(x) if isinstance(x, (list, tuple)) else x for x in args]
    converted, _ = promote_dtypes(op, *args)
    shapes = [get_aval(x).shape for x in converted]
    shape = broadcast_shapes(op, *shapes)
    return [x if s == shape or (s == () and not full_broadcast) else broadcast_to_shape(x, shape)
            for x, s in zip(converted, shapes)]


def promote_inexact(op, *args, full_broadcast=False):
    """Like promote_args, then ints and bools go to the default float type."""
    args = promote_args(op, *args, full_broadcast=full_broadcast)
    aval = get_aval(args[0])
    if dtypes.is_inexact(aval.dtype):
        return args
    weak = builtins.all(get_aval(a).weak_type for a in args)
    target = dtypes.default_float()
    return [convert(op, x, get_aval(x), target, weak) for x in args]


def check_arraylike(op, *args):
    for x in args:
        aval_or_error(op, x)


def is_traced(x):
    return isinstance(x, Tracer)


def canonical_axis(op, axis, ndim):
    return lax.base.normalize_axis(op, axis, ndim)


def canonical_axes(op, axis, ndim):
    """None -> all axes; an int or tuple -> a tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return lax.base.normalize_axes(op, axis, ndim)
    return (canonical_axis(op, axis, ndim),)
