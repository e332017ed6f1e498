"""jax.dlpack: exchanging arrays with other libraries through DLPack, without a copy where
the layout allows (`Array.__dlpack__` exports; `from_dlpack` imports)."""
import numpy as np

from .numpy import from_dlpack
from .runtime.array import DLPACK_DTYPES

__all__ = ["from_dlpack", "is_supported_dtype"]

_SUPPORTED = frozenset(DLPACK_DTYPES.values())


def is_supported_dtype(dtype):
    """Whether arrays of `dtype` can be exchanged through DLPack."""
    if dtype is None:  # (np.dtype(None) would silently mean float64)
        raise TypeError(f"is_supported_dtype: expected a string or dtype-like object, got "
                        f"dtype={dtype}")
    return np.dtype(dtype) in _SUPPORTED
