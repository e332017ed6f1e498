"""JAX's `jax.typing`: the annotations of values a function accepts as arrays (`ArrayLike`)
and as dtypes (`DTypeLike`).

    def f(x: ArrayLike, dtype: DTypeLike | None = None) -> Array: ...
"""
import typing

import numpy as np

from .devices import Array

__all__ = ["ArrayLike", "DTypeLike"]


@typing.runtime_checkable
class SupportsDType(typing.Protocol):
    """An object with a `dtype` attribute (such as `xlafront.numpy.float32`)."""

    @property
    def dtype(self) -> np.dtype: ...


# What converts to an array implicitly: arrays and scalars, not lists or strings (as in JAX)
ArrayLike = typing.Union[Array, np.ndarray, np.bool_, np.number, bool, int, float, complex]

# What names a dtype: 'float32', np.float32, float, np.dtype('int8'), xlafront.numpy.int8
DTypeLike = typing.Union[str, type, np.dtype, SupportsDType]
