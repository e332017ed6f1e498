"""Linear algebra primitives, as JAX's `jax.lax.linalg`: the factorizations (cholesky, lu,
qr, svd, eigh, eig, schur, tridiagonal, householder_product) and the triangular and
tridiagonal solves, each with its rules.

Every operation is batched over leading dimensions. On CPU it lowers to the LAPACK kernel
jaxlib registers with XLA (a typed-FFI custom call such as `lapack_spotrf_ffi`, see
runtime/lapack.py), on GPU to the cuSOLVER / cuSPARSE kernel of the CUDA plugin
(`cusolver_potrf_ffi` ...), with the layouts saying the kernels take column-major
matrices (XLA transposes). As in JAX, a factorization that fails (a matrix that is not
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
from ..runtime import lapack
from .base import out, primitive
from .control_flow import fori_loop, scan
from .cumulative import cumsum
from .dot import Precision, dot_general
from .elementwise import (add, complex_, conj, convert_element_type, div, eq, ge, imag, mul,
                          ne, neg, real, rem, select, sub)
from .reductions import argmax, reduce_sum
from .shape import (broadcast_in_dim, broadcasted_iota, concatenate, expand_dims, full, pad,
                    reshape, squeeze, transpose)
from .slicing import GatherDimensionNumbers, dynamic_slice, gather, slice_
from .sort import sort_key_val

__all__ = ["EigImplementation", "EighImplementation", "SvdAlgorithm", "cholesky",
           "cholesky_p", "eig", "eig_p", "eigh", "eigh_p", "householder_product",
           "householder_product_p", "lu", "lu_p", "lu_pivots_to_permutation",
           "lu_pivots_to_permutation_p", "qr", "qr_p", "schur", "schur_p", "svd", "svd_p",
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
# Shared: checks, custom calls, batching, and the matrix helpers the rules are written with

_LAPACK_DTYPES = tuple(np.dtype(t) for t in (np.float32, np.float64, np.complex64,
                                             np.complex128))
_INT32 = np.dtype(np.int32)


def _check_matrix(op, aval, square=False, what="its argument"):
    """(batch shape, m, n) of a batch of matrices [..., m, n], or TypeError / ValueError."""
    if aval.dtype not in _LAPACK_DTYPES:
        raise TypeError(f"{op} does not accept dtype {aval.dtype.name}; it accepts float32, "
                        f"float64, complex64 and complex128 (convert with .astype first)")
    if aval.ndim < 2:
        raise ValueError(f"{op}: {what} must be a matrix or a batch of matrices, of shape "
                         f"[..., m, n]; got shape {aval.shape}")
    if square and aval.shape[-1] != aval.shape[-2]:
        raise ValueError(f"{op}: {what} must be a square matrix or a batch of them, of "
                         f"shape [..., n, n]; got shape {aval.shape}")
    return aval.shape[:-2], aval.shape[-2], aval.shape[-1]


def _check_same(op, avals, names):
    if len({a.dtype for a in avals}) > 1:
        raise TypeError(f"{op}: {', '.join(names)} must have the same dtype, got "
                        f"{', '.join(a.dtype.name for a in avals)}")


def _real_dtype(dtype):
    return np.dtype(np.float32 if dtype == np.complex64 else
                    np.float64 if dtype == np.complex128 else dtype)


def _complex_dtype(dtype):
    return np.dtype(np.complex64 if dtype in (np.float32, np.complex64) else np.complex128)


def _is_complex(x):
    return dtypes.kind(get_aval(x).dtype) == "c"


def _u8(char):
    """A LAPACK character option (uplo, trans, mode ...) as the ui8 attribute the kernels read."""
    return L.ir.IntegerAttr.get(L.ir.IntegerType.get_unsigned(8), ord(char))


def _i1(flag):
    """A boolean attribute as JAX writes one (i1), for the cuSOLVER kernels."""
    return L.ir.IntegerAttr.get(L.ir.IntegerType.get_signless(1), int(bool(flag)))


def _layout(aval, column_major):
    """The minor-to-major layout of `aval`: column-major matrices for the kernels, batch
    dimensions outermost; row-major otherwise."""
    n = aval.ndim
    dims = (n - 2, n - 1, *range(n - 3, -1, -1)) if column_major else range(n - 1, -1, -1)
    return L.ir.DenseIntElementsAttr.get(np.asarray(list(dims), np.int64).reshape(-1),
                                         type=L.ir.IndexType.get())


def _custom_call(target, operands, avals_in, avals_out, attrs=None, aliases=(),
                 column_major=True):
    """A typed-FFI custom call of `target` (its attributes `attrs`, ir.Attributes), the
    matrices (the operands and results of the highest rank) laid out column-major.
    `aliases`: (operand, result) pairs whose buffers the kernel reuses."""
    top = max(a.ndim for a in avals_in)

    def layouts(avals):
        return L.ir.ArrayAttr.get([_layout(a, column_major and a.ndim == top) for a in avals])

    alias_attrs = [L.hlo.OutputOperandAlias.get(
        output_tuple_indices=[o] if len(avals_out) > 1 else [], operand_index=i,
        operand_tuple_indices=[]) for i, o in aliases]
    op = L.hlo.CustomCallOp(
        [L.ir_type(a) for a in avals_out], list(operands), call_target_name=target,
        has_side_effect=False,
        api_version=L.ir.IntegerAttr.get(L.ir.IntegerType.get_signless(32), 4),
        backend_config=L.ir.DictAttr.get(attrs or {}), operand_layouts=layouts(avals_in),
        result_layouts=layouts(avals_out),
        output_operand_aliases=L.ir.ArrayAttr.get(alias_attrs) if alias_attrs else None)
    return list(op.results)


def _info_ok(info, batch, direction="EQ"):
    """Per batch element, whether the kernel's `info` output says it succeeded."""
    zero = L.full_like_aval(0, ShapedArray(batch, _INT32))
    return L.compare(info, zero, direction, _INT32)


def _nan_unless(ok, x, aval):
    """x where `ok` (a bool per batch element, its leading dimensions), NaN elsewhere."""
    nb = len(L.ir.RankedTensorType(ok.type).shape)
    pred = L.hlo.broadcast_in_dim(L.ir_type(ShapedArray(aval.shape, np.bool_)), ok,
                                  L.dense_i64(range(nb)))
    nan = complex(np.nan, np.nan) if dtypes.kind(aval.dtype) == "c" else np.nan
    return L.hlo.select(pred, x, L.full_like_aval(nan, aval))


