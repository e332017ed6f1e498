"""vmap: every primitive's batching rule against stacking per-example calls, then
compositions (nested vmap, jit, grad), pytree in_axes/out_axes, axis_size, the errors, and
a registry test of the rules.

The vmap cases come from `op_records`: every NumPy case of every primitive's record (so
every batching rule is exercised), the records' vmap-only cases (control flow) and the
rows of xlafront.numpy functions and lax compositions. Each case runs with its (first)
dtype, with 3 examples, in these variants:

* `all0`: every argument mapped along axis 0, out_axes 0;
* `only{i}`: argument i alone mapped (the others are the same for every example);
* `mixed`: arguments mapped along axis -1 and 1 alternately (negative in_axes, batch
  dimensions that differ between operands), out_axes 1 (or -1 for rank-0 outputs).

A structural test checks that no rule loops over the batch: the IR of a vmapped case has
the same number of equations for batch sizes 2 and 5.
"""
import collections

import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as np
from xlafront import lax
from xlafront.interpreters import batching
from xlafront.tree_util import tree_flatten

from conftest import assert_close, rng_for, tol_for
from op_records import EXEMPT, all_primitives, prims_in, vmap_cases

B = 3  # examples per batch
V_CASES = vmap_cases()


# ---------------------------------------------------------------------------------------
# running the table

def _examples(r):
    return [r.gen(rng_for(r.name, r.dtype.name, "vmap", b), r.dtype) for b in range(B)]


def _variants(r, n):
    if n == 0:
        return []
    variants = [("all0", (0,) * n, 0)]
    if n > 1:
        variants += [(f"only{i}", tuple(0 if k == i else None for k in range(n)), 0)
                     for i in range(n)]
    variants.append(("mixed", None, None))  # axes depend on the argument ranks
    return variants


def _cases():
    for r in V_CASES:
        n = len(r.gen(rng_for(r.name, r.dtype.name, "vmap", 0), r.dtype))
        for variant, in_axes, out_axes in _variants(r, n):
            yield pytest.param(r, variant, in_axes, out_axes, id=f"{r.name}-{variant}")


def _stack(xs, axis):
    return onp.stack([onp.asarray(x) for x in xs], axis)


def _run_case(r, in_axes, out_axes, fun=None):
    examples = _examples(r)
    n = len(examples[0])
    ranks = [onp.ndim(a) for a in examples[0]]
    if in_axes is None:  # mixed: -1, 1, -1, 1 ... (1 only where the rank allows it)
        in_axes = tuple(-1 if k % 2 == 0 or ranks[k] == 0 else 1 for k in range(n))
    # examples of the unmapped arguments are those of example 0
    per_example = [[ex[k] if in_axes[k] is not None else examples[0][k] for k in range(n)]
                   for ex in examples]
    outs = [r.fun(*args) for args in per_example]
    out_leaves = [tree_flatten(o)[0] for o in outs]
    out_tree = tree_flatten(outs[0])[1]
    if out_axes is None:
        out_axes = 1 if all(onp.ndim(leaf) >= 1 for leaf in out_leaves[0]) else -1
    batched = [
        _stack([ex[k] for ex in per_example], in_axes[k] % (ranks[k] + 1))
        if in_axes[k] is not None else examples[0][k] for k in range(n)]
    got = (fun or xf.vmap(r.fun, in_axes=in_axes, out_axes=out_axes))(*batched)
    got_leaves, got_tree = tree_flatten(got)
    assert got_tree == out_tree, f"output structure {got_tree} != per-example {out_tree}"
    for j, leaf in enumerate(got_leaves):
        expected = _stack([ol[j] for ol in out_leaves], out_axes % (onp.ndim(out_leaves[0][j]) + 1))
        dtype = onp.asarray(out_leaves[0][j]).dtype
        tol = r.tol if r.tol is not None else 2 * tol_for(dtype)
        assert_close(leaf, expected, dtype=dtype, rtol=tol, atol=tol)
    return in_axes, out_axes, batched


@pytest.mark.parametrize("r,variant,in_axes,out_axes", list(_cases()))
def test_vmap(r, variant, in_axes, out_axes):
    _run_case(r, in_axes, out_axes)


