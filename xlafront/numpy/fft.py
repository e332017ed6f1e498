"""xlafront.numpy.fft: NumPy's discrete Fourier transforms (JAX's jax.numpy.fft), over
lax.fft. Results are complex64 (complex128 for 64-bit inputs with x64), as in JAX."""
import math
import operator

import numpy as np

from .. import dtypes, lax
from ..core import get_aval
from ..devices import device_put
from ..dispatch import eager
from ..lax.fourier import FftType
from ..lax.fourier import fft as _lax_fft
from ._manip import moveaxis, roll
from ._util import asarray, aval_or_error, canonical_axes, canonical_axis

__all__ = ["fft", "fft2", "fftfreq", "fftn", "fftshift", "hfft", "ifft", "ifft2", "ifftn",
           "ifftshift", "ihfft", "irfft", "irfft2", "irfftn", "rfft", "rfft2", "rfftfreq",
           "rfftn"]

_NORMS = ("backward", "ortho", "forward")


def _array_arg(name, a):
    """The aval of an array argument; lists are refused, as JAX does."""
    if isinstance(a, (list, tuple)):
        raise TypeError(f"jax.numpy.fft.{name} requires ndarray or scalar arguments, got "
                        f"{type(a)} at position 0")
    return aval_or_error(f"jax.numpy.fft.{name}", a)


def _norm_scale(name, norm, s):
    """The factor a transform of lengths `s` is multiplied by after XLA's (unnormalized
    forward, 1/n inverse) one, for NumPy's `norm`; None for none."""
    if norm is None or norm == "backward":
        return None
    if norm not in _NORMS:
        raise ValueError(f'Invalid norm value {norm}; should be "backward", "ortho" or '
                         f'"forward".')
    n = math.prod(s)
    scale = math.sqrt(n) if norm == "ortho" else n
    return scale if name.startswith("i") else 1 / scale


def _fft_core(name, fft_type, a, s, axes, norm):
    aval = _array_arg(name, a)
    if s is not None:
        s = tuple(operator.index(n) for n in s)
        if any(n <= 0 for n in s):
            raise ValueError(f"jax.numpy.fft.{name}: Shape should be positive, got s={s}.")
        if axes is not None and len(s) != len(axes):
            raise ValueError(f"jax.numpy.fft.{name}: Shape and axes have different lengths: "
                             f"s={s}, axes={tuple(axes)}.")
    moved = axes is not None
    if axes is None:
        axes = range(aval.ndim) if s is None else range(aval.ndim - len(s), aval.ndim)
    axes = tuple(axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"jax.numpy.fft.{name} does not support repeated axes. Got axes "
                         f"{axes}.")
    axes = tuple(canonical_axis(f"jax.numpy.fft.{name}", ax, aval.ndim) for ax in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"jax.numpy.fft.{name} does not support repeated axes. Got axes "
                         f"{axes}.")
    original_axes = axes
    if moved:  # the transformed axes go last, where XLA's FFT works
        axes = tuple(range(aval.ndim - len(axes), aval.ndim))
        a = moveaxis(a, original_axes, axes)
    shape = get_aval(a).shape
    if s is not None:  # crop or zero-pad the input to the lengths transformed
        in_s = list(shape)
        for ax, n in zip(axes, s):
            in_s[ax] = n
        if fft_type == FftType.IRFFT:
            in_s[-1] = in_s[-1] // 2 + 1
        a = lax.slice(a, (0,) * len(shape), tuple(min(n, m) for n, m in zip(in_s, shape)))
        zero = np.zeros((), get_aval(a).dtype)
        a = lax.pad(a, zero, [(0, max(n - m, 0), 0) for n, m in zip(in_s, shape)])
    elif fft_type == FftType.IRFFT:
        s = tuple(shape[ax] for ax in axes[:-1])
        if axes:
            s += (max(0, 2 * (shape[axes[-1]] - 1)),)
    else:
        s = tuple(shape[ax] for ax in axes)
    out = _fft_nd(a, fft_type, s)
    scale = _norm_scale(name, norm, s)
    if scale is not None:
        out = lax.mul(out, np.array(scale, get_aval(out).dtype))
    if moved:
        out = moveaxis(out, axes, original_axes)
    return out


