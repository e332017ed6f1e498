"""jax.scipy.stats.gennorm: the generalized normal distribution with shape beta."""
from ... import lax
from ... import numpy as jnp
from ...dispatch import eager
from ..special import gammainc
from ._util import promote_args_inexact

__all__ = ["cdf", "logpdf", "pdf"]


@eager
def logpdf(x, beta):
    """Log of the generalized normal density, beta / (2 Gamma(1/beta)) exp(-|x|^beta)."""
    x, beta = promote_args_inexact("gennorm.logpdf", x, beta)
    return jnp.log(0.5 * beta) - lax.lgamma(1 / beta) - jnp.abs(x) ** beta


@eager
def pdf(x, beta):
    """Generalized normal probability density."""
    return jnp.exp(logpdf(x, beta))


@eager
def cdf(x, beta):
    """Generalized normal cumulative distribution function."""
    x, beta = promote_args_inexact("gennorm.cdf", x, beta)
    return 0.5 * (1 + jnp.sign(x) * gammainc(1 / beta, jnp.abs(x) ** beta))
