"""Dtypes: JAX's promotion table with weak types, result_type/promote_types, weak_type flags,
the x64 switch, transfers of every dtype, and OverflowError for oversized Python ints."""
import warnings

import ml_dtypes
import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as xnp
from xlafront import lax

from conftest import assert_close, bfloat16, float8_e4m3fn, float8_e5m2

# JAX's type promotion table ("Type promotion semantics" in JAX's documentation), with x64
# enabled. i*, f*, c* are the weak types of Python int, float and complex scalars.
_CODES = "b1 u1 u2 u4 u8 i1 i2 i4 i8 bf f2 f4 f8 c4 c8 i* f* c*".split()
_TABLE = """
b1 b1 u1 u2 u4 u8 i1 i2 i4 i8 bf f2 f4 f8 c4 c8 i* f* c*
u1 u1 u1 u2 u4 u8 i2 i2 i4 i8 bf f2 f4 f8 c4 c8 u1 f* c*
u2 u2 u2 u2 u4 u8 i4 i4 i4 i8 bf f2 f4 f8 c4 c8 u2 f* c*
u4 u4 u4 u4 u4 u8 i8 i8 i8 i8 bf f2 f4 f8 c4 c8 u4 f* c*
u8 u8 u8 u8 u8 u8 f* f* f* f* bf f2 f4 f8 c4 c8 u8 f* c*
i1 i1 i2 i4 i8 f* i1 i2 i4 i8 bf f2 f4 f8 c4 c8 i1 f* c*
i2 i2 i2 i4 i8 f* i2 i2 i4 i8 bf f2 f4 f8 c4 c8 i2 f* c*
i4 i4 i4 i4 i8 f* i4 i4 i4 i8 bf f2 f4 f8 c4 c8 i4 f* c*
i8 i8 i8 i8 i8 f* i8 i8 i8 i8 bf f2 f4 f8 c4 c8 i8 f* c*
bf bf bf bf bf bf bf bf bf bf bf f4 f4 f8 c4 c8 bf bf c4
f2 f2 f2 f2 f2 f2 f2 f2 f2 f2 f4 f2 f4 f8 c4 c8 f2 f2 c4
f4 f4 f4 f4 f4 f4 f4 f4 f4 f4 f4 f4 f4 f8 c4 c8 f4 f4 c4
f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 c8 c8 f8 f8 c8
c4 c4 c4 c4 c4 c4 c4 c4 c4 c4 c4 c4 c4 c8 c4 c8 c4 c4 c4
c8 c8 c8 c8 c8 c8 c8 c8 c8 c8 c8 c8 c8 c8 c8 c8 c8 c8 c8
i* i* u1 u2 u4 u8 i1 i2 i4 i8 bf f2 f4 f8 c4 c8 i* f* c*
f* f* f* f* f* f* f* f* f* f* bf f2 f4 f8 c4 c8 f* f* c*
c* c* c* c* c* c* c* c* c* c* c4 c4 c4 c8 c4 c8 c* c* c*
"""
TABLE = {}
for _line in _TABLE.strip().splitlines():
    _row, *_entries = _line.split()
    TABLE.update({(_row, col): entry for col, entry in zip(_CODES, _entries)})

_DTYPES = {"b1": onp.bool_, "u1": onp.uint8, "u2": onp.uint16, "u4": onp.uint32,
           "u8": onp.uint64, "i1": onp.int8, "i2": onp.int16, "i4": onp.int32, "i8": onp.int64,
           "bf": bfloat16, "f2": onp.float16, "f4": onp.float32, "f8": onp.float64,
           "c4": onp.complex64, "c8": onp.complex128}
_WEAK_SCALARS = {"i*": 1, "f*": 1.0, "c*": 1j}
_TO_32 = {"u8": "u4", "i8": "i4", "f8": "f4", "c8": "c4"}
_WEAK_64 = {"i*": "i8", "f*": "f8", "c*": "c8"}


