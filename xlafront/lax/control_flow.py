"""Structured control flow: cond/switch, while_loop/fori_loop, scan/map.

`cond`, `while` and `scan` are primitives that carry their bodies as IR (jaxprs without
constvars: captured values are passed as leading operands). They lower to StableHLO's
`case` and `while` regions, so a loop stays a loop under jit, and they have rules for
every transformation: jvp (by transforming their bodies), partial evaluation and
transposition for reverse mode (cond, scan), and batching. `fori_loop` with static bounds is
a scan (so reverse mode works); `map` is a scan. (`associative_scan`, a parallel prefix
composed from slices, lives in cumulative.py.)
"""
import builtins

import numpy as np

from .. import core, dtypes, runtime
from ..core import Jaxpr, Literal, Var, bind, bind_in, eval_jaxpr, get_aval
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from ..interpreters import partial_eval as pe
from ..interpreters.partial_eval import (flatten_fun, partial_eval_jaxpr, trace_jaxpr_fun,
                                        trace_pytree_fun)
from ..tree import (keystr, tree_flatten, tree_flatten_with_path, tree_map, tree_structure,
                    tree_unflatten)
from .base import avals_of, primitive
from .elementwise import add, clamp, convert_element_type, lt, ne, select, select_n
from .reductions import reduce_or
from .shape import broadcast_in_dim, concatenate, reshape
from .slicing import slice_in_dim


# ---------------------------------------------------------------------------------------
# Shared helpers

_trace_cache = runtime.make_cache("traced control-flow bodies", weak_keys=True)
_body_cache = runtime.make_cache("loop bodies", weak_keys=True)


def _per_function(cache, fun):
    """The dict `cache` keeps for the user function `fun` (a fresh one, not kept, for a
    function no weak reference can hold)."""
    try:
        return cache.setdefault(fun, {})
    except TypeError:
        return {}


def _trace(fun, in_tree, avals, what, wrap=None, *wrap_args):
    """(jaxpr, consts, out_tree) of `fun` (or of `wrap(fun, *wrap_args)`), cached per user
    function and input types so that eager loops reuse one compiled program, unless it
    captured traced values."""
    key = (in_tree, tuple(avals), dtypes.x64_enabled(), wrap, wrap_args)
    per_fun = _per_function(_trace_cache, fun)
    if key in per_fun:
        return per_fun[key]
    result = trace_pytree_fun(fun if wrap is None else wrap(fun, *wrap_args), in_tree, avals,
                              what)
    if not any(isinstance(c, core.Tracer) for c in result[1]):
        per_fun[key] = result
    return result


def _type_text(avals):
    return "(" + ", ".join(a.str_short() for a in avals) + ")"


def _with_common_consts(jaxprs_and_consts):
    """Jaxprs that each take their own consts first -> jaxprs that all take every const (in
    one shared list) first, then their original inputs."""
    all_consts = [c for _, consts in jaxprs_and_consts for c in consts]
    if not all_consts:  # keep the (cached) jaxprs themselves: eager dispatch keys on them
        return [j for j, _ in jaxprs_and_consts], []
    const_avals = [v.aval for j, consts in jaxprs_and_consts for v in j.invars[:len(consts)]]
    result, offset = [], 0
    for jaxpr, consts in jaxprs_and_consts:
        n = len(consts)
        others_before = [Var(a) for a in const_avals[:offset]]
        others_after = [Var(a) for a in const_avals[offset + n:]]
        invars = others_before + jaxpr.invars[:n] + others_after + jaxpr.invars[n:]
        result.append(Jaxpr([], invars, jaxpr.eqns, jaxpr.outvars))
        offset += n
    return result, all_consts


def _split(xs, *sizes):
    out, start = [], 0
    for n in sizes:
        out.append(list(xs[start:start + n]))
        start += n
    out.append(list(xs[start:]))
    return out


def _or(a, b):
    return [x or y for x, y in zip(a, b)]


def _with_zeros(nonzeros, avals, tangents):
    """Output tangents: the next of `tangents` where nonzero, else a symbolic zero."""
    tangents = iter(tangents)
    return [next(tangents) if nz else ad.Zero(ad.tangent_aval(a))
            for nz, a in zip(nonzeros, avals)]


def _fixpoint(step, state):
    """Runs `state, result = step(state)` until the state stops changing; returns that
    last (state, result).

    How a loop finds its carry types: the body is traced (or transformed) for a candidate
    state and the result can only widen it, so the loop ends. The states are masks of
    carries with nonzero tangents / unknown values / a batch dimension, which only grow
    (`step` returns `_or(state, what the body makes of it)`), and the carry avals whose weak
    types the body strengthens or promotes. The result is the body for the final state."""
    while True:
        new_state, result = step(state)
        if new_state == state:
            return state, result
        state = new_state


def _check_carry(what, tree, in_avals, out_avals, out_tree):
    """TypeError unless the loop body returns its carry with the same structure and types;
    returns the input avals to retrace with when only weak types differ, or when a weakly
    typed input carry is promoted by the body (as JAX's _promote_weak_typed_inputs: a carry
    started from a Python scalar takes the body's dtype), else None."""
    if out_tree != tree:
        raise TypeError(f"{what}: the body function's carry output must have the same "
                        f"structure as its input, got input {tree} and output {out_tree}")
    paths = _leaf_names(tree, "carry")
    retrace = False
    new_avals = []
    for name, a, b in zip(paths, in_avals, out_avals):
        if a.shape == b.shape and a.dtype != b.dtype and a.weak_type:
            promoted, weak = dtypes.promote_types((a.dtype, True), (b.dtype, b.weak_type))
            if promoted == b.dtype:
                new_avals.append(a.update(dtype=promoted, weak_type=weak and b.weak_type))
                retrace = True
                continue
        if a.shape != b.shape or a.dtype != b.dtype:
            raise TypeError(f"{what}: the body function's carry input and output must have "
                            f"equal types; {name} has type {a.str_short()} in the "
                            f"input but {b.str_short()} in the output")
        if a.weak_type and not b.weak_type:
            retrace = True
        new_avals.append(a.update(weak_type=a.weak_type and b.weak_type))
    return new_avals if retrace else None


