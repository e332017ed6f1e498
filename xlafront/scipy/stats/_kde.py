"""jax.scipy.stats.gaussian_kde: kernel density estimation with Gaussian kernels."""
import math

import numpy as np

from ... import dtypes, random
from ... import numpy as jnp
from ...dispatch import eager
from ...lax import linalg as lax_linalg
from ...numpy._util import check_arraylike
from ...tree import register_pytree_node_class
from ..special import logsumexp, ndtr
from ._util import promote_dtypes_inexact


@register_pytree_node_class
class gaussian_kde:
    """Gaussian kernel density estimate of `dataset` ((d, n), or (n,) for d = 1) with
    bandwidth `bw_method` ("scott", "silverman", a scalar or a callable of the estimator)
    and optional `weights` (n,), as scipy.stats.gaussian_kde. A pytree of arrays."""
    __slots__ = ("neff", "dataset", "weights", "covariance", "inv_cov")

    def __init__(self, dataset, bw_method=None, weights=None):
        check_arraylike("gaussian_kde", dataset)
        dataset = jnp.atleast_2d(dataset)
        if dtypes.kind(dataset.dtype) == "c":
            raise NotImplementedError("gaussian_kde does not support complex data")
        if not dataset.size > 1:
            raise ValueError("gaussian_kde: `dataset` input should have multiple elements; "
                             f"got shape {dataset.shape}")
        d, n = dataset.shape
        if weights is None:
            dataset, = promote_dtypes_inexact("gaussian_kde", dataset)
            weights = jnp.full(n, 1.0 / n, dtype=dataset.dtype)
        else:
            check_arraylike("gaussian_kde", weights)
            dataset, weights = promote_dtypes_inexact("gaussian_kde", dataset, weights)
            weights = jnp.atleast_1d(weights)
            if weights.ndim != 1 or len(weights) != n:
                raise ValueError("gaussian_kde: `weights` should be one-dimensional of length "
                                 f"n={n}; got shape {weights.shape}")
            weights = weights / jnp.sum(weights)
        self.dataset, self.weights = dataset, weights
        self.neff = 1 / jnp.sum(weights ** 2)
        if bw_method is None or (isinstance(bw_method, str) and bw_method == "scott"):
            factor = self.neff ** (-1 / (d + 4))
        elif isinstance(bw_method, str) and bw_method == "silverman":
            factor = (self.neff * (d + 2) / 4) ** (-1 / (d + 4))
        elif jnp.isscalar(bw_method) and not isinstance(bw_method, str):
            factor = bw_method
        elif callable(bw_method):
            factor = bw_method(self)
        else:
            raise ValueError("gaussian_kde: `bw_method` should be 'scott', 'silverman', a "
                             f"scalar, or a callable; got {bw_method!r}")
        data_covariance = jnp.atleast_2d(jnp.cov(dataset, rowvar=True, bias=False,
                                                 aweights=weights))
        self.covariance = data_covariance * factor ** 2
        self.inv_cov = jnp.linalg.inv(data_covariance) / factor ** 2

    def tree_flatten(self):
        return (self.neff, self.dataset, self.weights, self.covariance, self.inv_cov), None

    @classmethod
    def tree_unflatten(cls, aux_data, children):
        kde = cls.__new__(cls)
        kde.neff, kde.dataset, kde.weights, kde.covariance, kde.inv_cov = children
        return kde

    @property
    def d(self):
        return self.dataset.shape[0]

    @property
    def n(self):
        return self.dataset.shape[1]

    def evaluate(self, points):
        """The estimated density at `points` ((d, m), or (m,) for d = 1)."""
        check_arraylike("gaussian_kde.evaluate", points)
        return _kernel_eval(False, self.dataset, self.weights, self._reshape_points(points),
                            self.inv_cov)

    __call__ = pdf = evaluate

    def logpdf(self, x):
        """The log of the estimated density at `x`."""
        check_arraylike("gaussian_kde.logpdf", x)
        return _kernel_eval(True, self.dataset, self.weights, self._reshape_points(x),
                            self.inv_cov)

    def integrate_gaussian(self, mean, cov):
        """The integral of the estimate times the Gaussian density of `mean` and `cov`."""
        mean, cov = jnp.atleast_1d(jnp.squeeze(mean)), jnp.atleast_2d(cov)
        if mean.shape != (self.d,) or cov.shape != (self.d, self.d):
            raise ValueError(f"gaussian_kde.integrate_gaussian: mean must be ({self.d},) and "
                             f"cov ({self.d}, {self.d}); got {mean.shape} and {cov.shape}")
        return _convolve(self.covariance + cov, self.dataset, self.weights, mean[:, None])[0]

    def integrate_box_1d(self, low, high):
        """The integral of a one-dimensional estimate from `low` to `high` (scalars)."""
        if self.d != 1:
            raise ValueError("gaussian_kde.integrate_box_1d only handles 1D pdfs; this one "
                             f"has d={self.d}")
        if np.ndim(low) != 0 or np.ndim(high) != 0:
            raise ValueError("the limits of integration in integrate_box_1d must be scalars")
        sigma = jnp.squeeze(jnp.sqrt(self.covariance))
        low = jnp.squeeze((low - self.dataset) / sigma)
        high = jnp.squeeze((high - self.dataset) / sigma)
        return jnp.sum(self.weights * (ndtr(high) - ndtr(low)))

    def integrate_kde(self, other):
        """The integral of the product of this estimate and `other`."""
        if other.d != self.d:
            raise ValueError(f"gaussian_kde.integrate_kde: KDEs are not the same "
                             f"dimensionality ({self.d} and {other.d})")
        small, large = (self, other) if self.n < other.n else (other, self)
        per_point = _convolve(self.covariance + other.covariance, large.dataset,
                              large.weights, small.dataset)
        return jnp.sum(per_point * small.weights)

    def resample(self, key, shape=()):
        """Random draws from the estimate, of shape (d,) + shape (as JAX's)."""
        ind_key, eps_key = random.split(key)
        ind = random.choice(ind_key, self.n, shape=shape, p=self.weights)
        eps = random.multivariate_normal(eps_key, jnp.zeros(self.d, self.covariance.dtype),
                                         self.covariance, shape=shape,
                                         dtype=self.dataset.dtype).T
        return self.dataset[:, ind] + eps

    def integrate_box(self, low_bounds, high_bounds, maxpts=None):
        """Not supported (as in JAX): use integrate_box_1d."""
        raise NotImplementedError("gaussian_kde: only 1D box integrations are supported; "
                                  "use `integrate_box_1d`")

    def set_bandwidth(self, bw_method=None):
        """Not supported (as in JAX): make a new gaussian_kde."""
        raise NotImplementedError("gaussian_kde: dynamically changing the bandwidth method "
                                  "is not supported")

    def _reshape_points(self, points):
        points = jnp.atleast_2d(points)
        if dtypes.kind(points.dtype) == "c":
            raise NotImplementedError("gaussian_kde does not support complex coordinates")
        d, m = points.shape
        if d != self.d:
            if d != 1 or m != self.d:
                raise ValueError(f"gaussian_kde: points have dimension {d}, dataset has "
                                 f"dimension {self.d}")
            points = jnp.reshape(points, (self.d, 1))
        return points


