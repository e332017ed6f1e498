"""xlafront.ops (jax.ops): the segment reductions against NumPy loops over the rows, with
JAX's documented semantics: ids outside [0, num_segments) dropped (by default), an empty
segment holding the reduction's identity, num_segments = max(ids) + 1 by default (which
needs concrete ids), bucketing; gradients, jit and vmap."""
import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as np
from xlafront import ops
from xlafront.test_util import check_grads

from conftest import assert_close, rng_for

_NP = {"segment_sum": (onp.add, 0), "segment_prod": (onp.multiply, 1),
       "segment_max": (onp.maximum, None), "segment_min": (onp.minimum, None)}


def _identity(name, dtype):
    if name in ("segment_sum", "segment_prod"):
        return _NP[name][1]
    highest = name == "segment_min"
    if dtype == onp.bool_:
        return highest
    if dtype.kind in "iu":
        return onp.iinfo(dtype).max if highest else onp.iinfo(dtype).min
    return onp.inf if highest else -onp.inf


def np_segment(name, data, ids, num_segments):
    """The reduction by a loop over the rows: rows with ids outside [0, n) are dropped."""
    op = _NP[name][0]
    data = onp.asarray(data)
    out = onp.full((num_segments,) + data.shape[1:], _identity(name, data.dtype), data.dtype)
    for row, i in zip(data, ids):
        if 0 <= i < num_segments:
            out[i] = op(out[i], row)
    return out


IDS = onp.array([3, 0, 0, -1, 2, 7, 3, 0, 5], onp.int32)  # -1, 5 and 7 out of range for 4
FULL_IDS = onp.array([3, 0, 1, 2, 2, 1, 3, 0, 1], onp.int32)  # no segment empty


@pytest.mark.parametrize("name", sorted(_NP))
@pytest.mark.parametrize("dtype", [onp.float32, onp.int32, onp.uint8])
def test_segment_ops_match_numpy(name, dtype):
    rng = rng_for(name, dtype)
    data = (rng.integers(1, 4, (9, 2)) if dtype != onp.float32
            else rng.normal(size=(9, 2))).astype(dtype)
    # segment 1 is empty: it holds the identity (0, 1, the lowest or highest value)
    assert_close(getattr(ops, name)(data, IDS, 4), np_segment(name, data, IDS, 4))
    assert_close(getattr(ops, name)(data, IDS, 4, bucket_size=2),
                 np_segment(name, data, IDS, 4), rtol=1e-5)


def test_segment_defaults_and_modes():
    data = onp.arange(6.0, dtype=onp.float32)
    ids = onp.array([0, 1, 1, 2, 2, 2], onp.int32)
    assert_close(ops.segment_sum(data, ids), onp.array([0, 3, 12], onp.float32))  # max + 1
    assert_close(ops.segment_sum(data, ids, indices_are_sorted=True),
                 onp.array([0, 3, 12], onp.float32))
    assert_close(ops.segment_max(onp.array([True, False, True]), onp.array([0, 0, 2]), 3),
                 onp.array([True, False, True]))
    # mode="clip" moves out-of-range ids to the nearest segment instead of dropping them
    ids = onp.array([0, 0, 2, -1, 5, 2], onp.int32)
    assert_close(ops.segment_sum(data, ids, 4, mode="clip"),
                 onp.array([4, 0, 7, 4], onp.float32))
    assert_close(ops.segment_sum(data, ids, 4, mode=xf.lax.GatherScatterMode.FILL_OR_DROP),
                 onp.array([1, 0, 7, 0], onp.float32))
    assert_close(ops.segment_prod(data + 1, onp.arange(6), 6, unique_indices=True), data + 1)
    assert ops.segment_sum(onp.ones(3, onp.int8), onp.array([0, 1, 1])).dtype == onp.int8


def test_segment_sum_gradient_vmap_and_jit():
    rng = rng_for("segment_grad")
    data = rng.normal(size=(9, 2)).astype(onp.float64)
    with xf.enable_x64(True):
        check_grads(lambda d: ops.segment_sum(d, IDS, 4), (data,), order=2)
        # (no empty segment: check_grads compares the -inf it would hold as a mismatch)
        check_grads(lambda d: ops.segment_max(d, FULL_IDS, 4), (data,), order=1)
    # d/d data of sum(w * segment_sum(data)): w of each row's segment, 0 for dropped rows
    w = onp.arange(1.0, 5.0, dtype=onp.float32)
    grad = xf.grad(lambda d: np.sum(w[:, None] * ops.segment_sum(d, IDS, 4)))(
        data.astype(onp.float32))
    expected = onp.array([w[i] if 0 <= i < 4 else 0 for i in IDS], onp.float32)
    assert_close(grad, onp.repeat(expected[:, None], 2, axis=1))
    batch = rng.normal(size=(3, 9, 2)).astype(onp.float32)
    assert_close(xf.vmap(lambda d: ops.segment_sum(d, IDS, 4))(batch),
                 onp.stack([np_segment("segment_sum", b, IDS, 4) for b in batch]), rtol=1e-5)
    id_batch = onp.stack([IDS, IDS[::-1]])
    assert_close(xf.vmap(lambda i: ops.segment_min(batch[0], i, 4))(id_batch),
                 onp.stack([np_segment("segment_min", batch[0], i, 4) for i in id_batch]))
    jitted = xf.jit(ops.segment_sum, static_argnums=2)
    assert_close(jitted(batch[0], IDS, 4), np_segment("segment_sum", batch[0], IDS, 4),
                 rtol=1e-5)


def test_segment_errors():
    data = onp.ones(3, onp.float32)
    with pytest.raises(ValueError, match="num_segments must be non-negative"):
        ops.segment_sum(data, onp.array([0, 1, 2]), -1)
    with pytest.raises(ValueError, match="bucket_size must be a positive integer"):
        ops.segment_sum(data, onp.array([0, 1, 2]), 3, bucket_size=0)
    with pytest.raises(TypeError, match="integer or boolean dtype"):
        ops.segment_sum(data, onp.array([0.0, 1.0, 2.0], onp.float32), 3)
    with pytest.raises(TypeError, match="segment_max: expected an array or a scalar, got .*list.*np.asarray"):
        ops.segment_max([1.0, 2.0], onp.array([0, 1]))
    with pytest.raises(xf.errors.ConcretizationTypeError, match="num_segments"):
        xf.jit(ops.segment_sum)(data, onp.array([0, 1, 2]))  # num_segments not static
    with pytest.raises(NotImplementedError, match="out_sharding"):
        ops.segment_sum(data, onp.array([0, 1, 2]), 3, out_sharding=object())
