"""More array creation: diagonals and triangle indices, grids (indices, meshgrid, mgrid,
ogrid, r_, c_, s_, index_exp, ix_), fromfunction and the host constructors (frombuffer,
fromstring, load/save, from_dlpack), logspace/geomspace, vander, block, copy, and the
window functions (bartlett, blackman, hamming, hanning, kaiser).

After _manip_more in xlafront.numpy's chain."""
import math
import operator

import numpy as np

from .. import dtypes, lax, runtime
from ..core import concrete_or_error, get_aval
from ..devices import device_put
from ..dispatch import eager
from ..errors import api_boundary
from ..interpreters import batching
from ._creation import arange, eye, linspace
from ._manip import concatenate, diagonal, expand_dims, stack, transpose
from ._manip import where as _where
from ._more_ufuncs import i0, log10
from ._ufuncs import absolute, cos, divide, multiply, power, sign, sqrt
from ._util import array, array_like, asarray, aval_or_error, canonical_axis, promote_dtypes

__all__ = ["bartlett", "blackman", "block", "c_", "copy", "diag", "diag_indices",
           "diag_indices_from", "diagflat", "from_dlpack", "frombuffer", "fromfile",
           "fromfunction", "fromiter", "fromstring", "geomspace", "hamming", "hanning",
           "index_exp", "indices", "ix_", "kaiser", "load", "logspace",
           "meshgrid", "mgrid", "ogrid", "r_", "s_", "save", "savez", "tril_indices",
           "tril_indices_from", "triu_indices", "triu_indices_from", "vander",
           "__array_namespace_info__"]


def _concrete_int(value, what):
    return operator.index(concrete_or_error(value, what))


# diagonals and triangles ------------------------------------------------------------------

@eager(static_argnames="k")
def diag(v, k=0):
    """The k-th diagonal of a 2-D array, or a 2-D array with the 1-D v on its k-th
    diagonal."""
    v = array_like(v)
    aval = aval_or_error("diag", v)
    k = operator.index(k)
    if aval.ndim == 2:
        return diagonal(v, offset=k)
    if aval.ndim != 1:
        raise ValueError(f"diag input must be 1d or 2d, got shape {aval.shape}")
    n = aval.shape[0] + abs(k)
    v = lax.pad(v, np.zeros((), aval.dtype), ((max(0, -k), max(0, k), 0),))
    return _where(eye(n, k=k, dtype=bool), lax.reshape(v, (n, 1)), np.zeros((), aval.dtype))


@eager(static_argnames="k")
def diagflat(v, k=0):
    """A 2-D array with the flattened v on its k-th diagonal."""
    v = array_like(v)
    aval_or_error("diagflat", v)
    return diag(lax.reshape(v, (get_aval(v).size,)), k)


def _index_dtype():
    return dtypes.default_int()


def diag_indices(n, ndim=2):
    """The indices of the main diagonal of an n x ... x n array of ndim dimensions."""
    n, ndim = _concrete_int(n, "diag_indices n"), _concrete_int(ndim, "diag_indices ndim")
    if n < 0 or ndim < 0:
        raise ValueError(f"diag_indices: n and ndim must be nonnegative, got {n} and {ndim}")
    return (lax.iota(_index_dtype(), n),) * ndim


def diag_indices_from(arr):
    """diag_indices for the shape of arr (at least 2-D, all dimensions equal)."""
    shape = aval_or_error("diag_indices_from", array_like(arr)).shape
    if len(shape) < 2:
        raise ValueError("diag_indices_from: input array must be at least 2-d")
    if len(set(shape)) != 1:
        raise ValueError("diag_indices_from: all dimensions of input must be of equal length")
    return diag_indices(shape[0], len(shape))


def _triangle_indices(op, host_fn, n, k, m):
    n, k = _concrete_int(n, f"{op} n"), _concrete_int(k, f"{op} k")
    m = n if m is None else _concrete_int(m, f"{op} m")
    return tuple(asarray(i.astype(_index_dtype())) for i in host_fn(n, k, m))


