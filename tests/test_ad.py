"""Automatic differentiation: every differentiable primitive (and the xlafront.numpy
functions built on them) checked numerically with `xlafront.test_util.check_grads`, then
the API (jvp, linearize, vjp, grad, value_and_grad), JAX's conventions (ties, complex
numbers, float0), the errors, compositions with jit, and a registry test of the rules.

The op table runs each row to order 2 in forward and reverse mode in float64 (tight
tolerances, x64 on) and to order 1 in float32 (x64 off, the default users see). Inputs
keep away from singularities and discontinuities (finite differences cannot see JAX's
conventions there: those are checked with hand-derived values below).
"""
import collections
import functools
from typing import Callable, NamedTuple, Optional

import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as np
from xlafront import dtypes, lax
from xlafront.interpreters import ad, lowering
from xlafront.test_util import check_grads, check_jvp, check_vjp

from conftest import rand, rng_for
from test_lax import _dots, _prims_in, all_primitives

f16, f32, f64 = onp.dtype(onp.float16), onp.dtype(onp.float32), onp.dtype(onp.float64)
c64, c128 = onp.dtype(onp.complex64), onp.dtype(onp.complex128)
i32, bool_ = onp.dtype(onp.int32), onp.dtype(onp.bool_)
float0 = dtypes.float0

REAL = (f64, f32)
COMPLEX = (c128, c64)
ONLY64 = (f64,)


# ---------------------------------------------------------------------------------------
# input generators (shared with test_vmap)

def gen_rand(rng, shape, dtype, kind="normal"):
    """conftest.rand plus kinds for derivatives: nonzero (|x| in 0.5..3, either sign),
    distinct (no two entries within 0.2 of each other: safe for max, sort, argmax),
    offgrid (-3..3, at least 0.1 away from every multiple of 0.5: safe for floor, round,
    clip at integer bounds)."""
    dtype = onp.dtype(dtype)
    if kind == "offgrid":
        x = rng.integers(-6, 6, shape) / 2 + rng.uniform(0.1, 0.4, shape)
        return onp.asarray(x).astype(dtype)
    if kind == "nonzero":
        x = rand(rng, shape, dtype, "pos") + onp.asarray(0.4).astype(dtype)
        sign = onp.where(rng.random(shape) < 0.5, -1, 1)
        return (x * sign).astype(dtype)
    if kind == "distinct":
        n = int(onp.prod(shape, dtype=onp.int64))
        values = (rng.permutation(n) - n / 2) * 0.5 + rng.uniform(0, 0.2, n)
        if dtype.kind == "c":
            values = values + 1j * rng.uniform(-1, 1, n)
        return values.reshape(shape).astype(dtype)
    return rand(rng, shape, dtype, kind)


def gen(*specs):
    """A generator (rng, dtype) -> [arrays], one per (kind, shape) spec; a spec may be a
    (kind, shape, dtype) triple to fix that argument's dtype."""
    def make(rng, dtype):
        out = []
        for spec in specs:
            kind, shape = spec[:2]
            out.append(gen_rand(rng, shape, spec[2] if len(spec) > 2 else dtype, kind))
        return out
    return make


# ---------------------------------------------------------------------------------------
# the op table

class GradRec(NamedTuple):
    name: str
    fun: Callable                  # of the generated (inexact) arrays
    gen: Callable                  # (rng, dtype) -> list of NumPy arrays
    dtypes: tuple = REAL           # 64-bit ones run to `order`, 32-bit ones to order 1
    order: int = 2
    modes: tuple = ("fwd", "rev")
    tol: Optional[float] = None    # overrides check_grads' default tolerances
    eps: Optional[float] = None    # overrides the finite-difference step
    needs: Optional[str] = None    # "module.attr" that must exist (functions being written)


GRAD_RECORDS = []


def grec(name, fun, gen_, dtypes=REAL, **kw):
    GRAD_RECORDS.append(GradRec(name, fun, gen_, tuple(dtypes), **kw))


S = (3, 4)

# elementwise unary: name, input kind, complex too
_unary = [
    ("neg", "normal", True), ("sign", "nonzero", False), ("floor", "offgrid", False),
    ("ceil", "offgrid", False), ("exp", "normal", True), ("exp2", "normal", True),
    ("log", "pos", True), ("log1p", "pos", True), ("expm1", "normal", True),
    ("tanh", "normal", True), ("logistic", "normal", True), ("sin", "normal", True),
    ("cos", "normal", True), ("tan", "unit", True), ("asin", "unit", True),
    ("acos", "unit", True), ("atan", "normal", True), ("sinh", "normal", True),
    ("cosh", "normal", True), ("asinh", "normal", True), ("acosh", "gt1", True),
    ("atanh", "unit", True), ("sqrt", "pos", True), ("rsqrt", "pos", True),
    ("cbrt", "nonzero", False), ("square", "normal", True), ("erf", "normal", False),
    ("erfc", "normal", False), ("erf_inv", "unit", False), ("lgamma", "pos", False),
    ("digamma", "pos", False), ("abs", "nonzero", True),
]
for _name, _kind, _complex in _unary:
    grec(_name, getattr(lax, _name), gen((_kind, S)), REAL + (COMPLEX if _complex else ()))
grec("conj", lax.conj, gen(("normal", S)), COMPLEX + REAL)
grec("real", lax.real, gen(("normal", S)), COMPLEX)
grec("imag", lax.imag, gen(("normal", S)), COMPLEX)
grec("round", lambda x: lax.round(x, 0), gen(("offgrid", S)))
grec("round_to_even", lambda x: lax.round(x, 1), gen(("offgrid", S)))
grec("is_finite", lambda x: lax.select_n(lax.is_finite(x), lax.neg(x), x), gen(("normal", S)))

def _quotient_gen(rng, dtype):
    """x, y with x / y away from integers (where rem and mod jump)."""
    y = gen_rand(rng, S, dtype, "pos")
    q = gen_rand(rng, S, dtype, "offgrid")
    return [(q * y).astype(dtype), y]


# elementwise binary: name, generator, complex too
_binary = [
    ("add", gen(("normal", S), ("normal", S)), True),
    ("sub", gen(("normal", S), ("normal", S)), True),
    ("mul", gen(("normal", S), ("normal", S)), True),
    ("div", gen(("normal", S), ("nonzero", S)), True),
    ("rem", lambda rng, dtype: _quotient_gen(rng, dtype), False),
    ("pow", gen(("pos", S), ("normal", S)), True),
    ("max", gen(("distinct", S), ("normal", S)), False),
    ("min", gen(("distinct", S), ("normal", S)), False),
    ("atan2", gen(("normal", S), ("normal", S)), False),
    ("complex", gen(("normal", S), ("normal", S)), False),
]
for _name, _gen, _complex in _binary:
    grec(_name, getattr(lax, _name), _gen, REAL + (COMPLEX if _complex else ()))
grec("mul_rank0_rhs", lax.mul, gen(("normal", S), ("normal", ())), REAL + COMPLEX)
grec("add_rank0_lhs", lax.add, gen(("normal", ()), ("normal", S)))
grec("div_rank0_lhs", lax.div, gen(("nonzero", ()), ("nonzero", S)))
grec("pow_rank0_exponent", lax.pow, gen(("pos", S), ("normal", ())))
grec("max_rank0", lax.max, gen(("normal", ()), ("distinct", (5,))))
grec("sub_python_scalar", lambda x: lax.sub(2.0, x), gen(("normal", S)))
grec("mul_python_scalar", lambda x: lax.mul(x, 3.0), gen(("normal", S)), REAL + COMPLEX)
grec("comparisons", lambda x, y: lax.select_n(lax.lt(x, y), x * 2, y * 3)
     + lax.select_n(lax.ge(x, y), x, y) + lax.select_n(lax.eq(x, x), y, x),
     gen(("distinct", S), ("normal", S)))

# select_n, clamp, integer_pow, convert_element_type
_which_bool = onp.array([[True, False, True, False]] * 3)
_which_i32 = onp.array([[0, 1, 2, 1], [2, 2, 0, 0], [1, 0, 1, 2]], onp.int32)
grec("select_n_bool", lambda a, b: lax.select_n(_which_bool, a, b),
     gen(("normal", S), ("normal", S)), REAL + COMPLEX)
grec("select_n_int_3", lambda a, b, c: lax.select_n(_which_i32, a, b, c),
     gen(("normal", S), ("normal", S), ("normal", S)))
grec("select_n_scalar_which", lambda a, b: lax.select_n(onp.bool_(True), a, b),
     gen(("normal", S), ("normal", S)))
grec("select", lambda a, b: lax.select(_which_bool, a, b), gen(("normal", S), ("normal", S)))
grec("clamp_scalar_bounds", lambda x: lax.clamp(-1.0, x, 1.0), gen(("offgrid", S)))


