"""Elementwise primitives: StableHLO's unary and binary math, comparisons, select_n, clamp,
integer_pow and convert_element_type.

Op families share one rule: `unary(...)`, `binary(...)` and `comparison(...)` build a
primitive, its abstract evaluation and its lowering from a table row. Binary operands may
be rank-0 against any shape (as in JAX's IR: `mul b 2.0:f32[]`); the lowering broadcasts.
"""
import numpy as np

from .. import dtypes
from ..core import bind, get_aval
from ..interpreters import lowering as L
from .base import (check_kinds, check_same_dtypes, is_array_value, out, primitive,
                   python_scalars)

_FLOAT, _INEXACT, _INT, _INT_BOOL, _NUM, _ALL = "f", "fc", "iu", "iub", "iufc", "biufc"
_SIGNED_NUM = "ifc"


def _broadcast_operands(ctx, operands):
    """Rank-0 operands of a mixed-rank elementwise op, broadcast to the output shape."""
    shape = ctx.avals_out[0].shape
    result = []
    for x, aval in zip(operands, ctx.avals_in):
        if aval.shape != shape:
            ty = L.ir.RankedTensorType.get(shape, L.ir_element_type(aval.dtype))
            x = L.hlo.broadcast_in_dim(ty, x, L.dense_i64([]))
        result.append(x)
    return result


def _elementwise_shape(op, avals):
    shapes = {a.shape for a in avals if a.shape != ()}
    if len(shapes) > 1:
        raise TypeError(f"{op} got incompatible shapes for broadcasting: "
                        f"{', '.join(str(a.shape) for a in avals)}")
    return shapes.pop() if shapes else ()


# ---------------------------------------------------------------------------------------
# unary

def unary(name, lower_fn, kinds, out_dtype=None):
    """An elementwise unary primitive and its public wrapper."""
    def abstract_eval(x):
        check_kinds(name, x, kinds)
        dtype = out_dtype(x.dtype) if out_dtype else x.dtype
        return out(x.shape, dtype, x.weak_type and dtype != dtypes.bool_)

    prim = primitive(name, abstract_eval, lambda ctx, x: [lower_fn(ctx, x)])

    def op(x):
        return bind(prim, x)

    op.__name__ = name
    op.__doc__ = f"Elementwise `{name}` (the StableHLO op of the same meaning)."
    return prim, op


def _real_dtype(dtype):
    return np.dtype(np.float32 if dtype == np.complex64 else np.float64) if dtypes.kind(dtype) == "c" else dtype


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
    is_zero = L.hlo.compare(x, L.full_like_aval(0, aval), L.hlo.ComparisonDirectionAttr.get("EQ"),
                            compare_type=L.hlo.ComparisonTypeAttr.get("UNSIGNED"))
    return L.hlo.select(is_zero, L.full_like_aval(0, aval), L.full_like_aval(1, aval))


def _square(ctx, x):
    return L.hlo.multiply(x, x)


def _round_afz(ctx, x):
    return L.hlo.round_nearest_afz(x)