def _sub_context(ctx, avals_in, avals_out):
    return L.LoweringContext(ctx.module_context, list(avals_in), list(avals_out))


def _gpu_target(name):
    """A CUDA plugin kernel's target name, its registration made first."""
    lapack.register_gpu_kernels()
    return name


def _unsupported(name, where="on CPU and GPU"):
    """The lowering on platforms without a kernel (TPU): an error naming the platform."""
    def rule(ctx, *args, **params):
        raise NotImplementedError(f"{name} is only implemented {where}, not on platform "
                                  f"{ctx.platform}")
    return rule


def _batch_at_front(prim):
    """Batching rule of an operation batched over leading dimensions: every operand gets the
    vmapped dimension in front (unmapped ones are broadcast), and so do the results."""
    def rule(vals, dims, **params):
        size = batching.batch_size_of(vals, dims)
        outs = prim.bind(*[batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims)],
                         **params)
        outs = list(outs) if prim.multiple_results else [outs]
        return outs, [0] * len(outs)
    batching.primitive_batchers[prim] = rule


def _T(x):
    nd = get_aval(x).ndim
    return transpose(x, (*range(nd - 2), nd - 1, nd - 2))


def _H(x):
    return conj(_T(x)) if _is_complex(x) else _T(x)


def _mm(a, b):
    """Matrix product of two batches of matrices with the same leading dimensions."""
    nd = get_aval(a).ndim
    batch = tuple(range(nd - 2))
    return dot_general(a, b, (((nd - 1,), (nd - 2,)), (batch, batch)),
                       precision=Precision.HIGHEST)


def _const(x, value):
    return np.array(value, get_aval(x).dtype)


def _zeros(shape, dtype):
    return full(shape, np.zeros((), dtype), dtype)


def _lower_mask(shape, k=0):
    """[..., m, n] bools, true on and below diagonal k (j <= i + k)."""
    nd = len(shape)
    rows = broadcasted_iota(_INT32, shape, nd - 2)
    cols = broadcasted_iota(_INT32, shape, nd - 1)
    return ge(add(rows, np.int32(k)), cols)


def _tril(x, k=0):
    aval = get_aval(x)
    return select(_lower_mask(aval.shape, k), x, _zeros(aval.shape, aval.dtype))


def _triu(x, k=0):
    aval = get_aval(x)
    return select(_lower_mask(aval.shape, k - 1), _zeros(aval.shape, aval.dtype), x)


def _eye_mask(shape):
    nd = len(shape)
    return eq(broadcasted_iota(_INT32, shape, nd - 2), broadcasted_iota(_INT32, shape, nd - 1))


def _eye(shape, dtype):
    """Identity matrices of `shape` [..., m, n] (ones where row == column)."""
    return convert_element_type(_eye_mask(shape), dtype)


def _diagonal(x):
    """[..., m, n] -> [..., min(m, n)]: the main diagonals."""
    shape = get_aval(x).shape
    k = min(shape[-2:])
    x = slice_(x, (0,) * len(shape), shape[:-2] + (k, k))
    square = shape[:-2] + (k, k)
    return reduce_sum(select(_eye_mask(square), x, _zeros(square, get_aval(x).dtype)),
                      (len(shape) - 1,))


def _diag_matrix(s):
    """[..., k] -> [..., k, k]: diagonal matrices."""
    shape = get_aval(s).shape
    square = shape + shape[-1:]
    rows = broadcast_in_dim(s, square, tuple(range(len(shape))))
    return select(_eye_mask(square), rows, _zeros(square, get_aval(s).dtype))


def _take_rows(x, rows):
    """y[..., i, :] = x[..., rows[..., i], :] per batch element (x [..., m, n], rows an
    int32 [..., r] of the same leading dimensions)."""
    shape = get_aval(x).shape
    nb = len(shape) - 2
    batch = tuple(range(nb))
    dnums = GatherDimensionNumbers(offset_dims=(nb + 1,), collapsed_slice_dims=(nb,),
                                   start_index_map=(nb,), operand_batching_dims=batch,
                                   start_indices_batching_dims=batch)
    return gather(x, expand_dims(rows, (nb + 1,)), dnums, (1,) * (nb + 1) + shape[-1:],
                  mode="promise_in_bounds")


def symmetrize(x):
    """(x + x^H) / 2: the Hermitian part of (a batch of) square matrices."""
    return div(add(x, _H(x)), _const(x, 2))


def _slice_last2(x, rows, cols):
    """x[..., rows[0]:rows[1], cols[0]:cols[1]]."""
    shape = get_aval(x).shape
    nb = len(shape) - 2
    return slice_(x, (0,) * nb + (rows[0], cols[0]), shape[:-2] + (rows[1], cols[1]))


# ---------------------------------------------------------------------------------------
# cholesky: x = L L^H for Hermitian positive-definite x; NaNs where it is not

def _cholesky_abstract(x):
    _check_matrix("cholesky", x, square=True)
    return out(x.shape, x.dtype)


def _cholesky_kernel(ctx, x, target, attrs):
    aval, = ctx.avals_in
    batch = aval.shape[:-2]
    result, info = _custom_call(target, [x], [aval], [aval, ShapedArray(batch, _INT32)],
                                attrs, aliases=[(0, 0)])
    return [_nan_unless(_info_ok(info, batch), result, aval)]


cholesky_p = primitive("cholesky", _cholesky_abstract,
                       lambda ctx, x: [L.hlo.cholesky(x, lower=L.ir.BoolAttr.get(True))])
L.register_lowering(cholesky_p, lambda ctx, x: _cholesky_kernel(
    ctx, x, lapack.lapack_target("potrf_ffi", ctx.avals_in[0].dtype), {"uplo": _u8("L")}),
    platform="cpu")
L.register_lowering(cholesky_p, lambda ctx, x: _cholesky_kernel(
    ctx, x, _gpu_target("cusolver_potrf_ffi"), {"lower": _i1(True)}), platform="gpu")


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
_batch_at_front(cholesky_p)


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
    if conjugate_a and not transpose_a:
        a, conjugate_a = _conj_hlo(a), False
    kind = ("ADJOINT" if conjugate_a else "TRANSPOSE") if transpose_a else "NO_TRANSPOSE"
    return [L.hlo.triangular_solve(a, b, L.ir.BoolAttr.get(left_side),
                                   L.ir.BoolAttr.get(lower), L.ir.BoolAttr.get(unit_diagonal),
                                   L.hlo.TransposeAttr.get(kind))]


