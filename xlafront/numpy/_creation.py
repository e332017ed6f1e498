"""Array creation: array/asarray, zeros/ones/full/empty (and *_like), arange, linspace,
eye, identity, tri."""
import builtins
import operator

import numpy as np

from .. import dtypes, lax, runtime
from ..core import ShapedArray, Tracer, concrete_or_error, concrete_shape, get_aval
from ._util import _python_scalars, convert


def _contains_arrays(x):
    if isinstance(x, (list, tuple)):
        return builtins.any(_contains_arrays(v) for v in x)
    return isinstance(x, Tracer) or type(x) is runtime.array_type()


def asarray(a, dtype=None, order=None, copy=None):
    """`a` as an xlafront Array (on the default device), converted to `dtype` if given.

    >>> asarray([1.0, 2.0])
    Array([1., 2.], dtype=float32)
    """
    dtype = dtypes.check_dtype(dtype, "asarray")
    if isinstance(a, Tracer) or (runtime.is_loaded() and type(a) is runtime.array_type()):
        aval = a.aval
        return a if dtype is None or aval.dtype == dtype else lax.convert_element_type(a, dtype)
    if isinstance(a, _python_scalars):
        aval = get_aval(a)
        if dtype is not None:
            return runtime.device_put(np.asarray(convert("asarray", a, aval, dtype, False)),
                                      ShapedArray((), dtype))
        return runtime.device_put(a, aval)
    if isinstance(a, (list, tuple)) and _contains_arrays(a):
        from ._manip import stack
        return stack([asarray(x, dtype) for x in a])
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
    if host.dtype == object or host.dtype.kind in "USV" and host.dtype not in dtypes.floats:
        raise TypeError(f"asarray: cannot convert {a!r} (NumPy dtype {host.dtype}) to an array "
                        "of numbers")
    target = dtype if dtype is not None else dtypes.canonicalize(host.dtype)
    if host.dtype.kind in "iu" and target.kind in "iu" and host.size and target != host.dtype:
        info = np.iinfo(target)
        if host.min() < info.min or host.max() > info.max:
            raise OverflowError(f"asarray: values out of range for {target.name}")
    return runtime.device_put(host.astype(target, copy=False), ShapedArray(host.shape, target))


def array(object, dtype=None, copy=True, order="K", ndmin=0):  # noqa: A002
    """Like asarray; with `ndmin`, prepends axes up to that rank."""
    out = asarray(object, dtype)
    if ndmin > out.ndim:
        out = lax.reshape(out, (1,) * (ndmin - out.ndim) + out.shape)
    return out


def _dtype_or(dtype, default):
    return dtypes.check_dtype(dtype) if dtype is not None else default


def full(shape, fill_value, dtype=None):
    """An array of `shape` filled with `fill_value`."""
    shape = concrete_shape(shape, "full")
    fill_aval = get_aval(fill_value) if not isinstance(fill_value, (list, tuple)) else None
    if fill_aval is None:
        fill_value = asarray(fill_value, dtype)
        fill_aval = get_aval(fill_value)
    weak = dtype is None and fill_aval.weak_type  # full(shape, 2.0) is weak, as in JAX
    dtype = _dtype_or(dtype, fill_aval.dtype)
    if fill_aval.shape != ():
        from ._manip import broadcast_to
        return broadcast_to(asarray(fill_value, dtype), shape)
    value = convert("full", fill_value, fill_aval, dtype, weak)
    if shape == () and not isinstance(value, Tracer):
        return asarray(value) if weak else asarray(value, dtype)
    return lax.broadcast_in_dim(value, shape, ())


def zeros(shape, dtype=None):
    return full(shape, 0, _dtype_or(dtype, dtypes.default_float()))


def ones(shape, dtype=None):
    return full(shape, 1, _dtype_or(dtype, dtypes.default_float()))


def empty(shape, dtype=None):
    return zeros(shape, dtype)


def _like(op, a, dtype, shape):
    aval = get_aval(a)
    return (_dtype_or(dtype, aval.dtype),
            aval.shape if shape is None else concrete_shape(shape, op))


