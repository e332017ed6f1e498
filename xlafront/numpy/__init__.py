"""xlafront.numpy: NumPy's API on XLA devices. `import xlafront.numpy as np`.

>>> import xlafront.numpy as np
>>> np.arange(3.0) * 2
Array([0., 2., 4.], dtype=float32)

Every function computing arrays from arrays runs eagerly as one compiled program per
signature (`xlafront.dispatch.eager`) and under a transformation as plain traced lax. The
modules import in one order, each only from those before it:
_util < _ufuncs < _manip < _creation < _reductions < _indexing < _setops < _more_ufuncs <
_manip_more < _creation_more < _statistics < _polynomial < this package (linalg, fft,
_einsum and _signal sit beside them: linalg takes vecdot from _manip_more, _polynomial
eigvals and lstsq from linalg and convolve from _signal). linalg, fft, _indexing, _setops,
_manip_more, _creation_more, _einsum, _signal, _statistics and _polynomial load on first
use (`lazy_attributes`; Array's `x[idx]` and `x.at` reach _indexing through it).
"""
import ml_dtypes as _ml_dtypes
import numpy as _onp

from .. import dtypes as _dtypes
from ..lazy import lazy_attributes as _lazy_attributes
from ..core import get_aval as _get_aval
from ..devices import Array as _Array
from ..dtypes import finfo, iinfo, issubdtype, result_type
from ..lax.shape import broadcast_shapes
from ._creation import (arange, empty, empty_like, eye, full, full_like, identity, linspace,
                        ones, ones_like, zeros, zeros_like)
from ._manip import (argpartition, argsort, array_split, atleast_1d, atleast_2d, atleast_3d,
                     broadcast_arrays, broadcast_to, choose, clip, column_stack, concat,
                     concatenate, diagonal, dot, dstack, expand_dims, flip, fliplr, flipud,
                     hstack, inner, matmul, matrix_transpose, moveaxis, ndim, outer, pad,
                     permute_dims, ravel, repeat, reshape, roll, row_stack, searchsorted, select,
                     shape, size, sort, split, squeeze, stack, swapaxes, tensordot, tile,
                     transpose, tri, tril, triu, vdot, vstack)
from ._reductions import (allclose, amax, amin, argmax, argmin, array_equal, count_nonzero,
                          cumprod, cumsum, isclose, mean, prod, std, var)
from ._reductions import all_ as all  # noqa: A004 (NumPy's names)
from ._reductions import any_ as any  # noqa: A004
from ._reductions import max_ as max  # noqa: A004
from ._reductions import min_ as min  # noqa: A004
from ._reductions import sum_ as sum  # noqa: A004
from ._ufuncs import (absolute, add, angle, arccos, arccosh, arcsin, arcsinh, arctan, arctan2,
                      arctanh, around, bitwise_and, bitwise_invert, bitwise_not, bitwise_or,
                      bitwise_xor, cbrt, ceil, conj, conjugate, copysign, cos, cosh, deg2rad,
                      degrees, divide, equal, exp, exp2, expm1, fabs, fix, float_power, floor,
                      floor_divide, fmod, greater, greater_equal, heaviside, hypot, imag,
                      invert, isfinite, isinf, isnan, left_shift, less, less_equal, log, log1p,
                      logaddexp, logical_and, logical_not, logical_or, logical_xor, maximum,
                      minimum, mod, multiply, negative, nextafter, not_equal, positive, power,
                      rad2deg, radians, real, reciprocal, remainder, right_shift, rint, sign,
                      signbit, sin, sinh, sqrt, square, subtract, tan, tanh, true_divide, trunc)
from ._ufuncs import absolute as abs  # noqa: A004
from ._ufuncs import divmod_ as divmod  # noqa: A004
from ._more_ufuncs import (astype, bitwise_count, fmax, fmin, frexp, frompyfunc, gcd, i0,
                           iscomplex, isdtype, isneginf, isposinf, isreal, isrealobj, lcm,
                           ldexp, log10, log2, logaddexp2, modf, nan_to_num, sinc, spacing,
                           ufunc)
from ._more_ufuncs import ufuncs as _ufunc_objects
from ._ufuncs import (arccos as acos, arccosh as acosh, arcsin as asin, arcsinh as asinh,
                      arctan as atan, arctan2 as atan2, arctanh as atanh,
                      left_shift as bitwise_left_shift, power as pow,
                      right_shift as bitwise_right_shift)
from ._ufuncs import round_ as round  # noqa: A004
from ._util import array, asarray

