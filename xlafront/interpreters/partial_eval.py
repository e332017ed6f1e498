"""Staging: running a Python function on tracers to record it as IR (for jit and
make_jaxpr), and dead-code elimination on the IR."""
import builtins
import inspect

import numpy as np

from .. import core
from ..core import (ClosedJaxpr, Eqn, Jaxpr, Literal, Tracer, Var, escaped_tracer_error,
                    get_aval, set_current_trace)
from ..errors import user_frame
from ..tree import keystr, tree_flatten, tree_flatten_with_path, tree_unflatten

_python_scalars = (builtins.bool, builtins.int, builtins.float, builtins.complex)

# prim -> rule(trace, args, **params) -> outs, for primitives that carry IR and split it
partial_eval_rules = {}


class DebugInfo:
    """Where a traced function comes from, for error messages."""
    __slots__ = ("fun_name", "source", "arg_names", "transform")

    def __init__(self, fun_name, source, arg_names, transform):
        self.fun_name = fun_name
        self.source = source  # "file:line" of the function's definition
        self.arg_names = arg_names  # one per flattened input
        self.transform = transform


def debug_info(fun, transform, args=(), kwargs=None, static_argnums=(), static_argnames=()):
    """DebugInfo for `fun` called with `args`/`kwargs` (flattened names like `x['w'][0]`)."""
    name = getattr(fun, "__name__", type(fun).__name__)
    code = getattr(fun, "__code__", None)
    source = f"{code.co_filename}:{code.co_firstlineno}" if code is not None else "<unknown>"
    try:
        params = list(inspect.signature(fun).parameters)
    except (TypeError, ValueError):
        params = []
    names = []
    for i, arg in enumerate(args):
        if i in static_argnums:
            continue
        base = params[i] if i < len(params) and not _is_varargs(fun, i) else f"args[{i}]"
        paths, _ = tree_flatten_with_path(arg)
        names += [base + keystr(path) for path, _ in paths]
    for key, arg in sorted((kwargs or {}).items()):
        if key in static_argnames:
            continue
        paths, _ = tree_flatten_with_path(arg)
        names += [key + keystr(path) for path, _ in paths]
    return DebugInfo(name, source, names, transform)


def _is_varargs(fun, i):
    code = getattr(fun, "__code__", None)
    return code is not None and i >= code.co_argcount


class StagingTracer(Tracer):
    __slots__ = ("aval", "var")

    def __init__(self, trace, aval, var):
        self._trace = trace
        self.aval = aval
        self.var = var

    def __repr__(self):
        return f"JitTracer({self.aval.str_long()})"


class StagingTrace(core.Trace):
    """Records every primitive bound while it is current as an equation of a Jaxpr.
    Values that are not its own tracers (arrays, outer tracers) become constants. Staging a
    pmapped function, it names the mapped axis (`axis_name`, `axis_size`) for collectives."""
    axis_name = axis_size = None

    def __init__(self, debug=None):
        self.outer = core.current_trace()  # the enclosing trace (for named-axis lookups)
        self.debug = debug
        self.invars = []
        self.eqns = []
        self.const_vars = {}  # id(value) -> Var
        self.const_values = []
        self.valid = True

    def new_arg(self, aval):
        var = Var(aval)
        self.invars.append(var)
        return StagingTracer(self, aval, var)

    def to_atom(self, x):
        if isinstance(x, StagingTracer) and x._trace is self:
            return x.var
        if isinstance(x, Tracer) and not x._trace.valid:
            raise escaped_tracer_error(x)
        if isinstance(x, _python_scalars):
            return Literal(x, get_aval(x))
        if isinstance(x, (np.ndarray, np.generic)) and x.shape == ():
            aval = get_aval(x)
            return Literal(np.asarray(x, aval.dtype), aval)
        var = self.const_vars.get(id(x))
        if var is None:
            var = self.const_vars[id(x)] = Var(get_aval(x))
            self.const_values.append(x)
        return var

    def process_primitive(self, prim, args, params):
        inputs = [self.to_atom(x) for x in args]
        out_avals = prim.abstract_eval(*[x.aval for x in inputs], **params)
        outvars = [Var(a) for a in out_avals]
        self.eqns.append(Eqn(prim, inputs, outvars, params, user_frame()))
        return [StagingTracer(self, v.aval, v) for v in outvars]

    def describe_tracer(self, tracer):
        debug = self.debug
        if debug is None or not isinstance(tracer, StagingTracer) or tracer._trace is not self:
            return ""
        needed = {tracer.var}
        for eqn in reversed(self.eqns):
            if any(v in needed for v in eqn.outvars):
                needed.update(x for x in eqn.inputs if type(x) is Var)
        args = [name for var, name in zip(self.invars, debug.arg_names) if var in needed]
        text = (f"\nThe error occurred while tracing the function {debug.fun_name} at "
                f"{debug.source} for {debug.transform}.")
        if args:
            which = ", ".join(args)
            text += (f" This concrete value was not available in Python because it depends "
                     f"on the value of the argument{'s' if len(args) > 1 else ''} {which}.")
        return text

    def to_closed_jaxpr(self, outs):
        outvars = [self.to_atom(x) for x in outs]
        jaxpr = Jaxpr(list(self.const_vars.values()), self.invars, self.eqns, outvars)
        return ClosedJaxpr(jaxpr, self.const_values)


