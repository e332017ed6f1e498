"""xlafront.scipy.stats as JAX's jax.scipy.stats: every distribution function against
scipy.stats over its support, outside it and at its boundaries (float32 and float64, eagerly
and under jit(vmap)); JAX's own answers where it departs from SciPy (no parameter checks,
nan or -inf where JAX's formulas give them) as hand-written literals; gradients by finite
differences; gaussian_kde, mode, rankdata and sem against SciPy."""
import importlib
import inspect
import itertools

import numpy as onp
import pytest
import scipy.stats as sps

import xlafront as xf
import xlafront.numpy as xnp
import xlafront.random as random
import xlafront.scipy.stats as st
from xlafront.test_util import check_grads

from conftest import assert_close, rng_for

inf, nan = onp.inf, onp.nan

# jax.scipy.stats 0.10.2: every module and its functions
API = {
    "norm": "cdf isf logcdf logpdf logsf pdf ppf sf",
    "multivariate_normal": "logpdf pdf", "bernoulli": "cdf logpmf pmf ppf",
    "beta": "cdf logcdf logpdf logsf pdf sf", "gamma": "cdf logcdf logpdf logsf pdf sf",
    "poisson": "cdf entropy logpmf pmf", "t": "logpdf pdf", "uniform": "cdf logpdf pdf ppf",
    "expon": "cdf logcdf logpdf logsf pdf ppf sf",
    "cauchy": "cdf isf logcdf logpdf logsf pdf ppf sf", "laplace": "cdf logpdf pdf",
    "logistic": "cdf isf logpdf pdf ppf sf", "chi2": "cdf logcdf logpdf logsf pdf sf",
    "dirichlet": "logpdf pdf", "binom": "logpmf pmf", "multinomial": "logpmf pmf",
    "geom": "logpmf pmf", "truncnorm": "cdf logcdf logpdf logsf pdf sf",
    "gennorm": "cdf logpdf pdf", "vonmises": "logpdf pdf",
    "pareto": "cdf logcdf logpdf logsf pdf ppf sf", "nbinom": "logpmf pmf",
    "betabinom": "logpmf pmf", "gumbel_l": "cdf logcdf logpdf logsf pdf ppf sf",
    "gumbel_r": "cdf logcdf logpdf logsf pdf ppf sf",
}


def test_api_names():
    for name, fns in API.items():
        module = importlib.import_module(f"xlafront.scipy.stats.{name}")
        assert getattr(st, name) is module
        for fn in fns.split():
            assert callable(getattr(module, fn)), f"{name}.{fn}"
    for name in ("gaussian_kde", "mode", "rankdata", "sem"):
        assert callable(getattr(st, name))
    # JAX's (and SciPy's) parameter names and defaults
    assert str(inspect.signature(st.norm.pdf)) == "(x, loc=0, scale=1)"
    assert str(inspect.signature(st.beta.logcdf)) == "(x, a, b, loc=0, scale=1)"
    assert str(inspect.signature(st.betabinom.logpmf)) == "(k, n, a, b, loc=0)"
    assert str(inspect.signature(st.bernoulli.ppf)) == "(q, p)"
    assert str(inspect.signature(st.poisson.entropy)) == "(mu, loc=0)"
    assert str(inspect.signature(st.rankdata)) == \
        "(a, method='average', *, axis=None, nan_policy='propagate')"


# ---------------------------------------------------------------------------------------
# Every function against scipy.stats on a grid (product of the value lists): x inside and
# outside the support, infinities and nan; parameters valid (JAX checks none of them where
# SciPy answers nan; see EDGES). The `extreme` grid (float64 only) adds extreme parameters.

X = [-inf, -30.0, -3.0, -1.0, -0.5, 0.0, 0.3, 0.5, 1.0, 1.5, 2.0, 4.0, 30.0, inf, nan]
X_NO_NAN = X[:-1]  # gamma, uniform, truncnorm, poisson: JAX's comparisons turn nan into 0/-inf
# gumbel's log densities at +-inf: inf - inf, nan eagerly in JAX and SciPy, inf under jit
X_FINITE = X[1:-2] + [nan]
Q = [-0.1, 0.0, 1e-3, 0.1, 0.5, 0.9, 1.0, 1.1, nan]
Q_OPEN = [1e-3, 0.1, 0.5, 0.9, nan]  # JAX's answers at 0, 1 and outside differ (EDGES)
K = [-1.0, 0.0, 1.0, 2.0, 5.0, 20.0]  # JAX's pmfs do not check that k is an integer
LOC, SCALE = [0.0, 1.5], [0.5, 2.0]
SHAPE = [0.5, 1.0, 2.5]

