"""xlafront.lax: the primitives, each with all of its rules beside it, and thin wrappers.

>>> from xlafront import lax
>>> lax.add(1.0, 2.0)
Array(3., dtype=float32, weak_type=True)

The modules, each importing only those before it: base (primitive(), shared checks),
elementwise, special, shape, reductions, slicing, matmul, sorting, cumulative, parallel,
control_flow. Names that would shadow Python builtins inside them (abs_, max_, slice_ ...)
are exported here under JAX's names. All but base, elementwise, shape and reductions load
on the first use of one of their names (`lazy_attributes`), which keeps `import xlafront`
cheap; the NumPy wrappers call lax's functions through this package (`lax.gather(...)`)
for that reason. No module is named as one of its functions (sorting.py, not sort.py):
loading it would replace the function `lax.sort` by the module.
"""
from ..lazy import lazy_attributes as _lazy_attributes
from .elementwise import (abs_p, acos, acos_p, acosh, acosh_p, add, add_p, and_p, asin, asin_p,
                          asinh, asinh_p, atan, atan2, atan2_p, atan_p, atanh, atanh_p,
                          binary_prims, bitcast_convert_type, bitcast_convert_type_p,
                          bitwise_and, bitwise_not, bitwise_or, bitwise_xor, cbrt, cbrt_p,
                          ceil, ceil_p, clamp, clamp_p, clz, clz_p, compare_prims, complex_p,
                          conj, conj_p, convert_element_type, convert_element_type_p, cos,
                          cos_p, cosh, cosh_p, div, div_p, eq, eq_p, exp, exp2, exp2_p, exp_p,
                          expm1, expm1_p, floor, floor_p, ge, ge_p, gt, gt_p, imag, imag_p,
                          integer_pow, integer_pow_p, is_finite, is_finite_p, le, le_p, log,
                          log1p, log1p_p, log_p, logistic, logistic_p, lt, lt_p, max_p, min_p,
                          mul, mul_p, ne, ne_p, neg, neg_p, nextafter, nextafter_p, not_p,
                          or_p, population_count, population_count_p, pow_p, real, real_p, rem,
                          rem_p, round_p, rsqrt, rsqrt_p, select, select_n, select_n_p,
                          shift_left, shift_left_p, shift_right_arithmetic,
                          shift_right_arithmetic_p, shift_right_logical, shift_right_logical_p,
                          sign, sign_p, sin, sin_p, sinh, sinh_p, sqrt, sqrt_p, square,
                          square_p, sub, sub_p, tan, tan_p, tanh, tanh_p, unary_prims, xor_p)
from .elementwise import (abs_ as abs, complex_ as complex, max_ as max, min_ as min,
                          pow_ as pow, round_ as round)
from .shape import (broadcast, broadcast_in_dim, broadcast_in_dim_p, broadcast_to_rank,
                    broadcasted_iota, concatenate, concatenate_p, expand_dims, full, iota,
                    iota_p, pad, pad_p, reshape, reshape_p, rev, rev_p, squeeze, squeeze_p,
                    transpose, transpose_p, zeros_like_array)
from .shape import (broadcast_like, broadcast_shapes, collapse, empty, full_like,
                    shape_as_value, stack, stack_p, tile, tile_p)
from .reductions import (argmax, argmax_p, argmin, argmin_p, reduce_and, reduce_and_p,
                         reduce_max, reduce_max_p, reduce_min, reduce_min_p, reduce_or,
                         reduce_or_p, reduce_prod, reduce_prod_p, reduce_sum, reduce_sum_p,
                         reduce_xor, reduce_xor_p)
from .reductions import reduce, reduce_p
from ..custom_derivatives import stop_gradient, stop_gradient_p
from ..interpreters import lax_ops as _lax_ops

