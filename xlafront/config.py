"""Global switches: `xf.config.update("enable_x64", True)`, `log_compiles`, `disable_jit`,
the persistent compilation cache.

The key names follow JAX: "jax_enable_x64" and "enable_x64" name the same switch.
"""
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
                 # the persistent compilation cache (runtime/persistent_cache.py); unlike
                 # JAX's it is on by default, so it is capped by default too
                 "enable_compilation_cache": True,
                 "compilation_cache_dir": _default_cache_dir(),
                 "compilation_cache_max_size": 1 << 30,  # bytes; -1: no limit
                 "persistent_cache_min_compile_time_secs": 0.0,
                 "persistent_cache_min_entry_size_bytes": 0}

    def __init__(self):
        object.__setattr__(self, "_values", dict(self._defaults))
        object.__setattr__(self, "_hooks", {})

    def _key(self, name):
        key = name[4:] if name.startswith("jax_") else name
        if key not in self._values:
            raise AttributeError(f"config.update: unknown option {name!r}; "
                                 f"known options are {sorted(self._values)}")
        return key

    # the values an option accepts, where not every value is meaningful
    _choices = {"numpy_rank_promotion": ("allow", "warn", "raise"),
                "default_matmul_precision": (None, "default", "high", "highest", "bfloat16",
                                             "tensorfloat32", "float32", "fastest")}

    def update(self, name, value):
        """Sets option `name` (with or without the "jax_" prefix) to `value`."""
        key = self._key(name)
        if key in self._choices and value not in self._choices[key]:
            raise ValueError(f"config.update: {name} must be one of {self._choices[key]}, "
                             f"got {value!r}")
        self._values[key] = value
        for hook in self._hooks.get(key, ()):
            hook(value)

    def read(self, name):
        return self._values[self._key(name)]

    def on_change(self, name, hook):
        """Calls `hook(value)` whenever `name` changes (used by the runtime)."""
        self._hooks.setdefault(self._key(name), []).append(hook)

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
TRACE_OPTIONS = ("debug_nans", "debug_infs", "default_matmul_precision", "numpy_rank_promotion")


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
