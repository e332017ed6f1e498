"""pmap over 8 CPU devices, against NumPy: results laid out over the devices (indexing,
printing, NumPy conversion, feeding the next pmap in place), in_axes/out_axes, the
collectives of lax (each also under vmap, which must agree), their derivatives, the
compositions (grad, vmap, jit, nested pmaps, `.lower()`), the errors, the device count
options and the persistent cache.

The 8 devices: tests/conftest.py sets `jax_num_cpu_devices` to 8 before the backend starts
(this module does too when it runs first, e.g. alone)."""
import os
import subprocess
import sys
import textwrap

import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as np
from xlafront import lax
from xlafront.runtime import array as rarray
from xlafront.runtime import persistent_cache
from xlafront.runtime import client as rclient

if not rclient.is_loaded() or not rclient.state().backends:
    xf.config.update("jax_num_cpu_devices", 8)

N = 8
X = onp.arange(N * 3, dtype=onp.float32).reshape(N, 3) / 7 - 1


@pytest.fixture(autouse=True)
def _eight_devices():
    if xf.device_count() < N:
        pytest.fail(f"tests/test_pmap.py needs {N} CPU devices, found {xf.device_count()}: "
                    f"tests/conftest.py must set jax_num_cpu_devices to {N} before the "
                    f"backend starts")


def close(actual, expected, rtol=1e-5, atol=1e-5):
    onp.testing.assert_allclose(onp.asarray(actual), onp.asarray(expected), rtol=rtol,
                                atol=atol)


# ---------------------------------------------------------------------------------------
# Results over the devices

def test_result_is_an_array_over_the_devices():
    y = xf.pmap(lambda v: v * 2 + 1)(X)
    close(y, X * 2 + 1)
    assert isinstance(y, xf.Array) and y.shape == (N, 3) and y.dtype == onp.float32
    assert y.devices() == set(xf.devices())
    shards = y.addressable_shards
    assert [s.device for s in shards] == xf.devices()
    for i, shard in enumerate(shards):
        assert shard.index == (slice(i, i + 1), slice(None))
        assert shard.data.shape == (1, 3) and shard.data.devices() == {xf.devices()[i]}
        close(shard.data, X[i:i + 1] * 2 + 1)
    assert not y.is_fully_replicated and y.is_fully_addressable
    assert "PmapSharding" in repr(y.sharding)
    with pytest.raises(ValueError, match="devices"):
        y.device  # noqa: B018  (several devices: .devices(), as JAX)
    # indexing, printing, conversions, eager operations: the blocks are gathered
    close(y[3], X[3] * 2 + 1)
    close(y[2:5, 1], X[2:5, 1] * 2 + 1)
    assert repr(y).startswith("Array([[") and "dtype=float32" in repr(y)
    assert str(y) == str(onp.asarray(X * 2 + 1))
    assert y.tolist() == (X * 2 + 1).tolist()
    close(np.sin(y) + y, onp.sin(X * 2 + 1) + X * 2 + 1)
    close(xf.jit(lambda a: a.sum(0))(y), (X * 2 + 1).sum(0))
    close(xf.device_get(y), X * 2 + 1)
    moved = xf.device_put(y, xf.devices()[5])
    assert moved.devices() == {xf.devices()[5]}
    close(moved, X * 2 + 1)


def test_results_feed_the_next_pmap_without_moving(monkeypatch):
    f = xf.pmap(lambda v: v * 2)
    y = f(X)
    puts = []
    original = rarray.put_shards
    monkeypatch.setattr(rarray, "put_shards", lambda *a: puts.append(a) or original(*a))
    z = f(y)
    z = f(z)
    z = xf.pmap(lambda v: v + 1)(z)
    assert puts == []  # already laid out: no transfer
    close(z, X * 8 + 1)
    # an Array on one device, NumPy data and Arrays over other devices are cut into blocks
    close(f(np.asarray(X)), X * 2)
    close(f(xf.device_put(X, xf.devices()[3])), X * 2)
    half = xf.pmap(lambda v: v * 3, devices=xf.devices()[4:])(X[:4])
    assert half.devices() == set(xf.devices()[4:])
    g = xf.pmap(lambda v: v - 1)
    for _ in range(3):  # repeated calls go through jaxlib's dispatcher: still right
        close(g(half), X[:4] * 3 - 1)
        close(f(X), X * 2)
        close(f(y), X * 4)


