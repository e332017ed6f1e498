"""Linear algebra primitives, as JAX's `jax.lax.linalg`: the factorizations (cholesky, lu,
qr, svd, eigh, eig, schur, tridiagonal, hessenberg, householder_product, ormqr) and the
triangular and tridiagonal solves, each with its rules; cholesky_update, symmetric_product
and the qdwh polar decomposition are compositions of lax operations, as in JAX.

Every operation is batched over leading dimensions. On CPU it lowers to the LAPACK kernel
jaxlib registers with XLA (a typed-FFI custom call such as `lapack_spotrf_ffi`, see
runtime/lapack.py), on GPU to the cuSOLVER / cuSPARSE kernel of the CUDA plugin
(`cusolver_potrf_ffi` ...), with the layouts saying the kernels take column-major
matrices (XLA transposes); the machinery the primitives share (checks, custom calls,
batching, matrix helpers) is in linalg_base.py. As in JAX, a factorization that fails (a matrix that is not
positive definite, an eigensolver that does not converge) gives NaNs for that batch
element, never an exception; a platform without a kernel raises NotImplementedError when
the program is lowered.
"""
import enum

import numpy as np

from .. import dtypes
from ..core import ShapedArray, bind, get_aval
from ..dispatch import eager
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from .base import out, primitive
from .control_flow import fori_loop, scan, while_loop
from .cumulative import cumsum
from .elementwise import (abs_, add, bitwise_and, bitwise_not, complex_, conj,
                          convert_element_type, div, eq, gt, imag, lt, max_, mul, ne, neg, real,
                          rem, rsqrt, select, sqrt, sub)
from .linalg_base import (_H, _INT32, _T, _batched_at_front, _check_matrix, _check_same,
                          _complex_dtype, _const, _custom_call, _diag_matrix, _diagonal,
                          _entry, _eye, _eye_mask, _gpu_target, _i1, _info_ok,
                          _inverse_off_diagonal, _is_complex, _kernel, _linalg_primitive,
                          _masked, _mm, _nan_unless, _pad_last, _real_dtype, _rows_of,
                          _slice_last2, _solve_batcher, _take_rows, _target, _tril, _triu, _u8,
                          _uplo, _zeros, symmetrize)
from .reductions import argmax, reduce_max, reduce_sum
from .shape import (broadcast_in_dim, broadcasted_iota, concatenate, expand_dims, full, reshape,
                    squeeze, transpose)
from .slicing import dynamic_slice, dynamic_update_slice, slice_
from .sorting import sort_key_val

__all__ = ["EigImplementation", "EighImplementation", "SvdAlgorithm", "cholesky",
           "cholesky_p", "cholesky_update", "cholesky_update_p", "eig", "eig_p", "eigh",
           "eigh_p", "hessenberg", "hessenberg_p", "householder_product",
           "householder_product_p", "lu", "lu_p", "lu_pivots_to_permutation",
           "lu_pivots_to_permutation_p", "ormqr", "ormqr_p", "qdwh", "qr", "qr_p", "schur",
           "schur_p", "svd", "svd_p", "symmetric_product", "symmetric_product_p",
           "triangular_solve", "triangular_solve_p", "tridiagonal", "tridiagonal_p",
           "tridiagonal_solve", "tridiagonal_solve_p"]


class EigImplementation(enum.Enum):
    """The nonsymmetric eigensolver: LAPACK (on the host), cuSOLVER or MAGMA (GPU)."""
    CUSOLVER = "cusolver"
    MAGMA = "magma"
    LAPACK = "lapack"


class EighImplementation(enum.Enum):
    """The Hermitian eigensolver: QR (LAPACK/cuSOLVER's syevd), JACOBI (GPU), QDWH (TPU)."""
    QR = "qr"
    JACOBI = "jacobi"
    QDWH = "qdwh"


class SvdAlgorithm(enum.Enum):
    """The SVD algorithm: DEFAULT (divide and conquer on CPU, Jacobi or QR on GPU), QR,
    JACOBI, POLAR, DIVIDE_AND_CONQUER."""
    DEFAULT = "default"
    QR = "QR"
    JACOBI = "Jacobi"
    POLAR = "polar"
    DIVIDE_AND_CONQUER = "divide_and_conquer"


# ---------------------------------------------------------------------------------------
# cholesky: x = L L^H for Hermitian positive-definite x; NaNs where it is not

def _cholesky_abstract(x):
    _check_matrix("cholesky", x, square=True)
    return out(x.shape, x.dtype)


cholesky_p = _linalg_primitive(
    "cholesky", _cholesky_abstract,
    lambda ctx, x: _kernel(ctx, _target(ctx, "potrf"), [x], _uplo(ctx, True), info=True),
    default=lambda ctx, x: [L.hlo.cholesky(x, lower=L.ir.BoolAttr.get(True))])


@eager(static_argnames=("symmetrize_input",))
def cholesky(x, *, symmetrize_input=True):
    """The lower-triangular L with x = L L^H, for a batch of Hermitian positive-definite
    matrices [..., n, n] (symmetrized first unless `symmetrize_input` is False, then only
    the lower triangle is read). NaNs where x is not positive definite."""
    if symmetrize_input:
        x = symmetrize(x)
    return _tril(cholesky_p.bind(x))


def _cholesky_jvp(primals, tangents):
    # Forward mode from https://arxiv.org/pdf/1602.07527.pdf (as JAX):
    # dL = L phi(L^-1 dA L^-H), phi taking the lower triangle with the diagonal halved.
    x, = primals
    sigma_dot, = tangents
    chol = _tril(cholesky_p.bind(x))
    tmp = triangular_solve(chol, sigma_dot, left_side=False, transpose_a=True,
                           conjugate_a=True, lower=True)
    inner = _tril(triangular_solve(chol, tmp, left_side=True, lower=True))
    halved = select(_eye_mask(get_aval(inner).shape), mul(inner, _const(inner, 0.5)), inner)
    return [chol], [_mm(chol, halved)]


ad.primitive_jvps[cholesky_p] = _cholesky_jvp


# ---------------------------------------------------------------------------------------
# triangular_solve: op(a) x = b (left_side) or x op(a) = b, a triangular

