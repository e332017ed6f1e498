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


def slice_in_dim(x, start_index, limit_index, stride=1, axis=0):
    """x[start:limit:stride] along `axis` (None bounds and negative ones as in Python)."""
    shape = get_aval(x).shape
    axis = normalize_axis("slice_in_dim", axis, len(shape))
    start, limit, step = builtins.slice(start_index, limit_index, stride).indices(shape[axis])
    starts, limits, strides = [0] * len(shape), list(shape), [1] * len(shape)
    starts[axis], limits[axis], strides[axis] = start, builtins.max(limit, start), step
    return slice(x, starts, limits, strides)


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


# ---------------------------------------------------------------------------------------
# Differentiation rules

from ..interpreters import ad  # noqa: E402
from .elementwise import sub  # noqa: E402


def _broadcast_in_dim_transpose(ct, x, shape, broadcast_dimensions):
    from .reductions import reduce_sum
    aval = x.aval
    new_axes = tuple(i for i in range(len(shape)) if i not in broadcast_dimensions)
    expanded = tuple(d for i, d in enumerate(broadcast_dimensions)
                     if aval.shape[i] == 1 and shape[d] != 1)
    summed = reduce_sum(ct, new_axes + expanded) if new_axes or expanded else ct
    return [reshape(summed, aval.shape) if expanded else summed]


ad.deflinear(broadcast_in_dim_p, _broadcast_in_dim_transpose)


def _inverse_permutation(perm):
    return tuple(int(i) for i in np.argsort(perm))


def _zeros(aval):
    return ad.zeros_like_aval(aval)


def _reshape_transpose(ct, x, new_sizes, dimensions):
    if dimensions is None:
        return [reshape(ct, x.aval.shape)]
    transposed = reshape(ct, tuple(x.aval.shape[d] for d in dimensions))
    return [transpose(transposed, _inverse_permutation(dimensions))]


def _pad_transpose(ct, x, padding_value, padding_config):
    # The operand's cotangent: undo the low/high padding (negative padding crops, so the
    # inverse of a crop pads with zeros), then drop the interior padding with a strided
    # slice. The padding value's: everything that did not come from the operand.
    from .reductions import reduce_sum
    ct_x = ct_pv = None
    if ad.is_undefined(x) or ad.is_undefined(padding_value):
        unpadded = pad(ct, np.zeros((), get_aval(ct).dtype),
                       tuple((-lo, -hi, 0) for lo, hi, _ in padding_config))
        ct_x = slice(unpadded, (0,) * len(padding_config), get_aval(unpadded).shape,
                     tuple(interior + 1 for _, _, interior in padding_config))
    if ad.is_undefined(padding_value):
        everything = tuple(range(len(padding_config)))
        ct_pv = sub(reduce_sum(ct, everything), reduce_sum(ct_x, everything))
    return [ct_x if ad.is_undefined(x) else None, ct_pv]


def _concatenate_transpose(ct, *xs, dimension):
    cts, start = [], 0
    ndim = get_aval(ct).ndim
    for x in xs:
        size = (x.aval if ad.is_undefined(x) else get_aval(x)).shape[dimension]
        if ad.is_undefined(x):
            begin = [0] * ndim
            begin[dimension] = start
            end = list(get_aval(ct).shape)
            end[dimension] = start + size
            cts.append(slice(ct, tuple(begin), tuple(end)))
        else:
            cts.append(None)
        start += size
    return cts


def _slice_transpose(ct, x, start_indices, limit_indices, strides):
    shape = x.aval.shape
    ct_shape = get_aval(ct).shape
    config = []
    for n, start, m, stride in zip(shape, start_indices, ct_shape, strides):
        real_limit = start + (0 if m == 0 else 1 + (m - 1) * stride)
        config.append((start, n - real_limit, stride - 1 if m else 0))
    return [pad(ct, np.zeros((), get_aval(ct).dtype), tuple(config))]


def _dynamic_slice_jvp(primals, tangents, slice_sizes):
    x, *indices = primals
    out = dynamic_slice_p.bind(x, *indices, slice_sizes=slice_sizes)
    t = tangents[0]
    if type(t) is ad.Zero:
        return [out], [ad.Zero.like(out)]
    return [out], [dynamic_slice_p.bind(t, *indices, slice_sizes=slice_sizes)]


def _dynamic_slice_transpose(ct, x, *indices, slice_sizes):
    zeros = _zeros(x.aval)
    return [dynamic_update_slice_p.bind(zeros, ct, *indices)] + [None] * len(indices)


