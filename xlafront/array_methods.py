"""The methods of `Array` (jaxlib's C++ ArrayImpl, see runtime.py) and of tracers: operators,
reductions, shape methods, conversions. One definition serves both, so a function behaves
the same eagerly and under a transformation."""

import warnings

import numpy as np

from . import devices, dtypes, lax, runtime
from . import numpy as xnp
from .core import ShapedArray, Tracer
from .dispatch import eager
from .jit import jit


_NOT_OPERANDS = (str, bytes, dict, set)


def _binop(name, reflected=False):
    fn = getattr(xnp, name)  # the xlafront.numpy function (eager: one program per signature)

    if reflected:
        def method(self, other):
            if isinstance(other, _NOT_OPERANDS) or other is None:
                return NotImplemented
            return fn(other, self)
    else:
        def method(self, other):
            if isinstance(other, _NOT_OPERANDS) or other is None:
                return NotImplemented
            return fn(self, other)
    return method


def _unop(name):
    fn = getattr(xnp, name)
    return lambda self: fn(self)


def _forward(name):
    def method(self, *args, **kwargs):  # (looked up per call: some load on first use)
        return getattr(xnp, name)(self, *args, **kwargs)
    method.__name__ = name
    return method


def _reshape(self, *shape, order="C", out_sharding=None):
    if len(shape) == 1 and not isinstance(shape[0], int) and np.iterable(shape[0]):
        shape = shape[0]
    if out_sharding is not None:
        return xnp.reshape(self, shape, order, out_sharding=out_sharding)
    return xnp.reshape(self, shape, order)


def _compress(self, condition, axis=None, *, out=None, size=None, fill_value=0):
    return xnp.compress(condition, self, axis, out=out, size=size, fill_value=fill_value)


def _round_operator(self, ndigits=None):
    """round(x) and round(x, ndigits): as for Python floats, no ndigits gives integers."""
    out = xnp.round(self, ndigits or 0)
    return out if ndigits is not None else lax.convert_element_type(out, dtypes.default_int())


def _contains(self, item):
    """`item in x`, as JAX: x must be 1-D and item a scalar."""
    if item is None or isinstance(item, str):
        raise TypeError(f"Array.__contains__: unsupported operand type {type(item).__name__}")
    if self.ndim != 1:
        raise ValueError(f"Array.__contains__: the array must be one-dimensional, got shape "
                         f"{self.shape}")
    if np.ndim(item) != 0:
        raise ValueError(f"Array.__contains__: the query value must be a scalar, got shape "
                         f"{np.shape(item)}")
    return xnp.any(xnp.equal(self, item))


def _array_namespace(self, *, api_version=None):
    """The Array API namespace of arrays: xlafront.numpy."""
    if api_version is not None and api_version != xnp.__array_api_version__:
        raise ValueError(f"__array_namespace__: api_version={api_version!r} is not available; "
                         f"the available version is {xnp.__array_api_version__!r}")
    return xnp


def _array_module(self, types):
    """NEP 37's module dispatch: xlafront.numpy for arrays it handles."""
    handled = (Tracer, np.ndarray, type(self))
    return xnp if all(issubclass(t, handled) for t in types) else NotImplemented


def _not_flat(self):
    raise NotImplementedError("Arrays do not implement the arr.flat property (as in JAX): "
                              "consider arr.flatten() instead")


# view and byteswap reinterpret the bits: as unsigned integers of the element's width, split
# into narrower ones or joined into wider ones (least significant first: the byte order of
# the little-endian machines XLA runs on).

def _uint(itemsize):
    return np.dtype(f"uint{8 * itemsize}")


def _as_uint(x):
    if x.dtype == dtypes.bool_:
        return lax.convert_element_type(x, np.uint8)
    return lax.bitcast_convert_type(x, _uint(x.dtype.itemsize))


def _from_uint(u, dtype):
    return lax.ne(u, np.zeros((), u.dtype)) if dtype == dtypes.bool_ else \
        lax.bitcast_convert_type(u, dtype)


