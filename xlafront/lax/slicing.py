"""Indexed reads and writes: gather and the scatter family (scatter, scatter_add,
scatter_mul, scatter_min, scatter_max), with JAX's dimension numbers and out-of-bounds
modes.

As in JAX the index vector dimension is always the last dimension of the indices, and
`mode` says what out-of-bounds indices do:

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
from ..interpreters import lowering as L
from .base import check_kinds, out, primitive
from .elementwise import _compare_type


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
    GatherDimensionNumbers):

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


def _int_tuple(op, what, values):
    try:
        return tuple(builtins.int(v.__index__()) for v in values)
    except (AttributeError, TypeError):
        raise TypeError(f"{op}: {what} must be a sequence of integers, got {values!r}") from None


def _dnums(op, cls, dimension_numbers):
    if isinstance(dimension_numbers, dict):
        dimension_numbers = cls(**dimension_numbers)
    elif not isinstance(dimension_numbers, cls):
        if isinstance(dimension_numbers, (tuple, list)) and 3 <= len(dimension_numbers) <= 5:
            dimension_numbers = cls(*dimension_numbers)
        else:
            raise TypeError(f"{op}: dimension_numbers must be a {cls.__name__}, got "
                            f"{dimension_numbers!r}")
    return cls(*(_int_tuple(op, name, v) for name, v in zip(cls._fields, dimension_numbers)))


# ---------------------------------------------------------------------------------------
# shared checks

def _check_sorted(op, name, dims):
    if list(dims) != sorted(dims):
        raise TypeError(f"{op}: {name} must be sorted, got {dims}")


def _check_unique(op, name, dims):
    if len(set(dims)) != len(dims):
        raise TypeError(f"{op}: {name} must not repeat, got {dims}")


def _check_in_range(op, name, dims, rank, what):
    for d in dims:
        if not 0 <= d < rank:
            raise TypeError(f"{op}: {name} {dims} out of range for the {rank} dimensions of "
                            f"{what}")


def _check_disjoint(op, name1, dims1, name2, dims2):
    if set(dims1) & set(dims2):
        raise TypeError(f"{op}: {name1} {dims1} and {name2} {dims2} must be disjoint")


def _check_indices(op, indices):
    if dtypes.kind(indices.dtype) not in "iu":
        raise TypeError(f"{op}: indices must have an integer dtype, got {indices.dtype.name}")
    if indices.ndim < 1:
        raise TypeError(f"{op}: indices must have at least one dimension (the index vector "
                        f"dimension, last), got a scalar; add a trailing dimension of size 1")


def _check_batching(op, operand, indices, operand_batching_dims, indices_batching_dims,
                    indices_name):
    _check_sorted(op, "operand_batching_dims", operand_batching_dims)
    _check_unique(op, "operand_batching_dims", operand_batching_dims)
    _check_in_range(op, "operand_batching_dims", operand_batching_dims, operand.ndim,
                    f"the operand of shape {operand.shape}")
    _check_unique(op, indices_name, indices_batching_dims)
    _check_in_range(op, indices_name, indices_batching_dims, indices.ndim,
                    f"the indices of shape {indices.shape}")
    if indices.ndim - 1 in indices_batching_dims:
        raise TypeError(f"{op}: the index vector dimension (the last of the indices) cannot "
                        f"be a batching dimension, got {indices_name}={indices_batching_dims}")
    if len(operand_batching_dims) != len(indices_batching_dims):
        raise TypeError(f"{op}: operand_batching_dims {operand_batching_dims} and "
                        f"{indices_name} {indices_batching_dims} must have equal lengths")
    op_shape = tuple(operand.shape[d] for d in operand_batching_dims)
    idx_shape = tuple(indices.shape[d] for d in indices_batching_dims)
    if op_shape != idx_shape:
        raise TypeError(f"{op}: operand batching dimensions have sizes {op_shape} but the "
                        f"indices batching dimensions have sizes {idx_shape}")


def _check_index_map(op, name, index_map, operand, indices, operand_batching_dims):
    if len(index_map) != indices.shape[-1]:
        raise TypeError(f"{op}: {name} {index_map} needs one entry per element of an index "
                        f"vector (the last dimension of indices of shape {indices.shape})")
    _check_in_range(op, name, index_map, operand.ndim, f"the operand of shape {operand.shape}")
    _check_unique(op, name, index_map)
    _check_disjoint(op, name, index_map, "operand_batching_dims", operand_batching_dims)


# ---------------------------------------------------------------------------------------
# gather

def _gather_abstract(operand, indices, *, dimension_numbers, slice_sizes, unique_indices,
                     indices_are_sorted, mode, fill_value):
    op = "gather"
    _check_indices(op, indices)
    dn = dimension_numbers
    offset_dims, collapsed = dn.offset_dims, dn.collapsed_slice_dims
    out_rank = len(offset_dims) + indices.ndim - 1
    _check_sorted(op, "offset_dims", offset_dims)
    _check_unique(op, "offset_dims", offset_dims)
    _check_in_range(op, "offset_dims", offset_dims, out_rank, "the output")
    _check_sorted(op, "collapsed_slice_dims", collapsed)
    _check_unique(op, "collapsed_slice_dims", collapsed)
    _check_in_range(op, "collapsed_slice_dims", collapsed, operand.ndim,
                    f"the operand of shape {operand.shape}")
    _check_batching(op, operand, indices, dn.operand_batching_dims,
                    dn.start_indices_batching_dims, "start_indices_batching_dims")
    _check_disjoint(op, "collapsed_slice_dims", collapsed, "operand_batching_dims",
                    dn.operand_batching_dims)
    _check_index_map(op, "start_index_map", dn.start_index_map, operand, indices,
                     dn.operand_batching_dims)
    if len(slice_sizes) != operand.ndim:
        raise TypeError(f"gather: slice_sizes {slice_sizes} needs one entry per dimension of "
                        f"the operand of shape {operand.shape}")
    if len(slice_sizes) != len(offset_dims) + len(collapsed) + len(dn.operand_batching_dims):
        raise TypeError(f"gather: every operand dimension must be an offset, collapsed or "
                        f"batching dimension: {len(slice_sizes)} operand dimensions but "
                        f"offset_dims={offset_dims}, collapsed_slice_dims={collapsed}, "
                        f"operand_batching_dims={dn.operand_batching_dims}")
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


def _scalar_type(dtype):
    return L.ir.RankedTensorType.get([], L.ir_element_type(dtype))


def _compare(x, y, direction, dtype):
    return L.hlo.compare(x, y, L.hlo.ComparisonDirectionAttr.get(direction),
                         compare_type=L.hlo.ComparisonTypeAttr.get(_compare_type(dtype)))


def _index_bounds(operand_shape, index_map, window_sizes, index_dtype):
    """The largest in-bounds start of each index-vector entry, capped at what the index
    dtype can hold (every representable index up to the cap is then in bounds)."""
    cap = np.iinfo(index_dtype).max
    return np.array([min(operand_shape[d] - window_sizes[d], cap) for d in index_map],
                    index_dtype)


def _broadcast_bounds(bounds, idx_aval):
    vec = L.constant(bounds)
    return L.hlo.broadcast_in_dim(L.ir_type(idx_aval), vec, L.dense_i64([idx_aval.ndim - 1]))


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
    ok = _compare(indices, _broadcast_bounds(bounds, idx_aval), "LE", idx_dtype)
    if dtypes.kind(idx_dtype) == "i":
        zero = L.full_like_aval(0, idx_aval)
        ok = L.hlo.and_(ok, _compare(indices, zero, "GE", idx_dtype))
    bool_t = _scalar_type(dtypes.bool_)
    mask_aval = idx_aval.update(shape=idx_aval.shape[:-1], dtype=dtypes.bool_)
    reduce = L.hlo.ReduceOp([L.ir_type(mask_aval)], [ok], [L.constant(np.array(True))],
                            L.dense_i64([idx_aval.ndim - 1]))
    block = reduce.regions[0].blocks.append(bool_t, bool_t)
    with L.ir.InsertionPoint(block):
        L.hlo.return_([L.hlo.and_(*block.arguments)])
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
        _check_sorted(name, "update_window_dims", window_dims)
        _check_unique(name, "update_window_dims", window_dims)
        _check_in_range(name, "update_window_dims", window_dims, updates.ndim,
                        f"the updates of shape {updates.shape}")
        _check_sorted(name, "inserted_window_dims", inserted)
        _check_unique(name, "inserted_window_dims", inserted)
        _check_in_range(name, "inserted_window_dims", inserted, operand.ndim,
                        f"the operand of shape {operand.shape}")
        _check_batching(name, operand, indices, dn.operand_batching_dims,
                        dn.scatter_indices_batching_dims, "scatter_indices_batching_dims")
        _check_disjoint(name, "inserted_window_dims", inserted, "operand_batching_dims",
                        dn.operand_batching_dims)
        if len(window_dims) + len(inserted) + len(dn.operand_batching_dims) != operand.ndim:
            raise TypeError(f"{name}: every operand dimension must be an update window, "
                            f"inserted or batching dimension: operand shape {operand.shape}, "
                            f"update_window_dims={window_dims}, inserted_window_dims="
                            f"{inserted}, operand_batching_dims={dn.operand_batching_dims}")
        _check_index_map(name, "scatter_dims_to_operand_dims", dn.scatter_dims_to_operand_dims,
                         operand, indices, dn.operand_batching_dims)
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


def _window_sizes(operand_shape, dnums, updates_shape):
    """The size of the update window in each operand dimension."""
    sizes, pos = [], 0
    for i in range(len(operand_shape)):
        if i in dnums.inserted_window_dims or i in dnums.operand_batching_dims:
            sizes.append(1)
        else:
            sizes.append(updates_shape[dnums.update_window_dims[pos]])
            pos += 1
    return sizes


def _minmax_combiner(direction):
    def combine(a, b, dtype):
        if dtypes.kind(dtype) != "c":
            return (L.hlo.maximum if direction == "GT" else L.hlo.minimum)(a, b)
        # complex: lexicographic on (real, imag), as JAX orders complex numbers
        ra, rb = L.hlo.real(a), L.hlo.real(b)
        ia, ib = L.hlo.imag(a), L.hlo.imag(b)
        f = np.float32  # only the kind matters for the comparison type
        pick_a = L.hlo.or_(_compare(ra, rb, direction, f),
                           L.hlo.and_(_compare(ra, rb, "EQ", f), _compare(ia, ib, direction, f)))
        return L.hlo.select(pick_a, a, b)
    return combine


_combiners = {
    "scatter": lambda a, b, dtype: b,
    "scatter_add": lambda a, b, dtype: L.hlo.add(a, b),
    "scatter_mul": lambda a, b, dtype: L.hlo.multiply(a, b),
    "scatter_min": _minmax_combiner("LT"),
    "scatter_max": _minmax_combiner("GT"),
}


def _scatter_lowering(name):
    combine = _combiners[name]

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
        scalar = _scalar_type(op_aval.dtype)
        block = op.update_computation.blocks.append(scalar, scalar)
        with L.ir.InsertionPoint(block):
            L.hlo.return_([combine(*block.arguments, op_aval.dtype)])
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


_scatter_table = [
    ("scatter", "updates replace the operand's values (overlapping updates: any one wins)"),
    ("scatter_add", "updates are added to the operand's values"),
    ("scatter_mul", "the operand's values are multiplied by the updates"),
    ("scatter_min", "the operand's values become the minimum with the updates"),
    ("scatter_max", "the operand's values become the maximum with the updates"),
]
scatter_prims = {}  # name -> primitive
_scatter_ops = {}  # name -> public wrapper
for _name, _what in _scatter_table:
    scatter_prims[_name] = primitive(_name, _scatter_abstract(_name), _scatter_lowering(_name))
    _scatter_ops[_name] = _scatter_wrapper(
        scatter_prims[_name], _name,
        f"XLA's scatter where {_what}: the windows of `updates` go to the index vectors of "
        f"`scatter_indices` (last dimension), laid out by `dimension_numbers` (a "
        f"ScatterDimensionNumbers). mode: 'clip', 'fill'/'drop' (the default: out-of-bounds "
        f"windows are dropped) or 'promise_in_bounds'.")
scatter_p, scatter_add_p, scatter_mul_p, scatter_min_p, scatter_max_p = (
    scatter_prims[n] for n, _ in _scatter_table)
scatter, scatter_add, scatter_mul, scatter_min, scatter_max = (
    _scatter_ops[n] for n, _ in _scatter_table)


# ---------------------------------------------------------------------------------------
# Differentiation rules

from ..interpreters import ad  # noqa: E402
from .elementwise import add, div, eq, mul, select, sub  # noqa: E402
from .structural import broadcast_in_dim, iota, reshape  # noqa: E402


def _full(shape, value, dtype):
    return broadcast_in_dim(np.array(value, dtype), shape, ())


def _gather_dnums_of(dn):
    """The gather that reads back what a scatter with dimension numbers `dn` writes."""
    return GatherDimensionNumbers(
        offset_dims=dn.update_window_dims, collapsed_slice_dims=dn.inserted_window_dims,
        start_index_map=dn.scatter_dims_to_operand_dims,
        operand_batching_dims=dn.operand_batching_dims,
        start_indices_batching_dims=dn.scatter_indices_batching_dims)


def _scatter_dnums_of(dn):
    """The scatter that writes where a gather with dimension numbers `dn` reads."""
    return ScatterDimensionNumbers(
        update_window_dims=dn.offset_dims, inserted_window_dims=dn.collapsed_slice_dims,
        scatter_dims_to_operand_dims=dn.start_index_map,
        operand_batching_dims=dn.operand_batching_dims,
        scatter_indices_batching_dims=dn.start_indices_batching_dims)


def _gather_back(x, indices, dn, updates_shape, mode, fill_value=0):
    """The windows of x (operand-shaped) that a scatter with dimension numbers dn touches,
    shaped like its updates."""
    return gather(x, indices, _gather_dnums_of(dn),
                  _window_sizes(get_aval(x).shape, dn, updates_shape), mode=mode,
                  fill_value=fill_value)


def _gather_jvp(g, operand, indices, *, dimension_numbers, slice_sizes, unique_indices,
                indices_are_sorted, mode, fill_value):
    return gather(g, indices, dimension_numbers, slice_sizes, unique_indices=unique_indices,
                  indices_are_sorted=indices_are_sorted, mode=mode, fill_value=0)


def _gather_transpose(ct, operand, indices, *, dimension_numbers, slice_sizes, unique_indices,
                      indices_are_sorted, mode, fill_value):
    if type(ct) is ad.Zero:
        return [ad.Zero(operand.aval), None]
    zeros = _full(operand.aval.shape, 0, get_aval(ct).dtype)
    return [scatter_add(zeros, indices, ct, _scatter_dnums_of(dimension_numbers),
                        indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                        mode=mode), None]


ad.defjvp(gather_p, _gather_jvp, None)
ad.primitive_transposes[gather_p] = _gather_transpose


def _scatter_add_jvp(primals, tangents, **params):
    operand, indices, updates = primals
    g_operand, _, g_updates = tangents
    out_ = bind(scatter_add_p, operand, indices, updates, **params)
    if type(g_operand) is ad.Zero and type(g_updates) is ad.Zero:
        return [out_], [ad.Zero.like(out_)]
    t = bind(scatter_add_p, ad.instantiate(g_operand), indices, ad.instantiate(g_updates),
             **params)
    return [out_], [t]


def _scatter_add_transpose(ct, operand, indices, updates, *, dimension_numbers,
                           indices_are_sorted, unique_indices, mode):
    updates_aval = updates.aval if ad.is_undefined(updates) else get_aval(updates)
    if type(ct) is ad.Zero:
        return [ad.Zero(operand.aval) if ad.is_undefined(operand) else None, None,
                ad.Zero(updates_aval) if ad.is_undefined(updates) else None]
    operand_ct = ct if ad.is_undefined(operand) else None
    updates_ct = None
    if ad.is_undefined(updates):
        updates_ct = _gather_back(ct, indices, dimension_numbers, updates_aval.shape, mode)
    return [operand_ct, None, updates_ct]


ad.primitive_jvps[scatter_add_p] = _scatter_add_jvp
ad.primitive_transposes[scatter_add_p] = _scatter_add_transpose


def _unique_only(op):
    raise NotImplementedError(f"{op} gradients with respect to the updates are only "
                              "implemented for unique_indices=True (as in JAX); pass "
                              "unique_indices=True if the indices do not repeat")


def _scatter_mul_jvp_operand(g, operand, indices, updates, **params):
    return bind(scatter_mul_p, g, indices, updates, **params)


def _scatter_mul_jvp_updates(g, operand, indices, updates, *, dimension_numbers,
                             indices_are_sorted, unique_indices, mode):
    if not unique_indices:
        _unique_only("scatter_mul")
    zeros = _full(get_aval(operand).shape, 0, get_aval(operand).dtype)
    return mul(operand, scatter_add(zeros, indices, g, dimension_numbers,
                                    indices_are_sorted=indices_are_sorted,
                                    unique_indices=unique_indices, mode=mode))


def _scatter_mul_transpose(ct, operand, indices, updates, *, dimension_numbers,
                           indices_are_sorted, unique_indices, mode):
    updates_aval = updates.aval if ad.is_undefined(updates) else get_aval(updates)
    if type(ct) is ad.Zero:
        return [ad.Zero(operand.aval) if ad.is_undefined(operand) else None, None,
                ad.Zero(updates_aval) if ad.is_undefined(updates) else None]
    operand_ct = updates_ct = None
    if ad.is_undefined(operand):
        operand_ct = bind(scatter_mul_p, ct, indices, updates,
                          dimension_numbers=dimension_numbers,
                          indices_are_sorted=indices_are_sorted,
                          unique_indices=unique_indices, mode=mode)
    if ad.is_undefined(updates):
        if not unique_indices:
            _unique_only("scatter_mul")
        updates_ct = _gather_back(mul(ct, operand), indices, dimension_numbers,
                                  updates_aval.shape, mode)
    return [operand_ct, None, updates_ct]


ad.defjvp(scatter_mul_p, _scatter_mul_jvp_operand, None, _scatter_mul_jvp_updates)
ad.primitive_transposes[scatter_mul_p] = _scatter_mul_transpose


def _scatter_extremal_jvp(prim):
    """JAX's rule: where several values (the operand's and the updates') tie for the
    result, the tangent is their average."""
    def rule(primals, tangents, *, dimension_numbers, indices_are_sorted, unique_indices,
             mode):
        operand, indices, updates = primals
        g_operand, _, g_updates = tangents
        dn = dimension_numbers
        params = dict(dimension_numbers=dn, indices_are_sorted=indices_are_sorted,
                      unique_indices=unique_indices, mode=mode)
        val_out = bind(prim, operand, indices, updates, **params)
        if type(g_operand) is ad.Zero and type(g_updates) is ad.Zero:
            return [val_out], [ad.Zero.like(val_out)]
        g_operand, g_updates = ad.instantiate(g_operand), ad.instantiate(g_updates)
        op_aval, up_aval = get_aval(operand), get_aval(updates)
        dtype = op_aval.dtype

        def back(x):  # clamped reads: their transpose (a clamped scatter_add) matches
            return _gather_back(x, indices, dn, up_aval.shape, GatherScatterMode.CLIP)

        zeros_op = _full(op_aval.shape, 0, dtype)
        ones_up = _full(up_aval.shape, 1, dtype)
        zeros_up = _full(up_aval.shape, 0, dtype)
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
        tangent_out = scatter_add(g_operand, indices, tangent_updates, dn,
                                  indices_are_sorted=indices_are_sorted,
                                  unique_indices=unique_indices, mode=mode)
        return [val_out], [tangent_out]
    return rule


ad.primitive_jvps[scatter_min_p] = _scatter_extremal_jvp(scatter_min_p)
ad.primitive_jvps[scatter_max_p] = _scatter_extremal_jvp(scatter_max_p)


def _scatter_jvp(primals, tangents, *, dimension_numbers, indices_are_sorted, unique_indices,
                 mode):
    operand, indices, updates = primals
    g_operand, _, g_updates = tangents
    dn = dimension_numbers
    params = dict(dimension_numbers=dn, indices_are_sorted=indices_are_sorted,
                  unique_indices=unique_indices, mode=mode)
    if type(g_operand) is ad.Zero and type(g_updates) is ad.Zero:
        val_out = bind(scatter_p, operand, indices, updates, **params)
        return [val_out], [ad.Zero.like(val_out)]
    g_operand, g_updates = ad.instantiate(g_operand), ad.instantiate(g_updates)
    if unique_indices:  # no overlaps: the tangents scatter like the values
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
    scattered_ids = bind(scatter_p, _full(op_aval.shape, 0, id_dtype), indices, update_ids,
                         **params)
    gathered_ids = _gather_back(scattered_ids, indices, dn, up_aval.shape,
                                GatherScatterMode.PROMISE_IN_BOUNDS)
    operand_kept = eq(scattered_ids, np.array(0, id_dtype))
    update_won = eq(update_ids, gathered_ids)
    zeros_op = _full(op_aval.shape, 0, op_aval.dtype)
    zeros_up = _full(up_aval.shape, 0, up_aval.dtype)
    val_out = scatter_add(select(operand_kept, operand, zeros_op), indices,
                          select(update_won, updates, zeros_up), **params)
    tangent_out = scatter_add(select(operand_kept, g_operand, zeros_op), indices,
                              select(update_won, g_updates, zeros_up), **params)
    return [val_out], [tangent_out]


def _scatter_transpose(ct, operand, indices, updates, *, dimension_numbers, indices_are_sorted,
                       unique_indices, mode):
    if not unique_indices:
        raise NotImplementedError("scatter transpose is only implemented for "
                                  "unique_indices=True (as in JAX)")
    updates_aval = updates.aval if ad.is_undefined(updates) else get_aval(updates)
    if type(ct) is ad.Zero:
        return [ad.Zero(operand.aval) if ad.is_undefined(operand) else None, None,
                ad.Zero(updates_aval) if ad.is_undefined(updates) else None]
    operand_ct = updates_ct = None
    if ad.is_undefined(operand):  # the overwritten entries get no cotangent
        operand_ct = bind(scatter_p, ct, indices,
                          _full(updates_aval.shape, 0, get_aval(ct).dtype),
                          dimension_numbers=dimension_numbers,
                          indices_are_sorted=indices_are_sorted, unique_indices=True,
                          mode=mode)
    if ad.is_undefined(updates):
        updates_ct = _gather_back(ct, indices, dimension_numbers, updates_aval.shape, mode)
    return [operand_ct, None, updates_ct]


ad.primitive_jvps[scatter_p] = _scatter_jvp
ad.primitive_transposes[scatter_p] = _scatter_transpose


# ---------------------------------------------------------------------------------------
# Batching rules

from ..interpreters import batching  # noqa: E402


def _shift(dims):
    return tuple(d + 1 for d in dims)


def _gather_batch(vals, dims, *, dimension_numbers, slice_sizes, unique_indices,
                  indices_are_sorted, mode, fill_value):
    operand, indices = vals
    operand_bdim, indices_bdim = dims
    dn = dimension_numbers
    params = dict(mode=mode, fill_value=fill_value)
    if indices_bdim is batching.not_mapped:
        # the batch dimension becomes one more (leading) window dimension
        operand = batching.moveaxis(operand, operand_bdim, 0)
        new = GatherDimensionNumbers(
            offset_dims=(0,) + _shift(dn.offset_dims),
            collapsed_slice_dims=_shift(dn.collapsed_slice_dims),
            start_index_map=_shift(dn.start_index_map),
            operand_batching_dims=_shift(dn.operand_batching_dims),
            start_indices_batching_dims=dn.start_indices_batching_dims)
        sizes = (get_aval(operand).shape[0],) + tuple(slice_sizes)
        return [gather(operand, indices, new, sizes, unique_indices=unique_indices,
                       indices_are_sorted=indices_are_sorted, **params)], [0]
    indices = batching.moveaxis(indices, indices_bdim, 0)
    if operand_bdim is batching.not_mapped:
        # the batch dimension is one more (leading) batch dimension of the indices
        new = GatherDimensionNumbers(
            offset_dims=_shift(dn.offset_dims), collapsed_slice_dims=dn.collapsed_slice_dims,
            start_index_map=dn.start_index_map,
            operand_batching_dims=dn.operand_batching_dims,
            start_indices_batching_dims=_shift(dn.start_indices_batching_dims))
        return [gather(operand, indices, new, slice_sizes, **params)], [0]
    # both mapped: one more pair of batching dimensions
    operand = batching.moveaxis(operand, operand_bdim, 0)
    size = get_aval(operand).shape[0]
    new = GatherDimensionNumbers(
        offset_dims=_shift(dn.offset_dims),
        collapsed_slice_dims=_shift(dn.collapsed_slice_dims),
        start_index_map=_shift(dn.start_index_map),
        operand_batching_dims=(0,) + _shift(dn.operand_batching_dims),
        start_indices_batching_dims=(0,) + _shift(dn.start_indices_batching_dims))
    sizes = (0 if size == 0 else 1,) + tuple(slice_sizes)
    return [gather(operand, indices, new, sizes, unique_indices=unique_indices,
                   indices_are_sorted=indices_are_sorted, **params)], [0]


batching.primitive_batchers[gather_p] = _gather_batch


def _scatter_batch(prim):
    def rule(vals, dims, *, dimension_numbers, indices_are_sorted, unique_indices, mode):
        operand, indices, updates = vals
        operand_bdim, indices_bdim, updates_bdim = dims
        dn = dimension_numbers
        size = batching.batch_size_of(vals, dims)
        operand = batching.bdim_at_front(operand, operand_bdim, size)
        updates = batching.bdim_at_front(updates, updates_bdim, size)
        params = dict(indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                      mode=mode)
        if indices_bdim is batching.not_mapped:
            new = ScatterDimensionNumbers(
                update_window_dims=(0,) + _shift(dn.update_window_dims),
                inserted_window_dims=_shift(dn.inserted_window_dims),
                scatter_dims_to_operand_dims=_shift(dn.scatter_dims_to_operand_dims),
                operand_batching_dims=_shift(dn.operand_batching_dims),
                scatter_indices_batching_dims=dn.scatter_indices_batching_dims)
        else:
            indices = batching.moveaxis(indices, indices_bdim, 0)
            new = ScatterDimensionNumbers(
                update_window_dims=_shift(dn.update_window_dims),
                inserted_window_dims=_shift(dn.inserted_window_dims),
                scatter_dims_to_operand_dims=_shift(dn.scatter_dims_to_operand_dims),
                operand_batching_dims=(0,) + _shift(dn.operand_batching_dims),
                scatter_indices_batching_dims=(0,) + _shift(dn.scatter_indices_batching_dims))
        return [bind(prim, operand, indices, updates, dimension_numbers=new, **params)], [0]
    batching.primitive_batchers[prim] = rule


for _prim in scatter_prims.values():
    _scatter_batch(_prim)
