"""Arrays: xlafront's Array *is* jaxlib's C++ ArrayImpl (executables return it with no
Python wrapping, and the C++ dispatcher recognises it); its methods are installed by
xlafront's array_methods through `on_load`. Placement (single-device shardings) and
host/device transfers, DLPack export and import."""
import ctypes
import enum

import numpy as np

from .. import core, dtypes
from ..config import config
from .client import default_device, get_backend, on_load, state


def _make_sharding_class(rt):
    class DeviceSharding(rt.jax.SingleDeviceSharding):
        """A single-device placement, in the form jaxlib's transfer and dispatch code reads."""
        memory_kind = None

        def __init__(self, device):
            super().__init__(device)
            self._device_assignment = (device,)
            self.device = device

        def _to_xla_hlo_sharding(self, ndim):
            return rt.hlo.HloSharding.replicate()

        @property
        def device_set(self):
            return {self.device}

        def __repr__(self):
            return f"SingleDeviceSharding(device={self.device!r})"

    rt.DeviceSharding = DeviceSharding
    rt.shardings = {}


def _make_pmap_sharding_class(rt):
    hlo_ = rt.hlo

    class PmapSharding(rt.jax.GSPMDSharding):
        """How pmap lays an array over devices: cut into equal blocks along `axis`, block i
        on the i-th group of `replicas` consecutive devices (each holding a copy; one device
        per block unless nested pmaps run inside), or with axis None a whole copy on every
        device. Blocks keep the axis (a block of an (8, 3) array over 8 devices is (1, 3)),
        as JAX's pmap results are laid out."""
        memory_kind = None

        def __init__(self, devices, axis, ndim, replicas=1):
            if axis is None:
                hlo = hlo_.HloSharding.replicate()
            else:
                dims = [1] * ndim
                dims[axis] = len(devices) // replicas
                subgroups = []
                if replicas > 1:
                    dims.append(replicas)
                    subgroups = [hlo_.OpSharding.Type.REPLICATED]
                hlo = hlo_.HloSharding.iota_tile(dims, subgroup_types=subgroups)
            super().__init__(tuple(devices), hlo)
            self._device_assignment = tuple(devices)
            self.axis, self.ndim, self.replicas = axis, ndim, replicas

        def _to_xla_hlo_sharding(self, ndim):
            return self._hlo_sharding

        device_set = property(lambda self: set(self._device_assignment))
        num_devices = property(lambda self: len(self._device_assignment))
        is_fully_replicated = property(lambda self: self.axis is None)
        addressable_devices = property(lambda self: {
            d for d in self._device_assignment if d.process_index == d.client.process_index()})
        is_fully_addressable = property(
            lambda self: len(self.addressable_devices) == len(self._device_assignment))

        def shard_shape(self, shape):
            """The shape of the block each device holds of an array of `shape`."""
            shape = list(shape)
            if self.axis is not None:
                shape[self.axis] //= len(self._device_assignment) // self.replicas
            return tuple(shape)

        def devices_indices_map(self, shape):
            """{device: the index (a tuple of slices) of its block of an array of `shape`}."""
            out = {}
            for position, device in enumerate(self._device_assignment):
                index = [slice(None)] * len(shape)
                if self.axis is not None:
                    size = self.shard_shape(shape)[self.axis]
                    block = position // self.replicas
                    index[self.axis] = slice(block * size, (block + 1) * size)
                out[device] = tuple(index)
            return out

        def addressable_devices_indices_map(self, shape):
            mine = self.addressable_devices
            return {d: i for d, i in self.devices_indices_map(shape).items() if d in mine}

        def __repr__(self):
            layout = "replicated" if self.axis is None else f"axis={self.axis}"
            copies = f", replicas={self.replicas}" if self.replicas > 1 else ""
            return f"PmapSharding(devices={list(self._device_assignment)!r}, {layout}{copies})"

    rt.PmapSharding = PmapSharding
    rt.pmap_shardings = {}


