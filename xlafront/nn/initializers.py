"""jax.nn.initializers: functions `init(key, shape, dtype=None, out_sharding=None)` that
make parameter arrays, and the builders that return them (Keras' and Sonnet's
definitions, as in JAX 0.10.2's jax/_src/nn/initializers.py). They draw from
xlafront.random, so a key gives the same numbers as the same JAX initializer when
xlafront.random reproduces JAX's bits.
"""
import math
import operator
from typing import Protocol, runtime_checkable

import numpy as np

from .. import dtypes, random
from .. import numpy as jnp

__all__ = ["Initializer", "constant", "delta_orthogonal", "glorot_normal", "glorot_uniform",
           "he_normal", "he_uniform", "kaiming_normal", "kaiming_uniform", "lecun_normal",
           "lecun_uniform", "normal", "ones", "orthogonal", "truncated_normal", "uniform",
           "variance_scaling", "xavier_normal", "xavier_uniform", "zeros"]


@runtime_checkable
class Initializer(Protocol):
    """What jax.nn.initializers' builders return: `init(key, shape, dtype=None,
    out_sharding=None) -> Array`."""

    def __call__(self, key, shape, dtype=None, out_sharding=None):
        raise NotImplementedError


def _dtype(op, dtype):
    return dtypes.default_float() if dtype is None else dtypes.check_dtype(dtype, op)


def _shape(op, shape):
    try:
        return tuple(operator.index(d) for d in (shape if isinstance(shape, (tuple, list))
                                                 else (shape,)))
    except TypeError:
        raise TypeError(f"{op}: shape must be a sequence of integers, got {shape!r}") from None


def _no_sharding(op, out_sharding):
    if out_sharding is not None:
        raise NotImplementedError(f"{op}: out_sharding is not supported by xlafront yet; "
                                  f"got {out_sharding!r}, only None is")


def zeros(key, shape, dtype=None, out_sharding=None):
    """An array of zeros (the key is ignored)."""
    _no_sharding("zeros", out_sharding)
    return jnp.zeros(_shape("zeros", shape), _dtype("zeros", dtype))


def ones(key, shape, dtype=None, out_sharding=None):
    """An array of ones (the key is ignored)."""
    _no_sharding("ones", out_sharding)
    return jnp.ones(_shape("ones", shape), _dtype("ones", dtype))


def constant(value, dtype=None):
    """An initializer filling arrays with `value`; `dtype` is its default dtype."""
    def init(key, shape, dtype=dtype, out_sharding=None):
        _no_sharding("constant", out_sharding)
        return jnp.full(_shape("constant", shape), value, _dtype("constant", dtype))
    return init


def uniform(scale=1e-2, dtype=None):
    """An initializer drawing uniformly from [0, scale)."""
    def init(key, shape, dtype=dtype, out_sharding=None):
        _no_sharding("uniform", out_sharding)
        dtype = _dtype("uniform", dtype)
        return random.uniform(key, _shape("uniform", shape), dtype) * jnp.array(scale, dtype)
    return init


def normal(stddev=1e-2, dtype=None):
    """An initializer drawing from a normal distribution of mean 0 and std `stddev`."""
    def init(key, shape, dtype=dtype, out_sharding=None):
        _no_sharding("normal", out_sharding)
        dtype = _dtype("normal", dtype)
        return random.normal(key, _shape("normal", shape), dtype) * jnp.array(stddev, dtype)
    return init


def truncated_normal(stddev=1e-2, dtype=None, lower=-2.0, upper=2.0):
    """An initializer drawing from a standard normal truncated to (lower, upper), then
    multiplied by `stddev` (no correction for the truncation's smaller variance)."""
    def init(key, shape, dtype=dtype, out_sharding=None):
        _no_sharding("truncated_normal", out_sharding)
        dtype = _dtype("truncated_normal", dtype)
        return (random.truncated_normal(key, lower, upper, _shape("truncated_normal", shape),
                                        dtype) * jnp.array(stddev, dtype))
    return init


