"""Reductions: sum, prod, max, min, all, any (one maker), mean, var, std, argmax, argmin,
and comparisons of whole arrays (allclose, array_equal)."""
import numpy as np

from .. import dtypes, lax
from ..core import get_aval
from ..dispatch import eager
from ._manip import where as where_
from ._ufuncs import add, equal, isfinite, isnan, logical_and, logical_or, maximum, minimum, multiply
from ._util import (array_like, asarray, aval_or_error, broadcast_to_shape, canonical_axes,
                    canonical_axis, convert, named, promote_args, promote_inexact, scalar_of)

__all__ = ["all_", "allclose", "amax", "amin", "any_", "argmax", "argmin", "array_equal",
           "count_nonzero", "cumprod", "cumsum", "isclose", "max_", "mean", "min_", "prod",
           "std", "sum_", "var"]


def _as_array_like(op, a):
    a = array_like(a)
    return a, aval_or_error(op, a)


def _keep(x, axes, ndim):
    shape = list(get_aval(x).shape)
    for ax in sorted(axes):
        shape.insert(ax, 1)
    return lax.reshape(x, tuple(shape))


def _reduction(name, lax_reduce, identity, sum_like=False, bool_out=False, no_empty=False):
    def reduce(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
        if out is not None:
            raise TypeError(f"{name}: the `out` argument is not supported: xlafront arrays are "
                            "immutable; use the return value")
        a, aval = _as_array_like(name, a)
        axes = canonical_axes(name, axis, aval.ndim)
        if bool_out:
            target = dtypes.bool_
        elif dtype is not None:
            target = dtypes.check_dtype(dtype, name)
        elif sum_like and dtypes.kind(aval.dtype) in "bi":
            target = dtypes.default_int() if aval.dtype.itemsize < dtypes.default_int().itemsize or aval.dtype == dtypes.bool_ else aval.dtype
        elif sum_like and dtypes.kind(aval.dtype) == "u":
            target = dtypes.default_uint() if aval.dtype.itemsize < dtypes.default_uint().itemsize else aval.dtype
        else:
            target = aval.dtype
        x = convert(name, a, aval, target, False) if target != aval.dtype else a
        if bool_out and aval.dtype != dtypes.bool_:
            x = lax.ne(a, np.zeros((), aval.dtype))
        if no_empty and initial is None and any(aval.shape[ax] == 0 for ax in axes):
            raise ValueError(f"{name}: zero-size array to reduction operation {name} which has no "
                             f"identity (shape {aval.shape}, axis {axis}); pass `initial`")
        if where is not None:
            fill = identity(target) if initial is None else initial
            x = where_(where, x, scalar_of(fill, target))
        # as JAX: sums and products of 16-bit floats accumulate in float32
        compute = dtypes.float32 if sum_like and target in (dtypes.float16, dtypes.bfloat16) \
            else target
        if compute != target:
            x = lax.convert_element_type(x, compute)
        result = lax_reduce(x, axes)
        if initial is not None:
            combine = {"sum": add, "prod": multiply, "max": maximum, "min": minimum}[name]
            result = combine(result, scalar_of(initial, compute))
        if compute != target:
            result = lax.convert_element_type(result, target)
        if keepdims:
            result = _keep(result, axes, aval.ndim)
        return result

    reduce.__doc__ = f"NumPy's `{name}` over `axis` (all axes if None)."
    return eager(named(name)(reduce), static_argnames=("axis", "dtype", "keepdims"))


sum_ = _reduction("sum", lax.reduce_sum, lambda d: 0, sum_like=True)
prod = _reduction("prod", lax.reduce_prod, lambda d: 1, sum_like=True)
max_ = amax = _reduction("max", lax.reduce_max, dtypes.lowest, no_empty=True)
min_ = amin = _reduction("min", lax.reduce_min, dtypes.highest, no_empty=True)
all_ = _reduction("all", lax.reduce_and, lambda d: True, bool_out=True)
any_ = _reduction("any", lax.reduce_or, lambda d: False, bool_out=True)


def _where_count(aval, axes, axis, where, keepdims, dtype):
    """How many elements a reduction over `axes` sees: all of them, or those `where` selects
    (then an array of the reduction's result shape)."""
    if where is None:
        n = 1
        for ax in axes:
            n *= aval.shape[ax]
        return np.array(n, dtype)
    where, _ = _as_array_like("where", where)
    where = broadcast_to_shape(where, aval.shape)
    return sum_(where, axis=axis, dtype=dtype, keepdims=keepdims)


@eager(static_argnames=("axis", "dtype", "keepdims"))
def mean(a, axis=None, dtype=None, out=None, keepdims=False, where=None):
    """Arithmetic mean; integer inputs average in float32 (float64 for 64-bit ones), as
    in JAX."""
    a, aval = _as_array_like("mean", a)
    axes = canonical_axes("mean", axis, aval.ndim)
    target = dtypes.check_dtype(dtype, "mean") if dtype is not None else \
        dtypes.to_inexact(aval.dtype)
    compute = dtypes.float32 if target in (dtypes.float16, dtypes.bfloat16) else target
    total = sum_(a, axis=axis, dtype=compute, keepdims=keepdims, where=where)
    result = lax.div(total, _where_count(aval, axes, axis, where, keepdims, compute))
    return lax.convert_element_type(result, target) if compute != target else result


@eager(static_argnames=("axis", "dtype", "ddof", "keepdims", "correction"))
def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, correction=None):
    """Variance: mean of squared deviations, divided by N - ddof."""
    if correction is not None:
        ddof = correction
    a, aval = _as_array_like("var", a)
    axes = canonical_axes("var", axis, aval.ndim)
    target = dtypes.check_dtype(dtype, "var") if dtype is not None else \
        dtypes.to_inexact(aval.dtype)
    x = convert("var", a, aval, target, False)
    centered = lax.sub(x, broadcast_to_shape(mean(x, axis=axis, keepdims=True, where=where),
                                             aval.shape))
    if dtypes.kind(target) == "c":
        squared = lax.real(lax.mul(centered, lax.conj(centered)))
    else:
        squared = lax.mul(centered, centered)
    total = sum_(squared, axis=axis, keepdims=keepdims, where=where)
    real_dtype = get_aval(total).dtype
    count = _where_count(aval, axes, axis, where, keepdims, real_dtype)
    return lax.div(total, lax.sub(count, np.array(ddof, real_dtype)))


