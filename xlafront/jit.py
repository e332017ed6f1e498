"""jit: staging a Python function into IR, the `pjit` primitive that carries it through
other transformations, compilation per argument signature, jaxlib's C++ dispatcher, and
the ahead-of-time objects (`Lowered`, `Compiled`); also make_jaxpr and eval_shape.

It sits below lax: eager execution of lax and NumPy functions is jit of a small program
(see dispatch.py), so running eagerly never reaches above this layer.
"""
import contextlib
import functools
import inspect

import numpy as np

from . import core, dtypes, runtime
from .config import TRACE_OPTIONS, config, trace_context
from .core import ShapedArray, bind, get_aval
from .errors import api_boundary, extend_name_stack, take_callback_error
from .interpreters import ad, batching, lowering
from .interpreters import partial_eval as pe
from .interpreters.partial_eval import (convert_constvars, debug_info, flatten_fun,
                                        trace_to_jaxpr)
from .tree import tree_flatten, tree_leaves, tree_unflatten

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


def arg_aval(x, name, fun_name):
    if isinstance(x, ShapeDtypeStruct):
        return ShapedArray(x.shape, dtypes.canonicalize(x.dtype), x.weak_type)
    try:
        return get_aval(x)
    except TypeError:
        raise TypeError(
            f"Error interpreting argument to {fun_name} as an abstract array. The problematic "
            f"value is of type {type(x)} and was passed to the function at path {name}.\n"
            "This typically means that a jit-wrapped function was called with a non-array "
            "argument, and this argument was not marked as static using the static_argnums "
            "or static_argnames parameters of jax.jit.") from None


# ---------------------------------------------------------------------------------------
# Argument handling shared by jit and make_jaxpr

def normalize_static(fun, static_argnums, static_argnames):
    """(positions, names) of fun's static parameters as sorted tuples, each completed from
    the other through fun's signature (a static parameter counts by position or name)."""
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)
    if isinstance(static_argnames, str):
        static_argnames = (static_argnames,)
    static_argnums = tuple(static_argnums or ())
    static_argnames = tuple(static_argnames or ())
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):
        return static_argnums, static_argnames
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    kinds = {p.kind for p in params}
    if inspect.Parameter.VAR_POSITIONAL not in kinds and any(
            not -len(positional) <= i < len(positional) for i in static_argnums):
        raise ValueError(f"Jitted function has static_argnums={static_argnums}, but only "
                         f"accepts {len(positional)} positional arguments.")
    invalid = set(static_argnames) - {p.name for p in params}
    if inspect.Parameter.VAR_KEYWORD not in kinds and invalid:
        raise ValueError(f"Jitted function has invalid argnames {invalid} in static_argnames. "
                         "Function does not take these args.")
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


def _trace(fun, args, kwargs, static_argnums, static_argnames, transform):
    """(ClosedJaxpr, out_tree, flat dynamic leaves, in_tree, statics) of fun on these args."""
    name = getattr(fun, "__name__", "fun")
    if transform == "jit" and config.read("no_tracing"):
        raise RuntimeError(f"re-tracing function {name} for `jit`, but 'no_tracing' is set")
    dyn_args, dyn_kwargs, statics = _split_args(args, kwargs, static_argnums, static_argnames, name)
    leaves, in_tree = tree_flatten((dyn_args, dyn_kwargs))
    debug = debug_info(fun, transform, args, kwargs, static_argnums, static_argnames)
    names = debug.arg_names if len(debug.arg_names) == len(leaves) else [f"#{i}" for i in range(len(leaves))]
    avals = [arg_aval(x, n, name) for x, n in zip(leaves, names)]
    debug.arg_names = names
    store = {}

    def call(dyn_args, dyn_kwargs):
        args, kwargs = _merge_args(dyn_args, dyn_kwargs, statics)
        return fun(*args, **kwargs)

    closed = trace_to_jaxpr(flatten_fun(call, in_tree, store, name), avals, debug)
    return closed, store["out_tree"], leaves, avals, in_tree, statics


# ---------------------------------------------------------------------------------------
# The pjit primitive: a jitted call seen by an outer transformation

