"""Statistics: the NaN-ignoring reductions (nansum ... nanvar, nanargmax, nancumsum), the
Array API's cumulative_sum/prod, quantiles (quantile, percentile, median and their nan
forms, with every interpolation method of NumPy), average, cov, corrcoef, and counting
(bincount, digitize, histogram, histogram2d, histogramdd, histogram_bin_edges).

After _creation_more in xlafront.numpy's chain."""
import builtins
import math
import operator

import numpy as np

from .. import dtypes, lax
from ..core import Tracer, concrete_or_error, get_aval
from ..dispatch import eager
from ..errors import ConcretizationTypeError, api_boundary
from ._creation import linspace
from ._creation_more import diag, ix_
from ._indexing import _scatter_update, take_along_axis
from ._manip import (atleast_2d, clip, concatenate, dot, moveaxis, reshape, searchsorted,
                     transpose)
from ._manip import where as _where
from ._manip_more import diff, ravel_multi_index
from ._reductions import (all_, any_, argmax, argmin, cumprod, cumsum, max_, mean, min_,
                          prod, sum_)
from ._ufuncs import absolute, conj, imag, isnan, real, sqrt, true_divide
from ._util import (array_like, asarray, aval_or_error, broadcast_to_shape, canonical_axes,
                    canonical_axis, promote_dtypes)

__all__ = ["average", "bincount", "corrcoef", "cov", "cumulative_prod", "cumulative_sum",
           "digitize", "histogram", "histogram2d", "histogram_bin_edges", "histogramdd",
           "median", "nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean",
           "nanmedian", "nanmin", "nanpercentile", "nanprod", "nanquantile", "nanstd", "nansum",
           "nanvar", "percentile", "quantile"]


def _arr(op, a):
    a = asarray(array_like(a))
    return a, aval_or_error(op, a)


def _no_out(op, out):
    if out is not None:
        raise NotImplementedError(f"{op}: the `out` argument is not supported: arrays are "
                                  f"immutable; use the return value")


def _inexact(op, *args):
    """args converted to their common inexact dtype (not broadcast)."""
    return [asarray(x) for x in promote_dtypes(op, *[array_like(a) for a in args],
                                               to=dtypes.to_inexact)[0]]


def _fill_nan(a, value):
    return _where(isnan(a), np.array(value, get_aval(a).dtype), a)


# NaN-ignoring reductions ------------------------------------------------------------------

def _nan_extreme(name, reduction, fill):
    def reduce(a, axis=None, out=None, keepdims=False, initial=None, where=None):
        _no_out(name, out)
        a, aval = _arr(name, a)
        kwargs = {} if initial is None else {"initial": initial}
        if not dtypes.is_inexact(aval.dtype):
            return reduction(a, axis=axis, keepdims=keepdims, where=where, **kwargs)
        out_ = reduction(_fill_nan(a, fill), axis=axis, keepdims=keepdims, where=where, **kwargs)
        if initial is not None:
            return out_
        return _where(all_(isnan(a), axis=axis, keepdims=keepdims), np.nan, out_)
    reduce.__name__ = name
    reduce.__doc__ = (f"NumPy's `{name}`: {name[3:]} over axis ignoring NaNs (NaN where a "
                      f"slice is all NaN).")
    return eager(reduce, static_argnames=("axis", "keepdims"))


nanmax = _nan_extreme("nanmax", max_, -np.inf)
nanmin = _nan_extreme("nanmin", min_, np.inf)


def _nan_total(name, reduction, fill):
    def reduce(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
        _no_out(name, out)
        a, aval = _arr(name, a)
        if dtypes.is_inexact(aval.dtype):
            a = _fill_nan(a, fill)
        kwargs = {} if initial is None else {"initial": initial}
        return reduction(a, axis=axis, dtype=dtype, keepdims=keepdims, where=where, **kwargs)
    reduce.__name__ = name
    reduce.__doc__ = f"NumPy's `{name}`: {name[3:]} over axis with NaNs counted as {fill}."
    return eager(reduce, static_argnames=("axis", "dtype", "keepdims"))


nansum = _nan_total("nansum", sum_, 0)
nanprod = _nan_total("nanprod", prod, 1)


@eager(static_argnames=("axis", "dtype", "keepdims"))
def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, where=None):
    """The mean over axis of the non-NaN elements (NaN for an all-NaN slice)."""
    _no_out("nanmean", out)
    a, aval = _arr("nanmean", a)
    if not dtypes.is_inexact(aval.dtype):
        return mean(a, axis, dtype, keepdims=keepdims, where=where)
    dtype = dtypes.to_inexact(aval.dtype) if dtype is None else dtypes.check_dtype(dtype,
                                                                                  "nanmean")
    count = sum_(lax.bitwise_not(isnan(a)), axis=axis, dtype=dtype, keepdims=keepdims,
                 where=where)
    return lax.div(nansum(a, axis, dtype=dtype, keepdims=keepdims, where=where), count)