def _clamp_gen(rng, dtype):
    lo = gen_rand(rng, S, dtype, "unit") - onp.asarray(1.0).astype(dtype)
    hi = lo + onp.asarray(2.0).astype(dtype) + gen_rand(rng, S, dtype, "pos")
    x = gen_rand(rng, S, dtype, "normal") * onp.asarray(2.0).astype(dtype)
    return [lo, x, hi]


grec("clamp_array_bounds", lax.clamp, _clamp_gen)
for _y in (0, 1, 2, 3, -1, -2, 7):
    grec(f"integer_pow_{_y}", functools.partial(lambda x, y: lax.integer_pow(x, y), y=_y),
         gen(("nonzero", S)), REAL + (COMPLEX if _y in (2, -2) else ()),
         tol=1e-2 if _y == 7 else None)
# (float32 inside: float32's step and tolerance)
grec("convert_f64_to_f32", lambda x: lax.convert_element_type(x, f32) * 1.5, gen(("normal", S)),
     ONLY64, eps=1e-3, tol=5e-3)
grec("convert_f32_to_f64", lambda x: lax.convert_element_type(x, f64), gen(("normal", S)),
     (f32,), needs="x64")
_TO_COMPLEX = {f32: c64, f64: c128}
_TO_REAL = {c64: f32, c128: f64}
grec("convert_to_complex", lambda x: lax.convert_element_type(x, _TO_COMPLEX[
    xf.core.get_aval(x).dtype]) * (1 + 2j), gen(("normal", S)))
grec("convert_complex_to_real", lambda z: lax.convert_element_type(
    z, _TO_REAL[xf.core.get_aval(z).dtype]), gen(("normal", S)), COMPLEX)
grec("convert_to_int_and_back", lambda x: x * lax.convert_element_type(
    lax.convert_element_type(x, i32), xf.core.get_aval(x).dtype), gen(("normal", S)))
grec("convert_weak", lambda x: lax.convert_element_type(x, xf.core.get_aval(x).dtype,
                                                        weak_type=True) * 2, gen(("normal", S)))
grec("reduce_precision_like_f16", lambda x: lax.convert_element_type(
    lax.convert_element_type(x, f16), xf.core.get_aval(x).dtype), gen(("normal", S)),
    modes=("rev",), order=1, eps=5e-2, tol=1e-1)

# shapes and data movement
grec("broadcast_in_dim", lambda x: lax.broadcast_in_dim(x, (2, 3, 4), (1,)),
     gen(("normal", (3,))), REAL + COMPLEX)
grec("broadcast_in_dim_size1", lambda x: lax.broadcast_in_dim(x, (3, 4), (0, 1)),
     gen(("normal", (1, 4))))
grec("broadcast_in_dim_scalar", lambda x: lax.broadcast_in_dim(x, (2, 3), ()),
     gen(("normal", ())))
grec("broadcast", lambda x: lax.broadcast(x, (2,)), gen(("normal", (3,))))
grec("reshape", lambda x: lax.reshape(x, (4, 6)), gen(("normal", (2, 3, 4))), REAL + COMPLEX)
grec("reshape_dimensions", lambda x: lax.reshape(x, (6, 4), dimensions=(2, 0, 1)),
     gen(("normal", (2, 3, 4))))
grec("transpose", lambda x: lax.transpose(x, (2, 0, 1)), gen(("normal", (2, 3, 4))),
     REAL + COMPLEX)
grec("squeeze", lambda x: lax.squeeze(x, (0, 2)), gen(("normal", (1, 3, 1, 2))))
grec("expand_dims", lambda x: lax.expand_dims(x, (0, 3)), gen(("normal", (2, 3))))
grec("rev", lambda x: lax.rev(x, (0, 2)), gen(("normal", (2, 3, 4))), REAL + COMPLEX)
for _config in [((1, 2, 0), (0, 1, 0)), ((0, 0, 1), (1, 0, 2)), ((-1, 1, 0), (2, -2, 0)),
                ((-1, -1, 1), (1, -1, 1))]:
    grec(f"pad_{_config}", functools.partial(lambda x, v, c: lax.pad(x, v, c), c=_config),
         gen(("normal", S), ("normal", ())), REAL + (COMPLEX if _config[0][2] else ()))
grec("concatenate", lambda a, b, c: lax.concatenate([a, b, c], 1),
     gen(("normal", (2, 1)), ("normal", (2, 3)), ("normal", (2, 2))), REAL + COMPLEX)
grec("concatenate_same_operand", lambda a: lax.concatenate([a, lax.sin(a), a], 0),
     gen(("normal", (2, 3))))
grec("slice", lambda x: lax.slice(x, (0, 1), (3, 4)), gen(("normal", (4, 5))), REAL + COMPLEX)
grec("slice_strided", lambda x: lax.slice(x, (1, 0), (4, 5), (2, 3)), gen(("normal", (4, 5))))
for _starts in [(1, 2), (3, 4), (-1, -3), (100, -100)]:
    grec(f"dynamic_slice_{_starts}",
         functools.partial(lambda x, s: lax.dynamic_slice(x, s, (2, 3)), s=_starts),
         gen(("normal", (4, 5))), REAL + (COMPLEX if _starts == (1, 2) else ()))
    grec(f"dynamic_update_slice_{_starts}",
         functools.partial(lambda x, u, s: lax.dynamic_update_slice(x, u, s), s=_starts),
         gen(("normal", (4, 5)), ("normal", (2, 3))),
         REAL + (COMPLEX if _starts == (1, 2) else ()))
grec("dynamic_slice_array_index",
     lambda x: lax.dynamic_slice(x, (onp.int32(2), onp.uint8(1)), (2, 2)),
     gen(("normal", (4, 3))))

# reductions, dot_general, sort
for _axes in [(1,), (0, 1)]:
    grec(f"reduce_sum_{_axes}", functools.partial(lambda x, a: lax.reduce_sum(x, a), a=_axes),
         gen(("normal", S)), REAL + COMPLEX)
    grec(f"reduce_prod_{_axes}", functools.partial(lambda x, a: lax.reduce_prod(x, a), a=_axes),
         gen(("nonzero", S)), REAL + COMPLEX)
    grec(f"reduce_max_{_axes}", functools.partial(lambda x, a: lax.reduce_max(x, a), a=_axes),
         gen(("distinct", S)))
    grec(f"reduce_min_{_axes}", functools.partial(lambda x, a: lax.reduce_min(x, a), a=_axes),
         gen(("distinct", S)))
grec("reduce_sum_no_axes", lambda x: lax.reduce_sum(x, ()), gen(("normal", S)))
grec("argmax_gather_like", lambda x: x * lax.convert_element_type(
    lax.argmax(x, 1, onp.int32), xf.core.get_aval(x).dtype)[:, None], gen(("distinct", S)))
for _name, _ls, _rs, _dn, _spec in _dots:
    grec(f"dot_general_{_name}", functools.partial(lambda a, b, d: lax.dot_general(a, b, d),
                                                   d=_dn),
         gen(("normal", _ls), ("normal", _rs)),
         REAL + (COMPLEX if _name in ("matmul", "batch_middle") else ()))
grec("dot_general_same_operand", lambda a: lax.dot_general(a, a, (((1,), (1,)), ((), ()))),
     gen(("normal", (2, 3))))
grec("dot_general_preferred", lambda a, b: lax.dot_general(
    a, b, (((1,), (0,)), ((), ())), preferred_element_type=xf.core.get_aval(a).dtype),
    gen(("normal", (2, 3)), ("normal", (3, 4))))
grec("sort_1d", lambda x: lax.sort(x), gen(("distinct", (6,))))
grec("sort_dim0", lambda x: lax.sort(x, 0), gen(("distinct", S)))
grec("sort_dim-1", lambda x: lax.sort(x, -1), gen(("distinct", S)))
grec("sort_key_val", lambda k, v: lax.sort_key_val(k, v), gen(("distinct", (2, 5)),
                                                              ("normal", (2, 5))))
# the first key has ties (broken by the second): it is held fixed, a perturbation would
# reorder the ties
_k1 = onp.array([1, 0, 1, 0, 2], onp.int32)
grec("sort_two_keys", lambda k2, v: tuple(lax.sort([_k1, k2, v], 0, num_keys=2))[1:],
     gen(("distinct", (5,)), ("normal", (5,))))
grec("sort_int_key", lambda v: lax.sort_key_val(_k1, v)[1], gen(("normal", (5,))))

# pjit: a jitted function inside the differentiated one
_jitted = xf.jit(lambda x, y: lax.sin(x) * y + lax.exp(y))
_jitted_nested = xf.jit(lambda x: _jitted(x, x) * 2)
grec("pjit", lambda x, y: _jitted(x, y), gen(("normal", S), ("normal", S)), REAL + (c64,))
grec("pjit_nested", lambda x: _jitted_nested(x) + 1, gen(("normal", S)))
grec("pjit_closure", lambda x: xf.jit(lambda a: a * x)(lax.cos(x)), gen(("normal", S)))

