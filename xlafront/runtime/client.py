"""The runtime's state: jaxlib loaded on first use, its C++ global switches, the backends
(CPU, and CUDA through its PJRT plugin) and their devices."""
import collections
import threading

from ..config import TRACE_OPTIONS, config, trace_context
from . import compat, plugins

_lock = threading.RLock()
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
    """Everything that exists once jaxlib is loaded."""


def _load():
    global _rt
    with _lock:
        if _rt is not None:
            return _rt
        jax_, xla_client = compat.import_jaxlib()
        rt = _Runtime()
        rt.jax, rt.xc = jax_, xla_client
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
                    client = plugins.make_client(rt.xc, platform)
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
    return list(get_backend(backend).local_devices())


def device_count(backend=None):
    return len(devices(backend))


def local_device_count(backend=None):
    return len(local_devices(backend=backend))


def process_index(backend=None):
    return get_backend(backend).process_index()


def default_device():
    rt = state()
    dev = getattr(rt, "default_dev", None)
    if dev is None:
        dev = rt.default_dev = local_devices()[0]
    return dev


def device_platform(device):
    """'cpu', 'gpu' or 'tpu': the platform whose lowering rules a program for `device` uses."""
    return "gpu" if device.platform in ("cuda", "rocm", "gpu") else device.platform
