"""Writes the API reference, docs/api/<module>.md, from the docstrings of xlafront's public
names: `python docs/api_reference.py` (re)writes it, `--check` fails when the committed
pages differ from what the code says (tests/test_docs.py runs that in CI).

Each page lists the module's public names (its `__all__`, else its public attributes) in
order, each with its signature and docstring; names without a docstring are listed at the
end of the page, so the gaps stay visible."""
import argparse
import importlib
import inspect
import os
import sys

MODULES = ["xlafront", "xlafront.numpy", "xlafront.lax", "xlafront.nn", "xlafront.random",
           "xlafront.tree_util", "xlafront.debug", "xlafront.experimental", "xlafront.dtypes",
           "xlafront.errors", "xlafront.stages", "xlafront.flatten_util",
           "xlafront.custom_batching"]
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "api")


def public_names(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in dir(module) if not n.startswith("_")]
    return sorted(set(names), key=str.lower)


def signature(obj):
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return ""


def page(module_name):
    module = importlib.import_module(module_name)
    lines = [f"# `{module_name}`", ""]
    doc = inspect.getdoc(module)
    if doc:
        lines += [doc, ""]
    undocumented = []
    for name in public_names(module):
        obj = getattr(module, name, None)
        if inspect.ismodule(obj):
            continue
        doc = inspect.getdoc(obj) if callable(obj) or inspect.isclass(obj) else None
        if callable(obj) and doc and doc != inspect.getdoc(type(obj)):
            lines += [f"## `{name}{signature(obj)}`", "", doc, ""]
        else:
            undocumented.append(name)
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
