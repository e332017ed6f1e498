"""More array manipulation: inserting and deleting (append, insert, delete, resize),
rotating and splitting, functional updates (put, place, put_along_axis, fill_diagonal),
index conversion, applying functions along axes, differences and integrals (diff,
gradient, trapezoid, interp, unwrap), bit packing, and sorting helpers (lexsort,
partition, sort_complex), with vector products (cross, vecdot, matvec, vecmat).

After _more_ufuncs in xlafront.numpy's chain."""
import math
import operator

import numpy as np

from .. import dtypes, lax
from ..core import Tracer, concrete_or_error, get_aval
from ..dispatch import eager
from ..errors import api_boundary
from ..interpreters import batching
from ._indexing import _scatter_update, getitem, nonzero, take
from ._manip import (_split, argsort, concatenate, expand_dims, flip, matmul, moveaxis, ravel,
                     searchsorted, sort, swapaxes, tile, transpose)
from ._manip import where as _where
from ._reductions import all_, argmax, cumsum, sum_
from ._setops import compress
from ._ufuncs import absolute, conj, equal, mod, not_equal, subtract
from ._util import (array_like, asarray, aval_or_error, broadcast_shapes, broadcast_to_shape,
                    canonical_axes, canonical_axis, promote_args, promote_dtypes)
from ._vectorize import vectorize

__all__ = ["append", "apply_along_axis", "apply_over_axes", "array_equiv", "cross", "delete",
           "diff", "dsplit", "ediff1d", "extract", "fill_diagonal", "gradient", "hsplit",
           "insert", "interp", "lexsort", "mask_indices", "matvec", "packbits", "partition",
           "piecewise", "place", "put", "put_along_axis", "ravel_multi_index", "resize",
           "rollaxis", "rot90", "sort_complex", "trapezoid", "trim_zeros", "unpackbits",
           "unravel_index", "unstack", "unwrap", "vecdot", "vecmat", "vsplit"]


def _arr(op, a):
    a = array_like(a)
    return a, aval_or_error(op, a)


def _slice_axis(x, start, stop, axis):
    """x[..., start:stop, ...] along axis (Python-style bounds, negatives from the end)."""
    n = get_aval(x).shape[axis]
    start, stop, _ = slice(start, stop).indices(n)
    return lax.slice_in_dim(x, start, max(start, stop), 1, axis)


def _inexact(op, *args):
    """args converted to their common inexact dtype (not broadcast)."""
    return [asarray(x) for x in promote_dtypes(op, *[array_like(a) for a in args],
                                               to=dtypes.to_inexact)[0]]


def _no_inplace(op, inplace):
    if inplace:
        raise ValueError(f"{op} cannot modify arrays in-place, because arrays are immutable. "
                         f"Pass inplace=False to instead return an updated array.")


# joining, inserting, deleting -------------------------------------------------------------

@eager(static_argnames="axis")
def append(arr, values, axis=None):
    """arr with values appended along axis (both flattened if axis is None)."""
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], 0)
    return concatenate([arr, values], axis=axis)


@api_boundary
def insert(arr, obj, values, axis=None):
    """arr with `values` inserted before the index (or indices, or slice) `obj` along axis
    (the flattened array if None). A traced obj works under jit, as in JAX."""
    a, aval = _arr("insert", arr)
    if axis is None:
        a, axis = ravel(a), 0
        aval = get_aval(a)
    axis = canonical_axis("insert", concrete_or_error(axis, "insert axis"), aval.ndim)
    if isinstance(obj, slice):
        indices = np.arange(*obj.indices(aval.shape[axis]))
    else:
        indices = array_like(obj)
    i_aval = aval_or_error("insert", indices)
    if i_aval.ndim > 1:
        raise ValueError(f"insert: obj must be a slice, a one-dimensional array, or a scalar; "
                         f"got {obj}")
    if dtypes.kind(i_aval.dtype) not in "iu":
        if i_aval.size == 0 and not isinstance(obj, Tracer):
            indices = np.zeros(0, np.int32)
        else:
            raise ValueError(f"insert: index array must be integer typed; got {obj}")
    return _insert(a, indices, values, axis, np.ndim(indices) == 0)


@eager(static_argnums=(3, 4))
def _insert(a, indices, values, axis, scalar_index):
    aval = get_aval(a)
    values = asarray(array_like(values), aval.dtype)
    v_aval = get_aval(values)
    if v_aval.ndim < aval.ndim:
        values = lax.reshape(values, (1,) * (aval.ndim - v_aval.ndim) + v_aval.shape)
    indices = asarray(indices)
    if get_aval(indices).size == 1:
        index = lax.reshape(indices, ())
        if scalar_index:  # (NumPy: a scalar index inserts values' first axis along axis)
            values = moveaxis(values, 0, axis)
        indices = lax.broadcast_in_dim(index, (get_aval(values).shape[axis],), ())
    n_input = aval.shape[axis]
    n_insert = broadcast_shapes("insert", get_aval(indices).shape,
                                (get_aval(values).shape[axis],))[0]
    out_shape = list(aval.shape)
    out_shape[axis] += n_insert
    values = broadcast_to_shape(values, tuple(out_shape[:axis]) + (n_insert,) +
                                tuple(out_shape[axis + 1:]))
    idx = get_aval(indices).dtype
    indices = _where(lax.lt(indices, np.zeros((), idx)), lax.add(indices, np.array(n_input, idx)),
                     indices)
    indices = lax.clamp(np.zeros((), idx), indices, np.array(n_input, idx))
    # the position of each inserted value: its index plus the number inserted before it
    values_at = _scatter_update("add", indices, argsort(indices), lax.iota(idx, n_insert))
    keep = _scatter_update("set", lax.broadcast_in_dim(np.bool_(True), (n_input + n_insert,), ()),
                           values_at, False)
    arr_at = nonzero(keep, size=n_input)[0]
    out = lax.broadcast_in_dim(np.zeros((), aval.dtype), tuple(out_shape), ())
    lead = (slice(None),) * axis
    out = _scatter_update("set", out, lead + (values_at,), values)
    return _scatter_update("set", out, lead + (arr_at,), a)


