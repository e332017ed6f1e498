"""The transformations users call: jit and make_jaxpr (autodiff and vmap join with their
issues), and the device helpers device_put / device_get / block_until_ready."""
import functools

import numpy as np

from . import core, dtypes, runtime
from .config import config
from .core import ShapedArray, bind, get_aval
from .errors import api_boundary
from .interpreters import ad, batching, lowering
from .interpreters import partial_eval as pe
from .interpreters.partial_eval import (convert_constvars, debug_info, partial_eval_call,
                                        trace_to_jaxpr)
from .tree import tree_flatten, tree_leaves, tree_map, tree_unflatten

class ShapeDtypeStruct:
    """A shape and dtype standing in for an array (for make_jaxpr, eval_shape, lower)."""
    __slots__ = ("shape", "dtype", "weak_type", "sharding")

    def __init__(self, shape, dtype, weak_type=False, sharding=None):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.weak_type = weak_type
        self.sharding = sharding

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: int(np.prod(self.shape)))

    def __repr__(self):
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name}{weak})"

    def __eq__(self, other):
        return (isinstance(other, ShapeDtypeStruct) and self.shape == other.shape
                and self.dtype == other.dtype and self.weak_type == other.weak_type)

    def __hash__(self):
        return hash((self.shape, self.dtype, self.weak_type))


def _arg_aval(x, name, fun_name):
    if isinstance(x, ShapeDtypeStruct):
        return ShapedArray(x.shape, dtypes.canonicalize(x.dtype), x.weak_type)
    try:
        return get_aval(x)
    except TypeError:
        raise TypeError(f"{fun_name}: argument {name} of type {type(x).__name__} is not a "
                        f"valid array type (got {x!r}); pass arrays or scalars, or mark the "
                        "argument static with static_argnums / static_argnames") from None


# ---------------------------------------------------------------------------------------
# Argument handling shared by jit and make_jaxpr

def _normalize_static(fun, static_argnums, static_argnames):
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)
    if isinstance(static_argnames, str):
        static_argnames = (static_argnames,)
    static_argnums = tuple(static_argnums or ())
    static_argnames = tuple(static_argnames or ())
    import inspect
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):
        return static_argnums, static_argnames
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    nums = {i if i >= 0 else len(positional) + i for i in static_argnums}
    names = set(static_argnames)
    for i in list(nums):
        if i < len(positional) and positional[i].kind == positional[i].POSITIONAL_OR_KEYWORD:
            names.add(positional[i].name)
    for i, p in enumerate(positional):
        if p.name in names:
            nums.add(i)
    return tuple(sorted(nums)), tuple(sorted(names))


def _split_args(args, kwargs, static_argnums, static_argnames, fun_name):
    statics = []
    dyn_args = []
    for i, a in enumerate(args):
        if i in static_argnums:
            statics.append((i, a))
        else:
            dyn_args.append(a)
    dyn_kwargs = {}
    for k, v in kwargs.items():
        if k in static_argnames:
            statics.append((k, v))
        else:
            dyn_kwargs[k] = v
    for _, value in statics:
        try:
            hash(value)
        except TypeError as e:
            raise ValueError(
                f"{fun_name}: non-hashable static arguments are not supported. An error "
                f"occurred while trying to hash an object of type {type(value).__name__}, "
                f"{value!r}. The error was: {e}. Pass a tuple instead of a list, or make the "
                f"argument non-static.") from None
    return tuple(dyn_args), dyn_kwargs, tuple(statics)


def _merge_args(dyn_args, dyn_kwargs, statics):
    args = list(dyn_args)
    kwargs = dict(dyn_kwargs)
    for key, value in statics:
        if isinstance(key, int):
            args.insert(key, value)
        else:
            kwargs[key] = value
    return args, kwargs


def _flat_fun(fun, in_tree, statics, store):
    """`fun` as a function of flat array leaves returning flat leaves; records out_tree."""
    def flat(*leaves):
        dyn_args, dyn_kwargs = tree_unflatten(in_tree, leaves)
        args, kwargs = _merge_args(dyn_args, dyn_kwargs, statics)
        out = fun(*args, **kwargs)
        out_leaves, out_tree = tree_flatten(out)
        for leaf in out_leaves:
            if not core.is_array_like(leaf):
                raise TypeError(f"{getattr(fun, '__name__', 'function')} returned a value of type "
                                f"{type(leaf).__name__} ({leaf!r}), which is not an array; "
                                "a transformed function must return arrays (in any pytree)")
        store["out_tree"] = out_tree
        return out_leaves
    return flat


def _trace(fun, args, kwargs, static_argnums, static_argnames, transform):
    """(ClosedJaxpr, out_tree, flat dynamic leaves, in_tree, statics) of fun on these args."""
    name = getattr(fun, "__name__", "fun")
    dyn_args, dyn_kwargs, statics = _split_args(args, kwargs, static_argnums, static_argnames, name)
    leaves, in_tree = tree_flatten((dyn_args, dyn_kwargs))
    debug = debug_info(fun, transform, args, kwargs, static_argnums, static_argnames)
    names = debug.arg_names if len(debug.arg_names) == len(leaves) else [f"#{i}" for i in range(len(leaves))]
    avals = [_arg_aval(x, n, name) for x, n in zip(leaves, names)]
    debug.arg_names = names
    store = {}
    closed = trace_to_jaxpr(_flat_fun(fun, in_tree, statics, store), avals, debug)
    return closed, store["out_tree"], leaves, avals, in_tree, statics


# ---------------------------------------------------------------------------------------
# The pjit primitive: a jitted call seen by an outer transformation