def _fft_nd(a, fft_type, s):
    """lax.fft over the last len(s) axes; XLA transforms at most 3 at once, so more are
    done in groups, the real-to-complex (or complex-to-real) part over the last axes."""
    if len(s) <= 3:
        return _lax_fft(a, fft_type, tuple(s))
    ndim = get_aval(a).ndim
    n = 2 if len(s) == 4 else 3
    src = tuple(range(ndim - len(s), ndim - n))
    dst = tuple(range(ndim - len(s) + n, ndim))
    if fft_type in (FftType.RFFT, FftType.FFT):
        a = _lax_fft(a, fft_type, tuple(s[-n:]))
        a = moveaxis(_fft_nd(moveaxis(a, src, dst), FftType.FFT, s[:-n]), dst, src)
    else:
        a = moveaxis(_fft_nd(moveaxis(a, src, dst), FftType.IFFT, s[:-n]), dst, src)
        a = _lax_fft(a, fft_type, tuple(s[-n:]))
    return a


def _one_axis(name, axis):
    if isinstance(axis, (list, tuple)):
        raise ValueError(f"jax.numpy.fft.{name} does not support multiple axes. Please use "
                         f"jax.numpy.fft.{name}n. Got axis = {axis!r}.")
    return None if axis is None else [axis]


def _transform_1d(name, fft_type, doc):
    @eager(static_argnames=("n", "axis", "norm"))
    def transform(a, n=None, axis=-1, norm=None):
        return _fft_core(name, fft_type, a, None if n is None else [n],
                         _one_axis(name, axis), norm)
    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = doc + " Along `axis`, of length `n` (cropped or zero-padded)."
    return transform


def _transform_2d(name, fft_type, doc):
    @eager(static_argnames=("s", "axes", "norm"))
    def transform(a, s=None, axes=(-2, -1), norm=None):
        if len(axes) != 2:
            raise ValueError(f"jax.numpy.fft.{name} only supports 2 axes. Got axes = "
                             f"{axes!r}.")
        return _fft_core(name, fft_type, a, s, axes, norm)
    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = doc + " Over the two `axes`, of lengths `s`."
    return transform


def _transform_nd(name, fft_type, doc):
    @eager(static_argnames=("s", "axes", "norm"))
    def transform(a, s=None, axes=None, norm=None):
        return _fft_core(name, fft_type, a, s, axes, norm)
    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = doc + " Over `axes` (default: all, or the last len(s)), of lengths `s`."
    return transform


fft = _transform_1d("fft", FftType.FFT, "The 1-D discrete Fourier transform.")
ifft = _transform_1d("ifft", FftType.IFFT, "The 1-D inverse discrete Fourier transform.")
rfft = _transform_1d("rfft", FftType.RFFT, "The 1-D DFT of a real input (the n//2 + 1 "
                     "non-negative frequencies).")
irfft = _transform_1d("irfft", FftType.IRFFT, "The inverse of rfft: a real output (n "
                      "defaults to 2 * (m - 1) for m input frequencies).")
fft2 = _transform_2d("fft2", FftType.FFT, "The 2-D discrete Fourier transform.")
ifft2 = _transform_2d("ifft2", FftType.IFFT, "The 2-D inverse discrete Fourier transform.")
rfft2 = _transform_2d("rfft2", FftType.RFFT, "The 2-D DFT of a real input.")
irfft2 = _transform_2d("irfft2", FftType.IRFFT, "The inverse of rfft2.")
fftn = _transform_nd("fftn", FftType.FFT, "The N-D discrete Fourier transform.")
ifftn = _transform_nd("ifftn", FftType.IFFT, "The N-D inverse discrete Fourier transform.")
rfftn = _transform_nd("rfftn", FftType.RFFT, "The N-D DFT of a real input.")
irfftn = _transform_nd("irfftn", FftType.IRFFT, "The inverse of rfftn.")


