"""Shape and data-movement primitives: broadcast_in_dim, reshape, transpose, squeeze, rev,
pad, concatenate, slice, dynamic_slice, dynamic_update_slice, iota."""
import builtins
import math

import numpy as np

from .. import dtypes
from ..core import bind, concrete_shape, get_aval
from ..interpreters import lowering as L
from .base import (check_same_dtypes, is_array_value, normalize_axes, normalize_axis, out,
                   primitive)
from .elementwise import add, convert_element_type, lt, select


def _ints(op, what, values):
    try:
        return tuple(builtins.int(v.__index__()) for v in values)
    except (AttributeError, TypeError):
        raise TypeError(f"{op}: {what} must be a sequence of integers, got {values!r}") from None


# broadcast_in_dim ------------------------------------------------------------------------

def _broadcast_in_dim_abstract(x, shape, broadcast_dimensions):
    if len(broadcast_dimensions) != x.ndim:
        raise TypeError(f"broadcast_in_dim: broadcast_dimensions {broadcast_dimensions} must "
                        f"have one entry per operand dimension (operand shape {x.shape})")
    for i, d in enumerate(broadcast_dimensions):
        if not 0 <= d < len(shape) or x.shape[i] not in (1, shape[d]):
            raise TypeError(f"broadcast_in_dim: operand shape {x.shape} cannot be broadcast to "
                            f"{shape} with broadcast_dimensions {broadcast_dimensions}")
    if list(broadcast_dimensions) != sorted(broadcast_dimensions):
        raise TypeError(f"broadcast_in_dim: broadcast_dimensions {broadcast_dimensions} must "
                        "be strictly increasing")
    return out(shape, x.dtype, x.weak_type)


broadcast_in_dim_p = primitive(
    "broadcast_in_dim", _broadcast_in_dim_abstract,
    lambda ctx, x, shape, broadcast_dimensions: [L.hlo.broadcast_in_dim(
        L.ir_type(ctx.avals_out[0]), x, L.dense_i64(broadcast_dimensions))])


def broadcast_in_dim(x, shape, broadcast_dimensions):
    """x placed into `shape`, operand dimension i going to broadcast_dimensions[i]."""
    shape = concrete_shape(shape, "broadcast_in_dim")
    dims = _ints("broadcast_in_dim", "broadcast_dimensions", broadcast_dimensions)
    if get_aval(x).shape == shape and dims == tuple(range(len(shape))) and is_array_value(x):
        return x
    return bind(broadcast_in_dim_p, x, shape=shape, broadcast_dimensions=dims)


def broadcast(x, sizes):
    """x with leading dimensions `sizes` added."""
    sizes = concrete_shape(sizes, "broadcast")
    ndim = get_aval(x).ndim
    shape = sizes + get_aval(x).shape
    return broadcast_in_dim(x, shape, tuple(range(len(sizes), len(sizes) + ndim)))


def broadcast_to_rank(x, rank):
    aval = get_aval(x)
    return broadcast(x, (1,) * (rank - aval.ndim)) if aval.ndim < rank else x


# reshape ---------------------------------------------------------------------------------

def _reshape_abstract(x, new_sizes, dimensions):
    if math.prod(new_sizes) != x.size:
        raise TypeError(f"reshape: cannot reshape an array of shape {x.shape} (size {x.size}) "
                        f"into shape {new_sizes} (size {math.prod(new_sizes)})")
    return out(new_sizes, x.dtype, x.weak_type)


def _reshape_lowering(ctx, x, new_sizes, dimensions):
    if dimensions is not None:
        x = L.hlo.transpose(x, L.dense_i64(dimensions))
    return [L.hlo.reshape(L.ir_type(ctx.avals_out[0]), x)]


reshape_p = primitive("reshape", _reshape_abstract, _reshape_lowering)


def reshape(x, new_sizes, dimensions=None):
    """x with shape `new_sizes` (row-major), after transposing by `dimensions` if given."""
    new_sizes = concrete_shape(new_sizes, "reshape")
    aval = get_aval(x)
    dims = None if dimensions is None else _ints("reshape", "dimensions", dimensions)
    if aval.shape == new_sizes and dims is None and is_array_value(x):
        return x
    return bind(reshape_p, x, new_sizes=new_sizes, dimensions=dims)


# transpose -------------------------------------------------------------------------------

def _transpose_abstract(x, permutation):
    if sorted(permutation) != list(range(x.ndim)):
        raise ValueError(f"transpose: permutation {permutation} is not a permutation of the "
                         f"{x.ndim} dimensions of an array of shape {x.shape}")
    return out(tuple(x.shape[p] for p in permutation), x.dtype, x.weak_type)


transpose_p = primitive(
    "transpose", _transpose_abstract,
    lambda ctx, x, permutation: [L.hlo.transpose(x, L.dense_i64(permutation))])


