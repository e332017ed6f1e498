"""pmap: a function run once per device, all devices at once, as one SPMD program. (This
module is named as JAX's pxla: `xf.pmap` loads it on first use.)

`pmap(f)(x)` traces f once per argument signature on the per-device types (the mapped axis
removed), with the axis named for collectives, and compiles one program for n replicas
(num_replicas = n, replica i on device i). Mapped arguments are laid out in blocks along
their mapped axis, one block per device (runtime.PmapSharding); an argument already laid
out so goes in as it is, anything else is cut into blocks (through the host). Results come
back in the same layout: Arrays over the devices that index, print and convert like any
Array and feed the next pmap without moving. jaxlib's C++ dispatcher runs repeated calls.

Under a transformation, pmap binds `pmap_p` ("xla_pmap"), which carries the body as IR
with one mapped axis (or None: the same value on every device) per operand and per result
(None: the value of the first device), and has the rules of a call primitive: its jvp and
transpose are pmaps of the body's jvp and transpose, vmap batches the body, partial
evaluation splits it in two pmaps. Inside another pmap it lowers to the body over the
replicas of the outer program (nested pmaps multiply the replicas, JAX's layout); inside
jit, which compiles for one device, to the body vmapped over the axis.

With several processes (xlafront.distributed), each process passes its own part (its
devices' blocks) and gets its part of the results back; collectives span every process.
"""
import functools

import numpy as np

from . import core, dtypes, lax, runtime
from .config import trace_context
from .errors import api_boundary
from .interpreters import ad, batching
from .interpreters import lowering as L
from .interpreters import partial_eval as pe
from .jit import (Compiled, Lowered, _donated_leaves, _leaf_names, _source, _split_args,
                  leaf_avals, trace_flat)
from .runtime import array as rarray
from .runtime import client as rclient
from .runtime.compile import compile_replicated, cpp_jit, fast_path
from .tree import tree_flatten, tree_unflatten
from .vmap import _flatten_axes, _mapped_size

# ---------------------------------------------------------------------------------------
# The primitive

pmap_p = core.Primitive("xla_pmap", multiple_results=True)


def _insert(shape, axis, size):
    return shape if axis is None else shape[:axis] + (size,) + shape[axis:]


def _remove(shape, axis):
    return shape if axis is None else shape[:axis] + shape[axis + 1:]


def _resize(shape, axis, size):
    return _insert(_remove(shape, axis), axis, size)


def _pmap_abstract(*avals, jaxpr, in_axes, out_axes, axis_size, **params):
    return [a.update(shape=_insert(a.shape, o, axis_size))
            for a, o in zip(jaxpr.out_avals, out_axes)]


pmap_p.abstract_eval = _pmap_abstract


def _pmap_jvp(primals, tangents, jaxpr, in_axes, out_axes, **params):
    nonzeros = [type(t) is not ad.Zero for t in tangents]
    body, consts, out_nonzeros = ad.jvp_jaxpr(jaxpr, nonzeros)
    outs = core.bind(pmap_p, *consts, *primals, *[t for t in tangents if type(t) is not ad.Zero],
                     jaxpr=body, out_axes=out_axes + _kept(out_axes, out_nonzeros),
                     in_axes=(None,) * len(consts) + in_axes + _kept(in_axes, nonzeros),
                     **params)
    n = len(jaxpr.outvars)
    touts = iter(outs[n:])
    return outs[:n], [next(touts) if nz else ad.Zero(ad.tangent_aval(a))
                      for nz, a in zip(out_nonzeros, jaxpr.out_avals)]


def _kept(values, mask):
    return tuple(v for v, m in zip(values, mask) if m)


