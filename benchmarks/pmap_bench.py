"""pmap next to JAX on the same jaxlib, 8 CPU devices: a data-parallel SGD step of an MLP
on 1, 2, 4 and 8 devices (the batch split over them, gradients averaged with lax.pmean),
the overhead of a pmap call on 8 devices (a tiny function on arrays already laid out
over them, results fed back in), and the step with 2 processes of one device each
(xlafront.distributed, gloo over TCP on 127.0.0.1) next to one process with 2 devices.

    python benchmarks/pmap_bench.py [--quick] [--jax-python PATH]

Each library runs in its own subprocesses (see core_bench.py), with
XLA_FLAGS=--xla_force_host_platform_device_count=8; a full run alternates three rounds and
keeps each row's smallest median. The same code runs in both: xlafront is imported as jax.
On CPU the devices share the machine's cores, so more devices do not make a step faster
here: the rows show what splitting, the all-reduce and dispatch cost. Each step waits for
the previous one (see _loop); the call row is pipelined.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from core_bench import clean_env, compare_rounds, print_table, resolve_jax_python  # noqa: E402

SIZES = (64, 256, 256, 10)
BATCH = 256  # examples per step, over all devices
DEVICES = (1, 2, 4, 8)

ROWS = [(f"step_{n}", f"data-parallel MLP step, {n} device{'s' * (n > 1)}", "ms", None)
        for n in DEVICES] + [
    ("call_8", "pmap call `x + 1` on 8 devices, f32[8] fed back", "us", 1.0),
]


def _lib(which):
    """(jax, jax.numpy, jax.lax) of the library to measure: xlafront under JAX's names."""
    if which.startswith("jax"):
        import jax
        import jax.numpy as jnp
        from jax import lax
    else:
        import xlafront as jax
        import xlafront.numpy as jnp
        from xlafront import lax
    return jax, jnp, lax


