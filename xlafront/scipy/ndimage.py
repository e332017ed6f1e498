"""jax.scipy.ndimage: map_coordinates, nearest (order 0) and linear (order 1)
interpolation, as JAX 0.10.2."""
import functools
import itertools
import operator

import numpy as np

from .. import dtypes, lax
from .. import numpy as jnp
from ..dispatch import eager
from ..numpy._util import check_arraylike

__all__ = ["map_coordinates"]


def _mirror(index, size):
    s = size - 1  # reflected about the edge points: d c b | a b c d | c b a
    return jnp.abs((index + s) % (2 * s) - s) if s else jnp.zeros_like(index)


def _reflect(index, size):  # reflected about the edges: c b a | a b c d | d c b
    return jnp.floor_divide(_mirror(2 * index + 1, 2 * size + 1) - 1, 2)


# mode -> where an index outside [0, size) reads from ('constant' reads cval there)
_INDEX_FIXERS = {"constant": lambda index, size: jnp.clip(index, 0, size - 1),
                 "nearest": lambda index, size: jnp.clip(index, 0, size - 1),
                 "wrap": lambda index, size: index % size,
                 "mirror": _mirror, "reflect": _reflect}


def _round(x):
    """Rounding half away from zero (SciPy's for nearest points and integer results)."""
    return x if dtypes.kind(x.dtype) in "iub" else lax.round(x)


def _nodes(coordinate, order):
    """[(index, weight)] of the points an interpolation of `order` reads."""
    if order == 0:
        return [(_round(coordinate).astype(np.int32), 1)]
    lower = jnp.floor(coordinate)
    upper_weight = coordinate - lower
    index = lower.astype(np.int32)
    return [(index, 1 - upper_weight), (index + 1, upper_weight)]


@eager(static_argnames=("order", "mode"))
def map_coordinates(input, coordinates, order, mode="constant", cval=0.0):  # noqa: A002
    """input's values at the given coordinates (one array per dimension), interpolated
    with splines of order 0 (nearest) or 1 (linear) (scipy.ndimage.map_coordinates).
    mode says what lies outside: 'constant' (cval), 'nearest', 'wrap' (periodic, SciPy's
    'grid-wrap'), 'mirror' or 'reflect'; 'constant' matches SciPy's 'grid-constant'."""
    check_arraylike("map_coordinates", input, *coordinates)
    input = jnp.asarray(input)  # noqa: A001
    if len(coordinates) != input.ndim:
        raise ValueError(f"map_coordinates: coordinates must be a sequence of length "
                         f"input.ndim ({input.ndim}), got {len(coordinates)}")
    if mode not in _INDEX_FIXERS:
        raise NotImplementedError(f"map_coordinates: mode {mode!r} is not supported; the "
                                  f"supported modes are {sorted(_INDEX_FIXERS)}")
    if order not in (0, 1):
        raise NotImplementedError(f"map_coordinates: only order 0 and 1 are supported, got "
                                  f"order={order!r}")
    coordinates = [jnp.asarray(c) for c in coordinates]
    per_axis = [[(_INDEX_FIXERS[mode](i, size), (0 <= i) & (i < size), w)
                 for i, w in _nodes(c, order)]
                for c, size in zip(coordinates, input.shape)]
    terms = []
    for corner in itertools.product(*per_axis):  # every neighbour, weighted
        indices, valid, weights = zip(*corner)
        value = input[indices]
        if mode == "constant":
            value = jnp.where(functools.reduce(operator.and_, valid), value,
                              jnp.asarray(cval, input.dtype))
        terms.append(functools.reduce(operator.mul, weights) * value)
    result = functools.reduce(operator.add, terms)
    return _round(result).astype(input.dtype) if dtypes.kind(input.dtype) in "iu" else \
        result.astype(input.dtype)
