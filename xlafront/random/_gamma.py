"""xlafront.random's gamma family (Marsaglia-Tsang rejection per value, with JAX's implicit
reparameterization gradient) and what is built on it, and the discrete counts (poisson,
binomial, multinomial)."""
import math

import numpy as np

from .. import dtypes, lax
from .. import numpy as jnp
from ..core import ShapedArray, bind, concrete_or_error, concrete_shape, get_aval
from ..custom_derivatives import stop_gradient
from ..devices import default_backend
from ..dispatch import eager
from ..errors import api_boundary
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from ..lax.base import primitive
from ..vmap import vmap
from ._keys import (_U32, _check_shape, _dtype, _key_data, _param,
                    _sample_shape, _sampler_args, _split, _unstack)
from ._samplers import (_exponential, _normal, _rademacher, _uniform)


# ---------------------------------------------------------------------------------------
# gamma: Marsaglia-Tsang rejection sampling per value, with JAX's implicit
# reparameterization gradient

def _gamma_one(key, alpha, log_space):
    """One Gamma(alpha) sample (its log with log_space) from one key (Marsaglia and Tsang,
    "A simple method for generating gamma variables", 2000)."""
    dtype = get_aval(alpha).dtype
    const = lambda v: np.array(v, dtype)  # noqa: E731
    zero, one, minus_one = const(0), const(1), const(-1)
    one_over_three = const(1. / 3.)
    # alpha < 1: sample Gamma(alpha + 1) and scale by Uniform() ** (1 / alpha) (in log
    # space when asked: for tiny alpha that power underflows)
    boost_mask = lax.ge(alpha, one)
    alpha_orig = alpha
    alpha = lax.select(boost_mask, alpha, lax.add(alpha, one))
    d = lax.sub(alpha, one_over_three)
    c = lax.div(one_over_three, lax.sqrt(d))

    def cond_fn(state):
        _, X, V, U = state
        # accept when U < 1 - 0.0331 X^2 or log U < X/2 + d (1 - V + log V)
        return lax.bitwise_and(
            lax.ge(U, lax.sub(one, lax.mul(const(0.0331), lax.mul(X, X)))),
            lax.ge(lax.log(U), lax.add(lax.mul(X, const(0.5)),
                                       lax.mul(d, lax.add(lax.sub(one, V), lax.log(V))))))

    def next_kxv(kxv):
        key, subkey = _unstack(_split(kxv[0], (2,)))
        x = _normal(subkey, (), dtype)
        return key, x, lax.add(one, lax.mul(x, c))

    def body_fn(state):
        key, x_key, u_key = _unstack(_split(state[0], (3,)))
        _, x, v = lax.while_loop(lambda kxv: lax.le(kxv[2], zero), next_kxv,
                                 (x_key, zero, minus_one))
        return key, lax.mul(x, x), lax.mul(lax.mul(v, v), v), _uniform(u_key, 0., 1., (), dtype)

    key, subkey = _unstack(_split(key, (2,)))
    _, _, V, _ = lax.while_loop(cond_fn, body_fn, (key, zero, one, const(2)))
    if log_space:
        log_samples = lax.neg(_exponential(subkey, (), dtype))
        log_boost = lax.select(lax.bitwise_or(boost_mask, log_samples == 0), zero,
                               lax.mul(log_samples, lax.div(one, alpha_orig)))
        return lax.add(lax.add(lax.log(d), lax.log(V)), log_boost)
    samples = 1 - _uniform(subkey, 0., 1., (), dtype)
    boost = lax.select(boost_mask, one, lax.pow(samples, lax.div(one, alpha_orig)))
    return lax.mul(lax.mul(d, V), boost)


def _gamma_impl(key, a, log_space):
    """Samples for every entry of `a`, the key data's leading dims a prefix of a's shape:
    each key is split into one key per entry it covers."""
    a_shape = get_aval(a).shape
    key_shape = get_aval(key).shape[:-1]
    if not math.prod(a_shape):
        return lax.full(a_shape, 0, get_aval(a).dtype)
    split_count = math.prod(a_shape[len(key_shape):])
    keys = lax.reshape(key, (math.prod(key_shape), 2))
    keys = vmap(lambda k: _split(k, (split_count,)))(keys)
    keys = lax.reshape(keys, (math.prod(a_shape), 2))
    samples = vmap(lambda k, alpha: _gamma_one(k, alpha, log_space))(
        keys, lax.reshape(a, (math.prod(a_shape),)))
    return lax.reshape(samples, a_shape)


