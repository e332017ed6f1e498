"""xlafront.numpy next to NumPy and JAX 0.10.2 on the same jaxlib: dense algebra, sorting,
scans, einsum, linear algebra, FFT, gather/scatter and a CNN training step (the same XLA
and LAPACK kernels under xlafront and JAX, so their ratio measures what each library adds
and how its programs differ; NumPy is the host reference).

    python benchmarks/numpy_bench.py [--quick] [--jax-python PATH] [--blas-threads N]
                                     [--rows a,b] [--rounds N]

Rows (float32 on device arrays made before timing, eager calls each waiting for its result):
`a @ b` 1024 x 1024; `sort` and `cumsum` of 10^6 values; a three-operand
`einsum("ij,jk,kl->il")` (256 x 512, 512 x 512, 512 x 64: contracting the last pair first
is 4x cheaper; NumPy with optimize=True); `linalg.solve` 256 x 256 (b 256 x 8) and 64
batched systems 32 x 32; `eigh` and `svd` of 256 x 256; `fft` of 2^20 values; the gather
`table[idx]` (f32[10^4, 128] table, 8192 int32 indices, rows repeated); the scatter-add
`x.at[idx].add(v)` (10^6 updates into f32[10^5]; NumPy: `np.add.at` on a copy); a CNN
training step, `jit(grad(loss))` of two 3x3 convolutions (1 -> 16 -> 32 channels, ReLU,
2x2 max pooling via `lax.reduce_window` after each) and a dense layer on a batch of 32
images 28 x 28 (NHWC), and that step's first call (xlafront's persistent compilation cache
off, as JAX's is by default). NumPy has no CNN step.

Each library runs in its own subprocess, the three alternating round by round; the first
table shows each row's best round median and the xlafront/JAX ratio, the second the range
(min-max) of the round medians. Every worker also reports a sum of each result and the
driver says which rows disagree with JAX (or NumPy) beyond 1e-3. All workers run OpenBLAS
(NumPy's, and SciPy's LAPACK under jaxlib) with `--blas-threads` threads, 1 by default:
spinning BLAS threads on a small shared machine make single calls 3 ms or 800 ms at random.
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from core_bench import combine, fmt, print_table, resolve_jax_python, run_worker  # noqa: E402

FFT_N = 2 ** 20
BATCH = 32

ROWS = [
    ("matmul", "eager `a @ b`, f32 1024 x 1024", "ms", 1.05),
    ("sort", "eager `sort(x)`, f32[10^6]", "ms", 1.05),
    ("cumsum", "eager `cumsum(x)`, f32[10^6]", "ms", 1.05),
    ("einsum", "eager `einsum('ij,jk,kl->il')`, 256x512 @ 512x512 @ 512x64", "ms", 1.05),
    ("solve", "eager `linalg.solve(a, b)`, 256 x 256, b 256 x 8", "ms", 1.05),
    ("solve_batched", "eager `linalg.solve`, 64 x (32 x 32), b 64 x 32 x 1", "ms", 1.05),
    ("eigh", "eager `linalg.eigh(a)`, 256 x 256", "ms", 1.05),
    ("svd", "eager `linalg.svd(a)`, 256 x 256", "ms", 1.05),
    ("fft", "eager `fft.fft(x)`, f32[2^20] -> c64", "ms", 1.05),
    ("gather", "eager gather `table[idx]`, f32[10^4, 128], 8192 indices", "ms", 1.05),
    ("scatter_add", "eager `x.at[idx].add(v)`, 10^6 updates into f32[10^5]", "ms", 1.05),
    ("cnn_step", f"jit `grad(loss)`: 2 convs 3x3 + ReLU + reduce_window max pool, dense; "
                 f"batch {BATCH}", "ms", 1.05),
    ("cnn_first", "  its first call (trace + lower + compile + run)", "ms", None),
]


def inputs():
    """The same host values for every worker."""
    import numpy as onp
    rng = onp.random.RandomState(0)
    f = onp.float32
    a = rng.randn(256, 256).astype(f) + 16 * onp.eye(256, dtype=f)
    return dict(
        m1=rng.randn(1024, 1024).astype(f) / 32, m2=rng.randn(1024, 1024).astype(f) / 32,
        vec=rng.randn(10 ** 6).astype(f),
        ea=rng.randn(256, 512).astype(f) / 16, eb=rng.randn(512, 512).astype(f) / 16,
        ec=rng.randn(512, 64).astype(f) / 16,
        a=a, b=rng.randn(256, 8).astype(f), sym=(a + a.T) / 2,
        ab=rng.randn(64, 32, 32).astype(f) + 8 * onp.eye(32, dtype=f),
        bb=rng.randn(64, 32, 1).astype(f),
        signal=rng.randn(FFT_N).astype(f),
        table=rng.randn(10 ** 4, 128).astype(f),
        gidx=rng.randint(0, 10 ** 4, 8192).astype(onp.int32),
        target=onp.zeros(10 ** 5, f), sidx=rng.randint(0, 10 ** 5, 10 ** 6).astype(onp.int32),
        upd=rng.randn(10 ** 6).astype(f),
        images=rng.rand(BATCH, 28, 28, 1).astype(f), labels=rng.randn(BATCH, 10).astype(f),
        w1=rng.randn(3, 3, 1, 16).astype(f) / 3, w2=rng.randn(3, 3, 16, 32).astype(f) / 12,
        dense=rng.randn(7 * 7 * 32, 10).astype(f) / 40)


def cnn_loss(np_mod, conv, reduce_window, max_op):
    """The CNN's mean squared error, written once for both libraries."""
    dn = ("NHWC", "HWIO", "NHWC")

    def pool(h):
        return reduce_window(h, -np_mod.inf, max_op, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")

    def loss(params, x, labels):
        w1, w2, dense = params
        h = pool(np_mod.maximum(conv(x, w1, (1, 1), "SAME", dimension_numbers=dn), 0.0))
        h = pool(np_mod.maximum(conv(h, w2, (1, 1), "SAME", dimension_numbers=dn), 0.0))
        logits = np_mod.reshape(h, (h.shape[0], -1)) @ dense
        return np_mod.mean((logits - labels) ** 2)
    return loss


def array_benches(np_mod, d, scatter_add):
    """The eager rows, written once for the three libraries: [(name, fn, summary)], where
    summary(result) is a float that the driver compares across libraries."""
    import numpy as onp

    def total(r):
        return float(onp.abs(onp.asarray(r, dtype=onp.complex128)).sum())

    la = np_mod.linalg
    # sampled with a stride: the order of sort and the running sums of cumsum matter
    return [
        ("matmul", lambda: d["m1"] @ d["m2"], total),
        ("sort", lambda: np_mod.sort(d["vec"]), lambda r: total(onp.asarray(r)[::997])),
        ("cumsum", lambda: np_mod.cumsum(d["vec"]), lambda r: total(onp.asarray(r)[::997])),
        ("einsum", lambda: np_mod.einsum("ij,jk,kl->il", d["ea"], d["eb"], d["ec"],
                                         **({"optimize": True} if np_mod is onp else {})),
         total),
        ("solve", lambda: la.solve(d["a"], d["b"]), total),
        ("solve_batched", lambda: la.solve(d["ab"], d["bb"]), total),
        ("eigh", lambda: la.eigh(d["sym"]), lambda r: total(r[0])),  # eigenvalues
        ("svd", lambda: la.svd(d["a"]), lambda r: total(r[1])),  # singular values
        ("fft", lambda: np_mod.fft.fft(d["signal"]), total),
        ("gather", lambda: d["table"][d["gidx"]], total),
        ("scatter_add", lambda: scatter_add(d["target"], d["sidx"], d["upd"]), total),
    ]


def time_benches(benches, cfg, sync):
    """{name: median seconds per call} for benches = [(name, fn, ...)], each call waiting
    for its result; the rows interleave repeat by repeat so that load hits them alike."""
    times = {b[0]: [] for b in benches}
    for _ in range(cfg["repeats"]):
        for name, fn, *_ in benches:
            t0 = time.perf_counter()
            for _ in range(cfg["n"]):
                sync(fn())
            times[name].append((time.perf_counter() - t0) / cfg["n"])
    return {name: statistics.median(ts) for name, ts in times.items()}


def selected(benches, cfg):
    """The benches named in cfg["rows"] (all when it is empty)."""
    return [b for b in benches if not cfg.get("rows") or b[0] in cfg["rows"]]


def numpy_scatter_add(x, idx, v):
    import numpy as onp
    out = x.copy()
    onp.add.at(out, idx, v)
    return out


def worker(lib, cfg):
    """Times the rows for one library ("xlafront", "jax" or "numpy"); prints JSON."""
    # read when OpenBLAS loads (NumPy's at import, SciPy's at the first LAPACK call)
    os.environ["OPENBLAS_NUM_THREADS"] = str(cfg["blas_threads"])
    import jaxlib.version
    import numpy as onp
    if lib == "numpy":
        d = inputs()
        benches = selected(array_benches(onp, d, numpy_scatter_add), cfg)
        outs = {name: fn() for name, fn, _ in benches}
        res = time_benches(benches, cfg, lambda r: r)
        res.update(check={name: summ(outs[name]) for name, _, summ in benches},
                   lib=f"numpy {onp.__version__}", jaxlib=jaxlib.version.__version__)
        print(json.dumps(res))
        return
    if lib == "xlafront":
        import xlafront as jx
        import xlafront.numpy as jnp
        from xlafront import lax
        # compile like JAX (whose persistent cache is off by default): no disk cache hit
        jx.config.update("enable_compilation_cache", False)
    else:
        import jax as jx
        import jax.numpy as jnp
        from jax import lax
    d = {k: jnp.asarray(v) for k, v in inputs().items()}
    loss = cnn_loss(jnp, lax.conv_general_dilated, lax.reduce_window, lax.max)
    params = (d["w1"], d["w2"], d["dense"])
    step, first = jx.jit(jx.grad(loss)), None
    if selected([("cnn_first",)], cfg):
        t0 = time.perf_counter()
        jx.block_until_ready(step(params, d["images"], d["labels"]))
        first = time.perf_counter() - t0
    benches = array_benches(jnp, d, lambda x, i, v: x.at[i].add(v))
    benches.append(("cnn_step", lambda: step(params, d["images"], d["labels"]),
                    lambda gs: sum(float(onp.abs(onp.asarray(g)).sum()) for g in gs)))
    benches = selected(benches, cfg)
    outs = {name: jx.block_until_ready(fn()) for name, fn, _ in benches}  # warm-up
    res = time_benches(benches, cfg, jx.block_until_ready)
    res.update(cnn_first=first, check={name: summ(outs[name]) for name, _, summ in benches},
               jaxlib=jaxlib.version.__version__,
               lib="xlafront" if lib == "xlafront" else f"jax {jx.__version__}")
    print(json.dumps(res))


# ---------------------------------------------------------------------------------------
# Driver (also used by random_nn_bench.py)

def alternate(script, cfg, rounds, jax_python, with_numpy):
    """Runs `script`'s workers (xlafront, NumPy when `with_numpy`, JAX when `jax_python`
    names an interpreter) one after another, `rounds` times. Returns {lib: [per-round
    results]} (failed or other-jaxlib workers left out) and the load average at the start."""
    jax_python = resolve_jax_python(jax_python)
    load = os.getloadavg()[0]
    sides = [("xlafront", sys.executable)] + [("numpy", sys.executable)] * with_numpy
    sides += [("jax", jax_python)] * bool(jax_python)
    runs = {lib: [] for lib, _ in sides}
    for _ in range(rounds):
        for lib, python in sides:
            r = run_worker(python, lib, cfg, script)
            if r:
                runs[lib].append(r)
    if not runs["xlafront"]:
        sys.exit("the xlafront benchmark failed")
    jaxlib = runs["xlafront"][0]["jaxlib"]
    if runs.get("jax") and runs["jax"][0]["jaxlib"] != jaxlib:
        print(f"JAX runs on jaxlib {runs['jax'][0]['jaxlib']}, xlafront on {jaxlib}: "
              "no comparison")
        runs["jax"] = []
    return runs, load


def span(results, key, unit):
    """'min-max' of the per-round values of `key`, or n/a."""
    vals = [r[key] for r in results if isinstance(r.get(key), float)]
    if not vals:
        return "n/a"
    return f"{fmt(min(vals), unit)[:-len(unit) - 1]}-{fmt(max(vals), unit)}"


def report(rows, runs, load, cfg, rounds):
    """Prints the header, print_table's table of best round medians and ratios, and the
    table of ranges over the rounds (with NumPy's column when it ran)."""
    xf, jx = combine(runs["xlafront"]), combine(runs.get("jax", []))
    print(f"xlafront on jaxlib {xf['jaxlib']}; JAX: {jx.get('lib', 'n/a')}; load average: "
          f"{load:.2f} at start, {os.getloadavg()[0]:.2f} at end; CPU cores: "
          f"{os.cpu_count()}; {rounds} alternating round(s) of medians over "
          f"{cfg['repeats']} x {cfg['n']} calls\n")
    print_table(rows, xf, jx)
    libs = ["xlafront", "jax"] + ["numpy"] * ("numpy" in runs)
    names = {"xlafront": "xlafront", "jax": "JAX", "numpy": "NumPy"}
    print(f"\n| benchmark | {' | '.join(names[lib] + ' range' for lib in libs)} |")
    print("|---" * (len(libs) + 1) + "|")
    for key, label, unit, _ in rows:
        print(f"| {label} | {' | '.join(span(runs.get(lib, []), key, unit) for lib in libs)} |")


def compare_checks(runs, tol=1e-3):
    """Says which rows' result summaries differ between xlafront and JAX / NumPy."""
    ours = runs["xlafront"][0]["check"]
    for lib in ("jax", "numpy"):
        if not runs.get(lib):
            continue
        theirs = runs[lib][0]["check"]
        bad = [k for k, v in theirs.items()
               if abs(v - ours[k]) > tol * max(abs(v), abs(ours[k]), 1.0)]
        print(f"results vs {lib}: " + (f"DIFFERENT in {bad}" if bad else
                                       f"the same to {tol:g} in all {len(theirs)} rows"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations, one round")
    parser.add_argument("--jax-python", default=None,
                        help="interpreter with JAX installed; 'none' skips the JAX column")
    parser.add_argument("--blas-threads", type=int, default=1,
                        help="OpenBLAS threads in every worker (default 1)")
    parser.add_argument("--rows", help="comma-separated row keys to time (default: all)")
    parser.add_argument("--rounds", type=int, help="alternating rounds (default 3; quick 1)")
    parser.add_argument("--worker", choices=["xlafront", "jax", "numpy"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--cfg", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.worker:
        worker(opts.worker, json.loads(opts.cfg))
        return
    cfg = dict(repeats=2, n=2) if opts.quick else dict(repeats=5, n=5)
    cfg.update(blas_threads=opts.blas_threads, rows=opts.rows and opts.rows.split(","))
    rounds = opts.rounds or (1 if opts.quick else 3)
    runs, load = alternate(__file__, cfg, rounds, opts.jax_python, with_numpy=True)
    report([r for r in ROWS if not cfg["rows"] or r[0] in cfg["rows"]], runs, load, cfg,
           rounds)
    print()
    compare_checks(runs)


if __name__ == "__main__":
    main()