pjit_p = core.Primitive("pjit", multiple_results=True)
pjit_p.abstract_eval = lambda *avals, jaxpr, name: jaxpr.out_avals


def _pjit_lowering(ctx, *args, jaxpr, name):
    return lowering.lower_jaxpr_body(ctx.module_context, jaxpr, [], list(args))


lowering.register_lowering(pjit_p, _pjit_lowering)


def _pjit_jvp(primals, tangents, jaxpr, name):
    nonzeros = [type(t) is not ad.Zero for t in tangents]
    new_jaxpr, consts, out_nonzeros = ad.jvp_jaxpr(jaxpr, nonzeros)
    outs = bind(pjit_p, *consts, *primals, *[t for t in tangents if type(t) is not ad.Zero],
                jaxpr=new_jaxpr, name=name)
    n = len(jaxpr.outvars)
    touts = iter(outs[n:])
    return outs[:n], [next(touts) if nz else ad.Zero(ad.tangent_aval(a))
                      for nz, a in zip(out_nonzeros, jaxpr.out_avals)]


def _pjit_transpose(cts, *invals, jaxpr, name):
    linear = [ad.is_undefined(x) for x in invals]
    ct_nonzeros = [type(ct) is not ad.Zero for ct in cts]
    new_jaxpr, consts = ad.transpose_jaxpr(jaxpr, linear, ct_nonzeros)
    outs = iter(bind(pjit_p, *consts, *[x for x in invals if not ad.is_undefined(x)],
                     *[ct for ct in cts if type(ct) is not ad.Zero],
                     jaxpr=new_jaxpr, name=f"transpose({name})"))
    return [next(outs) if lin else None for lin in linear]


ad.primitive_jvps[pjit_p] = _pjit_jvp
ad.primitive_transposes[pjit_p] = _pjit_transpose
pe.partial_eval_rules[pjit_p] = lambda trace, args, **params: partial_eval_call(trace, pjit_p, args, params)


def _pjit_batch(trace, vals, dims, jaxpr, name):
    from .interpreters import batching
    if all(d is None for d in dims) and trace.axis_name is None:
        return (core.bind_in(trace.parent, pjit_p, vals, dict(jaxpr=jaxpr, name=name)),
                [None] * len(jaxpr.outvars))
    new_jaxpr, consts, out_dims = batching.batch_jaxpr(jaxpr, dims, trace.axis_size,
                                                       trace.axis_name)
    return bind(pjit_p, *consts, *vals, jaxpr=new_jaxpr, name=name), out_dims


batching.batchers_with_trace[pjit_p] = _pjit_batch


# ---------------------------------------------------------------------------------------
# jit

class _CacheEntry:
    __slots__ = ("compiled", "out_tree", "closed", "module")

    def __init__(self, compiled, out_tree, closed, module):
        self.compiled, self.out_tree, self.closed, self.module = compiled, out_tree, closed, module


class _JitInfo:
    """The Python side of one jitted function: its trace/compile cache and its options."""

    def __init__(self, fun, static_argnums, static_argnames, donate_argnums, device,
                 inline=False):
        self.fun = fun
        self.inline = inline  # under a transformation: trace into the caller, no pjit
        self.name = getattr(fun, "__name__", type(fun).__name__)
        self.static_argnums = static_argnums
        self.static_argnames = static_argnames
        self.donate_argnums = donate_argnums
        self.device = device
        self.cache = {}   # signature -> compiled program (called eagerly)
        self.traced = {}  # signature -> (IR, consts, out_tree), bound under transformations

    def _donated_leaves(self, args, kwargs):
        if not self.donate_argnums:
            return ()
        donated = []
        position = 0
        for i, arg in enumerate(args):
            if i in self.static_argnums:
                continue
            n = len(tree_leaves(arg))
            if i in self.donate_argnums:
                donated.extend(range(position, position + n))
            position += n
        return tuple(donated)

    def _device_for(self, leaves):
        if self.device is not None:
            return self.device
        ArrayImpl = runtime.array_type()
        for x in leaves:
            if type(x) is ArrayImpl and x._committed:
                return runtime.array_device(x)
        return runtime.default_device()

    def lower(self, args, kwargs):
        closed, out_tree, leaves, avals, in_tree, statics = _trace(
            self.fun, args, kwargs, self.static_argnums, self.static_argnames, "jit")
        module = lowering.lower_closed_jaxpr(
            closed, self.name, self._donated_leaves(args, kwargs),
            _source(self.fun))
        return closed, out_tree, leaves, avals, in_tree, statics, module

    def _explain_miss(self, key):
        if not self.cache:
            return "first call"
        in_tree, avals, statics, device, x64 = key
        reasons = []
        for old_tree, old_avals, old_statics, old_device, old_x64 in self.cache:
            diff = []
            if old_tree != in_tree:
                diff.append(f"argument structure changed from {old_tree} to {in_tree}")
            elif old_avals != avals:
                for i, (a, b) in enumerate(zip(old_avals, avals)):
                    if a != b:
                        diff.append(f"argument {i} changed from {a!r} to {b!r}")
            if old_statics != statics:
                diff.append(f"static arguments changed from {old_statics} to {statics}")
            if old_device != device:
                diff.append(f"device changed from {old_device} to {device}")
            if old_x64 != x64:
                diff.append(f"enable_x64 changed from {old_x64} to {x64}")
            reasons.append("; ".join(diff) or "cache evicted")
        return min(reasons, key=len)

    def call_traced(self, args, kwargs):
        """Under a transformation: bind pjit with the function's IR, traced once per
        signature (unless it captured traced values), so the transformations of the same
        IR are cached too."""
        dyn_args, dyn_kwargs, statics = _split_args(
            args, kwargs, self.static_argnums, self.static_argnames, self.name)
        leaves, in_tree = tree_flatten((dyn_args, dyn_kwargs))
        key = (in_tree, tuple(_arg_aval(x, f"#{i}", self.name) for i, x in enumerate(leaves)),
               statics, dtypes.x64_enabled())
        hit = self.traced.get(key)
        if hit is None:
            closed, out_tree = _trace(self.fun, args, kwargs, self.static_argnums,
                                      self.static_argnames, "jit")[:2]
            hit = (*convert_constvars(closed), out_tree)
            if not any(isinstance(c, core.Tracer) for c in hit[1]):
                self.traced[key] = hit
        jaxpr, consts, out_tree = hit
        outs = bind(pjit_p, *consts, *leaves, jaxpr=jaxpr, name=self.name)
        return tree_unflatten(out_tree, outs)

    def cache_miss(self, *args, **kwargs):
        trace = core.current_trace()
        if trace is not core.eval_trace or any(isinstance(x, core.Tracer)
                                               for x in tree_leaves((args, kwargs))):
            if self.inline:
                return self.fun(*args, **kwargs), None, False
            return self.call_traced(args, kwargs), None, False
        dyn_args, dyn_kwargs, statics = _split_args(
            args, kwargs, self.static_argnums, self.static_argnames, self.name)
        leaves, in_tree = tree_flatten((dyn_args, dyn_kwargs))
        avals = tuple(_arg_aval(x, f"#{i}", self.name) for i, x in enumerate(leaves))
        device = self._device_for(leaves)
        # The x64 switch changes what tracing produces (canonical dtypes), so it is part of
        # the key: the C++ dispatcher misses after a switch and must not find a stale entry.
        key = (in_tree, avals, statics, device, dtypes.x64_enabled())
        entry = self.cache.get(key)
        if entry is None:
            reason = self._explain_miss(key)
            closed, out_tree, leaves, avals, _, _, module = self.lower(args, kwargs)
            compiled = runtime.Compiled(runtime.compile(module, device), device, closed.out_avals,
                                        self._donated_leaves(args, kwargs),
                                        runtime.sharding_for(device))
            entry = self.cache[key] = _CacheEntry(compiled, out_tree, closed, module)
            if config.read("log_compiles"):
                runtime.logger().warning("Compiling %s for args %s (%s)", self.name,
                               [a.str_short() for a in avals], reason)
        arrays = [_to_device(x, a, device) for x, a in zip(leaves, avals)]
        outs = entry.compiled(*arrays)
        fast = runtime.fast_path(entry.compiled, entry.out_tree, len(arrays))
        return tree_unflatten(entry.out_tree, outs), fast, False


