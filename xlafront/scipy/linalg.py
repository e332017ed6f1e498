"""xlafront.scipy.linalg: SciPy's linear algebra with JAX's semantics (`jax.scipy.linalg`),
over lax.linalg's factorizations and xlafront.numpy.linalg.

As in JAX, SciPy's `check_finite`, `overwrite_*` (and `lwork`, `lapack_driver`, `turbo`,
`debug`) keywords are accepted and ignored: compiled code cannot check values at run time
and arrays are immutable. A singular or indefinite matrix gives inf or NaN, never an
exception. The matrix constructors (toeplitz, hankel, circulant, ...) are batched over
leading dimensions, as JAX's are.
"""
import math
import operator
import warnings

import numpy as np

from .. import dtypes, lax, random
from .. import numpy as jnp
from ..autodiff import jvp
from ..core import get_aval
from ..custom_derivatives import custom_jvp
from ..dispatch import eager
from ..lax import linalg as lax_linalg
from ..numpy import linalg as jnp_linalg
from ..numpy._util import array_like, promote_dtypes
from ..numpy.linalg import _H, _broadcast_batch, _broadcast_to, _inexact, _mm, _square

__all__ = ["block_diag", "cho_factor", "cho_solve", "cholesky", "circulant", "companion",
           "convolution_matrix", "det", "dft", "eigh", "eigh_tridiagonal", "expm",
           "expm_frechet", "fiedler", "fiedler_companion", "funm", "hadamard", "hankel",
           "helmert", "hessenberg", "hilbert", "inv", "invhilbert", "invpascal", "leslie",
           "lu", "lu_factor", "lu_solve", "pascal", "polar", "qr", "qr_multiply", "rsf2csf",
           "schur", "solve", "solve_sylvester", "solve_triangular", "sqrtm", "svd",
           "toeplitz"]


def _rhs(op, a, b):
    """b as matrices [..., n, k] beside a [..., n, n], leading dimensions broadcast, and
    whether b was vectors: b [n] is one vector, and (as JAX, deprecated there) b [..., n]
    with one dimension less than a a batch of them."""
    a_aval, b_aval = get_aval(a), get_aval(b)
    _square(op, a_aval)
    n = a_aval.shape[-1]
    vector = b_aval.ndim == 1 or (a_aval.ndim == b_aval.ndim + 1 and b_aval.shape[-1] == n)
    if vector and b_aval.ndim > 1:
        warnings.warn(f"jax.scipy.linalg.{op}: batched 1D solves with b.ndim > 1 are "
                      f"deprecated, and in the future will be treated as a batched 2D solve. "
                      f"Use {op}(..., b[..., None]).squeeze(-1) to avoid this warning.",
                      FutureWarning)
    if b_aval.ndim == 0 or b_aval.shape[-1 if vector else -2] != n:
        raise ValueError(f"{op}: b must have shape [..., {n}] or [..., {n}, k] to match a "
                         f"of shape {a_aval.shape}; got shape {b_aval.shape}")
    return (*_broadcast_batch(a, lax.expand_dims(b, (b_aval.ndim,)) if vector else b, 2),
            vector)


def _unvector(x, vector):
    return x[..., 0] if vector else x


# ---------------------------------------------------------------------------------------
# factorizations

@eager(static_argnames=("lower", "overwrite_a", "check_finite"))
def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """The Cholesky factor of (a batch of) Hermitian positive-definite matrices: upper U
    with a = U^H U, or lower L with a = L L^H (only that triangle of a is read)."""
    a, = _inexact("cholesky", a)
    _square("cholesky", get_aval(a))
    factor = lax_linalg.cholesky(a if lower else _H(a), symmetrize_input=False)
    return factor if lower else _H(factor)


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """(c, lower) for cho_solve: c the Cholesky factor of `a` (see cholesky); unlike
    SciPy's, the other triangle of c is zero."""
    return cholesky(a, lower=lower), lower


def _cho_solve_matrices(c, b, lower):
    """a^-1 b from a's Cholesky factor c [..., n, n] and b [..., n, k] (same batch)."""
    b = lax_linalg.triangular_solve(c, b, left_side=True, lower=lower, transpose_a=not lower,
                                    conjugate_a=not lower)
    return lax_linalg.triangular_solve(c, b, left_side=True, lower=lower, transpose_a=lower,
                                       conjugate_a=lower)


@eager(static_argnames="lower")
def _cho_solve(c, b, lower):
    c, b = _inexact("cho_solve", c, b)
    c, b, vector = _rhs("cho_solve", c, b)
    return _unvector(_cho_solve_matrices(c, b, lower), vector)


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """x with a x = b, from (c, lower) = cho_factor(a); b [..., n] or [..., n, k]."""
    c, lower = c_and_lower
    return _cho_solve(c, b, bool(lower))


@eager(static_argnames=("overwrite_a", "check_finite"))
def lu_factor(a, overwrite_a=False, check_finite=True):
    """(lu, piv) for lu_solve: L (unit diagonal, not stored) and U of a's LU decomposition
    in one matrix, piv LAPACK's 0-based row swaps (int32)."""
    a, = _inexact("lu_factor", a)
    lu_, pivots, _ = lax_linalg.lu(a)
    return lu_, pivots


@eager(static_argnames=("trans", "overwrite_b", "check_finite"))
def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """x with a x = b (trans 0), a^T x = b (1) or a^H x = b (2), from lu_factor(a)."""
    if trans not in (0, 1, 2):
        raise ValueError(f"lu_solve: 'trans' value must be 0, 1, or 2, got {trans!r}")
    lu_, pivots = lu_and_piv
    lu_, b = _inexact("lu_solve", lu_, b)
    lu_, b, vector = _rhs("lu_solve", lu_, b)
    perm = lax_linalg.lu_pivots_to_permutation(pivots, get_aval(lu_).shape[-1])
    perm = _broadcast_to(perm, get_aval(lu_).shape[:-1])
    return _unvector(lax_linalg._lu_solve(lu_, perm, b, trans), vector)


@eager(static_argnames=("permute_l", "overwrite_a", "check_finite"))
def lu(a, permute_l=False, overwrite_a=False, check_finite=True):
    """LU decomposition with partial pivoting of (a batch of) [m, n] matrices, k = min(m, n):
    (p, l, u) with a = p l u, l [m, k] unit lower triangular, u [k, n] upper triangular,
    p a permutation matrix (real dtype); (p l, u) with permute_l."""
    a, = _inexact("lu", a)
    lu_, _, perm = lax_linalg.lu(a)
    *_, m, n = get_aval(a).shape
    k, dtype = min(m, n), get_aval(a).dtype
    p = jnp.real((perm[..., None, :] == jnp.arange(m, dtype=np.int32)[:, None]).astype(dtype))
    l = jnp.tril(lu_, -1)[..., :k] + jnp.eye(m, k, dtype=dtype)
    u = jnp.triu(lu_)[..., :k, :]
    return (_mm(p, l), u) if permute_l else (p, l, u)


