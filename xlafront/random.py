"""xlafront.random: JAX's `jax.random`, bit for bit.

Keys and samples are those of JAX's default implementation, threefry2x32 with
`jax_threefry_partitionable` (JAX 0.10's default): the same seed, shapes, dtypes and call
sequence give the same bits. Every sampler is written as JAX writes it (the same lax
operations in the same order), over the threefry2x32 primitive of `lax/prng.py`. That
holds for what a program computes at run time: where a float parameter is a constant of a
jitted program (`jit(lambda k: gamma(k, 2.5))`), XLA constant-folds and reassociates the
arithmetic around it, and as the two libraries' programs differ in structure, the last bits
can then differ (JAX's own result also changes between a constant and an argument there).

Two kinds of key, as in JAX:

* raw keys, `PRNGKey(seed)`: uint32 arrays whose last dimension is 2 (the key data);
* typed keys, `key(seed)`: `PRNGKeyArray`, whose dtype is `key<fry>`
  (`issubdtype(k.dtype, dtypes.prng_key)`), with the shape of the key array alone.

Functions returning keys (split, fold_in, clone) return the kind they are given. A typed
key is a pytree node over its key data, so it passes through jit, vmap (on non-negative
axes), scan and grad as that data does; unlike JAX's, `tree_leaves(key)` gives the data.

    >>> import xlafront as jax
    >>> k1, k2 = jax.random.split(jax.random.key(0))
    >>> jax.random.normal(k1, (3,))
"""
import math
from collections.abc import Sequence

import numpy as np

from . import core, dtypes, lax
from . import numpy as jnp
from .numpy import linalg as jnp_linalg
from .numpy._einsum import einsum
from .core import ShapedArray, Tracer, bind, concrete_or_error, concrete_shape, get_aval
from .custom_derivatives import stop_gradient
from .devices import default_backend
from .dispatch import eager, scalar_array
from .errors import api_boundary
from .interpreters import ad, batching
from .interpreters import lowering as L
from .lax.base import primitive
from .lax.prng import iota_2x32_shape, threefry2x32
from .tree import register_pytree_node
from .vmap import vmap

__all__ = [
    "PRNGKey", "ball", "bernoulli", "beta", "binomial", "bits", "categorical", "cauchy",
    "chisquare", "choice", "clone", "dirichlet", "double_sided_maxwell", "exponential", "f",
    "fold_in", "gamma", "generalized_normal", "geometric", "gumbel", "key", "key_data",
    "key_dtype", "key_impl", "laplace", "loggamma", "logistic", "lognormal", "maxwell",
    "multinomial", "multivariate_normal", "normal", "orthogonal", "pareto", "permutation",
    "poisson", "rademacher", "randint", "random_gamma_p", "rayleigh", "split", "t",
    "triangular", "truncated_normal", "uniform", "wald", "weibull_min", "wrap_key_data",
]

_U32 = np.dtype(np.uint32)
_UINTS = {8: np.dtype(np.uint8), 16: np.dtype(np.uint16), 32: _U32, 64: np.dtype(np.uint64)}
_IMPL = "threefry2x32"  # the one implementation; JAX's others are refused by name
_OTHER_IMPLS = ("threefry4x32", "rbg", "unsafe_rbg", "philox2x32", "philox4x32")


# ---------------------------------------------------------------------------------------
# Typed keys: the key<fry> dtype and PRNGKeyArray

class KeyTy:
    """The dtype of typed threefry2x32 keys, `key<fry>` (JAX's `KeyTy`): an extended dtype,
    so `issubdtype(k.dtype, dtypes.prng_key)` holds."""
    type = dtypes.prng_key
    name = "key<fry>"
    itemsize = 8  # two uint32 words
    _impl = _IMPL

    def __repr__(self):
        return self.name

    def __eq__(self, other):
        return type(other) is KeyTy

    def __hash__(self):
        return hash(KeyTy)


class PRNGKeyArray:
    """An array of typed PRNG keys: `shape` is that of the key array, `dtype` is key<fry>;
    `_base` holds the uint32 key data, of shape `shape + (2,)`. Keys support indexing,
    iteration, reshaping and comparison, not arithmetic; `key_data(k)` gives the data."""
    __slots__ = ("_base",)
    __array_priority__ = 100
    __hash__ = None

    def __init__(self, base):
        self._base = base

    @property
    def shape(self):
        return tuple(get_aval(self._base).shape[:-1])

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return math.prod(self.shape)

    @property
    def dtype(self):
        return KeyTy()

    @property
    def itemsize(self):
        return KeyTy.itemsize

    @property
    def nbytes(self):
        return self.itemsize * self.size

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d key array")
        return (self[i] for i in range(self.shape[0]))

    def __getitem__(self, index):
        # a trailing full slice keeps the key data whole whatever the index holds
        index = index if isinstance(index, tuple) else (index,)
        return PRNGKeyArray(self._base[(*index, slice(None))])

    def reshape(self, *shape, order="C"):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], Sequence) else shape
        shape = np.empty(self.shape, dtype=[]).reshape(shape).shape  # resolves a -1
        return PRNGKeyArray(jnp.reshape(self._base, (*shape, 2), order=order))

    def ravel(self, order="C"):
        return self.reshape(-1, order=order)

    flatten = ravel

    def squeeze(self, axis=None):
        axes = range(self.ndim) if axis is None else np.atleast_1d(axis)
        axes = tuple(a % self.ndim for a in axes if axis is not None or self.shape[a] == 1)
        return PRNGKeyArray(jnp.squeeze(self._base, axes))

    def transpose(self, *axes):
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], Sequence) else axes
        axes = tuple(range(self.ndim))[::-1] if not axes or axes == (None,) else axes
        return PRNGKeyArray(jnp.transpose(self._base, (*(a % self.ndim for a in axes),
                                                       self.ndim)))

    @property
    def T(self):
        return self.transpose()

    def copy(self):
        return PRNGKeyArray(self._base.copy())

    def block_until_ready(self):
        self._base.block_until_ready()
        return self

    def __eq__(self, other):
        if not isinstance(other, PRNGKeyArray):
            return NotImplemented
        return jnp.all(self._base == other._base, axis=-1)

    def __ne__(self, other):
        if not isinstance(other, PRNGKeyArray):
            return NotImplemented
        return jnp.any(self._base != other._base, axis=-1)

    def __bool__(self):
        raise TypeError("key array cannot be converted to boolean.")

    def __array__(self, dtype=None, copy=None):
        raise TypeError("an array with a PRNG key dtype cannot be converted to a NumPy array; "
                        "use jax.random.key_data(keys) for the uint32 key data")

    def __repr__(self):
        return f"Array({self.shape}, dtype={self.dtype.name}) overlaying:\n{self._base}"


