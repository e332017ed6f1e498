"""xlafront.scipy.linalg against scipy.linalg: the factorizations and solvers, the matrix
functions and the special matrices (float32 and complex64, float64 / complex128 with x64
on, batched where JAX batches), under jit and vmap, gradients by finite differences, JAX's
documented behaviours (NaN where expm needs too many squarings, ignored SciPy keywords, the
deprecated batched 1-D solves) and the errors."""

import numpy as onp
import pytest
import scipy.linalg as sl

import xlafront as xf
import xlafront.numpy as np
import xlafront.scipy.linalg as jsl
from xlafront.test_util import check_grads

from conftest import assert_close, rand, rng_for

f32, f64, c64, c128, i32 = (onp.dtype(t) for t in (onp.float32, onp.float64, onp.complex64,
                                                   onp.complex128, onp.int32))
WIDE = {f64, c128}
ALL = (f32, c64, f64, c128)


def _herm(a):
    return onp.conj(onp.swapaxes(a, -1, -2))


def general(*shapes):
    def make(rng, dtype):
        return [rand(rng, shape, dtype) for shape in shapes]
    return make


def pd(shape, *rhs):
    """A Hermitian positive-definite matrix (batch), then right-hand sides."""
    def make(rng, dtype):
        a = rand(rng, shape, dtype)
        a = (a @ _herm(a) + shape[-1] * onp.eye(shape[-1])).astype(dtype)
        return [a] + [rand(rng, s, dtype) for s in rhs]
    return make


def well(shape, *rhs):
    """A well-conditioned matrix (batch): a strong diagonal; then right-hand sides."""
    def make(rng, dtype):
        a = (rand(rng, shape, dtype) + 8 * onp.eye(shape[-1])).astype(dtype)
        return [a] + [rand(rng, s, dtype) for s in rhs]
    return make


def scaled(shape, scale):
    def make(rng, dtype):
        return [(rand(rng, shape, dtype) * scale / 3).astype(dtype)]
    return make


def each(ref, core=2):
    """ref applied to every matrix of a batch (SciPy functions that take one matrix)."""
    def batched(*args):
        lead = onp.shape(args[0])[:onp.ndim(args[0]) - core]
        if not lead:
            return ref(*args)
        outs = [ref(*(onp.asarray(a)[i] for a in args)) for i in onp.ndindex(*lead)]
        if isinstance(outs[0], tuple):
            return tuple(onp.stack(o).reshape(lead + onp.shape(o[0])) for o in zip(*outs))
        return onp.stack(outs).reshape(lead + onp.shape(outs[0]))
    return batched


def _op(a, trans):
    return {0: a, 1: onp.swapaxes(a, -1, -2), 2: _herm(a)}[trans]


_complex_of = {f32: c64, f64: c128, c64: c64, c128: c128}

