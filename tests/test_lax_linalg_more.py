"""jax.lax.linalg's hessenberg, ormqr, symmetric_product, cholesky_update and qdwh against
SciPy and NumPy (scipy.linalg.hessenberg and polar, Q from numpy.linalg.qr, Cholesky
factors recomputed), in 32 and 64 bits, real and complex, batched, under jit and vmap; the
generic lowerings other platforms use; the errors. (The primitives' op records are in
op_records' linear algebra section.)"""
import numpy as onp
import pytest
import scipy.linalg

import xlafront as xf
import xlafront.numpy as np
from xlafront.interpreters import lowering
from xlafront.lax import linalg as lax_linalg

from conftest import assert_close, rand, rng_for

f32, f64, c64, c128 = (onp.dtype(t) for t in (onp.float32, onp.float64, onp.complex64,
                                               onp.complex128))
TOL = {f32: 2e-4, c64: 2e-4, f64: 1e-10, c128: 1e-10}


def _herm(a):
    return onp.conj(onp.swapaxes(a, -1, -2))


def _needs_x64(dtype):
    return xf.enable_x64(dtype in (f64, c128))


# ---------------------------------------------------------------------------------------
# hessenberg

@pytest.mark.parametrize("dtype", [f32, c64, f64, c128])
def test_hessenberg_matches_scipy(dtype):
    a = rand(rng_for("hessenberg", dtype.name), (3, 5, 5), dtype)
    with _needs_x64(dtype):
        h, taus = lax_linalg.hessenberg(a)
        assert h.dtype == dtype and taus.shape == (3, 4)
        for i in range(3):
            expected, q = scipy.linalg.hessenberg(a[i], calc_q=True)
            assert_close(np.triu(h[i], -1), expected, rtol=TOL[dtype], atol=TOL[dtype])
            # the reflectors below the first subdiagonal (with taus) give scipy's Q
            q_ours = lax_linalg.householder_product(h[i][1:, :-1], taus[i])
            assert_close(q_ours, q[1:, 1:], rtol=TOL[dtype], atol=TOL[dtype])
        assert_close(xf.vmap(lambda x: lax_linalg.hessenberg(x)[0])(a), onp.asarray(h))
        assert_close(xf.jit(lax_linalg.hessenberg)(a)[1], onp.asarray(taus))


def test_hessenberg_errors_and_platforms():
    with pytest.raises(ValueError, match=r"hessenberg: .*square"):
        lax_linalg.hessenberg(onp.ones((3, 4), f32))
    with pytest.raises(TypeError, match="hessenberg does not accept dtype int32"):
        lax_linalg.hessenberg(onp.ones((3, 3), onp.int32))
    with pytest.raises(ValueError, match="must not be empty"):
        lax_linalg.hessenberg(onp.ones((0, 0), f32))
    closed = xf.make_jaxpr(lax_linalg.hessenberg)(onp.ones((4, 4), f32))
    module, _ = lowering.lower_closed_jaxpr(closed, platform="cpu")
    assert "lapack_sgehrd_ffi" in lowering.module_text(module)
    with pytest.raises(NotImplementedError, match="only implemented on CPU"):
        lowering.lower_closed_jaxpr(closed, platform="gpu")  # as in JAX


# ---------------------------------------------------------------------------------------
# ormqr

@pytest.mark.parametrize("dtype", [f32, c64, f64])
@pytest.mark.parametrize("left,transpose", [(True, False), (True, True), (False, False),
                                            (False, True)])
def test_ormqr_applies_q(dtype, left, transpose):
    rng = rng_for("ormqr", dtype.name, left, transpose)
    a = rand(rng, (2, 5, 3), dtype)
    c = rand(rng, (2, 5, 4) if left else (2, 4, 5), dtype)
    q = onp.stack([onp.linalg.qr(x, mode="complete")[0] for x in a])
    q = _herm(q) if transpose else q
    expected = q @ c if left else c @ q
    with _needs_x64(dtype):
        r, taus = lax_linalg.geqrf(a)
        got = lax_linalg.ormqr(r, taus, c, left=left, transpose=transpose)
        assert_close(got, expected, rtol=TOL[dtype], atol=TOL[dtype])
        # the generic lowering (GPU, TPU): the reflectors applied one at a time
        generic = lax_linalg._ormqr_impl(r, taus, c, left=left, transpose=transpose)
        assert_close(generic, expected, rtol=TOL[dtype], atol=TOL[dtype])
        one_q = xf.vmap(lambda cc: lax_linalg.ormqr(r[0], taus[0], cc, left=left,
                                                    transpose=transpose))(c)
        assert_close(one_q, q[0] @ c if left else c @ q[0], rtol=TOL[dtype], atol=TOL[dtype])


