"""Convolutions, windowed reductions and jnp.convolve/correlate: the API around the
primitives (dimension numbers, padding strings, conv_transpose, shape helpers, pytree
reduce_window), JAX's errors, and a CNN training step under jit(grad). The primitives'
NumPy cases, gradients and vmaps are in op_records (CONVS, WINDOWS)."""
import numpy as onp
import pytest

from op_records import _np_conv, _np_reduce_window  # (registry snapshot first)
import xlafront as xf
import xlafront.numpy as np
from xlafront import lax
from xlafront.lax.convolution import (ConvDimensionNumbers, conv, conv_dimension_numbers,
                                      conv_general_dilated, conv_general_permutations,
                                      conv_general_shape_tuple, conv_shape_tuple,
                                      conv_transpose, conv_transpose_shape_tuple,
                                      conv_with_general_padding, padtype_to_pads)
from xlafront.lax.windowed_reductions import reduce_window, reduce_window_shape_tuple
from xlafront.numpy._signal import convolve, correlate
from xlafront.test_util import check_grads

from conftest import assert_close, rng_for

f32 = onp.dtype(onp.float32)


def _rand(shape, *key, dtype=f32):
    return rng_for("conv", shape, *key).uniform(-2, 2, shape).astype(dtype)


# ---------------------------------------------------------------------------------------
# dimension numbers, padding and shape helpers (values JAX documents)