@eager(static_argnames=("axis", "dtype", "ddof", "keepdims"))
def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, mean=None):
    """The variance over axis of the non-NaN elements, divided by (count - ddof); NaN where
    that is not positive. `mean`: a precomputed nanmean (with keepdims=True)."""
    _no_out("nanvar", out)
    a, aval = _arr("nanvar", a)
    if dtype is not None:
        dtype = dtypes.check_dtype(dtype, "nanvar")
        if dtypes.kind(dtype) != "c" and dtypes.kind(aval.dtype) == "c":
            raise ValueError("nanvar: a real dtype for the variance of complex values is not "
                             "supported (as in JAX)")
        compute = dtype
    elif not dtypes.is_inexact(aval.dtype):
        dtype = compute = dtypes.to_inexact(aval.dtype)
    else:
        compute, dtype = aval.dtype, dtypes.finfo(aval.dtype).dtype
    if compute in (dtypes.float16, dtypes.bfloat16):
        compute = dtypes.float32
    a = lax.convert_element_type(a, compute)
    if mean is None:
        mean = nanmean(a, axis, dtype=compute, keepdims=True, where=where)
    else:
        mean = lax.convert_element_type(asarray(array_like(mean)), compute)
    centered = _where(isnan(a), 0, lax.sub(a, broadcast_to_shape(mean, aval.shape)))
    if dtypes.kind(compute) == "c":
        centered = lax.real(lax.mul(centered, lax.conj(centered)))
    else:
        centered = lax.mul(centered, centered)
    count = sum_(lax.bitwise_not(isnan(a)), axis=axis, keepdims=keepdims, where=where)
    count = lax.sub(count, np.array(ddof, get_aval(count).dtype))
    empty = lax.le(count, np.zeros((), get_aval(count).dtype))
    total = sum_(centered, axis=axis, keepdims=keepdims, where=where)
    result = lax.div(_where(empty, np.nan, total), lax.convert_element_type(
        _where(empty, 1, count), get_aval(total).dtype))
    return lax.convert_element_type(result, dtype)


@eager(static_argnames=("axis", "dtype", "ddof", "keepdims"))
def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, mean=None):
    """The standard deviation over axis of the non-NaN elements (see nanvar)."""
    return lax.sqrt(nanvar(a, axis, dtype, out, ddof, keepdims, where, mean))


def _nan_arg(name, arg_reduction, fill):
    def reduce(a, axis=None, out=None, keepdims=None):
        _no_out(name, out)
        a, aval = _arr(name, a)
        keepdims = bool(keepdims)
        if not dtypes.is_inexact(aval.dtype):
            return arg_reduction(a, axis=axis, keepdims=keepdims)
        res = arg_reduction(_fill_nan(a, fill), axis=axis, keepdims=keepdims)
        return _where(all_(isnan(a), axis=axis, keepdims=keepdims), -1, res)
    reduce.__name__ = name
    reduce.__doc__ = (f"The index of the {name[6:]}imum along axis ignoring NaNs; -1 for an "
                      f"all-NaN slice (as JAX; NumPy raises).")
    return eager(reduce, static_argnames=("axis", "keepdims"))


nanargmax = _nan_arg("nanargmax", argmax, -np.inf)
nanargmin = _nan_arg("nanargmin", argmin, np.inf)


def _nan_cumulative(name, cumulative, fill):
    def accumulate(a, axis=None, dtype=None, out=None):
        _no_out(name, out)
        a, aval = _arr(name, a)
        return cumulative(_fill_nan(a, fill) if dtypes.is_inexact(aval.dtype) else a,
                          axis=axis, dtype=dtype)
    accumulate.__name__ = name
    accumulate.__doc__ = f"NumPy's `{name}`: {name[3:]} along axis with NaNs as {fill}."
    return eager(accumulate, static_argnames=("axis", "dtype"))


nancumsum = _nan_cumulative("nancumsum", cumsum, 0)
nancumprod = _nan_cumulative("nancumprod", cumprod, 1)


