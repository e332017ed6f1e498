"""xlafront.nn as JAX's jax.nn: activations, softmax / log_softmax / logsumexp, one_hot,
standardize, dot_product_attention (masks, bias, causal, GQA, padding, windows), the
block-scaled products and nn.initializers. Expected values come from NumPy in float64, or
are JAX's documented behaviour written as literals (derivatives at kinks, dtypes)."""
import math

import numpy as onp
import pytest

import xlafront as xf
import xlafront.nn as nn
import xlafront.numpy as xnp
import xlafront.random as random
from xlafront.nn import functions as nn_functions
from xlafront.test_util import check_grads

from conftest import assert_close, bfloat16, rng_for

# ---------------------------------------------------------------------------------------
# NumPy float64 references

_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
_erfc = onp.vectorize(math.erfc)


def _sigmoid(x):
    return 1 / (1 + onp.exp(-x))


def _hard_sigmoid(x):
    return onp.clip(x + 3, 0, 6) / 6


def _gelu_tanh(x):
    return 0.5 * x * (1 + onp.tanh(onp.sqrt(2 / onp.pi) * (x + 0.044715 * x ** 3)))


REFS = {
    "relu": lambda x: onp.maximum(x, 0),
    "relu6": lambda x: onp.clip(x, 0, 6),
    "sigmoid": _sigmoid,
    "softplus": lambda x: onp.logaddexp(x, 0),
    "sparse_plus": lambda x: onp.where(x <= -1, 0, onp.where(x >= 1, x, (x + 1) ** 2 / 4)),
    "sparse_sigmoid": lambda x: onp.clip((x + 1) / 2, 0, 1),
    "soft_sign": lambda x: x / (onp.abs(x) + 1),
    "silu": lambda x: x * _sigmoid(x),
    "swish": lambda x: x * _sigmoid(x),
    "log_sigmoid": lambda x: -onp.logaddexp(-x, 0),
    "leaky_relu": lambda x: onp.where(x >= 0, x, 0.01 * x),
    "hard_tanh": lambda x: onp.clip(x, -1, 1),
    "hard_sigmoid": _hard_sigmoid,
    "hard_silu": lambda x: x * _hard_sigmoid(x),
    "hard_swish": lambda x: x * _hard_sigmoid(x),
    "elu": lambda x: onp.where(x > 0, x, onp.expm1(onp.minimum(x, 0))),
    "celu": lambda x: onp.where(x > 0, x, onp.expm1(onp.minimum(x, 0))),
    "selu": lambda x: _SELU_SCALE * onp.where(x > 0, x, _SELU_ALPHA * onp.expm1(onp.minimum(x, 0))),
    "gelu": _gelu_tanh,
    "squareplus": lambda x: (x + onp.sqrt(x * x + 4)) / 2,
    "mish": lambda x: x * onp.tanh(onp.logaddexp(x, 0)),
    "identity": lambda x: x,
    "tanh": onp.tanh,
}
ELEMENTWISE = sorted(REFS)
# smooth everywhere (the others are checked away from their kinks, and at them below)
SMOOTH = ["celu", "elu", "gelu", "log_sigmoid", "mish", "selu", "sigmoid", "silu",
          "soft_sign", "softplus", "squareplus", "swish", "tanh"]
# the activations that keep an int32 input's dtype; sigmoid and silu reject integers
# (lax.logistic takes floating types only); all others compute in float32
INT_KEEPS = {"relu", "hard_tanh", "identity"}
INT_REJECTS = {"sigmoid", "silu", "swish"}


def _points(n=40, lo=-7.0, hi=7.0, seed="act"):
    return rng_for(seed).uniform(lo, hi, n)


# ---------------------------------------------------------------------------------------
# Activations

