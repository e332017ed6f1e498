"""xlafront's FFT, einsum and convolutions next to JAX's on the same jaxlib (the same XLA
kernels underneath, so this measures what each library adds and how its programs differ).

    python benchmarks/numpy_bench.py [--quick] [--jax-python PATH]

Rows (float32, on device arrays made before timing, each call waiting for its result):
the eager `np.fft.fft(x)` of 2^20 values; an eager three-operand `np.einsum("ij,jk,kl->il")`
(256 x 512, 512 x 512, 512 x 64: contracting the last pair first is 4x cheaper); and a
CNN training step, `jit(grad(loss))` of two 3x3 convolutions (1 -> 16 -> 32 channels,
ReLU, 2x2 max pooling after each) and a dense layer on a batch of 32 images 28 x 28
(NHWC), and that step's first call (xlafront's persistent compilation cache off, as
JAX's is by default). Each library runs in its own subprocess, the two alternating round by round (best
of the rounds' medians); the JAX column needs an interpreter with JAX on the same jaxlib
(default /tmp/jaxvenv/bin/python when it exists). Each worker also reports a few sums of
its results and the driver says whether they agree to 1e-3.
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from core_bench import compare_rounds, print_table  # noqa: E402

FFT_N = 2 ** 20
BATCH = 32

ROWS = [
    ("fft", "eager `fft(x)`, f32[2^20] -> c64", "ms", 1.1),
    ("einsum", "eager `einsum('ij,jk,kl->il')`, 256x512 @ 512x512 @ 512x64", "ms", 1.1),
    ("cnn_step", f"jit `grad(loss)`: 2 convs 3x3 + ReLU + max pool, dense; batch {BATCH}",
     "ms", 1.1),
    ("cnn_first", "  its first call (trace + lower + compile + run)", "ms", None),
]


def inputs():
    """The same host values for both workers."""
    import numpy as onp
    rng = onp.random.RandomState(0)
    f = onp.float32
    return dict(
        signal=rng.randn(FFT_N).astype(f),
        a=rng.randn(256, 512).astype(f) / 16, b=rng.randn(512, 512).astype(f) / 16,
        c=rng.randn(512, 64).astype(f) / 16,
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


def worker(lib, cfg):
    """Times the rows for one library ("xlafront" or "jax"); prints one JSON object."""
    import jaxlib.version
    import numpy as onp
    if lib == "xlafront":
        import xlafront as jx
        import xlafront.numpy as jnp
        import xlafront.numpy.fft as jfft
        from xlafront import lax
        from xlafront.lax.convolution import conv_general_dilated
        from xlafront.lax.windowed_reductions import reduce_window
        from xlafront.numpy._einsum import einsum
        # compile like JAX (whose persistent cache is off by default): no disk cache hit
        jx.config.update("enable_compilation_cache", False)
    else:
        import jax as jx
        import jax.numpy as jnp
        from jax import lax
        jfft, einsum = jnp.fft, jnp.einsum
        conv_general_dilated, reduce_window = lax.conv_general_dilated, lax.reduce_window
    d = {k: jnp.asarray(v) for k, v in inputs().items()}
    loss = cnn_loss(jnp, conv_general_dilated, reduce_window, lax.max)
    params = (d["w1"], d["w2"], d["dense"])
    t0 = time.perf_counter()
    step = jx.jit(jx.grad(loss))
    jx.block_until_ready(step(params, d["images"], d["labels"]))
    first = time.perf_counter() - t0
    benches = [("fft", lambda: jfft.fft(d["signal"])),
               ("einsum", lambda: einsum("ij,jk,kl->il", d["a"], d["b"], d["c"])),
               ("cnn_step", lambda: step(params, d["images"], d["labels"]))]
    outs = {}
    for name, fn in benches:  # warm-up (compiles), and the results for the check
        outs[name] = jx.block_until_ready(fn())
    times = {name: [] for name, _ in benches}
    for _ in range(cfg["repeats"]):  # interleaved, so that background load hits all alike
        for name, fn in benches:
            t0 = time.perf_counter()
            for _ in range(cfg["n"]):
                jx.block_until_ready(fn())
            times[name].append((time.perf_counter() - t0) / cfg["n"])
    res = {name: statistics.median(ts) for name, ts in times.items()}
    check = [float(onp.abs(onp.asarray(outs["fft"])).sum()),
             float(onp.asarray(outs["einsum"]).sum())]
    check += [float(onp.abs(onp.asarray(g)).sum()) for g in outs["cnn_step"]]
    res.update(cnn_first=first, check=check, jaxlib=jaxlib.version.__version__,
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
    cfg = dict(repeats=3, n=3) if opts.quick else dict(repeats=7, n=10)
    rounds = 1 if opts.quick else 3
    _, xf, jx, load = compare_rounds(__file__, cfg, rounds, opts.jax_python)
    print(f"xlafront on jaxlib {xf['jaxlib']}; JAX: {jx.get('lib', 'n/a')}; load average at "
          f"start {load:.2f}; CPU cores: {os.cpu_count()}; best of {rounds} round(s) of "
          f"medians over {cfg['repeats']} x {cfg['n']} calls\n")
    print_table(ROWS, xf, jx)
    if jx:
        same = all(abs(p - q) <= 1e-3 * max(abs(p), abs(q), 1.0)
                   for p, q in zip(xf["check"], jx["check"]))
        print(f"\nresults: {'the same in both' if same else 'DIFFERENT'} to 1e-3 (sums "
              f"{[round(v, 3) for v in xf['check']]} / {[round(v, 3) for v in jx['check']]})")


if __name__ == "__main__":
    main()