def _triangular_solve_abstract(a, b, *, left_side, lower, transpose_a, conjugate_a,
                               unit_diagonal):
    _check_matrix("triangular_solve", a, square=True, what="a")
    _check_matrix("triangular_solve", b, what="b")
    _check_same("triangular_solve", (a, b), ("a", "b"))
    if a.shape[:-2] != b.shape[:-2]:
        raise ValueError(f"triangular_solve: a and b must have the same batch dimensions, "
                         f"got shapes {a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[-2 if left_side else -1]:
        raise ValueError(f"triangular_solve: incompatible shapes a {a.shape} and b {b.shape} "
                         f"(left_side={left_side}): a's size must match b's "
                         f"{'rows' if left_side else 'columns'}")
    return out(b.shape, b.dtype)


def _conj_hlo(x):
    return L.hlo.complex(L.hlo.real(x), L.hlo.negate(L.hlo.imag(x)))


def _triangular_solve_lowering(ctx, a, b, *, left_side, lower, transpose_a, conjugate_a,
                               unit_diagonal):
    if conjugate_a and not transpose_a:  # neither HLO nor trsm conjugates without transposing
        a, conjugate_a = _conj_hlo(a), False
    trans = ("C" if conjugate_a else "T") if transpose_a else "N"
    if ctx.platform == "cpu":
        attrs = {"side": _u8("L" if left_side else "R"), "uplo": _u8("L" if lower else "U"),
                 "trans_x": _u8(trans), "diag": _u8("U" if unit_diagonal else "N")}
        return _kernel(ctx, _target(ctx, "trsm"), [a, b], attrs, aliases=[(1, 0)])
    kind = {"N": "NO_TRANSPOSE", "T": "TRANSPOSE", "C": "ADJOINT"}[trans]
    return [L.hlo.triangular_solve(a, b, L.ir.BoolAttr.get(left_side),
                                   L.ir.BoolAttr.get(lower), L.ir.BoolAttr.get(unit_diagonal),
                                   L.hlo.TransposeAttr.get(kind))]


triangular_solve_p = _linalg_primitive("triangular_solve", _triangular_solve_abstract,
                                       default=_triangular_solve_lowering,
                                       batcher=_solve_batcher)


@eager(static_argnames=("left_side", "lower", "transpose_a", "conjugate_a", "unit_diagonal"))
def triangular_solve(a, b, *, left_side=False, lower=False, transpose_a=False,
                     conjugate_a=False, unit_diagonal=False):
    """x with op(a) x = b (left_side) or x op(a) = b for triangular a [..., m, m] (only the
    triangle `lower` says is read), b [..., m, n] (left) or [..., n, m], or a batch of vectors;
    op(a) is a, its transpose (transpose_a), conjugate (conjugate_a) or both."""
    a_aval, b_aval = get_aval(a), get_aval(b)
    conjugate_a = bool(conjugate_a) and dtypes.kind(a_aval.dtype) == "c"
    vector = b_aval.ndim == a_aval.ndim - 1
    if vector:
        b = expand_dims(b, (-1 if left_side else -2,))
    x = bind(triangular_solve_p, a, b, left_side=bool(left_side), lower=bool(lower),
             transpose_a=bool(transpose_a), conjugate_a=conjugate_a,
             unit_diagonal=bool(unit_diagonal))
    return squeeze(x, (-1 if left_side else -2,)) if vector else x


def _triangular_solve_jvp_a(g_a, ans, a, b, *, left_side, lower, transpose_a, conjugate_a,
                            unit_diagonal):
    # d(op(a)^-1 b) = -op(a)^-1 op(da) x (left), ordered as the cheaper product (as JAX)
    m, n = get_aval(b).shape[-2:]
    k = 1 if unit_diagonal else 0
    g_a = neg(_tril(g_a, -k) if lower else _triu(g_a, k))
    g_a = _T(g_a) if transpose_a else g_a
    g_a = conj(g_a) if conjugate_a else g_a
    params = dict(left_side=left_side, lower=lower, transpose_a=transpose_a,
                  conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)

    def a_inverse(rhs):
        return triangular_solve_p.bind(a, rhs, **params)

    if left_side:
        return a_inverse(_mm(g_a, ans)) if m > n else _mm(a_inverse(g_a), ans)
    return a_inverse(_mm(ans, g_a)) if m < n else _mm(ans, a_inverse(g_a))


def _triangular_solve_transpose(ct, a, b, *, transpose_a, **params):
    # linear in b only: the transpose of b -> op(a)^-1 b is ct -> op(a)^-T ct
    if ad.is_undefined(a):
        raise NotImplementedError("triangular_solve is not linear in a")
    return [None, triangular_solve_p.bind(a, ct, transpose_a=not transpose_a, **params)]


ad.defjvp2(triangular_solve_p, _triangular_solve_jvp_a,
           lambda g_b, ans, a, b, **params: triangular_solve_p.bind(a, g_b, **params))
ad.primitive_transposes[triangular_solve_p] = _triangular_solve_transpose


# ---------------------------------------------------------------------------------------
# lu_pivots_to_permutation: LAPACK's row swaps as a permutation

def _pivots_abstract(pivots, *, permutation_size):
    if pivots.dtype != _INT32 or pivots.ndim < 1:
        raise TypeError(f"lu_pivots_to_permutation: pivots must be an int32 array of shape "
                        f"[..., k], got {pivots.str_short()}")
    if permutation_size < pivots.shape[-1]:
        raise ValueError(f"lu_pivots_to_permutation: permutation_size {permutation_size} must "
                         f"be at least the number of pivots {pivots.shape[-1]}")
    return out(pivots.shape[:-1] + (permutation_size,), _INT32)


def _pivots_to_permutation(pivots, *, permutation_size):
    """The swaps applied in order to the identity permutation: step i exchanges entries i
    and pivots[..., i] (per batch element, with masks: the indices differ between them)."""
    shape = get_aval(pivots).shape
    batch, k, nb = shape[:-1], shape[-1], len(shape) - 1
    iota = broadcasted_iota(_INT32, batch + (permutation_size,), nb)
    if permutation_size == 0 or k == 0:
        return iota

    full_shape = get_aval(iota).shape

    def body(i, perm):
        at_i = eq(iota, broadcast_in_dim(i, full_shape, ()))
        at_j = eq(iota, _entry(pivots, i, permutation_size))
        y = reduce_sum(select(at_j, perm, _zeros(full_shape, _INT32)), (nb,))  # perm[j]
        swapped = select(at_i, broadcast_in_dim(y, full_shape, tuple(range(nb))), perm)
        return select(at_j, _entry(perm, i, permutation_size), swapped)
    return fori_loop(np.int32(0), np.int32(k), body, iota)


def _pivots_gpu(ctx, pivots, *, permutation_size):
    return _kernel(ctx, _gpu_target("cu_lu_pivots_to_permutation"), [pivots], aliases=(),
                   column_major=False)


lu_pivots_to_permutation_p = _linalg_primitive(
    "lu_pivots_to_permutation", _pivots_abstract, _pivots_gpu, platforms=("gpu",),
    default=L.lower_fun(_pivots_to_permutation))
ad.defzero(lu_pivots_to_permutation_p)


def lu_pivots_to_permutation(pivots, permutation_size):
    """The permutation (int32 [..., permutation_size]) that the row swaps `pivots` (int32
    [..., k], as lu returns them) apply: row i exchanged with row pivots[i], in order."""
    return bind(lu_pivots_to_permutation_p, pivots, permutation_size=int(permutation_size))


# ---------------------------------------------------------------------------------------
# lu: P a = L U with partial pivoting

def _lu_abstract(x):
    batch, m, n = _check_matrix("lu", x)
    return [ShapedArray(x.shape, x.dtype), ShapedArray(batch + (min(m, n),), _INT32),
            ShapedArray(batch + (m,), _INT32)]


def _lu_kernel(ctx, x):
    aval, = ctx.avals_in
    lu_aval, pivots_aval, perm_aval = ctx.avals_out
    batch = aval.shape[:-2]
    lu_, pivots, info = _custom_call(_target(ctx, "getrf"), [x], [aval],
                                     [lu_aval, pivots_aval, ShapedArray(batch, _INT32)],
                                     aliases=[(0, 0)])
    pivots = L.hlo.subtract(pivots, L.full_like_aval(1, pivots_aval))  # 1- to 0-based
    # info > 0 only says U is singular (the factorization is still right)
    lu_ = _nan_unless(_info_ok(info, batch, "GE"), lu_, lu_aval)
    perm_rule = L.lowering_rule(lu_pivots_to_permutation_p, ctx.platform)
    perm, = perm_rule(L.LoweringContext(ctx.module_context, [pivots_aval], [perm_aval]), pivots,
                      permutation_size=aval.shape[-2])
    return [lu_, pivots, perm]


lu_p = _linalg_primitive("lu", _lu_abstract, _lu_kernel, multiple_results=True)


def lu(x):
    """LU decomposition with partial pivoting of a batch of matrices [..., m, n]: [lu, pivots,
    permutation] with x[permutation] = L U, L (unit diagonal, not stored) below the diagonal
    of lu and U on and above it; pivots (int32 [..., min(m, n)]) are LAPACK's row swaps."""
    return list(bind(lu_p, x))


def _lu_jvp(primals, tangents):
    # De Hoog, Anderssen, Lukas: L' = L tril(L^-1 A' U^-1, -1), U' = triu(L^-1 A' U^-1) U
    a, = primals
    a_dot, = tangents
    lu_, pivots, perm = lu_p.bind(a)
    shape, dtype = get_aval(a).shape, get_aval(a).dtype
    batch, (m, n), k = shape[:-2], shape[-2:], min(shape[-2:])
    # L [m, m] (unit diagonal) and U [n, n] (the identity below row k) from lu_ [m, n]
    l = add(_pad_last(_tril(lu_, -1), (0, m - n, 0)), _eye(batch + (m, m), dtype))
    u = add(_pad_last(_triu(lu_), (0, n - m, 0), (0, 0, 0)),
            _pad_last(_eye(batch + (n - k, n - k), dtype), (k, 0, 0), (k, 0, 0)))
    la = triangular_solve(l, _take_rows(a_dot, perm), left_side=True, lower=True,
                          unit_diagonal=True)
    lau = triangular_solve(u, la, left_side=False, lower=False)
    lu_dot = add(_mm(l, _tril(lau, -1)), _mm(_triu(lau), u))
    return [lu_, pivots, perm], [lu_dot, ad.Zero.like(pivots), ad.Zero.like(perm)]


ad.primitive_jvps[lu_p] = _lu_jvp


def _lu_solve(lu_, perm, b, trans=0):
    """x with a x = b (trans 0), a^T x = b (1) or a^H x = b (2), from lu(a): lu_ [..., m, m],
    perm [..., m] and b [..., m, k] with the same leading dimensions."""
    if trans == 0:
        x = triangular_solve(lu_, _take_rows(b, perm), left_side=True, lower=True,
                             unit_diagonal=True)
        return triangular_solve(lu_, x, left_side=True, lower=False)
    conjugate = trans == 2
    x = triangular_solve(lu_, b, left_side=True, lower=False, transpose_a=True,
                         conjugate_a=conjugate)
    x = triangular_solve(lu_, x, left_side=True, lower=True, unit_diagonal=True,
                         transpose_a=True, conjugate_a=conjugate)
    perm_shape = get_aval(perm).shape
    _, inverse = sort_key_val(perm, broadcasted_iota(_INT32, perm_shape, len(perm_shape) - 1))
    return _take_rows(x, inverse)


def _solve(a, b):
    """a^-1 b for square a [..., m, m] and b [..., m, k] of the same leading dimensions."""
    lu_, _, perm = lu(a)
    return _lu_solve(lu_, perm, b)


# ---------------------------------------------------------------------------------------
# geqrf, geqp3 and householder_product: the QR factorization in LAPACK's form (Householder
# reflectors below the diagonal, their scales in taus), and Q from it

def _geqrf_abstract(a):
    batch, m, n = _check_matrix("geqrf", a)
    return [ShapedArray(a.shape, a.dtype), ShapedArray(batch + (min(m, n),), a.dtype)]


geqrf_p = _linalg_primitive("geqrf", _geqrf_abstract,
                            lambda ctx, a: _kernel(ctx, _target(ctx, "geqrf"), [a]),
                            multiple_results=True)


def geqrf(a):
    """LAPACK's QR factorization of a batch of matrices [..., m, n]: (a_out, taus), R on and
    above the diagonal of a_out, Householder reflectors below it with scales taus
    [..., min(m, n)]."""
    return tuple(bind(geqrf_p, a))


def _geqp3_abstract(a, jpvt, *, use_magma):
    batch, m, n = _check_matrix("geqp3", a)
    if jpvt.dtype != _INT32 or jpvt.shape != batch + (n,):
        raise TypeError(f"geqp3: jpvt must be int32 of shape {batch + (n,)}, got "
                        f"{jpvt.str_short()}")
    return [ShapedArray(a.shape, a.dtype), jpvt, ShapedArray(batch + (min(m, n),), a.dtype)]


def _magma(use_magma):
    """The hybrid kernels' choice of MAGMA: on, off, or (None) when it is installed."""
    return L.ir.StringAttr.get("auto" if use_magma is None else "on" if use_magma else "off")


def _geqp3_kernel(ctx, a, jpvt, *, use_magma):
    if ctx.platform == "cpu":
        return _kernel(ctx, _target(ctx, "geqp3"), [a, jpvt], aliases=[(0, 0), (1, 1)])
    return _kernel(ctx, _gpu_target("cuhybrid_geqp3"), [a, jpvt],
                   {"magma": _magma(use_magma)}, aliases=[(0, 0), (1, 1)])


geqp3_p = _linalg_primitive("geqp3", _geqp3_abstract, _geqp3_kernel, multiple_results=True)


def _householder_product_abstract(a, taus):
    batch, m, n = _check_matrix("householder_product", a, what="a")
    _check_same("householder_product", (a, taus), ("a", "taus"))
    if m < n:
        raise ValueError(f"householder_product: a must have at least as many rows as columns, "
                         f"got shape {a.shape}")
    if taus.shape[:-1] != batch or taus.ndim < 1 or taus.shape[-1] > min(m, n):
        raise ValueError(f"householder_product: taus must have shape [..., k] with the batch "
                         f"dimensions of a {a.shape} and k <= {min(m, n)}, got {taus.shape}")
    return out(a.shape, a.dtype)


householder_product_p = _linalg_primitive(
    "householder_product", _householder_product_abstract,
    lambda ctx, a, taus: _kernel(ctx, _target(ctx, "orgqr", "ungqr"), [a, taus]))


def householder_product(a, taus):
    """The product of the elementary Householder reflectors stored below the diagonal of a
    [..., m, n] (m >= n) with scales taus [..., k]: an [..., m, n] matrix with orthonormal
    columns (Q of a QR factorization, see geqrf)."""
    return bind(householder_product_p, a, taus)


# ---------------------------------------------------------------------------------------
# qr: a = Q R (and with pivoting, a[:, p] = Q R)

def _qr_abstract(x, *, pivoting, full_matrices, use_magma):
    batch, m, n = _check_matrix("qr", x)
    k = m if full_matrices else min(m, n)
    avals = [ShapedArray(batch + (m, k), x.dtype), ShapedArray(batch + (k, n), x.dtype)]
    return avals + [ShapedArray(batch + (n,), _INT32)] if pivoting else avals


def _qr_impl(a, *, pivoting, full_matrices, use_magma):
    """Q and R from geqrf (geqp3 with pivoting) and householder_product."""
    shape = get_aval(a).shape
    batch, (m, n), dtype = shape[:-2], shape[-2:], get_aval(a).dtype
    k = m if full_matrices else min(m, n)
    if m == 0 or n == 0:
        outs = [_eye(batch + (m, k), dtype), _zeros(batch + (k, n), dtype)]
        return outs + [_zeros(batch + (n,), _INT32)] if pivoting else outs
    if pivoting:
        r, p, taus = geqp3_p.bind(a, _zeros(batch + (n,), _INT32), use_magma=use_magma)
        p = sub(p, np.int32(1))  # geqp3's 1-based column indices
    else:
        r, taus = geqrf_p.bind(a)
    if m < n or full_matrices:  # the reflectors in m columns (cropped or zero-padded)
        q = householder_product(_pad_last(r, (0, m - n, 0)), taus)
    else:
        q = householder_product(r, taus)
        r = _slice_last2(r, (0, n), (0, n))
    r = _triu(r)
    return [q, r, p] if pivoting else [q, r]


qr_p = _linalg_primitive("qr", _qr_abstract, default=L.lower_fun(_qr_impl, True),
                         multiple_results=True)


def qr(x, *, pivoting=False, full_matrices=True, use_magma=None):
    """QR decomposition of a batch of matrices [..., m, n]: (q, r), q [..., m, k] orthonormal,
    r [..., k, n] upper triangular, k = m if full_matrices else min(m, n); with pivoting (CPU,
    GPU), (q, r, p) with x[..., :, p] = q r and r's diagonal decreasing in magnitude."""
    return tuple(bind(qr_p, x, pivoting=bool(pivoting), full_matrices=bool(full_matrices),
                      use_magma=use_magma))


def _thin_qr_jvp(q, r, dx):
    """JVP of a = q r for [..., m, n] matrices with m >= n (j-towns.github.io/papers/
    qr-derivative.pdf)."""
    dx_rinv = triangular_solve(r, dx)  # dx r^-1
    qt_dx_rinv = _mm(_H(q), dx_rinv)
    lower = _tril(qt_dx_rinv, -1)
    do = sub(lower, _H(lower))  # skew-symmetric
    if _is_complex(qt_dx_rinv):  # the imaginary part of the diagonal is free: keep it
        imag_part = sub(qt_dx_rinv, convert_element_type(real(qt_dx_rinv),
                                                         get_aval(qt_dx_rinv).dtype))
        do = add(do, mul(_eye(get_aval(do).shape, get_aval(do).dtype), imag_part))
    dq = add(_mm(q, sub(do, qt_dx_rinv)), dx_rinv)
    dr = _mm(sub(qt_dx_rinv, do), r)
    return dq, dr


def _take_columns(x, cols):
    return _T(_take_rows(_T(x), cols))


def _qr_jvp(primals, tangents, *, pivoting, full_matrices, use_magma):
    x, = primals
    dx, = tangents
    outs = qr_p.bind(x, pivoting=pivoting, full_matrices=full_matrices, use_magma=use_magma)
    q, r = outs[:2]
    shape = get_aval(x).shape
    m, n = shape[-2:]
    if pivoting:  # a[:, p] = q r: differentiate that
        x, dx = _take_columns(x, outs[2]), _take_columns(dx, outs[2])
    if m < n:
        # X = [X1 X2] with X1 square: X1 = Q R1 is a square QR; R2 = Q^H X2
        x2, dx1 = _slice_last2(x, (0, m), (m, n)), _slice_last2(dx, (0, m), (0, m))
        dx2, r1 = _slice_last2(dx, (0, m), (m, n)), _slice_last2(r, (0, m), (0, m))
        dq, dr1 = _thin_qr_jvp(q, r1, dx1)
        dr2 = add(_mm(_H(dq), x2), _mm(_H(q), dx2))
        dr = concatenate([dr1, dr2], len(shape) - 1)
    else:
        q_mn = _slice_last2(q, (0, m), (0, n)) if full_matrices else q
        r_nn = _slice_last2(r, (0, n), (0, n)) if full_matrices else r
        dq, dr = _thin_qr_jvp(q_mn, r_nn, dx)
        if full_matrices and m > n:
            # The completion of Q (arxiv.org/pdf/2409.13374, eqs. 32-33)
            q_nn, q_pn = _slice_last2(q_mn, (0, n), (0, n)), _slice_last2(q_mn, (n, m), (0, n))
            q_mp = _slice_last2(q, (0, m), (n, m))
            dq_nn, dq_pn = _slice_last2(dq, (0, n), (0, n)), _slice_last2(dq, (n, m), (0, n))
            dtype = get_aval(q).dtype
            lu_, _, perm = lu(sub(q_nn, _eye(get_aval(q_nn).shape, dtype)))
            z_pn_h = _lu_solve(lu_, perm, _H(q_pn), trans=2)
            z_pn = _H(z_pn_h)
            dq_mp = sub(_mm(dq, z_pn_h), _mm(add(q_mn, _mm(q_mp, z_pn)),
                                              _H(sub(dq_pn, _mm(z_pn, dq_nn)))))
            dq = concatenate([dq, dq_mp], len(shape) - 1)
            dr = concatenate([dr, _zeros(shape[:-2] + (m - n, n), dtype)], len(shape) - 2)
    touts = [dq, dr] + ([ad.Zero.like(outs[2])] if pivoting else [])
    return list(outs), touts


ad.primitive_jvps[qr_p] = _qr_jvp


# ---------------------------------------------------------------------------------------
# svd: a = U diag(s) V^H

def _svd_shapes(shape, full_matrices, compute_uv, subset_by_index):
    batch, (m, n) = shape[:-2], shape[-2:]
    rank = min(m, n)
    if subset_by_index is not None:
        if full_matrices and tuple(subset_by_index) != (0, rank):
            raise ValueError("svd: full_matrices and subset_by_index cannot both be set")
        rank = min(rank, subset_by_index[1] - subset_by_index[0])
    shapes = [batch + (rank,)]
    if compute_uv:
        shapes += [batch + (m, m if full_matrices else rank),
                   batch + (n if full_matrices else rank, n)]
    return shapes


def _svd_abstract(x, *, full_matrices, compute_uv, subset_by_index, algorithm):
    _check_matrix("svd", x)
    shapes = _svd_shapes(x.shape, full_matrices, compute_uv, subset_by_index)
    return ([ShapedArray(shapes[0], _real_dtype(x.dtype))]
            + [ShapedArray(s, x.dtype) for s in shapes[1:]])


def _empty_svd(a, *, full_matrices, compute_uv):
    shape = get_aval(a).shape
    batch, (m, n), dtype = shape[:-2], shape[-2:], get_aval(a).dtype
    s = _zeros(batch + (0,), _real_dtype(dtype))
    if not compute_uv:
        return [s]
    u = _eye(batch + (max(m, n),) * 2, dtype) if full_matrices else _zeros(batch + (m, n), dtype)
    v = _zeros(batch + (0, 0), dtype)
    return [s, v, u] if m < n else [s, u, v]


_empty_svd_rule = L.lower_fun(_empty_svd, multiple_results=True)


def _svd_kernel(ctx, x, *, full_matrices, compute_uv, subset_by_index, algorithm):
    aval, = ctx.avals_in
    m, n = aval.shape[-2:]
    if not (subset_by_index is None or tuple(subset_by_index) == (0, min(m, n))):
        raise NotImplementedError("svd: subset_by_index is only implemented on TPU")
    if m == 0 or n == 0:
        return _empty_svd_rule(ctx, x, full_matrices=full_matrices, compute_uv=compute_uv)
    call = _svd_gpu if ctx.platform == "gpu" else _svd_cpu
    s, u, vt, info = call(ctx, x, full_matrices, compute_uv, algorithm)
    outs = [s, u, vt] if compute_uv else [s]
    return _masked(_info_ok(info, aval.shape[:-2]), outs, ctx.avals_out)


def _svd_cpu(ctx, x, full_matrices, compute_uv, algorithm):
    """LAPACK's gesdd (divide and conquer) or gesvd (QR): s, U, V^H and the status."""
    if algorithm in (None, SvdAlgorithm.DEFAULT, SvdAlgorithm.DIVIDE_AND_CONQUER):
        routine = "gesdd"
    elif algorithm == SvdAlgorithm.QR:
        routine = "gesvd"
    else:
        raise NotImplementedError(f"svd: algorithm {algorithm} is not implemented on CPU "
                                  f"(use DEFAULT, QR or DIVIDE_AND_CONQUER)")
    aval, = ctx.avals_in
    mode = "N" if not compute_uv else "A" if full_matrices else "S"
    # the kernel writes U and V^H even when they are not wanted
    uv_avals = [ShapedArray(shape, aval.dtype)
                for shape in _svd_shapes(aval.shape, full_matrices, True, None)[1:]]
    _, s, u, vt, info = _custom_call(
        _target(ctx, routine), [x], [aval],
        [aval, ctx.avals_out[0], *uv_avals, ShapedArray(aval.shape[:-2], _INT32)],
        {"mode": _u8(mode)}, aliases=[(0, 0)])
    return s, u, vt, info


def _gpu_svd_target(algorithm, m, n):
    """(cuSOLVER routine, whether to call gesvd on the transpose): Jacobi for matrices up
    to 1024 x 1024, QR (gesvd) beyond, as JAX picks them."""
    if algorithm == SvdAlgorithm.DIVIDE_AND_CONQUER:
        raise NotImplementedError("svd: DIVIDE_AND_CONQUER is not implemented on NVIDIA GPUs")
    if algorithm == SvdAlgorithm.JACOBI or (
            algorithm in (None, SvdAlgorithm.DEFAULT) and m <= 1024 and n <= 1024):
        return "gesvdj", False
    if algorithm == SvdAlgorithm.POLAR:
        return "gesvdp", False
    return "gesvd", m < n


def _svd_gpu(ctx, x, full_matrices, compute_uv, algorithm):
    """cuSOLVER's gesvdj, gesvdp or gesvd: s, U, V^H and the status."""
    aval, = ctx.avals_in
    batch, (m, n), nb = aval.shape[:-2], aval.shape[-2:], aval.ndim - 2
    routine, transposed = _gpu_svd_target(algorithm, m, n)
    k, econ, attrs = min(m, n), not full_matrices, {}
    if routine in ("gesvdj", "gesvdp"):
        if routine == "gesvdj":  # batched gesvdj has no economy mode (worth it from 32 up)
            econ = not full_matrices and m > 32 and n > 32
        # U and V are always written, V (not V^H) as the last result
        uv_shapes = [batch + (m, k if econ else m), batch + (n, k if econ else n)]
    else:
        attrs["transposed"] = _i1(transposed)
        uv_shapes = _svd_shapes(aval.shape, full_matrices, True, None)[1:]
    uv_avals = [ShapedArray(shape, aval.dtype) for shape in uv_shapes]
    attrs.update(full_matrices=_i1(not econ), compute_uv=_i1(compute_uv))
    _, s, u, vt, info = _custom_call(
        _gpu_target(f"cusolver_{routine}_ffi"), [x], [aval],
        [aval, ctx.avals_out[0], *uv_avals[::-1 if transposed else 1],
         ShapedArray(batch, _INT32)], attrs, aliases=[(0, 0)], column_major=not transposed)
    if transposed:
        u, vt = vt, u
    if routine in ("gesvdj", "gesvdp") and compute_uv:
        vt = L.hlo.transpose(vt, L.dense_i64((*range(nb), nb + 1, nb)))
        if dtypes.kind(aval.dtype) == "c":
            vt = _conj_hlo(vt)
        if not full_matrices and not econ:
            zeros, ones = L.dense_i64([0] * (nb + 2)), L.dense_i64([1] * (nb + 2))
            u = L.hlo.slice(u, zeros, L.dense_i64(batch + (m, k)), ones)
            vt = L.hlo.slice(vt, zeros, L.dense_i64(batch + (k, n)), ones)
    return s, u, vt, info


svd_p = _linalg_primitive("svd", _svd_abstract, _svd_kernel, multiple_results=True)


def svd(x, *, full_matrices=True, compute_uv=True, subset_by_index=None, algorithm=None):
    """Singular value decomposition of a batch of matrices [..., m, n]: (u, s, vh) with
    x = u diag(s) vh, s decreasing (u [..., m, m] and vh [..., n, n] when full_matrices,
    else [..., m, k] and [..., k, n], k = min(m, n)); only s when not compute_uv."""
    if algorithm is not None and not isinstance(algorithm, SvdAlgorithm):
        raise TypeError(f"svd: algorithm must be None or an SvdAlgorithm, got {algorithm!r}")
    subset = None if subset_by_index is None else tuple(int(i) for i in subset_by_index)
    outs = bind(svd_p, x, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv),
                subset_by_index=subset, algorithm=algorithm)
    if compute_uv:
        s, u, vt = outs
        return u, s, vt
    return outs[0]


