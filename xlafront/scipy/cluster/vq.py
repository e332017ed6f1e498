"""jax.scipy.cluster.vq: vq, as JAX 0.10.2."""
from ... import dtypes
from ... import numpy as jnp
from ...dispatch import eager
from ...numpy._util import check_arraylike, promote_dtypes

__all__ = ["vq"]


@eager(static_argnames="check_finite")
def vq(obs, code_book, check_finite=True):
    """(code, distance): the index of the code_book row nearest (in Euclidean distance) to
    each observation, and that distance (scipy.cluster.vq.vq). check_finite has no effect,
    as in JAX (the values are not inspected)."""
    check_arraylike("vq", obs, code_book)
    (obs, code_book), _ = promote_dtypes("vq", obs, code_book, to=dtypes.to_inexact)
    obs, code_book = jnp.asarray(obs), jnp.asarray(code_book)
    if obs.ndim != code_book.ndim:
        raise ValueError(f"vq: observation and code_book should have the same rank, got "
                         f"shapes {obs.shape} and {code_book.shape}")
    if obs.ndim == 1:
        obs, code_book = obs[:, None], code_book[:, None]
    if obs.ndim != 2:
        raise ValueError(f"vq: only 1-D and 2-D inputs are supported, got {obs.ndim}-D")
    dist = jnp.linalg.norm(obs[:, None, :] - code_book[None, :, :], axis=-1)
    code = jnp.argmin(dist, axis=-1)
    return code, jnp.take_along_axis(dist, code[:, None], axis=-1)[:, 0]
