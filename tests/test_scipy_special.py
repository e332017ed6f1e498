"""xlafront.scipy.special (and the lax special-function primitives under it) against
scipy.special: every function on random points of its domain and at its edges (0, poles,
tiny and huge arguments, infinities, NaN), in float32 and float64; under jit and vmap;
derivatives by finite differences where JAX defines them; and the errors of bad input.

References are SciPy's float64 values at the inputs rounded to the tested dtype, rounded
to that dtype (so that an overflow in float32 expects inf). Inputs are xlafront Arrays, so
that each function runs as one compiled program."""
import functools
import json
import os

import numpy as onp
import pytest
import scipy.special as ss

import xlafront as xf
import xlafront.numpy as jnp
import xlafront.scipy.special as S
from xlafront import lax
from xlafront.test_util import check_grads

from conftest import assert_close, rng_for

inf, nan = onp.inf, onp.nan
f32, f64 = onp.dtype(onp.float32), onp.dtype(onp.float64)


def uniform(lo, hi, n=16):
    return lambda rng: rng.uniform(lo, hi, n)


def with_edges(gen, *edges):
    return lambda rng: onp.concatenate([gen(rng), onp.array(edges, float)])


def ints(lo, hi, n=16):
    return lambda rng: rng.integers(lo, hi, n).astype(float)


def same_n(*gens):
    """The arguments of one function: equal-length arrays, whose edge values pair up
    position by position (gammainc(0, 0.5), gammainc(1, 0) ...)."""
    return lambda rng: [g(rng) for g in gens]


