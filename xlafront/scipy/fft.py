"""jax.scipy.fft: the type-2 discrete cosine transform and its inverse (dct, dctn, idct,
idctn), each one FFT per axis (Makhoul's reordering), as JAX 0.10.2 (only type 2)."""
import operator

import numpy as np

from .. import lax
from .. import numpy as jnp
from ..dispatch import eager
from ..numpy._util import canonical_axes, canonical_axis, check_arraylike

__all__ = ["dct", "dctn", "idct", "idctn"]


def _check(op, x, type, norm):  # noqa: A002
    if type != 2:
        raise NotImplementedError(f"{op}: only DCT type 2 is implemented, got type={type!r}")
    if norm not in (None, "backward", "ortho"):
        raise ValueError(f"{op}: norm must be None, 'backward' or 'ortho', got {norm!r}")
    check_arraylike(op, x)
    x = jnp.asarray(x)
    return x.astype(jnp.result_type(x.dtype, 1.0))  # integers and bools become float32


def _resize(x, n, axis):
    """x zero-padded or truncated to n points along axis (SciPy's n and s)."""
    if n is None or n == x.shape[axis]:
        return x
    if n < 1:
        raise ValueError(f"invalid number of data points ({n}) specified")
    return lax.pad(x, np.zeros((), x.dtype), [(0, n - x.shape[axis] if a == axis else 0, 0)
                                              for a in range(x.ndim)])


def _ortho_scale(n, shape, axis, dtype):
    """The factors making the transform orthonormal along axis: 1/sqrt(4n) for the first
    term, 1/sqrt(2n) for the others."""
    scale = np.full(n, 1 / np.sqrt(2 * n))
    scale[0] = 1 / np.sqrt(4 * n)
    return scale.reshape([n if a == axis else 1 for a in range(len(shape))]).astype(dtype)


def _twiddle(n, ndim, axis):
    """exp(-i pi k / 2n) for k < n, shaped to broadcast along axis."""
    k = np.arange(n).reshape([n if a == axis else 1 for a in range(ndim)])
    return np.exp(-0.5j * np.pi * k / n)


def _interleave(x, axis):
    """x's even points along axis, then its odd ones reversed (slices: cheaper to compile
    than a gather)."""
    odd = lax.rev(lax.slice_in_dim(x, 1, None, 2, axis), (axis,))
    return lax.concatenate([lax.slice_in_dim(x, 0, None, 2, axis), odd], axis)


def _deinterleave(y, axis):
    """The inverse of _interleave: y's first half to the even points, the rest reversed
    to the odd ones (stacked pairs, reshaped)."""
    n = y.shape[axis]
    half = (n + 1) // 2
    odd = lax.rev(lax.slice_in_dim(y, half, n, axis=axis), (axis,))
    odd = _resize(odd, half, axis)  # (one zero more when n is odd, cut below)
    pairs = jnp.stack([lax.slice_in_dim(y, 0, half, axis=axis), odd], axis + 1)
    pairs = pairs.reshape(y.shape[:axis] + (2 * half,) + y.shape[axis + 1:])
    return lax.slice_in_dim(pairs, 0, n, axis=axis)


def _dct1(x, axis, norm):
    """The type-2 DCT of real x along axis: the FFT of x's even points then its odd ones
    reversed, rotated by the twiddle factors."""
    n = x.shape[axis]
    v = jnp.fft.fft(_interleave(x, axis), axis=axis)
    out = 2 * (v * _twiddle(n, x.ndim, axis).astype(v.dtype)).real
    return out * _ortho_scale(n, x.shape, axis, out.dtype) if norm == "ortho" else out


def _idct1(x, axis, norm):
    """The inverse of _dct1: undo the twiddle, inverse FFT, then put the even and odd
    points back in place."""
    n = x.shape[axis]
    scale = _ortho_scale(n, x.shape, axis, np.float64)
    scale = scale if norm == "ortho" else scale * scale  # 'backward' divides by 2n
    v = x * (scale * 2 * n).astype(x.dtype)
    v = jnp.fft.ifft(v / _twiddle(n, x.ndim, axis).astype(jnp.result_type(v, 1j)), axis=axis)
    return _deinterleave(v.real, axis)


def _per_axis(transform, x, sizes, axes, norm):
    """transform along each of axes after resizing it; complex input by parts."""
    if jnp.iscomplexobj(x):
        return lax.complex(_per_axis(transform, x.real, sizes, axes, norm),
                           _per_axis(transform, x.imag, sizes, axes, norm))
    for n, axis in zip(sizes, axes):
        x = transform(_resize(x, n, axis), axis, norm)
    return x


def _nd_axes(op, x, s, axes):
    """(sizes, axes) as SciPy's dctn: s alone picks the last len(s) axes."""
    if s is not None:
        s = [operator.index(s)] if np.ndim(s) == 0 else list(s)
        if len(s) > x.ndim:
            raise ValueError(f"{op}: s must have at most x.ndim ({x.ndim}) elements, got "
                             f"{len(s)}")
    if axes is None:
        axes = tuple(range(x.ndim - len(s), x.ndim)) if s is not None else tuple(range(x.ndim))
    else:
        axes = canonical_axes(op, axes if isinstance(axes, (tuple, list)) else (axes,), x.ndim)
    if s is not None and len(s) != len(axes):
        raise ValueError(f"{op}: s and axes must have the same length, got {s} and {axes}")
    return s or [None] * len(axes), axes


@eager(static_argnames=("type", "n", "axis", "norm"))
def dct(x, type=2, n=None, axis=-1, norm=None):  # noqa: A002
    """The type-2 discrete cosine transform of x along axis (scipy.fft.dct)."""
    x = _check("dct", x, type, norm)
    return _per_axis(_dct1, x, [n], [canonical_axis("dct", axis, x.ndim)], norm)


@eager(static_argnames=("type", "s", "axes", "norm"))
def dctn(x, type=2, s=None, axes=None, norm=None):  # noqa: A002
    """The multidimensional type-2 DCT of x over axes (scipy.fft.dctn): dct along each."""
    x = _check("dctn", x, type, norm)
    return _per_axis(_dct1, x, *_nd_axes("dctn", x, s, axes), norm)


@eager(static_argnames=("type", "n", "axis", "norm"))
def idct(x, type=2, n=None, axis=-1, norm=None):  # noqa: A002
    """The inverse of the type-2 DCT (scipy.fft.idct): a type-3 DCT, divided by 2n with
    norm 'backward'."""
    x = _check("idct", x, type, norm)
    return _per_axis(_idct1, x, [n], [canonical_axis("idct", axis, x.ndim)], norm)


@eager(static_argnames=("type", "s", "axes", "norm"))
def idctn(x, type=2, s=None, axes=None, norm=None):  # noqa: A002
    """The multidimensional inverse of the type-2 DCT (scipy.fft.idctn): idct along each
    axis."""
    x = _check("idctn", x, type, norm)
    return _per_axis(_idct1, x, *_nd_axes("idctn", x, s, axes), norm)
