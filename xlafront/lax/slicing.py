"""Slicing and indexed access: slice, dynamic_slice, dynamic_update_slice, gather and the
scatter family (scatter, scatter_add, scatter_mul, scatter_min, scatter_max), with JAX's
dimension numbers and out-of-bounds modes.

As in JAX the index vector dimension of gather and scatter is always the last dimension
of the indices, and `mode` says what out-of-bounds indices do:

- `GatherScatterMode.CLIP` ("clip"): indices are clamped so the whole window is in bounds;
- `GatherScatterMode.FILL_OR_DROP` ("fill", "drop"): a gather returns `fill_value` for a
  window that is not wholly in bounds, a scatter drops that window's update;
- `GatherScatterMode.PROMISE_IN_BOUNDS`: the caller promises in-bounds indices (XLA then
  clamps gathers and drops scatters; gradients assume the promise holds).

gather defaults to PROMISE_IN_BOUNDS, the scatters to FILL_OR_DROP, as in JAX.
"""
import builtins
import enum
import math
from typing import NamedTuple

import numpy as np

from .. import dtypes
from ..core import bind, concrete_shape, get_aval
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from .base import (check_kinds, check_same_dtypes, composed, ints, is_array_value, jvp_rule,
                   linear_in, normalize_axis, out, primitive)
from .elementwise import add, convert_element_type, div, eq, lt, mul, neg, rem, select, sub
from .shape import (broadcast, broadcast_in_dim, concatenate, expand_dims, full, iota, pad,
                    reshape, squeeze)

__all__ = ["GatherDimensionNumbers", "GatherScatterMode", "ScatterDimensionNumbers",
           "dynamic_index_in_dim", "dynamic_slice", "dynamic_slice_in_dim", "dynamic_slice_p",
           "dynamic_update_index_in_dim", "dynamic_update_slice", "dynamic_update_slice_in_dim",
           "dynamic_update_slice_p", "gather", "gather_p", "index_in_dim", "index_take",
           "scatter", "scatter_add", "scatter_add_p", "scatter_max", "scatter_max_p",
           "scatter_min", "scatter_min_p", "scatter_mul", "scatter_mul_p", "scatter_p",
           "scatter_prims", "scatter_sub", "scatter_sub_p", "slice_", "slice_in_dim", "slice_p",
           "split", "split_p", "unstack", "unstack_p"]


# ---------------------------------------------------------------------------------------
# slice

