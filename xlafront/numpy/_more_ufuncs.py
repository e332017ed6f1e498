"""More elementwise functions (log2, fmax, frexp, gcd, sinc, i0, nan_to_num ...), dtype
helpers (astype, isdtype) and NumPy's `ufunc` objects (`jnp.ufunc`, `frompyfunc`, and the
ufunc instances add, multiply, ... with .reduce/.accumulate/.outer/.at).

Comes after _setops in xlafront.numpy's chain: it may use every module before it."""
import functools
import math
import operator

import numpy as np

from .. import dtypes, lax
from ..core import get_aval
from ..custom_derivatives import custom_jvp
from ..devices import device_put
from ..dispatch import eager
from ..errors import api_boundary, warn
from ..jit import eval_shape
from ._manip import moveaxis, ravel, reshape
from ._manip import where as _where
from ._reductions import (all_, any_, cumprod, cumsum, max_, min_, prod, sum_)
from ._ufuncs import (_full_like, _isinf, absolute, add, bitwise_and, bitwise_or, bitwise_xor,
                      ceil, copysign, floor, greater, imag, isnan, less, logaddexp,
                      logical_and, logical_or, logical_xor, maximum, minimum, multiply, negative,
                      subtract)
from ._util import (array_like, asarray, aval_or_error, broadcast_shapes, broadcast_to_shape,
                    canonical_axis, named, promote_args, promote_inexact, promote_numeric)
from ._vectorize import vectorize

__all__ = ["astype", "bitwise_count", "fmax", "fmin", "frexp", "frompyfunc", "gcd", "i0",
           "iscomplex", "isdtype", "isneginf", "isposinf", "isreal", "isrealobj", "lcm",
           "ldexp", "log10", "log2", "logaddexp2", "modf", "nan_to_num", "sinc", "spacing",
           "ufunc"]


def _inexact_arg(op, x, complex_ok=True):
    """x as an array of its inexact dtype (integers and bools become float32)."""
    (x,) = promote_inexact(op, array_like(x))
    if not complex_ok and dtypes.kind(get_aval(x).dtype) == "c":
        raise TypeError(f"{op}: complex inputs are not supported, got {get_aval(x).str_short()}")
    return asarray(x)


def _const(x, value):
    return np.array(value, get_aval(x).dtype)


def _log_base(name, base, scale, constant):
    """log(x) / log(base) with JAX's formulas (so results match it to the last bit): log2
    divides by log(2) computed on the device, log10 multiplies by 1 / log(10)."""
    def log_(x):
        x = _inexact_arg(name, x)
        c = constant(dtypes.finfo(get_aval(x).dtype).dtype)  # (real, for complex x too)
        out = lax.log(x)
        if dtypes.kind(get_aval(x).dtype) == "c":
            return lax.complex(scale(lax.real(out), c), scale(lax.imag(out), c))
        return scale(out, c)
    log_.__doc__ = f"The base-{base} logarithm, elementwise (complex inputs too)."
    return eager(named(name)(log_))


log2 = _log_base("log2", 2, lax.div, lambda real: lax.log(np.array(2, real)))
log10 = _log_base("log10", 10, lax.mul, lambda real: np.array(0.4342944819032518, real))


@eager
def logaddexp2(x1, x2):
    """log2(2**x1 + 2**x2) without overflow: logaddexp of the operands scaled by ln 2."""
    x, y = promote_inexact("logaddexp2", x1, x2)
    ln2 = np.log(2.0)
    return lax.div(lax.logaddexp(lax.mul(x, ln2), lax.mul(y, ln2)), ln2)


@eager
def fmax(x1, x2):
    """The elementwise maximum ignoring NaNs: NaN only where both operands are NaN."""
    return _where(logical_or(greater(x1, x2), isnan(x2)), x1, x2)


@eager
def fmin(x1, x2):
    """The elementwise minimum ignoring NaNs: NaN only where both operands are NaN."""
    return _where(logical_or(less(x1, x2), isnan(x2)), x1, x2)


@eager
def bitwise_count(x):
    """The number of set bits of |x| (as NumPy), as uint8."""
    (x,) = promote_numeric("bitwise_count", array_like(x))
    if dtypes.kind(get_aval(x).dtype) not in "iu":
        raise TypeError(f"bitwise_count: integer or boolean inputs only, got "
                        f"{get_aval(x).str_short()}")
    return lax.convert_element_type(lax.population_count(absolute(x)), dtypes.uint8)


