"""jax.scipy.special: SciPy's special functions over lax and xlafront.numpy.

The algorithms are JAX 0.10.2's (jax/_src/scipy/special.py, mostly Cephes' rational
approximations and series), with SciPy's values at a few edges JAX misses (expi(0),
exp1(inf), hyp1f1 at large negative x through Kummer's transformation). Arguments are
promoted to an inexact dtype as JAX does; complex arguments raise ValueError where JAX's
functions are real-only. Derivatives are JAX's (custom_jvp rules where JAX has them)."""
import functools
import math
import operator

import numpy as np

from .. import dtypes, lax
from .. import numpy as jnp
from ..autodiff import jvp as _jvp
from ..core import concrete_or_error, get_aval
from ..custom_derivatives import custom_jvp
from ..dispatch import eager
from ..nn import log_softmax as _nn_log_softmax, logsumexp, softmax as _nn_softmax
from ..numpy._util import promote_inexact

__all__ = ["bernoulli", "bessel_jn", "beta", "betainc", "betaln", "boxcox", "boxcox1p", "comb",
           "dawsn", "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp1", "expi",
           "expit", "expn", "factorial", "fresnel", "gamma", "gammainc", "gammaincc",
           "gammaln", "gammasgn", "hyp1f1", "hyp2f1", "i0", "i0e", "i1", "i1e", "kl_div",
           "log_ndtr", "log_softmax", "loggamma", "logit", "logsumexp", "multigammaln",
           "ndtr", "ndtri", "owens_t", "poch", "polygamma", "rel_entr", "sici", "softmax",
           "spence", "sph_harm_y", "wofz", "xlog1py", "xlogy", "zeta"]


# ---------------------------------------------------------------------------------------
# helpers

def _is_complex(x):
    return dtypes.kind(get_aval(x).dtype) == "c"


def _real(op, *args):
    """args promoted to one inexact dtype; ValueError for complex ones (as JAX)."""
    args = promote_inexact(op, *args)
    if _is_complex(args[0]):
        raise ValueError(f"{op} does not support complex-valued inputs.")
    return args


def _float32_or_64(op, x):
    """x as an array of float32 or float64, else TypeError (JAX's ndtr family)."""
    x = jnp.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"{op}: x.dtype={x.dtype} is not supported; it accepts float32 and "
                        "float64")
    return x


def _poly(coeffs, x):
    """The polynomial of `coeffs` (highest degree first) at x, by Horner's rule."""
    y = jnp.full_like(x, coeffs[0])
    for c in coeffs[1:]:
        y = y * x + c
    return y


def _in_float32(fun, x, *args):
    """fun(x) computed in float32 for 16-bit x (its constants need the precision)."""
    if x.dtype.itemsize >= 4:
        return fun(x, *args)
    return fun(x.astype(np.float32), *args).astype(x.dtype)


def _sum_series(first, term, ratio, weight=None, max_terms=250):
    """first + sum_{k>=1} term_k * weight(k), term_{k+1} = term_k * ratio(k), until a term
    falls below eps of the sum (or max_terms)."""
    eps = dtypes.finfo(get_aval(term).dtype).eps

    def body(state):
        total, k, term = state
        total = total + (term if weight is None else term * weight(k))
        return total, k + 1, term * ratio(k)

    def cond(state):
        total, k, term = state
        return (k < max_terms) & (jnp.abs(term) > eps * jnp.abs(total))

    return lax.while_loop(cond, body, (first + jnp.zeros_like(term), jnp.ones_like(term),
                                       term))[0]


# ---------------------------------------------------------------------------------------
# gamma and beta functions

@eager
def gammaln(x):
    """log|gamma(x)|."""
    x, = promote_inexact("gammaln", x)
    return lax.lgamma(x)


@eager
def gammasgn(x):
    """The sign of gamma(x): NaN at the poles (non-positive integers) and NaN."""
    x, = _real("gammasgn", x)
    floor_x, negative = lax.floor(x), x < 0
    nan, minus_one = np.array(np.nan, x.dtype), np.array(-1, x.dtype)
    return jnp.select([negative & (x == floor_x) | jnp.isnan(x),
                       negative & (floor_x % 2 != 0) | (x == 0) & jnp.signbit(x)],
                      [nan, minus_one], np.array(1, x.dtype))


_LANCZOS_G = 7.0
_LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012,
            9.9843695780195716e-6, 1.5056327351493116e-7]


def _complex_loggamma_lanczos(z):
    reflect = jnp.real(z) < 0.5
    zz = jnp.where(reflect, 1.0 - z, z) - 1.0
    series = _LANCZOS[0] + sum(c / (zz + k) for k, c in enumerate(_LANCZOS[1:], 1))
    t = zz + _LANCZOS_G + 0.5
    direct = 0.5 * np.log(2 * np.pi) + (zz + 0.5) * jnp.log(t) - t + jnp.log(series)
    z_safe = jnp.where(reflect, z, 0.5)
    reflected = np.log(np.pi) - jnp.log(jnp.sin(np.pi * z_safe)) - direct
    return jnp.where(reflect, reflected, direct)


def _complex_poles(z):
    """NaN+NaN j at the poles of gamma and at NaN, and z made safe there."""
    bad = (jnp.imag(z) == 0) & (jnp.real(z) == jnp.floor(jnp.real(z))) & (jnp.real(z) <= 0)
    bad = bad | jnp.isnan(z)
    return bad, jnp.where(bad, jnp.ones_like(z), z)


def _complex_loggamma(z):
    """SciPy's principal branch: shift z right by n and subtract the logs of the shifts."""
    bad, z = _complex_poles(z)
    n = jnp.maximum(0, jnp.ceil(0.5 - jnp.real(z)).astype(np.int32))

    def body(state):
        k, total = state
        zk = jnp.where(k < n, z + k.astype(z.dtype), jnp.ones_like(z))
        return k + 1, total + jnp.log(zk)

    _, total = lax.while_loop(lambda s: jnp.any(s[0] < n), body,
                              (np.int32(0), jnp.zeros_like(z)))
    result = _complex_loggamma_lanczos(z + n.astype(z.dtype)) - total
    return jnp.where(bad, np.array(complex(np.nan, np.nan), z.dtype), result)


@eager
def loggamma(x):
    """The principal branch of log(gamma(x)); NaN for real x < 0."""
    x, = promote_inexact("loggamma", x)
    if _is_complex(x):
        return _complex_loggamma(x)
    return jnp.where(x >= 0, lax.lgamma(x), np.nan)  # (SciPy's inf at 0; JAX's NaN)


@eager
def gamma(x):
    """The gamma function."""
    x, = promote_inexact("gamma", x)
    if _is_complex(x):
        bad, z = _complex_poles(x)
        return jnp.where(bad, np.array(complex(np.nan, np.nan), x.dtype),
                         jnp.exp(_complex_loggamma_lanczos(z)))
    return gammasgn(x) * lax.exp(lax.lgamma(x))


def _algdiv(a, b):
    """log(gamma(b) / gamma(a + b)) for b >= 8 (SciPy's cdflib algdiv), a <= b."""
    h = a / b
    c, x = h / (1 + h), 1 / (1 + h)  # (JAX takes x = h / (1 + h), against cdflib)
    d = b + (a - 0.5)
    x2 = x * x
    s = [1.0]
    for _ in range(5):
        s.append(1.0 + (x + x2 * s[-1]))
    t = (1.0 / b) ** 2
    w = 0.0
    for coef, sk in zip((-0.165322962780713e-02, 0.837308034031215e-03, -0.595202931351870e-03,
                         0.793650666825390e-03, -0.277777777760991e-02), s[:0:-1]):
        w = (w + coef * sk) * t
    w = (w + 0.833333333333333e-01) * (c / b)
    u = d * lax.log1p(a / b)
    v = a * (lax.log(b) - 1.0)
    return jnp.where(u <= v, (w - v) - u, (w - u) - v)


@eager
def betaln(a, b):
    """log|beta(a, b)|, accurate for large arguments (SciPy's cdflib algorithm)."""
    a, b = promote_inexact("betaln", a, b)
    a, b = jnp.minimum(a, b), jnp.maximum(a, b)
    small_b = lax.lgamma(a) + (lax.lgamma(b) - lax.lgamma(a + b))
    # (the asymptotic algdiv needs a > 0; JAX uses it for negative a too)
    return jnp.where((b < 8) | (a < 0), small_b, lax.lgamma(a) + _algdiv(a, b))


@eager
def beta(a, b):
    """The beta function gamma(a) gamma(b) / gamma(a + b)."""
    a, b = _real("beta", a, b)
    sign = gammasgn(a) * gammasgn(b) * gammasgn(a + b)
    return sign * lax.exp(betaln(a, b))


@eager
def betainc(a, b, x):
    """The regularized incomplete beta function I_x(a, b)."""
    a, b, x = _real("betainc", a, b, x)
    return lax.betainc(a, b, x)