@eager(static_argnames=("overwrite_a", "lwork", "mode", "pivoting", "check_finite"))
def qr(a, overwrite_a=False, lwork=None, mode="full", pivoting=False, check_finite=True):
    """QR decomposition of (a batch of) [m, n] matrices: (q, r) with q [m, m] (mode 'full')
    or [m, min(m, n)] ('economic'); (r,) for mode 'r'; the column permutation p appended
    with pivoting (a[:, p] = q r)."""
    if mode not in ("full", "economic", "r"):
        raise ValueError(f"qr: unsupported QR decomposition mode {mode!r}; use 'full', "
                         f"'economic' or 'r'")
    a, = _inexact("qr", a)
    q, r, *p = lax_linalg.qr(a, pivoting=pivoting, full_matrices=mode != "economic")
    return (r, *p) if mode == "r" else (q, r, *p)


@eager(static_argnames=("mode", "pivoting", "conjugate", "overwrite_a", "overwrite_c"))
def qr_multiply(a, c, mode="right", pivoting=False, conjugate=False, overwrite_a=False,
                overwrite_c=False):
    """(c q, r) (mode 'right') or (q c, r) ('left') for the economic QR decomposition
    a = q r (q conjugated if `conjugate`), plus the column permutation with pivoting."""
    if mode not in ("right", "left"):
        raise ValueError(f"qr_multiply: mode must be 'right' or 'left', got {mode!r}")
    a, c = _inexact("qr_multiply", a, c)
    a_aval, c_aval = get_aval(a), get_aval(c)
    if a_aval.ndim < 2:
        raise ValueError(f"qr_multiply: a must be at least two-dimensional, got shape "
                         f"{a_aval.shape}")
    m, n = a_aval.shape[-2:]
    vector = c_aval.ndim == 1
    if vector:
        c = c[:, None] if mode == "left" else c[None, :]
    need, axis = (min(m, n), "rows") if mode == "left" else (m, "columns")
    if get_aval(c).shape[-2 if mode == "left" else -1] != need:
        raise ValueError(f"qr_multiply: c of shape {c_aval.shape} does not fit a of shape "
                         f"{a_aval.shape}: mode {mode!r} needs c with {need} {axis}")
    a, c = _broadcast_batch(a, c, 2)
    q, r, *p = lax_linalg.qr(a, pivoting=pivoting, full_matrices=False)
    q = jnp.conj(q) if conjugate else q
    cq = _mm(q, c) if mode == "left" else _mm(c, q)
    return (cq.ravel() if vector else cq, r, *p)


@eager(static_argnames=("full_matrices", "compute_uv", "overwrite_a", "check_finite",
                        "lapack_driver"))
def svd(a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True,
        lapack_driver="gesdd"):
    """Singular value decomposition a = u diag(s) vh of (a batch of) matrices: (u, s, vh),
    s decreasing; only s when not compute_uv. lapack_driver is ignored, as in JAX."""
    a, = _inexact("svd", a)
    return lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)


@eager(static_argnames=("lower", "eigvals_only", "overwrite_a", "overwrite_b", "turbo",
                        "eigvals", "type", "check_finite"))
def eigh(a, b=None, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False,
         turbo=True, eigvals=None, type=1, check_finite=True):  # noqa: A002 (SciPy's name)
    """Eigenvalues (ascending) and eigenvectors (columns) of (a batch of) Hermitian
    matrices, as (w, v), or w with eigvals_only. As in JAX, only b=None, type=1 and
    eigvals=None are implemented."""
    if b is not None:
        raise NotImplementedError("eigh: only the b=None case of eigh is implemented")
    if type != 1:
        raise NotImplementedError("eigh: only the type=1 case of eigh is implemented")
    if eigvals is not None:
        raise NotImplementedError("eigh: only the eigvals=None case of eigh is implemented; "
                                  "use xlafront.lax.linalg.eigh(..., subset_by_index=...)")
    a, = _inexact("eigh", a)
    _square("eigh", get_aval(a))
    v, w = lax_linalg.eigh(a, lower=lower)
    return w if eigvals_only else (w, v)


@eager(static_argnames="output")
def schur(a, output="real"):
    """Schur decomposition a = z t z^H: (t, z), t upper triangular (quasi-triangular with
    2 x 2 blocks for real a and output 'real'), z unitary. CPU only, as in JAX."""
    if output not in ("real", "complex"):
        raise ValueError(f"schur: expected 'output' to be either 'real' or 'complex', got "
                         f"output={output!r}")
    a, = _inexact("schur", a)
    _square("schur", get_aval(a))
    if output == "complex":
        a = a.astype(lax_linalg._complex_dtype(get_aval(a).dtype))
    return tuple(lax_linalg.schur(a))


@eager(static_argnames=("calc_q", "overwrite_a", "check_finite"))
def hessenberg(a, *, calc_q=False, overwrite_a=False, check_finite=True):
    """The upper Hessenberg form h = q^H a q of (a batch of) square matrices: h, or (h, q)
    with calc_q."""
    a, = _inexact("hessenberg", a)
    aval = get_aval(a)
    _square("hessenberg", aval)
    n = aval.shape[-1]
    if n == 0:
        return (a, a) if calc_q else a
    a_out, taus = lax_linalg.hessenberg(a)
    h = jnp.triu(a_out, -1)
    if not calc_q:
        return h
    q = lax_linalg.householder_product(a_out[..., 1:, :-1], taus)
    q = jnp.pad(q, [(0, 0)] * (aval.ndim - 2) + [(1, 0), (1, 0)])  # q = diag(1, q')
    return h, q.at[..., 0, 0].set(1)


# ---------------------------------------------------------------------------------------
# solving, inverting, determinants

def det(a, overwrite_a=False, check_finite=True):
    """The determinant of (a batch of) square matrices."""
    return jnp_linalg.det(a)


def inv(a, overwrite_a=False, check_finite=True):
    """The inverse of (a batch of) square matrices; inf or NaN where singular."""
    return jnp_linalg.inv(a)


def _pos_solve_impl(lower, a, b):
    return _cho_solve_matrices(cholesky(a, lower=lower), b, lower)


_pos_solve = custom_jvp(_pos_solve_impl, nondiff_argnums=(0,))


