"""jax.scipy.stats.geom: the geometric distribution (trials up to the first success)."""
import numpy as np

from ... import numpy as jnp
from ...dispatch import eager
from ..special import xlog1py
from ._util import const, promote_args_inexact

__all__ = ["logpmf", "pmf"]


@eager
def logpmf(k, p, loc=0):
    """Log of the geometric probability mass function (-inf for k - loc < 1)."""
    k, p, loc = promote_args_inexact("geom.logpmf", k, p, loc)
    x = k - loc
    return jnp.where(x <= 0, -np.inf, xlog1py(x - const(k, 1), -p) + jnp.log(p))


@eager
def pmf(k, p, loc=0):
    """Geometric probability mass function."""
    return jnp.exp(logpmf(k, p, loc))