def _axes_size(shape, axes):
    return shape[axes] if isinstance(axes, int) else math.prod(shape[i] for i in axes)


def _compute_fans(shape, in_axis=-2, out_axis=-1, batch_axis=()):
    """(fan_in, fan_out) of a weight of `shape`: the sizes of the input and output axes,
    each times the receptive field (the axes not named, a convolution's spatial ones)."""
    if isinstance(in_axis, int) and in_axis == -2 and len(shape) <= 1:
        raise ValueError(f"Can't compute input and output sizes of a {len(shape)}-dimensional "
                         "weights tensor with default in_axis. Must be at least 2D or specify "
                         "in_axis explicitly.")
    in_size = _axes_size(shape, in_axis)
    out_size = _axes_size(shape, out_axis)
    receptive_field = math.prod(shape) / in_size / out_size / _axes_size(shape, batch_axis)
    return in_size * receptive_field, out_size * receptive_field


def _complex_uniform(key, shape, dtype):
    """Uniform on a disk of the complex plane, mean 0 and variance 1."""
    key_r, key_theta = random.split(key)
    real = np.finfo(dtype).dtype
    r = jnp.sqrt(2 * random.uniform(key_r, shape, real)).astype(dtype)
    theta = 2 * np.pi * random.uniform(key_theta, shape, real).astype(dtype)
    return r * jnp.exp(1j * theta)


def _complex_truncated_normal(key, upper, shape, dtype):
    """A complex normal of variance 1 whose modulus is truncated to `upper`."""
    key_r, key_theta = random.split(key)
    real = np.finfo(dtype).dtype
    t = ((1 - jnp.exp(jnp.array(-(upper ** 2), dtype)))
         * random.uniform(key_r, shape, real).astype(dtype))
    r = jnp.sqrt(-jnp.log(1 - t))
    theta = 2 * np.pi * random.uniform(key_theta, shape, real).astype(dtype)
    return r * jnp.exp(1j * theta)


_MODES = ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
_DISTRIBUTIONS = ("truncated_normal", "normal", "uniform")
# the standard deviation of a standard normal truncated to (-2, 2), and of a complex one
# whose modulus is truncated to 2
_TRUNC_STD, _COMPLEX_TRUNC_STD = .87962566103423978, .95311164380491208


def variance_scaling(scale, mode, distribution, in_axis=-2, out_axis=-1, batch_axis=(),
                     dtype=None):
    """An initializer with variance scale / n, n from the weight's shape by `mode`:
    "fan_in", "fan_out", "fan_avg" (their mean) or "fan_geo_avg" (their geometric mean).
    `distribution`: "truncated_normal" (at 2 standard deviations, rescaled to keep the
    variance), "normal" or "uniform" (an interval; a disk for complex dtypes). Axes other
    than in_axis, out_axis and batch_axis form the receptive field."""
    if mode not in _MODES:
        raise ValueError(f"invalid mode for variance scaling initializer: {mode}; expected "
                         f"one of {_MODES}")
    if distribution not in _DISTRIBUTIONS:
        raise ValueError(f"invalid distribution for variance scaling initializer: "
                         f"{distribution}; expected one of {_DISTRIBUTIONS}")

    def init(key, shape, dtype=dtype, out_sharding=None):
        _no_sharding("variance_scaling", out_sharding)
        shape = _shape("variance_scaling", shape)
        dtype = _dtype("variance_scaling", dtype)
        fan_in, fan_out = _compute_fans(shape, in_axis, out_axis, batch_axis)
        denominator = {"fan_in": fan_in, "fan_out": fan_out,
                       "fan_avg": (fan_in + fan_out) / 2,
                       "fan_geo_avg": (fan_in * fan_out) ** 0.5}[mode]
        variance = jnp.array(scale / denominator, dtype=dtype)
        is_complex = dtypes.kind(dtype) == "c"
        if distribution == "truncated_normal":
            if is_complex:
                stddev = jnp.sqrt(variance) / jnp.array(_COMPLEX_TRUNC_STD, dtype)
                return _complex_truncated_normal(key, 2, shape, dtype) * stddev
            stddev = jnp.sqrt(variance) / jnp.array(_TRUNC_STD, dtype)
            return random.truncated_normal(key, -2, 2, shape, dtype) * stddev
        if distribution == "normal":
            return random.normal(key, shape, dtype) * jnp.sqrt(variance)
        if is_complex:
            return _complex_uniform(key, shape, dtype) * jnp.sqrt(variance)
        return random.uniform(key, shape, dtype, -1) * jnp.sqrt(3 * variance)
    return init