def test_fewer_rows_than_devices_and_devices_argument():
    close(xf.pmap(lambda v: v + 1)(X[:3]), X[:3] + 1)
    out = xf.pmap(lambda v: lax.psum(v, "i"), "i", devices=xf.devices()[-2:])(X[:2])
    close(out, onp.broadcast_to(X[:2].sum(0), (2, 3)))
    assert out.devices() == set(xf.devices()[-2:])


def test_in_axes_out_axes_and_pytrees():
    a = onp.arange(2 * N * 3, dtype=onp.float32).reshape(2, N, 3)
    out = xf.pmap(lambda u: u * 2, in_axes=1)(a)
    close(out, onp.moveaxis(a, 1, 0) * 2)
    out = xf.pmap(lambda u: u, in_axes=1, out_axes=1)(a)
    assert out.shape == (2, N, 3)
    close(out, a)
    out = xf.pmap(lambda u, w: u + w, in_axes=(0, None))(X, onp.ones(3, onp.float32))
    close(out, X + 1)
    out = xf.pmap(lambda u, s: u * s, in_axes=(0, None))(X, 2)  # a Python scalar broadcast
    close(out, X * 2)
    tree = {"a": X, "b": (X[:, 0], X[:, :2])}
    out = xf.pmap(lambda t: {"s": t["a"].sum() + t["b"][0], "p": t["b"][1] * 2})(tree)
    close(out["s"], X.sum(1) + X[:, 0])
    close(out["p"], X[:, :2] * 2)
    out = xf.pmap(lambda u, k: u * k)(X, k=X)  # keywords are mapped at 0
    close(out, X * X)
    out = xf.pmap(lambda u, n, w: u * n + w, static_broadcasted_argnums=1,
                  in_axes=(0, None, 0))(X, 3, X)
    close(out, X * 4)
    out = xf.pmap(lambda u: (u, u.sum()), out_axes=(1, 0))(X)
    close(out[0], X.T)
    close(out[1], X.sum(1))
    scalar = xf.pmap(lambda u: lax.psum(u, "i"), "i", out_axes=None)(X)
    assert scalar.shape == (3,)
    close(scalar, X.sum(0))
    ints = xf.pmap(lambda u: u * 2)(onp.arange(N))
    assert ints.dtype == onp.int32
    close(ints, onp.arange(N) * 2)


def test_x64_dtypes(x64):
    out = xf.pmap(lambda u: lax.psum(u, "i"), "i")(onp.arange(N, dtype=onp.int64))
    assert out.dtype == onp.int64
    close(out, onp.full(N, 28))
    out = xf.pmap(lambda u: u * 0.5)(onp.arange(N, dtype=onp.float64))
    assert out.dtype == onp.float64


def test_donated_argument_is_consumed():
    y = xf.pmap(lambda v: v + 1)(X)
    out = xf.pmap(lambda v: v * 2, donate_argnums=0)(y)
    close(out, (X + 1) * 2)
    assert y.is_deleted()


# ---------------------------------------------------------------------------------------
# Collectives: under pmap and under vmap with the same axis name, against NumPy (rows of
# the mapped array are the devices / examples)

def _pmap(f, name="i"):
    return xf.pmap(f, name)


def _vmap(f, name="i"):
    return xf.vmap(f, axis_name=name)


MAPS = pytest.mark.parametrize("mapped", [_pmap, _vmap], ids=["pmap", "vmap"])
A = onp.arange(N * N * 2, dtype=onp.float32).reshape(N, N, 2) / 10 - 3