# (name, xlafront function, SciPy/NumPy reference, input generator, dtypes, tolerance for
# 32 bits, and for 64 bits)
CASES = [
    ("cholesky", jsl.cholesky, sl.cholesky, pd((4, 4)), ALL, 1e-4),
    ("cholesky_lower_batched", lambda a: jsl.cholesky(a, lower=True),
     onp.linalg.cholesky, pd((2, 3, 3)), (f32, c64), 1e-4),
    ("cho_solve", lambda a, b: jsl.cho_solve(jsl.cho_factor(a), b),
     lambda a, b: sl.cho_solve(sl.cho_factor(a), b), pd((4, 4), (4, 2)), (f32, c128), 1e-4),
    ("cho_solve_lower_broadcast", lambda a, b: jsl.cho_solve(jsl.cho_factor(a, lower=True), b),
     onp.linalg.solve, pd((4, 4), (3, 4, 2)), (f32, c64), 1e-4),
    ("lu_factor", jsl.lu_factor, sl.lu_factor, general((4, 4)), (f32, c64), 1e-5),
    ("lu_solve_batched", lambda a, b: jsl.lu_solve(jsl.lu_factor(a), b), onp.linalg.solve,
     well((2, 4, 4), (2, 4, 3)), (f32, c64), 1e-4),
    ("lu_solve_trans1_vector", lambda a, b: jsl.lu_solve(jsl.lu_factor(a), b, trans=1),
     lambda a, b: onp.linalg.solve(a.T, b), well((4, 4), (4,)), (f32, c64), 1e-4),
    ("lu_solve_trans2", lambda a, b: jsl.lu_solve(jsl.lu_factor(a), b, trans=2),
     lambda a, b: sl.lu_solve(sl.lu_factor(a), b, trans=2), well((4, 4), (4, 2)), (c64, c128),
     1e-4),
    ("lu_tall", jsl.lu, sl.lu, general((5, 3)), (f32, c128), 1e-5),
    ("lu_wide_permute_l", lambda a: jsl.lu(a, permute_l=True),
     lambda a: sl.lu(a, permute_l=True), general((3, 5)), (f32, c64), 1e-5),
    ("lu_batched", jsl.lu, each(sl.lu), general((2, 4, 4)), (f32,), 1e-5),
    ("qr_full", jsl.qr, sl.qr, general((5, 3)), (f32, c64, f64), 1e-4),
    ("qr_economic", lambda a: jsl.qr(a, mode="economic"), lambda a: sl.qr(a, mode="economic"),
     general((5, 3)), (f32, c64), 1e-4),
    ("qr_r", lambda a: jsl.qr(a, mode="r"), lambda a: sl.qr(a, mode="r"), general((3, 5)),
     (f32,), 1e-4),
    ("qr_pivoting", lambda a: jsl.qr(a, pivoting=True), lambda a: sl.qr(a, pivoting=True),
     general((5, 4)), (f32, c64), 1e-4),
    ("qr_multiply_right", jsl.qr_multiply, sl.qr_multiply, general((5, 3), (2, 5)), (f32, c64),
     1e-4),
    ("qr_multiply_left_conjugate",
     lambda a, c: jsl.qr_multiply(a, c, mode="left", conjugate=True),
     lambda a, c: sl.qr_multiply(a, c, mode="left", conjugate=True), general((5, 3), (3, 2)),
     (c64,), 1e-4),
    ("qr_multiply_vector_pivoting", lambda a, c: jsl.qr_multiply(a, c, pivoting=True),
     lambda a, c: sl.qr_multiply(a, c, pivoting=True), general((3, 4), (3,)), (f32,), 1e-4),
    ("svd", jsl.svd, sl.svd, general((4, 3)), (f32, c64), 1e-4),
    ("svd_values_batched", lambda a: jsl.svd(a, compute_uv=False),
     lambda a: onp.linalg.svd(a, compute_uv=False), general((2, 3, 4)), (f32, f64), 1e-4),
    ("eigh_values", lambda a: jsl.eigh(a, eigvals_only=True),
     lambda a: sl.eigh(a, eigvals_only=True), pd((4, 4)), (f32, c128), 1e-4),
    ("schur_real", jsl.schur, sl.schur, general((4, 4)), (f32, f64), 1e-4),
    ("hessenberg", lambda a: jsl.hessenberg(a, calc_q=True),
     lambda a: sl.hessenberg(a, calc_q=True), general((4, 4)), (f32, c64), 1e-4),
    ("hessenberg_batched", jsl.hessenberg, each(sl.hessenberg), general((2, 3, 3)), (f32,),
     1e-4),
    ("det", jsl.det, onp.linalg.det, general((2, 4, 4)), (f32, c64), 1e-4),
    ("inv", jsl.inv, onp.linalg.inv, well((2, 3, 3)), (f32, c64), 1e-4),
    ("solve", jsl.solve, sl.solve, well((4, 4), (4, 2)), (f32, c64), 1e-4),
    ("solve_pos_lower_vector", lambda a, b: jsl.solve(a, b, assume_a="pos", lower=True),
     lambda a, b: sl.solve(a, b, assume_a="pos", lower=True), pd((4, 4), (4,)), (f32, c64),
     1e-4),
    ("solve_pos_batched", lambda a, b: jsl.solve(a, b, assume_a="pos"), onp.linalg.solve,
     pd((2, 3, 3), (2, 3, 2)), (f32,), 1e-4),
    ("solve_triangular", jsl.solve_triangular, sl.solve_triangular, well((4, 4), (4, 2)), ALL,
     1e-4),
    ("solve_triangular_lower_T_unit",
     lambda a, b: jsl.solve_triangular(a, b, trans="T", lower=True, unit_diagonal=True),
     lambda a, b: sl.solve_triangular(a, b, trans="T", lower=True, unit_diagonal=True),
     well((4, 4), (4,)), (f32, c64), 1e-4),
    ("solve_triangular_C_broadcast", lambda a, b: jsl.solve_triangular(a, b, trans=2),
     lambda a, b: onp.linalg.solve(_herm(onp.triu(a)), b), well((4, 4), (2, 4, 3)), (c64,),
     1e-4),
    ("expm", jsl.expm, sl.expm, scaled((2, 3, 3), 1.0), (f32, c128), 1e-4),
    ("expm_large_norm", jsl.expm, sl.expm, scaled((3, 3), 8.0), (f64,), 1e-4),
    ("expm_upper_triangular", lambda a: jsl.expm(np.triu(a), upper_triangular=True),
     lambda a: sl.expm(onp.triu(a)), scaled((4, 4), 0.1), (f32,), 1e-5),
    ("expm_frechet", jsl.expm_frechet, sl.expm_frechet, general((3, 3), (3, 3)), (f32,), 1e-4),
    ("sqrtm", jsl.sqrtm, sl.sqrtm, pd((4, 4)), (f32, c64), 1e-4),
    ("funm_sin", lambda a: jsl.funm(a, np.sin), lambda a: sl.funm(a, onp.sin),
     scaled((4, 4), 1.0), (f32,), 1e-4),
    ("polar_qdwh", jsl.polar, sl.polar, general((5, 3)), (f32,), 1e-4),
    ("polar_qdwh_left", lambda a: jsl.polar(a, side="left"),
     lambda a: sl.polar(a, side="left"), general((3, 5)), (f32,), 1e-4),
    ("polar_svd_batched", lambda a: jsl.polar(a, method="svd"), each(sl.polar),
     general((2, 4, 3)), (c64,), 1e-4),
    ("solve_sylvester", jsl.solve_sylvester, sl.solve_sylvester,
     well((3, 3), (4, 4), (3, 4)), (c64,), 1e-4),
    ("solve_sylvester_eigen", lambda a, b, c: jsl.solve_sylvester(a, b, c, method="eigen"),
     sl.solve_sylvester, well((3, 3), (2, 2), (3, 2)), (f32,), 1e-4),
    ("eigh_tridiagonal", lambda d, e: jsl.eigh_tridiagonal(d, e, eigvals_only=True),
     lambda d, e: sl.eigh_tridiagonal(d, e, eigvals_only=True), general((6,), (5,)),
     (f64,), 1e-5),
    ("eigh_tridiagonal_select_i",
     lambda d, e: jsl.eigh_tridiagonal(d, e, eigvals_only=True, select="i",
                                       select_range=(1, 3)),
     lambda d, e: sl.eigh_tridiagonal(d, e, eigvals_only=True, select="i",
                                      select_range=(1, 3)), general((6,), (5,)), (f32,), 1e-5),
    # special matrices
    ("block_diag", lambda a, b, c: jsl.block_diag(a, b[0], c[0, 0]), lambda a, b, c: sl.block_diag(
        a, b[0], c[0, 0]), general((2, 3), (1, 2), (1, 1)), (f32, c64), 0),
    ("toeplitz", jsl.toeplitz, sl.toeplitz, general((3,), (4,)), (f32, c64), 0),
    ("toeplitz_c_only", jsl.toeplitz, sl.toeplitz, general((4,)), (f32, c64), 0),
    ("toeplitz_batched", jsl.toeplitz, each(sl.toeplitz, core=1), general((2, 3), (2, 2)),
     (f32,), 0),
    ("hankel", jsl.hankel, sl.hankel, general((3,), (4,)), (f32,), 0),
    ("hankel_c_only", jsl.hankel, sl.hankel, general((4,)), (c64,), 0),
    ("circulant", jsl.circulant, sl.circulant, general((4,)), (f32, c64), 0),
    ("circulant_batched", jsl.circulant, each(sl.circulant, core=1), general((2, 3)), (f32,), 0),
    ("leslie", jsl.leslie, sl.leslie, general((4,), (3,)), (f32,), 0),
    ("companion", jsl.companion, sl.companion, general((4,)), (f32, c64), 1e-6),
    ("companion_batched", jsl.companion, each(sl.companion, core=1), general((2, 3)), (f32,),
     1e-6),
    ("fiedler", jsl.fiedler, sl.fiedler, general((4,)), (f32,), 0),
    ("fiedler_companion_5", jsl.fiedler_companion, sl.fiedler_companion, general((6,)),
     (f32, c64), 1e-6),
    ("fiedler_companion_2", jsl.fiedler_companion, sl.fiedler_companion, general((3,)), (f32,),
     1e-6),
    ("convolution_matrix_full", lambda a: jsl.convolution_matrix(a, 5),
     lambda a: sl.convolution_matrix(a, 5), general((3,)), (f32,), 0),
    ("convolution_matrix_same", lambda a: jsl.convolution_matrix(a, 2, "same"),
     lambda a: sl.convolution_matrix(a, 2, "same"), general((4,)), (f32,), 0),
    ("convolution_matrix_valid", lambda a: jsl.convolution_matrix(a, 5, "valid"),
     lambda a: sl.convolution_matrix(a, 5, "valid"), general((3,)), (f32,), 0),
]


