"""dot_general, the generalized matrix product (and dot, its vector/matrix form), with its
rules: bilinear, transposed as JAX does, batched by turning the vmapped dimension into a
batch or free dimension of the product."""
import enum

import numpy as np

from .. import dtypes
from ..config import config
from ..core import bind, get_aval
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from .base import check_same_dtypes, out, primitive
from .elementwise import convert_element_type
from .shape import transpose

__all__ = ["Precision", "dot", "dot_general", "dot_general_p"]


def _dot_general_abstract(lhs, rhs, dimension_numbers, precision, preferred_element_type):
    (lc, rc), (lb, rb) = dimension_numbers
    check_same_dtypes("dot_general", (lhs, rhs))
    for dims, aval, which in ((lc, lhs, "lhs"), (lb, lhs, "lhs"), (rc, rhs, "rhs"), (rb, rhs, "rhs")):
        if any(not 0 <= d < aval.ndim for d in dims):
            raise ValueError(f"dot_general: {which} dimension numbers {dims} out of range for "
                             f"shape {aval.shape}")
    if len(lc) != len(rc) or len(lb) != len(rb):
        raise TypeError(f"dot_general: contracting/batch dimension lists differ in length: "
                        f"{dimension_numbers}")
    for a, b in zip(lc, rc):
        if lhs.shape[a] != rhs.shape[b]:
            raise TypeError(f"dot_general: contracting dimensions must match: lhs shape "
                            f"{lhs.shape} dim {a} vs rhs shape {rhs.shape} dim {b}")
    for a, b in zip(lb, rb):
        if lhs.shape[a] != rhs.shape[b]:
            raise TypeError(f"dot_general: batch dimensions must match: lhs shape {lhs.shape} "
                            f"dim {a} vs rhs shape {rhs.shape} dim {b}")
    batch = tuple(lhs.shape[d] for d in lb)
    lhs_free = tuple(n for i, n in enumerate(lhs.shape) if i not in lc and i not in lb)
    rhs_free = tuple(n for i, n in enumerate(rhs.shape) if i not in rc and i not in rb)
    dtype = preferred_element_type or lhs.dtype
    return out(batch + lhs_free + rhs_free, dtype, lhs.weak_type and rhs.weak_type)


def _dot_general_lowering(ctx, lhs, rhs, dimension_numbers, precision, preferred_element_type):
    (lc, rc), (lb, rb) = dimension_numbers
    lhs_aval, rhs_aval = ctx.avals_in
    if all(lhs_aval.shape[d] == 1 for d in lc):  # an outer product: no sum to do
        return [_outer_product(ctx, lhs, rhs, dimension_numbers)]
    dnums = L.hlo.DotDimensionNumbers.get(
        lhs_batching_dimensions=list(lb), rhs_batching_dimensions=list(rb),
        lhs_contracting_dimensions=list(lc), rhs_contracting_dimensions=list(rc))
    precision_config = None
    if precision is not None:  # (lhs, rhs) names
        precision_config = L.ir.ArrayAttr.get([L.hlo.PrecisionAttr.get(p) for p in precision])
    return [L.hlo.dot_general(L.ir_type(ctx.avals_out[0]), lhs, rhs, dnums,
                              precision_config=precision_config)]


def _outer_product(ctx, lhs, rhs, dimension_numbers):
    """A dot_general whose contracted dimensions all have size 1 (per-example outer products
    under vmap, x[:, None] @ y[None]) as broadcasts and a multiply, which XLA runs as one
    fused loop rather than a batch of rank-1 matrix products."""
    (lc, rc), (lb, rb) = dimension_numbers
    out_aval = ctx.avals_out[0]
    n_batch, n_lhs_free = len(lb), ctx.avals_in[0].ndim - len(lc) - len(lb)
    factors = []
    for side, (x, aval, contract, batch) in enumerate(((lhs, ctx.avals_in[0], lc, lb),
                                                      (rhs, ctx.avals_in[1], rc, rb))):
        kept = [i for i in range(aval.ndim) if i not in contract]   # original order
        order = list(batch) + [i for i in kept if i not in batch]  # batch dims first
        if len(kept) != aval.ndim:  # drop the size-1 contracted dimensions
            x = L.hlo.reshape(L.ir_type(aval.update(shape=tuple(aval.shape[i] for i in kept))),
                              x)
        if order != kept:
            x = L.hlo.transpose(x, L.dense_i64([kept.index(i) for i in order]))
        shape = tuple(aval.shape[i] for i in order)
        if aval.dtype != out_aval.dtype:
            x = L.hlo.convert(L.ir_type(aval.update(shape=shape, dtype=out_aval.dtype)), x)
        first_free = n_batch + (0 if side == 0 else n_lhs_free)
        dims = list(range(n_batch)) + list(range(first_free, first_free + len(order) - n_batch))
        factors.append(L.hlo.broadcast_in_dim(L.ir_type(out_aval), x, L.dense_i64(dims)))
    return L.hlo.multiply(*factors)


