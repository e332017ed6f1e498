"""Linear algebra: xlafront.numpy.linalg against numpy.linalg (float32, complex64, and
float64 / complex128 with x64 on, batched), gradients by finite differences, jit and vmap,
JAX's results for singular matrices, the errors, and which kernels the lowerings call on
each platform. (The primitives' own NumPy, gradient and vmap cases are op_records' linear
algebra section.)
"""
import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as np
import xlafront.numpy.linalg as la
from xlafront.interpreters import lowering
from xlafront.lax import linalg as lax_linalg
from xlafront.runtime import lapack
from xlafront.test_util import check_grads

from conftest import assert_close, rand, rng_for
from op_records import _np_lu, prims_in  # (before lax.linalg makes its primitives)

f32, f64, c64, c128, i32 = (onp.dtype(t) for t in (onp.float32, onp.float64, onp.complex64,
                                                   onp.complex128, onp.int32))
WIDE = {f64, c128}


def _herm(a):
    return onp.conj(onp.swapaxes(a, -1, -2))


def general(shape):
    def make(rng, dtype):
        return [rand(rng, shape, dtype)]
    return make


def hermitian_pd(shape):
    def make(rng, dtype):
        a = rand(rng, shape, dtype)
        return [(a @ _herm(a) + shape[-1] * onp.eye(shape[-1])).astype(dtype)]
    return make


def well(shape):
    """Matrices with a strong diagonal (well conditioned)."""
    def make(rng, dtype):
        return [(rand(rng, shape, dtype) + 2 * onp.eye(*shape[-2:])).astype(dtype)]
    return make


def two(shape_a, shape_b):
    def make(rng, dtype):
        return [rand(rng, shape_a, dtype), rand(rng, shape_b, dtype)]
    return make


def pair(shape_a, shape_b):
    """A well-conditioned a and a right-hand side b."""
    def make(rng, dtype):
        return well(shape_a)(rng, dtype) + [rand(rng, shape_b, dtype)]
    return make


def _real(dtype):
    return {c64: f32, c128: f64}.get(dtype, dtype)


