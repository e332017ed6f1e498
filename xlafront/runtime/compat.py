"""The one place that knows which jaxlib is installed, and that xlafront cannot share a
process with jax.

jaxlib's client API is private and moves between releases: a call whose spelling differs
between the versions pyproject.toml claims gets a small function here that switches on
`version`. The claimed versions (0.10.2 to 0.12.x) differ in one call so far: jaxlib 0.12
dropped `array_result_handler`'s `_skip_checks` keyword.
"""
import importlib.machinery
import os
import sys
import warnings

SUPPORTED = ((0, 10, 2), (0, 13, 0))  # [lowest tested, first untested)
version = None  # jaxlib's version as a tuple of ints, once loaded

CONFLICT = (
    "xlafront and jax cannot share one Python process: both install the methods of "
    "jaxlib's one Array type (jaxlib._jax.ArrayImpl, whose class is final) and set "
    "jaxlib's process-wide C++ switches (x64, disable_jit), so the second would silently "
    "change the first's arrays. Run them in separate processes.")


def import_jaxlib():
    """(jaxlib's C++ extension module, its HLO bindings, which the extension loads anyway),
    with jaxlib's log level set as JAX sets it. Not its Python layer, xla_client: with the
    logging module it imports, that costs 3 ms of the first eager call, and only plugins
    need it; see `xla_client`."""
    global version
    import jaxlib.utils
    import jaxlib.version
    if "TF_CPP_MIN_LOG_LEVEL" not in os.environ:
        jaxlib.utils.absl_set_min_log_level(1)  # hide the client's INFO lines, as JAX does
    from jaxlib import _hlo, _jax
    version = tuple(int(p) for p in jaxlib.version.__version__.split(".")[:3])
    if not SUPPORTED[0] <= version < SUPPORTED[1]:
        warnings.warn(f"xlafront is tested with jaxlib >= {'.'.join(map(str, SUPPORTED[0]))} "
                      f"and < {'.'.join(map(str, SUPPORTED[1]))}; this is jaxlib "
                      f"{jaxlib.version.__version__}", RuntimeWarning, stacklevel=2)
    return _jax, _hlo


def xla_client():
    """jaxlib's Python layer (plugin loading, the custom-call registry of plugins)."""
    from jaxlib import xla_client
    return xla_client


def array_result_handler(jax_, aval, sharding):
    """jaxlib's handler that wraps an executable's output buffer as a committed Array,
    without re-checking what the compiler already guarantees."""
    if version >= (0, 12, 0):
        return jax_.array_result_handler(aval, sharding, True)
    return jax_.array_result_handler(aval, sharding, True, _skip_checks=True)


class _RefuseJax:
    """Makes `import jax` after xlafront an ImportError naming the conflict (where jax is
    installed; elsewhere the import fails as usual, and `find_spec("jax")` stays None). It
    is both the meta-path finder and the loader (plain methods: importlib.abc costs 10 ms
    of import time)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "jax":
            return None
        for finder in sys.meta_path:
            if finder is not self and hasattr(finder, "find_spec"):
                if finder.find_spec(fullname, path, target) is not None:
                    return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def create_module(self, spec):
        raise ImportError(f"import jax: {CONFLICT}")

    def exec_module(self, module):
        raise ImportError(f"import jax: {CONFLICT}")


def refuse_jax():
    """Called when xlafront is imported: refuses a process where jax was imported first,
    and makes a later `import jax` fail clearly instead of breaking either library."""
    if "jax" in sys.modules:
        raise ImportError(f"import xlafront: jax is already imported. {CONFLICT}")
    if not any(isinstance(f, _RefuseJax) for f in sys.meta_path):
        sys.meta_path.insert(0, _RefuseJax())


# libtpu's releases are numbered apart from jaxlib's: the one each jaxlib was built with
LIBTPU_FOR_JAXLIB = {"0.10.2": "0.0.42"}


def plugin_version_for(dist_name, jaxlib_version):
    """The version of an accelerator plugin distribution that matches `jaxlib_version`
    (a prefix of its version string), or None where unknown: the CUDA plugins are released
    with jaxlib under the same number."""
    if dist_name == "libtpu":
        return LIBTPU_FOR_JAXLIB.get(jaxlib_version)
    return jaxlib_version
