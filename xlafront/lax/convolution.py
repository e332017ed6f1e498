"""conv_general_dilated, XLA's convolution (stablehlo.convolution), with its rules:
bilinear, transposed into convolutions as JAX does, batched by folding the vmapped
dimension into the batch or feature dimension; and the helpers around it (dimension
numbers, padding strings, conv, conv_transpose, the shape functions)."""
import operator
from typing import NamedTuple, Sequence, Union

import numpy as np

from .. import dtypes
from ..core import ShapedArray, bind, get_aval
from ..dispatch import eager
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from .base import check_same_dtypes, ints, out, primitive
from .matmul import DotAlgorithm, DotAlgorithmPreset, Precision, _precision_names, dot_general
from .elementwise import _real_dtype, add, complex_, convert_element_type, imag, real, sub
from .shape import full, reshape, rev, transpose

__all__ = ["ConvDimensionNumbers", "ConvGeneralDilatedDimensionNumbers", "conv",
           "conv_dimension_numbers", "conv_general_dilated", "conv_general_dilated_p",
           "conv_general_permutations", "conv_general_shape_tuple", "conv_shape_tuple",
           "conv_general_dilated_local", "conv_general_dilated_patches", "conv_transpose",
           "conv_transpose_shape_tuple", "conv_with_general_padding", "padtype_to_pads"]


class ConvDimensionNumbers(NamedTuple):
    """Where each logical dimension of a convolution's operands and output is: lhs_spec
    = (batch, feature, spatial...), rhs_spec = (out feature, in feature, spatial...),
    out_spec = (batch, feature, spatial...), each a tuple of physical dimensions."""
    lhs_spec: Sequence[int]
    rhs_spec: Sequence[int]
    out_spec: Sequence[int]


ConvGeneralDilatedDimensionNumbers = Union[tuple[str, str, str], ConvDimensionNumbers, None]


# ---------------------------------------------------------------------------------------
# Dimension numbers, padding and shapes (host-side helpers JAX exports)

def conv_general_permutations(dimension_numbers):
    """The (lhs, rhs, out) permutations of spec strings such as ('NCHW', 'OIHW', 'NCHW'):
    each (batch or out-feature, feature or in-feature, spatial dimensions in rhs order)."""
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    charpairs = (("N", "C"), ("O", "I"), ("N", "C"))
    for i, (a, b) in enumerate(charpairs):
        if not dimension_numbers[i].count(a) == dimension_numbers[i].count(b) == 1:
            raise TypeError(f"convolution dimension_numbers[{i}] must contain the characters "
                            f"'{a}' and '{b}' exactly once, got {dimension_numbers[i]}.")
        if len(dimension_numbers[i]) != len(set(dimension_numbers[i])):
            raise TypeError(f"convolution dimension_numbers[{i}] cannot have duplicate "
                            f"characters, got {dimension_numbers[i]}.")
    if not (set(lhs_spec) - {"N", "C"} == set(rhs_spec) - {"O", "I"} ==
            set(out_spec) - {"N", "C"}):
        raise TypeError(f"convolution dimension_numbers elements must each have the same set "
                        f"of spatial characters, got {dimension_numbers}.")

    def perm(spec, pair):
        spatial = sorted((i for i, c in enumerate(spec) if c not in pair),
                         key=lambda i: rhs_spec.index(spec[i]))
        return (spec.index(pair[0]), spec.index(pair[1])) + tuple(spatial)

    return tuple(perm(spec, pair) for spec, pair in zip(dimension_numbers, charpairs))


def conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers):
    """`dimension_numbers` (None: NCHW/OIHW/NCHW order, spec strings, or a
    ConvDimensionNumbers) as a ConvDimensionNumbers for operands of these shapes."""
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        return ConvDimensionNumbers(*(tuple(int(d) for d in s) for s in dimension_numbers))
    if len(lhs_shape) != len(rhs_shape):
        raise TypeError(f"convolution requires lhs and rhs ndim to be equal, got "
                        f"{len(lhs_shape)} and {len(rhs_shape)}.")
    if dimension_numbers is None:
        iota = tuple(range(len(lhs_shape)))
        return ConvDimensionNumbers(iota, iota, iota)
    if not isinstance(dimension_numbers, (list, tuple)):
        raise TypeError(f"convolution dimension_numbers must be tuple/list or None, got "
                        f"{type(dimension_numbers)}.")
    if len(dimension_numbers) != 3:
        raise TypeError(f"convolution dimension_numbers list/tuple must be length 3, got "
                        f"{len(dimension_numbers)}.")
    if not all(isinstance(s, str) for s in dimension_numbers):
        raise TypeError(f"convolution dimension_numbers elements must be strings, got "
                        f"{tuple(map(type, dimension_numbers))}.")
    for i, spec in enumerate(dimension_numbers):
        if len(spec) != len(lhs_shape):
            raise TypeError(f"convolution dimension_numbers[{i}] must have len equal to the "
                            f"ndim of lhs and rhs, got {len(spec)} for lhs and rhs shapes "
                            f"{tuple(lhs_shape)} and {tuple(rhs_shape)}.")
    return ConvDimensionNumbers(*conv_general_permutations(dimension_numbers))


