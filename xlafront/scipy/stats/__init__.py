"""xlafront.scipy.stats: JAX's jax.scipy.stats, the probability distributions (one module
each: norm.pdf, gamma.logcdf ...), gaussian_kde, mode, rankdata and sem, composed from
xlafront.numpy and xlafront.scipy.special with JAX's formulas and edge-case behaviour."""
from . import (bernoulli, beta, betabinom, binom, cauchy, chi2, dirichlet, expon, gamma,
               gennorm, geom, gumbel_l, gumbel_r, laplace, logistic, multinomial,
               multivariate_normal, nbinom, norm, pareto, poisson, t, truncnorm, uniform,
               vonmises)
from ._core import mode, rankdata, sem
from ._kde import gaussian_kde

__all__ = ["bernoulli", "beta", "betabinom", "binom", "cauchy", "chi2", "dirichlet", "expon",
           "gamma", "gaussian_kde", "gennorm", "geom", "gumbel_l", "gumbel_r", "laplace",
           "logistic", "mode", "multinomial", "multivariate_normal", "nbinom", "norm",
           "pareto", "poisson", "rankdata", "sem", "t", "truncnorm", "uniform", "vonmises"]
