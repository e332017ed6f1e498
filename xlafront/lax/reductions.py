"""Reductions (one rule for the whole family), argmax/argmin, dot_general and sort."""
import numpy as np

from .. import dtypes
from ..core import bind, get_aval
from ..interpreters import lowering as L
from .base import check_kinds, check_same_dtypes, normalize_axes, normalize_axis, out, primitive
from .elementwise import _compare_type


def _scalar_type(dtype):
    return L.ir.RankedTensorType.get([], L.ir_element_type(dtype))


def _compare(x, y, direction, dtype):
    return L.hlo.compare(x, y, L.hlo.ComparisonDirectionAttr.get(direction),
                         compare_type=L.hlo.ComparisonTypeAttr.get(_compare_type(dtype)))


# reduce_{sum,prod,max,min,and,or,xor} ---------------------------------------------------

def _identity(name, dtype):
    if name == "sum" or name in ("or", "xor"):
        return 0 if dtype != dtypes.bool_ else False
    if name == "prod":
        return 1
    if name == "and":  # all bits set
        if dtype == dtypes.bool_:
            return True
        return np.iinfo(dtype).max if dtypes.kind(dtype) == "u" else -1
    big = name == "min"
    if dtypes.kind(dtype) == "f":
        return np.inf if big else -np.inf
    if dtype == dtypes.bool_:
        return big
    info = np.iinfo(dtype)
    return info.max if big else info.min


def reduction(name, combine, kinds):
    def abstract_eval(x, axes):
        check_kinds(f"reduce_{name}", x, kinds)
        shape = tuple(n for i, n in enumerate(x.shape) if i not in axes)
        return out(shape, x.dtype, x.weak_type)

    def lower(ctx, x, axes):
        dtype = ctx.avals_in[0].dtype
        init = L.constant(np.array(_identity(name, dtype), dtype))
        op = L.hlo.ReduceOp([L.ir_type(ctx.avals_out[0])], [x], [init], L.dense_i64(axes))
        block = op.regions[0].blocks.append(_scalar_type(dtype), _scalar_type(dtype))
        with L.ir.InsertionPoint(block):
            L.hlo.return_([combine(*block.arguments)])
        return list(op.results)

    prim = primitive(f"reduce_{name}", abstract_eval, lower)

    def op(x, axes):
        axes = normalize_axes(f"reduce_{name}", axes, get_aval(x).ndim)
        return bind(prim, x, axes=tuple(sorted(axes)))

    op.__name__ = f"reduce_{name}"
    op.__doc__ = f"Reduces x over `axes` with {name}."
    return prim, op


def _lazy(fn_name):
    return lambda x, y: getattr(L.hlo, fn_name)(x, y)


reduce_sum_p, reduce_sum = reduction("sum", _lazy("add"), "biufc")
reduce_prod_p, reduce_prod = reduction("prod", _lazy("multiply"), "biufc")
reduce_max_p, reduce_max = reduction("max", _lazy("maximum"), "biuf")
reduce_min_p, reduce_min = reduction("min", _lazy("minimum"), "biuf")
reduce_and_p, reduce_and = reduction("and", _lazy("and_"), "biu")
reduce_or_p, reduce_or = reduction("or", _lazy("or_"), "biu")
reduce_xor_p, reduce_xor = reduction("xor", _lazy("xor"), "biu")


# argmax / argmin -------------------------------------------------------------------------

