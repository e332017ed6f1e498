"""The methods of `Array` (jaxlib's C++ ArrayImpl, see runtime.py) and of tracers: operators,
reductions, shape methods, conversions. One definition serves both, so a function behaves
the same eagerly and under a transformation."""

import numpy as np

from . import dtypes, lax, runtime
from . import numpy as xnp
from .core import ShapedArray, Tracer
from .jit import jit
from .numpy._indexing import _IndexUpdateHelper, getitem


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
    fn = getattr(xnp, name)

    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    method.__name__ = name
    return method


def _reshape(self, *shape, order="C"):
    if len(shape) == 1 and not isinstance(shape[0], int) and np.iterable(shape[0]):
        shape = shape[0]
    return xnp.reshape(self, shape, order=order)


def _transpose(self, *axes):
    if len(axes) == 1 and (axes[0] is None or np.iterable(axes[0])):
        axes = axes[0]
    return xnp.transpose(self, axes or None)


def _astype(self, dtype, copy=False, device=None):
    dtype = dtypes.check_dtype(dtype, "astype")
    if dtype == dtypes.bool_ and dtypes.kind(self.dtype) == "c":
        # convert_element_type drops the imaginary part (right for complex -> real float);
        # complex -> bool must be `x != 0`, as in JAX's jnp.astype.
        return lax.ne(self, np.zeros((), self.dtype))
    return lax.convert_element_type(self, dtype)


def _setitem(self, index, value):
    raise TypeError(
        f"'{type(self).__name__}' object does not support item assignment. xlafront arrays are "
        f"immutable. Instead of ``x[idx] = y``, use ``x = x.at[idx].set(y)`` or another "
        f".at[] method")


def _at(self):
    return _IndexUpdateHelper(self)


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
    "__getitem__": getitem, "__setitem__": _setitem,
    "at": property(_at),
    "T": property(lambda self: xnp.transpose(self)),
    "mT": property(lambda self: xnp.matrix_transpose(self)),
    "real": property(_unop("real")), "imag": property(_unop("imag")),
    "reshape": _reshape, "transpose": _transpose, "astype": _astype,
    "ravel": _forward("ravel"), "flatten": _forward("ravel"), "squeeze": _forward("squeeze"),
    "swapaxes": _forward("swapaxes"), "conj": _forward("conj"), "conjugate": _forward("conj"),
    "clip": _forward("clip"), "round": _forward("round"), "dot": _forward("dot"),
    "sort": _forward("sort"), "argsort": _forward("argsort"), "repeat": _forward("repeat"),
    "sum": _forward("sum"), "prod": _forward("prod"), "max": _forward("max"),
    "min": _forward("min"), "mean": _forward("mean"), "var": _forward("var"),
    "std": _forward("std"), "all": _forward("all"), "any": _forward("any"),
    "argmax": _forward("argmax"), "argmin": _forward("argmin"),
    "take": _forward("take"), "cumsum": _forward("cumsum"), "cumprod": _forward("cumprod"),
    "nonzero": _forward("nonzero"),
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
    value = _value(self)
    if dtype is not None and np.dtype(dtype) != value.dtype:
        return value.astype(dtype)
    return value.copy() if copy else value


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
    return runtime.copy_to_device(self, runtime.array_device(self))


def _devices(self):
    return {runtime.array_device(self)}


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
    "devices": _devices, "device": property(lambda self: runtime.array_device(self)),
    "sharding": property(runtime.array_sharding),
    "addressable_data": lambda self, i: self,
    "copy_to_host_async": runtime.copy_to_host_async,
    "__reduce__": lambda self: (_rebuild, (_value(self).copy(), self.aval.weak_type)),
    "__dlpack__": lambda self, *a, **k: _value(self).__dlpack__(*a, **k),
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
