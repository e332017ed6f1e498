"""The op records: one record per primitive, driving its NumPy, eager-vs-jit, gradient and
vmap tests, and the one dict of exemptions from the registry checks.

`RECORDS` maps a primitive's name to its `OpRecord`, which holds:

* `cases`: NumPy cases (`rec(...)`): an xlafront function of NumPy arrays, a NumPy
  reference of the same arrays, an input generator and the dtypes. test_lax runs every case
  eagerly and under `jit` for each dtype and checks that its IR binds the primitive;
  test_vmap maps every case (with its first dtype) against per-example calls.
* `grads`: gradient cases (`grec(...)`), run by test_ad with finite differences to second
  order in float64 (both modes) and to first order in float32. Inputs keep away from
  singularities and discontinuities.
* `vmaps`: vmap cases for what NumPy cases cannot express (control flow) (`vrec(...)`).

So a new primitive gets one record: its `rec` rows, its `grec` rows (none when its
derivative is zero) and, only if needed, `vrec` rows. The functions of xlafront.numpy and
the lax compositions (no primitive of their own) have rows in `FUNCTION_GRADS` and
`FUNCTION_VMAPS`: they exercise the rules together.

The registry tests (test_lax, test_ad, test_vmap) read the library's rule tables for every
primitive of `all_primitives()`; a primitive opts out of one check only through `EXEMPT`,
with the reason, and those tests fail when an exemption is stale.

This is not a test module (pytest collects test_*.py only); the test modules import their
tables from here and from conftest, never from each other.
"""
import functools
import importlib
import math
import pkgutil
import warnings
from dataclasses import dataclass, field
from typing import Callable, NamedTuple, Optional

import numpy as onp

import xlafront as xf
import xlafront.numpy as np
from xlafront import lax
# modules that load on first use make primitives too: all load before the snapshot below
for _module in pkgutil.walk_packages(xf.__path__, "xlafront."):
    if _module.name not in ("xlafront.demo", "xlafront.__main__"):
        importlib.import_module(_module.name)

from conftest import LOW_PRECISION, args_of, bfloat16, rand, upcast

# Every primitive the library makes, as {name: Primitive}, read from the core registry.
# The registry also keeps the primitives tests make for themselves (test_ad's
# `_bad_primitive`, `_cos_with_wrong_jvp` ...), which must not be held to the rules. The
# library makes all of its primitives while its modules load (all of them, above), and
# every test module imports this module before it defines anything, so the registry as it
# stands at this point holds the library's primitives only: that snapshot is the list the registry tests
# check. (A test module that makes a primitive must import op_records before doing so.)
_LIBRARY_PRIMITIVES = tuple(xf.core.all_primitives())


def all_primitives():
    """{name: Primitive} for every primitive of the library (see _LIBRARY_PRIMITIVES)."""
    found = {}
    for p in _LIBRARY_PRIMITIVES:
        assert p.name not in found, f"two primitives named {p.name!r} in the registry"
        found[p.name] = p
    return found


def prims_in(jaxpr):
    """The names of the primitives a jaxpr binds, its inner jaxprs' included."""
    names = set()
    for eqn in jaxpr.eqns:
        names.add(eqn.prim.name)
        for v in eqn.params.values():
            values = v if isinstance(v, (tuple, list)) else (v,)  # cond's branches
            for item in values:
                inner = getattr(item, "jaxpr", item)
                if hasattr(inner, "eqns"):
                    names |= prims_in(inner)
    return names


# ---------------------------------------------------------------------------------------
# dtypes

f32, f16, f64, i32, i8, u8, u32, i16, u16 = (onp.dtype(t) for t in (
    onp.float32, onp.float16, onp.float64, onp.int32, onp.int8, onp.uint8, onp.uint32,
    onp.int16, onp.uint16))
c64, c128, bool_ = onp.dtype(onp.complex64), onp.dtype(onp.complex128), onp.dtype(onp.bool_)
bf16 = bfloat16

# NumPy cases: kept small so that the suite stays fast: every kind is covered, the short
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

# gradient cases: 64-bit dtypes run to the case's order (x64 on), 32-bit ones to order 1
REAL = (f64, f32)
COMPLEX = (c128, c64)
ONLY64 = (f64,)


# ---------------------------------------------------------------------------------------
# the record types

class Case(NamedTuple):
    """A NumPy case: run eagerly and under jit for each dtype, and under vmap."""
    prim: str                  # the primitive this case exercises
    name: str                  # the test id
    fun: Callable              # xlafront function of the generated arrays
    ref: Callable              # NumPy reference (float16/bfloat16 inputs come upcast)
    gen: Callable              # (rng, dtype) -> list of NumPy arrays
    dtypes: tuple
    out_dtype: Optional[Callable] = None  # input dtype -> result dtype (default: same)
    tol: Optional[float] = None
    upcast: bool = True        # False: the reference sees float16/bfloat16 inputs as they are


class GradCase(NamedTuple):
    """A gradient case, checked with finite differences (xlafront.test_util.check_grads)."""
    prim: Optional[str]            # the primitive (None: a function composed of several)
    name: str                      # the test id
    fun: Callable                  # of the generated (inexact) arrays
    gen: Callable                  # (rng, dtype) -> list of NumPy arrays
    dtypes: tuple = REAL           # 64-bit ones run to `order`, 32-bit ones to order 1
    order: int = 2
    modes: tuple = ("fwd", "rev")
    tol: Optional[float] = None    # overrides check_grads' default tolerances
    eps: Optional[float] = None    # overrides the finite-difference step
    needs: Optional[str] = None    # "x64", "array_indexing" or "module.attr" it relies on


class VmapCase(NamedTuple):
    """A vmap case: run with one dtype against stacking per-example calls."""
    prim: Optional[str]        # the primitive (None: a function composed of several)
    name: str
    fun: Callable
    gen: Callable              # (rng, dtype) -> list of NumPy arrays (one example)
    dtype: onp.dtype
    tol: Optional[float] = None


@dataclass
class OpRecord:
    """Everything the tests know about one primitive."""
    prim: str
    cases: list = field(default_factory=list)   # Case
    grads: list = field(default_factory=list)   # GradCase
    vmaps: list = field(default_factory=list)   # VmapCase, beside those of the NumPy cases

    def vmap_cases(self):
        """Every NumPy case (with its first dtype), then the vmap-only cases."""
        return [VmapCase(c.prim, c.name, c.fun, c.gen, c.dtypes[0], c.tol)
                for c in self.cases] + self.vmaps


RECORDS = {}          # primitive name -> OpRecord
FUNCTION_GRADS = []   # GradCase of xlafront.numpy functions and lax compositions
FUNCTION_VMAPS = []   # VmapCase of the same


def _record(prim):
    if prim not in RECORDS:
        RECORDS[prim] = OpRecord(prim)
    return RECORDS[prim]


def rec(prim, fun, ref, gen, dtypes, name=None, out_dtype=None, tol=None, upcast=True):
    """A NumPy case of `prim` (the test id is `name`, default the primitive's)."""
    _record(prim).cases.append(Case(prim, name or prim, fun, ref, gen, tuple(dtypes),
                                    out_dtype, tol, upcast))


def grec(prim, fun, gen, dtypes=REAL, name=None, **kw):
    """A gradient case of `prim` (keywords: GradCase's order, modes, tol, eps, needs)."""
    _record(prim).grads.append(GradCase(prim, name or prim, fun, gen, tuple(dtypes), **kw))


def vrec(prim, name, fun, gen, dtype=f32, tol=None):
    """A vmap case of `prim` that no NumPy case of it expresses."""
    _record(prim).vmaps.append(VmapCase(prim, name, fun, gen, onp.dtype(dtype), tol))


def function_grec(name, fun, gen, dtypes=REAL, **kw):
    FUNCTION_GRADS.append(GradCase(None, name, fun, gen, tuple(dtypes), **kw))


def function_vrec(name, fun, gen, dtype=f32, tol=None):
    FUNCTION_VMAPS.append(VmapCase(None, name, fun, gen, onp.dtype(dtype), tol))


def numpy_cases():
    """Every NumPy case, record by record."""
    return [c for r in RECORDS.values() for c in r.cases]


def grad_cases():
    """Every gradient case: the records', then the functions'."""
    return [g for r in RECORDS.values() for g in r.grads] + FUNCTION_GRADS


def vmap_cases():
    """Every vmap case: the records' (see OpRecord.vmap_cases), then the functions'."""
    return [v for r in RECORDS.values() for v in r.vmap_cases()] + FUNCTION_VMAPS


# ---------------------------------------------------------------------------------------
# input generators

def unary_gen(kind="normal", shape=(3, 4)):
    return args_of((kind, shape))


def binary_gen(kind="normal", kind2=None, shape=(3, 4), shape2=None):
    return args_of((kind, shape), (kind2 or kind, shape if shape2 is None else shape2))


def to(dtype):
    return lambda _: onp.dtype(dtype)


def real_of(dtype):
    return f32 if dtype == c64 else dtype


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
    """A generator (rng, dtype) -> [arrays], one per (kind, shape) spec (kinds of gen_rand);
    a spec may be a (kind, shape, dtype) triple to fix that argument's dtype."""
    def make(rng, dtype):
        out = []
        for spec in specs:
            kind, shape = spec[:2]
            out.append(gen_rand(rng, shape, spec[2] if len(spec) > 2 else dtype, kind))
        return out
    return make


S = (3, 4)  # the shape of most gradient and vmap cases

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

_RC = REAL + COMPLEX
_unary = [
    # prim, NumPy reference, dtypes, input kind, gradient: input kind (None: no case), dtypes
    ("neg", onp.negative, NUM_C, "normal", "normal", _RC),
    ("sign", onp.sign, NUM_C, "small", "nonzero", REAL),
    ("floor", onp.floor, FLOAT, "normal", "offgrid", REAL),
    ("ceil", onp.ceil, FLOAT, "normal", "offgrid", REAL),
    ("exp", onp.exp, INEXACT, "normal", "normal", _RC),
    ("exp2", onp.exp2, INEXACT, "normal", "normal", _RC),
    ("log", onp.log, INEXACT, "pos", "pos", _RC),
    ("log1p", onp.log1p, INEXACT, "pos", "pos", _RC),
    ("expm1", onp.expm1, INEXACT, "normal", "normal", _RC),
    ("tanh", onp.tanh, INEXACT, "normal", "normal", _RC),
    ("logistic", lambda x: 1 / (1 + onp.exp(-x)), INEXACT, "normal", "normal", _RC),
    ("sin", onp.sin, INEXACT, "normal", "normal", _RC),
    ("cos", onp.cos, INEXACT, "normal", "normal", _RC),
    ("tan", onp.tan, INEXACT, "unit", "unit", _RC),
    ("asin", onp.arcsin, INEXACT, "unit", "unit", _RC),
    ("acos", onp.arccos, INEXACT, "unit", "unit", _RC),
    ("atan", onp.arctan, INEXACT, "normal", "normal", _RC),
    ("sinh", onp.sinh, INEXACT, "normal", "normal", _RC),
    ("cosh", onp.cosh, INEXACT, "normal", "normal", _RC),
    ("asinh", onp.arcsinh, INEXACT, "normal", "normal", _RC),
    ("acosh", onp.arccosh, INEXACT, "gt1", "gt1", _RC),
    ("atanh", onp.arctanh, INEXACT, "unit", "unit", _RC),
    ("sqrt", onp.sqrt, INEXACT, "pos", "pos", _RC),
    ("rsqrt", lambda x: 1 / onp.sqrt(x), INEXACT, "pos", "pos", _RC),
    ("cbrt", onp.cbrt, FLOAT, "normal", "nonzero", REAL),
    ("square", onp.square, NUM_C, "normal", "normal", _RC),
    ("erf", _erf, FLOAT, "normal", "normal", REAL),
    ("erfc", _erfc, FLOAT, "normal", "normal", REAL),
    ("erf_inv", _erf_inv, FLOAT, "unit", "unit", REAL),
    ("lgamma", _lgamma, FLOAT, "normal", "pos", REAL),
    ("digamma", _digamma, FLOAT, "pos", "pos", REAL),
    ("not", onp.invert, INT_BOOL, "normal", None, ()),
    ("population_count", _popcount, INT, "normal", None, ()),
    ("clz", _clz, INT, "normal", None, ()),
    ("conj", onp.conj, INEXACT, "normal", "normal", COMPLEX + REAL),
]
for _prim, _ref, _dtypes, _kind, _grad_kind, _grad_dtypes in _unary:
    _fun = getattr(lax, "bitwise_not" if _prim == "not" else _prim)
    rec(_prim, _fun, _ref, unary_gen(_kind), _dtypes)
    if _grad_kind is not None:
        grec(_prim, _fun, gen((_grad_kind, S)), _grad_dtypes)

rec("abs", lax.abs, onp.abs, unary_gen(), FLOAT + SINT + (c64,), out_dtype=real_of)
grec("abs", lax.abs, gen(("nonzero", S)), REAL + COMPLEX)
rec("real", lax.real, onp.real, unary_gen(), (c64,), out_dtype=real_of)
grec("real", lax.real, gen(("normal", S)), COMPLEX)
rec("imag", lax.imag, onp.imag, unary_gen(), (c64,), out_dtype=real_of)
grec("imag", lax.imag, gen(("normal", S)), COMPLEX)

# special functions with scipy.special references (xlafront/lax/special.py); gradients only
# where JAX defines them (not in polygamma's m, zeta's x, betainc's a and b, the second
# derivative of igamma in a)
import scipy.special as _ss  # noqa: E402


def _uniform_gen(*ranges):
    """(rng, dtype) -> one (3, 4) array per (low, high) range."""
    return lambda rng, dtype: [rng.uniform(lo, hi, S).astype(dtype) for lo, hi in ranges]


