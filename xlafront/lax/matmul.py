"""dot_general, the generalized matrix product (and dot, its vector/matrix form), with its
rules: bilinear, transposed as JAX does, batched by turning the vmapped dimension into a
batch or free dimension of the product; the precision and algorithm choices (Precision,
DotAlgorithm, DotAlgorithmPreset); batch_matmul and ragged_dot(_general), compositions.
(JAX keeps these in lax.py; not "dot.py", which would share its name with `lax.dot`.)"""
import enum
from typing import Any, NamedTuple, Sequence, Union

import numpy as np

from .. import dtypes
from ..config import config
from ..core import bind, get_aval
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from .base import check_same_dtypes, ints, out, primitive
from .elementwise import bitwise_and, convert_element_type, le, lt, select, sub
from .shape import broadcast, broadcast_in_dim, broadcasted_iota, full, transpose

__all__ = ["DotAlgorithm", "DotAlgorithmPreset", "DotDimensionNumbers", "Precision",
           "PrecisionLike", "RaggedDotDimensionNumbers", "batch_matmul", "dot", "dot_general",
           "dot_general_p", "ragged_dot", "ragged_dot_general"]

DotDimensionNumbers = tuple[tuple[Sequence[int], Sequence[int]],
                            tuple[Sequence[int], Sequence[int]]]


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
    by_algorithm = isinstance(precision, (DotAlgorithm, DotAlgorithmPreset))
    if all(lhs_aval.shape[d] == 1 for d in lc) and not by_algorithm:  # an outer product
        return [_outer_product(ctx, lhs, rhs, dimension_numbers)]
    dnums = L.hlo.DotDimensionNumbers.get(
        lhs_batching_dimensions=list(lb), rhs_batching_dimensions=list(rb),
        lhs_contracting_dimensions=list(lc), rhs_contracting_dimensions=list(rc))
    precision_config, algorithm, out_aval = None, None, ctx.avals_out[0]
    if by_algorithm:
        lhs, rhs, algorithm, out_aval = _with_algorithm(ctx, lhs, rhs, precision)
    elif precision is not None:  # (lhs, rhs) names
        precision_config = L.ir.ArrayAttr.get([L.hlo.PrecisionAttr.get(p) for p in precision])
    result = L.hlo.dot_general(L.ir_type(out_aval), lhs, rhs, dnums,
                               precision_config=precision_config, algorithm=algorithm)
    if out_aval != ctx.avals_out[0]:
        result = L.hlo.convert(L.ir_type(ctx.avals_out[0]), result)
    return [result]


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
    JAX's string spellings name the same values."""
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


class DotAlgorithm(NamedTuple):
    """A dot product's algorithm, as JAX's: operand and accumulation types, and how many
    components and operations emulate more precision."""
    lhs_precision_type: Any
    rhs_precision_type: Any
    accumulation_type: Any
    lhs_component_count: int = 1
    rhs_component_count: int = 1
    num_primitive_operations: int = 1
    allow_imprecise_accumulation: bool = False


class _Preset(enum.Enum):
    """Named dot algorithms, as JAX's: LHS_RHS_ACCUMULATION types (_Xn: n operations
    emulating more precision), passed as `precision=` or by name."""

    def __repr__(self):
        return f"DotAlgorithmPreset.{self.name}"

    def __str__(self):
        return self.name


DotAlgorithmPreset = _Preset("DotAlgorithmPreset", (
    "DEFAULT ANY_F8_ANY_F8_F32 ANY_F8_ANY_F8_F32_FAST_ACCUM ANY_F8_ANY_F8_ANY "
    "ANY_F8_ANY_F8_ANY_FAST_ACCUM F16_F16_F16 F16_F16_F32 BF16_BF16_BF16 BF16_BF16_F32 "
    "BF16_BF16_F32_X3 BF16_BF16_F32_X6 BF16_BF16_F32_X9 TF32_TF32_F32 TF32_TF32_F32_X3 "
    "F32_F32_F32 F64_F64_F64"), module=__name__)
PrecisionLike = Union[None, str, Precision, tuple[str, str], tuple[Precision, Precision],
                      DotAlgorithm, DotAlgorithmPreset]
# What XLA's CPU backend runs (JAX's list): others it would silently ignore.
_CPU_PRESETS = ("DEFAULT", "F16_F16_F16", "F32_F32_F32", "F64_F64_F64", "BF16_BF16_F32",
                "BF16_BF16_F32_X3", "BF16_BF16_F32_X6")
_PRESET_TYPES = {"F16": dtypes.float16, "BF16": dtypes.bfloat16, "F32": dtypes.float32,
                 "F64": dtypes.float64, "TF32": dtypes.float32}


