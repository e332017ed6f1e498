"""NumPy indexing: advanced (integer-array and boolean) indices in x[idx] and x.at[idx],
against NumPy, eagerly and under jit; out-of-bounds modes; gradients; vmap; errors; the
index-related methods (take, cumsum, nonzero ...)."""
import warnings

import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as xnp
from xlafront.numpy._indexing import NonConcreteBooleanIndexError
from xlafront.test_util import check_grads

from conftest import assert_close, rand, rng_for

_X = onp.arange(60, dtype=onp.float32).reshape(3, 4, 5)
_I = onp.array([2, 0, -1], onp.int32)
_J = onp.array([[1], [-3]], onp.int64)
_M = (_X % 3 == 0)

# index expressions on an array of shape (3, 4, 5), as (name, index)
_indices = [
    ("int_array", _I),
    ("list", [0, 2, 2]),
    ("nested_list", [[0, 1], [2, -1]]),
    ("tuple_in_tuple", ((0, 1),)),
    ("two_arrays", (_I, _I)),
    ("broadcast_arrays", (_J, _I)),
    ("three_arrays", (_I, _J, _I)),
    ("slice_then_array", (slice(None), _I)),
    ("array_slice_array", (_I, slice(None), _I)),  # separated: advanced dims go first
    ("int_and_array", (1, _I)),
    ("int_slice_array", (1, slice(None), [0, 4])),  # int counts as advanced: first
    ("array_none", (slice(None), [1, 2], None)),
    ("none_between", ([0], None, [0])),
    ("none_first", (None, [0, 1], slice(None), [0, 3])),
    ("int_none_array", (0, None, [1, 2])),
    ("ellipsis_array", (Ellipsis, [0, 4])),
    ("array_ellipsis_array", ([0], Ellipsis, [0])),
    ("slice_array_ellipsis_array", (slice(None), [0], Ellipsis, [0])),
    ("strided_and_array", (slice(1, None, 2), _I, slice(None, None, -1))),
    ("negative_step_array", ([[1], [2]], slice(None, None, -2))),
    ("none_array_none_int", (None, _I, None, 1)),
    ("empty_list", []),
    ("empty_array_slice", (onp.zeros((0,), onp.int32), slice(1, 3))),
    ("uint8", onp.array([1, 2], onp.uint8)),
    ("int64_scalar_array", (onp.int64(1), [3])),
    ("zero_d_array", (slice(None), onp.array(2))),
    ("mask_full", _M),
    ("mask_leading", _X[:, 0, 0] > 20),
    ("mask_middle", (slice(None), onp.array([True, False, True, True]))),
    ("mask_2d_trailing", (0, _M[0])),
    ("mask_and_array", (_X[:, 0, 0] > 10, slice(None), [1, 3])),
    ("mask_list", [True, False, True]),
    ("true", True),
    ("false", False),
    ("int_true", (0, True)),
    ("int_slice_true", (0, slice(None), True)),
    ("slice_int_true", (slice(None), 0, True)),
    ("array_slice_true", ([0, 1], slice(None), True)),
    ("true_slice_array", (True, slice(None), [0, 1])),
    ("none_true", (None, True)),
    ("true_true", (True, True)),
    ("false_int", (False, 0)),
    ("true_array", (slice(None), True, [1, 2, 3])),
]


@pytest.mark.parametrize("idx", [i for _, i in _indices], ids=[n for n, _ in _indices])
def test_getitem_matches_numpy(idx):
    expected = _X[idx]
    x = xnp.asarray(_X)
    assert_close(x[idx], expected)
    assert_close(xf.jit(lambda a: a[idx])(x), expected)


@pytest.mark.parametrize("idx", [i for _, i in _indices[:22]], ids=[n for n, _ in _indices[:22]])
def test_getitem_with_device_and_traced_index_arrays(idx):
    """The same expressions with the integer arrays as xlafront Arrays, and as jit
    arguments (traced)."""
    idx_t = idx if isinstance(idx, tuple) else (idx,)
    expected = _X[idx]
    dev = tuple(xnp.asarray(onp.asarray(i, onp.int32)) if isinstance(i, (onp.ndarray, list))
                else i for i in idx_t)
    assert_close(xnp.asarray(_X)[dev], expected)
    positions = [k for k, i in enumerate(idx_t) if isinstance(i, (onp.ndarray, list))]

    def f(a, *arrays):
        full = list(idx_t)
        for k, arr in zip(positions, arrays):
            full[k] = arr
        return a[tuple(full)]

    arrays = [onp.asarray(idx_t[k], onp.int32) for k in positions]
    assert_close(xf.jit(f)(_X, *arrays), expected)


