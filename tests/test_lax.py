"""The primitives of xlafront.lax, checked against NumPy from the op records.

Every NumPy case of `op_records.RECORDS` (an xlafront function of NumPy arrays, a NumPy
reference of the same arrays, an input generator and dtypes) runs eagerly and under `jit`
for each of its dtypes, and its IR is checked to bind the primitive. The registry tests
check that every primitive has its abstract evaluation, its lowering and a record (opting
out only through `op_records.EXEMPT`, with the reason), and that the exemptions are sound.
"""
import numpy as onp
import pytest

import xlafront as xf
from xlafront import lax
from xlafront.interpreters import lowering

from conftest import assert_close, rng_for, upcast
from op_records import (CHECKS, EXEMPT, GATHER_ROWS, LINEAR, RECORDS, SCATTER_ROWS,
                        all_primitives, f32, numpy_cases, prims_in)

CASES = numpy_cases()


# ---------------------------------------------------------------------------------------
# the NumPy cases

def _cases():
    for r in CASES:
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


@pytest.mark.parametrize("r", CASES, ids=[r.name for r in CASES])
def test_record_binds_its_primitive(r):
    dtype = r.dtypes[0]
    args = r.gen(rng_for(r.name, dtype.name), dtype)
    closed = xf.make_jaxpr(r.fun)(*args)
    assert r.prim in prims_in(closed.jaxpr)
    xf.core.typecheck_jaxpr(closed.jaxpr)


# ---------------------------------------------------------------------------------------
# registry: every primitive has its rules and a record; the exemptions are sound


def _exempt(name, check):
    return check in EXEMPT.get(name, {})


def _stale(prims, check, satisfied):
    """The primitives exempted from `check` that now pass it (`satisfied(name, prim)`)."""
    return sorted(n for n, checks in EXEMPT.items()
                  if check in checks and n in prims and satisfied(n, prims[n]))


def test_exemptions_name_real_primitives_and_give_reasons():
    prims = all_primitives()
    unknown = sorted(set(EXEMPT) - set(prims))
    assert not unknown, f"EXEMPT names primitives that do not exist: {unknown}"
    for name, checks in EXEMPT.items():
        assert checks, f"EXEMPT[{name!r}] exempts from nothing"
        bad = sorted(set(checks) - set(CHECKS))
        assert not bad, f"EXEMPT[{name!r}] names unknown checks {bad} (known: {sorted(CHECKS)})"
        for check, reason in checks.items():
            assert isinstance(reason, str) and reason.strip(), \
                f"EXEMPT[{name!r}][{check!r}] gives no reason"
    unknown = sorted(LINEAR - set(prims))
    assert not unknown, f"LINEAR names primitives that do not exist: {unknown}"
    unknown = sorted(set(RECORDS) - set(prims))
    assert not unknown, f"op records for primitives that do not exist: {unknown}"
    wrong = sorted(n for n, r in RECORDS.items()
                   if r.prim != n or any(c.prim != n for c in r.cases + r.grads + r.vmaps))
    assert not wrong, f"records holding cases of another primitive: {wrong}"


def _has_lowering(p):
    return p.abstract_eval is not None and lowering.lowering_rule(p) is not None


def _has_cases(name):
    return name in RECORDS and bool(RECORDS[name].cases)


def test_every_primitive_has_rules_and_a_record():
    prims = all_primitives()
    assert len(prims) > 80
    missing_rules = sorted(n for n, p in prims.items()
                           if not _has_lowering(p) and not _exempt(n, "lowering"))
    assert not missing_rules, f"primitives without abstract_eval or lowering: {missing_rules}"
    untested = sorted(n for n in prims if not _has_cases(n) and not _exempt(n, "record"))
    assert not untested, f"primitives with no NumPy case in op_records (add one, or an " \
                         f"EXEMPT entry with the reason): {untested}"
    stale = _stale(prims, "lowering", lambda n, p: _has_lowering(p)) \
        + _stale(prims, "record", lambda n, p: _has_cases(n))
    assert not stale, f"EXEMPT lists primitives that now have what they are exempted " \
                      f"from (lowering or record): {stale}"


def test_weak_type_flags():
    assert lax.convert_element_type(onp.float32(1), f32, weak_type=True).weak_type
    assert not lax.convert_element_type(1.0, f32).weak_type
    assert lax.add(1.0, 2.0).weak_type
    weak = lax.convert_element_type(onp.ones(2, onp.float32), f32, weak_type=True)
    assert lax.mul(weak, 2).weak_type and not lax.mul(onp.ones(2, onp.float32), 2.0).weak_type
    assert not lax.mul(weak, onp.ones(2, onp.float32)).weak_type
    assert lax.neg(weak).weak_type and lax.reshape(weak, (1, 2)).weak_type
    # as JAX: a comparison (or is_finite) of weakly typed operands is a weak bool
    assert lax.eq(weak, weak).weak_type and lax.is_finite(weak).weak_type
    assert not lax.eq(weak, onp.ones(2, onp.float32)).weak_type


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
    ("gather_float_indices", lambda: lax.gather(_f, onp.zeros((2, 1), onp.float32),
                                                GATHER_ROWS, (1, 3)), TypeError, "integer"),
    ("gather_slice_sizes", lambda: lax.gather(_f, onp.zeros((2, 1), onp.int32), GATHER_ROWS,
                                              (1, 4)), TypeError, "slice_sizes"),
    ("gather_index_vector", lambda: lax.gather(_f, onp.zeros((2, 2), onp.int32), GATHER_ROWS,
                                               (1, 3)), TypeError, "start_index_map"),
    ("gather_mode", lambda: lax.gather(_f, onp.zeros((2, 1), onp.int32), GATHER_ROWS, (1, 3),
                                       mode="wrap"), ValueError, "mode"),
    ("scatter_dtypes", lambda: lax.scatter_add(_f, onp.zeros((2, 1), onp.int32), _i[:2],
                                               SCATTER_ROWS), TypeError, "same dtype"),
    ("scatter_updates_shape", lambda: lax.scatter(_f, onp.zeros((1, 1), onp.int32), _f,
                                                  SCATTER_ROWS), TypeError, "scatter dimensions"),
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
