"""Collectives over named axes: psum, pmean, pmax, pmin, all_gather, all_to_all, ppermute,
pshuffle, pswapaxes, psum_scatter, axis_index, axis_size.

A named axis comes from `vmap(..., axis_name=...)` or `pmap(..., axis_name=...)`, and the
same code runs under both. Under vmap the batching trace of the axis gives each collective
its meaning (an operation over the batch dimension); under pmap it is lowered to the
StableHLO collective over the replicas along the axis (the replica groups come from the
program's axes, see interpreters/lowering.py). A collective whose axis no transformation
binds raises NameError naming the axes in scope.
"""
import numpy as np

from .. import core, dtypes
from ..core import bind
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from ..tree import tree_flatten, tree_map, tree_unflatten
from .base import normalize_axis, primitive
from .elementwise import add, convert_element_type, div, eq, mul
from .reductions import reduce_max, reduce_min, reduce_sum
from .shape import concatenate, expand_dims, full, iota, reshape, squeeze
from .slicing import slice_in_dim

__all__ = ["all_gather", "all_gather_p", "all_to_all", "all_to_all_p", "axis_index",
           "axis_index_p", "axis_size", "pmax", "pmax_p", "pmean", "pmin", "pmin_p",
           "pbroadcast", "ppermute", "ppermute_p", "pshuffle", "psum", "psum_p",
           "psum_scatter", "pswapaxes", "reduce_scatter_p"]


def _names(axis_name):
    return tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)


# ---------------------------------------------------------------------------------------
# The axes in scope: the traces of the enclosing vmaps (BatchTrace) and pmaps (the staging
# trace of the pmapped body) carry `axis_name` and `axis_size`

def _axis_env():
    """[(name, size)] of the named axes the current code runs under, innermost first."""
    env = []
    trace = core.current_trace()
    while trace is not None:
        name = getattr(trace, "axis_name", None)
        if name is not None:
            env.append((name, trace.axis_size))
        trace = getattr(trace, "parent", None) or getattr(trace, "outer", None)
    return env


def _unbound(name, env=()):
    raise NameError(f"unbound axis name: {name}. The following axis names (e.g. defined by "
                    f"pmap or vmap) are available to collective operations: "
                    f"{[n for n, _ in env]}")


def axis_size(axis_name):
    """The size of the named axis (the product of the sizes for a tuple of names), as a
    Python int."""
    env = _axis_env()
    size = 1
    for name in _names(axis_name):
        found = next((s for n, s in env if n == name), None)
        if found is None:
            _unbound(name, env)
        size *= found
    return size


def _collective(name, abstract_eval, lowering, batch_ours, axis_params=(),
                multiple_results=False):
    """A collective's primitive (eagerly, with no axis bound, a NameError) and its rules.
    Under a vmap whose axis it names, `batch_ours(trace, rest, vals, dims, **params)` (rest:
    the other names) batches it; over other axes it stays itself, on the batched operand
    with the batch dimension first and the array axes its params name (`axis_params`) one
    further in."""
    prim = primitive(name, abstract_eval, lowering, multiple_results)
    prim.impl = lambda *args, axis_name, **params: _unbound(axis_name[0])

    def batch(trace, vals, dims, **params):
        ours, rest = _split_axes(trace, params["axis_name"])
        if ours:
            return batch_ours(trace, rest, vals, dims, **params)
        if axis_params and dims[0] is not None:
            vals, dims = [batching.moveaxis(vals[0], dims[0], 0)], [0]
            params.update({name: params[name] + 1 for name in axis_params})
        outs = bind(prim, *vals, **params)
        return (outs if multiple_results else [outs]), (list(dims) if vals else [None])
    batching.batchers_with_trace[prim] = batch
    return prim


def _split_axes(trace, axis_name):
    """(whether this trace's axis is among axis_name, the other names)."""
    if trace.axis_name is None or trace.axis_name not in axis_name:
        return False, axis_name
    return True, tuple(n for n in axis_name if n != trace.axis_name)


def _only_ours(prim, rest):
    if rest:
        raise NotImplementedError(f"{prim.name} over several axes of which one is a vmap axis "
                                  f"(the others: {rest}) is not supported; nest the "
                                  f"collectives, one axis each")


def _groups(ctx, axis_name):
    return L.groups_attr(L.replica_groups(ctx.module_context, axis_name))


# psum / pmax / pmin -------------------------------------------------------------------------

def _all_reduce(ctx, x, aval, axis_name, combine):
    scalar = L.scalar_type(aval.dtype)
    op = L.hlo.AllReduceOp([L.ir_type(aval)], [x], _groups(ctx, axis_name))
    L.build_region(op.regions[0], [scalar, scalar], combine)
    return op.result