# frexp, ldexp, modf --------------------------------------------------------------------

def _exponent_parts(x):
    """(bits, extra): x's bits as the same-width integer, with subnormals scaled up by 2**nmant
    first (extra is then -nmant) so every finite nonzero value has a normal exponent."""
    info = dtypes.finfo(get_aval(x).dtype)
    int_dtype = np.dtype(f"int{info.bits}")
    tiny = lax.lt(lax.abs(x), _const(x, info.tiny))
    scaled = _where(tiny, lax.mul(x, _const(x, 2.0 ** info.nmant)), x)
    extra = _where(tiny, np.array(-info.nmant, int_dtype), np.array(0, int_dtype))
    return lax.bitcast_convert_type(scaled, int_dtype), extra, info, int_dtype


def _frexp_exponent(x):
    """The exponent e of frexp (x = m * 2**e, 0.5 <= |m| < 1); 0 for 0, inf and NaN."""
    bits, extra, info, int_dtype = _exponent_parts(x)
    mask, bias = (1 << info.nexp) - 1, 1 - info.minexp
    e = lax.add(extra, lax.sub(lax.bitwise_and(
        lax.shift_right_logical(bits, np.array(info.nmant, int_dtype)), np.array(mask, int_dtype)),
        np.array(bias - 1, int_dtype)))
    special = logical_or(logical_or(_isinf(x), isnan(x)), lax.eq(x, _const(x, 0)))
    return lax.convert_element_type(_where(special, np.array(0, int_dtype), e), dtypes.int32)


@custom_jvp
def _frexp_mantissa(x):
    """The mantissa m of frexp, exactly: x's bits with the exponent field set to -1."""
    bits, _, info, int_dtype = _exponent_parts(x)
    mask, bias = (1 << info.nexp) - 1, 1 - info.minexp
    bits = lax.bitwise_and(bits, np.array(~(mask << info.nmant), int_dtype))
    bits = lax.bitwise_or(bits, np.array((bias - 1) << info.nmant, int_dtype))
    m = lax.bitcast_convert_type(bits, get_aval(x).dtype)
    special = logical_or(logical_or(_isinf(x), isnan(x)), lax.eq(x, _const(x, 0)))
    return _where(special, x, m)


@_frexp_mantissa.defjvp
def _frexp_mantissa_jvp(primals, tangents):
    (x,), (t,) = primals, tangents  # (as JAX: dm/dx = 2**-e)
    e = lax.convert_element_type(_frexp_exponent(x), get_aval(x).dtype)
    return _frexp_mantissa(x), lax.mul(t, lax.exp2(lax.neg(e)))


@eager
def frexp(x):
    """(m, e) with x = m * 2**e, 0.5 <= |m| < 1 (m = x and e = 0 for 0, inf and NaN); e is
    int32."""
    x = _inexact_arg("frexp", x, complex_ok=False)
    return _frexp_mantissa(x), _frexp_exponent(x)


@eager
def ldexp(x1, x2):
    """x1 * 2**x2 for integer x2, without overflowing where the result is finite."""
    x1, x2 = array_like(x1), array_like(x2)
    a1, a2 = aval_or_error("ldexp", x1), aval_or_error("ldexp", x2)
    if dtypes.kind(a1.dtype) == "c" or dtypes.kind(a2.dtype) not in "biu":
        raise ValueError(f"ldexp not supported for input types {(a1.dtype, a2.dtype)}: x1 must "
                         f"be real and x2 integer")
    x1 = _inexact_arg("ldexp", x1)
    shape = broadcast_shapes("ldexp", get_aval(x1).shape, a2.shape)
    x1, x2 = broadcast_to_shape(x1, shape), broadcast_to_shape(asarray(x2), shape)
    dtype = get_aval(x1).dtype
    # split off x1's exponent first, so a small x1 with a large x2 stays finite
    m, e = frexp(x1)
    e = lax.convert_element_type(lax.add(e, lax.convert_element_type(x2, dtypes.int32)), dtype)
    positive = lax.gt(e, _const(e, 0))
    m = _where(positive, lax.mul(m, _const(m, 2)), m)
    e = _where(positive, lax.sub(e, _const(e, 1)), e)
    x = lax.mul(m, lax.pow(_const(e, 2), e))  # (pow, as JAX: exact for integral e)
    return _where(logical_or(_isinf(x1), lax.eq(x1, _const(x1, 0))), x1, x)


