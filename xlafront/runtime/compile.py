"""Compilation and execution: the executables, jaxlib's C++ jit dispatcher, and the home
of every compile cache (eager programs, jit, traced bodies): `make_cache` registers one,
`clear_caches` empties them all. Every compile goes through the persistent cache
(persistent_cache.py)."""
import collections
import functools
import weakref

import numpy as np

from . import compat, persistent_cache, pytree
from .array import sharding_for
from .client import state

_caches = weakref.WeakSet()


class Cache(dict):
    """A dict of compiled or traced programs; with `max_size`, the oldest entry is dropped
    first when full."""

    def __init__(self, name, max_size=None):
        super().__init__()
        self.name, self.max_size = name, max_size

    def __setitem__(self, key, value):
        if self.max_size is not None and len(self) >= self.max_size and key not in self:
            del self[next(iter(self))]
        super().__setitem__(key, value)

    __hash__ = object.__hash__  # held in a WeakSet


class WeakKeyCache(weakref.WeakKeyDictionary):
    """A cache keyed by objects it does not keep alive (traced Python functions)."""

    def __init__(self, name):
        super().__init__()
        self.name = name

    __hash__ = object.__hash__  # held in a WeakSet


def make_cache(name, max_size=None, weak_keys=False):
    """A new cache that `clear_caches` empties: a dict (the oldest entry dropped first past
    `max_size`), or with `weak_keys` a WeakKeyDictionary."""
    cache = WeakKeyCache(name) if weak_keys else Cache(name, max_size)
    _caches.add(cache)
    return cache


def clear_caches():
    """Empties every cache of compiled and traced programs, jaxlib's C++ dispatch cache
    included (as jax.clear_caches does)."""
    for cache in list(_caches):
        cache.clear()
    persistent_cache.reset()
    rt = state()
    if hasattr(rt, "jit_cache"):
        rt.jit_cache.clear()


class Compiled:
    """A loaded executable with its result handlers: `compiled(*arrays) -> [arrays]`.
    `sharding` lays out every output, or is a list with one sharding per output (a program
    over several devices: `device` is then their tuple)."""

    def __init__(self, executable, device, out_avals, sharding):
        self.executable = executable
        self.device = device
        self.out_avals = out_avals
        rt = state()
        self.out_shardings = (list(sharding) if isinstance(sharding, (list, tuple))
                              else [sharding] * len(out_avals))
        self.handlers = [compat.array_result_handler(rt.jax, a, s)
                         for a, s in zip(out_avals, self.out_shardings)]

    def __call__(self, *arrays):
        return self.executable.execute_sharded(list(arrays)).consume_with_handlers(self.handlers)

    def hlo_text(self):
        return self.executable.hlo_modules()[0].to_string()

    def cost_analysis(self):
        return self.executable.cost_analysis()

    def memory_analysis(self):
        return self.executable.get_compiled_memory_stats()


def _single_device_options(device):
    rt = state()
    options = rt.jax.CompileOptions()
    # without a device assignment XLA compiles for device 0, whatever DeviceList says
    options.device_assignment = rt.jax.DeviceAssignment.create(np.array([[device.id]]))
    return options


def compile(module, device, host_callbacks=(), ir_text=None, compiler_options=None):
    """Compiles an MLIR module (from lowering.py) for one device, or loads the executable
    from the persistent cache. `host_callbacks` are the Python functions the module's
    callback custom calls name by index; such a program is never stored (a callback lives
    in this process only). `ir_text` (core.stable_text of the program it was lowered from)
    lets a later process find the executable without lowering (`load_by_ir`).
    `compiler_options` ({name: value}) override XLA's debug options, as JAX's do."""
    options = _single_device_options(device)
    if compiler_options:
        options.env_option_overrides = [(k, v) for k, v in compiler_options.items()]
        ir_text = None  # (the IR index knows the default options only)
    return _compile(module, (device,), options, host_callbacks, ir_text)


def load_by_ir(ir_text, device):
    """The executable an earlier process compiled for the program with this stable text on
    this device, from the persistent cache, or None."""
    return persistent_cache.load_by_ir(ir_text, state().jax.DeviceList((device,)),
                                       _single_device_options(device))


def compile_replicated(module, devices, host_callbacks=()):
    """Compiles an SPMD module (pmap's) that runs once per device: num_replicas =
    len(devices), replica i on devices[i] (the devices of every process, in multi-process
    runs), or loads it from the persistent cache, whose key holds both."""
    rt = state()
    options = rt.jax.CompileOptions()
    options.num_replicas = len(devices)
    options.num_partitions = 1
    options.device_assignment = rt.jax.DeviceAssignment.create(
        np.array([[d.id] for d in devices], np.int32))
    return _compile(module, tuple(devices), options, host_callbacks)


def _compile(module, devices, options, host_callbacks, ir_text=None):
    client = devices[0].client
    device_list = state().jax.DeviceList(devices)
    if host_callbacks:
        return client.compile_and_load(module, device_list, options, list(host_callbacks))
    return persistent_cache.compile_or_load(
        module, device_list, options,
        lambda: client.compile_and_load(module, device_list, options), ir_text)


_FastPath = collections.namedtuple(
    "_FastPath", "xla_executable out_pytree_def in_shardings out_shardings out_avals "
                 "out_committed kept_var_bitvec in_device_local_layouts const_args")


def fast_path(compiled, out_treedef, kept, in_shardings=None):
    """The record jaxlib's C++ dispatcher caches to call `compiled` without Python;
    `kept[i]` says whether argument leaf i is passed to the executable, `in_shardings` how
    each kept argument is laid out (default: on the program's one device)."""
    num_kept = sum(kept)
    if in_shardings is None:
        in_shardings = [sharding_for(compiled.device)] * num_kept
    return _FastPath(compiled.executable, out_treedef, list(in_shardings),
                     compiled.out_shardings, compiled.out_avals,
                     [True] * len(compiled.out_avals), list(kept), [None] * num_kept, [])


class _JitKey:
    """The C++ cache's per-function key: jit options that change the compiled program."""
    __slots__ = ("options",)

    def __init__(self, options):
        self.options = options

    def __hash__(self):
        return hash(self.options)

    def __eq__(self, other):
        return type(other) is _JitKey and self.options == other.options


def cpp_jit(name, fun, cache_miss, static_argnums, static_argnames, options, shard_arg,
            attributes, on_clear):
    """jaxlib's C++ jit dispatcher for `fun`: on a signature hit it runs the cached
    executable without entering Python; on a miss it calls `cache_miss(*args, **kwargs)`,
    which returns (outputs, fast_path record or None, False). The returned callable wraps
    `fun`, carries `attributes` (the Python methods of a jitted function), and its
    `clear_cache()` calls `on_clear()` and forgets the executables jaxlib cached for it."""
    rt = state()
    if not hasattr(rt, "jit_cache"):
        rt.jit_cache = rt.jax.PjitFunctionCache(capacity=8192)
    jitted = rt.jax.pjit(name, fun, cache_miss, list(static_argnums), list(static_argnames),
                         _JitKey(options), pytree.registry(), shard_arg, rt.jit_cache)
    try:
        functools.update_wrapper(jitted, fun)
    except (AttributeError, TypeError):
        pass
    for key, value in attributes.items():
        setattr(jitted, key, value)

    def clear_cache():
        on_clear()
        jitted._clear_cache()

    jitted.clear_cache = clear_cache
    return jitted
