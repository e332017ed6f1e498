"""Elementwise primitives: StableHLO's unary and binary math, comparisons, select_n, clamp,
integer_pow, convert_element_type and bitcast_convert_type.

The families are tables written as one call per member: `unary(...)`, `binary(...)` and
`comparison(...)` build the primitive, its abstract evaluation, lowering and wrapper from
the row, register the row's differentiation rule (`diff`: `jvp`, `jvp_ans`, `linear`,
`zero_tangent` from base.py, or a rule of its own) and the family's one batching rule. Binary
operands may be rank-0 against any shape (as in JAX's IR: `mul b 2.0:f32[]`); the lowering
broadcasts. Differentiation follows JAX's conventions: no conjugation in the transposes of
complex ops, ties of max/min split evenly, piecewise-constant and integer-valued ops have
zero tangents.
"""
import numpy as np

from .. import dtypes
from ..core import bind, get_aval
from ..errors import warn
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from ..interpreters.lax_ops import lax_ops
from .base import (check_kinds, check_same_dtypes, const_like, is_array_value, jvp, jvp_ans,
                   linear, out, primitive, python_scalars, zero_tangent)

__all__ = [
    "unary", "binary", "comparison", "unary_prims", "binary_prims", "compare_prims",
    # unary
    "neg", "neg_p", "sign", "sign_p", "floor", "floor_p", "ceil", "ceil_p", "is_finite",
    "is_finite_p", "exp", "exp_p", "exp2", "exp2_p", "log", "log_p", "log1p", "log1p_p",
    "expm1", "expm1_p", "tanh", "tanh_p", "logistic", "logistic_p", "sin", "sin_p", "cos",
    "cos_p", "tan", "tan_p", "asin", "asin_p", "acos", "acos_p", "atan", "atan_p", "sinh",
    "sinh_p", "cosh", "cosh_p", "asinh", "asinh_p", "acosh", "acosh_p", "atanh", "atanh_p",
    "sqrt", "sqrt_p", "rsqrt", "rsqrt_p", "cbrt", "cbrt_p", "abs_", "abs_p", "bitwise_not",
    "not_p", "population_count", "population_count_p", "clz", "clz_p", "real", "real_p",
    "imag", "imag_p", "conj", "conj_p", "square", "square_p", "round_", "round_p",
    # binary
    "add", "add_p", "sub", "sub_p", "mul", "mul_p", "div", "div_p", "rem", "rem_p", "pow_",
    "pow_p", "max_", "max_p", "min_", "min_p", "atan2", "atan2_p", "nextafter",
    "nextafter_p", "bitwise_and", "and_p", "bitwise_or", "or_p", "bitwise_xor", "xor_p",
    "shift_left", "shift_left_p", "shift_right_arithmetic", "shift_right_arithmetic_p",
    "shift_right_logical", "shift_right_logical_p", "complex_", "complex_p",
    # comparisons
    "eq", "eq_p", "ne", "ne_p", "lt", "lt_p", "le", "le_p", "gt", "gt_p", "ge", "ge_p",
    # the others
    "select_n", "select_n_p", "select", "clamp", "clamp_p", "integer_pow", "integer_pow_p",
    "convert_element_type", "convert_element_type_p", "bitcast_convert_type",
    "bitcast_convert_type_p",
]

FLOAT, INEXACT, INT, INT_BOOL, NUM, ALL = "f", "fc", "iu", "iub", "iufc", "biufc"
SIGNED_NUM = "ifc"


# ---------------------------------------------------------------------------------------
# Shared by the families: shapes, Python scalars, helpers of the derivatives

def _broadcast_operands(ctx, operands):
    """Rank-0 operands of a mixed-rank elementwise op, broadcast to the output shape."""
    shape = ctx.avals_out[0].shape
    result = []
    for x, aval in zip(operands, ctx.avals_in):
        if aval.shape != shape:
            x = L.broadcast_scalar(x, shape, aval.dtype)
        result.append(x)
    return result


def _elementwise_shape(op, avals):
    shapes = {a.shape for a in avals if a.shape != ()}
    if len(shapes) > 1:
        raise TypeError(f"{op} got incompatible shapes for broadcasting: "
                        f"{', '.join(str(a.shape) for a in avals)}")
    return shapes.pop() if shapes else ()


def _lift_scalars(x, y):
    """Python scalars in lax binary ops take the dtype of the array operand (staying weakly
    typed, so that a weak operand and a Python scalar give a weak result)."""
    if isinstance(x, python_scalars) and not isinstance(y, python_scalars):
        return _lift(x, get_aval(y)), y
    if isinstance(y, python_scalars) and not isinstance(x, python_scalars):
        return x, _lift(y, get_aval(x))
    return x, y


