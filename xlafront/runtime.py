"""The only module that touches jaxlib's client API: clients, devices, plugins, the Array
type, transfers, compilation and execution, and jaxlib's C++ jit dispatcher.

jaxlib is imported on first use, not at `import xlafront`, so importing stays cheap.
The Array type *is* jaxlib's C++ `ArrayImpl`, with xlafront's methods installed on it:
executables return it without any Python wrapping, and the C++ dispatcher recognises it.
"""
import collections
import os
import threading

import numpy as np

from .config import config



def logger():
    import logging
    return logging.getLogger("xlafront")

_lock = threading.RLock()
_rt = None  # the loaded runtime state, see _load()


def is_loaded():
    return _rt is not None


def _state():
    return _rt if _rt is not None else _load()


class _Runtime:
    """Everything that exists once jaxlib is loaded."""


def _load():
    global _rt
    with _lock:
        if _rt is not None:
            return _rt
        import jaxlib.utils
        if "TF_CPP_MIN_LOG_LEVEL" not in os.environ:
            jaxlib.utils.absl_set_min_log_level(1)  # hide the client's INFO lines, as JAX does
        from jaxlib import _jax, xla_client
        import jaxlib.version
        rt = _Runtime()
        rt.jax, rt.xc = _jax, xla_client
        rt.version = tuple(int(p) for p in jaxlib.version.__version__.split(".")[:3])
        # The C++ side reads these on every transfer and every jit call.
        rt.x64 = _jax.config.Config("x64", bool(config.read("enable_x64")), include_in_jit_key=True)
        rt.disable_jit = _jax.config.Config("disable_jit", bool(config.read("disable_jit")))
        rt.post_hook = _jax.config.Config("post_hook", None, include_in_jit_key=False)
        rt.tracing = _jax.config.Config("xlafront_tracing", False, include_in_jit_key=True)
        _jax.jax_jit.set_enable_x64_state(rt.x64)
        _jax.jax_jit.set_disable_jit_state(rt.disable_jit)
        _jax.jax_jit.set_post_hook_state(rt.post_hook)
        config.on_change("enable_x64", lambda v: rt.x64.set_global(bool(v)))
        config.on_change("disable_jit", lambda v: rt.disable_jit.set_global(bool(v)))
        rt.registry = _jax.pytree.PyTreeRegistry()
        rt.registered = 0
        rt.jit_cache = _jax.PjitFunctionCache(capacity=8192)
        rt.ArrayImpl = _jax.ArrayImpl
        rt.backends = collections.OrderedDict()
        rt.shardings = {}
        _make_sharding_class(rt)
        _rt = rt
        _install_array_type(rt)
        # Whoever needs a device next lowers a program: load the MLIR bindings now, so the
        # first jit call does not pay for them.
        from .interpreters import lowering
        lowering._init()
        return rt


# ---------------------------------------------------------------------------------------
# Backends and devices

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


def _find_cuda_plugin():
    """Path of an installed CUDA PJRT plugin library (jax_cuda*_plugin wheels), or None."""
    import glob
    import importlib.util
    for name in ("jax_plugins", "jax_cuda13_plugin", "jax_cuda12_plugin"):
        spec = importlib.util.find_spec(name)
        for root in (spec.submodule_search_locations or []) if spec else []:
            hits = glob.glob(os.path.join(root, "**", "xla_cuda_plugin.so"), recursive=True)
            if hits:
                return hits[0]
    return None


def _make_backend(rt, platform):
    if platform == "cpu":
        return rt.xc.make_cpu_client()
    if platform in ("cuda", "gpu"):
        path = _find_cuda_plugin()
        if path is None:
            return None
        if not rt.xc.pjrt_plugin_loaded("cuda"):
            rt.xc.load_pjrt_plugin_dynamically("cuda", path)
        if not rt.xc.pjrt_plugin_initialized("cuda"):
            rt.xc.initialize_pjrt_plugin("cuda")
        return rt.xc.make_c_api_client("cuda", {}, None)
    raise ValueError(f"unknown platform {platform!r}; known platforms are 'cpu' and 'gpu'")


