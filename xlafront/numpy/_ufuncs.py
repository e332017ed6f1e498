"""Elementwise NumPy functions. Each family shares one maker: promote the arguments with
JAX's lattice and broadcasting, then call the lax primitive."""
import operator

import numpy as np

from .. import dtypes, lax
from ..core import Tracer, get_aval
from ..dispatch import eager
from ..lax.base import is_array_value
from ._util import (_python_scalars, asarray, aval_or_error, convert, named, promote_args,
                    promote_inexact, promote_numeric)

__all__ = ["absolute", "add", "angle", "arccos", "arccosh", "arcsin", "arcsinh",
           "arctan", "arctan2", "arctanh", "around", "bitwise_and", "bitwise_invert",
           "bitwise_not", "bitwise_or", "bitwise_xor", "cbrt", "ceil", "conj",
           "conjugate", "copysign", "cos", "cosh", "deg2rad", "degrees", "divide",
           "equal", "exp", "exp2", "expm1", "fabs", "fix", "float_power", "floor",
           "floor_divide", "fmod", "greater", "greater_equal", "heaviside", "hypot",
           "imag", "invert", "isfinite", "isinf", "isnan", "left_shift", "less",
           "less_equal", "log", "log1p", "logaddexp", "logical_and", "logical_not",
           "logical_or", "logical_xor", "maximum", "minimum", "mod", "multiply",
           "negative", "nextafter", "not_equal", "positive", "power", "rad2deg",
           "radians", "real", "reciprocal", "remainder", "right_shift", "rint",
           "round_", "sign", "signbit", "sin", "sinh", "sqrt", "square", "subtract",
           "tan", "tanh", "true_divide", "trunc"]


def _binary(name, lax_fn, kinds=None, inexact=False, numeric=False):
    """A binary ufunc; `numeric`: booleans compute in the default integer type, and both
    operands come at the full shape (the division family selects between them)."""
    promote = promote_numeric if numeric else promote_inexact if inexact else promote_args

    def ufunc(x1, x2):
        x, y = promote(name, x1, x2, full_broadcast=numeric)
        if kinds is not None:
            kind = dtypes.kind(get_aval(x).dtype)
            if kind not in kinds:
                raise TypeError(f"{name}: unsupported dtypes {get_aval(x1).dtype.name if not isinstance(x1, _python_scalars) else type(x1).__name__} and "
                                f"{get_aval(x2).dtype.name if not isinstance(x2, _python_scalars) else type(x2).__name__}; "
                                f"{name} accepts {_kind_text(kinds)} inputs only")
        return lax_fn(x, y)

    ufunc.__doc__ = f"NumPy's `{name}`, elementwise with broadcasting and JAX's type promotion."
    return eager(named(name)(ufunc))


def _unary(name, lax_fn, inexact=False, kinds=None):
    def ufunc(x):
        aval = aval_or_error(name, x)  # (lists are rejected, as in JAX)
        if kinds is not None and dtypes.kind(aval.dtype) not in kinds:
            raise TypeError(f"{name}: unsupported dtype {aval.dtype.name}; {name} accepts "
                            f"{_kind_text(kinds)} inputs only")
        if inexact and not dtypes.is_inexact(aval.dtype):
            x = convert(name, x, aval, dtypes.to_inexact(aval.dtype), aval.weak_type)
        result = lax_fn(x)
        return result if is_array_value(result) else asarray(result)  # identities on NumPy input

    ufunc.__doc__ = f"NumPy's `{name}`, elementwise."
    return eager(named(name)(ufunc))


def _kind_text(kinds):
    names = {"b": "boolean", "i": "integer", "u": "integer", "f": "floating", "c": "complex"}
    return " or ".join(dict.fromkeys(names[k] for k in kinds))


# binary arithmetic ------------------------------------------------------------------------