def tril_indices(n, k=0, m=None):
    """The (row, column) indices of the lower triangle (diagonal k and below) of an n x m
    array (static sizes, computed once)."""
    return _triangle_indices("tril_indices", np.tril_indices, n, k, m)


def triu_indices(n, k=0, m=None):
    """The (row, column) indices of the upper triangle (diagonal k and above)."""
    return _triangle_indices("triu_indices", np.triu_indices, n, k, m)


def _shape_2d(op, arr):
    shape = arr.shape if hasattr(arr, "shape") else aval_or_error(op, array_like(arr)).shape
    if len(shape) != 2:
        raise ValueError(f"{op}: only 2-D inputs are accepted, got shape {shape}")
    return shape


def tril_indices_from(arr, k=0):
    """tril_indices for arr's (2-D) shape."""
    n, m = _shape_2d("tril_indices_from", arr)
    return tril_indices(n, k, m)


def triu_indices_from(arr, k=0):
    """triu_indices for arr's (2-D) shape."""
    n, m = _shape_2d("triu_indices_from", arr)
    return triu_indices(n, k, m)


# grids ------------------------------------------------------------------------------------

def indices(dimensions, dtype=None, sparse=False):
    """The index grid of shape dimensions: one array per axis, stacked (or broadcastable
    ones with sparse=True)."""
    dtype = dtypes.check_dtype(int if dtype is None else dtype, "indices")
    dims = tuple(_concrete_int(d, "indices dimensions") for d in dimensions)
    out = []
    for i, n in enumerate(dims):
        shape = (1,) * i + (n,) + (1,) * (len(dims) - i - 1) if sparse else dims
        out.append(lax.broadcast_in_dim(lax.iota(dtype, n), shape, (i,)))
    if sparse:
        return tuple(out)
    return stack(out, 0) if out else asarray(np.zeros((0,), dtype))


@api_boundary
def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """Coordinate arrays from 1-D coordinate vectors: 'xy' (Cartesian: the first two axes
    swapped) or 'ij' (matrix) indexing; sparse gives broadcastable arrays."""
    if not copy:
        raise ValueError("meshgrid only supports copy=True (arrays are immutable)")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: valid values for indexing are 'xy' and 'ij', got "
                         f"{indexing!r}")
    args = [asarray(array_like(x)) for x in xi]
    if any(get_aval(a).ndim != 1 for a in args):
        raise ValueError(f"meshgrid: arguments must be 1D, got shapes "
                         f"{[get_aval(a).shape for a in args]}")
    if indexing == "xy" and len(args) >= 2:
        args[0], args[1] = args[1], args[0]
    sizes = [get_aval(a).shape[0] for a in args]
    out = []
    for i, a in enumerate(args):
        shape = tuple(n if j == i or not sparse else 1 for j, n in enumerate(sizes))
        out.append(lax.broadcast_in_dim(a, shape, (i,)))
    if indexing == "xy" and len(args) >= 2:
        out[0], out[1] = out[1], out[0]
    return out


def _grid_1d(s, op):
    """The values a slice stands for in mgrid, ogrid, r_ and c_: arange(start, stop, step),
    or linspace with abs(step) points when the step is imaginary."""
    start = concrete_or_error(s.start, f"{op} slice start") or 0
    stop = concrete_or_error(s.stop, f"{op} slice stop")
    step = concrete_or_error(s.step, f"{op} slice step") or 1
    if np.iscomplex(step):
        return linspace(start, stop, int(abs(step)))
    return arange(start, stop, step)