@eager(static_argnames="exact")
def factorial(n, exact=False):
    """n! = gamma(n + 1) (0 for n < 0); exact=True is not supported (as in JAX)."""
    if exact:
        raise NotImplementedError("factorial with exact=True")
    n, = promote_inexact("factorial", n)
    return jnp.where(n < 0, 0, lax.exp(lax.lgamma(n + 1)))


@eager(static_argnames="repetition")
def comb(N, k, *, repetition=False):
    """The number of combinations of N things taken k at a time (with repetition: of
    N + k - 1); 0 outside 0 <= k <= N."""
    N, k = promote_inexact("comb", N, k)
    if repetition:
        return jnp.where((k == 0) & (N >= 0), 1.0, comb(N + k - 1, k))
    ok = (k <= N) & (N >= 0) & (k >= 0)
    N, k = jnp.where(ok, N, 0.0), jnp.where(ok, k, 0.0)
    result = lax.exp(lax.lgamma(N + 1) - lax.lgamma(k + 1) - lax.lgamma(N + 1 - k))
    return jnp.where(ok, result, 0.0)


@eager(static_argnums=1)
def multigammaln(a, d):
    """The log of the multivariate gamma function of dimension d (a concrete integer)."""
    d = concrete_or_error(d, "d argument of multigammaln").__index__()
    a, d_ = promote_inexact("multigammaln", a, d)
    constant = 0.25 * d_ * (d_ - 1) * np.log(np.pi)
    b = jnp.arange(d, dtype=d_.dtype) / 2
    return jnp.sum(lax.lgamma(jnp.expand_dims(a, -1) - b), axis=-1) + constant


@custom_jvp
def _poch(z, m):
    # (a ratio of gamma functions, through their logs: each one alone overflows early)
    ratio = gammasgn(z + m) * gammasgn(z) * lax.exp(lax.lgamma(z + m) - lax.lgamma(z))
    return jnp.where(m == 0.0, jnp.ones_like(z), ratio)


_poch.defjvps(lambda t, ans, z, m: (lax.digamma(z + m) - lax.digamma(z)) * ans * t,
              lambda t, ans, z, m: lax.digamma(z + m) * ans * t)


@eager
def poch(z, m):
    """The Pochhammer symbol (rising factorial) gamma(z + m) / gamma(z)."""
    z, m = _real("poch", z, m)
    return _poch(z, m)


@eager
def digamma(x):
    """The digamma function psi(x) = d log(gamma(x)) / dx."""
    x, = promote_inexact("digamma", x)
    return lax.digamma(x)


@eager
def polygamma(n, x):
    """The n-th derivative of digamma; n must be of an integer dtype."""
    if not dtypes.issubdtype(dtypes.result_type(n), np.integer):
        raise ValueError(f"Argument `n` to polygamma must be of integer type. Got dtype "
                         f"{dtypes.result_type(n)}.")
    n, x = _real("polygamma", n, x)
    return lax.polygamma(n, x)


@eager
def gammainc(a, x):
    """The regularized lower incomplete gamma function P(a, x)."""
    a, x = promote_inexact("gammainc", a, x)
    return lax.igamma(a, x)


@eager
def gammaincc(a, x):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    a, x = promote_inexact("gammaincc", a, x)
    return lax.igammac(a, x)


_BERNOULLI_COEFS = [  # (2k)! / B_2k, the Euler-Maclaurin corrections of zeta
    12, -720, 30240, -1209600, 47900160, -1307674368000 / 691, 74724249600,
    -10670622842880000 / 3617, 5109094217170944000 / 43867,
    -802857662698291200000 / 174611, 14101100039391805440000 / 77683,
    -1693824136731743669452800000 / 236364091, 186134520519971831808000000 / 657931,
    -37893265687455865519472640000000 / 3392780147,
    759790291646040068357842010112000000 / 1723168255201,
    -134196726836183700385281186201600000000 / 7709321041217]


def _zeta_series(s, a):
    """The Euler-Maclaurin sum of zeta(s, a): what JAX differentiates for zeta's jvp."""
    dtype = s.dtype
    n = 8 if dtype == np.float32 else 16
    k = np.arange(n, dtype=dtype)
    total = jnp.sum((a[..., None] + k) ** -s[..., None], -1)
    integral = (a + n) ** (1 - s) / (s - 1)
    t0 = (a + n) ** -s
    m = np.arange(2 * n, dtype=dtype)
    t1 = jnp.cumprod((s[..., None] + m) / (a[..., None] + n), -1)[..., ::2]
    t1 = jnp.clip(t1, max=dtypes.finfo(dtype).max) / np.array(_BERNOULLI_COEFS[:n], dtype)
    return total + integral + t0 * (0.5 + t1.sum(-1))


@custom_jvp
def _zeta(x, q):
    return lax.zeta(x, q)


_zeta.defjvp(lambda primals, tangents: _jvp(_zeta_series, primals, tangents))


@eager
def zeta(x, q=None):
    """The Hurwitz zeta function sum_k (k + q)^-x (q is required, as in JAX)."""
    if q is None:
        raise NotImplementedError("Riemann zeta function not implemented; pass q != None to "
                                  "compute the Hurwitz Zeta function.")
    x, q = _real("zeta", x, q)
    return _zeta(x, q)


# ---------------------------------------------------------------------------------------
# error functions and the normal distribution

@eager
def erf(x):
    """The error function."""
    x, = promote_inexact("erf", x)
    return lax.erf(x)


@eager
def erfc(x):
    """The complementary error function 1 - erf(x)."""
    x, = promote_inexact("erfc", x)
    return lax.erfc(x)


@eager
def erfinv(x):
    """The inverse of erf."""
    x, = promote_inexact("erfinv", x)
    return lax.erf_inv(x)


_WOFZ_L = 4.756828460010884
_WOFZ_C = [  # Weideman's rational approximation of the Faddeeva function, N = 32
    -1.3034426067909105e-12, 3.741183837373847e-12, 8.030427700497756e-12,
    -2.154359355749088e-11, -5.544244996323793e-11, 1.165824698850374e-10,
    4.1537441121999766e-10, -5.231020211492061e-10, -3.2080151339721323e-09,
    8.124886421653591e-10, 2.3797556530014025e-08, 2.2930438438915445e-08,
    -1.4813078929137642e-07, -4.1840763750512053e-07, 4.2558331397138446e-07,
    4.401531731283225e-06, 6.821031944357515e-06, -2.1409619201999998e-05,
    -0.0001307544925457942, -0.00024532980270038237, 0.00039259136070109705,
    0.004519541105349309, 0.0190061557848455, 0.05730440352983728, 0.14060716226893755,
    0.2954445107150874, 0.5460139720639338, 0.9019254893648001, 1.345544169234545,
    1.8256696296324815, 2.2635372999002676, 2.5722534081245696]


@custom_jvp
def _wofz(z):
    upper = jnp.imag(z) >= 0
    z_up = jnp.where(upper, z, -z)
    iz = 1j * z_up
    denom = _WOFZ_L - iz
    w = (2 * _poly(_WOFZ_C, (_WOFZ_L + iz) / denom) / (denom * denom)
         + 1 / (np.sqrt(np.pi) * denom))
    return jnp.where(upper, w, 2 * jnp.exp(-z * z) - w)


_wofz.defjvps(lambda t, ans, z: t * (-2 * z * ans + 2j / np.sqrt(np.pi)))


@eager
def wofz(z):
    """The Faddeeva function exp(-z^2) erfc(-iz)."""
    z, = promote_inexact("wofz", z)
    if not _is_complex(z):
        z = z.astype(np.complex128 if z.dtype == np.float64 else np.complex64)
    return _wofz(z)


_ERFCX_ASYMPTOTIC = [7918.06640625, -1055.7421875, 162.421875, -29.53125, 6.5625, -1.875,
                     0.75, -0.5, 1.0]


def _erfcx_impl(x):
    terms = 9 if x.dtype == np.float64 else 5
    large = x > np.sqrt(np.log(dtypes.finfo(x.dtype).max))
    safe_x = jnp.where(large, 1.0, x)
    direct = lax.exp(safe_x * safe_x) * lax.erfc(safe_x)
    asymptotic = _poly(_ERFCX_ASYMPTOTIC[-terms:], 1.0 / (x * x)) / (x * np.sqrt(np.pi))
    return jnp.where(large, asymptotic, direct)


@custom_jvp
def _erfcx(x):
    return _in_float32(_erfcx_impl, x)


_erfcx.defjvps(lambda t, ans, x: t * (2 * x * ans - 2 / np.sqrt(np.pi)))


@eager
def erfcx(x):
    """The scaled complementary error function exp(x^2) erfc(x)."""
    x, = promote_inexact("erfcx", x)
    if _is_complex(x):
        return _wofz(1j * x)
    return _erfcx(x)


