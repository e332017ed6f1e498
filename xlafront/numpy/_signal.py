"""convolve and correlate of 1-D arrays, as one lax convolution each (JAX's jnp.convolve,
jnp.correlate)."""
from .. import dtypes, lax
from ..core import get_aval
from ..dispatch import eager
from ..lax.convolution import conv_general_dilated
from ._util import aval_or_error, promote_dtypes

__all__ = ["convolve", "correlate"]

_MODES = ("full", "same", "valid")


def _conv(op, x, y, mode, precision, preferred_element_type):
    for i, v in enumerate((x, y)):
        if isinstance(v, (list, tuple)):
            raise TypeError(f"{op} requires ndarray or scalar arguments, got {type(v)} at "
                            f"position {i}.")
    if aval_or_error(op, x).ndim != 1 or aval_or_error(op, y).ndim != 1:
        raise ValueError(f"{op}() only support 1-dimensional inputs.")
    # NumPy computes convolutions in an inexact type; a preferred_element_type keeps the
    # inputs' (common) type instead
    to = dtypes.to_inexact if preferred_element_type is None else None
    (x, y), _ = promote_dtypes(op, x, y, to=to)
    nx, ny = get_aval(x).shape[0], get_aval(y).shape[0]
    if nx == 0 or ny == 0:
        raise ValueError(f"{op}: inputs cannot be empty, got shapes {(nx,)} and {(ny,)}.")
    reverse_output = False
    if op == "correlate":
        y = lax.conj(y) if dtypes.kind(get_aval(y).dtype) == "c" else y
        if nx < ny:
            x, y, reverse_output = y, x, True
    else:  # a convolution is a correlation with the kernel reversed
        if nx < ny:
            x, y = y, x
        y = lax.rev(y, (0,))
    n = min(nx, ny)
    if mode == "valid":
        padding = [(0, 0)]
    elif mode == "same":
        padding = [(n // 2, n - n // 2 - 1)]
    elif mode == "full":
        padding = [(n - 1, n - 1)]
    else:
        raise ValueError(f"{op}: mode must be one of {list(_MODES)}, got {mode!r}")
    result = conv_general_dilated(lax.reshape(x, (1, 1, get_aval(x).shape[0])),
                                  lax.reshape(y, (1, 1, get_aval(y).shape[0])), (1,), padding,
                                  precision=precision,
                                  preferred_element_type=preferred_element_type)
    result = lax.reshape(result, (get_aval(result).shape[2],))
    return lax.rev(result, (0,)) if reverse_output else result


@eager(static_argnames=("mode", "precision", "preferred_element_type"))
def convolve(a, v, mode="full", *, precision=None, preferred_element_type=None):
    """The discrete linear convolution of 1-D arrays a and v: mode 'full' (every overlap),
    'same' (the length of the longer one, centred) or 'valid' (full overlaps only)."""
    return _conv("convolve", a, v, mode, precision, preferred_element_type)


@eager(static_argnames=("mode", "precision", "preferred_element_type"))
def correlate(a, v, mode="valid", *, precision=None, preferred_element_type=None):
    """The cross-correlation of 1-D arrays: c[k] = sum_n a[n + k] * conj(v[n]); modes as
    convolve's, default 'valid'."""
    return _conv("correlate", a, v, mode, precision, preferred_element_type)
