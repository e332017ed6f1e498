"""Host callbacks (callback.py, debug.py, experimental.io_callback): the Python function runs
on the host with NumPy values, eagerly and inside jit, vmap (per vmap_method), grad and
loops; bad results and exceptions reach the caller clearly; the runtime keeps working."""
import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as jnp
from xlafront import lax
from xlafront.experimental import io_callback
from xlafront.runtime import persistent_cache

S = xf.ShapeDtypeStruct


def sine(x):
    return xf.pure_callback(onp.sin, S(x.shape, x.dtype), x)


@pytest.mark.parametrize("wrap", [lambda f: f, xf.jit], ids=["eager", "jit"])
def test_pure_callback_computes_on_the_host(wrap):
    x = onp.array([0.0, 0.5, 1.0], onp.float32)
    onp.testing.assert_allclose(wrap(sine)(x), onp.sin(x), rtol=1e-6)


def test_pure_callback_pytrees_and_keywords():
    def host(pair, *, scale):
        a, b = pair
        assert isinstance(a, onp.ndarray) and isinstance(b, onp.ndarray)
        return {"sum": a + b, "scaled": a * scale}

    def f(a, b):
        spec = {"sum": S((2,), jnp.float32), "scaled": S((2,), jnp.float32)}
        return xf.pure_callback(host, spec, (a, b), scale=3.0)

    out = xf.jit(f)(jnp.ones(2), jnp.full(2, 2.0))
    onp.testing.assert_array_equal(out["sum"], [3.0, 3.0])
    onp.testing.assert_array_equal(out["scaled"], [3.0, 3.0])


def test_float64_result_is_canonicalized_with_x64_off():
    f = lambda x: xf.pure_callback(lambda v: onp.asarray(v, onp.float64) * 2, S((), jnp.float32), x)
    assert float(xf.jit(f)(1.5)) == 3.0


def test_unused_pure_callback_is_dropped_but_io_callback_is_not():
    calls = []

    def pure_unused(x):
        xf.pure_callback(lambda v: calls.append("pure") or v, S((), x.dtype), x)
        io_callback(lambda v: calls.append("io"), None, x)
        return x + 1

    assert float(xf.jit(pure_unused)(1.0)) == 2.0
    assert calls == ["io"]


@pytest.mark.parametrize("method", ["sequential", "sequential_unrolled"])
def test_vmap_sequential_calls_once_per_example(method):
    shapes = []

    def host(v, w):
        shapes.append((v.shape, w.shape))
        return v * w

    f = lambda x, y: xf.pure_callback(host, S((), x.dtype), x, y, vmap_method=method)
    out = xf.jit(xf.vmap(f, in_axes=(0, None)))(jnp.arange(3.0), jnp.float32(2.0))
    onp.testing.assert_array_equal(out, [0.0, 2.0, 4.0])
    assert shapes == [((), ())] * 3


@pytest.mark.parametrize("method, y_shape", [("expand_dims", (1, 2)), ("broadcast_all", (3, 2))])
def test_vmap_vectorized_methods_pass_the_batch_to_one_call(method, y_shape):
    shapes = []

    def host(v, w):
        shapes.append((v.shape, w.shape))
        return v + w

    f = lambda x, y: xf.pure_callback(host, S((2,), x.dtype), x, y, vmap_method=method)
    x, y = onp.arange(6.0, dtype=onp.float32).reshape(3, 2), onp.ones(2, onp.float32)
    onp.testing.assert_array_equal(xf.vmap(f, in_axes=(0, None))(x, y), x + y)
    assert shapes == [((3, 2), y_shape)]


def test_vmap_without_a_method_and_bad_methods_raise():
    f = lambda x: xf.pure_callback(onp.sin, S((), x.dtype), x)
    with pytest.raises(NotImplementedError, match="vmap_method"):
        xf.vmap(f)(jnp.ones(3))
    with pytest.raises(ValueError, match="vmap_method must be one of"):
        xf.pure_callback(onp.sin, S((), jnp.float32), 1.0, vmap_method="parallel")


def test_pure_callback_is_not_differentiable():
    with pytest.raises(ValueError, match="custom_jvp"):
        xf.grad(sine)(1.0)


def test_wrong_results_name_expected_and_received():
    bad_shape = lambda x: xf.pure_callback(lambda v: onp.ones(3, onp.int32), S((2,), x.dtype), x)
    for run in (bad_shape, xf.jit(bad_shape)):
        with pytest.raises(ValueError, match=r"returned ShapeDtypeStruct\(shape=\(3,\), "
                           r"dtype=int32\) for result 0, but result_shape_dtypes expects "
                           r"ShapeDtypeStruct\(shape=\(2,\), dtype=float32\)"):
            run(jnp.ones(2))
    too_many = lambda x: xf.pure_callback(lambda v: (v, v), S((), x.dtype), x)
    with pytest.raises(ValueError, match="returned 2 values"):
        xf.jit(too_many)(1.0)
    with pytest.raises(TypeError, match="result_shape_dtypes"):
        xf.pure_callback(onp.sin, 3, 1.0)


