"""xlafront.random next to jax.random on the same jaxlib: the same calls, the same bits.

    python benchmarks/random_bench.py [--quick] [--jax-python PATH]

Rows: `jit(lambda k: random.normal(k, (10**7,)))`, `random.split(key, 10**5)` (eager and
jitted), `random.gamma(key, alpha, (10**6,))` (jitted, alpha = 2.5 an argument), the eager
`random.normal(key, (3,))` call (dispatch cost), and the first call of the jitted normal
(trace + lower + compile, xlafront's persistent compilation cache off).
Each library runs in its own subprocess, the two alternating round by round (best of the
rounds' medians); the JAX column needs an interpreter with JAX on the same jaxlib (default
/tmp/jaxvenv/bin/python when it exists). Each worker also prints a checksum of its samples,
and the driver checks that both libraries drew the same bits.
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from core_bench import compare_rounds, print_table  # noqa: E402

NORMAL_N = 10 ** 7
SPLIT_N = 10 ** 5
GAMMA_N = 10 ** 6

ROWS = [
    ("normal", f"jit `normal(key, ({NORMAL_N:.0e},))`", "ms", 1.1),
    ("normal_first", "  its first call (trace + lower + compile + run)", "ms", None),
    ("split_eager", f"eager `split(key, {SPLIT_N:.0e})`", "ms", 1.1),
    ("split_jit", f"jit `split(key, {SPLIT_N:.0e})`", "ms", 1.1),
    ("gamma", f"jit `gamma(key, a, ({GAMMA_N:.0e},))`, a = 2.5", "ms", 1.1),
    ("normal_small", "eager `normal(key, (3,))` (dispatch)", "us", 1.0),
]


def worker(lib, cfg):
    """Times the rows for one library ("xlafront" or "jax"); prints one JSON object."""
    import hashlib

    import jaxlib.version
    import numpy as onp
    if lib == "xlafront":
        # no persistent compilation cache (JAX's is off by default): the first-call row
        # then measures a real compile in both
        os.environ["XLAFRONT_CACHE_DIR"] = ""
        import xlafront as jx
        from xlafront import random
    else:
        import jax as jx
        from jax import random
    key = random.PRNGKey(0)
    t0 = time.perf_counter()
    normal = jx.jit(lambda k: random.normal(k, (NORMAL_N,)))
    jx.block_until_ready(normal(key))
    first = time.perf_counter() - t0
    split = jx.jit(lambda k: random.split(k, SPLIT_N))
    # alpha as an argument: a constant alpha lets XLA fold and reassociate the sampler's
    # arithmetic, which changes last bits differently in the two programs
    gamma = jx.jit(lambda k, a: random.gamma(k, a, (GAMMA_N,)))
    alpha = jx.numpy.float32(2.5)
    benches = [("normal", lambda: normal(key), cfg["n_big"]),
               ("split_eager", lambda: random.split(key, SPLIT_N), cfg["n_big"]),
               ("split_jit", lambda: split(key), cfg["n_big"]),
               ("gamma", lambda: gamma(key, alpha), cfg["n_big"]),
               ("normal_small", lambda: random.normal(key, (3,)), cfg["n_small"])]
    for _, fn, _ in benches:
        jx.block_until_ready(fn())
    times = {name: [] for name, _, _ in benches}
    for _ in range(cfg["repeats"]):  # interleaved, so that background load hits all alike
        for name, fn, n in benches:
            t0 = time.perf_counter()
            for _ in range(n):
                out = fn()
            jx.block_until_ready(out)
            times[name].append((time.perf_counter() - t0) / n)
    res = {name: statistics.median(ts) for name, ts in times.items()}
    digest = hashlib.sha256()
    for out in (normal(key), split(key), gamma(key, alpha)):
        digest.update(onp.asarray(out).tobytes())
    res.update(normal_first=first, checksum=digest.hexdigest()[:16],
               jaxlib=jaxlib.version.__version__,
               lib="xlafront" if lib == "xlafront" else f"jax {jx.__version__}")
    print(json.dumps(res))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--jax-python", default=None,
                        help="interpreter with JAX installed; 'none' skips the JAX column")
    parser.add_argument("--worker", choices=["xlafront", "jax"], help=argparse.SUPPRESS)
    parser.add_argument("--cfg", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.worker:
        worker(opts.worker, json.loads(opts.cfg))
        return
    cfg = (dict(repeats=3, n_big=2, n_small=200) if opts.quick else
           dict(repeats=7, n_big=5, n_small=2000))
    rounds = 1 if opts.quick else 3
    _, xf, jx, load = compare_rounds(__file__, cfg, rounds, opts.jax_python)
    print(f"xlafront on jaxlib {xf['jaxlib']}; JAX: {jx.get('lib', 'n/a')}; load average at "
          f"start {load:.2f}; CPU cores: {os.cpu_count()}; best of {rounds} round(s) of "
          f"medians over {cfg['repeats']} repeats\n")
    print_table(ROWS, xf, jx)
    if jx:
        same = xf["checksum"] == jx["checksum"]
        print(f"\nsamples of normal, split and gamma: "
              f"{'the same bits in both' if same else 'DIFFERENT BITS'} "
              f"(sha256 {xf['checksum']} / {jx['checksum']})")


if __name__ == "__main__":
    main()