def _source(fun):
    code = getattr(fun, "__code__", None)
    return (code.co_filename, code.co_firstlineno) if code is not None else None


def _to_device(x, aval, device):
    ArrayImpl = runtime.array_type()
    if type(x) is ArrayImpl:
        if runtime.array_device(x) == device:
            return x
        return runtime.copy_to_device(x, device)
    return runtime.device_put(x, aval, device, committed=False)


def _shard_arg(x, sharding, layout):
    """Called by the C++ dispatcher for arguments that are not device arrays."""
    return _to_device(x, get_aval(x), sharding.device)


class Lowered:
    """The StableHLO module of a jitted function for given argument types."""

    def __init__(self, info, module, closed, out_tree, device, donated):
        self._info, self._module, self.jaxpr = info, module, closed
        self.out_tree, self._device, self._donated = out_tree, device, donated

    def as_text(self, dialect="stablehlo", debug_info=False):
        return lowering.module_text(self._module, debug_info)

    def compiler_ir(self, dialect="stablehlo"):
        return self._module

    def compile(self):
        compiled = runtime.Compiled(runtime.compile(self._module, self._device), self._device,
                                    self.jaxpr.out_avals, self._donated,
                                    runtime.sharding_for(self._device))
        return Compiled(compiled, self.out_tree, self.jaxpr.in_avals)


class Compiled:
    """An executable compiled ahead of time; call it with arguments of the lowered types."""

    def __init__(self, compiled, out_tree, in_avals):
        self._compiled, self.out_tree, self.in_avals = compiled, out_tree, in_avals

    def as_text(self):
        return self._compiled.hlo_text()

    def cost_analysis(self):
        return self._compiled.cost_analysis()

    def memory_analysis(self):
        return self._compiled.memory_analysis()

    def __call__(self, *args, **kwargs):
        leaves = tree_leaves((args, kwargs))
        avals = [get_aval(x) for x in leaves]
        if [a.strip_weak_type() for a in avals] != [a.strip_weak_type() for a in self.in_avals]:
            raise TypeError(f"Compiled: called with argument types "
                            f"{[a.str_short() for a in avals]} but it was compiled for "
                            f"{[a.str_short() for a in self.in_avals]}")
        device = self._compiled.device
        outs = self._compiled(*[_to_device(x, a, device) for x, a in zip(leaves, self.in_avals)])
        return tree_unflatten(self.out_tree, outs)


def _jit_lower(self, *args, **kwargs):
    info = self._xf_jit
    closed, out_tree, leaves, avals, _, _, module = info.lower(args, kwargs)
    return Lowered(info, module, closed, out_tree, info._device_for(leaves),
                   info._donated_leaves(args, kwargs))


def _jit_trace(self, *args, **kwargs):
    info = self._xf_jit
    closed = _trace(info.fun, args, kwargs, info.static_argnums, info.static_argnames, "jit")[0]
    return closed


