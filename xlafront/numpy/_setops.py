"""Functions whose result size can depend on the values, and the reductions built on the
others: where (its one-argument form is nonzero), unique, compress; ptp and trace.

As in JAX, a value-dependent size needs the input concrete (known while tracing), or a
static `size=` (the first `size` results, padded with `fill_value`) under jit and vmap.
The last module of xlafront.numpy's chain: it imports from all the others.
"""
import operator

import numpy as np

from .. import dtypes, lax
from ..core import Tracer, concrete_or_error, get_aval
from ..dispatch import eager
from ..errors import ConcretizationTypeError, api_boundary
from ._indexing import nonzero, take
from ._manip import diagonal, moveaxis, take_along
from ._manip import where as _where3
from ._reductions import max_, min_, sum_
from ._ufuncs import isnan, subtract
from ._util import array_like, aval_or_error, broadcast_to_shape, canonical_axis, scalar_of

__all__ = ["compress", "ptp", "trace", "unique", "where"]


@api_boundary
def where(condition, x=None, y=None, /, *, size=None, fill_value=None):
    """x where condition is true, else y (broadcast together). With the condition alone,
    the indices of its nonzero elements (as nonzero, with its `size` and `fill_value`)."""
    if x is None and y is None:
        return nonzero(condition, size=size, fill_value=fill_value)
    if x is None or y is None:
        raise TypeError("where: pass both x and y, or neither (where(condition) is "
                        "nonzero(condition))")
    if size is not None or fill_value is not None:
        raise ValueError("where: size and fill_value are only for the one-argument form "
                         "where(condition); got them with x and y")
    return _where3(condition, x, y)


@eager(static_argnames=("axis", "keepdims"))
def ptp(a, axis=None, out=None, keepdims=False):
    """The range (maximum - minimum) of `a` along axis (all axes if None)."""
    if out is not None:
        raise NotImplementedError("ptp: the `out` argument is not supported: arrays are "
                                  "immutable; use the return value")
    return subtract(max_(a, axis=axis, keepdims=keepdims), min_(a, axis=axis, keepdims=keepdims))


@eager(static_argnames=("offset", "axis1", "axis2", "dtype"))
def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """The sum along the diagonal `offset` of the 2-D slices over axis1 and axis2 (sum's
    dtype rules). A traced offset works too (a masked sum)."""
    if out is not None:
        raise NotImplementedError("trace: the `out` argument is not supported: arrays are "
                                  "immutable; use the return value")
    a = array_like(a)
    aval = aval_or_error("trace", a)
    if not isinstance(offset, Tracer) or offset.concrete_value() is not None:
        return sum_(diagonal(a, concrete_or_error(offset, "offset"), axis1, axis2), axis=-1,
                    dtype=dtype)
    diagonal(a, 0, axis1, axis2)  # (the same checks of the array and axes)
    ax1, ax2 = (canonical_axis("trace", ax, aval.ndim) for ax in (axis1, axis2))
    a = moveaxis(a, (ax1, ax2), (-2, -1))
    shape = get_aval(a).shape
    rows = lax.broadcasted_iota(get_aval(offset).dtype, shape, len(shape) - 2)
    cols = lax.broadcasted_iota(get_aval(offset).dtype, shape, len(shape) - 1)
    on_diagonal = lax.eq(lax.add(rows, offset), cols)
    return sum_(_where3(on_diagonal, a, scalar_of(0, aval.dtype)), axis=(-2, -1), dtype=dtype)


