"""The primitives of xlafront.lax, checked against NumPy from one table of op records.

Each record names the primitive it exercises, an xlafront function of NumPy arrays, a NumPy
reference of the same arrays and an input generator. Every record runs eagerly and under
`jit` for each of its dtypes; a registry test checks that every primitive has its rules and
appears in the table. Gradient and vmap tests can reuse `RECORDS` when those rules land.
"""
import math
import pkgutil
import importlib
from typing import Callable, NamedTuple, Optional

import numpy as onp
import pytest

import xlafront as xf
from xlafront import lax
from xlafront.core import Primitive
from xlafront.interpreters import lowering

from conftest import (LOW_PRECISION, args_of, assert_close, bfloat16, rand, rng_for,
                      upcast)

f32, f16, i32, i8, u8, u32, i16, u16 = (onp.dtype(t) for t in (
    onp.float32, onp.float16, onp.int32, onp.int8, onp.uint8, onp.uint32, onp.int16, onp.uint16))
c64, bool_ = onp.dtype(onp.complex64), onp.dtype(onp.bool_)
bf16 = bfloat16

# Dtype sets, kept small so that the suite stays fast: every kind is covered, the short
# floats and narrow integers where an op treats them specially.
FLOAT = (f32, f16, bf16)
INEXACT = FLOAT + (c64,)
INT = (i32, i8, u8, u32)
SINT = (i32, i8)
NUM = (f32, bf16, i32, u8)
NUM_C = NUM + (c64,)
ALL = NUM + (bool_,)
ALL_C = ALL + (c64,)
INT_BOOL = INT + (bool_,)


class Rec(NamedTuple):
    prim: str                  # the primitive this record exercises
    name: str                  # the test id
    fun: Callable              # xlafront function of the generated arrays
    ref: Callable              # NumPy reference (float16/bfloat16 inputs come upcast)
    gen: Callable              # (rng, dtype) -> list of NumPy arrays
    dtypes: tuple
    out_dtype: Optional[Callable] = None  # input dtype -> result dtype (default: same)
    tol: Optional[float] = None
    upcast: bool = True        # False: the reference sees float16/bfloat16 inputs as they are


def unary_gen(kind="normal", shape=(3, 4)):
    return args_of((kind, shape))


def binary_gen(kind="normal", kind2=None, shape=(3, 4), shape2=None):
    return args_of((kind, shape), (kind2 or kind, shape if shape2 is None else shape2))


def to(dtype):
    return lambda _: onp.dtype(dtype)


def real_of(dtype):
    return f32 if dtype == c64 else dtype


RECORDS = []


def rec(prim, fun, ref, gen, dtypes, name=None, out_dtype=None, tol=None, upcast=True):
    RECORDS.append(Rec(prim, name or prim, fun, ref, gen, tuple(dtypes), out_dtype, tol, upcast))


# ---------------------------------------------------------------------------------------
# references NumPy lacks

_erf = onp.vectorize(math.erf, otypes=[onp.float64])
_erfc = onp.vectorize(math.erfc, otypes=[onp.float64])
_lgamma = onp.vectorize(math.lgamma, otypes=[onp.float64])


def _digamma_scalar(x):
    result = 0.0
    while x < 6:
        result -= 1 / x
        x += 1
    f = 1 / (x * x)
    return result + math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (
        1 / 240 - f / 132))))


def _erf_inv_scalar(y):
    x = 0.0
    for _ in range(60):  # Newton on erf(x) = y
        x -= (math.erf(x) - y) / (2 / math.sqrt(math.pi) * math.exp(-x * x))
    return x


_digamma = onp.vectorize(_digamma_scalar, otypes=[onp.float64])
_erf_inv = onp.vectorize(_erf_inv_scalar, otypes=[onp.float64])


def _bits(dtype):
    return onp.dtype(dtype).itemsize * 8


def _as_unsigned(x):
    return x.view(onp.dtype(f"uint{_bits(x.dtype)}"))


def _popcount(x):
    return onp.bitwise_count(_as_unsigned(x)).astype(x.dtype)


def _clz(x):
    u = _as_unsigned(x)
    return onp.array([_bits(x.dtype) - int(v).bit_length() for v in u.ravel()]).reshape(x.shape)


def _shift_right_logical(x, y):
    return (_as_unsigned(x) >> _as_unsigned(y)).view(x.dtype)


def _trunc_div(x, y):
    if x.dtype.kind in "iu":
        q = onp.abs(x.astype(onp.int64)) // onp.abs(y.astype(onp.int64))
        return (q * onp.sign(x.astype(onp.int64)) * onp.sign(y.astype(onp.int64))).astype(x.dtype)
    return x / y


def _round_afz(x):
    return onp.sign(x) * onp.floor(onp.abs(x) + 0.5)


# ---------------------------------------------------------------------------------------
# elementwise unary

_unary = [
    # prim, NumPy reference, dtypes, input kind
    ("neg", onp.negative, NUM_C, "normal"),
    ("sign", onp.sign, NUM_C, "small"),
    ("floor", onp.floor, FLOAT, "normal"),
    ("ceil", onp.ceil, FLOAT, "normal"),
    ("exp", onp.exp, INEXACT, "normal"),
    ("exp2", onp.exp2, INEXACT, "normal"),
    ("log", onp.log, INEXACT, "pos"),
    ("log1p", onp.log1p, INEXACT, "pos"),
    ("expm1", onp.expm1, INEXACT, "normal"),
    ("tanh", onp.tanh, INEXACT, "normal"),
    ("logistic", lambda x: 1 / (1 + onp.exp(-x)), INEXACT, "normal"),
    ("sin", onp.sin, INEXACT, "normal"),
    ("cos", onp.cos, INEXACT, "normal"),
    ("tan", onp.tan, INEXACT, "unit"),
    ("asin", onp.arcsin, INEXACT, "unit"),
    ("acos", onp.arccos, INEXACT, "unit"),
    ("atan", onp.arctan, INEXACT, "normal"),
    ("sinh", onp.sinh, INEXACT, "normal"),
    ("cosh", onp.cosh, INEXACT, "normal"),
    ("asinh", onp.arcsinh, INEXACT, "normal"),
    ("acosh", onp.arccosh, INEXACT, "gt1"),
    ("atanh", onp.arctanh, INEXACT, "unit"),
    ("sqrt", onp.sqrt, INEXACT, "pos"),
    ("rsqrt", lambda x: 1 / onp.sqrt(x), INEXACT, "pos"),
    ("cbrt", onp.cbrt, FLOAT, "normal"),
    ("square", onp.square, NUM_C, "normal"),
    ("erf", _erf, FLOAT, "normal"),
    ("erfc", _erfc, FLOAT, "normal"),
    ("erf_inv", _erf_inv, FLOAT, "unit"),
    ("lgamma", _lgamma, FLOAT, "normal"),
    ("digamma", _digamma, FLOAT, "pos"),
    ("not", onp.invert, INT_BOOL, "normal"),
    ("population_count", _popcount, INT, "normal"),
    ("clz", _clz, INT, "normal"),
    ("conj", onp.conj, INEXACT, "normal"),
]
for _prim, _ref, _dtypes, _kind in _unary:
    _public = "bitwise_not" if _prim == "not" else _prim
    rec(_prim, getattr(lax, _public), _ref, unary_gen(_kind), _dtypes)

