"""Arrays: xlafront's Array *is* jaxlib's C++ ArrayImpl (executables return it with no
Python wrapping, and the C++ dispatcher recognises it); its methods are installed by
xlafront's array_methods through `on_load`. Placement (single-device shardings) and
host/device transfers."""
import numpy as np

from .. import core
from ..config import config
from .client import default_device, on_load, state


def _make_sharding_class(rt):
    xc = rt.xc

    class DeviceSharding(rt.jax.SingleDeviceSharding):
        """A single-device placement, in the form jaxlib's transfer and dispatch code reads."""
        memory_kind = None

        def __init__(self, device):
            super().__init__(device)
            self._device_assignment = (device,)
            self.device = device

        def _to_xla_hlo_sharding(self, ndim):
            return xc.HloSharding.replicate()

        @property
        def device_set(self):
            return {self.device}

        def __repr__(self):
            return f"SingleDeviceSharding(device={self.device!r})"

    rt.DeviceSharding = DeviceSharding
    rt.shardings = {}




def _attach(rt):
    """Teaches core about the Array type and tells the C++ dispatcher when a trace is live."""
    rt.ArrayImpl = rt.jax.ArrayImpl
    _make_sharding_class(rt)
    core.aval_handlers[rt.ArrayImpl] = _array_aval
    core.trace_change_hooks.append(lambda is_eval: rt.tracing.set_local(not is_eval))


on_load(_attach)


def sharding_for(device):
    rt = state()
    sharding = rt.shardings.get(device)
    if sharding is None:
        sharding = rt.shardings[device] = rt.DeviceSharding(device)
    return sharding


def _array_aval(x):
    return x.aval


def array_type():
    return state().ArrayImpl


def device_put(value, aval, device=None, committed=None):
    """Copies a host value (NumPy array or scalar, already of `aval.dtype`) to `device`."""
    rt = state()
    dev = device if device is not None else default_device()
    host = np.asarray(value, dtype=aval.dtype)
    return rt.xc.batched_device_put(
        aval, sharding_for(dev), [host], [dev],
        device is not None if committed is None else committed,
        enable_x64=bool(config.read("enable_x64")))


def copy_to_device(array, device, committed=False):
    """An Array's buffer on another device (a device-to-device copy); `committed` (to
    that device) as device_put makes it, or not, as an implicit move does."""
    rt = state()
    out = rt.jax.batched_copy_array_to_devices_with_sharding(
        [array], [rt.jax.DeviceList((device,))], [sharding_for(device)],
        [rt.jax.ArrayCopySemantics.ALWAYS_COPY])[0]
    if committed:  # the copy comes back uncommitted; rewrap its buffer
        out = rt.xc.ArrayImpl(out.aval, out.sharding, [out], committed=True, _skip_checks=True)
    return out


def array_device(x):
    return x.sharding._device_assignment[0]


def is_committed(x):
    """Whether Array x was placed on its device explicitly (then jit runs there)."""
    return x._committed


def array_sharding(x):
    """The sharding jaxlib recorded for Array x."""
    return x._sharding


def copy_to_host_async(x):
    """Starts copying Array x to the host (a later to_numpy does not wait as long)."""
    x._copy_single_device_array_to_host_async()


def to_numpy(x):
    """The host value of an Array: a read-only zero-copy view on CPU where possible."""
    value = x._npy_value
    if value is None:
        value, did_copy = x._single_device_array_to_np_array_did_copy()
        value.flags.writeable = False
        if did_copy:
            x._npy_value = value
    return value


def block_until_ready(arrays):
    state().jax.batched_block_until_ready(list(arrays))