_unary_table = [
    # name, lowering, accepted kinds, output dtype
    ("neg", _hlo("negate"), _NUM, None),
    ("sign", _sign, _NUM, None),
    ("floor", _hlo("floor"), _FLOAT, None),
    ("ceil", _hlo("ceil"), _FLOAT, None),
    ("is_finite", _hlo("is_finite"), _FLOAT, _to_bool),
    ("exp", _hlo("exponential"), _INEXACT, None),
    ("exp2", _exp2, _INEXACT, None),
    ("log", _hlo("log"), _INEXACT, None),
    ("log1p", _hlo("log_plus_one"), _INEXACT, None),
    ("expm1", _hlo("exponential_minus_one"), _INEXACT, None),
    ("tanh", _hlo("tanh"), _INEXACT, None),
    ("logistic", _hlo("logistic"), _INEXACT, None),
    ("sin", _hlo("sine"), _INEXACT, None),
    ("cos", _hlo("cosine"), _INEXACT, None),
    ("tan", _hlo("tan"), _INEXACT, None),
    ("asin", _chlo("asin"), _INEXACT, None),
    ("acos", _chlo("acos"), _INEXACT, None),
    ("atan", _chlo("atan"), _INEXACT, None),
    ("sinh", _chlo("sinh"), _INEXACT, None),
    ("cosh", _chlo("cosh"), _INEXACT, None),
    ("asinh", _chlo("asinh"), _INEXACT, None),
    ("acosh", _chlo("acosh"), _INEXACT, None),
    ("atanh", _chlo("atanh"), _INEXACT, None),
    ("sqrt", _hlo("sqrt"), _INEXACT, None),
    ("rsqrt", _hlo("rsqrt"), _INEXACT, None),
    ("cbrt", _hlo("cbrt"), _FLOAT, None),
    ("abs", _hlo("abs"), _SIGNED_NUM, _real_dtype),
    ("not", _hlo("not_"), _INT_BOOL, None),
    ("population_count", _hlo("popcnt"), _INT, None),
    ("clz", _hlo("count_leading_zeros"), _INT, None),
    ("real", _hlo("real"), "c", _real_dtype),
    ("imag", _hlo("imag"), "c", _real_dtype),
    ("conj", _conj, _INEXACT, None),
    ("erf", _chlo("erf"), _FLOAT, None),
    ("erfc", _chlo("erfc"), _FLOAT, None),
    ("erf_inv", _chlo("erf_inv"), _FLOAT, None),
    ("lgamma", _chlo("lgamma"), _FLOAT, None),
    ("digamma", _chlo("digamma"), _FLOAT, None),
    ("square", _square, _NUM, None),
]

unary_prims = {}
ops = {}  # public name -> wrapper, for every primitive built from a table row
for _name, _lower, _kinds, _out in _unary_table:
    unary_prims[_name], ops["bitwise_not" if _name == "not" else _name] = unary(
        _name, _lower, _kinds, _out)
neg_p, sin_p, cos_p, exp_p, log_p, tanh_p = (unary_prims[n] for n in
                                             ("neg", "sin", "cos", "exp", "log", "tanh"))


def _round_lowering(ctx, x, rounding_method):
    fn = L.hlo.round_nearest_even if rounding_method == 1 else L.hlo.round_nearest_afz
    return [fn(x)]


def _round_abstract(x, rounding_method):
    check_kinds("round", x, _FLOAT)
    return out(x.shape, x.dtype, x.weak_type)


round_p = primitive("round", _round_abstract, _round_lowering)


def round(x, rounding_method=0):  # noqa: A001
    """Rounds to the nearest integer; rounding_method 0: away from zero, 1: to even."""
    return bind(round_p, x, rounding_method=int(rounding_method))


# ---------------------------------------------------------------------------------------
# binary

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


def binary(name, lower_fn, kinds, out_dtype=None):
    def abstract_eval(x, y):
        shape = _elementwise_shape(name, (x, y))
        check_same_dtypes(name, (x, y))
        check_kinds(name, x, kinds)
        dtype = out_dtype(x.dtype) if out_dtype else x.dtype
        return out(shape, dtype, x.weak_type and y.weak_type)

    def lower(ctx, x, y):
        return [lower_fn(ctx, *_broadcast_operands(ctx, (x, y)))]

    prim = primitive(name, abstract_eval, lower)

    def op(x, y):
        x, y = _lift_scalars(x, y)
        return bind(prim, x, y)

    op.__name__ = name
    op.__doc__ = f"Elementwise `{name}`; operands of equal dtype, rank-0 ones broadcast."
    return prim, op


def _hlo2(fn_name):
    return lambda ctx, x, y: getattr(L.hlo, fn_name)(x, y)


def _div(ctx, x, y):
    return L.hlo.divide(x, y)


def _rem(ctx, x, y):
    return L.hlo.remainder(x, y)


def _nextafter(ctx, x, y):
    return L.chlo.next_after(x, y)


def _complex(ctx, x, y):
    return L.hlo.complex(x, y)