rec("abs", lax.abs, onp.abs, unary_gen(), FLOAT + SINT + (c64,), out_dtype=real_of)
rec("real", lax.real, onp.real, unary_gen(), (c64,), out_dtype=real_of)
rec("imag", lax.imag, onp.imag, unary_gen(), (c64,), out_dtype=real_of)


def _with_specials(rng, dtype):
    x = rand(rng, (3, 4), dtype)
    x.ravel()[:4] = onp.array([onp.inf, -onp.inf, onp.nan, 0.0]).astype(dtype)
    return [x]


rec("is_finite", lax.is_finite, onp.isfinite, _with_specials, FLOAT, out_dtype=to(bool_))
rec("round", lambda x: lax.round(x, 0), _round_afz, unary_gen("half"), FLOAT,
    name="round_away_from_zero")
rec("round", lambda x: lax.round(x, 1), onp.round, unary_gen("half"), FLOAT,
    name="round_to_even")

# ---------------------------------------------------------------------------------------
# elementwise binary and comparisons

_binary = [
    # prim, public name, NumPy reference, dtypes, generator
    ("add", "add", onp.add, ALL_C, binary_gen()),
    ("sub", "sub", onp.subtract, NUM_C, binary_gen()),
    ("mul", "mul", onp.multiply, ALL_C, binary_gen()),
    ("div", "div", _trunc_div, NUM_C, binary_gen("normal", "pos")),
    ("rem", "rem", onp.fmod, NUM, binary_gen("normal", "pos")),
    ("pow", "pow", onp.power, INEXACT, binary_gen("pos", "normal")),
    ("max", "max", onp.maximum, ALL, binary_gen()),
    ("min", "min", onp.minimum, ALL, binary_gen()),
    ("atan2", "atan2", onp.arctan2, FLOAT, binary_gen()),
    ("nextafter", "nextafter", onp.nextafter, (f32, f16), binary_gen()),
    ("and", "bitwise_and", onp.bitwise_and, INT_BOOL, binary_gen()),
    ("or", "bitwise_or", onp.bitwise_or, INT_BOOL, binary_gen()),
    ("xor", "bitwise_xor", onp.bitwise_xor, INT_BOOL, binary_gen()),
    ("complex", "complex", lambda x, y: x + 1j * y, (f32,), binary_gen()),
    ("eq", "eq", onp.equal, ALL_C, binary_gen("small")),
    ("ne", "ne", onp.not_equal, ALL_C, binary_gen("small")),
    ("lt", "lt", onp.less, ALL, binary_gen("small")),
    ("le", "le", onp.less_equal, ALL, binary_gen("small")),
    ("gt", "gt", onp.greater, ALL, binary_gen("small")),
    ("ge", "ge", onp.greater_equal, ALL, binary_gen("small")),
]
_BOOL_OUT = {"eq", "ne", "lt", "le", "gt", "ge"}
for _prim, _public, _ref, _dtypes, _gen in _binary:
    _out = to(bool_) if _prim in _BOOL_OUT else (to(c64) if _prim == "complex" else None)
    rec(_prim, getattr(lax, _public), _ref, _gen, _dtypes, out_dtype=_out)


def _shift_gen(rng, dtype):
    x = rand(rng, (3, 4), dtype)
    return [x, rng.integers(0, _bits(dtype), (3, 4)).astype(dtype)]


rec("shift_left", lax.shift_left, onp.left_shift, _shift_gen, INT)
rec("shift_right_arithmetic", lax.shift_right_arithmetic, onp.right_shift, _shift_gen, INT)
rec("shift_right_logical", lax.shift_right_logical, _shift_right_logical, _shift_gen, INT)

# rank-0 operands broadcast against any shape; Python scalars take the array's dtype
rec("mul", lax.mul, onp.multiply, binary_gen(shape=(3, 4), shape2=()), NUM, name="mul_rank0")
rec("sub", lambda x: lax.sub(2, x), lambda x: 2 - x, unary_gen(), NUM, name="sub_python_scalar")
rec("max", lax.max, onp.maximum, args_of(("normal", ()), ("normal", (4,))), FLOAT,
    name="max_rank0_lhs")


def _nan_pair(rng, dtype):
    x = rand(rng, (4,), dtype)
    y = rand(rng, (4,), dtype)
    x[0], y[1] = onp.nan, onp.nan
    return [x, y]


rec("max", lax.max, onp.maximum, _nan_pair, FLOAT, name="max_propagates_nan")
rec("min", lax.min, onp.minimum, _nan_pair, FLOAT, name="min_propagates_nan")

# ---------------------------------------------------------------------------------------
# select_n, clamp, integer_pow, convert_element_type, bitcast_convert_type


def _select_gen(which_dtype, n_cases, which_shape=(3, 4)):
    def gen(rng, dtype):
        if which_dtype == bool_:
            which = rng.random(which_shape) < 0.5
        else:
            which = rng.integers(0, n_cases, which_shape).astype(which_dtype)
        return [which] + [rand(rng, (3, 4), dtype) for _ in range(n_cases)]
    return gen


def _choose(which, *cases):
    return onp.choose(which.astype(onp.int64), onp.broadcast_arrays(*cases))


rec("select_n", lax.select_n, _choose, _select_gen(bool_, 2), ALL_C, name="select_n_bool")
rec("select_n", lax.select_n, _choose, _select_gen(i32, 3), NUM, name="select_n_int32_3")
rec("select_n", lax.select_n, _choose, _select_gen(u8, 5), (f32, i32), name="select_n_uint8_5")
rec("select_n", lax.select_n, lambda w, a, b: onp.where(w, b, a), _select_gen(bool_, 2, ()),
    (f32, i8), name="select_n_scalar_which")
