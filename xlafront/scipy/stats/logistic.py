"""jax.scipy.stats.logistic: the logistic distribution."""
from ... import numpy as jnp
from ...dispatch import eager
from ..special import expit, logit
from ._util import const, promote_args_inexact

__all__ = ["cdf", "isf", "logpdf", "pdf", "ppf", "sf"]


@eager
def logpdf(x, loc=0, scale=1):
    """Log of the logistic probability density."""
    x, loc, scale = promote_args_inexact("logistic.logpdf", x, loc, scale)
    z = (x - loc) / scale
    two = const(z, 2)
    half_z = z / two
    return -two * jnp.logaddexp(half_z, -half_z) - jnp.log(scale)


@eager
def pdf(x, loc=0, scale=1):
    """Logistic probability density."""
    return jnp.exp(logpdf(x, loc, scale))


@eager
def cdf(x, loc=0, scale=1):
    """Logistic cumulative distribution function."""
    x, loc, scale = promote_args_inexact("logistic.cdf", x, loc, scale)
    return expit((x - loc) / scale)


@eager
def sf(x, loc=0, scale=1):
    """Logistic survival function."""
    x, loc, scale = promote_args_inexact("logistic.sf", x, loc, scale)
    return expit((loc - x) / scale)


@eager
def ppf(x, loc=0, scale=1):
    """Logistic percent point function."""
    x, loc, scale = promote_args_inexact("logistic.ppf", x, loc, scale)
    return logit(x) * scale + loc


@eager
def isf(x, loc=0, scale=1):
    """Logistic inverse survival function."""
    x, loc, scale = promote_args_inexact("logistic.isf", x, loc, scale)
    return -logit(x) * scale + loc
