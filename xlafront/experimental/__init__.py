"""JAX's `jax.experimental` names that xlafront supports: io_callback."""
from ..callback import io_callback

__all__ = ["io_callback"]
