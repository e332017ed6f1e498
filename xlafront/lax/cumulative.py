"""Prefix scans: associative_scan (a parallel prefix of any associative function, composed
from slices) and the cumulative reductions along one axis, cumsum, cumprod, cummax, cummin
and cumlogsumexp, each with `reverse` (accumulate from the end).

As JAX does, each cumulative reduction lowers to one XLA reduce_window whose window covers
the whole prefix (suffix with `reverse`); XLA rewrites that into an efficient scan. cumsum
is linear (its transpose is the reversed cumsum). The others differentiate as JAX does:
associative_scan of (value, tangent) pairs combined by the jvp of the row's binary
function, so that every order of derivative and vmap keeps working; ties of cummax/cummin
share the tangent as the binary max/min do.
"""
import numpy as np

from .. import dtypes
from ..core import bind, get_aval
from ..dispatch import eager
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from ..tree import tree_flatten, tree_unflatten
from .base import avals_of, check_kinds, normalize_axis, out, primitive
from .elementwise import add, bitwise_or, max_, min_, mul
from .shape import concatenate, pad, rev
from .slicing import slice_in_dim
from .special import logaddexp
from .windowed_reductions import _reduce_window_op

__all__ = ["associative_scan", "cumlogsumexp", "cumlogsumexp_p", "cummax", "cummax_p",
           "cummin", "cummin_p", "cumprod", "cumprod_p", "cumsum", "cumsum_p",
           "cumulative_prims"]


# ---------------------------------------------------------------------------------------
# associative_scan

@eager(static_argnames=("fn", "reverse", "axis"))
def associative_scan(fn, elems, reverse=False, axis=0):
    """Inclusive prefix scan of `elems` with the associative `fn`, in O(log n) parallel
    steps (Blelloch's odd/even recursion)."""
    leaves, tree = tree_flatten(elems)
    if not leaves:
        return elems
    avals = avals_of("associative_scan", leaves)
    ndim = avals[0].ndim
    axis = normalize_axis("associative_scan", axis, ndim)
    sizes = {a.shape[axis] for a in avals}
    if len(sizes) != 1:
        raise ValueError(f"associative_scan: array inputs must have the same size along axis "
                         f"{axis}, got shapes {[a.shape for a in avals]}")
    if reverse:
        leaves = [rev(x, (axis,)) for x in leaves]

    def combine(a, b):
        out_ = fn(tree_unflatten(tree, a), tree_unflatten(tree, b))
        out_leaves, out_tree = tree_flatten(out_)
        if out_tree != tree:
            raise TypeError(f"associative_scan: fn must return the structure of its inputs "
                            f"{tree}, got {out_tree}")
        return out_leaves

    def take(xs, start, stop, stride=1):
        return [slice_in_dim(x, start, stop, stride, axis) for x in xs]

    def interleave(a, b):  # a[0], b[0], a[1], b[1], ...
        n_a, n_b = get_aval(a).shape[axis], get_aval(b).shape[axis]
        cfg = [(0, 0, 0)] * ndim
        cfg_a, cfg_b = list(cfg), list(cfg)
        cfg_a[axis] = (0, 1 if n_a == n_b else 0, 1)
        cfg_b[axis] = (1, 0 if n_a == n_b else 1, 1)
        dtype = get_aval(a).dtype
        zero = np.zeros((), dtype)
        pa, pb = pad(a, zero, cfg_a), pad(b, zero, cfg_b)
        return bitwise_or(pa, pb) if dtype == dtypes.bool_ else add(pa, pb)

    def recurse(xs):
        n = get_aval(xs[0]).shape[axis]
        if n < 2:
            return xs
        reduced = combine(take(xs, 0, n - 1, 2), take(xs, 1, n, 2))
        odd = recurse(reduced)
        if n % 2 == 0:
            even = combine(take(odd, 0, get_aval(odd[0]).shape[axis] - 1), take(xs, 2, n, 2))
        else:
            even = combine(odd, take(xs, 2, n, 2))
        even = [concatenate([slice_in_dim(x, 0, 1, 1, axis), e], axis)
                for x, e in zip(xs, even)]
        return [interleave(e, o) for e, o in zip(even, odd)]

    out_ = recurse(leaves)
    if reverse:
        out_ = [rev(x, (axis,)) for x in out_]
    return tree_unflatten(tree, out_)


