"""xlafront.random's samplers built on bits: uniform, normal, randint, permutation and
choice, and the distributions made by transforming uniforms and normals."""
import math
from collections.abc import Sequence

import numpy as np

from .. import dtypes, lax
from .. import numpy as jnp
from ..numpy import linalg as jnp_linalg
from ..numpy._einsum import einsum
from ..core import concrete_or_error, concrete_shape, get_aval
from ..custom_derivatives import stop_gradient
from ..dispatch import eager, scalar_array
from ..errors import api_boundary
from ..vmap import vmap
from ._keys import (_UINTS, _bits, _broadcast_shapes, _check_safe_casts, _check_shape, _dtype,
                    _key_data, _param, _sample_shape, _sampler_args, _shape_of, _split,
                    _unstack)


# ---------------------------------------------------------------------------------------
# bits, uniform, normal, randint

@api_boundary
def bits(key, shape=(), dtype=None):
    """Uniform random bits as unsigned integers (uint32 by default, uint64 with x64)."""
    data, _ = _key_data("bits", key)
    dtype = dtypes.default_uint() if dtype is None else dtypes.check_dtype(dtype, "bits")
    if dtypes.kind(dtype) != "u":
        raise ValueError(f"dtype argument to `bits` must be an unsigned int dtype, got "
                         f"{dtype.name}")
    return _bits(data, dtype.itemsize * 8, concrete_shape(shape, "bits"))


@api_boundary
def uniform(key, shape=(), dtype=None, minval=0., maxval=1.):
    """Uniform values in [minval, maxval) (broadcast-compatible with shape)."""
    data, _ = _key_data("uniform", key)
    dtype = _dtype("uniform", dtype, "f")
    shape = concrete_shape(shape, "uniform")
    minval, maxval = _param(minval), _param(maxval)
    _check_shape("uniform", shape, _shape_of(minval), _shape_of(maxval))
    return _uniform(data, minval, maxval, shape, dtype)


@eager(static_argnums=(3, 4))
def _uniform(key, minval, maxval, shape, dtype):
    # randomize the mantissa of a float in [1, 2), then shift and scale
    minval = lax.broadcast_to_rank(lax.convert_element_type(minval, dtype), len(shape))
    maxval = lax.broadcast_to_rank(lax.convert_element_type(maxval, dtype), len(shape))
    finfo = dtypes.finfo(dtype)
    nbits, nmant = finfo.bits, finfo.nmant
    rng_bits = nbits if nmant >= 8 else 8
    uint = _UINTS[nbits]
    bits = _bits(key, rng_bits, shape)
    if rng_bits != nbits:
        bits = lax.convert_element_type(bits, uint)
    float_bits = lax.bitwise_or(lax.shift_right_logical(bits, np.array(rng_bits - nmant, uint)),
                                np.array(1.0, dtype).view(uint))
    floats = lax.sub(lax.bitcast_convert_type(float_bits, dtype), np.array(1.0, dtype))
    return jnp.maximum(minval, lax.reshape(floats * (maxval - minval) + minval, shape))


@api_boundary
def normal(key, shape=(), dtype=None):
    """Standard normal values (complex dtypes: real and imaginary parts each of variance
    1/2)."""
    data, _ = _key_data("normal", key)
    dtype = _dtype("normal", dtype, "fc", what="a float or complex")
    return _normal(data, concrete_shape(shape, "normal"), dtype)


@eager(static_argnums=(1, 2))
def _normal(key, shape, dtype):
    if dtypes.kind(dtype) == "c":
        key_re, key_im = _unstack(_split(key, (2,)))
        real = np.zeros((), dtype).real.dtype
        re = lax.convert_element_type(_normal_real(key_re, shape, real), dtype)
        im = lax.convert_element_type(_normal_real(key_im, shape, real), dtype)
        return (re + 1j * im) / np.array(np.sqrt(2), dtype)
    return _normal_real(key, shape, dtype)


def _normal_real(key, shape, dtype):
    lo = np.nextafter(np.array(-1.0, dtype), np.array(0.0, dtype), dtype=dtype)
    u = _uniform(key, lo, np.array(1.0, dtype), shape, dtype)
    return lax.mul(np.array(np.sqrt(2), dtype), lax.erf_inv(u))