CASES = [  # module, functions, value lists, extreme value lists (float64 only)
    ("norm", "logpdf pdf cdf logcdf sf logsf", [X, LOC, SCALE],
     [[-40.0, 40.0], [0.0], [1e-3, 1e3]]),
    ("norm", "ppf", [Q, LOC, SCALE], [[1e-30, 1e-10], [0.0], [1.0]]),
    ("norm", "isf", [Q, LOC, SCALE], None),
    ("bernoulli", "logpmf pmf", [K, [0.0, 0.3, 1.0], [0.0, 1.0]], None),
    ("bernoulli", "cdf", [K + [0.5, nan], [-0.1, 0.0, 0.3, 1.0, 1.2, nan]], None),
    ("bernoulli", "ppf", [[-0.1, 0.1, 0.5, 0.9, 1.1, nan], [-0.1, 0.0, 0.3, 1.0, 1.2, nan]], None),
    ("beta", "logpdf pdf cdf logcdf sf logsf", [X, SHAPE, SHAPE, LOC, SCALE],
     [[1e-3, 0.3, 0.999], [1e-2, 50.0], [1e-2, 50.0], [0.0], [1.0]]),
    ("gamma", "logpdf pdf cdf logcdf sf logsf", [X_NO_NAN, SHAPE, LOC, SCALE],
     [[0.01, 1.0, 5.0, 100.0, 150.0], [1e-3, 100.0], [0.0], [1.0]]),
    ("poisson", "logpmf pmf cdf", [K + [2.5], [0.0, 0.5, 1.0, 2.5], [0.0, 1.0]],
     [[0.0, 10.0, 1000.0], [1e-3, 1000.0], [0.0]]),
    ("poisson", "entropy", [[-1.0, 0.0, 0.5, 3.0, 9.9, 10.0, 50.0, 99.0, 100.0, 1e3], [0.0, 2.0]],
     None),
    ("t", "logpdf pdf", [X, SHAPE, LOC, SCALE], [[-30.0, 0.0, 1.0], [0.1, 1e6], [0.0], [1.0]]),
    ("uniform", "logpdf pdf cdf", [X_NO_NAN, LOC, SCALE], None),
    ("uniform", "ppf", [Q, LOC, SCALE], None),
    ("expon", "logpdf pdf cdf logcdf sf logsf", [X, LOC, SCALE], None),
    ("expon", "ppf", [Q, LOC, SCALE], None),
    ("cauchy", "logpdf pdf cdf logcdf sf logsf", [X, LOC, SCALE], None),
    ("cauchy", "ppf isf", [Q_OPEN, LOC, SCALE], None),
    ("laplace", "logpdf pdf cdf", [X, LOC, SCALE], None),
    ("logistic", "logpdf pdf cdf sf", [X + [-100.0, 100.0], LOC, SCALE], None),
    ("logistic", "ppf isf", [Q, LOC, SCALE], None),
    ("chi2", "logpdf pdf cdf logcdf sf logsf", [X, [0.5, 1.0, 2.5, 5.0], LOC, SCALE],
     [[0.01, 50.0, 500.0], [300.0], [0.0], [1.0]]),
    ("binom", "logpmf pmf", [K, [0.0, 1.0, 5.0], [0.0, 0.3, 1.0], [0.0, 1.0]],
     [[0.0, 3.0, 100.0], [100.0], [1e-3, 0.999], [0.0]]),
    ("geom", "logpmf pmf", [K, [0.3, 1.0], [0.0, 1.0]], None),
    ("truncnorm", "logpdf pdf cdf logcdf sf logsf",
     [X_NO_NAN, [-inf, -2.0, 0.5], [1.0, 3.0, inf], LOC, SCALE],
     [[-5.0, -1.0, 0.0, 0.5, 3.0, 9.0], [-10.0, 0.0, 4.0], [5.0, 10.0], [0.0], [1.0]]),
    ("gennorm", "logpdf pdf cdf", [X, SHAPE], [[-3.0, 0.3, 2.0], [0.3, 8.0]]),
    ("vonmises", "logpdf pdf", [X, SHAPE + [50.0]], [[-3.0, 0.3, 2.0], [1e-3, 700.0]]),
    ("pareto", "logpdf pdf cdf logcdf sf logsf", [X, SHAPE, LOC, SCALE],
     [[1.5, 1e3], [0.1, 30.0], [0.0], [1.0]]),
    ("pareto", "ppf", [Q, SHAPE, LOC, SCALE], None),
    ("nbinom", "logpmf pmf", [K, SHAPE, [0.3, 1.0], [0.0, 1.0]],
     [[0.0, 3.0, 100.0], [50.0], [1e-3, 0.5], [0.0]]),
    ("betabinom", "logpmf pmf", [K, [0.0, 1.0, 5.0], [0.5, 2.5], [0.5, 2.5], [0.0, 1.0]],
     [[0.0, 3.0, 100.0], [100.0], [0.1, 50.0], [0.1, 50.0], [0.0]]),
    ("gumbel_l", "logpdf pdf", [X_FINITE, LOC, SCALE], None),
    ("gumbel_l", "cdf logcdf sf logsf", [X, LOC, SCALE], None),
    ("gumbel_l", "ppf", [Q_OPEN, LOC, SCALE], None),
    ("gumbel_r", "logpdf pdf", [X_FINITE, LOC, SCALE], None),
    ("gumbel_r", "cdf logcdf sf logsf", [X, LOC, SCALE], None),
    ("gumbel_r", "ppf", [Q_OPEN, LOC, SCALE], None),
]
FUNCS = {f"{m}.{fn}": (m, fn, lists) for m, fns, lists, _ in CASES for fn in fns.split()}
# JAX's poisson entropy is a truncated sum below mu = 100 and an asymptotic series above
RTOL = {"poisson.entropy": 1e-5}


