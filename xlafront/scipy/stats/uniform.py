"""jax.scipy.stats.uniform: the uniform distribution on [loc, loc + scale]."""
import numpy as np

from ... import numpy as jnp
from ...dispatch import eager
from ._util import promote_args_inexact

__all__ = ["cdf", "logpdf", "pdf", "ppf"]


@eager
def logpdf(x, loc=0, scale=1):
    """Log of the uniform density: -log(scale) inside [loc, loc + scale], -inf outside."""
    x, loc, scale = promote_args_inexact("uniform.logpdf", x, loc, scale)
    return jnp.where((x > loc + scale) | (x < loc), -np.inf, -jnp.log(scale))


@eager
def pdf(x, loc=0, scale=1):
    """Uniform probability density."""
    return jnp.exp(logpdf(x, loc, scale))


@eager
def cdf(x, loc=0, scale=1):
    """Uniform cumulative distribution function."""
    x, loc, scale = promote_args_inexact("uniform.cdf", x, loc, scale)
    zero, one = jnp.array(0, x.dtype), jnp.array(1, x.dtype)  # as JAX: not weakly typed
    return jnp.select([x < loc, x > loc + scale, x <= loc + scale],
                      [zero, one, (x - loc) / scale])


@eager
def ppf(q, loc=0, scale=1):
    """Uniform percent point function (nan for q outside [0, 1])."""
    q, loc, scale = promote_args_inexact("uniform.ppf", q, loc, scale)
    return jnp.where(jnp.isnan(q) | (q < 0) | (q > 1), np.nan, loc + scale * q)