dot_general_p = primitive("dot_general", _dot_general_abstract, _dot_general_lowering)

class Precision(enum.Enum):
    """The precision of a matrix product on accelerators (XLA's PrecisionConfig), as JAX's
    `lax.Precision`: DEFAULT is the fastest (one bfloat16 pass on TPU, TF32 on recent
    GPUs), HIGHEST full float32. XLA's CPU backend computes every one in full precision.
    JAX's string spellings name the same values.

    >>> Precision("highest") is Precision.HIGHEST is Precision("float32")
    True
    """
    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2

    @classmethod
    def _missing_(cls, value):
        aliases = {"default": "DEFAULT", "fastest": "DEFAULT", "bfloat16": "DEFAULT",
                   "high": "HIGH", "tensorfloat32": "HIGH", "highest": "HIGHEST",
                   "float32": "HIGHEST"}
        if isinstance(value, str) and (value in aliases or value in cls.__members__):
            return cls[aliases.get(value, value)]
        return None


def _precision_names(precision):
    """A dot's precision as the (lhs, rhs) pair of Precision names its lowering takes, or
    None; None picks config.default_matmul_precision."""
    if precision is None:
        precision = config.read("default_matmul_precision")
        if precision is None:
            return None
    pair = tuple(precision) if isinstance(precision, (tuple, list)) else (precision,) * 2
    if len(pair) != 2:
        raise ValueError(f"dot_general: precision must be one value or an (lhs, rhs) pair, "
                         f"got {precision!r}")
    try:
        return tuple(Precision.DEFAULT.name if p is None else Precision(p).name for p in pair)
    except ValueError:
        raise ValueError(f"dot_general: unknown precision {precision!r}; use None, a "
                         f"lax.Precision, or one of 'default', 'high', 'highest', "
                         f"'bfloat16', 'tensorfloat32', 'float32'") from None


def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None):
    """Generalized dot: dimension_numbers = ((lhs_contract, rhs_contract),
    (lhs_batch, rhs_batch)); the result is batch + lhs free + rhs free dimensions."""
    (lc, rc), (lb, rb) = dimension_numbers
    dnums = ((tuple(lc), tuple(rc)), (tuple(lb), tuple(rb)))
    pref = None if preferred_element_type is None else dtypes.check_dtype(preferred_element_type, "dot_general")
    return bind(dot_general_p, lhs, rhs, dimension_numbers=dnums,
                precision=_precision_names(precision), preferred_element_type=pref)


def dot(lhs, rhs, precision=None, preferred_element_type=None):
    """Vector/matrix products: contracts the last axis of lhs with the first of rhs."""
    lhs_ndim, rhs_ndim = get_aval(lhs).ndim, get_aval(rhs).ndim
    if not (1 <= lhs_ndim <= 2 and 1 <= rhs_ndim <= 2):
        raise TypeError(f"dot: operands must be vectors or matrices, got ranks {lhs_ndim} "
                        f"and {rhs_ndim}; use dot_general for higher ranks")
    return dot_general(lhs, rhs, (((lhs_ndim - 1,), (0,)), ((), ())), precision,
                       preferred_element_type)


def _ranges_like(*xs):
    start = 0
    for x in xs:
        yield tuple(range(start, start + len(x)))
        start += len(x)