def _attach(rt):
    """Teaches core about the Array type and tells the C++ dispatcher when a trace is live."""
    rt.ArrayImpl = rt.jax.ArrayImpl
    _make_sharding_class(rt)
    _make_pmap_sharding_class(rt)
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
    return rt.jax.batched_device_put(
        aval, sharding_for(dev), [host], [dev],
        device is not None if committed is None else committed,
        enable_x64=bool(config.read("enable_x64")))


def copy_to_device(array, device, committed=False):
    """An Array's buffer on another device (a device-to-device copy); `committed` (to
    that device) as device_put makes it, or not, as an implicit move does. An Array over
    several devices (a pmap result) is gathered: through the host unless a copy of all of
    it sits on one device."""
    rt = state()
    if array_device(array) is None:
        whole = _whole_copy(array)
        if whole is None:
            return device_put(to_numpy(array), array.aval, device, committed)
        array = whole
    out = rt.jax.batched_copy_array_to_devices_with_sharding(
        [array], [rt.jax.DeviceList((device,))], [sharding_for(device)],
        [rt.jax.ArrayCopySemantics.ALWAYS_COPY])[0]
    if committed:  # the copy comes back uncommitted; rewrap its buffer
        out = rt.jax.ArrayImpl(out.aval, out.sharding, [out], committed=True, _skip_checks=True)
    return out


def copy_array(x):
    """A copy of Array x's buffers, laid out as x (over its devices)."""
    rt = state()
    sharding = x._sharding
    return rt.jax.batched_copy_array_to_devices_with_sharding(
        [x], [rt.jax.DeviceList(tuple(sharding._device_assignment))], [sharding],
        [rt.jax.ArrayCopySemantics.ALWAYS_COPY])[0]


def array_device(x):
    """The device of a single-device Array; None for an Array over several devices (a pmap
    result), which a one-device program takes only once gathered (copy_to_device)."""
    assignment = x._sharding._device_assignment
    return assignment[0] if len(assignment) == 1 else None


def array_devices(x):
    """Every device holding part of Array x (other processes' devices included), in the
    order of its sharding."""
    return x._sharding._device_assignment


def pmap_sharding(devices, axis, ndim, replicas=1):
    """The (cached) PmapSharding over `devices` of an ndim-array split along `axis` (None:
    a copy per device), each block on `replicas` consecutive devices."""
    rt = state()
    key = (tuple(devices), axis, ndim, replicas)
    sharding = rt.pmap_shardings.get(key)
    if sharding is None:
        sharding = rt.pmap_shardings[key] = rt.PmapSharding(devices, axis, ndim, replicas)
    return sharding


def array_shards(x):
    """[(device, index, Array)] for the blocks of Array x held by this process: the device,
    the block's index into x (a tuple of slices), the block as a single-device Array."""
    rt = state()
    sharding = x._sharding
    if len(sharding._device_assignment) == 1:
        return [(sharding._device_assignment[0], (slice(None),) * len(x.aval.shape), x)]
    indices = sharding.devices_indices_map(x.aval.shape)
    aval = x.aval.update(shape=sharding.shard_shape(x.aval.shape))
    out = []
    for buffer in x._arrays:  # jaxlib hands the blocks out without a type: give them one
        device = buffer._sharding._device
        out.append((device, indices[device], rt.ArrayImpl(
            aval, sharding_for(device), [buffer], x._committed, _skip_checks=True)))
    return out


def _whole_copy(x):
    """A single-device Array holding all of multi-device Array x, when one of its devices
    does (a replicated array); else None."""
    if not x._sharding.is_fully_replicated:
        return None
    return next((a for _, _, a in array_shards(x)), None)


def put_shards(aval, sharding, blocks, devices):
    """The Array of type `aval` laid out by `sharding` from host `blocks`, blocks[i] copied
    to devices[i] (this process's devices of the sharding)."""
    return state().jax.batched_device_put(aval, sharding, list(blocks), list(devices), True,
                                          enable_x64=bool(config.read("enable_x64")))


