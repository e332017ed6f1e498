"""sort along one dimension, of one array or of several by the first `num_keys` of them
(sort_key_val), with its rules: the tangents follow the permutation (a gather), vmap sorts
along the same dimension of the batched operands; top_k, and approx_max_k / approx_min_k
(exact on every platform but TPU, as in JAX)."""
import math

import numpy as np

from .. import dtypes
from ..core import bind, get_aval
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from .base import check_kinds, composed, normalize_axis, primitive
from .elementwise import neg
from .shape import broadcasted_iota, reshape
from .slicing import GatherDimensionNumbers, gather

__all__ = ["approx_max_k", "approx_min_k", "approx_top_k_p", "sort", "sort_key_val", "sort_p",
           "top_k", "top_k_p"]


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
    `num_keys` of them (lexicographically) and returns their tuple."""
    single = not isinstance(operand, (tuple, list))
    operands = [operand] if single else list(operand)
    dimension = normalize_axis("sort", dimension, get_aval(operands[0]).ndim)
    outs = bind(sort_p, *operands, dimension=dimension, is_stable=bool(is_stable),
                num_keys=int(num_keys))
    return outs[0] if single else tuple(outs)


def sort_key_val(keys, values, dimension=-1, is_stable=True):
    return sort([keys, values], dimension, is_stable, 1)


def _take_along(x, indices, dimension):
    """x[..., indices, ...] along `dimension` (indices of x's shape but along `dimension`):
    a gather batched over the other dimensions."""
    shape = get_aval(x).shape
    others = tuple(i for i in range(len(shape)) if i != dimension)
    dnums = GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(dimension,),
                                   start_index_map=(dimension,), operand_batching_dims=others,
                                   start_indices_batching_dims=others)
    return gather(x, reshape(indices, get_aval(indices).shape + (1,)), dnums, (1,) * len(shape),
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


# top_k -----------------------------------------------------------------------------------

def _top_k_abstract(x, k, axis):
    if not 0 <= k <= x.shape[axis]:
        raise ValueError(f"top_k: k={k} must be non-negative and at most the size "
                         f"{x.shape[axis]} of axis {axis} (shape {x.shape})")
    shape = x.shape[:axis] + (k,) + x.shape[axis + 1:]
    return [x.update(shape=shape), x.update(shape=shape, dtype=dtypes.int32, weak_type=False)]


def _top_k_lowering(ctx, x, k, axis):
    # chlo.top_k works on the last dimension: move `axis` there and back
    last = ctx.avals_in[0].ndim - 1
    perm = list(range(last + 1))
    perm[axis], perm[last] = last, axis
    moved = axis != last
    outs = L.chlo.top_k(L.hlo.transpose(x, L.dense_i64(perm)) if moved else x, k)
    return [L.hlo.transpose(o, L.dense_i64(perm)) if moved else o for o in outs]


top_k_p = primitive("top_k", _top_k_abstract, _top_k_lowering, multiple_results=True)


def top_k(operand, k, *, axis=-1):
    """The k largest entries along `axis` (NaN largest; ties: lower index first) and their
    int32 indices."""
    check_kinds("top_k", get_aval(operand), "biuf")
    axis = normalize_axis("top_k", axis, get_aval(operand).ndim)
    return list(bind(top_k_p, operand, k=int(k), axis=axis))  # (a list, as JAX's)


def _top_k_jvp(primals, tangents, k, axis):
    values, indices = top_k_p.bind(primals[0], k=k, axis=axis)
    t = tangents[0]
    t_out = ad.Zero.like(values) if type(t) is ad.Zero else _take_along(t, indices, axis)
    return [values, indices], [t_out, ad.Zero.like(indices)]


def _top_k_batch(vals, dims, k, axis):
    (x,), (d,) = vals, dims
    return top_k_p.bind(x, k=k, axis=axis + (d <= axis)), [d, d]


ad.primitive_jvps[top_k_p] = _top_k_jvp
batching.primitive_batchers[top_k_p] = _top_k_batch


# approx_max_k / approx_min_k: TPU's approximate top-k, exact elsewhere (as JAX on CPU) ----

def _approx_size(n, rank, k, recall_target, aggregate_to_topk, reduction_input_size_override):
    """XLA's ApproxTopKReductionOutputSize: k when aggregating, else the number of
    candidates the TPU algorithm keeps for the recall (sorted, exactly, off TPU)."""
    tiling = 1024 if rank == 1 else 128
    if aggregate_to_topk or n <= tiling:
        return k if aggregate_to_topk else n
    override = reduction_input_size_override
    if 0 <= override < n:
        raise ValueError(f"approx_top_k: reduction_input_size_override {override} must be at "
                         f"least the size {n} of the reduction dimension")
    logical = override if override >= 0 else n
    recall = float(np.float32(recall_target))
    if k == 1 or recall == 1.0:
        return tiling if k == 1 else n
    reduction = (logical // max(int((1.0 - k) / math.log(recall)), tiling)).bit_length() - 1
    if reduction <= 0:
        return n
    reduction = min(reduction, (n // tiling - 1).bit_length())
    return tiling * -(-(-(-n // tiling)) // (1 << reduction))


def _approx_top_k(x, *, k, reduction_dimension, is_max_k, **params):
    n = _approx_size(get_aval(x).shape[reduction_dimension], get_aval(x).ndim, k, **params)
    values, indices = top_k(x if is_max_k else neg(x), n, axis=reduction_dimension)
    return [values if is_max_k else neg(values), indices]


def _approx_top_k_abstract(x, *, k, reduction_dimension, is_max_k, **params):
    n = _approx_size(x.shape[reduction_dimension], x.ndim, k, **params)
    return _top_k_abstract(x, n, reduction_dimension)


approx_top_k_p = composed("approx_top_k", _approx_top_k, _approx_top_k_abstract,
                          multiple_results=True)


def _approx_k(is_max_k):
    def op(operand, k, reduction_dimension=-1, recall_target=0.95,
           reduction_input_size_override=-1, aggregate_to_topk=True):
        name = "approx_max_k" if is_max_k else "approx_min_k"
        aval = get_aval(operand)
        if dtypes.kind(aval.dtype) != "f":
            raise ValueError(f"{name}: operand must be of a floating dtype, got {aval.dtype}")
        dim = normalize_axis(name, reduction_dimension, aval.ndim)
        if not 0 < k <= aval.shape[dim]:
            raise ValueError(f"{name}: k={k} must be positive and at most the size "
                             f"{aval.shape[dim]} of the reduction dimension")
        return list(bind(approx_top_k_p, operand, k=int(k), reduction_dimension=dim,
                          recall_target=float(recall_target), is_max_k=is_max_k,
                          reduction_input_size_override=int(reduction_input_size_override),
                          aggregate_to_topk=bool(aggregate_to_topk)))
    op.__name__ = "approx_max_k" if is_max_k else "approx_min_k"
    op.__doc__ = (f"The k {'largest' if is_max_k else 'smallest'} entries along "
                  "reduction_dimension and their indices (exact off TPU, as in JAX).")
    return op


approx_max_k, approx_min_k = _approx_k(True), _approx_k(False)
