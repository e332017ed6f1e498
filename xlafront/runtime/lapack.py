"""The linear-algebra kernels that ship with jaxlib, made known to XLA's custom-call
registry: LAPACK on CPU (jaxlib's `cpu._lapack`: FFI handlers named `lapack_?potrf_ffi`
...) and cuSOLVER / cuSPARSE on CUDA (the `_solver`, `_linalg`, `_sparse` and `_hybrid`
modules of the jax-cuda1X-plugin wheel). lax/linalg.py lowers to them by name.

Registering is cheap (function pointers) and happens when jaxlib loads; finding the LAPACK
routines themselves imports SciPy (about 0.2 s), so that waits for the first program that
calls one (`lapack_target`), as JAX's `prepare_lapack_call` does.
"""
import importlib
import _thread

from . import client, plugins

_lock = _thread.allocate_lock()
_lapack_ready = False
_gpu_registered = False


def register_cpu_kernels(rt):
    """Registers jaxlib's LAPACK kernels for the CPU client (an `on_load` hook)."""
    from jaxlib.cpu import _lapack
    for name, handler in _lapack.registrations().items():  # ("Host": XLA's CPU platform)
        rt.jax.register_custom_call_target(name, handler, "Host",
                                           api_version=int(name.endswith("_ffi")))


client.on_load(register_cpu_kernels)


def lapack_target(routine, dtype):
    """The custom-call target of LAPACK `routine` (e.g. "potrf_ffi") for `dtype` (float32,
    float64, complex64, complex128): "lapack_spotrf_ffi". Loads the LAPACK routines (from
    SciPy's LAPACK, as jaxlib does) the first time."""
    global _lapack_ready
    with _lock:
        if not _lapack_ready:
            from jaxlib.cpu import _lapack
            _lapack.initialize()
            _lapack_ready = True
    prefix = {"float32": "s", "float64": "d", "complex64": "c", "complex128": "z"}
    return f"lapack_{prefix[dtype.name]}{routine}"


def register_gpu_kernels():
    """Registers the CUDA plugin's linear-algebra kernels (cuSOLVER, cuSPARSE, the pivot
    permutation, and the hybrid host kernels, initialized) once, before the first program
    that calls one is compiled. Nothing happens without the jax-cuda1X-plugin wheel."""
    global _gpu_registered
    with _lock:
        if _gpu_registered:
            return
        _gpu_registered = True
        found = plugins.cuda_plugin()
        if found is None:
            return
        cuda = found[1].split("-")[1][4:]  # "jax-cuda12-pjrt" -> "12"
        xc = client.state().xc
        # (module, whether all its targets are typed FFI handlers), as jaxlib's
        # gpu_solver, gpu_linalg and gpu_sparse register them for JAX
        for module_name, all_ffi in (("_solver", False), ("_linalg", True),
                                     ("_sparse", False), ("_hybrid", True)):
            try:
                module = importlib.import_module(f"jax_cuda{cuda}_plugin.{module_name}")
            except ImportError:
                continue
            for name, handler in module.registrations().items():
                xc.register_custom_call_target(
                    name, handler, platform="CUDA",
                    api_version=1 if all_ffi or name.endswith("_ffi") else 0)
            if module_name == "_hybrid":
                module.initialize()  # finds the host LAPACK (and MAGMA, when installed)