def _complex_dtype(dtype):
    if dtype not in (dtypes.float32, dtypes.float64):
        raise TypeError(f"complex does not accept dtype {dtype.name}; it accepts float32 and "
                        "float64 (the parts of complex64 and complex128)")
    return np.dtype(np.complex128 if dtype == np.float64 else np.complex64)


_binary_table = [
    ("add", _hlo2("add"), _ALL, None),
    ("sub", _hlo2("subtract"), _NUM, None),
    ("mul", _hlo2("multiply"), _ALL, None),
    ("div", _div, _NUM, None),
    ("rem", _rem, _INT + _FLOAT, None),
    ("pow", _hlo2("power"), _INEXACT, None),
    ("max", _hlo2("maximum"), _ALL, None),
    ("min", _hlo2("minimum"), _ALL, None),
    ("atan2", _hlo2("atan2"), _FLOAT, None),
    ("nextafter", _nextafter, _FLOAT, None),
    ("and", _hlo2("and_"), _INT_BOOL, None),
    ("or", _hlo2("or_"), _INT_BOOL, None),
    ("xor", _hlo2("xor"), _INT_BOOL, None),
    ("shift_left", _hlo2("shift_left"), _INT, None),
    ("shift_right_arithmetic", _hlo2("shift_right_arithmetic"), _INT, None),
    ("shift_right_logical", _hlo2("shift_right_logical"), _INT, None),
    ("complex", _complex, _FLOAT, _complex_dtype),
]

binary_prims = {}
_public_binary_names = {"and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor"}
for _name, _lower, _kinds, _out in _binary_table:
    binary_prims[_name], ops[_public_binary_names.get(_name, _name)] = binary(
        _name, _lower, _kinds, _out)
add_p, sub_p, mul_p, div_p, max_p, min_p = (binary_prims[n] for n in
                                            ("add", "sub", "mul", "div", "max", "min"))


# ---------------------------------------------------------------------------------------
# comparisons

def _compare_type(dtype):
    k = dtypes.kind(dtype)
    return {"f": "FLOAT", "c": "FLOAT", "i": "SIGNED"}.get(k, "UNSIGNED")


def comparison(name, direction):
    def abstract_eval(x, y):
        shape = _elementwise_shape(name, (x, y))
        check_same_dtypes(name, (x, y))
        if direction not in ("EQ", "NE"):
            check_kinds(name, x, "biuf")
        return out(shape, dtypes.bool_, False)

    def lower(ctx, x, y):
        x, y = _broadcast_operands(ctx, (x, y))
        return [L.hlo.compare(x, y, L.hlo.ComparisonDirectionAttr.get(direction),
                              compare_type=L.hlo.ComparisonTypeAttr.get(
                                  _compare_type(ctx.avals_in[0].dtype)))]

    prim = primitive(name, abstract_eval, lower)

    def op(x, y):
        x, y = _lift_scalars(x, y)
        return bind(prim, x, y)

    op.__name__ = name
    return prim, op


compare_prims = {}
for _name, _direction in [("eq", "EQ"), ("ne", "NE"), ("lt", "LT"), ("le", "LE"),
                          ("gt", "GT"), ("ge", "GE")]:
    compare_prims[_name], ops[_name] = comparison(_name, _direction)
globals().update(ops)  # lax.add, lax.sin, ... importable by name


# ---------------------------------------------------------------------------------------
# select_n, clamp, integer_pow, convert_element_type

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
    which_aval = ctx.avals_in[0]
    shape = ctx.avals_out[0].shape
    if which_aval.shape != shape:
        ty = L.ir.RankedTensorType.get(shape, L.ir_element_type(which_aval.dtype))
        which = L.hlo.broadcast_in_dim(ty, which, L.dense_i64([]))
    if len(cases) == 1:
        return [cases[0]]
    if which_aval.dtype == dtypes.bool_:
        return [L.hlo.select(which, cases[1], cases[0])]
    # Integer `which`: a binary tree of selects, case i where which == i.
    def build(lo, hi):
        if hi - lo == 1:
            return cases[lo]
        mid = (lo + hi) // 2
        bound = L.full_like_aval(mid, which_aval.update(shape=shape))
        pred = L.hlo.compare(which, bound, L.hlo.ComparisonDirectionAttr.get("LT"),
                             compare_type=L.hlo.ComparisonTypeAttr.get(
                                 _compare_type(which_aval.dtype)))
        return L.hlo.select(pred, build(lo, mid), build(mid, hi))
    return [build(0, len(cases))]


