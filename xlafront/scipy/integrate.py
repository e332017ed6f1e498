"""jax.scipy.integrate: trapezoid, the same function as xlafront.numpy.trapezoid."""
from ..numpy import trapezoid

__all__ = ["trapezoid"]