def _pmap_transpose(cts, *invals, jaxpr, in_axes, out_axes, axis_name, **params):
    linear = [ad.is_undefined(x) for x in invals]
    nonzero = [type(ct) is not ad.Zero for ct in cts]
    body, consts = ad.transpose_jaxpr(jaxpr, linear, nonzero)
    ct_axes = _kept(out_axes, nonzero)
    if None in ct_axes:  # a result taken from device 0: only device 0's copy flows back
        body, consts = _first_device_only(body, consts, len(body.invars) - len(ct_axes),
                                          ct_axes, axis_name)
    outs = core.bind(pmap_p, *consts, *[x for x in invals if not ad.is_undefined(x)],
                     *[ct for ct in cts if type(ct) is not ad.Zero], jaxpr=body,
                     in_axes=(None,) * len(consts) + _kept(in_axes, [not x for x in linear])
                     + ct_axes, out_axes=tuple(0 if a is None else a
                                               for a in _kept(in_axes, linear)),
                     axis_name=axis_name, **params)
    outs = iter(outs)
    # an operand given to every device whole: its cotangent is the sum of every device's
    return [(lax.reduce_sum(next(outs), (0,)) if a is None else next(outs)) if lin else None
            for lin, a in zip(linear, in_axes)]


def _first_device_only(body, consts, first_ct, ct_axes, axis_name):
    """(`body`, a transposed pmap body, with its unmapped cotangent inputs, from
    `first_ct` on, zeroed on every device but the first; its consts)."""
    def masked(*args):
        first = lax.eq(core.bind(lax.axis_index_p, axis_name=(axis_name,)), np.int32(0))
        args = list(args)
        for i, axis in enumerate(ct_axes):
            if axis is None:
                x = args[first_ct + i]
                args[first_ct + i] = lax.mul(x, lax.convert_element_type(first, x.dtype))
        return core.eval_jaxpr(body, [], *args)
    jaxpr, new_consts = pe.trace_jaxpr_fun(masked, body.in_avals)
    return jaxpr, [*new_consts, *consts]


def _split_params(params, unknowns, out_unknowns, sources):
    """The pmap params of partial evaluation's two calls: residuals computed by the known
    call are mapped at 0; those handed over directly keep their operand's axis."""
    in_axes, out_axes = params["in_axes"], params["out_axes"]
    known_in = [not u for u in unknowns]
    known = dict(params, in_axes=_kept(in_axes, known_in),
                 out_axes=_kept(out_axes, [not u for u in out_unknowns])
                 + (0,) * sources.count("out"))
    res_axes = tuple(0 if s == "out" else None if s is None else in_axes[s] for s in sources)
    unknown = dict(params, in_axes=res_axes + _kept(in_axes, unknowns),
                   out_axes=_kept(out_axes, out_unknowns))
    return known, unknown


def _pmap_batch(trace, vals, dims, jaxpr, in_axes, out_axes, **params):
    if all(d is None for d in dims) and trace.axis_name is None:
        return (core.bind_in(trace.parent, pmap_p, vals,
                             dict(params, jaxpr=jaxpr, in_axes=in_axes, out_axes=out_axes)),
                [None] * len(out_axes))
    new_in_axes, body_dims = [], []
    for d, a in zip(dims, in_axes):  # a counts the operand's axes without the batch axis
        a = None if a is None else (a if d is None or a < d else a + 1)
        new_in_axes.append(a)
        body_dims.append(None if d is None else d - (a is not None and a < d))
    body, consts, out_dims = batching.batch_jaxpr(jaxpr, body_dims, trace.axis_size,
                                                  trace.axis_name)
    # a batched result has the batch axis first on each device, before the mapped axis
    new_out_axes = tuple(o if d is None or o is None else o + 1
                         for o, d in zip(out_axes, out_dims))
    outs = core.bind_in(trace.parent, pmap_p, [*consts, *vals], dict(
        params, jaxpr=body, in_axes=(None,) * len(consts) + tuple(new_in_axes),
        out_axes=new_out_axes))
    return outs, out_dims


class _AxisFrame(core.Trace):
    """Names a pmap's axis while one of its rules re-traces the body with another
    transformation, so that collectives bound by code traced then (custom derivative
    rules) find it; it hands any primitive to the trace it stands on."""

    def __init__(self, axis_name, axis_size):
        self.parent = core.current_trace()
        self.axis_name, self.axis_size = axis_name, axis_size

    def process_primitive(self, prim, args, params):
        return core.bind_in(self.parent, prim, args, params)


def _with_axis(rule):
    @functools.wraps(rule)
    def framed(*args, **params):
        with core.set_current_trace(_AxisFrame(params["axis_name"], params["axis_size"])):
            return rule(*args, **params)
    return framed


