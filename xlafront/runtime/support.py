"""The jaxlib calls behind JAX's smaller top-level names: the Device and JaxRuntimeError
classes, jaxlib's transfer and garbage-collection guards, the default device, live arrays
and version strings. Options set before jaxlib loads are applied when it does."""
import contextlib

from .. import errors
from ..config import config
from .client import get_backend, is_loaded, local_devices, on_load, state

_GUARDS = {"transfer_guard_host_to_device": "host_to_device",
           "transfer_guard_device_to_device": "device_to_device",
           "transfer_guard_device_to_host": "device_to_host"}
PLATFORMS = ("cpu", "gpu", "tpu")


def device_class():
    """jaxlib's Device, the base class of every device (JAX's `jax.Device`)."""
    return state().jax.Device


def runtime_error_class():
    """jaxlib's JaxRuntimeError, what XLA's failures raise (JAX's
    `jax.errors.JaxRuntimeError`)."""
    return state().jax.JaxRuntimeError


errors.register_lazy("JaxRuntimeError", runtime_error_class)


def live_arrays(platform=None):
    """Every Array alive on the backend of `platform` (the default backend if None)."""
    return get_backend(platform).live_arrays()


def jaxlib_version():
    import jaxlib.version
    return jaxlib.version.__version__


# ---------------------------------------------------------------------------------------
# Guards: jaxlib checks them itself on every transfer (an implicit host-to-device copy of
# a NumPy argument raises JaxRuntimeError under "disallow"), so setting them is all it takes

def _level(enum, value):
    return None if value is None else getattr(enum, value.upper())


def _apply_guard(rt, key, value):
    g = rt.jax.guard_lib
    if key in _GUARDS:
        setattr(g.global_state(), _GUARDS[key], _level(g.TransferGuardLevel, value))
    elif key == "array_garbage_collection_guard":
        g.global_state().garbage_collect_array = _level(g.GarbageCollectionGuardLevel, value)
    elif key == "thread_guard":
        g.update_thread_guard_global_state(bool(value))


def _on_guard_change(key):
    def hook(value):
        if is_loaded():
            _apply_guard(state(), key, value)
    return hook


def _set_all_transfer_guards(value):
    """`transfer_guard` sets the three directions at once, as in JAX."""
    for key in _GUARDS:
        config.update(key, value)


for _key in (*_GUARDS, "array_garbage_collection_guard", "thread_guard"):
    config.on_change(_key, _on_guard_change(_key))
config.on_change("transfer_guard", _set_all_transfer_guards)


@contextlib.contextmanager
def explicit_transfer(direction):
    """Marks the transfers of the block as explicit ("put": device_put, "get":
    device_get), which the "disallow" levels allow and the "*_explicit" ones refuse."""
    local = state().jax.guard_lib.thread_local_state()
    attr = f"explicit_device_{direction}"
    prev = getattr(local, attr)
    setattr(local, attr, True)
    try:
        yield
    finally:
        setattr(local, attr, prev)


# ---------------------------------------------------------------------------------------
# The default device (config option default_device)

def resolve_device(value):
    """The device an option value names: a Device, or the first local device of a platform
    ("cpu", "gpu", "tpu"); None for None."""
    if value is None or not isinstance(value, str):
        return value
    return local_devices(backend=value)[0]


def check_default_device(value):
    if value is None or value in PLATFORMS:
        return
    if not isinstance(value, device_class()):
        raise ValueError("default_device must be passed either a Device object (e.g. "
                         "`xlafront.devices('cpu')[0]`) or a platform name string like 'cpu' "
                         f"or 'gpu', got: {value!r}")


def _set_default_device(rt, value):
    # client.default_device() hands out rt.default_dev, and picks the first local device
    # again when it is None
    rt.default_dev = resolve_device(value)


def _on_default_device_change(value):
    if is_loaded():
        _set_default_device(state(), value)


config.on_validate("default_device", check_default_device)
config.on_change("default_device", _on_default_device_change)


def _on_load(rt):
    for key in (*_GUARDS, "array_garbage_collection_guard", "thread_guard"):
        if config.read(key) not in (None, False):
            _apply_guard(rt, key, config.read(key))
    if config.read("default_device") is not None:
        _set_default_device(rt, config.read("default_device"))


on_load(_on_load)