select_n_p = primitive("select_n", _select_n_abstract, _select_n_lowering)


def select_n(which, *cases):
    """`cases[which]` elementwise: which=False/0 picks cases[0]."""
    return bind(select_n_p, which, *cases)


def select(pred, on_true, on_false):
    return select_n(pred, on_false, on_true)


def _clamp_abstract(lo, x, hi):
    check_same_dtypes("clamp", (lo, x, hi))
    for bound in (lo, hi):
        if bound.shape not in ((), x.shape):
            raise TypeError(f"clamp: bounds must be scalars or have the operand's shape "
                            f"{x.shape}, got {bound.shape}")
    return out(x.shape, x.dtype, x.weak_type)


def _clamp_lowering(ctx, lo, x, hi):
    return [L.hlo.clamp(lo, x, hi)]


clamp_p = primitive("clamp", _clamp_abstract, _clamp_lowering)


def clamp(min, x, max):  # noqa: A002
    """max(min, min(x, max)) elementwise; bounds are scalars or x-shaped."""
    x_dtype = get_aval(x).dtype
    min = np.asarray(min, x_dtype) if isinstance(min, python_scalars) else min
    max = np.asarray(max, x_dtype) if isinstance(max, python_scalars) else max
    return bind(clamp_p, min, x, max)


def _integer_pow_abstract(x, y):
    check_kinds("integer_pow", x, _NUM)
    if y < 0 and dtypes.kind(x.dtype) in _INT:
        raise TypeError(f"integer_pow: integers cannot be raised to negative powers, got "
                        f"integer_pow({x.str_short()}, {y})")
    return out(x.shape, x.dtype, x.weak_type)


def _integer_pow_lowering(ctx, x, y):
    aval = ctx.avals_in[0]
    if y == 0:
        return [L.full_like_aval(1, aval)]
    result, base, n = None, x, abs_int(y)
    while n:  # square-and-multiply
        if n & 1:
            result = base if result is None else L.hlo.multiply(result, base)
        n >>= 1
        if n:
            base = L.hlo.multiply(base, base)
    if y < 0:
        result = L.hlo.divide(L.full_like_aval(1, aval), result)
    return [result]


def abs_int(n):
    return -n if n < 0 else n


integer_pow_p = primitive("integer_pow", _integer_pow_abstract, _integer_pow_lowering)


def integer_pow(x, y):
    """x ** y for a static Python integer y."""
    if not isinstance(y, int) or isinstance(y, bool):
        raise TypeError(f"integer_pow: the exponent must be a Python int, got {y!r}")
    return bind(integer_pow_p, x, y=y)


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
        zero = L.full_like_aval(0, aval_in)
        return [L.hlo.compare(x, zero, L.hlo.ComparisonDirectionAttr.get("NE"),
                              compare_type=L.hlo.ComparisonTypeAttr.get(
                                  _compare_type(aval_in.dtype)))]
    return [L.hlo.convert(L.ir_type(aval_out), x)]


convert_element_type_p = primitive("convert_element_type", _convert_abstract, _convert_lowering)


def convert_element_type(x, new_dtype, weak_type=False):
    """x converted to `new_dtype` (complex -> real drops the imaginary part)."""
    new_dtype = dtypes.check_dtype(new_dtype, "convert_element_type")
    aval = get_aval(x)
    if aval.dtype == new_dtype and aval.weak_type == weak_type and is_array_value(x):
        return x
    return bind(convert_element_type_p, x, new_dtype=new_dtype, weak_type=bool(weak_type))


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


# ---------------------------------------------------------------------------------------
# Differentiation rules (jvp; transpose for the linear ones), following JAX's
# conventions: no conjugation in the transposes of complex ops, ties of max/min split
# evenly, piecewise-constant and integer-valued ops have zero tangents.

from ..interpreters import ad  # noqa: E402

