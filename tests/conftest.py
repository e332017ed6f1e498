"""Shared helpers for the test suite: seeded random inputs, dtype-aware comparison against
NumPy, and the x64 fixture. Test modules import the helpers with `from conftest import ...`."""
import atexit
import os
import shutil
import tempfile
import zlib

# The suite (and the processes it starts) compiles into its own persistent cache, never the
# user's: one directory for the session, shared by the xdist workers, removed at the end.
if "XLAFRONT_CACHE_DIR" not in os.environ:
    os.environ["XLAFRONT_CACHE_DIR"] = tempfile.mkdtemp(prefix="xlafront-test-cache-")
    atexit.register(shutil.rmtree, os.environ["XLAFRONT_CACHE_DIR"], True)

import ml_dtypes  # noqa: E402
import numpy as onp  # noqa: E402
import pytest  # noqa: E402

import xlafront as xf  # noqa: E402

# 8 CPU devices for pmap's tests (tests/test_pmap.py), set before the backend starts;
# processes the tests start keep the default (one device) unless they ask.
xf.config.update("jax_num_cpu_devices", 8)

bfloat16 = onp.dtype(ml_dtypes.bfloat16)
float8_e4m3fn = onp.dtype(ml_dtypes.float8_e4m3fn)
float8_e5m2 = onp.dtype(ml_dtypes.float8_e5m2)
LOW_PRECISION = (onp.dtype(onp.float16), bfloat16)

# rtol (and atol) per result dtype: a few ulps for exact kinds, more for the short floats.
_TOL = {onp.dtype(onp.float16): 4e-3, bfloat16: 3e-2, onp.dtype(onp.float32): 2e-5,
        onp.dtype(onp.float64): 1e-12, onp.dtype(onp.complex64): 2e-5,
        onp.dtype(onp.complex128): 1e-12}

_CANONICAL_32 = {onp.dtype(onp.int64): onp.dtype(onp.int32),
                 onp.dtype(onp.uint64): onp.dtype(onp.uint32),
                 onp.dtype(onp.float64): onp.dtype(onp.float32),
                 onp.dtype(onp.complex128): onp.dtype(onp.complex64)}


def canonical(dtype):
    """The dtype xlafront gives a NumPy result dtype with x64 off (64 -> 32 bits)."""
    dtype = onp.dtype(dtype)
    return _CANONICAL_32.get(dtype, dtype)


def tol_for(dtype):
    return _TOL.get(onp.dtype(dtype), 0)


def rng_for(*key):
    """A generator seeded from `key`, so every parametrized case has fixed inputs."""
    return onp.random.default_rng(zlib.crc32(repr(key).encode()))


def rand(rng, shape, dtype, kind="normal"):
    """Random inputs of `dtype`. Kinds: normal (around 0), pos (0.1..3), unit (-0.9..0.9),
    gt1 (1.1..3), half (multiples of 0.5, for rounding), small (-3..3 integers)."""
    dtype = onp.dtype(dtype)
    if dtype == onp.bool_:
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        if kind == "pos":
            lo, hi = 1, 10
        elif kind == "small":
            lo, hi = (-3 if dtype.kind == "i" else 0), 4
        else:
            lo, hi = (-10 if dtype.kind == "i" else 0), 20
        return rng.integers(lo, hi, shape).astype(dtype)
    if dtype.kind == "c":
        real_dtype = onp.float32 if dtype == onp.complex64 else onp.float64
        return (rand(rng, shape, real_dtype, kind)
                + 1j * rand(rng, shape, real_dtype, kind)).astype(dtype)
    if kind == "pos":
        x = rng.uniform(0.1, 3, shape)
    elif kind == "unit":
        x = rng.uniform(-0.9, 0.9, shape)
    elif kind == "gt1":
        x = rng.uniform(1.1, 3, shape)
    elif kind == "half":
        x = rng.integers(-8, 9, shape) / 2
    elif kind == "small":
        x = rng.integers(-3, 4, shape).astype(onp.float64)
    else:
        x = rng.uniform(-3, 3, shape)
    return onp.asarray(x).astype(dtype)


def args_of(*kinds_and_shapes):
    """A generator `(rng, dtype) -> [arrays]` of arrays of the case's dtype, one per
    (kind, shape) entry (see `rand` for the kinds)."""
    def gen(rng, dtype):
        return [rand(rng, shape, dtype, kind) for kind, shape in kinds_and_shapes]
    return gen


def upcast(x):
    """float16/bfloat16 arrays as float32, for computing references."""
    x = onp.asarray(x)
    return x.astype(onp.float32) if x.dtype in LOW_PRECISION else x


def assert_close(actual, expected, dtype=None, rtol=None, atol=None, check_dtype=True):
    """`actual` (an xlafront Array) equals `expected` (NumPy) in dtype, shape and value,
    within tolerances for the dtype (exact for integers and bools). NaNs must match."""
    expected = onp.asarray(expected)
    dtype = onp.dtype(dtype) if dtype is not None else expected.dtype
    assert isinstance(actual, xf.Array), f"expected an xlafront Array, got {type(actual)}"
    if check_dtype:
        assert actual.dtype == dtype, f"dtype {actual.dtype} != expected {dtype}"
    assert actual.shape == expected.shape, f"shape {actual.shape} != expected {expected.shape}"
    got = onp.asarray(actual)
    if dtype.kind in "biu" and dtype not in LOW_PRECISION:
        onp.testing.assert_array_equal(got, expected.astype(dtype))
        return
    default = tol_for(dtype)
    rtol = default if rtol is None else rtol
    atol = default if atol is None else atol
    widen = onp.complex128 if dtype.kind == "c" else onp.float64
    onp.testing.assert_allclose(got.astype(widen), expected.astype(widen), rtol=rtol,
                                atol=atol, equal_nan=True)


@pytest.fixture
def x64():
    """Runs the test with 64-bit types enabled, restoring the previous setting after."""
    previous = xf.config.read("enable_x64")
    xf.config.update("enable_x64", True)
    try:
        yield
    finally:
        xf.config.update("enable_x64", previous)
