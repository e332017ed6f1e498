"""Devices and transfers: listing devices, device_put / device_get / block_until_ready,
the `Array` type for isinstance checks, making arrays from per-device data, live arrays."""
import abc
import os
import platform
import sys
import warnings

import numpy as np

from . import core, dtypes, runtime
from .config import VERSION
from .core import get_aval
from .errors import api_boundary
from .runtime import support
from .tree import tree_leaves, tree_map


class Array(abc.ABC):
    """JAX's `jax.Array`: the type to check and annotate arrays with. Arrays (jaxlib's
    ArrayImpl, the type xlafront's arrays have) and traced values are both instances, as in
    JAX, so `isinstance(x, Array)` holds inside jit and grad too."""
    __slots__ = ()


Array.__module__ = "xlafront"
Array.register(core.Tracer)
runtime.on_load(lambda rt: Array.register(runtime.array_type()))


def devices(backend=None):
    """All devices of the default backend (or of `backend`: 'cpu', 'gpu')."""
    return runtime.devices(backend)


def local_devices(process_index=None, backend=None):
    return runtime.local_devices(process_index, backend)


def device_count(backend=None):
    return runtime.device_count(backend)


def local_device_count(backend=None):
    return runtime.local_device_count(backend)


def default_backend():
    return runtime.default_backend()


def process_index():
    return runtime.process_index()


def process_count(backend=None):
    """How many processes share the devices (more than one under xlafront.distributed)."""
    return runtime.client.process_count(backend)


def process_indices(backend=None):
    """The indices of the processes taking part: [0] (xlafront runs in one process)."""
    return list(range(process_count()))


def _renamed(old, new):
    warnings.warn(f"{old} has been renamed to {new}. This alias will eventually be "
                  "removed; please update your code.", UserWarning, stacklevel=3)


def host_count(backend=None):
    """Deprecated alias of process_count (as in JAX, it warns)."""
    _renamed("host_count", "process_count")
    return process_count()


def host_id(backend=None):
    """Deprecated alias of process_index (as in JAX, it warns)."""
    _renamed("host_id", "process_index")
    return process_index()


def host_ids(backend=None):
    """Deprecated alias of process_indices (as in JAX, it warns)."""
    _renamed("host_ids", "process_indices")
    return process_indices(backend)


def live_arrays(platform=None):
    """Every Array alive on the backend of `platform` (the default backend if None)."""
    return support.live_arrays(platform)


@api_boundary
def device_put(x, device=None):
    """Copies every leaf of pytree `x` to `device` (the default device if None)."""
    if device is not None and not isinstance(device, type(runtime.default_device())):
        if hasattr(device, "device"):  # a single-device sharding
            device = device.device
        else:
            raise TypeError(f"device_put: device must be an xlafront device or None, got "
                            f"{device!r}")
    ArrayImpl = runtime.array_type()

    def put(leaf):
        if type(leaf) is ArrayImpl:
            if device is None or (runtime.array_device(leaf) == device
                                  and runtime.is_committed(leaf)):
                return leaf
            return runtime.copy_to_device(leaf, device, committed=True)
        if isinstance(leaf, core.Tracer):
            return leaf
        aval = get_aval(leaf)
        return runtime.device_put(leaf, aval, device)

    with support.explicit_transfer("put"):  # the transfer guards' "disallow" allows these
        return tree_map(put, x)


def device_get(x):
    """Copies every Array leaf of pytree `x` to a NumPy array on the host."""
    ArrayImpl = runtime.array_type()
    leaves = [l for l in tree_leaves(x) if type(l) is ArrayImpl]
    for leaf in leaves:
        leaf.copy_to_host_async()
    with support.explicit_transfer("get"):
        return tree_map(lambda l: np.asarray(l) if type(l) is ArrayImpl else l, x)


def block_until_ready(x):
    """Waits until every Array in pytree `x` is computed; returns `x`."""
    ArrayImpl = runtime.array_type()
    arrays = [l for l in tree_leaves(x) if type(l) is ArrayImpl]
    if arrays:
        runtime.block_until_ready(arrays)
    return x


def copy_to_host_async(x):
    """Starts copying every Array leaf of pytree `x` to the host (a later device_get or
    np.asarray waits less); leaves without a `copy_to_host_async` method are left alone.
    Returns `x`."""
    for leaf in tree_leaves(x):
        copy = getattr(leaf, "copy_to_host_async", None)
        if copy is not None:
            copy()
    return x


def effects_barrier():
    """Waits until the programs already dispatched have finished, with their side effects
    (host callbacks): xlafront keeps no effect tokens, so it waits for every live Array."""
    for backend in runtime.backends():
        arrays = support.live_arrays(backend)
        if arrays:
            runtime.block_until_ready(arrays)


# ---------------------------------------------------------------------------------------
# Arrays from per-device data (JAX's multi-device constructors, for single-device
# shardings: the only placements xlafront has so far)

