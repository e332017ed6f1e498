"""JAX's `jax.custom_batching`: functions with a user-defined vmap rule (`custom_vmap`) and
functions batched by a loop (`sequential_vmap`).

A custom_vmap function binds `custom_vmap_call`, carrying its body as IR (what evaluation,
lowering and jit use) and its vmap rule as a flat Python callable
`rule(axis_size, in_batched, *args) -> (outs, out_batched)`. The batching rule calls it;
the jvp rule binds the primitive again on the body's jvp, with the rule's jvp as its rule
(so vmap of jvp and jvp of vmap both use the user's rule). Reverse mode is refused, as in
JAX: a custom_vjp around the custom_vmap function supplies it.
"""
import functools

from . import core
from . import lax
from .core import bind, eval_jaxpr, get_aval
from .custom_derivatives import _resolve_args  # kwargs to positional, as custom_jvp does
from .errors import api_boundary
from .interpreters import ad, batching, lowering
from .interpreters import partial_eval as pe
from .interpreters.partial_eval import trace_pytree_fun
from .tree import tree_flatten, tree_map, tree_unflatten

__all__ = ["custom_vmap", "sequential_vmap"]

custom_vmap_p = core.Primitive("custom_vmap_call", multiple_results=True)
custom_vmap_p.abstract_eval = lambda *avals, jaxpr, rule, num_consts: jaxpr.out_avals
custom_vmap_p.impl = lambda *args, jaxpr, rule, num_consts: eval_jaxpr(jaxpr, [], *args)
lowering.register_lowering(
    custom_vmap_p, lambda ctx, *args, jaxpr, rule, num_consts: lowering.lower_jaxpr_body(
        ctx.module_context, jaxpr, [], list(args)))


def _batch(vals, dims, jaxpr, rule, num_consts):
    if any(d is not None for d in dims[:num_consts]):
        raise ValueError("custom_vmap: the function closes over a value that vmap maps; its "
                         "vmap rule only sees the function's arguments, so pass that value "
                         "as an argument")
    size = batching.batch_size_of(vals, dims)
    args = [v if d is None else batching.moveaxis(v, d, 0)
            for v, d in zip(vals[num_consts:], dims[num_consts:])]
    outs, out_batched = rule(size, [d is not None for d in dims[num_consts:]], *args)
    for i, (out, batched, aval) in enumerate(zip(outs, out_batched, jaxpr.out_avals)):
        want = aval.update(shape=((size,) if batched else ()) + aval.shape)
        got = get_aval(out)
        if got.shape != want.shape or got.dtype != want.dtype:
            raise TypeError(f"custom_vmap rule: output {i} should have type "
                            f"{want.str_short()} (batched={bool(batched)}) but has type "
                            f"{got.str_short()}")
    return list(outs), [0 if b else None for b in out_batched]


def _jvp(primals, tangents, jaxpr, rule, num_consts):
    if any(type(t) is not ad.Zero for t in tangents[:num_consts]):
        raise TypeError("custom_vmap: differentiating with respect to a value the function "
                        "closes over is not supported (its vmap rule only sees the "
                        "function's arguments); pass that value as an argument")
    nonzeros = [type(t) is not ad.Zero for t in tangents]
    jvp_jaxpr, jvp_consts, out_nonzeros = ad.jvp_jaxpr(jaxpr, nonzeros)
    args = primals[num_consts:]
    nz_tangents = [t for t in tangents if type(t) is not ad.Zero]
    jvp_rule = functools.partial(_jvp_of_rule, rule, len(args), tuple(nonzeros[num_consts:]),
                                 tuple(out_nonzeros))
    outs = bind(custom_vmap_p, *jvp_consts, *primals, *nz_tangents, jaxpr=jvp_jaxpr,
                rule=jvp_rule, num_consts=len(jvp_consts) + num_consts)
    n = len(jaxpr.outvars)
    touts = iter(outs[n:])
    return outs[:n], [next(touts) if nz else ad.Zero(ad.tangent_aval(a))
                      for nz, a in zip(out_nonzeros, jaxpr.out_avals)]