def _gamma_abstract(key, a, log_space):
    if key.dtype != _U32 or key.ndim < 1 or key.shape[-1] != 2:
        raise TypeError(f"random_gamma: the key operand must be uint32 key data of shape "
                        f"(..., 2), got {key.dtype.name}{list(key.shape)}")
    if a.shape[:key.ndim - 1] != key.shape[:-1]:
        raise TypeError(f"random_gamma: the keys' shape {key.shape[:-1]} must prefix the shape "
                        f"of a, {a.shape}")
    if dtypes.kind(a.dtype) != "f":
        raise TypeError(f"random_gamma: a must be floating, got {a.dtype.name}")
    return [ShapedArray(a.shape, a.dtype)]


random_gamma_p = primitive("random_gamma", _gamma_abstract, L.lower_fun(_gamma_impl))


def _gamma_batch(vals, dims, log_space):
    key, a = vals
    size = batching.batch_size_of(vals, dims)
    key, a = (batching.bdim_at_front(x, d, size) for x, d in zip(vals, dims))
    return [bind(random_gamma_p, key, a, log_space=log_space)], [0]


batching.primitive_batchers[random_gamma_p] = _gamma_batch


def _gamma_grad(sample, a, log_space):
    """d sample / d a at fixed CDF value (the implicit reparameterization gradient), from
    the sample (its log with log_space)."""
    samples, alphas = jnp.reshape(sample, -1), jnp.reshape(a, -1)
    if log_space:
        # d log(x) / da = (dx / da) / x; a sample that underflowed to 0 counts as tiny
        samples = lax.exp(samples)
        samples = jnp.where(samples == 0, dtypes.finfo(samples.dtype).tiny, samples)
        grad = lambda alpha, x: lax.random_gamma_grad(alpha, x) / x  # noqa: E731
    else:
        grad = lax.random_gamma_grad
    if default_backend() == "cpu":
        # one value at a time, as JAX on CPU: XLA's vectorized log and exp round
        # differently from the scalar ones, and these are JAX's bits
        grads = lax.map(lambda args: grad(*args), (alphas, samples))
    else:
        grads = vmap(grad)(alphas, samples)
    return grads.reshape(get_aval(a).shape)


ad.defjvp2(random_gamma_p, None,
           lambda g, ans, key, a, log_space: g * _gamma_grad(ans, a, log_space))


def _gamma_public(name, log_space, doc):
    def sampler(key, a, shape=None, dtype=None):
        data, _ = _key_data(name, key)
        dtype = _dtype(name, dtype, "f")
        a = _param(a)
        return _gamma(data, a, _sample_shape(name, shape, a), dtype, log_space)
    sampler.__name__ = sampler.__qualname__ = name
    sampler.__doc__ = doc
    return api_boundary(sampler)


@eager(static_argnums=(2, 3, 4))
def _gamma(key, a, shape, dtype, log_space):
    a = lax.convert_element_type(a, dtype)
    if get_aval(a).shape != shape:
        a = jnp.broadcast_to(a, shape)
    return bind(random_gamma_p, key, a, log_space=log_space)


gamma = _gamma_public("gamma", False, """Gamma(a, 1) values, differentiable in `a` (implicit
reparameterization: d sample / d a = -(dCDF/da) / density at the sample, as JAX).""")
loggamma = _gamma_public("loggamma", True, """log of Gamma(a, 1) values, computed in log space
(accurate for small a), differentiable in `a` as gamma is.""")


def _loggamma(key, a, shape, dtype):
    return _gamma(key, a, shape, dtype, True)


@api_boundary
def beta(key, a, b, shape=None, dtype=None):
    """Beta(a, b) values."""
    data, dtype, shape, (a, b) = _sampler_args("beta", key, shape, dtype, a, b)
    return _beta(data, a, b, shape, dtype)