# control flow (lax/control_flow.py)
_true, _false = onp.bool_(True), onp.bool_(False)
# (eager control flow recompiles at every call under jvp/vjp, which makes these rows slow:
# the second branch runs to order 1 only)
for _pred_name, _pred, _dtypes in [("true", _true, REAL), ("false", _false, (f32,))]:
    grec(f"cond_{_pred_name}", functools.partial(
        lambda x, y, p: lax.cond(p, lambda a, b: lax.sin(a) * b, lambda a, b: a - b * b, x, y),
        p=_pred), gen(("normal", S), ("normal", S)), _dtypes)
grec("cond_traced_pred", lambda x: lax.cond(lax.reduce_sum(x, (0, 1)) > -100.0,
                                             lambda a: lax.exp(a), lambda a: a, x),
     gen(("normal", S)))
grec("switch", lambda x: lax.switch(onp.int32(1), [lambda a: a, lax.sin, lax.cos], x),
     gen(("normal", S)))
grec("scan", lambda c, xs: lax.scan(lambda c, x: (c * x + 1, lax.sin(c) * x), c, xs),
     gen(("normal", (4,)), ("unit", (3, 4))))
grec("scan_reverse", lambda xs: lax.scan(lambda c, x: (c + x * c, c), xs[0], xs,
                                         reverse=True)[1],
     gen(("unit", (3, 2))))
grec("fori_loop", lambda x: lax.fori_loop(0, 3, lambda i, c: c * x + lax.sin(c), x),
     gen(("unit", S)))
grec("while_loop", lambda x: lax.while_loop(
    lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1] * 1.1 + lax.sin(c[1])), (0, x))[1],
    gen(("normal", S)), modes=("fwd",))
grec("lax_map", lambda x: lax.map(lambda r: r * lax.sin(r), x), gen(("normal", S)))
grec("associative_scan", lambda x: lax.associative_scan(lax.mul, x, axis=1),
     gen(("nonzero", S)))

# cumulative ops and gather/scatter (lax/cumulative.py, lax/slicing.py)
for _op in ("cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp"):
    _kind = {"cumprod": "nonzero", "cummax": "distinct", "cummin": "distinct"}.get(_op, "normal")
    for _axis, _reverse in [(0, False), (1, True)]:
        grec(f"{_op}_{_axis}{'_reverse' if _reverse else ''}",
             functools.partial(lambda x, op, a, r: getattr(lax, op)(x, axis=a, reverse=r),
                               op=_op, a=_axis, r=_reverse),
             gen((_kind, S)), REAL + (COMPLEX if _op in ("cumsum", "cumprod") else ()))


# gather/scatter with JAX's dimension numbers: rows of x (a repeated index: its
# cotangents add up), points, windows
_GD, _SD = lax.GatherDimensionNumbers, lax.ScatterDimensionNumbers
_rows = onp.array([[2], [0], [2]], onp.int32)
_rows_unique = onp.array([[2], [0]], onp.int32)
_gdn_rows = _GD(offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,))
_gdn_points = _GD(offset_dims=(), collapsed_slice_dims=(0, 1), start_index_map=(0, 1))
_sdn_rows = _SD(update_window_dims=(1,), inserted_window_dims=(0,),
                scatter_dims_to_operand_dims=(0,))
grec("gather_rows", lambda x: lax.gather(x, _rows, _gdn_rows, (1, 4)), gen(("normal", S)),
     REAL + COMPLEX)
grec("gather_points", lambda x: lax.gather(
    x, onp.array([[0, 1], [2, 3], [0, 1], [1, 0]], onp.int32), _gdn_points, (1, 1)),
    gen(("normal", S)))
grec("gather_window", lambda x: lax.gather(x, onp.array([[1], [0]], onp.int32), _gdn_rows,
                                           (1, 2)), gen(("normal", S)))
grec("scatter_add_rows", lambda x, u: lax.scatter_add(x, _rows, u, _sdn_rows),
     gen(("normal", S), ("normal", (3, 4))), REAL + COMPLEX)
grec("scatter_rows_unique", lambda x, u: lax.scatter(x, _rows_unique, u, _sdn_rows,
                                                     unique_indices=True),
     gen(("normal", S), ("normal", (2, 4))))
grec("scatter_mul_rows", lambda x, u: lax.scatter_mul(x, _rows_unique, u, _sdn_rows,
                                                      unique_indices=True),
     gen(("nonzero", S), ("nonzero", (2, 4))))
grec("scatter_max_rows", lambda x, u: lax.scatter_max(x, _rows_unique, u, _sdn_rows),
     lambda rng, dtype: [gen_rand(rng, S, dtype, "distinct"),
                         gen_rand(rng, (2, 4), dtype, "distinct") + onp.asarray(0.05, dtype)])
grec("scatter_min_rows", lambda x, u: lax.scatter_min(x, _rows_unique, u, _sdn_rows),
     lambda rng, dtype: [gen_rand(rng, S, dtype, "distinct"),
                         gen_rand(rng, (2, 4), dtype, "distinct") + onp.asarray(0.05, dtype)])

# ---- the xlafront.numpy surface
_idx = onp.array([2, 0, 2, 1], onp.int32)
_np_rows = [
    ("np_where", lambda x, y: np.where(x > 0, x * y, np.sin(y)),
     gen(("nonzero", S), ("normal", S))),
    ("np_clip", lambda x: np.clip(x, -1, 1.5), gen(("offgrid", S))),
    ("np_flip", lambda x: np.flip(x, 1), gen(("normal", S))),
    ("np_roll", lambda x: np.roll(x, 1, axis=1), gen(("normal", S))),
    ("np_tile", lambda x: np.tile(x, (2, 1)), gen(("normal", S))),
    ("np_repeat", lambda x: np.repeat(x, 2, axis=0), gen(("normal", S))),
    ("np_stack", lambda x, y: np.stack([x, y], 1), gen(("normal", S), ("normal", S))),
    ("np_concatenate", lambda x, y: np.concatenate([x, y], 0), gen(("normal", S), ("normal", S))),
    ("np_split", lambda x: tuple(np.split(x, 2, axis=1)), gen(("normal", S))),
    ("np_pad", lambda x: np.pad(x, ((1, 0), (0, 2)), constant_values=0.5), gen(("normal", S))),
    ("np_transpose", lambda x: np.transpose(x, (1, 2, 0)), gen(("normal", (2, 3, 4)))),
    ("np_moveaxis", lambda x: np.moveaxis(x, 0, -1), gen(("normal", (2, 3, 4)))),
    ("np_swapaxes", lambda x: np.swapaxes(x, 0, 1), gen(("normal", S))),
    ("np_ravel", lambda x: np.ravel(x) * 2, gen(("normal", S))),
    ("np_reshape", lambda x: np.reshape(x, (2, -1)), gen(("normal", S))),
    ("np_squeeze", lambda x: np.squeeze(x), gen(("normal", (1, 3, 1)))),
    ("np_expand_dims", lambda x: np.expand_dims(x, 1), gen(("normal", S))),
    ("np_broadcast_to", lambda x: np.broadcast_to(x, (2, 3, 4)), gen(("normal", (3, 1)))),
    ("np_broadcasting_add", lambda x, y: x + y, gen(("normal", (3, 1)), ("normal", (4,)))),
    ("np_broadcasting_mul", lambda x, y: x * y, gen(("normal", (2, 1, 4)), ("normal", (3, 1)))),
    ("np_tril", lambda x: np.tril(x), gen(("normal", S))),
    ("np_triu", lambda x: np.triu(x, 1), gen(("normal", S))),
    ("np_index_basic", lambda x: x[1:, ::2] * x[-1, 1:3][None], gen(("normal", S))),
    ("np_index_int", lambda x: x[1] + x[:, 2].sum(), gen(("normal", S))),
    ("np_index_none_ellipsis", lambda x: x[..., None, 2], gen(("normal", (2, 3, 4)))),
    ("np_at_set", lambda x, u: np.asarray(x).at[1, 1:3].set(u),
     gen(("normal", S), ("normal", (2,)))),
    ("np_at_add", lambda x, u: np.asarray(x).at[0].add(u), gen(("normal", S), ("normal", (4,)))),
    ("np_at_multiply", lambda x, u: np.asarray(x).at[:, 1].multiply(u),
     gen(("normal", S), ("normal", (3,)))),
    ("np_sum", lambda x: np.sum(x, axis=0), gen(("normal", S))),
    ("np_sum_keepdims", lambda x: np.sum(x, axis=1, keepdims=True), gen(("normal", S))),
    ("np_mean", lambda x: np.mean(x), gen(("normal", S))),
    ("np_var", lambda x: np.var(x, axis=1), gen(("normal", S))),
    ("np_std", lambda x: np.std(x, ddof=1), gen(("normal", S))),
    ("np_prod", lambda x: np.prod(x, axis=1), gen(("nonzero", S))),
    ("np_max", lambda x: np.max(x, axis=1, keepdims=True), gen(("distinct", S))),
    ("np_min", lambda x: np.min(x), gen(("distinct", S))),
    ("np_maximum", lambda x, y: np.maximum(x, y), gen(("distinct", S), ("normal", S))),
    ("np_matmul", lambda a, b: a @ b, gen(("normal", (2, 3)), ("normal", (3, 4)))),
    ("np_matmul_batched", lambda a, b: np.matmul(a, b),
     gen(("normal", (2, 1, 3, 4)), ("normal", (3, 4, 2)))),
    ("np_matmul_vector", lambda a, b: np.matmul(a, b), gen(("normal", (3,)), ("normal", (3, 4)))),
    ("np_dot", lambda a, b: np.dot(a, b), gen(("normal", (2, 3)), ("normal", (3,)))),
    ("np_tensordot", lambda a, b: np.tensordot(a, b, axes=([1, 0], [0, 1])),
     gen(("normal", (2, 3, 4)), ("normal", (3, 2)))),
    ("np_outer", lambda a, b: np.outer(a, b), gen(("normal", (3,)), ("normal", (4,)))),
    ("np_inner", lambda a, b: np.inner(a, b), gen(("normal", (2, 3)), ("normal", (4, 3)))),
    ("np_sort", lambda x: np.sort(x, axis=0), gen(("distinct", S))),
    ("np_power", lambda x, y: np.power(x, y), gen(("pos", S), ("normal", S))),
    ("np_power_int", lambda x: x ** 3 + x ** -2, gen(("nonzero", S))),
    ("np_sqrt", lambda x: np.sqrt(x), gen(("pos", S))),
    ("np_hypot", lambda x, y: np.hypot(x, y), gen(("nonzero", S), ("nonzero", S))),
    ("np_logaddexp", lambda x, y: np.logaddexp(x, y), gen(("normal", S), ("normal", S))),
    ("np_arctan2", lambda x, y: np.arctan2(x, y), gen(("normal", S), ("nonzero", S))),
    ("np_abs", lambda x: np.abs(x), gen(("nonzero", S))),
    ("np_reciprocal", lambda x: np.reciprocal(x), gen(("nonzero", S))),
    ("np_divide", lambda x, y: x / y, gen(("normal", S), ("nonzero", S))),
    ("np_mod", lambda x, y: np.mod(x, y), _quotient_gen),
    ("np_tanh_chain", lambda x: np.tanh(np.exp(x) * np.cos(x)) / (1 + x ** 2), gen(("normal", S))),
    ("np_astype", lambda x: (np.asarray(x).astype(np.float32) * 2).astype(x.dtype),
     gen(("normal", S))),
]
for _name, _fun, _gen in _np_rows:
    grec(_name, _fun, _gen, **({"eps": 1e-3, "tol": 5e-3} if _name == "np_astype" else {}))