def _random_advanced_index(rng, shape):
    """A random index mixing ints, slices, None, Ellipsis, in-bounds integer arrays of
    broadcastable shapes (negative entries too) and boolean masks."""
    parts, dim = [], 0
    bshape = tuple(int(n) for n in rng.integers(1, 4, rng.integers(0, 3)))
    while dim < len(shape) and rng.random() < 0.85:
        n = shape[dim]
        r = rng.random()
        if r < 0.35:
            sub = bshape[int(rng.integers(0, len(bshape) + 1)):]
            parts.append(rng.integers(-n, n, sub).astype(onp.int32))
        elif r < 0.45:
            parts.append(int(rng.integers(-n, n)))
        elif r < 0.55 and dim + 1 < len(shape):
            parts.append(rng.random((n, shape[dim + 1])) < 0.5)
            dim += 1
        elif r < 0.7:
            parts.append(rng.random(n) < 0.5)
        else:
            parts.append(slice(int(rng.integers(-n, n)), None, int(rng.choice([1, 2, -1]))))
        dim += 1
        if rng.random() < 0.15:
            parts.append(None)
    if rng.random() < 0.3:
        parts.insert(int(rng.integers(0, len(parts) + 1)), Ellipsis)
    return tuple(parts)


@pytest.mark.parametrize("seed", range(40))
def test_random_advanced_indexing(seed):
    rng = rng_for("advanced-indexing", seed)
    shape = tuple(int(n) for n in rng.integers(1, 5, rng.integers(1, 4)))
    host = rand(rng, shape, onp.float32)
    idx = _random_advanced_index(rng, shape)
    try:
        expected = host[idx]
    except IndexError:  # e.g. masks selecting different numbers of entries
        with pytest.raises(IndexError):
            xnp.asarray(host)[idx]
        return
    assert_close(xnp.asarray(host)[idx], expected)
    assert_close(xf.jit(lambda a: a[idx])(host), expected)


def test_traced_integer_indices_under_jit():
    f = xf.jit(lambda x, i, j: x[i, :, j])
    i = onp.array([[0, 2], [1, -3]], onp.int32)
    j = onp.array([4, -1], onp.int32)
    assert_close(f(_X, i, j), _X[i, :, j])
    g = xf.jit(lambda x, i: x[1:, i, ::2])
    assert_close(g(_X, j % 4), _X[1:, j % 4, ::2])


# ---------------------------------------------------------------------------------------
# out-of-bounds behaviour and .at[].get options

def test_out_of_bounds_reads_are_clamped():
    x = xnp.asarray(_X)
    idx = onp.array([5, -7, 1], onp.int32)
    assert_close(x[idx], _X[onp.clip(onp.where(idx < 0, idx + 3, idx), 0, 2)])
    assert_close(xf.jit(lambda a, i: a[:, i])(x, idx), _X[:, [3, 0, 1]])
    assert_close(x.at[idx].get(mode="clip"), _X[[2, 0, 1]])
    assert_close(x.at[idx].get(mode="promise_in_bounds"), _X[[2, 0, 1]])


def test_fill_mode():
    x = xnp.asarray(_X)
    idx = onp.array([5, -1, -4, 1], onp.int32)
    out = x.at[idx].get(mode="fill", fill_value=-1.0)
    expected = onp.full((4, 4, 5), -1.0, onp.float32)
    expected[1], expected[3] = _X[2], _X[1]
    assert_close(out, expected)
    assert onp.isnan(onp.asarray(x.at[idx].get(mode="fill"))[0]).all()  # NaN by default
    ints = xnp.arange(4)
    assert_close(ints.at[onp.array([0, 9])].get(mode="fill"),
                 onp.array([0, onp.iinfo(onp.int32).min], onp.int32))
    # static integers out of bounds follow the mode too
    assert_close(x.at[7].get(mode="fill", fill_value=0.0), onp.zeros((4, 5), onp.float32))
    assert_close(x.at[7, 1].get(mode="clip"), _X[2, 1])
    f = xf.jit(lambda a, i: a.at[i].get(mode="fill", fill_value=3.0))
    expected[[0, 2]] = 3.0
    assert_close(f(x, idx), expected)


def test_wrap_negative_indices_false():
    x = xnp.arange(5.0)
    out = x.at[onp.array([-1, 2])].get(mode="fill", fill_value=-9.0, wrap_negative_indices=False)
    assert_close(out, onp.array([-9.0, 2.0], onp.float32))
    y = x.at[onp.array([-1, 2])].set(7.0, wrap_negative_indices=False)
    assert_close(y, onp.array([0, 1, 7, 3, 4], onp.float32))


def _with(a, idx, value):
    """A copy of NumPy array `a` with a[idx] = value."""
    a = a.copy()
    a[idx] = value
    return a


