"""The rest of jax.numpy's names (issue 11): more ufuncs and the ufunc objects, set
operations, manipulation, creation, statistics, polynomials, dtype names, printing and
I/O, and the coverage page. Expected values come from NumPy, or are written by hand from
JAX's documented behaviour where JAX and NumPy differ (said so at each such case)."""
import importlib.util
import io
import json
import operator
import os
import pickle
import warnings

import ml_dtypes
import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as xnp
from xlafront.errors import ConcretizationTypeError
from xlafront.test_util import check_grads

from conftest import assert_close, canonical, rng_for

_F = onp.array([[0.5, -2.0, 3.0, 0.0], [1.5, -0.25, 7.0, -3.5], [2.0, 1e-3, -1e3, 4.0]],
               onp.float32)
_NAN = onp.array([[1.0, onp.nan, 3.0, -2.0], [onp.nan] * 4, [4.0, 0.5, onp.nan, 8.0]],
                 onp.float32)


def _expect(got, want, rtol=None, atol=None, dtype=None):
    """got (an Array, or a tuple/list of them) equals NumPy's want, in the dtype xlafront
    gives with x64 off (or `dtype`)."""
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            _expect(g, w, rtol, atol, dtype)
        return
    want = onp.asarray(want)
    assert_close(got, want, dtype=canonical(want.dtype) if dtype is None else dtype, rtol=rtol,
                 atol=atol)


def _eager_and_jit(fn, *args):
    """fn(*args) eagerly and under jit (the arrays as jit arguments)."""
    return [fn(*args), xf.jit(fn)(*args)]


# ---------------------------------------------------------------------------------------
# ufuncs

def test_array_api_aliases_are_the_numpy_functions():
    pairs = [("acos", "arccos"), ("asin", "arcsin"), ("atan", "arctan"), ("atan2", "arctan2"),
             ("acosh", "arccosh"), ("asinh", "arcsinh"), ("atanh", "arctanh"),
             ("pow", "power"), ("bitwise_left_shift", "left_shift"),
             ("bitwise_right_shift", "right_shift"), ("concat", "concatenate"),
             ("permute_dims", "transpose")]
    for alias, name in pairs:
        assert getattr(xnp, alias) is getattr(xnp, name), alias


_UNARY = [
    ("log2", onp.log2, [_F, onp.arange(1, 5, dtype=onp.int32), onp.array(8.0, onp.float32),
                        onp.zeros((0, 3), onp.float32), onp.array([1 + 1j, -2j], onp.complex64)]),
    ("log10", onp.log10, [_F, onp.arange(1, 5, dtype=onp.int8), onp.array([10 + 1j], onp.complex64)]),
    ("sinc", onp.sinc, [_F, onp.array(0.0, onp.float32), onp.arange(-3, 4, dtype=onp.int32)]),
    ("spacing", onp.spacing, [_F, onp.array([1.0, -1.0, 0.0, onp.inf], onp.float16)]),
    ("i0", onp.i0, [_F / 10, onp.array([0.0, 9.0, -20.0], onp.float32), onp.arange(4)]),
    ("isposinf", onp.isposinf, [onp.array([onp.inf, -onp.inf, onp.nan, 1], onp.float32),
                                onp.arange(3)]),
    ("isneginf", onp.isneginf, [onp.array([onp.inf, -onp.inf, onp.nan, 1], onp.float32),
                                onp.array(True)]),
    ("iscomplex", onp.iscomplex, [onp.array([1 + 1j, 2, 3j], onp.complex64), _F]),
    ("isreal", onp.isreal, [onp.array([1 + 1j, 2, 3j], onp.complex64), onp.arange(3)]),
    ("nan_to_num", onp.nan_to_num, [onp.array([onp.nan, onp.inf, -onp.inf, 1.5], onp.float32),
                                    onp.arange(3),
                                    onp.array([complex(onp.nan, onp.inf)], onp.complex64)]),
    ("bitwise_count", onp.bitwise_count, [onp.array([-1, 7, 255, 0], onp.int32),
                                          onp.array([3, 255], onp.uint8), onp.array([True, False])]),
    ("modf", onp.modf, [_F, onp.arange(-2, 3, dtype=onp.int32)]),
    ("frexp", onp.frexp, [_F, onp.array([onp.nan, onp.inf, 0.0], onp.float32),
                          onp.arange(1, 4, dtype=onp.int32)]),
]


@pytest.mark.parametrize("name,ref,inputs", _UNARY, ids=[u[0] for u in _UNARY])
def test_unary_matches_numpy(name, ref, inputs):
    for x in inputs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # (log of 0 and negatives)
            # (JAX computes small integers in float32; NumPy would in float16)
            want = ref(x.astype(onp.float32) if x.dtype.kind in "iu" and name.startswith("log")
                       else x)
        dtype = None
        if name == "bitwise_count":
            dtype = onp.uint8
        elif x.dtype == onp.float16:
            dtype = onp.float16
        elif x.dtype.kind in "biu" and onp.asarray(want[0] if isinstance(want, tuple) else
                                                   want).dtype.kind == "f":
            dtype = onp.float32  # (JAX: booleans and integers compute in float32)
        for got in _eager_and_jit(getattr(xnp, name), x):
            if name == "frexp":  # (the exponent is int32 whatever the input)
                _expect(got[0], want[0], dtype=dtype)
                _expect(got[1], want[1], dtype=onp.int32)
                continue
            _expect(got, want, rtol=2e-5 if name == "i0" else None, dtype=dtype)


def test_nan_to_num_replacements_and_modf_of_infinity():
    x = onp.array([onp.nan, onp.inf, -onp.inf, 2.0], onp.float32)
    _expect(xnp.nan_to_num(x, nan=-1.0, posinf=9.0, neginf=-9.0),
            onp.nan_to_num(x, nan=-1.0, posinf=9.0, neginf=-9.0))
    # (JAX: modf(inf) is (nan, inf), inf - inf; NumPy gives 0.0)
    frac, whole = xnp.modf(onp.array([onp.inf], onp.float32))
    assert onp.isnan(frac[0]) and whole[0] == onp.inf


_BINARY = [
    ("fmax", onp.fmax, _F, _NAN[:, ::-1].copy()),
    ("fmin", onp.fmin, _NAN, onp.float32(1.0)),
    ("fmax", onp.fmax, onp.arange(4), onp.array([3, 0, 5, 1])),
    ("logaddexp2", onp.logaddexp2, _F, _F[::-1].copy()),
    ("logaddexp2", onp.logaddexp2, onp.array([-onp.inf, 1.0], onp.float32),
     onp.array([-onp.inf, onp.inf], onp.float32)),
    ("ldexp", onp.ldexp, _F, onp.array([3, -2, 0, 10], onp.int32)),
    ("ldexp", onp.ldexp, onp.array([1.5, 0.0, onp.inf], onp.float32), onp.int32(2)),
    ("gcd", onp.gcd, onp.array([12, -18, 0, 7, 0], onp.int32), onp.array([8, 12, 5, -21, 0], onp.int32)),
    ("lcm", onp.lcm, onp.array([12, -18, 0, 7, 4], onp.int32), onp.array([8, 12, 5, -21, 6], onp.int32)),
    ("gcd", onp.gcd, onp.arange(12, dtype=onp.uint8).reshape(3, 4), onp.uint8(6)),
]


@pytest.mark.parametrize("name,ref,x,y", _BINARY, ids=[f"{b[0]}-{i}" for i, b in enumerate(_BINARY)])
def test_binary_matches_numpy(name, ref, x, y):
    want = ref(x, y)
    if name == "ldexp":
        want = want.astype(onp.float32)
    for got in _eager_and_jit(getattr(xnp, name), x, y):
        _expect(got, want, rtol=1e-6 if name == "logaddexp2" else None)


def test_ufunc_input_errors():
    with pytest.raises(ValueError, match="integers"):
        xnp.gcd(1.5, 2)
    with pytest.raises(ValueError, match="ldexp"):
        xnp.ldexp(1.0, 2.0)
    with pytest.raises(TypeError, match="complex"):
        xnp.frexp(onp.array([1j]))
    with pytest.raises(ValueError, match="complex"):
        xnp.isposinf(onp.array([1j]))
    with pytest.raises(ValueError, match="complex"):
        xnp.spacing(onp.array([1j]))
    with pytest.raises(TypeError, match="integer or boolean"):
        xnp.bitwise_count(onp.array([1.0]))


