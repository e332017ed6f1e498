"""jax.scipy.stats.binom: the binomial distribution."""
import numpy as np

from ... import numpy as jnp
from ...dispatch import eager
from ..special import gammaln, xlog1py, xlogy
from ._util import promote_args_inexact

__all__ = ["logpmf", "pmf"]


@eager
def logpmf(k, n, p, loc=0):
    """Log of the binomial probability mass function (-inf outside [loc, loc + n])."""
    k, n, p, loc = promote_args_inexact("binom.logpmf", k, n, p, loc)
    y = k - loc
    comb_term = gammaln(n + 1) - (gammaln(y + 1) + gammaln(n - y + 1))
    log_linear_term = xlogy(y, p) + xlog1py(n - y, -p)
    # certain outcomes (n = 0, or p at 0 or 1 with y at the matching end) have log 0
    certain = ((y == 0) & (n == 0)) | (log_linear_term == 0)
    log_probs = jnp.where(certain, 0, comb_term + log_linear_term)
    return jnp.where((k >= loc) & (k < loc + n + 1), log_probs, -np.inf)


@eager
def pmf(k, n, p, loc=0):
    """Binomial probability mass function."""
    return jnp.exp(logpmf(k, n, p, loc))
