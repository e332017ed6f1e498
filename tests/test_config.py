"""The config options JAX programs set: each one changes behaviour or raises, never silently
does nothing. debug_nans/debug_infs name the primitive that produced the value (JAX's
FloatingPointError), default_matmul_precision reaches the StableHLO, options that change
tracing retrace, and the State objects restore the previous value."""
import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as jnp
from xlafront import lax
from xlafront.config import State

debug_nans, debug_infs = State("debug_nans"), State("debug_infs")
precision = State("default_matmul_precision")


@pytest.mark.parametrize("run, primitive", [
    (lambda: jnp.log(jnp.array([-1.0, 1.0])), "log"),
    (lambda: jnp.zeros(2) / jnp.zeros(2), "div"),
    (lambda: xf.jit(lambda x: jnp.sin(x) * jnp.log(x))(jnp.array([-1.0, 2.0])), "log"),
    (lambda: xf.jit(lambda x: xf.jit(lambda y: jnp.sqrt(y) + 1)(x) * 2)(jnp.array([-1.0])),
     "sqrt"),
    (lambda: xf.grad(lambda x: jnp.sqrt(x))(-1.0), "sqrt"),
])
def test_debug_nans_names_the_primitive(run, primitive):
    with debug_nans(True):
        with pytest.raises(FloatingPointError, match=rf"invalid value \(nan\) encountered in {primitive}$"):
            run()
    assert onp.isnan(onp.asarray(run())).any()  # off again: no check


def test_debug_nans_checks_every_call_of_a_compiled_function():
    f = xf.jit(lambda x: jnp.log(x))
    x_ok, x_bad = jnp.array([1.0]), jnp.array([-1.0])
    f(x_ok), f(x_bad)  # compiled, and the C++ fast path caches it
    with debug_nans(True):
        onp.testing.assert_array_equal(f(x_ok), [0.0])
        with pytest.raises(FloatingPointError, match="log"):
            f(x_bad)
        with pytest.raises(FloatingPointError, match="log"):
            f(x_bad)