def _reducer(name, reduce_mapped, unmapped, combine):
    def lowering(ctx, *args, axis_name):
        return [_all_reduce(ctx, x, a, axis_name, lambda u, v: combine(u, v, a.dtype))
                for x, a in zip(args, ctx.avals_in)]

    def batch_ours(trace, rest, vals, dims, axis_name):
        outs = [unmapped(v, trace.axis_size) if d is None else reduce_mapped(v, (d,))
                for v, d in zip(vals, dims)]
        if rest:
            outs = bind(prim, *outs, axis_name=rest)
        return outs, [None] * len(outs)

    prim = _collective(name, lambda *avals, axis_name: list(avals), lowering, batch_ours,
                       multiple_results=True)
    return prim


def _times(v, n):
    return mul(v, convert_element_type(n, core.get_aval(v).dtype))


psum_p = _reducer("psum", reduce_sum, _times, lambda u, v, dtype: L.hlo.add(u, v))
pmax_p = _reducer("pmax", reduce_max, lambda v, n: v, lambda u, v, dtype: (
    L.hlo.or_(u, v) if dtype == dtypes.bool_ else L.hlo.maximum(u, v)))
pmin_p = _reducer("pmin", reduce_min, lambda v, n: v, lambda u, v, dtype: (
    L.hlo.and_(u, v) if dtype == dtypes.bool_ else L.hlo.minimum(u, v)))

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
            # two psums: the count of ties is no tangent (one psum would make it linear too)
            (total,) = bind(psum_p, mul(t, hit), axis_name=axis_name)
            (count,) = bind(psum_p, hit, axis_name=axis_name)
            touts.append(div(total, count))
        return outs, touts
    ad.primitive_jvps[prim] = rule


_chooser_jvp(pmax_p)
_chooser_jvp(pmin_p)


def _check_groups(axis_index_groups):
    if axis_index_groups is not None:
        raise NotImplementedError("axis_index_groups is not supported by xlafront's "
                                  "collectives yet; only None (the whole axis) is")


def psum(x, axis_name, *, axis_index_groups=None):
    """The sum of x (any pytree) over the named axis (or tuple of axes); booleans are summed
    as int32. Values that are the same on every position of the axis (not traced) are
    multiplied by its size."""
    _check_groups(axis_index_groups)
    leaves, tree = tree_flatten(x)
    leaves = [convert_element_type(v, np.int32) if core.get_aval(v).dtype == dtypes.bool_
              else v for v in leaves]
    if not any(isinstance(v, core.Tracer) for v in leaves):
        size = axis_size(axis_name)
        return tree_unflatten(tree, [_times(v, size) for v in leaves])
    return tree_unflatten(tree, _bind_collective(psum_p, leaves, axis_name))


def pmax(x, axis_name, *, axis_index_groups=None):
    """The maximum of x (any pytree) over the named axis."""
    _check_groups(axis_index_groups)
    leaves, tree = tree_flatten(x)
    return tree_unflatten(tree, _bind_collective(pmax_p, leaves, axis_name))


def pmin(x, axis_name, *, axis_index_groups=None):
    """The minimum of x (any pytree) over the named axis."""
    _check_groups(axis_index_groups)
    leaves, tree = tree_flatten(x)
    return tree_unflatten(tree, _bind_collective(pmin_p, leaves, axis_name))


def pmean(x, axis_name, *, axis_index_groups=None):
    """The mean of x (any pytree) over the named axis (integers give floats, as `/`)."""
    size = axis_size(axis_name)

    def mean(s):
        dtype = core.get_aval(s).dtype
        if not dtypes.is_inexact(dtype):
            s = convert_element_type(s, dtypes.default_float())
        return div(s, convert_element_type(size, core.get_aval(s).dtype))
    return tree_map(mean, psum(x, axis_name, axis_index_groups=axis_index_groups))


def _bind_collective(prim, leaves, axis_name, **params):
    """Binds `prim` on the leaves, once the axes are known to be in scope."""
    names = _names(axis_name)
    axis_size(names)  # NameError for an unbound name
    if not leaves:
        return []
    for leaf in leaves:
        core.get_aval(leaf)
    return bind(prim, *leaves, axis_name=names, **params)


# axis_index -----------------------------------------------------------------------------

axis_index_p = _collective(
    "axis_index", lambda axis_name: [core.ShapedArray((), dtypes.int32)],
    lambda ctx, axis_name: [L.axis_index(ctx.module_context, axis_name[0])],
    lambda trace, rest, vals, dims, axis_name: ([iota(dtypes.int32, trace.axis_size)], [0]))
