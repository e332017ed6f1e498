"""The Array API standard (2024.12): xlafront.numpy against its reference implementation,
array_api_strict, on the same inputs; then DLPack, NumPy interop and the 4-bit dtypes.

The comparison is generated from tables: the elementwise functions by arity and the inputs
they allow, every other function by one case maker (name -> argument kinds). Each function
runs on bool, the four inexact types and one signed and one unsigned integer type (their
widths vary by function, so the table covers all 13 dtypes; the data type functions take
all 13), where the reference accepts the dtype (a TypeError from it means "not accepted"),
with edge values (NaN, +-inf, -0.0, each type's extremes) and 0-d and empty shapes, and
checks values, dtype and shape. It runs with x64 enabled: the standard has 64-bit types,
which xlafront (as JAX) gives only with x64. Inputs avoid what the standard leaves unspecified
(integer overflow and division by zero, out-of-range casts, complex numbers with infinite
parts). Deliberate differences (JAX's semantics) are the one DIFFERENCES table below, also
in docs/differences.md.

The cases of one function run as one jitted program (arrays as arguments, so nothing folds
at compile time): one program per case would take minutes to compile on two cores. The
first case of each function also runs eagerly, and functions with data-dependent shapes
(nonzero, unique_*) run only eagerly.
"""
import inspect
import operator
import warnings
import zlib

import array_api_strict as xp
import ml_dtypes
import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as xnp
from conftest import tol_for

API_VERSION = "2024.12"

# Where xlafront follows JAX rather than the standard: "function: aspect" -> why ("*" for
# every function, "unique_*" for a family). The comparison skips these aspects; the last
# three have tests of their own below.
DIFFERENCES = {
    "*: subnormal results": "XLA on CPU flushes subnormal results to zero (as JAX): values "
                            "below the smallest normal compare with that absolute tolerance",
    "complex: signed zero": "complex functions give zero parts XLA's sign, and take -0.0 "
                            "parts on a branch cut as +0.0 (as JAX); complex inputs have "
                            "no -0.0 parts here",
    "floor_divide: signed zero": "-0.0 // 1.0 is 0.0 (JAX's floor of the quotient)",
    "remainder: signed zero": "a zero remainder is +0.0 whatever the divisor's sign (as JAX)",
    "sign: signed zero": "sign(-0.0) is -0.0 (XLA's sign)",
    "maximum: signed zero": "the order of -0.0 and 0.0 is implementation-defined; XLA's",
    "minimum: signed zero": "the order of -0.0 and 0.0 is implementation-defined; XLA's",
    "unique_*: signed zero": "which of 0.0 and -0.0 stands for their value is unspecified",
    "unique_*: nan": "NaNs count as one value (as JAX's unique, equal_nan=True)",
    "pow: complex zero base": "0 ** z for complex z is nan (XLA's complex power, as JAX)",
    "divide: huge divisor": "XLA divides by a broadcast divisor through its reciprocal, which "
                            "flushes to zero beyond 1 / the smallest normal: max / max is 0 "
                            "(as JAX)",
    "divide: complex zero divisor": "z / 0 is inf+nanj or inf+infj (XLA's complex division, "
                                    "as C99's; NumPy gives nan+nanj)",
    "reciprocal: complex zero divisor": "1 / 0j is inf+nanj (XLA's complex division)",
    "can_cast: across kinds": "True where NumPy's safe casting allows it (bool to int8, int8 "
                              "to float32), as JAX's can_cast; the standard's table has no "
                              "casts across kinds",
    "searchsorted: index dtype": "int32 indices (as JAX), not the default index dtype (int64 "
                                 "with x64)",
    "cumulative_prod: small integer": "the product keeps a narrow integer dtype (as JAX); "
                                      "the standard, and cumulative_sum, widen it to the "
                                      "default integer",
    "*: boolean indexing": "capabilities() says False (as JAX): boolean masks and "
                           "data-dependent shapes work eagerly, not under jit/vmap/grad",
    "__setitem__": "arrays are immutable (as JAX): x.at[i].set(v) instead",
    "take: out of bounds": "out-of-bounds indices (unspecified) give the fill value, NaN, "
                           "in take and clamp in x[i] (as JAX)",
}

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float32", "float64", "complex64", "complex128"]
INEXACT = ["float32", "float64", "complex64", "complex128"]


def dtypes_for(name):
    """The dtypes the cases of function `name` run on: bool, the inexact types, and one
    signed and one unsigned integer type of a width chosen by the name, so that the table as
    a whole covers every width (every dtype in every function would take minutes of XLA
    compilation on two cores)."""
    k = zlib.crc32(name.encode())
    return ["bool", f"int{8 << (k % 4)}", f"uint{8 << (k // 4 % 4)}", *INEXACT]


@pytest.fixture(autouse=True, scope="module")
def _strict_version():
    xp.set_array_api_strict_flags(api_version=API_VERSION)
    yield
    xp.reset_array_api_strict_flags()


@pytest.fixture(autouse=True)
def _with_x64(x64):
    yield


def differs(name, aspect):
    """Whether DIFFERENCES lists `aspect` of function `name` (an operator: its function's)."""
    if name.startswith("operator."):
        name = OPERATORS.get(name[len("operator."):], name)
    return any(f"{n}: {aspect}" in DIFFERENCES for n in (name, "*", name.split("_")[0] + "_*"))


# ---------------------------------------------------------------------------------------
# Inputs: edge values per dtype, and the markers a case uses for dtypes

def values(dtype, kind="edge"):
    """1-D NumPy values of `dtype`: "edge" has each type's extremes (and NaN, +-inf for
    floats); "finite" keeps moderate values (integer arithmetic without overflow, floating
    sums without cancelling infinities)."""
    dt = onp.dtype(dtype)
    if dt == bool:
        return onp.array([False, True, True, False])
    if dt.kind in "iu":
        small = [0, 1, 2, 3, 7] + ([-1, -2, -7] if dt.kind == "i" else [])
        extremes = [onp.iinfo(dt).min, onp.iinfo(dt).max] if kind == "edge" else []
        return onp.array(small + extremes, dt)
    if dt.kind == "c":  # finite parts only (see the docstring), no -0.0 (see DIFFERENCES)
        parts = values(onp.finfo(dt).dtype, "finite")[[0, 2, 3, 4, 5, 8]]
        return (parts[:, None] + 1j * parts[None, ::-1]).ravel().astype(dt)
    finite = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 2.5, 3.75, 1e-3]
    if kind == "edge":
        fi = onp.finfo(dt)
        finite += [fi.smallest_normal, -fi.max, fi.max, onp.inf, -onp.inf, onp.nan]
    return onp.array(finite, dt)


def arr(shape, dtype, kind="finite", shift=0):
    """An array of `shape` cycling through values(dtype, kind) from position `shift`."""
    v = values(dtype, kind)
    size = int(onp.prod(shape))
    return onp.resize(onp.roll(v, -shift), size).reshape(shape) if size else \
        onp.zeros(shape, v.dtype)