def arg_reduction(name, direction):
    def abstract_eval(x, axes, index_dtype):
        check_kinds(name, x, "biuf")
        if x.shape[axes[0]] == 0:
            raise ValueError(f"{name}: attempt to get {name} of an empty axis {axes[0]} of "
                             f"shape {x.shape}")
        shape = tuple(n for i, n in enumerate(x.shape) if i != axes[0])
        return out(shape, index_dtype)

    def lower(ctx, x, axes, index_dtype):
        aval = ctx.avals_in[0]
        axis = axes[0]
        idx_aval = aval.update(dtype=index_dtype, weak_type=False)
        indices = L.hlo.iota(L.ir_type(idx_aval), axis)
        value_init = L.constant(np.array(_identity("max" if direction == "GT" else "min",
                                                   aval.dtype), aval.dtype))
        index_init = L.constant(np.array(0, index_dtype))
        out_aval = ctx.avals_out[0]
        op = L.hlo.ReduceOp([L.ir_type(out_aval.update(dtype=aval.dtype)), L.ir_type(out_aval)],
                            [x, indices], [value_init, index_init], L.dense_i64([axis]))
        vt, it = _scalar_type(aval.dtype), _scalar_type(index_dtype)
        block = op.regions[0].blocks.append(vt, it, vt, it)
        with L.ir.InsertionPoint(block):
            v1, i1, v2, i2 = block.arguments
            # Pick (v1, i1) when v1 is strictly better, or NaN, or equal with a smaller index:
            # NumPy's first-occurrence rule with NaN winning.
            better = _compare(v1, v2, direction, aval.dtype)
            if dtypes.kind(aval.dtype) == "f":
                better = L.hlo.or_(better, _compare(v1, v1, "NE", aval.dtype))
            equal = _compare(v1, v2, "EQ", aval.dtype)
            first = L.hlo.and_(equal, _compare(i1, i2, "LT", index_dtype))
            pick1 = L.hlo.or_(better, first)
            L.hlo.return_([L.hlo.select(pick1, v1, v2), L.hlo.select(pick1, i1, i2)])
        return [op.results[1]]

    prim = primitive(name, abstract_eval, lower)

    def op(x, axis, index_dtype):
        axis = normalize_axis(name, axis, get_aval(x).ndim)
        return bind(prim, x, axes=(axis,), index_dtype=dtypes.check_dtype(index_dtype))

    op.__name__ = name
    return prim, op


argmax_p, argmax = arg_reduction("argmax", "GT")
argmin_p, argmin = arg_reduction("argmin", "LT")


# dot_general -----------------------------------------------------------------------------

def _dot_general_abstract(lhs, rhs, dimension_numbers, precision, preferred_element_type):
    (lc, rc), (lb, rb) = dimension_numbers
    check_same_dtypes("dot_general", (lhs, rhs))
    for dims, aval, which in ((lc, lhs, "lhs"), (lb, lhs, "lhs"), (rc, rhs, "rhs"), (rb, rhs, "rhs")):
        if any(not 0 <= d < aval.ndim for d in dims):
            raise ValueError(f"dot_general: {which} dimension numbers {dims} out of range for "
                             f"shape {aval.shape}")
    if len(lc) != len(rc) or len(lb) != len(rb):
        raise TypeError(f"dot_general: contracting/batch dimension lists differ in length: "
                        f"{dimension_numbers}")
    for a, b in zip(lc, rc):
        if lhs.shape[a] != rhs.shape[b]:
            raise TypeError(f"dot_general: contracting dimensions must match: lhs shape "
                            f"{lhs.shape} dim {a} vs rhs shape {rhs.shape} dim {b}")
    for a, b in zip(lb, rb):
        if lhs.shape[a] != rhs.shape[b]:
            raise TypeError(f"dot_general: batch dimensions must match: lhs shape {lhs.shape} "
                            f"dim {a} vs rhs shape {rhs.shape} dim {b}")
    batch = tuple(lhs.shape[d] for d in lb)
    lhs_free = tuple(n for i, n in enumerate(lhs.shape) if i not in lc and i not in lb)
    rhs_free = tuple(n for i, n in enumerate(rhs.shape) if i not in rc and i not in rb)
    dtype = preferred_element_type or lhs.dtype
    return out(batch + lhs_free + rhs_free, dtype, lhs.weak_type and rhs.weak_type)