def trace_to_jaxpr(fun, in_avals, debug=None, axis=None):
    """Runs `fun(*tracers)` (a function of flat arrays returning a flat list of arrays)
    and returns the recorded ClosedJaxpr. `axis`: the (name, size) of the axis that `fun`
    is mapped over (pmap's body), which its collectives may name."""
    trace = StagingTrace(debug)
    if axis is not None:
        trace.axis_name, trace.axis_size = axis
    tracers = [trace.new_arg(a) for a in in_avals]
    try:
        with set_current_trace(trace):
            outs = fun(*tracers)
        return trace.to_closed_jaxpr(outs)
    finally:
        trace.valid = False


def convert_constvars(closed):
    """(jaxpr with consts as leading inputs, consts): the form a call primitive carries."""
    jaxpr = closed.jaxpr
    return Jaxpr([], jaxpr.constvars + jaxpr.invars, jaxpr.eqns, jaxpr.outvars), closed.consts


def dce_jaxpr(jaxpr, used_outputs=None):
    """Drops equations whose outputs nothing uses, unless they have side effects."""
    outvars = jaxpr.outvars if used_outputs is None else [
        v for v, used in zip(jaxpr.outvars, used_outputs) if used]
    live = {v for v in outvars if type(v) is Var}
    kept = []
    for eqn in reversed(jaxpr.eqns):
        if eqn.prim.effectful or any(v in live for v in eqn.outvars):
            kept.append(eqn)
            live.update(x for x in eqn.inputs if type(x) is Var)
    return Jaxpr(jaxpr.constvars, jaxpr.invars, kept[::-1], outvars)


# ---------------------------------------------------------------------------------------
# Partial evaluation: known values are computed now, unknown ones are staged

class PartialEvalTrace(StagingTrace):
    """A staging trace that stages only what depends on its own (unknown) tracers: a
    primitive whose inputs are all known runs on the parent trace right away. Known values
    read by staged equations become the staged program's constants (the residuals).
    Linearize runs the jvp under it: primal work happens now, tangent work is staged."""

    def __init__(self, parent, debug=None):
        super().__init__(debug)
        self.parent = parent

    def is_unknown(self, x):
        return isinstance(x, StagingTracer) and x._trace is self

    def process_primitive(self, prim, args, params):
        if not any(self.is_unknown(x) for x in args):
            return core.bind_in(self.parent, prim, args, params)
        rule = partial_eval_rules.get(prim)
        if rule is not None:
            return rule(self, args, **params)
        return self.stage(prim, args, params)

    def stage(self, prim, args, params):
        return StagingTrace.process_primitive(self, prim, args, params)


