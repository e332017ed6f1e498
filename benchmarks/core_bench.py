"""Core overheads of xlafront next to JAX on the same jaxlib: jit dispatch, the raw
execute floor, eager ops, trace + lower, and import time.

    python benchmarks/core_bench.py [--quick] [--jax-python PATH]

Each library is measured in its own subprocess (xlafront with this interpreter, JAX with
`--jax-python`, by default /tmp/jaxvenv/bin/python when it exists), so neither import nor
caches leak into the other. Both processes must load the same jaxlib version; the JAX
column reads "n/a" when no JAX interpreter is available or the versions differ.
Times are medians over repeats, after warm-up, measured with time.perf_counter; a full
run alternates three rounds of the two processes and keeps each row's smallest median.
The eager rows take device arrays made before timing (f32[3], or the f32[1000] `x`, `y`
and bool[1000] `c` of `eager_inputs`). The fresh-process rows run each snippet once
untimed first, so that the bytecode caches exist, then time it in new processes (the
median of each round's processes; the smallest over the rounds, as for the other rows).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

DEFAULT_JAX_PYTHON = "/tmp/jaxvenv/bin/python"
CHAIN_OPS = 2000  # primitives in the trace + lower benchmark
EAGER_N = 1000  # length of the arrays of the eager NumPy-call rows

# Rows: key, label, unit, target (max xlafront/JAX ratio) or None
ROWS = [
    ("jit_call", "jit call `(a + b) * b`, f32[3]", "us", 1.0),
    ("raw_floor", "raw floor: execute_sharded + handlers", "us", None),
    ("eager_add", "eager `x + x`, f32[3]", "us", 1.0),
    ("eager_add_scalar", "eager `x + 2.0` (Python scalar), f32[3]", "us", 1.0),
    ("eager_logaddexp", f"eager `np.logaddexp(x, y)`, f32[{EAGER_N}]", "us", 1.0),
    ("eager_logaddexp_wait", "the same, waiting for each result (latency)", "us", None),
    ("eager_mean", f"eager `np.mean(x)`, f32[{EAGER_N}]", "us", 1.0),
    ("eager_where", f"eager `np.where(c, x, y)`, bool/f32[{EAGER_N}]", "us", 1.0),
    ("eager_concatenate", f"eager `np.concatenate([x, y])`, f32[{EAGER_N}]", "us", 1.0),
    ("eager_slice", f"eager slice `x[1:5]`, f32[{EAGER_N}]", "us", 1.0),
    ("eager_clip", f"eager `np.clip(x, 0.0, 1.0)`, f32[{EAGER_N}]", "us", 1.0),
    ("trace_lower", f"trace + lower {CHAIN_OPS} elementwise ops", "ms", 0.5),
    ("import", "import `*.numpy` (fresh process)", "s", 0.2),
    ("first_op", "import + first eager `x + x` (fresh process)", "s", 0.25),
]


# ---------------------------------------------------------------------------------------
# Measurement (inside the worker processes)

def run_suite(benches, cfg, sync):
    """{name: median seconds} for benches = [(name, fn, kind)].

    A "call" or "eager" bench times loops of cfg["n_call"] / cfg["n_eager"] calls of fn()
    (waiting for the last result, so asynchronous dispatch is fully counted) and reports
    seconds per call; kind None times single calls (cfg["lower_repeats"] of them). The benches are interleaved repeat by repeat, so a burst of
    background load hits all of them alike rather than one row."""
    loop_for = {None: 1, "call": cfg["n_call"], "eager": cfg["n_eager"]}
    for _, fn, _ in benches:  # warm-up
        for _ in range(3):
            sync(fn())
    times = {name: [] for name, _, _ in benches}
    for rep in range(cfg["repeats"]):
        for name, fn, kind in benches:
            if kind is None and rep >= cfg["lower_repeats"]:
                continue
            n = loop_for[kind]
            t0 = time.perf_counter()
            for _ in range(n):
                r = fn()
            sync(r)
            times[name].append((time.perf_counter() - t0) / n)
    return {name: statistics.median(ts) for name, ts in times.items()}


def eager_inputs(np_mod):
    """Device arrays x, y (f32[EAGER_N]) and c (bool[EAGER_N]), the same values in both
    workers: made on the host with NumPy and transferred once, before any timing."""
    import numpy as onp
    hx = onp.linspace(-1.0, 2.0, EAGER_N, dtype=onp.float32)
    hy = onp.cos(onp.arange(EAGER_N, dtype=onp.float32))
    return np_mod.asarray(hx), np_mod.asarray(hy), np_mod.asarray(hx > hy)


def eager_call_benches(np_mod, x, y, c):
    """The eager NumPy-call rows, written once for both libraries."""
    return [
        ("eager_logaddexp", lambda: np_mod.logaddexp(x, y), "eager"),
        # XLA's CPU runtime runs this program on its worker threads: the row above is the
        # pipelined throughput of dispatch and execution, this one the latency of a call.
        ("eager_logaddexp_wait", lambda: np_mod.logaddexp(x, y).block_until_ready(), "eager"),
        ("eager_mean", lambda: np_mod.mean(x), "eager"),
        ("eager_where", lambda: np_mod.where(c, x, y), "eager"),
        ("eager_concatenate", lambda: np_mod.concatenate([x, y]), "eager"),
        ("eager_slice", lambda: x[1:5], "eager"),
        ("eager_clip", lambda: np_mod.clip(x, 0.0, 1.0), "eager"),
    ]


def chain_fn(np_mod):
    """A fresh function of CHAIN_OPS elementwise ops alternating sin / add / mul."""
    def chain(x):
        a = x
        for i in range(CHAIN_OPS):
            k = i % 3
            if k == 0:
                a = np_mod.sin(a)
            elif k == 1:
                a = a + x
            else:
                a = a * x
        return a
    return chain


# ---------------------------------------------------------------------------------------
# Workers: each prints one JSON object of results (seconds) on its last stdout line

def worker_xlafront(cfg):
    import jaxlib.version
    import xlafront as xf
    import xlafront.numpy as np

    x = np.ones(3, dtype="float32")
    y = np.arange(3, dtype="float32")
    f = xf.jit(lambda a, b: (a + b) * b)
    f(x, y)
    entry = next(iter(f._xf_jit.cache.values()))  # runtime.Compiled: executable + handlers
    exe, handlers = entry.compiled.executable, entry.compiled.handlers
    args = [x, y]
    vx, vy, vc = eager_inputs(np)

    benches = [
        ("jit_call", lambda: f(x, y), "call"),
        ("raw_floor", lambda: exe.execute_sharded(args).consume_with_handlers(handlers),
         "call"),
        ("eager_add", lambda: x + x, "eager"),
        ("eager_add_scalar", lambda: x + 2.0, "eager"),
        *eager_call_benches(np, vx, vy, vc),
        # a fresh function each time: nothing cached
        ("trace_lower", lambda: xf.jit(chain_fn(np)).lower(x), None),
    ]
    res = run_suite(benches, cfg, xf.block_until_ready)
    res.update(jaxlib=jaxlib.version.__version__, lib="xlafront")
    print(json.dumps(res))


def worker_jax(cfg):
    import jax
    import jax.numpy as jnp
    import jaxlib.version
    import numpy as onp

    x = jnp.ones(3, dtype="float32")
    y = jnp.arange(3, dtype="float32")
    f = jax.jit(lambda a, b: (a + b) * b)
    f(x, y)
    vx, vy, vc = eager_inputs(jnp)

    benches = [("jit_call", lambda: f(x, y), "call")]
    try:  # the same jaxlib call as xlafront's floor, on JAX's own executable
        from jax._src import core
        from jax._src.lib import xla_client as xc
        ex = f.lower(x, y).compile()._executable
        exe = ex.xla_executable
        handlers = [xc.array_result_handler(core.ShapedArray(a.shape, a.dtype), s, True,
                                            _skip_checks=True)
                    for a, s in zip(ex.out_avals, ex._out_shardings)]
        args = [x, y]
        onp.testing.assert_allclose(
            onp.asarray(exe.execute_sharded(args).consume_with_handlers(handlers)[0]),
            onp.asarray(f(x, y)))
        benches.append(("raw_floor",
                        lambda: exe.execute_sharded(args).consume_with_handlers(handlers),
                        "call"))
    except Exception as e:  # private API: fine to miss on other versions
        print(f"raw floor for JAX unavailable: {type(e).__name__}: {e}", file=sys.stderr)
    benches += [
        ("eager_add", lambda: x + x, "eager"),
        ("eager_add_scalar", lambda: x + 2.0, "eager"),
        *eager_call_benches(jnp, vx, vy, vc),
        ("trace_lower", lambda: jax.jit(chain_fn(jnp)).lower(x), None),
    ]
    res = run_suite(benches, cfg, jax.block_until_ready)
    res.update(jaxlib=jaxlib.version.__version__, lib=f"jax {jax.__version__}")
    print(json.dumps(res))


# ---------------------------------------------------------------------------------------
# Driver

def clean_env():
    """The environment for the subprocesses: bytecode caching on, as in a normal install."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("JAX_PLATFORMS", "cpu")
    return env