def _grid(lists, dtype):
    return [onp.array(column, dtype) for column in zip(*itertools.product(*lists))]


def _check(name, got, args, dtype, expected=None):
    """`got` against SciPy's answer at `args` (followed by `expected` if given)."""
    mod, fn = name.split(".")
    with onp.errstate(all="ignore"):
        want = getattr(getattr(sps, mod), fn)(*[a.astype(onp.float64) for a in args])
    if expected is not None:
        want = onp.concatenate([want, expected])
    tol = 2e-4 if dtype == onp.float32 else 1e-9
    assert_close(got, want.astype(dtype), dtype, rtol=RTOL.get(name, tol), atol=tol)


# JAX's answers where SciPy answers otherwise (JAX checks few parameters, and its formulas
# give nan or -inf at some boundaries): function -> [(arguments, JAX's result)]

EDGES = {
    "beta.logpdf": [((0.5, 0.0, 1.0), nan), ((0.5, 1.0, -1.0), nan),
                    ((0.5, 1.0, 1.0, 0.0, 0.0), nan), ((1.5, 1.0, 1.0), -inf),
                    ((-0.1, 2.0, 2.0), -inf)],
    "gamma.logpdf": [((-1.0, 2.0), -inf), ((nan, 2.0), -inf)],
    "gamma.sf": [((-1.0, 2.0), 1.0)],
    "expon.cdf": [((-1.0,), 0.0)], "expon.logsf": [((-1.0,), 0.0)],
    "uniform.logpdf": [((nan,), 0.0), ((2.0,), -inf)],
    "uniform.ppf": [((-0.1,), nan), ((1.1,), nan)], "expon.ppf": [((1.1,), nan)],
    "pareto.logpdf": [((0.5, 2.0), -inf)], "pareto.cdf": [((0.5, 2.0), 0.0)],
    "pareto.logsf": [((0.5, 2.0), 0.0)], "pareto.ppf": [((1.1, 2.0), nan)],
    "norm.logpdf": [((1.0, 0.0, -1.0), -1.4189385332046727)],  # scale only enters squared
    "bernoulli.ppf": [((0.0, 0.3), 0.0), ((1.0, 0.0), 0.0), ((0.5, -0.1), nan), ((1.1, 0.5), nan)],
    "bernoulli.cdf": [((0.5, 1.2), nan)], "bernoulli.logpmf": [((2.0, 0.5), -inf)],
    "poisson.logpmf": [((2.5, 1.0), -inf), ((nan, 1.0), -inf)], "poisson.cdf": [((-1.0, 1.0), 0.0)],
    "binom.logpmf": [((6.0, 5.0, 0.3), -inf), ((0.0, 0.0, 0.3), 0.0)],
    "geom.logpmf": [((0.0, 0.5), -inf)], "nbinom.logpmf": [((-1.0, 2.0, 0.5), -inf)],
    "betabinom.logpmf": [((6.0, 5.0, 1.0, 1.0), -inf), ((1.0, -1.0, 1.0, 1.0), nan),
                         ((1.0, 5.0, 0.0, 1.0), nan), ((1.0, 5.0, 1.0, -1.0), nan),
                         ((0.0, 0.0, 1.0, 1.0), 0.0)],
    "truncnorm.logpdf": [((0.0, 1.0, 1.0), nan), ((2.0, -1.0, 1.0), -inf)],
    "truncnorm.logcdf": [((2.0, -1.0, 1.0), 0.0), ((-2.0, -1.0, 1.0), -inf),
                         ((0.0, 2.0, 1.0), nan)],
    "truncnorm.cdf": [((0.0, 2.0, 1.0), nan)],
    "vonmises.logpdf": [((0.0, 0.0), nan), ((0.0, -1.0), nan)],
    "gumbel_l.logpdf": [((0.0, 0.0, 0.0), nan)], "gumbel_l.logsf": [((0.0, 0.0, -1.0), nan)],
    "gumbel_r.cdf": [((0.0, 0.0, -1.0), nan)], "gumbel_r.logsf": [((0.0, 0.0, 0.0), nan)],
    "gumbel_l.ppf": [((0.0,), nan), ((1.0,), nan)], "gumbel_r.ppf": [((1.0,), nan), ((1.2,), nan)],
}


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_against_scipy(name):
    """Each function eagerly (one compiled program) in float32 on its grid, and on its
    EDGES cases (the same program: they join the grid)."""
    mod, fn, lists = FUNCS[name]
    f = getattr(getattr(st, mod), fn)
    args = _grid(lists, onp.float32)
    edges = EDGES.get(name, [])
    defaults = [p.default for p in inspect.signature(f).parameters.values()]
    edge_args = [[case[i] if i < len(case) else defaults[i] for case, _ in edges]
                 for i in range(len(args))]
    expected = onp.array([value for _, value in edges])
    got = f(*[xnp.asarray(onp.concatenate([a, onp.array(e, a.dtype)]))
              for a, e in zip(args, edge_args)])
    _check(name, got, args, onp.float32, expected)


