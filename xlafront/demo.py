"""`python -m xlafront.demo`: a tour of eager execution, jit, the IR and StableHLO, then the
transformations: grad, vmap, and a scan loop."""
import xlafront as xf
import xlafront.numpy as np


def main():
    print("devices:", xf.devices())
    x = np.arange(6.0).reshape(2, 3)
    print("x =", repr(x))
    y = np.sin(x) * 2 + x.T.sum()
    print("eager np.sin(x) * 2 + x.T.sum() =", repr(y))

    f = xf.jit(lambda a, b: np.tanh(a @ b) + 1)
    print("jit(tanh(a @ b) + 1) =", repr(f(x, x.T)))
    print("\nThe IR:")
    print(xf.make_jaxpr(f)(x, x.T))
    print("\nStableHLO:")
    print(f.lower(x, x.T).as_text())
    print("XLA's optimized HLO (first lines):")
    print("\n".join(f.lower(x, x.T).compile().as_text().splitlines()[:6]))

    def loss(w, x):
        return np.sum(np.tanh(x @ w) ** 2)

    w = np.ones((3, 2)) * 0.1
    print("\ngrad(loss)(w, x) =", repr(xf.grad(loss)(w, x)))
    print("per-example grads, vmap(grad(loss), in_axes=(None, 0)) on rows of x:")
    print(repr(xf.vmap(xf.grad(loss), in_axes=(None, 0))(w, x[:, None, :])))
    print("The IR of jit(grad(loss)):")
    print(xf.make_jaxpr(xf.jit(xf.grad(loss)))(w, x))

    def cumulative(xs):
        return xf.lax.scan(lambda c, v: (c + v, c + v), 0.0, xs)[1]

    print("\nscan running sum:", repr(xf.jit(cumulative)(np.arange(5.0))))
    print("its derivative (jacfwd):")
    print(repr(xf.jacfwd(cumulative)(np.arange(5.0))))


if __name__ == "__main__":
    main()
