"""Special functions: the elementwise primitives erf, erfc, erf_inv, lgamma, digamma,
bessel_i0e, bessel_i1e (rows of the unary family), igamma, igammac, igamma_grad_a,
polygamma, zeta and regularized_incomplete_beta (betainc); random_gamma_grad and logaddexp
composed from lax operations.

CHLO has lgamma, digamma, polygamma, zeta and bessel_i1e; the others lower through
`lower_fun` of JAX's algorithms (jax/_src/lax/special.py, ported from XLA's math library):
the series and continued fraction of the incomplete gamma function, the Lentz continued
fraction of the incomplete beta function, Cephes' Chebyshev expansion of i0e. They compute
16-bit floats in float32, as JAX does."""
import numpy as np

from ..core import ShapedArray, bind, get_aval
from ..dispatch import eager
from ..dtypes import finfo
from ..interpreters import batching
from ..interpreters import lowering as L
from ..interpreters.lax_ops import lax_ops
from .base import check_kinds, check_same_dtypes, jvp, jvp_ans, out, primitive, python_scalars
from .control_flow import while_loop
from .elementwise import (FLOAT, _broadcast_operands, _elementwise_shape, _lift, _lift_scalars,
                          abs_, add,
                          bitwise_and, bitwise_not, bitwise_or, convert_element_type, div, eq,
                          exp, ge, gt, le, log, log1p, lt, max_, min_, mul, ne, neg, rem, select,
                          select_n, sign, sqrt, square, sub, unary)
from .reductions import reduce_or
from .shape import zeros_like_array

__all__ = ["bessel_i0e", "bessel_i0e_p", "bessel_i1e", "bessel_i1e_p", "betainc", "digamma",
           "digamma_p", "erf", "erf_inv", "erf_inv_p", "erf_p", "erfc", "erfc_p", "igamma",
           "igamma_grad_a", "igamma_grad_a_p", "igamma_p", "igammac", "igammac_p", "lgamma",
           "lgamma_p", "logaddexp", "polygamma", "polygamma_p", "random_gamma_grad",
           "regularized_incomplete_beta_p", "zeta", "zeta_p"]

_SQRT_PI = float(np.sqrt(np.pi))


def _full(x, value):
    aval = get_aval(x)
    return lax_ops.full(aval.shape, value, aval.dtype)


def _any(pred):
    return reduce_or(pred, tuple(range(get_aval(pred).ndim)))


def _any_of(*preds):
    result = preds[0]
    for p in preds[1:]:
        result = bitwise_or(result, p)
    return result


def _in_float32(impl):
    """impl computed in float32 for 16-bit floats (the algorithms' constants need it)."""
    def fun(*args):
        dtype = get_aval(args[0]).dtype
        if dtype.itemsize >= 4:
            return impl(*args)
        return convert_element_type(
            impl(*[convert_element_type(x, np.float32) for x in args]), dtype)
    return fun


def _lower_broadcast(impl):
    """A lowering rule through `lower_fun(impl)`, for the builder below, whose operands
    arrive broadcast to the output shape."""
    rule = L.lower_fun(_in_float32(impl))

    def lower(ctx, *args):
        aval = ShapedArray(ctx.avals_out[0].shape, ctx.avals_out[0].dtype)
        return rule(L.LoweringContext(ctx.module_context, [aval] * len(args), ctx.avals_out),
                    *args)[0]
    return lower


def _not_differentiable(op, what):
    def d(*args):
        raise ValueError(f"{op}: the derivative with respect to {what} is not supported (as "
                         f"in JAX); differentiate with respect to the other operands only")
    return d