grec("np_vdot_complex", lambda a, b: np.vdot(a, b), gen(("normal", (4,)), ("normal", (4,))),
     COMPLEX)
grec("np_abs_complex", lambda z: np.abs(z), gen(("nonzero", S)), COMPLEX)
grec("np_angle", lambda z: np.angle(z), gen(("pos", S)), COMPLEX)
grec("np_matmul_complex", lambda a, b: a @ b, gen(("normal", (2, 3)), ("normal", (3, 4))),
     COMPLEX)
grec("np_real_imag", lambda z: np.real(z) * np.imag(z), gen(("normal", S)), COMPLEX)
grec("np_index_array", lambda x: np.asarray(x)[_idx], gen(("normal", S)),
     needs="array_indexing")
grec("np_take", lambda x: np.take(x, _idx, axis=1), gen(("normal", S)))
grec("np_take_along_axis", lambda x: np.take_along_axis(
    x, onp.array([[0, 2], [1, 1], [3, 0]], onp.int32), axis=1), gen(("normal", S)))
grec("np_at_add_array_index", lambda x, u: np.asarray(x).at[_idx].add(u),
     gen(("normal", S), ("normal", (4, 4))), needs="array_indexing")
for _op in ("cumsum", "cumprod"):
    grec(f"np_{_op}", functools.partial(lambda x, op: getattr(np, op)(x, axis=1), op=_op),
         gen(("nonzero", S)))


# ---------------------------------------------------------------------------------------
# running the table

def _array_indexing_works():
    try:
        np.zeros(3)[onp.array([0, 1])]
    except (IndexError, NotImplementedError, TypeError):
        return False
    return True


def _missing(needs):
    if needs is None:
        return None
    if needs == "x64":
        return None
    if needs == "array_indexing":
        return None if _array_indexing_works() else "array indexing is not supported yet"
    module, attr = needs.split(".")
    mod = {"lax": lax, "np": np, "xf": xf}[module]
    assert hasattr(mod, attr), f"{needs} does not exist"
    return None


def _grad_cases():
    for r in GRAD_RECORDS:
        for dtype in r.dtypes:
            yield pytest.param(r, dtype, id=f"{r.name}-{dtype.name}")


@pytest.mark.parametrize("r,dtype", list(_grad_cases()))
def test_grads(r, dtype, request):
    reason = _missing(r.needs)
    if reason:
        pytest.skip(reason)
    wide = dtype.itemsize == 8 or dtype == c128 or r.needs == "x64"
    if wide:
        request.getfixturevalue("x64")
    args = r.gen(rng_for(r.name, dtype.name), dtype)
    order = r.order if dtype in (f64, c128) else 1
    check_grads(r.fun, args, order=order, modes=r.modes, atol=r.tol, rtol=r.tol, eps=r.eps)


def _row_args_32(r):
    """The row's arguments in its 32-bit dtype (tracing needs no x64)."""
    dtype = {f64: f32, c128: c64}.get(r.dtypes[0], r.dtypes[0])
    return r.gen(rng_for(r.name, dtype.name), dtype)


def _usable_rows():
    return [r for r in GRAD_RECORDS if not _missing(r.needs) and r.needs != "x64"]


def test_table_covers_the_differentiable_primitives():
    """Every primitive with a jvp rule (other than zero-derivative ones) is bound by some
    row of the table (checked by tracing each row's function)."""
    seen = set()
    for r in _usable_rows():
        seen |= _prims_in(xf.make_jaxpr(r.fun)(*_row_args_32(r)).jaxpr)
    prims = all_primitives()
    zero = {n for n, p in prims.items()
            if getattr(ad.primitive_jvps.get(p), "__qualname__", "").startswith("defzero")}
    differentiable = {n for n, p in prims.items() if p in ad.primitive_jvps} - set(AD_EXEMPT) \
        - ZERO_DERIVATIVE - zero - COLLECTIVES
    missing = sorted(differentiable - seen)
    assert not missing, f"primitives with a jvp rule but no row in GRAD_RECORDS: {missing}"


# ---------------------------------------------------------------------------------------
# check_grads itself: it passes on known functions and catches wrong rules

def test_check_grads_known_functions(x64):
    x = onp.linspace(-1.0, 1.0, 5)
    check_grads(lambda x: np.tanh(x) ** 2, (x,), order=2)
    check_grads(lambda x, y: np.sin(x) * y, (x, 2.0), order=3, modes=("fwd",))
    check_grads(lambda d: d["a"] * d["b"][0], ({"a": x, "b": [x + 3]},), order=2)
    check_grads(lambda z: z * z + np.exp(z), (onp.array([1 + 2j, -0.5j]),), order=2)
    check_grads(lambda z: np.abs(z) ** 2, (onp.array([3 + 4j]),), order=2)
    check_grads(lambda x: np.sin(x), (0.3,), order=2, modes=("rev",))
    check_grads(lambda x: np.exp(x), (x,), order=1, modes=("lin",))


def test_check_grads_float32_defaults():
    x = onp.linspace(-1.0, 1.0, 5).astype(onp.float32)
    check_grads(lambda x: np.tanh(x) * np.exp(x), (x,), order=2)


def test_check_jvp_and_check_vjp(x64):
    x = onp.linspace(0.5, 2.0, 4)
    check_jvp(np.log, functools.partial(xf.jvp, np.log), (x,))
    check_vjp(np.log, functools.partial(xf.vjp, np.log), (x,))
    with pytest.raises(AssertionError, match="tangent"):
        check_jvp(np.log, lambda p, t: (np.log(p[0]), t[0] / p[0] ** 2), (x,))
    with pytest.raises(AssertionError, match="cotangent projection"):
        check_vjp(np.log, lambda x: (np.log(x), lambda ct: (2 * ct / x,)), (x,))
    with pytest.raises(AssertionError, match="primal"):
        check_jvp(np.log, lambda p, t: (np.log(p[0]) + 1, t[0] / p[0]), (x,))