_DAWSN = [  # Cephes' rational approximations on [0, 3.25), [3.25, 6.25), [6.25, inf)
    ([1.13681498971755972054e-11, 8.49262267667473811108e-10, 1.94434204175553054283e-8,
      9.53151741254484363489e-7, 3.07828309874913200438e-6, 3.52513368520288738649e-4,
      -8.50149846724410912031e-4, 4.22618223005546594270e-2, -9.17480371773452345351e-2,
      9.99999999999999994612e-1],
     [2.40372073066762605484e-11, 1.48864681368493396752e-9, 5.21265281010541664570e-8,
      1.27258478273186970203e-6, 2.32490249820789513991e-5, 3.25524741826057911661e-4,
      3.48805814657162590916e-3, 2.79448531198828973716e-2, 1.58874241960120565368e-1,
      5.74918629489320327824e-1, 1.00000000000000000539e0]),
    ([5.08955156417900903354e-1, -2.44754418142697847934e-1, 9.41512335303534411857e-2,
      -2.18711255142039025206e-2, 3.66207612329569181322e-3, -4.23209114460388756528e-4,
      3.59641304793896631888e-5, -2.14640351719968974225e-6, 9.10010780076391431042e-8,
      -2.40274520828250956942e-9, 3.59233385440928410398e-11],
     [1.00000000000000000000e0, -6.31839869873368190192e-1, 2.36706788228248691528e-1,
      -5.31806367003223277662e-2, 8.48041718586295374409e-3, -9.47996768486665330168e-4,
      7.81025592944552338085e-5, -4.55875153252442634831e-6, 1.89100358111421846170e-7,
      -4.91324691331920606875e-9, 7.18466403235734541950e-11]),
    ([-5.90592860534773254987e-1, 6.29235242724368800674e-1, -1.72858975380388136411e-1,
      1.64837047825189632310e-2, -4.86827613020462700845e-4],
     [1.00000000000000000000e0, -2.69820057197544900361e0, 1.73270799045947845857e0,
      -3.93708582281939493482e-1, 3.44278924041233391079e-2, -9.73655226040941223894e-4])]


def _dawsn_impl(x):
    ax = lax.abs(x)
    (an, ad), (bn, bd), (cn, cd) = _DAWSN
    in1, in2 = ax < 3.25, (ax >= 3.25) & (ax < 6.25)
    a1 = jnp.where(in1, ax, 1.0)
    small = a1 * _poly(an, a1 * a1) / _poly(ad, a1 * a1)
    t = 1.0 / (ax * ax)

    def tail(inside, num, den):
        t_, a_ = jnp.where(inside, t, 1.0), jnp.where(inside, ax, 1.0)
        return 0.5 / a_ * (1.0 + t_ * _poly(num, t_) / _poly(den, t_))

    result = jnp.where(in1, small, jnp.where(in2, tail(in2, bn, bd), tail(ax >= 6.25, cn, cd)))
    return jnp.sign(x) * result


@custom_jvp
def _dawsn(x):
    return _in_float32(_dawsn_impl, x)


_dawsn.defjvps(lambda t, ans, x: t * (1.0 - 2.0 * x * ans))


@eager
def dawsn(x):
    """Dawson's integral exp(-x^2) int_0^x exp(t^2) dt."""
    x, = _real("dawsn", x)
    return _dawsn(x)


def _ndtr(x):
    half_sqrt_2 = 0.5 * np.sqrt(2.0)
    w = x * half_sqrt_2
    z = lax.abs(w)
    y = jnp.where(z < half_sqrt_2, 1.0 + lax.erf(w),
                  jnp.where(w > 0, 2.0 - lax.erfc(z), lax.erfc(z)))
    return 0.5 * y


@eager
def ndtr(x):
    """The standard normal CDF (float32 or float64 x)."""
    return _ndtr(_float32_or_64("ndtr", x))


_NDTRI = [  # Cephes' rational approximations of the normal quantile
    [-5.99633501014107895267e1, 9.80010754185999661536e1, -5.66762857469070293439e1,
     1.39312609387279679503e1, -1.23916583867381258016e0],
    [1.0, 1.95448858338141759834e0, 4.67627912898881538453e0, 8.63602421390890590575e1,
     -2.25462687854119370527e2, 2.00260212380060660359e2, -8.20372256168333339912e1,
     1.59056225126211695515e1, -1.18331621121330003142e0],
    [4.05544892305962419923e0, 3.15251094599893866154e1, 5.71628192246421288162e1,
     4.40805073893200834700e1, 1.46849561928858024014e1, 2.18663306850790267539e0,
     -1.40256079171354495875e-1, -3.50424626827848203418e-2, -8.57456785154685413611e-4],
    [1.0, 1.57799883256466749731e1, 4.53907635128879210584e1, 4.13172038254672030440e1,
     1.50425385692907503408e1, 2.50464946208309415979e0, -1.42182922854787788574e-1,
     -3.80806407691578277194e-2, -9.33259480895457427372e-4],
    [3.23774891776946035970e0, 6.91522889068984211695e0, 3.93881025292474443415e0,
     1.33303460815807542389e0, 2.01485389549179081538e-1, 1.23716634817820021358e-2,
     3.01581553508235416007e-4, 2.65806974686737550832e-6, 6.23974539184983293730e-9],
    [1.0, 6.02427039364742014255e0, 3.67983563856160859403e0, 1.37702099489081330271e0,
     2.16236993594496635890e-1, 1.34204006088543189037e-2, 3.28014464682127739104e-4,
     2.89247864745380683936e-6, 6.79019408009981274425e-9]]


@eager
def ndtri(p):
    """The inverse of ndtr: the standard normal quantile (float32 or float64 p)."""
    p = _float32_or_64("ndtri", p)
    p0, q0, p1, q1, p2, q2 = _NDTRI
    mcp = jnp.where(p > -np.expm1(-2.0), 1.0 - p, p)  # maybe the complement
    mcp = jnp.where(mcp == 0.0, 0.5, mcp)
    w = mcp - 0.5
    ww = w * w
    x_big_p = (w + w * ww * (_poly(p0, ww) / _poly(q0, ww))) * -np.sqrt(2.0 * np.pi)
    z = lax.sqrt(-2.0 * lax.log(mcp))
    first = z - lax.log(z) / z
    x_small_p = first - _poly(p2, 1 / z) / _poly(q2, 1 / z) / z
    x_other = first - _poly(p1, 1 / z) / _poly(q1, 1 / z) / z
    x = jnp.where(mcp > np.exp(-2.0), x_big_p, jnp.where(z >= 8.0, x_small_p, x_other))
    x = jnp.where(p > 1.0 - np.exp(-2.0), x, -x)
    return jnp.where(p == 0.0, -np.inf, jnp.where(p == 1.0, np.inf, x))


def _log_ndtr_lower(x, series_order):
    """log(ndtr(x)) for very negative x: the asymptotic series of erfc."""
    x2 = x * x
    log_scale = -0.5 * x2 - lax.log(-x) - 0.5 * np.log(2.0 * np.pi)
    even, odd, x2n = 0.0, 0.0, x2
    for n in range(1, series_order + 1):
        y = float(math.prod(range(2 * n - 1, 1, -2))) / x2n  # (2n - 1)!! / x^2n
        odd, even = (odd + y, even) if n % 2 else (odd, even + y)
        x2n = x2n * x2
    return log_scale + lax.log(1.0 + even - odd + jnp.zeros_like(x))


@functools.partial(custom_jvp, nondiff_argnums=(1,))
def _log_ndtr(x, series_order):
    lower = -20.0 if x.dtype == np.float64 else -10.0
    # log1p(-ndtr(-x)) for x > 0, where the log of ndtr(x) (rounded near 1) loses the tail
    upper_tail = lax.log1p(-_ndtr(-jnp.maximum(x, 0.0)))
    return jnp.where(x > 0, upper_tail, jnp.where(
        x > lower, lax.log(_ndtr(jnp.maximum(x, lower))),
        _log_ndtr_lower(jnp.minimum(x, lower), series_order)))


@_log_ndtr.defjvp
def _log_ndtr_jvp(series_order, primals, tangents):
    (x,), (t,) = primals, tangents
    ans = _log_ndtr(x, series_order)
    return ans, t * lax.exp(-0.5 * x * x - 0.5 * np.log(2 * np.pi) - ans)


@eager(static_argnames="series_order")
def log_ndtr(x, series_order=3):
    """log(ndtr(x)), accurate far into both tails (an asymptotic series of `series_order`
    terms, 0 to 30, below -20 in float64 or -10 in float32; log1p(-ndtr(-x)) above 0)."""
    if not isinstance(series_order, int):
        raise TypeError(f"log_ndtr: series_order must be a Python integer, got "
                        f"{series_order!r}")
    if not 0 <= series_order <= 30:
        raise ValueError(f"log_ndtr: series_order must be between 0 and 30, got "
                         f"{series_order}")
    return _log_ndtr(_float32_or_64("log_ndtr", x), series_order)


# ---------------------------------------------------------------------------------------
# logistic, entropies, Box-Cox

@custom_jvp
def _logit(x):
    return lax.log(x / (1 - x))


_logit.defjvps(lambda t, ans, x: t / (x * (1 - x)))


@eager
def logit(x):
    """log(x / (1 - x)), the inverse of expit."""
    x, = promote_inexact("logit", x)
    return _logit(x)