add = _binary("add", lambda x, y: lax.add(x, y) if get_aval(x).dtype != dtypes.bool_ else lax.bitwise_or(x, y))
subtract = _binary("subtract", lax.sub, kinds="iufc")
multiply = _binary("multiply", lambda x, y: lax.mul(x, y) if get_aval(x).dtype != dtypes.bool_ else lax.bitwise_and(x, y))
true_divide = divide = _binary("true_divide", lax.div, inexact=True)
maximum = _binary("maximum", lax.max)
minimum = _binary("minimum", lax.min)
arctan2 = _binary("arctan2", lax.atan2, inexact=True)
nextafter = _binary("nextafter", lax.nextafter, inexact=True)
bitwise_and = _binary("bitwise_and", lax.bitwise_and, kinds="biu")
bitwise_or = _binary("bitwise_or", lax.bitwise_or, kinds="biu")
bitwise_xor = _binary("bitwise_xor", lax.bitwise_xor, kinds="biu")
left_shift = _binary("left_shift", lax.shift_left, kinds="iu")
right_shift = _binary("right_shift", lambda x, y: (
    lax.shift_right_logical if dtypes.kind(get_aval(x).dtype) == "u" else lax.shift_right_arithmetic)(x, y),
    kinds="iu")
equal = _binary("equal", lax.eq)
not_equal = _binary("not_equal", lax.ne)


def _ordered(lax_fn):
    """A comparison that orders complex numbers lexicographically (real part, then
    imaginary), as NumPy and jax.numpy do; lax's comparisons take real operands only."""
    def compare(x, y):
        if dtypes.kind(get_aval(x).dtype) != "c":
            return lax_fn(x, y)
        xr, yr = lax.real(x), lax.real(y)
        return lax.select(lax.eq(xr, yr), lax_fn(lax.imag(x), lax.imag(y)), lax_fn(xr, yr))
    return compare


less = _binary("less", _ordered(lax.lt))
less_equal = _binary("less_equal", _ordered(lax.le))
greater = _binary("greater", _ordered(lax.gt))
greater_equal = _binary("greater_equal", _ordered(lax.ge))


def _to_bool(x):
    return lax.ne(x, np.zeros((), get_aval(x).dtype)) if get_aval(x).dtype != dtypes.bool_ else x


logical_and = _binary("logical_and", lambda x, y: lax.bitwise_and(_to_bool(x), _to_bool(y)))
logical_or = _binary("logical_or", lambda x, y: lax.bitwise_or(_to_bool(x), _to_bool(y)))
logical_xor = _binary("logical_xor", lambda x, y: lax.bitwise_xor(_to_bool(x), _to_bool(y)))


def _nonzero_divisor(y):
    """An integer divisor with 0 made 1, as JAX does: x % 0 and fmod(x, 0) are 0, x // 0
    is what XLA's division gives (-1) stepped down where the signs differ."""
    if dtypes.kind(get_aval(y).dtype) not in "iu":
        return y
    return lax.select(lax.eq(y, 0), lax.add(lax.mul(y, 0), 1), y)


# (constants below are Python scalars, which lax gives the operand's dtype and weak type:
# floor_divide(7, 2) stays weakly typed, as in JAX)

def _floor_divide(x, y):
    kind = dtypes.kind(get_aval(x).dtype)
    if kind == "u":
        return lax.div(x, y)
    if kind == "i":
        # C division truncates; NumPy floors: step down where the signs differ (JAX compares
        # sign(), so that x // 0 is -2 for x != 0 as in JAX) and the rest is not 0
        quotient = lax.div(x, y)
        fix = lax.bitwise_and(lax.ne(lax.sign(x), lax.sign(y)), lax.ne(lax.rem(x, y), 0))
        return lax.select(fix, lax.sub(quotient, 1), quotient)
    return _float_divmod(x, y)[0]


def _float_divmod(x, y):
    """(x // y, x % y) for floats as CPython's float_divmod (and JAX): the quotient from the
    exact remainder, so 1.0 // 0.1 is 9.0 (floor(1.0 / 0.1) would give 10.0)."""
    mod = lax.rem(x, y)
    div = lax.div(lax.select(lax.eq(y, 0.0), x, lax.sub(x, mod)), y)
    fix = lax.bitwise_and(lax.ne(mod, 0), lax.ne(lax.sign(y), lax.sign(mod)))
    return (lax.round(lax.select(fix, lax.sub(div, 1), div), 0),
            lax.select(fix, lax.add(mod, y), mod))


def _remainder(x, y):
    y = _nonzero_divisor(y)
    rest = lax.rem(x, y)
    if dtypes.kind(get_aval(x).dtype) == "u":
        return rest
    fix = lax.bitwise_and(lax.ne(rest, 0), lax.ne(lax.sign(rest), lax.sign(y)))
    return lax.select(fix, lax.add(rest, y), rest)