def _svd_jvp(primals, tangents, *, full_matrices, compute_uv, subset_by_index, algorithm):
    a, = primals
    da, = tangents
    s, u, vt = svd_p.bind(a, full_matrices=False, compute_uv=True,
                          subset_by_index=subset_by_index, algorithm=algorithm)
    shape, dtype = get_aval(a).shape, get_aval(a).dtype
    m, n = shape[-2:]
    if compute_uv and full_matrices and m != n:
        raise NotImplementedError("Singular value decomposition JVP not implemented for full "
                                  "matrices (use full_matrices=False)")
    ut, v = _H(u), _H(vt)
    ds_mat = _mm(_mm(ut, da), v)
    ds = _diagonal(real(ds_mat) if _is_complex(ds_mat) else ds_mat)
    if not compute_uv:
        return [s], [ds]
    # F_ij = 1 / (s_j^2 - s_i^2) off the diagonal, 0 on it
    s_row = _rows_of(s, get_aval(s).shape[-1])
    s_col = _T(s_row)
    f = _inverse_off_diagonal(mul(add(s_row, s_col), sub(s_row, s_col)))
    s_row_c, s_col_c = (convert_element_type(v_, dtype) for v_ in (s_row, s_col))
    dss, sds = mul(s_row_c, ds_mat), mul(s_col_c, ds_mat)
    s_zeros = convert_element_type(eq(s, _const(s, 0)), get_aval(s).dtype)
    s_inv = sub(div(_const(s, 1), add(s, s_zeros)), s_zeros)
    du_dv_diag = mul(mul(sub(ds_mat, _H(ds_mat)), _const(ds_mat, 0.5)),
                     convert_element_type(_diag_matrix(s_inv), dtype))
    f_c = convert_element_type(f, dtype)
    du = _mm(u, add(mul(f_c, add(dss, _H(dss))), du_dv_diag))
    dv = _mm(v, mul(f_c, add(sds, _H(sds))))
    if m > n:
        dav = _mm(da, v)
        s_rows = _rows_of(convert_element_type(s, dtype), m)
        du = add(du, div(sub(dav, _mm(u, _mm(ut, dav))), s_rows))
    if n > m:
        dahu = _mm(_H(da), u)
        s_rows = _rows_of(convert_element_type(s, dtype), n)
        dv = add(dv, div(sub(dahu, _mm(v, _mm(vt, dahu))), s_rows))
    return [s, u, vt], [ds, du, _H(dv)]


