"""JAX's smaller top-level API (issue 10): typeof, Array, Device, float0,
ensure_compile_time_eval, named_scope/named_call, closure_convert, custom_gradient,
linear_transpose, fwd_and_bwd, ds, device and process helpers, the option states (working
ones and refused ones), the errors module, the placeholders of unsupported features and
install_as_jax. Expected values are NumPy's or written by hand from JAX's documentation."""
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as jnp
from xlafront import errors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(code, env_extra=None, cwd=None):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=300)


# ---------------------------------------------------------------------------------------
# typeof, Array, Device, float0

def test_typeof():
    assert xf.typeof(1.0) == xf.ShapedArray((), onp.float32, weak_type=True)
    assert xf.typeof(True) == xf.ShapedArray((), onp.bool_)
    assert xf.typeof(jnp.ones((2, 3), jnp.int32)) == xf.ShapedArray((2, 3), onp.int32)
    assert xf.typeof(onp.ones(4)) == xf.ShapedArray((4,), onp.float32)  # x64 off
    seen = []
    xf.jit(lambda x: seen.append(xf.typeof(x)) or x)(onp.ones((5,), onp.int8))
    assert seen == [xf.ShapedArray((5,), onp.int8)]
    with pytest.raises(TypeError):
        xf.typeof("a string")


def test_array_isinstance_holds_for_arrays_and_tracers_as_in_jax():
    assert isinstance(jnp.ones(3), xf.Array)
    assert not isinstance(onp.ones(3), xf.Array) and not isinstance(1.0, xf.Array)
    seen = []

    def f(x):
        seen.append(isinstance(x, xf.Array))
        return x * 2

    xf.jit(f)(1.0)
    xf.vmap(f)(jnp.ones(2))
    xf.grad(f)(1.0)
    assert seen == [True, True, True]


def test_device_and_float0():
    assert all(isinstance(d, xf.Device) for d in xf.devices())
    assert "Device" in dir(xf)
    assert xf.float0 == onp.dtype([("float0", onp.void, 0)])
    g = xf.grad(lambda x, y: x * y, argnums=(0, 1), allow_int=True)(2.0, 3)
    assert float(g[0]) == 3.0 and g[1].dtype == xf.float0 and g[1].shape == ()


# ---------------------------------------------------------------------------------------
# ensure_compile_time_eval

def test_ensure_compile_time_eval_runs_concrete_work_while_tracing():
    @xf.jit
    def f(x):
        with xf.ensure_compile_time_eval():
            y = jnp.sin(3.0)
            assert isinstance(y, type(jnp.ones(1)))  # a concrete Array, not a tracer
            positive = y > 0
            z = jnp.cos(x)  # traced values are staged as usual
        return z + 1 if positive else z - 1

    assert onp.allclose(f(0.5), onp.cos(0.5) + 1)

    def g(x):
        with xf.ensure_compile_time_eval():
            c = jnp.arange(3) * 2
        return x + c

    jaxpr = xf.make_jaxpr(g)(1.0)
    assert [e.prim.name for e in jaxpr.eqns] == ["convert_element_type", "add"]
    assert onp.allclose(xf.grad(lambda x: g(x).sum())(1.0), 3.0)
    assert onp.allclose(xf.vmap(g)(jnp.ones(2)), [[1, 3, 5], [1, 3, 5]])
    with xf.ensure_compile_time_eval():  # with no transformation it changes nothing
        assert float(jnp.sin(0.0)) == 0.0


# ---------------------------------------------------------------------------------------
# named_scope, named_call

def test_named_scope_and_named_call_name_the_operations_in_locations():
    def f(x):
        with xf.named_scope("outer"):
            with xf.named_scope("inner"):
                y = jnp.sin(x)
        return xf.named_call(lambda z: z * 2, name="mycall")(y)

    @xf.named_scope("deco")
    def h(x):
        return jnp.cos(x)

    text = xf.jit(f).lower(1.0).as_text(debug_info=True)
    assert 'loc("outer/inner/sin"' in text
    assert 'loc("mycall/mul"' in text
    assert 'loc("deco/cos' in xf.jit(h).lower(1.0).as_text(debug_info=True)
    assert float(f(0.0)) == 0.0  # the names change nothing else
    with pytest.raises(TypeError, match="must be a string"):
        xf.named_scope(3)


def test_named_call_defaults_to_the_function_name():
    def my_block(x):
        return x + 1

    text = xf.jit(xf.named_call(my_block)).lower(1.0).as_text(debug_info=True)
    assert 'loc("my_block/add"' in text