def _bad_primitive(name):
    """A sin-like primitive with the given (wrong) rules, for testing the checker."""
    sin_p = lax.unary_prims["sin"]
    prim = xf.core.Primitive(name)
    prim.abstract_eval = sin_p.abstract_eval
    lowering.register_lowering(prim, lowering.lowering_rule(sin_p))
    return prim


def test_check_grads_catches_a_wrong_jvp(x64):
    prim = _bad_primitive("bad_sin")
    ad.defjvp(prim, lambda t, x: lax.mul(t, lax.sin(x)))  # should be cos
    with pytest.raises(AssertionError, match="JVP"):
        check_grads(lambda x: xf.core.bind(prim, x), (onp.linspace(0.1, 1, 4),), order=1)


def test_check_grads_catches_a_wrong_second_derivative(x64):
    prim = _bad_primitive("sin_with_bad_second_derivative")
    # a right first derivative whose own derivative is wrong
    ad.defjvp(prim, lambda t, x: lax.mul(t, xf.core.bind(_cos_with_wrong_jvp, x)))
    f = lambda x: xf.core.bind(prim, x)  # noqa: E731
    check_grads(f, (onp.linspace(0.1, 1, 4),), order=1)
    with pytest.raises(AssertionError, match="JVP of JVP"):
        check_grads(f, (onp.linspace(0.1, 1, 4),), order=2)


_cos_with_wrong_jvp = xf.core.Primitive("cos_with_wrong_jvp")
_cos_with_wrong_jvp.abstract_eval = lax.unary_prims["cos"].abstract_eval
lowering.register_lowering(_cos_with_wrong_jvp, lowering.lowering_rule(lax.unary_prims["cos"]))
ad.defjvp(_cos_with_wrong_jvp, lambda t, x: lax.mul(t, lax.sin(x)))  # should be -sin


def test_check_grads_catches_a_wrong_transpose(x64):
    neg_p = lax.neg_p
    prim = xf.core.Primitive("bad_neg")
    prim.abstract_eval = neg_p.abstract_eval
    lowering.register_lowering(prim, lowering.lowering_rule(neg_p))
    ad.deflinear(prim, lambda ct, x: [ct])  # should be -ct
    f = lambda x: xf.core.bind(prim, x) * 3  # noqa: E731
    check_grads(f, (onp.ones(3),), order=1, modes=("fwd",))
    with pytest.raises(AssertionError, match="cotangent projection"):
        check_grads(f, (onp.ones(3),), order=1)
    with pytest.raises(AssertionError, match="finite differences"):
        check_grads(f, (onp.ones(3),), order=1, modes=("rev",))


def test_check_grads_bad_arguments():
    with pytest.raises(ValueError, match="modes"):
        check_grads(np.sin, (1.0,), 1, modes=("backward",))
    with pytest.raises(ValueError, match="order"):
        check_grads(np.sin, (1.0,), 0)


# ---------------------------------------------------------------------------------------
# JAX's conventions at special points (hand-derived values)

def _close(a, b, tol=1e-6):
    onp.testing.assert_allclose(onp.asarray(a), onp.asarray(b), rtol=tol, atol=tol)


def test_reduce_max_ties_split_evenly():
    x = onp.array([1.0, 3.0, 3.0, 2.0], onp.float32)
    _close(xf.grad(lambda x: lax.reduce_max(x, (0,)))(x), [0, 0.5, 0.5, 0])
    _close(xf.grad(lambda x: lax.reduce_min(x, (0,)))(x), [1, 0, 0, 0])
    m = onp.array([[1.0, 5.0, 5.0], [2.0, 2.0, 2.0]], onp.float32)
    _close(xf.grad(lambda m: np.sum(np.max(m, axis=1) * np.array([1.0, 3.0])))(m),
           [[0, 0.5, 0.5], [1, 1, 1]])
    _close(xf.grad(lambda m: np.max(m))(m), [[0, 0.5, 0.5], [0, 0, 0]])
    _close(xf.jvp(lambda x: lax.reduce_max(x, (0,)), (x,), (onp.array([1., 2., 4., 8.],
                                                                      onp.float32),))[1], 3.0)


def test_binary_max_min_ties_split():
    g = xf.grad(lambda x, y: lax.max(x, y), argnums=(0, 1))(2.0, 2.0)
    _close(g, (0.5, 0.5))
    g = xf.grad(lambda x, y: lax.min(x, y), argnums=(0, 1))(2.0, 2.0)
    _close(g, (0.5, 0.5))
    g = xf.grad(lambda x: np.sum(np.maximum(x, 1.0)))(onp.array([0.0, 1.0, 2.0], onp.float32))
    _close(g, [0, 0.5, 1])


def test_abs_sign_at_zero():
    _close(xf.grad(lambda x: lax.abs(x))(0.0), 1.0)  # JAX: select(x >= 0, g, -g)
    _close(xf.grad(lambda x: lax.abs(x))(-0.0), 1.0)
    _close(xf.grad(lambda x: np.abs(x))(-2.0), -1.0)
    _close(xf.grad(lambda x: lax.sign(x) * 3)(0.0), 0.0)


def test_reduce_prod_with_zeros():
    _close(xf.grad(lambda x: lax.reduce_prod(x, (0,)))(onp.array([2.0, 0.0, 3.0], onp.float32)),
           [0, 6, 0])
    _close(xf.grad(lambda x: np.prod(x))(onp.array([0.0, 4.0, 0.0], onp.float32)), [0, 0, 0])
    _close(xf.grad(lambda x: np.prod(x))(onp.array([2.0, 4.0, 0.5], onp.float32)), [2, 1, 8])


def test_clamp_at_bounds():
    g = xf.grad(lambda lo, x, hi: lax.clamp(lo, x, hi), argnums=(0, 1, 2))
    _close(g(0.0, -1.0, 1.0), (1, 0, 0))
    _close(g(0.0, 0.5, 1.0), (0, 1, 0))
    _close(g(0.0, 2.0, 1.0), (0, 0, 1))
    _close(g(0.0, 0.0, 1.0), (0, 0, 0))  # at a bound: JAX gives nothing to anyone
    _close(g(0.0, 1.0, 1.0), (0, 0, 0))


def test_pow_and_integer_pow_at_zero():
    _close(xf.grad(lambda y: lax.pow(0.0, y))(2.0), 0.0)   # log(0) replaced, as in JAX
    _close(xf.grad(lambda x: lax.pow(x, 2.0))(0.0), 0.0)
    _close(xf.grad(lambda x: lax.integer_pow(x, 0))(0.0), 0.0)
    _close(xf.grad(lambda x: lax.integer_pow(x, 1))(0.0), 1.0)
    _close(xf.grad(lambda x: lax.integer_pow(x, 2))(0.0), 0.0)
    _close(xf.grad(xf.grad(lambda x: lax.integer_pow(x, 3)))(2.0), 12.0)


def test_piecewise_constant_ops_have_zero_gradient():
    for fn in (lax.floor, lax.ceil, lambda x: lax.round(x, 0), lax.sign):
        _close(xf.grad(lambda x: fn(x) * 3)(1.3), 0.0)
    _close(xf.grad(lambda x: lax.convert_element_type(
        lax.convert_element_type(x, onp.int32), onp.float32))(2.5), 0.0)


def test_stop_gradient():
    _close(xf.grad(lambda x: x * lax.stop_gradient(x))(3.0), 3.0)
    _close(xf.grad(xf.grad(lambda x: x ** 2 * lax.stop_gradient(x ** 2)))(2.0), 8.0)
    _close(xf.jvp(lambda x: lax.stop_gradient(lax.sin(x)), (1.0,), (1.0,))[1], 0.0)
    _close(xf.jit(xf.grad(lambda x: lax.stop_gradient(x) * x))(3.0), 3.0)
    g = xf.grad(lambda p: p["a"] * lax.stop_gradient(p)["b"])({"a": 2.0, "b": 5.0})
    _close(g["a"], 5.0)
    _close(g["b"], 0.0)
    i = onp.arange(3)
    assert lax.stop_gradient(i).dtype == i.dtype


def test_where_unselected_branch_gets_zero():
    g = xf.grad(lambda x: np.sum(np.where(x > 0, x ** 2, 0.0)))(onp.array([-1.0, 2.0], onp.float32))
    _close(g, [0, 4])


def test_sort_gradient_is_the_inverse_permutation():
    x = onp.array([3.0, 1.0, 2.0], onp.float32)
    w = onp.array([10.0, 20.0, 30.0], onp.float32)
    _close(xf.grad(lambda x: np.sum(lax.sort(x) * w))(x), [30, 10, 20])
    k = onp.array([2.0, 0.0, 1.0], onp.float32)
    _close(xf.grad(lambda v: np.sum(lax.sort_key_val(k, v)[1] * w))(x), [30, 10, 20])