def test_ufuncs_under_vmap():
    x, y = _F, _F[::-1].copy()
    _expect(xf.vmap(xnp.fmax)(x, _NAN), onp.fmax(x, _NAN))
    _expect(xf.vmap(xnp.logaddexp2)(x, y), onp.logaddexp2(x, y), rtol=1e-6)
    _expect(xf.vmap(xnp.gcd)(onp.array([[4, 6], [9, 12]]), onp.array([[6, 4], [6, 8]])),
            onp.gcd(onp.array([[4, 6], [9, 12]]), onp.array([[6, 4], [6, 8]])))
    _expect(xf.vmap(xnp.frexp)(x), onp.frexp(x))


def test_ufunc_gradients():
    # (away from the integers and powers of two, where modf and frexp jump)
    x = xnp.asarray(onp.array([0.3, -1.2, 2.5, 3.7], onp.float32))
    for f in (xnp.log2, xnp.log10, xnp.sinc, xnp.i0, lambda v: xnp.frexp(v)[0],
              lambda v: xnp.ldexp(v, 3), lambda v: xnp.logaddexp2(v, 1.0),
              lambda v: xnp.fmax(v, 0.5), lambda v: xnp.modf(v)[0], xnp.nan_to_num):
        check_grads(f, (x if f not in (xnp.log2, xnp.log10) else xnp.abs(x),), order=2,
                    rtol=2e-2, atol=2e-2)


def test_sinc_and_i0_derivatives_at_zero():
    # sinc'(0) = 0 and sinc''(0) = -pi**2 / 3; i0'(0) = 0 and i0''(0) = 1/2
    d1 = xf.grad(xnp.sinc)
    assert abs(float(d1(0.0))) < 1e-6
    assert abs(float(xf.grad(d1)(0.0)) + onp.pi ** 2 / 3) < 1e-4
    assert abs(float(xf.grad(xnp.i0)(0.0))) < 1e-6
    assert abs(float(xf.grad(xf.grad(xnp.i0))(0.0)) - 0.5) < 1e-3


# ufunc objects -----------------------------------------------------------------------------

_UFUNC_NAMES = ["add", "bitwise_and", "bitwise_or", "bitwise_xor", "logaddexp", "logaddexp2",
                "logical_and", "logical_or", "logical_xor", "maximum", "minimum", "multiply",
                "negative", "subtract"]


def test_the_ufunc_instances_are_those_of_jax():
    ufuncs = sorted(n for n in dir(xnp) if isinstance(getattr(xnp, n), xnp.ufunc))
    assert ufuncs == _UFUNC_NAMES
    assert repr(xnp.add) == "<jnp.ufunc 'add'>"
    assert (xnp.add.nin, xnp.add.nout, xnp.add.identity) == (2, 1, 0)
    assert xnp.negative.nin == 1 and xnp.multiply.identity == 1
    assert not isinstance(xnp.sin, xnp.ufunc)
    x = xnp.arange(3.0)
    _expect(x + x, onp.arange(3.0) * 2)  # (the operators go through them)
    with pytest.raises(TypeError, match="out"):
        xnp.add(x, x, out=x)
    assert pickle.loads(pickle.dumps(xnp.add)) is xnp.add
    f = pickle.loads(pickle.dumps(xnp.frompyfunc(operator.mul, 2, 1, identity=1)))
    _expect(f.reduce(onp.arange(1, 5, dtype=onp.int32)), onp.int32(24))


_I34 = onp.arange(1, 13, dtype=onp.int32).reshape(3, 4)
_F34 = _F


@pytest.mark.parametrize("name", ["add", "multiply", "maximum", "minimum", "bitwise_xor",
                                  "bitwise_or", "bitwise_and", "logaddexp", "subtract",
                                  "logical_and", "logical_or", "logical_xor"])
def test_ufunc_methods_match_numpy(name):
    ours, ref = getattr(xnp, name), getattr(onp, name)
    x = _F34 if name == "logaddexp" else (_I34 % 2 == 0 if name.startswith("logical") else _I34)
    for axis in (0, 1, None):
        if name == "subtract" and axis is None:
            continue  # (NumPy's reduce of a non-reorderable ufunc over all axes: an error)
        want = ref.reduce(x, axis=axis)
        for got in _eager_and_jit(lambda v: ours.reduce(v, axis=axis), x):
            _expect(got, want, rtol=1e-6)
    _expect(ours.reduce(x, axis=1, keepdims=True), ref.reduce(x, axis=1, keepdims=True),
            rtol=1e-6)
    for axis in (0, 1):
        for got in _eager_and_jit(lambda v: ours.accumulate(v, axis=axis), x):
            _expect(got, ref.accumulate(x, axis=axis), rtol=1e-6)
    _expect(ours.outer(x[0], x[:, 1]), ref.outer(x[0], x[:, 1]), rtol=1e-6)
    idx = onp.array([0, 2, 0, 3])
    if not name.startswith("logical"):
        want = x.copy().reshape(-1)
        ref.at(want, idx, x.reshape(-1)[:4])
        got = ours.at(x.reshape(-1), idx, x.reshape(-1)[:4], inplace=False)
        _expect(got, want, rtol=1e-6)
    ind = onp.array([0, 2, 1])
    _expect(ours.reduceat(x, ind, axis=1), ref.reduceat(x, ind, axis=1), rtol=1e-6)


def test_ufunc_reduce_with_where_initial_and_errors():
    x = _I34
    mask = x % 3 != 0
    _expect(xnp.add.reduce(x, axis=1, where=mask), onp.add.reduce(x, axis=1, where=mask))
    _expect(xnp.maximum.reduce(x, axis=0, initial=6, where=mask),
            onp.maximum.reduce(x, axis=0, initial=6, where=mask))
    with pytest.raises(ValueError, match="identity"):
        xnp.subtract.reduce(x, where=mask)
    with pytest.raises(ValueError, match="binary"):
        xnp.negative.reduce(x)
    with pytest.raises(NotImplementedError, match="inplace"):
        xnp.add.at(x, 0, 1)
    with pytest.raises(TypeError, match="values"):
        xnp.add.at(x, 0, inplace=False)
    _expect(xnp.negative.at(x[0], onp.array([1, 1, 2]), inplace=False),
            onp.array([1, 2, -3, 4], onp.int32))  # (index 1 twice: negated back)
    with pytest.raises(ValueError, match="identity"):
        xnp.subtract.reduce(onp.zeros((0,), onp.int32))


def test_frompyfunc():
    f = xnp.frompyfunc(lambda a, b: a * b + 1, 2, 1, identity=0)
    assert isinstance(f, xnp.ufunc) and f == f and hash(f) == hash(f)
    x = onp.arange(4.0, dtype=onp.float32)
    _expect(f(x, 2.0), x * 2 + 1)
    # reduce starts from the identity: ((((0*0+1)*1+1)*2+1)*3+1) = 16
    _expect(f.reduce(x), onp.float32(16))
    _expect(xf.jit(lambda v: f.reduce(v))(x), onp.float32(16))
    _expect(f.accumulate(x), onp.array([0, 1, 3, 10], onp.float32))
    _expect(f.outer(x[:2], x[:3]), onp.outer(x[:2], x[:3]) + 1)
    _expect(f.at(x, onp.array([1, 1]), 2.0, inplace=False), onp.array([0, 7, 2, 3], onp.float32))
    by_hand = lambda v: (((0 * v[0] + 1) * v[1] + 1) * v[2] + 1) * v[3] + 1  # noqa: E731
    _expect(xf.grad(lambda v: f.reduce(v))(x), onp.asarray(xf.grad(by_hand)(x)))


# dtype helpers -------------------------------------------------------------------------