def _leaf_names(tree, prefix):
    """The names of tree's leaves for messages: prefix and their paths ("carry[0]" ...)."""
    dummy = tree_unflatten(tree, [0] * tree.num_leaves)
    return [f"{prefix}{keystr(p)}" for p, _ in tree_flatten_with_path(dummy)[0]]


def _cast_like(values, avals):
    return [convert_element_type(v, a.dtype, weak_type=a.weak_type)
            if get_aval(v) != a else v for v, a in zip(values, avals)]


# ---------------------------------------------------------------------------------------
# cond / switch

def _cond_abstract(index, *args, branches):
    outs = branches[0].out_avals
    return [a.update(weak_type=all(b.out_avals[i].weak_type for b in branches))
            for i, a in enumerate(outs)]


def _cond_lowering(ctx, index, *args, branches):
    case = L.hlo.CaseOp([L.ir_type(a) for a in ctx.avals_out], index, len(branches))
    for region, branch in zip(case.regions, branches):
        L.build_region(region, [], lambda branch=branch: L.lower_jaxpr_body(
            ctx.module_context, branch, [], list(args)))
    return list(case.results)


cond_p = primitive("cond", _cond_abstract, _cond_lowering, multiple_results=True)


def _cond_jvp(primals, tangents, branches):
    index, ops = primals[0], primals[1:]
    nonzeros = [type(t) is not ad.Zero for t in tangents[1:]]
    first = [ad.jvp_jaxpr(b, nonzeros) for b in branches]
    out_nz = [False] * len(branches[0].outvars)
    for _, _, nz in first:
        out_nz = _or(out_nz, nz)
    jvps = [(j, c) if nz == out_nz else ad.jvp_jaxpr(b, nonzeros, instantiate=out_nz)[:2]
            for b, (j, c, nz) in zip(branches, first)]
    new_branches, consts = _with_common_consts(jvps)
    outs = bind(cond_p, index, *consts, *ops, *[t for t in tangents[1:] if type(t) is not ad.Zero],
                branches=tuple(new_branches))
    n = len(branches[0].outvars)
    return outs[:n], _with_zeros(out_nz, branches[0].out_avals, outs[n:])


def _cond_partial_eval(trace, args, branches):
    if trace.is_unknown(args[0]):
        return trace.stage(cond_p, args, dict(branches=branches))
    unknowns = [trace.is_unknown(x) for x in args[1:]]
    out_uk = [False] * len(branches[0].outvars)
    for b in branches:
        out_uk = _or(out_uk, partial_eval_jaxpr(b, unknowns)[2])
    splits = [partial_eval_jaxpr(b, unknowns, instantiate=out_uk) for b in branches]
    # every branch's residuals, of which each branch's known part fills its own with zeros
    all_res = [v.aval for known, _, _, n in splits for v in known.outvars[len(known.outvars) - n:]]
    starts = np.cumsum([0] + [n for *_, n in splits])
    num_known_out = out_uk.count(False)

    def known_branch(i):
        known, _, _, n = splits[i]
        before = starts[i]

        def fun(*xs):
            outs = eval_jaxpr(known, [], *xs)
            zeros = [ad.zeros_like_aval(a) for a in all_res]
            zeros[before:before + n] = outs[num_known_out:]
            return outs[:num_known_out] + zeros
        return trace_jaxpr_fun(fun, known.in_avals)

    def unknown_branch(i):
        _, unknown, _, n = splits[i]
        before = starts[i]

        def fun(*xs):
            res, ops = xs[:len(all_res)], xs[len(all_res):]
            return eval_jaxpr(unknown, [], *res[before:before + n], *ops)
        return trace_jaxpr_fun(fun, all_res + [v.aval for v, u in zip(branches[0].invars, unknowns)
                                               if u])

    index, ops = args[0], args[1:]
    known_branches, kconsts = _with_common_consts([known_branch(i) for i in range(len(branches))])
    known_outs = bind_in(trace.parent, cond_p,
                         [index, *kconsts, *[x for x, u in zip(ops, unknowns) if not u]],
                         dict(branches=tuple(known_branches)))
    residuals = known_outs[num_known_out:]
    uk_branches, uconsts = _with_common_consts([unknown_branch(i) for i in range(len(branches))])
    staged = trace.stage(cond_p, [index, *uconsts, *residuals, *[x for x, u in zip(ops, unknowns)
                                                                  if u]],
                         dict(branches=tuple(uk_branches)))
    known_iter, staged_iter = iter(known_outs[:num_known_out]), iter(staged)
    return [next(staged_iter) if u else next(known_iter) for u in out_uk]


def _cond_transpose(cts, index, *ops, branches):
    linear = [ad.is_undefined(x) for x in ops]
    ct_nz = [type(ct) is not ad.Zero for ct in cts]
    new_branches, consts = _with_common_consts(
        [ad.transpose_jaxpr(b, linear, ct_nz) for b in branches])
    outs = iter(bind(cond_p, index, *consts, *[x for x in ops if not ad.is_undefined(x)],
                     *[ct for ct in cts if type(ct) is not ad.Zero],
                     branches=tuple(new_branches)))
    return [None] + [next(outs) if lin else None for lin in linear]


