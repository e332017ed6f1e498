"""JAX's top-level API: re-exports of the transformations and device helpers from where they
live (jit.py, autodiff.py, vmap.py, devices.py), JAX's option states, and the smaller
top-level functions written here (typeof, ensure_compile_time_eval, named_scope,
closure_convert, custom_gradient, linear_transpose, fwd_and_bwd, ds, ...). Names of JAX
features xlafront does not have yet (meshes, Refs) import, and raise when used."""
import contextlib
import functools
import os
import platform
import sys

import numpy as np

from . import core, dtypes
from .autodiff import (grad, hessian, jacfwd, jacobian, jacrev, jvp, linearize,  # noqa: F401
                       value_and_grad, vjp)
from .config import State
from .custom_derivatives import custom_vjp
from .devices import (Array, block_until_ready, copy_to_host_async,  # noqa: F401
                      default_backend, device_count, device_get, device_put, devices,
                      effects_barrier, host_count, host_id, host_ids, live_arrays,
                      local_device_count, local_devices, make_array_from_callback,
                      make_array_from_process_local_data, make_array_from_single_device_arrays,
                      process_count, process_index, process_indices)
from .errors import api_boundary, extend_name_stack
from .interpreters import ad
from .interpreters.partial_eval import (convert_constvars, flatten_fun, split_aux_outputs,
                                        trace_to_jaxpr)
from .jit import ShapeDtypeStruct, arg_aval, eval_shape, jit, make_jaxpr  # noqa: F401
from .runtime import clear_caches, support  # noqa: F401
from .tree import (Partial, register_pytree_node, register_pytree_node_class, tree_flatten,
                   tree_unflatten, treedef_is_leaf)
from .vmap import vmap  # noqa: F401

__version__ = "0.1.0"
float0 = dtypes.float0  # the dtype of the tangents of integer and boolean values

# JAX's top-level option states: `with xf.debug_nans(True): ...`, `xf.enable_x64.value`.
# Options xlafront does not implement yet refuse any value but their default (config.py).
enable_x64 = State("enable_x64")
debug_nans = State("debug_nans")
debug_infs = State("debug_infs")
disable_jit = State("disable_jit")
log_compiles = State("log_compiles")
default_matmul_precision = State("default_matmul_precision")
numpy_rank_promotion = State("numpy_rank_promotion")
numpy_dtype_promotion = State("numpy_dtype_promotion")
default_device = State("default_device")
transfer_guard = State("transfer_guard")
transfer_guard_host_to_device = State("transfer_guard_host_to_device")
transfer_guard_device_to_device = State("transfer_guard_device_to_device")
transfer_guard_device_to_host = State("transfer_guard_device_to_host")
array_garbage_collection_guard = State("array_garbage_collection_guard")
thread_guard = State("thread_guard")
allow_f16_reductions = State("allow_f16_reductions")
check_tracer_leaks = State("check_tracer_leaks")
checking_leaks = functools.partial(check_tracer_leaks, True)
enable_checks = State("enable_checks")
explain_cache_misses = State("explain_cache_misses")
no_tracing = State("no_tracing")
no_execution = State("no_execution")
softmax_custom_jvp = State("softmax_custom_jvp")
debug_key_reuse = State("debug_key_reuse")
enable_custom_prng = State("enable_custom_prng")
default_prng_impl = State("default_prng_impl")
threefry_partitionable = State("threefry_partitionable")
legacy_prng_key = State("legacy_prng_key")
auto_pcast = State("auto_pcast")
remove_size_one_mesh_axis_from_type = State("remove_size_one_mesh_axis_from_type")
jax2tf_associative_scan_reductions = State("jax2tf_associative_scan_reductions")


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


# ---------------------------------------------------------------------------------------
# closure_convert, custom_gradient

def _trace_pytree(fun, in_tree, avals, what):
    """(jaxpr with its captured values as leading inputs, those values, output tree)."""
    store = {}
    closed = trace_to_jaxpr(flatten_fun(fun, in_tree, store, what), avals)
    jaxpr, consts = convert_constvars(closed)
    return jaxpr, consts, store["out_tree"]


def _maybe_perturbed(x):
    """Whether a captured value may carry a derivative: a traced value of inexact dtype."""
    return isinstance(x, core.Tracer) and dtypes.is_inexact(x.aval.dtype)


