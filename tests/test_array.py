"""The Array type: attributes, repr, conversions, methods, operators, indexing, `.at[]`
updates, immutability, pickling."""
import operator
import pickle

import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as xnp

from conftest import assert_close, canonical, rand, rng_for


def test_attributes():
    x = xnp.arange(6.0).reshape(2, 3)
    assert isinstance(x, xf.Array) and type(x).__name__ == "Array"
    assert x.shape == (2, 3) and x.dtype == onp.float32 and x.ndim == 2 and x.size == 6
    assert x.itemsize == 4 and x.nbytes == 24 and x.weak_type is False
    assert x.T.shape == (3, 2) and x.mT.shape == (3, 2)
    assert_close(x.T, onp.arange(6.0, dtype=onp.float32).reshape(2, 3).T)
    assert xnp.ones((2, 3), xnp.int8).nbytes == 6


_reprs = [
    (lambda: xnp.array([0.0, 1.0]), "Array([0., 1.], dtype=float32)"),
    (lambda: xnp.asarray(2.0), "Array(2., dtype=float32, weak_type=True)"),
    (lambda: xnp.arange(3), "Array([0, 1, 2], dtype=int32)"),
    (lambda: xnp.asarray([True, False]), "Array([ True, False], dtype=bool)"),
    (lambda: xnp.arange(4.0).reshape(2, 2), "Array([[0., 1.],\n       [2., 3.]], dtype=float32)"),
    (lambda: xnp.ones(2, xnp.bfloat16), "Array([1, 1], dtype=bfloat16)"),
    (lambda: xnp.zeros((0,)), "Array([], dtype=float32)"),
    (lambda: xnp.asarray(1 + 2j, dtype=xnp.complex64), "Array(1.+2.j, dtype=complex64)"),
]


@pytest.mark.parametrize("fn,text", _reprs, ids=[t for _, t in _reprs])
def test_repr(fn, text):
    assert repr(fn()) == text


def test_str_and_format():
    assert str(xnp.array([0.0, 1.0])) == "[0. 1.]"
    assert f"{xnp.asarray(2.5):.2f}" == "2.50"


def test_asarray_is_zero_copy_and_read_only():
    x = xnp.arange(4.0)
    a, b = onp.asarray(x), onp.asarray(x)
    assert onp.shares_memory(a, b)
    assert not a.flags.writeable
    with pytest.raises(ValueError):
        a[0] = 1
    assert onp.array(x, dtype=onp.int64).dtype == onp.int64
    c = onp.array(x, copy=True)
    assert c.flags.writeable and not onp.shares_memory(c, a)


def test_len_and_iter():
    x = xnp.arange(6).reshape(3, 2)
    assert len(x) == 3
    rows = list(x)
    assert len(rows) == 3 and all(isinstance(r, xf.Array) and r.shape == (2,) for r in rows)
    assert [r.tolist() for r in rows] == [[0, 1], [2, 3], [4, 5]]
    assert [int(v) for v in xnp.arange(3)] == [0, 1, 2]
    scalar = xnp.asarray(1.0)
    with pytest.raises(TypeError):
        len(scalar)
    with pytest.raises(TypeError):
        iter(scalar)


def test_scalar_conversions():
    one = xnp.asarray([[1.5]])
    assert float(one) == 1.5 and int(one) == 1 and bool(one) is True and complex(one) == 1.5
    assert one.item() == 1.5 and isinstance(one.item(), float)
    assert not bool(xnp.zeros(1))
    i = xnp.asarray(2)
    assert operator.index(i) == 2 and [10, 20, 30][i] == 30 and range(5)[i] == 2
    assert xnp.arange(6).reshape(2, 3).item(4) == 4
    big = xnp.ones(3)
    with pytest.raises(TypeError):
        float(big)
    with pytest.raises(TypeError):
        int(big)
    with pytest.raises(ValueError, match="ambiguous"):
        bool(big)
    with pytest.raises(TypeError):
        operator.index(xnp.asarray(2.0))
    with pytest.raises(TypeError):
        operator.index(xnp.ones(1, xnp.int32))


def test_tolist():
    assert xnp.arange(4).reshape(2, 2).tolist() == [[0, 1], [2, 3]]
    assert xnp.asarray(3.0).tolist() == 3.0
    assert xnp.asarray([True]).tolist() == [True]