pjit_p = core.Primitive("pjit", multiple_results=True)
pjit_p.abstract_eval = lambda *avals, jaxpr, name: jaxpr.out_avals


def _pjit_lowering(ctx, *args, jaxpr, name):
    return lowering.lower_jaxpr_body(ctx.module_context, jaxpr, [], list(args))


lowering.register_lowering(pjit_p, _pjit_lowering)


ad.primitive_jvps[pjit_p] = ad.call_jvp(pjit_p)
ad.primitive_transposes[pjit_p] = ad.call_transpose(
    pjit_p, lambda params: dict(params, name=f"transpose({params['name']})"))
pe.partial_eval_rules[pjit_p] = pe.call_partial_eval(pjit_p)
batching.batchers_with_trace[pjit_p] = batching.call_batch(pjit_p)


# ---------------------------------------------------------------------------------------
# jit

class _CacheEntry:
    __slots__ = ("compiled", "out_tree", "closed", "kept", "callbacks")

    def __init__(self, compiled, out_tree, closed, kept, callbacks):
        self.compiled, self.out_tree, self.closed = compiled, out_tree, closed
        self.kept, self.callbacks = kept, callbacks


def _prune_unused(closed, donated, keep_unused):
    """(the IR to lower, kept flags per input, donated positions among the kept inputs):
    inputs nothing live reads are dropped from the compiled program unless keep_unused."""
    jaxpr = closed.jaxpr
    if keep_unused:
        return closed, (True,) * len(jaxpr.invars), donated
    live = pe.dce_jaxpr(jaxpr)
    used = {x for e in live.eqns for x in e.inputs} | set(live.outvars)
    kept = tuple(v in used for v in jaxpr.invars)
    if all(kept):
        return closed, kept, donated
    position = {old: new for new, old in enumerate(i for i, k in enumerate(kept) if k)}
    pruned = core.ClosedJaxpr(core.Jaxpr(jaxpr.constvars, [v for v, k in zip(jaxpr.invars, kept)
                                                           if k], live.eqns, jaxpr.outvars),
                              closed.consts)
    return pruned, kept, tuple(position[i] for i in donated if i in position)