@api_boundary
def compress(condition, a, axis=None, *, out=None, size=None, fill_value=0):
    """The slices of `a` along axis (the flattened array if None) where the 1-D condition is
    true; entries past the condition's end count as false. `size` fixes the number of
    slices (padded with fill_value), which jit and vmap need for a traced condition."""
    if out is not None:
        raise NotImplementedError("compress: the `out` argument is not supported: arrays are "
                                  "immutable; use the return value")
    condition, a = array_like(condition), array_like(a)
    c_aval, aval = aval_or_error("compress", condition), aval_or_error("compress", a)
    if c_aval.ndim != 1:
        raise ValueError(f"compress: condition must be a 1-D array, got shape {c_aval.shape}")
    if axis is None:
        a, axis = lax.reshape(a, (aval.size,)), 0
        aval = get_aval(a)
    axis = canonical_axis("compress", axis, aval.ndim)
    n, m = aval.shape[axis], c_aval.shape[0]
    if m > n:
        extra = lax.slice(condition, (n,), (m,))
        host = extra.concrete_value() if isinstance(extra, Tracer) else np.asarray(extra)
        if host is None or host.any():
            raise ValueError(f"compress: condition has {m} entries for an axis of size {n}; "
                             f"the entries past the axis must be (concretely) false")
        condition, m = lax.slice(condition, (0,), (n,)), n
    a = lax.slice_in_dim(a, 0, m, 1, axis)
    indices = nonzero(condition, size=size, fill_value=m)[0]
    return take(a, indices, axis=axis, mode="fill", fill_value=fill_value)


# ---------------------------------------------------------------------------------------
# unique

_SIZE_HINT = ("pass size=n for the first n unique values (padded with fill_value) so the "
              "shapes are static, or call unique outside jit/vmap")


@api_boundary
def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, size=None, fill_value=None, sorted=True):  # noqa: A002
    """The sorted unique elements of `ar` (flattened; or the unique slices along `axis`),
    optionally with the index of each one's first occurrence, the inverse (indices that
    rebuild `ar`; ar's shape when axis is None, as in NumPy 2) and the counts. NaNs count as
    one value unless equal_nan=False (also for slices, as in JAX).

    The number of unique values depends on the values, so `ar` must be concrete, unless
    `size` is given (as in JAX): then the first `size` unique values are returned (padded
    with fill_value, default the smallest value; the index of a padding entry is that of
    the smallest value, its count 0) in one compiled program, under jit too. (`sorted` is
    accepted for NumPy's signature: the values always come sorted.)
    """
    ar = array_like(ar)
    aval = aval_or_error("unique", ar)
    flags = dict(equal_nan=bool(equal_nan), return_index=bool(return_index),
                 return_inverse=bool(return_inverse), return_counts=bool(return_counts))
    ax = None if axis is None else canonical_axis("unique", axis, aval.ndim)
    n = aval.size if ax is None else aval.shape[ax]
    if size is not None:
        size = operator.index(concrete_or_error(size, "size"))
        if size < 0:
            raise ValueError(f"unique: size must be non-negative, got {size}")
        if n == 0 and size and fill_value is None:
            raise ValueError("unique: for an empty input with a nonzero size, fill_value must "
                             "be given (there is no smallest value to pad with)")
        outs = _unique(ar, fill_value, size, ax, **flags)[:-1]
    else:
        if isinstance(ar, Tracer):
            value = ar.concrete_value()
            if value is None:
                raise ConcretizationTypeError(
                    f"unique: the number of unique values of a traced {aval.str_short()} is "
                    f"not known while tracing (the result's shape would depend on the "
                    f"values); {_SIZE_HINT}")
            ar = np.asarray(value)
        *outs, count = _unique(ar, None, n, ax, **flags)
        count = int(count)
        outs = [_first(o, count, 0 if i or ax is None else ax) if i != _inverse_at(flags) else o
                for i, o in enumerate(outs)]
    return outs[0] if len(outs) == 1 else tuple(outs)


def _inverse_at(flags):
    """The position of the inverse among unique's outputs (-1: not requested)."""
    return 1 + flags["return_index"] if flags["return_inverse"] else -1


def _first(x, count, axis):
    return lax.slice_in_dim(x, 0, count, 1, axis)


@eager(static_argnums=(2, 3), static_argnames=("equal_nan", "return_index", "return_inverse",
                                               "return_counts"))