rec("select_n", lambda w, a: lax.select_n(w, a), lambda w, a: a, _select_gen(i32, 1),
    (f32,), name="select_n_one_case")
rec("select_n", lambda p, a, b: lax.select(p, a, b), lambda p, a, b: onp.where(p, a, b),
    _select_gen(bool_, 2), (f32, i32), name="select")

rec("clamp", lambda x: lax.clamp(-1, x, 1), lambda x: onp.clip(x, -1, 1), unary_gen("small"),
    FLOAT + SINT, name="clamp_scalar_bounds")


def _clamp_gen(rng, dtype):
    lo = rand(rng, (3, 4), dtype, "small")
    return [lo, rand(rng, (3, 4), dtype), lo + onp.asarray(2).astype(dtype)]


rec("clamp", lax.clamp, lambda lo, x, hi: onp.minimum(onp.maximum(x, lo), hi), _clamp_gen,
    FLOAT + (i32, u8), name="clamp_array_bounds")

for _y in (0, 1, 2, 3, 7, -1, -2):
    _kind = "pos" if _y < 0 else "small"
    rec("integer_pow", lambda x, y=_y: lax.integer_pow(x, y),
        lambda x, y=_y: (x.astype(onp.result_type(x, onp.float64)) ** y
                         if x.dtype.kind in "fc" else x ** y),
        unary_gen(_kind),
        (f32, c64) + ((i32,) if _y >= 0 else ()) + ((bf16, f16, u8, i8) if _y == 3 else ()),
        name=f"integer_pow_{_y}", tol=1e-4 if _y == 7 else None)

_conversions = [
    # from, to, input kind
    (f32, i32, "normal"), (f32, u8, "pos"), (f32, bool_, "small"), (f32, f16, "normal"),
    (f32, bf16, "normal"), (f32, c64, "normal"), (f16, f32, "normal"), (bf16, f32, "normal"),
    (f16, bf16, "normal"), (i32, f32, "normal"), (i32, u8, "normal"), (i32, bool_, "small"),
    (i32, i8, "normal"), (i8, u32, "normal"), (u8, i32, "normal"), (u32, f32, "normal"),
    (bool_, f32, "normal"), (bool_, i32, "normal"), (c64, f32, "normal"),
    (c64, bool_, "small"), (i32, c64, "normal"),
]


def _convert_ref(to_dtype):
    def ref(x):
        if x.dtype.kind == "c" and onp.dtype(to_dtype).kind != "c":
            x = x.real  # lax drops the imaginary part (even for bool, as JAX's lax does)
        return x.astype(to_dtype)
    return ref


for _from, _to, _kind in _conversions:
    rec("convert_element_type", lambda x, t=_to: lax.convert_element_type(x, t),
        _convert_ref(_to), unary_gen(_kind), (_from,), name=f"convert_{_from.name}_{_to.name}",
        out_dtype=to(_to))

rec("convert_element_type", lambda x: lax.convert_element_type(x, f32, weak_type=True),
    lambda x: x, unary_gen(), (f32,), name="convert_to_weak")

for _from, _to in [(f32, i32), (i32, f32), (u32, i32), (f16, i16), (bf16, u16), (i8, u8), (u8, i8)]:
    rec("bitcast_convert_type", lambda x, t=_to: lax.bitcast_convert_type(x, t),
        lambda x, t=_to: x.view(t), unary_gen(), (_from,),
        name=f"bitcast_{_from.name}_{_to.name}", out_dtype=to(_to), upcast=False)

# ---------------------------------------------------------------------------------------
# shapes and data movement


def _np_pad(x, value, config):
    """NumPy reference of lax.pad: interior dilation, then low/high (negative crops)."""
    for axis, (lo, hi, interior) in enumerate(config):
        n = x.shape[axis]
        if interior and n > 1:
            shape = list(x.shape)
            shape[axis] = n + (n - 1) * interior
            dilated = onp.full(shape, value, x.dtype)
            index = [slice(None)] * x.ndim
            index[axis] = slice(None, None, interior + 1)
            dilated[tuple(index)] = x
            x = dilated
        widths = [(0, 0)] * x.ndim
        widths[axis] = (max(lo, 0), max(hi, 0))
        x = onp.pad(x, widths, constant_values=value)
        index = [slice(None)] * x.ndim
        index[axis] = slice(max(-lo, 0), x.shape[axis] - max(-hi, 0))
        x = x[tuple(index)]
    return x


S = (2, 3, 4)
rec("broadcast_in_dim", lambda x: lax.broadcast_in_dim(x, (2, 3, 4), (1,)),
    lambda x: onp.broadcast_to(x[None, :, None], (2, 3, 4)), unary_gen(shape=(3,)), ALL_C,
    name="broadcast_in_dim_middle")
rec("broadcast_in_dim", lambda x: lax.broadcast_in_dim(x, (3, 4), (0, 1)),
    lambda x: onp.broadcast_to(x, (3, 4)), unary_gen(shape=(1, 4)), (f32, i8),
    name="broadcast_in_dim_size1")
rec("broadcast_in_dim", lambda x: lax.broadcast(x, (2,)), lambda x: onp.broadcast_to(x, (2, 3)),
    unary_gen(shape=(3,)), (f32,), name="broadcast")
rec("broadcast_in_dim", lambda x: lax.broadcast_in_dim(x, (2, 3), ()),
    lambda x: onp.broadcast_to(x, (2, 3)), unary_gen(shape=()), (f32, bool_),
    name="broadcast_in_dim_scalar")
rec("reshape", lambda x: lax.reshape(x, (4, 6)), lambda x: x.reshape(4, 6), unary_gen(shape=S),
    ALL_C)
rec("reshape", lambda x: lax.reshape(x, (6, 4), dimensions=(2, 0, 1)),
    lambda x: x.transpose(2, 0, 1).reshape(6, 4), unary_gen(shape=S), (f32, i32),
    name="reshape_dimensions")
rec("transpose", lambda x: lax.transpose(x, (2, 0, 1)), lambda x: x.transpose(2, 0, 1),
    unary_gen(shape=S), ALL_C)
rec("squeeze", lambda x: lax.squeeze(x, (0, 2)), lambda x: x.squeeze((0, 2)),
    unary_gen(shape=(1, 3, 1, 2)), ALL)
rec("squeeze", lambda x: lax.squeeze(x, (-1,)), lambda x: x.squeeze(-1),
    unary_gen(shape=(3, 1)), (f32,), name="squeeze_negative")