register_pytree_node(PRNGKeyArray, lambda k: ((k._base,), None),
                     lambda _, children: PRNGKeyArray(children[0]))


def _is_array(x):
    """An xlafront Array or a tracer (core.aval_handlers holds the Array type once the
    runtime has loaded)."""
    return isinstance(x, Tracer) or type(x) in core.aval_handlers


def _key_data(name, key, allow_batched=False):
    """(uint32 key data, typed): the data of a typed or raw key, or the error JAX's users
    need: a TypeError saying how to make a key, a ValueError for a key array where one key
    is expected."""
    if isinstance(key, PRNGKeyArray):
        data, typed = key._base, True
    else:
        if isinstance(key, np.ndarray):
            key = jnp.asarray(key)
        if not _is_array(key):
            raise TypeError(
                f"{name}: expected a PRNG key, got {type(key).__name__} {key!r}. Make one with "
                f"jax.random.key(seed) (a typed key) or jax.random.PRNGKey(seed) (a raw "
                f"uint32[2] key), and new ones from it with jax.random.split or fold_in")
        aval = get_aval(key)
        if aval.dtype != _U32 or aval.ndim < 1 or aval.shape[-1] != 2:
            raise TypeError(
                f"{name}: expected a PRNG key, got an array of dtype {aval.dtype.name} and "
                f"shape {aval.shape}; a raw key is a uint32 array whose last dimension is 2, "
                f"as jax.random.PRNGKey(seed) makes (jax.random.key(seed) makes a typed key)")
        data, typed = key, False
    if not allow_batched and get_aval(data).ndim > 1:
        raise ValueError(f"{name} accepts a single key, but was given a key array of shape "
                         f"{get_aval(data).shape[:-1] if typed else get_aval(data).shape} "
                         f"!= (). Use jax.vmap for batching.")
    return data, typed


def _keys_like(typed, data):
    return PRNGKeyArray(data) if typed else data


def _resolve_impl(name, impl, dtype=None):
    if dtype is not None:
        if impl is not None:
            raise ValueError(f"Cannot specify both `impl` and `dtype` arguments to "
                             f"jax.random.{name}")
        impl = dtype
    if impl is None or impl == _IMPL or isinstance(impl, KeyTy):
        return _IMPL
    if impl in _OTHER_IMPLS:
        raise NotImplementedError(f"{name}: the PRNG implementation {impl!r} is not "
                                  f"supported by xlafront; only {_IMPL!r} is")
    if isinstance(impl, str):
        raise ValueError(f'unrecognized PRNG implementation "{impl}". Did you mean one of: '
                         f'"{_IMPL}"?')
    raise TypeError(f"unrecognized type {type(impl)} for specifying PRNG implementation.")


# ---------------------------------------------------------------------------------------
# Key operations on key data (uint32[..., 2])

def _halves(keys):
    """(k1, k2): the two words of key data, each of the key array's shape."""
    ndim = get_aval(keys).ndim
    return [lax.squeeze(lax.slice_in_dim(keys, i, i + 1, axis=ndim - 1), (ndim - 1,))
            for i in (0, 1)]


def _stack_words(w1, w2):
    ndim = get_aval(w1).ndim
    return lax.concatenate([lax.expand_dims(w1, (ndim,)), lax.expand_dims(w2, (ndim,))], ndim)


def _unstack(keys):
    """The keys of a key-data array of shape (n, 2), as n key data arrays."""
    return [lax.squeeze(lax.slice_in_dim(keys, i, i + 1), (0,))
            for i in range(get_aval(keys).shape[0])]


@eager
def _seed(seed):
    """threefry_seed: (high 32 bits, low 32 bits) of an integer scalar."""
    width = get_aval(seed).dtype.itemsize
    low = lax.convert_element_type(seed, _U32)
    high = (lax.convert_element_type(lax.shift_right_logical(seed, np.array(32, seed.dtype)),
                                     _U32) if width == 8 else lax.full((), 0, _U32))
    return _stack_words(high, low)


@eager(static_argnums=1)
def _split(key, shape):
    k1, k2 = _halves(key)
    return _stack_words(*threefry2x32(k1, k2, *iota_2x32_shape(shape)))


@eager
def _fold_in(key, data):
    k1, k2 = _halves(key)
    return _stack_words(*threefry2x32(k1, k2, lax.full((), 0, _U32), data))


@eager(static_argnums=(1, 2))
def _bits(key, bit_width, shape):
    k1, k2 = _halves(key)
    bits1, bits2 = threefry2x32(k1, k2, *iota_2x32_shape(shape))
    dtype = _UINTS[bit_width]
    if bit_width == 64:
        high, low = (lax.convert_element_type(b, dtype) for b in (bits1, bits2))
        return lax.bitwise_or(lax.shift_left(high, np.uint64(32)), low)
    bits = lax.bitwise_xor(bits1, bits2)
    return bits if bit_width == 32 else lax.convert_element_type(bits, dtype)