unary_jvps = {}  # unary name -> (derivative, uses the primal output), for defjvp/defjvp2


def _shape_of(x):
    return get_aval(x).shape


def _bcast_to(x, shape):
    """x (rank-0 or of `shape`) at `shape`."""
    if _shape_of(x) == shape:
        return x
    from .structural import broadcast_in_dim
    return broadcast_in_dim(x, shape, ())


def _zeros_of(x):
    """Zeros of x's shape and dtype."""
    return ad.zeros_like_aval(get_aval(x).update(weak_type=False))


def _where_or_zero(pred, g):
    """g where pred, else 0, at the shape of pred and g (either may be rank-0)."""
    shape = _shape_of(pred) or _shape_of(g)
    g = _bcast_to(g, shape)
    return select_n(pred, _zeros_of(g), g)


def _c(x, value):
    """The constant `value` for a binary op with x: a Python scalar (the op's wrappers give
    it x's dtype, weakly typed as x is) unless x is one too (a primal passed to a transform
    as a Python scalar), then a NumPy scalar of x's dtype."""
    return np.array(value, get_aval(x).dtype) if isinstance(x, python_scalars) else value


def _replace_zero(x):
    return select_n(eq(x, _c(x, 0)), x, _bcast_to(np.ones((), get_aval(x).dtype), _shape_of(x)))


def _one_minus_square(x):
    return sub(1, square(x))


def _trigamma(x):
    """polygamma(1, x) from lax ops (there is no polygamma primitive): the recurrence
    psi1(z) = 1/z**2 + psi1(z + 1) up to w = z + 6, then the asymptotic series in 1/w;
    reflection psi1(x) = pi**2 / sin(pi x)**2 - psi1(1 - x) for x <= 0. Each branch gets
    inputs safe for it, so the unused branch puts no NaN into derivatives."""
    dtype = get_aval(x).dtype
    if dtype.itemsize < 4:  # float16/bfloat16: compute in float32
        return convert_element_type(_trigamma(convert_element_type(x, np.float32)), dtype,
                                    weak_type=get_aval(x).weak_type)
    reflect = le(x, _c(x, 0))
    z = select_n(reflect, x, sub(_c(x, 1), x))
    acc = None
    for k in range(6):
        term = div(1, square(add(z, float(k)) if k else z))
        acc = term if acc is None else add(acc, term)
    r = div(1, add(z, 6.0))
    r2 = square(r)
    series = 7.0 / 6.0
    for c in (-691.0 / 2730.0, 5.0 / 66.0, -1.0 / 30.0, 1.0 / 42.0, -1.0 / 30.0):
        series = add(c, mul(r2, series))
    series = add(r, mul(r2, add(0.5, mul(r, add(1.0 / 6.0, mul(r2, series))))))
    positive = add(acc, series)
    safe = select_n(reflect, _bcast_to(np.full((), 0.5, dtype), _shape_of(x)), x)
    s = sin(mul(np.pi, safe))
    reflected = sub(div(np.pi ** 2, square(s)), positive)
    return select_n(reflect, positive, reflected)


def _abs_jvp(g, ans, x):
    if dtypes.kind(get_aval(x).dtype) == "c":
        denom = _replace_zero(convert_element_type(ans, get_aval(x).dtype))
        return real(mul(g, div(conj(x), denom)))
    return select_n(ge(x, _c(x, 0)), neg(g), g)