@pytest.mark.parametrize("row", range(len(CASES)), ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_x64_jit_vmap(row, x64):
    """A row's functions in float64, together in one jit(vmap(...)) program, with the
    extreme rows added. Infinite inputs stay out: XLA simplifies a whole program's
    arithmetic differently, so at infinities its answers may differ from eager ones."""
    mod, fns, lists, extreme = CASES[row]
    finite = [[v for v in values if not onp.isinf(v)] for values in lists]
    args = _grid(finite, onp.float64)
    if extreme:
        args = [onp.concatenate(pair) for pair in zip(args, _grid(extreme, onp.float64))]
    module = getattr(st, mod)
    outs = xf.jit(xf.vmap(lambda *a: [getattr(module, fn)(*a) for fn in fns.split()]))(*args)
    for fn, out in zip(fns.split(), outs):
        _check(f"{mod}.{fn}", out, args, onp.float64)


def test_dtypes_and_broadcasting():
    # integers and Python scalars compute in float32; float64 stays float64 under x64
    assert st.norm.pdf(onp.arange(3)).dtype == onp.float32
    assert st.gamma.logpdf(2.0, 3).dtype == onp.float32
    assert st.poisson.pmf(onp.arange(4, dtype=onp.int32), 2).dtype == onp.float32
    out = st.beta.cdf(onp.linspace(0, 1, 3)[:, None].astype(onp.float32),
                      onp.array([1.0, 2.0], onp.float32), 2.0)
    assert out.shape == (3, 2)


def test_dtypes_x64(x64):
    assert st.t.logpdf(onp.float64(0.5), 3.0).dtype == onp.float64
    assert st.binom.pmf(onp.arange(3.0), 2.0, 0.5).dtype == onp.float64
    assert st.norm.ppf(onp.float32(0.3)).dtype == onp.float64  # as JAX: the default float


# ---------------------------------------------------------------------------------------
# Multivariate distributions

def test_multivariate_normal():
    rng = rng_for("mvn")
    x, mean = rng.normal(size=(4, 3)), rng.normal(size=3)
    a = rng.normal(size=(3, 3))
    cov = a @ a.T + onp.eye(3)
    f32 = onp.float32
    assert_close(st.multivariate_normal.logpdf(x.astype(f32), mean.astype(f32), cov.astype(f32)),
                 sps.multivariate_normal.logpdf(x, mean, cov).astype(f32), rtol=1e-4, atol=1e-4)
    assert_close(st.multivariate_normal.pdf(x.astype(f32), mean.astype(f32), f32(2.0)),
                 sps.multivariate_normal.pdf(x, mean, 2.0).astype(f32), rtol=1e-4)
    assert_close(st.multivariate_normal.logpdf(x[:, 0].astype(f32), f32(0.5), f32(2.0)),
                 sps.norm.logpdf(x[:, 0], 0.5, onp.sqrt(2.0)).astype(f32), rtol=1e-5)
    batched = st.multivariate_normal.logpdf(x.astype(f32), mean.astype(f32),
                                            onp.stack([cov, 2 * cov, cov, cov]).astype(f32))
    expected = [sps.multivariate_normal.logpdf(x[i], mean, c) for i, c in
                enumerate([cov, 2 * cov, cov, cov])]
    assert_close(batched, onp.array(expected, f32), rtol=1e-4)
    vmapped = xf.jit(xf.vmap(st.multivariate_normal.logpdf, (0, None, None)))(
        x.astype(f32), mean.astype(f32), cov.astype(f32))
    assert_close(vmapped, sps.multivariate_normal.logpdf(x, mean, cov).astype(f32), rtol=1e-4)
    with pytest.raises(NotImplementedError, match="allow_singular"):
        st.multivariate_normal.logpdf(x, mean, cov, allow_singular=True)
    with pytest.raises(ValueError, match="multivariate_normal.logpdf"):
        st.multivariate_normal.logpdf(x, mean, onp.eye(2))


def test_dirichlet():
    x64 = onp.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]]).T
    x, alpha = x64.astype(onp.float32), onp.array([0.5, 1.0, 3.0], onp.float32)
    expected = sps.dirichlet.logpdf(x64, alpha).astype(onp.float32)
    assert_close(st.dirichlet.logpdf(x, alpha), expected, rtol=1e-5)
    assert_close(st.dirichlet.logpdf(x[:2], alpha), expected, rtol=1e-5)  # last one implied
    assert_close(st.dirichlet.pdf(x[:, 0], alpha), onp.exp(expected[0]), rtol=1e-5)
    # JAX: -inf off the simplex (SciPy raises)
    off = onp.array([[0.0, 0.5, 0.5], [0.3, 0.3, 0.3]], onp.float32).T
    assert_close(st.dirichlet.logpdf(off, alpha), onp.array([-inf, -inf], onp.float32))
    with pytest.raises(ValueError, match="one-dimensional"):
        st.dirichlet.logpdf(x, alpha[None])
    with pytest.raises(ValueError, match="one entry fewer"):
        st.dirichlet.logpdf(x[:1], alpha)


