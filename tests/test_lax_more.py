"""The rest of jax.lax beyond the op records' NumPy cases: every output of the
multiple-result operations, the compositions (ragged_dot, the *_in_dim slices, reduce,
conv patches ...), the solves with their implicit derivatives, the XLA generators,
platform_dependent, composite, the dot algorithms, and the errors. Expected values come
from NumPy or are written from JAX's documented behaviour."""
import numpy as onp
import pytest

import op_records  # noqa: F401  (imported before anything makes a primitive)
import xlafront as xf
import xlafront.numpy as np
from xlafront import lax

from conftest import assert_close

rng = onp.random.RandomState(0)
f32 = onp.float32
ROWS = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                   scatter_dims_to_operand_dims=(0,))


# ---------------------------------------------------------------------------------------
# shapes, slices, indexing

def test_multiple_results_and_their_errors():
    x = onp.arange(24, dtype=f32).reshape(2, 3, 4)
    for got, want in zip(lax.split(x, (1, 0, 3), 2), onp.split(x, [1, 1], 2)):
        assert_close(got, want)
    for i, got in enumerate(lax.unstack(x, -2)):
        assert_close(got, x[:, i])
    assert_close(lax.stack([x[0], x[1]], -1), onp.stack([x[0], x[1]], -1))
    assert_close(lax.tile(x, (1, 2, 1)), onp.tile(x, (1, 2, 1)))
    with pytest.raises(ValueError, match="split: sizes"):
        lax.split(x, (1, 1), 1)
    with pytest.raises(TypeError, match="tile: reps"):
        lax.tile(x, (2, 2))
    with pytest.raises(ValueError, match="stack: all arrays"):
        lax.stack([x, x[0]])


def test_in_dim_slices():
    x = onp.arange(12, dtype=f32).reshape(3, 4)
    assert_close(lax.dynamic_slice_in_dim(x, -2, 2, 1), x[:, 2:4])
    # without negative indices -2 is clamped to 0, as XLA clamps
    assert_close(lax.dynamic_slice_in_dim(x, -2, 2, 1, allow_negative_indices=False), x[:, :2])
    assert_close(lax.dynamic_index_in_dim(x, 1, 0, keepdims=False), x[1])
    assert_close(lax.dynamic_index_in_dim(x, 1, 0), x[1:2])
    assert_close(lax.index_in_dim(x, -1, 1, keepdims=False), x[:, -1])
    with pytest.raises(IndexError, match="out of bounds"):
        lax.index_in_dim(x, 3, 0)
    y = x.copy()
    y[:, 1:3] = -1
    assert_close(lax.dynamic_update_slice_in_dim(x, -onp.ones((3, 2), f32), 1, 1), y)
    y = x.copy()
    y[2] = 7
    assert_close(lax.dynamic_update_index_in_dim(x, onp.full(4, 7, f32), -1, 0), y)
    assert_close(lax.dynamic_update_index_in_dim(x, onp.full((1, 4), 7, f32), 2, 0), y)
    assert_close(xf.jit(lambda i: lax.dynamic_index_in_dim(x, i, 1, False))(onp.int32(-1)),
                 x[:, -1])


def test_index_take():
    x = onp.arange(24).reshape(2, 3, 4).astype(onp.int32)
    i0, i1 = onp.array([1, 0, -1], onp.int32), onp.array([2, -3, 1], onp.int32)
    assert_close(lax.index_take(x, (i0, i1), (0, 1)), x[i0, i1])
    assert_close(lax.index_take(x, (i1, i0), (1, 0)), x[i0, i1])