@eager(static_argnames=("n", "axis", "norm"))
def hfft(a, n=None, axis=-1, norm=None):
    """The DFT of a signal with Hermitian symmetry given by its non-negative frequencies
    `a`: a real result of length n (default 2 * (m - 1))."""
    aval = _array_arg("hfft", a)
    axes = _one_axis("hfft", axis)
    if n is None:
        n_out = 2 * (aval.shape[canonical_axis("jax.numpy.fft.hfft", axis, aval.ndim)] - 1)
    else:
        n_out = n
    if dtypes.kind(aval.dtype) == "c":
        a = lax.conj(a)
    out = _fft_core("hfft", FftType.IRFFT, a, None if n is None else [n], axes, norm)
    return lax.mul(out, np.array(n_out, get_aval(out).dtype))


@eager(static_argnames=("n", "axis", "norm"))
def ihfft(a, n=None, axis=-1, norm=None):
    """The inverse of hfft: the non-negative frequencies of the Hermitian-symmetric signal
    whose DFT is the real `a`."""
    aval = _array_arg("ihfft", a)
    axes = _one_axis("ihfft", axis)
    if n is None:
        n = aval.shape[canonical_axis("jax.numpy.fft.ihfft", axis, aval.ndim)]
        out = _fft_core("ihfft", FftType.RFFT, a, None, axes, norm)
    else:
        out = _fft_core("ihfft", FftType.RFFT, a, [n], axes, norm)
    return lax.mul(lax.conj(out), np.array(1 / n, get_aval(out).dtype))


def _frequency_args(name, n, d, dtype):
    if isinstance(n, (list, tuple)):
        raise ValueError(f"The n argument of jax.numpy.fft.{name} only takes an int. Got "
                         f"n = {list(n)}.")
    if isinstance(d, (list, tuple)):
        raise ValueError(f"The d argument of jax.numpy.fft.{name} only takes a single value. "
                         f"Got d = {list(d)}.")
    out_dtype = dtypes.default_float() if dtype is None else dtypes.check_dtype(dtype, name)
    return operator.index(n), out_dtype, dtypes.to_inexact(out_dtype)


def _frequencies(k, n, d, out_dtype, dtype, device):
    """k / (d * n) in `dtype` (d may be traced), as `out_dtype`, on `device`."""
    d_n = lax.mul(lax.convert_element_type(d, dtype), np.array(n, dtype)) \
        if not isinstance(d, (int, float)) else np.array(d * n, dtype)
    result = lax.convert_element_type(lax.div(k.astype(dtype), d_n), out_dtype)
    return result if device is None else device_put(result, device)


def fftfreq(n, d=1.0, *, dtype=None, device=None):
    """The sample frequencies of an n-point DFT with sample spacing d: [0, 1, ..., n//2 - 1
    (n odd: n//2), -(n//2), ..., -1] / (d * n)."""
    n, out_dtype, dtype = _frequency_args("fftfreq", n, d, dtype)
    k = (np.arange(n) + n // 2) % max(n, 1) - n // 2
    return _frequencies(k, n, d, out_dtype, dtype, device)


def rfftfreq(n, d=1.0, *, dtype=None, device=None):
    """The sample frequencies of rfft's output: [0, 1, ..., n//2] / (d * n)."""
    n, out_dtype, dtype = _frequency_args("rfftfreq", n, d, dtype)
    return _frequencies(np.arange(n // 2 + 1), n, d, out_dtype, dtype, device)


def _shift(name, x, axes, sign):
    aval = _array_arg(name, x)
    if axes is None:
        axes = tuple(range(aval.ndim))
    axes_t = canonical_axes(name, axes, aval.ndim)
    shifts = tuple(sign * (aval.shape[ax] // 2) for ax in axes_t)
    return roll(x, shifts, axes_t) if axes_t else asarray(x)


@eager(static_argnames="axes")
def fftshift(x, axes=None):
    """x rolled so that the zero frequency is in the middle of each of `axes` (all if None)."""
    return _shift("fftshift", x, axes, 1)


@eager(static_argnames="axes")
def ifftshift(x, axes=None):
    """The inverse of fftshift."""
    return _shift("ifftshift", x, axes, -1)