def run_worker(python, which, cfg, script=__file__):
    """Runs `script --worker which` under `python`; returns its JSON result or None."""
    cmd = [python, os.path.abspath(script), "--worker", which, "--cfg", json.dumps(cfg)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=clean_env(),
                              cwd=os.path.dirname(os.path.abspath(__file__)))
    except OSError as e:
        sys.stderr.write(f"[{which}] cannot run {python}: {e}\n")
        return None
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-3:])
        sys.stderr.write(f"[{which}] worker failed under {python} (exit {proc.returncode}):"
                         f"\n{tail}\n")
        return None
    if proc.stderr.strip():
        sys.stderr.write(f"[{which}] {proc.stderr.strip()}\n")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def resolve_jax_python(jax_python):
    """The JAX interpreter to use: the given path, DEFAULT_JAX_PYTHON when None and it
    exists, or None for "none"."""
    if jax_python is None:
        return DEFAULT_JAX_PYTHON if os.path.exists(DEFAULT_JAX_PYTHON) else None
    if jax_python.lower() == "none":
        return None
    return jax_python


def compare_rounds(script, cfg, rounds, jax_python):
    """Runs `script`'s xlafront and JAX workers alternately `rounds` times (JAX only when
    `jax_python`, a path or None/"none", names an interpreter with it). Returns (the
    per-round xlafront results, both combined; JAX's {} when unavailable or on another
    jaxlib, and the load average at the start); exits if xlafront's worker fails."""
    jax_python = resolve_jax_python(jax_python)
    load = os.getloadavg()[0]
    xs, js = [], []
    for _ in range(rounds):
        xs.append(run_worker(sys.executable, "xlafront", cfg, script))
        if jax_python:
            js.append(run_worker(jax_python, "jax", cfg, script))
    xf, jx = combine(xs), combine(js)
    if not xf:
        sys.exit("the xlafront benchmark failed")
    if jx and jx.get("jaxlib") != xf["jaxlib"]:
        print(f"JAX runs on jaxlib {jx['jaxlib']}, xlafront on {xf['jaxlib']}: no comparison")
        jx = {}
    return xs, xf, jx, load