def _cond_batch(trace, vals, dims, branches):
    """An unmapped index keeps one cond of batched branches; a mapped index (a batched
    predicate) runs every branch and selects elementwise, as JAX does."""
    size, name = trace.axis_size, trace.axis_name
    index, ops = vals[0], vals[1:]
    idim, odims = dims[0], list(dims[1:])
    if all(d is None for d in dims) and name is None:
        return bind(cond_p, *vals, branches=branches), [None] * len(branches[0].outvars)
    if idim is None:
        # an output is mapped when it is in some branch (unmapped outputs stay unmapped,
        # e.g. the primal outputs under vmap of jvp, as jacfwd needs)
        out_bat = [False] * len(branches[0].outvars)
        for b in branches:
            dims_b = batching.batch_jaxpr(b, odims, size, name)[2]
            out_bat = _or(out_bat, [d is not None for d in dims_b])
        batched = [batching.batch_jaxpr(b, odims, size, name, instantiate=out_bat)
                   for b in branches]
        new_branches, consts = _with_common_consts([(j, c) for j, c, _ in batched])
        outs = bind(cond_p, index, *consts, *ops, branches=tuple(new_branches))
        return outs, [0 if m else None for m in out_bat]
    index = batching.bdim_at_front(index, idim, size)
    results = [batching.vmap_flat(lambda *xs, b=b: eval_jaxpr(b, [], *xs), ops, odims,
                                  lambda n: [0] * n, size, name) for b in branches]
    outs = [select_n(broadcast_in_dim(index, get_aval(cases[0]).shape, (0,)), *cases)
            for cases in zip(*results)]
    return outs, [0] * len(outs)


ad.primitive_jvps[cond_p] = _cond_jvp
pe.partial_eval_rules[cond_p] = _cond_partial_eval
ad.primitive_transposes[cond_p] = _cond_transpose
batching.batchers_with_trace[cond_p] = _cond_batch


def _bind_cond(what, index, branch_funs, operands):
    leaves, in_tree = tree_flatten(tuple(operands))
    avals = avals_of(what, leaves)
    traced = [_trace(f, in_tree, avals, what) for f in branch_funs]
    out_tree = traced[0][2]
    for i, (jaxpr, _, tree) in enumerate(traced[1:], 1):
        first = traced[0][0]
        if tree != out_tree:
            raise TypeError(f"{what}: branches must return the same structure, but branch 0 "
                            f"returns {out_tree} and branch {i} returns {tree}")
        if [(a.shape, a.dtype) for a in first.out_avals] != \
                [(a.shape, a.dtype) for a in jaxpr.out_avals]:
            raise TypeError(f"{what}: branches must return the same types, but branch 0 "
                            f"returns {_type_text(first.out_avals)} and branch {i} returns "
                            f"{_type_text(jaxpr.out_avals)}")
    branches, consts = _with_common_consts([(j, c) for j, c, _ in traced])
    outs = bind(cond_p, index, *consts, *leaves, branches=tuple(branches))
    return tree_unflatten(out_tree, outs)


def cond(pred, true_fun, false_fun, *operands):
    """true_fun(*operands) if pred else false_fun(*operands), as one staged conditional."""
    if not (callable(true_fun) and callable(false_fun)):
        raise TypeError("cond: true_fun and false_fun must be callable")
    aval = get_aval(pred)
    if aval.shape != ():
        raise TypeError(f"cond: the predicate must be a scalar, got shape {aval.shape}")
    if aval.dtype != dtypes.bool_:
        if dtypes.kind(aval.dtype) not in "iu":
            raise TypeError(f"cond: the predicate must be boolean (or an integer, tested "
                            f"against 0), got {aval.dtype.name}")
        pred = ne(pred, 0)
    index = convert_element_type(pred, dtypes.int32)
    return _bind_cond("cond", index, [false_fun, true_fun], operands)


def switch(index, branches, *operands):
    """branches[index](*operands), the index clamped into range as JAX does."""
    branches = list(branches)
    if not branches or not all(callable(b) for b in branches):
        raise TypeError("switch: branches must be a non-empty sequence of callables")
    aval = get_aval(index)
    if aval.shape != () or dtypes.kind(aval.dtype) not in "iu":
        raise TypeError(f"switch: the index must be an integer scalar, got "
                        f"{aval.str_short()}")
    index = convert_element_type(index, dtypes.int32)
    index = clamp(np.int32(0), index, np.int32(len(branches) - 1))
    return _bind_cond("switch", index, branches, operands)


# ---------------------------------------------------------------------------------------
# while_loop

