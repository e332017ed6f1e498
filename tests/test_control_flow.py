"""Structured control flow: lax.cond, switch, while_loop, fori_loop, scan, map and
associative_scan, and checkpoint inside loops.

Each construct is checked against a Python reference (eagerly and under jit) with pytree
operands and closures over traced values; derivatives against finite differences with
`xlafront.test_util.check_grads` (float64, x64 on), to second order through cond, scan and
fori_loop; vmap against per-example loops (batched predicates, examples that finish a
while_loop at different iteration counts, in_axes other than 0); compositions of the
transformations; the bad-input errors; the errors of Python control flow on traced values;
that loops stay loops in the lowered program; and the eager compile cache.
"""
import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as np
from xlafront import lax, runtime
from xlafront.test_util import check_grads
from xlafront.tree_util import tree_flatten, tree_structure

from conftest import rng_for

f32, f64, i32 = onp.dtype(onp.float32), onp.dtype(onp.float64), onp.dtype(onp.int32)

JIT = pytest.mark.parametrize("use_jit", [False, True], ids=["eager", "jit"])


def maybe_jit(f, use_jit, **kw):
    return xf.jit(f, **kw) if use_jit else f


def tree_close(actual, expected, rtol=1e-5, atol=1e-5):
    """Same pytree structure and leaf values (NumPy references as leaves)."""
    a_leaves, a_tree = tree_flatten(actual)
    e_leaves, e_tree = tree_flatten(expected)
    assert a_tree == e_tree, f"structure {a_tree} != expected {e_tree}"
    for a, e in zip(a_leaves, e_leaves):
        e = onp.asarray(e)
        a = onp.asarray(a)
        assert a.shape == e.shape, f"shape {a.shape} != expected {e.shape}"
        if e.dtype.kind in "biu":
            onp.testing.assert_array_equal(a, e)
        else:
            onp.testing.assert_allclose(a.astype(f64), e.astype(f64), rtol=rtol, atol=atol)


def randn(*shape, dtype=f32, seed=0):
    return rng_for("cf", shape, seed).standard_normal(shape).astype(dtype)


# ---------------------------------------------------------------------------------------
# cond / switch against Python

def _true_fun(x, y):
    return {"s": x * y["a"], "t": (y["b"] + 1, x.sum())}


def _false_fun(x, y):
    return {"s": x - y["a"], "t": (y["b"] * 3, x.prod())}


@JIT
@pytest.mark.parametrize("pred", [True, False])
def test_cond_pytree_operands_and_outputs(use_jit, pred):
    x = onp.arange(1.0, 4.0, dtype=f32)
    y = {"a": onp.float32(2.0), "b": onp.ones((2,), f32)}
    f = maybe_jit(lambda p, x, y: lax.cond(p, _true_fun, _false_fun, x, y), use_jit)
    expected = _true_fun(x, y) if pred else _false_fun(x, y)
    tree_close(f(pred, x, y), expected)


@JIT
@pytest.mark.parametrize("pred", [0, 3, -1])
def test_cond_integer_predicate_tests_nonzero(use_jit, pred):
    f = maybe_jit(lambda p, x: lax.cond(p, lambda x: x + 1, lambda x: x - 1, x), use_jit)
    got = f(onp.int32(pred), onp.float32(10.0))
    assert float(got) == (11.0 if pred else 9.0)


@JIT
def test_cond_no_operands_and_closure_over_traced(use_jit):
    def f(x, a):
        # branches take no operands and close over the (traced, under jit) x and a
        return lax.cond(x.sum() > 0, lambda: x * a, lambda: x - a)
    f = maybe_jit(f, use_jit)
    x = onp.array([1.0, 2.0], f32)
    tree_close(f(x, onp.float32(3.0)), x * 3.0)
    tree_close(f(-x, onp.float32(3.0)), -x - 3.0)


_BRANCHES = [lambda x, s: (x + 1, s), lambda x, s: (x * 2, s * 2), lambda x, s: (x - 3, -s)]


@JIT
@pytest.mark.parametrize("index", [-5, -1, 0, 1, 2, 3, 100])
def test_switch_against_python_and_clamps(use_jit, index):
    x = onp.arange(3.0, dtype=f32)
    s = onp.float32(1.5)
    f = maybe_jit(lambda i, x, s: lax.switch(i, _BRANCHES, x, s), use_jit)
    expected = _BRANCHES[min(max(index, 0), len(_BRANCHES) - 1)](x, s)
    tree_close(f(onp.int32(index), x, s), expected)


def test_switch_single_branch_and_python_int_index():
    assert float(lax.switch(4, [lambda x: x * 5], 2.0)) == 10.0
    assert float(xf.jit(lambda x: lax.switch(1, [lambda x: x, lambda x: -x], x))(2.0)) == -2.0


# ---------------------------------------------------------------------------------------
# while_loop / fori_loop against Python