# ---------------------------------------------------------------------------------------
# closure_convert, custom_gradient

def test_closure_convert_hoists_traced_values():
    def make(w):
        return xf.closure_convert(lambda x: jnp.sin(x * w), 1.0)

    converted, hoisted = make(2.0)  # a concrete w stays closed over
    assert hoisted == [] and onp.allclose(converted(1.0), onp.sin(2.0))

    def loss(w):
        converted, hoisted = make(w)
        assert len(hoisted) == 1
        return converted(1.0, *hoisted)

    # d/dw sin(x w) at x = 1: cos(w)
    assert onp.allclose(xf.grad(loss)(2.0), onp.cos(2.0), rtol=1e-6)
    with pytest.raises(TypeError, match="same Pytree structure"):
        converted((1.0, 2.0))


def test_custom_gradient():
    @xf.custom_gradient
    def f(x):
        return x ** 2, lambda g: (g * x,)

    assert float(f(3.0)) == 9.0 and float(xf.grad(f)(3.0)) == 3.0  # JAX's documented example
    assert float(xf.jit(xf.grad(f))(3.0)) == 3.0
    assert onp.allclose(xf.vmap(xf.grad(f))(jnp.arange(3.0)), [0.0, 1.0, 2.0])

    @xf.custom_gradient
    def g(x, y):
        return x * y, lambda ct: (ct * y, ct * x)

    gx, gy = xf.grad(g, argnums=(0, 1))(3.0, 4.0)
    assert (float(gx), float(gy)) == (4.0, 3.0)


# ---------------------------------------------------------------------------------------
# linear_transpose, fwd_and_bwd

def test_linear_transpose():
    scalar = xf.ShapeDtypeStruct((), onp.float32)
    f_t = xf.linear_transpose(lambda x, y: 0.5 * x - 0.5 * y, scalar, scalar)
    a, b = f_t(1.0)
    assert (float(a), float(b)) == (0.5, -0.5) and a.dtype == onp.float32
    # the transpose of a sum over axis 0 broadcasts the cotangent back
    s_t = xf.linear_transpose(lambda x: jnp.sum(x, axis=0), onp.ones((2, 3), onp.float32))
    ct = onp.arange(3.0, dtype=onp.float32)
    (out,) = s_t(ct)
    onp.testing.assert_array_equal(out, onp.broadcast_to(ct, (2, 3)))
    (out,) = xf.jit(lambda f, c: f(c))(s_t, ct)  # a pytree: it passes through jit
    onp.testing.assert_array_equal(out, onp.broadcast_to(ct, (2, 3)))
    with pytest.raises(TypeError, match="cotangent type does not match"):
        s_t(onp.ones(4, onp.float32))
    with pytest.raises(TypeError, match="only supports"):
        xf.linear_transpose(lambda x: x.astype(jnp.int32), 1.0)
    with pytest.raises(NotImplementedError):
        xf.linear_transpose(lambda x: x, 1.0, reduce_axes=("i",))


def test_fwd_and_bwd():
    rng = onp.random.default_rng(0)
    x = rng.standard_normal((3, 4)).astype(onp.float32)
    w = rng.standard_normal((4, 2)).astype(onp.float32)
    ct = rng.standard_normal((3, 2)).astype(onp.float32)
    calls = []

    def f(x, w):
        calls.append(1)
        return x @ w

    fwd, bwd = xf.fwd_and_bwd(f, argnums=(0, 1))
    for _ in range(3):
        y, res = fwd(x, w)
        cx, cw = bwd(res, ct)
    assert len(calls) == 1  # jitted: traced once
    assert bwd._cache_size() == 1  # the backward pass compiled once
    onp.testing.assert_allclose(y, x @ w, rtol=1e-5)
    onp.testing.assert_allclose(cx, ct @ w.T, rtol=1e-5)
    onp.testing.assert_allclose(cw, x.T @ ct, rtol=1e-5)

    fwd, bwd = xf.fwd_and_bwd(lambda a: (jnp.sin(a), {"a": a}), argnums=0, has_aux=True,
                              jitted=False)
    y, res, aux = fwd(0.5)
    assert onp.allclose(y, onp.sin(0.5)) and float(aux["a"]) == 0.5
    assert onp.allclose(bwd(res, 1.0), onp.cos(0.5))
    assert onp.allclose(res(2.0)[0], 2 * onp.cos(0.5))  # the residuals are the pullback


# ---------------------------------------------------------------------------------------
# ds