def _dot_general_lowering(ctx, lhs, rhs, dimension_numbers, precision, preferred_element_type):
    (lc, rc), (lb, rb) = dimension_numbers
    lhs_aval, rhs_aval = ctx.avals_in
    if all(lhs_aval.shape[d] == 1 for d in lc):  # an outer product: no sum to do
        return [_outer_product(ctx, lhs, rhs, dimension_numbers)]
    dnums = L.hlo.DotDimensionNumbers.get(
        lhs_batching_dimensions=list(lb), rhs_batching_dimensions=list(rb),
        lhs_contracting_dimensions=list(lc), rhs_contracting_dimensions=list(rc))
    precision_config = None
    if precision is not None:
        precision_config = L.ir.ArrayAttr.get(
            [L.hlo.PrecisionAttr.get(precision)] * 2)
    return [L.hlo.dot_general(L.ir_type(ctx.avals_out[0]), lhs, rhs, dnums,
                              precision_config=precision_config)]


def _outer_product(ctx, lhs, rhs, dimension_numbers):
    """A dot_general whose contracted dimensions all have size 1 (per-example outer products
    under vmap, x[:, None] @ y[None]) as broadcasts and a multiply, which XLA runs as one
    fused loop rather than a batch of rank-1 matrix products."""
    (lc, rc), (lb, rb) = dimension_numbers
    out_aval = ctx.avals_out[0]
    n_batch, n_lhs_free = len(lb), ctx.avals_in[0].ndim - len(lc) - len(lb)
    factors = []
    for side, (x, aval, contract, batch) in enumerate(((lhs, ctx.avals_in[0], lc, lb),
                                                      (rhs, ctx.avals_in[1], rc, rb))):
        kept = [i for i in range(aval.ndim) if i not in contract]   # original order
        order = list(batch) + [i for i in kept if i not in batch]  # batch dims first
        if len(kept) != aval.ndim:  # drop the size-1 contracted dimensions
            x = L.hlo.reshape(L.ir_type(aval.update(shape=tuple(aval.shape[i] for i in kept))),
                              x)
        if order != kept:
            x = L.hlo.transpose(x, L.dense_i64([kept.index(i) for i in order]))
        shape = tuple(aval.shape[i] for i in order)
        if aval.dtype != out_aval.dtype:
            x = L.hlo.convert(L.ir_type(aval.update(shape=shape, dtype=out_aval.dtype)), x)
        first_free = n_batch + (0 if side == 0 else n_lhs_free)
        dims = list(range(n_batch)) + list(range(first_free, first_free + len(order) - n_batch))
        factors.append(L.hlo.broadcast_in_dim(L.ir_type(out_aval), x, L.dense_i64(dims)))
    return L.hlo.multiply(*factors)


dot_general_p = primitive("dot_general", _dot_general_abstract, _dot_general_lowering)

_precisions = {None: None, "default": "DEFAULT", "high": "HIGH", "highest": "HIGHEST",
               "DEFAULT": "DEFAULT", "HIGH": "HIGH", "HIGHEST": "HIGHEST"}


def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None):
    """Generalized dot: dimension_numbers = ((lhs_contract, rhs_contract),
    (lhs_batch, rhs_batch)); the result is batch + lhs free + rhs free dimensions."""
    (lc, rc), (lb, rb) = dimension_numbers
    dnums = ((tuple(lc), tuple(rc)), (tuple(lb), tuple(rb)))
    if isinstance(precision, (tuple, list)):
        precision = precision[0]
    precision = getattr(precision, "name", precision)
    if precision not in _precisions:
        raise ValueError(f"dot_general: unknown precision {precision!r}; use None, 'default', "
                         "'high' or 'highest'")
    pref = None if preferred_element_type is None else dtypes.check_dtype(preferred_element_type)
    return bind(dot_general_p, lhs, rhs, dimension_numbers=dnums,
                precision=_precisions[precision], preferred_element_type=pref)


def dot(lhs, rhs, precision=None, preferred_element_type=None):
    """Vector/matrix products: contracts the last axis of lhs with the first of rhs."""
    lhs_ndim, rhs_ndim = get_aval(lhs).ndim, get_aval(rhs).ndim
    if not (1 <= lhs_ndim <= 2 and 1 <= rhs_ndim <= 2):
        raise TypeError(f"dot: operands must be vectors or matrices, got ranks {lhs_ndim} "
                        f"and {rhs_ndim}; use dot_general for higher ranks")
    return dot_general(lhs, rhs, (((lhs_ndim - 1,), (0,)), ((), ())), precision,
                       preferred_element_type)


