"""Host callbacks: Python functions called from inside compiled programs through XLA's
host-callback custom call (`xla_ffi_python_{cpu,gpu}_callback`), with no round trip of the
whole program. Three primitives share one block of rules and differ in their effect:

- `pure_callback`: no side effect (dropped when its results are unused), may not be
  differentiated, vmapped as `vmap_method` says;
- `io_callback` (xlafront.experimental): a side effect, kept even when unused, optionally
  ordered (token-chained with the other ordered effects of its body);
- `debug_callback` (xlafront.debug.callback / print): a side effect with no results; under
  vmap it is called once per example, under grad with the primal values.

Eagerly (no transformation) each calls the Python function at once on NumPy arrays. A
callback's exception reaches the caller as itself (not as XLA's error report).
"""
import numpy as np

from . import core, dtypes, lax, runtime
from .core import ShapedArray
from .errors import stash_callback_error
from .interpreters import ad, batching
from .interpreters import lowering as L
from .tree import tree_flatten, tree_map, tree_unflatten

__all__ = ["debug_callback", "debug_callback_p", "io_callback", "io_callback_p",
           "pure_callback", "pure_callback_p"]

VMAP_METHODS = ("sequential", "sequential_unrolled", "expand_dims", "broadcast_all",
                "legacy_vectorized", None)


class _Callback:
    """A user function taking and returning flat lists of host values, checked against the
    declared results; hashed by identity (it is an equation parameter)."""

    def __init__(self, name, fun, in_tree):
        self.name, self.fun, self.in_tree = name, fun, in_tree

    def __call__(self, flat_args, result_avals):
        args, kwargs = tree_unflatten(self.in_tree, list(flat_args))
        outs = self.fun(*args, **kwargs)
        if not result_avals:
            return ()
        flat, _ = tree_flatten(outs)
        if len(flat) != len(result_avals):
            raise ValueError(f"{self.name}: the callback returned {len(flat)} values, but "
                             f"result_shape_dtypes declares {len(result_avals)}")
        return tuple(_check_result(self.name, i, out, aval)
                     for i, (out, aval) in enumerate(zip(flat, result_avals)))

    def __repr__(self):
        return f"<callback {getattr(self.fun, '__name__', self.fun)!r}>"


def _check_result(name, i, out, aval):
    out = np.asarray(out)
    if out.dtype != aval.dtype and dtypes.canonicalize(out.dtype) == aval.dtype:
        out = out.astype(aval.dtype)  # float64 from NumPy with x64 off, as JAX allows
    if out.shape != aval.shape or out.dtype != aval.dtype:
        raise ValueError(
            f"{name}: the callback returned ShapeDtypeStruct(shape={out.shape}, "
            f"dtype={out.dtype.name}) for result {i}, but result_shape_dtypes expects "
            f"ShapeDtypeStruct(shape={aval.shape}, dtype={aval.dtype.name})")
    return out


def _host_function(callback, result_avals, ordered):
    """What XLA calls: NumPy arrays in, a tuple of NumPy arrays out (a token first when
    ordered). An exception is stashed for the caller before XLA reports it."""
    def host(*args):
        try:
            if ordered:
                return (args[0], *callback(args[1:], result_avals))
            return callback(args, result_avals)
        except BaseException as e:
            stash_callback_error(e)
            raise
    return host


# ---------------------------------------------------------------------------------------
# The three primitives and their shared rules

def _abstract_eval(*avals, callback, result_avals, **params):
    return list(result_avals)


def _eager(prim):
    def impl(*args, callback, result_avals, **params):
        outs = callback([np.asarray(a) for a in args], result_avals)
        return [runtime.device_put(o, a) for o, a in zip(outs, result_avals)]
    return impl