class _Grid:
    """mgrid / ogrid: dense or open multi-dimensional grids from slices."""

    def __init__(self, sparse, name):
        self.sparse, self.name = sparse, name

    def __getitem__(self, key):
        if isinstance(key, slice):
            return _grid_1d(key, self.name)
        axes = promote_dtypes(self.name, *[_grid_1d(k, self.name) for k in key])[0]
        out = meshgrid(*[asarray(a) for a in axes], indexing="ij", sparse=self.sparse)
        if self.sparse:
            return out
        return stack(out, 0) if out else arange(0)

    def __repr__(self):
        return f"xlafront.numpy.{self.name}"


mgrid = _Grid(False, "mgrid")
ogrid = _Grid(True, "ogrid")


class _AxisConcat:
    """r_ / c_: concatenation of arrays, scalars and slices (as ranges) along an axis, with
    NumPy's string directives ('r', 'c', 'axis,ndmin,trans1d')."""

    def __init__(self, axis, ndmin, trans1d, name):
        self.axis, self.ndmin, self.trans1d, self.name = axis, ndmin, trans1d, name

    def __getitem__(self, key):
        key = key if isinstance(key, tuple) else (key,)
        params = [self.axis, self.ndmin, self.trans1d, -1]
        if isinstance(key[0], str):
            directive, key = key[0], key[1:]
            if directive in ("r", "c"):
                params[-1] = 0 if directive == "r" else 1
            else:
                vec = directive.split(",")
                vec = vec + params[len(vec):] if len(vec) < 4 else vec[:3] + [params[-1]]
                try:
                    params = [int(v) for v in vec]
                except ValueError:
                    raise ValueError(f"{self.name}: could not understand directive "
                                     f"{directive!r}") from None
        axis, ndmin, trans1d, matrix = params
        out = []
        for item in key:
            if isinstance(item, slice):
                obj, item_ndim = _grid_1d(item, self.name), 0
            elif isinstance(item, str):
                raise ValueError(f"{self.name}: string directive must be placed at the "
                                 f"beginning")
            else:
                obj = asarray(array_like(item))
                item_ndim = get_aval(obj).ndim
            obj = array(obj, ndmin=ndmin)
            if trans1d != -1 and ndmin - item_ndim > 0:
                shifts = ndmin - abs(ndmin + trans1d + 1) % ndmin
                order = tuple(range(ndmin))
                obj = transpose(obj, order[shifts:] + order[:shifts])
            out.append(obj)
        res = concatenate(tuple(out), axis=axis)
        if matrix != -1 and get_aval(res).ndim == 1:
            res = expand_dims(res, matrix)
        return res

    def __len__(self):
        return 0

    def __repr__(self):
        return f"xlafront.numpy.{self.name}"


r_ = _AxisConcat(0, 1, -1, "r_")
c_ = _AxisConcat(-1, 2, 0, "c_")
s_ = np.s_
index_exp = np.index_exp


@api_boundary
def ix_(*args):
    """Open-mesh index arrays from 1-D sequences (booleans as their nonzero positions), for
    indexing the cross product: a[ix_(rows, cols)]."""
    out = []
    for i, a in enumerate(args):
        a = asarray(array_like(a))
        if get_aval(a).ndim != 1:
            raise ValueError(f"ix_: arguments must be 1-dimensional, got an argument of "
                             f"shape {get_aval(a).shape}")
        if get_aval(a).dtype == dtypes.bool_:
            a = asarray(np.flatnonzero(np.asarray(concrete_or_error(a, "ix_ boolean index"))))
        shape = [1] * len(args)
        shape[i] = get_aval(a).shape[0]
        out.append(lax.broadcast_in_dim(a, tuple(shape), (i,)))
    return tuple(out)


