"""Automatic differentiation, as in JAX: forward mode is a trace interpreter (`JVPTrace`);
reverse mode is `linearize` (the jvp, partially evaluated: primal work runs now, tangent
work is staged into a linear IR) followed by `backward_pass`, which transposes that linear
IR. Each primitive therefore has one jvp rule and, if it is linear, one transpose rule.

Tangents may be symbolic zeros (`Zero`), so inputs nobody differentiates cost nothing.
Integer and boolean values have tangents of dtype `float0` (always a `Zero` here).
"""
import numpy as np

from .. import dtypes
from ..core import (Jaxpr, Literal, Trace, Tracer, Var, bind, bind_in, cache_by_jaxpr,
                    current_trace, escaped_tracer_error, eval_jaxpr, get_aval,
                    set_current_trace)
from .lax_ops import lax_ops
from .partial_eval import PartialEvalTrace, trace_jaxpr_fun

float0 = dtypes.float0

# The rule tables, filled beside each primitive's definition:
primitive_jvps = {}        # prim -> rule(primals, tangents, **params) -> (outs, tangents_out)
primitive_transposes = {}  # prim -> rule(cts, *invals, **params) -> one cotangent per input


# ---------------------------------------------------------------------------------------
# Symbolic zeros and tangent types

def tangent_aval(aval):
    """The type of a tangent of a value of type `aval`: float0 for integers and bools."""
    if dtypes.is_inexact(aval.dtype):
        return aval
    return aval.update(dtype=float0, weak_type=False)


class Zero:
    """A tangent (or cotangent) known to be zero, of type `aval`."""
    __slots__ = ("aval",)

    def __init__(self, aval):
        self.aval = aval

    @staticmethod
    def like(x):
        return Zero(tangent_aval(get_aval(x)))

    def __repr__(self):
        return f"Zero({self.aval.str_short()})"


def zeros_like_aval(aval):
    """A concrete zero array of `aval`'s type, built under the current trace."""
    if aval.dtype == float0:
        return np.zeros(aval.shape, float0)
    return lax_ops.broadcast_in_dim(np.zeros((), aval.dtype), aval.shape, ())


def instantiate(t):
    return zeros_like_aval(t.aval) if type(t) is Zero else t


def instantiate_if(condition, t):
    """t, with a symbolic zero made concrete when `condition` (float0 zeros stay symbolic:
    integer values have no tangent to carry)."""
    if condition and type(t) is Zero and t.aval.dtype != float0:
        return zeros_like_aval(t.aval)
    return t


def add_tangents(a, b):
    if type(a) is Zero:
        return b
    if type(b) is Zero:
        return a
    return lax_ops.add(a, b)


def broadcast_to_aval(t, aval):
    """A tangent of a rank-0 operand of a broadcasting elementwise op, at the output's shape."""
    if type(t) is Zero or get_aval(t).shape == aval.shape:
        return t
    return lax_ops.broadcast_in_dim(t, aval.shape, ())


def unbroadcast(aval, ct):
    """The cotangent of a rank-0 operand that was broadcast to ct's shape: summed."""
    if type(ct) is Zero or get_aval(ct).shape == aval.shape:
        return ct
    return lax_ops.reduce_sum(ct, tuple(range(get_aval(ct).ndim)))


# ---------------------------------------------------------------------------------------
# Forward mode

def _value_text(x):
    return repr(x) if isinstance(x, (Tracer, Zero)) else str(x)


class JVPTracer(Tracer):
    __slots__ = ("primal", "tangent")

    def __init__(self, trace, primal, tangent):
        self._trace = trace
        self.primal = primal
        self.tangent = tangent

    def __repr__(self):  # JAX's forms: values when concrete, the tangent's type when staged
        if isinstance(self.tangent, Tracer):
            return (f"GradTracer(primal={_value_text(self.primal)}, "
                    f"typeof(tangent)={get_aval(self.tangent).str_short()})")
        return f"JVPTracer(primal={_value_text(self.primal)}, tangent={_value_text(self.tangent)})"

    @property
    def aval(self):
        return get_aval(self.primal)

    def concrete_value(self):
        primal = self.primal
        if isinstance(primal, Tracer):
            return primal.concrete_value()
        return np.asarray(primal)