rec("broadcast_in_dim", lambda x: lax.expand_dims(x, (0, 3)), lambda x: onp.expand_dims(x, (0, 3)),
    unary_gen(shape=(2, 3)), (f32, i32), name="expand_dims")
rec("rev", lambda x: lax.rev(x, (0, 2)), lambda x: onp.flip(x, (0, 2)), unary_gen(shape=S), ALL_C)

for _config in [((1, 2, 0), (0, 1, 0)), ((0, 0, 1), (1, 0, 2)), ((-1, 1, 0), (2, -2, 0)),
                ((-1, -1, 1), (1, -1, 1)), ((0, 0, 0), (0, 0, 0))]:
    rec("pad", lambda x, c=_config: lax.pad(x, 7, c),
        lambda x, c=_config: _np_pad(x, 7, c), unary_gen(shape=(3, 4)),
        (f32, i32) + ((u8, bf16) if _config == ((-1, -1, 1), (1, -1, 1)) else ()),
        name=f"pad_{_config}")
rec("pad", lambda x, v: lax.pad(x, v, ((1, 1, 1),)), lambda x, v: _np_pad(x, v, ((1, 1, 1),)),
    args_of(("normal", (3,)), ("normal", ())), (f32, bool_), name="pad_array_value")

rec("concatenate", lambda a, b, c: lax.concatenate([a, b, c], 1),
    lambda a, b, c: onp.concatenate([a, b, c], 1),
    args_of(("normal", (2, 1)), ("normal", (2, 3)), ("normal", (2, 2))), ALL_C)
rec("concatenate", lambda a, b: lax.concatenate([a, b], -1),
    lambda a, b: onp.concatenate([a, b], -1), binary_gen(shape=(2,), shape2=(3,)), (f32,),
    name="concatenate_negative_axis")

rec("slice", lambda x: lax.slice(x, (0, 1), (3, 4)), lambda x: x[0:3, 1:4],
    unary_gen(shape=(4, 5)), ALL_C)
rec("slice", lambda x: lax.slice(x, (1, 0), (4, 5), (2, 3)), lambda x: x[1:4:2, 0:5:3],
    unary_gen(shape=(4, 5)), (f32, i32, bool_), name="slice_strided")
rec("slice", lambda x: lax.slice(x, (2,), (2,)), lambda x: x[2:2],
    unary_gen(shape=(4,)), (f32,), name="slice_empty")


def _clamped_starts(starts, shape, sizes):
    """A negative start counts from the end (once, as in JAX); then XLA clamps the window."""
    starts = [int(s) + dim if int(s) < 0 else int(s) for s, dim in zip(starts, shape)]
    return [min(max(s, 0), dim - n) for s, dim, n in zip(starts, shape, sizes)]


def _np_dynamic_slice(x, starts, sizes):
    starts = _clamped_starts(starts, x.shape, sizes)
    return x[tuple(slice(s, s + n) for s, n in zip(starts, sizes))]


def _np_dynamic_update_slice(x, update, starts):
    x = x.copy()
    starts = _clamped_starts(starts, x.shape, update.shape)
    x[tuple(slice(s, s + n) for s, n in zip(starts, update.shape))] = update
    return x


for _starts in [(1, 2), (0, 0), (3, 4), (-2, 1), (-1, -3), (100, -100)]:
    rec("dynamic_slice", lambda x, s=_starts: lax.dynamic_slice(x, s, (2, 3)),
        lambda x, s=_starts: _np_dynamic_slice(x, s, (2, 3)), unary_gen(shape=(4, 5)),
        (f32,) + ((i32, bool_, c64) if _starts == (1, 2) else ()), name=f"dynamic_slice_{_starts}")
    rec("dynamic_update_slice",
        lambda x, u, s=_starts: lax.dynamic_update_slice(x, u, s),
        lambda x, u, s=_starts: _np_dynamic_update_slice(x, u, s),
        args_of(("normal", (4, 5)), ("normal", (2, 3))),
        (f32,) + ((i32, bool_, c64) if _starts == (1, 2) else ()),
        name=f"dynamic_update_slice_{_starts}")
rec("dynamic_slice", lambda x, i: lax.dynamic_slice(x, (i, 1), (2, 2)),
    lambda x, i: _np_dynamic_slice(x, (i, 1), (2, 2)),
    lambda rng, dtype: [rand(rng, (4, 3), dtype), onp.array(3, onp.uint8)], (f32,),
    name="dynamic_slice_array_index")
rec("dynamic_slice", lambda x, i, j: lax.dynamic_slice(x, (i, j), (2, 2)),
    lambda x, i, j: _np_dynamic_slice(x, (i, j), (2, 2)),
    lambda rng, dtype: [rand(rng, (4, 3), dtype), onp.int8(-1), onp.array(-3, onp.int32)],
    (f32, i32), name="dynamic_slice_negative_array_indices")
rec("dynamic_update_slice", lambda x, u, i: lax.dynamic_update_slice(x, u, (i,)),
    lambda x, u, i: _np_dynamic_update_slice(x, u, (i,)),
    lambda rng, dtype: [rand(rng, (5,), dtype), rand(rng, (2,), dtype), onp.int32(-3)],
    (f32,), name="dynamic_update_slice_array_index")

for _dtype in (i32, f32, u8, bf16):
    rec("iota", lambda d=_dtype: lax.iota(d, 5), lambda d=_dtype: onp.arange(5).astype(d),
        lambda rng, dtype: [], (_dtype,))
rec("iota", lambda: lax.broadcasted_iota(i32, (2, 3, 4), 1),
    lambda: onp.broadcast_to(onp.arange(3)[None, :, None], (2, 3, 4)).astype(onp.int32),
    lambda rng, dtype: [], (i32,), name="broadcasted_iota")

# ---------------------------------------------------------------------------------------
# reductions, argmax/argmin, dot_general, sort


def _np_reduce(np_fn, identity=None):
    """The NumPy reduction over `axes`; `identity(dtype)` is what empty reductions give."""
    def ref(axes):
        def reduce(x):
            if x.size == 0 and identity is not None:
                shape = [n for i, n in enumerate(x.shape) if i not in axes]
                return onp.full(shape, identity(x.dtype), x.dtype)
            return np_fn(x, axis=axes).astype(x.dtype)
        return reduce
    return ref


def _lowest(dtype):
    return -onp.inf if dtype.kind == "f" else onp.iinfo(dtype).min


def _highest(dtype):
    return onp.inf if dtype.kind == "f" else onp.iinfo(dtype).max


