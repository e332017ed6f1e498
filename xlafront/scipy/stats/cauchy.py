"""jax.scipy.stats.cauchy: the Cauchy distribution."""
import numpy as np

from ... import numpy as jnp
from ...dispatch import eager
from ._util import const, promote_args_inexact

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


@eager
def logpdf(x, loc=0, scale=1):
    """Log of the Cauchy probability density."""
    x, loc, scale = promote_args_inexact("cauchy.logpdf", x, loc, scale)
    scaled_x = (x - loc) / scale
    return -(jnp.log(const(x, np.pi) * scale) + jnp.log1p(scaled_x * scaled_x))


@eager
def pdf(x, loc=0, scale=1):
    """Cauchy probability density."""
    return jnp.exp(logpdf(x, loc, scale))


@eager
def cdf(x, loc=0, scale=1):
    """Cauchy cumulative distribution function."""
    x, loc, scale = promote_args_inexact("cauchy.cdf", x, loc, scale)
    # JAX's 0.5 + arctan(z) / pi, as arctan2: no cancellation in the left tail, where a
    # compiled program's pi rounding would leave 1e-8 for a cdf of 0
    return jnp.arctan2(1, (loc - x) / scale) / const(x, np.pi)


@eager
def logcdf(x, loc=0, scale=1):
    """Log of the Cauchy cumulative distribution function."""
    return jnp.log(cdf(x, loc, scale))


@eager
def sf(x, loc=0, scale=1):
    """Cauchy survival function."""
    x, loc, scale = promote_args_inexact("cauchy.sf", x, loc, scale)
    return cdf(-x, -loc, scale)


@eager
def logsf(x, loc=0, scale=1):
    """Log of the Cauchy survival function."""
    x, loc, scale = promote_args_inexact("cauchy.logsf", x, loc, scale)
    return logcdf(-x, -loc, scale)


@eager
def ppf(q, loc=0, scale=1):
    """Cauchy percent point function."""
    q, loc, scale = promote_args_inexact("cauchy.ppf", q, loc, scale)
    return jnp.tan(const(q, np.pi) * q - const(q, np.pi / 2)) * scale + loc


@eager
def isf(q, loc=0, scale=1):
    """Cauchy inverse survival function."""
    q, loc, scale = promote_args_inexact("cauchy.isf", q, loc, scale)
    return jnp.tan(const(q, np.pi / 2) - const(q, np.pi) * q) * scale + loc
