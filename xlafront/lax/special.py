"""Special functions: the elementwise primitives erf, erfc, erf_inv, lgamma and digamma
(rows of the unary family), the trigamma function of digamma's derivative, and logaddexp
composed from lax operations."""
import numpy as np

from ..core import get_aval
from ..dispatch import eager
from ..interpreters import lowering as L
from ..interpreters.lax_ops import lax_ops
from .base import const_like, jvp, jvp_ans
from .elementwise import (FLOAT, add, convert_element_type, div, exp, le, log1p, max_, min_,
                          mul, ne, neg, select, select_n, sin, square, sub, unary)

__all__ = ["digamma", "digamma_p", "erf", "erf_inv", "erf_inv_p", "erf_p", "erfc", "erfc_p",
           "lgamma", "lgamma_p", "logaddexp"]

_SQRT_PI = float(np.sqrt(np.pi))


def _trigamma(x):
    """polygamma(1, x) from lax ops (there is no polygamma primitive): the recurrence
    psi1(z) = 1/z**2 + psi1(z + 1) up to w = z + 6, then the asymptotic series in 1/w;
    reflection psi1(x) = pi**2 / sin(pi x)**2 - psi1(1 - x) for x <= 0. Each branch gets
    inputs safe for it, so the unused branch puts no NaN into derivatives."""
    aval = get_aval(x)
    if aval.dtype.itemsize < 4:  # float16/bfloat16: compute in float32
        return convert_element_type(_trigamma(convert_element_type(x, np.float32)),
                                    aval.dtype, weak_type=aval.weak_type)
    reflect = le(x, const_like(x, 0))
    z = select_n(reflect, x, sub(const_like(x, 1), x))
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
    safe = select_n(reflect, lax_ops.full(aval.shape, 0.5, aval.dtype), x)
    s = sin(mul(np.pi, safe))
    reflected = sub(div(np.pi ** 2, square(s)), positive)
    return select_n(reflect, positive, reflected)


def _erf_lowering(name):
    return lambda ctx, x: getattr(L.chlo, name)(x)


erf_p, erf = unary("erf", _erf_lowering("erf"), FLOAT, jvp(
    lambda g, x: mul(2.0 / _SQRT_PI, mul(g, exp(neg(square(x)))))))
erfc_p, erfc = unary("erfc", _erf_lowering("erfc"), FLOAT, jvp(
    lambda g, x: mul(-2.0 / _SQRT_PI, mul(g, exp(neg(square(x)))))))
erf_inv_p, erf_inv = unary("erf_inv", _erf_lowering("erf_inv"), FLOAT, jvp_ans(
    lambda g, ans, x: mul(_SQRT_PI / 2.0, mul(g, exp(square(ans))))))
lgamma_p, lgamma = unary("lgamma", lambda ctx, x: L.chlo.lgamma(x), FLOAT,
                         jvp(lambda g, x: mul(g, digamma(x))))
digamma_p, digamma = unary("digamma", lambda ctx, x: L.chlo.digamma(x), FLOAT,
                           jvp(lambda g, x: mul(g, _trigamma(x))))


@eager
def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)) without overflow, elementwise (operands of one dtype, rank-0
    ones broadcast): max + log1p(exp(min - max)). Where min - max is NaN (both operands
    infinite of one sign, or a NaN) the correction term is taken at 0, so
    logaddexp(-inf, -inf) is -inf and logaddexp(inf, inf) inf. Its derivatives are those of
    that expression: finite wherever the operands are not NaN, split evenly at ties (as
    max and min split them)."""
    amax, amin = max_(x1, x2), min_(x1, x2)
    delta = sub(amin, amax)
    aval = get_aval(delta)
    delta = select(ne(delta, delta), lax_ops.full(aval.shape, 0, aval.dtype), delta)
    return add(amax, log1p(exp(delta)))