class JVPTrace(Trace):
    """Carries (primal, tangent) pairs; every primitive applies its jvp rule, whose own
    operations run on the parent trace. Values that are not this trace's tracers (arrays,
    tracers of enclosing transformations) are constants with zero tangents."""

    def __init__(self, parent):
        self.parent = parent
        self.valid = True

    def lift(self, x):
        if isinstance(x, JVPTracer) and x._trace is self:
            return x.primal, x.tangent
        if isinstance(x, Tracer) and not x._trace.valid:
            raise escaped_tracer_error(x)
        return x, Zero.like(x)

    def process_primitive(self, prim, args, params):
        primals, tangents = [], []
        for x in args:
            p, t = self.lift(x)
            primals.append(p)
            tangents.append(t)
        with set_current_trace(self.parent):
            if all(type(t) is Zero for t in tangents):
                return self.parent.process_primitive(prim, primals, params)
            rule = primitive_jvps.get(prim)
            if rule is None:
                raise NotImplementedError(
                    f"Differentiation rule for '{prim.name}' not implemented")
            primals_out, tangents_out = rule(primals, tangents, **params)
        return [p if type(t) is Zero else JVPTracer(self, p, t)
                for p, t in zip(primals_out, tangents_out)]


def jvp_flat(fun, primals, tangents):
    """(primal outputs, tangent outputs) of `fun(*primals)` (flat lists), pushing
    `tangents` forward; tangents and tangent outputs may be `Zero`."""
    trace = JVPTrace(current_trace())
    tracers = [p if type(t) is Zero else JVPTracer(trace, p, t)
               for p, t in zip(primals, tangents)]
    try:
        with set_current_trace(trace):
            outs = fun(*tracers)
        pairs = [trace.lift(x) for x in outs]
    finally:
        trace.valid = False
    return [p for p, _ in pairs], [t for _, t in pairs]


# ---------------------------------------------------------------------------------------
# Reverse mode: linearize, then transpose

def linearize_flat(fun, primals, num_aux=lambda: 0):
    """Runs the jvp of `fun` with primal work done now (on the current trace) and tangent
    work staged. Returns (primal outputs, a linear ClosedJaxpr from the tangents of the
    inexact inputs to those of the inexact outputs, input mask, output mask), the masks
    marking which inputs and outputs are inexact (the others have float0 tangents). The
    last `num_aux()` outputs (known once fun ran) are auxiliary: not differentiated."""
    pe = PartialEvalTrace(current_trace())
    in_mask = [dtypes.is_inexact(get_aval(p).dtype) for p in primals]
    tangents = [pe.new_arg(get_aval(p)) if m else Zero.like(p) for p, m in zip(primals, in_mask)]
    try:
        with set_current_trace(pe):
            primals_out, tangents_out = jvp_flat(fun, primals, tangents)
            n = len(primals_out) - num_aux()
            out_mask = [dtypes.is_inexact(get_aval(p).dtype) for p in primals_out[:n]]
            linear_outs = [instantiate(t) for t, m in zip(tangents_out, out_mask) if m]
        linear = pe.to_closed_jaxpr(linear_outs)
    finally:
        pe.valid = False
    return primals_out, linear, in_mask, out_mask


class UndefinedPrimal:
    """A transpose rule's marker for the linear input whose cotangent it computes."""
    __slots__ = ("aval",)

    def __init__(self, aval):
        self.aval = aval

    def __repr__(self):
        return f"UndefinedPrimal({self.aval.str_short()})"


def is_undefined(x):
    return type(x) is UndefinedPrimal


