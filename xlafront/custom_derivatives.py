"""User-defined differentiation rules (`custom_jvp`, `custom_vjp`), `stop_gradient` and
`checkpoint` (remat).

A custom_jvp function binds `custom_jvp_call` carrying its primal function as IR and the
user's jvp rule as a Python callable: evaluation, lowering and batching use the IR, the jvp
trace calls the rule. A custom_vjp function binds `custom_vjp_call`: its jvp runs the user's
forward function now and emits `custom_lin`, a primitive linear in the tangents whose
transpose is the user's backward function.
"""
import functools
import inspect

from . import core, dtypes
from .core import bind, eval_jaxpr, get_aval
from .errors import api_boundary
from .interpreters import ad, batching, lowering
from .interpreters import partial_eval as pe
from .interpreters.partial_eval import partial_eval_call, trace_pytree_fun
from .tree import (register_pytree_node_class, tree_flatten, tree_map, tree_structure,
                   tree_unflatten, treedef_is_leaf)


def _resolve_args(fun, args, kwargs):
    if not kwargs:
        return tuple(args)
    try:
        bound = inspect.signature(fun).bind(*args, **kwargs)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{getattr(fun, '__name__', 'function')}: {e}") from None
    bound.apply_defaults()
    return bound.args + tuple(bound.kwargs.values())


def _split_nondiff(args, nondiff_argnums):
    """((position, value) of each non-differentiable argument, the other arguments)."""
    nondiff = [(i, args[i]) for i in nondiff_argnums]
    dyn = [a for i, a in enumerate(args) if i not in nondiff_argnums]
    return nondiff, dyn


def _merge_nondiff(nondiff, in_tree, leaves):
    """The whole argument list: the differentiable arguments rebuilt from their leaves, the
    others put back at their positions."""
    args = tree_unflatten(in_tree, list(leaves))
    for i, value in nondiff:
        args.insert(i, value)
    return args


def _stage(fun, leaves, what):
    """(jaxpr, consts, out_tree) of fun on flat leaves returning a pytree."""
    return trace_pytree_fun(lambda *xs: fun(*xs), tree_structure(tuple(leaves)),
                            [get_aval(x) for x in leaves], what)


def _call_impl(*args, call_jaxpr, **_):
    return eval_jaxpr(call_jaxpr, [], *args)


def _call_lowering(ctx, *args, call_jaxpr, **_):
    return lowering.lower_jaxpr_body(ctx.module_context, call_jaxpr, [], list(args))


def _call_primitive(name):
    prim = core.Primitive(name, multiple_results=True)
    prim.abstract_eval = lambda *avals, call_jaxpr, **_: call_jaxpr.out_avals
    prim.impl = _call_impl
    lowering.register_lowering(prim, _call_lowering)
    return prim


def _check_types(what, expected, got):
    for i, (e, g) in enumerate(zip(expected, got)):
        if e.shape != g.shape or e.dtype != g.dtype:
            raise TypeError(f"{what}: output {i} should have type {e.str_short()} but has "
                            f"type {g.str_short()}")


# ---------------------------------------------------------------------------------------
# custom_jvp

custom_jvp_call_p = _call_primitive("custom_jvp_call")


def _closed_over_error(kind):
    return TypeError(
        f"Detected differentiation of a {kind} function with respect to a closed-over value. "
        f"That isn't supported because the custom rule only specifies how to differentiate "
        f"the function with respect to its explicit arguments: pass the value as an argument "
        f"instead.")


def _custom_jvp_call_jvp(primals, tangents, call_jaxpr, jvp_fun, num_consts, symbolic_zeros):
    if any(type(t) is not ad.Zero for t in tangents[:num_consts]):
        raise _closed_over_error("custom_jvp")
    primals, tangents = primals[num_consts:], tangents[num_consts:]
    if not symbolic_zeros:
        tangents = [ad.instantiate(t) for t in tangents]
    outs = jvp_fun(*primals, *tangents)
    n = len(call_jaxpr.outvars)
    return outs[:n], outs[n:]