def rewrap(x, aval, sharding):
    """Array x's buffers seen as an Array of type `aval` laid out by `sharding` (no copy):
    a process's part of an array over every process's devices, and back."""
    return x._rewrap_with_aval_and_sharding(aval, sharding)


def is_committed(x):
    """Whether Array x was placed on its device explicitly (then jit runs there)."""
    return x._committed


def array_sharding(x):
    """The sharding jaxlib recorded for Array x."""
    return x._sharding


def copy_to_host_async(x):
    """Starts copying Array x to the host (a later to_numpy does not wait as long)."""
    if array_device(x) is None and not x._sharding.is_fully_replicated:
        for buffer in x._arrays:
            buffer._copy_single_device_array_to_host_async()
    else:
        x._copy_single_device_array_to_host_async()


def to_numpy(x):
    """The host value of an Array: a read-only zero-copy view on CPU where possible. An
    Array split over several devices is assembled from its blocks."""
    value = x._npy_value
    if value is None:
        sharding = x._sharding
        if len(sharding._device_assignment) > 1 and not sharding.is_fully_replicated:
            return _assemble_on_host(x)
        value, did_copy = x._single_device_array_to_np_array_did_copy()
        value.flags.writeable = False
        if did_copy:
            x._npy_value = value
    return value


def _assemble_on_host(x):
    sharding = x._sharding
    if not sharding.is_fully_addressable:
        raise RuntimeError(
            f"Fetching the value of an Array of shape {x.aval.shape} spread over the devices "
            f"of several processes is not possible from one process: each process holds only "
            f"its blocks (see .addressable_shards), or gather it with a collective first.")
    for buffer in x._arrays:
        buffer._copy_single_device_array_to_host_async()
    value = np.empty(x.aval.shape, x.aval.dtype)
    indices = sharding.devices_indices_map(x.aval.shape)
    for buffer in x._arrays:
        value[indices[buffer._sharding._device]] = \
            buffer._single_device_array_to_np_array_did_copy()[0]
    value.flags.writeable = False
    x._npy_value = value
    return value


def block_until_ready(arrays):
    state().jax.batched_block_until_ready(list(arrays))


# ---------------------------------------------------------------------------------------
# DLPack: jaxlib hands a device buffer out as a DLPack capsule, and takes one in, without a
# copy where the layout allows. Its imported buffers come without a shape and dtype for
# xlafront (jaxlib looks them up in the jax package), so they are read from the capsule.

class DLDeviceType(enum.IntEnum):
    """DLPack's device types that XLA's platforms have."""
    kDLCPU = 1
    kDLCUDA = 2
    kDLCUDAHost = 3
    kDLROCM = 10


_DL_PLATFORMS = {DLDeviceType.kDLCPU: "cpu", DLDeviceType.kDLCUDA: "gpu",
                 DLDeviceType.kDLCUDAHost: "gpu", DLDeviceType.kDLROCM: "gpu"}
# DLPack's (type code, bits) of the dtypes jaxlib exchanges -> the dtype (the codes by
# NumPy's kind: bfloat16's is V)
_DL_CODES = {"i": 0, "u": 1, "f": 2, "V": 4, "c": 5, "b": 6}
DLPACK_DTYPES = {(_DL_CODES[d.kind], 8 * d.itemsize): d for d in (
    *dtypes.signed_ints, *dtypes.unsigned_ints, dtypes.float16, dtypes.bfloat16,
    dtypes.float32, dtypes.float64, *dtypes.complexes, dtypes.bool_)}