ad.primitive_jvps[svd_p] = _svd_jvp


# ---------------------------------------------------------------------------------------
# eigh: x = V diag(w) V^H for Hermitian x, w ascending

def _eigh_abstract(x, *, lower, sort_eigenvalues, subset_by_index, algorithm):
    batch, n, _ = _check_matrix("eigh", x, square=True)
    d = n if subset_by_index is None else subset_by_index[1] - subset_by_index[0]
    return [ShapedArray(batch + (n, d), x.dtype), ShapedArray(batch + (d,), _real_dtype(x.dtype))]


def _eigh_kernel(ctx, x, *, lower, sort_eigenvalues, subset_by_index, algorithm):
    n, gpu = ctx.avals_in[0].shape[-1], ctx.platform == "gpu"
    if not (subset_by_index is None or tuple(subset_by_index) == (0, n)):
        raise NotImplementedError("eigh: subset_by_index is only implemented on TPU")
    if algorithm == EighImplementation.QDWH or (
            algorithm == EighImplementation.JACOBI and not gpu):
        raise NotImplementedError(f"eigh: implementation {algorithm} is not available on "
                                  f"{ctx.platform.upper()}")
    attrs = _uplo(ctx, lower)
    if gpu:
        code = 0 if algorithm is None else 2 if algorithm == EighImplementation.JACOBI else 1
        attrs["algorithm"] = L.ir.IntegerAttr.get(L.ir.IntegerType.get_unsigned(8), code)
    else:
        attrs["mode"] = _u8("V")
    return _kernel(ctx, _target(ctx, "syevd", "heevd"), [x], attrs, info=True)