def _custom_jvp_call_batch(trace, vals, dims, call_jaxpr, jvp_fun, num_consts, symbolic_zeros):
    size = trace.axis_size
    if all(d is None for d in dims) and trace.axis_name is None:
        return core.bind_in(trace.parent, custom_jvp_call_p, vals, dict(
            call_jaxpr=call_jaxpr, jvp_fun=jvp_fun, num_consts=num_consts,
            symbolic_zeros=symbolic_zeros)), [None] * len(call_jaxpr.outvars)
    new_jaxpr, consts, _ = batching.batch_jaxpr(call_jaxpr, dims, size, trace.axis_name,
                                                instantiate=True)
    in_dims = list(dims[num_consts:])
    batched = batching.batch_fun(lambda *xs: [ad.instantiate(o) for o in jvp_fun(*xs)],
                                 in_dims + in_dims, size, trace.axis_name)

    def batched_jvp(*xs):  # symbolic zeros are instantiated across vmap
        return batched(*[ad.instantiate(x) for x in xs])
    outs = bind(custom_jvp_call_p, *consts, *vals, call_jaxpr=new_jaxpr, jvp_fun=batched_jvp,
                num_consts=num_consts + len(consts), symbolic_zeros=symbolic_zeros)
    return outs, [0] * len(outs)


def _custom_jvp_call_partial_eval(trace, args, call_jaxpr, **params):
    """With unknown (tangent) inputs, as JAX: partial evaluation only builds linear
    programs, which never differentiate again, so the rule is dropped and the primal
    function inlined (its equations split as usual)."""
    with core.set_current_trace(trace):
        return eval_jaxpr(call_jaxpr, [], *args)


ad.primitive_jvps[custom_jvp_call_p] = _custom_jvp_call_jvp
batching.batchers_with_trace[custom_jvp_call_p] = _custom_jvp_call_batch
pe.partial_eval_rules[custom_jvp_call_p] = _custom_jvp_call_partial_eval