ad.primitive_jvps[pmap_p] = _with_axis(_pmap_jvp)
ad.primitive_transposes[pmap_p] = _with_axis(_pmap_transpose)
pe.partial_eval_rules[pmap_p] = _with_axis(pe.call_partial_eval(pmap_p, _split_params))
batching.batchers_with_trace[pmap_p] = _with_axis(_pmap_batch)


# ---------------------------------------------------------------------------------------
# Lowering inside another program

def _pmap_lowering(ctx, *args, jaxpr, in_axes, out_axes, axis_name, axis_size, devices,
                   **params):
    mc = ctx.module_context
    room = mc.num_replicas // int(np.prod([info.size for info in mc.axis_env], dtype=np.int64))
    if devices is not None or room % axis_size:
        return _vmapped_lowering(ctx, *args, jaxpr=jaxpr, in_axes=in_axes, out_axes=out_axes,
                                 axis_name=axis_name, axis_size=axis_size)
    saved = mc.axis_env
    mc.axis_env = saved + (L.AxisInfo(axis_name, axis_size),)
    try:  # each replica takes its block of the mapped operands, runs the body, and gathers
        index = L.axis_index(mc, axis_name)
        zero = L.constant(np.int32(0))
        groups = L.groups_attr(L.replica_groups(mc, [axis_name]))

        def block(x, a, aval):  # this replica's block of an operand mapped at axis a
            start = [index if i == a else zero for i in range(aval.ndim)]
            x = L.hlo.dynamic_slice(x, start, L.dense_i64(_resize(aval.shape, a, 1)))
            return L.hlo.reshape(L.ir_type(aval.update(shape=_remove(aval.shape, a))), x)

        def gather(y, o, aval):  # every replica's result, stacked along axis o
            y = L.hlo.reshape(L.ir_type(aval.update(shape=_resize(aval.shape, o, 1))), y)
            return L.hlo.AllGatherOp([L.ir_type(aval)], [y], o, groups).result

        blocks = [x if a is None else block(x, a, aval)
                  for x, a, aval in zip(args, in_axes, ctx.avals_in)]
        outs = L.lower_jaxpr_body(mc, jaxpr, [], blocks)
        return [y if o is None else gather(y, o, aval)
                for y, o, aval in zip(outs, out_axes, ctx.avals_out)]
    finally:
        mc.axis_env = saved


def _vmapped(*args, jaxpr, in_axes, out_axes, axis_name, axis_size):
    """The pmap as a vmap (for a program on one device: jit of pmap)."""
    outs = batching.vmap_flat(lambda *xs: core.eval_jaxpr(jaxpr, [], *xs), args, in_axes,
                              lambda n: [0 if o is None else o for o in out_axes], axis_size,
                              axis_name)
    return [y if o is not None else lax.reshape(lax.slice_in_dim(y, 0, 1), y.shape[1:])
            for y, o in zip(outs, out_axes)]


_vmapped_lowering = L.lower_fun(_vmapped, multiple_results=True)
L.register_lowering(pmap_p, _pmap_lowering)


def _inner_replicas(jaxpr):
    """How many replicas each device of a pmap needs for the pmaps nested in its body."""
    most = 1
    for eqn in jaxpr.eqns:
        if eqn.prim is pmap_p and eqn.params["devices"] is None:
            most = max(most, eqn.params["axis_size"] * _inner_replicas(eqn.params["jaxpr"]))
            continue
        for value in eqn.params.values():
            for sub in _sub_jaxprs(value):
                most = max(most, _inner_replicas(sub))
    return most


def _sub_jaxprs(value):
    if isinstance(value, core.Jaxpr):
        return [value]
    if isinstance(value, core.ClosedJaxpr):
        return [value.jaxpr]
    if isinstance(value, (tuple, list)):
        return [j for v in value for j in _sub_jaxprs(v)]
    return []


# ---------------------------------------------------------------------------------------
# Devices and layouts

class _Placement:
    """The devices of one pmap program: all of them (every process's, replica i on
    devices[i]), this process's, how many replicas run each block of the mapped axis
    (nested pmaps) and the size of that axis over every process."""
    __slots__ = ("devices", "local", "replicas", "global_size", "multi")

    def __init__(self, devices, local, replicas, global_size):
        self.devices, self.local = tuple(devices), tuple(local)
        self.replicas, self.global_size = replicas, global_size
        self.multi = len(local) != len(devices)


