"""Functions whose result size can depend on the values, and the reductions built on the
others: unique, compress and the set operations; ptp and trace. Loaded on first use.

As in JAX, a value-dependent size needs the input concrete (known while tracing), or a
static `size=` (the first `size` results, padded with `fill_value`) under jit and vmap.
The last module of xlafront.numpy's chain: it imports from all the others.
"""
import operator
from typing import Any, NamedTuple

import numpy as np

from .. import dtypes, lax
from ..core import Tracer, concrete_or_error, get_aval
from ..dispatch import eager
from ..errors import ConcretizationTypeError, api_boundary
from ._indexing import nonzero, take
from ._manip import diagonal, moveaxis, searchsorted, take_along
from ._manip import where as _where3
from ._reductions import argmax, max_, min_, sum_
from ._ufuncs import isnan, subtract
from ._util import (array_like, aval_or_error, broadcast_to_shape, canonical_axis,
                    promote_dtypes, scalar_of)

__all__ = ["compress", "intersect1d", "isin", "ptp", "setdiff1d", "setxor1d", "trace",
           "union1d", "unique", "unique_all", "unique_counts", "unique_inverse",
           "unique_values"]


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


# ---------------------------------------------------------------------------------------
# The Array API's unique_* functions (NaNs all distinct, as equal_nan=False)

class UniqueAllResult(NamedTuple):
    values: Any
    indices: Any
    inverse_indices: Any
    counts: Any


class UniqueCountsResult(NamedTuple):
    values: Any
    counts: Any


class UniqueInverseResult(NamedTuple):
    values: Any
    inverse_indices: Any


@api_boundary
def unique_all(x, /, *, size=None, fill_value=None):
    """The sorted unique values of x with the first index, the inverse and the count of each
    (NaNs distinct); `size` and `fill_value` as in unique."""
    return UniqueAllResult(*unique(x, True, True, True, equal_nan=False, size=size,
                                   fill_value=fill_value))


@api_boundary
def unique_counts(x, /, *, size=None, fill_value=None):
    """The sorted unique values of x with their counts (NaNs distinct)."""
    return UniqueCountsResult(*unique(x, return_counts=True, equal_nan=False, size=size,
                                      fill_value=fill_value))


@api_boundary
def unique_inverse(x, /, *, size=None, fill_value=None):
    """The sorted unique values of x and the indices (of x's shape) that rebuild x."""
    return UniqueInverseResult(*unique(x, return_inverse=True, equal_nan=False, size=size,
                                       fill_value=fill_value))


@api_boundary
def unique_values(x, /, *, size=None, fill_value=None):
    """The sorted unique values of x (NaNs distinct)."""
    return unique(x, equal_nan=False, size=size, fill_value=fill_value)


# ---------------------------------------------------------------------------------------
# Set operations on flattened arrays. Each computes, at a static bound on the result's
# length, the candidates and a mask of those in the result; without `size` the count must
# then be concrete (eagerly it is), with `size` the first `size` results come padded.

def _static_size(op, size):
    if size is None:
        return None
    size = operator.index(concrete_or_error(size, f"{op} size"))
    if size < 0:
        raise ValueError(f"{op}: size must be non-negative, got {size}")
    return size


def _flat_pair(op, ar1, ar2):
    ar1, ar2 = array_like(ar1), array_like(ar2)
    aval_or_error(op, ar1), aval_or_error(op, ar2)
    a, b = promote_dtypes(op, ar1, ar2)[0]
    return (lax.reshape(x, (get_aval(x).size,)) for x in (a, b))


def _first_count(op, outs, count):
    """outs cut to their first `count` entries; count must be concrete."""
    if isinstance(count, Tracer):
        value = count.concrete_value()
        if value is None:
            raise ConcretizationTypeError(
                f"{op}: the size of the result depends on the values of the traced inputs; "
                f"pass size=n for the first n results (padded with fill_value) so the shapes "
                f"are static, or call {op} outside jit/vmap")
        count = value
    count = int(count)
    return tuple(_first(o, count, 0) for o in outs)


