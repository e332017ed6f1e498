"""Dtypes: the canonical set, JAX's promotion lattice with weak types, and the x64 switch.

A *weak* type is the type of a Python scalar: `x_f16 * 2.0` stays float16 because 2.0 is
a weakly typed float. With x64 off (the default) 64-bit types canonicalize to 32 bits.
"""
import builtins
import functools

import ml_dtypes
import numpy as np

from .config import config
from .errors import warn

# JAX's public names (jax.dtypes); the rest serve the library
__all__ = ["TypePromotionError", "bfloat16", "canonicalize_dtype", "extended", "finfo", "float0",
           "iinfo", "issubdtype", "itemsize_bits", "prng_key", "result_type", "scalar_type_of"]

bool_ = np.dtype(np.bool_)
int8, int16, int32, int64 = map(np.dtype, (np.int8, np.int16, np.int32, np.int64))
uint8, uint16, uint32, uint64 = map(np.dtype, (np.uint8, np.uint16, np.uint32, np.uint64))
float16, float32, float64 = map(np.dtype, (np.float16, np.float32, np.float64))
bfloat16 = np.dtype(ml_dtypes.bfloat16)
complex64, complex128 = np.dtype(np.complex64), np.dtype(np.complex128)
float8_names = ("float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz",
                "float8_e4m3b11fnuz", "float8_e3m4", "float8_e4m3", "float8_e8m0fnu")
float8_dtypes = tuple(np.dtype(getattr(ml_dtypes, n)) for n in float8_names
                      if hasattr(ml_dtypes, n))
float8_by_name = {d.name: d for d in float8_dtypes}
# The 4-bit types, as JAX has them: arrays, conversions and arithmetic among themselves,
# but no implicit promotion to or from another type.
int4, uint4 = np.dtype(ml_dtypes.int4), np.dtype(ml_dtypes.uint4)
float4_e2m1fn = np.dtype(ml_dtypes.float4_e2m1fn)
int4_dtypes = (int4, uint4)

signed_ints = (int8, int16, int32, int64)
unsigned_ints = (uint8, uint16, uint32, uint64)
floats = (*float8_dtypes, float4_e2m1fn, bfloat16, float16, float32, float64)
complexes = (complex64, complex128)
all_dtypes = (bool_, *signed_ints, *unsigned_ints, *int4_dtypes, *floats, *complexes)
_supported = frozenset(all_dtypes)

_to_32 = {int64: int32, uint64: uint32, float64: float32, complex128: complex64}


# The dtype of tangents of integer and boolean values (as in JAX): zero bytes per element.
float0 = np.dtype([("float0", np.void, 0)])


def x64_enabled():
    return config.read("enable_x64")


def kind(dtype):
    """'b', 'i', 'u', 'f' or 'c'; the ml_dtypes floats count as 'f', int4/uint4 as 'i'/'u'
    (NumPy gives them all kind 'V')."""
    dtype = np.dtype(dtype)
    if dtype.kind != "V":
        return dtype.kind
    return "f" if dtype in floats else {int4: "i", uint4: "u"}.get(dtype, "V")


def is_inexact(dtype):
    return kind(dtype) in "fc"


def canonicalize(dtype):
    """The dtype arrays of `dtype` really get: 64-bit types become 32-bit with x64 off."""
    dtype = np.dtype(dtype)
    if dtype == float0:  # tangent type of integers: host-only, never on a device
        return dtype
    if dtype not in _supported:
        raise TypeError(f"dtype {dtype} is not supported by xlafront; supported dtypes "
                        f"are {', '.join(d.name for d in all_dtypes)}")
    if not x64_enabled():
        return _to_32.get(dtype, dtype)
    return dtype