@eager
def expit(x):
    """The logistic sigmoid 1 / (1 + exp(-x))."""
    x, = promote_inexact("expit", x)
    return lax.logistic(x)


@custom_jvp
def _xlogy(x, y):
    return jnp.where((x != 0) | jnp.isnan(y), x * lax.log(y), jnp.zeros_like(x))


@custom_jvp
def _xlog1py(x, y):
    return jnp.where((x != 0) | jnp.isnan(y), x * lax.log1p(y), jnp.zeros_like(x))


# JAX's rules: the derivative of the formula, so that at x = 0 it is log(y) (not 0)
_xlogy.defjvp(lambda p, t: (_xlogy(*p), t[0] * lax.log(p[1]) + t[1] * p[0] / p[1]))
_xlog1py.defjvp(lambda p, t: (_xlog1py(*p), t[0] * lax.log1p(p[1]) + t[1] * p[0] / (1 + p[1])))


@eager
def xlogy(x, y):
    """x * log(y), 0 where x == 0 (unless y is NaN)."""
    x, y = promote_inexact("xlogy", x, y)
    return _xlogy(x, y)


@eager
def xlog1py(x, y):
    """x * log1p(y), 0 where x == 0 (unless y is NaN)."""
    x, y = promote_inexact("xlog1py", x, y)
    return _xlog1py(x, y)


@custom_jvp
def _xlogx(x):
    return _xlogy(x, x)


_xlogx.defjvp(lambda p, t: (_xlogx(p[0]), t[0] * (lax.log(p[0]) + 1)))


@eager
def entr(x):
    """The elementwise entropy -x log(x): 0 at 0, -inf for x < 0."""
    x, = _real("entr", x)
    return jnp.where(x < 0, -np.inf, -_xlogx(x))


def _rel_entr(p, q):
    both_positive = (p > 0) & (q > 0)
    safe_p, safe_q = jnp.where(both_positive, p, 1), jnp.where(both_positive, q, 1)
    value = _xlogx(safe_p) - _xlogy(safe_p, safe_q)
    value = jnp.where(both_positive, value, jnp.where((p == 0) & (q >= 0), 0.0, np.inf))
    return jnp.where(jnp.isnan(p) | jnp.isnan(q), np.nan, value)


@eager
def rel_entr(p, q):
    """The elementwise relative entropy p log(p / q) (0 at p = 0 <= q, inf elsewhere off
    the domain p, q > 0)."""
    p, q = _real("rel_entr", p, q)
    return _rel_entr(p, q)


@eager
def kl_div(p, q):
    """The elementwise Kullback-Leibler divergence p log(p / q) - p + q."""
    p, q = _real("kl_div", p, q)
    r = _rel_entr(p, q)
    return jnp.where(r == np.inf, r, r - p + q)


def _boxcox(op, x, lmbda, log):
    x, lmbda = promote_inexact(op, x, lmbda)
    zero = lmbda == 0
    safe = jnp.where(zero, jnp.ones_like(lmbda), lmbda)
    log_x = log(x)
    return jnp.where(zero, log_x, jnp.expm1(safe * log_x) / safe)


@eager
def boxcox(x, lmbda):
    """The Box-Cox transformation ((x^lmbda - 1) / lmbda, log(x) at lmbda = 0)."""
    return _boxcox("boxcox", x, lmbda, jnp.log)


@eager
def boxcox1p(x, lmbda):
    """The Box-Cox transformation of 1 + x."""
    return _boxcox("boxcox1p", x, lmbda, jnp.log1p)


@eager(static_argnames="axis")
def softmax(x, /, *, axis=None):
    """exp(x) / sum(exp(x)) over `axis` (default: all axes, as SciPy)."""
    return _nn_softmax(x, axis=axis)


@eager(static_argnames="axis")
def log_softmax(x, /, *, axis=None):
    """log(softmax(x)) over `axis` (default: all axes, as SciPy)."""
    return _nn_log_softmax(x, axis=axis)


# ---------------------------------------------------------------------------------------
# Bessel functions

@eager
def i0e(x):
    """The exponentially scaled modified Bessel function of order 0, exp(-|x|) i0(x)."""
    x, = promote_inexact("i0e", x)
    return lax.bessel_i0e(x)


@eager
def i0(x):
    """The modified Bessel function of order 0."""
    x, = promote_inexact("i0", x)
    return lax.exp(lax.abs(x)) * lax.bessel_i0e(x)


@eager
def i1e(x):
    """The exponentially scaled modified Bessel function of order 1, exp(-|x|) i1(x)."""
    x, = promote_inexact("i1e", x)
    return lax.bessel_i1e(x)


@eager
def i1(x):
    """The modified Bessel function of order 1."""
    x, = promote_inexact("i1", x)
    return lax.exp(lax.abs(x)) * lax.bessel_i1e(x)


@eager(static_argnames=("v", "n_iter"))
def bessel_jn(z, *, v, n_iter=50):
    """The Bessel functions of the first kind J_0(z) ... J_v(z), stacked on a new leading
    axis: Miller's backward recurrence from order n_iter (accurate for |z| well below
    n_iter), normalized by J_0 + 2 J_2 + 2 J_4 + ... = 1."""
    z, = _real("bessel_jn", z)
    v = operator.index(v)
    n_iter = operator.index(n_iter)
    big = 2.0 ** 60  # the recurrence grows fast for small z: rescale before it overflows

    def step(carry, k):
        f0, f1, total, rescales = carry
        f = 2.0 * (k + 1.0) * f1 / z - f0
        total = jnp.where(k % 2 == 0, total + 2.0 * f, total)
        scale = jnp.where(jnp.abs(f) > big, 1 / big, 1.0)
        return (f1 * scale, f * scale, total * scale, rescales + (scale < 1)), (f, rescales)

    zeros = jnp.zeros_like(z)
    init = (zeros, zeros + 1e-16, zeros, jnp.zeros(z.shape, np.int32))
    (_, _, total, rescales), (f, count) = lax.scan(
        step, init, lax.iota(z.dtype, n_iter + 1), reverse=True)
    # f[k] is in the scale of its step; bring each to the final one
    j = f * jnp.exp2((60.0 * (count - rescales)).astype(z.dtype))
    j = j[:v + 1] / (total - j[0])
    # below 1e-8 (and at 0) the series' first terms (z/2)^k / k! (1 - (z/2)^2 / (k + 1))
    k = np.arange(v + 1.0).reshape((-1,) + (1,) * z.ndim)
    with np.errstate(over="ignore"):
        k_factorial = np.cumprod(np.maximum(k, 1), axis=0).astype(z.dtype)
    half = z / 2
    series = half ** k.astype(z.dtype) / k_factorial * (1 - half * half / (k + 1))
    j = jnp.where(jnp.abs(z) > n_iter, np.nan, j)  # the recurrence is no longer accurate
    return jnp.where(jnp.abs(z) < 1e-8, series, j)


# ---------------------------------------------------------------------------------------
# exponential, sine and cosine integrals, Spence's function

_EXPI = [  # Cephes' rational approximations of Ei on (0, 2], (2, 4], ... (32, 64], (64, inf)
    ([-5.350447357812543, 218.50491688166133, -4176.572384826693, 55411.76756393557,
      -331338.13311781443, 1592627.1633849454],
     [1.0, -52.505479591128626, 1259.6161867867906, -17565.495819735348, 149306.2117002726,
      -729494.9239640528, 1592627.1633849454]),
    ([0.019818085032596897, -1.2716456259849176, -2.0881603356812284, 2.7555445091879367,
      -0.44095070487016, 0.046656238059358916, -0.0015450426796734852, 7.059980605299618e-05],
     [1.0, 1.4764986709149215, 0.5629177174822436, 0.16990178978793072, 0.02291647179034212,
      0.0044501504397287525, 0.00017274396122065214, 3.953167195549672e-05]),
    ([-1.3732153758712087, -0.7084559133740839, 1.580806855547941, -0.2601500427425623,
      0.029946746941137137, -0.001038086040188744, 4.371064420753005e-05,
      2.141783679522603e-06],
     [1.0, 0.8585231423622028, 0.4483285822873995, 0.07687932158124476, 0.024498682410218877,
      0.0008832165941927797, 0.00045909522995113536, -4.729848351866523e-06,
      2.66519553739071e-06]),
    ([-2.1069346016919166, 1.7327338696646881, -0.2423619178935842, 0.02322724180937566,
      0.00023728804404931798, -8.343219561192553e-05, 1.3634087956052505e-05,
      -3.655412321999254e-07, 1.4649417339759612e-08, 6.17640786371036e-10],
     [1.0, -0.2298062239901678, 0.11050770414740378, -0.015665429666307924,
      0.002761106850817353, -0.00020891480122840484, 1.7085289388076754e-05,
      -4.4593117963566865e-07, 1.3946349303538475e-08, 6.150865933977338e-10]),
    ([-0.24581193676740204, -0.14833822533220778, 0.07248291795735552, -0.013483156873809405,
      0.001342775069788637, -7.942465637159712e-05, 2.644179518984236e-06,
      -4.239473659313765e-08],
     [1.0, -0.10442259084438711, -0.26764531281014026, 0.09695000254621984,
      -0.01601745692712991, 0.001496414899205908, -8.462452563778485e-05,
      2.7289384034767266e-06, -4.239462431819542e-08]),
    ([0.12125611181054567, -0.5823133179043894, 0.2348887314557017, -0.030400343181132484,
      0.0015100821468651906, -2.5231370954995714e-05],
     [1.0, -1.002252150365854, 0.2928709694872224, -0.03337004338674008,
      0.0015605448811273888, -2.5231370936032347e-05]),
    ([-0.7657847078286127, 0.6886192415566705, -0.2132598113545206, 0.033461075523841935,
      -0.003076541477344756, 0.00017471193164549074, -6.1037116822741705e-06,
      1.218032765428652e-07, -1.0860761027932903e-09],
     [1.0, -1.8888028686623086, 1.066691687211409, -0.27519159823063805, 0.039308526882338234,
      -0.003414684558602365, 0.00018668443707035555, -6.345146083130515e-06,
      1.239754287483207e-07, -1.0860761027931265e-09])]