def _array_api_cumulative(name, cumulative, initial, promote):
    def accumulate(x, /, *, axis=None, dtype=None, include_initial=False):
        x, aval = _arr(name, x)
        if aval.ndim == 0:
            raise ValueError(f"{name}: the input must be non-scalar, however a scalar value "
                             f"or scalar array was given.")
        if axis is None:
            if aval.ndim > 1:
                raise ValueError(f"{name}: the input array has rank {aval.ndim}, however axis "
                                 f"was not set to an explicit value. The axis argument is only "
                                 f"optional for one-dimensional arrays.")
            axis = 0
        axis = canonical_axis(name, axis, aval.ndim)
        if dtype is None and promote and dtypes.kind(aval.dtype) in "iu":
            wide = dtypes.default_int() if dtypes.kind(aval.dtype) == "i" else \
                dtypes.default_uint()
            dtype = wide if aval.dtype.itemsize < wide.itemsize else None
        out = cumulative(x, axis=axis, dtype=dtype)
        if include_initial:
            shape = list(aval.shape)
            shape[axis] = 1
            start = lax.broadcast_in_dim(np.array(initial, get_aval(out).dtype), tuple(shape), ())
            out = lax.concatenate([start, out], axis)
        return out
    accumulate.__name__ = name
    accumulate.__doc__ = (f"The Array API's `{name}` along axis (optional only for 1-D x), "
                          f"optionally starting with {initial}.")
    return eager(accumulate, static_argnames=("axis", "dtype", "include_initial"))


cumulative_sum = _array_api_cumulative("cumulative_sum", cumsum, 0, promote=True)
cumulative_prod = _array_api_cumulative("cumulative_prod", cumprod, 1, promote=False)


# quantiles ----------------------------------------------------------------------------------

# NumPy's methods as (alpha, beta) of Hyndman & Fan's virtual index n*q + alpha +
# q*(1 - alpha - beta) - 1 for the continuous ones; the others are rules of their own
_CONTINUOUS = {"interpolated_inverted_cdf": (0, 1), "hazen": (0.5, 0.5), "weibull": (0, 0),
               "median_unbiased": (1 / 3, 1 / 3), "normal_unbiased": (3 / 8, 3 / 8)}
_METHODS = ("linear", "lower", "higher", "midpoint", "nearest", "inverted_cdf",
            "averaged_inverted_cdf", "closest_observation", *_CONTINUOUS)


def _quantile_args(op, a, q, axis, method, out, overwrite_input, weights):
    if overwrite_input or out is not None:
        raise ValueError(f"{op} does not support overwrite_input=True or out != None")
    if method not in _METHODS:
        raise ValueError(f"{op}: method={method!r} is not recognized; use one of "
                         f"{', '.join(_METHODS)}")
    if weights is not None and method != "inverted_cdf":
        raise NotImplementedError(f"{op}: method {method!r} doesn't support weights; only "
                                  f"method 'inverted_cdf' does")
    return a, q, None if axis is None else (tuple(axis) if isinstance(axis, list) else axis)


@api_boundary
def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None):
    """The q-th quantiles (q in [0, 1], a scalar or 1-D) of a over axis (an int, a tuple
    or None for all), interpolated by `method`: every method of NumPy ('linear', 'lower',
    'higher', 'midpoint', 'nearest' with ties toward the lower value as JAX, the
    discontinuous 'inverted_cdf', 'averaged_inverted_cdf', 'closest_observation', and the
    continuous 'interpolated_inverted_cdf', 'hazen', 'weibull', 'median_unbiased',
    'normal_unbiased'). weights: only with 'inverted_cdf'. NaN in a slice gives NaN."""
    a, q, axis = _quantile_args("quantile", a, q, axis, method, out, overwrite_input, weights)
    return _quantile(a, q, weights, axis, method, bool(keepdims), False)


@api_boundary
def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, weights=None):
    """quantile ignoring NaNs (an all-NaN slice gives NaN)."""
    a, q, axis = _quantile_args("nanquantile", a, q, axis, method, out, overwrite_input,
                                weights)
    return _quantile(a, q, weights, axis, method, bool(keepdims), True)


@api_boundary
def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None):
    """quantile with q in percent ([0, 100])."""
    a, q, axis = _quantile_args("percentile", a, q, axis, method, out, overwrite_input,
                                weights)
    (q,) = _inexact("percentile", q)
    return _quantile(a, lax.div(q, np.array(100, get_aval(q).dtype)), weights, axis, method,
                     bool(keepdims), False)


@api_boundary
def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, weights=None):
    """percentile ignoring NaNs."""
    a, q, axis = _quantile_args("nanpercentile", a, q, axis, method, out, overwrite_input,
                                weights)
    (q,) = _inexact("nanpercentile", q)
    return _quantile(a, lax.div(q, np.array(100, get_aval(q).dtype)), weights, axis, method,
                     bool(keepdims), True)


@api_boundary
def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median over axis (the mean of the two middle values for an even count)."""
    return quantile(a, 0.5, axis, out, overwrite_input, "midpoint", keepdims)


@api_boundary
def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median over axis ignoring NaNs."""
    return nanquantile(a, 0.5, axis, out, overwrite_input, "midpoint", keepdims)


