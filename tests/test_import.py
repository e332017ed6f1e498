"""Importing xlafront never imports the `jax` package, and defers jaxlib until first use."""
import subprocess
import sys


def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)


def test_import_leaves_jax_out():
    proc = _run("import sys, xlafront, xlafront.numpy as np, xlafront.lax\n"
                "x = np.arange(3.0); import xlafront as xf\n"
                "xf.jit(xf.grad(lambda v: (v * v).sum()))(x)\n"
                "xf.vmap(np.sin)(x)\n"
                "bad = sorted(m for m in sys.modules if m == 'jax' or m.startswith('jax.'))\n"
                "assert not bad, bad\n"
                "print('ok')")
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_import_defers_jaxlib_client():
    proc = _run("import sys, xlafront.numpy\n"
                "loaded = [m for m in ('jaxlib._jax', 'jaxlib.xla_client', 'jaxlib.mlir.ir')\n"
                "          if m in sys.modules]\n"
                "assert not loaded, loaded\n"
                "print('ok')")
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_loading_every_module_leaves_the_public_functions():
    # Importing a submodule sets the package attribute of its name: a module named as one
    # of the package's functions (lax/dot.py beside lax.dot) would replace the function
    # once it loads, lazily or directly. First the functions that share a name with a
    # submodule of their package, reached as a program reaches them ...
    packages = "(xf, xf.lax, xf.numpy, xf.random, xf.nn, xf.scipy)"
    found = _run("import pkgutil, types, xlafront as xf\n"
                 f"for p in {packages}:\n"
                 "    for m in pkgutil.iter_modules(p.__path__):\n"
                 "        v = getattr(p, m.name, None)\n"
                 "        if v is not None and not isinstance(v, types.ModuleType):\n"
                 "            print(p.__name__, m.name)")
    assert found.returncode == 0, found.stderr
    named = [tuple(line.split()) for line in found.stdout.splitlines()]
    named += [("xlafront.lax", n) for n in ("dot", "fft", "sort")]
    named += [("xlafront", n) for n in ("jit", "vmap", "pmap", "grad")]
    # ... then each stays a function once every module has been imported directly first.
    proc = _run("import importlib, pkgutil, sys, types, xlafront as xf\n"
                "from xlafront import lax\n"
                "for m in pkgutil.walk_packages(xf.__path__, 'xlafront.'):\n"
                "    if not m.name.startswith('xlafront.demo'):\n"
                "        importlib.import_module(m.name)\n"
                "bad = [f'{p.__name__}.{n}' for p in (xf, lax, xf.numpy, xf.random, xf.nn)\n"
                "       for n in getattr(p, '__all__', dir(p)) if not n.startswith('_')\n"
                "       and isinstance(getattr(p, n), types.ModuleType)\n"
                "       and getattr(p, n).__name__ != f'{p.__name__}.{n}']\n"
                f"shadowed = [f'{{p}}.{{n}}' for p, n in {named!r}\n"
                "            if isinstance(getattr(sys.modules[p], n), types.ModuleType)]\n"
                "assert not bad and not shadowed, (bad, shadowed)\n"
                "print('ok')")
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