@eager(static_argnums=(3, 4))
def _beta(key, a, b, shape, dtype):
    a = jnp.broadcast_to(lax.convert_element_type(a, dtype), shape)
    b = jnp.broadcast_to(lax.convert_element_type(b, dtype), shape)
    key_a, key_b = _unstack(_split(key, (2,)))
    log_gamma_a = _loggamma(key_a, a, shape, dtype)
    log_gamma_b = _loggamma(key_b, b, shape, dtype)
    # gamma_a / (gamma_a + gamma_b) without overflow or underflow
    log_max = lax.max(log_gamma_a, log_gamma_b)
    gamma_a_scaled = jnp.exp(log_gamma_a - log_max)
    gamma_b_scaled = jnp.exp(log_gamma_b - log_max)
    return gamma_a_scaled / (gamma_a_scaled + gamma_b_scaled)


@api_boundary
def dirichlet(key, alpha, shape=None, dtype=None):
    """Dirichlet(alpha) values, alpha of shape (..., n); `shape` is the batch shape."""
    data, _ = _key_data("dirichlet", key)
    dtype = _dtype("dirichlet", dtype, "f")
    alpha = _param(alpha)
    if get_aval(alpha).ndim < 1:
        raise ValueError(f"dirichlet requires alpha.ndim >= 1, got alpha.ndim == "
                         f"{get_aval(alpha).ndim}")
    if shape is None:
        shape = alpha.shape[:-1]
    else:
        shape = concrete_shape(shape, "dirichlet")
        _check_shape("dirichlet", shape, alpha.shape[:-1])
    return _dirichlet(data, alpha, shape, dtype)


@eager(static_argnums=(2, 3))
def _dirichlet(key, alpha, shape, dtype):
    alpha = lax.convert_element_type(alpha, dtype)
    # in log space: small alpha makes gamma samples underflow
    x = _loggamma(key, alpha, shape + get_aval(alpha).shape[-1:], dtype)
    x_max = jnp.max(x, -1, initial=-np.inf, keepdims=True)  # softmax(x, -1), as jax.nn's
    unnormalized = jnp.exp(x - stop_gradient(x_max))
    return unnormalized / jnp.sum(unnormalized, -1, keepdims=True)


@api_boundary
def t(key, df, shape=None, dtype=None):
    """Student's t values with df degrees of freedom."""
    data, dtype, shape, (df,) = _sampler_args("t", key, shape, dtype, df)
    return _t(data, df, shape, dtype)


@eager(static_argnums=(2, 3))
def _t(key, df, shape, dtype):
    df = lax.convert_element_type(df, dtype)
    key_n, key_g = _unstack(_split(key, (2,)))
    n = _normal(key_n, shape, dtype)
    half_df = lax.div(df, np.array(2, dtype))
    g = _gamma(key_g, half_df, shape, dtype, False)
    return n * jnp.sqrt(half_df / g)


@api_boundary
def chisquare(key, df, shape=None, dtype=None):
    """Chi-square values with df degrees of freedom."""
    data, dtype, shape, (df,) = _sampler_args("chisquare", key, shape, dtype, df)
    return _chisquare(data, df, shape, dtype)


@eager(static_argnums=(2, 3))
def _chisquare(key, df, shape, dtype):
    df = lax.convert_element_type(df, dtype)
    two = np.array(2, dtype)
    log_g = _loggamma(key, lax.div(df, two), shape, dtype)
    return lax.mul(jnp.exp(log_g), two)


@api_boundary
def f(key, dfnum, dfden, shape=None, dtype=None):
    """F-distribution values with dfnum and dfden degrees of freedom."""
    data, dtype, shape, (dfnum, dfden) = _sampler_args("f", key, shape, dtype, dfnum, dfden)
    return _f(data, dfnum, dfden, shape, dtype)


@eager(static_argnums=(3, 4))
def _f(key, dfnum, dfden, shape, dtype):
    dfden = lax.convert_element_type(dfden, dtype)
    dfnum = lax.convert_element_type(dfnum, dtype)
    key_dfd, key_dfn = _unstack(_split(key, (2,)))
    chi2_dfn = _chisquare(key_dfn, dfnum, shape, dtype)
    chi2_dfd = _chisquare(key_dfd, dfden, shape, dtype)
    return lax.div(lax.div(chi2_dfn, dfnum), lax.div(chi2_dfd, dfden))


