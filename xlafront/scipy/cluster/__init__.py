"""jax.scipy.cluster: the vq submodule (vector quantization)."""
from . import vq

__all__ = ["vq"]