def test_shape_helpers():
    assert lax.collapse(onp.ones((2, 3, 4)), 1).shape == (2, 12)
    assert lax.collapse(onp.ones((2, 3, 4)), 0, 2).shape == (6, 4)
    assert_close(lax.broadcast_like(onp.arange(3, dtype=f32), onp.ones((2, 3))),
                 onp.broadcast_to(onp.arange(3, dtype=f32), (2, 3)))
    assert lax.broadcast_shapes((2, 1), (3,), ()) == (2, 3)
    with pytest.raises(ValueError, match="incompatible"):
        lax.broadcast_shapes((2,), (3,))
    assert onp.array_equal(lax.shape_as_value((2, 3)), [2, 3])
    assert lax.shape_as_value(()).shape == (0,)
    x = lax.full_like(onp.ones(2, onp.int32), 2.5)
    assert x.dtype == onp.int32 and onp.array_equal(x, [2, 2])
    assert lax.full_like(1.0, 2).weak_type
    assert not lax.full_like(1.0, 2, onp.float32).weak_type
    assert lax.full_like(onp.ones(2), 1, shape=(3,)).shape == (3,)
    e = lax.empty((2, 3), onp.int8)
    assert e.shape == (2, 3) and e.dtype == onp.int8
    with pytest.raises(NotImplementedError, match="sharding"):
        lax.full_like(onp.ones(2), 1, sharding=object())
    assert lax.dtype(1.0) == onp.float32 and lax.dtype("int16") == onp.int16
    assert lax.dtype(onp.ones(2, onp.uint8)) == onp.uint8
    assert_close(lax.reciprocal(onp.array([2.0, 4.0], f32)), onp.array([0.5, 0.25], f32))
    assert_close(lax.round(onp.array([0.5, 1.5, 2.5], f32), lax.RoundingMethod.TO_NEAREST_EVEN),
                 onp.array([0.0, 2.0, 2.0], f32))


def test_scatter_sub_and_scatter_apply():
    x = onp.arange(5, dtype=f32)
    idx = onp.array([[1], [3], [1]], onp.int32)
    assert_close(lax.scatter_sub(x, idx, onp.ones(3, f32), ROWS), onp.array([0, -1, 2, 2, 4], f32))
    # func once per index reaching a location: twice at 1
    assert_close(lax.scatter_apply(x, idx, lambda v: v * 10, ROWS, update_shape=(3,)),
                 onp.array([0, 100, 2, 30, 4], f32))
    assert_close(lax.scatter_apply(x, idx[:2], lambda v: v * 10, ROWS, update_shape=(2,),
                                   unique_indices=True), onp.array([0, 10, 2, 30, 4], f32))
    out_of_bounds = onp.array([[7], [2]], onp.int32)  # dropped (mode "drop", the default)
    assert_close(xf.jit(lambda x: lax.scatter_apply(x, out_of_bounds, lax.neg, ROWS,
                                                    update_shape=(2,)))(x),
                 onp.array([0, 1, -2, 3, 4], f32))
    g = xf.grad(lambda x: lax.scatter_apply(x, idx[:2], lambda v: v * v, ROWS, update_shape=(2,),
                                            unique_indices=True).sum())(x)
    assert_close(g, onp.array([1, 2, 1, 6, 1], f32))


# ---------------------------------------------------------------------------------------
# top_k, approx_max_k / approx_min_k

def test_top_k():
    x = onp.array([[1, 3, 3, 2], [5, 4, 6, 6]], onp.int32)
    values, indices = lax.top_k(x, 3)
    assert_close(values, onp.array([[3, 3, 2], [6, 6, 5]], onp.int32))
    assert_close(indices, onp.array([[1, 2, 3], [2, 3, 0]], onp.int32))  # ties: lower first
    values, indices = lax.top_k(x, 1, axis=0)
    assert_close(values, onp.array([[5, 4, 6, 6]], onp.int32))
    assert_close(indices, onp.array([[1, 1, 1, 1]], onp.int32))
    values, indices = lax.top_k(onp.array([1, onp.nan, 3, -onp.inf], f32), 2)
    assert onp.isnan(values[0]) and values[1] == 3 and list(indices) == [1, 2]
    t = xf.jvp(lambda x: lax.top_k(x, 2)[0], (onp.array([3, 1, 2], f32),),
               (onp.array([10, 20, 30], f32),))[1]
    assert_close(t, onp.array([10, 30], f32))
    with pytest.raises(ValueError, match="top_k: k=4"):
        lax.top_k(onp.ones(3), 4)