@api_boundary
def fromfunction(function, shape, *, dtype=float, **kwargs):
    """function applied to each index of an array of `shape` (as JAX: called on scalar
    indices of `dtype`, vectorized by batching, so function's output may have dimensions
    of its own, which follow `shape`)."""
    shape = tuple(_concrete_int(d, "fromfunction shape") for d in
                  (shape if np.iterable(shape) else (shape,)))
    dtype = dtypes.check_dtype(dtype, "fromfunction")
    count = math.prod(shape)
    coords = [lax.reshape(lax.broadcasted_iota(dtype, shape, i), (count,))
              for i in range(len(shape))]
    multiple = []

    def one(*xs):
        out = function(*xs, **kwargs)
        multiple.append(isinstance(out, (tuple, list)))
        return [asarray(o) for o in (out if multiple[-1] else (out,))]

    outs = batching.vmap_flat(one, coords, [0] * len(coords), lambda n: [0] * n, count)
    outs = [lax.reshape(o, shape + get_aval(o).shape[1:]) for o in outs]
    return tuple(outs) if multiple[0] else outs[0]


# host constructors ---------------------------------------------------------------------

def frombuffer(buffer, dtype=float, count=-1, offset=0):
    """An array from the bytes of `buffer` (NumPy's frombuffer, then to the device)."""
    return asarray(np.frombuffer(buffer, dtype=dtype, count=count, offset=offset))


def fromstring(string, dtype=float, count=-1, *, sep):
    """An array from the numbers in the text `string` separated by `sep`."""
    return asarray(np.fromstring(string, dtype=dtype, count=count, sep=sep))


def fromiter(*args, **kwargs):
    """Not implemented, as in JAX: consuming an iterator is a side effect that jit would
    run once, at tracing. Use asarray(numpy.fromiter(...)) outside transformations."""
    raise NotImplementedError(
        "fromiter() is not implemented because it may be non-pure and thus unsafe for use "
        "with jit and other transformations (as in JAX). Consider using "
        "jnp.asarray(np.fromiter(...)) instead, outside of transformed functions.")


def fromfile(*args, **kwargs):
    """Not implemented, as in JAX: reading a file is a side effect. Use
    asarray(numpy.fromfile(...)) outside transformations."""
    raise NotImplementedError(
        "fromfile() is not implemented because it may be non-pure and thus unsafe for use "
        "with jit and other transformations (as in JAX). Consider using "
        "jnp.asarray(np.fromfile(...)) instead, outside of transformed functions.")


save, savez = np.save, np.savez  # (host I/O of NumPy arrays; Arrays convert on the way)


def load(file, *args, **kwargs):
    """NumPy's load; a single array comes back as an Array, with bfloat16 (saved by NumPy as
    2-byte void) recovered."""
    out = np.load(file, *args, **kwargs)
    if isinstance(out, np.ndarray):
        if out.dtype == "V2":
            out = out.view(dtypes.bfloat16)
        try:
            out = asarray(out)
        except TypeError:  # a dtype arrays cannot hold (strings, objects): stays NumPy
            pass
    return out


def from_dlpack(x, /, *, device=None, copy=None):
    """An Array from `x`, any object with `__dlpack__` and `__dlpack_device__`: sharing its
    memory where no copy is needed (copy=None), always copied (copy=True), or ValueError
    where a copy cannot be avoided (copy=False). `device` (a device or single-device
    sharding) places the result there, committed; moving it from x's device is a copy."""
    if hasattr(device, "device_set"):  # a sharding
        if len(device.device_set) != 1:
            raise ValueError(f"from_dlpack: can only place the result on one device, got a "
                             f"sharding over {len(device.device_set)} devices")
        (device,) = device.device_set
    if not (hasattr(x, "__dlpack__") and hasattr(x, "__dlpack_device__")):
        raise TypeError(f"from_dlpack: the array must have __dlpack__ and __dlpack_device__ "
                        f"methods, got {type(x).__name__}")
    source = runtime.array.dlpack_source_device(x.__dlpack_device__())
    moves = device is not None and device != source
    if moves and copy is False:
        raise ValueError(f"from_dlpack: device={device} needs a copy from the source device "
                         f"{source}, but copy=False; pass copy=True or copy=None")
    out = runtime.array.from_dlpack(x, copy=None if moves else copy)
    if out.dtype != dtypes.canonicalize(out.dtype):  # a 64-bit type with x64 off, as JAX
        out = asarray(out, dtypes.canonicalize(out.dtype))
    return device_put(out, device) if moves else out