@_pos_solve.defjvp
def _pos_solve_jvp(lower, primals, tangents):
    # d(a^-1 b) = a^-1 (db - da x), reusing the factorization (JAX's custom_linear_solve)
    (a, b), (a_dot, b_dot) = primals, tangents
    c = cholesky(a, lower=lower)
    x = _cho_solve_matrices(c, b, lower)
    return x, _cho_solve_matrices(c, b_dot - _mm(a_dot, x), lower)


@eager(static_argnames=("lower", "overwrite_a", "overwrite_b", "debug", "check_finite",
                        "assume_a"))
def solve(a, b, lower=False, overwrite_a=False, overwrite_b=False, debug=False,
          check_finite=True, assume_a="gen"):
    """x with a x = b. assume_a 'gen', 'sym' and 'her' solve by LU (as jnp.linalg.solve);
    'pos' by Cholesky, reading only the triangle `lower` says."""
    if assume_a not in ("gen", "sym", "her", "pos"):
        raise ValueError(f"solve: expected assume_a to be one of ['gen', 'sym', 'her', "
                         f"'pos']; got {assume_a!r}")
    if assume_a != "pos":
        return jnp_linalg.solve(a, b)
    a, b = _inexact("solve", a, b)
    a_aval, b_aval = get_aval(a), get_aval(b)
    if not (a_aval.ndim >= 2 and b_aval.ndim in (a_aval.ndim, a_aval.ndim - 1) and
            a_aval.shape[-1] == a_aval.shape[-2] == b_aval.shape[a_aval.ndim - 2]):
        raise ValueError(f"solve: the arguments must have shapes a=[..., m, m] and "
                         f"b=[..., m, k] or b=[..., m]; got a={a_aval.shape} and "
                         f"b={b_aval.shape}")
    vector = b_aval.ndim == a_aval.ndim - 1
    a, b = _broadcast_batch(a, b[..., None] if vector else b, 2)
    return _unvector(_pos_solve(bool(lower), a, b), vector)


_TRANS = {0: (False, False), "N": (False, False), 1: (True, False), "T": (True, False),
          2: (True, True), "C": (True, True)}


@eager(static_argnames=("trans", "lower", "unit_diagonal", "overwrite_b", "debug",
                        "check_finite"))
def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     debug=None, check_finite=True):
    """x with op(a) x = b for triangular a (only the triangle `lower` says is read; its
    diagonal taken as ones with unit_diagonal); op is trans: 0 or 'N' a, 1 or 'T' a^T,
    2 or 'C' a^H."""
    if not isinstance(trans, (int, str)) or trans not in _TRANS:
        raise ValueError(f"solve_triangular: invalid 'trans' value {trans!r}; use 0, 1, 2, "
                         f"'N', 'T' or 'C'")
    transpose_a, conjugate_a = _TRANS[trans]
    a, b = _inexact("solve_triangular", a, b)
    a, b, vector = _rhs("solve_triangular", a, b)
    x = lax_linalg.triangular_solve(a, b, left_side=True, lower=lower, transpose_a=transpose_a,
                                    conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)
    return _unvector(x, vector)


def _sylvester_triangular(r, s, f):
    """y with r y + y s = f for r upper and s lower triangular: one triangular solve per
    column of y, last column first."""
    m, n = get_aval(f).shape
    eye = jnp.eye(m, dtype=get_aval(f).dtype)

    def column(y, j):
        rhs = f[:, j] - _mm(y, s[:, j])  # the columns of y after j are already known
        yj = lax_linalg.triangular_solve(r + s[j, j] * eye, rhs, left_side=True)
        return y.at[:, j].set(yj), None

    return lax.scan(column, jnp.zeros_like(f), jnp.arange(n - 1, -1, -1))[0]


def _sylvester_2d(a, b, c, method, tol):
    if method == "schur":
        r, u = schur(a, output="complex")
        s, v = schur(_H(b), output="complex")
        y = _sylvester_triangular(r, _H(s), _mm(_mm(_H(u), c.astype(r.dtype)), v))
        x = _mm(_mm(u, y), _H(v))
    else:
        ra, ua = jnp_linalg.eig(a)
        rb, ub = jnp_linalg.eig(b)
        y = jnp_linalg.solve(ua, _mm(c.astype(ra.dtype), ub)) / (ra[:, None] + rb[None, :])
        x = _mm(_mm(ua, y), jnp_linalg.inv(ub))
    x = x if dtypes.kind(get_aval(c).dtype) == "c" else jnp.real(x)
    singular = jnp.any(jnp.abs(jnp_linalg.eigvals(a)[:, None] + jnp_linalg.eigvals(b)[None, :])
                       < tol)
    return jnp.where(singular, np.nan, x)


@eager(static_argnames="method")
def solve_sylvester(A, B, C, *, method="schur", tol=1e-8):  # noqa: N803 (SciPy's names)
    """X with A X + X B = C (batched); NaN where A and -B share an eigenvalue (within tol).
    method 'schur' (Bartels-Stewart) or 'eigen' (diagonalizing A and B). CPU only."""
    if method not in ("schur", "eigen"):
        raise ValueError(f"solve_sylvester: unrecognized method {method!r}; the two valid "
                         f"methods are 'schur' and 'eigen'")
    A, B, C = _inexact("solve_sylvester", A, B, C)
    shapes = [get_aval(x).shape for x in (A, B, C)]
    m, n = shapes[2][-2:] if len(shapes[2]) >= 2 else (None, None)
    if m is None or shapes[0][-2:] != (m, m) or shapes[1][-2:] != (n, n):
        raise ValueError(f"solve_sylvester: incompatible shapes A {shapes[0]}, B {shapes[1]}, "
                         f"C {shapes[2]}: need A [..., m, m], B [..., n, n], C [..., m, n]")
    return jnp.vectorize(lambda a, b, c: _sylvester_2d(a, b, c, method, tol),
                         signature="(m,m),(n,n),(m,n)->(m,n)")(A, B, C)


# ---------------------------------------------------------------------------------------
# matrix functions: expm (Pade approximation with scaling and squaring, as JAX), its
# Frechet derivative, sqrtm, funm, polar

_PADE = [(120., 60., 12., 1.),
         (30240., 15120., 3360., 420., 30., 1.),
         (17297280., 8648640., 1995840., 277200., 25200., 1512., 56., 1.),
         (17643225600., 8821612800., 2075673600., 302702400., 30270240., 2162160., 110880.,
          3960., 90., 1.),
         (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
          129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
          40840800., 960960., 16380., 182., 1.)]