# sort ------------------------------------------------------------------------------------

def _sort_abstract(*operands, dimension, is_stable, num_keys):
    shapes = {x.shape for x in operands}
    if len(shapes) != 1:
        raise TypeError(f"sort: all operands must have the same shape, got "
                        f"{[x.shape for x in operands]}")
    if not 1 <= num_keys <= len(operands):
        raise ValueError(f"sort: num_keys={num_keys} must be between 1 and the number of "
                         f"operands {len(operands)}")
    for x in operands[:num_keys]:
        check_kinds("sort", x, "biuf")
    return list(operands)


def _sort_lowering(ctx, *operands, dimension, is_stable, num_keys):
    avals = ctx.avals_in
    op = L.hlo.SortOp([L.ir_type(a) for a in avals], list(operands), dimension=dimension,
                      is_stable=is_stable)
    types = []
    for a in avals:
        types += [_scalar_type(a.dtype)] * 2
    block = op.regions[0].blocks.append(*types)
    with L.ir.InsertionPoint(block):
        args = block.arguments
        # Lexicographic "less than" over the keys; floats use a total order so NaNs go last.
        result = None
        for k in reversed(range(num_keys)):
            a, b, dtype = args[2 * k], args[2 * k + 1], avals[k].dtype
            ctype = "TOTALORDER" if dtypes.kind(dtype) == "f" else _compare_type(dtype)
            if dtypes.kind(dtype) == "f":
                a, b = _canonical_float_key(a, dtype), _canonical_float_key(b, dtype)
            less = L.hlo.compare(a, b, L.hlo.ComparisonDirectionAttr.get("LT"),
                                 compare_type=L.hlo.ComparisonTypeAttr.get(ctype))
            if result is None:
                result = less
            else:
                equal = L.hlo.compare(a, b, L.hlo.ComparisonDirectionAttr.get("EQ"),
                                      compare_type=L.hlo.ComparisonTypeAttr.get(ctype))
                result = L.hlo.or_(less, L.hlo.and_(equal, result))
        L.hlo.return_([result])
    return list(op.results)


def _canonical_float_key(x, dtype):
    """x with -0.0 made 0.0 and every NaN made the positive quiet NaN, so that the total order
    treats them as NumPy does: zeros equal, NaNs of either sign last."""
    zero, nan = L.constant(np.array(0, dtype)), L.constant(np.array(np.nan, dtype))
    x = L.hlo.select(_compare(x, zero, "EQ", dtype), zero, x)
    return L.hlo.select(_compare(x, x, "NE", dtype), nan, x)


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


# ---------------------------------------------------------------------------------------
# Differentiation rules

from ..interpreters import ad  # noqa: E402
from .structural import broadcast_in_dim  # noqa: E402


def _reduce_sum_transpose(ct, x, axes):
    kept = tuple(i for i in range(x.aval.ndim) if i not in axes)
    return [broadcast_in_dim(ct, x.aval.shape, kept)]


ad.deflinear(reduce_sum_p, _reduce_sum_transpose)


def _reduction_batch(prim):
    def rule(vals, dims, axes, **params):
        (x,), (d,) = vals, dims
        axes = tuple(a + (a >= d) for a in axes)
        out_dim = d - sum(a < d for a in axes)
        return [prim.bind(x, axes=axes, **params)], [out_dim]
    batching.primitive_batchers[prim] = rule


from ..interpreters import batching  # noqa: E402

for _p in (reduce_sum_p, reduce_prod_p, reduce_max_p, reduce_min_p, reduce_and_p,
           reduce_or_p, reduce_xor_p):
    _reduction_batch(_p)


# ---------------------------------------------------------------------------------------
# More differentiation rules: reduce_prod, reduce_max/min, the integer ones, dot_general, sort

from .elementwise import (add, convert_element_type, div, eq, mul)  # noqa: E402
from .structural import (broadcasted_iota, pad, reshape, slice as _slice,  # noqa: E402
                         squeeze, transpose)


