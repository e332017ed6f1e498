"""xlafront.numpy.fft and lax.fft against numpy.fft: every transform with n/s, axis/axes
and norm, the frequency helpers and shifts, dtypes, JAX's errors, and jit/vmap/grad.
(The primitive's own cases, gradients and vmaps are in op_records.)"""
import numpy as onp
import pytest

import op_records  # noqa: F401  (registry snapshot first, see op_records)
import xlafront as xf
import xlafront.numpy as np
import xlafront.numpy.fft as jfft
from xlafront.interpreters import lowering
from xlafront.lax import FftType, fft_p
from xlafront.lax import fft as lax_fft
from xlafront.test_util import check_grads

from conftest import assert_close, rng_for

c64, f32 = onp.dtype(onp.complex64), onp.dtype(onp.float32)


def _real(shape, *key):
    return rng_for("fft", shape, *key).uniform(-2, 2, shape).astype(f32)


def _complex(shape, *key):
    rng = rng_for("fft-c", shape, *key)
    return (rng.uniform(-2, 2, shape) + 1j * rng.uniform(-2, 2, shape)).astype(c64)


def _check(name, x, numpy_axes=None, **kw):
    """jfft.<name>(x, **kw) against NumPy's (given `numpy_axes` where NumPy 2 wants the
    axes spelled out)."""
    got = getattr(jfft, name)(x, **kw)
    if numpy_axes is not None:
        kw = dict(kw, axes=numpy_axes)
    want = getattr(onp.fft, name)(x.astype(onp.complex128 if x.dtype.kind == "c"
                                           else onp.float64), **kw)
    out_dtype = f32 if want.dtype.kind == "f" else c64
    scale = max(1.0, float(onp.abs(want).max(initial=0)))
    assert_close(got, want.astype(out_dtype), atol=1e-5 * scale, rtol=1e-5)


_ONE_D = {"fft": _complex, "ifft": _complex, "rfft": _real, "irfft": _complex,
          "hfft": _complex, "ihfft": _real}


@pytest.mark.parametrize("norm", [None, "backward", "ortho", "forward"])
@pytest.mark.parametrize("name", sorted(_ONE_D))
def test_one_dimensional(name, norm):
    x = _ONE_D[name]((3, 6, 5), name)
    _check(name, x, norm=norm)
    _check(name, x, n=4, axis=1, norm=norm)   # cropped
    _check(name, x, n=9, axis=0, norm=norm)   # zero-padded
    _check(name, x, axis=-2, norm=norm)


_N_D = {"fft2": _complex, "ifft2": _complex, "rfft2": _real, "irfft2": _complex,
        "fftn": _complex, "ifftn": _complex, "rfftn": _real, "irfftn": _complex}


@pytest.mark.parametrize("norm", [None, "ortho", "forward"])
@pytest.mark.parametrize("name", sorted(_N_D))
def test_multi_dimensional(name, norm):
    x = _N_D[name]((3, 4, 5), name)
    _check(name, x, norm=norm)
    _check(name, x, s=(2, 6), axes=(2, 0), norm=norm)
    _check(name, x, axes=(0, -1), norm=norm)
    if name.endswith("n"):
        _check(name, x, (1, 2), s=(3, 7), norm=norm)  # the last len(s) axes
        _check(name, x, axes=(1,), norm=norm)


@pytest.mark.parametrize("name", ["fftn", "ifftn", "rfftn", "irfftn"])
def test_more_than_three_axes(name):
    # XLA transforms at most three axes at once: the rest are done in a second pass
    x = _N_D[name]((2, 3, 2, 3, 4), name)
    _check(name, x)
    _check(name, x, axes=(4, 0, 3, 1))


def test_axis_none_transforms_every_axis_as_jax():
    x = _complex((3, 4), "none")
    assert_close(jfft.fft(x, axis=None), onp.fft.fftn(x).astype(c64), atol=1e-5)


def test_frequencies():
    for n in (1, 4, 5):
        for d in (1.0, 0.5):
            assert_close(jfft.fftfreq(n, d), onp.fft.fftfreq(n, d).astype(f32))
            assert_close(jfft.rfftfreq(n, d), onp.fft.rfftfreq(n, d).astype(f32))
    assert_close(jfft.fftfreq(4, dtype=onp.float16), onp.array([0, .25, -.5, -.25], "float16"))
    # JAX computes in the dtype given, then converts: an integer dtype truncates
    assert_close(jfft.fftfreq(5, d=0.5, dtype=onp.int32), onp.zeros(5, onp.int32))
    # a traced spacing
    got = xf.jit(lambda d: jfft.fftfreq(4, d))(np.float32(2.0))
    assert_close(got, onp.array([0, 0.125, -0.25, -0.125], f32))
    with pytest.raises(ValueError, match="only takes an int"):
        jfft.fftfreq([4])
    with pytest.raises(ValueError, match="single value"):
        jfft.rfftfreq(4, d=[1.0, 2.0])


def test_shifts():
    x = onp.arange(30).reshape(5, 6)
    for axes in (None, 0, 1, (1, 0), (-1,)):
        assert_close(jfft.fftshift(x, axes), onp.fft.fftshift(x, axes).astype(onp.int32))
        assert_close(jfft.ifftshift(x, axes), onp.fft.ifftshift(x, axes).astype(onp.int32))
    assert_close(jfft.fftshift(onp.float32(3)), onp.float32(3))