def copy(a, order=None):
    """A copy of a (as a new Array)."""
    a = array_like(a)
    aval_or_error("copy", a)
    if order not in (None, "K"):
        raise NotImplementedError(f"copy: only order='K' (or None) is implemented, got "
                                  f"order={order!r}")
    return _copy(asarray(a))


@eager
def _copy(a):
    return lax.add(a, np.zeros((), get_aval(a).dtype)) if get_aval(a).dtype != dtypes.bool_ \
        else lax.bitwise_or(a, np.bool_(False))


# spaced values -------------------------------------------------------------------------

def _space_dtypes(op, start, stop, dtype):
    if dtype is None:
        dtype = dtypes.to_inexact(dtypes.result_type(start, stop))
    else:
        dtype = dtypes.check_dtype(dtype, op)
    return dtype, dtypes.to_inexact(dtype)


@eager(static_argnames=("num", "endpoint", "dtype", "axis"))
def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """base ** linspace(start, stop, num): num values spaced evenly on a log scale."""
    num = operator.index(num)
    dtype, compute = _space_dtypes("logspace", start, stop, dtype)
    start, stop = asarray(array_like(start), compute), asarray(array_like(stop), compute)
    lin = linspace(start, stop, num, endpoint=endpoint, axis=axis)
    return lax.convert_element_type(power(asarray(array_like(base), compute), lin), dtype)


@eager(static_argnames=("num", "endpoint", "dtype", "axis"))
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """num values from start to stop in geometric progression."""
    num = operator.index(num)
    dtype, compute = _space_dtypes("geomspace", start, stop, dtype)
    start, stop = asarray(array_like(start), compute), asarray(array_like(stop), compute)
    s = sign(start)
    res = multiply(s, logspace(log10(divide(start, s)), log10(divide(stop, s)), num,
                               endpoint=endpoint, base=10.0, dtype=compute, axis=0))
    ndim = get_aval(res).ndim
    axis = canonical_axis("geomspace", axis, ndim)
    if axis:
        res = lax.transpose(res, (*range(1, axis + 1), 0, *range(axis + 1, ndim)))
    return lax.convert_element_type(res, dtype)