@api_boundary
def closure_convert(fun, *example_args):
    """(converted, hoisted): `fun` traced on arguments like `example_args`, with the traced
    values it closes over (those that may carry derivatives) hoisted out as extra trailing
    arguments, so a custom_vjp/custom_jvp rule can differentiate with respect to them.
    `converted(*args, *hoisted)` computes `fun(*args)`.

    >>> converted, hoisted = closure_convert(lambda x: x * w, x0)   # hoisted == [w]
    """
    leaves, in_tree = tree_flatten(example_args)
    avals = [typeof(x) for x in leaves]
    jaxpr, consts, out_tree = _trace_pytree(lambda *a: fun(*a), in_tree, avals,
                                            "closure_convert")
    hoist = [_maybe_perturbed(c) for c in consts]
    closed_over = [c for c, h in zip(consts, hoist) if not h]
    hoisted = [c for c, h in zip(consts, hoist) if h]

    def converted(*args_and_hoisted):
        n = len(args_and_hoisted) - len(hoisted)
        args, extra = args_and_hoisted[:n], iter(args_and_hoisted[n:])
        flat, tree = tree_flatten(tuple(args))
        if tree != in_tree:
            raise TypeError("The inputs to the closure produced by closure_convert must have "
                            "the same Pytree structure as the example arguments passed when "
                            f"closure_convert was called. Expected {in_tree}, but got {tree}")
        kept = iter(closed_over)
        merged = [next(extra) if h else next(kept) for h in hoist]
        return tree_unflatten(out_tree, core.eval_jaxpr(jaxpr, [], *merged, *flat))

    return converted, hoisted


@register_pytree_node_class
class _GradientRule:
    """custom_gradient's residuals: the user's gradient function staged, its captured values
    as the leaves (they cross into the backward pass)."""

    def __init__(self, jaxpr, in_tree, out_tree, consts):
        self.jaxpr, self.in_tree, self.out_tree, self.consts = jaxpr, in_tree, out_tree, consts

    def tree_flatten(self):
        return list(self.consts), (self.jaxpr, self.in_tree, self.out_tree)

    @classmethod
    def tree_unflatten(cls, aux, consts):
        return cls(*aux, consts)


def custom_gradient(fun):
    """A function with a custom gradient, TensorFlow style: `fun(*args)` returns
    `(output, vjp_fun)` where `vjp_fun(output_cotangent)` returns one cotangent per argument.

    >>> @custom_gradient
    ... def f(x):
    ...     return x ** 2, lambda g: (g * x,)
    >>> grad(f)(3.0)   # 3.0
    """
    @custom_vjp
    def wrapped(*args, **kwargs):
        return fun(*args, **kwargs)[0]

    def fwd(*args, **kwargs):
        ans, rule = fun(*args, **kwargs)
        ans_leaves, ans_tree = tree_flatten((ans,))
        avals = [ad.tangent_aval(core.get_aval(x)) for x in ans_leaves]
        jaxpr, consts, cts_tree = _trace_pytree(rule, ans_tree, avals, "custom_gradient")
        return ans, _GradientRule(jaxpr, cts_tree, ans_tree, consts)

    def bwd(res, cts):
        cts_flat, tree = tree_flatten((cts,))
        if tree != res.out_tree:
            raise TypeError(f"custom_gradient: the cotangent has structure {tree}, expected "
                            f"{res.out_tree}")
        cts_out = tree_unflatten(res.in_tree, core.eval_jaxpr(res.jaxpr, [], *res.consts,
                                                              *cts_flat))
        return (cts_out,) if treedef_is_leaf(res.in_tree) else cts_out

    wrapped.defvjp(fwd, bwd)
    return wrapped


# ---------------------------------------------------------------------------------------
# linear_transpose, fwd_and_bwd

def _in_aval(x):
    """The type of an example argument: an array, a ShapeDtypeStruct or any object with
    shape and dtype attributes (only those are read)."""
    if not core.is_array_like(x) and hasattr(x, "shape") and hasattr(x, "dtype"):
        return core.ShapedArray(x.shape, dtypes.canonicalize(x.dtype))
    return arg_aval(x, "primals", "linear_transpose")