def _seed_data(name, seed):
    if isinstance(seed, PRNGKeyArray):
        raise TypeError(f"{name} accepts a scalar seed, but was given a PRNG key.")
    if isinstance(seed, int):  # as JAX: a Python int is an int64 wrapped to the int width
        seed = np.int64(seed)
        seed = seed if dtypes.x64_enabled() else seed.astype(np.int32)
    seed = seed if _is_array(seed) else jnp.asarray(seed)
    aval = get_aval(seed)
    if aval.ndim:
        raise TypeError(f"{name} accepts a scalar seed, but was given an array of shape "
                        f"{aval.shape} != (). Use jax.vmap for batching")
    if dtypes.kind(aval.dtype) not in "iu":
        raise TypeError(f"{name}: PRNG key seed must be an integer; got a value of dtype "
                        f"{aval.dtype.name}")
    return _seed(seed)


@api_boundary
def PRNGKey(seed, *, impl=None):
    """A raw (legacy) PRNG key from an integer seed: a uint32 array of shape (2,), the seed's
    high and low 32 bits (a Python int counts as int64, wrapped to 32 bits with x64 off)."""
    _resolve_impl("PRNGKey", impl)
    return _seed_data("PRNGKey", seed)


@api_boundary
def key(seed, *, impl=None, dtype=None):
    """A typed PRNG key (dtype key<fry>, shape ()) from an integer seed; its data is
    `PRNGKey(seed)`."""
    _resolve_impl("key", impl, dtype)
    return PRNGKeyArray(_seed_data("key", seed))


@api_boundary
def key_data(keys):
    """The uint32 key data under a key array (a raw key is its own data)."""
    return _key_data("key_data", keys, allow_batched=True)[0]


@api_boundary
def wrap_key_data(key_bits_array, *, impl=None, dtype=None):
    """A typed key array over uint32 key data whose last dimension is 2."""
    _resolve_impl("wrap_key_data", impl, dtype)
    if isinstance(key_bits_array, PRNGKeyArray):
        raise TypeError("wrap_key_data: got a typed key array; it takes uint32 key data "
                        "(jax.random.key_data(keys) gives it)")
    data, _ = _key_data("wrap_key_data", key_bits_array, allow_batched=True)
    return PRNGKeyArray(data)


@api_boundary
def key_impl(keys):
    """The name of a key array's PRNG implementation: 'threefry2x32'."""
    _key_data("key_impl", keys, allow_batched=True)
    return _IMPL


def key_dtype(impl=None):
    """The dtype of typed keys of a PRNG implementation (key<fry> for threefry2x32)."""
    _resolve_impl("key_dtype", impl)
    return KeyTy()


@api_boundary
def split(key, num=2):
    """`num` new keys (an int or a shape) from one key, along new leading axes."""
    data, typed = _key_data("split", key)
    shape = tuple(num) if isinstance(num, Sequence) else (num,)
    return _keys_like(typed, _split(data, concrete_shape(shape, "split")))


@api_boundary
def fold_in(key, data):
    """A new key from a key and a 32-bit integer (a scalar)."""
    keys, typed = _key_data("fold_in", key)
    if np.ndim(data) if not _is_array(data) else get_aval(data).ndim:
        raise TypeError(f"fold_in accepts a scalar, but was given an array of shape "
                        f"{np.shape(data) if not _is_array(data) else get_aval(data).shape} "
                        f"!= (). Use jax.vmap for batching.")
    return _keys_like(typed, _fold_in(keys, jnp.asarray(data, dtype=_U32)))


@api_boundary
def clone(key):
    """The key itself (JAX's clone marks a key as reusable for its key-reuse checker, which
    xlafront does not have)."""
    data, typed = _key_data("clone", key, allow_batched=True)
    return _keys_like(typed, data)


# ---------------------------------------------------------------------------------------
# Argument checks

def _param(x):
    """A sampler parameter as an array: Python scalars as weakly typed (cached) device
    scalars, so arithmetic on them is in the sampler's dtype as in JAX's jitted samplers."""
    if type(x) in (bool, int, float, complex):
        return scalar_array(x)
    return x if _is_array(x) else jnp.asarray(x)


def _shape_of(x):
    return get_aval(x).shape


def _check_shape(name, shape, *param_shapes):
    """ValueError unless the parameters broadcast to `shape` exactly."""
    try:
        result = np.broadcast_shapes(shape, *param_shapes)
    except ValueError:
        result = None
    if result != tuple(shape):
        raise ValueError(f"{name}: parameter shapes {', '.join(map(str, param_shapes))} must "
                         f"be broadcast-compatible with the shape argument {tuple(shape)}, "
                         f"and broadcast to it; got "
                         f"{'incompatible shapes' if result is None else f'result {result}'}")


def _broadcast_shapes(name, *shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"{name}: parameter shapes {', '.join(map(str, shapes))} are not "
                         f"broadcast-compatible") from None


def _sample_shape(name, shape, *params):
    """JAX's _check_broadcast_shapes: `shape` checked against the parameters, or by default
    their broadcast shape."""
    shapes = [_shape_of(p) for p in params]
    if shape is None:
        return _broadcast_shapes(name, *shapes) if shapes else ()
    shape = concrete_shape(shape, name)
    _check_shape(name, shape, *shapes)
    return shape


def _dtype(name, dtype, kinds, default=float, what="a float"):
    dtype = dtypes.check_dtype(default if dtype is None else dtype, name)
    if dtypes.kind(dtype) not in kinds:
        raise ValueError(f"dtype argument to `{name}` must be {what} dtype, got {dtype.name}")
    return dtype


def _check_safe_casts(name, dtype, *args):
    for a in args:
        if dtypes.result_type(a, dtype) != dtype:
            raise dtypes.TypePromotionError(
                f"In arguments to {name}, cannot safely cast argument of type "
                f"{get_aval(a).dtype.name} to {dtype.name}")


def _sampler_args(name, key, shape, dtype, *params):
    """(key data, float dtype, sample shape, params as arrays): the checks a float sampler
    with parameters starts with."""
    data, _ = _key_data(name, key)
    dtype = _dtype(name, dtype, "f")
    params = [_param(p) for p in params]
    shape = _sample_shape(name, shape, *params)
    _check_safe_casts(name, dtype, *params)
    return data, dtype, shape, params


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