def _expected(code, x64):
    """(dtype, weak_type) of a table entry with x64 on or off."""
    weak = code in _WEAK_64
    code = _WEAK_64.get(code, code)
    if not x64:
        code = _TO_32.get(code, code)
    return onp.dtype(_DTYPES[code]), weak


def _operand(code):
    """A Python scalar for a weak code, else an abstract array of that dtype."""
    if code in _WEAK_SCALARS:
        return _WEAK_SCALARS[code]
    return xf.ShapeDtypeStruct((2,), _DTYPES[code])


def _pairs(x64):
    for a in _CODES:
        for b in _CODES:
            if not x64 and (a in _TO_32 or b in _TO_32):
                continue  # without x64, 64-bit inputs become 32-bit first: rows above cover them
            yield a, b


def _promotions(x64):
    """[(a, b, expected dtype, expected weak, got dtype, got weak)] for xnp.add over the table."""
    rows = []
    for a, b in _pairs(x64):
        got = xf.eval_shape(xnp.add, _operand(a), _operand(b))
        dtype, weak = _expected(TABLE[a, b], x64)
        rows.append((a, b, dtype, weak, got.dtype, got.weak_type))
    return rows


@pytest.fixture(params=[False, True], ids=["x32", "x64"])
def x64_mode(request):
    previous = xf.config.read("enable_x64")
    xf.config.update("enable_x64", request.param)
    try:
        yield request.param
    finally:
        xf.config.update("enable_x64", previous)


def test_table_is_symmetric():
    assert all(TABLE[a, b] == TABLE[b, a] for a in _CODES for b in _CODES)


def test_promotion_table_dtypes(x64_mode):
    wrong = [f"{a}+{b}: {got} != {dtype}" for a, b, dtype, _, got, _ in _promotions(x64_mode)
             if got != dtype]
    assert not wrong, wrong


def test_result_type_follows_table(x64_mode):
    wrong = []
    for a, b in _pairs(x64_mode):
        args = [_WEAK_SCALARS.get(c, None) if c in _WEAK_SCALARS else _DTYPES[c] for c in (a, b)]
        got = xnp.result_type(*args)
        if got != _expected(TABLE[a, b], x64_mode)[0]:
            wrong.append(f"{a}+{b}: {got}")
    assert not wrong, wrong


def test_promotion_table_weak_types(x64_mode):
    # Where the result is strong, or every input is weak, the flag must match JAX's.
    # (Strong inputs with a weak result are checked by test_weak_result_of_strong_inputs.)
    wrong = [f"{a}+{b}: weak_type={got_weak}" for a, b, _, weak, _, got_weak in _promotions(x64_mode)
             if (not weak or (a in _WEAK_SCALARS and b in _WEAK_SCALARS)) and got_weak != weak]
    assert not wrong, wrong


def test_weak_result_of_strong_inputs(x64_mode):
    wrong = [f"{a}+{b}" for a, b, _, weak, _, got_weak in _promotions(x64_mode)
             if weak and not (a in _WEAK_SCALARS and b in _WEAK_SCALARS) and not got_weak]
    assert not wrong, wrong


@pytest.mark.parametrize("a,b", [(float8_e4m3fn, onp.float16), (float8_e4m3fn, float8_e5m2),
                                 (float8_e5m2, bfloat16)])
def test_float8_types_do_not_promote(a, b):
    with pytest.raises(TypeError):
        xnp.result_type(a, b)


@pytest.mark.parametrize("dtype", [float8_e4m3fn, float8_e5m2, bfloat16, onp.float16])
def test_weak_float_keeps_small_float_dtypes(dtype):
    assert xnp.result_type(dtype, 2.0) == dtype
    assert xnp.result_type(dtype, 2) == dtype


# ---------------------------------------------------------------------------------------
# promotion in real computations

