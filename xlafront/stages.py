"""JAX's `jax.stages`: the types of the ahead-of-time stages of a jitted function,

    jit(f)  --.trace(*args)-->  Traced  --.lower()-->  Lowered  --.compile()-->  Compiled

`Traced`, `Lowered` and `Compiled` are the classes jit's `.trace`, `.lower` and `.compile`
return (jit.py); `Wrapped` is a protocol: `isinstance(jit(f), Wrapped)` holds.
"""
import typing

from .jit import ArgInfo, Compiled, Lowered, Traced

__all__ = ["ArgInfo", "Compiled", "CompilerOptions", "Lowered", "Traced", "Wrapped"]

# Options for the XLA compiler, by name (JAX's alias)
CompilerOptions = dict[str, typing.Union[str, bool]]


@typing.runtime_checkable
class Wrapped(typing.Protocol):
    """A function ready to be traced, lowered and compiled: what `jit` returns. Calling it
    traces, compiles and runs as needed."""

    def __call__(self, *args, **kwargs):
        """Runs the wrapped function, tracing and compiling as needed."""

    def trace(self, *args, **kwargs):
        """The function traced for these arguments."""

    def lower(self, *args, **kwargs):
        """The function lowered to StableHLO for these arguments (a `Lowered`)."""