@MAPS
@pytest.mark.parametrize("collective, reference", [
    (lax.psum, lambda x: x.sum(0)), (lax.pmean, lambda x: x.mean(0)),
    (lax.pmax, lambda x: x.max(0)), (lax.pmin, lambda x: x.min(0)),
])
def test_reductions(mapped, collective, reference):
    out = mapped(lambda v: collective(v, "i"))(X)
    close(out, onp.broadcast_to(reference(X), X.shape))


@MAPS
def test_psum_of_pytrees_bools_constants_and_pmean_of_ints(mapped):
    out = mapped(lambda v: lax.psum({"a": v, "b": v[0] > 0}, "i"))(X)
    close(out["a"], onp.broadcast_to(X.sum(0), X.shape))
    assert out["b"].dtype == onp.int32
    close(out["b"], onp.full(N, (X[:, 0] > 0).sum()))
    close(mapped(lambda v: v + lax.psum(1, "i"))(X), X + N)
    out = mapped(lambda v: lax.pmean(v, "i"))(onp.arange(N))
    assert out.dtype == onp.float32
    close(out, onp.full(N, 3.5))


@MAPS
def test_axis_index_and_axis_size(mapped):
    close(mapped(lambda v: lax.axis_index("i"))(X), onp.arange(N))
    close(mapped(lambda v: v * lax.axis_size("i"))(X), X * N)
    assert mapped(lambda v: lax.axis_index("i"))(X).dtype == onp.int32


@MAPS
def test_all_gather(mapped):
    close(mapped(lambda v: lax.all_gather(v, "i"))(X), onp.broadcast_to(X, (N, N, 3)))
    close(mapped(lambda v: lax.all_gather(v, "i", axis=1))(X),
          onp.broadcast_to(X.T, (N, 3, N)))
    close(mapped(lambda v: lax.all_gather(v, "i", tiled=True))(X),
          onp.broadcast_to(X.reshape(-1), (N, N * 3)))


@MAPS
def test_ppermute_and_pshuffle(mapped):
    ring = [(i, (i + 1) % N) for i in range(N)]
    close(mapped(lambda v: lax.ppermute(v, "i", ring))(X), onp.roll(X, 1, axis=0))
    expected = onp.zeros_like(X)
    expected[3] = X[0]
    close(mapped(lambda v: lax.ppermute(v, "i", [(0, 3)]))(X), expected)
    perm = [5, 2, 7, 0, 1, 3, 6, 4]
    close(mapped(lambda v: lax.pshuffle(v, "i", perm))(X), X[perm])


@MAPS
def test_psum_scatter(mapped):
    close(mapped(lambda v: lax.psum_scatter(v, "i"))(A), A.sum(0))
    tiled = onp.arange(N * N * 2, dtype=onp.float32).reshape(N, 2 * N)
    close(mapped(lambda v: lax.psum_scatter(v, "i", tiled=True))(tiled),
          tiled.sum(0).reshape(N, 2))
    close(mapped(lambda v: lax.psum_scatter(v, "i", scatter_dimension=1))(
        A.transpose(0, 2, 1)), A.sum(0))


@MAPS
def test_all_to_all(mapped):
    # position i gets chunk i of every position j: out[i][j] = A[j][i]
    close(mapped(lambda v: lax.all_to_all(v, "i", 0, 0))(A), A.transpose(1, 0, 2))
    close(mapped(lambda v: lax.all_to_all(v, "i", 0, 1))(A), A.transpose(1, 2, 0))
    close(mapped(lambda v: lax.pswapaxes(v, "i", 0))(A), A.transpose(1, 0, 2))
    b = onp.arange(N * 2 * N * 3, dtype=onp.float32).reshape(N, 2 * N, 3)
    out = mapped(lambda v: lax.all_to_all(v, "i", 0, 1, tiled=True))(b)
    chunks = b.reshape(N, N, 2, 3)  # [j, i, 2, 3]: device i gets chunk i of each j
    close(out, chunks.transpose(1, 2, 0, 3).reshape(N, 2, N * 3))


