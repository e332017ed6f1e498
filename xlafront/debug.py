"""JAX's `jax.debug`: host callbacks for looking at values inside staged, vmapped and
differentiated code (see callback.py)."""
import builtins

from .callback import debug_callback as callback

__all__ = ["breakpoint", "callback", "print", "visualize_array_sharding"]


def print(fmt, *args, ordered=False, **kwargs):
    """Prints `fmt.format(*args, **kwargs)` on the host with the values the computation
    has at that point (NumPy arrays), also inside jit, vmap (once per example) and grad.

    >>> import xlafront as xf, xlafront.numpy as jnp
    >>> _ = xf.jit(lambda x: xf.debug.print("x = {}", x) or x)(jnp.arange(3))
    x = [0 1 2]
    """
    if not isinstance(fmt, str):
        raise TypeError(f"debug.print: the format must be a str, got {fmt!r}")

    def show(*args, **kwargs):
        builtins.print(fmt.format(*args, **kwargs))

    callback(show, *args, ordered=ordered, **kwargs)


def breakpoint(*args, **kwargs):
    raise NotImplementedError("debug.breakpoint is not supported by xlafront: use "
                              "debug.print or debug.callback to look at values inside "
                              "staged code")


def visualize_array_sharding(*args, **kwargs):
    raise NotImplementedError("debug.visualize_array_sharding: shardings are not supported "
                              "yet")