def _jit_eval_shape(self, *args, **kwargs):
    return eval_shape(self._xf_jit.fun, *args, **kwargs)


def _jit_clear_cache(self):
    self._xf_jit.cache.clear()
    self._xf_jit.traced.clear()
    self._clear_cache()


def _install_jit_methods():
    cls = runtime.jit_function_type()
    if getattr(cls, "_xf_methods", False):
        return
    cls.lower = api_boundary(_jit_lower)
    cls.trace = api_boundary(_jit_trace)
    cls.eval_shape = api_boundary(_jit_eval_shape)
    cls.clear_cache = _jit_clear_cache
    cls._xf_methods = True


def jit(fun=None, *, static_argnums=None, static_argnames=None, donate_argnums=None,
        donate_argnames=None, device=None, backend=None, inline=False, keep_unused=False):
    """Compiles `fun` with XLA: traced once per argument signature (shapes, dtypes, weak
    types, tree structure and static values), then called through the C++ dispatcher.

    >>> f = jit(lambda x, y: x * y + 1)
    >>> f(np.arange(3.0), 2.0)
    Array([1., 3., 5.], dtype=float32)
    """
    if fun is None:
        return functools.partial(jit, static_argnums=static_argnums,
                                 static_argnames=static_argnames, donate_argnums=donate_argnums,
                                 donate_argnames=donate_argnames, device=device,
                                 backend=backend, inline=inline, keep_unused=keep_unused)
    if not callable(fun):
        raise TypeError(f"jit: expected a callable, got {fun!r} of type {type(fun).__name__}")
    static_argnums, static_argnames = _normalize_static(fun, static_argnums, static_argnames)
    donate = set(donate_argnums if not isinstance(donate_argnums, int) else (donate_argnums,)) \
        if donate_argnums is not None else set()
    if donate_argnames:
        names = (donate_argnames,) if isinstance(donate_argnames, str) else donate_argnames
        import inspect
        params = list(inspect.signature(fun).parameters)
        donate.update(params.index(n) for n in names if n in params)
    if backend is not None and device is None:
        device = runtime.local_devices(backend=backend)[0]
    info = _JitInfo(fun, static_argnums, static_argnames, tuple(sorted(donate)), device,
                    inline)
    _install_jit_methods()
    cpp = runtime.cpp_jit(info.name, fun, api_boundary(info.cache_miss), static_argnums,
                          static_argnames, (tuple(sorted(donate)), device), _shard_arg)
    try:
        functools.update_wrapper(cpp, fun)
    except (AttributeError, TypeError):
        pass
    cpp._xf_jit = info
    return cpp


# ---------------------------------------------------------------------------------------
# make_jaxpr and eval_shape

def make_jaxpr(fun, static_argnums=(), return_shape=False):
    """A function returning the IR (ClosedJaxpr) of `fun` for the given arguments.

    >>> print(make_jaxpr(lambda x: np.sin(x) * 2)(1.0))
    { lambda ; a:f32[]. let
        b:f32[] = sin a
        c:f32[] = mul b 2.0:f32[]
      in (c,) }
    """
    static_argnums, static_argnames = _normalize_static(fun, static_argnums, ())

    @api_boundary
    @functools.wraps(fun)
    def make(*args, **kwargs):
        closed, out_tree = _trace(fun, args, kwargs, static_argnums, static_argnames,
                                  "make_jaxpr")[:2]
        if return_shape:
            shapes = [ShapeDtypeStruct(a.shape, a.dtype, a.weak_type) for a in closed.out_avals]
            return closed, tree_unflatten(out_tree, shapes)
        return closed

    return make


@api_boundary
def eval_shape(fun, *args, **kwargs):
    """The output shapes and dtypes of `fun(*args)` as ShapeDtypeStructs, without running it."""
    closed, out_tree = _trace(fun, args, kwargs, (), (), "eval_shape")[:2]
    shapes = [ShapeDtypeStruct(a.shape, a.dtype, a.weak_type) for a in closed.out_avals]
    return tree_unflatten(out_tree, shapes)


# ---------------------------------------------------------------------------------------
# Devices and transfers

def devices(backend=None):
    """All devices of the default backend (or of `backend`: 'cpu', 'gpu')."""
    return runtime.devices(backend)


def local_devices(process_index=None, backend=None):
    return runtime.local_devices(process_index, backend)


def device_count(backend=None):
    return runtime.device_count(backend)


def local_device_count(backend=None):
    return runtime.local_device_count(backend)


def default_backend():
    return runtime.default_backend()


def process_index():
    return runtime.process_index()


def process_count():
    return 1


@api_boundary
def device_put(x, device=None):
    """Copies every leaf of pytree `x` to `device` (the default device if None).

    >>> y = device_put(np.ones(3), devices()[0])
    """
    if device is not None and not isinstance(device, type(runtime.default_device())):
        if hasattr(device, "device"):  # a single-device sharding
            device = device.device
        else:
            raise TypeError(f"device_put: device must be an xlafront device or None, got "
                            f"{device!r}")
    ArrayImpl = runtime.array_type()

    def put(leaf):
        if type(leaf) is ArrayImpl:
            if device is None or runtime.array_device(leaf) == device:
                return leaf
            return runtime.copy_to_device(leaf, device)
        if isinstance(leaf, core.Tracer):
            return leaf
        aval = get_aval(leaf)
        return runtime.device_put(leaf, aval, device)

    return tree_map(put, x)


def device_get(x):
    """Copies every Array leaf of pytree `x` to a NumPy array on the host."""
    ArrayImpl = runtime.array_type()
    leaves = [l for l in tree_leaves(x) if type(l) is ArrayImpl]
    for leaf in leaves:
        leaf.copy_to_host_async()
    return tree_map(lambda l: np.asarray(l) if type(l) is ArrayImpl else l, x)


