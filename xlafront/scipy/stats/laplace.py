"""jax.scipy.stats.laplace: the Laplace distribution."""
from ... import numpy as jnp
from ...dispatch import eager
from ._util import const, promote_args_inexact

__all__ = ["cdf", "logpdf", "pdf"]


@eager
def logpdf(x, loc=0, scale=1):
    """Log of the Laplace probability density."""
    x, loc, scale = promote_args_inexact("laplace.logpdf", x, loc, scale)
    return -(jnp.abs(x - loc) / scale + jnp.log(const(x, 2) * scale))


@eager
def pdf(x, loc=0, scale=1):
    """Laplace probability density."""
    return jnp.exp(logpdf(x, loc, scale))


@eager
def cdf(x, loc=0, scale=1):
    """Laplace cumulative distribution function."""
    x, loc, scale = promote_args_inexact("laplace.cdf", x, loc, scale)
    diff = (x - loc) / scale
    half, one = const(x, 0.5), const(x, 1)
    return jnp.where(diff <= 0, half * jnp.exp(diff), one - half * jnp.exp(-diff))
