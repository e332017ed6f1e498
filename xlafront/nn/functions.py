"""jax.nn's functions: activations, softmax and friends, one_hot, standardize and
dot_product_attention, composed from xlafront.numpy and lax (no new primitives).

Each follows JAX 0.10.2's definition (jax/_src/nn/functions.py) formula for formula, so
dtypes, weak types, edge cases and derivatives come out as JAX's: relu's derivative at 0
is 0, relu6's at 0 and 6 too (custom_jvp rules, as in JAX). Every public function is
wrapped in `dispatch.eager`: called eagerly it runs as one compiled program per signature.
"""
import math
import operator

import ml_dtypes
import numpy as np

from .. import dtypes, lax
from .. import numpy as jnp
from ..config import config
from ..core import get_aval
from ..custom_derivatives import custom_jvp, stop_gradient
from ..dispatch import eager
from ..errors import warn
from ..lax.parallel import axis_size
from ..numpy._util import canonical_axes, check_arraylike, promote_inexact

__all__ = ["celu", "dot_product_attention", "elu", "gelu", "get_scaled_dot_general_config",
           "glu", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh", "identity",
           "leaky_relu", "log1mexp", "log_sigmoid", "log_softmax", "logmeanexp", "logsumexp",
           "mish", "one_hot", "relu", "relu6", "scaled_dot_general", "scaled_matmul", "selu",
           "sigmoid", "silu", "soft_sign", "softmax", "softplus", "sparse_plus",
           "sparse_sigmoid", "squareplus", "standardize", "swish", "tanh"]

tanh = jnp.tanh


def _array(op, x):
    """x as an array (as JAX's ensure_arraylike): NumPy inputs must not reach NumPy's own
    operators, whose promotion differs (bfloat16 + 3.0 is float32 there)."""
    check_arraylike(op, x)
    return jnp.asarray(x)


# ---------------------------------------------------------------------------------------
# Activations

@eager
def identity(x):
    """Returns `x` unchanged (as an array)."""
    return _array("identity", x)


@custom_jvp
def _relu(x):
    return jnp.maximum(x, 0)


# JAX's choice: the derivative at 0 is 0 (https://dl.acm.org/doi/10.5555/3540261.3540297)
_relu.defjvps(lambda g, ans, x: jnp.where(x > 0, g, jnp.zeros_like(g)))


@eager
def relu(x):
    """Rectified linear unit, max(x, 0); its derivative at 0 is taken to be 0."""
    x = _array("relu", x)
    return _relu(x)


@custom_jvp
def _relu6(x):
    return jnp.minimum(jnp.maximum(x, 0), 6.)


_relu6.defjvps(lambda g, ans, x: jnp.where((x > 0) & (x < 6), g, jnp.zeros_like(g)))


@eager
def relu6(x):
    """min(max(x, 0), 6); its derivative at 0 and at 6 is taken to be 0."""
    x = _array("relu6", x)
    return _relu6(x)


@eager
def hard_sigmoid(x):
    """relu6(x + 3) / 6."""
    x = _array("hard_sigmoid", x)
    return _relu6(x + 3.) / 6.


@eager
def hard_silu(x):
    """x * hard_sigmoid(x) (also named hard_swish)."""
    x = _array("hard_silu", x)
    return x * (_relu6(x + 3.) / 6.)


hard_swish = hard_silu


