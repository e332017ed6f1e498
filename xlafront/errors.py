"""The exception classes users catch (JAX's `jax.errors`), the traceback filter that makes
errors point at the user's line instead of xlafront's internals, and the source information
staged operations record (the user's frame and the enclosing named_scope names)."""
import contextlib
import functools
import os
import sys
import _thread  # threading's C core: the same types, without 0.5 ms of import
import warnings

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class JAXTypeError(TypeError):
    """The base of the TypeErrors xlafront raises about traced values (JAX's class)."""


class JAXIndexError(IndexError):
    """The base of the IndexErrors xlafront raises about traced indices (JAX's class)."""


class ConcretizationTypeError(JAXTypeError):
    """A traced value was used where a concrete Python value is needed."""


class TracerBoolConversionError(ConcretizationTypeError):
    """`bool(tracer)`, usually Python `if`/`while` on a traced value."""


class TracerIntegerConversionError(JAXTypeError):
    """`int(tracer)` or `tracer.__index__()`, e.g. `range(x)` on a traced value."""


class TracerArrayConversionError(JAXTypeError):
    """`np.asarray(tracer)` with the real NumPy."""


class UnexpectedTracerError(JAXTypeError):
    """A tracer escaped the transformation that created it (stored in a global, returned
    through a side channel) and was used after that transformation finished."""


class NonConcreteBooleanIndexError(JAXIndexError):
    """Indexing with a traced boolean mask (`x[x > 0]` under jit): the result's shape would
    depend on the mask's values."""


class KeyReuseError(JAXTypeError):
    """A PRNG key was used twice while `debug_key_reuse` is on."""


class JaxprTypeError(TypeError):
    """A program of the IR is ill-typed (what `enable_checks` reports)."""


class InconclusiveDimensionOperation(Exception):
    """A comparison of symbolic dimensions whose result is not known (shape polymorphism)."""


# Names whose value comes from a higher layer on first use: JaxRuntimeError is jaxlib's own
# class (what XLA's failures raise), which only the runtime may load.
_lazy = {}


def register_lazy(name, get):
    """Makes `errors.<name>` resolve to `get()` on first use (filled by the runtime)."""
    _lazy[name] = get


def __getattr__(name):
    if name in _lazy:
        return _lazy[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_lazy})


__all__ = ["ConcretizationTypeError", "InconclusiveDimensionOperation", "JAXIndexError",
           "JAXTypeError", "JaxRuntimeError", "JaxprTypeError", "KeyReuseError",
           "NonConcreteBooleanIndexError", "TracerArrayConversionError",
           "TracerBoolConversionError", "TracerIntegerConversionError", "UnexpectedTracerError"]


def is_internal_frame(filename):
    return filename.startswith(_PACKAGE_DIR)


def filter_traceback(tb):
    """Drops the frames of xlafront's own files from a traceback chain."""
    kept = []
    while tb is not None:
        if not is_internal_frame(tb.tb_frame.f_code.co_filename):
            kept.append(tb)
        tb = tb.tb_next
    for outer, inner in zip(kept, kept[1:] + [None]):
        outer.tb_next = inner
    return kept[0] if kept else None


def api_boundary(fun):
    """Wraps a public entry point so its errors show user frames, not xlafront's."""

    @functools.wraps(fun)
    def entry_point(*args, **kwargs):
        __tracebackhide__ = True  # noqa: F841 (pytest hides this one remaining frame)
        try:
            return fun(*args, **kwargs)
        except Exception as e:
            raise user_facing(e)

    return entry_point


def user_facing(e):
    """`e` with xlafront's frames dropped from its traceback (unless
    XLAFRONT_TRACEBACK_FILTERING=off), for an entry point to re-raise."""
    if os.environ.get("XLAFRONT_TRACEBACK_FILTERING", "on") == "off":
        return e
    return e.with_traceback(filter_traceback(e.__traceback__))


class _NameStack(_thread._local):
    def __init__(self):
        self.names = ()


_name_stack = _NameStack()


@contextlib.contextmanager
def extend_name_stack(name):
    """Adds `name` to the scope names that staged operations record (named_scope,
    named_call): lowering writes them into each operation's location, `scope/op`."""
    prev = _name_stack.names
    _name_stack.names = prev + (name,)
    try:
        yield
    finally:
        _name_stack.names = prev


def user_frame():
    """(filename, line, function, name stack) of the innermost frame outside xlafront, or
    None; the name stack is the tuple of enclosing named_scope names."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return None
    return frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name, _name_stack.names


def warn(message, category=UserWarning):
    """warnings.warn attributed to the innermost frame outside xlafront (the user's line)."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


_callback_errors = []  # exceptions raised by host callbacks, until their program reports


def stash_callback_error(e):
    """Called by a host callback that raised, before XLA turns `e` into its own error."""
    _callback_errors.append(e)


def take_callback_error(runtime_error):
    """The exception a host callback raised during the program that failed with
    `runtime_error`, or `runtime_error` itself when no callback raised."""
    if not _callback_errors:
        return runtime_error
    e = _callback_errors.pop()
    _callback_errors.clear()
    return e