_reductions = [
    ("reduce_sum", lax.reduce_sum, _np_reduce(onp.sum), NUM_C, "normal"),
    ("reduce_prod", lax.reduce_prod, _np_reduce(onp.prod), NUM_C, "small"),
    ("reduce_max", lax.reduce_max, _np_reduce(onp.max, _lowest), ALL, "normal"),
    ("reduce_min", lax.reduce_min, _np_reduce(onp.min, _highest), ALL, "normal"),
    ("reduce_and", lax.reduce_and, _np_reduce(onp.bitwise_and.reduce), INT_BOOL, "normal"),
    ("reduce_or", lax.reduce_or, _np_reduce(onp.bitwise_or.reduce), INT_BOOL, "normal"),
    ("reduce_xor", lax.reduce_xor, _np_reduce(onp.bitwise_xor.reduce), INT_BOOL, "normal"),
]
for _prim, _fn, _ref, _dtypes, _kind in _reductions:
    for _axes in [(1,), (0, 1)]:
        rec(_prim, lambda x, f=_fn, a=_axes: f(x, a), _ref(_axes), unary_gen(_kind, (3, 4)),
            _dtypes if _axes == (1,) else _dtypes[:1], name=f"{_prim}_{_axes}")
    rec(_prim, lambda x, f=_fn: f(x, (0,)), _ref((0,)), unary_gen(_kind, (0, 3)),
        (f32, i32) if _prim not in ("reduce_and", "reduce_or", "reduce_xor") else (i32, bool_),
        name=f"{_prim}_empty")
rec("reduce_max", lambda x: lax.reduce_max(x, (1,)), lambda x: onp.max(x, 1),
    _with_specials, (f32,), name="reduce_max_nan")
rec("reduce_min", lambda x: lax.reduce_min(x, (1,)), lambda x: onp.min(x, 1),
    _with_specials, (f32,), name="reduce_min_nan")


def _ties_and_nans(rng, dtype):
    x = rand(rng, (4, 5), dtype, "small")
    if onp.dtype(dtype).kind == "f" or dtype in LOW_PRECISION:
        x[1, 3] = x[1, 1] = x[2, 0] = onp.nan
    return [x]


for _name, _fn, _np_fn in [("argmax", lax.argmax, onp.argmax), ("argmin", lax.argmin, onp.argmin)]:
    for _axis in (0, -1):
        rec(_name, lambda x, f=_fn, a=_axis: f(x, a, onp.int32),
            lambda x, f=_np_fn, a=_axis: f(x, axis=a), _ties_and_nans, ALL + (f16, i8),
            name=f"{_name}_{_axis}", out_dtype=to(i32))
    rec(_name, lambda x, f=_fn: f(x, 0, onp.uint8), lambda x, f=_np_fn: f(x, axis=0),
        unary_gen(shape=(5,)), (f32,), name=f"{_name}_index_dtype", out_dtype=to(u8))


def _einsum(spec, out=None):
    def ref(a, b):
        a, b = upcast(a), upcast(b)
        wide = onp.result_type(a, b)
        wide = onp.float64 if wide.kind in "fiub" else onp.complex128
        r = onp.einsum(spec, a.astype(wide), b.astype(wide))
        return r if out is None else r.astype(out)
    return ref


_dots = [
    # name, lhs shape, rhs shape, dimension numbers, einsum
    ("matmul", (2, 3), (3, 4), (((1,), (0,)), ((), ())), "ij,jk->ik"),
    ("vector", (3,), (3,), (((0,), (0,)), ((), ())), "i,i->"),
    ("outer", (2,), (3,), (((), ()), ((), ())), "i,j->ij"),
    ("batch", (2, 3, 4), (2, 4, 5), (((2,), (1,)), ((0,), (0,))), "bij,bjk->bik"),
    ("batch_middle", (3, 2, 4), (4, 5, 2), (((2,), (0,)), ((1,), (2,))), "ibj,jkb->bik"),
    ("two_contracting", (2, 3, 4), (4, 3, 5), (((1, 2), (1, 0)), ((), ())), "ijk,kjl->il"),
    ("transposed_rhs", (2, 3), (4, 3), (((1,), (1,)), ((), ())), "ij,kj->ik"),
]
for _name, _ls, _rs, _dn, _spec in _dots:
    rec("dot_general", lambda a, b, d=_dn: lax.dot_general(a, b, d), _einsum(_spec),
        args_of(("small", _ls), ("small", _rs)),
        (f32, i32, bf16, c64) + ((f16, i8, u8, bool_) if _name == "matmul" else ()),
        name=f"dot_general_{_name}")
for _in, _out in [(i8, i32), (bf16, f32), (f16, f32), (i32, f32)]:
    rec("dot_general", lambda a, b, o=_out: lax.dot_general(
            a, b, (((1,), (0,)), ((), ())), preferred_element_type=o),
        _einsum("ij,jk->ik"), args_of(("small", (2, 3)), ("small", (3, 4))), (_in,),
        name=f"dot_general_preferred_{_in.name}_{_out.name}", out_dtype=to(_out))
rec("dot_general", lambda a, b: lax.dot(a, b, precision="highest"), _einsum("ij,j->i"),
    args_of(("normal", (2, 3)), ("normal", (3,))), (f32,), name="dot_highest")


def _sort_gen(shape=(3, 5)):
    def gen(rng, dtype):
        x = rand(rng, shape, dtype, "small")
        if onp.dtype(dtype).kind == "f" or dtype in LOW_PRECISION:
            flat = x.reshape(-1)
            flat[[0, 4, 7]] = onp.nan
            flat[2] = onp.copysign(onp.nan, -1).astype(dtype)  # NaN with the sign bit set
        return [x]
    return gen


for _dim in (-1, 0):
    rec("sort", lambda x, d=_dim: lax.sort(x, d), lambda x, d=_dim: onp.sort(x, d),
        _sort_gen(), ALL + (f16, i8), name=f"sort_dim{_dim}")


def _key_val_gen(rng, dtype):
    keys = rand(rng, (2, 6), dtype, "small")
    if onp.dtype(dtype).kind == "f" or dtype in LOW_PRECISION:
        keys[0, :4] = onp.array([0.0, -0.0, 0.0, -0.0])  # equal keys keep their order
        keys[1, 1] = onp.copysign(onp.nan, -1)
    return [keys, onp.arange(12, dtype=onp.int32).reshape(2, 6)]