_V = onp.arange(5, dtype=onp.int32)
_W = onp.arange(12, dtype=onp.int32).reshape(3, 4)

# Static integers out of bounds, as JAX (NumPy raises IndexError): reads clamp (a negative
# index counts from the end once, then clamps), updates are dropped unless mode="clip".
# Expected values by hand.
_static_oob_reads = [
    ("past_end", lambda x: x[10], _V, 4),
    ("at_end", lambda x: x[5], _V, 4),
    ("before_start", lambda x: x[-10], _V, 0),
    ("numpy_int", lambda x: x[onp.int32(7)], _V, 4),
    ("row", lambda x: x[5], _W, [8, 9, 10, 11]),
    ("negative_row", lambda x: x[-5], _W, [0, 1, 2, 3]),
    ("column", lambda x: x[:, 9], _W, [3, 7, 11]),
    ("both", lambda x: x[5, -9], _W, 8),
    ("beside_slice", lambda x: x[-5, 1:3], _W, [1, 2]),
    ("beside_array", lambda x: x[5, onp.array([0, 1])], _W, [8, 9]),
    ("with_none_ellipsis", lambda x: x[None, 7, ..., 9], _W, [11]),
    ("get", lambda x: x.at[10].get(), _V, 4),
    ("get_clip", lambda x: x.at[-10].get(mode="clip"), _V, 0),
    ("get_promise_in_bounds", lambda x: x.at[10].get(mode="promise_in_bounds"), _V, 4),
    ("get_fill", lambda x: x.at[10].get(mode="fill"), _V, onp.iinfo(onp.int32).min),
    ("get_fill_negative", lambda x: x.at[-10].get(mode="fill", fill_value=-1), _V, -1),
    ("get_fill_in_bounds", lambda x: x.at[-1].get(mode="fill"), _V, 4),
]
_static_oob_updates = [
    ("set", lambda x: x.at[10].set(9), _V, [0, 1, 2, 3, 4]),
    ("set_at_end", lambda x: x.at[5].set(9), _V, [0, 1, 2, 3, 4]),
    ("set_before_start", lambda x: x.at[-6].set(9), _V, [0, 1, 2, 3, 4]),
    ("add", lambda x: x.at[10].add(9), _V, [0, 1, 2, 3, 4]),
    ("multiply", lambda x: x.at[10].multiply(3), _V, [0, 1, 2, 3, 4]),
    ("min", lambda x: x.at[-10].min(-1), _V, [0, 1, 2, 3, 4]),
    ("apply", lambda x: x.at[10].apply(lambda v: -v), _V, [0, 1, 2, 3, 4]),
    ("set_clip", lambda x: x.at[10].set(9, mode="clip"), _V, [0, 1, 2, 3, 9]),
    ("set_clip_negative", lambda x: x.at[-10].set(9, mode="clip"), _V, [9, 1, 2, 3, 4]),
    ("set_drop", lambda x: x.at[10].set(9, mode="drop"), _V, [0, 1, 2, 3, 4]),
    ("set_promise_in_bounds", lambda x: x.at[10].set(9, mode="promise_in_bounds"), _V,
     [0, 1, 2, 3, 4]),
    ("set_row", lambda x: x.at[5].set(9), _W, _W),
    ("set_column", lambda x: x.at[1, 5].set(9), _W, _W),
    ("set_beside_slice", lambda x: x.at[5, 1:3].set(9), _W, _W),
    ("set_beside_array", lambda x: x.at[5, onp.array([0, 1])].set(9), _W, _W),
    ("set_strided", lambda x: x.at[::2, 9].set(9), _W, _W),
    ("add_column_clip", lambda x: x.at[1, 9].add(100, mode="clip"), _W, _with(_W, (1, 3), 107)),
]


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("fn,x,expected", [c[1:] for c in _static_oob_reads + _static_oob_updates],
                         ids=[c[0] for c in _static_oob_reads + _static_oob_updates])
def test_static_integer_out_of_bounds(fn, x, expected, jit):
    assert_close((xf.jit(fn) if jit else fn)(xnp.asarray(x)), onp.asarray(expected, onp.int32))


def test_traced_integer_out_of_bounds():
    # as JAX: a traced integer index out of bounds clamps reads and drops updates
    x = xnp.asarray(_V)
    read = xf.jit(lambda a, i: a[i])
    write = xf.jit(lambda a, i: a.at[i].set(9))
    for i, got, expected in [(10, 4, _V), (-10, 0, _V), (-2, 3, _with(_V, 3, 9)),
                             (2, 2, _with(_V, 2, 9))]:
        assert_close(read(x, i), onp.int32(got))
        assert_close(write(x, i), expected)
        assert_close(x.at[xnp.asarray(i)].set(9), expected)  # a concrete 0-d index array
    rows = xf.jit(lambda a, i: a.at[i, 1:3].multiply(10))
    assert_close(rows(xnp.asarray(_W), 3), _W)
    assert_close(rows(xnp.asarray(_W), -1), _with(_W, (2, slice(1, 3)), [90, 100]))
    assert_close(xf.vmap(lambda r, i: r.at[i].set(0))(xnp.asarray(_W), onp.array([1, 5, -9])),
                 _with(_W, (0, 1), 0))


