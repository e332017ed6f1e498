"""The runtime's state: jaxlib loaded on first use, its C++ global switches, the backends
(CPU, and CUDA through its PJRT plugin) and their devices."""
import collections
import functools
import _thread

from ..config import TRACE_OPTIONS, config, trace_context
from . import compat, plugins

_lock = _thread.RLock()
_rt = None  # the loaded runtime state, see _load()
_on_load = []  # hooks run once jaxlib is loaded


def logger():
    import logging
    return logging.getLogger("xlafront")


def is_loaded():
    return _rt is not None


def state():
    """The loaded runtime (jaxlib imported, switches set), loading it on first use."""
    return _rt if _rt is not None else _load()


def on_load(hook):
    """Calls `hook(state)` once jaxlib is loaded (now, if it already is): how higher layers
    attach to the runtime (Array methods, the MLIR context) without it importing them."""
    with _lock:
        if _rt is None:
            _on_load.append(hook)
            return hook
    hook(_rt)
    return hook


class _Runtime:
    """Everything that exists once jaxlib is loaded: `jax` is jaxlib's extension module,
    `hlo` its HLO bindings; `xc` (xla_client) loads on first use."""
    xc = functools.cached_property(lambda self: compat.xla_client())


def _load():
    global _rt
    with _lock:
        if _rt is not None:
            return _rt
        jax_, hlo = compat.import_jaxlib()
        rt = _Runtime()
        rt.jax, rt.hlo = jax_, hlo
        # The C++ side reads these on every transfer and every jit call.
        rt.x64 = jax_.config.Config("x64", bool(config.read("enable_x64")), include_in_jit_key=True)
        rt.disable_jit = jax_.config.Config("disable_jit", bool(config.read("disable_jit")))
        rt.post_hook = jax_.config.Config("post_hook", None, include_in_jit_key=False)
        rt.tracing = jax_.config.Config("xlafront_tracing", False, include_in_jit_key=True)
        rt.trace_context = jax_.config.Config("xlafront_trace_context", trace_context(),
                                              include_in_jit_key=True)
        for name in TRACE_OPTIONS:
            config.on_change(name, lambda _: rt.trace_context.set_global(trace_context()))
        jax_.jax_jit.set_enable_x64_state(rt.x64)
        jax_.jax_jit.set_disable_jit_state(rt.disable_jit)
        jax_.jax_jit.set_post_hook_state(rt.post_hook)
        config.on_change("enable_x64", lambda v: rt.x64.set_global(bool(v)))
        config.on_change("disable_jit", lambda v: rt.disable_jit.set_global(bool(v)))
        rt.backends = collections.OrderedDict()
        _rt = rt
        hooks, _on_load[:] = list(_on_load), []
        for hook in hooks:
            hook(rt)
        return rt


# ---------------------------------------------------------------------------------------
# Backends and devices

def backends():
    """{platform: client} for every platform that started, the preferred one first."""
    rt = state()
    if not rt.backends:
        with _lock:
            wanted, explicit = plugins.requested()
            for platform in wanted:
                try:
                    client = (_make_cpu_client(rt) if platform == "cpu"
                              else plugins.make_client(lambda: rt.xc, platform))
                except Exception as e:  # a broken accelerator must not stop CPU use
                    if explicit:
                        raise
                    logger().warning("platform %s failed to start: %s", platform, e)
                    client = None
                if client is None and explicit:
                    raise plugins.missing_backend_error(platform, rt.backends)
                if client is not None:
                    rt.backends[platform] = client
            if not rt.backends:
                raise RuntimeError(f"no XLA backend could start for platforms {wanted}")
    return rt.backends


def get_backend(platform=None):
    bs = backends()
    if platform is None:
        return next(iter(bs.values()))
    name = plugins.ALIASES.get(str(platform).lower())
    if name not in bs:
        raise plugins.missing_backend_error(platform, bs)
    return bs[name]


def default_backend():
    """'cpu', 'gpu' or 'tpu': the platform arrays go to by default."""
    return next(iter(backends()))


def devices(backend=None):
    return list(get_backend(backend).devices())


def local_devices(process_index=None, backend=None):
    """The devices of this process (of process `process_index`, if given)."""
    client = get_backend(backend)
    if process_index is None:
        return list(client.local_devices())
    return [d for d in client.devices() if d.process_index == process_index]


def device_count(backend=None):
    return len(devices(backend))


def local_device_count(backend=None):
    return len(local_devices(backend=backend))


