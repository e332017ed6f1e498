"""The persistent compilation cache: the first call of the MLP training step (ad_bench's
784-512-512-10 MLP, batch 128: jit of value_and_grad plus the SGD update) in a new Python
process, with and without a cache that an earlier process filled, beside JAX's default
(no persistent cache) and JAX with its own cache on.

    python benchmarks/cache_bench.py [--rounds N] [--jax-python PATH]

Columns: the first call alone, and the process from before `import` to the first result.
Every configuration runs once untimed (to fill its cache and the bytecode caches), then
the configurations alternate for N rounds; the table shows the median and [min-max].
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ad_bench import loss_fn, mlp_problem  # noqa: E402
from core_bench import clean_env, resolve_jax_python  # noqa: E402


def worker(which):
    t0 = time.perf_counter()
    if which == "xf":
        import xlafront as lib
        import xlafront.numpy as np_mod
    else:
        import jax as lib
        import jax.numpy as np_mod
    imported = time.perf_counter()
    loss = loss_fn(np_mod, lib.lax.stop_gradient)

    @lib.jit
    def step(params, x, y):
        value, grads = lib.value_and_grad(loss)(params, x, y)
        return value, lib.tree_util.tree_map(lambda p, g: p - 0.01 * g, params, grads)

    params, x, y = mlp_problem(np_mod)
    start = time.perf_counter()
    value, params = step(params, x, y)
    value.block_until_ready()
    done = time.perf_counter()
    print(json.dumps({"first_call": done - start, "process": done - t0 - (start - imported),
                      "value": float(value)}))


def run(python, which, env):
    proc = subprocess.run([python, os.path.abspath(__file__), "--worker", which],
                          capture_output=True, text=True, env=env, cwd="/")
    if proc.returncode != 0:
        sys.stderr.write(f"{which} failed:\n{proc.stderr[-2000:]}\n")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--jax-python", default=None)
    parser.add_argument("--worker", choices=["xf", "jax"])
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker)

    args.jax_python = resolve_jax_python(args.jax_python)
    tmp = tempfile.mkdtemp(prefix="cache-bench-")
    base = clean_env()
    configs = {
        "xlafront, no cache": (sys.executable, "xf", dict(base, XLAFRONT_CACHE_DIR="")),
        "xlafront, default cache": (sys.executable, "xf",
                                    dict(base, XLAFRONT_CACHE_DIR=os.path.join(tmp, "xf"))),
    }
    if args.jax_python:
        configs["JAX default"] = (args.jax_python, "jax", base)
        configs["JAX, its cache on"] = (args.jax_python, "jax", dict(
            base, JAX_COMPILATION_CACHE_DIR=os.path.join(tmp, "jax"),
            JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
            JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0"))
    samples = {name: [] for name in configs}
    try:
        for name, (python, which, env) in configs.items():  # untimed: fills the caches
            if run(python, which, env) is None:
                samples.pop(name)
        for _ in range(args.rounds):
            for name in samples:
                result = run(*configs[name])
                if result is not None:
                    samples[name].append(result)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def cell(name, key):
        values = [r[key] * 1e3 for r in samples.get(name, [])]
        if not values:
            return "n/a"
        return f"{statistics.median(values):7.1f} [{min(values):.0f}-{max(values):.0f}]"

    print(f"MLP step, first call in a new process (ms, median [min-max] of {args.rounds})\n")
    print(f"{'configuration':26} {'first call':>20} {'import to result':>22} {'vs JAX default':>15}")
    jax_first = [r["first_call"] for r in samples.get("JAX default", [])]
    for name in samples:
        ratio = ""
        if jax_first and samples[name]:
            ratio = (f"{statistics.median(r['first_call'] for r in samples[name]) / statistics.median(jax_first):.2f}x")
        print(f"{name:26} {cell(name, 'first_call'):>20} {cell(name, 'process'):>22} {ratio:>15}")


if __name__ == "__main__":
    main()