# ---------------------------------------------------------------------------------------
# gamma: Marsaglia-Tsang rejection sampling per value, with JAX's implicit
# reparameterization gradient

def _gamma_one(key, alpha, log_space):
    """One Gamma(alpha) sample (its log with log_space) from one key (Marsaglia and Tsang,
    "A simple method for generating gamma variables", 2000)."""
    dtype = get_aval(alpha).dtype
    const = lambda v: np.array(v, dtype)  # noqa: E731
    zero, one, minus_one = const(0), const(1), const(-1)
    one_over_three = const(1. / 3.)
    # alpha < 1: sample Gamma(alpha + 1) and scale by Uniform() ** (1 / alpha) (in log
    # space when asked: for tiny alpha that power underflows)
    boost_mask = lax.ge(alpha, one)
    alpha_orig = alpha
    alpha = lax.select(boost_mask, alpha, lax.add(alpha, one))
    d = lax.sub(alpha, one_over_three)
    c = lax.div(one_over_three, lax.sqrt(d))

    def cond_fn(state):
        _, X, V, U = state
        # accept when U < 1 - 0.0331 X^2 or log U < X/2 + d (1 - V + log V)
        return lax.bitwise_and(
            lax.ge(U, lax.sub(one, lax.mul(const(0.0331), lax.mul(X, X)))),
            lax.ge(lax.log(U), lax.add(lax.mul(X, const(0.5)),
                                       lax.mul(d, lax.add(lax.sub(one, V), lax.log(V))))))

    def next_kxv(kxv):
        key, subkey = _unstack(_split(kxv[0], (2,)))
        x = _normal(subkey, (), dtype)
        return key, x, lax.add(one, lax.mul(x, c))

    def body_fn(state):
        key, x_key, u_key = _unstack(_split(state[0], (3,)))
        _, x, v = lax.while_loop(lambda kxv: lax.le(kxv[2], zero), next_kxv,
                                 (x_key, zero, minus_one))
        return key, lax.mul(x, x), lax.mul(lax.mul(v, v), v), _uniform(u_key, 0., 1., (), dtype)

    key, subkey = _unstack(_split(key, (2,)))
    _, _, V, _ = lax.while_loop(cond_fn, body_fn, (key, zero, one, const(2)))
    if log_space:
        log_samples = lax.neg(_exponential(subkey, (), dtype))
        log_boost = lax.select(lax.bitwise_or(boost_mask, log_samples == 0), zero,
                               lax.mul(log_samples, lax.div(one, alpha_orig)))
        return lax.add(lax.add(lax.log(d), lax.log(V)), log_boost)
    samples = 1 - _uniform(subkey, 0., 1., (), dtype)
    boost = lax.select(boost_mask, one, lax.pow(samples, lax.div(one, alpha_orig)))
    return lax.mul(lax.mul(d, V), boost)


def _gamma_impl(key, a, log_space):
    """Samples for every entry of `a`, the key data's leading dims a prefix of a's shape:
    each key is split into one key per entry it covers."""
    a_shape = get_aval(a).shape
    key_shape = get_aval(key).shape[:-1]
    if not math.prod(a_shape):
        return lax.full(a_shape, 0, get_aval(a).dtype)
    split_count = math.prod(a_shape[len(key_shape):])
    keys = lax.reshape(key, (math.prod(key_shape), 2))
    keys = vmap(lambda k: _split(k, (split_count,)))(keys)
    keys = lax.reshape(keys, (math.prod(a_shape), 2))
    samples = vmap(lambda k, alpha: _gamma_one(k, alpha, log_space))(
        keys, lax.reshape(a, (math.prod(a_shape),)))
    return lax.reshape(samples, a_shape)


def _gamma_abstract(key, a, log_space):
    if key.dtype != _U32 or key.ndim < 1 or key.shape[-1] != 2:
        raise TypeError(f"random_gamma: the key operand must be uint32 key data of shape "
                        f"(..., 2), got {key.dtype.name}{list(key.shape)}")
    if a.shape[:key.ndim - 1] != key.shape[:-1]:
        raise TypeError(f"random_gamma: the keys' shape {key.shape[:-1]} must prefix the shape "
                        f"of a, {a.shape}")
    if dtypes.kind(a.dtype) != "f":
        raise TypeError(f"random_gamma: a must be floating, got {a.dtype.name}")
    return [ShapedArray(a.shape, a.dtype)]


random_gamma_p = primitive("random_gamma", _gamma_abstract, L.lower_fun(_gamma_impl))


def _gamma_batch(vals, dims, log_space):
    key, a = vals
    size = batching.batch_size_of(vals, dims)
    key, a = (batching.bdim_at_front(x, d, size) for x, d in zip(vals, dims))
    return [bind(random_gamma_p, key, a, log_space=log_space)], [0]


batching.primitive_batchers[random_gamma_p] = _gamma_batch


def _gamma_grad(sample, a, log_space):
    """d sample / d a at fixed CDF value (the implicit reparameterization gradient), from
    the sample (its log with log_space)."""
    samples, alphas = jnp.reshape(sample, -1), jnp.reshape(a, -1)
    if log_space:
        # d log(x) / da = (dx / da) / x; a sample that underflowed to 0 counts as tiny
        samples = lax.exp(samples)
        samples = jnp.where(samples == 0, dtypes.finfo(samples.dtype).tiny, samples)
        grad = lambda alpha, x: _random_gamma_grad(alpha, x) / x  # noqa: E731
    else:
        grad = _random_gamma_grad
    if default_backend() == "cpu":
        # one value at a time, as JAX on CPU: XLA's vectorized log and exp round
        # differently from the scalar ones, and these are JAX's bits
        grads = lax.map(lambda args: grad(*args), (alphas, samples))
    else:
        grads = vmap(grad)(alphas, samples)
    return grads.reshape(get_aval(a).shape)


ad.defjvp2(random_gamma_p, None,
           lambda g, ans, key, a, log_space: g * _gamma_grad(ans, a, log_space))


