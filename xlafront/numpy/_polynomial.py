"""Polynomials as 1-D coefficient arrays, highest power first (NumPy's poly* functions):
poly, polyval, polyadd, polysub, polymul, polydiv, polyder, polyint, polyfit and roots
(these two through numpy.linalg's lstsq and eigvals).

After _statistics in xlafront.numpy's chain."""
import operator

import numpy as np

from .. import dtypes, lax
from ..core import concrete_or_error, get_aval
from ..dispatch import eager
from ..errors import api_boundary
from . import linalg
from ._creation_more import diag, vander
from ._indexing import _scatter_update
from ._manip import atleast_1d, concatenate, dot, roll
from ._manip import where as _where
from ._manip_more import trim_zeros
from ._reductions import all_, argmin
from ._signal import convolve
from ._ufuncs import sqrt, true_divide
from ._util import array_like, asarray, promote_dtypes

__all__ = ["poly", "polyadd", "polyder", "polydiv", "polyfit", "polyint", "polymul", "polysub",
           "polyval", "roots"]


def _inexact(op, *args):
    return [asarray(x) for x in promote_dtypes(op, *[array_like(a) for a in args],
                                               to=dtypes.to_inexact)[0]]


def _same(op, *args):
    return [asarray(x) for x in promote_dtypes(op, *[array_like(a) for a in args])[0]]


def _complex_of(dtype):
    return dtypes.canonicalize(np.complex128 if dtypes.finfo(dtype).bits == 64 else
                               np.complex64)


@eager
def poly(seq_of_zeros):
    """The coefficients of the monic polynomial with the given roots (or the characteristic
    polynomial of a square matrix)."""
    (z,) = _inexact("poly", seq_of_zeros)
    z = atleast_1d(z)
    shape = get_aval(z).shape
    if len(shape) == 2 and shape[0] == shape[1] and shape[0]:
        z = linalg.eigvals(z)
    if get_aval(z).ndim != 1:
        raise ValueError("poly: input must be 1d or non-empty square 2d array.")
    dtype = get_aval(z).dtype
    a = asarray(np.ones((1,), dtype))
    for k in range(get_aval(z).shape[0]):
        root = lax.reshape(lax.slice(z, (k,), (k + 1,)), (1,))
        a = convolve(a, concatenate([np.ones((1,), dtype), lax.neg(root)]), mode="full")
    return a if get_aval(z).shape[0] else asarray(np.ones((), dtype))


@eager(static_argnames="unroll")
def polyval(p, x, *, unroll=16):
    """p evaluated at x by Horner's rule (p's trailing axes broadcast against x)."""
    p, x = _same("polyval", p, x)
    shape = np.broadcast_shapes(get_aval(p).shape[1:], get_aval(x).shape)
    y = lax.broadcast_in_dim(np.zeros((), get_aval(x).dtype), shape, ())
    y, _ = lax.scan(lambda acc, c: (acc * x + c, None), y, p, unroll=unroll)
    return y


@eager
def polyadd(a1, a2):
    """The sum of two polynomials (aligned at the constant term)."""
    a1, a2 = _same("polyadd", a1, a2)
    if get_aval(a2).shape[0] > get_aval(a1).shape[0]:
        a1, a2 = a2, a1
    n1, n2 = get_aval(a1).shape[0], get_aval(a2).shape[0]
    return _scatter_update("add", a1, slice(n1 - n2, n1), a2)


@eager
def polysub(a1, a2):
    """The difference of two polynomials."""
    a1, a2 = _same("polysub", a1, a2)
    return polyadd(a1, lax.neg(a2))


@api_boundary
def polymul(a1, a2, *, trim_leading_zeros=False):
    """The product of two polynomials (leading zeros trimmed first if asked; that needs
    concrete values)."""
    a1, a2 = _inexact("polymul", a1, a2)
    if trim_leading_zeros and (get_aval(a1).shape[0] > 1 or get_aval(a2).shape[0] > 1):
        a1, a2 = trim_zeros(a1, trim="f"), trim_zeros(a2, trim="f")
    if get_aval(a1).shape[0] == 0:
        a1 = asarray(np.zeros(1, get_aval(a2).dtype))
    if get_aval(a2).shape[0] == 0:
        a2 = asarray(np.zeros(1, get_aval(a1).dtype))
    return convolve(a1, a2, mode="full")


