"""Shape manipulation as JAX's jax.numpy does it: split with indices, every pad mode,
order='F', where/nonzero/unique with and without `size`, repeat and roll with traced
arguments, and the Array methods JAX has (view, ptp, ...). Expected values come from NumPy,
or are written by hand from JAX's documented behaviour."""
import copy
import pickle

import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as xnp
from xlafront.errors import ConcretizationTypeError

from conftest import assert_close, canonical, rand, rng_for


def _both(fn, *args):
    """fn(*args) eagerly and under jit (the arrays as jit arguments)."""
    return [fn(*args), xf.jit(fn)(*args)]


# ---------------------------------------------------------------------------------------
# split, array_split

_X10 = onp.arange(20, dtype=onp.float32).reshape(2, 10)


@pytest.mark.parametrize("fn,spec", [
    ("split", 5), ("split", [2, 5]), ("split", (0, 0, 10)), ("split", []),
    ("split", onp.array([3, 7])), ("array_split", 3), ("array_split", 12),
    ("array_split", [4, 4, 9]), ("array_split", [10]),
], ids=repr)
def test_split_matches_numpy(fn, spec):
    expected = getattr(onp, fn)(_X10, spec, axis=1)
    for out in (getattr(xnp, fn)(_X10, spec, axis=1),
                xf.jit(lambda x: getattr(xnp, fn)(x, spec, axis=1))(_X10)):
        assert len(out) == len(expected)
        for got, want in zip(out, expected):
            assert_close(got, want)


def test_split_at_concrete_array_indices():
    out = xnp.split(xnp.arange(10), xnp.asarray([2, 5]))
    assert [o.tolist() for o in out] == [[0, 1], [2, 3, 4], [5, 6, 7, 8, 9]]


@pytest.mark.parametrize("spec", [[-3, 5], [3, 20], [7, 3], [-20, 3]], ids=repr)
@pytest.mark.parametrize("fn", [xnp.split, xnp.array_split])
def test_split_rejects_negative_past_end_and_decreasing_indices(fn, spec):
    # NumPy accepts these (counting from the end, clipping); JAX raises ValueError.
    with pytest.raises(ValueError, match="non-decreasing and within"):
        fn(onp.arange(10), spec)


def test_split_errors():
    with pytest.raises(ValueError, match="equal division"):
        xnp.split(onp.arange(10), 3)
    with pytest.raises(ValueError, match="positive"):
        xnp.array_split(onp.arange(10), 0)
    with pytest.raises(TypeError, match="integer"):
        xnp.split(onp.arange(10), (2.0, 5))
    with pytest.raises(ConcretizationTypeError):
        xf.jit(lambda x, i: xnp.split(x, i))(onp.arange(10), onp.array([2, 5]))


# ---------------------------------------------------------------------------------------
# pad

_F2 = (onp.arange(12, dtype=onp.float32).reshape(3, 4) * 1.5 - 4)
_I2 = onp.array([[3, 1, 4, 1], [5, 9, 2, 6], [5, 3, 5, 8]], onp.int32)

_PAD_MODES = [
    ("constant", {}), ("constant", {"constant_values": 7}),
    ("constant", {"constant_values": (1, 2)}),
    ("constant", {"constant_values": ((1, 2), (-3, 4))}), ("empty", {}), ("edge", {}),
    ("wrap", {}), ("reflect", {}), ("reflect", {"reflect_type": "odd"}), ("symmetric", {}),
    ("symmetric", {"reflect_type": "odd"}), ("linear_ramp", {}),
    ("linear_ramp", {"end_values": (-3, 10)}),
    ("linear_ramp", {"end_values": ((2, -7), (5, 1))}), ("maximum", {}),
    ("minimum", {"stat_length": (1, 3)}), ("mean", {}), ("mean", {"stat_length": 2}),
    ("mean", {"stat_length": ((1, 3), (2, 2))}), ("median", {}),
    ("median", {"stat_length": 3}),
]
_PAD_WIDTHS = [0, (1, 3), ((2, 0),), ((1, 7), (3, 2)), 9]


@pytest.mark.parametrize("width", _PAD_WIDTHS, ids=repr)
@pytest.mark.parametrize("mode,kwargs", _PAD_MODES, ids=lambda v: repr(v))
@pytest.mark.parametrize("host", [_F2, _I2], ids=["float32", "int32"])
def test_pad_matches_numpy(host, mode, kwargs, width):
    expected = onp.pad(host, width, mode, **kwargs)
    if mode == "empty":  # NumPy leaves the pad uninitialized; JAX (and we) fill zeros
        expected = onp.pad(host, width)
    for out in _both(lambda x: xnp.pad(x, width, mode, **kwargs), host):
        assert_close(out, expected)


@pytest.mark.parametrize("mode,kwargs", [
    ("mean", {}), ("median", {}), ("linear_ramp", {}), ("reflect", {}), ("maximum", {}),
    ("constant", {"constant_values": True})])
def test_pad_bool_matches_numpy(mode, kwargs):
    host = onp.array([True, False, False])
    assert_close(xnp.pad(host, 2, mode, **kwargs), onp.pad(host, 2, mode, **kwargs))