def _random_gamma_grad(a, x):
    """JAX's lax.random_gamma_grad: -(dF(x; a) / da) / f(x; a) for the Gamma CDF F and
    density f, by the series (x <= 1 or x <= a) or the continued fraction of the
    incomplete gamma function (computed in float32 for 16-bit floats)."""
    dtype = get_aval(a).dtype
    if dtype.itemsize < 4:
        return _random_gamma_grad(a.astype(np.float32), x.astype(np.float32)).astype(dtype)
    is_nan = jnp.isnan(a) | jnp.isnan(x)
    x_is_zero = x == 0
    domain_error = (x < 0) | (a <= 0)
    use_igammac = (x > 1) & (x > a)
    ax = a * lax.log(x) - x - lax.lgamma(a)
    underflow = ax < -np.log(dtypes.finfo(dtype).max)
    ax = lax.exp(ax)
    enabled = ~(x_is_zero | domain_error | underflow | is_nan)
    output = jnp.where(use_igammac,
                       -_igammac_continued_fraction(ax, x, a, enabled & use_igammac, dtype),
                       _igamma_series(ax, x, a, enabled & ~use_igammac, dtype))
    output = jnp.where(x_is_zero, 0, output)
    return jnp.where(domain_error | is_nan, np.nan, output).astype(dtype)


def _igamma_series(ax, x, a, enabled, dtype):
    """The series of the lower incomplete gamma function and its a-derivative, as the
    sample derivative."""
    eps = dtypes.finfo(dtype).eps

    def body_fn(vals):
        enabled, r, c, ans, x, dc_da, dans_da = vals
        r = r + 1
        dc_da = dc_da * (x / r) - (c * x) / (r * r)
        dans_da = dans_da + dc_da
        c = c * (x / r)
        ans = ans + c
        conditional = enabled & (jnp.abs(dc_da / dans_da) > eps)
        return (conditional, *(jnp.where(enabled, new, old) for new, old in
                               zip((r, c, ans, x, dc_da, dans_da), vals[1:])))

    ones, zeros = jnp.ones_like(a), jnp.zeros_like(a)
    vals = lax.while_loop(lambda vals: jnp.any(vals[0]), body_fn,
                          (enabled, a, ones, ones, x, zeros, zeros))
    ans, dans_da = vals[3], vals[6]
    dlogax_da = lax.log(x) - lax.digamma(a + 1)
    return -(dans_da + ans * dlogax_da) * x / a


def _igammac_continued_fraction(ax, x, a, enabled, dtype):
    """The continued fraction of the upper incomplete gamma function and its a-derivative,
    as the sample derivative."""
    eps = dtypes.finfo(dtype).eps

    def body_fn(vals):
        (enabled, ans, t, y, z, c, pkm1, qkm1, pkm2, qkm2,
         dpkm2_da, dqkm2_da, dpkm1_da, dqkm1_da, dans_da) = vals
        c = c + 1
        y = y + 1
        z = z + 2
        yc = y * c
        pk = pkm1 * z - pkm2 * yc
        qk = qkm1 * z - qkm2 * yc
        qk_is_nonzero = qk != 0
        r = pk / qk
        t = jnp.where(qk_is_nonzero, jnp.abs((ans - r) / r), 1)
        ans = jnp.where(qk_is_nonzero, r, ans)
        dpk_da = dpkm1_da * z - pkm1 - dpkm2_da * yc + pkm2 * c
        dqk_da = dqkm1_da * z - qkm1 - dqkm2_da * yc + qkm2 * c
        dans_da_new = jnp.where(qk_is_nonzero, (dpk_da - ans * dqk_da) / qk, dans_da)
        grad_conditional = jnp.where(qk_is_nonzero, jnp.abs(dans_da_new - dans_da), 1)
        pkm2, pkm1, qkm2, qkm1 = pkm1, pk, qkm1, qk
        dpkm2_da, dqkm2_da, dpkm1_da, dqkm1_da = dpkm1_da, dqkm1_da, dpk_da, dqk_da
        rescale = jnp.abs(pk) > 1 / eps  # keep the convergents in range
        pkm2, pkm1, qkm2, qkm1, dpkm2_da, dqkm2_da, dpkm1_da, dqkm1_da = (
            jnp.where(rescale, v * eps, v) for v in
            (pkm2, pkm1, qkm2, qkm1, dpkm2_da, dqkm2_da, dpkm1_da, dqkm1_da))
        conditional = enabled & (grad_conditional > eps)
        new = (ans, t, y, z, c, pkm1, qkm1, pkm2, qkm2, dpkm2_da, dqkm2_da, dpkm1_da,
               dqkm1_da, dans_da_new)
        return (conditional, *(v if i == 4 else jnp.where(enabled, v, old)
                               for i, (v, old) in enumerate(zip(new, vals[1:]))))

    y = 1 - a
    z = x + y + 1
    pkm1, qkm1 = x + 1, z * x
    ans = pkm1 / qkm1
    zeros = jnp.zeros_like(x)
    dqkm1_da = -x
    dans_da = (zeros - ans * dqkm1_da) / qkm1
    init = (enabled, ans, jnp.ones_like(x), y, z, jnp.zeros_like(x), pkm1, qkm1,
            jnp.ones_like(x), x, zeros, zeros, zeros, dqkm1_da, dans_da)
    vals = lax.while_loop(lambda v: (v[5] < 2000) & jnp.any(v[0]), body_fn, init)
    ans, dans_da = vals[1], vals[14]
    dlogax_da = lax.log(x) - lax.digamma(a)
    return -(dans_da + ans * dlogax_da) * x


def _gamma_public(name, log_space, doc):
    def sampler(key, a, shape=None, dtype=None):
        data, _ = _key_data(name, key)
        dtype = _dtype(name, dtype, "f")
        a = _param(a)
        return _gamma(data, a, _sample_shape(name, shape, a), dtype, log_space)
    sampler.__name__ = sampler.__qualname__ = name
    sampler.__doc__ = doc
    return api_boundary(sampler)