def _transpose_call(jaxpr, in_tree, out_tree, out_avals, consts, out_cotangent):
    cts, tree = tree_flatten(out_cotangent)
    if tree != out_tree:
        raise TypeError(f"cotangent tree does not match function output, expected {out_tree} "
                        f"but got {tree}")
    got = [core.get_aval(ct) for ct in cts]
    if [(a.shape, a.dtype) for a in got] != [(a.shape, a.dtype) for a in out_avals]:
        raise TypeError(f"cotangent type does not match function output, expected "
                        f"{[a.str_short() for a in out_avals]} but got "
                        f"{[a.str_short() for a in got]}")
    in_cts = ad.backward_pass(jaxpr, consts, cts)
    return tree_unflatten(in_tree, [ad.instantiate(ct) for ct in in_cts])


@api_boundary
def linear_transpose(fun, *primals, reduce_axes=()):
    """The transpose of `fun`, a function promised to be linear, at arguments shaped like
    `primals` (arrays or ShapeDtypeStructs: only shapes and dtypes are read). The transposed
    function takes a cotangent of fun's output and returns a tuple like `primals`.

    >>> f_t = linear_transpose(lambda x, y: 0.5 * x - 0.5 * y, 1.0, 1.0)
    >>> f_t(1.0)   # (0.5, -0.5)
    """
    if reduce_axes:
        raise NotImplementedError("reduce_axes argument to transpose is deprecated")
    leaves, in_tree = tree_flatten(primals)
    in_avals = [_in_aval(x) for x in leaves]
    store = {}
    closed = trace_to_jaxpr(flatten_fun(fun, in_tree, store, "linear_transpose"), in_avals)
    in_dtypes = [a.dtype for a in in_avals]
    out_dtypes = [a.dtype for a in closed.out_avals]
    if not (all(dtypes.is_inexact(d) for d in in_dtypes + out_dtypes)
            or all(dtypes.kind(d) in "iu" for d in in_dtypes + out_dtypes)):
        raise TypeError("linear_transpose only supports [float or complex] -> [float or "
                        "complex], and integer -> integer functions, but got "
                        f"{in_dtypes} -> {out_dtypes}.")
    # a Partial, as in JAX: a pytree (its captured arrays are leaves), so jit can take it
    return Partial(functools.partial(_transpose_call, closed.jaxpr, in_tree, store["out_tree"],
                                     tuple(closed.out_avals)), closed.consts)


class _VJPFunction:
    """A pullback as a pytree, its residual arrays as leaves: it can be returned from jit and
    passed into jit (what fwd_and_bwd's forward function returns). Calling it with an output
    cotangent gives the input cotangents, as vjp's pullback does."""

    def __init__(self, residuals, static):
        self.residuals, self.static = residuals, static

    def __call__(self, cotangent):
        jaxpr, in_tree, out_tree, in_mask, out_mask, in_avals, out_avals = self.static
        cts, tree = tree_flatten(cotangent)
        if tree != out_tree:
            raise TypeError(f"vjp: the cotangent must have the structure of the function's "
                            f"output {out_tree}, got {tree}")
        for i, (ct, aval) in enumerate(zip(cts, out_avals)):
            ct_aval = core.get_aval(ct)
            if ct_aval.shape != aval.shape or ct_aval.dtype not in (
                    ad.tangent_aval(aval).dtype, dtypes.float0):
                raise ValueError(f"vjp: the cotangent at output position {i} must have shape "
                                 f"{aval.shape} and dtype {ad.tangent_aval(aval).dtype.name}, "
                                 f"got {ct_aval.str_short()}")
        in_cts = iter(ad.backward_pass(jaxpr, list(self.residuals),
                                       [ct for ct, m in zip(cts, out_mask) if m]))
        return tree_unflatten(in_tree, [
            ad.instantiate(next(in_cts)) if m else ad.zeros_like_aval(ad.tangent_aval(a))
            for m, a in zip(in_mask, in_avals)])


register_pytree_node(_VJPFunction, lambda f: (f.residuals, f.static),
                     lambda static, residuals: _VJPFunction(list(residuals), static))