def _triangular_solve_cpu(ctx, a, b, *, left_side, lower, transpose_a, conjugate_a,
                          unit_diagonal):
    a_aval, b_aval = ctx.avals_in
    if conjugate_a and not transpose_a:
        a, conjugate_a = _conj_hlo(a), False
    attrs = {"side": _u8("L" if left_side else "R"), "uplo": _u8("L" if lower else "U"),
             "trans_x": _u8(("C" if conjugate_a else "T") if transpose_a else "N"),
             "diag": _u8("U" if unit_diagonal else "N")}
    return _custom_call(lapack.lapack_target("trsm_ffi", a_aval.dtype), [a, b],
                        [a_aval, b_aval], [b_aval], attrs, aliases=[(1, 0)])


triangular_solve_p = primitive("triangular_solve", _triangular_solve_abstract,
                               _triangular_solve_lowering)
L.register_lowering(triangular_solve_p, _triangular_solve_cpu, platform="cpu")


@eager(static_argnames=("left_side", "lower", "transpose_a", "conjugate_a", "unit_diagonal"))
def triangular_solve(a, b, *, left_side=False, lower=False, transpose_a=False,
                     conjugate_a=False, unit_diagonal=False):
    """x with op(a) x = b (left_side) or x op(a) = b, for triangular a [..., m, m] (the
    triangle `lower` says; the other is not read) and b [..., m, n] (left) or [..., n, m];
    op(a) is a, its transpose (transpose_a), conjugate (conjugate_a) or both. A b of one
    dimension less than a is a batch of vectors."""
    a_aval, b_aval = get_aval(a), get_aval(b)
    conjugate_a = bool(conjugate_a) and dtypes.kind(a_aval.dtype) == "c"
    vector = b_aval.ndim == a_aval.ndim - 1
    if vector:
        b = expand_dims(b, (-1 if left_side else -2,))
    x = bind(triangular_solve_p, a, b, left_side=bool(left_side), lower=bool(lower),
             transpose_a=bool(transpose_a), conjugate_a=conjugate_a,
             unit_diagonal=bool(unit_diagonal))
    if vector:
        nd = get_aval(x).ndim
        x = squeeze(x, (nd - 1 if left_side else nd - 2,))
    return x


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


def _triangular_solve_batch(vals, dims, *, left_side, **params):
    (a, b), (a_dim, b_dim) = vals, dims
    if a_dim is batching.not_mapped:
        # One a for every example: the examples become more columns (left) or rows of b.
        nd = get_aval(b).ndim
        b = batching.moveaxis(b, b_dim, nd - 1 if left_side else nd - 2)
        shape = get_aval(b).shape
        flat = (shape[:-2] + (shape[-2] * shape[-1],) if left_side
                else shape[:-3] + (shape[-3] * shape[-2], shape[-1]))
        x = triangular_solve_p.bind(a, reshape(b, flat), left_side=left_side, **params)
        return [reshape(x, shape)], [nd - 1 if left_side else nd - 2]
    size = batching.batch_size_of(vals, dims)
    a, b = batching.bdim_at_front(a, a_dim, size), batching.bdim_at_front(b, b_dim, size)
    return [triangular_solve_p.bind(a, b, left_side=left_side, **params)], [0]


ad.defjvp2(triangular_solve_p, _triangular_solve_jvp_a,
           lambda g_b, ans, a, b, **params: triangular_solve_p.bind(a, g_b, **params))
ad.primitive_transposes[triangular_solve_p] = _triangular_solve_transpose
batching.primitive_batchers[triangular_solve_p] = _triangular_solve_batch


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

    def entry(x, i):  # x[..., i] (i traced) broadcast over the last dimension
        column = dynamic_slice(x, (0,) * nb + (i,), batch + (1,))
        return broadcast_in_dim(column, full_shape, tuple(range(nb + 1)))

    def body(i, perm):
        at_i, at_j = eq(iota, broadcast_in_dim(i, full_shape, ())), eq(iota, entry(pivots, i))
        y = reduce_sum(select(at_j, perm, _zeros(full_shape, _INT32)), (nb,))  # perm[j]
        swapped = select(at_i, broadcast_in_dim(y, full_shape, tuple(range(nb))), perm)
        return select(at_j, entry(perm, i), swapped)
    return fori_loop(np.int32(0), np.int32(k), body, iota)


def _pivots_gpu(ctx, pivots, *, permutation_size):
    return _custom_call(_gpu_target("cu_lu_pivots_to_permutation"), [pivots], ctx.avals_in,
                        ctx.avals_out, column_major=False)


lu_pivots_to_permutation_p = primitive("lu_pivots_to_permutation", _pivots_abstract,
                                       L.lower_fun(_pivots_to_permutation))
L.register_lowering(lu_pivots_to_permutation_p, _pivots_gpu, platform="gpu")
ad.defzero(lu_pivots_to_permutation_p)
_batch_at_front(lu_pivots_to_permutation_p)


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


def _lu_kernel(target_of):
    def rule(ctx, x):
        aval, = ctx.avals_in
        lu_aval, pivots_aval, perm_aval = ctx.avals_out
        batch = aval.shape[:-2]
        lu_, pivots, info = _custom_call(target_of(aval.dtype), [x], [aval],
                                         [lu_aval, pivots_aval, ShapedArray(batch, _INT32)],
                                         aliases=[(0, 0)])
        pivots = L.hlo.subtract(pivots, L.full_like_aval(1, pivots_aval))  # 1- to 0-based
        # info > 0 only says U is singular (the factorization is still right)
        lu_ = _nan_unless(_info_ok(info, batch, "GE"), lu_, lu_aval)
        perm_rule = L.lowering_rule(lu_pivots_to_permutation_p, ctx.platform)
        perm, = perm_rule(_sub_context(ctx, [pivots_aval], [perm_aval]), pivots,
                          permutation_size=aval.shape[-2])
        return [lu_, pivots, perm]
    return rule


