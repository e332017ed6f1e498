"""Array creation: zeros/ones/full/empty (and *_like), arange, linspace, eye, identity.
(asarray and array live in _util, tri in _manip: the modules below this one need them.)"""
import operator

import numpy as np

from .. import dtypes, lax, runtime
from ..core import Tracer, concrete_or_error, concrete_shape, get_aval
from ..dispatch import eager
from ._manip import broadcast_to, concatenate, expand_dims, moveaxis
from ._ufuncs import add, multiply, subtract, true_divide
from ._util import asarray, convert, with_device

__all__ = ["arange", "empty", "empty_like", "eye", "full", "full_like", "identity", "linspace",
           "ones", "ones_like", "zeros", "zeros_like"]


def _dtype_or(dtype, default, op):
    return dtypes.check_dtype(dtype, op) if dtype is not None else default


@with_device
@eager(static_argnames=("shape", "dtype"))
def full(shape, fill_value, dtype=None):
    """An array of `shape` filled with `fill_value`."""
    shape = concrete_shape(shape, "full")
    dtype = _dtype_or(dtype, None, "full")
    if type(fill_value) is int and dtype is not None:
        # As JAX: converted on the host, so it need only fit `dtype` (full(2, 2**40,
        # float32)); an integer dtype wraps it (full(2, 1000, int8) is -24, as `astype`)
        fill_value = np.asarray(fill_value).astype(dtype)
    fill_aval = get_aval(fill_value) if not isinstance(fill_value, (list, tuple)) else None
    if fill_aval is None:
        fill_value = asarray(fill_value, dtype)
        fill_aval = get_aval(fill_value)
    weak = dtype is None and fill_aval.weak_type  # full(shape, 2.0) is weak, as in JAX
    dtype = fill_aval.dtype if dtype is None else dtype
    if fill_aval.shape != ():
        return broadcast_to(asarray(fill_value, dtype), shape)
    value = convert("full", fill_value, fill_aval, dtype, weak)
    if shape == () and not isinstance(value, Tracer):
        return asarray(value) if weak else asarray(value, dtype)
    return lax.broadcast_in_dim(value, shape, ())


@with_device
@eager(static_argnames=("shape", "dtype"))
def zeros(shape, dtype=None):
    return full(shape, 0, _dtype_or(dtype, dtypes.default_float(), "zeros"))


@with_device
@eager(static_argnames=("shape", "dtype"))
def ones(shape, dtype=None):
    return full(shape, 1, _dtype_or(dtype, dtypes.default_float(), "ones"))


@with_device
@eager(static_argnames=("shape", "dtype"))
def empty(shape, dtype=None):
    return full(shape, 0, _dtype_or(dtype, dtypes.default_float(), "empty"))


def _full_like(op, a, fill_value, dtype, shape):
    """fill_value in a's shape and dtype (unless given), weakly typed as a is (as JAX)."""
    aval = get_aval(a)
    result_dtype = _dtype_or(dtype, aval.dtype, op)
    result = full(aval.shape if shape is None else concrete_shape(shape, op), fill_value,
                  result_dtype)
    if dtype is None and aval.weak_type:
        result = lax.convert_element_type(result, result_dtype, weak_type=True)
    return result


@with_device
@eager(static_argnames=("dtype", "shape"))
def full_like(a, fill_value, dtype=None, shape=None):
    return _full_like("full_like", a, fill_value, dtype, shape)


@with_device
@eager(static_argnames=("dtype", "shape"))
def zeros_like(a, dtype=None, shape=None):
    return _full_like("zeros_like", a, 0, dtype, shape)


@with_device
@eager(static_argnames=("dtype", "shape"))
def ones_like(a, dtype=None, shape=None):
    return _full_like("ones_like", a, 1, dtype, shape)


@with_device
@eager(static_argnames=("dtype", "shape"))
def empty_like(a, dtype=None, shape=None):
    return zeros_like(a, dtype, shape)


@with_device
def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in [start, stop); the bounds must be concrete."""
    start = concrete_or_error(start, "arange start")
    stop = concrete_or_error(stop, "arange stop")
    step = concrete_or_error(step, "arange step")
    values = [v for v in (start, stop, step) if v is not None]
    for v in values:
        if not isinstance(v, (int, float, np.number, np.ndarray)) and type(v) is not runtime.array_type():
            raise TypeError(f"arange: expected numbers, got {v!r}")
    values = [np.asarray(v).item() if not isinstance(v, (int, float)) else v
              for v in values]
    if dtype is None:
        kinds = [type(v) for v in values]
        dtype = dtypes.default_float() if float in kinds else dtypes.default_int()
    dtype = dtypes.check_dtype(dtype, "arange")
    if stop is None and step is None and dtypes.kind(dtype) in "iu":
        n = max(operator.index(values[0]), 0)
        return lax.iota(dtype, n)
    host = np.arange(*[start, stop, step][:3 if step is not None else (2 if stop is not None else 1)])
    return asarray(host.astype(dtype))


@with_device
@eager(static_argnames=("num", "endpoint", "retstep", "dtype", "axis"))
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from start to stop (traced bounds are fine)."""
    num = operator.index(concrete_or_error(num, "linspace num"))
    if num < 0:
        raise ValueError(f"linspace: number of samples, {num}, must be non-negative")
    start, stop = asarray(start), asarray(stop)
    if dtype is None:  # the bounds' type, at least the default float (as JAX: complex bounds
        dtype = dtypes.result_type(start, stop, dtypes.default_float())  # give complex)
    dtype = dtypes.check_dtype(dtype, "linspace")
    compute = dtypes.default_float() if dtypes.kind(dtype) not in "fc" else dtype
    start, stop = asarray(start, compute), asarray(stop, compute)
    div = (num - 1) if endpoint else num
    delta = subtract(stop, start)
    index_shape = (num,) + (1,) * start.ndim
    steps = lax.broadcasted_iota(compute, index_shape, 0)
    if num > 1 or not endpoint:
        step = true_divide(delta, max(div, 1))
        out = add(multiply(steps, step), start)
        if endpoint and num > 1:
            out = concatenate([out[:-1], expand_dims(stop, 0)], axis=0)
    else:
        step = delta
        out = add(multiply(steps, 0), start)
    out = moveaxis(out, 0, axis) if start.ndim else out
    out = out.astype(dtype) if dtypes.kind(dtype) not in "fc" else out
    return (out, step) if retstep else out


@with_device
@eager(static_argnames=("N", "M", "k", "dtype"))
def eye(N, M=None, k=0, dtype=None):
    """A 2-D array with ones on diagonal k."""
    N = operator.index(concrete_or_error(N, "eye N"))
    M = N if M is None else operator.index(concrete_or_error(M, "eye M"))
    if N < 0 or M < 0:
        raise ValueError(f"eye: negative dimensions are not allowed, got N={N}, M={M}")
    dtype = _dtype_or(dtype, dtypes.default_float(), "eye")
    rows = lax.broadcasted_iota(dtypes.int32, (N, M), 0)
    cols = lax.broadcasted_iota(dtypes.int32, (N, M), 1)
    return lax.convert_element_type(lax.eq(lax.add(rows, np.int32(k)), cols), dtype)


@eager(static_argnames=("n", "dtype"))
def identity(n, dtype=None):
    return eye(n, dtype=_dtype_or(dtype, dtypes.default_float(), "identity"))