def check_dtype(dtype, op="astype", warn_x64=True):
    """Resolves a user-supplied dtype (None, Python type, string, np.dtype) or raises
    TypeError. As JAX, an explicitly requested 64-bit type with x64 off warns that it
    becomes its 32-bit counterpart (`warn_x64=False` for queries such as result_type)."""
    if dtype is None:
        return None
    if dtype is builtins.int:
        return default_int()
    if dtype is builtins.float:
        return default_float()
    if dtype is builtins.complex:
        return default_complex()
    try:
        requested = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{op}: {dtype!r} is not a valid dtype; pass a NumPy dtype such as "
                        "'float32', np.int32 or xlafront.numpy.bfloat16") from None
    dtype = canonicalize(requested)
    if warn_x64 and dtype != requested:
        warn(f"Explicitly requested dtype {requested.name} requested in {op} is not "
             f"available, and will be truncated to dtype {dtype.name}. To enable more "
             "dtypes, set the jax_enable_x64 configuration option or the JAX_ENABLE_X64 "
             "shell environment variable.")
    return dtype


def default_int():
    return int64 if x64_enabled() else int32


def default_uint():
    return uint64 if x64_enabled() else uint32


def default_float():
    return float64 if x64_enabled() else float32


def default_complex():
    return complex128 if x64_enabled() else complex64


def to_inexact(dtype):
    """The type JAX computes inexact functions of `dtype` in: `dtype` itself if inexact,
    else float32 (bools, integers up to 32 bits) or float64 (64-bit integers, with x64)."""
    dtype = np.dtype(dtype)
    if is_inexact(dtype):
        return dtype
    return canonicalize(float64 if dtype.itemsize == 8 else float32)


def to_numeric(dtype):
    """`dtype`, or the default integer type for bool (what arithmetic on booleans uses)."""
    return default_int() if np.dtype(dtype) == bool_ else np.dtype(dtype)


_python_scalar_kind = {builtins.bool: bool_, builtins.int: "i", builtins.float: "f",
                       builtins.complex: "c"}


def python_scalar_dtype(x):
    """The weak dtype JAX gives a Python scalar (bool is strongly typed)."""
    t = type(x)
    if t is builtins.bool:
        return bool_
    if t is builtins.int or isinstance(x, builtins.int) and not isinstance(x, builtins.bool):
        return default_int()
    if t is builtins.float or isinstance(x, builtins.float):
        return default_float()
    return default_complex()


def check_python_int(x, dtype):
    """Raises OverflowError, as JAX does, when a Python int does not fit its dtype."""
    info = iinfo(dtype)
    if not info.min <= x <= info.max:
        if dtype == default_int():  # the weak type of a Python int
            hint = "" if x64_enabled() else ("; use an explicit dtype such as np.int64 with "
                                             "x64 enabled")
            raise OverflowError(f"Python int {x} too large to convert to {dtype.name}{hint}")
        raise OverflowError(f"Python integer {x} out of bounds for {dtype.name}")


# JAX's promotion lattice: each type maps to the types just above it. "i*", "f*", "c*" are
# the weak (Python scalar) kinds.
def _lattice():
    i_, f_, c_ = "i*", "f*", "c*"
    return {
        bool_: [i_], i_: [uint8, int8, *int4_dtypes], **{t: [] for t in int4_dtypes},
        uint8: [int16, uint16], uint16: [int32, uint32], uint32: [int64, uint64],
        uint64: [f_], int8: [int16], int16: [int32], int32: [int64], int64: [f_],
        f_: [*float8_dtypes, float4_e2m1fn, bfloat16, float16, c_],
        **{t: [] for t in (*float8_dtypes, float4_e2m1fn)},
        bfloat16: [float32], float16: [float32], float32: [float64, complex64],
        float64: [complex128], c_: [complex64], complex64: [complex128], complex128: [],
    }


@functools.lru_cache(None)
def _upper_bounds():
    lattice = _lattice()
    bounds = {}

    def walk(node):
        if node not in bounds:
            ups = {node}
            for parent in lattice[node]:
                ups |= walk(parent)
            bounds[node] = frozenset(ups)
        return bounds[node]

    for node in lattice:
        walk(node)
    return bounds


def _node(dtype, weak):
    if weak:
        k = kind(dtype)
        if k in "iu":
            return "i*"
        if k in "fc":
            return k + "*"
    return np.dtype(dtype)


_weak_defaults = {"i*": default_int, "f*": default_float, "c*": default_complex}