def _sharding_device(op, sharding):
    """The one device of a single-device sharding."""
    device_set = getattr(sharding, "device_set", None)
    if device_set is None:
        raise TypeError(f"{op}: sharding should be a Sharding (e.g. "
                        f"SingleDeviceSharding(device)), got {sharding!r} of type "
                        f"{type(sharding).__name__}")
    if len(device_set) != 1:
        raise NotImplementedError(f"{op}: xlafront supports single-device shardings only; "
                                  f"{sharding!r} spans {len(device_set)} devices (multi-device "
                                  "shardings come in a later release)")
    return next(iter(device_set))


def _check_dtype(op, got, dtype):
    if dtype is not None and got != dtypes.check_dtype(dtype, op):
        raise ValueError(f"If `dtype` is provided to `{op}`, it must match the dtype of the "
                         f"addressable shards. Got dtype={dtypes.check_dtype(dtype, op)} and "
                         f"shard dtype={got}.")


def _check_shape(shape, got, dtype, sharding):
    if tuple(shape) != tuple(got):
        raise ValueError(f"Expected shard shape {tuple(shape)} doesn't match the single device "
                         f"array shape {tuple(got)}. Shape of Array is "
                         f"{core.ShapedArray(shape, dtype).str_short()} with sharding "
                         f"{sharding!r}")


def _put_committed(value, device):
    """value (host data or an Array) as an Array committed to `device`."""
    if type(value) is runtime.array_type():
        if runtime.is_committed(value) and runtime.array_device(value) == device:
            return value
        return runtime.copy_to_device(value, device, committed=True)
    with support.explicit_transfer("put"):
        return runtime.device_put(value, get_aval(value), device)


@api_boundary
def make_array_from_callback(shape, sharding, data_callback, dtype=None):
    """An Array of `shape` placed by `sharding`, its data from `data_callback(index)`:
    index is the tuple of slices the device holds (all of it, for a single device)."""
    op = "make_array_from_callback"
    device = _sharding_device(op, sharding)
    shape = core.concrete_shape(shape, op)
    value = data_callback((slice(None),) * len(shape))
    if type(value) is not runtime.array_type():
        value = np.asarray(value)
        value = value.astype(dtypes.canonicalize(value.dtype), copy=False)
    _check_dtype(op, value.dtype, dtype)
    _check_shape(shape, np.shape(value), value.dtype, sharding)
    return _put_committed(value, device)


@api_boundary
def make_array_from_single_device_arrays(shape, sharding, arrays, *, dtype=None):
    """The Array of `shape` placed by `sharding` whose per-device data are `arrays` (for a
    single-device sharding: one Array, which must have `shape`)."""
    op = "make_array_from_single_device_arrays"
    device = _sharding_device(op, sharding)
    arrays = list(arrays)
    if len(arrays) != 1:
        raise ValueError(f"Expected 1 per-device arrays (this is how many devices are "
                         f"addressable by the sharding), but got {len(arrays)}")
    (array,) = arrays
    if type(array) is not runtime.array_type():
        raise TypeError(f"{op}: arrays must be xlafront Arrays, got {type(array).__name__}")
    _check_dtype(op, array.dtype, dtype)
    _check_shape(core.concrete_shape(shape, op), array.shape, array.dtype, sharding)
    return _put_committed(array, device)


@api_boundary
def make_array_from_process_local_data(sharding, local_data, global_shape=None):
    """The Array placed by `sharding` from the data this process holds (with one process,
    all of it: global_shape, if given, must be local_data's shape)."""
    op = "make_array_from_process_local_data"
    device = _sharding_device(op, sharding)
    shape = np.shape(local_data)
    if global_shape is not None and tuple(global_shape) != shape:
        raise ValueError(f"When calling `{op}` on a single process, global_shape should be "
                         f"None or equal to local_data.shape.Got global_shape="
                         f"{tuple(global_shape)} and local_data.shape={shape}.")
    if type(local_data) is not runtime.array_type():
        local_data = np.asarray(local_data)
        local_data = local_data.astype(dtypes.canonicalize(local_data.dtype), copy=False)
    return _put_committed(local_data, device)


# ---------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------
# print_environment_info

def print_environment_info(return_string=False):
    """xlafront's, jaxlib's, NumPy's and Python's versions, the devices and the JAX_/XLA_
    environment variables: what to include in a bug report. Printed, or returned with
    return_string=True."""
    python = sys.version.replace("\n", " ")
    info = (f"xlafront: {VERSION} (the API of JAX 0.10.2)\n"
            f"jaxlib:   {support.jaxlib_version()}\n"
            f"numpy:    {np.__version__}\n"
            f"python:   {python}\n"
            f"device info: {devices()[0].device_kind}-{device_count()}, "
            f"{local_device_count()} local devices\n"
            f"process_count: {process_count()}\n"
            f"platform: {platform.uname()}")
    for key, value in os.environ.items():
        if key.startswith(("JAX_", "XLA_", "XLAFRONT_")):
            info += f"\n{key}={value}"
    if return_string:
        return info
    print(info)
    return None