@eager(static_argnums=(3, 4, 5, 6))
def _quantile(a, q, weights, axis, method, keepdims, squash_nans):
    """The quantiles, computed on a sorted along one axis: all of `axis` moved to the end
    and flattened into it."""
    a, aval = _arr("quantile", a)
    if weights is not None:
        a, weights = _inexact("quantile", a, weights)
        if dtypes.kind(get_aval(weights).dtype) == "c":
            raise ValueError("quantile: weights cannot be complex")
    else:
        (a,) = _inexact("quantile", a)
    if dtypes.kind(get_aval(a).dtype) == "c":
        raise ValueError("quantile does not support complex input, as the operation is poorly "
                         "defined.")
    axes = canonical_axes("quantile", axis, aval.ndim)
    if len(set(axes)) != len(axes):
        raise ValueError(f"quantile: repeated axis in {axis}")
    if weights is not None and get_aval(weights).shape != aval.shape:
        if axis is None:
            raise ValueError("quantile: weights shape must match 'a' shape when axis is None.")
        if get_aval(weights).shape != tuple(aval.shape[ax] for ax in axes):
            raise ValueError(f"quantile: weights shape {get_aval(weights).shape} must match "
                             f"the reduction axes {tuple(aval.shape[ax] for ax in axes)}")
        weights = lax.broadcast_in_dim(weights, aval.shape, axes)
    (q,) = _inexact("quantile", q)
    q = lax.convert_element_type(q, get_aval(a).dtype)
    if get_aval(q).ndim > 1:
        raise ValueError(f"quantile: q must be a scalar or 1-D, got shape {get_aval(q).shape}")
    keep = [d for d in range(aval.ndim) if d not in axes]
    rest = tuple(aval.shape[d] for d in keep)
    n = math.prod(aval.shape[d] for d in axes)
    to_end = lambda x: lax.reshape(lax.transpose(x, tuple(keep) + axes), rest + (n,))  # noqa
    x = to_end(a)
    dtype = get_aval(x).dtype
    nan_slice = any_(isnan(x), axis=-1)
    x = _fill_nan(x, np.nan)  # (positive NaNs, which sort last)
    if weights is not None:
        x, w = lax.sort([x, to_end(weights)], len(rest), num_keys=1)
    else:
        x, w = lax.sort(x, len(rest)), None
    # the number of values per slice: n, or the non-NaN ones
    count = sum_(lax.bitwise_not(isnan(x)), axis=-1, dtype=dtype) if squash_nans else \
        lax.broadcast_in_dim(np.array(n, dtype), rest, ())
    qs = get_aval(q).shape
    qb = lax.broadcast_in_dim(q, qs + rest, tuple(range(len(qs))))
    cb = lax.broadcast_in_dim(count, qs + rest, tuple(range(len(qs), len(qs) + len(rest))))
    if w is not None:
        result = _weighted_inverted_cdf(x, w, qb, cb, squash_nans)
    else:
        result = _interpolate(x, qb, cb, method)
    bad = lax.eq(count, np.zeros((), dtype)) if squash_nans else nan_slice
    result = _where(broadcast_to_shape(bad, qs + rest), np.nan, result)
    if keepdims:
        result = lax.reshape(result, qs + tuple(1 if d in axes else aval.shape[d]
                                                for d in range(aval.ndim)))
    return lax.convert_element_type(result, dtype)


def _gather_last(x, index):
    """x[..., index] along x's last axis, for index of shape q_shape + x.shape[:-1]."""
    rest = get_aval(x).shape[:-1]
    nq = get_aval(index).ndim - len(rest)
    index = lax.convert_element_type(index, dtypes.int32)
    if nq == 0:
        return lax.reshape(take_along_axis(x, lax.reshape(index, rest + (1,)), axis=-1,
                                           mode="clip"), rest)
    k = get_aval(index).shape[0]
    moved = lax.transpose(index, tuple(range(1, len(rest) + 1)) + (0,))
    return moveaxis(take_along_axis(x, moved, axis=-1, mode="clip"), -1, 0) if k else \
        lax.broadcast_in_dim(np.zeros((), get_aval(x).dtype), (0,) + rest, ())