# name: (arguments (rng -> list of float64 arrays), SciPy reference, tolerances
# {dtype: (rtol, atol)} overriding the default[, options: "fun", the function called
# (default S.<name>), "dtypes", those tested (default both)])
_EDGE = (0.0, -0.0, 1e-30, inf, nan)
# (edges where JAX's semantics differ from SciPy's are left out here: test_jax_semantics)
CASES = {
    "gammaln": (same_n(with_edges(uniform(-8, 30), 0.0, -1.0, -2.5, 1e-30, 1e30, inf, nan)),
                ss.gammaln, {f32: (1e-5, 2e-6)}),
    "gammasgn": (same_n(with_edges(uniform(-8, 30), -0.5, -1.5, 0.0, -0.0, -1.0, inf, nan)),
                 ss.gammasgn, {}),
    "gamma": (same_n(with_edges(uniform(-6, 30), -1.0, 0.0, 0.5, -1.5, 171.7, inf, nan)),
              ss.gamma, {f32: (3e-5, 0)}),
    "loggamma": (same_n(with_edges(uniform(0, 30), -1.5, 0.0, 1e-30, inf, nan)),
                 ss.loggamma, {f32: (1e-5, 2e-6)}),
    "digamma": (same_n(with_edges(uniform(-8, 30), -0.5, -2.5, 1e-3, 1e30, nan)),
                ss.digamma, {f32: (3e-5, 1e-6)}),
    "polygamma": (same_n(ints(0, 5, 21), with_edges(uniform(0.1, 20, 16), 1e-3, 1e3, 1.5,
                                                    -0.5, -2.5)),
                  ss.polygamma, {f32: (5e-5, 1e-6)},
                  {"fun": lambda n, x: S.polygamma(n.astype(onp.int32), x)}),
    "beta": (same_n(with_edges(uniform(-4, 10), 0.5, 1e3, 2.5, nan),
                    with_edges(uniform(-4, 10), 1e-30, 1e3, -0.5, 1.0)),
             ss.beta, {f32: (5e-5, 0)}),
    "betaln": (same_n(with_edges(uniform(0.1, 1e5), 1e-30, 0.5, 1e6, 8.0),
                      with_edges(uniform(0.1, 1e5), 2.0, 1e7, 1e10, 3.0)),
               ss.betaln, {f32: (1e-5, 1e-5), f64: (1e-11, 0)}),
    "betainc": (same_n(with_edges(uniform(0.1, 10), 0.0, 1.0, 1.0, 2.0, 2.0, 0.5),
                       with_edges(uniform(0.1, 10), 1.0, 0.0, inf, 3.0, 3.0, 0.5),
                       with_edges(uniform(0, 1), 0.5, 0.3, 0.5, 0.0, 1.0, -0.5)),
                ss.betainc, {f32: (2e-4, 1e-6), f64: (1e-11, 1e-14)}),
    "factorial": (same_n(with_edges(uniform(-2, 30), 0.0, 3.0, -1.0, 100.0)), ss.factorial,
                  {f32: (3e-5, 0)}),
    "comb": (same_n(with_edges(ints(0, 40), 5.0, 5.0, 5.0, -1.0),
                    with_edges(ints(0, 40), 2.0, 6.0, -1.0, 1.0)), ss.comb, {f32: (5e-5, 0)}),
    "multigammaln": (same_n(with_edges(uniform(1.6, 50), 1.6, 1e4)),
                     lambda a: ss.multigammaln(a, 3), {},
                     {"fun": lambda a: S.multigammaln(a, 3)}),
    "poch": (same_n(with_edges(uniform(0.1, 10), 2.0, 1.0, 100.0),
                    with_edges(uniform(-3, 5), 3.0, 0.0, -3.0)), ss.poch, {f32: (5e-5, 0)}),
    "gammainc": (same_n(with_edges(uniform(0.01, 30), 0.0, 1.0, 1.0, inf, 2.0, 1e-30, 3.0),
                        with_edges(uniform(0, 50), 0.5, 0.0, inf, 1.0, -1.0, 1.0, 1e-45)),
                 ss.gammainc, {f32: (3e-5, 1e-7), f64: (1e-12, 1e-15)}),
    "gammaincc": (same_n(with_edges(uniform(0.01, 30), 0.0, 1.0, 1.0, inf, 2.0, 1e-30),
                         with_edges(uniform(0, 50), 0.5, 0.0, inf, 1.0, -1.0, 1.0)),
                  ss.gammaincc, {f32: (3e-5, 1e-7), f64: (1e-12, 1e-15)}),
    "zeta": (same_n(with_edges(uniform(1.01, 20), 1.0, 2.0, inf, 3.0),
                    with_edges(uniform(0.1, 10), 1.0, 0.0, 2.0, 1e-20)), ss.zeta, {}),
    "erf": (same_n(with_edges(uniform(-6, 6), *_EDGE, -inf)), ss.erf, {}),
    "erfc": (same_n(with_edges(uniform(-6, 27), *_EDGE, -inf)), ss.erfc, {f32: (3e-5, 0)}),
    "erfinv": (same_n(with_edges(uniform(-1, 1), -1.0, 1.0, 0.0, 1.5, nan)), ss.erfinv, {}),
    "erfcx": (same_n(with_edges(uniform(-8, 1e4), -30.0, 0.0, 30.0, 1e10, inf, -inf)),
              ss.erfcx, {}),
    "dawsn": (same_n(with_edges(uniform(-30, 30), 0.0, 3.25, 6.25, 1e10, -1e10)), ss.dawsn, {}),
    "ndtr": (same_n(with_edges(uniform(-12, 12), 0.0, -40.0, inf, -inf, nan)), ss.ndtr,
             {f32: (2e-5, 0)}),
    "ndtri": (same_n(with_edges(uniform(0, 1), 0.0, 1.0, -0.1, 1.1, 0.5, 1e-30, 1e-3)),
              ss.ndtri, {}),
    "log_ndtr": (same_n(with_edges(uniform(-60, 30), -20.0, -10.0, 0.0, 8.0, 40.0, -inf,
                                   inf)), ss.log_ndtr,
                 {f32: (2e-5, 1e-30), f64: (1e-10, 1e-300)}),  # (a 3-term series below -20)
    "logit": (same_n(with_edges(uniform(0, 1), 0.0, 0.5, 1.0, 1.5, nan)), ss.logit, {}),
    "expit": (same_n(with_edges(uniform(-30, 30), 0.0, -inf, inf, -100.0)), ss.expit, {}),
    "xlogy": (same_n(with_edges(uniform(-3, 3), 0.0, 0.0, 1.0, 0.0, 2.0),
                     with_edges(uniform(0, 5), 0.0, nan, 0.0, inf, -1.0)), ss.xlogy, {}),
    "xlog1py": (same_n(with_edges(uniform(-3, 3), 0.0, 0.0, 1.0, 2.0),
                       with_edges(uniform(-1, 5), -1.0, nan, -1.0, -2.0)), ss.xlog1py, {}),
    "entr": (same_n(with_edges(uniform(-1, 5), 0.0, -1.0, inf, nan)), ss.entr, {}),
    "rel_entr": (same_n(with_edges(uniform(-1, 5), 0.0, 0.0, 1.0, 1.0, nan),
                        with_edges(uniform(-1, 5), 0.0, 2.0, 0.0, -1.0, 1.0)), ss.rel_entr,
                 {f32: (2e-5, 1e-6)}),
    "kl_div": (same_n(with_edges(uniform(-1, 5), 0.0, 0.0, 1.0, 1.0, nan),
                      with_edges(uniform(-1, 5), 0.0, 2.0, 0.0, -1.0, 1.0)), ss.kl_div,
               {f32: (5e-5, 1e-6)}),
    "boxcox": (same_n(with_edges(uniform(0.01, 5), 1.0, 2.0, 0.0),
                      with_edges(uniform(-2, 2), 0.0, 0.0, 2.0)), ss.boxcox, {}),
    "boxcox1p": (same_n(with_edges(uniform(-0.9, 5), 0.0, 1.0, -1.0),
                        with_edges(uniform(-2, 2), 0.0, 0.0, 2.0)), ss.boxcox1p, {}),
    "i0": (same_n(with_edges(uniform(-80, 80), 0.0, 100.0, inf, nan)), ss.i0, {}),
    "i0e": (same_n(with_edges(uniform(-500, 500), 0.0, 8.0, 1e-30, 1e30, inf, -inf, nan)),
            ss.i0e, {}),
    "i1": (same_n(with_edges(uniform(-80, 80), 0.0, -0.0, 100.0, nan)), ss.i1, {}),
    "i1e": (same_n(with_edges(uniform(-500, 500), 0.0, 8.0, 1e-30, 1e30, inf, -inf, nan)),
            ss.i1e, {}),
    "expi": (same_n(with_edges(uniform(-60, 100), 0.0, 0.3725, 2.0, 64.0, 89.0, inf, -inf,
                               nan)), ss.expi, {f32: (2e-5, 1e-7)}),
    "exp1": (same_n(with_edges(uniform(1e-3, 60), 0.0, 1.0, 1e-30, 800.0, inf, -1.0, nan)),
             ss.exp1, {}, {"dtypes": (f32,)}),  # expn(1, x): expn runs in both
    "expn": (same_n(ints(0, 8, 23), with_edges(uniform(0, 10), 0.0, 0.0, 0.0, inf, -1.0, 1.0,
                                               50.0)),
             ss.expn, {f32: (2e-5, 0)}),
    "sici": (same_n(with_edges(uniform(-60, 60), 0.0, 4.0, 8.0, 1e10, inf, -inf)), ss.sici,
             {f32: (2e-5, 1e-6)}),
    "spence": (same_n(with_edges(uniform(0, 10), 0.0, 1.0, 0.5, 1.5, 2.0, -1.0, nan)),
               ss.spence, {f32: (2e-5, 1e-7)}),
    "fresnel": (same_n(with_edges(uniform(-12, 12), 0.0, 1.6, -1.6, 4e4, inf, -inf)),
                ss.fresnel, {f32: (2e-5, 1e-7)}),  # (float32 takes 1/2 beyond 36974)
    "owens_t": (same_n(with_edges(uniform(-5, 5), 0.0, 1.0, 2.0, 0.5, nan),
                       with_edges(uniform(-5, 5), 0.5, 1.0, 5.0, 0.0, 1.0)), ss.owens_t,
                {f32: (2e-5, 1e-7)}),
    "hyp1f1": (same_n(with_edges(uniform(-3, 3), 0.0, 1.5, 1.5, 2.0),
                      with_edges(uniform(0.5, 5), 1.0, 2.5, 2.5, 2.0),
                      with_edges(uniform(-60, 60), 3.0, -150.0, 0.0, 1.0)), ss.hyp1f1,
               {f32: (1e-4, 1e-7), f64: (1e-11, 1e-14)}),
    "hyp2f1": (same_n(with_edges(uniform(-3, 3), 1.5, -2.0, 1.0, 0.5),
                      with_edges(uniform(-3, 3), 2.5, 0.7, 1.0, 0.5),
                      with_edges(uniform(0.5, 5), 3.5, 1.25, 3.0, 1.5),
                      with_edges(uniform(-20, 0.995), 0.0, 3.0, 0.97, 1.0)), ss.hyp2f1,
               {f64: (1e-12, 1e-15)}, {"dtypes": (f64,)}),  # (float32: the same code)
    "wofz": (lambda rng: [rng.uniform(-8, 8, 16) + 1j * rng.uniform(-8, 8, 16)], ss.wofz,
             {f32: (2e-5, 1e-7), f64: (1e-12, 1e-15)}),
}
_DEFAULT_TOL = {f32: (1e-5, 1e-7), f64: (1e-13, 1e-15)}


