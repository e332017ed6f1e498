"""Reductions over axes: the reduce_{sum,prod,max,min,and,or,xor} family and argmax/argmin,
sharing one batching rule; and reduce, XLA's reduction by any computation."""
import numpy as np

from .. import core, dtypes
from ..core import ShapedArray, bind, eval_jaxpr, get_aval
from ..dispatch import eager
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from ..interpreters.lax_ops import lax_ops
from ..interpreters.partial_eval import inline_consts, trace_to_jaxpr
from ..tree import tree_flatten, tree_unflatten
from .base import (avals_of, check_kinds, jvp_ans, jvp_rule, linear, normalize_axes,
                   normalize_axis, out, primitive, zero_tangent)
from .elementwise import (add, bitwise_and, bitwise_or, bitwise_xor, convert_element_type, div,
                          eq, max_, min_, mul)
from .shape import broadcast_in_dim, full, pad, reshape

__all__ = ["argmax", "argmax_p", "argmin", "argmin_p", "reduce", "reduce_and", "reduce_and_p",
           "reduce_max", "reduce_max_p", "reduce_min", "reduce_min_p", "reduce_or",
           "reduce_or_p", "reduce_p", "reduce_prod", "reduce_prod_p", "reduce_sum",
           "reduce_sum_p", "reduce_xor", "reduce_xor_p", "reduction"]


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


def _tree_reduce(combine, xs, inits, dimensions):
    """The operands xs reduced over `dimensions` as a balanced tree of pairwise
    `combine(xs, ys) -> zs` (elementwise, on lists like xs) starting from `inits`: JAX's way
    to differentiate a reduction (reduce_prod, reduce), exact with zeros (no division),
    O(n) work, and made of differentiable primitives, so that higher orders follow."""
    shape = get_aval(xs[0]).shape
    kept = tuple(i for i in range(len(shape)) if i not in dimensions)
    out_shape = tuple(shape[i] for i in kept)
    m, rest = int(np.prod([shape[d] for d in dimensions])), int(np.prod(out_shape))
    if m == 0:
        return [full(out_shape, i, get_aval(i).dtype) for i in inits]
    # the operands as (m, rest) laid out flat: halves are slices
    xs, k = [reshape(x, (m * rest,), tuple(dimensions) + kept) for x in xs], m
    while k > 1:
        h = (k + 1) // 2
        second = [lax_ops.slice(x, (h * rest,), (k * rest,)) for x in xs]
        if k % 2:  # odd: the second half gets the identity appended
            second = [pad(x, i, ((0, rest, 0),)) for x, i in zip(second, inits)]
        xs, k = combine([lax_ops.slice(x, (0,), (h * rest,)) for x in xs], second), h
    return [reshape(x, out_shape) for x in xs]


def _reduce_prod_jvp(primals, tangents, axes):
    one = np.ones((), get_aval(primals[0]).dtype)
    return ad.jvp_flat(lambda x: _tree_reduce(lambda a, b: [mul(a[0], b[0])], [x], [one], axes),
                       primals, tangents)


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


# reduce: any computation, carried as IR --------------------------------------------------

def _reduce_abstract(*avals, jaxpr, dimensions):
    n = len(avals) // 2
    operands, inits = avals[:n], avals[n:]
    if any(o.dtype != i.dtype for o, i in zip(operands, inits)):
        raise TypeError(f"reduce: operand dtypes {[o.dtype.name for o in operands]} must match "
                        f"those of the init_values {[i.dtype.name for i in inits]}")
    if any(i.shape for i in inits) or len({o.shape for o in operands}) > 1:
        raise ValueError(f"reduce: init_values must be scalars and operands of one shape, got "
                         f"{[i.shape for i in inits]} and {[o.shape for o in operands]}")
    return [ShapedArray(tuple(np.delete(o.shape, dimensions)), o.dtype,
                        o.weak_type and i.weak_type) for o, i in zip(operands, inits)]


def _reduce_lowering(ctx, *args, jaxpr, dimensions):
    n = len(args) // 2
    op = L.hlo.ReduceOp([L.ir_type(a) for a in ctx.avals_out], list(args[:n]), list(args[n:]),
                        L.dense_i64(dimensions))
    L.build_region(op.regions[0], [L.scalar_type(a.dtype) for a in ctx.avals_in[n:]] * 2,
                   lambda *xs: L.lower_jaxpr_body(ctx.module_context, jaxpr, [], list(xs)))
    return list(op.results)


reduce_p = primitive("reduce", _reduce_abstract, _reduce_lowering, multiple_results=True)