def test_dynamic_slice_clamped_window_gradient():
    x = onp.arange(5.0, dtype=onp.float32)
    _close(xf.grad(lambda x: np.sum(lax.dynamic_slice(x, (4,), (2,)) * onp.array([1., 2.])))(x),
           [0, 0, 0, 1, 2])
    _close(xf.grad(lambda u: np.sum(lax.dynamic_update_slice(x, u, (10,)) ** 2))(
        onp.array([1.0, 2.0], onp.float32)), [2, 4])


# ---------------------------------------------------------------------------------------
# the API: jvp, linearize, vjp, grad, value_and_grad

def test_jvp_pytrees_and_aux():
    x = onp.array([0.5, 1.0], onp.float32)
    out, tout = xf.jvp(np.sin, (x,), (onp.ones(2, onp.float32),))
    _close(out, onp.sin(x))
    _close(tout, onp.cos(x))
    f = lambda p: {"s": p["a"] * p["b"][0], "t": [p["a"]]}  # noqa: E731
    primals = ({"a": x, "b": [x + 1]},)
    tangents = ({"a": onp.ones(2, onp.float32), "b": [onp.zeros(2, onp.float32)]},)
    out, tout = xf.jvp(f, primals, tangents)
    assert set(out) == {"s", "t"} and isinstance(tout["t"], list)
    _close(tout["s"], x + 1)
    _close(tout["t"][0], [1, 1])
    out, tout, aux = xf.jvp(lambda x: (x ** 2, {"aux": x}), (x,), (x,), has_aux=True)
    _close(tout, 2 * x * x)
    _close(aux["aux"], x)


def test_jvp_of_python_scalars_and_weak_types():
    out, tout = xf.jvp(lambda x: x * 3.0, (2.0,), (1.0,))
    _close(out, 6.0)
    _close(tout, 3.0)


def test_linearize():
    x = onp.array([0.3, 1.2], onp.float32)
    y, f_jvp = xf.linearize(lambda x: np.sin(x) * x, x)
    _close(y, onp.sin(x) * x)
    for t in (onp.ones(2, onp.float32), onp.array([2.0, -1.0], onp.float32)):
        _close(f_jvp(t), (onp.cos(x) * x + onp.sin(x)) * t, 1e-5)
    y, f_jvp, aux = xf.linearize(lambda x: (np.exp(x), "aux"), x, has_aux=True)
    assert aux == "aux"
    _close(f_jvp(onp.ones(2, onp.float32)), onp.exp(x), 1e-5)
    y, f_jvp = xf.linearize(lambda a, b: {"p": a * b}, x, 2.0)
    _close(f_jvp(onp.ones(2, onp.float32), 1.0)["p"], 2 + x)


def test_vjp_pytrees_and_aux():
    x = onp.array([0.3, 1.2], onp.float32)
    y, f_vjp = xf.vjp(lambda a, b: {"p": a * b, "q": a}, x, 3.0)
    ga, gb = f_vjp({"p": onp.ones(2, onp.float32), "q": onp.full(2, 2.0, onp.float32)})
    _close(ga, [5, 5])
    _close(gb, x.sum())
    y, f_vjp, aux = xf.vjp(lambda x: (x * 2, [x]), x, has_aux=True)
    assert isinstance(aux, list)
    (g,) = f_vjp(onp.ones(2, onp.float32))
    _close(g, [2, 2])


def test_grad_argnums_and_value_and_grad():
    f = lambda x, y, z: x * y ** 2 + z  # noqa: E731
    _close(xf.grad(f)(2.0, 3.0, 1.0), 9.0)
    _close(xf.grad(f, argnums=1)(2.0, 3.0, 1.0), 12.0)
    _close(xf.grad(f, argnums=-1)(2.0, 3.0, 1.0), 1.0)
    g = xf.grad(f, argnums=(0, 2))(2.0, 3.0, 1.0)
    assert isinstance(g, tuple) and len(g) == 2
    _close(g, (9.0, 1.0))
    g = xf.grad(f, argnums=(1,))(2.0, 3.0, 1.0)
    assert isinstance(g, tuple) and len(g) == 1
    v, g = xf.value_and_grad(f, argnums=(0, 1))(2.0, 3.0, 1.0)
    _close(v, 19.0)
    _close(g, (9.0, 12.0))
    (v, aux), g = xf.value_and_grad(lambda x: (x ** 2, {"x": x}), has_aux=True)(3.0)
    _close(v, 9.0)
    _close(g, 6.0)
    _close(aux["x"], 3.0)
    g, aux = xf.grad(lambda x: (x ** 2, [x * 2]), has_aux=True)(3.0)
    _close(g, 6.0)
    _close(aux[0], 6.0)
    _close(xf.grad(lambda x, scale=1.0: scale * x ** 2)(3.0, scale=2.0), 12.0)


Params = collections.namedtuple("Params", ["w", "b"])


def test_grad_of_pytree_params():
    w = onp.array([[1.0, 2.0], [3.0, 4.0]], onp.float32)
    b = onp.array([0.5, -0.5], onp.float32)
    x = onp.array([1.0, -1.0], onp.float32)

    def loss(p):
        return np.sum((p["w"] @ x + p["b"][0]) ** 2)

    g = xf.grad(loss)({"w": w, "b": [b]})
    assert set(g) == {"w", "b"} and isinstance(g["b"], list)
    r = w @ x + b
    _close(g["w"], 2 * onp.outer(r, x))
    _close(g["b"][0], 2 * r)

    g = xf.grad(lambda p: np.sum(p.w @ x + p.b))(Params(w, b))
    assert type(g) is Params
    _close(g.w, onp.outer([1, 1], x))
    _close(g.b, [1, 1])

    g = xf.grad(lambda ps: ps[0] * ps[1][0])([2.0, (3.0,)])
    assert isinstance(g, list) and isinstance(g[1], tuple)
    _close(g[0], 3.0)
    _close(g[1][0], 2.0)


def test_integer_inputs_get_float0():
    x = onp.array([1.0, 2.0], onp.float32)
    i = onp.array([3, 4], onp.int32)
    f = lambda x, i: x * i  # noqa: E731
    y, f_vjp = xf.vjp(f, x, i)
    gx, gi = f_vjp(onp.ones(2, onp.float32))
    _close(gx, [3, 4])
    assert gi.dtype == float0 and gi.shape == (2,)
    g = xf.grad(lambda x, i: np.sum(x * i), argnums=(0, 1), allow_int=True)(x, i)
    assert g[1].dtype == float0 and g[1].shape == (2,)
    _close(g[0], [3, 4])
    out, tout = xf.jvp(f, (x, i), (onp.ones(2, onp.float32), onp.zeros(2, float0)))
    _close(tout, [3, 4])


def test_integer_outputs_get_float0_tangents():
    x = onp.array([1.0, 5.0, 2.0], onp.float32)
    (y, k), (ty, tk) = xf.jvp(lambda x: (x * 2, lax.argmax(x, 0, onp.int32)), (x,), (x,))
    assert int(k) == 1 and tk.dtype == float0 and tk.shape == ()
    _close(ty, 2 * x)
    y, f_jvp = xf.linearize(lambda x: (x * 2, x > 1), x)
    ty, tb = f_jvp(x)
    assert tb.dtype == float0 and tb.shape == (3,)
    _, f_vjp = xf.vjp(lambda x: (x * 2, x > 1), x)
    (g,) = f_vjp((onp.ones(3, onp.float32), onp.zeros(3, float0)))
    _close(g, [2, 2, 2])


def test_float0_outputs_under_second_order():
    """A jvp returning float0 tangents can itself be differentiated."""
    f = lambda x: (x * x, x > 0)  # noqa: E731
    g = xf.grad(lambda x: xf.jvp(f, (x,), (1.0,))[1][0])(3.0)
    _close(g, 2.0)


def test_holomorphic():
    z = 1.0 + 2.0j
    _close(xf.grad(lambda z: z ** 2, holomorphic=True)(z), 2 * z)
    _close(xf.grad(lambda z: np.sin(z) * z, holomorphic=True)(z),
           onp.cos(z) * z + onp.sin(z), 1e-5)
    zs = onp.array([1 + 1j, 2 - 1j], onp.complex64)
    _close(xf.grad(lambda z: np.sum(np.exp(z)), holomorphic=True)(zs), onp.exp(zs), 1e-5)
    with pytest.raises(TypeError, match="holomorphic"):
        xf.grad(lambda x: x * 2, holomorphic=True)(1.0)
    with pytest.raises(TypeError, match="holomorphic|complex"):
        xf.grad(lambda z: z * 2)(z)  # complex output without holomorphic=True