@pytest.mark.parametrize("mode,kwargs", [
    ("mean", {}), ("linear_ramp", {"end_values": 1j}), ("reflect", {"reflect_type": "odd"}),
    ("wrap", {}), ("edge", {})])
def test_pad_complex_matches_numpy(mode, kwargs):
    host = onp.array([1 + 2j, 3, -1j], onp.complex64)
    assert_close(xnp.pad(host, (2, 4), mode, **kwargs), onp.pad(host, (2, 4), mode, **kwargs))


def test_pad_other_dtypes_match_numpy():
    u8 = onp.array([3, 250], onp.uint8)
    assert_close(xnp.pad(u8, 2, "linear_ramp", end_values=(0, 255)),
                 onp.pad(u8, 2, "linear_ramp", end_values=(0, 255)))
    f16 = onp.array([1, 2, 4], onp.float16)
    assert_close(xnp.pad(f16, 2, "mean"), onp.pad(f16, 2, "mean"))
    nan = onp.array([1.0, onp.nan, 3.0], onp.float32)
    assert_close(xnp.pad(nan, 2, "median"), onp.pad(nan, 2, "median"))
    assert_close(xnp.pad(nan, 2, "maximum"), onp.pad(nan, 2, "maximum"))


def test_pad_integer_statistics_round_half_to_even():
    # NumPy rounds integer means/medians half to even: [0, 1] -> 0.5 -> 0, [1, 2] -> 2.
    host = onp.array([0, 1, 2], onp.int32)
    expected = onp.pad(host, 2, "mean", stat_length=2)
    assert expected.tolist() == [0, 0, 0, 1, 2, 2, 2]
    for out in _both(lambda x: xnp.pad(x, 2, "mean", stat_length=2), host):
        assert_close(out, expected)


def test_pad_width_forms_and_array_values():
    x = onp.arange(6.0, dtype=onp.float32).reshape(2, 3)
    assert_close(xnp.pad(x, xnp.asarray(1)), onp.pad(x, 1))
    assert_close(xnp.pad(x, (xnp.asarray(1), 2)), onp.pad(x, (1, 2)))
    assert_close(xnp.pad(x, [[1, 2]]), onp.pad(x, [[1, 2]]))
    values = ((1, 2), (3, 4))
    assert_close(xnp.pad(x, 1, constant_values=xnp.asarray(values)),
                 onp.pad(x, 1, constant_values=values))
    f = xf.jit(lambda x, c: xnp.pad(x, 1, constant_values=c))
    assert_close(f(x, onp.float32(3)), onp.pad(x, 1, constant_values=3))
    f = xf.jit(lambda x, e: xnp.pad(x, (1, 2), "linear_ramp", end_values=e))
    assert_close(f(x, onp.float32(-4)), onp.pad(x, (1, 2), "linear_ramp", end_values=-4))


def test_pad_zero_dim_and_empty_axes():
    assert_close(xnp.pad(onp.float32(5), 3, "reflect"), onp.float32(5))
    empty = onp.zeros((0, 2), onp.float32)
    assert_close(xnp.pad(empty, 1), onp.pad(empty, 1))
    assert_close(xnp.pad(empty, ((0, 0), (1, 1)), "wrap"), onp.pad(empty, ((0, 0), (1, 1)), "wrap"))
    for mode in ("reflect", "symmetric", "edge", "wrap", "maximum", "mean", "linear_ramp"):
        with pytest.raises(ValueError, match="empty axis"):
            xnp.pad(empty, 1, mode)


def _numpy_padder(vector, pad_width, iaxis, kwargs):  # NumPy's in-place protocol
    vector[:pad_width[0]] = kwargs.get("padder", 10) + iaxis
    vector[vector.size - pad_width[1]:] = -kwargs.get("padder", 10)


def _jax_padder(vector, pad_width, iaxis, kwargs):  # JAX's: return the new vector
    vector = vector.at[:pad_width[0]].set(kwargs.get("padder", 10) + iaxis)
    return vector.at[vector.size - pad_width[1]:].set(-kwargs.get("padder", 10))


@pytest.mark.parametrize("kwargs", [{}, {"padder": 7}])
def test_pad_callable_mode(kwargs):
    x = onp.arange(6.0, dtype=onp.float32).reshape(2, 3)
    expected = onp.pad(x, ((1, 2), (2, 1)), _numpy_padder, **kwargs)
    for out in _both(lambda a: xnp.pad(a, ((1, 2), (2, 1)), _jax_padder, **kwargs), x):
        assert_close(out, expected)
    with pytest.raises(TypeError, match="returned None"):
        xnp.pad(x, 1, lambda v, w, i, k: None)


