"""xlafront.numpy.linalg: NumPy's linear algebra with JAX's semantics (`jax.numpy.linalg`),
composed from the factorizations of lax.linalg (LAPACK on CPU, cuSOLVER on GPU).

>>> import xlafront.numpy as np
>>> np.linalg.solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([2.0, 2.0]))
Array([1. , 0.5], dtype=float32)

Every function is batched over leading dimensions and differentiable. Integer inputs are
computed in the default float type. As in JAX, a singular matrix gives inf or NaN values
(never an exception); an argument of the wrong rank or shape raises ValueError naming it.
"""
import math
import operator
from typing import NamedTuple

import numpy as np

from .. import dtypes, lax
from ..core import get_aval
from ..custom_derivatives import custom_jvp
from ..dispatch import eager
from ..lax import linalg as lax_linalg
from ..lax.linalg_base import _H, _T
from ._manip import diagonal as _diagonal_of
from ._manip import matmul as _matmul
from ._manip import expand_dims, moveaxis, reshape, where
from ._manip_more import vecdot
from ._reductions import amax, amin, any_, count_nonzero, cumprod, prod, sum_
from ._ufuncs import (absolute, conj, exp, greater, isinf, isnan, less, log, logical_or,
                      multiply, power, real, sign, sqrt)
from ._util import array_like, aval_or_error, canonical_axis, promote_dtypes

__all__ = ["EigResult", "EighResult", "QRResult", "SVDResult", "SlogdetResult", "cholesky",
           "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals", "eigvalsh", "inv",
           "lstsq", "matmul", "matrix_norm", "matrix_power", "matrix_rank",
           "matrix_transpose", "multi_dot", "norm", "outer", "pinv", "qr", "slogdet",
           "solve", "svd", "svdvals", "tensordot", "tensorinv", "tensorsolve", "trace",
           "vecdot", "vector_norm"]


class EighResult(NamedTuple):
    eigenvalues: object
    eigenvectors: object


class EigResult(NamedTuple):
    eigenvalues: object
    eigenvectors: object


class QRResult(NamedTuple):
    Q: object
    R: object


class SlogdetResult(NamedTuple):
    sign: object
    logabsdet: object


class SVDResult(NamedTuple):
    U: object
    S: object
    Vh: object


# ---------------------------------------------------------------------------------------
# helpers

def _inexact(op, *xs):
    """The arguments as arrays of their common inexact dtype (integers: the default float)."""
    xs = [array_like(x) for x in xs]
    for x in xs:
        aval_or_error(op, x)
    return promote_dtypes(op, *xs, to=dtypes.to_inexact)[0]


def _array(op, x):
    x = array_like(x)
    return x, aval_or_error(op, x)


def _square(op, aval):
    if aval.ndim < 2 or aval.shape[-1] != aval.shape[-2]:
        raise ValueError(f"{op}: the argument must be a square matrix or a batch of them, of "
                         f"shape [..., n, n]; got shape {aval.shape}")


def _mm(a, b):
    return _matmul(a, b, precision=lax.Precision.HIGHEST)


def _entry(x, i, j):
    """x[..., i, j] (static i, j)."""
    shape = get_aval(x).shape
    nb = len(shape) - 2
    piece = lax.slice(x, (0,) * nb + (i, j), shape[:-2] + (i + 1, j + 1))
    return lax.reshape(piece, shape[:-2])


def _diagonal(x):
    return _diagonal_of(x, 0, -2, -1)


def _eye_like(aval):
    """Identity matrices of aval's shape [..., n, n] and dtype."""
    nd = aval.ndim
    same = lax.eq(lax.broadcasted_iota(np.int32, aval.shape, nd - 2),
                  lax.broadcasted_iota(np.int32, aval.shape, nd - 1))
    return lax.convert_element_type(same, aval.dtype)


def _broadcast_batch(a, b, b_core):
    """a [..., m, m] and b [..., *b_core] with their leading dimensions broadcast together."""
    a_aval, b_aval = get_aval(a), get_aval(b)
    nb_b = b_aval.ndim - b_core
    batch = np.broadcast_shapes(a_aval.shape[:-2], b_aval.shape[:nb_b])
    a = _broadcast_to(a, batch + a_aval.shape[-2:])
    b = _broadcast_to(b, batch + b_aval.shape[nb_b:])
    return a, b


def _broadcast_to(x, shape):
    aval = get_aval(x)
    if aval.shape == tuple(shape):
        return x
    return lax.broadcast_in_dim(x, tuple(shape), tuple(range(len(shape) - aval.ndim,
                                                             len(shape))))


# ---------------------------------------------------------------------------------------
# factorizations

@eager(static_argnames=("upper", "symmetrize_input"))
def cholesky(a, *, upper=False, symmetrize_input=True):
    """The Cholesky factor of (a batch of) Hermitian positive-definite matrices: L lower
    triangular with a = L L^H (upper: U = L^H, a = U^H U). NaNs where a is not positive
    definite."""
    a, = _inexact("cholesky", a)
    _square("cholesky", get_aval(a))
    factor = lax_linalg.cholesky(a, symmetrize_input=symmetrize_input)
    return _H(factor) if upper else factor


