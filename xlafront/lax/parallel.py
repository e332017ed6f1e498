"""Collectives over named axes: psum, pmean, pmax, pmin, all_gather, axis_index.

A named axis comes from `vmap(..., axis_name=...)`: the batching trace of that axis gives
each collective its meaning (a reduction over the batch dimension), so the same code runs
per example under vmap as it would per device. A collective whose axis no transformation
binds raises NameError.
"""
from .. import core, dtypes
from ..core import bind
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from ..tree import tree_flatten, tree_map, tree_unflatten
from .base import normalize_axis
from .elementwise import convert_element_type, div, eq, mul
from .reductions import reduce_max, reduce_min, reduce_sum
from .shape import iota, reshape, squeeze
from .slicing import dynamic_slice


def _names(axis_name):
    return tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)


def _unbound(axis_name):
    raise NameError(f"unbound axis name: {', '.join(map(str, axis_name))}. Collectives need "
                    f"the axis to be bound by an enclosing vmap(..., axis_name=...)")


def _collective(name, multiple_results=True):
    prim = core.Primitive(name, multiple_results)
    prim.impl = lambda *args, axis_name, **params: _unbound(axis_name)
    L.register_lowering(prim, lambda ctx, *args, axis_name, **params: _unbound(axis_name))
    return prim


def _split_axes(trace, axis_name):
    """(whether this trace's axis is among axis_name, the other names)."""
    if trace.axis_name is None or trace.axis_name not in axis_name:
        return False, axis_name
    return True, tuple(n for n in axis_name if n != trace.axis_name)


# psum / pmax / pmin -------------------------------------------------------------------------

def _reducer(name, reduce_mapped, unmapped):
    prim = _collective(name)
    prim.abstract_eval = lambda *avals, axis_name: list(avals)

    def batch(trace, vals, dims, axis_name):
        ours, rest = _split_axes(trace, axis_name)
        if not ours:
            outs = bind(prim, *vals, axis_name=axis_name)
            return outs, list(dims)
        outs = [unmapped(v, trace.axis_size) if d is None else reduce_mapped(v, (d,))
                for v, d in zip(vals, dims)]
        if rest:
            outs = bind(prim, *outs, axis_name=rest)
        return outs, [None] * len(outs)

    batching.batchers_with_trace[prim] = batch
    return prim


psum_p = _reducer("psum", reduce_sum,
                  lambda v, n: mul(v, convert_element_type(n, core.get_aval(v).dtype)))
pmax_p = _reducer("pmax", reduce_max, lambda v, n: v)
pmin_p = _reducer("pmin", reduce_min, lambda v, n: v)

ad.deflinear(psum_p, lambda cts, *args, axis_name: [
    None if type(ct) is ad.Zero else bind(psum_p, ct, axis_name=axis_name)[0] for ct in cts])


def _chooser_jvp(prim):
    def rule(primals, tangents, axis_name):
        outs = bind(prim, *primals, axis_name=axis_name)
        touts = []
        for x, t, y in zip(primals, tangents, outs):
            if type(t) is ad.Zero:
                touts.append(t)
                continue
            hit = convert_element_type(eq(x, y), core.get_aval(t).dtype)
            total, count = bind(psum_p, mul(t, hit), hit, axis_name=axis_name)
            touts.append(div(total, count))
        return outs, touts
    ad.primitive_jvps[prim] = rule


_chooser_jvp(pmax_p)
_chooser_jvp(pmin_p)


def psum(x, axis_name):
    """The sum of x (any pytree) over the named axis.

    >>> vmap(lambda x: x / psum(x, "i"), axis_name="i")(np.arange(1.0, 4.0))
    """
    return _tree_collective(psum_p, x, axis_name)


def pmax(x, axis_name):
    return _tree_collective(pmax_p, x, axis_name)


def pmin(x, axis_name):
    return _tree_collective(pmin_p, x, axis_name)


def pmean(x, axis_name):
    """The mean of x (any pytree) over the named axis."""
    size = axis_size(axis_name)
    return tree_map(lambda s: div(s, convert_element_type(size, core.get_aval(s).dtype)),
                    psum(x, axis_name))