def test_astype_and_isdtype():
    _expect(xnp.astype(onp.array([1.7, -2.2]), xnp.int32), onp.array([1, -2], onp.int32))
    _expect(xnp.astype(onp.array([1 + 2j, 0], onp.complex64), bool), onp.array([True, False]))
    _expect(xnp.astype(onp.array([1, 2]), None), onp.array([1.0, 2.0], onp.float32))
    with pytest.warns(DeprecationWarning, match="complex to real"):
        xnp.astype(onp.array([1 + 2j], onp.complex64), xnp.float32)
    assert xnp.isdtype(xnp.float32, "real floating")
    assert xnp.isdtype(onp.int8, ("integral", xnp.float32))
    assert not xnp.isdtype(onp.uint8, "signed integer")
    assert xnp.isdtype(xnp.complex64, "numeric") and xnp.isdtype(onp.bool_, "bool")
    assert xnp.isdtype(onp.float32, onp.float32) and not xnp.isdtype(onp.float32, onp.float64)
    with pytest.raises(ValueError, match="kind"):
        xnp.isdtype(onp.float32, "floats")
    assert xnp.isrealobj(3.0) and not xnp.isrealobj(onp.array([1j]))


# ---------------------------------------------------------------------------------------
# set operations

_SET_A = onp.array([3, 1, 3, 2, 7, onp.nan, 5, onp.nan], onp.float32)
_SET_B = onp.array([[2, 5], [9, 3]], onp.float32)
_SET_CASES = [(_SET_A, _SET_B), (onp.array([5, 1, 5, 0], onp.int32), onp.array([1, 7], onp.int32)),
              (onp.zeros((0,), onp.int32), onp.array([1, 2], onp.int32)),
              (onp.array([1, 2], onp.int32), onp.zeros((0,), onp.int32))]


@pytest.mark.parametrize("a,b", _SET_CASES, ids=["float-nan", "int", "empty-a", "empty-b"])
@pytest.mark.parametrize("name", ["intersect1d", "union1d", "setdiff1d", "setxor1d"])
def test_set_operations_match_numpy(name, a, b):
    _expect(getattr(xnp, name)(a, b), getattr(onp, name)(a, b))


def test_set_operations_with_size_under_jit():
    a, b = _SET_A, _SET_B
    got = xf.jit(lambda x, y: xnp.intersect1d(x, y, size=4))(a, b)
    _expect(got, onp.array([2, 3, 5, 2], onp.float32))  # (padded with the smallest, as JAX)
    got = xf.jit(lambda x, y: xnp.setxor1d(x, y, size=7, fill_value=-1))(a, b)
    _expect(got, onp.array([1, 7, 9, onp.nan, -1, -1, -1], onp.float32))
    got = xf.jit(lambda x, y: xnp.setdiff1d(x, y, size=5))(a, b)
    _expect(got, onp.array([1, 7, onp.nan, 0, 0], onp.float32))  # (default fill 0, as JAX)
    got = xf.jit(lambda x, y: xnp.union1d(x, y, size=9, fill_value=0))(a, b)
    _expect(got, onp.array([1, 2, 3, 5, 7, 9, onp.nan, 0, 0], onp.float32))
    vals, i1, i2 = xf.jit(lambda x, y: xnp.intersect1d(x, y, return_indices=True, size=4))(a, b)
    _expect((vals, i1, i2), (onp.array([2, 3, 5, 2], onp.float32), onp.array([3, 0, 6, 8]),
                             onp.array([0, 3, 1, 4])))
    with pytest.raises(ConcretizationTypeError, match="size"):
        xf.jit(lambda x, y: xnp.setdiff1d(x, y))(a, b)
    empty, one = onp.zeros((0,), onp.int32), onp.array([1], onp.int32)
    _expect(xnp.setdiff1d(empty, one, size=2), onp.zeros(2, onp.int32))
    _expect(xnp.intersect1d(empty, one, size=2, return_indices=True),
            (onp.zeros(2, onp.int32), onp.zeros(2, onp.int32), onp.ones(2, onp.int32)))
    _expect(xf.vmap(lambda x, y: xnp.intersect1d(x, y, size=3, fill_value=-1))(
        onp.array([[1, 2, 3, 2], [4, 4, 1, 0]]), onp.array([[2, 3], [4, 9]])),
        onp.array([[2, 3, -1], [4, -1, -1]]))


def test_intersect1d_return_indices_and_assume_unique():
    a, b = onp.array([5, 1, 4, 2], onp.int32), onp.array([4, 9, 5], onp.int32)
    _expect(xnp.intersect1d(a, b, return_indices=True),
            onp.intersect1d(a, b, return_indices=True))
    _expect(xnp.intersect1d(a, b, assume_unique=True, return_indices=True),
            onp.intersect1d(a, b, assume_unique=True, return_indices=True))
    _expect(xnp.setdiff1d(a, b, assume_unique=True), onp.setdiff1d(a, b, assume_unique=True))
    _expect(xnp.setxor1d(a, b, assume_unique=True), onp.setxor1d(a, b, assume_unique=True))


@pytest.mark.parametrize("method", ["auto", "compare_all", "binary_search", "sort"])
def test_isin(method):
    for element, test in [(_SET_B, _SET_A), (onp.arange(6).reshape(2, 3), [1, 4, 9]),
                          (onp.array(3), onp.array([1, 3])), (onp.zeros((0,)), [1.0])]:
        for invert in (False, True):
            want = onp.isin(element, test, invert=invert)
            for got in _eager_and_jit(lambda e, t: xnp.isin(e, t, invert=invert, method=method),
                                      element, onp.asarray(test)):
                _expect(got, want)
    with pytest.raises(ValueError, match="method"):
        xnp.isin(1, [1], method="hash")


def test_unique_array_api_functions():
    x = onp.array([3, 1, 3, 2, onp.nan, onp.nan], onp.float32)
    r = xnp.unique_all(x)
    assert r._fields == ("values", "indices", "inverse_indices", "counts")
    n = onp.unique_all(x)
    _expect(tuple(r), (n.values, n.indices, n.inverse_indices, n.counts))
    _expect(tuple(xnp.unique_counts(x)), tuple(onp.unique_counts(x)))
    _expect(tuple(xnp.unique_inverse(x.reshape(2, 3))), tuple(onp.unique_inverse(x.reshape(2, 3))))
    _expect(xnp.unique_values(x), onp.unique_values(x))
    got = xf.jit(lambda v: xnp.unique_counts(v, size=6, fill_value=0))(x)
    _expect(got.values, onp.array([1, 2, 3, onp.nan, onp.nan, 0], onp.float32))
    _expect(got.counts, onp.array([1, 1, 2, 1, 1, 0]))


# ---------------------------------------------------------------------------------------
# manipulation

_A = onp.arange(12.0, dtype=onp.float32).reshape(3, 4)
_B = onp.arange(24, dtype=onp.int32).reshape(2, 3, 4)
_X6 = onp.array([1, 2, 4, 7, 11, 16], onp.float32)
_XS6 = onp.array([0.0, 1, 1.5, 3.5, 4, 6], onp.float32)


def _inplace(fn):
    """NumPy's in-place function as one returning the updated copy."""
    def run(a, *args, **kwargs):
        a = a.copy()
        fn(a, *args, **kwargs)
        return a
    return run