@eager(static_argnames=("N", "increasing"))
def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of the 1-D x: columns x**(N-1), ..., x**0 (or increasing)."""
    x = array_like(x)
    aval = aval_or_error("vander", x)
    if aval.ndim != 1:
        raise ValueError(f"vander: x must be a one-dimensional array, got shape {aval.shape}")
    N = aval.shape[0] if N is None else operator.index(N)
    if N < 0:
        raise ValueError(f"vander: N must be nonnegative, got {N}")
    powers = np.arange(N) if increasing else np.arange(N - 1, -1, -1)
    dtype = aval.dtype if dtypes.kind(aval.dtype) != "b" else dtypes.default_int()
    return power(lax.reshape(asarray(x), (aval.shape[0], 1)), asarray(powers.astype(dtype)))


@api_boundary
def block(arrays):
    """An array assembled from nested lists of blocks: the innermost lists join along the
    last axis, the next along the one before, and so on."""
    return _block(arrays)[0]


def _block(xs):
    if isinstance(xs, tuple):
        raise ValueError(f"block does not allow tuples, got {xs}")
    if isinstance(xs, list):
        if not xs:
            raise ValueError("block does not allow empty list arguments")
        parts, depths = zip(*[_block(x) for x in xs])
        if any(d != depths[0] for d in depths[1:]):
            raise ValueError("block: mismatched list depths")
        rank = max(depths[0], max(get_aval(p).ndim for p in parts))
        parts = [array(p, ndmin=rank) for p in parts]
        return concatenate(parts, axis=-depths[0]), depths[0] + 1
    return asarray(array_like(xs)), 1


# window functions ---------------------------------------------------------------------

def _window(name, formula):
    def window(M):
        M = _concrete_int(M, f"{name} M")
        dtype = dtypes.default_float()
        if M <= 1:
            return asarray(np.ones((max(M, 0),), dtype))
        return formula(lax.iota(dtype, M), M)
    window.__name__ = name
    window.__doc__ = f"The {name.capitalize()} window of M points (default float dtype)."
    return api_boundary(window)


bartlett = _window("bartlett", lambda n, M: 1 - absolute(2 * n + 1 - M) / (M - 1))
blackman = _window("blackman", lambda n, M: 0.42 - 0.5 * cos(2 * np.pi * n / (M - 1)) +
                   0.08 * cos(4 * np.pi * n / (M - 1)))
hamming = _window("hamming", lambda n, M: 0.54 - 0.46 * cos(2 * np.pi * n / (M - 1)))
hanning = _window("hanning", lambda n, M: 0.5 * (1 - cos(2 * np.pi * n / (M - 1))))


@api_boundary
def kaiser(M, beta):
    """The Kaiser window of M points with shape parameter beta."""
    M = _concrete_int(M, "kaiser M")
    dtype = dtypes.default_float()
    if M <= 1:
        return asarray(np.ones((max(M, 0),), dtype))
    n = lax.iota(dtype, M)
    alpha = 0.5 * (M - 1)
    return i0(beta * sqrt(1 - ((n - alpha) / alpha) ** 2)) / i0(beta)


# The Array API's inspection namespace -----------------------------------------------------

_API_KINDS = {"bool": ("bool",), "signed integer": ("int8", "int16", "int32", "int64"),
              "unsigned integer": ("uint8", "uint16", "uint32", "uint64"),
              "real floating": ("float32", "float64"),
              "complex floating": ("complex64", "complex128")}
_API_KINDS["integral"] = _API_KINDS["signed integer"] + _API_KINDS["unsigned integer"]
_API_KINDS["numeric"] = (_API_KINDS["integral"] + _API_KINDS["real floating"]
                         + _API_KINDS["complex floating"])


class ArrayNamespaceInfo:
    """What the Array API standard's `__array_namespace_info__()` returns, as JAX's: dtypes
    are the same on every device (so `device=` selects nothing), the 64-bit ones only
    with x64 enabled; the default device None means uncommitted."""

    def capabilities(self):
        # (boolean masks and data-dependent shapes work eagerly, not under transformations)
        return {"boolean indexing": False, "data-dependent shapes": False,
                "max dimensions": 64}

    def default_device(self):
        return None

    def devices(self):
        return [None, *(d for client in runtime.backends().values() for d in client.devices())]

    def default_dtypes(self, *, device=None):
        return {"real floating": dtypes.default_float(),
                "complex floating": dtypes.default_complex(),
                "integral": dtypes.default_int(), "indexing": dtypes.default_int()}

    def dtypes(self, *, device=None, kind=None):
        kinds = ("numeric", "bool") if kind is None else (kind,) if isinstance(kind, str) \
            else tuple(kind)
        unknown = [k for k in kinds if k not in _API_KINDS]
        if unknown:
            raise ValueError(f"__array_namespace_info__().dtypes: unknown kind {unknown[0]!r}; "
                             f"kinds are {', '.join(map(repr, _API_KINDS))}")
        names = [n for k in kinds for n in _API_KINDS[k]]
        return {n: np.dtype(n) for n in names
                if dtypes.x64_enabled() or np.dtype(n).itemsize < 8 or n == "complex64"}


def __array_namespace_info__():
    """The Array API's inspection namespace (capabilities, devices, dtypes)."""
    return ArrayNamespaceInfo()