def _stable_by(keys, *operands):
    order = onp.argsort(keys, axis=-1, kind="stable")
    return [onp.take_along_axis(x, order, -1) for x in (keys,) + operands]


rec("sort", lambda k, v: tuple(lax.sort([k, v], num_keys=1)), _stable_by, _key_val_gen,
    NUM, name="sort_two_operands")
rec("sort", lambda k, v: lax.sort_key_val(k, v), _stable_by, _key_val_gen, (f32, i32, u8),
    name="sort_key_val")


def _lex_gen(rng, dtype):
    k1 = rand(rng, (10,), dtype, "small")
    k2 = rand(rng, (10,), dtype, "small")
    return [k1, k2, onp.arange(10, dtype=onp.float32)]


def _np_lexsort(k1, k2, v):
    order = onp.lexsort((k2, k1))
    return [k1[order], k2[order], v[order]]


rec("sort", lambda k1, k2, v: tuple(lax.sort([k1, k2, v], 0, num_keys=2)), _np_lexsort,
    _lex_gen, (f32, i32, bool_), name="sort_num_keys_2")

# ---------------------------------------------------------------------------------------
# gather and the scatters (lax/slicing.py), cumulative reductions (lax/cumulative.py)

_GD, _SD = lax.GatherDimensionNumbers, lax.ScatterDimensionNumbers
_rows_dn = _GD(offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,))
_rows_sdn = _SD(update_window_dims=(1,), inserted_window_dims=(0,),
                scatter_dims_to_operand_dims=(0,))
_ROWS = onp.array([[3], [0], [5], [-1], [3]], onp.int32)  # 5 and -1 are out of bounds for 4


def _default_fill(dtype):
    """gather's fill for out-of-bounds windows (mode "fill"), as in JAX."""
    if dtype.kind in "fc" or dtype in LOW_PRECISION:
        return onp.nan
    if dtype.kind in "iu":
        return onp.iinfo(dtype).min if dtype.kind == "i" else onp.iinfo(dtype).max
    return True


def _np_gather_rows(mode, fill=None):
    def ref(x):
        i = _ROWS[:, 0]
        out = x[onp.clip(i, 0, x.shape[0] - 1)]
        if mode == "fill":
            out = out.copy()
            out[(i < 0) | (i >= x.shape[0])] = fill
        return out
    return ref


for _mode in ("clip", "fill"):
    rec("gather", lambda x, m=_mode: lax.gather(x, _ROWS, _rows_dn, (1, 3), mode=m),
        lambda x, m=_mode: _np_gather_rows(m, _default_fill(x.dtype))(x),
        unary_gen(shape=(4, 3)), (f32, bf16, c64, i8, u8, bool_) if _mode == "fill" else ALL_C,
        name="gather_rows" if _mode == "clip" else "gather_rows_fill")
rec("gather", lambda x: lax.gather(x, _ROWS, _rows_dn, (1, 3), mode="fill", fill_value=7),
    _np_gather_rows("fill", 7), unary_gen(shape=(4, 3)), (f32, i32, u8),
    name="gather_fill_value")
_POINTS = onp.array([[0, 1], [3, 2], [1, 0]], onp.int32)
rec("gather", lambda x: lax.gather(x, _POINTS, _GD((1,), (0,), (0, 1)), (1, 2)),
    lambda x: onp.stack([x[r, c:c + 2] for r, c in _POINTS]), unary_gen(shape=(4, 4)),
    (f32, i32), name="gather_windows")
rec("gather", lambda x, i: lax.gather(x, i, _GD((), (1,), (1,), (0,), (0,)), (1, 1)),
    lambda x, i: x[onp.arange(3)[:, None], i[..., 0]],
    lambda rng, dtype: [rand(rng, (3, 5), dtype),
                        rng.integers(0, 5, (3, 2, 1)).astype(onp.int32)],
    (f32, i8), name="gather_batching_dims")


def _np_scatter_rows(kind, mode, rows):
    def ref(x, u):
        x = x.copy()
        for r, row in zip(rows[:, 0], u):
            if mode == "clip":
                r = min(max(r, 0), x.shape[0] - 1)
            elif not 0 <= r < x.shape[0]:
                continue
            x[r] = {"scatter": lambda a, b: b, "scatter_add": onp.add,
                    "scatter_mul": onp.multiply, "scatter_min": onp.minimum,
                    "scatter_max": onp.maximum}[kind](x[r], row)
        return x
    return ref


# plain scatter needs distinct in-bounds rows (which of two updates wins is unspecified)
_UNIQUE_ROWS = onp.array([[3], [0], [5], [-1], [2]], onp.int32)
for _kind in ("scatter", "scatter_add", "scatter_mul", "scatter_min", "scatter_max"):
    _rows = _UNIQUE_ROWS if _kind == "scatter" else _ROWS
    for _mode in ("drop",) if _kind == "scatter" else ("drop", "clip"):
        rec(_kind, lambda x, u, k=_kind, m=_mode, i=_rows: getattr(lax, k)(x, i, u, _rows_sdn,
                                                                            mode=m),
            _np_scatter_rows(_kind, _mode, _rows), args_of(("small", (4, 3)), ("small", (5, 3))),
            (f32, i32) + ((bf16, u8) if _kind in ("scatter_add", "scatter_max") else ())
            + ((c64,) if _kind in ("scatter_add", "scatter_mul") else ()),
            name=f"{_kind}_{_mode}")


def _np_scatter_batched(x, i, u):
    x = x.copy()
    for b in range(x.shape[0]):
        onp.add.at(x[b], i[b, :, 0], u[b])
    return x


rec("scatter_add", lambda x, i, u: lax.scatter_add(x, i, u, _SD((), (1,), (1,), (0,), (0,))),
    _np_scatter_batched,
    lambda rng, dtype: [rand(rng, (3, 5), dtype),
                        rng.integers(0, 5, (3, 2, 1)).astype(onp.int32), rand(rng, (3, 2), dtype)],
    (f32, i32), name="scatter_add_batching_dims")


def _np_cumulative(np_accumulate):
    def ref(axis, reverse):
        def f(x):
            x = onp.flip(x, axis) if reverse else x
            wide = onp.float64 if x.dtype.kind == "f" else x.dtype
            out = np_accumulate(x.astype(wide), axis=axis).astype(x.dtype)
            return onp.flip(out, axis) if reverse else out
        return f
    return ref


