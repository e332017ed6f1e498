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