_examples = [
    # name, function, expected dtype, expected weak_type
    ("float16_times_python_float", lambda: xnp.ones(3, xnp.float16) * 2.0, onp.float16, False),
    ("int8_plus_python_int", lambda: xnp.ones(3, xnp.int8) + 1, onp.int8, False),
    ("uint8_plus_int8", lambda: xnp.ones(3, xnp.uint8) + xnp.ones(3, xnp.int8), onp.int16, False),
    ("int32_plus_float16", lambda: xnp.ones(3, xnp.int32) + xnp.ones(3, xnp.float16),
     onp.float16, False),
    ("bool_plus_int8", lambda: xnp.ones(3, bool) + xnp.ones(3, xnp.int8), onp.int8, False),
    ("bfloat16_plus_float16", lambda: xnp.ones(3, xnp.bfloat16) + xnp.ones(3, xnp.float16),
     onp.float32, False),
    ("uint32_plus_int32", lambda: xnp.ones(3, xnp.uint32) + xnp.ones(3, xnp.int32), onp.int32,
     False),
    ("python_int_plus_float", lambda: xnp.add(1, 2.0), onp.float32, True),
    ("weak_array_times_python_int", lambda: xnp.asarray(2.0) * 2, onp.float32, True),
    ("weak_times_strong", lambda: xnp.asarray(2.0) * xnp.float32(2), onp.float32, False),
    ("lax_weak_add", lambda: lax.add(1.0, 2.0), onp.float32, True),
    ("lax_python_scalar_takes_array_dtype", lambda: lax.mul(xnp.ones(2, xnp.float16), 2),
     onp.float16, False),
    ("complex64_times_python_float", lambda: xnp.ones(2, xnp.complex64) * 2.0, onp.complex64,
     False),
    ("float32_times_python_complex", lambda: xnp.ones(2) * 1j, onp.complex64, False),
    ("int_true_divide", lambda: xnp.arange(3) / 2, onp.float32, False),
    ("uint8_sum_is_uint32", lambda: xnp.sum(xnp.ones(3, xnp.uint8)), onp.uint32, False),
    ("int8_sum_is_int32", lambda: xnp.sum(xnp.ones(3, xnp.int8)), onp.int32, False),
    ("bool_mean_is_float32", lambda: xnp.mean(xnp.ones(3, bool)), onp.float32, False),
    ("float16_mean_stays", lambda: xnp.mean(xnp.ones(3, xnp.float16)), onp.float16, False),
    ("asarray_python_float_is_weak", lambda: xnp.asarray(2.0), onp.float32, True),
    ("ones_int32_is_strong", lambda: xnp.ones(3, xnp.int32), onp.int32, False),
    ("full_python_float_is_weak", lambda: xnp.full((2,), 2.5), onp.float32, True),
    ("full_with_dtype_is_strong", lambda: xnp.full((2,), 2.5, xnp.float32), onp.float32, False),
    ("asarray_with_dtype_is_strong", lambda: xnp.asarray(2.0, dtype=xnp.float32), onp.float32,
     False),
    ("astype_is_strong", lambda: xnp.asarray(2.0).astype(xnp.float16), onp.float16, False),
    ("jit_keeps_weak_argument", lambda: xf.jit(lambda x: x * 2)(3.0), onp.float32, True),
    ("where_python_scalars", lambda: xnp.where(xnp.ones(2, bool), xnp.ones(2, xnp.int8), 0),
     onp.int8, False),
]


@pytest.mark.parametrize("fn,dtype,weak", [e[1:] for e in _examples], ids=[e[0] for e in _examples])
def test_promotion_examples(fn, dtype, weak):
    out = fn()
    assert out.dtype == dtype
    assert out.weak_type == weak


@pytest.mark.parametrize("fn", [lambda: xnp.ones(2, bool) + 1, lambda: xnp.arange(3) + 1.5],
                         ids=["bool_plus_int", "int32_plus_float"])
def test_weak_result_examples(fn):
    assert fn().weak_type