eigh_p = _linalg_primitive("eigh", _eigh_abstract, _eigh_kernel, multiple_results=True)


@eager(static_argnames=("lower", "symmetrize_input", "sort_eigenvalues", "subset_by_index",
                        "implementation"))
def eigh(x, *, lower=True, symmetrize_input=True, sort_eigenvalues=True,
         subset_by_index=None, implementation=None):
    """Eigendecomposition of a batch of Hermitian matrices [..., n, n]: (v, w) with
    x v[..., :, i] = w[..., i] v[..., :, i], w (real) ascending. Symmetrized first unless
    `symmetrize_input` is False (then only the triangle `lower` says is read)."""
    if symmetrize_input:
        x = symmetrize(x)
    subset = None if subset_by_index is None else tuple(int(i) for i in subset_by_index)
    return tuple(bind(eigh_p, x, lower=bool(lower), sort_eigenvalues=bool(sort_eigenvalues),
                      subset_by_index=subset, algorithm=implementation))


def _eigh_jvp(primals, tangents, *, lower, sort_eigenvalues, subset_by_index, algorithm):
    # Nondegenerate perturbation theory (people.maths.ox.ac.uk/gilesm/files/NA-08-01.pdf):
    # dw = diag(V^H dA V), dV = V (F o (V^H dA V)) with F_ij = 1 / (w_j - w_i) off the diagonal
    a, = primals
    a_dot, = tangents
    n = get_aval(a).shape[-1]
    if not (subset_by_index is None or tuple(subset_by_index) == (0, n)):
        raise NotImplementedError("Derivatives not defined for partial eigen decomposition.")
    v, w_real = eigh_p.bind(symmetrize(a), lower=lower, sort_eigenvalues=sort_eigenvalues,
                            subset_by_index=subset_by_index, algorithm=algorithm)
    dtype = get_aval(a).dtype
    w_row = _rows_of(convert_element_type(w_real, dtype), n)
    f = _inverse_off_diagonal(sub(w_row, _T(w_row)))
    vdag_adot_v = _mm(_mm(_H(v), a_dot), v)
    dv = _mm(v, mul(f, vdag_adot_v))
    dw = _diagonal(real(vdag_adot_v) if _is_complex(vdag_adot_v) else vdag_adot_v)
    return [v, w_real], [dv, dw]


ad.primitive_jvps[eigh_p] = _eigh_jvp


# ---------------------------------------------------------------------------------------
# eig: eigenvalues and (left, right) eigenvectors of general square matrices

def _eig_abstract(x, *, compute_left_eigenvectors, compute_right_eigenvectors,
                  enable_eigvec_derivs, implementation):
    batch, n, _ = _check_matrix("eig", x, square=True)
    dtype = _complex_dtype(x.dtype)
    count = int(compute_left_eigenvectors) + int(compute_right_eigenvectors)
    return [ShapedArray(batch + (n,), dtype)] + [ShapedArray(x.shape, dtype)] * count


def _unpack_conjugate_pairs(w, vr):
    """cuSOLVER's real geev stores a complex pair's eigenvectors as (re, im) in adjacent
    columns, shared by the pair: the complex eigenvectors from them."""
    shape = get_aval(vr).shape
    nd = len(shape)
    if get_aval(w).size == 0:
        return complex_(vr, _zeros(shape, get_aval(vr).dtype))
    w_imag = imag(w)
    is_real = eq(w_imag, _const(w_imag, 0))
    # a pair starts where the count of complex eigenvalues so far (this one included) is odd
    count = cumsum(convert_element_type(ne(w_imag, _const(w_imag, 0)), _INT32), nd - 2)
    pair_start = eq(rem(count, np.int32(2)), np.int32(1))
    shifted_left, shifted_right = _pad_last(vr, (-1, 1, 0)), _pad_last(vr, (1, -1, 0))
    is_real, pair_start = _rows_of(is_real, shape[-2]), _rows_of(pair_start, shape[-2])
    re = select(is_real, vr, select(pair_start, vr, shifted_right))
    im = select(pair_start, shifted_left, neg(vr))
    im = select(is_real, _zeros(shape, get_aval(vr).dtype), im)
    return complex_(re, im)


_unpack_conjugate_pairs_rule = L.lower_fun(_unpack_conjugate_pairs)


def _eig_host(ctx, target, x, attrs):
    """geev on the host (LAPACK, or MAGMA through the CUDA plugin's hybrid kernel): w, vl,
    vr and the status; the kernel gives a real x's eigenvalues as their two parts."""
    aval, = ctx.avals_in
    real_input = dtypes.kind(aval.dtype) == "f"
    vec = ShapedArray(aval.shape, _complex_dtype(aval.dtype))
    w_parts = [ShapedArray(aval.shape[:-1], aval.dtype)] * (2 if real_input else 1)
    status = ShapedArray(aval.shape[:-2], _INT32)
    *w, vl, vr, info = _custom_call(target, [x], [aval], [*w_parts, vec, vec, status], attrs)
    return (L.hlo.complex(*w) if real_input else w[0]), vl, vr, info


def _eig_kernel(ctx, x, *, compute_left_eigenvectors, compute_right_eigenvectors,
                enable_eigvec_derivs, implementation):
    aval, = ctx.avals_in
    left, right = compute_left_eigenvectors, compute_right_eigenvectors
    real_input = dtypes.kind(aval.dtype) == "f"
    if ctx.platform == "cpu":
        if implementation not in (None, EigImplementation.LAPACK):
            raise ValueError("eig: only the LAPACK implementation is supported on CPU")
        attrs = {"compute_left": _u8("V" if left else "N"),
                 "compute_right": _u8("V" if right else "N")}
        w, vl, vr, info = _eig_host(ctx, _target(ctx, "geev"), x, attrs)
    elif implementation == EigImplementation.CUSOLVER or (implementation is None and not left):
        if left:
            raise NotImplementedError("eig: cuSOLVER does not compute left eigenvectors")
        square = ShapedArray(aval.shape, aval.dtype)
        vec = ShapedArray(aval.shape, _complex_dtype(aval.dtype))
        w_aval = ShapedArray(aval.shape[:-1], vec.dtype)
        _, w, vl, vr, info = _custom_call(
            _gpu_target("cusolver_geev_ffi"), [x], [aval],
            [square, w_aval, square, square, ShapedArray(aval.shape[:-2], _INT32)],
            {"left": _i1(left), "right": _i1(right)})
        if real_input and right:
            sub_ctx = L.LoweringContext(ctx.module_context, [w_aval, square], [vec])
            vr, = _unpack_conjugate_pairs_rule(sub_ctx, w, vr)
    else:  # LAPACK on the host (or MAGMA), through the plugin's hybrid kernel
        use_magma = {EigImplementation.MAGMA: True,
                     EigImplementation.LAPACK: False}.get(implementation)
        target = "cuhybrid_eig_real" if real_input else "cuhybrid_eig_comp"
        w, vl, vr, info = _eig_host(ctx, _gpu_target(target), x, {
            "magma": _magma(use_magma), "left": _i1(left), "right": _i1(right)})
    outs = [w] + [v for wanted, v in ((left, vl), (right, vr)) if wanted]
    return _masked(_info_ok(info, aval.shape[:-2]), outs, ctx.avals_out)


eig_p = _linalg_primitive("eig", _eig_abstract, _eig_kernel, multiple_results=True)


def eig(x, *, compute_left_eigenvectors=True, compute_right_eigenvectors=True,
        enable_eigvec_derivs=False, implementation=None, use_magma=None):
    """Eigendecomposition of a batch of square matrices [..., n, n]: [w, vl, vr] (complex, vl
    and vr as asked), vr[..., :, i] the unit-norm right eigenvector of w[..., i]. Eigenvector
    derivatives need enable_eigvec_derivs (valid only for distinct eigenvalues)."""
    if use_magma is not None:
        implementation = EigImplementation.MAGMA if use_magma else EigImplementation.LAPACK
    if implementation is not None and not isinstance(implementation, EigImplementation):
        raise TypeError(f"eig: implementation must be None or an EigImplementation, got "
                        f"{implementation!r}")
    return list(bind(eig_p, x, compute_left_eigenvectors=bool(compute_left_eigenvectors),
                     compute_right_eigenvectors=bool(compute_right_eigenvectors),
                     enable_eigvec_derivs=bool(enable_eigvec_derivs),
                     implementation=implementation))