def _special(name, nargs, lower, diff):
    """An elementwise primitive of `nargs` floating operands of one dtype (rank-0 ones
    broadcast; Python scalars take the arrays' dtype), lowered by `lower(ctx, *operands)`
    on operands broadcast to the output shape. Returns (primitive, wrapper)."""
    def abstract_eval(*avals):
        shape = _elementwise_shape(name, avals)
        check_same_dtypes(name, avals)
        check_kinds(name, avals[0], FLOAT)
        return out(shape, avals[0].dtype, all(a.weak_type for a in avals))

    prim = primitive(name, abstract_eval,
                     lambda ctx, *xs: [lower(ctx, *_broadcast_operands(ctx, xs))])
    diff(prim)
    batching.defbroadcasting(prim)

    def op(*args):
        if len(args) != nargs:
            raise TypeError(f"{name} takes {nargs} operands, got {len(args)}")
        array = next((x for x in args if not isinstance(x, python_scalars)), None)
        if array is not None:
            args = [_lift(x, get_aval(array)) if isinstance(x, python_scalars) else x
                    for x in args]
        return bind(prim, *args)
    op.__name__ = name
    return prim, op


# ---------------------------------------------------------------------------------------
# erf, lgamma, digamma, polygamma, zeta

erf_p, erf = unary("erf", lambda ctx, x: L.chlo.erf(x), FLOAT, jvp(
    lambda g, x: mul(2.0 / _SQRT_PI, mul(g, exp(neg(square(x)))))))
erfc_p, erfc = unary("erfc", lambda ctx, x: L.chlo.erfc(x), FLOAT, jvp(
    lambda g, x: mul(-2.0 / _SQRT_PI, mul(g, exp(neg(square(x)))))))
erf_inv_p, erf_inv = unary("erf_inv", lambda ctx, x: L.chlo.erf_inv(x), FLOAT, jvp_ans(
    lambda g, ans, x: mul(_SQRT_PI / 2.0, mul(g, exp(square(ans))))))
lgamma_p, lgamma = unary("lgamma", lambda ctx, x: L.chlo.lgamma(x), FLOAT,
                         jvp(lambda g, x: mul(g, digamma(x))))
digamma_p, digamma = unary("digamma", lambda ctx, x: L.chlo.digamma(x), FLOAT,
                           jvp(lambda g, x: mul(g, polygamma(1.0, x))))
polygamma_p, polygamma = _special(
    "polygamma", 2, lambda ctx, m, x: L.chlo.polygamma(m, x),
    jvp(_not_differentiable("polygamma", "m"), lambda g, m, x: mul(g, polygamma(add(m, 1.0), x))))
polygamma.__doc__ = "Elementwise polygamma psi^(m)(x) (m a float holding an integer)."
# d zeta(s, q) / dq = -s zeta(s + 1, q); JAX's lax.zeta has no derivative in s either
# (jax.scipy.special.zeta differentiates a series instead)
zeta_p, zeta = _special("zeta", 2, lambda ctx, s, q: L.chlo.zeta(s, q), jvp(
    _not_differentiable("zeta", "x"), lambda g, s, q: mul(g, neg(mul(s, zeta(add(s, 1.0), q))))))
zeta.__doc__ = "Elementwise Hurwitz zeta function zeta(x, q) = sum_k (k + q)^-x."


# ---------------------------------------------------------------------------------------
# The incomplete gamma family: one series and one continued fraction, each giving the
# value, its a-derivative (igamma_grad_a) or the derivative of a Gamma(a) sample
# (random_gamma_grad), selected by `mode`.

def _igamma_series(ax, x, a, enabled, mode):
    eps = float(finfo(get_aval(x).dtype).eps)

    def body(vals):
        enabled, r, c, ans, dc_da, dans_da = vals
        r = add(r, 1.0)
        dc_da = sub(mul(dc_da, div(x, r)), div(mul(c, x), mul(r, r)))
        dans_da = add(dans_da, dc_da)
        c = mul(c, div(x, r))
        ans = add(ans, c)
        test = div(c, ans) if mode == "value" else abs_(div(dc_da, dans_da))
        new = (r, c, ans, dc_da, dans_da)
        return (bitwise_and(enabled, gt(test, eps)),
                *[select(enabled, v, old) for v, old in zip(new, vals[1:])])

    _, _, _, ans, _, dans_da = while_loop(
        lambda vals: _any(vals[0]), body,
        (enabled, a, _full(a, 1), _full(a, 1), _full(a, 0), _full(a, 0)))
    if mode == "value":
        return div(mul(ans, ax), a)
    dlogax_da = sub(log(x), digamma(add(a, 1.0)))
    if mode == "grad_a":
        return div(mul(ax, add(mul(ans, dlogax_da), dans_da)), a)
    return div(mul(neg(add(dans_da, mul(ans, dlogax_da))), x), a)