def _expi_positive(x):
    (num, den), *rest = _EXPI
    result = x * _poly(num, x) / _poly(den, x) + np.euler_gamma + jnp.log(x)
    for i, (num, den) in enumerate(rest, 1):  # x in (2^i, 2^(i+1)]: Ei(x) x e^-x in 1/x
        w = 1.0 / x
        result = jnp.where(x > 2.0 ** i,  # exp(x) / x, without overflowing first
                           jnp.exp(x - jnp.log(x)) * (w * _poly(num, w) / _poly(den, w) + 1.0),
                           result)
    return result


@custom_jvp
def _expi(x):
    return jnp.select([x < 0, x == 0, x == np.inf], [-exp1(-x), -np.inf, np.inf],
                      _expi_positive(x))


_expi.defjvps(lambda t, ans, x: jnp.exp(x) / x * t)


@eager
def expi(x):
    """The exponential integral Ei(x)."""
    x, = _real("expi", x)
    return _expi(x)


def _expn_series(n, x):
    """E_n(x) for x <= 1: its power series (Cephes' expn)."""
    eps = dtypes.finfo(x.dtype).eps
    psi = lax.while_loop(lambda s: s[0] < n, lambda s: (s[0] + 1, s[1] + 1 / s[0]),
                         (jnp.ones_like(x), -np.euler_gamma - jnp.log(x)))[1]

    def body(s):
        xk, yk, pk, ans, _ = s
        xk, pk = xk + 1, pk + 1
        yk = yk * -x / xk
        ans = ans + jnp.where(pk != 0, yk / pk, 0.0)
        return xk, yk, pk, ans, jnp.where(ans != 0, jnp.abs(yk / ans), 1.0)

    one = jnp.ones_like(x)
    init = (0 * one, one, 1 - n, jnp.where(n == 1, 0.0, 1 / (1 - jnp.where(n == 1, 2, n))),
            np.inf * one)
    ans = lax.while_loop(lambda s: (x > 0) & (s[4] > eps), body, init)[3]
    return (-x) ** (n - 1) * psi / jnp.exp(lax.lgamma(n)) - ans


def _expn_fraction(n, x):
    """E_n(x) for x > 1: its continued fraction (Cephes' expn)."""
    eps, big = dtypes.finfo(x.dtype).eps, 1.44115188075855872e17

    def body(s):
        k, pkm2, qkm2, pkm1, qkm1, ans, _ = s
        k = k + 1
        odd = k % 2 == 1
        yk, xk = jnp.where(odd, 1.0, x), jnp.where(odd, n + (k - 1) / 2, k / 2)
        pk, qk = pkm1 * yk + pkm2 * xk, qkm1 * yk + qkm2 * xk
        r = jnp.where(qk != 0, pk / qk, ans)
        t = jnp.where(qk != 0, jnp.abs((ans - r) / r), 1.0)
        scale = jnp.where(jnp.abs(pk) > big, 1 / big, 1.0)
        return k, pkm1 * scale, qkm1 * scale, pk * scale, qk * scale, r, t

    one = jnp.ones_like(x)
    init = (one, one, x, one, x + n, 1 / (x + n), np.inf * one)
    ans = lax.while_loop(lambda s: (s[0] < 5000) & (s[6] > eps), body, init)[5]
    return ans * jnp.exp(-x)


def _expn_large_n(n, x):
    """E_n(x) for n >= 5000: the asymptotic expansion in 1/n."""
    xk = x + n
    yk = 1 / (xk * xk)
    ans = yk * n * (6 * x * x - 8 * n * x + n * n)
    ans = yk * (yk * (ans + n * (n - 2 * x)) + n)
    return (ans + 1) * jnp.exp(-x) / xk


def _expn_one(n, x):
    usable = (n >= 0) & (n < 5000) & (x > 0)
    safe = lambda x0: jnp.where(usable & ((x > 1) == (x0 > 1)), x, x0)  # noqa: E731
    n_safe = jnp.where(usable, n, 1.0)  # the loops' inputs, in their branch's range
    return jnp.select(
        [(n < 0) | (x < 0) | jnp.isnan(x), (x == 0) & (n < 2), x == 0, x == np.inf, n == 0,
         n >= 5000, x > 1],
        [np.nan, np.inf, 1 / (n - 1), 0.0, jnp.exp(-x) / x,  # (JAX has 1 / n at x = 0)
         _expn_large_n(n, x), _expn_fraction(n_safe, safe(2.0))],
        _expn_series(n_safe, safe(0.5)))


@custom_jvp
def _expn(n, x):
    return jnp.vectorize(_expn_one)(n, x)


_expn.defjvps(None, lambda t, ans, n, x: -t * _expn(n - 1, x))


@eager
def expn(n, x):
    """The generalized exponential integral E_n(x) = int_1^inf exp(-x t) / t^n dt."""
    n, x = _real("expn", n, x)
    return _expn(n, x)


@eager
def exp1(x):
    """The exponential integral E_1(x)."""
    x, = _real("exp1", x)
    return _expn(jnp.ones_like(x), x)


_SICI_SMALL = [  # Cephes: Si(x) / x and (Ci(x) - gamma - log x) / x^2 in x^2, x <= 4
    [-8.391678279103039e-11, 4.625917144270128e-08, -9.757593038436328e-06,
     0.0009769454381704354, -0.04134703162294066, 1.0],
    [2.0326926619595193e-12, 1.279978911799433e-09, 4.418278428012189e-07,
     9.964121220438756e-05, 0.01420852393261499, 1.0],
    [2.0252400238910228e-11, -1.3524950491579076e-08, 3.593250514199931e-06,
     -0.0004740072068734079, 0.028915965260755523, -1.0],
    [4.077460400618806e-12, 3.067809975818878e-09, 1.2321035568588342e-06,
     0.00031744202477503275, 0.051002805623644606, 4.0]]
_SICI_LARGE = [  # Cephes: the auxiliary functions f and g in 1/x^2, on (4, 8] and (8, inf)
    [4.236128628922166, 5.4593771716181285, 1.6208328770153833, 0.16700661183132304,
     0.006810201324725182, 0.00010893658065032867, 5.489002234213736e-07],
    [1.0, 8.16496634205391, 7.308288225055645, 1.867922579501842, 0.1787920529631499,
     0.007017106683227897, 0.00011003435715391573, 5.489002527562557e-07],
    [0.08710016989731142, 0.6113791099522193, 0.3971802963923375, 0.07485277376284691,
     0.005388686814621773, 0.00016199979459893403, 1.9796387414096365e-06,
     7.825790407440903e-09],
    [1.0, 1.6440220241335535, 0.666296701268988, 0.09887717612776888, 0.006223963454417684,
     0.0001732210814741771, 2.0265918208634397e-06, 7.825792189335346e-09],
    [0.4558808734704653, 0.7137152741001467, 0.16030015822231947, 0.01160642294081244,
     0.00034955644244785906, 4.8621543082645475e-06, 3.200927900910049e-08,
     9.41779576128513e-11, 9.70507110881952e-14],
    [1.0, 0.9174636118736841, 0.17868554533207454, 0.012225359477197129,
     0.00035869648188185157, 4.924350643178815e-06, 3.21956939101046e-08,
     9.437205903502767e-11, 9.70507110881952e-14],
    [0.6973599534432762, 0.33041097930563207, 0.03848787676499743, 0.001717182390523479,
     3.4894116550227946e-05, 3.471311670841167e-07, 1.7040445278204452e-09,
     3.859459254302766e-12, 3.1404009894636335e-15],
    [1.0, 1.6854889881101165, 0.48785225869530496, 0.04679131942596258, 0.0019028442667439953,
     3.684755044425611e-05, 3.5704322344374083e-07, 1.7269374896631615e-09,
     3.878301660239547e-12, 3.1404009894636335e-15]]