IMPORT_SNIPPET = ("import time; t0 = time.perf_counter(); import {mod}; "
                  "print(time.perf_counter() - t0)")
FIRST_OP_SNIPPET = ("import time; t0 = time.perf_counter(); import {mod} as np; "
                    "x = np.ones(3, dtype='float32'); (x + x).block_until_ready(); "
                    "print(time.perf_counter() - t0)")


def time_snippet(python, snippet):
    proc = subprocess.run([python, "-c", snippet], capture_output=True, text=True,
                          env=clean_env(), cwd="/")
    if proc.returncode != 0:
        sys.stderr.write(f"{snippet!r} failed under {python}:\n{proc.stderr}\n")
        return None
    return float(proc.stdout.strip().splitlines()[-1])


def fresh_process_times(jobs, runs):
    """{key: median seconds} for each (key, python, snippet) job, each run in `runs` fresh
    processes, the jobs interleaved so that background load hits them alike. Every job
    first runs once untimed, so that the bytecode caches exist (the subprocesses write
    them: clean_env drops PYTHONDONTWRITEBYTECODE) and no timed run compiles source."""
    samples = {}
    for key, python, snippet in jobs:  # untimed: writes the .pyc files
        samples[key] = [] if time_snippet(python, snippet) is not None else None
    for _ in range(runs):
        for key, python, snippet in jobs:
            if samples[key] is None:
                continue
            t = time_snippet(python, snippet)
            if t is None:
                samples[key] = None
            else:
                samples[key].append(t)
    return {k: statistics.median(v) if v else None for k, v in samples.items()}


def combine(results):
    """Per row, the smallest of the per-round medians (background load only adds time)."""
    results = [r for r in results if r]
    if not results:
        return {}
    out = dict(results[0])
    for r in results[1:]:
        for k, v in r.items():
            if isinstance(v, float) and isinstance(out.get(k), float):
                out[k] = min(out[k], v)
    return out