def block_until_ready(x):
    """Waits until every Array in pytree `x` is computed; returns `x`."""
    ArrayImpl = runtime.array_type()
    arrays = [l for l in tree_leaves(x) if type(l) is ArrayImpl]
    if arrays:
        runtime.block_until_ready(arrays)
    return x


# ---------------------------------------------------------------------------------------
# Automatic differentiation: jvp, linearize, vjp, grad, value_and_grad

def _flatten_fun(fun, in_tree, store, what="function", has_aux=False):
    """`fun` of pytrees as a function of flat leaves; the output tree lands in store. With
    has_aux, fun returns (output, aux): the array leaves of aux follow the output leaves
    (so transformations lift them out like outputs), counted in store["num_aux"]."""
    def flat(*leaves):
        out = fun(*tree_unflatten(in_tree, list(leaves)))
        aux_arrays = []
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(f"{what}: has_aux=True requires the function to return a pair "
                                f"(output, auxiliary data), got {type(out).__name__}")
            out, aux = out
            store["aux_leaves"], store["aux_tree"] = tree_flatten(aux)
            aux_arrays = [x for x in store["aux_leaves"] if core.is_array_like(x)]
        out_leaves, store["out_tree"] = tree_flatten(out)
        for leaf in out_leaves:
            if not core.is_array_like(leaf):
                raise TypeError(f"{what}: the function returned a value of type "
                                f"{type(leaf).__name__} ({leaf!r}), which is not an array")
        store["num_aux"] = len(aux_arrays)
        return out_leaves + aux_arrays
    return flat


def _split_aux_outputs(store, outs):
    """(the function's outputs, its aux tree rebuilt from the lifted aux arrays)."""
    n = len(outs) - store.get("num_aux", 0)
    if "aux_tree" not in store:
        return outs, None
    lifted = iter(outs[n:])
    leaves = [next(lifted) if core.is_array_like(x) else x for x in store["aux_leaves"]]
    return outs[:n], tree_unflatten(store["aux_tree"], leaves)


def _check_tangent(op, i, primal, tangent):
    p_aval, t_aval = get_aval(primal), get_aval(tangent)
    expected = ad.tangent_aval(p_aval)
    if t_aval.shape != p_aval.shape:
        raise ValueError(f"{op}: primal and tangent at position {i} must have the same shape, "
                         f"got primal shape {p_aval.shape} and tangent shape {t_aval.shape}")
    if t_aval.dtype != expected.dtype:
        raise TypeError(f"{op}: the tangent at position {i} must have dtype "
                        f"{expected.dtype.name if expected.dtype != dtypes.float0 else 'float0'}"
                        f" for a primal of dtype {p_aval.dtype.name}, got {t_aval.dtype.name}")


def _zero_tangent_output(aval):
    return ad.zeros_like_aval(ad.tangent_aval(aval))