def test_multinomial():
    p64 = onp.array([0.2, 0.3, 0.5])
    p, x = p64.astype(onp.float32), onp.array([1, 2, 3])
    assert_close(st.multinomial.logpmf(x, 6, p), onp.float32(sps.multinomial.logpmf(x, 6, p64)),
                 rtol=1e-5)
    p_zero = onp.array([0.0, 0.3, 0.7], onp.float32)
    assert_close(st.multinomial.pmf(onp.array([0, 0, 6]), 6, p_zero), onp.float32(0.7 ** 6),
                 rtol=1e-5)
    assert_close(st.multinomial.logpmf(x, 5, p), onp.float32(-inf))  # counts not summing to n
    with pytest.raises(ValueError, match="integer type"):
        st.multinomial.logpmf(x.astype(onp.float32), 6, p)


# ---------------------------------------------------------------------------------------
# Gradients: finite differences for a representative log density per family (discrete
# families in their continuous parameters) and a few distribution functions

GRADS = [  # function, arguments, positions to differentiate
    ("norm.logpdf", (0.3, 0.5, 1.5), (0, 1, 2)), ("norm.logcdf", (-0.7, 0.1, 1.3), (0, 1, 2)),
    ("gamma.logpdf", (1.3, 2.5, 0.1, 0.8), (0, 1, 2, 3)),
    ("beta.logpdf", (0.3, 2.0, 3.0), (0, 1, 2)),
    ("t.logpdf", (0.3, 3.0, 0.5, 1.5), (0, 1, 2, 3)), ("chi2.logpdf", (1.3, 3.0), (0, 1)),
    ("cauchy.logpdf", (0.3, 0.1, 1.2), (0, 1, 2)), ("laplace.logpdf", (0.3, -0.5, 1.5), (0, 1, 2)),
    ("logistic.logpdf", (0.3, 0.1, 1.2), (0, 1, 2)), ("expon.logpdf", (1.3, 0.2, 1.5), (0, 1, 2)),
    ("uniform.logpdf", (0.3, 0.0, 2.0), (2,)),
    ("pareto.logpdf", (2.3, 1.5, 0.1, 1.2), (0, 1, 2, 3)),
    ("gennorm.logpdf", (0.3, 1.5), (0, 1)), ("vonmises.logpdf", (0.3, 2.0), (0, 1)),
    ("gumbel_l.logpdf", (0.3, 0.1, 1.2), (0, 1, 2)),
    ("gumbel_r.logpdf", (0.3, 0.1, 1.2), (0, 1, 2)),
    ("truncnorm.logpdf", (0.3, -1.0, 2.0, 0.1, 1.2), (0, 1, 2, 3, 4)),
    ("poisson.logpmf", (3.0, 2.5), (1,)), ("binom.logpmf", (2.0, 5.0, 0.3), (2,)),
    ("nbinom.logpmf", (2.0, 3.0, 0.4), (1, 2)), ("geom.logpmf", (3.0, 0.4), (1,)),
    ("betabinom.logpmf", (2.0, 5.0, 1.5, 2.5), (2, 3)), ("bernoulli.logpmf", (1.0, 0.3), (1,)),
    ("cauchy.cdf", (0.3, 0.1, 1.2), (0, 1, 2)), ("gamma.cdf", (1.3, 2.5), (0,)),
    ("beta.sf", (0.3, 2.0, 3.0), (0,)),
]