@pytest.mark.parametrize("args,kwargs,error,match", [
    ((-1,), {}, ValueError, "non-negative"),
    ((((1, -1), (0, 0)),), {}, ValueError, "non-negative"),
    ((1.5,), {}, TypeError, "integral"),
    (((1, 2, 3),), {}, ValueError, "shape"),
    ((1, "foo"), {}, NotImplementedError, "foo"),
    ((1, "edge"), {"constant_values": 3}, ValueError, "constant_values"),
    ((1, "constant"), {"padder": 3}, ValueError, "padder"),
    ((1,), {"constant_values": (1, 2, 3)}, ValueError, "constant_values"),
    ((1, "mean"), {"stat_length": 0}, ValueError, "stat_length"),
    ((1, "reflect"), {"reflect_type": "foo"}, ValueError, "reflect_type"),
], ids=repr)
def test_pad_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        xnp.pad(onp.ones((2, 3), onp.float32), *args, **kwargs)


def test_pad_traced_width_is_a_concretization_error():
    with pytest.raises(ConcretizationTypeError):
        xf.jit(lambda x, p: xnp.pad(x, p))(onp.ones(3), 1)


def test_pad_gradients():
    # d/dx sum(pad(x, 2, reflect)) for x of length 3: x[1] appears twice more, x[0], x[2]
    # once each more (reflect: [x2 x1 | x0 x1 x2 | x1 x0]).
    g = xf.grad(lambda v: xnp.pad(v, 2, "reflect").sum())(onp.arange(3.0, dtype=onp.float32))
    assert_close(g, onp.array([2.0, 3.0, 2.0], onp.float32))
    g = xf.grad(lambda c: xnp.pad(xnp.ones(2), 1, constant_values=c).sum())(2.0)
    assert float(g) == 2.0


# ---------------------------------------------------------------------------------------
# order='F'

_X23 = onp.arange(24, dtype=onp.int32).reshape(2, 3, 4)


@pytest.mark.parametrize("order", ["C", "F"])
def test_ravel_flatten_reshape_orders_match_numpy(order):
    for out in _both(lambda x: xnp.ravel(x, order), _X23):
        assert_close(out, onp.ravel(_X23, order))
    assert_close(xnp.asarray(_X23).flatten(order), _X23.flatten(order))
    assert_close(xnp.asarray(_X23).ravel(order=order), _X23.ravel(order=order))
    for shape in [(4, 6), (-1, 3, 2), (24,)]:
        for out in _both(lambda x: xnp.reshape(x, shape, order=order), _X23):
            assert_close(out, onp.reshape(_X23, shape, order=order))
        assert_close(xnp.asarray(_X23).reshape(*shape, order=order),
                     _X23.reshape(*shape, order=order))


@pytest.mark.parametrize("fn,order,error", [
    (xnp.ravel, "A", NotImplementedError), (xnp.ravel, "K", NotImplementedError),
    (xnp.ravel, "f", ValueError), (xnp.ravel, None, ValueError),
    (lambda x, o: xnp.reshape(x, (4, 6), o), "A", NotImplementedError),
    (lambda x, o: xnp.reshape(x, (4, 6), o), "K", ValueError),
    (lambda x, o: xnp.asarray(x).flatten(o), "A", NotImplementedError),
])
def test_unsupported_orders_raise_as_in_jax(fn, order, error):
    with pytest.raises(error, match="order"):
        fn(_X23, order)


def test_out_sharding_is_not_supported_yet():
    with pytest.raises(NotImplementedError, match="sharding"):
        xnp.reshape(_X23, (4, 6), out_sharding=object())


# ---------------------------------------------------------------------------------------
# where, nonzero, argwhere, flatnonzero

_M = onp.array([[0, 1, 2], [3, 0, 0]], onp.int32)


def test_where_with_one_argument_is_nonzero():
    for got, want in zip(xnp.where(_M), onp.nonzero(_M)):
        assert_close(got, want.astype(onp.int32))


def test_where_size_and_fill_value_under_jit():
    # nonzero elements at (0, 1), (0, 2), (1, 0); size pads with fill_value (default 0).
    rows, cols = xf.jit(lambda m: xnp.where(m, size=4))(_M)
    assert rows.tolist() == [0, 0, 1, 0] and cols.tolist() == [1, 2, 0, 0]
    rows, cols = xf.jit(lambda m: xnp.where(m, size=4, fill_value=(-1, -2)))(_M)
    assert rows.tolist() == [0, 0, 1, -1] and cols.tolist() == [1, 2, 0, -2]
    rows, cols = xnp.where(_M, size=2, fill_value=-1)
    assert rows.tolist() == [0, 0] and cols.tolist() == [1, 2]


def test_where_errors():
    with pytest.raises(ConcretizationTypeError):
        xf.jit(lambda m: xnp.where(m))(_M)
    with pytest.raises(TypeError):
        xnp.where(_M, 1)
    with pytest.raises(TypeError):
        xnp.where(_M, None, 2)
    with pytest.raises(ValueError, match="size"):
        xnp.where(_M, 1, 2, size=3)
    assert_close(xnp.where(_M > 0, 1.0, 2.0), onp.where(_M > 0, 1.0, 2.0).astype(onp.float32))