def _igammac_continued_fraction(ax, x, a, enabled, mode):
    eps = float(finfo(get_aval(x).dtype).eps)

    def body(vals):
        enabled, ans, t, y, z, c, pkm1, qkm1, pkm2, qkm2, dpkm2, dqkm2, dpkm1, dqkm1, dans = vals
        c, y, z = add(c, 1.0), add(y, 1.0), add(z, 2.0)
        yc = mul(y, c)
        pk = sub(mul(pkm1, z), mul(pkm2, yc))
        qk = sub(mul(qkm1, z), mul(qkm2, yc))
        nonzero = ne(qk, 0.0)
        r = div(pk, qk)
        t = select(nonzero, abs_(div(sub(ans, r), r)), _full(r, 1))
        ans = select(nonzero, r, ans)
        dpk = add(sub(sub(mul(dpkm1, z), pkm1), mul(dpkm2, yc)), mul(pkm2, c))
        dqk = add(sub(sub(mul(dqkm1, z), qkm1), mul(dqkm2, yc)), mul(qkm2, c))
        dans_new = select(nonzero, div(sub(dpk, mul(ans, dqk)), qk), dans)
        grad_test = select(nonzero, abs_(sub(dans_new, dans)), _full(dans, 1))
        rescale = gt(abs_(pk), 1 / eps)  # keep the convergents in range
        pkm2, pkm1, qkm2, qkm1, dpkm2, dqkm2, dpkm1, dqkm1 = (
            select(rescale, mul(v, eps), v)
            for v in (pkm1, pk, qkm1, qk, dpkm1, dqkm1, dpk, dqk))
        test = t if mode == "value" else grad_test
        new = (ans, t, y, z, c, pkm1, qkm1, pkm2, qkm2, dpkm2, dqkm2, dpkm1, dqkm1, dans_new)
        return (bitwise_and(enabled, gt(test, eps)),
                *[v if i == 4 else select(enabled, v, old)  # c counts every iteration
                  for i, (v, old) in enumerate(zip(new, vals[1:]))])

    y = sub(1.0, a)
    z = add(add(x, y), 1.0)
    pkm1, qkm1 = add(x, 1.0), mul(z, x)
    ans = div(pkm1, qkm1)
    dqkm1 = neg(x)
    zeros = _full(x, 0)
    init = (enabled, ans, _full(x, 1), y, z, np.zeros((), get_aval(x).dtype), pkm1, qkm1,
            _full(x, 1), x, zeros, zeros, zeros, dqkm1, div(sub(zeros, mul(ans, dqkm1)), qkm1))
    vals = while_loop(lambda v: bitwise_and(lt(v[5], 2000.0), _any(v[0])), body, init)
    ans, dans_da = vals[1], vals[14]
    if mode == "value":
        return mul(ans, ax)
    dlogax_da = sub(log(x), digamma(a))
    if mode == "grad_a":
        return mul(ax, add(mul(ans, dlogax_da), dans_da))
    return neg(mul(add(dans_da, mul(ans, dlogax_da)), x))