def _interpolate(x, q, n, method):
    """The quantile q of the sorted x (n values per slice), by NumPy's virtual index rules."""
    at = lambda i: _gather_last(x, lax.clamp(np.zeros((), get_aval(i).dtype), i,  # noqa
                                             lax.sub(n, np.ones((), get_aval(n).dtype))))
    one = np.ones((), get_aval(q).dtype)
    if method in ("linear", "lower", "higher", "midpoint", "nearest"):
        v = lax.mul(q, lax.sub(n, one))
        low, high = lax.floor(v), lax.ceil(v)
        if method == "lower":
            return at(low)
        if method == "higher":
            return at(high)
        lo, hi = at(low), at(high)
        if method == "midpoint":
            return lax.mul(lax.add(lo, hi), np.array(0.5, get_aval(lo).dtype))
        frac = lax.sub(v, low)
        if method == "nearest":  # (ties toward the lower value, as JAX)
            return _where(lax.le(frac, np.array(0.5, get_aval(frac).dtype)), lo, hi)
        return lax.add(lax.mul(lo, lax.sub(one, frac)), lax.mul(hi, frac))
    if method in ("inverted_cdf", "closest_observation"):
        v = lax.sub(lax.mul(n, q), one)
        if method == "closest_observation":
            v = lax.sub(v, np.array(0.5, get_aval(v).dtype))
        low = lax.floor(v)
        take_low = lax.eq(v, low)
        if method == "closest_observation":  # round half to even
            take_low = lax.bitwise_and(take_low, lax.eq(lax.rem(low, np.array(2, get_aval(low).dtype)),
                                                        one))
        return at(_where(take_low, low, lax.add(low, one)))
    if method == "averaged_inverted_cdf":
        v = lax.sub(lax.mul(n, q), one)
    else:
        alpha, beta = _CONTINUOUS[method]
        v = lax.sub(lax.add(lax.mul(n, q), lax.add(np.array(alpha, get_aval(q).dtype), lax.mul(
            q, np.array(1 - alpha - beta, get_aval(q).dtype)))), one)
    low = lax.floor(v)
    gamma = lax.sub(v, low)
    if method == "averaged_inverted_cdf":
        gamma = _where(lax.eq(gamma, np.zeros((), get_aval(gamma).dtype)), 0.5, 1.0)
    # below the first value: the first; from the last on: the last (NumPy's _get_indexes)
    gamma = _where(lax.lt(v, np.zeros((), get_aval(v).dtype)), 0.0, gamma)
    lo, hi = at(low), at(lax.add(low, one))
    diff_ = lax.sub(hi, lo)
    return _where(lax.ge(gamma, np.array(0.5, get_aval(gamma).dtype)),
                  lax.sub(hi, lax.mul(diff_, lax.sub(one, gamma))),
                  lax.add(lo, lax.mul(diff_, gamma)))


def _weighted_inverted_cdf(x, w, q, n, squash_nans):
    """The first sorted value whose cumulative weight reaches q times the total (JAX's
    algorithm); NaN where a weight is negative or NaN."""
    zero = np.zeros((), get_aval(w).dtype)
    bad = lax.bitwise_or(lax.lt(w, zero), isnan(w))
    clean = _where(lax.bitwise_or(bad, isnan(x)), zero, w)
    cum = cumsum(clean, axis=-1)
    total = lax.reshape(lax.slice_in_dim(cum, get_aval(cum).shape[-1] - 1, None, 1, -1 %
                                         get_aval(cum).ndim), get_aval(cum).shape[:-1])
    target = lax.mul(q, broadcast_to_shape(total, get_aval(q).shape))
    nq = get_aval(q).ndim - get_aval(total).ndim
    cum_b = lax.broadcast_in_dim(cum, get_aval(q).shape + get_aval(cum).shape[-1:],
                                 tuple(range(nq, get_aval(q).ndim + 1)))
    below = lax.lt(cum_b, lax.broadcast_in_dim(target, get_aval(cum_b).shape,
                                               tuple(range(get_aval(q).ndim))))
    idx = sum_(below, axis=-1, dtype=dtypes.int32)
    limit = lax.convert_element_type(lax.sub(n, np.ones((), get_aval(n).dtype)), dtypes.int32)
    idx = lax.max(np.int32(0), lax.min(idx, limit))
    result = _gather_last(x, idx)
    bad_slice = broadcast_to_shape(any_(bad, axis=-1), get_aval(result).shape)
    return _where(bad_slice, np.nan, result)


# average, cov, corrcoef ---------------------------------------------------------------------

@eager(static_argnames=("axis", "returned", "keepdims"))
def average(a, axis=None, weights=None, returned=False, keepdims=False):
    """The (weighted) mean over axis; with returned=True also the sum of the weights. 1-D
    weights along a single axis are allowed, as NumPy."""
    if weights is None:
        (a,) = _inexact("average", a)
        avg = mean(a, axis=axis, keepdims=keepdims)
        axes = canonical_axes("average", axis, get_aval(a).ndim)
        total = np.array(math.prod(get_aval(a).shape[d] for d in axes), get_aval(avg).dtype)
    else:
        a, weights = _inexact("average", a, weights)
        aval, w_aval = get_aval(a), get_aval(weights)
        axes = canonical_axes("average", axis, aval.ndim)
        if aval.shape != w_aval.shape:
            if axis is None:
                raise ValueError("average: axis must be specified when shapes of a and weights "
                                 "differ.")
            if w_aval.shape != tuple(aval.shape[d] for d in axes):
                raise ValueError("average: shape of weights must be consistent with shape of a "
                                 "along specified axis.")
            # weights' axes follow the order of `axis`: put them in increasing order
            weights = lax.broadcast_in_dim(lax.transpose(weights, tuple(np.argsort(axes))),
                                           aval.shape, tuple(sorted(axes)))
        total = sum_(weights, axis=axis, keepdims=keepdims)
        avg = lax.div(sum_(lax.mul(a, weights), axis=axis, keepdims=keepdims), total)
    if returned:
        return avg, broadcast_to_shape(asarray(total), get_aval(avg).shape)
    return avg


