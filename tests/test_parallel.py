"""Collectives over named axes (lax.psum, pmean, pmax, pmin, all_gather, axis_index) under
vmap, against NumPy computations over the mapped axis, with their derivatives."""
import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as np
from xlafront import lax

X = onp.array([[1.0, -2.0, 3.5], [0.5, 4.0, -1.0], [2.0, 2.0, 0.0], [-3.0, 1.0, 1.5]],
              onp.float32)


@pytest.mark.parametrize("collective, reference", [
    (lax.psum, lambda x: x.sum(0, keepdims=True)),
    (lax.pmean, lambda x: x.mean(0, keepdims=True)),
    (lax.pmax, lambda x: x.max(0, keepdims=True)),
    (lax.pmin, lambda x: x.min(0, keepdims=True)),
])
@pytest.mark.parametrize("jit", [False, True])
def test_reductions_match_numpy(collective, reference, jit):
    f = lambda x: collective(x, "i")  # noqa: E731
    f = xf.jit(f) if jit else f
    out = xf.vmap(f, axis_name="i")(X)
    onp.testing.assert_allclose(onp.asarray(out), onp.broadcast_to(reference(X), X.shape),
                                rtol=1e-6)


def test_psum_of_unmapped_value_multiplies_by_axis_size():
    out = xf.vmap(lambda x: lax.psum(2.0, "i") + 0 * x, axis_name="i")(X[:, 0])
    onp.testing.assert_allclose(onp.asarray(out), onp.full(4, 8.0))


def test_normalize_and_its_gradient():
    def normalize(x):
        return x / lax.psum(x, "i")
    x = onp.array([1.0, 2.0, 3.0], onp.float32)
    out = xf.vmap(normalize, axis_name="i")(x)
    onp.testing.assert_allclose(onp.asarray(out), x / x.sum(), rtol=1e-6)
    g = xf.grad(lambda x: xf.vmap(normalize, axis_name="i")(x)[0])(x)
    s = x.sum()
    onp.testing.assert_allclose(onp.asarray(g), [1 / s - x[0] / s ** 2, -x[0] / s ** 2,
                                                 -x[0] / s ** 2], rtol=1e-5)


def test_pmax_gradient_splits_ties():
    x = onp.array([1.0, 3.0, 3.0], onp.float32)
    g = xf.grad(lambda x: xf.vmap(lambda v: lax.pmax(v, "i"), axis_name="i")(x).sum())(x)
    onp.testing.assert_allclose(onp.asarray(g), [0.0, 1.5, 1.5])


def test_axis_index_and_all_gather():
    idx = xf.vmap(lambda x: lax.axis_index("i"), axis_name="i")(X)
    onp.testing.assert_array_equal(onp.asarray(idx), onp.arange(4))
    gathered = xf.vmap(lambda x: lax.all_gather(x, "i"), axis_name="i")(X)
    onp.testing.assert_allclose(onp.asarray(gathered), onp.broadcast_to(X, (4,) + X.shape))
    tiled = xf.vmap(lambda x: lax.all_gather(x, "i", tiled=True), axis_name="i")(X)
    onp.testing.assert_allclose(onp.asarray(tiled), onp.broadcast_to(X.reshape(-1), (4, 12)))


def test_all_gather_gradient():
    def f(x):
        return xf.vmap(lambda v: (lax.all_gather(v, "i") * onp.arange(4.0)).sum(),
                       axis_name="i")(x).sum()
    g = xf.grad(f)(X[:, 0])
    onp.testing.assert_allclose(onp.asarray(g), 4 * onp.arange(4.0), rtol=1e-6)


def test_nested_axes():
    x = onp.arange(6.0, dtype=onp.float32).reshape(2, 3)
    inner = xf.vmap(lambda v: lax.psum(v, "j"), axis_name="j")
    out = xf.vmap(inner, axis_name="i")(x)
    onp.testing.assert_allclose(onp.asarray(out), onp.broadcast_to(x.sum(1, keepdims=True),
                                                                   x.shape))
    both = xf.vmap(xf.vmap(lambda v: lax.psum(v, ("i", "j")), axis_name="j"), axis_name="i")(x)
    onp.testing.assert_allclose(onp.asarray(both), onp.full(x.shape, x.sum()))
    outer_only = xf.vmap(xf.vmap(lambda v: lax.psum(v, "i"), axis_name="j"), axis_name="i")(x)
    onp.testing.assert_allclose(onp.asarray(outer_only),
                                onp.broadcast_to(x.sum(0, keepdims=True), x.shape))


def test_unbound_axis_name_is_a_name_error():
    with pytest.raises(NameError, match="unbound axis name: k"):
        lax.psum(np.ones(3), "k")
    with pytest.raises(NameError, match="unbound axis name: k"):
        xf.jit(lambda x: lax.psum(x, "k"))(np.ones(3))
    with pytest.raises(NameError, match="unbound axis name: k"):
        xf.vmap(lambda x: lax.psum(x, "k"), axis_name="i")(np.ones(3))
