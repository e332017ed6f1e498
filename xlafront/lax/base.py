"""Helpers shared by the primitive blocks in lax/: making a primitive from its rules, and
the checks whose error messages every primitive shares."""
import builtins

from .. import dispatch, dtypes, runtime  # noqa: F401  (dispatch: eager execution)
from ..core import Primitive, ShapedArray, Tracer, bind, get_aval
from ..interpreters import ad, batching
from ..interpreters.lowering import lower_fun, register_lowering

__all__ = ["check_kinds", "check_same_dtypes", "composed", "const_like", "ints",
           "is_array_value", "jvp", "jvp_ans", "jvp_rule", "linear", "linear_in",
           "normalize_axes", "normalize_axis", "out", "primitive", "python_scalars",
           "zero_tangent"]

python_scalars = (builtins.bool, builtins.int, builtins.float, builtins.complex)

_KIND_NAMES = {"b": "bool", "i": "signed integer", "u": "unsigned integer",
               "f": "floating", "c": "complex"}


def primitive(name, abstract_eval, lowering, multiple_results=False):
    """A Primitive with its abstract evaluation and lowering rules."""
    prim = Primitive(name, multiple_results)
    prim.abstract_eval = abstract_eval
    register_lowering(prim, lowering)
    return prim


def composed(name, impl, abstract_eval, multiple_results=False):
    """A primitive meaning `impl(*operands, **params)`, a composition of lax operations (as
    JAX's tile, split ...): it stays one equation in the IR, is lowered by tracing impl, and
    is differentiated and batched by running impl under the jvp or vmap (so it needs no
    rules of its own)."""
    def flat(params):
        return lambda *xs: list(impl(*xs, **params)) if multiple_results else [
            impl(*xs, **params)]

    prim = primitive(name, abstract_eval, lower_fun(impl, multiple_results), multiple_results)
    ad.primitive_jvps[prim] = lambda primals, tangents, **params: ad.jvp_flat(
        flat(params), primals, tangents)

    def batch(vals, dims, **params):
        outs = batching.vmap_flat(flat(params), vals, dims, lambda n: [0] * n,
                                  batching.batch_size_of(vals, dims))
        return outs, [0] * len(outs)
    batching.primitive_batchers[prim] = batch
    return prim


# The forms of a family row's differentiation rule: `diff(prim)` registers the rules.

def jvp(*derivatives):
    """diff: `d(g, *primals, **params) -> tangent` per operand (None: not differentiable)."""
    return lambda prim: ad.defjvp(prim, *derivatives)


def jvp_rule(rule, transpose=None):
    """diff given as the whole jvp rule, `rule(primals, tangents, **params)`, and for an op
    linear in some operands its transpose rule, `transpose(ct, *operands, **params)`."""
    def register(prim):
        ad.primitive_jvps[prim] = rule
        if transpose is not None:
            ad.primitive_transposes[prim] = transpose
    return register


def jvp_ans(*derivatives):
    """diff: `d(g, ans, *primals, **params) -> tangent` per operand, given the output."""
    return lambda prim: ad.defjvp2(prim, *derivatives)


def linear(transpose):
    """diff of an op linear in its operands: `transpose(ct, *operands, **params)`."""
    return lambda prim: ad.deflinear(prim, transpose)


def linear_in(positions, transpose):
    """diff of an op linear in its operands at `positions` and not differentiable in the
    others (indices), which its jvp passes on as they are: `transpose(ct, *operands,
    **params)` gives the cotangents."""
    def register(prim):
        def rule(primals, tangents, **params):
            out_ = bind(prim, *primals, **params)
            if all(type(tangents[i]) is ad.Zero for i in positions):
                return [out_], [ad.Zero.like(out_)]
            args = [ad.instantiate(t) if i in positions else x
                    for i, (x, t) in enumerate(zip(primals, tangents))]
            return [out_], [bind(prim, *args, **params)]
        ad.primitive_jvps[prim] = rule
        ad.primitive_transposes[prim] = transpose
    return register


zero_tangent = ad.defzero  # diff of a piecewise-constant or integer-valued op


def out(shape, dtype, weak_type=False):
    """The one-result list of avals an abstract evaluation returns."""
    return [ShapedArray(shape, dtype, weak_type)]


def check_kinds(op, aval, kinds):
    """TypeError unless aval's dtype kind is one of `kinds` (e.g. "fc")."""
    if dtypes.kind(aval.dtype) not in kinds:
        accepted = ", ".join(_KIND_NAMES[k] for k in kinds)
        raise TypeError(f"{op} does not accept dtype {aval.dtype.name}; it accepts {accepted} "
                        f"dtypes")


def check_same_dtypes(op, avals):
    if len({a.dtype for a in avals}) > 1:
        names = ", ".join(a.dtype.name for a in avals)
        raise TypeError(f"{op} requires arguments to have the same dtypes, got {names}; "
                        f"convert them first (e.g. with .astype or lax.convert_element_type)")


def ints(op, what, values):
    """`values` as a tuple of Python ints, or TypeError naming `op` and the param `what`."""
    try:
        return tuple(builtins.int(v.__index__()) for v in values)
    except (AttributeError, TypeError):
        raise TypeError(f"{op}: {what} must be a sequence of integers, got {values!r}") from None


def avals_of(what, leaves):
    """The avals of pytree leaves, or a TypeError naming `what` for a leaf that is no array."""
    avals = []
    for x in leaves:
        try:
            avals.append(get_aval(x))
        except TypeError:
            raise TypeError(f"{what}: got a value of type {type(x).__name__} ({x!r}), which is "
                            "not an array; operands must be pytrees of arrays") from None
    return avals


def normalize_axis(op, axis, ndim):
    try:
        axis = builtins.int(axis.__index__())
    except (AttributeError, TypeError):
        raise TypeError(f"{op}: axis must be an integer, got {axis!r}") from None
    if not -ndim <= axis < max(ndim, 1) or (ndim == 0 and axis not in (0, -1)):
        raise ValueError(f"{op}: axis {axis} is out of bounds for an array of dimension {ndim}")
    return axis % ndim if ndim else 0


def normalize_axes(op, axes, ndim):
    axes = tuple(normalize_axis(op, a, ndim) for a in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: repeated axis in {axes}")
    return axes


def const_like(x, value):
    """The constant `value` for a binary op with x (in rules, whose operands may be Python
    scalars): a Python scalar, which the op's wrappers give x's dtype, weakly typed as x is;
    of x's own Python type when x is one too (a primal passed to a transform as a Python
    scalar), so that the pair computes in x's weak dtype."""
    return type(x)(value) if isinstance(x, python_scalars) else value


def is_array_value(x):
    """True for xlafront Arrays and tracers: the values a wrapper with nothing to do may
    return unchanged. NumPy arrays and Python scalars still go through the primitive (as in
    JAX), so every lax function returns an xlafront Array."""
    return isinstance(x, Tracer) or (runtime.is_loaded() and type(x) is runtime.array_type())
