"""Reductions over sliding windows (stablehlo.reduce_window): the reduce_window_{sum,max,min}
family, the generic reduce_window carrying its body as IR, and the two primitives of
max/min pooling's derivatives (select_and_gather_add, its transpose select_and_scatter_add),
with JAX's rules."""
import numpy as np

from .. import core, dtypes
from ..core import ShapedArray, bind, eval_jaxpr, get_aval
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from ..tree import tree_flatten, tree_unflatten
from .base import avals_of, check_kinds, ints, linear_in, out, primitive
from .convolution import _dilate_shape, _vjp_paddings, padtype_to_pads
from .elementwise import add, ge_p, le_p, max_, min_
from .reductions import _computation_jaxpr
from .shape import pad
from .slicing import slice_

__all__ = ["reduce_window", "reduce_window_max_p", "reduce_window_min_p", "reduce_window_p",
           "reduce_window_shape_tuple", "reduce_window_sum_p", "select_and_gather_add_p",
           "select_and_scatter_add_p"]


def reduce_window_shape_tuple(operand_shape, window_dimensions, window_strides, padding,
                              base_dilation=None, window_dilation=None):
    """The shape of a reduce_window's result."""
    if base_dilation is not None:
        operand_shape = _dilate_shape(operand_shape, base_dilation)
    if window_dilation is not None:
        window_dimensions = _dilate_shape(window_dimensions, window_dilation)
    padded = [n + lo + hi for n, (lo, hi) in zip(operand_shape, padding)]
    return tuple(max((n - w) // s + 1, 0)
                 for n, w, s in zip(padded, window_dimensions, window_strides))


def _window_shape(op, operand, window_dimensions, window_strides, padding, base_dilation,
                  window_dilation):
    """The result shape after checking the window params against operand (an aval)."""
    for name, value in (("window_dimensions", window_dimensions),
                        ("window_strides", window_strides), ("padding", padding),
                        ("base_dilation", base_dilation),
                        ("window_dilation", window_dilation)):
        if len(value) != operand.ndim:
            raise TypeError(f"{op}: {name} {value} must have one entry per dimension of the "
                            f"operand, of shape {operand.shape}")
    for name, value in (("window_dimensions", window_dimensions),
                        ("window_strides", window_strides), ("base_dilation", base_dilation),
                        ("window_dilation", window_dilation)):
        if any(v <= 0 for v in value):
            raise TypeError(f"{op}: {name} must be positive, got {value}")
    return reduce_window_shape_tuple(operand.shape, window_dimensions, window_strides,
                                     padding, base_dilation, window_dilation)


def _padding_attr(padding):
    return L.ir.DenseIntElementsAttr.get(np.asarray(padding, np.int64).reshape(-1, 2))


def _reduce_window_op(ctx, operands, inits, out_avals, body, window_dimensions,
                      window_strides, padding, base_dilation, window_dilation):
    """A stablehlo.reduce_window over `operands`, combining with `body(*accs, *xs)`."""
    op = L.hlo.ReduceWindowOp(
        [L.ir_type(a) for a in out_avals], list(operands), list(inits),
        L.dense_i64(window_dimensions), window_strides=L.dense_i64(window_strides),
        base_dilations=L.dense_i64(base_dilation), window_dilations=L.dense_i64(window_dilation),
        padding=_padding_attr(padding))
    scalar_types = [L.scalar_type(a.dtype) for a in out_avals]
    L.build_region(op.regions[0], scalar_types * 2, body)
    return list(op.results)


_WINDOW_PARAMS = ("window_dimensions", "window_strides", "padding", "base_dilation",
                  "window_dilation")


def _with_unit_window(params, at):
    """Window params with a trivial window dimension inserted at `at` (a batch dimension)."""
    unit = {"window_dimensions": 1, "window_strides": 1, "padding": (0, 0),
            "base_dilation": 1, "window_dilation": 1}
    new = dict(params)
    for name in _WINDOW_PARAMS:
        if name in params:
            value = tuple(params[name])
            new[name] = value[:at] + (unit[name],) + value[at:]
    return new


# ---------------------------------------------------------------------------------------
# reduce_window_{sum,max,min}

def _monoid(name, combine, kinds, register_diff):
    """A row of the family reduce_window_<name>: `combine(x, y) -> ir.Value`, starting
    from the identity of reduction `name`; `register_diff(prim)` registers its derivative."""
    op = f"reduce_window_{name}"

    def abstract_eval(x, **params):
        check_kinds(op, x, kinds)
        return out(_window_shape(op, x, **params), x.dtype, x.weak_type)

    def lower(ctx, x, **params):
        init = L.constant(dtypes.reduction_identity(name, ctx.avals_in[0].dtype))
        return _reduce_window_op(ctx, [x], [init], ctx.avals_out, combine, **params)

    prim = primitive(op, abstract_eval, lower)
    register_diff(prim)

    def batch(vals, dims, **params):
        (x,), (d,) = vals, dims
        return [bind(prim, x, **_with_unit_window(params, d))], [d]

    batching.primitive_batchers[prim] = batch
    return prim


def _reduce_window_sum_transpose(ct, x, window_dimensions, window_strides, padding,
                                 base_dilation, window_dilation):
    # Every input element receives the sum of the cotangents of the windows holding it: a
    # windowed sum of the cotangent, dilated by the strides and padded (JAX's rule).
    shape = x.aval.shape
    pads, _ = _vjp_paddings(shape, window_dimensions, window_strides, get_aval(ct).shape,
                            padding, base_dilation, window_dilation)
    config = [(lo, hi, s - 1) for (lo, hi), s in zip(pads, window_strides)]
    padded = pad(ct, np.zeros((), get_aval(ct).dtype), config)
    ones = (1,) * len(shape)
    return [bind(reduce_window_sum_p, padded, window_dimensions=window_dimensions,
                 window_strides=base_dilation, padding=((0, 0),) * len(shape),
                 base_dilation=ones, window_dilation=window_dilation)]


def _chooser_jvp(select_prim):
    # The tangent at the element each window picks (JAX's select_and_gather_add).
    def derivative(g, x, **params):
        return bind(select_and_gather_add_p, g, x, select_prim=select_prim, **params)
    return lambda prim: ad.defjvp(prim, derivative)


reduce_window_sum_p = _monoid("sum", lambda x, y: L.hlo.add(x, y), "iufc",
                              lambda prim: ad.deflinear(prim, _reduce_window_sum_transpose))
reduce_window_max_p = _monoid("max", lambda x, y: L.hlo.maximum(x, y), "biuf",
                              _chooser_jvp(ge_p))
reduce_window_min_p = _monoid("min", lambda x, y: L.hlo.minimum(x, y), "biuf",
                              _chooser_jvp(le_p))


# ---------------------------------------------------------------------------------------
# reduce_window: any body, as IR

def _reduce_window_abstract(*avals, jaxpr, **params):
    n = len(avals) // 2
    operands, inits = avals[:n], avals[n:]
    if any(o.dtype != i.dtype for o, i in zip(operands, inits)):
        raise TypeError(f"reduce_window got inconsistent dtypes for operands and "
                        f"init_values: got operand dtypes {[o.dtype.name for o in operands]} "
                        f"and init_value dtypes {[i.dtype.name for i in inits]}.")
    if any(i.shape for i in inits):
        raise TypeError(f"reduce_window expected init_values to be scalars but init_values "
                        f"have shapes {[i.shape for i in inits]}.")
    if len({o.shape for o in operands}) > 1:
        raise ValueError(f"reduce_window: operands must have the same shape, got "
                         f"{[o.shape for o in operands]}")
    shape = _window_shape("reduce_window", operands[0], **params)
    return [ShapedArray(shape, o.dtype) for o in operands]


def _reduce_window_lowering(ctx, *args, jaxpr, **params):
    n = len(args) // 2
    return _reduce_window_op(
        ctx, args[:n], args[n:], ctx.avals_out,
        lambda *xs: L.lower_jaxpr_body(ctx.module_context, jaxpr, [], list(xs)), **params)


reduce_window_p = primitive("reduce_window", _reduce_window_abstract, _reduce_window_lowering,
                            multiple_results=True)


def _reduce_window_jvp(primals, tangents, jaxpr, **params):
    # A reduce_window over (primals, tangents) pairs whose body is the jvp of the original
    # one (JAX's rule): exact when the body's choices or sums are.
    n = len(primals) // 2
    if any(type(t) is not ad.Zero for t in tangents[n:]):
        raise TypeError("reduce_window jvp does not support non-zero init_value tangents.")
    operands, inits = primals[:n], primals[n:]
    dtypes_ = [get_aval(x).dtype for x in operands]

    def body(*xs):  # (primal accs, tangent accs, primal elements, tangent elements)
        pl, tl, pr, tr = xs[:n], xs[n:2 * n], xs[2 * n:3 * n], xs[3 * n:]
        outs, touts = ad.jvp_flat(lambda *a: eval_jaxpr(jaxpr, [], *a), [*pl, *pr],
                                  [*tl, *tr])
        return [*outs, *[ad.instantiate(t) for t in touts]]

    tangent_in = [ad.instantiate(t) for t in tangents[:n]]
    zeros = [np.zeros((), d) for d in dtypes_]
    outs = bind(reduce_window_p, *operands, *tangent_in, *inits, *zeros,
                jaxpr=_computation_jaxpr("reduce_window", body, dtypes_ * 2), **params)
    return outs[:n], outs[n:]


def _reduce_window_batch(vals, dims, jaxpr, **params):
    n = len(vals) // 2
    if any(d is not None for d in dims[n:]):
        raise NotImplementedError("reduce_window batching is not implemented for initial "
                                  "values")
    size = batching.batch_size_of(vals, dims)
    operands = [batching.bdim_at_front(x, d, size) for x, d in zip(vals[:n], dims[:n])]
    outs = bind(reduce_window_p, *operands, *vals[n:], jaxpr=jaxpr,
                **_with_unit_window(params, 0))
    return outs, [0] * n


ad.primitive_jvps[reduce_window_p] = _reduce_window_jvp
batching.primitive_batchers[reduce_window_p] = _reduce_window_batch


def _monoid_prim(computation, init, dtype):
    """reduce_window_{sum,max,min}_p when `computation` is lax.add / max / min and `init`
    is a concrete scalar equal to its identity (JAX's shortcut), else None."""
    if isinstance(init, core.Tracer):
        init = init.concrete_value()
    for fn, prim, name in ((add, reduce_window_sum_p, "sum"), (max_, reduce_window_max_p, "max"),
                           (min_, reduce_window_min_p, "min")):
        if computation is fn and init is not None and not np.shape(init):
            return prim if np.asarray(init) == dtypes.reduction_identity(name, dtype) else None
    return None


def reduce_window(operand, init_value, computation, window_dimensions, window_strides=None,
                  padding="VALID", base_dilation=None, window_dilation=None):
    """Reduces each window of `operand` with `computation` (a function of two values like
    `init_value`, associative and commutative), starting from `init_value`. operand and
    init_value may be pytrees (a variadic reduction, e.g. an argmax). Windows are
    `window_dimensions` wide, `window_strides` apart; `padding` is 'VALID', 'SAME',
    'SAME_LOWER' or (low, high) pairs; `base_dilation` dilates the operand and
    `window_dilation` the window. lax.add, lax.max and lax.min with their identity as
    init_value use the reduce_window_{sum,max,min} primitives."""
    flat_operands, tree = tree_flatten(operand)
    flat_inits, init_tree = tree_flatten(init_value)
    if tree != init_tree:
        raise ValueError(f"reduce_window: operands must have the same tree structure as "
                         f"init_values: {tree} vs. {init_tree}")
    if not flat_operands:
        raise ValueError("reduce_window must have at least one operand.")
    avals = avals_of("reduce_window", flat_operands)
    ndim = avals[0].ndim
    window_dimensions = ints("reduce_window", "window_dimensions", window_dimensions)
    window_strides, base_dilation, window_dilation = (
        (1,) * len(window_dimensions) if v is None else ints("reduce_window", name, v)
        for name, v in (("window_strides", window_strides), ("base_dilation", base_dilation),
                        ("window_dilation", window_dilation)))
    if isinstance(padding, str):
        if len(window_dimensions) != ndim:
            raise TypeError(f"reduce_window: window_dimensions {window_dimensions} must have "
                            f"one entry per dimension of the operand, of shape "
                            f"{avals[0].shape}")
        padding = padtype_to_pads(avals[0].shape, _dilate_shape(window_dimensions,
                                                                window_dilation),
                                  window_strides, padding)
    params = dict(window_dimensions=window_dimensions, window_strides=window_strides,
                  padding=tuple((int(lo), int(hi)) for lo, hi in padding),
                  base_dilation=base_dilation, window_dilation=window_dilation)
    if len(flat_operands) == 1:
        prim = _monoid_prim(computation, flat_inits[0], avals[0].dtype)
        if prim is not None:
            return tree_unflatten(tree, [bind(prim, flat_operands[0], **params)])
    dtypes_ = [a.dtype for a in avals]
    # Python scalars take the operands' dtypes, as weakly typed values do
    inits = [np.asarray(i, d) if isinstance(i, (bool, int, float, complex)) else i
             for i, d in zip(flat_inits, dtypes_)]

    def body(*xs):
        n = len(dtypes_)
        result = computation(tree_unflatten(tree, list(xs[:n])),
                             tree_unflatten(tree, list(xs[n:])))
        flat, out_tree = tree_flatten(result)
        if out_tree != tree:
            raise ValueError(f"reduce_window output must have the same tree structure as "
                             f"the operands {tree} vs. {out_tree}")
        return flat

    outs = bind(reduce_window_p, *flat_operands, *inits,
                jaxpr=_computation_jaxpr("reduce_window", body, dtypes_), **params)
    return tree_unflatten(tree, outs)


# ---------------------------------------------------------------------------------------
# select_and_gather_add: per window, the tangent at the operand's max (ge) or min (le)

def _select_direction(select_prim):
    return "GE" if select_prim is ge_p else "LE"


def _select_identity(select_prim, dtype):
    return dtypes.lowest(dtype) if select_prim is ge_p else dtypes.highest(dtype)


def _gather_abstract(tangents, operand, select_prim, **params):
    if tangents.shape != operand.shape or tangents.dtype != operand.dtype:
        raise TypeError(f"select_and_gather_add: tangents and operand must have the same "
                        f"type, got {tangents.str_short()} and {operand.str_short()}")
    return out(_window_shape("select_and_gather_add", operand, **params), tangents.dtype)


def _gather_lowering(ctx, tangents, operand, select_prim, **params):
    # A reduce_window over (operand, tangent) pairs keeping the pair whose operand wins.
    dtype = ctx.avals_in[1].dtype
    direction = _select_direction(select_prim)
    inits = [L.constant(np.array(_select_identity(select_prim, dtype), dtype)),
             L.constant(np.array(0, dtype))]

    def pick(kx, vx, ky, vy):
        which = L.compare(kx, ky, direction, dtype)
        return [L.hlo.select(which, kx, ky), L.hlo.select(which, vx, vy)]

    aval = ctx.avals_out[0]
    return _reduce_window_op(ctx, [operand, tangents], inits, [aval, aval], pick,
                             **params)[1:]


select_and_gather_add_p = primitive("select_and_gather_add", _gather_abstract,
                                    _gather_lowering)


def _gather_transpose(ct, t, x, select_prim, window_dimensions, window_strides, padding,
                      base_dilation, window_dilation):
    if any(d != 1 for d in window_dilation):
        raise NotImplementedError(f"VJP not implemented for select_and_gather (MaxPool) with "
                                  f"window dilation, got window_dilation={window_dilation}.")
    dilated = any(d != 1 for d in base_dilation)
    if dilated:  # the holes can never be picked
        fill = np.array(_select_identity(select_prim, get_aval(x).dtype), get_aval(x).dtype)
        x = pad(x, fill, [(0, 0, d - 1) for d in base_dilation])
    result = bind(select_and_scatter_add_p, ct, x, select_prim=select_prim,
                  window_dimensions=window_dimensions, window_strides=window_strides,
                  padding=padding)
    if dilated:
        shape = get_aval(result).shape
        result = slice_(result, (0,) * len(shape), shape, base_dilation)
    return [result, None]


def _pair_batch(prim):
    """The batching rule of select_and_{gather,scatter}_add: both operands batched in front,
    a unit window over that dimension."""
    def rule(vals, dims, **params):
        size = batching.batch_size_of(vals, dims)
        a, x = (batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims))
        return [bind(prim, a, x, **_with_unit_window(params, 0))], [0]
    batching.primitive_batchers[prim] = rule