lu_p = primitive("lu", _lu_abstract, _unsupported("lu"), multiple_results=True)
L.register_lowering(lu_p, _lu_kernel(lambda d: lapack.lapack_target("getrf_ffi", d)),
                    platform="cpu")
L.register_lowering(lu_p, _lu_kernel(lambda d: _gpu_target("cusolver_getrf_ffi")),
                    platform="gpu")


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
    shape = get_aval(a).shape
    batch, (m, n), dtype = shape[:-2], shape[-2:], get_aval(a).dtype
    k = min(m, n)
    zero = np.zeros((), dtype)
    nb = len(batch)
    l = pad(_tril(_slice_last2(lu_, (0, m), (0, k)), -1), zero,
            [(0, 0, 0)] * (nb + 1) + [(0, m - k, 0)])
    l = add(l, _eye(batch + (m, m), dtype))
    u = pad(_triu(_slice_last2(lu_, (0, k), (0, n))), zero,
            [(0, 0, 0)] * nb + [(0, n - k, 0), (0, 0, 0)])
    u_eye = select(ge(broadcasted_iota(_INT32, batch + (n, n), nb), np.int32(k)),
                   _eye(batch + (n, n), dtype), _zeros(batch + (n, n), dtype))
    u = add(u, u_eye)
    la = triangular_solve(l, _take_rows(a_dot, perm), left_side=True, lower=True,
                          unit_diagonal=True)
    lau = triangular_solve(u, la, left_side=False, lower=False)
    lu_dot = add(_mm(l, _tril(lau, -1)), _mm(_triu(lau), u))
    return [lu_, pivots, perm], [lu_dot, ad.Zero.like(pivots), ad.Zero.like(perm)]


ad.primitive_jvps[lu_p] = _lu_jvp
_batch_at_front(lu_p)


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


def _geqrf_kernel(target_of):
    def rule(ctx, a):
        return _custom_call(target_of(ctx.avals_in[0].dtype), [a], ctx.avals_in,
                            ctx.avals_out, aliases=[(0, 0)])
    return rule


geqrf_p = primitive("geqrf", _geqrf_abstract, _unsupported("geqrf"), multiple_results=True)
L.register_lowering(geqrf_p, _geqrf_kernel(lambda d: lapack.lapack_target("geqrf_ffi", d)),
                    platform="cpu")
L.register_lowering(geqrf_p, _geqrf_kernel(lambda d: _gpu_target("cusolver_geqrf_ffi")),
                    platform="gpu")
_batch_at_front(geqrf_p)


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


def _geqp3_cpu(ctx, a, jpvt, *, use_magma):
    return _custom_call(lapack.lapack_target("geqp3_ffi", ctx.avals_in[0].dtype), [a, jpvt],
                        ctx.avals_in, ctx.avals_out, aliases=[(0, 0), (1, 1)])


def _geqp3_gpu(ctx, a, jpvt, *, use_magma):
    magma = "auto" if use_magma is None else "on" if use_magma else "off"
    return _custom_call(_gpu_target("cuhybrid_geqp3"), [a, jpvt], ctx.avals_in,
                        ctx.avals_out, {"magma": L.ir.StringAttr.get(magma)},
                        aliases=[(0, 0), (1, 1)])


geqp3_p = primitive("geqp3", _geqp3_abstract, _unsupported("geqp3"), multiple_results=True)
L.register_lowering(geqp3_p, _geqp3_cpu, platform="cpu")
L.register_lowering(geqp3_p, _geqp3_gpu, platform="gpu")
_batch_at_front(geqp3_p)


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


def _householder_product_kernel(target_of):
    def rule(ctx, a, taus):
        return _custom_call(target_of(ctx.avals_in[0].dtype), [a, taus], ctx.avals_in,
                            ctx.avals_out, aliases=[(0, 0)])
    return rule


householder_product_p = primitive("householder_product", _householder_product_abstract,
                                  _unsupported("householder_product"))
L.register_lowering(householder_product_p, _householder_product_kernel(
    lambda d: lapack.lapack_target(("ungqr_ffi" if d.kind == "c" else "orgqr_ffi"), d)),
    platform="cpu")
L.register_lowering(householder_product_p, _householder_product_kernel(
    lambda d: _gpu_target("cusolver_orgqr_ffi")), platform="gpu")
_batch_at_front(householder_product_p)


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
    batch, (m, n), dtype, nb = shape[:-2], shape[-2:], get_aval(a).dtype, len(shape) - 2
    k = m if full_matrices else min(m, n)
    if m == 0 or n == 0:
        outs = [_eye(batch + (m, k), dtype), _zeros(batch + (k, n), dtype)]
        return outs + [_zeros(batch + (n,), _INT32)] if pivoting else outs
    if pivoting:
        r, p, taus = geqp3_p.bind(a, _zeros(batch + (n,), _INT32), use_magma=use_magma)
        p = sub(p, np.int32(1))  # geqp3's 1-based column indices
    else:
        r, taus = geqrf_p.bind(a)
    if m < n:
        q = householder_product(_slice_last2(r, (0, m), (0, m)), taus)
    elif full_matrices:
        q = householder_product(pad(r, np.zeros((), dtype), [(0, 0, 0)] * (nb + 1)
                                    + [(0, m - n, 0)]), taus)
    else:
        q = householder_product(r, taus)
        r = _slice_last2(r, (0, n), (0, n))
    r = _triu(r)
    return [q, r, p] if pivoting else [q, r]


qr_p = primitive("qr", _qr_abstract, L.lower_fun(_qr_impl, multiple_results=True),
                 multiple_results=True)


def qr(x, *, pivoting=False, full_matrices=True, use_magma=None):
    """QR decomposition of a batch of matrices [..., m, n]: (q, r) with q [..., m, k]
    orthonormal and r [..., k, n] upper triangular, k = m if full_matrices else min(m, n).
    With pivoting (CPU, GPU), (q, r, p) with x[..., :, p] = q r and r's diagonal
    decreasing in magnitude."""
    outs = bind(qr_p, x, pivoting=bool(pivoting), full_matrices=bool(full_matrices),
                use_magma=use_magma)
    return tuple(outs)


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
_batch_at_front(qr_p)


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
    if full_matrices:
        size = max(m, n)
        u = _eye(batch + (size, size), dtype)
    else:
        u = _zeros(batch + (m, n), dtype)
    v = _zeros(batch + (0, 0), dtype)
    return [s, v, u] if m < n else [s, u, v]