def _jvp_of_rule(rule, n, nonzeros, out_nonzeros, axis_size, in_batched, *xs):
    """The vmap rule of the jvp call: the jvp of the user's rule. A primal and its tangent
    are both batched when either is (the other is broadcast), so the rule's batching flags
    hold for the tangents too."""
    primals, tangents = list(xs[:n]), iter(xs[n:])
    t_batched = iter(in_batched[n:])
    full, batched = [], []
    for i, p in enumerate(primals):
        t, tb = (next(tangents), next(t_batched)) if nonzeros[i] else (None, False)
        b = in_batched[i] or tb
        if b and not in_batched[i]:
            primals[i] = batching.broadcast_front(p, axis_size)
        if t is not None and b and not tb:
            t = batching.broadcast_front(t, axis_size)
        full.append(ad.Zero.like(primals[i]) if t is None else t)
        batched.append(b)
    store = {}

    def call_rule(*ps):
        outs, store["batched"] = rule(axis_size, batched, *ps)
        return outs

    outs, touts = ad.jvp_flat(call_rule, primals, full)
    out_batched = list(store["batched"])
    kept = []
    for t, nz, o, b in zip(touts, out_nonzeros, outs, out_batched):
        if nz:
            kept.append(ad.instantiate(ad.Zero.like(o)) if type(t) is ad.Zero else t)
    return list(outs) + kept, out_batched + [b for b, nz in zip(out_batched, out_nonzeros)
                                             if nz]


def _no_reverse_mode(trace, args, jaxpr, rule, num_consts):
    raise ValueError("custom_vmap functions do not support reverse-mode differentiation "
                    "(grad, vjp, linearize), as in JAX: wrap the function with custom_vjp to "
                    "give it a backward rule")


batching.primitive_batchers[custom_vmap_p] = _batch
ad.primitive_jvps[custom_vmap_p] = _jvp
pe.partial_eval_rules[custom_vmap_p] = _no_reverse_mode


class custom_vmap:
    """A function with a user-defined vmap rule. The rule gets the axis size, a list with
    one tree of booleans per argument (whether each leaf is batched, along axis 0) and the
    arguments; it returns the output and a tree of booleans of the output's structure.
    Without vmap, the function runs as written."""

    def __init__(self, fun):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.vmap_rule = None

    def def_vmap(self, vmap_rule):
        """Sets the rule `vmap_rule(axis_size, in_batched, *args) -> (out, out_batched)`;
        returns it unchanged."""
        self.vmap_rule = vmap_rule
        return vmap_rule

    @api_boundary
    def __call__(self, *args, **kwargs):
        name = getattr(self.fun, "__name__", "custom_vmap function")
        if self.vmap_rule is None:
            raise AttributeError(f"No batching rule defined for custom_vmap function {name} "
                                 "using def_vmap.")
        args = _resolve_args(self.fun, args, kwargs)
        leaves, in_tree = tree_flatten(args)
        jaxpr, consts, out_tree = trace_pytree_fun(lambda *a: self.fun(*a), in_tree,
                                                   [get_aval(x) for x in leaves], name)
        rule = functools.partial(_call_user_rule, self.vmap_rule, in_tree, out_tree)
        outs = bind(custom_vmap_p, *consts, *leaves, jaxpr=jaxpr, rule=rule,
                    num_consts=len(consts))
        return tree_unflatten(out_tree, outs)

    def __get__(self, obj, objtype=None):
        return self if obj is None else functools.partial(self, obj)


def _call_user_rule(user_rule, in_tree, out_tree, axis_size, flat_batched, *flat_args):
    """The flat form of a user's rule: pytrees and trees of flags in and out."""
    name = getattr(user_rule, "__name__", "<unnamed rule>")
    args = tree_unflatten(in_tree, list(flat_args))
    in_batched = tree_unflatten(in_tree, list(flat_batched))
    out = user_rule(axis_size, list(in_batched), *args)
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(f"custom_vmap rule ({name}) must return a pair (output, "
                        f"out_batched), got {type(out).__name__}")
    outs, tree = tree_flatten(out[0])
    flags, flags_tree = tree_flatten(out[1])
    if tree != flags_tree:
        raise ValueError(f"structure of output value and output batching specification "
                         f"returned by custom vmap rule ({name}) do not match.\n"
                         f"Output values: {tree}\nBatching spec: {flags_tree}")
    if tree != out_tree:
        raise ValueError(f"structure of output returned by custom vmap rule ({name}) does "
                         f"not match that of original custom-vmapped function.\n"
                         f"Original output: {out_tree}\nRule output: {tree}")
    return outs, [bool(f) for f in flags]


def sequential_vmap(f):
    """`f` as a custom_vmap function whose vmap runs it once per example, in a loop
    (lax.map): for functions that cannot be vectorized."""
    f = custom_vmap(f)

    @f.def_vmap
    def rule(axis_size, in_batched, *args):
        mapped = tree_map(lambda b, x: x if b else None, in_batched, list(args))
        unmapped = tree_map(lambda b, x: None if b else x, in_batched, list(args))

        def one(mapped_args):
            merged = tree_map(lambda b, m, u: m if b else u, in_batched, mapped_args, unmapped)
            return f(*merged)

        out = lax.map(one, mapped)
        return out, tree_map(lambda _: True, out)

    return f