def backends():
    """{platform: client} for every platform that started, the preferred one first."""
    rt = _state()
    if not rt.backends:
        with _lock:
            wanted = config.read("platforms") or os.environ.get("JAX_PLATFORMS", "") or "gpu,cpu"
            for platform in [p.strip() for p in wanted.split(",") if p.strip()]:
                name = "gpu" if platform == "cuda" else platform
                try:
                    client = _make_backend(rt, platform)
                except Exception as e:  # a broken accelerator must not stop CPU use
                    if config.read("platforms") or os.environ.get("JAX_PLATFORMS"):
                        raise
                    logger().warning("platform %s failed to start: %s", platform, e)
                    client = None
                if client is not None:
                    rt.backends[name] = client
            if not rt.backends:
                raise RuntimeError(f"no XLA backend could start for platforms {wanted!r}")
    return rt.backends


def get_backend(platform=None):
    bs = backends()
    if platform is None:
        return next(iter(bs.values()))
    name = "gpu" if platform == "cuda" else platform
    if name not in bs:
        raise RuntimeError(f"Unknown backend {platform!r}: available backends are {list(bs)}")
    return bs[name]


def default_backend():
    """'cpu', 'gpu' or 'tpu': the platform arrays go to by default."""
    return next(iter(backends()))


def devices(backend=None):
    return list(get_backend(backend).devices())


def local_devices(process_index=None, backend=None):
    client = get_backend(backend)
    return list(client.local_devices())


def device_count(backend=None):
    return len(devices(backend))


def local_device_count(backend=None):
    return len(local_devices(backend=backend))


def process_index(backend=None):
    return get_backend(backend).process_index()


def default_device():
    rt = _state()
    dev = getattr(rt, "default_dev", None)
    if dev is None:
        dev = rt.default_dev = local_devices()[0]
    return dev


def sharding_for(device):
    rt = _state()
    sharding = rt.shardings.get(device)
    if sharding is None:
        sharding = rt.shardings[device] = rt.DeviceSharding(device)
    return sharding


# ---------------------------------------------------------------------------------------
# Arrays and transfers

def _install_array_type(rt):
    from . import array_methods
    from .core import aval_handlers
    array_methods.install(rt.ArrayImpl)
    aval_handlers[rt.ArrayImpl] = _array_aval
    from . import core
    core.trace_change_hooks.append(lambda is_eval: rt.tracing.set_local(not is_eval))


def _array_aval(x):
    return x.aval


def array_type():
    return _state().ArrayImpl


def device_put(value, aval, device=None, committed=None):
    """Copies a host value (NumPy array or scalar, already of `aval.dtype`) to `device`."""
    rt = _state()
    dev = device if device is not None else default_device()
    host = np.asarray(value, dtype=aval.dtype)
    return rt.xc.batched_device_put(
        aval, sharding_for(dev), [host], [dev],
        device is not None if committed is None else committed,
        enable_x64=bool(config.read("enable_x64")))


def copy_to_device(array, device):
    """An Array's buffer on another device (a device-to-device copy)."""
    rt = _state()
    out = rt.jax.batched_copy_array_to_devices_with_sharding(
        [array], [rt.jax.DeviceList((device,))], [sharding_for(device)],
        [rt.jax.ArrayCopySemantics.ALWAYS_COPY])
    return out[0]


def array_device(x):
    return x.sharding._device_assignment[0]


def device_platform(device):
    """'cpu', 'gpu' or 'tpu': the platform whose lowering rules a program for `device` uses."""
    return "gpu" if device.platform in ("cuda", "rocm", "gpu") else device.platform


def is_committed(x):
    """Whether Array x was placed on its device explicitly (then jit runs there)."""
    return x._committed


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
    _state().jax.batched_block_until_ready(list(arrays))