@eager(static_argnums=(2, 3, 4))
def _gamma(key, a, shape, dtype, log_space):
    a = lax.convert_element_type(a, dtype)
    if get_aval(a).shape != shape:
        a = jnp.broadcast_to(a, shape)
    return bind(random_gamma_p, key, a, log_space=log_space)


gamma = _gamma_public("gamma", False, """Gamma(a, 1) values, differentiable in `a` (implicit
reparameterization: d sample / d a = -(dCDF/da) / density at the sample, as JAX).""")
loggamma = _gamma_public("loggamma", True, """log of Gamma(a, 1) values, computed in log space
(accurate for small a), differentiable in `a` as gamma is.""")


def _loggamma(key, a, shape, dtype):
    return _gamma(key, a, shape, dtype, True)


@api_boundary
def beta(key, a, b, shape=None, dtype=None):
    """Beta(a, b) values."""
    data, _ = _key_data("beta", key)
    dtype = _dtype("beta", dtype, "f")
    a, b = _param(a), _param(b)
    _check_safe_casts("beta", dtype, a, b)
    shape = _sample_shape("beta", shape, a, b)
    return _beta(data, a, b, shape, dtype)


@eager(static_argnums=(3, 4))
def _beta(key, a, b, shape, dtype):
    a = jnp.broadcast_to(lax.convert_element_type(a, dtype), shape)
    b = jnp.broadcast_to(lax.convert_element_type(b, dtype), shape)
    key_a, key_b = _unstack(_split(key, (2,)))
    log_gamma_a = _loggamma(key_a, a, shape, dtype)
    log_gamma_b = _loggamma(key_b, b, shape, dtype)
    # gamma_a / (gamma_a + gamma_b) without overflow or underflow
    log_max = lax.max(log_gamma_a, log_gamma_b)
    gamma_a_scaled = jnp.exp(log_gamma_a - log_max)
    gamma_b_scaled = jnp.exp(log_gamma_b - log_max)
    return gamma_a_scaled / (gamma_a_scaled + gamma_b_scaled)


@api_boundary
def dirichlet(key, alpha, shape=None, dtype=None):
    """Dirichlet(alpha) values, alpha of shape (..., n); `shape` is the batch shape."""
    data, _ = _key_data("dirichlet", key)
    dtype = _dtype("dirichlet", dtype, "f")
    alpha = _param(alpha)
    if get_aval(alpha).ndim < 1:
        raise ValueError(f"dirichlet requires alpha.ndim >= 1, got alpha.ndim == "
                         f"{get_aval(alpha).ndim}")
    if shape is None:
        shape = alpha.shape[:-1]
    else:
        shape = concrete_shape(shape, "dirichlet")
        _check_shape("dirichlet", shape, alpha.shape[:-1])
    return _dirichlet(data, alpha, shape, dtype)


@eager(static_argnums=(2, 3))
def _dirichlet(key, alpha, shape, dtype):
    alpha = lax.convert_element_type(alpha, dtype)
    # in log space: small alpha makes gamma samples underflow
    x = _loggamma(key, alpha, shape + get_aval(alpha).shape[-1:], dtype)
    x_max = jnp.max(x, -1, initial=-np.inf, keepdims=True)  # softmax(x, -1), as jax.nn's
    unnormalized = jnp.exp(x - stop_gradient(x_max))
    return unnormalized / jnp.sum(unnormalized, -1, keepdims=True)


@api_boundary
def t(key, df, shape=None, dtype=None):
    """Student's t values with df degrees of freedom."""
    data, dtype, shape, (df,) = _sampler_args("t", key, shape, dtype, df)
    return _t(data, df, shape, dtype)


@eager(static_argnums=(2, 3))
def _t(key, df, shape, dtype):
    df = lax.convert_element_type(df, dtype)
    key_n, key_g = _unstack(_split(key, (2,)))
    n = _normal(key_n, shape, dtype)
    half_df = lax.div(df, np.array(2, dtype))
    g = _gamma(key_g, half_df, shape, dtype, False)
    return n * jnp.sqrt(half_df / g)


@api_boundary
def chisquare(key, df, shape=None, dtype=None):
    """Chi-square values with df degrees of freedom."""
    data, dtype, shape, (df,) = _sampler_args("chisquare", key, shape, dtype, df)
    return _chisquare(data, df, shape, dtype)


@eager(static_argnums=(2, 3))
def _chisquare(key, df, shape, dtype):
    df = lax.convert_element_type(df, dtype)
    two = np.array(2, dtype)
    log_g = _loggamma(key, lax.div(df, two), shape, dtype)
    return lax.mul(jnp.exp(log_g), two)


@api_boundary
def f(key, dfnum, dfden, shape=None, dtype=None):
    """F-distribution values with dfnum and dfden degrees of freedom."""
    data, dtype, shape, (dfnum, dfden) = _sampler_args("f", key, shape, dtype, dfnum, dfden)
    return _f(data, dfnum, dfden, shape, dtype)


@eager(static_argnums=(3, 4))
def _f(key, dfnum, dfden, shape, dtype):
    dfden = lax.convert_element_type(dfden, dtype)
    dfnum = lax.convert_element_type(dfnum, dtype)
    key_dfd, key_dfn = _unstack(_split(key, (2,)))
    chi2_dfn = _chisquare(key_dfn, dfnum, shape, dtype)
    chi2_dfd = _chisquare(key_dfd, dfden, shape, dtype)
    return lax.div(lax.div(chi2_dfn, dfnum), lax.div(chi2_dfd, dfden))


@api_boundary
def generalized_normal(key, p, shape=(), dtype=None):
    """Generalized normal values of power p (density ~ exp(-|x|^p))."""
    data, _ = _key_data("generalized_normal", key)
    dtype = dtypes.check_dtype(float if dtype is None else dtype, "generalized_normal")
    return _generalized_normal(data, _param(p), concrete_shape(shape, "generalized_normal"),
                               dtype)


