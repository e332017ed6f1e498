"""xlafront and jax in one process: whichever is imported second raises a clear ImportError
(both install the methods of jaxlib's one Array type and set its process-wide switches), and
the first keeps working. The only test that imports jax, each time in a subprocess; skipped
where jax is not installed (it is never a dependency)."""
import importlib.util
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                                reason="jax is not installed")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(code):
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120)


def test_jax_first_then_xlafront():
    result = _run(
        "import jax, jax.numpy as jnp\n"
        "try:\n"
        "    import xlafront\n"
        "except ImportError as e:\n"
        "    print('refused:', e)\n"
        "print('jax still works:', (jnp.arange(3.0) + 1).tolist())\n")
    assert result.returncode == 0, result.stderr
    assert "refused: import xlafront: jax is already imported" in result.stdout
    assert "jax still works: [1.0, 2.0, 3.0]" in result.stdout


def test_xlafront_first_then_jax():
    result = _run(
        "import xlafront as xf, xlafront.numpy as np\n"
        "x = np.arange(3.0) + 1\n"
        "try:\n"
        "    import jax\n"
        "except ImportError as e:\n"
        "    print('refused:', e)\n"
        "print('xlafront still works:', (x * 2).tolist(), type(x + 1).__name__)\n")
    assert result.returncode == 0, result.stderr
    assert "refused: import jax: xlafront and jax cannot share one Python process" in result.stdout
    assert "xlafront still works: [2.0, 4.0, 6.0] Array" in result.stdout