def test_approx_k():
    x = rng.randn(3, 1000).astype(f32)
    values, indices = lax.approx_max_k(x, 5)
    assert_close(values, -onp.sort(-x, 1)[:, :5])
    assert_close(indices, onp.argsort(-x, 1)[:, :5].astype(onp.int32))
    values, indices = lax.approx_min_k(x, 4, reduction_dimension=1, recall_target=0.9)
    assert_close(values, onp.sort(x, 1)[:, :4])
    # without aggregate_to_topk: as many candidates as XLA's TPU algorithm keeps (sorted)
    assert lax.approx_max_k(x, 5, aggregate_to_topk=False)[0].shape == (3, 256)
    assert lax.approx_max_k(x[0], 5, aggregate_to_topk=False)[0].shape == (1000,)
    assert lax.approx_max_k(x, 1, aggregate_to_topk=False)[0].shape == (3, 128)
    with pytest.raises(ValueError, match="floating"):
        lax.approx_max_k(onp.arange(5), 2)
    with pytest.raises(ValueError, match="k=6"):
        lax.approx_min_k(onp.ones(5, f32), 6)


# ---------------------------------------------------------------------------------------
# reduce

def test_reduce():
    x = rng.randn(3, 4).astype(f32)
    assert "reduce_sum" in str(xf.make_jaxpr(lambda x: lax.reduce(x, 0.0, lax.add, (1,)))(x))
    assert "reduce[" in str(xf.make_jaxpr(lambda x: lax.reduce(x, 0.0, lambda a, b: a + b,
                                                              (1,)))(x))
    assert_close(lax.reduce(x, -onp.inf, lambda a, b: lax.max(a, b), (0, 1)), x.max(), rtol=0)
    idx = onp.broadcast_to(onp.arange(4, dtype=onp.int32), (3, 4))

    def argmax(a, b):
        pick = lax.ge(a["v"], b["v"])
        return {"v": lax.select(pick, a["v"], b["v"]), "i": lax.select(pick, a["i"], b["i"])}
    out = lax.reduce({"v": x, "i": idx}, {"v": -onp.inf, "i": 0}, argmax, (1,))
    assert_close(out["i"], x.argmax(1).astype(onp.int32))
    g = xf.grad(lambda x: lax.reduce(x, 1.0, lambda a, b: a * b, (0,)).sum())(x)
    assert_close(g, onp.prod(x, 0) / x, rtol=1e-5)
    assert_close(xf.vmap(lambda x: lax.reduce(x, 0.0, lambda a, b: a + b, (0,)), 1)(x),
                 x.sum(0), rtol=1e-6)
    with pytest.raises(ValueError, match="same structure"):
        lax.reduce((x, x), 0.0, lax.add, (0,))
    with pytest.raises(NotImplementedError, match="init_values"):
        xf.vmap(lambda i: lax.reduce(x, i, lambda a, b: a + b, (0,)))(onp.zeros(2, f32))


# ---------------------------------------------------------------------------------------
# dots: batch_matmul, ragged_dot, the algorithms

def _np_ragged(lhs, rhs, sizes):
    out, start = onp.zeros((lhs.shape[0], rhs.shape[-1]), f32), 0
    for j, n in enumerate(sizes):
        out[start:start + n] = lhs[start:start + n] @ rhs[j]
        start += n
    return out