def backward_pass(jaxpr, consts, cts_out):
    """The cotangents of `jaxpr`'s inputs given those of its outputs, for a jaxpr linear in
    its inputs (consts are known values). Equations that do not touch a linear input are
    evaluated forward first; the linear ones are transposed in reverse order."""
    primal_env = dict(zip(jaxpr.constvars, consts))
    linear = set(jaxpr.invars)
    trace = current_trace()

    def read(atom):
        return atom.val if type(atom) is Literal else primal_env[atom]

    linear_eqns = []
    for eqn in jaxpr.eqns:
        if any(type(x) is Var and x in linear for x in eqn.inputs):
            linear.update(eqn.outvars)
            linear_eqns.append(eqn)
        else:
            outs = bind_in(trace, eqn.prim, [read(x) for x in eqn.inputs], eqn.params)
            primal_env.update(zip(eqn.outvars, outs))

    ct_env = {}

    def accumulate(var, ct):
        if type(var) is Var and var in linear and ct is not None and type(ct) is not Zero:
            ct_env[var] = add_tangents(ct_env[var], ct) if var in ct_env else ct

    for var, ct in zip(jaxpr.outvars, cts_out):
        accumulate(var, ct)
    for eqn in reversed(linear_eqns):
        cts = [ct_env.pop(v, None) for v in eqn.outvars]
        if all(ct is None for ct in cts):
            continue
        cts = [Zero(v.aval) if ct is None else ct for v, ct in zip(eqn.outvars, cts)]
        rule = primitive_transposes.get(eqn.prim)
        if rule is None:
            raise NotImplementedError(
                f"Transpose rule (for reverse-mode differentiation) for '{eqn.prim.name}' "
                f"not implemented")
        invals = [UndefinedPrimal(x.aval) if type(x) is Var and x in linear else read(x)
                  for x in eqn.inputs]
        cts_in = rule(cts if eqn.prim.multiple_results else cts[0], *invals, **eqn.params)
        for x, ct in zip(eqn.inputs, cts_in):
            accumulate(x, ct)
    return [ct_env.pop(v) if v in ct_env else Zero(v.aval) for v in jaxpr.invars]


# ---------------------------------------------------------------------------------------
# Rule helpers: how lax's blocks state their jvp and transpose rules

def _bind(prim, args, params):
    outs = bind(prim, *args, **params)
    return outs if prim.multiple_results else [outs]


def defjvp(prim, *derivatives):
    """jvp from one function per input, `d(t, *primals, **params) -> tangent contribution`
    (None for inputs that are not differentiable); the contributions are summed."""
    primitive_jvps[prim] = _summed_jvp(prim, derivatives, with_output=False)


def defjvp2(prim, *derivatives):
    """As defjvp, with the primal output passed first: `d(t, ans, *primals, **params)`."""
    primitive_jvps[prim] = _summed_jvp(prim, derivatives, with_output=True)


def _summed_jvp(prim, derivatives, with_output):
    def rule(primals, tangents, **params):
        out = _bind(prim, primals, params)[0]
        out_aval = get_aval(out)
        leading = (out, *primals) if with_output else primals
        total = Zero(tangent_aval(out_aval))
        for d, t in zip(derivatives, tangents):
            if d is not None and type(t) is not Zero:
                total = add_tangents(total, broadcast_to_aval(d(t, *leading, **params), out_aval))
        return [out], [total]
    return rule


def defzero(prim):
    """Outputs that are piecewise constant (or not differentiable values like indices):
    their tangents are zero."""
    def rule(primals, tangents, **params):
        outs = _bind(prim, primals, params)
        return outs, [Zero.like(o) for o in outs]
    primitive_jvps[prim] = rule


def deflinear(prim, transpose):
    """A primitive linear in all of its (array) inputs: its jvp is itself applied to the
    tangents; `transpose(ct, *invals, **params)` returns the input cotangents."""
    def rule(primals, tangents, **params):
        outs = _bind(prim, primals, params)
        if len(tangents) == 1:
            touts = _bind(prim, tangents, params)
        else:
            touts = _bind(prim, [instantiate(t) for t in tangents], params)
        return outs, touts
    primitive_jvps[prim] = rule
    primitive_transposes[prim] = transpose


def defbilinear(prim, lhs_transpose, rhs_transpose):
    """A primitive linear in each of its two inputs separately (mul, dot_general):
    jvp = prim(tx, y) + prim(x, ty); `lhs_transpose(ct, x, y, **params)` gives x's
    cotangent where x is undefined, `rhs_transpose` y's."""
    def rule(primals, tangents, **params):
        x, y = primals
        tx, ty = tangents
        out = _bind(prim, primals, params)[0]
        out_aval = get_aval(out)
        t = Zero(tangent_aval(out_aval))
        if type(tx) is not Zero:
            t = add_tangents(t, broadcast_to_aval(_bind(prim, [tx, y], params)[0], out_aval))
        if type(ty) is not Zero:
            t = add_tangents(t, broadcast_to_aval(_bind(prim, [x, ty], params)[0], out_aval))
        return [out], [t]

    def transpose(ct, x, y, **params):
        return [lhs_transpose(ct, x, y, **params) if is_undefined(x) else None,
                rhs_transpose(ct, x, y, **params) if is_undefined(y) else None]
    primitive_jvps[prim] = rule
    primitive_transposes[prim] = transpose


