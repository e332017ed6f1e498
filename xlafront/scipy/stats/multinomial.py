"""jax.scipy.stats.multinomial: the multinomial distribution."""
import numpy as np

from ... import dtypes
from ... import numpy as jnp
from ...dispatch import eager
from ...numpy._util import promote_numeric
from ..special import gammaln, xlogy
from ._util import promote_args_inexact

__all__ = ["logpmf", "pmf"]


@eager
def logpmf(x, n, p):
    """Log of the multinomial probability of counts x (integers, last axis the categories)
    in n trials with category probabilities p; -inf where the counts do not sum to n."""
    p, = promote_args_inexact("multinomial.logpmf", p)
    x, n = (jnp.asarray(v) for v in promote_numeric("multinomial.logpmf", x, n))
    if not dtypes.issubdtype(x.dtype, np.integer):
        raise ValueError("multinomial.logpmf: x and n must be of integer type; got "
                         f"x.dtype={x.dtype}, n.dtype={n.dtype}")
    x, n = x.astype(p.dtype), n.astype(p.dtype)
    log_probs = gammaln(n + 1) + jnp.sum(xlogy(x, p) - gammaln(x + 1), axis=-1)
    # as JAX: the total of all of x (every batch element together) is compared with n
    return jnp.where(jnp.sum(x) == n, log_probs, -np.inf)


@eager
def pmf(x, n, p):
    """Multinomial probability mass function."""
    return jnp.exp(logpmf(x, n, p))