def _dot_general_transpose_lhs(ct, x, y, dimension_numbers, precision, preferred_element_type,
                               swap_ans=False):
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    x_aval = x.aval
    y_aval = y.aval if ad.is_undefined(y) else get_aval(y)
    x_kept = [i for i in range(x_aval.ndim) if i not in x_contract and i not in x_batch]
    y_kept = [i for i in range(y_aval.ndim) if i not in y_contract and i not in y_batch]
    if swap_ans:
        ans_batch, ans_y, _ = _ranges_like(x_batch, y_kept, x_kept)
    else:
        ans_batch, _, ans_y = _ranges_like(x_batch, x_kept, y_kept)
    dims = ((ans_y, tuple(y_kept)), (ans_batch, tuple(y_batch)))
    x_contract_sorted_by_y = [x_contract[i] for i in np.argsort(y_contract)]
    out_axes = tuple(int(i) for i in np.argsort(list(x_batch) + x_kept + x_contract_sorted_by_y))
    ct_dtype = get_aval(ct).dtype
    if ct_dtype != y_aval.dtype:  # preferred_element_type differs from the inputs' dtype
        if np.dtype(ct_dtype).itemsize >= np.dtype(y_aval.dtype).itemsize or \
                dtypes.kind(ct_dtype) == "c":
            y = convert_element_type(y, ct_dtype)
        else:
            ct = convert_element_type(ct, y_aval.dtype)
    # dot(y, ct) yields the dimensions as (batch, contracted, kept): when that is x's own
    # order and (batch, kept, contracted) is not, it saves XLA a transpose of the result.
    flipped_axes = tuple(int(i) for i in np.argsort(list(x_batch) + x_contract_sorted_by_y +
                                                    x_kept))
    identity = tuple(range(x_aval.ndim))
    if out_axes != identity and flipped_axes == identity:
        (ct_free, y_free), (ct_batch, y_batch_) = dims
        x_bar = dot_general(y, ct, ((y_free, ct_free), (y_batch_, ct_batch)), precision)
    else:
        x_bar = transpose(dot_general(ct, y, dims, precision), out_axes)
    if get_aval(x_bar).dtype != x_aval.dtype:
        x_bar = convert_element_type(x_bar, x_aval.dtype)
    return x_bar


def _dot_general_transpose_rhs(ct, x, y, dimension_numbers, precision, preferred_element_type):
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    swapped = ((y_contract, x_contract), (y_batch, x_batch))
    return _dot_general_transpose_lhs(ct, y, x, swapped, precision, preferred_element_type,
                                      swap_ans=True)


def _dot_general_batch(vals, dims, dimension_numbers, precision, preferred_element_type):
    (lhs, rhs), (lbd, rbd) = vals, dims
    (lc, rc), (lb, rb) = dimension_numbers

    def bump(ds, b):
        return tuple(d + (d >= b) for d in ds)

    if lbd is not batching.not_mapped and rbd is not batching.not_mapped:
        # Both mapped: the vmapped dimension becomes the first batch dimension of the dot.
        new = ((bump(lc, lbd), bump(rc, rbd)), ((lbd,) + bump(lb, lbd), (rbd,) + bump(rb, rbd)))
        out_dim = 0
    elif lbd is not batching.not_mapped:
        # Only lhs: a free dimension of lhs, which the result keeps in order.
        lhs_free = [d for d in range(get_aval(lhs).ndim - 1) if d not in lc and d not in lb]
        out_dim = len(lb) + sum(d < lbd for d in lhs_free)
        new = ((bump(lc, lbd), rc), (bump(lb, lbd), rb))
    else:
        rhs_free = [d for d in range(get_aval(rhs).ndim - 1) if d not in rc and d not in rb]
        out_dim = get_aval(lhs).ndim - len(lc) + sum(d < rbd for d in rhs_free)
        new = ((lc, bump(rc, rbd)), (lb, bump(rb, rbd)))
    return [dot_general_p.bind(lhs, rhs, dimension_numbers=new, precision=precision,
                               preferred_element_type=preferred_element_type)], [out_dim]


ad.defbilinear(dot_general_p, _dot_general_transpose_lhs, _dot_general_transpose_rhs)
batching.primitive_batchers[dot_general_p] = _dot_general_batch