def full_like(a, fill_value, dtype=None, shape=None):
    dtype, shape = _like("full_like", a, dtype, shape)
    return full(shape, fill_value, dtype)


def zeros_like(a, dtype=None, shape=None):
    dtype, shape = _like("zeros_like", a, dtype, shape)
    return full(shape, 0, dtype)


def ones_like(a, dtype=None, shape=None):
    dtype, shape = _like("ones_like", a, dtype, shape)
    return full(shape, 1, dtype)


def empty_like(a, dtype=None, shape=None):
    return zeros_like(a, dtype, shape)


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in [start, stop); the bounds must be concrete."""
    start = concrete_or_error(start, "arange start")
    stop = concrete_or_error(stop, "arange stop")
    step = concrete_or_error(step, "arange step")
    values = [v for v in (start, stop, step) if v is not None]
    for v in values:
        if not isinstance(v, (builtins.int, builtins.float, np.number, np.ndarray)) and type(v) is not runtime.array_type():
            raise TypeError(f"arange: expected numbers, got {v!r}")
    values = [np.asarray(v).item() if not isinstance(v, (builtins.int, builtins.float)) else v
              for v in values]
    if dtype is None:
        kinds = [type(v) for v in values]
        dtype = dtypes.default_float() if builtins.float in kinds else dtypes.default_int()
    dtype = dtypes.check_dtype(dtype, "arange")
    if stop is None and step is None and dtypes.kind(dtype) in "iu":
        n = builtins.max(operator.index(values[0]), 0)
        return lax.iota(dtype, n)
    host = np.arange(*[start, stop, step][:3 if step is not None else (2 if stop is not None else 1)])
    return asarray(host.astype(dtype))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from start to stop (traced bounds are fine)."""
    num = operator.index(concrete_or_error(num, "linspace num"))
    if num < 0:
        raise ValueError(f"linspace: number of samples, {num}, must be non-negative")
    from ._ufuncs import add, multiply, subtract, true_divide
    from ._manip import concatenate, expand_dims, moveaxis
    dtype = dtypes.check_dtype(dtype) if dtype is not None else dtypes.default_float()
    compute = dtypes.default_float() if dtypes.kind(dtype) not in "fc" else dtype
    start, stop = asarray(start, compute), asarray(stop, compute)
    div = (num - 1) if endpoint else num
    delta = subtract(stop, start)
    index_shape = (num,) + (1,) * start.ndim
    steps = lax.broadcasted_iota(compute, index_shape, 0)
    if num > 1 or not endpoint:
        step = true_divide(delta, builtins.max(div, 1))
        out = add(multiply(steps, step), start)
        if endpoint and num > 1:
            out = concatenate([out[:-1], expand_dims(stop, 0)], axis=0)
    else:
        step = delta
        out = add(multiply(steps, 0), start)
    out = moveaxis(out, 0, axis) if start.ndim else out
    out = out.astype(dtype) if dtypes.kind(dtype) not in "fc" else out
    return (out, step) if retstep else out


def eye(N, M=None, k=0, dtype=None):
    """A 2-D array with ones on diagonal k."""
    N = operator.index(concrete_or_error(N, "eye N"))
    M = N if M is None else operator.index(concrete_or_error(M, "eye M"))
    if N < 0 or M < 0:
        raise ValueError(f"eye: negative dimensions are not allowed, got N={N}, M={M}")
    dtype = _dtype_or(dtype, dtypes.default_float())
    rows = lax.broadcasted_iota(dtypes.int32, (N, M), 0)
    cols = lax.broadcasted_iota(dtypes.int32, (N, M), 1)
    return lax.convert_element_type(lax.eq(lax.add(rows, np.int32(k)), cols), dtype)


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):
    """Ones at and below diagonal k."""
    M = N if M is None else M
    dtype = _dtype_or(dtype, dtypes.default_float())
    rows = lax.broadcasted_iota(dtypes.int32, (N, M), 0)
    cols = lax.broadcasted_iota(dtypes.int32, (N, M), 1)
    return lax.convert_element_type(lax.ge(lax.add(rows, np.int32(k)), cols), dtype)