def test_batch_matmul_and_ragged_dot():
    a, b = rng.randn(2, 3, 4).astype(f32), rng.randn(2, 4, 5).astype(f32)
    assert_close(lax.batch_matmul(a, b), a @ b, rtol=1e-5)
    with pytest.raises(ValueError, match="batch_matmul"):
        lax.batch_matmul(a, b[0])
    lhs, rhs, sizes = rng.randn(7, 3).astype(f32), rng.randn(3, 3, 4).astype(f32), [2, 0, 3]
    gs = onp.array(sizes, onp.int32)
    assert_close(lax.ragged_dot(lhs, rhs, gs), _np_ragged(lhs, rhs, sizes), rtol=1e-5)
    assert_close(xf.jit(lax.ragged_dot)(lhs, rhs, gs), _np_ragged(lhs, rhs, sizes), rtol=1e-5)
    g = xf.grad(lambda r: lax.ragged_dot(lhs, r, gs).sum())(rhs)
    assert_close(g[1], onp.zeros((3, 4), f32))  # the empty group gets no gradient
    assert_close(g[2], onp.broadcast_to(lhs[2:5].sum(0)[:, None], (3, 4)), rtol=1e-5)
    # a contracting ragged dimension: one product per group
    x, y = rng.randn(2, 6).astype(f32), rng.randn(6, 5).astype(f32)
    dn = lax.RaggedDotDimensionNumbers((((1,), (0,)), ((), ())), (1,), ())
    want = onp.stack([x[:, :1] @ y[:1], x[:, 1:4] @ y[1:4], x[:, 4:] @ y[4:]])
    assert_close(lax.ragged_dot_general(x, y, onp.array([1, 3, 2], onp.int32), dn), want,
                 rtol=1e-5)
    with pytest.raises(NotImplementedError, match="group_offset"):
        lax.ragged_dot(lhs, rhs, gs, group_offset=onp.zeros(1, onp.int32))


def test_dot_algorithms():
    a, b = rng.randn(2, 3).astype(f32), rng.randn(3, 4).astype(f32)
    for p in ("F32_F32_F32", lax.DotAlgorithmPreset.BF16_BF16_F32, "DEFAULT", "BF16_BF16_F32_X3"):
        assert_close(lax.dot(a, b, precision=p), a @ b, rtol=1e-5)
    assert "bf16" in xf.jit(lambda a, b: lax.dot(a, b, precision="BF16_BF16_F32")).lower(
        a, b).as_text()
    # F16_F16_F16 computes in float16: the operands are rounded to it, the result kept f32
    out = lax.dot(a, b, precision=lax.DotAlgorithmPreset.F16_F16_F16)
    assert out.dtype == f32
    assert_close(out, a.astype(onp.float16).astype(f32) @ b.astype(onp.float16).astype(f32),
                 rtol=2e-3, atol=2e-3)
    assert_close(xf.grad(lambda a: lax.dot(a, b, precision="F32_F32_F32").sum())(a),
                 onp.broadcast_to(b.sum(1), (2, 3)), rtol=1e-5)
    for p in ("TF32_TF32_F32", lax.DotAlgorithm(f32, f32, f32)):
        with pytest.raises(NotImplementedError, match="not supported on CPU"):
            lax.dot(a, b, precision=p)
    assert repr(lax.DotAlgorithmPreset.F32_F32_F32) == "DotAlgorithmPreset.F32_F32_F32"
    x, k = onp.ones((1, 1, 3, 3), f32), onp.ones((1, 1, 2, 2), f32)
    assert_close(lax.conv(x, k, (1, 1), "VALID", precision="DEFAULT"),
                 onp.full((1, 1, 2, 2), 4, f32))
    with pytest.raises(NotImplementedError, match="conv_general_dilated: dot algorithms"):
        lax.conv(x, k, (1, 1), "VALID", precision="F32_F32_F32")


# ---------------------------------------------------------------------------------------
# the solves and their implicit derivatives

def _system():
    a = rng.randn(3, 3).astype(f32) + 4 * onp.eye(3, dtype=f32)
    return a, rng.randn(3).astype(f32)