def _while_abstract(*args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    return body_jaxpr.out_avals


def _while_lowering(ctx, *args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    types = [L.ir_type(a) for a in ctx.avals_in]
    op = L.hlo.WhileOp(types, list(args))
    nc = cond_nconsts + body_nconsts

    def cond(*a):
        return L.lower_jaxpr_body(ctx.module_context, cond_jaxpr, [],
                                  list(a[:cond_nconsts] + a[nc:]))

    def body(*a):
        return list(a[:nc]) + L.lower_jaxpr_body(ctx.module_context, body_jaxpr, [],
                                                 list(a[cond_nconsts:nc] + a[nc:]))

    L.build_region(op.regions[0], types, cond)
    L.build_region(op.regions[1], types, body)
    return list(op.results)[nc:]


while_p = primitive("while", _while_abstract, _while_lowering, multiple_results=True)


def _while_jvp(primals, tangents, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    cc, bc, carry = _split(primals, cond_nconsts, body_nconsts)
    _, bc_t, carry_t = _split(tangents, cond_nconsts, body_nconsts)
    bc_nz = [type(t) is not ad.Zero for t in bc_t]

    def step(nz):
        jvp = ad.jvp_jaxpr(body_jaxpr, bc_nz + nz, instantiate=nz)
        return _or(nz, jvp[2]), jvp

    nz, (body, consts, _) = _fixpoint(step, [type(t) is not ad.Zero for t in carry_t])
    k, nb, nca, n_bct = len(consts), body_nconsts, len(carry), sum(bc_nz)
    c_vars, bc_vars, carry_vars, bct_vars, ct_vars = _split(body.invars, k, nb, nca, n_bct)
    body = Jaxpr([], c_vars + bc_vars + bct_vars + carry_vars + ct_vars, body.eqns, body.outvars)
    cond_invars = cond_jaxpr.invars + [Var(ad.tangent_aval(v.aval))
                                       for v, z in zip(cond_jaxpr.invars[cond_nconsts:], nz) if z]
    cond = Jaxpr([], cond_invars, cond_jaxpr.eqns, cond_jaxpr.outvars)
    carry_tangents = [ad.instantiate(t) for t, z in zip(carry_t, nz) if z]
    outs = bind(while_p, *cc, *consts, *bc, *[t for t in bc_t if type(t) is not ad.Zero],
                *carry, *carry_tangents, cond_jaxpr=cond, body_jaxpr=body,
                cond_nconsts=cond_nconsts, body_nconsts=k + nb + n_bct)
    return outs[:nca], _with_zeros(nz, [get_aval(p) for p in carry], outs[nca:])


def _while_partial_eval(trace, args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    """The known part of the carry runs now; the whole loop is staged for the rest (reverse
    mode then stops at its transpose, as in JAX)."""
    params = dict(cond_jaxpr=cond_jaxpr, body_jaxpr=body_jaxpr, cond_nconsts=cond_nconsts,
                  body_nconsts=body_nconsts)
    uk = [trace.is_unknown(x) for x in args]
    cc_uk, bc_uk, carry_uk = _split(uk, cond_nconsts, body_nconsts)

    def step(carry_uk):
        split = partial_eval_jaxpr(body_jaxpr, bc_uk + carry_uk, instantiate=carry_uk)
        return _or(carry_uk, split[2]), split

    carry_uk, (known_body, _, _, _) = _fixpoint(step, carry_uk)
    cond_uk = partial_eval_jaxpr(cond_jaxpr, cc_uk + carry_uk)[2][0]
    staged = trace.stage(while_p, args, params)
    if cond_uk or all(carry_uk):
        return staged
    n_known = carry_uk.count(False)
    known_body = Jaxpr([], known_body.invars, known_body.eqns, known_body.outvars[:n_known])
    cond_vars = cond_jaxpr.invars
    known_cond = Jaxpr([], cond_vars[:cond_nconsts] + [
        v for v, u in zip(cond_vars[cond_nconsts:], carry_uk) if not u],
        cond_jaxpr.eqns, cond_jaxpr.outvars)
    cc, bc, carry = _split(args, cond_nconsts, body_nconsts)
    known_bc = [x for x, u in zip(bc, bc_uk) if not u]
    known_outs = iter(bind_in(trace.parent, while_p,
                              cc + known_bc + [x for x, u in zip(carry, carry_uk) if not u],
                              dict(cond_jaxpr=known_cond, body_jaxpr=known_body,
                                   cond_nconsts=cond_nconsts, body_nconsts=len(known_bc))))
    return [s if u else next(known_outs) for s, u in zip(staged, carry_uk)]


def _while_transpose(cts, *args, **params):
    raise ValueError("Reverse-mode differentiation does not work for lax.while_loop or "
                     "lax.fori_loop with dynamic start/stop values. Try using lax.scan, or "
                     "lax.fori_loop with static (Python int) start/stop.")


def _while_batch(trace, vals, dims, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    """Mapped carries stay mapped; a mapped predicate runs the loop until every example is
    done, keeping the carry of finished examples unchanged (a select in the body)."""
    size, name = trace.axis_size, trace.axis_name
    if all(d is None for d in dims) and name is None:
        return bind(while_p, *vals, cond_jaxpr=cond_jaxpr, body_jaxpr=body_jaxpr,
                    cond_nconsts=cond_nconsts, body_nconsts=body_nconsts), [None] * (
            len(vals) - cond_nconsts - body_nconsts)
    cc, bc, carry = _split(vals, cond_nconsts, body_nconsts)
    cc_d, bc_d, carry_d = _split(dims, cond_nconsts, body_nconsts)

    def dims_of(flags):
        return [0 if b else None for b in flags]

    def batch_body(bat):
        return batching.batch_jaxpr(body_jaxpr, bc_d + dims_of(bat), size, name,
                                    instantiate=bat)

    def step(bat):
        batched = batch_body(bat)
        return _or(bat, [d is not None for d in batched[2]]), batched

    bat, (body, bconsts, _) = _fixpoint(step, [d is not None for d in carry_d])
    cond, cconsts, pred_dims = batching.batch_jaxpr(cond_jaxpr, cc_d + dims_of(bat), size, name)
    pred_mapped = pred_dims[0] is not None
    if pred_mapped and not all(bat):
        bat = [True] * len(carry)
        body, bconsts, _ = batch_body(bat)
        cond, cconsts, _ = batching.batch_jaxpr(cond_jaxpr, cc_d + dims_of(bat), size, name)
    carry = [batching.bdim_at_front(x, d, size) if b else x for x, d, b in zip(carry, carry_d, bat)]
    ncc, nbc = len(cconsts) + len(cc), len(bconsts) + len(bc)
    if not pred_mapped:
        outs = bind(while_p, *cconsts, *cc, *bconsts, *bc, *carry, cond_jaxpr=cond,
                    body_jaxpr=body, cond_nconsts=ncc, body_nconsts=nbc)
        return outs, dims_of(bat)

    def any_cond(*xs):
        (pred,) = eval_jaxpr(cond, [], *xs)
        return [reduce_or(pred, (0,))]

    def masked_body(*xs):
        ccs, bcs, c = _split(xs, ncc, nbc)
        (pred,) = eval_jaxpr(cond, [], *ccs, *c)
        new = eval_jaxpr(body, [], *bcs, *c)
        return [select(broadcast_in_dim(pred, get_aval(n).shape, (0,)), n, old)
                for n, old in zip(new, c)]

    carry_avals = [get_aval(x) for x in carry]
    cc_avals = [get_aval(x) for x in [*cconsts, *cc]]
    bc_avals = [get_aval(x) for x in [*bconsts, *bc]]
    new_cond, cond_consts2 = trace_jaxpr_fun(any_cond, cc_avals + carry_avals)
    new_body, body_consts2 = trace_jaxpr_fun(masked_body, cc_avals + bc_avals + carry_avals)
    outs = bind(while_p, *cond_consts2, *cconsts, *cc, *body_consts2, *cconsts, *cc, *bconsts,
                *bc, *carry, cond_jaxpr=new_cond, body_jaxpr=new_body,
                cond_nconsts=len(cond_consts2) + ncc, body_nconsts=len(body_consts2) + ncc + nbc)
    return outs, [0] * len(outs)


ad.primitive_jvps[while_p] = _while_jvp
pe.partial_eval_rules[while_p] = _while_partial_eval
ad.primitive_transposes[while_p] = _while_transpose
batching.batchers_with_trace[while_p] = _while_batch


def while_loop(cond_fun, body_fun, init_val):
    """Repeats `val = body_fun(val)` while `cond_fun(val)`; returns the final val."""
    if not (callable(cond_fun) and callable(body_fun)):
        raise TypeError("while_loop: cond_fun and body_fun must be callable")
    leaves, tree = tree_flatten(init_val)
    avals = avals_of("while_loop", leaves)
    args_tree = tree_structure((init_val,))

    def step(avals):  # retrace while the body strengthens weak types or promotes a weak carry
        traced = _trace(body_fun, args_tree, avals, "while_loop body_fun")
        retrace = _check_carry("while_loop", tree, avals, traced[0].out_avals, traced[2])
        return (avals if retrace is None else retrace), traced

    avals, (body, body_consts, _) = _fixpoint(step, avals)
    leaves = _cast_like(leaves, avals)
    cond, cond_consts, cond_tree = _trace(cond_fun, args_tree, avals, "while_loop cond_fun")
    outs = cond.out_avals
    if len(outs) != 1 or outs[0].shape != () or outs[0].dtype != dtypes.bool_:
        raise TypeError(f"while_loop: cond_fun must return a boolean scalar, but got output "
                        f"type(s) {_type_text(outs)}")
    result = bind(while_p, *cond_consts, *body_consts, *leaves, cond_jaxpr=cond,
                  body_jaxpr=body, cond_nconsts=len(cond_consts),
                  body_nconsts=len(body_consts))
    return tree_unflatten(tree, result)


def fori_loop(lower, upper, body_fun, init_val, *, unroll=None):
    """`val = body_fun(i, val)` for i in range(lower, upper). With concrete bounds it is a
    scan (reverse-mode differentiable); with traced bounds a while_loop."""
    dtype = dtypes.result_type(lower, upper)
    if dtypes.kind(dtype) not in "iu":
        raise TypeError(f"fori_loop: lower and upper must be integers, got {dtype.name}")
    static = [_static_int(b) for b in (lower, upper)]
    # the index is weakly typed when both bounds are (Python ints), as in JAX
    weak = all(get_aval(b).weak_type for b in (lower, upper))
    if static[0] is not None and static[1] is not None:
        start = convert_element_type(lower, dtype, weak)
        (_, result), _ = scan(_loop_body("fori scan", body_fun, dtype), (start, init_val), None,
                              length=builtins.max(static[1] - static[0], 0),
                              unroll=1 if unroll is None else unroll)
        return result
    lower = convert_element_type(lower, dtype, weak)
    upper = convert_element_type(upper, dtype, weak)
    return while_loop(_fori_cond, _loop_body("fori while", body_fun, dtype),
                      (lower, upper, init_val))[2]


def _fori_cond(carry):
    return lt(carry[0], carry[1])


def _loop_body(kind, fun, dtype=None):
    """The body fori_loop ("fori scan", "fori while") or map ("map") builds around the user's
    `fun`, made once per (fun, kind, dtype) so that the trace caches of scan and while_loop
    see the same function each call."""
    per_fun = _per_function(_body_cache, fun)
    if (kind, dtype) not in per_fun:
        one = lambda: convert_element_type(1, dtype, True)  # noqa: E731  (keeps i's type)
        if kind == "fori scan":
            def step(carry, _):
                i, x = carry
                return (add(i, one()), fun(i, x)), None
        elif kind == "fori while":
            def step(carry):
                i, n, x = carry
                return add(i, one()), n, fun(i, x)
        else:
            def step(carry, x):
                return carry, fun(x)
        per_fun[kind, dtype] = step
    return per_fun[kind, dtype]


def _static_int(x):
    if isinstance(x, core.Tracer):
        value = x.concrete_value()
        return None if value is None else int(value)
    try:
        return int(x)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------------------
# scan

def _scan_abstract(*args, jaxpr, num_consts, num_carry, length, reverse, unroll):
    outs = jaxpr.out_avals
    return outs[:num_carry] + [a.update(shape=(length,) + a.shape) for a in outs[num_carry:]]


def _i32(value):
    return L.constant(np.array(value, np.int32))


def _scan_lowering(ctx, *args, jaxpr, num_consts, num_carry, length, reverse, unroll):
    consts, init, xs = _split(args, num_consts, num_carry)
    xs_avals = ctx.avals_in[num_consts + num_carry:]
    ys_avals = ctx.avals_out[num_carry:]
    ys = [L.full_like_aval(0, a) for a in ys_avals]

    def step(position, consts, carry, xs, ys):
        slices = []
        for x, a in zip(xs, xs_avals):
            starts = [position] + [_i32(0)] * (len(a.shape) - 1)
            piece = L.hlo.dynamic_slice(x, starts, L.dense_i64((1,) + a.shape[1:]))
            slices.append(L.hlo.reshape(L.ir_type(a.update(shape=a.shape[1:])), piece))
        outs = L.lower_jaxpr_body(ctx.module_context, jaxpr, [], list(consts) + list(carry) + slices)
        new_ys = []
        for y_buf, y, a in zip(ys, outs[num_carry:], ys_avals):
            piece = L.hlo.reshape(L.ir_type(a.update(shape=(1,) + a.shape[1:])), y)
            starts = [position] + [_i32(0)] * (len(a.shape) - 1)
            new_ys.append(L.hlo.dynamic_update_slice(y_buf, piece, starts))
        return outs[:num_carry], new_ys

    def position_of(t):  # t: i32 value, the step number
        return L.hlo.subtract(_i32(length - 1), t) if reverse else t

    u = builtins.max(1, builtins.min(unroll, length)) if length else 1
    iters, rem = divmod(length, u)
    carry = list(init)
    if iters:
        types = [L.ir_type(a) for a in [core.ShapedArray((), dtypes.int32), *ctx.avals_in,
                                        *ys_avals]]
        state = [_i32(0), *consts, *carry, *xs, *ys]
        op = L.hlo.WhileOp(types, state)

        def body(i, *rest):
            c, cr, x, y = _split(list(rest), num_consts, num_carry, len(xs))
            for k in range(u):
                t = L.hlo.add(L.hlo.multiply(i, _i32(u)), _i32(k))
                cr, y = step(position_of(t), c, cr, x, y)
            return [L.hlo.add(i, _i32(1)), *c, *cr, *x, *y]

        L.build_region(op.regions[0], types,
                       lambda i, *rest: L.compare(i, _i32(iters), "LT", dtypes.int32))
        L.build_region(op.regions[1], types, body)
        results = list(op.results)[1:]
        _, carry, _, ys = _split(results, num_consts, num_carry, len(xs))
    for k in range(rem):
        carry, ys = step(position_of(_i32(iters * u + k)), consts, carry, xs, ys)
    return list(carry) + list(ys)


scan_p = primitive("scan", _scan_abstract, _scan_lowering, multiple_results=True)


def _scan_jvp(primals, tangents, jaxpr, num_consts, num_carry, length, reverse, unroll):
    consts, init, xs = _split(primals, num_consts, num_carry)
    consts_t, init_t, xs_t = _split(tangents, num_consts, num_carry)
    c_nz = [type(t) is not ad.Zero for t in consts_t]
    x_nz = [type(t) is not ad.Zero for t in xs_t]
    num_ys = len(jaxpr.outvars) - num_carry

    def step(nz):
        jvp = ad.jvp_jaxpr(jaxpr, c_nz + nz + x_nz, instantiate=nz + [False] * num_ys)
        return _or(nz, jvp[2][:num_carry]), jvp

    nz, (body, jconsts, out_nz) = _fixpoint(step, [type(t) is not ad.Zero for t in init_t])
    k, nca, n_ct, n_cat = len(jconsts), num_carry, sum(c_nz), sum(nz)
    # the jvp body takes (consts, carry, xs), then their nonzero tangents, and returns
    # (carry, ys), then theirs: regroup as scan's consts, carry and xs, each with tangents
    kv, cv, cav, xv, ctv, catv, xtv = _split(body.invars, k, num_consts, nca, len(xs), n_ct,
                                             n_cat)
    carry_o, ys_o, carry_to, ys_to = _split(body.outvars, nca, num_ys, n_cat)
    body = Jaxpr([], kv + cv + ctv + cav + catv + xv + xtv, body.eqns,
                 carry_o + carry_to + ys_o + ys_to)
    outs = bind(scan_p, *jconsts, *consts, *[t for t in consts_t if type(t) is not ad.Zero],
                *init, *[ad.instantiate(t) for t, z in zip(init_t, nz) if z],
                *xs, *[t for t in xs_t if type(t) is not ad.Zero],
                jaxpr=body, num_consts=k + num_consts + n_ct, num_carry=nca + n_cat,
                length=length, reverse=reverse, unroll=unroll)
    carry_out, carry_tan, ys, ys_tan = _split(outs, nca, n_cat, num_ys)
    out_avals = _scan_abstract(jaxpr=jaxpr, num_consts=num_consts, num_carry=num_carry,
                               length=length, reverse=reverse, unroll=unroll)
    return carry_out + ys, _with_zeros(nz + out_nz[nca:], out_avals, carry_tan + ys_tan)


def _scan_partial_eval(trace, args, jaxpr, num_consts, num_carry, length, reverse, unroll):
    """A known scan computes the known carry and outputs, and stacks the per-step residuals
    the unknown (tangent) scan needs; residuals that are known constants are passed as
    constants instead of being stacked."""
    params = dict(length=length, reverse=reverse, unroll=unroll)
    uk = [trace.is_unknown(x) for x in args]
    c_uk, carry_uk, x_uk = _split(uk, num_consts, num_carry)
    num_ys = len(jaxpr.outvars) - num_carry

    def step(carry_uk):
        split = partial_eval_jaxpr(jaxpr, c_uk + carry_uk + x_uk,
                                   instantiate=carry_uk + [False] * num_ys)
        return _or(carry_uk, split[2][:num_carry]), split

    carry_uk, (known, unknown, out_uk, num_res) = _fixpoint(step, carry_uk)
    num_known_out = len(known.outvars) - num_res
    res_atoms = known.outvars[num_known_out:]
    known_const_index = [i for i, u in enumerate(c_uk) if not u]
    const_pos = {v: i for v, i in zip(known.invars, known_const_index)}
    consts_in = args[:num_consts]

    def is_const_res(r):  # a residual the same at every step: passed as a constant
        return type(r) is Literal or r in const_pos

    const_res = [r for r in res_atoms if is_const_res(r)]
    loop_res = [r for r in res_atoms if not is_const_res(r)]
    known = Jaxpr([], known.invars, known.eqns, known.outvars[:num_known_out] + loop_res)
    consts, init, xs = _split(args, num_consts, num_carry)
    k_consts = [x for x, u in zip(consts, c_uk) if not u]
    k_carry = [x for x, u in zip(init, carry_uk) if not u]
    known_outs = bind_in(trace.parent, scan_p, k_consts + k_carry + [
        x for x, u in zip(xs, x_uk) if not u], dict(params, jaxpr=known,
                                                   num_consts=len(k_consts),
                                                   num_carry=len(k_carry)))
    stacked = known_outs[num_known_out:]
    # the unknown scan: consts (constant residuals, unknown consts), carry, xs (stacked
    # residuals, unknown xs)
    uv = unknown.invars
    res_in, rest = uv[:num_res], uv[num_res:]
    by_var = dict(zip(res_atoms, res_in))
    uc, ucarry, ux = _split(rest, c_uk.count(True), carry_uk.count(True))
    unknown = Jaxpr([], [by_var[v] for v in const_res] + uc + ucarry +
                    [by_var[v] for v in loop_res] + ux, unknown.eqns, unknown.outvars)
    staged = trace.stage(scan_p, [r.val if type(r) is Literal else consts_in[const_pos[r]]
                                  for r in const_res] +
                         [x for x, u in zip(consts, c_uk) if u] +
                         [x for x, u in zip(init, carry_uk) if u] + stacked +
                         [x for x, u in zip(xs, x_uk) if u],
                         dict(params, jaxpr=unknown, num_consts=len(const_res) + len(uc),
                              num_carry=len(ucarry)))
    known_iter, staged_iter = iter(known_outs[:num_known_out]), iter(staged)
    return [next(staged_iter) if u else next(known_iter) for u in out_uk]


def _scan_transpose(cts, *args, jaxpr, num_consts, num_carry, length, reverse, unroll):
    consts, init, xs = _split(args, num_consts, num_carry)
    c_lin = [ad.is_undefined(x) for x in consts]
    x_lin = [ad.is_undefined(x) for x in xs]
    # A known carry here is an instantiated zero tangent: it is transposed as linear and
    # its cotangent dropped.
    init_lin = [ad.is_undefined(x) for x in init]
    ct_carry = [ad.instantiate(ct) for ct in cts[:num_carry]]
    ct_ys = cts[num_carry:]
    ys_nz = [type(ct) is not ad.Zero for ct in ct_ys]
    linear = c_lin + [True] * num_carry + x_lin
    tj, tconsts = ad.transpose_jaxpr(jaxpr, linear, [True] * num_carry + ys_nz)
    k_consts = [x for x in consts if not ad.is_undefined(x)]
    k_xs = [x for x in xs if not ad.is_undefined(x)]
    lin_c_avals = [x.aval for x in consts if ad.is_undefined(x)]
    n_t, n_kc, n_lc, n_kx = len(tconsts), len(k_consts), len(lin_c_avals), len(k_xs)

    def body(*a):
        tc, kc, acc, ctc, kx, cty = _split(a, n_t, n_kc, n_lc, num_carry, n_kx)
        outs = eval_jaxpr(tj, [], *tc, *kc, *kx, *ctc, *cty)
        ct_consts, ct_carry_in, ct_xs = _split(outs, n_lc, num_carry)
        return [add(x, y) for x, y in zip(acc, ct_consts)] + ct_carry_in + ct_xs

    slice_avals = [get_aval(x).update(shape=get_aval(x).shape[1:]) for x in k_xs]
    ct_y_avals = [a for a, z in zip(jaxpr.out_avals[num_carry:], ys_nz) if z]
    body_jaxpr, bconsts = trace_jaxpr_fun(
        body, [get_aval(c) for c in tconsts] + [get_aval(c) for c in k_consts] + lin_c_avals +
        jaxpr.in_avals[num_consts:num_consts + num_carry] + slice_avals +
        ct_y_avals)
    acc0 = [ad.zeros_like_aval(a) for a in lin_c_avals]
    outs = bind(scan_p, *bconsts, *tconsts, *k_consts, *acc0, *ct_carry, *k_xs,
                *[ct for ct in ct_ys if type(ct) is not ad.Zero], jaxpr=body_jaxpr,
                num_consts=len(bconsts) + n_t + n_kc, num_carry=n_lc + num_carry,
                length=length, reverse=not reverse, unroll=unroll)
    ct_consts, ct_init, ct_xs = _split(outs, n_lc, num_carry)
    ct_consts, ct_xs = iter(ct_consts), iter(ct_xs)
    return ([next(ct_consts) if lin else None for lin in c_lin] +
            [ct if lin else None for ct, lin in zip(ct_init, init_lin)] +
            [next(ct_xs) if lin else None for lin in x_lin])


def _scan_batch(trace, vals, dims, jaxpr, num_consts, num_carry, length, reverse, unroll):
    size, name = trace.axis_size, trace.axis_name
    params = dict(length=length, reverse=reverse, unroll=unroll)
    num_ys = len(jaxpr.outvars) - num_carry
    if all(d is None for d in dims) and name is None:
        return bind(scan_p, *vals, jaxpr=jaxpr, num_consts=num_consts, num_carry=num_carry,
                    **params), [None] * (num_carry + num_ys)
    consts, init, xs = _split(vals, num_consts, num_carry)
    cd, initd, xd = _split(dims, num_consts, num_carry)
    xs = [x if d is None else batching.moveaxis(x, d, 1) for x, d in zip(xs, xd)]
    x_slice_dims = [None if d is None else 0 for d in xd]

    def step(bat):
        batched = batching.batch_jaxpr(jaxpr, cd + [0 if b else None for b in bat] +
                                       x_slice_dims, size, name,
                                       instantiate=bat + [False] * num_ys)
        return _or(bat, [d is not None for d in batched[2][:num_carry]]), batched

    bat, (body, bconsts, out_dims) = _fixpoint(step, [d is not None for d in initd])
    init = [batching.bdim_at_front(x, d, size) if b else x for x, d, b in zip(init, initd, bat)]
    outs = bind(scan_p, *bconsts, *consts, *init, *xs, jaxpr=body,
                num_consts=len(bconsts) + num_consts, num_carry=num_carry, **params)
    return outs, [0 if b else None for b in bat] + [
        None if d is None else 1 for d in out_dims[num_carry:]]


ad.primitive_jvps[scan_p] = _scan_jvp
pe.partial_eval_rules[scan_p] = _scan_partial_eval
ad.primitive_transposes[scan_p] = _scan_transpose
batching.batchers_with_trace[scan_p] = _scan_batch


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loops `carry, y = f(carry, x)` over the leading axis of xs; returns (final carry,
    stacked ys). Under jit it stays one loop."""
    if not callable(f):
        raise TypeError(f"scan: f must be callable, got {f!r}")
    x_leaves, x_tree = tree_flatten(xs)
    x_avals = avals_of("scan", x_leaves)
    lengths = []
    for name, a in zip(_leaf_names(x_tree, "xs"), x_avals):
        if a.ndim == 0:
            raise ValueError(f"scan: the value {name} to scan over must have a leading axis, "
                             f"got a scalar")
        lengths.append((name, a.shape[0]))
    found = {n for _, n in lengths}
    if length is not None:
        length = int(length)
        found.add(length)
    if len(found) > 1:
        detail = ", ".join(f"{name} has length {n}" for name, n in lengths)
        extra = f"; length={length}" if length is not None else ""
        raise ValueError(f"scan got values with different leading axis sizes: {detail}{extra}")
    if not found:
        raise ValueError("scan got no values to scan over and `length` was not provided")
    length = found.pop()
    if unroll is True:
        unroll = builtins.max(length, 1)
    elif unroll is False:
        unroll = 1
    if not isinstance(unroll, int) or unroll < 1:
        raise ValueError(f"scan: unroll must be a positive integer or a bool, got {unroll!r}")
    carry_leaves, carry_tree = tree_flatten(init)
    carry_avals = avals_of("scan", carry_leaves)
    slice_avals = [a.update(shape=a.shape[1:]) for a in x_avals]
    args_tree = tree_structure((init, xs))

    def step(carry_avals):  # retrace while the body strengthens or promotes a weak carry
        traced = _trace(f, args_tree, carry_avals + slice_avals, "scan", _scan_body)
        retrace = _check_carry("scan", carry_tree, carry_avals,
                               traced[0].out_avals[:len(carry_avals)], traced[2].children()[0])
        return (carry_avals if retrace is None else retrace), traced

    carry_avals, (jaxpr, consts, out_tree) = _fixpoint(step, carry_avals)
    y_tree = out_tree.children()[1]
    carry_leaves = _cast_like(carry_leaves, carry_avals)
    outs = bind(scan_p, *consts, *carry_leaves, *x_leaves, jaxpr=jaxpr, num_consts=len(consts),
                num_carry=len(carry_leaves), length=length, reverse=bool(reverse),
                unroll=unroll)
    n = len(carry_leaves)
    return tree_unflatten(carry_tree, outs[:n]), tree_unflatten(y_tree, outs[n:])


def _scan_body(f):
    def body(carry, x):
        out = f(carry, x)
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError(f"scan: the body function must return a pair (carry, y), got "
                            f"{type(out).__name__}")
        return tuple(out)
    return body


def map(f, xs, *, batch_size=None):  # noqa: A001
    """[f(x) for x in xs] along the leading axis, as a scan (or a scan of vmapped batches of
    `batch_size`)."""
    if batch_size is None:
        return scan(_loop_body("map", f), (), xs)[1]
    leaves, tree = tree_flatten(xs)
    n = get_aval(leaves[0]).shape[0]
    num_batches, rem = divmod(n, batch_size)
    outs = []
    if num_batches:
        main = tree_unflatten(tree, [reshape(
            slice_in_dim(x, 0, num_batches * batch_size),
            (num_batches, batch_size) + get_aval(x).shape[1:]) for x in leaves])
        ys = scan(lambda c, x: (c, _vmap(f, x)), (), main)[1]
        outs.append(tree_map(lambda y: reshape(
            y, (num_batches * batch_size,) + get_aval(y).shape[2:]), ys))
    if rem:
        tail = tree_unflatten(tree, [slice_in_dim(x, num_batches * batch_size, n)
                                     for x in leaves])
        outs.append(_vmap(f, tail))
    if len(outs) == 1:
        return outs[0]
    return tree_map(lambda a, b: concatenate([a, b], 0), *outs)


def _vmap(f, xs):
    """f vectorized over the leading axis of every leaf of xs."""
    leaves, in_tree = tree_flatten((xs,))
    store = {}
    outs = batching.vmap_flat(flatten_fun(f, in_tree, store, "map"), leaves, [0] * len(leaves),
                              lambda n: [0] * n, get_aval(leaves[0]).shape[0])
    return tree_unflatten(store["out_tree"], outs)