class _JitInfo:
    """The Python side of one jitted function: its trace/compile cache and its options."""

    def __init__(self, fun, static_argnums, static_argnames, donate_argnums, device,
                 inline=False, keep_unused=False):
        self.fun = fun
        self.keep_unused = keep_unused
        self.inline = inline  # under a transformation: trace into the caller, no pjit
        self.name = getattr(fun, "__name__", type(fun).__name__)
        self.static_argnums = static_argnums
        self.static_argnames = static_argnames
        self.donate_argnums = donate_argnums
        self.device = device
        # signature -> compiled program (called eagerly)
        self.cache = runtime.make_cache(f"jit({self.name})")
        # signature -> (IR, consts, out_tree), bound under transformations
        self.traced = runtime.make_cache(f"jit({self.name}) traced")

    def clear(self):
        self.cache.clear()
        self.traced.clear()

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
            if type(x) is ArrayImpl and runtime.is_committed(x):
                device = runtime.array_device(x)
                if device is not None:  # (an Array over several devices is gathered)
                    return device
        return runtime.default_device()

    def trace_pruned(self, args, kwargs):
        """(IR, out_tree, leaves, avals, in_tree, statics, the IR to lower, kept, donated):
        `kept[i]` says whether input leaf i is an argument of the program (unused ones are
        pruned unless keep_unused, as in JAX)."""
        closed, out_tree, leaves, avals, in_tree, statics = _trace(
            self.fun, args, kwargs, self.static_argnums, self.static_argnames, "jit")
        pruned, kept, donated = _prune_unused(closed, self._donated_leaves(args, kwargs),
                                              self.keep_unused)
        return closed, out_tree, leaves, avals, in_tree, statics, pruned, kept, donated

    def lower(self, args, kwargs):
        """(IR, out_tree, leaves, avals, in_tree, statics, module, kept, host callbacks)."""
        closed, out_tree, leaves, avals, in_tree, statics, pruned, kept, donated = \
            self.trace_pruned(args, kwargs)
        module, callbacks = lowering.lower_closed_jaxpr(
            pruned, self.name, donated, _source(self.fun),
            platform=runtime.device_platform(self._device_for(leaves)))
        return closed, out_tree, leaves, avals, in_tree, statics, module, kept, callbacks

    def executable(self, pruned, donated, device):
        """(executable, host callbacks) of the program for `device`. A program an earlier
        process compiled loads by its stable text, without lowering (or loading the MLIR
        bindings at all); otherwise it is lowered and compiled (or loaded by its
        StableHLO), and its text indexed for next time."""
        platform = runtime.device_platform(device)
        ir_text = None
        if runtime.persistent_cache.directory() is not None:
            try:
                ir_text = (f"{self.name}|{platform}|{donated}|{dtypes.x64_enabled()}|"
                           f"{trace_context()}\n" + core.stable_text(pruned.jaxpr, pruned.consts))
            except core.Unstable:
                ir_text = None
        if ir_text is not None:
            executable = runtime.load_by_ir(ir_text, device)
            if executable is not None:
                return executable, []
        module, callbacks = lowering.lower_closed_jaxpr(
            pruned, self.name, donated, _source(self.fun), platform=platform)
        return runtime.compile(module, device, callbacks, None if callbacks else ir_text), \
            callbacks

    def _explain_miss(self, key):
        if not self.cache:
            return "first call"
        in_tree, avals, statics, device, x64, context = key
        reasons = []
        for old_tree, old_avals, old_statics, old_device, old_x64, old_context in self.cache:
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
            if old_context != context:
                diff.append(f"config {TRACE_OPTIONS} changed from {old_context} to {context}")
            reasons.append("; ".join(diff) or "cache evicted")
        return min(reasons, key=len)

    def arg_avals(self, leaves, args, kwargs):
        """The avals of the dynamic argument leaves; a bad leaf is named by its path (the
        names are only worked out then)."""
        try:
            return tuple(arg_aval(x, "?", self.name) for x in leaves)
        except TypeError:
            names = debug_info(self.fun, "jit", args, kwargs, self.static_argnums,
                               self.static_argnames).arg_names
            if len(names) != len(leaves):
                names = [f"#{i}" for i in range(len(leaves))]
            for x, name in zip(leaves, names):
                arg_aval(x, name, self.name)
            raise

    def call_traced(self, args, kwargs):
        """Under a transformation: bind pjit with the function's IR, traced once per
        signature (unless it captured traced values), so the transformations of the same
        IR are cached too."""
        dyn_args, dyn_kwargs, statics = _split_args(
            args, kwargs, self.static_argnums, self.static_argnames, self.name)
        leaves, in_tree = tree_flatten((dyn_args, dyn_kwargs))
        key = (in_tree, self.arg_avals(leaves, args, kwargs), statics, dtypes.x64_enabled(),
               trace_context())
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
        avals = self.arg_avals(leaves, args, kwargs)
        device = self._device_for(leaves)
        # The x64 switch changes what tracing produces (canonical dtypes), so it is part of
        # the key: the C++ dispatcher misses after a switch and must not find a stale entry.
        key = (in_tree, avals, statics, device, dtypes.x64_enabled(), trace_context())
        entry = self.cache.get(key)
        if entry is None:
            reason = self._explain_miss(key)
            if config.read("explain_cache_misses"):
                runtime.logger().warning("TRACING CACHE MISS at %s: %s", self.name, reason)
            closed, out_tree, leaves, avals, _, _, pruned, kept, donated = self.trace_pruned(
                args, kwargs)
            executable, callbacks = self.executable(pruned, donated, device)
            compiled = runtime.Compiled(executable, device, closed.out_avals,
                                        runtime.sharding_for(device))
            entry = self.cache[key] = _CacheEntry(compiled, out_tree, closed, kept,
                                                  bool(callbacks))
            if config.read("log_compiles"):
                runtime.logger().warning("Compiling %s for args %s (%s)", self.name,
                               [a.str_short() for a in avals], reason)
        arrays = [_to_device(x, a, device) for x, a, k in zip(leaves, avals, entry.kept) if k]
        if entry.callbacks:  # stay in Python: a callback's exception reaches the caller
            return tree_unflatten(entry.out_tree, _run_with_callbacks(entry.compiled, arrays)), \
                None, False
        outs = entry.compiled(*arrays)
        if config.read("debug_nans") or config.read("debug_infs"):
            _check_invalid(self.name, entry.closed, outs, leaves)
            return tree_unflatten(entry.out_tree, outs), None, False  # stay in Python
        fast = runtime.fast_path(entry.compiled, entry.out_tree, entry.kept)
        return tree_unflatten(entry.out_tree, outs), fast, False