@api_boundary
def delete(arr, obj, axis=None, *, assume_unique_indices=False):
    """arr without the entries at index (or indices, slice, boolean mask) `obj` along axis
    (the flattened array if None). Array indices must be concrete, unless
    assume_unique_indices=True (then jit works, as in JAX)."""
    a, aval = _arr("delete", arr)
    if axis is None:
        a, axis = ravel(a), 0
        aval = get_aval(a)
    axis = canonical_axis("delete", axis, aval.ndim)
    n = aval.shape[axis]
    try:
        i = operator.index(obj)
    except TypeError:
        pass
    else:
        i = canonical_axis("delete", i, n)
        return concatenate([_slice_axis(a, 0, i, axis), _slice_axis(a, i + 1, None, axis)], axis)
    if isinstance(obj, slice):
        obj, assume_unique_indices = np.arange(n)[obj], True
    obj = array_like(obj)
    o_aval = aval_or_error("delete", obj)
    if dtypes.kind(o_aval.dtype) in "iu" and assume_unique_indices:
        return _delete_unique(a, obj, axis)
    host = concrete_or_error(obj, "delete obj (pass assume_unique_indices=True under jit)")
    host = np.asarray(host)
    if host.dtype.kind in "iu":
        keep = np.ones(n, bool)
        keep[host] = False
    elif host.dtype == bool:
        if host.shape != (n,):
            raise ValueError("delete(arr, obj): for boolean indices, obj must be "
                             "one-dimensional with length matching specified axis.")
        keep = ~host
    else:
        raise ValueError(f"delete(arr, obj): got obj.dtype={host.dtype}; must be integer or "
                         f"bool.")
    return take(a, np.flatnonzero(keep).astype(np.int32), axis=axis)


@eager(static_argnums=2)
def _delete_unique(a, obj, axis):
    n = get_aval(a).shape[axis]
    obj = ravel(obj)
    idx = get_aval(obj).dtype
    obj = _where(lax.lt(obj, np.zeros((), idx)), lax.add(obj, np.array(n, idx)), obj)
    obj = sort(lax.clamp(np.zeros((), idx), obj, np.array(n, idx)))
    k = get_aval(obj).shape[0]
    obj = lax.sub(obj, lax.iota(idx, k))
    i = lax.iota(idx, n - k)
    before = lax.ge(lax.broadcast_in_dim(i, (k, n - k), (1,)),
                    lax.broadcast_in_dim(obj, (k, n - k), (0,)))
    i = lax.add(i, sum_(before, axis=0, dtype=idx))
    return take(a, i, axis=axis, mode="clip")