@eager(static_argnames=("full_matrices", "compute_uv", "hermitian", "subset_by_index"))
def svd(a, full_matrices=True, compute_uv=True, hermitian=False, subset_by_index=None):
    """Singular value decomposition a = U diag(S) Vh of (a batch of) matrices [..., m, n]:
    SVDResult(U, S, Vh), S decreasing; only S when not compute_uv. `hermitian` computes it
    from the eigendecomposition."""
    a, = _inexact("svd", a)
    aval = get_aval(a)
    if aval.ndim < 2:
        raise ValueError(f"svd: the argument must be at least two-dimensional, got shape "
                         f"{aval.shape}")
    if hermitian:
        vectors, values = lax_linalg.eigh(a, subset_by_index=subset_by_index)
        s = absolute(values)
        nd = get_aval(s).ndim
        if not compute_uv:
            return lax.rev(lax.sort(s, dimension=nd - 1), (nd - 1,))
        idxs = lax.broadcasted_iota(np.int32, get_aval(s).shape, nd - 1)
        s, idxs, signs = lax.sort((s, idxs, sign(values)), dimension=nd - 1, num_keys=1)
        s, idxs, signs = (lax.rev(x, (nd - 1,)) for x in (s, idxs, signs))
        u = _T(lax_linalg._take_rows(_T(vectors), idxs))
        signs = lax.broadcast_in_dim(lax.convert_element_type(signs, get_aval(u).dtype),
                                     get_aval(u).shape, tuple(range(nd - 1)) + (nd,))
        return SVDResult(u, s, _H(lax.mul(u, signs)))
    if compute_uv:
        return SVDResult(*lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=True,
                                         subset_by_index=subset_by_index))
    return lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=False,
                          subset_by_index=subset_by_index)


@eager
def svdvals(x, /):
    """The singular values of (a batch of) matrices [..., m, n], decreasing."""
    return svd(x, compute_uv=False)


@eager(static_argnames="mode")
def qr(a, mode="reduced"):
    """QR decomposition of (a batch of) matrices [..., m, n], k = min(m, n): mode "reduced"
    QRResult(Q [..., m, k], R [..., k, n]); "complete" Q [..., m, m], R [..., m, n]; "r"
    R [..., k, n] only; "raw" LAPACK's (h, tau) with h transposed, as NumPy."""
    a, = _inexact("qr", a)
    aval = get_aval(a)
    if aval.ndim < 2:
        raise ValueError(f"qr: the argument must be at least two-dimensional, got shape "
                         f"{aval.shape}")
    if mode == "raw":
        h, taus = lax_linalg.geqrf(a)
        return QRResult(_T(h), taus)
    if mode in ("reduced", "r", "full"):
        full_matrices = False
    elif mode == "complete":
        full_matrices = True
    else:
        raise ValueError(f"qr: unsupported mode {mode!r}; use 'reduced', 'complete', 'r' or "
                         f"'raw'")
    q, r = lax_linalg.qr(a, full_matrices=full_matrices)
    return r if mode == "r" else QRResult(q, r)


@eager
def eig(a):
    """Eigenvalues and right eigenvectors of (a batch of) general square matrices:
    EigResult(eigenvalues, eigenvectors), complex (complex64 for 32-bit input) whatever
    the input; eigenvectors[..., :, i] belongs to eigenvalues[..., i]."""
    a, = _inexact("eig", a)
    _square("eig", get_aval(a))
    w, v = lax_linalg.eig(a, compute_left_eigenvectors=False)
    return EigResult(w, v)


@eager
def eigvals(a):
    """The (complex) eigenvalues of (a batch of) general square matrices."""
    a, = _inexact("eigvals", a)
    _square("eigvals", get_aval(a))
    return lax_linalg.eig(a, compute_left_eigenvectors=False,
                          compute_right_eigenvectors=False)[0]


def _uplo_lower(op, UPLO):  # noqa: N803 (NumPy's name)
    if UPLO is None or UPLO == "L":
        return True
    if UPLO == "U":
        return False
    raise ValueError(f"{op}: UPLO must be one of None, 'L', or 'U', got {UPLO!r}")


@eager(static_argnames=("UPLO", "symmetrize_input"))
def eigh(a, UPLO=None, symmetrize_input=True):  # noqa: N803 (NumPy's name)
    """Eigendecomposition of (a batch of) Hermitian matrices: EighResult(eigenvalues
    ascending (real), eigenvectors in the columns). Symmetrized first unless
    `symmetrize_input` is False (then only the triangle UPLO says is read)."""
    lower = _uplo_lower("eigh", UPLO)
    a, = _inexact("eigh", a)
    _square("eigh", get_aval(a))
    v, w = lax_linalg.eigh(a, lower=lower, symmetrize_input=symmetrize_input)
    return EighResult(w, v)


@eager(static_argnames=("UPLO", "symmetrize_input"))
def eigvalsh(a, UPLO="L", *, symmetrize_input=True):  # noqa: N803 (NumPy's name)
    """The eigenvalues (real, ascending) of (a batch of) Hermitian matrices."""
    return eigh(a, UPLO, symmetrize_input).eigenvalues


# ---------------------------------------------------------------------------------------
# solving, inverting, determinants

@custom_jvp
def _lu_solve(a, b):
    """a^-1 b for a [..., m, m], b [..., m, k] of the same leading dimensions; the jvp
    reuses the factorization: d(a^-1 b) = a^-1 (db - da x)."""
    lu_, _, perm = lax_linalg.lu(a)
    return lax_linalg._lu_solve(lu_, perm, b)


@_lu_solve.defjvp
def _lu_solve_jvp(primals, tangents):
    a, b = primals
    a_dot, b_dot = tangents
    lu_, _, perm = lax_linalg.lu(a)
    x = lax_linalg._lu_solve(lu_, perm, b)
    return x, lax_linalg._lu_solve(lu_, perm, lax.sub(b_dot, _mm(a_dot, x)))


