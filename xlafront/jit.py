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
    """(dynamic args, dynamic kwargs, statics): statics as (position or name, value) pairs,
    checked hashable (they are part of the cache key)."""
    statics = tuple([(i, a) for i, a in enumerate(args) if i in static_argnums]
                    + [(k, v) for k, v in kwargs.items() if k in static_argnames])
    for _, value in statics:
        try:
            hash(value)
        except TypeError as e:
            raise ValueError(
                f"{fun_name}: non-hashable static arguments are not supported. An error "
                f"occurred while trying to hash an object of type {type(value).__name__}, "
                f"{value!r}. The error was: {e}. Pass a tuple instead of a list, or make the "
                f"argument non-static.") from None
    dyn_args = tuple(a for i, a in enumerate(args) if i not in static_argnums)
    return dyn_args, {k: v for k, v in kwargs.items() if k not in static_argnames}, statics


def _merge_args(dyn_args, dyn_kwargs, statics):
    args = list(dyn_args)
    kwargs = dict(dyn_kwargs)
    for key, value in statics:
        if isinstance(key, int):
            args.insert(key, value)
        else:
            kwargs[key] = value
    return args, kwargs


def _leaf_names(debug, n):
    """debug's argument names, one per dynamic leaf (positions when they do not line up)."""
    if len(debug.arg_names) != n:
        debug.arg_names = [f"#{i}" for i in range(n)]
    return debug.arg_names


def leaf_avals(fun_name, leaves, names):
    """The avals of a call's dynamic leaves; a bad leaf is named by its path, from
    `names()` (only worked out then)."""
    try:
        return tuple(arg_aval(x, "?", fun_name) for x in leaves)
    except TypeError:
        for x, name in zip(leaves, names()):
            arg_aval(x, name, fun_name)
        raise


def _donated_leaves(args, static_argnums, donate_argnums):
    """The positions among the dynamic leaves of the leaves of the donated arguments."""
    donated, position = [], 0
    for i, arg in enumerate(args if donate_argnums else ()):
        if i in static_argnums:
            continue
        n = len(tree_leaves(arg))
        if i in donate_argnums:
            donated.extend(range(position, position + n))
        position += n
    return tuple(donated)


def trace_flat(fun, in_tree, statics, avals, what, debug=None, axis=None):
    """(ClosedJaxpr, out_tree) of fun on dynamic leaves of types `avals`, with its static
    arguments merged back in."""
    store = {}

    def call(dyn_args, dyn_kwargs):
        args, kwargs = _merge_args(dyn_args, dyn_kwargs, statics)
        return fun(*args, **kwargs)

    closed = trace_to_jaxpr(flatten_fun(call, in_tree, store, what), avals, debug, axis)
    return closed, store["out_tree"]


def _trace(fun, args, kwargs, static_argnums, static_argnames, transform):
    """(ClosedJaxpr, out_tree, flat dynamic leaves, avals, in_tree, statics) of fun on these
    args."""
    name = getattr(fun, "__name__", "fun")
    if transform == "jit" and config.read("no_tracing"):
        raise RuntimeError(f"re-tracing function {name} for `jit`, but 'no_tracing' is set")
    dyn_args, dyn_kwargs, statics = _split_args(args, kwargs, static_argnums, static_argnames, name)
    leaves, in_tree = tree_flatten((dyn_args, dyn_kwargs))
    debug = debug_info(fun, transform, args, kwargs, static_argnums, static_argnames)
    avals = [arg_aval(x, n, name) for x, n in zip(leaves, _leaf_names(debug, len(leaves)))]
    closed, out_tree = trace_flat(fun, in_tree, statics, avals, name, debug)
    return closed, out_tree, leaves, avals, in_tree, statics


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