floor_divide = _binary("floor_divide", _floor_divide, kinds="iuf", numeric=True)
remainder = mod = _binary("remainder", _remainder, kinds="iuf", numeric=True)
fmod = _binary("fmod", lambda x, y: lax.rem(x, _nonzero_divisor(y)), kinds="iuf", numeric=True)


@eager
@named("divmod")
def divmod_(x1, x2):
    """(x1 // x2, x1 % x2) elementwise, as NumPy's divmod."""
    x, y = promote_numeric("divmod", x1, x2)
    if dtypes.kind(get_aval(x).dtype) in "iu":
        return floor_divide(x, y), remainder(x, y)
    if dtypes.kind(get_aval(x).dtype) == "c":
        raise TypeError("divmod: complex inputs are not supported")
    return _float_divmod(x, y)


def _int_power(x, y):
    """x ** y for integer arrays by square-and-multiply over the bits of y. A negative
    exponent (which JAX leaves implementation-defined and NumPy rejects) gives the integer
    part of the exact value: 1 for base 1, +-1 for base -1 by the exponent's parity, else 0."""
    dtype = get_aval(x).dtype
    one, zero = np.ones((), dtype), np.zeros((), dtype)
    acc = lax.add(lax.mul(x, zero), one)  # ones of x's shape
    base, e = x, y
    for _ in range(dtype.itemsize * 8):
        bit = lax.ne(lax.bitwise_and(e, one), zero)
        acc = lax.select(bit, lax.mul(acc, base), acc)
        base = lax.mul(base, base)
        e = lax.shift_right_logical(e, one)
    if dtypes.kind(dtype) == "u":
        return acc
    # For base +-1 acc is already right (2**bits is even, so the parity of y survives)
    unit = lax.bitwise_or(lax.eq(x, one), lax.eq(x, lax.neg(one)))
    return lax.select(lax.bitwise_and(lax.lt(y, zero), lax.bitwise_not(unit)),
                      lax.mul(acc, zero), acc)


@eager(static_argnums=1)
@named("power")
def _static_power(x1, x2):
    """x1 ** x2 for a static integer x2: repeated multiplication."""
    aval = aval_or_error("power", x1)
    if aval.dtype == dtypes.bool_:  # as JAX: booleans compute in the default integer type
        x1 = convert("power", x1, aval, dtypes.default_int(), False)
    return lax.integer_pow(x1, x2)


@eager
@named("power")
def _array_power(x1, x2):
    x, y = promote_numeric("power", x1, x2, full_broadcast=True)
    kind = dtypes.kind(get_aval(x).dtype)
    if kind in "iu":
        return _int_power(x, y)
    return lax.pow(x, y)


def _concrete_int(x):
    """x as a Python int when it is a concrete integer scalar (Python or NumPy, or an
    untraced 0-d integer Array), else None."""
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, Tracer) or not hasattr(x, "dtype") or np.ndim(x) != 0:
        return None
    return int(x) if dtypes.kind(x.dtype) in "iu" else None


def power(x1, x2):
    """x1 ** x2 elementwise. As JAX, a concrete integer exponent (a Python or NumPy int, or
    an untraced 0-d integer array) uses repeated multiplication (`lax.integer_pow`), and
    integers to a negative concrete power raise TypeError; booleans compute as integers."""
    exponent = _concrete_int(x2)
    if exponent is not None:
        return _static_power(x1, exponent)
    return _array_power(x1, x2)


float_power = _binary("float_power", lax.pow, inexact=True)

# unary ------------------------------------------------------------------------------------

sin, cos, tan = (_unary(n, getattr(lax, n), inexact=True) for n in ("sin", "cos", "tan"))
arcsin, arccos, arctan = (_unary("arc" + n[1:], getattr(lax, n), inexact=True)
                          for n in ("asin", "acos", "atan"))
sinh, cosh, tanh = (_unary(n, getattr(lax, n), inexact=True) for n in ("sinh", "cosh", "tanh"))
arcsinh, arccosh, arctanh = (_unary("arc" + n[1:], getattr(lax, n), inexact=True)
                             for n in ("asinh", "acosh", "atanh"))