@eager(static_argnums=(2, 3))
def _generalized_normal(key, p, shape, dtype):
    k1, k2 = _unstack(_split(key, (2,)))
    g = _gamma(k1, 1 / p, shape, dtype, False)
    r = _rademacher(k2, shape, dtype)
    return r * g ** (1 / p)


@api_boundary
def ball(key, d, p=2, shape=(), dtype=None):
    """Points uniform in the d-dimensional unit p-norm ball."""
    data, _ = _key_data("ball", key)
    dtype = dtypes.check_dtype(float if dtype is None else dtype, "ball")
    d = int(concrete_or_error(d, "The error occurred in jax.random.ball()").__index__())
    return _ball(data, _param(p), d, concrete_shape(shape, "ball"), dtype)


@eager(static_argnums=(2, 3, 4))
def _ball(key, p, d, shape, dtype):
    k1, k2 = _unstack(_split(key, (2,)))
    g = _generalized_normal(k1, p, (*shape, d), dtype)
    e = _exponential(k2, shape, dtype)
    return g / (((jnp.abs(g) ** p).sum(-1) + e) ** (1 / p))[..., None]


# ---------------------------------------------------------------------------------------
# Discrete counts: poisson, binomial, multinomial

@api_boundary
def poisson(key, lam, shape=None, dtype=None):
    """Poisson values of rate lam (Knuth's method below 10, transformed rejection above)."""
    data, _ = _key_data("poisson", key)
    dtype = _dtype("poisson", dtype, "iu", default=int, what="an integer")
    lam = _param(lam)
    shape = (get_aval(lam).shape if shape is None else concrete_shape(shape, "poisson"))
    lam = lax.convert_element_type(jnp.broadcast_to(lam, shape), np.float32)
    return _poisson(data, lam, shape, dtype)


@eager(static_argnums=(2, 3))
def _poisson(key, lam, shape, dtype):
    use_knuth = jnp.isnan(lam) | (lam < 10)
    lam_knuth = lax.select(use_knuth, lam, jnp.zeros_like(lam))
    # a large rate keeps the rejection sampler's unused values well-defined
    lam_rejection = lax.select(use_knuth, jnp.full_like(lam, 1e5), lam)
    max_iters = dtype.type(dtypes.iinfo(dtype).max)
    result = lax.select(use_knuth, _poisson_knuth(key, lam_knuth, shape, dtype, max_iters),
                        _poisson_rejection(key, lam_rejection, shape, dtype, max_iters))
    return lax.select(lam == 0, jnp.zeros_like(result), result)


def _poisson_knuth(key, lam, shape, dtype, max_iters):
    """Knuth's algorithm: count uniforms until their product drops below exp(-lam)."""
    def body_fn(carry):
        i, k, rng, log_prod = carry
        rng, subkey = _unstack(_split(rng, (2,)))
        k = lax.select(log_prod > -lam, k + 1, k)
        u = _uniform(subkey, 0., 1., shape, np.dtype(np.float32))
        return i + 1, k, rng, log_prod + jnp.log(u)

    def cond_fn(carry):
        i, log_prod = carry[0], carry[3]
        return (log_prod > -lam).any() & (i < max_iters)

    k_init = jnp.zeros(shape, dtype)
    log_rate_init = jnp.zeros(shape, np.float32)
    k = lax.while_loop(cond_fn, body_fn, (0, k_init, key, log_rate_init))[1]
    return (k - 1).astype(dtype)


def _poisson_rejection(key, lam, shape, dtype, max_iters):
    """Hormann's transformed rejection with squeeze (PTRS), for lam >= 10."""
    log_lam = lax.log(lam)
    b = 0.931 + 2.53 * lax.sqrt(lam)
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2)

    def body_fn(carry):
        i, k_out, accepted, key = carry
        key, subkey_0, subkey_1 = _unstack(_split(key, (3,)))
        u = _uniform(subkey_0, 0., 1., shape, lam.dtype) - 0.5
        v = _uniform(subkey_1, 0., 1., shape, lam.dtype)
        u_shifted = 0.5 - jnp.abs(u)
        k = lax.floor((2 * a / u_shifted + b) * u + lam + 0.43)
        s = lax.log(v * inv_alpha / (a / (u_shifted * u_shifted) + b))
        t = -lam + k * log_lam - lax.lgamma(k + 1)
        accept1 = (u_shifted >= 0.07) & (v <= v_r)
        reject = (k < 0) | ((u_shifted < 0.013) & (v > u_shifted))
        accept = accept1 | (~reject & (s <= t))
        return i + 1, lax.select(accept, k, k_out), accepted | accept, key

    def cond_fn(carry):
        i, _, accepted, _ = carry
        return (~accepted).any() & (i < max_iters)

    init = (0, jnp.full(shape, -1, lam.dtype), jnp.zeros(shape, bool), key)
    return lax.while_loop(cond_fn, body_fn, init)[1].astype(dtype)


@api_boundary
def binomial(key, n, p, shape=None, dtype=None):
    """Binomial(n, p) counts, as floats (inversion for n*p <= 10, BTRS rejection above)."""
    data, _ = _key_data("binomial", key)
    dtype = _dtype("binomial", dtype, "f")
    n, p = _param(n), _param(p)
    shape = _sample_shape("binomial", shape, n, p)
    return _binomial(data, n, p, shape, dtype)


def _stirling_approx_tail(k):
    """log(k!) minus its Stirling approximation: a table below 10, a series above."""
    tail_values = jnp.array([
        0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
        0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
        0.00925546218271273, 0.00833056343336287], dtype=k.dtype)
    use_tail_values = k <= 9
    k = lax.clamp(np.array(0.0, k.dtype), k, np.array(9.0, k.dtype))
    kp1sq = (k + 1) * (k + 1)
    approx = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)
    return lax.select(use_tail_values, tail_values[jnp.floor(k).astype(np.int32)], approx)