@cache_by_jaxpr
def jvp_jaxpr(jaxpr, nonzeros, instantiate=()):
    """The jvp of `jaxpr` (no constvars) as a new jaxpr taking (primals..., the nonzero
    tangents...) to (primal outputs..., the nonzero output tangents...), output tangents
    marked in `instantiate` counted as nonzero. Returns (jaxpr, consts to pass as leading
    inputs, output nonzero mask)."""
    n = len(jaxpr.invars)
    out_nonzeros = []

    def fun(*args):
        tangents = iter(args[n:])
        tans = [next(tangents) if nz else Zero(tangent_aval(a))
                for nz, a in zip(nonzeros, jaxpr.in_avals)]
        outs, touts = jvp_flat(lambda *xs: eval_jaxpr(jaxpr, [], *xs), list(args[:n]), tans)
        force = list(instantiate) + [False] * (len(touts) - len(instantiate))
        touts = [instantiate_if(f, t) for f, t in zip(force, touts)]
        out_nonzeros[:] = [type(t) is not Zero for t in touts]
        return list(outs) + [t for t in touts if type(t) is not Zero]

    avals = jaxpr.in_avals + [tangent_aval(a) for nz, a in zip(nonzeros, jaxpr.in_avals) if nz]
    new_jaxpr, consts = trace_jaxpr_fun(fun, avals)
    return new_jaxpr, consts, out_nonzeros


@cache_by_jaxpr
def transpose_jaxpr(jaxpr, linear, ct_nonzeros):
    """The transpose of `jaxpr` (no constvars) with respect to its inputs marked `linear`,
    as a new jaxpr taking (the non-linear inputs..., the nonzero output cotangents...) to
    the cotangents of the linear inputs (zeros instantiated). Returns (jaxpr, consts)."""
    body = Jaxpr([v for v, lin in zip(jaxpr.invars, linear) if not lin],
                 [v for v, lin in zip(jaxpr.invars, linear) if lin], jaxpr.eqns, jaxpr.outvars)
    num_known = len(body.constvars)

    def fun(*args):
        cts = iter(args[num_known:])
        cts_full = [next(cts) if nz else Zero(a) for nz, a in zip(ct_nonzeros, jaxpr.out_avals)]
        return [instantiate(ct) for ct in backward_pass(body, list(args[:num_known]), cts_full)]

    avals = [v.aval for v in body.constvars] + [
        a for nz, a in zip(ct_nonzeros, jaxpr.out_avals) if nz]
    return trace_jaxpr_fun(fun, avals)


# ---------------------------------------------------------------------------------------
# Rules of call primitives: primitives carrying their body as params["jaxpr"] (no
# constvars) and applying it to their operands (pjit, checkpoint); other params are kept

def call_jvp(prim):
    """The jvp rule of call primitive `prim`: one call of the body's jvp, taking (the
    body's jvp consts, primals, nonzero tangents) to (primal outputs, nonzero output
    tangents)."""
    def rule(primals, tangents, jaxpr, **params):
        nonzeros = [type(t) is not Zero for t in tangents]
        new_jaxpr, consts, out_nonzeros = jvp_jaxpr(jaxpr, nonzeros)
        outs = _bind(prim, [*consts, *primals, *[t for t in tangents if type(t) is not Zero]],
                     dict(jaxpr=new_jaxpr, **params))
        n = len(jaxpr.outvars)
        touts = iter(outs[n:])
        return outs[:n], [next(touts) if nz else Zero(tangent_aval(a))
                          for nz, a in zip(out_nonzeros, jaxpr.out_avals)]
    return rule


def call_transpose(prim, transposed_params=None):
    """The transpose rule of call primitive `prim`: one call of the body's transpose, taking
    (its consts, the non-linear operands, the nonzero cotangents) to the cotangents of the
    linear operands. `transposed_params(params)`, if given, gives the params (other than
    jaxpr) of that call (pjit renames it)."""
    def rule(cts, *invals, jaxpr, **params):
        linear = [is_undefined(x) for x in invals]
        ct_nonzeros = [type(ct) is not Zero for ct in cts]
        new_jaxpr, consts = transpose_jaxpr(jaxpr, linear, ct_nonzeros)
        if transposed_params is not None:
            params = transposed_params(params)
        outs = iter(_bind(prim, [*consts, *[x for x in invals if not is_undefined(x)],
                                 *[ct for ct in cts if type(ct) is not Zero]],
                          dict(jaxpr=new_jaxpr, **params)))
        return [next(outs) if lin else None for lin in linear]
    return rule