def _cases():
    for name, fun, ref, make, dtypes, tol in CASES:
        for dtype in dtypes:
            yield pytest.param(fun, ref, make, dtype, tol, id=f"{name}-{dtype.name}")


def _want(e, dtype):
    """The dtype xlafront gives for a SciPy result e (32-bit inputs stay 32-bit)."""
    if e.dtype.kind in "iu":  # pivots, permutations
        return i32
    if dtype in WIDE or e.dtype.kind == "b":
        return e.dtype
    return {f64: f32, c128: c64}.get(e.dtype, e.dtype)


@pytest.mark.parametrize("fun,ref,make,dtype,tol", list(_cases()))
def test_against_scipy(fun, ref, make, dtype, tol, request):
    if dtype in WIDE:
        request.getfixturevalue("x64")
    args = make(rng_for(request.node.name), dtype)
    got, expected = fun(*[np.asarray(x) for x in args]), ref(*args)
    got = got if isinstance(got, tuple) else (got,)
    expected = expected if isinstance(expected, tuple) else (expected,)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        e = onp.asarray(e)
        want = _want(e, dtype)
        if g.dtype.kind == "c" and want.kind == "f":  # sqrtm, funm: complex, as in JAX
            want = _complex_of[want]
        rtol = (1e-9 if tol else 0) if dtype in WIDE else tol
        assert_close(g, e.astype(want), rtol=rtol, atol=rtol)


