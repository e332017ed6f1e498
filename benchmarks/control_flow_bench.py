"""Structured control flow of xlafront next to JAX on the same jaxlib: compile and run time
of loops written with lax.scan / lax.fori_loop against the same loops unrolled in Python.

    python benchmarks/control_flow_bench.py [--quick] [--jax-python PATH]

Programs (each jitted, float32, CPU):

* RNN: `h = tanh(h @ W + x_t @ U + b)` over 1000 steps, hidden 64, input 32, batch 8;
  returns the final state and the mean of all states. Written with `lax.scan`, and as a
  Python loop unrolled into the trace (1000 copies of the step).
* ODE: RK4 on the Lorenz-63 system (3 states, dt 0.005), 1000 steps. Written with
  `lax.fori_loop`, and as an unrolled Python loop. XLA's compile time of the unrolled RK4
  grows faster than linearly with its length (about 5 s at 20 steps and 25 s at 40 on a
  small CPU), so at 1000 steps only its trace + lower is timed, and the full compile and
  run of the unrolled loop are timed at `--ode-unrolled-steps` (default 20) steps.

Rows: "trace + lower" is `jit(f).lower(*args)` of a fresh function; "compile" is trace +
lower + XLA compile (`.lower(*args).compile()`); "run" is one call of the compiled program
(median over repeats, waiting for the result). Each library runs in its own subprocess;
the JAX column needs an interpreter with JAX on the same jaxlib (default
/tmp/jaxvenv/bin/python when it exists; `none` skips it). Both sides compute the same
numbers from the same seeded inputs; the script checks that they agree.
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from core_bench import compare_rounds, fmt  # noqa: E402

STEPS = 1000
HIDDEN, INPUT, BATCH = 64, 32, 8
DT = 0.005
ODE_UNROLLED_COMPILE_STEPS = 20


# ---------------------------------------------------------------------------------------
# The programs, written once for either library (np_mod: xlafront.numpy or jax.numpy,
# lax_mod: xlafront.lax or jax.lax). Factories return fresh functions, so that no
# per-function trace cache is hit when a compile is timed again.

def rnn_inputs(np_mod, steps):
    import numpy as onp
    rng = onp.random.default_rng(0)
    w = (rng.standard_normal((HIDDEN, HIDDEN)) / onp.sqrt(HIDDEN)).astype("float32")
    u = (rng.standard_normal((INPUT, HIDDEN)) / onp.sqrt(INPUT)).astype("float32")
    b = (0.1 * rng.standard_normal(HIDDEN)).astype("float32")
    h0 = onp.zeros((BATCH, HIDDEN), "float32")
    xs = rng.standard_normal((steps, BATCH, INPUT)).astype("float32")
    return tuple(np_mod.asarray(a) for a in (w, u, b, h0, xs))


def rnn_scan(np_mod, lax_mod):
    def f(w, u, b, h0, xs):
        def step(h, x):
            h = np_mod.tanh(h @ w + x @ u + b)
            return h, h
        h, hs = lax_mod.scan(step, h0, xs)
        return h, np_mod.mean(hs, axis=0)
    return f


def rnn_unrolled(np_mod, lax_mod):
    def f(w, u, b, h0, xs):
        h, total = h0, 0.0
        for t in range(xs.shape[0]):
            h = np_mod.tanh(h @ w + xs[t] @ u + b)
            total = total + h
        return h, total / xs.shape[0]
    return f


def ode_inputs(np_mod):
    return (np_mod.asarray([1.0, 1.0, 1.05], dtype="float32"),)


def _lorenz(np_mod):
    def deriv(s):
        x, y, z = s[0], s[1], s[2]
        return np_mod.stack([10.0 * (y - x), x * (28.0 - z) - y, x * y - (8.0 / 3.0) * z])

    def rk4(s):
        k1 = deriv(s)
        k2 = deriv(s + 0.5 * DT * k1)
        k3 = deriv(s + 0.5 * DT * k2)
        k4 = deriv(s + DT * k3)
        return s + (DT / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return rk4


def ode_fori(np_mod, lax_mod, steps):
    def f(s0):
        rk4 = _lorenz(np_mod)
        return lax_mod.fori_loop(0, steps, lambda i, s: rk4(s), s0)
    return f


def ode_unrolled(np_mod, lax_mod, steps):
    def f(s0):
        rk4 = _lorenz(np_mod)
        s = s0
        for _ in range(steps):
            s = rk4(s)
        return s
    return f


# ---------------------------------------------------------------------------------------
# Measurement (inside the worker processes)

def measure(jit, make, args, sync, repeats, run_repeats, compile=True):
    """{lower, compile, run} seconds for fresh `make()` functions (min over `repeats`
    traces; run: median over `run_repeats` calls), and the outputs (None if not compiled)."""
    lowers, compiles = [], []
    compiled = None
    for _ in range(repeats):
        fn = jit(make())
        t0 = time.perf_counter()
        lowered = fn.lower(*args)
        t1 = time.perf_counter()
        lowers.append(t1 - t0)
        if compile:
            compiled = lowered.compile()
            compiles.append(time.perf_counter() - t0)
    if not compile:
        return dict(lower=min(lowers)), None
    out = compiled(*args)
    sync(out)
    runs = []
    for _ in range(run_repeats):
        t0 = time.perf_counter()
        sync(compiled(*args))
        runs.append(time.perf_counter() - t0)
    return dict(lower=min(lowers), compile=min(compiles), run=statistics.median(runs)), out


def run_all(np_mod, lax_mod, jit, sync, cfg):
    import numpy as onp
    steps, small = cfg["steps"], cfg["ode_unrolled_compile_steps"]
    res, outs = {}, {}
    rnn_args = rnn_inputs(np_mod, steps)
    ode_args = ode_inputs(np_mod)
    rep, rep_u, runs = cfg["compile_repeats"], cfg["compile_repeats_unrolled"], cfg["run_repeats"]
    programs = [  # name, factory, args, compile repeats, compile?
        ("rnn_scan", lambda: rnn_scan(np_mod, lax_mod), rnn_args, rep, True),
        ("rnn_unrolled", lambda: rnn_unrolled(np_mod, lax_mod), rnn_args, rep_u, True),
        ("ode_fori", lambda: ode_fori(np_mod, lax_mod, steps), ode_args, rep, True),
        # XLA's compile time of unrolled RK4 grows faster than linearly (about 5 s for 20
        # steps, 25 s for 40 on a 2-core machine): at 1000 steps only trace + lower is timed
        ("ode_unrolled", lambda: ode_unrolled(np_mod, lax_mod, steps), ode_args, rep_u, False),
        ("ode_unrolled_small", lambda: ode_unrolled(np_mod, lax_mod, small), ode_args, rep_u,
         True),
        ("ode_fori_small", lambda: ode_fori(np_mod, lax_mod, small), ode_args, 1, True),
    ]
    for name, make, args, repeats, compile in programs:
        times, out = measure(jit, make, args, sync, repeats, runs, compile)
        for k, v in times.items():
            res[f"{name}_{k}"] = v
        if out is not None:
            outs[name] = [onp.asarray(o).astype("float64").ravel().tolist()
                          for o in (out if isinstance(out, (tuple, list)) else [out])]
    for a, b in [("rnn_scan", "rnn_unrolled"), ("ode_fori_small", "ode_unrolled_small")]:
        for x, y in zip(outs[a], outs[b]):
            onp.testing.assert_allclose(x, y, rtol=2e-3, atol=2e-4, err_msg=f"{a} vs {b}")
    res["outputs"] = {k: [sum(v) for v in vs] for k, vs in outs.items()}
    return res


def worker_xlafront(cfg):
    import jaxlib.version
    import xlafront as xf
    import xlafront.numpy as np
    from xlafront import lax
    res = run_all(np, lax, xf.jit, xf.block_until_ready, cfg)
    res.update(jaxlib=jaxlib.version.__version__, lib="xlafront")
    print(json.dumps(res))


def worker_jax(cfg):
    import jax
    import jax.numpy as jnp
    import jaxlib.version
    from jax import lax
    res = run_all(jnp, lax, jax.jit, jax.block_until_ready, cfg)
    res.update(jaxlib=jaxlib.version.__version__, lib=f"jax {jax.__version__}")
    print(json.dumps(res))


# ---------------------------------------------------------------------------------------
# Report

def rows(steps, small):
    return [
        ("rnn_scan_compile", "RNN, lax.scan: trace + lower + compile", "ms"),
        ("rnn_scan_lower", "RNN, lax.scan: of which trace + lower", "ms"),
        ("rnn_scan_run", "RNN, lax.scan: run", "ms"),
        ("rnn_unrolled_compile", "RNN, unrolled Python loop: trace + lower + compile", "s"),
        ("rnn_unrolled_lower", "RNN, unrolled Python loop: of which trace + lower", "ms"),
        ("rnn_unrolled_run", "RNN, unrolled Python loop: run", "ms"),
        ("ode_fori_compile", "ODE RK4, lax.fori_loop: trace + lower + compile", "ms"),
        ("ode_fori_lower", "ODE RK4, lax.fori_loop: of which trace + lower", "ms"),
        ("ode_fori_run", "ODE RK4, lax.fori_loop: run", "ms"),
        ("ode_unrolled_lower", f"ODE RK4, unrolled Python loop: trace + lower ({steps} steps)",
         "ms"),
        ("ode_unrolled_small_compile",
         f"ODE RK4, unrolled Python loop: trace + lower + compile ({small} steps only)", "s"),
        ("ode_unrolled_small_run", f"ODE RK4, unrolled Python loop: run ({small} steps)", "ms"),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="one round, fewer repeats (same programs)")
    parser.add_argument("--jax-python", default=None)
    parser.add_argument("--steps", type=int, default=STEPS, help="loop length (1000)")
    parser.add_argument("--ode-unrolled-steps", type=int, default=ODE_UNROLLED_COMPILE_STEPS,
                        help="length of the unrolled RK4 loop that is compiled (20)")
    parser.add_argument("--worker", choices=["xlafront", "jax"], help=argparse.SUPPRESS)
    parser.add_argument("--cfg", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.worker:
        (worker_xlafront if opts.worker == "xlafront" else worker_jax)(json.loads(opts.cfg))
        return
    if opts.quick:
        cfg = dict(compile_repeats=2, compile_repeats_unrolled=1, run_repeats=10)
        rounds = 1
    else:
        cfg = dict(compile_repeats=5, compile_repeats_unrolled=1, run_repeats=50)
        rounds = 2
    cfg.update(steps=opts.steps, ode_unrolled_compile_steps=opts.ode_unrolled_steps)
    xs, xf, jx, load = compare_rounds(__file__, cfg, rounds, opts.jax_python)
    agree = "n/a"
    if jx:
        import numpy as onp
        agree = "yes"
        for k, v in xf["outputs"].items():
            if not onp.allclose(v, jx["outputs"][k], rtol=1e-3, atol=1e-3):
                agree = f"NO ({k}: {v} vs {jx['outputs'][k]})"
    print(f"{cfg['steps']} steps; RNN hidden {HIDDEN}, input {INPUT}, batch {BATCH}; "
          f"ODE RK4 Lorenz-63; CPU, float32. xlafront on jaxlib {xf['jaxlib']}; "
          f"JAX: {jx.get('lib', 'n/a')}. Load average at start {load:.2f}; best of {rounds} "
          f"round(s); compile: min over {cfg['compile_repeats']} (unrolled: "
          f"{cfg['compile_repeats_unrolled']}) fresh functions; run: median of "
          f"{cfg['run_repeats']}. Results agree with JAX: {agree}\n")
    print("| benchmark | xlafront | JAX | ratio |")
    print("|---|---|---|---|")
    for key, label, unit in rows(cfg["steps"], cfg["ode_unrolled_compile_steps"]):
        a, b = xf.get(key), jx.get(key)
        ratio = f"{a / b:.2f}x" if a is not None and b else "n/a"
        print(f"| {label} | {fmt(a, unit)} | {fmt(b, unit)} | {ratio} |")
    print()
    for lib, r in (("xlafront", xf), ("JAX", jx)):
        if r:
            print(f"{lib}: compile time unrolled / structured: RNN "
                  f"{r['rnn_unrolled_compile'] / r['rnn_scan_compile']:.0f}x; ODE at "
                  f"{cfg['ode_unrolled_compile_steps']} steps "
                  f"{r['ode_unrolled_small_compile'] / r['ode_fori_compile']:.0f}x")


if __name__ == "__main__":
    main()