def test_nonzero_family_with_size_under_jit():
    f = xf.jit(lambda m: (xnp.argwhere(m, size=5, fill_value=-1),
                          xnp.flatnonzero(m, size=5, fill_value=-1),
                          xnp.nonzero(m, size=1)))
    arg, flat, (rows, cols) = f(_M)
    assert arg.tolist() == [[0, 1], [0, 2], [1, 0], [-1, -1], [-1, -1]]
    assert flat.tolist() == [1, 2, 3, -1, -1]
    assert rows.tolist() == [0] and cols.tolist() == [1]
    assert_close(xnp.argwhere(_M), onp.argwhere(_M).astype(onp.int32))
    assert_close(xnp.flatnonzero(_M), onp.flatnonzero(_M).astype(onp.int32))
    for fn in (xnp.argwhere, xnp.flatnonzero, xnp.nonzero):
        with pytest.raises(ConcretizationTypeError):
            xf.jit(fn)(_M)


# ---------------------------------------------------------------------------------------
# unique

_U = onp.array([[3, 1, 3], [2, 1, 5]], onp.int32)
_ALL = dict(return_index=True, return_inverse=True, return_counts=True)


@pytest.mark.parametrize("host,axis", [
    (_U, None), (_U, 0), (_U, 1), (onp.array([[1, 2], [1, 2], [0, 5]], onp.int32), 0),
    (onp.array([0.5, -1.0, 0.5, 2.0, -1.0], onp.float32), None),
    (onp.array([True, False, True]), None), (onp.int32(3), None),
    (onp.array([1 + 1j, 1 - 1j, 1 + 1j], onp.complex64), None),
    (onp.zeros((0,), onp.float32), None), (onp.zeros((2, 0), onp.float32), 0),
], ids=repr)
def test_unique_matches_numpy(host, axis):
    got = xnp.unique(host, axis=axis, **_ALL)
    want = onp.unique(host, axis=axis, **_ALL)
    for g, w in zip(got, want):
        assert_close(g, w, dtype=canonical(w.dtype))
    assert_close(xnp.unique(host, axis=axis), onp.unique(host, axis=axis))


def test_unique_with_size_pads_with_the_smallest_value():
    # JAX's documented padding: values with fill_value (default: the smallest value), the
    # index of the smallest value, counts 0.
    values, index, inverse, counts = xf.jit(lambda a: xnp.unique(a, size=6, **_ALL))(_U)
    assert values.tolist() == [1, 2, 3, 5, 1, 1]
    assert index.tolist() == [1, 3, 0, 5, 1, 1]
    assert inverse.tolist() == [[2, 0, 2], [1, 0, 3]]
    assert counts.tolist() == [2, 1, 2, 1, 0, 0]
    values = xnp.unique(_U, size=6, fill_value=-7)
    assert values.tolist() == [1, 2, 3, 5, -7, -7]
    values, counts = xnp.unique(_U, size=3, return_counts=True)  # the first 3
    assert values.tolist() == [1, 2, 3] and counts.tolist() == [2, 1, 2]


def test_unique_with_size_along_an_axis():
    rows = onp.array([[1, 2], [1, 2], [0, 5]], onp.int32)
    values, index, inverse, counts = xf.jit(
        lambda a: xnp.unique(a, axis=0, size=4, fill_value=9, **_ALL))(rows)
    assert values.tolist() == [[0, 5], [1, 2], [9, 9], [9, 9]]
    assert index.tolist() == [2, 0, 2, 2] and inverse.tolist() == [1, 1, 0]
    assert counts.tolist() == [1, 2, 0, 0]


def test_unique_nans():
    host = onp.array([1.0, onp.nan, 2.0, onp.nan], onp.float32)
    values, counts = xnp.unique(host, return_counts=True)  # NaNs are one value
    assert_close(values, onp.array([1.0, 2.0, onp.nan], onp.float32))
    assert counts.tolist() == [1, 1, 2]
    values, counts = xnp.unique(host, return_counts=True, equal_nan=False)
    assert_close(values, onp.array([1.0, 2.0, onp.nan, onp.nan], onp.float32))
    assert counts.tolist() == [1, 1, 1, 1]
    rows = onp.array([[1.0, onp.nan], [1.0, onp.nan]], onp.float32)
    values, counts = xnp.unique(rows, axis=0, return_counts=True)  # also for rows (as JAX)
    assert_close(values, rows[:1])
    assert counts.tolist() == [2]


def test_unique_errors():
    with pytest.raises(ConcretizationTypeError, match="size"):
        xf.jit(xnp.unique)(_U)
    with pytest.raises(ValueError, match="fill_value"):
        xnp.unique(onp.zeros(0, onp.float32), size=2)
    with pytest.raises(TypeError):
        xnp.unique(_U, size=2.0)
    with pytest.raises(ValueError, match="out of bounds"):
        xnp.unique(_U, axis=2)


def test_unique_under_vmap_with_size():
    out = xf.vmap(lambda r: xnp.unique(r, size=3, fill_value=0))(_U)
    assert out.tolist() == [[1, 3, 0], [1, 2, 5]]


# ---------------------------------------------------------------------------------------
# repeat, roll