def _unique(ar, fill_value, size, axis, *, equal_nan, return_index, return_inverse,
            return_counts):
    """unique with a static size: the requested outputs, then the number of unique values.
    Sorts the rows (slices along axis) with their positions; a row differing from the one
    before starts a group, and the groups' first rows are the unique values."""
    ar = array_like(ar)
    aval = get_aval(ar)
    x = lax.reshape(ar, (aval.size,)) if axis is None else moveaxis(ar, axis, 0)
    shape = get_aval(x).shape
    n, m = shape[0], int(np.prod(shape[1:]))
    idx = dtypes.default_int()
    zeros = lambda k: lax.broadcast_in_dim(np.zeros((), idx), (k,), ())  # noqa: E731
    if n == 0:
        count = np.zeros((), idx)
        values = x if size == 0 else lax.broadcast_in_dim(
            scalar_of(fill_value, aval.dtype), (size,) + shape[1:], ())
        groups, perm, first = zeros(0), zeros(0), zeros(size)
    else:
        rows = lax.reshape(x, (n, m))
        perm, starts = _sorted_group_starts(rows, n, m, equal_nan)
        groups = lax.sub(lax.cumsum(lax.convert_element_type(starts, idx), 0), np.ones((), idx))
        count = lax.reduce_sum(lax.convert_element_type(starts, idx), (0,))
        # the sorted position of each group's first row; positions past the last group: 0
        first = _scatter(zeros(size), lax.select(starts, groups, _full(n, size, idx)),
                         lax.iota(idx, n))
        first = take_along(perm, first, 0)  # as a position in ar
        values = take_along(x, first, 0)
        if fill_value is not None:
            valid = lax.lt(lax.iota(idx, size), count)
            valid = lax.reshape(valid, (size,) + (1,) * (len(shape) - 1))
            values = _where3(broadcast_to_shape(valid, get_aval(values).shape), values,
                             scalar_of(fill_value, aval.dtype))
    outs = [values if axis is None else moveaxis(values, 0, axis)]
    if return_index:
        outs.append(first)
    if return_inverse:
        inverse = _scatter(zeros(n), perm, groups)
        outs.append(lax.reshape(inverse, aval.shape) if axis is None else inverse)
    if return_counts:
        ones = lax.broadcast_in_dim(np.ones((), idx), (n,), ())
        outs.append(_scatter(zeros(size), groups, ones, lax.scatter_add) if n else zeros(size))
    return outs + [count]


def _full(n, value, dtype):
    return lax.broadcast_in_dim(np.asarray(value, dtype), (n,), ())


def _scatter(operand, indices, updates, scatter=lax.scatter):
    """operand with updates written (or added) at the 1-D indices; out-of-range ones dropped."""
    dnums = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                        scatter_dims_to_operand_dims=(0,))
    k = get_aval(indices).shape[0]
    return scatter(operand, lax.reshape(indices, (k, 1)), updates, dnums, mode="drop")


def _sorted_group_starts(rows, n, m, equal_nan):
    """(perm, starts): the stable lexicographic sort order of the n rows (length m) and,
    in that order, whether each row differs from the one before (the first row does)."""
    idx = dtypes.default_int()
    if m == 0:  # empty rows are all equal
        return lax.iota(idx, n), lax.eq(lax.iota(idx, n), np.zeros((), idx))
    columns = [lax.reshape(lax.slice(rows, (0, j), (n, j + 1)), (n,)) for j in range(m)]
    if dtypes.kind(get_aval(rows).dtype) == "c":  # sort by real part, then imaginary part
        columns = [part for c in columns for part in (lax.real(c), lax.imag(c))]
    *keys, perm = lax.sort(columns + [lax.iota(idx, n)], 0, num_keys=len(columns))
    differs = None
    for k in keys:
        a, b = lax.slice(k, (1,), (n,)), lax.slice(k, (0,), (n - 1,))
        d = lax.ne(a, b)
        if equal_nan and dtypes.is_inexact(get_aval(k).dtype):
            d = lax.bitwise_and(d, lax.bitwise_not(lax.bitwise_and(isnan(a), isnan(b))))
        differs = d if differs is None else lax.bitwise_or(differs, d)
    return perm, lax.concatenate([np.ones(1, bool), differs], 0)