def _lift(scalar, aval):
    if get_aval(scalar).dtype == aval.dtype:
        return scalar  # already of the array's dtype (and weak)
    value = np.asarray(scalar, aval.dtype)
    return convert_element_type(value, aval.dtype, weak_type=True) if aval.weak_type else value


# Helpers of the derivatives, whose operands may be rank-0 (or Python scalars, when a
# transform's primal is one):

def _full_like(x, value):
    aval = get_aval(x)
    return lax_ops.full(aval.shape, value, aval.dtype)


def _where_or_zero(pred, g):
    """g where pred, else 0, at the shape of pred and g (either may be rank-0)."""
    shape = get_aval(pred).shape or get_aval(g).shape
    if get_aval(g).shape != shape:
        g = lax_ops.broadcast_in_dim(g, shape, ())
    return select_n(pred, _full_like(g, 0), g)


def _replace_zero(x):
    return select_n(eq(x, const_like(x, 0)), x, _full_like(x, 1))


def _one_minus_square(x):
    return sub(1, square(x))


# ---------------------------------------------------------------------------------------
# unary

unary_prims = {}  # name -> primitive, for every row of the family


def unary(name, lower_fn, kinds, diff, out_dtype=None):
    """A row of the unary family: an elementwise primitive lowered by
    `lower_fn(ctx, x) -> ir.Value`, accepting dtype `kinds` ("fc" ...), whose output dtype
    is `out_dtype(dtype)` (default: the input's), differentiated by `diff(prim)` (which
    registers its rules). Returns (primitive, wrapper)."""
    def abstract_eval(x):
        check_kinds(name, x, kinds)
        dtype = out_dtype(x.dtype) if out_dtype else x.dtype
        return out(x.shape, dtype, x.weak_type)  # (weak bools too, as in JAX)

    prim = primitive(name, abstract_eval, lambda ctx, x: [lower_fn(ctx, x)])
    diff(prim)
    batching.defvectorized(prim)
    unary_prims[name] = prim

    def op(x):
        return bind(prim, x)

    op.__name__ = name
    op.__doc__ = f"Elementwise `{name}` (the StableHLO op of the same meaning)."
    return prim, op


def _real_dtype(dtype):
    if dtypes.kind(dtype) != "c":
        return dtype
    return np.dtype(np.float32 if dtype == np.complex64 else np.float64)


def _to_bool(dtype):
    return dtypes.bool_


def _hlo(fn_name):
    return lambda ctx, x: getattr(L.hlo, fn_name)(x)


def _chlo(fn_name):
    return lambda ctx, x: getattr(L.chlo, fn_name)(x)


def _exp2(ctx, x):
    return L.hlo.exponential(L.hlo.multiply(x, L.full_like_aval(np.log(2), ctx.avals_in[0])))


def _conj(ctx, x):
    if dtypes.kind(ctx.avals_in[0].dtype) != "c":
        return x
    return L.hlo.complex(L.hlo.real(x), L.hlo.negate(L.hlo.imag(x)))


def _sign(ctx, x):
    aval = ctx.avals_in[0]
    if dtypes.kind(aval.dtype) != "u":
        return L.hlo.sign(x)
    # stablehlo.sign has no unsigned form: 0 where x == 0, else 1
    is_zero = L.compare(x, L.full_like_aval(0, aval), "EQ", aval.dtype)
    return L.hlo.select(is_zero, L.full_like_aval(0, aval), L.full_like_aval(1, aval))


def _square(ctx, x):
    return L.hlo.multiply(x, x)


def _abs_jvp(g, ans, x):
    if dtypes.kind(get_aval(x).dtype) == "c":
        denom = _replace_zero(convert_element_type(ans, get_aval(x).dtype))
        return real(mul(g, div(conj(x), denom)))
    return select_n(ge(x, const_like(x, 0)), neg(g), g)


neg_p, neg = unary("neg", _hlo("negate"), NUM, linear(lambda ct, x: [neg(ct)]))
sign_p, sign = unary("sign", _sign, NUM, zero_tangent)
floor_p, floor = unary("floor", _hlo("floor"), FLOAT, zero_tangent)
ceil_p, ceil = unary("ceil", _hlo("ceil"), FLOAT, zero_tangent)
is_finite_p, is_finite = unary("is_finite", _hlo("is_finite"), FLOAT, zero_tangent, _to_bool)
exp_p, exp = unary("exp", _hlo("exponential"), INEXACT,
                   jvp_ans(lambda g, ans, x: mul(g, ans)))