# As in JAX, these binary functions (and negative) are `ufunc` objects, with .reduce,
# .accumulate, .outer and .at; calling one costs what calling the function does.
(add, bitwise_and, bitwise_or, bitwise_xor, logaddexp, logaddexp2, logical_and, logical_or,
 logical_xor, maximum, minimum, multiply, negative, subtract) = (_ufunc_objects[n] for n in (
    "add", "bitwise_and", "bitwise_or", "bitwise_xor", "logaddexp", "logaddexp2",
    "logical_and", "logical_or", "logical_xor", "maximum", "minimum", "multiply", "negative",
    "subtract"))

__array_api_version__ = "2024.12"  # the Array API standard this namespace follows
pi, e, inf, nan, euler_gamma = _onp.pi, _onp.e, _onp.inf, _onp.nan, _onp.euler_gamma
newaxis = None


class _ScalarMeta(type):
    """`np.float32` is both a dtype and a constructor returning an Array."""

    def __hash__(cls):
        return hash(cls.dtype.type)

    def __eq__(cls, other):
        return cls is other or cls.dtype.type == other

    def __ne__(cls, other):
        return not cls == other

    def __call__(cls, x):
        return asarray(x, dtype=cls.dtype)

    def __instancecheck__(cls, instance):
        return isinstance(instance, cls.dtype.type)


def _scalar_type(dtype):
    dtype = _onp.dtype(dtype)
    return _ScalarMeta(dtype.name, (object,), {"dtype": dtype, "__module__": __name__})


bool_ = _scalar_type(_dtypes.bool_)
int8, int16, int32, int64 = (_scalar_type(d) for d in _dtypes.signed_ints)
uint8, uint16, uint32, uint64 = (_scalar_type(d) for d in _dtypes.unsigned_ints)
float16, float32, float64 = (_scalar_type(d) for d in (_dtypes.float16, _dtypes.float32, _dtypes.float64))
bfloat16 = _scalar_type(_dtypes.bfloat16)
complex64, complex128 = (_scalar_type(d) for d in _dtypes.complexes)
_float8 = _dtypes.float8_by_name  # (all present with ml_dtypes >= 0.5, as pyproject requires)
float8_e3m4 = _scalar_type(_float8["float8_e3m4"])
float8_e4m3 = _scalar_type(_float8["float8_e4m3"])
float8_e4m3b11fnuz = _scalar_type(_float8["float8_e4m3b11fnuz"])
float8_e4m3fn = _scalar_type(_float8["float8_e4m3fn"])
float8_e4m3fnuz = _scalar_type(_float8["float8_e4m3fnuz"])
float8_e5m2 = _scalar_type(_float8["float8_e5m2"])
float8_e5m2fnuz = _scalar_type(_float8["float8_e5m2fnuz"])
float8_e8m0fnu = _scalar_type(_float8["float8_e8m0fnu"])
uint, int_, float_, complex_ = uint32, int32, float32, complex64
single, double, csingle, cdouble, half = float32, float64, complex64, complex128, float16
dtype = _onp.dtype
generic, number, integer, signedinteger, unsignedinteger = (
    _onp.generic, _onp.number, _onp.integer, _onp.signedinteger, _onp.unsignedinteger)
inexact, floating, complexfloating = _onp.inexact, _onp.floating, _onp.complexfloating
# The sub-byte types of ml_dtypes, named as in JAX (of them, int4, uint4 and float4_e2m1fn
# make arrays; calling another raises TypeError), and NumPy's abstract and object types
int1, int2, int4, uint1, uint2, uint4, float4_e2m1fn, float6_e2m3fn, float6_e3m2fn = (
    _scalar_type(getattr(_ml_dtypes, n)) for n in (
        "int1", "int2", "int4", "uint1", "uint2", "uint4", "float4_e2m1fn", "float6_e2m3fn",
        "float6_e3m2fn"))
object_, character, flexible = _onp.object_, _onp.character, _onp.flexible
ComplexWarning = _onp.exceptions.ComplexWarning
# Printing and host I/O are NumPy's (arrays print through NumPy), as in JAX
from numpy import (array_repr, array_str, get_printoptions, iterable,  # noqa: E402
                   printoptions, set_printoptions)


def promote_types(a, b):
    return _dtypes.promote_types((_dtypes.check_dtype(a, warn_x64=False), False),
                                 (_dtypes.check_dtype(b, warn_x64=False), False))[0]


def can_cast(from_, to, casting="safe"):
    """NumPy's can_cast; `from_` may be an array (as the Array API allows)."""
    return _onp.can_cast(_dtypes.dtype_of(from_), _dtypes.dtype_of(to), casting)