_R = onp.arange(6, dtype=onp.int32).reshape(2, 3)


@pytest.mark.parametrize("repeats,axis", [
    (2, None), (2, 1), (onp.array([1, 0, 2]), 1), (onp.array([3]), 0), ([1, 2], 0),
    (onp.array([0, 0, 0]), 1), (0, None),
], ids=repr)
def test_repeat_matches_numpy(repeats, axis):
    expected = onp.repeat(_R, repeats, axis=axis)
    assert_close(xnp.repeat(_R, repeats, axis=axis), expected)
    assert_close(xnp.repeat(_R, xnp.asarray(repeats), axis=axis), expected)
    assert_close(xf.jit(lambda a: xnp.repeat(a, repeats, axis=axis))(_R), expected)


def test_repeat_total_repeat_length():
    # JAX: longer than sum(repeats) repeats the last element, shorter cuts.
    assert xnp.repeat(_R, 2, axis=1, total_repeat_length=7).tolist() == [
        [0, 0, 1, 1, 2, 2, 2], [3, 3, 4, 4, 5, 5, 5]]
    assert xnp.repeat(_R, 2, total_repeat_length=11).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5]
    f = xf.jit(lambda a, r: xnp.repeat(a, r, axis=1, total_repeat_length=5))
    assert f(_R, onp.array([1, 0, 2])).tolist() == [[0, 2, 2, 2, 2], [3, 5, 5, 5, 5]]
    assert f(_R, onp.array([2, 1, 1])).tolist() == [[0, 0, 1, 2, 2], [3, 3, 4, 5, 5]]
    f = xf.jit(lambda a, r: xnp.repeat(a, r, axis=0, total_repeat_length=3))
    assert_close(f(_R, 2), onp.repeat(_R, 2, axis=0)[:3])
    assert_close(f(_R, onp.array([2, 1])), onp.repeat(_R, [2, 1], axis=0))


def test_repeat_errors():
    with pytest.raises(ConcretizationTypeError, match="total_repeat_length"):
        xf.jit(lambda a, r: xnp.repeat(a, r))(_R, 2)
    with pytest.raises(ValueError, match="non-negative"):
        xnp.repeat(_R, -1)
    with pytest.raises(TypeError, match="integers"):
        xnp.repeat(_R, 2.0)
    with pytest.raises(ValueError, match="one entry per element"):
        xnp.repeat(_R, [1, 2, 3])


@pytest.mark.parametrize("shift,axis", [
    (1, None), (-7, None), (4, 1), ((1, 2), (0, 1)), ((1, 2), 1), (1, (0, 1)),
    ((1, 1), (1, 1)), (onp.array([1, 2]), None),
], ids=repr)
def test_roll_static_and_traced_shift_match_numpy(shift, axis):
    expected = onp.roll(_R, shift, axis)
    assert_close(xnp.roll(_R, shift, axis), expected)
    assert_close(xf.jit(lambda a, s: xnp.roll(a, s, axis))(_R, onp.asarray(shift)), expected)


def test_roll_errors_and_empty_axis():
    assert_close(xnp.roll(onp.zeros((0, 3)), 2, 0), onp.zeros((0, 3), onp.float32))
    assert_close(xnp.roll(_R, 1.5), onp.roll(_R, 1))  # a float shift truncates, as in JAX
    with pytest.raises(ValueError):
        xnp.roll(_R, (1, 2, 3), (0, 1))


# ---------------------------------------------------------------------------------------
# functions behind the Array methods: diagonal, trace, ptp, choose, compress, searchsorted,
# argpartition

_A = onp.arange(24, dtype=onp.float32).reshape(2, 3, 4)


@pytest.mark.parametrize("args", [(), (1, 1, 2), (-1, 2, 0), (5,), (-2, 0, 2)], ids=repr)
def test_diagonal_and_trace_match_numpy(args):
    for out in _both(lambda a: xnp.diagonal(a, *args), _A):
        assert_close(out, onp.diagonal(_A, *args))
    assert_close(xnp.trace(_A, *args), onp.trace(_A, *args))
    assert_close(xnp.asarray(_A).diagonal(*args), _A.diagonal(*args))
    assert_close(xnp.asarray(_A).trace(*args), _A.trace(*args))


def test_trace_dtype_and_traced_offset():
    assert_close(xnp.trace(onp.ones((3, 3), onp.int8)), onp.int32(3))  # sum's dtype rule
    m = onp.arange(12, dtype=onp.float32).reshape(3, 4)
    f = xf.jit(lambda a, k: xnp.trace(a, k))
    for k in (-1, 0, 2):
        assert_close(f(m, k), onp.trace(m, k))
    with pytest.raises(ValueError, match="two dimensions"):
        xnp.diagonal(onp.arange(3))
    with pytest.raises(ValueError, match="same"):
        xnp.diagonal(m, 0, 1, 1)