def padtype_to_pads(in_shape, window_shape, window_strides, padding):
    """The (low, high) padding per dimension that 'VALID' (none), 'SAME' (output size
    ceil(in / stride), an odd total with the extra at the end) or 'SAME_LOWER' (the extra
    at the start) mean."""
    kind = padding.upper() if isinstance(padding, str) else padding
    if kind == "VALID":
        return [(0, 0)] * len(in_shape)
    if kind not in ("SAME", "SAME_LOWER"):
        raise RuntimeError(f"Unrecognized padding type: expected 'VALID', 'SAME', or "
                           f"'SAME_LOWER', got {padding}.")
    pads = []
    for n, w, s in zip(in_shape, window_shape, window_strides):
        total = max((-(-int(n) // int(s)) - 1) * int(s) + int(w) - int(n), 0)
        small, large = total // 2, total - total // 2
        pads.append((small, large) if kind == "SAME" else (large, small))
    return pads


def _dilate_shape(shape, dilation):
    if not all(d > 0 for d in dilation):
        raise TypeError(f"All dilations must be positive, got {tuple(dilation)}.")
    return tuple(0 if n == 0 else 1 + d * (n - 1) for n, d in zip(shape, dilation))


def conv_shape_tuple(lhs_shape, rhs_shape, strides, pads, batch_group_count=1):
    """The output shape of a convolution in (N, C, spatial...) order, given operand shapes
    in that order (NCHW, OIHW)."""
    if isinstance(pads, str):
        pads = padtype_to_pads(lhs_shape[2:], rhs_shape[2:], strides, pads)
    if len(pads) != len(lhs_shape) - 2:
        raise TypeError(f"Wrong number of explicit pads for convolution: expected "
                        f"{len(lhs_shape) - 2}, got {len(pads)}.")
    padded = [n + lo + hi for n, (lo, hi) in zip(lhs_shape[2:], pads)]
    if any(n < 0 for n in padded):
        raise ValueError(f"Negative padding is larger than the size of the corresponding "
                         f"dimension: got padding={tuple(pads)} for lhs_shape[2:]="
                         f"{tuple(lhs_shape[2:])}")
    space = tuple(max((n - w) // s + 1, 0) for n, w, s in zip(padded, rhs_shape[2:], strides))
    return (lhs_shape[0] // batch_group_count, rhs_shape[0]) + space


def conv_general_shape_tuple(lhs_shape, rhs_shape, window_strides, padding,
                             dimension_numbers):
    """The output shape of conv_general_dilated (no dilation) for spec-string dimension
    numbers."""
    lhs_perm, rhs_perm, out_perm = conv_general_permutations(dimension_numbers)
    out_trans = conv_shape_tuple(np.take(lhs_shape, lhs_perm).tolist(),
                                 np.take(rhs_shape, rhs_perm).tolist(), window_strides,
                                 padding)
    return tuple(int(n) for n in np.take(out_trans, np.argsort(out_perm)))


def _conv_transpose_padding(k, s, padding):
    """The (low, high) padding of the dilated input that makes conv_transpose the transpose
    of a forward convolution with kernel size k, stride s and this padding."""
    if padding == "SAME":
        pad_len = k + s - 2
        pad_a = k - 1 if s > k - 1 else int(np.ceil(pad_len / 2))
    elif padding == "VALID":
        pad_len = k + s - 2 + max(k - s, 0)
        pad_a = k - 1
    elif isinstance(padding, tuple):
        pads = tuple(k - p - 1 for p in padding)
        pad_a, pad_len = pads[0], sum(pads)
    else:
        raise ValueError(f"conv_transpose: invalid padding mode {padding!r}; use 'SAME', "
                         f"'VALID' or (low, high) pairs")
    return pad_a, pad_len - pad_a


def conv_transpose_shape_tuple(lhs_shape, rhs_shape, window_strides, padding,
                               dimension_numbers):
    """The output shape of conv_transpose (no dilation) for spec-string dimension numbers."""
    lhs_perm, rhs_perm, out_perm = conv_general_permutations(dimension_numbers)
    lhs_trans, rhs_trans = np.take(lhs_shape, lhs_perm), np.take(rhs_shape, rhs_perm)
    if isinstance(padding, str):
        padding = [_conv_transpose_padding(int(k), s, padding)
                   for k, s in zip(rhs_trans[2:], window_strides)]
    space = [(i - 1) * s - k + 2 + sum(p)
             for i, k, s, p in zip(lhs_trans[2:], rhs_trans[2:], window_strides, padding)]
    out_trans = (lhs_trans[0], rhs_trans[0], *space)
    return tuple(int(n) for n in np.take(out_trans, np.argsort(out_perm)))


# ---------------------------------------------------------------------------------------
# conv_general_dilated

def _check_preferred(op, input_dtype, preferred):
    """JAX's compatible (input, preferred_element_type) pairs: integral to floating, or to
    integral of the same signedness; floating to floating; complex to complex; never
    narrower."""
    k_in, k_out = dtypes.kind(input_dtype), dtypes.kind(preferred)
    if k_in in "iu" and k_out != "f":
        ok = k_out in "iu" and (k_in == "u" or k_out == "i")
    else:
        ok = k_in not in "fc" or k_out == k_in
    if not ok:
        raise TypeError(f"{op}: input type {input_dtype.name} is incompatible with "
                        f"preferred_element_type {preferred.name}; the compatible combinations "
                        f"are (integral, integral of the same signedness), (integral, "
                        f"floating), (floating, floating), (complex, complex)")
    if preferred.itemsize < input_dtype.itemsize:
        raise TypeError(f"{op}: preferred_element_type {preferred.name} must not be narrower "
                        f"than the input type {input_dtype.name}")


def _conv_abstract(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                   dimension_numbers, feature_group_count, batch_group_count, precision,
                   preferred_element_type):
    op = "conv_general_dilated"
    if lhs.ndim != rhs.ndim:
        raise ValueError(f"{op}: lhs and rhs must have the same number of dimensions, but "
                         f"got {lhs.shape} and {rhs.shape}.")
    check_same_dtypes(op, (lhs, rhs))
    if preferred_element_type is not None:
        _check_preferred(op, lhs.dtype, preferred_element_type)
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    n = lhs.ndim - 2
    for name, value in (("window_strides", window_strides), ("padding", padding),
                        ("lhs_dilation", lhs_dilation), ("rhs_dilation", rhs_dilation)):
        if len(value) != n:
            raise TypeError(f"{op}: {name} {value} must have one entry per spatial "
                            f"dimension ({n} for operands of shape {lhs.shape})")
    if any(s <= 0 for s in window_strides):
        raise ValueError(f"{op}: window_strides must be positive, got {window_strides}")
    for g, name in ((feature_group_count, "feature_group_count"),
                    (batch_group_count, "batch_group_count")):
        if g <= 0:
            raise ValueError(f"{op}: {name} must be a positive integer, got {g}.")
    if feature_group_count > 1 and batch_group_count > 1:
        raise ValueError(f"{op}: at most one of batch_group_count and feature_group_count "
                         f"may be > 1, got batch_group_count={batch_group_count} and "
                         f"feature_group_count={feature_group_count}")
    lhs_features, rhs_in, rhs_out = (lhs.shape[lhs_spec[1]], rhs.shape[rhs_spec[1]],
                                     rhs.shape[rhs_spec[0]])
    if lhs_features % feature_group_count:
        raise ValueError(f"{op}: feature_group_count must divide lhs feature dimension size, "
                         f"but {feature_group_count} does not divide {lhs_features}.")
    if lhs_features // feature_group_count != rhs_in:
        raise ValueError(f"{op}: lhs feature dimension size divided by feature_group_count "
                         f"must equal the rhs input feature dimension size, but "
                         f"{lhs_features} // {feature_group_count} != {rhs_in}.")
    for g, name in ((feature_group_count, "feature_group_count"),
                    (batch_group_count, "batch_group_count")):
        if rhs_out % g:
            raise ValueError(f"{op}: rhs output feature dimension size must be a multiple "
                             f"of {name}, but {rhs_out} is not a multiple of {g}.")
    if lhs.shape[lhs_spec[0]] % batch_group_count:
        raise ValueError(f"{op}: batch_group_count must divide lhs batch dimension size, but "
                         f"{batch_group_count} does not divide {lhs.shape[lhs_spec[0]]}.")
    lhs_trans = _dilate_shape([lhs.shape[d] for d in lhs_spec], (1, 1) + lhs_dilation)
    rhs_trans = _dilate_shape([rhs.shape[d] for d in rhs_spec], (1, 1) + rhs_dilation)
    out_trans = conv_shape_tuple(lhs_trans, rhs_trans, window_strides, padding,
                                 batch_group_count)
    shape = tuple(out_trans[i] for i in np.argsort(out_spec))
    return out(shape, preferred_element_type or lhs.dtype, lhs.weak_type and rhs.weak_type)


def _conv_lowering(ctx, lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                   dimension_numbers, feature_group_count, batch_group_count, precision,
                   preferred_element_type):
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    dnums = L.hlo.ConvDimensionNumbers.get(
        input_batch_dimension=lhs_spec[0], input_feature_dimension=lhs_spec[1],
        input_spatial_dimensions=list(lhs_spec[2:]),
        kernel_output_feature_dimension=rhs_spec[0],
        kernel_input_feature_dimension=rhs_spec[1],
        kernel_spatial_dimensions=list(rhs_spec[2:]),
        output_batch_dimension=out_spec[0], output_feature_dimension=out_spec[1],
        output_spatial_dimensions=list(out_spec[2:]))
    precision_config = None
    if precision is not None:
        precision_config = L.ir.ArrayAttr.get([L.hlo.PrecisionAttr.get(p) for p in precision])
    pads = L.ir.DenseIntElementsAttr.get(np.asarray(padding, np.int64).reshape(-1, 2))
    return [L.hlo.convolution(
        L.ir_type(ctx.avals_out[0]), lhs, rhs, dnums, L.i64_attr(feature_group_count),
        L.i64_attr(batch_group_count), window_strides=L.dense_i64(window_strides),
        padding=pads, lhs_dilation=L.dense_i64(lhs_dilation),
        rhs_dilation=L.dense_i64(rhs_dilation),
        window_reversal=L.dense_bool([False] * len(window_strides)),
        precision_config=precision_config)]


def _complex_conv(lhs, rhs, preferred_element_type, **params):
    """A complex convolution as three real ones (Gauss's trick)."""
    if preferred_element_type is not None:
        preferred_element_type = _real_dtype(preferred_element_type)

    def conv_(x, y):
        return bind(conv_general_dilated_p, x, y,
                    preferred_element_type=preferred_element_type, **params)

    x_re, x_im, y_re, y_im = real(lhs), imag(lhs), real(rhs), imag(rhs)
    k1 = conv_(add(x_re, x_im), y_re)
    k2 = conv_(x_re, sub(y_im, y_re))
    k3 = conv_(x_im, add(y_re, y_im))
    return complex_(sub(k1, k3), add(k1, k2))


_complex_conv_lowering = L.lower_fun(_complex_conv)


def _conv_lowering_expanding_complex(ctx, lhs, rhs, **params):
    """The CPU and GPU lowering: XLA's convolutions there are real (as JAX lowers them)."""
    if dtypes.kind(ctx.avals_in[0].dtype) == "c":
        return _complex_conv_lowering(ctx, lhs, rhs, **params)
    return _conv_lowering(ctx, lhs, rhs, **params)


conv_general_dilated_p = primitive("conv_general_dilated", _conv_abstract, _conv_lowering)
for _platform in ("cpu", "gpu"):
    L.register_lowering(conv_general_dilated_p, _conv_lowering_expanding_complex, platform=_platform)


def _pairs(padding):
    try:
        return tuple((operator.index(lo), operator.index(hi)) for lo, hi in padding)
    except (ValueError, TypeError):
        raise ValueError(f"padding argument to conv_general_dilated should be a string or a "
                         f"sequence of (low, high) pairs, got {padding}") from None


def conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=None,
                         rhs_dilation=None, dimension_numbers=None, feature_group_count=1,
                         batch_group_count=1, precision=None, preferred_element_type=None):
    """The general convolution of lhs (inputs) with rhs (kernels), as XLA's Conv.

    `padding` is 'SAME', 'SAME_LOWER', 'VALID' or (low, high) pairs per spatial dimension;
    `lhs_dilation` dilates the input (a transposed convolution), `rhs_dilation` the kernel
    (atrous); `dimension_numbers` is None (NCHW, OIHW, NCHW), a ConvDimensionNumbers or spec
    strings such as ('NHWC', 'HWIO', 'NHWC'); `feature_group_count` makes a grouped
    (depthwise) convolution, `batch_group_count` a grouped one over the batch (what a
    kernel gradient of a grouped convolution needs)."""
    lhs_shape, rhs_shape = get_aval(lhs).shape, get_aval(rhs).shape
    dnums = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    n = len(lhs_shape) - 2
    lhs_dilation = (1,) * n if lhs_dilation is None else ints(
        "conv_general_dilated", "lhs_dilation", lhs_dilation)
    rhs_dilation = (1,) * n if rhs_dilation is None else ints(
        "conv_general_dilated", "rhs_dilation", rhs_dilation)
    window_strides = ints("conv_general_dilated", "window_strides", window_strides)
    if isinstance(padding, str):
        if any(d != 1 for d in lhs_dilation):
            raise ValueError("String padding is not implemented for transposed convolution "
                             "using this op. Please either exactly specify the required "
                             "padding or use conv_transpose.")
        window = _dilate_shape([rhs_shape[d] for d in dnums.rhs_spec[2:]], rhs_dilation)
        padding = padtype_to_pads([lhs_shape[d] for d in dnums.lhs_spec[2:]], window,
                                  window_strides, padding)
    pref = None if preferred_element_type is None else dtypes.check_dtype(
        preferred_element_type, "conv_general_dilated")
    precision = _precision_names(precision)
    if isinstance(precision, (DotAlgorithm, DotAlgorithmPreset)):  # (JAX ignores them)
        if precision is not DotAlgorithmPreset.DEFAULT:
            raise NotImplementedError(f"conv_general_dilated: dot algorithms such as "
                                      f"{precision} are not supported for convolutions")
        precision = None
    return bind(conv_general_dilated_p, lhs, rhs, window_strides=window_strides,
                padding=_pairs(padding), lhs_dilation=lhs_dilation,
                rhs_dilation=rhs_dilation, dimension_numbers=dnums,
                feature_group_count=operator.index(feature_group_count),
                batch_group_count=operator.index(batch_group_count),
                precision=precision, preferred_element_type=pref)


def conv(lhs, rhs, window_strides, padding, precision=None, preferred_element_type=None):
    """conv_general_dilated in NCHW/OIHW order without dilation: padding 'SAME' or
    'VALID' (or explicit pairs)."""
    return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                preferred_element_type=preferred_element_type)


def conv_with_general_padding(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                              precision=None, preferred_element_type=None):
    """conv_general_dilated in NCHW/OIHW order, with padding pairs and dilations."""
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=lhs_dilation,
                                rhs_dilation=rhs_dilation, precision=precision,
                                preferred_element_type=preferred_element_type)


_TRANSPOSE_DEFAULTS = {2: ("NC", "IO", "NC"), 3: ("NHC", "HIO", "NHC"),
                       4: ("NHWC", "HWIO", "NHWC"), 5: ("NHWDC", "HWDIO", "NHWDC")}


@eager(static_argnames=("strides", "padding", "rhs_dilation", "dimension_numbers",
                        "transpose_kernel", "precision", "preferred_element_type",
                        "use_consistent_padding"))
def conv_transpose(lhs, rhs, strides, padding, rhs_dilation=None, dimension_numbers=None,
                   transpose_kernel=False, precision=None, preferred_element_type=None,
                   use_consistent_padding=False):
    """A transposed ("deconvolution", fractionally strided) convolution: the input is
    dilated by `strides`. 'SAME' and 'VALID' padding mean the padding of the forward
    convolution this one transposes (as do explicit pairs with use_consistent_padding;
    otherwise pairs pad the dilated input). `transpose_kernel` flips the kernel's spatial
    dimensions and swaps its feature dimensions (the gradient of a forward convolution).
    The dimension numbers default to NHWC / HWIO / NHWC for 2-D (NHC/HIO for 1-D ...)."""
    ndim = get_aval(lhs).ndim
    if ndim != get_aval(rhs).ndim or ndim < 2:
        raise ValueError(f"conv_transpose: lhs and rhs must have the same rank >= 2, got "
                         f"shapes {get_aval(lhs).shape} and {get_aval(rhs).shape}")
    if dimension_numbers is None:
        if ndim not in _TRANSPOSE_DEFAULTS:
            raise ValueError("conv_transpose: no default dimension_numbers for rank "
                             f"{ndim}; pass dimension_numbers")
        dimension_numbers = _TRANSPOSE_DEFAULTS[ndim]
    dn = conv_dimension_numbers(get_aval(lhs).shape, get_aval(rhs).shape, dimension_numbers)
    strides = ints("conv_transpose", "strides", strides)
    k_sdims = [get_aval(rhs).shape[d] for d in dn.rhs_spec[2:]]
    rhs_dilation = (1,) * (ndim - 2) if rhs_dilation is None else tuple(rhs_dilation)
    if use_consistent_padding or (isinstance(padding, str) and padding in ("SAME", "VALID")):
        per_dim = [padding] * len(strides) if isinstance(padding, str) else \
            [tuple(p) for p in padding]
        padding = tuple(_conv_transpose_padding(k, s, p) for k, s, p in zip(
            _dilate_shape(k_sdims, rhs_dilation), strides, per_dim))
    if transpose_kernel:
        rhs = rev(rhs, dn.rhs_spec[2:])
        perm = list(range(ndim))
        perm[dn.rhs_spec[0]], perm[dn.rhs_spec[1]] = perm[dn.rhs_spec[1]], perm[dn.rhs_spec[0]]
        rhs = transpose(rhs, tuple(perm))
    return conv_general_dilated(lhs, rhs, (1,) * (ndim - 2), padding, strides, rhs_dilation,
                                dn, precision=precision,
                                preferred_element_type=preferred_element_type)


# ---------------------------------------------------------------------------------------
# Rules: the transposes are convolutions (JAX's), batching folds the vmapped dimension in

def _spec_transpose(spec):
    return (spec[1], spec[0]) + tuple(spec[2:])


def _vjp_paddings(in_shape, window_dimensions, window_strides, out_shape, padding,
                  lhs_dilation, rhs_dilation):
    """The paddings of the convolutions (or windowed reduction) that compute the input's
    and the kernel's cotangents from the output's."""
    lhs_d = _dilate_shape(in_shape, lhs_dilation)
    rhs_d = _dilate_shape(window_dimensions, rhs_dilation)
    out_d = _dilate_shape(out_shape, window_strides)
    before = [r - lo - 1 for r, (lo, _) in zip(rhs_d, padding)]
    after = [l + r - 1 - o - b for l, r, o, b in zip(lhs_d, rhs_d, out_d, before)]
    kernel = [(lo, o - l + r - lo - 1) for o, l, r, (lo, _) in zip(out_d, lhs_d, rhs_d, padding)]
    return tuple(zip(before, after)), tuple(kernel)


def _reshape_axis_into(src, dst, x):
    """x with dimension src merged into dimension dst (src major)."""
    shape = get_aval(x).shape
    perm = [i for i in range(len(shape)) if i != src]
    perm.insert(dst, src)
    new_shape = [shape[i] for i in range(len(shape)) if i != src]
    new_shape[dst] *= shape[src]
    return reshape(x, tuple(new_shape), tuple(perm))


def _reshape_axis_out_of(src, size1, x):
    """x with dimension src split into (size1, the rest)."""
    shape = list(get_aval(x).shape)
    shape[src:src + 1] = [size1, shape[src] // size1]
    return reshape(x, tuple(shape))


def _into_groups(x, bdim, dim, groups):
    """x with its batch dimension `bdim` folded into dimension `dim` inside each of its
    `groups` groups (the groups stay the major part)."""
    x = _reshape_axis_out_of(dim + int(bdim <= dim), groups, x)
    x = _reshape_axis_into(bdim + int(dim < bdim), dim + 1, x)
    return _reshape_axis_into(dim, dim, x)


def _conv_transpose_lhs(ct, lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                        dimension_numbers, feature_group_count, batch_group_count, precision,
                        preferred_element_type):
    lhs_aval, rhs_shape = lhs.aval, get_aval(rhs).shape
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    if feature_group_count > 1 or batch_group_count > 1:  # (at most one of them is)
        feature_group_count = max(feature_group_count, batch_group_count)
        rhs = _reshape_axis_out_of(rhs_spec[0], feature_group_count, rhs)
        rhs = _reshape_axis_into(rhs_spec[0], rhs_spec[1], rhs)
    pads, _ = _vjp_paddings([lhs_aval.shape[d] for d in lhs_spec[2:]],
                            [rhs_shape[d] for d in rhs_spec[2:]], window_strides,
                            [get_aval(ct).shape[d] for d in out_spec[2:]], padding,
                            lhs_dilation, rhs_dilation)
    rhs = rev(rhs, rhs_spec[2:])
    if get_aval(rhs).dtype != get_aval(ct).dtype:
        rhs = convert_element_type(rhs, get_aval(ct).dtype)
    result = conv_general_dilated(
        ct, rhs, lhs_dilation, pads, window_strides, rhs_dilation,
        ConvDimensionNumbers(out_spec, _spec_transpose(rhs_spec), lhs_spec),
        feature_group_count, 1, precision, preferred_element_type)
    if get_aval(result).dtype != lhs_aval.dtype:
        result = convert_element_type(result, lhs_aval.dtype)
    if batch_group_count > 1:
        result = _reshape_axis_out_of(lhs_spec[1], batch_group_count, result)
        result = _reshape_axis_into(lhs_spec[1], lhs_spec[0], result)
    return result


def _conv_transpose_rhs(ct, lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                        dimension_numbers, feature_group_count, batch_group_count, precision,
                        preferred_element_type):
    lhs_shape, rhs_aval = get_aval(lhs).shape, rhs.aval
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    if batch_group_count > 1:
        feature_group_count, batch_group_count = batch_group_count, 1
    elif feature_group_count > 1:
        feature_group_count, batch_group_count = 1, feature_group_count
    _, pads = _vjp_paddings([lhs_shape[d] for d in lhs_spec[2:]],
                            [rhs_aval.shape[d] for d in rhs_spec[2:]], window_strides,
                            [get_aval(ct).shape[d] for d in out_spec[2:]], padding,
                            lhs_dilation, rhs_dilation)
    if get_aval(lhs).dtype != get_aval(ct).dtype:
        lhs = convert_element_type(lhs, get_aval(ct).dtype)
    result = conv_general_dilated(
        lhs, ct, rhs_dilation, pads, lhs_dilation, window_strides,
        ConvDimensionNumbers(*map(_spec_transpose, (lhs_spec, out_spec, rhs_spec))),
        feature_group_count, batch_group_count, precision, preferred_element_type)
    if get_aval(result).dtype != rhs_aval.dtype:
        result = convert_element_type(result, rhs_aval.dtype)
    return result


def _conv_batch(vals, dims, **params):
    (lhs, rhs), (lbd, rbd) = vals, dims
    lhs_spec, rhs_spec, out_spec = params["dimension_numbers"]
    fgc, bgc = params["feature_group_count"], params["batch_group_count"]

    def conv_(x, y, **changed):
        return bind(conv_general_dilated_p, x, y, **{**params, **changed})

    size = batching.batch_size_of(vals, dims)
    if size == 0:  # nothing to fold into the grouped dimensions
        example = [ShapedArray(tuple(n for i, n in enumerate(get_aval(v).shape) if i != d),
                               get_aval(v).dtype) for v, d in zip(vals, dims)]
        aval = _conv_abstract(*example, **params)[0]
        return [full((0,) + aval.shape, 0, aval.dtype)], [0]
    if lbd is not None and rbd is not None:
        if bgc > 1:
            new_lhs, changed = _reshape_axis_into(lbd, lhs_spec[0], lhs), dict(
                batch_group_count=bgc * size)
        else:
            new_lhs, changed = _reshape_axis_into(lbd, lhs_spec[1], lhs), dict(
                feature_group_count=fgc * size)
        result = conv_(new_lhs, _reshape_axis_into(rbd, rhs_spec[0], rhs), **changed)
        return [_reshape_axis_out_of(out_spec[1], size, result)], [out_spec[1]]
    if lbd is not None:
        if bgc == 1:
            result = conv_(_reshape_axis_into(lbd, lhs_spec[0], lhs), rhs)
            return [_reshape_axis_out_of(out_spec[0], size, result)], [out_spec[0]]
        result = conv_(_into_groups(lhs, lbd, lhs_spec[0], bgc), rhs)
        return [_reshape_axis_out_of(out_spec[0], size, result)], [out_spec[0]]
    if fgc == 1 and bgc == 1:
        result = conv_(lhs, _reshape_axis_into(rbd, rhs_spec[0], rhs))
        return [_reshape_axis_out_of(out_spec[1], size, result)], [out_spec[1]]
    # grouped: the examples' kernels go inside each group of output features
    groups = fgc if fgc > 1 else bgc
    result = conv_(lhs, _into_groups(rhs, rbd, rhs_spec[0], groups))
    result = _reshape_axis_out_of(out_spec[1], groups, result)
    result = _reshape_axis_out_of(out_spec[1] + 1, size, result)
    return [_reshape_axis_into(out_spec[1], out_spec[1] + 1, result)], [out_spec[1]]


ad.defbilinear(conv_general_dilated_p, _conv_transpose_lhs, _conv_transpose_rhs)
batching.primitive_batchers[conv_general_dilated_p] = _conv_batch


def _moveaxes(x, source, destination):
    order = [i for i in range(get_aval(x).ndim) if i not in source]
    for d, src in sorted(zip(destination, source)):
        order.insert(d, src)
    return transpose(x, order)


def conv_general_dilated_patches(lhs, filter_shape, window_strides, padding, lhs_dilation=None,
                                 rhs_dilation=None, dimension_numbers=None, precision=None,
                                 preferred_element_type=None):
    """The patches a kernel of spatial shape `filter_shape` meets, in the output's feature
    dimension (input feature major); a grouped convolution with one-hot kernels (JAX's)."""
    lhs_shape, filter_shape = get_aval(lhs).shape, tuple(filter_shape)
    dnums = conv_dimension_numbers(lhs_shape, (1, 1) + filter_shape, dimension_numbers)
    size, channels = int(np.prod(filter_shape)), lhs_shape[dnums.lhs_spec[1]]
    eye = np.eye(size, dtype=get_aval(lhs).dtype)
    rhs = reshape(np.broadcast_to(eye, (channels, size, size)),
                  (channels * size, 1) + filter_shape)
    return conv_general_dilated(
        lhs, _moveaxes(rhs, (0, 1), dnums.rhs_spec[:2]), window_strides, padding, lhs_dilation,
        rhs_dilation, dnums, feature_group_count=channels,
        precision=None if precision is None else (precision, Precision.DEFAULT),
        preferred_element_type=preferred_element_type)


def conv_general_dilated_local(lhs, rhs, window_strides, padding, filter_shape,
                               lhs_dilation=None, rhs_dilation=None, dimension_numbers=None,
                               precision=None):
    """A convolution whose kernel differs at every output position (rhs: one kernel per
    position, laid out by the rhs spec); patches, then a batched dot (JAX's)."""
    pair = _precision_names(precision)
    if pair is not None and not isinstance(pair, tuple):
        raise ValueError(f"conv_general_dilated_local: unsupported precision {precision!r}")
    patches = conv_general_dilated_patches(lhs, filter_shape, window_strides, padding,
                                           lhs_dilation, rhs_dilation, dimension_numbers,
                                           precision=pair and pair[0])
    lhs_spec, rhs_spec, out_spec = conv_dimension_numbers(
        get_aval(lhs).shape, (1, 1) + tuple(filter_shape), dimension_numbers)
    rhs_batch = [rhs_spec[2:][i] for i in sorted(range(len(out_spec) - 2),
                                                   key=lambda k: out_spec[2:][k])]
    dn = (((out_spec[1],), (rhs_spec[1],)), (tuple(sorted(out_spec[2:])), tuple(rhs_batch)))
    out_ = dot_general(patches, rhs, dn, precision)
    ndim = get_aval(out_).ndim
    return _moveaxes(out_, (ndim - 2, ndim - 1), (out_spec[0], out_spec[1]))