def _args(name, dtype):
    args = CASES[name][0](rng_for("scipy_special", name))
    cast = lambda a: onp.asarray(a).astype(  # noqa: E731
        dtype if onp.asarray(a).dtype.kind == "f" else {f32: onp.complex64,
                                                        f64: onp.complex128}[dtype])
    return [cast(a) for a in args]


def _expected(name, args, out_dtype):
    with onp.errstate(all="ignore"):  # (float32 references overflow to inf)
        ref = CASES[name][1](*[a.astype(onp.complex128 if a.dtype.kind == "c" else f64)
                               for a in args])
        if isinstance(ref, tuple):
            return [onp.asarray(r).astype(out_dtype) for r in ref]
        return onp.asarray(ref).astype(out_dtype)


def _options(name):
    return CASES[name][3] if len(CASES[name]) > 3 else {}


def _fun(name):
    return _options(name).get("fun", getattr(S, name))


def _names(dtype):
    return [n for n in sorted(CASES) if dtype in _options(n).get("dtypes", (f32, f64))]


def _check(name, dtype, fun):
    args = _args(name, dtype)
    out = fun(*[jnp.asarray(a) for a in args])
    rtol, atol = CASES[name][2].get(dtype, _DEFAULT_TOL[dtype])
    out_dtype = args[-1].dtype
    expected = _expected(name, args, out_dtype)
    for o, e in zip(out if isinstance(out, tuple) else [out],
                    expected if isinstance(expected, list) else [expected]):
        assert_close(o, e, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", _names(f32))
def test_float32(name):
    _check(name, f32, _fun(name))


@pytest.mark.parametrize("name", _names(f64))
def test_float64(name, x64):
    _check(name, f64, _fun(name))


@pytest.mark.parametrize("name", _names(f32))
def test_jit(name):
    _check(name, f32, xf.jit(_fun(name)))


def test_names_are_jax_names():
    path = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "jax_api_names.json")
    with open(path) as f:
        names = json.load(f)["modules"]["jax.scipy.special"]
    assert sorted(S.__all__) == sorted(names)
    assert all(callable(getattr(S, n)) for n in names)
    assert xf.scipy.special is S  # the lazily loaded submodule


