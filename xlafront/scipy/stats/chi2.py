"""jax.scipy.stats.chi2: the chi-squared distribution."""
import math

import numpy as np

from ... import lax
from ... import numpy as jnp
from ...dispatch import eager
from ..special import gammainc, gammaincc
from ._util import const, promote_args_inexact

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


@eager
def logpdf(x, df, loc=0, scale=1):
    """Log of the chi-squared probability density with df degrees of freedom (-inf below
    loc)."""
    x, df, loc, scale = promote_args_inexact("chi2.logpdf", x, df, loc, scale)
    y, one, two = (x - loc) / scale, const(x, 1), const(x, 2)
    half_df = df / two
    kernel = (half_df - one) * jnp.log(y) - y / two
    normalize = -(lax.lgamma(half_df) + math.log(2) * df / two)
    return jnp.where(x < loc, -np.inf, normalize - jnp.log(scale) + kernel)


@eager
def pdf(x, df, loc=0, scale=1):
    """Chi-squared probability density."""
    return jnp.exp(logpdf(x, df, loc, scale))


def _half_y(x, loc, scale):
    return jnp.clip((x - loc) / (scale * const(scale, 2)), const(x, 0), const(x, np.inf))


@eager
def cdf(x, df, loc=0, scale=1):
    """Chi-squared cumulative distribution function."""
    x, df, loc, scale = promote_args_inexact("chi2.cdf", x, df, loc, scale)
    return gammainc(df / const(scale, 2), _half_y(x, loc, scale))


@eager
def logcdf(x, df, loc=0, scale=1):
    """Log of the chi-squared cumulative distribution function."""
    return jnp.log(cdf(x, df, loc, scale))


@eager
def sf(x, df, loc=0, scale=1):
    """Chi-squared survival function."""
    x, df, loc, scale = promote_args_inexact("chi2.sf", x, df, loc, scale)
    return gammaincc(df / const(scale, 2), _half_y(x, loc, scale))


@eager
def logsf(x, df, loc=0, scale=1):
    """Log of the chi-squared survival function."""
    return jnp.log(sf(x, df, loc, scale))