_empty_svd_rule = L.lower_fun(_empty_svd, multiple_results=True)


def _svd_prepare(ctx, full_matrices, compute_uv, subset_by_index):
    aval, = ctx.avals_in
    m, n = aval.shape[-2:]
    if not (subset_by_index is None or tuple(subset_by_index) == (0, min(m, n))):
        raise NotImplementedError("svd: subset_by_index is only implemented on TPU")
    return aval, m, n


def _svd_finish(ctx, s, u, vt, info, compute_uv):
    batch = ctx.avals_in[0].shape[:-2]
    ok = _info_ok(info, batch)
    outs = [_nan_unless(ok, s, ctx.avals_out[0])]
    if compute_uv:
        outs += [_nan_unless(ok, u, ctx.avals_out[1]), _nan_unless(ok, vt, ctx.avals_out[2])]
    return outs


def _svd_cpu(ctx, x, *, full_matrices, compute_uv, subset_by_index, algorithm):
    aval, m, n = _svd_prepare(ctx, full_matrices, compute_uv, subset_by_index)
    if m == 0 or n == 0:
        return _empty_svd_rule(ctx, x, full_matrices=full_matrices, compute_uv=compute_uv)
    if algorithm in (None, SvdAlgorithm.DEFAULT, SvdAlgorithm.DIVIDE_AND_CONQUER):
        routine = "gesdd_ffi"
    elif algorithm == SvdAlgorithm.QR:
        routine = "gesvd_ffi"
    else:
        raise NotImplementedError(f"svd: algorithm {algorithm} is not implemented on CPU "
                                  f"(use DEFAULT, QR or DIVIDE_AND_CONQUER)")
    batch, k = aval.shape[:-2], min(m, n)
    mode = "N" if not compute_uv else "A" if full_matrices else "S"
    # the kernel writes U and V^H even when they are not wanted
    u_aval = ShapedArray(batch + (m, m if full_matrices else k), aval.dtype)
    vt_aval = ShapedArray(batch + (n if full_matrices else k, n), aval.dtype)
    _, s, u, vt, info = _custom_call(
        lapack.lapack_target(routine, aval.dtype), [x], [aval],
        [aval, ctx.avals_out[0], u_aval, vt_aval, ShapedArray(batch, _INT32)],
        {"mode": _u8(mode)}, aliases=[(0, 0)])
    return _svd_finish(ctx, s, u, vt, info, compute_uv)


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


def _svd_gpu(ctx, x, *, full_matrices, compute_uv, subset_by_index, algorithm):
    aval, m, n = _svd_prepare(ctx, full_matrices, compute_uv, subset_by_index)
    if m == 0 or n == 0:
        return _empty_svd_rule(ctx, x, full_matrices=full_matrices, compute_uv=compute_uv)
    routine, transposed = _gpu_svd_target(algorithm, m, n)
    batch, k, nb = aval.shape[:-2], min(m, n), aval.ndim - 2
    s_aval, info_aval = ctx.avals_out[0], ShapedArray(batch, _INT32)
    econ, attrs = not full_matrices, {}
    if routine in ("gesvdj", "gesvdp"):
        if routine == "gesvdj":  # batched gesvdj has no economy mode (worth it from 32 up)
            econ = not full_matrices and m > 32 and n > 32
        # U and V are always written, V (not V^H) as the last result
        u_aval = ShapedArray(batch + (m, k if econ else m), aval.dtype)
        vt_aval = ShapedArray(batch + (n, k if econ else n), aval.dtype)
        avals_out = [aval, s_aval, u_aval, vt_aval, info_aval]
    else:
        attrs["transposed"] = _i1(transposed)
        u_aval = ShapedArray(batch + (m, m if full_matrices else k), aval.dtype)
        vt_aval = ShapedArray(batch + (n if full_matrices else k, n), aval.dtype)
        avals_out = [aval, s_aval, u_aval, vt_aval, info_aval]
        if transposed:
            avals_out[2], avals_out[3] = vt_aval, u_aval
    attrs.update(full_matrices=_i1(not econ), compute_uv=_i1(compute_uv))
    _, s, u, vt, info = _custom_call(_gpu_target(f"cusolver_{routine}_ffi"), [x], [aval],
                                     avals_out, attrs, aliases=[(0, 0)],
                                     column_major=not transposed)
    if transposed:
        u, vt = vt, u
    if routine in ("gesvdj", "gesvdp") and compute_uv:
        vt = L.hlo.transpose(vt, L.dense_i64((*range(nb), nb + 1, nb)))
        if dtypes.kind(aval.dtype) == "c":
            vt = _conj_hlo(vt)
        if not full_matrices and not econ:
            u = L.hlo.slice(u, L.dense_i64([0] * (nb + 2)), L.dense_i64(batch + (m, k)),
                            L.dense_i64([1] * (nb + 2)))
            vt = L.hlo.slice(vt, L.dense_i64([0] * (nb + 2)), L.dense_i64(batch + (k, n)),
                             L.dense_i64([1] * (nb + 2)))
    return _svd_finish(ctx, s, u, vt, info, compute_uv)


svd_p = primitive("svd", _svd_abstract, _unsupported("svd"), multiple_results=True)
L.register_lowering(svd_p, _svd_cpu, platform="cpu")
L.register_lowering(svd_p, _svd_gpu, platform="gpu")


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
    s_shape = get_aval(s).shape
    k = s_shape[-1]
    square = s_shape[:-1] + (k, k)
    s_row = broadcast_in_dim(s, square, tuple(range(len(s_shape) - 1)) + (len(s_shape),))
    s_col = _T(s_row)
    s_diffs = mul(add(s_row, s_col), sub(s_row, s_col))
    eye = _eye(square, get_aval(s).dtype)
    f = sub(div(_const(s, 1), add(s_diffs, eye)), eye)
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
        du = add(du, div(sub(dav, _mm(u, _mm(ut, dav))), _rows_of(s, m, dtype)))
    if n > m:
        dahu = _mm(_H(da), u)
        dv = add(dv, div(sub(dahu, _mm(v, _mm(vt, dahu))), _rows_of(s, n, dtype)))
    return [s, u, vt], [ds, du, _H(dv)]