_SQRT_PI = float(np.sqrt(np.pi))
unary_jvps.update({
    "sin": (lambda g, x: mul(g, cos(x)), False),
    "cos": (lambda g, x: neg(mul(g, sin(x))), False),
    "tan": (lambda g, ans, x: mul(g, add(1, square(ans))), True),
    "asin": (lambda g, x: mul(g, rsqrt(_one_minus_square(x))), False),
    "acos": (lambda g, x: mul(g, neg(rsqrt(_one_minus_square(x)))), False),
    "atan": (lambda g, x: div(g, add(1, square(x))), False),
    "sinh": (lambda g, x: mul(g, cosh(x)), False),
    "cosh": (lambda g, x: mul(g, sinh(x)), False),
    "asinh": (lambda g, x: mul(g, rsqrt(add(square(x), 1))), False),
    "acosh": (lambda g, x: mul(g, rsqrt(sub(square(x), 1))), False),
    "atanh": (lambda g, x: mul(div(1, add(_c(x, 1), x)), div(g, sub(_c(x, 1), x))), False),
    "exp": (lambda g, ans, x: mul(g, ans), True),
    "exp2": (lambda g, ans, x: mul(float(np.log(2)), mul(g, ans)), True),
    "log": (lambda g, x: div(g, x), False),
    "log1p": (lambda g, x: div(g, add(x, _c(x, 1))), False),
    "expm1": (lambda g, ans, x: mul(g, add(ans, 1)), True),
    "tanh": (lambda g, ans, x: mul(add(g, mul(g, ans)), sub(1, ans)), True),
    "logistic": (lambda g, ans, x: mul(g, mul(ans, sub(1, ans))), True),
    "sqrt": (lambda g, ans, x: mul(g, div(0.5, ans)), True),
    "rsqrt": (lambda g, ans, x: mul(g, mul(-0.5, div(ans, x))), True),
    "cbrt": (lambda g, ans, x: mul(g, mul(1.0 / 3.0, integer_pow(ans, -2))), True),
    "square": (lambda g, x: mul(g, mul(_c(x, 2), x)), False),
    "abs": (_abs_jvp, True),
    "erf": (lambda g, x: mul(2.0 / _SQRT_PI, mul(g, exp(neg(square(x))))), False),
    "erfc": (lambda g, x: mul(-2.0 / _SQRT_PI, mul(g, exp(neg(square(x))))), False),
    "erf_inv": (lambda g, ans, x: mul(_SQRT_PI / 2.0, mul(g, exp(square(ans)))), True),
    "lgamma": (lambda g, x: mul(g, digamma(x)), False),
    "digamma": (lambda g, x: mul(g, _trigamma(x)), False),
})
for _name, (_deriv, _uses_ans) in unary_jvps.items():
    (ad.defjvp2 if _uses_ans else ad.defjvp)(unary_prims[_name], _deriv)

for _name in ("sign", "floor", "ceil", "is_finite", "not", "population_count", "clz"):
    ad.defzero(unary_prims[_name])
for _name in ("nextafter", "and", "or", "xor", "shift_left", "shift_right_arithmetic",
              "shift_right_logical"):
    ad.defzero(binary_prims[_name])
for _prim in compare_prims.values():
    ad.defzero(_prim)
ad.defzero(round_p)
ad.defzero(bitcast_convert_type_p)


# linear unary ops: neg, real, imag, conj
ad.deflinear(neg_p, lambda ct, x: [neg(ct)])
ad.deflinear(unary_prims["real"],
             lambda ct, x: [complex(ct, np.zeros((), get_aval(ct).dtype))])
ad.deflinear(unary_prims["imag"],
             lambda ct, x: [complex(np.zeros((), get_aval(ct).dtype), neg(ct))])
ad.deflinear(unary_prims["conj"], lambda ct, x: [conj(ct)])


# add, sub, complex: linear, without instantiating the zero tangent of either operand
def _linear_binary_jvp(prim, only_x, only_y):
    """jvp of a binary op linear in both operands; only_x(tx) / only_y(ty) give the output
    tangent when the other operand's tangent is zero (before broadcasting)."""
    def rule(primals, tangents):
        out = bind(prim, *primals)
        out_aval = get_aval(out)
        tx, ty = tangents
        if type(tx) is ad.Zero and type(ty) is ad.Zero:
            t = ad.Zero(ad.tangent_aval(out_aval))
        elif type(ty) is ad.Zero:
            t = ad.broadcast_to_aval(only_x(tx), out_aval)
        elif type(tx) is ad.Zero:
            t = ad.broadcast_to_aval(only_y(ty), out_aval)
        else:
            t = bind(prim, tx, ty)
        return [out], [t]
    return rule


