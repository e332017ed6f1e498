"""xlafront.random: JAX's `jax.random`, bit for bit.

Keys and samples are those of JAX's default implementation, threefry2x32 with
`jax_threefry_partitionable` (JAX 0.10's default): the same seed, shapes, dtypes and call
sequence give the same bits. Every sampler is written as JAX writes it (the same lax
operations in the same order), over the threefry2x32 primitive of `lax/prng.py`. That
holds for what a program computes at run time: where a float parameter is a constant of a
jitted program (`jit(lambda k: gamma(k, 2.5))`), XLA constant-folds and reassociates the
arithmetic around it, and as the two libraries' programs differ in structure, the last bits
can then differ (JAX's own result also changes between a constant and an argument there).

Two kinds of key, as in JAX:

* raw keys, `PRNGKey(seed)`: uint32 arrays whose last dimension is 2 (the key data);
* typed keys, `key(seed)`: `PRNGKeyArray`, whose dtype is `key<fry>`
  (`issubdtype(k.dtype, dtypes.prng_key)`), with the shape of the key array alone.

Functions returning keys (split, fold_in, clone) return the kind they are given. A typed
key is a pytree node over its key data, so it passes through jit, vmap (on non-negative
axes), scan and grad as that data does; unlike JAX's, `tree_leaves(key)` gives the data.

    >>> import xlafront as jax
    >>> k1, k2 = jax.random.split(jax.random.key(0))
    >>> jax.random.normal(k1, (3,))
"""
from ._keys import KeyTy, PRNGKeyArray  # noqa: F401  (the key dtype and the typed key array)
from ._keys import (PRNGKey, clone, fold_in, key, key_data, key_dtype, key_impl, split,
                    wrap_key_data)
from ._samplers import (bernoulli, bits, categorical, cauchy, choice, double_sided_maxwell,
                        exponential, geometric, gumbel, laplace, logistic, lognormal, maxwell,
                        multivariate_normal, normal, orthogonal, pareto, permutation,
                        rademacher, randint, rayleigh, triangular, truncated_normal, uniform,
                        wald, weibull_min)
from ._gamma import (ball, beta, binomial, chisquare, dirichlet, f, gamma, generalized_normal,
                     loggamma, multinomial, poisson, random_gamma_p, t)

__all__ = [
    "PRNGKey", "ball", "bernoulli", "beta", "binomial", "bits", "categorical", "cauchy",
    "chisquare", "choice", "clone", "dirichlet", "double_sided_maxwell", "exponential", "f",
    "fold_in", "gamma", "generalized_normal", "geometric", "gumbel", "key", "key_data",
    "key_dtype", "key_impl", "laplace", "loggamma", "logistic", "lognormal", "maxwell",
    "multinomial", "multivariate_normal", "normal", "orthogonal", "pareto", "permutation",
    "poisson", "rademacher", "randint", "random_gamma_p", "rayleigh", "split", "t",
    "triangular", "truncated_normal", "uniform", "wald", "weibull_min", "wrap_key_data",
]
