"""Shape manipulation, joining and splitting, padding, selection (where, clip, choose,
diagonal), sorting and searching, and the matrix products (dot, matmul, tensordot, ...)."""
import operator

import numpy as np

from .. import dtypes, lax
from ..core import Tracer, concrete_or_error, concrete_shape, get_aval
from ..dispatch import eager
from ..errors import ConcretizationTypeError
from ..lax.base import is_array_value
from ._ufuncs import conj, maximum, minimum, multiply
from ._util import (array_like, asarray, aval_or_error, broadcast_shapes, broadcast_to_shape,
                    canonical_axes, canonical_axis, named, promote_args, promote_dtypes,
                    scalar_of)

__all__ = ["argpartition", "argsort", "array_split", "atleast_1d", "atleast_2d", "atleast_3d",
           "broadcast_arrays", "broadcast_to", "choose", "clip", "column_stack", "concat",
           "concatenate", "diagonal", "dot", "dstack", "expand_dims", "flip", "fliplr",
           "flipud", "hstack", "inner", "matmul", "matrix_transpose", "moveaxis", "ndim",
           "outer", "pad", "permute_dims", "ravel", "repeat", "reshape", "roll", "row_stack",
           "searchsorted", "select", "shape", "size", "sort", "split", "squeeze", "stack",
           "swapaxes", "tensordot", "tile", "transpose", "tri", "tril", "triu", "vdot",
           "vstack", "where"]


def _arr(op, a):
    if isinstance(a, (list, tuple)):
        a = asarray(a)
    return a, aval_or_error(op, a)


def _order(op, order, k_is_value_error=False):
    """JAX's `order` rules: 'C' (rows first) and 'F' (columns first) are implemented, 'A' is
    not (nor 'K' for ravel: NotImplementedError); anything else is a ValueError."""
    if isinstance(order, str) and order in ("C", "F"):
        return order
    if isinstance(order, str) and (order == "A" or (order == "K" and not k_is_value_error)):
        raise NotImplementedError(f"{op}: order={order!r} is not implemented (as in JAX); use "
                                  f"order='C' or order='F'")
    raise ValueError(f"{op}: unexpected value for order: {order!r}; use 'C' or 'F'")


def _no_sharding(op, out_sharding):
    if out_sharding is not None:
        raise NotImplementedError(f"{op}: out_sharding is not supported yet (sharded arrays "
                                  f"come later); got {out_sharding!r}")


@eager(static_argnames=("shape", "order", "copy", "out_sharding"))
def reshape(a, shape, order="C", *, copy=None, out_sharding=None):
    """`a` with a new shape; one entry may be -1. order='F' reads and writes the elements
    with the first index changing fastest."""
    order = _order("reshape", order, k_is_value_error=True)
    _no_sharding("reshape", out_sharding)
    a, aval = _arr("reshape", a)
    if isinstance(shape, int) or not np.iterable(shape):
        shape = (shape,)
    dims = [operator.index(concrete_or_error(d, "shape")) for d in shape]
    if dims.count(-1) > 1:
        raise ValueError(f"reshape: can only specify one unknown dimension, got {tuple(dims)}")
    if -1 in dims:
        known = int(np.prod([d for d in dims if d != -1]))
        if known == 0 or aval.size % known:
            raise TypeError(f"reshape: cannot reshape array of shape {aval.shape} (size "
                            f"{aval.size}) into shape {tuple(dims)}")
        dims[dims.index(-1)] = aval.size // known
    if order == "C":
        return lax.reshape(a, tuple(dims))
    # Fortran order is C order on the reversed axes: transpose, reshape to the reversed
    # shape, transpose back.
    a = lax.transpose(a, tuple(reversed(range(aval.ndim))))
    out = lax.reshape(a, tuple(reversed(dims)))
    return lax.transpose(out, tuple(reversed(range(len(dims)))))


@eager(static_argnames=("order", "out_sharding"))
def ravel(a, order="C", *, out_sharding=None):
    """`a` flattened, in row-major (order='C') or column-major (order='F') order."""
    order = _order("ravel", order)
    _no_sharding("ravel", out_sharding)
    a, aval = _arr("ravel", a)
    if order == "F":
        a = lax.transpose(a, tuple(reversed(range(aval.ndim))))
    return lax.reshape(a, (aval.size,))


@eager(static_argnames="axes")
def transpose(a, axes=None):
    a, aval = _arr("transpose", a)
    axes = tuple(range(aval.ndim))[::-1] if axes is None else canonical_axes("transpose", axes, aval.ndim)
    if len(axes) != aval.ndim:
        raise ValueError(f"transpose: axes {axes} don't match array of shape {aval.shape}")
    return lax.transpose(a, axes)


permute_dims = transpose


@eager
def matrix_transpose(x):
    x, aval = _arr("matrix_transpose", x)
    if aval.ndim < 2:
        raise ValueError(f"matrix_transpose: x must be at least 2-dimensional, got shape {aval.shape}")
    perm = list(range(aval.ndim))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    return lax.transpose(x, tuple(perm))


@eager(static_argnames=("axis1", "axis2"))
def swapaxes(a, axis1, axis2):
    a, aval = _arr("swapaxes", a)
    perm = list(range(aval.ndim))
    i, j = canonical_axis("swapaxes", axis1, aval.ndim), canonical_axis("swapaxes", axis2, aval.ndim)
    perm[i], perm[j] = perm[j], perm[i]
    return lax.transpose(a, tuple(perm))


