"""jax.scipy.signal: N-dimensional convolution and correlation (direct, through
lax.conv_general_dilated, or by FFT), detrending, and the windowed-FFT estimates stft,
istft, csd and welch, as JAX 0.10.2 defines them."""
import functools

import numpy as np

from .. import dtypes, lax
from .. import numpy as jnp
from ..dispatch import eager
from ..errors import warn
from ..lax.fourier import _complex_of
from ..numpy._util import canonical_axes, canonical_axis, check_arraylike, promote_dtypes
from ..vmap import vmap

__all__ = ["convolve", "convolve2d", "correlate", "correlate2d", "csd", "detrend",
           "fftconvolve", "istft", "stft", "welch"]

_MODES = ("full", "same", "valid")


def _inexact(op, *args):
    """args as arrays of their common inexact dtype (integers and bools become float32)."""
    check_arraylike(op, *args)
    args, _ = promote_dtypes(op, *args, to=dtypes.to_inexact)
    return [jnp.asarray(a) for a in args]


def _real(dtype):
    return dtypes.finfo(dtype).dtype


def _operands(op, in1, in2, mode):
    if mode not in _MODES:
        raise ValueError(f"{op}: mode must be one of {list(_MODES)}, got {mode!r}")
    in1, in2 = _inexact(op, in1, in2)
    if in1.ndim != in2.ndim:
        raise ValueError(f"{op}: in1 and in2 must have the same number of dimensions, got "
                         f"shapes {in1.shape} and {in2.shape}")
    return in1, in2


def _swapped(op, s1, s2):
    """Whether in2 is the larger input (then the two swap); one must be at least as large
    as the other in every dimension."""
    if all(a >= b for a, b in zip(s1, s2)):
        return False
    if all(a <= b for a, b in zip(s1, s2)):
        return True
    raise ValueError(f"{op}: one input must be at least as large as the other in every "
                     f"dimension, got shapes {s1} and {s2}")


def _convolve_nd(op, in1, in2, mode, precision):
    in1, in2 = _operands(op, in1, in2, mode)
    if in1.size == 0 or in2.size == 0:
        raise ValueError(f"{op}: zero-size arrays are not supported, got shapes {in1.shape} "
                         f"and {in2.shape}")
    shape_o = in2.shape
    if _swapped(op, in1.shape, in2.shape):
        in1, in2 = in2, in1
    # a convolution is the correlation (what conv_general_dilated computes) with the kernel
    # reversed; 'same' keeps the size of the first input, swapped or not
    padding = {"valid": [(0, 0)] * in1.ndim,
               "full": [(s - 1, s - 1) for s in in2.shape],
               "same": [(s - 1 - (so - 1) // 2, s - so + (so - 1) // 2)
                        for s, so in zip(in2.shape, shape_o)]}[mode]
    out = lax.conv_general_dilated(in1[None, None], jnp.flip(in2)[None, None],
                                   (1,) * in1.ndim, padding, precision=precision)
    return out[0, 0]


@eager(static_argnames=("mode", "method", "precision"))
def convolve(in1, in2, mode="full", method="auto", precision=None):
    """The N-dimensional convolution of in1 and in2 (scipy.signal.convolve): method 'auto'
    and 'direct' run lax.conv_general_dilated, 'fft' runs fftconvolve."""
    if method == "fft":
        return fftconvolve(in1, in2, mode=mode)
    if method not in ("auto", "direct"):
        raise ValueError(f"convolve: method must be 'auto', 'direct' or 'fft', got {method!r}")
    return _convolve_nd("convolve", in1, in2, mode, precision)


@eager(static_argnames=("mode", "method", "precision"))
def correlate(in1, in2, mode="full", method="auto", precision=None):
    """The N-dimensional cross-correlation of in1 and in2 (scipy.signal.correlate): the
    convolution with in2 reversed and conjugated."""
    check_arraylike("correlate", in1, in2)
    return convolve(in1, jnp.flip(jnp.conj(in2)), mode, method, precision)


def _check_2d(op, in1, in2, boundary, fillvalue):
    if boundary != "fill" or fillvalue != 0:
        raise NotImplementedError(f"{op}: only boundary='fill' and fillvalue=0 are supported, "
                                  f"got boundary={boundary!r}, fillvalue={fillvalue!r}")
    check_arraylike(op, in1, in2)
    if np.ndim(in1) != 2 or np.ndim(in2) != 2:
        raise ValueError(f"{op}: only 2-dimensional inputs are supported, got shapes "
                         f"{np.shape(in1)} and {np.shape(in2)}")
    return jnp.asarray(in1), jnp.asarray(in2)


@eager(static_argnames=("mode", "boundary", "fillvalue", "precision"))
def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0, precision=None):
    """The convolution of 2-D arrays (scipy.signal.convolve2d), zero-filled at the edges."""
    in1, in2 = _check_2d("convolve2d", in1, in2, boundary, fillvalue)
    return _convolve_nd("convolve2d", in1, in2, mode, precision)