def test_ptp_matches_numpy():
    x = rand(rng_for("ptp"), (3, 4), onp.float32)
    assert_close(xnp.ptp(x), onp.ptp(x))
    assert_close(xnp.asarray(x).ptp(axis=1), onp.ptp(x, axis=1))
    assert_close(xnp.asarray(x).ptp(0, None, True), onp.ptp(x, 0, keepdims=True))
    i8 = onp.array([-100, 100], onp.int8)
    assert_close(xnp.ptp(i8), onp.ptp(i8))  # wraps around, as NumPy's
    with pytest.raises(TypeError):
        xnp.ptp(onp.array([True, False]))


_CHOICES = [onp.array([1, 2, 3]), onp.array([4, 5, 6]), onp.array([7, 8, 9])]


@pytest.mark.parametrize("index,mode", [([0, 2, 1], "raise"), ([0, 3, -1], "wrap"),
                                        ([0, 3, -1], "clip")])
def test_choose_matches_numpy(index, mode):
    index = onp.array(index)
    expected = onp.choose(index, _CHOICES, mode=mode)
    assert_close(xnp.choose(index, _CHOICES, mode=mode), expected.astype(onp.int32))
    if mode != "raise":
        assert_close(xf.jit(lambda i: xnp.choose(i, _CHOICES, mode=mode))(index),
                     expected.astype(onp.int32))
    assert_close(xnp.choose(onp.array([[0], [1]]), [onp.arange(3), 5]),
                 onp.choose(onp.array([[0], [1]]), [onp.arange(3), 5]).astype(onp.int32))


def test_choose_errors():
    with pytest.raises(ValueError, match="invalid entry"):
        xnp.choose(onp.array([0, 3]), _CHOICES)
    with pytest.raises(ConcretizationTypeError, match="wrap"):
        xf.jit(lambda i: xnp.choose(i, _CHOICES))(onp.array([0, 1]))
    with pytest.raises(ValueError, match="mode"):
        xnp.choose(onp.array([0]), _CHOICES, mode="foo")


@pytest.mark.parametrize("condition,axis", [
    ([True, False, True], 1), ([1, 0, 2], 1), ([True, False, True, False], 1), ([True], 1),
    ([False, True], 0), ([True, False, True], None)], ids=repr)
def test_compress_matches_numpy(condition, axis):
    x = onp.arange(6, dtype=onp.float32).reshape(2, 3)
    condition = onp.array(condition)
    assert_close(xnp.compress(condition, x, axis), onp.compress(condition, x, axis))
    assert_close(xnp.asarray(x).compress(condition, axis), x.compress(condition, axis))


def test_compress_with_size_under_jit():
    x = onp.arange(6, dtype=onp.float32).reshape(2, 3)
    f = xf.jit(lambda c: xnp.compress(c, x, axis=1, size=3, fill_value=-1))
    assert f(onp.array([True, False, True])).tolist() == [[0, 2, -1], [3, 5, -1]]
    with pytest.raises(ConcretizationTypeError):
        xf.jit(lambda c: xnp.compress(c, x, axis=1))(onp.array([True, False, True]))
    with pytest.raises(ValueError, match="past the axis"):
        xnp.compress(onp.array([True, False, True, True]), x, axis=1)


@pytest.mark.parametrize("a,v", [
    ([1, 2, 2, 3], [2, 0, 5, 2.5]), ([1.0, 2.0, onp.nan], [onp.nan, 1, 2, -onp.inf]),
    ([-0.0, 0.0, 1.0], [0.0, -0.0]), ([], [1.0, 2.0]), ([0.5], [[0.0, 1.0], [0.5, 2.0]]),
    (onp.arange(100) * 2, onp.arange(-1, 201)),
], ids=repr)
@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_matches_numpy(a, v, side):
    a, v = onp.asarray(a, onp.float32), onp.asarray(v, onp.float32)
    expected = onp.searchsorted(a, v, side).astype(onp.int32)
    for out in _both(lambda a, v: xnp.searchsorted(a, v, side), a, v):
        assert_close(out, expected)


def test_searchsorted_sorter_complex_and_errors():
    a = onp.array([3, 1, 2])
    assert int(xnp.searchsorted(a, 2, sorter=onp.array([1, 2, 0]))) == 1
    c = onp.array([1 + 1j, 1 + 2j, 2 + 0j], onp.complex64)
    assert int(xnp.searchsorted(c, 1 + 1.5j)) == onp.searchsorted(c, 1 + 1.5j)
    with pytest.raises(ValueError, match="1-dimensional"):
        xnp.searchsorted(onp.ones((2, 2)), 1.0)
    with pytest.raises(ValueError, match="side"):
        xnp.searchsorted(a, 1, side="middle")


@pytest.mark.parametrize("kth", [0, 2, -1])
def test_argpartition_partitions(kth):
    x = rand(rng_for("argpartition", kth), (3, 7), onp.float32)
    idx = onp.asarray(xnp.argpartition(x, kth, axis=1))
    part = onp.take_along_axis(x, idx, 1)
    k = kth % 7
    assert (onp.sort(idx, 1) == onp.arange(7)).all()  # a permutation of each row
    assert_close(xnp.asarray(part[:, k]), onp.sort(x, 1)[:, k])
    assert (part[:, :k] <= part[:, k:k + 1]).all() and (part[:, k + 1:] >= part[:, k:k + 1]).all()
    with pytest.raises(ValueError, match="out of bounds"):
        xnp.argpartition(x, 7)


