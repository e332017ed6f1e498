"""JAX's small public modules (issue 10): jax.stages, jax.flatten_util, jax.custom_batching
and jax.typing. Expected values are NumPy's or written by hand from JAX's documentation."""
import typing

import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as jnp
from xlafront import stages
from xlafront.custom_batching import custom_vmap, sequential_vmap
from xlafront.flatten_util import ravel_pytree


# ---------------------------------------------------------------------------------------
# stages

def test_stages_are_what_jit_returns():
    f = xf.jit(lambda x: x * 2)
    assert isinstance(f, stages.Wrapped) and not isinstance(lambda x: x, stages.Wrapped)
    lowered = f.lower(1.0)
    assert isinstance(lowered, stages.Lowered)
    compiled = lowered.compile()
    assert isinstance(compiled, stages.Compiled) and float(compiled(3.0)) == 6.0
    info = stages.ArgInfo(xf.ShapedArray((2, 3), onp.float32), donated=False)
    assert info.shape == (2, 3) and info.dtype == onp.float32 and not info.donated
    assert stages.CompilerOptions == dict[str, typing.Union[str, bool]]


# ---------------------------------------------------------------------------------------
# flatten_util

def test_ravel_pytree_promotes_and_unravels():
    tree = {"a": onp.arange(4, dtype=onp.float32).reshape(2, 2), "b": onp.int32(7),
            "c": (True, 2)}
    flat, unravel = ravel_pytree(tree)
    # leaves in key order a, b, c; float32 with int32 and bool promotes to float32
    onp.testing.assert_array_equal(flat, [0, 1, 2, 3, 7, 1, 2])
    assert flat.dtype == onp.float32
    back = unravel(flat)
    onp.testing.assert_array_equal(back["a"], tree["a"])
    assert back["b"].dtype == onp.int32 and int(back["b"]) == 7
    assert back["c"][0].dtype == onp.bool_ and back["c"][1].dtype == onp.int32
    with pytest.raises(TypeError, match="expected dtype float32"):
        unravel(flat.astype(jnp.int32))
    with pytest.raises(ValueError, match="size 7"):
        unravel(flat[:3])


def test_ravel_pytree_single_dtype_and_empty():
    flat, unravel = ravel_pytree([1.0, 2.0])
    assert flat.dtype == onp.float32 and flat.weak_type  # Python floats stay weak
    flat, unravel = ravel_pytree([jnp.ones(2)])
    assert unravel(flat.astype(jnp.int32))[0].dtype == onp.int32  # dtype-polymorphic
    assert unravel == ravel_pytree([jnp.zeros(2)])[1]  # hashable, usable as a static arg
    assert hash(unravel) == hash(ravel_pytree([jnp.zeros(2)])[1])
    flat, unravel = ravel_pytree({})
    assert flat.shape == (0,) and flat.dtype == onp.float32 and unravel(flat) == {}
    flat, _ = ravel_pytree([jnp.ones(2, jnp.bfloat16), jnp.ones(1, jnp.float16)])
    assert flat.dtype == onp.float32  # bfloat16 with float16 promotes to float32 (JAX)


def test_ravel_pytree_under_jit_and_grad():
    tree = {"x": jnp.ones(2), "y": 3.0}
    onp.testing.assert_array_equal(xf.jit(lambda t: ravel_pytree(t)[0])(tree), [1, 1, 3])
    g = xf.grad(lambda t: (ravel_pytree(t)[0] ** 2).sum())(tree)
    onp.testing.assert_array_equal(g["x"], [2, 2])
    assert float(g["y"]) == 6.0


# ---------------------------------------------------------------------------------------
# custom_batching

def _sin_plus():
    """f(x, y) = sin(x) + y, whose vmap rule computes cos(x) + y instead (so the tests see
    which one ran), recording its calls."""
    calls = []

    @custom_vmap
    def f(x, y):
        return jnp.sin(x) + y

    @f.def_vmap
    def rule(axis_size, in_batched, xs, ys):
        calls.append((axis_size, list(in_batched)))
        return jnp.cos(xs) + ys, in_batched[0] or in_batched[1]

    return f, calls