_JIT_SAMPLE = ["sin", "add", "mul_rank0", "select_n_bool", "clamp_array_bounds",
               "broadcast_in_dim_middle", "transpose", "pad_((1, 2, 0), (0, 1, 0))",
               "concatenate", "dynamic_slice_array_index", "dynamic_update_slice_(1, 2)",
               "reduce_sum_(1,)", "argmax_0", "dot_general_batch_middle", "sort_two_operands",
               "pjit", "np_matmul", "np_index_traced", "gather_rows", "cumsum"]


@pytest.mark.parametrize("name", _JIT_SAMPLE)
def test_jit_of_vmap_and_vmap_of_jit(name):
    matches = [r for r in V_CASES if r.name == name]
    assert matches, f"no vmap case named {name}"
    r = matches[0]
    n = len(_examples(r)[0])
    in_axes = (0,) * n
    _run_case(r, in_axes, 0, fun=xf.jit(xf.vmap(r.fun, in_axes=in_axes)))
    _run_case(r, in_axes, 0, fun=xf.vmap(xf.jit(r.fun), in_axes=in_axes))


def _count_eqns(jaxpr):
    count = 0
    for eqn in jaxpr.eqns:
        count += 1
        for v in eqn.params.values():
            inner = getattr(v, "jaxpr", v)
            if hasattr(inner, "eqns"):
                count += _count_eqns(inner)
    return count


def test_batching_rules_do_not_loop_over_the_batch():
    """The IR of a vmapped function has the same size for every batch size."""
    bad = []
    for r in V_CASES:
        example = r.gen(rng_for(r.name, r.dtype.name, "vmap", 0), r.dtype)
        if not example:
            continue
        sizes = []
        for size in (2, 5):
            args = [onp.stack([a] * size) for a in example]
            try:
                jaxpr = xf.make_jaxpr(xf.vmap(r.fun))(*args).jaxpr
            except NotImplementedError:
                sizes = None  # missing rule: test_vmap reports it
                break
            sizes.append(_count_eqns(jaxpr))
        if sizes and sizes[0] != sizes[1]:
            bad.append(f"{r.name}: {sizes[0]} equations for 2 examples, {sizes[1]} for 5")
    assert not bad, "batching rules that loop over the batch:\n" + "\n".join(bad)


# ---------------------------------------------------------------------------------------
# compositions

def _close(a, b, tol=1e-5):
    onp.testing.assert_allclose(onp.asarray(a), onp.asarray(b), rtol=tol, atol=tol)


def test_nested_vmap():
    x = onp.arange(3.0, dtype=onp.float32)
    y = onp.arange(4.0, dtype=onp.float32)
    outer = xf.vmap(xf.vmap(lambda a, b: a * b + a, in_axes=(None, 0)), in_axes=(0, None))
    _close(outer(x, y), x[:, None] * y[None, :] + x[:, None])
    m = onp.arange(24.0, dtype=onp.float32).reshape(2, 3, 4)
    f = xf.vmap(xf.vmap(lambda v: np.sum(v ** 2), in_axes=1), in_axes=2)
    _close(f(m), (m ** 2).sum(0).T)
    g = xf.vmap(xf.vmap(lambda a, b: a @ b, in_axes=(0, None)), in_axes=(None, 0))
    a = onp.ones((2, 3, 4), onp.float32)
    b = onp.arange(5 * 4 * 2, dtype=onp.float32).reshape(5, 4, 2)
    _close(g(a, b), onp.einsum("ijk,lkm->lijm", a, b))
    _close(xf.vmap(xf.vmap(xf.vmap(lambda s: s * 2)))(m), 2 * m)


def test_vmap_of_jit_with_static_args():
    f = xf.jit(lambda x, n: x ** n + np.sum(x), static_argnums=1)
    x = onp.arange(6.0, dtype=onp.float32).reshape(2, 3)
    _close(xf.vmap(lambda r: f(r, 2))(x), x ** 2 + x.sum(1, keepdims=True))


