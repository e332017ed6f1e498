"""The library's layers point one way. Every import in xlafront/ (function-local ones too)
is parsed with `ast`; an import of a module in a higher layer, an import cycle, a
function-local import (except the lazy ones listed with their reason), jaxlib outside the
runtime, or a `globals().update` fails here.

    config, errors <- dtypes <- core <- runtime, tree <- interpreters <- jit, dispatch,
    custom_derivatives <- lax <- numpy <- array_methods <- autodiff, vmap <- api <- xlafront

jit sits below lax and numpy because eager execution is jit of a small program: running a
NumPy function eagerly never climbs above the layer that defines it.
"""
import ast
import os

PACKAGE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "xlafront")

# Modules (or packages: a prefix followed by ".") in layer order, lowest first.
LAYERS = [
    ["xlafront.config", "xlafront.errors", "xlafront.lazy"],
    ["xlafront.dtypes"],
    ["xlafront.pretty", "xlafront.core"],
    ["xlafront.runtime.", "xlafront.runtime", "xlafront.tree", "xlafront.tree_util"],
    ["xlafront.interpreters.", "xlafront.interpreters"],
    ["xlafront.jit", "xlafront.dispatch", "xlafront.devices", "xlafront.custom_derivatives",
     "xlafront.distributed"],
    ["xlafront.lax.", "xlafront.lax"],
    ["xlafront.numpy.", "xlafront.numpy"],
    ["xlafront.array_methods"],
    ["xlafront.autodiff", "xlafront.vmap", "xlafront.callback"],
    ["xlafront.random.", "xlafront.random", "xlafront.nn.", "xlafront.nn", "xlafront.pxla",
     "xlafront.scipy.", "xlafront.scipy", "xlafront.ops", "xlafront.image", "xlafront.dlpack"],
    ["xlafront.test_util", "xlafront.api", "xlafront.debug", "xlafront.experimental",
     "xlafront.stages", "xlafront.flatten_util", "xlafront.custom_batching", "xlafront.typing",
     "xlafront.alias", "xlafront.unsupported"],
    ["xlafront.demo", "xlafront"],
]

# Imports allowed inside functions (everything else goes at the top of its module).
LAZY_OK = {
    "jaxlib": "the runtime loads jaxlib on first use, so `import xlafront` stays cheap "
              "(about 0.1 s) until an array is made",
    "jaxlib.mlir": "the MLIR bindings load with the runtime, not at import, for the same reason",
    "logging": "2.5 ms of `import xlafront`; only compile logging and a failed accelerator "
               "write to the log",
    "sklearn": "the demo's digits data, an optional dependency (xlafront[demo]): without "
               "it the demo says how to install it",
    "difflib": "1 ms of `import xlafront`; only the message of a pytree metadata mismatch "
               "diffs the two trees",
    "opt_einsum": "7 ms of `import xlafront`; only einsum (its contraction order) needs it",
    "dataclasses": "1 ms of `import xlafront` (with copy, which it imports); only "
                   "tree.register_dataclass and tree.static need it",
    "zlib": "0.2 ms of `import xlafront`; only the persistent cache's entry checksums use it",
    "_blake2": "hashlib's BLAKE2 (hashlib itself loads OpenSSL, 3 ms of the first eager "
               "call); only needed to fingerprint a program",
}

# The only modules that may import jaxlib at all (its private API changes between releases).
JAXLIB_USERS = ("xlafront.runtime.", "xlafront.interpreters.lowering")


def _modules():
    """{module name: path} for every .py file of the package."""
    found = {}
    for root, _, files in os.walk(PACKAGE_DIR):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(root, f)
                rel = os.path.relpath(path, os.path.dirname(PACKAGE_DIR))[:-3].replace(os.sep, ".")
                found[rel[:-len(".__init__")] if rel.endswith(".__init__") else rel] = path
    return found


MODULES = _modules()


def _rank(module):
    for i, layer in enumerate(LAYERS):
        for entry in layer:
            if module == entry or (entry.endswith(".") and module.startswith(entry)):
                return i
    raise AssertionError(f"module {module} is in no layer of tests/test_layers.py: add it")


def _imports(module, path):
    """[(imported module, line, inside a function)] for every import statement of module."""
    tree = ast.parse(open(path).read(), path)
    is_package = path.endswith("__init__.py")
    package = module if is_package else module.rpartition(".")[0]
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                       ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, in_function) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")
                    parent = ".".join(parts[:len(parts) - child.level + 1])
                    base = parent + ("." + base if base else "")
                for alias in child.names:
                    sub = f"{base}.{alias.name}"
                    found.append((sub if sub in MODULES else base, child.lineno, in_function))
            visit(child, nested)

    visit(tree, False)
    return found


def _internal_graph():
    graph = {}
    for module, path in MODULES.items():
        graph[module] = sorted({m for m, _, _ in _imports(module, path)
                                if m in MODULES and m != module})
    return graph


def test_every_module_has_a_layer():
    for module in MODULES:
        _rank(module)


def test_no_import_points_up():
    bad = []
    for module, path in MODULES.items():
        for target, line, _ in _imports(module, path):
            if target in MODULES and _rank(target) > _rank(module):
                bad.append(f"{module}:{line} imports {target} (layer {_rank(target)} > "
                           f"{_rank(module)})")
    assert not bad, "imports against the layer order:\n" + "\n".join(bad)


def test_no_import_cycle():
    graph = _internal_graph()
    state, stack, cycles = {}, [], []

    def walk(m):
        state[m] = "open"
        stack.append(m)
        for n in graph[m]:
            if state.get(n) == "open":
                cycles.append(" -> ".join(stack[stack.index(n):] + [n]))
            elif n not in state:
                walk(n)
        stack.pop()
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            walk(m)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_function_local_imports_are_only_the_listed_lazy_ones():
    bad = []
    for module, path in MODULES.items():
        for target, line, in_function in _imports(module, path):
            if in_function and not any(target == k or target.startswith(k + ".")
                                       for k in LAZY_OK):
                bad.append(f"{module}:{line} imports {target} inside a function")
    assert not bad, "move these imports to the top of their module:\n" + "\n".join(bad)


def test_lazy_import_list_is_used():
    used = {k for module, path in MODULES.items() for target, _, lazy in _imports(module, path)
            for k in LAZY_OK if lazy and (target == k or target.startswith(k + "."))}
    assert used == set(LAZY_OK), f"stale LAZY_OK entries: {set(LAZY_OK) - used}"


def test_only_the_runtime_touches_jaxlib():
    bad = [f"{module}:{line} imports {target}"
           for module, path in MODULES.items() for target, line, _ in _imports(module, path)
           if (target == "jaxlib" or target.startswith("jaxlib."))
           and not module.startswith(JAXLIB_USERS)]
    assert not bad, "jaxlib imports outside runtime/ and lowering:\n" + "\n".join(bad)


def test_no_globals_update():
    bad = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(open(path).read(), path)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "update" and isinstance(node.func.value, ast.Call)
                    and getattr(node.func.value.func, "id", None) == "globals"):
                bad.append(f"{module}:{node.lineno}")
    assert not bad, "globals().update creates names no reader can find:\n" + "\n".join(bad)