def _solve(a, b, **kw):
    return lax.custom_linear_solve(lambda x: np.dot(a, x), b,
                                   lambda mv, r: np.linalg.solve(a, r),
                                   lambda vm, r: np.linalg.solve(a.T, r), **kw)


def test_custom_linear_solve():
    a, b = _system()
    x = onp.linalg.solve(a, b)
    assert_close(_solve(a, b), x, rtol=1e-5)
    assert_close(xf.jit(_solve)(a, b), x, rtol=1e-5)
    ga, gb = xf.grad(lambda a, b: _solve(a, b).sum(), argnums=(0, 1))(a, b)
    w = onp.linalg.solve(a.T, onp.ones(3, f32))  # d(sum x) = w . (db - da x)
    assert_close(gb, w, rtol=1e-4)
    assert_close(ga, -onp.outer(w, x), rtol=1e-4)
    assert_close(xf.jvp(lambda b: _solve(a, b), (b,), (onp.ones(3, f32),))[1],
                 onp.linalg.solve(a, onp.ones(3)).astype(f32), rtol=1e-5)
    bs = onp.stack([b, 2 * b])
    assert_close(xf.vmap(_solve, (None, 0))(a, bs), onp.linalg.solve(a, bs.T).T, rtol=1e-5)
    assert_close(xf.vmap(_solve)(onp.stack([a, a.T]), bs),
                 onp.stack([x, onp.linalg.solve(a.T, 2 * b)]), rtol=1e-5)
    sym = a + a.T
    x = lax.custom_linear_solve(lambda v: {"k": np.dot(sym, v["k"])}, {"k": b},
                                lambda mv, r: {"k": np.linalg.solve(sym, r["k"])},
                                symmetric=True)
    assert_close(x["k"], onp.linalg.solve(sym, b), rtol=1e-4)
    x, aux = lax.custom_linear_solve(lambda v: np.dot(a, v), b,
                                     lambda mv, r: (np.linalg.solve(a, r), 3), has_aux=True)
    assert aux == 3


def test_custom_linear_solve_errors():
    a, b = _system()
    no_transpose = lambda b: lax.custom_linear_solve(  # noqa: E731
        lambda x: np.dot(a, x), b, lambda mv, r: np.linalg.solve(a, r))
    with pytest.raises(TypeError, match="transpose_solve is required"):
        xf.grad(lambda b: no_transpose(b).sum())(b)
    with pytest.raises(TypeError, match="custom_linear_solve: solve must return"):
        lax.custom_linear_solve(lambda x: x, b, lambda mv, r: (r, r))


def _newton_sqrt(a):
    def solve(f, x0):
        return lax.fori_loop(0, 30, lambda i, x: x - f(x) / (2 * x), x0)
    return lax.custom_root(lambda x: x ** 2 - a, 1.0, solve, lambda g, y: y / g(1.0))


def test_custom_root():
    assert_close(_newton_sqrt(f32(2)), f32(onp.sqrt(2)), rtol=1e-6)
    # the derivative with respect to what f closes over, from the implicit function theorem
    assert_close(xf.grad(_newton_sqrt)(f32(2)), f32(0.5 / onp.sqrt(2)), rtol=1e-5)
    assert_close(xf.jit(xf.grad(_newton_sqrt))(f32(2)), f32(0.5 / onp.sqrt(2)), rtol=1e-5)
    assert_close(xf.jacfwd(_newton_sqrt)(f32(4)), f32(0.25), rtol=1e-5)
    assert_close(xf.vmap(_newton_sqrt)(onp.array([4, 9], f32)), onp.array([2, 3], f32))
    root, aux = lax.custom_root(lambda x: x - 2.0, 0.0, lambda f, x: (x + 2.0, x < 1),
                                lambda g, y: y, has_aux=True)
    assert float(root) == 2.0 and bool(aux)
    with pytest.raises(TypeError, match="custom_root: f must return"):
        lax.custom_root(lambda x: (x, x), 1.0, lambda f, x: x, lambda g, y: y)