def problem(jax, jnp, lax, n):
    """(pmapped step, replicated params, batch split over n devices): the same values in
    both libraries."""
    import numpy as onp
    rng = onp.random.default_rng(0)
    params = [((rng.standard_normal((i, o)) / onp.sqrt(i)).astype("float32"),
               onp.zeros(o, "float32")) for i, o in zip(SIZES[:-1], SIZES[1:])]
    x = rng.standard_normal((BATCH, SIZES[0])).astype("float32")
    y = onp.eye(SIZES[-1], dtype="float32")[rng.integers(0, SIZES[-1], BATCH)]

    def loss(params, x, y):
        for w, b in params[:-1]:
            x = jnp.maximum(x @ w + b, 0.0)
        w, b = params[-1]
        logits = x @ w + b
        logits = logits - jnp.max(logits, axis=1, keepdims=True)
        return -jnp.mean(jnp.sum((logits - jnp.log(jnp.sum(jnp.exp(logits), axis=1,
                                                            keepdims=True))) * y, axis=1))

    def step(params, x, y):
        grads = lax.pmean(jax.grad(loss)(params, x, y), "batch")
        return [(w - 0.01 * dw, b - 0.01 * db) for (w, b), (dw, db) in zip(params, grads)]

    multi = jax.process_count() > 1
    local = jax.local_device_count() if multi else n  # this process's devices
    first = jax.process_index() * local * (BATCH // n)
    rows = slice(first, first + local * (BATCH // n))
    devices = jax.local_devices()[:local]
    replicated = [(onp.stack([w] * len(devices)), onp.stack([b] * len(devices)))
                  for w, b in params]
    batch = (x[rows].reshape(len(devices), -1, SIZES[0]),
             y[rows].reshape(len(devices), -1, SIZES[-1]))
    kwargs = {} if multi else {"devices": devices}
    pstep = jax.pmap(step, axis_name="batch", **kwargs)
    return pstep, pstep(replicated, *batch), batch


def timed(fns, cfg, sync):
    """{name: median seconds per call} of loops of cfg["n"] calls, interleaved."""
    for fn in fns.values():
        fn(3, sync)
    times = {name: [] for name in fns}
    for _ in range(cfg["repeats"]):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn(cfg["n"], sync)
            times[name].append((time.perf_counter() - t0) / cfg["n"])
    return {name: statistics.median(t) for name, t in times.items()}


def _loop(fn, state, wait_each=False):
    """A benchmark body: `n` calls, each fed the previous result, waiting for the last (or
    with wait_each, for every one: a deep pipeline of programs with collectives can
    deadlock jaxlib's CPU runtime when devices outnumber cores, JAX's pmap as ours)."""
    def run(n, sync):
        for _ in range(n):
            state[0] = fn(state[0])
            if wait_each:
                sync(state[0])
        sync(state[0])
    return run


def worker(which, cfg):
    import jaxlib.version
    import numpy as onp
    jax, jnp, lax = _lib(which)
    fns = {}
    for n in DEVICES:
        pstep, params, batch = problem(jax, jnp, lax, n)
        fns[f"step_{n}"] = _loop(lambda p, pstep=pstep, batch=batch: pstep(p, *batch),
                                 [params], wait_each=True)
    add = jax.pmap(lambda v: v + 1)
    fns["call_8"] = _loop(add, [add(onp.zeros(8, "float32"))])
    res = timed(fns, cfg, jax.block_until_ready)
    res.update(jaxlib=jaxlib.version.__version__,
               lib="xlafront" if which == "xlafront" else f"jax {jax.__version__}")
    print(json.dumps(res))


def worker_process(which, cfg, process_id, port):
    """One of two processes of one device each: the 2-device step, timed."""
    jax, jnp, lax = _lib(which)
    if which.startswith("jax"):
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(f"127.0.0.1:{port}", num_processes=2, process_id=process_id,
                               initialization_timeout=60)
    pstep, params, batch = problem(jax, jnp, lax, 2)
    res = timed({"step_2_processes": _loop(lambda p: pstep(p, *batch), [params], True)},
                cfg, jax.block_until_ready)
    print(json.dumps(res))


def two_processes(python, which, cfg):
    """The 2-process step time (the slower process's median), or None."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = clean_env()
    env.pop("XLA_FLAGS", None)  # one device per process
    procs = [subprocess.Popen([python, os.path.abspath(__file__), "--worker", f"{which}-process",
                               "--cfg", json.dumps(cfg), "--process-id", str(i), "--port",
                               str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env) for i in range(2)]
    results = []
    try:
        for p in procs:
            out, err = p.communicate(timeout=600)
            if p.returncode != 0:
                sys.stderr.write(f"[{which} 2 processes] failed: {err.strip()[-500:]}\n")
                return None
            results.append(json.loads(out.strip().splitlines()[-1])["step_2_processes"])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    return max(results)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--jax-python", default=None)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--cfg", help=argparse.SUPPRESS)
    parser.add_argument("--process-id", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.worker:
        cfg = json.loads(opts.cfg)
        if opts.worker.endswith("-process"):
            worker_process(opts.worker[:-len("-process")], cfg, opts.process_id, opts.port)
        else:
            worker(opts.worker, cfg)
        return
    cfg = dict(repeats=5, n=20) if opts.quick else dict(repeats=15, n=50)
    rounds = 1 if opts.quick else 3
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"
    xs, xf, jx, load = compare_rounds(__file__, cfg, rounds, opts.jax_python)
    jax_python = resolve_jax_python(opts.jax_python)
    multi = {"xlafront": [two_processes(sys.executable, "xlafront", cfg) for _ in range(rounds)]}
    if jax_python and jx:
        multi["jax"] = [two_processes(jax_python, "jax", cfg) for _ in range(rounds)]
    best = {k: min((v for v in vs if v is not None), default=None) for k, vs in multi.items()}
    print(f"MLP {'-'.join(map(str, SIZES))}, batch {BATCH}; xlafront on jaxlib {xf['jaxlib']}; "
          f"JAX: {jx.get('lib', 'n/a')}; load average at start {load:.2f}; best of {rounds} "
          f"round(s) of medians over {cfg['repeats']} x {cfg['n']} calls\n")
    rows = ROWS + [("step_2_processes", "data-parallel MLP step, 2 processes x 1 device",
                    "ms", None)]
    xf["step_2_processes"], jx["step_2_processes"] = best["xlafront"], best.get("jax")
    print_table(rows, xf, jx)
    if best["xlafront"] and xf.get("step_2"):
        print(f"\n2 processes x 1 device vs 1 process x 2 devices (xlafront): "
              f"{best['xlafront'] / xf['step_2']:.2f}x")


if __name__ == "__main__":
    main()
