"""The exception classes users catch, and the traceback filter that makes errors point at
the user's line instead of xlafront's internals."""
import functools
import os
import sys
import warnings

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class ConcretizationTypeError(TypeError):
    """A traced value was used where a concrete Python value is needed."""


class TracerBoolConversionError(ConcretizationTypeError):
    """`bool(tracer)`, usually Python `if`/`while` on a traced value."""


class TracerIntegerConversionError(ConcretizationTypeError):
    """`int(tracer)` or `tracer.__index__()`, e.g. `range(x)` on a traced value."""


class TracerArrayConversionError(ConcretizationTypeError):
    """`np.asarray(tracer)` with the real NumPy."""


class UnexpectedTracerError(Exception):
    """A tracer escaped the transformation that created it (stored in a global, returned
    through a side channel) and was used after that transformation finished."""


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


def user_frame():
    """(filename, line, function) of the innermost frame outside xlafront, or None."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return None
    return frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name


def warn(message, category=UserWarning):
    """warnings.warn attributed to the innermost frame outside xlafront (the user's line)."""
    level, frame = 1, sys._getframe(1)
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