def _binomial_inversion(key, count, prob, shape, dtype, max_iters):
    """Counts the geometric waiting times that fit in `count` trials."""
    log1minusprob = jnp.log1p(-prob)

    def body_fn(carry):
        i, num_geom, geom_sum, key = carry
        subkey, key = _unstack(_split(key, (2,)))
        num_geom_out = lax.select(geom_sum <= count, num_geom + 1, num_geom)
        u = _uniform(subkey, 0., 1., shape, prob.dtype)
        geom_sum = geom_sum + jnp.ceil(jnp.log(u) / log1minusprob)
        return i + 1, num_geom_out, geom_sum, key

    def cond_fn(carry):
        i, geom_sum = carry[0], carry[2]
        return (geom_sum <= count).any() & (i < max_iters)

    zeros = jnp.zeros(shape, prob.dtype)
    k = lax.while_loop(cond_fn, body_fn, (0, zeros, zeros, key))[1]
    return (k - 1).astype(dtype)


def _btrs(key, count, prob, shape, dtype, max_iters):
    """Hormann's BTRS: transformed rejection with squeeze for binomials."""
    stddev = jnp.sqrt(count * prob * (1 - prob))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * prob
    c = count * prob + 0.5
    v_r = 0.92 - 4.2 / b
    r = prob / (1 - prob)
    alpha = (2.83 + 5.1 / b) * stddev
    m = jnp.floor((count + 1) * prob)

    def body_fn(carry):
        i, k_out, accepted, key = carry
        key, subkey_0, subkey_1 = _unstack(_split(key, (3,)))
        u = _uniform(subkey_0, 0., 1., shape, prob.dtype)
        v = _uniform(subkey_1, 0., 1., shape, prob.dtype)
        u = u - 0.5
        us = 0.5 - jnp.abs(u)
        accept1 = (us >= 0.07) & (v <= v_r)
        k = jnp.floor((2 * a / us + b) * u + c)
        reject = (k < 0) | (k > count)
        v = jnp.log(v * alpha / (a / (us * us) + b))
        ub = ((m + 0.5) * jnp.log((m + 1) / (r * (count - m + 1)))
              + (count + 1) * jnp.log((count - m + 1) / (count - k + 1))
              + (k + 0.5) * jnp.log(r * (count - k + 1) / (k + 1))
              + _stirling_approx_tail(m) + _stirling_approx_tail(count - m)
              - _stirling_approx_tail(k) - _stirling_approx_tail(count - k))
        accept = accept1 | (~reject & (v <= ub))
        return i + 1, lax.select(accept, k, k_out), accepted | accept, key

    def cond_fn(carry):
        i, accepted = carry[0], carry[2]
        return (~accepted).any() & (i < max_iters)

    init = (0, jnp.full(shape, -1, prob.dtype), jnp.full(shape, False, bool), key)
    return lax.while_loop(cond_fn, body_fn, init)[1].astype(dtype)


@eager(static_argnums=(3, 4))
def _binomial(key, count, prob, shape, dtype):
    prob = prob.astype(dtypes.to_inexact(prob.dtype))
    count = jnp.broadcast_to(lax.convert_element_type(count, prob.dtype), shape)
    prob = jnp.broadcast_to(prob, shape)
    p_lt_half = prob < 0.5
    q = lax.select(p_lt_half, prob, 1.0 - prob)  # sample with q <= 1/2, flip at the end
    count_nan_or_neg = jnp.isnan(count) | (count < 0.0)
    count_inf = jnp.isinf(count)
    q_is_nan = jnp.isnan(q)
    q_l_0 = q < 0.0
    q = lax.select(q_is_nan | q_l_0, jnp.full_like(q, 0.01), q)
    use_inversion = count_nan_or_neg | (count * q <= 10.0)
    count = jnp.floor(count)  # a fractional count counts its whole trials
    count_inv = lax.select(use_inversion, count, jnp.zeros_like(count))
    count_btrs = lax.select(use_inversion, jnp.full_like(count, 1e4), count)
    q_btrs = lax.select(use_inversion, jnp.full_like(q, 0.5), q)
    max_iters = dtype.type(dtypes.finfo(dtype).max)
    samples = lax.select(use_inversion,
                         _binomial_inversion(key, count_inv, q, shape, dtype, max_iters),
                         _btrs(key, count_btrs, q_btrs, shape, dtype, max_iters))
    invalid = q_l_0 | q_is_nan | count_nan_or_neg
    samples = lax.select(invalid, jnp.full_like(samples, np.nan, dtype), samples)
    samples = lax.select(count_inf & ~invalid, jnp.full_like(samples, np.inf, dtype), samples)
    return lax.select(p_lt_half | count_nan_or_neg | q_is_nan | count_inf, samples,
                      count.astype(dtype) - samples)


@api_boundary
def multinomial(key, n, p, *, shape=None, dtype=None, unroll=1):
    """Multinomial counts of n trials over categories of probabilities p (the last axis),
    as a sequence of conditional binomials."""
    data, _ = _key_data("multinomial", key)
    dtype = _dtype("multinomial", dtype, "f")
    n, p = _param(n), _param(p)
    inexact = dtypes.to_inexact(dtypes.result_type(n, p))
    n, p = n.astype(inexact), p.astype(inexact)
    shape = p.shape if shape is None else concrete_shape(shape, "multinomial")
    n = jnp.broadcast_to(n, shape[:-1])
    p = jnp.broadcast_to(p, shape)

    def step(remainder, ratio_key):
        ratio, k = ratio_key
        count = _binomial(k, remainder, jnp.clip(ratio, 0, 1), get_aval(remainder).shape,
                          get_aval(remainder).dtype)
        return remainder - count, count

    p = jnp.moveaxis(p, -1, 0)
    remaining_probs = lax.cumsum(p, 0, reverse=True)
    ratios = p / jnp.where(remaining_probs == 0, 1, remaining_probs)
    keys = _split(data, (ratios.shape[0],))
    _, counts = lax.scan(step, n, (ratios, keys), unroll=unroll)
    return jnp.moveaxis(counts, 0, -1).astype(dtype)
