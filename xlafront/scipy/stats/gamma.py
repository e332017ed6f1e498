"""jax.scipy.stats.gamma: the gamma distribution."""
import numpy as np

from ... import numpy as jnp
from ...dispatch import eager
from ..special import gammainc, gammaincc, gammaln, xlogy
from ._util import const, promote_args_inexact

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


@eager
def logpdf(x, a, loc=0, scale=1):
    """Log of the gamma probability density (-inf below loc)."""
    x, a, loc, scale = promote_args_inexact("gamma.logpdf", x, a, loc, scale)
    ok = x >= loc
    one = const(x, 1)
    y = jnp.where(ok, (x - loc) / scale, one)  # 1: a harmless value where the result is -inf
    log_probs = xlogy(a - one, y) - y - (gammaln(a) + jnp.log(scale))
    return jnp.where(ok, log_probs, -np.inf)


@eager
def pdf(x, a, loc=0, scale=1):
    """Gamma probability density."""
    return jnp.exp(logpdf(x, a, loc, scale))


@eager
def cdf(x, a, loc=0, scale=1):
    """Gamma cumulative distribution function."""
    x, a, loc, scale = promote_args_inexact("gamma.cdf", x, a, loc, scale)
    return gammainc(a, jnp.clip((x - loc) / scale, const(x, 0), const(x, np.inf)))


@eager
def logcdf(x, a, loc=0, scale=1):
    """Log of the gamma cumulative distribution function."""
    return jnp.log(cdf(x, a, loc, scale))


@eager
def sf(x, a, loc=0, scale=1):
    """Gamma survival function."""
    x, a, loc, scale = promote_args_inexact("gamma.sf", x, a, loc, scale)
    y = (x - loc) / scale
    return jnp.where(y < 0, 1, gammaincc(a, y))


@eager
def logsf(x, a, loc=0, scale=1):
    """Log of the gamma survival function."""
    return jnp.log(sf(x, a, loc, scale))