@custom_jvp
def _sici(x):
    ax = jnp.abs(x)
    sn, sd, cn, cd = _SICI_SMALL
    t = ax * ax
    si_small = jnp.where(ax == 0, 0.0, ax * _poly(sn, t) / _poly(sd, t))
    ci_small = jnp.where(ax == 0, -np.inf,
                         np.euler_gamma + jnp.log(ax) + t * _poly(cn, t) / _poly(cd, t))
    z = 1.0 / t
    fn4, fd4, gn4, gd4, fn8, fd8, gn8, gd8 = _SICI_LARGE
    below8 = ax < 8.0
    f = jnp.where(below8, _poly(fn4, z) / (ax * _poly(fd4, z)),
                  _poly(fn8, z) / (ax * _poly(fd8, z)))
    g = jnp.where(below8, z * _poly(gn4, z) / _poly(gd4, z), z * _poly(gn8, z) / _poly(gd8, z))
    s, c = jnp.sin(ax), jnp.cos(ax)
    si_asymptotic, ci_asymptotic = np.pi / 2 - f * c - g * s, f * s - g * c
    si_far = jnp.where(ax == np.inf, np.pi / 2, np.pi / 2 - c / ax)
    ci_far = jnp.where(ax == np.inf, 0.0, s / ax)
    small, middle = ax <= 4, ax <= 1e9
    si = jnp.where(small, si_small, jnp.where(middle, si_asymptotic, si_far))
    ci = jnp.where(small, ci_small, jnp.where(middle, ci_asymptotic, ci_far))
    return jnp.sign(x) * si, jnp.where(jnp.isneginf(x), np.nan, ci)


@_sici.defjvp
def _sici_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return _sici(x), (jnp.sinc(x / np.pi) * t, jnp.cos(x) / x * t)


@eager
def sici(x):
    """The sine and cosine integrals (Si(x), Ci(x))."""
    x, = _real("sici", x)
    return _sici(x)


_SPENCE = [  # Cephes
    [4.6512858607399003e-05, 0.007315890452380947, 0.13384763957830903, 0.8796913117545303,
     2.7114985119655346, 4.256971560081218, 3.297713409852251, 1.0],
    [0.0006909904889125533, 0.02540437639325444, 0.2829748606025681, 1.4117259775183106,
     3.6380053334513707, 5.03278880143317, 3.547713409852251, 1.0]]


@custom_jvp
def _spence(x):
    above2 = x > 2.0
    y = jnp.where(above2, 1.0 / x, x)
    above, below = y > 1.5, y < 0.5
    w = jnp.where(above, 1.0 / y - 1.0, jnp.where(below, -y, y - 1.0))
    value = -w * _poly(_SPENCE[0], w) / _poly(_SPENCE[1], w)
    value = jnp.where(below, np.pi ** 2 / 6.0 - jnp.log(y) * jnp.log(1.0 - y) - value, value)
    value = jnp.where(above2 | above, -0.5 * jnp.log(y) ** 2 - value, value)
    return jnp.select([x < 0, x == 1, x == 0], [np.nan, 0.0, np.pi ** 2 / 6], value)


# (the derivative of the definition: the branches' formulas have NaN derivatives where
# they are not taken, which reverse mode would carry into the result)
_spence.defjvps(lambda t, ans, x: t * jnp.where(x == 1, -1.0, jnp.log(x) / (1 - x)))


@eager
def spence(x):
    """Spence's function (the dilogarithm) int_1^x log(t) / (1 - t) dt, x >= 0."""
    return _spence(_float32_or_64("spence", x))


def bernoulli(n):
    """The Bernoulli numbers B_0 ... B_n (n a concrete non-negative integer)."""
    n = concrete_or_error(n, "Argument n of bernoulli").__index__()
    if n < 0:
        raise ValueError(f"bernoulli: n must be a non-negative integer, got {n}")
    b = np.zeros(n + 1)
    b[:3] = [1, -1 / 2, 1 / 6][:n + 1]
    m = np.arange(4, n + 1, 2.0)  # B_m = (-1)^(m/2+1) 2 m! zeta(m) / (2 pi)^m
    q1 = 1.0 / np.pi ** 2 * np.cumprod(-(m - 1) * m / 4 / np.pi ** 2)
    with np.errstate(under="ignore"):  # zeta(m) - 1: a sum, and the integral of its tail
        tail = np.sum(np.arange(2, 1000.0)[:, None] ** -m, axis=0) + 999.5 ** (1 - m) / (m - 1)
    b[4::2] = q1 * (1 + tail)
    return jnp.asarray(b, dtype=dtypes.default_float())


# ---------------------------------------------------------------------------------------
# hypergeometric functions

def _hyp1f1_one(a, b, x):
    # Kummer's transformation 1F1(a; b; x) = e^x 1F1(b - a; b; -x) sums at |x|, without
    # cancellation (and makes the asymptotic series right for x -> -inf)
    negative = x < 0
    a1, ax = jnp.where(negative, b - a, a), jnp.abs(x)
    series = _sum_series(1.0, a1 / b * ax, lambda k: (a1 + k) / (b + k) * ax / (k + 1))
    asymptotic = _sum_series(1.0, (b - a1) * (1 - a1) / ax,
                             lambda k: (b - a1 + k) * (1 - a1 + k) / (k + 1) / ax)
    asymptotic = (gamma(b) / gamma(a1) * lax.exp(jnp.where(negative, 0.0, x))
                  * ax ** (a1 - b) * asymptotic)
    result = jnp.where(ax < 100, series * lax.exp(jnp.where(negative, x, 0.0)), asymptotic)
    which = ((a == 0) * 1 + ((a == b) & (a != 0)) * 2 + ((b == 0) & (a != 0)) * 3)
    return lax.select_n(which.astype(np.int32), result, jnp.ones_like(x), jnp.exp(x),
                        jnp.full_like(x, np.inf))


def _hyp1f1_dparam(a, b, x, param):
    """d 1F1 / d param: the series, each term weighted by the derivative of its log."""
    weight = ((lambda k: lax.digamma(a + k) - lax.digamma(a)) if param == "a" else
              (lambda k: lax.digamma(b) - lax.digamma(b + k)))
    return _sum_series(0.0, a / b * x, lambda k: (a + k) / (b + k) * x / (k + 1), weight)


@custom_jvp
def _hyp1f1(a, b, x):
    return jnp.vectorize(_hyp1f1_one)(a, b, x)


def _param_jvp(dparam, param):
    """The jvp contribution of a hypergeometric function's parameter `param`."""
    derivative = jnp.vectorize(functools.partial(dparam, param=param))
    return lambda t, ans, *args: derivative(*args) * t


_hyp1f1.defjvps(_param_jvp(_hyp1f1_dparam, "a"), _param_jvp(_hyp1f1_dparam, "b"),
                lambda t, ans, a, b, x: a / b * _hyp1f1(a + 1, b + 1, x) * t)


@eager
def hyp1f1(a, b, x):
    """The confluent hypergeometric function 1F1(a; b; x) (Kummer's M)."""
    a, b, x = _real("hyp1f1", a, b, x)
    return jnp.where(jnp.isnan(a + b + x), np.nan, _hyp1f1(a, b, x))


def _hyp2f1_series(a, b, c, x):
    return _sum_series(0.0, jnp.ones_like(x), lambda k: (a + k - 1) * (b + k - 1) / (c + k - 1)
                       / k * x)


def _hyp2f1_terminal(a, b, c, x, used):
    """The polynomial 2F1 when a or b is a non-positive integer (`used`: elsewhere the
    loop's bound is 0, so that no element runs it long)."""
    eps = dtypes.finfo(x.dtype).eps * 50
    swap = (b < a) & (jnp.abs(b - jnp.round(b)) < eps) & ~((c % 1 == 0) & (c <= 0) & (c > b))
    a, b = jnp.abs(jnp.where(swap, b, a)), jnp.where(swap, a, b)
    degree = jnp.where(used, a, 0.0)

    def body(s):
        i, total, term = s
        term = term * -(a - i + 1) / (c + i - 1) * (b + i - 1) / i * x
        return i + 1, total + term, term

    one = jnp.ones_like(x)
    return lax.while_loop(lambda s: s[0] < degree + 1, body, (one, one, one))[1]