# ---------------------------------------------------------------------------------------
# Pytrees

def pytree_registry():
    """jaxlib's C++ pytree registry, with every registration made through tree.py applied."""
    rt = _state()
    from .tree import _pending as pending
    if rt.registered < len(pending):
        with _lock:
            for entry in pending[rt.registered:]:
                if entry[0] == "node":
                    _, nodetype, flatten, unflatten, with_keys = entry
                    rt.registry.register_node(nodetype, flatten, unflatten, with_keys)
                else:
                    _, nodetype, data_fields, meta_fields = entry
                    rt.registry.register_dataclass_node(nodetype, data_fields, meta_fields)
            rt.registered = len(pending)
    return rt.registry


def dict_key(key):
    """jaxlib's pytree DictKey for `key` (the path entry of a dict-like node)."""
    return _state().jax.pytree.DictKey(key)


def treedef_tuple(registry, treedefs):
    return _state().jax.pytree.treedef_tuple(registry, treedefs)


# ---------------------------------------------------------------------------------------
# Compilation and execution

class Compiled:
    """A loaded executable with its result handlers: `compiled(*arrays) -> [arrays]`."""

    def __init__(self, executable, device, out_avals, donated, sharding):
        self.executable = executable
        self.device = device
        self.out_avals = out_avals
        self.donated = donated
        rt = _state()
        self.handlers = [rt.xc.array_result_handler(a, sharding, True, _skip_checks=True)
                         for a in out_avals]

    def __call__(self, *arrays):
        return self.executable.execute_sharded(list(arrays)).consume_with_handlers(self.handlers)

    def hlo_text(self):
        return self.executable.hlo_modules()[0].to_string()

    def cost_analysis(self):
        return self.executable.cost_analysis()

    def memory_analysis(self):
        return self.executable.get_compiled_memory_stats()


def compile(module, device):
    """Compiles an MLIR module (from lowering.py) for one device."""
    rt = _state()
    client = device.client
    options = rt.xc.CompileOptions()
    return client.compile_and_load(module, rt.xc.DeviceList((device,)), options)


_FastPath = collections.namedtuple(
    "_FastPath", "xla_executable out_pytree_def in_shardings out_shardings out_avals "
                 "out_committed kept_var_bitvec in_device_local_layouts const_args")


def fast_path(compiled, out_treedef, num_args):
    """The record jaxlib's C++ dispatcher caches to call `compiled` without Python."""
    sharding = sharding_for(compiled.device)
    return _FastPath(compiled.executable, out_treedef, [sharding] * num_args,
                     [sharding] * len(compiled.out_avals), compiled.out_avals,
                     [True] * len(compiled.out_avals), [True] * num_args,
                     [None] * num_args, [])


class _JitKey:
    """The C++ cache's per-function key: jit options that change the compiled program."""
    __slots__ = ("options",)

    def __init__(self, options):
        self.options = options

    def __hash__(self):
        return hash(self.options)

    def __eq__(self, other):
        return type(other) is _JitKey and self.options == other.options


def cpp_jit(name, fun, cache_miss, static_argnums, static_argnames, options, shard_arg):
    """jaxlib's C++ jit dispatcher: on a signature hit it runs the cached executable without
    entering Python; on a miss it calls `cache_miss(*args, **kwargs)`, which returns
    (outputs, fast_path record or None, False)."""
    rt = _state()
    return rt.jax.pjit(name, fun, cache_miss, list(static_argnums), list(static_argnames),
                       _JitKey(options), pytree_registry(), shard_arg, rt.jit_cache)


def clear_jit_cache(jitted):
    """Forgets the executables jaxlib's C++ dispatcher cached for one jitted function."""
    jitted._clear_cache()


def runtime_error_type():
    return _state().jax.JaxRuntimeError


def set_x64(value):
    _state().x64.set_global(bool(value))
