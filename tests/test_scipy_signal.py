"""xlafront.scipy.signal and xlafront.scipy.fft against SciPy: convolutions over modes,
shapes and dtypes, detrending, the windowed FFTs (stft, istft, csd, welch), the DCT; under
jit and vmap; and the errors for bad input."""
import numpy as onp
import pytest
import scipy.fft as sfft
import scipy.signal as ssig

import xlafront as xf
import xlafront.numpy as jnp
from xlafront.scipy import fft as xfft
from xlafront.scipy import signal as xsig
from conftest import assert_close, rng_for

f32, c64 = onp.float32, onp.complex64


def _rand(shape, *key, dtype=f32):
    """An xlafront Array (one compiled program per call; NumPy inputs would run op by op);
    SciPy reads it through __array__."""
    rng = rng_for("scipy-signal", shape, *key)
    x = rng.standard_normal(shape)
    if onp.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return jnp.asarray(x.astype(dtype))


# ---------------------------------------------------------------------------------------
# Convolutions

SHAPES = [((7,), (3,)), ((3,), (8,)), ((5, 6), (2, 3)), ((2, 3), (4, 6)), ((4, 5, 3), (2, 2, 2))]


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("s1,s2", SHAPES)
def test_convolve_correlate_against_scipy(s1, s2, mode):
    x, y = _rand(s1, 1), _rand(s2, 2)
    tol = dict(rtol=1e-5, atol=1e-5)
    assert_close(xsig.convolve(x, y, mode), ssig.convolve(x, y, mode).astype(f32), **tol)
    assert_close(xsig.correlate(x, y, mode), ssig.correlate(x, y, mode).astype(f32), **tol)
    assert_close(xsig.fftconvolve(x, y, mode), ssig.fftconvolve(x, y, mode).astype(f32), **tol)
    assert_close(xsig.convolve(x, y, mode, method="fft"),
                 ssig.convolve(x, y, mode).astype(f32), **tol)
    if len(s1) == 2:
        assert_close(xsig.convolve2d(x, y, mode), ssig.convolve2d(x, y, mode).astype(f32), **tol)
        assert_close(xsig.correlate2d(x, y, mode), ssig.correlate2d(x, y, mode).astype(f32),
                     **tol)
        # complex: correlate2d reverses where a swap of its inputs would conjugate
        xc, yc = _rand(s1, 3, dtype=c64), _rand(s2, 4, dtype=c64)
        assert_close(xsig.correlate2d(xc, yc, mode),
                     ssig.correlate2d(xc, yc, mode).astype(c64), **tol)
        assert_close(xsig.correlate(xc, yc, mode), ssig.correlate(xc, yc, mode).astype(c64),
                     **tol)


def test_convolve_dtypes(x64):
    a, b = onp.array([1, 2, 3, 2, 1]), onp.array([1, 1, 1])
    # integers compute in the default float type, as JAX (float64 with x64)
    assert_close(xsig.convolve(a, b), onp.array([1., 3, 6, 7, 6, 3, 1]))
    x, y = _rand((9,), 5, dtype=onp.float64), _rand((4,), 6, dtype=onp.float64)
    assert_close(xsig.correlate(x, y, "same"), ssig.correlate(x, y, "same"))
    assert_close(xsig.fftconvolve(x, y), ssig.fftconvolve(x, y), rtol=1e-10, atol=1e-10)


def test_convolve_documented_values():
    x, y = jnp.array([1, 2, 3, 2, 1]), jnp.array([1, 3, 2])
    assert_close(xsig.correlate(x, y), onp.array([2., 7, 13, 15, 11, 5, 1], f32))
    assert_close(xsig.correlate(x, y, "valid"), onp.array([13., 15, 11], f32))
    x2 = jnp.array([[1, 2], [3, 4]])
    y2 = jnp.array([[2, 1, 1], [4, 3, 4], [1, 3, 2]])
    assert_close(xsig.convolve2d(x2, y2, "same"), onp.array([[22., 17], [30, 32]], f32))


def test_fftconvolve_axes():
    x, y = _rand((3, 8, 2), 7), _rand((3, 5, 2), 8)
    for axes in (1, (1,), -2):
        assert_close(xsig.fftconvolve(x, y, axes=axes),
                     ssig.fftconvolve(x, y, axes=axes).astype(f32), rtol=1e-5, atol=1e-5)
    assert_close(xsig.fftconvolve(x, y[:, :, :1], "same", axes=(1, 2)),
                 ssig.fftconvolve(x, y[:, :, :1], "same", axes=(1, 2)).astype(f32),
                 rtol=1e-5, atol=1e-5)


