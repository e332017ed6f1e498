"""Per-example gradients of an MLP (100-64-64-10) over a batch of 128, three ways:
`jit(vmap(grad(loss)))`, a Python loop of per-example jitted `grad` calls, and the
per-example gradients written batched by hand (one jit). Target: vmap within 10% of the
hand-batched version.

    python benchmarks/vmap_bench.py [--quick]
"""
import argparse
import os
import statistics
import sys
import time

import numpy as onp

import xlafront as xf
import xlafront.numpy as np

SIZES = (100, 64, 64, 10)
BATCH = 128


def problem(seed=0):
    rng = onp.random.default_rng(seed)
    params = [(np.asarray((rng.standard_normal((i, o)) / onp.sqrt(i)).astype("float32")),
               np.asarray(onp.zeros(o, "float32"))) for i, o in zip(SIZES[:-1], SIZES[1:])]
    x = np.asarray(rng.standard_normal((BATCH, SIZES[0])).astype("float32"))
    y = np.asarray(onp.eye(SIZES[-1], dtype="float32")[rng.integers(0, SIZES[-1], BATCH)])
    return params, x, y


def loss(params, x, y):
    """Cross-entropy of one example (x: (100,), y: one-hot (10,))."""
    h = x
    for w, b in params[:-1]:
        h = np.maximum(h @ w + b, 0.0)
    w, b = params[-1]
    logits = h @ w + b
    shifted = logits - np.max(logits)
    return -np.sum((shifted - np.log(np.sum(np.exp(shifted)))) * y)


def hand_batched(params, x, y):
    """Per-example gradients for the whole batch, written out: outer products per example."""
    hs, pre = [x], []
    for w, b in params[:-1]:
        z = hs[-1] @ w + b
        pre.append(z)
        hs.append(np.maximum(z, 0.0))
    w, b = params[-1]
    logits = hs[-1] @ w + b
    e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    g = e / np.sum(e, axis=1, keepdims=True) * np.sum(y, axis=1, keepdims=True) - y
    grads = []
    for i in range(len(params) - 1, -1, -1):
        w, _ = params[i]
        grads.append((hs[i][:, :, None] * g[:, None, :], g))
        if i:
            g = (g @ w.T) * (pre[i - 1] > 0)
    return grads[::-1]


def timeit(fns, repeats, n):
    """Median seconds per call of each function, alternating loop by loop so that
    background load hits them alike."""
    for fn in fns:
        xf.block_until_ready(fn())
    times = [[] for _ in fns]
    for rep in range(repeats):
        for i in (range(len(fns)) if rep % 2 == 0 else reversed(range(len(fns)))):
            t0 = time.perf_counter()
            for _ in range(n):
                out = fns[i]()
            xf.block_until_ready(out)
            times[i].append((time.perf_counter() - t0) / n)
    return [statistics.median(t) for t in times]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    opts = parser.parse_args()
    repeats, n = (6, 5) if opts.quick else (40, 10)
    params, x, y = problem()
    vmapped = xf.jit(xf.vmap(xf.grad(loss), in_axes=(None, 0, 0)))
    per_example = xf.jit(xf.grad(loss))
    hand = xf.jit(hand_batched)

    a, b = vmapped(params, x, y), hand(params, x, y)
    c = [per_example(params, x[i], y[i]) for i in range(3)]
    for la, lb in zip(xf.tree_util.tree_leaves(a), xf.tree_util.tree_leaves(b)):
        onp.testing.assert_allclose(onp.asarray(la), onp.asarray(lb), rtol=1e-3, atol=1e-5)
    for i, ci in enumerate(c):
        for la, lc in zip(xf.tree_util.tree_leaves(a), xf.tree_util.tree_leaves(ci)):
            onp.testing.assert_allclose(onp.asarray(la)[i], onp.asarray(lc), rtol=1e-3,
                                        atol=1e-5)

    load = os.getloadavg()[0]
    t_vmap, t_hand = timeit([lambda: vmapped(params, x, y), lambda: hand(params, x, y)],
                            repeats, n)
    (t_loop,) = timeit([lambda: [per_example(params, x[i], y[i]) for i in range(BATCH)]],
                       max(3, repeats // 4), max(1, n // 10))
    print(f"per-example gradients, MLP {'-'.join(map(str, SIZES))}, batch {BATCH}; "
          f"load average at start {load:.2f}; medians of {repeats} runs\n")
    print("| version | time per batch | vs hand-batched |")
    print("|---|---|---|")
    for label, t in [("jit(vmap(grad(loss)))", t_vmap), ("hand-batched, one jit", t_hand),
                     ("Python loop of jitted grad", t_loop)]:
        print(f"| {label} | {t * 1e3:.3f} ms | {t / t_hand:.2f}x |")
    verdict = "ok" if t_vmap <= 1.10 * t_hand else "MISSED"
    print(f"\nvmap vs hand-batched: {t_vmap / t_hand - 1:+.1%} (target: within 10%) {verdict}")


if __name__ == "__main__":
    sys.exit(main())
