"""`python -m xlafront.demo`: a tour of eager execution, jit, the IR and StableHLO."""
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


if __name__ == "__main__":
    main()