@eager(static_argnames=("rowvar", "bias", "ddof", "dtype"))
def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None,
        dtype=None):
    """The covariance matrix of the variables in the rows of m (columns if not rowvar),
    with y's as more variables; fweights (integer repeat counts) and aweights (importance)
    weigh the observations."""
    if y is not None:
        m, y = _inexact("cov", m, y)
        if get_aval(y).ndim > 2:
            raise ValueError("cov: y has more than 2 dimensions")
    else:
        (m,) = _inexact("cov", m)
    if get_aval(m).ndim > 2:
        raise ValueError("cov: m has more than 2 dimensions")
    if dtype is not None and not dtypes.is_inexact(dtypes.check_dtype(dtype, "cov")):
        raise ValueError(f"cov: dtype must be a subclass of float or complex; got dtype={dtype}")
    X = atleast_2d(m)
    if not rowvar and get_aval(m).ndim != 1:
        X = transpose(X)
    if get_aval(X).shape[0] == 0:
        return asarray(np.zeros((0, 0), get_aval(X).dtype))
    if y is not None:
        Y = atleast_2d(y)
        if not rowvar and get_aval(Y).shape[0] != 1:
            Y = transpose(Y)
        X = concatenate((X, Y), axis=0)
    rows, cols = get_aval(X).shape
    if cols == 0:
        return lax.broadcast_in_dim(np.array(np.nan, get_aval(X).dtype),
                                    () if rows == 1 else (rows, rows), ())
    ddof = (1 if not bias else 0) if ddof is None else ddof
    w = None
    for name, weights in (("fweights", fweights), ("aweights", aweights)):
        if weights is None:
            continue
        weights = asarray(array_like(weights))
        if get_aval(weights).ndim > 1:
            raise RuntimeError(f"cov: cannot handle multidimensional {name}")
        if get_aval(weights).shape[0] != cols:
            raise RuntimeError(f"cov: incompatible numbers of samples and {name}")
        if name == "fweights" and dtypes.kind(get_aval(weights).dtype) not in "iu":
            raise TypeError("cov: fweights must be integer.")
        weights = absolute(weights)  # (as JAX: NumPy raises for negative weights)
        if name == "aweights":
            aweights = weights
        w = weights if w is None else lax.mul(*promote_dtypes("cov", w, weights)[0])
    if dtype is not None:
        X = lax.convert_element_type(X, dtype)
    if w is not None:
        w = lax.convert_element_type(w, get_aval(X).dtype)
    avg, w_sum = average(X, axis=1, weights=None if w is None else
                         lax.broadcast_in_dim(w, (rows, cols), (1,)), returned=True)
    w_sum = lax.slice(w_sum, (0,), (1,))
    w_sum = lax.reshape(w_sum, ())
    if w is None:
        f = cols - ddof
    elif ddof == 0:
        f = w_sum
    elif aweights is None:
        f = lax.sub(w_sum, np.array(ddof, get_aval(w_sum).dtype))
    else:
        aw = lax.convert_element_type(aweights, get_aval(w).dtype)
        f = w_sum - ddof * sum_(lax.mul(w, aw)) / w_sum
    X = lax.sub(X, lax.broadcast_in_dim(avg, (rows, cols), (0,)))
    XT = transpose(X if w is None else lax.mul(X, lax.broadcast_in_dim(w, (rows, cols), (1,))))
    out = true_divide(dot(X, conj(XT)), f)
    return lax.reshape(out, ()) if rows == 1 else out


@eager(static_argnames=("rowvar", "dtype"))
def corrcoef(x, y=None, rowvar=True, dtype=None):
    """The correlation coefficients (cov normalized by the standard deviations), clipped to
    [-1, 1]."""
    c = cov(x, y, rowvar, dtype=dtype)
    if get_aval(c).ndim == 0:  # (nan for nan/nan, inf/inf, 0/0; else 1)
        return true_divide(c, c)
    d = diag(c)
    std = lax.convert_element_type(sqrt(real(d)), get_aval(c).dtype)
    n = get_aval(d).shape[0]
    c = lax.div(lax.div(c, lax.broadcast_in_dim(std, (n, n), (0,))),
                lax.broadcast_in_dim(std, (n, n), (1,)))
    re = clip(real(c), -1, 1)
    if dtypes.kind(get_aval(c).dtype) == "c":
        return lax.complex(re, clip(imag(c), -1, 1))
    return re