def test_vmap_of_grad_and_grad_of_vmap():
    def loss(w, x):
        return np.sum(np.tanh(x @ w) ** 2)

    w = onp.array([[0.1, 0.2], [0.3, -0.1], [0.0, 0.5]], onp.float32)
    xs = onp.arange(12.0, dtype=onp.float32).reshape(4, 3) / 10
    per_example = xf.vmap(xf.grad(loss), in_axes=(None, 0))(w, xs)
    expected = onp.stack([onp.asarray(xf.grad(loss)(w, x)) for x in xs])
    _close(per_example, expected)
    total = xf.grad(lambda w: np.sum(xf.vmap(loss, in_axes=(None, 0))(w, xs)))(w)
    _close(total, expected.sum(0))
    _close(xf.jit(xf.vmap(xf.grad(loss), in_axes=(None, 0)))(w, xs), expected)
    # a Jacobian as a vmap of vjp
    f = lambda x: np.sin(x) * x[::-1]  # noqa: E731
    x = onp.array([0.1, 0.5, 1.0], onp.float32)
    _, f_vjp = xf.vjp(f, x)
    jac = xf.vmap(lambda ct: f_vjp(ct)[0])(onp.eye(3, dtype=onp.float32))
    expected = onp.diag(onp.cos(x) * x[::-1]) + onp.sin(x)[:, None] * onp.eye(3)[::-1]
    _close(jac, expected)
    # forward mode inside vmap: a Jacobian as vmap of jvp
    jac_f = xf.vmap(lambda t: xf.jvp(f, (x,), (t,))[1], out_axes=1)(onp.eye(3, dtype=onp.float32))
    _close(jac_f, expected)


def test_vmap_inside_grad_with_unmapped_parameters():
    w = onp.array([1.0, 2.0], onp.float32)
    xs = onp.arange(6.0, dtype=onp.float32).reshape(3, 2)
    g = xf.grad(lambda w: np.sum(xf.vmap(lambda x: np.dot(w, x) ** 2)(xs)))(w)
    _close(g, (2 * (xs @ w)[:, None] * xs).sum(0))


# ---------------------------------------------------------------------------------------
# in_axes / out_axes trees, axis_size, kwargs

def test_pytree_in_axes():
    d = {"a": onp.arange(6.0, dtype=onp.float32).reshape(2, 3), "b": onp.float32(10.0)}
    out = xf.vmap(lambda p: p["a"] * p["b"], in_axes=({"a": 1, "b": None},))(d)
    _close(out, d["a"].T * 10)
    # a tuple prefix: one axis for a whole subtree
    pair = (onp.ones((3, 2), onp.float32), [onp.arange(3.0, dtype=onp.float32)])
    out = xf.vmap(lambda p, s: p[0].sum() + p[1][0] * s, in_axes=(0, None))(pair, 2.0)
    _close(out, 2 + 2 * onp.arange(3.0))
    out = xf.vmap(lambda p: p[0] + p[1][0], in_axes=((1, [0]),))(
        (onp.ones((4, 3), onp.float32), [onp.arange(3.0, dtype=onp.float32)]))
    _close(out, onp.ones((3, 4)) + onp.arange(3.0)[:, None])
    Point = collections.namedtuple("Point", ["x", "y"])
    out = xf.vmap(lambda p: p.x - p.y, in_axes=(Point(0, None),))(
        Point(onp.arange(3.0, dtype=onp.float32), onp.float32(1.0)))
    _close(out, onp.arange(3.0) - 1)


def test_in_axes_int_for_all_and_none():
    x = onp.arange(6.0, dtype=onp.float32).reshape(2, 3)
    _close(xf.vmap(lambda a, b: a + b, in_axes=1)(x, x), (x + x).T)
    _close(xf.vmap(lambda a, b: a + b, in_axes=(None, 0))(onp.float32(1), onp.arange(3.0)),
           1 + onp.arange(3.0))


def test_kwargs_are_mapped_along_axis_0():
    x = onp.arange(6.0, dtype=onp.float32).reshape(2, 3)
    scale = onp.arange(3.0, dtype=onp.float32)
    out = xf.vmap(lambda a, scale: a * scale, in_axes=(1,))(x, scale=scale)
    _close(out, (x * onp.arange(3.0)).T)


def test_out_axes_trees_and_none():
    x = onp.arange(6.0, dtype=onp.float32).reshape(2, 3)
    a, b = xf.vmap(lambda r: (r * 2, np.sum(r)), out_axes=(1, 0))(x)
    _close(a, (2 * x).T)
    _close(b, x.sum(1))
    out = xf.vmap(lambda r, c: {"m": r, "c": c * 3}, in_axes=(0, None),
                  out_axes={"m": -1, "c": None})(x, onp.float32(2))
    _close(out["m"], x.T)
    _close(out["c"], 6.0)
    with pytest.raises(ValueError, match="out_axes"):
        xf.vmap(lambda r: r * 2, out_axes=None)(x)