def _igamma_impl(a, x, mode):
    """igamma (mode "value"), igammac ("complement"), igamma_grad_a ("grad_a") or
    random_gamma_grad ("sample") of same-shaped a and x, with JAX's special cases."""
    is_nan = bitwise_or(ne(a, a), ne(x, x))
    x_is_zero, x_is_inf, a_is_zero = eq(x, 0.0), eq(x, np.inf), eq(a, 0.0)
    # SciPy's limits, which JAX's algorithm misses: P(0, x > 0) = 1, P(inf, x < inf) = 0
    a_is_inf = bitwise_and(eq(a, np.inf), bitwise_not(x_is_inf))
    values = mode in ("value", "complement")
    if values:
        domain_error = _any_of(lt(x, 0.0), lt(a, 0.0), bitwise_and(a_is_zero, x_is_zero), is_nan)
    else:
        domain_error = _any_of(lt(x, 0.0), le(a, 0.0), is_nan)
    log_ax = sub(sub(mul(a, log(x)), x), lgamma(a))
    underflow = lt(log_ax, float(-np.log(finfo(get_aval(x).dtype).max)))
    ax = exp(log_ax)
    # the continued fraction of Q converges fast for x > a, the series of P elsewhere
    use_fraction = bitwise_and(ge(x, 1.0) if values else gt(x, 1.0), gt(x, a))
    enabled = bitwise_not(_any_of(x_is_zero, a_is_zero, x_is_inf, domain_error, underflow))
    inner = "value" if values else mode
    fraction = _igammac_continued_fraction(ax, x, a, bitwise_and(enabled, use_fraction), inner)
    series = _igamma_series(ax, x, a, bitwise_and(enabled, bitwise_not(use_fraction)), inner)
    if mode == "value":
        output = select(use_fraction, sub(1.0, fraction), series)
        output = select(bitwise_or(x_is_inf, a_is_zero), _full(a, 1), output)
        output = select(bitwise_or(x_is_zero, a_is_inf), _full(a, 0), output)
    elif mode == "complement":
        output = select(use_fraction, fraction, sub(1.0, series))
        output = select(bitwise_or(x_is_inf, a_is_zero), _full(a, 0), output)
        output = select(bitwise_or(x_is_zero, a_is_inf), _full(a, 1), output)
    else:
        output = select(x_is_zero, _full(a, 0), select(use_fraction, neg(fraction), series))
    return select(domain_error, _full(a, np.nan), output)


def _igamma_lowering(mode):
    return _lower_broadcast(lambda a, x: _igamma_impl(a, x, mode))


def _igamma_dx(g, a, x):
    return mul(g, exp(sub(add(neg(x), mul(sub(a, 1.0), log(x))), lgamma(a))))


def _igamma_grad_a_dx(g, a, x):
    """d/dx of dP/da = d/da of dP/dx = dP/dx (log x - digamma(a))."""
    return mul(_igamma_dx(g, a, x), sub(log(x), digamma(a)))


igamma_grad_a_p, igamma_grad_a = _special(
    "igamma_grad_a", 2, _igamma_lowering("grad_a"),
    jvp(_not_differentiable("igamma_grad_a", "a"), _igamma_grad_a_dx))
igamma_grad_a.__doc__ = "Elementwise derivative of igamma(a, x) with respect to a."
igamma_p, igamma = _special("igamma", 2, _igamma_lowering("value"), jvp(
    lambda g, a, x: mul(g, igamma_grad_a(a, x)), _igamma_dx))
igamma.__doc__ = "Elementwise regularized lower incomplete gamma function P(a, x)."
igammac_p, igammac = _special("igammac", 2, _igamma_lowering("complement"), jvp(
    lambda g, a, x: neg(mul(g, igamma_grad_a(a, x))), lambda g, a, x: neg(_igamma_dx(g, a, x))))
igammac.__doc__ = "Elementwise regularized upper incomplete gamma function Q(a, x) = 1 - P."


@eager
def random_gamma_grad(a, x):
    """Elementwise derivative of a Gamma(a, 1) sample x with respect to a, at a fixed CDF
    value: -(dP(a, x)/da) / (dP(a, x)/dx) (the implicit reparameterization gradient)."""
    a, x = _lift_scalars(a, x)
    avals = [get_aval(a), get_aval(x)]
    shape = _elementwise_shape("random_gamma_grad", avals)
    check_same_dtypes("random_gamma_grad", avals)
    check_kinds("random_gamma_grad", avals[0], FLOAT)
    a, x = (v if aval.shape == shape else lax_ops.broadcast_in_dim(v, shape, ())
            for v, aval in zip((a, x), avals))
    return _in_float32(lambda a, x: _igamma_impl(a, x, "sample"))(a, x)


# ---------------------------------------------------------------------------------------
# regularized_incomplete_beta: the continued fraction of DLMF 8.17.22, evaluated with the
# modified Lentz method