def _dynamic_update_slice_jvp(primals, tangents):
    x, update, *indices = primals
    tx, tu = tangents[:2]
    out = dynamic_update_slice_p.bind(x, update, *indices)
    if type(tx) is ad.Zero and type(tu) is ad.Zero:
        return [out], [ad.Zero.like(out)]
    tangent = dynamic_update_slice_p.bind(ad.instantiate(tx), ad.instantiate(tu), *indices)
    return [out], [tangent]


def _dynamic_update_slice_transpose(ct, x, update, *indices):
    update_aval = update.aval if ad.is_undefined(update) else get_aval(update)
    ct_x = ct_u = None
    if ad.is_undefined(x):
        ct_x = dynamic_update_slice_p.bind(ct, _zeros(update_aval), *indices)
    if ad.is_undefined(update):
        ct_u = dynamic_slice_p.bind(ct, *indices, slice_sizes=update_aval.shape)
    return [ct_x, ct_u] + [None] * len(indices)


ad.deflinear(reshape_p, _reshape_transpose)
ad.deflinear(transpose_p, lambda ct, x, permutation: [
    transpose(ct, _inverse_permutation(permutation))])
ad.deflinear(squeeze_p, lambda ct, x, dimensions: [reshape(ct, x.aval.shape)])
ad.deflinear(rev_p, lambda ct, x, dimensions: [rev(ct, dimensions)])
ad.deflinear(pad_p, _pad_transpose)
ad.deflinear(concatenate_p, _concatenate_transpose)
ad.deflinear(slice_p, _slice_transpose)
ad.primitive_jvps[dynamic_slice_p] = _dynamic_slice_jvp
ad.primitive_transposes[dynamic_slice_p] = _dynamic_slice_transpose
ad.primitive_jvps[dynamic_update_slice_p] = _dynamic_update_slice_jvp
ad.primitive_transposes[dynamic_update_slice_p] = _dynamic_update_slice_transpose
# iota has no operands: the jvp interpreter never calls a rule for it (nor does vmap), and
# tests/test_ad.py lists it in AD_EXEMPT, so it has no jvp and no batching rule.


# ---------------------------------------------------------------------------------------
# Batching rules

from ..interpreters import batching  # noqa: E402


def _broadcast_in_dim_batch(vals, dims, shape, broadcast_dimensions):
    (x,), (d,) = vals, dims
    size = get_aval(x).shape[d]
    # The batch dimension goes just before where operand dimension d goes (or last), so
    # that broadcast_dimensions stay increasing and nothing moves.
    out_d = broadcast_dimensions[d] if d < len(broadcast_dimensions) else len(shape)
    new_dims = tuple(b + (b >= out_d) for b in broadcast_dimensions)
    new_dims = new_dims[:d] + (out_d,) + new_dims[d:]
    new_shape = shape[:out_d] + (size,) + shape[out_d:]
    return [broadcast_in_dim_p.bind(x, shape=new_shape, broadcast_dimensions=new_dims)], [out_d]


def _reshape_batch(vals, dims, new_sizes, dimensions):
    (x,), (d,) = vals, dims
    x = batching.moveaxis(x, d, 0)
    size = get_aval(x).shape[0]
    if dimensions is not None:
        dimensions = (0,) + tuple(i + 1 for i in dimensions)
    return [reshape_p.bind(x, new_sizes=(size,) + new_sizes, dimensions=dimensions)], [0]


def _transpose_batch(vals, dims, permutation):
    (x,), (d,) = vals, dims
    perm = tuple(p + (p >= d) for p in permutation)
    perm = perm[:d] + (d,) + perm[d:]
    return [transpose_p.bind(x, permutation=perm)], [d]


def _squeeze_batch(vals, dims, dimensions):
    (x,), (d,) = vals, dims
    new = tuple(a + (a >= d) for a in dimensions)
    return [squeeze_p.bind(x, dimensions=new)], [d - builtins.sum(a < d for a in dimensions)]


def _rev_batch(vals, dims, dimensions):
    (x,), (d,) = vals, dims
    return [rev_p.bind(x, dimensions=tuple(a + (a >= d) for a in dimensions))], [d]


def _pad_batch(vals, dims, padding_config):
    (x, padding_value), (dx, dp) = vals, dims
    if dx is batching.not_mapped:
        dx = 0
        x = broadcast(x, (get_aval(padding_value).shape[dp],))
    config = padding_config[:dx] + ((0, 0, 0),) + padding_config[dx:]
    if dp is batching.not_mapped:
        return [pad_p.bind(x, padding_value, padding_config=config)], [dx]
    # A padding value per example: pad with zeros, then select the padded positions.
    aval = get_aval(x)
    padded = pad_p.bind(x, np.zeros((), aval.dtype), padding_config=config)
    mask = pad_p.bind(broadcast_in_dim(np.array(True), aval.shape, ()), np.array(False),
                      padding_config=config)
    fill = broadcast_in_dim(padding_value, get_aval(padded).shape, (dx,))
    return [select(mask, padded, fill)], [dx]