def test_collectives_in_a_vmap_inside_pmap_and_over_both_axes():
    x = onp.arange(N * 3, dtype=onp.float32).reshape(N, 3)
    out = xf.pmap(xf.vmap(lambda v: lax.psum(v, "i")), "i")(x)
    close(out, onp.broadcast_to(x.sum(0), x.shape))
    out = xf.pmap(xf.vmap(lambda v: lax.psum(v, ("i", "j")), axis_name="j"), "i")(x)
    close(out, onp.full(x.shape, x.sum()))
    out = xf.vmap(xf.pmap(lambda v: lax.psum(v, ("i", "j")), "i"), axis_name="j")(x.T)
    close(out, onp.full(x.T.shape, x.sum()))


# ---------------------------------------------------------------------------------------
# Derivatives

def test_grad_of_pmap_with_collectives():
    c = onp.arange(N, dtype=onp.float32) + 1
    x = X[:, 0]

    def loss(collective):
        return lambda v: (xf.pmap(collective, "i")(v) * c).sum()

    # sum_i c_i * sum_j x_j: every x_k gets sum(c)
    close(xf.grad(loss(lambda u: lax.psum(u, "i")))(x), onp.full(N, c.sum()))
    # sum_i c_i * x_{i-1}: x_k gets c_{k+1}
    ring = [(i, (i + 1) % N) for i in range(N)]
    close(xf.grad(loss(lambda u: lax.ppermute(u, "i", ring)))(x), onp.roll(c, -1))
    # sum_i sum_j c_i [all_gather]_j * w_j
    w = onp.arange(N, dtype=onp.float32) - 2
    close(xf.grad(loss(lambda u: (lax.all_gather(u, "i") * w).sum()))(x), w * c.sum())
    # psum_scatter: device i gets sum_j A_j[i]; d/dA_j[m] = c_m
    g = xf.grad(lambda a: (xf.pmap(lambda u: lax.psum_scatter(u, "i"), "i")(a)
                           * c[:, None]).sum())(A)
    close(g, onp.broadcast_to(c[None, :, None], A.shape))
    # all_to_all: out_i[j] = A_j[i]; d/dA_j[i] = C[i, j]
    cc = onp.arange(N * N * 2, dtype=onp.float32).reshape(N, N, 2)
    g = xf.grad(lambda a: (xf.pmap(lambda u: lax.all_to_all(u, "i", 0, 0), "i")(a)
                           * cc).sum())(A)
    close(g, cc.transpose(1, 0, 2))
    # pmax: ties share the derivative
    x = onp.array([1, 3, 3, 2, 0, -1, 3, 1], onp.float32)
    g = xf.grad(lambda v: xf.pmap(lambda u: lax.pmax(u, "i"), "i")(v).sum())(x)
    close(g, onp.where(x == 3, N / 3, 0))


def test_grad_of_elementwise_pmap_jvp_and_broadcast_operands():
    x = X[:, 1]
    close(xf.grad(lambda v: xf.pmap(np.sin)(v).sum())(x), onp.cos(x))
    out, tangent = xf.jvp(xf.pmap(lambda u: u * u), (x,), (onp.ones(N, onp.float32),))
    close(out, x * x)
    close(tangent, 2 * x)
    # an operand given whole to every device: its gradient sums every device's
    w = onp.array([0.5, -1.0, 2.0], onp.float32)
    g = xf.grad(lambda w: xf.pmap(lambda u, w: (u * w).sum(), in_axes=(0, None))(X, w).sum(),
                argnums=0)(w)
    close(g, X.sum(0))
    # a result taken from the first device: only its copy flows back
    g = xf.grad(lambda v: xf.pmap(lambda u: lax.psum(u, "i"), "i", out_axes=None)(v))(x)
    close(g, onp.ones(N))
    g = xf.grad(lambda v: xf.pmap(lambda u: u * 2, out_axes=None)(v))(x)
    close(g, onp.eye(N)[0] * 2)