def _lowering(has_side_effect):
    def rule(ctx, *args, callback, result_avals, ordered=False, **params):
        mc = ctx.module_context
        if mc.platform not in ("cpu", "gpu", "cuda", "rocm"):
            raise NotImplementedError(f"host callbacks on {mc.platform} are not supported yet "
                                      "(CPU and GPU only)")
        target = "xla_ffi_python_cpu_callback" if mc.platform == "cpu" else \
            "xla_ffi_python_gpu_callback"
        mc.host_callbacks.append(_host_function(callback, result_avals, ordered))
        index = len(mc.host_callbacks) - 1
        operands, types = list(args), [L.ir_type(a) for a in result_avals]
        if ordered:
            token = mc.tokens[-1] if mc.tokens[-1] is not None else L.hlo.create_token()
            operands, types = [token, *operands], [L.hlo.TokenType.get(), *types]
        op = L.hlo.CustomCallOp(
            types, operands, call_target_name=L.ir.StringAttr.get(target),
            has_side_effect=L.ir.BoolAttr.get(has_side_effect),
            api_version=L.ir.IntegerAttr.get(L.ir.IntegerType.get_signless(32), 4),
            backend_config=L.ir.DictAttr.get({"index": L.ir.IntegerAttr.get(
                L.ir.IntegerType.get_unsigned(64), index)}))
        results = list(op.results)
        if ordered:
            mc.tokens[-1] = results.pop(0)
        return results
    return rule


def _primitive(name, has_side_effect):
    prim = core.Primitive(name, multiple_results=True)
    prim.abstract_eval = _abstract_eval
    prim.impl = _eager(prim)
    prim.effectful = has_side_effect
    L.register_lowering(prim, _lowering(has_side_effect))
    return prim


def _batch_size(args, dims):
    return next(a.shape[d] for a, d in zip(args, dims) if d is not batching.not_mapped)


def _sequential(prim, args, dims, unrolled, **params):
    """vmap by calling the unbatched callback once per example, in a scan."""
    batched = [d is not batching.not_mapped for d in dims]
    fixed = [a for a, b in zip(args, batched) if not b]
    moved = [batching.moveaxis(a, d, 0) for a, d, b in zip(args, dims, batched) if b]
    unroll = _batch_size(args, dims) if unrolled else 1

    def body(carry, xs):
        it_fixed, it_xs = iter(fixed), iter(xs)
        merged = [next(it_xs) if b else next(it_fixed) for b in batched]
        return carry, prim.bind(*merged, **params)

    _, outs = lax.scan(body, (), moved, unroll=unroll)
    return list(outs), [0] * len(outs)


# pure_callback: no side effect ------------------------------------------------------------

pure_callback_p = _primitive("pure_callback", has_side_effect=False)


def _pure_callback_batch(args, dims, *, callback, result_avals, vmap_method):
    size = _batch_size(args, dims)
    params = dict(callback=callback, result_avals=result_avals, vmap_method=vmap_method)
    if vmap_method in ("sequential", "sequential_unrolled"):
        return _sequential(pure_callback_p, args, dims, vmap_method == "sequential_unrolled",
                           **params)
    if vmap_method is None:
        raise NotImplementedError(
            "vmap of pure_callback needs a vmap_method: 'sequential', "
            "'sequential_unrolled', 'expand_dims', 'broadcast_all' or 'legacy_vectorized'")
    batched_avals = tuple(ShapedArray((size, *a.shape), a.dtype) for a in result_avals)
    unbatched = [d is batching.not_mapped for d in dims]
    moved = [a if u else batching.moveaxis(a, d, 0) for a, d, u in zip(args, dims, unbatched)]
    if vmap_method in ("expand_dims", "broadcast_all"):
        n = size if vmap_method == "broadcast_all" else 1
        moved = [lax.broadcast(a, (n,)) if u else a for a, u in zip(moved, unbatched)]
    outs = pure_callback_p.bind(*moved, **dict(params, result_avals=batched_avals))
    return list(outs), [0] * len(outs)


def _no_jvp(name, hint):
    def rule(primals, tangents, **params):
        raise ValueError(f"{name} does not support differentiation. {hint}")
    return rule


batching.primitive_batchers[pure_callback_p] = _pure_callback_batch
ad.primitive_jvps[pure_callback_p] = _no_jvp(
    "pure_callback", "Please use `jax.custom_jvp` to use callbacks while taking gradients.")


