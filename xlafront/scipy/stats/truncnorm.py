"""jax.scipy.stats.truncnorm: the normal distribution truncated to [a, b] (in units of
scale around loc)."""
import numpy as np

from ... import numpy as jnp
from ...dispatch import eager
from ..special import log_ndtr, logsumexp, ndtr
from . import norm
from ._util import promote_args_inexact

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


def _log_gauss_mass(a, b):
    """log(Phi(b) - Phi(a)), accurately in both tails and the middle (as SciPy)."""
    a, b = jnp.broadcast_arrays(a, b)
    # in the right tail, use the mirrored left tail, where log_ndtr is accurate
    left, right = b <= 0, a > 0
    a_tail, b_tail = jnp.where(right, -b, a), jnp.where(right, -a, b)
    log_b, log_a = log_ndtr(b_tail), log_ndtr(a_tail)
    mass_tail = logsumexp(jnp.stack([log_b, log_a]), axis=0,
                          b=jnp.stack([jnp.ones_like(log_b), -jnp.ones_like(log_a)]))
    # across 0 the mass is near 1: log1p of the two small tails avoids cancellation
    mass_central = jnp.log1p(-ndtr(a) - ndtr(-b))
    return jnp.where(left | right, mass_tail, mass_central)


@eager
def logpdf(x, a, b, loc=0, scale=1):
    """Log of the truncated normal density (-inf outside [a, b], nan where a >= b)."""
    x, a, b, loc, scale = promote_args_inexact("truncnorm.logpdf", x, a, b, loc, scale)
    val = norm.logpdf(x, loc, scale) - _log_gauss_mass(a, b)
    x_scaled = (x - loc) / scale
    val = jnp.where((x_scaled < a) | (x_scaled > b), -np.inf, val)
    return jnp.where(a >= b, np.nan, val)


@eager
def pdf(x, a, b, loc=0, scale=1):
    """Truncated normal probability density."""
    return jnp.exp(logpdf(x, a, b, loc, scale))


@eager
def logcdf(x, a, b, loc=0, scale=1):
    """Log of the truncated normal cumulative distribution function."""
    x, a, b, loc, scale = promote_args_inexact("truncnorm.logcdf", x, a, b, loc, scale)
    x, a, b = jnp.broadcast_arrays(x, a, b)
    x = (x - loc) / scale
    log_mass = _log_gauss_mass(a, b)
    log_cdf = _log_gauss_mass(a, x) - log_mass
    log_sf = _log_gauss_mass(x, b) - log_mass
    # near cdf = 1, log1p(-sf) is the accurate form (as SciPy)
    log_cdf = jnp.select([x >= b, x <= a, log_cdf > -0.1, x > a],
                         [0, -np.inf, jnp.log1p(-jnp.exp(log_sf)), log_cdf])
    return jnp.where(a >= b, np.nan, log_cdf)


@eager
def cdf(x, a, b, loc=0, scale=1):
    """Truncated normal cumulative distribution function."""
    return jnp.exp(logcdf(x, a, b, loc, scale))


@eager
def logsf(x, a, b, loc=0, scale=1):
    """Log of the truncated normal survival function."""
    x, a, b, loc, scale = promote_args_inexact("truncnorm.logsf", x, a, b, loc, scale)
    return logcdf(-x, -b, -a, -loc, scale)


@eager
def sf(x, a, b, loc=0, scale=1):
    """Truncated normal survival function."""
    return jnp.exp(logsf(x, a, b, loc, scale))
