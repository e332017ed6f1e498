"""Keys for xlafront.random: the typed key dtype and PRNGKeyArray, the key operations on
uint32 key data (split, fold_in, bits of the threefry2x32 hash), and the argument checks
every sampler starts with."""
import math
from collections.abc import Sequence

import numpy as np

from .. import core, dtypes, lax
from .. import numpy as jnp
from ..core import Tracer, concrete_shape, get_aval
from ..dispatch import eager, scalar_array
from ..errors import api_boundary
from ..lax.prng import iota_2x32_shape, threefry2x32
from ..tree import register_pytree_node



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