# (name, xlafront call, NumPy call) on the same arguments; jit=False where an argument must
# stay static or concrete
_MANIP = [
    ("append", lambda m: m.append(_A, onp.float32([1, 2]))),
    ("append-axis", lambda m: m.append(_A, _A, axis=0)),
    ("insert-scalar", lambda m: m.insert(_A, 1, 7.0, axis=1)),
    ("insert-many", lambda m: m.insert(onp.arange(5), [2, -1, 2], [10, 20, 30])),
    ("insert-rows", lambda m: m.insert(_A, 2, [[1, 2, 3, 4]], axis=0)),
    ("insert-slice", lambda m: m.insert(_A, slice(0, 4, 2), 9.0, axis=1)),
    ("delete", lambda m: m.delete(_A, 1, axis=1)),
    ("delete-repeats", lambda m: m.delete(_A, [0, 2, 2])),
    ("delete-slice", lambda m: m.delete(_A, slice(None, None, 2), axis=1)),
    ("delete-mask", lambda m: m.delete(_A, onp.array([True, False, True]), axis=0)),
    ("resize", lambda m: m.resize(_A, (5, 3))),
    ("resize-1", lambda m: m.resize(onp.arange(3), 7)),
    *[(f"rot90-{k}", (lambda k: lambda m: m.rot90(_B, k, (2, 0)))(k)) for k in range(-1, 4)],
    *[(f"rollaxis-{a}-{s}", (lambda a, s: lambda m: m.rollaxis(_B, a, s))(a, s))
      for a, s in [(2, 0), (0, 3), (1, -1), (2, 1)]],
    ("hsplit", lambda m: m.hsplit(_A, 2)),
    ("hsplit-1d", lambda m: m.hsplit(onp.arange(6), [2, 3])),
    ("vsplit", lambda m: m.vsplit(_A, [1])),
    ("dsplit", lambda m: m.dsplit(_B, 2)),
    ("trim_zeros", lambda m: m.trim_zeros(onp.array([0, 0, 1, 2, 0, 3, 0]))),
    ("trim_zeros-b", lambda m: m.trim_zeros(onp.array([0, 0, 1, 2, 0]), "b")),
    ("trim_zeros-2d", lambda m: m.trim_zeros(onp.pad(onp.ones((1, 2)), 1))),
    ("extract", lambda m: m.extract(_A > 5, _A)),
    ("ravel_multi_index", lambda m: m.ravel_multi_index((onp.array([3, 6, 6]), onp.array([4, 5, 1])), (7, 6))),
    ("ravel_multi_index-F", lambda m: m.ravel_multi_index((onp.array([3, 6]), onp.array([4, 5])), (7, 6), order="F")),
    ("ravel_multi_index-clip", lambda m: m.ravel_multi_index((onp.array([3, 9]), onp.array([-1, 5])), (7, 6), mode="clip")),
    ("ravel_multi_index-wrap", lambda m: m.ravel_multi_index((onp.array([3, 9]), onp.array([-1, 5])), (7, 6), mode="wrap")),
    ("unravel_index", lambda m: m.unravel_index(onp.array([22, 41, 37]), (7, 6))),
    ("mask_indices", lambda m: m.mask_indices(3, m.triu, 1)),
    ("apply_along_axis", lambda m: m.apply_along_axis(lambda r: r * r.sum(), 1, _B)),
    ("apply_along_axis-scalar", lambda m: m.apply_along_axis(m.sum, 0, _B)),
    ("apply_along_axis-2d", lambda m: m.apply_along_axis(lambda r: m.outer(r, r), 1, _B)),
    ("apply_over_axes", lambda m: m.apply_over_axes(m.sum, _B, [0, 2])),
    ("piecewise", lambda m: m.piecewise(_XS6 - 2, [_XS6 < 2, _XS6 >= 2], [lambda v: -v, lambda v: v * 3])),
    ("piecewise-default", lambda m: m.piecewise(_XS6, [_XS6 < 2], [lambda v: v * 2, 7.0])),
    ("piecewise-one-array", lambda m: m.piecewise(_XS6, _XS6 > 2, [lambda v: v * 10, -1.0])),
    ("diff", lambda m: m.diff(_B, 2, axis=1)),
    ("diff-pre-append", lambda m: m.diff(_A, prepend=0, append=onp.ones((3, 1), onp.float32))),
    ("diff-bool", lambda m: m.diff(onp.array([True, False, False, True]))),
    ("ediff1d", lambda m: m.ediff1d(_A, to_end=[100, 200], to_begin=-1)),
    ("gradient", lambda m: m.gradient(_X6)),
    ("gradient-h", lambda m: m.gradient(_X6, 2.0)),
    ("gradient-x", lambda m: m.gradient(_X6, _XS6)),
    ("gradient-edge2", lambda m: m.gradient(_X6, edge_order=2)),
    ("gradient-edge2-x", lambda m: m.gradient(_X6, _XS6, edge_order=2)),
    ("gradient-2d", lambda m: m.gradient(_A * _A)),
    ("gradient-2d-axis", lambda m: m.gradient(_A * _A, 2.0, axis=1)),
    ("trapezoid", lambda m: m.trapezoid(_X6)),
    ("trapezoid-x", lambda m: m.trapezoid(_X6, _XS6)),
    ("trapezoid-axis", lambda m: m.trapezoid(_A, axis=0, dx=0.5)),
    ("interp", lambda m: m.interp(onp.float32([0, 1, 1.5, 2.72, 3.14, 5]), [1.0, 2, 3], [3.0, 2, 0])),
    ("interp-lr", lambda m: m.interp(onp.float32([0, 1.5, 5]), [1.0, 2, 3], [3.0, 2, 0], left=-1.0, right=9.0)),
    ("interp-period", lambda m: m.interp(onp.array([-180, -170, -185, 185, -10, -5, 0, 365]),
                                         onp.array([190, -190, 350, -350]), onp.array([5, 10, 3, 4]), period=360)),
    ("unwrap", lambda m: m.unwrap(onp.float32([0, 0.78, 5.49, 6.28, 1.5, 8.2, -3.5]))),
    ("unwrap-int", lambda m: m.unwrap(onp.array([0, 1, 2, -1, 0]), period=4)),
    ("packbits", lambda m: m.packbits(onp.array([[1, 0, 1], [0, 1, 0]], onp.uint8))),
    ("packbits-axis", lambda m: m.packbits(onp.array([[1, 0, 1], [0, 1, 0]], onp.uint8), axis=1, bitorder="little")),
    ("unpackbits", lambda m: m.unpackbits(onp.array([[2], [7], [23]], onp.uint8), axis=1)),
    ("unpackbits-count", lambda m: m.unpackbits(onp.array([2, 7], onp.uint8), count=20, bitorder="little")),
    ("unpackbits-fewer", lambda m: m.unpackbits(onp.array([2, 7], onp.uint8), count=5)),
    ("lexsort", lambda m: m.lexsort((onp.array([9, 4, 0, 4, 0, 2, 1]), onp.array([1, 5, 1, 4, 3, 4, 4])))),
    ("lexsort-2d", lambda m: m.lexsort((_B[0] % 3, _B[1] % 2), axis=0)),
    ("sort_complex", lambda m: m.sort_complex(onp.array([1 + 2j, 2 - 1j, 3 - 2j, 3 - 3j, 3 + 5j], onp.complex64))),
    ("cross", lambda m: m.cross(onp.float32([1, 2, 3]), onp.float32([[4, 5, 6], [1, 0, 0]]))),
    ("cross-axes", lambda m: m.cross(onp.ones((3, 2), onp.float32), _A[:, :2], axisa=0, axisb=0, axisc=0)),
    ("vecdot", lambda m: m.vecdot(_A, _A[::-1])),
    ("array_equiv", lambda m: m.array_equiv(onp.array([1, 2]), onp.array([[1, 2], [1, 2]]))),
    ("array_equiv-no", lambda m: m.array_equiv(onp.array([1, 2]), onp.array([1, 2, 3]))),
    ("place", lambda m: m.place(_A, _A > 5, onp.float32([10, 20]), **({"inplace": False} if m is xnp else {}))
     if m is xnp else _inplace(onp.place)(_A, _A > 5, onp.float32([10, 20]))),
    ("put", lambda m: m.put(_A, [0, 13, 5], onp.float32([-1, -2, -3]), mode="clip", inplace=False)
     if m is xnp else _inplace(onp.put)(_A, [0, 13, 5], onp.float32([-1, -2, -3]), mode="clip")),
    ("put-wrap", lambda m: m.put(_A, [0, 13], onp.float32([-1, -2]), mode="wrap", inplace=False)
     if m is xnp else _inplace(onp.put)(_A, [0, 13], onp.float32([-1, -2]), mode="wrap")),
    ("put_along_axis", lambda m: m.put_along_axis(_A, onp.argmax(_A, 1)[:, None], 99.0, axis=1, inplace=False)
     if m is xnp else _inplace(onp.put_along_axis)(_A, onp.argmax(_A, 1)[:, None], 99.0, axis=1)),
    ("fill_diagonal", lambda m: m.fill_diagonal(_A, 5.0, inplace=False)
     if m is xnp else _inplace(onp.fill_diagonal)(_A, 5.0)),
    ("fill_diagonal-3d", lambda m: m.fill_diagonal(onp.zeros((3, 3, 3), onp.float32), onp.float32([1, 2]), inplace=False)
     if m is xnp else _inplace(onp.fill_diagonal)(onp.zeros((3, 3, 3), onp.float32), [1, 2])),
]