def test_result_type_and_promote_types():
    assert xnp.result_type(onp.int8, 1) == onp.int8
    assert xnp.result_type(onp.float16, 1.0) == onp.float16
    assert xnp.result_type(onp.int32, onp.float32) == onp.float32
    assert xnp.result_type("float32", "int8") == onp.float32
    assert xnp.result_type(xnp.bfloat16, onp.float16) == onp.float32
    assert xnp.result_type(xnp.ones(2, xnp.int16), 2.0) == onp.float32
    assert xnp.result_type(1, 2) == onp.int32
    assert xnp.result_type(True, 1) == onp.int32
    assert xnp.result_type(int, float) == onp.float32
    assert xnp.promote_types(onp.int8, onp.uint8) == onp.int16
    assert xnp.promote_types(bfloat16, onp.float16) == onp.float32
    assert xnp.promote_types(onp.int64, onp.float16) == onp.float16
    assert xnp.promote_types("bool", "uint16") == onp.uint16


# ---------------------------------------------------------------------------------------
# the x64 switch


def test_x64_default_is_off():
    assert xf.config.read("enable_x64") is False
    assert xnp.arange(3.0).dtype == onp.float32
    assert xnp.asarray(onp.arange(3)).dtype == onp.int32
    assert xnp.zeros(2).dtype == onp.float32


def test_x64_switch(x64):
    assert xnp.arange(3.0).dtype == onp.float64
    assert xnp.arange(3).dtype == onp.int64
    assert xnp.zeros(2).dtype == onp.float64
    assert xnp.asarray(2**40).dtype == onp.int64
    assert xnp.asarray(onp.arange(3, dtype=onp.uint64)).dtype == onp.uint64
    assert (xnp.ones(2, xnp.float32) * 1j).dtype == onp.complex64
    assert xnp.asarray(1j).dtype == onp.complex128
    assert xf.jit(lambda x: x + 1.0)(onp.ones(2)).dtype == onp.float64
    assert xnp.sum(xnp.ones(3, xnp.int8)).dtype == onp.int64
    assert xnp.promote_types(onp.uint64, onp.int64) == onp.float64
    assert_close(xnp.arange(3.0) / 3, onp.arange(3.0) / 3, rtol=1e-15)


def test_x64_key_alias():
    previous = xf.config.read("enable_x64")
    try:
        xf.config.update("jax_enable_x64", True)
        assert xf.config.read("enable_x64") is True and xf.config.enable_x64 is True
        assert xnp.arange(3.0).dtype == onp.float64
        xf.config.update("jax_enable_x64", False)
        assert xf.config.jax_enable_x64 is False
        assert xnp.arange(3.0).dtype == onp.float32
    finally:
        xf.config.update("enable_x64", previous)


def test_jit_cache_respects_x64():
    f = xf.jit(lambda: xnp.arange(3.0))
    assert f().dtype == onp.float32
    previous = xf.config.read("enable_x64")
    try:
        xf.config.update("enable_x64", True)
        assert f().dtype == onp.float64
    finally:
        xf.config.update("enable_x64", previous)
    assert f().dtype == onp.float32


def test_unknown_config_option():
    with pytest.raises(AttributeError, match="unknown option"):
        xf.config.update("enable_x65", True)


# ---------------------------------------------------------------------------------------
# transfers of every dtype

_ALL = [onp.bool_, onp.int8, onp.int16, onp.int32, onp.int64, onp.uint8, onp.uint16, onp.uint32,
        onp.uint64, onp.float16, bfloat16, onp.float32, onp.float64, onp.complex64,
        onp.complex128, float8_e4m3fn, float8_e5m2]


@pytest.mark.parametrize("dtype", _ALL, ids=lambda d: onp.dtype(d).name)
def test_device_put_round_trip(dtype, x64):
    host = (onp.arange(-3, 3) * (1 if onp.dtype(dtype).kind in "biu" else 0.5)).astype(dtype)
    if onp.dtype(dtype).kind == "u":
        host = onp.arange(6).astype(dtype)
    if onp.dtype(dtype).kind == "c":
        host = host + (1j * host[::-1]).astype(dtype)
    x = xf.device_put(host)
    assert isinstance(x, xf.Array) and x.dtype == dtype and x.shape == (6,)
    back = onp.asarray(x)
    assert back.dtype == dtype
    onp.testing.assert_array_equal(back, host)
    assert_close(xnp.asarray(host), host)
    assert onp.asarray(xf.device_get(x)).dtype == dtype


