"""xlafront.image (jax.image): resize and scale_and_translate against values computed by
hand from the kernels' definitions, NumPy's np.interp (linear interpolation between pixel
centres), the properties every method has (identity warps, constant images), and, for the
kernels whose weights are tedious by hand (Lanczos, cubic), JAX 0.10.2's documented
results written as literals. Gradients, jit, vmap and the errors."""
import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as np
from xlafront import image
from xlafront.test_util import check_grads

from conftest import assert_close, rng_for

METHODS = ["nearest", "linear", "lanczos3", "lanczos5", "cubic", "cubic-pytorch", "area"]
RAMP = onp.array([0., 1., 2., 3.], onp.float32)


def np_linear(x, axis, n, positions=None):
    """Linear interpolation along `axis` at pixel-centre positions ((i + 0.5) m / n - 0.5,
    clamped at the edges): np.interp per line."""
    m = x.shape[axis]
    if positions is None:
        positions = (onp.arange(n) + 0.5) * m / n - 0.5
    return onp.apply_along_axis(lambda v: onp.interp(positions, onp.arange(m), v), axis,
                                x).astype(x.dtype)


def test_resize_linear_by_hand():
    # upsampling: sample points -0.25, 0.25, 0.75 ...; beyond the edge pixel, its value
    assert_close(image.resize(RAMP, (8,), "linear"),
                 onp.array([0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3], onp.float32))
    # downsampling by 2 without antialiasing: samples at 0.5 and 2.5
    assert_close(image.resize(RAMP, (2,), "linear", antialias=False),
                 onp.array([0.5, 2.5], onp.float32))
    # with antialiasing the triangle is twice as wide: weights (0.75, 0.75, 0.25) / 1.75
    # around 0.5, (0.25, 0.75, 0.75) / 1.75 around 2.5
    assert_close(image.resize(RAMP, (2,), "linear"),
                 onp.array([1.25 / 1.75, 4.0 / 1.75], onp.float32), rtol=1e-6)


def test_resize_nearest_and_area_by_hand():
    x = onp.arange(6, dtype=onp.int32)
    # output pixel i takes input floor((i + 0.5) * 6 / 4): 0, 2, 3, 5; the dtype stays
    assert_close(image.resize(x, (4,), "nearest"), onp.array([0, 2, 3, 5], onp.int32))
    assert_close(image.resize(x, (9,), image.ResizeMethod.NEAREST),
                 onp.array([0, 1, 1, 2, 3, 3, 4, 5, 5], onp.int32))
    # area: the mean of the input pixels each output pixel covers
    assert_close(image.resize(x, (3,), "area"), onp.array([0.5, 2.5, 4.5], onp.float32))
    assert_close(image.resize(onp.array([0., 6.], onp.float32), (3,), "area"),
                 onp.array([0, 3, 6], onp.float32))  # the middle pixel covers half of each


def test_resize_cubic_by_hand():
    # [0, 10] -> 4: the first sample is at -0.25, Keys' kernel (a = -0.5) gives weight
    # W(0.25) = 0.8671875 to pixel 0 and W(1.25) = -0.0703125 to pixel 1; normalized,
    # 10 * -0.0703125 / 0.796875
    out = image.resize(onp.array([0., 10.], onp.float32), (4,), "cubic")
    assert_close(out[:1], onp.array([10 * -0.0703125 / 0.796875], onp.float32), rtol=1e-6)
    assert_close(out, onp.array([-0.88235295, 2.0714285, 7.9285717, 10.882354], onp.float32))


# JAX 0.10.2's results for [0, 1, 4, ..., 36] (n^2) resized to 3 and to 9 pixels
SQUARES = onp.array([0., 1., 4., 9., 16., 25., 36.], onp.float32)
JAX_RESULTS = {
    ("lanczos3", True): [0.41924363, 8.999999, 28.646051],
    ("lanczos3", False): [0.47080877, 9.0, 29.64847],
    ("lanczos5", True): [0.5950197, 8.808075, 28.76531],
    ("lanczos5", False): [0.45599002, 9.000001, 29.819422],
    ("cubic", True): [0.67741984, 9.363857, 28.064518],
    ("cubic", False): [0.46428534, 9.0, 29.178564],
    ("cubic-pytorch", False): [0.35185164, 9.0, 29.46296],
    ("area", True): [0.99999988, 9.571427, 28.42857],
}
JAX_UPSAMPLED = {
    "lanczos3": [-0.002697304, 0.47080895, 2.0990188, 4.849531, 9.0, 14.422463, 20.006702,
                 29.648476, 36.518318],
    "cubic-pytorch": [-0.047337357, 0.46428558, 2.0864203, 4.938273, 9.0, 14.271607,
                      20.753088, 29.178572, 36.520714],  # (antialiased: Keys' kernel)
}