@api_boundary
def polydiv(u, v, *, trim_leading_zeros=False):
    """(quotient, remainder) of u / v by long division; the remainder keeps u's length
    unless trim_leading_zeros (near-zero leading terms removed; needs concrete values)."""
    u, v = _inexact("polydiv", u, v)
    q, r = _polydiv(u, v)
    if trim_leading_zeros:
        host = np.asarray(concrete_or_error(r, "polydiv remainder (trim_leading_zeros)"))
        tol = np.sqrt(dtypes.finfo(get_aval(r).dtype).eps)
        nonzero = np.flatnonzero(np.abs(host) > tol)
        r = lax.slice(r, (int(nonzero[0]) if nonzero.size else get_aval(r).shape[0],),
                      (get_aval(r).shape[0],))
    return q, r


@eager
def _polydiv(u, v):
    m, n = get_aval(u).shape[0] - 1, get_aval(v).shape[0] - 1
    scale = lax.div(np.ones((), get_aval(v).dtype), lax.reshape(lax.slice(v, (0,), (1,)), ()))
    q = []
    for k in range(m - n + 1):
        d = lax.mul(scale, lax.reshape(lax.slice(u, (k,), (k + 1,)), ()))
        q.append(d)
        u = _scatter_update("add", u, slice(k, k + n + 1), lax.mul(lax.neg(d), v))
    q = lax.concatenate([lax.reshape(d, (1,)) for d in q], 0) if q else \
        asarray(np.zeros(1, get_aval(u).dtype))
    return q, u


@eager(static_argnames="m")
def polyder(p, m=1):
    """The m-th derivative of p."""
    (p,) = _inexact("polyder", p)
    m = operator.index(m)
    if m < 0:
        raise ValueError("polyder: order of derivative must be positive")
    if m == 0:
        return p
    n = get_aval(p).shape[0]
    # coefficient of x**j (j = n-1 ... m) times j (j - 1) ... (j - m + 1)
    factors = np.array([np.prod(np.arange(j - m + 1, j + 1)) for j in range(n - 1, m - 1, -1)])
    return lax.mul(lax.slice(p, (0,), (max(n - m, 0),)),
                   asarray(factors.astype(get_aval(p).dtype)))


@eager(static_argnames="m")
def polyint(p, m=1, k=None):
    """The m-th antiderivative of p, with integration constants k (a scalar or one per
    integration, the first constant for the outermost)."""
    m = operator.index(m)
    p, k = _inexact("polyint", p, 0 if k is None else k)
    if m < 0:
        raise ValueError("polyint: order of integral must be positive (see polyder)")
    k = atleast_1d(k)
    if get_aval(k).shape[0] == 1:
        k = lax.broadcast_in_dim(lax.reshape(k, ()), (m,), ())
    if get_aval(k).shape != (m,):
        raise ValueError("polyint: k must be a scalar or a rank-1 array of length 1 or m.")
    if m == 0:
        return p
    n = get_aval(p).shape[0]
    grid = np.arange(n + m)[None, :] - np.arange(m)[:, None]
    coeff = np.maximum(1, grid).prod(0)[::-1].astype(get_aval(p).dtype)
    return true_divide(concatenate((p, k)), asarray(coeff))


@api_boundary
def roots(p, *, strip_zeros=True):
    """The roots of p (complex), as eigenvalues of its companion matrix. Leading zeros are
    stripped, which needs p concrete; with strip_zeros=False (for jit) each leading zero
    gives a NaN root instead."""
    (p,) = _inexact("roots", p)
    p = atleast_1d(p)
    if get_aval(p).ndim != 1:
        raise ValueError("roots: input must be a rank-1 array.")
    n = get_aval(p).shape[0]
    if n < 2:
        return asarray(np.zeros((0,), _complex_of(get_aval(p).dtype)))
    is_zero = lax.eq(p, np.zeros((), get_aval(p).dtype))
    leading = _where(all_(is_zero), n, argmin(is_zero))
    if strip_zeros:
        leading = int(concrete_or_error(
            leading, "roots: leading zeros (to use roots under jit, pass strip_zeros=False; "
                     "leading zeros then give NaN roots)"))
        return _roots_no_zeros(lax.slice(p, (leading,), (n,)))
    return _roots_with_zeros(p, leading)