def test_debug_nans_leaves_integer_and_clean_results_alone():
    with debug_nans(True):
        onp.testing.assert_array_equal(jnp.arange(3) // 1, [0, 1, 2])
        onp.testing.assert_array_equal(xf.jit(lambda x: x * 2)(jnp.ones(2)), [2.0, 2.0])
        assert float(jnp.array(1.0) / 0.0) == onp.inf  # an inf is not a nan


def test_debug_infs():
    with debug_infs(True):
        with pytest.raises(FloatingPointError, match=r"invalid value \(inf\) encountered in div"):
            jnp.array([1.0]) / 0.0
        with pytest.raises(FloatingPointError, match=r"\(inf\) encountered in exp"):
            xf.jit(lambda x: jnp.exp(x) + 1)(jnp.array([1000.0]))


def test_nan_passed_through_jit_unchanged_reports_the_deoptimized_run():
    with debug_nans(True):
        with pytest.raises(FloatingPointError, match=r"jit\(identity\).*de-optimized"):
            def identity(x):
                return x
            xf.jit(identity)(jnp.array([onp.nan]))


def dot_line(f, *args):
    return next(l for l in f.lower(*args).as_text().splitlines() if "dot_general" in l)


def test_default_matmul_precision_reaches_stablehlo_and_retraces():
    a = jnp.ones((2, 2))
    f = xf.jit(lambda a: a @ a)
    assert "precision" not in dot_line(f, a)
    onp.testing.assert_array_equal(f(a), [[2, 2], [2, 2]])
    for value, name in [("float32", "HIGHEST"), ("tensorfloat32", "HIGH"), ("bfloat16", "DEFAULT"),
                        ("highest", "HIGHEST")]:
        with precision(value):
            assert f"precision = [{name}, {name}]" in dot_line(f, a)
            onp.testing.assert_array_equal(f(a), [[2, 2], [2, 2]])
    # an explicit precision wins over the default
    with precision("bfloat16"):
        g = xf.jit(lambda a: lax.dot(a, a, precision=(lax.Precision.HIGH, "highest")))
        assert "precision = [HIGH, HIGHEST]" in dot_line(g, a)


def test_precision_spellings():
    assert lax.Precision("highest") is lax.Precision.HIGHEST is lax.Precision("float32")
    assert lax.Precision("tensorfloat32") is lax.Precision.HIGH
    with pytest.raises(ValueError, match="dot_general: unknown precision"):
        lax.dot(jnp.ones(2), jnp.ones(2), precision="fast")


@pytest.mark.parametrize("name, value", [("default_matmul_precision", "fast"),
                                         ("numpy_rank_promotion", "sometimes")])
def test_bad_option_values_raise(name, value):
    with pytest.raises(ValueError, match=name):
        xf.config.update(name, value)


def test_unknown_option_raises():
    with pytest.raises(AttributeError, match="unknown option"):
        xf.config.update("jax_no_such_option", True)


def test_state_restores_on_error():
    with pytest.raises(RuntimeError):
        with debug_nans(True):
            assert xf.config.debug_nans is True
            raise RuntimeError
    assert xf.config.debug_nans is False and debug_nans.value is False


def test_top_level_states_are_context_managers():
    with xf.enable_x64(True):
        assert xf.enable_x64.value is True
        assert jnp.arange(3).dtype == onp.int64
    assert jnp.arange(3).dtype == onp.int32
    with xf.debug_nans(True):
        with pytest.raises(FloatingPointError):
            jnp.log(-jnp.ones(1))
    for state in (xf.debug_infs, xf.log_compiles, xf.default_matmul_precision,
                  xf.numpy_rank_promotion, xf.disable_jit):
        assert state.value == xf.config.read(state.name)


def test_disable_jit_runs_the_python_function_on_concrete_arrays():
    seen = []

    def f(x):
        seen.append(type(x))
        return jnp.logaddexp(x, 1.0) * 2

    with xf.disable_jit():
        out = xf.jit(f)(jnp.zeros(2))
        assert seen == [type(jnp.zeros(2))] and bool(out[0] > 0)  # concrete: Python control flow works
        assert float(xf.grad(lambda x: jnp.sin(x) * 2)(0.0)) == 2.0
    expected = 2 * onp.logaddexp(0.0, 1.0)
    onp.testing.assert_allclose(out, [expected, expected], rtol=1e-6)


def test_explain_cache_misses_logs_why_jit_traces_again(caplog):
    f = xf.jit(lambda x: x + 1)
    with State("explain_cache_misses")(True), caplog.at_level("WARNING", logger="xlafront"):
        f(jnp.ones(2))
        f(jnp.ones(3))
    messages = [r.getMessage() for r in caplog.records]
    assert any("TRACING CACHE MISS" in m and "first call" in m for m in messages)
    assert any("argument 0 changed from" in m and "f32[3]" in m for m in messages)


def test_no_tracing_refuses_to_trace_but_runs_what_is_compiled():
    f = xf.jit(lambda x: x * 2)
    two, five = jnp.ones(2), jnp.ones(5)
    f(two)
    with State("no_tracing")(True):
        onp.testing.assert_array_equal(f(two), [2.0, 2.0])
        with pytest.raises(RuntimeError, match="re-tracing function <lambda> for `jit`"):
            f(five)


def test_numpy_rank_promotion():
    a, b = jnp.ones((2, 3)), jnp.ones(3)
    f = xf.jit(lambda x, y: x + y)
    onp.testing.assert_array_equal(f(a, b), onp.full((2, 3), 2.0))  # allowed by default
    with State("numpy_rank_promotion")("raise"):
        with pytest.raises(ValueError, match=r"add on shapes \(2, 3\) \(3,\).*'raise'"):
            a + b
        with pytest.raises(ValueError, match="numpy_rank_promotion"):
            f(a, b)  # traced again under the new setting, not the cached program
        onp.testing.assert_array_equal(a + 1.0, onp.full((2, 3), 2.0))  # scalars are fine
    with State("numpy_rank_promotion")("warn"):
        with pytest.warns(UserWarning, match="automatic rank promotion for add"):
            a + b