@api_boundary
def generalized_normal(key, p, shape=(), dtype=None):
    """Generalized normal values of power p (density ~ exp(-|x|^p))."""
    data, _ = _key_data("generalized_normal", key)
    dtype = dtypes.check_dtype(float if dtype is None else dtype, "generalized_normal")
    return _generalized_normal(data, _param(p), concrete_shape(shape, "generalized_normal"),
                               dtype)


@eager(static_argnums=(2, 3))
def _generalized_normal(key, p, shape, dtype):
    k1, k2 = _unstack(_split(key, (2,)))
    g = _gamma(k1, 1 / p, shape, dtype, False)
    r = _rademacher(k2, shape, dtype)
    return r * g ** (1 / p)


@api_boundary
def ball(key, d, p=2, shape=(), dtype=None):
    """Points uniform in the d-dimensional unit p-norm ball."""
    data, _ = _key_data("ball", key)
    dtype = dtypes.check_dtype(float if dtype is None else dtype, "ball")
    d = int(concrete_or_error(d, "The error occurred in jax.random.ball()").__index__())
    return _ball(data, _param(p), d, concrete_shape(shape, "ball"), dtype)


@eager(static_argnums=(2, 3, 4))
def _ball(key, p, d, shape, dtype):
    k1, k2 = _unstack(_split(key, (2,)))
    g = _generalized_normal(k1, p, (*shape, d), dtype)
    e = _exponential(k2, shape, dtype)
    return g / (((jnp.abs(g) ** p).sum(-1) + e) ** (1 / p))[..., None]


# ---------------------------------------------------------------------------------------
# Discrete counts: poisson, binomial, multinomial

@api_boundary
def poisson(key, lam, shape=None, dtype=None):
    """Poisson values of rate lam (Knuth's method below 10, transformed rejection above)."""
    data, _ = _key_data("poisson", key)
    dtype = _dtype("poisson", dtype, "iu", default=int, what="an integer")
    lam = _param(lam)
    shape = (get_aval(lam).shape if shape is None else concrete_shape(shape, "poisson"))
    lam = lax.convert_element_type(jnp.broadcast_to(lam, shape), np.float32)
    return _poisson(data, lam, shape, dtype)


@eager(static_argnums=(2, 3))
def _poisson(key, lam, shape, dtype):
    use_knuth = jnp.isnan(lam) | (lam < 10)
    lam_knuth = lax.select(use_knuth, lam, jnp.zeros_like(lam))
    # a large rate keeps the rejection sampler's unused values well-defined
    lam_rejection = lax.select(use_knuth, jnp.full_like(lam, 1e5), lam)
    max_iters = dtype.type(dtypes.iinfo(dtype).max)
    result = lax.select(use_knuth, _poisson_knuth(key, lam_knuth, shape, dtype, max_iters),
                        _poisson_rejection(key, lam_rejection, shape, dtype, max_iters))
    return lax.select(lam == 0, jnp.zeros_like(result), result)


def _poisson_knuth(key, lam, shape, dtype, max_iters):
    """Knuth's algorithm: count uniforms until their product drops below exp(-lam)."""
    def body_fn(carry):
        i, k, rng, log_prod = carry
        rng, subkey = _unstack(_split(rng, (2,)))
        k = lax.select(log_prod > -lam, k + 1, k)
        u = _uniform(subkey, 0., 1., shape, np.dtype(np.float32))
        return i + 1, k, rng, log_prod + jnp.log(u)

    def cond_fn(carry):
        i, log_prod = carry[0], carry[3]
        return (log_prod > -lam).any() & (i < max_iters)

    k_init = jnp.zeros(shape, dtype)
    log_rate_init = jnp.zeros(shape, np.float32)
    k = lax.while_loop(cond_fn, body_fn, (0, k_init, key, log_rate_init))[1]
    return (k - 1).astype(dtype)