@functools.lru_cache(4096)
def _lub(nodes, x64):
    bounds = _upper_bounds()
    common = functools.reduce(frozenset.intersection, (bounds[n] for n in nodes))
    # The least upper bound is the common bound that is below every other common bound.
    for candidate in common:
        if all(candidate == other or other in bounds[candidate] for other in common):
            return candidate
    names = tuple(str(n) for n in nodes)
    narrow = [n for n in nodes if n in (*float8_dtypes, float4_e2m1fn, *int4_dtypes)]
    hint = (f"; {narrow[0]} does not promote implicitly (as in JAX), convert explicitly, e.g. "
            f"x.astype('float32')" if narrow else "")
    raise TypeError(f"Input dtypes {names} have no available implicit dtype promotion "
                    f"path{hint}")


def promote_types(*dtypes_and_weak):
    """JAX's `result_type` over (dtype, weak_type) pairs: returns (dtype, weak_type)."""
    try:
        return _promote_cached(dtypes_and_weak, x64_enabled())
    except TypeError:  # an unhashable dtype-like: compute without the cache
        return _promote(dtypes_and_weak)


@functools.lru_cache(4096)
def _promote_cached(dtypes_and_weak, x64):
    return _promote(dtypes_and_weak)


def _promote(dtypes_and_weak):
    if len(dtypes_and_weak) == 1:
        d, w = dtypes_and_weak[0]
        return canonicalize(d), w
    all_weak = all(w for _, w in dtypes_and_weak)
    if all_weak and len({np.dtype(d) for d, _ in dtypes_and_weak}) == 1:
        return canonicalize(dtypes_and_weak[0][0]), True
    if all_weak:
        # As in JAX: bound the strong counterparts, then make the result weak (this avoids
        # non-canonical weak types such as a weak int16 becoming the default int).
        nodes = tuple(sorted({np.dtype(d) for d, _ in dtypes_and_weak}, key=str))
    else:
        nodes = tuple(sorted({_node(d, w) for d, w in dtypes_and_weak}, key=str))
    lub = _lub(nodes, x64_enabled())
    # The result is weak whenever the least upper bound is a weak node (i*, f*, c*), even
    # for strong inputs: bool + 1 -> weak int32, int32 + 1.5 -> weak float32.
    if isinstance(lub, str):
        out, weak = _weak_defaults[lub](), True
    else:
        out, weak = canonicalize(lub), all_weak
    return out, weak and out != bool_


def result_type(*args, return_weak_type_flag=False):
    """NumPy-style `result_type` for arrays, scalars and dtypes, following JAX's lattice.
    Arrays (xlafront's, tracers, NumPy's) count by their `dtype` and `weak_type`; with
    `return_weak_type_flag`, (dtype, whether the result is weakly typed)."""
    pairs = []
    for a in args:
        if (isinstance(a, (builtins.bool, builtins.int, builtins.float, builtins.complex))
                and not isinstance(a, np.generic)):
            pairs.append((python_scalar_dtype(a), type(a) is not builtins.bool))
        elif hasattr(a, "dtype") and not isinstance(a, type):
            pairs.append((canonicalize(a.dtype), bool(getattr(a, "weak_type", False))))
        else:
            pairs.append((check_dtype(a, "result_type", warn_x64=False), False))
    dtype, weak = promote_types(*pairs)
    return (dtype, weak) if return_weak_type_flag else dtype


def canonicalize_dtype(dtype, allow_extended_dtype=False):
    """The dtype arrays of `dtype` get (64-bit types become 32-bit with x64 off)."""
    if _extended_type(dtype) is not None:
        if not allow_extended_dtype:
            raise ValueError(f"canonicalize_dtype: {dtype} is an extended dtype; pass "
                             "allow_extended_dtype=True")
        return dtype
    return check_dtype(dtype, "canonicalize_dtype", warn_x64=False)


def scalar_type_of(x):
    """The Python scalar type (bool, int, float or complex) matching x's dtype."""
    return {"b": builtins.bool, "i": builtins.int, "u": builtins.int, "f": builtins.float,
            "c": builtins.complex}[kind(result_type(x))]


def itemsize_bits(dtype):
    """The size of one element of `dtype` in bits (4 for the 4-bit types, which NumPy
    stores in a byte each)."""
    dtype = np.dtype(dtype)
    return 4 if dtype in (*int4_dtypes, float4_e2m1fn) else dtype.itemsize * 8