_methods = [
    ("astype_int", lambda x: x.astype(onp.int32), lambda x: x.astype(onp.int32)),
    ("astype_bool", lambda x: x.astype(bool), lambda x: x.astype(bool)),
    ("astype_float16", lambda x: x.astype("float16"), lambda x: x.astype(onp.float16)),
    ("reshape_tuple", lambda x: x.reshape((4, 6)), lambda x: x.reshape((4, 6))),
    ("reshape_varargs", lambda x: x.reshape(6, -1), lambda x: x.reshape(6, -1)),
    ("reshape_flat", lambda x: x.reshape(-1), lambda x: x.reshape(-1)),
    ("transpose_none", lambda x: x.transpose(), lambda x: x.transpose()),
    ("transpose_varargs", lambda x: x.transpose(2, 0, 1), lambda x: x.transpose(2, 0, 1)),
    ("transpose_tuple", lambda x: x.transpose((1, 0, 2)), lambda x: x.transpose((1, 0, 2))),
    ("ravel", lambda x: x.ravel(), lambda x: x.ravel()),
    ("flatten", lambda x: x.flatten(), lambda x: x.flatten()),
    ("squeeze", lambda x: x[:1].squeeze(), lambda x: x[:1].squeeze()),
    ("squeeze_axis", lambda x: x[:, :1].squeeze(1), lambda x: x[:, :1].squeeze(1)),
    ("swapaxes", lambda x: x.swapaxes(0, 2), lambda x: x.swapaxes(0, 2)),
    ("sum", lambda x: x.sum(), lambda x: x.sum()),
    ("sum_axis", lambda x: x.sum(axis=1, keepdims=True), lambda x: x.sum(axis=1, keepdims=True)),
    ("prod", lambda x: x.prod(axis=0), lambda x: x.prod(axis=0)),
    ("max", lambda x: x.max(axis=(0, 2)), lambda x: x.max(axis=(0, 2))),
    ("min", lambda x: x.min(), lambda x: x.min()),
    ("mean", lambda x: x.mean(axis=-1), lambda x: x.mean(axis=-1)),
    ("var", lambda x: x.var(ddof=1), lambda x: x.var(ddof=1)),
    ("std", lambda x: x.std(axis=0), lambda x: x.std(axis=0)),
    ("all", lambda x: (x > -2).all(axis=1), lambda x: (x > -2).all(axis=1)),
    ("any", lambda x: (x > 2).any(), lambda x: (x > 2).any()),
    ("argmax", lambda x: x.argmax(), lambda x: x.argmax()),
    ("argmin", lambda x: x.argmin(axis=1), lambda x: x.argmin(axis=1)),
    ("clip", lambda x: x.clip(-1, 1), lambda x: x.clip(-1, 1)),
    ("round", lambda x: (x * 10).round(), lambda x: (x * 10).round()),
    ("sort", lambda x: x.sort(axis=0), lambda x: onp.sort(x, axis=0)),
    ("argsort", lambda x: x.argsort(), lambda x: x.argsort(kind="stable")),
    ("repeat", lambda x: x.repeat(2, axis=1), lambda x: x.repeat(2, axis=1)),
    ("dot", lambda x: x[0].dot(x[1].T), lambda x: x[0].dot(x[1].T)),
    ("conj", lambda x: x.conj(), lambda x: x.conj()),
    ("real", lambda x: x.real, lambda x: x.real),
    ("imag", lambda x: x.imag, lambda x: x.imag),
    ("copy", lambda x: x.copy(), lambda x: x.copy()),
]


@pytest.mark.parametrize("method,ref", [m[1:] for m in _methods], ids=[m[0] for m in _methods])
def test_methods(method, ref):
    host = rand(rng_for("methods"), (2, 3, 4), onp.float32)
    out = method(xnp.asarray(host))
    expected = onp.asarray(ref(host))
    assert_close(out, expected, dtype=canonical(expected.dtype))


def test_astype_complex_to_bool():
    x = xnp.asarray(onp.array([1j, 0, 1], onp.complex64))
    assert x.astype(bool).tolist() == [True, False, True]


# ---------------------------------------------------------------------------------------
# operators