def fwd_and_bwd(fun, argnums, has_aux=False, jitted=True):
    """(fwd, bwd): the forward and backward passes of `fun` as two functions, so the
    backward one compiles once and is reused across iterations.
    `fwd(*args)` returns `(fun(*args), residuals)` (plus aux with has_aux);
    `bwd(residuals, cotangent)` returns the cotangents of the arguments at `argnums` (one,
    or a tuple when argnums is a sequence). Both are jitted unless jitted=False.

    >>> fwd, bwd = fwd_and_bwd(lambda x, w: x @ w, argnums=(0, 1))
    >>> y, res = fwd(x, w); dx, dw = bwd(res, np.ones_like(y))
    """
    if not callable(fun):
        raise TypeError(f"fwd_and_bwd: expected a callable, got {fun!r}")
    multiple = not isinstance(argnums, int)
    nums = tuple(argnums) if multiple else (argnums,)

    def fwd(*args, **kwargs):
        for n in nums:
            if not -len(args) <= n < len(args):
                raise TypeError(f"fwd_and_bwd: argnums {argnums!r} out of range for a call "
                                f"with {len(args)} positional arguments")
        positions = [n % len(args) for n in nums]

        def partial(*dyn):
            full = list(args)
            for n, d in zip(positions, dyn):
                full[n] = d
            return fun(*full, **kwargs)

        p_leaves, in_tree = tree_flatten(tuple(args[n] for n in positions))
        store = {}
        flat = flatten_fun(partial, in_tree, store, "fwd_and_bwd", has_aux)
        outs, linear, in_mask, out_mask = ad.linearize_flat(
            flat, p_leaves, lambda: store.get("num_aux", 0))
        outs, aux = split_aux_outputs(store, outs)
        static = (linear.jaxpr, in_tree, store["out_tree"], tuple(in_mask), tuple(out_mask),
                  tuple(core.get_aval(p) for p in p_leaves),
                  tuple(core.get_aval(o) for o in outs))
        result = tree_unflatten(store["out_tree"], outs), _VJPFunction(list(linear.consts),
                                                                        static)
        return (*result, aux) if has_aux else result

    def bwd(f_vjp, outgrad):
        g = f_vjp(outgrad)
        return g if multiple else g[0]

    if jitted:
        return jit(fwd), jit(bwd)
    return fwd, bwd


# ---------------------------------------------------------------------------------------
# ds: dynamic slices

@register_pytree_node_class
class Slice:
    """`size` elements from `start` with step `stride` (JAX's `jax.ds`): start and size may
    be traced values, unlike a Python slice's."""
    __slots__ = ("start", "size", "stride")

    def __init__(self, start, size, stride=1):
        if stride < 0:
            raise ValueError("`stride` must be >= 0.")
        self.start, self.size, self.stride = start, size, stride

    def tree_flatten(self):  # static (Python int) parts are aux data, traced ones leaves
        dynamic = [x if isinstance(x, core.Tracer) or not isinstance(x, (int, np.integer))
                   else None for x in (self.start, self.size)]
        static = [None if d is not None else x for d, x in zip(dynamic, (self.start,
                                                                         self.size))]
        return dynamic, (*static, self.stride)

    @classmethod
    def tree_unflatten(cls, aux, children):
        start, size = (c if c is not None else s for c, s in zip(children, aux[:2]))
        return cls(start, size, aux[2])

    def __eq__(self, other):
        return (type(other) is Slice and (self.start, self.size, self.stride)
                == (other.start, other.size, other.stride))

    __hash__ = None

    def __repr__(self):
        return f"Slice(start={self.start!r}, size={self.size!r}, stride={self.stride!r})"


def ds(start, size=None, stride=None):
    """A dynamic slice: `ds(i, n)` is `i:i+n` with `i` (and `n`) allowed to be traced,
    `ds(i, n, s)` steps by `s`, `ds(n)` is `:n` and `ds(None)` is `:`.

    >>> ds(4, 2)
    Slice(start=4, size=2, stride=1)
    """
    if start is None:
        return slice(None)
    if stride is None:
        stride = 1
    if not isinstance(stride, int):
        raise ValueError("Non-static stride in `dslice`")
    if size is None:
        start, size = 0, start
    return Slice(start, size, stride)


# ---------------------------------------------------------------------------------------
# print_environment_info

def print_environment_info(return_string=False):
    """xlafront's, jaxlib's, NumPy's and Python's versions, the devices and the JAX_/XLA_
    environment variables: what to include in a bug report. Printed, or returned with
    return_string=True."""
    python = sys.version.replace("\n", " ")
    info = (f"xlafront: {__version__} (the API of JAX 0.10.2)\n"
            f"jaxlib:   {support.jaxlib_version()}\n"
            f"numpy:    {np.__version__}\n"
            f"python:   {python}\n"
            f"device info: {devices()[0].device_kind}-{device_count()}, "
            f"{local_device_count()} local devices\n"
            f"process_count: {process_count()}\n"
            f"platform: {platform.uname()}")
    for key, value in os.environ.items():
        if key.startswith(("JAX_", "XLA_", "XLAFRONT_")):
            info += f"\n{key}={value}"
    if return_string:
        return info
    print(info)
    return None