_cumulative = [
    ("cumsum", onp.cumsum, NUM_C + (i8,), "small"),
    ("cumprod", onp.cumprod, (f32, bf16, i32, c64), "small"),
    ("cummax", onp.maximum.accumulate, (f32, bf16, i32, u8, f16), "normal"),
    ("cummin", onp.minimum.accumulate, (f32, bf16, i32, u8, f16), "normal"),
    ("cumlogsumexp", onp.logaddexp.accumulate, (f32, bf16, f16), "normal"),
]
for _prim, _np_fn, _dtypes, _kind in _cumulative:
    for _axis, _reverse in [(0, False), (1, True), (-1, False)]:
        rec(_prim, lambda x, p=_prim, a=_axis, r=_reverse: getattr(lax, p)(x, a, reverse=r),
            _np_cumulative(_np_fn)(_axis, _reverse), unary_gen(_kind, (3, 5)),
            _dtypes if _axis == 0 else _dtypes[:1],
            name=_prim if _axis == 0 else f"{_prim}_{_axis}{'_reverse' if _reverse else ''}")
    rec(_prim, lambda x, p=_prim: getattr(lax, p)(x, 0), lambda x: x,
        unary_gen(shape=(0, 3)), (f32,), name=f"{_prim}_empty")
rec("cummax", lambda x: lax.cummax(x, 1), lambda x: onp.maximum.accumulate(x, 1),
    _with_specials, (f32,), name="cummax_nan")
rec("cumlogsumexp", lambda x: lax.cumlogsumexp(x, 1), lambda x: onp.logaddexp.accumulate(x, 1),
    _with_specials, (f32,), name="cumlogsumexp_specials")

# ---------------------------------------------------------------------------------------
# pjit: a jitted function called inside a transformation


_inner = xf.jit(lambda x, y: lax.sin(x) * y)
rec("pjit", lambda x, y: _inner(x, y) + 1, lambda x, y: onp.sin(x) * y + 1, binary_gen(), (f32,))


# ---------------------------------------------------------------------------------------
# the tests

def _cases():
    for r in RECORDS:
        for dtype in r.dtypes:
            yield pytest.param(r, dtype, id=f"{r.name}-{dtype.name}")


def _expected(r, dtype, args):
    up = [upcast(a) for a in args] if r.upcast else args
    with onp.errstate(all="ignore"):
        ref = r.ref(*up)
    out_dtype = r.out_dtype(dtype) if r.out_dtype else dtype
    if isinstance(ref, (list, tuple)):
        return [onp.asarray(x) for x in ref]
    return onp.asarray(ref).astype(out_dtype)


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("r,dtype", list(_cases()))
def test_op(r, dtype, jit):
    args = r.gen(rng_for(r.name, dtype.name), dtype)
    fun = xf.jit(r.fun) if jit else r.fun
    out = fun(*args)
    expected = _expected(r, dtype, args)
    if isinstance(expected, list):
        assert len(out) == len(expected)
        for o, e, a in zip(out, expected, args):
            assert_close(o, e, dtype=onp.asarray(a).dtype, rtol=r.tol)
    else:
        assert_close(out, expected, rtol=r.tol)


def _prims_in(jaxpr):
    names = set()
    for eqn in jaxpr.eqns:
        names.add(eqn.prim.name)
        for v in eqn.params.values():
            inner = getattr(v, "jaxpr", v)
            if hasattr(inner, "eqns"):
                names |= _prims_in(inner)
    return names


@pytest.mark.parametrize("r", RECORDS, ids=[r.name for r in RECORDS])
def test_record_binds_its_primitive(r):
    dtype = r.dtypes[0]
    args = r.gen(rng_for(r.name, dtype.name), dtype)
    closed = xf.make_jaxpr(r.fun)(*args)
    assert r.prim in _prims_in(closed.jaxpr)
    xf.core.typecheck_jaxpr(closed.jaxpr)


# Every primitive needs a record; list a name here (with the reason) only when it cannot
# have one.
# Primitives tested in their own files (they carry IR or need a named axis, which a plain
# op record cannot express).
EXEMPT = {
    "cond": "tests/test_control_flow.py", "while": "tests/test_control_flow.py",
    "scan": "tests/test_control_flow.py",
    "psum": "tests/test_parallel.py", "pmax": "tests/test_parallel.py",
    "pmin": "tests/test_parallel.py", "all_gather": "tests/test_parallel.py",
    "axis_index": "tests/test_parallel.py",
}


def all_primitives():
    """Every Primitive defined in xlafront.lax's modules (and their tables), plus pjit."""
    found = {}

    def visit(value):
        if isinstance(value, Primitive):
            found.setdefault(value.name, value)
        elif isinstance(value, dict):
            for v in value.values():
                if isinstance(v, Primitive):
                    found.setdefault(v.name, v)

    modules = [lax] + [importlib.import_module(m.name) for m in
                       pkgutil.walk_packages(lax.__path__, lax.__name__ + ".")]
    for module in modules:
        for value in vars(module).values():
            visit(value)
    visit(next(p for p in xf.core.all_primitives() if p.name == "pjit"))
    return found


def test_every_primitive_has_rules_and_a_record():
    prims = all_primitives()
    assert len(prims) > 80
    missing_rules = sorted(n for n, p in prims.items() if p.abstract_eval is None or lowering.lowering_rule(p) is None)
    assert not missing_rules, f"primitives without abstract_eval or lowering: {missing_rules}"
    covered = {r.prim for r in RECORDS}
    untested = sorted(set(prims) - covered - set(EXEMPT))
    assert not untested, f"primitives with no op record: {untested}"
    assert covered <= set(prims), f"records name unknown primitives: {covered - set(prims)}"


def test_weak_type_flags():
    assert lax.convert_element_type(onp.float32(1), f32, weak_type=True).weak_type
    assert not lax.convert_element_type(1.0, f32).weak_type
    assert lax.add(1.0, 2.0).weak_type
    weak = lax.convert_element_type(onp.ones(2, onp.float32), f32, weak_type=True)
    assert lax.mul(weak, 2).weak_type and not lax.mul(onp.ones(2, onp.float32), 2.0).weak_type
    assert not lax.mul(weak, onp.ones(2, onp.float32)).weak_type
    assert lax.neg(weak).weak_type and lax.reshape(weak, (1, 2)).weak_type
    assert not lax.eq(weak, weak).weak_type


