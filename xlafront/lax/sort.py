"""sort along one dimension, of one array or of several by the first `num_keys` of them
(sort_key_val), with its rules: the tangents follow the permutation (a gather), vmap sorts
along the same dimension of the batched operands."""
import numpy as np

from .. import dtypes
from ..core import bind, get_aval
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from .base import check_kinds, normalize_axis, primitive
from .shape import broadcasted_iota, reshape
from .slicing import GatherDimensionNumbers, gather

__all__ = ["sort", "sort_key_val", "sort_p"]


def _sort_abstract(*operands, dimension, is_stable, num_keys):
    shapes = {x.shape for x in operands}
    if len(shapes) != 1:
        raise TypeError(f"sort: all operands must have the same shape, got "
                        f"{[x.shape for x in operands]}")
    if not 1 <= num_keys <= len(operands):
        raise ValueError(f"sort: num_keys={num_keys} must be between 1 and the number of "
                         f"operands {len(operands)}")
    for x in operands[:num_keys]:
        check_kinds("sort", x, "biufc")
    return list(operands)


def _sort_lowering(ctx, *operands, dimension, is_stable, num_keys):
    avals = ctx.avals_in
    op = L.hlo.SortOp([L.ir_type(a) for a in avals], list(operands), dimension=dimension,
                      is_stable=is_stable)

    def less_than(*args):
        # Lexicographic "less than" over the keys, and over the (real, imaginary) parts of
        # a complex key, as in JAX and NumPy; floats use a total order so NaNs go last.
        keys = []
        for k in range(num_keys):
            a, b, dtype = args[2 * k], args[2 * k + 1], avals[k].dtype
            if dtypes.kind(dtype) == "c":
                part = np.dtype(np.float32 if dtype == dtypes.complex64 else np.float64)
                keys += [(L.hlo.real(a), L.hlo.real(b), part),
                         (L.hlo.imag(a), L.hlo.imag(b), part)]
            else:
                keys.append((a, b, dtype))
        result = None
        for a, b, dtype in reversed(keys):
            total = "TOTALORDER" if dtypes.kind(dtype) == "f" else None
            if total:
                a, b = _canonical_float_key(a, dtype), _canonical_float_key(b, dtype)
            less = L.compare(a, b, "LT", dtype, total)
            if result is None:
                result = less
            else:
                equal = L.compare(a, b, "EQ", dtype, total)
                result = L.hlo.or_(less, L.hlo.and_(equal, result))
        return result

    L.build_region(op.regions[0], [L.scalar_type(a.dtype) for a in avals for _ in (0, 1)],
                   less_than)
    return list(op.results)


def _canonical_float_key(x, dtype):
    """x with -0.0 made 0.0 and every NaN made the positive quiet NaN, so that the total order
    treats them as NumPy does: zeros equal, NaNs of either sign last."""
    zero, nan = L.constant(np.array(0, dtype)), L.constant(np.array(np.nan, dtype))
    x = L.hlo.select(L.compare(x, zero, "EQ", dtype), zero, x)
    return L.hlo.select(L.compare(x, x, "NE", dtype), nan, x)


sort_p = primitive("sort", _sort_abstract, _sort_lowering, multiple_results=True)


def sort(operand, dimension=-1, is_stable=True, num_keys=1):
    """Sorts along `dimension`. With a sequence of operands, sorts them all by the first
    `num_keys` of them (lexicographically) and returns the list."""
    single = not isinstance(operand, (tuple, list))
    operands = [operand] if single else list(operand)
    dimension = normalize_axis("sort", dimension, get_aval(operands[0]).ndim)
    outs = bind(sort_p, *operands, dimension=dimension, is_stable=bool(is_stable),
                num_keys=int(num_keys))
    return outs[0] if single else outs


def sort_key_val(keys, values, dimension=-1, is_stable=True):
    return tuple(sort([keys, values], dimension, is_stable, 1))


def _take_along(x, indices, dimension):
    """x[..., indices, ...] along `dimension` (indices of x's shape): a gather batched over
    the other dimensions."""
    shape = get_aval(x).shape
    others = tuple(i for i in range(len(shape)) if i != dimension)
    dnums = GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(dimension,),
                                   start_index_map=(dimension,), operand_batching_dims=others,
                                   start_indices_batching_dims=others)
    return gather(x, reshape(indices, shape + (1,)), dnums, (1,) * len(shape),
                  unique_indices=True, mode="promise_in_bounds")


def _sort_jvp(primals, tangents, dimension, is_stable, num_keys):
    # As JAX: sorting an iota along gives the permutation; the tangents follow it.
    shape = get_aval(primals[0]).shape
    index_dtype = dtypes.int32 if shape[dimension] < np.iinfo(np.int32).max else dtypes.int64
    iota = broadcasted_iota(index_dtype, shape, dimension)
    *outs, perm = sort_p.bind(*primals, iota, dimension=dimension, is_stable=is_stable,
                              num_keys=num_keys)
    touts = [ad.Zero.like(o) if type(t) is ad.Zero else _take_along(t, perm, dimension)
             for o, t in zip(outs, tangents)]
    return outs, touts


def _sort_batch(vals, dims, dimension, **params):
    size = batching.batch_size_of(vals, dims)
    if len(set(dims)) == 1:  # all mapped at one dimension: nothing moves
        (d,) = set(dims)
    else:
        vals, d = [batching.bdim_at_front(v, b, size) for v, b in zip(vals, dims)], 0
    outs = sort_p.bind(*vals, dimension=dimension + (dimension >= d), **params)
    return outs, [d] * len(outs)


ad.primitive_jvps[sort_p] = _sort_jvp
batching.primitive_batchers[sort_p] = _sort_batch