class _CustomDerivative:
    """What custom_jvp and custom_vjp share: the wrapped function, its non-differentiable
    arguments, and the call's primal function staged on the differentiable ones."""

    def __init__(self, fun, nondiff_argnums=()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.symbolic_zeros = False

    def __getattr__(self, name):
        """The wrapped function's other attributes (e.g. custom_vmap's def_vmap beneath a
        custom_vjp), as JAX's custom-derivative wrappers forward them."""
        if name == "fun":
            raise AttributeError(name)
        return getattr(self.fun, name)

    def __get__(self, obj, objtype=None):
        return self if obj is None else functools.partial(self, obj)

    def _stage_call(self, args, kwargs, rule, what):
        """(name, nondiff, differentiable args, their leaves and tree, and the primal
        staged: jaxpr, consts, out_tree), once the `what` ("jvp" or "vjp") rule (None if not
        defined) is checked."""
        name = getattr(self.fun, "__name__", f"custom_{what} function")
        if rule is None:
            raise AttributeError(f"No {what.upper()} defined for custom_{what} function {name} "
                                 f"using def{what}")
        nondiff, dyn = _split_nondiff(_resolve_args(self.fun, args, kwargs),
                                      self.nondiff_argnums)
        leaves, in_tree = tree_flatten(dyn)
        staged = _stage(lambda *xs: self.fun(*_merge_nondiff(nondiff, in_tree, xs)), leaves,
                        name)
        return (name, nondiff, dyn, leaves, in_tree, *staged)


class custom_jvp(_CustomDerivative):
    """A function with a user-defined jvp rule (which also defines its reverse mode)."""

    def __init__(self, fun, nondiff_argnums=()):
        super().__init__(fun, nondiff_argnums)
        self.jvp = None

    def defjvp(self, jvp, symbolic_zeros=False):
        """Sets the rule `jvp(*nondiff_args, primals, tangents) -> (primal_out, tangent_out)`."""
        self.jvp = jvp
        self.symbolic_zeros = symbolic_zeros
        return jvp

    def defjvps(self, *tangent_fns):
        """Sets the rule from one function per argument, `fn(t, primal_out, *primals)`, whose
        results are summed (None for arguments without a tangent)."""
        def jvp(primals, tangents):
            ans = self(*primals)
            total = None
            for fn, t in zip(tangent_fns, tangents):
                if fn is None:
                    continue
                contribution = fn(t, ans, *primals)
                total = contribution if total is None else _tree_add(total, contribution)
            return ans, total if total is not None else _tree_zeros(ans)
        self.defjvp(jvp)

    @api_boundary
    def __call__(self, *args, **kwargs):
        name, nondiff, _, leaves, in_tree, call_jaxpr, consts, out_tree = self._stage_call(
            args, kwargs, self.jvp, "jvp")
        out_avals = call_jaxpr.out_avals

        def jvp_fun(*xs):
            n = len(leaves)
            primals = tree_unflatten(in_tree, list(xs[:n]))
            tangents = tree_unflatten(in_tree, [_tangent_value(t, p) for t, p in
                                                zip(xs[n:], xs[:n])])
            out = self.jvp(*[v for _, v in nondiff], tuple(primals), tuple(tangents))
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(f"custom_jvp rule of {name} must return a pair (primal_out, "
                                f"tangent_out), got {type(out).__name__}")
            p_out, t_out = out
            p_leaves, p_tree = tree_flatten(p_out)
            t_leaves, t_tree = tree_flatten(t_out)
            if p_tree != out_tree or t_tree != out_tree:
                raise TypeError(f"custom_jvp rule of {name} must produce primal and tangent "
                                f"outputs with the structure of the function's output "
                                f"{out_tree}, got {p_tree} and {t_tree}")
            _check_types(f"custom_jvp rule of {name} (primal)", out_avals,
                         [get_aval(x) for x in p_leaves])
            t_leaves = [ad.Zero(ad.tangent_aval(a)) if t is None else t
                        for t, a in zip(t_leaves, out_avals)]
            _check_types(f"custom_jvp rule of {name} (tangent)",
                         [ad.tangent_aval(a) for a in out_avals],
                         [t.aval if type(t) is ad.Zero else get_aval(t) for t in t_leaves])
            return list(p_leaves) + t_leaves

        outs = bind(custom_jvp_call_p, *consts, *leaves, call_jaxpr=call_jaxpr,
                    jvp_fun=jvp_fun, num_consts=len(consts),
                    symbolic_zeros=self.symbolic_zeros)
        return tree_unflatten(out_tree, outs)


def _tangent_value(t, primal):
    """A tangent handed to a user rule: float0 zeros for integer primals."""
    if type(t) is ad.Zero:
        return ad.zeros_like_aval(t.aval)
    return t


def _tree_add(a, b):
    return tree_map(lambda x, y: x + y, a, b)


def _tree_zeros(tree):
    return tree_map(lambda x: ad.zeros_like_aval(ad.tangent_aval(get_aval(x))), tree)


# ---------------------------------------------------------------------------------------
# custom_vjp

custom_vjp_call_p = _call_primitive("custom_vjp_call")
custom_lin_p = core.Primitive("custom_lin", multiple_results=True)


def _custom_vjp_call_jvp(primals, tangents, call_jaxpr, fwd_fun, bwd_fun, num_consts,
                         out_avals, symbolic_zeros):
    if any(type(t) is not ad.Zero for t in tangents[:num_consts]):
        raise _closed_over_error("custom_vjp")
    args = primals[num_consts:]
    res_and_outs = fwd_fun(*args)
    num_res = len(res_and_outs) - len(out_avals)
    res, outs = res_and_outs[:num_res], res_and_outs[num_res:]
    lin_tangents = [ad.instantiate(t) for t in tangents[num_consts:]
                    if dtypes.is_inexact(t.aval.dtype if type(t) is ad.Zero else
                                         get_aval(t).dtype)]
    in_avals = [get_aval(x) for x in args]
    tangents_out = bind(custom_lin_p, *res, *lin_tangents, num_res=num_res, bwd_fun=bwd_fun,
                        in_avals=tuple(in_avals), out_avals=tuple(out_avals))
    touts = iter(tangents_out)
    return outs, [next(touts) if dtypes.is_inexact(a.dtype) else ad.Zero(ad.tangent_aval(a))
                  for a in out_avals]


def _custom_lin_abstract(*avals, num_res, bwd_fun, in_avals, out_avals):
    return [a for a in out_avals if dtypes.is_inexact(a.dtype)]


def _custom_lin_impl(*args, **params):
    raise TypeError("can't apply forward-mode autodiff (jvp) to a custom_vjp function; "
                    "use grad/vjp, or define the function with custom_jvp")


def _custom_lin_transpose(cts, *args, num_res, bwd_fun, in_avals, out_avals):
    res = args[:num_res]
    cts = iter(cts)
    cts_full = [(ad.instantiate(next(cts)) if dtypes.is_inexact(a.dtype)
                 else ad.zeros_like_aval(ad.tangent_aval(a))) for a in out_avals]
    cts_in = bwd_fun(*res, *cts_full)
    cts_in = iter([c for c, a in zip(cts_in, in_avals) if dtypes.is_inexact(a.dtype)])
    return [None] * num_res + [next(cts_in) for _ in args[num_res:]]


custom_lin_p.abstract_eval = _custom_lin_abstract
custom_lin_p.impl = _custom_lin_impl
lowering.register_lowering(custom_lin_p, lambda ctx, *args, **params: _custom_lin_impl())
ad.primitive_transposes[custom_lin_p] = _custom_lin_transpose


def _custom_vjp_call_batch(trace, vals, dims, call_jaxpr, fwd_fun, bwd_fun, num_consts,
                           out_avals, symbolic_zeros):
    size = trace.axis_size
    params = dict(call_jaxpr=call_jaxpr, fwd_fun=fwd_fun, bwd_fun=bwd_fun,
                  num_consts=num_consts, out_avals=out_avals, symbolic_zeros=symbolic_zeros)
    if all(d is None for d in dims) and trace.axis_name is None:
        return core.bind_in(trace.parent, custom_vjp_call_p, vals, params), [None] * len(
            out_avals)
    new_jaxpr, consts, _ = batching.batch_jaxpr(call_jaxpr, dims, size, trace.axis_name,
                                                instantiate=True)
    in_dims = list(dims[num_consts:])
    batched_fwd = batching.batch_fun(fwd_fun, in_dims, size, trace.axis_name)
    batched_out = tuple(a.update(shape=(size,) + a.shape) for a in out_avals)

    def batched_bwd(*res_and_cts):  # residuals and cotangents all mapped at 0
        return batching.vmap_flat(bwd_fun, res_and_cts, [0] * len(res_and_cts),
                                  lambda n: [0] * n, size, trace.axis_name)

    outs = bind(custom_vjp_call_p, *consts, *vals, call_jaxpr=new_jaxpr, fwd_fun=batched_fwd,
                bwd_fun=batched_bwd, num_consts=num_consts + len(consts),
                out_avals=batched_out, symbolic_zeros=symbolic_zeros)
    return outs, [0] * len(outs)


def _custom_lin_batch(vals, dims, num_res, bwd_fun, in_avals, out_avals):
    size = batching.batch_size_of(vals, dims)
    vals = [batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims)]

    def batched_bwd(*res_and_cts):
        return batching.vmap_flat(bwd_fun, res_and_cts, [0] * len(res_and_cts),
                                  lambda n: [0] * n, size)

    outs = bind(custom_lin_p, *vals, num_res=num_res, bwd_fun=batched_bwd,
                in_avals=tuple(a.update(shape=(size,) + a.shape) for a in in_avals),
                out_avals=tuple(a.update(shape=(size,) + a.shape) for a in out_avals))
    return outs, [0] * len(outs)