def test_convolve_under_jit_and_vmap():
    x, y = _rand((4, 9), 9), _rand((3,), 10)
    want = onp.stack([ssig.convolve(r, y, "same") for r in x]).astype(f32)
    got = xf.vmap(lambda r: xsig.convolve(r, y, "same"))(x)
    assert_close(got, want, rtol=1e-5, atol=1e-5)
    got = xf.jit(lambda a, b: xsig.fftconvolve(a, b[None], "valid"))(x, y)
    assert_close(got, ssig.fftconvolve(x, y[None], "valid").astype(f32), rtol=1e-5, atol=1e-5)


def test_convolve_grad():
    # d/dx sum(convolve(x, y)) = sum(y) for every x
    x, y = _rand((6,), 11), _rand((3,), 12)
    g = xf.grad(lambda a: xsig.convolve(a, y).sum())(x)
    assert_close(g, onp.full(6, y.sum(), f32), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("call,error", [
    (lambda: xsig.convolve(onp.ones(3), onp.ones(2), "bad"), ValueError),
    (lambda: xsig.convolve(onp.ones(3), onp.ones((2, 2))), ValueError),
    (lambda: xsig.convolve(onp.ones((3, 2)), onp.ones((2, 3))), ValueError),
    (lambda: xsig.convolve(onp.ones(3), onp.ones(2), method="spectral"), ValueError),
    (lambda: xsig.convolve(onp.ones(0), onp.ones(2)), ValueError),
    (lambda: xsig.convolve([1., 2.], onp.ones(2)), TypeError),
    (lambda: xsig.convolve2d(onp.ones(3), onp.ones(2)), ValueError),
    (lambda: xsig.convolve2d(onp.ones((3, 3)), onp.ones((2, 2)), boundary="wrap"),
     NotImplementedError),
    (lambda: xsig.correlate2d(onp.ones((3, 3)), onp.ones((2, 2)), fillvalue=1),
     NotImplementedError),
    (lambda: xsig.fftconvolve(onp.ones((3, 3)), onp.ones((2, 2)), "valid".upper()), ValueError),
    (lambda: xsig.fftconvolve(onp.ones((3, 4)), onp.ones((2, 2)), axes=1), ValueError),
])
def test_convolve_errors(call, error):
    with pytest.raises(error):
        call()


# ---------------------------------------------------------------------------------------
# detrend

@pytest.mark.parametrize("kwargs", [{}, dict(type="constant"), dict(bp=(7, 19)),
                                    dict(axis=0), dict(bp=(5,), axis=0), dict(bp=(29,))])
def test_detrend_against_scipy(kwargs):
    x = _rand((12, 30), 13)
    assert_close(xsig.detrend(x, **kwargs), ssig.detrend(x, **kwargs).astype(f32),
                 rtol=1e-5, atol=1e-5)


def test_detrend_values_and_dtypes():
    got = xsig.detrend(jnp.array([1., 4., 8., 8., 9.]))  # the trend 2, 4, ..., 10
    assert_close(got, onp.array([-1., 0, 2, 0, -1], f32), atol=1e-5)
    assert_close(xsig.detrend(onp.arange(5)), onp.zeros(5, f32), atol=1e-5)  # int -> float32
    xc = _rand((16,), 14, dtype=c64)
    assert_close(xsig.detrend(xc), ssig.detrend(xc).astype(c64), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="type"):
        xsig.detrend(onp.ones(4), type="quadratic")
    with pytest.raises(ValueError, match="breakpoints"):
        xsig.detrend(onp.ones(4), bp=(9,))
    with pytest.raises(NotImplementedError):
        xsig.detrend(onp.ones(4), overwrite_data=True)


# ---------------------------------------------------------------------------------------
# welch, csd, stft, istft

SPECTRAL = [dict(nperseg=32), dict(nperseg=32, noverlap=8, nfft=40, average="median"),
            dict(nperseg=31, scaling="spectrum", detrend="linear"),
            dict(nperseg=32, window="hamming", return_onesided=False),
            dict(nperseg=24, window="blackman", detrend=False, fs=8.0, axis=0)]


@pytest.mark.parametrize("kwargs", SPECTRAL)
def test_welch_csd_against_scipy(kwargs):
    x = _rand((2, 200), 15)
    x = x.T if kwargs.get("axis") == 0 else x
    y = x[..., ::-1] if kwargs.get("axis") != 0 else x[::-1]
    for got, want in zip(xsig.welch(x, **kwargs), ssig.welch(x, **kwargs)):
        assert_close(got, want.astype(f32), rtol=1e-4, atol=1e-6)
    for got, want in zip(xsig.csd(x, y, **kwargs), ssig.csd(x, y, **kwargs)):
        assert_close(got, want.astype(got.dtype), rtol=1e-4, atol=1e-6)


def test_welch_defaults_and_windows():
    x = _rand((100,), 16)
    f, p = xsig.welch(x)  # JAX's default nperseg: the whole input (SciPy's would be 256)
    assert f.shape == p.shape == (51,)
    assert_close(p, ssig.welch(x, nperseg=100)[1].astype(f32), rtol=1e-4, atol=1e-6)
    win = onp.hanning(33)  # (an array window)
    assert_close(xsig.welch(x, window=win)[1], ssig.welch(x, window=win)[1].astype(f32),
                 rtol=1e-4, atol=1e-6)
    # a callable detrend is called on each segment, its points last (as SciPy's welch)
    detrend = lambda d: d - d.mean()  # noqa: E731
    x2 = jnp.stack([x, x[::-1]], -1)
    assert_close(xsig.welch(x2, nperseg=16, detrend=detrend, axis=0)[1],
                 ssig.welch(x2, nperseg=16, detrend=detrend, axis=0)[1].astype(f32),
                 rtol=1e-4, atol=1e-6)
    with pytest.warns(UserWarning, match="nperseg"):
        xsig.welch(x[:10], nperseg=16)
    with pytest.warns(UserWarning, match="complex"):
        f, p = xsig.welch(x.astype(c64), nperseg=20)
    assert f.shape == p.shape == (20,) and p.dtype == f32
    assert_close(xsig.csd(x, None, nperseg=20)[1], ssig.welch(x, nperseg=20)[1].astype(f32),
                 rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("call,error", [
    (lambda x: xsig.welch(x, window="kaiser"), NotImplementedError),
    (lambda x: xsig.welch(x, nperseg=0), ValueError),
    (lambda x: xsig.welch(x, nperseg=16, noverlap=16), ValueError),
    (lambda x: xsig.welch(x, nperseg=16, nfft=8), ValueError),
    (lambda x: xsig.welch(x, scaling="power"), ValueError),
    (lambda x: xsig.welch(x, average="mode"), ValueError),
    (lambda x: xsig.welch(x, window=onp.ones((2, 2))), ValueError),
    (lambda x: xsig.welch(x, window=onp.ones(8), nperseg=9), ValueError),
    (lambda x: xsig.stft(x, boundary="periodic"), ValueError),
    (lambda x: xsig.csd(x, x[None]), ValueError),
])
def test_spectral_errors(call, error):
    with pytest.raises(error):
        call(onp.ones(64, f32))


STFT = [dict(nperseg=32), dict(nperseg=32, noverlap=8, nfft=40, boundary=None),
        dict(nperseg=31, boundary="even"), dict(nperseg=16, boundary="odd", padded=False),
        dict(nperseg=16, boundary="constant", return_onesided=False, window="hamming")]


@pytest.mark.filterwarnings("ignore:NOLA condition failed")  # (SciPy's, boundary=None)
@pytest.mark.parametrize("kwargs", STFT)
def test_stft_istft_against_scipy(kwargs):
    x = _rand((2, 150), 17)
    got, want = xsig.stft(x, **kwargs), ssig.stft(x, **kwargs)
    for g, w in zip(got, want):
        assert_close(g, w.astype(g.dtype), rtol=1e-4, atol=1e-6)
    inverse = {k: kwargs[k] for k in ("nperseg", "noverlap", "nfft", "window") if k in kwargs}
    inverse.update(input_onesided=kwargs.get("return_onesided", True),
                   boundary=kwargs.get("boundary", "zeros") is not None)
    got, want = xsig.istft(got[2], **inverse), ssig.istft(want[2], **inverse)
    for g, w in zip(got, want):
        assert_close(g, w.astype(g.dtype), rtol=1e-4, atol=1e-5)


def test_istft_inverts_stft():
    x = jnp.array([1., 2., 3., 2., 1., 0., 1., 2.])
    _, _, z = xsig.stft(x, nperseg=4)
    assert z.shape == (3, 5) and z.dtype == c64
    t, back = xsig.istft(z)
    assert_close(back, onp.asarray(x), rtol=1e-5, atol=1e-6)
    assert_close(t, onp.arange(8, dtype=f32))
    # other axes: frequencies at axis 1, segments last
    x = _rand((3, 100, 4), 18)
    z = ssig.stft(x, nperseg=16, axis=1)[2]
    for g, w in zip(xsig.istft(z, nperseg=16, freq_axis=1), ssig.istft(z, nperseg=16,
                                                                          freq_axis=1)):
        assert_close(g, w.astype(f32), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="differ"):
        xsig.istft(z, time_axis=1, freq_axis=1)
    with pytest.raises(ValueError, match="2-D"):
        xsig.istft(onp.ones(8, c64))


def test_spectral_under_jit_and_vmap():
    x = _rand((3, 128), 19)
    got = xf.jit(lambda v, fs: xsig.welch(v, fs=fs, nperseg=32)[1])(x, 4.0)
    assert_close(got, ssig.welch(x, fs=4.0, nperseg=32)[1].astype(f32), rtol=1e-4, atol=1e-6)
    got = xf.vmap(lambda v: xsig.stft(v, nperseg=32)[2])(x)
    assert_close(got, ssig.stft(x, nperseg=32)[2].astype(c64), rtol=1e-4, atol=1e-6)


# ---------------------------------------------------------------------------------------
# scipy.fft: the type-2 DCT and its inverse

@pytest.mark.parametrize("norm", [None, "ortho"])
@pytest.mark.parametrize("shape", [(8,), (7,), (4, 5)])
def test_dct_against_scipy(shape, norm):
    x = _rand(shape, 20)
    tol = dict(rtol=2e-5, atol=2e-5)
    for f, want in ((xfft.dct, sfft.dct), (xfft.idct, sfft.idct)):
        for kw in (dict(axis=0), dict(n=3), dict(n=10)) if len(shape) == 1 else (dict(axis=0),):
            assert_close(f(x, norm=norm, **kw), want(x, norm=norm, **kw).astype(f32), **tol)
    for f, want in ((xfft.dctn, sfft.dctn), (xfft.idctn, sfft.idctn)):
        for kw in ({},) if len(shape) != 2 else ({}, dict(s=(3, 7)), dict(s=(5, 2), axes=(-1, 0))):
            assert_close(f(x, norm=norm, **kw), want(x, norm=norm, **kw).astype(f32), **tol)


def test_dct_dtypes_and_errors(x64):
    assert_close(xfft.dct(onp.arange(4)), sfft.dct(onp.arange(4.0)))  # int -> float64
    assert_close(xfft.idct(onp.arange(4.0), norm="backward"), sfft.idct(onp.arange(4.0)))
    x = _rand((6,), 21, dtype=onp.complex128)
    assert_close(xfft.dct(x), sfft.dct(x), rtol=1e-10, atol=1e-10)
    assert_close(xfft.idctn(x.reshape(2, 3)), sfft.idctn(x.reshape(2, 3)), rtol=1e-10, atol=1e-10)
    x3 = x.real.reshape(1, 2, 3)
    assert_close(xfft.dctn(x3, norm="ortho"), sfft.dctn(x3, norm="ortho"), rtol=1e-10, atol=1e-10)
    assert xfft.dct(onp.ones(4, f32)).dtype == f32
    assert_close(xf.jit(xfft.idct)(xfft.dct(x)), x, rtol=1e-10, atol=1e-10)  # a round trip
    assert_close(xf.vmap(xfft.dct)(x.reshape(2, 3).real), sfft.dct(x.reshape(2, 3).real))
    with pytest.raises(NotImplementedError, match="type 2"):
        xfft.dct(onp.ones(4), type=3)
    with pytest.raises(ValueError, match="norm"):
        xfft.idctn(onp.ones(4), norm="forward")
    with pytest.raises(ValueError, match="at most"):
        xfft.dctn(onp.ones(4), s=(2, 2))
