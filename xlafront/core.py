"""The heart of xlafront: abstract values, primitives, the IR, traces and the interpreter.

Every operation is a `Primitive`. `bind(prim, *args, **params)` hands it to the *current
trace*: with no transformation active that is the `EvalTrace`, which runs the primitive
through XLA; under `jit`/`make_jaxpr` a staging trace records it into the IR instead.
There is one current trace at a time (the "stackless" design): a transformation sets
itself as current while it runs the user's function and restores the previous one after.
"""
import builtins
import contextlib
import enum
import functools
import _thread  # threading's C core: the same types, without 0.5 ms of import
import weakref

import numpy as np

from . import dtypes
from .pretty import pp_jaxpr
from .errors import (ConcretizationTypeError, JaxprTypeError, TracerArrayConversionError,
                     TracerBoolConversionError, TracerIntegerConversionError,
                     UnexpectedTracerError)


# ---------------------------------------------------------------------------------------
# Abstract values

class ShapedArray:
    """The type of an array value: shape, dtype and whether the dtype is weak.

    >>> ShapedArray((2, 3), np.float32).str_short()
    'f32[2,3]'
    """
    __slots__ = ("shape", "dtype", "weak_type")

    def __init__(self, shape, dtype, weak_type=False):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.weak_type = bool(weak_type)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=np.int64))

    def update(self, shape=None, dtype=None, weak_type=None):
        return ShapedArray(self.shape if shape is None else shape,
                           self.dtype if dtype is None else dtype,
                           self.weak_type if weak_type is None else weak_type)

    def strip_weak_type(self):
        return ShapedArray(self.shape, self.dtype) if self.weak_type else self

    def __eq__(self, other):
        return (type(other) is ShapedArray and self.shape == other.shape
                and self.dtype == other.dtype and self.weak_type == other.weak_type)

    def __hash__(self):
        return hash((self.shape, self.dtype, self.weak_type))

    def str_short(self):
        return f"{dtypes.short_name(self.dtype)}[{','.join(map(str, self.shape))}]"

    def str_long(self):
        """JAX's long form, as tracers print: float32[2,3], ~float32[] when weakly typed."""
        weak = "~" if self.weak_type else ""
        return f"{weak}{np.dtype(self.dtype).name}[{','.join(map(str, self.shape))}]"

    def __repr__(self):
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapedArray({self}{weak})"

    def __str__(self):  # (as JAX's: float32[2,3]; jaxprs print the short f32[2,3])
        return f"{np.dtype(self.dtype).name}[{','.join(map(str, self.shape))}]"


_python_scalars = (builtins.bool, builtins.int, builtins.float, builtins.complex)
aval_handlers = {}  # type -> function(x) -> ShapedArray, filled by runtime for Array


def get_aval(x):
    """The ShapedArray of any array-like value: Array, Tracer, NumPy array or Python scalar."""
    handler = aval_handlers.get(type(x))
    if handler is not None:
        return handler(x)
    if isinstance(x, Tracer):
        return x.aval
    if isinstance(x, _python_scalars) and not isinstance(x, np.generic):  # np.float64 is
        dtype = dtypes.python_scalar_dtype(x)                              # a float, strong
        if dtype.kind == "i":
            dtypes.check_python_int(x, dtype)
        return ShapedArray((), dtype, type(x) is not builtins.bool)
    if isinstance(x, (np.ndarray, np.generic)):
        return ShapedArray(x.shape, dtypes.canonicalize(x.dtype))
    if hasattr(x, "__jax_array__"):
        return get_aval(x.__jax_array__())
    if hasattr(x, "aval") and isinstance(x.aval, ShapedArray):
        return x.aval
    raise TypeError(f"Value {x!r} of type {type(x).__name__} is not a valid array: "
                    "xlafront accepts xlafront Arrays, NumPy arrays and scalars, and Python "
                    "bool/int/float/complex")


def is_array_like(x):
    return (type(x) in aval_handlers or isinstance(x, (Tracer, np.ndarray, np.generic))
            or isinstance(x, _python_scalars) or hasattr(x, "__jax_array__"))


# ---------------------------------------------------------------------------------------
# Primitives and bind

_primitives = []  # every Primitive ever made, in creation order (see all_primitives)


