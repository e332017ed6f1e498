"""jax.image: resize and scale_and_translate, as JAX computes them (which matches
TensorFlow's antialiased resize): each resized dimension is one contraction with a weight
matrix of the resampling kernel (triangle, Lanczos, Keys cubic, ...) evaluated between
the output pixels' sample positions and the input pixels, the kernel widened by the
downsampling factor when antialiasing; nearest neighbour is a gather."""
import enum

import numpy as np

from . import dtypes, lax
from . import numpy as jnp
from .core import concrete_shape
from .dispatch import eager
from .lax.base import normalize_axis
from .numpy._util import aval_or_error, promote_dtypes

__all__ = ["ResizeMethod", "resize", "scale_and_translate"]


class ResizeMethod(enum.Enum):
    """Image resize method: NEAREST, LINEAR, LANCZOS3, LANCZOS5, CUBIC (Keys, a = -0.5),
    CUBIC_PYTORCH (a = -0.75 with edge padding when not antialiased) or AREA."""
    NEAREST = 0
    LINEAR = 1
    LANCZOS3 = 2
    LANCZOS5 = 3
    CUBIC = 4
    CUBIC_PYTORCH = 5
    AREA = 6

    @staticmethod
    def from_string(s):
        """The method a string names ('nearest', 'linear', 'bilinear', 'cubic' ...)."""
        names = {"nearest": "NEAREST", "linear": "LINEAR", "bilinear": "LINEAR",
                 "trilinear": "LINEAR", "triangle": "LINEAR", "lanczos3": "LANCZOS3",
                 "lanczos5": "LANCZOS5", "cubic": "CUBIC", "bicubic": "CUBIC",
                 "tricubic": "CUBIC", "cubic-pytorch": "CUBIC_PYTORCH",
                 "bicubic-pytorch": "CUBIC_PYTORCH", "area": "AREA"}
        if s not in names:
            raise ValueError(f'Unknown resize method "{s}"; known methods: '
                             f'{", ".join(names)}')
        return ResizeMethod[names[s]]


def _lanczos(radius):
    def kernel(x):
        y = radius * jnp.sin(np.pi * x) * jnp.sin(np.pi * x / radius)
        out = jnp.where(x > 1e-3, jnp.divide(y, jnp.where(x != 0, np.pi ** 2 * x ** 2, 1)), 1)
        return jnp.where(x > radius, 0., out)
    return kernel


def _keys_cubic(x):
    # Keys (1981) with a = -0.5: TensorFlow's, Pillow's, and PyTorch's when antialiasing
    out = ((1.5 * x - 2.5) * x) * x + 1.
    out = jnp.where(x >= 1., ((-0.5 * x + 2.5) * x - 4.) * x + 2., out)
    return jnp.where(x >= 2., 0., out)


def _opencv_cubic(x):
    # a = -0.75: OpenCV's, and PyTorch's without antialiasing
    a = -0.75
    out = ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    out = jnp.where(x >= 1.0, ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a, out)
    return jnp.where(x >= 2.0, 0.0, out)


def _triangle(x):
    return jnp.maximum(0, 1 - jnp.abs(x))


_AREA = "area"  # no kernel: the overlap of the output pixel with each input pixel
# method -> (the kernel's radius, the kernel)
_KERNELS = {ResizeMethod.LINEAR: (1, _triangle), ResizeMethod.LANCZOS3: (3, _lanczos(3.)),
            ResizeMethod.LANCZOS5: (5, _lanczos(5.)), ResizeMethod.CUBIC: (2, _keys_cubic),
            ResizeMethod.CUBIC_PYTORCH: (2, _opencv_cubic), ResizeMethod.AREA: (1, _AREA)}


def _normalize(weights, total):
    """weights / total where total is not (about) zero, else 0."""
    keep = jnp.abs(total) > 1000. * float(np.finfo(np.float32).eps)
    return jnp.where(keep, jnp.divide(weights, jnp.where(total != 0, total, 1)), 0)


def _weight_matrix(input_size, output_size, scale, translation, kernel, antialias,
                   edge_padding, radius):
    """[input_size, output_size]: how much each input pixel contributes to each output one."""
    dtype = jnp.result_type(scale, translation)
    inv_scale = 1. / scale
    # downsampling widens the kernel (a low-pass filter); upsampling only interpolates
    kernel_scale = jnp.maximum(inv_scale, 1.) if antialias else 1.
    # the input coordinate of each output pixel's centre
    sample_f = ((jnp.arange(output_size, dtype=dtype) + 0.5) * inv_scale
                - translation * inv_scale - 0.5)
    k = radius if edge_padding else 0  # edge padding: k pixels beyond each edge count too
    expanded = jnp.arange(-k, input_size + k, dtype=dtype)
    if kernel is _AREA:  # overlap of [L_i, R_i] (output pixel) with [L_j, L_j + 1] (input)
        left = jnp.arange(output_size, dtype=dtype) * inv_scale - translation * inv_scale
        right = left + inv_scale
        starts = jnp.arange(input_size, dtype=dtype)
        weights = jnp.maximum(0.0, jnp.minimum(right[None, :], starts[:, None] + 1.0)
                              - jnp.maximum(left[None, :], starts[:, None]))
    else:
        weights = kernel(jnp.abs(sample_f[None, :] - expanded[:, None]) / kernel_scale)
    if edge_padding:  # the weights beyond an edge move onto the edge pixel
        clamped = jnp.clip(expanded.astype(jnp.int32), 0, input_size - 1)
        columns = lax.broadcast_in_dim(jnp.arange(output_size), (expanded.shape[0], output_size),
                                       (1,))
        weights = jnp.zeros((input_size, output_size), dtype).at[
            clamped[:, None], columns].add(weights)
        return _normalize(weights, jnp.sum(weights, axis=0, keepdims=True))
    # normalized over the input pixels inside the image; samples outside it get nothing
    weights = _normalize(weights, jnp.sum(weights, axis=0, keepdims=True))
    inside = jnp.logical_and(sample_f >= -0.5, sample_f <= input_size - 0.5)
    return jnp.where(inside[None, :], weights, 0)