# what each part of a cache key is, for explain_cache_misses (the avals are named one by one)
_KEY_PARTS = ("argument structure", None, "static arguments", "device", "enable_x64",
              f"config {TRACE_OPTIONS}")


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

    def flatten(self, args, kwargs):
        """(dynamic leaves, in_tree, statics, avals) of a call."""
        dyn_args, dyn_kwargs, statics = _split_args(
            args, kwargs, self.static_argnums, self.static_argnames, self.name)
        leaves, in_tree = tree_flatten((dyn_args, dyn_kwargs))
        avals = leaf_avals(self.name, leaves, lambda: _leaf_names(debug_info(
            self.fun, "jit", args, kwargs, self.static_argnums, self.static_argnames),
            len(leaves)))
        return leaves, in_tree, statics, avals

    def trace_pruned(self, args, kwargs):
        """(IR, out_tree, leaves, the IR to lower, kept, donated): `kept[i]` says whether
        input leaf i is an argument of the program (unused ones are pruned unless
        keep_unused, as in JAX)."""
        closed, out_tree, leaves = _trace(self.fun, args, kwargs, self.static_argnums,
                                          self.static_argnames, "jit")[:3]
        donated = _donated_leaves(args, self.static_argnums, self.donate_argnums)
        return (closed, out_tree, leaves, *_prune_unused(closed, donated, self.keep_unused))

    def lower(self, pruned, donated, device):
        """(StableHLO module, host callbacks) of the pruned IR for `device`."""
        return lowering.lower_closed_jaxpr(pruned, self.name, donated, _source(self.fun),
                                           platform=runtime.device_platform(device))

    def executable(self, pruned, donated, device):
        """(executable, host callbacks) of the program for `device`. A program an earlier
        process compiled loads by its stable text, without lowering (or loading the MLIR
        bindings at all); otherwise it is lowered and compiled (or loaded by its
        StableHLO), and its text indexed for next time."""
        ir_text = None
        if runtime.persistent_cache.directory() is not None:
            try:
                ir_text = (f"{self.name}|{runtime.device_platform(device)}|{donated}|"
                           f"{dtypes.x64_enabled()}|{trace_context()}\n"
                           + core.stable_text(pruned.jaxpr, pruned.consts))
            except core.Unstable:
                pass
        executable = runtime.load_by_ir(ir_text, device) if ir_text is not None else None
        if executable is not None:
            return executable, []
        module, callbacks = self.lower(pruned, donated, device)
        return runtime.compile(module, device, callbacks, None if callbacks else ir_text), \
            callbacks

    def _explain_miss(self, key):
        """Why `key` missed the cache: the parts in which it differs from the nearest key."""
        if not self.cache:
            return "first call"
        reasons = []
        for old in self.cache:
            diff = [f"{part} changed from {a} to {b}"
                    for part, a, b in zip(_KEY_PARTS, old, key) if part and a != b]
            if old[0] == key[0]:  # the same structure: name the arguments whose type changed
                diff[:0] = [f"argument {i} changed from {_key_text(a)} to {_key_text(b)}"
                            for i, (a, b) in enumerate(zip(old[1], key[1])) if a != b]
            reasons.append("; ".join(diff) or "cache evicted")
        return min(reasons, key=len)

    def call_traced(self, args, kwargs):
        """Under a transformation: bind pjit with the function's IR, traced once per
        signature (unless it captured traced values), so the transformations of the same
        IR are cached too."""
        leaves, in_tree, statics, avals = self.flatten(args, kwargs)
        key = (in_tree, avals, statics, dtypes.x64_enabled(), trace_context())
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
        leaves, in_tree, statics, avals = self.flatten(args, kwargs)
        device = self._device_for(leaves)
        # The x64 switch changes what tracing produces (canonical dtypes), so it is part of
        # the key: the C++ dispatcher misses after a switch and must not find a stale entry.
        key = (in_tree, avals, statics, device, dtypes.x64_enabled(), trace_context())
        entry = self.cache.get(key)
        if entry is None:
            reason = self._explain_miss(key)
            if config.read("explain_cache_misses"):
                runtime.logger().warning("TRACING CACHE MISS at %s: %s", self.name, reason)
            closed, out_tree, _, pruned, kept, donated = self.trace_pruned(args, kwargs)
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