@pytest.mark.parametrize("name,call", _MANIP, ids=[m[0] for m in _MANIP])
def test_manipulation_matches_numpy(name, call):
    want = call(onp)
    if isinstance(want, list):
        want = tuple(want)
    _expect(call(xnp), want, rtol=2e-6, atol=2e-6)


def test_manipulation_under_jit_and_vmap():
    _expect(xf.jit(lambda x, i: xnp.insert(x, i, 5))(onp.arange(4), 2), onp.insert(onp.arange(4), 2, 5))
    _expect(xf.jit(lambda x, i: xnp.delete(x, i, axis=1, assume_unique_indices=True))(
        _A, onp.array([3, 0])), onp.delete(_A, [3, 0], axis=1))
    _expect(xf.jit(lambda c, a: xnp.extract(c, a, size=8, fill_value=-1))(_A > 5, _A),
            onp.array([6, 7, 8, 9, 10, 11, -1, -1], onp.float32))
    _expect(xf.jit(lambda x, y, z: xnp.interp(x, y, z))(onp.float32([0.5, 2.5]),
                                                        onp.float32([1, 2, 3]),
                                                        onp.float32([3, 2, 0])),
            onp.interp(onp.float32([0.5, 2.5]), [1, 2, 3], [3, 2, 0]))
    _expect(xf.vmap(lambda r: xnp.diff(r))(_A), onp.diff(_A))
    _expect(xf.vmap(lambda r: xnp.trapezoid(r, _XS6[:4]))(_A), onp.trapezoid(_A, _XS6[:4]))
    _expect(xf.vmap(xnp.cross)(onp.eye(3, dtype=onp.float32), onp.ones((3, 3), onp.float32)),
            onp.cross(onp.eye(3), onp.ones((3, 3))))
    _expect(xf.jit(lambda i: xnp.unravel_index(i, (7, 6)))(onp.array([-1, 42, -50])),
            (onp.array([6, 6, 0]), onp.array([5, 5, 0])))  # (out of range clamps, as JAX)


def test_matvec_vecmat():
    m, v = _B, onp.arange(4, dtype=onp.int32)
    _expect(xnp.matvec(m, v), onp.einsum("...ij,...j", m, v))
    _expect(xnp.vecmat(onp.arange(3, dtype=onp.int32), m), onp.einsum("...i,...ij", onp.arange(3), m))
    z = onp.array([1 + 1j, 2], onp.complex64)
    _expect(xnp.vecmat(z, onp.ones((2, 2), onp.complex64)), onp.conj(z) @ onp.ones((2, 2)))


def test_partition_and_empty_and_scalar_edges():
    x = onp.array([3, 4, 2, 1, 9, 0], onp.int32)
    out = onp.asarray(xnp.partition(x, 2))
    assert out[2] == 2 and (out[:2] <= 2).all() and (out[3:] >= 2).all()
    _expect(xnp.diff(onp.zeros((0,), onp.float32)), onp.zeros((0,), onp.float32))
    _expect(xnp.append(onp.float32(1), onp.zeros((0,), onp.float32)), onp.float32([1]))
    _expect(xnp.resize(onp.zeros((0,), onp.float32), (2,)), onp.zeros(2, onp.float32))
    _expect(xnp.lexsort([onp.array(3)]), onp.int32(0))
    assert xnp.unstack(onp.zeros((0, 2))) == ()


def test_manipulation_errors():
    with pytest.raises(ValueError, match="in-place"):
        xnp.place(_A, _A > 1, 0.0)
    with pytest.raises(ValueError, match="in-place"):
        xnp.put(_A, [0], 1.0)
    with pytest.raises(NotImplementedError, match="raise"):
        xnp.put(_A, [0], 1.0, mode="raise", inplace=False)
    with pytest.raises(ValueError, match="ndim at least two"):
        xnp.rot90(onp.arange(3))
    with pytest.raises(ValueError, match="invalid entry"):
        xnp.ravel_multi_index((onp.array([7]), onp.array([0])), (7, 6))
    with pytest.raises(ConcretizationTypeError):
        xf.jit(lambda i: xnp.ravel_multi_index((i, i), (3, 3)))(onp.array([1]))
    with pytest.raises(ConcretizationTypeError):
        xf.jit(xnp.trim_zeros)(onp.array([0, 1]))
    with pytest.raises(ValueError, match="2 or 3"):
        xnp.cross(onp.ones(4), onp.ones(4))
    with pytest.raises(TypeError, match="unsigned byte"):
        xnp.unpackbits(onp.array([1], onp.int32))
    with pytest.raises(ValueError, match="edge_order"):
        xnp.gradient(_X6, edge_order=3)
    with pytest.raises(ValueError, match="extrapolate"):
        xnp.interp(1.0, [0.0, 2.0], [0.0, 1.0], left="zero")


def test_manipulation_gradients():
    x = xnp.asarray(_XS6 + 0.5)
    check_grads(lambda v: xnp.interp(onp.float32([0.7, 2.2, 5.1]), _XS6, v), (x,), order=2,
                rtol=2e-2, atol=2e-2)
    check_grads(lambda v: xnp.trapezoid(v * v, _XS6), (x,), order=2, rtol=2e-2, atol=2e-2)
    check_grads(lambda v: xnp.gradient(v * v, _XS6), (x,), order=1, rtol=2e-2, atol=2e-2)
    check_grads(lambda v: xnp.diff(v * v, 2), (x,), order=2, rtol=2e-2, atol=2e-2)
    check_grads(lambda v: xnp.cross(v[:3], v[3:]), (x,), order=2, rtol=2e-2, atol=2e-2)
    check_grads(lambda v: xnp.insert(v, 2, v[0] * 2), (x,), order=1, rtol=2e-2, atol=2e-2)
    check_grads(lambda v: xnp.unwrap(v * 3), (x,), order=1, rtol=2e-2, atol=2e-2)


# ---------------------------------------------------------------------------------------
# creation

_CREATION = [
    *[(f"diag-{k}", (lambda k: lambda m: m.diag(_A, k))(k)) for k in (-2, 0, 1, 5)],
    *[(f"diag-1d-{k}", (lambda k: lambda m: m.diag(onp.arange(3), k))(k)) for k in (-1, 0, 2)],
    ("diagflat", lambda m: m.diagflat(onp.array([[1, 2], [3, 4]]), -1)),
    ("diag_indices", lambda m: m.diag_indices(4, 3)),
    ("diag_indices_from", lambda m: m.diag_indices_from(onp.zeros((3, 3)))),
    ("tril_indices", lambda m: m.tril_indices(4, -1, 5)),
    ("triu_indices", lambda m: m.triu_indices(4, 1)),
    ("tril_indices_from", lambda m: m.tril_indices_from(_A, 1)),
    ("triu_indices_from", lambda m: m.triu_indices_from(_A)),
    ("indices", lambda m: m.indices((2, 3))),
    ("indices-sparse", lambda m: m.indices((2, 3), sparse=True)),
    ("indices-empty", lambda m: m.indices((0, 2))),
    ("meshgrid", lambda m: m.meshgrid(onp.arange(3), onp.arange(4.0, dtype=onp.float32), onp.arange(2))),
    ("meshgrid-ij-sparse", lambda m: m.meshgrid(onp.arange(3), onp.arange(4), indexing="ij", sparse=True)),
    ("mgrid", lambda m: m.mgrid[0:4, 1:3:0.5]),
    ("mgrid-complex-step", lambda m: m.mgrid[-1:1:5j]),
    ("ogrid", lambda m: m.ogrid[0:4, 0:2]),
    ("r_", lambda m: m.r_[onp.array([1, 2, 3]), 0, 0, onp.array([4, 5, 6])]),
    ("r_-slice", lambda m: m.r_[-1:1:6j, [0] * 3, 5, 6]),
    ("r_-directive", lambda m: m.r_["0,2", [1, 2, 3], [4, 5, 6]]),
    ("r_-directive-trans", lambda m: m.r_["0,2,0", [1, 2, 3], [4, 5, 6]]),
    ("r_-c", lambda m: m.r_["c", [1, 2, 3], [4, 5, 6]] if m is xnp else
     onp.asarray(m.r_["c", [1, 2, 3], [4, 5, 6]])),
    ("c_", lambda m: m.c_[onp.array([1, 2, 3]), onp.array([4, 5, 6])]),
    ("c_-rows", lambda m: m.c_[onp.array([[1, 2, 3]]), 0, 0, onp.array([[4, 5, 6]])]),
    ("ix_", lambda m: m.ix_(onp.array([0, 1]), onp.array([True, False, True]))),
    ("fromfunction", lambda m: m.fromfunction(lambda i, j: i + 2 * j, (3, 4), dtype=onp.float32)),
    ("fromfunction-int", lambda m: m.fromfunction(lambda i, j: i == j, (3, 3), dtype=int)),
    ("frombuffer", lambda m: m.frombuffer(b"\x01\x02\x03\x04", dtype=onp.uint8)),
    ("fromstring", lambda m: m.fromstring("1 2 3", dtype=onp.int32, sep=" ")),
    ("logspace", lambda m: m.logspace(0, 2, 5)),
    ("logspace-base", lambda m: m.logspace(0, 3, 4, base=2, endpoint=False)),
    ("geomspace", lambda m: m.geomspace(1, 1000, 4)),
    ("geomspace-negative", lambda m: m.geomspace(-1000, -1, 4)),
    ("geomspace-axis", lambda m: m.geomspace(onp.float32([1, 2]), onp.float32([8, 16]), 4, axis=1)),
    ("vander", lambda m: m.vander(onp.array([1, 2, 3, 5]))),
    ("vander-increasing", lambda m: m.vander(onp.float32([1, 2, 3]), 5, increasing=True)),
    ("block", lambda m: m.block([[onp.eye(2), onp.zeros((2, 3))], [onp.ones((3, 2)), onp.eye(3)]])),
    ("block-1d", lambda m: m.block([onp.array([1, 2]), 3, onp.array([4])])),
    ("copy", lambda m: m.copy(_A)),
    *[(f"{w}-{n}", (lambda w, n: lambda m: getattr(m, w)(n))(w, n))
      for w in ("bartlett", "blackman", "hamming", "hanning") for n in (0, 1, 5, 12)],
    ("kaiser", lambda m: m.kaiser(12, 14.0)),
    ("kaiser-1", lambda m: m.kaiser(1, 5.0)),
]