@api_boundary
def jvp(fun, primals, tangents, has_aux=False):
    """Forward-mode derivative: (fun(*primals), the directional derivative along tangents).

    >>> jvp(np.sin, (0.5,), (1.0,))   # (sin 0.5, cos 0.5)
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(f"jvp: primals and tangents must be tuples or lists, got "
                        f"{type(primals).__name__} and {type(tangents).__name__}")
    p_leaves, p_tree = tree_flatten(tuple(primals))
    t_leaves, t_tree = tree_flatten(tuple(tangents))
    if p_tree != t_tree:
        raise TypeError(f"jvp: primal and tangent arguments must have the same tree structure, "
                        f"got {p_tree} and {t_tree}")
    tans = []
    for i, (p, t) in enumerate(zip(p_leaves, t_leaves)):
        _check_tangent("jvp", i, p, t)
        tans.append(ad.Zero(get_aval(t)) if get_aval(t).dtype == dtypes.float0 else t)
    store = {}
    flat = _flatten_fun(fun, p_tree, store, "jvp", has_aux)
    outs, touts = ad.jvp_flat(flat, p_leaves, tans)
    outs, aux = _split_aux_outputs(store, outs)
    touts = [ad.instantiate(t) for t in touts[:len(outs)]]
    out_tree = store["out_tree"]
    result = tree_unflatten(out_tree, outs), tree_unflatten(out_tree, touts)
    return (*result, aux) if has_aux else result


def _linearize(fun, primals, has_aux, op):
    p_leaves, in_tree = tree_flatten(tuple(primals))
    for i, leaf in enumerate(p_leaves):
        _arg_aval(leaf, f"#{i}", op)
    store = {}
    flat = _flatten_fun(fun, in_tree, store, op, has_aux)
    outs, linear, in_mask, out_mask = ad.linearize_flat(
        flat, p_leaves, lambda: store.get("num_aux", 0))
    outs, store["aux"] = _split_aux_outputs(store, outs)
    return p_leaves, in_tree, outs, store, linear, in_mask, out_mask


@api_boundary
def linearize(fun, *primals, has_aux=False):
    """(fun(*primals), f_jvp) where f_jvp(*tangents) evaluates the jvp at `primals` from a
    staged linear program (primal work is not repeated).

    >>> y, f_jvp = linearize(np.sin, 0.5); f_jvp(1.0)   # cos(0.5)
    """
    p_leaves, in_tree, outs, store, linear, in_mask, out_mask = _linearize(
        fun, primals, has_aux, "linearize")
    out_tree = store["out_tree"]
    out_avals = [get_aval(o) for o in outs]

    def f_jvp(*tangents):
        t_leaves, t_tree = tree_flatten(tuple(tangents))
        if t_tree != in_tree:
            raise TypeError(f"linearize: the tangents must have the structure of the primals "
                            f"{in_tree}, got {t_tree}")
        for i, (p, t) in enumerate(zip(p_leaves, t_leaves)):
            _check_tangent("linearize", i, p, t)
        touts = iter(core.eval_jaxpr(linear.jaxpr, linear.consts,
                                     *[t for t, m in zip(t_leaves, in_mask) if m]))
        return tree_unflatten(out_tree, [next(touts) if m else _zero_tangent_output(a)
                                         for m, a in zip(out_mask, out_avals)])

    result = tree_unflatten(out_tree, outs), f_jvp
    return (*result, store["aux"]) if has_aux else result


@api_boundary
def vjp(fun, *primals, has_aux=False):
    """(fun(*primals), f_vjp) where f_vjp(cotangent) pulls a cotangent of the output back
    to a tuple of cotangents of the inputs (reverse mode).

    >>> y, f_vjp = vjp(lambda x: x ** 2, 3.0); f_vjp(1.0)   # (6.0,)
    """
    p_leaves, in_tree, outs, store, linear, in_mask, out_mask = _linearize(
        fun, primals, has_aux, "vjp")
    out_tree = store["out_tree"]
    out_avals = [get_aval(o) for o in outs]
    in_avals = [get_aval(p) for p in p_leaves]

    def f_vjp(cotangent):
        ct_leaves, ct_tree = tree_flatten(cotangent)
        if ct_tree != out_tree:
            raise TypeError(f"vjp: the cotangent must have the structure of the function's "
                            f"output {out_tree}, got {ct_tree}")
        for i, (o, ct) in enumerate(zip(out_avals, ct_leaves)):
            ct_aval = get_aval(ct)
            if ct_aval.shape != o.shape or (ct_aval.dtype != ad.tangent_aval(o).dtype
                                            and ct_aval.dtype != dtypes.float0):
                raise ValueError(f"vjp: the cotangent at output position {i} must have shape "
                                 f"{o.shape} and dtype {ad.tangent_aval(o).dtype.name}, got "
                                 f"{ct_aval.str_short()}")
        cts = ad.backward_pass(linear.jaxpr, linear.consts,
                               [ct for ct, m in zip(ct_leaves, out_mask) if m])
        cts = iter(cts)
        return tree_unflatten(in_tree, [ad.instantiate(next(cts)) if m else
                                        _zero_tangent_output(a)
                                        for m, a in zip(in_mask, in_avals)])

    result = tree_unflatten(out_tree, outs), f_vjp
    return (*result, store["aux"]) if has_aux else result


def _argnums_partial(op, fun, argnums, args, kwargs):
    multiple = not isinstance(argnums, int)
    nums = tuple(argnums) if multiple else (argnums,)
    if not nums and multiple:
        raise ValueError(f"{op}: argnums must not be empty")
    for n in nums:
        if not isinstance(n, int) or not -len(args) <= n < len(args):
            raise TypeError(f"{op}: argnums {argnums!r} out of range for a call with "
                            f"{len(args)} positional arguments")
    nums = tuple(n % len(args) for n in nums)

    def partial(*dyn):
        full = list(args)
        for n, d in zip(nums, dyn):
            full[n] = d
        return fun(*full, **kwargs)
    return partial, tuple(args[n] for n in nums), multiple


def _check_inputs(op, dyn, holomorphic, allow_int):
    for leaf in tree_leaves(dyn):
        dtype = _arg_aval(leaf, "", op).dtype
        if holomorphic:
            if dtypes.kind(dtype) != "c":
                raise TypeError(f"{op} with holomorphic=True requires inputs with complex "
                                f"dtype, but got {dtype.name}")
        elif not dtypes.is_inexact(dtype) and not allow_int:
            raise TypeError(f"{op} requires real- or complex-valued inputs (input dtype that "
                            f"is a sub-dtype of np.inexact), but got {dtype.name}. If you want "
                            f"to use integer or boolean inputs, use vjp or set allow_int=True.")


def _check_scalar_output(op, ans, holomorphic):
    aval = get_aval(ans)
    if aval.shape != ():
        raise TypeError(f"{op}: gradient only defined for scalar-output functions. Output had "
                        f"shape {aval.shape} ({aval.str_short()}); use jacrev or vjp for "
                        "non-scalar outputs")
    if holomorphic:
        if dtypes.kind(aval.dtype) != "c":
            raise TypeError(f"{op} with holomorphic=True requires outputs with complex dtype, "
                            f"but got {aval.dtype.name}")
    elif dtypes.kind(aval.dtype) != "f":
        raise TypeError(f"{op} requires real-valued outputs (output dtype that is a sub-dtype "
                        f"of np.floating), but got {aval.dtype.name}. For holomorphic "
                        "differentiation pass holomorphic=True; for complex outputs in "
                        "general use vjp.")


def value_and_grad(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False,
                   reduce_axes=()):
    """A function returning (fun(*args), the gradient of fun with respect to argnums).

    >>> value_and_grad(lambda x: (x ** 2).sum())(np.arange(3.0))   # (5.0, [0., 2., 4.])
    """
    name = getattr(fun, "__name__", "fun")

    @api_boundary
    @functools.wraps(fun)
    def value_and_grad_f(*args, **kwargs):
        partial, dyn, multiple = _argnums_partial("grad", fun, argnums, args, kwargs)
        _check_inputs("grad", dyn, holomorphic, allow_int)
        out = vjp(partial, *dyn, has_aux=has_aux)
        ans, f_vjp = out[0], out[1]
        _check_scalar_output(f"grad of {name}", ans, holomorphic)
        g = f_vjp(np.ones((), get_aval(ans).dtype))
        g = g if multiple else g[0]
        return ((ans, out[2]), g) if has_aux else (ans, g)

    return value_and_grad_f


def grad(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False, reduce_axes=()):
    """The gradient of scalar-valued `fun` with respect to the arguments at argnums.

    >>> grad(lambda x: np.sin(x))(0.0)   # 1.0
    """
    value_and_grad_f = value_and_grad(fun, argnums, has_aux, holomorphic, allow_int)

    @functools.wraps(fun)
    def grad_f(*args, **kwargs):
        (_, aux), g = value_and_grad_f(*args, **kwargs) if has_aux else (
            (None, None), value_and_grad_f(*args, **kwargs)[1])
        return (g, aux) if has_aux else g

    return grad_f


# ---------------------------------------------------------------------------------------
# vmap

class _NoAxis:
    """Stands for `None` in an axes tree (where None would be an empty subtree)."""


def _flatten_axes(what, treedef, axis_tree):
    """One axis (int or None) per leaf of `treedef`, from an axes tree that is a prefix of
    it (an int or None applies to a whole subtree)."""
    proxy = _NoAxis()
    dummy = tree_unflatten(treedef, [object()] * treedef.num_leaves)
    axes = []
    replaced = tree_map(lambda a: proxy if a is None else a, axis_tree,
                        is_leaf=lambda a: a is None)
    try:
        tree_map(lambda axis, sub: axes.extend([axis] * len(tree_leaves(sub))), replaced, dummy,
                 is_leaf=lambda a: a is proxy)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{what} specification must be a tree prefix of the corresponding "
                         f"value, got specification {axis_tree!r} for value tree {treedef}. "
                         f"({e})") from None
    result = []
    for a in axes:
        if a is proxy:
            result.append(None)
        elif isinstance(a, int) and not isinstance(a, bool):
            result.append(a)
        else:
            raise TypeError(f"{what} must be ints or None, got {a!r}")
    return result


def vmap(fun, in_axes=0, out_axes=0, axis_name=None, axis_size=None, spmd_axis_name=None):
    """Vectorizes `fun` over the axes `in_axes` of its arguments: the result stacks the
    outputs of every example along `out_axes`.

    >>> vmap(lambda row: row.sum())(np.ones((3, 4)))   # [4., 4., 4.]
    """
    if isinstance(in_axes, list):
        raise TypeError(f"vmap: in_axes must be an int, None, or a tuple of entries for the "
                        f"positional arguments, got the list {in_axes!r}; use a tuple")
    if not callable(fun):
        raise TypeError(f"vmap: expected a callable, got {fun!r}")
    from .interpreters import batching

    @api_boundary
    @functools.wraps(fun)
    def vmap_f(*args, **kwargs):
        if isinstance(in_axes, tuple) and len(in_axes) != len(args):
            raise ValueError(f"vmap: in_axes has {len(in_axes)} entries {in_axes!r} but the "
                             f"function was called with {len(args)} positional arguments")
        leaves, in_tree = tree_flatten((args, kwargs))
        dims = _flatten_axes("vmap in_axes", in_tree, (in_axes, 0))
        names = []

        def name(i):  # the argument's name, for error messages only (computed on demand)
            if not names:
                names[:] = debug_info(fun, "vmap", args, kwargs).arg_names
                if len(names) != len(leaves):
                    names[:] = [f"argument {i}" for i in range(len(leaves))]
            return names[i]

        sizes = []
        for i, (x, d) in enumerate(zip(leaves, dims)):
            if d is None:
                continue
            try:
                aval = get_aval(x)
            except TypeError:
                aval = _arg_aval(x, name(i), "vmap")  # raises with the argument's name
            if not -aval.ndim <= d < aval.ndim:
                raise ValueError(f"vmap was requested to map its argument {name(i)} along axis "
                                 f"{d}, which implies that its rank should be at least "
                                 f"{d + 1 if d >= 0 else -d}, but is only {aval.ndim} (its "
                                 f"shape is {aval.shape})")
            dims[i] = d % aval.ndim
            sizes.append((i, dims[i], aval))
        size = axis_size
        found = {aval.shape[d] for _, d, aval in sizes}
        if len(found) > 1 or (axis_size is not None and found and found != {axis_size}):
            lines = "\n".join(f"  * {name(i)} has size {aval.shape[d]} along axis {d} (shape "
                              f"{aval.shape})" for i, d, aval in sizes)
            raise ValueError(f"vmap got inconsistent sizes for array axes to be mapped:\n"
                             f"{lines}" + (f"\n  * axis_size is {axis_size}"
                                           if axis_size is not None else ""))
        if found:
            size = found.pop()
        elif size is None:
            raise ValueError("vmap must have at least one non-None value in in_axes, or be "
                             "given axis_size")
        store = {}
        flat = _flatten_fun(lambda a, k: fun(*a, **k), in_tree, store, "vmap")
        outs = batching.vmap_flat(
            flat, leaves, dims,
            lambda n: _flatten_axes("vmap out_axes", store["out_tree"], out_axes),
            size, axis_name)
        return tree_unflatten(store["out_tree"], outs)

    return vmap_f


# ---------------------------------------------------------------------------------------
# Jacobians and Hessians

def _std_basis(leaves):
    """The identity of the flattened inputs, one row per scalar input: a matrix (N, N)
    split into a (N, *leaf.shape) block per leaf."""
    from . import numpy as xnp
    avals = [get_aval(x) for x in leaves]
    sizes = [a.size for a in avals]
    total = sum(sizes)
    dtype = dtypes.result_type(*[a.dtype for a in avals]) if avals else dtypes.float32
    eye = xnp.eye(total, dtype=dtype)
    blocks, start = [], 0
    for a, n in zip(avals, sizes):
        blocks.append(eye[:, start:start + n].reshape((total,) + a.shape).astype(a.dtype))
        start += n
    return blocks


def _unravel(jac_leaf, leaves, out_shape):
    """Splits a Jacobian block (*out_shape, N), N the flattened inputs, into one array per
    input leaf, of shape out_shape + leaf.shape."""
    results, start = [], 0
    for leaf in leaves:
        aval = get_aval(leaf)
        results.append(jac_leaf[..., start:start + aval.size].reshape(out_shape + aval.shape))
        start += aval.size
    return results


def _jac_result(out_tree, per_out, in_tree, multiple):
    """The output tree whose leaves are input trees (JAX's Jacobian layout)."""
    def inner(blocks):
        args = tree_unflatten(in_tree, blocks)
        return args if multiple else args[0]
    return tree_unflatten(out_tree, [inner(b) for b in per_out])


def jacfwd(fun, argnums=0, has_aux=False, holomorphic=False):
    """The Jacobian of `fun` by forward mode (one jvp per input element, vectorized).

    >>> jacfwd(lambda x: x ** 2)(np.arange(3.0))   # diag([0., 2., 4.])
    """
    @api_boundary
    @functools.wraps(fun)
    def jacfun(*args, **kwargs):
        partial, dyn, multiple = _argnums_partial("jacfwd", fun, argnums, args, kwargs)
        _check_inputs("jacfwd", dyn, holomorphic, False)
        leaves, in_tree = tree_flatten(dyn)
        store = {}
        flat = _flatten_fun(partial, in_tree, store, "jacfwd", has_aux)
        sizes = {}

        def push(*basis):
            outs, touts = ad.jvp_flat(flat, leaves, list(basis))
            n = len(outs) - store["num_aux"]
            sizes["out"], sizes["aux"] = n, store["num_aux"]
            return list(outs) + [ad.instantiate(t) for t in touts[:n]]

        from .interpreters import batching
        basis = _std_basis(leaves)
        results = batching.vmap_flat(
            push, basis, [0] * len(basis),
            lambda n: [None] * (sizes["out"] + sizes["aux"]) + [-1] * sizes["out"],
            basis[0].shape[0] if basis else 0)
        outs = results[:sizes["out"]]
        jacs = results[sizes["out"] + sizes["aux"]:]
        _check_real_outputs("jacfwd", outs, holomorphic)
        per_out = [_unravel(j, leaves, get_aval(o).shape) for o, j in zip(outs, jacs)]
        jac = _jac_result(store["out_tree"], per_out, in_tree, multiple)
        if has_aux:
            return jac, _split_aux_outputs(store, results[:sizes["out"] + sizes["aux"]])[1]
        return jac

    return jacfun


def _check_real_outputs(op, outs, holomorphic):
    for o in outs:
        dtype = get_aval(o).dtype
        if holomorphic and dtypes.kind(dtype) != "c":
            raise TypeError(f"{op} with holomorphic=True requires outputs with complex dtype, "
                            f"but got {dtype.name}")
        if not holomorphic and not dtypes.is_inexact(dtype):
            raise TypeError(f"{op} requires real- or complex-valued outputs (output dtype that "
                            f"is a sub-dtype of np.inexact), but got {dtype.name}")


def jacrev(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False):
    """The Jacobian of `fun` by reverse mode (one vjp per output element, vectorized).

    >>> jacrev(lambda x: x ** 2)(np.arange(3.0))   # diag([0., 2., 4.])
    """
    @api_boundary
    @functools.wraps(fun)
    def jacfun(*args, **kwargs):
        partial, dyn, multiple = _argnums_partial("jacrev", fun, argnums, args, kwargs)
        _check_inputs("jacrev", dyn, holomorphic, allow_int)
        out = vjp(partial, *dyn, has_aux=has_aux)
        y, f_vjp = out[0], out[1]
        out_leaves, out_tree = tree_flatten(y)
        _check_real_outputs("jacrev", out_leaves, holomorphic)
        from .interpreters import batching
        in_leaves, in_tree = tree_flatten(dyn)
        basis = _std_basis(out_leaves)
        total = basis[0].shape[0] if basis else 0

        def pull(*cts):
            return tree_leaves(f_vjp(tree_unflatten(out_tree, list(cts))))

        cols = batching.vmap_flat(pull, basis, [0] * len(basis),
                                  lambda n: [0] * n, total)  # one (M, *in_shape) per input
        per_out = [[] for _ in out_leaves]
        for col, leaf in zip(cols, in_leaves):
            in_shape = get_aval(leaf).shape
            start = 0
            for k, o in enumerate(out_leaves):
                o_shape = get_aval(o).shape
                m = get_aval(o).size
                per_out[k].append(col[start:start + m].reshape(o_shape + in_shape))
                start += m
        jac = _jac_result(out_tree, per_out, in_tree, multiple)
        return (jac, out[2]) if has_aux else jac

    return jacfun


def jacobian(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False):
    """Alias of jacrev."""
    return jacrev(fun, argnums, has_aux, holomorphic, allow_int)


def hessian(fun, argnums=0, has_aux=False, holomorphic=False):
    """The Hessian of scalar `fun`: jacfwd(jacrev(fun)).

    >>> hessian(lambda x: (x ** 3).sum())(np.arange(3.0))   # diag(6x)
    """
    return jacfwd(jacrev(fun, argnums, has_aux, holomorphic), argnums, has_aux, holomorphic)