# ---------------------------------------------------------------------------------------
# JAX names of features xlafront does not have yet

class _Unsupported:
    """Stands for a JAX name xlafront does not implement yet: importing it works (so ported
    code imports), calling or using it raises NotImplementedError naming what is missing.
    Nothing is an instance of it (isinstance is False)."""

    def __init__(self, name, feature):
        self._name, self._feature = name, feature

    def _refuse(self, *args, **kwargs):
        raise NotImplementedError(f"xlafront.{self._name} is not supported yet: {self._feature} "
                                  "come in a later release of xlafront")

    __call__ = __getitem__ = __enter__ = __iter__ = _refuse

    def __mro_entries__(self, bases):
        self._refuse()

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        self._refuse()

    def __instancecheck__(self, obj):
        return False

    def __repr__(self):
        return f"<xlafront.{self._name}: not supported yet ({self._feature})>"


_SHARDING = "meshes, named shardings and multi-device arrays"
_REFS = "mutable array references (jax.Ref)"
NamedSharding = _Unsupported("NamedSharding", _SHARDING)
P = _Unsupported("P", _SHARDING)
Shard = _Unsupported("Shard", _SHARDING)
make_mesh = _Unsupported("make_mesh", _SHARDING)
set_mesh = _Unsupported("set_mesh", _SHARDING)
reshard = _Unsupported("reshard", _SHARDING)
shard_map = _Unsupported("shard_map", _SHARDING)
smap = _Unsupported("smap", _SHARDING)
Ref = _Unsupported("Ref", _REFS)
new_ref = _Unsupported("new_ref", _REFS)
empty_ref = _Unsupported("empty_ref", _REFS)
free_ref = _Unsupported("free_ref", _REFS)
freeze = _Unsupported("freeze", _REFS)
ad_refs = _Unsupported("ad", _REFS)  # JAX's `jax.ad` namespace (DontWant, GradRef, ...)
memory = _Unsupported("memory", "memory spaces")
make_user_context = _Unsupported("make_user_context", "user contexts in jit's cache key")

__all__ = [
    "Array", "NamedSharding", "P", "Ref", "ShapeDtypeStruct", "Shard",
    "allow_f16_reductions", "array_garbage_collection_guard", "auto_pcast",
    "block_until_ready", "check_tracer_leaks", "checking_leaks", "clear_caches",
    "closure_convert", "copy_to_host_async", "custom_gradient", "debug_infs", "debug_key_reuse",
    "debug_nans", "default_backend", "default_device", "default_matmul_precision",
    "default_prng_impl", "device_count", "device_get", "device_put", "devices", "disable_jit",
    "ds", "effects_barrier", "empty_ref", "enable_checks", "enable_custom_prng", "enable_x64",
    "ensure_compile_time_eval", "eval_shape", "explain_cache_misses", "float0", "free_ref",
    "freeze", "fwd_and_bwd", "grad", "hessian", "host_count", "host_id", "host_ids", "jacfwd",
    "jacobian", "jacrev", "jax2tf_associative_scan_reductions", "jit", "jvp",
    "legacy_prng_key", "linear_transpose", "linearize", "live_arrays", "local_device_count",
    "local_devices", "log_compiles", "make_array_from_callback",
    "make_array_from_process_local_data", "make_array_from_single_device_arrays",
    "make_jaxpr", "make_mesh", "make_user_context", "memory", "named_call", "named_scope",
    "new_ref", "no_execution", "no_tracing", "numpy_dtype_promotion", "numpy_rank_promotion",
    "print_environment_info", "process_count", "process_index", "process_indices",
    "remove_size_one_mesh_axis_from_type", "reshard", "set_mesh", "shard_map", "smap",
    "softmax_custom_jvp", "thread_guard", "threefry_partitionable", "transfer_guard",
    "transfer_guard_device_to_device", "transfer_guard_device_to_host",
    "transfer_guard_host_to_device", "typeof", "value_and_grad", "vjp", "vmap",
]