def test_ds_builds_jax_slices():
    s = xf.ds(4, 2)
    assert (s.start, s.size, s.stride) == (4, 2, 1) and repr(s) == \
        "Slice(start=4, size=2, stride=1)"
    assert xf.ds(None) == slice(None)
    assert xf.ds(3) == xf.ds(0, 3)
    assert xf.ds(1, 3, 2).stride == 2
    with pytest.raises(ValueError, match="Non-static stride"):
        xf.ds(1, 2, jnp.int32(2))
    # a pytree: static ints are structure, traced values leaves
    leaves, tree = xf.tree_util.tree_flatten(xf.ds(1, 3))
    assert leaves == [] and xf.tree_util.tree_unflatten(tree, []) == xf.ds(1, 3)
    out = xf.jit(lambda i: xf.ds(i, 2))(jnp.int32(5))
    assert int(out.start) == 5 and out.size == 2


# ---------------------------------------------------------------------------------------
# Devices, processes, arrays from per-device data

def test_process_helpers():
    assert xf.process_indices() == [0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert (xf.host_count(), xf.host_id(), xf.host_ids()) == (1, 0, [0])
    assert len(caught) == 3 and all("renamed" in str(w.message) for w in caught)


def test_live_arrays_copy_to_host_async_and_effects_barrier():
    x = jnp.arange(3.0) + 7
    assert any(a is x for a in xf.live_arrays())
    tree = {"a": x, "b": 1}
    assert xf.copy_to_host_async(tree) is tree
    xf.effects_barrier()
    onp.testing.assert_array_equal(x, [7.0, 8.0, 9.0])


def test_make_array_from_callback():
    device = xf.devices()[0]
    sharding = xf.device_put(jnp.zeros(1), device).sharding
    indices = []
    data = onp.arange(6.0).reshape(2, 3)
    a = xf.make_array_from_callback((2, 3), sharding, lambda i: indices.append(i) or data[i])
    assert indices == [(slice(None), slice(None))]  # one device: all of it
    onp.testing.assert_array_equal(a, data)
    assert a.dtype == onp.float32 and a.committed and a.devices() == {device}
    with pytest.raises(ValueError, match="shard shape"):
        xf.make_array_from_callback((2, 2), sharding, lambda i: data)
    with pytest.raises(ValueError, match="must match the dtype"):
        xf.make_array_from_callback((2, 3), sharding, lambda i: data, dtype=jnp.int32)
    with pytest.raises(TypeError, match="sharding should be"):
        xf.make_array_from_callback((2, 3), device, lambda i: data)


def test_make_array_from_single_device_arrays_and_process_local_data():
    sharding = jnp.zeros(1).sharding
    b = xf.make_array_from_single_device_arrays((3,), sharding, [jnp.arange(3)])
    onp.testing.assert_array_equal(b, [0, 1, 2])
    assert b.committed
    with pytest.raises(ValueError, match="shard shape"):
        xf.make_array_from_single_device_arrays((4,), sharding, [jnp.arange(3)])
    with pytest.raises(ValueError, match="Expected 1 per-device arrays"):
        xf.make_array_from_single_device_arrays((3,), sharding, [jnp.arange(3)] * 2)
    c = xf.make_array_from_process_local_data(sharding, onp.ones((2, 2)))
    assert c.dtype == onp.float32 and c.committed and c.shape == (2, 2)
    xf.make_array_from_process_local_data(sharding, onp.ones((2, 2)), (2, 2))
    with pytest.raises(ValueError, match="global_shape"):
        xf.make_array_from_process_local_data(sharding, onp.ones((2, 2)), (4, 2))


def test_print_environment_info(capsys):
    text = xf.print_environment_info(return_string=True)
    assert f"numpy:    {onp.__version__}" in text and "jaxlib:" in text
    assert f"process_count: 1" in text
    assert xf.print_environment_info() is None
    assert "xlafront:" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------
# Option states

# JAX 0.10.2's defaults for the states xlafront adds
_DEFAULTS = {
    "allow_f16_reductions": True, "array_garbage_collection_guard": None, "auto_pcast": True,
    "check_tracer_leaks": False, "debug_key_reuse": False, "default_device": None,
    "default_prng_impl": "threefry2x32", "enable_checks": False, "enable_custom_prng": False,
    "explain_cache_misses": False, "jax2tf_associative_scan_reductions": False,
    "legacy_prng_key": "allow", "no_execution": False, "no_tracing": False,
    "numpy_dtype_promotion": "standard", "remove_size_one_mesh_axis_from_type": False,
    "softmax_custom_jvp": False, "thread_guard": False, "threefry_partitionable": True,
    "transfer_guard_device_to_device": None, "transfer_guard_device_to_host": None,
    "transfer_guard_host_to_device": None,
}

# options that refuse any value but their default, with one such value each
_REFUSED = {
    "allow_f16_reductions": False, "auto_pcast": False, "check_tracer_leaks": True,
    "debug_key_reuse": True, "default_prng_impl": "rbg", "enable_checks": True,
    "enable_custom_prng": True,
    "jax2tf_associative_scan_reductions": True, "legacy_prng_key": "error",
    "no_execution": True, "numpy_dtype_promotion": "strict",
    "remove_size_one_mesh_axis_from_type": True,
    "threefry_partitionable": False,
}


def test_option_states_have_jax_defaults():
    for name, default in _DEFAULTS.items():
        assert getattr(xf, name).value == default, name
        assert getattr(xf.config, name) == default


@pytest.mark.parametrize("name", sorted(_REFUSED))
def test_unsupported_options_refuse_other_values(name):
    value = _REFUSED[name]
    with pytest.raises(NotImplementedError, match=f"{name}={value!r} is not supported"):
        xf.config.update(f"jax_{name}", value)
    with pytest.raises(NotImplementedError):
        with getattr(xf, name)(value):
            pass
    assert xf.config.read(name) == _DEFAULTS[name]
    xf.config.update(name, _DEFAULTS[name])  # the default is accepted


def test_option_values_are_checked():
    with pytest.raises(ValueError, match="must be one of"):
        xf.config.update("jax_transfer_guard", "sometimes")
    with pytest.raises(ValueError, match="must be one of"):
        xf.config.update("default_prng_impl", "mersenne")
    with pytest.raises(NotImplementedError, match="check_tracer_leaks"):
        with xf.checking_leaks():
            pass


def test_transfer_guard_refuses_implicit_host_to_device_copies():
    f = xf.jit(lambda x: x + 1)
    on_device = jnp.ones(3)
    with xf.transfer_guard("disallow"):
        assert xf.config.transfer_guard_host_to_device == "disallow"
        with pytest.raises(errors.JaxRuntimeError, match="Disallowed host-to-device"):
            f(onp.ones(3))
        onp.testing.assert_array_equal(xf.device_put(onp.ones(2)), [1.0, 1.0])  # explicit
        onp.testing.assert_array_equal(f(on_device), [2.0, 2.0, 2.0])
        onp.testing.assert_array_equal(xf.device_get(on_device), [1.0, 1.0, 1.0])
    assert xf.config.transfer_guard_host_to_device is None
    onp.testing.assert_array_equal(f(onp.ones(3)), [2.0, 2.0, 2.0])
    with xf.transfer_guard_host_to_device("disallow_explicit"):
        with pytest.raises(errors.JaxRuntimeError):
            xf.device_put(onp.ones(2))
    with xf.array_garbage_collection_guard("allow"), xf.thread_guard(True):
        assert xf.array_garbage_collection_guard.value == "allow"


def test_default_device():
    device = xf.devices()[0]
    with xf.default_device(device):
        assert (jnp.ones(2) + 1).devices() == {device}
        assert xf.device_put(onp.ones(2)).devices() == {device}
    with xf.default_device("cpu"):
        assert xf.jit(lambda x: x * 2)(onp.ones(2)).devices() == {xf.devices("cpu")[0]}
    assert xf.default_device.value is None
    with pytest.raises(ValueError, match="Device object"):
        xf.config.update("jax_default_device", 3)


def test_default_device_moves_new_arrays_and_jit_to_another_device():
    result = _run("""
        import numpy as onp
        import xlafront as xf, xlafront.numpy as jnp
        d0, d1 = xf.devices()
        f = xf.jit(lambda x: x * 2)
        assert f(onp.ones(2)).devices() == {d0}
        with xf.default_device(d1):
            assert (jnp.ones(2) + 1).devices() == {d1}
            assert f(onp.ones(2)).devices() == {d1}  # recompiled for d1, not the cached d0
        assert f(onp.ones(2)).devices() == {d0}
        x1 = xf.device_put(jnp.arange(3.0), d1)  # committed: computations follow it
        assert x1.committed and jnp.sin(x1).devices() == {d1} and f(x1).devices() == {d1}
        print("ok")
        """, {"XLA_FLAGS": "--xla_force_host_platform_device_count=2"})
    assert result.stdout.strip() == "ok", result.stderr[-2000:]


# ---------------------------------------------------------------------------------------
# Errors

def test_error_classes_follow_jax():
    # the hierarchy of jax.errors in JAX 0.10.2
    assert issubclass(errors.ConcretizationTypeError, errors.JAXTypeError)
    assert issubclass(errors.TracerBoolConversionError, errors.ConcretizationTypeError)
    for cls in (errors.TracerIntegerConversionError, errors.TracerArrayConversionError,
                errors.UnexpectedTracerError, errors.KeyReuseError):
        assert issubclass(cls, errors.JAXTypeError)
        assert not issubclass(cls, errors.ConcretizationTypeError)
    assert issubclass(errors.NonConcreteBooleanIndexError, errors.JAXIndexError)
    assert issubclass(errors.JAXIndexError, IndexError)
    assert issubclass(errors.JaxprTypeError, TypeError)
    assert issubclass(errors.JaxRuntimeError, RuntimeError)
    assert set(errors.__all__) <= set(dir(errors))
    # as JAX: int() of a tracer is a ConcretizationTypeError, using it as an index (which
    # calls __index__) a TracerIntegerConversionError
    with pytest.raises(errors.ConcretizationTypeError):
        xf.jit(lambda n: jnp.zeros(3)[: int(n)])(2)
    with pytest.raises(errors.TracerIntegerConversionError):
        xf.jit(lambda n: [1, 2][n])(1)


# ---------------------------------------------------------------------------------------
# Names of features xlafront does not have yet

def test_unsupported_features_import_and_raise_on_use():
    from xlafront import NamedSharding, P, Ref, make_mesh, shard_map  # noqa: F401
    with pytest.raises(NotImplementedError, match="xlafront.P is not supported yet"):
        P("x", None)
    with pytest.raises(NotImplementedError, match="make_mesh"):
        make_mesh((1,), ("x",))
    with pytest.raises(NotImplementedError, match="mutable array references"):
        xf.new_ref(jnp.zeros(2))
    with pytest.raises(NotImplementedError):
        NamedSharding.spec
    with pytest.raises(NotImplementedError):
        class Subclass(Ref):  # noqa: F841
            pass
    assert not isinstance(jnp.ones(2), NamedSharding)
    for name in ("Shard", "set_mesh", "reshard", "smap", "empty_ref", "free_ref", "freeze",
                 "memory", "make_user_context", "ad"):
        with pytest.raises(NotImplementedError):
            getattr(xf, name)()


# ---------------------------------------------------------------------------------------
# install_as_jax

def test_install_as_jax_runs_a_library_written_for_jax(tmp_path):
    lib = tmp_path / "jaxlib_user"
    lib.mkdir()
    (lib / "__init__.py").write_text(textwrap.dedent("""
        import jax
        import jax.numpy as jnp
        from jax import lax, tree_util
        import jax.tree_util as jtu

        def loss(params, x):
            return jnp.sum(jnp.tanh(x @ params["w"]) + params["b"])

        grad_loss = jax.jit(jax.grad(loss))

        def count(tree):
            return len(tree_util.tree_leaves(tree)) + len(jtu.tree_leaves(tree))

        def cumsum(x):
            return lax.cumsum(x)
        """))
    result = _run("""
        import sys
        import xlafront
        jax_module = xlafront.install_as_jax()
        import jax, jax.numpy as jnp, jaxlib
        import jax.custom_batching, jax.flatten_util, jax.stages, jax.typing, jax.errors
        import jaxlib_user
        assert jax is jax_module and xlafront.install_as_jax() is jax
        assert jax.__version__ == "0.10.2" and xlafront.__version__ != "0.10.2"
        assert jax.numpy is xlafront.numpy and jnp is xlafront.numpy
        assert jax.lax is xlafront.lax and sys.modules["jax.tree_util"] is xlafront.tree_util
        assert xlafront.numpy.__spec__.name == "xlafront.numpy"  # its identity is kept
        assert jax.errors.ConcretizationTypeError is xlafront.errors.ConcretizationTypeError
        assert jaxlib.__name__ == "jaxlib"
        assert not jaxlib.__file__.startswith(xlafront.__path__[0])  # the real jaxlib
        g = jaxlib_user.grad_loss({"w": jnp.ones((3, 2)), "b": 0.5}, jnp.ones((1, 3)))
        print(float(g["b"]), jaxlib_user.count({"a": 1, "b": (2, 3)}),
              jaxlib_user.cumsum(jnp.arange(4)).tolist())
        try:
            import jax.no_such_module
        except ModuleNotFoundError as e:
            print("missing:", e.name)
        """, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    # d/db sum(tanh(x w) + b) over a (1, 2) output is 2
    assert result.stdout.splitlines() == ["2.0 6 [0, 1, 3, 6]", "missing: jax.no_such_module"]