def _rows_of(s, rows, dtype):
    """s [..., k] as [..., rows, k] of `dtype`: s_j in every row."""
    shape = get_aval(s).shape
    nb = len(shape) - 1
    return broadcast_in_dim(convert_element_type(s, dtype), shape[:-1] + (rows, shape[-1]),
                            tuple(range(nb)) + (nb + 1,))


ad.primitive_jvps[svd_p] = _svd_jvp
_batch_at_front(svd_p)


# ---------------------------------------------------------------------------------------
# eigh: x = V diag(w) V^H for Hermitian x, w ascending

def _eigh_abstract(x, *, lower, sort_eigenvalues, subset_by_index, algorithm):
    batch, n, _ = _check_matrix("eigh", x, square=True)
    d = n if subset_by_index is None else subset_by_index[1] - subset_by_index[0]
    return [ShapedArray(batch + (n, d), x.dtype), ShapedArray(batch + (d,), _real_dtype(x.dtype))]


def _eigh_kernel(gpu):
    def rule(ctx, x, *, lower, sort_eigenvalues, subset_by_index, algorithm):
        aval, = ctx.avals_in
        n = aval.shape[-1]
        if not (subset_by_index is None or tuple(subset_by_index) == (0, n)):
            raise NotImplementedError("eigh: subset_by_index is only implemented on TPU")
        if algorithm == EighImplementation.QDWH or (
                algorithm == EighImplementation.JACOBI and not gpu):
            raise NotImplementedError(f"eigh: implementation {algorithm} is not available on "
                                      f"{'GPU' if gpu else 'CPU'}")
        if gpu:
            target = _gpu_target("cusolver_syevd_ffi")
            code = 0 if algorithm is None else 2 if algorithm == EighImplementation.JACOBI else 1
            attrs = {"lower": _i1(lower),
                     "algorithm": L.ir.IntegerAttr.get(L.ir.IntegerType.get_unsigned(8), code)}
        else:
            routine = "heevd_ffi" if dtypes.kind(aval.dtype) == "c" else "syevd_ffi"
            target = lapack.lapack_target(routine, aval.dtype)
            attrs = {"mode": _u8("V"), "uplo": _u8("L" if lower else "U")}
        batch = aval.shape[:-2]
        v_aval, w_aval = ctx.avals_out
        v, w, info = _custom_call(target, [x], [aval], [v_aval, w_aval,
                                                        ShapedArray(batch, _INT32)],
                                  attrs, aliases=[(0, 0)])
        ok = _info_ok(info, batch)
        return [_nan_unless(ok, v, v_aval), _nan_unless(ok, w, w_aval)]
    return rule


eigh_p = primitive("eigh", _eigh_abstract, _unsupported("eigh"), multiple_results=True)
L.register_lowering(eigh_p, _eigh_kernel(gpu=False), platform="cpu")
L.register_lowering(eigh_p, _eigh_kernel(gpu=True), platform="gpu")


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
    v, w = bind(eigh_p, x, lower=bool(lower), sort_eigenvalues=bool(sort_eigenvalues),
                subset_by_index=subset, algorithm=implementation)
    return v, w


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
    w = convert_element_type(w_real, dtype)
    w_shape = get_aval(w).shape
    square = w_shape + w_shape[-1:]
    w_row = broadcast_in_dim(w, square, tuple(range(len(w_shape) - 1)) + (len(w_shape),))
    eye = _eye(square, dtype)
    f = sub(div(_const(w, 1), add(eye, sub(w_row, _T(w_row)))), eye)
    vdag_adot_v = _mm(_mm(_H(v), a_dot), v)
    dv = _mm(v, mul(f, vdag_adot_v))
    dw = _diagonal(real(vdag_adot_v) if _is_complex(vdag_adot_v) else vdag_adot_v)
    return [v, w_real], [dv, dw]


ad.primitive_jvps[eigh_p] = _eigh_jvp
_batch_at_front(eigh_p)


# ---------------------------------------------------------------------------------------
# eig: eigenvalues and (left, right) eigenvectors of general square matrices

def _eig_abstract(x, *, compute_left_eigenvectors, compute_right_eigenvectors,
                  enable_eigvec_derivs, implementation):
    batch, n, _ = _check_matrix("eig", x, square=True)
    dtype = _complex_dtype(x.dtype)
    count = int(compute_left_eigenvectors) + int(compute_right_eigenvectors)
    return [ShapedArray(batch + (n,), dtype)] + [ShapedArray(x.shape, dtype)] * count


def _eig_outputs(ctx, w, vl, vr, info, left, right):
    batch = ctx.avals_in[0].shape[:-2]
    ok = _info_ok(info, batch)
    outs = [_nan_unless(ok, w, ctx.avals_out[0])]
    for wanted, v in ((left, vl), (right, vr)):
        if wanted:
            outs.append(_nan_unless(ok, v, ctx.avals_out[len(outs)]))
    return outs


def _eig_cpu(ctx, x, *, compute_left_eigenvectors, compute_right_eigenvectors,
             enable_eigvec_derivs, implementation):
    if implementation not in (None, EigImplementation.LAPACK):
        raise ValueError("eig: only the LAPACK implementation is supported on CPU")
    aval, = ctx.avals_in
    batch, real_input = aval.shape[:-2], dtypes.kind(aval.dtype) == "f"
    vec = ShapedArray(aval.shape, _complex_dtype(aval.dtype))
    w_aval = ShapedArray(aval.shape[:-1], aval.dtype)
    avals_out = [w_aval] * (2 if real_input else 1) + [vec, vec, ShapedArray(batch, _INT32)]
    attrs = {"compute_left": _u8("V" if compute_left_eigenvectors else "N"),
             "compute_right": _u8("V" if compute_right_eigenvectors else "N")}
    *w, vl, vr, info = _custom_call(lapack.lapack_target("geev_ffi", aval.dtype), [x],
                                    [aval], avals_out, attrs)
    w = L.hlo.complex(w[0], w[1]) if real_input else w[0]
    return _eig_outputs(ctx, w, vl, vr, info, compute_left_eigenvectors,
                        compute_right_eigenvectors)


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
    zero = np.zeros((), get_aval(vr).dtype)
    shifted_left = pad(vr, zero, [(0, 0, 0)] * (nd - 1) + [(-1, 1, 0)])
    shifted_right = pad(vr, zero, [(0, 0, 0)] * (nd - 1) + [(1, -1, 0)])
    dims = tuple(range(nd - 2)) + (nd - 1,)
    is_real = broadcast_in_dim(is_real, shape, dims)
    pair_start = broadcast_in_dim(pair_start, shape, dims)
    re = select(is_real, vr, select(pair_start, vr, shifted_right))
    im = select(pair_start, shifted_left, neg(vr))
    im = select(is_real, _zeros(shape, get_aval(vr).dtype), im)
    return complex_(re, im)


