"""NumPy indexing on XLA: `x[idx]` and the functional updates `x.at[idx].set(v)` / `.add` /
`.multiply` / ... (as JAX's jax/_src/numpy/indexing.py and ops/scatter.py).

- Basic indices (integers, slices, None, Ellipsis; traced integers too) slice: integer and
  unit-step indices become one `dynamic_slice` with the starts as operands, so eager code
  does not recompile for every index value (as in JAX); other steps use `slice`.
- Advanced indices (integer arrays, lists, concrete boolean masks, and the integers beside
  them) become one `gather` (updates: one `scatter`), with NumPy's rules: index arrays
  broadcast together; their dimensions stand where the first advanced index stands, or at
  the front when advanced indices are separated by a slice, None or Ellipsis.
- Negative indices count from the end. Out-of-bounds indices, static integers included
  (JAX's rule; NumPy raises IndexError), are clamped for reads (JAX's default,
  mode="promise_in_bounds"/"clip": x[10] of 5 elements is x[4]) or give `fill_value`
  (mode="fill"), and are dropped by updates (mode="drop", the default; "clip" clamps).
  Only an integer into an axis of size 0 raises IndexError. Updates at basic indices without
  a `mode` are one `dynamic_update_slice`, kept from writing at a traced out-of-bounds
  start (which it would clamp) by a select.
- A boolean mask must be concrete (known while tracing): under jit/vmap `x[mask]` would
  have a value-dependent shape (NonConcreteBooleanIndexError; use `where`).
"""
import math
import operator
import types

import numpy as np

from .. import core, dtypes, lax
from ..core import Tracer, aval_handlers, concrete_or_error, get_aval
from ..dispatch import eager, scalar_array
from ..errors import (ConcretizationTypeError, NonConcreteBooleanIndexError, api_boundary,
                      user_facing, warn)
from ..tree import register_pytree_node_class
from ._manip import where as _where3
from ._ufuncs import power, true_divide
from ._util import (array_like, asarray, aval_or_error, broadcast_shapes, broadcast_to_shape,
                    canonical_axis, contains_arrays, convert, named, promote_dtypes)

__all__ = ["argwhere", "flatnonzero", "getitem", "nonzero", "take", "take_along_axis", "where",
           "InvalidIndexTypeError", "NonConcreteBooleanIndexError"]


def _is_int_index(i):
    if isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)):
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
        if not (i is None or i is Ellipsis or isinstance(i, slice) or _is_int_index(i)):
            kind = type(i).__name__
            raise IndexError(
                f"{op}: unsupported index {i!r} of type {kind}; basic indexing takes integers, "
                f"slices, None and Ellipsis")
    ellipses = [k for k, i in enumerate(idx) if i is Ellipsis]
    if len(ellipses) > 1:
        raise IndexError(f"{op}: an index can only have a single ellipsis ('...')")
    used = sum(1 for i in idx if i is not None and i is not Ellipsis)
    if used > ndim:
        raise IndexError(f"{op}: too many indices for array: array is {ndim}-dimensional, but "
                         f"{used} were indexed")
    if ellipses:
        pos = ellipses[0]
        idx = idx[:pos] + (slice(None),) * (ndim - used) + idx[pos + 1:]
    return idx


def _plan(op, shape, idx, drop_out_of_bounds=False):
    """Per dimension: ('int', index) or ('slice', start, stop, step, length); plus the
    positions of new axes in the output. A static integer out of bounds is clamped, as JAX
    reads do (x[10] of 5 elements is x[4]); with `drop_out_of_bounds` (updates, which JAX
    drops there) the result is None instead."""
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
        if isinstance(i, slice):
            start, stop, step = (None if v is None else operator.index(v) for v in (i.start, i.stop, i.step)) \
                if not any(isinstance(v, Tracer) for v in (i.start, i.stop, i.step)) else _traced_slice(op)
            start, stop, step = slice(start, stop, step).indices(n)
            dims.append(("slice", start, stop, step, len(range(start, stop, step))))
            out_pos += 1
        else:
            if not isinstance(i, Tracer) and not hasattr(i, "aval"):
                k = operator.index(i)
                if n == 0:
                    raise IndexError(f"{op}: index {k} is out of bounds for axis {d} with size 0")
                if not -n <= k < n:
                    if drop_out_of_bounds:
                        return None
                    k = min(max(k + n if k < 0 else k, 0), n - 1)
                i = k % n
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
    if tuple(sizes) == tuple(shape) and all(spec[0] == "slice" for spec in dims):
        return x, dims
    return lax.dynamic_slice(x, _starts(dims), sizes), dims


def _final_shape(dims, new_axes):
    shape = [spec[4] for spec in dims if spec[0] == "slice"]
    for pos in new_axes:
        shape.insert(pos, 1)
    return tuple(shape)


# ---------------------------------------------------------------------------------------
# Parsing an index (NumPy's rules): every entry classified, lists made index arrays

class InvalidIndexTypeError(IndexError, TypeError):
    """An index of a type or dtype that cannot index (float, complex, str ...): an
    IndexError as in NumPy, and also a TypeError as in JAX."""


_VALID = ("only integers, slices (`:`), ellipsis (`...`), None (newaxis) and integer or "
          "boolean arrays are valid indices")


def _sequence_index(op, seq):
    """A list (or a tuple nested in the index tuple) as an index array, as in NumPy >= 1.23:
    `x[[0, 2]]` takes rows 0 and 2; `x[[True, False]]` is a mask."""
    def check(v):
        if isinstance(v, (list, tuple)):
            for e in v:
                check(e)
        elif v is None or v is Ellipsis or isinstance(v, slice):
            raise IndexError(f"{op}: {_VALID}; got a list holding {v!r}. A list is an index "
                             f"array: for multidimensional indexing use a tuple, "
                             f"x[tuple(seq)] instead of x[seq]")
    check(seq)
    if len(seq) == 0:
        return np.zeros((0,), np.int32)
    if contains_arrays(seq):
        return asarray(seq)
    try:
        host = np.asarray(seq)
    except ValueError as e:  # ragged nesting
        raise IndexError(f"{op}: cannot make an index array of {seq!r}: {e}") from None
    if host.dtype == object:
        raise IndexError(f"{op}: {_VALID}; got {seq!r}")
    return host


def _static_slice(op, s):
    """A slice with Python-int (or None) start, stop and step."""
    vals = []
    for v in (s.start, s.stop, s.step):
        if v is None:
            vals.append(None)
            continue
        if isinstance(v, Tracer) and v.concrete_value() is None:
            raise IndexError(f"{op}: slice bounds must be static integers, got a traced "
                             f"{v.aval.str_short()} in {s}; for a traced start use "
                             f"lax.dynamic_slice (or index with a traced integer array)")
        try:
            vals.append(operator.index(v.concrete_value() if isinstance(v, Tracer) else v))
        except TypeError:
            raise InvalidIndexTypeError(f"{op}: slice indices must be integers or None, got "
                                        f"{v!r} of type {type(v).__name__} in {s}") from None
    if vals[2] == 0:
        raise ValueError(f"{op}: slice step cannot be zero")
    return slice(*vals)