def pure_callback(callback, result_shape_dtypes, *args, sharding=None, vmap_method=None,
                  **kwargs):
    """Calls the Python function `callback(*args, **kwargs)` on the host from inside a
    (possibly compiled, vmapped) computation, with NumPy arrays; it must return arrays
    matching `result_shape_dtypes` (a pytree of ShapeDtypeStructs or arrays) and have no
    side effects (its call may be dropped or repeated). `vmap_method` says how it batches:
    'sequential' (one call per example), 'sequential_unrolled', 'expand_dims' (one call,
    unbatched arguments get a leading axis of size 1), 'broadcast_all' (unbatched
    arguments tiled to the batch)."""
    if vmap_method not in VMAP_METHODS:
        raise ValueError(f"pure_callback: vmap_method must be one of {VMAP_METHODS}, got "
                         f"{vmap_method!r}")
    if sharding is not None:
        raise NotImplementedError("pure_callback(sharding=...): shardings are not supported "
                                  "yet")
    return _bind_callback(pure_callback_p, "pure_callback", callback, result_shape_dtypes,
                          args, kwargs, vmap_method=vmap_method)


def _result_avals(name, result_shape_dtypes):
    def aval(s):
        if not (hasattr(s, "shape") and hasattr(s, "dtype")):
            raise TypeError(f"{name}: result_shape_dtypes must be a pytree of objects with "
                            f".shape and .dtype (e.g. ShapeDtypeStruct), got {s!r}")
        return ShapedArray(tuple(s.shape), dtypes.canonicalize(s.dtype))
    flat, tree = tree_flatten(tree_map(aval, result_shape_dtypes))
    return tuple(flat), tree


def _bind_callback(prim, name, callback, result_shape_dtypes, args, kwargs, **params):
    if not callable(callback):
        raise TypeError(f"{name}: expected a callable, got {callback!r}")
    flat_args, in_tree = tree_flatten((args, kwargs))
    avals, out_tree = _result_avals(name, result_shape_dtypes)
    outs = prim.bind(*flat_args, callback=_Callback(name, callback, in_tree),
                     result_avals=avals, **params)
    return tree_unflatten(out_tree, outs)


# io_callback: a side effect, optionally ordered --------------------------------------------

io_callback_p = _primitive("io_callback", has_side_effect=True)


def _io_callback_batch(args, dims, *, callback, result_avals, ordered):
    if ordered:
        raise ValueError("Cannot `vmap` ordered IO callback.")
    return _sequential(io_callback_p, args, dims, False, callback=callback,
                       result_avals=result_avals, ordered=ordered)


batching.primitive_batchers[io_callback_p] = _io_callback_batch
ad.primitive_jvps[io_callback_p] = _no_jvp("io_callback", "IO callbacks cannot be "
                                           "differentiated; use pure_callback with custom_jvp.")


def io_callback(callback, result_shape_dtypes, *args, sharding=None, ordered=False,
                **kwargs):
    """Calls `callback(*args, **kwargs)` on the host for its side effects (and results
    matching `result_shape_dtypes`, or None): never dropped; with `ordered=True` the
    calls of one program body run in program order. Cannot be differentiated; vmapped
    (unordered only) one example at a time."""
    if sharding is not None:
        raise NotImplementedError("io_callback(sharding=...): shardings are not supported yet")
    return _bind_callback(io_callback_p, "io_callback", callback, result_shape_dtypes, args,
                          kwargs, ordered=bool(ordered))


# debug_callback: no results; per example under vmap, primals under jvp ---------------------

debug_callback_p = _primitive("debug_callback", has_side_effect=True)


def _debug_callback_batch(args, dims, *, callback, result_avals, ordered):
    moved = [a if d is batching.not_mapped else batching.moveaxis(a, d, 0)
             for a, d in zip(args, dims)]
    for i in range(_batch_size(args, dims)):  # one call per example, in order
        debug_callback_p.bind(*[a if d is batching.not_mapped else a[i]
                                for a, d in zip(moved, dims)],
                              callback=callback, result_avals=result_avals, ordered=ordered)
    return [], []


def _debug_callback_jvp(primals, tangents, **params):
    debug_callback_p.bind(*primals, **params)
    return [], []


batching.primitive_batchers[debug_callback_p] = _debug_callback_batch
ad.primitive_jvps[debug_callback_p] = _debug_callback_jvp


def debug_callback(callback, *args, ordered=False, **kwargs):
    """Calls `callback(*args, **kwargs)` on the host with the values (NumPy arrays) the
    computation has at that point, staged, vmapped (once per example) or differentiated
    (with the primal values); returns None."""
    _bind_callback(debug_callback_p, "debug.callback", callback, (), args, kwargs,
                   ordered=bool(ordered))