for _prim, _fun, _ref, _gen in [
        ("igamma", lax.igamma, _ss.gammainc, _uniform_gen((0.2, 8), (0.05, 12))),
        ("igammac", lax.igammac, _ss.gammaincc, _uniform_gen((0.2, 8), (0.05, 12))),
        ("igamma_grad_a", lax.igamma_grad_a,
         lambda a, x: onp.diff(_ss.gammainc(a.astype(f64)[..., None] + [-1e-6, 1e-6],
                                            x.astype(f64)[..., None]))[..., 0] / 2e-6,
         _uniform_gen((0.5, 8), (0.1, 12))),
        ("polygamma", lax.polygamma, lambda m, x: _ss.polygamma(m.astype(int), x),
         lambda rng, dtype: [rng.integers(0, 4, S).astype(dtype),
                             rng.uniform(0.3, 6, S).astype(dtype)]),
        ("zeta", lax.zeta, _ss.zeta, _uniform_gen((1.5, 6), (0.3, 4))),
        ("bessel_i0e", lax.bessel_i0e, _ss.i0e, _uniform_gen((-20, 20))),
        ("bessel_i1e", lax.bessel_i1e, _ss.i1e, _uniform_gen((-20, 20))),
        ("regularized_incomplete_beta", lax.betainc, _ss.betainc,
         _uniform_gen((0.2, 6), (0.2, 6), (0.02, 0.98)))]:
    rec(_prim, _fun, _ref, _gen, (f32,), tol=2e-4)
    rec(_prim, _fun, _ref, _gen, (f16, bf16), name=f"{_prim}_16bit")
grec("igamma", lambda a, x: lax.igamma(a, x), _uniform_gen((0.5, 5), (0.5, 5)), order=1)
grec("igamma", lambda x: lax.igamma(2.5, x), _uniform_gen((0.5, 5)), name="igamma_x")
grec("igammac", lambda a, x: lax.igammac(a, x), _uniform_gen((0.5, 5), (0.5, 5)), order=1)
grec("igamma_grad_a", lambda x: lax.igamma_grad_a(2.5, x), _uniform_gen((0.5, 5)))
grec("polygamma", lambda x: lax.polygamma(2.0, x), _uniform_gen((0.5, 5)))
grec("zeta", lambda q: lax.zeta(3.0, q), _uniform_gen((0.5, 5)))
grec("bessel_i0e", lax.bessel_i0e, gen(("nonzero", S)))
grec("bessel_i1e", lax.bessel_i1e, gen(("nonzero", S)))
grec("regularized_incomplete_beta", lambda x: lax.betainc(2.0, 3.5, x),
     _uniform_gen((0.05, 0.95)))


def _with_specials(rng, dtype):
    x = rand(rng, (3, 4), dtype)
    x.ravel()[:4] = onp.array([onp.inf, -onp.inf, onp.nan, 0.0]).astype(dtype)
    return [x]


rec("is_finite", lax.is_finite, onp.isfinite, _with_specials, FLOAT, out_dtype=to(bool_))
grec("is_finite", lambda x: lax.select_n(lax.is_finite(x), lax.neg(x), x), gen(("normal", S)))
rec("round", lambda x: lax.round(x, 0), _round_afz, unary_gen("half"), FLOAT,
    name="round_away_from_zero")
rec("round", lambda x: lax.round(x, 1), onp.round, unary_gen("half"), FLOAT,
    name="round_to_even")
grec("round", lambda x: lax.round(x, 0), gen(("offgrid", S)))
grec("round", lambda x: lax.round(x, 1), gen(("offgrid", S)), name="round_to_even")

# ---------------------------------------------------------------------------------------
# elementwise binary and comparisons


def _quotient_gen(rng, dtype):
    """x, y with x / y away from integers (where rem and mod jump)."""
    y = gen_rand(rng, S, dtype, "pos")
    q = gen_rand(rng, S, dtype, "offgrid")
    return [(q * y).astype(dtype), y]


_binary = [
    # prim, public name, NumPy reference, dtypes, generator,
    #   gradient: generator (None: no case), dtypes
    ("add", "add", onp.add, ALL_C, binary_gen(), gen(("normal", S), ("normal", S)), _RC),
    ("sub", "sub", onp.subtract, NUM_C, binary_gen(), gen(("normal", S), ("normal", S)), _RC),
    ("mul", "mul", onp.multiply, ALL_C, binary_gen(), gen(("normal", S), ("normal", S)), _RC),
    ("div", "div", _trunc_div, NUM_C, binary_gen("normal", "pos"),
     gen(("normal", S), ("nonzero", S)), _RC),
    ("rem", "rem", onp.fmod, NUM, binary_gen("normal", "pos"), _quotient_gen, REAL),
    ("pow", "pow", onp.power, INEXACT, binary_gen("pos", "normal"),
     gen(("pos", S), ("normal", S)), _RC),
    ("max", "max", onp.maximum, ALL, binary_gen(), gen(("distinct", S), ("normal", S)), REAL),
    ("min", "min", onp.minimum, ALL, binary_gen(), gen(("distinct", S), ("normal", S)), REAL),
    ("atan2", "atan2", onp.arctan2, FLOAT, binary_gen(), gen(("normal", S), ("normal", S)),
     REAL),
    ("nextafter", "nextafter", onp.nextafter, (f32, f16), binary_gen(), None, ()),
    ("and", "bitwise_and", onp.bitwise_and, INT_BOOL, binary_gen(), None, ()),
    ("or", "bitwise_or", onp.bitwise_or, INT_BOOL, binary_gen(), None, ()),
    ("xor", "bitwise_xor", onp.bitwise_xor, INT_BOOL, binary_gen(), None, ()),
    ("complex", "complex", lambda x, y: x + 1j * y, (f32,), binary_gen(),
     gen(("normal", S), ("normal", S)), REAL),
    ("eq", "eq", onp.equal, ALL_C, binary_gen("small"), None, ()),
    ("ne", "ne", onp.not_equal, ALL_C, binary_gen("small"), None, ()),
    ("lt", "lt", onp.less, ALL, binary_gen("small"), None, ()),
    ("le", "le", onp.less_equal, ALL, binary_gen("small"), None, ()),
    ("gt", "gt", onp.greater, ALL, binary_gen("small"), None, ()),
    ("ge", "ge", onp.greater_equal, ALL, binary_gen("small"), None, ()),
]
_BOOL_OUT = {"eq", "ne", "lt", "le", "gt", "ge"}
for _prim, _public, _ref, _dtypes, _gen, _grad_gen, _grad_dtypes in _binary:
    _out = to(bool_) if _prim in _BOOL_OUT else (to(c64) if _prim == "complex" else None)
    rec(_prim, getattr(lax, _public), _ref, _gen, _dtypes, out_dtype=_out)
    if _grad_gen is not None:
        grec(_prim, getattr(lax, _public), _grad_gen, _grad_dtypes)


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
grec("mul", lax.mul, gen(("normal", S), ("normal", ())), REAL + COMPLEX, name="mul_rank0_rhs")
grec("add", lax.add, gen(("normal", ()), ("normal", S)), name="add_rank0_lhs")
grec("div", lax.div, gen(("nonzero", ()), ("nonzero", S)), name="div_rank0_lhs")
grec("pow", lax.pow, gen(("pos", S), ("normal", ())), name="pow_rank0_exponent")
grec("max", lax.max, gen(("normal", ()), ("distinct", (5,))), name="max_rank0")
grec("sub", lambda x: lax.sub(2.0, x), gen(("normal", S)), name="sub_python_scalar")
grec("mul", lambda x: lax.mul(x, 3.0), gen(("normal", S)), REAL + COMPLEX,
     name="mul_python_scalar")
# comparisons have a zero derivative: what matters is that they pass no tangent on
function_grec("comparisons", lambda x, y: lax.select_n(lax.lt(x, y), x * 2, y * 3)
              + lax.select_n(lax.ge(x, y), x, y) + lax.select_n(lax.eq(x, x), y, x),
              gen(("distinct", S), ("normal", S)))


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
    def gen_(rng, dtype):
        if which_dtype == bool_:
            which = rng.random(which_shape) < 0.5
        else:
            which = rng.integers(0, n_cases, which_shape).astype(which_dtype)
        return [which] + [rand(rng, (3, 4), dtype) for _ in range(n_cases)]
    return gen_


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
_which_bool = onp.array([[True, False, True, False]] * 3)
_which_i32 = onp.array([[0, 1, 2, 1], [2, 2, 0, 0], [1, 0, 1, 2]], onp.int32)
grec("select_n", lambda a, b: lax.select_n(_which_bool, a, b),
     gen(("normal", S), ("normal", S)), REAL + COMPLEX, name="select_n_bool")
grec("select_n", lambda a, b, c: lax.select_n(_which_i32, a, b, c),
     gen(("normal", S), ("normal", S), ("normal", S)), name="select_n_int_3")
grec("select_n", lambda a, b: lax.select_n(onp.bool_(True), a, b),
     gen(("normal", S), ("normal", S)), name="select_n_scalar_which")
grec("select_n", lambda a, b: lax.select(_which_bool, a, b), gen(("normal", S), ("normal", S)),
     name="select")

rec("clamp", lambda x: lax.clamp(-1, x, 1), lambda x: onp.clip(x, -1, 1), unary_gen("small"),
    FLOAT + SINT, name="clamp_scalar_bounds")


def _clamp_gen(rng, dtype):
    lo = rand(rng, (3, 4), dtype, "small")
    return [lo, rand(rng, (3, 4), dtype), lo + onp.asarray(2).astype(dtype)]


def _clamp_grad_gen(rng, dtype):
    lo = gen_rand(rng, S, dtype, "unit") - onp.asarray(1.0).astype(dtype)
    hi = lo + onp.asarray(2.0).astype(dtype) + gen_rand(rng, S, dtype, "pos")
    x = gen_rand(rng, S, dtype, "normal") * onp.asarray(2.0).astype(dtype)
    return [lo, x, hi]


rec("clamp", lax.clamp, lambda lo, x, hi: onp.minimum(onp.maximum(x, lo), hi), _clamp_gen,
    FLOAT + (i32, u8), name="clamp_array_bounds")
grec("clamp", lambda x: lax.clamp(-1.0, x, 1.0), gen(("offgrid", S)), name="clamp_scalar_bounds")
grec("clamp", lax.clamp, _clamp_grad_gen, name="clamp_array_bounds")

for _y in (0, 1, 2, 3, 7, -1, -2):
    _kind = "pos" if _y < 0 else "small"
    rec("integer_pow", lambda x, y=_y: lax.integer_pow(x, y),
        lambda x, y=_y: (x.astype(onp.result_type(x, onp.float64)) ** y
                         if x.dtype.kind in "fc" else x ** y),
        unary_gen(_kind),
        (f32, c64) + ((i32,) if _y >= 0 else ()) + ((bf16, f16, u8, i8) if _y == 3 else ()),
        name=f"integer_pow_{_y}", tol=1e-4 if _y == 7 else None)
for _y in (0, 1, 2, 3, -1, -2, 7):
    grec("integer_pow", functools.partial(lambda x, y: lax.integer_pow(x, y), y=_y),
         gen(("nonzero", S)), REAL + (COMPLEX if _y in (2, -2) else ()),
         name=f"integer_pow_{_y}", tol=1e-2 if _y == 7 else None)

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


