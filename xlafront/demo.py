"""`python -m xlafront.demo`: the devices found, a small function's IR, its StableHLO and
XLA's optimized HLO, then a short training run on scikit-learn's handwritten digits with
the first (compiling) call timed against the cached ones."""
import re
import time

import numpy as onp

import xlafront as xf
import xlafront.numpy as np

STAGES = 5


def stage(n, title):
    print(f"\n[{n}/{STAGES}] {title}", flush=True)


def predict(params, x):
    for w, b in params[:-1]:
        x = np.maximum(x @ w + b, 0.0)
    w, b = params[-1]
    return x @ w + b


def loss(params, x, y):
    logits = predict(params, x)
    logits = logits - xf.lax.stop_gradient(logits.max(axis=1, keepdims=True))
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return -np.mean(np.take_along_axis(log_probs, y[:, None], axis=1))


@xf.jit
def sgd_step(params, x, y):
    value, grads = xf.value_and_grad(loss)(params, x, y)
    return value, [(w - 0.2 * dw, b - 0.2 * db) for (w, b), (dw, db) in zip(params, grads)]


def without_metadata(hlo_text):
    """XLA's HLO text without the per-instruction debug metadata (source lines, op names)."""
    return re.sub(r",? metadata=\{[^}]*\}", "", hlo_text)


def load_digits_data():
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise SystemExit("the training stage reads scikit-learn's bundled digits data: "
                         "pip install 'xlafront[demo]'") from None
    digits = load_digits()
    return (digits.data / 16.0).astype("float32"), digits.target


def main():
    stage(1, "devices")
    print(f"default backend: {xf.default_backend()}; devices: {xf.devices()}")

    def f(a, b):
        return np.tanh(a @ b) + 1

    x = np.arange(6.0).reshape(2, 3)
    stage(2, "the IR of f(a, b) = tanh(a @ b) + 1, as tracing records it")
    print(xf.make_jaxpr(f)(x, x.T))
    lowered = xf.jit(f).lower(x, x.T)
    stage(3, "its StableHLO, the module handed to XLA")
    print(lowered.as_text())
    stage(4, "XLA's optimized HLO (debug metadata removed)")
    print(without_metadata(lowered.compile().as_text()))

    stage(5, "training a 64-128-10 MLP on the handwritten digits (minibatch SGD)")
    images, labels = load_digits_data()
    rng = onp.random.default_rng(0)
    params = [(np.asarray(rng.standard_normal((m, n)) * onp.sqrt(2.0 / m), dtype="float32"),
               np.zeros(n)) for m, n in ((64, 128), (128, 10))]
    x_all, y_all = np.asarray(images), np.asarray(labels)
    start = time.perf_counter()
    value, params = sgd_step(params, x_all[:100], y_all[:100])
    value.block_until_ready()
    first = time.perf_counter() - start
    print(f"first call (trace, compile or load from the cache, run): {first * 1e3:.1f} ms")
    steps, start = 0, time.perf_counter()
    for epoch in range(3):
        for i in range(0, len(images) - 100, 100):
            value, params = sgd_step(params, x_all[i:i + 100], y_all[i:i + 100])
            steps += 1
        accuracy = float(np.mean(np.argmax(predict(params, x_all), axis=1) == y_all))
        print(f"  epoch {epoch + 1}: loss {float(value):.3f}, accuracy {accuracy:.3f}")
    cached = (time.perf_counter() - start) / steps
    print(f"cached calls: {cached * 1e3:.2f} ms per step over {steps} steps "
          f"({first / cached:.0f}x faster than the first)")


if __name__ == "__main__":
    main()