exp2_p, exp2 = unary("exp2", _exp2, INEXACT,
                     jvp_ans(lambda g, ans, x: mul(float(np.log(2)), mul(g, ans))))
log_p, log = unary("log", _hlo("log"), INEXACT, jvp(lambda g, x: div(g, x)))
log1p_p, log1p = unary("log1p", _hlo("log_plus_one"), INEXACT,
                       jvp(lambda g, x: div(g, add(x, const_like(x, 1)))))
expm1_p, expm1 = unary("expm1", _hlo("exponential_minus_one"), INEXACT,
                       jvp_ans(lambda g, ans, x: mul(g, add(ans, 1))))
tanh_p, tanh = unary("tanh", _hlo("tanh"), INEXACT,
                     jvp_ans(lambda g, ans, x: mul(add(g, mul(g, ans)), sub(1, ans))))
logistic_p, logistic = unary("logistic", _hlo("logistic"), INEXACT,
                             jvp_ans(lambda g, ans, x: mul(g, mul(ans, sub(1, ans)))))
sin_p, sin = unary("sin", _hlo("sine"), INEXACT, jvp(lambda g, x: mul(g, cos(x))))
cos_p, cos = unary("cos", _hlo("cosine"), INEXACT, jvp(lambda g, x: neg(mul(g, sin(x)))))
tan_p, tan = unary("tan", _hlo("tan"), INEXACT,
                   jvp_ans(lambda g, ans, x: mul(g, add(1, square(ans)))))
asin_p, asin = unary("asin", _chlo("asin"), INEXACT,
                     jvp(lambda g, x: mul(g, rsqrt(_one_minus_square(x)))))
acos_p, acos = unary("acos", _chlo("acos"), INEXACT,
                     jvp(lambda g, x: mul(g, neg(rsqrt(_one_minus_square(x))))))
atan_p, atan = unary("atan", _chlo("atan"), INEXACT,
                     jvp(lambda g, x: div(g, add(1, square(x)))))
sinh_p, sinh = unary("sinh", _chlo("sinh"), INEXACT, jvp(lambda g, x: mul(g, cosh(x))))
cosh_p, cosh = unary("cosh", _chlo("cosh"), INEXACT, jvp(lambda g, x: mul(g, sinh(x))))
asinh_p, asinh = unary("asinh", _chlo("asinh"), INEXACT,
                       jvp(lambda g, x: mul(g, rsqrt(add(square(x), 1)))))
acosh_p, acosh = unary("acosh", _chlo("acosh"), INEXACT,
                       jvp(lambda g, x: mul(g, rsqrt(sub(square(x), 1)))))
atanh_p, atanh = unary("atanh", _chlo("atanh"), INEXACT, jvp(
    lambda g, x: mul(div(1, add(const_like(x, 1), x)), div(g, sub(const_like(x, 1), x)))))
sqrt_p, sqrt = unary("sqrt", _hlo("sqrt"), INEXACT,
                     jvp_ans(lambda g, ans, x: mul(g, div(0.5, ans))))
rsqrt_p, rsqrt = unary("rsqrt", _hlo("rsqrt"), INEXACT,
                       jvp_ans(lambda g, ans, x: mul(g, mul(-0.5, div(ans, x)))))
cbrt_p, cbrt = unary("cbrt", _hlo("cbrt"), FLOAT,
                     jvp_ans(lambda g, ans, x: mul(g, mul(1.0 / 3.0, integer_pow(ans, -2)))))
abs_p, abs_ = unary("abs", _hlo("abs"), SIGNED_NUM, jvp_ans(_abs_jvp), _real_dtype)
not_p, bitwise_not = unary("not", _hlo("not_"), INT_BOOL, zero_tangent)
population_count_p, population_count = unary("population_count", _hlo("popcnt"), INT, zero_tangent)
clz_p, clz = unary("clz", _hlo("count_leading_zeros"), INT, zero_tangent)
real_p, real = unary("real", _hlo("real"), "c", linear(
    lambda ct, x: [complex_(ct, np.zeros((), get_aval(ct).dtype))]), _real_dtype)
imag_p, imag = unary("imag", _hlo("imag"), "c", linear(
    lambda ct, x: [complex_(np.zeros((), get_aval(ct).dtype), neg(ct))]), _real_dtype)
