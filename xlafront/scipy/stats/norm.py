"""jax.scipy.stats.norm: the normal distribution."""
import numpy as np

from ... import numpy as jnp
from ...dispatch import eager
from ..special import log_ndtr, ndtr, ndtri
from ._util import const, promote_args_inexact

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


@eager
def logpdf(x, loc=0, scale=1):
    """Log of the normal probability density at x."""
    x, loc, scale = promote_args_inexact("norm.logpdf", x, loc, scale)
    scale_sq = scale * scale
    return ((jnp.log(const(x, 2 * np.pi) * scale_sq) + jnp.square(x - loc) / scale_sq)
            / const(x, -2))


@eager
def pdf(x, loc=0, scale=1):
    """Normal probability density at x."""
    return jnp.exp(logpdf(x, loc, scale))


@eager
def cdf(x, loc=0, scale=1):
    """Normal cumulative distribution function."""
    x, loc, scale = promote_args_inexact("norm.cdf", x, loc, scale)
    return ndtr((x - loc) / scale)


@eager
def logcdf(x, loc=0, scale=1):
    """Log of the normal cumulative distribution function."""
    x, loc, scale = promote_args_inexact("norm.logcdf", x, loc, scale)
    return log_ndtr((x - loc) / scale)


@eager
def ppf(q, loc=0, scale=1):
    """Normal percent point function (inverse of cdf), in the default float type as JAX."""
    return jnp.asarray(ndtri(q) * scale + loc, float)


@eager
def sf(x, loc=0, scale=1):
    """Normal survival function, 1 - cdf."""
    x, loc, scale = promote_args_inexact("norm.sf", x, loc, scale)
    return cdf(-x, -loc, scale)


@eager
def logsf(x, loc=0, scale=1):
    """Log of the normal survival function."""
    x, loc, scale = promote_args_inexact("norm.logsf", x, loc, scale)
    return logcdf(-x, -loc, scale)


@eager
def isf(q, loc=0, scale=1):
    """Normal inverse survival function."""
    return ppf(1 - jnp.asarray(q), loc, scale)