# ---------------------------------------------------------------------------------------
# the generators, platform_dependent, composite, barriers and identities

def test_rng_bit_generator():
    keys = onp.arange(8, dtype=onp.uint32).reshape(2, 4)
    key, bits = lax.rng_bit_generator(keys[0], (3, 2))
    assert key.shape == (4,) and key.dtype == onp.uint32 and bits.shape == (3, 2)
    assert not onp.array_equal(key, keys[0])
    assert onp.array_equal(bits, lax.rng_bit_generator(keys[0], (3, 2))[1])
    assert lax.rng_bit_generator(keys[0], (8,), onp.uint8)[1].dtype == onp.uint8
    many = lax.rng_bit_generator(keys[0], (20000,), onp.uint8)[1]
    assert abs(float(onp.asarray(many, f32).mean()) - 127.5) < 3  # uniform bytes
    philox = lax.rng_bit_generator(keys[0], (3, 2), algorithm=lax.RandomAlgorithm.RNG_PHILOX)
    assert philox[1].shape == (3, 2)  # (XLA's CPU backend runs one algorithm for all three)
    # vmap: each key its own bits, as if called one by one
    new_keys, batched = xf.vmap(lambda k: lax.rng_bit_generator(k, (3,)))(keys)
    for i in range(2):
        k, b = lax.rng_bit_generator(keys[i], (3,))
        assert onp.array_equal(new_keys[i], k) and onp.array_equal(batched[i], b)
    with pytest.raises(TypeError, match="unsupported dtype int32"):
        lax.rng_bit_generator(keys[0], (3,), onp.int32)
    with pytest.raises(TypeError, match="uint32\\[4\\]"):
        lax.rng_bit_generator(keys[0, :2], (3,))


def test_rng_uniform():
    u = lax.rng_uniform(-1.0, 1.0, (1000,))
    assert u.shape == (1000,) and u.dtype == f32 and u.weak_type
    assert float(u.min()) >= -1 and float(u.max()) < 1 and abs(float(u.mean())) < 0.1
    with pytest.raises(ValueError, match="rng_uniform"):
        lax.rng_uniform(onp.zeros(2, f32), 1.0, (3,))


def test_platform_dependent():
    x = onp.float32(3)
    assert float(lax.platform_dependent(x, cpu=lambda v: v * 2, tpu=lambda v: v)) == 6
    assert float(xf.jit(lambda x: lax.platform_dependent(
        x, cuda=lambda v: v, default=lambda v: v + 1))(x)) == 4
    assert float(xf.grad(lambda x: lax.platform_dependent(x, cpu=lambda v: v * v,
                                                          default=lambda v: v))(x)) == 6
    with pytest.raises(NotImplementedError, match="no branch for platform cpu"):
        xf.jit(lambda x: lax.platform_dependent(x, tpu=lambda v: v))(x)
    with pytest.raises(ValueError, match="'cuda' or 'rocm'"):
        lax.platform_dependent(x, gpu=lambda v: v)
    with pytest.raises(TypeError, match="callable"):
        lax.platform_dependent(x, cpu=3)


def test_composite():
    tangent = lax.composite(lambda x, *, scale=None: lax.tan(x) * scale, name="my.tangent",
                            version=2)
    x = onp.array([0.1, 0.5], f32)
    text = xf.jit(lambda x: tangent(x, scale=2.0)).lower(x).as_text()
    assert 'stablehlo.composite "my.tangent"' in text and "version = 2" in text
    assert "scale = 2.0" in text and "func.func private @my.tangent" in text
    assert_close(tangent(x, scale=2.0), 2 * onp.tan(x), rtol=1e-6)
    assert_close(xf.grad(lambda x: tangent(x, scale=1.0).sum())(x), 1 / onp.cos(x) ** 2,
                 rtol=1e-5)
    assert_close(xf.vmap(lambda x: tangent(x, scale=1.0))(x[:, None])[:, 0], onp.tan(x),
                 rtol=1e-6)
    with pytest.raises(TypeError, match="attributes must be static"):
        xf.jit(lambda s: tangent(x, scale=s))(1.0)


