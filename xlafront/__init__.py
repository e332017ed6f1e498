"""xlafront: NumPy's API and JAX's composable transformations over XLA.

    import xlafront as xf
    import xlafront.numpy as np

    f = xf.jit(lambda a, b: np.tanh(a @ b) + 1)
    f(np.ones((2, 3)), np.ones((3, 2)))
"""
from . import array_methods, lax, numpy, tree, tree_util  # noqa: F401  (xf.tree: JAX's jax.tree aliases)
from .api import (ShapeDtypeStruct, block_until_ready, clear_caches, debug_infs,  # noqa: F401
                  debug_nans, default_backend, default_matmul_precision, device_count,
                  device_get, device_put, devices, disable_jit, enable_x64, eval_shape, grad,
                  hessian, jacfwd, jacobian, jacrev, jit, jvp, linearize, local_device_count,
                  local_devices, log_compiles, make_jaxpr, numpy_rank_promotion, process_count,
                  process_index, value_and_grad, vjp, vmap)
from . import debug, experimental, runtime  # noqa: F401
from .callback import pure_callback  # noqa: F401
from .config import config  # noqa: F401
from .custom_derivatives import (checkpoint, checkpoint_policies, custom_jvp,  # noqa: F401
                                 custom_vjp, remat)
from .core import ClosedJaxpr, Jaxpr, ShapedArray  # noqa: F401
from .errors import (ConcretizationTypeError, TracerArrayConversionError,  # noqa: F401
                     TracerBoolConversionError, TracerIntegerConversionError,
                     UnexpectedTracerError)

__version__ = "0.1.0"


def __getattr__(name):
    if name == "Array":
        return runtime.array_type()
    raise AttributeError(f"module 'xlafront' has no attribute {name!r}")
