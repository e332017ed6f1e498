"""The public transformations and device helpers, re-exported from where they live:
jit.py (jit, make_jaxpr, eval_shape), autodiff.py (jvp ... hessian), vmap.py, devices.py."""
from .autodiff import (grad, hessian, jacfwd, jacobian, jacrev, jvp, linearize,  # noqa: F401
                       value_and_grad, vjp)
from .config import State
from .devices import (block_until_ready, default_backend, device_count, device_get,  # noqa: F401
                      device_put, devices, local_device_count, local_devices, process_count,
                      process_index)
from .jit import ShapeDtypeStruct, eval_shape, jit, make_jaxpr  # noqa: F401
from .runtime import clear_caches  # noqa: F401
from .vmap import vmap  # noqa: F401

# JAX's top-level option states: `with xf.debug_nans(True): ...`, `xf.enable_x64.value`
enable_x64 = State("enable_x64")
debug_nans = State("debug_nans")
debug_infs = State("debug_infs")
disable_jit = State("disable_jit")
log_compiles = State("log_compiles")
default_matmul_precision = State("default_matmul_precision")
numpy_rank_promotion = State("numpy_rank_promotion")

__all__ = ["ShapeDtypeStruct", "block_until_ready", "clear_caches", "debug_infs", "debug_nans",
           "default_backend", "default_matmul_precision", "device_count", "device_get",
           "device_put", "devices", "disable_jit", "enable_x64", "eval_shape", "grad",
           "hessian", "jacfwd", "log_compiles", "numpy_rank_promotion",
           "jacobian", "jacrev", "jit", "jvp", "linearize", "local_device_count",
           "local_devices", "make_jaxpr", "process_count", "process_index", "value_and_grad",
           "vjp", "vmap"]