def test_functions_of_arrays():
    """The functions whose arguments are not elementwise."""
    x = onp.array([[1.0, 2.0, -1.0], [0.5, 3.0, -2.0]], onp.float32)
    for axis in (None, 0, 1, (0, 1)):
        assert_close(S.softmax(jnp.asarray(x), axis=axis), ss.softmax(x, axis=axis))
        assert_close(S.log_softmax(jnp.asarray(x), axis=axis), ss.log_softmax(x, axis=axis))
        assert_close(S.logsumexp(jnp.asarray(x), axis=axis), ss.logsumexp(x, axis=axis))
    b = onp.array([[1.0, -2.0, 0.5], [1.0, 1.0, 0.0]], onp.float32)
    value, sign = S.logsumexp(jnp.asarray(x), axis=1, b=jnp.asarray(b), return_sign=True)
    ref_value, ref_sign = ss.logsumexp(x, axis=1, b=b, return_sign=True)
    assert_close(value, ref_value.astype(onp.float32))
    assert_close(sign, ref_sign.astype(onp.float32))
    assert_close(S.bernoulli(12), ss.bernoulli(12).astype(onp.float32))
    assert_close(S.bernoulli(0), onp.ones(1, onp.float32))
    z = onp.concatenate([onp.linspace(0.05, 30, 10), [-3.0, 0.0, 1e-20]]).astype(onp.float32)
    assert_close(S.bessel_jn(jnp.asarray(z), v=4),
                 ss.jv(onp.arange(5.0)[:, None], z).astype(onp.float32), rtol=1e-4, atol=1e-6)
    # Miller's recurrence from order n_iter is not accurate for |z| above it: NaN there
    assert onp.isnan(onp.asarray(S.bessel_jn(jnp.asarray([60.0]), v=1, n_iter=50))).all()
    n, m = onp.array([0, 1, 2, 3, 4, 2]), onp.array([0, -1, 2, 0, -3, 1])
    theta, phi = onp.linspace(0.1, 3.0, 6), onp.linspace(-2.0, 5.0, 6)
    assert_close(S.sph_harm_y(jnp.asarray(n), jnp.asarray(m), jnp.asarray(theta, onp.float32),
                              jnp.asarray(phi, onp.float32)),
                 ss.sph_harm_y(n, m, theta, phi).astype(onp.complex64), rtol=1e-5, atol=1e-6)
    a = onp.array([[2.5, 3.0], [10.0, 4.0]], onp.float32)
    assert_close(S.multigammaln(jnp.asarray(a), 2), ss.multigammaln(a, 2).astype(onp.float32))
    assert_close(S.comb(jnp.asarray([5.0, 4.0]), jnp.asarray([2.0, 6.0]), repetition=True),
                 ss.comb([5.0, 4.0], [2.0, 6.0], repetition=True).astype(onp.float32))
    zc = onp.array([-1.5 + 0.5j, 2 + 3j, -2 + 0j, 0.3 - 4j, 20 + 1j], onp.complex64)
    assert_close(S.loggamma(jnp.asarray(zc)), ss.loggamma(zc.astype(complex)).astype(zc.dtype),
                 rtol=2e-5)
    assert_close(S.gamma(jnp.asarray(zc[[0, 1, 3]])),
                 ss.gamma(zc[[0, 1, 3]].astype(complex)).astype(zc.dtype), rtol=2e-5)
    assert_close(S.erfcx(jnp.asarray(zc[[0, 1, 3]])),
                 ss.erfcx(zc[[0, 1, 3]].astype(complex)).astype(zc.dtype), rtol=2e-5)