@eager
def _roots_no_zeros(p):
    n = get_aval(p).shape[0]
    if n < 2:
        return asarray(np.zeros((0,), _complex_of(get_aval(p).dtype)))
    first = lax.reshape(lax.slice(p, (0,), (1,)), ())
    A = diag(asarray(np.ones((n - 2,), get_aval(p).dtype)), -1)
    A = _scatter_update("set", A, 0, lax.neg(lax.div(lax.slice(p, (1,), (n,)), first)))
    return linalg.eigvals(A)


@eager
def _roots_with_zeros(p, leading):
    n = get_aval(p).shape[0]
    p = _where(lax.eq(leading, n), 1.0, p)  # (an all-zero p: no LAPACK errors)
    r = _roots_no_zeros(roll(p, lax.neg(leading)))
    _, r = lax.sort([lax.convert_element_type(lax.eq(r, np.zeros((), get_aval(r).dtype)),
                                              dtypes.int32), r], 0, num_keys=1)
    keep = lax.lt(lax.iota(get_aval(leading).dtype, n - 1), lax.sub(n - 1, leading))
    return _where(keep, r, complex(np.nan, np.nan))


@eager(static_argnames=("deg", "rcond", "full", "cov"))
def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """The least-squares polynomial of degree deg through (x, y) (y may hold several
    columns); weights w; with full also the residuals, rank, singular values and rcond,
    with cov the coefficients' covariance (cov='unscaled': not scaled by the residuals)."""
    x, y = _inexact("polyfit", x, y)
    deg = operator.index(deg)
    order = deg + 1
    if deg < 0:
        raise ValueError("polyfit: expected deg >= 0")
    xa, ya = get_aval(x), get_aval(y)
    if xa.ndim != 1:
        raise TypeError("polyfit: expected 1D vector for x")
    if xa.size == 0:
        raise TypeError("polyfit: expected non-empty vector for x")
    if ya.ndim not in (1, 2):
        raise TypeError("polyfit: expected 1D or 2D array for y")
    if xa.shape[0] != ya.shape[0]:
        raise TypeError("polyfit: expected x and y to have same length")
    rcond = xa.shape[0] * float(dtypes.finfo(xa.dtype).eps) if rcond is None else float(rcond)
    lhs, rhs = vander(x, order), y
    if w is not None:
        (w,) = _inexact("polyfit", w)
        if get_aval(w).ndim != 1:
            raise TypeError("polyfit: expected a 1-d array for weights")
        if get_aval(w).shape[0] != ya.shape[0]:
            raise TypeError("polyfit: expected w and y to have the same length")
        lhs = lhs * w[:, None]
        rhs = rhs * (w[:, None] if ya.ndim == 2 else w)
    scale = sqrt((lhs * lhs).sum(axis=0))  # (columns of unit norm: a better condition number)
    lhs = lhs / scale[None, :]
    c, resids, rank, s = linalg.lstsq(lhs, rhs, rcond)
    c = (c.T / scale[None, :]).T if get_aval(c).ndim > 1 else c / scale
    if full:
        return c, resids, rank, s, asarray(rcond, get_aval(x).dtype)
    if not cov:
        return c
    base = linalg.inv(dot(lhs.T, lhs)) / (scale[:, None] * scale[None, :])
    if cov == "unscaled":
        fac = asarray(1.0, get_aval(x).dtype)
    else:
        if xa.shape[0] <= order:
            raise ValueError("polyfit: the number of data points must exceed order to scale "
                             "the covariance matrix")
        fac = resids / (xa.shape[0] - order)
    if ya.ndim == 1:
        return c, base * atleast_1d(fac)[None]
    return c, base[:, :, None] * atleast_1d(fac)[None, None, :]