# (name, xlafront function, NumPy reference, generator, dtypes, tolerance for 32 bits)
CASES = [
    ("solve", la.solve, onp.linalg.solve, pair((3, 4, 4), (3, 4, 2)), 1e-4),
    ("solve_vector", la.solve, onp.linalg.solve, pair((4, 4), (4,)), 1e-4),
    ("solve_broadcast", la.solve, lambda a, b: onp.linalg.solve(a, b),
     pair((2, 1, 3, 3), (4, 3, 2)), 1e-4),
    ("inv", la.inv, onp.linalg.inv, well((2, 3, 3)), 1e-4),
    ("det", la.det, onp.linalg.det, general((2, 5, 5)), 1e-4),
    ("det_2x2", la.det, onp.linalg.det, general((3, 2, 2)), 1e-4),
    ("det_3x3", la.det, onp.linalg.det, general((3, 3, 3)), 1e-4),
    ("slogdet", lambda a: tuple(la.slogdet(a)), onp.linalg.slogdet, general((2, 4, 4)), 1e-4),
    ("slogdet_1x1", lambda a: tuple(la.slogdet(a)), onp.linalg.slogdet, general((3, 1, 1)),
     1e-5),
    ("cholesky", la.cholesky, onp.linalg.cholesky, hermitian_pd((2, 4, 4)), 1e-4),
    ("cholesky_upper", lambda a: la.cholesky(a, upper=True),
     lambda a: onp.linalg.cholesky(a, upper=True), hermitian_pd((4, 4)), 1e-4),
    ("eigvalsh", la.eigvalsh, onp.linalg.eigvalsh, hermitian_pd((2, 4, 4)), 1e-4),
    ("eigvalsh_upper", lambda a: la.eigvalsh(a, "U", symmetrize_input=False),
     lambda a: onp.linalg.eigvalsh(a, "U"), hermitian_pd((4, 4)), 1e-4),
    ("eigvals", lambda a: np.sort(la.eigvals(a)), lambda a: onp.sort_complex(
        onp.linalg.eigvals(a)), general((2, 4, 4)), 1e-4),
    ("svdvals", la.svdvals, lambda a: onp.linalg.svd(a, compute_uv=False), general((2, 5, 3)),
     1e-4),
    ("svd_hermitian_values", lambda a: la.svd(a, hermitian=True, compute_uv=False),
     lambda a: onp.linalg.svd(a, compute_uv=False, hermitian=True), hermitian_pd((4, 4)), 1e-4),
    ("qr_r", lambda a: la.qr(a, mode="r"), lambda a: onp.linalg.qr(a, mode="r"),
     general((2, 5, 3)), 1e-4),
    ("qr_complete", lambda a: tuple(la.qr(a, mode="complete")),
     lambda a: onp.linalg.qr(a, mode="complete"), general((3, 4)), 1e-4),
    ("qr_raw", lambda a: tuple(la.qr(a, mode="raw")), lambda a: onp.linalg.qr(a, mode="raw"),
     general((4, 3)), 1e-4),
    ("pinv", la.pinv, onp.linalg.pinv, general((2, 4, 3)), 1e-4),
    ("pinv_hermitian", lambda a: la.pinv(a, hermitian=True),
     lambda a: onp.linalg.pinv(a, hermitian=True), hermitian_pd((3, 3)), 1e-4),
    ("matrix_rank", la.matrix_rank, onp.linalg.matrix_rank, general((2, 4, 3)), 0),
    ("matrix_power_5", lambda a: la.matrix_power(a, 5), lambda a: onp.linalg.matrix_power(a, 5),
     general((2, 3, 3)), 1e-4),
    ("matrix_power_-2", lambda a: la.matrix_power(a, -2),
     lambda a: onp.linalg.matrix_power(a, -2), well((3, 3)), 1e-3),
    ("matrix_power_0", lambda a: la.matrix_power(a, 0), lambda a: onp.linalg.matrix_power(a, 0),
     general((2, 3, 3)), 0),
    ("lstsq", lambda a, b: la.lstsq(a, b)[:3],
     lambda a, b: onp.linalg.lstsq(a, b)[:3], pair((5, 3), (5, 2)), 1e-4),
    ("cond", la.cond, onp.linalg.cond, well((2, 3, 3)), 1e-3),
    ("cond_fro", lambda a: la.cond(a, "fro"), lambda a: onp.linalg.cond(a, "fro"),
     well((3, 3)), 1e-3),
    ("norm", la.norm, onp.linalg.norm, general((2, 3, 4)), 1e-5),
    ("vector_norm_3", lambda a: la.vector_norm(a, axis=1, ord=3),
     lambda a: onp.linalg.vector_norm(a, axis=1, ord=3), general((2, 3, 4)), 1e-5),
    ("matrix_norm_nuc", lambda a: la.matrix_norm(a, ord="nuc"),
     lambda a: onp.linalg.matrix_norm(a, ord="nuc"), general((2, 3, 4)), 1e-4),
    ("tensorinv", lambda a: la.tensorinv(a, ind=1), lambda a: onp.linalg.tensorinv(a, ind=1),
     general((4, 2, 2)), 1e-4),
    ("tensorsolve", la.tensorsolve, onp.linalg.tensorsolve, two((2, 3, 6), (2, 3)), 1e-4),
    ("multi_dot", lambda a, b: la.multi_dot([a, b, a, b[:, 0]]),
     lambda a, b: onp.linalg.multi_dot([a, b, a, b[:, 0]]), pair((3, 3), (3, 3)), 1e-4),
    ("vecdot", la.vecdot, onp.linalg.vecdot, pair((2, 3, 3), (3,)), 1e-5),
    ("cross", lambda a, b: la.cross(a, b), onp.linalg.cross, pair((4, 3, 3), (3, 3)), 1e-5),
    ("outer", lambda a, b: la.outer(a[0], b), lambda a, b: onp.linalg.outer(a[0], b),
     pair((3, 3), (4,)), 1e-5),
    ("tensordot", lambda a, b: la.tensordot(a, b, axes=1),
     lambda a, b: onp.linalg.tensordot(a, b, axes=1),
     pair((2, 3, 3), (3, 2)), 1e-5),
    ("matmul", la.matmul, onp.linalg.matmul, pair((2, 3, 3), (3, 2)), 1e-5),
    ("matrix_transpose", la.matrix_transpose, onp.linalg.matrix_transpose, general((2, 3, 4)),
     0),
    ("diagonal", lambda a: la.diagonal(a, offset=1), lambda a: onp.linalg.diagonal(a, offset=1),
     general((2, 3, 4)), 0),
    ("trace", lambda a: la.trace(a, offset=-1), lambda a: onp.linalg.trace(a, offset=-1),
     general((2, 3, 4)), 1e-5),
]


def _cases():
    for name, fun, ref, make, tol in CASES:
        for dtype in (f32, c64, f64, c128):
            yield pytest.param(fun, ref, make, dtype, tol, id=f"{name}-{dtype.name}")