def _run_with_callbacks(compiled, arrays):
    """Runs a program; when one of its host callbacks raised, that exception (not XLA's
    report of it) reaches the caller."""
    try:
        return compiled(*arrays)
    except Exception as e:
        raise take_callback_error(e) from None


def _invalid(values):
    """"nan" or "inf" when one of the arrays holds a value the debug options look for."""
    for value in values:
        if not dtypes.is_inexact(value.dtype):
            continue
        host = np.asarray(value)
        if config.read("debug_nans") and np.isnan(host).any():
            return "nan"
        if config.read("debug_infs") and np.isinf(host).any():
            return "inf"
    return None


def _check_invalid(name, closed, outs, leaves):
    """debug_nans / debug_infs, as JAX: a program whose results hold an invalid value runs
    again one primitive at a time (each a program of its own, checked in turn), so the
    error names the primitive that produced the value."""
    kind = _invalid(outs)
    if kind is None:
        return
    jaxpr = closed.jaxpr
    if len(jaxpr.eqns) == 1:
        eqn = jaxpr.eqns[0]
        if eqn.prim is not pjit_p:
            raise FloatingPointError(f"invalid value ({kind}) encountered in {eqn.prim.name}")
        env = dict(zip(jaxpr.constvars, closed.consts)) | dict(zip(jaxpr.invars, leaves))
        core.eval_jaxpr(eqn.params["jaxpr"], [],
                        *[env[x] if type(x) is core.Var else x.val for x in eqn.inputs])
    else:
        core.eval_jaxpr(jaxpr, closed.consts, *leaves)
    raise FloatingPointError(
        f"invalid value ({kind}) encountered in jit({name}). Because debug_nans and/or "
        "debug_infs is set, the de-optimized function (the function as if the `jit` "
        "decorator were removed) was called in an attempt to get a more precise error "
        "message. However, the de-optimized function did not produce invalid values during "
        "its execution. This can result from `jit` optimizations causing the invalid value "
        "to be produced, or from nan/inf literals as inputs or outputs.")


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

    def __init__(self, info, module, closed, out_tree, device, kept, callbacks):
        self._info, self._module, self.jaxpr = info, module, closed
        self.out_tree, self._device, self._kept = out_tree, device, kept
        self._callbacks = callbacks

    def as_text(self, dialect="stablehlo", debug_info=False):
        return lowering.module_text(self._module, debug_info)

    def compiler_ir(self, dialect="stablehlo"):
        return self._module

    def compile(self):
        compiled = runtime.Compiled(runtime.compile(self._module, self._device, self._callbacks),
                                    self._device, self.jaxpr.out_avals,
                                    runtime.sharding_for(self._device))
        return Compiled(compiled, self.out_tree, self.jaxpr.in_avals, self._kept)


class Compiled:
    """An executable compiled ahead of time; call it with arguments of the lowered types."""

    def __init__(self, compiled, out_tree, in_avals, kept):
        self._compiled, self.out_tree, self.in_avals, self._kept = compiled, out_tree, in_avals, kept

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
        outs = _run_with_callbacks(self._compiled, [
            _to_device(x, a, device) for x, a, k in zip(leaves, self.in_avals, self._kept) if k])
        return tree_unflatten(self.out_tree, outs)


