"""xlafront.numpy: NumPy's API on XLA devices. `import xlafront.numpy as np`.

>>> import xlafront.numpy as np
>>> np.arange(3.0) * 2
Array([0., 2., 4.], dtype=float32)
"""
import numpy as _onp

from .. import dtypes as _dtypes
from ..dtypes import finfo, iinfo, issubdtype, result_type  # noqa: F401
from ._creation import (arange, array, asarray, empty, empty_like, eye, full, full_like,  # noqa: F401
                        identity, linspace, ones, ones_like, tri, zeros, zeros_like)
from ._manip import (argsort, array_split, atleast_1d, atleast_2d, atleast_3d,  # noqa: F401
                     broadcast_arrays, broadcast_to, clip, column_stack, concat, concatenate, dot,
                     dstack, expand_dims, flip, fliplr, flipud, hstack, inner, matmul,
                     matrix_transpose, moveaxis, ndim, outer, pad, permute_dims, ravel, repeat,
                     reshape, roll, row_stack, select, shape, size, sort, split, squeeze, stack,
                     swapaxes, tensordot, tile, transpose, tril, triu, vdot, vstack, where)
from ._reductions import (all, allclose, amax, amin, any, argmax, argmin,  # noqa: F401
                          array_equal, count_nonzero, cumprod, cumsum, isclose, max, mean,
                          min, prod, std, sum, var)
from ._indexing import (argwhere, flatnonzero, nonzero, take,  # noqa: F401
                        take_along_axis)
from . import _ufuncs
from ._ufuncs import abs, round  # noqa: F401
from ._util import broadcast_shapes as _broadcast_shapes

globals().update({name: fn for name, fn in vars(_ufuncs).items()  # add, sin, equal, ...
                 if not name.startswith("_") and callable(fn)
                 and getattr(fn, "__module__", None) == _ufuncs.__name__})

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
for _d in _dtypes.float8_dtypes:
    globals()[_d.name] = _scalar_type(_d)
uint, int_, float_, complex_ = uint32, int32, float32, complex64
single, double, csingle, cdouble, half = float32, float64, complex64, complex128, float16
dtype = _onp.dtype
generic, number, integer, signedinteger, unsignedinteger = (
    _onp.generic, _onp.number, _onp.integer, _onp.signedinteger, _onp.unsignedinteger)
inexact, floating, complexfloating = _onp.inexact, _onp.floating, _onp.complexfloating


def promote_types(a, b):
    return _dtypes.promote_types((_dtypes.check_dtype(a), False), (_dtypes.check_dtype(b), False))[0]


def can_cast(from_, to, casting="safe"):
    return _onp.can_cast(from_, to, casting)


def broadcast_shapes(*shapes):
    return _broadcast_shapes("broadcast_shapes", *shapes)


def iscomplexobj(x):
    from ..core import get_aval
    return _dtypes.kind(get_aval(x).dtype) == "c"


def isscalar(element):
    from ..core import get_aval
    try:
        return get_aval(element).shape == ()
    except TypeError:
        return False


def __getattr__(name):
    if name == "ndarray":
        from .. import runtime
        return runtime.array_type()
    raise AttributeError(f"module 'xlafront.numpy' has no attribute {name!r}")