def _eig_vec_jvp(w, v, da):
    # Nondegenerate perturbation theory, under LAPACK's normalization of each eigenvector
    # (unit 2-norm, largest-magnitude component real), as JAX
    shape, dtype = get_aval(v).shape, get_aval(v).dtype
    nd, n = len(shape), shape[-1]
    w_row = _rows_of(w, n)
    p = _mm(_solve(v, da), v)
    dw = _diagonal(p)
    u = _mm(v, mul(_inverse_off_diagonal(sub(w_row, _T(w_row))), p))
    # the index of each eigenvector's largest-magnitude component
    k = argmax(add(mul(real(v), real(v)), mul(imag(v), imag(v))), nd - 2, _INT32)
    mask = convert_element_type(eq(broadcasted_iota(_INT32, shape, nd - 2), _rows_of(k, n)), dtype)
    c_re = neg(reduce_sum(real(mul(conj(v), u)), (nd - 2,)))
    c_im = div(neg(reduce_sum(imag(mul(mask, u)), (nd - 2,))),
               reduce_sum(real(mul(mask, v)), (nd - 2,)))
    c = complex_(c_re, c_im)
    return dw, add(u, mul(v, _rows_of(c, n)))


def _eig_jvp(primals, tangents, *, compute_left_eigenvectors, compute_right_eigenvectors,
             enable_eigvec_derivs, implementation):
    a, = primals
    da, = tangents
    if (compute_left_eigenvectors or compute_right_eigenvectors) and not enable_eigvec_derivs:
        raise NotImplementedError(
            "Derivatives of non-symmetric eigenvectors are only valid under assumptions on "
            "the input that xlafront cannot check (see the enable_eigvec_derivs argument to "
            "lax.linalg.eig). Pass enable_eigvec_derivs=True to lax.linalg.eig to opt in.")
    outs = eig_p.bind(a, compute_left_eigenvectors=compute_left_eigenvectors,
                      compute_right_eigenvectors=True,
                      enable_eigvec_derivs=enable_eigvec_derivs, implementation=implementation)
    w, vr = outs[0], outs[-1]
    da = convert_element_type(da, get_aval(vr).dtype)
    if not (compute_left_eigenvectors or compute_right_eigenvectors):
        nd = get_aval(vr).ndim
        return [w], [reduce_sum(mul(_solve(vr, da), _T(vr)), (nd - 1,))]
    dw, dvr = _eig_vec_jvp(w, vr, da)
    tangents_out = [dw]
    if compute_left_eigenvectors:
        tangents_out.append(_eig_vec_jvp(conj(w), outs[1], _H(da))[1])
    if compute_right_eigenvectors:
        tangents_out.append(dvr)
    return list(outs[:len(tangents_out)]), tangents_out  # outs has vr, asked for or not


ad.primitive_jvps[eig_p] = _eig_jvp


# ---------------------------------------------------------------------------------------
# schur: x = Z T Z^H, T (quasi-)upper triangular (CPU only)

def _schur_abstract(x, *, compute_schur_vectors, sort_eig_vals, select_callable):
    _check_matrix("schur", x, square=True)
    return [ShapedArray(x.shape, x.dtype)] * (2 if compute_schur_vectors else 1)


def _schur_cpu(ctx, x, *, compute_schur_vectors, sort_eig_vals, select_callable):
    if sort_eig_vals:
        raise NotImplementedError("schur: sorting the eigenvalues (LAPACK gees' sort) is not "
                                  "implemented")
    aval, = ctx.avals_in
    batch = aval.shape[:-2]
    info = ShapedArray(batch, _INT32)
    eigvals = ShapedArray(aval.shape[:-1], aval.dtype)
    real_input = dtypes.kind(aval.dtype) == "f"
    avals_out = [aval, aval] + [eigvals] * (2 if real_input else 1) + [info, info]
    attrs = {"mode": _u8("V" if compute_schur_vectors else "N"), "sort": _u8("N")}
    t, z, *_, status = _custom_call(_target(ctx, "gees"), [x], [aval], avals_out, attrs,
                                    aliases=[(0, 0)])
    return _masked(_info_ok(status, batch), [t, z], ctx.avals_out)


schur_p = _linalg_primitive("schur", _schur_abstract, _schur_cpu, platforms=("cpu",),
                            multiple_results=True)


def schur(x, *, compute_schur_vectors=True, sort_eig_vals=False, select_callable=None):
    """Schur decomposition of a batch of square matrices (CPU only): [t, z] with
    x = z t z^H, t upper triangular (quasi-triangular, 2 x 2 blocks, for real x), z
    unitary; [t] when not compute_schur_vectors."""
    return list(bind(schur_p, x, compute_schur_vectors=bool(compute_schur_vectors),
                     sort_eig_vals=bool(sort_eig_vals), select_callable=select_callable))


# ---------------------------------------------------------------------------------------
# tridiagonal: Hermitian x reduced to tridiagonal form (LAPACK sytrd / hetrd)

def _tridiagonal_abstract(a, *, lower):
    batch, n, _ = _check_matrix("tridiagonal", a, square=True)
    if n == 0:
        raise ValueError(f"tridiagonal: the matrices must not be empty, got shape {a.shape}")
    real_dtype = _real_dtype(a.dtype)
    return [ShapedArray(a.shape, a.dtype), ShapedArray(batch + (n,), real_dtype),
            ShapedArray(batch + (n - 1,), real_dtype), ShapedArray(batch + (n - 1,), a.dtype)]


tridiagonal_p = _linalg_primitive(
    "tridiagonal", _tridiagonal_abstract, lambda ctx, a, *, lower: _kernel(
        ctx, _target(ctx, "sytrd", "hetrd"), [a], _uplo(ctx, lower), info=True),
    multiple_results=True)


def tridiagonal(a, *, lower=True):
    """Hermitian matrices [..., n, n] (the triangle `lower` says) reduced to tridiagonal form:
    [a_out, d, e, taus], d the diagonal, e the first sub- (lower) or superdiagonal, a_out
    holding the Householder reflectors, with scales taus (LAPACK sytrd/hetrd)."""
    return list(bind(tridiagonal_p, a, lower=bool(lower)))


# ---------------------------------------------------------------------------------------
# tridiagonal_solve: A x = b for tridiagonal A given by its three diagonals

def _tridiagonal_solve_abstract(dl, d, du, b, *, perturb_singular):
    _check_same("tridiagonal_solve", (dl, d, du, b), ("dl", "d", "du", "b"))
    _check_matrix("tridiagonal_solve", b, what="b")
    if not dl.shape == d.shape == du.shape:
        raise TypeError(f"tridiagonal_solve requires that all diagonal arguments have the "
                        f"same shape, got {dl.shape}, {d.shape}, {du.shape}")
    if dl.shape != b.shape[:-1]:
        raise TypeError(f"tridiagonal_solve requires that the leading ndim-1 dimensions of b "
                        f"equal the dimensions of the diagonal arguments, got b {b.shape} "
                        f"and diagonals {dl.shape}")
    return out(b.shape, b.dtype)


def _tridiagonal_solve_kernel(ctx, dl, d, du, b, *, perturb_singular):
    gpu = ctx.platform == "gpu"
    if perturb_singular:
        target = (_gpu_target("cu_tridiagonal_solve_perturbed") if gpu
                  else "tridiagonal_solve_perturbed_ffi")
        return _kernel(ctx, target, [dl, d, du, b], aliases=())
    if gpu and ctx.avals_in[1].shape[-1] <= 2:  # cuSPARSE's gtsv2 needs three rows at least
        return _tridiagonal_solve_generic_rule(ctx, dl, d, du, b, perturb_singular=False)
    if gpu:
        return _kernel(ctx, _gpu_target("cusparse_gtsv2_ffi"), [dl, d, du, b], aliases=[(3, 0)])
    b_aval = ctx.avals_in[-1]
    batch = b_aval.shape[:-2]
    *_, x, info = _custom_call(_target(ctx, "gtsv"), [dl, d, du, b], ctx.avals_in,
                               [*ctx.avals_in, ShapedArray(batch, _INT32)],
                               aliases=[(0, 0), (1, 1), (2, 2), (3, 3)])
    return [_nan_unless(_info_ok(info, batch), x, b_aval)]


def _tridiagonal_solve_generic(dl, d, du, b, *, perturb_singular):
    """The Thomas algorithm (no pivoting), two scans over the rows."""
    if perturb_singular:
        raise NotImplementedError("tridiagonal_solve: perturb_singular=True is only "
                                  "implemented on CPU and GPU")
    shape = get_aval(b).shape
    nd, m = len(shape), shape[-2]
    if m == 0:
        return b

    rows_first = (nd - 2, *range(nd - 2), nd - 1)  # the scans run over the rows
    dl, d, du = (transpose(broadcast_in_dim(x, shape, tuple(range(nd - 1))), rows_first)
                 for x in (dl, d, du))
    b = transpose(b, rows_first)

    def first(x):
        return squeeze(slice_(x, (0,) * nd, (1,) + get_aval(x).shape[1:]), (0,))

    def rest(x):
        return slice_(x, (1,) + (0,) * (nd - 1), get_aval(x).shape)

    def forward(carry, row):
        cp, dp = carry
        a, diag, c, rhs = row
        denom = sub(diag, mul(a, cp))
        return (div(c, denom), div(sub(rhs, mul(a, dp)), denom)), (cp, dp)

    (_, last), (cp, dp) = scan(forward, (div(first(du), first(d)), div(first(b), first(d))),
                               (rest(dl), rest(d), rest(du), rest(b)))

    def backward(x_next, row):
        cp, dp = row
        return sub(dp, mul(cp, x_next)), x_next

    x0, xs = scan(backward, last, (cp, dp), reverse=True)
    x = concatenate([expand_dims(x0, (0,)), xs], 0)
    return transpose(x, (*range(1, nd - 1), 0, nd - 1))