@eager
def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2 (https://arxiv.org/abs/2112.11687)."""
    x = _array("squareplus", x)
    check_arraylike("squareplus", b)
    return (x + jnp.sqrt(jnp.square(x) + b)) / 2


@eager
def softplus(x):
    """log(1 + exp(x)), computed stably as logaddexp(x, 0)."""
    x = _array("softplus", x)
    return jnp.logaddexp(x, 0)


@eager
def sparse_plus(x):
    """0 for x <= -1, (x + 1)^2 / 4 for -1 < x < 1, x for x >= 1."""
    x = _array("sparse_plus", x)
    return jnp.where(x <= -1.0, 0.0, jnp.where(x >= 1.0, x, (x + 1.0) ** 2 / 4))


@eager
def soft_sign(x):
    """x / (|x| + 1)."""
    x = _array("soft_sign", x)
    return x / (jnp.abs(x) + 1)


@eager
def sigmoid(x):
    """1 / (1 + exp(-x)) (lax.logistic: floating or complex inputs only, as in JAX)."""
    x = _array("sigmoid", x)
    return lax.logistic(x)


@eager
def sparse_sigmoid(x):
    """0 for x <= -1, (x + 1) / 2 for -1 < x < 1, 1 for x >= 1: sparse_plus's derivative."""
    x = _array("sparse_sigmoid", x)
    return 0.5 * jnp.clip(x + 1.0, 0.0, 2.0)


@eager
def silu(x):
    """x * sigmoid(x) (also named swish)."""
    x = _array("silu", x)
    return x * lax.logistic(x)


swish = silu


@eager
def mish(x):
    """x * tanh(softplus(x)) (https://arxiv.org/abs/1908.08681)."""
    x = _array("mish", x)
    return x * jnp.tanh(jnp.logaddexp(x, 0))


@eager
def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x)."""
    x = _array("log_sigmoid", x)
    return -jnp.logaddexp(-x, 0)


def _elu(x, alpha):
    # expm1 only sees non-positive values, so the unused branch cannot overflow to inf
    # (whose zero cotangent would still make a NaN gradient)
    return jnp.where(x > 0, x, alpha * jnp.expm1(jnp.where(x > 0, 0., x)))


@eager
def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    x = _array("elu", x)
    return _elu(x, alpha)


@eager
def leaky_relu(x, negative_slope=1e-2):
    """x for x >= 0, negative_slope * x otherwise."""
    x = _array("leaky_relu", x)
    return jnp.where(x >= 0, x, negative_slope * x)


@eager
def hard_tanh(x):
    """x clipped to [-1, 1] (keeps an integer input's dtype, as in JAX)."""
    x = _array("hard_tanh", x)
    return jnp.where(x > 1, 1, jnp.where(x < -1, -1, x))


@eager
def celu(x, alpha=1.0):
    """max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1) (https://arxiv.org/abs/1704.07483)."""
    x = _array("celu", x)
    check_arraylike("celu", alpha)
    return jnp.maximum(x, 0.0) + alpha * jnp.expm1(jnp.minimum(x, 0.0) / alpha)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@eager
def selu(x):
    """Scaled ELU, scale * elu(x, alpha) with the constants of
    https://arxiv.org/abs/1706.02515."""
    x = _array("selu", x)
    return _SELU_SCALE * _elu(x, _SELU_ALPHA)


@eager(static_argnames="approximate")
def gelu(x, approximate=True):
    """Gaussian error linear unit: x * Phi(x) exactly (approximate=False, with erfc), or
    JAX's default tanh approximation x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    [x] = promote_inexact("gelu", _array("gelu", x))
    dtype = get_aval(x).dtype
    if approximate:  # constants typed like x (strongly, as JAX's NumPy scalars are)
        cdf = 0.5 * (1.0 + jnp.tanh(np.asarray(np.sqrt(2 / np.pi), dtype)
                                    * (x + 0.044715 * (x ** 3))))
        return x * cdf
    return lax.convert_element_type(
        0.5 * x * lax.erfc(-x * np.asarray(np.sqrt(0.5), dtype)), dtype)


@eager(static_argnames="axis")
def glu(x, axis=-1):
    """Gated linear unit: x split in two halves a, b along `axis`, a * sigmoid(b)."""
    x = _array("glu", x)
    shape = get_aval(x).shape
    ax = canonical_axes("glu", axis, len(shape))[0]
    if shape[ax] % 2:
        raise ValueError(f"glu: the size of axis {axis} must be divisible by 2, got shape "
                         f"{shape}")
    x1, x2 = jnp.split(x, 2, ax)
    return x1 * lax.logistic(x2)


@custom_jvp
def _log1mexp(x):
    # two formulas, each accurate on its side of log(2) (Maechler, "Accurately computing
    # log(1 - exp(-|a|))")
    return jnp.where(x < np.log(2.0), jnp.log(-jnp.expm1(-x)), jnp.log1p(-jnp.exp(-x)))


_log1mexp.defjvps(lambda g, ans, x: g / jnp.expm1(x))


@eager
def log1mexp(x):
    """log(1 - exp(-x)), computed stably; undefined (NaN) for x < 0."""
    x = _array("log1mexp", x)
    return _log1mexp(x)


# ---------------------------------------------------------------------------------------
# logsumexp, softmax, standardize, one_hot

def _reduced_count(shape, axes, where, keepdims, dtype):
    """How many elements a reduction over `axes` sees: all of them, or those `where` picks."""
    if where is None:
        return np.asarray(math.prod(shape[a] for a in axes), dtype)
    where = jnp.broadcast_to(jnp.asarray(where), shape)
    return jnp.sum(where, axis=axes, dtype=dtype, keepdims=keepdims)


@eager(static_argnames=("axis", "keepdims", "return_sign"))
def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False, where=None):
    """log(sum(b * exp(a))) over `axis`, computed stably (the max is subtracted first and
    not differentiated). With `return_sign`, returns (log|sum|, sign of the sum); otherwise
    a negative sum gives NaN. `where` picks the elements included."""
    a = _array("logsumexp", a)
    if where is not None:
        a = jnp.where(where, a, 0)
    if b is not None:
        a, b = promote_inexact("logsumexp", a, _array("logsumexp", b))
        a = jnp.where(b != 0, a, -np.inf)
    else:
        [a] = promote_inexact("logsumexp", a)
    aval = get_aval(a)
    dims = canonical_axes("logsumexp", axis, aval.ndim)
    amax = jnp.max(jnp.real(a), axis=dims, keepdims=keepdims, where=where, initial=-np.inf)
    amax = stop_gradient(jnp.where(jnp.isfinite(amax), amax, 0))
    amax_with_dims = amax if keepdims else lax.expand_dims(amax, dims)
    exp_a = jnp.exp(a - amax_with_dims.astype(aval.dtype))
    if b is not None:
        exp_a = exp_a * b
    sumexp = jnp.sum(exp_a, axis=dims, keepdims=keepdims, where=where)
    sign = jnp.sign(sumexp)
    complex_out = dtypes.kind(aval.dtype) == "c"
    if return_sign or not complex_out:
        sumexp = jnp.abs(sumexp)
    out = jnp.log(sumexp) + amax.astype(get_aval(sumexp).dtype)
    if return_sign:
        return out, sign
    if b is not None and not complex_out:
        out = jnp.where(sign < 0, np.array(np.nan, get_aval(out).dtype), out)
    return out


@eager(static_argnames=("axis", "keepdims"))
def logmeanexp(x, axis=None, where=None, keepdims=False):
    """log(mean(exp(x))) over `axis` = logsumexp(x) - log(n), n the number of elements
    included (`where`)."""
    lse = logsumexp(x, axis=axis, where=where, keepdims=keepdims)
    shape = get_aval(x).shape
    count = _reduced_count(shape, canonical_axes("logmeanexp", axis, len(shape)), where,
                           keepdims, get_aval(lse).dtype)
    return lse - jnp.log(count)


@eager(static_argnames="axis")
def log_softmax(x, axis=-1, where=None):
    """log(softmax(x)) along `axis` (an int, a tuple, or None for all axes), computed as
    x - max - log(sum(exp(x - max))). Elements outside `where` give -inf."""
    x = _array("log_softmax", x)
    x_max = _masked_max(x, axis, where, -np.inf)
    x_safe = x if where is None else jnp.where(where, x, -np.inf)
    shifted = x_safe - stop_gradient(x_max)
    result = shifted - jnp.log(jnp.sum(jnp.exp(shifted), axis, where=where, keepdims=True))
    if where is not None:
        return jnp.where(where, result, -np.inf)
    return result


def _masked_max(x, axis, where, initial):
    """The max along axis (kept) of the elements `where` picks, `initial` if none; for
    integer x, the lowest integer (what JAX's conversion of -inf to an integer gives)."""
    dtype = get_aval(x).dtype
    if not dtypes.is_inexact(dtype):
        initial = dtypes.lowest(dtype)
    return jnp.max(x, axis, where=where, initial=initial, keepdims=True)


def _softmax_body(x, axis, where, initial, x_max_of=lambda m: m):
    x_max = _masked_max(x, axis, where, initial)
    x_safe = x if where is None else jnp.where(where, x, initial)
    unnormalized = jnp.exp(x_safe - x_max_of(x_max))
    # times the reciprocal of the sum (what XLA makes of JAX's division by the broadcast
    # sum): the reciprocal and its derivative are computed once per row, not per element
    result = unnormalized * (1 / jnp.sum(unnormalized, axis, where=where, keepdims=True))
    if where is not None:
        result = jnp.where(where, result, 0)
    return result


# JAX's softmax with config.softmax_custom_jvp: the derivative written with the output,
# y * (t - sum(y * t)), which saves memory and stays finite
_softmax = custom_jvp(_softmax_body, nondiff_argnums=(1,))


@_softmax.defjvp
def _softmax_jvp(axis, primals, tangents):
    (x, where, initial), (x_dot, _, _) = primals, tangents
    y = _softmax(x, axis, where, initial)
    return y, y * (x_dot - jnp.sum(y * x_dot, axis, where=where, keepdims=True))


@eager(static_argnames="axis")
def softmax(x, axis=-1, where=None):
    """exp(x) / sum(exp(x)) along `axis` (an int, a tuple, or None for all axes); the
    elements outside `where` are 0. A +inf input gives NaN everywhere (inf / inf)."""
    x = _array("softmax", x)
    # (the switch only changes derivatives, which never run through the eager program
    # compiled on the first call, so that program may ignore later changes of it)
    if config.read("softmax_custom_jvp"):
        return _softmax(x, axis, where, -np.inf)
    # JAX's default rule: differentiate the formula, with the max shift held constant
    return _softmax_body(x, axis, where, -np.inf, stop_gradient)


_ALGORITHMS = ("fast", "stable")


@eager(static_argnames=("axis", "algorithm"))
def standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5, where=None, *,
                algorithm="fast"):
    """(x - mean) / sqrt(variance + epsilon), the mean and variance over `axis` (those of
    the elements `where` picks) unless given. algorithm="fast" (JAX's default) computes the
    variance as mean(x^2) - mean(x)^2, clipped at 0; "stable" as mean((x - mean)^2)."""
    x = _array("standardize", x)
    for arg in (mean, variance, where):
        if arg is not None:
            check_arraylike("standardize", arg)
    if algorithm not in _ALGORITHMS:
        raise ValueError(f"standardize: unknown algorithm {algorithm!r}; expected 'fast' "
                         "or 'stable'")
    if mean is None:
        mean = jnp.mean(x, axis, keepdims=True, where=where)
    if variance is None:
        if algorithm == "stable":
            variance = jnp.mean(jnp.square(x - mean), axis, keepdims=True, where=where)
        else:  # may come out slightly negative, which rsqrt would turn into NaN
            variance = jnp.clip(jnp.mean(jnp.square(x), axis, keepdims=True, where=where)
                                - jnp.square(mean), 0)
    return jnp.subtract(x, mean) * lax.rsqrt(variance + epsilon)


@eager(static_argnames=("num_classes", "dtype", "axis"))
def _one_hot(x, num_classes, *, dtype, axis):
    aval = get_aval(x)
    if isinstance(axis, str) or (isinstance(axis, tuple) and axis
                                 and all(isinstance(a, str) for a in axis)):
        # a named (vmap/pmap) axis: the position along it is the class index
        size = axis_size(axis)
        if num_classes != size:
            raise ValueError(f"one_hot: expected num_classes to match the size of axis "
                             f"{axis}, but {num_classes} != {size}")
        return (x == lax.axis_index(axis)).astype(dtype)
    pos = canonical_axes("one_hot", axis, aval.ndim + 1)[0]
    lhs = lax.expand_dims(x, (pos,))
    rhs_shape = [1] * aval.ndim
    rhs_shape.insert(pos, num_classes)
    rhs = lax.broadcasted_iota(aval.dtype, tuple(rhs_shape), pos)
    return (lhs == rhs).astype(dtype)


def one_hot(x, num_classes, *, dtype=None, axis=-1):
    """One-hot encodes integer indices: a new axis `axis` of length `num_classes`, 1 at the
    index and 0 elsewhere; indices outside [0, num_classes) give all zeros. `axis` may be
    the name of a vmap axis of size num_classes. `dtype` defaults to the default float."""
    try:
        num_classes = operator.index(num_classes)
    except TypeError:
        raise TypeError(f"one_hot: num_classes must be a concrete integer, got "
                        f"{num_classes!r}") from None
    x = jnp.asarray(x)  # (JAX's one_hot takes lists too)
    x_dtype = get_aval(x).dtype
    if dtypes.kind(x_dtype) not in "iu":
        warn(f"jax.nn.one_hot input should be integer-typed; got dtype={x_dtype}",
             DeprecationWarning)
    dtype = dtypes.default_float() if dtype is None else dtypes.check_dtype(dtype, "one_hot")
    return _one_hot(x, num_classes, dtype=dtype, axis=axis)


# ---------------------------------------------------------------------------------------
# dot_product_attention
#
# Shapes as in JAX: B batch, T query length, S key/value length, N query heads, K key/value
# heads, G = N // K query heads per key/value head (grouped-query attention), H head size.

def _large_negative(dtype):
    # the softmax runs in float32, so the fill must stay finite there too
    big = min(float(dtypes.finfo(dtype).max), float(dtypes.finfo(dtypes.float32).max))
    return np.asarray(-0.7 * big, dtype)


def _attention_mask(logits_shape, mask, is_causal, q_seqlen, kv_seqlen, window):
    """The combined boolean mask (broadcastable to B N T S), or None when nothing masks."""
    T, S = logits_shape[2], logits_shape[3]
    parts = [] if mask is None else [mask]
    q_pos = lax.broadcasted_iota(dtypes.int32, (T, S), 0)
    k_pos = lax.broadcasted_iota(dtypes.int32, (T, S), 1)
    if is_causal:  # query t sees keys 0..t (aligned at the top left when T != S)
        parts.append(q_pos >= k_pos)
    if window is not None:
        left, right = window
        parts.append((q_pos <= k_pos + left) & (q_pos >= k_pos - right))
    if q_seqlen is not None:  # (B, 1, T, 1): the padding rows of each batch element
        parts.append(jnp.arange(T)[None, None, :, None] < q_seqlen[:, None, None, None])
    if kv_seqlen is not None:
        parts.append(jnp.arange(S)[None, None, None, :] < kv_seqlen[:, None, None, None])
    if not parts:
        return None
    combined = parts[0]
    for p in parts[1:]:
        combined = combined & p
    return combined


def _attention_xla(query, key, value, bias, mask, is_causal, scale, q_seqlen, kv_seqlen,
                   window, return_residual):
    B, T, N, H = get_aval(query).shape
    S, K = get_aval(key).shape[1:3]
    G = N // K
    q_dtype, k_dtype = get_aval(query).dtype, get_aval(key).dtype
    logits_dtype = jnp.promote_types(q_dtype, dtypes.float32)
    # logits[b, k, t, g, s] = sum_h q[b, t, k, g, h] key[b, s, k, h]; head n = k * G + g
    grouped = lax.reshape(query, (B, T, K, G, H))
    logits = lax.dot_general(grouped, key, (((4,), (3,)), ((0, 2), (0, 2))),
                             preferred_element_type=logits_dtype)
    logits = lax.reshape(lax.transpose(logits, (0, 1, 3, 2, 4)), (B, N, T, S))
    # (a Python or NumPy scale stays a literal of the program, not a captured array)
    static_scale = isinstance(scale, (int, float, np.generic, np.ndarray))
    logits = logits * (np.asarray(scale, logits_dtype) if static_scale
                       else jnp.asarray(scale, logits_dtype))
    if bias is not None:
        logits = (logits + bias).astype(logits_dtype)
    combined = _attention_mask((B, N, T, S), mask, is_causal, q_seqlen, kv_seqlen, window)
    if combined is not None:
        logits = jnp.where(combined, logits, _large_negative(logits_dtype))
    logits = logits.astype(dtypes.float32)  # the softmax always runs in float32, as JAX's
    probs = softmax(logits, axis=-1).astype(k_dtype)
    # encoded[b, k, h, g, t] = sum_s value[b, s, k, h] probs[b, k, g, t, s]: value on the
    # left, as JAX's einsum has it (its derivatives then compile to the same dots)
    encoded = lax.dot_general(value, lax.reshape(probs, (B, K, G, T, S)),
                              (((1,), (4,)), ((0, 2), (0, 1))))
    encoded = lax.reshape(lax.transpose(encoded, (0, 4, 1, 3, 2)), (B, T, N, H))
    if q_seqlen is not None:  # padding queries give zeros
        keep = jnp.arange(T)[None, :, None, None] < q_seqlen[:, None, None, None]
        encoded = encoded * keep.astype(get_aval(encoded).dtype)
    if not return_residual:
        return encoded
    lse = logsumexp(logits, axis=-1).astype(k_dtype)  # (B, N, T) -> (B, T, N)
    return encoded, stop_gradient(jnp.transpose(lse, (0, 2, 1)))


def _check_attention_arg(name, t, shape, dtype):
    """JAX's checks: t has len(shape) dimensions, dtype `dtype` (unless None) and the sizes
    of `shape` (-1: any)."""
    if t is None:
        return
    aval = get_aval(t)
    if aval.ndim != len(shape):
        raise ValueError(f"dot_product_attention: {name} should have {len(shape)} "
                         f"dimensions, got shape {aval.shape}")
    if dtype is not None and aval.dtype != dtype:
        raise ValueError(f"dot_product_attention: {name} dtype should be {dtype}, but got "
                         f"{aval.dtype}")
    if any(want not in (-1, got) for want, got in zip(shape, aval.shape)):
        raise ValueError(f"dot_product_attention: {name} shape should be "
                         f"{tuple(shape)} (-1: any size), but got {aval.shape}")


def _ensure_4d(t):
    t = jnp.asarray(t)
    ndim = get_aval(t).ndim
    return lax.expand_dims(t, tuple(range(4 - ndim))) if ndim < 4 else t


def _grouped_heads(name, t, N):
    """bias or mask with a head axis of 1 or N (JAX accepts no other size)."""
    if t is not None and get_aval(t).shape[1] not in (1, N):
        raise ValueError(f"dot_product_attention: {name} must have 1 or {N} heads (axis 1 "
                         f"of the B N T S layout), got shape {get_aval(t).shape}")


@eager(static_argnames=("is_causal", "local_window_size", "implementation",
                        "return_residual"))
def dot_product_attention(query, key, value, bias=None, mask=None, *, scale=None,
                          is_causal=False, query_seq_lengths=None,
                          key_value_seq_lengths=None, local_window_size=None,
                          implementation=None, return_residual=False):
    """softmax(Q K^T * scale + bias) V per head, scale defaulting to 1/sqrt(H).

    query is (B, T, N, H) or (T, N, H); key and value (B, S, K, H) or (S, K, H), where N
    is a multiple of K (grouped-query attention; K == 1 is multi-query attention). bias
    and mask (boolean, True = attend) broadcast to (B, N, T, S); is_causal masks keys after
    the query position; query_seq_lengths / key_value_seq_lengths (int32, shape (B,))
    mask padding (padding queries give zeros); local_window_size (left, right) or an int
    limits each query to a window of keys. return_residual also returns the logsumexp of
    the logits, shape (B, T, N). implementation: None or "xla" ("cudnn" is not available
    in xlafront).
    """
    if implementation == "cudnn":
        raise NotImplementedError(
            "dot_product_attention: implementation='cudnn' (cuDNN's fused attention) is not "
            "available in xlafront; use implementation=None or 'xla'")
    if implementation not in (None, "xla"):
        raise ValueError(f"dot_product_attention: unsupported implementation option "
                         f"{implementation!r}; expected None, 'xla' or 'cudnn'")
    output_shape = get_aval(jnp.asarray(query)).shape
    query, key, value = _ensure_4d(query), _ensure_4d(key), _ensure_4d(value)
    bias = None if bias is None else _ensure_4d(bias)
    mask = None if mask is None else _ensure_4d(mask)
    q_len = None if query_seq_lengths is None else jnp.asarray(query_seq_lengths)
    kv_len = None if key_value_seq_lengths is None else jnp.asarray(key_value_seq_lengths)
    if isinstance(local_window_size, int):
        local_window_size = (local_window_size, local_window_size)
    B, S, K, H = get_aval(key).shape
    k_dtype = get_aval(key).dtype
    _check_attention_arg("value", value, (B, S, K, H), k_dtype)
    _check_attention_arg("query", query, (B, -1, -1, H), k_dtype)
    _check_attention_arg("mask", mask, (-1,) * 4, dtypes.bool_)
    _check_attention_arg("bias", bias, (-1,) * 4, None)
    _check_attention_arg("query_seq_lengths", q_len, (B,), dtypes.int32)
    _check_attention_arg("key_value_seq_lengths", kv_len, (B,), dtypes.int32)
    N = get_aval(query).shape[2]
    if N % K:
        raise ValueError(f"dot_product_attention: the number of query heads must be a "
                         f"multiple of key/value heads, but got {N} vs {K}")
    _grouped_heads("bias", bias, N)
    _grouped_heads("mask", mask, N)
    scale = 1.0 / np.sqrt(H) if scale is None else scale
    out = _attention_xla(query, key, value, bias, mask, is_causal, scale, q_len, kv_len,
                         local_window_size, return_residual)
    if return_residual:
        out, residual = out
        return jnp.reshape(out, output_shape), jnp.reshape(residual, output_shape[:-1])
    return jnp.reshape(out, output_shape)


# ---------------------------------------------------------------------------------------
# Block-scaled matrix products

def scaled_matmul(lhs, rhs, lhs_scales, rhs_scales, preferred_element_type=np.float32):
    """Block-scaled batched matmul: lhs (B, M, K) and rhs (B, N, K), each multiplied by its
    scales (B, M, K_a) and (B, N, K_b) repeated over blocks of K // K_a and K // K_b along
    K, contracted over K in float32: result (B, M, N) of preferred_element_type.

    JAX runs this only through cuDNN (on GPUs with native mxfp8/nvfp4 support); xlafront
    computes the documented formula with XLA on any device, for any float operand and
    scale dtypes XLA converts (float8_e4m3fn / float8_e5m2 data with float8_e8m0fnu
    scales included).
    """
    avals = [get_aval(jnp.asarray(t)) for t in (lhs, rhs, lhs_scales, rhs_scales)]
    if not all(a.ndim == 3 for a in avals):
        raise ValueError(f"scaled_matmul requires all inputs to be 3-dimensional arrays, got "
                         f"shapes {[a.shape for a in avals]}")
    (B, M, K), (B_b, N, K_b), (B_as, M_as, K_as), (B_bs, N_bs, K_bs) = (a.shape for a in avals)
    if K != K_b or B != B_b:
        raise ValueError(f"scaled_matmul requires inputs a and b to have matching batch (B) "
                         f"and contract (K) dimensions, but got shapes {avals[0].shape} and "
                         f"{avals[1].shape}")
    if K_as != K_bs or B_as != B_bs:
        raise ValueError(f"scaled_matmul requires scales to have matching batch (B) and "
                         f"contract (K) dimensions, but got shapes {avals[2].shape} and "
                         f"{avals[3].shape}")
    if M_as != M or N_bs != N or B_as != B:
        raise ValueError(f"scaled_matmul requires scales to match non-contract dimensions of "
                         f"inputs, but got shapes a: {avals[0].shape}, b: {avals[1].shape}, "
                         f"a_scales: {avals[2].shape}, b_scales: {avals[3].shape}")
    if K_as == 0 or K % K_as:
        raise ValueError(f"scaled_matmul: the contract dimension {K} must be a multiple of "
                         f"the scales' last dimension {K_as}")
    out_dtype = dtypes.check_dtype(preferred_element_type, "scaled_matmul")
    return _scaled_matmul(lhs, rhs, lhs_scales, rhs_scales, out_dtype)


@eager(static_argnums=4)
def _scaled_matmul(lhs, rhs, lhs_scales, rhs_scales, out_dtype):
    def dequantize(x, scales):
        B, R, K = get_aval(x).shape
        blocks = get_aval(scales).shape[2]
        x = jnp.reshape(jnp.asarray(x).astype(dtypes.float32), (B, R, blocks, K // blocks))
        scaled = x * jnp.asarray(scales).astype(dtypes.float32)[..., None]
        return jnp.reshape(scaled, (B, R, K))
    out = lax.dot_general(dequantize(lhs, lhs_scales), dequantize(rhs, rhs_scales),
                          (((2,), (2,)), ((0,), (0,))), preferred_element_type=dtypes.float32)
    return out.astype(out_dtype)


class BlockScaleConfig:
    """A block-scaled quantization format for scaled_dot_general (JAX's dataclass of the
    same name): mode, block_size, data_type, scale_type, global_scale, infer_only."""
    __slots__ = ("mode", "block_size", "data_type", "scale_type", "global_scale",
                 "infer_only")

    def __init__(self, mode, block_size, data_type, scale_type, global_scale, infer_only):
        self.mode, self.block_size, self.data_type = mode, block_size, data_type
        self.scale_type, self.global_scale, self.infer_only = scale_type, global_scale, infer_only

    def __repr__(self):
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__)
        return f"BlockScaleConfig({fields})"

    def __eq__(self, other):
        return type(other) is BlockScaleConfig and all(
            getattr(self, k) is getattr(other, k) or getattr(self, k) == getattr(other, k)
            for k in self.__slots__)

    __hash__ = None


def get_scaled_dot_general_config(mode, global_scale=None):
    """The BlockScaleConfig of `mode`: "mxfp8" (float8_e4m3fn data, float8_e8m0fnu scales,
    blocks of 32) or "nvfp4" (float4_e2m1fn data, float8_e4m3fn scales, blocks of 16, and a
    float32 global scale, default 1)."""
    if mode == "nvfp4":
        return BlockScaleConfig(
            mode="nvfp4", block_size=16, data_type=np.dtype(ml_dtypes.float4_e2m1fn),
            scale_type=dtypes.float8_by_name["float8_e4m3fn"],
            global_scale=jnp.ones((1,), np.float32) if global_scale is None else global_scale,
            infer_only=False)
    if mode == "mxfp8":
        return BlockScaleConfig(
            mode="mxfp8", block_size=32, data_type=dtypes.float8_by_name["float8_e4m3fn"],
            scale_type=dtypes.float8_by_name["float8_e8m0fnu"], global_scale=None,
            infer_only=False)
    raise ValueError(f"Unsupported mode: {mode}")


def scaled_dot_general(lhs, rhs, dimension_numbers, preferred_element_type=np.float32,
                       configs=None, implementation=None):
    """lax.dot_general with block-scaled quantization of its operands per `configs` (from
    get_scaled_dot_general_config). With configs=None it is lax.dot_general with
    preferred_element_type. `implementation` is deprecated and ignored, as in JAX."""
    if implementation is not None:
        warn("Backend selector, now ignored. The system chooses the backend automatically.",
             DeprecationWarning)
    if configs is not None:
        modes = sorted({getattr(c, "mode", repr(c)) for c in configs})
        raise NotImplementedError(
            f"scaled_dot_general: quantized configs ({', '.join(modes)}) are not supported by "
            "xlafront: JAX computes them only with cuDNN's block-scaled dot on GPUs with "
            "native mxfp8/nvfp4 formats. Use configs=None, or quantize yourself and call "
            "scaled_matmul")
    return lax.dot_general(lhs, rhs, dimension_numbers,
                           preferred_element_type=preferred_element_type)
