"""Global switches: `xf.config.update("enable_x64", True)`, `log_compiles`, `disable_jit`,
the persistent compilation cache.

The key names follow JAX: "jax_enable_x64" and "enable_x64" name the same switch.
"""
import functools
import os


def _default_cache_dir():
    """XLAFRONT_CACHE_DIR when set (empty: no persistent cache), else the user cache
    directory: $XDG_CACHE_HOME/xlafront or ~/.cache/xlafront."""
    if "XLAFRONT_CACHE_DIR" in os.environ:
        return os.environ["XLAFRONT_CACHE_DIR"] or None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "xlafront")


class Config:
    """Process-wide settings with JAX's names.

    >>> import xlafront as xf
    >>> xf.config.update("enable_x64", True)
    >>> xf.config.enable_x64
    True
    """

    _defaults = {"enable_x64": False, "log_compiles": False, "disable_jit": False,
                 "debug_nans": False, "debug_infs": False, "platforms": None,
                 "default_matmul_precision": None, "numpy_rank_promotion": "allow",
                 # CPU devices of the CPU client (-1: XLA_FLAGS' count, else 1); set before
                 # the backend starts (runtime/client.py refuses it after)
                 "num_cpu_devices": -1,
                 # the persistent compilation cache (runtime/persistent_cache.py); unlike
                 # JAX's it is on by default, so it is capped by default too
                 "enable_compilation_cache": True,
                 "compilation_cache_dir": _default_cache_dir(),
                 "compilation_cache_max_size": 1 << 30,  # bytes; -1: no limit
                 "persistent_cache_min_compile_time_secs": 0.0,
                 "persistent_cache_min_entry_size_bytes": 0,
                 # where new arrays and jit go: a Device, "cpu"/"gpu", or None (the first
                 # local device of the default backend); see devices.py
                 "default_device": None,
                 # jaxlib's transfer guards (None: jaxlib's default, "allow"); see devices.py
                 "transfer_guard": None, "transfer_guard_host_to_device": None,
                 "transfer_guard_device_to_device": None,
                 "transfer_guard_device_to_host": None,
                 "array_garbage_collection_guard": None, "thread_guard": False,
                 # JAX's remaining options, at JAX's defaults; see _unsupported
                 "allow_f16_reductions": True, "check_tracer_leaks": False,
                 "enable_checks": False, "explain_cache_misses": False, "no_tracing": False,
                 "no_execution": False, "numpy_dtype_promotion": "standard",
                 "softmax_custom_jvp": False, "debug_key_reuse": False,
                 "enable_custom_prng": False, "default_prng_impl": "threefry2x32",
                 "threefry_partitionable": True, "legacy_prng_key": "allow",
                 "auto_pcast": True, "remove_size_one_mesh_axis_from_type": False,
                 "jax2tf_associative_scan_reductions": False}

    # Options xlafront knows but does not implement yet: setting one to anything but its
    # default raises NotImplementedError with the reason (reading it gives the default).
    _unsupported = {
        "allow_f16_reductions": "refusing float16/bfloat16 sums is not implemented",
        "check_tracer_leaks": "leak checking after each trace is not implemented (an "
                              "escaped tracer still raises UnexpectedTracerError when used)",
        "enable_checks": "xlafront's internal invariant checks are not wired to this option",
        "no_execution": "refusing to run compiled programs is not implemented",
        "numpy_dtype_promotion": "only the standard promotion lattice is implemented",
        "debug_key_reuse": "PRNG key reuse checking comes with the random module",
        "enable_custom_prng": "xlafront.random has no custom PRNG implementations "
                              "(threefry2x32 only)",
        "default_prng_impl": "xlafront.random implements threefry2x32 (JAX's default) only",
        "threefry_partitionable": "the PRNG's partitionable variant comes with the random "
                                  "module",
        "legacy_prng_key": "xlafront.random does not check the use of raw (uint32) keys",
        "auto_pcast": "meshes and varying manual axes are not supported yet",
        "remove_size_one_mesh_axis_from_type": "meshes are not supported yet",
        "jax2tf_associative_scan_reductions": "jax2tf is not part of xlafront",
    }

    def __init__(self):
        object.__setattr__(self, "_values", dict(self._defaults))
        object.__setattr__(self, "_hooks", {})
        object.__setattr__(self, "_validators", {})

    def _key(self, name):
        key = name[4:] if name.startswith("jax_") else name
        if key not in self._values:
            raise AttributeError(f"config.update: unknown option {name!r}; "
                                 f"known options are {sorted(self._values)}")
        return key

    # the values an option accepts, where not every value is meaningful
    _guard_levels = (None, "allow", "log", "disallow", "log_explicit", "disallow_explicit")
    _choices = {"numpy_rank_promotion": ("allow", "warn", "raise"),
                "default_matmul_precision": (None, "default", "high", "highest", "bfloat16",
                                             "tensorfloat32", "float32", "fastest"),
                "transfer_guard": _guard_levels, "transfer_guard_host_to_device": _guard_levels,
                "transfer_guard_device_to_device": _guard_levels,
                "transfer_guard_device_to_host": _guard_levels,
                "array_garbage_collection_guard": (None, "allow", "log", "fatal"),
                "thread_guard": (False, True),
                "numpy_dtype_promotion": ("standard", "strict"),
                "legacy_prng_key": ("allow", "warn", "error"),
                "default_prng_impl": ("threefry2x32", "threefry4x32", "rbg", "unsafe_rbg",
                                      "philox2x32", "philox4x32")}

    def update(self, name, value):
        """Sets option `name` (with or without the "jax_" prefix) to `value`."""
        key = self._key(name)
        if key in self._choices and value not in self._choices[key]:
            raise ValueError(f"config.update: {name} must be one of {self._choices[key]}, "
                             f"got {value!r}")
        if key in self._unsupported and value != self._defaults[key]:
            raise NotImplementedError(
                f"config.update: {name}={value!r} is not supported by xlafront yet: "
                f"{self._unsupported[key]}. Only the default, {self._defaults[key]!r}, is.")
        for validate in self._validators.get(key, ()):
            validate(value)
        self._values[key] = value
        for hook in self._hooks.get(key, ()):
            hook(value)

    def read(self, name):
        return self._values[self._key(name)]

    def on_change(self, name, hook):
        """Calls `hook(value)` whenever `name` changes (used by the runtime)."""
        self._hooks.setdefault(self._key(name), []).append(hook)

    def on_validate(self, name, validate):
        """Calls `validate(value)` before `name` changes; it raises to refuse the value
        (for checks that need a higher layer, such as what a Device is)."""
        self._validators.setdefault(self._key(name), []).append(validate)

    def __getattr__(self, name):
        try:
            return self._values[self._key(name)]
        except AttributeError:
            raise AttributeError(f"config has no option {name!r}") from None

    def __setattr__(self, name, value):
        self.update(name, value)


