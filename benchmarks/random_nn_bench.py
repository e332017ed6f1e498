"""xlafront.random and xlafront.nn next to jax.random and jax.nn on the same jaxlib: the
same calls, the same bits, the same training steps.

    python benchmarks/random_nn_bench.py [--quick] [--jax-python PATH] [--rows a,b] [--rounds N]

Random rows: `jit(lambda k: random.normal(k, (10**7,)))`, `random.split(key, 10**5)`
(eager and jitted), `random.gamma(key, alpha, (10**6,))` (jitted, alpha = 2.5 an argument),
the eager `random.normal(key, (3,))` call (dispatch cost), and the first call of the jitted
normal (trace + lower + compile, xlafront's persistent compilation cache off).
nn rows (float32, `jit(grad(loss))`): a transformer block, pre-norm, on a batch of 8 x 128
tokens x 256 features: `nn.standardize` layer norms, 8-head `nn.dot_product_attention`,
a `nn.gelu` MLP 256 -> 1024 -> 256, residuals, mean-square loss; and a CNN step (two 3x3
convolutions 1 -> 16 -> 32 channels with `nn.relu` and 2x2 max pooling via
`lax.reduce_window`, a dense layer, cross-entropy through `nn.log_softmax`; batch 32 of
28 x 28 NHWC images). Each has a row for its first call.

Each library runs in its own subprocess, the two alternating round by round; the first
table shows each row's best round median and the xlafront/JAX ratio, the second the range
(min-max) of the round medians. The driver checks that both libraries drew the same bits
and that the gradients agree to 1e-3.
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from numpy_bench import alternate, compare_checks, report, selected  # noqa: E402

NORMAL_N = 10 ** 7
SPLIT_N = 10 ** 5
GAMMA_N = 10 ** 6
BATCH, TOKENS, FEATURES, HEADS = 8, 128, 256, 8

ROWS = [
    ("normal", "jit `normal(key, (10^7,))`", "ms", 1.0),
    ("normal_first", "  its first call (trace + lower + compile + run)", "ms", None),
    ("split_eager", "eager `split(key, 10^5)`", "ms", 1.0),
    ("split_jit", "jit `split(key, 10^5)`", "ms", 1.0),
    ("gamma", "jit `gamma(key, a, (10^6,))`, a = 2.5", "ms", 1.0),
    ("normal_small", "eager `normal(key, (3,))` (dispatch)", "us", 1.0),
    ("transformer", f"jit `grad(loss)`: transformer block, {BATCH} x {TOKENS} x {FEATURES}, "
                    f"{HEADS} heads", "ms", 1.0),
    ("transformer_first", "  its first call (trace + lower + compile + run)", "ms", None),
    ("cnn", "jit `grad(loss)`: CNN, nn.relu + reduce_window pool + log_softmax, batch 32",
     "ms", 1.0),
    ("cnn_first", "  its first call (trace + lower + compile + run)", "ms", None),
]


def nn_inputs():
    """The same host parameters and data for both workers."""
    import numpy as onp
    rng = onp.random.RandomState(0)
    f = onp.float32

    def w(*shape):
        return (rng.randn(*shape) / onp.sqrt(shape[0])).astype(f)
    d = FEATURES
    block = (w(d, d), w(d, d), w(d, d), w(d, d), w(d, 4 * d), onp.zeros(4 * d, f),
             w(4 * d, d), onp.zeros(d, f))
    conv = (rng.randn(3, 3, 1, 16).astype(f) / 3, rng.randn(3, 3, 16, 32).astype(f) / 12,
            rng.randn(7 * 7 * 32, 10).astype(f) / 40)
    return dict(block=block, tokens=rng.randn(BATCH, TOKENS, d).astype(f), conv=conv,
                images=rng.rand(32, 28, 28, 1).astype(f),
                onehot=onp.eye(10, dtype=f)[rng.randint(0, 10, 32)])


def transformer_loss(jnp, nn):
    """A pre-norm transformer block's mean-square output, written once for both."""
    def loss(params, x):
        wq, wk, wv, wo, w1, b1, w2, b2 = params
        heads = x.shape[:2] + (HEADS, FEATURES // HEADS)
        h = nn.standardize(x, axis=-1)
        q, k, v = ((h @ m).reshape(heads) for m in (wq, wk, wv))
        x = x + nn.dot_product_attention(q, k, v).reshape(x.shape) @ wo
        h = nn.standardize(x, axis=-1)
        x = x + nn.gelu(h @ w1 + b1) @ w2 + b2
        return jnp.mean(x ** 2)
    return loss


def cnn_loss(jnp, lax, nn):
    """The CNN's cross-entropy, written once for both."""
    dn = ("NHWC", "HWIO", "NHWC")

    def block(h, w):
        h = nn.relu(lax.conv_general_dilated(h, w, (1, 1), "SAME", dimension_numbers=dn))
        return lax.reduce_window(h, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")

    def loss(params, x, onehot):
        w1, w2, dense = params
        h = block(block(x, w1), w2)
        logits = h.reshape(h.shape[0], -1) @ dense
        return -jnp.mean(jnp.sum(nn.log_softmax(logits) * onehot, axis=-1))
    return loss


def first_call(jx, fn, *args):
    """(fn jitted, seconds of its first call)."""
    t0 = time.perf_counter()
    jitted = jx.jit(fn)
    jx.block_until_ready(jitted(*args))
    return jitted, time.perf_counter() - t0


def worker(lib, cfg):
    """Times the rows for one library ("xlafront" or "jax"); prints one JSON object."""
    import hashlib

    import jaxlib.version
    import numpy as onp
    if lib == "xlafront":
        # no persistent compilation cache (JAX's is off by default): the first-call rows
        # then measure a real compile in both
        os.environ["XLAFRONT_CACHE_DIR"] = ""
        import xlafront as jx
        import xlafront.numpy as jnp
        from xlafront import lax, nn, random
    else:
        import jax as jx
        import jax.numpy as jnp
        from jax import lax, nn, random
    key = random.PRNGKey(0)
    d = jx.tree_util.tree_map(jnp.asarray, nn_inputs())
    normal, normal_first = first_call(jx, lambda k: random.normal(k, (NORMAL_N,)), key)
    block, block_first = first_call(jx, jx.grad(transformer_loss(jnp, nn)), d["block"],
                                    d["tokens"])
    cnn, cnn_first = first_call(jx, jx.grad(cnn_loss(jnp, lax, nn)), d["conv"], d["images"],
                                d["onehot"])
    split = jx.jit(lambda k: random.split(k, SPLIT_N))
    # alpha as an argument: a constant alpha lets XLA fold and reassociate the sampler's
    # arithmetic, which changes last bits differently in the two programs
    gamma = jx.jit(lambda k, a: random.gamma(k, a, (GAMMA_N,)))
    alpha = jnp.float32(2.5)
    benches = selected([
        ("normal", lambda: normal(key), cfg["n_heavy"]),
        ("split_eager", lambda: random.split(key, SPLIT_N), cfg["n"]),
        ("split_jit", lambda: split(key), cfg["n"]),
        ("gamma", lambda: gamma(key, alpha), cfg["n_heavy"]),
        ("normal_small", lambda: random.normal(key, (3,)), cfg["n_small"]),
        ("transformer", lambda: block(d["block"], d["tokens"]), cfg["n"]),
        ("cnn", lambda: cnn(d["conv"], d["images"], d["onehot"]), cfg["n"])], cfg)
    for _, fn, _ in benches:  # warm-up: the first calls after a compile run slower
        for _ in range(2):
            jx.block_until_ready(fn())
    times = {name: [] for name, _, _ in benches}
    for _ in range(cfg["repeats"]):  # interleaved, so that background load hits all alike
        for name, fn, n in benches:
            t0 = time.perf_counter()
            for _ in range(n):  # pipelined: waits for the last result only
                out = fn()
            jx.block_until_ready(out)
            times[name].append((time.perf_counter() - t0) / n)
            out = None  # frees the 40 MB normal before the next row's clock starts
    res = {name: statistics.median(ts) for name, ts in times.items()}
    digest = hashlib.sha256()
    for out in (normal(key), split(key), gamma(key, alpha)):
        digest.update(onp.asarray(out).tobytes())
    grads = {"transformer": block(d["block"], d["tokens"]),
             "cnn": cnn(d["conv"], d["images"], d["onehot"])}
    res.update(normal_first=normal_first, transformer_first=block_first, cnn_first=cnn_first,
               checksum=digest.hexdigest()[:16], jaxlib=jaxlib.version.__version__,
               check={k: sum(float(onp.abs(onp.asarray(g)).sum()) for g in gs)
                      for k, gs in grads.items()},
               lib="xlafront" if lib == "xlafront" else f"jax {jx.__version__}")
    print(json.dumps(res))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations, one round")
    parser.add_argument("--jax-python", default=None,
                        help="interpreter with JAX installed; 'none' skips the JAX column")
    parser.add_argument("--rows", help="comma-separated row keys to time (default: all)")
    parser.add_argument("--rounds", type=int, help="alternating rounds (default 3; quick 1)")
    parser.add_argument("--worker", choices=["xlafront", "jax"], help=argparse.SUPPRESS)
    parser.add_argument("--cfg", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.worker:
        worker(opts.worker, json.loads(opts.cfg))
        return
    cfg = (dict(repeats=2, n=2, n_heavy=1, n_small=200) if opts.quick else
           dict(repeats=5, n=5, n_heavy=2, n_small=2000))
    cfg["rows"] = opts.rows and opts.rows.split(",")
    rounds = opts.rounds or (1 if opts.quick else 3)
    runs, load = alternate(__file__, cfg, rounds, opts.jax_python, with_numpy=False)
    report([r for r in ROWS if not cfg["rows"] or r[0] in cfg["rows"]], runs, load, cfg,
           rounds)
    print(f"\n(normal and gamma: {cfg['repeats']} x {cfg['n_heavy']} calls; the small "
          f"normal: {cfg['repeats']} x {cfg['n_small']})")
    if runs.get("jax"):
        ours, theirs = runs["xlafront"][0]["checksum"], runs["jax"][0]["checksum"]
        print(f"\nsamples of normal, split and gamma: "
              f"{'the same bits in both' if ours == theirs else 'DIFFERENT BITS'} "
              f"(sha256 {ours} / {theirs})")
        compare_checks(runs)


if __name__ == "__main__":
    main()