def test_axis_size_with_no_mapped_input():
    out = xf.vmap(lambda c: c * 2 + 1, in_axes=None, axis_size=4)(onp.float32(3))
    _close(out, onp.full(4, 7.0))
    out = xf.vmap(lambda: lax.iota(onp.int32, 3), axis_size=2)()
    assert out.shape == (2, 3)
    _close(out, [[0, 1, 2], [0, 1, 2]])
    x = onp.arange(3.0, dtype=onp.float32)
    _close(xf.vmap(lambda v: v * 2, axis_size=3)(x), 2 * x)


def test_unmapped_output_broadcasts():
    out = xf.vmap(lambda x: onp.float32(5.0))(onp.arange(3.0, dtype=onp.float32))
    _close(out, [5, 5, 5])
    out = xf.vmap(lambda x, y: y, in_axes=(0, None))(onp.arange(3.0), onp.ones(2, onp.float32))
    assert out.shape == (3, 2)


def test_vmap_of_python_scalars_and_weak_types():
    out = xf.vmap(lambda x: x * 2.0)(onp.arange(3, dtype=onp.float32))
    assert out.dtype == onp.float32
    out = xf.vmap(lambda x: x + 1)(onp.arange(3, dtype=onp.int8))
    assert out.dtype == onp.int8


# ---------------------------------------------------------------------------------------
# collectives under vmap (axis_name)

def test_collectives_under_vmap():
    x = onp.arange(6.0, dtype=onp.float32).reshape(3, 2)
    _close(xf.vmap(lambda v: v / lax.psum(v, "i"), axis_name="i")(x), x / x.sum(0))
    _close(xf.vmap(lambda v: v - lax.pmean(v, "i"), axis_name="i")(x), x - x.mean(0))
    _close(xf.vmap(lambda v: lax.pmax(v, "i"), axis_name="i")(x),
           onp.broadcast_to(x.max(0), x.shape))
    _close(xf.vmap(lambda v: lax.axis_index("i") + 0 * v[0], axis_name="i")(x), [0, 1, 2])
    _close(xf.vmap(lambda v: lax.all_gather(v, "i"), axis_name="i")(x),
           onp.broadcast_to(x, (3, 3, 2)))
    nested = xf.vmap(xf.vmap(lambda v: lax.psum(v, "j"), axis_name="j"), axis_name="i")
    _close(nested(x), onp.broadcast_to(x.sum(1, keepdims=True), x.shape))
    # a collective over the outer axis, inside an inner vmap that batches its operand
    outer = xf.vmap(xf.vmap(lambda v: lax.psum(v, "i"), axis_name="j"), axis_name="i")
    _close(outer(x), onp.broadcast_to(x.sum(0, keepdims=True), x.shape))
    outer_max = xf.vmap(xf.vmap(lambda v: lax.pmax(v, "i"), axis_name="j"), axis_name="i")
    _close(outer_max(x), onp.broadcast_to(x.max(0, keepdims=True), x.shape))
    both = xf.vmap(xf.vmap(lambda v: lax.psum(v, ("i", "j")), axis_name="j"), axis_name="i")
    _close(both(x), onp.full(x.shape, x.sum()))


# ---------------------------------------------------------------------------------------
# errors

def test_inconsistent_sizes_name_each_argument():
    def f(alpha, beta):
        return alpha + beta

    with pytest.raises(ValueError, match="inconsistent sizes") as e:
        xf.vmap(f)(onp.ones(3, onp.float32), onp.ones(4, onp.float32))
    msg = str(e.value)
    assert "alpha" in msg and "beta" in msg and "3" in msg and "4" in msg
    with pytest.raises(ValueError, match="axis_size"):
        xf.vmap(lambda a: a, axis_size=5)(onp.ones(3, onp.float32))


def test_in_axes_tree_mismatch_shows_both():
    with pytest.raises(ValueError) as e:
        xf.vmap(lambda p: p["a"], in_axes=({"a": 0, "c": 0},))({"a": onp.ones(2), "b": onp.ones(2)})
    msg = str(e.value)
    assert "in_axes" in msg and "'c'" in msg and "'b'" in msg
    with pytest.raises(ValueError, match="in_axes"):
        xf.vmap(lambda a, b: a, in_axes=(0, 0, 0))(onp.ones(2), onp.ones(2))
    with pytest.raises(ValueError, match="out_axes"):
        xf.vmap(lambda a: (a, a), out_axes=(0, 0, 0))(onp.ones(2))