def test_barrier_identities_and_shardings():
    text = xf.jit(lambda x: lax.optimization_barrier(np.sin(x)) + np.sin(x)).lower(
        f32(0)).as_text()
    assert text.count("stablehlo.sine") == 2 and "optimization_barrier" in text
    pair = lax.optimization_barrier({"a": onp.ones(2, f32), "b": 3})
    assert_close(pair["a"], onp.ones(2, f32)) and int(pair["b"]) == 3
    s = lax.stage(3.0)
    assert isinstance(s, xf.Array) and s.weak_type
    one = xf.device_put(onp.zeros(())).sharding
    out = lax.with_sharding_constraint({"x": onp.ones(2, f32), "y": onp.zeros(3, f32)}, one)
    assert_close(out["y"], onp.zeros(3, f32))
    with pytest.raises(TypeError, match="Sharding"):
        lax.with_sharding_constraint(onp.ones(2), "not a sharding")


def test_reduce_precision():
    x = onp.array([1.0001, 3.14159, 60000.0], f32)
    assert_close(lax.reduce_precision(x, 5, 10), x.astype(onp.float16).astype(f32))
    assert onp.isinf(lax.reduce_precision(f32(1e6), 5, 10))  # past float16's range
    with pytest.raises(TypeError, match="reduce_precision does not accept dtype int32"):
        lax.reduce_precision(onp.int32(3), 5, 10)


def test_mulhi():
    assert int(lax.mulhi(onp.int32(-7), onp.int32(1 << 30))) == (-7 << 30) >> 32
    assert int(lax.mulhi(onp.uint8(200), onp.uint8(200))) == 40000 >> 8


def test_pbroadcast():
    out = xf.vmap(lambda x: lax.pbroadcast(x, "i", 2), axis_name="i")(onp.arange(4, dtype=f32))
    assert_close(out, onp.full(4, 2, f32))
    with pytest.raises(ValueError, match="source 5"):
        xf.vmap(lambda x: lax.pbroadcast(x, "i", 5), axis_name="i")(onp.arange(4, dtype=f32))


def _np_patches(x, fh, fw):
    n, c, h, w = x.shape
    out = onp.zeros((n, c * fh * fw, h - fh + 1, w - fw + 1), x.dtype)
    for ci in range(c):
        for i in range(fh):
            for j in range(fw):
                out[:, ci * fh * fw + i * fw + j] = x[:, ci, i:i + h - fh + 1, j:j + w - fw + 1]
    return out


def test_conv_patches_and_local():
    x = rng.randn(2, 3, 5, 6).astype(f32)
    patches = _np_patches(x, 2, 3)
    assert_close(lax.conv_general_dilated_patches(x, (2, 3), (1, 1), "VALID"), patches)
    nhwc = lax.conv_general_dilated_patches(x.transpose(0, 2, 3, 1), (2, 3), (1, 1), "VALID",
                                            dimension_numbers=("NHWC", "HWIO", "NHWC"))
    assert_close(nhwc, patches.transpose(0, 2, 3, 1))
    kernels = rng.randn(4, 18, 4, 4).astype(f32)  # (out, patch, h, w): one per position
    assert_close(lax.conv_general_dilated_local(x, kernels, (1, 1), "VALID", (2, 3)),
                 onp.einsum("nkhw,okhw->nohw", patches, kernels), rtol=1e-5, atol=1e-5)


def test_placeholders_refuse_at_use():
    for name in ("create_token", "after_all", "psend", "precv", "pcast", "scaled_dot",
                 "ragged_all_to_all", "dce_sink"):
        with pytest.raises(NotImplementedError, match=f"lax.{name} is not supported"):
            getattr(lax, name)()