def _hyp2f1_digamma_transform(a, b, c, x, used):
    """2F1 near x = 1 when c - a - b is an integer (Abramowitz and Stegun 15.3.10-12)."""
    eps = dtypes.finfo(x.dtype).eps
    d = c - a - b
    s = 1 - x
    rd = jnp.round(d)
    e = jnp.where(rd >= 0, d, -d)
    d1, d2 = jnp.where(rd >= 0, d, 0.0), jnp.where(rd >= 0, 0.0, d)
    ard = jnp.abs(rd)
    ax = jnp.log(s)
    psi = lax.digamma
    y = (psi(jnp.ones_like(x)) + psi(1.0 + e) - psi(a + d1) - psi(b + d1) - ax) / gamma(e + 1.0)
    p = (a + d1) * (b + d1) * s / gamma(e + 2.0)

    def body(state):
        p, _, t, y = state
        r = psi(1.0 + t) + psi(1.0 + t + e) - psi(a + t + d1) - psi(b + t + d1) - ax
        q = p * r
        p = p * s * (a + t + d1) / (t + 1.0) * (b + t + d1) / (t + 1.0 + e)
        return p, q, t + 1.0, y + q

    y = lax.while_loop(lambda st: used & (st[2] < 250) & (jnp.abs(st[1]) >= eps * jnp.abs(st[3])),
                       body, (p, y, jnp.ones_like(x), y))[3]

    def finite_sum(state):
        i, p, t, y1 = state
        p = p * s * (a + t + d2) * (b + t + d2) / (1.0 - e + t)
        return i + 1, p / (t + 1.0), t + 1.0, y1 + p / (t + 1.0)

    one = jnp.ones_like(x)
    terms = jnp.where(used, ard, 0.0)
    y1 = lax.while_loop(lambda st: st[0] < terms, finite_sum, (one, one, 0 * one, one))[3]
    gc = gamma(c)
    y1 = y1 * gamma(e) * gc / (gamma(a + d1) * gamma(b + d1))
    y = y * gc / (gamma(a + d2) * gamma(b + d2))
    y = jnp.where(ard % 2 != 0, -y, y)
    q = s ** rd
    summed = jnp.where(rd > 0, y * q + y1, y + y1 * q)
    return jnp.where(rd == 0, y * gc / (gamma(a) * gamma(b)), summed)


def _hyp2f1_polynomial(a, b, x):
    """Whether a or b is a non-positive integer (2F1 is then a polynomial)."""
    eps = dtypes.finfo(x.dtype).eps * 50
    return ((a <= 0) & (jnp.abs(a - jnp.round(a)) < eps)) | (
        (b <= 0) & (jnp.abs(b - jnp.round(b)) < eps))


def _hyp2f1_terminal_or_series(a, b, c, x):
    eps = dtypes.finfo(x.dtype).eps * 50
    d = c - a - b
    neg_int = _hyp2f1_polynomial(a, b, x)
    integer_d = jnp.abs(d - jnp.round(d)) < eps
    which = jnp.where((x > 0.9) & ~neg_int, jnp.where(integer_d, 1, 3), jnp.where(neg_int, 2, 0))
    # x > 0.9 and c - a - b not an integer: the series in 1 - x (A&S 15.3.6), where JAX
    # sums the slow series in x (to 250 terms); its first series shares the loop of the
    # plain series (same a and b)
    near, y = which == 3, 1 - x
    first = _hyp2f1_series(a, b, jnp.where(near, 1 - d, c), jnp.where(near, y, x))
    second = _hyp2f1_series(c - a, c - b, d + 1, jnp.where(near, y, 0.0))
    gc = gamma(c)
    near_one = (gc * gamma(d) / (gamma(c - a) * gamma(c - b)) * first
                + y ** d * gc * gamma(-d) / (gamma(a) * gamma(b)) * second)
    return lax.select_n(which.astype(np.int32), first,
                        _hyp2f1_digamma_transform(a, b, c, x, which == 1),
                        _hyp2f1_terminal(a, b, c, x, which == 2), near_one)


def _hyp2f1_one(a, b, c, x):
    # Pfaff's transformation 2F1(a, b; c; x) = (1 - x)^-a 2F1(a, c - b; c; x / (x - 1))
    # brings x < 0 (where the series alternates, and diverges below -1) into (0, 1), with
    # a <= b so that the new 2F1 stays finite as x -> -inf
    pfaff = x < 0
    a, b = jnp.where(pfaff, jnp.minimum(a, b), a), jnp.where(pfaff, jnp.maximum(a, b), b)
    factor = jnp.where(pfaff, (1 - x) ** -a, 1.0)
    b, x = jnp.where(pfaff, c - b, b), jnp.where(pfaff, x / (x - 1), x)
    eps = dtypes.finfo(x.dtype).eps * 50
    d, s, ca, cb = c - a - b, 1 - x, c - a, c - b
    # Euler's transformation 2F1(a, b; c; x) = (1 - x)^d 2F1(c - a, c - b; c; x) for d <= -1
    euler = (d <= -1) & ~((jnp.abs(d - jnp.round(d)) >= eps) & (s < 0))
    summed = _hyp2f1_terminal_or_series(jnp.where(euler, ca, a), jnp.where(euler, cb, b), c, x)
    conditions = [
        (x == 0) | ((a == 0) | (b == 0)) & (c != 0), (c == 0) | (c < 0) & (c % 1 == 0), euler,
        (d <= 0) & (x == 1), (x < 1) & (b == c), (x < 1) & (a == c),
        (x > 1) & ~_hyp2f1_polynomial(a, b, x), x == 1]  # (JAX: inf for polynomials too)
    values = [1.0, np.inf, s ** d * summed, np.inf, s ** -a, s ** -b, np.inf,
              gamma(c) * gamma(d) / (gamma(ca) * gamma(cb))]
    return factor * jnp.select(conditions, values, summed)


def _hyp2f1_dparam(a, b, c, x, param):
    """d 2F1 / d param, as _hyp1f1_dparam."""
    weight = {"a": lambda k: lax.digamma(a + k) - lax.digamma(a),
              "b": lambda k: lax.digamma(b + k) - lax.digamma(b),
              "c": lambda k: lax.digamma(c) - lax.digamma(c + k)}[param]
    return _sum_series(0.0, a * b / c * x, lambda k: (a + k) * (b + k) / (c + k) / (k + 1) * x,
                       weight)


@custom_jvp
def _hyp2f1(a, b, c, x):
    return jnp.vectorize(_hyp2f1_one)(a, b, c, x)


_hyp2f1.defjvps(*[_param_jvp(_hyp2f1_dparam, p) for p in "abc"],
                lambda t, ans, a, b, c, x: a * b / c * _hyp2f1(a + 1, b + 1, c + 1, x) * t)


@eager
def hyp2f1(a, b, c, x):
    """The Gauss hypergeometric function 2F1(a, b; c; x)."""
    a, b, c, x = _real("hyp2f1", a, b, c, x)
    return jnp.where(jnp.isnan(a + b + c + x), np.nan, _hyp2f1(a, b, c, x))


# ---------------------------------------------------------------------------------------
# Owen's T, Fresnel integrals, spherical harmonics

_OWENS_T_POINTS = np.array([  # a 13-point quadrature of int_0^1 on the squared argument
    0.0035082039676451716, 0.031279042338030756, 0.08526682628321945, 0.16245071730812277,
    0.25851196049125436, 0.3680755384069753, 0.485010929056047, 0.6027751415261857,
    0.7147788421775323, 0.814755109887601, 0.8971102975594897, 0.9572380808594426,
    0.991788329746297])
_OWENS_T_WEIGHTS = np.array([
    0.018831438115323503, 0.01856708624397765, 0.018042093461223385, 0.017263829606398752,
    0.016243219975989858, 0.014994592034116705, 0.013535474469662087, 0.011886351605820165,
    0.010070377242777432, 0.008113054574229958, 0.006041900952847024, 0.0038862217010742057,
    0.001679303108454609])


@custom_jvp
def _owens_t(h, a):
    h, abs_a = jnp.abs(h), jnp.abs(a)
    root2 = np.sqrt(2)
    small_a = abs_a <= 1.0
    ma, mh = jnp.where(small_a, abs_a, 1 / abs_a), jnp.where(small_a, h, abs_a * h)
    r = (ma * ma)[..., None] * _OWENS_T_POINTS.astype(h.dtype)
    integrand = jnp.exp(-0.5 * (mh * mh)[..., None] * (1.0 + r)) / (1.0 + r)
    result = ma * jnp.sum(integrand * _OWENS_T_WEIGHTS.astype(h.dtype), -1)
    result = jnp.where(mh == 0.0, jnp.arctan(ma) / (2 * np.pi), result)
    result = jnp.where(ma == 1.0, 0.125 * lax.erfc(-mh / root2) * lax.erfc(mh / root2), result)
    norm_h, norm_ah = lax.erfc(h / root2), lax.erfc(abs_a * h / root2)
    reflected = jnp.where(
        abs_a * h <= 0.67, 0.25 - 0.25 * lax.erf(h / root2) * lax.erf(abs_a * h / root2) - result,
        0.25 * (norm_h + norm_ah - norm_h * norm_ah) - result)
    result = lax.sign(a) * jnp.where(abs_a > 1.0, reflected, result)
    return jnp.where(jnp.isnan(a) | jnp.isnan(h), np.nan, result)


@_owens_t.defjvp
def _owens_t_jvp(primals, tangents):
    (h, a), (dh, da) = primals, tangents
    dh_ = -lax.exp(-0.5 * h * h) * lax.erf(a * h / np.sqrt(2)) / (2.0 * np.sqrt(2.0 * np.pi))
    da_ = lax.exp(-0.5 * (a * a + 1.0) * h * h) / (2.0 * np.pi * (a * a + 1.0))
    return _owens_t(h, a), dh_ * dh + da_ * da