@eager
def modf(x, out=None):
    """(fractional part, integral part), both with x's sign."""
    if out is not None:
        raise NotImplementedError("modf: the `out` argument is not supported: arrays are "
                                  "immutable; use the return value")
    x = _inexact_arg("modf", x, complex_ok=False)
    whole = _where(lax.ge(x, _const(x, 0)), floor(x), ceil(x))
    return lax.sub(x, whole), whole


# gcd, lcm ------------------------------------------------------------------------------

def _int_args(op, x1, x2):
    x, y = promote_args(op, x1, x2, full_broadcast=True)
    if dtypes.kind(get_aval(x).dtype) not in "iu":
        raise ValueError(f"{op}: arguments must be integers, got {get_aval(x).dtype.name}")
    return x, y


@eager
def gcd(x1, x2):
    """The greatest common divisor of |x1| and |x2| (Euclid's algorithm in a while loop)."""
    x, y = _int_args("gcd", x1, x2)

    def body(carry):
        a, b = carry
        nonzero = lax.ne(b, _const(b, 0))
        a, b = _where(nonzero, b, a), _where(nonzero, lax.rem(a, _where(nonzero, b, _const(b, 1))),
                                              _const(b, 0))
        return maximum(a, b), minimum(a, b)

    out, _ = lax.while_loop(lambda c: any_(lax.ne(c[1], _const(c[1], 0))), body,
                            (absolute(x), absolute(y)))
    return out


@eager
def lcm(x1, x2):
    """The least common multiple of |x1| and |x2| (0 if either is 0)."""
    x, y = _int_args("lcm", x1, x2)
    x, y = absolute(x), absolute(y)
    d = gcd(x, y)
    zero = lax.eq(d, _const(d, 0))
    return _where(zero, _const(d, 0), lax.mul(x, lax.div(y, _where(zero, _const(d, 1), d))))


# sinc, spacing, i0 ---------------------------------------------------------------------

