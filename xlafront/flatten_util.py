"""JAX's `jax.flatten_util`: `ravel_pytree`, a pytree of arrays as one 1-D array and back."""
import numpy as np

from . import dtypes, lax
from .core import get_aval
from .tree import tree_flatten, tree_unflatten

__all__ = ["ravel_pytree"]


def ravel_pytree(pytree):
    """(the leaves of `pytree` raveled and concatenated into one 1-D array, `unravel`), where
    `unravel(flat)` rebuilds the pytree from such an array. The array's dtype promotes the
    leaves' dtypes (JAX's rules); unravel casts each part back. A pytree with no leaves
    gives an empty float32 array.

    >>> flat, unravel = ravel_pytree({"w": np.ones((2, 2)), "b": 0.0})
    >>> flat.shape, unravel(flat)["w"].shape
    ((5,), (2, 2))
    """
    leaves, treedef = tree_flatten(pytree)
    avals = [get_aval(x) for x in leaves]
    if not leaves:
        return lax.full((0,), 0, dtypes.float32), _Unravel(treedef, (), (), (), None)
    from_dtypes = tuple(a.dtype for a in avals)
    to_dtype = dtypes.result_type(*from_dtypes)
    parts = []
    for x, a in zip(leaves, avals):
        if a.dtype != to_dtype:
            x = lax.convert_element_type(x, to_dtype)
        parts.append(lax.reshape(x, (a.size,)))
    flat = lax.concatenate(parts, 0)
    # one dtype: unravel keeps whatever dtype it is given (JAX's dtype-polymorphic case)
    single = all(d == to_dtype for d in from_dtypes)
    return flat, _Unravel(treedef, tuple(a.size for a in avals), tuple(a.shape for a in avals),
                          None if single else from_dtypes, None if single else to_dtype)


class _Unravel:
    """The unravel function of ravel_pytree: hashable and comparable by what it rebuilds,
    so it can be a static argument of jit."""

    def __init__(self, treedef, sizes, shapes, from_dtypes, to_dtype):
        self._key = (treedef, sizes, shapes, from_dtypes, to_dtype)

    def __call__(self, flat):
        treedef, sizes, shapes, from_dtypes, to_dtype = self._key
        aval = get_aval(flat)
        if to_dtype is not None and aval.dtype != to_dtype:
            raise TypeError(f"unravel function given array of dtype {aval.dtype}, but "
                            f"expected dtype {to_dtype}")
        total = int(np.sum(sizes))
        if aval.shape != (total,):
            raise ValueError(f"unravel: expected a 1-D array of size {total} (the leaves' "
                             f"sizes {list(sizes)}), got shape {aval.shape}")
        leaves, start = [], 0
        for i, (size, shape) in enumerate(zip(sizes, shapes)):
            part = lax.reshape(lax.slice_in_dim(flat, start, start + size), shape)
            if from_dtypes is not None:
                part = lax.convert_element_type(part, from_dtypes[i])
            leaves.append(part)
            start += size
        return tree_unflatten(treedef, leaves)

    def __eq__(self, other):
        return type(other) is _Unravel and self._key == other._key

    def __hash__(self):
        return hash(self._key)

    def __repr__(self):
        return f"unravel_pytree({self._key[0]})"