def iscomplexobj(x):
    return _dtypes.kind(_get_aval(x).dtype) == "c"


def isscalar(element):
    try:
        return _get_aval(element).shape == ()
    except TypeError:
        return False


ndarray = _Array  # JAX's jnp.ndarray is jax.Array: arrays and traced values are instances

__all__ = [
    "abs", "absolute", "add", "all", "allclose", "amax", "amin", "angle", "any", "arange",
    "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "argmax",
    "argmin", "argpartition", "argsort", "argwhere", "around", "array", "array_equal",
    "array_split", "asarray", "atleast_1d", "atleast_2d", "atleast_3d", "bfloat16",
    "bitwise_and", "bitwise_invert", "bitwise_not", "bitwise_or", "bitwise_xor", "bool_",
    "broadcast_arrays", "broadcast_shapes", "broadcast_to", "can_cast", "cbrt", "cdouble",
    "ceil", "choose", "clip", "column_stack", "complex128", "complex64", "complex_",
    "complexfloating", "compress", "concat", "concatenate", "conj", "conjugate", "copysign",
    "cos", "cosh", "count_nonzero", "csingle", "cumprod", "cumsum", "deg2rad", "degrees",
    "diagonal", "divide", "divmod", "dot", "double", "dstack", "dtype", "e", "empty", "empty_like",
    "equal", "euler_gamma", "exp", "exp2", "expand_dims", "expm1", "eye", "fabs", "finfo",
    "fix", "flatnonzero", "flip", "fliplr", "flipud", "float16", "float32", "float64",
    "float8_e3m4", "float8_e4m3", "float8_e4m3b11fnuz", "float8_e4m3fn", "float8_e4m3fnuz",
    "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu", "float_", "float_power", "floating",
    "floor", "floor_divide", "fmod", "full", "full_like", "generic", "greater",
    "greater_equal", "half", "heaviside", "hstack", "hypot", "identity", "iinfo", "imag",
    "inexact", "inf", "inner", "int16", "int32", "int64", "int8", "int_", "integer", "invert",
    "isclose", "iscomplexobj", "isfinite", "isinf", "isnan", "isscalar", "issubdtype",
    "left_shift", "less", "less_equal", "linspace", "log", "log1p", "logaddexp", "logical_and",
    "logical_not", "logical_or", "logical_xor", "matmul", "matrix_transpose", "max", "maximum",
    "mean", "min", "minimum", "mod", "moveaxis", "multiply", "nan", "ndim", "negative",
    "newaxis", "nextafter", "nonzero", "not_equal", "number", "ones", "ones_like", "outer",
    "pad", "permute_dims", "pi", "positive", "power", "prod", "promote_types", "ptp",
    "rad2deg", "radians", "ravel", "real", "reciprocal", "remainder", "repeat", "reshape",
    "result_type", "right_shift", "rint", "roll", "round", "row_stack", "searchsorted",
    "select", "shape", "sign", "signbit", "signedinteger", "sin", "single", "sinh", "size",
    "sort", "split", "sqrt", "square", "squeeze", "stack", "std", "subtract", "sum",
    "swapaxes", "take", "take_along_axis", "tan", "tanh", "tensordot", "tile", "trace",
    "transpose", "tri", "tril", "triu", "true_divide", "trunc", "uint", "uint16", "uint32",
    "uint64", "uint8", "unique", "unsignedinteger", "var", "vdot", "vectorize", "vstack", "where", "zeros",
    "zeros_like", "ndarray", "convolve", "correlate", "einsum", "einsum_path", "fft", "kron", "linalg",
]

