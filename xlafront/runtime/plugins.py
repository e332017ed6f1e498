"""Which platforms start, and the accelerators' PJRT plugins, found without the jax package:
the CUDA plugin of the jax-cuda13-pjrt / jax-cuda12-pjrt wheels (with the kernels of
jax-cuda1X-plugin when installed) and libtpu.

Platforms come from `config.platforms`, else XLAFRONT_PLATFORMS, else JAX_PLATFORMS (a
comma-separated list: cpu, gpu/cuda, tpu); by default TPU, then GPU, then CPU, as JAX picks,
where a missing accelerator is skipped quietly. GPU clients take JAX's memory variables
(XLA_PYTHON_CLIENT_PREALLOCATE, XLA_PYTHON_CLIENT_MEM_FRACTION, XLA_PYTHON_CLIENT_ALLOCATOR)
through jaxlib's own reader of them.
"""
import ctypes
import functools
import importlib
import importlib.util
import os

from ..config import config
from . import compat

DEFAULT_ORDER = ("tpu", "gpu", "cpu")
ALIASES = {"cpu": "cpu", "gpu": "gpu", "cuda": "gpu", "tpu": "tpu"}
INSTALL = {"gpu": "pip install 'xlafront[cuda13]' (or 'xlafront[cuda12]' for CUDA 12)",
           "tpu": "pip install 'xlafront[tpu]'",
           "cpu": "pip install jaxlib"}


def requested():
    """(the platforms to start, in order of preference; whether the user named them)."""
    value = (config.read("platforms") or os.environ.get("XLAFRONT_PLATFORMS")
             or os.environ.get("JAX_PLATFORMS"))
    if not value:
        return list(DEFAULT_ORDER), False
    names = []
    for part in value.split(","):
        part = part.strip().lower()
        if not part:
            continue
        if part not in ALIASES:
            raise ValueError(f"unknown platform {part!r} in platforms={value!r}; known "
                             f"platforms are {sorted(ALIASES)}")
        if ALIASES[part] not in names:
            names.append(ALIASES[part])
    return names, True


def _dist_version(site_dir, dist_name):
    """The version of an installed distribution, read from its .dist-info folder's name
    (importlib.metadata would cost import time for everyone)."""
    try:
        for entry in os.listdir(site_dir):
            if entry.startswith(dist_name + "-") and entry.endswith(".dist-info"):
                return entry[len(dist_name) + 1:-len(".dist-info")]
    except OSError:
        pass
    return None


def cuda_plugin():
    """(library path, distribution name, its version or None) of the newest installed CUDA
    PJRT plugin, or None. Found by path: importing the plugin's package would import jax."""
    spec = importlib.util.find_spec("jax_plugins")
    for cuda in ("13", "12"):
        for root in (spec.submodule_search_locations or []) if spec else []:
            library = os.path.join(root, f"xla_cuda{cuda}", "xla_cuda_plugin.so")
            if os.path.exists(library):
                return (library, f"jax-cuda{cuda}-pjrt",
                        _dist_version(os.path.dirname(root), f"jax_cuda{cuda}_pjrt"))
    return None


def tpu_library():
    """(path of libtpu.so, libtpu's version or None), or None when libtpu is not installed."""
    if os.environ.get("TPU_LIBRARY_PATH"):
        return os.environ["TPU_LIBRARY_PATH"], None
    spec = importlib.util.find_spec("libtpu")
    for root in (spec.submodule_search_locations or []) if spec else []:
        library = os.path.join(root, "libtpu.so")
        if os.path.exists(library):
            return library, _dist_version(os.path.dirname(root), "libtpu")
    return None


def check_plugin_version(dist_name, version, jaxlib_version):
    """A plugin built for another jaxlib fails in obscure ways: refuse it by name."""
    wanted = compat.plugin_version_for(dist_name, jaxlib_version)
    if version is None or wanted is None or version.startswith(wanted):
        return
    extra = "tpu" if dist_name == "libtpu" else dist_name.split("-")[1]
    raise RuntimeError(
        f"{dist_name} {version} is installed, but jaxlib {jaxlib_version} needs {dist_name} "
        f"{wanted}; install matching versions with: pip install 'xlafront[{extra}]' (or "
        f"pip install '{dist_name}=={wanted}{'.*' if dist_name == 'libtpu' else ''}')")