@eager
def solve(a, b):
    """x with a x = b for (a batch of) square a [..., n, n] and b [n] (one right-hand side)
    or [..., n, k] (leading dimensions broadcast). inf or NaN where a is singular."""
    a, b = _inexact("solve", a, b)
    a_aval, b_aval = get_aval(a), get_aval(b)
    if a_aval.ndim < 2:
        raise ValueError(f"solve: the left-hand array must be at least two-dimensional, got "
                         f"shape {a_aval.shape}")
    _square("solve", a_aval)
    if (b_aval.ndim > 1 and a_aval.ndim == b_aval.ndim + 1 and
            a_aval.shape[-1] == b_aval.shape[-1] and a_aval.shape[-1] != b_aval.shape[-2]):
        raise ValueError(f"solve: invalid shapes {a_aval.shape}, {b_aval.shape}. Prior to JAX "
                         f"v0.5.0, this would have been treated as a batched 1-dimensional "
                         f"solve. To recover this behavior, use solve(a, b[..., None])"
                         f".squeeze(-1).")
    n = a_aval.shape[-1]
    vector = b_aval.ndim == 1
    if b_aval.ndim == 0 or b_aval.shape[0 if vector else -2] != n:
        raise ValueError(f"solve: b must have shape ({n},) or [..., {n}, k] to match a of "
                         f"shape {a_aval.shape}; got shape {b_aval.shape}")
    if vector:
        b = lax.reshape(b, (n, 1))
    a, b = _broadcast_batch(a, b, 2)
    x = _lu_solve(a, b)
    return lax.squeeze(x, (get_aval(x).ndim - 1,)) if vector else x


@eager
def inv(a):
    """The inverse of (a batch of) square matrices; inf or NaN where singular."""
    a, = _inexact("inv", a)
    aval = get_aval(a)
    _square("inv", aval)
    return solve(a, _eye_like(aval))


def _slogdet_from_lu(a):
    dtype = get_aval(a).dtype
    lu_, pivots, _ = lax_linalg.lu(a)
    diag = _diagonal(lu_)
    zero = np.zeros((), dtype)
    is_zero = any_(lax.eq(diag, zero), axis=-1)
    parity = count_nonzero(lax.ne(pivots, lax.broadcasted_iota(np.int32, get_aval(pivots).shape,
                                                                get_aval(pivots).ndim - 1)),
                           axis=-1)
    if dtypes.kind(dtype) == "c":
        s = prod(lax.div(diag, lax.convert_element_type(absolute(diag), dtype)), axis=-1)
    else:
        s = np.ones((), dtype)
        parity = lax.add(parity, count_nonzero(lax.lt(diag, zero), axis=-1))
    flip = lax.convert_element_type(lax.sub(np.int32(1), lax.mul(np.int32(2), lax.rem(
        lax.convert_element_type(parity, np.int32), np.int32(2)))), dtype)
    s = where(is_zero, zero, lax.mul(s, flip))
    logdet = where(is_zero, np.array(-np.inf, dtype),
                   sum_(lax.convert_element_type(log(absolute(diag)), dtype), axis=-1))
    return s, real(logdet)


def _slogdet_from_qr(a):
    if dtypes.kind(get_aval(a).dtype) == "c":
        raise NotImplementedError("slogdet: method='qr' is not implemented for complex inputs")
    n = get_aval(a).shape[-1]
    h, taus = lax_linalg.geqrf(a)
    diag = _diagonal(h)
    log_abs_det = sum_(log(absolute(diag)), axis=-1)
    sign_diag = prod(sign(diag), axis=-1)
    # a Householder reflector (tau != 0) has determinant -1
    nb = get_aval(taus).ndim - 1
    taus = lax.slice(taus, (0,) * (nb + 1), get_aval(taus).shape[:-1] + (max(n - 1, 0),))
    flips = where(lax.ne(taus, np.zeros((), get_aval(taus).dtype)), -1.0, 1.0)
    return lax.mul(sign_diag, lax.convert_element_type(prod(flips, axis=-1),
                                                       get_aval(sign_diag).dtype)), log_abs_det


def _slogdet_small(a):
    """slogdet of 1 x 1 and 2 x 2 matrices by the closed forms."""
    if get_aval(a).shape[-1] == 1:
        d = _entry(a, 0, 0)
    else:
        d = lax.sub(lax.mul(_entry(a, 0, 0), _entry(a, 1, 1)),
                    lax.mul(_entry(a, 0, 1), _entry(a, 1, 0)))
    return sign(d), real(log(absolute(d)))


def _slogdet_jvp(primals, tangents, method):
    """d log|det a| = tr(a^-1 da); the sign moves only for complex a."""
    x, = primals
    g, = tangents
    s, logdet = slogdet(x, method=method)
    # (lax's solve, not this module's: a custom_jvp function of the tangent g here would
    # be staged whole into the linear program, which reverse mode cannot transpose)
    ans_dot = trace(lax_linalg._solve(x, g))
    if dtypes.kind(get_aval(x).dtype) == "c":
        imaginary = lax.sub(ans_dot, lax.convert_element_type(real(ans_dot),
                                                              get_aval(ans_dot).dtype))
        return (s, logdet), (lax.mul(imaginary, s), real(ans_dot))
    return (s, logdet), (lax.zeros_like_array(s), ans_dot)


def _custom_slogdet(method, impl):
    fun = custom_jvp(impl)
    fun.defjvp(lambda primals, tangents: _slogdet_jvp(primals, tangents, method))
    return fun


_slogdet_methods = {"lu": _custom_slogdet("lu", _slogdet_from_lu),
                    "qr": _custom_slogdet("qr", _slogdet_from_qr),
                    "small": _custom_slogdet("lu", _slogdet_small)}


@eager(static_argnames="method")
def slogdet(a, *, method=None):
    """SlogdetResult(sign, logabsdet) of the determinants of (a batch of) square matrices:
    det = sign * exp(logabsdet), sign 0 and logabsdet -inf where singular. method: 'lu'
    (default) or 'qr'."""
    a, = _inexact("slogdet", a)
    aval = get_aval(a)
    _square("slogdet", aval)
    if method is None or method == "lu":
        key = "small" if aval.shape[-1] in (1, 2) else "lu"
    elif method == "qr":
        key = "qr"
    else:
        raise ValueError(f"slogdet: unknown method {method!r}; supported methods are 'lu' "
                         f"(None) and 'qr'")
    return SlogdetResult(*_slogdet_methods[key](a))