class Primitive:
    """A named operation with its type rule `abstract_eval(*avals, **params) -> [aval]`.

    Every other rule lives in the table of the interpreter that uses it, filled beside the
    primitive's definition: `lowering.register_lowering`, `ad.primitive_jvps` /
    `ad.primitive_transposes`, `batching.primitive_batchers` / `batchers_with_trace`,
    `partial_eval.partial_eval_rules`. A new transformation brings its own table."""

    def __init__(self, name, multiple_results=False):
        self.name = name
        self.multiple_results = multiple_results
        self.abstract_eval = None
        self.impl = None  # None: run through XLA as a one-op program (the default)
        self.effectful = False  # True: never dropped as dead code (host callbacks)
        # True: lowering it also prepares this process for the program (loads the LAPACK
        # routines its kernels call), so a program holding it is never loaded by its IR
        # text alone (stable_text refuses it)
        self.prepared_by_lowering = False
        _primitives.append(self)

    def bind(self, *args, **params):
        return bind(self, *args, **params)

    def __repr__(self):
        return self.name


def all_primitives():
    """Every Primitive defined so far (the registry the rule tests read)."""
    return list(_primitives)


def bind(prim, *args, **params):
    """Applies `prim` to `args` under the current trace; returns one value or a list."""
    outs = _trace_state.trace.process_primitive(prim, args, params)
    return outs if prim.multiple_results else outs[0]


def bind_in(trace, prim, args, params):
    """Applies `prim` under `trace` (made current while its rules run); returns a list."""
    if _trace_state.trace is trace:
        return trace.process_primitive(prim, args, params)
    with set_current_trace(trace):
        return trace.process_primitive(prim, args, params)


# ---------------------------------------------------------------------------------------
# The IR

class Var:
    """A variable of the IR, named only when printed."""
    __slots__ = ("aval",)

    def __init__(self, aval):
        self.aval = aval

    def __repr__(self):
        return f"Var({self.aval.str_short()})"


class Literal:
    """A scalar constant written into the IR."""
    __slots__ = ("val", "aval")

    def __init__(self, val, aval):
        self.val = val
        self.aval = aval

    def __repr__(self):
        return f"Literal({self.val})"


class Eqn:
    """`outvars = prim[params] inputs`, with the user's source line that created it."""
    __slots__ = ("prim", "inputs", "outvars", "params", "source_info")

    def __init__(self, prim, inputs, outvars, params, source_info=None):
        self.prim = prim
        self.inputs = inputs
        self.outvars = outvars
        self.params = params
        self.source_info = source_info


class Jaxpr:
    """A closed-form program: `{ lambda constvars ; invars . let eqns in outvars }`."""
    __slots__ = ("constvars", "invars", "eqns", "outvars", "__weakref__")

    def __init__(self, constvars, invars, eqns, outvars):
        self.constvars = list(constvars)
        self.invars = list(invars)
        self.eqns = list(eqns)
        self.outvars = list(outvars)

    @property
    def in_avals(self):
        return [v.aval for v in self.invars]

    @property
    def out_avals(self):
        return [v.aval for v in self.outvars]

    def __str__(self):
        return pp_jaxpr(self)

    __repr__ = __str__

    def pretty_print(self):
        return str(self)


class ClosedJaxpr:
    """A Jaxpr together with the values of its constvars; what `make_jaxpr` returns."""
    __slots__ = ("jaxpr", "consts")

    def __init__(self, jaxpr, consts):
        self.jaxpr = jaxpr
        self.consts = list(consts)

    in_avals = property(lambda self: self.jaxpr.in_avals)
    out_avals = property(lambda self: self.jaxpr.out_avals)
    eqns = property(lambda self: self.jaxpr.eqns)

    def __str__(self):
        return pp_jaxpr(self.jaxpr)

    __repr__ = __str__

    def pretty_print(self):
        return str(self)


def eval_jaxpr(jaxpr, consts, *args):
    """Runs `jaxpr` by binding each equation under the current trace (so it also works as
    the body of any transformation)."""
    env = {}

    def read(atom):
        return atom.val if type(atom) is Literal else env[atom]

    for var, val in zip(jaxpr.constvars, consts):
        env[var] = val
    for var, val in zip(jaxpr.invars, args):
        env[var] = val
    for eqn in jaxpr.eqns:
        outs = _trace_state.trace.process_primitive(
            eqn.prim, [read(x) for x in eqn.inputs], eqn.params)
        for var, val in zip(eqn.outvars, outs):
            env[var] = val
    return [read(x) for x in jaxpr.outvars]