def _betainc_impl(a, b, x):
    dtype = get_aval(x).dtype
    tiny = float(finfo(dtype).eps) / 2
    is_nan = _any_of(ne(a, a), ne(b, b), ne(x, x))
    a_is_zero = bitwise_or(eq(a, 0.0), eq(b, np.inf))
    b_is_zero = bitwise_or(eq(b, 0.0), eq(a, np.inf))
    x_is_zero, x_is_one = eq(x, 0.0), eq(x, 1.0)
    result_is_zero = bitwise_or(bitwise_and(b_is_zero, bitwise_not(x_is_one)),
                                bitwise_and(a_is_zero, x_is_zero))
    result_is_one = bitwise_or(bitwise_and(a_is_zero, bitwise_not(x_is_zero)),
                               bitwise_and(b_is_zero, x_is_one))
    result_is_nan = _any_of(lt(a, 0.0), lt(b, 0.0), lt(x, 0.0), gt(x, 1.0),
                            bitwise_and(a_is_zero, b_is_zero), is_nan)
    # fast convergence for x < (a + 1) / (a + b + 2); otherwise I_x(a, b) = 1 - I_1-x(b, a)
    converges = lt(x, div(add(a, 1.0), add(add(a, b), 2.0)))
    a, b, x = select(converges, a, b), select(converges, b, a), select(converges, x, sub(1.0, x))

    def numerator(it):  # the it-th partial numerator (it >= 1), DLMF 8.17.23
        m = convert_element_type(div(sub(it, 1), 2), dtype)
        a2m = add(a, mul(2.0, m))
        even = select(eq(m, 0.0), div(mul(neg(add(a, b)), x), add(a, 1.0)),
                      div(mul(mul(neg(add(a, m)), add(add(a, b), m)), x),
                          mul(a2m, add(a2m, 1.0))))
        odd = div(mul(mul(m, sub(b, m)), x), mul(sub(a2m, 1.0), a2m))
        which = select(eq(it, 1), np.int32(2), convert_element_type(eq(rem(it, 2), 0), np.int32))
        return select_n(which, odd, even, _full(x, 1))

    def body(vals):
        it, _, c, d, h = vals
        num = numerator(it)
        c = add(1.0, div(num, c))
        c = select(lt(abs_(c), tiny), _full(c, tiny), c)
        d = add(1.0, mul(num, d))
        d = div(1.0, select(lt(abs_(d), tiny), _full(d, tiny), d))
        delta = mul(c, d)
        return add(it, 1), _any(ge(abs_(sub(delta, 1.0)), tiny)), c, d, mul(h, delta)

    steps = 200 if dtype == np.float32 else 600
    h = _full(x, tiny)  # the 0th partial denominator is 0
    fraction = while_loop(lambda v: bitwise_and(lt(v[0], steps), v[1]), body,
                          (np.int32(1), np.bool_(True), h, _full(x, 0), h))[4]
    # a * gamma(a) = gamma(a + 1) -> 1 as a -> 0+
    lbeta_small_a = sub(lgamma(b), lgamma(add(a, b)))
    factor = select(lt(a, float(finfo(dtype).tiny) * 2),
                    exp(sub(mul(log1p(neg(x)), b), lbeta_small_a)),
                    div(exp(sub(add(mul(log(x), a), mul(log1p(neg(x)), b)),
                                add(lgamma(a), lbeta_small_a))), a))
    result = mul(fraction, factor)
    result = select(converges, result, sub(1.0, result))
    result = select(result_is_zero, _full(a, 0), result)
    result = select(result_is_one, _full(a, 1), result)
    return select(result_is_nan, _full(a, np.nan), result)


def _betainc_dx(g, a, b, x):
    log_beta = sub(add(lgamma(a), lgamma(b)), lgamma(add(a, b)))
    return mul(exp(sub(add(mul(sub(b, 1.0), log1p(neg(x))), mul(sub(a, 1.0), log(x))),
                       log_beta)), g)


regularized_incomplete_beta_p, betainc = _special(
    "regularized_incomplete_beta", 3, _lower_broadcast(_betainc_impl),
    jvp(_not_differentiable("betainc", "a"), _not_differentiable("betainc", "b"), _betainc_dx))
betainc.__name__ = "betainc"
betainc.__doc__ = "Elementwise regularized incomplete beta function I_x(a, b)."


# ---------------------------------------------------------------------------------------
# exponentially scaled modified Bessel functions of orders 0 and 1