@pytest.mark.parametrize("wrap", [lambda f: f, xf.jit], ids=["eager", "jit"])
def test_an_exception_in_the_callback_reaches_the_caller(wrap):
    def host(v):
        raise KeyError("no such key")

    f = lambda x: xf.pure_callback(host, S((), jnp.float32), x)
    with pytest.raises(KeyError, match="no such key"):
        wrap(f)(1.0)
    onp.testing.assert_allclose(wrap(sine)(jnp.zeros(2)), [0.0, 0.0])  # still working
    assert float(xf.jit(lambda x: x * 3)(2.0)) == 6.0


def test_programs_with_callbacks_are_not_stored_on_disk():
    writes = persistent_cache.stats["writes"]
    xf.jit(lambda x: sine(x) * 7.25)(jnp.ones(2))
    assert persistent_cache.stats["writes"] == writes


def test_io_callback_results_and_order():
    log = []

    def record(tag):
        def host(v):
            log.append((tag, float(v)))
            return onp.float32(v * 10)
        return host

    @xf.jit
    def f(x):
        a = io_callback(record("a"), S((), jnp.float32), x, ordered=True)
        b = io_callback(record("b"), S((), jnp.float32), x + 1, ordered=True)
        return a + b

    assert float(f(1.0)) == 30.0
    assert log == [("a", 1.0), ("b", 2.0)]


def test_io_callback_under_vmap_and_grad():
    seen = []
    f = lambda x: io_callback(lambda v: seen.append(float(v)) or v, S((), x.dtype), x)
    onp.testing.assert_array_equal(xf.vmap(f)(jnp.arange(3.0)), [0.0, 1.0, 2.0])
    assert sorted(seen) == [0.0, 1.0, 2.0]
    ordered = lambda x: io_callback(lambda v: v, S((), x.dtype), x, ordered=True)
    with pytest.raises(ValueError, match="ordered"):
        xf.vmap(ordered)(jnp.arange(3.0))
    with pytest.raises(ValueError, match="differentiated"):
        xf.grad(f)(1.0)


def test_debug_callback_in_jit_vmap_grad_and_loops():
    seen = []
    record = lambda v: seen.append(onp.asarray(v).tolist())
    xf.jit(lambda x: xf.debug.callback(record, x))(jnp.arange(2))
    assert seen == [[0, 1]]
    seen.clear()
    xf.vmap(lambda x: xf.debug.callback(record, x))(jnp.arange(3))
    assert seen == [0, 1, 2]
    seen.clear()
    assert float(xf.grad(lambda x: (xf.debug.callback(record, x), x * x)[1])(3.0)) == 6.0
    assert seen == [3.0]
    seen.clear()
    lax.fori_loop(0, 3, lambda i, c: (xf.debug.callback(record, i), c + i)[1], 0)
    assert seen == [0, 1, 2]


def test_debug_print(capsys):
    xf.jit(lambda x: xf.debug.print("x = {} and y = {y}", x, y=x + 1))(jnp.arange(2))
    xf.debug.print("eager {}", 1.5)
    xf.vmap(lambda x: xf.debug.print("ex {x}", x=x, ordered=True))(jnp.arange(2))
    assert capsys.readouterr().out == "x = [0 1] and y = [1 2]\neager 1.5\nex 0\nex 1\n"
    with pytest.raises(TypeError, match="format must be a str"):
        xf.debug.print(3)
    with pytest.raises(NotImplementedError, match="breakpoint"):
        xf.debug.breakpoint()


def test_debug_print_two_call_form_and_log(capsys, caplog):
    xf.jit(lambda x: xf.debug.print(ordered=True)("two-call {x}", x=x))(jnp.arange(2))
    assert capsys.readouterr().out == "two-call [0 1]\n"
    with pytest.raises(TypeError, match="two-call form"):
        xf.debug.print(None, 1)
    with caplog.at_level("INFO", logger="xlafront.debug"):
        xf.jit(lambda x: xf.debug.log("logged {}", x))(jnp.ones(1))
    assert [r.getMessage() for r in caplog.records] == ["logged [1.]"]
    for name in ("visualize_sharding", "inspect_array_sharding"):
        with pytest.raises(NotImplementedError, match="shardings"):
            getattr(xf.debug, name)(jnp.ones(1))
