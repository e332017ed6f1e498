"""jax.scipy.stats.poisson: the Poisson distribution."""
import numpy as np

from ... import numpy as jnp
from ...dispatch import eager
from ...numpy._util import broadcast_shapes
from ..special import entr, gammaincc, gammaln, xlogy
from ._util import const, promote_args_inexact

__all__ = ["cdf", "entropy", "logpmf", "pmf"]


@eager
def logpmf(k, mu, loc=0):
    """Log of the Poisson probability mass function (-inf for k - loc negative or k not
    an integer)."""
    k, mu, loc = promote_args_inexact("poisson.logpmf", k, mu, loc)
    x = k - loc
    log_probs = xlogy(x, mu) - gammaln(x + 1) - mu
    return jnp.where((x < 0) | (jnp.round(k) != k), -np.inf, log_probs)


@eager
def pmf(k, mu, loc=0):
    """Poisson probability mass function."""
    return jnp.exp(logpmf(k, mu, loc))


@eager
def cdf(k, mu, loc=0):
    """Poisson cumulative distribution function."""
    k, mu, loc = promote_args_inexact("poisson.cdf", k, mu, loc)
    x = k - loc
    return jnp.where(x < 0, const(k, 0), gammaincc(jnp.floor(1 + x), mu))


def _entropy_sum(mu, terms, upper):
    """-sum p log p over k < min(terms, upper): `terms` is a static bound, `upper` the
    point past which the terms are negligible for each mu."""
    k = jnp.arange(terms, dtype=mu.dtype).reshape((terms,) + (1,) * mu.ndim)
    probs = jnp.where(k < jnp.ceil(upper), pmf(k, mu), 0)
    return jnp.sum(entr(probs), axis=0)


@eager
def entropy(mu, loc=0):
    """Entropy of the Poisson distribution (loc, which shifts it, does not change it): an
    exact sum for mu < 100, the asymptotic expansion above (as JAX)."""
    mu, loc = promote_args_inexact("poisson.entropy", mu, loc)
    shape = broadcast_shapes("poisson.entropy", jnp.shape(mu), jnp.shape(loc))
    large = 0.5 * jnp.log(2 * np.pi * np.e * mu) - 1 / (12 * mu)
    result = jnp.where(mu == 0, 0, jnp.where(
        mu < 10, _entropy_sum(mu, 35, mu + 20),
        jnp.where(mu < 100, _entropy_sum(mu, 250, mu + 10 * jnp.sqrt(mu) + 20), large)))
    return jnp.broadcast_to(result, shape)
