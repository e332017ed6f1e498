"""jax.ops: the segment reductions (segment_sum, segment_prod, segment_max, segment_min),
each one scatter of the data rows into an output of one row per segment, as JAX does.

By default (mode=None, FILL_OR_DROP) a row whose segment id is outside [0, num_segments)
is dropped, and an empty segment holds the reduction's identity (0, 1, the dtype's lowest
or highest value)."""
import operator

import numpy as np

from . import numpy as jnp
from .core import concrete_or_error
from .dispatch import eager
from .lax import GatherScatterMode
from .numpy._util import check_arraylike

__all__ = ["segment_max", "segment_min", "segment_prod", "segment_sum"]

_REDUCERS = {"add": jnp.sum, "multiply": jnp.prod, "max": jnp.max, "min": jnp.min}


def _identity(kind, dtype):
    """What an empty segment holds: the reduction's identity in `dtype`."""
    if kind in ("add", "multiply"):
        return int(kind == "multiply")
    highest = kind == "min"
    if dtype == np.bool_:
        return highest
    if np.issubdtype(dtype, np.integer):
        return np.iinfo(dtype).max if highest else np.iinfo(dtype).min
    return np.inf if highest else -np.inf


@eager(static_argnums=(0, 3, 4, 5, 6, 7))
def _segment_update(kind, data, segment_ids, num_segments, indices_are_sorted, unique_indices,
                    bucket_size, mode):
    data, segment_ids = jnp.asarray(data), jnp.asarray(segment_ids)
    dtype, fill = data.dtype, _identity(kind, data.dtype)
    if bucket_size is None:
        out = jnp.full((num_segments,) + data.shape[1:], fill, dtype)
        index = segment_ids
    else:  # row i goes to bucket i // bucket_size; the buckets are reduced at the end
        n = segment_ids.shape[0]
        out = jnp.full((-(-n // bucket_size), num_segments) + data.shape[1:], fill, dtype)
        index = (jnp.arange(n) // bucket_size, segment_ids[None, :])
    out = getattr(out.at[index], kind)(data, indices_are_sorted=indices_are_sorted,
                                       unique_indices=unique_indices, mode=mode,
                                       wrap_negative_indices=False)
    return out if bucket_size is None else _REDUCERS[kind](out, axis=0).astype(dtype)


def _segment(name, kind, data, segment_ids, num_segments, indices_are_sorted, unique_indices,
             bucket_size, mode, out_sharding):
    check_arraylike(name, data, segment_ids)
    if out_sharding is not None:
        raise NotImplementedError(f"{name}: out_sharding is not supported yet; got "
                                  f"{out_sharding!r}")
    what = f"{name} num_segments"
    if num_segments is None:  # max(segment_ids) + 1 needs concrete ids
        num_segments = np.max(np.asarray(concrete_or_error(segment_ids, what))) + 1
    num_segments = operator.index(concrete_or_error(num_segments, what))
    if num_segments < 0:
        raise ValueError(f"{name}: num_segments must be non-negative, got {num_segments}")
    if bucket_size is not None and operator.index(bucket_size) <= 0:
        raise ValueError(f"{name}: bucket_size must be a positive integer, got {bucket_size}")
    mode = GatherScatterMode.FILL_OR_DROP if mode is None else GatherScatterMode.from_any(mode)
    return _segment_update(kind, data, segment_ids, num_segments, bool(indices_are_sorted),
                           bool(unique_indices),
                           None if bucket_size is None else operator.index(bucket_size), mode)


def segment_sum(data, segment_ids, num_segments=None, indices_are_sorted=False,
                unique_indices=False, bucket_size=None, mode=None, out_sharding=None):
    """Sums of the rows of `data` (along its leading axis) per segment id: an array of shape
    (num_segments,) + data.shape[1:]; num_segments defaults to max(segment_ids) + 1."""
    return _segment("segment_sum", "add", data, segment_ids, num_segments,
                    indices_are_sorted, unique_indices, bucket_size, mode, out_sharding)


def segment_prod(data, segment_ids, num_segments=None, indices_are_sorted=False,
                 unique_indices=False, bucket_size=None, mode=None, out_sharding=None):
    """Products of the rows of `data` per segment id (1 for an empty segment)."""
    return _segment("segment_prod", "multiply", data, segment_ids, num_segments,
                    indices_are_sorted, unique_indices, bucket_size, mode, out_sharding)


def segment_max(data, segment_ids, num_segments=None, indices_are_sorted=False,
                unique_indices=False, bucket_size=None, mode=None, out_sharding=None):
    """Maxima of the rows of `data` per segment id (-inf, or the dtype's lowest value, for an
    empty segment)."""
    return _segment("segment_max", "max", data, segment_ids, num_segments,
                    indices_are_sorted, unique_indices, bucket_size, mode, out_sharding)


def segment_min(data, segment_ids, num_segments=None, indices_are_sorted=False,
                unique_indices=False, bucket_size=None, mode=None, out_sharding=None):
    """Minima of the rows of `data` per segment id (inf, or the dtype's highest value, for an
    empty segment)."""
    return _segment("segment_min", "min", data, segment_ids, num_segments,
                    indices_are_sorted, unique_indices, bucket_size, mode, out_sharding)
