"""vmap: every primitive's batching rule against stacking per-example calls, then
compositions (nested vmap, jit, grad), pytree in_axes/out_axes, axis_size, the errors, and
a registry test of the rules.

The op table is test_lax's `RECORDS` (every primitive has one, so every batching rule is
exercised) plus rows here for xlafront.numpy functions. Each record runs with its first
dtype, with 3 examples, in these variants:

* `all0`: every argument mapped along axis 0, out_axes 0;
* `only{i}`: argument i alone mapped (the others are the same for every example);
* `mixed`: arguments mapped along axis -1 and 1 alternately (negative in_axes, batch
  dimensions that differ between operands), out_axes 1 (or -1 for rank-0 outputs).

A structural test checks that no rule loops over the batch: the IR of a vmapped record has
the same number of equations for batch sizes 2 and 5.
"""
import collections
import functools
from typing import Callable, NamedTuple

import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as np
from xlafront import lax
from xlafront.interpreters import batching
from xlafront.tree_util import tree_flatten

from conftest import assert_close, rng_for, tol_for
from test_ad import gen as _example_gen
from test_lax import RECORDS, _prims_in, all_primitives

f32, i32 = onp.dtype(onp.float32), onp.dtype(onp.int32)
B = 3  # examples per batch


class VRec(NamedTuple):
    prim: str
    name: str
    fun: Callable
    gen: Callable        # (rng, dtype) -> list of NumPy arrays (one example)
    dtype: onp.dtype
    tol: float = None


def _from_lax(r):
    return VRec(r.prim, r.name, r.fun, r.gen, r.dtypes[0], r.tol)


V_RECORDS = [_from_lax(r) for r in RECORDS]
_covered = {r.prim for r in RECORDS}


def vrec(prim, name, fun, gen, dtype=f32, tol=None):
    V_RECORDS.append(VRec(prim, name, fun, gen, onp.dtype(dtype), tol))


# xlafront.numpy functions (composed from lax: these exercise the rules together)
_S = (3, 4)
_np_rows = [
    ("np_matmul", lambda a, b: a @ b, (("normal", (2, 3)), ("normal", (3, 4)))),
    ("np_matmul_vec", lambda a, b: np.matmul(a, b), (("normal", (3,)), ("normal", (3, 4)))),
    ("np_where", lambda c, x, y: np.where(c > 0, x, y),
     (("normal", _S), ("normal", _S), ("normal", (4,)))),
    ("np_clip", lambda x: np.clip(x, -1, 1), (("normal", _S),)),
    ("np_index", lambda x: x[1:, ::2] + x[0, 1], (("normal", _S),)),
    ("np_index_traced", lambda x, i: np.asarray(x)[np.asarray(i).astype(np.int32)],
     (("normal", _S), ("pos", ()))),
    ("np_at_set", lambda x, u: np.asarray(x).at[1, 1:3].set(u),
     (("normal", _S), ("normal", (2,)))),
    ("np_at_add", lambda x, u: np.asarray(x).at[0].add(u), (("normal", _S), ("normal", (4,)))),
    ("np_sum_axis", lambda x: np.sum(x, axis=1, keepdims=True), (("normal", _S),)),
    ("np_mean_var", lambda x: (np.mean(x), np.var(x, axis=0)), (("normal", _S),)),
    ("np_max", lambda x: np.max(x, axis=0), (("normal", _S),)),
    ("np_argmax", lambda x: np.argmax(x, axis=1), (("distinct", _S),)),
    ("np_sort", lambda x: np.sort(x, axis=0), (("normal", _S),)),
    ("np_argsort", lambda x: np.argsort(x, axis=-1), (("distinct", _S),)),
    ("np_pad", lambda x: np.pad(x, ((1, 0), (2, 1))), (("normal", _S),)),
    ("np_concatenate", lambda x, y: np.concatenate([x, y], axis=1),
     (("normal", _S), ("normal", (3, 2)))),
    ("np_stack", lambda x, y: np.stack([x, y], axis=-1), (("normal", _S), ("normal", _S))),
    ("np_split", lambda x: tuple(np.split(x, 2, axis=1)), (("normal", _S),)),
    ("np_transpose", lambda x: np.transpose(x), (("normal", (2, 3, 4)),)),
    ("np_reshape", lambda x: np.reshape(x, (-1, 2)), (("normal", _S),)),
    ("np_broadcast", lambda x, y: x * y, (("normal", (3, 1)), ("normal", (4,)))),
    ("np_roll", lambda x: np.roll(x, 1, axis=0), (("normal", _S),)),
    ("np_tril", lambda x: np.tril(x), (("normal", _S),)),
    ("np_tensordot", lambda a, b: np.tensordot(a, b, axes=1), (("normal", _S), ("normal", (4, 2)))),
    ("np_outer", lambda a, b: np.outer(a, b), (("normal", (3,)), ("normal", (2,)))),
    ("np_expand_squeeze", lambda x: np.squeeze(np.expand_dims(x, 0), 0), (("normal", _S),)),
    ("np_repeat_tile", lambda x: np.tile(np.repeat(x, 2, axis=1), (2, 1)), (("normal", _S),)),
    ("np_logaddexp", lambda x, y: np.logaddexp(x, y), (("normal", _S), ("normal", _S))),
    ("np_astype", lambda x: x.astype(np.int32), (("normal", _S),)),
    ("np_scalar_output", lambda x: np.sum(x) * 2.0, (("normal", _S),)),
    ("np_constant_output", lambda x: (np.ones(3), x * 2), (("normal", _S),)),
    ("np_take", lambda x: np.take(x, onp.array([2, 0, 2]), axis=1), (("normal", _S),)),
    ("np_take_along_axis", lambda x, i: np.take_along_axis(
        x, np.asarray(i).astype(np.int32), axis=1), (("normal", _S), ("pos", (3, 2)))),
    ("np_cumsum", lambda x: np.cumsum(x, axis=0), (("normal", _S),)),
]
for _name, _fun, _specs in _np_rows:
    vrec("numpy", _name, _fun, _example_gen(*_specs))

