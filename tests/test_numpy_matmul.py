"""Lowerings found slower than JAX's by the benchmarks (benchmarks/random_nn_bench.py):
each test states the program shape JAX emits, and the values against NumPy."""
import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as jnp


@pytest.mark.parametrize("a_shape, b_shape", [((8, 5, 3), (3, 4)), ((3,), (3, 4)),
                                              ((5, 3), (6, 2, 3, 4)), ((2, 5, 3), (3,))])
def test_matmul_with_a_lone_matrix_does_not_broadcast_it(a_shape, b_shape):
    # JAX contracts the lone matrix as it is: a batched dot over copies of it is several
    # times slower on CPU, and so is its gradient (a sum over the copies)
    rng = onp.random.RandomState(0)
    a = rng.randn(*a_shape).astype(onp.float32)
    b = rng.randn(*b_shape).astype(onp.float32)
    text = xf.jit(jnp.matmul).lower(a, b).as_text()
    assert "batching_dims" not in text and "stablehlo.broadcast_in_dim" not in text
    onp.testing.assert_allclose(jnp.matmul(a, b), a @ b, rtol=1e-5, atol=1e-5)


def test_matmul_gradients_with_a_lone_matrix():
    rng = onp.random.RandomState(1)
    for a_shape, b_shape in [((4, 5, 3), (3, 2)), ((5, 3), (4, 3, 2))]:
        a = rng.randn(*a_shape).astype(onp.float32)
        b = rng.randn(*b_shape).astype(onp.float32)
        ga, gb = xf.grad(lambda x, y: jnp.sum(jnp.matmul(x, y) ** 2), argnums=(0, 1))(a, b)
        g = 2 * (a @ b)  # d/dout of sum(out^2); each operand's gradient sums its copies
        want_a = (g @ onp.swapaxes(b, -1, -2)).reshape((-1,) + a_shape).sum(0)
        want_b = (onp.swapaxes(a, -1, -2) @ g).reshape((-1,) + b_shape).sum(0)
        onp.testing.assert_allclose(ga, want_a, rtol=1e-4, atol=1e-4)
        onp.testing.assert_allclose(gb, want_b, rtol=1e-4, atol=1e-4)