__all__ = [
    "abs", "abs_p", "acos", "acos_p", "acosh", "acosh_p", "add", "add_p", "all_gather",
    "all_gather_p", "all_to_all", "all_to_all_p", "and_p", "approx_max_k", "approx_min_k",
    "approx_top_k_p", "argmax", "argmax_p", "argmin", "argmin_p", "asin", "asin_p", "asinh",
    "asinh_p", "associative_scan", "atan", "atan2", "atan2_p", "atan_p", "atanh", "atanh_p",
    "axis_index", "axis_index_p", "axis_size", "batch_matmul", "bessel_i0e", "bessel_i0e_p",
    "bessel_i1e", "bessel_i1e_p", "betainc", "binary_prims", "bitcast_convert_type",
    "bitcast_convert_type_p", "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor",
    "broadcast", "broadcast_in_dim", "broadcast_in_dim_p", "broadcast_like",
    "broadcast_shapes", "broadcast_to_rank", "broadcasted_iota", "cbrt", "cbrt_p", "ceil",
    "ceil_p", "clamp", "clamp_p", "clz", "clz_p", "collapse", "compare_prims", "complex",
    "complex_p", "composite", "concatenate", "concatenate_p", "cond", "cond_p", "conj",
    "conj_p", "conv", "conv_dimension_numbers", "conv_general_dilated",
    "conv_general_dilated_local", "conv_general_dilated_p", "conv_general_dilated_patches",
    "conv_general_permutations", "conv_general_shape_tuple", "conv_shape_tuple",
    "conv_transpose", "conv_transpose_shape_tuple", "conv_with_general_padding",
    "ConvDimensionNumbers", "convert_element_type", "convert_element_type_p",
    "ConvGeneralDilatedDimensionNumbers", "copy_p", "cos", "cos_p", "cosh", "cosh_p",
    "cumlogsumexp", "cumlogsumexp_p", "cummax", "cummax_p", "cummin", "cummin_p", "cumprod",
    "cumprod_p", "cumsum", "cumsum_p", "custom_linear_solve", "custom_root", "device_put_p",
    "digamma", "digamma_p", "div", "div_p", "dot", "dot_general", "dot_general_p",
    "DotAlgorithm", "DotAlgorithmPreset", "DotDimensionNumbers", "dtype",
    "dynamic_index_in_dim", "dynamic_slice", "dynamic_slice_in_dim", "dynamic_slice_p",
    "dynamic_update_index_in_dim", "dynamic_update_slice", "dynamic_update_slice_in_dim",
    "dynamic_update_slice_p", "empty", "eq", "eq_p", "eq_to_p", "erf", "erf_inv",
    "erf_inv_p", "erf_p", "erfc", "erfc_p", "exp", "exp2", "exp2_p", "exp_p", "expand_dims",
    "expm1", "expm1_p", "fft", "fft_p", "FftType", "floor", "floor_p", "fori_loop", "full",
    "full_like", "gather", "gather_p", "GatherDimensionNumbers", "GatherScatterMode", "ge",
    "ge_p", "gt", "gt_p", "igamma", "igamma_grad_a", "igamma_grad_a_p", "igamma_p",
    "igammac", "igammac_p", "imag", "imag_p", "index_in_dim", "index_take", "integer_pow",
    "integer_pow_p", "iota", "iota_p", "is_finite", "is_finite_p", "le", "le_p", "le_to_p",
    "lgamma", "lgamma_p", "linear_solve_p", "log", "log1p", "log1p_p", "log_p", "logaddexp",
    "logistic", "logistic_p", "lt", "lt_p", "lt_to_p", "map", "max", "max_p", "min",
    "min_p", "mul", "mul_p", "mulhi", "mulhi_p", "ne", "ne_p", "neg", "neg_p", "nextafter",
    "nextafter_p", "not_p", "optimization_barrier", "optimization_barrier_p", "or_p", "pad",
    "pad_p", "padtype_to_pads", "pbroadcast", "platform_dependent", "pmax", "pmax_p",
    "pmean", "pmin", "pmin_p", "polygamma", "polygamma_p", "population_count",
    "population_count_p", "pow", "pow_p", "ppermute", "ppermute_p", "Precision",
    "PrecisionLike", "pshuffle", "psum", "psum_p", "psum_scatter", "pswapaxes",
    "ragged_dot", "ragged_dot_general", "RaggedDotDimensionNumbers", "random_gamma_grad",
    "RandomAlgorithm", "real", "real_p", "reciprocal", "reduce", "reduce_and",
    "reduce_and_p", "reduce_max", "reduce_max_p", "reduce_min", "reduce_min_p", "reduce_or",
    "reduce_or_p", "reduce_p", "reduce_precision", "reduce_precision_p", "reduce_prod",
    "reduce_prod_p", "reduce_scatter_p", "reduce_sum", "reduce_sum_p", "reduce_window",
    "reduce_window_max_p", "reduce_window_min_p", "reduce_window_p",
    "reduce_window_shape_tuple", "reduce_window_sum_p", "reduce_xor", "reduce_xor_p",
    "regularized_incomplete_beta_p", "rem", "rem_p", "reshape", "reshape_p", "rev", "rev_p",
    "rng_bit_generator", "rng_bit_generator_p", "rng_uniform", "rng_uniform_p", "round",
    "round_p", "RoundingMethod", "rsqrt", "rsqrt_p", "scan", "scan_p", "scatter",
    "scatter_add", "scatter_add_p", "scatter_apply", "scatter_max", "scatter_max_p",
    "scatter_min", "scatter_min_p", "scatter_mul", "scatter_mul_p", "scatter_p",
    "scatter_sub", "scatter_sub_p", "ScatterDimensionNumbers", "select",
    "select_and_gather_add_p", "select_and_scatter_add_p", "select_n", "select_n_p",
    "shape_as_value", "sharding_constraint_p", "shift_left", "shift_left_p",
    "shift_right_arithmetic", "shift_right_arithmetic_p", "shift_right_logical",
    "shift_right_logical_p", "sign", "sign_p", "sin", "sin_p", "sinh", "sinh_p", "slice",
    "slice_in_dim", "slice_p", "sort", "sort_key_val", "sort_p", "split", "split_p", "sqrt",
    "sqrt_p", "square", "square_p", "squeeze", "squeeze_p", "stack", "stack_p", "stage",
    "stage_p", "stop_gradient", "stop_gradient_p", "sub", "sub_p", "switch", "tan", "tan_p",
    "tanh", "tanh_p", "tile", "tile_p", "top_k", "top_k_p", "transpose", "transpose_p",
    "unary_prims", "unstack", "unstack_p", "while_loop", "while_p",
    "with_sharding_constraint", "xor_p", "zeros_like_array", "zeta", "zeta_p",
]