exp, exp2, log, log1p, expm1, sqrt, cbrt = (
    _unary(n, getattr(lax, n), inexact=True)
    for n in ("exp", "exp2", "log", "log1p", "expm1", "sqrt", "cbrt"))
negative = _unary("negative", lambda x: lax.neg(x) if get_aval(x).dtype != dtypes.bool_ else _bool_error("negative"))
positive = _unary("positive", lambda x: x)
sign = _unary("sign", lambda x: lax.sign(x) if get_aval(x).dtype != dtypes.bool_ else x)
floor = _unary("floor", lambda x: lax.floor(x) if dtypes.is_inexact(get_aval(x).dtype) else x)
ceil = _unary("ceil", lambda x: lax.ceil(x) if dtypes.is_inexact(get_aval(x).dtype) else x)
trunc = fix = _unary("trunc", lambda x: lax.select(
    lax.lt(x, np.zeros((), get_aval(x).dtype)), lax.ceil(x), lax.floor(x))
    if dtypes.is_inexact(get_aval(x).dtype) else x)
rint = _unary("rint", lambda x: lax.round(x, 1), inexact=True)
absolute = _unary("absolute", lambda x: lax.abs(x) if dtypes.kind(get_aval(x).dtype) not in "bu" else x)
fabs = _unary("fabs", lax.abs, inexact=True)
square = _unary("square", lax.square)
reciprocal = _unary("reciprocal", lambda x: lax.div(np.ones((), get_aval(x).dtype), x))
bitwise_not = invert = bitwise_invert = _unary("bitwise_not", lax.bitwise_not, kinds="biu")
logical_not = _unary("logical_not", lambda x: lax.bitwise_not(_to_bool(x)))


def _isfinite(x):
    kind = dtypes.kind(get_aval(x).dtype)
    if kind == "c":
        return lax.bitwise_and(lax.is_finite(lax.real(x)), lax.is_finite(lax.imag(x)))
    return lax.is_finite(x) if kind == "f" else _full_like(x, True)


def _isinf(x):
    kind = dtypes.kind(get_aval(x).dtype)
    if kind == "c":
        return lax.bitwise_or(_isinf(lax.real(x)), _isinf(lax.imag(x)))
    if kind == "f":
        return lax.eq(lax.abs(x), np.array(np.inf, get_aval(x).dtype))
    return _full_like(x, False)


isfinite = _unary("isfinite", _isfinite)
isinf = _unary("isinf", _isinf)
isnan = _unary("isnan", lambda x: lax.ne(x, x) if dtypes.is_inexact(get_aval(x).dtype)
               else _full_like(x, False))
signbit = _unary("signbit", lambda x: lax.lt(x, np.zeros((), get_aval(x).dtype))
                 if dtypes.kind(get_aval(x).dtype) != "f" else
                 lax.ne(lax.shift_right_logical(lax.bitcast_convert_type(x, _uint_of(x)),
                                                np.array(get_aval(x).dtype.itemsize * 8 - 1, _uint_of(x))),
                        np.zeros((), _uint_of(x))))
real = _unary("real", lambda x: lax.real(x) if dtypes.kind(get_aval(x).dtype) == "c" else x)
imag = _unary("imag", lambda x: lax.imag(x) if dtypes.kind(get_aval(x).dtype) == "c"
              else _full_like(x, 0))
conjugate = conj = _unary("conjugate", lambda x: lax.conj(x) if dtypes.kind(get_aval(x).dtype) == "c" else x)


def _uint_of(x):
    return np.dtype(f"uint{get_aval(x).dtype.itemsize * 8}")


def _full_like(x, value):
    """`value` in x's shape; a bool for bool values, else of x's dtype (and weak type)."""
    aval = get_aval(x)
    if isinstance(value, bool):
        return lax.broadcast_in_dim(np.array(value), aval.shape, ())
    return lax.full_like(x, value)


def _bool_error(name):
    raise TypeError(f"{name}: boolean inputs are not supported; use logical_not / ~ instead")