# JAX's frozen dataclass, written out (importing dataclasses costs 1 ms of `import xlafront`)
class ArgInfo:
    """One argument of a traced, lowered or compiled function: its type and whether it is
    donated."""
    __slots__ = ("_aval", "donated")

    def __init__(self, _aval, donated):
        object.__setattr__(self, "_aval", _aval)
        object.__setattr__(self, "donated", donated)

    def __setattr__(self, name, value):
        raise AttributeError(f"ArgInfo is frozen: cannot set {name!r}")

    def __eq__(self, other):
        return (type(other) is ArgInfo and self._aval == other._aval
                and self.donated == other.donated)

    def __hash__(self):
        return hash((self._aval, self.donated))

    def __repr__(self):
        return f"ArgInfo(_aval={self._aval!r}, donated={self.donated!r})"

    @property
    def shape(self):
        return self._aval.shape

    @property
    def dtype(self):
        return self._aval.dtype


class Traced:
    """A jitted function traced for given arguments: its program (`jaxpr`) and the
    arguments' types (`args_info`, a pytree of ArgInfo like `(args, kwargs)`)."""

    def __init__(self, jaxpr, args_info, lower):
        self.jaxpr, self.args_info, self._lower = jaxpr, args_info, lower

    def lower(self):
        return self._lower()


class Lowered:
    """The StableHLO module of a jitted (or pmapped) function for given argument types."""

    def __init__(self, module, jaxpr, out_tree, compile, args_info=None):
        self._module, self.jaxpr, self.out_tree, self._compile = module, jaxpr, out_tree, compile
        self.args_info = args_info

    def as_text(self, dialect="stablehlo", debug_info=False):
        return lowering.module_text(self._module, debug_info)

    def compiler_ir(self, dialect="stablehlo"):
        return self._module

    def compile(self, compiler_options=None):
        """The compiled executable; `compiler_options` ({XLA option name: value}, as JAX's
        `jax.stages.CompilerOptions`) override XLA's debug options for this program."""
        return self._compile(compiler_options)


class Compiled:
    """An executable compiled ahead of time; call it with arguments of the lowered types.
    `run(leaves)` runs it on the flat arguments."""

    def __init__(self, compiled, out_tree, in_avals, run):
        self._compiled, self.out_tree, self.in_avals, self._run = compiled, out_tree, in_avals, run

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
        return tree_unflatten(self.out_tree, self._run(leaves))


def _key_text(part):
    """An argument's part of a cache key, as jaxprs print types (f32[3], ~f32[] if weak)."""
    if isinstance(part, ShapedArray):
        return ("~" if part.weak_type else "") + part.str_short()
    return repr(part)


def _args_info(args, kwargs, info):
    """The ArgInfo pytree of the dynamic arguments (static ones are left out, as in JAX)."""
    dynamic = tuple(a for i, a in enumerate(args) if i not in info.static_argnums)
    kwargs = {k: v for k, v in kwargs.items() if k not in info.static_argnames}
    donated = set(_donated_leaves(args, info.static_argnums, info.donate_argnums))
    leaves, tree = tree_flatten((dynamic, kwargs))
    return tree_unflatten(tree, [ArgInfo(get_aval(x), i in donated)
                                 for i, x in enumerate(leaves)])


