"""jax.scipy.stats.nbinom: the negative binomial distribution (failures before the n-th
success)."""
import numpy as np

from ... import numpy as jnp
from ...dispatch import eager
from ..special import gammaln, xlogy
from ._util import const, promote_args_inexact

__all__ = ["logpmf", "pmf"]


@eager
def logpmf(k, n, p, loc=0):
    """Log of the negative binomial probability mass function (-inf below loc)."""
    k, n, p, loc = promote_args_inexact("nbinom.logpmf", k, n, p, loc)
    y, one = k - loc, const(k, 1)
    comb_term = gammaln(y + n) - gammaln(n) - gammaln(y + one)
    return jnp.where(k < loc, -np.inf, comb_term + xlogy(n, p) + xlogy(y, one - p))


@eager
def pmf(k, n, p, loc=0):
    """Negative binomial probability mass function."""
    return jnp.exp(logpmf(k, n, p, loc))