config = Config()

# Options that change what tracing produces or what running a program checks: part of
# every jit key (jit's own and jaxlib's C++ dispatcher's), as enable_x64 is.
# default_device is one too: it decides where a call with uncommitted arguments compiles for.
TRACE_OPTIONS = ("debug_nans", "debug_infs", "default_matmul_precision", "numpy_rank_promotion",
                 "default_device")


def trace_context():
    return tuple(config.read(name) for name in TRACE_OPTIONS)


class State:
    """One option as JAX's top-level names expose it (`xf.enable_x64`, `xf.debug_nans`):
    `.value` reads it, and calling it gives a context manager that sets it for a block.
    Unlike JAX's, the setting is process-wide, not per thread.

    >>> import xlafront as xf
    >>> with xf.debug_nans(True):
    ...     xf.config.debug_nans
    True
    """

    def __init__(self, name):
        self.name = name

    @property
    def value(self):
        return config.read(self.name)

    def __call__(self, new_value=True):
        return _Setting(self.name, new_value)

    def __repr__(self):
        return f"State({self.name}={self.value!r})"


class _Setting:
    def __init__(self, name, value):
        self.name, self.value, self.saved = name, value, []

    def __enter__(self):
        self.saved.append(config.read(self.name))
        config.update(self.name, self.value)

    def __exit__(self, *exc):
        config.update(self.name, self.saved.pop())


VERSION = "0.1.0"  # xlafront's (the JAX API it follows is 0.10.2)

# JAX's top-level option states: `with xf.debug_nans(True): ...`, `xf.enable_x64.value`.
# Options xlafront does not implement yet refuse any value but their default (config.py).
enable_x64 = State("enable_x64")
debug_nans = State("debug_nans")
debug_infs = State("debug_infs")
disable_jit = State("disable_jit")
log_compiles = State("log_compiles")
default_matmul_precision = State("default_matmul_precision")
numpy_rank_promotion = State("numpy_rank_promotion")
numpy_dtype_promotion = State("numpy_dtype_promotion")
default_device = State("default_device")
transfer_guard = State("transfer_guard")
transfer_guard_host_to_device = State("transfer_guard_host_to_device")
transfer_guard_device_to_device = State("transfer_guard_device_to_device")
transfer_guard_device_to_host = State("transfer_guard_device_to_host")
array_garbage_collection_guard = State("array_garbage_collection_guard")
thread_guard = State("thread_guard")
allow_f16_reductions = State("allow_f16_reductions")
check_tracer_leaks = State("check_tracer_leaks")
checking_leaks = functools.partial(check_tracer_leaks, True)
enable_checks = State("enable_checks")
explain_cache_misses = State("explain_cache_misses")
no_tracing = State("no_tracing")
no_execution = State("no_execution")
softmax_custom_jvp = State("softmax_custom_jvp")
debug_key_reuse = State("debug_key_reuse")
enable_custom_prng = State("enable_custom_prng")
default_prng_impl = State("default_prng_impl")
threefry_partitionable = State("threefry_partitionable")
legacy_prng_key = State("legacy_prng_key")
auto_pcast = State("auto_pcast")
remove_size_one_mesh_axis_from_type = State("remove_size_one_mesh_axis_from_type")
jax2tf_associative_scan_reductions = State("jax2tf_associative_scan_reductions")