@eager(static_argnames=("source", "destination"))
def moveaxis(a, source, destination):
    a, aval = _arr("moveaxis", a)
    src = canonical_axes("moveaxis", source if isinstance(source, (tuple, list)) else (source,), aval.ndim)
    dst = canonical_axes("moveaxis", destination if isinstance(destination, (tuple, list)) else (destination,), aval.ndim)
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination must have the same number of axes")
    order = [i for i in range(aval.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return lax.transpose(a, tuple(order))


@eager(static_argnames="axis")
def expand_dims(a, axis):
    a, aval = _arr("expand_dims", a)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    return lax.expand_dims(a, tuple(axes))


@eager(static_argnames="axis")
def squeeze(a, axis=None):
    a, aval = _arr("squeeze", a)
    if axis is None:
        axes = tuple(i for i, n in enumerate(aval.shape) if n == 1)
    else:
        axes = canonical_axes("squeeze", axis, aval.ndim)
    return lax.squeeze(a, axes)


@eager(static_argnames="shape")
def broadcast_to(array, shape):
    array, aval = _arr("broadcast_to", array)
    shape = concrete_shape(shape, "broadcast_to")
    if broadcast_shapes("broadcast_to", aval.shape, shape) != shape:
        raise ValueError(f"broadcast_to: cannot broadcast array of shape {aval.shape} to {shape}")
    return broadcast_to_shape(array, shape)


@eager
def broadcast_arrays(*args):
    args = [_arr("broadcast_arrays", a)[0] for a in args]
    shape = broadcast_shapes("broadcast_arrays", *[get_aval(a).shape for a in args])
    return [broadcast_to_shape(a, shape) for a in args]


def _atleast(n, name):
    def fn(*arys):
        outs = []
        for a in arys:
            a, aval = _arr(name, a)
            if aval.ndim < n:
                shape = {1: {0: (1,)}, 2: {0: (1, 1), 1: (1,) + aval.shape},
                         3: {0: (1, 1, 1), 1: (1,) + aval.shape + (1,), 2: aval.shape + (1,)}}[n][aval.ndim]
                a = lax.reshape(a, shape)
            outs.append(asarray(a))
        return outs[0] if len(outs) == 1 else outs
    return eager(named(name)(fn))


atleast_1d, atleast_2d, atleast_3d = (_atleast(n, f"atleast_{n}d") for n in (1, 2, 3))


# joining and splitting --------------------------------------------------------------------

@eager(static_argnames=("axis", "dtype"))
def concatenate(arrays, axis=0, dtype=None):
    """Joins arrays along an existing axis (all axes flattened if axis is None)."""
    if isinstance(arrays, (np.ndarray,)) or hasattr(arrays, "aval"):
        arrays = list(arrays)
    arrays = [_arr("concatenate", a)[0] for a in arrays]
    if not arrays:
        raise ValueError("concatenate: need at least one array to concatenate")
    if axis is None:
        arrays = [ravel(a) for a in arrays]
        axis = 0
    arrays, dtype_ = promote_dtypes("concatenate", *arrays)
    if dtype is not None:
        arrays = [lax.convert_element_type(a, dtype) for a in arrays]
    ndims = {get_aval(a).ndim for a in arrays}
    if len(ndims) > 1 or 0 in ndims:
        raise ValueError(f"concatenate: all input arrays must have the same number of "
                         f"dimensions (at least 1), got shapes {[get_aval(a).shape for a in arrays]}")
    return lax.concatenate(arrays, axis)


concat = concatenate


@eager(static_argnames=("axis", "dtype"))
def stack(arrays, axis=0, dtype=None):
    """Joins arrays along a new axis."""
    arrays = [_arr("stack", a)[0] for a in arrays]
    if not arrays:
        raise ValueError("stack: need at least one array to stack")
    shapes = {get_aval(a).shape for a in arrays}
    if len(shapes) > 1:
        raise ValueError(f"stack: all input arrays must have the same shape, got {sorted(shapes)}")
    ndim = get_aval(arrays[0]).ndim + 1
    axis = canonical_axis("stack", axis, ndim)
    return concatenate([lax.expand_dims(a, (axis,)) for a in arrays], axis, dtype)


@eager
def hstack(tup):
    arrays = atleast_1d(*tup) if len(tup) > 1 else [atleast_1d(*tup)]
    return concatenate(arrays, 0 if get_aval(arrays[0]).ndim == 1 else 1)


@eager
def vstack(tup):
    arrays = atleast_2d(*tup) if len(tup) > 1 else [atleast_2d(*tup)]
    return concatenate(arrays, 0)


row_stack = vstack


@eager
def dstack(tup):
    arrays = atleast_3d(*tup) if len(tup) > 1 else [atleast_3d(*tup)]
    return concatenate(arrays, 2)


@eager
def column_stack(tup):
    arrays = []
    for a in tup:
        a, aval = _arr("column_stack", a)
        arrays.append(lax.reshape(a, (aval.size, 1)) if aval.ndim < 2 else a)
    return concatenate(arrays, 1)


def _concrete_tree(value, what):
    """value (a scalar, an array or nested lists and tuples of them) with every traced
    value replaced by its concrete value, or a ConcretizationTypeError naming `what`."""
    if isinstance(value, (list, tuple)):
        return type(value)(_concrete_tree(v, what) for v in value)
    return concrete_or_error(value, what)


def _split_bounds(op, n, axis, indices_or_sections, equal):
    """The boundaries [0, ..., n] of the pieces along an axis of size n: from a number of
    sections (equal pieces for split, sizes differing by at most one for array_split), or
    from sorted indices within the axis. NumPy also takes negative and past-the-end
    indices; JAX rejects them, and so do we (with the reason)."""
    spec = np.asarray(_concrete_tree(indices_or_sections, f"{op} indices_or_sections"))
    if spec.dtype.kind not in "iu" and spec.size:
        raise TypeError(f"{op}: indices_or_sections must be an integer or a sequence of "
                        f"integers, got {indices_or_sections!r}")
    if spec.ndim == 0:
        sections = int(spec)
        if sections <= 0:
            raise ValueError(f"{op}: the number of sections must be positive, got {sections}")
        if equal and n % sections:
            raise ValueError(f"{op}: array split does not result in an equal division: axis "
                             f"{axis} of size {n} into {sections} sections")
        size, extra = divmod(n, sections)
        return [0] + np.cumsum([size + 1] * extra + [size] * (sections - extra)).tolist()
    if spec.ndim != 1:
        raise TypeError(f"{op}: indices_or_sections must be an integer or a 1-D sequence of "
                        f"integers, got an array of shape {spec.shape}")
    bounds = [0, *spec.astype(np.int64).tolist(), n]
    if any(hi < lo for lo, hi in zip(bounds[:-1], bounds[1:])):
        raise ValueError(f"{op}: split indices must be non-decreasing and within [0, {n}] "
                         f"(axis {axis} has size {n}), as in JAX; got {tuple(bounds[1:-1])}. "
                         f"Negative or past-the-end indices, which NumPy accepts, are not "
                         f"supported")
    return bounds


def _split(op, ary, indices_or_sections, axis, equal):
    ary, aval = _arr(op, ary)
    axis = canonical_axis(op, axis, aval.ndim)
    bounds = _split_bounds(op, aval.shape[axis], axis, indices_or_sections, equal)
    return _split_at(ary, aval, axis, bounds)


@eager(static_argnames=("indices_or_sections", "axis"))
def split(ary, indices_or_sections, axis=0):
    """Splits into equal sections, or at the given sorted indices, along `axis`."""
    return _split("split", ary, indices_or_sections, axis, equal=True)


def _split_at(ary, aval, axis, bounds):
    outs = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        start = [0] * aval.ndim
        limit = list(aval.shape)
        start[axis], limit[axis] = lo, hi
        outs.append(lax.slice(ary, start, limit))
    return outs


@eager(static_argnames=("indices_or_sections", "axis"))
def array_split(ary, indices_or_sections, axis=0):
    """Like split, but a number of sections need not divide the axis: the first pieces get
    one element more."""
    return _split("array_split", ary, indices_or_sections, axis, equal=False)


@eager(static_argnames="axis")
def flip(m, axis=None):
    m, aval = _arr("flip", m)
    return lax.rev(m, canonical_axes("flip", axis, aval.ndim))


@eager
def fliplr(m):
    return flip(m, 1)


@eager
def flipud(m):
    return flip(m, 0)


def _host_value(x):
    """x (an array or scalar) as a NumPy array when its value is known here (host values,
    Arrays, traced values whose transformation knows them), else None."""
    if isinstance(x, Tracer):
        value = x.concrete_value()
        return None if value is None else np.asarray(value)
    return np.asarray(x)


def _int_array(op, name, x):
    """x as an integer array (host or traced), or TypeError."""
    x = array_like(x)
    if dtypes.kind(aval_or_error(op, x).dtype) not in "iu":
        raise TypeError(f"{op}: {name} must be integers, got {get_aval(x).str_short()}")
    return x


@eager(static_argnames=("shift", "axis"))
def roll(a, shift, axis=None):
    """Elements shifted cyclically by `shift` along `axis` (the flattened array if None).
    shift and axis broadcast against each other; a traced shift (under jit) rolls with one
    dynamic slice per axis."""
    a, aval = _arr("roll", a)
    a = asarray(a)  # (an Array even where nothing moves)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), aval.shape)
    shift = array_like(shift)
    if dtypes.kind(aval_or_error("roll", shift).dtype) == "f":  # truncated, as JAX does
        shift = lax.convert_element_type(shift, dtypes.int32)
    shift = _int_array("roll", "shift", shift)
    shift_aval, axes = get_aval(shift), np.asarray(axis)
    if shift_aval.ndim > 1 or axes.ndim > 1:
        raise ValueError("roll: shift and axis must be scalars or 1-D sequences")
    count = broadcast_shapes("roll", shift_aval.shape, axes.shape)
    axes = np.broadcast_to(axes, count).tolist() if count else [int(axes)]
    host = _host_value(shift)
    for i, ax in enumerate(axes):
        ax = canonical_axis("roll", ax, aval.ndim)
        n = aval.shape[ax]
        if n == 0:
            continue
        if host is not None:
            s = int(host.reshape(-1)[i if host.size > 1 else 0]) % n
            if s:
                head, tail = _split_at(a, get_aval(a), ax, [0, n - s, n])
                a = lax.concatenate([tail, head], ax)
            continue
        k = i if shift_aval.ndim and shift_aval.shape[0] > 1 else 0
        s = shift if shift_aval.ndim == 0 else lax.reshape(lax.slice(shift, (k,), (k + 1,)), ())
        a = _roll_dynamic(a, s, ax, n)
    return a


def _roll_dynamic(a, s, axis, n):
    """a rolled by a traced shift s: the window of length n of [a, a] starting at n - s mod n."""
    n_ = np.array(n, get_aval(s).dtype)
    start = lax.sub(n_, lax.rem(lax.add(lax.rem(s, n_), n_), n_))
    doubled = lax.concatenate([a, a], axis)
    starts = [np.zeros((), get_aval(s).dtype)] * get_aval(a).ndim
    starts[axis] = start
    return lax.dynamic_slice(doubled, starts, get_aval(a).shape)


@eager(static_argnames="reps")
def tile(A, reps):
    A, aval = _arr("tile", A)
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    ndim = max(len(reps), aval.ndim)
    reps = (1,) * (ndim - len(reps)) + reps
    shape = (1,) * (ndim - aval.ndim) + aval.shape
    A = lax.reshape(A, shape)
    expanded = tuple(d for pair in zip(reps, shape) for d in pair)
    dims = tuple(range(1, 2 * ndim, 2))
    tiled = lax.broadcast_in_dim(A, expanded, dims)
    return lax.reshape(tiled, tuple(r * s for r, s in zip(reps, shape)))


def take_along(a, indices, axis):
    """a's slices at `indices` (a 1-D integer vector, host or traced, in bounds) along axis."""
    aval = get_aval(a)
    indices = array_like(indices)
    m = get_aval(indices).shape[0]
    dnums = lax.GatherDimensionNumbers(
        offset_dims=tuple(d for d in range(aval.ndim) if d != axis),
        collapsed_slice_dims=(axis,), start_index_map=(axis,))
    sizes = tuple(1 if d == axis else n for d, n in enumerate(aval.shape))
    return lax.gather(a, lax.reshape(indices, (m, 1)), dnums, sizes, mode="clip")


@eager(static_argnames=("repeats", "axis", "total_repeat_length", "out_sharding"))
def repeat(a, repeats, axis=None, *, total_repeat_length=None, out_sharding=None):
    """Each element repeated `repeats` times along `axis` (the flattened array if None):
    `repeats` is an integer or one integer per element. With `total_repeat_length` the
    result has that length (as in JAX: cut short, or filled up with the last element), which
    lets a traced `repeats` work under jit."""
    _no_sharding("repeat", out_sharding)
    a, aval = _arr("repeat", a)
    if axis is None:
        a = ravel(a)
        aval, axis = get_aval(a), 0
    axis = canonical_axis("repeat", axis, aval.ndim)
    n = aval.shape[axis]
    total = total_repeat_length
    if total is not None:
        total = operator.index(concrete_or_error(total, "total_repeat_length"))
        if total < 0:
            raise ValueError(f"repeat: total_repeat_length must be non-negative, got {total}")
    repeats = _int_array("repeat", "repeats", repeats)
    r_shape = get_aval(repeats).shape
    if len(r_shape) > 1 or len(r_shape) == 1 and r_shape[0] not in (1, n):
        raise ValueError(f"repeat: repeats must be a scalar or have one entry per element "
                         f"({n} along axis {axis}), got shape {r_shape}")
    host = _host_value(repeats)
    if host is None:
        if total is None:
            raise ConcretizationTypeError(
                f"repeat: `repeats` is traced ({get_aval(repeats).str_short()}), so the length "
                f"of the result is not known while tracing; pass a static "
                f"total_repeat_length, or a concrete `repeats`")
        if n == 0:
            return _repeat_fit(a, aval, axis, n, np.zeros(0, np.int32), total)
        return take_along(a, _traced_repeat_indices(repeats, n, total), axis)
    if (host < 0).any():
        raise ValueError(f"repeat: repeats must be non-negative, got {host.tolist()}")
    if host.size == 1:  # every element the same number of times: one broadcast
        r = int(host.reshape(()))
        shape = aval.shape[:axis + 1] + (r,) + aval.shape[axis + 1:]
        dims = tuple(i if i <= axis else i + 1 for i in range(aval.ndim))
        out = lax.reshape(lax.broadcast_in_dim(a, shape, dims),
                          aval.shape[:axis] + (n * r,) + aval.shape[axis + 1:])
        if total is None or total == n * r:
            return out
    indices = np.repeat(np.arange(n, dtype=np.int32), np.broadcast_to(host, (n,)))
    return _repeat_fit(a, aval, axis, n, indices, total)


def _repeat_fit(a, aval, axis, n, indices, total):
    """a gathered at host `indices` along axis, cut or filled with the last element to total."""
    if total is not None and total != len(indices):
        if total > len(indices) and n == 0:
            raise ValueError(f"repeat: cannot fill total_repeat_length={total} from an empty "
                             f"axis")
        indices = np.concatenate([indices, np.full(max(total - len(indices), 0), n - 1,
                                                   np.int32)])[:total]
    if len(indices) == 0:
        return lax.slice_in_dim(a, 0, 0, 1, axis)
    return take_along(a, indices, axis)


def _traced_repeat_indices(repeats, n, total):
    """For traced repeats: the source index of each of the `total` output positions (JAX's
    method: mark where each element's run starts, then a cumulative sum)."""
    idx = dtypes.int32
    repeats = broadcast_to_shape(lax.convert_element_type(repeats, idx), (n,))
    before = lax.concatenate([np.zeros(1, idx), lax.slice(repeats, (0,), (n - 1,))], 0)
    starts = lax.cumsum(before, 0)  # where each element's run starts
    dnums = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                        scatter_dims_to_operand_dims=(0,))
    marks = lax.scatter_add(lax.broadcast_in_dim(np.zeros((), idx), (total,), ()),
                            lax.reshape(starts, (n, 1)),
                            lax.broadcast_in_dim(np.ones((), idx), (n,), ()), dnums, mode="drop")
    return lax.sub(lax.cumsum(marks, 0), np.ones((), idx))


# pad --------------------------------------------------------------------------------------

# The keyword arguments each mode takes (all others are an error, as in JAX).
_PAD_KWARGS = {"constant": ("constant_values",), "empty": (), "edge": (), "wrap": (),
               "linear_ramp": ("end_values",), "maximum": ("stat_length",),
               "mean": ("stat_length",), "median": ("stat_length",),
               "minimum": ("stat_length",), "reflect": ("reflect_type",),
               "symmetric": ("reflect_type",)}


def _pad_pairs(name, value, ndim):
    """NumPy's forms of a per-axis (before, after) integer argument (n, (n,), (before,
    after), ((before, after),) or one pair per axis) as ndim pairs of Python ints."""
    try:
        host = np.asarray(_concrete_tree(value, f"pad {name}"))
    except ValueError:
        raise TypeError(f"pad: `{name}` entries must be the same shape: {value!r}") from None
    if host.dtype.kind not in "iu":
        raise TypeError(f"pad: `{name}` must be of integral type, got {value!r}")
    if host.shape not in ((ndim, 2), (1, 2), (2,), (1,), ()):
        raise ValueError(f"pad: `{name}` with shape {host.shape} does not fit an array of "
                         f"{ndim} dimensions; use an int, (before, after), ((before, after),) "
                         f"or one pair per axis (shape ({ndim}, 2))")
    pairs = np.broadcast_to(host.reshape(-1, 2) if host.shape[-1:] == (2,) else
                            host.reshape(1, 1), (ndim, 2))
    return tuple((int(lo), int(hi)) for lo, hi in pairs)


def _pad_values(name, values, ndim):
    """constant_values / end_values: a scalar, or an (ndim, 2) array of per-axis (before,
    after) values (host values stay on the host)."""
    values = array_like(values)
    shape = aval_or_error("pad", values).shape
    host = not is_array_value(values)
    if shape in ((), (1,), (1, 1)):
        return np.asarray(values).reshape(()) if host else lax.reshape(values, ())
    if shape not in ((2,), (1, 2), (ndim, 1), (ndim, 2)):
        raise ValueError(f"pad: {name} has unsupported shape {shape}: use a scalar, (before, "
                         f"after), ((before, after),) or one pair per axis (shape ({ndim}, 2))")
    if host:
        return np.broadcast_to(np.reshape(values, (-1, 2)) if shape == (2,) else values,
                               (ndim, 2))
    return broadcast_to_shape(lax.reshape(values, (1, 2)) if shape == (2,) else values, (ndim, 2))


def _pick(values, axis, side, dtype):
    """The scalar of `values` (from _pad_values) for one axis and side, as dtype."""
    if get_aval(values).shape:
        values = values[axis, side] if isinstance(values, np.ndarray) else lax.reshape(
            lax.slice(values, (axis, side), (axis + 1, side + 1)), ())
    return scalar_of(values, dtype)


def _hashable(values):
    """Host values from _pad_values as a scalar or nested tuples (static arguments must
    hash); Arrays and traced values unchanged."""
    if is_array_value(values):
        return values
    return values.item() if values.ndim == 0 else tuple(map(tuple, values.tolist()))


def pad(array, pad_width, mode="constant", **kwargs):
    """Pads `array` by pad_width[axis] = (before, after) elements per axis (NumPy's forms:
    an int, (before, after), ((before, after),) or one pair per axis).

    mode: 'constant' (constant_values: a scalar or per axis and side), 'empty' (zeros), 'edge',
    'wrap', 'reflect' and 'symmetric' (reflect_type 'even' or 'odd'), 'linear_ramp'
    (end_values), 'maximum', 'minimum', 'mean', 'median' (stat_length: how many edge
    elements the statistic sees), or a callable `f(vector, (before, after), axis, kwargs)`
    returning the padded 1-D vector (JAX's form of NumPy's protocol: the vector comes
    zero-padded, and f returns the new vector instead of writing into it).
    """
    array = asarray(array_like(array))  # (an Array even where nothing is padded)
    aval = get_aval(array)
    widths = _pad_pairs("pad_width", pad_width, aval.ndim)
    if any(w < 0 for pair in widths for w in pair):
        raise ValueError(f"pad: pad widths must be non-negative, got {widths}")
    if callable(mode):
        return _pad_func(array, widths, mode, kwargs)
    if not isinstance(mode, str) or mode not in _PAD_KWARGS:
        raise NotImplementedError(f"pad: unimplemented padding mode {mode!r}; the modes are "
                                  f"{', '.join(_PAD_KWARGS)}, or a callable")
    unsupported = sorted(set(kwargs) - set(_PAD_KWARGS[mode]))
    if unsupported:
        raise ValueError(f"pad: unsupported keyword arguments for mode {mode!r}: {unsupported}")
    stat_length = kwargs.get("stat_length")
    if stat_length is not None:
        stat_length = _pad_pairs("stat_length", stat_length, aval.ndim)
        if any(n <= 0 for pair in stat_length for n in pair):
            raise ValueError(f"pad: stat_length must be positive (a length of 0 yields no "
                             f"value for padding), got {stat_length}")
    reflect_type = kwargs.get("reflect_type", "even")
    if reflect_type not in ("even", "odd"):
        raise ValueError(f"pad: reflect_type must be 'even' or 'odd', got {reflect_type!r}")
    constant_values = _pad_values("constant_values", kwargs.get("constant_values", 0), aval.ndim)
    end_values = _pad_values("end_values", kwargs.get("end_values", 0), aval.ndim)
    return _pad(array, widths, mode, _hashable(constant_values), stat_length,
                _hashable(end_values), reflect_type)


@eager(static_argnames=("pad_width", "mode", "constant_values", "stat_length", "end_values",
                        "reflect_type"))
def _pad(array, pad_width, mode, constant_values, stat_length, end_values, reflect_type):
    aval = get_aval(array)
    if aval.ndim == 0:
        return array
    for axis, (lo, hi) in enumerate(pad_width):
        if aval.shape[axis] == 0 and (lo or hi) and mode not in ("constant", "empty"):
            raise ValueError(f"pad: cannot apply {mode!r} padding to the empty axis {axis} of "
                             f"an array of shape {aval.shape}")
    if mode in ("constant", "empty"):  # ('empty' pads with zeros, as in JAX)
        values = _array_values(constant_values if mode == "constant" else 0)
        if not get_aval(values).shape:
            return lax.pad(array, scalar_of(values, aval.dtype),
                           [(lo, hi, 0) for lo, hi in pad_width])
        for axis, (lo, hi) in enumerate(pad_width):  # a value per axis and side
            for side, width in enumerate((lo, hi)):
                if width:
                    config = [(0, 0, 0)] * aval.ndim
                    config[axis] = (width, 0, 0) if side == 0 else (0, width, 0)
                    array = lax.pad(array, _pick(values, axis, side, aval.dtype), config)
        return array
    for axis, (lo, hi) in enumerate(pad_width):
        if lo == hi == 0:
            continue
        if mode == "wrap":
            array = _pad_wrap(array, axis, lo, hi)
        elif mode in ("reflect", "symmetric"):
            array = _pad_reflect(array, axis, lo, hi, mode, reflect_type == "odd")
        else:
            array = _pad_from_edges(array, axis, lo, hi, mode, stat_length, end_values)
    return array


def _array_values(values):
    """constant_values / end_values as passed to _pad (nested tuples, a scalar or an Array)
    back in _pad_values' form."""
    return values if is_array_value(values) else np.asarray(values)


def _pad_wrap(x, axis, lo, hi):
    n = get_aval(x).shape[axis]
    parts = [lax.slice_in_dim(x, n - lo % n, n, 1, axis)] if lo % n else []
    parts += [x] * (lo // n + hi // n + 1)
    parts += [lax.slice_in_dim(x, 0, hi % n, 1, axis)] if hi % n else []
    return lax.concatenate(parts, axis)


def _pad_reflect(x, axis, lo, hi, mode, odd):
    """NumPy's reflect / symmetric padding (JAX's algorithm): the pad is built in chunks of
    at most the axis length, each the mirror image of what lies next to it; with
    reflect_type='odd' a chunk is mirrored through the edge value (2 * edge - chunk)."""
    n = get_aval(x).shape[axis]
    offset = 1 if mode == "reflect" and n > 1 else 0
    for before, padding in ((True, lo), (False, hi)):
        size = get_aval(x).shape[axis]
        edge = lax.slice_in_dim(x, 0 if before else size - 1, 1 if before else size, 1, axis)
        while padding > 0:
            size = get_aval(x).shape[axis]
            chunk = min(padding, n - offset)
            padding -= chunk
            if before:
                part = lax.slice_in_dim(x, offset, offset + chunk, 1, axis)
            else:
                stop = size if mode == "symmetric" or n == 1 else size - 1
                part = lax.slice_in_dim(x, stop - chunk, stop, 1, axis)
            part = lax.rev(part, (axis,))
            if odd:
                twice_edge = lax.mul(np.array(2, get_aval(x).dtype), edge)
                part = lax.sub(broadcast_to_shape(twice_edge, get_aval(part).shape), part)
                if n > 1:
                    edge = lax.slice_in_dim(part, 0 if before else chunk - 1,
                                            1 if before else chunk, 1, axis)
            x = lax.concatenate([part, x] if before else [x, part], axis)
    return x


def _pad_from_edges(x, axis, lo, hi, mode, stat_length, end_values):
    """edge, linear_ramp and the statistics modes: each side's pad is computed from that
    side's edge (a slice of width 1 or stat_length) and broadcast along the axis."""
    aval = get_aval(x)
    n = aval.shape[axis]
    pieces = []
    for side, width in enumerate((lo, hi)):
        if mode == "edge" or mode == "linear_ramp":
            length = 1
        else:
            length = n if stat_length is None else min(stat_length[axis][side], n)
        edge = lax.slice_in_dim(x, 0 if side == 0 else n - length, length if side == 0 else n,
                                1, axis)
        shape = aval.shape[:axis] + (width,) + aval.shape[axis + 1:]
        if mode == "linear_ramp":
            pieces.append(_ramp(edge, _pick(_array_values(end_values), axis, side,
                                            _inexact(aval.dtype)), shape, axis, side == 1))
            continue
        if mode != "edge":
            edge = _edge_statistic(edge, axis, mode, aval.dtype)
        pieces.append(lax.broadcast_in_dim(edge, shape, tuple(range(aval.ndim))))
    return lax.concatenate([pieces[0], x, pieces[1]], axis)


def _inexact(dtype):
    return dtype if dtypes.is_inexact(dtype) else dtypes.default_float()


def _quotient_as(num, den, dtype, rounding):
    """num / den (den a positive whole number) as dtype. Integers get NumPy's rounding of the
    exact quotient ('floor' for ramps, 'even' (half to even) for statistics): XLA may divide
    by multiplying with the reciprocal, an ulp off, which can carry a whole or half quotient
    across the rounding boundary, so the rounded quotient is checked with products (exact for
    whole numbers below 2**24). Bools are the quotient's truth."""
    ftype = get_aval(num).dtype
    den_ = np.array(den, ftype)
    q = lax.div(num, den_)
    if dtype == dtypes.bool_:
        return lax.ne(q, np.zeros((), ftype))
    if dtypes.kind(dtype) not in "iu":
        return lax.convert_element_type(q, dtype)
    one = np.ones((), ftype)
    if rounding == "floor":  # want r * den <= num < (r + 1) * den
        r = lax.floor(q)
        r = lax.select(lax.le(lax.mul(lax.add(r, one), den_), num), lax.add(r, one), r)
        r = lax.select(lax.gt(lax.mul(r, den_), num), lax.sub(r, one), r)
    else:  # want |num - r * den| <= den / 2, ties to the even r
        r = lax.round(q, 1)
        twice_rest = lax.mul(np.array(2, ftype), lax.sub(num, lax.mul(r, den_)))
        odd = lax.ne(lax.rem(r, np.array(2, ftype)), np.zeros((), ftype))
        up = lax.bitwise_or(lax.gt(twice_rest, den_),
                            lax.bitwise_and(lax.eq(twice_rest, den_), odd))
        down = lax.bitwise_or(lax.lt(twice_rest, lax.neg(den_)),
                              lax.bitwise_and(lax.eq(twice_rest, lax.neg(den_)), odd))
        r = lax.select(up, lax.add(r, one), lax.select(down, lax.sub(r, one), r))
    return lax.convert_element_type(r, dtype)


def _ramp(edge, end, shape, axis, reverse):
    """NumPy's linear_ramp: from `end` towards the edge value, excluding it: end + k * (edge -
    end) / width for k = 0 .. width-1 counted from the outside, floored for integers."""
    width = shape[axis]
    ftype = get_aval(end).dtype
    delta = lax.sub(lax.convert_element_type(edge, ftype), end)
    k = lax.broadcasted_iota(ftype, shape, axis)
    if reverse:
        k = lax.sub(np.array(width - 1, ftype), k)
    num = lax.add(lax.mul(k, broadcast_to_shape(delta, shape)),
                  lax.mul(end, np.array(width, ftype)))
    return _quotient_as(num, width, get_aval(edge).dtype, "floor")


def _edge_statistic(x, axis, mode, dtype):
    """max / min / mean / median of x along axis (kept as a unit axis), in x's dtype."""
    if mode == "maximum":
        return lax.expand_dims(lax.reduce_max(x, (axis,)), (axis,))
    if mode == "minimum":
        return lax.expand_dims(lax.reduce_min(x, (axis,)), (axis,))
    ftype = _inexact(dtype)
    x = lax.convert_element_type(x, ftype) if dtype != ftype else x
    k = get_aval(x).shape[axis]
    if mode == "mean":
        return _quotient_as(lax.expand_dims(lax.reduce_sum(x, (axis,)), (axis,)), k, dtype, "even")
    ordered = lax.sort(x, axis)  # NaNs sort last: a NaN anywhere makes the median NaN
    lo = lax.slice_in_dim(ordered, (k - 1) // 2, (k - 1) // 2 + 1, 1, axis)
    hi = lax.slice_in_dim(ordered, k // 2, k // 2 + 1, 1, axis)
    last = lax.slice_in_dim(ordered, k - 1, k, 1, axis)
    median = _quotient_as(lax.add(lo, hi), 2, ftype, "even")
    return _quotient_as(lax.select(lax.ne(last, last), last, median), 1, dtype, "even")


def _pad_func(array, widths, func, kwargs):
    """mode=callable: the zero-padded array, then func applied to every 1-D vector along
    each axis in turn (one lax.map per axis)."""
    aval = get_aval(array)
    x = lax.pad(array, np.zeros((), aval.dtype), [(lo, hi, 0) for lo, hi in widths])
    shape = get_aval(x).shape
    if aval.ndim == 0 or get_aval(x).size == 0:
        return x
    for axis in range(aval.ndim):
        length = shape[axis]

        def apply(vector, axis=axis, length=length):
            out = func(vector, widths[axis], axis, kwargs)
            if out is None:
                raise TypeError("pad: the padding function returned None; arrays are "
                                "immutable, so it must return the padded vector (as in JAX), "
                                "e.g. `return vector.at[:before].set(value)`")
            out = asarray(out)
            if get_aval(out).shape != (length,):
                raise ValueError(f"pad: the padding function must return a vector of shape "
                                 f"({length},), got shape {get_aval(out).shape}")
            return lax.convert_element_type(out, aval.dtype)

        rows = lax.reshape(moveaxis(x, axis, -1), (get_aval(x).size // length, length))
        out = lax.map(apply, rows)
        moved = shape[:axis] + shape[axis + 1:] + (length,)
        x = moveaxis(lax.reshape(out, moved), -1, axis)
    return x


# selection --------------------------------------------------------------------------------

@eager
def where(condition, x, y):
    """x where condition is true, else y. (The public `where`, in _indexing, adds the
    one-argument form, nonzero.)"""
    condition = _arr("where", condition)[0]
    x, y = promote_args("where", x, y)
    cond_aval = get_aval(condition)
    if cond_aval.dtype != dtypes.bool_:
        condition = lax.ne(condition, np.zeros((), cond_aval.dtype))
    shape = broadcast_shapes("where", get_aval(condition).shape, get_aval(x).shape, get_aval(y).shape)
    condition, x, y = (broadcast_to_shape(v, shape) for v in (condition, x, y))
    return lax.select(condition, x, y)


@eager
def select(condlist, choicelist, default=0):
    result = default
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        result = where(cond, choice, result)
    return result


@eager
def clip(a, a_min=None, a_max=None, *, min=None, max=None):  # noqa: A002
    """a limited to [a_min, a_max] (either may be None)."""
    lo = a_min if min is None else min
    hi = a_max if max is None else max
    if lo is not None:
        a = maximum(a, lo)
    if hi is not None:
        a = minimum(a, hi)
    return a


@eager(static_argnames=("N", "M", "k", "dtype"))
def tri(N, M=None, k=0, dtype=None):
    """Ones at and below diagonal k."""
    M = N if M is None else M
    dtype = dtypes.check_dtype(dtype, "tri") if dtype is not None else dtypes.default_float()
    rows = lax.broadcasted_iota(dtypes.int32, (N, M), 0)
    cols = lax.broadcasted_iota(dtypes.int32, (N, M), 1)
    return lax.convert_element_type(lax.ge(lax.add(rows, np.int32(k)), cols), dtype)


@eager(static_argnames="k")
def tril(m, k=0):
    m, aval = _arr("tril", m)
    mask = tri(aval.shape[-2], aval.shape[-1], k, dtypes.bool_)
    return where(mask, m, np.zeros((), aval.dtype))


@eager(static_argnames="k")
def triu(m, k=0):
    m, aval = _arr("triu", m)
    mask = tri(aval.shape[-2], aval.shape[-1], k - 1, dtypes.bool_)
    return where(mask, np.zeros((), aval.dtype), m)


@eager(static_argnames=("offset", "axis1", "axis2"))
def diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal `offset` (above the main one if positive) of the 2-D slices of `a` over
    axis1 and axis2, as the last axis of the result."""
    a, aval = _arr("diagonal", a)
    if aval.ndim < 2:
        raise ValueError(f"diagonal: the array must have at least two dimensions, got shape "
                         f"{aval.shape}")
    ax1, ax2 = (canonical_axis("diagonal", ax, aval.ndim) for ax in (axis1, axis2))
    if ax1 == ax2:
        raise ValueError(f"diagonal: axis1 and axis2 cannot be the same, got {axis1}, {axis2}")
    offset = operator.index(concrete_or_error(offset, "diagonal offset"))
    rest = [d for d in range(aval.ndim) if d not in (ax1, ax2)]
    lead = tuple(aval.shape[d] for d in rest)
    n1, n2 = aval.shape[ax1], aval.shape[ax2]
    row, col = max(0, -offset), max(0, offset)
    length = max(0, min(n1 - row, n2 - col))
    # On the flattened (n1 * n2) matrix the diagonal is one strided slice.
    flat = lax.reshape(lax.transpose(a, tuple(rest) + (ax1, ax2)), lead + (n1 * n2,))
    start = row * n2 + col if length else 0
    stop = start + (length - 1) * (n2 + 1) + 1 if length else 0
    return lax.slice(flat, (0,) * len(lead) + (start,), lead + (stop,),
                     (1,) * len(lead) + (n2 + 1,))


def choose(a, choices, out=None, mode="raise"):
    """choices[a[i]][i] for every i (a and the choices broadcast together). Out-of-range
    indices: mode='raise' (a must then be concrete, as in JAX), 'wrap' or 'clip'."""
    if out is not None:
        raise NotImplementedError("choose: the `out` argument is not supported: arrays are "
                                  "immutable; use the return value")
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"choose: mode={mode!r} not understood; use 'raise', 'wrap' or 'clip'")
    a = array_like(a)
    if dtypes.kind(aval_or_error("choose", a).dtype) not in "iu":
        raise ValueError(f"choose: `a` must be an integer array, got {get_aval(a).str_short()}")
    if not len(choices):
        raise ValueError("choose: choices must not be empty")
    if mode == "raise":
        host = _host_value(a)
        if host is None:
            raise ConcretizationTypeError(
                f"choose: mode='raise' checks the indices, so `a` must be concrete, got a "
                f"traced {get_aval(a).str_short()}; use mode='wrap' or mode='clip' under jit")
        if ((host < 0) | (host >= len(choices))).any():
            raise ValueError(f"choose: invalid entry in choice array: indices must be in "
                             f"[0, {len(choices)}), got {host.tolist()}")
    return _choose(a, list(choices), mode)


@eager(static_argnames="mode")
def _choose(a, choices, mode):
    n = len(choices)
    dtype = get_aval(a).dtype
    if mode == "wrap":
        a = lax.rem(lax.add(lax.rem(a, np.array(n, dtype)), np.array(n, dtype)), np.array(n, dtype))
    elif mode == "clip":
        a = lax.clamp(np.zeros((), dtype), a, np.array(n - 1, dtype))
    choices = promote_args("choose", *choices, full_broadcast=True)
    shape = broadcast_shapes("choose", get_aval(a).shape, get_aval(choices[0]).shape)
    a = broadcast_to_shape(lax.convert_element_type(a, dtypes.int32), shape)
    return lax.select_n(a, *[broadcast_to_shape(c, shape) for c in choices])


# sorting ----------------------------------------------------------------------------------

def _check_sort_args(op, kind, order):
    if kind is not None:
        raise TypeError(f"'kind' argument to {op} is not supported. Use stable=True or "
                        "stable=False to specify sort stability.")
    if order is not None:
        raise TypeError(f"'order' argument to {op} is not supported.")


@eager(static_argnames=("axis", "kind", "order", "stable", "descending"))
def sort(a, axis=-1, kind=None, order=None, stable=True, descending=False):
    """`a` sorted along axis (flattened for None); descending reverses an ascending sort,
    so NaN comes first, as in JAX."""
    _check_sort_args("sort", kind, order)
    a, aval = _arr("sort", a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = canonical_axis("sort", axis, get_aval(a).ndim)
    out = lax.sort(a, axis, is_stable=stable)
    return lax.rev(out, (axis,)) if descending else out


@eager(static_argnames=("axis", "kind", "order", "stable", "descending", "dtype"))
def argsort(a, axis=-1, kind=None, order=None, stable=True, descending=False, dtype=None):
    """The indices that sort `a` along axis; with stable=True ties keep their order, in
    descending order too."""
    _check_sort_args("argsort", kind, order)
    a, aval = _arr("argsort", a)
    if axis is None:
        a, axis = ravel(a), 0
        aval = get_aval(a)
    axis = canonical_axis("argsort", axis, aval.ndim)
    index_dtype = dtypes.default_int() if dtype is None else dtypes.check_dtype(dtype, "argsort")
    indices = lax.broadcasted_iota(index_dtype, aval.shape, axis)
    if descending and stable:  # reversed first, so that ties come out in their order
        a, indices = lax.rev(a, (axis,)), lax.rev(indices, (axis,))
    _, perm = lax.sort([a, indices], axis, is_stable=stable, num_keys=1)
    return lax.rev(perm, (axis,)) if descending else perm


@eager(static_argnames=("kth", "axis"))
def argpartition(a, kth, axis=-1):
    """Indices that partition `a` along axis around its kth smallest element: those before
    position kth index elements no larger, those after no smaller. (A stable argsort is
    one such partition, and the one returned here.)"""
    a, aval = _arr("argpartition", a)
    axis = canonical_axis("argpartition", axis, aval.ndim)
    kth = operator.index(kth)
    n = aval.shape[axis]
    if not -n <= kth < n:
        raise ValueError(f"argpartition: kth={kth} is out of bounds for axis {axis} of size {n}")
    return argsort(a, axis=axis)


def _sort_less(x, y):
    """x < y in sort order (NaNs last, -0.0 equal to 0.0; complex numbers by real part, then
    imaginary part)."""
    kind = dtypes.kind(get_aval(x).dtype)
    if kind == "c":
        xr, yr = lax.real(x), lax.real(y)
        return lax.bitwise_or(_sort_less(xr, yr),
                              lax.bitwise_and(lax.eq(xr, yr), _sort_less(lax.imag(x), lax.imag(y))))
    if kind == "b":
        return lax.bitwise_and(lax.bitwise_not(x), y)
    less = lax.lt(x, y)
    if kind == "f":
        less = lax.bitwise_or(less, lax.bitwise_and(lax.ne(y, y), lax.eq(x, x)))
    return less


@eager(static_argnames=("side", "method"))
def searchsorted(a, v, side="left", sorter=None, *, method="scan"):
    """Where the values v would be inserted into the sorted 1-D array a to keep it sorted:
    the first such position (side='left') or the last (side='right'). A binary search of
    log2(len(a)) steps; every `method` of JAX gives the same result here."""
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: invalid argument side={side!r}, expected 'left' or "
                         f"'right'")
    if method not in ("scan", "scan_unrolled", "sort", "compare_all"):
        raise ValueError(f"searchsorted: invalid argument method={method!r}, expected one of "
                         f"'compare_all', 'scan', 'scan_unrolled', 'sort'")
    a, aval = _arr("searchsorted", a)
    if aval.ndim != 1:
        raise ValueError(f"searchsorted: a should be 1-dimensional, got shape {aval.shape}")
    if sorter is not None:
        a = take_along(a, _int_array("searchsorted", "sorter", sorter), 0)
    a, v = promote_dtypes("searchsorted", a, array_like(v))[0]
    n, shape = aval.shape[0], get_aval(v).shape
    idx = dtypes.int32 if n < 2 ** 30 else dtypes.int64
    lo = lax.broadcast_in_dim(np.zeros((), idx), shape, ())
    hi = lax.broadcast_in_dim(np.array(n, idx), shape, ())
    dnums = lax.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(0,),
                                       start_index_map=(0,))
    for _ in range(int(np.ceil(np.log2(n + 1)))):
        mid = lax.div(lax.add(lo, hi), np.array(2, idx))
        pivot = lax.gather(a, lax.reshape(mid, shape + (1,)), dnums, (1,), mode="clip")
        right = _sort_less(pivot, v) if side == "left" else lax.bitwise_not(_sort_less(v, pivot))
        active = lax.lt(lo, hi)
        lo = lax.select(lax.bitwise_and(active, right), lax.add(mid, np.ones((), idx)), lo)
        hi = lax.select(lax.bitwise_and(active, lax.bitwise_not(right)), mid, hi)
    return lo


# products ---------------------------------------------------------------------------------

@eager(static_argnames=("precision", "preferred_element_type"))
def matmul(a, b, precision=None, preferred_element_type=None):
    """NumPy's matmul: the last two axes multiply, leading axes broadcast; 1-D operands get
    a temporary unit axis."""
    a, b = promote_dtypes("matmul", _arr("matmul", a)[0], _arr("matmul", b)[0])[0]
    a_aval, b_aval = get_aval(a), get_aval(b)
    if a_aval.ndim == 0 or b_aval.ndim == 0:
        raise ValueError(f"matmul: operands must not be scalars, got shapes {a_aval.shape} and "
                         f"{b_aval.shape}")
    a_vec, b_vec = a_aval.ndim == 1, b_aval.ndim == 1
    if a_vec:
        a = lax.reshape(a, (1,) + a_aval.shape)
    if b_vec:
        b = lax.reshape(b, b_aval.shape + (1,))
    a_shape, b_shape = get_aval(a).shape, get_aval(b).shape
    if a_shape[-1] != b_shape[-2]:
        raise ValueError(f"matmul: contracting dimensions differ: shapes {a_aval.shape} and "
                         f"{b_aval.shape} (size {a_shape[-1]} vs {b_shape[-2]})")
    batch = broadcast_shapes("matmul", a_shape[:-2], b_shape[:-2])
    nb = len(batch)
    # A lone matrix operand is contracted as it is (as JAX does): broadcasting it to the
    # other's batch shape would copy it and make XLA run a batched matmul, and its
    # gradient a sum over the copies.
    if len(b_shape) == 2:
        out = lax.dot_general(a, b, (((nb + 1,), (0,)), ((), ())), precision,
                              preferred_element_type)
    elif len(a_shape) == 2:  # out: (m, *batch, n), moved to (*batch, m, n)
        out = lax.dot_general(a, b, (((1,), (nb,)), ((), ())), precision,
                              preferred_element_type)
        out = lax.transpose(out, tuple(range(1, nb + 1)) + (0, nb + 1))
    else:
        a = broadcast_to_shape(a, batch + a_shape[-2:])
        b = broadcast_to_shape(b, batch + b_shape[-2:])
        out = lax.dot_general(a, b, (((nb + 1,), (nb,)), (tuple(range(nb)), tuple(range(nb)))),
                              precision, preferred_element_type)
    if a_vec:
        out = lax.squeeze(out, (nb,))
    if b_vec:
        out = lax.squeeze(out, (get_aval(out).ndim - 1,))
    return out


@eager(static_argnames=("precision", "preferred_element_type"))
def dot(a, b, precision=None, preferred_element_type=None):
    """NumPy's dot: scalars multiply, otherwise contract a's last axis with b's second-to-last."""
    a, b = promote_dtypes("dot", _arr("dot", a)[0], _arr("dot", b)[0])[0]
    a_aval, b_aval = get_aval(a), get_aval(b)
    if a_aval.ndim == 0 or b_aval.ndim == 0:
        return multiply(a, b)
    b_axis = 0 if b_aval.ndim == 1 else b_aval.ndim - 2
    if a_aval.shape[-1] != b_aval.shape[b_axis]:
        raise ValueError(f"dot: shapes {a_aval.shape} and {b_aval.shape} not aligned: "
                         f"{a_aval.shape[-1]} (dim {a_aval.ndim - 1}) != "
                         f"{b_aval.shape[b_axis]} (dim {b_axis})")
    return lax.dot_general(a, b, (((a_aval.ndim - 1,), (b_axis,)), ((), ())), precision,
                           preferred_element_type)


@eager(static_argnames="precision")
def vdot(a, b, precision=None):
    a = conj(ravel(a))
    return dot(a, ravel(b), precision)


@eager(static_argnames="precision")
def inner(a, b, precision=None):
    a, b = promote_dtypes("inner", _arr("inner", a)[0], _arr("inner", b)[0])[0]
    a_aval, b_aval = get_aval(a), get_aval(b)
    if a_aval.ndim == 0 or b_aval.ndim == 0:
        return multiply(a, b)
    return lax.dot_general(a, b, (((a_aval.ndim - 1,), (b_aval.ndim - 1,)), ((), ())), precision)


@eager
def outer(a, b):
    a, b = ravel(a), ravel(b)
    return multiply(lax.reshape(a, (get_aval(a).size, 1)), b)


@eager(static_argnames=("axes", "precision"))
def tensordot(a, b, axes=2, precision=None):
    a, b = promote_dtypes("tensordot", _arr("tensordot", a)[0], _arr("tensordot", b)[0])[0]
    a_aval, b_aval = get_aval(a), get_aval(b)
    if isinstance(axes, int):
        a_axes = tuple(range(a_aval.ndim - axes, a_aval.ndim))
        b_axes = tuple(range(axes))
    else:
        a_axes, b_axes = axes
        a_axes = canonical_axes("tensordot", a_axes if isinstance(a_axes, (tuple, list)) else (a_axes,), a_aval.ndim)
        b_axes = canonical_axes("tensordot", b_axes if isinstance(b_axes, (tuple, list)) else (b_axes,), b_aval.ndim)
    return lax.dot_general(a, b, ((tuple(a_axes), tuple(b_axes)), ((), ())), precision)


# shape queries ----------------------------------------------------------------------------

def shape(a):
    return np.shape(a) if isinstance(a, (list, tuple)) else get_aval(a).shape


def ndim(a):
    return len(shape(a))


def size(a, axis=None):
    s = shape(a)
    return int(np.prod(s)) if axis is None else s[axis]
