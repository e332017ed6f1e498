"""The public transformations and device helpers, re-exported from where they live:
jit.py (jit, make_jaxpr, eval_shape), autodiff.py (jvp ... hessian), vmap.py, devices.py."""
from .autodiff import (grad, hessian, jacfwd, jacobian, jacrev, jvp, linearize,  # noqa: F401
                       value_and_grad, vjp)
from .devices import (block_until_ready, default_backend, device_count, device_get,  # noqa: F401
                      device_put, devices, local_device_count, local_devices, process_count,
                      process_index)
from .jit import ShapeDtypeStruct, eval_shape, jit, make_jaxpr  # noqa: F401
from .runtime import clear_caches  # noqa: F401
from .vmap import vmap  # noqa: F401

__all__ = ["ShapeDtypeStruct", "block_until_ready", "clear_caches", "default_backend", "device_count",
           "device_get", "device_put", "devices", "eval_shape", "grad", "hessian", "jacfwd",
           "jacobian", "jacrev", "jit", "jvp", "linearize", "local_device_count",
           "local_devices", "make_jaxpr", "process_count", "process_index", "value_and_grad",
           "vjp", "vmap"]