_tridiagonal_solve_generic_rule = L.lower_fun(_tridiagonal_solve_generic)


tridiagonal_solve_p = _linalg_primitive("tridiagonal_solve", _tridiagonal_solve_abstract,
                                        _tridiagonal_solve_kernel,
                                        default=_tridiagonal_solve_generic_rule,
                                        batcher=_solve_batcher)


def tridiagonal_solve(dl, d, du, b, *, perturb_singular=False):
    """x with A x = b for tridiagonal A: dl [..., m] its subdiagonal (dl[0] = 0), d its
    diagonal, du its superdiagonal (du[m-1] = 0); b [..., m, n]. NaNs where A is singular,
    unless perturb_singular (CPU, GPU) perturbs tiny pivots to give a finite result."""
    return bind(tridiagonal_solve_p, dl, d, du, b, perturb_singular=bool(perturb_singular))


def _tridiagonal_product(dl, d, du, b):
    """A b for tridiagonal A (its diagonals [..., m]) and b [..., m, n]."""
    shape = get_aval(b).shape
    nd, m = len(shape), shape[-2]
    dims = tuple(range(nd - 1))
    y = mul(broadcast_in_dim(d, shape, dims), b)
    if m < 2:
        return y

    def times_shifted(diagonal, rows):  # diagonal * b moved down by `rows` (up if negative)
        shifted = _pad_last(b, (rows, -rows, 0), (0, 0, 0))
        return mul(broadcast_in_dim(diagonal, shape, dims), shifted)
    return add(add(y, times_shifted(dl, 1)), times_shifted(du, -1))


def _tridiagonal_solve_jvp(primals, tangents, *, perturb_singular):
    *diags, _ = primals
    *diags_dot, b_dot = tangents
    ans = tridiagonal_solve_p.bind(*primals, perturb_singular=perturb_singular)
    rhs = b_dot
    if not all(type(t) is ad.Zero for t in diags_dot):
        matvec_dot = _tridiagonal_product(*[ad.instantiate(t) for t in diags_dot], ans)
        rhs = ad.add_tangents(b_dot, neg(matvec_dot))
    return [ans], [tridiagonal_solve_p.bind(*diags, ad.instantiate(rhs),
                                            perturb_singular=perturb_singular)]


def _tridiagonal_solve_transpose(ct, dl, d, du, b, *, perturb_singular):
    # linear in b only; A^T has the sub- and superdiagonals exchanged (and shifted)
    if any(ad.is_undefined(x) for x in (dl, d, du)):
        raise NotImplementedError("tridiagonal_solve is not linear in its diagonals")
    dl_t, du_t = _pad_last(du, (1, -1, 0)), _pad_last(dl, (-1, 1, 0))  # shifted, 0 filled
    return [None, None, None, tridiagonal_solve_p.bind(dl_t, d, du_t, ct,
                                                       perturb_singular=perturb_singular)]


ad.primitive_jvps[tridiagonal_solve_p] = _tridiagonal_solve_jvp
ad.primitive_transposes[tridiagonal_solve_p] = _tridiagonal_solve_transpose


# ---------------------------------------------------------------------------------------
# hessenberg: a = Q H Q^H, H upper Hessenberg (LAPACK gehrd, CPU only)

def _hessenberg_abstract(a):
    batch, n, _ = _check_matrix("hessenberg", a, square=True)
    if n == 0:
        raise ValueError(f"hessenberg: the matrices must not be empty, got shape {a.shape}")
    return [ShapedArray(a.shape, a.dtype), ShapedArray(batch + (n - 1,), a.dtype)]


def _hessenberg_cpu(ctx, a):
    i32 = L.ir.IntegerType.get_signless(32)
    attrs = {"low": L.ir.IntegerAttr.get(i32, 1),
             "high": L.ir.IntegerAttr.get(i32, ctx.avals_in[0].shape[-1])}
    return _kernel(ctx, _target(ctx, "gehrd"), [a], attrs, info=True)


hessenberg_p = _linalg_primitive("hessenberg", _hessenberg_abstract, _hessenberg_cpu,
                                 platforms=("cpu",), multiple_results=True)


def hessenberg(a):
    """Reduces a batch of square matrices to upper Hessenberg form (CPU only): (a_out, taus),
    the Hessenberg matrix on and above the first subdiagonal of a_out, Householder
    reflectors below it with scales taus [..., n - 1]."""
    return tuple(bind(hessenberg_p, a))


# ---------------------------------------------------------------------------------------
# ormqr: Q c, Q^H c, c Q or c Q^H for Q given by Householder reflectors (as geqrf leaves them)

def _ormqr_abstract(a, taus, c, *, left, transpose):
    batch, m, n = _check_matrix("ormqr", a, what="a")
    _check_matrix("ormqr", c, what="c")
    _check_same("ormqr", (a, taus, c), ("a", "taus", "c"))
    if (taus.ndim != a.ndim - 1 or taus.shape[:-1] != batch or taus.shape[-1] > min(m, n)
            or c.shape[:-2] != batch):
        raise ValueError(f"ormqr: taus must have shape [..., k] with k <= {min(m, n)} and c "
                         f"[..., p, q], both with the batch dimensions of a {a.shape}; got "
                         f"taus {taus.shape} and c {c.shape}")
    if c.shape[-2 if left else -1] != m:
        raise ValueError(f"ormqr: with left={left}, c must have as many "
                         f"{'rows' if left else 'columns'} as a has rows; got a {a.shape} "
                         f"and c {c.shape}")
    return out(c.shape, c.dtype)


def _ormqr_impl(a, taus, c, *, left, transpose):
    """The reflectors H_i = I - tau_i v_i v_i^H applied to c one at a time (Q = H_1 ... H_k)."""
    shape, dtype = get_aval(a).shape, get_aval(a).dtype
    batch, nb, m, k = shape[:-2], len(shape) - 2, shape[-2], get_aval(taus).shape[-1]
    vs = add(_tril(_slice_last2(a, (0, m), (0, k)), -1), _eye(batch + (m, k), dtype))
    taus = conj(taus) if transpose and _is_complex(taus) else taus
    c_shape = get_aval(c).shape

    def body(i, c):
        j = sub(k - 1, i) if left != transpose else i  # Q c and c Q^H: H_k first
        v = dynamic_slice(vs, (0,) * nb + (0, j), batch + (m, 1))
        tau = broadcast_in_dim(dynamic_slice(taus, (0,) * nb + (j,), batch + (1,)), c_shape,
                               tuple(range(nb + 1)))
        update = _mm(v, _mm(_H(v), c)) if left else _mm(_mm(c, v), _H(v))
        return sub(c, mul(tau, update))
    return fori_loop(0, k, body, c)


def _ormqr_cpu(ctx, a, taus, c, *, left, transpose):
    return _kernel(ctx, _target(ctx, "ormqr", "unmqr"), [a, taus, c],
                   {"left": _i1(left), "transpose": _i1(transpose)}, aliases=[(2, 0)])


ormqr_p = _linalg_primitive("ormqr", _ormqr_abstract, _ormqr_cpu, platforms=("cpu",),
                            default=L.lower_fun(_ormqr_impl))


def ormqr(a, taus, c, *, left=True, transpose=False):
    """Q c (left) or c Q, with Q^H for Q when `transpose`, for Q the product of the
    Householder reflectors below the diagonal of a [..., m, n] with scales taus [..., k] (as
    geqrf gives them), without forming Q; c [..., m, q] (left) or [..., p, m]."""
    return bind(ormqr_p, a, taus, c, left=bool(left), transpose=bool(transpose))


# ---------------------------------------------------------------------------------------
# symmetric_product: alpha a a^T + beta c

def _check_real(op, aval):
    if dtypes.kind(aval.dtype) != "f":
        raise TypeError(f"{op} does not accept dtype {aval.dtype.name}; it accepts float32 "
                        f"and float64")


def _symmetric_product_abstract(a, c, *, alpha, beta):
    batch, m, _ = _check_matrix("symmetric_product", a, what="a_matrix")
    _check_matrix("symmetric_product", c, what="c_matrix")
    _check_same("symmetric_product", (a, c), ("a_matrix", "c_matrix"))
    _check_real("symmetric_product", a)
    if c.shape != batch + (m, m):
        raise ValueError(f"symmetric_product: c_matrix must have shape {batch + (m, m)} for "
                         f"a_matrix of shape {a.shape}, got {c.shape}")
    return out(c.shape, c.dtype)


def _symmetric_product_impl(a, c, *, alpha, beta):
    return add(mul(_const(c, alpha), _mm(a, _T(a))), mul(_const(c, beta), c))