class _DLTensor(ctypes.Structure):
    """The head of DLPack's DLManagedTensor (what a "dltensor" capsule points to)."""
    _fields_ = [("data", ctypes.c_void_p), ("device_type", ctypes.c_int32),
                ("device_id", ctypes.c_int32), ("ndim", ctypes.c_int32),
                ("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16),
                ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype, _capsule_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object,
                                                                       ctypes.c_char_p]


def _read_capsule(capsule):
    """(the ShapedArray, the address of the data) of a not yet consumed DLPack capsule."""
    head = ctypes.cast(_capsule_pointer(capsule, b"dltensor"), ctypes.POINTER(_DLTensor))[0]
    dtype = DLPACK_DTYPES.get((head.code, head.bits)) if head.lanes == 1 else None
    if dtype is None:
        raise TypeError(f"from_dlpack: DLPack type code {head.code} with {head.bits} bits "
                        f"(lanes {head.lanes}) is not supported; supported dtypes: "
                        f"{', '.join(sorted({d.name for d in DLPACK_DTYPES.values()}))}")
    shape = tuple(head.shape[i] for i in range(head.ndim))
    return core.ShapedArray(shape, dtype), (head.data or 0) + head.byte_offset


def dlpack_device(x):
    """(DLDeviceType, local hardware id) of the device of single-device Array x."""
    device = array_device(x)
    if device is None:
        raise BufferError(f"__dlpack__: only arrays on one device can be exported; this one "
                          f"spans {len(array_devices(x))} devices")
    if device.platform == "cpu":
        return DLDeviceType.kDLCPU, 0
    version = device.client.platform_version
    if "cuda" in version or "rocm" in version:
        kind = DLDeviceType.kDLROCM if "rocm" in version else DLDeviceType.kDLCUDA
        return kind, device.local_hardware_id
    raise BufferError(f"__dlpack__: DLPack has no device type for platform {device.platform}")


def dlpack_source_device(dl_device):
    """The device a DLPack (device type, id) pair names (BufferError for a type XLA lacks)."""
    dl_type, dl_id = dl_device
    platform = _DL_PLATFORMS.get(dl_type)
    if platform is None:
        raise BufferError(f"DLPack device type {dl_type} is not supported; supported: "
                          f"{', '.join(t.name for t in _DL_PLATFORMS)}")
    return get_backend(platform).device_from_local_hardware_id(dl_id)


def to_dlpack(x, stream=None):
    """A DLPack capsule sharing single-device Array x's buffer (no copy)."""
    return state().jax.buffer_to_dlpack_managed_tensor(x, stream=stream)


def from_dlpack(external, copy=None):
    """The Array over the buffer of `external` (an object with `__dlpack__` and
    `__dlpack_device__`), on the device holding it: shared without a copy (copy=None, where
    the layout allows; copy=False raises ValueError where it does not) or copied
    (copy=True)."""
    rt = state()
    dl_type, dl_id = external.__dlpack_device__()
    device = dlpack_source_device((dl_type, dl_id))
    stream = None
    if dl_type != DLDeviceType.kDLCUDAHost:  # (a pinned host buffer takes no stream)
        try:  # the stream the producer must finish its work on before handing the buffer
            stream = device.get_stream_for_external_ready_events()
        except rt.jax.JaxRuntimeError as e:
            if "UNIMPLEMENTED" not in str(e):  # (CPU devices have no streams)
                raise
    capsule = external.__dlpack__(stream=stream)
    aval, data = _read_capsule(capsule)
    try:
        buffer = rt.jax.dlpack_managed_tensor_to_buffer(capsule, device, stream, copy,
                                                        int(dl_type))
    except rt.jax.JaxRuntimeError as e:
        if "is not aligned to" not in str(e):
            raise
        reason = str(e)[str(e).index("is not aligned to"):].strip(" .")
        raise ValueError(f"from_dlpack: the buffer must be copied (its data {reason}), but "
                         f"copy=False; pass copy=None or copy=True") from None
    out = rt.jax.ArrayImpl(aval, sharding_for(device), [buffer], committed=True,
                           _skip_checks=True)
    if copy and aval.size and out.unsafe_buffer_pointer() == data:
        out = copy_array(out)  # (jaxlib 0.10 shares an aligned CPU buffer despite copy=True)
    block_until_ready([out])  # a copy completes before the producer may write its buffer
    return out
