"""JAX's `jax.debug`: host callbacks for looking at values inside staged, vmapped and
differentiated code (see callback.py)."""
import builtins
import logging

from .callback import debug_callback as callback

__all__ = ["DebugEffect", "OrderedDebugEffect", "breakpoint", "callback", "inspect_array_sharding",
           "log", "print", "visualize_array_sharding", "visualize_sharding"]


def print(fmt=None, *args, ordered=False, partitioned=False, skip_format_check=False,
          _use_logging=False, **kwargs):
    """Prints `fmt.format(*args, **kwargs)` on the host with the values the computation
    has at that point (NumPy arrays), also inside jit, vmap (once per example) and grad.
    As in JAX, the options may come first: `debug.print(ordered=True)("x = {}", x)`.
    `partitioned` changes nothing without shardings (every device holds whole values)."""
    def emit(fmt, *args, **kwargs):
        if not isinstance(fmt, str):
            raise TypeError(f"debug.print: the format must be a str, got {fmt!r}")

        def show(*args, **kwargs):
            text = fmt.format(*args, **kwargs)
            if _use_logging:
                logging.getLogger("xlafront.debug").info(text)
            else:
                builtins.print(text)

        callback(show, *args, ordered=ordered, **kwargs)

    if fmt is not None:
        return emit(fmt, *args, **kwargs)
    if args or kwargs:
        raise TypeError(f"debug.print received unexpected arguments in the two-call form: "
                        f"args={args} kwargs={kwargs}")
    return emit


def log(fmt=None, *args, ordered=False, partitioned=False, skip_format_check=False, **kwargs):
    """debug.print to the `xlafront.debug` logger at INFO level instead of stdout."""
    return print(fmt, *args, ordered=ordered, partitioned=partitioned,
                 skip_format_check=skip_format_check, _use_logging=True, **kwargs)


class DebugEffect:
    """The effect of a debug callback (JAX's name; xlafront orders effects by tokens)."""
    __str__ = lambda self: "Debug"  # noqa: E731


class OrderedDebugEffect:
    __str__ = lambda self: "OrderedDebug"  # noqa: E731


def breakpoint(*args, **kwargs):
    raise NotImplementedError("debug.breakpoint is not supported by xlafront: use "
                              "debug.print or debug.callback to look at values inside "
                              "staged code")


def visualize_array_sharding(*args, **kwargs):
    raise NotImplementedError("debug.visualize_array_sharding: shardings are not supported "
                              "yet")


def visualize_sharding(*args, **kwargs):
    raise NotImplementedError("debug.visualize_sharding: shardings are not supported yet")


def inspect_array_sharding(*args, **kwargs):
    raise NotImplementedError("debug.inspect_array_sharding: shardings are not supported yet")
