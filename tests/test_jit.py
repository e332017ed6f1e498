"""jit's options as JAX defines them: static argument validation, keep_unused (unused
inputs pruned from the compiled program by default), and their interplay with donation,
AOT compilation and the C++ dispatch path."""
import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as jnp


@pytest.mark.parametrize("options, message", [
    (dict(static_argnums=5), r"static_argnums=\(5,\), but only accepts 1 positional"),
    (dict(static_argnums=-2), r"static_argnums=\(-2,\), but only accepts 1 positional"),
    (dict(static_argnames="y"), r"invalid argnames \{'y'\} in static_argnames"),
])
def test_static_arguments_out_of_range_raise_at_jit(options, message):
    with pytest.raises(ValueError, match=message):
        xf.jit(lambda x: x, **options)


def test_static_arguments_of_variadic_functions_are_not_checked():
    f = xf.jit(lambda *xs, **kw: xs[0] * kw["k"], static_argnums=3, static_argnames="k")
    assert float(f(2.0, k=3)) == 6.0


def test_unused_inputs_are_pruned_unless_keep_unused():
    def f(x, y, z):
        return x * 2 + z

    x, y, z = jnp.ones(3), jnp.arange(4.0), jnp.full(3, 5.0)
    pruned = xf.jit(f).lower(x, y, z).as_text()
    kept = xf.jit(f, keep_unused=True).lower(x, y, z).as_text()
    main = lambda text: next(line for line in text.splitlines() if "func.func public @main" in line)
    assert main(pruned).count("%arg") == 2 and "tensor<4xf32>" not in main(pruned)
    assert main(kept).count("%arg") == 3 and "tensor<4xf32>" in main(kept)
    for g in (xf.jit(f), xf.jit(f, keep_unused=True)):
        for _ in range(3):  # the first call through Python, then the C++ fast path
            onp.testing.assert_array_equal(g(x, y, z), [7.0, 7.0, 7.0])
        compiled = g.lower(x, y, z).compile()
        onp.testing.assert_array_equal(compiled(x, y, z), [7.0, 7.0, 7.0])


def test_an_input_read_only_by_dead_code_is_unused():
    def f(x, y):
        jnp.sin(y)  # computed and dropped: y is not needed
        return x + 1

    text = xf.jit(f).lower(jnp.ones(2), jnp.ones(5)).as_text()
    assert "tensor<5xf32>" not in text
    onp.testing.assert_array_equal(xf.jit(f)(jnp.ones(2), jnp.ones(5)), [2.0, 2.0])


def test_pruning_keeps_donation_on_the_right_argument():
    f = xf.jit(lambda unused, x: x * 2, donate_argnums=1)
    text = f.lower(jnp.ones(7), jnp.ones(3)).as_text()
    assert "tf.aliasing_output" in text or "jax.buffer_donor" in text
    x = jnp.ones(3)
    onp.testing.assert_array_equal(f(jnp.ones(7), x), [2.0, 2.0, 2.0])


def test_a_bad_argument_is_named_by_its_path():
    with pytest.raises(TypeError, match=r"passed to the function at path t\['a'\]\[0\]"):
        xf.jit(lambda t: t)({"a": ["s"]})
    with pytest.raises(TypeError, match=r"Argument 's' of type <class 'str'> is not a valid"):
        xf.grad(lambda x: x)("s")


def test_tracer_reprs_are_jaxs(capsys):
    # the forms JAX 0.10.2 prints for a value inside jit, jvp, grad and vmap
    xf.jit(lambda x: print(x) or x)(jnp.ones((2, 3), jnp.int32))
    xf.jit(lambda x: print(x) or x)(1.0)
    xf.jvp(lambda x: print(x) or x, (jnp.ones(2),), (jnp.ones(2),))
    xf.grad(lambda x: print(x) or x)(1.0)
    xf.vmap(lambda x: print(x) or x, in_axes=1)(jnp.ones((2, 3)))
    assert capsys.readouterr().out.splitlines() == [
        "JitTracer(int32[2,3])", "JitTracer(~float32[])",
        "JVPTracer(primal=[1. 1.], tangent=[1. 1.])",
        "GradTracer(primal=1.0, typeof(tangent)=f32[])",
        "VmapTracer(aval=float32[2], batched=float32[2,3])"]
