"""`install_as_jax()`: makes `import jax` (and `jax.numpy`, `from jax import lax`, ...)
give xlafront's modules, so code and libraries written for JAX run on xlafront unchanged.

It registers a meta-path finder that answers for `jax` and `jax.<sub>` only (never jaxlib):
`jax` is a small module whose attributes are xlafront's (with JAX's `__version__`), and
`jax.<sub>` is the module `xlafront.<sub>` itself, so `jax.numpy is xlafront.numpy`. It
sits before runtime/compat.py's guard, which otherwise refuses `import jax` in a process
that runs xlafront (the two cannot share jaxlib's Array type).
"""
import importlib
import importlib.machinery
import importlib.util
import sys
import types

JAX_VERSION = "0.10.2"  # the JAX release whose API xlafront follows


class _JaxModule(types.ModuleType):
    """`jax` under the alias: every attribute is xlafront's, except the version."""

    def __init__(self, target):
        super().__init__("jax", f"xlafront under the name jax (JAX {JAX_VERSION}'s API)")
        self.__version__ = JAX_VERSION
        self.__version_info__ = tuple(int(p) for p in JAX_VERSION.split("."))
        self.__path__ = []  # a package, so `import jax.numpy` asks the finders
        self._target = target

    def __getattr__(self, name):
        try:
            return getattr(self._target, name)
        except AttributeError:
            raise AttributeError(f"module 'jax' has no attribute {name!r} (under "
                                 f"xlafront.install_as_jax(), jax is xlafront, which does not "
                                 f"have it)") from None

    def __dir__(self):
        return sorted(set(dir(self._target)) | {"__version__", "__version_info__"})


class _JaxAlias:
    """The meta-path finder and loader of the alias (plain methods, as compat's guard)."""

    def __init__(self, module):
        self.module = module
        self._specs = {}  # the specs of the xlafront modules handed out, until restored

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "jax":
            return importlib.machinery.ModuleSpec("jax", self, is_package=True)
        if not fullname.startswith("jax."):
            return None
        name = "xlafront" + fullname[3:]
        try:
            found = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            found = None
        if found is None:
            return None  # then `import jax.x` fails as it would for a missing xlafront.x
        return importlib.machinery.ModuleSpec(
            fullname, self, is_package=found.submodule_search_locations is not None)

    def create_module(self, spec):
        if spec.name == "jax":
            return self.module
        module = importlib.import_module("xlafront" + spec.name[3:])
        self._specs[module.__name__] = module.__spec__
        return module

    def exec_module(self, module):
        # The module is xlafront's, already executed. The import system has just set its
        # __spec__ to the alias's: give it back its own (its identity as xlafront.<sub>).
        if module.__name__ in self._specs:
            module.__spec__ = self._specs.pop(module.__name__)


def install_as_jax():
    """Makes `import jax` and its submodules give xlafront's modules, in this process.

    >>> import xlafront; xlafront.install_as_jax()
    >>> import jax, jax.numpy as jnp
    >>> jnp is xlafront.numpy, jax.__version__
    (True, '0.10.2')

    Returns the `jax` module. Calling it again is harmless. It refuses a process where the
    real jax is already imported (the two cannot share jaxlib).
    """
    existing = sys.modules.get("jax")
    if isinstance(existing, _JaxModule):
        return existing
    if existing is not None:
        raise ImportError("xlafront.install_as_jax: the real jax is already imported in this "
                          "process; xlafront and jax cannot share one process")
    module = _JaxModule(sys.modules["xlafront"])
    finder = _JaxAlias(module)
    module.__spec__ = importlib.machinery.ModuleSpec("jax", finder, is_package=True)
    module.__loader__ = finder
    sys.meta_path.insert(0, finder)
    sys.modules["jax"] = module
    return module
