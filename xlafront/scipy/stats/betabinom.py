"""jax.scipy.stats.betabinom: the beta-binomial distribution."""
import numpy as np

from ... import numpy as jnp
from ...dispatch import eager
from ..special import betaln
from ._util import const, promote_args_inexact

__all__ = ["logpmf", "pmf"]


@eager
def logpmf(k, n, a, b, loc=0):
    """Log of the beta-binomial probability mass function (-inf outside [0, n] after
    the shift, nan for n < 0 or a, b <= 0)."""
    k, n, a, b, loc = promote_args_inexact("betabinom.logpmf", k, n, a, b, loc)
    y = jnp.floor(k) - loc
    one = const(y, 1)
    combiln = -(jnp.log1p(n) + betaln(n - y + one, y + one))
    log_probs = combiln + betaln(y + a, n - y + b) - betaln(a, b)
    log_probs = jnp.where((y == 0) & (n == 0), 0, log_probs)
    log_probs = jnp.where((y < -loc) | (y > n) | (y + a <= 0), -np.inf, log_probs)
    return jnp.where((n < 0) | (a <= 0) | (b <= 0), np.nan, log_probs)


@eager
def pmf(k, n, a, b, loc=0):
    """Beta-binomial probability mass function."""
    return jnp.exp(logpmf(k, n, a, b, loc))