@pytest.mark.parametrize("method,antialias", sorted(JAX_RESULTS))
def test_resize_matches_jax_results(method, antialias):
    assert_close(image.resize(SQUARES, (3,), method, antialias=antialias),
                 onp.array(JAX_RESULTS[method, antialias], onp.float32), rtol=1e-5, atol=1e-5)
    if method in JAX_UPSAMPLED:
        assert_close(image.resize(SQUARES, (9,), method),
                     onp.array(JAX_UPSAMPLED[method], onp.float32), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("antialias", [True, False])
def test_resize_linear_matches_np_interp(antialias):
    x = rng_for("interp").normal(size=(2, 6, 5, 3)).astype(onp.float32)
    # upsampling (antialiasing changes nothing), both spatial dimensions at once
    expected = np_linear(np_linear(x, 1, 11), 2, 8)
    assert_close(image.resize(x, (2, 11, 8, 3), "bilinear", antialias=antialias), expected,
                 rtol=1e-5, atol=1e-5)
    if not antialias:  # downsampling without the low-pass filter is interpolation too
        assert_close(image.resize(x, (2, 4, 3, 3), "linear", antialias=False),
                     np_linear(np_linear(x, 1, 4), 2, 3), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_keeps_identity_and_constants(method):
    x = rng_for("identity", method).normal(size=(5, 4)).astype(onp.float32)
    assert_close(image.resize(x, (5, 4), method), x)  # the identity warp
    for shape in [(3, 7), (9, 2)]:
        for antialias in (True, False):  # the weights of each output pixel sum to 1
            out = image.resize(onp.full((5, 4), 2.5, onp.float32), shape, method,
                               antialias=antialias)
            assert_close(out, onp.full(shape, 2.5, onp.float32), rtol=1e-5)


def test_resize_dtypes():
    ints = onp.arange(12, dtype=onp.int32).reshape(3, 4)
    assert image.resize(ints, (5, 2), "linear").dtype == onp.float32  # promoted to inexact
    assert image.resize(ints.astype(onp.uint8), (5, 2), "nearest").dtype == onp.uint8
    assert image.resize(ints.astype(onp.float16), (5, 2), "cubic").dtype == onp.float16


def test_scale_and_translate():
    x = rng_for("scale").normal(size=(4, 5)).astype(onp.float32)
    # the identity warp; then a shift by one pixel: output i samples input i - 1, and the
    # first output pixel maps outside the image (0)
    assert_close(image.scale_and_translate(x, (4, 5), (0, 1), np.ones(2), np.zeros(2),
                                           "linear"), x)
    shifted = image.scale_and_translate(x, (4, 5), (1,), np.array([1.0]), np.array([1.0]),
                                        "cubic")
    assert_close(shifted, onp.concatenate([onp.zeros((4, 1), onp.float32), x[:, :-1]], 1))
    # torch's align_corners=True: corners to corners, linear in between (the docstring's
    # recipe scale = (n - 1) / (m - 1), translation = (1 - scale) / 2)
    m, n = 5, 9
    scale = (n - 1) / (m - 1)
    out = image.scale_and_translate(x, (4, n), [-1], np.array([scale]),
                                    np.array([0.5 * (1 - scale)]), "linear")
    assert_close(out, np_linear(x, 1, n, onp.linspace(0, m - 1, n)), rtol=1e-5, atol=1e-6)
    # PyTorch's cubic without antialiasing repeats the edge pixels (JAX 0.10.2's result)
    out = image.scale_and_translate(SQUARES, (5,), (0,), np.array([0.8]), np.array([0.5]),
                                    "cubic-pytorch", antialias=False)
    assert_close(out, onp.array([-0.09375, 0.45703125, 4.0, 10.796875, 20.125], onp.float32))


def test_resize_transformations():
    x = rng_for("transforms").normal(size=(3, 6, 4)).astype(onp.float32)
    per_example = onp.stack([onp.asarray(image.resize(v, (3, 7), "lanczos3")) for v in x])
    assert_close(xf.vmap(lambda v: image.resize(v, (3, 7), "lanczos3"))(x), per_example,
                 rtol=1e-5, atol=1e-6)
    assert_close(xf.jit(lambda v: image.resize(v, (3, 3, 7), "lanczos3"))(x), per_example,
                 rtol=1e-5, atol=1e-6)
    with xf.enable_x64(True):
        check_grads(lambda v: image.resize(v, (3, 9, 2), "cubic"), (x.astype(onp.float64),),
                    order=1)
        check_grads(lambda s: image.scale_and_translate(
            x[0].astype(onp.float64), (5, 5), (0, 1), s, np.zeros(2), "linear"),
            (onp.array([0.9, 1.3]),), order=1)


def test_errors():
    x = onp.ones((3, 4), onp.float32)
    with pytest.raises(ValueError, match="shape must have length equal"):
        image.resize(x, (2,), "linear")
    with pytest.raises(ValueError, match='Unknown resize method "bogus"'):
        image.resize(x, (2, 2), "bogus")
    with pytest.raises(TypeError, match="ResizeMethod or a string"):
        image.resize(x, (2, 2), 3)
    with pytest.raises(ValueError, match="nearest neighbor"):
        image.scale_and_translate(x, (2, 2), (0, 1), np.ones(2), np.zeros(2), "nearest")
    with pytest.raises(ValueError, match="one entry per spatial dimension"):
        image.scale_and_translate(x, (2, 2), (0,), np.ones(2), np.zeros(2), "linear")
    assert image.ResizeMethod.from_string("tricubic") is image.ResizeMethod.CUBIC
