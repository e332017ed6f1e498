"""jax.scipy.stats.pareto: the Pareto distribution with shape b."""
import numpy as np

from ... import numpy as jnp
from ...dispatch import eager
from ._util import const, promote_args_inexact

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


@eager
def logpdf(x, b, loc=0, scale=1):
    """Log of the Pareto density (-inf below loc + scale)."""
    x, b, loc, scale = promote_args_inexact("pareto.logpdf", x, b, loc, scale)
    log_probs = -(jnp.log(scale / b) + (b + const(x, 1)) * jnp.log((x - loc) / scale))
    return jnp.where(x < loc + scale, -np.inf, log_probs)


@eager
def pdf(x, b, loc=0, scale=1):
    """Pareto probability density."""
    return jnp.exp(logpdf(x, b, loc, scale))


@eager
def cdf(x, b, loc=0, scale=1):
    """Pareto cumulative distribution function."""
    x, b, loc, scale = promote_args_inexact("pareto.cdf", x, b, loc, scale)
    return jnp.where(x < loc + scale, const(x, 0), const(x, 1) - ((x - loc) / scale) ** -b)


@eager
def logcdf(x, b, loc=0, scale=1):
    """Log of the Pareto cumulative distribution function."""
    x, b, loc, scale = promote_args_inexact("pareto.logcdf", x, b, loc, scale)
    return jnp.where(x < loc + scale, -np.inf, jnp.log1p(-((x - loc) / scale) ** -b))


@eager
def logsf(x, b, loc=0, scale=1):
    """Log of the Pareto survival function."""
    x, b, loc, scale = promote_args_inexact("pareto.logsf", x, b, loc, scale)
    return jnp.where(x < loc + scale, const(x, 0), -b * jnp.log((x - loc) / scale))


@eager
def sf(x, b, loc=0, scale=1):
    """Pareto survival function."""
    return jnp.exp(logsf(x, b, loc, scale))


@eager
def ppf(q, b, loc=0, scale=1):
    """Pareto percent point function (nan for q outside [0, 1])."""
    q, b, loc, scale = promote_args_inexact("pareto.ppf", q, b, loc, scale)
    return jnp.where(jnp.isnan(q) | (q < 0) | (q > 1), np.nan,
                     loc + scale * (const(q, 1) - q) ** -(const(q, 1) / b))