def param_key(value):
    """A hashable key of a param value that may hold IR: a Jaxpr counts by its structure
    (`jaxpr_fingerprint`), tuples and lists element by element (both as tuples), anything
    else as itself. What eager dispatch, `cache_by_jaxpr` and fingerprints key params by."""
    kind = type(value)
    if kind is tuple or kind is list:
        return tuple([param_key(v) for v in value])
    if kind is Jaxpr:
        return jaxpr_fingerprint(value)
    return value


class Unstable(Exception):
    """A program whose text would not be the same in another process (it holds a Python
    function, or an object printed by identity)."""


def stable_text(jaxpr, consts=()):
    """A text of `jaxpr` (and its constants) that is the same in every process for the same
    program and differs between different programs: primitives by name, variables by
    position, literal and constant values in full, params recursively. Raises Unstable for
    params it cannot write that way (functions, arbitrary objects). The persistent cache
    keys compiled programs by it, to find them without lowering again."""
    names = {}

    def atom(x):
        if type(x) is Literal:
            return "lit" + _stable_value(x.val) + x.aval.str_long()
        return names.setdefault(x, f"v{len(names)}")

    lines = ["in " + " ".join(f"{atom(v)}:{v.aval.str_long()}"
                              for v in jaxpr.constvars + jaxpr.invars)]
    lines += ["const " + _stable_value(c) for c in consts]
    for eqn in jaxpr.eqns:
        if eqn.prim.prepared_by_lowering:
            raise Unstable(f"{eqn.prim.name} is prepared by its lowering")
        params = ",".join(f"{k}={_stable_value(v)}" for k, v in sorted(eqn.params.items()))
        lines.append(f"{eqn.prim.name}[{params}] {' '.join(atom(x) for x in eqn.inputs)} -> "
                     + " ".join(f"{atom(v)}:{v.aval.str_long()}" for v in eqn.outvars))
    lines.append("out " + " ".join(atom(x) for x in jaxpr.outvars))
    return "\n".join(lines)


def _stable_value(v):
    t = type(v)
    if v is None or t in (builtins.bool, builtins.int, builtins.float, builtins.complex, str):
        return f"{t.__name__}:{v!r}"
    if t is tuple or t is list or (isinstance(v, tuple) and hasattr(v, "_fields")):
        return f"{t.__name__}(" + ",".join(_stable_value(x) for x in v) + ")"
    if isinstance(v, np.dtype):
        return f"dtype:{v.name}"
    if isinstance(v, type) and issubclass(v, np.generic):
        return f"scalar:{np.dtype(v).name}"
    if isinstance(v, (np.ndarray, np.generic)):
        a = np.asarray(v)
        data = a.tobytes()
        if len(data) > 64:  # large constants by digest
            from _blake2 import blake2b  # (hashlib's, without loading OpenSSL)
            data = blake2b(data, digest_size=32).digest()
        return f"array:{a.dtype.name}{a.shape}:{data.hex()}"
    if t is ShapedArray:
        return "aval:" + v.str_long()
    if t is Jaxpr:
        return "{" + stable_text(v) + "}"
    if t is ClosedJaxpr:
        return "{" + stable_text(v.jaxpr, v.consts) + "}"
    if isinstance(v, enum.Enum):
        return f"{t.__name__}.{v.name}"
    if type(v).__module__ == "jaxlib._jax" or hasattr(v, "aval"):  # a device array constant
        return _stable_value(np.asarray(v))
    raise Unstable(f"{t.__name__} param")


_fingerprints = weakref.WeakKeyDictionary()


def jaxpr_fingerprint(jaxpr):
    """A digest of `jaxpr`'s structure (primitives, params, types, literal values, nested
    IR): equal for programs that compile to the same code."""
    digest = _fingerprints.get(jaxpr)
    if digest is None:
        names = {}

        def atom(x):
            if type(x) is Literal:
                value = np.asarray(x.val)
                return ("lit", x.aval, value.dtype.str, value.shape, value.tobytes())
            return names.setdefault(x, len(names))

        parts = [[(atom(v), v.aval) for v in jaxpr.constvars + jaxpr.invars]]
        for eqn in jaxpr.eqns:
            parts.append((eqn.prim.name, id(eqn.prim), [atom(x) for x in eqn.inputs],
                          [(atom(v), v.aval) for v in eqn.outvars],
                          sorted((k, param_key(v)) for k, v in eqn.params.items())))
        parts.append([atom(x) for x in jaxpr.outvars])
        from _blake2 import blake2b
        digest = _fingerprints[jaxpr] = "jaxpr:" + blake2b(
            repr(parts).encode(), digest_size=20).hexdigest()
    return digest


