"""jax.scipy.spatial: the transform submodule (Rotation, Slerp)."""
from . import transform

__all__ = ["transform"]