def _sorted_unique(x, assume_unique):
    """(values, valid, first): x's sorted unique values padded to len(x), which of them are
    real, and the index in x of each one's first occurrence. assume_unique: x sorted."""
    n, idx = get_aval(x).shape[0], dtypes.default_int()
    iota = lax.iota(idx, n)
    if assume_unique or n == 0:
        values, perm = lax.sort([x, iota], 0, num_keys=1)
        return values, lax.ge(iota, np.zeros((), idx)), perm
    values, first, count = _unique(x, None, n, None, equal_nan=True, return_index=True,
                                   return_inverse=False, return_counts=False)
    return values, lax.lt(iota, count), first


def _matches(x, y, valid_y):
    """The (len(x), len(y)) table of x[i] == y[j] for the valid y[j]."""
    n, m = get_aval(x).shape[0], get_aval(y).shape[0]
    eq = lax.eq(lax.broadcast_in_dim(x, (n, m), (0,)), lax.broadcast_in_dim(y, (n, m), (1,)))
    return lax.bitwise_and(eq, lax.broadcast_in_dim(valid_y, (n, m), (1,)))


def _any_row(table):
    n, m = get_aval(table).shape
    return lax.reduce_or(table, (1,)) if m else lax.broadcast_in_dim(np.bool_(False), (n,), ())


def _compact(values, mask, size, fill_value, default_fill=None):
    """(the first `size` values where mask, padded; their positions, padded with len(values);
    how many there are). The padding is fill_value, else default_fill, else the smallest
    result (0 with none), as JAX."""
    n, idx = get_aval(values).shape[0], dtypes.default_int()
    positions = nonzero(mask, size=size, fill_value=n)[0]
    count = lax.reduce_sum(lax.convert_element_type(mask, idx), (0,))
    vals = take(values, positions, mode="fill", fill_value=0) if n else \
        _full(size, 0, get_aval(values).dtype)
    valid = lax.lt(lax.iota(idx, size), count)
    fill = default_fill if fill_value is None else fill_value
    if fill is None and size:  # the smallest result (the max first keeps padding out)
        vals = _where3(valid, vals, max_(vals))
        fill = min_(vals)
    elif fill is None:
        fill = 0
    return _where3(valid, vals, scalar_of(fill, get_aval(vals).dtype)), positions, count


@api_boundary
def intersect1d(ar1, ar2, assume_unique=False, return_indices=False, *, size=None,
                fill_value=None):
    """The sorted values in both (flattened) arrays; with return_indices also the index of
    each in ar1 and in ar2 (its first occurrence). assume_unique: the inputs have no
    repeats. `size`: the first `size` values, padded with fill_value (default the smallest
    value; index padding len(ar1) and len(ar2)), as jit and vmap need."""
    size = _static_size("intersect1d", size)
    a, b = _flat_pair("intersect1d", ar1, ar2)
    bound = get_aval(a).shape[0] if size is None else size
    *outs, count = _intersect1d(a, b, fill_value, bool(assume_unique), bool(return_indices),
                                bound)
    if size is None:
        outs = _first_count("intersect1d", outs, count)
    return tuple(outs) if return_indices else outs[0]


@eager(static_argnums=(3, 4, 5))
def _intersect1d(a, b, fill_value, assume_unique, return_indices, size):
    (u1, v1, i1), (u2, v2, i2) = _sorted_unique(a, assume_unique), _sorted_unique(b, assume_unique)
    table = _matches(u1, u2, v2)
    vals, positions, count = _compact(u1, lax.bitwise_and(_any_row(table), v1), size,
                                      fill_value)
    if not return_indices:
        return vals, count
    n1, n2 = get_aval(a).shape[0], get_aval(b).shape[0]
    idx = dtypes.default_int()
    if not (n1 and n2):  # (no intersection: all padding)
        return vals, _full(size, n1, idx), _full(size, n2, idx), count
    j = take(i2, argmax(table, axis=1), mode="clip")  # (the match of each value in b)
    return (vals, take(i1, positions, mode="fill", fill_value=n1),
            take(j, positions, mode="fill", fill_value=n2), count)


@api_boundary
def union1d(ar1, ar2, *, size=None, fill_value=None):
    """The sorted unique values of both (flattened) arrays together; `size` and fill_value
    as in unique."""
    size = _static_size("union1d", size)
    a, b = _flat_pair("union1d", ar1, ar2)
    return unique(lax.concatenate([a, b], 0), size=size, fill_value=fill_value)