def _cofactor_solve(a, b):
    """(det a, adjugate(a) b) for square a and b [..., n, n], finite also for singular a (as
    JAX: with a = P L U, the last pivot of U is replaced so that the solve stays finite,
    and matrices of rank below n - 1, whose adjugate is 0, give zeros)."""
    shape, dtype = get_aval(a).shape, get_aval(a).dtype
    n, nd = shape[-1], len(shape)
    if n == 1:
        return _entry(a, 0, 0), b
    lu_, pivots, perm = lax_linalg.lu(a)
    diag = _diagonal(lu_)
    parity = count_nonzero(lax.ne(pivots, lax.broadcasted_iota(np.int32, get_aval(pivots).shape,
                                                                nd - 2)), axis=-1)
    flip = lax.convert_element_type(lax.sub(np.int32(1), lax.mul(np.int32(2), lax.rem(
        lax.convert_element_type(parity, np.int32), np.int32(2)))), dtype)
    # partial_det[..., -1] is det a, partial_det[..., -2] det(U) / U[n-1, n-1]
    partial_det = lax.mul(cumprod(diag, axis=-1), lax.broadcast_in_dim(
        flip, get_aval(diag).shape, tuple(range(nd - 2))))
    det_a, det_minor = (lax.squeeze(lax.slice_in_dim(partial_det, i, i + 1, axis=nd - 2),
                                    (nd - 2,)) for i in (n - 1, n - 2))
    corner = lax.bitwise_and(
        lax.eq(lax.broadcasted_iota(np.int32, shape, nd - 2), np.int32(n - 1)),
        lax.eq(lax.broadcasted_iota(np.int32, shape, nd - 1), np.int32(n - 1)))
    lu_ = where(corner, lax.broadcast_in_dim(lax.div(np.ones((), dtype), det_minor), shape,
                                             tuple(range(nd - 2))), lu_)
    # rank below n - 1: the solve overflows (inf or NaN), the adjugate is 0
    ones = lax.full(shape[:-1], 1, dtype)
    probe = lax_linalg.triangular_solve(lu_, ones, left_side=True, lower=False)
    bad = any_(logical_or(isnan(probe), isinf(probe)), axis=-1)
    bad = lax.broadcast_in_dim(bad, shape, tuple(range(nd - 2)))
    zeros = lax.full(shape, 0, dtype)
    x = where(bad, zeros, b)
    x = lax_linalg._take_rows(x, perm)
    x = lax_linalg.triangular_solve(lu_, x, left_side=True, lower=True, unit_diagonal=True)
    scale = lax.broadcast_in_dim(det_a, shape, tuple(range(nd - 2)))
    last_row = lax.eq(lax.broadcasted_iota(np.int32, shape, nd - 2), np.int32(n - 1))
    x = where(last_row, x, lax.mul(x, scale))
    x = lax_linalg.triangular_solve(lu_, x, left_side=True, lower=False)
    return det_a, where(bad, zeros, x)


def _det_general(a):
    s, logdet = slogdet(a)
    return lax.mul(s, lax.convert_element_type(exp(logdet), get_aval(s).dtype))


_det = custom_jvp(_det_general)


@_det.defjvp
def _det_jvp(primals, tangents):
    x, = primals
    g, = tangents
    y, z = _cofactor_solve(x, g)
    return y, trace(z)


@eager
def det(a):
    """The determinants of (a batch of) square matrices [..., n, n] (closed forms for
    n = 2, 3, LU beyond); the derivative is the adjugate, finite for singular a too."""
    a, = _inexact("det", a)
    aval = get_aval(a)
    _square("det", aval)
    n = aval.shape[-1]
    e = lambda i, j: _entry(a, i, j)  # noqa: E731
    if n == 2:
        return lax.sub(lax.mul(e(0, 0), e(1, 1)), lax.mul(e(0, 1), e(1, 0)))
    if n == 3:
        plus = [(0, 0, 1, 1, 2, 2), (0, 1, 1, 2, 2, 0), (0, 2, 1, 0, 2, 1)]
        minus = [(0, 2, 1, 1, 2, 0), (0, 0, 1, 2, 2, 1), (0, 1, 1, 0, 2, 2)]

        def term(t):
            return lax.mul(lax.mul(e(t[0], t[1]), e(t[2], t[3])), e(t[4], t[5]))
        total = term(plus[0])
        for t in plus[1:]:
            total = lax.add(total, term(t))
        for t in minus:
            total = lax.sub(total, term(t))
        return total
    return _det(a)