def transpose(x, permutation):
    permutation = _ints("transpose", "permutation", permutation)
    if (permutation == tuple(range(len(permutation))) and len(permutation) == get_aval(x).ndim
            and is_array_value(x)):
        return x
    return bind(transpose_p, x, permutation=permutation)


# squeeze / expand_dims ------------------------------------------------------------------

def _squeeze_abstract(x, dimensions):
    for d in dimensions:
        if x.shape[d] != 1:
            raise ValueError(f"squeeze: cannot squeeze axis {d} of size {x.shape[d]} "
                             f"(shape {x.shape}); only size-1 axes can be squeezed")
    shape = tuple(n for i, n in enumerate(x.shape) if i not in dimensions)
    return out(shape, x.dtype, x.weak_type)


squeeze_p = primitive(
    "squeeze", _squeeze_abstract,
    lambda ctx, x, dimensions: [L.hlo.reshape(L.ir_type(ctx.avals_out[0]), x)])


def squeeze(x, dimensions):
    dims = normalize_axes("squeeze", dimensions, get_aval(x).ndim)
    if not dims and is_array_value(x):
        return x
    return bind(squeeze_p, x, dimensions=tuple(sorted(dims)))


def expand_dims(x, dimensions):
    """x with size-1 axes inserted at `dimensions` (positions in the result)."""
    aval = get_aval(x)
    ndim_out = aval.ndim + len(dimensions)
    dims = sorted(normalize_axes("expand_dims", dimensions, ndim_out))
    shape = list(aval.shape)
    for d in dims:
        shape.insert(d, 1)
    kept = [i for i in range(ndim_out) if i not in dims]
    return broadcast_in_dim(x, tuple(shape), tuple(kept))


# rev -------------------------------------------------------------------------------------

rev_p = primitive(
    "rev", lambda x, dimensions: out(x.shape, x.dtype, x.weak_type),
    lambda ctx, x, dimensions: [L.hlo.reverse(x, L.dense_i64(dimensions))])


def rev(x, dimensions):
    """x reversed along `dimensions`."""
    dims = normalize_axes("rev", dimensions, get_aval(x).ndim)
    if not dims and is_array_value(x):
        return x
    return bind(rev_p, x, dimensions=dims)


# pad -------------------------------------------------------------------------------------

def _pad_abstract(x, padding_value, padding_config):
    check_same_dtypes("pad", (x, padding_value))
    if padding_value.shape != ():
        raise TypeError(f"pad: padding_value must be a scalar, got shape {padding_value.shape}")
    if len(padding_config) != x.ndim:
        raise ValueError(f"pad: padding_config needs one (low, high, interior) triple per "
                         f"dimension of shape {x.shape}, got {padding_config}")
    shape = []
    for n, (lo, hi, interior) in zip(x.shape, padding_config):
        if interior < 0:
            raise ValueError(f"pad: interior padding must be non-negative, got {padding_config}")
        size = lo + hi + n + max(n - 1, 0) * interior
        if size < 0:
            raise ValueError(f"pad: padding_config {padding_config} gives a negative size for "
                             f"shape {x.shape}")
        shape.append(size)
    return out(tuple(shape), x.dtype, x.weak_type)


def _pad_lowering(ctx, x, padding_value, padding_config):
    lo, hi, interior = zip(*padding_config) if padding_config else ((), (), ())
    return [L.hlo.pad(x, padding_value, L.dense_i64(lo), L.dense_i64(hi), L.dense_i64(interior))]


pad_p = primitive("pad", _pad_abstract, _pad_lowering)


def pad(x, padding_value, padding_config):
    """x padded: padding_config[i] = (low, high, interior) for dimension i (low/high may be
    negative, which crops)."""
    config = tuple(tuple(_ints("pad", "padding_config", c)) for c in padding_config)
    if any(len(c) != 3 for c in config):
        raise ValueError(f"pad: each padding_config entry must be (low, high, interior), got "
                         f"{padding_config}")
    if isinstance(padding_value, (builtins.int, builtins.float, builtins.bool, builtins.complex)):
        padding_value = np.asarray(padding_value, get_aval(x).dtype)
    return bind(pad_p, x, padding_value, padding_config=config)


# concatenate -----------------------------------------------------------------------------

def _concatenate_abstract(*xs, dimension):
    check_same_dtypes("concatenate", xs)
    first = xs[0]
    for x in xs[1:]:
        if x.ndim != first.ndim or any(a != b for i, (a, b) in enumerate(zip(x.shape, first.shape))
                                       if i != dimension):
            raise TypeError(f"concatenate: arrays must have the same shape except along "
                            f"dimension {dimension}, got {[a.shape for a in xs]}")
    shape = list(first.shape)
    shape[dimension] = sum(x.shape[dimension] for x in xs)
    return out(tuple(shape), first.dtype, all(x.weak_type for x in xs))