# ---------------------------------------------------------------------------------------
# factorizations: what SciPy's results leave open (signs of eigenvectors, complex Schur)

def test_eigh_and_schur_reconstruct():
    a = pd((2, 4, 4))(rng_for("eigh"), c64)[0]
    w, v = jsl.eigh(a)
    assert w.dtype == f32 and v.dtype == c64
    assert_close(np.matmul(a, v), v * w[..., None, :].astype(c64), rtol=1e-4, atol=1e-4)
    g = rand(rng_for("schur"), (4, 4), f32)
    t, z = jsl.schur(g, output="complex")
    assert t.dtype == z.dtype == c64
    assert_close(np.tril(t, -1), onp.zeros((4, 4), c64))
    assert_close(z @ t @ np.conj(z.T), g.astype(c64), rtol=1e-4, atol=1e-4)
    # rsf2csf: the complex Schur form from the real one
    t, z = sl.schur(g)
    t2, z2 = jsl.rsf2csf(np.asarray(t, f32), np.asarray(z, f32))
    assert_close(np.tril(t2, -1), onp.zeros((4, 4), c64), atol=1e-6)
    assert_close(z2 @ t2 @ np.conj(z2.T), g.astype(c64), rtol=1e-4, atol=1e-4)


def test_eigh_tridiagonal_vectors():
    rng = rng_for("tridiagonal")
    d, e = rand(rng, (6,), f32), rand(rng, (5,), f32)
    w, v = jsl.eigh_tridiagonal(np.asarray(d), np.asarray(e))
    t = onp.diag(d) + onp.diag(e, 1) + onp.diag(e, -1)
    assert v.shape == (6, 6)
    assert_close(t @ v, v * w[None, :], rtol=1e-4, atol=1e-4)
    assert_close(v.T @ v, onp.eye(6, dtype=f32), rtol=1e-5, atol=1e-5)
    # complex off-diagonal: the Hermitian tridiagonal matrix, eigenvalues real
    ec = rand(rng, (5,), c64)
    w = jsl.eigh_tridiagonal(np.asarray(d, c64), np.asarray(ec), eigvals_only=True)
    th = onp.diag(d) + onp.diag(ec, 1) + onp.diag(onp.conj(ec), -1)
    assert_close(w, onp.linalg.eigvalsh(th).astype(f32), rtol=1e-5, atol=1e-5)