# counting ------------------------------------------------------------------------------------

@api_boundary
def bincount(x, weights=None, minlength=0, *, length=None):
    """The number of occurrences (or the total weight) of each value 0, 1, ... in the 1-D
    non-negative integers x. The length is max(x) + 1 (at least minlength), which needs x
    concrete; under jit pass `length` (values beyond it are dropped)."""
    x = array_like(x)
    aval = aval_or_error("bincount", x)
    if aval.dtype == dtypes.bool_:
        x = lax.convert_element_type(x, dtypes.int32)
    elif dtypes.kind(aval.dtype) not in "iu":
        raise TypeError(f"bincount: x must have an integer type; got {aval.dtype}")
    if aval.ndim != 1:
        raise ValueError(f"bincount: only 1-dimensional input supported, got shape {aval.shape}")
    minlength = operator.index(concrete_or_error(minlength, "bincount minlength"))
    if length is None:
        if isinstance(x, Tracer) and x.concrete_value() is None:
            raise ConcretizationTypeError(
                "bincount: the length of the result depends on the values of a traced x; pass "
                "a static `length` argument")
        host = np.asarray(x.concrete_value() if isinstance(x, Tracer) else x)
        length = max(minlength, host.size and int(max(0, host.max())) + 1)
    else:
        length = operator.index(concrete_or_error(length, "bincount length"))
    if weights is not None and aval_or_error("bincount", array_like(weights)).shape != aval.shape:
        raise ValueError(f"bincount: weights must have the shape of x, got "
                         f"{get_aval(array_like(weights)).shape} and {aval.shape}")
    return _bincount(x, weights, length)


@eager(static_argnums=2)
def _bincount(x, weights, length):
    x = asarray(x)
    weights = np.array(1, dtypes.default_int()) if weights is None else asarray(array_like(weights))
    zeros = lax.broadcast_in_dim(np.zeros((), get_aval(weights).dtype), (length,), ())
    x = lax.max(x, np.zeros((), get_aval(x).dtype))
    return _scatter_update("add", zeros, x, weights, mode="drop")


@eager(static_argnames=("right", "method"))
def digitize(x, bins, right=False, *, method=None):
    """The index of the bin (of the monotonic 1-D bins) each x falls in: bins[i-1] <= x <
    bins[i] for increasing bins (bins[i-1] < x <= bins[i] with right=True)."""
    x, bins = array_like(x), asarray(array_like(bins))
    aval_or_error("digitize", x)
    if get_aval(bins).ndim != 1:
        raise ValueError(f"digitize: bins must be a 1-dimensional array; got shape "
                         f"{get_aval(bins).shape}")
    n = get_aval(bins).shape[0]
    if n == 0:
        return lax.broadcast_in_dim(np.int32(0), get_aval(x).shape, ())
    side = "left" if right else "right"
    kw = {} if method is None else {"method": method}
    first, last = (lax.reshape(lax.slice(bins, (i,), (i + 1,)), ()) for i in (0, n - 1))
    up = searchsorted(bins, x, side=side, **kw)
    down = lax.sub(np.array(n, get_aval(up).dtype), searchsorted(lax.rev(bins, (0,)), x,
                                                                 side=side, **kw))
    return _where(lax.ge(last, first), up, down)


@api_boundary
def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002
    """The bin edges histogram uses: `bins` itself when it is 1-D, else bins + 1 evenly
    spaced edges over range (default a's min to max; widened by 0.5 each way when empty).
    (String bin rules are not supported, as in JAX.)"""
    if isinstance(bins, str):
        raise NotImplementedError("histogram_bin_edges: string values for `bins` are not "
                                  "implemented (as in JAX)")
    a = asarray(array_like(a))
    dtype = dtypes.to_inexact(get_aval(a).dtype)
    if np.ndim(bins) == 1:
        return asarray(array_like(bins), dtype)
    bins = operator.index(concrete_or_error(bins, "histogram bins"))
    if range is None:
        range = [min_(a), max_(a)]  # noqa: A001
    lo, hi = (asarray(array_like(r), dtype) for r in range) if len(range) == 2 else (None, None)
    if lo is None or get_aval(lo).shape != () or get_aval(hi).shape != ():
        raise ValueError(f"histogram: `range` must be either None or a sequence of two scalars, "
                         f"got {range}")
    empty = lax.eq(lo, hi)
    lo, hi = _where(empty, lo - 0.5, lo), _where(empty, hi + 0.5, hi)
    return linspace(lo, hi, bins + 1, dtype=dtype)


