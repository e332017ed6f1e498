"""Shape primitives: broadcast_in_dim, reshape, transpose, squeeze, rev, pad, concatenate
and iota, each with its rules; and the compositions broadcast, expand_dims, full and
zeros_like_array."""
import builtins
import math

import numpy as np

from .. import dtypes
from ..core import bind, concrete_shape, get_aval
from ..dispatch import eager
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from ..interpreters.lax_ops import lax_ops
from .base import (check_same_dtypes, composed, ints, is_array_value, normalize_axes,
                   normalize_axis, out, primitive, python_scalars)
from .elementwise import convert_element_type, select, sub

__all__ = ["broadcast", "broadcast_in_dim", "broadcast_in_dim_p", "broadcast_like",
           "broadcast_shapes", "broadcast_to_rank", "broadcasted_iota", "collapse",
           "concatenate", "concatenate_p", "empty", "expand_dims", "full", "full_like", "iota",
           "iota_p", "pad", "pad_p", "reshape", "reshape_p", "rev", "rev_p", "shape_as_value",
           "squeeze", "squeeze_p", "stack", "stack_p", "tile", "tile_p", "transpose",
           "transpose_p", "zeros_like_array"]


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
    dims = ints("broadcast_in_dim", "broadcast_dimensions", broadcast_dimensions)
    if get_aval(x).shape == shape and dims == tuple(range(len(shape))) and is_array_value(x):
        return x
    return bind(broadcast_in_dim_p, x, shape=shape, broadcast_dimensions=dims)


def broadcast(x, sizes):
    """x with leading dimensions `sizes` added."""
    sizes = concrete_shape(sizes, "broadcast")
    shape = sizes + get_aval(x).shape
    return broadcast_in_dim(x, shape, tuple(range(len(sizes), len(shape))))


def broadcast_to_rank(x, rank):
    aval = get_aval(x)
    return broadcast(x, (1,) * (rank - aval.ndim)) if aval.ndim < rank else x


def _broadcast_in_dim_transpose(ct, x, shape, broadcast_dimensions):
    aval = x.aval
    new_axes = tuple(i for i in range(len(shape)) if i not in broadcast_dimensions)
    expanded = tuple(d for i, d in enumerate(broadcast_dimensions)
                     if aval.shape[i] == 1 and shape[d] != 1)
    summed = lax_ops.reduce_sum(ct, new_axes + expanded) if new_axes or expanded else ct
    return [reshape(summed, aval.shape) if expanded else summed]


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


ad.deflinear(broadcast_in_dim_p, _broadcast_in_dim_transpose)
batching.primitive_batchers[broadcast_in_dim_p] = _broadcast_in_dim_batch


# full / zeros_like_array: a scalar broadcast ---------------------------------------------

_host_scalars = (*python_scalars, np.ndarray, np.generic)


def _scalar_of(value, dtype, weak_type):
    """`value` (a scalar) as an operand of `dtype`: host values stay NumPy scalars (literals
    in the IR) unless weakly typed."""
    if isinstance(value, _host_scalars):
        value = np.array(value, dtype)
        return convert_element_type(value, dtype, weak_type=True) if weak_type else value
    return convert_element_type(value, dtype, weak_type=weak_type)


@eager(static_argnames=("shape", "dtype"))
def full(shape, fill_value, dtype=None):
    """An array of `shape` filled with the scalar `fill_value`, of `dtype` (default: that of
    fill_value, weakly typed for a Python scalar)."""
    shape = concrete_shape(shape, "full")
    aval = get_aval(fill_value)
    if aval.shape:
        raise TypeError(f"full: fill_value must be a scalar, got shape {aval.shape}")
    if dtype is None:
        dtype, weak_type = aval.dtype, aval.weak_type
    else:
        dtype, weak_type = dtypes.check_dtype(dtype, "full"), False
    return broadcast_in_dim(_scalar_of(fill_value, dtype, weak_type), shape, ())


@eager
def zeros_like_array(x):
    """Zeros of x's shape and dtype (weakly typed if x is)."""
    aval = get_aval(x)
    return broadcast_in_dim(_scalar_of(0, aval.dtype, aval.weak_type), aval.shape, ())


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
    dims = None if dimensions is None else ints("reshape", "dimensions", dimensions)
    if aval.shape == new_sizes and dims is None and is_array_value(x):
        return x
    return bind(reshape_p, x, new_sizes=new_sizes, dimensions=dims)


def _inverse_permutation(perm):
    return tuple(int(i) for i in np.argsort(perm))


def _reshape_transpose(ct, x, new_sizes, dimensions):
    if dimensions is None:
        return [reshape(ct, x.aval.shape)]
    transposed = reshape(ct, tuple(x.aval.shape[d] for d in dimensions))
    return [transpose(transposed, _inverse_permutation(dimensions))]