def _poisson_rejection(key, lam, shape, dtype, max_iters):
    """Hormann's transformed rejection with squeeze (PTRS), for lam >= 10."""
    log_lam = lax.log(lam)
    b = 0.931 + 2.53 * lax.sqrt(lam)
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2)

    def body_fn(carry):
        i, k_out, accepted, key = carry
        key, subkey_0, subkey_1 = _unstack(_split(key, (3,)))
        u = _uniform(subkey_0, 0., 1., shape, lam.dtype) - 0.5
        v = _uniform(subkey_1, 0., 1., shape, lam.dtype)
        u_shifted = 0.5 - jnp.abs(u)
        k = lax.floor((2 * a / u_shifted + b) * u + lam + 0.43)
        s = lax.log(v * inv_alpha / (a / (u_shifted * u_shifted) + b))
        t = -lam + k * log_lam - lax.lgamma(k + 1)
        accept1 = (u_shifted >= 0.07) & (v <= v_r)
        reject = (k < 0) | ((u_shifted < 0.013) & (v > u_shifted))
        accept = accept1 | (~reject & (s <= t))
        return i + 1, lax.select(accept, k, k_out), accepted | accept, key

    def cond_fn(carry):
        i, _, accepted, _ = carry
        return (~accepted).any() & (i < max_iters)

    init = (0, jnp.full(shape, -1, lam.dtype), jnp.zeros(shape, bool), key)
    return lax.while_loop(cond_fn, body_fn, init)[1].astype(dtype)


@api_boundary
def binomial(key, n, p, shape=None, dtype=None):
    """Binomial(n, p) counts, as floats (inversion for n*p <= 10, BTRS rejection above)."""
    data, _ = _key_data("binomial", key)
    dtype = _dtype("binomial", dtype, "f")
    n, p = _param(n), _param(p)
    shape = _sample_shape("binomial", shape, n, p)
    return _binomial(data, n, p, shape, dtype)


def _stirling_approx_tail(k):
    """log(k!) minus its Stirling approximation: a table below 10, a series above."""
    tail_values = jnp.array([
        0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
        0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
        0.00925546218271273, 0.00833056343336287], dtype=k.dtype)
    use_tail_values = k <= 9
    k = lax.clamp(np.array(0.0, k.dtype), k, np.array(9.0, k.dtype))
    kp1sq = (k + 1) * (k + 1)
    approx = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)
    return lax.select(use_tail_values, tail_values[jnp.floor(k).astype(np.int32)], approx)


def _binomial_inversion(key, count, prob, shape, dtype, max_iters):
    """Counts the geometric waiting times that fit in `count` trials."""
    log1minusprob = jnp.log1p(-prob)

    def body_fn(carry):
        i, num_geom, geom_sum, key = carry
        subkey, key = _unstack(_split(key, (2,)))
        num_geom_out = lax.select(geom_sum <= count, num_geom + 1, num_geom)
        u = _uniform(subkey, 0., 1., shape, prob.dtype)
        geom_sum = geom_sum + jnp.ceil(jnp.log(u) / log1minusprob)
        return i + 1, num_geom_out, geom_sum, key

    def cond_fn(carry):
        i, geom_sum = carry[0], carry[2]
        return (geom_sum <= count).any() & (i < max_iters)

    zeros = jnp.zeros(shape, prob.dtype)
    k = lax.while_loop(cond_fn, body_fn, (0, zeros, zeros, key))[1]
    return (k - 1).astype(dtype)


