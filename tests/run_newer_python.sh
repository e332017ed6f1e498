#!/usr/bin/env bash
# Runs the test suite on a newer Python with the newest jaxlib pip resolves there (CI runs
# Python 3.11 + jaxlib 0.10.2 only). Usage: tests/run_newer_python.sh [python] [jaxlib spec]
#   tests/run_newer_python.sh ~/.pyenv/versions/3.13.0/bin/python 'jaxlib==0.12.0.1'
# The venv lives in $VENV (default /tmp/xlafront-newer-python), outside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${1:-python3.13}"
JAXLIB="${2:-jaxlib}"
VENV="${VENV:-/tmp/xlafront-newer-python}"
"$PYTHON" -m venv "$VENV"
. "$VENV/bin/activate"
pip install -q -e '.[test]' "$JAXLIB"
python -c 'import sys, jaxlib.version as v; print("Python", sys.version.split()[0], "jaxlib", v.__version__)'
python -m pytest -n 2 -q -p no:cacheprovider tests "${@:3}"