def test_ormqr_errors_and_platforms():
    a, taus = onp.ones((4, 3), f32), onp.ones(3, f32)
    with pytest.raises(ValueError, match="as many rows as a has rows"):
        lax_linalg.ormqr(a, taus, onp.ones((3, 2), f32))
    with pytest.raises(ValueError, match="as many columns as a has rows"):
        lax_linalg.ormqr(a, taus, onp.ones((2, 3), f32), left=False)
    with pytest.raises(ValueError, match="k <= 3"):
        lax_linalg.ormqr(a, onp.ones(4, f32), onp.ones((4, 2), f32))
    with pytest.raises(TypeError, match="same dtype"):
        lax_linalg.ormqr(a, taus, onp.ones((4, 2), c64))
    closed = xf.make_jaxpr(lax_linalg.ormqr)(a, taus, onp.ones((4, 2), f32))
    for platform, expected in (("cpu", "lapack_sormqr_ffi"), ("gpu", "stablehlo.while")):
        module, _ = lowering.lower_closed_jaxpr(closed, platform=platform)
        assert expected in lowering.module_text(module)


# ---------------------------------------------------------------------------------------
# symmetric_product

def test_symmetric_product():
    rng = rng_for("symmetric_product")
    a, c = rand(rng, (2, 3, 4), f32), rand(rng, (2, 3, 3), f32)
    c = c + _herm(c)
    expected = 2.0 * a @ _herm(a) - 0.5 * c
    got = lax_linalg.symmetric_product(a, c, alpha=2.0, beta=-0.5)
    assert_close(np.tril(got), onp.tril(expected), rtol=1e-5, atol=1e-5)  # what is promised
    full = lax_linalg.symmetric_product(a, c, alpha=2.0, beta=-0.5, symmetrize_output=True)
    assert_close(full, expected, rtol=1e-5, atol=1e-5)
    assert_close(lax_linalg.symmetric_product(a, c), a @ _herm(a), rtol=1e-5, atol=1e-5)
    assert_close(xf.vmap(lambda x: lax_linalg.symmetric_product(x, c[0], beta=1.0))(a),
                 a @ _herm(a) + c[0], rtol=1e-5, atol=1e-5)
    with pytest.raises(TypeError, match="symmetric_product does not accept dtype complex64"):
        lax_linalg.symmetric_product(a.astype(c64), c.astype(c64))
    with pytest.raises(ValueError, match=r"c_matrix must have shape \(2, 3, 3\)"):
        lax_linalg.symmetric_product(a, onp.ones((2, 4, 4), f32))


# ---------------------------------------------------------------------------------------
# cholesky_update

def _spd_and_factor(rng, shape, dtype):
    m = rand(rng, shape, dtype)
    a = m @ _herm(m) + shape[-1] * onp.eye(shape[-1], dtype=dtype)
    return a, onp.swapaxes(onp.linalg.cholesky(a), -1, -2)


@pytest.mark.parametrize("dtype", [f32, f64])
def test_cholesky_update_matches_recomputed_factor(dtype):
    rng = rng_for("cholesky_update", dtype.name)
    a, r = _spd_and_factor(rng, (3, 5, 5), dtype)
    w = rand(rng, (3, 5), dtype)
    expected = onp.swapaxes(onp.linalg.cholesky(a + w[:, :, None] * w[:, None, :]), -1, -2)
    with _needs_x64(dtype):
        assert_close(lax_linalg.cholesky_update(r[0], w[0]), expected[0], rtol=TOL[dtype],
                     atol=TOL[dtype])
        assert_close(lax_linalg.cholesky_update(r, w), expected, rtol=TOL[dtype],
                     atol=TOL[dtype])
        assert_close(xf.vmap(lax_linalg.cholesky_update)(r, w), expected, rtol=TOL[dtype],
                     atol=TOL[dtype])
        assert_close(xf.jit(lax_linalg.cholesky_update)(r[1], w[1]), expected[1],
                     rtol=TOL[dtype], atol=TOL[dtype])
        # w = 0 (every rotation the identity) leaves R as it is
        assert_close(lax_linalg.cholesky_update(r[0], onp.zeros(5, dtype)), r[0])