@core.cache_by_jaxpr
def partial_eval_jaxpr(jaxpr, in_unknowns, instantiate=(), saveable=None):
    """Splits `jaxpr` (without constvars) into a known part, which runs now, and an unknown
    part, which is staged:

        known(known inputs) -> known outputs + residuals
        unknown(residuals + unknown inputs) -> unknown outputs

    Returns (known, unknown, out_unknowns, num_residuals). It runs the jaxpr under a
    PartialEvalTrace, so primitives carrying IR split themselves by their own rules. Outputs
    marked in `instantiate` are unknown even if computable now. `saveable(eqn)`, when given
    (checkpointing), says which known equations may hand their outputs over as residuals;
    the others are recomputed in the unknown part."""
    instantiate = list(instantiate) + [False] * (len(jaxpr.outvars) - len(instantiate))
    store = {}

    def known_fun(*known_args):
        pe = PartialEvalTrace(core.current_trace())
        known_iter = iter(known_args)
        args = [pe.new_arg(v.aval) if u else next(known_iter)
                for v, u in zip(jaxpr.invars, in_unknowns)]
        try:
            with set_current_trace(pe):
                outs = core.eval_jaxpr(jaxpr, [], *args)
            out_uk = [pe.is_unknown(o) or inst for o, inst in zip(outs, instantiate)]
            unknown = pe.to_closed_jaxpr([o for o, u in zip(outs, out_uk) if u])
        finally:
            pe.valid = False
        store.update(unknown=unknown.jaxpr, out_uk=out_uk, num_res=len(unknown.consts))
        return [o for o, u in zip(outs, out_uk) if not u] + list(unknown.consts)

    known = inline_consts(trace_to_jaxpr(
        known_fun, [v.aval for v, u in zip(jaxpr.invars, in_unknowns) if not u]))
    unknown, num_res = store["unknown"], store["num_res"]
    unknown = Jaxpr([], unknown.constvars + unknown.invars, unknown.eqns, unknown.outvars)
    if saveable is not None:
        known, unknown, num_res = _recompute_unsaveable(known, unknown, num_res, saveable)
    return known, unknown, store["out_uk"], num_res


def inline_consts(closed):
    """The Jaxpr of a ClosedJaxpr whose constants are all concrete, as literals."""
    literals = {v: Literal(c, v.aval) for v, c in zip(closed.jaxpr.constvars, closed.consts)}
    for c in closed.consts:
        if isinstance(c, Tracer):
            raise AssertionError("inline_consts: a traced constant")  # internal invariant
    return substitute(closed.jaxpr, literals, constvars=[])


def substitute(jaxpr, mapping, invars=None, constvars=None):
    """`jaxpr` with the atoms in `mapping` replaced (and, if given, new invars/constvars)."""
    def sub(x):
        return mapping.get(x, x) if type(x) is Var else x
    eqns = [Eqn(e.prim, [sub(x) for x in e.inputs], e.outvars, e.params, e.source_info)
            for e in jaxpr.eqns]
    return Jaxpr(jaxpr.constvars if constvars is None else constvars,
                 jaxpr.invars if invars is None else invars, eqns,
                 [sub(x) for x in jaxpr.outvars])


def _recompute_unsaveable(known, unknown, num_res, saveable):
    """Moves the computation of residuals that `saveable` refuses from the known part into
    the unknown part (checkpointing): the unknown part recomputes them from saveable ones."""
    num_known_out = len(known.outvars) - num_res
    res_atoms = known.outvars[num_known_out:]
    producer = {v: eqn for eqn in known.eqns for v in eqn.outvars}
    kept, recompute, seen = [], set(), set()

    def need(x):
        if type(x) is not Var or x in seen:
            return
        seen.add(x)
        eqn = producer.get(x)
        if eqn is None or saveable(eqn):
            kept.append(x)
        elif id(eqn) not in recompute:
            recompute.add(id(eqn))
            for y in eqn.inputs:
                need(y)

    for x in res_atoms:
        need(x)
    # the unknown part reads residual i as its invar i: point those reads at the known vars
    mapping = dict(zip(unknown.invars[:num_res], res_atoms))
    body = substitute(unknown, mapping)
    unknown = Jaxpr([], kept + unknown.invars[num_res:],
                    [e for e in known.eqns if id(e) in recompute] + body.eqns, body.outvars)
    known = dce_jaxpr(Jaxpr([], known.invars, known.eqns, known.outvars[:num_known_out] + kept))
    return known, unknown, len(kept)


