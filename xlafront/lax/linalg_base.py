"""The machinery lax/linalg.py's primitives share: argument checks, the typed-FFI
custom calls to LAPACK (CPU) and cuSOLVER (GPU) with their layouts and info handling, the
batching rules, and the small matrix helpers (transpose, product, triangles, identity ...)
the rules are written with."""
import numpy as np

from .. import dtypes
from ..core import ShapedArray, get_aval
from ..interpreters import batching
from ..interpreters import lowering as L
from ..runtime import lapack
from .base import primitive
from .matmul import Precision, dot_general
from .elementwise import add, conj, convert_element_type, div, eq, ge, select, sub
from .reductions import reduce_sum
from .shape import (broadcast_in_dim, broadcasted_iota, expand_dims, full, pad, reshape,
                    transpose)
from .slicing import GatherDimensionNumbers, dynamic_slice, gather, slice_


_LAPACK_DTYPES = tuple(map(np.dtype, (np.float32, np.float64, np.complex64, np.complex128)))
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
    return np.finfo(dtype).dtype  # float32 for complex64, float64 for complex128


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


def _kernel(ctx, target, operands, attrs=None, aliases=((0, 0),), info=False,
            column_major=True):
    """The custom call of `target` giving the equation's results (`aliases` as in
    _custom_call); with `info`, the kernel's status output too, and NaNs in every result of
    the batch elements where it failed."""
    avals_in, avals_out = ctx.avals_in, list(ctx.avals_out)
    if not info:
        return _custom_call(target, operands, avals_in, avals_out, attrs, aliases, column_major)
    batch = avals_in[0].shape[:-2]
    *outs, status = _custom_call(target, operands, avals_in,
                                 avals_out + [ShapedArray(batch, _INT32)], attrs, aliases)
    return _masked(_info_ok(status, batch), outs, avals_out)


def _target(ctx, routine, complex_routine=None):
    """The kernel of `routine` for ctx's platform and operand dtype: cuSOLVER's on GPU,
    LAPACK's on CPU (`complex_routine` for complex matrices: heevd for syevd ...)."""
    if ctx.platform == "gpu":
        return _gpu_target(f"cusolver_{routine}_ffi")
    dtype = ctx.avals_in[0].dtype
    if complex_routine is not None and dtypes.kind(dtype) == "c":
        routine = complex_routine
    return lapack.lapack_target(f"{routine}_ffi", dtype)


def _uplo(ctx, lower):
    """The attribute saying which triangle the kernel reads: cuSOLVER's `lower` (i1),
    LAPACK's `uplo` (a character)."""
    if ctx.platform == "gpu":
        return {"lower": _i1(lower)}
    return {"uplo": _u8("L" if lower else "U")}


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


def _masked(ok, values, avals):
    """Each of `values` where `ok` (a bool per batch element), NaN elsewhere."""
    return [_nan_unless(ok, x, aval) for x, aval in zip(values, avals)]


def _gpu_target(name):
    """A CUDA plugin kernel's target name, its registration made first."""
    lapack.register_gpu_kernels()
    return name


def _batched_at_front(prim):
    """Batching rule of an operation batched over leading dimensions: every operand gets the
    vmapped dimension in front (unmapped ones are broadcast), and so do the results."""
    def rule(vals, dims, **params):
        size = batching.batch_size_of(vals, dims)
        outs = prim.bind(*[batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims)],
                         **params)
        outs = list(outs) if prim.multiple_results else [outs]
        return outs, [0] * len(outs)
    return rule


def _solve_batcher(prim):
    """Batching rule of a solve `prim(*matrix, b, **params)`: with one matrix for every
    example, b's examples become more columns of b (more rows for a solve from the right,
    left_side=False); else every operand is batched in front."""
    at_front = _batched_at_front(prim)

    def rule(vals, dims, **params):
        *matrix, b = vals
        if any(d is not batching.not_mapped for d in dims[:-1]):
            return at_front(vals, dims, **params)
        nd = get_aval(b).ndim
        to = nd - 1 if params.get("left_side", True) else nd - 2
        b = batching.moveaxis(b, dims[-1], to)
        shape = get_aval(b).shape  # the examples are merged with dimension to - 1
        flat = reshape(b, shape[:to - 1] + (shape[to - 1] * shape[to],) + shape[to + 1:])
        return [reshape(prim.bind(*matrix, flat, **params), shape)], [to]
    return rule