def _btrs(key, count, prob, shape, dtype, max_iters):
    """Hormann's BTRS: transformed rejection with squeeze for binomials."""
    stddev = jnp.sqrt(count * prob * (1 - prob))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * prob
    c = count * prob + 0.5
    v_r = 0.92 - 4.2 / b
    r = prob / (1 - prob)
    alpha = (2.83 + 5.1 / b) * stddev
    m = jnp.floor((count + 1) * prob)

    def body_fn(carry):
        i, k_out, accepted, key = carry
        key, subkey_0, subkey_1 = _unstack(_split(key, (3,)))
        u = _uniform(subkey_0, 0., 1., shape, prob.dtype)
        v = _uniform(subkey_1, 0., 1., shape, prob.dtype)
        u = u - 0.5
        us = 0.5 - jnp.abs(u)
        accept1 = (us >= 0.07) & (v <= v_r)
        k = jnp.floor((2 * a / us + b) * u + c)
        reject = (k < 0) | (k > count)
        v = jnp.log(v * alpha / (a / (us * us) + b))
        ub = ((m + 0.5) * jnp.log((m + 1) / (r * (count - m + 1)))
              + (count + 1) * jnp.log((count - m + 1) / (count - k + 1))
              + (k + 0.5) * jnp.log(r * (count - k + 1) / (k + 1))
              + _stirling_approx_tail(m) + _stirling_approx_tail(count - m)
              - _stirling_approx_tail(k) - _stirling_approx_tail(count - k))
        accept = accept1 | (~reject & (v <= ub))
        return i + 1, lax.select(accept, k, k_out), accepted | accept, key

    def cond_fn(carry):
        i, accepted = carry[0], carry[2]
        return (~accepted).any() & (i < max_iters)

    init = (0, jnp.full(shape, -1, prob.dtype), jnp.full(shape, False, bool), key)
    return lax.while_loop(cond_fn, body_fn, init)[1].astype(dtype)


@eager(static_argnums=(3, 4))
def _binomial(key, count, prob, shape, dtype):
    prob = prob.astype(dtypes.to_inexact(prob.dtype))
    count = jnp.broadcast_to(lax.convert_element_type(count, prob.dtype), shape)
    prob = jnp.broadcast_to(prob, shape)
    p_lt_half = prob < 0.5
    q = lax.select(p_lt_half, prob, 1.0 - prob)  # sample with q <= 1/2, flip at the end
    count_nan_or_neg = jnp.isnan(count) | (count < 0.0)
    count_inf = jnp.isinf(count)
    q_is_nan = jnp.isnan(q)
    q_l_0 = q < 0.0
    q = lax.select(q_is_nan | q_l_0, jnp.full_like(q, 0.01), q)
    use_inversion = count_nan_or_neg | (count * q <= 10.0)
    count = jnp.floor(count)  # a fractional count counts its whole trials
    count_inv = lax.select(use_inversion, count, jnp.zeros_like(count))
    count_btrs = lax.select(use_inversion, jnp.full_like(count, 1e4), count)
    q_btrs = lax.select(use_inversion, jnp.full_like(q, 0.5), q)
    max_iters = dtype.type(dtypes.finfo(dtype).max)
    samples = lax.select(use_inversion,
                         _binomial_inversion(key, count_inv, q, shape, dtype, max_iters),
                         _btrs(key, count_btrs, q_btrs, shape, dtype, max_iters))
    invalid = q_l_0 | q_is_nan | count_nan_or_neg
    samples = lax.select(invalid, jnp.full_like(samples, np.nan, dtype), samples)
    samples = lax.select(count_inf & ~invalid, jnp.full_like(samples, np.inf, dtype), samples)
    return lax.select(p_lt_half | count_nan_or_neg | q_is_nan | count_inf, samples,
                      count.astype(dtype) - samples)


@api_boundary
def multinomial(key, n, p, *, shape=None, dtype=None, unroll=1):
    """Multinomial counts of n trials over categories of probabilities p (the last axis),
    as a sequence of conditional binomials."""
    data, _ = _key_data("multinomial", key)
    dtype = _dtype("multinomial", dtype, "f")
    n, p = _param(n), _param(p)
    inexact = dtypes.to_inexact(dtypes.result_type(n, p))
    n, p = n.astype(inexact), p.astype(inexact)
    shape = p.shape if shape is None else concrete_shape(shape, "multinomial")
    n = jnp.broadcast_to(n, shape[:-1])
    p = jnp.broadcast_to(p, shape)

    def step(remainder, ratio_key):
        ratio, k = ratio_key
        count = _binomial(k, remainder, jnp.clip(ratio, 0, 1), get_aval(remainder).shape,
                          get_aval(remainder).dtype)
        return remainder - count, count

    p = jnp.moveaxis(p, -1, 0)
    remaining_probs = lax.cumsum(p, 0, reverse=True)
    ratios = p / jnp.where(remaining_probs == 0, 1, remaining_probs)
    keys = _split(data, (ratios.shape[0],))
    _, counts = lax.scan(step, n, (ratios, keys), unroll=unroll)
    return jnp.moveaxis(counts, 0, -1).astype(dtype)