# ---------------------------------------------------------------------------------------
# cumsum, cumprod, cummax, cummin, cumlogsumexp

cumulative_prims = {}  # name -> primitive, for every row of the family


def _cumulative_batch(prim):
    def rule(vals, dims, axis, reverse):
        (x,), (d,) = vals, dims
        return [bind(prim, x, axis=axis + (axis >= d), reverse=reverse)], [d]
    batching.primitive_batchers[prim] = rule


def _jvp_of(fn):
    """(value, tangent) pairs combined by fn's own jvp."""
    def combine(a, b):
        (val,), (tan,) = ad.jvp_flat(lambda x, y: [fn(x, y)], [a[0], b[0]], [a[1], b[1]])
        return val, ad.instantiate(tan)
    return combine


def _scan_jvp(prim, fn):
    """The jvp of a cumulative reduction by `fn`: a prefix scan of (value, tangent) pairs."""
    def rule(primals, tangents, axis, reverse):
        (x,), (t,) = primals, tangents
        val = bind(prim, x, axis=axis, reverse=reverse)
        _, tangent = associative_scan(_jvp_of(fn), (x, t), reverse, axis)
        return [val], [tangent]
    ad.primitive_jvps[prim] = rule


def cumulative(name, kinds, fn, identity, linear=False):
    """A row of the cumulative family: element k of `name(x)` combines elements 0..k with
    the associative lax function `fn(x, y)`, starting from the identity of reduction
    `identity` ("sum", "max" ...; see dtypes.reduction_identity). Its lowering is fn's own,
    lowered in the reduce_window's body; its jvp is the scan of fn's jvp, or, when
    `linear`, the op itself, transposed by the reversed op. Returns (primitive, wrapper)."""
    def abstract_eval(x, axis, reverse):
        check_kinds(name, x, kinds)
        if not 0 <= axis < x.ndim:
            raise ValueError(f"{name}: axis {axis} is out of bounds for an array of shape "
                             f"{x.shape}")
        return out(x.shape, x.dtype, x.weak_type)

    lower_fn = L.lower_fun(fn)

    def lower(ctx, x, axis, reverse):
        aval = ctx.avals_in[0]
        n, ndim = aval.shape[axis], aval.ndim
        if aval.size == 0:
            return [x]
        ones, window, padding = [1] * ndim, [1] * ndim, [(0, 0)] * ndim
        window[axis] = n
        padding[axis] = (0, n - 1) if reverse else (n - 1, 0)
        init = L.constant(dtypes.reduction_identity(identity, aval.dtype))
        scalar = aval.update(shape=())
        scalar_ctx = L.LoweringContext(ctx.module_context, [scalar, scalar], [scalar])
        return _reduce_window_op(ctx, [x], [init], [aval], lambda a, b: lower_fn(scalar_ctx, a, b),
                                 window, ones, padding, ones, ones)

    prim = primitive(name, abstract_eval, lower)
    if linear:
        ad.deflinear(prim, lambda ct, x, axis, reverse: [bind(prim, ct, axis=axis,
                                                              reverse=not reverse)])
    else:
        _scan_jvp(prim, fn)
    _cumulative_batch(prim)
    cumulative_prims[name] = prim

    def op(operand, axis=0, reverse=False):
        axis = normalize_axis(name, axis, get_aval(operand).ndim)
        return bind(prim, operand, axis=axis, reverse=bool(reverse))

    op.__name__ = name
    op.__doc__ = (f"`{name}` along `axis`: element k combines elements 0..k (k..n-1 with "
                  f"`reverse`).")
    return prim, op


cumsum_p, cumsum = cumulative("cumsum", "iufc", add, "sum", linear=True)
cumprod_p, cumprod = cumulative("cumprod", "iufc", mul, "prod")
cummax_p, cummax = cumulative("cummax", "iuf", max_, "max")
cummin_p, cummin = cumulative("cummin", "iuf", min_, "min")
# log(0) = -inf, the identity of logaddexp, is that of max
cumlogsumexp_p, cumlogsumexp = cumulative("cumlogsumexp", "f", logaddexp, "max")