@pytest.mark.parametrize("name,args,wrt", GRADS, ids=[g[0] for g in GRADS])
def test_grads(name, args, wrt, x64):
    mod, fn = name.split(".")
    f = getattr(getattr(st, mod), fn)

    def partial(*diff):
        full = list(args)
        for i, v in zip(wrt, diff):
            full[i] = v
        return f(*full)

    check_grads(partial, [onp.float64(args[i]) for i in wrt], order=1, modes=("fwd", "rev"))


def test_grads_multivariate(x64):
    rng = rng_for("mvn-grad")
    a = rng.normal(size=(3, 3))
    cov, x, mean = a @ a.T + onp.eye(3), rng.normal(size=3), rng.normal(size=3)
    check_grads(st.multivariate_normal.logpdf, (x, mean, cov), order=1, modes=("rev",))
    alpha = onp.array([0.5, 1.5, 3.0])
    check_grads(st.dirichlet.logpdf, (onp.array([0.2, 0.3]), alpha), order=1, modes=("rev",))


# ---------------------------------------------------------------------------------------
# mode, rankdata, sem

def test_mode():
    a = rng_for("mode").integers(0, 4, (5, 7))
    for axis, keepdims in [(0, False), (1, True), (-1, False), (None, False), (None, True)]:
        got = st.mode(a, axis=axis, keepdims=keepdims)
        want = sps.mode(a, axis=axis, keepdims=keepdims)
        assert_close(got.mode, want.mode.astype(onp.int32))
        assert_close(got.count, want.count.astype(onp.int32))
    got = xf.jit(st.mode, static_argnames="axis")(a, axis=1)
    assert_close(got.mode, sps.mode(a, axis=1).mode.astype(onp.int32))
    # as JAX: nans count as one value; an empty axis gives nan with count 0
    nan_mode = st.mode(onp.array([nan, nan, 1.0], onp.float32))
    assert_close(nan_mode.mode, onp.float32(nan))
    assert_close(nan_mode.count, onp.int32(2))
    empty = st.mode(onp.zeros((0, 3), onp.float32))
    assert_close(empty.mode, onp.full(3, nan, onp.float32))
    assert_close(empty.count, onp.zeros(3, onp.float32))
    with pytest.raises(NotImplementedError, match="nan_policy"):
        st.mode(a, nan_policy="omit")
    with pytest.raises(ValueError, match="nan_policy"):
        st.mode(a, nan_policy="ignore")