def _reshape_batch(vals, dims, new_sizes, dimensions):
    (x,), (d,) = vals, dims
    x = batching.moveaxis(x, d, 0)
    size = get_aval(x).shape[0]
    if dimensions is not None:
        dimensions = (0,) + tuple(i + 1 for i in dimensions)
    return [reshape_p.bind(x, new_sizes=(size,) + new_sizes, dimensions=dimensions)], [0]


ad.deflinear(reshape_p, _reshape_transpose)
batching.primitive_batchers[reshape_p] = _reshape_batch


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
    permutation = ints("transpose", "permutation", permutation)
    if (permutation == tuple(range(len(permutation))) and len(permutation) == get_aval(x).ndim
            and is_array_value(x)):
        return x
    return bind(transpose_p, x, permutation=permutation)


def _transpose_batch(vals, dims, permutation):
    (x,), (d,) = vals, dims
    perm = tuple(p + (p >= d) for p in permutation)
    perm = perm[:d] + (d,) + perm[d:]
    return [transpose_p.bind(x, permutation=perm)], [d]


ad.deflinear(transpose_p, lambda ct, x, permutation: [
    transpose(ct, _inverse_permutation(permutation))])
batching.primitive_batchers[transpose_p] = _transpose_batch


# squeeze / expand_dims -------------------------------------------------------------------

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


def _squeeze_batch(vals, dims, dimensions):
    (x,), (d,) = vals, dims
    new = tuple(a + (a >= d) for a in dimensions)
    return [squeeze_p.bind(x, dimensions=new)], [d - builtins.sum(a < d for a in dimensions)]


ad.deflinear(squeeze_p, lambda ct, x, dimensions: [reshape(ct, x.aval.shape)])
batching.primitive_batchers[squeeze_p] = _squeeze_batch


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


def _rev_batch(vals, dims, dimensions):
    (x,), (d,) = vals, dims
    return [rev_p.bind(x, dimensions=tuple(a + (a >= d) for a in dimensions))], [d]


ad.deflinear(rev_p, lambda ct, x, dimensions: [rev(ct, dimensions)])
batching.primitive_batchers[rev_p] = _rev_batch


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
    config = tuple(tuple(ints("pad", "padding_config", c)) for c in padding_config)
    if any(len(c) != 3 for c in config):
        raise ValueError(f"pad: each padding_config entry must be (low, high, interior), got "
                         f"{padding_config}")
    if isinstance(padding_value, python_scalars):
        padding_value = np.asarray(padding_value, get_aval(x).dtype)
    return bind(pad_p, x, padding_value, padding_config=config)


def _pad_transpose(ct, x, padding_value, padding_config):
    # The operand's cotangent: undo the low/high padding (negative padding crops, so the
    # inverse of a crop pads with zeros), then drop the interior padding with a strided
    # slice. The padding value's: everything that did not come from the operand.
    ct_x = ct_pv = None
    if ad.is_undefined(x) or ad.is_undefined(padding_value):
        unpadded = pad(ct, np.zeros((), get_aval(ct).dtype),
                       tuple((-lo, -hi, 0) for lo, hi, _ in padding_config))
        ct_x = lax_ops.slice(unpadded, (0,) * len(padding_config), get_aval(unpadded).shape,
                             tuple(interior + 1 for _, _, interior in padding_config))
    if ad.is_undefined(padding_value):
        everything = tuple(range(len(padding_config)))
        ct_pv = sub(lax_ops.reduce_sum(ct, everything), lax_ops.reduce_sum(ct_x, everything))
    return [ct_x if ad.is_undefined(x) else None, ct_pv]


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
    mask = pad_p.bind(full(aval.shape, True, dtypes.bool_), np.array(False),
                      padding_config=config)
    fill = broadcast_in_dim(padding_value, get_aval(padded).shape, (dx,))
    return [select(mask, padded, fill)], [dx]


ad.deflinear(pad_p, _pad_transpose)
batching.primitive_batchers[pad_p] = _pad_batch


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
            cts.append(lax_ops.slice(ct, tuple(begin), tuple(end)))
        else:
            cts.append(None)
        start += size
    return cts


def _concatenate_batch(vals, dims, dimension):
    size = batching.batch_size_of(vals, dims)
    if len(set(dims)) == 1:  # all mapped at the same dimension: nothing moves
        (d,) = set(dims)
        return [concatenate_p.bind(*vals, dimension=dimension + (dimension >= d))], [d]
    xs = [batching.bdim_at_front(x, d, size) for x, d in zip(vals, dims)]
    return [concatenate_p.bind(*xs, dimension=dimension + 1)], [0]


ad.deflinear(concatenate_p, _concatenate_transpose)
batching.primitive_batchers[concatenate_p] = _concatenate_batch