conj_p, conj = unary("conj", _conj, INEXACT, linear(lambda ct, x: [conj(ct)]))
square_p, square = unary("square", _square, NUM,
                         jvp(lambda g, x: mul(g, mul(const_like(x, 2), x))))


# round: a unary op with a parameter ------------------------------------------------------

def _round_abstract(x, rounding_method):
    check_kinds("round", x, FLOAT)
    return out(x.shape, x.dtype, x.weak_type)


def _round_lowering(ctx, x, rounding_method):
    fn = L.hlo.round_nearest_even if rounding_method == 1 else L.hlo.round_nearest_afz
    return [fn(x)]


round_p = primitive("round", _round_abstract, _round_lowering)


def round_(x, rounding_method=0):
    """Rounds to the nearest integer; rounding_method 0: away from zero, 1: to even."""
    return bind(round_p, x, rounding_method=int(rounding_method))


round_.__name__ = "round"
ad.defzero(round_p)
batching.defvectorized(round_p)


# ---------------------------------------------------------------------------------------
# binary

binary_prims = {}  # name -> primitive, for every row of the family


def binary(name, lower_fn, kinds, diff, out_dtype=None, family=binary_prims):
    """A row of the binary family (or of `family`, a dict of rows by name): as `unary`, for
    `lower_fn(ctx, x, y)` on operands of one dtype (rank-0 operands broadcast against the
    other's shape)."""
    def abstract_eval(x, y):
        shape = _elementwise_shape(name, (x, y))
        check_same_dtypes(name, (x, y))
        check_kinds(name, x, kinds)
        dtype = out_dtype(x.dtype) if out_dtype else x.dtype
        return out(shape, dtype, x.weak_type and y.weak_type)

    def lower(ctx, x, y):
        return [lower_fn(ctx, *_broadcast_operands(ctx, (x, y)))]

    prim = primitive(name, abstract_eval, lower)
    diff(prim)
    batching.defbroadcasting(prim)
    family[name] = prim

    def op(x, y):
        x, y = _lift_scalars(x, y)
        return bind(prim, x, y)

    op.__name__ = name
    op.__doc__ = f"Elementwise `{name}`; operands of equal dtype, rank-0 ones broadcast."
    return prim, op


def _hlo2(fn_name):
    return lambda ctx, x, y: getattr(L.hlo, fn_name)(x, y)


def _complex_dtype(dtype):
    if dtype not in (dtypes.float32, dtypes.float64):
        raise TypeError(f"complex does not accept dtype {dtype.name}; it accepts float32 and "
                        "float64 (the parts of complex64 and complex128)")
    return np.dtype(np.complex128 if dtype == np.float64 else np.complex64)


def _linear_binary(only_x, only_y, x_ct, y_ct):
    """diff of a binary op linear in both operands (add, sub, complex), without making the
    zero tangent of either operand concrete: only_x(tx) / only_y(ty) give the output
    tangent when the other operand's tangent is zero (before broadcasting), x_ct(ct) /
    y_ct(ct) the operands' cotangents (before summing away a broadcast)."""
    def diff(prim):
        def jvp(primals, tangents):
            out_ = bind(prim, *primals)
            out_aval = get_aval(out_)
            tx, ty = tangents
            if type(tx) is ad.Zero and type(ty) is ad.Zero:
                t = ad.Zero(ad.tangent_aval(out_aval))
            elif type(ty) is ad.Zero:
                t = ad.broadcast_to_aval(only_x(tx), out_aval)
            elif type(tx) is ad.Zero:
                t = ad.broadcast_to_aval(only_y(ty), out_aval)
            else:
                t = bind(prim, tx, ty)
            return [out_], [t]

        def transpose(ct, x, y):
            return [ad.unbroadcast(x.aval, x_ct(ct)) if ad.is_undefined(x) else None,
                    ad.unbroadcast(y.aval, y_ct(ct)) if ad.is_undefined(y) else None]
        ad.primitive_jvps[prim] = jvp
        ad.primitive_transposes[prim] = transpose
    return diff


def _identity(t):
    return t


def _bilinear(prim):
    ad.defbilinear(prim, lambda ct, x, y: ad.unbroadcast(x.aval, mul(ct, y)),
                   lambda ct, x, y: ad.unbroadcast(y.aval, mul(x, ct)))