class extended(np.generic):
    """The abstract scalar type of JAX's extended dtypes (such as PRNG key dtypes): an
    extended dtype object's `.type` subclasses it, so `issubdtype(d, extended)` holds."""


class prng_key(extended):
    """The abstract scalar type of PRNG key dtypes: `issubdtype(key.dtype, prng_key)`."""


class TypePromotionError(ValueError):
    """Raised where two dtypes may not be promoted together (JAX's name)."""


def _extended_type(dtype):
    """The scalar type of an extended dtype object (it has `.type` subclassing `extended`),
    or None for ordinary dtypes."""
    t = getattr(dtype, "type", None)
    return t if isinstance(t, type) and issubclass(t, extended) else None


def issubdtype(a, b):
    """Like np.issubdtype, with bfloat16, the float8 and float4 types counted as floating,
    int4/uint4 as integers, and extended dtypes (PRNG keys) under `extended` / `prng_key`."""
    special = _extended_type(a) or (a if isinstance(a, type) and issubclass(a, extended) else None)
    if special is not None:
        return isinstance(b, type) and issubclass(special, b) or a == b
    if isinstance(b, type) and issubclass(b, extended):
        return False
    a = np.dtype(a) if not isinstance(a, type) or not issubclass(a, np.generic) else np.dtype(a)
    if isinstance(b, type) and issubclass(b, np.generic) and b in (np.floating, np.inexact, np.number, np.generic):
        if a in floats:
            return True
    if a in int4_dtypes and b in (np.integer, np.number, np.generic, np.signedinteger,
                                  np.unsignedinteger):
        return b is not (np.unsignedinteger if a == int4 else np.signedinteger)
    return np.issubdtype(a, b)


def dtype_of(x):
    """The dtype of an array (any object with a dtype, not a type) or of a dtype-like."""
    return np.dtype(x.dtype if hasattr(x, "dtype") and not isinstance(x, type) else x)


def finfo(dtype):
    """Machine limits of a floating dtype (or of an array's)."""
    dtype = dtype_of(dtype)
    return ml_dtypes.finfo(dtype) if dtype in floats else np.finfo(dtype)


def iinfo(dtype):
    """Machine limits of an integer dtype (or of an array's)."""
    dtype = dtype_of(dtype)
    return ml_dtypes.iinfo(dtype) if dtype in int4_dtypes else np.iinfo(dtype)


def lowest(dtype):
    """The least value of `dtype`: -inf for floats and complex (the identity of max), False
    for bool."""
    dtype = np.dtype(dtype)
    if dtype == bool_:
        return False
    return -np.inf if kind(dtype) in "fc" else iinfo(dtype).min


def highest(dtype):
    """The greatest value of `dtype`: inf for floats and complex (the identity of min), True
    for bool."""
    dtype = np.dtype(dtype)
    if dtype == bool_:
        return True
    return np.inf if kind(dtype) in "fc" else iinfo(dtype).max


def _all_bits_set(dtype):
    if dtype == bool_:
        return True
    return iinfo(dtype).max if kind(dtype) == "u" else -1


def reduction_identity(op, dtype):
    """The identity of reduction `op` ("sum", "prod", "max", "min", "and", "or", "xor") as
    a NumPy scalar of `dtype`: what a reduction starts from (and an empty one gives)."""
    dtype = np.dtype(dtype)
    if op == "max":
        value = lowest(dtype)
    elif op == "min":
        value = highest(dtype)
    elif op == "and":
        value = _all_bits_set(dtype)
    else:
        value = {"sum": 0, "prod": 1, "or": 0, "xor": 0}[op]
    return np.array(value, dtype)


_short = {"b": "bool", "i": "i", "u": "u", "f": "f", "c": "c"}


def short_name(dtype):
    """f32, i32, u8, bool, bf16, c64: the names the IR printer uses."""
    dtype = np.dtype(dtype)
    if dtype == bool_:
        return "bool"
    if dtype == float0:
        return "float0"
    if dtype == bfloat16:
        return "bf16"
    if dtype in float8_dtypes or dtype == float4_e2m1fn:
        return dtype.name.replace("float", "f")
    return f"{kind(dtype)}{itemsize_bits(dtype)}"
