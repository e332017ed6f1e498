"""jax.scipy.stats.beta: the beta distribution."""
import numpy as np

from ... import numpy as jnp
from ...dispatch import eager
from ..special import betainc, betaln, xlog1py, xlogy
from ._util import const, promote_args_inexact

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


@eager
def logpdf(x, a, b, loc=0, scale=1):
    """Log of the beta probability density (-inf outside [loc, loc + scale], nan for
    a, b or scale <= 0)."""
    x, a, b, loc, scale = promote_args_inexact("beta.logpdf", x, a, b, loc, scale)
    y, one = (x - loc) / scale, const(x, 1)
    log_probs = -betaln(a, b) + xlogy(a - one, y) + xlog1py(b - one, -y) - jnp.log(scale)
    log_probs = jnp.where((x > loc + scale) | (x < loc), -np.inf, log_probs)
    return jnp.where((a <= 0) | (b <= 0) | (scale <= 0), np.nan, log_probs)


@eager
def pdf(x, a, b, loc=0, scale=1):
    """Beta probability density."""
    return jnp.exp(logpdf(x, a, b, loc, scale))


@eager
def cdf(x, a, b, loc=0, scale=1):
    """Beta cumulative distribution function."""
    x, a, b, loc, scale = promote_args_inexact("beta.cdf", x, a, b, loc, scale)
    return betainc(a, b, jnp.clip((x - loc) / scale, const(x, 0), const(x, 1)))


@eager
def logcdf(x, a, b, loc=0, scale=1):
    """Log of the beta cumulative distribution function."""
    return jnp.log(cdf(x, a, b, loc, scale))


@eager
def sf(x, a, b, loc=0, scale=1):
    """Beta survival function, computed as I_{1-y}(b, a) for accuracy near 1."""
    x, a, b, loc, scale = promote_args_inexact("beta.sf", x, a, b, loc, scale)
    return betainc(b, a, 1 - jnp.clip((x - loc) / scale, const(x, 0), const(x, 1)))


@eager
def logsf(x, a, b, loc=0, scale=1):
    """Log of the beta survival function."""
    return jnp.log(sf(x, a, b, loc, scale))