def _div_diff(prim):
    def transpose(ct, x, y):
        if ad.is_undefined(y):
            raise NotImplementedError("div is linear in its first operand only: the divisor "
                                      "cannot be transposed")
        return [ad.unbroadcast(x.aval, div(ct, y)), None]
    ad.defjvp(prim, lambda g, x, y: div(g, y),
              lambda g, x, y: mul(mul(neg(g), x), integer_pow(y, -2)))
    ad.primitive_transposes[prim] = transpose


def _balanced_tangent(g, ans, x, y):
    """g where x is the chosen value, half of it where x == y (a NaN operand gets none),
    with JAX's factor (x == ans) / (1 + (y == ans)): XLA fuses it as it fuses JAX's (with
    selects alone it copied them into each large consumer, twice over 256K elements in
    the transformer benchmark). The factor depends on primals only, so the tangent stays
    one `mul`, and so does its transpose."""
    factor = div(select(eq(x, ans), _full_like(ans, 1), _full_like(ans, 0)),
                 select(eq(y, ans), _full_like(ans, 2), _full_like(ans, 1)))
    return mul(ad.broadcast_to_aval(g, get_aval(ans)), factor)


_max_min_jvp = jvp_ans(lambda g, ans, x, y: _balanced_tangent(g, ans, x, y),
                       lambda g, ans, x, y: _balanced_tangent(g, ans, y, x))


add_p, add = binary("add", _hlo2("add"), ALL,
                    _linear_binary(_identity, _identity, _identity, _identity))
sub_p, sub = binary("sub", _hlo2("subtract"), NUM,
                    _linear_binary(_identity, neg, _identity, neg))
mul_p, mul = binary("mul", _hlo2("multiply"), ALL, _bilinear)
div_p, div = binary("div", _hlo2("divide"), NUM, _div_diff)
rem_p, rem = binary("rem", _hlo2("remainder"), INT + FLOAT, jvp(
    lambda g, x, y: g,
    lambda g, x, y: mul(neg(g), mul(sign(div(x, y)), floor(abs_(div(x, y)))))))
pow_p, pow_ = binary("pow", _hlo2("power"), INEXACT, jvp_ans(
    lambda g, ans, x, y: mul(g, mul(y, pow_(x, sub(y, const_like(y, 1))))),
    lambda g, ans, x, y: mul(g, mul(log(_replace_zero(x)), ans))))
def _minmax(fn_name, direction):
    """max/min; complex operands compare lexicographically (real part, then imaginary), as
    NumPy and JAX order them (XLA's own maximum has no order for complex)."""
    def lower(ctx, x, y):
        dtype = ctx.avals_in[0].dtype
        if dtypes.kind(dtype) != "c":
            return getattr(L.hlo, fn_name)(x, y)
        part = np.dtype(np.float64 if dtype == dtypes.complex128 else np.float32)
        rx, ry, ix, iy = L.hlo.real(x), L.hlo.real(y), L.hlo.imag(x), L.hlo.imag(y)
        pick_x = L.hlo.select(L.compare(rx, ry, "EQ", part), L.compare(ix, iy, direction, part),
                              L.compare(rx, ry, direction, part))
        return L.hlo.select(pick_x, x, y)
    return lower


max_p, max_ = binary("max", _minmax("maximum", "GT"), ALL, _max_min_jvp)
min_p, min_ = binary("min", _minmax("minimum", "LT"), ALL, _max_min_jvp)
atan2_p, atan2 = binary("atan2", _hlo2("atan2"), FLOAT, jvp(
    lambda g, x, y: mul(g, div(y, add(square(x), square(y)))),
    lambda g, x, y: mul(g, div(neg(x), add(square(x), square(y))))))
nextafter_p, nextafter = binary("nextafter", lambda ctx, x, y: L.chlo.next_after(x, y),
                                FLOAT, zero_tangent)
and_p, bitwise_and = binary("and", _hlo2("and_"), INT_BOOL, zero_tangent)
or_p, bitwise_or = binary("or", _hlo2("or_"), INT_BOOL, zero_tangent)
xor_p, bitwise_xor = binary("xor", _hlo2("xor"), INT_BOOL, zero_tangent)
shift_left_p, shift_left = binary("shift_left", _hlo2("shift_left"), INT, zero_tangent)
shift_right_arithmetic_p, shift_right_arithmetic = binary(
    "shift_right_arithmetic", _hlo2("shift_right_arithmetic"), INT, zero_tangent)
shift_right_logical_p, shift_right_logical = binary(
    "shift_right_logical", _hlo2("shift_right_logical"), INT, zero_tangent)