@api_boundary
def setdiff1d(ar1, ar2, assume_unique=False, *, size=None, fill_value=None):
    """The unique values of ar1 not in ar2, sorted (with assume_unique, ar1's values in
    their order). `size`: the first `size`, padded with fill_value (default 0, as JAX)."""
    size = _static_size("setdiff1d", size)
    a, b = _flat_pair("setdiff1d", ar1, ar2)
    bound = get_aval(a).shape[0] if size is None else size
    vals, count = _setdiff1d(a, b, fill_value, bool(assume_unique), bound)
    return _first_count("setdiff1d", [vals], count)[0] if size is None else vals


@eager(static_argnums=(3, 4))
def _setdiff1d(a, b, fill_value, assume_unique, size):
    n = get_aval(a).shape[0]
    if assume_unique:
        values, valid = a, lax.broadcast_in_dim(np.bool_(True), (n,), ())
    else:
        values, valid, _ = _sorted_unique(a, False)
    u2, v2, _ = _sorted_unique(b, assume_unique)
    keep = lax.bitwise_and(valid, lax.bitwise_not(_any_row(_matches(values, u2, v2))))
    vals, _, count = _compact(values, keep, size, fill_value, default_fill=0)
    return vals, count


@api_boundary
def setxor1d(ar1, ar2, assume_unique=False, *, size=None, fill_value=None):
    """The sorted values in exactly one of the (flattened) arrays. `size`: the first `size`,
    padded with fill_value (default the smallest value)."""
    size = _static_size("setxor1d", size)
    a, b = _flat_pair("setxor1d", ar1, ar2)
    bound = get_aval(a).shape[0] + get_aval(b).shape[0] if size is None else size
    vals, count = _setxor1d(a, b, fill_value, bool(assume_unique), bound)
    return _first_count("setxor1d", [vals], count)[0] if size is None else vals


@eager(static_argnums=(3, 4))
def _setxor1d(a, b, fill_value, assume_unique, size):
    (u1, v1, _), (u2, v2, _) = _sorted_unique(a, assume_unique), _sorted_unique(b, assume_unique)
    only1 = lax.bitwise_and(v1, lax.bitwise_not(_any_row(_matches(u1, u2, v2))))
    only2 = lax.bitwise_and(v2, lax.bitwise_not(_any_row(_matches(u2, u1, v1))))
    values, keep = lax.concatenate([u1, u2], 0), lax.concatenate([only1, only2], 0)
    # the kept values first, sorted
    order = lax.convert_element_type(lax.bitwise_not(keep), dtypes.int32)
    _, values, keep = lax.sort([order, values, keep], 0, num_keys=2)
    vals, _, count = _compact(values, keep, size, fill_value)
    return vals, count


@eager(static_argnames=("assume_unique", "invert", "method"))
def isin(element, test_elements, assume_unique=False, invert=False, *, method="auto"):
    """Whether each element of `element` is in test_elements (its shape); invert negates.
    method 'auto' and 'compare_all' compare every pair, 'binary_search' and 'sort' sort
    test_elements and search it (less memory for large inputs); all give the same result,
    and assume_unique (a hint in NumPy) changes nothing either."""
    if method not in ("auto", "compare_all", "binary_search", "sort"):
        raise ValueError(f"isin: method={method!r} is not implemented; options are "
                         f"'compare_all', 'binary_search', 'sort', and 'auto'")
    element, test_elements = array_like(element), array_like(test_elements)
    shape = aval_or_error("isin", element).shape
    aval_or_error("isin", test_elements)
    x, y = _flat_pair("isin", element, test_elements)
    n, m = get_aval(x).shape[0], get_aval(y).shape[0]
    if n == 0 or m == 0:
        found = lax.broadcast_in_dim(np.bool_(False), (n,), ())
    elif method in ("auto", "compare_all"):
        found = _any_row(_matches(x, y, lax.broadcast_in_dim(np.bool_(True), (m,), ())))
    else:
        y = lax.sort(y, 0)
        at = searchsorted(y, x)
        found = lax.eq(take(y, at, mode="clip"), x)
    return lax.reshape(lax.bitwise_not(found) if invert else found, shape)