@pytest.mark.parametrize("fun,ref,make,dtype,tol", list(_cases()))
def test_against_numpy(fun, ref, make, dtype, tol, request):
    if dtype in WIDE:
        request.getfixturevalue("x64")
    args = make(rng_for(request.node.name), dtype)
    got, expected = fun(*args), ref(*args)
    got = got if isinstance(got, tuple) else (got,)
    expected = expected if isinstance(expected, tuple) else (expected,)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        e = onp.asarray(e)
        want = e.dtype if dtype in WIDE or e.dtype.kind in "biu" else {
            onp.dtype(onp.float64): f32, onp.dtype(onp.complex128): c64}.get(e.dtype, e.dtype)
        if e.dtype.kind in "iu":  # an index or a rank: the default integer
            want = onp.dtype(onp.int64 if dtype in WIDE else onp.int32)
        rtol = (1e-9 if tol else 0) if dtype in WIDE else tol
        assert_close(g, e.astype(want), rtol=rtol, atol=rtol)


# ---------------------------------------------------------------------------------------
# the factorizations themselves

def test_svd_returns_orthonormal_factors_that_reconstruct():
    a = rand(rng_for("svd"), (2, 5, 3), c64)
    u, s, vh = la.svd(a)
    assert isinstance(la.svd(a), la.SVDResult) and u.shape == (2, 5, 5) and vh.shape == (2, 3, 3)
    u, s, vh = la.svd(a, full_matrices=False)
    assert s.dtype == f32 and u.shape == (2, 5, 3)
    assert_close(np.matmul(u * s[..., None, :].astype(c64), vh), a, rtol=1e-4, atol=1e-4)
    assert_close(np.matmul(_herm(onp.asarray(u)), u), onp.broadcast_to(onp.eye(3), (2, 3, 3))
                 .astype(c64), rtol=1e-5, atol=1e-5)
    u, s, vh = la.svd(hermitian_pd((4, 4))(rng_for("svdh"), f32)[0], hermitian=True)
    assert onp.all(onp.diff(onp.asarray(s)) <= 0)


def test_eigh_vectors_and_the_triangle_it_reads():
    a = hermitian_pd((2, 4, 4))(rng_for("eigh"), c64)[0]
    w, v = la.eigh(a)
    assert isinstance(la.eigh(a), la.EighResult) and w.dtype == f32 and v.dtype == c64
    assert_close(np.matmul(a, v), v * w[..., None, :].astype(c64), rtol=1e-4, atol=1e-4)
    # without symmetrizing, only the named triangle is read: garbage in the other is ignored
    lower_only = onp.tril(a) + onp.triu(onp.full_like(a, 100), 1)
    assert_close(la.eigh(lower_only, symmetrize_input=False).eigenvalues,
                 onp.linalg.eigvalsh(a), dtype=f32, rtol=1e-4, atol=1e-4)
    _, w_u = lax_linalg.eigh(onp.triu(a) + onp.tril(onp.full_like(a, 100), -1), lower=False,
                             symmetrize_input=False)
    assert_close(w_u, onp.linalg.eigvalsh(a), dtype=f32, rtol=1e-4, atol=1e-4)


def test_eig_left_and_right_eigenvectors():
    a = rand(rng_for("eig"), (2, 4, 4), f32)
    w, vl, vr = lax_linalg.eig(a)
    assert w.dtype == vl.dtype == vr.dtype == c64
    ac = a.astype(c64)
    assert_close(np.matmul(ac, vr), vr * w[..., None, :], rtol=1e-4, atol=1e-4)
    assert_close(np.matmul(_herm(onp.asarray(vl)), ac),
                 _herm(onp.asarray(vl)) * onp.asarray(w)[..., :, None], rtol=1e-4, atol=1e-4)
    assert_close(np.linalg.norm(vr, axis=-2), onp.ones((2, 4), f32), rtol=1e-5, atol=1e-5)
    # a rotation: the eigenvalues +-i, as NumPy gives them
    rot = onp.array([[0.0, -1.0], [1.0, 0.0]], f32)
    assert_close(la.eigvals(rot), onp.linalg.eigvals(rot).astype(c64))
    assert len(lax_linalg.eig(a, compute_left_eigenvectors=False)) == 2


def test_lu_pivots_and_permutation_match_the_hand_computed_factorization():
    for shape, dtype in (((2, 4, 4), f32), ((3, 5), f32), ((2, 4, 3), c64)):
        a = rand(rng_for("lu", shape), shape, dtype)
        lu, pivots, perm = lax_linalg.lu(a)
        e_lu, e_pivots, e_perm = _np_lu(a)
        assert_close(lu, e_lu.astype(dtype), rtol=1e-4, atol=1e-4)
        assert_close(pivots, e_pivots)
        assert_close(perm, e_perm)
        m, n = shape[-2:]
        k = min(m, n)
        lower = onp.tril(onp.asarray(lu)[..., :, :k], -1) + onp.eye(m, k)
        upper = onp.triu(onp.asarray(lu)[..., :k, :])
        assert_close(xf.numpy.asarray(lower @ upper), onp.take_along_axis(
            a, onp.asarray(perm)[..., :, None], axis=-2), rtol=1e-4, atol=1e-4)