def test_out_of_range_axis():
    with pytest.raises(ValueError, match="axis 2") as e:
        xf.vmap(lambda a: a, in_axes=2)(onp.ones((3, 4), onp.float32))
    assert "(3, 4)" in str(e.value)
    with pytest.raises(ValueError, match="axis -3"):
        xf.vmap(lambda a: a, in_axes=-3)(onp.ones((3, 4), onp.float32))
    with pytest.raises(ValueError):
        xf.vmap(lambda a: a, in_axes=0)(onp.float32(1))
    with pytest.raises(ValueError):
        xf.vmap(lambda a: a, out_axes=3)(onp.ones((3, 4), onp.float32))


def test_list_in_axes_is_a_tuple_as_in_jax():
    x, y = onp.arange(6.0, dtype=onp.float32).reshape(3, 2), onp.ones(2, onp.float32)
    out = xf.vmap(lambda a, b: a + b, in_axes=[0, None])(x, y)
    onp.testing.assert_array_equal(out, x + y)


def test_spmd_axis_name_is_refused_not_ignored():
    with pytest.raises(NotImplementedError, match="spmd_axis_name"):
        xf.vmap(lambda a: a, spmd_axis_name="i")


def test_other_bad_inputs():
    with pytest.raises(TypeError, match="vmap in_axes must be an int, None, or a tuple"):
        xf.vmap(lambda a: a["a"], in_axes={"a": 0})
    with pytest.raises(TypeError, match="vmap in_axes must be"):
        xf.vmap(lambda a: a, in_axes=0.5)
    with pytest.raises(TypeError, match="callable"):
        xf.vmap(3)
    with pytest.raises(ValueError, match="axis_size|non-None"):
        xf.vmap(lambda a: a, in_axes=None)(onp.ones(2))
    with pytest.raises(TypeError, match="in_axes|int"):
        xf.vmap(lambda a: a, in_axes=(0.5,))(onp.ones(2))


# ---------------------------------------------------------------------------------------
# registry: every primitive has a batching rule

def _has_batch_rule(p):
    return p in batching.primitive_batchers or p in batching.batchers_with_trace


def test_every_primitive_has_a_batching_rule():
    prims = all_primitives()
    missing = sorted(n for n, p in prims.items()
                     if not _has_batch_rule(p) and "batch" not in EXEMPT.get(n, {}))
    assert not missing, f"primitives without a batching rule (add one, or an EXEMPT " \
                        f"entry with the reason): {missing}"
    stale = sorted(n for n, checks in EXEMPT.items()
                   if "batch" in checks and n in prims and _has_batch_rule(prims[n]))
    assert not stale, f"EXEMPT lists primitives under \"batch\" that now have a batching " \
                      f"rule: {stale}"


def test_every_batching_rule_is_exercised():
    prims = all_primitives()
    seen, wrong = {}, []
    for r in V_CASES:
        example = r.gen(rng_for(r.name, r.dtype.name, "vmap", 0), r.dtype)
        names = prims_in(xf.make_jaxpr(r.fun)(*example).jaxpr)
        if r.prim is not None and r.prim not in names:
            wrong.append(f"{r.name} (of {r.prim})")
        for n in names:
            seen.setdefault(n, r.name)
    assert not wrong, f"vmap cases that do not bind their record's primitive: {wrong}"
    batched = {n for n, p in prims.items() if _has_batch_rule(p)}
    missing = sorted(n for n in batched - set(seen) if "vmap" not in EXEMPT.get(n, {}))
    assert not missing, f"primitives with a batching rule but no vmap case (add a case to " \
                        f"the op record, or an EXEMPT entry with the reason): {missing}"
    stale = sorted(f"{n} (bound by {seen[n]})" if n in seen else f"{n} (no batching rule)"
                   for n, checks in EXEMPT.items()
                   if "vmap" in checks and n in prims and (n in seen or n not in batched))
    assert not stale, f"EXEMPT lists primitives under \"vmap\" that a vmap case binds or " \
                      f"that have no batching rule: {stale}"