ad.defzero(axis_index_p)


def axis_index(axis_name):
    """The position (int32) of the current example or device along the named axis; for a
    tuple of names, the position in their product (the first name major)."""
    index = None
    for name in _names(axis_name):
        axis_size(name)  # NameError for an unbound name
        here = bind(axis_index_p, axis_name=(name,))
        index = here if index is None else add(mul(index, np.int32(axis_size(name))), here)
    return index


# all_gather and its transpose, psum_scatter ----------------------------------------------

def _gathered_shape(shape, axis, tiled, size):
    shape = list(shape)
    if tiled:
        shape[axis] *= size
    else:
        shape.insert(axis, size)
    return tuple(shape)


def _all_gather_lowering(ctx, x, axis_name, axis, tiled, axis_size):
    aval = ctx.avals_in[0]
    if not tiled:  # gather blocks of size 1 along the new axis
        shape = _gathered_shape(aval.shape, axis, False, 1)
        x = L.hlo.reshape(L.ir_type(aval.update(shape=shape)), x)
    return [L.hlo.AllGatherOp([L.ir_type(ctx.avals_out[0])], [x], axis,
                              _groups(ctx, axis_name)).result]


def _all_gather_batch(trace, rest, vals, dims, axis_name, axis, tiled, axis_size):
    (x,), (d,) = vals, dims
    _only_ours(all_gather_p, rest)
    x = batching.bdim_at_front(x, d, trace.axis_size)
    out = batching.moveaxis(x, 0, axis)
    if tiled:
        shape = list(core.get_aval(out).shape)
        shape[axis:axis + 2] = [shape[axis] * shape[axis + 1]]
        out = reshape(out, tuple(shape))
    return [out], [None]


all_gather_p = _collective(
    "all_gather", lambda x, axis_name, axis, tiled, axis_size: [
        x.update(shape=_gathered_shape(x.shape, axis, tiled, axis_size))],
    _all_gather_lowering, _all_gather_batch, ("axis",))


def all_gather(x, axis_name, *, axis_index_groups=None, axis=0, tiled=False):
    """The values of x (any pytree) from every position of the named axis, stacked along a
    new axis `axis` (or concatenated along `axis` with tiled=True)."""
    _check_groups(axis_index_groups)
    names = _names(axis_name)
    size = axis_size(names)

    def gather(leaf):
        aval = core.get_aval(leaf)
        ax = normalize_axis("all_gather", axis, aval.ndim + (0 if tiled else 1))
        return bind(all_gather_p, leaf, axis_name=names, axis=ax, tiled=bool(tiled),
                    axis_size=size)
    return tree_map(gather, x)


def _scattered_shape(op, shape, dim, tiled, size):
    shape = list(shape)
    if tiled:
        if shape[dim] % size:
            raise ValueError(f"{op}: the size of scatter_dimension {dim} ({shape[dim]}) must "
                             f"be divisible by the size of the named axis ({size})")
        shape[dim] //= size
    else:
        if shape[dim] != size:
            raise ValueError(f"{op}: the size of scatter_dimension {dim} ({shape[dim]}) must "
                             f"equal the size of the named axis ({size}) when tiled=False")
        del shape[dim]
    return tuple(shape)


def _reduce_scatter_lowering(ctx, x, axis_name, scatter_dimension, tiled, axis_size):
    aval, out_aval = ctx.avals_in[0], ctx.avals_out[0]
    block = list(aval.shape)
    block[scatter_dimension] //= axis_size
    scalar = L.scalar_type(aval.dtype)
    op = L.hlo.ReduceScatterOp(L.ir_type(aval.update(shape=tuple(block))), x,
                               scatter_dimension, _groups(ctx, axis_name))
    L.build_region(op.regions[0], [scalar, scalar], L.hlo.add)
    out = op.result
    return [out if tiled else L.hlo.reshape(L.ir_type(out_aval), out)]


