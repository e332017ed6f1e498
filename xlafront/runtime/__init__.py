"""The only package that calls jaxlib's client API. jaxlib is imported on first use, not
at `import xlafront`, so importing stays cheap.

- client.py: the loaded state, jaxlib's C++ switches, backends and devices, `on_load` hooks
- array.py: the Array type (jaxlib's ArrayImpl), shardings, transfers
- compile.py: executables, jaxlib's C++ jit dispatcher, every compile cache
- persistent_cache.py: serialized executables on disk, shared between processes
- pytree.py: jaxlib's C++ pytree registry
- compat.py: the only place that looks at jaxlib's version; xlafront-vs-jax exclusion
"""
from . import compat
from .array import (array_device, array_devices, array_sharding, array_shards,  # noqa: F401
                    array_type, block_until_ready, copy_array, copy_to_device,
                    copy_to_host_async, device_put, is_committed, sharding_for, to_numpy)
from .client import (backends, default_backend, default_device, device_count,  # noqa: F401
                     device_platform, devices, get_backend, is_loaded, local_device_count,
                     local_devices, logger, on_load, process_index, state)
from .compile import (Compiled, clear_caches, compile, load_by_ir, cpp_jit, fast_path,  # noqa: F401
                      make_cache)
from . import persistent_cache  # noqa: F401
from .pytree import dict_key, treedef_tuple  # noqa: F401

compat.refuse_jax()
