"""JAX's top-level API: re-exports of the transformations, device helpers, option states
and smaller functions from where they live (jit.py, autodiff.py, vmap.py, devices.py,
custom_derivatives.py, config.py), and the names of features xlafront does not have yet
(unsupported.py). Not here: `pmap` (pxla.py) and `ds` (numpy/_indexing.py), which
`xlafront` loads on first use."""
from . import dtypes
from .autodiff import (fwd_and_bwd, grad, hessian, jacfwd, jacobian, jacrev, jvp,  # noqa: F401
                       linear_transpose, linearize, value_and_grad, vjp)
from .config import (VERSION, array_garbage_collection_guard, auto_pcast,  # noqa: F401
                     allow_f16_reductions, check_tracer_leaks, checking_leaks, debug_infs,
                     debug_key_reuse, debug_nans, default_device, default_matmul_precision,
                     default_prng_impl, disable_jit, enable_checks, enable_custom_prng,
                     enable_x64, explain_cache_misses, jax2tf_associative_scan_reductions,
                     legacy_prng_key, log_compiles, no_execution, no_tracing,
                     numpy_dtype_promotion, numpy_rank_promotion,
                     remove_size_one_mesh_axis_from_type, softmax_custom_jvp, thread_guard,
                     threefry_partitionable, transfer_guard, transfer_guard_device_to_device,
                     transfer_guard_device_to_host, transfer_guard_host_to_device)
from .custom_derivatives import closure_convert, custom_gradient  # noqa: F401
from .devices import (Array, block_until_ready, copy_to_host_async,  # noqa: F401
                      default_backend, device_count, device_get, device_put, devices,
                      effects_barrier, host_count, host_id, host_ids, live_arrays,
                      local_device_count, local_devices, make_array_from_callback,
                      make_array_from_process_local_data, make_array_from_single_device_arrays,
                      print_environment_info, process_count, process_index, process_indices)
from .jit import (ShapeDtypeStruct, ensure_compile_time_eval, eval_shape, jit,  # noqa: F401
                  make_jaxpr, named_call, named_scope, typeof)
from .runtime import clear_caches  # noqa: F401
from .unsupported import (NamedSharding, P, Ref, Shard, ad_refs, empty_ref, free_ref,  # noqa: F401
                          freeze, make_mesh, make_user_context, memory, new_ref, reshard,
                          set_mesh, shard_map, smap)
from .vmap import vmap  # noqa: F401

__version__ = VERSION
float0 = dtypes.float0  # the dtype of the tangents of integer and boolean values

__all__ = [
    "Array", "NamedSharding", "P", "Ref", "ShapeDtypeStruct", "Shard",
    "allow_f16_reductions", "array_garbage_collection_guard", "auto_pcast",
    "block_until_ready", "check_tracer_leaks", "checking_leaks", "clear_caches",
    "closure_convert", "copy_to_host_async", "custom_gradient", "debug_infs", "debug_key_reuse",
    "debug_nans", "default_backend", "default_device", "default_matmul_precision",
    "default_prng_impl", "device_count", "device_get", "device_put", "devices", "disable_jit",
    "effects_barrier", "empty_ref", "enable_checks", "enable_custom_prng", "enable_x64",
    "ensure_compile_time_eval", "eval_shape", "explain_cache_misses", "float0", "free_ref",
    "freeze", "fwd_and_bwd", "grad", "hessian", "host_count", "host_id", "host_ids", "jacfwd",
    "jacobian", "jacrev", "jax2tf_associative_scan_reductions", "jit", "jvp",
    "legacy_prng_key", "linear_transpose", "linearize", "live_arrays", "local_device_count",
    "local_devices", "log_compiles", "make_array_from_callback",
    "make_array_from_process_local_data", "make_array_from_single_device_arrays",
    "make_jaxpr", "make_mesh", "make_user_context", "memory", "named_call", "named_scope",
    "new_ref", "no_execution", "no_tracing", "numpy_dtype_promotion", "numpy_rank_promotion",
    "print_environment_info", "process_count", "process_index", "process_indices",
    "remove_size_one_mesh_axis_from_type", "reshard", "set_mesh", "shard_map", "smap",
    "softmax_custom_jvp", "thread_guard", "threefry_partitionable", "transfer_guard",
    "transfer_guard_device_to_device", "transfer_guard_device_to_host",
    "transfer_guard_host_to_device", "typeof", "value_and_grad", "vjp", "vmap",
]