@api_boundary
def histogram(a, bins=10, range=None, weights=None, density=None):  # noqa: A002
    """(counts, bin_edges) of the values of a in bins (see histogram_bin_edges); the last
    bin includes its right edge. Counts are of the inexact dtype (weights' sums), as JAX."""
    if weights is None:
        (a,) = _inexact("histogram", a)
        weights = lax.broadcast_in_dim(np.ones((), get_aval(a).dtype), get_aval(a).shape, ())
    else:
        a, weights = _inexact("histogram", a, weights)
        if get_aval(a).shape != get_aval(weights).shape:
            raise ValueError("histogram: weights should have the same shape as a.")
    edges = histogram_bin_edges(a, bins, range, weights)
    return _histogram(a, edges, weights, bool(density)), edges


@eager(static_argnums=3)
def _histogram(a, edges, weights, density):
    n = get_aval(edges).shape[0]
    idx = searchsorted(edges, a, side="right")
    last = lax.reshape(lax.slice(edges, (n - 1,), (n,)), ())
    idx = _where(lax.eq(a, last), n - 1, idx)
    counts = _scatter_update("add", lax.broadcast_in_dim(np.zeros((), get_aval(weights).dtype),
                                                         (n,), ()), idx, weights)
    counts = lax.slice(counts, (1,), (n,))
    if density:
        counts = lax.div(lax.div(counts, diff(edges)), sum_(counts))
    return counts


@api_boundary
def histogramdd(sample, bins=10, range=None, weights=None, density=None):  # noqa: A002
    """The D-dimensional histogram of the (N, D) sample: (counts, [edges per dimension]);
    bins and range per dimension (or one for all)."""
    if weights is None:
        (sample,) = _inexact("histogramdd", sample)
    else:
        sample, weights = _inexact("histogramdd", sample, weights)
        if get_aval(weights).shape != get_aval(sample).shape[:1]:
            raise ValueError("histogramdd: should have one weight for each sample.")
    if get_aval(sample).ndim != 2:
        raise ValueError(f"histogramdd: sample must be 2-D (N, D), got shape "
                         f"{get_aval(sample).shape}")
    N, D = get_aval(sample).shape
    if range is not None and (len(range) != D or any(r is not None and np.shape(r)[0] != 2
                                                     for r in range)):
        raise ValueError(f"histogramdd: for sample.shape={(N, D)}, range must be a sequence of "
                         f"{D} pairs or Nones; got range={range}")
    try:
        per_dim = list(bins)
    except TypeError:
        per_dim = [bins] * D
    else:
        if len(per_dim) != D:
            raise ValueError("histogramdd: should be a bin for each dimension.")
    columns = [lax.reshape(lax.slice(sample, (0, i), (N, i + 1)), (N,)) for i in builtins.range(D)]
    edges = [histogram_bin_edges(c, b, None if range is None else range[i])
             for i, (c, b) in enumerate(zip(columns, per_dim))]
    return _histogramdd(tuple(columns), tuple(edges), weights, bool(density)), edges


@eager(static_argnums=3)
def _histogramdd(columns, edges, weights, density):
    idx = []
    for c, e in zip(columns, edges):
        i = searchsorted(e, c, side="right")
        last = lax.reshape(lax.slice(e, (get_aval(e).shape[0] - 1,), (get_aval(e).shape[0],)), ())
        idx.append(_where(lax.eq(c, last), lax.sub(i, np.ones((), get_aval(i).dtype)), i))
    nbins = tuple(get_aval(e).shape[0] + 1 for e in edges)
    flat = ravel_multi_index(tuple(idx), nbins, mode="clip")
    hist = _bincount(flat, weights, math.prod(nbins))
    hist = reshape(hist, nbins)
    hist = hist[(slice(1, -1),) * len(edges)]
    if density:
        hist = lax.convert_element_type(hist, get_aval(columns[0]).dtype)
        hist = hist / sum_(hist)
        for norm in ix_(*[diff(e) for e in edges]):
            hist = hist / norm
    return hist


@api_boundary
def histogram2d(x, y, bins=10, range=None, weights=None, density=None):  # noqa: A002
    """The 2-D histogram of the points (x, y): (counts, x edges, y edges)."""
    x, y = asarray(array_like(x)), asarray(array_like(y))
    try:
        n = len(bins)
    except TypeError:
        n = 1
    if n not in (1, 2):
        edges = asarray(array_like(bins))
        bins = [edges, edges]
    x, y = promote_dtypes("histogram2d", x, y)[0]
    sample = lax.transpose(lax.concatenate([lax.reshape(x, (1, get_aval(x).size)),
                                            lax.reshape(y, (1, get_aval(y).size))], 0), (1, 0))
    hist, edges = histogramdd(sample, bins, range, weights, density)
    return hist, edges[0], edges[1]