@api_boundary
def randint(key, shape, minval, maxval, dtype=None):
    """Integers in [minval, maxval) (JAX's algorithm: two words of bits per value, reduced
    modulo the span, biased slightly when the span is not a power of 2)."""
    data, _ = _key_data("randint", key)
    dtype = dtypes.check_dtype(int if dtype is None else dtype, "randint")
    if dtypes.kind(dtype) not in "iu":
        raise TypeError(f"randint only accepts integer dtypes, got {dtype.name}")
    shape = concrete_shape(shape, "randint")
    minval, maxval = _param(minval), _param(maxval)
    _check_shape("randint", shape, _shape_of(minval), _shape_of(maxval))
    info, sampling = dtypes.iinfo(dtype), dtype
    if info.bits < 32:  # sample in 32 bits, as JAX, to keep the bias small
        sampling = np.dtype(np.int32)
        minval = jnp.clip(jnp.asarray(minval).astype(np.int32), int(info.min), int(info.max))
        maxval = jnp.clip(jnp.asarray(maxval).astype(np.int32), int(info.min),
                          int(info.max) + 1)
    return _randint(data, minval, maxval, shape, sampling).astype(dtype)


def _convert_and_clip_integer(val, dtype):
    """val converted to the integer dtype, clipped to its range rather than wrapped."""
    val_dtype = get_aval(val).dtype
    lo = max(dtypes.iinfo(dtype).min, dtypes.iinfo(val_dtype).min)
    hi = min(dtypes.iinfo(dtype).max, dtypes.iinfo(val_dtype).max)
    return jnp.clip(val, np.array(lo, val_dtype), np.array(hi, val_dtype)).astype(dtype)


