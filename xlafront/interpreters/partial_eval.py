"""Staging: running a Python function on tracers to record it as IR (for jit and
make_jaxpr), and dead-code elimination on the IR."""
import builtins

import numpy as np

from .. import core
from ..core import (ClosedJaxpr, Eqn, Jaxpr, Literal, Tracer, Var, escaped_tracer_error,
                    get_aval, set_current_trace)
from ..errors import user_frame

_python_scalars = (builtins.bool, builtins.int, builtins.float, builtins.complex)


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
    from ..tree import keystr, tree_flatten_with_path
    name = getattr(fun, "__name__", type(fun).__name__)
    code = getattr(fun, "__code__", None)
    source = f"{code.co_filename}:{code.co_firstlineno}" if code is not None else "<unknown>"
    try:
        import inspect
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


class StagingTrace(core.Trace):
    """Records every primitive bound while it is current as an equation of a Jaxpr.
    Values that are not its own tracers (arrays, outer tracers) become constants."""

    def __init__(self, debug=None):
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


def trace_to_jaxpr(fun, in_avals, debug=None):
    """Runs `fun(*tracers)` (a function of flat arrays returning a flat list of arrays)
    and returns the recorded ClosedJaxpr."""
    trace = StagingTrace(debug)
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
    """Drops equations whose outputs nothing uses (all primitives are pure)."""
    outvars = jaxpr.outvars if used_outputs is None else [
        v for v, used in zip(jaxpr.outvars, used_outputs) if used]
    live = {v for v in outvars if type(v) is Var}
    kept = []
    for eqn in reversed(jaxpr.eqns):
        if any(v in live for v in eqn.outvars):
            kept.append(eqn)
            live.update(x for x in eqn.inputs if type(x) is Var)
    return Jaxpr(jaxpr.constvars, jaxpr.invars, kept[::-1], outvars)