def _linear_binary_transpose(x_ct, y_ct):
    def rule(ct, x, y):
        if type(ct) is ad.Zero:
            return [ad.Zero(x.aval) if ad.is_undefined(x) else None,
                    ad.Zero(y.aval) if ad.is_undefined(y) else None]
        return [ad.unbroadcast(x.aval, x_ct(ct)) if ad.is_undefined(x) else None,
                ad.unbroadcast(y.aval, y_ct(ct)) if ad.is_undefined(y) else None]
    return rule


def _identity(t):
    return t


def _complex_of_imag(ty):
    return complex(np.zeros((), get_aval(ty).dtype), ty)


def _complex_of_real(tx):
    return complex(tx, np.zeros((), get_aval(tx).dtype))


for _prim, _only_x, _only_y, _x_ct, _y_ct in [
        (add_p, _identity, _identity, _identity, _identity),
        (sub_p, _identity, neg, _identity, neg),
        (binary_prims["complex"], _complex_of_real, _complex_of_imag, real,
         lambda ct: imag(neg(ct)))]:
    ad.primitive_jvps[_prim] = _linear_binary_jvp(_prim, _only_x, _only_y)
    ad.primitive_transposes[_prim] = _linear_binary_transpose(_x_ct, _y_ct)

ad.defbilinear(mul_p, lambda ct, x, y: ad.unbroadcast(x.aval, mul(ct, y)),
               lambda ct, x, y: ad.unbroadcast(y.aval, mul(x, ct)))


def _div_transpose(ct, x, y):
    if ad.is_undefined(y):
        raise NotImplementedError("div is linear in its first operand only: the divisor "
                                  "cannot be transposed")
    if type(ct) is ad.Zero:
        return [ad.Zero(x.aval), None]
    return [ad.unbroadcast(x.aval, div(ct, y)), None]


ad.defjvp(div_p, lambda g, x, y: div(g, y),
          lambda g, x, y: mul(mul(neg(g), x), integer_pow(y, -2)))
ad.primitive_transposes[div_p] = _div_transpose

ad.defjvp(binary_prims["rem"], lambda g, x, y: g,
          lambda g, x, y: mul(neg(g), mul(sign(div(x, y)), floor(abs(div(x, y))))))

ad.defjvp2(binary_prims["pow"],
           lambda g, ans, x, y: mul(g, mul(y, pow(x, sub(y, _c(y, 1))))),
           lambda g, ans, x, y: mul(g, mul(log(_replace_zero(x)), ans)))

ad.defjvp(binary_prims["atan2"],
          lambda g, x, y: mul(g, div(y, add(square(x), square(y)))),
          lambda g, x, y: mul(g, div(neg(x), add(square(x), square(y)))))


def _balanced_tangent(g, ans, x, y, wins):
    """g where x is the chosen value (half of it where x == y), else 0: ties split evenly,
    as JAX does (a NaN operand gets none). The factor depends on primals only, so the
    tangent stays one `mul`, and so does its transpose."""
    shape, dtype = _shape_of(ans), get_aval(ans).dtype

    def full(value):
        return _bcast_to(np.array(value, dtype), shape)

    factor = select(wins(x, y), full(1), select(eq(x, y), full(0.5), full(0)))
    return mul(ad.broadcast_to_aval(g, get_aval(ans)), factor)


for _prim, _wins in ((max_p, gt), (min_p, lt)):
    ad.defjvp2(_prim, lambda g, ans, x, y, w=_wins: _balanced_tangent(g, ans, x, y, w),
               lambda g, ans, x, y, w=_wins: _balanced_tangent(g, ans, y, x, w))


# select_n: linear in the cases
def _select_n_jvp(primals, tangents):
    which, *cases = primals
    case_tangents = tangents[1:]
    out = select_n(which, *cases)
    if all(type(t) is ad.Zero for t in case_tangents):
        return [out], [ad.Zero(ad.tangent_aval(get_aval(out)))]
    return [out], [select_n(which, *[ad.instantiate(t) for t in case_tangents])]