ad.primitive_jvps[custom_vjp_call_p] = _custom_vjp_call_jvp
batching.batchers_with_trace[custom_vjp_call_p] = _custom_vjp_call_batch
batching.primitive_batchers[custom_lin_p] = _custom_lin_batch


class custom_vjp(_CustomDerivative):
    """A function with a user-defined reverse-mode rule."""

    def __init__(self, fun, nondiff_argnums=()):
        super().__init__(fun, nondiff_argnums)
        self.fwd = self.bwd = None

    def defvjp(self, fwd, bwd, symbolic_zeros=False):
        """`fwd(*args) -> (output, residuals)`, `bwd(*nondiff_args, residuals, g) -> tuple
        of cotangents, one per (differentiable) argument (None for zero)`."""
        self.fwd, self.bwd, self.symbolic_zeros = fwd, bwd, symbolic_zeros
        return self

    @api_boundary
    def __call__(self, *args, **kwargs):
        name, nondiff, dyn, leaves, in_tree, call_jaxpr, consts, out_tree = self._stage_call(
            args, kwargs, self.fwd, "vjp")
        out_avals = tuple(call_jaxpr.out_avals)
        res_tree = {}

        def fwd_fun(*xs):
            out = self.fwd(*_merge_nondiff(nondiff, in_tree, xs))
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(f"custom_vjp fwd function of {name} must return a pair "
                                f"(output, residuals), got {type(out).__name__}")
            y, res = out
            y_leaves, y_tree = tree_flatten(y)
            if y_tree != out_tree:
                raise TypeError(f"custom_vjp fwd function of {name} must return an output "
                                f"with the structure of the function's output {out_tree}, "
                                f"got {y_tree}")
            _check_types(f"custom_vjp fwd function of {name}", out_avals,
                         [get_aval(x) for x in y_leaves])
            res_leaves, res_tree["tree"] = tree_flatten(res)
            return list(res_leaves) + list(y_leaves)

        def bwd_fun(*res_and_cts):
            num_res = len(res_and_cts) - len(out_avals)
            res = tree_unflatten(res_tree["tree"], list(res_and_cts[:num_res]))
            g = tree_unflatten(out_tree, list(res_and_cts[num_res:]))
            cts = self.bwd(*[v for _, v in nondiff], res, g)
            if not isinstance(cts, (tuple, list)) or len(cts) != len(dyn):
                raise TypeError(
                    f"custom_vjp bwd function of {name} must return a tuple with one cotangent "
                    f"per differentiable argument ({len(dyn)}), got "
                    f"{type(cts).__name__}" + (f" of length {len(cts)}"
                                               if isinstance(cts, (tuple, list)) else ""))
            flat = []
            for i, (ct, arg) in enumerate(zip(cts, dyn)):
                arg_leaves, arg_tree = tree_flatten(arg)
                if ct is None:
                    flat += [ad.zeros_like_aval(ad.tangent_aval(get_aval(a)))
                             for a in arg_leaves]
                    continue
                ct_leaves, ct_tree = tree_flatten(ct)
                if ct_tree != arg_tree:
                    raise TypeError(f"custom_vjp bwd function of {name}: the cotangent for "
                                    f"argument {i} has structure {ct_tree}, but the argument "
                                    f"has structure {arg_tree}")
                for a, c in zip(arg_leaves, ct_leaves):
                    a_aval, c_aval = get_aval(a), get_aval(c)
                    if c_aval.shape != a_aval.shape:
                        raise ValueError(f"custom_vjp bwd function of {name}: the cotangent for "
                                         f"argument {i} has shape {c_aval.shape}, expected "
                                         f"{a_aval.shape}")
                flat += ct_leaves
            return flat

        outs = bind(custom_vjp_call_p, *consts, *leaves, call_jaxpr=call_jaxpr, fwd_fun=fwd_fun,
                    bwd_fun=bwd_fun, num_consts=len(consts), out_avals=out_avals,
                    symbolic_zeros=self.symbolic_zeros)
        return tree_unflatten(out_tree, outs)