_binary = [
    ("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
    ("truediv", operator.truediv), ("floordiv", operator.floordiv), ("mod", operator.mod),
    ("pow", operator.pow), ("eq", operator.eq), ("ne", operator.ne), ("lt", operator.lt),
    ("le", operator.le), ("gt", operator.gt), ("ge", operator.ge),
]
_bitwise = [("and", operator.and_), ("or", operator.or_), ("xor", operator.xor),
            ("lshift", operator.lshift), ("rshift", operator.rshift)]


def _operands(rng, dtype):
    x = rand(rng, (3, 4), dtype, "pos" if dtype.kind in "iu" else "normal")
    y = rand(rng, (3, 4), dtype, "pos")
    return x, y


def _binary_cases():
    for name, op in _binary:
        for dtype in (onp.float32, onp.int32):
            yield pytest.param(op, onp.dtype(dtype), id=f"{name}-{onp.dtype(dtype).name}")
    for name, op in _bitwise:
        for dtype in (onp.int32, onp.uint8) + ((onp.bool_,) if "shift" not in name else ()):
            yield pytest.param(op, onp.dtype(dtype), id=f"{name}-{onp.dtype(dtype).name}")


@pytest.mark.parametrize("op,dtype", list(_binary_cases()))
def test_binary_operators(op, dtype):
    x, y = _operands(rng_for(op.__name__, dtype.name), dtype)
    if op is operator.pow and dtype.kind == "f":
        x = onp.abs(x)
    if dtype.kind in "iu" and op in (operator.lshift, operator.rshift):
        y = y % 8
    with onp.errstate(all="ignore"):
        expected = op(x, y)
    expected_dtype = canonical(expected.dtype)
    ax, ay = xnp.asarray(x), xnp.asarray(y)
    assert_close(op(ax, ay), expected, dtype=expected_dtype)       # Array op Array
    assert_close(op(ax, y), expected, dtype=expected_dtype)        # Array op ndarray
    assert_close(op(x, ay), expected, dtype=expected_dtype)        # ndarray op Array (reflected)
    scalar = 2 if dtype != onp.bool_ else True
    with onp.errstate(all="ignore"):
        assert_close(op(ax, scalar), op(x, scalar), dtype=expected_dtype)  # Array op scalar
        if dtype.kind != "b" or op not in (operator.lshift, operator.rshift):
            assert_close(op(scalar, ax), op(scalar, x), dtype=expected_dtype)  # reflected


def test_matmul_operator():
    a = rand(rng_for("matmul"), (2, 3), onp.float32)
    b = rand(rng_for("matmul", 2), (3, 4), onp.float32)
    assert_close(xnp.asarray(a) @ xnp.asarray(b), a @ b)
    assert_close(xnp.asarray(a) @ b, a @ b)
    assert_close(a @ xnp.asarray(b), a @ b)


def test_divmod():
    x = onp.array([-7, -3, 3, 7], onp.int32)
    q, r = divmod(xnp.asarray(x), 3)
    assert_close(q, x // 3)
    assert_close(r, x % 3)
    q, r = divmod(7, xnp.asarray(onp.array([-3, 2], onp.int32)))
    assert_close(q, onp.array([-3, 3], onp.int32))
    assert_close(r, onp.array([-2, 1], onp.int32))


@pytest.mark.parametrize("op,dtypes", [
    (operator.neg, (onp.float32, onp.int32)), (operator.pos, (onp.float32, onp.uint8)),
    (abs, (onp.float32, onp.int8, onp.complex64)), (operator.invert, (onp.int32, onp.uint8, onp.bool_)),
], ids=["neg", "pos", "abs", "invert"])
def test_unary_operators(op, dtypes):
    for dtype in dtypes:
        host = rand(rng_for(op.__name__, onp.dtype(dtype).name), (5,), dtype)
        expected = op(host)
        assert_close(op(xnp.asarray(host)), expected, dtype=canonical(expected.dtype))


def test_operators_with_unsupported_types():
    x = xnp.ones(2)
    with pytest.raises(TypeError):
        x + "a"
    with pytest.raises(TypeError):
        None * x
    assert x.__eq__(None) is NotImplemented and (x == None) is False  # noqa: E711


# ---------------------------------------------------------------------------------------
# indexing

_static_indices = [
    0, -1, 2, (1, 2), (-1, -2, -3), slice(None), slice(1, 3), slice(None, None, 2),
    slice(None, None, -1), slice(3, 0, -2), slice(-2, None), slice(10, 20),
    (slice(None), 1), (Ellipsis, 0), (0, Ellipsis), (None,), (None, 0, None),
    (1, None, slice(None, None, -2)), (Ellipsis, None), (slice(1, None), Ellipsis, slice(None, 2)),
    (0, 1, 2), (slice(None, None, 3), slice(None, None, -1), 1), (), Ellipsis,
]


@pytest.mark.parametrize("idx", _static_indices, ids=repr)
def test_basic_indexing(idx):
    host = onp.arange(4 * 5 * 3, dtype=onp.float32).reshape(4, 5, 3)
    assert_close(xnp.asarray(host)[idx], host[idx])


def _random_index(rng, shape):
    parts = []
    dims = list(shape)
    while dims:
        n = dims.pop(0)
        choice = rng.integers(0, 5)
        if choice == 0:
            parts.append(int(rng.integers(-n, n)))
        elif choice == 1:
            parts.append(slice(None))
        else:
            start = int(rng.integers(-n - 1, n + 2)) if rng.random() < 0.7 else None
            stop = int(rng.integers(-n - 1, n + 2)) if rng.random() < 0.7 else None
            step = int(rng.choice([1, 2, 3, -1, -2])) if rng.random() < 0.7 else None
            parts.append(slice(start, stop, step))
        if rng.random() < 0.15:
            parts.append(None)
    if parts and rng.random() < 0.3:
        k = int(rng.integers(0, len(parts)))
        parts = parts[:k] + [Ellipsis] + [p for p in parts[k:] if p is None][:1]
    return tuple(parts)


@pytest.mark.parametrize("seed", range(30))
def test_random_basic_indexing(seed):
    rng = rng_for("indexing", seed)
    shape = tuple(int(n) for n in rng.integers(1, 6, rng.integers(1, 4)))
    host = rand(rng, shape, onp.float32)
    idx = _random_index(rng, shape)
    assert_close(xnp.asarray(host)[idx], host[idx])


def test_indexing_under_jit_with_traced_index():
    host = onp.arange(12, dtype=onp.int32).reshape(3, 4)
    f = xf.jit(lambda x, i: x[i, 1:])
    for i in (0, 2, -1):
        assert_close(f(host, i), host[i, 1:])
    assert_close(xf.jit(lambda x: x[::-1, None, 1])(host), host[::-1, None, 1])


def test_index_with_integer_array_scalar():
    host = onp.arange(5, dtype=onp.float32)
    assert_close(xnp.asarray(host)[xnp.asarray(3)], host[3])
    assert_close(xnp.asarray(host)[onp.int64(-2)], host[-2])


@pytest.mark.parametrize("idx, expected", [(5, [12, 13, 14]), (-6, [0, 1, 2]), ((0, 3), 2)],
                         ids=repr)
def test_out_of_range_static_index_clamps_as_jax(idx, expected):
    # JAX: out-of-bounds reads are clamped to the last (or first) element
    onp.testing.assert_array_equal(xnp.arange(15).reshape(5, 3)[idx], expected)


def test_too_many_indices():
    with pytest.raises(IndexError):
        xnp.zeros((5, 3))[1, 2, 0]


def test_unsupported_indices():
    x = xnp.zeros((5, 3))
    with pytest.raises(IndexError):
        x[..., ...]
    with pytest.raises(IndexError):
        x["a"]


# ---------------------------------------------------------------------------------------
# .at[] updates and immutability

_updates = [
    ("set_int", lambda x: x.at[1].set(7.0), lambda h: _put(h, 1, 7.0)),
    ("set_negative", lambda x: x.at[-1, 2].set(-1), lambda h: _put(h, (-1, 2), -1)),
    ("set_slice", lambda x: x.at[1:3, 0].set(onp.array([8, 9])),
     lambda h: _put(h, (slice(1, 3), 0), [8, 9])),
    ("set_broadcast", lambda x: x.at[:, 1:].set(onp.array([5.0, 6.0])),
     lambda h: _put(h, (slice(None), slice(1, None)), [5.0, 6.0])),
    ("set_ellipsis", lambda x: x.at[..., 0].set(0), lambda h: _put(h, (Ellipsis, 0), 0)),
    ("add", lambda x: x.at[0].add(10), lambda h: _apply(h, 0, lambda v: v + 10)),
    ("add_slice", lambda x: x.at[1:, 1].add(onp.array([1.0, 2.0, 3.0])),
     lambda h: _apply(h, (slice(1, None), 1), lambda v: v + [1.0, 2.0, 3.0])),
    ("subtract", lambda x: x.at[2].subtract(1), lambda h: _apply(h, 2, lambda v: v - 1)),
    ("multiply", lambda x: x.at[:, 2].multiply(3),
     lambda h: _apply(h, (slice(None), 2), lambda v: v * 3)),
    ("divide", lambda x: x.at[3].divide(2), lambda h: _apply(h, 3, lambda v: v / 2)),
    ("min", lambda x: x.at[1].min(0.5), lambda h: _apply(h, 1, lambda v: onp.minimum(v, 0.5))),
    ("max", lambda x: x.at[0, :2].max(1.5),
     lambda h: _apply(h, (0, slice(None, 2)), lambda v: onp.maximum(v, 1.5))),
    ("get", lambda x: x.at[1, ::-1].get(), lambda h: h[1, ::-1]),
]


def _put(host, idx, value):
    host = host.copy()
    host[idx] = value
    return host


def _apply(host, idx, fn):
    host = host.copy()
    host[idx] = fn(host[idx])
    return host


@pytest.mark.parametrize("update,ref", [u[1:] for u in _updates], ids=[u[0] for u in _updates])
def test_at_updates(update, ref):
    host = rand(rng_for("at"), (4, 3), onp.float32)
    x = xnp.asarray(host)
    assert_close(update(x), ref(host))
    assert_close(x, host)  # the original is unchanged
    assert_close(xf.jit(update)(x), ref(host))


def test_at_set_keeps_dtype():
    x = xnp.zeros(3, xnp.int8)
    y = x.at[1].set(5)
    assert y.dtype == onp.int8 and y.tolist() == [0, 5, 0]
    z = xnp.zeros(3).at[0].set(xnp.asarray(2, dtype=xnp.int32))
    assert z.dtype == onp.float32 and z.tolist() == [2.0, 0.0, 0.0]


def test_at_traced_index():
    f = xf.jit(lambda x, i, v: x.at[i].add(v))
    host = onp.zeros(4, onp.float32)
    assert f(host, 1, 2.0).tolist() == [0, 2, 0, 0]
    assert f(host, -1, 3.0).tolist() == [0, 0, 0, 3]


def test_setitem_raises_with_hint():
    x = xnp.zeros(3)
    with pytest.raises(TypeError, match=r"x\.at\[idx\]\.set"):
        x[0] = 1


def test_hash_raises():
    with pytest.raises(TypeError, match="unhashable"):
        hash(xnp.zeros(3))
    with pytest.raises(TypeError):
        {xnp.zeros(1): 1}


# ---------------------------------------------------------------------------------------
# device and lifetime

def test_block_until_ready_devices_copy():
    x = xnp.arange(3.0) * 2
    assert x.block_until_ready() is x
    assert xf.block_until_ready({"a": x})["a"] is x
    devices = x.devices()
    assert isinstance(devices, set) and len(devices) == 1
    assert next(iter(devices)) in xf.devices() and x.device == next(iter(devices))
    y = x.copy()
    assert y is not x and isinstance(y, xf.Array)
    assert_close(y, onp.array([0.0, 2.0, 4.0], onp.float32))
    assert not onp.shares_memory(onp.asarray(x), onp.asarray(y))


@pytest.mark.parametrize("value", [
    onp.arange(6, dtype=onp.float32).reshape(2, 3), onp.array([1, 2], onp.int8),
    onp.array([True, False]), onp.array(1 + 2j, onp.complex64)], ids=["f32", "i8", "bool", "c64"])
def test_pickle_round_trip(value):
    x = xnp.asarray(value)
    y = pickle.loads(pickle.dumps(x))
    assert isinstance(y, xf.Array) and y.dtype == x.dtype and y.weak_type == x.weak_type
    assert_close(y, value)


def test_pickle_keeps_weak_type():
    y = pickle.loads(pickle.dumps(xnp.asarray(2.0)))
    assert y.weak_type and repr(y) == "Array(2., dtype=float32, weak_type=True)"


def test_numpy_functions_accept_arrays():
    x = xnp.arange(4.0)
    assert onp.sum(onp.asarray(x)) == 6.0
    assert onp.allclose(onp.sin(x), onp.sin(onp.arange(4.0)))
    assert onp.asarray([x, x]).shape == (2, 4)