def _aot_methods(info):
    """The ahead-of-time methods of one jitted function (set on its C++ object, never on
    jaxlib's shared PjitFunction class)."""
    def lower(*args, **kwargs):
        closed, out_tree, leaves, pruned, kept, donated = info.trace_pruned(args, kwargs)
        device = info._device_for(leaves)
        module, callbacks = info.lower(pruned, donated, device)

        def compile(compiler_options):
            executable = runtime.compile(module, device, callbacks,
                                         compiler_options=compiler_options)
            compiled = runtime.Compiled(executable, device, closed.out_avals,
                                        runtime.sharding_for(device))

            def run(leaves):
                return _run_with_callbacks(compiled, [_to_device(x, a, device) for x, a, k
                                                      in zip(leaves, closed.in_avals, kept) if k])
            return Compiled(compiled, out_tree, closed.in_avals, run)
        return Lowered(module, closed, out_tree, compile, _args_info(args, kwargs, info))

    def trace(*args, **kwargs):
        closed = _trace(info.fun, args, kwargs, info.static_argnums, info.static_argnames,
                        "jit")[0]
        return Traced(closed, _args_info(args, kwargs, info), lambda: lower(*args, **kwargs))

    def eval_shape_(*args, **kwargs):
        return eval_shape(info.fun, *args, **kwargs)

    return dict(lower=api_boundary(lower), trace=api_boundary(trace),
                eval_shape=api_boundary(eval_shape_))


def jit(fun=None, *, static_argnums=None, static_argnames=None, donate_argnums=None,
        donate_argnames=None, device=None, backend=None, inline=False, keep_unused=False):
    """Compiles `fun` with XLA: traced once per argument signature (shapes, dtypes, weak
    types, tree structure and static values), then called through the C++ dispatcher."""
    if fun is None:
        return functools.partial(jit, static_argnums=static_argnums,
                                 static_argnames=static_argnames, donate_argnums=donate_argnums,
                                 donate_argnames=donate_argnames, device=device,
                                 backend=backend, inline=inline, keep_unused=keep_unused)
    if not callable(fun):
        raise TypeError(f"jit: expected a callable, got {fun!r} of type {type(fun).__name__}")
    static_argnums, static_argnames = normalize_static(fun, static_argnums, static_argnames)
    donate = {donate_argnums} if isinstance(donate_argnums, int) else set(donate_argnums or ())
    if donate_argnames:
        names = (donate_argnames,) if isinstance(donate_argnames, str) else donate_argnames
        params = list(inspect.signature(fun).parameters)
        donate.update(params.index(n) for n in names if n in params)
    donate = tuple(sorted(donate))
    if backend is not None and device is None:
        device = runtime.local_devices(backend=backend)[0]
    info = _JitInfo(fun, static_argnums, static_argnames, donate, device, inline,
                    bool(keep_unused))
    return runtime.cpp_jit(info.name, fun, api_boundary(info.cache_miss), static_argnums,
                           static_argnames, (donate, device, bool(keep_unused)), _shard_arg,
                           dict(_aot_methods(info), _xf_jit=info), info.clear)


# ---------------------------------------------------------------------------------------
# make_jaxpr and eval_shape

def make_jaxpr(fun, static_argnums=(), return_shape=False):
    """A function returning the IR (ClosedJaxpr) of `fun` for the given arguments (and,
    with return_shape, the output's ShapeDtypeStructs)."""
    static_argnums, static_argnames = normalize_static(fun, static_argnums, ())

    @api_boundary
    @functools.wraps(fun)
    def make(*args, **kwargs):
        closed, out_tree = _trace(fun, args, kwargs, static_argnums, static_argnames,
                                  "make_jaxpr")[:2]
        return (closed, _out_shapes(closed, out_tree)) if return_shape else closed

    return make


@api_boundary
def eval_shape(fun, *args, **kwargs):
    """The output shapes and dtypes of `fun(*args)` as ShapeDtypeStructs, without running it."""
    return _out_shapes(*_trace(fun, args, kwargs, (), (), "eval_shape")[:2])


def _out_shapes(closed, out_tree):
    return tree_unflatten(out_tree, [ShapeDtypeStruct(a.shape, a.dtype, a.weak_type)
                                     for a in closed.out_avals])


# ---------------------------------------------------------------------------------------
# typeof, ensure_compile_time_eval, named scopes

def typeof(x):
    """The type (abstract value) of `x`: a ShapedArray with its shape, dtype and weak type."""
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
    traced values are staged as usual."""
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
    profilers and `jit(f).lower(x).as_text(debug_info=True)` show them."""
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
