"""Devices and transfers: listing devices, device_put / device_get / block_until_ready."""
import numpy as np

from . import core, runtime
from .core import get_aval
from .errors import api_boundary
from .tree import tree_leaves, tree_map


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


def process_count():
    return 1


@api_boundary
def device_put(x, device=None):
    """Copies every leaf of pytree `x` to `device` (the default device if None).

    >>> y = device_put(np.ones(3), devices()[0])
    """
    if device is not None and not isinstance(device, type(runtime.default_device())):
        if hasattr(device, "device"):  # a single-device sharding
            device = device.device
        else:
            raise TypeError(f"device_put: device must be an xlafront device or None, got "
                            f"{device!r}")
    ArrayImpl = runtime.array_type()

    def put(leaf):
        if type(leaf) is ArrayImpl:
            if device is None or runtime.array_device(leaf) == device:
                return leaf
            return runtime.copy_to_device(leaf, device)
        if isinstance(leaf, core.Tracer):
            return leaf
        aval = get_aval(leaf)
        return runtime.device_put(leaf, aval, device)

    return tree_map(put, x)


def device_get(x):
    """Copies every Array leaf of pytree `x` to a NumPy array on the host."""
    ArrayImpl = runtime.array_type()
    leaves = [l for l in tree_leaves(x) if type(l) is ArrayImpl]
    for leaf in leaves:
        leaf.copy_to_host_async()
    return tree_map(lambda l: np.asarray(l) if type(l) is ArrayImpl else l, x)


def block_until_ready(x):
    """Waits until every Array in pytree `x` is computed; returns `x`."""
    ArrayImpl = runtime.array_type()
    arrays = [l for l in tree_leaves(x) if type(l) is ArrayImpl]
    if arrays:
        runtime.block_until_ready(arrays)
    return x


# ---------------------------------------------------------------------------------------
