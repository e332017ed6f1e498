"""vmap as a trace interpreter: a `BatchTracer` holds a value with one extra dimension
(`bdim`) that is mapped over; every primitive's batching rule computes all the examples at
once, moving that dimension as little as possible. `not_mapped` (None) marks values that
are the same for every example.

A batching rule is `rule(vals, dims, **params) -> (outs, out_dims)`. Primitives that need
the trace itself (collectives over a named axis, primitives carrying IR whose body may hold
collectives) register `rule(trace, vals, dims, **params)` in `batchers_with_trace` instead, which is
called even when no operand is mapped.
"""
from ..core import (Trace, Tracer, bind_in, cache_by_jaxpr, current_trace,
                    escaped_tracer_error, eval_jaxpr, get_aval, set_current_trace)
from .lax_ops import lax_ops
from .partial_eval import trace_jaxpr_fun

not_mapped = None

# The rule tables, filled beside each primitive's definition:
primitive_batchers = {}   # prim -> rule(vals, dims, **params) -> (outs, out_dims)
batchers_with_trace = {}  # prim -> rule(trace, vals, dims, **params), called even when no
                          # operand is mapped (collectives, primitives carrying IR)


class BatchTracer(Tracer):
    __slots__ = ("val", "bdim")

    def __init__(self, trace, val, bdim):
        self._trace = trace
        self.val = val
        self.bdim = bdim

    def __repr__(self):
        return f"VmapTracer(aval={self.aval.str_long()}, batched={get_aval(self.val).str_long()})"

    @property
    def aval(self):
        aval = get_aval(self.val)
        return aval.update(shape=aval.shape[:self.bdim] + aval.shape[self.bdim + 1:])


class BatchTrace(Trace):
    def __init__(self, parent, axis_size, axis_name=None):
        self.parent = parent
        self.axis_size = axis_size
        self.axis_name = axis_name
        self.valid = True

    def lift(self, x):
        if isinstance(x, BatchTracer) and x._trace is self:
            return x.val, x.bdim
        if isinstance(x, Tracer) and not x._trace.valid:
            raise escaped_tracer_error(x)
        return x, not_mapped

    def process_primitive(self, prim, args, params):
        vals, dims = [], []
        for x in args:
            v, d = self.lift(x)
            vals.append(v)
            dims.append(d)
        with set_current_trace(self.parent):
            with_trace = batchers_with_trace.get(prim)
            if with_trace is not None:
                outs, out_dims = with_trace(self, vals, dims, **params)
            elif all(d is not_mapped for d in dims):
                return self.parent.process_primitive(prim, vals, params)
            else:
                rule = primitive_batchers.get(prim)
                if rule is None:
                    raise NotImplementedError(f"Batching rule for '{prim.name}' not implemented")
                outs, out_dims = rule(vals, dims, **params)
        return [v if d is not_mapped else BatchTracer(self, v, d) for v, d in zip(outs, out_dims)]


def batch_fun(fun, in_dims, axis_size, axis_name=None):
    """`fun` (flat arrays -> flat arrays) vectorized over arguments mapped at `in_dims`, every
    output mapped at 0: how rules batch the Python callables that primitives carry."""
    return lambda *args: vmap_flat(fun, args, in_dims, lambda n: [0] * n, axis_size, axis_name)


def vmap_flat(fun, args, in_dims, out_dims_fn, axis_size, axis_name=None):
    """Runs `fun` on the examples of `args` (flat; in_dims[i] is the mapped dimension of
    args[i] or None) at once. `out_dims_fn(n)` gives the wanted dimension of each of the n
    outputs. Returns the flat outputs with those dimensions."""
    trace = BatchTrace(current_trace(), axis_size, axis_name)
    tracers = [x if d is not_mapped else BatchTracer(trace, x, d) for x, d in zip(args, in_dims)]
    try:
        with set_current_trace(trace):
            outs = fun(*tracers)
        lifted = [trace.lift(x) for x in outs]
    finally:
        trace.valid = False
    wanted = out_dims_fn(len(lifted))
    return [matchaxis(axis_size, d, w, v) for (v, d), w in zip(lifted, wanted)]


# ---------------------------------------------------------------------------------------
# Moving batch dimensions: helpers for the rules

def moveaxis(x, src, dst):
    """x with its dimension `src` moved to position `dst`."""
    if src == dst:
        return x
    ndim = get_aval(x).ndim
    perm = [i for i in range(ndim) if i != src]
    perm.insert(dst, src)
    return lax_ops.transpose(x, tuple(perm))


def broadcast_front(x, size):
    """x repeated `size` times along a new leading dimension."""
    shape = get_aval(x).shape
    return lax_ops.broadcast_in_dim(x, (size,) + shape, tuple(range(1, len(shape) + 1)))


def bdim_at_front(x, bdim, size):
    """x with the batch dimension first, broadcasting x if it is not mapped."""
    if bdim is not_mapped:
        return broadcast_front(x, size)
    return moveaxis(x, bdim, 0)