symmetric_product_p = primitive("symmetric_product", _symmetric_product_abstract,
                                L.lower_fun(_symmetric_product_impl))
batching.primitive_batchers[symmetric_product_p] = _batched_at_front(symmetric_product_p)


def symmetric_product(a_matrix, c_matrix, *, alpha=1., beta=0., symmetrize_output=False):
    """alpha a a^T + beta c for a batch of a [..., m, n] and symmetric c [..., m, m]; only
    the lower triangle is guaranteed on every platform, unless symmetrize_output copies it
    to the upper one."""
    result = bind(symmetric_product_p, a_matrix, c_matrix, alpha=float(alpha), beta=float(beta))
    return add(_tril(result), _T(_tril(result, -1))) if symmetrize_output else result


# ---------------------------------------------------------------------------------------
# cholesky_update: R' with R'^T R' = R^T R + w w^T, in O(n^2) by Givens rotations

def _cholesky_update_abstract(r, w):
    batch, n, _ = _check_matrix("cholesky_update", r, square=True, what="r_matrix")
    _check_same("cholesky_update", (r, w), ("r_matrix", "w_vector"))
    _check_real("cholesky_update", r)
    if w.shape != batch + (n,):
        raise ValueError(f"cholesky_update: w_vector must have shape {batch + (n,)} for "
                         f"r_matrix of shape {r.shape}, got {w.shape}")
    return out(r.shape, r.dtype)


def _cholesky_update_impl(r, w):
    """Row k of R and w rotated so that w[k] becomes 0, for k = 0 ... n-1 (as JAX)."""
    shape, dtype = get_aval(r).shape, get_aval(r).dtype
    batch, n, nb = shape[:-2], shape[-1], len(shape) - 2
    vec = batch + (n,)
    one, zero = full(vec, np.ones((), dtype)), _zeros(vec, dtype)

    def body(k, carry):
        r, z = carry
        row = reshape(dynamic_slice(r, (0,) * nb + (k, 0), batch + (1, n)), vec)
        x, y = _entry(row, k, n), _entry(z, k, n)
        no_op = eq(y, zero)  # the scaling keeps x^2 + y^2 from overflowing
        scale = select(no_op, one, max_(abs_(x), abs_(y)))
        x, y = div(x, scale), div(y, scale)
        inv = rsqrt(add(mul(x, x), mul(y, y)))
        cos, sin = select(no_op, one, mul(x, inv)), select(no_op, zero, neg(mul(y, inv)))
        new_row = sub(mul(cos, row), mul(sin, z))
        z = add(mul(cos, z), mul(sin, row))
        return dynamic_update_slice(r, reshape(new_row, batch + (1, n)), (0,) * nb + (k, 0)), z
    return fori_loop(0, n, body, (r, w))[0]


cholesky_update_p = primitive("cholesky_update", _cholesky_update_abstract,
                              L.lower_fun(_cholesky_update_impl))
batching.primitive_batchers[cholesky_update_p] = _batched_at_front(cholesky_update_p)


def cholesky_update(r_matrix, w_vector):
    """The upper-triangular Cholesky factor of R^T R + w w^T, given R's (r_matrix [..., n, n],
    upper triangular) and w (w_vector [..., n]), in O(n^2)."""
    return bind(cholesky_update_p, r_matrix, w_vector)


# ---------------------------------------------------------------------------------------
# qdwh: the polar decomposition x = u h by the QR-based dynamically weighted Halley
# iteration (Nakatsukasa, Bai, Gygi 2010), as JAX's composition

def _mask(x, dims, alternative):
    """x where each index i < dims[i] (a traced bound, or None for none), else alternative."""
    for axis, bound in enumerate(dims):
        if bound is not None:
            x = select(lt(broadcasted_iota(_INT32, get_aval(x).shape, axis), bound), x,
                       alternative)
    return x


def _qdwh_qr_step(u, m, dims, params):
    a_minus_e_by_sqrt_c, sqrt_c, e = params
    big, small = get_aval(u).shape
    dtype = get_aval(u).dtype
    padded = _pad_last(mul(sqrt_c, u), (0, small, 0), (0, 0, 0))
    y = dynamic_update_slice(padded, _eye((small, small), dtype), (m, 0))  # [sqrt(c) u; I]
    q, _ = qr(y, full_matrices=False)
    q1 = _mask(slice_(q, (0, 0), (big, small)), dims, _zeros((big, small), dtype))
    q2 = _mask(dynamic_slice(q, (m, 0), (small, small)), (dims[1], dims[1]),
               _zeros((small, small), dtype))
    return add(mul(e, u), mul(a_minus_e_by_sqrt_c, _mm(q1, _H(q2))))


def _qdwh_cholesky_step(u, m, dims, params):
    a_minus_e, c, e = params
    small = get_aval(u).shape[1]
    eye = _eye((small, small), get_aval(u).dtype)
    y = cholesky(_mask(add(mul(c, _mm(_H(u), u)), eye), (dims[1], dims[1]), eye),
                 symmetrize_input=False)
    # z = u (y y^H)^-1, from two triangular solves of u^H
    z = triangular_solve(y, _H(u), left_side=True, lower=True)
    z = triangular_solve(y, z, left_side=True, lower=True, transpose_a=True, conjugate_a=True)
    return add(mul(e, u), mul(a_minus_e, _H(z)))


@eager(static_argnames=("is_hermitian", "max_iterations", "eps"))
def qdwh(x, *, is_hermitian=False, max_iterations=None, eps=None, dynamic_shape=None):
    """Polar decomposition x = u h of a full-rank matrix [M, N], M >= N, by QR-based dynamically
    weighted Halley iteration: (u, h, num_iters, is_converged). `dynamic_shape` (m, n) is the
    true shape of an x zero-padded to [M, N]; `is_hermitian` is unused, as in JAX."""
    aval = get_aval(x)
    _check_matrix("qdwh", aval)
    if aval.ndim != 2 or aval.shape[0] < aval.shape[1]:
        raise ValueError(f"qdwh: x must be a matrix of shape [M, N] with M >= N, got shape "
                         f"{aval.shape}")
    dtype = aval.dtype
    max_iterations = 10 if max_iterations is None else int(max_iterations)
    m, dims = aval.shape[0], (None, None)
    if dynamic_shape is not None:
        m, dims = dynamic_shape[0], tuple(dynamic_shape)
        x = _mask(x, dims, _zeros(aval.shape, dtype))
    eps = float(np.finfo(dtype).eps) if eps is None else float(eps)
    # u0 = x / alpha, alpha = sqrt(|x|_1 |x|_inf) >= |x|_2
    one_norm, inf_norm = (reduce_max(reduce_sum(abs_(x), (axis,)), (0,)) for axis in (0, 1))
    alpha_inverse = select(eq(one_norm, _const(one_norm, 0)), _const(one_norm, 1),
                           mul(rsqrt(one_norm), rsqrt(inf_norm)))
    u = mul(x, convert_element_type(alpha_inverse, dtype))
    # The weights of each step, from the lower bound l of the smallest singular value
    lower, tol_l = eps, 10.0 * eps / 2.0
    tol_norm = np.array(tol_l ** (1 / 3), _real_dtype(dtype))
    qr_coefs, chol_coefs = [], []
    while lower + tol_l < 1 and len(qr_coefs) + len(chol_coefs) < max_iterations:
        l2 = lower * lower
        dd = (4 * (1 / l2 - 1) / l2) ** (1 / 3)
        sqd = (1.0 + dd) ** (1 / 2)
        a = sqd + (2 - dd + 2 * (2 - l2) / (l2 * sqd)) ** (1 / 2)
        b = (a - 1) ** 2 / 4
        c = a + b - 1
        lower = lower * (a + b * l2) / (1 + c * l2)
        if c > 100:  # far from converged: the QR form (stable), else Cholesky (cheaper)
            qr_coefs.append(((a - b / c) / c ** 0.5, c ** 0.5, b / c))
        else:
            chol_coefs.append((a - b / c, c, b / c))

    def iteration(u, params, step):
        new = step(u, m, dims, params)
        diff = abs_(sub(new, u))
        return new, gt(sqrt(reduce_sum(mul(diff, diff), (0, 1))), tol_norm)

    def steps(u, coefs, step):
        if not coefs:
            return u, np.array(True)
        columns = [np.asarray(column, dtype) for column in zip(*coefs)]
        return fori_loop(0, len(coefs), lambda i, state: iteration(state[0], [
            reshape(dynamic_slice(col, (i,), (1,)), ()) for col in columns], step),
            (u, np.array(True)))

    u, _ = steps(u, qr_coefs, _qdwh_qr_step)
    u, not_converged = steps(u, chol_coefs, _qdwh_cholesky_step)
    # then Halley's own weights (3, 1, 3) until u stops moving
    halley = [np.array(v, dtype) for v in (3 - 1 / 3, 3, 1 / 3)]
    num_iters, u, not_converged = while_loop(
        lambda s: bitwise_and(s[2], lt(s[0], max_iterations)),
        lambda s: (add(s[0], 1), *iteration(s[1], halley, _qdwh_cholesky_step)),
        (len(qr_coefs) + len(chol_coefs), u, not_converged))
    # a Newton-Schulz step refines u
    u = sub(mul(_const(u, 1.5), u), mul(_const(u, 0.5), _mm(u, _mm(_H(u), u))))
    return u, symmetrize(_mm(_H(u), x)), num_iters, bitwise_not(not_converged)