@pytest.mark.parametrize("dtype,canonical", [(onp.int64, onp.int32), (onp.uint64, onp.uint32),
                                             (onp.float64, onp.float32),
                                             (onp.complex128, onp.complex64)],
                         ids=lambda d: onp.dtype(d).name)
def test_device_put_canonicalizes_without_x64(dtype, canonical):
    x = xf.device_put(onp.arange(4).astype(dtype))
    assert x.dtype == canonical
    onp.testing.assert_array_equal(onp.asarray(x), onp.arange(4).astype(canonical))


@pytest.mark.parametrize("dtype", [onp.float16, bfloat16, float8_e4m3fn, onp.int8, onp.uint16],
                         ids=lambda d: onp.dtype(d).name)
def test_small_dtypes_compute(dtype):
    host = onp.arange(4).astype(dtype)
    out = xf.jit(lambda x: x + x)(host)
    assert out.dtype == dtype
    onp.testing.assert_array_equal(onp.asarray(out).astype(onp.float32),
                                   (host.astype(onp.float32) * 2))


def test_unsupported_dtype():
    with pytest.raises(TypeError, match="object"):
        xnp.asarray(onp.array(["a"], dtype=object))
    with pytest.raises(TypeError):
        xnp.zeros(2, dtype="U3")


# ---------------------------------------------------------------------------------------
# Python ints too large for their dtype

_overflows = [
    ("asarray", lambda: xnp.asarray(2**31)),
    ("asarray_list", lambda: xnp.asarray([1, 2**40])),
    ("asarray_int8", lambda: xnp.asarray(1000, dtype=xnp.int8)),
    ("asarray_uint8_negative", lambda: xnp.asarray(-1, dtype=xnp.uint8)),
    ("scalar_type", lambda: xnp.int8(1000)),
    ("add", lambda: xnp.ones(3, xnp.int32) + 2**40),
    ("int8_add", lambda: xnp.ones(3, xnp.int8) + 2**31),  # beyond the weak int32 a Python int is
    ("float_add", lambda: xnp.ones(3) + 2**31),
    ("jit_int8_add", lambda: xf.jit(lambda x: x + 2**31)(xnp.ones(3, xnp.int8))),
    ("lax_add", lambda: lax.add(xnp.ones(3, xnp.int32), 2**40)),
    ("full_no_dtype", lambda: xnp.full(3, 2**33)),
    ("jit_argument", lambda: xf.jit(lambda x: x)(2**40)),
]


@pytest.mark.parametrize("fn", [o[1] for o in _overflows], ids=[o[0] for o in _overflows])
def test_python_int_overflow(fn):
    with pytest.raises(OverflowError):
        fn()


def test_python_int_overflow_with_x64(x64):
    assert xnp.asarray(2**40).dtype == onp.int64
    with pytest.raises(OverflowError):
        xnp.asarray(2**64)
    assert int(xnp.int64(2**62)) == 2**62


def test_large_python_ints_fit_their_dtype():
    assert int(xnp.asarray(2**31 - 1)) == 2**31 - 1
    assert int(xnp.asarray(-2**31)) == -2**31
    assert_close(xnp.ones(2, xnp.uint8) + 254, onp.full(2, 255, onp.uint8))
    # an explicit dtype holds its whole range (JAX: jnp.array(2**32 - 1, dtype=uint32))
    assert int(xnp.asarray(2**32 - 1, dtype=xnp.uint32)) == 2**32 - 1
    assert int(xnp.uint32(2**32 - 1)) == 2**32 - 1
    assert_close(xnp.full(2, 2**32 - 1, dtype=xnp.uint32), onp.full(2, 2**32 - 1, onp.uint32))
    assert_close(xnp.full(2, 2**40, dtype=xnp.float32), onp.full(2, 2**40, onp.float32))


_I8 = onp.array([1, -1, 100], onp.int8)
_U8 = onp.array([1, 200, 0], onp.uint8)

