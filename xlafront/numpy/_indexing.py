"""Basic indexing (ints, slices with steps, None, Ellipsis, negative and traced integer
indices) and the functional updates `x.at[idx].set(v)` / `.add` / `.multiply` / ...

Integer and unit-step indices become one `dynamic_slice` with the starts as operands, so
eager code does not recompile for every index value (as in JAX); other steps use `slice`.
"""
import builtins
import operator

import numpy as np

from .. import dtypes, lax
from ..core import Tracer, get_aval
from ._util import broadcast_to_shape, convert


def _is_int_index(i):
    if isinstance(i, (builtins.int, np.integer)) and not isinstance(i, (builtins.bool, np.bool_)):
        return True
    if isinstance(i, Tracer) or hasattr(i, "aval"):
        aval = get_aval(i)
        return aval.shape == () and dtypes.kind(aval.dtype) in "iu"
    return False


def _expand(op, idx, ndim):
    """The index as a tuple over all dimensions: entries int, slice or None."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    for i in idx:
        if not (i is None or i is Ellipsis or isinstance(i, builtins.slice) or _is_int_index(i)):
            kind = type(i).__name__
            raise IndexError(
                f"{op}: unsupported index {i!r} of type {kind}; basic indexing takes integers, "
                f"slices, None and Ellipsis (array indices need gather, which is not available "
                f"yet)")
    ellipses = [k for k, i in enumerate(idx) if i is Ellipsis]
    if len(ellipses) > 1:
        raise IndexError(f"{op}: an index can only have a single ellipsis ('...')")
    used = builtins.sum(1 for i in idx if i is not None and i is not Ellipsis)
    if used > ndim:
        raise IndexError(f"{op}: too many indices for array: array is {ndim}-dimensional, but "
                         f"{used} were indexed")
    if ellipses:
        pos = ellipses[0]
        idx = idx[:pos] + (builtins.slice(None),) * (ndim - used) + idx[pos + 1:]
    return idx


def _plan(op, shape, idx):
    """Per dimension: ('int', index) or ('slice', start, stop, step, length); plus the
    positions of new axes in the output."""
    idx = _expand(op, idx, len(shape))
    dims, new_axes, out_pos = [], [], 0
    d = 0
    for i in idx:
        if i is None:
            new_axes.append(out_pos)
            out_pos += 1
            continue
        if d >= len(shape):
            break
        n = shape[d]
        if isinstance(i, builtins.slice):
            start, stop, step = (None if v is None else operator.index(v) for v in (i.start, i.stop, i.step)) \
                if not builtins.any(isinstance(v, Tracer) for v in (i.start, i.stop, i.step)) else _traced_slice(op)
            start, stop, step = builtins.slice(start, stop, step).indices(n)
            dims.append(("slice", start, stop, step, len(range(start, stop, step))))
            out_pos += 1
        else:
            if not isinstance(i, Tracer) and not hasattr(i, "aval"):
                k = operator.index(i)
                if not -n <= k < n:
                    raise IndexError(f"{op}: index {k} is out of bounds for axis {d} with size {n}")
                i = k % n if n else k
            dims.append(("int", i))
        d += 1
    while d < len(shape):
        dims.append(("slice", 0, shape[d], 1, shape[d]))
        d += 1
    return dims, new_axes


def _traced_slice(op):
    raise IndexError(f"{op}: slice bounds must be static Python integers; for traced starts "
                     "use lax.dynamic_slice")


def _starts(dims):
    """The start of each dimension's window; lax.dynamic_slice wraps negative traced ones."""
    return [spec[1] if spec[0] == "int" or spec[4] else 0 for spec in dims]