# The operations the interpreters (and lax modules before the defining one) call by hook.
def _slice(*args, **kwargs):  # (slicing.py loads on first use)
    return __getattr__("slice")(*args, **kwargs)


_lax_ops.register(add=add, broadcast_in_dim=broadcast_in_dim, reduce_sum=reduce_sum,
                  transpose=transpose, convert_element_type=convert_element_type, full=full,
                  slice=_slice)


# Modules most programs never touch load on first use of one of their names (import time).
_LAZY_SUBMODULES = ("linalg",)
_LAZY_NAMES = {name: module for module, names in (
    ("special", ("bessel_i0e", "bessel_i0e_p", "bessel_i1e", "bessel_i1e_p", "betainc",
        "digamma", "digamma_p", "erf", "erf_inv", "erf_inv_p", "erf_p", "erfc", "erfc_p",
        "igamma", "igamma_grad_a", "igamma_grad_a_p", "igamma_p", "igammac", "igammac_p",
        "lgamma", "lgamma_p", "logaddexp", "polygamma", "polygamma_p", "random_gamma_grad",
        "regularized_incomplete_beta_p", "zeta", "zeta_p")),
    ("control_flow", ("cond", "cond_p", "fori_loop", "map", "scan", "scan_p", "switch",
        "while_loop", "while_p")),
    ("convolution", ("ConvDimensionNumbers", "ConvGeneralDilatedDimensionNumbers", "conv",
        "conv_dimension_numbers", "conv_general_dilated", "conv_general_dilated_local",
        "conv_general_dilated_p", "conv_general_dilated_patches", "conv_general_permutations",
        "conv_general_shape_tuple", "conv_shape_tuple", "conv_transpose",
        "conv_transpose_shape_tuple", "conv_with_general_padding", "padtype_to_pads")),
    ("windowed_reductions", ("reduce_window", "reduce_window_max_p", "reduce_window_min_p",
        "reduce_window_p", "reduce_window_shape_tuple", "reduce_window_sum_p",
        "select_and_gather_add_p", "select_and_scatter_add_p")),
    ("cumulative", ("associative_scan", "cumlogsumexp", "cumlogsumexp_p", "cummax", "cummax_p",
        "cummin", "cummin_p", "cumprod", "cumprod_p", "cumsum", "cumsum_p")),
    ("misc", ("RandomAlgorithm", "RoundingMethod", "composite", "copy_p", "device_put_p",
        "dtype", "eq_to_p", "le_to_p", "lt_to_p", "mulhi", "mulhi_p", "optimization_barrier",
        "optimization_barrier_p", "platform_dependent", "reciprocal", "reduce_precision",
        "reduce_precision_p", "rng_bit_generator", "rng_bit_generator_p", "rng_uniform",
        "rng_uniform_p", "scatter_apply", "sharding_constraint_p", "stage", "stage_p",
        "with_sharding_constraint")),
    ("matmul", ("DotAlgorithm", "DotAlgorithmPreset", "DotDimensionNumbers", "Precision",
        "PrecisionLike", "RaggedDotDimensionNumbers", "batch_matmul", "dot", "dot_general",
        "dot_general_p", "ragged_dot", "ragged_dot_general")),
    ("fourier", ("FftType", "fft", "fft_p")),
    ("slicing", ("GatherDimensionNumbers", "GatherScatterMode", "ScatterDimensionNumbers",
        "dynamic_index_in_dim", "dynamic_slice", "dynamic_slice_in_dim", "dynamic_slice_p",
        "dynamic_update_index_in_dim", "dynamic_update_slice", "dynamic_update_slice_in_dim",
        "dynamic_update_slice_p", "gather", "gather_p", "index_in_dim", "index_take",
        "scatter", "scatter_add", "scatter_add_p", "scatter_max", "scatter_max_p",
        "scatter_min", "scatter_min_p", "scatter_mul", "scatter_mul_p", "scatter_p",
        "scatter_sub", "scatter_sub_p", "slice_in_dim", "slice_p", "split",
        "split_p", "unstack", "unstack_p")),
    ("sorting", ("approx_max_k", "approx_min_k", "approx_top_k_p", "sort", "sort_key_val",
        "sort_p", "top_k", "top_k_p")),
    ("solves", ("custom_linear_solve", "custom_root", "linear_solve_p")),
    ("parallel", ("all_gather", "all_gather_p", "all_to_all", "all_to_all_p", "axis_index",
        "axis_index_p", "axis_size", "pbroadcast", "pmax", "pmax_p", "pmean", "pmin", "pmin_p",
        "ppermute", "ppermute_p", "pshuffle", "psum", "psum_p", "psum_scatter", "pswapaxes",
        "reduce_scatter_p")),
) for name in names}


_LAZY_NAMES["slice"] = "slicing:slice_"  # (named slice_ there: no shadowed builtin)


__getattr__, __dir__ = _lazy_attributes(__name__, _LAZY_SUBMODULES, _LAZY_NAMES)