def process_index(backend=None):
    return get_backend(backend).process_index()


def process_count(backend=None):
    """How many processes share the backend's devices (xlafront.distributed)."""
    return 1 + max(d.process_index for d in get_backend(backend).devices())


# ---------------------------------------------------------------------------------------
# The CPU client: its device count, and joining other processes (xlafront.distributed)

class _Distributed:
    """The distributed runtime of this process: the coordination service (process 0 runs
    it), this process's client of it, and the settings the CPU client is made with."""
    service = client = None
    process_id, num_processes, timeout = 0, 1, 300


distributed = _Distributed()


def _check_num_cpu_devices(value):
    if type(value) is not int:
        raise TypeError(f"jax_num_cpu_devices must be an int (-1: XLA_FLAGS' count), got "
                        f"{value!r} of type {type(value).__name__}")
    if is_loaded() and _rt.backends:
        raise RuntimeError(
            "jax_num_cpu_devices must be set before the backend starts, i.e. before the "
            "first array or computation (or devices() call): set it right after "
            "`import xlafront`.")


config.on_validate("num_cpu_devices", _check_num_cpu_devices)


def _make_cpu_client(rt):
    """The CPU client: `config.num_cpu_devices` devices when set (>= 0), else as many as
    XLA_FLAGS' --xla_force_host_platform_device_count says (one by default); joined to the
    other processes' devices, with collectives over TCP (gloo), once distributed runs."""
    count = config.read("num_cpu_devices")
    options = dict(num_devices=count if count is not None and count >= 0 else None)
    if distributed.client is not None:
        minutes = max(1, -(-distributed.timeout // 60))  # jaxlib takes whole minutes
        options.update(
            distributed_client=distributed.client, node_id=distributed.process_id,
            num_nodes=distributed.num_processes,
            collectives=rt.jax.make_gloo_tcp_collectives(distributed_client=distributed.client),
            get_local_topology_timeout_minutes=minutes,
            get_global_topology_timeout_minutes=minutes)
    # (xla_client.make_cpu_client's call, without its custom-call registry: xlafront
    # registers its CPU kernels with the extension directly, see lapack.py)
    return rt.jax.get_tfrt_cpu_client(asynchronous=True, **options)


def start_distributed(coordinator_address, num_processes, process_id, timeout,
                      heartbeat_timeout, shutdown_timeout, bind_address):
    """Process 0 starts the coordination service at `bind_address`; every process connects
    its client to `coordinator_address` (waiting at most `timeout` seconds for all
    `num_processes` to join). The CPU client made afterwards spans every process."""
    rt = state()
    with _lock:
        if distributed.client is not None:
            raise RuntimeError("xlafront.distributed.initialize should only be called once "
                               "(call distributed.shutdown() first)")
        if rt.backends:
            raise RuntimeError(
                "xlafront.distributed.initialize must be called before the backend starts, "
                "i.e. before any array, computation or devices() call: the backend "
                f"{list(rt.backends)} has already started in this process")
        service = None
        if process_id == 0:
            service = rt.jax.get_distributed_runtime_service(
                bind_address, num_processes, heartbeat_timeout=heartbeat_timeout,
                cluster_register_timeout=timeout, shutdown_timeout=shutdown_timeout)
        client = rt.jax.get_distributed_runtime_client(
            coordinator_address, process_id, init_timeout=timeout,
            heartbeat_timeout=heartbeat_timeout, shutdown_timeout=shutdown_timeout,
            use_compression=True)
        try:
            client.connect()
        except Exception:
            if service is not None:
                service.shutdown()
            raise
        distributed.service, distributed.client = service, client
        distributed.process_id, distributed.num_processes = process_id, num_processes
        distributed.timeout = timeout


def stop_distributed():
    """Disconnects this process (waiting for the others up to the shutdown timeout) and,
    on process 0, stops the coordination service. Nothing happens when not connected."""
    with _lock:
        client, service = distributed.client, distributed.service
        distributed.client = distributed.service = None
        try:
            if client is not None:
                client.shutdown()
        finally:
            if service is not None:
                service.shutdown()


def default_device():
    rt = state()
    dev = getattr(rt, "default_dev", None)
    if dev is None:
        dev = rt.default_dev = local_devices()[0]
    return dev


def device_platform(device):
    """'cpu', 'gpu' or 'tpu': the platform whose lowering rules a program for `device` uses."""
    return "gpu" if device.platform in ("cuda", "rocm", "gpu") else device.platform