def test_funm_error_estimate_and_disp():
    a = scaled((3, 3), 1.0)(rng_for("funm"), f32)[0]
    f, err = jsl.funm(np.asarray(a), np.exp, disp=False)
    assert_close(f, sl.expm(a).astype(c64), rtol=1e-4, atol=1e-4)
    assert err.shape == () and 0 <= float(err) <= 1


def test_expm_needing_too_many_squarings_is_nan():
    # as JAX documents: NaN when the norm needs more than max_squarings squarings
    assert onp.isnan(onp.asarray(jsl.expm(np.full((2, 2), 100.0), max_squarings=2))).all()
    assert onp.isfinite(onp.asarray(jsl.expm(np.full((2, 2), 1.0), max_squarings=2))).all()


def test_scipy_keywords_accepted_and_batched_vector_solves_deprecated():
    a, b = well((4, 4), (4, 2))(rng_for("keywords"), f32)
    expected = onp.linalg.solve(onp.triu(a), b)
    assert_close(jsl.solve_triangular(a, b, overwrite_b=True, check_finite=False, debug=None),
                 expected, rtol=1e-4, atol=1e-4)
    assert_close(jsl.svd(a, lapack_driver="gesvd", compute_uv=False),
                 onp.linalg.svd(a, compute_uv=False), rtol=1e-4, atol=1e-4)
    c, lower = jsl.cho_factor(pd((3, 3))(rng_for("cf"), f32)[0], lower=True)
    assert lower is True and c.shape == (3, 3)
    lu_, piv = jsl.lu_factor(a, overwrite_a=True, check_finite=False)
    assert piv.dtype == i32
    # b [..., n] with one dimension less than a: batched vectors, with JAX's FutureWarning
    batch_a, batch_b = well((2, 3, 3), (2, 3))(rng_for("fw"), f32)
    with pytest.warns(FutureWarning, match="batched 1D solves"):
        x = jsl.lu_solve(jsl.lu_factor(batch_a), batch_b)
    assert_close(x, onp.linalg.solve(batch_a, batch_b[..., None])[..., 0], rtol=1e-4,
                 atol=1e-4)


def test_constructors_of_static_size():
    assert_close(jsl.hilbert(5), sl.hilbert(5).astype(f32))
    assert_close(jsl.invhilbert(4), sl.invhilbert(4).astype(f32))
    for kind in ("symmetric", "lower", "upper"):
        assert_close(jsl.pascal(5, kind), sl.pascal(5, kind).astype(f32))  # float32, as JAX
        assert_close(jsl.invpascal(5, kind), sl.invpascal(5, kind).astype(f32))
    assert_close(jsl.helmert(4), sl.helmert(4).astype(f32))
    assert_close(jsl.helmert(4, full=True), sl.helmert(4, full=True).astype(f32))
    assert_close(jsl.hadamard(4), sl.hadamard(4).astype(i32))
    assert_close(jsl.hadamard(2, dtype=np.float32), sl.hadamard(2).astype(f32))
    for scale in (None, "sqrtn", "n"):
        assert_close(jsl.dft(5, scale), sl.dft(5, scale).astype(c64), rtol=1e-6, atol=1e-6)
    assert_close(jsl.block_diag(), onp.zeros((1, 0), f32))
    assert jsl.fiedler_companion(onp.ones(1, f32)).shape == (0, 0)  # as JAX (SciPy: (0,))