# iota ------------------------------------------------------------------------------------
# (no operands: the jvp and vmap interpreters never call a rule for it, so it has none;
# tests/op_records.py exempts it)

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


# tile, stack (primitives composed of the above, as in JAX), and shape helpers ------------

def _tile(x, reps):
    shape = get_aval(x).shape
    interleaved = tuple(n for pair in zip(reps, shape) for n in pair)
    return reshape(broadcast_in_dim(x, interleaved, tuple(range(1, 2 * len(shape), 2))),
                   tuple(r * n for r, n in zip(reps, shape)))


tile_p = composed("tile", _tile, lambda x, reps: out(
    tuple(r * n for r, n in zip(reps, x.shape)), x.dtype, x.weak_type))


def tile(operand, reps):
    """operand repeated reps[i] times along each dimension i."""
    reps = ints("tile", "reps", reps)
    if len(reps) != get_aval(operand).ndim:
        raise TypeError(f"tile: reps must have one entry per dimension of the operand, got "
                        f"reps={reps} for shape {get_aval(operand).shape}")
    return bind(tile_p, operand, reps=reps)


stack_p = composed(
    "stack", lambda *xs, axis: concatenate([expand_dims(x, (axis,)) for x in xs], axis),
    lambda *xs, axis: out(xs[0].shape[:axis] + (len(xs),) + xs[0].shape[axis:], xs[0].dtype,
                          all(x.weak_type for x in xs)))


def stack(operands, axis=0):
    """The operands (of one shape and dtype) joined along a new axis."""
    operands = list(operands)
    if not operands:
        raise ValueError("stack: need at least one array to stack")
    avals = [get_aval(x) for x in operands]
    check_same_dtypes("stack", avals)
    if len({a.shape for a in avals}) > 1:
        raise ValueError(f"stack: all arrays must have the same shape, got "
                         f"{[a.shape for a in avals]}")
    axis = normalize_axis("stack", axis, avals[0].ndim + 1)
    return bind(stack_p, *operands, axis=axis)


def collapse(operand, start_dimension, stop_dimension=None):
    """operand with dimensions start_dimension..stop_dimension-1 merged into one."""
    shape = get_aval(operand).shape
    start, stop, _ = builtins.slice(start_dimension, stop_dimension).indices(len(shape))
    return reshape(operand, shape[:start] + (math.prod(shape[start:stop]),) + shape[stop:])


def broadcast_like(arr, like_arr):
    """arr broadcast (NumPy's rules) to the shape of like_arr."""
    shape, ndim = get_aval(like_arr).shape, get_aval(arr).ndim
    return broadcast_in_dim(arr, shape, tuple(range(len(shape) - ndim, len(shape))))


def broadcast_shapes(*shapes):
    """The shape NumPy broadcasting gives `shapes`, or ValueError."""
    return broadcast_shapes_for("broadcast_shapes",
                                *[concrete_shape(s, "broadcast_shapes") for s in shapes])


def broadcast_shapes_for(op, *shapes):
    """broadcast_shapes of shapes known to be tuples of ints, its error naming the
    operation `op` that asked."""
    ndim = builtins.max((len(s) for s in shapes), default=0)
    result = []
    for dims in zip(*[(1,) * (ndim - len(s)) + tuple(s) for s in shapes]):
        sizes = {d for d in dims if d != 1}
        if len(sizes) > 1:
            raise ValueError(f"{op}: incompatible shapes for broadcasting: "
                             f"{', '.join(str(tuple(s)) for s in shapes)}")
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


def shape_as_value(shape):
    """A (static) shape as an int32 vector (int64 past int32's range)."""
    shape = concrete_shape(shape, "shape_as_value")
    dtype = dtypes.int64 if builtins.max(shape, default=0) >> 31 else dtypes.int32
    return np.asarray(shape, dtype) if shape else full((0,), 0, dtype)


def _no_sharding(op, sharding):
    if sharding is not None:
        raise NotImplementedError(f"{op}: placing the result with a sharding is not supported "
                                  f"(got {sharding!r}); use xlafront.device_put")


@eager(static_argnames=("dtype", "shape", "sharding"))
def full_like(x, fill_value, dtype=None, shape=None, sharding=None):
    """fill_value in the shape and dtype of x (or those given), weak if x is and no dtype."""
    _no_sharding("full_like", sharding)
    aval = get_aval(x)
    weak = dtype is None and aval.weak_type
    dtype = aval.dtype if dtype is None else dtypes.check_dtype(dtype, "full_like")
    shape = aval.shape if shape is None else concrete_shape(shape, "full_like")
    return broadcast_in_dim(_scalar_of(fill_value, dtype, weak), shape, ())


def empty(shape, dtype, *, out_sharding=None):
    """An array of `shape` and `dtype` whose values are unspecified (zeros here)."""
    _no_sharding("empty", out_sharding)
    return full(shape, 0, dtype)