@eager(static_argnames="new_shape")
def resize(a, new_shape):
    """a's elements (flattened, repeated as needed) in the shape new_shape."""
    a, _ = _arr("resize", a)
    new_shape = (new_shape,) if isinstance(new_shape, int) else tuple(new_shape)
    if any(d < 0 for d in new_shape):
        raise ValueError("resize: all elements of `new_shape` must be non-negative")
    flat = ravel(a)
    size, new_size = get_aval(flat).size, math.prod(new_shape)
    if size == 0 or new_size == 0:
        return lax.broadcast_in_dim(np.zeros((), get_aval(flat).dtype), new_shape, ())
    flat = lax.slice(tile(flat, -(-new_size // size)), (0,), (new_size,))
    return lax.reshape(flat, new_shape)


# rotating, rolling, splitting ---------------------------------------------------------------

@eager(static_argnames=("k", "axes"))
def rot90(m, k=1, axes=(0, 1)):
    """m rotated by 90 degrees k times in the plane of `axes`, from the first axis toward
    the second."""
    m, aval = _arr("rot90", m)
    if aval.ndim < 2:
        raise ValueError(f"rot90 requires its first argument to have ndim at least two, but "
                         f"got first argument of shape {aval.shape}, which has ndim {aval.ndim}")
    ax1, ax2 = (canonical_axis("rot90", ax, aval.ndim) for ax in axes)
    if ax1 == ax2:
        raise ValueError("rot90: axes must be different")
    k = operator.index(k) % 4
    if k == 0:
        return asarray(m)
    if k == 2:
        return flip(flip(m, ax1), ax2)
    perm = list(range(aval.ndim))
    perm[ax1], perm[ax2] = perm[ax2], perm[ax1]
    return transpose(flip(m, ax2), perm) if k == 1 else flip(transpose(m, perm), ax2)


@eager(static_argnames=("axis", "start"))
def rollaxis(a, axis, start=0):
    """a with `axis` moved to before position `start` (NumPy's older moveaxis)."""
    a, aval = _arr("rollaxis", a)
    start = operator.index(start)
    axis = canonical_axis("rollaxis", axis, aval.ndim)
    if not -aval.ndim <= start <= aval.ndim:
        raise ValueError(f"rollaxis: start={start} must satisfy "
                         f"{-aval.ndim}<=start<={aval.ndim}")
    start += aval.ndim if start < 0 else 0
    return moveaxis(a, axis, start - 1 if start > axis else start)


def _split_along(op, min_ndim, axis_for):
    def split_fn(ary, indices_or_sections):
        a, aval = _arr(op, ary)
        if aval.ndim < min_ndim:
            raise ValueError(f"{op} only works on arrays of {min_ndim} or more dimensions, got "
                             f"shape {aval.shape}")
        return _split(op, a, indices_or_sections, axis_for(aval.ndim), equal=True)
    split_fn.__name__ = op
    split_fn.__doc__ = f"NumPy's `{op}`: split into equal sections (or at indices)."
    return eager(split_fn, static_argnames="indices_or_sections")


hsplit = _split_along("hsplit", 1, lambda ndim: 0 if ndim == 1 else 1)
vsplit = _split_along("vsplit", 2, lambda ndim: 0)
dsplit = _split_along("dsplit", 3, lambda ndim: 2)


@eager(static_argnames="axis")
def unstack(x, /, *, axis=0):
    """The slices of x along axis, as a tuple."""
    x, aval = _arr("unstack", x)
    if aval.ndim == 0:
        raise ValueError("unstack requires arrays with rank > 0, however a scalar array was "
                         "passed")
    axis = canonical_axis("unstack", axis, aval.ndim)
    return tuple(lax.squeeze(lax.slice_in_dim(x, i, i + 1, 1, axis), (axis,))
                 for i in range(aval.shape[axis]))


@api_boundary
def trim_zeros(filt, trim="fb", axis=None):
    """filt without its leading ('f') and/or trailing ('b') zeros (slices with only zeros
    along the other axes when filt is N-D). filt must be concrete."""
    a, aval = _arr("trim_zeros", filt)
    host = np.asarray(concrete_or_error(a, "trim_zeros filt"))
    trim = trim.lower()
    axes = canonical_axes("trim_zeros", axis, aval.ndim)
    if not axes or ("f" not in trim and "b" not in trim):
        return asarray(a)
    index = []
    for ax in range(aval.ndim):
        if ax not in axes:
            index.append(slice(None))
            continue
        mask = host.any(axis=tuple(i for i in range(aval.ndim) if i != ax))
        if not mask.any():
            index.append(slice(0, 0))
            continue
        start = int(mask.argmax()) if "f" in trim else None
        stop = aval.shape[ax] - int(mask[::-1].argmax()) if "b" in trim else None
        index.append(slice(start, stop))
    return getitem(asarray(a), tuple(index))


# functional updates ----------------------------------------------------------------------

@api_boundary
def extract(condition, arr, *, size=None, fill_value=0):
    """The elements of arr (flattened) where condition (flattened) is nonzero; `size` fixes
    the length (padded with fill_value) for jit and vmap."""
    return compress(ravel(condition), ravel(arr), size=size, fill_value=fill_value)


def _tile_to_size(x, n):
    size = get_aval(x).size
    if size == n:
        return x
    return lax.slice(tile(x, -(-n // size)), (0,), (n,)) if n else lax.slice(x, (0,), (0,))


@api_boundary
def place(arr, mask, vals, *, inplace=True):
    """arr with the entries where mask is true set to vals in turn (repeated as needed);
    pass inplace=False (arrays are immutable) and use the result."""
    _no_inplace("place", inplace)
    return _place(arr, mask, vals)


@eager
def _place(arr, mask, vals):
    data, aval = _arr("place", arr)
    mask, m_aval = _arr("place", mask)
    vals = ravel(vals)
    if aval.size != m_aval.size:
        raise ValueError("place: arr and mask must be the same size")
    if not get_aval(vals).size:
        raise ValueError("place: cannot place values from an empty array")
    if not aval.size:
        return asarray(data)
    indices = nonzero(ravel(mask), size=m_aval.size, fill_value=m_aval.size)[0]
    vals = _tile_to_size(vals, m_aval.size)
    out = _scatter_update("set", ravel(data), indices, vals, mode="drop")
    return lax.reshape(out, aval.shape)


@api_boundary
def put(a, ind, v, mode=None, *, inplace=True):
    """a with the flat indices `ind` set to v (repeated as needed); out-of-bounds indices
    are dropped (mode None), clipped ('clip') or wrapped ('wrap'). inplace=False needed."""
    _no_inplace("put", inplace)
    if mode == "raise":
        raise NotImplementedError("put: mode='raise' is not supported (compiled code cannot "
                                  "raise); use None, 'clip' or 'wrap'")
    if mode not in (None, "clip", "wrap"):
        raise ValueError(f"put: mode should be one of 'wrap' or 'clip'; got mode={mode!r}")
    return _put(a, ind, v, mode)


@eager(static_argnums=3)
def _put(a, ind, v, mode):
    arr, aval = _arr("put", a)
    ind, v = ravel(ind), ravel(v)
    n = get_aval(ind).size
    if not aval.size or not n or not get_aval(v).size:
        return asarray(arr)
    v = _tile_to_size(v, n)
    idx = get_aval(ind).dtype
    if mode == "clip":
        ind = lax.clamp(np.zeros((), idx), ind, np.array(aval.size - 1, idx))
    elif mode == "wrap":
        ind = mod(ind, aval.size)
    out = _scatter_update("set", ravel(arr), ind, v, mode="drop" if mode is None else
                          "promise_in_bounds")
    return lax.reshape(out, aval.shape)


@api_boundary
def put_along_axis(arr, indices, values, axis, inplace=True, *, mode=None):
    """arr with values written at `indices` along axis (the partner of take_along_axis);
    pass inplace=False (arrays are immutable) and use the result."""
    if inplace:
        raise ValueError("put_along_axis cannot modify arrays in-place, because arrays are "
                         "immutable. Pass inplace=False to instead return an updated array.")
    return _put_along_axis(arr, indices, values, axis, mode)


@eager(static_argnums=(3, 4))
def _put_along_axis(arr, indices, values, axis, mode):
    a, aval = _arr("put_along_axis", arr)
    indices, i_aval = _arr("put_along_axis", indices)
    original = aval.shape
    if axis is None:
        a, axis = ravel(a), 0
        aval = get_aval(a)
    if aval.ndim != i_aval.ndim:
        raise ValueError(f"put_along_axis arguments 'arr' and 'indices' must have same ndim. "
                         f"Got arr.ndim={aval.ndim} and indices.ndim={i_aval.ndim}.")
    axis = canonical_axis("put_along_axis", axis, aval.ndim)
    values = asarray(array_like(values))
    shape = broadcast_shapes("put_along_axis", i_aval.shape, aval.shape[:axis] + (1,) +
                             aval.shape[axis + 1:])
    values = broadcast_to_shape(values, broadcast_shapes("put_along_axis",
                                                         get_aval(values).shape, i_aval.shape))
    index = []
    for d in range(aval.ndim):
        if d == axis:
            index.append(broadcast_to_shape(indices, shape))
        else:
            index.append(lax.broadcasted_iota(dtypes.int32, shape, d))
    values = broadcast_to_shape(values, shape)
    out = _scatter_update("set", a, tuple(index), values, mode=mode)
    return lax.reshape(out, original)


@api_boundary
def fill_diagonal(a, val, wrap=False, *, inplace=True):
    """a with its main diagonal (a[i, i, ...]) set to val (repeated as needed);
    inplace=False needed."""
    if inplace:
        raise NotImplementedError("fill_diagonal: arrays are immutable, must use inplace=False")
    if wrap:
        raise NotImplementedError("fill_diagonal: wrap=True is not implemented (as in JAX), "
                                  "must use wrap=False")
    return _fill_diagonal(a, val)


@eager
def _fill_diagonal(a, val):
    a, aval = _arr("fill_diagonal", a)
    val, v_aval = _arr("fill_diagonal", val)
    if aval.ndim < 2:
        raise ValueError("fill_diagonal: array must be at least 2-d")
    if aval.ndim > 2 and any(n != aval.shape[0] for n in aval.shape[1:]):
        raise ValueError("fill_diagonal: all dimensions of input must be of equal length")
    n = min(aval.shape)
    i = lax.iota(dtypes.int32, n)
    val = val if v_aval.ndim == 0 else _tile_to_size(ravel(val), n)
    return _scatter_update("set", a, (i,) * aval.ndim, val)


# index conversion ------------------------------------------------------------------------

@api_boundary
def ravel_multi_index(multi_index, dims, mode="raise", order="C", *, dtype=None):
    """The flat indices of the index tuples `multi_index` into an array of shape dims.
    Out-of-range entries: mode 'raise' (the indices must then be concrete), 'wrap', 'clip'
    or 'ignore'."""
    if len(multi_index) != len(dims):
        raise ValueError(f"ravel_multi_index: len(multi_index)={len(multi_index)} != "
                         f"len(dims)={len(dims)}")
    dims = tuple(operator.index(concrete_or_error(d, "ravel_multi_index dims")) for d in dims)
    indices = [array_like(i) for i in multi_index]
    avals = [aval_or_error("ravel_multi_index", i) for i in indices]
    if dtype is None:
        dtype = dtypes.result_type(int, *indices)
    dtype = dtypes.check_dtype(dtype, "ravel_multi_index")
    if dtypes.kind(dtype) not in "iu":
        raise ValueError(f"ravel_multi_index: dtype={dtype} is not an integer type.")
    if math.prod(dims) - 1 > np.iinfo(dtype).max:
        raise ValueError(f"ravel_multi_index: dtype={dtype} not large enough to hold flattened "
                         f"index for dims={dims}. Use the dtype argument to pass a suitable "
                         f"dtype.")
    if any(dtypes.kind(a.dtype) not in "iu" for a in avals):
        raise TypeError("ravel_multi_index: only int indices permitted")
    if mode == "raise":
        for i, d in zip(indices, dims):
            host = np.asarray(concrete_or_error(
                i, "ravel_multi_index indices (with mode='raise'; use mode='wrap' or 'clip' "
                   "under jit)"))
            if ((host < 0) | (host >= d)).any():
                raise ValueError("ravel_multi_index: invalid entry in coordinates array")
    elif mode not in ("clip", "wrap", "ignore"):
        raise ValueError(f"ravel_multi_index: invalid mode={mode!r}. Expected 'raise', 'wrap', "
                         f"'clip', or 'ignore'.")
    if order not in ("C", "F"):
        raise ValueError(f"ravel_multi_index: invalid order={order!r}. Expected 'C' or 'F'")
    return _ravel_multi_index(tuple(indices), dims, mode, order, dtype)


@eager(static_argnums=(1, 2, 3, 4))
def _ravel_multi_index(indices, dims, mode, order, dtype):
    if mode == "clip":
        indices = [lax.clamp(np.zeros((), get_aval(i).dtype), i,
                             np.array(d - 1, get_aval(i).dtype)) for i, d in zip(indices, dims)]
    elif mode == "wrap":
        indices = [mod(i, d) for i, d in zip(indices, dims)]
    if order == "F":
        strides = np.cumprod((1,) + dims[:-1])
    else:
        strides = np.cumprod((1,) + dims[1:][::-1])[::-1]
    result = asarray(np.zeros((), dtype))
    for i, s in zip(indices, strides):
        result = lax.add(*promote_args("ravel_multi_index", result, lax.mul(
            lax.convert_element_type(asarray(i), dtype), np.array(int(s), dtype))))
    return result


@api_boundary
def unravel_index(indices, shape):
    """The tuple of index arrays that address the flat `indices` in an array of shape;
    out-of-range indices are clamped (as JAX; NumPy raises)."""
    indices = array_like(indices)
    aval_or_error("unravel_index", indices)
    shape = tuple(shape) if np.iterable(shape) else (shape,)
    if any(np.ndim(s) != 0 for s in shape):
        raise ValueError("unravel_index: shape should be a scalar or 1D sequence.")
    return _unravel_index(indices, tuple(operator.index(s) for s in shape))


@eager(static_argnums=1)
def _unravel_index(indices, shape):
    idx = asarray(indices)
    dtype = get_aval(idx).dtype
    out = [None] * len(shape)
    for i, s in reversed(list(enumerate(shape))):
        s_ = np.array(s, dtype)
        q, r = lax.div(idx, s_), lax.rem(idx, s_)  # floor division for negative ones
        wrong = lax.bitwise_and(lax.ne(r, np.zeros((), dtype)), lax.lt(r, np.zeros((), dtype)))
        idx, out[i] = (_where(wrong, lax.sub(q, np.ones((), dtype)), q),
                       _where(wrong, lax.add(r, s_), r))
    beyond = lax.gt(idx, np.zeros((), dtype))
    below = lax.lt(idx, np.array(-1, dtype)) if dtypes.kind(dtype) == "i" else \
        lax.ne(idx, idx)
    return tuple(_where(beyond, np.array(s - 1, dtype), _where(below, np.zeros((), dtype), i))
                 for s, i in zip(shape, out))


@api_boundary
def mask_indices(n, mask_func, k=0, *, size=None):
    """The indices (rows, columns) where mask_func(ones((n, n)), k) is nonzero, e.g.
    mask_indices(3, triu); `size` fixes the count for jit."""
    ones = lax.broadcast_in_dim(np.float32(1), (operator.index(n),) * 2, ())
    i, j = nonzero(mask_func(ones, k), size=size)
    return i, j


# applying functions -------------------------------------------------------------------

@eager(static_argnums=(0, 1))
def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """func1d applied to each 1-D slice of arr along axis (one batched trace, not a loop):
    the result has func1d's output dimensions in place of that axis."""
    a, aval = _arr("apply_along_axis", arr)
    axis = canonical_axis("apply_along_axis", axis, aval.ndim)
    lead, trail = aval.shape[:axis], aval.shape[axis + 1:]
    count = math.prod(lead + trail)
    rows = lax.reshape(moveaxis(asarray(a), axis, -1), (count, aval.shape[axis]))
    (out,) = batching.vmap_flat(lambda row: [asarray(func1d(row, *args, **kwargs))], [rows],
                                [0], lambda n: [0] * n, count)
    core = get_aval(out).shape[1:]
    out = lax.reshape(out, lead + trail + core)
    nl, nt = len(lead), len(trail)
    perm = tuple(range(nl)) + tuple(range(nl + nt, nl + nt + len(core))) + \
        tuple(range(nl, nl + nt))
    return lax.transpose(out, perm)


@api_boundary
def apply_over_axes(func, a, axes):
    """func(a, axis) applied for each axis in turn, keeping the dimensions (a result one
    dimension short gets it back)."""
    a, aval = _arr("apply_over_axes", a)
    for axis in axes:
        b = asarray(func(a, axis))
        if get_aval(b).ndim == get_aval(a).ndim:
            a = b
        elif get_aval(b).ndim == get_aval(a).ndim - 1:
            a = expand_dims(b, axis)
        else:
            raise ValueError("apply_over_axes: function is not returning an array of the "
                             "correct shape")
    return a


@api_boundary
def piecewise(x, condlist, funclist, *args, **kw):
    """funclist[i] (a function of x's elements or a constant) where condlist[i] is true (the
    last true condition wins); an extra function is the default elsewhere (else 0)."""
    x, aval = _arr("piecewise", x)
    if aval_or_error("piecewise", array_like(condlist)).ndim == 0 or (
            aval.ndim and aval_or_error("piecewise", array_like(condlist[0])).ndim == 0):
        condlist = [condlist]  # (one condition array, as NumPy takes it)
    nc, nf = len(condlist), len(funclist)
    if nf == nc + 1:
        funclist = list(funclist[-1:]) + list(funclist[:-1])
    elif nf == nc:
        funclist = [0] + list(funclist)
    else:
        raise ValueError(f"piecewise: with {nc} condition(s), either {nc} or {nc + 1} "
                         f"functions are expected; got {nf}")
    conds = broadcast_to_shape(asarray(array_like(condlist), dtypes.bool_), (nc,) + aval.shape)
    zeros = lax.broadcast_in_dim(np.zeros((), dtypes.int32), (1,) + aval.shape, ())
    index = argmax(cumsum(concatenate([zeros, lax.convert_element_type(conds, dtypes.int32)],
                                      0), axis=0), axis=0)
    dtype = aval.dtype
    branches = [(lambda f: lambda v: asarray(f(v, *args, **kw), dtype))(f) if callable(f) else
                (lambda c: lambda v: lax.add(lax.mul(v, np.zeros((), dtype)), asarray(c, dtype)))(f)
                for f in funclist]
    return vectorize(lax.switch, excluded=(1,))(index, branches, asarray(x))


# differences, integrals, interpolation ----------------------------------------------------

@eager(static_argnames=("n", "axis"))
def diff(a, n=1, axis=-1, prepend=None, append=None):
    """The n-th discrete difference along axis (a[1:] - a[:-1], n times; != for bools),
    after prepending / appending values (scalars broadcast)."""
    a, aval = _arr("diff", a)
    n = operator.index(n)
    if n == 0:
        return asarray(a)
    if n < 0:
        raise ValueError(f"diff: order must be non-negative but got {n}")
    if aval.ndim == 0:
        raise ValueError(f"diff requires input that is at least one dimensional; got {a}")
    axis = canonical_axis("diff", axis, aval.ndim)
    parts = []
    for extra in (prepend, a, append):
        if extra is None:
            continue
        extra = asarray(array_like(extra))
        if get_aval(extra).ndim == 0:
            extra = broadcast_to_shape(extra, aval.shape[:axis] + (1,) + aval.shape[axis + 1:])
        parts.append(extra)
    arr = concatenate(parts, axis) if len(parts) > 1 else asarray(a)
    op = not_equal if get_aval(arr).dtype == dtypes.bool_ else subtract
    for _ in range(n):
        arr = op(_slice_axis(arr, 1, None, axis), _slice_axis(arr, None, -1, axis))
    return arr


@eager
def ediff1d(ary, to_end=None, to_begin=None):
    """The differences of the flattened array, with to_begin / to_end around them."""
    arr = ravel(ary)
    dtype = get_aval(arr).dtype
    result = lax.sub(_slice_axis(arr, 1, None, 0), _slice_axis(arr, None, -1, 0))
    if to_begin is not None:
        result = concatenate([ravel(asarray(array_like(to_begin), dtype)), result])
    if to_end is not None:
        result = concatenate([result, ravel(asarray(array_like(to_end), dtype))])
    return result


@eager(static_argnames=("axis", "edge_order"))
def gradient(f, *varargs, axis=None, edge_order=None):
    """The gradient of f by central differences inside and one-sided differences at the
    edges (first order, or second with edge_order=2), along each axis; spacings are
    scalars or coordinate arrays, one per axis (or one for all)."""
    if edge_order not in (None, 1, 2):
        raise ValueError(f"gradient: edge_order must be 1 or 2, got {edge_order}")
    a, *spacing = _inexact("gradient", f, *varargs)
    a = asarray(a)
    ndim = get_aval(a).ndim
    axes = canonical_axes("gradient", axis, ndim)
    if not axes:
        return []
    if min(get_aval(a).shape[ax] for ax in axes) < (edge_order or 1) + 1:
        raise ValueError("gradient: shape of array too small to calculate a numerical "
                         f"gradient, at least {(edge_order or 1) + 1} elements are required.")
    if not spacing:
        spacing = [1.0] * len(axes)
    elif len(spacing) == 1:
        spacing = spacing * len(axes)
    elif len(spacing) != len(axes):
        raise TypeError(f"gradient: invalid number of spacing arguments {len(spacing)} for "
                        f"axis={axis}")
    out = [_gradient_along(a, h, ax, edge_order == 2) for ax, h in zip(axes, spacing)]
    return out[0] if len(axes) == 1 else out


def _gradient_along(a, h, axis, second_order):
    """NumPy's formulas: for a scalar spacing h, and for coordinates (uneven steps)."""
    s = lambda x, i, j: _slice_axis(x, i, j, axis)  # noqa: E731
    n, ndim = get_aval(a).shape[axis], get_aval(a).ndim
    if np.ndim(h) == 0:
        inner = (s(a, 2, None) - s(a, None, -2)) / (2 * h)
        if second_order:
            first = (-1.5 * s(a, 0, 1) + 2 * s(a, 1, 2) - 0.5 * s(a, 2, 3)) / h
            last = (0.5 * s(a, -3, -2) - 2 * s(a, -2, -1) + 1.5 * s(a, -1, None)) / h
        else:
            first, last = (s(a, 1, 2) - s(a, 0, 1)) / h, (s(a, -1, None) - s(a, -2, -1)) / h
        return concatenate([first, inner, last], axis)
    if np.ndim(h) != 1:
        raise ValueError("gradient: spacing arrays must be 1D arrays or scalars.")
    if get_aval(h).shape[0] != n:
        raise ValueError("gradient: spacing arrays must have the same length as the "
                         "dimension along which the gradient is calculated.")
    h = diff(lax.reshape(asarray(h), (1,) * axis + (n,) + (1,) * (ndim - axis - 1)), axis=axis)
    dx1, dx2 = s(h, None, -1), s(h, 1, None)
    inner = (-dx2 / (dx1 * (dx1 + dx2)) * s(a, None, -2) + (dx2 - dx1) / (dx1 * dx2) *
             s(a, 1, -1) + dx1 / (dx2 * (dx1 + dx2)) * s(a, 2, None))
    if not second_order:
        first = (s(a, 1, 2) - s(a, 0, 1)) / s(h, 0, 1)
        last = (s(a, -1, None) - s(a, -2, -1)) / s(h, -1, None)
    else:
        d1, d2 = s(h, 0, 1), s(h, 1, 2)
        first = (-(2 * d1 + d2) / (d1 * (d1 + d2)) * s(a, 0, 1) + (d1 + d2) / (d1 * d2) *
                 s(a, 1, 2) - d1 / (d2 * (d1 + d2)) * s(a, 2, 3))
        d1, d2 = s(h, -2, -1), s(h, -1, None)
        last = (d2 / (d1 * (d1 + d2)) * s(a, -3, -2) - (d2 + d1) / (d1 * d2) * s(a, -2, -1) +
                (2 * d2 + d1) / (d2 * (d1 + d2)) * s(a, -1, None))
    return concatenate([first, inner, last], axis)


@eager(static_argnames="axis")
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of y along axis by the trapezoid rule, at sample points x (else evenly
    spaced by dx)."""
    if x is None:
        (y,) = _inexact("trapezoid", y)
        d = asarray(array_like(dx))
        if get_aval(d).ndim:  # (a dx per interval, broadcast against y)
            d = lax.reshape(d, (1,) * (get_aval(y).ndim - get_aval(d).ndim) + get_aval(d).shape)
            d = moveaxis(d, axis, -1)
    else:
        y, x = _inexact("trapezoid", y, x)
        d = diff(x) if get_aval(x).ndim == 1 else moveaxis(diff(x, axis=axis), axis, -1)
    y = moveaxis(asarray(y), axis, -1)
    if get_aval(d).ndim == 0 or get_aval(d).shape[-1] == 1:
        d = d if get_aval(d).ndim == 0 else lax.squeeze(_slice_axis(d, 0, 1, -1 % get_aval(d).ndim),
                                                        (get_aval(d).ndim - 1,))
        ends = _slice_axis(y, 0, 1, -1 % get_aval(y).ndim) + _slice_axis(y, -1, None, -1 % get_aval(y).ndim)
        return d * (sum_(y, axis=-1) - 0.5 * lax.squeeze(ends, (get_aval(y).ndim - 1,)))
    last = get_aval(y).ndim - 1
    return 0.5 * sum_(d * (_slice_axis(y, 1, None, last) + _slice_axis(y, None, -1, last)),
                      axis=-1)


@api_boundary
def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation of the points (xp, fp) (xp increasing) at x; below and
    above the range left / right (default fp's ends, or 'extrapolate'); with `period` the
    points repeat periodically."""
    for name, side in (("left", left), ("right", right)):
        if isinstance(side, str) and side != "extrapolate":
            raise ValueError(f"interp: the only valid string value of `{name}` is "
                             f"'extrapolate', but got: {side!r}")
    extrapolate = (isinstance(left, str), isinstance(right, str))
    return _interp(x, xp, fp, None if extrapolate[0] else left,
                   None if extrapolate[1] else right, period, extrapolate)


@eager(static_argnums=6)
def _interp(x, xp, fp, left, right, period, extrapolate):
    x, xp, fp = (array_like(v) for v in (x, xp, fp))
    if get_aval(xp).shape != get_aval(fp).shape or get_aval(xp).ndim != 1:
        raise ValueError("interp: xp and fp must be one-dimensional arrays of equal size")
    x, xp = _inexact("interp", x, xp)
    (fp,) = _inexact("interp", fp)
    if dtypes.kind(get_aval(x).dtype) == "c":
        raise ValueError("interp: complex x values not supported.")
    if period is not None:
        if np.ndim(period) != 0:
            raise ValueError(f"interp: period must be a scalar; got {period}")
        period = absolute(period)
        x, xp = mod(x, period), mod(xp, period)
        xp, fp = lax.sort([xp, fp], 0, num_keys=1)
        xp = concatenate([_slice_axis(xp, -1, None, 0) - period, xp, _slice_axis(xp, 0, 1, 0) + period])
        fp = concatenate([_slice_axis(fp, -1, None, 0), fp, _slice_axis(fp, 0, 1, 0)])
    n = get_aval(xp).shape[0]
    i = lax.clamp(np.int32(1), lax.convert_element_type(
        searchsorted(xp, x, side="right"), dtypes.int32), np.int32(n - 1))
    at = lambda v, k: take(v, k, mode="clip")  # noqa: E731
    df, dx = at(fp, i) - at(fp, i - 1), at(xp, i) - at(xp, i - 1)
    delta = x - at(xp, i - 1)
    eps = np.spacing(np.finfo(get_aval(xp).dtype).eps)
    flat = lax.le(absolute(dx), np.array(eps, get_aval(dx).dtype))  # (no NaN gradients there)
    f = _where(flat, at(fp, i - 1), at(fp, i - 1) + (delta / _where(flat, 1, dx)) * df)
    if period is None:
        if not extrapolate[0]:
            f = _where(lax.lt(x, at(xp, 0)), at(fp, 0) if left is None else left, f)
        if not extrapolate[1]:
            f = _where(lax.gt(x, at(xp, n - 1)), at(fp, n - 1) if right is None else right, f)
    return f


@eager(static_argnames="axis")
def unwrap(p, discont=None, axis=-1, period=2 * np.pi):
    """p with jumps larger than discont (default period / 2) between neighbours along axis
    replaced by their complement modulo period."""
    p, period = promote_args("unwrap", array_like(p), array_like(period))
    p = asarray(p)
    if dtypes.kind(get_aval(p).dtype) == "c":
        raise ValueError("unwrap does not support complex inputs.")
    axis = canonical_axis("unwrap", axis, get_aval(p).ndim)
    if get_aval(p).shape[axis] == 0:
        return p
    integer = dtypes.kind(get_aval(p).dtype) in "iu"
    interval = period // 2 if integer else period / 2
    discont = interval if discont is None else discont
    dd = diff(p, axis=axis)
    ddmod = mod(dd + interval, period) - interval
    ddmod = _where(lax.bitwise_and(equal(ddmod, -interval), lax.gt(dd, np.zeros((), get_aval(dd).dtype))),
                   interval, ddmod)
    correct = _where(lax.lt(absolute(dd), discont), 0, ddmod - dd)
    return concatenate([_slice_axis(p, 0, 1, axis),
                        _slice_axis(p, 1, None, axis) + cumsum(correct, axis=axis)], axis)


# bit packing -----------------------------------------------------------------------------

def _bitorder(op, bitorder):
    if bitorder not in ("little", "big"):
        raise ValueError(f"{op}: 'bitorder' must be either 'little' or 'big', got {bitorder!r}")
    bits = np.arange(8, dtype=np.uint8)
    return bits[::-1].copy() if bitorder == "big" else bits


@eager(static_argnames=("axis", "bitorder"))
def packbits(a, axis=None, bitorder="big"):
    """The elements of a, as bits (nonzero: 1), packed eight to a uint8 along axis (the
    flattened array if None), padded with zeros."""
    a, aval = _arr("packbits", a)
    if dtypes.kind(aval.dtype) not in "biu":
        raise TypeError("packbits: expected an input array of integer or boolean data type")
    bits = _bitorder("packbits", bitorder)
    x = lax.convert_element_type(lax.ne(a, np.zeros((), aval.dtype)), dtypes.uint8)
    if axis is None:
        x, axis = ravel(x), 0
    x = swapaxes(x, axis, -1)
    shape = get_aval(x).shape
    if shape[-1] % 8:
        x = lax.pad(x, np.uint8(0), [(0, 0, 0)] * (len(shape) - 1) + [(0, 8 - shape[-1] % 8, 0)])
    x = lax.reshape(x, shape[:-1] + (get_aval(x).shape[-1] // 8, 8))
    packed = lax.reduce_sum(lax.shift_left(x, broadcast_to_shape(bits, get_aval(x).shape)),
                            (len(shape),))
    return swapaxes(lax.convert_element_type(packed, dtypes.uint8), axis, -1)


@eager(static_argnames=("axis", "count", "bitorder"))
def unpackbits(a, axis=None, count=None, bitorder="big"):
    """The bits of the uint8 array a along axis (the flattened array if None), as uint8
    zeros and ones; `count` keeps that many (padding with zeros if more)."""
    a, aval = _arr("unpackbits", a)
    if aval.dtype != dtypes.uint8:
        raise TypeError("unpackbits: expected an input array of unsigned byte data type")
    bits = lax.shift_left(np.ones(8, np.uint8), _bitorder("unpackbits", bitorder))
    if axis is None:
        a, axis = ravel(a), 0
    x = swapaxes(a, axis, -1)
    shape = get_aval(x).shape
    x = lax.broadcast_in_dim(x, shape + (8,), tuple(range(len(shape))))
    out = lax.convert_element_type(lax.ne(lax.bitwise_and(x, broadcast_to_shape(bits, shape + (8,))),
                                          np.uint8(0)), dtypes.uint8)
    out = lax.reshape(out, shape[:-1] + (shape[-1] * 8,))
    if count is not None:
        n = shape[-1] * 8
        out = lax.pad(out, np.uint8(0), [(0, 0, 0)] * (len(shape) - 1) + [(0, count - n, 0)]) \
            if count > n else _slice_axis(out, None, count, len(shape) - 1)
    return swapaxes(out, axis, -1)


# sorting helpers -------------------------------------------------------------------------

@eager(static_argnames="axis")
def lexsort(keys, axis=-1):
    """The indices that sort by the last key, then the one before ... (a stable sort)."""
    keys = [array_like(k) for k in keys]
    if not keys:
        raise TypeError("lexsort: need sequence of keys with len > 0")
    shapes = {aval_or_error("lexsort", k).shape for k in keys}
    if len(shapes) > 1:
        raise ValueError("lexsort: all keys need to be the same shape")
    shape = shapes.pop()
    if not shape:
        return asarray(np.zeros((), dtypes.default_int()))
    axis = canonical_axis("lexsort", axis, len(shape))
    iota = lax.broadcasted_iota(dtypes.default_int(), shape, axis)
    return lax.sort([asarray(k) for k in keys[::-1]] + [iota], axis, num_keys=len(keys))[-1]


@eager(static_argnames=("kth", "axis"))
def partition(a, kth, axis=-1):
    """a partially sorted along axis: the kth element in its sorted place, no larger ones
    before it nor smaller ones after. (A full sort is one such result, and the one given.)"""
    a, aval = _arr("partition", a)
    axis = canonical_axis("partition", axis, aval.ndim)
    kth = operator.index(kth)
    if not -aval.shape[axis] <= kth < aval.shape[axis]:
        raise ValueError(f"partition: kth={kth} is out of bounds for axis {axis} of size "
                         f"{aval.shape[axis]}")
    return sort(a, axis=axis)


@eager
def sort_complex(a):
    """a sorted along its last axis (real part first, then imaginary) as a complex array."""
    a, aval = _arr("sort_complex", a)
    out = lax.sort(a, aval.ndim - 1) if aval.ndim else asarray(a)
    dtype = aval.dtype
    target = dtype if dtypes.kind(dtype) == "c" else \
        dtypes.canonicalize(np.complex128 if dtypes.to_inexact(dtype) == dtypes.float64
                            else np.complex64)
    return lax.convert_element_type(out, target)


# vector products ------------------------------------------------------------------------

@eager(static_argnames=("axisa", "axisb", "axisc", "axis"))
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of (arrays of) 2- or 3-vectors along axisa / axisb (or `axis`),
    the rest broadcast; 2-vectors give the z component (a scalar per pair)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = promote_dtypes("cross", array_like(a), array_like(b))[0]
    a, b = moveaxis(asarray(a), axisa, -1), moveaxis(asarray(b), axisb, -1)
    na, nb = get_aval(a).shape[-1], get_aval(b).shape[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"cross: dimension must be either 2 or 3 for cross product, got "
                         f"{na} and {nb}")
    part = lambda x, i: lax.squeeze(_slice_axis(x, i, i + 1, get_aval(x).ndim - 1),  # noqa: E731
                                    (get_aval(x).ndim - 1,))
    a0, a1, b0, b1 = part(a, 0), part(a, 1), part(b, 0), part(b, 1)
    if na == 2 and nb == 2:
        return a0 * b1 - a1 * b0
    a2 = part(a, 2) if na == 3 else a0 * 0
    b2 = part(b, 2) if nb == 3 else b0 * 0
    c = [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0]
    shape = broadcast_shapes("cross", *[get_aval(v).shape for v in c])
    c = lax.concatenate([lax.expand_dims(broadcast_to_shape(v, shape), (0,)) for v in c], 0)
    return moveaxis(c, 0, axisc)


@eager
def matvec(x1, x2, /):
    """The matrix-vector product over the last two axes of x1 and the last of x2, other
    axes broadcast."""
    x2 = asarray(array_like(x2))
    if get_aval(x2).ndim == 0 or aval_or_error("matvec", array_like(x1)).ndim < 2:
        raise ValueError("matvec: x1 needs at least two dimensions and x2 at least one")
    out = matmul(x1, expand_dims(x2, -1))
    return lax.squeeze(out, (get_aval(out).ndim - 1,))


@eager
def vecmat(x1, x2, /):
    """The conjugate vector-matrix product over the last axis of x1 and the last two of x2,
    other axes broadcast."""
    x1 = asarray(array_like(x1))
    if get_aval(x1).ndim == 0 or aval_or_error("vecmat", array_like(x2)).ndim < 2:
        raise ValueError("vecmat: x1 needs at least one dimension and x2 at least two")
    out = matmul(expand_dims(conj(x1), -2), x2)
    return lax.squeeze(out, (get_aval(out).ndim - 2,))


@eager
def array_equiv(a1, a2):
    """Whether a1 and a2 are equal after broadcasting (False if they do not broadcast)."""
    a1, a2 = asarray(array_like(a1)), asarray(array_like(a2))
    try:
        broadcast_shapes("array_equiv", get_aval(a1).shape, get_aval(a2).shape)
    except ValueError:
        return asarray(False)
    return all_(equal(a1, a2))


@eager(static_argnames=("axis", "precision", "preferred_element_type"))
def vecdot(x1, x2, /, *, axis=-1, precision=None, preferred_element_type=None):
    """The conjugate dot product sum(conj(x1) * x2) along `axis` (of the same size in both),
    the other dimensions broadcast."""
    (x1, x2), _ = promote_dtypes("vecdot", array_like(x1), array_like(x2))
    a1, a2 = get_aval(x1), get_aval(x2)
    ax1, ax2 = canonical_axis("vecdot", axis, a1.ndim), canonical_axis("vecdot", axis, a2.ndim)
    if a1.shape[ax1] != a2.shape[ax2]:
        raise ValueError(f"vecdot: axes must have the same size, got shapes {a1.shape} and "
                         f"{a2.shape} with axis={axis}")
    x1, x2 = moveaxis(conj(x1), ax1, -1), moveaxis(x2, ax2, -1)
    batch = np.broadcast_shapes(get_aval(x1).shape[:-1], get_aval(x2).shape[:-1])
    n = a1.shape[ax1]
    x1, x2 = broadcast_to_shape(x1, batch + (n,)), broadcast_to_shape(x2, batch + (n,))
    dims = tuple(range(len(batch)))
    return lax.dot_general(x1, x2, (((len(batch),), (len(batch),)), (dims, dims)), precision,
                           preferred_element_type)
