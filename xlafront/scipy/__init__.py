"""jax.scipy: SciPy-compatible functions over xlafront.numpy and lax. Each submodule loads
on first use (`xlafront.scipy.special` ...), so importing the package costs nothing."""
import importlib

_SUBMODULES = ("special", "stats", "linalg", "signal", "fft", "optimize", "integrate",
               "ndimage", "interpolate", "spatial", "cluster")


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'xlafront.scipy' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_SUBMODULES})