def _classify(op, i):
    """(kind, value): kind is 'none', 'ellipsis', 'slice', 'int' (a static integer),
    'array' (an integer array: concrete or traced, possibly 0-d) or 'bool' (a Python or
    NumPy bool, or a boolean array)."""
    if i is None:
        return "none", None
    if i is Ellipsis:
        return "ellipsis", None
    if isinstance(i, slice):
        return "slice", _static_slice(op, i)
    if isinstance(i, (bool, np.bool_)):
        return "bool", bool(i)
    if isinstance(i, (int, np.integer)):
        return "int", operator.index(i)
    if isinstance(i, (str, bytes)):
        raise InvalidIndexTypeError(f"{op}: {_VALID}; got the string {i!r}")
    if isinstance(i, (float, complex)):
        raise InvalidIndexTypeError(
            f"{op}: {_VALID}; got {i!r} of type {type(i).__name__} (dtype "
            f"{np.dtype(type(i)).name}); use an integer, e.g. int({i!r})")
    if isinstance(i, (list, tuple)):
        i = _sequence_index(op, i)
    try:
        aval = get_aval(i)
    except TypeError:
        raise IndexError(f"{op}: {_VALID}; got {i!r} of type {type(i).__name__}") from None
    kind = dtypes.kind(aval.dtype)
    if kind == "b":
        return "bool", i
    if kind in "iu":
        if isinstance(i, (np.ndarray, np.generic)) and np.ndim(i) == 0:
            return "int", operator.index(np.asarray(i)[()])
        return "array", i
    raise InvalidIndexTypeError(
        f"{op}: index arrays must have an integer or boolean dtype, got an index of dtype "
        f"{np.dtype(getattr(i, 'dtype', aval.dtype)).name} (shape {aval.shape}); convert it with .astype(int) if it holds "
        f"whole numbers")