# ---------------------------------------------------------------------------------------
# Array methods and protocols

# jax.Array's public attributes in JAX 0.10.2 (`dir(jax.Array)` and the ArrayImpl extras).
_JAX_ARRAY_ATTRIBUTES = [
    "T", "addressable_data", "addressable_shards", "all", "any", "argmax", "argmin",
    "argpartition", "argsort", "astype", "at", "aval", "block_until_ready", "byteswap",
    "choose", "clip", "committed", "compress", "conj", "conjugate", "copy",
    "copy_to_host_async", "cumprod", "cumsum", "delete", "device", "devices", "diagonal",
    "dot", "dtype", "flatten", "global_shards", "imag", "is_deleted", "is_fully_addressable",
    "is_fully_replicated", "is_ready", "item", "itemsize", "mT", "max", "mean", "min",
    "nbytes", "ndim", "nonzero", "on_device_size_in_bytes", "platform", "prod", "ptp",
    "ravel", "real", "repeat", "reshape", "round", "searchsorted", "shape", "sharding",
    "size", "sort", "squeeze", "std", "sum", "swapaxes", "take", "to_device", "tobytes",
    "tolist", "trace", "transpose", "unsafe_buffer_pointer", "var", "view", "weak_type",
    "__abs__", "__add__", "__and__", "__array__", "__array_module__", "__array_namespace__",
    "__array_priority__", "__bool__", "__complex__", "__contains__", "__copy__",
    "__deepcopy__", "__divmod__", "__dlpack__", "__dlpack_device__", "__eq__", "__float__",
    "__floordiv__", "__format__", "__ge__", "__getitem__", "__gt__", "__hex__", "__index__",
    "__int__", "__invert__", "__iter__", "__le__", "__len__", "__lshift__", "__lt__",
    "__matmul__", "__mod__", "__mul__", "__ne__", "__neg__", "__oct__", "__or__", "__pos__",
    "__pow__", "__radd__", "__rand__", "__rdivmod__", "__reduce__", "__rfloordiv__",
    "__rlshift__", "__rmatmul__", "__rmod__", "__rmul__", "__ror__", "__round__", "__rpow__",
    "__rrshift__", "__rshift__", "__rsub__", "__rtruediv__", "__rxor__", "__setitem__",
    "__sub__", "__truediv__", "__xor__",
]


def test_array_has_every_attribute_jax_arrays_have():
    names = set(dir(xnp.ones(3)))
    assert [n for n in _JAX_ARRAY_ATTRIBUTES if n not in names] == []
    tracer_names = []
    xf.jit(lambda x: tracer_names.extend(dir(x)) or x)(xnp.ones(3))
    shared = ["view", "ptp", "trace", "diagonal", "searchsorted", "argpartition", "choose",
              "compress", "byteswap", "flat", "__round__", "__contains__", "__copy__",
              "__array_namespace__"]
    assert [n for n in shared if n not in tracer_names] == []


@pytest.mark.parametrize("src,dst,shape", [
    (onp.float32, onp.int32, (2, 3)), (onp.float32, onp.int8, (2, 3)),
    (onp.float32, onp.float16, (2, 3)), (onp.int8, onp.int16, (3, 4)),
    (onp.uint8, onp.float32, (2, 8)), (onp.int16, onp.uint16, (5,)),
    (onp.complex64, onp.float32, (2, 2)), (onp.float32, onp.complex64, (2, 4)),
    (onp.complex64, onp.int16, (3,)), (onp.bool_, onp.int8, (4,)),
    (onp.uint8, onp.bool_, (4,)), (onp.float32, onp.uint32, ()),
], ids=lambda v: getattr(v, "__name__", repr(v)))
def test_view_matches_numpy(src, dst, shape):
    host = rand(rng_for("view", src, dst), shape, src)
    if dst == onp.bool_:
        host = onp.array([0, 1, 1, 0], onp.uint8)  # NumPy's bool view of 2 would print True
    expected = host.view(dst)
    for out in _both(lambda x: xnp.asarray(x).view(dst), host):
        assert_close(out, expected)


def test_view_errors():
    with pytest.raises(ValueError, match="whole number"):
        xnp.arange(3, dtype=xnp.int8).view(xnp.int16)
    with pytest.raises(ValueError, match="0-d"):
        xnp.ones(()).view(xnp.int8)
    with pytest.raises(NotImplementedError, match="type"):
        xnp.ones(2).view(type=onp.ndarray)
    assert xnp.ones(2).view() is not None


@pytest.mark.parametrize("dtype", [onp.int16, onp.uint32, onp.float32, onp.complex64,
                                   onp.int8])
def test_byteswap_matches_numpy(dtype):
    host = rand(rng_for("byteswap", dtype), (2, 3), dtype)
    for out in _both(lambda x: xnp.asarray(x).byteswap(), host):
        assert_close(out, host.byteswap())