complex_p, complex_ = binary(
    "complex", _hlo2("complex"), FLOAT,
    _linear_binary(lambda tx: complex_(tx, np.zeros((), get_aval(tx).dtype)),
                   lambda ty: complex_(np.zeros((), get_aval(ty).dtype), ty),
                   real, lambda ct: imag(neg(ct))),
    _complex_dtype)


# ---------------------------------------------------------------------------------------
# comparisons (piecewise constant: zero tangents)

compare_prims = {}  # name -> primitive, for every row of the family


def comparison(name, direction, total_order=False):
    """A row of the comparison family, a binary op to bool: `direction` is StableHLO's
    ("EQ", "LT" ...); only (in)equality compares complex values. With `total_order`, floats
    compare in their total order (-NaN < -inf < ... < -0 < 0 < ... < inf < NaN)."""
    def lower(ctx, x, y):
        dtype = ctx.avals_in[0].dtype
        total = "TOTALORDER" if total_order and dtypes.kind(dtype) == "f" else None
        return L.compare(x, y, direction, dtype, total)
    return binary(name, lower, ALL if direction in ("EQ", "NE") else "biuf", zero_tangent,
                  _to_bool, compare_prims)


eq_p, eq = comparison("eq", "EQ")
ne_p, ne = comparison("ne", "NE")
lt_p, lt = comparison("lt", "LT")
le_p, le = comparison("le", "LE")
gt_p, gt = comparison("gt", "GT")
ge_p, ge = comparison("ge", "GE")


# ---------------------------------------------------------------------------------------
# select_n and clamp (some operands may be rank-0)

def _batch_with_scalar_operands(prim, scalar_ok):
    """Batching for select_n and clamp: operand 1 (a case, the clamped operand) has the
    example shape of the result, as do the others except those at positions `scalar_ok`
    (`which`, the bounds), which may be rank-0. The result keeps the batch dimension of the
    first mapped operand of the result's example shape (0 if there is none); other mapped
    operands move there, mapped rank-0 ones are broadcast along it, unmapped ones are
    broadcast unless they are rank-0 where that is allowed."""
    def rule(vals, dims, **params):
        size = batching.batch_size_of(vals, dims)
        shapes = [get_aval(v).shape if d is batching.not_mapped else
                  get_aval(v).shape[:d] + get_aval(v).shape[d + 1:] for v, d in zip(vals, dims)]
        shape = shapes[1]
        out_dim = next((d for d, s in zip(dims, shapes)
                        if d is not batching.not_mapped and s == shape), 0)
        out_shape = shape[:out_dim] + (size,) + shape[out_dim:]
        others = tuple(i for i in range(len(out_shape)) if i != out_dim)
        new_vals = []
        for i, (v, d, s) in enumerate(zip(vals, dims, shapes)):
            if d is batching.not_mapped:
                if not (i in scalar_ok and s == ()):
                    v = lax_ops.broadcast_in_dim(v, out_shape, others)
            elif s == shape:
                v = batching.moveaxis(v, d, out_dim)
            else:
                v = lax_ops.broadcast_in_dim(v, out_shape, (out_dim,))
            new_vals.append(v)
        return [prim.bind(*new_vals, **params)], [out_dim]
    batching.primitive_batchers[prim] = rule


# select_n --------------------------------------------------------------------------------

def _select_n_abstract(which, *cases):
    if not cases:
        raise TypeError("select_n requires at least one case")
    check_same_dtypes("select_n", cases)
    if len({c.shape for c in cases}) > 1:
        raise TypeError(f"select_n cases must have the same shapes, got "
                        f"{[c.shape for c in cases]}")
    if which.dtype != dtypes.bool_ and dtypes.kind(which.dtype) not in "iu":
        raise TypeError(f"select_n: `which` must be boolean or integer, got {which.dtype.name}")
    if which.dtype == dtypes.bool_ and len(cases) > 2:
        raise TypeError("select_n: a boolean `which` selects between at most two cases")
    if which.shape not in ((), cases[0].shape):
        raise TypeError(f"select_n: `which` must be scalar or have the cases' shape "
                        f"{cases[0].shape}, got {which.shape}")
    return out(cases[0].shape, cases[0].dtype, all(c.weak_type for c in cases))


