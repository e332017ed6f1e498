"""jax.scipy.stats.vonmises: the von Mises distribution on the circle."""
import numpy as np

from ... import numpy as jnp
from ...dispatch import eager
from ..special import i0e
from ._util import promote_args_inexact

__all__ = ["logpdf", "pdf"]


@eager
def logpdf(x, kappa):
    """Log of the von Mises density exp(kappa cos x) / (2 pi I0(kappa)); nan for
    kappa <= 0. Written with i0e so that large kappa does not overflow."""
    x, kappa = promote_args_inexact("vonmises.logpdf", x, kappa)
    return jnp.where(kappa > 0, kappa * (jnp.cos(x) - 1) - jnp.log(2 * np.pi * i0e(kappa)),
                     np.nan)


@eager
def pdf(x, kappa):
    """Von Mises probability density."""
    return jnp.exp(logpdf(x, kappa))