def _slice_abstract(x, start_indices, limit_indices, strides):
    if not len(start_indices) == len(limit_indices) == len(strides) == x.ndim:
        raise TypeError(f"slice: start_indices, limit_indices and strides need one entry per "
                        f"dimension of shape {x.shape}")
    shape = []
    for n, start, limit, stride in zip(x.shape, start_indices, limit_indices, strides):
        if not 0 <= start <= limit <= n or stride < 1:
            raise IndexError(f"slice: indices start={start_indices} limit={limit_indices} "
                             f"strides={strides} are out of bounds for shape {x.shape}")
        shape.append((limit - start + stride - 1) // stride)
    return out(tuple(shape), x.dtype, x.weak_type)


slice_p = primitive(
    "slice", _slice_abstract,
    lambda ctx, x, start_indices, limit_indices, strides: [L.hlo.slice(
        x, L.dense_i64(start_indices), L.dense_i64(limit_indices), L.dense_i64(strides))])


def slice_(x, start_indices, limit_indices, strides=None):
    """x[start:limit:stride] in every dimension, with static bounds."""
    start = ints("slice", "start_indices", start_indices)
    limit = ints("slice", "limit_indices", limit_indices)
    strides = (1,) * len(start) if strides is None else ints("slice", "strides", strides)
    if (start == (0,) * len(start) and limit == get_aval(x).shape and set(strides) <= {1}
            and is_array_value(x)):
        return x
    return bind(slice_p, x, start_indices=start, limit_indices=limit, strides=strides)


slice_.__name__ = "slice"


def slice_in_dim(x, start_index, limit_index, stride=1, axis=0):
    """x[start:limit:stride] along `axis` (None bounds and negative ones as in Python)."""
    shape = get_aval(x).shape
    axis = normalize_axis("slice_in_dim", axis, len(shape))
    start, limit, step = builtins.slice(start_index, limit_index, stride).indices(shape[axis])
    starts, limits, strides = [0] * len(shape), list(shape), [1] * len(shape)
    starts[axis], limits[axis], strides[axis] = start, builtins.max(limit, start), step
    return slice_(x, starts, limits, strides)


def index_in_dim(operand, index, axis=0, keepdims=True):
    """operand at static `index` (negative: from the end) along `axis`, kept if keepdims."""
    shape = get_aval(operand).shape
    axis = normalize_axis("index_in_dim", axis, len(shape))
    index = builtins.int(index)
    if not -shape[axis] <= index < shape[axis]:
        raise IndexError(f"index_in_dim: index {index} is out of bounds for axis {axis} with "
                         f"size {shape[axis]}")
    index %= shape[axis]
    result = slice_in_dim(operand, index, index + 1, axis=axis)
    return result if keepdims else squeeze(result, (axis,))


def _split_results(x, sizes, axis):
    starts = np.cumsum((0,) + sizes)
    return [slice_in_dim(x, builtins.int(a), builtins.int(b), axis=axis)
            for a, b in zip(starts, starts[1:])]


def _with_size(shape, axis, n):
    return shape[:axis] + (n,) + shape[axis + 1:]


split_p = composed("split", _split_results, lambda x, sizes, axis: [
    x.update(shape=_with_size(x.shape, axis, n)) for n in sizes], multiple_results=True)


def split(operand, sizes, axis=0):
    """operand cut along `axis` into consecutive pieces of `sizes` (which sum to its size)."""
    shape = get_aval(operand).shape
    axis = normalize_axis("split", axis, len(shape))
    sizes = ints("split", "sizes", sizes)
    if sum(sizes) != shape[axis] or any(n < 0 for n in sizes):
        raise ValueError(f"split: sizes {sizes} must be non-negative and sum to the size "
                         f"{shape[axis]} of axis {axis} of the operand (shape {shape})")
    return bind(split_p, operand, sizes=sizes, axis=axis)


unstack_p = composed(
    "unstack", lambda x, axis: [squeeze(p, (axis,)) for p in _split_results(
        x, (1,) * get_aval(x).shape[axis], axis)],
    lambda x, axis: [x.update(shape=x.shape[:axis] + x.shape[axis + 1:])] * x.shape[axis],
    multiple_results=True)


def unstack(x, axis=0):
    """The slices of x along `axis`, as a tuple of arrays."""
    return tuple(bind(unstack_p, x, axis=normalize_axis("unstack", axis, get_aval(x).ndim)))


def _slice_transpose(ct, x, start_indices, limit_indices, strides):
    shape = x.aval.shape
    ct_shape = get_aval(ct).shape
    config = []
    for n, start, m, stride in zip(shape, start_indices, ct_shape, strides):
        real_limit = start + (0 if m == 0 else 1 + (m - 1) * stride)
        config.append((start, n - real_limit, stride - 1 if m else 0))
    return [pad(ct, np.zeros((), get_aval(ct).dtype), tuple(config))]


def _slice_batch(vals, dims, start_indices, limit_indices, strides):
    (x,), (d,) = vals, dims
    size = get_aval(x).shape[d]
    return [slice_p.bind(x, start_indices=start_indices[:d] + (0,) + start_indices[d:],
                         limit_indices=limit_indices[:d] + (size,) + limit_indices[d:],
                         strides=strides[:d] + (1,) + strides[d:])], [d]


ad.deflinear(slice_p, _slice_transpose)
batching.primitive_batchers[slice_p] = _slice_batch


# ---------------------------------------------------------------------------------------
# dynamic_slice / dynamic_update_slice
#
# Under vmap with unmapped start indices the batch dimension is one more dimension, sliced
# from 0 in full. With mapped start indices each example reads (or writes) its own window:
# as in JAX, the op as a gather (or scatter) of a window at one index vector, clamped (mode
# "clip") as XLA clamps, batched by the gather's (scatter's) rule with an index vector per
# example.

def _check_start_indices(op, x, indices):
    if len({i.dtype for i in indices}) > 1:
        raise TypeError(f"{op}: start indices must share one integer dtype, got "
                        f"{[i.dtype.name for i in indices]}")
    if len(indices) != x.ndim:
        raise TypeError(f"{op}: needs one start index per dimension of shape {x.shape}, got "
                        f"{len(indices)}")
    for i in indices:
        if i.shape != () or dtypes.kind(i.dtype) not in "iu":
            raise TypeError(f"{op}: start indices must be integer scalars, got "
                            f"{i.str_short()}")


def _index_operands(x, indices, wrap=True):
    """Start indices as operands of one integer dtype, negative ones counted from the end of
    their dimension if `wrap` (as in JAX); XLA then clamps the window into bounds."""
    shape = get_aval(x).shape
    indices = list(indices)
    if len(indices) != len(shape):
        return indices  # the abstract evaluation reports the mismatch
    avals = [None if isinstance(i, (builtins.int, np.integer)) else get_aval(i) for i in indices]
    if any(a is not None and (a.shape != () or dtypes.kind(a.dtype) not in "iu") for a in avals):
        return indices  # not integer scalars: the abstract evaluation reports them
    dtype = dtypes.int64 if any(a is not None and a.dtype.itemsize == 8 for a in avals) \
        else dtypes.int32
    info = np.iinfo(dtype)
    result = []
    for i, aval, n in zip(indices, avals, shape):
        if aval is None:
            i = builtins.int(i)
            i = i + n if i < 0 and wrap else i
            result.append(np.asarray(min(max(i, info.min), info.max), dtype))
            continue
        if aval.dtype != dtype:
            i = convert_element_type(i, dtype)
        if dtypes.kind(aval.dtype) == "i" and wrap:
            i = select(lt(i, np.zeros((), dtype)), add(i, np.asarray(n, dtype)), i)
        result.append(i)
    return result


def _index_dtype(indices):
    return get_aval(indices[0]).dtype if indices else dtypes.int32


def _start_vectors(indices, idx_dims, size):
    """The start indices as a (size, len(indices)) array: one index vector per example."""
    columns = [reshape(broadcast(i, (size,)) if d is batching.not_mapped else i, (size, 1))
               for i, d in zip(indices, idx_dims)]
    return concatenate(columns, 1)


def _dynamic_slice_abstract(x, *indices, slice_sizes):
    _check_start_indices("dynamic_slice", x, indices)
    if len(slice_sizes) != x.ndim or any(not 0 <= s <= n for s, n in zip(slice_sizes, x.shape)):
        raise TypeError(f"dynamic_slice: slice_sizes {slice_sizes} must fit in shape {x.shape}")
    return out(slice_sizes, x.dtype, x.weak_type)


dynamic_slice_p = primitive(
    "dynamic_slice", _dynamic_slice_abstract,
    lambda ctx, x, *indices, slice_sizes: [L.hlo.dynamic_slice(
        x, list(indices), L.dense_i64(slice_sizes))])


def dynamic_slice(x, start_indices, slice_sizes, *, allow_negative_indices=True):
    """x[start:start+size] per dimension with traced starts; a negative start counts from the
    end (unless allow_negative_indices is False), then the window is clamped into bounds as
    XLA does."""
    sizes = concrete_shape(slice_sizes, "dynamic_slice")
    return bind(dynamic_slice_p, x, *_index_operands(x, start_indices, allow_negative_indices),
                slice_sizes=sizes)


def _in_dim(x, index, axis, op):
    """(the start indices with `index` at `axis`, the normalized axis)."""
    ndim = get_aval(x).ndim
    axis = normalize_axis(op, axis, ndim)
    return [0] * axis + [index] + [0] * (ndim - axis - 1), axis


def dynamic_slice_in_dim(operand, start_index, slice_size, axis=0, *,
                         allow_negative_indices=True):
    """dynamic_slice along one axis: slice_size entries from (traced) start_index."""
    starts, axis = _in_dim(operand, start_index, axis, "dynamic_slice_in_dim")
    sizes = _with_size(get_aval(operand).shape, axis, builtins.int(slice_size))
    return dynamic_slice(operand, starts, sizes, allow_negative_indices=allow_negative_indices)


def dynamic_index_in_dim(operand, index, axis=0, keepdims=True, *,
                         allow_negative_indices=True):
    """operand at (traced) `index` along `axis`, keeping that axis (size 1) if keepdims."""
    result = dynamic_slice_in_dim(operand, index, 1, axis,
                                  allow_negative_indices=allow_negative_indices)
    return result if keepdims else squeeze(result, (axis,))


def _dynamic_slice_transpose(ct, x, *indices, slice_sizes):
    zeros = full(x.aval.shape, 0, x.aval.dtype)
    return [dynamic_update_slice_p.bind(zeros, ct, *indices)] + [None] * len(indices)


def _dynamic_slice_batch(vals, dims, slice_sizes):
    x, *indices = vals
    dx, *idx_dims = dims
    size = batching.batch_size_of(vals, dims)
    if all(d is batching.not_mapped for d in idx_dims):
        zero = np.zeros((), _index_dtype(indices))
        return [dynamic_slice_p.bind(x, *indices[:dx], zero, *indices[dx:],
                                     slice_sizes=slice_sizes[:dx] + (size,) +
                                     slice_sizes[dx:])], [dx]
    every = tuple(range(len(slice_sizes)))
    return _gather_batch([x, _start_vectors(indices, idx_dims, size)], [dx, 0],
                         dimension_numbers=GatherDimensionNumbers(every, (), every),
                         slice_sizes=slice_sizes, unique_indices=True, indices_are_sorted=True,
                         mode=GatherScatterMode.CLIP, fill_value=None)


linear_in((0,), _dynamic_slice_transpose)(dynamic_slice_p)
batching.primitive_batchers[dynamic_slice_p] = _dynamic_slice_batch


def _dynamic_update_slice_abstract(x, update, *indices):
    check_same_dtypes("dynamic_update_slice", (x, update))
    _check_start_indices("dynamic_update_slice", x, indices)
    if update.ndim != x.ndim or any(u > n for u, n in zip(update.shape, x.shape)):
        raise TypeError(f"dynamic_update_slice: update of shape {update.shape} does not fit in "
                        f"operand of shape {x.shape}")
    return out(x.shape, x.dtype, x.weak_type)


dynamic_update_slice_p = primitive(
    "dynamic_update_slice", _dynamic_update_slice_abstract,
    lambda ctx, x, update, *indices: [L.hlo.dynamic_update_slice(x, update, list(indices))])


def dynamic_update_slice(x, update, start_indices, *, allow_negative_indices=True):
    """x with `update` written at start_indices (negative ones count from the end unless
    allow_negative_indices is False; the window is clamped into bounds)."""
    return bind(dynamic_update_slice_p, x, update,
                *_index_operands(x, start_indices, allow_negative_indices))


def dynamic_update_slice_in_dim(operand, update, start_index, axis, *,
                                allow_negative_indices=True):
    """operand with `update` written from (traced) start_index along `axis`."""
    starts, _ = _in_dim(operand, start_index, axis, "dynamic_update_slice_in_dim")
    return dynamic_update_slice(operand, update, starts,
                                allow_negative_indices=allow_negative_indices)


def dynamic_update_index_in_dim(operand, update, index, axis, *, allow_negative_indices=True):
    """operand with `update` (with or without the size-1 `axis`) at `index` along `axis`."""
    axis = normalize_axis("dynamic_update_index_in_dim", axis, get_aval(operand).ndim)
    if get_aval(update).ndim == get_aval(operand).ndim - 1:
        update = expand_dims(update, (axis,))
    return dynamic_update_slice_in_dim(operand, update, index, axis,
                                       allow_negative_indices=allow_negative_indices)


def _dynamic_update_slice_transpose(ct, x, update, *indices):
    update_aval = update.aval if ad.is_undefined(update) else get_aval(update)
    ct_x = ct_u = None
    if ad.is_undefined(x):
        zeros = full(update_aval.shape, 0, update_aval.dtype)
        ct_x = dynamic_update_slice_p.bind(ct, zeros, *indices)
    if ad.is_undefined(update):
        ct_u = dynamic_slice_p.bind(ct, *indices, slice_sizes=update_aval.shape)
    return [ct_x, ct_u] + [None] * len(indices)


def _dynamic_update_slice_batch(vals, dims):
    x, update, *indices = vals
    dx, du, *idx_dims = dims
    size = batching.batch_size_of(vals, dims)
    if all(d is batching.not_mapped for d in idx_dims):
        if dx is batching.not_mapped or dx != du:
            x, update = batching.bdim_at_front(x, dx, size), batching.bdim_at_front(update, du, size)
            dx = 0
        zero = np.zeros((), _index_dtype(indices))
        return [dynamic_update_slice_p.bind(x, update, *indices[:dx], zero,
                                            *indices[dx:])], [dx]
    every = tuple(range(len(indices)))
    return batching.primitive_batchers[scatter_p](
        [x, _start_vectors(indices, idx_dims, size), update], [dx, 0, du],
        dimension_numbers=ScatterDimensionNumbers(every, (), every), indices_are_sorted=True,
        unique_indices=True, mode=GatherScatterMode.CLIP)


linear_in((0, 1), _dynamic_update_slice_transpose)(dynamic_update_slice_p)
batching.primitive_batchers[dynamic_update_slice_p] = _dynamic_update_slice_batch


# ---------------------------------------------------------------------------------------
# gather and scatter: dimension numbers, modes, shared checks

class GatherDimensionNumbers(NamedTuple):
    """How the dimensions of a gather's operand, indices and output relate (XLA's gather
    with the index vector dimension last):

    offset_dims: output dimensions holding a slice's (non-collapsed) dimensions, sorted;
    collapsed_slice_dims: operand dimensions of slice size 1 dropped from the output;
    start_index_map: operand dimension indexed by each entry of an index vector;
    operand_batching_dims / start_indices_batching_dims: paired dimensions of operand and
      indices along which the gather is batched (slice size 1, dropped from the slice).
    """
    offset_dims: tuple
    collapsed_slice_dims: tuple
    start_index_map: tuple
    operand_batching_dims: tuple = ()
    start_indices_batching_dims: tuple = ()


class ScatterDimensionNumbers(NamedTuple):
    """How the dimensions of a scatter's operand, indices and updates relate (the mirror of
    GatherDimensionNumbers, field for field: `GatherDimensionNumbers(*dn)` reads back where
    a scatter with dimension numbers dn writes, and `ScatterDimensionNumbers(*dn)` writes
    where a gather reads):

    update_window_dims: dimensions of `updates` that are window dimensions, sorted;
    inserted_window_dims: size-1 window dimensions of the operand absent from `updates`;
    scatter_dims_to_operand_dims: operand dimension indexed by each entry of an index vector;
    operand_batching_dims / scatter_indices_batching_dims: paired batching dimensions.
    """
    update_window_dims: tuple
    inserted_window_dims: tuple
    scatter_dims_to_operand_dims: tuple
    operand_batching_dims: tuple = ()
    scatter_indices_batching_dims: tuple = ()


class GatherScatterMode(enum.Enum):
    """What out-of-bounds indices do in a gather or scatter (see the module docstring)."""
    CLIP = enum.auto()
    FILL_OR_DROP = enum.auto()
    PROMISE_IN_BOUNDS = enum.auto()

    @staticmethod
    def from_any(s):
        if isinstance(s, GatherScatterMode):
            return s
        if s == "clip":
            return GatherScatterMode.CLIP
        if s is None or s == "fill" or s == "drop":
            return GatherScatterMode.FILL_OR_DROP
        if s == "promise_in_bounds":
            return GatherScatterMode.PROMISE_IN_BOUNDS
        raise ValueError(f"Unknown gather/scatter mode {s!r}; use 'clip', 'fill' (or 'drop'), "
                         "'promise_in_bounds' or a GatherScatterMode")


def _dnums(op, cls, dimension_numbers):
    if isinstance(dimension_numbers, dict):
        dimension_numbers = cls(**dimension_numbers)
    elif not isinstance(dimension_numbers, cls):
        if isinstance(dimension_numbers, (tuple, list)) and 3 <= len(dimension_numbers) <= 5:
            dimension_numbers = cls(*dimension_numbers)
        else:
            raise TypeError(f"{op}: dimension_numbers must be a {cls.__name__}, got "
                            f"{dimension_numbers!r}")
    return cls(*(ints(op, name, v) for name, v in zip(cls._fields, dimension_numbers)))


def _window_sizes(operand_shape, dnums, updates_shape):
    """The size of the update window in each operand dimension."""
    window = iter(updates_shape[d] for d in dnums.update_window_dims)
    dropped = set(dnums.inserted_window_dims) | set(dnums.operand_batching_dims)
    return [1 if i in dropped else next(window) for i in range(len(operand_shape))]


def _shift(dims):
    return tuple(d + 1 for d in dims)


def _batched_dnums(dn, operand_mapped, indices_mapped):
    """Gather or scatter dimension numbers (their fields correspond) for operands with a new
    leading batch dimension: a window dimension when only the operand has it, a batch
    dimension of the indices when only they do, a pair of batching dimensions when both."""
    window, dropped, index_map, operand_batching, indices_batching = dn
    if operand_mapped:
        dropped, index_map = _shift(dropped), _shift(index_map)
        operand_batching = _shift(operand_batching)
    if indices_mapped:
        indices_batching = _shift(indices_batching)
        if operand_mapped:
            operand_batching, indices_batching = (0,) + operand_batching, (0,) + indices_batching
    window = _shift(window) if indices_mapped else (0,) + _shift(window)
    return type(dn)(window, dropped, index_map, operand_batching, indices_batching)


def _check_unique(op, name, dims):
    if len(set(dims)) != len(dims):
        raise TypeError(f"{op}: {name} must not repeat, got {dims}")


def _check_in_range(op, name, dims, rank, what):
    for d in dims:
        if not 0 <= d < rank:
            raise TypeError(f"{op}: {name} {dims} out of range for the {rank} dimensions of "
                            f"{what}")


def _check_dims(op, name, dims, rank, what):
    """dims sorted, without repeats, each a dimension of an array of `rank` (`what`)."""
    if list(dims) != sorted(dims):
        raise TypeError(f"{op}: {name} must be sorted, got {dims}")
    _check_unique(op, name, dims)
    _check_in_range(op, name, dims, rank, what)


def _check_disjoint(op, name1, dims1, name2, dims2):
    if set(dims1) & set(dims2):
        raise TypeError(f"{op}: {name1} {dims1} and {name2} {dims2} must be disjoint")


def _check_indices(op, indices):
    if dtypes.kind(indices.dtype) not in "iu":
        raise TypeError(f"{op}: indices must have an integer dtype, got {indices.dtype.name}")
    if indices.ndim < 1:
        raise TypeError(f"{op}: indices must have at least one dimension (the index vector "
                        f"dimension, last), got a scalar; add a trailing dimension of size 1")


def _check_dnums(op, dn, operand, indices, window_rank, window_what):
    """The checks gather and scatter share, on dimension numbers of either kind (their
    fields correspond): window dimensions of an array of `window_rank` (`window_what`),
    dropped (collapsed or inserted) and batching dimensions of the operand, and the operand
    dimension each entry of an index vector indexes."""
    window, dropped, index_map, operand_batching, indices_batching = dn
    names = type(dn)._fields
    of_operand = f"the operand of shape {operand.shape}"
    _check_dims(op, names[0], window, window_rank, window_what)
    _check_dims(op, names[1], dropped, operand.ndim, of_operand)
    _check_dims(op, names[3], operand_batching, operand.ndim, of_operand)
    _check_unique(op, names[4], indices_batching)
    _check_in_range(op, names[4], indices_batching, indices.ndim,
                    f"the indices of shape {indices.shape}")
    if indices.ndim - 1 in indices_batching:
        raise TypeError(f"{op}: the index vector dimension (the last of the indices) cannot "
                        f"be a batching dimension, got {names[4]}={indices_batching}")
    if len(operand_batching) != len(indices_batching):
        raise TypeError(f"{op}: {names[3]} {operand_batching} and {names[4]} "
                        f"{indices_batching} must have equal lengths")
    op_shape = tuple(operand.shape[d] for d in operand_batching)
    idx_shape = tuple(indices.shape[d] for d in indices_batching)
    if op_shape != idx_shape:
        raise TypeError(f"{op}: operand batching dimensions have sizes {op_shape} but the "
                        f"indices batching dimensions have sizes {idx_shape}")
    _check_disjoint(op, names[1], dropped, names[3], operand_batching)
    if len(window) + len(dropped) + len(operand_batching) != operand.ndim:
        raise TypeError(f"{op}: {names[0]}, {names[1]} and {names[3]} must together account "
                        f"for the dimensions of {of_operand}, got {window}, {dropped} and "
                        f"{operand_batching}")
    if len(index_map) != indices.shape[-1]:
        raise TypeError(f"{op}: {names[2]} {index_map} needs one entry per element of an "
                        f"index vector (the last dimension of indices of shape "
                        f"{indices.shape})")
    _check_in_range(op, names[2], index_map, operand.ndim, of_operand)
    _check_unique(op, names[2], index_map)
    _check_disjoint(op, names[2], index_map, names[3], operand_batching)


def _index_bounds(operand_shape, index_map, window_sizes, index_dtype):
    """The largest in-bounds start of each index-vector entry, capped at what the index
    dtype can hold (every representable index up to the cap is then in bounds)."""
    cap = np.iinfo(index_dtype).max
    return np.array([min(operand_shape[d] - window_sizes[d], cap) for d in index_map],
                    index_dtype)


def _broadcast_bounds(bounds, idx_aval):
    vec = L.constant(bounds)
    return L.hlo.broadcast_in_dim(L.ir_type(idx_aval), vec, L.dense_i64([idx_aval.ndim - 1]))


# ---------------------------------------------------------------------------------------
# gather

def _gather_abstract(operand, indices, *, dimension_numbers, slice_sizes, unique_indices,
                     indices_are_sorted, mode, fill_value):
    op = "gather"
    _check_indices(op, indices)
    dn = dimension_numbers
    offset_dims, collapsed = dn.offset_dims, dn.collapsed_slice_dims
    out_rank = len(offset_dims) + indices.ndim - 1
    _check_dnums(op, dn, operand, indices, out_rank, "the output")
    if len(slice_sizes) != operand.ndim:
        raise TypeError(f"gather: slice_sizes {slice_sizes} needs one entry per dimension of "
                        f"the operand of shape {operand.shape}")
    if indices.size:
        for s, n in zip(slice_sizes, operand.shape):
            if not 0 <= s <= n:
                raise TypeError(f"gather: slice_sizes {slice_sizes} must fit in the operand "
                                f"of shape {operand.shape}")
    for d in collapsed:
        if slice_sizes[d] != 1:
            raise TypeError(f"gather: collapsed_slice_dims {collapsed} must have slice size 1, "
                            f"got slice_sizes {slice_sizes}")
    for d in dn.operand_batching_dims:
        if slice_sizes[d] > 1:
            raise TypeError(f"gather: operand_batching_dims {dn.operand_batching_dims} must "
                            f"have slice size 0 or 1, got slice_sizes {slice_sizes}")
    dropped = set(collapsed) | set(dn.operand_batching_dims)
    window = iter(s for i, s in enumerate(slice_sizes) if i not in dropped)
    batch = iter(indices.shape[:-1])
    shape = tuple(next(window) if i in offset_dims else next(batch) for i in range(out_rank))
    return out(shape, operand.dtype, operand.weak_type)


def _gather_lowering(ctx, operand, indices, *, dimension_numbers, slice_sizes, unique_indices,
                     indices_are_sorted, mode, fill_value):
    op_aval, idx_aval = ctx.avals_in
    out_aval = ctx.avals_out[0]
    if out_aval.size == 0:
        return [L.full_like_aval(0, out_aval)]
    dn = dimension_numbers
    dnums = L.hlo.GatherDimensionNumbers.get(
        offset_dims=list(dn.offset_dims), collapsed_slice_dims=list(dn.collapsed_slice_dims),
        operand_batching_dims=list(dn.operand_batching_dims),
        start_indices_batching_dims=list(dn.start_indices_batching_dims),
        start_index_map=list(dn.start_index_map), index_vector_dim=idx_aval.ndim - 1)
    result = L.hlo.gather(operand, indices, dnums, L.dense_i64(slice_sizes),
                          indices_are_sorted=L.ir.BoolAttr.get(indices_are_sorted))
    if mode is not GatherScatterMode.FILL_OR_DROP:
        return [result]  # XLA clamps out-of-bounds windows: CLIP (and PROMISE_IN_BOUNDS)
    # FILL_OR_DROP: a window not wholly in bounds gives fill_value.
    idx_dtype = idx_aval.dtype
    bounds = _index_bounds(op_aval.shape, dn.start_index_map, slice_sizes, idx_dtype)
    ok = L.compare(indices, _broadcast_bounds(bounds, idx_aval), "LE", idx_dtype)
    if dtypes.kind(idx_dtype) == "i":
        zero = L.full_like_aval(0, idx_aval)
        ok = L.hlo.and_(ok, L.compare(indices, zero, "GE", idx_dtype))
    mask_aval = idx_aval.update(shape=idx_aval.shape[:-1], dtype=dtypes.bool_)
    reduce = L.hlo.ReduceOp([L.ir_type(mask_aval)], [ok], [L.constant(np.array(True))],
                            L.dense_i64([idx_aval.ndim - 1]))
    L.build_region(reduce.regions[0], [L.scalar_type(dtypes.bool_)] * 2,
                   lambda a, b: L.hlo.and_(a, b))
    batch_dims = [i for i in range(out_aval.ndim) if i not in dn.offset_dims]
    mask = L.hlo.broadcast_in_dim(L.ir_type(out_aval.update(dtype=dtypes.bool_)),
                                  reduce.results[0], L.dense_i64(batch_dims))
    fill = L.full_like_aval(_host_scalar(fill_value, out_aval.dtype), out_aval)
    return [L.hlo.select(mask, result, fill)]


gather_p = primitive("gather", _gather_abstract, _gather_lowering)


def _host_scalar(value, dtype):
    with np.errstate(all="ignore"):
        return np.asarray(value).astype(dtype)


def _default_fill(dtype):
    if dtypes.is_inexact(dtype):
        return np.nan
    if dtypes.kind(dtype) == "i":
        return builtins.int(np.iinfo(dtype).min)
    if dtypes.kind(dtype) == "u":
        return builtins.int(np.iinfo(dtype).max)
    return True


def _fill_param(value, dtype):
    """fill_value as a hashable Python scalar of `dtype` (NaN as the one `np.nan`, so that
    the eager cache, keyed by params, finds it again)."""
    item = _host_scalar(value, dtype).item()
    if isinstance(item, builtins.float) and item != item:
        return np.nan
    return item


def gather(operand, start_indices, dimension_numbers, slice_sizes, *, unique_indices=False,
           indices_are_sorted=False, mode=None, fill_value=None):
    """XLA's gather: slices of `operand` of size `slice_sizes` starting at the index vectors
    in `start_indices` (last dimension), laid out by `dimension_numbers`. With mode "fill",
    out-of-bounds windows give `fill_value` (default NaN for inexact dtypes, the extreme
    value for integers, True for bools)."""
    dnums = _dnums("gather", GatherDimensionNumbers, dimension_numbers)
    mode = (GatherScatterMode.PROMISE_IN_BOUNDS if mode is None
            else GatherScatterMode.from_any(mode))
    if mode is GatherScatterMode.FILL_OR_DROP:
        dtype = get_aval(operand).dtype
        fill_value = _fill_param(_default_fill(dtype) if fill_value is None else fill_value,
                                 dtype)
    else:
        fill_value = None
    return bind(gather_p, operand, start_indices, dimension_numbers=dnums,
                slice_sizes=concrete_shape(slice_sizes, "gather"),
                unique_indices=builtins.bool(unique_indices),
                indices_are_sorted=builtins.bool(indices_are_sorted), mode=mode,
                fill_value=fill_value)


def _gather_jvp(g, operand, indices, *, dimension_numbers, slice_sizes, unique_indices,
                indices_are_sorted, mode, fill_value):
    return gather(g, indices, dimension_numbers, slice_sizes, unique_indices=unique_indices,
                  indices_are_sorted=indices_are_sorted, mode=mode, fill_value=0)


def _gather_transpose(ct, operand, indices, *, dimension_numbers, slice_sizes, unique_indices,
                      indices_are_sorted, mode, fill_value):
    zeros = full(operand.aval.shape, 0, get_aval(ct).dtype)
    return [scatter_add(zeros, indices, ct, ScatterDimensionNumbers(*dimension_numbers),
                        indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                        mode=mode), None]


def _gather_batch(vals, dims, *, dimension_numbers, slice_sizes, unique_indices,
                  indices_are_sorted, mode, fill_value):
    (operand, indices), (operand_bdim, indices_bdim) = vals, dims
    operand_mapped, indices_mapped = operand_bdim is not None, indices_bdim is not None
    flags = {}  # (indices batched alone repeat across the examples, unsorted)
    if operand_mapped:
        operand = batching.moveaxis(operand, operand_bdim, 0)
        size = get_aval(operand).shape[0]
        # the whole batch as a window, or (both mapped) a batching dimension's slice size 1
        slice_sizes = (min(size, 1) if indices_mapped else size,) + tuple(slice_sizes)
        flags = dict(unique_indices=unique_indices, indices_are_sorted=indices_are_sorted)
    if indices_mapped:
        indices = batching.moveaxis(indices, indices_bdim, 0)
    dnums = _batched_dnums(dimension_numbers, operand_mapped, indices_mapped)
    return [gather(operand, indices, dnums, slice_sizes, mode=mode, fill_value=fill_value,
                   **flags)], [0]


ad.defjvp(gather_p, _gather_jvp, None)
ad.primitive_transposes[gather_p] = _gather_transpose
batching.primitive_batchers[gather_p] = _gather_batch


# ---------------------------------------------------------------------------------------
# scatter, scatter_add, scatter_mul, scatter_min, scatter_max

def _scatter_abstract(name):
    def abstract_eval(operand, indices, updates, *, dimension_numbers, indices_are_sorted,
                      unique_indices, mode):
        _check_indices(name, indices)
        if operand.dtype != updates.dtype:
            raise TypeError(f"{name}: operand and updates must have the same dtype, got "
                            f"{operand.dtype.name} and {updates.dtype.name}; convert the "
                            f"updates first")
        if name in ("scatter_min", "scatter_max"):
            check_kinds(name, operand, "biufc")
        dn = dimension_numbers
        window_dims, inserted = dn.update_window_dims, dn.inserted_window_dims
        expected_rank = indices.ndim - 1 + len(window_dims)
        if updates.ndim != expected_rank:
            raise TypeError(f"{name}: updates must have rank {expected_rank} (the "
                            f"{indices.ndim - 1} scatter dimensions of the indices plus "
                            f"{len(window_dims)} update_window_dims), got shape "
                            f"{updates.shape}")
        _check_dnums(name, dn, operand, indices, updates.ndim,
                     f"the updates of shape {updates.shape}")
        dropped = set(inserted) | set(dn.operand_batching_dims)
        window_bounds = [n for i, n in enumerate(operand.shape) if i not in dropped]
        for bound, d in zip(window_bounds, window_dims):
            if updates.shape[d] > bound:
                raise TypeError(f"{name}: updates of shape {updates.shape} have window "
                                f"dimension {d} of size {updates.shape[d]}, larger than the "
                                f"operand's {bound} (operand shape {operand.shape})")
        scatter_dims = [d for d in range(updates.ndim) if d not in window_dims]
        if [updates.shape[d] for d in scatter_dims] != list(indices.shape[:-1]):
            raise TypeError(f"{name}: the scatter dimensions of updates (shape "
                            f"{updates.shape}, window dims {window_dims}) must match the "
                            f"leading dimensions of the indices (shape {indices.shape})")
        return out(operand.shape, operand.dtype, operand.weak_type)
    return abstract_eval


def _scatter_lowering(combine):
    """The lowering of a scatter whose update computation is `combine(a, b, dtype)`."""
    def lower(ctx, operand, indices, updates, *, dimension_numbers, indices_are_sorted,
              unique_indices, mode):
        op_aval, idx_aval, upd_aval = ctx.avals_in
        dn = dimension_numbers
        if mode is GatherScatterMode.CLIP:
            sizes = _window_sizes(op_aval.shape, dn, upd_aval.shape)
            bounds = np.maximum(_index_bounds(op_aval.shape, dn.scatter_dims_to_operand_dims,
                                              sizes, idx_aval.dtype), 0)
            indices = L.hlo.clamp(L.full_like_aval(0, idx_aval), indices,
                                  _broadcast_bounds(bounds.astype(idx_aval.dtype), idx_aval))
        dnums = L.hlo.ScatterDimensionNumbers.get(
            update_window_dims=list(dn.update_window_dims),
            inserted_window_dims=list(dn.inserted_window_dims),
            input_batching_dims=list(dn.operand_batching_dims),
            scatter_indices_batching_dims=list(dn.scatter_indices_batching_dims),
            scattered_dims_to_operand_dims=list(dn.scatter_dims_to_operand_dims),
            index_vector_dim=idx_aval.ndim - 1)
        op = L.hlo.ScatterOp([L.ir_type(ctx.avals_out[0])], [operand], indices, [updates], dnums,
                             indices_are_sorted=L.ir.BoolAttr.get(indices_are_sorted),
                             unique_indices=L.ir.BoolAttr.get(unique_indices))
        L.build_region(op.update_computation, [L.scalar_type(op_aval.dtype)] * 2,
                       lambda a, b: combine(a, b, op_aval.dtype))
        return list(op.results)
    return lower


def _scatter_wrapper(prim, name, doc):
    def op(operand, scatter_indices, updates, dimension_numbers, *, indices_are_sorted=False,
           unique_indices=False, mode=None):
        dnums = _dnums(name, ScatterDimensionNumbers, dimension_numbers)
        return bind(prim, operand, scatter_indices, updates, dimension_numbers=dnums,
                    indices_are_sorted=builtins.bool(indices_are_sorted),
                    unique_indices=builtins.bool(unique_indices),
                    mode=GatherScatterMode.from_any(mode))
    op.__name__ = name
    op.__doc__ = doc
    return op


def _scatter_batch(prim):
    def rule(vals, dims, *, dimension_numbers, **params):
        (operand, indices, updates), (operand_bdim, indices_bdim, updates_bdim) = vals, dims
        size = batching.batch_size_of(vals, dims)
        operand = batching.bdim_at_front(operand, operand_bdim, size)
        updates = batching.bdim_at_front(updates, updates_bdim, size)
        if indices_bdim is not None:
            indices = batching.moveaxis(indices, indices_bdim, 0)
        dnums = _batched_dnums(dimension_numbers, True, indices_bdim is not None)
        return [bind(prim, operand, indices, updates, dimension_numbers=dnums, **params)], [0]
    batching.primitive_batchers[prim] = rule


scatter_prims = {}  # name -> primitive, for every row of the family


def scatter_variant(name, what, combine, diff):
    """A row of the scatter family: at each location written, `combine(a, b, dtype)` gives
    the new value from the operand's (a) and the update's (b) (`what` says it in words);
    `diff(prim)` registers the differentiation rules. Returns (primitive, wrapper)."""
    prim = primitive(name, _scatter_abstract(name), _scatter_lowering(combine))
    diff(prim)
    _scatter_batch(prim)
    scatter_prims[name] = prim
    return prim, _scatter_wrapper(
        prim, name,
        f"XLA's scatter where {what}: the windows of `updates` go to the index vectors of "
        f"`scatter_indices` (last dimension), laid out by `dimension_numbers` (a "
        f"ScatterDimensionNumbers). mode: 'clip', 'fill'/'drop' (the default: out-of-bounds "
        f"windows are dropped) or 'promise_in_bounds'.")

def _gather_back(x, indices, dn, updates_shape, mode, fill_value=0):
    """The windows of x (operand-shaped) that a scatter with dimension numbers dn touches,
    shaped like its updates."""
    return gather(x, indices, GatherDimensionNumbers(*dn),
                  _window_sizes(get_aval(x).shape, dn, updates_shape), mode=mode,
                  fill_value=fill_value)


def _unique_only(op):
    raise NotImplementedError(f"{op} gradients with respect to the updates are only "
                              "implemented for unique_indices=True (as in JAX); pass "
                              "unique_indices=True if the indices do not repeat")


# scatter ---------------------------------------------------------------------------------

def _scatter_jvp(primals, tangents, **params):
    operand, indices, updates = primals
    g_operand, _, g_updates = tangents
    dn = params["dimension_numbers"]
    if type(g_operand) is ad.Zero and type(g_updates) is ad.Zero:
        val_out = bind(scatter_p, operand, indices, updates, **params)
        return [val_out], [ad.Zero.like(val_out)]
    g_operand, g_updates = ad.instantiate(g_operand), ad.instantiate(g_updates)
    if params["unique_indices"]:  # no overlaps: the tangents scatter like the values
        return ([bind(scatter_p, operand, indices, updates, **params)],
                [bind(scatter_p, g_operand, indices, g_updates, **params)])
    # Overlapping updates: which one wins is unspecified. As in JAX: give each update an
    # id, scatter the ids, read back which id won each window, mask the losers out of the
    # values and tangents and combine with scatter_add (whose transpose we have).
    op_aval, up_aval = get_aval(operand), get_aval(updates)
    ids_shape = list(up_aval.shape)
    for d in dn.update_window_dims:
        ids_shape[d] = 1
    num_ids = math.prod(ids_shape)
    id_dtype = dtypes.uint32 if num_ids < np.iinfo(np.uint32).max else dtypes.uint64
    update_ids = add(reshape(iota(id_dtype, num_ids), tuple(ids_shape)), np.array(1, id_dtype))
    update_ids = broadcast_in_dim(update_ids, up_aval.shape, tuple(range(up_aval.ndim))) \
        if tuple(ids_shape) != up_aval.shape else update_ids
    scattered_ids = bind(scatter_p, full(op_aval.shape, 0, id_dtype), indices, update_ids,
                         **params)
    gathered_ids = _gather_back(scattered_ids, indices, dn, up_aval.shape,
                                GatherScatterMode.PROMISE_IN_BOUNDS)
    operand_kept = eq(scattered_ids, np.array(0, id_dtype))
    update_won = eq(update_ids, gathered_ids)
    zeros_op = full(op_aval.shape, 0, op_aval.dtype)
    zeros_up = full(up_aval.shape, 0, up_aval.dtype)
    val_out = scatter_add(select(operand_kept, operand, zeros_op), indices,
                          select(update_won, updates, zeros_up), **params)
    tangent_out = scatter_add(select(operand_kept, g_operand, zeros_op), indices,
                              select(update_won, g_updates, zeros_up), **params)
    return [val_out], [tangent_out]


def _scatter_transpose(ct, operand, indices, updates, **params):
    if not params["unique_indices"]:
        raise NotImplementedError("scatter transpose is only implemented for "
                                  "unique_indices=True (as in JAX)")
    updates_aval = updates.aval if ad.is_undefined(updates) else get_aval(updates)
    operand_ct = updates_ct = None
    if ad.is_undefined(operand):  # the overwritten entries get no cotangent
        operand_ct = bind(scatter_p, ct, indices,
                          full(updates_aval.shape, 0, get_aval(ct).dtype), **params)
    if ad.is_undefined(updates):
        updates_ct = _gather_back(ct, indices, params["dimension_numbers"], updates_aval.shape,
                                  params["mode"])
    return [operand_ct, None, updates_ct]


scatter_p, scatter = scatter_variant(
    "scatter", "updates replace the operand's values (overlapping updates: any one wins)",
    lambda a, b, dtype: b, jvp_rule(_scatter_jvp, _scatter_transpose))


# scatter_add, scatter_sub ---------------------------------------------------------------

def _additive_diff(sign):
    """The rules of scatter_add (sign 1) and scatter_sub (-1): linear in the operand and the
    updates, whose cotangent is +-the cotangent read back at the scattered windows."""
    def transpose(ct, operand, indices, updates, *, dimension_numbers, mode, **_):
        updates_ct = None
        if ad.is_undefined(updates):
            updates_ct = _gather_back(ct, indices, dimension_numbers, updates.aval.shape, mode)
            updates_ct = updates_ct if sign > 0 else neg(updates_ct)
        return [ct if ad.is_undefined(operand) else None, None, updates_ct]
    return linear_in((0, 2), transpose)


scatter_add_p, scatter_add = scatter_variant(
    "scatter_add", "updates are added to the operand's values",
    lambda a, b, dtype: L.hlo.add(a, b), _additive_diff(1))
scatter_sub_p, scatter_sub = scatter_variant(
    "scatter_sub", "updates are subtracted from the operand's values",
    lambda a, b, dtype: L.hlo.subtract(a, b), _additive_diff(-1))


# scatter_mul -----------------------------------------------------------------------------

def _scatter_mul_jvp_operand(g, operand, indices, updates, **params):
    return bind(scatter_mul_p, g, indices, updates, **params)


def _scatter_mul_jvp_updates(g, operand, indices, updates, **params):
    if not params["unique_indices"]:
        _unique_only("scatter_mul")
    zeros = full(get_aval(operand).shape, 0, get_aval(operand).dtype)
    return mul(operand, scatter_add(zeros, indices, g, **params))


def _scatter_mul_transpose(ct, operand, indices, updates, **params):
    updates_aval = updates.aval if ad.is_undefined(updates) else get_aval(updates)
    operand_ct = updates_ct = None
    if ad.is_undefined(operand):
        operand_ct = bind(scatter_mul_p, ct, indices, updates, **params)
    if ad.is_undefined(updates):
        if not params["unique_indices"]:
            _unique_only("scatter_mul")
        updates_ct = _gather_back(mul(ct, operand), indices, params["dimension_numbers"],
                                  updates_aval.shape, params["mode"])
    return [operand_ct, None, updates_ct]


def _scatter_mul_diff(prim):
    ad.defjvp(prim, _scatter_mul_jvp_operand, None, _scatter_mul_jvp_updates)
    ad.primitive_transposes[prim] = _scatter_mul_transpose


scatter_mul_p, scatter_mul = scatter_variant(
    "scatter_mul", "the operand's values are multiplied by the updates",
    lambda a, b, dtype: L.hlo.multiply(a, b), _scatter_mul_diff)


# scatter_min, scatter_max ----------------------------------------------------------------

def _minmax_combiner(direction):
    def combine(a, b, dtype):
        if dtypes.kind(dtype) != "c":
            return (L.hlo.maximum if direction == "GT" else L.hlo.minimum)(a, b)
        # complex: lexicographic on (real, imag), as JAX orders complex numbers
        ra, rb = L.hlo.real(a), L.hlo.real(b)
        ia, ib = L.hlo.imag(a), L.hlo.imag(b)
        f = np.float32  # only the kind matters for the comparison type
        pick_a = L.hlo.or_(L.compare(ra, rb, direction, f),
                           L.hlo.and_(L.compare(ra, rb, "EQ", f), L.compare(ia, ib, direction, f)))
        return L.hlo.select(pick_a, a, b)
    return combine


def _scatter_extremal_diff(prim):
    """JAX's jvp: where several values (the operand's and the updates') tie for the result,
    the tangent is their average."""
    def rule(primals, tangents, **params):
        operand, indices, updates = primals
        g_operand, _, g_updates = tangents
        dn, mode = params["dimension_numbers"], params["mode"]
        val_out = bind(prim, operand, indices, updates, **params)
        if type(g_operand) is ad.Zero and type(g_updates) is ad.Zero:
            return [val_out], [ad.Zero.like(val_out)]
        g_operand, g_updates = ad.instantiate(g_operand), ad.instantiate(g_updates)
        op_aval, up_aval = get_aval(operand), get_aval(updates)
        dtype = op_aval.dtype

        def back(x):  # clamped reads: their transpose (a clamped scatter_add) matches
            return _gather_back(x, indices, dn, up_aval.shape, GatherScatterMode.CLIP)

        zeros_op = full(op_aval.shape, 0, dtype)
        ones_up = full(up_aval.shape, 1, dtype)
        zeros_up = full(up_aval.shape, 0, dtype)
        initial_vals = back(operand)
        target_vals = back(val_out)
        successful_updates = eq(updates, target_vals)
        retained_values = eq(initial_vals, target_vals)
        # (counted with the scatter's own mode: JAX's default mode miscounts under "clip")
        num_updates = back(scatter_add(zeros_op, indices,
                                       select(successful_updates, ones_up, zeros_up), dn,
                                       mode=mode))
        num_refs = back(scatter_add(zeros_op, indices, ones_up, dn, mode=mode))
        one = np.array(1, dtype)
        # windows a "drop" scatter discards count 0: keep their (unused) coefficients finite
        safe_num_updates = select(eq(num_updates, zeros_up), ones_up, num_updates)
        num_refs = select(eq(num_refs, zeros_up), ones_up, num_refs)
        updates_normalizer = select(retained_values, div(one, add(num_updates, one)),
                                    div(one, safe_num_updates))
        updates_coef = select(successful_updates, updates_normalizer, zeros_up)
        operand_normalizer = select(retained_values, div(one, add(num_updates, one)), zeros_up)
        operand_coef = div(sub(operand_normalizer, one), num_refs)
        target_tangents = back(g_operand)
        tangent_updates = add(mul(target_tangents, operand_coef), mul(g_updates, updates_coef))
        tangent_out = scatter_add(g_operand, indices, tangent_updates, **params)
        return [val_out], [tangent_out]
    ad.primitive_jvps[prim] = rule


scatter_min_p, scatter_min = scatter_variant(
    "scatter_min", "the operand's values become the minimum with the updates",
    _minmax_combiner("LT"), _scatter_extremal_diff)
scatter_max_p, scatter_max = scatter_variant(
    "scatter_max", "the operand's values become the maximum with the updates",
    _minmax_combiner("GT"), _scatter_extremal_diff)


def index_take(src, idxs, axes):
    """src indexed along `axes` by the 1-D `idxs` (one per axis, negative ones wrapping):
    result[i, ...] = src[..., idxs[0][i], ..., idxs[1][i], ...]."""
    axes = tuple(normalize_axis("index_take", a, get_aval(src).ndim) for a in axes)
    shape = get_aval(src).shape
    columns = []
    for i, ax in zip(idxs, axes):
        n = np.asarray(shape[ax], get_aval(i).dtype)
        r = rem(i, n)  # floor modulo, as JAX's `%`: negative indices count from the end
        columns.append(expand_dims(select(lt(r, np.zeros((), n.dtype)), add(r, n), r), (1,)))
    dnums = GatherDimensionNumbers(offset_dims=tuple(range(1, len(shape) - len(axes) + 1)),
                                   collapsed_slice_dims=tuple(sorted(axes)),
                                   start_index_map=axes)
    sizes = tuple(1 if d in axes else n for d, n in enumerate(shape))
    return gather(src, concatenate(columns, 1), dnums, sizes)