def _tree_collective(prim, x, axis_name):
    leaves, tree = tree_flatten(x)
    if not leaves:
        return x
    for leaf in leaves:
        core.get_aval(leaf)
    outs = bind(prim, *leaves, axis_name=_names(axis_name))
    return tree_unflatten(tree, outs)


# axis_index / axis_size -----------------------------------------------------------------

axis_index_p = _collective("axis_index", multiple_results=False)
axis_index_p.abstract_eval = lambda axis_name: [core.ShapedArray((), dtypes.int32)]


def _axis_index_batch(trace, vals, dims, axis_name):
    ours, _ = _split_axes(trace, axis_name)
    if not ours:
        return [bind(axis_index_p, axis_name=axis_name)], [None]
    return [iota(dtypes.int32, trace.axis_size)], [0]


batching.batchers_with_trace[axis_index_p] = _axis_index_batch
ad.defzero(axis_index_p)


def axis_index(axis_name):
    """The position of the current example along the named axis (int32)."""
    return bind(axis_index_p, axis_name=_names(axis_name))


def axis_size(axis_name):
    """The size of the named axis, as a traced int32 scalar."""
    return psum(1, axis_name)


# all_gather ------------------------------------------------------------------------------

all_gather_p = _collective("all_gather", multiple_results=False)


def _all_gather_abstract(x, axis_name, axis, tiled, axis_size):
    shape = list(x.shape)
    if tiled:
        shape[axis] *= axis_size
    else:
        shape.insert(axis, axis_size)
    return [x.update(shape=tuple(shape))]


all_gather_p.abstract_eval = _all_gather_abstract


def _all_gather_batch(trace, vals, dims, axis_name, axis, tiled, axis_size):
    (x,), (d,) = vals, dims
    ours, rest = _split_axes(trace, axis_name)
    if not ours:
        return [bind(all_gather_p, x, axis_name=axis_name, axis=axis, tiled=tiled,
                     axis_size=axis_size)], [d]
    x = batching.bdim_at_front(x, d, trace.axis_size)
    out = batching.moveaxis(x, 0, axis)
    if tiled:
        shape = list(core.get_aval(out).shape)
        shape[axis:axis + 2] = [shape[axis] * shape[axis + 1]]
        out = reshape(out, tuple(shape))
    return [out], [None]


def _all_gather_transpose(ct, x, axis_name, axis, tiled, axis_size):
    total = bind(psum_p, ct, axis_name=axis_name)[0]
    size = x.aval.shape[axis] if tiled else 1
    start = mul(axis_index(axis_name), size)
    starts = [0] * x.aval.ndim if tiled else [0] * (x.aval.ndim + 1)
    sizes = list(core.get_aval(total).shape)
    sizes[axis] = size
    starts[axis] = start
    part = dynamic_slice(total, starts, sizes)
    return [part if tiled else squeeze(part, (axis,))]


batching.batchers_with_trace[all_gather_p] = _all_gather_batch
ad.deflinear(all_gather_p, _all_gather_transpose)


def all_gather(x, axis_name, *, axis=0, tiled=False):
    """The values of x from every position of the named axis, stacked at `axis` (or
    concatenated along it with tiled=True)."""
    names = _names(axis_name)

    def gather(leaf):
        aval = core.get_aval(leaf)
        ax = normalize_axis("all_gather", axis, aval.ndim + (0 if tiled else 1))
        size = axis_size_static(names)
        return bind(all_gather_p, leaf, axis_name=names, axis=ax, tiled=bool(tiled),
                    axis_size=size)
    return tree_map(gather, x)


def axis_size_static(axis_name):
    """The size of the named axis as a Python int, from the vmap that binds it."""
    trace = core.current_trace()
    names = _names(axis_name)
    size = 1
    for name in names:
        t = trace
        while t is not None and getattr(t, "axis_name", None) != name:
            t = getattr(t, "parent", None) or getattr(t, "outer", None)
        if t is None:
            _unbound((name,))
        size *= t.axis_size
    return size
