"""fft: XLA's fast Fourier transforms over the trailing len(fft_lengths) dimensions
(stablehlo.fft), one linear primitive for the four kinds, with JAX's transpose rules. (JAX's
lax/fft.py; renamed so that the module, loaded on first use, never shadows `lax.fft`.)"""
import enum
import math

import numpy as np

from .. import dtypes
from ..core import bind, get_aval
from ..dispatch import eager
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from .base import ints, out, primitive
from .elementwise import _real_dtype, conj, convert_element_type, div, mul
from .shape import broadcast_in_dim

__all__ = ["FftType", "fft", "fft_p"]


class FftType(enum.IntEnum):
    """Which transform `lax.fft` computes (JAX's names and values)."""
    FFT = 0    # complex -> complex, forward
    IFFT = 1   # complex -> complex, inverse (scaled by 1/n)
    RFFT = 2   # real -> the n//2 + 1 non-negative frequencies of the last dimension
    IRFFT = 3  # those frequencies -> real, inverse


def _fft_type(fft_type):
    if isinstance(fft_type, FftType):
        return fft_type
    if isinstance(fft_type, str) and fft_type.upper() in FftType.__members__:
        return FftType[fft_type.upper()]
    if isinstance(fft_type, str):
        raise ValueError(f"fft: unknown FFT type {fft_type!r}; use 'fft', 'ifft', 'rfft', "
                         f"'irfft' or a lax.FftType")
    raise TypeError(f"fft: unknown FFT type value {fft_type!r}; use a lax.FftType or its name")


def _complex_of(dtype):
    """The complex type holding values of inexact `dtype` (complex64 below 64 bits)."""
    wide = dtype in (dtypes.float64, dtypes.complex128)
    return np.dtype(np.complex128 if wide else np.complex64)


