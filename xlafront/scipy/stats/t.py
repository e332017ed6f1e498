"""jax.scipy.stats.t: Student's t distribution."""
import numpy as np

from ... import lax
from ... import numpy as jnp
from ...dispatch import eager
from ._util import const, promote_args_inexact

__all__ = ["logpdf", "pdf"]


@eager
def logpdf(x, df, loc=0, scale=1):
    """Log of Student's t probability density with df degrees of freedom."""
    x, df, loc, scale = promote_args_inexact("t.logpdf", x, df, loc, scale)
    scaled_x = (x - loc) / scale
    two, half = const(x, 2), const(x, 0.5)
    half_df = df / two
    normalize = (lax.lgamma(half_df) + jnp.log(scale * scale * const(x, np.pi) * df) / two
                 - lax.lgamma(half_df + half))
    return -(normalize + (half_df + half) * jnp.log1p(scaled_x * scaled_x / df))


@eager
def pdf(x, df, loc=0, scale=1):
    """Student's t probability density."""
    return jnp.exp(logpdf(x, df, loc, scale))