def test_round_contains_copy_and_conversions():
    assert round(xnp.asarray(2.5)).tolist() == 2 and round(xnp.asarray(2.5)).dtype == onp.int32
    assert_close(round(xnp.asarray([1.25, 2.75]), 1), onp.array([1.2, 2.8], onp.float32))
    assert_close(xf.jit(lambda x: round(x))(onp.array([0.5, 1.5], onp.float32)),
                 onp.array([0, 2], onp.int32))
    x = xnp.asarray([1, 2])
    assert (2 in x) and (5 not in x)
    with pytest.raises(ValueError, match="one-dimensional"):
        1 in xnp.ones((2, 2))
    with pytest.raises(TypeError):
        "a" in x
    assert copy.copy(x).tolist() == [1, 2] and copy.deepcopy(x).tolist() == [1, 2]
    assert pickle.loads(pickle.dumps(x)).tolist() == [1, 2]
    assert hex(xnp.asarray(255)) == "0xff" and xnp.asarray(8).__oct__() == "0o10"
    assert x.tobytes() == onp.array([1, 2], onp.int32).tobytes()
    assert x.__dlpack_device__() == onp.asarray(x).__dlpack_device__()


def test_namespace_devices_and_shards():
    x = xnp.arange(6.0).reshape(2, 3)
    assert x.__array_namespace__() is xnp and x.__array_module__((type(x),)) is xnp
    assert x.__array_module__((int,)) is NotImplemented
    with pytest.raises(ValueError, match="api_version"):
        x.__array_namespace__(api_version="2019.01")
    (shard,) = x.addressable_shards
    assert shard.data is x and shard.device == x.device and shard.replica_id == 0
    assert shard.index == (slice(None), slice(None)) and x.global_shards[0].data is x
    assert x.is_fully_addressable and x.is_fully_replicated
    assert isinstance(x.committed, bool)
    moved = x.to_device(xf.devices()[-1])
    assert moved.device == xf.devices()[-1] and moved.tolist() == x.tolist()
    with pytest.raises(NotImplementedError, match="flatten"):
        x.flat
    with pytest.raises(NotImplementedError, match="later"):
        x.format
    with pytest.raises(AttributeError, match="addressable_data"):
        x.device_buffer
    with pytest.warns(DeprecationWarning):
        assert x.__numpy_dtype__ == onp.float32


# vectorize ----------------------------------------------------------------------------------

def test_vectorize_matches_numpy_vectorize():
    a = onp.arange(12.0, dtype=onp.float32).reshape(3, 4)
    b = onp.arange(4.0, dtype=onp.float32)
    dot = xnp.vectorize(lambda x, y: (x * y).sum(), signature="(n),(n)->()")
    onp.testing.assert_allclose(dot(a, b), onp.vectorize(onp.dot, signature="(n),(n)->()")(a, b))
    mm = xnp.vectorize(xnp.matmul, signature="(n,m),(m,k)->(n,k)")
    x, y = onp.ones((5, 2, 3), onp.float32), onp.ones((3, 4), onp.float32)
    onp.testing.assert_allclose(mm(x, y), onp.matmul(x, y))
    power = xnp.vectorize(lambda v, p: v ** p, excluded={1})
    onp.testing.assert_allclose(power(b, 2), b ** 2)
    pair = xnp.vectorize(lambda v: (v, v * 2))(b)
    onp.testing.assert_allclose(pair[1], b * 2)
    onp.testing.assert_allclose(xf.jit(dot)(a, b), a @ b)


def test_vectorize_bad_signatures():
    with pytest.raises(ValueError, match="not a valid gufunc signature"):
        xnp.vectorize(lambda x: x, signature="(n)->")
    dot = xnp.vectorize(lambda x, y: (x * y).sum(), signature="(n),(n)->()")
    with pytest.raises(ValueError, match="inconsistent size for core dimension 'n'"):
        dot(onp.ones(3), onp.ones(4))
    with pytest.raises(ValueError, match="core dimensions"):
        xnp.vectorize(lambda x: x, signature="(n)->()")(onp.ones(3))


def test_maximum_minimum_of_complex_order_lexicographically():
    # NumPy (and JAX) order complex numbers by real part, then imaginary part
    x = onp.array([1 + 2j, 3 - 1j, 1 + 3j, -1j], onp.complex64)
    y = onp.array([1 + 1j, 2 + 5j, 1 + 3j, 0j], onp.complex64)
    for f, ref in ((xnp.maximum, onp.maximum), (xnp.minimum, onp.minimum)):
        onp.testing.assert_array_equal(f(x, y), ref(x, y))
        onp.testing.assert_array_equal(xf.jit(f)(x, y), ref(x, y))


def test_copy_makes_a_new_array_as_in_jax():
    x = xnp.ones(2)
    assert xnp.asarray(x) is x and xnp.asarray(x, copy=False) is x
    for y in (xnp.asarray(x, copy=True), xnp.array(x)):
        assert y is not x
        onp.testing.assert_array_equal(y, [1.0, 1.0])
