"""Data-parallel SGD on a small MLP with pmap: every device holds a copy of the parameters
and a slice of each batch; the gradients are averaged over the devices (lax.pmean), so
every copy takes the same step.

One process with N CPU devices:

    python examples/data_parallel.py --devices 4

Two processes on this machine (one CPU device each), run both:

    python examples/data_parallel.py --num-processes 2 --process-id 0 --coordinator 127.0.0.1:12345
    python examples/data_parallel.py --num-processes 2 --process-id 1 --coordinator 127.0.0.1:12345

Each run prints the loss per step; --out saves the final parameters (an .npz file), which
are the same, bit for bit, for one process with 2 devices and two processes with one each.
"""
import argparse
import os
import signal
import time

import numpy as onp

import xlafront as xf
import xlafront.numpy as np
from xlafront import lax

BATCH = 32        # examples per step, over all devices
SIZES = (8, 16, 4)  # features, hidden units, classes


def init_params(seed=0):
    rng = onp.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        w = rng.normal(size=(fan_in, fan_out)).astype(onp.float32) / onp.sqrt(fan_in)
        params.append((w, onp.zeros(fan_out, onp.float32)))
    return params


def batches(steps, seed=1):
    """The same batches in every process: inputs and class labels of a fixed rule."""
    rng = onp.random.default_rng(seed)
    for _ in range(steps):
        x = rng.normal(size=(BATCH, SIZES[0])).astype(onp.float32)
        y = (x[:, :SIZES[-1]].argmax(1) + (x[:, -1] > 0)) % SIZES[-1]
        yield x, y.astype(onp.int32)


def loss(params, x, y):
    for w, b in params[:-1]:
        x = np.maximum(x @ w + b, 0.0)
    w, b = params[-1]
    logits = x @ w + b
    logits = logits - lax.stop_gradient(logits.max(axis=1, keepdims=True))
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return -np.mean(np.take_along_axis(log_probs, y[:, None], axis=1))


def step(params, x, y, learning_rate=0.1):
    """One SGD step on this device's slice of the batch, with the gradients averaged over
    every device (of every process): the copies of the parameters stay equal."""
    value, grads = xf.value_and_grad(loss)(params, x, y)
    grads = lax.pmean(grads, "batch")
    new = [(w - learning_rate * dw, b - learning_rate * db)
           for (w, b), (dw, db) in zip(params, grads)]
    return new, lax.pmean(value, "batch")


parallel_step = xf.pmap(step, axis_name="batch", donate_argnums=0)


def train(steps, die_after=None):
    """Trains for `steps` steps; returns the parameters (one copy) and the losses."""
    devices = xf.local_devices()
    n, total = len(devices), xf.device_count()
    if BATCH % total:
        raise SystemExit(f"the batch of {BATCH} does not split over {total} devices")
    per_device = BATCH // total
    first = xf.process_index() * n * per_device  # this process's part of each batch
    # a copy of the parameters per local device, stacked along a leading axis
    params = [(onp.stack([w] * n), onp.stack([b] * n)) for w, b in init_params()]
    losses = []
    for i, (x, y) in enumerate(batches(steps)):
        if die_after is not None and i == die_after:
            os.kill(os.getpid(), signal.SIGKILL)  # a process crashing mid-run (tests)
        x = x[first:first + n * per_device].reshape(n, per_device, -1)
        y = y[first:first + n * per_device].reshape(n, per_device)
        params, value = parallel_step(params, x, y)
        losses.append(float(value[0]))
    return [(onp.asarray(w[0]), onp.asarray(b[0])) for w, b in params], losses


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--devices", type=int, default=None,
                        help="CPU devices of this process (default: XLA_FLAGS' or one)")
    parser.add_argument("--num-processes", type=int, default=1)
    parser.add_argument("--process-id", type=int, default=0)
    parser.add_argument("--coordinator", default="127.0.0.1:12345")
    parser.add_argument("--timeout", type=int, default=60,
                        help="seconds to wait for the other processes (joining, or a dead one)")
    parser.add_argument("--out", help="save the final parameters to this .npz file")
    parser.add_argument("--die-after", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.devices is not None:
        xf.config.update("jax_num_cpu_devices", args.devices)
    if args.num_processes > 1:
        xf.distributed.initialize(args.coordinator, args.num_processes, args.process_id,
                                  initialization_timeout=args.timeout,
                                  heartbeat_timeout_seconds=args.timeout,
                                  shutdown_timeout_seconds=args.timeout)
    start = time.perf_counter()
    params, losses = train(args.steps, args.die_after)
    print(f"process {xf.process_index()} of {xf.process_count()}, {xf.local_device_count()} "
          f"of {xf.device_count()} devices: loss {losses[0]:.4f} -> {losses[-1]:.4f} in "
          f"{len(losses)} steps ({time.perf_counter() - start:.2f} s)", flush=True)
    if args.out:
        onp.savez(args.out, *[a for layer in params for a in layer])


if __name__ == "__main__":
    main()