def test_static_integer_into_an_empty_axis_raises():
    with pytest.raises(IndexError, match="size 0"):
        xnp.zeros(0)[0]
    with pytest.raises(IndexError, match="size 0"):
        xnp.zeros((0, 3)).at[0].set(1.0)
    assert xnp.zeros((3, 0))[5].shape == (0,)  # (the axis indexed is not empty: clamped)


# ---------------------------------------------------------------------------------------
# boolean masks

def test_boolean_masks_concrete():
    x = xnp.asarray(_X)
    assert_close(x[xnp.asarray(_M)], _X[_M])  # an xlafront mask (concrete)
    mask = _X[0] > 7
    assert_close(xf.jit(lambda a: a[:, mask])(x), _X[:, mask])  # a constant under jit
    assert_close(xf.jit(lambda a: a[xnp.asarray(_M)])(x), _X[_M])  # a closed-over Array
    assert_close(x[x > 30], _X[_X > 30])


def test_boolean_mask_traced_raises():
    x = xnp.asarray(_X)
    with pytest.raises(NonConcreteBooleanIndexError, match="where"):
        xf.jit(lambda a, m: a[m])(x, _M)
    with pytest.raises(IndexError, match="concrete"):
        xf.jit(lambda a: a[a > 3])(x)
    with pytest.raises(IndexError, match="concrete"):
        xf.vmap(lambda a: a[a > 3])(x)
    with pytest.raises(IndexError, match="concrete"):
        xf.jit(lambda a, m: a.at[m].set(0.0))(x, _M)
    # the fixed-shape alternative works
    assert_close(xf.jit(lambda a, m: xnp.where(m, a, 0.0))(x, _M), onp.where(_M, _X, 0))


def test_boolean_mask_shape_mismatch():
    with pytest.raises(IndexError, match="boolean index did not match"):
        xnp.asarray(_X)[onp.ones((4,), bool)]


# ---------------------------------------------------------------------------------------
# .at[] updates with advanced indices

_idx = onp.array([2, 0, 2, -1, 1, 2], onp.int32)  # repeats
_uniq = onp.array([3, 0, -3], onp.int32)


def _at(ufunc, idx, values):
    def ref(host):
        host = host.copy()
        ufunc.at(host, idx, values)
        return host
    return ref


_vals = onp.linspace(0.5, 3.0, 6).astype(onp.float32)
_MASK = (onp.arange(20).reshape(4, 5) % 3 == 1)
_updates = [
    ("add_repeats", lambda x: x.at[:, _idx].add(_vals), _at(onp.add, (slice(None), _idx), _vals)),
    ("subtract_repeats", lambda x: x.at[:, _idx].subtract(_vals),
     _at(onp.subtract, (slice(None), _idx), _vals)),
    ("multiply_repeats", lambda x: x.at[:, _idx].multiply(_vals),
     _at(onp.multiply, (slice(None), _idx), _vals)),
    ("divide_repeats", lambda x: x.at[:, _idx].divide(_vals),
     _at(onp.divide, (slice(None), _idx), _vals)),
    ("power", lambda x: x.at[1, _uniq].power(2.0), _at(onp.power, (1, _uniq), 2.0)),
    ("min_repeats", lambda x: x.at[_idx[:4] % 4, _idx[:4]].min(-_vals[:4]),
     _at(onp.minimum, (_idx[:4] % 4, _idx[:4]), -_vals[:4])),
    ("max_repeats", lambda x: x.at[:, _idx].max(_vals * 3),
     _at(onp.maximum, (slice(None), _idx), _vals * 3)),
    ("set_unique", lambda x: x.at[:, _uniq].set(onp.float32(7)),
     lambda h: _put(h, (slice(None), _uniq), 7)),
    ("set_2d", lambda x: x.at[_uniq[:2], [[1], [2]]].set(onp.arange(4.0).reshape(2, 2)),
     lambda h: _put(h, (_uniq[:2], [[1], [2]]), onp.arange(4.0).reshape(2, 2))),
    ("set_mask", lambda x: x.at[_MASK].set(0.0), lambda h: _put(h, _MASK, 0.0)),
    ("add_mask_values", lambda x: x.at[_MASK].add(onp.arange(_MASK.sum(), dtype=onp.float32)),
     _at(onp.add, _MASK, onp.arange(_MASK.sum(), dtype=onp.float32))),
    ("set_strided", lambda x: x.at[::2, ::-2].set(9.0), lambda h: _put(h, (slice(None, None, 2), slice(None, None, -2)), 9.0)),
    ("add_strided_broadcast", lambda x: x.at[1::2, ::3].add(onp.array([1.0, 2.0], onp.float32)),
     _at(onp.add, (slice(1, None, 2), slice(None, None, 3)), onp.array([1.0, 2.0]))),
    ("set_none", lambda x: x.at[None, _uniq, 1].set(onp.array([[1.0, 2.0, 3.0]])),
     lambda h: _put(h, (_uniq, 1), [1.0, 2.0, 3.0])),
    ("set_true", lambda x: x.at[True].set(0.5), lambda h: onp.full_like(h, 0.5)),
    ("set_false", lambda x: x.at[False].set(0.5), lambda h: h),
    ("set_empty", lambda x: x.at[[]].set(0.5), lambda h: h),
    ("apply_repeats", lambda x: x.at[:, _idx].apply(xnp.sin), None),
    ("apply_unique", lambda x: x.at[_uniq].apply(xnp.exp), None),
    ("get", lambda x: x.at[_idx, ::2].get(), lambda h: h[_idx, ::2]),
]