@pytest.mark.parametrize("method", ["average", "min", "max", "dense", "ordinal"])
def test_rankdata(method):
    a = rng_for("rank").integers(0, 4, (5, 7))
    for axis in (None, 0, 1):
        assert_close(st.rankdata(a, method, axis=axis),
                     sps.rankdata(a, method, axis=axis).astype(onp.float32))
    f = a.astype(onp.float32)
    f[1, 2] = nan  # a slice holding nan ranks as nan (SciPy's nan_policy="propagate" too)
    assert_close(st.rankdata(f, method, axis=1),
                 sps.rankdata(f, method, axis=1).astype(onp.float32))
    assert_close(st.rankdata(f, method), onp.full(35, nan, onp.float32))


def test_rankdata_errors():
    with pytest.raises(ValueError, match="unknown method"):
        st.rankdata(onp.arange(3), "first")
    with pytest.raises(NotImplementedError, match="nan_policy"):
        st.rankdata(onp.arange(3), nan_policy="raise")


def test_sem():
    a = rng_for("sem").normal(size=(6, 5)).astype(onp.float32)
    a[2, 1] = nan
    for axis in (0, 1, None):
        for ddof in (0, 1):
            for policy in ("propagate", "omit"):
                got = st.sem(a, axis=axis, ddof=ddof, nan_policy=policy, keepdims=axis == 1)
                want = sps.sem(a.astype(onp.float64), axis=axis, ddof=ddof, nan_policy=policy,
                               keepdims=axis == 1)
                assert_close(got, onp.asarray(want, onp.float32), rtol=1e-5)
    assert st.sem(onp.arange(4)).dtype == onp.float32
    with pytest.raises(ValueError, match="nan_policy"):
        st.sem(a, nan_policy="raise")


def test_data_functions_under_vmap():
    a = rng_for("vmap-data").integers(0, 3, (4, 6))
    assert_close(xf.vmap(st.rankdata)(a),
                 onp.stack([sps.rankdata(row) for row in a]).astype(onp.float32))
    got, want = xf.vmap(st.mode)(a), sps.mode(a, axis=1)
    assert_close(got.mode, want.mode.astype(onp.int32))
    assert_close(got.count, want.count.astype(onp.int32))
    assert_close(xf.vmap(st.sem)(a.astype(onp.float32)),
                 sps.sem(a, axis=1).astype(onp.float32), rtol=1e-5)


# ---------------------------------------------------------------------------------------
# gaussian_kde

def _kde_pair(bw_method, weighted, d=2):
    rng = rng_for("kde", d)
    data = rng.normal(size=(d, 40))
    weights = rng.uniform(0.5, 1.0, 40) if weighted else None
    ours = st.gaussian_kde(data.astype(onp.float32), bw_method, weights)
    return ours, sps.gaussian_kde(data, bw_method, weights), rng