# ---------------------------------------------------------------------------------------
# stop_gradient

def stop_gradient(x):
    """x (any pytree) with its derivative taken to be zero."""
    def stop(leaf):
        if not dtypes.is_inexact(get_aval(leaf).dtype):
            return leaf
        return bind(stop_gradient_p, leaf)
    return tree_map(stop, x)


stop_gradient_p = core.Primitive("stop_gradient")
stop_gradient_p.abstract_eval = lambda x: [x]
lowering.register_lowering(stop_gradient_p, lambda ctx, x: [x])
ad.defzero(stop_gradient_p)
batching.defvectorized(stop_gradient_p)


# ---------------------------------------------------------------------------------------
# checkpoint (remat)

remat_p = core.Primitive("checkpoint", multiple_results=True)
remat_p.abstract_eval = lambda *avals, jaxpr, policy, prevent_cse: jaxpr.out_avals
remat_p.impl = lambda *args, jaxpr, policy, prevent_cse: eval_jaxpr(jaxpr, [], *args)


def _remat_lowering(ctx, *args, jaxpr, policy, prevent_cse):
    if prevent_cse and args:  # keep XLA from merging the recomputation with the forward pass
        args = lowering.hlo.OptimizationBarrierOp(list(args)).results
    return lowering.lower_jaxpr_body(ctx.module_context, jaxpr, [], list(args))


