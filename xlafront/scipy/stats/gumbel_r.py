"""jax.scipy.stats.gumbel_r: the right-skewed Gumbel distribution (of maxima)."""
import numpy as np

from ... import numpy as jnp
from ...dispatch import eager
from ...nn import log1mexp
from ..special import xlogy
from ._util import const, promote_args_inexact
from .gumbel_l import _z

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


@eager
def logpdf(x, loc=0, scale=1):
    """Log of the right Gumbel density, -(z + exp(-z)) - log(scale)."""
    z, ok, scale = _z("gumbel_r.logpdf", x, loc, scale)
    return jnp.where(ok, xlogy(-1, scale) - (z + jnp.exp(-z)), np.nan)


@eager
def pdf(x, loc=0, scale=1):
    """Right Gumbel probability density."""
    return jnp.exp(logpdf(x, loc, scale))


@eager
def logcdf(x, loc=0, scale=1):
    """Log of the right Gumbel cumulative distribution function, -exp(-z)."""
    z, ok, _ = _z("gumbel_r.logcdf", x, loc, scale)
    return jnp.where(ok, -jnp.exp(-z), np.nan)


@eager
def cdf(x, loc=0, scale=1):
    """Right Gumbel cumulative distribution function."""
    return jnp.exp(logcdf(x, loc, scale))


@eager
def sf(x, loc=0, scale=1):
    """Right Gumbel survival function, 1 - exp(-exp(-z))."""
    x, loc, scale = promote_args_inexact("gumbel_r.sf", x, loc, scale)
    z = (x - loc) / scale  # (not _z: the 1 is a constant of x's, as JAX's)
    return jnp.where(scale > 0, const(x, 1) - jnp.exp(-jnp.exp(-z)), np.nan)


@eager
def logsf(x, loc=0, scale=1):
    """Log of the right Gumbel survival function, log(1 - exp(-exp(-z)))."""
    z, ok, _ = _z("gumbel_r.logsf", x, loc, scale)
    return jnp.where(ok, log1mexp(jnp.exp(-z)), np.nan)


@eager
def ppf(p, loc=0, scale=1):
    """Right Gumbel percent point function, loc - scale log(-log p); nan outside (0, 1)."""
    p, loc, scale = promote_args_inexact("gumbel_r.ppf", p, loc, scale)
    quantile = loc - scale * jnp.log(xlogy(-1, p))
    return jnp.where((p > 0) & (p < 1), quantile, np.nan)