def test_qr_pivoting_orders_the_diagonal():
    a = rand(rng_for("qrp"), (2, 5, 4), f32)
    q, r, p = lax_linalg.qr(a, pivoting=True, full_matrices=False)
    assert p.dtype == i32 and sorted(onp.asarray(p)[0]) == [0, 1, 2, 3]
    diag = onp.abs(onp.diagonal(onp.asarray(r), axis1=-2, axis2=-1))
    assert onp.all(onp.diff(diag, axis=-1) <= 1e-6)
    assert_close(np.matmul(q, r), onp.take_along_axis(a, onp.asarray(p)[..., None, :], -1),
                 rtol=1e-4, atol=1e-4)


def test_schur_of_complex_matrices():
    a = rand(rng_for("schur"), (3, 3), c64)
    t, z = lax_linalg.schur(a)
    assert onp.all(onp.tril(onp.asarray(t), -1) == 0)
    assert_close(np.matmul(np.matmul(z, t), _herm(onp.asarray(z))), a, rtol=1e-4, atol=1e-4)
    t_only = lax_linalg.schur(a, compute_schur_vectors=False)  # a list of one, as JAX
    assert isinstance(t_only, list) and len(t_only) == 1 and t_only[0].shape == (3, 3)


def test_triangular_solve_of_vectors_and_the_triangle_it_reads():
    rng = rng_for("trsm")
    a = rand(rng, (2, 3, 3), f32) + 4 * onp.eye(3, dtype=f32)
    b = rand(rng, (2, 3), f32)
    x = lax_linalg.triangular_solve(a, b, left_side=True, lower=True)
    assert_close(x, onp.linalg.solve(onp.tril(a), b[..., None])[..., 0], rtol=1e-4, atol=1e-4)
    x = lax_linalg.triangular_solve(a, b, left_side=True, lower=False, unit_diagonal=True)
    unit_upper = onp.triu(a, 1) + onp.eye(3, dtype=f32)
    assert_close(x, onp.linalg.solve(unit_upper, b[..., None])[..., 0], rtol=1e-4, atol=1e-4)


def test_tridiagonal_solve_singular_and_perturbed():
    dl, d, du = (onp.array([[0.0, 1.0]], f32), onp.array([[1.0, 1.0]], f32),
                 onp.array([[1.0, 0.0]], f32))  # [[1, 1], [1, 1]]: singular
    b = onp.ones((1, 2, 1), f32)
    assert onp.isnan(onp.asarray(lax_linalg.tridiagonal_solve(dl, d, du, b))).all()
    x = lax_linalg.tridiagonal_solve(dl, d, du, b, perturb_singular=True)
    assert onp.isfinite(onp.asarray(x)).all()