def _put(host, idx, value):
    host = host.copy()
    host[idx] = value
    return host


def _apply_ref(name, host):
    host = host.copy()
    if name == "apply_repeats":
        onp.sin.at(host, (slice(None), _idx))
    else:
        onp.exp.at(host, _uniq)
    return host


@pytest.mark.parametrize("update,ref", [u[1:] for u in _updates], ids=[u[0] for u in _updates])
def test_at_updates(update, ref, request):
    name = request.node.callspec.id
    host = rand(rng_for("at-advanced", name), (4, 5), onp.float32, "pos")
    expected = ref(host) if ref is not None else _apply_ref(name, host)
    x = xnp.asarray(host)
    assert_close(update(x), expected, rtol=1e-5, atol=1e-5)
    assert_close(x, host)  # unchanged
    assert_close(xf.jit(update)(x), expected, rtol=1e-5, atol=1e-5)


def test_set_with_repeated_indices_takes_one_of_the_values():
    out = onp.asarray(xnp.zeros(3).at[onp.array([1, 1, 1])].set(onp.array([4.0, 5.0, 6.0])))
    assert out[0] == 0 and out[2] == 0 and out[1] in (4.0, 5.0, 6.0)


def test_update_modes():
    x = xnp.zeros(4)
    idx = onp.array([1, 6, -9], onp.int32)
    assert_close(x.at[idx].set(1.0), onp.array([0, 1, 0, 0], onp.float32))  # dropped
    assert_close(x.at[idx].add(1.0, mode="drop"), onp.array([0, 1, 0, 0], onp.float32))
    assert_close(x.at[idx].add(1.0, mode="clip"), onp.array([1, 1, 0, 1], onp.float32))
    assert_close(x.at[idx].add(1.0, mode="promise_in_bounds", indices_are_sorted=False,
                               unique_indices=False)[1], onp.float32(1.0))
    f = xf.jit(lambda a, i: a.at[i].add(1.0, unique_indices=True, indices_are_sorted=True))
    assert_close(f(x, onp.array([0, 2], onp.int32)), onp.array([1, 0, 1, 0], onp.float32))
    # a static integer out of bounds follows the mode too
    assert_close(x.at[7].set(5.0, mode="drop"), onp.zeros(4, onp.float32))
    assert_close(x.at[7].set(5.0, mode="clip"), onp.array([0, 0, 0, 5], onp.float32))


def test_update_dtypes_follow_the_operand():
    ints = xnp.arange(5, dtype=xnp.int32)
    out = ints.at[onp.array([0, 0, 3])].add(2)
    assert out.dtype == onp.int32 and out.tolist() == [4, 1, 2, 5, 4]
    with pytest.warns(FutureWarning):  # (as JAX: floats into ints)
        out = ints.at[onp.array([1, 4])].multiply(1.5)  # computed in float, truncated back
    assert out.dtype == onp.int32 and out.tolist() == [0, 1, 2, 3, 6]
    with pytest.warns(FutureWarning):  # (NumPy's int64 into int8)
        small = xnp.zeros(3, xnp.int8).at[[0, 2]].set(onp.array([5, 7]))
    assert small.dtype == onp.int8 and small.tolist() == [5, 0, 7]
    weak = xnp.asarray(1.0)
    assert xnp.zeros(3).at[[1]].set(weak).dtype == onp.float32