def _select_n_lowering(ctx, which, *cases):
    which_aval = ctx.avals_in[0].update(shape=ctx.avals_out[0].shape)
    if ctx.avals_in[0].shape != which_aval.shape:
        which = L.broadcast_scalar(which, which_aval.shape, which_aval.dtype)
    if len(cases) == 1:
        return [cases[0]]
    if which_aval.dtype == dtypes.bool_:
        return [L.hlo.select(which, cases[1], cases[0])]

    def build(lo, hi):  # integer `which`: a binary tree of selects, case i where which == i
        if hi - lo == 1:
            return cases[lo]
        mid = (lo + hi) // 2
        pred = L.compare(which, L.full_like_aval(mid, which_aval), "LT", which_aval.dtype)
        return L.hlo.select(pred, build(lo, mid), build(mid, hi))
    return [build(0, len(cases))]


select_n_p = primitive("select_n", _select_n_abstract, _select_n_lowering)


def select_n(which, *cases):
    """`cases[which]` elementwise: which=False/0 picks cases[0]."""
    return bind(select_n_p, which, *cases)


def select(pred, on_true, on_false):
    return select_n(pred, on_false, on_true)


def _select_n_jvp(primals, tangents):  # linear in the cases
    which, *cases = primals
    case_tangents = tangents[1:]
    out_ = select_n(which, *cases)
    if all(type(t) is ad.Zero for t in case_tangents):
        return [out_], [ad.Zero(ad.tangent_aval(get_aval(out_)))]
    return [out_], [select_n(which, *[ad.instantiate(t) for t in case_tangents])]


def _select_n_transpose(ct, which, *cases):
    if ad.is_undefined(which):
        raise NotImplementedError("select_n is not linear in its `which` operand")
    zeros = _full_like(ct, 0)
    is_bool = get_aval(which).dtype == dtypes.bool_

    def case_ct(i):  # ct where case i is selected, else 0
        if is_bool:
            return select_n(which, zeros, ct) if i else select_n(which, ct, zeros)
        return select_n(eq(which, const_like(which, i)), zeros, ct)
    return [None] + [case_ct(i) if ad.is_undefined(c) else None for i, c in enumerate(cases)]


ad.primitive_jvps[select_n_p] = _select_n_jvp
ad.primitive_transposes[select_n_p] = _select_n_transpose
_batch_with_scalar_operands(select_n_p, scalar_ok=(0,))


# clamp -----------------------------------------------------------------------------------

def _clamp_abstract(lo, x, hi):
    check_same_dtypes("clamp", (lo, x, hi))
    for bound in (lo, hi):
        if bound.shape not in ((), x.shape):
            raise TypeError(f"clamp: bounds must be scalars or have the operand's shape "
                            f"{x.shape}, got {bound.shape}")
    return out(x.shape, x.dtype, x.weak_type)


clamp_p = primitive("clamp", _clamp_abstract,
                    lambda ctx, lo, x, hi: [L.hlo.clamp(lo, x, hi)])


def clamp(min, x, max):  # noqa: A002  (JAX's parameter names)
    """max(min, min(x, max)) elementwise; bounds are scalars or x-shaped."""
    x_dtype = get_aval(x).dtype
    min = np.asarray(min, x_dtype) if isinstance(min, python_scalars) else min
    max = np.asarray(max, x_dtype) if isinstance(max, python_scalars) else max
    return bind(clamp_p, min, x, max)


# as JAX: a bound gets the tangent where it is the result (strictly), the operand where it
# lies strictly between the bounds
ad.defjvp(clamp_p,
          lambda g, lo, x, hi: _where_or_zero(bitwise_and(gt(lo, x), lt(lo, hi)), g),
          lambda g, lo, x, hi: _where_or_zero(bitwise_and(gt(x, lo), lt(x, hi)), g),
          lambda g, lo, x, hi: _where_or_zero(lt(hi, x), g))
_batch_with_scalar_operands(clamp_p, scalar_ok=(0, 2))


# ---------------------------------------------------------------------------------------
# integer_pow

def _integer_pow_abstract(x, y):
    check_kinds("integer_pow", x, NUM)
    if y < 0 and dtypes.kind(x.dtype) in INT:
        raise TypeError(f"integer_pow: integers cannot be raised to negative powers, got "
                        f"integer_pow({x.str_short()}, {y})")
    return out(x.shape, x.dtype, x.weak_type)


def _integer_pow_lowering(ctx, x, y):
    aval = ctx.avals_in[0]
    if y == 0:
        return [L.full_like_aval(1, aval)]
    result, base, n = None, x, -y if y < 0 else y
    while n:  # square-and-multiply
        if n & 1:
            result = base if result is None else L.hlo.multiply(result, base)
        n >>= 1
        if n:
            base = L.hlo.multiply(base, base)
    if y < 0:
        result = L.hlo.divide(L.full_like_aval(1, aval), result)
    return [result]