def _placement(n, axis_size, devices, backend, replicas):
    """The devices a pmap over a mapped axis of size `n` (this process's part) runs on."""
    processes = rclient.process_count(backend)
    if devices is not None:
        devices = list(devices)
        me = rclient.process_index(backend)
        local = [d for d in devices if d.process_index == me]
        if n * replicas != len(local):
            where = " of this process" if processes > 1 else ""
            nested = f" (times {replicas} for the nested pmaps)" if replicas > 1 else ""
            raise ValueError(f"pmap: the mapped axis has size {n}{nested} but devices= has "
                             f"{len(local)} devices{where}: they must be equal")
        global_size = len(devices) // replicas
    elif processes == 1:
        available = rclient.local_devices(backend=backend)
        if n * replicas > len(available):
            nested = (f" times {replicas} for the nested pmaps ({n * replicas} replicas)"
                      if replicas > 1 else "")
            raise ValueError(f"pmap: the mapped axis has size {n}{nested}, but only "
                             f"{len(available)} devices are available (device_count() is "
                             f"{len(available)}); map over at most that many")
        devices = local = available[:n * replicas]
        global_size = n
    else:
        if replicas > 1:
            raise NotImplementedError("pmap: nested pmaps over several processes are not "
                                      "supported")
        per_process = [rclient.local_devices(p, backend) for p in range(processes)]
        if any(len(ds) < n for ds in per_process):
            raise ValueError(f"pmap: the mapped axis has size {n} on each process, but a "
                             f"process has only {min(map(len, per_process))} devices")
        devices = [d for ds in per_process for d in ds[:n]]
        me = rclient.process_index(backend)
        local, global_size = per_process[me][:n], n * processes
    if axis_size is not None and axis_size != global_size:
        raise ValueError(f"Specified axis_size {axis_size} doesn't match received axis_size "
                         f"{global_size}.")
    return _Placement(devices, local, replicas, global_size)


def _sharding(place, axis, ndim, local=False):
    return rarray.pmap_sharding(place.local if local else place.devices, axis, ndim,
                                place.replicas)


