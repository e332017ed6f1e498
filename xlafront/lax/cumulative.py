"""Cumulative reductions along one axis: cumsum, cumprod, cummax, cummin, cumlogsumexp,
each with `reverse` (accumulate from the end).

As JAX does, each lowers to one XLA reduce_window whose window covers the whole prefix
(suffix with `reverse`); XLA rewrites that into an efficient scan. cumsum is linear (its
transpose is the reversed cumsum). The others differentiate as JAX does: the jvp of a
parallel prefix scan (Blelloch) of (value, tangent) pairs, built from slices, so that every
order of derivative and vmap keeps working; ties of cummax/cummin share the tangent as the
binary max/min do.
"""
import numpy as np

from .. import dtypes
from ..core import bind, get_aval
from ..interpreters import lowering as L
from .base import check_kinds, normalize_axis, out, primitive
from .elementwise import _compare_type


def _scalar_type(dtype):
    return L.ir.RankedTensorType.get([], L.ir_element_type(dtype))


def _lowest(dtype):
    return -np.inf if dtypes.kind(dtype) == "f" else np.iinfo(dtype).min


def _highest(dtype):
    return np.inf if dtypes.kind(dtype) == "f" else np.iinfo(dtype).max


def _logaddexp_hlo(a, b, dtype):
    """log(exp(a) + exp(b)) without overflow; where a - b is NaN (NaNs, or infinities of
    one sign) the result is a + b, as JAX's logaddexp."""
    delta = L.hlo.subtract(a, b)
    is_nan = L.hlo.compare(delta, delta, L.hlo.ComparisonDirectionAttr.get("NE"),
                           compare_type=L.hlo.ComparisonTypeAttr.get(_compare_type(dtype)))
    amax = L.hlo.maximum(a, b)
    soft = L.hlo.add(amax, L.hlo.log_plus_one(L.hlo.exponential(L.hlo.negate(L.hlo.abs(delta)))))
    return L.hlo.select(is_nan, L.hlo.add(a, b), soft)


_table = [
    # name, accepted dtype kinds, reduce_window body, initial value
    ("cumsum", "iufc", lambda a, b, dtype: L.hlo.add(a, b), lambda dtype: 0),
    ("cumprod", "iufc", lambda a, b, dtype: L.hlo.multiply(a, b), lambda dtype: 1),
    ("cummax", "iuf", lambda a, b, dtype: L.hlo.maximum(a, b), _lowest),
    ("cummin", "iuf", lambda a, b, dtype: L.hlo.minimum(a, b), _highest),
    ("cumlogsumexp", "f", _logaddexp_hlo, lambda dtype: -np.inf),
]


def cumulative(name, kinds, body, identity):
    """A cumulative-reduction primitive and its public wrapper."""
    def abstract_eval(x, axis, reverse):
        check_kinds(name, x, kinds)
        if not 0 <= axis < x.ndim:
            raise ValueError(f"{name}: axis {axis} is out of bounds for an array of shape "
                             f"{x.shape}")
        return out(x.shape, x.dtype, x.weak_type)

    def lower(ctx, x, axis, reverse):
        aval = ctx.avals_in[0]
        n, ndim = aval.shape[axis], aval.ndim
        if aval.size == 0:
            return [x]
        window = [1] * ndim
        window[axis] = n
        padding = [[0, 0] for _ in range(ndim)]
        padding[axis] = [0, n - 1] if reverse else [n - 1, 0]
        init = L.constant(np.array(identity(aval.dtype), aval.dtype))
        op = L.hlo.ReduceWindowOp(
            [L.ir_type(aval)], [x], [init], L.dense_i64(window),
            window_strides=L.dense_i64([1] * ndim), base_dilations=L.dense_i64([1] * ndim),
            window_dilations=L.dense_i64([1] * ndim),
            padding=L.ir.DenseIntElementsAttr.get(np.asarray(padding, np.int64),
                                                  shape=[ndim, 2]))
        scalar = _scalar_type(aval.dtype)
        block = op.regions[0].blocks.append(scalar, scalar)
        with L.ir.InsertionPoint(block):
            L.hlo.return_([body(*block.arguments, aval.dtype)])
        return list(op.results)

    prim = primitive(name, abstract_eval, lower)

    def op(operand, axis=0, reverse=False):
        axis = normalize_axis(name, axis, get_aval(operand).ndim)
        return bind(prim, operand, axis=axis, reverse=bool(reverse))

    op.__name__ = name
    op.__doc__ = (f"`{name}` along `axis`: element k combines elements 0..k (k..n-1 with "
                  f"`reverse`).")
    return prim, op


cumulative_prims = {}
_ops = {}
for _name, _kinds, _body, _identity in _table:
    cumulative_prims[_name], _ops[_name] = cumulative(_name, _kinds, _body, _identity)
cumsum_p, cumprod_p, cummax_p, cummin_p, cumlogsumexp_p = (
    cumulative_prims[n] for n, *_ in _table)
cumsum, cumprod, cummax, cummin, cumlogsumexp = (_ops[n] for n, *_ in _table)


# ---------------------------------------------------------------------------------------
# Differentiation rules

from ..interpreters import ad, batching  # noqa: E402
from . import elementwise as lax_ew  # noqa: E402
from .structural import (broadcast_in_dim, concatenate, expand_dims, reshape, rev,  # noqa: E402
                         slice as slice_)