def test_cholesky_update_errors():
    r = onp.eye(3, dtype=f32)
    with pytest.raises(ValueError, match=r"w_vector must have shape \(3,\)"):
        lax_linalg.cholesky_update(r, onp.ones(4, f32))
    with pytest.raises(TypeError, match="cholesky_update does not accept dtype complex64"):
        lax_linalg.cholesky_update(r.astype(c64), onp.ones(3, c64))
    with pytest.raises(ValueError, match="square"):
        lax_linalg.cholesky_update(onp.ones((3, 2), f32), onp.ones(2, f32))


# ---------------------------------------------------------------------------------------
# qdwh

@pytest.mark.parametrize("dtype,shape", [(f32, (6, 4)), (f32, (5, 5)), (c64, (6, 4)),
                                         (f64, (7, 3)), (c128, (4, 4))])
def test_qdwh_polar_factor_matches_scipy(dtype, shape):
    x = rand(rng_for("qdwh", dtype.name, shape), shape, dtype)
    u_ref, h_ref = scipy.linalg.polar(x)
    with _needs_x64(dtype):
        u, h, num_iters, is_converged = lax_linalg.qdwh(x)
        assert_close(u, u_ref, rtol=TOL[dtype], atol=TOL[dtype])
        assert_close(h, h_ref, rtol=TOL[dtype] * 10, atol=TOL[dtype] * 10)
        assert bool(is_converged) and 1 <= int(num_iters) <= 10
        assert num_iters.dtype == onp.dtype(onp.int64 if dtype in (f64, c128) else onp.int32)


def test_qdwh_options_and_transformations():
    rng = rng_for("qdwh options")
    x = rand(rng, (5, 3), f32)
    # a matrix zero-padded from its true shape: the polar factors of the true matrix, padded
    padded = onp.zeros((7, 4), f32)
    padded[:5, :3] = x
    u_ref, h_ref = scipy.linalg.polar(x)
    u, h, _, is_converged = lax_linalg.qdwh(padded, dynamic_shape=(5, 3))
    assert_close(u[:5, :3], u_ref, rtol=2e-4, atol=2e-4)
    assert_close(h[:3, :3], h_ref, rtol=1e-3, atol=1e-3)
    assert not onp.asarray(u)[5:].any() and not onp.asarray(u)[:, 3:].any()
    u_jit = xf.jit(lambda p, m, n: lax_linalg.qdwh(p, dynamic_shape=(m, n))[0])(padded, 5, 3)
    assert_close(u_jit, onp.asarray(u), rtol=1e-5, atol=1e-6)
    # max_iterations stops the iteration: JAX's count and flag for one step
    _, _, num_iters, is_converged = lax_linalg.qdwh(x, max_iterations=1)
    assert int(num_iters) == 1 and not bool(is_converged)
    batch = rand(rng, (3, 5, 3), f32)
    us = xf.vmap(lambda b: lax_linalg.qdwh(b)[0])(batch)
    assert_close(us, onp.stack([scipy.linalg.polar(b)[0] for b in batch]), rtol=2e-4,
                 atol=2e-4)


def test_qdwh_errors():
    with pytest.raises(ValueError, match=r"M >= N, got shape \(3, 5\)"):
        lax_linalg.qdwh(onp.ones((3, 5), f32))
    with pytest.raises(ValueError, match=r"shape \[M, N\]"):
        lax_linalg.qdwh(onp.ones((2, 5, 3), f32))
    with pytest.raises(TypeError, match="qdwh does not accept dtype int32"):
        lax_linalg.qdwh(onp.ones((5, 3), onp.int32))