def _aot_methods(info):
    """The ahead-of-time methods of one jitted function (set on its C++ object, never on
    jaxlib's shared PjitFunction class)."""
    def lower(*args, **kwargs):
        closed, out_tree, leaves, avals, _, _, module, kept, callbacks = info.lower(args, kwargs)
        return Lowered(info, module, closed, out_tree, info._device_for(leaves), kept,
                       callbacks)

    def trace(*args, **kwargs):
        return _trace(info.fun, args, kwargs, info.static_argnums, info.static_argnames,
                      "jit")[0]

    def eval_shape_(*args, **kwargs):
        return eval_shape(info.fun, *args, **kwargs)

    return dict(lower=api_boundary(lower), trace=api_boundary(trace),
                eval_shape=api_boundary(eval_shape_))


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
    static_argnums, static_argnames = normalize_static(fun, static_argnums, static_argnames)
    donate = set(donate_argnums if not isinstance(donate_argnums, int) else (donate_argnums,)) \
        if donate_argnums is not None else set()
    if donate_argnames:
        names = (donate_argnames,) if isinstance(donate_argnames, str) else donate_argnames
        params = list(inspect.signature(fun).parameters)
        donate.update(params.index(n) for n in names if n in params)
    if backend is not None and device is None:
        device = runtime.local_devices(backend=backend)[0]
    info = _JitInfo(fun, static_argnums, static_argnames, tuple(sorted(donate)), device,
                    inline, bool(keep_unused))
    return runtime.cpp_jit(info.name, fun, api_boundary(info.cache_miss), static_argnums,
                           static_argnames, (tuple(sorted(donate)), device, bool(keep_unused)), _shard_arg,
                           dict(_aot_methods(info), _xf_jit=info), info.clear)


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
    static_argnums, static_argnames = normalize_static(fun, static_argnums, ())

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


# ---------------------------------------------------------------------------------------
# typeof, ensure_compile_time_eval, named scopes

def typeof(x):
    """The type (abstract value) of `x`: a ShapedArray with its shape, dtype and weak type.

    >>> typeof(1.0)
    ShapedArray(f32[], weak_type=True)
    """
    return core.get_aval(x)


# ---------------------------------------------------------------------------------------
# ensure_compile_time_eval

class _CompileTimeEvalTrace(core.Trace):
    """The trace of ensure_compile_time_eval: a primitive whose operands are all concrete
    runs now, eagerly; one that reads a traced value goes to the enclosing transformation
    as usual."""

    def __init__(self, parent):
        self.parent = parent  # (named-axis lookups walk `parent`)
        self.valid = True

    def process_primitive(self, prim, args, params):
        if any(isinstance(x, core.Tracer) for x in args):
            return core.bind_in(self.parent, prim, args, params)
        return core.bind_in(core.eval_trace, prim, args, params)


@contextlib.contextmanager
def ensure_compile_time_eval():
    """A block whose operations on concrete values run while tracing (their results are
    concrete Arrays, usable in Python control flow) instead of being staged; operations on
    traced values are staged as usual.

    >>> @jit
    ... def f(x):
    ...     with ensure_compile_time_eval():
    ...         positive = np.sin(3.0) > 0   # a concrete Array
    ...     return np.sin(x) if positive else np.cos(x)
    """
    parent = core.current_trace()
    if parent is core.eval_trace:
        yield
        return
    with core.set_current_trace(_CompileTimeEvalTrace(parent)):
        yield


# ---------------------------------------------------------------------------------------
# Names in the IR: named_scope, named_call

def named_scope(name):
    """A context manager (or decorator) adding `name` to the names of the operations staged
    inside it: lowering writes them as `name/op` into each operation's location, where
    profilers and `jit(f).lower(x).as_text(debug_info=True)` show them.

    >>> with named_scope("layer1"):
    ...     y = np.tanh(x @ w)
    """
    if not isinstance(name, str):
        raise TypeError("named_scope name argument must be a string.")
    return extend_name_stack(name)


def named_call(fun, *, name=None):
    """`fun`, with the operations it stages named under `name` (default: fun's __name__),
    as if its body ran in `named_scope(name)`."""
    if name is None:
        name = fun.__name__

    @functools.wraps(fun)
    def named(*args, **kwargs):
        with extend_name_stack(name):
            return fun(*args, **kwargs)
    return named