def cache_by_jaxpr(transform):
    """Memoizes `transform(jaxpr, *args, **kwargs)` per jaxpr object (held weakly) and
    arguments (keyed by `param_key`), so that transforming the same program twice (an eager
    loop calling grad of a jitted function) yields the same program, which then compiles
    once. Results holding traced values are not kept."""
    cache = weakref.WeakKeyDictionary()

    @functools.wraps(transform)
    def cached(jaxpr, *args, **kwargs):
        key = (param_key(args), param_key(sorted(kwargs.items())), dtypes.x64_enabled())
        per_jaxpr = cache.setdefault(jaxpr, {})
        try:
            return per_jaxpr[key]
        except KeyError:
            pass
        result = transform(jaxpr, *args, **kwargs)
        if not any(isinstance(x, Tracer) for x in _flat_values(result)):
            per_jaxpr[key] = result
        return result
    return cached


def _flat_values(x):
    if isinstance(x, (list, tuple)):
        for y in x:
            yield from _flat_values(y)
    else:
        yield x


def typecheck_jaxpr(jaxpr):
    """Checks that every variable is defined before use and every equation's output types
    are what its primitive's abstract evaluation says; raises JaxprTypeError (a TypeError)
    otherwise."""
    defined = set(jaxpr.constvars) | set(jaxpr.invars)
    for i, eqn in enumerate(jaxpr.eqns):
        for x in eqn.inputs:
            if type(x) is Var and x not in defined:
                raise JaxprTypeError(f"typecheck: equation {i} ({eqn.prim}) reads an undefined "
                                f"variable of type {x.aval.str_short()}")
        expected = eqn.prim.abstract_eval(*[x.aval for x in eqn.inputs], **eqn.params)
        got = [v.aval for v in eqn.outvars]
        if [a.strip_weak_type() for a in expected] != [a.strip_weak_type() for a in got]:
            raise JaxprTypeError(f"typecheck: equation {i} ({eqn.prim}) produces "
                            f"{[a.str_short() for a in got]} but its inputs give "
                            f"{[a.str_short() for a in expected]}")
        defined.update(eqn.outvars)
    for x in jaxpr.outvars:
        if type(x) is Var and x not in defined:
            raise JaxprTypeError("typecheck: an output variable is never defined")
    return True


# ---------------------------------------------------------------------------------------
# Traces and tracers

class Trace:
    """A transformation's interpreter: receives every primitive bound while it is current."""
    valid = True

    def process_primitive(self, prim, args, params):
        raise NotImplementedError  # each concrete trace defines it


class EvalTrace(Trace):
    """No transformation: run the primitive now, on device."""

    def process_primitive(self, prim, args, params):
        for x in args:
            if isinstance(x, Tracer):
                raise escaped_tracer_error(x, prim)
        if prim.impl is not None:
            return prim.impl(*args, **params)
        return self.apply(prim, args, params)

    @staticmethod
    def apply(prim, args, params):
        raise RuntimeError(f"cannot run {prim} eagerly: no eager executor is registered "
                           f"(import xlafront, whose dispatch module registers one)")


def register_eager_apply(apply):
    """Installs `apply(prim, args, params) -> [outputs]`, how primitives run with no
    transformation active (dispatch.py compiles and runs them through XLA)."""
    EvalTrace.apply = staticmethod(apply)


class _TraceState(_thread._local):
    def __init__(self):
        self.trace = eval_trace


eval_trace = EvalTrace()
_trace_state = _TraceState()
trace_change_hooks = []  # called with is_eval whenever the current trace changes


def current_trace():
    return _trace_state.trace


@contextlib.contextmanager
def set_current_trace(trace):
    prev = _trace_state.trace
    _trace_state.trace = trace
    if trace_change_hooks:
        for hook in trace_change_hooks:
            hook(trace is eval_trace)
    try:
        yield trace
    finally:
        _trace_state.trace = prev
        for hook in trace_change_hooks:
            hook(prev is eval_trace)


