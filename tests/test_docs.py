"""The API reference in docs/api/ is what the docstrings say: regenerate it with
`python docs/api_reference.py` after changing a public name or its docstring."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_api_reference_is_current():
    r = subprocess.run([sys.executable, os.path.join(ROOT, "docs", "api_reference.py"),
                        "--check"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
