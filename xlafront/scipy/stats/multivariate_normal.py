"""jax.scipy.stats.multivariate_normal: the multivariate normal distribution."""
import functools
import math

from ... import numpy as jnp
from ...dispatch import eager
from ...lax import linalg as lax_linalg
from ._util import promote_dtypes_inexact

__all__ = ["logpdf", "pdf"]

# L^-1 y for each vector y (lower L L^T = cov), over broadcast batch dimensions
_whiten = jnp.vectorize(functools.partial(lax_linalg.triangular_solve, lower=True,
                                          transpose_a=True), signature="(n,n),(n)->(n)")


@eager(static_argnames=("allow_singular",))
def logpdf(x, mean, cov, allow_singular=None):
    """Log of the multivariate normal density at x (last axis the dimensions) with mean
    (scalar or vector) and cov (a scalar, the variance of every component, or a matrix)."""
    if allow_singular is not None:
        raise NotImplementedError("multivariate_normal.logpdf: allow_singular is not "
                                  f"supported (got allow_singular={allow_singular!r})")
    x, mean, cov = promote_dtypes_inexact("multivariate_normal.logpdf", x, mean, cov)
    if not mean.shape:
        return -jnp.square(x - mean) / cov / 2 - (math.log(2 * math.pi) + jnp.log(cov)) / 2
    n = mean.shape[-1]
    if not cov.shape:
        y = x - mean
        return (-jnp.einsum("...i,...i->...", y, y) / cov / 2
                - n / 2 * (math.log(2 * math.pi) + jnp.log(cov)))
    if cov.ndim < 2 or cov.shape[-2:] != (n, n):
        raise ValueError(f"multivariate_normal.logpdf: cov of shape {cov.shape} does not fit "
                         f"mean of shape {mean.shape}: expected a scalar or (..., {n}, {n})")
    chol = lax_linalg.cholesky(cov)
    y = _whiten(chol, x - mean)
    return (-jnp.einsum("...i,...i->...", y, y) / 2 - n / 2 * math.log(2 * math.pi)
            - jnp.log(jnp.diagonal(chol, axis1=-1, axis2=-2)).sum(-1))


@eager
def pdf(x, mean, cov):
    """Multivariate normal probability density."""
    return jnp.exp(logpdf(x, mean, cov))