# (the largest 1-norm each degree is accurate for, the norm scaling brings the matrix to)
_PADE_BOUNDS = {"f": ((0.4258730016922831, 1.880152677804762), 3.92572478313866),
                "d": ((0.01495585217958292, 0.253939833006323, 0.9504178996162932,
                       2.097847961257068), 5.371920351148152)}


def _pade(b):
    """(u, v) for the Pade approximant of degree len(b) - 1: exp(a) ~ (v - u)^-1 (v + u)."""
    def approximant(a):
        powers = [jnp.eye(get_aval(a).shape[-1], dtype=get_aval(a).dtype), _mm(a, a)]
        while len(powers) < (4 if len(b) == 14 else len(b) // 2):
            powers.append(_mm(powers[-1], powers[1]))
        odd = sum(b[2 * i + 1] * p for i, p in enumerate(powers))
        even = sum(b[2 * i] * p for i, p in enumerate(powers))
        if len(b) == 14:  # degree 13: a^8 ... a^12 through one more product with a^6
            a2, a4, a6 = powers[1:]
            odd = odd + _mm(a6, b[13] * a6 + b[11] * a4 + b[9] * a2)
            even = even + _mm(a6, b[12] * a6 + b[10] * a4 + b[8] * a2)
        return _mm(a, odd), even
    return approximant


def _expm_2d(a, upper_triangular, max_squarings):
    dtype = get_aval(a).dtype
    kind = "d" if dtype in (np.float64, np.complex128) else "f"
    conds, maxnorm = _PADE_BOUNDS[kind]
    norm = jnp_linalg.norm(a, 1)
    n_squarings = jnp.maximum(0, jnp.floor(jnp.log2(norm / maxnorm)))
    a = a / (2 ** n_squarings).astype(dtype)
    index = jnp.digitize(norm, jnp.array(conds, get_aval(norm).dtype))
    u, v = lax.switch(index, [_pade(b) for b in _PADE[:len(conds) + 1]], a)
    p, q = u + v, v - u

    def compute(p, q):
        r = solve_triangular(q, p) if upper_triangular else jnp_linalg.solve(q, p)

        def square(r, i):
            return lax.cond(i < n_squarings, lambda r: _mm(r, r), lambda r: r, r), None

        return lax.scan(square, r, jnp.arange(max_squarings, dtype=get_aval(norm).dtype))[0]

    return lax.cond(n_squarings > max_squarings, lambda p, q: jnp.full_like(p, np.nan),
                    compute, p, q)


@eager(static_argnames=("upper_triangular", "max_squarings"))
def expm(A, *, upper_triangular=False, max_squarings=16):  # noqa: N803 (SciPy's name)
    """The matrix exponential of (a batch of) square matrices, by Pade approximation with
    scaling and squaring; NaN where more than max_squarings squarings would be needed.
    upper_triangular says A is upper triangular (a cheaper solve)."""
    A, = _inexact("expm", A)
    aval = get_aval(A)
    if aval.ndim < 2 or aval.shape[-1] != aval.shape[-2]:
        raise ValueError(f"expm: expected A to be a (batched) square matrix, got "
                         f"A.shape={aval.shape}")
    if aval.dtype not in (np.float32, np.float64, np.complex64, np.complex128):
        raise TypeError(f"expm: A.dtype={aval.dtype} is not supported; use float32, float64, "
                        f"complex64 or complex128")
    return jnp.vectorize(lambda a: _expm_2d(a, upper_triangular, max_squarings),
                         signature="(n,n)->(n,n)")(A)


@eager(static_argnames=("method", "compute_expm"))
def expm_frechet(A, E, *, method=None, compute_expm=True):  # noqa: N803 (SciPy's names)
    """The Frechet derivative of expm at A in the direction E (the jvp of expm), as
    (expm(A), derivative), or the derivative alone when not compute_expm. `method` is
    ignored, as in JAX."""
    A, E = _inexact("expm_frechet", A, E)
    a_shape, e_shape = get_aval(A).shape, get_aval(E).shape
    if len(a_shape) < 2 or a_shape[-1] != a_shape[-2] or a_shape != e_shape:
        raise ValueError(f"expm_frechet: expected A and E to be (batched) square matrices of "
                         f"the same shape, got A.shape={a_shape} E.shape={e_shape}")
    expm_a, derivative = jvp(expm, (A,), (E,))
    return (expm_a, derivative) if compute_expm else derivative


def _sqrtm_triangular(t):
    """The upper triangular square root u of upper triangular t (u u = t), column by
    column, each from the bottom up (Bjorck and Hammarling)."""
    n = get_aval(t).shape[-1]
    diag = jnp.sqrt(jnp.diagonal(t))
    index = jnp.arange(n)

    def entry(step, u):
        j, i = step // n, step // n - 1 - step % n  # i from j - 1 down to 0 (skip i < 0)
        between = (index > i) & (index < j)
        s = jnp.sum(jnp.where(between, u[i, :] * u[:, j], 0))
        value = jnp.where(t[i, j] == s, 0, (t[i, j] - s) / (diag[i] + diag[j]))
        return jnp.where(i >= 0, u.at[i, j].set(value), u)

    return lax.fori_loop(0, n * n, entry, jnp.diag(diag))


@eager(static_argnames="blocksize")
def sqrtm(A, blocksize=1):  # noqa: N803 (SciPy's name)
    """The principal square root of (a batch of) square matrices, through the complex
    Schur form (always complex, as in JAX). CPU only; blocksize 1 only."""
    if blocksize > 1:
        raise NotImplementedError("sqrtm: the blocked version (blocksize > 1) is not "
                                  "implemented")
    A, = _inexact("sqrtm", A)
    _square("sqrtm", get_aval(A))
    t, z = schur(A, output="complex")
    return _mm(_mm(z, jnp.vectorize(_sqrtm_triangular, signature="(n,n)->(n,n)")(t)), _H(z))


def _rsf2csf_2d(t, z):
    n = get_aval(t).shape[-1]
    if n == 1:
        return t, z
    eps = dtypes.finfo(get_aval(t).dtype).eps
    index = jnp.arange(n)

    def rotate(m, t, z):
        # the Givens rotation making t[m, m - 1] zero, applied to rows and columns m - 1, m
        mu = jnp_linalg.eigvals(lax.dynamic_slice(t, (m - 1, m - 1), (2, 2))) - t[m, m]
        r = jnp_linalg.norm(jnp.stack([mu[0], t[m, m - 1]])).astype(get_aval(t).dtype)
        c, s = mu[0] / r, t[m, m - 1] / r
        g = jnp.stack([jnp.stack([c.conj(), s]), jnp.stack([-s, c])])
        rows = lax.dynamic_slice(t, (m - 1, 0), (2, n))
        rows = jnp.where(index >= m - 1, _mm(g, rows), rows)
        t = lax.dynamic_update_slice(t, rows, (m - 1, 0))
        cols = lax.dynamic_slice(t, (0, m - 1), (n, 2))
        cols = jnp.where(index[:, None] < m + 1, _mm(cols, _H(g)), cols)
        t = lax.dynamic_update_slice(t, cols, (0, m - 1))
        zc = _mm(lax.dynamic_slice(z, (0, m - 1), (n, 2)), _H(g))
        return t, lax.dynamic_update_slice(z, zc, (0, m - 1))

    def step(i, tz):
        m, (t, z) = n - i, tz
        big = jnp.abs(t[m, m - 1]) > eps * (jnp.abs(t[m - 1, m - 1]) + jnp.abs(t[m, m]))
        t, z = lax.cond(big, rotate, lambda m, t, z: (t, z), m, t, z)
        return t.at[m, m - 1].set(0), z

    return lax.fori_loop(1, n, step, (t, z))


@eager(static_argnames="check_finite")
def rsf2csf(T, Z, check_finite=True):  # noqa: N803 (SciPy's names)
    """The complex Schur form (t, z) from the real one (T, Z) of schur(a): t upper
    triangular, a = z t z^H (batched)."""
    T, Z = _inexact("rsf2csf", T, Z)
    for name, x in (("T", T), ("Z", Z)):
        _square(f"rsf2csf ({name})", get_aval(x))
    if get_aval(T).shape[-1] != get_aval(Z).shape[-1]:
        raise ValueError(f"rsf2csf: T and Z must be the same size, got shapes "
                         f"{get_aval(T).shape} and {get_aval(Z).shape}")
    T, Z = (x.astype(lax_linalg._complex_dtype(get_aval(x).dtype)) for x in (T, Z))
    return jnp.vectorize(_rsf2csf_2d, signature="(n,n),(n,n)->(n,n),(n,n)")(T, Z)


def _funm_triangular(f, t):
    """f(t) for upper triangular t from its diagonal f (Golub and Van Loan's algorithm
    11.1.1, the Parlett recurrence), and the smallest eigenvalue gap met."""
    n = get_aval(t).shape[-1]
    index = jnp.arange(n)

    def inner(i, pfm):
        p, f, minden = pfm
        j = i + p
        between = (index >= i) & (index < j - 1)
        s = t[i - 1, j - 1] * (f[j - 1, j - 1] - f[i - 1, i - 1])
        s = s + (jnp.sum(jnp.where(between, t[i - 1] * f[:, j - 1], 0))
                 - jnp.sum(jnp.where(between, f[i - 1] * t[:, j - 1], 0)))
        den = t[j - 1, j - 1] - t[i - 1, i - 1]
        s = jnp.where(den != 0, s / den, s)
        return p, f.at[i - 1, j - 1].set(s), jnp.minimum(minden, jnp.abs(den))

    def outer(p, fm):
        return lax.fori_loop(1, n - p + 1, inner, (p, *fm))[1:]

    return lax.fori_loop(1, n, outer, (f, jnp.abs(t[0, 0])))


@eager(static_argnames=("func", "disp"))
def funm(A, func, disp=True):  # noqa: N803 (SciPy's name)
    """The matrix function func(A) of a square matrix, func applied to the eigenvalues
    through the complex Schur form (always complex, as in JAX); (F, error estimate) when
    not disp. CPU only."""
    A, = _inexact("funm", A)
    aval = get_aval(A)
    if aval.ndim != 2 or aval.shape[0] != aval.shape[1]:
        raise ValueError(f"funm: expected a square matrix, got shape {aval.shape}")
    t, z = rsf2csf(*schur(A))
    f = jnp.diag(jnp.asarray(func(jnp.diagonal(t))).astype(get_aval(t).dtype))
    f, minden = _funm_triangular(f, t)
    f = _mm(_mm(z, f), _H(z))
    if disp:
        return f
    tol = dtypes.finfo(get_aval(f).dtype).eps
    minden = jnp.where(minden == 0, tol, minden)
    err = jnp.where(jnp.any(jnp.isinf(f)), np.inf, jnp.minimum(1, jnp.maximum(
        tol, (tol / minden) * jnp_linalg.norm(jnp.triu(t, 1), 1))))
    return f, err


def _polar_2d(a, side, method, eps, max_iterations):
    m, n = get_aval(a).shape
    if method == "qdwh":
        if (m >= n) != (side == "right"):
            raise NotImplementedError(f"polar: method='qdwh' only supports m x n matrices with "
                                      f"m >= n for side='right' and m < n for side='left', "
                                      f"got {(m, n)} with side={side!r}")
        unitary, posdef, *_ = lax_linalg.qdwh(a if side == "right" else _H(a), eps=eps,
                                              max_iterations=max_iterations)
        return (unitary, posdef) if side == "right" else (_H(unitary), _H(posdef))
    u, s, vh = lax_linalg.svd(a, full_matrices=False)
    s = s.astype(get_aval(u).dtype)
    posdef = _mm(_H(vh) * s, vh) if side == "right" else _mm(u * s, _H(u))
    return _mm(u, vh), posdef


@eager(static_argnames=("side", "method", "eps", "max_iterations"))
def polar(a, side="right", *, method="qdwh", eps=None, max_iterations=None):
    """The polar decomposition of (a batch of) matrices: (u, p) with a = u p (side
    'right') or p u ('left'), u unitary, p positive semi-definite; by QDWH iteration
    (method 'qdwh': `eps` its tolerance, at most max_iterations steps) or the SVD
    ('svd')."""
    if side not in ("right", "left"):
        raise ValueError(f"polar: the argument `side` must be either 'right' or 'left', got "
                         f"{side!r}")
    if method not in ("qdwh", "svd"):
        raise ValueError(f"polar: unknown polar decomposition method {method!r}; use 'qdwh' "
                         f"or 'svd'")
    a, = _inexact("polar", a)
    if get_aval(a).ndim < 2:
        raise ValueError(f"polar: the input `a` must be at least a 2-D array, got shape "
                         f"{get_aval(a).shape}")
    signature = "(m,n)->(m,n),(n,n)" if side == "right" else "(m,n)->(m,n),(m,m)"
    return jnp.vectorize(lambda x: _polar_2d(x, side, method, eps, max_iterations),
                         signature=signature)(a)


# ---------------------------------------------------------------------------------------
# eigh_tridiagonal: eigenvalues by bisection on Sturm sequences, eigenvectors by inverse
# iteration (as JAX, after TensorFlow's)

def _sturm_counts(alpha, beta_sq, pivmin, alpha0_perturbation, x):
    """The number of eigenvalues of the tridiagonal matrix below each x."""
    q = alpha[0] - x
    count = (q < 0).astype(np.int32)
    q = jnp.where(alpha[0] == x, alpha0_perturbation, q)

    def step(i, qc):
        q, count = qc
        q = alpha[i] - beta_sq[i - 1] / q - x
        small = q <= pivmin
        return jnp.where(small, jnp.minimum(q, -pivmin), q), count + small.astype(np.int32)

    return lax.fori_loop(1, get_aval(alpha).shape[0], step, (q, count))[1]


def _tridiagonal_eigenvectors(alpha, beta, eigvals, key):
    """Inverse iteration from random vectors, vectors of close eigenvalues (clusters)
    orthogonalized against each other."""
    n, k = get_aval(alpha).shape[0], get_aval(eigvals).shape[0]
    dtype = dtypes.result_type(get_aval(alpha).dtype, get_aval(beta).dtype)
    dl, du = jnp.pad(jnp.conj(beta), (1, 0)).astype(dtype), jnp.pad(beta, (0, 1)).astype(dtype)
    gaptol = np.sqrt(dtypes.finfo(get_aval(eigvals).dtype).eps) * jnp.maximum(
        jnp.abs(eigvals[0]), jnp.abs(eigvals[-1]))
    close = eigvals[1:] - eigvals[:-1] < gaptol
    left, right = jnp.pad(close, (1, 0)), jnp.pad(close, (0, 1))
    starts = jnp.nonzero(~left & right, size=k // 2 + 1)[0]
    ends = jnp.nonzero(left & ~right, size=k // 2 + 1)[0] + 1
    num_clusters = jnp.sum(~left & right)
    rows = jnp.arange(k)

    def orthogonalize_cluster(i, v):
        start, end = starts[i], ends[i]
        mask = (rows < end - start).astype(dtype)[:, None]
        block = lax.dynamic_slice(jnp.pad(v, ((0, k), (0, 0))), (start, 0), (k, n)) * mask
        q = jnp_linalg.qr(block.T)[0].T * mask
        update = lax.dynamic_update_slice(jnp.zeros((2 * k, n), dtype), q, (start, 0))[:k]
        return jnp.where(((rows >= start) & (rows < end))[:, None], update, v)

    def iterate(state):
        i, v, norm, _ = state
        v = lax_linalg.tridiagonal_solve(
            jnp.broadcast_to(dl, (k, n)), (alpha[None, :] - eigvals[:, None]).astype(dtype),
            jnp.broadcast_to(du, (k, n)), v[:, :, None], perturb_singular=True)[..., 0]
        new_norm = jnp_linalg.norm(v, axis=-1)
        v = v / new_norm[:, None].astype(dtype)
        return i + 1, lax.fori_loop(0, num_clusters, orthogonalize_cluster, v), new_norm, norm

    def growing(state):  # until 5 steps, or no norm grows by 10% any more
        i, _, norm, old_norm = state
        return (i < 5) & jnp.any(norm >= 1.1 * old_norm)

    real = get_aval(eigvals).dtype
    v = random.normal(key, (k, n), dtype=real).astype(dtype)
    v = v / jnp_linalg.norm(v, axis=-1, keepdims=True).astype(dtype)
    state = (0, v, jnp.ones(k, real), jnp.zeros(k, real))
    return lax.while_loop(growing, iterate, state)[1]


@eager(static_argnames=("eigvals_only", "select", "select_range"))
def eigh_tridiagonal(d, e, *, eigvals_only=False, select="a", select_range=None, tol=None,
                     key=None):
    """Eigenvalues (ascending) and eigenvectors (columns) of the Hermitian tridiagonal
    matrix with diagonal d [n] and off-diagonal e [n - 1]: select 'a' all, 'i' those of
    indices select_range (inclusive). `tol` is the bisection's absolute tolerance; `key`
    seeds the inverse iteration's start vectors (a fixed key when None, as in JAX)."""
    alpha, beta = jnp.asarray(d), jnp.asarray(e)
    dtype = get_aval(alpha).dtype
    if dtype != get_aval(beta).dtype:
        raise TypeError(f"eigh_tridiagonal: diagonal and off-diagonal values must have the "
                        f"same dtype, got {dtype} and {get_aval(beta).dtype}")
    if dtype not in (np.float32, np.float64, np.complex64, np.complex128):
        raise TypeError(f"eigh_tridiagonal: only float32, float64, complex64 and complex128 "
                        f"inputs are supported, got {dtype}")
    n = get_aval(alpha).shape[0]
    if n <= 1:
        return jnp.real(alpha) if eigvals_only else (jnp.real(alpha), jnp.eye(n, dtype=dtype))
    beta_sq = jnp.real(beta * jnp.conj(beta))
    alpha, beta_abs = jnp.real(alpha), jnp.sqrt(beta_sq)
    # Gershgorin bounds of the spectrum
    row_sum = jnp.concatenate([beta_abs[:1], beta_abs[:-1] + beta_abs[1:], beta_abs[-1:]])
    lambda_max, lambda_min = jnp.max(alpha + row_sum), jnp.min(alpha - row_sum)
    t_norm = jnp.maximum(jnp.abs(lambda_min), jnp.abs(lambda_max))
    finfo = np.finfo(get_aval(alpha).dtype)
    safemin = np.maximum(1 / finfo.max, (1 + finfo.eps) * finfo.tiny).astype(finfo.dtype)
    pivmin = safemin * jnp.maximum(1, jnp.max(beta_sq))
    alpha0_perturbation = jnp.square(finfo.eps * beta_abs[0])
    abs_tol = finfo.eps * t_norm
    if tol is not None:
        abs_tol = jnp.maximum(tol, abs_tol)
    if select == "v":
        raise NotImplementedError("eigh_tridiagonal(..., select='v') is not implemented")
    if select not in ("a", "i"):
        raise ValueError(f"eigh_tridiagonal: select must be one of 'a', 'i', 'v', got "
                         f"{select!r}")
    if select == "i" and (select_range is None or select_range[0] > select_range[1]):
        raise ValueError(f"eigh_tridiagonal: select='i' needs select_range=(first, last) "
                         f"with first <= last, got {select_range!r}")
    first, last = (0, n - 1) if select == "a" else select_range
    targets = np.arange(first, last + 1, dtype=np.int32)
    fudge = 2.1
    slack = n * fudge * finfo.eps * t_norm
    lower = jnp.broadcast_to(lambda_min - slack - 2 * fudge * pivmin, targets.shape)
    upper = jnp.broadcast_to(lambda_max + slack + fudge * pivmin, targets.shape)

    def bisect(state):
        i, lower, mid, upper = state
        counts = _sturm_counts(alpha, beta_sq, pivmin, alpha0_perturbation, mid)
        lower = jnp.where(counts <= targets, mid, lower)
        upper = jnp.where(counts > targets, mid, upper)
        return i + 1, lower, 0.5 * (lower + upper), upper

    def unconverged(state):
        i, lower, _, upper = state
        return (i < finfo.nmant + 1) & (abs_tol < jnp.max(upper - lower))

    eigvals = lax.while_loop(unconverged, bisect, (0, lower, 0.5 * (lower + upper), upper))[2]
    if eigvals_only:
        return eigvals
    key = random.key(42) if key is None else key
    return eigvals, _tridiagonal_eigenvectors(alpha, beta, eigvals, key).T


# ---------------------------------------------------------------------------------------
# special matrices

@eager
def block_diag(*arrs):
    """The block-diagonal matrix of the arguments (each at most 2-D), in their common
    dtype; a (1, 0) float array of none."""
    if not arrs:
        return jnp.zeros((1, 0))
    arrs = [jnp.asarray(a) for a in arrs]
    for i, a in enumerate(arrs):
        if get_aval(a).ndim > 2:
            raise ValueError(f"block_diag: arguments must have at most 2 dimensions, got "
                             f"shape {get_aval(a).shape} at argument {i}")
    dtype = jnp.result_type(*arrs)
    arrs = [jnp.atleast_2d(a.astype(dtype)) for a in arrs]
    total = sum(get_aval(a).shape[1] for a in arrs)
    pieces, col = [], 0
    for a in arrs:
        cols = get_aval(a).shape[1]
        pieces.append(jnp.pad(a, ((0, 0), (col, total - col - cols))))
        col += cols
    return jnp.concatenate(pieces, axis=0)


def _take_last(v, index):
    """out[..., i, j] = v[..., index[i, j]] for a static index matrix."""
    return jnp.take(v, np.asarray(index, np.int32), axis=-1)


def _vectors(op, *xs, inexact=False):
    """The arguments as arrays of at least one dimension, of one dtype (inexact if asked),
    their leading dimensions broadcast together."""
    xs, _ = promote_dtypes(op, *[array_like(x) for x in xs],
                           to=dtypes.to_inexact if inexact else None)
    xs = [jnp.atleast_1d(x) for x in xs]
    batch = np.broadcast_shapes(*[get_aval(x).shape[:-1] for x in xs])
    return [jnp.broadcast_to(x, batch + get_aval(x).shape[-1:]) for x in xs]


@eager
def toeplitz(c, r=None):
    """The Toeplitz matrix with first column c and first row r (conj(c) if None; r[0] is
    ignored); batched over leading dimensions."""
    c = jnp.atleast_1d(jnp.asarray(c))
    c, r = _vectors("toeplitz", c, jnp.conj(c) if r is None else r)
    m, n = get_aval(c).shape[-1], get_aval(r).shape[-1]
    elements = jnp.concatenate([jnp.flip(c, -1), r[..., 1:]], axis=-1)
    return _take_last(elements, m - 1 - np.arange(m)[:, None] + np.arange(n))


@eager
def hankel(c, r=None):
    """The Hankel matrix with first column c and last row r (zeros if None; r[0] is
    ignored); batched over leading dimensions."""
    c = jnp.asarray(c)
    r = jnp.zeros_like(c) if r is None else jnp.asarray(r)
    for name, x in (("c", c), ("r", r)):
        if get_aval(x).ndim == 0:
            raise ValueError(f"hankel: {name} must be at least 1-dimensional, got a scalar")
    c, r = _vectors("hankel", c, r)
    m, n = get_aval(c).shape[-1], get_aval(r).shape[-1]
    elements = jnp.concatenate([c, r[..., 1:]], axis=-1)
    return _take_last(elements, np.arange(m)[:, None] + np.arange(n))


@eager
def circulant(c):
    """The circulant matrix with first column c; batched over leading dimensions."""
    c, = _vectors("circulant", c)
    n = get_aval(c).shape[-1]
    return _take_last(c, (np.arange(n)[:, None] - np.arange(n)) % n)


def _with_zero_one(v):
    """v with 0 and 1 put in front of its last axis (index 0 and 1)."""
    zero = jnp.zeros_like(v[..., :1])
    return jnp.concatenate([zero, zero + 1, v], axis=-1)


@eager
def leslie(f, s):
    """The Leslie matrix: fecundities f [n] in the first row, survival rates s [n - 1] on
    the subdiagonal; batched over leading dimensions."""
    f, s = _vectors("leslie", f, s)
    n = get_aval(f).shape[-1]
    if n < 2 or get_aval(s).shape[-1] != n - 1:
        raise ValueError(f"leslie: f needs at least 2 entries along its last axis and s one "
                         f"less; got shapes {get_aval(f).shape} and {get_aval(s).shape}")
    i, j = np.arange(n)[:, None], np.arange(n)
    index = np.where(i == 0, 2 + j, np.where(j == i - 1, 2 + n + j, 0))
    return _take_last(_with_zero_one(jnp.concatenate([f, s], axis=-1)), index)


@eager
def companion(a):
    """The companion matrix of the polynomial with coefficients a [n] (highest first):
    first row -a[1:] / a[0], ones on the subdiagonal; batched over leading dimensions."""
    a, = _vectors("companion", a, inexact=True)
    m = get_aval(a).shape[-1] - 1
    if m < 1:
        raise ValueError(f"companion: the length of `a` along the last axis must be at least "
                         f"2; got shape {get_aval(a).shape}")
    i, j = np.arange(m)[:, None], np.arange(m)
    index = np.where(i == 0, 2 + j, (j == i - 1).astype(int))
    return _take_last(_with_zero_one(-a[..., 1:] / a[..., :1]), index)


@eager
def fiedler(a):
    """The symmetric Fiedler matrix |a[i] - a[j]|; batched over leading dimensions."""
    a = jnp.atleast_1d(jnp.asarray(a))
    return jnp.abs(a[..., :, None] - a[..., None, :])


@eager
def fiedler_companion(a):
    """The Fiedler companion matrix of the polynomial with coefficients a (highest first):
    pentadiagonal, with the eigenvalues of companion(a); batched over leading dimensions."""
    a, = _vectors("fiedler_companion", a, inexact=True)
    n = get_aval(a).shape[-1] - 1
    if n < 0:
        raise ValueError(f"fiedler_companion: the last axis of 'a' must not be empty, got "
                         f"shape {get_aval(a).shape}")
    # entries: 0, 1 or -a[k] / a[0] (index 1 + k of the extended vector)
    i, j = np.arange(n)[:, None], np.arange(n)
    even = i % 2 == 0
    index = np.select([(i == 0) & (j == 0), (i == 1) & (j == 0), even & (j == i + 1),
                       even & (j == i + 2), even & (j == i - 1) & (i >= 2),
                       ~even & (j == i - 2) & (i >= 3)],
                      [2, 1, 1 + np.minimum(i + 2, n), 1, 1 + np.minimum(i + 1, n), 1], 0)
    return _take_last(_with_zero_one(-a[..., 1:] / a[..., :1]), index)


@eager(static_argnames=("n", "mode"))
def convolution_matrix(a, n, mode="full"):
    """The Toeplitz matrix A with A @ v = convolve(a, v, mode) for v of length n (mode
    'full', 'same' or 'valid'); batched over the leading dimensions of a."""
    n = operator.index(n)
    if n <= 0:
        raise ValueError(f"convolution_matrix: n must be a positive integer; got {n}")
    if mode not in ("full", "valid", "same"):
        raise ValueError(f"convolution_matrix: mode must be one of 'full', 'valid', 'same'; "
                         f"got {mode!r}")
    a = jnp.asarray(a)
    if get_aval(a).ndim == 0 or get_aval(a).shape[-1] < 1:
        raise ValueError(f"convolution_matrix: a must have at least one element along its "
                         f"last axis; got shape {get_aval(a).shape}")
    m = get_aval(a).shape[-1]
    widths = [(0, 0)] * (get_aval(a).ndim - 1) + [(0, n - 1)]
    az, raz = jnp.pad(a, widths), jnp.pad(jnp.flip(a, -1), widths)
    trim = min(n, m) - 1
    begin, end = {"full": (0, 0), "valid": (trim, trim),
                  "same": (trim // 2, trim - trim // 2)}[mode]
    length = m + n - 1
    return toeplitz(az[..., begin:length - end], raz[..., length - n - begin:length - begin])


def _comb(n, k):
    """The binomial coefficient n choose k (0 unless 0 <= k <= n) as a float, rounded to
    the integer it is."""
    ok = (k >= 0) & (k <= n)
    n, k = jnp.where(ok, n, 0), jnp.where(ok, k, 0)
    value = jnp.exp(lax.lgamma(n + 1) - lax.lgamma(k + 1) - lax.lgamma(n - k + 1))
    return jnp.where(ok, jnp.round(value), 0)


def _grid(n, dtype=None):
    a = jnp.arange(n, dtype=dtype or dtypes.default_float())
    return a[:, None], a[None, :]


@eager(static_argnames="n")
def hilbert(n):
    """The n x n Hilbert matrix 1 / (i + j + 1), in the default float dtype."""
    i, j = _grid(n)
    return 1 / (i + j + 1)


@eager(static_argnames="n")
def invhilbert(n):
    """The inverse of the n x n Hilbert matrix (integers, in the default float dtype)."""
    i, j = _grid(n)
    s = i + j
    return ((-1.0) ** s * (s + 1) * _comb(n + i, n - j - 1) * _comb(n + j, n - i - 1)
            * _comb(s, i) ** 2)


def _by_kind(op, kind, lower, inverse=False):
    """pascal's `kind` of the lower triangular factor: itself ('lower'), its transpose
    ('upper'), or the symmetric product of the two (None or 'symmetric')."""
    if kind in (None, "symmetric"):
        return _mm(lower.T, lower) if inverse else _mm(lower, lower.T)
    if kind not in ("lower", "upper"):
        raise ValueError(f"{op}: expected kind to be one of ['symmetric', 'lower', 'upper']; "
                         f"got {kind!r}")
    return lower if kind == "lower" else lower.T


@eager(static_argnames=("n", "kind"))
def pascal(n, kind=None):
    """The n x n Pascal matrix of binomial coefficients: kind 'symmetric' (default),
    'lower' or 'upper'; float32, as in JAX."""
    i, j = _grid(n, np.float32)
    return _by_kind("pascal", kind, _comb(i, j))


@eager(static_argnames=("n", "kind"))
def invpascal(n, kind=None):
    """The inverse of pascal(n, kind), in the default float dtype."""
    i, j = _grid(n)
    return _by_kind("invpascal", kind, (-1.0) ** (i - j) * _comb(i, j), inverse=True)


@eager(static_argnames=("n", "full"))
def helmert(n, full=False):
    """The (n - 1) x n Helmert matrix (n x n with the row 1/sqrt(n) first when full), in
    the default float dtype."""
    if n < 1:
        raise ValueError(f"helmert: n must be a positive integer; got {n}")
    i, j = _grid(n)
    k = i[:n - 1] + 1
    denom = jnp.sqrt(k * (k + 1))
    h = jnp.where(j < k, 1 / denom, jnp.where(j == k, -k / denom, 0))
    return jnp.concatenate([jnp.full((1, n), 1 / math.sqrt(n), h.dtype), h]) if full else h


@eager(static_argnames=("n", "dtype"))
def hadamard(n, dtype=int):
    """The n x n Hadamard matrix (Sylvester's construction; n a power of 2), of `dtype`."""
    if n < 1 or not math.log2(n).is_integer():
        raise ValueError(f"hadamard: n must be a positive power of 2; got {n}")
    h = jnp.ones((1, 1), dtype)
    for _ in range(int(math.log2(n))):
        h = jnp.block([[h, h], [h, -h]])
    return h


@eager(static_argnames=("n", "scale", "dtype"))
def dft(n, scale=None, *, dtype=None):
    """The n x n discrete Fourier transform matrix exp(-2 pi i jk / n), divided by sqrt(n)
    (scale 'sqrtn') or n ('n'); complex `dtype` (default complex64, complex128 with x64)."""
    if scale not in (None, "sqrtn", "n"):
        raise ValueError(f"dft: scale must be None, 'sqrtn', or 'n'; got {scale!r}")
    dtype = dtypes.default_complex() if dtype is None else dtypes.check_dtype(dtype, "dft")
    if dtypes.kind(dtype) != "c":
        raise ValueError(f"dft: dtype must be a complex floating-point type; got {dtype}")
    # computed once on the host, with j k mod n exact in integers (precise for large n)
    i, j = np.arange(n)[:, None], np.arange(n)
    omegas = np.exp(-2j * np.pi * (i * j % max(n, 1)) / max(n, 1))
    return jnp.asarray(omegas / {None: 1, "sqrtn": math.sqrt(n), "n": n}[scale], dtype)