def _linalg_primitive(name, abstract_eval, kernel=None, platforms=("cpu", "gpu"),
                      default=None, multiple_results=False, batcher=_batched_at_front):
    """A primitive batched over leading dimensions (by the rule `batcher(prim)` makes),
    lowered by `kernel` (its kernel calls) on `platforms` and by `default` elsewhere
    (without one, an error naming the platforms that have a kernel)."""
    def unsupported(ctx, *args, **params):
        where = "on CPU and GPU" if "gpu" in platforms else "on CPU"
        raise NotImplementedError(f"{name} is only implemented {where}, not on platform "
                                  f"{ctx.platform}")

    prim = primitive(name, abstract_eval, default or unsupported, multiple_results)
    if kernel is not None:
        for platform in platforms:
            L.register_lowering(prim, kernel, platform=platform)
    batching.primitive_batchers[prim] = batcher(prim)
    # Lowering it loads LAPACK's routines (CPU) or registers the plugin's solvers (GPU): a
    # program holding one is always lowered in a new process, never loaded by its IR alone.
    prim.prepared_by_lowering = True
    return prim


def _T(x):
    nd = get_aval(x).ndim
    return transpose(x, (*range(nd - 2), nd - 1, nd - 2))


def _H(x):
    return conj(_T(x)) if _is_complex(x) else _T(x)


def _mm(a, b):
    """Matrix product of two batches of matrices with the same leading dimensions."""
    nd = get_aval(a).ndim
    batch = tuple(range(nd - 2))
    return dot_general(a, b, (((nd - 1,), (nd - 2,)), (batch, batch)), precision=Precision.HIGHEST)


def _const(x, value):
    return np.array(value, get_aval(x).dtype)


def _zeros(shape, dtype):
    return full(shape, np.zeros((), dtype), dtype)


def _lower_mask(shape, k=0):
    """[..., m, n] bools, true on and below diagonal k (j <= i + k)."""
    rows, cols = (broadcasted_iota(_INT32, shape, len(shape) + i) for i in (-2, -1))
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


def _rows_of(s, rows):
    """s [..., k] as [..., rows, k]: s_j in every row."""
    shape = get_aval(s).shape
    nb = len(shape) - 1
    return broadcast_in_dim(s, shape[:-1] + (rows, shape[-1]), tuple(range(nb)) + (nb + 1,))


def _diag_matrix(s):
    """[..., k] -> [..., k, k]: diagonal matrices."""
    rows = _rows_of(s, get_aval(s).shape[-1])
    square = get_aval(rows).shape
    return select(_eye_mask(square), rows, _zeros(square, get_aval(s).dtype))


def _inverse_off_diagonal(x):
    """1 / x off the diagonal and 0 on it, for [..., k, k] x (whose diagonal may be 0)."""
    eye = _eye(get_aval(x).shape, get_aval(x).dtype)
    return sub(div(_const(x, 1), add(x, eye)), eye)


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


def _entry(x, i, size):
    """x[..., i] (i traced) broadcast to x's leading dimensions + (size,)."""
    shape = get_aval(x).shape
    nb = len(shape) - 1
    column = dynamic_slice(x, (0,) * nb + (i,), shape[:-1] + (1,))
    return broadcast_in_dim(column, shape[:-1] + (size,), tuple(range(nb + 1)))


def symmetrize(x):
    """(x + x^H) / 2: the Hermitian part of (a batch of) square matrices."""
    return div(add(x, _H(x)), _const(x, 2))


def _pad_last(x, *config):
    """x padded with zeros by (low, high, interior) in each of its last len(config)
    dimensions (a negative low or high crops)."""
    nd = get_aval(x).ndim
    return pad(x, np.zeros((), get_aval(x).dtype), [(0, 0, 0)] * (nd - len(config)) + [*config])


def _slice_last2(x, rows, cols):
    """x[..., rows[0]:rows[1], cols[0]:cols[1]]."""
    shape = get_aval(x).shape
    nb = len(shape) - 2
    return slice_(x, (0,) * nb + (rows[0], cols[0]), shape[:-2] + (rows[1], cols[1]))
