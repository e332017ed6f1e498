"""Package attributes that load their module on first use (PEP 562's module __getattr__),
which keeps `import xlafront` from reading the modules most programs never touch."""
import importlib
import sys


def lazy_attributes(package, submodules, names):
    """(__getattr__, __dir__) for the package named `package`: each of `submodules` imports
    when first asked for; each name of `names` ({name: submodule}, or {name:
    "submodule:attribute"} for one exported under another name) is taken from its
    submodule then and kept in the package (later lookups do not come here)."""
    def __getattr__(name):
        if name in submodules:
            return importlib.import_module(f"{package}.{name}")
        if name in names:
            module, _, attribute = names[name].partition(":")
            value = getattr(importlib.import_module(f"{package}.{module}"), attribute or name)
            setattr(sys.modules[package], name, value)
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted({*vars(sys.modules[package]), *submodules, *names})
    return __getattr__, __dir__