def test_real_valued_functions_of_complex_inputs():
    """JAX's convention: grad(f)(z) = conj of df/dz* times 2... i.e. for f = |z|^2 the
    gradient is 2 conj(z); for real(z) it is 1, for imag(z) it is -1j."""
    z = 3.0 + 4.0j
    _close(xf.grad(lambda z: np.abs(z) ** 2)(z), 6 - 8j)
    _close(xf.grad(lambda z: lax.real(z))(z), 1.0)
    _close(xf.grad(lambda z: lax.imag(z))(z), -1j)
    _close(xf.grad(lambda z: lax.real(z * z))(z), 6 + 8j)
    _close(xf.grad(lambda z: np.abs(z))(z), (3 - 4j) / 5)
    zs = onp.array([1 + 2j, -1j], onp.complex64)
    _close(xf.grad(lambda z: np.sum(lax.real(z * lax.conj(z))))(zs), 2 * onp.conj(zs))
    y, f_vjp = xf.vjp(lambda z: z * z, z)
    _close(f_vjp(1.0 + 0j)[0], 2 * z)  # no conjugation in vjp
    _close(xf.grad(lambda x: lax.real(lax.complex(x, 2 * x) ** 2))(1.5), -9.0)


def test_python_control_flow_on_concrete_values():
    def f(x):
        if x > 0:
            return x ** 2
        return -x
    _close(xf.grad(f)(3.0), 6.0)
    _close(xf.grad(f)(-3.0), -1.0)


def test_grad_errors():
    with pytest.raises(TypeError, match=r"\(3,\)") as e:
        xf.grad(lambda x: x * 2)(onp.ones(3, onp.float32))
    assert "jacrev" in str(e.value) and "vjp" in str(e.value)
    with pytest.raises(TypeError, match="int32") as e:
        xf.grad(lambda x: x * 2.0)(onp.int32(3))
    assert "allow_int" in str(e.value)
    with pytest.raises(TypeError, match="int32|float"):
        xf.grad(lambda x: (x > 0).astype(np.int32))(1.0)
    with pytest.raises((TypeError, ValueError), match="argnums"):
        xf.grad(lambda x: x, argnums=3)(1.0)
    with pytest.raises(TypeError, match="has_aux"):
        xf.grad(lambda x: x * 2, has_aux=True)(1.0)


def test_jvp_errors_name_the_position():
    x = onp.ones(3, onp.float32)
    with pytest.raises((ValueError, TypeError), match="position 1") as e:
        xf.jvp(lambda a, b: a * b, (x, x), (x, onp.ones(2, onp.float32)))
    assert "(3,)" in str(e.value) and "(2,)" in str(e.value)
    with pytest.raises(TypeError, match="position 0") as e:
        xf.jvp(lambda a: a * 2, (x,), (onp.ones(3, onp.int32),))
    assert "float32" in str(e.value) and "int32" in str(e.value)
    with pytest.raises(TypeError, match="float0"):
        xf.jvp(lambda i: i * 2, (onp.ones(3, onp.int32),), (onp.ones(3, onp.int32),))
    with pytest.raises(TypeError, match="tuple|list"):
        xf.jvp(np.sin, x, x)
    with pytest.raises(TypeError, match="structure"):
        xf.jvp(lambda a, b: a * b, (x, x), (x,))


def test_vjp_and_linearize_errors():
    x = onp.ones(3, onp.float32)
    _, f_vjp = xf.vjp(np.sin, x)
    with pytest.raises((ValueError, TypeError), match=r"\(3,\)"):
        f_vjp(onp.ones(2, onp.float32))
    with pytest.raises(TypeError, match="structure"):
        f_vjp((x, x))
    _, f_jvp = xf.linearize(np.sin, x)
    with pytest.raises((ValueError, TypeError), match="position 0"):
        f_jvp(onp.ones(4, onp.float32))


# ---------------------------------------------------------------------------------------
# compositions

def test_higher_order_grad():
    _close(xf.grad(xf.grad(np.sin))(0.7), -onp.sin(0.7))
    _close(xf.grad(xf.grad(xf.grad(np.sin)))(0.7), -onp.cos(0.7))
    _close(xf.grad(xf.grad(lambda x: x ** 4))(2.0), 48.0)
    f = lambda x, y: x ** 2 * y ** 3  # noqa: E731
    _close(xf.grad(xf.grad(f, argnums=0), argnums=1)(2.0, 3.0), 2 * 2 * 3 * 9)


def test_jit_of_grad_and_grad_of_jit():
    f = lambda x: np.sum(np.tanh(x) * x)  # noqa: E731
    x = onp.array([0.1, -0.4, 2.0], onp.float32)
    expected = onp.tanh(x) + x * (1 - onp.tanh(x) ** 2)
    _close(xf.grad(f)(x), expected, 1e-5)
    _close(xf.jit(xf.grad(f))(x), expected, 1e-5)
    _close(xf.grad(xf.jit(f))(x), expected, 1e-5)
    _close(xf.jit(xf.grad(xf.jit(f)))(x), expected, 1e-5)
    _close(xf.grad(xf.grad(xf.jit(lambda x: x ** 3)))(2.0), 12.0)
    _close(xf.jit(xf.grad(xf.grad(lambda x: x ** 3)))(2.0), 12.0)
    g = xf.jit(lambda x: xf.value_and_grad(f)(x))
    v, gr = g(x)
    _close(v, f(x), 1e-5)
    _close(gr, expected, 1e-5)


def test_grad_of_jit_with_static_args():
    f = xf.jit(lambda x, n: x ** n, static_argnums=1)
    _close(xf.grad(f)(2.0, 3), 12.0)


def test_jvp_of_grad_and_vjp_of_jvp():
    f = lambda x: np.sum(np.sin(x) * x)  # noqa: E731
    x = onp.array([0.2, 0.9], onp.float32)
    v = onp.array([1.0, -2.0], onp.float32)
    # Hessian-vector product, forward over reverse
    _, hvp = xf.jvp(xf.grad(f), (x,), (v,))
    diag = 2 * onp.cos(x) - x * onp.sin(x)
    _close(hvp, diag * v, 1e-5)
    # reverse over forward
    _, f_vjp = xf.vjp(lambda x: xf.jvp(f, (x,), (v,))[1], x)
    _close(f_vjp(onp.float32(1.0))[0], diag * v, 1e-5)
    # reverse over reverse
    _close(xf.grad(lambda x: np.vdot(xf.grad(f)(x), v))(x), diag * v, 1e-5)
    # linearize of jit
    y, f_lin = xf.linearize(xf.jit(f), x)
    _close(f_lin(v), np.vdot(onp.sin(x) + x * onp.cos(x), v), 1e-5)


def test_closure_over_outer_tracers():
    def outer(y):
        return xf.grad(lambda x: x * y ** 2)(1.0)
    _close(xf.grad(outer)(3.0), 6.0)
    _close(xf.jit(xf.grad(outer))(3.0), 6.0)


def test_eager_and_jit_agree_on_the_linear_program():
    f = lambda x: np.sum(np.exp(x) * np.cos(x))  # noqa: E731
    jaxpr = xf.make_jaxpr(xf.grad(f))(onp.ones(3, onp.float32))
    xf.core.typecheck_jaxpr(jaxpr.jaxpr)


# ---------------------------------------------------------------------------------------
# registry: every primitive has a jvp rule, linear ones a transpose

# Primitives with no jvp rule on purpose (JAX has none either).
AD_EXEMPT = {
    "iota": "no array operands: nothing to differentiate",
}
# Primitives whose derivative is zero (integer/bool outputs or piecewise constant): they
# need a jvp rule (ad.defzero), but no table row.
ZERO_DERIVATIVE = {
    "sign", "floor", "ceil", "round", "is_finite", "not", "and", "or", "xor", "eq", "ne",
    "lt", "le", "gt", "ge", "shift_left", "shift_right_arithmetic", "shift_right_logical",
    "population_count", "clz", "bitcast_convert_type", "argmax", "argmin", "reduce_and",
    "reduce_or", "reduce_xor", "random_bits", "iota",
}
COLLECTIVES = {"psum", "pmax", "pmin", "all_gather", "axis_index", "ppermute", "all_to_all",
               "pmean"}
# Primitives linear in their (differentiated) operands: JAX gives each a transpose rule,
# because tangent programs contain them.
LINEAR = {
    "add", "sub", "neg", "mul", "div", "conj", "real", "imag", "complex",
    "convert_element_type", "select_n", "broadcast_in_dim", "reshape", "transpose",
    "squeeze", "rev", "pad", "concatenate", "slice", "dynamic_slice", "dynamic_update_slice",
    "reduce_sum", "dot_general", "cumsum", "gather", "scatter_add", "scatter", "pjit",
    "psum", "all_gather", "copy", "custom_lin", "reduce_window_sum", "ppermute",
}