def _scale_and_translate(x, shape, spatial_dims, scale, translation, method, antialias,
                         precision):
    if method == ResizeMethod.CUBIC_PYTORCH and antialias:
        method = ResizeMethod.CUBIC
    radius, kernel = _KERNELS[method]
    edge_padding = method == ResizeMethod.CUBIC_PYTORCH and not antialias
    if not spatial_dims:
        return x
    ndim = len(shape)
    operands, out_indices = [], list(range(ndim))
    for i, d in enumerate(spatial_dims):
        w = _weight_matrix(x.shape[d], shape[d], scale[i], translation[i], kernel, antialias,
                           edge_padding, radius).astype(x.dtype)
        operands += [w, [d, ndim + i]]
        out_indices[d] = ndim + i
    return jnp.einsum(x, list(range(ndim)), *operands, out_indices, precision=precision)


def _method(method):
    if isinstance(method, str):
        return ResizeMethod.from_string(method)
    if not isinstance(method, ResizeMethod):
        raise TypeError(f"resize method must be a ResizeMethod or a string, got {method!r}")
    return method


def _check_shape(op, shape, image):
    shape = concrete_shape(shape, op)
    ndim = aval_or_error(op, image).ndim
    if len(shape) != ndim:
        raise ValueError(f"{op}: shape must have length equal to the number of dimensions of "
                         f"the image; got {shape} for an image of {ndim} dimensions")
    return shape


@eager(static_argnums=(1, 2, 3, 4, 5, 6, 7))
def _scale_and_translate_eager(image, scale, translation, shape, spatial_dims, method,
                               antialias, precision):
    (image,), _ = promote_dtypes("scale_and_translate", jnp.asarray(image),
                                 to=dtypes.to_inexact)
    (scale, translation), _ = promote_dtypes("scale_and_translate", scale, translation,
                                             to=dtypes.to_inexact)
    return _scale_and_translate(image, shape, spatial_dims, scale, translation, method,
                                antialias, precision)


def scale_and_translate(image, shape, spatial_dims, scale, translation, method,
                        antialias=True, precision=lax.Precision.HIGHEST):
    """Resamples `image` into `shape`: along spatial_dims[i], input coordinate x goes to
    x * scale[i] + translation[i] (pixel centres at half-integers); output pixels that map
    outside the input are 0. Any method but NEAREST."""
    shape = _check_shape("scale_and_translate", shape, image)
    method = _method(method)
    if method == ResizeMethod.NEAREST:
        raise ValueError("scale_and_translate: nearest neighbor resampling is not supported "
                         "(use resize, or another method)")
    spatial_dims = tuple(normalize_axis("scale_and_translate", d, len(shape))
                         for d in spatial_dims)
    if not len(spatial_dims) == np.shape(scale)[0] == np.shape(translation)[0]:
        raise ValueError(f"scale_and_translate: scale and translation need one entry per "
                         f"spatial dimension {spatial_dims}; got shapes {np.shape(scale)} "
                         f"and {np.shape(translation)}")
    return _scale_and_translate_eager(image, scale, translation, shape, spatial_dims, method,
                                      bool(antialias), precision)


def _resize_nearest(x, shape):
    for d, (m, n) in enumerate(zip(x.shape, shape)):
        if m != n:  # output pixel i takes input pixel floor((i + 0.5) m / n), in float32
            offsets = np.floor((np.arange(n, dtype=np.float32) + 0.5) * m / n).astype(np.int32)
            x = jnp.take(x, offsets, axis=d)
    return x


@eager(static_argnums=(1, 2, 3, 4))
def _resize(image, shape, method, antialias, precision):
    image = jnp.asarray(image)
    if method == ResizeMethod.NEAREST:
        return _resize_nearest(image, shape)
    (image,), _ = promote_dtypes("resize", image, to=dtypes.to_inexact)
    # only the dimensions that change: every kernel interpolates (identity warp = input)
    spatial_dims = tuple(d for d, (m, n) in enumerate(zip(image.shape, shape)) if m != n)
    scale = [1.0 if shape[d] == 0 else shape[d] / image.shape[d] for d in spatial_dims]
    return _scale_and_translate(image, shape, spatial_dims, scale, [0.] * len(spatial_dims),
                                method, antialias, precision)


def resize(image, shape, method, antialias=True, precision=lax.Precision.HIGHEST):
    """`image` resized to `shape` (every dimension; leave batch and channel ones unchanged)
    with `method` (a ResizeMethod or its name), antialiased when downsampling unless
    antialias is False. NEAREST keeps the dtype; the others give an inexact one."""
    shape = _check_shape("resize", shape, image)
    return _resize(image, shape, _method(method), bool(antialias), precision)