# linear in the tangents (the operand only says where each window's pick is)
linear_in((0,), _gather_transpose)(select_and_gather_add_p)
_pair_batch(select_and_gather_add_p)


# ---------------------------------------------------------------------------------------
# select_and_scatter_add: each window's source value added where the operand wins

def _scatter_abstract(source, operand, select_prim, window_dimensions, window_strides,
                      padding):
    ones = (1,) * operand.ndim
    expected = _window_shape("select_and_scatter_add", operand, window_dimensions,
                             window_strides, padding, ones, ones)
    if source.shape != expected or source.dtype != operand.dtype:
        raise TypeError(f"select_and_scatter_add: source must have the windows' shape "
                        f"{expected} and the operand's dtype {operand.dtype.name}, got "
                        f"{source.str_short()}")
    return out(operand.shape, source.dtype)


def _scatter_lowering(ctx, source, operand, select_prim, window_dimensions, window_strides,
                      padding):
    # The operand is padded with the selection's identity up front (as JAX does on CPU and
    # GPU), so the op itself sees no padding; the result is cropped back.
    aval = ctx.avals_in[1]
    dtype = aval.dtype
    scalar = L.scalar_type(dtype)
    padded_shape = tuple(n + lo + hi for n, (lo, hi) in zip(aval.shape, padding))
    if any(lo or hi for lo, hi in padding):
        fill = L.constant(np.array(_select_identity(select_prim, dtype), dtype))
        operand = L.hlo.pad(operand, fill, L.dense_i64([lo for lo, _ in padding]),
                            L.dense_i64([hi for _, hi in padding]),
                            L.dense_i64([0] * len(padding)))
    op = L.hlo.SelectAndScatterOp(
        L.ir_type(aval.update(shape=padded_shape)), operand, source,
        L.constant(np.array(0, dtype)), window_dimensions=L.dense_i64(window_dimensions),
        window_strides=L.dense_i64(window_strides),
        padding=_padding_attr([(0, 0)] * len(padding)))
    direction = _select_direction(select_prim)
    L.build_region(op.select, [scalar, scalar],
                   lambda x, y: L.compare(x, y, direction, dtype))
    L.build_region(op.scatter, [scalar, scalar], lambda x, y: L.hlo.add(x, y))
    result = op.result
    if padded_shape != aval.shape:
        result = L.hlo.slice(result, L.dense_i64([lo for lo, _ in padding]),
                             L.dense_i64([lo + n for n, (lo, _) in zip(aval.shape, padding)]),
                             L.dense_i64([1] * len(padding)))
    return [result]


select_and_scatter_add_p = primitive("select_and_scatter_add", _scatter_abstract,
                                     _scatter_lowering)


def _scatter_transpose(ct, s, x, select_prim, window_dimensions, window_strides, padding):
    ones = (1,) * len(window_dimensions)
    return [bind(select_and_gather_add_p, ct, x, select_prim=select_prim,
                 window_dimensions=window_dimensions, window_strides=window_strides,
                 padding=padding, base_dilation=ones, window_dilation=ones), None]


linear_in((0,), _scatter_transpose)(select_and_scatter_add_p)
_pair_batch(select_and_scatter_add_p)