@pytest.mark.parametrize("name,call", _CREATION, ids=[c[0] for c in _CREATION])
def test_creation_matches_numpy(name, call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)  # (NumPy's r_["c"] matrix)
        want = call(onp)
    want = tuple(want) if isinstance(want, (list, tuple)) else want
    _expect(call(xnp), want, rtol=1e-5, atol=1e-6)


def test_creation_details():
    x = xnp.arange(3.0)
    assert xnp.copy(x) is not x
    assert xnp.s_[1:2, ::3] == onp.s_[1:2, ::3] and xnp.index_exp[2] == (2,)
    with pytest.raises(NotImplementedError, match="asarray"):
        xnp.fromiter(iter([1, 2]), float)
    with pytest.raises(NotImplementedError, match="non-pure"):
        xnp.fromfile("x")
    _expect(xf.jit(lambda v: xnp.diag(v, 1))(onp.arange(3)), onp.diag(onp.arange(3), 1))
    _expect(xf.jit(lambda a, b: xnp.meshgrid(a, b))(onp.arange(2), onp.arange(3)),
            tuple(onp.meshgrid(onp.arange(2), onp.arange(3))))
    _expect(xf.jit(lambda v: xnp.vander(v, 3))(onp.float32([1, 2])), onp.vander(onp.float32([1, 2]), 3))
    # fromfunction calls the function on scalar indices (batched), as JAX
    _expect(xnp.fromfunction(lambda i: xnp.stack([i, i * i]), (3,), dtype=int),
            onp.array([[0, 0], [1, 1], [2, 4]]))


def test_host_io_and_dlpack():
    buf = io.BytesIO()
    xnp.save(buf, xnp.arange(5.0))
    buf.seek(0)
    _expect(xnp.load(buf), onp.arange(5.0, dtype=onp.float32))
    buf = io.BytesIO()
    xnp.save(buf, onp.arange(3).astype(ml_dtypes.bfloat16))
    buf.seek(0)
    assert xnp.load(buf).dtype == ml_dtypes.bfloat16
    buf = io.BytesIO()
    xnp.savez(buf, a=xnp.ones(2))
    buf.seek(0)
    assert onp.asarray(xnp.load(buf)["a"]).tolist() == [1.0, 1.0]
    _expect(xnp.from_dlpack(onp.arange(4.0, dtype=onp.float32)), onp.arange(4.0, dtype=onp.float32))
    _expect(xnp.from_dlpack(xnp.arange(3)), onp.arange(3))
    # (copy=False with a buffer that cannot be shared: tests/test_array_api.py)


# ---------------------------------------------------------------------------------------
# statistics

@pytest.mark.parametrize("name", ["nansum", "nanprod", "nanmax", "nanmin", "nanmean", "nanvar",
                                  "nanstd", "nancumsum", "nancumprod", "nanargmax", "nanargmin"])
def test_nan_reductions_match_numpy(name):
    ours, ref = getattr(xnp, name), getattr(onp, name)
    x = onp.where(onp.isnan(_NAN), onp.nan, _NAN + _F)  # rows: some NaNs, all NaN, some NaN
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for axis in (None, 0, 1):
            if name in ("nanargmax", "nanargmin"):
                if axis == 1:  # (JAX: -1 for an all-NaN slice; NumPy raises)
                    want = onp.array([ref(r) if not onp.isnan(r).all() else -1 for r in x])
                else:
                    want = ref(x, axis=axis)
            else:
                want = ref(x, axis=axis)
            for got in _eager_and_jit(lambda v: ours(v, axis=axis), x):
                _expect(got, want, rtol=2e-5)
        _expect(ours(onp.arange(6, dtype=onp.int32).reshape(2, 3), axis=1),
                ref(onp.arange(6).reshape(2, 3), axis=1), rtol=2e-5)
    if name in ("nansum", "nanprod", "nanmax", "nanmin", "nanmean"):
        _expect(xf.vmap(ours)(x), onp.array([ref(r) if not onp.isnan(r).all() or name in
                                             ("nansum", "nanprod") else onp.nan for r in x],
                                            onp.float32), rtol=2e-5)


def test_nan_reduction_options():
    x = _NAN
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _expect(xnp.nanmax(x, axis=1, initial=5.0), onp.nanmax(x, axis=1, initial=5.0))
        _expect(xnp.nanvar(x, axis=1, ddof=1), onp.nanvar(x, axis=1, ddof=1))
        _expect(xnp.nanstd(x, axis=0, keepdims=True), onp.nanstd(x, axis=0, keepdims=True))
        _expect(xnp.nansum(x, axis=1, where=x > 1), onp.nansum(x, axis=1, where=x > 1))
        m = onp.nanmean(x, axis=1, keepdims=True)
        _expect(xnp.nanvar(x, axis=1, mean=m), onp.nanvar(x, axis=1, mean=m))


def test_cumulative_sum_and_prod():
    x = onp.arange(1, 7, dtype=onp.int8).reshape(2, 3)
    got = xnp.cumulative_sum(x, axis=1, include_initial=True)
    _expect(got, onp.cumulative_sum(x, axis=1, include_initial=True), dtype=onp.int32)
    _expect(xnp.cumulative_sum(x[0]), onp.cumsum(x[0]), dtype=onp.int32)  # (int8 -> int32)
    # (cumulative_prod keeps int8, as JAX)
    _expect(xnp.cumulative_prod(x, axis=0, include_initial=True),
            onp.cumulative_prod(x, axis=0, include_initial=True), dtype=onp.int8)
    _expect(xnp.cumulative_sum(onp.array([True, True])), onp.array([1, 2], onp.int32))
    with pytest.raises(ValueError, match="axis"):
        xnp.cumulative_sum(x)
    with pytest.raises(ValueError, match="scalar"):
        xnp.cumulative_prod(onp.float32(1))


_METHODS = ["linear", "lower", "higher", "midpoint", "inverted_cdf", "averaged_inverted_cdf",
            "closest_observation", "interpolated_inverted_cdf", "hazen", "weibull",
            "median_unbiased", "normal_unbiased"]
