"""xlafront.lax: the primitives, each with all of its rules beside it, and thin wrappers.

>>> from xlafront import lax
>>> lax.add(1.0, 2.0)
Array(3., dtype=float32, weak_type=True)
"""
from . import elementwise as _elementwise
from .elementwise import (add_p, binary_prims, bitcast_convert_type,  # noqa: F401
                          bitcast_convert_type_p, clamp, clamp_p, compare_prims,
                          convert_element_type, convert_element_type_p, div_p, integer_pow,
                          integer_pow_p, max_p, min_p, mul_p, neg_p, round, round_p, select,
                          select_n, select_n_p, sub_p, unary_prims)
from .structural import (broadcast, broadcast_in_dim, broadcast_in_dim_p,  # noqa: F401
                         broadcast_to_rank, broadcasted_iota, concatenate, concatenate_p,
                         dynamic_slice, dynamic_slice_p, dynamic_update_slice,
                         dynamic_update_slice_p, expand_dims, iota, iota_p, pad, pad_p, reshape,
                         reshape_p, rev, rev_p, slice, slice_in_dim, slice_p, squeeze, squeeze_p,
                         transpose, transpose_p)
from .reductions import (argmax, argmax_p, argmin, argmin_p, dot, dot_general,  # noqa: F401
                         dot_general_p, reduce_and, reduce_and_p, reduce_max, reduce_max_p,
                         reduce_min, reduce_min_p, reduce_or, reduce_or_p, reduce_prod,
                         reduce_prod_p, reduce_sum, reduce_sum_p, reduce_xor, reduce_xor_p, sort,
                         sort_key_val, sort_p)
from .slicing import (GatherDimensionNumbers, GatherScatterMode,  # noqa: F401
                      ScatterDimensionNumbers, gather, gather_p, scatter, scatter_add,
                      scatter_add_p, scatter_max, scatter_max_p, scatter_min, scatter_min_p,
                      scatter_mul, scatter_mul_p, scatter_p)
from .cumulative import (cumlogsumexp, cumlogsumexp_p, cummax, cummax_p,  # noqa: F401
                         cummin, cummin_p, cumprod, cumprod_p, cumsum, cumsum_p)
from .control_flow import (associative_scan, cond, cond_p, fori_loop, map,  # noqa: F401
                           scan, scan_p, switch, while_loop, while_p)
from .parallel import (all_gather, all_gather_p, axis_index, axis_index_p, pmax,  # noqa: F401
                       pmax_p, pmean, pmin, pmin_p, psum, psum_p)
from ..custom_derivatives import stop_gradient  # noqa: F401,E402

globals().update(_elementwise.ops)  # add, sub, sin, eq, bitwise_and, ...

from ..interpreters import lax_ops as _lax_ops  # noqa: E402
_lax_ops.register(add=_elementwise.ops["add"], broadcast_in_dim=broadcast_in_dim,
                  reduce_sum=reduce_sum, transpose=transpose,
                  convert_element_type=convert_element_type)