class D:
    """A dtype argument, resolved in each namespace (xp.float32, xnp.float32)."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


class Case:
    def __init__(self, *args, label="", eager=False, **kwargs):
        self.args, self.kwargs, self.label, self.eager = args, kwargs, label, eager

    def __repr__(self):
        kw = [f"{k}={v!r}" for k, v in self.kwargs.items()]
        parts = [repr(a) if not isinstance(a, onp.ndarray) else f"{a.dtype}{list(a.shape)}"
                 for a in self.args]
        return f"({', '.join(parts + kw)}){' [' + self.label + ']' if self.label else ''}"


def _build(x, ns, arrays):
    """Case argument x in namespace ns (xp or xnp); NumPy arrays come from `arrays` (an
    iterator of the namespace's arrays, in order)."""
    if isinstance(x, onp.ndarray):
        return next(arrays)
    if isinstance(x, D):
        return getattr(ns, x.name)
    if isinstance(x, (list, tuple)):
        return type(x)(_build(v, ns, arrays) for v in x)
    return x


def _leaves(x):
    if isinstance(x, onp.ndarray):
        return [x]
    if isinstance(x, (list, tuple)):
        return [leaf for v in x for leaf in _leaves(v)]
    return []


_PYTHON = {"bool": bool, "int": int, "float": float, "complex": complex}


def _resolve(ns, name):
    """Function `name` of namespace ns ("linalg.inv"), or an operator ("operator.add") or
    Python conversion ("python.float"), the same for both namespaces."""
    module, _, attr = name.rpartition(".")
    if module in ("operator", "python"):
        return getattr(operator, attr) if module == "operator" else _PYTHON[attr]
    for part in name.split("."):
        ns = getattr(ns, part)
    return ns


def _call(fn, case, ns, arrays):
    it = iter(arrays)
    args = [_build(a, ns, it) for a in case.args]
    kwargs = {k: _build(v, ns, it) for k, v in case.kwargs.items()}
    return fn(*args, **kwargs)


def _ref(name, case):
    """The reference's result, or None where it refuses the case (TypeError/ValueError)."""
    arrays = [xp.asarray(a) for c in (case.args, case.kwargs.values()) for a in _leaves(list(c))]
    with warnings.catch_warnings(), onp.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return _call(_resolve(xp, name), case, xp, arrays)
        except (TypeError, ValueError, IndexError):
            return None


def _ours(name, cases, check_eager):
    """xlafront's results for `cases`: one jitted program over all of them (arrays as its
    arguments), except eager-only cases; an exception is the case's result. With
    `check_eager`, the first case also runs eagerly and must agree."""
    fn = _resolve(xnp, name)
    leaves = [[a for c in (case.args, case.kwargs.values()) for a in _leaves(list(c))]
              for case in cases]
    out = [None] * len(cases)
    jitted = [i for i, case in enumerate(cases) if not case.eager]

    def program(*flat):
        it, results = iter(flat), []
        for i in jitted:
            arrays = [next(it) for _ in leaves[i]]
            try:
                results.append(_call(fn, cases[i], xnp, arrays))
            except Exception as e:  # noqa: BLE001 (reported per case below)
                out[i] = e
                results.append(None)
        return results

    flat = [xnp.asarray(a) for i in jitted for a in leaves[i]]
    try:
        for i, r in zip(jitted, xf.jit(program)(*flat) if jitted else []):
            out[i] = r if out[i] is None else out[i]
    except Exception:  # a program-wide failure: run each case by itself to name it
        jitted, eager = [], range(len(cases))
    else:
        eager = [i for i, case in enumerate(cases) if case.eager] + jitted[:check_eager]
    for i in eager:
        try:
            result = _call(fn, cases[i], xnp, [xnp.asarray(a) for a in leaves[i]])
        except Exception as e:  # noqa: BLE001
            result = e
        if i in jitted and not isinstance(out[i], Exception):  # eager must agree with jit
            _agree(name, cases[i], result, out[i])
        out[i] = result
    return out


def _agree(name, case, eager, jitted):
    assert not isinstance(eager, Exception), f"{name}{case} raised eagerly: {eager!r}"
    a, b = xf.tree_util.tree_leaves(eager), xf.tree_util.tree_leaves(jitted)
    assert len(a) == len(b), f"{name}{case}: eager and jit results differ in structure"
    for x, y in zip(a, b):
        assert x.dtype == y.dtype, f"{name}{case}: eager dtype {x.dtype}, jit {y.dtype}"
        onp.testing.assert_array_equal(onp.asarray(x), onp.asarray(y),
                                       err_msg=f"{name}{case}: eager and jit differ")


# ---------------------------------------------------------------------------------------
# Comparing results

def _check_array(name, case, got, want):
    want = onp.asarray(want)
    assert isinstance(got, xf.Array), f"expected an Array, got {type(got).__name__}"
    if got.dtype.kind == want.dtype.kind == "i" and differs(name, "index dtype"):
        want = want.astype(got.dtype)
    assert got.dtype == want.dtype, f"dtype {got.dtype}, reference {want.dtype}"
    assert got.shape == want.shape, f"shape {got.shape}, reference {want.shape}"
    got = onp.asarray(got)
    if name in VALUES_UNSPECIFIED:
        return
    if want.dtype.kind in "biu":
        assert onp.all(got == want), f"values differ:\n{got}\nreference\n{want}"
        return
    tol = tol_for(want.dtype)
    atol = onp.finfo(want.dtype).smallest_normal if differs(name, "subnormal results") else 0
    with onp.errstate(all="ignore"):  # each part within tol of the magnitude (inf: equal)
        scale = onp.nan_to_num(onp.abs(want), nan=0.0, posinf=0.0)
        close = onp.ones(want.shape, bool)
        for part in (onp.real, onp.imag):
            g, w = part(got), part(want)
            close &= (g == w) | ((g != g) & (w != w)) | (onp.abs(g - w) <= atol + tol * scale)
    complex_fn = want.dtype.kind == "c" and differs("complex", "signed zero")
    if not (differs(name, "signed zero") or complex_fn):
        for part in (onp.real, onp.imag) if want.dtype.kind == "c" else (onp.real,):
            zeros = (part(got) == 0) & (part(want) == 0)
            close &= ~zeros | (onp.signbit(part(got)) == onp.signbit(part(want)))
    assert onp.all(close), (f"values differ at {onp.argwhere(~close)[:5].tolist()}:\n"
                            f"{got[~close][:5]}\nreference\n{want[~close][:5]}")


def _check(name, case, got, want):
    if isinstance(got, Exception):
        raise AssertionError(f"{name}{case} raised {type(got).__name__}: {got}")
    try:
        if name in INVARIANTS:
            return INVARIANTS[name](case, got, want)
        if hasattr(want, "_fields"):  # the standard's named tuples
            assert tuple(got._fields) == tuple(want._fields), f"fields {got._fields}"
        if isinstance(want, (tuple, list)):
            assert len(got) == len(want), f"{len(got)} results, reference {len(want)}"
            for g, w in zip(got, want):
                _check(name, case, g, w)
        elif hasattr(want, "__array_namespace__"):  # an array of the reference
            _check_array(name, case, got, want)
        elif type(want).__name__ in ("finfo_object", "iinfo_object"):
            for field in ("bits", "max", "min", "eps", "smallest_normal", "dtype"):
                if hasattr(want, field):
                    w, g = getattr(want, field), getattr(got, field)
                    assert (onp.dtype(g) == onp.dtype(str(w).split(".")[-1]) if field == "dtype"
                            else float(g) == float(w)), f"{field}: {g}, reference {w}"
        elif type(want).__name__ == "DType":
            assert onp.dtype(got) == onp.dtype(str(want).split(".")[-1]), \
                f"dtype {got}, reference {want}"
        else:
            assert type(got) is type(want) and got == want, f"{got!r}, reference {want!r}"
    except AssertionError as e:
        raise AssertionError(f"{name}{case}: {e}") from None


def _wider(dtype):
    """The 64-bit counterpart of a 32-bit inexact dtype."""
    return {onp.float32: onp.float64, onp.complex64: onp.complex128}.get(onp.dtype(dtype).type)


def _wide_ref(name, case, want):
    """For a case of 32-bit inexact arrays: the reference computed in 64 bits and rounded
    (NumPy's own 32-bit functions are not all correctly rounded: log1p of complex64)."""
    arrays = [a for a in case.args if isinstance(a, onp.ndarray)]
    if not arrays or case.kwargs or not all(_wider(a.dtype) for a in arrays):
        return want
    wide = _ref(name, Case(*[a.astype(_wider(a.dtype)) if isinstance(a, onp.ndarray) else a
                             for a in case.args]))
    if wide is None:
        return want
    with onp.errstate(over="ignore"):
        return xp.asarray(onp.asarray(wide).astype(onp.asarray(want).dtype))


def compare(name, cases, wide=False, check_eager=False):
    """Runs `cases` of function `name` in both namespaces and compares every case the
    reference accepts (and the table does not list as a difference). With `wide`, 32-bit
    inexact results compare with the 64-bit reference, rounded."""
    kept = [(case, want) for case in cases
            if not differs(name, case.label) for want in [_ref(name, case)]
            if want is not None]
    assert kept, f"{name}: the reference accepted none of the cases"
    for (case, want), got in zip(kept, _ours(name, [c for c, _ in kept], check_eager)):
        _check(name, case, got, _wide_ref(name, case, want) if wide else want)


# ---------------------------------------------------------------------------------------
# The elementwise functions: arity, inputs

UNARY = ("abs acos acosh asin asinh atan atanh bitwise_invert ceil conj cos cosh exp expm1 "
         "floor imag isfinite isinf isnan log log1p log2 log10 logical_not negative positive "
         "real reciprocal round sign signbit sin sinh square sqrt tan tanh trunc").split()
BINARY = ("add atan2 bitwise_and bitwise_left_shift bitwise_or bitwise_right_shift bitwise_xor "
          "copysign divide equal floor_divide greater greater_equal hypot less less_equal "
          "logaddexp logical_and logical_or logical_xor maximum minimum multiply nextafter "
          "not_equal pow remainder subtract").split()
# integer arithmetic that would overflow on the extremes (unspecified by the standard)
NO_EXTREMES = {"abs", "negative", "square", "add", "subtract", "multiply", "pow",
               "floor_divide", "remainder"}
# functions whose 32-bit reference is computed in 64 bits and rounded (NumPy's 32-bit
# transcendental functions are not all correctly rounded: log1p of complex64)
WIDE_REFERENCE = set(("acos acosh asin asinh atan atanh cos cosh exp expm1 log log1p log2 "
                      "log10 sin sinh sqrt tan tanh atan2 hypot logaddexp pow").split())
MIXED = [("int8", "uint8"), ("uint16", "int32"), ("float32", "float64"),
         ("float32", "complex128"), ("complex64", "float64")]
SCALARS = {"b": True, "i": 3, "u": 3, "f": -1.5, "c": 1 - 2j}
SHAPE_KINDS = "bif"  # the dtypes of these kinds also run on 0-d and empty inputs


def _second_operand(name, dtype, x):
    """The right operand: x's values, restricted where the standard leaves the result
    unspecified for integers (shifts by the width or more, negative powers, division by 0)."""
    dt = onp.dtype(dtype)
    if dt.kind not in "iu":
        return x
    if "shift" in name:
        return onp.array([0, 1, 3, dt.itemsize * 8 - 1], dt)
    if name == "pow":
        return x[(x >= 0) & (x < 4)]
    if name in ("floor_divide", "remainder"):
        return x[x != 0]
    return x


def _split(x, known):
    """(x without the values `known` selects, those values)."""
    return x[~known], x[known]


def elementwise_cases(name, dtype):
    """The cases of elementwise function `name` for `dtype`: all values (against all, for
    binary functions: as an outer product), with Python scalars, 0-d and empty; values
    showing a listed difference go in a case of their own, with its label."""
    dt = onp.dtype(dtype)
    x = values(dtype, "finite" if name in NO_EXTREMES else "edge")
    extra = []
    if name == "reciprocal" and dt.kind == "c":
        x, zero = _split(x, x == 0)
        extra.append(Case(zero, label="complex zero divisor"))
    if name in UNARY:
        return [Case(x.reshape(2, -1) if x.size % 2 == 0 else x), *extra] + \
            ([Case(x[1:2].reshape(())), Case(x[:0])] if dt.kind in SHAPE_KINDS else [])
    y = _second_operand(name, dtype, x)
    if name == "divide" and dt.kind == "f":
        y, huge = _split(y, onp.abs(y) > 1 / onp.finfo(dt).smallest_normal)
        extra.append(Case(x[:, None], huge[None, :], label="huge divisor"))
    if name == "divide" and dt.kind == "c":
        y, zero = _split(y, y == 0)
        extra.append(Case(x[:, None], zero[None, :], label="complex zero divisor"))
    if name == "pow" and dt.kind == "c":
        x, zero = _split(x, x == 0)
        extra.append(Case(zero[:, None], y[None, :], label="complex zero base"))
    scalar = SCALARS[dt.kind]
    return [Case(x[:, None], y[None, :]), Case(x, scalar, label="scalar"),
            Case(scalar, y, label="scalar"), *extra] + \
        ([Case(x[1:2].reshape(()), y[:1].reshape(())), Case(x[:0], y[:1].reshape(()))]
         if dt.kind in SHAPE_KINDS else [])


@pytest.mark.parametrize("name", UNARY + BINARY)
def test_elementwise(name):
    """Every dtype the reference accepts, all values against all (binary), Python scalars on
    either side, 0-d and empty inputs, and mixed dtypes."""
    cases = [case for dtype in dtypes_for(name) for case in elementwise_cases(name, dtype)]
    if name in BINARY:
        for a, b in MIXED:
            xa, xb = values(a, "finite"), _second_operand(name, b, values(b, "finite"))
            if name in ("pow", "divide") and "complex" in a + b:  # (zeros as above)
                xa, xb = (xa[xa != 0], xb) if name == "pow" else (xa, xb[xb != 0])
            cases.append(Case(xa[:, None], xb[None, :]))
    compare(name, cases, wide=name in WIDE_REFERENCE, check_eager=True)


# ---------------------------------------------------------------------------------------
# Every other function: one case maker per function, called per dtype (None: the
# function's default dtype, for the creation functions)

def mat(shape, dtype, kind="general", seed=0):
    """Well-conditioned matrices ("general": A + n I; "spd": A A^H + n I), or arbitrary
    ones ("any"); small integers for integer dtypes (no overflow in products)."""
    dt = onp.dtype(dtype)
    if dt.kind in "biu":
        return arr(shape, dtype, shift=len(shape))
    rng = onp.random.default_rng(sum(shape) + len(shape) + seed)
    a = rng.standard_normal(shape) + (1j * rng.standard_normal(shape) if dt.kind == "c" else 0)
    if kind != "any" and len(shape) >= 2 and shape[-1] == shape[-2]:
        n = shape[-1]
        if kind == "spd":
            a = a @ onp.conj(onp.swapaxes(a, -1, -2))
        a = a + n * onp.eye(n)
    return a.astype(dt)


def _kw(dtype):
    return {} if dtype is None else {"dtype": D(dtype)}


def _cast_values(src, dst):
    """Values of `src` that every dtype `dst` holds (casts out of range are unspecified)."""
    s, d = onp.dtype(src), onp.dtype(dst)
    if s == bool:
        return onp.array([False, True])
    if s.kind in "iu":
        return onp.array([0, 1, 2, 7, 100] + ([-1, -7] if s.kind == d.kind == "i" or
                                              d.kind in "fcb" and s.kind == "i" else []), s)
    specials = [onp.nan, onp.inf, -onp.inf] if d.kind in "fc" else []
    return onp.array([0.0, -0.0, 1.5, 2.5, 7.9, 100.0] + specials).astype(s)


def _fills(dtype):
    """Python scalars of the kinds `dtype` holds (a complex fill for a real dtype, or a float
    for an integer one, is unspecified)."""
    order = "bifc"
    top = order.index(onp.dtype(dtype).kind.replace("u", "i")) if dtype else 3
    return [v for v in (True, 3, -2.5, 1 - 2j) if order.index(SCALAR_KINDS[type(v)]) <= top]


SCALAR_KINDS = {bool: "b", int: "i", float: "f", complex: "c"}


def _kinds_of(a, b):
    """"across kinds" where one of dtypes a, b is bool, integer, real or complex and the
    other is not."""
    kind = {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}
    return "across kinds" if kind[onp.dtype(a).kind] != kind[onp.dtype(b).kind] else ""


def _matrix_cases(mk):
    return lambda dt: [Case(mk((2, 3), dt), mk((3, 4), dt)), Case(mk((3,), dt), mk((3,), dt)),
                       Case(mk((2, 2, 3), dt), mk((3,), dt)), Case(mk((3,), dt), mk((3, 2), dt)),
                       Case(mk((2, 1, 2, 3), dt), mk((4, 3, 2), dt)),
                       Case(mk((0, 3), dt), mk((3, 2), dt))]


def _tensordot(dt):
    return [Case(mat((2, 3), dt), mat((3, 4), dt), axes=1), Case(mat((2, 3), dt), mat((2, 3), dt)),
            Case(mat((2, 3, 4), dt), mat((3, 2, 5), dt), axes=((1, 0), (0, 1))),
            Case(mat((2,), dt), mat((3,), dt), axes=0)]


def _vecdot(dt):
    return [Case(mat((2, 3), dt, "any"), mat((3,), dt, "any")),
            Case(mat((3, 2), dt, "any"), mat((3, 2), dt, "any"), axis=0)]


def _transpose(dt):
    return [Case(mat((2, 3), dt)), Case(mat((4, 2, 3), dt))]


def _unique(dt):
    x = onp.concatenate([values(dt, "finite"), values(dt, "finite")[::-2]])
    nan = [Case(onp.array([onp.nan, 1, onp.nan], dt), label="nan", eager=True)] \
        if onp.dtype(dt).kind in "fc" else []
    return [Case(x, eager=True), Case(x[:6].reshape(2, 3), eager=True)] + nan


def _sorting(dt):
    x = values(dt, "edge")
    x2 = arr((3, 4), dt, "edge", shift=3)
    return [Case(onp.concatenate([x, x])), Case(x, descending=True),
            Case(x2, axis=0, descending=True)] + \
        [Case(x2, axis=-1, stable=True), Case(x[:0])] * covers_shapes(dt)


def covers_shapes(dt):
    """Whether the cases of dtype dt include the shape edge cases (0-d, empty, a tuple of
    axes): one dtype of each kind would do; these are cheap to compile."""
    return dt in ("bool", "float64", "complex128") or onp.dtype(dt).kind == "i"


def _reduction(keep_dtype=False, empty=True, edge=False, **extra):
    def cases(dt):
        x = arr((3, 4), dt, "edge" if edge else "finite", shift=1)
        out = [Case(x), Case(x, axis=-1, keepdims=True),
               *(Case(x, axis=1, **{k: v}) for k, v in extra.items())]
        if keep_dtype:
            out.append(Case(x, axis=0, dtype=D(dt)))
        if covers_shapes(dt):
            out += [Case(x, axis=0), Case(x, axis=(0, 1)), Case(arr((), dt))] + \
                [Case(x[:0], axis=0)] * empty
        return out
    return cases


def _cumulative(dt):
    x = arr((3, 4), dt, shift=2)
    narrow = onp.dtype(dt).kind in "biu" and onp.dtype(dt).itemsize < 8  # (see DIFFERENCES)
    label = "small integer" if narrow else ""
    return [Case(x[0], label=label), Case(x, axis=1, include_initial=True, label=label),
            Case(x[0], dtype=D(dt))] + \
        [Case(x, axis=0, label=label), Case(x[0, :0], label=label)] * covers_shapes(dt)


def _searchsorted(dt):
    x1 = onp.sort(values(dt, "edge"))  # (NaN last)
    x2 = values(dt, "edge")[::-1]
    unsorted = values(dt, "edge")
    return [Case(x1, x2), Case(x1, x2, side="right"), Case(x1, onp.resize(x2, (2, 3))),
            Case(unsorted, x2, sorter=onp.argsort(unsorted, kind="stable"))]


def _where(dt):
    x, cond = arr((6,), dt, "edge"), arr((6,), "bool")
    scalar = SCALARS[onp.dtype(dt).kind]
    return [Case(cond, x, arr((6,), dt, "edge", shift=3)), Case(cond, x, scalar)] + \
        [Case(cond[:2, None], x[None, :], arr((), dt)), Case(cond, scalar, x)] * covers_shapes(dt)


def _fft_input(shape, dt, real=False):
    base = "float64" if onp.dtype(dt) in (onp.float64, onp.complex128) else "float32"
    return mat(shape, base if real else dt, "any")


def _fft(real_in=False):
    def cases(dt):
        x, x2 = _fft_input((8,), dt, real_in), _fft_input((3, 8), dt, real_in)
        return [Case(x), Case(x, n=6), Case(x, n=11), Case(x2, axis=0), Case(x2, norm="ortho"),
                Case(x, norm="forward")]
    return cases


def _fftn(real_in=False):
    def cases(dt):
        x, x3 = _fft_input((4, 6), dt, real_in), _fft_input((2, 3, 4), dt, real_in)
        return [Case(x), Case(x, s=(2, 4)), Case(x3, axes=(0, 2)), Case(x, norm="ortho")]
    return cases


def _inverse_real(n_key="n"):  # irfft, hfft: Hermitian input, an output length
    def cases(dt):
        x, x2 = mat((5,), dt, "any"), mat((3, 5), dt, "any")
        return [Case(x), Case(x, **{n_key: 8}), Case(x, **{n_key: 9}), Case(x2, axis=0),
                Case(x, norm="ortho")]
    return cases


def _irfftn(dt):
    x = mat((3, 5), dt, "any")
    return [Case(x), Case(x, s=(3, 8)), Case(x, axes=(0,)), Case(x, norm="forward")]


def _shift(dt):
    x = arr((3, 4), dt)
    return [Case(x[0]), Case(x), Case(x, axes=0), Case(x, axes=(0, 1))]


def _freq(dt):
    return [Case(8, d=0.5, dtype=D(dt)), Case(9, dtype=D(dt))] if dt else \
        [Case(8), Case(9, d=0.25), Case(1)]


def _norm_of_vectors(dt):
    x = mat((5,), dt, "any")
    return [Case(x, ord=o) for o in (1, 2, onp.inf, -onp.inf, 0, 3, -1)] + \
        [Case(mat((2, 3), dt, "any"), axis=(0, 1)), Case(mat((2, 3), dt, "any"), axis=0,
                                                          keepdims=True)]


_INT = onp.array([0, 2, 1, 2])
_KINDS = ["bool", "signed integer", "unsigned integer", "integral", "real floating",
          "complex floating", "numeric", ("integral", "bool")]

TABLE = {
    # creation
    "arange": (lambda dt: [Case(5), Case(2, 10, 3), Case(10, 0, -3), Case(-1.5, 2.5, 0.5),
                           Case(0, 1, 0.25), Case(3, 3)] if dt is None else
               [Case(0, 5, dtype=D(dt)), Case(1, 10, 2, dtype=D(dt))]),
    "asarray": (lambda dt: [Case([[1, 2], [3, 4]]), Case([1.5, -0.0]), Case(True), Case(3),
                            Case(2.5), Case(1 + 2j), Case([[True, False]]),
                            Case(arr((2, 3), "float32"))] if dt is None else
                [Case([1, 0], dtype=D(dt)), Case(arr((3,), dt), copy=True),
                 Case(arr((3,), "uint8"), dtype=D(dt)), Case(True, dtype=D(dt))]),
    "empty": lambda dt: [Case((2, 3), **_kw(dt)), Case(4, **_kw(dt)), Case((), **_kw(dt)),
                         Case((0, 2), **_kw(dt))],
    "eye": lambda dt: [Case(3, **_kw(dt)), Case(3, 4, k=1, **_kw(dt)),
                       Case(2, 5, k=-1, **_kw(dt)), Case(4, k=10, **_kw(dt)), Case(0, **_kw(dt))],
    "full": lambda dt: [Case((2, 3), v, **_kw(dt)) for v in _fills(dt)] + [Case((), 7, **_kw(dt))],
    "linspace": (lambda dt: [Case(0, 1, 5), Case(0, 1, 5, endpoint=False), Case(-2.5, 10, 1),
                             Case(3, 3, 0), Case(1 + 1j, 2 - 1j, 3), Case(2, -2, 4)]
                 if dt is None else [Case(0, 10, 4, dtype=D(dt)),
                                     Case(0, 10, 4, dtype=D(dt), endpoint=False)]),
    "meshgrid": lambda dt: [Case(arr((3,), dt), arr((2,), dt, shift=1)),
                            Case(arr((3,), dt), arr((2,), dt), arr((4,), dt), indexing="ij"),
                            Case(arr((3,), dt))],
    "empty_like": lambda dt: [Case(arr((2, 3), dt)), Case(arr((), dt)),
                              Case(arr((2,), "int16"), dtype=D(dt))],
    "full_like": lambda dt: [Case(arr((2, 3), dt), v) for v in _fills(dt)] +
    [Case(arr((2,), "int8"), 2, dtype=D(dt))],
    "tril": lambda dt: [Case(arr((3, 4), dt)), Case(arr((3, 4), dt), k=1),
                        Case(arr((3, 4), dt), k=-2), Case(arr((2, 3, 3), dt)),
                        Case(arr((0, 3), dt))],
    # data types
    "astype": lambda dt: [Case(_cast_values(dt, d), D(d)) for d in DTYPES] +
    [Case(arr((3,), dt), D(dt), copy=True)],
    "can_cast": lambda dt: [Case(D(dt), D(d), eager=True, label=_kinds_of(dt, d)) for d in DTYPES] +
    [Case(arr((2,), dt), D("float64"), eager=True, label=_kinds_of(dt, "float64"))],
    "finfo": lambda dt: [Case(D(dt), eager=True), Case(arr((2,), dt), eager=True)],
    "isdtype": lambda dt: [Case(D(dt), k, eager=True) for k in _KINDS] +
    [Case(D(dt), D(dt), eager=True), Case(D(dt), D("int8"), eager=True)],
    "result_type": lambda dt: [Case(D(dt), D(d), eager=True) for d in DTYPES] +
    [Case(D(dt), v, eager=True) for v in (True, 1, 1.5, 1j)] +
    [Case(arr((2,), dt), arr((2,), "int8"), eager=True), Case(D(dt), eager=True)],
    # manipulation
    "broadcast_arrays": lambda dt: [Case(arr((3, 1), dt), arr((1, 4), dt), arr((), dt)),
                                    Case(arr((2,), dt)), Case(arr((0, 1), dt), arr((3,), dt))],
    "broadcast_to": lambda dt: [Case(arr((3, 1), dt), (2, 3, 4)), Case(arr((), dt), (0, 2)),
                                Case(arr((2,), dt), (2,))],
    "concat": lambda dt: [Case([arr((2, 3), dt), arr((1, 3), dt, shift=2)]),
                          Case([arr((2, 3), dt), arr((2, 1), dt)], axis=-1),
                          Case([arr((2,), dt), arr((3,), dt)], axis=None),
                          Case([arr((2, 2), dt), arr((3,), dt)], axis=None),
                          Case([arr((2,), dt), arr((2,), "int8")]),
                          Case([arr((0, 3), dt), arr((2, 3), dt)])],
    "expand_dims": lambda dt: [Case(arr((2, 3), dt)), Case(arr((2, 3), dt), axis=-1),
                               Case(arr((2, 3), dt), axis=1), Case(arr((), dt), axis=0)],
    "flip": lambda dt: [Case(arr((2, 3), dt)), Case(arr((2, 3), dt), axis=0),
                        Case(arr((2, 3), dt), axis=(0, 1)), Case(arr((2, 3), dt), axis=-1)],
    "moveaxis": lambda dt: [Case(arr((2, 3, 4), dt), 0, -1),
                            Case(arr((2, 3, 4), dt), (0, 1), (2, 0))],
    "permute_dims": lambda dt: [Case(arr((2, 3, 4), dt), (2, 0, 1)), Case(arr((), dt), ())],
    "repeat": lambda dt: [Case(arr((5,), dt), 2), Case(arr((2, 3), dt), 2, axis=1),
                          Case(arr((2, 3), dt), 0, axis=0),
                          Case(arr((2, 3), dt), onp.array([1, 0, 2]), axis=1, eager=True),
                          Case(arr((3,), dt), onp.array([1, 2, 0]), eager=True)],
    "reshape": lambda dt: [Case(arr((2, 6), dt), (3, 4)), Case(arr((2, 6), dt), (-1,)),
                           Case(arr((2, 6), dt), (12, 1)), Case(arr((), dt), (1, 1)),
                           Case(arr((0, 3), dt), (3, 0))],
    "roll": lambda dt: [Case(arr((3, 4), dt), 1), Case(arr((3, 4), dt), -2, axis=1),
                        Case(arr((3, 4), dt), (1, 2), axis=(0, 1)), Case(arr((5,), dt), 7)],
    "squeeze": lambda dt: [Case(arr((1, 3, 1), dt), axis=0), Case(arr((1, 3, 1), dt), axis=(0, 2)),
                           Case(arr((1, 3, 1), dt), axis=-1)],
    "stack": lambda dt: [Case([arr((2, 3), dt), arr((2, 3), dt, shift=1)]),
                         Case([arr((2, 3), dt), arr((2, 3), dt)], axis=-1),
                         Case([arr((2, 3), dt), arr((2, 3), dt)], axis=1),
                         Case([arr((), dt), arr((), dt)]), Case([arr((2,), dt)])],
    "tile": lambda dt: [Case(arr((2, 3), dt), (2,)), Case(arr((2, 3), dt), (2, 1, 3)),
                        Case(arr((), dt), (3,)), Case(arr((3,), dt), (0,))],
    "unstack": lambda dt: [Case(arr((2, 3), dt)), Case(arr((2, 3), dt), axis=1),
                           Case(arr((2, 3), dt), axis=-1)],
    # searching, sets, sorting
    "argmax": _reduction(empty=False, edge=True),
    "count_nonzero": _reduction(edge=True),
    "nonzero": lambda dt: [Case(arr(shape, dt, "edge"), eager=True)
                           for shape in ((5,), (2, 3), (0,))],
    "searchsorted": _searchsorted,
    "where": _where,
    "unique_all": _unique,
    "sort": _sorting,
    # statistics and utilities
    "cumulative_sum": _cumulative,
    "max": _reduction(empty=False, edge=True),
    "mean": _reduction(),
    "sum": _reduction(keep_dtype=True),
    "std": _reduction(correction=1),
    "all": _reduction(edge=True),
    "diff": lambda dt: [Case(arr((6,), dt)), Case(arr((6,), dt), n=2),
                        Case(arr((3, 4), dt), axis=0),
                        Case(arr((4,), dt), prepend=arr((2,), dt), append=arr((1,), dt))],
    "clip": lambda dt: [Case(arr((8,), dt, "edge"), SCALARS[onp.dtype(dt).kind], None),
                        Case(arr((8,), dt, "edge"), None, 2),
                        Case(arr((8,), dt), arr((8,), dt, shift=3), arr((), dt, shift=4)),
                        Case(arr((8,), dt), 1, 2)],
    # linear algebra and indexing
    "matmul": _matrix_cases(mat),
    "matrix_transpose": _transpose,
    "tensordot": _tensordot,
    "vecdot": _vecdot,
    "take": lambda dt: [Case(arr((5,), dt), _INT), Case(arr((3, 4), dt), _INT, axis=1),
                        Case(arr((3, 4), dt), _INT.astype("int32"), axis=0)],
    "take_along_axis": lambda dt: [
        Case(arr((3, 4), dt), onp.argsort(arr((3, 4), "float64", shift=2), axis=-1), axis=-1),
        Case(arr((3, 4), dt), onp.array([[0, 2, 1, 0]]), axis=0)],
    # the linalg extension
    "linalg.cholesky": lambda dt: [Case(mat((3, 3), dt, "spd")), Case(mat((2, 3, 3), dt, "spd")),
                                   Case(mat((3, 3), dt, "spd"), upper=True)],
    "linalg.cross": lambda dt: [Case(mat((2, 3), dt), mat((2, 3), dt, "any", seed=1)),
                                Case(mat((3,), dt), mat((3,), dt, seed=1)),
                                Case(mat((3, 2), dt), mat((3, 2), dt, "any", seed=1), axis=0)],
    "linalg.det": lambda dt: [Case(mat((3, 3), dt)), Case(mat((2, 3, 3), dt))],
    "linalg.diagonal": lambda dt: [Case(arr((3, 4), dt)), Case(arr((3, 4), dt), offset=1),
                                   Case(arr((3, 4), dt), offset=-1), Case(arr((2, 3, 3), dt))],
    "linalg.eigh": lambda dt: [Case(mat((3, 3), dt, "spd")), Case(mat((2, 3, 3), dt, "spd"))],
    "linalg.inv": lambda dt: [Case(mat((3, 3), dt)), Case(mat((2, 3, 3), dt))],
    "linalg.matmul": _matrix_cases(mat),
    "linalg.matrix_norm": lambda dt: [Case(mat((3, 3), dt), ord=o) for o in
                                      ("fro", "nuc", 1, -1, 2, -2, onp.inf, -onp.inf)
                                      if covers_shapes(dt) or o in ("fro", 2, onp.inf)] +
    [Case(mat((2, 3, 3), dt), keepdims=True)],
    "linalg.matrix_power": lambda dt: [Case(mat((3, 3), dt), n) for n in (0, 1, 3, -2)],
    "linalg.matrix_rank": lambda dt: [Case(mat((3, 3), dt)), Case(mat((4, 4), dt, "any")),
                                      Case(onp.ones((3, 4), dt)),
                                      Case(onp.ones((3, 4), dt), rtol=0.5)],
    "linalg.matrix_transpose": _transpose,
    "linalg.outer": lambda dt: [Case(mat((3,), dt), mat((4,), dt, "any")),
                                Case(mat((0,), dt), mat((2,), dt))],
    "linalg.pinv": lambda dt: [Case(mat((3, 4), dt, "any")), Case(mat((4, 3), dt, "any"),
                                                                 rtol=1e-3)],
    "linalg.qr": lambda dt: [Case(mat((4, 3), dt, "any")), Case(mat((3, 4), dt, "any")),
                             Case(mat((4, 3), dt, "any"), mode="complete")],
    "linalg.slogdet": lambda dt: [Case(mat((3, 3), dt)), Case(mat((2, 3, 3), dt)),
                                  Case(onp.ones((3, 3), dt))],
    "linalg.solve": lambda dt: [Case(mat((3, 3), dt), mat((3, 2), dt, "any")),
                                Case(mat((2, 3, 3), dt), mat((2, 3, 2), dt, "any")),
                                Case(mat((3, 3), dt), mat((3,), dt, "any"))],
    "linalg.svd": lambda dt: [Case(mat((4, 3), dt, "any")),
                              Case(mat((3, 4), dt, "any"), full_matrices=False)],
    "linalg.svdvals": lambda dt: [Case(mat((4, 3), dt, "any")), Case(mat((2, 3, 4), dt, "any"))],
    "linalg.tensordot": _tensordot,
    "linalg.trace": lambda dt: [Case(arr((3, 3), dt)), Case(arr((3, 4), dt), offset=1),
                                Case(arr((2, 3, 3), dt)), Case(arr((3, 3), dt), dtype=D(dt))],
    "linalg.vecdot": _vecdot,
    "linalg.vector_norm": _norm_of_vectors,
    # the fft extension
    "fft.fft": _fft(), "fft.rfft": _fft(real_in=True), "fft.ihfft": _fft(real_in=True),
    "fft.fftn": _fftn(), "fft.rfftn": _fftn(real_in=True),
    "fft.irfft": _inverse_real(), "fft.hfft": _inverse_real(), "fft.irfftn": _irfftn,
    "fft.fftfreq": _freq, "fft.fftshift": _shift,
}
# functions that take the same cases as another
for _name, _like in {"zeros": "empty", "ones": "empty", "zeros_like": "empty_like",
                     "ones_like": "empty_like", "triu": "tril", "iinfo": "finfo",
                     "argmin": "argmax", "unique_counts": "unique_all",
                     "unique_inverse": "unique_all", "unique_values": "unique_all",
                     "argsort": "sort", "cumulative_prod": "cumulative_sum", "min": "max",
                     "prod": "sum", "var": "std", "any": "all", "linalg.eigvalsh": "linalg.eigh",
                     "fft.ifft": "fft.fft", "fft.ifftn": "fft.fftn", "fft.rfftfreq": "fft.fftfreq",
                     "fft.ifftshift": "fft.fftshift"}.items():
    TABLE[_name] = TABLE[_like]
# creation functions whose cases also run without a dtype (the default)
DEFAULT_DTYPE = {"arange", "asarray", "empty", "zeros", "ones", "eye", "full", "linspace",
                 "fft.fftfreq", "fft.rfftfreq"}
VALUES_UNSPECIFIED = {"empty", "empty_like"}
# functions that only move elements around: fewer dtypes
STRUCTURAL = {"broadcast_arrays", "broadcast_to", "concat", "expand_dims", "flip", "moveaxis",
              "permute_dims", "repeat", "reshape", "roll", "squeeze", "stack", "tile",
              "unstack", "tril", "triu", "take", "take_along_axis", "meshgrid",
              "matrix_transpose", "linalg.matrix_transpose", "linalg.diagonal",
              "fft.fftshift", "fft.ifftshift", "empty", "empty_like", "zeros", "ones",
              "zeros_like", "ones_like", "full_like"}


def _q_r(case, got, want):
    """QR is unique only up to the signs (phases) of Q's columns: check the shapes, dtypes
    and that Q R is the input, Q has orthonormal columns and R is upper triangular."""
    a, (q, r) = case.args[0], (onp.asarray(g) for g in got)
    for g, w in zip(got, want):
        assert g.dtype == onp.asarray(w).dtype and g.shape == w.shape, (g.shape, w.shape)
    tol = 100 * tol_for(a.dtype)
    onp.testing.assert_allclose(q @ r, a, rtol=tol, atol=tol)
    onp.testing.assert_allclose(onp.conj(q.T) @ q, onp.eye(q.shape[1]), atol=tol)
    onp.testing.assert_array_equal(onp.tril(r, -1), 0)


def _eigh(case, got, want):
    a, (w, v) = case.args[0], (onp.asarray(g) for g in got)
    _check_array("linalg.eigh", case, got[0], want[0])
    assert v.dtype == onp.asarray(want[1]).dtype and v.shape == want[1].shape
    tol = 100 * tol_for(a.dtype)
    onp.testing.assert_allclose(v @ (w[..., None] * onp.conj(onp.swapaxes(v, -1, -2))), a,
                                rtol=tol, atol=tol * onp.abs(a).max())


def _svd(case, got, want):
    a, (u, s, vh) = case.args[0], (onp.asarray(g) for g in got)
    _check_array("linalg.svd", case, got[1], want[1])
    for g, w in zip(got, want):
        assert g.dtype == onp.asarray(w).dtype and g.shape == w.shape, (g.shape, w.shape)
    k = s.shape[-1]
    tol = 100 * tol_for(a.dtype)
    onp.testing.assert_allclose((u[..., :k] * s[..., None, :]) @ vh[..., :k, :], a,
                                rtol=tol, atol=tol * onp.abs(a).max())


INVARIANTS = {"linalg.qr": _q_r, "linalg.eigh": _eigh, "linalg.svd": _svd}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_function(name):
    if name in ("can_cast", "result_type", "isdtype", "finfo", "iinfo"):
        dts = DTYPES  # (nothing to compile)
    elif name in STRUCTURAL:
        dts = dtypes_for(name)[:2] + dtypes_for(name)[3::3]  # bool, an integer, f32, c128
    elif name.startswith("unique_") or name == "nonzero":
        dts = dtypes_for(name)[1::2]  # (eager only: several programs a call)
    else:
        dts = dtypes_for(name)
    compare(name, [case for dt in dts + [None] * (name in DEFAULT_DTYPE)
                   for case in TABLE[name](dt)])


# ---------------------------------------------------------------------------------------
# The array object: operators, indexing, conversions, attributes

OPERATORS = {"add": "add", "sub": "subtract", "mul": "multiply", "truediv": "divide",
             "floordiv": "floor_divide", "mod": "remainder", "pow": "pow",
             "and_": "bitwise_and", "or_": "bitwise_or", "xor": "bitwise_xor",
             "lshift": "bitwise_left_shift", "rshift": "bitwise_right_shift", "lt": "less",
             "le": "less_equal", "gt": "greater", "ge": "greater_equal", "eq": "equal",
             "ne": "not_equal", "neg": "negative", "pos": "positive", "abs": "abs",
             "invert": "bitwise_invert"}


@pytest.mark.parametrize("op", sorted(OPERATORS))
def test_operator(op):
    """x op y, x op scalar and scalar op x (the reflected method) as the function."""
    fn = OPERATORS[op]
    cases = [c for dt in ("bool", "int16", "float32") for c in elementwise_cases(fn, dt)]
    compare(f"operator.{op}", [c for c in cases if not differs(fn, c.label)])


def test_matmul_operator():
    compare("operator.matmul", _matrix_cases(mat)("float32") + _matrix_cases(mat)("int64"))


_X = arr((3, 4), "float64", "edge")
INDICES = [0, -1, (1, 2), (slice(None), 1), (Ellipsis, slice(None, None, -1)), (None, 0),
           slice(1, None, 2), (slice(-2, None), slice(None, -1)), (Ellipsis, None),
           (onp.array([0, 2]),), (slice(None), onp.array([3, -1, 0])),
           (onp.array([[0], [2]]), onp.array([1, 3])), (1, onp.array([0, 1]))]


def test_getitem():
    cases = [Case(_X, index) for index in INDICES] + \
        [Case(arr((), "int8"), ()), Case(arr((), "int8"), Ellipsis), Case(arr((), "int8"), None),
         Case(_X, _X > 1, eager=True), Case(_X, (_X[:, 0] > 0,), eager=True)]
    compare("operator.getitem", cases)


@pytest.mark.parametrize("to", sorted(_PYTHON))
def test_python_scalar_conversions(to):
    compare(f"python.{to}", [Case(arr((), dt, shift=k), eager=True) for dt in DTYPES
                             for k in (0, 1)] + [Case(arr((1, 1), "float32"), eager=True)])
    with pytest.raises(ValueError if to == "bool" else TypeError):  # (as NumPy and JAX)
        _PYTHON[to](xnp.ones(3))


def test_index_and_setitem():
    assert operator.index(xnp.asarray(3, dtype=xnp.int8)) == 3
    with pytest.raises(TypeError):
        operator.index(xnp.asarray(3.0))
    x = xnp.zeros(3)
    with pytest.raises(TypeError, match="immutable"):  # see DIFFERENCES: "__setitem__"
        x[0] = 1.0
    assert x.at[0].set(1.0).tolist() == [1.0, 0.0, 0.0]
    y, outside = xnp.arange(5.0), xnp.asarray([1, 7, -9])  # see DIFFERENCES: "take"
    assert onp.isnan(onp.asarray(xnp.take(y, outside)))[1:].all()
    assert y[outside].tolist() == [1.0, 4.0, 0.0]


def test_array_attributes():
    x, ref = xnp.asarray(_X), xp.asarray(_X)
    assert (x.shape, x.ndim, x.size) == (ref.shape, ref.ndim, ref.size) == ((3, 4), 2, 12)
    assert x.dtype == xnp.float64 and onp.dtype(x.dtype) == onp.float64
    onp.testing.assert_array_equal(onp.asarray(x.mT), onp.asarray(ref.mT))
    onp.testing.assert_array_equal(onp.asarray(x.T), _X.T)
    assert xnp.ones((2, 3, 4)).mT.shape == (2, 4, 3)
    assert x.__array_namespace__() is xnp
    assert x.__array_namespace__(api_version=API_VERSION) is xnp
    with pytest.raises(ValueError, match="api_version"):
        x.__array_namespace__(api_version="2021.12")
    assert x.device in xnp.__array_namespace_info__().devices()
    other = xf.devices()[1]
    moved = x.to_device(other)
    assert moved.device == other and moved.committed
    onp.testing.assert_array_equal(onp.asarray(moved), _X)


# ---------------------------------------------------------------------------------------
# The namespace: every name of the standard, its signatures, the inspection namespace

_STRICT_ONLY = {"ArrayAPIStrictFlags", "Device", "ModuleType", "get_array_api_strict_flags",
                "set_array_api_strict_flags", "reset_array_api_strict_flags"}
LINALG = ("cholesky cross det diagonal eigh eigvalsh inv matmul matrix_norm matrix_power "
          "matrix_rank matrix_transpose outer pinv qr slogdet solve svd svdvals tensordot "
          "trace vecdot vector_norm").split()
FFT = ("fft ifft fftn ifftn rfft irfft rfftn irfftn hfft ihfft fftfreq rfftfreq fftshift "
       "ifftshift").split()


def _in_version(obj):
    """Whether a name of the reference belongs to the 2024.12 standard (the reference
    refuses to call a later version's functions)."""
    if not callable(obj) or isinstance(obj, type) or type(obj).__name__ == "DType":
        return True
    try:
        obj()
    except RuntimeError as e:
        return "requires API version" not in str(e)
    except Exception:  # noqa: BLE001 (missing arguments: it ran the version check)
        pass
    return True


def standard_names():
    public = [n for n in dir(xp) if not n.startswith("_") and n not in _STRICT_ONLY]
    names = [n for n in public if n not in ("linalg", "fft") and _in_version(getattr(xp, n))]
    return names + ["__array_api_version__", "__array_namespace_info__"] + \
        [f"linalg.{n}" for n in LINALG] + [f"fft.{n}" for n in FFT]


def test_namespace_has_every_name():
    names = standard_names()
    assert len(names) > 160, names  # (the reference's names were found)
    missing = [n for n in names if not hasattr(_resolve(xnp, n.rpartition(".")[0]) if "." in n
                                               else xnp, n.rpartition(".")[2])]
    assert not missing, missing
    assert xnp.__array_api_version__ == API_VERSION == xp.__array_api_version__
    # and every function of the standard is compared above
    tested = set(TABLE) | set(UNARY) | set(BINARY) | {"from_dlpack", "__array_namespace_info__"}
    functions = [n for n in names if callable(_resolve(xp, n)) and
                 type(_resolve(xp, n)).__name__ != "DType"]
    assert not [n for n in functions if n not in tested], "functions without cases"


def _keyword_parameters(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # (ufunc objects: their __call__ takes *args)
        return None, None
    names = {p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
    return names, any(p.kind == p.VAR_KEYWORD for p in params)


def test_signatures_take_the_standards_keywords():
    wrong = {}
    for name in standard_names():
        ref = _resolve(xp, name)
        if not callable(ref) or isinstance(ref, type) or name.startswith("__"):
            continue
        ours, ours_any = _keyword_parameters(_resolve(xnp, name))
        std = inspect.signature(ref).parameters.values()
        wanted = {p.name for p in std if p.kind == p.KEYWORD_ONLY}
        if ours is not None and not ours_any and not wanted <= ours:
            wrong[name] = sorted(wanted - ours)
    assert not wrong, wrong


def test_constants_and_dtypes():
    for name in ("e", "pi", "inf", "nan"):
        assert onp.array_equal(getattr(xnp, name), getattr(xp, name), equal_nan=True)
    assert xnp.newaxis is None is xp.newaxis
    for name in DTYPES:
        dtype = getattr(xnp, name)
        assert dtype == dtype and onp.dtype(dtype) == onp.dtype(name)
        assert xnp.zeros(2, dtype=dtype).dtype == dtype
        assert (dtype == getattr(xnp, "int8")) == (name == "int8")


def test_namespace_info():
    info, ref = xnp.__array_namespace_info__(), xp.__array_namespace_info__()
    assert set(info.capabilities()) == set(ref.capabilities())
    assert info.capabilities()["boolean indexing"] is False  # (see DIFFERENCES)
    assert info.capabilities()["max dimensions"] == 64
    assert info.default_device() is None and info.devices()[0] is None
    assert info.devices()[1:] == xf.devices()
    assert {k: onp.dtype(v) for k, v in info.default_dtypes().items()} == {
        k: onp.dtype(str(v).split(".")[-1]) for k, v in ref.default_dtypes().items()}
    kinds = ["bool", "signed integer", "unsigned integer", "integral", "real floating",
             "complex floating", "numeric", ("real floating", "bool"), None]
    for kind in kinds:
        assert set(info.dtypes(kind=kind)) == set(ref.dtypes(kind=kind)), kind
        assert all(onp.dtype(v) == onp.dtype(k) for k, v in info.dtypes(kind=kind).items())
    with pytest.raises(ValueError, match="kind"):
        info.dtypes(kind="floating")
    xf.config.update("enable_x64", False)  # 32-bit defaults, no 64-bit types (as JAX)
    assert info.default_dtypes()["integral"] == onp.int32
    assert set(info.dtypes(kind="numeric")) == {"int8", "int16", "int32", "uint8", "uint16",
                                                "uint32", "float32", "complex64"}


# ---------------------------------------------------------------------------------------
# DLPack: both ways, without a copy where jaxlib allows it

def _aligned(values):
    """A NumPy copy of `values` whose data starts on a 64-byte boundary (jaxlib shares a
    CPU buffer without copying only then)."""
    values = onp.asarray(values)
    raw = onp.zeros(values.nbytes + 64, onp.uint8)
    start = -raw.ctypes.data % 64
    out = raw[start:start + values.nbytes].view(values.dtype).reshape(values.shape)
    out[...] = values
    return out


def test_dlpack_to_numpy_shares_the_buffer():
    x = xnp.arange(6.0).reshape(2, 3)
    assert x.__dlpack_device__() == (1, 0)  # (kDLCPU, device 0)
    host = onp.from_dlpack(x)
    onp.testing.assert_array_equal(host, onp.arange(6.0).reshape(2, 3))
    assert host.ctypes.data == x.unsafe_buffer_pointer() and not host.flags.writeable
    copied = onp.from_dlpack(x, copy=True)
    assert copied.ctypes.data != x.unsafe_buffer_pointer()
    onp.testing.assert_array_equal(copied, host)


def test_dlpack_from_numpy_shares_the_buffer():
    a = _aligned(onp.arange(8, dtype=onp.float32))
    x = xnp.from_dlpack(a)
    assert x.dtype == onp.float32 and x.unsafe_buffer_pointer() == a.ctypes.data
    a[0] = 100.0  # the same memory (the caller promised not to write it: as JAX's note)
    assert float(x[0]) == 100.0
    y = xnp.from_dlpack(a, copy=True)
    assert y.unsafe_buffer_pointer() != a.ctypes.data
    a[1] = -1.0
    assert float(y[1]) == 1.0 and float((x + y)[2]) == 4.0
    unaligned = _aligned(onp.arange(9, dtype=onp.float32))[1:]
    with pytest.raises(ValueError, match="copy=False"):
        xnp.from_dlpack(unaligned, copy=False)
    onp.testing.assert_array_equal(xnp.from_dlpack(unaligned), unaligned)  # (a copy)


@pytest.mark.parametrize("dtype", [d for d in DTYPES] + ["float16"])
def test_dlpack_round_trip(dtype):
    a = arr((2, 3), dtype, "edge")
    x = xnp.from_dlpack(a)
    assert x.dtype == a.dtype and x.shape == a.shape
    onp.testing.assert_array_equal(onp.asarray(x), a)
    onp.testing.assert_array_equal(onp.from_dlpack(x), a)
    same = xnp.from_dlpack(x)  # xlafront to xlafront: the same buffer
    assert same.unsafe_buffer_pointer() == x.unsafe_buffer_pointer()
    assert xf.dlpack.is_supported_dtype(dtype)


def test_dlpack_special_cases():
    transposed = onp.arange(6.0).reshape(2, 3).T  # (a strided view: jaxlib copies it)
    onp.testing.assert_array_equal(xnp.from_dlpack(transposed), transposed)
    assert xnp.from_dlpack(onp.zeros((0, 3), onp.int16)).shape == (0, 3)
    b = xnp.asarray([1.5, -2.0], dtype=xnp.bfloat16)  # (NumPy cannot export bfloat16)
    onp.testing.assert_array_equal(onp.asarray(xnp.from_dlpack(b)), onp.asarray(b))
    ref = xnp.from_dlpack(xp.asarray(onp.array([1, 2, 3], onp.int8)))  # the reference's arrays
    assert ref.dtype == onp.int8 and ref.tolist() == [1, 2, 3]
    xf.config.update("enable_x64", False)  # 64-bit types become 32-bit, as JAX
    assert xnp.from_dlpack(onp.arange(3.0)).dtype == onp.float32


def test_dlpack_devices_and_versions():
    x = xnp.arange(3.0)
    other = xf.devices()[1]
    moved = xnp.from_dlpack(onp.arange(3.0), device=other)
    assert moved.device == other and moved.committed and moved.tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="copy=False"):
        xnp.from_dlpack(onp.arange(3.0), device=other, copy=False)
    assert xf.dlpack.from_dlpack(x, device=x.device).device == x.device
    capsule = x.__dlpack__(max_version=(1, 0), dl_device=(1, 0), copy=False)
    assert type(capsule).__name__ == "PyCapsule"
    with pytest.raises(BufferError, match="versions below"):
        x.__dlpack__(max_version=(0, 4))
    with pytest.raises(BufferError, match="device type 5"):
        x.__dlpack__(dl_device=(5, 0))
    with pytest.raises(TypeError, match="__dlpack__"):
        xnp.from_dlpack([1, 2, 3])


def test_dlpack_module():
    assert sorted(xf.dlpack.__all__) == ["from_dlpack", "is_supported_dtype"]
    assert xf.dlpack.is_supported_dtype(xnp.bfloat16) and xf.dlpack.is_supported_dtype("bool")
    assert not xf.dlpack.is_supported_dtype(xnp.int4)
    assert not xf.dlpack.is_supported_dtype(xnp.float8_e4m3fn)
    with pytest.raises(TypeError, match="dtype"):
        xf.dlpack.is_supported_dtype(None)


# ---------------------------------------------------------------------------------------
# NumPy interop: conversions both ways, and mixed expressions

def test_numpy_asarray_of_arrays():
    x = xnp.arange(6.0, dtype=xnp.float32).reshape(2, 3)
    host = onp.asarray(x)
    assert host.dtype == onp.float32 and not host.flags.writeable
    assert host.ctypes.data == x.unsafe_buffer_pointer()  # (no copy on CPU)
    assert onp.asarray(x, copy=False).ctypes.data == x.unsafe_buffer_pointer()
    with pytest.raises(ValueError):  # a dtype change needs a copy (NumPy 2's protocol)
        onp.asarray(x, dtype=onp.int32, copy=False)
    onp.testing.assert_array_equal(onp.asarray(x, dtype=onp.int32), [[0, 1, 2], [3, 4, 5]])
    copied = onp.array(x, copy=True)
    assert copied.flags.writeable and copied.ctypes.data != x.unsafe_buffer_pointer()
    assert onp.asarray([x, x]).shape == (2, 2, 3)
    assert onp.asarray(x[0, 1]).shape == ()


@pytest.mark.parametrize("value,dtype,shape", [
    ([[1, 2], (3, 4)], "int64", (2, 2)), (((1.5,), [2]), "float64", (2, 1)),
    ([True, False], "bool", (2,)), (3, "int64", ()), (2.5, "float64", ()),
    (1 - 1j, "complex128", ()), ([], "float64", (0,)), ([[]], "float64", (1, 0)),
    ([onp.int8(1), 2], "int64", (2,)), (onp.arange(3, dtype=onp.uint16), "uint16", (3,)),
    (onp.float32(1.5), "float32", ())])
def test_asarray_of_python_and_numpy_values(value, dtype, shape):
    x = xnp.asarray(value)
    expected = onp.asarray(value)
    assert x.dtype == onp.dtype(dtype) and x.shape == shape
    onp.testing.assert_array_equal(onp.asarray(x), expected)


def test_asarray_of_arrays():
    x = xnp.arange(3.0)
    assert xnp.asarray(x) is x
    assert xnp.asarray(x, copy=True).unsafe_buffer_pointer() != x.unsafe_buffer_pointer()
    mixed = xnp.asarray([x, onp.arange(3.0), [7.0, 8.0, 9.0]])
    assert mixed.shape == (3, 3) and mixed[2].tolist() == [7.0, 8.0, 9.0]
    assert xnp.asarray([x[0], 2.0]).tolist() == [0.0, 2.0]
    other = xf.devices()[1]
    assert xnp.asarray(x, device=other).device == other
    assert xnp.zeros(2, device=other).device == other


@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv", "pow", "lt", "eq", "matmul"])
def test_mixed_numpy_expressions_give_arrays(op):
    """__array_priority__: NumPy defers to the Array's reflected operator either side."""
    a, x = onp.arange(1.0, 4.0, dtype=onp.float32), xnp.arange(1.0, 4.0, dtype=xnp.float32)
    fn = getattr(operator, op)
    for got in (fn(a, x), fn(x, a)):
        assert isinstance(got, xf.Array), type(got)
    onp.testing.assert_allclose(onp.asarray(fn(a, x)), fn(a, onp.asarray(x)), rtol=1e-6)
    onp.testing.assert_allclose(onp.asarray(fn(x, a)), fn(onp.asarray(x), a), rtol=1e-6)
    if op != "matmul":
        assert isinstance(fn(onp.float32(2), x), xf.Array)


# ---------------------------------------------------------------------------------------
# The 4-bit dtypes: int4, uint4, float4_e2m1fn

def test_four_bit_dtypes_transfer():
    for name, values_ in (("int4", [-8, -1, 0, 7]), ("uint4", [0, 1, 15]),
                          ("float4_e2m1fn", [-6.0, -0.5, 0.0, 1.5, 6.0])):
        dtype = onp.dtype(getattr(ml_dtypes, name))
        host = onp.array(values_, dtype)
        x = xnp.asarray(host)
        assert x.dtype == dtype == getattr(xnp, name) and x.shape == host.shape
        assert onp.asarray(x).dtype == dtype
        onp.testing.assert_array_equal(onp.asarray(x).astype(onp.float32),
                                       host.astype(onp.float32))
    assert xnp.iinfo(xnp.int4).min == -8 and xnp.iinfo(xnp.uint4).max == 15
    assert float(xnp.finfo(xnp.float4_e2m1fn).max) == 6.0
    assert xnp.issubdtype(xnp.int4, xnp.signedinteger)
    assert xnp.issubdtype(xnp.uint4, xnp.unsignedinteger)
    assert xnp.issubdtype(xnp.float4_e2m1fn, xnp.floating)
    assert xnp.result_type(xnp.int4, 1) == xnp.int4  # a Python int is weak
    assert xnp.result_type(xnp.float4_e2m1fn, 1.0) == xnp.float4_e2m1fn
    for other in (xnp.int8, xnp.float32, xnp.uint4):  # no implicit promotion (as JAX)
        with pytest.raises(TypeError, match="promot"):
            xnp.result_type(xnp.int4, other)


def test_four_bit_arithmetic():
    """(Needs interpreters/lowering.ir_element_type to give the 4-bit MLIR types.)"""
    x = xnp.asarray([1, 2, -3, 7], dtype=xnp.int4)
    assert (x + x).dtype == xnp.int4
    # arithmetic wraps modulo 16, as for any integer type (7 + 7 = 14 = -2 in int4)
    assert (x + x).tolist() == [2, 4, -6, -2] and (x * 2).tolist() == [2, 4, -6, -2]
    assert (-x).tolist() == [-1, -2, 3, -7] and (x > 0).tolist() == [True, True, False, True]
    assert xnp.sort(x).tolist() == [-3, 1, 2, 7] and (x // 2).tolist() == [0, 1, -2, 3]
    assert (x / 2).dtype == xnp.float32 and (x / 2).tolist() == [0.5, 1.0, -1.5, 3.5]
    u = xnp.asarray([1, 15], dtype=xnp.uint4)
    assert (u + 1).tolist() == [2, 0] and (u + 1).dtype == xnp.uint4
    assert xnp.zeros(3, xnp.int4).tolist() == [0, 0, 0]
    assert xnp.arange(4, dtype=xnp.int4).tolist() == [0, 1, 2, 3]
    assert xnp.asarray([1.0, 2.0]).astype(xnp.int4).tolist() == [1, 2]
    f = xnp.asarray([0.5, 1.0, 6.0, -3.0], dtype=xnp.float4_e2m1fn)
    assert (f + f).dtype == xnp.float4_e2m1fn
    # float4_e2m1fn holds 0, 0.5, 1, 1.5, 2, 3, 4, 6 (and negatives): sums round to them,
    # and saturate at 6 (it has no infinity)
    assert (f + f).astype(xnp.float32).tolist() == [1.0, 2.0, 6.0, -6.0]
    assert x.astype(xnp.float4_e2m1fn).astype(xnp.float32).tolist() == [1.0, 2.0, -3.0, 6.0]
    assert xf.jit(lambda v: v * 3)(x).tolist() == [3, 6, 7, 5]  # 6 * 3 wraps too: -9 -> 7