def _specialization(name, scale, mode, distribution):
    def builder(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None):
        return variance_scaling(scale, mode, distribution, in_axis=in_axis,
                                out_axis=out_axis, batch_axis=batch_axis, dtype=dtype)
    builder.__name__ = builder.__qualname__ = name
    builder.__doc__ = (f"variance_scaling({scale}, {mode!r}, {distribution!r}) with the given "
                       "axes and dtype.")
    return builder


glorot_uniform = xavier_uniform = _specialization("glorot_uniform", 1.0, "fan_avg", "uniform")
glorot_normal = xavier_normal = _specialization("glorot_normal", 1.0, "fan_avg",
                                                "truncated_normal")
lecun_uniform = _specialization("lecun_uniform", 1.0, "fan_in", "uniform")
lecun_normal = _specialization("lecun_normal", 1.0, "fan_in", "truncated_normal")
he_uniform = kaiming_uniform = _specialization("he_uniform", 2.0, "fan_in", "uniform")
he_normal = kaiming_normal = _specialization("he_normal", 2.0, "fan_in", "truncated_normal")


def orthogonal(scale=1.0, column_axis=-1, dtype=None):
    """An initializer of (semi-)orthogonal matrices, uniformly distributed, times `scale`:
    the weight is viewed as a matrix whose columns run along `column_axis`; its rows or
    its columns, whichever are fewer, are orthonormal."""
    def init(key, shape, dtype=dtype, out_sharding=None):
        _no_sharding("orthogonal", out_sharding)
        shape = _shape("orthogonal", shape)
        dtype = _dtype("orthogonal", dtype)
        if len(shape) < 2:
            raise ValueError(f"orthogonal initializer requires at least a 2D shape, got "
                             f"{shape}")
        if 0 in shape:
            return jnp.zeros(shape, dtype)
        n_cols = shape[column_axis]
        n_rows = math.prod(shape) // n_cols
        q = random.orthogonal(key, n_rows, (), dtype, n_cols)
        q = jnp.reshape(q, tuple(np.delete(shape, column_axis)) + (n_cols,))
        return jnp.array(scale, dtype) * jnp.moveaxis(q, -1, column_axis)
    return init


def delta_orthogonal(scale=1.0, column_axis=-1, dtype=None):
    """An initializer of delta-orthogonal convolution kernels
    (https://arxiv.org/abs/1806.05393): zero but for an orthogonal matrix (of the last two
    axes) at the spatial centre. The shape must be 3D, 4D or 5D with shape[-2] <=
    shape[-1]."""
    def init(key, shape, dtype=dtype, out_sharding=None):
        _no_sharding("delta_orthogonal", out_sharding)
        shape = _shape("delta_orthogonal", shape)
        dtype = _dtype("delta_orthogonal", dtype)
        if len(shape) not in (3, 4, 5):
            raise ValueError(f"Delta orthogonal initializer requires a 3D, 4D or 5D shape, "
                             f"got {shape}")
        if shape[-1] < shape[-2]:
            raise ValueError(f"delta_orthogonal: `fan_in` must be less or equal than "
                             f"`fan_out`, got shape {shape}")
        matrix = orthogonal(scale=scale, column_axis=column_axis, dtype=dtype)(key, shape[-2:])
        centre = tuple((k - 1) // 2 for k in shape[:-2])
        return jnp.zeros(shape, dtype).at[centre].set(matrix)
    return init
