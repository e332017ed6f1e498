"""Writes the API reference, docs/api/<module>.md, from the docstrings of xlafront's public
names: `python docs/api_reference.py` (re)writes it, `--check` fails when the committed
pages differ from what the code says (tests/test_docs.py runs that in CI).

Each page lists the module's public names (its `__all__`, else its public attributes) in
order, each with its signature, its docstring and its example from
docs/examples/<module>.md (tests/test_docs.py runs those as doctests). An example file
holds one section per name: a heading (## and the name in backquotes), an optional one-line
description (shown only when the name has no docstring) and a doctest. Names with
neither docstring nor description are listed at the end of the page, so the gaps stay
visible."""
import argparse
import enum
import importlib
import inspect
import os
import re
import sys

MODULES = ["xlafront", "xlafront.numpy", "xlafront.lax", "xlafront.nn", "xlafront.random",
           "xlafront.tree_util", "xlafront.debug", "xlafront.experimental", "xlafront.dtypes",
           "xlafront.errors", "xlafront.stages", "xlafront.flatten_util",
           "xlafront.custom_batching", "xlafront.numpy.linalg", "xlafront.numpy.fft",
           "xlafront.lax.linalg", "xlafront.nn.initializers", "xlafront.ops", "xlafront.image",
           "xlafront.dlpack", "xlafront.scipy.special", "xlafront.scipy.linalg",
           "xlafront.scipy.signal", "xlafront.scipy.fft", "xlafront.scipy.optimize",
           "xlafront.scipy.integrate", "xlafront.scipy.ndimage", "xlafront.scipy.interpolate",
           "xlafront.scipy.spatial.transform", "xlafront.scipy.cluster.vq",
           "xlafront.scipy.stats"] + [f"xlafront.scipy.stats.{d}" for d in (
    "bernoulli", "beta", "betabinom", "binom", "cauchy", "chi2", "dirichlet", "expon",
    "gamma", "gennorm", "geom", "gumbel_l", "gumbel_r", "laplace", "logistic", "multinomial",
    "multivariate_normal", "nbinom", "norm", "pareto", "poisson", "t", "truncnorm", "uniform",
    "vonmises")]
DOCS = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(DOCS, "api")
EXAMPLES = os.path.join(DOCS, "examples")
SECTION = re.compile(r"^## `([^`]+)`\n", re.M)


def public_names(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in dir(module) if not n.startswith("_")]
    return sorted(set(names), key=str.lower)


def documented_names(module):
    """The public names an example file covers: all but submodules, which have their own."""
    return [n for n in public_names(module) if not inspect.ismodule(getattr(module, n, None))]


def examples(module_name):
    """{name: (description, doctest text)} from docs/examples/<module>.md; None if absent."""
    path = os.path.join(EXAMPLES, f"{module_name}.md")
    if not os.path.exists(path):
        return None
    parts = SECTION.split(open(path).read())
    sections = {}
    for name, body in zip(parts[1::2], parts[2::2]):
        lines = body.strip("\n").split("\n")
        start = next((i for i, line in enumerate(lines) if line.startswith(">>>")), len(lines))
        sections[name] = (" ".join(lines[:start]).strip(), "\n".join(lines[start:]) + "\n")
    return sections


def docstring(obj):
    """obj's own docstring (not its type's), for functions and classes only."""
    doc = inspect.getdoc(obj) if callable(obj) else None
    return doc if doc and doc != inspect.getdoc(type(obj)) else None


def signature(obj):
    """obj's call signature; for a class only when xlafront defines how it is made, since
    the inherited constructors (Enum, tuple, exceptions) print differently per Python."""
    if inspect.isclass(obj):
        maker = next((c for c in obj.__mro__ if c is not object and
                      ("__init__" in vars(c) or "__new__" in vars(c))), object)
        if not maker.__module__.startswith("xlafront") or issubclass(obj, enum.Enum):
            return ""
    elif not inspect.isroutine(obj):  # e.g. a type alias such as tuple[int, ...]
        return ""
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError, NotImplementedError):  # placeholders refuse introspection
        return ""


def page(module_name):
    module = importlib.import_module(module_name)
    lines = [f"# `{module_name}`", ""]
    doc = inspect.getdoc(module)
    if doc:
        lines += [doc, ""]
    undocumented = []
    sections = examples(module_name) or {}
    for name in documented_names(module):
        obj = getattr(module, name, None)
        description, example = sections.get(name, ("", ""))
        doc = docstring(obj) or description
        if not doc:
            undocumented.append(name)
            continue
        lines += [f"## `{name}{signature(obj) if callable(obj) else ''}`", "", doc, ""]
        if example.strip():
            lines += ["```python", example.rstrip("\n"), "```", ""]
    if undocumented:
        lines += ["## Names without a docstring yet", "",
                  ", ".join(f"`{n}`" for n in undocumented), ""]
    return "\n".join(lines)


def pages():
    return {f"{name}.md": page(name) for name in MODULES}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if docs/api is stale")
    args = parser.parse_args()
    stale = []
    for filename, text in pages().items():
        path = os.path.join(OUT, filename)
        old = open(path).read() if os.path.exists(path) else None
        if old != text:
            stale.append(filename)
            if not args.check:
                os.makedirs(OUT, exist_ok=True)
                with open(path, "w") as f:
                    f.write(text)
    if args.check and stale:
        sys.exit(f"docs/api is stale ({', '.join(stale)}): run python docs/api_reference.py")
    if not args.check:
        print(f"wrote {len(stale)} page(s) of {len(MODULES)}")


if __name__ == "__main__":
    main()
