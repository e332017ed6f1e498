"""The API reference in docs/api/ is what the docstrings say: regenerate it with
`python docs/api_reference.py` after changing a public name or its docstring.

Every public name has an example in docs/examples/<module>.md, run here as a doctest; the
expected outputs were taken from real JAX running the same code."""
import doctest
import importlib
import math
import importlib.util
import os
import re
import subprocess
import sys

import numpy as onp
import pytest

import xlafront
import xlafront.numpy as jnp
from xlafront import lax, nn, random

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location(
    "api_reference", os.path.join(ROOT, "docs", "api_reference.py"))
api_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(api_reference)

GLOBS = dict(onp=onp, jax=xlafront, jnp=jnp, lax=lax, random=random, nn=nn)
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
# modules whose example file is still being written (another helper empties this set)
PENDING = set()
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


class FloatTolerantChecker(doctest.OutputChecker):
    """Also accepts output whose numbers differ from the expected ones by a float32
    rounding step (other jaxlib versions may round a last bit differently and NumPy then
    prints one more digit), the text between them being the same."""

    def check_output(self, want, got, optionflags):
        if super().check_output(want, got, optionflags):
            return True
        want_numbers, got_numbers = NUMBER.findall(want), NUMBER.findall(got)
        if (len(want_numbers) != len(got_numbers)
                or NUMBER.sub("0", want).split() != NUMBER.sub("0", got).split()):
            return False
        return all(math.isclose(float(w), float(g), rel_tol=4e-6, abs_tol=1e-12)
                   for w, g in zip(want_numbers, got_numbers))


WITH_EXAMPLES = [m for m in api_reference.MODULES if api_reference.examples(m) is not None]


def test_float_tolerant_checker():
    check = FloatTolerantChecker().check_output
    want = "Array([-1.224736,  0.      ,  1.224736], dtype=float32)\n"
    assert check(want, "Array([-1.2247356,  0.       ,  1.2247356], dtype=float32)\n", FLAGS)
    assert not check(want, "Array([-1.224736,  0.      ,  1.2248], dtype=float32)\n", FLAGS)
    assert not check(want, "Array([-1.224736,  0.      ,  1.224736], dtype=float16)\n", FLAGS)
    assert not check(want, "Array([-1.224736,  0.      ], dtype=float32)\n", FLAGS)


def test_api_reference_is_current():
    r = subprocess.run([sys.executable, os.path.join(ROOT, "docs", "api_reference.py"),
                        "--check"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.filterwarnings("ignore:Explicitly requested dtype")  # float64 examples, x64 off
@pytest.mark.parametrize("module_name", WITH_EXAMPLES)
def test_examples_run(module_name):
    """Each section of the module's example file is one doctest with fresh globals."""
    parser, failed = doctest.DocTestParser(), []
    for name, (_, text) in api_reference.examples(module_name).items():
        test = parser.get_doctest(text, dict(GLOBS), f"{module_name}.{name}",
                                  f"docs/examples/{module_name}.md", 0)
        report = []
        runner = doctest.DocTestRunner(FloatTolerantChecker(), optionflags=FLAGS)
        if runner.run(test, out=report.append).failed:
            failed.append(f"{name}:\n" + "".join(report))
    if failed:
        pytest.fail(f"{len(failed)} example(s) failed:\n" + "\n".join(failed), pytrace=False)


@pytest.mark.parametrize("module_name", api_reference.MODULES)
def test_every_public_name_has_an_example(module_name):
    sections = api_reference.examples(module_name)
    if sections is None:
        assert module_name in PENDING, f"docs/examples/{module_name}.md is missing"
        pytest.skip("example file not written yet")
    assert module_name not in PENDING, "its example file exists: take it out of PENDING"
    module = importlib.import_module(module_name)
    names = api_reference.documented_names(module)
    assert sorted(set(names) - set(sections)) == [], "public names without an example"
    assert sorted(set(sections) - set(names)) == [], "examples of names that do not exist"
    empty = [n for n, (_, text) in sections.items() if ">>>" not in text]
    assert empty == [], "sections without a doctest"
    undescribed = [n for n in names
                   if not api_reference.docstring(getattr(module, n)) and not sections[n][0]]
    assert undescribed == [], "names with neither a docstring nor a one-line description"