class Tracer:
    """A value seen by a transformation: it has an aval but (in general) no concrete value.
    The array methods (operators, .shape, .sum(), ...) are shared with Array."""
    __slots__ = ("_trace",)
    __array_priority__ = 1000

    @property
    def aval(self):
        raise NotImplementedError  # each tracer type stores or derives its aval

    shape = property(lambda self: self.aval.shape)
    dtype = property(lambda self: self.aval.dtype)
    ndim = property(lambda self: self.aval.ndim)
    size = property(lambda self: self.aval.size)
    weak_type = property(lambda self: self.aval.weak_type)

    def concrete_value(self):
        """The concrete value, if this transformation knows it; None otherwise."""
        return None

    def _concretize(self, what, error_class=ConcretizationTypeError):
        value = self.concrete_value()
        if value is not None:
            return value
        raise error_class(concretization_message(self, what))

    def __bool__(self):
        return builtins.bool(self._concretize("bool", TracerBoolConversionError))

    def __int__(self):
        return builtins.int(self._concretize("int"))  # (as JAX: __index__ differs)

    def __index__(self):
        return self._concretize("index", TracerIntegerConversionError).__index__()

    def __float__(self):
        return builtins.float(self._concretize("float"))

    def __complex__(self):
        return builtins.complex(self._concretize("complex"))

    def __array__(self, dtype=None, copy=None):
        raise TracerArrayConversionError(
            f"The numpy.ndarray conversion method __array__() was called on a traced array "
            f"{self.aval.str_short()}. Use xlafront.numpy functions inside transformed "
            f"functions instead of the real NumPy, or mark the argument static."
            + provenance(self))

    def __hash__(self):
        raise TypeError(f"unhashable type: traced array {self.aval.str_short()}")

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of unsized object (a 0-d traced array)")
        return self.shape[0]

    def __repr__(self):
        return f"Traced<{self.aval.str_short()}>with<{type(self._trace).__name__}>"


def provenance(tracer):
    """A sentence on where a traced value comes from, supplied by its trace."""
    describe = getattr(tracer._trace, "describe_tracer", None)
    return describe(tracer) if describe is not None else ""


def concretization_message(tracer, what):
    hints = {
        "bool": "Python control flow (`if`, `while`, `and`/`or`) on a traced value needs "
                "lax.cond / lax.while_loop / jnp.where instead",
        "int": "`int()`, `range()` and shapes need concrete integers (a loop over a traced "
               "count needs lax.fori_loop or lax.while_loop)",
        "index": "`range()`, list indexing and shapes need concrete integers (a loop over a "
                 "traced count needs lax.fori_loop or lax.while_loop)",
        "shape": "array shapes must be concrete Python integers",
    }
    hint = hints.get(what, f"`{what}()` needs a concrete value")
    return (f"Abstract tracer value encountered where a concrete value is expected: the "
            f"`{what}` conversion of a traced array {tracer.aval.str_short()}. {hint}; or mark "
            f"the argument static with static_argnums / static_argnames so its value is known "
            f"while tracing." + provenance(tracer))


def escaped_tracer_error(tracer, prim=None):
    where = f" (passed to `{prim}`)" if prim is not None else ""
    return UnexpectedTracerError(
        f"Encountered an unexpected tracer{where}: a value {tracer.aval.str_short()} traced by "
        f"{type(tracer._trace).__name__} escaped its transformation, e.g. it was stored in a "
        f"global or an object attribute inside a jitted function and used after the function "
        f"returned. Return it as an output instead." + provenance(tracer))


def concrete_or_error(x, what):
    """x as a concrete value (Python or NumPy), or a ConcretizationTypeError naming `what`."""
    if isinstance(x, Tracer):
        return x._concretize(what)
    return x


def concrete_shape(shape, op):
    """Normalizes a shape argument: an int or a sequence of concrete non-negative ints."""
    if isinstance(shape, Tracer) or not np.iterable(shape):
        shape = (shape,)
    dims = []
    for d in shape:
        if isinstance(d, Tracer):
            d = d._concretize("shape")
        try:
            d = d.__index__()
        except (AttributeError, TypeError):
            raise TypeError(f"{op}: shape entries must be integers, got {d!r} of type "
                            f"{type(d).__name__} in shape {tuple(shape)}") from None
        if d < 0:
            raise ValueError(f"{op}: negative dimension {d} in shape {tuple(shape)}")
        dims.append(d)
    return tuple(dims)
