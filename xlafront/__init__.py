"""xlafront: NumPy's API and JAX's composable transformations over XLA.

    import xlafront as xf
    import xlafront.numpy as np

    f = xf.jit(lambda a, b: np.tanh(a @ b) + 1)
    f(np.ones((2, 3)), np.ones((3, 2)))
"""
from . import array_methods, lax, numpy, tree, tree_util  # noqa: F401  (xf.tree: JAX's jax.tree aliases)
from .api import (  # noqa: F401
    Array, NamedSharding, P, Ref, ShapeDtypeStruct, Shard, __version__, allow_f16_reductions,
    array_garbage_collection_guard, auto_pcast, block_until_ready, check_tracer_leaks,
    checking_leaks, clear_caches, closure_convert, copy_to_host_async, custom_gradient,
    debug_infs, debug_key_reuse, debug_nans, default_backend, default_device,
    default_matmul_precision, default_prng_impl, device_count, device_get, device_put, devices,
    disable_jit, effects_barrier, empty_ref, enable_checks, enable_custom_prng, enable_x64,
    ensure_compile_time_eval, eval_shape, explain_cache_misses, float0, free_ref, freeze,
    fwd_and_bwd, grad, hessian, host_count, host_id, host_ids, jacfwd, jacobian, jacrev,
    jax2tf_associative_scan_reductions, jit, jvp, legacy_prng_key, linear_transpose,
    linearize, live_arrays, local_device_count, local_devices, log_compiles,
    make_array_from_callback, make_array_from_process_local_data,
    make_array_from_single_device_arrays, make_jaxpr, make_mesh, make_user_context, memory,
    named_call, named_scope, new_ref, no_execution, no_tracing, numpy_dtype_promotion,
    numpy_rank_promotion, print_environment_info, process_count, process_index,
    process_indices, remove_size_one_mesh_axis_from_type, reshard, set_mesh, shard_map, smap,
    softmax_custom_jvp, thread_guard, threefry_partitionable, transfer_guard,
    transfer_guard_device_to_device, transfer_guard_device_to_host,
    transfer_guard_host_to_device, typeof, value_and_grad, vjp, vmap)
from .api import ad_refs as ad  # noqa: F401  (JAX's `jax.ad` namespace of Ref helpers)
from . import dtypes, errors, runtime  # noqa: F401
from .config import config  # noqa: F401
from .custom_derivatives import (checkpoint, checkpoint_policies, custom_jvp,  # noqa: F401
                                 custom_vjp, remat)
from .core import ClosedJaxpr, Jaxpr, ShapedArray  # noqa: F401
from .lazy import lazy_attributes as _lazy_attributes
from .errors import (ConcretizationTypeError, TracerArrayConversionError,  # noqa: F401
                     TracerBoolConversionError, TracerIntegerConversionError,
                     UnexpectedTracerError)


# Submodules most programs never touch load on first use (each costs import time).
_LAZY_SUBMODULES = ("custom_batching", "debug", "experimental", "flatten_util", "stages",
                    "typing", "alias", "nn", "random", "ops", "image", "dlpack", "scipy",
                    "distributed")


_lazy_getattr, _lazy_dir = _lazy_attributes(
    __name__, _LAZY_SUBMODULES,
    {"install_as_jax": "alias", "pure_callback": "callback", "pmap": "pxla",
     "ds": "numpy._indexing"})


def __getattr__(name):
    if name == "Device":  # jaxlib's class: loaded with the runtime, on first use
        return runtime.support.device_class()
    return _lazy_getattr(name)


def __dir__():
    return sorted({*_lazy_dir(), "Device"})