def _select_n_transpose(ct, which, *cases):
    if ad.is_undefined(which):
        raise NotImplementedError("select_n is not linear in its `which` operand")
    if type(ct) is ad.Zero:
        return [None] + [ad.Zero(c.aval) if ad.is_undefined(c) else None for c in cases]
    zeros = _zeros_of(ct)
    is_bool = get_aval(which).dtype == dtypes.bool_

    def case_ct(i):  # ct where case i is selected, else 0
        if is_bool:
            return select_n(which, zeros, ct) if i else select_n(which, ct, zeros)
        return select_n(eq(which, _c(which, i)), zeros, ct)
    return [None] + [case_ct(i) if ad.is_undefined(c) else None for i, c in enumerate(cases)]


ad.primitive_jvps[select_n_p] = _select_n_jvp
ad.primitive_transposes[select_n_p] = _select_n_transpose

# clamp: as JAX, a bound gets the tangent where it is the result (strictly), the operand
# where it lies strictly between the bounds
ad.defjvp(clamp_p,
          lambda g, lo, x, hi: _where_or_zero(bitwise_and(gt(lo, x), lt(lo, hi)), g),
          lambda g, lo, x, hi: _where_or_zero(bitwise_and(gt(x, lo), lt(x, hi)), g),
          lambda g, lo, x, hi: _where_or_zero(lt(hi, x), g))


def _integer_pow_jvp(g, x, y):
    if y == 0:
        return ad.Zero(ad.tangent_aval(get_aval(x)))
    if y == 1:
        return g
    if y == 2:
        return mul(g, mul(_c(x, 2), x))
    return mul(g, mul(_c(x, y), integer_pow(x, y - 1)))


ad.defjvp(integer_pow_p, _integer_pow_jvp)


# convert_element_type: linear between inexact dtypes, zero tangent to other dtypes
def _convert_jvp(primals, tangents, new_dtype, weak_type):
    (x,), (t,) = primals, tangents
    out = bind(convert_element_type_p, x, new_dtype=new_dtype, weak_type=weak_type)
    if type(t) is ad.Zero or not dtypes.is_inexact(new_dtype):
        return [out], [ad.Zero.like(out)]
    return [out], [bind(convert_element_type_p, t, new_dtype=new_dtype, weak_type=weak_type)]


def _convert_transpose(ct, x, new_dtype, weak_type):
    old = x.aval
    if not dtypes.is_inexact(old.dtype):
        return [ad.Zero(ad.tangent_aval(old))]
    if type(ct) is ad.Zero:
        return [ad.Zero(old)]
    return [bind(convert_element_type_p, ct, new_dtype=old.dtype, weak_type=old.weak_type)]


ad.primitive_jvps[convert_element_type_p] = _convert_jvp
ad.primitive_transposes[convert_element_type_p] = _convert_transpose


# ---------------------------------------------------------------------------------------
# Batching rules

from ..interpreters import batching  # noqa: E402

for _prim in (*unary_prims.values(), round_p, integer_pow_p, convert_element_type_p,
              bitcast_convert_type_p):
    batching.defvectorized(_prim)
for _prim in (*binary_prims.values(), *compare_prims.values()):
    batching.defbroadcasting(_prim)


def _batch_with_scalar_operands(prim, scalar_ok):
    """Batching for select_n and clamp: operand 1 (a case, the clamped operand) has the
    example shape of the result, as do the others except those at positions `scalar_ok`
    (`which`, the bounds), which may be rank-0. The result keeps the batch dimension of the
    first mapped operand of the result's example shape (0 if there is none); other mapped
    operands move there, mapped rank-0 ones are broadcast along it, unmapped ones are
    broadcast unless they are rank-0 where that is allowed."""
    def rule(vals, dims, **params):
        from .structural import broadcast_in_dim
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
                    v = broadcast_in_dim(v, out_shape, others)
            elif s == shape:
                v = batching.moveaxis(v, d, out_dim)
            else:
                v = broadcast_in_dim(v, out_shape, (out_dim,))
            new_vals.append(v)
        return [prim.bind(*new_vals, **params)], [out_dim]
    batching.primitive_batchers[prim] = rule


_batch_with_scalar_operands(select_n_p, scalar_ok=(0,))
_batch_with_scalar_operands(clamp_p, scalar_ok=(0, 2))
