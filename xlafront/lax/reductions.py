"""Reductions over axes: the reduce_{sum,prod,max,min,and,or,xor} family and argmax/argmin,
sharing one batching rule."""
import numpy as np

from .. import dtypes
from ..core import bind, get_aval
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from ..interpreters.lax_ops import lax_ops
from .base import (check_kinds, jvp_ans, jvp_rule, linear, normalize_axes, normalize_axis, out,
                   primitive, zero_tangent)
from .elementwise import add, convert_element_type, div, eq, mul
from .shape import broadcast_in_dim, full, pad, reshape, squeeze

__all__ = ["argmax", "argmax_p", "argmin", "argmin_p", "reduce_and", "reduce_and_p",
           "reduce_max", "reduce_max_p", "reduce_min", "reduce_min_p", "reduce_or",
           "reduce_or_p", "reduce_prod", "reduce_prod_p", "reduce_sum", "reduce_sum_p",
           "reduce_xor", "reduce_xor_p", "reduction"]


def _reduction_batch(prim):
    """The family's batching rule (argmax/argmin's too): the axes move past the batch
    dimension."""
    def rule(vals, dims, axes, **params):
        (x,), (d,) = vals, dims
        axes = tuple(a + (a >= d) for a in axes)
        out_dim = d - sum(a < d for a in axes)
        return [prim.bind(x, axes=axes, **params)], [out_dim]
    batching.primitive_batchers[prim] = rule


# reduce_{sum,prod,max,min,and,or,xor} ----------------------------------------------------

def reduction(name, combine, kinds, diff):
    """A row of the reduction family `reduce_<name>`: `combine(x, y) -> ir.Value` combines
    two scalars, starting from `dtypes.reduction_identity(name, dtype)`; `diff(prim)`
    registers the differentiation rules. Returns (primitive, wrapper)."""
    def abstract_eval(x, axes):
        check_kinds(f"reduce_{name}", x, kinds)
        shape = tuple(n for i, n in enumerate(x.shape) if i not in axes)
        return out(shape, x.dtype, x.weak_type)

    def lower(ctx, x, axes):
        dtype = ctx.avals_in[0].dtype
        init = L.constant(dtypes.reduction_identity(name, dtype))
        op = L.hlo.ReduceOp([L.ir_type(ctx.avals_out[0])], [x], [init], L.dense_i64(axes))
        L.build_region(op.regions[0], [L.scalar_type(dtype)] * 2, combine)
        return list(op.results)

    prim = primitive(f"reduce_{name}", abstract_eval, lower)
    diff(prim)
    _reduction_batch(prim)

    def op(x, axes):
        axes = normalize_axes(f"reduce_{name}", axes, get_aval(x).ndim)
        return bind(prim, x, axes=tuple(sorted(axes)))

    op.__name__ = f"reduce_{name}"
    op.__doc__ = f"Reduces x over `axes` with {name}."
    return prim, op


def _reduce_sum_transpose(ct, x, axes):
    kept = tuple(i for i in range(x.aval.ndim) if i not in axes)
    return [broadcast_in_dim(ct, x.aval.shape, kept)]


def _reduce_prod_jvp(primals, tangents, axes):
    # JAX's approach: the product as a balanced tree of pairwise products, whose jvp is
    # t1*x2 + x1*t2 at every node. Exact with zeros (no division), O(n) work, and every
    # step is a differentiable primitive, so higher orders follow.
    (x,), (t,) = primals, tangents
    out_ = reduce_prod_p.bind(x, axes=axes)
    aval = get_aval(x)
    kept = tuple(i for i in range(aval.ndim) if i not in axes)
    rest = tuple(aval.shape[i] for i in kept)
    n = int(np.prod([aval.shape[a] for a in axes], dtype=np.int64))
    if n == 0:
        return [out_], [full(rest, 0, aval.dtype)]
    perm = tuple(axes) + kept
    x = reshape(x, (n,) + rest, perm if perm != tuple(range(aval.ndim)) else None)
    t = reshape(t, (n,) + rest, perm if perm != tuple(range(aval.ndim)) else None)
    starts = (0,) * (len(rest) + 1)
    while n > 1:
        n1 = (n + 1) // 2
        x1 = lax_ops.slice(x, starts, (n1,) + rest)
        t1 = lax_ops.slice(t, starts, (n1,) + rest)
        x2 = lax_ops.slice(x, (n1,) + starts[1:], (n,) + rest)
        t2 = lax_ops.slice(t, (n1,) + starts[1:], (n,) + rest)
        if n - n1 != n1:  # odd: the second half gets the identity appended
            config = ((0, 1, 0),) + ((0, 0, 0),) * len(rest)
            x2 = pad(x2, np.ones((), aval.dtype), config)
            t2 = pad(t2, np.zeros((), aval.dtype), config)
        x, t = mul(x1, x2), add(mul(t1, x2), mul(x1, t2))
        n = n1
    return [out_], [squeeze(t, (0,))]