def _convert_quietly(x, to_dtype):
    """lax.convert_element_type without the ComplexWarning of complex -> real (which
    test_dtypes checks)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", onp.exceptions.ComplexWarning)
        return lax.convert_element_type(x, to_dtype)


for _from, _to, _kind in _conversions:
    rec("convert_element_type", lambda x, t=_to: _convert_quietly(x, t),
        _convert_ref(_to), unary_gen(_kind), (_from,), name=f"convert_{_from.name}_{_to.name}",
        out_dtype=to(_to))

rec("convert_element_type", lambda x: lax.convert_element_type(x, f32, weak_type=True),
    lambda x: x, unary_gen(), (f32,), name="convert_to_weak")

# (float32 inside: float32's step and tolerance)
grec("convert_element_type", lambda x: lax.convert_element_type(x, f32) * 1.5,
     gen(("normal", S)), ONLY64, name="convert_f64_to_f32", eps=1e-3, tol=5e-3)
grec("convert_element_type", lambda x: lax.convert_element_type(x, f64), gen(("normal", S)),
     (f32,), name="convert_f32_to_f64", needs="x64")
_TO_COMPLEX = {f32: c64, f64: c128}
_TO_REAL = {c64: f32, c128: f64}
grec("convert_element_type", lambda x: lax.convert_element_type(x, _TO_COMPLEX[
    xf.core.get_aval(x).dtype]) * (1 + 2j), gen(("normal", S)), name="convert_to_complex")
grec("convert_element_type", lambda z: _convert_quietly(z, _TO_REAL[xf.core.get_aval(z).dtype]),
     gen(("normal", S)), COMPLEX, name="convert_complex_to_real")
grec("convert_element_type", lambda x: x * lax.convert_element_type(
    lax.convert_element_type(x, i32), xf.core.get_aval(x).dtype), gen(("normal", S)),
    name="convert_to_int_and_back")
grec("convert_element_type", lambda x: lax.convert_element_type(
    x, xf.core.get_aval(x).dtype, weak_type=True) * 2, gen(("normal", S)), name="convert_weak")
grec("convert_element_type", lambda x: lax.convert_element_type(
    lax.convert_element_type(x, f16), xf.core.get_aval(x).dtype), gen(("normal", S)),
    name="reduce_precision_like_f16", modes=("rev",), order=1, eps=5e-2, tol=1e-1)

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


_S3 = (2, 3, 4)
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
rec("broadcast_in_dim", lambda x: lax.expand_dims(x, (0, 3)),
    lambda x: onp.expand_dims(x, (0, 3)), unary_gen(shape=(2, 3)), (f32, i32),
    name="expand_dims")
grec("broadcast_in_dim", lambda x: lax.broadcast_in_dim(x, (2, 3, 4), (1,)),
     gen(("normal", (3,))), REAL + COMPLEX)
grec("broadcast_in_dim", lambda x: lax.broadcast_in_dim(x, (3, 4), (0, 1)),
     gen(("normal", (1, 4))), name="broadcast_in_dim_size1")
grec("broadcast_in_dim", lambda x: lax.broadcast_in_dim(x, (2, 3), ()),
     gen(("normal", ())), name="broadcast_in_dim_scalar")
grec("broadcast_in_dim", lambda x: lax.broadcast(x, (2,)), gen(("normal", (3,))),
     name="broadcast")
grec("broadcast_in_dim", lambda x: lax.expand_dims(x, (0, 3)), gen(("normal", (2, 3))),
     name="expand_dims")

rec("reshape", lambda x: lax.reshape(x, (4, 6)), lambda x: x.reshape(4, 6),
    unary_gen(shape=_S3), ALL_C)
rec("reshape", lambda x: lax.reshape(x, (6, 4), dimensions=(2, 0, 1)),
    lambda x: x.transpose(2, 0, 1).reshape(6, 4), unary_gen(shape=_S3), (f32, i32),
    name="reshape_dimensions")
grec("reshape", lambda x: lax.reshape(x, (4, 6)), gen(("normal", (2, 3, 4))), REAL + COMPLEX)
grec("reshape", lambda x: lax.reshape(x, (6, 4), dimensions=(2, 0, 1)),
     gen(("normal", (2, 3, 4))), name="reshape_dimensions")

rec("transpose", lambda x: lax.transpose(x, (2, 0, 1)), lambda x: x.transpose(2, 0, 1),
    unary_gen(shape=_S3), ALL_C)
grec("transpose", lambda x: lax.transpose(x, (2, 0, 1)), gen(("normal", (2, 3, 4))),
     REAL + COMPLEX)

rec("squeeze", lambda x: lax.squeeze(x, (0, 2)), lambda x: x.squeeze((0, 2)),
    unary_gen(shape=(1, 3, 1, 2)), ALL)
rec("squeeze", lambda x: lax.squeeze(x, (-1,)), lambda x: x.squeeze(-1),
    unary_gen(shape=(3, 1)), (f32,), name="squeeze_negative")
grec("squeeze", lambda x: lax.squeeze(x, (0, 2)), gen(("normal", (1, 3, 1, 2))))

rec("rev", lambda x: lax.rev(x, (0, 2)), lambda x: onp.flip(x, (0, 2)), unary_gen(shape=_S3),
    ALL_C)
grec("rev", lambda x: lax.rev(x, (0, 2)), gen(("normal", (2, 3, 4))), REAL + COMPLEX)

for _config in [((1, 2, 0), (0, 1, 0)), ((0, 0, 1), (1, 0, 2)), ((-1, 1, 0), (2, -2, 0)),
                ((-1, -1, 1), (1, -1, 1)), ((0, 0, 0), (0, 0, 0))]:
    rec("pad", lambda x, c=_config: lax.pad(x, 7, c),
        lambda x, c=_config: _np_pad(x, 7, c), unary_gen(shape=(3, 4)),
        (f32, i32) + ((u8, bf16) if _config == ((-1, -1, 1), (1, -1, 1)) else ()),
        name=f"pad_{_config}")
rec("pad", lambda x, v: lax.pad(x, v, ((1, 1, 1),)), lambda x, v: _np_pad(x, v, ((1, 1, 1),)),
    args_of(("normal", (3,)), ("normal", ())), (f32, bool_), name="pad_array_value")
for _config in [((1, 2, 0), (0, 1, 0)), ((0, 0, 1), (1, 0, 2)), ((-1, 1, 0), (2, -2, 0)),
                ((-1, -1, 1), (1, -1, 1))]:
    grec("pad", functools.partial(lambda x, v, c: lax.pad(x, v, c), c=_config),
         gen(("normal", S), ("normal", ())), REAL + (COMPLEX if _config[0][2] else ()),
         name=f"pad_{_config}")

rec("concatenate", lambda a, b, c: lax.concatenate([a, b, c], 1),
    lambda a, b, c: onp.concatenate([a, b, c], 1),
    args_of(("normal", (2, 1)), ("normal", (2, 3)), ("normal", (2, 2))), ALL_C)
rec("concatenate", lambda a, b: lax.concatenate([a, b], -1),
    lambda a, b: onp.concatenate([a, b], -1), binary_gen(shape=(2,), shape2=(3,)), (f32,),
    name="concatenate_negative_axis")
grec("concatenate", lambda a, b, c: lax.concatenate([a, b, c], 1),
     gen(("normal", (2, 1)), ("normal", (2, 3)), ("normal", (2, 2))), REAL + COMPLEX)
grec("concatenate", lambda a: lax.concatenate([a, lax.sin(a), a], 0),
     gen(("normal", (2, 3))), name="concatenate_same_operand")

rec("slice", lambda x: lax.slice(x, (0, 1), (3, 4)), lambda x: x[0:3, 1:4],
    unary_gen(shape=(4, 5)), ALL_C)
rec("slice", lambda x: lax.slice(x, (1, 0), (4, 5), (2, 3)), lambda x: x[1:4:2, 0:5:3],
    unary_gen(shape=(4, 5)), (f32, i32, bool_), name="slice_strided")
rec("slice", lambda x: lax.slice(x, (2,), (2,)), lambda x: x[2:2],
    unary_gen(shape=(4,)), (f32,), name="slice_empty")
grec("slice", lambda x: lax.slice(x, (0, 1), (3, 4)), gen(("normal", (4, 5))), REAL + COMPLEX)
grec("slice", lambda x: lax.slice(x, (1, 0), (4, 5), (2, 3)), gen(("normal", (4, 5))),
     name="slice_strided")


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
for _starts in [(1, 2), (3, 4), (-1, -3), (100, -100)]:
    grec("dynamic_slice",
         functools.partial(lambda x, s: lax.dynamic_slice(x, s, (2, 3)), s=_starts),
         gen(("normal", (4, 5))), REAL + (COMPLEX if _starts == (1, 2) else ()),
         name=f"dynamic_slice_{_starts}")
    grec("dynamic_update_slice",
         functools.partial(lambda x, u, s: lax.dynamic_update_slice(x, u, s), s=_starts),
         gen(("normal", (4, 5)), ("normal", (2, 3))),
         REAL + (COMPLEX if _starts == (1, 2) else ()), name=f"dynamic_update_slice_{_starts}")
grec("dynamic_slice", lambda x: lax.dynamic_slice(x, (onp.int32(2), onp.uint8(1)), (2, 2)),
     gen(("normal", (4, 3))), name="dynamic_slice_array_index")

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
    # prim, function, reference, dtypes, input kind, gradient: input kind (None: no case)
    ("reduce_sum", lax.reduce_sum, _np_reduce(onp.sum), NUM_C, "normal", "normal"),
    ("reduce_prod", lax.reduce_prod, _np_reduce(onp.prod), NUM_C, "small", "nonzero"),
    ("reduce_max", lax.reduce_max, _np_reduce(onp.max, _lowest), ALL, "normal", "distinct"),
    ("reduce_min", lax.reduce_min, _np_reduce(onp.min, _highest), ALL, "normal", "distinct"),
    ("reduce_and", lax.reduce_and, _np_reduce(onp.bitwise_and.reduce), INT_BOOL, "normal", None),
    ("reduce_or", lax.reduce_or, _np_reduce(onp.bitwise_or.reduce), INT_BOOL, "normal", None),
    ("reduce_xor", lax.reduce_xor, _np_reduce(onp.bitwise_xor.reduce), INT_BOOL, "normal", None),
]
for _prim, _fn, _ref, _dtypes, _kind, _grad_kind in _reductions:
    for _axes in [(1,), (0, 1)]:
        rec(_prim, lambda x, f=_fn, a=_axes: f(x, a), _ref(_axes), unary_gen(_kind, (3, 4)),
            _dtypes if _axes == (1,) else _dtypes[:1], name=f"{_prim}_{_axes}")
    rec(_prim, lambda x, f=_fn: f(x, (0,)), _ref((0,)), unary_gen(_kind, (0, 3)),
        (f32, i32) if _prim not in ("reduce_and", "reduce_or", "reduce_xor") else (i32, bool_),
        name=f"{_prim}_empty")
    if _grad_kind is not None:
        for _axes in [(1,), (0, 1)]:
            grec(_prim, functools.partial(lambda x, f, a: f(x, a), f=_fn, a=_axes),
                 gen((_grad_kind, S)),
                 REAL + (COMPLEX if _prim in ("reduce_sum", "reduce_prod") else ()),
                 name=f"{_prim}_{_axes}")
rec("reduce_max", lambda x: lax.reduce_max(x, (1,)), lambda x: onp.max(x, 1),
    _with_specials, (f32,), name="reduce_max_nan")
rec("reduce_min", lambda x: lax.reduce_min(x, (1,)), lambda x: onp.min(x, 1),
    _with_specials, (f32,), name="reduce_min_nan")
grec("reduce_sum", lambda x: lax.reduce_sum(x, ()), gen(("normal", S)),
     name="reduce_sum_no_axes")


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
# argmax's derivative is zero: this checks that its (integer) result passes none on
grec("argmax", lambda x: x * lax.convert_element_type(
    lax.argmax(x, 1, onp.int32), xf.core.get_aval(x).dtype)[:, None], gen(("distinct", S)),
    name="argmax_gather_like")


def _einsum(spec, out=None):
    def ref(a, b):
        a, b = upcast(a), upcast(b)
        wide = onp.result_type(a, b)
        wide = onp.float64 if wide.kind in "fiub" else onp.complex128
        r = onp.einsum(spec, a.astype(wide), b.astype(wide))
        return r if out is None else r.astype(out)
    return ref


DOTS = [
    # name, lhs shape, rhs shape, dimension numbers, einsum
    ("matmul", (2, 3), (3, 4), (((1,), (0,)), ((), ())), "ij,jk->ik"),
    ("vector", (3,), (3,), (((0,), (0,)), ((), ())), "i,i->"),
    ("outer", (2,), (3,), (((), ()), ((), ())), "i,j->ij"),
    ("batch", (2, 3, 4), (2, 4, 5), (((2,), (1,)), ((0,), (0,))), "bij,bjk->bik"),
    ("batch_middle", (3, 2, 4), (4, 5, 2), (((2,), (0,)), ((1,), (2,))), "ibj,jkb->bik"),
    ("two_contracting", (2, 3, 4), (4, 3, 5), (((1, 2), (1, 0)), ((), ())), "ijk,kjl->il"),
    ("transposed_rhs", (2, 3), (4, 3), (((1,), (1,)), ((), ())), "ij,kj->ik"),
]
for _name, _ls, _rs, _dn, _spec in DOTS:
    rec("dot_general", lambda a, b, d=_dn: lax.dot_general(a, b, d), _einsum(_spec),
        args_of(("small", _ls), ("small", _rs)),
        (f32, i32, bf16, c64) + ((f16, i8, u8, bool_) if _name == "matmul" else ()),
        name=f"dot_general_{_name}")
    grec("dot_general",
         functools.partial(lambda a, b, d: lax.dot_general(a, b, d), d=_dn),
         gen(("normal", _ls), ("normal", _rs)),
         REAL + (COMPLEX if _name in ("matmul", "batch_middle") else ()),
         name=f"dot_general_{_name}")
for _in, _out in [(i8, i32), (bf16, f32), (f16, f32), (i32, f32)]:
    rec("dot_general", lambda a, b, o=_out: lax.dot_general(
            a, b, (((1,), (0,)), ((), ())), preferred_element_type=o),
        _einsum("ij,jk->ik"), args_of(("small", (2, 3)), ("small", (3, 4))), (_in,),
        name=f"dot_general_preferred_{_in.name}_{_out.name}", out_dtype=to(_out))
rec("dot_general", lambda a, b: lax.dot(a, b, precision="highest"), _einsum("ij,j->i"),
    args_of(("normal", (2, 3)), ("normal", (3,))), (f32,), name="dot_highest")
grec("dot_general", lambda a: lax.dot_general(a, a, (((1,), (1,)), ((), ()))),
     gen(("normal", (2, 3))), name="dot_general_same_operand")
grec("dot_general", lambda a, b: lax.dot_general(
    a, b, (((1,), (0,)), ((), ())), preferred_element_type=xf.core.get_aval(a).dtype),
    gen(("normal", (2, 3)), ("normal", (3, 4))), name="dot_general_preferred")


def _sort_gen(shape=(3, 5)):
    def gen_(rng, dtype):
        x = rand(rng, shape, dtype, "small")
        if onp.dtype(dtype).kind == "f" or dtype in LOW_PRECISION:
            flat = x.reshape(-1)
            flat[[0, 4, 7]] = onp.nan
            flat[2] = onp.copysign(onp.nan, -1).astype(dtype)  # NaN with the sign bit set
        return [x]
    return gen_


for _dim in (-1, 0):
    rec("sort", lambda x, d=_dim: lax.sort(x, d), lambda x, d=_dim: onp.sort(x, d),
        _sort_gen(), ALL + (f16, i8), name=f"sort_dim{_dim}")
# complex keys: by real part, then imaginary part (NumPy's order, and JAX's)
rec("sort", lambda x: lax.sort(x), onp.sort, unary_gen("small"), (c64,), name="sort_complex")


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
grec("sort", lambda x: lax.sort(x), gen(("distinct", (6,))), name="sort_1d")
grec("sort", lambda x: lax.sort(x), gen(("distinct", (6,))), COMPLEX, name="sort_complex")
grec("sort", lambda x: lax.sort(x, 0), gen(("distinct", S)), name="sort_dim0")
grec("sort", lambda x: lax.sort(x, -1), gen(("distinct", S)), name="sort_dim-1")
grec("sort", lambda k, v: lax.sort_key_val(k, v), gen(("distinct", (2, 5)), ("normal", (2, 5))),
     name="sort_key_val")
# the first key has ties (broken by the second): it is held fixed, a perturbation would
# reorder the ties
_k1 = onp.array([1, 0, 1, 0, 2], onp.int32)
grec("sort", lambda k2, v: tuple(lax.sort([_k1, k2, v], 0, num_keys=2))[1:],
     gen(("distinct", (5,)), ("normal", (5,))), name="sort_two_keys")
grec("sort", lambda v: lax.sort_key_val(_k1, v)[1], gen(("normal", (5,))), name="sort_int_key")

# ---------------------------------------------------------------------------------------
# gather and the scatters, cumulative reductions

GD, SD = lax.GatherDimensionNumbers, lax.ScatterDimensionNumbers
GATHER_ROWS = GD(offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,))
SCATTER_ROWS = SD(update_window_dims=(1,), inserted_window_dims=(0,),
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
    rec("gather", lambda x, m=_mode: lax.gather(x, _ROWS, GATHER_ROWS, (1, 3), mode=m),
        lambda x, m=_mode: _np_gather_rows(m, _default_fill(x.dtype))(x),
        unary_gen(shape=(4, 3)), (f32, bf16, c64, i8, u8, bool_) if _mode == "fill" else ALL_C,
        name="gather_rows" if _mode == "clip" else "gather_rows_fill")
rec("gather", lambda x: lax.gather(x, _ROWS, GATHER_ROWS, (1, 3), mode="fill", fill_value=7),
    _np_gather_rows("fill", 7), unary_gen(shape=(4, 3)), (f32, i32, u8),
    name="gather_fill_value")
_POINTS = onp.array([[0, 1], [3, 2], [1, 0]], onp.int32)
rec("gather", lambda x: lax.gather(x, _POINTS, GD((1,), (0,), (0, 1)), (1, 2)),
    lambda x: onp.stack([x[r, c:c + 2] for r, c in _POINTS]), unary_gen(shape=(4, 4)),
    (f32, i32), name="gather_windows")
rec("gather", lambda x, i: lax.gather(x, i, GD((), (1,), (1,), (0,), (0,)), (1, 1)),
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
        rec(_kind, lambda x, u, k=_kind, m=_mode, i=_rows: getattr(lax, k)(x, i, u, SCATTER_ROWS,
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


rec("scatter_add", lambda x, i, u: lax.scatter_add(x, i, u, SD((), (1,), (1,), (0,), (0,))),
    _np_scatter_batched,
    lambda rng, dtype: [rand(rng, (3, 5), dtype),
                        rng.integers(0, 5, (3, 2, 1)).astype(onp.int32), rand(rng, (3, 2), dtype)],
    (f32, i32), name="scatter_add_batching_dims")

# gradients with JAX's dimension numbers: rows of x (a repeated index: its cotangents add
# up), points, windows
_grad_rows = onp.array([[2], [0], [2]], onp.int32)
_grad_rows_unique = onp.array([[2], [0]], onp.int32)
_gdn_points = GD(offset_dims=(), collapsed_slice_dims=(0, 1), start_index_map=(0, 1))
grec("gather", lambda x: lax.gather(x, _grad_rows, GATHER_ROWS, (1, 4)), gen(("normal", S)),
     REAL + COMPLEX, name="gather_rows")
grec("gather", lambda x: lax.gather(
    x, onp.array([[0, 1], [2, 3], [0, 1], [1, 0]], onp.int32), _gdn_points, (1, 1)),
    gen(("normal", S)), name="gather_points")
grec("gather", lambda x: lax.gather(x, onp.array([[1], [0]], onp.int32), GATHER_ROWS, (1, 2)),
     gen(("normal", S)), name="gather_window")
grec("scatter_add", lambda x, u: lax.scatter_add(x, _grad_rows, u, SCATTER_ROWS),
     gen(("normal", S), ("normal", (3, 4))), REAL + COMPLEX, name="scatter_add_rows")
grec("scatter", lambda x, u: lax.scatter(x, _grad_rows_unique, u, SCATTER_ROWS,
                                         unique_indices=True),
     gen(("normal", S), ("normal", (2, 4))), name="scatter_rows_unique")
grec("scatter_mul", lambda x, u: lax.scatter_mul(x, _grad_rows_unique, u, SCATTER_ROWS,
                                                 unique_indices=True),
     gen(("nonzero", S), ("nonzero", (2, 4))), name="scatter_mul_rows")
grec("scatter_max", lambda x, u: lax.scatter_max(x, _grad_rows_unique, u, SCATTER_ROWS),
     lambda rng, dtype: [gen_rand(rng, S, dtype, "distinct"),
                         gen_rand(rng, (2, 4), dtype, "distinct") + onp.asarray(0.05, dtype)],
     name="scatter_max_rows")
grec("scatter_min", lambda x, u: lax.scatter_min(x, _grad_rows_unique, u, SCATTER_ROWS),
     lambda rng, dtype: [gen_rand(rng, S, dtype, "distinct"),
                         gen_rand(rng, (2, 4), dtype, "distinct") + onp.asarray(0.05, dtype)],
     name="scatter_min_rows")


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
    # prim, reference, dtypes, input kind, gradient: input kind, dtypes
    ("cumsum", onp.cumsum, NUM_C + (i8,), "small", "normal", _RC),
    ("cumprod", onp.cumprod, (f32, bf16, i32, c64), "small", "nonzero", _RC),
    ("cummax", onp.maximum.accumulate, (f32, bf16, i32, u8, f16), "normal", "distinct", REAL),
    ("cummin", onp.minimum.accumulate, (f32, bf16, i32, u8, f16), "normal", "distinct", REAL),
    ("cumlogsumexp", onp.logaddexp.accumulate, (f32, bf16, f16), "normal", "normal", REAL),
]
for _prim, _np_fn, _dtypes, _kind, _grad_kind, _grad_dtypes in _cumulative:
    for _axis, _reverse in [(0, False), (1, True), (-1, False)]:
        rec(_prim, lambda x, p=_prim, a=_axis, r=_reverse: getattr(lax, p)(x, a, reverse=r),
            _np_cumulative(_np_fn)(_axis, _reverse), unary_gen(_kind, (3, 5)),
            _dtypes if _axis == 0 else _dtypes[:1],
            name=_prim if _axis == 0 else f"{_prim}_{_axis}{'_reverse' if _reverse else ''}")
    rec(_prim, lambda x, p=_prim: getattr(lax, p)(x, 0), lambda x: x,
        unary_gen(shape=(0, 3)), (f32,), name=f"{_prim}_empty")
    for _axis, _reverse in [(0, False), (1, True)]:
        grec(_prim, functools.partial(lambda x, op, a, r: getattr(lax, op)(x, axis=a, reverse=r),
                                      op=_prim, a=_axis, r=_reverse),
             gen((_grad_kind, S)), _grad_dtypes,
             name=f"{_prim}_{_axis}{'_reverse' if _reverse else ''}")
rec("cummax", lambda x: lax.cummax(x, 1), lambda x: onp.maximum.accumulate(x, 1),
    _with_specials, (f32,), name="cummax_nan")
rec("cumlogsumexp", lambda x: lax.cumlogsumexp(x, 1), lambda x: onp.logaddexp.accumulate(x, 1),
    _with_specials, (f32,), name="cumlogsumexp_specials")

# ---------------------------------------------------------------------------------------
# pjit (a jitted function called inside a transformation), custom_jvp_call,
# custom_vjp_call, checkpoint, stop_gradient

_inner = xf.jit(lambda x, y: lax.sin(x) * y)
rec("pjit", lambda x, y: _inner(x, y) + 1, lambda x, y: onp.sin(x) * y + 1, binary_gen(), (f32,))
_jitted = xf.jit(lambda x, y: lax.sin(x) * y + lax.exp(y))
_jitted_nested = xf.jit(lambda x: _jitted(x, x) * 2)
grec("pjit", lambda x, y: _jitted(x, y), gen(("normal", S), ("normal", S)), REAL + (c64,))
grec("pjit", lambda x: _jitted_nested(x) + 1, gen(("normal", S)), name="pjit_nested")
grec("pjit", lambda x: xf.jit(lambda a: a * x)(lax.cos(x)), gen(("normal", S)),
     name="pjit_closure")


@xf.custom_jvp
def _sin_twice(x):
    return lax.sin(x) * 2


_sin_twice.defjvp(lambda primals, tangents: (_sin_twice(primals[0]),
                                             lax.cos(primals[0]) * 2 * tangents[0]))
rec("custom_jvp_call", _sin_twice, lambda x: onp.sin(x) * 2, unary_gen(), FLOAT)
grec("custom_jvp_call", _sin_twice, gen(("normal", S)))


@xf.custom_vjp
def _sin_twice_vjp(x):
    return lax.sin(x) * 2


_sin_twice_vjp.defvjp(lambda x: (_sin_twice_vjp(x), lax.cos(x)),
                      lambda cos_x, ct: (cos_x * 2 * ct,))
rec("custom_vjp_call", _sin_twice_vjp, lambda x: onp.sin(x) * 2, unary_gen(), FLOAT)
# forward mode of a custom_vjp function is an error (as in JAX)
grec("custom_vjp_call", _sin_twice_vjp, gen(("normal", S)), modes=("rev",))

_remat = xf.checkpoint(lambda x: lax.sin(lax.sin(x)) * x)
rec("checkpoint", _remat, lambda x: onp.sin(onp.sin(x)) * x, unary_gen(), FLOAT)
grec("checkpoint", _remat, gen(("normal", S)))

# (of a computed value: today lax.stop_gradient hands a NumPy array back as it is, not as an
# Array, eagerly and under vmap: its impl returns its input)
rec("stop_gradient", lambda x: lax.stop_gradient(lax.neg(x)), onp.negative, unary_gen(),
    INEXACT)

# ---------------------------------------------------------------------------------------
# control flow (NumPy cases: tests/test_control_flow.py)

_true, _false = onp.bool_(True), onp.bool_(False)
# (eager control flow recompiles at every call under jvp/vjp, which makes these cases slow:
# the second branch runs to order 1 only)
for _pred_name, _pred, _dtypes in [("true", _true, REAL), ("false", _false, (f32,))]:
    grec("cond", functools.partial(
        lambda x, y, p: lax.cond(p, lambda a, b: lax.sin(a) * b, lambda a, b: a - b * b, x, y),
        p=_pred), gen(("normal", S), ("normal", S)), _dtypes, name=f"cond_{_pred_name}")
grec("cond", lambda x: lax.cond(lax.reduce_sum(x, (0, 1)) > -100.0,
                                lambda a: lax.exp(a), lambda a: a, x),
     gen(("normal", S)), name="cond_traced_pred")
grec("cond", lambda x: lax.switch(onp.int32(1), [lambda a: a, lax.sin, lax.cos], x),
     gen(("normal", S)), name="switch")
grec("scan", lambda c, xs: lax.scan(lambda c, x: (c * x + 1, lax.sin(c) * x), c, xs),
     gen(("normal", (4,)), ("unit", (3, 4))))
grec("scan", lambda xs: lax.scan(lambda c, x: (c + x * c, c), xs[0], xs, reverse=True)[1],
     gen(("unit", (3, 2))), name="scan_reverse")
grec("scan", lambda x: lax.fori_loop(0, 3, lambda i, c: c * x + lax.sin(c), x),
     gen(("unit", S)), name="fori_loop")
grec("scan", lambda x: lax.map(lambda r: r * lax.sin(r), x), gen(("normal", S)), name="lax_map")
grec("while", lambda x: lax.while_loop(
    lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1] * 1.1 + lax.sin(c[1])), (0, x))[1],
    gen(("normal", S)), name="while_loop", modes=("fwd",))

vrec("cond", "cond", lambda p, x, y: lax.cond(p > 0, lambda a, b: a * b, lambda a, b: a - b,
                                              x, y),
     lambda rng, dtype: [rng.standard_normal(()).astype(dtype),
                         rng.standard_normal(S).astype(dtype),
                         rng.standard_normal(S).astype(dtype)])
vrec("cond", "switch", lambda i, x: lax.switch(i, [lambda a: a, lax.sin, lambda a: a * 3], x),
     lambda rng, dtype: [rng.integers(0, 3, ()).astype(onp.int32),
                         rng.standard_normal(S).astype(dtype)])
vrec("scan", "scan", lambda c, xs: lax.scan(lambda c, x: (c * x + 1, lax.sin(c) + x), c, xs),
     lambda rng, dtype: [rng.standard_normal(4).astype(dtype),
                         rng.uniform(-0.9, 0.9, (3, 4)).astype(dtype)])
vrec("scan", "fori_loop", lambda x: lax.fori_loop(0, 3, lambda i, c: c * x + i, x),
     lambda rng, dtype: [rng.uniform(-0.9, 0.9, S).astype(dtype)])
vrec("scan", "lax_map", lambda x: lax.map(lambda r: np.sum(r) * r, x),
     lambda rng, dtype: [rng.standard_normal(S).astype(dtype)])
vrec("while", "while_loop_batched_predicate", lambda n, x: lax.while_loop(
    lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * 2.0), (onp.int32(0), x))[1],
    lambda rng, dtype: [rng.integers(0, 4, ()).astype(onp.int32),
                        rng.standard_normal(S).astype(dtype)])
vrec("while", "fori_loop_traced_bounds", lambda n, x: lax.fori_loop(0, n, lambda i, c: c + i, x),
     lambda rng, dtype: [rng.integers(0, 4, ()).astype(onp.int32),
                         rng.standard_normal(S).astype(dtype)])

# ---------------------------------------------------------------------------------------
# functions composed of several primitives: lax compositions and xlafront.numpy

function_grec("associative_scan", lambda x: lax.associative_scan(lax.mul, x, axis=1),
              gen(("nonzero", S)))
function_vrec("associative_scan", lambda x: lax.associative_scan(lax.add, x, axis=1),
              lambda rng, dtype: [rng.standard_normal(S).astype(dtype)])

_idx = onp.array([2, 0, 2, 1], onp.int32)
_np_grads = [
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
for _name, _fun, _gen in _np_grads:
    function_grec(_name, _fun, _gen,
                  **({"eps": 1e-3, "tol": 5e-3} if _name == "np_astype" else {}))
function_grec("np_vdot_complex", lambda a, b: np.vdot(a, b),
              gen(("normal", (4,)), ("normal", (4,))), COMPLEX)
function_grec("np_abs_complex", lambda z: np.abs(z), gen(("nonzero", S)), COMPLEX)
function_grec("np_angle", lambda z: np.angle(z), gen(("pos", S)), COMPLEX)
function_grec("np_matmul_complex", lambda a, b: a @ b, gen(("normal", (2, 3)), ("normal", (3, 4))),
              COMPLEX)
function_grec("np_real_imag", lambda z: np.real(z) * np.imag(z), gen(("normal", S)), COMPLEX)
function_grec("np_index_array", lambda x: np.asarray(x)[_idx], gen(("normal", S)),
              needs="array_indexing")
function_grec("np_take", lambda x: np.take(x, _idx, axis=1), gen(("normal", S)))
function_grec("np_take_along_axis", lambda x: np.take_along_axis(
    x, onp.array([[0, 2], [1, 1], [3, 0]], onp.int32), axis=1), gen(("normal", S)))
function_grec("np_at_add_array_index", lambda x, u: np.asarray(x).at[_idx].add(u),
              gen(("normal", S), ("normal", (4, 4))), needs="array_indexing")
for _op in ("cumsum", "cumprod"):
    function_grec(f"np_{_op}", functools.partial(lambda x, op: getattr(np, op)(x, axis=1), op=_op),
                  gen(("nonzero", S)))

_np_vmaps = [
    ("np_matmul", lambda a, b: a @ b, (("normal", (2, 3)), ("normal", (3, 4)))),
    ("np_matmul_vec", lambda a, b: np.matmul(a, b), (("normal", (3,)), ("normal", (3, 4)))),
    ("np_where", lambda c, x, y: np.where(c > 0, x, y),
     (("normal", S), ("normal", S), ("normal", (4,)))),
    ("np_clip", lambda x: np.clip(x, -1, 1), (("normal", S),)),
    ("np_index", lambda x: x[1:, ::2] + x[0, 1], (("normal", S),)),
    ("np_index_traced", lambda x, i: np.asarray(x)[np.asarray(i).astype(np.int32)],
     (("normal", S), ("pos", ()))),
    ("np_at_set", lambda x, u: np.asarray(x).at[1, 1:3].set(u),
     (("normal", S), ("normal", (2,)))),
    ("np_at_add", lambda x, u: np.asarray(x).at[0].add(u), (("normal", S), ("normal", (4,)))),
    ("np_sum_axis", lambda x: np.sum(x, axis=1, keepdims=True), (("normal", S),)),
    ("np_mean_var", lambda x: (np.mean(x), np.var(x, axis=0)), (("normal", S),)),
    ("np_max", lambda x: np.max(x, axis=0), (("normal", S),)),
    ("np_argmax", lambda x: np.argmax(x, axis=1), (("distinct", S),)),
    ("np_sort", lambda x: np.sort(x, axis=0), (("normal", S),)),
    ("np_argsort", lambda x: np.argsort(x, axis=-1), (("distinct", S),)),
    ("np_pad", lambda x: np.pad(x, ((1, 0), (2, 1))), (("normal", S),)),
    ("np_concatenate", lambda x, y: np.concatenate([x, y], axis=1),
     (("normal", S), ("normal", (3, 2)))),
    ("np_stack", lambda x, y: np.stack([x, y], axis=-1), (("normal", S), ("normal", S))),
    ("np_split", lambda x: tuple(np.split(x, 2, axis=1)), (("normal", S),)),
    ("np_transpose", lambda x: np.transpose(x), (("normal", (2, 3, 4)),)),
    ("np_reshape", lambda x: np.reshape(x, (-1, 2)), (("normal", S),)),
    ("np_broadcast", lambda x, y: x * y, (("normal", (3, 1)), ("normal", (4,)))),
    ("np_roll", lambda x: np.roll(x, 1, axis=0), (("normal", S),)),
    ("np_tril", lambda x: np.tril(x), (("normal", S),)),
    ("np_tensordot", lambda a, b: np.tensordot(a, b, axes=1), (("normal", S), ("normal", (4, 2)))),
    ("np_outer", lambda a, b: np.outer(a, b), (("normal", (3,)), ("normal", (2,)))),
    ("np_expand_squeeze", lambda x: np.squeeze(np.expand_dims(x, 0), 0), (("normal", S),)),
    ("np_repeat_tile", lambda x: np.tile(np.repeat(x, 2, axis=1), (2, 1)), (("normal", S),)),
    ("np_logaddexp", lambda x, y: np.logaddexp(x, y), (("normal", S), ("normal", S))),
    ("np_astype", lambda x: x.astype(np.int32), (("normal", S),)),
    ("np_scalar_output", lambda x: np.sum(x) * 2.0, (("normal", S),)),
    ("np_constant_output", lambda x: (np.ones(3), x * 2), (("normal", S),)),
    ("np_take", lambda x: np.take(x, onp.array([2, 0, 2]), axis=1), (("normal", S),)),
    ("np_take_along_axis", lambda x, i: np.take_along_axis(
        x, np.asarray(i).astype(np.int32), axis=1), (("normal", S), ("pos", (3, 2)))),
    ("np_cumsum", lambda x: np.cumsum(x, axis=0), (("normal", S),)),
]
for _name, _fun, _specs in _np_vmaps:
    function_vrec(_name, _fun, gen(*_specs))

# ---------------------------------------------------------------------------------------
# exemptions: the one place a primitive opts out of a registry check, with the reason

CHECKS = {
    "lowering": "an abstract_eval and a lowering rule (test_lax)",
    "record": "a NumPy case in its op record (test_lax)",
    "jvp": "a jvp rule in ad.primitive_jvps (test_ad)",
    "transpose": "a transpose rule in ad.primitive_transposes, for a linear primitive (test_ad)",
    "grad": "a gradient case binding it, for a primitive with a jvp rule (test_ad)",
    "batch": "a batching rule in batching.primitive_batchers or batchers_with_trace (test_vmap)",
    "vmap": "a vmap case binding it, for a primitive with a batching rule (test_vmap)",
}

_CONTROL_FLOW = ("carries IR (its bodies), which a NumPy case cannot express: tested in "
                 "tests/test_control_flow.py (its gradient and vmap cases are here)")
_COLLECTIVE = "needs a named axis: tested in tests/test_parallel.py"
_COLLECTIVE_GRAD = ("needs a named axis, bound away by the vmap that gives it, so no gradient "
                    "case can bind it: derivatives in tests/test_parallel.py")
_COLLECTIVE_VMAP = ("needs a named axis (vmap's axis_name), which a vmap case does not give: "
                    "test_vmap.py::test_collectives_under_vmap and tests/test_parallel.py")
_PMAP = ("carries IR (its body) and runs on several devices: tests/test_pmap.py checks it "
         "eagerly and under jit, grad, vmap and nesting against NumPy")
_ZERO = ("integer or boolean results: its jvp gives zero (float0) tangents and finite "
         "differences have nothing to check (float0 tangents: "
         "test_ad.py::test_integer_outputs_get_float0_tangents)")
_ONLY_LINEAR = ("exists only in the linear programs made by linearizing custom_vjp_call, which "
                "reverse mode transposes (calling the bwd rule); evaluating it is forward mode "
                "of a custom_vjp function, an error as in JAX: "
                "test_custom_derivatives.py::test_custom_vjp_forward_mode_is_an_error")

EXEMPT = {
    "cond": {"record": _CONTROL_FLOW},
    "while": {"record": _CONTROL_FLOW},
    "scan": {"record": _CONTROL_FLOW},
    "psum": {"record": _COLLECTIVE, "grad": _COLLECTIVE_GRAD, "vmap": _COLLECTIVE_VMAP},
    "pmax": {"record": _COLLECTIVE, "grad": _COLLECTIVE_GRAD, "vmap": _COLLECTIVE_VMAP},
    "pmin": {"record": _COLLECTIVE, "grad": _COLLECTIVE_GRAD, "vmap": _COLLECTIVE_VMAP},
    "all_gather": {"record": _COLLECTIVE, "grad": _COLLECTIVE_GRAD, "vmap": _COLLECTIVE_VMAP},
    "axis_index": {"record": _COLLECTIVE, "grad": _COLLECTIVE_GRAD, "vmap": _COLLECTIVE_VMAP},
    "ppermute": {"record": _COLLECTIVE, "grad": _COLLECTIVE_GRAD, "vmap": _COLLECTIVE_VMAP},
    "all_to_all": {"record": _COLLECTIVE, "grad": _COLLECTIVE_GRAD, "vmap": _COLLECTIVE_VMAP},
    "reduce_scatter": {"record": _COLLECTIVE, "grad": _COLLECTIVE_GRAD,
                       "vmap": _COLLECTIVE_VMAP},
    "xla_pmap": {"record": _PMAP, "grad": _PMAP, "vmap": _PMAP},
    "iota": {"jvp": "no array operands: nothing to differentiate (JAX has none either)",
             "batch": "no array operands: never batched (vmap broadcasts its unmapped output)"},
    "custom_lin": {"record": _ONLY_LINEAR, "jvp": _ONLY_LINEAR, "vmap": _ONLY_LINEAR},
    "stop_gradient": {"grad": "its derivative is zero by definition, not the function's, so "
                              "finite differences disagree on purpose: test_ad.py::"
                              "test_stop_gradient and test_custom_derivatives.py"},
    "bitcast_convert_type": {"grad": "reinterprets bits: zero derivative by convention "
                                     "(ad.defzero, as JAX), nothing finite differences can "
                                     "check"},
    "nextafter": {"grad": "zero derivative by convention (ad.defzero, as JAX) though "
                          "nextafter(x, y) moves with x: finite differences disagree on purpose"},
}
# Host callbacks run a Python function: tests/test_callback.py checks each against the
# function's own results, under jit, vmap (each vmap_method) and grad.
_CALLBACK = "a host callback: tests/test_callback.py runs it under each transformation"
for _prim in ("pure_callback", "io_callback", "debug_callback"):
    EXEMPT[_prim] = {"record": _CALLBACK, "grad": _CALLBACK, "vmap": _CALLBACK}
_CUSTOM_VMAP = ("runs the user's vmap rule, not a fixed computation: tests/test_stages.py "
                "checks it against hand-computed values under vmap, jvp, jit and grad")
EXEMPT["custom_vmap_call"] = {"record": _CUSTOM_VMAP, "grad": _CUSTOM_VMAP, "vmap": _CUSTOM_VMAP}
for _prim in ("not", "xor", "le", "shift_left", "shift_right_arithmetic",
              "shift_right_logical", "population_count", "clz", "argmin", "reduce_and",
              "reduce_or", "reduce_xor"):
    EXEMPT.setdefault(_prim, {})["grad"] = _ZERO

# Primitives linear in their (differentiated) operands, beside those whose jvp rule is made
# with ad.deflinear / ad.defbilinear (the test reads those from the rule): JAX gives each a
# transpose rule, because tangent programs contain them.
LINEAR = {
    "add", "sub", "neg", "mul", "div", "conj", "real", "imag", "complex",
    "convert_element_type", "select_n", "broadcast_in_dim", "reshape", "transpose",
    "squeeze", "rev", "pad", "concatenate", "slice", "dynamic_slice", "dynamic_update_slice",
    "reduce_sum", "dot_general", "cumsum", "gather", "scatter_add", "scatter", "pjit",
    "psum", "all_gather", "custom_lin", "ppermute", "all_to_all", "reduce_scatter", "xla_pmap",
}


# =======================================================================================
# fft, convolutions, windowed reductions (xlafront/lax/fourier.py, convolution.py and
# windowed_reductions.py) and the NumPy functions over them (numpy/fft.py, _signal.py,
# _einsum.py). References: numpy.fft, and the direct loops below.
# =======================================================================================
import xlafront.numpy.fft as np_fft  # noqa: E402
from xlafront.lax.convolution import conv_general_dilated  # noqa: E402
from xlafront.lax import fft as lax_fft  # noqa: E402
from xlafront.lax.windowed_reductions import (reduce_window,  # noqa: E402
                                              select_and_gather_add_p,
                                              select_and_scatter_add_p)
from xlafront.numpy._einsum import einsum  # noqa: E402
from xlafront.numpy._signal import convolve, correlate  # noqa: E402

for _name, _type, _lengths, _ref, _dtypes, _shape, _out in [
    ("fft", "fft", (5,), lambda x: onp.fft.fft(x), (c64,), (3, 5), None),
    ("fft_real_input", "fft", (5,), lambda x: onp.fft.fft(x), (f32, i32), (3, 5), to(c64)),
    ("ifft_2d", "ifft", (3, 4), lambda x: onp.fft.ifft2(x), (c64,), (2, 3, 4), None),
    ("fft_3d", "fft", (2, 3, 4), lambda x: onp.fft.fftn(x), (c64,), (2, 3, 4), None),
    ("rfft", "rfft", (6,), lambda x: onp.fft.rfft(x), (f32,), (3, 6), to(c64)),
    ("rfft_2d", "rfft", (3, 5), lambda x: onp.fft.rfft2(x), (f32,), (2, 3, 5), to(c64)),
    ("irfft", "irfft", (6,), lambda x: onp.fft.irfft(x, 6), (c64,), (3, 4), to(f32)),
    ("irfft_odd_2d", "irfft", (3, 5), lambda x: onp.fft.irfft2(x, (3, 5)), (c64,), (2, 3, 3),
     to(f32)),
]:
    rec("fft", lambda x, t=_type, n=_lengths: lax_fft(x, t, n), _ref, unary_gen(shape=_shape),
        _dtypes, name=f"fft_{_name}" if _name != "fft" else "fft", out_dtype=_out)
for _name, _type, _lengths, _shape, _dtypes in [
    ("fft", "fft", (4,), (3, 4), COMPLEX), ("ifft_2d", "ifft", (3, 4), (2, 3, 4), COMPLEX),
    ("rfft", "rfft", (6,), (3, 6), REAL), ("rfft_odd_2d", "rfft", (3, 5), (3, 5), REAL),
    ("irfft", "irfft", (6,), (3, 4), COMPLEX), ("irfft_odd_2d", "irfft", (3, 5), (3, 3), COMPLEX),
]:
    grec("fft", functools.partial(lambda x, t, n: lax_fft(x, t, n), t=_type, n=_lengths),
         gen(("normal", _shape)), _dtypes, name=f"fft_{_name}")


def _np_conv(lhs, rhs, strides, padding, lhs_dilation=None, rhs_dilation=None, dn=None,
             feature_group_count=1, batch_group_count=1):
    """conv_general_dilated by its definition: each output element is the sum over one
    window of the dilated, padded input (in (N, C, spatial) order) times the dilated
    kernel, within the element's feature (or batch) group."""
    nsp = lhs.ndim - 2
    lhs_spec, rhs_spec, out_spec = dn or (tuple(range(lhs.ndim)),) * 3
    x, w = onp.transpose(lhs, lhs_spec), onp.transpose(rhs, rhs_spec)

    def dilate(a, d):
        out = onp.zeros(a.shape[:2] + tuple(0 if n == 0 else (n - 1) * k + 1
                                            for n, k in zip(a.shape[2:], d)), a.dtype)
        out[(slice(None),) * 2 + tuple(slice(None, None, k) for k in d)] = a
        return out

    x = dilate(x, lhs_dilation or (1,) * nsp)
    w = dilate(w, rhs_dilation or (1,) * nsp)
    x = onp.pad(x, [(0, 0), (0, 0)] + list(padding))
    n, c, o = x.shape[0], x.shape[1], w.shape[0]
    space = tuple((m - k) // s + 1 for m, k, s in zip(x.shape[2:], w.shape[2:], strides))
    groups = max(feature_group_count, batch_group_count)
    nb, cg, og = n // batch_group_count, c // feature_group_count, o // groups
    out = onp.zeros((nb, o) + space, onp.result_type(x, w))
    for b, f in onp.ndindex(nb, o):
        g = f // og  # the group of output feature f
        channels = slice(g * cg, (g + 1) * cg) if feature_group_count > 1 else slice(None)
        example = g * nb + b if batch_group_count > 1 else b
        for pos in onp.ndindex(*space):
            window = tuple(slice(p * s, p * s + k) for p, s, k in zip(pos, strides,
                                                                    w.shape[2:]))
            out[(b, f) + pos] = onp.sum(x[(example, channels) + window] * w[f])
    return onp.transpose(out, onp.argsort(out_spec))


CONVS = [
    # name, lhs shape, rhs shape, keywords of conv_general_dilated, the padding by hand
    # (SAME: out = ceil(n / stride), the odd extra at the end; SAME_LOWER at the start)
    ("2d_same", (2, 3, 5, 4), (4, 3, 3, 2), dict(window_strides=(1, 1), padding="SAME"),
     ((1, 1), (0, 1))),
    ("2d_strided_explicit", (1, 2, 7, 6), (3, 2, 3, 3),
     dict(window_strides=(2, 3), padding=((1, 0), (2, 1))), ((1, 0), (2, 1))),
    ("1d_dilated", (2, 2, 7), (3, 2, 3),
     dict(window_strides=(1,), padding=((2, 1),), lhs_dilation=(2,), rhs_dilation=(2,)),
     ((2, 1),)),
    ("nhwc_same_lower", (2, 5, 5, 3), (3, 2, 3, 4),
     dict(window_strides=(1, 2), padding="SAME_LOWER",
          dimension_numbers=("NHWC", "HWIO", "NHWC")), ((1, 1), (1, 0))),
    ("feature_groups", (2, 4, 5), (6, 2, 2),
     dict(window_strides=(1,), padding="VALID", feature_group_count=2), ((0, 0),)),
    ("batch_groups", (4, 2, 5), (6, 2, 2),
     dict(window_strides=(1,), padding="VALID", batch_group_count=2), ((0, 0),)),
]
_NHWC = ((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))  # ('NHWC', 'HWIO', 'NHWC') by hand


def _conv_ref(kw, pads):
    def ref(a, b):
        wide = onp.complex128 if onp.result_type(a, b).kind == "c" else onp.float64
        dn = _NHWC if kw.get("dimension_numbers") else None
        return _np_conv(a.astype(wide), b.astype(wide), kw["window_strides"], pads,
                        kw.get("lhs_dilation"), kw.get("rhs_dilation"), dn,
                        kw.get("feature_group_count", 1), kw.get("batch_group_count", 1))
    return ref


for _name, _ls, _rs, _kw, _pads in CONVS:
    rec("conv_general_dilated", lambda a, b, kw=_kw: conv_general_dilated(a, b, **kw),
        _conv_ref(_kw, _pads), args_of(("small", _ls), ("small", _rs)),
        (f32, c64, i32) if _name == "2d_same" else (f32,), name=f"conv_{_name}")
    grec("conv_general_dilated",
         functools.partial(lambda a, b, kw: conv_general_dilated(a, b, **kw), kw=_kw),
         gen(("normal", _ls), ("normal", _rs)),
         REAL + (COMPLEX if _name == "2d_same" else ()), name=f"conv_{_name}")
rec("conv_general_dilated", lambda a, b: conv_general_dilated(
        a, b, (1,), "VALID", preferred_element_type=onp.int32),
    lambda a, b: _np_conv(a.astype(onp.int64), b.astype(onp.int64), (1,), ((0, 0),)),
    args_of(("small", (2, 2, 5)), ("small", (3, 2, 2))), (i8,),
    name="conv_preferred_int8_int32", out_dtype=to(i32))


def _np_reduce_window(np_fn, identity):
    """reduce_window by its definition: np_fn of each window of the operand, dilated and
    padded with the reduction's identity."""
    def ref(x, dims, strides, padding, base_dilation, window_dilation):
        ident = identity(x.dtype)
        y = onp.full([0 if n == 0 else (n - 1) * d + 1 for n, d in zip(x.shape, base_dilation)],
                     ident, x.dtype)
        y[tuple(slice(None, None, d) for d in base_dilation)] = x
        y = onp.pad(y, padding, constant_values=ident)
        span = [(w - 1) * d + 1 for w, d in zip(dims, window_dilation)]
        shape = [max((n - e) // s + 1, 0) for n, e, s in zip(y.shape, span, strides)]
        out = onp.empty(shape, x.dtype)
        for idx in onp.ndindex(*shape):
            out[idx] = np_fn(y[tuple(slice(i * s, i * s + e, d) for i, s, e, d in
                                     zip(idx, strides, span, window_dilation))])
        return out
    return ref


WINDOWS = [
    # name, shape, window_dimensions, strides, padding, base_dilation, window_dilation,
    # the padding by hand
    ("valid", (4, 5), (2, 2), (1, 1), "VALID", None, None, ((0, 0), (0, 0))),
    ("same_strided", (5, 6), (3, 2), (2, 2), "SAME", None, None, ((1, 1), (0, 0))),
    ("explicit", (4, 6), (2, 3), (1, 2), ((1, 0), (0, 2)), None, None, ((1, 0), (0, 2))),
    ("dilated", (4, 5), (2, 2), (1, 1), "VALID", (2, 1), (1, 2), ((0, 0), (0, 0))),
    ("base_dilated", (3, 4), (2, 3), (2, 1), ((0, 1), (1, 0)), (2, 2), None,
     ((0, 1), (1, 0))),
]
_MONOIDS = [
    # primitive, computation, init, reference, identity, dtypes, gradient input kind
    ("reduce_window_sum", lax.add, 0, onp.sum, lambda d: 0, (f32, i32, bf16, c64), "normal"),
    ("reduce_window_max", lax.max, -onp.inf, onp.max, lambda d: _lowest(d), (f32, i32, bf16),
     "distinct"),
    ("reduce_window_min", lax.min, onp.inf, onp.min, lambda d: _highest(d), (f32, i32, bf16),
     "distinct"),
]


def _init_of(init, dtype):
    """The reduction's identity in dtype (integer dtypes have no infinities)."""
    dtype = onp.dtype(dtype)
    if dtype.kind in "iu" and onp.isinf(init):
        return onp.iinfo(dtype).min if init < 0 else onp.iinfo(dtype).max
    return onp.array(init, dtype)


for _prim, _fn, _init, _np_fn, _identity, _dtypes, _gkind in _MONOIDS:
    for _name, _shape, _dims, _strides, _padding, _bd, _wd, _pads in WINDOWS:
        _ones = (1,) * len(_shape)
        rec(_prim, lambda x, f=_fn, i=_init, d=_dims, s=_strides, p=_padding, bd=_bd, wd=_wd:
                reduce_window(x, _init_of(i, x.dtype), f, d, s, p, bd, wd),
            lambda x, r=_np_reduce_window(_np_fn, _identity), d=_dims, s=_strides, p=_pads,
                bd=_bd or _ones, wd=_wd or _ones: r(x, d, s, p, bd, wd),
            unary_gen(_gkind if _prim != "reduce_window_sum" else "small", _shape),
            _dtypes if _name == "valid" else _dtypes[:1], name=f"{_prim}_{_name}")
        # (reverse mode of max/min pooling with window dilation is not implemented, as in
        # JAX: test_conv.py checks the error)
        grec(_prim, functools.partial(
                lambda x, f, i, d, s, p, bd, wd: reduce_window(x, i, f, d, s, p, bd, wd),
                f=_fn, i=_init, d=_dims, s=_strides, p=_padding, bd=_bd, wd=_wd),
             gen((_gkind, _shape)), name=f"{_prim}_{_name}",
             modes=("fwd",) if _wd and _prim != "reduce_window_sum" else ("fwd", "rev"))


def _argmax_pair(a, b):
    (ka, ia), (kb, ib) = a, b
    pick = lax.ge(ka, kb)
    return lax.select(pick, ka, kb), lax.select(pick, ia, ib)


def _np_window_argmax(x, idx):
    windows = onp.lib.stride_tricks.sliding_window_view(x, (2, 2))[::2, ::2]
    flat = windows.reshape(windows.shape[:2] + (4,))
    best = flat.argmax(-1)
    rows = onp.arange(0, x.shape[0] - 1, 2)[:, None] + best // 2
    cols = onp.arange(0, x.shape[1] - 1, 2)[None, :] + best % 2
    return [flat.max(-1), idx[rows, cols]]


rec("reduce_window", lambda x: reduce_window(x, onp.ones((), x.dtype), lax.mul, (2, 2), (1, 2)),
    lambda x: onp.prod(onp.lib.stride_tricks.sliding_window_view(x, (2, 2))[:, ::2],
                       axis=(2, 3)).astype(x.dtype),
    unary_gen("small", (3, 5)), (f32, i32), name="reduce_window_generic_mul")
rec("reduce_window", lambda x, i: reduce_window((x, i), (-onp.inf, 0), _argmax_pair, (2, 2),
                                                 (2, 2)),
    _np_window_argmax, gen(("distinct", (4, 6)), ("normal", (4, 6), i32)), (f32,),
    name="reduce_window_variadic_argmax", upcast=False)
# Reverse mode of a generic body is not defined (as in JAX): its jvp mixes primal and
# tangent in one reduce_window, which cannot be transposed.
grec("reduce_window", lambda x: reduce_window(x, 1.0, lax.mul, (2, 2), (1, 1), "SAME"),
     gen(("nonzero", (3, 4))), modes=("fwd",), name="reduce_window_generic_mul")


_POOL = dict(window_dimensions=(2, 3), window_strides=(2, 1), padding=((1, 0), (0, 1)))


def _np_pool_positions(x, select):
    """Per window of _POOL over x (padded with -inf / inf), the (row, column) of x that
    `select` (np.argmax or np.argmin) picks; None for a window of padding only."""
    fill = -onp.inf if select is onp.argmax else onp.inf
    y = onp.pad(x.astype(onp.float64), ((1, 0), (0, 1)), constant_values=fill)
    out_shape = ((y.shape[0] - 2) // 2 + 1, y.shape[1] - 3 + 1)
    picks = {}
    for i, j in onp.ndindex(*out_shape):
        window = y[2 * i:2 * i + 2, j:j + 3]
        k = select(window)
        picks[i, j] = (2 * i + k // 3 - 1, j + k % 3)
    return out_shape, picks


def _np_select_and_gather_add(select):
    def ref(t, x):
        shape, picks = _np_pool_positions(x, select)
        out = onp.zeros(shape, onp.float64)
        for ij, (r, c) in picks.items():
            out[ij] = t[r, c]
        return out
    return ref


def _np_select_and_scatter_add(select):
    def ref(s, x):
        _, picks = _np_pool_positions(x, select)
        out = onp.zeros(x.shape, onp.float64)
        for ij, (r, c) in picks.items():
            out[r, c] += s[ij]
        return out
    return ref


for _sel, _np_sel in [(lax.ge_p, onp.argmax), (lax.le_p, onp.argmin)]:
    rec("select_and_gather_add", lambda t, x, p=_sel: xf.core.bind(
            select_and_gather_add_p, t, x, select_prim=p, base_dilation=(1, 1),
            window_dilation=(1, 1), **_POOL),
        _np_select_and_gather_add(_np_sel), gen(("normal", (5, 4)), ("distinct", (5, 4))),
        (f32,), name=f"select_and_gather_add_{_sel.name}")
    rec("select_and_scatter_add", lambda s, x, p=_sel: xf.core.bind(
            select_and_scatter_add_p, s, x, select_prim=p, **_POOL),
        _np_select_and_scatter_add(_np_sel), gen(("normal", (3, 3)), ("distinct", (5, 4))),
        (f32,), name=f"select_and_scatter_add_{_sel.name}")
# Linear in the tangents / source; the operand only picks positions (its finite
# differences are zero where no two entries tie)
grec("select_and_gather_add", lambda t, x: xf.core.bind(
    select_and_gather_add_p, t, x, select_prim=lax.ge_p, base_dilation=(1, 1),
    window_dilation=(1, 1), **_POOL), gen(("normal", (5, 4)), ("distinct", (5, 4))))
grec("select_and_scatter_add", lambda s, x: xf.core.bind(
    select_and_scatter_add_p, s, x, select_prim=lax.ge_p, **_POOL),
    gen(("normal", (3, 3)), ("distinct", (5, 4))))
LINEAR.update({"select_and_gather_add", "select_and_scatter_add"})


def _cnn_step(x, w1, w2, dense):
    """Two 3x3 convolutions with ReLU, 2x2 max pooling, a dense layer: a CNN's loss."""
    dn = ("NHWC", "HWIO", "NHWC")
    h = lax.max(conv_general_dilated(x, w1, (1, 1), "SAME", dimension_numbers=dn), 0.0)
    h = lax.max(conv_general_dilated(h, w2, (1, 1), "SAME", dimension_numbers=dn), 0.0)
    h = reduce_window(h, -onp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    logits = np.reshape(h, (h.shape[0], -1)) @ dense
    return np.sum(logits ** 2)


function_grec("cnn_step", _cnn_step, gen(("normal", (2, 4, 4, 1)), ("normal", (3, 3, 1, 2)),
                                         ("normal", (3, 3, 2, 2)), ("normal", (8, 3))))
function_grec("np_fft_rfft2_ortho", lambda x: np_fft.rfft2(x, norm="ortho"),
              gen(("normal", (3, 4))))
function_grec("np_fft_irfftn", lambda x: np_fft.irfftn(x, s=(3, 4)), gen(("normal", (3, 3))),
              COMPLEX)
function_grec("np_fft_hfft", lambda x: np_fft.hfft(x, 5), gen(("normal", (2, 3))), COMPLEX)
function_grec("np_convolve_same", lambda a, v: convolve(a, v, "same"),
              gen(("normal", (5,)), ("normal", (3,))))
function_grec("np_correlate_full", lambda a, v: correlate(a, v, "full"),
              gen(("normal", (3,)), ("normal", (4,))), REAL + COMPLEX)
function_grec("np_einsum_three", lambda a, b, c: einsum("ij,jk,kl->il", a, b, c),
              gen(("normal", (2, 3)), ("normal", (3, 4)), ("normal", (4, 2))))
function_grec("np_einsum_diagonal", lambda a: einsum("iij->j", a), gen(("normal", (3, 3, 2))))
function_vrec("np_fft_fftn", lambda x: np_fft.fftn(x, axes=(0, 1)), gen(("normal", (3, 4))))
function_vrec("np_convolve", lambda a, v: convolve(a, v), gen(("normal", (5,)),
                                                             ("normal", (3,))))
function_vrec("np_einsum_three", lambda a, b, c: einsum("ij,jk,kl->il", a, b, c),
              gen(("normal", (2, 3)), ("normal", (3, 4)), ("normal", (4, 2))))
function_vrec("cnn_step", _cnn_step, gen(("normal", (2, 4, 4, 1)), ("normal", (3, 3, 1, 2)),
                                         ("normal", (3, 3, 2, 2)), ("normal", (8, 3))))
# ======================= end of fft / convolution / windows section =====================


# =======================================================================================
# linear algebra (xlafront/lax/linalg.py: LAPACK kernels on CPU). References: numpy.linalg,
# the LU with partial pivoting by hand below, and reconstructions (Q R = a ...) where
# NumPy has no such factorization. Complex gradients, the numpy.linalg functions and the
# errors are in tests/test_linalg.py.
# =======================================================================================
from xlafront.lax import linalg as lax_linalg  # noqa: E402
import scipy.linalg  # noqa: E402

LINALG = (f32, c64)  # the dtypes LAPACK has (float64 and complex128 need x64: test_linalg)


def _herm(a):
    return onp.conj(onp.swapaxes(a, -1, -2))


def _spd_gen(shape=(2, 3, 3)):
    """Hermitian positive-definite matrices a a^H + n I."""
    def make(rng, dtype):
        a = gen_rand(rng, shape, dtype)
        return [(a @ _herm(a) + shape[-1] * onp.eye(shape[-1])).astype(dtype)]
    return make


def _sym_gen(shape=(2, 3, 3)):
    """Hermitian matrices with distinct eigenvalues."""
    def make(rng, dtype):
        a = gen_rand(rng, shape, dtype)
        return [((a + _herm(a)) / 2 + onp.diag(onp.arange(shape[-1]) * 3.0)).astype(dtype)]
    return make


def _triangular_gen(rng, dtype):
    """A lower-triangular-dominated a (its upper triangle is noise the solve must ignore)
    and a right-hand side."""
    a = gen_rand(rng, (2, 3, 3), dtype) + 6 * onp.eye(3)
    return [a.astype(dtype), gen_rand(rng, (2, 3, 2), dtype)]


def _tridiagonal_gen(rng, dtype):
    """Diagonals (dl[0] = du[-1] = 0, diagonally dominant) and right-hand sides."""
    dl, du = gen_rand(rng, (2, 4), dtype), gen_rand(rng, (2, 4), dtype)
    dl[:, 0], du[:, -1] = 0, 0
    d = (gen_rand(rng, (2, 4), dtype) + 8).astype(dtype)
    return [dl, d, du, gen_rand(rng, (2, 4, 3), dtype)]


def _tridiagonal_dense(dl, d, du):
    return (onp.apply_along_axis(onp.diag, -1, d) + onp.apply_along_axis(
        lambda v: onp.diag(v[1:], -1), -1, dl) + onp.apply_along_axis(
        lambda v: onp.diag(v[:-1], 1), -1, du))


def _np_lu(a):
    """LU with partial pivoting by hand, as LAPACK's getrf (the pivot is the first largest
    |re| + |im| of the column): (lu, pivots, permutation) per matrix of the batch."""
    a = onp.asarray(a)
    flat = a.reshape((-1,) + a.shape[-2:]).astype(onp.complex128 if a.dtype.kind == "c"
                                                  else onp.float64)
    lus, pivs, perms = [], [], []
    for x in flat:
        m, n = x.shape
        lu, piv, perm = x.copy(), [], onp.arange(m)
        for k in range(min(m, n)):
            i = k + int(onp.argmax(onp.abs(lu[k:, k].real) + onp.abs(lu[k:, k].imag)))
            piv.append(i)
            lu[[k, i]], perm[[k, i]] = lu[[i, k]], perm[[i, k]]
            if lu[k, k] != 0:
                lu[k + 1:, k] /= lu[k, k]
            lu[k + 1:, k + 1:] -= onp.outer(lu[k + 1:, k], lu[k, k + 1:])
        lus.append(lu)
        pivs.append(piv)
        perms.append(perm)
    batch = a.shape[:-2]
    return (onp.reshape(lus, a.shape), onp.reshape(pivs, batch + (-1,)).astype(onp.int32),
            onp.reshape(perms, batch + (a.shape[-2],)).astype(onp.int32))


def _np_pivots_to_permutation(pivots, size):
    perm = onp.broadcast_to(onp.arange(size), pivots.shape[:-1] + (size,)).copy()
    for index in onp.ndindex(pivots.shape[:-1]):
        for i, j in enumerate(pivots[index]):
            perm[index][[i, j]] = perm[index][[j, i]]
    return perm


def _pivots_gen(rng, dtype):
    """Valid row swaps: step i swaps row i with a row j >= i."""
    return [onp.stack([[rng.integers(i, 5) for i in range(3)] for _ in range(2)])
            .astype(onp.int32)]


def _per_matrix(fun):
    """A NumPy function of one matrix, applied over the leading dimensions."""
    def ref(a):
        a = onp.asarray(a)
        outs = [fun(x) for x in a.reshape((-1,) + a.shape[-2:])]
        return onp.reshape(outs, a.shape[:-2] + onp.shape(outs[0]))
    return ref


def _matmul_h(x, y):
    return np.matmul(x, np.conj(np.swapaxes(y, -1, -2)))


def _qr_pivoted_reconstruction(a):
    """Q R with the columns put back where geqp3 took them: a again."""
    shape = a.shape
    r, p, taus = lax_linalg.geqp3_p.bind(a, np.zeros(shape[:-2] + shape[-1:], np.int32),
                                         use_magma=None)
    q = lax_linalg.householder_product(r, taus)
    qr = np.matmul(q, np.triu(r)[..., :shape[-1], :])  # (a tall a: R is n x n)
    inverse = np.argsort(p - 1, axis=-1)
    return np.take_along_axis(qr, np.broadcast_to(inverse[..., None, :], shape), axis=-1)


def _tridiagonal_eigenvalues(a):
    """The eigenvalues of the tridiagonal matrix tridiagonal(a) gives: a's."""
    _, d, e, _ = lax_linalg.tridiagonal(a)
    n = d.shape[-1]
    off = np.pad(e, [(0, 0)] * (e.ndim - 1) + [(0, 1)])
    eye = np.eye(n, dtype=d.dtype)
    t = (d[..., :, None] * eye + off[..., None, :] * np.eye(n, k=-1, dtype=d.dtype)
         + off[..., :, None] * np.eye(n, k=1, dtype=d.dtype))
    return lax_linalg.eigh(t)[1]


def _sorted_eigvals(a):
    w = lax_linalg.eig(a, compute_left_eigenvectors=False, compute_right_eigenvectors=False)[0]
    return np.sort(w, axis=-1)


_complex_of = {f32: c64, c64: c64, f64: c128, c128: c128}
rec("cholesky", lambda a: lax_linalg.cholesky(a), lambda a: onp.linalg.cholesky(a),
    _spd_gen(), LINALG, tol=1e-4)
rec("triangular_solve",
    lambda a, b: lax_linalg.triangular_solve(a, b, left_side=True, lower=True),
    lambda a, b: onp.linalg.solve(onp.tril(a), b), _triangular_gen, LINALG, tol=1e-4)
rec("triangular_solve",
    lambda a, b: lax_linalg.triangular_solve(a, onp.swapaxes(b, -1, -2), lower=False,
                                             transpose_a=True, conjugate_a=True),
    lambda a, b: onp.swapaxes(onp.linalg.solve(onp.conj(onp.triu(a)), b), -1, -2),
    _triangular_gen, LINALG, name="triangular_solve_right_adjoint", tol=1e-4)
rec("lu_pivots_to_permutation", lambda p: lax_linalg.lu_pivots_to_permutation(p, 5),
    lambda p: _np_pivots_to_permutation(p, 5), _pivots_gen, (i32,))
rec("lu", lambda a: lax_linalg.lu(a)[0], lambda a: _np_lu(a)[0], gen(("normal", (2, 4, 4))),
    LINALG, tol=1e-4)
rec("lu", lambda a: lax_linalg.lu(a)[0], lambda a: _np_lu(a)[0], gen(("normal", (2, 3, 5))),
    LINALG, name="lu_wide", tol=1e-4)
rec("geqrf", lambda a: lax_linalg.geqrf(a)[0],
    _per_matrix(lambda x: onp.linalg.qr(x, mode="raw")[0].T), gen(("normal", (2, 4, 3))),
    LINALG, tol=1e-4)
rec("geqp3", _qr_pivoted_reconstruction, lambda a: a, gen(("normal", (2, 4, 3))), LINALG,
    tol=1e-4)
rec("householder_product", lambda a: lax_linalg.householder_product(*lax_linalg.geqrf(a)),
    _per_matrix(lambda x: onp.linalg.qr(x)[0]), gen(("normal", (2, 4, 3))), LINALG, tol=1e-4)
rec("qr", lambda a: lax_linalg.qr(a, full_matrices=False)[1],
    _per_matrix(lambda x: onp.linalg.qr(x)[1]), gen(("normal", (2, 4, 3))), LINALG, tol=1e-4)
rec("qr", lambda a: lax_linalg.qr(a)[0], _per_matrix(lambda x: onp.linalg.qr(x, "complete")[0]),
    gen(("normal", (2, 4, 3))), LINALG, name="qr_complete_q", tol=1e-4)
rec("svd", lambda a: lax_linalg.svd(a, compute_uv=False),
    lambda a: onp.linalg.svd(a, compute_uv=False), gen(("normal", (2, 4, 3))), LINALG,
    out_dtype=real_of, tol=1e-4)
rec("svd", lambda a: (lambda u, s, vh: np.matmul(u * s[..., None, :].astype(u.dtype), vh))(
    *lax_linalg.svd(a, full_matrices=False)), lambda a: a, gen(("normal", (2, 3, 5))), LINALG,
    name="svd_reconstruction", tol=1e-4)
rec("eigh", lambda a: lax_linalg.eigh(a)[1], lambda a: onp.linalg.eigvalsh(a), _sym_gen(),
    LINALG, out_dtype=real_of, tol=1e-4)
rec("eigh", lambda a: (lambda v, w: _matmul_h(v * w[..., None, :].astype(v.dtype), v))(
    *lax_linalg.eigh(a)), lambda a: a, _sym_gen(), LINALG, name="eigh_reconstruction",
    tol=1e-4)
rec("eig", _sorted_eigvals, lambda a: onp.sort_complex(onp.linalg.eigvals(a)),
    gen(("normal", (2, 4, 4))), LINALG, out_dtype=lambda d: _complex_of[d], tol=1e-4)
rec("schur", lambda a: (lambda t, z: _matmul_h(np.matmul(z, t), z))(*lax_linalg.schur(a)),
    lambda a: a, gen(("normal", (2, 4, 4))), LINALG, tol=1e-4)
rec("tridiagonal", _tridiagonal_eigenvalues, lambda a: onp.linalg.eigvalsh(a), _sym_gen(),
    LINALG, out_dtype=real_of, tol=1e-4)
rec("tridiagonal_solve", lambda dl, d, du, b: lax_linalg.tridiagonal_solve(dl, d, du, b),
    lambda dl, d, du, b: onp.linalg.solve(_tridiagonal_dense(dl, d, du), b),
    _tridiagonal_gen, LINALG, tol=1e-4)

grec("cholesky", lambda a: lax_linalg.cholesky(a), _spd_gen())
grec("triangular_solve",
     lambda a, b: lax_linalg.triangular_solve(a, b, left_side=True, lower=True),
     _triangular_gen)
grec("triangular_solve",
     lambda a, b: lax_linalg.triangular_solve(a, onp.swapaxes(b, -1, -2), transpose_a=True,
                                              unit_diagonal=True),
     _triangular_gen, name="triangular_solve_right_transpose")
grec("lu", lambda a: lax_linalg.lu(a)[0], gen(("normal", (2, 3, 4))))
grec("qr", lambda a: lax_linalg.qr(a, full_matrices=False), gen(("normal", (2, 4, 3))))
grec("qr", lambda a: lax_linalg.qr(a), gen(("normal", (2, 4, 3))), name="qr_complete")
grec("svd", lambda a: lax_linalg.svd(a, full_matrices=False), gen(("distinct", (2, 4, 3))))
grec("eigh", lambda a: lax_linalg.eigh(a), _sym_gen())
grec("eig", lambda a: lax_linalg.eig(a, compute_left_eigenvectors=False,
                                     compute_right_eigenvectors=False)[0],
     gen(("normal", (2, 3, 3))), order=1)
grec("tridiagonal_solve", lambda dl, d, du, b: lax_linalg.tridiagonal_solve(dl, d, du, b),
     _tridiagonal_gen)

LINEAR.update({"triangular_solve", "tridiagonal_solve"})  # linear in b (JAX transposes them)


# hessenberg, ormqr, symmetric_product, cholesky_update (references: SciPy's hessenberg, Q
# from numpy's QR, the products and factorizations recomputed)
def _spd_factor_gen(rng, dtype):
    """An upper-triangular Cholesky factor R (of a positive-definite matrix) and a vector."""
    a = gen_rand(rng, (2, 3, 3), dtype)
    r = onp.swapaxes(onp.linalg.cholesky(a @ _herm(a) + 3 * onp.eye(3)), -1, -2)
    return [r.astype(dtype), gen_rand(rng, (2, 3), dtype)]


def _np_cholesky_update(r, w):
    a = onp.swapaxes(r, -1, -2) @ r + w[..., :, None] * w[..., None, :]
    return onp.swapaxes(onp.linalg.cholesky(a), -1, -2)


_np_q = _per_matrix(lambda x: onp.linalg.qr(x, "complete")[0])
rec("hessenberg", lambda a: np.triu(lax_linalg.hessenberg(a)[0], -1),
    _per_matrix(scipy.linalg.hessenberg), gen(("normal", (2, 4, 4))), LINALG, tol=1e-4)
rec("ormqr", lambda a, c: lax_linalg.ormqr(*lax_linalg.geqrf(a), c),
    lambda a, c: _np_q(a) @ c, gen(("normal", (2, 4, 3)), ("normal", (2, 4, 2))), LINALG,
    tol=1e-4)
rec("ormqr", lambda a, c: lax_linalg.ormqr(*lax_linalg.geqrf(a), c, left=False,
                                            transpose=True),
    lambda a, c: c @ _herm(_np_q(a)), gen(("normal", (2, 4, 3)), ("normal", (2, 2, 4))),
    LINALG, name="ormqr_right_adjoint", tol=1e-4)
rec("symmetric_product",
    lambda a, c: lax_linalg.symmetric_product(a, c + onp.swapaxes(c, -1, -2), alpha=0.5,
                                              beta=2.0, symmetrize_output=True),
    lambda a, c: 0.5 * a @ onp.swapaxes(a, -1, -2) + 2 * (c + onp.swapaxes(c, -1, -2)),
    gen(("normal", (2, 3, 4)), ("normal", (2, 3, 3))), (f32,), tol=1e-5)
rec("cholesky_update", lambda r, w: lax_linalg.cholesky_update(r, w), _np_cholesky_update,
    _spd_factor_gen, (f32,), tol=1e-4)
_NO_JVP = ("no derivative, as in JAX: differentiate the decomposition built on it (qr, "
           "eigh) instead")
for _prim in ("geqrf", "geqp3", "householder_product", "schur", "tridiagonal"):
    EXEMPT[_prim] = {"jvp": _NO_JVP}
for _prim in ("hessenberg", "ormqr", "symmetric_product", "cholesky_update"):
    EXEMPT[_prim] = {"jvp": "no derivative, as in JAX (jax.lax.linalg defines no jvp for it)"}
EXEMPT["lu_pivots_to_permutation"] = {"grad": _ZERO}
# ======================= end of linear algebra section =====================================


# =======================================================================================
# random: the threefry hash and counters (xlafront/lax/prng.py); random_gamma's values are
# JAX's bits, checked in tests/test_random.py
# =======================================================================================
from xlafront.lax import prng  # noqa: E402


def _threefry_ref(k1, k2, x1, x2):
    """Threefry-2x32 with 20 rounds (Random123's), in NumPy."""
    k1, k2, x1, x2 = onp.broadcast_arrays(*(onp.asarray(v, onp.uint32) for v in (k1, k2, x1, x2)))
    rotl = lambda v, d: (v << onp.uint32(d)) | (v >> onp.uint32(32 - d))  # noqa: E731
    ks = [k1, k2, k1 ^ k2 ^ onp.uint32(0x1BD11BDA)]
    with onp.errstate(over="ignore"):
        x = [x1 + ks[0], x2 + ks[1]]
        for i in range(5):
            for r in ((13, 15, 26, 6), (17, 29, 16, 24))[i % 2]:
                x[0] = x[0] + x[1]
                x[1] = rotl(x[1], r) ^ x[0]
            x[0] = x[0] + ks[(i + 1) % 3]
            x[1] = x[1] + ks[(i + 2) % 3] + onp.uint32(i + 1)
    return tuple(x)


def _threefry_gen(rng, dtype):
    u = lambda *s: rng.integers(0, 2 ** 32, s, dtype=onp.uint32)  # noqa: E731
    return [u(4, 1), u(4, 1), u(4, 5), u(4, 5)]


rec("threefry2x32", lambda *a: tuple(prng.threefry2x32(*a)), _threefry_ref, _threefry_gen, (u32,))
rec("iota_2x32_shape", lambda: tuple(prng.iota_2x32_shape((2, 3))),
    lambda: (onp.zeros((2, 3), onp.uint32), onp.arange(6, dtype=onp.uint32).reshape(2, 3)),
    lambda rng, dtype: [], (u32,))
EXEMPT["threefry2x32"] = {"grad": _ZERO}
EXEMPT["iota_2x32_shape"] = dict(EXEMPT["iota"])
_GAMMA = "tests/test_random.py"
EXEMPT["random_gamma"] = {
    "record": f"its values are JAX's bits, with no NumPy counterpart: {_GAMMA} checks them "
              "against JAX's known answers and their law against scipy.stats",
    "grad": "implicit reparameterization, which finite differences of a rejection sampler do "
            f"not give: {_GAMMA}::test_gamma_implicit_gradient checks it",
    "vmap": f"{_GAMMA}::test_jit_and_vmap_give_the_eager_bits and "
            "test_vmap_over_parameters_and_keys_together"}


# =======================================================================================
# the rest of jax.lax (xlafront/lax/{shape,slicing,sort,reductions,dot,misc,solves}.py):
# tile, stack, split, unstack, scatter_sub, top_k, approx_top_k, reduce, mulhi, the
# total-order comparisons, reduce_precision, the identities, optimization_barrier, the
# XLA generators, platform_index, composite, custom_linear_solve. References: NumPy.
# =======================================================================================
from xlafront.core import bind as _bind  # noqa: E402

_ONE = xf.device_put(onp.zeros(())).sharding  # a single-device sharding

rec("tile", lambda x: lax.tile(x, (2, 1, 3)), lambda x: onp.tile(x, (2, 1, 3)),
    unary_gen(shape=(2, 3, 1)), ALL)
grec("tile", lambda x: lax.tile(x, (2, 3)), gen(("normal", (2, 2))))
rec("stack", lambda x, y: lax.stack([x, y, x], 1), lambda x, y: onp.stack([x, y, x], 1),
    binary_gen(), ALL_C)
grec("stack", lambda x, y: lax.stack([x, y], -1), gen(("normal", S), ("normal", S)))
rec("split", lambda x: tuple(lax.split(x, (1, 0, 3), 1)), lambda x: onp.split(x, [1, 1], 1),
    unary_gen(), ALL)
grec("split", lambda x: lax.split(x, (2, 1), 0), gen(("normal", S)))
rec("unstack", lambda x: lax.unstack(x, 1), lambda x: [x[:, i] for i in range(4)], unary_gen(),
    ALL_C)
grec("unstack", lambda x: lax.unstack(x, 0), gen(("normal", S)))
rec("scatter_sub", lambda x, u: lax.scatter_sub(x, _ROWS, u, SCATTER_ROWS),
    lambda x, u: _np_scatter_rows("scatter_add", "drop", _ROWS)(x, -u),
    args_of(("small", (4, 3)), ("small", (5, 3))), (f32, i32, c64))
grec("scatter_sub", lambda x, u: lax.scatter_sub(x, _grad_rows, u, SCATTER_ROWS),
     gen(("normal", S), ("normal", (3, 4))))


def _np_top_k(k, largest=True):
    def ref(x):  # ties: the lower index first
        order = onp.argsort(-x if largest else x, axis=-1, kind="stable")[..., :k]
        return [onp.take_along_axis(x, order, -1), order.astype(onp.int32)]
    return ref


rec("top_k", lambda x: lax.top_k(x, 3), _np_top_k(3), unary_gen("small", (3, 5)),
    (f32, i32, bf16, i8))
rec("top_k", lambda x: [onp.swapaxes(r, 0, 1) for r in lax.top_k(x, 2, axis=0)],
    lambda x: _np_top_k(2)(x.T), unary_gen("distinct", (4, 3)), (f32,), name="top_k_axis0")
grec("top_k", lambda x: lax.top_k(x, 2)[0], gen(("distinct", S)))
rec("approx_top_k", lambda x: lax.approx_max_k(x, 2), _np_top_k(2),
    unary_gen("distinct", (3, 5)), (f32, bf16))
rec("approx_top_k", lambda x: lax.approx_min_k(x, 3, recall_target=0.5), _np_top_k(3, False),
    unary_gen("distinct", (3, 5)), (f32,), name="approx_min_k")
# more candidates than k without aggregate_to_topk: XLA's size, 256 of 1000 here (sorted)
rec("approx_top_k", lambda x: lax.approx_max_k(x, 5, aggregate_to_topk=False),
    _np_top_k(256), unary_gen("distinct", (2, 1000)), (f32,), name="approx_max_k_candidates")
grec("approx_top_k", lambda x: lax.approx_min_k(x, 2)[0], gen(("distinct", S)))


_IOTA34 = onp.broadcast_to(onp.arange(4, dtype=onp.int32), (3, 4))  # _argmax_pair: above
rec("reduce", lambda x: lax.reduce(x, 0, lambda a, b: a + b, (1,)),
    lambda x: onp.sum(x, 1).astype(x.dtype), unary_gen("small"), NUM)
rec("reduce", lambda x: lax.reduce((x, _IOTA34), (-onp.inf, 0), _argmax_pair, (1,)),
    lambda x: [onp.max(x, 1), onp.argmax(x, 1).astype(onp.int32)], unary_gen("distinct"),
    (f32,), name="reduce_argmax_pair")
grec("reduce", lambda x: lax.reduce(x, 1.0, lambda a, b: a * b, (0,)), gen(("nonzero", S)))
grec("reduce", lambda x: lax.reduce((x, _IOTA34), (-onp.inf, 0), _argmax_pair, (1,))[0],
     gen(("distinct", S)), name="reduce_argmax_pair")
# a monoid computation with its identity is the reduce_<op> primitive, as in JAX
function_grec("reduce_monoid", lambda x: lax.reduce(x, 0.0, lax.add, (0, 1)), gen(("normal", S)))


def _np_mulhi(x, y):
    bits = x.dtype.itemsize * 8
    return ((x.astype(object) * y.astype(object)) >> bits).astype(x.dtype)


rec("mulhi", lax.mulhi, _np_mulhi, lambda rng, dtype: [
    rng.integers(onp.iinfo(dtype).min, onp.iinfo(dtype).max, (3, 4), dtype=dtype,
                 endpoint=True) for _ in range(2)], (i32, u32, i8, u8, i16, u16))
EXEMPT["mulhi"] = {"grad": _ZERO}


def _total_key(x):
    """Integers ordered as floats are in IEEE's total order (-NaN < -inf < -0 < 0 < NaN)."""
    i = x.view(onp.dtype(f"int{x.dtype.itemsize * 8}")).astype(onp.int64)
    return onp.where(i < 0, -(i & onp.iinfo(onp.dtype(f"int{x.dtype.itemsize * 8}")).max) - 1, i)


def _specials_pair(rng, dtype):
    v = onp.array([onp.nan, -onp.nan, -0.0, 0.0, onp.inf, -onp.inf, 1.5, -2.0], dtype)
    return [v[rng.integers(0, 8, (6, 8))], v[rng.integers(0, 8, (6, 8))]]


for _name, _np_fn in (("eq_to", onp.equal), ("le_to", onp.less_equal), ("lt_to", onp.less)):
    rec(_name, lambda x, y, p=_name: _bind(getattr(lax, f"{p}_p"), x, y),
        lambda x, y, f=_np_fn: f(_total_key(x), _total_key(y)), _specials_pair, (f32, f16),
        out_dtype=to(bool_), upcast=False)
    rec(_name, lambda x, y, p=_name: _bind(getattr(lax, f"{p}_p"), x, y),
        lambda x, y, f=_np_fn: f(x, y), binary_gen("small"), (i32, u8), out_dtype=to(bool_),
        name=f"{_name}_int")
    EXEMPT[_name] = {"grad": _ZERO}

rec("reduce_precision", lambda x: lax.reduce_precision(x, 8, 7),
    lambda x: x.astype(bfloat16).astype(x.dtype), unary_gen(), (f32,))
rec("reduce_precision", lambda x: lax.reduce_precision(x, 5, 10),
    lambda x: x.astype(onp.float16).astype(x.dtype), unary_gen("nonzero"), (f32,),
    name="reduce_precision_half")
grec("reduce_precision", lambda x: lax.reduce_precision(x, 11, 52), gen(("normal", S)),
     ONLY64)
for _name, _fn in (("copy", lambda x: _bind(lax.copy_p, x)), ("stage", lax.stage),
                   ("device_put", lambda x: _bind(lax.device_put_p, x, devices=(None,),
                                                  srcs=(None,), copy_semantics=(None,))[0]),
                   ("sharding_constraint", lambda x: lax.with_sharding_constraint(x, _ONE)),
                   ("optimization_barrier", lambda x: lax.optimization_barrier([x, x])[1])):
    rec(_name, _fn, lambda x: x, unary_gen(), ALL_C)
    grec(_name, _fn, gen(("normal", S)))
grec("optimization_barrier", lambda x, y: lax.optimization_barrier((x, y * 2.0)),
     gen(("normal", S), ("normal", (2,))), name="optimization_barrier_pair")

# XLA's generators: their bits have no NumPy counterpart; these check the shapes, ranges
# and that a key gives the same bits every time (test_lax.py checks the rest)
for _dtype in (u32, u8):
    rec("rng_bit_generator", lambda k, d=_dtype: lax.eq(*[
        lax.rng_bit_generator(k, (8, 5), d)[1] for _ in range(2)]),
        lambda k: onp.ones((8, 5), bool),
        lambda rng, dtype: [rng.integers(0, 2 ** 32, 4, dtype=onp.uint32)], (u32,),
        name=f"rng_bit_generator_{_dtype.name}", out_dtype=to(bool_))
EXEMPT["rng_bit_generator"] = {"grad": _ZERO}
rec("rng_uniform", lambda: (lambda u: lax.bitwise_and(lax.ge(u, 2.0), lax.lt(u, 5.0)))(
    lax.rng_uniform(2.0, 5.0, (64,))), lambda: onp.ones(64, bool), lambda rng, dtype: [],
    (f32,), out_dtype=to(bool_))
_STATEFUL = ("XLA's stateful generator: no derivative and no batching rule, as in JAX "
             "(xlafront.random is the differentiable, batchable one)")
EXEMPT["rng_uniform"] = {"jvp": _STATEFUL, "batch": _STATEFUL}

rec("platform_index", lambda x: lax.platform_dependent(x, cpu=lambda v: lax.mul(v, 2),
                                                        default=lax.neg),
    lambda x: x * 2, unary_gen(), (f32, i32))
EXEMPT["platform_index"] = dict(EXEMPT["iota"])

_tangent = lax.composite(lambda x, *, scale: lax.div(lax.sin(x), lax.cos(x)) * scale,
                         name="test.tangent", version=2)
rec("composite", lambda x: _tangent(x, scale=onp.float32(2)), lambda x: 2 * onp.tan(x),
    unary_gen("small"), (f32,))
grec("composite", lambda x: _tangent(x, scale=3.0), gen(("small", S)))


def _solve_gen(rng, dtype):
    a = gen_rand(rng, (3, 3), dtype) + onp.asarray(4 * onp.eye(3), dtype)
    return [a, gen_rand(rng, (3,), dtype)]


def _linear_solve(a, b):
    return lax.custom_linear_solve(lambda x: lax.dot(a, x), b,
                                   lambda mv, r: np.linalg.solve(a, r),
                                   lambda vm, r: np.linalg.solve(a.T, r))


rec("custom_linear_solve", _linear_solve, lambda a, b: onp.linalg.solve(a, b), _solve_gen,
    (f32,), tol=1e-5)
grec("custom_linear_solve", _linear_solve, _solve_gen)
LINEAR |= {"scatter_sub", "optimization_barrier", "custom_linear_solve"}
# ======================= end of the rest of jax.lax =====================================