_unpack_conjugate_pairs_rule = L.lower_fun(_unpack_conjugate_pairs)


def _eig_gpu(ctx, x, *, compute_left_eigenvectors, compute_right_eigenvectors,
             enable_eigvec_derivs, implementation):
    aval, = ctx.avals_in
    batch, n, real_input = aval.shape[:-2], aval.shape[-1], dtypes.kind(aval.dtype) == "f"
    complex_dtype, info_aval = _complex_dtype(aval.dtype), ShapedArray(batch, _INT32)
    left, right = compute_left_eigenvectors, compute_right_eigenvectors
    if implementation == EigImplementation.CUSOLVER or (implementation is None and not left):
        if left:
            raise NotImplementedError("eig: cuSOLVER does not compute left eigenvectors")
        square = ShapedArray(aval.shape, aval.dtype)
        avals_out = [square, ShapedArray(batch + (n,), complex_dtype), square, square, info_aval]
        _, w, vl, vr, info = _custom_call(_gpu_target("cusolver_geev_ffi"), [x], [aval],
                                          avals_out, {"left": _i1(left), "right": _i1(right)})
        if real_input and right:
            vr, = _unpack_conjugate_pairs_rule(_sub_context(ctx, [avals_out[1], square],
                                      [ShapedArray(aval.shape, complex_dtype)]), w, vr)
    else:  # LAPACK on the host (or MAGMA), through the plugin's hybrid kernel
        magma = "on" if implementation == EigImplementation.MAGMA else (
            "off" if implementation == EigImplementation.LAPACK else "auto")
        vec = ShapedArray(aval.shape, complex_dtype)
        w_aval = ShapedArray(batch + (n,), aval.dtype)
        avals_out = [w_aval] * (2 if real_input else 1) + [vec, vec, info_aval]
        target = "cuhybrid_eig_real" if real_input else "cuhybrid_eig_comp"
        *w, vl, vr, info = _custom_call(_gpu_target(target), [x], [aval], avals_out,
                                        {"magma": L.ir.StringAttr.get(magma),
                                         "left": _i1(left), "right": _i1(right)})
        w = L.hlo.complex(w[0], w[1]) if real_input else w[0]
    return _eig_outputs(ctx, w, vl, vr, info, left, right)


eig_p = primitive("eig", _eig_abstract, _unsupported("eig"), multiple_results=True)
L.register_lowering(eig_p, _eig_cpu, platform="cpu")
L.register_lowering(eig_p, _eig_gpu, platform="gpu")


def eig(x, *, compute_left_eigenvectors=True, compute_right_eigenvectors=True,
        enable_eigvec_derivs=False, implementation=None, use_magma=None):
    """Eigendecomposition of a batch of general square matrices [..., n, n]: [w, vl, vr]
    (complex), vl and vr present as asked; vr[..., :, i] is the unit-norm right
    eigenvector of w[..., i]. Derivatives of the eigenvectors need enable_eigvec_derivs
    (valid only for distinct eigenvalues)."""
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
    nd = len(shape)
    eye = _eye(shape, dtype)
    w_row = broadcast_in_dim(w, shape, tuple(range(nd - 2)) + (nd - 1,))
    fmat = sub(div(_const(w, 1), add(eye, sub(w_row, _T(w_row)))), eye)
    p = _mm(_solve(v, da), v)
    dw = _diagonal(p)
    u = _mm(v, mul(fmat, p))
    k = argmax(_abs2(v), nd - 2, _INT32)  # the largest-magnitude component
    mask = convert_element_type(eq(broadcasted_iota(_INT32, shape, nd - 2),
                                   broadcast_in_dim(k, shape, tuple(range(nd - 2)) + (nd - 1,))),
                                dtype)
    c_re = neg(reduce_sum(real(mul(conj(v), u)), (nd - 2,)))
    c_im = div(neg(reduce_sum(imag(mul(mask, u)), (nd - 2,))),
               reduce_sum(real(mul(mask, v)), (nd - 2,)))
    c = complex_(c_re, c_im)
    return dw, add(u, mul(v, broadcast_in_dim(c, shape, tuple(range(nd - 2)) + (nd - 1,))))


def _abs2(v):
    return add(mul(real(v), real(v)), mul(imag(v), imag(v)))


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
    primal_out, tangent_out = [w], [dw]
    if compute_left_eigenvectors:
        _, dvl = _eig_vec_jvp(conj(w), outs[1], _H(da))
        primal_out.append(outs[1])
        tangent_out.append(dvl)
    if compute_right_eigenvectors:
        primal_out.append(vr)
        tangent_out.append(dvr)
    return primal_out, tangent_out


ad.primitive_jvps[eig_p] = _eig_jvp
_batch_at_front(eig_p)


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
    t, z, *_, status = _custom_call(lapack.lapack_target("gees_ffi", aval.dtype), [x],
                                    [aval], avals_out, attrs, aliases=[(0, 0)])
    ok = _info_ok(status, batch)
    outs = [_nan_unless(ok, t, aval)]
    return outs + [_nan_unless(ok, z, aval)] if compute_schur_vectors else outs


schur_p = primitive("schur", _schur_abstract, _unsupported("schur", "on CPU"),
                    multiple_results=True)
L.register_lowering(schur_p, _schur_cpu, platform="cpu")
_batch_at_front(schur_p)


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


def _tridiagonal_kernel(gpu):
    def rule(ctx, a, *, lower):
        aval, = ctx.avals_in
        batch = aval.shape[:-2]
        if gpu:
            target, attrs = _gpu_target("cusolver_sytrd_ffi"), {"lower": _i1(lower)}
        else:
            routine = "hetrd_ffi" if dtypes.kind(aval.dtype) == "c" else "sytrd_ffi"
            target = lapack.lapack_target(routine, aval.dtype)
            attrs = {"uplo": _u8("L" if lower else "U")}
        *outs, info = _custom_call(target, [a], [aval],
                                   [*ctx.avals_out, ShapedArray(batch, _INT32)], attrs,
                                   aliases=[(0, 0)])
        ok = _info_ok(info, batch)
        return [_nan_unless(ok, x, aval_) for x, aval_ in zip(outs, ctx.avals_out)]
    return rule