def test_jax_semantics():
    """Where JAX's documented behaviour is not SciPy's."""
    with pytest.raises(NotImplementedError, match="Riemann zeta"):
        S.zeta(2.0)
    # polygamma's n must be of an integer dtype; zeta, log_ndtr, bernoulli check arguments
    with pytest.raises(ValueError, match="integer type"):
        S.polygamma(1.0, 2.0)
    with pytest.raises(TypeError, match="not supported"):
        S.ndtr(jnp.asarray([1, 2]))
    with pytest.raises(TypeError, match="series_order"):
        S.log_ndtr(1.0, series_order=2.0)
    with pytest.raises(ValueError, match="series_order"):
        S.log_ndtr(1.0, series_order=31)
    with pytest.raises(ValueError, match="non-negative"):
        S.bernoulli(-1)
    with pytest.raises(NotImplementedError, match="exact"):
        S.factorial(3, exact=True)
    with pytest.raises(NotImplementedError, match="diff_n"):
        S.sph_harm_y(jnp.asarray([1]), jnp.asarray([0]), 0.5, 0.5, diff_n=1)
    for f, args in [(S.beta, (1j, 2.0)), (S.betainc, (1.0, 2.0, 0.5j)), (S.dawsn, (1j,)),
                    (S.entr, (1j,)), (S.expi, (1j,)), (S.hyp1f1, (1.0, 2.0, 1j)),
                    (S.polygamma, (1, 1j)), (S.bessel_jn, (1j,))]:
        with pytest.raises(ValueError, match="complex"):
            f(*args, **({"v": 1} if f is S.bessel_jn else {}))
    # promotion as JAX's: integers compute in the default float type
    assert S.gammaln(jnp.asarray([1, 2])).dtype == onp.float32
    assert S.erf(2).dtype == onp.float32 and S.erf(2).weak_type
    # softmax and log_softmax default to all axes (SciPy's), unlike jax.nn's
    assert_close(S.softmax(jnp.ones((2, 2))), onp.full((2, 2), 0.25, onp.float32))