def test_dtypes():
    assert jfft.fft(onp.arange(4)).dtype == c64              # integers: complex64
    assert jfft.fft(onp.ones(4, onp.float16)).dtype == c64
    assert jfft.rfft(onp.arange(4)).dtype == c64
    assert jfft.irfft(onp.ones(3, c64)).dtype == f32
    assert jfft.hfft(onp.ones(3, f32)).dtype == f32           # a real input is its own conj
    with pytest.raises(ValueError, match="float32 or float64"):
        jfft.rfft(onp.ones(4, onp.float16))                    # as JAX
    assert jfft.fft(onp.ones(0)).shape == (0,)
    assert jfft.irfft(onp.ones(1)).shape == (0,)               # n = 2 * (1 - 1)


def test_x64_keeps_double_precision(x64):
    x = _real((8,), "x64").astype(onp.float64)
    out = jfft.fft(x)
    assert out.dtype == onp.complex128
    assert_close(out, onp.fft.fft(x), atol=1e-12)
    assert jfft.irfft(jfft.rfft(x)).dtype == onp.float64


def test_errors_as_jax():
    x = _complex((4, 4), "errors")
    with pytest.raises(ValueError, match="Invalid norm value"):
        jfft.fft(x, norm="bad")
    with pytest.raises(ValueError, match="does not support multiple axes"):
        jfft.fft(x, axis=(0,))
    with pytest.raises(ValueError, match="only supports 2 axes"):
        jfft.fft2(x, axes=(0,))
    with pytest.raises(ValueError, match="repeated axes"):
        jfft.fftn(x, axes=(0, 0))
    with pytest.raises(ValueError, match="repeated axes"):
        jfft.fftn(x, axes=(0, -2))
    with pytest.raises(ValueError, match="Shape should be positive"):
        jfft.fftn(x, s=(2, 0))
    with pytest.raises(ValueError, match="different lengths"):
        jfft.fftn(x, s=(2, 3), axes=(0,))
    with pytest.raises(ValueError, match="out of bounds"):
        jfft.fft(x, axis=2)
    with pytest.raises(TypeError, match="requires ndarray"):
        jfft.fft([1.0, 2.0])


def test_lax_fft():
    x = _complex((2, 3, 4), "lax")
    assert_close(lax_fft(x, FftType.FFT, (3, 4)), onp.fft.fft2(x).astype(c64), atol=1e-5)
    assert_close(lax_fft(x, "ifft", [4]), onp.fft.ifft(x).astype(c64), atol=1e-5)
    assert_close(lax_fft(_real((3, 6), "lax"), "RFFT", (6,)),
                 onp.fft.rfft(_real((3, 6), "lax")).astype(c64), atol=1e-5)
    assert lax_fft(onp.ones(3, f32), "fft", ()).dtype == c64   # no lengths: just converted
    with pytest.raises(ValueError, match="only real valued inputs"):
        lax_fft(x, "rfft", (4,))
    with pytest.raises(ValueError, match="unknown FFT type"):
        lax_fft(x, "dft", (4,))
    with pytest.raises(ValueError, match="minor dimensions"):
        lax_fft(x, "fft", (5,))
    with pytest.raises(ValueError, match="n // 2 \\+ 1"):
        lax_fft(x, "irfft", (4,))                              # needs 3 frequencies, not 4
    with pytest.raises(ValueError, match="at least as many dimensions"):
        lax_fft(x, "fft", (1, 2, 3, 4))


def test_transforms():
    x = _real((4, 8), "transforms")
    f = xf.jit(lambda x: jfft.rfft(x, axis=0, norm="ortho"))
    assert_close(f(x), onp.fft.rfft(x, axis=0, norm="ortho").astype(c64), atol=1e-5)
    batched = xf.vmap(lambda row: jfft.fft(row, n=6), in_axes=1)(x)
    assert_close(batched, onp.fft.fft(x.T, n=6).astype(c64), atol=1e-5)
    # Parseval: sum |fft(x)|^2 = n sum x^2, so its gradient is 2 n x
    grad = xf.grad(lambda x: np.sum(np.abs(jfft.fft(x)) ** 2))(x)
    assert_close(grad, 2 * 8 * x, rtol=1e-4)
    # irfft(rfft(x)) is the identity: its gradient is 1 everywhere
    assert_close(xf.grad(lambda x: np.sum(jfft.irfft(jfft.rfft(x))))(x), onp.ones_like(x),
                 atol=1e-5)


@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"])
def test_gradients(name, x64):
    x = _ONE_D[name]((2, 5), "grad").astype(onp.complex128 if name in ("fft", "ifft",
                                                                       "irfft", "hfft")
                                            else onp.float64)
    check_grads(lambda x: getattr(jfft, name)(x, n=4, norm="ortho"), (x,), order=2)


def test_gpu_lowering_of_multi_dimensional_irfft(monkeypatch):
    """The GPU rule (IFFT over the leading axes, then a 1-D IRFFT, since cuFFT assumes
    symmetry along every axis) computes the same, checked by running it on the CPU."""
    monkeypatch.setitem(lowering._rules.setdefault("cpu", {}), fft_p,
                        lowering.lowering_rule(fft_p, "gpu"))
    x = _complex((2, 3, 4, 3), "gpu-rule")
    try:
        got = xf.jit(lambda x: lax_fft(x, "irfft", (3, 4, 5)))(x)
        want = onp.fft.irfftn(x, (3, 4, 5), axes=(1, 2, 3))
        assert_close(got, want.astype(f32), atol=1e-5)
    finally:
        xf.clear_caches()  # nothing compiled with the swapped rule outlives the test