def _collatz_steps(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


def _collatz(n):
    def body(c):
        n, k = c
        n = lax.cond(n % 2 == 0, lambda n: n // 2, lambda n: 3 * n + 1, n)
        return n, k + 1
    return lax.while_loop(lambda c: c[0] != 1, body, (n, onp.int32(0)))[1]


@JIT
@pytest.mark.parametrize("n", [1, 6, 27])
def test_while_loop_collatz(use_jit, n):
    assert int(maybe_jit(_collatz, use_jit)(onp.int32(n))) == _collatz_steps(n)


@JIT
def test_while_loop_dict_carry_newton_sqrt(use_jit):
    def f(a):
        def body(c):
            return {"x": 0.5 * (c["x"] + a / c["x"]), "k": c["k"] + 1}
        init = {"x": np.ones_like(a), "k": onp.int32(0)}
        return lax.while_loop(lambda c: (c["k"] < 20) & (np.abs(c["x"] ** 2 - a) > 1e-6), body,
                              init)
    out = maybe_jit(f, use_jit)(onp.float32(2.0))
    assert abs(float(out["x"]) - onp.sqrt(2.0)) < 1e-6
    x, k = 1.0, 0
    while k < 20 and abs(x * x - 2.0) > 1e-6:
        x, k = 0.5 * (x + 2.0 / x), k + 1
    assert int(out["k"]) == k


@JIT
def test_while_loop_closure_over_traced_limit(use_jit):
    f = maybe_jit(lambda limit, x: lax.while_loop(lambda c: c < limit, lambda c: c * 2, x),
                  use_jit)
    assert float(f(onp.float32(100.0), onp.float32(3.0))) == 192.0


def _fori_body(i, c):
    x, s = c
    return x * 1.5 + i, s + x.sum()


def _fori_ref(lo, hi, c):
    for i in range(lo, hi):
        c = _fori_body(i, c)
    return c


@JIT
@pytest.mark.parametrize("lo,hi", [(0, 5), (2, 7), (5, 2)])
def test_fori_loop_static_bounds(use_jit, lo, hi):
    init = (onp.arange(3.0, dtype=f32), onp.float32(0.0))
    f = maybe_jit(lambda c: lax.fori_loop(lo, hi, _fori_body, c), use_jit)
    tree_close(f(init), _fori_ref(lo, hi, init), rtol=1e-5)


def test_fori_loop_traced_bounds_under_jit():
    f = xf.jit(lambda lo, hi, c: lax.fori_loop(lo, hi, _fori_body, c))
    init = (onp.arange(3.0, dtype=f32), onp.float32(0.0))
    for lo, hi in [(0, 0), (0, 4), (1, 6), (4, 1)]:
        tree_close(f(onp.int32(lo), onp.int32(hi), init), _fori_ref(lo, hi, init))
    assert "stablehlo.while" in f.lower(onp.int32(0), onp.int32(3), init).as_text()


# ---------------------------------------------------------------------------------------
# scan / map / associative_scan against Python

def _rnn_step(c, x):
    h, n = c
    h = np.tanh(h * x["w"] + x["u"].sum())
    return (h, n + 1), {"h": h, "sq": (h * h).sum()}


def _rnn_step_np(c, x):
    h, n = c
    h = onp.tanh(h * x["w"] + x["u"].sum())
    return (h, n + 1), {"h": h, "sq": (h * h).sum()}


def _scan_ref(f, init, xs, length=None, reverse=False):
    leaves, tree = tree_flatten(xs)
    n = length if length is not None else leaves[0].shape[0]
    order = range(n - 1, -1, -1) if reverse else range(n)
    carry, ys = init, [None] * n
    for i in order:
        x = None if xs is None else xf.tree_util.tree_unflatten(tree, [l[i] for l in leaves])
        carry, ys[i] = f(carry, x)
    y_leaves, y_tree = tree_flatten(ys[0]) if n else ([], None)
    stacked = [onp.stack([tree_flatten(y)[0][k] for y in ys]) for k in range(len(y_leaves))]
    return carry, (xf.tree_util.tree_unflatten(y_tree, stacked) if y_tree is not None else None)


@JIT
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("unroll", [1, 3])
def test_scan_pytree_against_python(use_jit, reverse, unroll):
    xs = {"w": randn(7, 3, seed=1), "u": randn(7, 2, seed=2)}
    init = (randn(3, seed=3), onp.int32(0))
    f = maybe_jit(lambda c, xs: lax.scan(_rnn_step, c, xs, reverse=reverse, unroll=unroll),
                  use_jit)
    tree_close(f(init, xs), _scan_ref(_rnn_step_np, init, xs, reverse=reverse), rtol=1e-5)


@JIT
def test_scan_length_without_xs_and_closure(use_jit):
    def f(a):
        return lax.scan(lambda c, _: (c * a, c), onp.float32(1.0), None, length=4)
    carry, ys = maybe_jit(f, use_jit)(onp.float32(2.0))
    assert float(carry) == 16.0
    tree_close(ys, onp.array([1.0, 2.0, 4.0, 8.0], f32))


@JIT
def test_scan_no_ys_and_empty_length(use_jit):
    f = maybe_jit(lambda xs: lax.scan(lambda c, x: (c + x, None), onp.float32(0.0), xs),
                  use_jit)
    carry, ys = f(onp.arange(5.0, dtype=f32))
    assert float(carry) == 10.0 and ys is None
    g = maybe_jit(lambda xs: lax.scan(lambda c, x: (c + x, 2 * x), onp.ones(2, f32), xs),
                  use_jit)
    carry, ys = g(onp.zeros((0, 2), f32))
    tree_close(carry, onp.ones(2, f32))
    assert ys.shape == (0, 2)


@JIT
def test_scan_unroll_true(use_jit):
    f = maybe_jit(lambda xs: lax.scan(lambda c, x: (c * x, c), onp.float32(1.0), xs,
                                      unroll=True), use_jit)
    carry, ys = f(onp.arange(1.0, 5.0, dtype=f32))
    assert float(carry) == 24.0
    tree_close(ys, onp.array([1.0, 1.0, 2.0, 6.0], f32))


@JIT
@pytest.mark.parametrize("batch_size", [None, 2, 5, 8])
def test_map_against_python(use_jit, batch_size):
    xs = (randn(5, 3, seed=4), randn(5, seed=5))
    fun = lambda x: {"a": np.sin(x[0]) * x[1], "b": x[0].sum()}  # noqa: E731
    fun_np = lambda x: {"a": onp.sin(x[0]) * x[1], "b": x[0].sum()}  # noqa: E731
    got = maybe_jit(lambda xs: lax.map(fun, xs, batch_size=batch_size), use_jit)(xs)
    expected = {"a": onp.stack([fun_np((xs[0][i], xs[1][i]))["a"] for i in range(5)]),
                "b": onp.stack([fun_np((xs[0][i], xs[1][i]))["b"] for i in range(5)])}
    tree_close(got, expected)


def _linrec(a, b):  # composition of affine maps x -> a x + b, an associative operation
    return (a[0] * b[0], b[0] * a[1] + b[1])


@JIT
@pytest.mark.parametrize("n", [1, 2, 7, 8])
@pytest.mark.parametrize("reverse", [False, True])
def test_associative_scan_against_python(use_jit, n, reverse):
    x = randn(n, seed=6)
    got = maybe_jit(lambda x: lax.associative_scan(np.add, x, reverse=reverse), use_jit)(x)
    ref = onp.cumsum(x[::-1])[::-1] if reverse else onp.cumsum(x)
    tree_close(got, ref)
    got = maybe_jit(lambda x: lax.associative_scan(np.maximum, x, reverse=reverse),
                    use_jit)(x)
    ref = onp.maximum.accumulate(x[::-1])[::-1] if reverse else onp.maximum.accumulate(x)
    tree_close(got, ref)
    # a pytree of elements: a linear recurrence h_t = a_t h_{t-1} + b_t
    a, b = randn(n, seed=7), randn(n, seed=8)
    got = maybe_jit(lambda a, b: lax.associative_scan(_linrec, (a, b), reverse=reverse),
                    use_jit)(a, b)
    order = range(n - 1, -1, -1) if reverse else range(n)
    acc_a, acc_b, ra, rb = 1.0, 0.0, onp.zeros(n), onp.zeros(n)
    for t in order:
        acc_a, acc_b = acc_a * a[t], a[t] * acc_b + b[t]
        ra[t], rb[t] = acc_a, acc_b
    tree_close(got, (ra, rb), rtol=1e-4, atol=1e-5)


def test_associative_scan_axis():
    x = randn(3, 5, seed=9)
    tree_close(lax.associative_scan(np.add, x, axis=1), onp.cumsum(x, axis=1))
    tree_close(xf.jit(lambda x: lax.associative_scan(np.multiply, x, axis=-1))(x),
               onp.cumprod(x, axis=-1), rtol=1e-5)


# ---------------------------------------------------------------------------------------
# closures over outer traced values, under jit and grad

def test_closures_inside_jit_all_constructs():
    def f(a, x):
        c = lax.cond(a > 0, lambda x: x * a, lambda x: x / a, x)
        s = lax.switch(2, [lambda: a, lambda: 2 * a, lambda: c.sum() * a])
        w = lax.while_loop(lambda v: v < a * 10, lambda v: v + a, a)
        fl = lax.fori_loop(0, 3, lambda i, v: v * a + i, x)
        sc = lax.scan(lambda v, xi: (v + xi * a, v), 0.0, x)[0]
        return c, s, w, fl, sc

    def ref(a, x):
        c = x * a if a > 0 else x / a
        s = c.sum() * a
        w = a
        while w < a * 10:
            w = w + a
        fl = x
        for i in range(3):
            fl = fl * a + i
        return c, s, w, fl, (x * a).sum()
    a, x = onp.float32(1.5), onp.arange(3.0, dtype=f32)
    tree_close(xf.jit(f)(a, x), ref(a, x), rtol=1e-5)
    tree_close(f(a, x), ref(a, x), rtol=1e-5)


@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize("construct", ["cond", "switch", "fori", "scan", "map"])
def test_grad_through_closure(construct):
    x = onp.array([0.3, -0.7, 1.1])

    def f(a):  # a is closed over (as a traced value under grad) by the bodies
        if construct == "cond":
            return lax.cond(a > 0, lambda x: np.sin(a * x), lambda x: a ** 2 * x, x).sum()
        if construct == "switch":
            return lax.switch(1, [lambda x: x, lambda x: np.sin(a * x) * a, lambda x: x],
                              x).sum()
        if construct == "fori":
            return lax.fori_loop(0, 3, lambda i, v: np.sin(v * a) + i, x).sum()
        if construct == "scan":
            return lax.scan(lambda c, xi: (np.sin(c * a + xi), c * a), 0.5, x)[1].sum()
        return lax.map(lambda xi: np.cos(xi * a) * a, x).sum()
    check_grads(f, (0.8,), order=1)
    check_grads(xf.jit(f), (0.8,), order=1, modes=["rev"])
    if construct == "cond":
        check_grads(f, (-0.8,), order=1)


# ---------------------------------------------------------------------------------------
# derivatives against finite differences (float64)

@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_grad_cond_second_order(sign):
    def f(x, y):
        return lax.cond(x.sum() > 0, lambda x, y: np.sin(x) * y, lambda x, y: np.cos(x) + y ** 2,
                        x, y)
    x = sign * onp.array([0.5, 1.2, 0.3])
    check_grads(f, (x, onp.array(0.7)), order=2 if sign > 0 else 1)

    # an integer operand (computed from x, so a traced value with a zero tangent)
    def g(x):
        k = (x > 0).astype(onp.int64).sum() + 1
        return lax.cond(k > 1, lambda x, k: x * k, lambda x, k: -x * k, x, k)
    check_grads(g, (x,), order=1)


@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize("index", [0, 1, 2])
def test_grad_switch(index):
    def f(x, y):
        return lax.switch(index, [lambda x, y: (x * y, y), lambda x, y: (np.exp(x), np.sin(y)),
                                  lambda x, y: (x, x.sum() * y)], x, y)
    check_grads(f, (onp.array([0.5, -0.2]), onp.array(1.3)), order=2 if index == 1 else 1)


@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize("reverse", [False, True])
def test_grad_scan_second_order(reverse):
    def f(w, h0, xs):
        def step(c, x):
            h, acc = c
            h = np.tanh(w * h + x["u"])
            return (h, acc + (h * x["v"]).sum()), h ** 2
        (h, acc), ys = lax.scan(step, (h0, 0.0), xs, reverse=reverse)
        return h.sum() + acc + ys.sum()
    rng = rng_for("grad_scan", reverse)
    xs = {"u": rng.standard_normal((5, 2)), "v": rng.standard_normal((5, 2))}
    check_grads(f, (onp.array([0.4, -0.3]), onp.array([0.1, 0.2]), xs),
                order=1 if reverse else 2)


@pytest.mark.usefixtures("x64")
def test_grad_scan_unrolled_and_multiple_outputs():
    def f(c0, xs):
        carry, ys = lax.scan(lambda c, x: (c * np.sin(x), (c + x, c * x)), c0, xs, unroll=2)
        return carry, ys
    check_grads(f, (onp.array(0.9), onp.array([0.3, 0.5, -0.4, 1.0, 0.2])), order=1)


@pytest.mark.usefixtures("x64")
def test_grad_fori_loop_static_second_order():
    def f(x, a):
        return lax.fori_loop(0, 4, lambda i, c: (np.sin(c[0]) * a + i, c[1] * c[0]),
                             (x, onp.ones(2)))
    check_grads(f, (onp.array([0.3, 0.8]), onp.array(1.1)), order=2)


@pytest.mark.usefixtures("x64")
def test_grad_map_and_associative_scan():
    check_grads(lambda x: lax.map(lambda r: np.sin(r) * r.sum(), x),
                (onp.arange(6.0).reshape(3, 2) * 0.3,), order=1)
    check_grads(lambda x: lax.map(lambda r: np.sin(r), x, batch_size=2),
                (onp.arange(5.0) * 0.3,), order=1)
    check_grads(lambda x: lax.associative_scan(np.add, x), (onp.arange(7.0) * 0.1,), order=1)
    check_grads(lambda a, b: lax.associative_scan(_linrec, (a, b)),
                (onp.linspace(0.5, 1.2, 6), onp.linspace(-1, 1, 6)), order=1)


@pytest.mark.usefixtures("x64")
def test_jvp_while_loop_against_finite_differences():
    def f(x, a):
        return lax.while_loop(lambda c: c[1] < 4, lambda c: (np.sin(c[0]) * a + c[0], c[1] + 1),
                              (x, 0))[0]
    check_grads(f, (onp.array([0.3, -0.5]), onp.array(0.7)), order=2, modes=["fwd"])
    # traced fori_loop bounds are a while_loop: forward mode works
    g = lambda x, n: lax.fori_loop(0, n, lambda i, v: v * np.cos(v), x)  # noqa: E731
    check_grads(lambda x: xf.jit(g)(x, 3), (onp.array([0.2, 0.9]),), order=2, modes=["fwd"])


@pytest.mark.usefixtures("x64")
def test_linearize_while_loop():
    def f(x):
        return lax.while_loop(lambda c: c[0].sum() < 5.0, lambda c: (c[0] * 1.3 + np.sin(c[1]),
                                                                    c[1] * 0.9), (x, x))
    x, t = onp.array([0.5, 0.4]), onp.array([1.0, -2.0])
    out, f_jvp = xf.linearize(f, x)
    out2, tan2 = xf.jvp(f, (x,), (t,))
    tree_close(out, out2, rtol=1e-12)
    tree_close(f_jvp(t), tan2, rtol=1e-12)
    tree_close(f_jvp(2 * t), tuple(2 * onp.asarray(v) for v in tan2), rtol=1e-12)
    check_grads(f, (x,), order=1, modes=["fwd", "lin"])


# ---------------------------------------------------------------------------------------
# vmap against per-example loops

def _stack_results(results):
    leaves = [tree_flatten(r)[0] for r in results]
    tree = tree_structure(results[0])
    return xf.tree_util.tree_unflatten(
        tree, [onp.stack([onp.asarray(l[k]) for l in leaves]) for k in range(len(leaves[0]))])


def _per_example(f, in_axes, *args):
    size = next(onp.shape(a)[ax] for a, ax in zip(args, in_axes) if ax is not None)
    return _stack_results([f(*[a if ax is None else onp.take(a, i, axis=ax)
                                for a, ax in zip(args, in_axes)]) for i in range(size)])


def check_vmap(f, in_axes, *args, rtol=1e-5, jit=True):
    expected = _per_example(f, in_axes, *args)
    tree_close(xf.vmap(f, in_axes=in_axes)(*args), expected, rtol=rtol)
    if jit:
        tree_close(xf.jit(xf.vmap(f, in_axes=in_axes))(*args), expected, rtol=rtol)


def _cond_fun(p, x, y):
    return lax.cond(p, lambda x, y: {"a": x * y, "b": y}, lambda x, y: {"a": x - y, "b": -y},
                    x, y)


@pytest.mark.parametrize("in_axes", [(0, 0, 0), (0, None, None), (None, 0, None),
                                     (0, 1, None), (None, None, 0)])
def test_vmap_cond(in_axes):
    p = onp.array([True, False, True, False])
    x = randn(4, 3, seed=10)
    y = randn(4, seed=11)
    args = [p if in_axes[0] is not None else True,
            (x if in_axes[1] == 0 else x.T) if in_axes[1] is not None else x[0],
            y if in_axes[2] is not None else y[0]]
    check_vmap(_cond_fun, in_axes, *args)


def test_vmap_cond_batched_predicate_integer_and_closure():
    def f(k, x):
        return lax.cond(k, lambda: np.sin(x), lambda: x * 2.0)
    check_vmap(f, (0, 0), onp.array([0, 2, -1, 0], onp.int32), randn(4, seed=12))


@pytest.mark.parametrize("in_axes", [(0, 0), (0, None), (None, 1)])
def test_vmap_switch(in_axes):
    idx = onp.array([-2, 0, 1, 2, 7], onp.int32)
    x = randn(5, 2, seed=13)
    args = [idx if in_axes[0] is not None else onp.int32(1),
            (x if in_axes[1] == 0 else x.T) if in_axes[1] is not None else x[0]]
    check_vmap(lambda i, x: lax.switch(i, [lambda x: x + 1, lambda x: np.sin(x),
                                           lambda x: x * x], x), in_axes, *args)


def test_vmap_while_loop_batched_predicate_different_trip_counts():
    n = onp.array([1, 6, 27, 7, 2], onp.int32)
    check_vmap(_collatz, (0,), n)
    got = xf.vmap(_collatz)(n)
    assert [int(v) for v in got] == [_collatz_steps(int(v)) for v in n]


@pytest.mark.parametrize("in_axes", [(0, None), (None, 0), (0, 0), (None, 1)])
def test_vmap_while_loop_batched_limit_or_carry(in_axes):
    def f(limit, x):
        return lax.while_loop(lambda c: c[0].sum() < limit,
                              lambda c: (c[0] * 1.5 + 0.1, c[1] + 1), (x, 0))
    limits = onp.array([1.0, 5.0, 30.0], f32)
    x = onp.abs(randn(3, 2, seed=14)) + 0.1
    args = [limits if in_axes[0] is not None else onp.float32(10.0),
            (x if in_axes[1] == 0 else x.T) if in_axes[1] is not None else x[0]]
    check_vmap(f, in_axes, *args)


def test_vmap_while_loop_unbatched_predicate():
    # the predicate depends only on an unbatched counter: the carry stays batched
    f = lambda x: lax.while_loop(lambda c: c[1] < 3, lambda c: (np.sin(c[0]), c[1] + 1),  # noqa
                                 (x, 0))
    check_vmap(f, (0,), randn(4, 2, seed=15))


def test_vmap_fori_loop_batched_bounds():
    f = lambda n, x: lax.fori_loop(0, n, lambda i, v: v * 1.1 + i, x)  # noqa: E731
    check_vmap(f, (0, 0), onp.array([0, 3, 1, 5], onp.int32), randn(4, seed=16))
    check_vmap(lambda x: lax.fori_loop(1, 4, lambda i, v: v * i, x), (1,), randn(2, 3, seed=17))


def _rnn(w, h0, xs):
    return lax.scan(lambda h, x: (np.tanh(w * h + x), h.sum()), h0, xs)


@pytest.mark.parametrize("in_axes", [(None, None, 0), (None, 0, None), (0, None, None),
                                     (0, 0, 0), (None, None, 1), (1, 0, 2)])
def test_vmap_scan(in_axes):
    B, T, H = 3, 4, 2
    w, h0, xs = randn(B, H, seed=18), randn(B, H, seed=19), randn(B, T, H, seed=20)
    pick = {0: lambda a: a, 1: lambda a: onp.moveaxis(a, 0, 1), 2: lambda a: onp.moveaxis(a, 0, 2)}
    args = [a[0] if ax is None else pick[ax](a) for a, ax in zip((w, h0, xs), in_axes)]
    check_vmap(_rnn, in_axes, *args)


def test_vmap_scan_reverse_and_unrolled():
    f = lambda c, xs: lax.scan(lambda c, x: (c * x + 1, c), c, xs, reverse=True,  # noqa
                               unroll=3)
    check_vmap(f, (0, 1), randn(3, seed=21), randn(5, 3, seed=22))


def test_vmap_map_and_associative_scan():
    check_vmap(lambda x: lax.map(lambda r: r * r.sum(), x), (0,), randn(3, 4, 2, seed=23))
    check_vmap(lambda x: lax.associative_scan(np.add, x), (1,), randn(5, 3, seed=24))


def test_vmap_nested():
    f = lambda p, x: lax.cond(p, lambda x: lax.scan(lambda c, v: (c + v, c), 0.0, x)[0],  # noqa
                              lambda x: x.sum() * 2, x)
    p = onp.array([[True, False], [False, True], [True, True]])
    x = randn(3, 2, 4, seed=25)
    expected = onp.array([[f(p[i, j], x[i, j]) for j in range(2)] for i in range(3)])
    tree_close(xf.vmap(xf.vmap(f))(p, x), expected)


# ---------------------------------------------------------------------------------------
# compositions

@pytest.mark.usefixtures("x64")
def test_grad_of_vmap_of_scan():
    xs = rng_for("gvs").standard_normal((3, 4, 2))
    h0 = onp.array([0.1, -0.2])

    def loss(w):
        carry, ys = xf.vmap(_rnn, in_axes=(None, None, 0))(w, h0, xs)
        return (carry ** 2).sum() + ys.sum()
    w = onp.array([0.7, -0.4])
    per_example = sum(onp.asarray(xf.grad(lambda w, x: (_rnn(w, h0, x)[0] ** 2).sum()
                                          + _rnn(w, h0, x)[1].sum())(w, xs[i]))
                      for i in range(3))
    tree_close(xf.grad(loss)(w), per_example, rtol=1e-10)
    check_grads(loss, (w,), order=1)


@pytest.mark.usefixtures("x64")
def test_vmap_of_grad_of_cond():
    g = xf.grad(lambda x: lax.cond(x > 0, np.sin, np.cos, x))
    x = onp.array([-1.0, 0.5, 2.0, -0.3])
    expected = onp.where(x > 0, onp.cos(x), -onp.sin(x))
    tree_close(xf.vmap(g)(x), expected, rtol=1e-12)
    tree_close(xf.jit(xf.vmap(g))(x), expected, rtol=1e-12)


@pytest.mark.usefixtures("x64")
def test_jit_of_grad_of_switch():
    def f(i, x):
        return lax.switch(i, [lambda x: x ** 3, np.sin, lambda x: np.exp(2 * x)], x)
    g = xf.jit(xf.grad(f, argnums=1))
    x = 0.6
    for i, d in [(-1, 3 * x ** 2), (0, 3 * x ** 2), (1, onp.cos(x)), (2, 2 * onp.exp(2 * x)),
                 (9, 2 * onp.exp(2 * x))]:
        onp.testing.assert_allclose(float(g(onp.int32(i), x)), d, rtol=1e-12)


@pytest.mark.usefixtures("x64")
def test_grad_of_jit_of_fori_loop():
    f = xf.jit(lambda x: lax.fori_loop(0, 5, lambda i, v: v * np.cos(v) + 0.1 * i, x).sum())
    x = onp.array([0.3, 0.9])
    check_grads(f, (x,), order=2, modes=["rev"])
    # the hand-computed derivative
    v, d = x.copy(), onp.ones_like(x)
    for i in range(5):
        d = d * (onp.cos(v) - v * onp.sin(v))
        v = v * onp.cos(v) + 0.1 * i
    tree_close(xf.grad(f)(x), d, rtol=1e-12)


@pytest.mark.usefixtures("x64")
def test_jvp_of_while_loop():
    f = lambda x: lax.while_loop(lambda v: v < 10.0, lambda v: v * 2.0, x)  # noqa: E731
    out, tan = xf.jvp(f, (1.5,), (1.0,))
    assert float(out) == 12.0 and float(tan) == 8.0
    out, tan = xf.jit(lambda x, t: xf.jvp(f, (x,), (t,)))(1.5, 0.5)
    assert float(out) == 12.0 and float(tan) == 4.0
    # vmap of jvp of while_loop: examples stop at different counts
    outs, tans = xf.vmap(lambda x: xf.jvp(f, (x,), (1.0,)))(onp.array([1.5, 3.0, 11.0]))
    tree_close((outs, tans), (onp.array([12.0, 12.0, 11.0]), onp.array([8.0, 4.0, 1.0])))


@pytest.mark.usefixtures("x64")
def test_linearize_of_while_loop_jit():
    f = lambda x: lax.while_loop(lambda c: c[1] < 3, lambda c: (np.sin(c[0]), c[1] + 1),  # noqa
                                 (x, 0))[0]
    out, f_jvp = xf.linearize(f, 0.7)
    d = onp.cos(0.7) * onp.cos(onp.sin(0.7)) * onp.cos(onp.sin(onp.sin(0.7)))
    onp.testing.assert_allclose(float(f_jvp(1.0)), d, rtol=1e-12)
    onp.testing.assert_allclose(float(xf.jit(f_jvp)(2.0)), 2 * d, rtol=1e-12)


@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize("policy", [None, "dots"])
def test_checkpoint_inside_scan_body_under_grad(policy):
    pol = xf.checkpoint_policies.dots_saveable if policy == "dots" else None
    W = rng_for("ckpt").standard_normal((3, 3)) * 0.5

    def step(h, x):
        return np.tanh(W @ h + x) * np.sin(h), h.sum()

    def loss(h0, xs, body):
        carry, ys = lax.scan(body, h0, xs)
        return (carry ** 2).sum() + ys.sum()
    h0, xs = onp.array([0.1, 0.5, -0.3]), rng_for("ckpt2").standard_normal((4, 3))
    g_plain = xf.grad(loss)(h0, xs, step)
    body = xf.checkpoint(step, policy=pol)
    g_ckpt = xf.grad(loss)(h0, xs, body)
    tree_close(g_ckpt, g_plain, rtol=1e-12)
    tree_close(xf.jit(xf.grad(loss), static_argnums=2)(h0, xs, body), g_plain, rtol=1e-12)
    assert "checkpoint" in str(xf.make_jaxpr(xf.grad(lambda h: loss(h, xs, body)))(h0))
    if policy is None:
        check_grads(lambda h: loss(h, xs, body), (h0,), order=1, modes=["rev"])


@pytest.mark.usefixtures("x64")
def test_hessian_through_scan():
    def f(x):
        return lax.scan(lambda c, a: (c * np.sin(a * c), None), 1.0, x)[0]
    x = onp.array([0.5, 0.8, 1.1])
    h = onp.asarray(xf.hessian(f)(x))
    eps, n = 1e-5, len(x)
    g = lambda x: onp.asarray(xf.grad(f)(x))  # noqa: E731
    fd = onp.stack([(g(x + eps * onp.eye(n)[i]) - g(x - eps * onp.eye(n)[i])) / (2 * eps)
                    for i in range(n)])
    onp.testing.assert_allclose(h, fd, rtol=1e-6, atol=1e-8)


@pytest.mark.usefixtures("x64")
def test_jacfwd_and_hessian_of_cond_and_switch():
    # jacfwd is vmap of jvp: the cond's primal outputs must stay unmapped under that vmap
    f = lambda x: lax.cond(x.sum() > 0, lambda x: np.sin(x) * x, lambda x: x * 2.0, x).sum()  # noqa
    x = onp.array([0.3, 0.5])
    expected = onp.diag(2 * onp.cos(x) - x * onp.sin(x))
    for h in (xf.hessian(f), xf.jacfwd(xf.grad(f)), xf.jacrev(xf.jacrev(f))):
        tree_close(h(x), expected, rtol=1e-12)
    g = lambda x: lax.switch(1, [np.sin, lambda x: x ** 3, np.cos], x).sum()  # noqa: E731
    tree_close(xf.hessian(g)(x), onp.diag(6 * x), rtol=1e-12)
    tree_close(xf.jacfwd(lambda x: lax.switch(2, [np.sin, np.cos, np.exp], x))(x),
               onp.diag(onp.exp(x)), rtol=1e-12)


def _ir_types(avals):
    return [(tuple(a.shape), a.dtype) for a in avals]


def check_ir(jaxpr):
    """Recursively: each cond/while/scan equation's operand types match its bodies' input
    types and its bodies return the carry types (typecheck_jaxpr does not look inside)."""
    jaxpr = getattr(jaxpr, "jaxpr", jaxpr)
    for eqn in jaxpr.eqns:
        avals = [x.aval for x in eqn.inputs]
        outs = [v.aval for v in eqn.outvars]
        p, name = eqn.params, eqn.prim.name
        if name == "cond":
            assert _ir_types(avals[:1]) == [((), i32)]
            for b in p["branches"]:
                assert _ir_types(avals[1:]) == _ir_types(b.in_avals), "cond operands"
                assert _ir_types(outs) == _ir_types(b.out_avals), "cond outputs"
        elif name == "while":
            nc, nb = p["cond_nconsts"], p["body_nconsts"]
            carry = _ir_types(avals[nc + nb:])
            assert _ir_types(avals[:nc]) + carry == _ir_types(p["cond_jaxpr"].in_avals)
            assert _ir_types(avals[nc:]) == _ir_types(p["body_jaxpr"].in_avals)
            assert _ir_types(p["body_jaxpr"].out_avals) == carry == _ir_types(outs)
        elif name == "scan":
            nc, nca, n = p["num_consts"], p["num_carry"], p["length"]
            body, xs = p["jaxpr"], avals[nc + nca:]
            assert all(x.shape[:1] == (n,) for x in xs)
            assert _ir_types(avals[:nc + nca] + [x.update(shape=x.shape[1:]) for x in xs]) == \
                _ir_types(body.in_avals), "scan operands"
            assert _ir_types(body.out_avals[:nca]) == _ir_types(avals[nc:nc + nca]), "carry"
            assert _ir_types(outs) == _ir_types(avals[nc:nc + nca]) + _ir_types(
                [a.update(shape=(n,) + a.shape) for a in body.out_avals[nca:]]), "scan outputs"
        for v in p.values():
            for sub in (v if isinstance(v, tuple) else (v,)):
                if isinstance(sub, (xf.Jaxpr, xf.ClosedJaxpr)):
                    check_ir(sub)


_X = onp.array([0.3, 0.5], f32)
_XS = onp.arange(6.0, dtype=f32).reshape(3, 2)


def _ir_rnn(w, h, xs):
    return lax.scan(lambda c, a: (np.tanh(w * c + a), c.sum()), h, xs)


def _ir_cond(p, x):
    return lax.cond(p, lambda x: np.sin(x) * x, lambda x: x * 2.0, x)


def _ir_while(x):
    return lax.while_loop(lambda c: c[1] < 3, lambda c: (np.sin(c[0]) * c[0], c[1] + 1),
                          (x, 0))[0]


_IR_CASES = {
    "grad_scan": (xf.grad(lambda w, h, xs: _ir_rnn(w, h, xs)[0].sum() + _ir_rnn(w, h, xs)[1].sum(),
                          argnums=(0, 1, 2)), (_X, _X, _XS)),
    "vmap_scan": (xf.vmap(_ir_rnn, (None, 0, 1)), (_X, _XS, onp.ones((3, 3, 2), f32))),
    "hessian_scan": (xf.hessian(lambda w: _ir_rnn(w, _X, _XS)[0].sum()), (_X,)),
    "grad_vmap_scan": (xf.grad(lambda w: xf.vmap(_ir_rnn, (None, None, 0))(
        w, _X, onp.ones((4, 3, 2), f32))[0].sum()), (_X,)),
    "hessian_cond": (xf.hessian(lambda x: _ir_cond(x.sum() > 0, x).sum()), (_X,)),
    "vmap_cond": (xf.vmap(_ir_cond), (onp.array([True, False]), _XS[:2])),
    "grad_vmap_cond": (xf.grad(lambda x: xf.vmap(_ir_cond)(x > 0.4, x).sum()), (_X,)),
    "jvp_jvp_while": (lambda x: xf.jvp(lambda x: xf.jvp(_ir_while, (x,), (x,))[1], (x,), (x,)),
                      (_X,)),
    "linearize_while": (lambda x: xf.linearize(_ir_while, x)[1](x), (_X,)),
    "vmap_jvp_while": (xf.vmap(lambda l, x: xf.jvp(lambda x: lax.while_loop(
        lambda c: c.sum() < l, lambda c: c * 1.5, x), (x,), (x,))), (onp.array([1.0, 5.0], f32),
                                                                    _XS[:2] + 0.1)),
    "hessian_fori": (xf.hessian(lambda x: lax.fori_loop(0, 4, lambda i, v: np.sin(v) * i, x).sum()),
                     (_X,)),
    "vmap_fori_dynamic": (xf.vmap(lambda n, x: lax.fori_loop(0, n, lambda i, v: v * 2.0, x)),
                          (onp.array([1, 3], onp.int32), _X)),
    "vmap_grad_cond_in_scan": (xf.vmap(xf.grad(lambda x: lax.scan(
        lambda c, a: (lax.cond(c > a, np.sin, np.cos, c), None), x, _XS[:, 0])[0])), (_X,)),
    "grad_checkpoint_scan": (xf.grad(lambda w: lax.scan(xf.checkpoint(
        lambda c, a: (np.sin(c * w + a), c)), 0.0, _XS[:, 0])[0]), (onp.float32(0.5),)),
    "weak_carry_promotion": (lambda: lax.fori_loop(0, 3, lambda i, c: (c[1], c[0] + 0.5),
                                                   (0, 0)), ()),
}


@pytest.mark.parametrize("case", sorted(_IR_CASES))
def test_transformed_ir_is_well_typed(case):
    f, args = _IR_CASES[case]
    check_ir(xf.make_jaxpr(f)(*args))


def test_strong_carry_with_weakly_typed_body_output():
    out = lax.fori_loop(0, 3, lambda i, c: 1.0, onp.float32(0))
    assert float(out) == 1.0 and out.dtype == f32
    out = lax.scan(lambda c, x: (1.0, c), onp.float32(0), onp.arange(2.0, dtype=f32))[0]
    assert float(out) == 1.0 and out.dtype == f32
    out = lax.while_loop(lambda c: c < 1, lambda c: 1.0, onp.float32(0))
    assert float(out) == 1.0 and out.dtype == f32


@pytest.mark.usefixtures("x64")
def test_weakly_typed_carry_takes_the_body_dtype():
    # as JAX: a carry started from a Python scalar is promoted to the dtype the body gives it
    carry, ys = lax.scan(lambda c, a: (c + a, c), 0.0, onp.arange(3, dtype=f32))
    assert carry.dtype == f32 and ys.dtype == f32 and float(carry) == 3.0
    assert xf.eval_shape(lambda xs: lax.scan(lambda c, a: (c * a, c), 1.0, xs),
                         xf.ShapeDtypeStruct((4,), f32))[0].dtype == f32
    out = lax.fori_loop(0, 3, lambda i, c: c + 0.5, 0)
    assert float(out) == 1.5 and out.dtype == f64
    # promotion that reaches a second carry leaf only on the next trace
    out = xf.jit(lambda: lax.fori_loop(0, 3, lambda i, c: (c[1], c[0] + 0.5), (0, 0)))()
    tree_close(out, (onp.float64(0.5), onp.float64(1.0)))
    assert all(o.dtype == f64 for o in out)
    # a strongly typed carry is not promoted
    with pytest.raises(TypeError, match="carry"):
        lax.fori_loop(0, 3, lambda i, c: c + 0.5, onp.int32(0))


# ---------------------------------------------------------------------------------------
# bad input

def test_cond_branch_structure_mismatch():
    with pytest.raises(TypeError) as e:
        lax.cond(True, lambda x: (x, x), lambda x: x, 1.0)
    msg = str(e.value)
    assert "(*, *)" in msg and "PyTreeDef(*)" in msg, msg


@pytest.mark.parametrize("other,shown", [
    (lambda x: np.zeros((2,), f32), "f32[2]"),
    (lambda x: np.zeros((3,), i32), "i32[3]"),
])
def test_cond_branch_type_mismatch(other, shown):
    for run in (lambda f: f(onp.zeros(3, f32)), lambda f: xf.jit(f)(onp.zeros(3, f32))):
        with pytest.raises(TypeError) as e:
            run(lambda x: lax.cond(True, lambda x: x + 1, other, x))
        msg = str(e.value)
        assert "f32[3]" in msg and shown in msg, msg


def test_switch_branch_type_mismatch():
    with pytest.raises(TypeError) as e:
        lax.switch(0, [lambda x: x, lambda x: x, lambda x: x.astype(i32)], onp.zeros(2, f32))
    msg = str(e.value)
    assert "f32[2]" in msg and "i32[2]" in msg and "branch 2" in msg, msg


def test_scan_carry_type_change():
    with pytest.raises(TypeError) as e:
        lax.scan(lambda c, x: ({"a": c["a"], "b": c["b"] * 1.5}, x),
                 {"a": onp.float32(0), "b": onp.int32(0)}, onp.zeros(3, f32))
    msg = str(e.value)
    assert "['b']" in msg and "i32[]" in msg and "f32[]" in msg, msg
    with pytest.raises(TypeError) as e:
        lax.scan(lambda c, x: (np.stack([c, c]), x), onp.zeros(2, f32), onp.zeros(3, f32))
    msg = str(e.value)
    assert "f32[2]" in msg and "f32[2,2]" in msg, msg
    with pytest.raises(TypeError, match="structure"):
        lax.scan(lambda c, x: ((c, c), x), onp.float32(0), onp.zeros(3, f32))
    with pytest.raises(TypeError, match="pair"):
        lax.scan(lambda c, x: c, onp.float32(0), onp.zeros(3, f32))


def test_while_and_fori_carry_type_change():
    with pytest.raises(TypeError) as e:
        lax.while_loop(lambda c: c < 3, lambda c: c + 0.5, onp.int32(0))
    assert "i32[]" in str(e.value) and "f32[]" in str(e.value)
    with pytest.raises(TypeError) as e:
        lax.fori_loop(0, 3, lambda i, c: (c[0], c[1].astype(f32)), (1.0, onp.int32(0)))
    assert "i32[]" in str(e.value) and "f32[]" in str(e.value)


@pytest.mark.parametrize("pred", [onp.array([True, False]), onp.float32(1.0), 1.0])
def test_cond_bad_predicate(pred):
    with pytest.raises(TypeError, match="predicate"):
        lax.cond(pred, lambda x: x, lambda x: x, 1.0)
    with pytest.raises(TypeError, match="predicate"):
        xf.jit(lambda p: lax.cond(p, lambda: 1.0, lambda: 2.0))(pred)


@pytest.mark.parametrize("index", [onp.float32(1.0), 1.5, onp.array([0, 1], onp.int32),
                                   onp.array(True)])
def test_switch_bad_index(index):
    with pytest.raises(TypeError, match="index"):
        lax.switch(index, [lambda x: x, lambda x: -x], 1.0)


def test_while_bad_cond_fun_output():
    with pytest.raises(TypeError, match="boolean scalar"):
        lax.while_loop(lambda c: c, lambda c: c + 1, 1.0)
    with pytest.raises(TypeError, match="boolean scalar"):
        lax.while_loop(lambda c: c < 3, lambda c: c + 1, onp.zeros(2, f32))


def test_scan_inconsistent_lengths():
    with pytest.raises(ValueError) as e:
        lax.scan(lambda c, x: (c, None), 0.0, (onp.zeros(3), {"k": onp.zeros((4, 2))}))
    msg = str(e.value)
    assert "xs[0] has length 3" in msg and "xs[1]['k'] has length 4" in msg, msg
    with pytest.raises(ValueError, match="length"):
        lax.scan(lambda c, x: (c, None), 0.0, onp.zeros(3), length=5)
    with pytest.raises(ValueError, match="length"):
        lax.scan(lambda c, x: (c, None), 0.0, None)
    with pytest.raises(ValueError, match="scalar"):
        lax.scan(lambda c, x: (c, None), 0.0, onp.float32(1.0))


def test_bad_callables():
    with pytest.raises(TypeError, match="callable"):
        lax.cond(True, 1.0, lambda: 1.0)
    with pytest.raises(TypeError, match="callable"):
        lax.while_loop(lambda c: True, None, 1.0)
    with pytest.raises(TypeError):
        lax.switch(0, [], 1.0)


def test_grad_of_while_loop_mentions_fori_and_scan():
    f = lambda x: lax.while_loop(lambda v: v < 10.0, lambda v: v * 2.0, x)  # noqa: E731
    for g in (xf.grad(f), xf.jit(xf.grad(f)), xf.grad(xf.jit(f))):
        with pytest.raises(ValueError) as e:
            g(1.0)
        assert "fori_loop" in str(e.value) and "scan" in str(e.value)
    h = xf.jit(lambda x, n: xf.grad(lambda x: lax.fori_loop(0, n, lambda i, v: v * 2, x))(x))
    with pytest.raises(ValueError, match="fori_loop"):
        h(1.0, 3)


def _if(x):
    if x > 0:
        return x
    return -x


def _while(x, n):
    while x < n:
        x = x * 2
    return x


def _for(x, n):
    for _ in range(n):
        x = x + 1
    return x


@pytest.mark.parametrize("fun,args,names", [
    (_if, (1.0,), ["lax.cond", "static_argnums"]),
    (_while, (1.0, 5.0), ["lax.while_loop", "static_argnums"]),
    (_for, (1.0, 3), ["static_argnums"]),
])
def test_python_control_flow_on_traced_values(fun, args, names):
    with pytest.raises(Exception) as e:
        xf.jit(fun)(*args)
    assert isinstance(e.value, (xf.ConcretizationTypeError, xf.TracerBoolConversionError,
                                xf.TracerIntegerConversionError, TypeError))
    for name in names:
        assert name in str(e.value), str(e.value)
    # and the suggested fixes work
    if fun is _for:
        assert float(xf.jit(fun, static_argnums=1)(*args)) == 4.0


# ---------------------------------------------------------------------------------------
# lowering: loops stay loops

def test_lowered_loops_stay_loops():
    x = onp.ones(3, f32)
    fori = lambda n: xf.jit(lambda x: lax.fori_loop(0, n, lambda i, v: np.sin(v) + i, x))  # noqa
    texts = [fori(n).lower(x).as_text() for n in (10, 1000)]
    assert all("stablehlo.while" in t for t in texts)
    assert abs(len(texts[0]) - len(texts[1])) < 50  # the program does not grow with the trip count
    scan_text = xf.jit(lambda xs: lax.scan(lambda c, v: (c * v, c), 1.0, xs)).lower(
        onp.ones(100, f32)).as_text()
    assert "stablehlo.while" in scan_text
    while_text = xf.jit(lambda x: lax.while_loop(lambda v: v < 5, lambda v: v + 1, x)).lower(
        onp.float32(0)).as_text()
    assert "stablehlo.while" in while_text
    cond_text = xf.jit(lambda p, x: lax.cond(p, np.sin, np.cos, x)).lower(True, x).as_text()
    assert "stablehlo.case" in cond_text
    switch_text = xf.jit(lambda i, x: lax.switch(i, [np.sin, np.cos, np.exp], x)).lower(
        onp.int32(0), x).as_text()
    assert "stablehlo.case" in switch_text
    # reverse mode of a scan is a loop too (the transposed scan runs backwards)
    grad_text = xf.jit(xf.grad(lambda x: lax.fori_loop(0, 50, lambda i, v: np.sin(v), x).sum())
                       ).lower(x).as_text()
    assert grad_text.count("stablehlo.while") >= 2
    assert grad_text.count("stablehlo.sine") < 10


# ---------------------------------------------------------------------------------------
# eager dispatch cache

def _count_compiles(monkeypatch):
    counter = {"n": 0}
    real = runtime.compile

    def counting(*args, **kwargs):
        counter["n"] += 1
        return real(*args, **kwargs)
    monkeypatch.setattr(runtime, "compile", counting)
    return counter


def _eager_body(i, x):
    return x * 1.01 + i


def _eager_scan_body(c, x):
    return c + x, c * x


def _eager_cond(x):
    return x > 1


def _eager_while_body(x):
    return x * 0.5


_CONST = onp.arange(4.0, dtype=f32)


def _eager_scan_with_const(c, x):
    return c + x * _CONST.sum(), c


def _eager_branch_with_const(x):
    return x * _CONST


def test_eager_loops_compile_once(monkeypatch):
    from xlafront import dispatch
    counter = _count_compiles(monkeypatch)
    calls = [
        lambda x: lax.fori_loop(0, 10, _eager_body, x),
        lambda x: lax.scan(_eager_scan_body, x[0], x),
        lambda x: lax.while_loop(_eager_cond, _eager_while_body, x[0] + 7),
        lambda x: lax.cond(x[0] > 0, np.sin, np.cos, x),
        lambda x: lax.switch(2, [np.sin, np.cos, np.exp], x),
        lambda x: lax.map(np.sin, x),
        lambda x: lax.scan(_eager_scan_with_const, x[0], x),  # closes over a NumPy array
    ]
    for call in calls:
        xf.block_until_ready(call(onp.arange(4.0, dtype=f32)))
        n_compiles, n_callables = counter["n"], len(dispatch._callables)
        for k in range(3):
            xf.block_until_ready(call(onp.arange(4.0, dtype=f32) * k))
        assert counter["n"] == n_compiles, "an eager control-flow call recompiled"
        assert len(dispatch._callables) == n_callables
    # a different trip count is a different program, compiled once
    lax.fori_loop(0, 11, _eager_body, onp.ones(4, f32))
    n_compiles = counter["n"]
    lax.fori_loop(0, 11, _eager_body, onp.ones(4, f32))
    assert counter["n"] == n_compiles


def test_eager_cond_with_captured_array_compiles_once(monkeypatch):
    counter = _count_compiles(monkeypatch)
    call = lambda x: lax.cond(True, _eager_branch_with_const, np.cos, x)  # noqa: E731
    xf.block_until_ready(call(onp.ones(4, f32)))
    n_compiles = counter["n"]
    xf.block_until_ready(call(onp.ones(4, f32) * 2))
    assert counter["n"] == n_compiles


def test_fori_loop_index_is_weak_for_python_int_bounds():
    # JAX: with Python-int bounds the index is weakly typed, so an int carry stays weak
    out = lax.fori_loop(0, 3, lambda i, c: c + i, 0)
    assert int(out) == 3 and out.weak_type
    out = lax.fori_loop(np.int32(0), 3, lambda i, c: c + i, 0)
    assert int(out) == 3 and not out.weak_type