def _reduce_prod_jvp(primals, tangents, axes):
    # JAX's approach: the product as a balanced tree of pairwise products, whose jvp is
    # t1*x2 + x1*t2 at every node. Exact with zeros (no division), O(n) work, and every
    # step is a differentiable primitive, so higher orders follow.
    (x,), (t,) = primals, tangents
    out = reduce_prod_p.bind(x, axes=axes)
    if type(t) is ad.Zero:
        return [out], [ad.Zero.like(out)]
    aval = get_aval(x)
    kept = tuple(i for i in range(aval.ndim) if i not in axes)
    rest = tuple(aval.shape[i] for i in kept)
    n = int(np.prod([aval.shape[a] for a in axes], dtype=np.int64))
    if n == 0:
        return [out], [broadcast_in_dim(np.zeros((), aval.dtype), rest, ())]
    perm = tuple(axes) + kept
    x = reshape(x, (n,) + rest, perm if perm != tuple(range(aval.ndim)) else None)
    t = reshape(t, (n,) + rest, perm if perm != tuple(range(aval.ndim)) else None)
    starts = (0,) * (len(rest) + 1)
    while n > 1:
        n1 = (n + 1) // 2
        x1 = _slice(x, starts, (n1,) + rest)
        t1 = _slice(t, starts, (n1,) + rest)
        x2 = _slice(x, (n1,) + starts[1:], (n,) + rest)
        t2 = _slice(t, (n1,) + starts[1:], (n,) + rest)
        if n - n1 != n1:  # odd: the second half gets the identity appended
            config = ((0, 1, 0),) + ((0, 0, 0),) * len(rest)
            x2 = pad(x2, np.ones((), aval.dtype), config)
            t2 = pad(t2, np.zeros((), aval.dtype), config)
        x, t = mul(x1, x2), add(mul(t1, x2), mul(x1, t2))
        n = n1
    return [out], [squeeze(t, (0,))]


def _reduce_chooser_jvp(t, ans, x, axes):
    # The tangent at the chosen location; with ties, the mean over the tied locations.
    kept = tuple(i for i in range(get_aval(x).ndim) if i not in axes)
    shape = get_aval(x).shape
    location = convert_element_type(eq(x, broadcast_in_dim(ans, shape, kept)),
                                    get_aval(t).dtype)
    counts = reduce_sum(location, axes)
    return div(reduce_sum(mul(t, location), axes), counts)


ad.primitive_jvps[reduce_prod_p] = _reduce_prod_jvp
ad.defjvp2(reduce_max_p, _reduce_chooser_jvp)
ad.defjvp2(reduce_min_p, _reduce_chooser_jvp)
for _p in (reduce_and_p, reduce_or_p, reduce_xor_p, argmax_p, argmin_p):
    ad.defzero(_p)


def _ranges_like(*xs):
    start = 0
    for x in xs:
        yield tuple(range(start, start + len(x)))
        start += len(x)