def test_data_parallel_gradients_match_the_full_batch():
    rng = onp.random.default_rng(0)
    features = rng.normal(size=(N * 4, 3)).astype(onp.float32)
    targets = rng.normal(size=(N * 4,)).astype(onp.float32)
    w = onp.array([0.3, -0.2, 0.1], onp.float32)

    def step(w, x, y):
        grads = xf.grad(lambda w: ((x @ w - y) ** 2).mean())(w)
        return w - 0.1 * lax.pmean(grads, "batch")

    new = xf.pmap(step, "batch", in_axes=(None, 0, 0))(
        w, features.reshape(N, 4, 3), targets.reshape(N, 4))
    full = 2 / len(targets) * features.T @ (features @ w - targets)
    close(new, onp.broadcast_to(w - 0.1 * full, (N, 3)))


def test_custom_derivative_rules_may_use_the_axis():
    @xf.custom_jvp
    def f(x):
        return np.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):  # traced while pmap's jvp rule transforms the body
        (x,), (t,) = primals, tangents
        return f(x), np.cos(x) * t * lax.psum(1.0, "i") / lax.axis_size("i")

    @xf.custom_vjp
    def g(x):
        return x * 2

    g.defvjp(lambda x: (g(x), None), lambda _, ct: (lax.pmean(ct, "i") * 3,))
    x = X[:, 0]
    close(xf.grad(lambda v: xf.pmap(f, "i")(v).sum())(x), onp.cos(x))
    # d/dv sum_i g(v_i * w_i): the bwd rule gives pmean(1) * 3 = 3 per device, times w
    w = onp.arange(N, dtype=onp.float32)
    close(xf.grad(lambda v: xf.pmap(g, "i")(v * w).sum())(x), 3 * w)


def test_control_flow_and_constants_inside_pmap():
    x = X[:, 0]
    # (the predicate is the same on every device: a collective that only some devices
    # reach waits for the others forever, as in JAX)
    out = xf.pmap(lambda v: lax.cond(lax.pmax(v, "i") > 0, lambda u: lax.psum(u, "i"),
                                     lambda u: u, v), "i")(x)
    close(out, onp.full(N, x.sum()))
    out = xf.pmap(lambda v: lax.scan(lambda c, a: (c + lax.psum(a * v, "i"), None), 0.0,
                                     np.arange(3.0))[0], "i")(x)
    close(out, onp.full(N, 3 * x.sum()))
    out = xf.pmap(lambda v: 2.0)(x)
    assert out.weak_type and out.shape == (N,)
    close(out, onp.full(N, 2.0))
    g = xf.grad(lambda v: xf.pmap(xf.checkpoint(lambda u: np.sin(u) * u))(v).sum())(x)
    close(g, onp.cos(x) * x + onp.sin(x))


def test_pmap_of_grad_and_of_jit():
    close(xf.pmap(xf.grad(lambda u: (np.sin(u) * u).sum()))(X), onp.cos(X) * X + onp.sin(X))
    close(xf.pmap(xf.jit(lambda u: lax.psum(u, "i") * 2), "i")(X),
          onp.broadcast_to(X.sum(0) * 2, X.shape))


# ---------------------------------------------------------------------------------------
# Compositions

def test_vmap_of_pmap_and_pmap_of_vmap():
    b = onp.arange(3 * N * 2, dtype=onp.float32).reshape(3, N, 2)
    out = xf.vmap(xf.pmap(lambda u: lax.psum(u, "i"), "i"))(b)
    close(out, onp.broadcast_to(b.sum(1, keepdims=True), b.shape))
    out = xf.vmap(xf.pmap(lambda u: u * 2), in_axes=2, out_axes=2)(b)
    close(out, b * 2)
    out = xf.vmap(xf.pmap(lambda u, w: u + w, in_axes=(0, None)), in_axes=(None, 0))(
        X, onp.ones((4, 3), onp.float32))
    close(out, onp.broadcast_to(X + 1, (4, N, 3)))
    out = xf.pmap(xf.vmap(lambda u: u.sum()))(b.transpose(1, 0, 2))
    close(out, b.sum(2).T)
    g = xf.grad(lambda v: xf.vmap(xf.pmap(lambda u: lax.psum(u * u, "i"), "i"))(v).sum())(b)
    close(g, 2 * N * b)


