"""Shape manipulation, joining and splitting, selection (where, clip), sorting and the
matrix products (dot, matmul, tensordot, ...)."""
import operator

import numpy as np

from .. import dtypes, lax
from ..core import concrete_or_error, concrete_shape, get_aval
from ..dispatch import eager
from ._ufuncs import conj, maximum, minimum, multiply
from ._util import (asarray, aval_or_error, broadcast_shapes, broadcast_to_shape, canonical_axes,
                    canonical_axis, named, promote_args, promote_dtypes, scalar_of)

__all__ = ["argsort", "array_split", "atleast_1d", "atleast_2d", "atleast_3d",
           "broadcast_arrays", "broadcast_to", "clip", "column_stack", "concat",
           "concatenate", "dot", "dstack", "expand_dims", "flip", "fliplr", "flipud",
           "hstack", "inner", "matmul", "matrix_transpose", "moveaxis", "ndim", "outer",
           "pad", "permute_dims", "ravel", "repeat", "reshape", "roll", "row_stack",
           "select", "shape", "size", "sort", "split", "squeeze", "stack", "swapaxes",
           "tensordot", "tile", "transpose", "tri", "tril", "triu", "vdot", "vstack",
           "where"]


def _arr(op, a):
    if isinstance(a, (list, tuple)):
        a = asarray(a)
    return a, aval_or_error(op, a)


@eager(static_argnames=("shape", "order", "newshape"))
def reshape(a, shape=None, order="C", *, newshape=None):
    """`a` with a new shape; one entry may be -1."""
    if order != "C":
        raise ValueError(f"reshape: only order='C' is supported, got {order!r}")
    shape = newshape if shape is None else shape
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
    return lax.reshape(a, tuple(dims))


@eager(static_argnames="order")
def ravel(a, order="C"):
    a, aval = _arr("ravel", a)
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


@eager(static_argnames=("indices_or_sections", "axis"))
def split(ary, indices_or_sections, axis=0):
    """Splits into equal sections, or at the given indices, along `axis`."""
    ary, aval = _arr("split", ary)
    axis = canonical_axis("split", axis, aval.ndim)
    n = aval.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0 or n % sections:
            raise ValueError(f"split: array split does not result in an equal division: axis "
                             f"{axis} of size {n} into {sections} sections")
        bounds = [i * (n // sections) for i in range(sections + 1)]
    else:
        bounds = [0] + [min(max(int(i), 0), n) for i in indices_or_sections] + [n]
    return _split_at(ary, aval, axis, bounds)


def _split_at(ary, aval, axis, bounds):
    outs = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        start = [0] * aval.ndim
        limit = list(aval.shape)
        start[axis], limit[axis] = lo, max(hi, lo)
        outs.append(lax.slice(ary, start, limit))
    return outs


@eager(static_argnames=("indices_or_sections", "axis"))
def array_split(ary, indices_or_sections, axis=0):
    ary, aval = _arr("array_split", ary)
    axis = canonical_axis("array_split", axis, aval.ndim)
    if isinstance(indices_or_sections, (int, np.integer)):
        n, sections = aval.shape[axis], int(indices_or_sections)
        size, extra = divmod(n, sections)
        sizes = [size + 1] * extra + [size] * (sections - extra)
        bounds = [0] + list(np.cumsum(sizes))
        return _split_at(ary, aval, axis, [int(b) for b in bounds])
    return split(ary, indices_or_sections, axis)


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


@eager(static_argnames=("shift", "axis"))
def roll(a, shift, axis=None):
    """Elements shifted cyclically by `shift` along `axis` (flattened if None)."""
    a, aval = _arr("roll", a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), aval.shape)
    shifts = shift if isinstance(shift, (tuple, list)) else (shift,)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    for s, ax in zip(shifts, axes):
        ax = canonical_axis("roll", ax, aval.ndim)
        n = aval.shape[ax]
        if n == 0:
            continue
        s = int(concrete_or_error(s, "roll shift")) % n
        if s:
            head, tail = _split_at(a, get_aval(a), ax, [0, n - s, n])
            a = lax.concatenate([tail, head], ax)
    return a


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


@eager(static_argnames=("repeats", "axis"))
def repeat(a, repeats, axis=None):
    """Each element repeated `repeats` (a static int) times along `axis`."""
    a, aval = _arr("repeat", a)
    if not isinstance(repeats, (int, np.integer)):
        raise TypeError("repeat: only a static integer `repeats` is supported; got "
                        f"{type(repeats).__name__}")
    if axis is None:
        a, aval, axis = ravel(a), get_aval(ravel(a)), 0
    axis = canonical_axis("repeat", axis, aval.ndim)
    shape = aval.shape[:axis + 1] + (int(repeats),) + aval.shape[axis + 1:]
    dims = tuple(i if i <= axis else i + 1 for i in range(aval.ndim))
    out = lax.broadcast_in_dim(a, shape, dims)
    final = aval.shape[:axis] + (aval.shape[axis] * int(repeats),) + aval.shape[axis + 1:]
    return lax.reshape(out, final)


@eager(static_argnames=("pad_width", "mode"))
def pad(array, pad_width, mode="constant", constant_values=0):
    """Pads with a constant (mode='constant', the only mode supported here)."""
    if mode != "constant":
        raise ValueError(f"pad: mode {mode!r} is not supported; use mode='constant'")
    array, aval = _arr("pad", array)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64).reshape(-1, 2) if np.ndim(pad_width) else np.asarray([[pad_width, pad_width]]), (aval.ndim, 2))
    value = scalar_of(constant_values, aval.dtype)
    return lax.pad(array, value, [(int(lo), int(hi), 0) for lo, hi in widths])


# selection --------------------------------------------------------------------------------

@eager
def where(condition, x=None, y=None):
    """x where condition is true, else y (with one argument: not supported eagerly)."""
    if x is None or y is None:
        raise ValueError("where: the one-argument form (nonzero) needs a size argument in "
                         "JAX; pass x and y")
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
    dtype = dtypes.check_dtype(dtype) if dtype is not None else dtypes.default_float()
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


# sorting ----------------------------------------------------------------------------------

@eager(static_argnames=("axis", "kind", "order", "stable", "descending"))
def sort(a, axis=-1, kind=None, order=None, stable=True, descending=False):
    a, aval = _arr("sort", a)
    if axis is None:
        a, axis = ravel(a), 0
    out = lax.sort(a, axis, is_stable=stable)
    return flip(out, axis) if descending else out


@eager(static_argnames=("axis", "kind", "order", "stable", "descending"))
def argsort(a, axis=-1, kind=None, order=None, stable=True, descending=False):
    a, aval = _arr("argsort", a)
    if axis is None:
        a, aval, axis = ravel(a), get_aval(ravel(a)), 0
    axis = canonical_axis("argsort", axis, aval.ndim)
    indices = lax.broadcasted_iota(dtypes.default_int(), aval.shape, axis)
    keys = lax.neg(a) if descending and dtypes.kind(aval.dtype) in "if" else a
    _, perm = lax.sort([keys, indices], axis, is_stable=True, num_keys=1)
    return perm


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
    a = broadcast_to_shape(a, batch + a_shape[-2:])
    b = broadcast_to_shape(b, batch + b_shape[-2:])
    nb = len(batch)
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