def _preset_types(preset, lhs_dtype, rhs_dtype, out_dtype):
    """(lhs and rhs compute dtypes, accumulation dtype, the attribute's (lhs, rhs,
    accumulation) types, the number of operations) of a preset, as JAX's."""
    parts = preset.name.split("_")
    if parts[0] == "ANY":
        if lhs_dtype not in dtypes.float8_dtypes or rhs_dtype not in dtypes.float8_dtypes:
            raise ValueError(f"dot_general: the dot algorithm {preset.name} requires float8 "
                             f"operands, got {lhs_dtype.name} and {rhs_dtype.name}")
        narrow = (dtypes.float16, dtypes.bfloat16, dtypes.float32, *dtypes.float8_dtypes)
        acc = out_dtype if parts[4] == "ANY" or out_dtype in narrow else dtypes.float32
        return lhs_dtype, rhs_dtype, acc, (lhs_dtype, rhs_dtype, dtypes.float32), 1
    lhs, acc = _PRESET_TYPES[parts[0]], _PRESET_TYPES[parts[2]]
    inputs = (lhs, dtypes.float32) if parts[0] == "BF16" and parts[2] != "F64" else (lhs,)
    lhs_t, rhs_t = (d if d in inputs else lhs for d in (lhs_dtype, rhs_dtype))
    if parts[2] == "F32" and parts[0] in ("F16", "BF16") and lhs_t == rhs_t == lhs == out_dtype:
        acc = out_dtype  # a narrow result from narrow operands is allowed
    attr = tuple("tf32" if p == "TF32" else _PRESET_TYPES[p] for p in parts[:3])
    return lhs_t, rhs_t, acc, attr, int(parts[3][1:]) if len(parts) > 3 else 1


def _with_algorithm(ctx, lhs, rhs, algorithm):
    """(lhs, rhs converted to the algorithm's types, the algorithm attribute or None, the
    aval the dot computes before the conversion to its result)."""
    lhs_aval, rhs_aval = ctx.avals_in
    out_aval = ctx.avals_out[0]
    if algorithm is DotAlgorithmPreset.DEFAULT:
        return lhs, rhs, None, out_aval
    if ctx.platform == "cpu" and getattr(algorithm, "name", None) not in _CPU_PRESETS:
        raise NotImplementedError(
            f"dot_general: the precision {algorithm} is not supported on CPU, where XLA "
            f"runs only the presets {', '.join(_CPU_PRESETS)}")
    if isinstance(algorithm, DotAlgorithm):
        types = [np.dtype(t) for t in algorithm[:3]]
        lhs_t, rhs_t, acc, attr = *types, types
        counts = algorithm[3:]
    else:
        lhs_t, rhs_t, acc, attr, ops = _preset_types(algorithm, lhs_aval.dtype, rhs_aval.dtype,
                                                     out_aval.dtype)
        counts = (1, 1, ops, algorithm.name.endswith("FAST_ACCUM"))
    lhs, rhs = (x if a.dtype == t else L.hlo.convert(L.ir_type(a.update(dtype=t)), x)
                for x, a, t in ((lhs, lhs_aval, lhs_t), (rhs, rhs_aval, rhs_t)))
    ir_types = [L.ir.FloatTF32Type.get() if t == "tf32" else L.ir_element_type(t) for t in attr]
    return lhs, rhs, L.hlo.DotAlgorithm.get(*ir_types, *counts), out_aval.update(dtype=acc)


def _precision_names(precision):
    """A dot's precision as the (lhs, rhs) pair of Precision names its lowering takes, a
    DotAlgorithm(Preset), or None; None picks config.default_matmul_precision."""
    if precision is None:
        precision = config.read("default_matmul_precision")
        if precision is None:
            return None
    if isinstance(precision, (DotAlgorithm, DotAlgorithmPreset)):
        return precision
    if isinstance(precision, str) and precision in DotAlgorithmPreset.__members__:
        return DotAlgorithmPreset[precision]
    pair = tuple(precision) if isinstance(precision, (tuple, list)) else (precision,) * 2
    if len(pair) != 2:
        raise ValueError(f"dot_general: precision must be one value or an (lhs, rhs) pair, "
                         f"got {precision!r}")
    try:
        return tuple(Precision.DEFAULT.name if p is None else Precision(p).name for p in pair)
    except ValueError:
        raise ValueError(f"dot_general: unknown precision {precision!r}; use None, a "
                         f"lax.Precision, one of 'default', 'high', 'highest', "
                         f"'bfloat16', 'tensorfloat32', 'float32', a lax.DotAlgorithm, or "
                         f"a lax.DotAlgorithmPreset or its name") from None


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
    # JAX's form, dot(ct, y) then a transpose, even where dot(y, ct) would need none: XLA's
    # CPU backend runs it as one dot whose operand is read transposed, while dot(y, ct)
    # becomes a copy plus a matmul (a 16% slower transformer step, benchmarks/random_nn)
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


def batch_matmul(lhs, rhs, precision=None):
    """Matrix products batched over the leading dimensions (operands of one rank >= 2)."""
    lhs_ndim, rhs_ndim = get_aval(lhs).ndim, get_aval(rhs).ndim
    if min(lhs_ndim, rhs_ndim) < 2 or lhs_ndim != rhs_ndim:
        raise ValueError(f"batch_matmul: arguments must be at least 2D and of the same rank, "
                         f"got ranks {lhs_ndim} and {rhs_ndim}")
    batch = tuple(range(lhs_ndim - 2))
    return dot_general(lhs, rhs, (((lhs_ndim - 1,), (rhs_ndim - 2,)), (batch, batch)), precision)