def test_no_op_wrappers_return_arrays():
    """Wrappers with nothing to do return their input only when it already is an Array."""
    host = onp.ones((2, 3), onp.float32)
    for out in (lax.reshape(host, (2, 3)), lax.transpose(host, (0, 1)), lax.squeeze(host, ()),
                lax.rev(host, ()), lax.concatenate([host], 0), lax.slice(host, (0, 0), (2, 3)),
                lax.broadcast_in_dim(host, (2, 3), (0, 1)), lax.convert_element_type(host, f32)):
        assert isinstance(out, xf.Array)
    x = xf.numpy.ones((2, 3))
    assert lax.reshape(x, (2, 3)) is x and lax.convert_element_type(x, f32) is x


# ---------------------------------------------------------------------------------------
# errors: abstract evaluation rejects bad inputs with TypeError/ValueError, before XLA

_f = onp.ones((2, 3), onp.float32)
_i = onp.ones((2, 3), onp.int32)
_u = onp.ones((2, 3), onp.uint8)
_errors = [
    ("add_mixed_dtypes", lambda: lax.add(_f, _i), TypeError, "same dtypes"),
    ("add_shapes", lambda: lax.add(_f, _f.T), TypeError, "shapes"),
    ("sin_int", lambda: lax.sin(_i), TypeError, "int32"),
    ("floor_int", lambda: lax.floor(_i), TypeError, "floor"),
    ("abs_unsigned", lambda: lax.abs(_u), TypeError, "uint8"),
    ("rem_complex", lambda: lax.rem(_f.astype(onp.complex64), _f.astype(onp.complex64)),
     TypeError, "complex"),
    ("complex_f16", lambda: lax.complex(_f.astype(onp.float16), _f.astype(onp.float16)),
     TypeError, "float16"),
    ("shift_float", lambda: lax.shift_left(_f, _f), TypeError, "shift_left"),
    ("lt_complex", lambda: lax.lt(_f.astype(onp.complex64), _f.astype(onp.complex64)),
     TypeError, "complex"),
    ("select_n_three_bool", lambda: lax.select_n(_f > 0, _f, _f, _f), TypeError, "boolean"),
    ("select_n_float_which", lambda: lax.select_n(_f, _f, _f), TypeError, "which"),
    ("clamp_shape", lambda: lax.clamp(onp.zeros(3, onp.float32), _f, onp.float32(1)),
     TypeError, "clamp"),
    ("integer_pow_float_exponent", lambda: lax.integer_pow(_f, 2.0), TypeError, "int"),
    ("bitcast_width", lambda: lax.bitcast_convert_type(_f, onp.int8), TypeError, "width"),
    ("reshape_size", lambda: lax.reshape(_f, (4,)), TypeError, "reshape"),
    ("transpose_perm", lambda: lax.transpose(_f, (0, 0)), ValueError, "permutation"),
    ("squeeze_non_unit", lambda: lax.squeeze(_f, (0,)), ValueError, "squeeze"),
    ("pad_interior", lambda: lax.pad(_f, 0.0, ((0, 0, -1), (0, 0, 0))), ValueError, "interior"),
    ("pad_negative_size", lambda: lax.pad(_f, 0.0, ((-3, 0, 0), (0, 0, 0))), ValueError, "negative"),
    ("concatenate_shapes", lambda: lax.concatenate([_f, _f.T], 0), TypeError, "concatenate"),
    ("slice_bounds", lambda: lax.slice(_f, (0, 0), (3, 3)), IndexError, "out of bounds"),
    ("dynamic_slice_size", lambda: lax.dynamic_slice(_f, (0, 0), (3, 3)), TypeError, "slice_sizes"),
    ("dynamic_slice_float_index", lambda: lax.dynamic_slice(_f, (onp.float32(0), 0), (1, 1)),
     TypeError, "integer"),
    ("reduce_axis", lambda: lax.reduce_sum(_f, (2,)), ValueError, "out of bounds"),
    ("argmax_empty", lambda: lax.argmax(onp.zeros((0,), onp.float32), 0, onp.int32), ValueError,
     "empty"),
    ("dot_general_contract", lambda: lax.dot_general(_f, _f, (((1,), (0,)), ((), ()))),
     TypeError, "contracting"),
    ("dot_general_dtypes", lambda: lax.dot_general(_f, _i, (((1,), (1,)), ((), ()))), TypeError,
     "same dtypes"),
    ("sort_shapes", lambda: lax.sort([_f, onp.ones(3, onp.float32)]), TypeError, "shape"),
    ("sort_num_keys", lambda: lax.sort([_f, _f], num_keys=3), ValueError, "num_keys"),
    ("sort_complex_key", lambda: lax.sort(_f.astype(onp.complex64)), TypeError, "complex"),
    ("gather_float_indices", lambda: lax.gather(_f, onp.zeros((2, 1), onp.float32),
                                                _rows_dn, (1, 3)), TypeError, "integer"),
    ("gather_slice_sizes", lambda: lax.gather(_f, onp.zeros((2, 1), onp.int32), _rows_dn,
                                              (1, 4)), TypeError, "slice_sizes"),
    ("gather_index_vector", lambda: lax.gather(_f, onp.zeros((2, 2), onp.int32), _rows_dn,
                                               (1, 3)), TypeError, "start_index_map"),
    ("gather_mode", lambda: lax.gather(_f, onp.zeros((2, 1), onp.int32), _rows_dn, (1, 3),
                                       mode="wrap"), ValueError, "mode"),
    ("scatter_dtypes", lambda: lax.scatter_add(_f, onp.zeros((2, 1), onp.int32), _i[:2],
                                               _rows_sdn), TypeError, "same dtype"),
    ("scatter_updates_shape", lambda: lax.scatter(_f, onp.zeros((1, 1), onp.int32), _f,
                                                  _rows_sdn), TypeError, "scatter dimensions"),
    ("cumsum_bool", lambda: lax.cumsum(_f > 0), TypeError, "bool"),
    ("cummax_complex", lambda: lax.cummax(_f.astype(onp.complex64)), TypeError, "complex"),
    ("cumsum_axis", lambda: lax.cumsum(_f, 2), ValueError, "out of bounds"),
]


@pytest.mark.parametrize("fn,error,match", [e[1:] for e in _errors], ids=[e[0] for e in _errors])
def test_errors(fn, error, match):
    with pytest.raises(error, match=match):
        fn()


def test_jit_float64_numpy_constant():
    out = xf.jit(lambda x: lax.add(x, onp.ones(2)))(onp.ones(2, onp.float32))
    assert_close(out, onp.full(2, 2, onp.float32))


def test_jit_bool_numpy_constant():
    mask = onp.array([True, False, True])
    out = xf.jit(lambda x: lax.bitwise_and(x, mask))(onp.ones(3, bool))
    assert out.tolist() == [True, False, True]
