"""jax.scipy.stats.gumbel_l: the left-skewed Gumbel distribution (of minima)."""
import numpy as np

from ... import numpy as jnp
from ...dispatch import eager
from ..special import xlog1py, xlogy
from ._util import promote_args_inexact

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


def _z(op, x, loc, scale):
    """(x - loc) / scale, and whether scale > 0 (the results are nan where not)."""
    x, loc, scale = promote_args_inexact(op, x, loc, scale)
    return (x - loc) / scale, scale > 0, scale


@eager
def logpdf(x, loc=0, scale=1):
    """Log of the left Gumbel density, z - exp(z) - log(scale)."""
    z, ok, scale = _z("gumbel_l.logpdf", x, loc, scale)
    return jnp.where(ok, xlogy(-1, scale) + (z - jnp.exp(z)), np.nan)


@eager
def pdf(x, loc=0, scale=1):
    """Left Gumbel probability density."""
    return jnp.exp(logpdf(x, loc, scale))


@eager
def logcdf(x, loc=0, scale=1):
    """Log of the left Gumbel cumulative distribution function, log(1 - exp(-exp(z)))."""
    z, ok, _ = _z("gumbel_l.logcdf", x, loc, scale)
    return jnp.where(ok, jnp.log(-jnp.expm1(-jnp.exp(z))), np.nan)


@eager
def cdf(x, loc=0, scale=1):
    """Left Gumbel cumulative distribution function."""
    return jnp.exp(logcdf(x, loc, scale))


@eager
def logsf(x, loc=0, scale=1):
    """Log of the left Gumbel survival function, -exp(z)."""
    z, ok, _ = _z("gumbel_l.logsf", x, loc, scale)
    return jnp.where(ok, -jnp.exp(z), np.nan)


@eager
def sf(x, loc=0, scale=1):
    """Left Gumbel survival function."""
    return jnp.exp(logsf(x, loc, scale))


@eager
def ppf(p, loc=0, scale=1):
    """Left Gumbel percent point function, loc + scale log(-log(1 - p)); nan outside
    (0, 1)."""
    p, loc, scale = promote_args_inexact("gumbel_l.ppf", p, loc, scale)
    quantile = loc + scale * jnp.log(xlog1py(-1, -p))
    return jnp.where((p > 0) & (p < 1), quantile, np.nan)
