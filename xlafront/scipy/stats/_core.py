"""jax.scipy.stats's functions of data: mode, rankdata, sem."""
from typing import NamedTuple

import numpy as np

from ... import dtypes, lax
from ... import numpy as jnp
from ...dispatch import eager
from ...numpy._util import canonical_axis, check_arraylike
from ._util import promote_args_inexact


class ModeResult(NamedTuple):
    mode: jnp.ndarray
    count: jnp.ndarray


def _check_nan_policy(op, nan_policy):
    """Only "propagate" is compiled: "omit" and "raise" would need to look at the data."""
    if nan_policy not in ("propagate", "omit", "raise"):
        raise ValueError(f"{op}: illegal nan_policy value {nan_policy!r}; expected one of "
                         "{'propagate', 'omit', 'raise'}")
    if nan_policy != "propagate":
        raise NotImplementedError(f"{op}: nan_policy={nan_policy!r} is not supported under "
                                  "compilation (the data are not known); only 'propagate' is")


def _run_bounds(s):
    """For s sorted along its last axis: each position's first and last index in its run
    of equal values (NaNs counting as equal, as jnp.unique's)."""
    same = (s[..., 1:] == s[..., :-1])
    if dtypes.kind(s.dtype) in "fc":
        same = same | (jnp.isnan(s[..., 1:]) & jnp.isnan(s[..., :-1]))
    edge = jnp.ones(s.shape[:-1] + (1,), bool)
    starts, ends = jnp.concatenate([edge, ~same], -1), jnp.concatenate([~same, edge], -1)
    index = jnp.arange(s.shape[-1])
    axis = s.ndim - 1
    first = lax.cummax(jnp.where(starts, index, 0), axis)
    last = lax.cummin(jnp.where(ends, index, s.shape[-1]), axis, reverse=True)
    return first, last


@eager(static_argnames=("axis", "nan_policy", "keepdims"))
def mode(a, axis=0, nan_policy="propagate", keepdims=False):
    """The most common value along `axis` (the smallest among ties) and its count; along
    the flattened array for axis None."""
    check_arraylike("mode", a)
    _check_nan_policy("mode", nan_policy)
    x = jnp.atleast_1d(a)
    if axis is None:
        out_shape = (1,) * x.ndim if keepdims else ()
        x, axis = jnp.ravel(x), 0
    else:
        axis = canonical_axis("mode", axis, x.ndim)
        out_shape = x.shape[:axis] + ((1,) if keepdims else ()) + x.shape[axis + 1:]
    if x.shape[axis] == 0:  # as JAX: nan, with a count of 0, in the default float type
        return ModeResult(jnp.full(out_shape, np.nan, dtypes.default_float()),
                          jnp.zeros(out_shape, dtypes.default_float()))
    s = jnp.sort(jnp.moveaxis(x, axis, -1), axis=-1)
    first, last = _run_bounds(s)
    counts = last - first + 1
    best = jnp.argmax(counts, axis=-1, keepdims=True)  # the first: the smallest value
    values = jnp.take_along_axis(s, best, axis=-1)
    counts = jnp.take_along_axis(counts, best, axis=-1).astype(dtypes.default_int())
    return ModeResult(values.reshape(out_shape), counts.reshape(out_shape))


@eager(static_argnames=("method", "axis", "nan_policy"))
def rankdata(a, method="average", *, axis=None, nan_policy="propagate"):
    """Ranks of the data from 1, ties resolved by `method` ("average", "min", "max",
    "dense" or "ordinal"), along `axis` (of the flattened array for None); nan for a slice
    holding a nan."""
    check_arraylike("rankdata", a)
    _check_nan_policy("rankdata", nan_policy)
    if method not in ("average", "min", "max", "dense", "ordinal"):
        raise ValueError(f"rankdata: unknown method {method!r}; expected one of 'average', "
                         "'min', 'max', 'dense', 'ordinal'")
    a = jnp.asarray(a)
    x = jnp.ravel(a) if axis is None else jnp.moveaxis(a, canonical_axis(
        "rankdata", axis, a.ndim), -1)
    out_dtype = dtypes.default_float()
    if x.shape[-1] == 0:
        return jnp.zeros(a.shape if axis is not None else (0,), out_dtype)
    order = jnp.argsort(x, axis=-1, stable=True)
    inverse = jnp.argsort(order, axis=-1)
    if method == "ordinal":
        ranks = inverse + 1
    else:
        s = jnp.take_along_axis(x, order, axis=-1)
        first, last = _run_bounds(s)
        ranks = {"min": first + 1, "max": last + 1, "average": (first + last + 2) / 2,
                 "dense": jnp.cumsum(first == jnp.arange(s.shape[-1]), axis=-1)}[method]
        ranks = jnp.take_along_axis(ranks, inverse, axis=-1)
    ranks = ranks.astype(out_dtype)
    if dtypes.kind(x.dtype) in "fc":  # as JAX, a slice holding a nan ranks as all nan
        ranks = jnp.where(jnp.isnan(x).any(-1, keepdims=True), np.nan, ranks)
    return ranks if axis is None else jnp.moveaxis(ranks, -1, axis)


@eager(static_argnames=("axis", "ddof", "nan_policy", "keepdims"))
def sem(a, axis=0, ddof=1, nan_policy="propagate", *, keepdims=False):
    """Standard error of the mean along `axis` (of all elements for None); with
    nan_policy "omit", of the elements that are not nan."""
    b, = promote_args_inexact("sem", a)
    if nan_policy == "propagate":
        size = b.size if axis is None else b.shape[axis]
        return jnp.std(b, axis, ddof=ddof, keepdims=keepdims) / jnp.sqrt(size).astype(b.dtype)
    if nan_policy == "omit":
        count = (~jnp.isnan(b)).sum(axis, keepdims=keepdims)
        return jnp.nanstd(b, axis, ddof=ddof, keepdims=keepdims) / jnp.sqrt(count).astype(
            b.dtype)
    raise ValueError(f"sem: nan_policy {nan_policy!r} is not supported; expected "
                     "'propagate' or 'omit'")