def _dot_general_transpose_lhs(ct, x, y, dimension_numbers, precision, preferred_element_type,
                               swap_ans=False):
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    x_aval = x.aval
    y_aval = y.aval if ad.is_undefined(y) else get_aval(y)
    x_kept = [i for i in range(x_aval.ndim) if i not in x_contract and i not in x_batch]
    y_kept = [i for i in range(y_aval.ndim) if i not in y_contract and i not in y_batch]
    if swap_ans:
        ans_batch, ans_y, _ = _ranges_like(x_batch, y_kept, x_kept)
    else:
        ans_batch, _, ans_y = _ranges_like(x_batch, x_kept, y_kept)
    dims = ((ans_y, tuple(y_kept)), (ans_batch, tuple(y_batch)))
    x_contract_sorted_by_y = [x_contract[i] for i in np.argsort(y_contract)]
    out_axes = tuple(int(i) for i in np.argsort(list(x_batch) + x_kept + x_contract_sorted_by_y))
    ct_dtype = get_aval(ct).dtype
    if ct_dtype != y_aval.dtype:  # preferred_element_type differs from the inputs' dtype
        if np.dtype(ct_dtype).itemsize >= np.dtype(y_aval.dtype).itemsize or \
                dtypes.kind(ct_dtype) == "c":
            y = convert_element_type(y, ct_dtype)
        else:
            ct = convert_element_type(ct, y_aval.dtype)
    # dot(y, ct) yields the dimensions as (batch, contracted, kept): when that is x's own
    # order and (batch, kept, contracted) is not, it saves XLA a transpose of the result.
    flipped_axes = tuple(int(i) for i in np.argsort(list(x_batch) + x_contract_sorted_by_y +
                                                    x_kept))
    identity = tuple(range(x_aval.ndim))
    if out_axes != identity and flipped_axes == identity:
        (ct_free, y_free), (ct_batch, y_batch_) = dims
        x_bar = dot_general(y, ct, ((y_free, ct_free), (y_batch_, ct_batch)), precision)
    else:
        x_bar = transpose(dot_general(ct, y, dims, precision), out_axes)
    if get_aval(x_bar).dtype != x_aval.dtype:
        x_bar = convert_element_type(x_bar, x_aval.dtype)
    return x_bar


def _dot_general_transpose_rhs(ct, x, y, dimension_numbers, precision, preferred_element_type):
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    swapped = ((y_contract, x_contract), (y_batch, x_batch))
    return _dot_general_transpose_lhs(ct, y, x, swapped, precision, preferred_element_type,
                                      swap_ans=True)


ad.defbilinear(dot_general_p, _dot_general_transpose_lhs, _dot_general_transpose_rhs)


def _take_along(x, indices, dimension):
    """x[..., indices, ...] along `dimension` (indices of x's shape): a gather batched over
    the other dimensions."""
    from .slicing import GatherDimensionNumbers, gather
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


ad.primitive_jvps[sort_p] = _sort_jvp


# ---------------------------------------------------------------------------------------
# More batching rules

for _p in (argmax_p, argmin_p):
    _reduction_batch(_p)


def _dot_general_batch(vals, dims, dimension_numbers, precision, preferred_element_type):
    (lhs, rhs), (lbd, rbd) = vals, dims
    (lc, rc), (lb, rb) = dimension_numbers

    def bump(ds, b):
        return tuple(d + (d >= b) for d in ds)

    if lbd is not batching.not_mapped and rbd is not batching.not_mapped:
        # Both mapped: the vmapped dimension becomes the first batch dimension of the dot.
        new = ((bump(lc, lbd), bump(rc, rbd)), ((lbd,) + bump(lb, lbd), (rbd,) + bump(rb, rbd)))
        out_dim = 0
    elif lbd is not batching.not_mapped:
        # Only lhs: a free dimension of lhs, which the result keeps in order.
        lhs_free = [d for d in range(get_aval(lhs).ndim - 1) if d not in lc and d not in lb]
        out_dim = len(lb) + sum(d < lbd for d in lhs_free)
        new = ((bump(lc, lbd), rc), (bump(lb, lbd), rb))
    else:
        rhs_free = [d for d in range(get_aval(rhs).ndim - 1) if d not in rc and d not in rb]
        out_dim = get_aval(lhs).ndim - len(lc) + sum(d < rbd for d in rhs_free)
        new = ((lc, bump(rc, rbd)), (lb, bump(rb, rbd)))
    return [dot_general_p.bind(lhs, rhs, dimension_numbers=new, precision=precision,
                               preferred_element_type=preferred_element_type)], [out_dim]


def _sort_batch(vals, dims, dimension, **params):
    size = batching.batch_size_of(vals, dims)
    if len(set(dims)) == 1:  # all mapped at one dimension: nothing moves
        (d,) = set(dims)
    else:
        vals, d = [batching.bdim_at_front(v, b, size) for v, b in zip(vals, dims)], 0
    outs = sort_p.bind(*vals, dimension=dimension + (dimension >= d), **params)
    return outs, [d] * len(outs)


batching.primitive_batchers[dot_general_p] = _dot_general_batch
batching.primitive_batchers[sort_p] = _sort_batch