def test_custom_vmap_uses_the_rule_under_vmap():
    f, calls = _sin_plus()
    assert onp.allclose(f(1.0, 2.0), onp.sin(1.0) + 2.0)  # unbatched: the function itself
    onp.testing.assert_allclose(xf.vmap(f, in_axes=(0, None))(jnp.arange(3.0), 1.0),
                                onp.cos(onp.arange(3.0)) + 1.0, rtol=1e-6)
    onp.testing.assert_allclose(xf.vmap(f, in_axes=(None, 0))(0.0, jnp.ones(2)), [2.0, 2.0])
    onp.testing.assert_allclose(xf.jit(xf.vmap(f))(jnp.zeros(3), jnp.ones(3)), [2.0] * 3)
    assert calls == [(3, [True, False]), (2, [False, True]), (3, [True, True])]
    nested = xf.vmap(xf.vmap(f, in_axes=(0, None)), in_axes=(0, None))
    onp.testing.assert_allclose(nested(jnp.zeros((2, 3)), 1.0), onp.full((2, 3), 2.0))
    assert f.__name__ == "f"
    assert [e.prim.name for e in xf.make_jaxpr(f)(1.0, 2.0).eqns] == ["custom_vmap_call"]


def test_custom_vmap_under_jvp():
    f, _ = _sin_plus()
    y, t = xf.jvp(f, (0.5, 1.0), (1.0, 0.0))  # no vmap: the function's own derivative
    assert onp.allclose(y, onp.sin(0.5) + 1.0) and onp.allclose(t, onp.cos(0.5))
    # jvp of vmap and vmap of jvp both differentiate the rule: d/dx (cos x + y) = -sin x
    x = onp.array([0.0, 0.5], onp.float32)
    y, t = xf.jvp(xf.vmap(f), (x, onp.ones(2, onp.float32)),
                  (onp.ones(2, onp.float32), onp.ones(2, onp.float32)))
    onp.testing.assert_allclose(y, onp.cos(x) + 1, rtol=1e-6)
    onp.testing.assert_allclose(t, -onp.sin(x) + 1, rtol=1e-6)
    y, t = xf.vmap(lambda a: xf.jvp(f, (a, 1.0), (1.0, 0.0)))(x)
    onp.testing.assert_allclose(y, onp.cos(x) + 1, rtol=1e-6)
    onp.testing.assert_allclose(t, -onp.sin(x), rtol=1e-6)


def test_custom_vmap_refuses_reverse_mode_and_checks_its_rule():
    f, _ = _sin_plus()
    with pytest.raises(ValueError, match="reverse-mode"):
        xf.grad(f)(0.5, 1.0)

    @custom_vmap
    def g(x):
        return x * 2

    with pytest.raises(AttributeError, match="No batching rule"):
        xf.vmap(g)(jnp.ones(2))

    @g.def_vmap
    def bad_flags(axis_size, in_batched, x):
        return x * 3, [True]

    with pytest.raises(ValueError, match="do not match"):
        xf.vmap(g)(jnp.ones(2))

    @g.def_vmap
    def bad_shape(axis_size, in_batched, x):
        return x[0], True

    with pytest.raises(TypeError, match="should have type f32\\[2\\]"):
        xf.vmap(g)(jnp.ones(2))


def test_custom_vmap_inside_custom_vjp():
    inner = custom_vmap(lambda x, y: jnp.sin(x) * y)
    inner.def_vmap(lambda axis_size, in_batched, xs, ys: (jnp.cos(xs) * ys, True))
    f = xf.custom_vjp(inner)
    f.defvjp(lambda x, y: (f(x, y), (jnp.cos(x), jnp.sin(x), y)),
             lambda res, g: (res[0] * g * res[2], res[1] * g))
    onp.testing.assert_allclose(xf.vmap(f)(jnp.zeros(3), jnp.ones(3)), [1.0] * 3)
    assert float(xf.grad(f)(0.0, 1.0)) == 1.0  # cos(0) * 1, from the custom_vjp


def test_sequential_vmap_loops_over_the_examples():
    @sequential_vmap
    def s(x, y):
        return x.sum() + y

    xs = onp.arange(6.0, dtype=onp.float32).reshape(2, 3)
    onp.testing.assert_array_equal(xf.vmap(s, in_axes=(0, None))(xs, 1.0), xs.sum(1) + 1)
    onp.testing.assert_array_equal(xf.vmap(s)(xs, onp.array([1.0, 2.0], onp.float32)),
                                   xs.sum(1) + [1, 2])
    assert float(s(xs[0], 1.0)) == 4.0


# ---------------------------------------------------------------------------------------
# typing

def test_typing_names():
    from xlafront.typing import ArrayLike, DTypeLike
    members = typing.get_args(ArrayLike)
    assert xf.Array in members and onp.ndarray in members and float in members
    assert str not in members and list not in members  # as in JAX: no strings or sequences
    assert isinstance(jnp.ones(2), members) and not isinstance([1.0], members)
    assert set(typing.get_args(DTypeLike)) >= {str, type, onp.dtype}