def _preload_nvidia_libraries():
    """Loads the CUDA libraries of the pip `nvidia-*` wheels, when installed, so that the
    plugin finds them (as the plugin's own initializer does for JAX)."""
    for module, libraries in (
            ("cuda_runtime", ["libcudart.so.12"]), ("cu13", ["libcudart.so.13"]),
            ("cuda_nvrtc", ["libnvrtc.so.12"]), ("cu13", ["libnvrtc.so.13"]),
            ("cublas", ["libcublas.so.12", "libcublasLt.so.12"]),
            ("cu13", ["libcublas.so.13", "libcublasLt.so.13"]), ("nccl", ["libnccl.so.2"]),
            ("cuda_cupti", ["libcupti.so.12"]), ("cu13", ["libcupti.so.13"]),
            ("cusparse", ["libcusparse.so.12"]), ("cusolver", ["libcusolver.so.11"]),
            ("cu13", ["libcusolver.so.12"]), ("cufft", ["libcufft.so.11"]),
            ("cu13", ["libcufft.so.12"]), ("cudnn", ["libcudnn.so.9"])):
        try:
            spec = importlib.util.find_spec(f"nvidia.{module}")
        except ModuleNotFoundError:
            return  # no nvidia wheels: the system's CUDA libraries are used
        for root in (spec.submodule_search_locations or []) if spec else []:
            for library in libraries:
                path = os.path.join(root, "lib", library)
                if os.path.exists(path):
                    try:
                        ctypes.cdll.LoadLibrary(path)
                    except OSError:
                        pass


def _register_cuda_kernels(xc, c_api, cuda):
    """Makes the custom-call kernels of jax-cuda1X-plugin (cuSOLVER, cuBLAS, PRNG ...)
    known to the CUDA client, as JAX's plugin initializer does."""
    try:
        extension = importlib.import_module(f"jax_cuda{cuda}_plugin.cuda_plugin_extension")
    except ImportError:
        return
    xc.register_custom_call_handler(
        "CUDA", functools.partial(extension.register_custom_call_target, c_api))
    xc.register_custom_type_handler(
        "CUDA", functools.partial(extension.register_custom_type, c_api))
    for name, value in extension.ffi_types().items():
        xc.register_custom_type(name, value, platform="CUDA")
    for name, value in extension.ffi_handlers().items():
        xc.register_custom_call_target(name, value, platform="CUDA", api_version=1)


def make_client(get_xla_client, platform):
    """A started client for accelerator `platform`, or None when its plugin is not
    installed. `get_xla_client()` gives jaxlib's xla_client, loaded once a plugin is found."""
    jaxlib_version = ".".join(map(str, compat.version))
    if platform == "gpu":
        found = cuda_plugin()
        if found is None:
            return None
        library, dist_name, version = found
        check_plugin_version(dist_name, version, jaxlib_version)
        _preload_nvidia_libraries()
        xc = get_xla_client()
        if not xc.pjrt_plugin_loaded("cuda"):
            c_api = xc.load_pjrt_plugin_dynamically("cuda", library)
            _register_cuda_kernels(xc, c_api, dist_name.split("-")[1][4:])
        if not xc.pjrt_plugin_initialized("cuda"):
            xc.initialize_pjrt_plugin("cuda")
        return xc.make_c_api_client("cuda", xc.generate_pjrt_gpu_plugin_options(), None)
    if platform == "tpu":
        found = tpu_library()
        if found is None:
            return None
        library, version = found
        check_plugin_version("libtpu", version, jaxlib_version)
        xc = get_xla_client()
        if not xc.pjrt_plugin_loaded("tpu"):
            xc.load_pjrt_plugin_dynamically("tpu", library)
        if not xc.pjrt_plugin_initialized("tpu"):
            xc.initialize_pjrt_plugin("tpu")
        return xc.make_c_api_client("tpu", {}, None)
    raise ValueError(f"unknown platform {platform!r}; known platforms are {sorted(ALIASES)}")


def missing_backend_error(platform, available):
    name = ALIASES.get(platform, platform)
    hint = f"; to use it: {INSTALL[name]}" if name in INSTALL else ""
    return RuntimeError(f"Unknown backend {platform!r}: available backends are "
                        f"{list(available)}{hint}")