class _RaggedDotDimensionNumbers(NamedTuple):
    dot_dimension_numbers: Any
    lhs_ragged_dimensions: Sequence[int]
    rhs_group_dimensions: Sequence[int]


class RaggedDotDimensionNumbers(_RaggedDotDimensionNumbers):
    """dot_general's dimension numbers, the lhs ragged dimension and the rhs group ones."""

    def __new__(cls, dot_dimension_numbers, lhs_ragged_dimensions, rhs_group_dimensions):
        return super().__new__(cls, dot_dimension_numbers, tuple(lhs_ragged_dimensions),
                               tuple(rhs_group_dimensions))


def ragged_dot_general(lhs, rhs, group_sizes, ragged_dot_dimension_numbers, precision=None,
                       preferred_element_type=None, group_offset=None, out_sharding=None):
    """dot_general with the lhs ragged dimension cut into groups of `group_sizes`: each
    against its rhs group (non-contracting), one product per group (contracting, a new
    leading dimension) or a plain dot (batch); a masked dot_general, as JAX off TPU."""
    if group_offset is not None or out_sharding is not None:
        raise NotImplementedError("ragged_dot_general: group_offset and out_sharding are not "
                                  "supported")
    dn = ragged_dot_dimension_numbers
    (lc, rc), (lb, rb) = [[ints("ragged_dot_general", "dimension numbers", d) for d in p]
                          for p in dn.dot_dimension_numbers]
    ragged, groups = tuple(dn.lhs_ragged_dimensions), tuple(dn.rhs_group_dimensions)
    lhs_aval, gs_aval = get_aval(lhs), get_aval(group_sizes)
    free = [d for d in range(lhs_aval.ndim) if d not in lc and d not in lb]
    if len(ragged) != 1 or ragged[0] not in range(lhs_aval.ndim):
        raise TypeError(f"ragged_dot_general: expects exactly one lhs ragged dimension of "
                        f"lhs shape {lhs_aval.shape}, got {ragged}")
    r = ragged[0]
    kind, outer = next((k, ds) for k, ds in (("batch", lb), ("contracting", lc), ("free", free))
                       if r in ds)
    if len(groups) != (kind == "free"):
        raise TypeError(f"ragged_dot_general: a {kind} ragged dimension needs "
                        f"{int(kind == 'free')} rhs group dimensions, got {groups}")
    dims = ((lc, rc), (lb, rb))
    if kind == "batch":
        return dot_general(lhs, rhs, dims, precision, preferred_element_type)
    if dtypes.kind(gs_aval.dtype) not in "iu" or gs_aval.ndim == 0:
        raise TypeError(f"ragged_dot_general: group_sizes must be an integer array, got "
                        f"{gs_aval.str_short()}")
    prefix = list(lb) + list(outer[:list(outer).index(r)])
    g = gs_aval.shape[-1]
    expected = tuple(lhs_aval.shape[d] for d in prefix) + (g,)
    if gs_aval.ndim == 1:
        group_sizes = broadcast(group_sizes, expected[:-1])
    elif gs_aval.shape != expected:
        raise TypeError(f"ragged_dot_general: expected group_sizes of shape {expected}, got "
                        f"{gs_aval.shape}")
    # group j covers [ends[j] - sizes[j], ends[j]) of the ragged dimension
    tri = np.triu(np.ones((g, g), gs_aval.dtype))
    ends = dot_general(group_sizes, tri, (((len(prefix),), (0,)), ((), ())))
    order = [int(i) for i in np.argsort(prefix)]
    shape = (g,) + lhs_aval.shape
    where = (0,) + tuple(sorted(1 + d for d in prefix))

    def spread(x):  # (prefix..., g) -> shape
        return broadcast_in_dim(transpose(x, [len(prefix)] + order), shape, where)
    pos = broadcasted_iota(gs_aval.dtype, shape, 1 + r)
    mask = bitwise_and(le(spread(sub(ends, group_sizes)), pos), lt(pos, spread(ends)))
    dense = select(mask, broadcast(lhs, (g,)), full(shape, 0, lhs_aval.dtype))
    up = tuple(d + 1 for d in lc), tuple(d + 1 for d in lb)
    if kind == "free":
        dims = ((up[0] + (0,), rc + groups), (up[1], rb))
    else:
        rhs = broadcast(rhs, (g,))
        dims = ((up[0], tuple(d + 1 for d in rc)), ((0,) + up[1], (0,) + tuple(d + 1 for d in rb)))
    return dot_general(dense, rhs, dims, precision, preferred_element_type)


def ragged_dot(lhs, rhs, group_sizes, precision=None, preferred_element_type=None,
               group_offset=None, out_sharding=None):
    """lhs (m, k) rows in consecutive groups of group_sizes (g,), each times its rhs[j]
    (rhs: (g, k, n)); rows past the groups give zeros."""
    return ragged_dot_general(lhs, rhs, group_sizes, RaggedDotDimensionNumbers(
        (((1,), (1,)), ((), ())), (0,), (0,)), precision, preferred_element_type,
        group_offset, out_sharding)