@eager(static_argnames=("axis", "dtype", "ddof", "keepdims", "correction"))
def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, correction=None):
    return lax.sqrt(var(a, axis, dtype, out, ddof, keepdims, where, correction))


def _arg_reduction(name, lax_fn):
    def reduce(a, axis=None, out=None, keepdims=False):
        a, aval = _as_array_like(name, a)
        if aval.size == 0:
            raise ValueError(f"{name}: attempt to get {name} of an empty sequence")
        if axis is None:
            flat = lax.reshape(a, (aval.size,))
            result = lax_fn(flat, 0, dtypes.default_int())
            return lax.reshape(result, (1,) * aval.ndim) if keepdims else result
        ax = canonical_axis(name, axis, aval.ndim)
        result = lax_fn(a, ax, dtypes.default_int())
        return _keep(result, (ax,), aval.ndim) if keepdims else result

    reduce.__doc__ = f"Index of the {name[3:]}imum along `axis` (of the flattened array if None)."
    return eager(named(name)(reduce), static_argnames=("axis", "keepdims"))


argmax = _arg_reduction("argmax", lax.argmax)
argmin = _arg_reduction("argmin", lax.argmin)


@eager(static_argnames=("rtol", "atol", "equal_nan"))
def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|a - b| <= atol + rtol * |b| where both are finite; infinities are close only to
    themselves, NaNs to nothing (unless equal_nan). Integers compare as floats, as in NumPy."""
    # (promoted first, as in JAX: a Python int beside int8 values wraps before the compare)
    a, b = promote_inexact("isclose", *promote_args("isclose", a, b), full_broadcast=True)
    diff = lax.abs(lax.sub(a, b))
    real_dtype = get_aval(diff).dtype
    tol = lax.add(np.array(atol, real_dtype), lax.mul(np.array(rtol, real_dtype), lax.abs(b)))
    finite = logical_and(isfinite(a), isfinite(b))
    close = lax.select(finite, lax.le(diff, tol), lax.eq(a, b))
    if equal_nan:
        close = logical_or(close, logical_and(isnan(a), isnan(b)))
    return close


@eager(static_argnames=("rtol", "atol", "equal_nan"))
def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return all_(isclose(a, b, rtol, atol, equal_nan))


@eager(static_argnames="equal_nan")
def array_equal(a1, a2, equal_nan=False):
    a1, a2 = array_like(a1), array_like(a2)
    if get_aval(a1).shape != get_aval(a2).shape:
        return asarray(False)
    eq = equal(a1, a2)
    if equal_nan:
        eq = logical_or(eq, logical_and(isnan(a1), isnan(a2)))
    return all_(eq)


@eager(static_argnames=("axis", "keepdims"))
def count_nonzero(a, axis=None, keepdims=False):
    a, aval = _as_array_like("count_nonzero", a)
    return sum_(lax.ne(a, np.zeros((), aval.dtype)), axis=axis, keepdims=keepdims)


def _cumulative(name, lax_fn):
    def reduce(a, axis=None, dtype=None, out=None):
        if out is not None:
            raise TypeError(f"{name}: the `out` argument is not supported: xlafront arrays are "
                            "immutable; use the return value")
        a, aval = _as_array_like(name, a)
        if axis is None or aval.ndim == 0:  # over the flattened array
            a = lax.reshape(a, (aval.size,))
            aval = get_aval(a)
            axis = 0
        ax = canonical_axis(name, axis, aval.ndim)
        # As in JAX: bools accumulate in the default integer type, other dtypes in their
        # own; an explicit bool dtype counts nonzeros and converts back.
        if dtype is None:
            result = dtypes.default_int() if aval.dtype == dtypes.bool_ else aval.dtype
            computation = result
        else:
            result = dtypes.check_dtype(dtype, name)
            computation = result
            if result == dtypes.bool_:
                if aval.dtype != dtypes.bool_:
                    a = lax.ne(a, np.zeros((), aval.dtype))
                    aval = get_aval(a)
                computation = dtypes.default_int()
        x = convert(name, a, aval, computation, False)
        out_ = lax_fn(x, ax)
        return lax.convert_element_type(out_, result) if result != computation else out_

    reduce.__doc__ = (f"NumPy's `{name}` along `axis` (over the flattened array if None); "
                      "bools accumulate as the default integer type.")
    return eager(named(name)(reduce), static_argnames=("axis", "dtype"))


cumsum = _cumulative("cumsum", lambda x, axis: lax.cumsum(x, axis))  # (lax.cumulative loads
cumprod = _cumulative("cumprod", lambda x, axis: lax.cumprod(x, axis))  # on first use)