def _convolve(cov, target, weights, means):
    """For each column of `means`: sum_i weights_i N(target_i; mean, cov)."""
    d, n = target.shape
    chol = lax_linalg.cholesky(cov)
    norm = 1 / (math.sqrt(2 * math.pi) ** d * jnp.prod(jnp.diag(chol)))
    diff = (target[:, :, None] - means[:, None, :]).reshape(d, -1)
    y = lax_linalg.triangular_solve(chol, diff, left_side=True, lower=True)
    arg = 0.5 * jnp.sum(y * y, axis=0).reshape(n, -1)
    return norm * jnp.sum(jnp.exp(-arg) * weights[:, None], axis=0)


@eager(static_argnums=0)
def _kernel_eval(in_log, dataset, weights, points, precision):
    """The weighted sum (or its log) of Gaussian kernels of precision `precision` centred
    on the columns of `dataset`, at the columns of `points`."""
    dataset, weights, points, precision = promote_dtypes_inexact(
        "gaussian_kde", dataset, weights, points, precision)
    d = dataset.shape[0]
    whitening = lax_linalg.cholesky(precision)
    log_norm = jnp.sum(jnp.log(jnp.diag(whitening))) - 0.5 * d * math.log(2 * math.pi)
    diff = (points.T @ whitening)[:, None, :] - (dataset.T @ whitening)[None, :, :]
    arg = log_norm - 0.5 * jnp.sum(jnp.square(diff), axis=-1)
    if in_log:
        return logsumexp(jnp.log(weights) + arg, axis=1)
    return jnp.sum(weights * jnp.exp(arg), axis=1)
