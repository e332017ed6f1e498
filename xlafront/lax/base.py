"""Helpers shared by the primitive blocks in lax/: making a primitive from its rules, and
the checks whose error messages every primitive shares."""
import builtins

import numpy as np

from .. import dispatch, dtypes, runtime  # noqa: F401  (dispatch: eager execution)
from ..core import Primitive, ShapedArray, Tracer, get_aval
from ..interpreters.lowering import register_lowering

python_scalars = (builtins.bool, builtins.int, builtins.float, builtins.complex)

KIND_NAMES = {"b": "bool", "i": "signed integer", "u": "unsigned integer",
              "f": "floating", "c": "complex"}


def primitive(name, abstract_eval, lowering, multiple_results=False):
    """A Primitive with its abstract evaluation and lowering rules."""
    prim = Primitive(name, multiple_results)
    prim.abstract_eval = abstract_eval
    register_lowering(prim, lowering)
    return prim


def check_kinds(op, aval, kinds):
    """TypeError unless aval's dtype kind is one of `kinds` (e.g. "fc")."""
    if dtypes.kind(aval.dtype) not in kinds:
        accepted = ", ".join(KIND_NAMES[k] for k in kinds)
        raise TypeError(f"{op} does not accept dtype {aval.dtype.name}; it accepts {accepted} "
                        f"dtypes")


def check_same_dtypes(op, avals):
    if len({a.dtype for a in avals}) > 1:
        names = ", ".join(a.dtype.name for a in avals)
        raise TypeError(f"{op} requires arguments to have the same dtypes, got {names}; "
                        f"convert them first (e.g. with .astype or lax.convert_element_type)")


def check_same_shapes(op, avals):
    if len({a.shape for a in avals}) > 1:
        shapes = ", ".join(str(a.shape) for a in avals)
        raise TypeError(f"{op} got incompatible shapes {shapes}; lax operations need equal "
                        f"shapes (xlafront.numpy broadcasts for you)")


def normalize_axis(op, axis, ndim):
    try:
        axis = builtins.int(axis.__index__())
    except (AttributeError, TypeError):
        raise TypeError(f"{op}: axis must be an integer, got {axis!r}") from None
    if not -ndim <= axis < max(ndim, 1) or (ndim == 0 and axis not in (0, -1)):
        raise ValueError(f"{op}: axis {axis} is out of bounds for an array of dimension {ndim}")
    return axis % ndim if ndim else 0


def normalize_axes(op, axes, ndim):
    axes = tuple(normalize_axis(op, a, ndim) for a in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: repeated axis in {axes}")
    return axes


def is_array_value(x):
    """True for xlafront Arrays and tracers: the values a wrapper with nothing to do may
    return unchanged. NumPy arrays and Python scalars still go through the primitive (as in
    JAX), so every lax function returns an xlafront Array."""
    return isinstance(x, Tracer) or (runtime.is_loaded() and type(x) is runtime.array_type())


def aval_of(x):
    return get_aval(x)


def scalar_like(value, aval):
    """`value` as a NumPy scalar of aval's dtype (for literals in the IR)."""
    return np.array(value, dtype=aval.dtype)


def out(shape, dtype, weak_type=False):
    return [ShapedArray(shape, dtype, weak_type)]