_I3 = onp.arange(3, dtype=onp.int32)
_unsafe_updates = [  # values JAX casts with a FutureWarning (still cast, as JAX does)
    ("float_into_int_add", lambda x: x.at[1].add(1.7), _I3, onp.array([0, 2, 2], onp.int32)),
    ("float_into_int_set", lambda x: x.at[1].set(1.7), _I3, _I3),
    ("float_array_index", lambda x: x.at[onp.array([1])].multiply(1.5), _I3, _I3),
    ("int32_into_int8", lambda x: x.at[1].set(onp.int32(5)), _I3.astype(onp.int8),
     onp.array([0, 5, 2], onp.int8)),
    ("int_into_bool", lambda x: x.at[1].set(1), onp.zeros(3, bool),
     onp.array([False, True, False])),
    ("float32_into_float16", lambda x: x.at[1].set(onp.float32(1.5)),
     onp.zeros(3, onp.float16), onp.array([0, 1.5, 0], onp.float16)),
    ("divide_factor", lambda x: x.at[1].divide(2.5), _I3,  # the factor is int(2.5)
     onp.array([0, 0.5, 2], onp.float32)),
]


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("update,x,expected", [u[1:] for u in _unsafe_updates],
                         ids=[u[0] for u in _unsafe_updates])
def test_update_values_of_an_unsafe_type_warn(update, x, expected, jit):
    with pytest.warns(FutureWarning, match="scatter inputs have incompatible types"):
        out = (xf.jit(update) if jit else update)(xnp.asarray(x))
    assert_close(out, expected)


def test_update_values_of_a_safe_type_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        xnp.arange(3).at[1].set(2)  # a weak Python int
        xnp.zeros(3, bool).at[1].set(True)
        xnp.zeros(3, xnp.float16).at[1].add(1.5)  # a weak Python float
        xnp.arange(3).at[1].set(onp.uint32(2))  # uint32 and int32 promote to int32 (x64 off)
        xnp.arange(3.0).at[onp.array([0, 2])].set(onp.array([1, 2], onp.int8))


def test_at_divide_and_power_follow_jax():
    # As JAX: x / (ones with the values multiplied in at idx), x ** (the same): an integer
    # array divided gives floats (repeated indices multiply their values)
    ints = xnp.arange(4)
    assert_close(ints.at[1].divide(2), onp.array([0, 0.5, 2, 3], onp.float32))
    assert_close(ints.at[onp.array([1, 1])].divide(2), onp.array([0, 0.25, 2, 3], onp.float32))
    assert_close(ints.at[onp.array([2, 2])].power(2), onp.array([0, 1, 16, 3], onp.int32))
    assert_close(xf.jit(lambda x: x.at[3].power(2))(ints), onp.array([0, 1, 2, 9], onp.int32))
    assert_close(xnp.arange(3.0).at[2].power(0.5), onp.array([0, 1, onp.sqrt(2)], onp.float32))


def test_update_value_shape_mismatch():
    x = xnp.zeros((4, 5))
    with pytest.raises(ValueError, match="shape mismatch"):
        x.at[[0, 1]].set(onp.ones((3, 5)))
    with pytest.raises(ValueError, match="shape mismatch"):
        x.at[1:3].set(onp.ones((3,)))
    # leading size-1 axes are allowed, as in NumPy
    assert_close(x.at[[0, 1], 0].set(onp.ones((1, 1, 2))), _put(onp.zeros((4, 5), onp.float32), ([0, 1], 0), 1.0))


# ---------------------------------------------------------------------------------------
# gradients

def test_grad_through_advanced_indexing():
    rng = rng_for("grad-indexing")
    x = rand(rng, (4, 5), onp.float32)
    idx = onp.array([3, 0, 3, -1], onp.int32)
    check_grads(lambda a: xnp.asarray(a)[idx], (x,), order=2)
    check_grads(lambda a: xnp.asarray(a)[idx, ::-2] * xnp.asarray(a)[[1, 2], [0, 4], None].sum(),
                (x,), order=2)
    check_grads(lambda a: xnp.asarray(a)[x > 0], (x,), order=2)
    check_grads(lambda a: xnp.asarray(a).at[idx].get(mode="fill", fill_value=0.0), (x,), order=1)
    grad = xf.grad(lambda a: xnp.sum(xnp.asarray(a)[idx] ** 2))(x)
    expected = onp.zeros_like(x)
    onp.add.at(expected, idx, 2 * x[idx])
    assert_close(grad, expected, rtol=1e-5, atol=1e-5)