def test_lax_primitives():
    """The lax wrappers (op_records checks their values, jit, vmap and derivatives): Python
    scalars take the array's dtype, rank-0 operands broadcast, bad operands raise."""
    x = jnp.asarray([0.5, 1.5, 3.0])
    assert_close(lax.zeta(3.0, x), ss.zeta(3.0, [0.5, 1.5, 3.0]).astype(onp.float32))
    assert_close(lax.polygamma(2.0, x), ss.polygamma(2, [0.5, 1.5, 3.0]).astype(onp.float32))
    # random_gamma_grad: d sample / d a at a fixed CDF value = -(dP/da) / (dP/dx)
    a, s = onp.array([0.5, 2.0, 7.0]), onp.array([0.3, 2.5, 5.0])
    h = 1e-6
    dp_da = (ss.gammainc(a + h, s) - ss.gammainc(a - h, s)) / (2 * h)
    dp_dx = s ** (a - 1) * onp.exp(-s) / ss.gamma(a)
    assert_close(lax.random_gamma_grad(jnp.asarray(a, onp.float32), jnp.asarray(s, onp.float32)),
                 (-dp_da / dp_dx).astype(onp.float32), rtol=1e-4)
    with pytest.raises(TypeError, match="igamma does not accept dtype int32"):
        lax.igamma(jnp.asarray([1, 2]), jnp.asarray([1, 2]))
    with pytest.raises(TypeError, match="same dtypes"):
        lax.igamma(jnp.ones(2, onp.float16), jnp.ones(2))
    with pytest.raises(TypeError, match="incompatible shapes"):
        lax.zeta(jnp.ones(2), jnp.ones(3))
    with pytest.raises(TypeError, match="takes 3 operands"):
        lax.betainc(1.0, 2.0)
    # derivatives JAX does not define raise (while tracing: nothing compiles)
    for f, what in [(lambda p: lax.betainc(p, 3.0, 0.5), "a"),
                    (lambda p: lax.betainc(2.0, p, 0.5), "b"),
                    (lambda p: lax.polygamma(p, 0.5), "m"), (lambda p: lax.zeta(p, 2.0), "x"),
                    (lambda p: lax.igamma_grad_a(p, 2.0), "a")]:
        with pytest.raises(ValueError, match=f"with respect to {what}"):
            xf.jit(xf.grad(f))(1.5)


# ---------------------------------------------------------------------------------------
# vmap and derivatives

# the lax primitives' own vmap cases are in tests/op_records.py
_VMAP = ["expn", "zeta", "log_ndtr", "sici", "owens_t", "xlogy", "gammaln", "ndtri"]


@pytest.mark.parametrize("name", _VMAP)
def test_vmap(name):
    args = [jnp.asarray(a[:16].reshape(2, 8)) for a in _args(name, f32)]
    f = _fun(name)
    out = xf.vmap(f)(*args)
    expected = [f(*[a[i] for a in args]) for i in range(2)]
    for o, e in zip(out if isinstance(out, tuple) else [out],
                    zip(*expected) if isinstance(expected[0], tuple) else [expected]):
        assert_close(o, onp.stack([onp.asarray(v) for v in e]))


def test_vmap_of_array_functions():
    z = jnp.asarray([[0.5, 2.0, 7.0], [1.0, 3.0, 11.0]])
    assert_close(xf.vmap(lambda r: S.bessel_jn(r, v=2))(z),
                 onp.stack([onp.asarray(S.bessel_jn(r, v=2)) for r in z]))
    x = jnp.asarray([[1.0, 2.0, 3.0], [0.0, -1.0, 5.0]])
    assert_close(xf.vmap(lambda r: S.logsumexp(r))(x),
                 ss.logsumexp(onp.asarray(x), axis=1).astype(onp.float32))
    assert_close(xf.vmap(S.softmax)(x), ss.softmax(onp.asarray(x), axis=1).astype(onp.float32))


def _grad_args(*ranges):
    rng = onp.random.default_rng(0)
    return [rng.uniform(lo, hi, 4) for lo, hi in ranges]