@pytest.mark.parametrize("name", ELEMENTWISE)
def test_activation_values_match_numpy(name):
    x = _points()
    f, want = getattr(nn, name), REFS[name](x)
    assert_close(f(x.astype(onp.float32)), want, onp.float32, rtol=2e-5, atol=2e-6)
    assert_close(xf.jit(f)(x.astype(onp.float32)), want, onp.float32, rtol=2e-5, atol=2e-6)
    assert_close(xf.vmap(f)(xnp.asarray(x.reshape(4, 10), xnp.float32)), want.reshape(4, 10),
                 onp.float32, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_activation_dtypes(name):
    f = getattr(nn, name)
    ints = onp.array([1, 2, -3, 4], onp.int32)
    if name in INT_REJECTS:
        with pytest.raises(TypeError):
            f(ints)
    else:
        want = onp.int32 if name in INT_KEEPS else onp.float32
        assert_close(f(ints), REFS[name](ints.astype(onp.float64)), want, rtol=1e-6, atol=1e-6)
    for dtype in (onp.float16, bfloat16):
        x = onp.array([-2.5, -0.5, 0.5, 3.0], dtype)
        assert_close(f(x), REFS[name](x.astype(onp.float64)), dtype)


def test_activations_keep_float64_with_x64(x64):
    x = _points(8)
    for name in ("gelu", "softplus", "relu6", "sigmoid", "selu"):
        assert_close(getattr(nn, name)(x), REFS[name](x), onp.float64, rtol=1e-12, atol=1e-14)


def test_activation_parameters():
    x = _points(16)
    assert_close(nn.elu(x.astype(onp.float32), 0.5),
                 onp.where(x > 0, x, 0.5 * onp.expm1(onp.minimum(x, 0))), onp.float32)
    assert_close(nn.celu(x.astype(onp.float32), 0.5),
                 onp.maximum(x, 0) + 0.5 * onp.expm1(onp.minimum(x, 0) / 0.5), onp.float32)
    assert_close(nn.leaky_relu(x.astype(onp.float32), negative_slope=0.2),
                 onp.where(x >= 0, x, 0.2 * x), onp.float32)
    assert_close(nn.squareplus(x.astype(onp.float32), b=1),
                 (x + onp.sqrt(x * x + 1)) / 2, onp.float32)
    exact = x * 0.5 * _erfc(-x / onp.sqrt(2))
    assert_close(nn.gelu(x.astype(onp.float32), approximate=False), exact, onp.float32,
                 rtol=2e-5, atol=2e-6)
    assert_close(xf.jit(nn.gelu, static_argnames="approximate")(
        x.astype(onp.float32), approximate=False), exact, onp.float32, rtol=2e-5, atol=2e-6)
    # elu's unused exp branch never overflows into a NaN gradient
    assert_close(xf.grad(nn.elu)(100.0), onp.float32(1.0))


@pytest.mark.parametrize("name", SMOOTH)
def test_activation_gradients(name):
    x = xnp.asarray(_points(6, -3, 3, name), xnp.float32)
    check_grads(getattr(nn, name), (x,), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name", sorted(set(ELEMENTWISE) - set(SMOOTH)))
def test_piecewise_activation_gradients_away_from_kinks(name):
    x = _points(30)
    x = x[onp.min(onp.abs(x[:, None] - onp.array([-3, -1, 0, 1, 3, 6])), axis=1) > 1e-2]
    eps = 1e-6  # central differences of the float64 reference
    want = (REFS[name](x + eps) - REFS[name](x - eps)) / (2 * eps)
    got = xf.vmap(xf.grad(getattr(nn, name)))(x.astype(onp.float32))
    assert_close(got, want, onp.float32, rtol=1e-4, atol=1e-5)


def test_derivatives_at_kinks_are_jax_choices():
    # JAX: relu'(0) = 0 and relu6'(0) = relu6'(6) = 0 (custom_jvp rules); the others follow
    # from their jnp.where formulas (x >= 0 picks the linear branch of leaky_relu ...)
    x = onp.array([-6.0, -3.0, -1.0, 0.0, 1.0, 3.0, 6.0], onp.float32)
    expected = {
        "relu": [0, 0, 0, 0, 1, 1, 1],
        "relu6": [0, 0, 0, 0, 1, 1, 0],
        "leaky_relu": [0.01, 0.01, 0.01, 1, 1, 1, 1],
        "hard_tanh": [0, 0, 1, 1, 1, 0, 0],
        "hard_sigmoid": [0, 0, 1 / 6, 1 / 6, 1 / 6, 0, 0],
        "sparse_plus": [0, 0, 0, 0.5, 1, 1, 1],
        "elu": [onp.exp(-6), onp.exp(-3), onp.exp(-1), 1, 1, 1, 1],
    }
    for name, want in expected.items():
        f = getattr(nn, name)
        assert_close(xf.vmap(xf.grad(f))(x), onp.array(want), onp.float32, rtol=1e-6)
        assert_close(xf.jit(xf.vmap(xf.grad(f)))(x), onp.array(want), onp.float32, rtol=1e-6)
    # forward mode uses the same rules
    _, t = xf.jvp(nn.relu, (xnp.zeros(3),), (xnp.ones(3),))
    assert_close(t, onp.zeros(3, onp.float32))


def test_glu():
    x = rng_for("glu").normal(size=(4, 6))
    a, b = x[:, :3], x[:, 3:]
    assert_close(nn.glu(x.astype(onp.float32)), a * _sigmoid(b), onp.float32)
    assert_close(nn.glu(x.astype(onp.float32), axis=0), x[:2] * _sigmoid(x[2:]), onp.float32)
    assert_close(xf.vmap(nn.glu)(x.astype(onp.float32)), a * _sigmoid(b), onp.float32)
    check_grads(nn.glu, (xnp.asarray(x[:, :4], xnp.float32),), order=1)
    with pytest.raises(ValueError, match="divisible by 2"):
        nn.glu(onp.ones((2, 3), onp.float32))


def test_log1mexp():
    x = onp.array([1e-3, 0.1, 0.5, 0.69, 0.7, 1.0, 5.0, 30.0])
    assert_close(nn.log1mexp(x.astype(onp.float32)), onp.log(-onp.expm1(-x)), onp.float32,
                 rtol=1e-5)
    # the derivative is JAX's custom rule 1 / expm1(x)
    assert_close(xf.vmap(xf.grad(nn.log1mexp))(x.astype(onp.float32)), 1 / onp.expm1(x),
                 onp.float32, rtol=1e-5)
    check_grads(nn.log1mexp, (xnp.asarray([0.3, 1.0, 2.0]),), order=2)
    assert onp.isnan(float(nn.log1mexp(-1.0)))


def test_jit_and_vmap_of_the_reductions():
    # each function jitted whole, and vmapped over a leading axis, against NumPy
    x = rng_for("jit vmap").normal(size=(3, 4, 6))
    x32 = x.astype(onp.float32)
    lse = _np_logsumexp(x, -1)[0]
    m, v = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    cases = [
        (nn.glu, x[..., :3] * _sigmoid(x[..., 3:])),
        (nn.log1mexp, onp.log(-onp.expm1(-onp.abs(x) - 0.1)), lambda t: xnp.abs(t) + 0.1),
        (nn.log_softmax, _np_log_softmax(x, -1)),
        (lambda t: nn.logsumexp(t, axis=-1), lse),
        (lambda t: nn.logmeanexp(t, axis=-1), lse - onp.log(6)),
        (nn.standardize, (x - m) / onp.sqrt(v + 1e-5)),
    ]
    for f, want, *pre in cases:
        g = (lambda t, f=f, pre=pre: f(pre[0](t))) if pre else f
        assert_close(xf.jit(g)(x32), want, onp.float32, rtol=1e-4, atol=1e-5)
        assert_close(xf.vmap(g)(x32), want, onp.float32, rtol=1e-4, atol=1e-5)


def test_activation_errors():
    with pytest.raises(TypeError, match="relu"):
        nn.relu([1.0, 2.0])  # lists are refused, as JAX's ensure_arraylike does
    assert nn.tanh is xnp.tanh and nn.swish is nn.silu and nn.hard_swish is nn.hard_silu


# ---------------------------------------------------------------------------------------
# softmax, log_softmax, logsumexp, logmeanexp

def _np_softmax(x, axis, where=None):
    if where is None:
        where = onp.ones(x.shape, bool)
    where = onp.broadcast_to(where, x.shape)
    m = onp.max(onp.where(where, x, -onp.inf), axis=axis, keepdims=True)
    with onp.errstate(invalid="ignore"):
        e = onp.where(where, onp.exp(x - m), 0)
        return onp.where(where, e / e.sum(axis=axis, keepdims=True), 0)  # none kept: zeros


def _np_log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - onp.log(onp.exp(x - m).sum(axis=axis, keepdims=True))


_X23 = onp.array([[1.0, 2.0, 3.0], [0.5, -1.0, 4.0]])
_W = onp.array([True, False, True])


@pytest.mark.parametrize("axis", [-1, 0, None, (0, 1)], ids=repr)
def test_softmax_and_log_softmax(axis):
    x32 = _X23.astype(onp.float32)
    want = _np_softmax(_X23, axis)
    assert_close(nn.softmax(x32, axis=axis), want, onp.float32)
    assert_close(nn.log_softmax(x32, axis=axis), onp.log(want), onp.float32)
    masked = _np_softmax(_X23, axis, _W)
    assert_close(nn.softmax(x32, axis=axis, where=_W), masked, onp.float32)
    with onp.errstate(divide="ignore"):  # masked-out elements are -inf, as in JAX
        assert_close(nn.log_softmax(x32, axis=axis, where=_W), onp.log(masked), onp.float32)
    assert_close(xf.jit(nn.softmax, static_argnames="axis")(x32, axis=axis), want, onp.float32)


def test_softmax_is_stable_and_vmaps():
    x = onp.array([[1000.0, 1001.0, 999.0], [-1e4, -1e4 + 1, -1e4]], onp.float32)
    want = _np_softmax(x.astype(onp.float64), -1)
    assert_close(nn.softmax(x), want, onp.float32)
    assert_close(nn.log_softmax(x), _np_log_softmax(x.astype(onp.float64), -1), onp.float32)
    assert_close(xf.vmap(nn.softmax)(x), want, onp.float32)
    assert_close(xf.vmap(nn.log_softmax, in_axes=1, out_axes=1)(x),
                 _np_log_softmax(x.astype(onp.float64), 0), onp.float32)
    # int inputs compute in float32; +inf gives NaN everywhere (inf / inf), as in JAX
    assert_close(nn.softmax(onp.array([1, 2, 3], onp.int32)),
                 _np_softmax(onp.array([1.0, 2.0, 3.0]), -1), onp.float32)
    assert onp.isnan(onp.asarray(nn.softmax(onp.array([1.0, onp.inf], onp.float32)))).all()
    # a row with no element selected is all zeros (softmax) / -inf (log_softmax)
    assert_close(nn.softmax(_X23.astype(onp.float32), where=onp.zeros(3, bool)), onp.zeros((2, 3)),
                 onp.float32)


def _softmax_jac(y):
    return onp.diag(y) - onp.outer(y, y)


def test_softmax_gradients():
    x = _X23[0]
    y = _np_softmax(x, -1)
    g = onp.array([0.3, -1.0, 2.0])
    assert_close(xf.grad(lambda v: xnp.sum(nn.softmax(v) * g))(x.astype(onp.float32)),
                 _softmax_jac(y) @ g, onp.float32)
    assert_close(xf.grad(lambda v: xnp.sum(nn.log_softmax(v) * g))(x.astype(onp.float32)),
                 g - y * g.sum(), onp.float32)
    for f in (nn.softmax, nn.log_softmax, lambda v: nn.softmax(v, axis=0),
              lambda v: nn.softmax(v, where=_W),
              # (check_grads cannot compare the -inf of masked-out elements: set them to 0)
              lambda v: xnp.where(_W, nn.log_softmax(v, where=_W), 0)):
        check_grads(f, (xnp.asarray(_X23 / 3),), order=2)
    # -inf logits get zero weight and a zero (not NaN) gradient, as in JAX
    x = xnp.asarray([1.0, -onp.inf])
    assert_close(xf.grad(lambda v: nn.softmax(v)[0])(x), onp.zeros(2, onp.float32))
    assert_close(xf.grad(lambda v: nn.log_softmax(v)[0])(x), onp.zeros(2, onp.float32))
    assert_close(xf.grad(lambda v: nn.softmax(v, where=_W)[0, 0])(xnp.asarray(_X23)),
                 onp.array([[_softmax_jac(_np_softmax(_X23[0, ::2], -1))[0, 0], 0,
                             _softmax_jac(_np_softmax(_X23[0, ::2], -1))[0, 1]], [0, 0, 0]]),
                 onp.float32)


def test_softmax_custom_jvp_rule():
    # JAX's rule under config.softmax_custom_jvp: y * (t - sum(y * t)), from the output
    soft = nn_functions._softmax
    x = xnp.asarray(_X23)
    assert_close(soft(x, -1, None, -onp.inf), _np_softmax(_X23, -1), onp.float32)
    check_grads(lambda v: soft(v, -1, None, -onp.inf), (x,), order=2)
    check_grads(lambda v: soft(v, 0, xnp.asarray(_W), -onp.inf), (x,), order=1)
    t = onp.array([[1.0, 0.5, -2.0], [0.0, 1.0, 3.0]])
    _, tan = xf.jvp(lambda v: soft(v, -1, None, -onp.inf), (x,), (xnp.asarray(t, xnp.float32),))
    y = _np_softmax(_X23, -1)
    assert_close(tan, y * (t - (y * t).sum(-1, keepdims=True)), onp.float32)
    assert_close(xf.vmap(lambda v: soft(v, -1, None, -onp.inf))(x), y, onp.float32)


def _np_logsumexp(a, axis=None, b=None, where=None, keepdims=False):
    a = onp.asarray(a, onp.float64)
    b = onp.ones_like(a) if b is None else onp.broadcast_to(b, a.shape)
    if where is not None:
        b = onp.where(where, b, 0)
    with onp.errstate(divide="ignore"):
        s = (b * onp.exp(a)).sum(axis=axis, keepdims=keepdims)
        return onp.log(onp.abs(s)), onp.sign(s)


@pytest.mark.parametrize("axis", [None, 0, -1, (0, 1)], ids=repr)
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp(axis, keepdims):
    a = _X23.astype(onp.float32)
    lse, _ = _np_logsumexp(_X23, axis, keepdims=keepdims)
    assert_close(nn.logsumexp(a, axis=axis, keepdims=keepdims), lse, onp.float32)
    lse, _ = _np_logsumexp(_X23, axis, where=_W, keepdims=keepdims)
    assert_close(nn.logsumexp(a, axis=axis, where=_W, keepdims=keepdims), lse, onp.float32)
    b = onp.array([[1.0, -2.0, 0.5], [2.0, 0.0, 1.0]])
    lse, sign = _np_logsumexp(_X23, axis, b=b, keepdims=keepdims)
    out, out_sign = nn.logsumexp(a, axis=axis, b=b.astype(onp.float32), keepdims=keepdims,
                                 return_sign=True)
    assert_close(out, lse, onp.float32)
    assert_close(out_sign, sign, onp.float32)
    # without return_sign a negative sum is NaN
    assert_close(nn.logsumexp(a, axis=axis, b=b.astype(onp.float32), keepdims=keepdims),
                 onp.where(sign < 0, onp.nan, lse), onp.float32)


def test_logsumexp_edge_cases_and_gradients():
    big = onp.array([1000.0, 1000.0], onp.float32)
    assert_close(nn.logsumexp(big), onp.float32(1000 + onp.log(2)))
    assert_close(nn.logsumexp(onp.array([-onp.inf, -onp.inf], onp.float32)), onp.float32(-onp.inf))
    assert_close(nn.logsumexp(onp.array([onp.inf, 1.0], onp.float32)), onp.float32(onp.inf))
    assert_close(nn.logsumexp(onp.zeros((0,), onp.float32)), onp.float32(-onp.inf))
    assert_close(nn.logsumexp(onp.array([1, 2, 3], onp.int32)), _np_logsumexp([1, 2, 3])[0],
                 onp.float32)
    z = onp.array([1 + 1j, 2.0], onp.complex64)
    assert_close(nn.logsumexp(z), onp.log(onp.exp(z.astype(onp.complex128)).sum()),
                 onp.complex64)
    # the gradient is softmax (weighted by b); -inf entries get 0
    x = onp.array([1.0, 2.0, 3.0])
    b = onp.array([1.0, 2.0, 0.5])
    ga, gb = xf.grad(lambda a, b: nn.logsumexp(a, b=b), argnums=(0, 1))(
        x.astype(onp.float32), b.astype(onp.float32))
    s = (b * onp.exp(x)).sum()
    assert_close(ga, b * onp.exp(x) / s, onp.float32)
    assert_close(gb, onp.exp(x) / s, onp.float32)
    assert_close(xf.grad(nn.logsumexp)(xnp.asarray([1.0, -onp.inf])),
                 onp.array([1.0, 0.0], onp.float32))
    check_grads(lambda a: nn.logsumexp(a, axis=1, where=_W), (xnp.asarray(_X23),), order=2)
    check_grads(lambda a, b: nn.logsumexp(a, axis=0, b=b),
                (xnp.asarray(_X23), xnp.asarray(_X23 + 5)), order=1)
    assert_close(xf.vmap(nn.logsumexp)(_X23.astype(onp.float32)),
                 _np_logsumexp(_X23, 1)[0], onp.float32)
    assert_close(xf.jit(nn.logsumexp, static_argnames="axis")(_X23.astype(onp.float32), axis=0),
                 _np_logsumexp(_X23, 0)[0], onp.float32)


def test_logmeanexp():
    a = _X23.astype(onp.float32)
    for axis in (None, 0, 1):
        lse = _np_logsumexp(_X23, axis)[0]
        n = _X23.size if axis is None else _X23.shape[axis]
        assert_close(nn.logmeanexp(a, axis=axis), lse - onp.log(n), onp.float32)
    lse = _np_logsumexp(_X23, 1, where=_W, keepdims=True)[0]
    assert_close(nn.logmeanexp(a, axis=1, where=_W, keepdims=True), lse - onp.log(2), onp.float32)
    check_grads(lambda v: nn.logmeanexp(v, axis=0), (xnp.asarray(_X23),), order=2)


# ---------------------------------------------------------------------------------------
# standardize, one_hot

def test_standardize():
    x = rng_for("std").normal(size=(3, 5)) * 3 + 1
    for axis in (-1, 0, None, (0, 1)):
        m = x.mean(axis=axis, keepdims=True)
        v = x.var(axis=axis, keepdims=True)
        want = (x - m) / onp.sqrt(v + 1e-5)
        x32 = x.astype(onp.float32)
        assert_close(nn.standardize(x32, axis=axis), want, onp.float32, rtol=1e-4, atol=1e-5)
        assert_close(nn.standardize(x32, axis=axis, algorithm="stable"), want, onp.float32,
                     rtol=1e-5, atol=1e-5)
    x32 = x.astype(onp.float32)
    assert_close(nn.standardize(x32, mean=1.0, variance=4.0, epsilon=0.0), (x - 1) / 2,
                 onp.float32)
    assert_close(nn.standardize(x32, epsilon=1.0),
                 (x - x.mean(-1, keepdims=True)) / onp.sqrt(x.var(-1, keepdims=True) + 1),
                 onp.float32, rtol=1e-4, atol=1e-5)
    w = onp.array([True, False, True, True, False])
    sel = x[:, w]
    want = (x - sel.mean(-1, keepdims=True)) / onp.sqrt(sel.var(-1, keepdims=True) + 1e-5)
    assert_close(nn.standardize(x32, where=w, algorithm="stable"), want, onp.float32,
                 rtol=1e-5, atol=1e-5)
    # "fast" computes mean(x^2) - mean(x)^2, clipped at 0: a constant row gives zeros
    assert_close(nn.standardize(onp.full((2, 4), 3.0, onp.float32)), onp.zeros((2, 4)), onp.float32)
    m, v = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    assert_close(xf.vmap(nn.standardize)(x32), (x - m) / onp.sqrt(v + 1e-5), onp.float32,
                 rtol=1e-4, atol=1e-5)
    check_grads(lambda v: nn.standardize(v, algorithm="stable"), (xnp.asarray(x[:2, :3]),),
                order=2)
    with pytest.raises(ValueError, match="unknown algorithm"):
        nn.standardize(x32, algorithm="exact")
    with pytest.raises(TypeError, match="standardize"):
        nn.standardize(x32, mean="a")


def test_one_hot():
    idx = onp.array([[0, 2], [-1, 3]], onp.int32)
    eye = onp.vstack([onp.eye(3), onp.zeros((1, 3))])  # out-of-range indices: all zeros
    want = eye[onp.where(idx < 0, 3, idx)]
    assert_close(nn.one_hot(idx, 3), want, onp.float32)
    assert_close(nn.one_hot(idx, 3, axis=0), onp.moveaxis(want, -1, 0), onp.float32)
    assert_close(nn.one_hot(idx, 3, axis=1), onp.moveaxis(want, -1, 1), onp.float32)
    assert_close(nn.one_hot(idx, 3, dtype=xnp.int8), want, onp.int8)
    assert_close(nn.one_hot(idx, 3, dtype=bool), want, onp.bool_)
    assert_close(nn.one_hot(2, 3), onp.array([0.0, 0.0, 1.0]), onp.float32)
    assert_close(nn.one_hot([1, 0], 2), onp.array([[0.0, 1.0], [1.0, 0.0]]), onp.float32)
    assert_close(nn.one_hot(onp.array([0, 2], onp.uint8), onp.int64(3)), onp.eye(3)[[0, 2]],
                 onp.float32)
    assert_close(xf.jit(lambda i: nn.one_hot(i, 4))(idx), onp.eye(4)[onp.where(idx < 0, 0, idx)]
                 * (idx >= 0)[..., None], onp.float32)
    assert_close(xf.vmap(lambda i: nn.one_hot(i, 3))(idx), want, onp.float32)
    # `axis` may name a vmap axis of size num_classes: the class is the position along it
    assert_close(xf.vmap(lambda i: nn.one_hot(i, 3, axis="b"), axis_name="b")(
        onp.array([0, 2, 2], onp.int32)), onp.array([1.0, 0.0, 1.0]), onp.float32)
    with pytest.raises(ValueError, match="num_classes to match"):
        xf.vmap(lambda i: nn.one_hot(i, 4, axis="b"), axis_name="b")(onp.arange(3))
    with pytest.warns(DeprecationWarning, match="integer-typed"):
        assert_close(nn.one_hot(onp.array([0.0, 2.0, 2.5], onp.float32), 3),
                     onp.array([[1, 0, 0], [0, 0, 1], [0, 0, 0]]), onp.float32)


def test_one_hot_errors(x64):
    assert_close(nn.one_hot(onp.array([1]), 2), onp.array([[0.0, 1.0]]), onp.float64)
    with pytest.raises(TypeError, match="num_classes"):
        nn.one_hot(onp.array([1]), 2.5)
    with pytest.raises(ValueError):
        nn.one_hot(onp.array([1]), 2, axis=2)


# ---------------------------------------------------------------------------------------
# dot_product_attention

_BIG_NEG = -0.7 * float(onp.finfo(onp.float32).max)


def _np_attention(q, k, v, bias=None, mask=None, causal=False, scale=None, q_len=None,
                  kv_len=None, window=None):
    """softmax(Q K^T * scale + bias) V in float64, masked logits set to JAX's large
    negative value (so a row with nothing left averages uniformly, as in JAX)."""
    q, k, v = (onp.asarray(t, onp.float64) for t in (q, k, v))
    B, T, N, H = q.shape
    S, K = k.shape[1:3]
    k, v = onp.repeat(k, N // K, axis=2), onp.repeat(v, N // K, axis=2)  # head n: kv n // G
    scale = 1 / onp.sqrt(H) if scale is None else scale
    logits = onp.einsum("btnh,bsnh->bnts", q, k) * scale
    if bias is not None:
        logits = logits + bias
    keep = onp.ones(logits.shape, bool)
    t, s = onp.arange(T)[:, None], onp.arange(S)[None, :]
    if mask is not None:
        keep &= mask
    if causal:
        keep &= t >= s
    if window is not None:
        keep &= (t <= s + window[0]) & (t >= s - window[1])
    if q_len is not None:
        keep &= (onp.arange(T)[None, :] < onp.asarray(q_len)[:, None])[:, None, :, None]
    if kv_len is not None:
        keep &= (onp.arange(S)[None, :] < onp.asarray(kv_len)[:, None])[:, None, None, :]
    logits = onp.where(keep, logits, _BIG_NEG)
    m = logits.max(-1, keepdims=True)
    e = onp.exp(logits - m)
    out = onp.einsum("bnts,bsnh->btnh", e / e.sum(-1, keepdims=True), v)
    if q_len is not None:
        out = out * (onp.arange(T)[None, :] < onp.asarray(q_len)[:, None])[:, :, None, None]
    lse = (m[..., 0] + onp.log(e.sum(-1))).transpose(0, 2, 1)
    return out, lse


def _qkv(B=2, T=3, S=5, N=4, K=2, H=8, seed="qkv"):
    rng = rng_for(seed, B, T, S, N, K, H)
    return [rng.normal(size=shape).astype(onp.float32)
            for shape in ((B, T, N, H), (B, S, K, H), (B, S, K, H))]


_RNG = rng_for("attention extras")
_BIAS = _RNG.normal(size=(2, 1, 3, 5)).astype(onp.float32)
_MASK = _RNG.random((1, 4, 3, 5)) > 0.3
_QLEN, _KVLEN = onp.array([2, 3], onp.int32), onp.array([4, 1], onp.int32)

_CASES = {
    "plain": ({}, {}),
    "bias": ({"bias": _BIAS}, {"bias": _BIAS}),
    "mask": ({"mask": _MASK}, {"mask": _MASK}),
    "causal": ({"is_causal": True}, {"causal": True}),
    "scale": ({"scale": 0.5}, {"scale": 0.5}),
    "seq_lengths": ({"query_seq_lengths": _QLEN, "key_value_seq_lengths": _KVLEN},
                    {"q_len": _QLEN, "kv_len": _KVLEN}),
    "q_lengths": ({"query_seq_lengths": _QLEN}, {"q_len": _QLEN}),
    "window": ({"local_window_size": (1, 0)}, {"window": (1, 0)}),
    "window_int": ({"local_window_size": 1}, {"window": (1, 1)}),
    "everything": ({"bias": _BIAS, "mask": _MASK, "is_causal": True, "query_seq_lengths": _QLEN,
                    "key_value_seq_lengths": _KVLEN, "local_window_size": (2, 1)},
                   {"bias": _BIAS, "mask": _MASK, "causal": True, "q_len": _QLEN,
                    "kv_len": _KVLEN, "window": (2, 1)}),
}


@pytest.mark.parametrize("case", sorted(_CASES))
@pytest.mark.parametrize("heads", [(4, 4), (4, 2), (4, 1)], ids=["mha", "gqa", "mqa"])
def test_dot_product_attention_matches_numpy(case, heads):
    ours, ref = _CASES[case]
    q, k, v = _qkv(N=heads[0], K=heads[1])
    want, lse = _np_attention(q, k, v, **ref)
    assert_close(nn.dot_product_attention(q, k, v, **ours), want, onp.float32, rtol=1e-5,
                 atol=1e-5)
    out, residual = nn.dot_product_attention(q, k, v, return_residual=True, **ours)
    assert_close(out, want, onp.float32, rtol=1e-5, atol=1e-5)
    assert_close(residual, lse, onp.float32, rtol=1e-5, atol=1e-5)


def test_dot_product_attention_shapes_dtypes_and_transforms():
    q, k, v = _qkv()
    want, _ = _np_attention(q, k, v, bias=_BIAS)
    # unbatched (T, N, H) inputs with a 3D bias
    assert_close(nn.dot_product_attention(q[0], k[0], v[0], bias=_BIAS[0]), want[0],
                 onp.float32, rtol=1e-5, atol=1e-5)
    f = lambda q, k, v: nn.dot_product_attention(q, k, v, bias=_BIAS, is_causal=True)  # noqa: E731
    want, _ = _np_attention(q, k, v, bias=_BIAS, causal=True)
    assert_close(xf.jit(f)(q, k, v), want, onp.float32, rtol=1e-5, atol=1e-5)
    # vmap over a leading axis of unbatched inputs
    g = lambda q, k, v: nn.dot_product_attention(q, k, v, is_causal=True)  # noqa: E731
    want, _ = _np_attention(q, k, v, causal=True)
    assert_close(xf.vmap(g)(q, k, v), want, onp.float32, rtol=1e-5, atol=1e-5)
    assert_close(xf.jit(xf.vmap(g))(q, k, v), want, onp.float32, rtol=1e-5, atol=1e-5)
    # low precision: the logits and softmax run in float32, the result is in the input dtype
    for dtype in (onp.float16, bfloat16):
        lo = [t.astype(dtype) for t in (q, k, v)]
        want, _ = _np_attention(*[t.astype(onp.float64) for t in lo], mask=_MASK)
        assert_close(nn.dot_product_attention(*lo, mask=_MASK), want, dtype)


def test_dot_product_attention_gradients():
    q, k, v = (xnp.asarray(t[:1, :2, :2, :3].astype(onp.float64)) for t in _qkv())
    bias = xnp.asarray(_BIAS[:1, :, :2, :2].astype(onp.float64))
    check_grads(lambda q, k, v: nn.dot_product_attention(q, k, v, bias=bias, is_causal=True),
                (q, k, v), order=1, atol=1e-2, rtol=1e-2)
    # the gradient of a masked-out key is zero
    mask = onp.array([True, False])[None, None, None, :]
    gk = xf.grad(lambda k: nn.dot_product_attention(q, k, v, mask=mask).sum())(k)
    assert onp.all(onp.asarray(gk)[:, 1] == 0)


def test_dot_product_attention_errors():
    q, k, v = _qkv()
    with pytest.raises(NotImplementedError, match="cudnn"):
        nn.dot_product_attention(q, k, v, implementation="cudnn")
    with pytest.raises(ValueError, match="implementation"):
        nn.dot_product_attention(q, k, v, implementation="flash")
    assert_close(nn.dot_product_attention(q, k, v, implementation="xla"),
                 _np_attention(q, k, v)[0], onp.float32, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="multiple of key/value heads"):
        nn.dot_product_attention(q[:, :, :3], k, v)
    with pytest.raises(ValueError, match="dtype"):
        nn.dot_product_attention(q.astype(onp.float16), k, v)
    with pytest.raises(ValueError, match="mask dtype"):
        nn.dot_product_attention(q, k, v, mask=_MASK.astype(onp.int32))
    with pytest.raises(ValueError, match="value shape"):
        nn.dot_product_attention(q, k, v[:, :4])
    with pytest.raises(ValueError, match="heads"):
        nn.dot_product_attention(q, k, v, bias=onp.zeros((2, 2, 3, 5), onp.float32))
    with pytest.raises(ValueError, match="query_seq_lengths"):
        nn.dot_product_attention(q, k, v, query_seq_lengths=onp.array([1, 2, 3], onp.int32))


# ---------------------------------------------------------------------------------------
# Block-scaled products

def test_scaled_matmul():
    rng = rng_for("scaled_matmul")
    a, b = rng.normal(size=(2, 3, 8)), rng.normal(size=(2, 4, 8))
    sa, sb = rng.uniform(0.5, 2, (2, 3, 2)), rng.uniform(0.5, 2, (2, 4, 2))
    want = onp.einsum("bmk,bnk->bmn", a * onp.repeat(sa, 4, -1), b * onp.repeat(sb, 4, -1))
    args = [t.astype(onp.float32) for t in (a, b, sa, sb)]
    assert_close(nn.scaled_matmul(*args), want, onp.float32, rtol=1e-5, atol=1e-5)
    assert_close(nn.scaled_matmul(*args, preferred_element_type=xnp.bfloat16), want, bfloat16)
    # JAX's documented example
    ex = nn.scaled_matmul(xnp.array([1.0, 2, 3]).reshape(1, 1, 3),
                          xnp.array([4.0, 5, 6]).reshape(1, 1, 3),
                          xnp.full((1, 1, 1), 0.5), xnp.full((1, 1, 1), 0.5))
    assert_close(ex, onp.array([[[8.0]]]), onp.float32)
    assert_close(xf.jit(nn.scaled_matmul)(*args), want, onp.float32, rtol=1e-5, atol=1e-5)
    assert_close(xf.vmap(nn.scaled_matmul)(*[t[:, None] for t in args]), want[:, None],
                 onp.float32, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="3-dimensional"):
        nn.scaled_matmul(args[0][0], *args[1:])
    with pytest.raises(ValueError, match="matching batch"):
        nn.scaled_matmul(args[0], args[1][:, :, :4], *args[2:])
    with pytest.raises(ValueError, match="multiple"):
        nn.scaled_matmul(*args[:2], onp.ones((2, 3, 3), onp.float32),
                         onp.ones((2, 4, 3), onp.float32))


def test_scaled_dot_general():
    rng = rng_for("sdg")
    a, b = rng.normal(size=(2, 3, 6)), rng.normal(size=(2, 4, 6))
    dn = (((2,), (2,)), ((0,), (0,)))
    got = nn.scaled_dot_general(a.astype(onp.float32), b.astype(onp.float32), dn)
    assert_close(got, onp.einsum("bmk,bnk->bmn", a, b), onp.float32, rtol=1e-5, atol=1e-5)
    config = nn.get_scaled_dot_general_config("mxfp8")
    assert (config.mode, config.block_size, config.global_scale) == ("mxfp8", 32, None)
    assert (config.data_type.name, config.scale_type.name) == ("float8_e4m3fn", "float8_e8m0fnu")
    nv = nn.get_scaled_dot_general_config("nvfp4")
    assert (nv.block_size, nv.data_type.name, nv.scale_type.name) == (
        16, "float4_e2m1fn", "float8_e4m3fn")
    assert_close(nv.global_scale, onp.ones(1), onp.float32)
    with pytest.raises(ValueError, match="Unsupported mode"):
        nn.get_scaled_dot_general_config("int4")
    with pytest.raises(NotImplementedError, match="mxfp8"):
        nn.scaled_dot_general(a, b, dn, configs=[config] * 3)
    with pytest.warns(DeprecationWarning):
        nn.scaled_dot_general(a.astype(onp.float32), b.astype(onp.float32), dn,
                              implementation="cudnn")


def test_public_names_are_jax_s():
    assert sorted(nn.__all__) == sorted([
        "celu", "dot_product_attention", "elu", "gelu", "get_scaled_dot_general_config", "glu",
        "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh", "identity", "initializers",
        "leaky_relu", "log1mexp", "log_sigmoid", "log_softmax", "logmeanexp", "logsumexp",
        "mish", "one_hot", "relu", "relu6", "scaled_dot_general", "scaled_matmul", "selu",
        "sigmoid", "silu", "soft_sign", "softmax", "softplus", "sparse_plus",
        "sparse_sigmoid", "squareplus", "standardize", "swish", "tanh"])
    assert sorted(nn.initializers.__all__) == sorted([
        "Initializer", "constant", "delta_orthogonal", "glorot_normal", "glorot_uniform",
        "he_normal", "he_uniform", "kaiming_normal", "kaiming_uniform", "lecun_normal",
        "lecun_uniform", "normal", "ones", "orthogonal", "truncated_normal", "uniform",
        "variance_scaling", "xavier_normal", "xavier_uniform", "zeros"])


# ---------------------------------------------------------------------------------------
# nn.initializers (drawing from xlafront.random; statistics and JAX's definitions)

init = nn.initializers
_KEY = random.PRNGKey(0)


def test_constant_initializers():
    assert_close(init.zeros(_KEY, (2, 3)), onp.zeros((2, 3)), onp.float32)
    assert_close(init.ones(_KEY, (3, 2), xnp.float16), onp.ones((3, 2)), onp.float16)
    assert_close(init.constant(-7)(_KEY, (2, 3)), onp.full((2, 3), -7.0), onp.float32)
    assert_close(init.constant(0.5, dtype=xnp.bfloat16)(_KEY, 4), onp.full(4, 0.5), bfloat16)
    assert isinstance(init.constant(1.0), init.Initializer)
    with pytest.raises(NotImplementedError, match="out_sharding"):
        init.zeros(_KEY, (2,), out_sharding="x")


def test_compute_fans():
    fans = init._compute_fans
    assert fans((3, 4)) == (3, 4)
    assert fans((3, 3, 16, 32)) == (144, 288)  # a conv kernel: the receptive field is 9
    assert fans((5, 3, 3, 16, 32), batch_axis=0) == (144, 288)
    assert fans((2, 3, 4, 5), in_axis=(0, 1), out_axis=-1) == (24, 20)
    with pytest.raises(ValueError, match="at least 2D"):
        fans((7,))


_BIG = (400, 500)  # enough samples for the statistics below to hold to a few percent


@pytest.mark.parametrize("builder,scale,mode,dist", [
    ("glorot_uniform", 1.0, "fan_avg", "uniform"),
    ("glorot_normal", 1.0, "fan_avg", "truncated_normal"),
    ("xavier_uniform", 1.0, "fan_avg", "uniform"),
    ("xavier_normal", 1.0, "fan_avg", "truncated_normal"),
    ("lecun_uniform", 1.0, "fan_in", "uniform"),
    ("lecun_normal", 1.0, "fan_in", "truncated_normal"),
    ("he_uniform", 2.0, "fan_in", "uniform"), ("he_normal", 2.0, "fan_in", "truncated_normal"),
    ("kaiming_uniform", 2.0, "fan_in", "uniform"),
    ("kaiming_normal", 2.0, "fan_in", "truncated_normal"),
])
def test_named_variance_scaling_initializers(builder, scale, mode, dist):
    w = onp.asarray(getattr(init, builder)()(_KEY, _BIG))
    assert w.dtype == onp.float32 and w.shape == _BIG
    n = {"fan_in": 400, "fan_avg": 450}[mode]
    std = onp.sqrt(scale / n)
    assert abs(w.std() / std - 1) < 0.03 and abs(w.mean()) < 0.03 * std
    bound = onp.sqrt(3) * std if dist == "uniform" else 2 * std / 0.87962566103423978
    assert onp.abs(w).max() <= bound * (1 + 1e-6)
    # JAX's definition: the same draws as variance_scaling with these arguments
    same = init.variance_scaling(scale, mode, dist)(_KEY, _BIG)
    assert onp.array_equal(w, onp.asarray(same))


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg", "fan_geo_avg"])
@pytest.mark.parametrize("dist", ["truncated_normal", "normal", "uniform"])
def test_variance_scaling_modes_and_distributions(mode, dist):
    shape = (3, 3, 40, 60)  # fan_in 360, fan_out 540
    n = {"fan_in": 360, "fan_out": 540, "fan_avg": 450, "fan_geo_avg": onp.sqrt(360 * 540)}[mode]
    w = onp.asarray(init.variance_scaling(0.5, mode, dist)(_KEY, shape))
    assert w.shape == shape and w.dtype == onp.float32
    assert abs(w.std() / onp.sqrt(0.5 / n) - 1) < 0.03


def test_variance_scaling_is_jax_s_formula():
    k1, = random.split(_KEY, 1)
    shape = (6, 8)  # fan_avg 7
    trunc = init.variance_scaling(2.0, "fan_avg", "truncated_normal")(k1, shape)
    assert_close(trunc, onp.asarray(random.truncated_normal(k1, -2, 2, shape))
                 * onp.sqrt(2 / 7) / 0.87962566103423978, onp.float32, rtol=1e-6)
    uni = init.variance_scaling(2.0, "fan_in", "uniform", dtype=xnp.float16)(k1, shape)
    assert_close(uni, onp.asarray(random.uniform(k1, shape, xnp.float16, -1)).astype(onp.float64)
                 * onp.sqrt(3 * 2 / 6), onp.float16)
    normal = init.variance_scaling(1.0, "fan_out", "normal")(k1, shape)
    assert_close(normal, onp.asarray(random.normal(k1, shape)) / onp.sqrt(8), onp.float32,
                 rtol=1e-6)
    with pytest.raises(ValueError, match="invalid mode"):
        init.variance_scaling(1.0, "fan_max", "normal")
    with pytest.raises(ValueError, match="invalid distribution"):
        init.variance_scaling(1.0, "fan_in", "cauchy")
    with pytest.raises(ValueError, match="at least 2D"):
        init.lecun_normal()(_KEY, (5,))


def test_variance_scaling_complex():
    for dist in ("uniform", "truncated_normal", "normal"):
        w = onp.asarray(init.variance_scaling(1.0, "fan_in", dist)(_KEY, _BIG, xnp.complex64))
        assert w.dtype == onp.complex64
        assert abs(onp.sqrt((onp.abs(w) ** 2).mean()) / onp.sqrt(1 / 400) - 1) < 0.03
    # the uniform disk has radius sqrt(2) standard deviations, the truncation is at 2
    w = onp.asarray(init.variance_scaling(1.0, "fan_in", "uniform")(_KEY, _BIG, xnp.complex64))
    assert onp.abs(w).max() <= onp.sqrt(2 / 400) * (1 + 1e-5)


def test_simple_random_initializers():
    w = onp.asarray(init.uniform(10.0)(_KEY, _BIG))
    assert 0 <= w.min() and w.max() < 10 and abs(w.mean() - 5) < 0.1
    w = onp.asarray(init.normal(5.0)(_KEY, _BIG))
    assert abs(w.std() - 5) < 0.1 and abs(w.mean()) < 0.1
    w = onp.asarray(init.truncated_normal(5.0, lower=-1.0, upper=2.0)(_KEY, _BIG))
    assert -5 < w.min() and w.max() < 10
    # their definitions: the standard draw times the scale, in the requested dtype
    assert_close(init.normal(3.0, dtype=xnp.float16)(_KEY, (4,)),
                 onp.asarray(random.normal(_KEY, (4,), xnp.float16)).astype(onp.float64) * 3,
                 onp.float16)
    assert_close(init.uniform()(_KEY, (4,)), onp.asarray(random.uniform(_KEY, (4,))) * 0.01,
                 onp.float32, rtol=1e-6)


def test_initializers_under_jit_and_vmap():
    f = init.he_normal()
    w = f(_KEY, (4, 5))
    # (one compiled program may round differently from op by op: an ulp or so)
    assert_close(xf.jit(lambda k: f(k, (4, 5)))(_KEY), onp.asarray(w), rtol=1e-6, atol=1e-6)
    keys = random.split(_KEY, 3)
    stacked = xf.vmap(lambda k: f(k, (4, 5)))(keys)
    for i in range(3):
        assert_close(stacked[i], onp.asarray(f(keys[i], (4, 5))), rtol=1e-6, atol=1e-6)
    typed = random.key(0)
    assert f(typed, (4, 5)).shape == (4, 5)


@pytest.fixture
def orthogonal_draws(monkeypatch):
    """random.orthogonal, or while it lacks its QR decomposition (xlafront.numpy.linalg.qr)
    a stand-in with its contract built on NumPy's QR, so the initializers' own reshaping is
    tested either way."""
    try:
        random.orthogonal(_KEY, 2)
    except NotImplementedError:
        def orthogonal(key, n, shape=(), dtype=None, m=None):
            m = n if m is None else m
            q, _ = onp.linalg.qr(rng_for("qr", n, m).normal(size=(*shape, max(n, m), min(n, m))))
            return xnp.asarray(q if n >= m else onp.swapaxes(q, -1, -2), dtype or xnp.float32)
        monkeypatch.setattr(random, "orthogonal", orthogonal)


def test_orthogonal_initializer(orthogonal_draws):
    with pytest.raises(ValueError, match="at least a 2D"):
        init.orthogonal()(_KEY, (3,))
    assert_close(init.orthogonal()(_KEY, (0, 3)), onp.zeros((0, 3)), onp.float32)
    w = onp.asarray(init.orthogonal(scale=2.0)(_KEY, (3, 5)))
    assert w.shape == (3, 5) and w.dtype == onp.float32
    onp.testing.assert_allclose(w @ w.T, 4 * onp.eye(3), atol=1e-5)  # orthonormal rows
    w = onp.asarray(init.orthogonal(column_axis=0)(_KEY, (4, 2, 3)))
    cols = onp.moveaxis(w, 0, -1).reshape(6, 4).astype(onp.float64)  # 4 columns along axis 0
    onp.testing.assert_allclose(cols.T @ cols, onp.eye(4), atol=1e-5)
    with pytest.raises((TypeError, NotImplementedError), match="float16"):
        init.orthogonal()(_KEY, (3, 3), xnp.float16)  # LAPACK has no float16 QR (JAX too)


def test_delta_orthogonal_initializer(orthogonal_draws):
    with pytest.raises(ValueError, match="3D, 4D or 5D"):
        init.delta_orthogonal()(_KEY, (3, 3))
    with pytest.raises(ValueError, match="fan_in"):
        init.delta_orthogonal()(_KEY, (3, 5, 4))
    for shape, centre in (((3, 4, 4), (1,)), ((3, 3, 4, 4), (1, 1)), ((2, 5, 3, 4, 6), (0, 2, 1))):
        w = onp.array(init.delta_orthogonal(scale=0.5)(_KEY, shape))
        m = w[centre]
        onp.testing.assert_allclose(m @ m.T, 0.25 * onp.eye(shape[-2]), atol=1e-5)
        w[centre] = 0
        assert not w.any()  # zero away from the spatial centre