@eager(static_argnames="decimals")
@named("round")
def round_(a, decimals=0):
    """Rounds half to even, like NumPy, to `decimals` places (a negative `decimals` rounds
    integers too: round([15, 25], -1) is [20, 20])."""
    aval = aval_or_error("round", a)
    decimals = operator.index(decimals)
    if not dtypes.is_inexact(aval.dtype):
        if decimals < 0 and dtypes.kind(aval.dtype) in "iu":
            return _round_int(a, aval.dtype, 10 ** -decimals)
        return asarray(a)
    if dtypes.kind(aval.dtype) == "c":  # each part, as NumPy and JAX do
        a = asarray(a)
        return lax.complex(round_(lax.real(a), decimals), round_(lax.imag(a), decimals))
    if decimals == 0:
        return lax.round(a, 1)
    factor = np.array(10.0 ** decimals, aval.dtype)
    return lax.div(lax.round(lax.mul(a, factor), 1), factor)


around = round_


def _round_int(x, dtype, factor):
    """Integers rounded to a multiple of `factor` (a power of 10), half to even, exactly
    (NumPy goes through float64, which 32-bit mode lacks); a multiple beyond the dtype's
    range wraps, as NumPy's cast back does for int8 (round(int8(127), -1) is -126)."""
    info = np.iinfo(dtype)
    zero = np.zeros((), dtype)
    zeros = lax.mul(x, zero)
    if factor > info.max:  # then x / factor is within [-1, 1]: the result is 0 or +-factor
        half = factor // 2
        if half > info.max:
            return zeros
        wrapped = np.array(factor % 2 ** (8 * dtype.itemsize), f"u{dtype.itemsize}").astype(dtype)
        out = lax.select(lax.gt(x, np.array(half, dtype)), lax.add(zeros, wrapped), zeros)
        if info.min == 0:
            return out
        return lax.select(lax.lt(x, np.array(-half, dtype)), lax.sub(zeros, wrapped), out)
    f = np.array(factor, dtype)
    q = _floor_divide(x, f)
    rest = lax.sub(x, lax.mul(q, f))  # in [0, factor)
    other = lax.sub(f, rest)
    odd = lax.ne(lax.bitwise_and(q, np.ones((), dtype)), zero)
    up = lax.bitwise_or(lax.gt(rest, other), lax.bitwise_and(lax.eq(rest, other), odd))
    return lax.mul(lax.select(up, lax.add(q, np.ones((), dtype)), q), f)


@eager
def deg2rad(x):
    return multiply(x, np.pi / 180)


@eager
def rad2deg(x):
    return multiply(x, 180 / np.pi)


radians, degrees = deg2rad, rad2deg


@eager(static_argnames="deg")
def angle(z, deg=False):
    """The complex argument; 0 or pi for real inputs."""
    result = arctan2(imag(z), real(z))
    return rad2deg(result) if deg else result


@eager
def hypot(x1, x2):
    """sqrt(x1**2 + x2**2) without overflow or underflow in the squares (as JAX)."""
    x, y = promote_inexact("hypot", x1, x2)
    x, y = lax.abs(x), lax.abs(y)
    big, small = lax.max(x, y), lax.min(x, y)
    dtype = get_aval(big).dtype
    zero, one, inf = (np.array(v, dtype) for v in (0, 1, np.inf))
    ratio = lax.div(small, lax.select(lax.eq(big, zero), lax.add(big, one), big))
    out = lax.mul(big, lax.sqrt(lax.add(lax.mul(ratio, ratio), one)))
    infinite = lax.bitwise_or(lax.eq(x, inf), lax.eq(y, inf))  # inf even with NaN (IEEE)
    return lax.select(infinite, lax.full_like(out, np.inf), out)


@eager
def logaddexp(x1, x2):
    x, y = promote_inexact("logaddexp", x1, x2)
    return lax.logaddexp(x, y)


@eager
def heaviside(x1, x2):
    x, h0 = promote_inexact("heaviside", x1, x2, full_broadcast=True)
    dtype = get_aval(x).dtype
    zero, one = np.zeros((), dtype), np.ones((), dtype)
    step = lax.select(lax.gt(x, zero), lax.add(lax.mul(h0, zero), one), lax.mul(h0, zero))
    return lax.select(lax.eq(x, zero), h0, step)


@eager
def copysign(x1, x2):
    x, y = promote_inexact("copysign", x1, x2, full_broadcast=True)
    return lax.select(signbit(y), lax.neg(lax.abs(x)), lax.abs(x))