def _remat_partial_eval(trace, args, jaxpr, policy, prevent_cse):
    """Known outputs run now; the unknown (tangent) part recomputes what the policy does
    not allow to save, inside its own checkpoint equation."""
    return partial_eval_call(trace, remat_p, args,
                             dict(jaxpr=jaxpr, policy=policy, prevent_cse=prevent_cse),
                             saveable=lambda eqn: policy(eqn.prim, **eqn.params))


lowering.register_lowering(remat_p, _remat_lowering)
ad.primitive_jvps[remat_p] = ad.call_jvp(remat_p)
pe.partial_eval_rules[remat_p] = _remat_partial_eval
ad.primitive_transposes[remat_p] = ad.call_transpose(remat_p)
batching.batchers_with_trace[remat_p] = batching.call_batch(remat_p)


class checkpoint_policies:
    """Which intermediate values of a checkpointed function may be saved for the backward
    pass; everything else is recomputed."""

    @staticmethod
    def nothing_saveable(prim, **params):
        return False

    @staticmethod
    def everything_saveable(prim, **params):
        return True

    @staticmethod
    def dots_saveable(prim, **params):
        return prim.name == "dot_general"

    checkpoint_dots = dots_saveable

    @staticmethod
    def dots_with_no_batch_dims_saveable(prim, **params):
        return prim.name == "dot_general" and not params["dimension_numbers"][1][0]


def checkpoint(fun, prevent_cse=True, policy=None, static_argnums=()):
    """`fun`, with its intermediate values recomputed in the backward pass instead of
    saved (`policy` chooses values that may be saved, e.g.
    `checkpoint_policies.dots_saveable`)."""
    policy = policy or checkpoint_policies.nothing_saveable
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)

    @api_boundary
    @functools.wraps(fun)
    def remat_fun(*args, **kwargs):
        statics, dyn = _split_nondiff(_resolve_args(fun, args, kwargs), static_argnums)
        leaves, in_tree = tree_flatten(dyn)
        jaxpr, consts, out_tree = _stage(
            lambda *xs: fun(*_merge_nondiff(statics, in_tree, xs)), leaves, "checkpoint")
        outs = bind(remat_p, *consts, *leaves, jaxpr=jaxpr, policy=policy,
                    prevent_cse=prevent_cse)
        return tree_unflatten(out_tree, outs)

    return remat_fun


remat = checkpoint


# ---------------------------------------------------------------------------------------
# closure_convert, custom_gradient

def _maybe_perturbed(x):
    """Whether a captured value may carry a derivative: a traced value of inexact dtype."""
    return isinstance(x, core.Tracer) and dtypes.is_inexact(x.aval.dtype)


@api_boundary
def closure_convert(fun, *example_args):
    """(converted, hoisted): `fun` traced on arguments like `example_args`, with the traced
    values it closes over (those that may carry derivatives) hoisted out as extra trailing
    arguments, so a custom_vjp/custom_jvp rule can differentiate with respect to them.
    `converted(*args, *hoisted)` computes `fun(*args)`."""
    leaves, in_tree = tree_flatten(example_args)
    avals = [core.get_aval(x) for x in leaves]
    jaxpr, consts, out_tree = trace_pytree_fun(fun, in_tree, avals, "closure_convert")
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
    """
    @custom_vjp
    def wrapped(*args, **kwargs):
        return fun(*args, **kwargs)[0]

    def fwd(*args, **kwargs):
        ans, rule = fun(*args, **kwargs)
        ans_leaves, ans_tree = tree_flatten((ans,))
        avals = [ad.tangent_aval(core.get_aval(x)) for x in ans_leaves]
        jaxpr, consts, cts_tree = trace_pytree_fun(rule, ans_tree, avals, "custom_gradient")
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
