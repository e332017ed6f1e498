"""xlafront.numpy.linalg next to jax.numpy.linalg on the same jaxlib (the same LAPACK
kernels underneath, so this measures what each library adds around them).

    python benchmarks/linalg_bench.py [--quick] [--jax-python PATH]

Rows (float32, eager calls on device arrays made before timing, each waiting for its
result): `solve(a, b)` with a 256 x 256 and b 256 x 8, a batched `solve` of 64 systems
32 x 32, `eigh` of a 256 x 256 symmetric matrix, `svd` of a 256 x 256 matrix, and
`grad(lambda a: slogdet(a)[1])` of a 64 x 64 matrix (jitted). Each library runs in its own
subprocess, the two alternating round by round (best of the rounds' medians); the JAX
column needs an interpreter with JAX on the same jaxlib (default /tmp/jaxvenv/bin/python
when it exists). Each worker prints a checksum of its results rounded to 3 digits and the
driver says whether they agree.

Both workers run SciPy's OpenBLAS (the LAPACK jaxlib calls) with `--blas-threads` threads,
1 by default: on a small shared machine its spinning threads fight XLA's and other
processes' for the cores, and single calls then take 3 ms or 800 ms at random, in either
library.
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from core_bench import compare_rounds, print_table  # noqa: E402

ROWS = [
    ("solve", "eager `solve(a, b)`, f32 256 x 256, b 256 x 8", "ms", 1.1),
    ("solve_batched", "eager `solve(a, b)`, f32 64 x (32 x 32), b 64 x 32", "ms", 1.1),
    ("eigh", "eager `eigh(a)`, f32 256 x 256", "ms", 1.1),
    ("svd", "eager `svd(a)`, f32 256 x 256", "ms", 1.1),
    ("grad_slogdet", "jit `grad(slogdet(a)[1])`, f32 64 x 64", "ms", 1.1),
]


def inputs():
    """The same host matrices for both workers: well conditioned, and symmetric for eigh."""
    import numpy as onp
    rng = onp.random.RandomState(0)
    a = rng.randn(256, 256).astype(onp.float32) + 16 * onp.eye(256, dtype=onp.float32)
    return dict(a=a, b=rng.randn(256, 8).astype(onp.float32),
                ab=rng.randn(64, 32, 32).astype(onp.float32) + 8 * onp.eye(32, dtype=onp.float32),
                bb=rng.randn(64, 32).astype(onp.float32), sym=(a + a.T) / 2,
                small=a[:64, :64])


def worker(lib, cfg):
    """Times the rows for one library ("xlafront" or "jax"); prints one JSON object."""
    # read when OpenBLAS loads (with SciPy, at the first LAPACK call): set it before
    os.environ["OPENBLAS_NUM_THREADS"] = str(cfg["blas_threads"])
    import hashlib

    import jaxlib.version
    import numpy as onp
    if lib == "xlafront":
        import xlafront as jx
        import xlafront.numpy as jnp
        import xlafront.numpy.linalg as la
    else:
        import jax as jx
        import jax.numpy as jnp
        la = jnp.linalg
    d = {k: jnp.asarray(v) for k, v in inputs().items()}
    grad_slogdet = jx.jit(jx.grad(lambda m: la.slogdet(m)[1]))
    benches = [("solve", lambda: la.solve(d["a"], d["b"])),
               ("solve_batched", lambda: la.solve(d["ab"], d["bb"][..., None])),
               ("eigh", lambda: la.eigh(d["sym"])),
               ("svd", lambda: la.svd(d["a"])),
               ("grad_slogdet", lambda: grad_slogdet(d["small"]))]
    outs = {}
    for name, fn in benches:  # warm-up (compiles), and the results for the checksum
        outs[name] = jx.block_until_ready(fn())
    times = {name: [] for name, _ in benches}
    for _ in range(cfg["repeats"]):  # interleaved, so that background load hits all alike
        for name, fn in benches:
            t0 = time.perf_counter()
            for _ in range(cfg["n"]):
                jx.block_until_ready(fn())
            times[name].append((time.perf_counter() - t0) / cfg["n"])
    res = {name: statistics.median(ts) for name, ts in times.items()}
    digest = hashlib.sha256()
    for name in ("solve", "solve_batched", "grad_slogdet"):
        digest.update(onp.round(onp.asarray(outs[name]), 3).tobytes())
    digest.update(onp.round(onp.asarray(outs["eigh"][0]), 2).tobytes())  # eigenvalues
    digest.update(onp.round(onp.asarray(outs["svd"][1]), 2).tobytes())  # singular values
    res.update(checksum=digest.hexdigest()[:16], jaxlib=jaxlib.version.__version__,
               lib="xlafront" if lib == "xlafront" else f"jax {jx.__version__}")
    print(json.dumps(res))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--jax-python", default=None,
                        help="interpreter with JAX installed; 'none' skips the JAX column")
    parser.add_argument("--blas-threads", type=int, default=1,
                        help="OpenBLAS threads in both workers (default 1)")
    parser.add_argument("--worker", choices=["xlafront", "jax"], help=argparse.SUPPRESS)
    parser.add_argument("--cfg", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.worker:
        worker(opts.worker, json.loads(opts.cfg))
        return
    cfg = dict(repeats=3, n=3) if opts.quick else dict(repeats=7, n=10)
    cfg["blas_threads"] = opts.blas_threads
    rounds = 1 if opts.quick else 3
    _, xf, jx, load = compare_rounds(__file__, cfg, rounds, opts.jax_python)
    print(f"xlafront on jaxlib {xf['jaxlib']}; JAX: {jx.get('lib', 'n/a')}; load average at "
          f"start {load:.2f}; CPU cores: {os.cpu_count()}; OpenBLAS threads: "
          f"{cfg['blas_threads']}; best of {rounds} round(s) of medians over "
          f"{cfg['repeats']} x {cfg['n']} calls\n")
    print_table(ROWS, xf, jx)
    if jx:
        same = xf["checksum"] == jx["checksum"]
        print(f"\nresults (rounded): {'the same in both' if same else 'DIFFERENT'} "
              f"(sha256 {xf['checksum']} / {jx['checksum']})")


if __name__ == "__main__":
    main()