def test_dimension_numbers():
    dn = conv_dimension_numbers((1, 5, 5, 2), (3, 3, 2, 4), ("NHWC", "HWIO", "NHWC"))
    assert dn == ConvDimensionNumbers((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
    assert conv_dimension_numbers((1, 2, 5), (3, 2, 3), None) == \
        ConvDimensionNumbers((0, 1, 2), (0, 1, 2), (0, 1, 2))
    assert conv_dimension_numbers((1, 2, 5), (3, 2, 3), dn) is not None
    assert conv_general_permutations(("NCHW", "OIHW", "NHWC")) == \
        ((0, 1, 2, 3), (0, 1, 2, 3), (0, 3, 1, 2))
    with pytest.raises(TypeError, match="must be length 3"):
        conv_dimension_numbers((1, 2, 5, 5), (3, 2, 3, 3), ("NCHW", "OIHW"))
    with pytest.raises(TypeError, match="same set of spatial characters"):
        conv_dimension_numbers((1, 2, 5, 5), (3, 2, 3, 3), ("NCHW", "OIHW", "NCHX"))
    with pytest.raises(TypeError, match="exactly once"):
        conv_dimension_numbers((1, 2, 5, 5), (3, 2, 3, 3), ("NNHW", "OIHW", "NCHW"))
    with pytest.raises(TypeError, match="len equal to the ndim"):
        conv_dimension_numbers((1, 2, 5, 5), (3, 2, 3, 3), ("NCH", "OIH", "NCH"))
    with pytest.raises(TypeError, match="ndim to be equal"):
        conv_dimension_numbers((1, 2, 5, 5), (3, 2, 3), None)


def test_padding_and_shapes():
    assert padtype_to_pads((5, 5), (3, 3), (2, 2), "SAME_LOWER") == [(1, 1), (1, 1)]
    assert padtype_to_pads((4, 5), (3, 2), (1, 2), "SAME") == [(1, 1), (0, 1)]
    assert padtype_to_pads((4, 5), (3, 2), (1, 2), "same_lower") == [(1, 1), (1, 0)]
    assert padtype_to_pads((4, 5), (3, 2), (1, 2), "VALID") == [(0, 0), (0, 0)]
    with pytest.raises(RuntimeError, match="Unrecognized padding type"):
        padtype_to_pads((4,), (3,), (1,), "FULL")
    assert conv_shape_tuple((1, 2, 5, 5), (3, 2, 3, 3), (2, 2), "SAME") == (1, 3, 3, 3)
    assert conv_general_shape_tuple((1, 2, 5, 5), (3, 2, 3, 3), (1, 1), "SAME",
                                    ("NCHW", "OIHW", "NCHW")) == (1, 3, 5, 5)
    assert conv_transpose_shape_tuple((1, 5, 5, 2), (3, 3, 2, 4), (2, 2), "SAME",
                                      ("NHWC", "HWIO", "NHWC")) == (1, 10, 10, 4)
    assert reduce_window_shape_tuple((4, 5), (2, 2), (1, 1), ((0, 0), (1, 1))) == (3, 6)


# ---------------------------------------------------------------------------------------
# conv_general_dilated and its wrappers

def test_against_scipy_correlate():
    signal = pytest.importorskip("scipy.signal")
    x, w = _rand((6, 7), "scipy-x"), _rand((3, 2), "scipy-w")
    got = conv(x[None, None], w[None, None], (1, 1), "VALID")[0, 0]
    assert_close(got, signal.correlate(x, w, mode="valid").astype(f32), rtol=1e-5, atol=1e-5)


def test_wrappers():
    x, w = _rand((2, 3, 6, 5), "wrap-x"), _rand((4, 3, 3, 2), "wrap-w")
    pads = ((1, 1), (0, 1))
    assert_close(conv(x, w, (1, 1), "SAME"),
                 _np_conv(x, w, (1, 1), pads).astype(f32), atol=1e-4)
    got = conv_with_general_padding(x, w, (2, 1), ((0, 1), (2, 0)), (1, 2), (2, 1))
    want = _np_conv(x, w, (2, 1), ((0, 1), (2, 0)), (1, 2), (2, 1))
    assert_close(got, want.astype(f32), atol=1e-4)
    # a ConvDimensionNumbers and spec strings name the same layout
    xh = onp.transpose(x, (0, 2, 3, 1))
    by_strings = conv_general_dilated(xh, w, (1, 1), "VALID",
                                      dimension_numbers=("NHWC", "OIHW", "NCHW"))
    dn = ConvDimensionNumbers((0, 3, 1, 2), (0, 1, 2, 3), (0, 1, 2, 3))
    assert_close(conv_general_dilated(xh, w, (1, 1), "VALID", dimension_numbers=dn),
                 onp.asarray(by_strings))
    assert_close(by_strings, _np_conv(x, w, (1, 1), ((0, 0), (0, 0))).astype(f32), atol=1e-4)


def test_precision_and_preferred_type():
    x, w = _rand((1, 2, 5), "prec-x"), _rand((3, 2, 3), "prec-w")
    for precision in ("highest", lax.Precision.HIGH, ("default", lax.Precision.HIGHEST)):
        assert_close(conv(x, w, (1,), "SAME", precision=precision),
                     onp.asarray(conv(x, w, (1,), "SAME")))
    eqn = xf.make_jaxpr(lambda a, b: conv(a, b, (1,), "SAME", "highest"))(x, w).jaxpr.eqns[0]
    assert eqn.params["precision"] == ("HIGHEST", "HIGHEST")
    xb, wb = x.astype(xf.numpy.bfloat16), w.astype(xf.numpy.bfloat16)
    assert conv(xb, wb, (1,), "SAME", preferred_element_type=f32).dtype == f32
    xi, wi = onp.ones((1, 2, 5), onp.int8), onp.ones((3, 2, 3), onp.int8)
    assert conv(xi, wi, (1,), "VALID", preferred_element_type=onp.float32).dtype == f32
    with pytest.raises(TypeError, match="incompatible with preferred_element_type"):
        conv(x, w, (1,), "SAME", preferred_element_type=onp.int32)
    with pytest.raises(TypeError, match="narrower"):
        conv(xi.astype(onp.int32), wi.astype(onp.int32), (1,), "VALID",
             preferred_element_type=onp.int8)


def test_errors_as_jax():
    x, w = onp.ones((1, 2, 5, 5), f32), onp.ones((3, 2, 3, 3), f32)
    with pytest.raises(RuntimeError, match="Unrecognized padding type"):
        conv(x, w, (1, 1), "FOO")
    with pytest.raises(ValueError, match="String padding is not implemented"):
        conv_general_dilated(x, w, (1, 1), "SAME", lhs_dilation=(2, 2))
    with pytest.raises(ValueError, match="sequence of \\(low, high\\) pairs"):
        conv_general_dilated(x, w, (1, 1), 3)
    with pytest.raises(TypeError, match="padding"):
        conv_general_dilated(x, w, (1, 1), [(1, 1)])
    with pytest.raises(ValueError, match="feature_group_count"):
        conv_general_dilated(x, w, (1, 1), "VALID", feature_group_count=2)
    with pytest.raises(ValueError, match="at most one of"):
        conv_general_dilated(onp.ones((4, 2, 5), f32), onp.ones((4, 1, 3), f32), (1,),
                             "VALID", feature_group_count=2, batch_group_count=2)
    with pytest.raises(TypeError, match="same dtypes"):
        conv(x, w.astype(onp.float16), (1, 1), "VALID")
    with pytest.raises(ValueError, match="same number of dimensions"):
        conv_general_dilated(x, onp.ones((3, 2, 3), f32), (1,), "VALID",
                             dimension_numbers=ConvDimensionNumbers((0, 1, 2), (0, 1, 2),
                                                                    (0, 1, 2)))
    with pytest.raises(TypeError, match="dilations must be positive"):
        conv_general_dilated(x, w, (1, 1), "VALID", rhs_dilation=(0, 1))
    with pytest.raises(ValueError, match="window_strides must be positive"):
        conv(x, w, (0, 1), "VALID")
    assert conv(x, onp.ones((3, 2, 7, 7), f32), (1, 1), "VALID").shape == (1, 3, 0, 0)


def test_conv_transpose():
    x, k = _rand((1, 5, 4, 2), "tr-x"), _rand((3, 3, 2, 3), "tr-k")
    dn = ("NHWC", "HWIO", "NHWC")
    for padding in ("SAME", "VALID", ((1, 1), (0, 2))):
        out = conv_transpose(x, k, (2, 2), padding)
        assert out.shape == conv_transpose_shape_tuple(x.shape, k.shape, (2, 2), padding, dn)
    # With transpose_kernel, conv_transpose is the gradient of the forward convolution
    # with respect to its input (JAX's documented use), for shapes that round-trip.
    y = _rand((1, 5, 4, 3), "tr-y")
    _, vjp = xf.vjp(lambda a: conv_general_dilated(a, k, (2, 2), "SAME", dimension_numbers=dn),
                    onp.zeros((1, 10, 8, 2), f32))
    assert_close(conv_transpose(y, k, (2, 2), "SAME", transpose_kernel=True),
                 onp.asarray(vjp(y)[0]), atol=1e-5)
    # use_consistent_padding reads explicit pairs as the forward convolution's padding
    _, vjp = xf.vjp(lambda a: conv_general_dilated(a, k, (1, 1), ((1, 1), (2, 0)),
                                                   dimension_numbers=dn),
                    onp.zeros((1, 5, 4, 2), f32))
    y = _rand((1, 5, 4, 3), "tr-y2")
    assert_close(conv_transpose(y, k, (1, 1), ((1, 1), (2, 0)), transpose_kernel=True,
                                use_consistent_padding=True),
                 onp.asarray(vjp(y)[0]), atol=1e-5)
    with pytest.raises(ValueError, match="same rank"):
        conv_transpose(x, k[0], (2, 2), "SAME")


def test_grouped_and_batched_convolutions_under_transforms(x64):
    # depthwise (feature_group_count = channels) under vmap of grad
    x, w = _rand((3, 2, 4, 6), "dw-x", dtype=onp.float64), _rand((4, 1, 3), "dw-w",
                                                                 dtype=onp.float64)

    def loss(x, w):
        return np.sum(conv_general_dilated(x, w, (1,), "SAME", feature_group_count=4) ** 2)

    per_example = xf.vmap(xf.grad(loss, argnums=1), in_axes=(0, None))(x, w)
    for i in range(3):
        assert_close(per_example[i], onp.asarray(xf.grad(loss, argnums=1)(x[i], w)))
    check_grads(loss, (x[0], w), order=2)


# ---------------------------------------------------------------------------------------
# reduce_window

def test_reduce_window_paths():
    x = _rand((4, 6), "rw")
    # lax.add / max / min with their identity take the monoid primitives, as in JAX
    for fn, init, prim in ((lax.add, 0.0, "reduce_window_sum"),
                           (lax.max, -onp.inf, "reduce_window_max"),
                           (lax.min, onp.inf, "reduce_window_min")):
        jaxpr = xf.make_jaxpr(lambda x: reduce_window(x, init, fn, (2, 2), (1, 1)))(x)
        assert [e.prim.name for e in jaxpr.jaxpr.eqns] == [prim]
    jaxpr = xf.make_jaxpr(lambda x: reduce_window(x, 1.0, lax.add, (2, 2), (1, 1)))(x)
    assert [e.prim.name for e in jaxpr.jaxpr.eqns] == ["reduce_window"]
    want = _np_reduce_window(onp.sum, lambda d: 0)(x, (2, 2), (1, 1), ((0, 0), (0, 0)),
                                                  (1, 1), (1, 1)) + 1.0
    assert_close(reduce_window(x, 1.0, lax.add, (2, 2), (1, 1)), want.astype(f32), atol=1e-5)
    # a body closing over a constant; default strides; lowercase padding
    scale = onp.float32(2.0)
    got = reduce_window(x, 0.0, lambda a, b: a + scale * b, (1, 3), padding="same")
    want = 2 * _np_reduce_window(onp.sum, lambda d: 0)(x, (1, 3), (1, 1), ((0, 0), (1, 1)),
                                                      (1, 1), (1, 1))
    assert_close(got, want.astype(f32), atol=1e-5)
    # a dict pytree of operands
    out = reduce_window({"a": x, "b": -x}, {"a": -onp.inf, "b": -onp.inf},
                        lambda p, q: {k: lax.max(p[k], q[k]) for k in p}, (2, 3), (2, 3))
    assert_close(out["b"], -onp.asarray(reduce_window(x, onp.inf, lax.min, (2, 3), (2, 3))))


def test_reduce_window_errors():
    x = onp.ones((4, 6), f32)
    with pytest.raises(ValueError, match="same tree structure"):
        reduce_window((x, x), 0.0, lax.add, (2, 2))
    with pytest.raises(TypeError, match="one entry per dimension"):
        reduce_window(x, 0.0, lax.add, (2,))
    with pytest.raises(TypeError, match="inconsistent dtypes"):
        reduce_window(x, onp.int32(1), lax.mul, (2, 2))
    with pytest.raises(TypeError, match="must return scalars"):
        reduce_window(x, 1.0, lambda a, b: (a * b).astype(np.int32), (2, 2))
    with pytest.raises(TypeError, match="must be positive"):
        reduce_window(x, 0.0, lax.add, (2, 2), (0, 1))
    x = _rand((6,), "rw-errors")
    # reverse mode is not defined for a generic body, nor for pooling with window dilation
    # (as in JAX); forward mode is
    with pytest.raises(NotImplementedError, match="reduce_window"):
        xf.grad(lambda x: np.sum(reduce_window(x, 1.0, lax.mul, (2,), (1,))))(x)
    xf.jvp(lambda x: reduce_window(x, 1.0, lax.mul, (2,), (1,)), (x,), (x,))
    with pytest.raises(NotImplementedError, match="window dilation"):
        xf.grad(lambda x: np.sum(reduce_window(x, -onp.inf, lax.max, (2,), (1,),
                                               window_dilation=(2,))))(x)


# ---------------------------------------------------------------------------------------
# a CNN training step: two 3x3 convolutions, ReLU, max pooling, a dense layer

def _cnn_loss(params, x, labels):
    w1, w2, dense = params
    dn = ("NHWC", "HWIO", "NHWC")
    h = np.maximum(conv_general_dilated(x, w1, (1, 1), "SAME", dimension_numbers=dn), 0)
    h = reduce_window(h, -np.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    h = np.maximum(conv_general_dilated(h, w2, (1, 1), "SAME", dimension_numbers=dn), 0)
    h = reduce_window(h, -np.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    logits = np.reshape(h, (h.shape[0], -1)) @ dense
    return np.mean((logits - labels) ** 2)


def test_cnn_training_step(x64):
    params = (_rand((3, 3, 1, 4), "w1", dtype=onp.float64),
              _rand((3, 3, 4, 4), "w2", dtype=onp.float64),
              _rand((16, 3), "dense", dtype=onp.float64))
    x = _rand((2, 8, 8, 1), "cnn-x", dtype=onp.float64)
    labels = _rand((2, 3), "cnn-y", dtype=onp.float64)
    step = xf.jit(xf.grad(_cnn_loss))
    grads = step(params, x, labels)
    eager = xf.grad(_cnn_loss)(params, x, labels)
    for g, e in zip(grads, eager):
        assert_close(g, onp.asarray(e))
    check_grads(lambda *p: _cnn_loss(p, x, labels), params, order=1, modes=("rev",))
    # per-example gradients
    per_example = xf.vmap(xf.grad(_cnn_loss), in_axes=(None, 0, 0))(params, x[:, None],
                                                                    labels[:, None])
    for i in range(2):
        one = xf.grad(_cnn_loss)(params, x[i:i + 1], labels[i:i + 1])
        assert_close(per_example[0][i], onp.asarray(one[0]))


# ---------------------------------------------------------------------------------------
# jnp.convolve / jnp.correlate

@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("sizes", [(5, 3), (3, 5), (4, 4), (6, 1), (1, 4)])
def test_convolve_correlate(sizes, mode):
    rng = rng_for("convolve", sizes, mode)
    a = (rng.uniform(-2, 2, sizes[0]) + 1j * rng.uniform(-2, 2, sizes[0])).astype(onp.complex64)
    v = (rng.uniform(-2, 2, sizes[1]) + 1j * rng.uniform(-2, 2, sizes[1])).astype(onp.complex64)
    for fn, ref in ((convolve, onp.convolve), (correlate, onp.correlate)):
        assert_close(fn(a, v, mode), ref(a, v, mode).astype(onp.complex64), atol=1e-5)
        assert_close(fn(a.real, v.real, mode), ref(a.real, v.real, mode), atol=1e-5)


def test_convolve_dtypes_and_errors():
    # JAX's documented values: integers are convolved in float32 unless a
    # preferred_element_type keeps them integral
    assert_close(convolve(onp.array([1, 2, 3]), onp.array([0, 1, 0.5]), "valid"),
                 onp.array([2.5], f32))
    assert_close(convolve(onp.arange(3), onp.arange(2)), onp.array([0, 0, 1, 2], f32))
    assert_close(convolve(onp.arange(3), onp.arange(2), preferred_element_type=onp.int32),
                 onp.array([0, 0, 1, 2], onp.int32))
    assert_close(correlate(onp.array([1, 2, 3, 2, 1]), onp.array([4, 5, 4]), "full"),
                 onp.array([4, 13, 26, 31, 26, 13, 4], f32))
    assert_close(xf.jit(lambda a, v: correlate(a, v, "same"))(
        onp.array([1., 2, 3, 4, 5], f32), onp.array([4., 5, 4], f32)),
        onp.array([13, 26, 39, 52, 41], f32))
    with pytest.raises(ValueError, match="only support 1-dimensional"):
        convolve(onp.ones((2, 2)), onp.ones(2))
    with pytest.raises(ValueError, match="cannot be empty"):
        correlate(onp.ones(0), onp.ones(2))
    with pytest.raises(ValueError, match="mode must be one of"):
        convolve(onp.ones(3), onp.ones(2), "circular")
    with pytest.raises(TypeError, match="requires ndarray"):
        convolve([1.0, 2.0], onp.ones(2))