@eager(static_argnames="n")
def matrix_power(a, n):
    """a raised to the integer power n by repeated squaring (n < 0: of the inverse; n = 0:
    identity matrices)."""
    a, aval = _array("matrix_power", a)
    if aval.ndim < 2:
        raise TypeError(f"matrix_power: {aval.ndim}-dimensional array given. Array must be at "
                        f"least two-dimensional")
    if aval.shape[-2] != aval.shape[-1]:
        raise TypeError(f"matrix_power: the last 2 dimensions of the array must be square, got "
                        f"shape {aval.shape}")
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"matrix_power: exponent must be an integer, got {n!r}") from None
    if n == 0:
        return _eye_like(aval)
    if n < 0:
        a, n = inv(a), -n
    result = z = None
    while n > 0:
        z = a if z is None else _matmul(z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else _matmul(result, z)
    return result


# ---------------------------------------------------------------------------------------
# pseudo-inverse, rank, least squares

def _pinv_impl(a, rtol, hermitian):
    shape, dtype = get_aval(a).shape, get_aval(a).dtype
    m, n = shape[-2:]
    if m == 0 or n == 0:
        return lax.full(shape[:-2] + (n, m), 0, dtype)
    a = conj(a)
    u, s, vh = svd(a, full_matrices=False, hermitian=hermitian)
    # singular values at most rtol * the largest are dropped (rtol broadcasts against the
    # leading dimensions, NumPy's way)
    nd = get_aval(s).ndim
    largest = lax.slice(s, (0,) * nd, get_aval(s).shape[:-1] + (1,))
    cutoff = multiply(expand_dims(lax.convert_element_type(rtol, get_aval(s).dtype), -1),
                      largest)
    s = lax.convert_element_type(where(greater(s, cutoff), s, np.inf), dtype)
    s_rows = lax.broadcast_in_dim(s, get_aval(s).shape + get_aval(u).shape[-2:-1],
                                  tuple(range(nd)))  # s_i along row i of u^T
    return _mm(_T(vh), lax.div(_T(u), s_rows))


@eager(static_argnames="hermitian")
def _pinv_eager(a, rtol, hermitian):
    return _pinv(a, rtol, hermitian)


def _pinv_jvp(hermitian, primals, tangents):
    # Golub and Pereyra (1973), via en.wikipedia.org/wiki/Moore-Penrose_inverse#Derivative
    a, rtol = primals
    a_dot, _ = tangents  # rtol only picks which singular values count: no derivative
    p = _pinv(a, rtol, hermitian)
    if hermitian:  # svd(hermitian=True) reads the symmetrized input
        a, a_dot = lax_linalg.symmetrize(a), lax_linalg.symmetrize(a_dot)
    m, n = get_aval(a).shape[-2:]
    if m >= n:
        s = _mm(_mm(p, _H(p)), _H(a_dot))
        t = _mm(_mm(_H(a_dot), _H(p)), p)
        p_dot = lax.add(lax.sub(lax.add(lax.sub(s, _mm(_mm(s, a), p)), t), _mm(_mm(p, a), t)),
                        lax.neg(_mm(_mm(p, a_dot), p)))
    else:
        s = _mm(p, _mm(_H(p), _H(a_dot)))
        t = _mm(_H(a_dot), _mm(_H(p), p))
        p_dot = lax.add(lax.sub(lax.add(lax.sub(s, _mm(s, _mm(a, p))), t), _mm(p, _mm(a, t))),
                        lax.neg(_mm(p, _mm(a_dot, p))))
    return p, p_dot


_pinv = custom_jvp(_pinv_impl, nondiff_argnums=(2,))
_pinv.defjvp(_pinv_jvp)


def pinv(a, rtol=None, hermitian=False, *, rcond=None):
    """The Moore-Penrose pseudo-inverse of (a batch of) matrices [..., m, n], from the SVD;
    singular values at most rtol * the largest count as zero (default rtol:
    10 * max(m, n) * eps, as JAX; NumPy's is 1e-15)."""
    if rcond is not None:
        if rtol is not None:
            raise ValueError("pinv: only one of rtol and rcond may be specified")
        rtol = rcond
    a, = _inexact("pinv", a)
    aval = get_aval(a)
    if aval.ndim < 2:
        raise ValueError(f"pinv: the argument must be at least two-dimensional, got shape "
                         f"{aval.shape}")
    if rtol is None:
        rtol = 10.0 * max(aval.shape[-2:]) * float(dtypes.finfo(aval.dtype).eps)
    rtol, = _inexact("pinv", rtol)
    rtol = lax.convert_element_type(rtol, dtypes.to_inexact(get_aval(rtol).dtype))
    return _pinv_eager(a, rtol, bool(hermitian))


@eager(static_argnames="hermitian")
def matrix_rank(M, rtol=None, *, hermitian=False, tol=None):  # noqa: N803 (NumPy's name)
    """The number of singular values above the tolerance, per matrix of the batch
    [..., m, n]: by default the largest singular value * max(m, n) * eps; a given rtol is
    that tolerance itself, as in JAX (NumPy multiplies it by the largest singular value)."""
    if tol is not None:
        if rtol is not None:
            raise ValueError("matrix_rank: only one of tol or rtol may be specified")
        rtol = tol
    M, = _inexact("matrix_rank", M)
    aval = get_aval(M)
    if aval.ndim < 2:
        return lax.convert_element_type(any_(lax.ne(M, np.zeros((), aval.dtype))), np.int32)
    s = svd(M, full_matrices=False, compute_uv=False, hermitian=hermitian)
    real_dtype = get_aval(s).dtype
    if rtol is None:
        rtol = lax.mul(amax(s, axis=-1), np.array(max(aval.shape[-2:])
                                                  * dtypes.finfo(real_dtype).eps, real_dtype))
    rtol, = _inexact("matrix_rank", rtol)
    rtol = lax.convert_element_type(rtol, real_dtype)
    return sum_(greater(s, expand_dims(rtol, -1)), axis=-1)


def _lstsq(a, b, rcond, numpy_resid):
    a, b = _inexact("lstsq", a, b)
    a_aval, b_aval = get_aval(a), get_aval(b)
    if a_aval.ndim != 2:
        raise TypeError(f"lstsq: {a_aval.ndim}-dimensional array given. Array must be "
                        f"two-dimensional")
    if b_aval.ndim not in (1, 2):
        raise TypeError(f"lstsq: {b_aval.ndim}-dimensional array given. Array must be one or "
                        f"two-dimensional")
    if a_aval.shape[0] != b_aval.shape[0]:
        raise ValueError(f"lstsq: leading dimensions of input arrays must match, got shapes "
                         f"{a_aval.shape} and {b_aval.shape}")
    vector = b_aval.ndim == 1
    if vector:
        b = lax.reshape(b, b_aval.shape + (1,))
    (m, n), dtype = a_aval.shape, a_aval.dtype
    real_dtype = dtypes.finfo(dtype).dtype
    eps = float(dtypes.finfo(dtype).eps)
    if a_aval.size == 0:
        s = lax.full((0,), 0, real_dtype)
        rank = lax.full((), 0, dtypes.default_int())
        x = lax.full((n, get_aval(b).shape[1]), 0, dtype)
    else:
        if rcond is None:
            rcond = eps * max(n, m)
        else:
            rcond = where(less(rcond, 0), eps, rcond)
        u, s, vt = svd(a, full_matrices=False)
        largest = lax.slice(s, (0,), (1,))
        cutoff = lax.mul(lax.convert_element_type(rcond, real_dtype), largest)
        mask = lax.bitwise_and(lax.gt(s, np.zeros((), real_dtype)),
                               lax.ge(s, lax.broadcast_in_dim(cutoff, get_aval(s).shape, (0,))))
        rank = sum_(mask)
        safe_s = lax.convert_element_type(where(mask, s, 1), dtype)
        s_inv = where(mask, lax.div(np.ones((), dtype), safe_s), np.zeros((), dtype))
        s_inv = lax.broadcast_in_dim(s_inv, (get_aval(s).shape[0], get_aval(b).shape[1]), (0,))
        x = _mm(_H(vt), lax.mul(s_inv, _mm(_H(u), b)))
    if numpy_resid and (int(rank) < n or m <= n):
        resid = lax.full((0,), 0, real_dtype)
    else:
        resid = power(norm(lax.sub(b, _mm(a, x)), axis=0), 2)
    if vector:
        x = lax.reshape(x, (n,))
    return x, resid, rank, s


@eager
def _lstsq_eager(a, b, rcond):
    return _lstsq(a, b, rcond, False)


def lstsq(a, b, rcond=None, *, numpy_resid=False):
    """The least-squares solution of a x = b for a [m, n] and b [m] or [m, k]: (x,
    residuals (squared norms, always returned unless numpy_resid), rank, singular values
    of a). Singular values below rcond * the largest count as zero (default eps * max(m, n))."""
    if numpy_resid:  # NumPy's empty residuals depend on the rank's value: not traceable
        return _lstsq(a, b, rcond, True)
    return _lstsq_eager(a, b, rcond)


# ---------------------------------------------------------------------------------------
# norms and condition numbers

def _vector_norm(x, ord, axis, keepdims):  # noqa: A002 (NumPy's name)
    if ord is None or ord == 2:
        return sqrt(sum_(real(lax.mul(x, conj(x))), axis=axis, keepdims=keepdims))
    if ord == np.inf:
        return amax(absolute(x), axis=axis, keepdims=keepdims, initial=0)
    if ord == -np.inf:
        return amin(absolute(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return sum_(lax.ne(x, np.zeros((), get_aval(x).dtype)),
                    dtype=dtypes.finfo(get_aval(x).dtype).dtype, axis=axis, keepdims=keepdims)
    if ord == 1:
        return sum_(absolute(x), axis=axis, keepdims=keepdims)
    if isinstance(ord, str):
        hint = {"inf": " Use 'xlafront.numpy.inf' instead.",
                "-inf": " Use '-xlafront.numpy.inf' instead."}.get(ord, "")
        raise ValueError(f"Invalid order '{ord}' for vector norm.{hint}")
    abs_x = absolute(x)
    total = sum_(power(abs_x, np.array(ord, get_aval(abs_x).dtype)), axis=axis,
                 keepdims=keepdims)
    return power(total, np.array(1.0 / ord, get_aval(abs_x).dtype))


@eager(static_argnames=("ord", "axis", "keepdims"))
def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 (NumPy's name)
    """Vector norms (one axis; ord None/2, inf, -inf, 0, 1, any p) and matrix norms (two
    axes; ord None/'fro', 'nuc', 1, -1, 2, -2, inf, -inf). With axis None: the 2-norm of
    the flattened array when ord is None, else over all axes (vector or matrix by rank)."""
    x, = _inexact("norm", x)
    ndim = get_aval(x).ndim
    if axis is None:
        if ord is None:
            return sqrt(sum_(real(lax.mul(x, conj(x))), keepdims=keepdims))
        axis = tuple(range(ndim))
    elif isinstance(axis, tuple):
        axis = tuple(canonical_axis("norm", a, ndim) for a in axis)
    else:
        axis = (canonical_axis("norm", axis, ndim),)
    if len(axis) == 1:
        return _vector_norm(x, 2 if ord is None else ord, axis, keepdims)
    if len(axis) != 2:
        raise ValueError(f"norm: improper number of axes for norm: axis={axis}. Pass one axis "
                         f"to compute a vector norm, or two axes to compute a matrix norm.")
    row, col = axis
    if ord is None or ord in ("f", "fro"):
        return sqrt(sum_(real(lax.mul(x, conj(x))), axis=axis, keepdims=keepdims))
    if ord in (1, -1):
        col -= 0 if keepdims or col < row else 1
        sums = sum_(absolute(x), axis=row, keepdims=keepdims)
        return (amax(sums, axis=col, keepdims=keepdims, initial=0) if ord == 1
                else amin(sums, axis=col, keepdims=keepdims))
    if ord in (np.inf, -np.inf):
        row -= 0 if keepdims or row < col else 1
        sums = sum_(absolute(x), axis=col, keepdims=keepdims)
        return (amax(sums, axis=row, keepdims=keepdims, initial=0) if ord == np.inf
                else amin(sums, axis=row, keepdims=keepdims))
    if ord in ("nuc", 2, -2):
        s = svd(moveaxis(x, axis, (-2, -1)), compute_uv=False)
        y = (amax(s, axis=-1, initial=0) if ord == 2 else amin(s, axis=-1) if ord == -2
             else sum_(s, axis=-1))
        if keepdims:
            y = lax.expand_dims(y, tuple(sorted(axis)))
        return y
    raise ValueError(f"norm: invalid order '{ord}' for matrix norm")


@eager(static_argnames=("keepdims", "ord"))
def matrix_norm(x, /, *, keepdims=False, ord="fro"):  # noqa: A002 (NumPy's name)
    """The norm (default Frobenius) of (a batch of) matrices over the last two axes."""
    return norm(x, ord=ord, keepdims=keepdims, axis=(-2, -1))


@eager(static_argnames=("axis", "keepdims", "ord"))
def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):  # noqa: A002 (NumPy's name)
    """The vector norm of x over `axis` (all axes when None, the array flattened)."""
    x, = _inexact("vector_norm", x)
    return _vector_norm(x, ord, axis, keepdims)


@eager(static_argnames="p")
def cond(x, p=None):
    """The condition number norm(x, p) * norm(inv(x), p) of (a batch of) matrices; for
    p None or 2 (any shape) the ratio of the extreme singular values. inf (not NaN) where
    x is singular."""
    x, = _inexact("cond", x)
    aval = get_aval(x)
    if aval.ndim < 2:
        raise ValueError(f"cond: the argument must be at least two-dimensional, got shape "
                         f"{aval.shape}")
    if aval.shape[-1] == 0 or aval.shape[-2] == 0:
        raise ValueError(f"cond: the argument must not be empty, got shape {aval.shape}")
    if p is None or p in (2, -2):
        s = svdvals(x)
        k = get_aval(s).shape[-1]
        first, last = (lax.squeeze(lax.slice_in_dim(s, i, i + 1, axis=get_aval(s).ndim - 1),
                                   (get_aval(s).ndim - 1,)) for i in (0, k - 1))
        if p != -2:
            return lax.div(first, last)
        r = lax.div(last, first)
    else:
        _square("cond", aval)
        r = lax.mul(norm(x, ord=p, axis=(-2, -1)), norm(inv(x), ord=p, axis=(-2, -1)))
    nan_free = lax.bitwise_not(any_(isnan(x), axis=(-2, -1)))
    return where(lax.bitwise_and(isnan(r), nan_free), np.array(np.inf, get_aval(r).dtype), r)


# ---------------------------------------------------------------------------------------
# products and matrix views (the array-API spellings of the main namespace's functions)

@eager(static_argnames=("precision", "preferred_element_type"))
def matmul(x1, x2, /, *, precision=None, preferred_element_type=None):
    """The matrix product (as xlafront.numpy.matmul)."""
    return _matmul(x1, x2, precision=precision, preferred_element_type=preferred_element_type)


@eager(static_argnames=("axes", "precision", "preferred_element_type"))
def tensordot(x1, x2, /, *, axes=2, precision=None, preferred_element_type=None):
    """Sum of products over `axes` (an int k: the last k of x1 with the first k of x2; or
    a pair of axis sequences)."""
    (x1, x2), _ = promote_dtypes("tensordot", array_like(x1), array_like(x2))
    a1, a2 = get_aval(x1), get_aval(x2)
    if isinstance(axes, int):
        if not 0 <= axes <= min(a1.ndim, a2.ndim):
            raise ValueError(f"tensordot: axes={axes} must be between 0 and the rank of both "
                             f"arguments, got shapes {a1.shape} and {a2.shape}")
        ax1, ax2 = tuple(range(a1.ndim - axes, a1.ndim)), tuple(range(axes))
    else:
        try:
            ax1, ax2 = axes
        except (TypeError, ValueError):
            raise TypeError(f"tensordot: axes must be an int or a pair of axis sequences, got "
                            f"{axes!r}") from None
        ax1 = tuple(canonical_axis("tensordot", a, a1.ndim) for a in np.atleast_1d(ax1))
        ax2 = tuple(canonical_axis("tensordot", a, a2.ndim) for a in np.atleast_1d(ax2))
    if len(ax1) != len(ax2):
        raise TypeError(f"tensordot: the axes lists must have the same length, got {axes!r}")
    return lax.dot_general(x1, x2, ((ax1, ax2), ((), ())), precision, preferred_element_type)


@eager
def outer(x1, x2, /):
    """The outer product of two one-dimensional arrays."""
    (x1, x2), _ = promote_dtypes("outer", array_like(x1), array_like(x2))
    a1, a2 = get_aval(x1), get_aval(x2)
    if a1.ndim != 1 or a2.ndim != 1:
        raise ValueError(f"outer: input arrays must be one-dimensional, got shapes {a1.shape} "
                         f"and {a2.shape}")
    shape = a1.shape + a2.shape
    return lax.mul(lax.broadcast_in_dim(x1, shape, (0,)), lax.broadcast_in_dim(x2, shape, (1,)))


@eager(static_argnames="axis")
def cross(x1, x2, /, *, axis=-1):
    """The cross product of (arrays of) 3-vectors along `axis`, other dimensions broadcast."""
    (x1, x2), _ = promote_dtypes("cross", array_like(x1), array_like(x2))
    a1, a2 = get_aval(x1), get_aval(x2)
    ax1, ax2 = canonical_axis("cross", axis, a1.ndim), canonical_axis("cross", axis, a2.ndim)
    if a1.shape[ax1] != 3 or a2.shape[ax2] != 3:
        raise ValueError(f"cross: both input arrays must be (arrays of) 3-dimensional vectors, "
                         f"but they have x1.shape[axis]={a1.shape[ax1]} and "
                         f"x2.shape[axis]={a2.shape[ax2]}")
    x1, x2 = moveaxis(x1, ax1, -1), moveaxis(x2, ax2, -1)
    batch = np.broadcast_shapes(get_aval(x1).shape[:-1], get_aval(x2).shape[:-1])
    x1, x2 = _broadcast_to(x1, batch + (3,)), _broadcast_to(x2, batch + (3,))
    nb = len(batch)

    def part(x, i):
        return lax.squeeze(lax.slice_in_dim(x, i, i + 1, axis=nb), (nb,))
    a, b = [part(x1, i) for i in range(3)], [part(x2, i) for i in range(3)]
    parts = [lax.sub(lax.mul(a[(i + 1) % 3], b[(i + 2) % 3]),
                     lax.mul(a[(i + 2) % 3], b[(i + 1) % 3])) for i in range(3)]
    out = lax.concatenate([lax.expand_dims(p, (nb,)) for p in parts], nb)
    return moveaxis(out, -1, axis)


@eager
def matrix_transpose(x, /):
    """The transpose of (a batch of) matrices: the last two axes swapped."""
    x, aval = _array("matrix_transpose", x)
    if aval.ndim < 2:
        raise ValueError(f"matrix_transpose requires at least 2 dimensions; got shape "
                         f"{aval.shape}")
    return _T(x)


@eager(static_argnames="offset")
def diagonal(x, /, *, offset=0):
    """The diagonal `offset` of (a batch of) matrices (the last two axes)."""
    return _diagonal_of(array_like(x), offset, -2, -1)


@eager(static_argnames=("offset", "dtype"))
def trace(x, /, *, offset=0, dtype=None):
    """The sum of the diagonal `offset` of (a batch of) matrices (the last two axes)."""
    x, aval = _array("trace", x)
    if aval.ndim < 2:
        raise ValueError(f"trace: the argument must be at least two-dimensional, got shape "
                         f"{aval.shape}")
    return sum_(_diagonal_of(x, offset, -2, -1), axis=-1, dtype=dtype)


@eager(static_argnames="ind")
def tensorinv(a, ind=2):
    """The inverse of `a` under tensordot(., ., ind): shape a.shape[ind:] + a.shape[:ind]."""
    a, aval = _array("tensorinv", a)
    ind = operator.index(ind)
    if ind <= 0:
        raise ValueError(f"tensorinv: ind must be a positive integer; got ind={ind}")
    contracting, batch = aval.shape[:ind], aval.shape[ind:]
    rows, cols = math.prod(contracting), math.prod(batch)
    if rows != cols:
        raise ValueError(f"tensorinv is only possible when the product of the first `ind` "
                         f"dimensions equals that of the remaining dimensions. got "
                         f"a.shape={aval.shape} with ind={ind}.")
    return reshape(inv(reshape(a, (rows, cols))), batch + contracting)


@eager(static_argnames="axes")
def tensorsolve(a, b, axes=None):
    """x with tensordot(a, x, x.ndim) = b (axes of a listed in `axes` moved to the end
    first)."""
    a, a_aval = _array("tensorsolve", a)
    b, b_aval = _array("tensorsolve", b)
    if axes is not None:
        a = moveaxis(a, axes, len(axes) * (a_aval.ndim - 1,))
        a_aval = get_aval(a)
    out_shape = a_aval.shape[b_aval.ndim:]
    if a_aval.shape[:b_aval.ndim] != b_aval.shape:
        raise ValueError(f"tensorsolve: after moving axes to end, leading shape of a must match "
                         f"shape of b. got a.shape={a_aval.shape}, b.shape={b_aval.shape}")
    if b_aval.size != math.prod(out_shape):
        raise ValueError(f"tensorsolve: input arrays must have prod(a.shape[:b.ndim]) == "
                         f"prod(a.shape[b.ndim:]); got a.shape={a_aval.shape}, "
                         f"b.ndim={b_aval.ndim}.")
    x = solve(reshape(a, (b_aval.size, math.prod(out_shape))), reshape(b, (b_aval.size,)))
    return reshape(x, out_shape)


def _chain_order(shapes):
    """The cheapest parenthesization of a chain of matrix products (the classic dynamic
    program, as NumPy's multi_dot): split[i][j] is where chain i..j splits."""
    n = len(shapes)
    dims = [shapes[0][0]] + [s[1] for s in shapes]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


@eager(static_argnames="precision")
def multi_dot(arrays, *, precision=None):
    """The product arrays[0] @ arrays[1] @ ... evaluated in the cheapest order; the first
    and last array may be one-dimensional, the others must be matrices."""
    arrs = list(promote_dtypes("multi_dot", *[array_like(x) for x in arrays])[0])
    if len(arrs) < 2:
        raise ValueError(f"multi_dot requires at least two arrays; got len(arrays)={len(arrs)}")
    shapes = [get_aval(x).shape for x in arrs]
    if not (len(shapes[0]) in (1, 2) and len(shapes[-1]) in (1, 2)
            and all(len(s) == 2 for s in shapes[1:-1])):
        raise ValueError(f"multi_dot: input arrays must all be two-dimensional, except for the "
                         f"first and last array which may be 1 or 2 dimensional. Got array "
                         f"shapes {shapes}")
    first_vector, last_vector = len(shapes[0]) == 1, len(shapes[-1]) == 1
    if first_vector:
        arrs[0] = lax.reshape(arrs[0], (1,) + shapes[0])
    if last_vector:
        arrs[-1] = lax.reshape(arrs[-1], shapes[-1] + (1,))
    shapes = [get_aval(x).shape for x in arrs]
    if any(s[1] != t[0] for s, t in zip(shapes[:-1], shapes[1:])):
        raise ValueError(f"multi_dot: last dimension of each array must match first dimension "
                         f"of following array. Got array shapes "
                         f"{[get_aval(x).shape for x in arrays]}")
    split = _chain_order(shapes)

    def product(i, j):
        if i == j:
            return arrs[i]
        k = split[i][j]
        return lax.dot(product(i, k), product(k + 1, j), precision=precision)
    result = product(0, len(arrs) - 1)
    if first_vector:
        result = lax.squeeze(result, (0,))
    if last_vector:
        result = lax.squeeze(result, (get_aval(result).ndim - 1,))
    return result