def _split_uint(u, k):
    """(..., n) unsigned -> (..., n, k) unsigned of 1/k the width."""
    bits = 8 * u.dtype.itemsize // k
    parts = [lax.convert_element_type(lax.shift_right_logical(u, np.array(bits * i, u.dtype)),
                                      _uint(u.dtype.itemsize // k)) for i in range(k)]
    return lax.concatenate([lax.expand_dims(p, (u.ndim,)) for p in parts], u.ndim)


def _join_uint(parts):
    """(..., n, k) unsigned -> (..., n) unsigned of k times the width."""
    k, wide = parts.shape[-1], _uint(parts.dtype.itemsize * parts.shape[-1])
    out = None
    for i in range(k):
        part = lax.reshape(lax.slice_in_dim(parts, i, i + 1, 1, parts.ndim - 1), parts.shape[:-1])
        part = lax.shift_left(lax.convert_element_type(part, wide),
                              np.array(8 * parts.dtype.itemsize * i, wide))
        out = part if out is None else lax.bitwise_or(out, part)
    return out


@eager(static_argnames=("dtype", "type"))
def _view(self, dtype=None, type=None):  # noqa: A002 (NumPy's name)
    """The same bytes read as `dtype`; the last axis grows or shrinks by the ratio of the
    item sizes (as NumPy's view, and JAX's)."""
    if type is not None:
        raise NotImplementedError("view: the `type` argument is not supported")
    if dtype is None:
        return self
    dtype = dtypes.check_dtype(dtype, "view")
    src = self.dtype
    if self.ndim == 0:
        if src.itemsize != dtype.itemsize:
            raise ValueError(f"view: a 0-d array can only be viewed as a dtype of the same "
                             f"size ({src.name} has {src.itemsize} bytes, {dtype.name} "
                             f"{dtype.itemsize})")
        return lax.reshape(_view(lax.reshape(self, (1,)), dtype), ())
    if (self.shape[-1] * src.itemsize) % dtype.itemsize:
        raise ValueError(f"view: the last axis ({self.shape[-1]} x {src.itemsize} bytes) is "
                         f"not a whole number of {dtype.name} ({dtype.itemsize} bytes); to "
                         f"change to a larger dtype its size must divide the bytes of the "
                         f"last axis")
    if src == dtype:
        return self
    lead = self.shape[:-1]
    if dtypes.kind(src) == "c":  # as (real, imag) pairs of floats
        parts = [lax.expand_dims(f(self), (self.ndim,)) for f in (lax.real, lax.imag)]
        pairs = lax.concatenate(parts, self.ndim)
        return _view(lax.reshape(pairs, lead + (2 * self.shape[-1],)), dtype)
    if dtypes.kind(dtype) == "c":
        floats = _view(self, np.dtype(f"float{4 * dtype.itemsize}"))
        pairs = lax.reshape(floats, floats.shape[:-1] + (floats.shape[-1] // 2, 2))
        real, imag = (lax.reshape(lax.slice_in_dim(pairs, i, i + 1, 1, pairs.ndim - 1),
                                  pairs.shape[:-1]) for i in (0, 1))
        return lax.complex(real, imag)
    u = _as_uint(self)
    if src.itemsize > dtype.itemsize:
        k = src.itemsize // dtype.itemsize
        u = lax.reshape(_split_uint(u, k), lead + (self.shape[-1] * k,))
    elif src.itemsize < dtype.itemsize:
        k = dtype.itemsize // src.itemsize
        u = _join_uint(lax.reshape(u, lead + (self.shape[-1] // k, k)))
    return _from_uint(u, dtype)


@eager
def _byteswap(self):
    """The bytes of every element in reverse order."""
    if dtypes.kind(self.dtype) == "c":
        return lax.complex(_byteswap(lax.real(self)), _byteswap(lax.imag(self)))
    width = self.dtype.itemsize
    if width == 1:
        return self
    parts = _split_uint(_as_uint(self), width)
    return _from_uint(_join_uint(lax.rev(parts, (parts.ndim - 1,))), self.dtype)


def _transpose(self, *axes):
    if len(axes) == 1 and (axes[0] is None or np.iterable(axes[0])):
        axes = axes[0]
    return xnp.transpose(self, axes or None)


def _astype(self, dtype, copy=False, device=None):
    return xnp.astype(self, dtype, copy=copy, device=device)


def _setitem(self, index, value):
    raise TypeError(
        f"'{type(self).__name__}' object does not support item assignment. xlafront arrays are "
        f"immutable. Instead of ``x[idx] = y``, use ``x = x.at[idx].set(y)`` or another "
        f".at[] method")


def _at(self):
    return xnp._indexing._IndexUpdateHelper(self)


def _getitem(self, idx):  # (xnp._indexing loads on first use)
    return xnp._indexing.getitem(self, idx)


_shared = {
    "__add__": _binop("add"), "__radd__": _binop("add", True),
    "__sub__": _binop("subtract"), "__rsub__": _binop("subtract", True),
    "__mul__": _binop("multiply"), "__rmul__": _binop("multiply", True),
    "__truediv__": _binop("true_divide"), "__rtruediv__": _binop("true_divide", True),
    "__floordiv__": _binop("floor_divide"), "__rfloordiv__": _binop("floor_divide", True),
    "__mod__": _binop("remainder"), "__rmod__": _binop("remainder", True),
    "__pow__": _binop("power"), "__rpow__": _binop("power", True),
    "__matmul__": _binop("matmul"), "__rmatmul__": _binop("matmul", True),
    "__and__": _binop("bitwise_and"), "__rand__": _binop("bitwise_and", True),
    "__or__": _binop("bitwise_or"), "__ror__": _binop("bitwise_or", True),
    "__xor__": _binop("bitwise_xor"), "__rxor__": _binop("bitwise_xor", True),
    "__lshift__": _binop("left_shift"), "__rlshift__": _binop("left_shift", True),
    "__rshift__": _binop("right_shift"), "__rrshift__": _binop("right_shift", True),
    "__eq__": _binop("equal"), "__ne__": _binop("not_equal"),
    "__lt__": _binop("less"), "__le__": _binop("less_equal"),
    "__gt__": _binop("greater"), "__ge__": _binop("greater_equal"),
    "__neg__": _unop("negative"), "__pos__": _unop("positive"), "__abs__": _unop("absolute"),
    "__invert__": _unop("bitwise_not"),
    "__divmod__": lambda self, other: (xnp.floor_divide(self, other), xnp.remainder(self, other)),
    "__rdivmod__": lambda self, other: (xnp.floor_divide(other, self), xnp.remainder(other, self)),
    "__getitem__": _getitem, "__setitem__": _setitem,
    "at": property(_at),
    "T": property(lambda self: xnp.transpose(self)),
    "mT": property(lambda self: xnp.matrix_transpose(self)),
    "real": property(_unop("real")), "imag": property(_unop("imag")),
    "reshape": _reshape, "transpose": _transpose, "astype": _astype, "view": _view,
    "byteswap": _byteswap,
    "ravel": _forward("ravel"), "flatten": _forward("ravel"), "squeeze": _forward("squeeze"),
    "swapaxes": _forward("swapaxes"), "conj": _forward("conj"), "conjugate": _forward("conj"),
    "clip": _forward("clip"), "round": _forward("round"), "dot": _forward("dot"),
    "sort": _forward("sort"), "argsort": _forward("argsort"), "repeat": _forward("repeat"),
    "sum": _forward("sum"), "prod": _forward("prod"), "max": _forward("max"),
    "min": _forward("min"), "mean": _forward("mean"), "var": _forward("var"),
    "std": _forward("std"), "all": _forward("all"), "any": _forward("any"),
    "argmax": _forward("argmax"), "argmin": _forward("argmin"),
    "take": _forward("take"), "cumsum": _forward("cumsum"), "cumprod": _forward("cumprod"),
    "nonzero": _forward("nonzero"), "ptp": _forward("ptp"), "trace": _forward("trace"),
    "diagonal": _forward("diagonal"), "searchsorted": _forward("searchsorted"),
    "argpartition": _forward("argpartition"), "choose": _forward("choose"),
    "compress": _compress, "flat": property(_not_flat),
    "copy": lambda self: self,  # (tracers: values are immutable; Arrays copy the buffer)
    "__copy__": lambda self: self.copy(), "__deepcopy__": lambda self, memo: self.copy(),
    "__round__": _round_operator, "__contains__": _contains,
    "__array_namespace__": _array_namespace, "__array_module__": _array_module,
    "nbytes": property(lambda self: self.size * self.dtype.itemsize),
    "itemsize": property(lambda self: self.dtype.itemsize),
    "__array_priority__": 100,
}


# ---------------------------------------------------------------------------------------
# Methods only concrete arrays have

def _value(self):
    return runtime.to_numpy(self)


def _repr(self):
    prefix = "Array("
    weak = ", weak_type=True" if self.aval.weak_type else ""
    dtype_str = f"dtype={self.dtype.name}{weak})"
    if self.is_deleted():
        return f"Array(<deleted>, shape={self.shape}, {dtype_str}"
    text = np.array2string(_value(self), prefix=prefix, suffix=",", separator=", ",
                           max_line_width=np.get_printoptions()["linewidth"])
    last_line = len(text) - text.rfind("\n") + 1
    sep = " " if last_line + len(dtype_str) + 1 <= 75 else "\n" + " " * len(prefix)
    return f"{prefix}{text},{sep}{dtype_str}"


def _array(self, dtype=None, copy=None):
    """np.asarray(x): the host value (read-only, no copy on CPU where possible); as NumPy 2's
    protocol, copy=True always copies and copy=False raises when a copy is needed."""
    if copy is None:
        return np.asarray(_value(self), dtype=dtype)
    return np.array(_value(self), dtype=dtype, copy=copy)


def _dlpack(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    """A DLPack capsule of this array's buffer (shared; copied for copy=True, or to move
    it to `dl_device`, a (DLPack device type, id) pair)."""
    if max_version is not None and tuple(max_version) < (0, 5):
        raise BufferError(f"__dlpack__: DLPack versions below (0, 5) are not supported, got "
                          f"max_version={max_version}")
    runtime.array.dlpack_device(self)  # (BufferError unless it has one, exportable device)
    source = runtime.array_device(self)
    target = runtime.array.dlpack_source_device(dl_device) if dl_device else source
    if target != source:
        if copy is False:
            raise ValueError(f"__dlpack__: dl_device={dl_device} needs a copy from "
                             f"{source}, but copy=False; pass copy=True or copy=None")
        array = devices.device_put(self, target)
    else:
        array = _copy(self) if copy else self
    return runtime.array.to_dlpack(array, stream=stream)


def _len(self):
    if self.ndim == 0:
        raise TypeError("len() of unsized object")
    return self.shape[0]


def _iter(self):
    if self.ndim == 0:
        raise TypeError("iteration over a 0-d array")
    return iter(_unstack(self))


_unstack_fn = None


def _unstack(x):
    """All rows of x in one compiled program (not one slice program per row)."""
    global _unstack_fn
    if _unstack_fn is None:
        _unstack_fn = jit(lambda a: [lax.reshape(lax.slice(a, (i,) + (0,) * (a.ndim - 1), (i + 1,) + a.shape[1:]), a.shape[1:])
                                     for i in range(a.shape[0])])
    return _unstack_fn(x)


def _scalar_conversion(kind):
    def convert(self):
        if self.size != 1:
            raise TypeError(f"only length-1 arrays can be converted to Python scalars; this "
                            f"array has shape {self.shape}")
        return kind(_value(self).reshape(()).item() if kind is not complex
                    else _value(self).reshape(()))
    return convert


def _bool(self):
    if self.size != 1:
        raise ValueError(f"The truth value of an array with more than one element is ambiguous "
                         f"(shape {self.shape}). Use a.any() or a.all()")
    return bool(_value(self).reshape(()))


def _index(self):
    if self.ndim != 0 or dtypes.kind(self.dtype) not in "iu":
        raise TypeError(f"only integer scalar arrays can be converted to a scalar index, got "
                        f"{self.aval.str_short()}")
    return int(_value(self))


def _hash(self):
    raise TypeError("unhashable type: 'Array' (arrays are mutable-looking values; use "
                    "x.item() or a tuple of values as a key)")


def _copy(self):
    device = runtime.array_device(self)
    return runtime.copy_array(self) if device is None else runtime.copy_to_device(self, device)


def _devices(self):
    return set(runtime.array_devices(self))


class Shard:
    """One device's part of an Array: the whole array here (xlafront Arrays live on one
    device)."""

    def __init__(self, device, index, replica_id, data):
        self.device, self.index, self.replica_id, self.data = device, index, replica_id, data

    def __repr__(self):
        return (f"Shard(device={self.device!r}, index={self.index}, "
                f"replica_id={self.replica_id}, data={self.data})")


def _shards(self):
    """One Shard per block this process holds; copies of a block count by replica_id."""
    seen = {}
    out = []
    for device, index, data in runtime.array_shards(self):
        key = tuple((s.start, s.stop) for s in index)
        out.append(Shard(device, index, seen.setdefault(key, 0), data))
        seen[key] += 1
    return out


def _device(self):
    device = runtime.array_device(self)
    if device is None:
        raise ValueError("Length of devices is greater than 1. Please use `.devices()`.")
    return device


def _to_device(self, device, *, stream=None):
    if stream is not None:
        raise NotImplementedError("to_device: the `stream` argument is not supported")
    return devices.device_put(self, device)


def _deprecated(name, hint):
    def fail(self):
        raise AttributeError(f"arr.{name} has been deprecated (as in JAX). Use {hint}")
    return property(fail)


def _sharding_later(name):
    def fail(self):
        raise NotImplementedError(f"Array.{name} is not supported yet: xlafront Arrays live on "
                                  f"one device; shardings and layouts come later")
    return property(fail)


def _numpy_dtype(self):
    warnings.warn("Implicit conversion of an array to a dtype is deprecated (as in JAX); "
                  "rather than dtype=arr use dtype=arr.dtype", DeprecationWarning, stacklevel=2)
    return self.dtype


def _format(self, spec):
    if self.ndim == 0:
        return format(_value(self).item(), spec)
    return format(str(self), spec)


_concrete = {
    "shape": property(lambda self: self.aval.shape),
    "dtype": property(lambda self: self.aval.dtype),
    "ndim": property(lambda self: len(self.aval.shape)),
    "size": property(lambda self: self.aval.size),
    "weak_type": property(lambda self: self.aval.weak_type),
    "__repr__": _repr, "__str__": lambda self: str(_value(self)), "__format__": _format,
    "__array__": _array, "__len__": _len, "__iter__": _iter,
    "__bool__": _bool, "__int__": _scalar_conversion(int),
    "__float__": _scalar_conversion(float),
    "__complex__": _scalar_conversion(complex), "__index__": _index,
    "__hash__": _hash, "item": lambda self, *args: _value(self).item(*args),
    "tolist": lambda self: _value(self).tolist(), "copy": _copy,
    "devices": _devices, "device": property(_device),
    "sharding": property(runtime.array_sharding),
    "addressable_data": lambda self, i: _shards(self)[i].data,
    "copy_to_host_async": runtime.copy_to_host_async,
    "__reduce__": lambda self: (_rebuild, (_value(self).copy(), self.aval.weak_type)),
    "__dlpack__": _dlpack, "__dlpack_device__": runtime.array.dlpack_device,
    "__hex__": lambda self: hex(_index(self)), "__oct__": lambda self: oct(_index(self)),
    "__numpy_dtype__": property(_numpy_dtype),
    "tobytes": lambda self, order="C": _value(self).tobytes(order),
    "to_device": _to_device, "committed": property(runtime.is_committed),
    "addressable_shards": property(_shards), "global_shards": property(_shards),
    "is_fully_addressable": property(lambda self: getattr(
        runtime.array_sharding(self), "is_fully_addressable", True)),
    "is_fully_replicated": property(lambda self: getattr(
        runtime.array_sharding(self), "is_fully_replicated", True)),
    "device_buffer": _deprecated("device_buffer", "arr.addressable_data(0)"),
    "device_buffers": _deprecated("device_buffers", "[x.data for x in arr.addressable_shards]"),
    "format": _sharding_later("format"),
    "__module__": "xlafront",
}


def _rebuild(value, weak_type):
    return runtime.device_put(value, ShapedArray(value.shape, value.dtype, weak_type))


def _install(rt):
    """Puts the shared and the concrete-only methods on jaxlib's ArrayImpl."""
    array_type = rt.ArrayImpl
    for name, value in {**_shared, **_concrete}.items():
        setattr(array_type, name, value)
    try:
        array_type.__name__ = array_type.__qualname__ = "Array"
    except (AttributeError, TypeError):
        pass  # some jaxlib builds make the type's name read-only


for _name, _value_ in _shared.items():
    setattr(Tracer, _name, _value_)
runtime.on_load(_install)