# issue 11's names
__all__ += [
    "acos", "acosh", "append", "apply_along_axis", "apply_over_axes", "array_equiv",
    "array_repr", "array_str", "asin", "asinh", "astype", "atan", "atan2", "atanh",
    "average", "bartlett", "bincount", "bitwise_count", "bitwise_left_shift",
    "bitwise_right_shift", "blackman", "block", "bool", "c_", "character", "ComplexWarning",
    "copy", "corrcoef", "cov", "cross", "cumulative_prod", "cumulative_sum", "delete",
    "diag", "diag_indices", "diag_indices_from", "diagflat", "diff", "digitize", "dsplit",
    "ediff1d", "extract", "fill_diagonal", "flexible", "float4_e2m1fn", "float6_e2m3fn",
    "float6_e3m2fn", "fmax", "fmin", "frexp", "from_dlpack", "frombuffer", "fromfile",
    "fromfunction", "fromiter", "frompyfunc", "fromstring", "gcd", "geomspace",
    "get_printoptions", "gradient", "hamming", "hanning", "histogram", "histogram2d",
    "histogram_bin_edges", "histogramdd", "hsplit", "i0", "index_exp", "indices", "insert",
    "int1", "int2", "int4", "interp", "intersect1d", "iscomplex", "isdtype", "isin",
    "isneginf", "isposinf", "isreal", "isrealobj", "iterable", "ix_", "kaiser", "lcm",
    "ldexp", "lexsort", "load", "log10", "log2", "logaddexp2", "logspace", "mask_indices",
    "matvec", "median", "meshgrid", "mgrid", "modf", "nan_to_num", "nanargmax", "nanargmin",
    "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmedian", "nanmin", "nanpercentile",
    "nanprod", "nanquantile", "nanstd", "nansum", "nanvar", "object_", "ogrid", "packbits",
    "partition", "percentile", "piecewise", "place", "poly", "polyadd", "polyder",
    "polydiv", "polyfit", "polyint", "polymul", "polysub", "polyval", "pow", "printoptions",
    "put", "put_along_axis", "quantile", "r_", "ravel_multi_index", "resize", "rollaxis",
    "roots", "rot90", "s_", "save", "savez", "set_printoptions", "setdiff1d", "setxor1d",
    "sinc", "sort_complex", "spacing", "trapezoid", "tril_indices", "tril_indices_from",
    "trim_zeros", "triu_indices", "triu_indices_from", "ufunc", "uint1", "uint2", "uint4",
    "union1d", "unique_all", "unique_counts", "unique_inverse", "unique_values",
    "unpackbits", "unravel_index", "unstack", "unwrap", "vander", "vecdot", "vecmat",
    "vsplit",
]

# Loaded on first use: most programs never call these, and each module costs import time.
_LAZY_SUBMODULES = ("linalg", "fft", "_indexing")
_LAZY_NAMES = {name: module for module, names in (
    ("_vectorize", ("vectorize",)),
    ("_indexing", ("argwhere", "flatnonzero", "nonzero", "take", "take_along_axis", "where")),
    ("_setops", ("compress", "intersect1d", "isin", "ptp", "setdiff1d", "setxor1d", "trace",
        "union1d", "unique", "unique_all", "unique_counts", "unique_inverse", "unique_values")),
    ("_manip_more", ("append", "apply_along_axis", "apply_over_axes", "array_equiv",
        "cross", "delete", "diff", "dsplit", "ediff1d", "extract", "fill_diagonal",
        "gradient", "hsplit", "insert", "interp", "lexsort", "mask_indices", "matvec",
        "packbits", "partition", "piecewise", "place", "put", "put_along_axis",
        "ravel_multi_index", "resize", "rollaxis", "rot90", "sort_complex", "trapezoid",
        "trim_zeros", "unpackbits", "unravel_index", "unstack", "unwrap", "vecdot",
        "vecmat", "vsplit")),
    ("_creation_more", ("__array_namespace_info__",
        "bartlett", "blackman", "block", "c_", "copy", "diag", "diag_indices",
        "diag_indices_from", "diagflat", "from_dlpack", "frombuffer", "fromfile",
        "fromfunction", "fromiter", "fromstring", "geomspace", "hamming", "hanning",
        "index_exp", "indices", "ix_", "kaiser", "load", "logspace", "meshgrid", "mgrid",
        "ogrid", "r_", "s_", "save", "savez", "tril_indices", "tril_indices_from",
        "triu_indices", "triu_indices_from", "vander")),
    ("_einsum", ("einsum", "einsum_path", "kron")),
    ("_signal", ("convolve", "correlate")),
    ("_statistics", (
        "average", "bincount", "corrcoef", "cov", "cumulative_prod", "cumulative_sum",
        "digitize", "histogram", "histogram2d", "histogram_bin_edges", "histogramdd",
        "median", "nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean",
        "nanmedian", "nanmin", "nanpercentile", "nanprod", "nanquantile", "nanstd", "nansum",
        "nanvar", "percentile", "quantile")),
    ("_polynomial", (
        "poly", "polyadd", "polyder", "polydiv", "polyfit", "polyint", "polymul", "polysub",
        "polyval", "roots")),
) for name in names}


__getattr__, __dir__ = _lazy_attributes(__name__, _LAZY_SUBMODULES, _LAZY_NAMES)


bool = bool_  # noqa: A001 (JAX's jnp.bool; last, so this module's code sees the builtin)