def _reduce_scatter_batch(trace, rest, vals, dims, axis_name, scatter_dimension, tiled,
                          axis_size):
    (x,), (d,) = vals, dims
    x = batching.bdim_at_front(x, d, trace.axis_size)
    _only_ours(reduce_scatter_p, rest)
    n = trace.axis_size
    total = reduce_sum(x, (0,))  # example i keeps block i of the sum
    shape = list(core.get_aval(total).shape)
    shape[scatter_dimension:scatter_dimension + 1] = [n, shape[scatter_dimension] // n]
    blocks = batching.moveaxis(reshape(total, tuple(shape)), scatter_dimension, 0)
    return [blocks if tiled else squeeze(blocks, (scatter_dimension + 1,))], [0]


reduce_scatter_p = _collective(
    "reduce_scatter", lambda x, axis_name, scatter_dimension, tiled, axis_size: [
        x.update(shape=_scattered_shape("psum_scatter", x.shape, scatter_dimension, tiled,
                                        axis_size))],
    _reduce_scatter_lowering, _reduce_scatter_batch, ("scatter_dimension",))


def psum_scatter(x, axis_name, *, scatter_dimension=0, axis_index_groups=None, tiled=False):
    """psum(x, axis_name) of which position i of the named axis keeps block i along
    `scatter_dimension` (whose size must equal the axis size, and is dropped; with
    tiled=True, a multiple of it, divided by it)."""
    _check_groups(axis_index_groups)
    names = _names(axis_name)
    size = axis_size(names)

    def scatter(leaf):
        dim = normalize_axis("psum_scatter", scatter_dimension, core.get_aval(leaf).ndim)
        return bind(reduce_scatter_p, leaf, axis_name=names, scatter_dimension=dim,
                    tiled=bool(tiled), axis_size=size)
    return tree_map(scatter, x)


ad.deflinear(all_gather_p, lambda ct, x, axis_name, axis, tiled, axis_size: [
    bind(reduce_scatter_p, ct, axis_name=axis_name, scatter_dimension=axis, tiled=tiled,
         axis_size=axis_size)])
ad.deflinear(reduce_scatter_p, lambda ct, x, axis_name, scatter_dimension, tiled, axis_size: [
    bind(all_gather_p, ct, axis_name=axis_name, axis=scatter_dimension, tiled=tiled,
         axis_size=axis_size)])


# all_to_all ------------------------------------------------------------------------------

def _all_to_all_abstract(x, axis_name, split_axis, concat_axis, axis_size):
    shape = list(x.shape)
    if shape[split_axis] % axis_size:
        raise ValueError(f"all_to_all: the size of split_axis {split_axis} "
                         f"({shape[split_axis]}) must be divisible by the size of the named "
                         f"axis {axis_name} ({axis_size})")
    shape[split_axis] //= axis_size
    shape[concat_axis] *= axis_size
    return [x.update(shape=tuple(shape))]


def _all_to_all_batch(trace, rest, vals, dims, axis_name, split_axis, concat_axis, axis_size):
    (x,), (d,) = vals, dims
    x = batching.bdim_at_front(x, d, trace.axis_size)
    _only_ours(all_to_all_p, rest)
    # x[j] (example j) is cut along split_axis into n chunks; example i gets chunk i of
    # every example, concatenated along concat_axis in the order of j
    n = trace.axis_size
    shape = list(core.get_aval(x).shape)
    s, c = split_axis + 1, concat_axis + 1
    shape[s:s + 1] = [n, shape[s] // n]
    chunks = batching.moveaxis(reshape(x, tuple(shape)), s, 0)  # [i, j, chunk dims...]
    per_example = batching.moveaxis(chunks, 1, c)  # j right before the concat dimension
    out_shape = list(core.get_aval(per_example).shape)
    out_shape[c:c + 2] = [out_shape[c] * out_shape[c + 1]]
    return [reshape(per_example, tuple(out_shape))], [0]


all_to_all_p = _collective(
    "all_to_all", _all_to_all_abstract,
    lambda ctx, x, axis_name, split_axis, concat_axis, axis_size: [L.hlo.AllToAllOp(
        [x], split_axis, concat_axis, axis_size, _groups(ctx, axis_name),
        results=[L.ir_type(ctx.avals_out[0])]).result],
    _all_to_all_batch, ("split_axis", "concat_axis"))
ad.deflinear(all_to_all_p, lambda ct, x, axis_name, split_axis, concat_axis, axis_size: [
    bind(all_to_all_p, ct, axis_name=axis_name, split_axis=concat_axis,
         concat_axis=split_axis, axis_size=axis_size)])


def all_to_all(x, axis_name, split_axis, concat_axis, *, axis_index_groups=None, tiled=False):
    """Swaps the named axis with an array axis: position i of the named axis gets chunk i
    (along `split_axis`) of every position's x, stacked along a new axis `concat_axis` (the
    split axis, whose size must equal the axis size, is dropped); with tiled=True the split
    axis is cut into axis-size chunks, concatenated along `concat_axis`."""
    _check_groups(axis_index_groups)
    names = _names(axis_name)
    size = axis_size(names)

    def swap(leaf):
        aval = core.get_aval(leaf)
        split = normalize_axis("all_to_all", split_axis, aval.ndim)
        concat = normalize_axis("all_to_all", concat_axis, aval.ndim)
        if tiled:
            return bind(all_to_all_p, leaf, axis_name=names, split_axis=split,
                        concat_axis=concat, axis_size=size)
        if aval.shape[split] != size:
            raise ValueError(f"all_to_all requires the size of the mapped axis axis_name to "
                             f"equal x.shape[split_axis], but they are {size} and "
                             f"{aval.shape[split]} respectively.")
        if split < concat:
            concat += 1  # concat_axis counts positions after split_axis is removed
            leaf = expand_dims(leaf, (concat,))
        elif split > concat:
            leaf = expand_dims(leaf, (concat,))
            split += 1
        out = bind(all_to_all_p, leaf, axis_name=names, split_axis=split, concat_axis=concat,
                   axis_size=size)
        return out if split == concat else squeeze(out, (split,))
    return tree_map(swap, x)


def pswapaxes(x, axis_name, axis, *, axis_index_groups=None):
    """all_to_all(x, axis_name, axis, axis): the named axis and array axis `axis` swap."""
    return all_to_all(x, axis_name, axis, axis, axis_index_groups=axis_index_groups)


# ppermute / pshuffle ------------------------------------------------------------------------

def _ppermute_lowering(ctx, x, axis_name, perm):
    groups = L.replica_groups(ctx.module_context, axis_name)
    pairs = [(group[src], group[dst]) for group in groups for src, dst in perm]
    attr = L.ir.DenseIntElementsAttr.get(np.asarray(pairs, np.int64).reshape(-1, 2))
    return [L.hlo.CollectivePermuteOp(x, attr, results=[L.ir_type(ctx.avals_out[0])]).result]


def _ppermute_batch(trace, rest, vals, dims, axis_name, perm):
    (x,), (d,) = vals, dims
    _only_ours(ppermute_p, rest)
    x = batching.bdim_at_front(x, d, trace.axis_size)
    source = {dst: src for src, dst in perm}
    aval = core.get_aval(x)
    zero = full((1,) + aval.shape[1:], 0, aval.dtype)
    # example i takes its source's value, or zeros
    rows = [slice_in_dim(x, source[i], source[i] + 1) if i in source else zero
            for i in range(trace.axis_size)]
    return [concatenate(rows, 0)], [0]


ppermute_p = _collective("ppermute", lambda x, axis_name, perm: [x], _ppermute_lowering,
                         _ppermute_batch)
ad.deflinear(ppermute_p, lambda ct, x, axis_name, perm: [
    bind(ppermute_p, ct, axis_name=axis_name, perm=tuple((dst, src) for src, dst in perm))])


def ppermute(x, axis_name, perm):
    """Sends x (any pytree) along the named axis: for each pair (source, destination) of
    `perm`, position `destination` gets the x of position `source`; positions no pair
    sends to get zeros."""
    names = _names(axis_name)
    size = axis_size(names)
    try:
        perm = tuple((int(src), int(dst)) for src, dst in perm)
    except (TypeError, ValueError):
        raise TypeError(f"ppermute: perm must be a sequence of (source, destination) pairs of "
                        f"ints, got {perm!r}") from None
    sources, destinations = [s for s, _ in perm], [d for _, d in perm]
    if len(set(sources)) < len(perm) or len(set(destinations)) < len(perm):
        raise ValueError(f"ppermute: perm sends from or to one position twice: {perm}")
    if any(not 0 <= i < size for i in sources + destinations):
        raise ValueError(f"ppermute: perm {perm} names positions outside the axis "
                         f"{axis_name} of size {size}")
    return tree_map(lambda leaf: bind(ppermute_p, leaf, axis_name=names, perm=perm), x)


def pshuffle(x, axis_name, perm):
    """ppermute with a permutation given by sources: position i gets the x of position
    perm[i]."""
    if sorted(perm) != list(range(len(perm))):
        raise ValueError(f"`perm` does not represent a permutation: {perm}")
    return ppermute(x, axis_name, list(zip(perm, range(len(perm)))))


def pbroadcast(x, axis_name, source):
    """x (a pytree) as it is at position `source` of the named axis, everywhere (read from
    an all_gather)."""
    size = axis_size(axis_name)
    if not 0 <= source < size:
        raise ValueError(f"pbroadcast: source {source} is out of range for axis {axis_name!r} "
                         f"of size {size}")
    return tree_map(lambda v: squeeze(slice_in_dim(all_gather(v, axis_name), source,
                                                   source + 1), (0,)), x)