def _region(x, dims):
    """The sub-array selected by `dims` with every dimension kept (ints as size 1)."""
    shape = get_aval(x).shape
    strided = [(d, spec) for d, spec in enumerate(dims) if spec[0] == "slice" and spec[3] != 1 and spec[4] > 1]
    if strided:
        starts, limits, strides, reversed_dims = [], [], [], []
        for d, spec in enumerate(dims):
            if spec[0] == "slice" and spec[3] != 1 and spec[4] > 1:
                _, start, stop, step, length = spec
                if step < 0:
                    reversed_dims.append(d)
                    start = shape[d] - 1 - start
                    step = -step
                starts.append(start)
                limits.append(start + (length - 1) * step + 1)
                strides.append(step)
            else:
                starts.append(0)
                limits.append(shape[d])
                strides.append(1)
        x = lax.rev(x, reversed_dims) if reversed_dims else x
        x = lax.slice(x, starts, limits, strides)
        dims = [("slice", 0, spec[4], 1, spec[4]) if spec[0] == "slice" and spec[3] != 1 and spec[4] > 1
                else spec for spec in dims]
        shape = get_aval(x).shape
    sizes = [1 if spec[0] == "int" else spec[4] for spec in dims]
    if tuple(sizes) == tuple(shape) and builtins.all(spec[0] == "slice" for spec in dims):
        return x, dims
    return lax.dynamic_slice(x, _starts(dims), sizes), dims


def _final_shape(dims, new_axes):
    shape = [spec[4] for spec in dims if spec[0] == "slice"]
    for pos in new_axes:
        shape.insert(pos, 1)
    return tuple(shape)


def getitem(x, idx):
    """x[idx] for basic indices."""
    aval = get_aval(x)
    if isinstance(idx, (list, np.ndarray)) or (hasattr(idx, "aval") and get_aval(idx).shape != ()):
        raise IndexError(f"getitem: array (advanced) indices such as {type(idx).__name__} are "
                         "not supported yet; use integers, slices, None and Ellipsis")
    dims, new_axes = _plan("getitem", aval.shape, idx)
    region, dims = _region(x, dims)
    return lax.reshape(region, _final_shape(dims, new_axes))


class _IndexUpdateHelper:
    """`x.at[idx]`: functional updates of an immutable array."""
    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, idx):
        return _IndexUpdateRef(self.array, idx)

    def __repr__(self):
        return f"_IndexUpdateHelper({self.array!r})"


class _IndexUpdateRef:
    __slots__ = ("array", "index")

    def __init__(self, array, index):
        self.array, self.index = array, index

    def get(self, **kwargs):
        return getitem(self.array, self.index)

    def set(self, values, **kwargs):
        return _update(self.array, self.index, values, None)

    def add(self, values, **kwargs):
        return _update(self.array, self.index, values, lax.add)

    def subtract(self, values, **kwargs):
        return _update(self.array, self.index, values, lax.sub)

    def multiply(self, values, **kwargs):
        return _update(self.array, self.index, values, lax.mul)

    mul = multiply

    def divide(self, values, **kwargs):
        return _update(self.array, self.index, values, lax.div)

    def power(self, values, **kwargs):
        return _update(self.array, self.index, values, lax.pow)

    def min(self, values, **kwargs):
        return _update(self.array, self.index, values, lax.min)

    def max(self, values, **kwargs):
        return _update(self.array, self.index, values, lax.max)


def _update(x, idx, values, combine):
    aval = get_aval(x)
    dims, new_axes = _plan("at[].set", aval.shape, idx)
    if builtins.any(spec[0] == "slice" and spec[3] != 1 and spec[4] > 1 for spec in dims):
        raise IndexError("at[]: strided slices in updates need scatter, which is not available "
                         "yet; use unit-step slices")
    region_shape = tuple(1 if spec[0] == "int" else spec[4] for spec in dims)
    if isinstance(values, (list, tuple)):
        values = np.asarray(values)
    v_aval = get_aval(values)
    values = convert("at[].set", values, v_aval, aval.dtype, False)
    indexed_shape = _final_shape(dims, new_axes)
    values = broadcast_to_shape(values, indexed_shape) if get_aval(values).shape != indexed_shape else values
    values = lax.reshape(values, region_shape)
    starts = _starts(dims)
    if combine is not None:
        current = lax.dynamic_slice(x, starts, region_shape)
        values = combine(current, values)
    return lax.dynamic_update_slice(x, values, starts)
