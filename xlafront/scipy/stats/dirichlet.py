"""jax.scipy.stats.dirichlet: the Dirichlet distribution."""
import numpy as np

from ... import numpy as jnp
from ...dispatch import eager
from ..special import gammaln, xlogy
from ._util import const, promote_dtypes_inexact

__all__ = ["logpdf", "pdf"]


@eager
def logpdf(x, alpha):
    """Log of the Dirichlet density at x (shape (K,) + batch, or (K - 1,) + batch with the
    last component implied) for concentrations alpha (K,); -inf off the simplex."""
    x, alpha = promote_dtypes_inexact("dirichlet.logpdf", x, alpha)
    if alpha.ndim != 1:
        raise ValueError(f"dirichlet.logpdf: `alpha` must be one-dimensional; got "
                         f"alpha.shape={alpha.shape}")
    if x.ndim == 0 or x.shape[0] not in (alpha.shape[0], alpha.shape[0] - 1):
        raise ValueError("dirichlet.logpdf: `x` must have either the same number of entries "
                         "as `alpha` or one entry fewer along its first axis; got "
                         f"x.shape={x.shape}, alpha.shape={alpha.shape}")
    one = const(x, 1)
    if x.shape[0] != alpha.shape[0]:
        x = jnp.concatenate([x, one - x.sum(0, keepdims=True)], axis=0)
    normalize = jnp.sum(gammaln(alpha)) - gammaln(jnp.sum(alpha))
    alpha = alpha.reshape(alpha.shape + (1,) * (x.ndim - 1))
    log_probs = jnp.sum(xlogy(alpha - one, x), axis=0) - normalize
    # JAX's tolerance for the components summing to one
    simplex = jnp.all(x > 0, axis=0) & (jnp.abs(jnp.sum(x, axis=0) - 1) < 1e-6)
    return jnp.where(simplex, log_probs, -np.inf)


@eager
def pdf(x, alpha):
    """Dirichlet probability density."""
    return jnp.exp(logpdf(x, alpha))
