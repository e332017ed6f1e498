"""JAX's `jax.stages`: the types of the ahead-of-time stages of a jitted function,

    jit(f)  --.trace(*args)-->  Traced  --.lower()-->  Lowered  --.compile()-->  Compiled

`Lowered` and `Compiled` are the classes jit's `.lower` and `.compile` return (jit.py).
`Wrapped` and `Traced` are protocols: `isinstance(jit(f), Wrapped)` holds, and
`isinstance(x, Traced)` holds for an object with a `jaxpr` and a `lower` method.
"""
import dataclasses
import typing

from .core import ShapedArray
from .jit import Compiled, Lowered

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


@typing.runtime_checkable
class Traced(typing.Protocol):
    """A function traced for given arguments: its program (`jaxpr`), ready to lower."""

    jaxpr: object

    def lower(self):
        """The traced program lowered to StableHLO (a `Lowered`)."""


@dataclasses.dataclass(frozen=True)
class ArgInfo:
    """One argument of a traced, lowered or compiled function: its type and whether it is
    donated."""
    _aval: ShapedArray
    donated: bool

    @property
    def shape(self):
        return self._aval.shape

    @property
    def dtype(self):
        return self._aval.dtype