_I0E_A = [  # Cephes' Chebyshev coefficients of exp(-x) I0(x) on [0, 8] (float64: all)
    -4.41534164647933937950E-18, 3.33079451882223809783E-17, -2.43127984654795469359E-16,
    1.71539128555513303061E-15, -1.16853328779934516808E-14, 7.67618549860493561688E-14,
    -4.85644678311192946090E-13, 2.95505266312963983461E-12, -1.72682629144155570723E-11,
    9.67580903537323691224E-11, -5.18979560163526290666E-10, 2.65982372468238665035E-9,
    -1.30002500998624804212E-8, 6.04699502254191894932E-8, -2.67079385394061173391E-7,
    1.11738753912010371815E-6, -4.41673835845875056359E-6, 1.64484480707288970893E-5,
    -5.75419501008210370398E-5, 1.88502885095841655729E-4, -5.76375574538582365885E-4,
    1.63947561694133579842E-3, -4.32430999505057594430E-3, 1.05464603945949983183E-2,
    -2.37374148058994688156E-2, 4.93052842396707084878E-2, -9.49010970480476444210E-2,
    1.71620901522208775349E-1, -3.04682672343198398683E-1, 6.76795274409476084995E-1]
_I0E_B = [  # and of exp(-x) sqrt(x) I0(x) in 32/x - 2, for x > 8
    -7.23318048787475395456E-18, -4.83050448594418207126E-18, 4.46562142029675999901E-17,
    3.46122286769746109310E-17, -2.82762398051658348494E-16, -3.42548561967721913462E-16,
    1.77256013305652638360E-15, 3.81168066935262242075E-15, -9.55484669882830764870E-15,
    -4.15056934728722208663E-14, 1.54008621752140982691E-14, 3.85277838274214270114E-13,
    7.18012445138366623367E-13, -1.79417853150680611778E-12, -1.32158118404477131188E-11,
    -3.14991652796324136454E-11, 1.18891471078464383424E-11, 4.94060238822496958910E-10,
    3.39623202570838634515E-9, 2.26666899049817806459E-8, 2.04891858946906374183E-7,
    2.89137052083475648297E-6, 6.88975834691682398426E-5, 3.36911647825569408990E-3,
    8.04490411014108831608E-1]


def _chebyshev(x, coefficients):
    b0 = b1 = b2 = _full(x, 0)
    for c in coefficients:
        b2, b1 = b1, b0
        b0 = add(sub(mul(x, b1), b2), c)
    return mul(0.5, sub(b0, b2))


def _i0e_impl(x):
    short = get_aval(x).dtype == np.float32  # float32 keeps Cephes' single-precision terms
    x = abs_(x)
    small = _chebyshev(sub(mul(0.5, x), 2.0), _I0E_A[12:] if short else _I0E_A)
    large = div(_chebyshev(sub(div(32.0, x), 2.0), _I0E_B[18:] if short else _I0E_B), sqrt(x))
    return select(le(x, 8.0), small, large)


def _i1e_jvp(g, y, x):
    eps = float(finfo(get_aval(x).dtype).eps)
    not_tiny = gt(abs_(x), eps)
    safe_x = select(not_tiny, x, _full(x, eps))
    dy_dx = sub(bessel_i0e(safe_x), mul(y, add(sign(safe_x), div(1.0, safe_x))))
    return mul(g, select(not_tiny, dy_dx, _full(x, 0.5)))


_i0e_rule = L.lower_fun(_in_float32(_i0e_impl))
bessel_i0e_p, bessel_i0e = unary("bessel_i0e", lambda ctx, x: _i0e_rule(ctx, x)[0], FLOAT,
                                 jvp_ans(lambda g, y, x: mul(g, sub(bessel_i1e(x),
                                                                    mul(sign(x), y)))))
bessel_i1e_p, bessel_i1e = unary("bessel_i1e", lambda ctx, x: L.chlo.bessel_i1e(x), FLOAT,
                                 jvp_ans(_i1e_jvp))


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
    delta = select(ne(delta, delta), zeros_like_array(delta), delta)
    return add(amax, log1p(exp(delta)))