def partial_eval_call(trace, prim, args, params, saveable=None, split_params=None):
    """The partial_eval rule of a primitive carrying its body as params["jaxpr"] (pjit,
    checkpoint, pmap): the known part runs now as one call, the unknown part is staged as
    one. Residuals that are known inputs (or constants) are handed over directly rather
    than through the known call's outputs. `split_params(params, unknowns, out_unknowns,
    sources)` gives the (known, unknown) calls' other params where they depend on the
    operands (pmap's axes); sources[k] says where residual k comes from: an operand's
    index, None (a literal) or "out" (an output of the known call)."""
    unknowns = [trace.is_unknown(x) for x in args]
    known, unknown, out_unknowns, num_res = partial_eval_jaxpr(
        params["jaxpr"], unknowns, saveable=saveable)
    known_args = [x for x, u in zip(args, unknowns) if not u]
    num_known_out = len(known.outvars) - num_res
    res_atoms = known.outvars[num_known_out:]
    arg_of = dict(zip(known.invars, known_args))
    passed = [r for r in res_atoms if type(r) is Var and r not in arg_of]
    known = Jaxpr([], known.invars, known.eqns, known.outvars[:num_known_out] + passed)
    known_params = unknown_params = params
    if split_params is not None:
        index_of = dict(zip(known.invars, [i for i, u in enumerate(unknowns) if not u]))
        sources = [None if type(r) is Literal else index_of.get(r, "out") for r in res_atoms]
        known_params, unknown_params = split_params(params, unknowns, out_unknowns, sources)
    known_outs = core.bind_in(trace.parent, prim, known_args, dict(known_params, jaxpr=known))
    computed = iter(known_outs[num_known_out:])
    residuals = [r.val if type(r) is Literal else arg_of[r] if r in arg_of else next(computed)
                 for r in res_atoms]
    staged = trace.stage(prim, residuals + [x for x, u in zip(args, unknowns) if u],
                         dict(unknown_params, jaxpr=unknown))
    known_iter, staged_iter = iter(known_outs[:num_known_out]), iter(staged)
    return [next(staged_iter) if u else next(known_iter) for u in out_unknowns]


def call_partial_eval(prim, split_params=None):
    """The partial_eval rule (`partial_eval_call`) of a primitive carrying its body as
    params["jaxpr"]."""
    def rule(trace, args, **params):
        return partial_eval_call(trace, prim, args, params, split_params=split_params)
    return rule


def trace_jaxpr_fun(fun, in_avals):
    """(Jaxpr without consts, consts): `fun` staged, its captured constants turned into
    leading inputs, ready to be carried by a call primitive."""
    return convert_constvars(trace_to_jaxpr(fun, in_avals))


def trace_pytree_fun(fun, in_tree, in_avals, what="function"):
    """(jaxpr, consts, out_tree): `fun` of pytrees (given by in_tree and the leaves' avals)
    staged, its captured constants turned into leading inputs."""
    store = {}
    jaxpr, consts = trace_jaxpr_fun(flatten_fun(fun, in_tree, store, what), in_avals)
    return jaxpr, consts, store["out_tree"]


# ---------------------------------------------------------------------------------------
# Functions of pytrees as functions of flat leaves (what every transformation traces)

def flatten_fun(fun, in_tree, store, what="function", has_aux=False):
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


def split_aux_outputs(store, outs):
    """(the function's outputs, its aux tree rebuilt from the lifted aux arrays)."""
    n = len(outs) - store.get("num_aux", 0)
    if "aux_tree" not in store:
        return outs, None
    lifted = iter(outs[n:])
    leaves = [next(lifted) if core.is_array_like(x) else x for x in store["aux_leaves"]]
    return outs[:n], tree_unflatten(store["aux_tree"], leaves)