# As JAX: a Python int is a weak int32 (OverflowError beyond that range), converted to a
# narrower integer operand's dtype by wrapping modulo 2**bits, eagerly and under jit alike:
# int8 + 1000 is int8 + (-24); uint8 - 5 is uint8 + 251. Expected values by hand.
def i8(*v):
    return onp.array(v, onp.int8)


def u8(*v):
    return onp.array(v, onp.uint8)


def b(*v):
    return onp.array(v, onp.bool_)


_wraps = [
    ("int8_add_1000", lambda x: x + 1000, _I8, i8(-23, -25, 76)),
    ("int8_radd_1000", lambda x: 1000 + x, _I8, i8(-23, -25, 76)),
    ("int8_mul_1000", lambda x: x * 1000, _I8, i8(-24, 24, -96)),
    ("int8_lt_256", lambda x: x < 256, _I8, b(False, True, False)),  # 256 wraps to 0
    ("int8_eq_255", lambda x: x == 255, _I8, b(False, True, False)),  # 255 wraps to -1
    ("int8_floordiv_1000", lambda x: x // 1000, _I8, i8(-1, 0, -5)),
    ("int8_mod_1000", lambda x: x % 1000, _I8, i8(-23, -1, -20)),
    ("int8_and_1000", lambda x: x & 1000, _I8, i8(0, -24, 96)),
    ("int8_maximum_1000", lambda x: xnp.maximum(x, 1000), _I8, i8(1, -1, 100)),
    ("int8_where_1000", lambda x: xnp.where(x > 0, x, 1000), _I8, i8(1, -24, 100)),
    ("int8_isclose_255", lambda x: xnp.isclose(x, 255), _I8, b(False, True, False)),
    ("uint8_add_negative", lambda x: x + (-5), _U8, u8(252, 195, 251)),
    ("uint8_sub_5", lambda x: x - 5, _U8, u8(252, 195, 251)),
    ("uint8_rsub_5", lambda x: 5 - x, _U8, u8(4, 61, 5)),
    ("uint8_lt_negative", lambda x: x < -1, _U8, b(True, True, True)),  # -1 wraps to 255
    ("uint8_sum_initial", lambda x: xnp.sum(x, initial=-5), _U8, onp.uint32(196)),
    ("uint8_at_set", lambda x: x.at[0].set(-1), _U8, u8(255, 200, 0)),
    ("uint8_at_add", lambda x: x.at[xnp.asarray([2])].add(-1), _U8, u8(1, 200, 255)),
    ("int8_full_like", lambda x: xnp.full_like(x, 1000), _I8, i8(-24, -24, -24)),
]


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("fn,x,expected", [w[1:] for w in _wraps], ids=[w[0] for w in _wraps])
def test_python_int_wraps_to_small_int_dtypes(fn, x, expected, jit):
    assert_close((xf.jit(fn) if jit else fn)(xnp.asarray(x)), expected)


def test_python_int_keeps_its_value_in_float_results():
    # As JAX: made inexact directly, with no detour through the integer operand's dtype
    x = xnp.asarray(_I8)
    assert_close(x / 1000, onp.array([0.001, -0.001, 0.1], onp.float32))
    assert_close(xnp.logaddexp(x, 1000), onp.full(3, 1000, onp.float32))


def test_full_with_an_explicit_integer_dtype_wraps():
    # As JAX (lax.full converts the value as NumPy's astype does)
    assert_close(xnp.full(2, 1000, dtype=xnp.int8), onp.full(2, -24, onp.int8))
    assert_close(xnp.full(2, -1, dtype=xnp.uint8), onp.full(2, 255, onp.uint8))
    assert_close(xnp.full(2, 2**33 + 5, dtype=xnp.int32), onp.full(2, 5, onp.int32))


def test_finfo_iinfo():
    assert xnp.finfo(xnp.bfloat16.dtype).bits == 16
    assert xnp.finfo(onp.float32).eps == onp.finfo(onp.float32).eps
    assert xnp.finfo(ml_dtypes.float8_e4m3fn).max == 448
    assert xnp.iinfo(onp.int8).min == -128


# ---------------------------------------------------------------------------------------
# JAX's warnings about conversions

_x64_requests = [  # (call, what JAX's message names, requested, result)
    (lambda: xnp.zeros(3, dtype="float64"), "zeros", "float64", onp.float32),
    (lambda: xnp.ones(3, dtype=onp.int64), "ones", "int64", onp.int32),
    (lambda: xnp.full(3, 1, dtype=onp.uint64), "full", "uint64", onp.uint32),
    (lambda: xnp.zeros(3, dtype=onp.complex128), "zeros", "complex128", onp.complex64),
    (lambda: xnp.zeros(3, dtype=onp.dtype(float)), "zeros", "float64", onp.float32),
    (lambda: xnp.array(1.0, dtype=onp.float64), "array", "float64", onp.float32),
    (lambda: xnp.asarray([1.0], dtype="float64"), "asarray", "float64", onp.float32),
    (lambda: xnp.float64(1.0), "asarray", "float64", onp.float32),
    (lambda: xnp.ones(3).astype(onp.float64), "astype", "float64", onp.float32),
    (lambda: xnp.sum(xnp.ones(3), dtype=onp.float64), "sum", "float64", onp.float32),
    (lambda: xnp.mean(xnp.ones(3), dtype=onp.float64), "mean", "float64", onp.float32),
    (lambda: xnp.zeros_like(xnp.ones(2), dtype=onp.float64), "zeros_like", "float64",
     onp.float32),
    (lambda: xnp.eye(2, dtype=onp.float64), "eye", "float64", onp.float32),
    (lambda: xnp.arange(3, dtype=onp.float64), "arange", "float64", onp.float32),
    (lambda: lax.convert_element_type(xnp.ones(2), onp.float64), "convert_element_type",
     "float64", onp.float32),
    (lambda: xf.jit(lambda: xnp.zeros(2, onp.float64))(), "zeros", "float64", onp.float32),
]


@pytest.mark.parametrize("call,op,requested,result", _x64_requests,
                         ids=[f"{r[1]}_{r[2]}_{i}" for i, r in enumerate(_x64_requests)])
def test_explicit_64_bit_dtype_warns_without_x64(call, op, requested, result):
    xf.clear_caches()  # (eager programs warn when traced, as JAX's jitted functions do)
    message = (f"Explicitly requested dtype {requested} requested in {op} is not available, "
               f"and will be truncated to dtype {onp.dtype(result).name}")
    with pytest.warns(UserWarning, match=message):
        out = call()
    assert out.dtype == result


def test_no_64_bit_warning_without_a_request(x64_mode):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        xnp.zeros(3, dtype=float)
        xnp.zeros(3, dtype=int)
        xnp.asarray(onp.ones(2))  # a NumPy float64 array is converted, not requested
        assert xnp.result_type(onp.float64) == (onp.float64 if x64_mode else onp.float32)
        if x64_mode:
            assert xnp.zeros(3, dtype="float64").dtype == onp.float64


def test_complex_to_real_conversion_warns():
    z = xnp.asarray([1 + 2j])
    with pytest.warns(onp.exceptions.ComplexWarning, match="discards the imaginary part"):
        out = lax.convert_element_type(z, onp.float32)
    assert_close(out, onp.array([1.0], onp.float32))
    with pytest.warns(onp.exceptions.ComplexWarning):
        assert_close(xnp.asarray(z, dtype=onp.float32), onp.array([1.0], onp.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        xnp.abs(z), xnp.real(z), lax.convert_element_type(z, onp.complex64)


def test_numpy_scalars_are_strongly_typed():
    # JAX: np.float64(2.0) is a NumPy scalar (strong), though it subclasses Python's float
    assert not xf.typeof(onp.float64(2.0)).weak_type
    assert (xnp.ones(2, "bfloat16") * onp.float32(2)).dtype == onp.float32
    assert (xnp.ones(2, "bfloat16") * 2.0).dtype == xnp.bfloat16