_Q = onp.random.default_rng(0).normal(size=(3, 7)).astype(onp.float32)


@pytest.mark.parametrize("method", _METHODS)
def test_quantile_methods_match_numpy(method):
    for q in (0.0, 0.13, 0.5, 0.74, 1.0, onp.float32([0.1, 0.5, 0.99])):
        want = onp.quantile(_Q, q, axis=1, method=method)
        for got in _eager_and_jit(lambda a, qq: xnp.quantile(a, qq, axis=1, method=method),
                                  _Q, onp.asarray(q, onp.float32)):
            _expect(got, want, rtol=2e-6, atol=2e-6)
    _expect(xnp.quantile(_Q, 0.37, method=method), onp.quantile(_Q, 0.37, method=method))
    x = onp.where(onp.isnan(_NAN), onp.nan, _NAN + _F)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _expect(xnp.nanquantile(x, 0.37, axis=1, method=method),
                onp.nanquantile(x, 0.37, axis=1, method=method))
        _expect(xnp.nanpercentile(x, [20, 80], axis=0, method=method),
                onp.nanpercentile(x, [20, 80], axis=0, method=method))


def test_quantile_details():
    # nearest: JAX sends ties to the lower value (NumPy rounds half to even)
    _expect(xnp.quantile(onp.arange(6.0, dtype=onp.float32), onp.float32([0.1, 0.5, 0.7]),
                         method="nearest"), onp.float32([0, 2, 3]))
    _expect(xnp.quantile(_Q, onp.float32([0.2, 0.9]), axis=1, keepdims=True),
            onp.quantile(_Q, onp.float32([0.2, 0.9]), axis=1, keepdims=True))
    b = _Q.reshape(3, 7, 1) * onp.ones((1, 1, 2), onp.float32)
    _expect(xnp.quantile(b, 0.3, axis=(0, 2)), onp.quantile(b, 0.3, axis=(0, 2)))
    _expect(xnp.quantile(b, 0.3, axis=(0, 2), keepdims=True),
            onp.quantile(b, 0.3, axis=(0, 2), keepdims=True))
    _expect(xnp.percentile(_Q, [25, 50], axis=0), onp.percentile(_Q, [25, 50], axis=0))
    _expect(xnp.median(_Q, axis=1), onp.median(_Q, axis=1))
    _expect(xnp.median(_NAN, axis=1), onp.median(_NAN, axis=1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _expect(xnp.nanmedian(_NAN, axis=1), onp.nanmedian(_NAN, axis=1))
    _expect(xnp.median(onp.arange(6)), onp.float32(2.5))
    w = onp.random.default_rng(1).uniform(0, 1, 7).astype(onp.float32)
    _expect(xnp.quantile(_Q, onp.float32([0.3, 0.6]), axis=1, method="inverted_cdf", weights=w),
            onp.quantile(_Q, [0.3, 0.6], axis=1, method="inverted_cdf",
                         weights=onp.broadcast_to(w, _Q.shape)))
    with pytest.raises(NotImplementedError, match="weights"):
        xnp.quantile(_Q, 0.5, weights=onp.ones_like(_Q))
    with pytest.raises(ValueError, match="method"):
        xnp.quantile(_Q, 0.5, method="cubic")
    with pytest.raises(ValueError, match="complex"):
        xnp.quantile(onp.array([1j]), 0.5)


def test_average_cov_corrcoef():
    a, w = _Q, onp.random.default_rng(2).uniform(0.1, 1, 7).astype(onp.float32)
    b = onp.random.default_rng(3).normal(size=(2, 3, 4)).astype(onp.float32)
    _expect(xnp.average(a, axis=1), onp.average(a, axis=1))
    _expect(xnp.average(a, axis=1, weights=w), onp.average(a, axis=1, weights=w))
    _expect(xnp.average(a, axis=0, returned=True), onp.average(a, axis=0, returned=True))
    _expect(xnp.average(a, weights=onp.abs(a), returned=True),
            onp.average(a, weights=onp.abs(a), returned=True), rtol=1e-4)
    wt = onp.arange(1.0, 9.0, dtype=onp.float32).reshape(4, 2)
    _expect(xnp.average(b, axis=(2, 0), weights=wt), onp.average(b, axis=(2, 0), weights=wt))
    fw = onp.array([1, 2, 1, 3, 1, 1, 2])
    for kwargs in ({}, {"bias": True}, {"rowvar": False}, {"ddof": 0, "aweights": w},
                   {"fweights": fw, "aweights": w}, {"fweights": fw}):
        _expect(xnp.cov(a, **kwargs), onp.cov(a, **kwargs), rtol=1e-4, atol=1e-5)
    _expect(xnp.cov(a[0], a[1]), onp.cov(a[0], a[1]), rtol=1e-4)
    _expect(xnp.cov(a[0]), onp.cov(a[0]), rtol=1e-4)
    _expect(xnp.corrcoef(a), onp.corrcoef(a), rtol=1e-4, atol=1e-5)
    _expect(xnp.corrcoef(a[0], a[2]), onp.corrcoef(a[0], a[2]), rtol=1e-4, atol=1e-5)
    _expect(xf.jit(xnp.cov)(a), onp.cov(a), rtol=1e-4, atol=1e-5)


def test_statistics_gradients():
    x = xnp.asarray(_Q[0])
    check_grads(lambda v: xnp.nanmean(v), (x,), order=2, rtol=2e-2, atol=2e-2)
    check_grads(lambda v: xnp.nanvar(v), (x,), order=2, rtol=2e-2, atol=2e-2)
    check_grads(lambda v: xnp.quantile(v, 0.3), (x,), order=1, rtol=2e-2, atol=2e-2)
    check_grads(lambda v: xnp.median(v), (x,), order=1, rtol=2e-2, atol=2e-2)
    check_grads(lambda v: xnp.average(v, weights=xnp.abs(v) + 1), (x,), order=2, rtol=2e-2,
                atol=2e-2)
    check_grads(lambda v: xnp.cov(xnp.stack([v, v * v])), (x,), order=1, rtol=2e-2,
                atol=2e-2)


def test_bincount_digitize():
    xi = onp.array([0, 1, 1, 3, 2, 1, 7])
    w = onp.linspace(0, 1, 7).astype(onp.float32)
    _expect(xnp.bincount(xi), onp.bincount(xi))
    _expect(xnp.bincount(xi, weights=w, minlength=10), onp.bincount(xi, weights=w, minlength=10))
    _expect(xnp.bincount(onp.zeros((0,), onp.int32)), onp.zeros(0, onp.int32))
    _expect(xf.jit(lambda v: xnp.bincount(v, length=5))(xi), onp.bincount(xi)[:5])
    with pytest.raises(ConcretizationTypeError, match="length"):
        xf.jit(xnp.bincount)(xi)
    with pytest.raises(TypeError, match="integer"):
        xnp.bincount(onp.array([1.0]))
    bins = onp.float32([0, 1, 2.5, 4, 10])
    xv = onp.float32([0.2, 6.4, 3.0, 1.6, -1, 10, 11])
    for right in (False, True):
        for bb in (bins, bins[::-1]):
            for got in _eager_and_jit(lambda a, b: xnp.digitize(a, b, right=right), xv, bb):
                _expect(got, onp.digitize(xv, bb, right=right))


def test_histograms():
    rng = rng_for("histograms")
    h = rng.normal(size=50).astype(onp.float32)
    # (counts are of the inexact dtype, as JAX: float32)
    for kwargs in ({}, {"bins": 6}, {"bins": onp.float32([-2, -1, 0.5, 2, 8]), "density": True},
                   {"bins": 4, "range": (-1, 1), "weights": onp.abs(h)}):
        counts, edges = xnp.histogram(h, **kwargs)
        want_counts, want_edges = onp.histogram(h, **kwargs)
        _expect(counts, want_counts.astype(onp.float32), rtol=1e-5, atol=1e-6)
        _expect(edges, want_edges.astype(onp.float32), rtol=1e-5, atol=1e-6)
    _expect(xnp.histogram_bin_edges(h, 6), onp.histogram_bin_edges(h, 6).astype(onp.float32),
            rtol=1e-5)
    _expect(xnp.histogram(onp.ones(5, onp.float32), 3)[1], onp.histogram(onp.ones(5), 3)[1])
    s = rng.normal(size=(40, 2)).astype(onp.float32)
    # (unweighted 2-D and N-D counts are int32, as JAX's bincount gives them)
    got = xnp.histogram2d(s[:, 0], s[:, 1], bins=(3, 4))
    want = onp.histogram2d(s[:, 0], s[:, 1], bins=(3, 4))
    _expect(got[0], want[0].astype(onp.int32))
    _expect(got[1:], tuple(v.astype(onp.float32) for v in want[1:]), rtol=1e-5, atol=1e-6)
    got = xnp.histogram2d(s[:, 0], s[:, 1], bins=3, density=True, weights=onp.abs(s[:, 0]))
    want = onp.histogram2d(s[:, 0], s[:, 1], bins=3, density=True, weights=onp.abs(s[:, 0]))
    _expect(got, tuple(v.astype(onp.float32) for v in want), rtol=1e-4, atol=1e-5)
    s3 = rng.normal(size=(30, 3)).astype(onp.float32)
    rg = [(-2, 2), None, (-1, 3)]
    hist, edges = xnp.histogramdd(s3, bins=(2, 3, 4), range=rg)
    want_hist, want_edges = onp.histogramdd(s3, bins=(2, 3, 4), range=rg)
    _expect(hist, want_hist.astype(onp.int32))
    _expect(tuple(edges), tuple(e.astype(onp.float32) for e in want_edges), rtol=1e-5, atol=1e-6)
    with pytest.raises(NotImplementedError, match="string"):
        xnp.histogram(h, bins="auto")


# ---------------------------------------------------------------------------------------
# polynomials

_P = onp.float32([1, -6, 11, -6])
_P2 = onp.float32([2, 1])


def test_polynomials_match_numpy():
    _expect(xnp.poly(onp.float32([1, 2, 3])), onp.poly([1, 2, 3]).astype(onp.float32))
    # (a matrix's characteristic polynomial comes out complex, from its eigenvalues, as JAX)
    _expect(xnp.poly(onp.float32([[1, 2], [3, 4]])),
            onp.poly(onp.array([[1.0, 2], [3, 4]])).astype(onp.complex64), rtol=1e-5)
    _expect(xnp.poly(onp.zeros(0, onp.float32)), onp.float32(1))
    for got in _eager_and_jit(xnp.polyval, _P, onp.float32([0, 1.5, 4])):
        _expect(got, onp.polyval(_P, onp.float32([0, 1.5, 4])))
    _expect(xnp.polyadd(_P, _P2), onp.polyadd(_P, _P2))
    _expect(xnp.polyadd(_P2, _P), onp.polyadd(_P2, _P))
    _expect(xnp.polysub(_P2, _P), onp.polysub(_P2, _P))
    _expect(xnp.polymul(_P, _P2), onp.polymul(_P, _P2))
    for m in (0, 1, 2, 4):
        _expect(xnp.polyder(_P, m), onp.polyder(_P, m))
        _expect(xnp.polyint(_P, m), onp.polyint(_P, m), rtol=1e-6)
    _expect(xnp.polyint(_P, 2, k=onp.float32([1, 2])), onp.polyint(_P, 2, k=[1, 2]))
    # polydiv keeps the remainder at u's length (as JAX) unless trim_leading_zeros
    q, r = xnp.polydiv(_P, _P2)
    want_q, want_r = onp.polydiv(_P, _P2)
    _expect(q, want_q)
    _expect(r, onp.concatenate([onp.zeros(3, onp.float32), want_r]))
    _expect(xnp.polydiv(_P, onp.float32([1, -1]), trim_leading_zeros=True)[0],
            onp.polydiv(_P, [1.0, -1])[0])


def test_roots_and_polyfit():
    got = onp.sort_complex(onp.asarray(xnp.roots(_P)))
    onp.testing.assert_allclose(got, [1, 2, 3], rtol=1e-4)
    got = onp.sort_complex(onp.asarray(xnp.roots(onp.float32([0, 0, 1, -3, 2]))))
    onp.testing.assert_allclose(got, [1, 2], rtol=1e-4)
    assert xnp.roots(onp.float32([3])).shape == (0,)
    # strip_zeros=False works under jit; each leading zero gives a NaN root, as JAX
    got = onp.asarray(xf.jit(lambda p: xnp.roots(p, strip_zeros=False))(onp.float32([0, 1, -3, 2])))
    onp.testing.assert_allclose(onp.sort_complex(got[:2]), [1, 2], rtol=1e-4)
    assert onp.isnan(got[2])
    x = onp.linspace(0, 1, 10).astype(onp.float32)
    y = 3 * x ** 2 - x + 0.5 + 0.01 * onp.sin(7 * x)
    _expect(xnp.polyfit(x, y, 2), onp.polyfit(x, y, 2).astype(onp.float32), rtol=1e-3, atol=1e-4)
    _expect(xnp.polyfit(x, y, 2, w=x + 1), onp.polyfit(x, y, 2, w=x + 1).astype(onp.float32),
            rtol=1e-3, atol=1e-4)
    y2 = onp.stack([y, 2 * y], 1)
    _expect(xnp.polyfit(x, y2, 1), onp.polyfit(x, y2, 1).astype(onp.float32), rtol=1e-3,
            atol=1e-4)
    c, cov = xnp.polyfit(x, y, 2, cov=True)
    want_c, want_cov = onp.polyfit(x, y, 2, cov=True)
    _expect(cov, want_cov.astype(onp.float32), rtol=5e-2, atol=1e-6)
    with pytest.raises(ConcretizationTypeError):
        xf.jit(xnp.roots)(_P)


def test_polynomial_gradients():
    p = xnp.asarray(_P)
    check_grads(lambda v: xnp.polyval(v, 1.5), (p,), order=2, rtol=2e-2, atol=2e-2)
    check_grads(lambda v: xnp.polymul(v, v), (p,), order=2, rtol=2e-2, atol=2e-2)
    check_grads(lambda v: xnp.polyint(v * v), (p,), order=1, rtol=2e-2, atol=2e-2)


# ---------------------------------------------------------------------------------------
# names: dtypes, printing, coverage

def test_dtype_names():
    assert xnp.bool is xnp.bool_ and xnp.bool(1).dtype == onp.bool_
    assert xnp.object_ is onp.object_ and xnp.character is onp.character
    assert xnp.flexible is onp.flexible
    assert xnp.ComplexWarning is onp.exceptions.ComplexWarning
    for name in ("int1", "int2", "int4", "uint1", "uint2", "uint4", "float4_e2m1fn",
                 "float6_e2m3fn", "float6_e3m2fn"):
        assert getattr(xnp, name).dtype == onp.dtype(getattr(ml_dtypes, name))
    with pytest.raises(TypeError, match="not supported"):
        xnp.int2(3)  # (xlafront has no 2-bit arrays)


def test_printing_is_numpy():
    x = xnp.arange(3.0)
    assert xnp.array_str(x) == onp.array_str(onp.arange(3.0))
    assert xnp.array_repr(x).endswith("([0., 1., 2.], dtype=float32)")
    with xnp.printoptions(precision=2):
        assert xnp.get_printoptions()["precision"] == 2
    assert xnp.iterable(x) and not xnp.iterable(3.0)


def test_every_jax_numpy_name_is_there():
    with open(_coverage().NAMES) as f:
        names = json.load(f)["modules"]
    assert [n for n in names["jax.numpy"] if not hasattr(xnp, n)] == []
    assert [n for n in names["jax.numpy"] if n not in xnp.__all__] == []


def _coverage():
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs",
                        "coverage.py")
    spec = importlib.util.spec_from_file_location("xlafront_docs_coverage", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_coverage_page_is_up_to_date():
    coverage = _coverage()
    assert coverage.main(["--check"]) == 0, "run `python docs/coverage.py`"
    # the reason column survives a rewrite
    page = open(os.path.join(coverage.HERE, "numpy_coverage.md")).read()
    line = next(l for l in page.splitlines() if l.startswith("| `") and l.endswith("| |"))
    edited = page.replace(line, line[:-1] + "a reason |", 1)
    with open(coverage.NAMES) as f:
        names = json.load(f)["modules"]
    assert "a reason" in coverage.page("title", names, coverage.old_reasons(edited))