@eager
def owens_t(h, a):
    """Owen's T function T(h, a) = 1/(2 pi) int_0^a exp(-h^2 (1 + x^2) / 2) / (1 + x^2) dx."""
    h, a = promote_inexact("owens_t", h, a, full_broadcast=True)
    return _owens_t(h, a)


_FRESNEL32 = [  # Cephes' fresnlf: S, C series in x^4 (x^2 < 2.5625), f, g in 1/(pi x^2)^2
    [1.6476294637887e-09, -1.522754752581096e-07, 8.4247488085024e-06, -0.0003120693124703272,
     0.007244727626597022, -0.09228055941124598, 0.5235987735681432],
    [1.416802502367354e-08, -1.157231412229871e-06, 5.387223446683264e-05,
     -0.001604381798862293, 0.02818489036795073, -0.2467398198317899, 0.9999999760004487],
    [-1903009855649.792, 135594238805.0252, -4158143148.511033, 73438484.63587323,
     -873235.6681548485, 8560.51546627547, -103.2877601091159, 2.999401847870011],
    [-186084399762.465, 12783506733.93208, -377938771.3202229, 6492611.570598858,
     -77877.89623358162, 860.2931494734327, -14.93439396592284, 0.9999841934744914]]
_FRESNEL64 = [  # Cephes' fresnl: the same as ratios of polynomials
    [-2991.8191940101983, 708840.0452577386, -62974148.62058625, 2548908805.7337637,
     -44297951805.96978, 318016297876.5678],
    [1.0, 281.3762688899943, 45584.78108065326, 5173438.887700964, 419320245.8981112,
     22441179564.534092, 607366389490.0846],
    [-4.9884311457357354e-08, 9.504280628298596e-06, -0.0006451914356839651,
     0.018884331939670384, -0.20552590095501388, 1.0],
    [3.99982968972496e-12, 9.154392157746574e-10, 1.2500186247959882e-07,
     1.2226278902417902e-05, 0.0008680295429417843, 0.04121420907221998, 1.0],
    [0.4215435550436775, 0.1434079197807589, 0.011522095507358577, 0.000345017939782574,
     4.6361374928786735e-06, 3.055689837902576e-08, 1.0230451416490724e-10,
     1.7201074326816183e-13, 1.3428327623306275e-16, 3.763297112699879e-20],
    [1.0, 0.7515863983533789, 0.11688892585919138, 0.0064405152650885865,
     0.00015593440916415301, 1.8462756734893055e-06, 1.1269922476399903e-08,
     3.6014002958937136e-11, 5.887545336215784e-14, 4.5200143407412973e-17,
     1.2544323709001127e-20],
    [0.5044420736433832, 0.1971028335255234, 0.018764858409257526, 0.0006840793809153931,
     1.1513882611188428e-05, 9.828524436884223e-08, 4.4534441586175015e-10,
     1.0826804113902088e-12, 1.375554606332618e-15, 8.363544356306774e-19,
     1.8695871016278324e-22],
    [1.0, 1.4749575992512833, 0.33774898912002, 0.02536037414203388, 0.0008146791071843061,
     1.2754507566772912e-05, 1.0431458965757199e-07, 4.6068072814652043e-10,
     1.1027321506624028e-12, 1.3879653125957886e-15, 8.391588162831187e-19,
     1.8695871016278324e-22]]


def _sincospi_half_square(x):
    """sin and cos of pi x^2 / 2, the argument reduced exactly (mod 2) first."""
    x = jnp.abs(x)
    s = jnp.fmod(x, 2.0)
    r = jnp.fmod(s * (x - s / 2), 2.0)
    sinpi = jnp.where(r < 0.5, jnp.sin(np.pi * r), jnp.where(
        r > 1.5, jnp.sin(np.pi * (r - 2.0)), -jnp.sin(np.pi * (r - 1.0))))
    cospi = jnp.where(r == 0.5, 0.0, jnp.where(
        r < 1.0, -jnp.sin(np.pi * (r - 0.5)), jnp.sin(np.pi * (r - 1.5))))
    return sinpi, cospi


def _fresnel_impl(xx):
    single = xx.dtype == np.float32
    x = jnp.abs(xx)
    x2 = x * x
    t = x2 * x2
    sinpi, cospi = _sincospi_half_square(x)
    if single:
        sn, cn, fn, gn = _FRESNEL32
        s_small, c_small = x * x2 * _poly(sn, t), x * _poly(cn, t)
        s_large = c_large = 0.5
    else:
        sn, sd, cn, cd, fn, fd, gn, gd = _FRESNEL64
        s_small = x * x2 * _poly(sn, t) / _poly(sd, t)
        c_small = x * _poly(cn, t) / _poly(cd, t)
        c_large, s_large = 0.5 + sinpi / (np.pi * x), 0.5 - cospi / (np.pi * x)
    t = 1.0 / (np.pi * x2)
    u = t * t
    f = 1.0 - u * (_poly(fn, u) if single else _poly(fn, u) / _poly(fd, u))
    g = t * (_poly(gn, u) if single else _poly(gn, u) / _poly(gd, u))
    c_other = 0.5 + (f * sinpi - g * cospi) / (np.pi * x)
    s_other = 0.5 - (f * cospi + g * sinpi) / (np.pi * x)
    small, large, inf = x2 < 2.5625, x > 36974.0, jnp.isinf(xx)
    s = jnp.where(inf, 0.5, jnp.where(small, s_small, jnp.where(large, s_large, s_other)))
    c = jnp.where(inf, 0.5, jnp.where(small, c_small, jnp.where(large, c_large, c_other)))
    sign = jnp.where(xx < 0, -1.0, 1.0)
    return sign * s, sign * c


@custom_jvp
def _fresnel(x):
    if x.dtype.itemsize >= 4:
        return _fresnel_impl(x)
    s, c = _fresnel_impl(x.astype(np.float32))
    return s.astype(x.dtype), c.astype(x.dtype)


@_fresnel.defjvp
def _fresnel_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    sinpi, cospi = _sincospi_half_square(x)
    return _fresnel(x), (sinpi * t, cospi * t)


@eager
def fresnel(x):
    """The Fresnel integrals (S(x), C(x)) = int_0^x (sin, cos)(pi t^2 / 2) dt."""
    x, = promote_inexact("fresnel", x)
    if _is_complex(x):
        raise NotImplementedError("fresnel: complex-valued inputs are not supported yet.")
    return _fresnel(x)


def _legendre_normalized(n_max, x):
    """The normalized associated Legendre functions P[m, l] (0 <= m, l <= n_max; 0 for
    m > l) at x, with the Condon-Shortley phase, by the recurrences in l and on the
    diagonal."""
    zeros = jnp.zeros_like(x)
    p = [[zeros] * (n_max + 1) for _ in range(n_max + 1)]
    y = jnp.sqrt(1.0 - x * x)
    p[0][0] = zeros + 0.5 / np.sqrt(np.pi)
    for m in range(1, n_max + 1):
        p[m][m] = p[m - 1][m - 1] * -np.sqrt(1.0 + 0.5 / m) * y
    for m in range(n_max):
        p[m][m + 1] = np.sqrt(2.0 * m + 3.0) * x * p[m][m]
    for m in range(n_max + 1):
        for n in range(m + 2, n_max + 1):
            d0 = np.sqrt((4.0 * n * n - 1.0) / (n * n - m * m))
            d1 = np.sqrt((2.0 * n + 1.0) * ((n - 1.0) ** 2 - m * m) / ((2.0 * n - 3.0)
                                                                        * (n * n - m * m)))
            p[m][n] = d0 * x * p[m][n - 1] - d1 * p[m][n - 2]
    return jnp.stack([jnp.stack(row) for row in p])


@eager(static_argnums=4)
def _sph_harm(n, m, theta, phi, n_max):
    legendre = _legendre_normalized(n_max, jnp.cos(theta))
    value = legendre.at[jnp.abs(m), n, jnp.arange(len(n))].get(mode="clip")
    angle = jnp.abs(m) * phi
    harmonic = lax.complex(value * jnp.cos(angle), value * jnp.sin(angle))
    return jnp.where(m < 0, (-1.0) ** jnp.abs(m) * jnp.conjugate(harmonic), harmonic)


def sph_harm_y(n, m, theta, phi, diff_n=None, n_max=None):
    """The spherical harmonics Y_n^m(theta, phi), theta the polar angle, for 1-D arrays n,
    m, theta and phi; n_max (the largest n, computed from n when None) must be concrete."""
    if diff_n is not None:
        raise NotImplementedError("The 'diff_n' argument to sph_harm_y is not supported.")
    if jnp.isscalar(theta):
        theta = jnp.array([theta])
    if n_max is None:
        n_max = np.max(np.asarray(concrete_or_error(n, "n of sph_harm_y (or pass n_max)")))
    n_max = int(concrete_or_error(n_max, "The `n_max` argument of sph_harm_y must be "
                                  "statically specified to use it within transformations."))
    return _sph_harm(jnp.asarray(n), jnp.asarray(m), jnp.asarray(theta), jnp.asarray(phi),
                     n_max)