def test_grad_through_at_updates():
    rng = rng_for("grad-at")
    x = rand(rng, (4, 5), onp.float32)
    idx = onp.array([3, 0, 3, -1], onp.int32)
    u = rand(rng, (4, 4), onp.float32)
    check_grads(lambda a, v: xnp.asarray(a).at[:, idx].add(v), (x, u), order=2)
    check_grads(lambda a, v: xnp.asarray(a).at[:, _uniq].set(v[:, :3]), (x, u), order=2)
    check_grads(lambda a, v: xnp.asarray(a).at[:, _uniq].multiply(v[:, :3],
                                                                  unique_indices=True),
                (x, u), order=2)
    check_grads(lambda a, v: xnp.asarray(a).at[:, idx].max(v), (x, u), order=1)
    check_grads(lambda a: xnp.asarray(a).at[x > 0].set(0.0), (x,), order=2)
    g = xf.grad(lambda v: xnp.sum(xnp.zeros((4, 5)).at[:, idx].add(v) ** 2))(u)
    acc = onp.zeros((4, 5), onp.float32)
    onp.add.at(acc, (slice(None), idx), u)
    assert_close(g, 2 * acc[:, idx], rtol=1e-5, atol=1e-5)
    # jit of grad
    assert_close(xf.jit(xf.grad(lambda v: xnp.sum(xnp.zeros((4, 5)).at[:, idx].add(v) ** 2)))(u),
                 2 * acc[:, idx], rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------------------------------
# vmap

def test_vmap_indexing_against_loop():
    rng = rng_for("vmap-indexing")
    xs = rand(rng, (3, 4, 5), onp.float32)
    idx = rng.integers(-4, 4, (3, 6)).astype(onp.int32)

    def f(x, i):
        return xnp.asarray(x)[i, 1::2]

    def loop(xs, idx, xdim, idim):
        return onp.stack([onp.asarray(xs if xdim is None else xs[b])[
            (idx if idim is None else idx[b]), 1::2] for b in range(3)])

    for xdim, idim in [(0, 0), (None, 0), (0, None)]:
        args = (xs[0] if xdim is None else xs, idx[0] if idim is None else idx)
        out = xf.vmap(f, (xdim, idim))(*args)
        assert_close(out, loop(*args, xdim, idim))
        assert_close(xf.jit(xf.vmap(f, (xdim, idim)))(*args), loop(*args, xdim, idim))
    # batch dimension not in front
    out = xf.vmap(lambda x, i: xnp.asarray(x)[:, i], (2, 1))(xs.transpose(1, 2, 0), idx.T)
    assert_close(out, onp.stack([xs[b][:, idx[b]] for b in range(3)]))


def test_vmap_at_updates_against_loop():
    rng = rng_for("vmap-at")
    xs = rand(rng, (3, 4, 5), onp.float32)
    idx = rng.integers(-5, 5, (3, 6)).astype(onp.int32)
    us = rand(rng, (3, 4, 6), onp.float32)

    def ref(x, i, u):
        x = x.copy()
        onp.add.at(x, (slice(None), i), u)
        return x

    f = lambda x, i, u: xnp.asarray(x).at[:, i].add(u)  # noqa: E731
    assert_close(xf.vmap(f)(xs, idx, us),
                 onp.stack([ref(xs[b], idx[b], us[b]) for b in range(3)]), rtol=1e-5, atol=1e-5)
    assert_close(xf.vmap(f, (None, 0, None))(xs[0], idx, us[0]),
                 onp.stack([ref(xs[0], idx[b], us[0]) for b in range(3)]), rtol=1e-5, atol=1e-5)
    g = lambda x, i: xnp.asarray(x).at[i].set(-1.0)  # noqa: E731
    out = xf.jit(xf.vmap(g, (0, 0)))(xs, idx[:, :2] % 4)
    assert_close(out, onp.stack([_put(xs[b], idx[b, :2] % 4, -1.0) for b in range(3)]))


def test_vmap_of_grad_of_indexing():
    rng = rng_for("vmap-grad-indexing")
    xs = rand(rng, (3, 5), onp.float32)
    idx = rng.integers(0, 5, (3, 4)).astype(onp.int32)
    out = xf.vmap(xf.grad(lambda x, i: xnp.sum(xnp.asarray(x)[i] ** 2)))(xs, idx)
    expected = onp.zeros_like(xs)
    for b in range(3):
        onp.add.at(expected[b], idx[b], 2 * xs[b][idx[b]])
    assert_close(out, expected, rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------------------------------
# errors

@pytest.mark.parametrize("idx,match", [
    (1.0, "float"),
    (onp.array([1.0, 2.0]), "float64"),
    ((0, onp.float32(1)), "float32"),
    (xnp.asarray([1.5]), "float32"),
    (1j, "complex"),
    ("a", "string"),
    ([0, slice(None)], "tuple"),
    ((0, 0, 0, 0), "too many indices"),
    ((Ellipsis, Ellipsis), "single ellipsis"),
    (([0, 1], [0, 1, 2]), "broadcast"),
    ((slice(0, 1.5),), "slice indices"),
], ids=["float", "float_array", "numpy_float", "xlafront_float", "complex", "str",
        "list_with_slice", "too_many", "two_ellipses", "shape_mismatch", "float_slice"])
def test_index_errors(idx, match):
    x = xnp.asarray(_X)
    with pytest.raises(IndexError, match=match):
        x[idx]


def test_float_index_is_also_a_type_error():
    with pytest.raises(TypeError, match="float"):
        xnp.arange(3)[onp.array([0.0])]


def test_traced_slice_bounds_raise():
    with pytest.raises(IndexError, match="static"):
        xf.jit(lambda x, i: x[i:])(xnp.arange(4), 1)


def test_list_is_an_index_array_tuple_is_multidimensional():
    x = xnp.asarray(_X)
    assert_close(x[[0, 1]], _X[[0, 1]])
    assert x[[0, 1]].shape == (2, 4, 5)
    assert_close(x[(0, 1)], _X[0, 1])
    assert x[(0, 1)].shape == (5,)
    assert_close(x[[xnp.asarray(2), 0]], _X[[2, 0]])  # a list holding arrays


# ---------------------------------------------------------------------------------------
# methods and functions around indexing

def test_index_methods():
    host = onp.array([[3.0, -1.0, 2.0], [0.0, 5.0, -4.0]], onp.float32)
    x = xnp.asarray(host)
    assert_close(x.take(onp.array([0, 4, 5])), host.take([0, 4, 5]))
    assert_close(x.take(onp.array([2, 0]), axis=1), host.take([2, 0], axis=1))
    assert_close(x.cumsum(), host.cumsum())
    assert_close(x.cumsum(axis=1), host.cumsum(axis=1))
    assert_close(x.cumprod(axis=0), host.cumprod(axis=0))
    for got, want in zip(x.nonzero(), host.nonzero()):
        assert_close(got, want.astype(onp.int32))
    assert_close(x.clip(-1, 2), host.clip(-1, 2))
    assert_close(x.conj(), host.conj())
    assert_close(x.sort(), onp.sort(host))
    assert_close(x.argsort(axis=0), onp.argsort(host, axis=0, kind="stable").astype(onp.int32))


def test_nonzero_concrete_and_sized():
    host = onp.array([[0, 3, 0, 1], [4, 0, 5, 0]], onp.int32)
    for got, want in zip(xnp.nonzero(host), onp.nonzero(host)):
        assert_close(got, want.astype(onp.int32))
    assert_close(xnp.flatnonzero(host), onp.flatnonzero(host).astype(onp.int32))
    assert_close(xnp.argwhere(host), onp.argwhere(host).astype(onp.int32))
    assert xnp.argwhere(3.0).shape == onp.argwhere(3.0).shape
    f = xf.jit(lambda a: xnp.nonzero(a, size=6, fill_value=-1))
    rows, cols = f(host)
    assert rows.tolist() == [0, 0, 1, 1, -1, -1] and cols.tolist() == [1, 3, 0, 2, -1, -1]
    rows, cols = xf.jit(lambda a: xnp.nonzero(a, size=2))(host)
    assert rows.tolist() == [0, 0] and cols.tolist() == [1, 3]
    rows, = xf.vmap(lambda a: xnp.nonzero(a, size=3))(host)
    assert rows.tolist() == [[1, 3, 0], [0, 2, 0]]
    with pytest.raises(TypeError, match="size"):
        xf.jit(lambda a: xnp.nonzero(a))(host)
    with pytest.raises(ValueError, match="0-d"):
        xnp.nonzero(xnp.asarray(1.0))
    # the index arrays nonzero returns index the array
    x = xnp.asarray(host)
    assert_close(x[x.nonzero()], host[host.nonzero()])


def test_eager_indexing_compiles_once_per_layout(caplog):
    """x[i], x[i:i + 2] and x.at[i].set(v) eagerly: one program per result layout, the
    window starts are arguments (no compile per index value, as in JAX)."""
    x = xnp.arange(17.0)
    xf.config.update("log_compiles", True)
    try:
        with caplog.at_level("WARNING", logger="xlafront"):
            for i in range(5):
                assert float(x[i]) == i and float(x[-1 - i]) == 16 - i
                assert_close(x[i:i + 2], onp.arange(17.0, dtype=onp.float32)[i:i + 2])
                assert float(x.at[i].set(-1.0)[i]) == -1.0
    finally:
        xf.config.update("log_compiles", False)
    compiles = [r.getMessage() for r in caplog.records]
    assert len(compiles) <= 3, compiles  # (fewer where another test compiled one already)