@functools.partial(custom_jvp, nondiff_argnums=(0,))
def _sinc_maclaurin(k, x):
    """The k-th derivative of sin(x)/x at 0 (in x's shape): the jvp rule asks for the next,
    so derivatives of every order at 0 are right."""
    return lax.mul(x, _const(x, 0)) if k % 2 else \
        lax.add(lax.mul(x, _const(x, 0)), _const(x, (-1) ** (k // 2) / (k + 1)))


@_sinc_maclaurin.defjvp
def _sinc_maclaurin_jvp(k, primals, tangents):
    (x,), (t,) = primals, tangents
    return _sinc_maclaurin(k, x), lax.mul(_sinc_maclaurin(k + 1, x), t)


@eager
def sinc(x):
    """sin(pi x) / (pi x), 1 at 0 (with the right derivatives there, as JAX)."""
    x = _inexact_arg("sinc", x)
    zero = lax.eq(x, _const(x, 0))
    pi_x = lax.mul(_const(x, np.pi), x)
    safe = _where(zero, _const(x, 1), pi_x)
    return _where(zero, _sinc_maclaurin(0, pi_x), lax.div(lax.sin(safe), safe))


@eager
def spacing(x):
    """The distance from x to the next representable value away from zero (toward +inf
    for float16, as NumPy)."""
    x = _inexact_arg("spacing", x)
    if dtypes.kind(get_aval(x).dtype) == "c":
        raise ValueError("spacing is not defined for complex inputs")
    inf = _const(x, np.inf)
    if get_aval(x).dtype == dtypes.float16:
        return lax.sub(lax.nextafter(x, lax.add(lax.mul(x, _const(x, 0)), inf)), x)
    out = lax.sub(lax.nextafter(x, copysign(inf, x)), x)
    subnormal = _const(x, dtypes.finfo(get_aval(x).dtype).smallest_subnormal)
    return _where(lax.eq(out, _const(x, 0)), copysign(subnormal, x), out)


@eager
def i0(x):
    """The modified Bessel function of the first kind, order 0: exp(|x|) i0e(|x|), as JAX."""
    x = _inexact_arg("i0", x)
    if dtypes.kind(get_aval(x).dtype) != "f":
        raise ValueError(f"Unsupported input type to i0: {get_aval(x).dtype.name}")
    dtype = get_aval(x).dtype
    if dtype in (dtypes.float16, dtypes.bfloat16) or dtype in dtypes.float8_dtypes:
        return lax.convert_element_type(i0(lax.convert_element_type(x, dtypes.float32)), dtype)
    return _i0(x)


@custom_jvp
def _i0(x):
    return lax.mul(lax.exp(lax.abs(x)), lax.bessel_i0e(x))


@_i0.defjvp
def _i0_jvp(primals, tangents):
    # i0' = i1 = exp(|x|) i1e(x): smooth at 0, where differentiating |x| is not (JAX's
    # rule zeroes the derivative at 0, which makes its second derivative 0 there, not 1/2)
    (x,), (t,) = primals, tangents
    return _i0(x), lax.mul(t, lax.mul(lax.exp(lax.abs(x)), lax.bessel_i1e(x)))


# NaN and infinity tests and replacement --------------------------------------------------

@eager(static_argnames="copy")
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """x with NaN replaced by `nan`, +inf by `posinf` (default the largest finite value) and
    -inf by `neginf` (default the lowest); the parts of complex values separately."""
    x = asarray(array_like(x))
    dtype = get_aval(x).dtype
    if not dtypes.is_inexact(dtype):
        return x
    if dtypes.kind(dtype) == "c":
        return lax.complex(nan_to_num(lax.real(x), nan=nan, posinf=posinf, neginf=neginf),
                           nan_to_num(lax.imag(x), nan=nan, posinf=posinf, neginf=neginf))
    info = dtypes.finfo(dtype)
    fill = lambda v, default: asarray(default if v is None else v, dtype)  # noqa: E731
    out = _where(isnan(x), fill(nan, 0), x)
    out = _where(lax.eq(out, _const(x, np.inf)), fill(posinf, info.max), out)
    return _where(lax.eq(out, _const(x, -np.inf)), fill(neginf, info.min), out)


def _isposneginf(name, infinity):
    def test(x, /, out=None):
        if out is not None:
            raise NotImplementedError(f"{name}: the `out` argument is not supported")
        x = array_like(x)
        kind = dtypes.kind(aval_or_error(name, x).dtype)
        if kind == "c":
            raise ValueError(f"{name}: isposinf/isneginf are not well defined for complex "
                             f"types")
        return lax.eq(x, _const(x, infinity)) if kind == "f" else _full_like(x, False)
    test.__doc__ = f"Whether each element is {'+' if infinity > 0 else '-'}inf."
    return eager(named(name)(test))


isposinf = _isposneginf("isposinf", np.inf)
isneginf = _isposneginf("isneginf", -np.inf)


@eager
def iscomplex(x):
    """Whether each element has a nonzero imaginary part."""
    i = imag(array_like(x))
    return lax.ne(i, 0)  # (a Python 0 keeps a weak input weak, as in JAX)


@eager
def isreal(x):
    """Whether each element has a zero imaginary part."""
    i = imag(array_like(x))
    return lax.eq(i, _const(i, 0))


def isrealobj(x):
    """Whether x is not of a complex type (Python: a static test of the dtype)."""
    return dtypes.kind(aval_or_error("isrealobj", array_like(x)).dtype) != "c"


# dtypes ----------------------------------------------------------------------------------

_DTYPE_KINDS = {
    "bool": lambda d: d == dtypes.bool_,
    "signed integer": lambda d: dtypes.kind(d) == "i",
    "unsigned integer": lambda d: dtypes.kind(d) == "u",
    "integral": lambda d: dtypes.kind(d) in "iu",
    "real floating": lambda d: dtypes.kind(d) == "f",
    "complex floating": lambda d: dtypes.kind(d) == "c",
    "numeric": lambda d: dtypes.kind(d) in "iufc",
}


def isdtype(dtype, kind):
    """Whether `dtype` is of `kind`: a dtype, one of the Array API's kind names ('bool',
    'signed integer', 'unsigned integer', 'integral', 'real floating', 'complex floating',
    'numeric'), or a tuple of them."""
    the_dtype = np.dtype(dtype)
    for k in kind if isinstance(kind, tuple) else (kind,):
        if isinstance(k, str):
            if k not in _DTYPE_KINDS:
                raise ValueError(f"isdtype: unrecognized kind {k!r}; expected a dtype or one "
                                 f"of {sorted(_DTYPE_KINDS)}")
            if _DTYPE_KINDS[k](the_dtype):
                return True
        elif isinstance(k, (np.dtype, type)) or hasattr(k, "dtype"):
            if the_dtype == np.dtype(k):
                return True
        else:
            raise TypeError(f"isdtype: kind must be a dtype, a string or a tuple of them, got "
                            f"{k!r}")
    return False


@api_boundary
def astype(x, dtype, /, *, copy=False, device=None):
    """x converted to `dtype` (None: the default float type); complex to bool is x != 0,
    complex to real keeps the real part with a DeprecationWarning, as in JAX."""
    x = array_like(x)
    aval = aval_or_error("astype", x)
    dtype = dtypes.default_float() if dtype is None else dtypes.check_dtype(dtype, "astype")
    if dtypes.kind(aval.dtype) == "c" and dtype == dtypes.bool_:
        result = lax.ne(x, np.zeros((), aval.dtype))
    elif dtypes.kind(aval.dtype) == "c" and dtypes.kind(dtype) != "c":
        warn("Casting from complex to real dtypes will soon raise a ValueError. Please first "
             "use jnp.real or jnp.imag to take the real/imaginary component of your input.",
             DeprecationWarning)
        result = lax.convert_element_type(lax.real(x), dtype)
    else:
        result = lax.convert_element_type(x, dtype)
    result = asarray(result)
    return device_put(result, device) if device is not None else result


# ufunc objects ---------------------------------------------------------------------------

class ufunc(functools.partial):
    """A NumPy-style universal function: `func` applied elementwise with broadcasting, and
    its reduce, accumulate, reduceat, outer and at methods (computed with fast paths where
    given, else with a loop over the axis, as JAX's jnp.ufunc). Instances are hashable, so
    they may be static arguments.

    >>> add_ = ufunc(lambda x, y: x + y, 2, 1, identity=0)
    >>> add_.reduce(np.arange(4))
    Array(6, dtype=int32)

    (A subclass of functools.partial so that calling one costs what calling its function
    does: Python's C call path, no extra frame. `out` and `where` are not accepted.)
    """

    def __new__(cls, func, /, nin, nout, *, call=None, **kwargs):
        if call is not None:
            return super().__new__(cls, call)
        return super().__new__(cls, _call_vectorized, func)

    def __init__(self, func, /, nin, nout, *, name=None, nargs=None, identity=None, call=None,
                 reduce=None, accumulate=None, at=None, reduceat=None):
        self.__doc__ = func.__doc__
        self.__name__ = name or getattr(func, "__name__", "ufunc")
        self._props = (func, operator.index(nin), operator.index(nout),
                       operator.index(nargs or nin), identity)
        self._impl = dict(reduce=reduce, accumulate=accumulate, at=at, reduceat=reduceat)

    _func = property(lambda self: self._props[0])
    nin = property(lambda self: self._props[1])
    nout = property(lambda self: self._props[2])
    nargs = property(lambda self: self._props[3])
    identity = property(lambda self: self._props[4])

    def __hash__(self):
        return hash((self._props, self.__name__))

    def __eq__(self, other):
        return isinstance(other, ufunc) and (self._props, self.__name__) == (
            other._props, other.__name__)

    def __repr__(self):
        return f"<jnp.ufunc '{self.__name__}'>"

    def __reduce__(self):  # (functools.partial's own would lose nin and nout)
        if ufuncs.get(self.__name__) is self:  # jnp.add and the others: by name
            return (_builtin_ufunc, (self.__name__,))
        func, nin, nout, nargs, identity = self._props
        call = None if self.args else self.func
        return (_rebuild_ufunc, (func, nin, nout, self.__name__, nargs, identity, call,
                                 self._impl))

    def _binary_only(self, method):
        if self.nin != 2:
            raise ValueError(f"{method} only supported for binary ufuncs")
        if self.nout != 1:
            raise ValueError(f"{method} only supported for functions returning a single value")

    def reduce(self, a, axis=0, dtype=None, out=None, keepdims=False, initial=None,
               where=None):
        """Reduces `a` along axis (None: all axes) by applying the ufunc repeatedly."""
        self._binary_only("reduce")
        if out is not None:
            raise NotImplementedError(f"out argument of {self.__name__}.reduce()")
        a = array_like(a)
        aval_or_error(f"{self.__name__}.reduce", a)
        if where is not None:
            where = array_like(where)
            if self.identity is None and initial is None:
                raise ValueError(f"reduction operation {self.__name__!r} does not have an "
                                 f"identity, so to use a where mask one has to specify "
                                 f"'initial'.")
            if aval_or_error(f"{self.__name__}.reduce", where).dtype != dtypes.bool_:
                raise ValueError(f"where argument must have dtype=bool; got "
                                 f"dtype={get_aval(where).dtype}")
        fast = self._impl["reduce"]
        if fast is not None:
            return fast(a, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial,
                        where=where)
        return _reduce_via_loop(self, a, axis, dtype, keepdims, initial, where)

    def accumulate(self, a, axis=0, dtype=None, out=None):
        """The running reduction along axis."""
        self._binary_only("accumulate")
        if out is not None:
            raise NotImplementedError(f"out argument of {self.__name__}.accumulate()")
        if axis is None or isinstance(axis, tuple):
            raise ValueError("accumulate does not allow multiple axes")
        a = array_like(a)
        aval_or_error(f"{self.__name__}.accumulate", a)
        fast = self._impl["accumulate"]
        if fast is not None:
            return fast(a, axis=axis, dtype=dtype)
        return _accumulate_via_scan(self, a, axis, dtype)

    def at(self, a, indices, b=None, /, *, inplace=True):
        """a with the ufunc applied at `indices` (with b), repeated indices applied in turn;
        pass inplace=False (arrays are immutable) and use the result."""
        if inplace:
            raise NotImplementedError(
                "Because JAX arrays are immutable, jnp.ufunc.at() cannot operate inplace like "
                "np.ufunc.at(). Instead, you can pass inplace=False and capture the result; "
                "e.g.\n>>> arr = jnp.add.at(arr, ind, val, inplace=False)")
        if (b is None) != (self.nin == 1):
            raise TypeError(f"{self.__name__}.at takes {self.nin + 1} arguments (the array, "
                            f"the indices{', the values' if self.nin == 2 else ''})")
        fast = self._impl["at"]
        if fast is not None:
            return fast(a, indices) if b is None else fast(a, indices, b)
        return _at_via_scan(self, a, indices, *(() if b is None else (b,)))

    def reduceat(self, a, indices, axis=0, dtype=None, out=None):
        """Reductions over the slices [indices[i], indices[i+1]) along axis (a single
        element where indices[i] >= indices[i+1]), as NumPy."""
        self._binary_only("reduceat")
        if out is not None:
            raise NotImplementedError(f"out argument of {self.__name__}.reduceat()")
        if axis is None or isinstance(axis, (tuple, list)):
            raise ValueError("reduceat requires a single integer axis.")
        return _reduceat(self, array_like(a), array_like(indices), axis, dtype)

    def outer(self, A, B, /):
        """The ufunc of every pair: result[i..., j...] = ufunc(A[i...], B[j...])."""
        self._binary_only("outer")
        return _outer(self, array_like(A), array_like(B))


def _builtin_ufunc(name):
    return ufuncs[name]


def _rebuild_ufunc(func, nin, nout, name, nargs, identity, call, impl):
    return ufunc(func, nin, nout, name=name, nargs=nargs, identity=identity, call=call, **impl)


@eager(static_argnums=0)
def _call_vectorized(func, *args):
    """A frompyfunc ufunc's call: func vectorized over the elements."""
    return vectorize(func)(*args)


def _result_dtype(uf, *args):
    ones = [asarray(np.ones((), get_aval(a).dtype)) for a in args]
    return eval_shape(uf._func, *ones).dtype


def _row(x, i):
    """x[i] along the first axis, for a traced i."""
    shape = get_aval(x).shape
    return lax.reshape(lax.dynamic_slice(x, [i] + [0] * (len(shape) - 1), (1,) + shape[1:]),
                       shape[1:])


@eager(static_argnames=("uf", "axis", "dtype", "keepdims"))
def _reduce_via_loop(uf, a, axis, dtype, keepdims, initial, where):
    a = asarray(a)
    initial = uf.identity if initial is None else initial
    dtype = _result_dtype(uf, a, a) if dtype is None else dtypes.check_dtype(dtype)
    aval = get_aval(a)
    if where is not None:
        where = broadcast_to_shape(asarray(where), aval.shape)
    if isinstance(axis, tuple):
        raise NotImplementedError(f"{uf.__name__}.reduce: a tuple of axes is not supported "
                                  f"for this ufunc (as in JAX)")
    if axis is None:
        final = (1,) * aval.ndim if keepdims else ()
        a, where = ravel(a), None if where is None else ravel(where)
        axis = 0
    else:
        axis = canonical_axis(f"{uf.__name__}.reduce", axis, aval.ndim)
        final = aval.shape[:axis] + ((1,) if keepdims else ()) + aval.shape[axis + 1:]
        a, where = moveaxis(a, axis, 0), None if where is None else moveaxis(where, axis, 0)
    n = get_aval(a).shape[0]
    if n == 0:
        if initial is None:
            raise ValueError(f"zero-size array to reduction operation {uf.__name__} which "
                             f"has no identity")
        return lax.full(final, initial, dtype)
    def body(i, val):
        new = uf(val, lax.convert_element_type(_row(a, i), dtype))
        return new if where is None else _where(_row(where, i), new, val)

    start = _row(a, 0) if initial is None else asarray(initial)
    start = broadcast_to_shape(lax.convert_element_type(start, dtype), get_aval(a).shape[1:])
    out = lax.fori_loop(1 if initial is None else 0, n, body, start)
    return reshape(out, final)


@eager(static_argnames=("uf", "axis", "dtype"))
def _accumulate_via_scan(uf, a, axis, dtype):
    a = asarray(a)
    dtype = _result_dtype(uf, a, a) if dtype is None else dtypes.check_dtype(dtype)
    axis = canonical_axis(f"{uf.__name__}.accumulate", axis, get_aval(a).ndim)
    if get_aval(a).size == 0:
        return lax.full(get_aval(a).shape, 0, dtype)
    x = lax.convert_element_type(moveaxis(a, axis, 0), dtype)
    first = lax.squeeze(lax.slice_in_dim(x, 0, 1, 1, 0), (0,))
    rest = lax.slice_in_dim(x, 1, get_aval(x).shape[0], 1, 0)

    def step(carry, item):
        y = lax.convert_element_type(uf(carry, item), dtype)
        return y, y

    _, ys = lax.scan(step, first, rest)
    return moveaxis(lax.concatenate([lax.expand_dims(first, (0,)), ys], 0), 0, axis)


def _at_via_scan(uf, a, indices, *args):
    """a with uf applied at the indices one place at a time (repeated places in turn): a
    scan over the broadcast index arrays, as JAX's ufunc.at."""
    a = array_like(a)
    dtype = _result_dtype(uf, a, *[array_like(x) for x in args])
    a = lax.convert_element_type(asarray(a), dtype)
    args = [lax.convert_element_type(asarray(array_like(x)), dtype) for x in args]
    indices = indices if isinstance(indices, tuple) else (indices,)
    is_array = [not (isinstance(i, slice) or i is None or i is Ellipsis) for i in indices]
    indices = [array_like(i) if arr else i for i, arr in zip(indices, is_array)]
    shape = np.broadcast_shapes(*[get_aval(i).shape for i, arr in zip(indices, is_array) if arr])
    if not shape:  # a single place: nothing repeats
        return a.at[tuple(indices)].set(uf(a[tuple(indices)], *args))
    count = math.prod(shape)
    flat = [reshape(broadcast_to_shape(asarray(i), shape), (count,)) if arr else i
            for i, arr in zip(indices, is_array)]
    if args:  # b broadcast to the index shape (then its own trailing dimensions)
        tail = get_aval(args[0]).shape[len(shape):]
        args = [reshape(broadcast_to_shape(args[0], shape + tail), (count,) + tail)]

    def step(x, k):
        idx = tuple(_row(i, k) if arr else i for i, arr in zip(flat, is_array))
        return x.at[idx].set(uf(x[idx], *[_row(v, k) for v in args])), None

    out, _ = lax.scan(step, a, lax.iota(dtypes.int32, count))
    return out


@eager(static_argnames=("uf", "axis", "dtype"))
def _reduceat(uf, a, indices, axis, dtype):
    a = asarray(a)
    aval = get_aval(a)
    if aval.ndim == 0:
        raise ValueError(f"reduceat: a must have 1 or more dimension, got a.shape={aval.shape}")
    if aval_or_error("reduceat", indices).ndim != 1:
        raise ValueError(f"reduceat: indices must be one-dimensional, got "
                         f"indices.shape={get_aval(indices).shape}")
    axis = canonical_axis("reduceat", axis, aval.ndim)
    x = moveaxis(a if dtype is None else lax.convert_element_type(a, dtype), axis, 0)
    n, k = aval.shape[axis], get_aval(indices).shape[0]
    starts = lax.convert_element_type(indices, dtypes.int32)
    ends = lax.concatenate([lax.slice(starts, (1,), (k,)), np.array([n], np.int32)], 0)
    take0 = lambda i: _row(x, i)  # noqa: E731
    out = lax.map(take0, starts)
    shape = (k,) + (1,) * (get_aval(x).ndim - 1)
    lo, hi = reshape(starts, shape), reshape(ends, shape)

    def body(i, acc):
        inside = logical_and(lax.gt(i, lo), lax.lt(i, hi))
        return _where(inside, uf(acc, take0(i)), acc)

    return moveaxis(lax.fori_loop(0, n, body, out), 0, axis)


@eager(static_argnums=0)
def _outer(uf, A, B):
    shape_a, shape_b = get_aval(A).shape, get_aval(B).shape
    return uf(reshape(A, shape_a + (1,) * len(shape_b)), B)


def frompyfunc(func, /, nin, nout, *, identity=None):
    """A ufunc from a function of scalars (vectorized over the arguments' elements)."""
    return ufunc(func, nin, nout, identity=identity)


# NumPy's ufunc instances for the binary functions JAX makes ufuncs, with fast methods -----

def _fast_reduce(reduction):
    def reduce(a, axis=0, dtype=None, keepdims=False, initial=None, where=None):
        kwargs = {} if initial is None else {"initial": initial}
        return reduction(a, axis=axis, dtype=dtype, keepdims=keepdims, where=where, **kwargs)
    return reduce


def _logical_reduce(reduction, name):
    def reduce(a, axis=0, dtype=None, keepdims=False, initial=None, where=None):
        if initial is not None:
            raise NotImplementedError(f"{name}.reduce: initial is not supported")
        out = reduction(a, axis=axis, keepdims=keepdims, where=where)
        return out if dtype is None else lax.convert_element_type(out, dtypes.check_dtype(dtype))
    return reduce


def _at_update(kind):
    def at(a, indices, b):
        return getattr(asarray(array_like(a)).at[indices], kind)(b)
    return at


def _make_ufuncs():
    """The ufunc objects JAX has for its binary functions (and negative), with the fast
    reductions xlafront has for them."""
    specs = {
        "add": (add, 2, 0, _fast_reduce(sum_), cumsum, _at_update("add")),
        "multiply": (multiply, 2, 1, _fast_reduce(prod), cumprod, _at_update("multiply")),
        "maximum": (maximum, 2, None, _fast_reduce(max_), None, _at_update("max")),
        "minimum": (minimum, 2, None, _fast_reduce(min_), None, _at_update("min")),
        "logical_and": (logical_and, 2, True, _logical_reduce(all_, "logical_and"), None, None),
        "logical_or": (logical_or, 2, False, _logical_reduce(any_, "logical_or"), None, None),
        "logical_xor": (logical_xor, 2, False, None, None, None),
        "bitwise_and": (bitwise_and, 2, -1, None, None, None),
        "bitwise_or": (bitwise_or, 2, 0, None, None, None),
        "bitwise_xor": (bitwise_xor, 2, 0, None, None, None),
        "subtract": (subtract, 2, None, None, None, None),
        "logaddexp": (logaddexp, 2, -np.inf, None, None, None),
        "logaddexp2": (logaddexp2, 2, -np.inf, None, None, None),
        "negative": (negative, 1, None, None, None, None),
    }
    return {name: ufunc(fn, nin, 1, name=name, identity=identity, call=fn, reduce=reduce,
                        accumulate=accumulate, at=at)
            for name, (fn, nin, identity, reduce, accumulate, at) in specs.items()}


ufuncs = _make_ufuncs()