def test_jit_of_pmap_runs_it_on_one_device():
    out = xf.jit(xf.pmap(lambda u: lax.psum(u, "i") + lax.axis_index("i"), "i"))(X)
    close(out, X.sum(0) + onp.arange(N)[:, None])


def test_nested_pmaps():
    x = onp.arange(N, dtype=onp.float32).reshape(2, 4)
    nested = xf.pmap(xf.pmap(lambda u: lax.psum(u, ("i", "j")), "j"), "i")
    out = nested(x)
    close(out, onp.full(x.shape, x.sum()))
    assert out.shape == (2, 4)
    close(xf.pmap(xf.pmap(lambda u: lax.psum(u, "j"), "j"), "i")(x),
          onp.broadcast_to(x.sum(1, keepdims=True), x.shape))
    close(xf.pmap(xf.pmap(lambda u: lax.psum(u, "i"), "j"), "i")(x),
          onp.broadcast_to(x.sum(0), x.shape))
    index = xf.pmap(xf.pmap(lambda u: lax.axis_index("i") * 10 + lax.axis_index("j"), "j"),
                    "i")(x)
    close(index, [[0, 1, 2, 3], [10, 11, 12, 13]])
    close(xf.pmap(xf.pmap(lambda u: lax.axis_index(("i", "j")), "j"), "i")(x),
          onp.arange(8).reshape(2, 4))
    # over a subset of the devices (2 x 2 of 8), with an outer operand broadcast inside
    sub = onp.arange(4, dtype=onp.float32).reshape(2, 2)
    out = xf.pmap(lambda u, s: xf.pmap(lambda v: lax.psum(v, "j") * s, "j")(u), "i",
                  in_axes=(0, None))(sub, 3.0)
    close(out, onp.broadcast_to(sub.sum(1, keepdims=True), sub.shape) * 3)
    g = xf.grad(lambda v: nested(v).sum())(x)
    close(g, onp.full(x.shape, N))


def test_lower_and_compile():
    f = xf.pmap(lambda u: lax.psum(u, "i"), "i")
    lowered = f.lower(X)
    text = lowered.as_text()
    assert "mhlo.num_replicas = 8" in text and "stablehlo.all_reduce" in text
    assert "replica_groups = dense<[[0, 1, 2, 3, 4, 5, 6, 7]]>" in text
    compiled = lowered.compile()
    close(compiled(X), onp.broadcast_to(X.sum(0), X.shape))
    assert "all-reduce" in compiled.as_text()
    with pytest.raises(TypeError, match="compiled for"):
        compiled(X[:, :2])


def test_make_jaxpr_and_disable_jit():
    jaxpr = xf.make_jaxpr(xf.pmap(lambda u: lax.psum(u, "i"), "i"))(X)
    assert "xla_pmap" in str(jaxpr) and "psum" in str(jaxpr)
    with xf.disable_jit():
        close(xf.pmap(lambda u: lax.psum(u, "i"), "i")(X), onp.broadcast_to(X.sum(0), X.shape))


# ---------------------------------------------------------------------------------------
# Errors