@pytest.mark.parametrize("bw_method", [None, "scott", "silverman", 0.4, lambda k: 0.3])
@pytest.mark.parametrize("weighted", [False, True])
def test_gaussian_kde(bw_method, weighted):
    ours, ref, rng = _kde_pair(bw_method, weighted)
    points = rng.normal(size=(2, 6))
    p32 = points.astype(onp.float32)
    f32 = onp.float32
    assert_close(ours.covariance, ref.covariance.astype(f32), rtol=1e-4)
    assert_close(ours.neff, f32(ref.neff), rtol=1e-5)
    assert (ours.d, ours.n) == (2, 40)
    for method in ("evaluate", "pdf", "__call__"):
        assert_close(getattr(ours, method)(p32), ref.evaluate(points).astype(f32), rtol=1e-4)
    assert_close(ours.logpdf(p32), ref.logpdf(points).astype(f32), rtol=1e-4)
    mean, cov = onp.array([0.1, 0.2]), onp.eye(2) * 0.5
    assert_close(ours.integrate_gaussian(mean.astype(f32), cov.astype(f32)),
                 f32(ref.integrate_gaussian(mean, cov)), rtol=1e-4)
    other = sps.gaussian_kde(ref.dataset[:, :10])
    assert_close(ours.integrate_kde(st.gaussian_kde(other.dataset.astype(f32))),
                 f32(ref.integrate_kde(other)), rtol=1e-4)


def test_gaussian_kde_1d_and_pytree():
    rng = rng_for("kde1")
    data = rng.normal(size=50)
    ours, ref = st.gaussian_kde(data.astype(onp.float32)), sps.gaussian_kde(data)
    assert_close(ours.integrate_box_1d(-0.5, 1.0), onp.float32(ref.integrate_box_1d(-0.5, 1.0)),
                 rtol=1e-5)
    points = onp.linspace(-2, 2, 5)
    assert_close(ours(points.astype(onp.float32)), ref(points).astype(onp.float32), rtol=1e-4)
    # a pytree of its arrays: it crosses jit and vmap boundaries
    assert len(xf.tree_util.tree_leaves(ours)) == 5
    logpdf = xf.jit(lambda kde, x: kde.logpdf(x))(ours, points.astype(onp.float32))
    assert_close(logpdf, ref.logpdf(points).astype(onp.float32), rtol=1e-4)
    per_point = xf.vmap(lambda x: ours.evaluate(x)[0])(points.astype(onp.float32))
    assert_close(per_point, ref(points).astype(onp.float32), rtol=1e-4)


def test_gaussian_kde_resample():
    ours, ref, _ = _kde_pair(None, True)
    key = random.key(0)
    draws = ours.resample(key, (4000,))
    assert draws.shape == (2, 4000) and draws.dtype == onp.float32
    assert_close(ours.resample(key, (4000,)), onp.asarray(draws))  # a function of the key
    mean = onp.average(ref.dataset, axis=1, weights=ref.weights)
    assert_close(xnp.mean(draws, axis=1), mean.astype(onp.float32), atol=0.1, rtol=0)
    spread = onp.cov(onp.asarray(draws, onp.float64))
    want = onp.cov(ref.dataset, aweights=ref.weights) + ref.covariance
    onp.testing.assert_allclose(spread, want, atol=0.15)
    jitted = xf.jit(lambda kde, k: kde.resample(k, (3,)))(ours, key)
    assert jitted.shape == (2, 3)
    assert ours.resample(key).shape == (2,)


def test_gaussian_kde_errors():
    data = onp.arange(6.0).reshape(2, 3)
    with pytest.raises(NotImplementedError, match="complex"):
        st.gaussian_kde(data + 1j)
    with pytest.raises(ValueError, match="multiple elements"):
        st.gaussian_kde(onp.array([1.0]))
    with pytest.raises(ValueError, match="weights"):
        st.gaussian_kde(data, weights=onp.ones(4))
    with pytest.raises(ValueError, match="bw_method"):
        st.gaussian_kde(data, bw_method="wide")
    kde = st.gaussian_kde(onp.array([[0.0, 1.0, 3.0, 2.0], [1.0, 0.0, 2.5, 2.0]]))
    with pytest.raises(ValueError, match="dimension"):
        kde.evaluate(onp.zeros((3, 2)))
    with pytest.raises(ValueError, match="1D"):
        kde.integrate_box_1d(0.0, 1.0)
    with pytest.raises(NotImplementedError, match="integrate_box_1d"):
        kde.integrate_box([0.0, 0.0], [1.0, 1.0])
    with pytest.raises(NotImplementedError, match="bandwidth"):
        kde.set_bandwidth("silverman")