def fmt(value, unit):
    if value is None:
        return "n/a"
    scale = {"us": 1e6, "ms": 1e3, "s": 1.0}[unit]
    v = value * scale
    digits = 2 if v < 100 else 1 if v < 1000 else 0
    return f"{v:.{digits}f} {unit}"


def print_table(rows, xf, jx):
    """The markdown table of (key, label, unit, target) rows: xlafront's value, JAX's, their
    ratio, and whether it meets the target (at most `target` times JAX's)."""
    print("| benchmark | xlafront | JAX | ratio | target |")
    print("|---|---|---|---|---|")
    for key, label, unit, target in rows:
        a, b = xf.get(key), jx.get(key)
        ratio = f"{a / b:.2f}x" if a is not None and b else "n/a"
        if target is None:
            goal = "-"
        else:
            goal = f"<= {target:g}x JAX" if target != 1.0 else "<= JAX"
            if a is not None and b:
                goal += " ok" if a / b <= target else " MISSED"
        print(f"| {label} | {fmt(a, unit)} | {fmt(b, unit)} | {ratio} | {goal} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--jax-python", default=None,
                        help=f"interpreter with JAX installed (default {DEFAULT_JAX_PYTHON} "
                             "if it exists); 'none' skips the JAX column")
    parser.add_argument("--worker", choices=["xlafront", "jax"], help=argparse.SUPPRESS)
    parser.add_argument("--cfg", help=argparse.SUPPRESS)
    opts = parser.parse_args()

    if opts.worker:
        cfg = json.loads(opts.cfg)
        (worker_xlafront if opts.worker == "xlafront" else worker_jax)(cfg)
        return

    if opts.quick:
        cfg = dict(n_call=2000, n_eager=500, repeats=3, lower_repeats=2)
        rounds, import_runs = 1, 2
    else:
        cfg = dict(n_call=10000, n_eager=3000, repeats=7, lower_repeats=5)
        rounds, import_runs = 3, 5

    jax_python = resolve_jax_python(opts.jax_python)
    start = time.perf_counter()
    # alternates the two worker processes round by round, so background load hits both
    _, xf, jx, load_before = compare_rounds(__file__, cfg, rounds, jax_python or "none")
    if not jax_python:
        jax_note = "JAX: n/a (no --jax-python interpreter)"
    elif not jx:
        jax_note = (f"JAX: n/a (the worker failed under {jax_python}, or runs on another "
                    "jaxlib: see above)")
    else:
        jax_note = f"JAX: {jx['lib']} on jaxlib {jx['jaxlib']} ({jax_python})"

    jobs = [("xf_import", sys.executable, IMPORT_SNIPPET.format(mod="xlafront.numpy")),
            ("xf_first_op", sys.executable, FIRST_OP_SNIPPET.format(mod="xlafront.numpy"))]
    if jx:
        jobs += [("jx_import", jax_python, IMPORT_SNIPPET.format(mod="jax.numpy")),
                 ("jx_first_op", jax_python, FIRST_OP_SNIPPET.format(mod="jax.numpy"))]
    fresh = combine([fresh_process_times(jobs, import_runs) for _ in range(rounds)])
    xf["import"], xf["first_op"] = fresh["xf_import"], fresh["xf_first_op"]
    if jx:
        jx["import"], jx["first_op"] = fresh["jx_import"], fresh["jx_first_op"]
    load_after = os.getloadavg()[0]

    print(f"xlafront on jaxlib {xf['jaxlib']} ({sys.executable}); {jax_note}")
    load = f"load average (1 min): {load_before:.2f} at start, {load_after:.2f} at end"
    if load_before > 0.5:
        load += " -- the machine was busy before the run: expect noisy timings"
    print(f"{load}")
    print(f"CPU cores: {os.cpu_count()}; mode: {'quick' if opts.quick else 'full'}; "
          f"medians of {cfg['repeats']} x {cfg['n_call']} calls / {cfg['repeats']} x "
          f"{cfg['n_eager']} eager ops / {cfg['lower_repeats']} lowerings (best of "
          f"{rounds} alternating round{'s' * (rounds > 1)}); {import_runs} fresh processes "
          f"per import row and round\n")
    print_table(ROWS, xf, jx)
    print(f"\n(total {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