# name, function of the differentiated arguments, their ranges, modes: every custom_jvp
# rule both ways; compositions of lax operations forward only (reverse mode transposes the
# same lax rules, and op_records checks the primitives' own derivatives both ways)
_BOTH, _FWD = ("fwd", "rev"), ("fwd",)
_GRADS = [
    ("poch", S.poch, [(0.5, 3), (0.5, 2)], _BOTH), ("zeta", S.zeta, [(2, 4), (0.5, 3)], _BOTH),
    ("erfcx", S.erfcx, [(-2, 30)], _BOTH), ("dawsn", S.dawsn, [(-8, 8)], _BOTH),
    ("wofz", lambda x, y: S.wofz(x + 1j * y), [(-3, 3), (-3, 3)], _BOTH),
    ("log_ndtr", S.log_ndtr, [(-30, 10)], _BOTH), ("logit", S.logit, [(0.1, 0.9)], _BOTH),
    ("xlogy", S.xlogy, [(-2, 2), (0.5, 3)], _BOTH),
    ("xlog1py", S.xlog1py, [(-2, 2), (0.5, 3)], _BOTH), ("entr", S.entr, [(0.5, 3)], _BOTH),
    ("expi", S.expi, [(-5, 70)], _BOTH), ("expn", lambda x: S.expn(3, x), [(0.1, 5)], _BOTH),
    ("sici", S.sici, [(0.5, 20)], _BOTH), ("spence", S.spence, [(0.1, 5)], _BOTH),
    ("fresnel", S.fresnel, [(-5, 5)], _BOTH), ("owens_t", S.owens_t, [(-2, 2), (-3, 3)], _BOTH),
    ("hyp1f1", S.hyp1f1, [(0.5, 2), (1, 3), (-3, 3)], _BOTH),
    ("logsumexp", S.logsumexp, [(-3, 3)], _BOTH), ("softmax", S.softmax, [(-3, 3)], _BOTH),
    ("gamma", S.gamma, [(0.5, 4)], _FWD), ("betaln", S.betaln, [(0.5, 3), (9, 12)], _FWD),
    ("ndtr", S.ndtr, [(-3, 3)], _FWD), ("ndtri", S.ndtri, [(0.05, 0.95)], _FWD),
    ("kl_div", S.kl_div, [(0.5, 3), (0.5, 3)], _FWD),
    ("boxcox", S.boxcox, [(0.5, 3), (-1, 1)], _FWD),
    ("i1", S.i1, [(-4, 4)], _FWD),
    ("multigammaln", lambda a: S.multigammaln(a, 3), [(2, 5)], _FWD),
]


@pytest.mark.parametrize("name,fun,ranges,modes", _GRADS, ids=[g[0] for g in _GRADS])
def test_grads(name, fun, ranges, modes, x64):
    check_grads(xf.jit(fun), _grad_args(*ranges), order=1, modes=modes)


def test_hypergeometric_parameter_derivatives(x64):
    """The series of d/da, d/db (and d/dc) of 1F1 and 2F1 that their jvp rules use, against
    SciPy's central differences (checking them through hyp2f1's own jvp compiles 2F1 twice
    over; hyp1f1's rules are wired the same way and test_grads checks them)."""
    a, b, c, x = (onp.array(v) for v in ([0.5, 1.2, -0.7], [1.5, 0.8, 2.0], [2.5, 3.0, 1.7],
                                          [0.3, -0.6, 0.5]))
    h = 1e-6

    def central(f, i, *args):
        up, down = list(args), list(args)
        up[i], down[i] = args[i] + h, args[i] - h
        return (f(*up) - f(*down)) / (2 * h)

    rules = xf.jit(lambda a, b, c, x: [
        jnp.vectorize(functools.partial(S._hyp1f1_dparam, param=p))(a, b, x) for p in "ab"] + [
        jnp.vectorize(functools.partial(S._hyp2f1_dparam, param=p))(a, b, c, x) for p in "abc"])
    got = rules(*(jnp.asarray(v) for v in (a, b, c, x)))
    expected = [central(ss.hyp1f1, i, a, b, x) for i in (0, 1)] + [
        central(ss.hyp2f1, i, a, b, c, x) for i in (0, 1, 2)]
    for g, e in zip(got, expected):
        assert_close(g, e, rtol=1e-7, atol=1e-9)