def _parse(op, shape, idx):
    """The index as a list of (kind, value, first x axis consumed, number of axes
    consumed); an ellipsis entry stands for the axes it covers."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    classified = [_classify(op, i) for i in idx]
    consumed = []
    for kind, value in classified:
        if kind in ("none", "ellipsis"):
            consumed.append(0)
        elif kind == "bool":
            consumed.append(0 if isinstance(value, bool) else get_aval(value).ndim)
        else:
            consumed.append(1)
    if sum(1 for k, _ in classified if k == "ellipsis") > 1:
        raise IndexError(f"{op}: an index can only have a single ellipsis ('...')")
    used, ndim = sum(consumed), len(shape)
    if used > ndim:
        raise IndexError(f"{op}: too many indices for array: array is {ndim}-dimensional, but "
                         f"{used} were indexed")
    entries, axis = [], 0
    for (kind, value), n in zip(classified, consumed):
        if kind == "ellipsis":
            n = ndim - used
        entries.append((kind, value, axis, n))
        axis += n
    return entries


def _is_basic(entries):
    return not any(kind == "bool" or (kind == "array" and get_aval(value).ndim)
                            for kind, value, _, _ in entries)


def _basic_index(entries):
    """The parsed entries back as a basic index tuple (for the slicing path)."""
    return tuple(Ellipsis if kind == "ellipsis" else value for kind, value, _, _ in entries)


# ---------------------------------------------------------------------------------------
# Indices as one gather (JAX's `_index_to_gather`), shared by x[idx] and x.at[idx].op(v)

def _concrete_host(x):
    """x as a NumPy array when its value is known while tracing, else None."""
    if isinstance(x, (np.ndarray, np.generic, bool, int)):
        return np.asarray(x)
    if isinstance(x, Tracer):
        value = x.concrete_value()
        return None if value is None else np.asarray(value)
    return np.asarray(x)  # an Array


def _concrete_mask(op, mask):
    host = _concrete_host(mask)
    if host is None:
        aval = get_aval(mask)
        raise NonConcreteBooleanIndexError(
            f"{op}: boolean array indices must be concrete (known while tracing), got a traced "
            f"{aval.str_short()}: the shape of the result of x[mask] would depend on the "
            f"mask's values, which jit and vmap cannot allow. Use a fixed-shape form instead: "
            f"xlafront.numpy.where(mask, x, fill) to keep the shape, "
            f"xlafront.numpy.where(mask, new, x) instead of x.at[mask].set(new), or "
            f"xlafront.numpy.nonzero(mask, size=n) for (at most) n indices")
    return host


def _index_dtype(shape):
    return dtypes.int64 if any(n > np.iinfo(np.int32).max for n in shape) \
        else dtypes.int32


def _prepare(v, n, idx_dtype, normalize):
    """Integer index values `v` for an axis of size n, in `idx_dtype`, negative ones counting
    from the end (once) if `normalize`. Host values stay on the host."""
    info = np.iinfo(idx_dtype)
    if isinstance(v, (np.ndarray, np.generic, int)):
        a = np.asarray(v)
        if a.dtype.kind == "i" and a.dtype.itemsize <= np.dtype(idx_dtype).itemsize:
            a = a.astype(idx_dtype)  # (the common case, without copies to int64)
            return np.where(a < 0, a + idx_dtype.type(n), a) if normalize else a
        if a.dtype == np.uint64:
            a = np.minimum(a, np.uint64(np.iinfo(np.int64).max))
        a = a.astype(np.int64)
        if normalize:
            a = np.where(a < 0, a + n, a)
        return np.clip(a, info.min, info.max).astype(idx_dtype)
    aval = get_aval(v)
    if dtypes.kind(aval.dtype) == "u":
        if aval.dtype.itemsize >= np.dtype(idx_dtype).itemsize:
            v = lax.min(v, np.array(info.max, aval.dtype))
        return lax.convert_element_type(v, idx_dtype)
    if aval.dtype.itemsize > np.dtype(idx_dtype).itemsize:
        v = lax.max(lax.min(v, np.array(info.max, aval.dtype)), np.array(info.min, aval.dtype))
    v = lax.convert_element_type(v, idx_dtype)
    if normalize:
        v = lax.select(lax.lt(v, np.zeros((), idx_dtype)), lax.add(v, np.array(n, idx_dtype)),
                       v)
    return v


def _is_host(v):
    return isinstance(v, (np.ndarray, np.generic))


def _broadcast_indices(op, arrays):
    if len(arrays) == 1:
        return arrays, get_aval(arrays[0]).shape
    shapes = [get_aval(a).shape for a in arrays]
    try:
        shape = broadcast_shapes(op, *shapes)
    except ValueError:
        raise IndexError(f"{op}: shape mismatch: indexing arrays could not be broadcast "
                         f"together with shapes {' '.join(str(tuple(s)) for s in shapes)}") \
            from None
    return [np.broadcast_to(a, shape) if _is_host(a) else broadcast_to_shape(a, shape)
            for a in arrays], shape


def _gather_plan(op, shape, entries, normalize=True):
    """The gather computing x[idx] (JAX's `_index_to_gather`, rewritten): advanced indices
    (integer arrays, booleans, and integers beside them) broadcast together and their
    dimensions go where the first one stands, or to the front when they are separated by a
    slice, None or Ellipsis (NumPy's rule). The plan's fields: `shape` (the operand's, with
    the axes scalar booleans add at `scalar_bool_dims`); the gather's `indices` (index vector
    last; None: no gather), `dnums` and `slice_sizes`; `slice_shape` (of x[idx], with the
    `newaxis_dims` None adds); `reversed_dims` (output dimensions negative steps reverse);
    `unique` (no advanced index: windows cannot overlap, and are sorted)."""
    # 1. Boolean arrays become their nonzero() integer arrays; ellipses become slices.
    items, rank = [], 0  # (kind, value, x axis), rank: position for the contiguity rule
    for kind, value, axis, n in entries:
        if kind == "ellipsis":
            items.extend(("slice", slice(None), axis + k, rank) for k in range(n))
            rank += 1
            continue
        if kind == "bool" and not isinstance(value, bool):
            host = _concrete_mask(op, value)
            if host.ndim == 0:
                value = bool(host)
            else:
                expected = tuple(shape[axis:axis + host.ndim])
                if host.shape != expected:
                    raise IndexError(f"{op}: boolean index did not match the indexed array "
                                     f"along axes {axis}..{axis + host.ndim - 1}: got shape "
                                     f"{host.shape}, expected {expected}")
                for k, ix in enumerate(np.nonzero(host)):
                    items.append(("array", ix, axis + k, rank))
                    rank += 1
                continue
        items.append((kind, value, axis, rank))
        rank += 1
    covered = max((axis + (0 if kind in ("none", "bool") else 1)
                            for kind, _, axis, _ in items), default=0)
    items.extend(("slice", slice(None), axis, rank + k)
                 for k, axis in enumerate(range(covered, len(shape))))
    # 2. A scalar boolean adds an axis of size 1 to x, indexed by arange(1) (or arange(0)).
    new_shape, scalar_bool_dims, shifted = list(shape), [], []
    for kind, value, axis, rank in items:
        axis += len(scalar_bool_dims)
        if kind == "bool":
            new_shape.insert(axis, 1)
            scalar_bool_dims.append(axis)
            kind, value = "array", np.arange(int(value), dtype=np.int32)
        shifted.append((kind, value, axis, rank))
    items, shape = shifted, tuple(new_shape)
    idx_dtype = _index_dtype(shape)

    # 3. The advanced indices, broadcast together.
    advanced = any(kind == "array" and get_aval(value).ndim for kind, value, _, _ in items)
    adv_pos = [p for p, (kind, _, _, _) in enumerate(items) if advanced and kind in ("int", "array")]
    if advanced:
        ranks = [items[p][3] for p in adv_pos]
        contiguous = all(b - a == 1 for a, b in zip(ranks, ranks[1:]))
        adv_arrays, adv_shape = _broadcast_indices(
            op, [_prepare(items[p][1], shape[items[p][2]], idx_dtype, normalize)
                 for p in adv_pos])
        adv_axes = [items[p][2] for p in adv_pos]
        if any(shape[a] == 0 for a in adv_axes) and math.prod(adv_shape):
            raise IndexError(f"{op}: index is out of bounds for an axis of size 0 (shape "
                             f"{shape})")
        emit_at = adv_pos[0] if contiguous else 0

    # 4. Per entry: gather index pieces, dimension numbers, the output layout.
    pieces, gi_shape = [], []  # (index array, first gather-batch dimension it spans)
    offset_dims, collapsed, start_map = [], [], []
    slice_sizes = list(shape)
    slice_shape, newaxis_dims, reversed_dims = [], [], []
    y_axis = collapsed_y_axis = 0
    for pos, (kind, value, axis, _) in enumerate(items):
        if advanced and pos == emit_at:
            start = len(gi_shape)
            pieces.extend((a, start) for a in adv_arrays)
            gi_shape.extend(adv_shape)
            start_map.extend(adv_axes)
            collapsed.extend(adv_axes)
            slice_shape.extend(adv_shape)
            y_axis += len(adv_shape)
            collapsed_y_axis += len(adv_shape)
        if advanced and kind in ("int", "array"):
            slice_sizes[axis] = 1
            continue
        if kind in ("int", "array"):  # a scalar index (no advanced indexing)
            n = shape[axis]
            if n == 0:
                raise IndexError(f"{op}: index is out of bounds for axis {axis} with size 0")
            pieces.append((_prepare(value, n, idx_dtype, normalize), len(gi_shape)))
            collapsed.append(axis)
            start_map.append(axis)
            slice_sizes[axis] = 1
        elif kind == "none":
            slice_shape.append(1)
            newaxis_dims.append(y_axis)
            y_axis += 1
        elif kind == "slice":
            n = shape[axis]
            start, stop, step = value.indices(n)
            size = len(range(start, stop, step))
            slice_shape.append(size)
            if step == 1:
                if size != n:
                    pieces.append((np.asarray(start, idx_dtype), len(gi_shape)))
                    start_map.append(axis)
                slice_sizes[axis] = size
                offset_dims.append(collapsed_y_axis)
            else:
                ix = np.arange(start, stop, step, dtype=np.int64).astype(idx_dtype)
                if step < 0:
                    reversed_dims.append(collapsed_y_axis)
                    ix = ix[::-1]
                pieces.append((ix, len(gi_shape)))
                gi_shape.append(size)
                start_map.append(axis)
                collapsed.append(axis)
                slice_sizes[axis] = 1
            y_axis += 1
            collapsed_y_axis += 1
        else:
            raise IndexError(f"{op}: unsupported index {value!r}")

    # 5. The pieces in one index array: shape gi_shape + (number of pieces,).
    if not pieces:
        indices = None
    elif len(pieces) == 1 and _is_host(pieces[0][0]):
        indices = np.asarray(pieces[0][0])[..., None]
    elif all(_is_host(g) for g, _ in pieces):
        cols = []
        for g, start in pieces:
            g = np.asarray(g)
            g = g.reshape((1,) * start + g.shape + (1,) * (len(gi_shape) - start - g.ndim))
            cols.append(np.broadcast_to(g, gi_shape))
        indices = np.stack(cols, axis=-1)
    else:
        target = tuple(gi_shape) + (1,)
        indices = lax.concatenate(
            [lax.broadcast_in_dim(g, target, tuple(range(start, start + get_aval(g).ndim)))
             for g, start in pieces], len(gi_shape))
    dnums = lax.GatherDimensionNumbers(offset_dims=tuple(offset_dims),
                                       collapsed_slice_dims=tuple(sorted(collapsed)),
                                       start_index_map=tuple(start_map))
    # (a namespace: a NamedTuple class costs 0.25 ms of `import xlafront`)
    return types.SimpleNamespace(
        shape=shape, scalar_bool_dims=tuple(scalar_bool_dims), indices=indices, dnums=dnums,
        slice_sizes=tuple(slice_sizes), slice_shape=tuple(slice_shape),
        newaxis_dims=tuple(newaxis_dims), reversed_dims=tuple(reversed_dims),
        unique=not advanced)


def _parse_mode(mode):
    return None if mode is None else lax.GatherScatterMode.from_any(mode)


def _fill_scalar(fill_value):
    if fill_value is None:
        return None
    fill_value = concrete_or_error(fill_value, "fill_value of an indexed get()")
    if np.ndim(fill_value) != 0:
        raise ValueError(f"getitem: fill_value must be a scalar, got shape "
                         f"{np.shape(fill_value)}")
    return np.asarray(fill_value).item() if not isinstance(
        fill_value, (bool, int, float, complex)) \
        else fill_value


def _zeros(shape, dtype):
    return lax.broadcast_in_dim(np.zeros((), dtype), tuple(shape), ())


# ---------------------------------------------------------------------------------------
# Eager indexing: x[idx] and x.at[idx].op(v) on an Array run as one compiled program per
# signature. A basic index (Python ints, slices, None, Ellipsis) is planned here, on the
# host: the program's static key is the layout of the result (window sizes, strided
# slices, new axes) and the window starts are its dynamic arguments, so `x[i]` and
# `x[i:i + 2]` in a loop do not recompile for every i (as in JAX). An index holding
# integer Arrays is keyed by its static entries, the Arrays passed as arguments. Other
# indices (lists, NumPy arrays, boolean masks, which must be concrete, traced values)
# take the plain path.

class _ArraySlot:
    """Where an integer Array stands in an index key."""
    __slots__ = ()

    def __repr__(self):
        return "<array>"


_ARRAY_SLOT = _ArraySlot()


def _static_slice_key(s):
    a, b, c = s.start, s.stop, s.step
    if ((a is None or type(a) is int) and (b is None or type(b) is int)
            and (c is None or (type(c) is int and c != 0))):
        return (a, b, c)
    return None


def _index_key(idx):
    """(key, arrays) for an index eager code can compile, or None: the key holds ints,
    None, Ellipsis, (start, stop, step) tuples for slices and _ARRAY_SLOT for each integer
    Array, which goes into `arrays`."""
    items = idx if type(idx) is tuple else (idx,)
    key, arrays = [], ()
    for i in items:
        t = type(i)
        if t is int or i is None or i is Ellipsis:
            key.append(i)
        elif t is slice:
            k = _static_slice_key(i)
            if k is None:
                return None
            key.append(k)
        elif t in aval_handlers and dtypes.kind(i.dtype) in "iu":
            key.append(_ARRAY_SLOT)
            arrays += (i,)
        elif isinstance(i, np.integer):
            key.append(int(i))
        else:
            return None
    return tuple(key), arrays


def _index_from_key(key, arrays):
    arrays = iter(arrays)
    return tuple(slice(*k) if type(k) is tuple else next(arrays) if k is _ARRAY_SLOT else k
                 for k in key)


def _layout(shape, dims):
    """A basic index plan (`_plan`) split into its static layout, one entry per dimension
    ("int"; a window length; "all"; or a strided slice's whole spec), and the dynamic
    window starts of the "int" and window entries."""
    layout, starts = [], []
    for n, spec in zip(shape, dims):
        if spec[0] == "int":
            layout.append("int")
            starts.append(spec[1])
        elif spec[3] != 1 and spec[4] > 1:
            layout.append(spec)
        elif spec[4] == n:
            layout.append("all")
        else:
            layout.append(spec[4])
            starts.append(spec[1] if spec[4] else 0)
    return tuple(layout), [scalar_array(k) for k in starts]


def _simple_layout(shape, idx):
    """`_layout(shape, _plan(idx))` without the general planner, for the common indices:
    Python ints and slices, one per leading dimension; None for anything else (None,
    Ellipsis, out-of-bounds ints: `_plan` handles those)."""
    items = idx if type(idx) is tuple else (idx,)
    if len(items) > len(shape):
        return None
    layout, starts = [], []
    for n, i in zip(shape, items):
        t = type(i)
        if t is int:
            if not -n <= i < n:
                return None
            layout.append("int")
            starts.append(scalar_array(i % n))
        elif t is slice and _static_slice_key(i) is not None:
            start, stop, step = i.indices(n)
            length = len(range(start, stop, step))
            if step != 1 and length > 1:
                layout.append(("slice", start, stop, step, length))
            elif length == n:
                layout.append("all")
            else:
                layout.append(length)
                starts.append(scalar_array(start if length else 0))
        else:
            return None
    layout.extend("all" for _ in range(len(items), len(shape)))
    return tuple(layout), starts


def _dims_from_layout(shape, layout, starts):
    starts = iter(starts)
    dims = []
    for n, entry in zip(shape, layout):
        if type(entry) is int:
            dims.append(("slice", next(starts), None, 1, entry))
        elif type(entry) is tuple:
            dims.append(entry)
        elif entry == "all":
            dims.append(("slice", 0, n, 1, n))
        else:
            dims.append(("int", next(starts)))
    return dims


def _is_strided(dims):
    return any(spec[0] == "slice" and spec[3] != 1 and spec[4] > 1 for spec in dims)


@eager(static_argnums=(1, 2))
@named("getitem")
def _basic_getitem(x, layout, new_axes, *starts):
    """x[idx] for a basic index planned on the host (see _layout)."""
    region, dims = _region(x, _dims_from_layout(get_aval(x).shape, layout, starts))
    return lax.reshape(region, _final_shape(dims, new_axes))


@eager(static_argnums=(1, 3))
@named("getitem")
def _getitem_eager(x, key, arrays=(), options=None):
    """x[index], the index rebuilt from its key and arrays; `options` (when not None) the
    keywords of getitem as a tuple."""
    idx = _index_from_key(key, arrays)
    if options is None:
        return _getitem(x, idx)
    sorted_, unique, mode, normalize = options
    return _getitem(x, idx, indices_are_sorted=sorted_, unique_indices=unique, mode=mode,
                    normalize_indices=normalize)


def getitem(x, idx, *, indices_are_sorted=False, unique_indices=False, mode=None,
            fill_value=None, normalize_indices=True):
    """x[idx] with NumPy's basic and advanced indexing. Basic indices (integers, slices,
    None, Ellipsis) slice; integer and boolean arrays gather. As in JAX, out-of-bounds
    array indices are clamped (mode=None, 'promise_in_bounds' or 'clip') or give
    `fill_value` (mode='fill'), static integers too (x[10] of 5 elements is x[4]). Eagerly,
    an index of integers, slices, None, Ellipsis and integer Arrays runs as one compiled
    program per signature."""
    __tracebackhide__ = True  # noqa: F841
    if type(x) in aval_handlers and fill_value is None:
        if not (indices_are_sorted or unique_indices or mode is not None
                or not normalize_indices):
            simple = _simple_layout(x.shape, idx)
            if simple is not None:
                return _basic_getitem(x, simple[0], (), *simple[1])
        found = _index_key(idx)
        if found is not None:
            key, arrays = found
            try:
                if (indices_are_sorted or unique_indices or mode is not None
                        or not normalize_indices):
                    return _getitem_eager(x, key, arrays, (indices_are_sorted, unique_indices,
                                                           mode, normalize_indices))
                if arrays:
                    return _getitem_eager(x, key, arrays)
                shape = x.shape
                dims, new_axes = _plan("getitem", shape, idx)
                layout, starts = _layout(shape, dims)
                return _basic_getitem(x, layout, tuple(new_axes), *starts)
            except Exception as e:
                raise user_facing(e)
    return _getitem(x, idx, indices_are_sorted=indices_are_sorted,
                    unique_indices=unique_indices, mode=mode, fill_value=fill_value,
                    normalize_indices=normalize_indices)


def _getitem(x, idx, *, indices_are_sorted=False, unique_indices=False, mode=None,
             fill_value=None, normalize_indices=True):
    op = "getitem"
    aval = get_aval(x)
    entries = _parse(op, aval.shape, idx)
    gmode = _parse_mode(mode)
    if (_is_basic(entries) and normalize_indices
            and gmode in (None, lax.GatherScatterMode.PROMISE_IN_BOUNDS)):
        dims, new_axes = _plan(op, aval.shape, _basic_index(entries))
        region, dims = _region(x, dims)
        return lax.reshape(region, _final_shape(dims, new_axes))
    plan = _gather_plan(op, aval.shape, entries, normalize_indices)
    fill_value = _fill_scalar(fill_value)
    y = lax.expand_dims(x, plan.scalar_bool_dims) if plan.scalar_bool_dims else x
    if math.prod(plan.slice_shape) == 0:
        return _zeros(plan.slice_shape, aval.dtype)
    if plan.indices is not None:
        y = lax.gather(y, plan.indices, plan.dnums, plan.slice_sizes,
                       unique_indices=unique_indices or plan.unique,
                       indices_are_sorted=indices_are_sorted or plan.unique,
                       mode=gmode, fill_value=fill_value)
    if plan.reversed_dims:
        y = lax.rev(y, plan.reversed_dims)
    return lax.expand_dims(y, plan.newaxis_dims) if plan.newaxis_dims else y


# ---------------------------------------------------------------------------------------
# x.at[idx]: functional updates

class _IndexUpdateHelper:
    """`x.at[idx]`: functional updates of an immutable array (`x[idx] = v` in NumPy is
    `x = x.at[idx].set(v)`)."""
    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, idx):
        return _IndexUpdateRef(self.array, idx)

    def __repr__(self):
        return f"_IndexUpdateHelper({self.array!r})"


class _IndexUpdateRef:
    """x.at[idx].set(v) / .add / .subtract / .multiply / .divide / .power / .min / .max /
    .apply(f) / .get(). Keywords as JAX: indices_are_sorted, unique_indices, mode ('fill' or
    'drop': out-of-bounds updates are dropped, the default for updates; 'clip'; or
    'promise_in_bounds'), wrap_negative_indices; get() also takes fill_value. With repeated
    indices add/multiply/min/max accumulate and set keeps one of the values (which one is
    unspecified)."""
    __slots__ = ("array", "index")

    def __init__(self, array, index):
        self.array, self.index = array, index

    def __repr__(self):
        return f"_IndexUpdateRef({self.array!r}, {self.index!r})"

    def get(self, *, indices_are_sorted=False, unique_indices=False, mode=None,
            fill_value=None, wrap_negative_indices=True):
        return getitem(self.array, self.index, indices_are_sorted=indices_are_sorted,
                       unique_indices=unique_indices, mode=mode, fill_value=fill_value,
                       normalize_indices=wrap_negative_indices)

    def _update(self, kind, values, indices_are_sorted, unique_indices, mode,
                wrap_negative_indices):
        __tracebackhide__ = True  # noqa: F841
        x = self.array
        if kind in ("divide", "power"):
            # As JAX: x / (ones with the values multiplied in at idx), x ** (...); so the
            # quotient of integers is a float array
            ones = lax.broadcast_in_dim(np.ones((), get_aval(x).dtype), get_aval(x).shape, ())
            factor = _IndexUpdateRef(ones, self.index)._update(
                "multiply", values, indices_are_sorted, unique_indices, mode,
                wrap_negative_indices)
            return (true_divide if kind == "divide" else power)(x, factor)
        values = array_like(values)
        _warn_unsafe_cast(x, values)
        if type(x) in aval_handlers:
            if (not indices_are_sorted and not unique_indices and mode is None
                    and wrap_negative_indices):
                simple = _simple_layout(x.shape, self.index)
                if simple is not None and not any(type(e) is tuple for e in simple[0]):
                    return _basic_update(kind, x, simple[0], (), values, *simple[1])
            found = _index_key(self.index)
            if found is not None:
                key, arrays = found
                options = (indices_are_sorted, unique_indices, mode, wrap_negative_indices)
                try:
                    if options != _DEFAULT_OPTIONS:
                        return _scatter_eager(kind, x, key, arrays, values, options)
                    if not arrays:
                        shape = x.shape
                        planned = _plan(f"at[].{kind}", shape, self.index,
                                        drop_out_of_bounds=True)
                        if planned is not None and not _is_strided(planned[0]):
                            dims, new_axes = planned
                            layout, starts = _layout(shape, dims)
                            return _basic_update(kind, x, layout, tuple(new_axes), values,
                                                 *starts)
                    return _scatter_eager(kind, x, key, arrays, values, None)
                except Exception as e:
                    raise user_facing(e)
        return _scatter_update(kind, x, self.index, values,
                               indices_are_sorted=indices_are_sorted,
                               unique_indices=unique_indices, mode=mode,
                               normalize_indices=wrap_negative_indices)

    def set(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
            wrap_negative_indices=True):
        return self._update("set", values, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)

    def add(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
            wrap_negative_indices=True):
        return self._update("add", values, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)

    def subtract(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
                 wrap_negative_indices=True):
        return self._update("subtract", values, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)

    def multiply(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
                 wrap_negative_indices=True):
        return self._update("multiply", values, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)

    mul = multiply

    def divide(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
               wrap_negative_indices=True):
        return self._update("divide", values, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)

    def power(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
              wrap_negative_indices=True):
        return self._update("power", values, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)

    def min(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
            wrap_negative_indices=True):
        return self._update("min", values, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)

    def max(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
            wrap_negative_indices=True):
        return self._update("max", values, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)

    def apply(self, func, *, indices_are_sorted=False, unique_indices=False, mode=None,
              wrap_negative_indices=True):
        """func (a unary elementwise function) applied at idx; a repeated index applies it
        once per repetition, as NumPy's ufunc.at and JAX's .apply."""
        return _apply(self.array, self.index, func, indices_are_sorted=indices_are_sorted,
                      unique_indices=unique_indices, mode=mode,
                      normalize_indices=wrap_negative_indices)


_combine = {"set": None, "add": lax.add, "subtract": lax.sub, "multiply": lax.mul,
            "min": lax.min, "max": lax.max}
# (names: lax's slicing module loads on first use)
_scatter_fns = {"set": "scatter", "add": "scatter_add", "subtract": "scatter_add",
                "multiply": "scatter_mul", "min": "scatter_min", "max": "scatter_max"}


def _warn_unsafe_cast(x, values):
    """JAX's FutureWarning for update values of a type that x's dtype does not hold under
    the promotion rules (floats into integers, int32 into int8, ints into bools); they are
    still cast, as in JAX. A weak Python scalar counts as its kind (1.5 into ints warns, 1
    does not)."""
    try:
        v = get_aval(values)
    except TypeError:
        return  # (the update reports what is wrong with the values)
    x_dtype = get_aval(x).dtype
    if dtypes.promote_types((v.dtype, v.weak_type), (x_dtype, False))[0] != x_dtype:
        warn(f"scatter inputs have incompatible types: cannot safely cast value from "
             f"dtype={v.dtype.name} to dtype={x_dtype.name} with the standard dtype "
             f"promotion. In future JAX releases this will result in an error.",
             FutureWarning)


def _broadcast_values(op, y, shape):
    """The update values broadcast to the indexed shape (leading size-1 axes dropped, as
    NumPy allows), or ValueError."""
    y_shape = get_aval(y).shape
    lead = 0
    while len(y_shape) - lead > len(shape) and y_shape[lead] == 1:
        lead += 1
    core_shape = y_shape[lead:]
    if len(core_shape) > len(shape) or any(
            a not in (1, b) for a, b in zip(core_shape[::-1], shape[::-1])):
        raise ValueError(f"{op}: shape mismatch: values of shape {y_shape} cannot be "
                         f"broadcast to the indexed shape {tuple(shape)}")
    if lead:
        y = lax.reshape(y, core_shape)
    return broadcast_to_shape(y, tuple(shape))


def _as_values(op, values):
    values = array_like(values)
    aval_or_error(op, values)
    return values


_DEFAULT_OPTIONS = (False, False, None, True)


@eager(static_argnums=(0, 2, 3))
@named("scatter_update")
def _basic_update(kind, x, layout, new_axes, values, *starts):
    """x.at[idx].<kind>(values) for a basic unstrided index planned on the host."""
    op = f"at[].{kind}"
    values = _as_values(op, values)
    dims = _dims_from_layout(get_aval(x).shape, layout, starts)
    return _update_slice(op, x, get_aval(x), dims, new_axes, values, _combine[kind])


@eager(static_argnums=(0, 2, 5))
@named("scatter_update")
def _scatter_eager(kind, x, key, arrays, values, options):
    """x.at[index].<kind>(values), the index rebuilt from its key and arrays."""
    idx = _index_from_key(key, arrays)
    sorted_, unique, mode, normalize = _DEFAULT_OPTIONS if options is None else options
    return _scatter_update(kind, x, idx, values, indices_are_sorted=sorted_,
                           unique_indices=unique, mode=mode, normalize_indices=normalize)


def _scatter_update(kind, x, idx, values, *, indices_are_sorted=False, unique_indices=False,
                    mode=None, normalize_indices=True):
    """x.at[idx].<kind>(values) (JAX's `_scatter_update`): one scatter, or for basic
    indices a dynamic_update_slice."""
    op = f"at[].{kind}"
    aval = get_aval(x)
    values = _as_values(op, values)
    entries = _parse(op, aval.shape, idx)
    smode = _parse_mode(mode)
    if _is_basic(entries) and normalize_indices and smode is None:
        # (a static index out of bounds takes the scatter, which drops the update as JAX)
        planned = _plan(op, aval.shape, _basic_index(entries), drop_out_of_bounds=True)
        if planned is not None and not _is_strided(planned[0]):
            dims, new_axes = planned
            out = _update_slice(op, x, aval, dims, new_axes, values, _combine[kind])
            # dynamic_update_slice clamps a traced start; JAX drops such an update instead
            inside = _traced_in_bounds(dims, aval.shape)
            return out if inside is None else lax.select(inside, out, x)
    plan = _gather_plan(op, aval.shape, entries, normalize_indices)
    if math.prod(plan.slice_shape) == 0:
        return x
    (xp, y), _ = promote_dtypes(op, x, values)
    y = _broadcast_values(op, y, plan.slice_shape)
    if plan.newaxis_dims:
        y = lax.squeeze(y, plan.newaxis_dims)
    if plan.reversed_dims:
        y = lax.rev(y, plan.reversed_dims)
    if plan.scalar_bool_dims:
        xp = lax.expand_dims(xp, plan.scalar_bool_dims)
    indices = plan.indices if plan.indices is not None else np.zeros((0,), np.int32)
    dn = plan.dnums
    sdnums = lax.ScatterDimensionNumbers(update_window_dims=dn.offset_dims,
                                         inserted_window_dims=dn.collapsed_slice_dims,
                                         scatter_dims_to_operand_dims=dn.start_index_map)
    params = dict(indices_are_sorted=indices_are_sorted or plan.unique,
                  unique_indices=unique_indices or plan.unique, mode=smode)
    if kind == "subtract":
        y = lax.neg(y)
    out = getattr(lax, _scatter_fns[kind])(xp, indices, y, sdnums, **params)
    if plan.scalar_bool_dims:
        out = lax.squeeze(out, plan.scalar_bool_dims)
    out_aval = get_aval(out)
    if out_aval.dtype != aval.dtype or out_aval.weak_type != aval.weak_type:
        out = lax.convert_element_type(out, aval.dtype, aval.weak_type)
    return out


def _traced_in_bounds(dims, shape):
    """Whether the traced integer indices among `dims` (a basic plan) are all within their
    axes (negative ones counting from the end), as a traced bool; None if there are none."""
    inside, idx_dtype = None, _index_dtype(shape)
    for spec, n in zip(dims, shape):
        if spec[0] == "int" and not isinstance(spec[1], int):
            i = _prepare(spec[1], n, idx_dtype, False)  # (a dtype that holds -n and n)
            ok = lax.bitwise_and(lax.ge(i, -n), lax.lt(i, n))
            inside = ok if inside is None else lax.bitwise_and(inside, ok)
    return inside


def _update_slice(op, x, aval, dims, new_axes, values, combine):
    """Basic-index updates as dynamic_slice / dynamic_update_slice."""
    region_shape = tuple(1 if spec[0] == "int" else spec[4] for spec in dims)
    indexed_shape = _final_shape(dims, new_axes)
    starts = _starts(dims)
    if combine is None:
        values = convert(op, values, get_aval(values), aval.dtype, False)
        values = _broadcast_values(op, values, indexed_shape)
        return lax.dynamic_update_slice(x, lax.reshape(values, region_shape), starts)
    current = lax.dynamic_slice(x, starts, region_shape)
    (current, values), _ = promote_dtypes(op, current, values)
    values = lax.reshape(_broadcast_values(op, values, indexed_shape), region_shape)
    new = combine(current, values)
    new_aval = get_aval(new)
    if new_aval.dtype != aval.dtype or new_aval.weak_type != aval.weak_type:
        new = lax.convert_element_type(new, aval.dtype, aval.weak_type)
    return lax.dynamic_update_slice(x, new, starts)


def _apply(x, idx, func, *, indices_are_sorted, unique_indices, mode, normalize_indices):
    op = "at[].apply"
    aval = get_aval(x)
    entries = _parse(op, aval.shape, idx)
    kw = dict(indices_are_sorted=indices_are_sorted, mode=mode,
              normalize_indices=normalize_indices)

    def f(v):
        out = func(v)
        out_aval = get_aval(out)
        if out_aval.dtype != aval.dtype:
            out = lax.convert_element_type(out, aval.dtype, aval.weak_type)
        return out

    if unique_indices or _is_basic(entries):  # each element at most once
        current = getitem(x, idx, mode="clip" if mode is not None else None, **{
            k: v for k, v in kw.items() if k != "mode"})
        return _scatter_update("set", x, idx, f(current), unique_indices=True, **kw)
    # Repeated indices apply func once per repetition: count them, then apply func
    # max(count) times, each time where the count is not yet used up.
    counts = _scatter_update("add", _zeros(aval.shape, dtypes.int32), idx,
                             np.ones((), np.int32), **kw)
    times = lax.reduce_max(counts, tuple(range(aval.ndim))) if aval.ndim else counts

    def body(i, v):
        return lax.select(lax.gt(counts, i), f(v), v)

    return lax.fori_loop(np.int32(0), times, body, x)



# ---------------------------------------------------------------------------------------
# take, take_along_axis: gathers along one axis

def _index_array(op, indices):
    indices = array_like(indices)
    aval = aval_or_error(op, indices)
    if dtypes.kind(aval.dtype) not in "iu":
        raise TypeError(f"{op}: indices must be integers, got dtype {aval.dtype.name}")
    return indices, aval


def _wide_enough(indices, aval, axis_size):
    """Indices in a dtype that holds `axis_size` (so wrapping cannot overflow)."""
    if axis_size > np.iinfo(aval.dtype).max:
        wide = dtypes.int64 if axis_size > np.iinfo(np.int32).max else dtypes.int32
        return lax.convert_element_type(indices, wide)
    return indices


def _wrap_negative(indices, axis_size):
    """Negative indices count from the end (once), as in NumPy."""
    aval = get_aval(indices)
    if dtypes.kind(aval.dtype) == "u":
        return indices
    zero = np.zeros((), aval.dtype)
    return lax.select(lax.lt(indices, zero),
                      lax.add(indices, np.asarray(axis_size, aval.dtype)), indices)


def _modulo(indices, axis_size):
    aval = get_aval(indices)
    n = np.asarray(axis_size, aval.dtype)
    r = lax.rem(indices, n)
    if dtypes.kind(aval.dtype) == "u":
        return r
    return lax.select(lax.lt(r, np.zeros((), aval.dtype)), lax.add(r, n), r)


@eager(static_argnames=("axis", "mode", "unique_indices", "indices_are_sorted", "fill_value"))
def take(a, indices, axis=None, out=None, mode=None, unique_indices=False,
         indices_are_sorted=False, fill_value=None):
    """Elements of `a` at `indices` along `axis` (of the flattened array if None), as
    NumPy's take. Out-of-bounds indices follow `mode` as in JAX: "fill" (the default)
    gives `fill_value` (NaN for inexact dtypes), "clip" clamps, "wrap" wraps around;
    NumPy's "raise" cannot be supported (no errors from inside compiled code)."""
    op = "take"
    if out is not None:
        raise TypeError("take: the `out` argument is not supported: xlafront arrays are "
                        "immutable; use the return value")
    a = array_like(a)
    aval = aval_or_error(op, a)
    indices, idx_aval = _index_array(op, indices)
    if axis is None:
        a = lax.reshape(a, (aval.size,))
        aval = get_aval(a)
        axis = 0
    axis = canonical_axis(op, axis, aval.ndim)
    n = aval.shape[axis]
    if mode is None or mode == "fill":
        gather_mode = lax.GatherScatterMode.FILL_OR_DROP
        indices = _wrap_negative(_wide_enough(indices, idx_aval, n), n)
    elif mode == "raise":
        raise NotImplementedError("take: mode='raise' is not supported (compiled code cannot "
                                  "raise); use 'fill', 'clip' or 'wrap'")
    elif mode == "wrap":
        gather_mode = lax.GatherScatterMode.PROMISE_IN_BOUNDS
        indices = _modulo(_wide_enough(indices, idx_aval, n), n) if n else indices
    elif mode == "clip":
        gather_mode = lax.GatherScatterMode.CLIP
    else:
        raise ValueError(f"take: invalid mode {mode!r}; use 'fill', 'clip' or 'wrap'")
    idx_shape = idx_aval.shape
    out_shape = aval.shape[:axis] + idx_shape + aval.shape[axis + 1:]
    if n == 0 and idx_aval.size:
        raise IndexError("take: cannot take a non-empty selection from an empty axis")
    if idx_aval.size == 0 or n == 0:
        return lax.broadcast_in_dim(np.zeros((), aval.dtype), out_shape, ())
    slice_sizes = list(aval.shape)
    slice_sizes[axis] = 1
    k = len(idx_shape)
    dnums = lax.GatherDimensionNumbers(
        offset_dims=tuple(range(axis)) + tuple(range(axis + k, aval.ndim + k - 1)),
        collapsed_slice_dims=(axis,), start_index_map=(axis,))
    return lax.gather(a, lax.reshape(indices, idx_shape + (1,)), dnums, tuple(slice_sizes),
                      mode=gather_mode, unique_indices=unique_indices,
                      indices_are_sorted=indices_are_sorted, fill_value=fill_value)


@eager(static_argnames=("axis", "mode", "fill_value"))
def take_along_axis(arr, indices, axis=-1, mode=None, fill_value=None):
    """`arr` indexed along `axis` by `indices` of the same rank (other dimensions
    broadcast), as NumPy's take_along_axis; used with argsort/argmax results. Out-of-bounds
    indices follow `mode` as in JAX: "fill" (the default, NaN for inexact dtypes) or
    "clip"; negative indices count from the end unless mode is "promise_in_bounds"."""
    op = "take_along_axis"
    arr = array_like(arr)
    a_aval = aval_or_error(op, arr)
    indices, idx_aval = _index_array(op, indices)
    a = arr
    if axis is None:
        if idx_aval.ndim != 1:
            raise ValueError(f"take_along_axis: indices must be 1-D when axis is None, got "
                             f"shape {idx_aval.shape}")
        a = lax.reshape(a, (a_aval.size,))
        a_aval = get_aval(a)
        axis = 0
    rank = a_aval.ndim
    if idx_aval.ndim != rank:
        raise ValueError(f"take_along_axis: indices and arr must have the same number of "
                         f"dimensions, got {idx_aval.ndim} and {rank}")
    axis = canonical_axis(op, axis, rank)
    idx_shape = idx_aval.shape
    axis_size = a_aval.shape[axis]
    arr_shape = a_aval.shape[:axis] + (1,) + a_aval.shape[axis + 1:]
    out_shape = broadcast_shapes(op, idx_shape, arr_shape)
    if axis_size == 0:
        return lax.broadcast_in_dim(np.zeros((), a_aval.dtype), out_shape, ())
    if mode != "promise_in_bounds" and mode is not lax.GatherScatterMode.PROMISE_IN_BOUNDS:
        indices = _wrap_negative(_wide_enough(indices, idx_aval, axis_size), axis_size)
    index_dims = [i for i, n in enumerate(idx_shape) if i == axis or n != 1]
    gather_indices = lax.reshape(indices, tuple(out_shape[i] for i in index_dims) + (1,))
    slice_sizes, offset_dims, start_index_map, collapsed = [], [], [], []
    operand_batching_dims, indices_batching_dims, squeezed = [], [], []
    new_i = j = 0  # position in the squeezed array, in the gather indices
    for i in range(rank):
        if i == axis:
            slice_sizes.append(1)
            start_index_map.append(new_i)
            collapsed.append(new_i)
            new_i += 1
            j += 1
        elif idx_shape[i] == 1:  # take all of arr's dimension, no index needed
            offset_dims.append(i)
            slice_sizes.append(arr_shape[i])
            new_i += 1
        elif arr_shape[i] == 1:  # arr broadcasts along this dimension: squeeze it
            squeezed.append(i)
            j += 1
        else:  # matching dimensions of arr and indices: a batching pair
            slice_sizes.append(0 if arr_shape[i] == 0 else 1)
            operand_batching_dims.append(new_i)
            indices_batching_dims.append(j)
            new_i += 1
            j += 1
    a = lax.squeeze(a, squeezed) if squeezed else a
    dnums = lax.GatherDimensionNumbers(
        offset_dims=tuple(offset_dims), collapsed_slice_dims=tuple(collapsed),
        start_index_map=tuple(start_index_map),
        operand_batching_dims=tuple(operand_batching_dims),
        start_indices_batching_dims=tuple(indices_batching_dims))
    return lax.gather(a, gather_indices, dnums, tuple(slice_sizes),
                      mode="fill" if mode is None else mode, fill_value=fill_value)


# ---------------------------------------------------------------------------------------
# nonzero, flatnonzero, argwhere, where(condition): data-dependent sizes (concrete arrays,
# or `size=`)

@api_boundary
def where(condition, x=None, y=None, /, *, size=None, fill_value=None):
    """x where condition is true, else y (broadcast together). With the condition alone,
    the indices of its nonzero elements (as nonzero, with its `size` and `fill_value`)."""
    if x is None and y is None:
        return nonzero(condition, size=size, fill_value=fill_value)
    if x is None or y is None:
        raise TypeError("where: pass both x and y, or neither (where(condition) is "
                        "nonzero(condition))")
    if size is not None or fill_value is not None:
        raise ValueError("where: size and fill_value are only for the one-argument form "
                         "where(condition); got them with x and y")
    return _where3(condition, x, y)


def nonzero(a, *, size=None, fill_value=None):
    """The indices of the nonzero elements of `a`, one integer array per dimension, as
    NumPy's nonzero. Their number depends on the values of `a`, so `a` must be concrete
    (not traced by jit or vmap) unless `size` is given (as in JAX): then the first `size`
    indices are returned, padded with `fill_value` (default 0; a scalar or one per
    dimension), in one compiled program."""
    if size is None:
        return _nonzero(a, None, fill_value)
    return _nonzero_sized(a, size, fill_value)


def flatnonzero(a, *, size=None, fill_value=None):
    """The indices of the nonzero elements of the flattened `a` (see nonzero)."""
    if size is None:
        return _flatnonzero(a, None, fill_value)
    return _flatnonzero_sized(a, size, fill_value)


def argwhere(a, *, size=None, fill_value=None):
    """The indices of the nonzero elements of `a` as rows of a (count, a.ndim) array (see
    nonzero)."""
    if size is None:
        return _argwhere(a, None, fill_value)
    return _argwhere_sized(a, size, fill_value)


def _nonzero(a, size, fill_value):
    op = "nonzero"
    a = array_like(a)
    aval = aval_or_error(op, a)
    if aval.ndim == 0:
        raise ValueError("nonzero: calling nonzero on a 0-d array is not allowed (as in NumPy "
                         ">= 2.1 and JAX); use atleast_1d(a).nonzero() instead")
    index_dtype = dtypes.default_int()
    if size is None:
        host = _concrete_host(a)
        if host is None:
            raise ConcretizationTypeError(
                f"nonzero: the number of nonzero elements of a traced {aval.str_short()} is "
                f"not known while tracing (the result's shape would depend on the values); "
                f"pass size=n (the first n indices, padded with fill_value), or compute it "
                f"outside jit/vmap")
        return tuple(asarray(ix.astype(index_dtype)) for ix in np.nonzero(host))
    size = operator.index(concrete_or_error(size, "size"))
    if size < 0:
        raise ValueError(f"nonzero: size must be non-negative, got {size}")
    ndim, n = aval.ndim, aval.size
    fills = fill_value if isinstance(fill_value, (tuple, list)) else (fill_value,) * ndim
    if len(fills) != ndim:
        raise ValueError(f"nonzero: fill_value must be a scalar or a tuple of length {ndim}, "
                         f"got {fill_value!r}")
    fills = [np.asarray(0 if f is None else concrete_or_error(f, "fill_value"), index_dtype)
             for f in fills]
    if size == 0 or n == 0:
        return tuple(lax.broadcast_in_dim(f, (size,), ()) for f in fills)
    mask = a if aval.dtype == dtypes.bool_ else lax.ne(a, np.zeros((), aval.dtype))
    mask = lax.reshape(mask, (n,))
    counts = lax.convert_element_type(mask, index_dtype)
    position = lax.sub(lax.cumsum(counts, 0), np.ones((), index_dtype))
    position = lax.select(mask, position, _full_index((n,), size, index_dtype))
    dnums = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                        scatter_dims_to_operand_dims=(0,))
    flat = lax.scatter(_full_index((size,), 0, index_dtype), lax.reshape(position, (n, 1)),
                       lax.iota(index_dtype, n), dnums, mode="drop")
    valid = lax.lt(lax.iota(index_dtype, size), lax.reduce_sum(counts, (0,)))
    out, stride = [], n
    for k, (d, f) in enumerate(zip(aval.shape, fills)):
        stride //= d
        coord = lax.div(flat, np.array(stride, index_dtype)) if stride != 1 else flat
        coord = lax.rem(coord, np.array(d, index_dtype)) if k else coord  # k=0: < d already
        out.append(lax.select(valid, coord, lax.broadcast_in_dim(f, (size,), ())))
    return tuple(out)


def _full_index(shape, value, dtype):
    return lax.broadcast_in_dim(np.asarray(value, dtype), shape, ())


def _flatnonzero(a, size, fill_value):
    a = array_like(a)
    aval = aval_or_error("flatnonzero", a)
    return _nonzero(lax.reshape(a, (aval.size,)), size, fill_value)[0]


def _argwhere(a, size, fill_value):
    a = array_like(a)
    aval = aval_or_error("argwhere", a)
    x = lax.reshape(a, (1,)) if aval.ndim == 0 else a
    cols = _nonzero(x, size, fill_value)
    out = lax.concatenate([lax.reshape(c, get_aval(c).shape + (1,)) for c in cols], 1)
    return lax.slice(out, (0, 0), (get_aval(out).shape[0], 0)) if aval.ndim == 0 else out


# With `size`, the shapes are static: one compiled program per signature.
_nonzero_sized, _flatnonzero_sized, _argwhere_sized = (
    eager(named(name)(fn), static_argnums=(1, 2)) for name, fn in (
        ("nonzero", _nonzero), ("flatnonzero", _flatnonzero), ("argwhere", _argwhere)))


# ---------------------------------------------------------------------------------------
# ds: dynamic slices

@register_pytree_node_class
class Slice:
    """`size` elements from `start` with step `stride` (JAX's `jax.ds`): start and size may
    be traced values, unlike a Python slice's."""
    __slots__ = ("start", "size", "stride")

    def __init__(self, start, size, stride=1):
        if stride < 0:
            raise ValueError("`stride` must be >= 0.")
        self.start, self.size, self.stride = start, size, stride

    def tree_flatten(self):  # static (Python int) parts are aux data, traced ones leaves
        dynamic = [x if isinstance(x, core.Tracer) or not isinstance(x, (int, np.integer))
                   else None for x in (self.start, self.size)]
        static = [None if d is not None else x for d, x in zip(dynamic, (self.start,
                                                                         self.size))]
        return dynamic, (*static, self.stride)

    @classmethod
    def tree_unflatten(cls, aux, children):
        start, size = (c if c is not None else s for c, s in zip(children, aux[:2]))
        return cls(start, size, aux[2])

    def __eq__(self, other):
        return (type(other) is Slice and (self.start, self.size, self.stride)
                == (other.start, other.size, other.stride))

    __hash__ = None

    def __repr__(self):
        return f"Slice(start={self.start!r}, size={self.size!r}, stride={self.stride!r})"


def ds(start, size=None, stride=None):
    """A dynamic slice: `ds(i, n)` is `i:i+n` with `i` (and `n`) allowed to be traced,
    `ds(i, n, s)` steps by `s`, `ds(n)` is `:n` and `ds(None)` is `:`.

    >>> ds(4, 2)
    Slice(start=4, size=2, stride=1)
    """
    if start is None:
        return slice(None)
    if stride is None:
        stride = 1
    if not isinstance(stride, int):
        raise ValueError("Non-static stride in `dslice`")
    if size is None:
        start, size = 0, start
    return Slice(start, size, stride)
