"""jax.scipy.stats.bernoulli: the Bernoulli distribution."""
import numpy as np

from ... import numpy as jnp
from ...dispatch import eager
from ..special import xlog1py, xlogy
from ._util import const, promote_args_inexact

__all__ = ["cdf", "logpmf", "pmf", "ppf"]


@eager
def logpmf(k, p, loc=0):
    """Log of the Bernoulli probability mass function (-inf outside {loc, loc + 1})."""
    k, p, loc = promote_args_inexact("bernoulli.logpmf", k, p, loc)
    x = k - loc
    log_probs = xlogy(x, p) + xlog1py(const(k, 1) - x, -p)
    return jnp.where((x < 0) | (x > 1), -np.inf, log_probs)


@eager
def pmf(k, p, loc=0):
    """Bernoulli probability mass function."""
    return jnp.exp(logpmf(k, p, loc))


def _bad_p(p):
    return jnp.isnan(p) | (p < 0) | (p > 1)


@eager
def cdf(k, p):
    """Bernoulli cumulative distribution function (nan for p outside [0, 1])."""
    k, p = promote_args_inexact("bernoulli.cdf", k, p)
    zero, one = const(k, 0), const(k, 1)
    return jnp.select([jnp.isnan(k) | _bad_p(p), k < 0, k < 1, k >= 1],
                      [jnp.nan, zero, one - p, one])


@eager
def ppf(q, p):
    """Bernoulli percent point function (nan for q or p outside [0, 1])."""
    q, p = promote_args_inexact("bernoulli.ppf", q, p)
    bad = jnp.isnan(q) | (q < 0) | (q > 1) | _bad_p(p)
    zero, one = const(q, 0), const(q, 1)
    return jnp.where(bad, jnp.nan, jnp.where(q <= one - p, zero, one))