def matchaxis(size, src, dst, x):
    """x (mapped at src, or not mapped) with its batch dimension at dst (None: must be
    unmapped)."""
    if dst is None:
        if src is not_mapped:
            return x
        raise ValueError("vmap has mapped output but out_axes is None: an output that "
                         "depends on a mapped input cannot have out_axes=None")
    ndim = get_aval(x).ndim + (src is not_mapped)
    if not -ndim <= dst < ndim:
        raise ValueError(f"vmap: out_axes {dst} is out of bounds for an output of rank {ndim} "
                         f"(its per-example shape is {_example_shape(x, src)} plus the mapped "
                         f"axis)")
    dst = dst % ndim
    if src is not_mapped:
        x = broadcast_front(x, size)
        src = 0
    return moveaxis(x, src, dst)


def batch_size_of(vals, dims):
    for v, d in zip(vals, dims):
        if d is not not_mapped:
            return get_aval(v).shape[d]
    raise ValueError("no mapped operand")


def defvectorized(prim):
    """Elementwise with one operand: the rule is the primitive itself."""
    def rule(vals, dims, **params):
        outs = prim.bind(*vals, **params)
        outs = outs if prim.multiple_results else [outs]
        return outs, [dims[0]] * len(outs)
    primitive_batchers[prim] = rule


def defbroadcasting(prim):
    """Elementwise with several operands, rank-0 ones broadcasting against the others (as
    lax's binary ops allow). When the mapped operands share their batch dimension and the
    unmapped ones are rank-0 nothing moves; otherwise mapped operands get their batch
    dimension in front and the others are broadcast to the batched shape."""
    def rule(vals, dims, **params):
        size = batch_size_of(vals, dims)
        shapes = [_example_shape(v, d) for v, d in zip(vals, dims)]
        out_shape = next((s for s in shapes if s != ()), ())
        mapped_dims = {d for d in dims if d is not not_mapped}
        if len(mapped_dims) == 1 and all(s == out_shape if d is not not_mapped else s == ()
                                         for d, s in zip(dims, shapes)):
            new_vals, out_dim = vals, mapped_dims.pop()
        else:
            new_vals, out_dim = [], 0
            for v, d, s in zip(vals, dims, shapes):
                if d is not_mapped and s == ():
                    new_vals.append(v)
                    continue
                v = bdim_at_front(v, d, size)
                if s != out_shape:
                    v = lax_ops.broadcast_in_dim(v, (size,) + out_shape, (0,))
                new_vals.append(v)
        outs = prim.bind(*new_vals, **params)
        outs = outs if prim.multiple_results else [outs]
        return outs, [out_dim] * len(outs)
    primitive_batchers[prim] = rule


def _example_shape(v, d):
    shape = get_aval(v).shape
    return shape if d is not_mapped else shape[:d] + shape[d + 1:]


@cache_by_jaxpr
def batch_jaxpr(jaxpr, dims, axis_size, axis_name=None, instantiate=False):
    """The batched version of `jaxpr` (no constvars) with inputs mapped at `dims`, as a new
    jaxpr whose mapped outputs have their batch dimension in front (`instantiate`: True, or
    a list with one bool per output, forces outputs to be mapped). Returns (jaxpr, consts,
    out_dims) with out_dims 0 or None."""
    out_mapped = []

    def fun(*args):
        trace = BatchTrace(current_trace(), axis_size, axis_name)
        tracers = [x if d is not_mapped else BatchTracer(trace, x, d) for x, d in zip(args, dims)]
        try:
            with set_current_trace(trace):
                outs = eval_jaxpr(jaxpr, [], *tracers)
            lifted = [trace.lift(x) for x in outs]
        finally:
            trace.valid = False
        force = instantiate if isinstance(instantiate, (list, tuple)) else [instantiate] * len(
            lifted)
        out_mapped[:] = [f or d is not not_mapped for (_, d), f in zip(lifted, force)]
        return [matchaxis(axis_size, d, 0, v) if m else v
                for (v, d), m in zip(lifted, out_mapped)]

    avals = []
    for aval, d in zip(jaxpr.in_avals, dims):
        if d is not_mapped:
            avals.append(aval)
        else:
            avals.append(aval.update(shape=aval.shape[:d] + (axis_size,) + aval.shape[d:]))
    new_jaxpr, consts = trace_jaxpr_fun(fun, avals)
    return new_jaxpr, consts, [0 if m else not_mapped for m in out_mapped]



def call_batch(prim):
    """The batching rule (for `batchers_with_trace`) of a primitive carrying its body as
    params["jaxpr"] (pjit, checkpoint; other params are kept): one call of the batched
    body. With nothing mapped and no named axis the call is bound as it is; with a named
    axis the body is batched even then, as it may hold collectives over that axis."""
    def rule(trace, vals, dims, jaxpr, **params):
        if all(d is not_mapped for d in dims) and trace.axis_name is None:
            return (bind_in(trace.parent, prim, vals, dict(jaxpr=jaxpr, **params)),
                    [not_mapped] * len(jaxpr.outvars))
        new_jaxpr, consts, out_dims = batch_jaxpr(jaxpr, dims, trace.axis_size,
                                                  trace.axis_name)
        return bind_in(trace.parent, prim, [*consts, *vals],
                       dict(jaxpr=new_jaxpr, **params)), out_dims
    return rule