@eager(static_argnames=("mode", "boundary", "fillvalue", "precision"))
def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0, precision=None):
    """The cross-correlation of 2-D arrays (scipy.signal.correlate2d), zero-filled."""
    in1, in2 = _check_2d("correlate2d", in1, in2, boundary, fillvalue)
    swap = all(a <= b for a, b in zip(in1.shape, in2.shape))
    # as SciPy's correlate2d: a larger in2 swaps the inputs ('valid', 'full'), which
    # reverses the output instead of conjugating it as scipy.signal.correlate does
    if swap and (mode == "full" or (mode == "valid" and in1.shape != in2.shape)):
        out = _convolve_nd("correlate2d", jnp.flip(in2), jnp.conj(in1), mode, precision)
        return jnp.conj(out) if mode == "full" else out
    return jnp.flip(_convolve_nd("correlate2d", jnp.flip(in1), jnp.conj(in2), mode, precision))


def _fftconvolve(in1, in2, mode):
    full = tuple(a + b - 1 for a, b in zip(in1.shape, in2.shape))
    if mode == "valid" and _swapped("fftconvolve", in1.shape, in2.shape):
        in1, in2 = in2, in1
    if all(a == 1 or b == 1 for a, b in zip(in1.shape, in2.shape)):
        conv = in1 * in2  # no axis needs a transform
    elif jnp.iscomplexobj(in1):
        conv = jnp.fft.ifftn(jnp.fft.fftn(in1, full) * jnp.fft.fftn(in2, full), full)
    else:
        conv = jnp.fft.irfftn(jnp.fft.rfftn(in1, full) * jnp.fft.rfftn(in2, full), full)
    out = {"full": full, "same": in1.shape,
           "valid": tuple(a - b + 1 for a, b in zip(in1.shape, in2.shape))}[mode]
    start = [(f - o) // 2 for f, o in zip(full, out)]
    return lax.slice(conv, start, [s + o for s, o in zip(start, out)])


@eager(static_argnames=("mode", "axes"))
def fftconvolve(in1, in2, mode="full", axes=None):
    """The N-dimensional convolution of in1 and in2 computed with FFTs
    (scipy.signal.fftconvolve), over `axes` only if given (the others must match)."""
    in1, in2 = _operands("fftconvolve", in1, in2, mode)
    conv = functools.partial(_fftconvolve, mode=mode)
    if axes is None:
        return conv(in1, in2)
    axes = canonical_axes("fftconvolve", tuple(np.atleast_1d(axes).tolist()), in1.ndim)
    mapped = [i for i in range(in1.ndim) if i not in axes]
    if any(in1.shape[i] != in2.shape[i] for i in mapped):
        raise ValueError(f"fftconvolve: the axes not convolved must have the same size, got "
                         f"shapes {in1.shape} and {in2.shape} with axes={axes}")
    for ax in mapped:  # innermost first: the outer vmaps take the later axes
        conv = vmap(conv, in_axes=ax, out_axes=ax)
    return conv(in1, in2)


@eager(static_argnames=("axis", "type", "bp", "overwrite_data"))
def detrend(data, axis=-1, type="linear", bp=0, overwrite_data=None):  # noqa: A002
    """data less its least-squares fit along `axis` (scipy.signal.detrend): a constant
    (type='constant'), or a line per piece between the breakpoints bp ('linear')."""
    if overwrite_data is not None:
        raise NotImplementedError("detrend: overwrite_data is not supported")
    if type not in ("constant", "linear"):
        raise ValueError(f"detrend: type must be 'linear' or 'constant', got {type!r}")
    data, = _inexact("detrend", data)
    if type == "constant":
        return data - data.mean(axis, keepdims=True)
    axis = canonical_axis("detrend", axis, data.ndim)
    n = data.shape[axis]
    bps = np.unique(np.r_[0, bp, n])
    if bps[0] < 0 or bps[-1] > n:
        raise ValueError(f"detrend: breakpoints must lie in [0, {n}], got bp={bp!r}")
    pieces = []
    for lo, hi in zip(bps[:-1], bps[1:]):
        y = lax.slice_in_dim(data, int(lo), int(hi), axis=axis)
        if hi - lo == 1:  # a line through one point fits it exactly
            pieces.append(jnp.zeros_like(y))
            continue
        t = np.arange(hi - lo, dtype=np.float64)
        t = (t - t.mean()).reshape([-1 if i == axis else 1 for i in range(data.ndim)])
        y = y - y.mean(axis, keepdims=True)  # the fit's intercept, then its slope:
        slope = (y * t.astype(_real(data.dtype))).sum(axis, keepdims=True)
        pieces.append(y - slope * (t / (t * t).sum()).astype(_real(data.dtype)))
    return jnp.concatenate(pieces, axis)


# ---------------------------------------------------------------------------------------
# Windowed FFTs: stft, istft, csd, welch

# scipy.signal.get_window's general-cosine windows (periodic, as for spectral analysis)
_WINDOWS = {"hann": (0.5, 0.5), "hamming": (0.54, 0.46), "blackman": (0.42, 0.5, 0.08),
            "boxcar": (1.0,)}


def _window(op, window, nperseg, dtype, input_length=None):
    """(the window as an array of dtype, nperseg), as SciPy's _triage_segments: a named
    window has nperseg points (the input's length by default, as in JAX, and at most it);
    an array window gives nperseg."""
    if isinstance(window, (str, tuple)):
        if window not in _WINDOWS:
            raise NotImplementedError(
                f"{op}: window {window!r} is not built in (built in: {sorted(_WINDOWS)}); "
                "pass the window as an array, e.g. scipy.signal.get_window(window, nperseg)")
        n = input_length if nperseg is None else nperseg
        if input_length is not None and n > input_length:
            warn(f"nperseg={n} is greater than input_length={input_length}, using "
                 f"nperseg={input_length}")
            n = input_length
        k = 2 * np.pi * np.arange(n) / n
        win = sum((-1) ** i * c * np.cos(i * k) for i, c in enumerate(_WINDOWS[window]))
        return jnp.asarray(np.ones(1) if n == 1 else win, dtype), n
    win = jnp.asarray(window, dtype)
    if win.ndim != 1:
        raise ValueError(f"{op}: window must be 1-D, got shape {win.shape}")
    if input_length is not None and win.size > input_length:
        raise ValueError(f"{op}: window of {win.size} points is longer than the input "
                         f"signal ({input_length})")
    if nperseg is not None and nperseg != win.size:
        raise ValueError(f"{op}: nperseg={nperseg} differs from the window's length "
                         f"{win.size}")
    return win, win.size


def _positive(op, name, value):
    if value is not None and (not isinstance(value, (int, np.integer)) or value < 1):
        raise ValueError(f"{op}: {name} must be a positive integer, got {value!r}")
    return value


def _odd_ext(x, n):
    """x extended by n points at both ends of its last axis, odd about the end points."""
    if n > x.shape[-1] - 1:
        raise ValueError(f"the extension length n ({n}) is too big: it must not exceed "
                         f"x.shape[axis]-1, which is {x.shape[-1] - 1}")
    left, right = x[..., :1], x[..., -1:]
    return jnp.concatenate([2 * left - jnp.flip(x[..., 1:n + 1], -1), x,
                            2 * right - jnp.flip(x[..., -n - 1:-1], -1)], -1)


def _extend(x, n, boundary):
    if n < 1 or boundary is None:
        return x
    if boundary == "odd":
        return _odd_ext(x, n)
    mode = {"even": "reflect", "constant": "edge", "zeros": "constant"}[boundary]
    return jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(n, n)], mode)