def test_cholesky_reads_only_the_lower_triangle_without_symmetrizing():
    a = hermitian_pd((3, 3))(rng_for("chol"), f32)[0]
    garbage = onp.tril(a) + onp.triu(onp.full_like(a, -50), 1)
    assert_close(lax_linalg.cholesky(garbage, symmetrize_input=False), onp.linalg.cholesky(a),
                 rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------------------------------
# singular and indefinite input: what JAX gives (inf and NaN, no exception)

def test_singular_and_indefinite_matrices_give_jax_values():
    ones = onp.ones((3, 3), f32)
    assert onp.isnan(onp.asarray(la.solve(ones, onp.ones(3, f32)))).all()
    assert_close(la.inv(onp.ones((2, 2), f32)),
                 onp.array([[onp.inf, -onp.inf], [-onp.inf, onp.inf]], f32))
    assert_close(la.det(onp.ones((4, 4), f32)), onp.float32(0))
    sign, logdet = la.slogdet(onp.zeros((4, 4), f32))
    assert_close(sign, onp.float32(0))
    assert_close(logdet, onp.float32(-onp.inf))
    # not positive definite: NaNs on and below the diagonal, zeros above, as JAX
    nan = onp.nan
    assert_close(la.cholesky(-onp.eye(3, dtype=f32)),
                 onp.array([[nan, 0, 0], [nan, nan, 0], [nan, nan, nan]], f32))
    # one bad matrix of a batch spoils only its own result
    batch = onp.stack([onp.eye(2, dtype=f32), -onp.eye(2, dtype=f32)])
    out = onp.asarray(la.cholesky(batch))
    assert_close(xf.numpy.asarray(out[0]), onp.eye(2, dtype=f32))
    assert onp.isnan(out[1][onp.tril_indices(2)]).all()
    assert_close(la.cond(onp.ones((2, 2), f32), 1), onp.float32(onp.inf))


def test_det_gradient_is_the_cofactor_matrix_even_when_singular():
    # rank n - 1: the derivative of det is the cofactor matrix, nonzero
    a = onp.diag(onp.array([1.0, 2.0, 3.0, 0.0], f32))
    assert_close(xf.grad(la.det)(a), onp.diag(onp.array([0.0, 0.0, 0.0, 6.0], f32)))
    # rank n - 2: it is zero
    assert_close(xf.grad(la.det)(onp.ones((4, 4), f32)), onp.zeros((4, 4), f32))
    rng = rng_for("det_grad")
    a = rand(rng, (4, 4), f32)
    assert_close(xf.grad(la.det)(a), onp.linalg.det(a) * onp.linalg.inv(a).T, rtol=1e-3,
                 atol=1e-3)


# ---------------------------------------------------------------------------------------
# gradients (finite differences to second order in float64, first order in complex128)

GRADS = [
    ("solve", la.solve, pair((2, 3, 3), (2, 3, 2)), 2),
    ("solve_vector", la.solve, pair((3, 3), (3,)), 2),
    ("inv", la.inv, well((3, 3)), 2),
    ("det", la.det, general((2, 4, 4)), 2),
    ("det_3x3", la.det, general((3, 3)), 2),
    ("slogdet", lambda a: la.slogdet(a).logabsdet, general((2, 4, 4)), 2),
    ("slogdet_qr", lambda a: la.slogdet(a, method="qr").logabsdet, general((4, 4)), 2),
    ("cholesky", la.cholesky, hermitian_pd((2, 3, 3)), 2),
    ("eigh", lambda a: tuple(la.eigh(a)), hermitian_pd((3, 3)), 2),
    ("eigvalsh", la.eigvalsh, hermitian_pd((3, 3)), 2),
    ("svdvals", la.svdvals, general((2, 4, 3)), 2),
    ("qr", lambda a: tuple(la.qr(a)), general((4, 3)), 2),
    ("pinv", la.pinv, general((2, 4, 3)), 2),
    ("pinv_hermitian", lambda a: la.pinv(a, hermitian=True), hermitian_pd((3, 3)), 1),
    ("norm_2", lambda a: la.norm(a, 2), general((3, 4)), 2),
    ("cond", la.cond, well((3, 3)), 1),
    ("matrix_power", lambda a: la.matrix_power(a, -3), well((3, 3)), 2),
    ("lstsq", lambda a, b: la.lstsq(a, b)[0], pair((4, 3), (4,)), 1),
    ("tensorsolve", la.tensorsolve, two((2, 3, 6), (2, 3)), 1),
]
# complex eigenvectors are defined up to a phase finite differences do not follow;
# slogdet's QR method is real only, as in JAX
_REAL_ONLY = {"eigh", "slogdet_qr"}


def _grad_cases():
    for name, fun, make, order in GRADS:
        yield pytest.param(fun, make, f64, order, id=f"{name}-float64")
        if name not in _REAL_ONLY:
            yield pytest.param(fun, make, c128, 1, id=f"{name}-complex128")


@pytest.mark.parametrize("fun,make,dtype,order", list(_grad_cases()))
def test_gradients(fun, make, dtype, order, x64, request):
    args = make(rng_for(request.node.name), dtype)
    check_grads(fun, args, order, modes=("fwd", "rev"), atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("name,fun", [
    ("cholesky", lambda a: lax_linalg.cholesky(a)),
    ("lu", lambda a: lax_linalg.lu(a)[0]),
    ("qr", lambda a: lax_linalg.qr(a, full_matrices=False)),
    ("svd", lambda a: lax_linalg.svd(a, full_matrices=False)[1]),
    ("eigh_values", lambda a: lax_linalg.eigh(a)[1]),
    ("eigvals", lambda a: lax_linalg.eig(a, compute_left_eigenvectors=False,
                                         compute_right_eigenvectors=False)[0]),
    ("eig_vectors", lambda a: lax_linalg.eig(a, compute_left_eigenvectors=False,
                                             enable_eigvec_derivs=True)),
])
def test_complex_gradients_of_the_primitives(name, fun, x64):
    a = hermitian_pd((2, 3, 3))(rng_for("complex_grad", name), c128)[0]
    check_grads(fun, (a,), 1, modes=("fwd", "rev"), atol=1e-5, rtol=1e-5)


def test_eigenvector_derivatives_need_opting_in():
    a = rand(rng_for("eigvec"), (3, 3), f32)
    with pytest.raises(NotImplementedError, match="enable_eigvec_derivs"):
        xf.jvp(lambda x: lax_linalg.eig(x)[2], (a,), (a,))
    with pytest.raises(NotImplementedError, match="full matrices"):
        xf.jvp(lambda x: lax_linalg.svd(x)[0], (a[:, :2],), (a[:, :2],))


# ---------------------------------------------------------------------------------------
# transformations: jit, vmap, their compositions with grad

def test_jit_and_vmap_of_the_numpy_functions():
    rng = rng_for("transforms")
    a = rand(rng, (5, 3, 3), f32) + 3 * onp.eye(3, dtype=f32)
    b = rand(rng, (5, 3), f32)
    for fun, ref in ((la.solve, lambda a, b: onp.linalg.solve(a, b[..., None])[..., 0]),
                     (lambda a, b: la.inv(a) @ b, lambda a, b: onp.einsum(
                         "nij,nj->ni", onp.linalg.inv(a), b)),
                     (lambda a, b: la.det(a) * b, lambda a, b: onp.linalg.det(a)[:, None] * b)):
        assert_close(xf.vmap(fun)(a, b), ref(a, b), rtol=1e-4, atol=1e-4)
        assert_close(xf.jit(xf.vmap(fun))(a, b), ref(a, b), rtol=1e-4, atol=1e-4)
        # the batch along another axis of a, b unmapped
        got = xf.vmap(fun, in_axes=(2, None), out_axes=0)(onp.moveaxis(a, 0, 2), b[0])
        assert_close(got, ref(a, onp.broadcast_to(b[0], b.shape)), rtol=1e-4, atol=1e-4)
    grads = xf.vmap(xf.grad(lambda m: la.slogdet(m).logabsdet))(a)
    assert_close(grads, onp.transpose(onp.linalg.inv(a), (0, 2, 1)), rtol=1e-4, atol=1e-4)
    assert_close(xf.jit(la.eigvalsh)(a @ onp.transpose(a, (0, 2, 1))),
                 onp.linalg.eigvalsh(a @ onp.transpose(a, (0, 2, 1))), rtol=1e-4, atol=1e-3)


def test_solve_factorizes_once_and_solves_with_the_factors():
    a = np.asarray(well((3, 3))(rng_for("eager"), f32)[0])
    assert {"lu", "triangular_solve"} <= prims_in(xf.make_jaxpr(la.solve)(a, a).jaxpr)
    linear = xf.make_jaxpr(lambda m: xf.vjp(la.solve, m, a)[1](a))(a).jaxpr
    assert sum(eqn.prim.name == "lu" for eqn in linear.eqns) == 1


# ---------------------------------------------------------------------------------------
# errors: the shape or dtype is named

@pytest.mark.parametrize("call,exc,match", [
    (lambda: la.solve(onp.ones((2, 3), f32), onp.ones(2, f32)), ValueError, r"\(2, 3\)"),
    (lambda: la.solve(onp.ones(3, f32), onp.ones(3, f32)), ValueError, "two-dimensional"),
    (lambda: la.solve(onp.ones((3, 3), f32), onp.ones(4, f32)), ValueError, r"\(4,\)"),
    (lambda: la.inv(onp.ones((2, 3), f32)), ValueError, r"\(2, 3\)"),
    (lambda: la.det(onp.ones(3, f32)), ValueError, r"\(3,\)"),
    (lambda: la.slogdet(onp.ones((3, 2), f32)), ValueError, r"\(3, 2\)"),
    (lambda: la.cholesky(onp.ones((2, 3), f32)), ValueError, r"\(2, 3\)"),
    (lambda: la.eigh(onp.ones((2, 3), f32)), ValueError, r"\(2, 3\)"),
    (lambda: la.eigvals(onp.ones((4,), f32)), ValueError, r"\(4,\)"),
    (lambda: la.svd(onp.ones(3, f32)), ValueError, r"\(3,\)"),
    (lambda: la.qr(onp.ones(3, f32)), ValueError, r"\(3,\)"),
    (lambda: la.eigh(onp.eye(2, dtype=f32), UPLO="X"), ValueError, "UPLO"),
    (lambda: la.qr(onp.eye(2, dtype=f32), mode="economic"), ValueError, "mode"),
    (lambda: la.norm(onp.ones((2, 2), f32), ord="bad"), ValueError, "order"),
    (lambda: la.norm(onp.ones((2, 2, 2), f32), axis=(0, 1, 2)), ValueError, "axes"),
    (lambda: la.vector_norm(onp.ones(2, f32), ord="inf"), ValueError, "inf"),
    (lambda: la.matrix_power(onp.ones((2, 3), f32), 2), TypeError, "square"),
    (lambda: la.matrix_power(onp.eye(2, dtype=f32), 1.5), TypeError, "integer"),
    (lambda: la.cross(onp.ones(2, f32), onp.ones(2, f32)), ValueError, "3-dimensional"),
    (lambda: la.outer(onp.ones((2, 2), f32), onp.ones(2, f32)), ValueError, "one-dimensional"),
    (lambda: la.multi_dot([onp.ones((2, 3), f32)]), ValueError, "at least two"),
    (lambda: la.tensorinv(onp.ones((2, 3), f32)), ValueError, "product"),
    (lambda: la.cond(onp.ones((2, 3), f32), 1), ValueError, r"\(2, 3\)"),
    (lambda: la.pinv(onp.eye(2, dtype=f32), rtol=0.1, rcond=0.1), ValueError, "only one"),
    (lambda: la.slogdet(onp.eye(2, dtype=f32), method="svd"), ValueError, "method"),
    (lambda: lax_linalg.cholesky(onp.eye(2, dtype=onp.float16)), TypeError, "float16"),
    (lambda: lax_linalg.lu(onp.eye(2, dtype=i32)), TypeError, "int32"),
    (lambda: lax_linalg.qr(onp.ones(3, f32)), ValueError, r"\(3,\)"),
    (lambda: lax_linalg.triangular_solve(onp.eye(3, dtype=f32), onp.ones((2, 2), f32),
                                         left_side=True), ValueError, r"\(2, 2\)"),
    (lambda: lax_linalg.triangular_solve(onp.eye(2, dtype=f32), onp.ones((2, 2), c64)),
     TypeError, "dtype"),
    (lambda: lax_linalg.householder_product(onp.ones((2, 3), f32), onp.ones(2, f32)),
     ValueError, r"\(2, 3\)"),
    (lambda: lax_linalg.tridiagonal_solve(*[onp.ones(3, f32)] * 3, onp.ones((2, 1), f32)),
     TypeError, "leading"),
    (lambda: lax_linalg.lu_pivots_to_permutation(onp.zeros(3, i32), 2), ValueError,
     "permutation_size"),
    (lambda: lax_linalg.svd(onp.ones((2, 2), f32), algorithm="qr"), TypeError, "SvdAlgorithm"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_svd_qr_algorithm_and_unsupported_ones():
    a = rand(rng_for("svdqr"), (4, 3), f32)
    s = lax_linalg.svd(a, compute_uv=False, algorithm=lax_linalg.SvdAlgorithm.QR)
    assert_close(s, onp.linalg.svd(a, compute_uv=False).astype(f32), rtol=1e-5, atol=1e-5)
    with pytest.raises(NotImplementedError, match="Jacobi|JACOBI"):
        lax_linalg.svd(a, algorithm=lax_linalg.SvdAlgorithm.JACOBI)


# ---------------------------------------------------------------------------------------
# lowering: the kernels each platform calls (GPU and TPU lowered, not compiled)

def _module_text(fun, *args, platform):
    closed = xf.make_jaxpr(fun)(*args)
    module, _ = lowering.lower_closed_jaxpr(closed, platform=platform)
    return lowering.module_text(module)


_A = onp.ones((2, 4, 4), f32)
_LOWERINGS = [  # (name, function, args, CPU target, GPU target)
    ("cholesky", lambda a: lax_linalg.cholesky(a), (_A,), "lapack_spotrf_ffi",
     "cusolver_potrf_ffi"),
    ("lu", lambda a: lax_linalg.lu(a), (_A,), "lapack_sgetrf_ffi", "cusolver_getrf_ffi"),
    ("lu_permutation", lambda a: lax_linalg.lu(a), (_A,), "lapack_sgetrf_ffi",
     "cu_lu_pivots_to_permutation"),
    ("qr", lambda a: lax_linalg.qr(a), (_A,), "lapack_sgeqrf_ffi", "cusolver_geqrf_ffi"),
    ("qr_q", lambda a: lax_linalg.qr(a), (_A,), "lapack_sorgqr_ffi", "cusolver_orgqr_ffi"),
    ("qr_complex", lambda a: lax_linalg.qr(a), (_A.astype(c64),), "lapack_cungqr_ffi",
     "cusolver_orgqr_ffi"),
    ("qr_pivoting", lambda a: lax_linalg.qr(a, pivoting=True), (_A,), "lapack_sgeqp3_ffi",
     "cuhybrid_geqp3"),
    ("svd", lambda a: lax_linalg.svd(a), (_A,), "lapack_sgesdd_ffi", "cusolver_gesvdj_ffi"),
    ("svd_large", lambda a: lax_linalg.svd(a, compute_uv=False),
     (onp.ones((1100, 8), f32),), "lapack_sgesdd_ffi", "cusolver_gesvd_ffi"),
    ("eigh", lambda a: lax_linalg.eigh(a), (_A,), "lapack_ssyevd_ffi", "cusolver_syevd_ffi"),
    ("eigh_complex", lambda a: lax_linalg.eigh(a), (_A.astype(c64),), "lapack_cheevd_ffi",
     "cusolver_syevd_ffi"),
    ("eig_right", lambda a: lax_linalg.eig(a, compute_left_eigenvectors=False), (_A,),
     "lapack_sgeev_ffi", "cusolver_geev_ffi"),
    ("eig_left", lambda a: lax_linalg.eig(a), (_A,), "lapack_sgeev_ffi", "cuhybrid_eig_real"),
    ("tridiagonal", lambda a: lax_linalg.tridiagonal(a), (_A,), "lapack_ssytrd_ffi",
     "cusolver_sytrd_ffi"),
    ("tridiagonal_solve", lambda b: lax_linalg.tridiagonal_solve(b[:, 0], b[:, 1], b[:, 2], b),
     (_A,), "lapack_sgtsv_ffi", "cusparse_gtsv2_ffi"),
    ("householder_product", lambda a: lax_linalg.householder_product(a, a[:, 0]), (_A,),
     "lapack_sorgqr_ffi", "cusolver_orgqr_ffi"),
    ("triangular_solve", lambda a: lax_linalg.triangular_solve(a, a), (_A,), "lapack_strsm_ffi",
     "stablehlo.triangular_solve"),
]


@pytest.mark.parametrize("name,fun,args,cpu,gpu", _LOWERINGS, ids=[r[0] for r in _LOWERINGS])
def test_lowerings_call_each_platforms_kernel(name, fun, args, cpu, gpu):
    cpu_text = _module_text(fun, *args, platform="cpu")
    assert cpu in cpu_text and "cusolver" not in cpu_text
    gpu_text = _module_text(fun, *args, platform="gpu")
    assert gpu in gpu_text and "lapack_" not in gpu_text


def test_gpu_lowering_details():
    # small systems use the generic tridiagonal solver (cuSPARSE needs 3 rows)
    small = onp.ones((2, 2, 1), f32)
    text = _module_text(lambda b: lax_linalg.tridiagonal_solve(b[..., 0], b[..., 0],
                                                               b[..., 0], b), small,
                        platform="gpu")
    assert "custom_call" not in text and "stablehlo.while" in text
    # the kernels take column-major matrices; cuSOLVER's options are i1 attributes
    text = _module_text(lambda a: lax_linalg.cholesky(a), _A, platform="gpu")
    assert "operand_layouts = [dense<[1, 2, 0]>" in text and "lower = true" in text
    text = _module_text(lambda a: lax_linalg.eigh(a), _A, platform="cpu")
    assert "mode = 86 : ui8" in text and "uplo = 76 : ui8" in text


def test_unpacking_cusolvers_real_eigenvectors():
    # cuSOLVER's real geev returns a complex pair's eigenvector v = re + i im as the columns
    # (re, im), as LAPACK does; the GPU lowering unpacks them (checked here on CPU)
    rot = onp.array([[1.0, -2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 3.0]], f32)
    w, v = onp.linalg.eig(rot)  # the pair first, +imag first
    packed = onp.stack([v[:, 0].real, v[:, 0].imag, v[:, 2].real], axis=1).astype(f32)
    got = lax_linalg._unpack_conjugate_pairs(w.astype(c64), packed)
    assert_close(got, v.astype(c64), rtol=1e-6, atol=1e-6)


def test_platforms_without_kernels_refuse_when_lowering():
    with pytest.raises(NotImplementedError, match="tpu"):
        _module_text(lambda a: lax_linalg.lu(a), _A, platform="tpu")
    with pytest.raises(NotImplementedError, match="only implemented on CPU"):
        _module_text(lambda a: lax_linalg.schur(a), _A, platform="gpu")
    # XLA's own expansions where there is one
    assert "stablehlo.cholesky" in _module_text(lambda a: lax_linalg.cholesky(a), _A,
                                                platform="tpu")
    assert "stablehlo.triangular_solve" in _module_text(
        lambda a: lax_linalg.triangular_solve(a, a), _A, platform="tpu")


def test_lapack_target_names():
    assert lapack.lapack_target("potrf_ffi", onp.dtype(onp.float64)) == "lapack_dpotrf_ffi"
    assert lapack.lapack_target("gesdd_ffi", c64) == "lapack_cgesdd_ffi"