integer_pow_p = primitive("integer_pow", _integer_pow_abstract, _integer_pow_lowering)


def integer_pow(x, y):
    """x ** y for a static Python integer y."""
    if not isinstance(y, int) or isinstance(y, bool):
        raise TypeError(f"integer_pow: the exponent must be a Python int, got {y!r}")
    return bind(integer_pow_p, x, y=y)


def _integer_pow_jvp(g, x, y):
    if y == 0:
        return ad.Zero(ad.tangent_aval(get_aval(x)))
    if y == 1:
        return g
    if y == 2:
        return mul(g, mul(const_like(x, 2), x))
    return mul(g, mul(const_like(x, y), integer_pow(x, y - 1)))


ad.defjvp(integer_pow_p, _integer_pow_jvp)
batching.defvectorized(integer_pow_p)


# ---------------------------------------------------------------------------------------
# convert_element_type: linear between inexact dtypes, zero tangent to other dtypes

def _convert_abstract(x, new_dtype, weak_type):
    return out(x.shape, new_dtype, weak_type)


def _convert_lowering(ctx, x, new_dtype, weak_type):
    aval_in, aval_out = ctx.avals_in[0], ctx.avals_out[0]
    if aval_in.dtype == new_dtype:
        return [x]
    if dtypes.kind(aval_in.dtype) == "c" and dtypes.kind(new_dtype) != "c":
        x = L.hlo.real(x)  # complex -> real drops the imaginary part, as NumPy does
        aval_in = aval_in.update(dtype=_real_dtype(aval_in.dtype))
    if new_dtype == dtypes.bool_:
        return [L.compare(x, L.full_like_aval(0, aval_in), "NE", aval_in.dtype)]
    return [L.hlo.convert(L.ir_type(aval_out), x)]


convert_element_type_p = primitive("convert_element_type", _convert_abstract, _convert_lowering)


def convert_element_type(x, new_dtype, weak_type=False):
    """x converted to `new_dtype` (complex -> real drops the imaginary part, with NumPy's
    ComplexWarning, as in JAX)."""
    new_dtype = dtypes.check_dtype(new_dtype, "convert_element_type")
    aval = get_aval(x)
    if dtypes.kind(aval.dtype) == "c" and dtypes.kind(new_dtype) != "c":
        warn("Casting complex values to real discards the imaginary part",
             np.exceptions.ComplexWarning)
    if aval.dtype == new_dtype and aval.weak_type == weak_type and is_array_value(x):
        return x
    return bind(convert_element_type_p, x, new_dtype=new_dtype, weak_type=bool(weak_type))


def _convert_jvp(primals, tangents, new_dtype, weak_type):
    (x,), (t,) = primals, tangents
    out_ = bind(convert_element_type_p, x, new_dtype=new_dtype, weak_type=weak_type)
    if type(t) is ad.Zero or not dtypes.is_inexact(new_dtype):
        return [out_], [ad.Zero.like(out_)]
    return [out_], [bind(convert_element_type_p, t, new_dtype=new_dtype, weak_type=weak_type)]


def _convert_transpose(ct, x, new_dtype, weak_type):
    old = x.aval
    if not dtypes.is_inexact(old.dtype):
        return [ad.Zero(ad.tangent_aval(old))]
    return [bind(convert_element_type_p, ct, new_dtype=old.dtype, weak_type=old.weak_type)]


ad.primitive_jvps[convert_element_type_p] = _convert_jvp
ad.primitive_transposes[convert_element_type_p] = _convert_transpose
batching.defvectorized(convert_element_type_p)


# ---------------------------------------------------------------------------------------
# bitcast_convert_type

def _bitcast_abstract(x, new_dtype):
    if np.dtype(new_dtype).itemsize != x.dtype.itemsize:
        raise TypeError(f"bitcast_convert_type: {x.dtype.name} and {np.dtype(new_dtype).name} "
                        "differ in width; only equal widths are supported")
    return out(x.shape, new_dtype)


bitcast_convert_type_p = primitive(
    "bitcast_convert_type", _bitcast_abstract,
    lambda ctx, x, new_dtype: [L.hlo.bitcast_convert(L.ir_type(ctx.avals_out[0]), x)])


def bitcast_convert_type(x, new_dtype):
    return bind(bitcast_convert_type_p, x, new_dtype=dtypes.check_dtype(new_dtype))


ad.defzero(bitcast_convert_type_p)
batching.defvectorized(bitcast_convert_type_p)
