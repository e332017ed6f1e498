"""jax.scipy.stats.expon: the exponential distribution."""
import numpy as np

from ... import numpy as jnp
from ...dispatch import eager
from ._util import promote_args_inexact

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


@eager
def logpdf(x, loc=0, scale=1):
    """Log of the exponential density (-inf below loc)."""
    x, loc, scale = promote_args_inexact("expon.logpdf", x, loc, scale)
    return jnp.where(x < loc, -np.inf, -((x - loc) / scale + jnp.log(scale)))


@eager
def pdf(x, loc=0, scale=1):
    """Exponential probability density."""
    return jnp.exp(logpdf(x, loc, scale))


@eager
def cdf(x, loc=0, scale=1):
    """Exponential cumulative distribution function."""
    x, loc, scale = promote_args_inexact("expon.cdf", x, loc, scale)
    return jnp.where(x < loc, 0, -jnp.expm1((loc - x) / scale))


@eager
def logcdf(x, loc=0, scale=1):
    """Log of the exponential cumulative distribution function."""
    return jnp.log1p(-sf(x, loc, scale))


@eager
def logsf(x, loc=0, scale=1):
    """Log of the exponential survival function."""
    x, loc, scale = promote_args_inexact("expon.logsf", x, loc, scale)
    return jnp.where(x < loc, 0, (loc - x) / scale)


@eager
def sf(x, loc=0, scale=1):
    """Exponential survival function."""
    return jnp.exp(logsf(x, loc, scale))


@eager
def ppf(q, loc=0, scale=1):
    """Exponential percent point function (nan for q outside [0, 1])."""
    q, loc, scale = promote_args_inexact("expon.ppf", q, loc, scale)
    return jnp.where(jnp.isnan(q) | (q < 0) | (q > 1), np.nan, loc - scale * jnp.log1p(-q))
