"""Automatic differentiation: every differentiable primitive (and the xlafront.numpy
functions built on them) checked numerically with `xlafront.test_util.check_grads`, then
the API (jvp, linearize, vjp, grad, value_and_grad), JAX's conventions (ties, complex
numbers, float0), the errors, compositions with jit, and a registry test of the rules.

The gradient cases (`op_records`: each primitive's record, then the functions composed of
several) run to order 2 in forward and reverse mode in float64 (tight tolerances, x64 on)
and to order 1 in float32 (x64 off, the default users see). Inputs keep away from
singularities and discontinuities (finite differences cannot see JAX's conventions there:
those are checked with hand-derived values below).
"""
import collections
import functools

import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as np
from xlafront import dtypes, lax
from xlafront.interpreters import ad, lowering
from xlafront.test_util import check_grads, check_jvp, check_vjp

from conftest import rng_for
from op_records import EXEMPT, LINEAR, all_primitives, c64, c128, f32, f64, grad_cases, prims_in

float0 = dtypes.float0
GRAD_CASES = grad_cases()


# ---------------------------------------------------------------------------------------
# running the gradient cases

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
    for r in GRAD_CASES:
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
    """The case's arguments in its 32-bit dtype (tracing needs no x64)."""
    dtype = {f64: f32, c128: c64}.get(r.dtypes[0], r.dtypes[0])
    return r.gen(rng_for(r.name, dtype.name), dtype)


def _usable_rows():
    return [r for r in GRAD_CASES if not _missing(r.needs) and r.needs != "x64"]


def _traced_prims(r):
    """The primitives r's function binds for r's first dtype (x64 on where it needs it)."""
    dtype = r.dtypes[0]
    wide = dtype.itemsize == 8 or dtype == c128 or r.needs == "x64"
    previous = xf.config.read("enable_x64")
    xf.config.update("enable_x64", wide or previous)
    try:
        return prims_in(xf.make_jaxpr(r.fun)(*r.gen(rng_for(r.name, dtype.name), dtype)).jaxpr)
    finally:
        xf.config.update("enable_x64", previous)


@functools.cache
def _prims_bound_by_grad_cases():
    """{primitive name: the first gradient case binding it}; checks on the way that every
    case of a primitive's record binds that primitive."""
    seen, wrong = {}, []
    for r in GRAD_CASES:
        if _missing(r.needs):
            continue
        names = _traced_prims(r)
        if r.prim is not None and r.prim not in names:
            wrong.append(f"{r.name} (of {r.prim})")
        for n in names:
            seen.setdefault(n, r.name)
    return seen, wrong


def test_table_covers_the_differentiable_primitives():
    """Every primitive with a jvp rule is bound by some gradient case (checked by tracing
    each case's function), unless EXEMPT from "grad" with the reason."""
    seen, wrong = _prims_bound_by_grad_cases()
    assert not wrong, f"gradient cases that do not bind their record's primitive: {wrong}"
    prims = all_primitives()
    differentiable = {n for n, p in prims.items() if p in ad.primitive_jvps}
    missing = sorted(n for n in differentiable - set(seen) if "grad" not in EXEMPT.get(n, {}))
    assert not missing, f"primitives with a jvp rule but no gradient case in op_records " \
                        f"(add a grec row, or an EXEMPT entry with the reason): {missing}"
    stale = sorted(f"{n} (bound by {seen[n]})" if n in seen else f"{n} (no jvp rule)"
                   for n, checks in EXEMPT.items()
                   if "grad" in checks and n in prims and (n in seen or n not in differentiable))
    assert not stale, f"EXEMPT lists primitives under \"grad\" that a gradient case binds " \
                      f"or that have no jvp rule: {stale}"


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


def test_check_grads_comparison_accepts_equal_infinities():
    # (its comparison itself: finite differences of infinite outputs are NaN anyway)
    from xlafront.test_util import _check_close
    want = onp.array([onp.inf, -onp.inf, onp.nan, 1.0])
    _check_close(want.copy(), want, 1e-6, 1e-6, "output", "")
    with pytest.raises(AssertionError, match="output"):
        _check_close(-want, want, 1e-6, 1e-6, "output", "")


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


def _is_linear(name, prim):
    """In LINEAR, or its jvp rule made with ad.deflinear / ad.defbilinear."""
    qualname = getattr(ad.primitive_jvps.get(prim), "__qualname__", "")
    return name in LINEAR or qualname.startswith(("deflinear", "defbilinear"))


def test_every_primitive_has_a_jvp_rule():
    prims = all_primitives()
    missing = sorted(n for n, p in prims.items()
                     if p not in ad.primitive_jvps and "jvp" not in EXEMPT.get(n, {}))
    assert not missing, f"primitives without a jvp rule (add one, or an EXEMPT entry " \
                        f"with the reason): {missing}"
    stale = sorted(n for n, checks in EXEMPT.items()
                   if "jvp" in checks and n in prims and prims[n] in ad.primitive_jvps)
    assert not stale, f"EXEMPT lists primitives under \"jvp\" that now have a jvp rule: {stale}"


def test_linear_primitives_have_a_transpose_rule():
    prims = all_primitives()
    linear = {n for n, p in prims.items() if _is_linear(n, p)}
    missing = sorted(n for n in linear if prims[n] not in ad.primitive_transposes
                     and "transpose" not in EXEMPT.get(n, {}))
    assert not missing, f"linear primitives without a transpose rule: {missing}"
    stale = sorted(n for n, checks in EXEMPT.items()
                   if "transpose" in checks and n in prims
                   and (prims[n] in ad.primitive_transposes or n not in linear))
    assert not stale, f"EXEMPT lists primitives under \"transpose\" that have a transpose " \
                      f"rule or are not linear: {stale}"


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


def test_gradients_keep_the_weak_type_of_their_input():
    # JAX: grad(f)(3.0) is weakly typed, so it does not promote a bfloat16 array
    g = xf.grad(lambda x: x * x)(3.0)
    assert g.weak_type and float(g) == 6.0
    assert (g * np.ones(2, dtype="bfloat16")).dtype == "bfloat16"
    strong = xf.grad(lambda x: x * x)(np.float32(3.0))
    assert not strong.weak_type
    assert xf.lax.stop_gradient(3.0).dtype == onp.float32