def _computation_jaxpr(op, fun, dtypes_):
    """`fun` of 2n scalars (accumulators, elements) returning n, as IR with its captured
    constants as literals (a region takes no operands)."""
    closed = trace_to_jaxpr(fun, [ShapedArray((), d) for d in dtypes_ * 2])
    if any(isinstance(c, core.Tracer) for c in closed.consts):
        raise TypeError(f"{op}: the computation closes over a traced value; it must be a "
                        "function of its arguments and constants only")
    jaxpr = inline_consts(closed)
    if [(a.shape, a.dtype) for a in jaxpr.out_avals] != [((), d) for d in dtypes_]:
        raise TypeError(f"{op}: the computation must return scalars of the operands' dtypes "
                        f"{[d.name for d in dtypes_]}, got "
                        f"{[a.str_short() for a in jaxpr.out_avals]}")
    return jaxpr


def _reduce_jvp(primals, tangents, jaxpr, dimensions):
    # the tree of the computation, run elementwise with vmap
    n = len(primals) // 2
    if any(type(t) is not ad.Zero for t in tangents[n:]):
        raise NotImplementedError("reduce: differentiating with respect to init_values is not "
                                  "supported (as in JAX)")

    def combine(xs, ys):
        return batching.vmap_flat(lambda *a: eval_jaxpr(jaxpr, [], *a), xs + ys, [0] * (2 * n),
                                  lambda k: [0] * k, get_aval(xs[0]).shape[0])
    return ad.jvp_flat(lambda *xs: _tree_reduce(combine, xs, primals[n:], dimensions),
                       primals[:n], tangents[:n])


def _reduce_batch(vals, dims, jaxpr, dimensions):
    n = len(vals) // 2
    if any(d is not batching.not_mapped for d in dims[n:]):
        raise NotImplementedError("reduce: batching over init_values is not supported (as in "
                                  "JAX)")
    size = batching.batch_size_of(vals, dims)
    operands = [batching.bdim_at_front(x, d, size) for x, d in zip(vals[:n], dims[:n])]
    return bind(reduce_p, *operands, *vals[n:], jaxpr=jaxpr,
                dimensions=tuple(d + 1 for d in dimensions)), [0] * n


ad.primitive_jvps[reduce_p] = _reduce_jvp
batching.primitive_batchers[reduce_p] = _reduce_batch

_MONOIDS = {add: ("sum", reduce_sum), mul: ("prod", reduce_prod), max_: ("max", reduce_max),
            min_: ("min", reduce_min), bitwise_and: ("and", reduce_and),
            bitwise_or: ("or", reduce_or), bitwise_xor: ("xor", reduce_xor)}


@eager(static_argnames=("computation", "dimensions"))
def reduce(operands, init_values, computation, dimensions):
    """XLA's reduce: operands (a pytree) folded over `dimensions` by `computation`
    (associative, on pytrees like init_values, its identity); lax.add, max ... with their
    identity give the reduce_<op> primitives, as in JAX."""
    flat_operands, tree = tree_flatten(operands)
    flat_inits, init_tree = tree_flatten(init_values)
    if tree != init_tree or not flat_operands:
        raise ValueError(f"reduce: operands must be a non-empty pytree of the same structure "
                         f"as init_values, got {tree} and {init_tree}")
    avals = avals_of("reduce", flat_operands)
    dims = tuple(sorted(normalize_axes("reduce", dimensions, avals[0].ndim)))
    dtypes_ = [a.dtype for a in avals]
    # weakly typed init values (Python scalars) take the operands' dtypes
    inits = [convert_element_type(i, d, weak_type=True) if get_aval(i).weak_type and
             get_aval(i).dtype != d else i for i, d in zip(flat_inits, dtypes_)]
    if len(flat_operands) == 1 and computation in _MONOIDS:
        name, monoid = _MONOIDS[computation]
        init = inits[0].concrete_value() if isinstance(inits[0], core.Tracer) else inits[0]
        if init is not None and np.asarray(init) == dtypes.reduction_identity(name, dtypes_[0]):
            weak = avals[0].weak_type and get_aval(inits[0]).weak_type
            return tree_unflatten(tree, [convert_element_type(
                monoid(flat_operands[0], dims), dtypes_[0], weak_type=weak)])

    def body(*xs):
        n = len(dtypes_)
        result = computation(tree_unflatten(tree, list(xs[:n])), tree_unflatten(tree, list(xs[n:])))
        flat, out_tree = tree_flatten(result)
        if out_tree != tree:
            raise TypeError(f"reduce: the computation must return the structure {tree} of the "
                            f"operands, got {out_tree}")
        return flat
    outs = bind(reduce_p, *flat_operands, *inits, dimensions=dims,
                jaxpr=_computation_jaxpr("reduce", body, dtypes_))
    return tree_unflatten(tree, outs)