tridiagonal_p = primitive("tridiagonal", _tridiagonal_abstract, _unsupported("tridiagonal"),
                          multiple_results=True)
L.register_lowering(tridiagonal_p, _tridiagonal_kernel(gpu=False), platform="cpu")
L.register_lowering(tridiagonal_p, _tridiagonal_kernel(gpu=True), platform="gpu")
_batch_at_front(tridiagonal_p)


def tridiagonal(a, *, lower=True):
    """Reduces a batch of Hermitian matrices to tridiagonal form (LAPACK sytrd/hetrd):
    [a_out, d, e, taus], d the diagonal and e the first sub- (lower) or superdiagonal of
    the tridiagonal matrix; a_out also holds the Householder reflectors, with scales taus.
    Only the triangle `lower` says is read."""
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


def _tridiagonal_solve_cpu(ctx, dl, d, du, b, *, perturb_singular):
    b_aval = ctx.avals_in[-1]
    if perturb_singular:
        return _custom_call("tridiagonal_solve_perturbed_ffi", [dl, d, du, b], ctx.avals_in,
                            [b_aval])
    batch = b_aval.shape[:-2]
    *_, x, info = _custom_call(lapack.lapack_target("gtsv_ffi", b_aval.dtype), [dl, d, du, b],
                               ctx.avals_in, [*ctx.avals_in, ShapedArray(batch, _INT32)],
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

    def rows_first(x, is_diagonal=True):  # broadcast to b's shape, rows leading
        if is_diagonal:
            x = broadcast_in_dim(x, shape, tuple(range(nd - 1)))
        return transpose(x, (nd - 2, *range(nd - 2), nd - 1))

    dl, d, du, b = (rows_first(x, i < 3) for i, x in enumerate((dl, d, du, b)))

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
        x = sub(dp, mul(cp, x_next))
        return x, x_next

    x0, xs = scan(backward, last, (cp, dp), reverse=True)
    x = concatenate([expand_dims(x0, (0,)), xs], 0)
    return transpose(x, (*range(1, nd - 1), 0, nd - 1))


_tridiagonal_solve_generic_rule = L.lower_fun(_tridiagonal_solve_generic)


def _tridiagonal_solve_gpu(ctx, dl, d, du, b, *, perturb_singular):
    if perturb_singular:
        return _custom_call(_gpu_target("cu_tridiagonal_solve_perturbed"), [dl, d, du, b],
                            ctx.avals_in, [ctx.avals_in[-1]])
    if ctx.avals_in[1].shape[-1] <= 2:  # cuSPARSE's gtsv2 needs three rows at least
        return _tridiagonal_solve_generic_rule(ctx, dl, d, du, b,
                                               perturb_singular=perturb_singular)
    return _custom_call(_gpu_target("cusparse_gtsv2_ffi"), [dl, d, du, b], ctx.avals_in,
                        ctx.avals_out, aliases=[(3, 0)])


tridiagonal_solve_p = primitive("tridiagonal_solve", _tridiagonal_solve_abstract,
                                _tridiagonal_solve_generic_rule)
L.register_lowering(tridiagonal_solve_p, _tridiagonal_solve_cpu, platform="cpu")
L.register_lowering(tridiagonal_solve_p, _tridiagonal_solve_gpu, platform="gpu")


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
    zero = np.zeros((), get_aval(b).dtype)
    lower = mul(broadcast_in_dim(dl, shape, dims), pad(
        _slice_last2(b, (0, m - 1), (0, shape[-1])), zero,
        [(0, 0, 0)] * (nd - 2) + [(1, 0, 0), (0, 0, 0)]))
    upper = mul(broadcast_in_dim(du, shape, dims), pad(
        _slice_last2(b, (1, m), (0, shape[-1])), zero,
        [(0, 0, 0)] * (nd - 2) + [(0, 1, 0), (0, 0, 0)]))
    return add(add(y, lower), upper)


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
    nd = get_aval(du).ndim
    shape = get_aval(du).shape
    zero = _zeros(shape[:-1] + (1,), get_aval(du).dtype)
    last = shape[-1]
    dl_t = concatenate([zero, slice_(du, (0,) * nd, shape[:-1] + (last - 1,))], nd - 1)
    du_t = concatenate([slice_(dl, (0,) * (nd - 1) + (1,), shape), zero], nd - 1)
    return [None, None, None, tridiagonal_solve_p.bind(dl_t, d, du_t, ct,
                                                       perturb_singular=perturb_singular)]


def _tridiagonal_solve_batch(vals, dims, *, perturb_singular):
    *diags, b = vals
    *diag_dims, b_dim = dims
    if all(dim is batching.not_mapped for dim in diag_dims):
        # one matrix for every example: the examples become more columns of b
        nd = get_aval(b).ndim
        b = batching.moveaxis(b, b_dim, nd - 2)
        shape = get_aval(b).shape
        flat = reshape(b, shape[:-3] + (shape[-3], shape[-2] * shape[-1]))
        x = tridiagonal_solve_p.bind(*diags, flat, perturb_singular=perturb_singular)
        return [reshape(x, shape)], [nd - 2]
    size = batching.batch_size_of(vals, dims)
    vals = [batching.bdim_at_front(v, dim, size) for v, dim in zip(vals, dims)]
    return [tridiagonal_solve_p.bind(*vals, perturb_singular=perturb_singular)], [0]


ad.primitive_jvps[tridiagonal_solve_p] = _tridiagonal_solve_jvp
ad.primitive_transposes[tridiagonal_solve_p] = _tridiagonal_solve_transpose
batching.primitive_batchers[tridiagonal_solve_p] = _tridiagonal_solve_batch


# Lowering these loads LAPACK's routines (CPU) or registers the plugin's solvers (GPU): a
# program holding one is always lowered in a new process, never loaded by its IR alone.
for _prim in (cholesky_p, triangular_solve_p, lu_pivots_to_permutation_p, lu_p, geqrf_p,
              geqp3_p, householder_product_p, qr_p, svd_p, eigh_p, eig_p, schur_p,
              tridiagonal_p, tridiagonal_solve_p):
    _prim.prepared_by_lowering = True