def _reduce_chooser_jvp(t, ans, x, axes):
    # The tangent at the chosen location; with ties, the mean over the tied locations.
    kept = tuple(i for i in range(get_aval(x).ndim) if i not in axes)
    shape = get_aval(x).shape
    location = convert_element_type(eq(x, broadcast_in_dim(ans, shape, kept)),
                                    get_aval(t).dtype)
    counts = reduce_sum(location, axes)
    return div(reduce_sum(mul(t, location), axes), counts)


reduce_sum_p, reduce_sum = reduction("sum", lambda x, y: L.hlo.add(x, y), "biufc",
                                     linear(_reduce_sum_transpose))
reduce_prod_p, reduce_prod = reduction("prod", lambda x, y: L.hlo.multiply(x, y), "biufc",
                                       jvp_rule(_reduce_prod_jvp))
reduce_max_p, reduce_max = reduction("max", lambda x, y: L.hlo.maximum(x, y), "biuf",
                                     jvp_ans(_reduce_chooser_jvp))
reduce_min_p, reduce_min = reduction("min", lambda x, y: L.hlo.minimum(x, y), "biuf",
                                     jvp_ans(_reduce_chooser_jvp))
reduce_and_p, reduce_and = reduction("and", lambda x, y: L.hlo.and_(x, y), "biu", zero_tangent)
reduce_or_p, reduce_or = reduction("or", lambda x, y: L.hlo.or_(x, y), "biu", zero_tangent)
reduce_xor_p, reduce_xor = reduction("xor", lambda x, y: L.hlo.xor(x, y), "biu", zero_tangent)


# argmax / argmin -------------------------------------------------------------------------

def arg_reduction(name, direction):
    """argmax (direction "GT") or argmin ("LT") along one axis: NumPy's first occurrence,
    NaN winning. Integer-valued: zero tangents."""
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
        value_init = L.constant(dtypes.reduction_identity(
            "max" if direction == "GT" else "min", aval.dtype))
        index_init = L.constant(np.array(0, index_dtype))
        out_aval = ctx.avals_out[0]
        op = L.hlo.ReduceOp([L.ir_type(out_aval.update(dtype=aval.dtype)), L.ir_type(out_aval)],
                            [x, indices], [value_init, index_init], L.dense_i64([axis]))

        def pick(v1, i1, v2, i2):
            # (v1, i1) when v1 is strictly better, or NaN, or equal with a smaller index
            better = L.compare(v1, v2, direction, aval.dtype)
            if dtypes.kind(aval.dtype) == "f":
                better = L.hlo.or_(better, L.compare(v1, v1, "NE", aval.dtype))
            equal = L.compare(v1, v2, "EQ", aval.dtype)
            first = L.hlo.and_(equal, L.compare(i1, i2, "LT", index_dtype))
            pick1 = L.hlo.or_(better, first)
            return [L.hlo.select(pick1, v1, v2), L.hlo.select(pick1, i1, i2)]

        vt, it = L.scalar_type(aval.dtype), L.scalar_type(index_dtype)
        L.build_region(op.regions[0], [vt, it, vt, it], pick)
        return [op.results[1]]

    prim = primitive(name, abstract_eval, lower)
    ad.defzero(prim)
    _reduction_batch(prim)

    def op(x, axis, index_dtype):
        axis = normalize_axis(name, axis, get_aval(x).ndim)
        return bind(prim, x, axes=(axis,), index_dtype=dtypes.check_dtype(index_dtype))

    op.__name__ = name
    return prim, op


argmax_p, argmax = arg_reduction("argmax", "GT")
argmin_p, argmin = arg_reduction("argmin", "LT")