def _concatenate_batch(vals, dims, dimension):
    size = batching.batch_size_of(vals, dims)
    if len(set(dims)) == 1:  # all mapped at the same dimension: nothing moves
        (d,) = set(dims)
        return [concatenate_p.bind(*vals, dimension=dimension + (dimension >= d))], [d]
    xs = [batching.bdim_at_front(x, d, size) for x, d in zip(vals, dims)]
    return [concatenate_p.bind(*xs, dimension=dimension + 1)], [0]


def _slice_batch(vals, dims, start_indices, limit_indices, strides):
    (x,), (d,) = vals, dims
    size = get_aval(x).shape[d]
    return [slice_p.bind(x, start_indices=start_indices[:d] + (0,) + start_indices[d:],
                         limit_indices=limit_indices[:d] + (size,) + limit_indices[d:],
                         strides=strides[:d] + (1,) + strides[d:])], [d]


for _prim, _rule in [(broadcast_in_dim_p, _broadcast_in_dim_batch),
                     (reshape_p, _reshape_batch), (transpose_p, _transpose_batch),
                     (squeeze_p, _squeeze_batch), (rev_p, _rev_batch), (pad_p, _pad_batch),
                     (concatenate_p, _concatenate_batch), (slice_p, _slice_batch)]:
    batching.primitive_batchers[_prim] = _rule


# dynamic_slice / dynamic_update_slice: with unmapped start indices the batch dimension is
# one more dimension, sliced from 0 in full. With mapped start indices each example reads
# (or writes) its own window: as in JAX, a gather (or scatter) batched along the vmapped
# dimension, with one index vector per example and clamping (mode "clip") as XLA clamps.

def _index_dtype(indices):
    return get_aval(indices[0]).dtype if indices else dtypes.int32


def _start_vectors(indices, idx_dims, size):
    """The start indices as a (size, len(indices)) array: one index vector per example."""
    columns = [reshape(broadcast(i, (size,)) if d is batching.not_mapped else i, (size, 1))
               for i, d in zip(indices, idx_dims)]
    return concatenate(columns, 1)


def _dynamic_slice_batch(vals, dims, slice_sizes):
    from .slicing import GatherDimensionNumbers, gather
    x, *indices = vals
    dx, *idx_dims = dims
    size = batching.batch_size_of(vals, dims)
    if all(d is batching.not_mapped for d in idx_dims):
        zero = np.zeros((), _index_dtype(indices))
        return [dynamic_slice_p.bind(x, *indices[:dx], zero, *indices[dx:],
                                     slice_sizes=slice_sizes[:dx] + (size,) +
                                     slice_sizes[dx:])], [dx]
    starts = _start_vectors(indices, idx_dims, size)
    ndim = len(slice_sizes)
    if dx is batching.not_mapped:  # one operand, an index vector per example
        dnums = GatherDimensionNumbers(offset_dims=tuple(range(1, ndim + 1)),
                                       collapsed_slice_dims=(),
                                       start_index_map=tuple(range(ndim)))
        sizes, out_dim = slice_sizes, 0
    else:  # the example's own operand: a batching dimension of the gather
        other = tuple(i for i in range(ndim + 1) if i != dx)
        dnums = GatherDimensionNumbers(offset_dims=other, collapsed_slice_dims=(),
                                       start_index_map=other, operand_batching_dims=(dx,),
                                       start_indices_batching_dims=(0,))
        sizes, out_dim = slice_sizes[:dx] + (min(size, 1),) + slice_sizes[dx:], dx
    return [gather(x, starts, dnums, sizes, unique_indices=True, indices_are_sorted=True,
                   mode="clip")], [out_dim]


def _dynamic_update_slice_batch(vals, dims):
    from .slicing import ScatterDimensionNumbers, scatter
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
    if dx is batching.not_mapped:
        x, dx = broadcast(x, (size,)), 0
    if du is batching.not_mapped:
        update, du = broadcast(update, (size,)), 0
    starts = _start_vectors(indices, idx_dims, size)
    ndim = len(indices)
    dnums = ScatterDimensionNumbers(
        update_window_dims=tuple(i for i in range(ndim + 1) if i != du),
        inserted_window_dims=(),
        scatter_dims_to_operand_dims=tuple(i for i in range(ndim + 1) if i != dx),
        operand_batching_dims=(dx,), scatter_indices_batching_dims=(0,))
    return [scatter(x, starts, update, dnums, unique_indices=True, indices_are_sorted=True,
                    mode="clip")], [dx]


batching.primitive_batchers[dynamic_slice_p] = _dynamic_slice_batch
batching.primitive_batchers[dynamic_update_slice_p] = _dynamic_update_slice_batch