# primitives whose records are not (yet) in test_lax's table
_idx_rows = onp.array([[2], [0], [2]], onp.int32)
_extra = [
    ("gather", "gather_rows", lambda x, i: lax.gather(
        x, i, lax.GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,),
                                         start_index_map=(0,)), (1, 4)),
     lambda rng, dtype: [rng.standard_normal(_S).astype(dtype),
                         rng.integers(0, 3, (3, 1)).astype(onp.int32)]),
    ("scatter_add", "scatter_add_rows", lambda x, i, u: lax.scatter_add(
        x, i, u, lax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,),
                                             scatter_dims_to_operand_dims=(0,))),
     lambda rng, dtype: [rng.standard_normal(_S).astype(dtype),
                         rng.integers(0, 3, (3, 1)).astype(onp.int32),
                         rng.standard_normal((3, 4)).astype(dtype)]),
    ("scatter", "scatter_rows", lambda x, u: lax.scatter(
        x, onp.array([[2], [0]], onp.int32), u,
        lax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,),
                                    scatter_dims_to_operand_dims=(0,))),
     lambda rng, dtype: [rng.standard_normal(_S).astype(dtype),
                         rng.standard_normal((2, 4)).astype(dtype)]),
]
_sdn = lax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,),
                                   scatter_dims_to_operand_dims=(0,))
for _op in ("scatter_mul", "scatter_max", "scatter_min"):
    _extra.append((_op, _op + "_rows", functools.partial(
        lambda x, i, u, op: getattr(lax, op)(x, i, u, _sdn), op=_op),
        lambda rng, dtype: [rng.standard_normal(_S).astype(dtype),
                            rng.integers(0, 3, (3, 1)).astype(onp.int32),
                            rng.standard_normal((3, 4)).astype(dtype)]))
_extra += [
    ("cond", "cond", lambda p, x, y: lax.cond(p > 0, lambda a, b: a * b, lambda a, b: a - b, x, y),
     lambda rng, dtype: [rng.standard_normal(()).astype(dtype),
                         rng.standard_normal(_S).astype(dtype),
                         rng.standard_normal(_S).astype(dtype)]),
    ("cond", "switch", lambda i, x: lax.switch(i, [lambda a: a, lax.sin, lambda a: a * 3], x),
     lambda rng, dtype: [rng.integers(0, 3, ()).astype(onp.int32),
                         rng.standard_normal(_S).astype(dtype)]),
    ("scan", "scan", lambda c, xs: lax.scan(lambda c, x: (c * x + 1, lax.sin(c) + x), c, xs),
     lambda rng, dtype: [rng.standard_normal(4).astype(dtype),
                         rng.uniform(-0.9, 0.9, (3, 4)).astype(dtype)]),
    ("scan", "fori_loop", lambda x: lax.fori_loop(0, 3, lambda i, c: c * x + i, x),
     lambda rng, dtype: [rng.uniform(-0.9, 0.9, _S).astype(dtype)]),
    ("scan", "lax_map", lambda x: lax.map(lambda r: np.sum(r) * r, x),
     lambda rng, dtype: [rng.standard_normal(_S).astype(dtype)]),
    ("while", "while_loop_batched_predicate", lambda n, x: lax.while_loop(
        lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * 2.0), (onp.int32(0), x))[1],
     lambda rng, dtype: [rng.integers(0, 4, ()).astype(onp.int32),
                         rng.standard_normal(_S).astype(dtype)]),
    ("while", "fori_loop_traced_bounds", lambda n, x: lax.fori_loop(0, n, lambda i, c: c + i, x),
     lambda rng, dtype: [rng.integers(0, 4, ()).astype(onp.int32),
                         rng.standard_normal(_S).astype(dtype)]),
    ("associative_scan", "associative_scan", lambda x: lax.associative_scan(lax.add, x, axis=1),
     lambda rng, dtype: [rng.standard_normal(_S).astype(dtype)]),
]
for _op in ("cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp"):
    _extra.append((_op, _op, functools.partial(lambda x, op: getattr(lax, op)(x, axis=1), op=_op),
                   lambda rng, dtype: [rng.uniform(0.5, 1.5, _S).astype(dtype)]))
    _extra.append((_op, _op + "_reverse_axis0",
                   functools.partial(lambda x, op: getattr(lax, op)(x, axis=0, reverse=True),
                                     op=_op),
                   lambda rng, dtype: [rng.uniform(0.5, 1.5, _S).astype(dtype)]))