@eager(static_argnums=(3, 4))
def _randint(key, minval, maxval, shape, dtype):
    minval, maxval = jnp.asarray(minval), jnp.asarray(maxval)
    if dtypes.kind(minval.dtype) not in "iu":
        minval = minval.astype(int)
    if dtypes.kind(maxval.dtype) not in "iu":
        maxval = maxval.astype(int)
    # maxval beyond dtype's range (randint(key, s, 0, 256, uint8)) widens the span by one
    maxval_out_of_range = maxval > _convert_and_clip_integer(
        jnp.array(dtypes.iinfo(dtype).max, dtype), maxval.dtype)
    # (JAX broadcasts to rank; broadcasting to the shape gives the same values)
    minval = jnp.broadcast_to(_convert_and_clip_integer(minval, dtype), shape)
    maxval = jnp.broadcast_to(_convert_and_clip_integer(maxval, dtype), shape)
    maxval_out_of_range = jnp.broadcast_to(maxval_out_of_range, shape)
    nbits = dtypes.iinfo(dtype).bits
    k1, k2 = _unstack(_split(key, (2,)))
    higher_bits, lower_bits = _bits(k1, nbits, shape), _bits(k2, nbits, shape)
    unsigned = _UINTS[nbits]
    span = lax.convert_element_type(maxval - minval, unsigned)
    one = lax.full(shape, 1, unsigned)
    span = lax.select(lax.le(maxval, minval), one, span)  # an empty range gives minval
    span = lax.select(lax.bitwise_and(maxval_out_of_range, lax.gt(maxval, minval)),
                      lax.add(span, one), span)
    # (hi * 2**nbits + lo) % span, with 2**nbits % span as ((2**(nbits/2) % span)**2) % span
    multiplier = lax.rem(np.array(2 ** (nbits // 2), unsigned), span)
    multiplier = lax.rem(lax.mul(multiplier, multiplier), span)
    offset = lax.add(lax.mul(lax.rem(higher_bits, span), multiplier),
                     lax.rem(lower_bits, span))
    return lax.add(minval, lax.convert_element_type(lax.rem(offset, span), dtype))


# ---------------------------------------------------------------------------------------
# permutation and choice

@api_boundary
def permutation(key, x, axis=0, independent=False):
    """A random permutation of arange(x) (an int), or of an array's entries along `axis`
    (each slice independently with independent=True)."""
    data, _ = _key_data("permutation", key)
    x = _param(x)
    aval = get_aval(x)
    axis = _normalize_axis("permutation", axis, aval.ndim or 1)
    if not aval.ndim:
        if dtypes.kind(aval.dtype) not in "iu":
            raise TypeError("x must be an integer or at least 1-dimensional")
        n = int(concrete_or_error(x, "argument x of jax.random.permutation()"))
        return _shuffle(data, jnp.arange(n), axis)
    if independent or aval.ndim == 1:
        return _shuffle(data, x, axis)
    ind = _shuffle(data, jnp.arange(aval.shape[axis]), 0)
    return jnp.take(x, ind, axis, unique_indices=True)


def _normalize_axis(name, axis, ndim):
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis {axis} is out of bounds for an array of dimension "
                         f"{ndim}")
    return axis % ndim


@eager(static_argnums=2)
def _shuffle(key, x, axis):
    # Sorting by random 32-bit keys, repeated with fresh keys often enough that all keys
    # are distinct with high probability (tjablin@'s criterion, as JAX and TensorFlow).
    size = get_aval(x).size
    rounds = int(np.ceil(3 * np.log(max(1, size)) / np.log(np.iinfo(np.uint32).max)))
    for _ in range(rounds):
        key, subkey = _unstack(_split(key, (2,)))
        _, x = lax.sort_key_val(_bits(subkey, 32, get_aval(x).shape), x, axis)
    return x


def _top_k_indices(x, k):
    """The indices of the k largest entries of a 1-d array, largest first, ties in index
    order (lax.top_k's order): a stable ascending sort of -x in float total order."""
    n = get_aval(x).shape[0]
    _, perm = lax.sort_key_val(lax.neg(x), lax.iota(np.int32, n))
    return lax.slice_in_dim(perm, 0, k)


@api_boundary
def choice(key, a, shape=(), replace=True, p=None, axis=0, mode=None):
    """Samples of arange(a) (an int) or of an array's entries along `axis`, with or without
    replacement, uniformly or with probabilities `p`."""
    data, _ = _key_data("choice", key)
    if not isinstance(shape, Sequence):
        raise TypeError(f"shape argument of jax.random.choice must be a sequence, got {shape}")
    shape = concrete_shape(shape, "choice")
    arr = _param(a)
    aval = get_aval(arr)
    if aval.ndim == 0:
        n_inputs = int(concrete_or_error(a, "The error occurred in jax.random.choice()"))
    else:
        axis = _normalize_axis("choice", axis, aval.ndim)
        n_inputs = aval.shape[axis]
    n_draws = math.prod(shape)
    if n_draws == 0:
        return jnp.zeros(shape, dtype=aval.dtype)
    if n_inputs <= 0:
        raise ValueError("a must be greater than 0 unless no samples are taken")
    if not replace and n_draws > n_inputs:
        raise ValueError(f"Cannot take a larger sample (size {n_draws}) than population "
                         f"(size {n_inputs}) when 'replace=False'")
    if p is None:
        if replace:
            ind = randint(data, shape, 0, n_inputs)
            result = ind if aval.ndim == 0 else jnp.take(arr, ind, axis)
        else:
            perm = permutation(data, n_inputs if aval.ndim == 0 else arr, axis)
            result = lax.slice_in_dim(perm, 0, n_draws, axis=axis)
    else:
        p = _param(p)
        p = p.astype(dtypes.to_inexact(p.dtype))
        if p.shape != (n_inputs,):
            raise ValueError(f"p must be None or a 1D vector with the same size as "
                             f"a.shape[axis]. p has shape {p.shape} and a.shape[axis] is "
                             f"{n_inputs}.")
        if replace:
            ind = _choice_cumulative(data, p, shape)
        else:  # the Gumbel top-k trick
            ind = _choice_gumbel(data, p, n_draws, _gumbel_mode(mode))
        result = ind if aval.ndim == 0 else jnp.take(arr, ind, axis)
    return result.reshape(shape if aval.ndim == 0 else
                          aval.shape[:axis] + shape + aval.shape[axis + 1:])


@eager(static_argnums=2)
def _choice_cumulative(key, p, shape):
    p_cuml = jnp.cumsum(p)
    r = p_cuml[-1] * (1 - _uniform(key, 0., 1., shape, p_cuml.dtype))
    return jnp.searchsorted(p_cuml, r).astype(int)


@eager(static_argnums=(2, 3))
def _choice_gumbel(key, p, n_draws, mode):
    g = _gumbel(key, get_aval(p).shape, get_aval(p).dtype, mode) + jnp.log(p)
    return _top_k_indices(g, n_draws).astype(int)


# ---------------------------------------------------------------------------------------
# Distributions by transforming uniforms and normals

def _float_sampler(name, fn, doc):
    """A public sampler `name(key, shape=(), dtype=None)` of floats from `fn(key, shape,
    dtype)`."""
    def sampler(key, shape=(), dtype=None):
        data, _ = _key_data(name, key)
        return fn(data, concrete_shape(shape, name), _dtype(name, dtype, "f"))
    sampler.__name__ = sampler.__qualname__ = name
    sampler.__doc__ = doc
    return api_boundary(sampler)


@eager(static_argnums=(1, 2))
def _exponential(key, shape, dtype):
    u = _uniform(key, 0., 1., shape, dtype)
    return lax.neg(lax.log1p(lax.neg(u)))  # log of 1 - u, in (0, 1]


@eager(static_argnums=(1, 2))
def _cauchy(key, shape, dtype):
    u = _uniform(key, dtypes.finfo(dtype).eps, 1., shape, dtype)
    return lax.tan(lax.mul(np.array(np.pi, dtype), lax.sub(u, np.array(0.5, dtype))))


@eager(static_argnums=(1, 2))
def _laplace(key, shape, dtype):
    u = _uniform(key, -1. + dtypes.finfo(dtype).epsneg, 1., shape, dtype)
    return lax.mul(lax.sign(u), lax.log1p(lax.neg(lax.abs(u))))


@eager(static_argnums=(1, 2))
def _logistic(key, shape, dtype):
    x = _uniform(key, dtypes.finfo(dtype).tiny, 1., shape, dtype)
    return lax.sub(lax.log(x), lax.log1p(lax.neg(x)))


exponential = _float_sampler("exponential", _exponential,
                             "Exponential values of rate 1 (density e^-x on x >= 0).")
cauchy = _float_sampler("cauchy", _cauchy, "Standard Cauchy values (density ~ 1/(1+x^2)).")
laplace = _float_sampler("laplace", _laplace, "Standard Laplace values (density e^-|x|/2).")
logistic = _float_sampler("logistic", _logistic,
                          "Standard logistic values (density e^-x / (1+e^-x)^2).")


def _gumbel_mode(mode):
    mode = "low" if mode is None else mode
    if mode not in ("highest", "high", "low"):
        raise ValueError(f"Must provide valid mode for gumbel got: {mode}")
    return mode


@api_boundary
def gumbel(key, shape=(), dtype=None, mode=None):
    """Standard Gumbel values. mode="low" (default) draws one uniform per value; "high"
    two, reaching tail probabilities near 1e-14 in float32; "highest" all 64 bits."""
    data, _ = _key_data("gumbel", key)
    return _gumbel(data, concrete_shape(shape, "gumbel"), _dtype("gumbel", dtype, "f"),
                   _gumbel_mode(mode))


def _safe_int_to_float(bits):
    """A pair of uint32 words (hi, lo) as the float32 nearest their 64-bit fraction."""
    finfo = dtypes.finfo(np.float32)
    hi, lo = bits[0], bits[1]
    hiclz, loclz = lax.clz(hi), lax.clz(lo)
    all_high_zero = hiclz == np.uint32(32)
    mantissa = lax.bitwise_or(lax.shift_left(hi, hiclz), jnp.where(
        all_high_zero, lax.shift_left(lo, loclz),
        lax.shift_right_logical(lo, np.uint32(finfo.bits) - hiclz)))
    mantissa = lax.shift_right_logical(mantissa,
                                       np.array(finfo.bits - finfo.nmant - 1, np.uint32))
    mantissa = lax.bitwise_and(mantissa, np.array((1 << finfo.nmant) - 1, np.uint32))
    exp = lax.shift_left(np.uint32(-finfo.minexp) - jnp.where(all_high_zero,
                                                             np.uint32(32) + loclz, hiclz),
                         np.array(finfo.nmant, np.uint32))
    exp = lax.bitwise_and(exp, np.array((1 << (finfo.bits - 2)) - (1 << (finfo.nmant - 1)),
                                        np.uint32))
    return lax.bitcast_convert_type(lax.bitwise_or(exp, mantissa), np.float32)


@eager(static_argnums=(1, 2, 3))
def _gumbel(key, shape, dtype, mode):
    info = dtypes.finfo(dtype)
    if dtype == np.float32 and mode == "highest":
        bits = _bits(key, 32, (2,) + shape)
        neg = lax.bitwise_not(bits)
        lo_bits = neg[1]
        # the two's complement of the 64-bit value (hi, lo): carry into hi when lo wraps
        carry = jnp.stack([lo_bits == np.uint32(0xFFFFFFFF), jnp.ones_like(lo_bits, bool)])
        neg = neg + carry.astype(np.uint32)
        flip_mask = bits[0] < np.uint32(1 << 31)
        x = _safe_int_to_float(jnp.where(flip_mask, bits, neg))
        return jnp.where(flip_mask, -jnp.log(-jnp.log1p(-x)), -jnp.log(-jnp.log(x)))
    if mode in ("high", "highest"):
        high, low = _unstack(_uniform(key, 0., 1., (2,) + shape, dtype))
        x = jnp.where(high >= 0.5, high, high + 2 ** -info.nmant * low + info.tiny)
        return -jnp.log(-jnp.log1p(-x))
    return -jnp.log(-jnp.log(_uniform(key, info.tiny, 1., shape, dtype)))


@api_boundary
def categorical(key, logits, axis=-1, shape=None, replace=True, mode=None):
    """Indices along `axis` drawn with probabilities softmax(logits) (the Gumbel-max trick;
    without replacement, Gumbel top-k)."""
    data, _ = _key_data("categorical", key)
    logits = _param(logits)
    lshape = get_aval(logits).shape
    batch_shape = tuple(int(d) for d in np.delete(lshape, axis))
    if shape is None:
        shape = batch_shape
    else:
        shape = concrete_shape(shape, "categorical")
        _check_shape("categorical", shape, batch_shape)
    prefix = shape[:len(shape) - len(batch_shape)]
    mode = _gumbel_mode(mode)
    ndim, dtype = len(lshape), get_aval(logits).dtype
    if replace:
        axis = axis - ndim if axis >= 0 else axis
        gumbel_shape = list(shape[len(shape) - len(batch_shape):])
        gumbel_shape.insert(axis % ndim, lshape[axis])
        noise = _gumbel(data, (*prefix, *gumbel_shape), dtype, mode)
        return jnp.argmax(noise + lax.expand_dims(logits, tuple(range(len(prefix)))),
                          axis=axis)
    k = math.prod(prefix)
    if k > lshape[axis]:
        raise ValueError(f"Number of samples without replacement ({k}) cannot exceed number "
                         f"of categories ({lshape[axis]}).")
    noisy = jnp.moveaxis(logits + _gumbel(data, lshape, dtype, mode), axis, -1)
    indices = vmap(lambda row: _top_k_indices(row, k))(noisy.reshape(-1, lshape[axis]))
    indices = indices.reshape(batch_shape + (k,))
    return lax.reshape(indices, shape, (indices.ndim - 1, *range(indices.ndim - 1)))


@api_boundary
def bernoulli(key, p=0.5, shape=None, mode="low"):
    """Booleans that are True with probability p. mode="high" draws two uniforms per value
    (correct for p below ~1e-7 in float32)."""
    if shape is not None:
        shape = concrete_shape(shape, "bernoulli")
    if mode not in ("high", "low"):
        raise ValueError(f"got mode={mode!r}, expected 'high' or 'low'")
    data, _ = _key_data("bernoulli", key)
    p = _param(p)
    dtype = get_aval(p).dtype
    if dtypes.kind(dtype) != "f":
        raise TypeError(f"bernoulli probability `p` must have a floating dtype, got "
                        f"{dtype.name}.")
    if shape is None:
        shape = get_aval(p).shape
    else:
        _check_shape("bernoulli", shape, get_aval(p).shape)
    return _bernoulli(data, p, shape, mode)


@eager(static_argnums=(2, 3))
def _bernoulli(key, p, shape, mode):
    dtype = get_aval(p).dtype
    if mode == "high":
        u1, u2 = _unstack(_uniform(key, 0., 1., (2, *shape), dtype))
        u2 = u2 * 2 ** -dtypes.finfo(dtype).nmant  # below the resolution of u1
        return u2 < p - u1
    return _uniform(key, 0., 1., shape, dtype) < p


@api_boundary
def truncated_normal(key, lower, upper, shape=None, dtype=None):
    """Standard normal values truncated to (lower, upper)."""
    data, _ = _key_data("truncated_normal", key)
    dtype = _dtype("truncated_normal", dtype, "f")
    lower, upper = _param(lower), _param(upper)
    shape = _sample_shape("truncated_normal", shape, lower, upper)
    return _truncated_normal(data, lower, upper, shape, dtype)


@eager(static_argnums=(3, 4))
def _truncated_normal(key, lower, upper, shape, dtype):
    sqrt2 = np.array(np.sqrt(2), dtype)
    lower = lax.convert_element_type(lower, dtype)
    upper = lax.convert_element_type(upper, dtype)
    a, b = lax.erf(lower / sqrt2), lax.erf(upper / sqrt2)
    out = sqrt2 * lax.erf_inv(_uniform(key, a, b, shape, dtype))
    # clamp into the open interval: rounding (or u == a) may land on or past a bound
    return jnp.clip(out, lax.nextafter(stop_gradient(lower), np.array(np.inf, dtype)),
                    lax.nextafter(stop_gradient(upper), np.array(-np.inf, dtype)))


@api_boundary
def pareto(key, b, shape=None, dtype=None):
    """Pareto values of shape parameter b (density b / x^(b+1) on x >= 1)."""
    data, dtype, shape, (b,) = _sampler_args("pareto", key, shape, dtype, b)
    return _pareto(data, b, shape, dtype)


@eager(static_argnums=(2, 3))
def _pareto(key, b, shape, dtype):
    return lax.exp(_exponential(key, shape, dtype) / lax.convert_element_type(b, dtype))


@api_boundary
def rademacher(key, shape=(), dtype=None):
    """-1 or +1 with equal probability."""
    data, _ = _key_data("rademacher", key)
    dtype = dtypes.check_dtype(int if dtype is None else dtype, "rademacher")
    return _rademacher(data, concrete_shape(shape, "rademacher"), dtype)


@eager(static_argnums=(1, 2))
def _rademacher(key, shape, dtype):
    samples = _bernoulli(key, scalar_array(0.5), shape, "low").astype(dtype)
    return (2 * samples - 1).astype(dtype)


@eager(static_argnums=(1, 2))
def _maxwell(key, shape, dtype):
    x = _normal(key, shape + (3,), dtype)
    return jnp_linalg.norm(x, axis=-1)


maxwell = _float_sampler("maxwell", _maxwell,
                         "Maxwell values (the norm of three standard normals).")


@api_boundary
def double_sided_maxwell(key, loc, scale, shape=(), dtype=None):
    """Double-sided Maxwell values of location loc and scale scale. As in JAX, `shape` is
    prefixed to the parameters' broadcast shape (and defaults to it)."""
    data, _ = _key_data("double_sided_maxwell", key)
    dtype = _dtype("double_sided_maxwell", dtype, "f")
    loc, scale = _param(loc), _param(scale)
    params_shape = _broadcast_shapes("double_sided_maxwell", _shape_of(loc), _shape_of(scale))
    shape = concrete_shape(shape, "double_sided_maxwell") or params_shape
    return _double_sided_maxwell(data, loc, scale, shape + params_shape, dtype)


@eager(static_argnums=(3, 4))
def _double_sided_maxwell(key, loc, scale, shape, dtype):
    maxwell_key, rademacher_key = _unstack(_split(key, (2,)))
    maxwell_rvs = _maxwell(maxwell_key, shape, dtype)
    random_sign = _rademacher(rademacher_key, shape, dtype)
    return random_sign * maxwell_rvs * scale + loc


@api_boundary
def weibull_min(key, scale, concentration, shape=(), dtype=None):
    """Weibull values of the given scale and concentration."""
    data, _ = _key_data("weibull_min", key)
    dtype = _dtype("weibull_min", dtype, "f")
    scale, concentration = _param(scale), _param(concentration)
    return _weibull_min(data, scale, concentration, concrete_shape(shape, "weibull_min"),
                        dtype)


@eager(static_argnums=(3, 4))
def _weibull_min(key, scale, concentration, shape, dtype):
    u = _uniform(key, 0, 1, shape, dtype)
    # inverse of the complementary CDF, exp(-(x / scale) ** concentration)
    return jnp.power(-jnp.log1p(-u), 1.0 / concentration) * scale


@api_boundary
def rayleigh(key, scale, shape=None, dtype=None):
    """Rayleigh values of the given scale."""
    data, dtype, shape, (scale,) = _sampler_args("rayleigh", key, shape, dtype, scale)
    return _rayleigh(data, scale, shape, dtype)


@eager(static_argnums=(2, 3))
def _rayleigh(key, scale, shape, dtype):
    u = _uniform(key, 0., 1., shape, dtype)
    scale = jnp.broadcast_to(scale.astype(dtype), shape)
    return lax.mul(scale, lax.sqrt(lax.mul(lax.log(u), np.array(-2, dtype))))


@api_boundary
def wald(key, mean, shape=None, dtype=None):
    """Wald (inverse Gaussian) values of the given mean (and scale 1)."""
    data, dtype, shape, (mean,) = _sampler_args("wald", key, shape, dtype, mean)
    return _wald(data, mean, shape, dtype)


@eager(static_argnums=(2, 3))
def _wald(key, mean, shape, dtype):
    k1, k2 = _unstack(_split(key, (2,)))
    mean = jnp.broadcast_to(mean.astype(dtype), shape)
    v = _normal(k1, shape, dtype)
    z = _uniform(k2, 0., 1., shape, dtype)
    y = lax.integer_pow(v, 2)
    y_sq = lax.integer_pow(y, 2)
    mean_sq = lax.integer_pow(mean, 2)
    sqrt_term = lax.sqrt(4 * mean * y + mean_sq * y_sq)
    x = mean + mean_sq * y / 2 - mean / 2 * sqrt_term
    return lax.select(lax.le(z, mean / (mean + x)), x, mean_sq / x)


@api_boundary
def geometric(key, p, shape=None, dtype=None):
    """Geometric values: the number of Bernoulli(p) trials up to the first success."""
    data, _ = _key_data("geometric", key)
    dtype = _dtype("geometric", dtype, "iu", default=int, what="an int")
    p = _param(p)
    shape = _sample_shape("geometric", shape, p)
    return _geometric(data, p.astype(dtypes.to_inexact(p.dtype)), shape, dtype)


@eager(static_argnums=(2, 3))
def _geometric(key, p, shape, dtype):
    u = _uniform(key, 0., 1., shape, get_aval(p).dtype)
    u = jnp.where(u == 0, 1, u)  # log(0) would give an infinite count
    log_one_minus_p = jnp.broadcast_to(lax.log1p(-p), shape)
    g = lax.floor(lax.div(lax.log(u), log_one_minus_p)) + 1
    return g.astype(dtype)


@api_boundary
def triangular(key, left, mode, right, shape=None, dtype=None):
    """Triangular values on [left, right] with the given mode."""
    data, dtype, shape, (left, mode, right) = _sampler_args("triangular", key, shape, dtype,
                                                           left, mode, right)
    return _triangular(data, left, mode, right, shape, dtype)


@eager(static_argnums=(4, 5))
def _triangular(key, left, mode, right, shape, dtype):
    left, mode, right = (jnp.broadcast_to(lax.convert_element_type(v, dtype), shape)
                         for v in (left, mode, right))
    fc = (mode - left) / (right - left)
    u = _uniform(key, 0., 1., shape, dtype)
    out1 = left + lax.sqrt(u * (right - left) * (mode - left))
    out2 = right - lax.sqrt((1 - u) * (right - left) * (right - mode))
    return lax.select(u < fc, out1, out2)


@api_boundary
def lognormal(key, sigma=np.float32(1), shape=None, dtype=None):
    """exp of normal values of standard deviation sigma."""
    data, _ = _key_data("lognormal", key)
    dtype = _dtype("lognormal", dtype, "fc", what="a float or complex")
    sigma = _param(sigma)
    shape = _sample_shape("lognormal", shape, sigma)
    _check_safe_casts("lognormal", dtype, sigma)
    return _lognormal(data, sigma, shape, dtype)


@eager(static_argnums=(2, 3))
def _lognormal(key, sigma, shape, dtype):
    return lax.exp(_normal(key, shape, dtype) * lax.convert_element_type(sigma, dtype))


@api_boundary
def multivariate_normal(key, mean, cov, shape=None, dtype=None, method="cholesky"):
    """Multivariate normal values of the given mean (..., n) and covariance (..., n, n);
    the covariance is factored by method "cholesky" (default), "eigh" or "svd"."""
    data, _ = _key_data("multivariate_normal", key)
    mean, cov = _param(mean), _param(cov)
    dtype_in = dtypes.to_inexact(dtypes.result_type(mean, cov))
    mean, cov = mean.astype(dtype_in), cov.astype(dtype_in)
    if method not in {"svd", "eigh", "cholesky"}:
        raise ValueError("method must be one of {'svd', 'eigh', 'cholesky'}")
    dtype = dtype_in if dtype is None else _dtype("multivariate_normal", dtype, "f")
    if shape is not None:
        shape = concrete_shape(shape, "multivariate_normal")
    if not mean.ndim >= 1:
        raise ValueError(f"multivariate_normal requires mean.ndim >= 1, got mean.ndim == "
                         f"{mean.ndim}")
    if not cov.ndim >= 2:
        raise ValueError(f"multivariate_normal requires cov.ndim >= 2, got cov.ndim == "
                         f"{cov.ndim}")
    n = mean.shape[-1]
    if cov.shape[-2:] != (n, n):
        raise ValueError(f"multivariate_normal requires cov.shape == (..., n, n) for n={n}, "
                         f"but got cov.shape == {cov.shape}.")
    if shape is None:
        shape = _broadcast_shapes("multivariate_normal", mean.shape[:-1], cov.shape[:-2])
    else:
        _check_shape("multivariate_normal", shape, mean.shape[:-1], cov.shape[:-2])
    return _multivariate_normal(data, mean, cov, shape, dtype, method)


@eager(static_argnums=(3, 4, 5))
def _multivariate_normal(key, mean, cov, shape, dtype, method):
    if method == "svd":
        u, s, _ = jnp_linalg.svd(cov)
        factor = u * jnp.sqrt(s[..., None, :])
    elif method == "eigh":
        w, v = jnp_linalg.eigh(cov)
        factor = v * jnp.sqrt(w[..., None, :])
    else:
        factor = jnp_linalg.cholesky(cov)
    samples = _normal(key, shape + mean.shape[-1:], dtype)
    return mean + einsum("...ij,...j->...i", factor, samples)


@api_boundary
def orthogonal(key, n, shape=(), dtype=None, m=None):
    """Haar-random n x m matrices with orthonormal columns (rows if n < m); m defaults to n."""
    data, _ = _key_data("orthogonal", key)
    dtype = dtypes.check_dtype(float if dtype is None else dtype, "orthogonal")
    shape = concrete_shape(shape, "orthogonal")
    n = int(concrete_or_error(n, "The error occurred in jax.random.orthogonal()").__index__())
    m = n if m is None else int(
        concrete_or_error(m, "The error occurred in jax.random.orthogonal()").__index__())
    return _orthogonal(data, n, m, shape, dtype)


@eager(static_argnums=(1, 2, 3, 4))
def _orthogonal(key, n, m, shape, dtype):
    z = _normal(key, (*shape, max(n, m), min(n, m)), dtype)
    q, r = jnp_linalg.qr(z)
    d = jnp_linalg.diagonal(r)
    x = q * jnp.expand_dims(jnp.sign(d), -2)
    return jnp.swapaxes(x, -1, -2) if n < m else x