def _fft_abstract(x, fft_type, fft_lengths):
    k = len(fft_lengths)
    if k > x.ndim:
        raise ValueError(f"fft: input shape {x.shape} must have at least as many dimensions "
                         f"as fft_lengths {fft_lengths}")
    lead, minor = x.shape[:x.ndim - k], x.shape[x.ndim - k:]
    if fft_type == FftType.RFFT:
        if x.dtype not in (dtypes.float32, dtypes.float64):
            raise ValueError(f"fft: RFFT input must be float32 or float64, got {x.dtype.name}")
        if minor != fft_lengths:
            raise ValueError(f"fft: RFFT input shape {x.shape} minor dimensions must equal "
                             f"fft_lengths {fft_lengths}")
        return out(lead + fft_lengths[:-1] + (fft_lengths[-1] // 2 + 1,),
                   _complex_of(x.dtype))
    if dtypes.kind(x.dtype) != "c":
        raise ValueError(f"fft: {fft_type.name} input must be complex64 or complex128, got "
                         f"{x.dtype.name}")
    if fft_type == FftType.IRFFT:
        if minor != fft_lengths[:-1] + (fft_lengths[-1] // 2 + 1,):
            raise ValueError(f"fft: IRFFT input shape {x.shape} minor dimensions must equal "
                             f"fft_lengths {fft_lengths} with the last one n as n // 2 + 1")
        return out(lead + fft_lengths, _real_dtype(x.dtype))
    if minor != fft_lengths:
        raise ValueError(f"fft: {fft_type.name} input shape {x.shape} minor dimensions must "
                         f"equal fft_lengths {fft_lengths}")
    return out(x.shape, x.dtype)


def _fft_hlo(x, fft_type, fft_lengths):
    return L.hlo.fft(x, L.hlo.FftTypeAttr.get(fft_type.name), L.dense_i64(fft_lengths))


def _fft_lowering(ctx, x, fft_type, fft_lengths):
    return [_fft_hlo(x, fft_type, fft_lengths)]


def _fft_lowering_gpu(ctx, x, fft_type, fft_lengths):
    """cuFFT assumes Hermitian symmetry along every dimension of a multi-dimensional
    complex-to-real transform, where XLA elsewhere and NumPy assume it along the last one
    only: as JAX does, an IFFT over the other dimensions, then a 1-D IRFFT."""
    if fft_type != FftType.IRFFT or len(fft_lengths) == 1:
        return _fft_lowering(ctx, x, fft_type, fft_lengths)
    rank = ctx.avals_in[0].ndim
    first = rank - len(fft_lengths)
    to_front = list(range(rank))
    to_front.insert(first, to_front.pop(-1))  # the last dimension leads the transformed ones
    x = _fft_hlo(L.hlo.transpose(x, L.dense_i64(to_front)), FftType.IFFT, fft_lengths[:-1])
    back = list(range(rank))
    back.append(back.pop(first))
    return [_fft_hlo(L.hlo.transpose(x, L.dense_i64(back)), FftType.IRFFT, fft_lengths[-1:])]


fft_p = primitive("fft", _fft_abstract, _fft_lowering)
L.register_lowering(fft_p, _fft_lowering_gpu, platform="gpu")


@eager(static_argnames=("fft_type", "fft_lengths"))
def fft(x, fft_type, fft_lengths):
    """The FFT of kind `fft_type` (a lax.FftType or its name) over the last
    len(fft_lengths) dimensions of x, as XLA computes it: unnormalized forward transforms,
    inverse ones scaled by 1/prod(fft_lengths). x is converted to complex (to real for
    RFFT) first, as in JAX."""
    fft_type = _fft_type(fft_type)
    fft_lengths = ints("fft", "fft_lengths", fft_lengths)
    dtype = get_aval(x).dtype
    if fft_type == FftType.RFFT:
        if dtypes.kind(dtype) == "c":
            raise ValueError("fft: only real valued inputs are supported for RFFT")
        x = convert_element_type(x, dtypes.to_inexact(dtype))
    else:
        x = convert_element_type(x, _complex_of(dtypes.to_inexact(dtype)))
    if not fft_lengths:  # XLA has no rank-0 FFT: the identity
        return x
    return bind(fft_p, x, fft_type=fft_type, fft_lengths=fft_lengths)


def _hermitian_weights(n, m, dtype):
    """The weights (1 at the zero frequency and, for even n, at n/2; 2 elsewhere) of the m
    frequencies an RFFT of length n keeps: each counted as often as it appears in the full
    spectrum."""
    w = np.full(m, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    return w.astype(dtype)


def _fft_transpose(ct, x, fft_type, fft_lengths):
    ct_aval = get_aval(ct)
    n, size = fft_lengths[-1], math.prod(fft_lengths)
    if fft_type == FftType.RFFT:
        # Pairing <ct, y> = Re sum(ct * y): the IRFFT of conj(ct) with the doubled
        # frequencies halved, times n.
        weights = _hermitian_weights(n, ct_aval.shape[-1], ct_aval.dtype)
        w = broadcast_in_dim(weights, ct_aval.shape, (ct_aval.ndim - 1,))
        ct_x = bind(fft_p, div(conj(ct), w), fft_type=FftType.IRFFT, fft_lengths=fft_lengths)
        return [mul(ct_x, np.array(size, get_aval(ct_x).dtype))]
    if fft_type == FftType.IRFFT:
        y = bind(fft_p, ct, fft_type=FftType.RFFT, fft_lengths=fft_lengths)
        y_aval = get_aval(y)
        weights = _hermitian_weights(n, y_aval.shape[-1], y_aval.dtype) / size
        return [conj(mul(y, broadcast_in_dim(weights, y_aval.shape, (y_aval.ndim - 1,))))]
    # The DFT matrix is symmetric: FFT and IFFT are their own transposes.
    return [bind(fft_p, ct, fft_type=fft_type, fft_lengths=fft_lengths)]


def _fft_batch(vals, dims, fft_type, fft_lengths):
    (x,), (d,) = vals, dims
    # the transformed dimensions are the trailing ones: the batch one goes in front
    return [bind(fft_p, batching.moveaxis(x, d, 0), fft_type=fft_type,
                 fft_lengths=fft_lengths)], [0]


ad.deflinear(fft_p, _fft_transpose)
batching.primitive_batchers[fft_p] = _fft_batch