for _prim, _name, _fun, _gen in _extra:
    if _prim not in _covered or _prim in ("cond", "scan", "while"):
        vrec(_prim, _name, _fun, _gen)


def _prim_exists(prim):
    return prim == "numpy" or hasattr(lax, prim) or prim in all_primitives()


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
    for r in V_RECORDS:
        n = len(r.gen(rng_for(r.name, r.dtype.name, "vmap", 0), r.dtype)) \
            if _prim_exists(r.prim) else 1
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
    if not _prim_exists(r.prim):
        pytest.skip(f"lax.{r.prim} does not exist yet")
    _run_case(r, in_axes, out_axes)


_JIT_SAMPLE = ["sin", "add", "mul_rank0", "select_n_bool", "clamp_array_bounds",
               "broadcast_in_dim_middle", "transpose", "pad_((1, 2, 0), (0, 1, 0))",
               "concatenate", "dynamic_slice_array_index", "dynamic_update_slice_(1, 2)",
               "reduce_sum_(1,)", "argmax_0", "dot_general_batch_middle", "sort_two_operands",
               "pjit", "np_matmul", "np_index_traced", "gather_rows", "cumsum"]


@pytest.mark.parametrize("name", _JIT_SAMPLE)
def test_jit_of_vmap_and_vmap_of_jit(name):
    matches = [r for r in V_RECORDS if r.name == name]
    if not matches or not _prim_exists(matches[0].prim):
        pytest.skip(f"no record {name}")
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
    for r in V_RECORDS:
        if not _prim_exists(r.prim):
            continue
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


def test_other_bad_inputs():
    with pytest.raises(TypeError, match="in_axes"):
        xf.vmap(lambda a: a, in_axes=[0])(onp.ones(2))
    with pytest.raises(TypeError, match="callable"):
        xf.vmap(3)
    with pytest.raises(ValueError, match="axis_size|non-None"):
        xf.vmap(lambda a: a, in_axes=None)(onp.ones(2))
    with pytest.raises(TypeError, match="in_axes|int"):
        xf.vmap(lambda a: a, in_axes=(0.5,))(onp.ones(2))


# ---------------------------------------------------------------------------------------
# registry: every primitive has a batching rule

# Primitives with no batching rule on purpose.
BATCH_EXEMPT = {
    "iota": "no array operands: never batched (vmap broadcasts its unmapped output)",
}


def test_every_primitive_has_a_batching_rule():
    prims = all_primitives()
    missing = sorted(n for n, p in prims.items()
                     if not _has_batch_rule(p) and n not in BATCH_EXEMPT)
    assert not missing, f"primitives without a batching rule (add one, or a BATCH_EXEMPT " \
                        f"entry with the reason): {missing}"
    stale = sorted(n for n in BATCH_EXEMPT if n in prims and _has_batch_rule(prims[n]))
    assert not stale, f"BATCH_EXEMPT lists primitives that now have a batching rule: {stale}"


def test_every_batching_rule_is_exercised():
    prims = all_primitives()
    names = set()
    for r in V_RECORDS:
        if not _prim_exists(r.prim):
            continue
        example = r.gen(rng_for(r.name, r.dtype.name, "vmap", 0), r.dtype)
        if not example:
            continue
        names |= _prims_in(xf.make_jaxpr(r.fun)(*example).jaxpr)
    missing = sorted(n for n, p in prims.items() if _has_batch_rule(p) and n not in names
                     and n not in BATCH_EXEMPT and n not in _COLLECTIVES)
    assert not missing, f"primitives with a batching rule but no vmap record: {missing}"


def _has_batch_rule(p):
    return p in batching.primitive_batchers or p in batching.batchers_with_trace


_COLLECTIVES = {"psum", "pmax", "pmin", "all_gather", "axis_index", "ppermute", "all_to_all"}

