"""jax.scipy.interpolate: RegularGridInterpolator (linear and nearest), as JAX 0.10.2."""
import itertools

import numpy as np

from .. import dtypes
from .. import numpy as jnp
from ..dispatch import eager
from ..numpy._util import check_arraylike, promote_dtypes
from ..tree_util import register_pytree_node

__all__ = ["RegularGridInterpolator"]

_METHODS = ("linear", "nearest")


def _check_method(method):
    if method not in _METHODS:
        raise ValueError(f"RegularGridInterpolator: method {method!r} is not defined; use "
                         f"one of {list(_METHODS)}")


@eager(static_argnames="method")
def _interpolate(grid, values, fill_value, xi, method):
    """values on grid, interpolated at the points xi (..., ndim)."""
    ndim = len(grid)
    if isinstance(xi, tuple):  # one coordinate array per dimension
        xi = jnp.stack(jnp.broadcast_arrays(*xi), -1) if len(xi) > 1 else jnp.asarray(xi[0])
    xi = jnp.asarray(xi)
    if xi.ndim == 1:
        xi = xi.reshape(-1, ndim)
    if xi.shape[-1] != ndim:
        raise ValueError(f"RegularGridInterpolator: the sample points xi have dimension "
                         f"{xi.shape[-1]}, but the grid has dimension {ndim}")
    shape = xi.shape[:-1]
    xi = xi.reshape(-1, ndim)
    indices, distances, outside = [], [], jnp.zeros(xi.shape[0], bool)
    for x, g in zip(xi.T, grid):  # the cell of each point, and where in it the point is
        i = jnp.clip(jnp.searchsorted(g, x) - 1, 0, g.size - 2)
        indices.append(i)
        distances.append((x - g[i]) / (g[i + 1] - g[i]))
        outside = outside | (x < g[0]) | (x > g[-1])
    trailing = (slice(None),) + (None,) * (values.ndim - ndim)
    if method == "linear":  # each corner of the cell, weighted
        result = jnp.asarray(0.0)
        for corner in itertools.product(*[(i, i + 1) for i in indices]):
            weight = jnp.asarray(1.0)
            for c, i, d in zip(corner, indices, distances):
                weight = weight * jnp.where(c == i, 1 - d, d)
            result = result + values[corner] * weight[trailing]
    else:
        result = values[tuple(jnp.where(d <= 0.5, i, i + 1) for i, d in zip(indices, distances))]
    if fill_value is not None:
        result = jnp.where(outside[trailing], fill_value, result)
    return result.reshape(shape + values.shape[ndim:])


class RegularGridInterpolator:
    """Interpolation on a rectilinear grid in any dimension
    (scipy.interpolate.RegularGridInterpolator): 'linear' or 'nearest'; points outside the
    grid get fill_value, or are extrapolated when it is None. A pytree."""

    def __init__(self, points, values, method="linear", bounds_error=False,
                 fill_value=np.nan):
        _check_method(method)
        if bounds_error:
            raise NotImplementedError("RegularGridInterpolator: bounds_error=True is not "
                                      "supported (it cannot be checked under jit, as in JAX)")
        check_arraylike("RegularGridInterpolator", values, *points)
        values = jnp.asarray(values)
        if len(points) > values.ndim:
            raise ValueError(f"there are {len(points)} point arrays, but values has "
                             f"{values.ndim} dimensions")
        (values,), _ = promote_dtypes("RegularGridInterpolator", values, to=dtypes.to_inexact)
        if fill_value is not None:
            fill_value = jnp.asarray(fill_value)
            if not np.can_cast(fill_value.dtype, values.dtype, casting="same_kind"):
                raise ValueError(f"fill_value must be either 'None' or of a type compatible "
                                 f"with values ({values.dtype}), got {fill_value.dtype}")
        self.method, self.bounds_error, self.fill_value = method, bounds_error, fill_value
        self.grid = tuple(jnp.asarray(p) for p in points)
        self.values = values

    def __call__(self, xi, method=None):
        """The interpolated values at xi: points (..., ndim), or a tuple of coordinate
        arrays; method overrides the one given at construction."""
        method = self.method if method is None else method
        _check_method(method)
        return _interpolate(self.grid, self.values, self.fill_value, xi, method)


def _unflatten(aux, children):
    # without __init__: a transformation may rebuild the object around placeholders
    obj = object.__new__(RegularGridInterpolator)
    obj.grid, obj.values, obj.fill_value = children
    obj.method, obj.bounds_error = aux
    return obj


register_pytree_node(RegularGridInterpolator,
                     lambda obj: ((obj.grid, obj.values, obj.fill_value),
                                  (obj.method, obj.bounds_error)), _unflatten)