def test_errors():
    with pytest.raises(ValueError, match="size 9, but only 8 devices"):
        xf.pmap(lambda u: u)(onp.zeros(9))
    with pytest.raises(ValueError, match="size 3 but devices= has 4 devices"):
        xf.pmap(lambda u: u, devices=xf.devices()[:4])(onp.zeros(3))
    with pytest.raises(NameError, match=r"unbound axis name: k.*\['i'\]"):
        xf.pmap(lambda u: lax.psum(u, "k"), "i")(X)
    with pytest.raises(NameError, match="unbound axis name: i"):
        lax.psum(X, "i")
    with pytest.raises(ValueError, match="inconsistent sizes"):
        xf.pmap(lambda a, b: a + b)(onp.zeros(3), onp.zeros(4))
    with pytest.raises(ValueError, match="at least one argument with a mapped axis"):
        xf.pmap(lambda a: a, in_axes=None)(onp.zeros(3))
    with pytest.raises(ValueError, match="rank should be at least 3"):
        xf.pmap(lambda a: a, in_axes=2)(onp.zeros((4, 3)))
    with pytest.raises(TypeError, match="in_axes must be an int, None"):
        xf.pmap(lambda a: a, in_axes=1.0)
    with pytest.raises(ValueError, match="static_broadcasted_argnums"):
        xf.pmap(lambda a, b: a, static_broadcasted_argnums=1)(onp.zeros(3))
    with pytest.raises(ValueError, match="Specified axis_size 4 doesn't match received "
                                         "axis_size 3"):
        xf.pmap(lambda a: a, axis_size=4)(onp.zeros(3))
    with pytest.raises(ValueError, match="perm sends from or to one position twice"):
        xf.pmap(lambda u: lax.ppermute(u, "i", [(0, 1), (0, 2)]), "i")(X)
    with pytest.raises(ValueError, match="to equal x.shape\\[split_axis\\], but they are 8 and 3"):
        xf.pmap(lambda u: lax.all_to_all(u, "i", 0, 0), "i")(onp.zeros((N, 3)))
    with pytest.raises(ValueError, match="scatter_dimension 0 \\(3\\) must equal"):
        xf.pmap(lambda u: lax.psum_scatter(u, "i"), "i")(onp.zeros((N, 3)))
    with pytest.raises(NotImplementedError, match="axis_index_groups"):
        xf.pmap(lambda u: lax.psum(u, "i", axis_index_groups=[[0, 1]]), "i")(X)


# ---------------------------------------------------------------------------------------
# Device counts and the persistent cache

def test_num_cpu_devices_cannot_change_once_the_backend_runs():
    with pytest.raises(RuntimeError, match="before the backend starts"):
        xf.config.update("jax_num_cpu_devices", 4)


def _run(code, **env):
    """Runs `code` in a new process, with XLA_FLAGS only when given."""
    env = {**{k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}, **env}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env=env, timeout=120)


def test_device_count_from_config_or_xla_flags():
    r = _run("""
        import xlafront as xf
        xf.config.update("jax_num_cpu_devices", 3)
        import numpy as onp
        print(xf.device_count(), xf.pmap(lambda u: u + 1)(onp.arange(3.0)).tolist())
        """)
    assert r.stdout.split() == ["3", "[1.0,", "2.0,", "3.0]"], r.stderr[-2000:]
    r = _run("import xlafront as xf; print(xf.device_count())",
             XLA_FLAGS="--xla_force_host_platform_device_count=5")
    assert r.stdout.strip() == "5", r.stderr[-2000:]


def test_programs_go_through_the_persistent_cache(tmp_path):
    previous = xf.config.read("compilation_cache_dir")
    xf.config.update("compilation_cache_dir", str(tmp_path))
    try:
        def run(devices):
            return xf.pmap(lambda u: lax.psum(u, "i") * 3, "i", devices=devices)(X[:4])
        before = dict(persistent_cache.stats)
        close(run(xf.devices()[4:]), onp.broadcast_to(X[:4].sum(0) * 3, (4, 3)))
        # the same program on other devices is another entry (its device assignment)
        close(run(xf.devices()[:4]), onp.broadcast_to(X[:4].sum(0) * 3, (4, 3)))
        assert persistent_cache.stats["misses"] - before.get("misses", 0) == 2
        xf.clear_caches()
        out = run(xf.devices()[:4])
        assert persistent_cache.stats["hits"] - before.get("hits", 0) >= 1
        close(out, onp.broadcast_to(X[:4].sum(0) * 3, (4, 3)))
        assert out.devices() == set(xf.devices()[:4])
    finally:
        xf.config.update("compilation_cache_dir", previous)
