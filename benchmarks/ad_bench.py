"""Reverse-mode cost of xlafront next to JAX on the same jaxlib: `jit(value_and_grad(loss))`
of an MLP (784-512-512-10, batch 128).

    python benchmarks/ad_bench.py [--quick] [--jax-python PATH]

Rows: the first call in a fresh process (trace + lower + compile + run), the compiled step,
the same step written by hand (forward and backward in xlafront.numpy, one jit), and the
number of equations of the IR of value_and_grad before and after dead-code elimination.
Each library runs in its own subprocess; the JAX column needs an interpreter with JAX on the
same jaxlib (default /tmp/jaxvenv/bin/python when it exists).
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from core_bench import compare_rounds, print_table  # noqa: E402

SIZES = (784, 512, 512, 10)
BATCH = 128


def mlp_problem(np_mod, seed=0):
    import numpy as onp
    rng = onp.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        w = (rng.standard_normal((n_in, n_out)) / onp.sqrt(n_in)).astype("float32")
        params.append((np_mod.asarray(w), np_mod.asarray(onp.zeros(n_out, "float32"))))
    x = np_mod.asarray(rng.standard_normal((BATCH, SIZES[0])).astype("float32"))
    labels = rng.integers(0, SIZES[-1], BATCH)
    y = np_mod.asarray(onp.eye(SIZES[-1], dtype="float32")[labels])
    return params, x, y


def loss_fn(np_mod, stop_gradient):
    """Cross-entropy of a ReLU MLP; the log-softmax shifts by the row max under
    stop_gradient, as jax.nn.log_softmax does (the shift does not change the value)."""
    def loss(params, x, y):
        h = x
        for w, b in params[:-1]:
            h = np_mod.maximum(h @ w + b, 0.0)
        w, b = params[-1]
        logits = h @ w + b
        shifted = logits - stop_gradient(np_mod.max(logits, axis=1, keepdims=True))
        logp = shifted - np_mod.log(np_mod.sum(np_mod.exp(shifted), axis=1, keepdims=True))
        return -np_mod.sum(logp * y) / x.shape[0]
    return loss


def hand_value_and_grad(np_mod, simplified=False):
    """The same loss and its gradient, with the backward pass written out by hand. By
    default the softmax gradient follows the chain rule as autodiff does (what
    transformation overhead is measured against); `simplified` writes it in the textbook
    form (softmax * sum(y) - y) / n, which XLA happens to fuse better."""
    def step(params, x, y):
        hs, pre = [x], []
        for w, b in params[:-1]:
            z = hs[-1] @ w + b
            pre.append(z)
            hs.append(np_mod.maximum(z, 0.0))
        w, b = params[-1]
        logits = hs[-1] @ w + b
        shifted = logits - np_mod.max(logits, axis=1, keepdims=True)
        e = np_mod.exp(shifted)
        s = np_mod.sum(e, axis=1, keepdims=True)
        logp = shifted - np_mod.log(s)
        n = x.shape[0]
        value = -np_mod.sum(logp * y) / n
        if simplified:
            g = (e / s * np_mod.sum(y, axis=1, keepdims=True) - y) / n  # d loss / d logits
        else:
            ct_logp = y * (-1.0 / n)
            g = ct_logp + np_mod.sum(-ct_logp, axis=1, keepdims=True) / s * e
        grads = []
        for i in range(len(params) - 1, -1, -1):
            w, _ = params[i]
            grads.append((hs[i].T @ g, np_mod.sum(g, axis=0)))
            if i:
                g = (g @ w.T) * (pre[i - 1] > 0)
        return value, grads[::-1]
    return step


def _time_steps(fns, args, sync, repeats, n):
    """Median seconds per call of each function, the functions alternating loop by loop so
    that background load hits them alike."""
    for fn in fns:
        sync(fn(*args))
    times = [[] for _ in fns]
    for rep in range(repeats):
        order = range(len(fns)) if rep % 2 == 0 else reversed(range(len(fns)))
        for i in order:
            t0 = time.perf_counter()
            for _ in range(n):
                out = fns[i](*args)
            sync(out)
            times[i].append((time.perf_counter() - t0) / n)
    return [statistics.median(t) for t in times]


def worker_xlafront(cfg):
    import jaxlib.version
    import numpy as onp
    import xlafront as xf
    import xlafront.numpy as np
    from xlafront.interpreters.partial_eval import dce_jaxpr

    params, x, y = mlp_problem(np)
    loss = loss_fn(np, xf.lax.stop_gradient)
    xf.block_until_ready((params, x, y))
    t0 = time.perf_counter()
    step = xf.jit(xf.value_and_grad(loss))
    xf.block_until_ready(step(params, x, y))
    first = time.perf_counter() - t0

    hand = xf.jit(hand_value_and_grad(np))
    textbook = xf.jit(hand_value_and_grad(np, simplified=True))
    v1, g1 = step(params, x, y)
    for v2, g2 in (hand(params, x, y), textbook(params, x, y)):
        onp.testing.assert_allclose(float(v1), float(v2), rtol=1e-5)
        for a, b in zip(xf.tree_util.tree_leaves(g1), xf.tree_util.tree_leaves(g2)):
            onp.testing.assert_allclose(onp.asarray(a), onp.asarray(b), rtol=2e-3, atol=1e-5)

    jaxpr = xf.make_jaxpr(xf.value_and_grad(loss))(params, x, y).jaxpr
    step_time, hand_time, textbook_time = _time_steps(
        [step, hand, textbook], (params, x, y), xf.block_until_ready, cfg["repeats"], cfg["n"])
    res = dict(first_call=first, step=step_time, hand_step=hand_time,
               textbook_step=textbook_time, step_vs_hand=step_time / hand_time,
               step_vs_textbook=step_time / textbook_time,
               eqns=len(jaxpr.eqns), eqns_dce=len(dce_jaxpr(jaxpr).eqns),
               jaxlib=jaxlib.version.__version__, lib="xlafront")
    print(json.dumps(res))


def worker_jax(cfg):
    import jax
    import jax.numpy as jnp
    import jaxlib.version

    params, x, y = mlp_problem(jnp)
    loss = loss_fn(jnp, jax.lax.stop_gradient)
    jax.block_until_ready((params, x, y))
    t0 = time.perf_counter()
    step = jax.jit(jax.value_and_grad(loss))
    jax.block_until_ready(step(params, x, y))
    first = time.perf_counter() - t0
    jaxpr = jax.make_jaxpr(jax.value_and_grad(loss))(params, x, y).jaxpr
    res = dict(first_call=first,
               step=_time_steps([step], (params, x, y), jax.block_until_ready,
                                cfg["repeats"], cfg["n"])[0],
               eqns=len(jaxpr.eqns), jaxlib=jaxlib.version.__version__,
               lib=f"jax {jax.__version__}")
    print(json.dumps(res))


ROWS = [
    ("first_call", "first call: trace + lower + compile + run", "s", 0.8),
    ("step", "compiled step `jit(value_and_grad(loss))`", "ms", 1.02),
    ("hand_step", "hand-written forward + backward (same chain rule), one jit", "ms", None),
    ("textbook_step", "hand-written, textbook softmax gradient, one jit", "ms", None),
    ("eqns", "IR equations of value_and_grad", "n", None),
    ("eqns_dce", "IR equations after DCE", "n", None),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--jax-python", default=None)
    parser.add_argument("--worker", choices=["xlafront", "jax"], help=argparse.SUPPRESS)
    parser.add_argument("--cfg", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.worker:
        (worker_xlafront if opts.worker == "xlafront" else worker_jax)(json.loads(opts.cfg))
        return
    cfg = dict(repeats=6, n=10) if opts.quick else dict(repeats=40, n=10)
    rounds = 1 if opts.quick else 3
    xs, xf, jx, load = compare_rounds(__file__, cfg, rounds, opts.jax_python)
    print(f"MLP {'-'.join(map(str, SIZES))}, batch {BATCH}; xlafront on jaxlib {xf['jaxlib']}; "
          f"JAX: {jx.get('lib', 'n/a')}; load average at start {load:.2f}; best of {rounds} "
          f"round(s) of medians over {cfg['repeats']} x {cfg['n']} steps\n")
    print_table(ROWS, xf, jx)
    overhead = statistics.median(r["step_vs_hand"] for r in xs if r) - 1
    textbook = statistics.median(r["step_vs_textbook"] for r in xs if r) - 1
    print(f"\nautodiff step vs hand-written, same chain rule (timed alternately, median over "
          f"rounds): {overhead:+.1%} (target: within 5%); vs the textbook softmax gradient: "
          f"{textbook:+.1%}")


if __name__ == "__main__":
    main()