concatenate_p = primitive(
    "concatenate", _concatenate_abstract,
    lambda ctx, *xs, dimension: [L.hlo.concatenate(list(xs), dimension)])


def concatenate(operands, dimension):
    operands = list(operands)
    if not operands:
        raise ValueError("concatenate: need at least one array to concatenate")
    dimension = normalize_axis("concatenate", dimension, get_aval(operands[0]).ndim)
    if len(operands) == 1 and is_array_value(operands[0]):
        return operands[0]
    return bind(concatenate_p, *operands, dimension=dimension)


# slice -----------------------------------------------------------------------------------

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


def slice(x, start_indices, limit_indices, strides=None):  # noqa: A001
    """x[start:limit:stride] in every dimension, with static bounds."""
    start = _ints("slice", "start_indices", start_indices)
    limit = _ints("slice", "limit_indices", limit_indices)
    strides = (1,) * len(start) if strides is None else _ints("slice", "strides", strides)
    if (start == (0,) * len(start) and limit == get_aval(x).shape and set(strides) <= {1}
            and is_array_value(x)):
        return x
    return bind(slice_p, x, start_indices=start, limit_indices=limit, strides=strides)


# dynamic_slice / dynamic_update_slice ---------------------------------------------------

def _check_indices(op, x, indices):
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


def _dynamic_slice_abstract(x, *indices, slice_sizes):
    _check_indices("dynamic_slice", x, indices)
    if len(slice_sizes) != x.ndim or any(not 0 <= s <= n for s, n in zip(slice_sizes, x.shape)):
        raise TypeError(f"dynamic_slice: slice_sizes {slice_sizes} must fit in shape {x.shape}")
    return out(slice_sizes, x.dtype, x.weak_type)


dynamic_slice_p = primitive(
    "dynamic_slice", _dynamic_slice_abstract,
    lambda ctx, x, *indices, slice_sizes: [L.hlo.dynamic_slice(
        x, list(indices), L.dense_i64(slice_sizes))])


def _index_operands(x, indices):
    """Start indices as operands of one integer dtype, negative ones counted from the end of
    their dimension (as in JAX); XLA then clamps the window into bounds."""
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
            result.append(np.asarray(min(max(i + n if i < 0 else i, info.min), info.max), dtype))
            continue
        if aval.dtype != dtype:
            i = convert_element_type(i, dtype)
        if dtypes.kind(aval.dtype) == "i":
            i = select(lt(i, np.zeros((), dtype)), add(i, np.asarray(n, dtype)), i)
        result.append(i)
    return result


def dynamic_slice(x, start_indices, slice_sizes):
    """x[start:start+size] per dimension with traced starts; a negative start counts from the
    end, then the window is clamped into bounds as XLA does."""
    sizes = concrete_shape(slice_sizes, "dynamic_slice")
    return bind(dynamic_slice_p, x, *_index_operands(x, start_indices), slice_sizes=sizes)


def _dynamic_update_slice_abstract(x, update, *indices):
    check_same_dtypes("dynamic_update_slice", (x, update))
    _check_indices("dynamic_update_slice", x, indices)
    if update.ndim != x.ndim or any(u > n for u, n in zip(update.shape, x.shape)):
        raise TypeError(f"dynamic_update_slice: update of shape {update.shape} does not fit in "
                        f"operand of shape {x.shape}")
    return out(x.shape, x.dtype, x.weak_type)


dynamic_update_slice_p = primitive(
    "dynamic_update_slice", _dynamic_update_slice_abstract,
    lambda ctx, x, update, *indices: [L.hlo.dynamic_update_slice(x, update, list(indices))])


def dynamic_update_slice(x, update, start_indices):
    """x with `update` written at start_indices (negative ones count from the end; the
    window is clamped into bounds)."""
    return bind(dynamic_update_slice_p, x, update, *_index_operands(x, start_indices))


# iota ------------------------------------------------------------------------------------

iota_p = primitive(
    "iota", lambda dtype, shape, dimension: out(shape, dtype),
    lambda ctx, dtype, shape, dimension: [L.hlo.iota(L.ir_type(ctx.avals_out[0]), dimension)])


def iota(dtype, size):
    """[0, 1, ..., size-1] of `dtype`."""
    return broadcasted_iota(dtype, (size,), 0)


def broadcasted_iota(dtype, shape, dimension):
    shape = concrete_shape(shape, "iota")
    dimension = normalize_axis("iota", dimension, len(shape))
    return bind(iota_p, dtype=dtypes.check_dtype(dtype, "iota"), shape=shape, dimension=dimension)