def test_constructors_in_64_bits(x64):
    assert_close(jsl.invhilbert(6), sl.invhilbert(6))
    assert_close(jsl.dft(64), sl.dft(64), rtol=1e-12, atol=1e-12)
    assert jsl.pascal(3).dtype == f32 and jsl.invpascal(3).dtype == f64


# ---------------------------------------------------------------------------------------
# transformations

def test_under_jit_and_vmap():
    rng = rng_for("jit")
    a, b = well((3, 4, 4), (3, 4, 2))(rng, f32)
    solve = xf.jit(lambda a, b: jsl.solve_triangular(a, b, lower=True, trans=1))
    assert_close(solve(a[0], b[0]), sl.solve_triangular(a[0], b[0], lower=True, trans=1),
                 rtol=1e-4, atol=1e-4)
    m = scaled((3, 3, 3), 1.0)(rng, f32)[0]
    assert_close(xf.jit(xf.vmap(jsl.expm))(m), sl.expm(m), rtol=1e-4, atol=1e-4)
    spd, rhs = pd((3, 3, 3), (3, 3))(rng, f32)
    assert_close(xf.jit(xf.vmap(lambda a, b: jsl.cho_solve((jsl.cholesky(a), False), b)))(
        spd, rhs),
                 onp.linalg.solve(spd, rhs[..., None])[..., 0], rtol=1e-4, atol=1e-4)
    assert_close(xf.jit(xf.vmap(lambda a, b: jsl.solve(a, b, assume_a="pos")))(spd, rhs),
                 onp.linalg.solve(spd, rhs[..., None])[..., 0], rtol=1e-4, atol=1e-4)
    c, r = rand(rng, (2, 5), f32), rand(rng, (4,), f32)
    assert_close(xf.jit(xf.vmap(jsl.toeplitz, (0, None)))(c, r), each(sl.toeplitz, core=1)(
        c, onp.broadcast_to(r, (2, 4))))


def _sym(m):
    """A symmetric positive-definite matrix of m: cholesky and solve(assume_a='pos') read
    one triangle, so their derivatives hold for symmetric perturbations only (as JAX's)."""
    return m + m.T + 6 * np.eye(m.shape[-1], dtype=m.dtype)


@pytest.mark.parametrize("name,fun,make", [
    ("expm", jsl.expm, scaled((3, 3), 1.0)),
    ("solve_triangular", lambda a, b: jsl.solve_triangular(a, b, trans=1, lower=True),
     well((3, 3), (3, 2))),
    ("cho_solve", lambda a, b: jsl.cho_solve((jsl.cholesky(_sym(a)), False), b),
     well((3, 3), (3,))),
    ("lu_solve", lambda a, b: jsl.lu_solve(jsl.lu_factor(a), b), well((3, 3), (3, 2))),
    ("solve_pos", lambda a, b: jsl.solve(_sym(a), b, assume_a="pos"), well((3, 3), (3, 2))),
], ids=["expm", "solve_triangular", "cho_solve", "lu_solve", "solve_pos"])
def test_gradients(name, fun, make, x64):
    args = [np.asarray(x) for x in make(rng_for("grad", name), f64)]
    check_grads(xf.jit(fun), args, order=1, modes=("fwd", "rev"))


# ---------------------------------------------------------------------------------------
# errors