def _put(x, aval, axis, place):
    """Argument x (this process's part, of type `aval`) laid out as the program takes it."""
    sharding = _sharding(place, axis, aval.ndim)
    ArrayImpl = rarray.array_type()
    if type(x) is ArrayImpl:
        if x._sharding == sharding:
            return x
        if place.multi and x._sharding == _sharding(place, axis, aval.ndim, local=True):
            return rarray.rewrap(x, _global_aval(aval, axis, place), sharding)
        x = rarray.to_numpy(x)
    host = np.asarray(x, aval.dtype)
    if axis is None:
        blocks = [host] * len(place.local)
    else:
        head = (slice(None),) * axis
        blocks = [host[head + (slice(i // place.replicas, i // place.replicas + 1),)]
                  for i in range(len(place.local))]
    return rarray.put_shards(_global_aval(aval, axis, place), sharding, blocks, place.local)


def _global_aval(aval, axis, place):
    return aval.update(shape=_resize(aval.shape, axis, place.global_size)) if place.multi else aval


# ---------------------------------------------------------------------------------------
# Compiling and running one program

class _Program:
    """A compiled pmap program with the layouts of its operands and results."""
    __slots__ = ("compiled", "place", "in_avals", "in_axes", "in_shardings", "out_local",
                 "module")

    def __call__(self, *args):
        place = self.place
        arrays = [_put(x, a, k, place) for x, a, k in zip(args, self.in_avals, self.in_axes)]
        outs = self.compiled(*arrays)
        if place.multi:  # this process's part of each result
            outs = [rarray.rewrap(y, aval, sharding)
                    for y, (aval, sharding) in zip(outs, self.out_local)]
        return outs


def _program(closed, in_avals, in_axes, out_axes, axis_name, axis_size, devices, backend,
             name, donated=(), source=None):
    """The compiled program of pmap body `closed` (a ClosedJaxpr on per-device types; its
    consts become constants of the program) on operands of types `in_avals` (this
    process's parts, the mapped axis of size `axis_size`) mapped at `in_axes`."""
    replicas = _inner_replicas(closed.jaxpr)
    place = _placement(axis_size, None, devices, backend, replicas)
    blocks = [a.update(shape=_resize(a.shape, k, 1)) for a, k in zip(in_avals, in_axes)]

    def main(*args):  # blocks in, per-device values through the body, blocks out
        xs = [x if k is None else lax.reshape(x, _remove(x.shape, k))
              for x, k in zip(args, in_axes)]
        outs = core.eval_jaxpr(closed.jaxpr, closed.consts, *xs)
        return [y if o is None else lax.reshape(y, _insert(core.get_aval(y).shape, o, 1))
                for y, o in zip(outs, out_axes)]

    program_ir = pe.trace_to_jaxpr(main, blocks)
    platform = rclient.device_platform(place.devices[0])
    module, callbacks = L.lower_closed_jaxpr(
        program_ir, f"pmap_{name}", donated, source, platform,
        axis_env=[L.AxisInfo(axis_name, place.global_size)],
        num_replicas=len(place.devices))
    out_avals = [a.update(shape=_insert(a.shape, o, place.global_size))
                 for a, o in zip(closed.out_avals, out_axes)]
    out_shardings = [_sharding(place, o, a.ndim) for a, o in zip(out_avals, out_axes)]
    program = _Program()
    executable = compile_replicated(module, place.devices, callbacks)
    program.compiled = runtime.Compiled(executable, place.devices, out_avals, out_shardings)
    program.place, program.in_avals, program.in_axes = place, tuple(in_avals), in_axes
    program.in_shardings = [_sharding(place, k, a.ndim) for a, k in zip(in_avals, in_axes)]
    program.out_local = [(a.update(shape=_resize(a.shape, o, axis_size)),
                          _sharding(place, o, a.ndim, local=True))
                         for a, o in zip(out_avals, out_axes)]
    program.module = module
    return program


# programs of bodies bound as pmap_p (transformations of pmaps), by the body's structure
_programs = runtime.make_cache("pmap programs", max_size=1024)


def _pmap_impl(*args, jaxpr, in_axes, out_axes, axis_name, axis_size, devices, backend, name):
    avals = tuple(core.get_aval(x) for x in args)
    key = (core.jaxpr_fingerprint(jaxpr), avals, in_axes, out_axes, axis_name, axis_size,
           devices, backend, dtypes.x64_enabled(), trace_context())
    program = _programs.get(key)
    if program is None:
        program = _programs[key] = _program(core.ClosedJaxpr(jaxpr, []), avals, in_axes,
                                            out_axes, axis_name, axis_size, devices, backend,
                                            name)
    return program(*args)


pmap_p.impl = _pmap_impl


# ---------------------------------------------------------------------------------------
# The pmap wrapper

class _PmapInfo:
    """The Python side of one pmapped function: its options, traced bodies and programs."""

    def __init__(self, fun, axis_name, in_axes, out_axes, static, devices, backend,
                 axis_size, donate):
        self.fun, self.axis_name, self.in_axes, self.out_axes = fun, axis_name, in_axes, out_axes
        self.static, self.devices, self.backend = static, devices, backend
        self.axis_size, self.donate = axis_size, donate
        self.name = getattr(fun, "__name__", type(fun).__name__)
        self.source = _source(fun)
        # signature -> (body, out_tree, out_axes) and -> (program, out_tree)
        self.traced = runtime.make_cache(f"pmap({self.name}) traced")
        self.programs = runtime.make_cache(f"pmap({self.name})")

    def clear(self):
        self.traced.clear()
        self.programs.clear()

    def _flat_args(self, args, kwargs):
        """(leaves, in_tree, statics, per-leaf mapped axes, avals, axis size, donated)."""
        if self.static and max(self.static) >= len(args):
            raise ValueError(f"pmapped function has static_broadcasted_argnums={self.static} "
                             f"but was called with only {len(args)} positional argument"
                             f"{'s' if len(args) != 1 else ''}. All static broadcasted "
                             f"arguments must be passed positionally.")
        dyn_args, dyn_kwargs, statics = _split_args(args, kwargs, self.static, (), self.name)
        leaves, in_tree = tree_flatten((dyn_args, dyn_kwargs))
        in_axes = self.in_axes
        if isinstance(in_axes, tuple):
            if len(in_axes) != len(args):
                raise ValueError(f"pmap in_axes has {len(in_axes)} entries {in_axes!r} but "
                                 f"the function was called with {len(args)} positional "
                                 f"arguments")
            in_axes = tuple(a for i, a in enumerate(in_axes) if i not in self.static)
        axes = _flatten_axes("pmap in_axes", in_tree, (in_axes, 0))

        def arg_names():
            debug = pe.debug_info(self.fun, "pmap", args, kwargs, self.static)
            return _leaf_names(debug, len(leaves))
        avals = leaf_avals(self.name, leaves, arg_names)
        size = _mapped_size("pmap", avals, axes, lambda i: arg_names()[i])
        if size is None:
            raise ValueError("pmap requires at least one argument with a mapped axis.")
        if size == 0:
            raise ValueError(f"pmap({self.name}): the mapped axis has size 0; map over at least "
                             f"one device")
        if (self.axis_size is not None and self.axis_size != size
                and rclient.process_count(self.backend) == 1):
            raise ValueError(f"Specified axis_size {self.axis_size} doesn't match received "
                             f"axis_size {size}.")
        donated = _donated_leaves(args, self.static, self.donate)
        return leaves, in_tree, statics, tuple(axes), avals, size, donated

    def _body(self, in_tree, statics, axes, avals, size):
        """(ClosedJaxpr of the body on per-device types, out_tree, per-result axes)."""
        key = (in_tree, tuple(avals), statics, axes, size, dtypes.x64_enabled(),
               trace_context())
        hit = self.traced.get(key)
        if hit is not None:
            return hit
        per_device = [a.update(shape=_remove(a.shape, k)) for a, k in zip(avals, axes)]
        if self.axis_size is not None:
            global_size = self.axis_size
        elif self.devices is not None:  # this process's devices among them map `size`
            me = rclient.process_index(self.backend)
            mine = sum(1 for d in self.devices if d.process_index == me)
            global_size = size * len(self.devices) // max(mine, 1)
        else:
            global_size = size * rclient.process_count(self.backend)
        closed, out_tree = trace_flat(self.fun, in_tree, statics, per_device, "pmap",
                                      axis=(self.axis_name, global_size))
        out_axes = _flatten_axes("pmap out_axes", out_tree, self.out_axes)
        for a, o in zip(closed.out_avals, out_axes):
            if o is not None and not 0 <= o <= a.ndim:
                raise ValueError(f"pmap: out_axes {o} is out of bounds for a result of rank "
                                 f"{a.ndim + 1} (its per-device shape is {a.shape})")
        hit = (closed, out_tree, tuple(out_axes))
        if not any(isinstance(c, core.Tracer) for c in closed.consts):
            self.traced[key] = hit
        return hit

    def program(self, leaves, in_tree, statics, axes, avals, size, donated):
        key = (in_tree, tuple(avals), statics, axes, dtypes.x64_enabled(), trace_context())
        hit = self.programs.get(key)
        if hit is None:
            closed, out_tree, out_axes = self._body(in_tree, statics, axes, avals, size)
            program = _program(closed, avals, axes, out_axes, self.axis_name, size,
                               self.devices, self.backend, self.name, donated, self.source)
            hit = self.programs[key] = (program, out_tree)
        return hit

    def cache_miss(self, *args, **kwargs):
        leaves, in_tree, statics, axes, avals, size, donated = self._flat_args(args, kwargs)
        if (core.current_trace() is not core.eval_trace
                or any(isinstance(x, core.Tracer) for x in leaves)):
            closed, out_tree, out_axes = self._body(in_tree, statics, axes, avals, size)
            jaxpr, consts = pe.convert_constvars(closed)
            outs = core.bind(pmap_p, *consts, *leaves, jaxpr=jaxpr,
                             in_axes=(None,) * len(consts) + axes, out_axes=out_axes,
                             axis_name=self.axis_name, axis_size=size, devices=self.devices,
                             backend=self.backend, name=self.name)
            return tree_unflatten(out_tree, outs), None, False
        program, out_tree = self.program(leaves, in_tree, statics, axes, avals, size, donated)
        outs = program(*leaves)
        fast = None
        if not program.place.multi and _fast_ok(leaves, program.in_shardings):
            fast = fast_path(program.compiled, out_tree, [True] * len(leaves),
                             program.in_shardings)
        return tree_unflatten(out_tree, outs), fast, False

    def lower(self, *args, **kwargs):
        leaves, in_tree, statics, axes, avals, size, donated = self._flat_args(args, kwargs)
        program, out_tree = self.program(leaves, in_tree, statics, axes, avals, size, donated)
        closed = self._body(in_tree, statics, axes, avals, size)[0]
        def compile(compiler_options):
            if compiler_options:
                raise NotImplementedError("pmap(...).lower(...).compile: compiler_options are "
                                          "not supported (the program is compiled already)")
            return Compiled(program.compiled, out_tree, program.in_avals,
                            lambda leaves: program(*leaves))
        return Lowered(program.module, closed, out_tree, compile)


def _fast_ok(leaves, in_shardings):
    """Whether jaxlib's dispatcher may run the program on arguments of this signature: it
    passes an Array over as many devices as the program's input as it is, so such an Array
    must be laid out as that input (others go through _shard_arg)."""
    ArrayImpl = rarray.array_type()
    return all(type(x) is not ArrayImpl or x._sharding == s
               or len(rarray.array_devices(x)) != len(s._device_assignment)
               for x, s in zip(leaves, in_shardings))


def _shard_arg(x, sharding, layout):
    """Called by the C++ dispatcher for arguments that are not laid out as the program
    takes them (NumPy arrays, scalars, Arrays on other devices)."""
    aval = core.get_aval(x)
    devices = sharding._device_assignment
    place = _Placement(devices, devices, sharding.replicas, len(devices) // sharding.replicas)
    return _put(x, aval, sharding.axis, place)


def _axes_ok(what, axes):
    for leaf in tree_flatten(axes, is_leaf=lambda a: a is None)[0]:
        if leaf is not None and type(leaf) is not int:
            raise TypeError(f"pmap {what} must be an int, None, or (nested) container with "
                            f"those types as leaves, but got {axes}.")


def pmap(fun, axis_name=None, *, in_axes=0, out_axes=0, static_broadcasted_argnums=(),
         devices=None, backend=None, axis_size=None, donate_argnums=()):
    """Maps `fun` over the leading axis (or `in_axes`) of its arguments, one device per
    position, all running one SPMD program; collectives (lax.psum ...) over `axis_name`
    communicate between the devices. Results are Arrays over the devices, mapped along
    `out_axes` (None: the value of the first device, which must be the same everywhere)."""
    if not callable(fun):
        raise TypeError(f"pmap: expected a callable, got {fun!r} of type "
                        f"{type(fun).__name__}")
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    _axes_ok("in_axes", in_axes)
    _axes_ok("out_axes", out_axes)
    static = ((static_broadcasted_argnums,) if isinstance(static_broadcasted_argnums, int)
              else tuple(static_broadcasted_argnums))
    donate = (donate_argnums,) if isinstance(donate_argnums, int) else tuple(donate_argnums)
    if devices is not None:
        devices = tuple(devices)
        if not devices:
            raise ValueError("'devices' argument to pmap must be non-empty, or None.")
    if axis_size is not None and (type(axis_size) is not int or axis_size < 1):
        raise TypeError(f"pmap: axis_size must be a positive int or None, got {axis_size!r}")
    info = _PmapInfo(fun, axis_name, in_axes, out_axes, static, devices, backend, axis_size,
                     set(donate) - set(static))

    @functools.wraps(fun)
    def run(*args, **kwargs):  # what jaxlib calls when jit is disabled
        return info.cache_miss(*args, **kwargs)[0]

    options = (axis_name, repr(in_axes), repr(out_axes), devices, backend, axis_size,
               tuple(sorted(info.donate)), "pmap")
    return cpp_jit(info.name, run, api_boundary(info.cache_miss), static, (), options,
                   _shard_arg, dict(lower=api_boundary(info.lower), _xf_pmap=info), info.clear)