ad.deflinear(cumsum_p, lambda ct, x, axis, reverse: [cumsum(ct, axis, not reverse)])


def _slice_axis(x, start, limit, stride, axis):
    shape = get_aval(x).shape
    starts = [0] * len(shape)
    limits = list(shape)
    strides = [1] * len(shape)
    starts[axis], limits[axis], strides[axis] = start, max(start, limit), stride
    return slice_(x, starts, limits, strides)


def _interleave(a, b, axis):
    """[a0, b0, a1, b1, ...] along axis; a has as many elements as b or one more."""
    m = get_aval(b).shape[axis]
    head = _slice_axis(a, 0, m, 1, axis) if get_aval(a).shape[axis] > m else a
    pairs = concatenate([expand_dims(head, (axis + 1,)), expand_dims(b, (axis + 1,))], axis + 1)
    shape = list(get_aval(b).shape)
    shape[axis] = 2 * m
    merged = reshape(pairs, tuple(shape))
    if get_aval(a).shape[axis] > m:
        merged = concatenate([merged, _slice_axis(a, m, m + 1, 1, axis)], axis)
    return merged


def _prefix_scan(combine, elems, axis):
    """The inclusive scan of the arrays `elems` (scanned together) along `axis` with the
    associative `combine(list, list) -> list`, in O(log n) rounds (as JAX's
    associative_scan)."""
    n = get_aval(elems[0]).shape[axis]
    if n < 2:
        return elems
    # combine adjacent pairs, scan those: the results at the odd positions
    odd = _prefix_scan(combine, combine([_slice_axis(e, 0, n - 1, 2, axis) for e in elems],
                                        [_slice_axis(e, 1, n, 2, axis) for e in elems]), axis)
    # the even positions (after the first) combine an odd result with the next element
    m = get_aval(odd[0]).shape[axis]
    prev = odd if n % 2 else [_slice_axis(e, 0, m - 1, 1, axis) for e in odd]
    even = combine(prev, [_slice_axis(e, 2, n, 2, axis) for e in elems])
    even = [concatenate([_slice_axis(e, 0, 1, 1, axis), r], axis) for e, r in zip(elems, even)]
    return [_interleave(a, b, axis) for a, b in zip(even, odd)]


def _jvp_of(fn):
    """(value, tangent) pairs combined by fn's own jvp rule."""
    def combine(a, b):
        (val,), (tan,) = ad.jvp_flat(lambda x, y: [fn(x, y)], [a[0], b[0]], [a[1], b[1]])
        return [val, ad.instantiate(tan)]
    return combine


def _replace_inf(x):
    aval = get_aval(x)
    zeros = broadcast_in_dim(np.zeros((), aval.dtype), aval.shape, ())
    return lax_ew.select(lax_ew.eq(x, np.array(np.inf, aval.dtype)), zeros, x)


def _logaddexp_pair(a, b):
    """logaddexp of (value, tangent) pairs with JAX's jvp of logaddexp (finite where the
    values are infinite)."""
    (x1, t1), (x2, t2) = a, b
    delta = lax_ew.sub(x1, x2)
    soft = lax_ew.add(lax_ew.max(x1, x2),
                      lax_ew.log1p(lax_ew.exp(lax_ew.neg(lax_ew.abs(delta)))))
    val = lax_ew.select(lax_ew.ne(delta, delta), lax_ew.add(x1, x2), soft)
    val_safe = _replace_inf(val)
    tan = lax_ew.add(lax_ew.mul(t1, lax_ew.exp(lax_ew.sub(_replace_inf(x1), val_safe))),
                     lax_ew.mul(t2, lax_ew.exp(lax_ew.sub(_replace_inf(x2), val_safe))))
    return [val, tan]


def _mul_pair(a, b):
    (x1, t1), (x2, t2) = a, b
    return [lax_ew.mul(x1, x2), lax_ew.add(lax_ew.mul(t1, x2), lax_ew.mul(x1, t2))]


def _scan_jvp(prim, combine):
    def rule(primals, tangents, axis, reverse):
        (x,), (t,) = primals, tangents
        val = bind(prim, x, axis=axis, reverse=reverse)
        if type(t) is ad.Zero:
            return [val], [ad.Zero.like(val)]
        elems = [x, t]
        if reverse:
            elems = [rev(e, (axis,)) for e in elems]
        _, tangent = _prefix_scan(combine, elems, axis)
        if reverse:
            tangent = rev(tangent, (axis,))
        return [val], [tangent]
    ad.primitive_jvps[prim] = rule


_scan_jvp(cumprod_p, _mul_pair)
_scan_jvp(cummax_p, _jvp_of(lax_ew.max))
_scan_jvp(cummin_p, _jvp_of(lax_ew.min))
_scan_jvp(cumlogsumexp_p, _logaddexp_pair)


# ---------------------------------------------------------------------------------------
# Batching rules

def _cumulative_batch(prim):
    def rule(vals, dims, axis, reverse):
        (x,), (d,) = vals, dims
        return [bind(prim, x, axis=axis + (axis >= d), reverse=reverse)], [d]
    batching.primitive_batchers[prim] = rule


for _prim in cumulative_prims.values():
    _cumulative_batch(_prim)