_sq = onp.eye(3, dtype=f32)
_errors = [
    (lambda: jsl.solve_triangular(_sq, _sq, trans=3), ValueError, "trans"),
    (lambda: jsl.lu_solve(jsl.lu_factor(_sq), _sq, trans="T"), ValueError, "trans"),
    (lambda: jsl.cho_solve((_sq, False), onp.ones(4, f32)), ValueError, "cho_solve: b"),
    (lambda: jsl.qr(_sq, mode="raw"), ValueError, "mode"),
    (lambda: jsl.qr_multiply(_sq, _sq, mode="up"), ValueError, "mode"),
    (lambda: jsl.qr_multiply(_sq, onp.ones((2, 2), f32)), ValueError, "columns"),
    (lambda: jsl.schur(_sq, output="quaternion"), ValueError, "output"),
    (lambda: jsl.eigh(_sq, _sq), NotImplementedError, "b=None"),
    (lambda: jsl.eigh(_sq, eigvals=(0, 1)), NotImplementedError, "eigvals=None"),
    (lambda: jsl.eigh(_sq, type=2), NotImplementedError, "type=1"),
    (lambda: jsl.solve(_sq, _sq, assume_a="banded"), ValueError, "assume_a"),
    (lambda: jsl.solve(_sq, onp.ones((1, 3, 1), f32), assume_a="pos"), ValueError, "shapes"),
    (lambda: jsl.expm(onp.ones((2, 3), f32)), ValueError, "square"),
    (lambda: jsl.expm(onp.eye(2, dtype=onp.float16)), TypeError, "float16"),
    (lambda: jsl.expm_frechet(_sq, onp.eye(2, dtype=f32)), ValueError, "same shape"),
    (lambda: jsl.sqrtm(_sq, blocksize=2), NotImplementedError, "blocked"),
    (lambda: jsl.funm(onp.ones((2, 3), f32), np.exp), ValueError, "square"),
    (lambda: jsl.polar(_sq, side="up"), ValueError, "side"),
    (lambda: jsl.polar(_sq, method="newton"), ValueError, "method"),
    (lambda: jsl.polar(onp.ones((2, 3), f32)), NotImplementedError, "qdwh"),
    (lambda: jsl.polar(onp.ones(3, f32)), ValueError, "2-D"),
    (lambda: jsl.rsf2csf(_sq, onp.eye(2, dtype=f32)), ValueError, "same size"),
    (lambda: jsl.solve_sylvester(_sq, _sq, onp.ones((2, 3), f32)), ValueError, "shapes"),
    (lambda: jsl.solve_sylvester(_sq, _sq, _sq, method="lu"), ValueError, "method"),
    (lambda: jsl.eigh_tridiagonal(onp.ones(3, f32), onp.ones(2, c64)), TypeError, "same dtype"),
    (lambda: jsl.eigh_tridiagonal(onp.ones(3, i32), onp.ones(2, i32)), TypeError, "float32"),
    (lambda: jsl.eigh_tridiagonal(onp.ones(3, f32), onp.ones(2, f32), select="v"),
     NotImplementedError, "select='v'"),
    (lambda: jsl.eigh_tridiagonal(onp.ones(3, f32), onp.ones(2, f32), select="i"),
     ValueError, "select_range"),
    (lambda: jsl.block_diag(onp.ones((1, 1, 1), f32)), ValueError, "at most 2"),
    (lambda: jsl.hankel(onp.float32(1)), ValueError, "1-dimensional"),
    (lambda: jsl.leslie(onp.ones(3, f32), onp.ones(3, f32)), ValueError, "leslie"),
    (lambda: jsl.companion(onp.ones(1, f32)), ValueError, "at least 2"),
    (lambda: jsl.fiedler_companion(onp.ones(0, f32)), ValueError, "empty"),
    (lambda: jsl.convolution_matrix(onp.ones(3, f32), 0), ValueError, "positive"),
    (lambda: jsl.convolution_matrix(onp.ones(3, f32), 2, "wide"), ValueError, "mode"),
    (lambda: jsl.pascal(3, "diagonal"), ValueError, "kind"),
    (lambda: jsl.helmert(0), ValueError, "positive"),
    (lambda: jsl.hadamard(6), ValueError, "power of 2"),
    (lambda: jsl.dft(3, "half"), ValueError, "scale"),
    (lambda: jsl.dft(3, dtype=np.float32), ValueError, "complex"),
]


@pytest.mark.parametrize("call,error,match", _errors, ids=[str(i) for i in range(len(_errors))])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