def _segments_fft(x, win, detrend_func, nperseg, step, nfft, onesided):
    """The windowed FFT of each segment of x's last axis: shape (..., segments, freqs)."""
    if nperseg == 1 and step == 1:
        segs = x[..., None]
    else:
        starts = np.arange(0, x.shape[-1] - nperseg + 1, step)
        segs = x[..., starts[:, None] + np.arange(nperseg)]
    segs = detrend_func(segs) * win
    return jnp.fft.rfft(segs.real, n=nfft) if onesided else jnp.fft.fft(segs, n=nfft)


def _spectral(op, x, y, fs, window, nperseg, noverlap, nfft, detrend_type, return_onesided,
              scaling, axis, mode, boundary=None, padded=False):
    """SciPy's _spectral_helper: (frequencies, segment times, the segments' spectra or
    (cross) periodograms, frequency axis moved last); y=None is the auto-spectrum."""
    if boundary not in ("even", "odd", "constant", "zeros", None):
        raise ValueError(f"{op}: unknown boundary option {boundary!r}, must be one of "
                         "['even', 'odd', 'constant', 'zeros', None]")
    if scaling not in ("density", "spectrum"):
        raise ValueError(f"{op}: unknown scaling {scaling!r}, must be 'density' or 'spectrum'")
    xs = _inexact(op, x) if y is None else _inexact(op, x, y)
    if y is not None and xs[0].ndim != xs[1].ndim:
        raise ValueError(f"{op}: x and y must have the same rank, got shapes "
                         f"{xs[0].shape} and {xs[1].shape}")
    axis = canonical_axis(op, axis, xs[0].ndim)
    xs = [jnp.moveaxis(v, axis, -1) for v in xs]
    result_dtype = _complex_of(xs[0].dtype)
    freq_dtype = _real(result_dtype)
    if any(v.size == 0 for v in xs):
        shape = jnp.broadcast_shapes(*[v.shape[:-1] for v in xs]) + (
            min(v.shape[-1] for v in xs),)
        shape = shape[:axis] + shape[-1:] + shape[axis:-1]
        return (jnp.zeros(shape, freq_dtype), jnp.zeros(shape, freq_dtype),
                jnp.zeros(shape, result_dtype))
    length = max(v.shape[-1] for v in xs)  # the shorter of x and y is zero-padded
    xs = [jnp.pad(v, [(0, 0)] * (v.ndim - 1) + [(0, length - v.shape[-1])]) for v in xs]
    win, nperseg = _window(op, window, _positive(op, "nperseg", nperseg), xs[0].dtype,
                           input_length=length)
    noverlap = nperseg // 2 if noverlap is None else noverlap
    nfft = nperseg if nfft is None else nfft
    if nfft < nperseg:
        raise ValueError(f"{op}: nfft ({nfft}) must be greater than or equal to nperseg "
                         f"({nperseg})")
    if noverlap >= nperseg:
        raise ValueError(f"{op}: noverlap ({noverlap}) must be less than nperseg ({nperseg})")
    step = nperseg - noverlap
    xs = [_extend(v, nperseg // 2, boundary) for v in xs]
    if padded:  # zero-pad the end to a whole number of segments
        nadd = (-(xs[0].shape[-1] - nperseg) % step) % nperseg
        xs = [jnp.pad(v, [(0, 0)] * (v.ndim - 1) + [(0, nadd)]) for v in xs]
    if isinstance(detrend_type, str):
        detrend_func = functools.partial(detrend, type=detrend_type, axis=-1)
    elif callable(detrend_type):  # as SciPy: called on each segment (..., nperseg)
        detrend_func = vmap(detrend_type, in_axes=-2, out_axes=-2)
    elif not detrend_type:
        detrend_func = lambda d: d  # noqa: E731
    else:
        raise ValueError(f"{op}: unsupported detrend {detrend_type!r}")
    if scaling == "density":
        scale = 1.0 / (fs * (win * win).sum())
    else:
        scale = 1.0 / win.sum() ** 2
    if mode == "stft":
        scale = jnp.sqrt(scale)
    onesided = return_onesided
    if onesided and any(jnp.iscomplexobj(v) for v in xs):
        onesided = False
        warn("Input data is complex, switching to return_onesided=False")
    freqs = (jnp.fft.rfftfreq if onesided else jnp.fft.fftfreq)(nfft, 1 / fs, dtype=freq_dtype)
    spectra = [_segments_fft(v, win, detrend_func, nperseg, step, nfft, onesided) for v in xs]
    if mode == "psd":
        result = jnp.conj(spectra[0]) * spectra[-1]
        if onesided:  # the negative frequencies' power folds onto the positive ones
            double = np.full(result.shape[-1], 2.0)
            double[0] = 1.0
            double[-1] = 2.0 if nfft % 2 else 1.0
            result = result * double.astype(freq_dtype)
    else:
        result = spectra[0]
    result = (result * scale).astype(result_dtype)
    time = np.arange(nperseg / 2, xs[0].shape[-1] - nperseg / 2 + 1, step)
    time = jnp.asarray(time - (nperseg / 2 if boundary is not None else 0), freq_dtype) / fs
    if y is None and mode != "stft":
        result = result.real  # an auto-spectrum is real
    return freqs, time, jnp.moveaxis(result, -1, axis)


@eager(static_argnames=("window", "nperseg", "noverlap", "nfft", "detrend",
                        "return_onesided", "boundary", "padded", "axis"))
def stft(x, fs=1.0, window="hann", nperseg=256, noverlap=None, nfft=None, detrend=False,
         return_onesided=True, boundary="zeros", padded=True, axis=-1):
    """The short-time Fourier transform (scipy.signal.stft): (frequencies, segment times,
    Zxx) with the frequencies at `axis` and the segments last."""
    return _spectral("stft", x, None, fs, window, nperseg, noverlap, nfft, detrend,
                     return_onesided, "spectrum", axis, "stft", boundary, padded)


@eager(static_argnames=("window", "nperseg", "noverlap", "nfft", "detrend",
                        "return_onesided", "scaling", "axis", "average"))
def csd(x, y, fs=1.0, window="hann", nperseg=None, noverlap=None, nfft=None,
        detrend="constant", return_onesided=True, scaling="density", axis=-1, average="mean"):
    """The cross power spectral density of x and y by Welch's method (scipy.signal.csd):
    (frequencies, Pxy); y=None gives x's power spectral density, real."""
    if average not in ("mean", "median"):
        raise ValueError(f"csd: average must be 'mean' or 'median', got {average!r}")
    freqs, _, pxy = _spectral("csd", x, y, fs, window, nperseg, noverlap, nfft, detrend,
                              return_onesided, scaling, axis, "psd")
    if pxy.ndim < 2 or pxy.size == 0:
        return freqs, pxy
    if pxy.shape[-1] == 1:
        return freqs, pxy[..., 0]
    if average == "mean":
        return freqs, pxy.mean(-1)
    # the median over-weights low values: divide by its bias relative to the mean
    even = np.arange(2.0, pxy.shape[-1], 2)
    bias = (1 + np.sum(1.0 / (even + 1) - 1.0 / even)).astype(_real(pxy.dtype))
    if jnp.iscomplexobj(pxy):
        return freqs, lax.complex(jnp.median(pxy.real, -1), jnp.median(pxy.imag, -1)) / bias
    return freqs, jnp.median(pxy, -1) / bias


@eager(static_argnames=("window", "nperseg", "noverlap", "nfft", "detrend",
                        "return_onesided", "scaling", "axis", "average"))
def welch(x, fs=1.0, window="hann", nperseg=None, noverlap=None, nfft=None,
          detrend="constant", return_onesided=True, scaling="density", axis=-1,
          average="mean"):
    """The power spectral density of x by Welch's method (scipy.signal.welch): (frequencies,
    Pxx); nperseg defaults to the input's length, as in JAX."""
    freqs, pxx = csd(x, None, fs, window, nperseg, noverlap, nfft, detrend, return_onesided,
                     scaling, axis, average)
    return freqs, pxx.real


def _overlap_add(frames, step):
    """Frames (..., n_frames, length) added at multiples of step along one output axis."""
    *batch, count, length = frames.shape
    out = jnp.zeros((*batch, step * (count - 1) + length), frames.dtype)
    index = (np.arange(count)[:, None] * step + np.arange(length)).reshape(-1)
    return out.at[..., index].add(frames.reshape(*batch, -1))


@eager(static_argnames=("window", "nperseg", "noverlap", "nfft", "input_onesided",
                        "boundary", "time_axis", "freq_axis"))
def istft(Zxx, fs=1.0, window="hann", nperseg=None, noverlap=None, nfft=None,
          input_onesided=True, boundary=True, time_axis=-1, freq_axis=-2):
    """The inverse short-time Fourier transform (scipy.signal.istft): (times, x), the
    overlapping segments added back with the window's weights."""
    Zxx, = _inexact("istft", Zxx)
    if Zxx.ndim < 2:
        raise ValueError(f"istft: the STFT must be at least 2-D, got shape {Zxx.shape}")
    freq_axis = canonical_axis("istft", freq_axis, Zxx.ndim)
    time_axis = canonical_axis("istft", time_axis, Zxx.ndim)
    if freq_axis == time_axis:
        raise ValueError("istft: time_axis and freq_axis must differ")
    Zxx = Zxx.astype(_complex_of(Zxx.dtype))
    n_default = 2 * (Zxx.shape[freq_axis] - 1) if input_onesided else Zxx.shape[freq_axis]
    nperseg = _positive("istft", "nperseg", nperseg) or n_default
    if nfft is None:  # an odd nperseg gives one more bin than an even FFT would need
        nfft = n_default + (input_onesided and nperseg == n_default + 1)
    if nfft < nperseg:
        raise ValueError(f"istft: FFT length ({nfft}) must be at least nperseg ({nperseg})")
    noverlap = nperseg // 2 if noverlap is None else noverlap
    if noverlap >= nperseg:
        raise ValueError(f"istft: noverlap ({noverlap}) must be less than nperseg ({nperseg})")
    step = nperseg - noverlap
    outer = [i for i in range(Zxx.ndim) if i not in (time_axis, freq_axis)]
    Zxx = jnp.transpose(Zxx, outer + [time_axis, freq_axis])  # (..., segments, freqs)
    inverse = jnp.fft.irfft if input_onesided else jnp.fft.ifft
    segs = inverse(Zxx, n=nfft, axis=-1)[..., :nperseg]
    win, _ = _window("istft", window, nperseg, _real(segs.dtype))
    segs = segs * win.sum()  # undoes stft's 'spectrum' scaling
    x = _overlap_add(segs * win, step)
    norm = _overlap_add(jnp.broadcast_to(win * win, (segs.shape[-2], nperseg)), step)
    if boundary:
        cut = slice(nperseg // 2, x.shape[-1] - nperseg // 2)
        x, norm = x[..., cut], norm[cut]
    x = x / jnp.where(norm > 1e-10, norm, 1.0)
    if x.ndim > 1 and time_axis != Zxx.ndim - 1:
        x = jnp.moveaxis(x, -1, time_axis - (freq_axis < time_axis))
    # (SciPy's times count x's first axis, whichever axis holds the signal)
    return jnp.arange(x.shape[0], dtype=_real(x.dtype)) / fs, x