def test_every_primitive_has_a_jvp_rule():
    prims = all_primitives()
    missing = sorted(n for n, p in prims.items() if p not in ad.primitive_jvps and n not in AD_EXEMPT)
    assert not missing, f"primitives without a jvp rule (add one, or an AD_EXEMPT entry " \
                        f"with the reason): {missing}"
    stale = sorted(n for n in AD_EXEMPT if n in prims and prims[n] in ad.primitive_jvps)
    assert not stale, f"AD_EXEMPT lists primitives that now have a jvp rule: {stale}"


def test_linear_primitives_have_a_transpose_rule():
    prims = all_primitives()
    linear = {n for n in LINEAR if n in prims}
    for n, p in prims.items():  # rules made with ad.deflinear / ad.defbilinear are linear
        qualname = getattr(ad.primitive_jvps.get(p), "__qualname__", "")
        if qualname.startswith(("deflinear", "defbilinear")):
            linear.add(n)
    missing = sorted(n for n in linear if prims[n] not in ad.primitive_transposes)
    assert not missing, f"linear primitives without a transpose rule: {missing}"


def _linear_program(fun, args):
    """The linear program reverse mode transposes for fun at args (traced under
    make_jaxpr, so nothing is compiled)."""
    holder = {}

    def traced(*a):
        outs, holder["linear"], _, _ = ad.linearize_flat(
            lambda *b: xf.tree_util.tree_leaves(fun(*b)), list(a))
        return outs

    xf.make_jaxpr(traced)(*args)
    return holder["linear"]


def test_tangent_programs_only_use_transposable_primitives():
    """Linearizing every table row gives a linear program whose primitives can all be
    transposed (this is what reverse mode needs)."""
    prims_needed = {}
    for r in _usable_rows():
        if "rev" not in r.modes:
            continue  # forward-only rows (while_loop): JAX cannot transpose them either
        try:
            linear = _linear_program(r.fun, _row_args_32(r))
        except NotImplementedError:
            continue  # a missing jvp rule: reported by test_grads and the registry test
        for eqn in linear.jaxpr.eqns:  # inner programs are the outer rule's business
            prims_needed.setdefault(eqn.prim.name, r.name)
    prims = all_primitives()
    bad = sorted(f"{n} (from row {row})" for n, row in prims_needed.items()
                 if n in prims and prims[n] not in ad.primitive_transposes)
    assert not bad, f"primitives in tangent programs without a transpose rule: {bad}"


# ---------------------------------------------------------------------------------------
# jacfwd, jacrev, hessian, custom_jvp, custom_vjp, checkpoint



def _jac_fun(x):
    return np.stack([x[0] * x[1], np.sin(x[2]), x[0] ** 2 * x[2]])


def _jac_expected(x):
    return onp.array([[x[1], x[0], 0], [0, 0, onp.cos(x[2])], [2 * x[0] * x[2], 0, x[0] ** 2]])


@pytest.mark.parametrize("jac", ["jacfwd", "jacrev"])
def test_jacobians(jac):
    jacfun = getattr(xf, jac)
    x = onp.array([1.0, 2.0, 0.5], onp.float32)
    _close(jacfun(_jac_fun)(x), _jac_expected(x), 1e-5)
    _close(xf.jit(jacfun(_jac_fun))(x), _jac_expected(x), 1e-5)
    # pytree input and output, argnums tuple
    j = jacfun(lambda a, b: {"o": a * b}, argnums=(0, 1))(x, onp.float32(2.0))
    assert set(j) == {"o"} and isinstance(j["o"], tuple)
    _close(j["o"][0], 2 * onp.eye(3))
    _close(j["o"][1], x)
    # shape: output shape + input shape
    assert jacfun(lambda m: m * 2)(onp.ones((2, 3), onp.float32)).shape == (2, 3, 2, 3)
    j, aux = jacfun(lambda x: (x * 2, "aux"), has_aux=True)(x)
    assert aux == "aux"
    z = onp.array([1 + 1j, 2j], onp.complex64)
    _close(jacfun(lambda z: z ** 2, holomorphic=True)(z), onp.diag(2 * z), 1e-5)


def test_jacobian_errors():
    with pytest.raises(TypeError):
        xf.jacfwd(lambda x: x)(onp.int32(1))
    with pytest.raises(TypeError):
        xf.jacrev(lambda x: x, holomorphic=True)(onp.float32(1))


def test_hessian():
    f = lambda x: np.sum(x ** 3) + x[0] * x[1]  # noqa: E731
    x = onp.array([1.0, 2.0], onp.float32)
    _close(xf.hessian(f)(x), [[6, 1], [1, 12]], 1e-5)
    _close(xf.jit(xf.hessian(f))(x), [[6, 1], [1, 12]], 1e-5)
    h = xf.hessian(lambda p: p["a"] ** 2 * p["b"])({"a": 1.0, "b": 3.0})
    _close(h["a"]["a"], 6.0)
    _close(h["a"]["b"], 2.0)
    _close(h["b"]["b"], 0.0)


def test_custom_jvp():
    @xf.custom_jvp
    def f(x):
        return np.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), 2.0 * t  # deliberately not cos: the rule must be used

    _close(f(0.5), onp.sin(0.5))
    _close(xf.grad(f)(0.5), 2.0)
    _close(xf.jit(xf.grad(f))(0.5), 2.0)
    _close(xf.grad(xf.jit(f))(0.5), 2.0)
    _close(xf.jvp(f, (0.5,), (3.0,))[1], 6.0)
    _close(xf.vmap(xf.grad(f))(onp.ones(3, onp.float32)), [2, 2, 2])
    _close(xf.vmap(f)(onp.zeros(2, onp.float32)), [0, 0])

    @xf.custom_jvp
    def safe_log1pexp(x):
        return np.log1p(np.exp(x))

    safe_log1pexp.defjvps(lambda t, ans, x: t * (1 - 1 / (1 + np.exp(x))))
    _close(xf.grad(safe_log1pexp)(100.0), 1.0)
    _close(xf.grad(xf.grad(safe_log1pexp))(0.0), 0.25, 1e-5)


def test_custom_jvp_nondiff_argnums():
    @functools.partial(xf.custom_jvp, nondiff_argnums=(0,))
    def app(f, x):
        return f(x)

    @app.defjvp
    def app_jvp(f, primals, tangents):
        (x,), (t,) = primals, tangents
        return app(f, x), 3.0 * t

    _close(xf.grad(lambda x: app(np.sin, x))(1.0), 3.0)


def test_custom_vjp():
    @xf.custom_vjp
    def clip_gradient(x):
        return x

    def fwd(x):
        return x, None

    def bwd(_, g):
        return (np.clip(g, -1.0, 1.0),)

    clip_gradient.defvjp(fwd, bwd)
    _close(xf.grad(lambda x: 5.0 * clip_gradient(x))(2.0), 1.0)
    _close(xf.jit(xf.grad(lambda x: 5.0 * clip_gradient(x)))(2.0), 1.0)
    _close(xf.vmap(xf.grad(lambda x: 0.5 * clip_gradient(x)))(onp.ones(3, onp.float32)),
           [0.5, 0.5, 0.5])

    @xf.custom_vjp
    def f(x, y):
        return np.sin(x) * y

    f.defvjp(lambda x, y: (f(x, y), (np.cos(x), np.sin(x), y)),
             lambda res, g: (res[0] * g * res[2], res[1] * g))
    x, y = 0.3, 2.0
    _close(xf.grad(f, argnums=(0, 1))(x, y), (onp.cos(x) * y, onp.sin(x)), 1e-6)
    check_grads(f, (x, y), order=1, modes=("rev",))


def test_checkpoint():
    f = lambda x: np.sin(np.sin(x)) * x  # noqa: E731
    x = onp.array([0.3, 1.5], onp.float32)
    _close(xf.grad(lambda x: np.sum(xf.checkpoint(f)(x)))(x),
           xf.grad(lambda x: np.sum(f(x)))(x), 1e-6)
    _close(xf.jit(xf.grad(lambda x: np.sum(xf.checkpoint(f)(x))))(x),
           xf.grad(lambda x: np.sum(f(x)))(x), 1e-6)
    _close(xf.vmap(xf.checkpoint(f))(x), f(x), 1e-6)
    _close(xf.grad(xf.grad(lambda x: xf.checkpoint(f)(x)))(0.3),
           xf.grad(xf.grad(f))(0.3), 1e-5)


def test_check_grads_of_jacobians(x64):
    check_grads(lambda x: xf.jacfwd(_jac_fun)(x), (onp.array([1.0, 2.0, 0.5]),), order=1)
    check_grads(lambda x: xf.jacrev(_jac_fun)(x), (onp.array([1.0, 2.0, 0.5]),), order=1)
