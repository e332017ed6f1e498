"""jax.scipy.spatial.transform: Rotation (a scalar-last unit quaternion, or a stack of
them, as a pytree) and Slerp, as JAX 0.10.2. Every helper works on the last axis and
broadcasts over the ones before it."""
import re
import typing

import numpy as np

from ... import numpy as jnp
from ... import random
from ...dispatch import eager

__all__ = ["Rotation", "Slerp"]


def _norm(v):
    return jnp.sqrt(jnp.sum(v * v, -1))


@eager
def _normalize(quat):
    return quat / _norm(quat)[..., None]


def _with_w(xyz, w):
    return jnp.concatenate([xyz, w[..., None]], -1)


@eager
def _compose(p, q):
    """The quaternion of rotation p applied after q."""
    xyz = p[..., 3:] * q[..., :3] + q[..., 3:] * p[..., :3] + jnp.cross(p[..., :3], q[..., :3])
    return _with_w(xyz, p[..., 3] * q[..., 3] - jnp.sum(p[..., :3] * q[..., :3], -1))


@eager
def _as_matrix(quat):
    x, y, z, w = (quat[..., i] for i in range(4))
    rows = [[x * x - y * y - z * z + w * w, 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), -x * x + y * y - z * z + w * w, 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), -x * x - y * y + z * z + w * w]]
    return jnp.stack([jnp.stack(row, -1) for row in rows], -2)


@eager
def _from_matrix(m):
    """The quaternion of rotation matrices m, by the best conditioned of four formulas (the
    largest of the diagonal and the trace decides), as SciPy."""
    trace = m[..., 0, 0] + m[..., 1, 1] + m[..., 2, 2]
    candidates = []
    for i in range(3):
        j, k = (i + 1) % 3, (i + 2) % 3
        q = [None] * 4
        q[i] = 1 - trace + 2 * m[..., i, i]
        q[j], q[k] = m[..., j, i] + m[..., i, j], m[..., k, i] + m[..., i, k]
        q[3] = m[..., k, j] - m[..., j, k]
        candidates.append(jnp.stack(q, -1))
    candidates.append(jnp.stack([m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0],
                                 m[..., 1, 0] - m[..., 0, 1], 1 + trace], -1))
    decision = jnp.stack([m[..., 0, 0], m[..., 1, 1], m[..., 2, 2], trace], -1)
    choice = jnp.argmax(decision, -1)[..., None, None]
    quat = jnp.take_along_axis(jnp.stack(candidates, -2), choice, -2)[..., 0, :]
    return _normalize(quat)


@eager(static_argnames="degrees")
def _from_rotvec(rotvec, degrees):
    rotvec = jnp.deg2rad(rotvec) if degrees else rotvec
    angle = _norm(rotvec)
    angle2 = angle * angle  # a Taylor series near 0, where sin(angle / 2) / angle is 0 / 0
    scale = jnp.where(angle <= 1e-3, 0.5 - angle2 / 48 + angle2 * angle2 / 3840,
                      jnp.sin(angle / 2) / angle)
    return _with_w(scale[..., None] * rotvec, jnp.cos(angle / 2))


@eager(static_argnames="degrees")
def _as_rotvec(quat, degrees):
    quat = jnp.where(quat[..., 3:] < 0, -quat, quat)
    angle = 2 * jnp.arctan2(_norm(quat[..., :3]), quat[..., 3])
    angle2 = angle * angle
    scale = jnp.where(angle <= 1e-3, 2 + angle2 / 12 + 7 * angle2 * angle2 / 2880,
                      angle / jnp.sin(angle / 2))
    return (jnp.rad2deg(scale) if degrees else scale)[..., None] * quat[..., :3]


@eager(static_argnames=("axes", "intrinsic", "degrees"))
def _from_euler(angles, axes, intrinsic, degrees):
    angles = jnp.deg2rad(angles) if degrees else angles
    result = None
    for n, axis in enumerate(axes):
        half = angles[..., n] / 2
        parts = [jnp.zeros_like(half)] * 3 + [jnp.cos(half)]
        parts[axis] = jnp.sin(half)
        quat = jnp.stack(parts, -1)
        result = quat if result is None else (
            _compose(result, quat) if intrinsic else _compose(quat, result))
    return result


@eager(static_argnames=("axes", "extrinsic", "degrees"))
def _as_euler(quat, axes, extrinsic, degrees):
    """Euler angles of quat about axes (three, consecutive ones different): SciPy's
    quaternion method, the third angle 0 at gimbal lock."""
    i, j, k = axes if extrinsic else axes[::-1]
    symmetric = i == k  # e.g. 'zxz'
    k = 3 - i - j if symmetric else k
    sign = (i - j) * (j - k) * (k - i) // 2
    q = [quat[..., n] for n in range(4)]
    if symmetric:
        a, b, c, d = q[3], q[i], q[j], q[k] * sign
    else:
        a, b, c, d = q[3] - q[j], q[i] + q[k] * sign, q[j] + q[3], q[k] * sign - q[i]
    middle = 2 * jnp.arctan2(jnp.hypot(c, d), jnp.hypot(a, b))
    case = jnp.where(jnp.abs(middle) <= 1e-7, 1, jnp.where(jnp.abs(middle - np.pi) <= 1e-7, 2, 0))
    half_sum, half_diff = jnp.arctan2(b, a), jnp.arctan2(d, c)
    angles = [jnp.where(case == 1, 2 * half_sum, 2 * half_diff * (-1 if extrinsic else 1)),
              middle, jnp.zeros_like(middle)]
    first, third = (0, 2) if extrinsic else (2, 0)
    angles[first] = jnp.where(case == 0, half_sum - half_diff, angles[first])
    angles[third] = jnp.where(case == 0, half_sum + half_diff, angles[third])
    if not symmetric:
        angles[third], angles[1] = angles[third] * sign, angles[1] - np.pi / 2
    angles = (jnp.stack(angles, -1) + np.pi) % (2 * np.pi) - np.pi
    return jnp.rad2deg(angles) if degrees else angles


@eager
def _from_mrp(mrp):
    squared_plus_1 = jnp.sum(mrp * mrp, -1)[..., None] + 1
    return jnp.concatenate([2 * mrp, 2 - squared_plus_1], -1) / squared_plus_1


@eager
def _as_mrp(quat):
    sign = jnp.where(quat[..., 3:] < 0, -1.0, 1.0)
    return sign * quat[..., :3] / (1 + sign * quat[..., 3:])


@eager
def _canonical(quat):
    """quat or -quat (the same rotation): the one whose first nonzero of w, x, y, z is
    positive."""
    w, x, y, z = (quat[..., i] for i in (3, 0, 1, 2))
    neg = (w < 0) | (w == 0) & ((x < 0) | (x == 0) & ((y < 0) | (y == 0) & (z < 0)))
    return jnp.where(neg[..., None], -quat, quat)


@eager
def _apply(quat, vectors, inverse):
    matrix = _as_matrix(quat)
    matrix = jnp.where(inverse, jnp.swapaxes(matrix, -1, -2), matrix)
    return jnp.einsum("...ij,...j->...i", matrix, vectors)


@eager
def _magnitude(quat):
    return 2 * jnp.arctan2(_norm(quat[..., :3]), jnp.abs(quat[..., 3]))


def _parse_seq(seq, lengths):
    """(axis indices, intrinsic) of an Euler sequence: 'xyz' extrinsic, 'XYZ' intrinsic."""
    if not isinstance(seq, str) or len(seq) not in lengths:
        raise ValueError(f"Expected axis specification to be a string of {lengths[0]} to "
                         f"{lengths[-1]} characters, got {seq!r}")
    intrinsic = re.match("^[XYZ]+$", seq) is not None
    if not (intrinsic or re.match("^[xyz]+$", seq)):
        raise ValueError(f"Expected axes from `seq` to be from ['x', 'y', 'z'] or "
                         f"['X', 'Y', 'Z'], got {seq!r}")
    if any(a == b for a, b in zip(seq, seq[1:])):
        raise ValueError(f"Expected consecutive axes to be different, got {seq!r}")
    return tuple("xyz".index(c) for c in seq.lower()), intrinsic


class Rotation(typing.NamedTuple):
    """Rotations in 3 dimensions (scipy.spatial.transform.Rotation), held as scalar-last
    unit quaternions `quat` of shape (4,) or (N, 4)."""
    quat: typing.Any

    @classmethod
    def concatenate(cls, rotations):
        """The rotations of a sequence of Rotation objects, as one."""
        return cls(jnp.concatenate([jnp.atleast_2d(r.quat) for r in rotations]))

    @classmethod
    def from_euler(cls, seq, angles, degrees=False):
        """Rotations from Euler angles about 1 to 3 axes: 'xyz' extrinsic, 'XYZ' intrinsic."""
        axes, intrinsic = _parse_seq(seq, (1, 2, 3))
        angles = jnp.atleast_1d(angles)
        if angles.shape[-1] != len(axes):
            raise ValueError(f"Expected last dimension of `angles` to match number of "
                             f"sequence axes specified ({len(axes)}), got shape {angles.shape}")
        return cls(_from_euler(angles, axes, intrinsic, degrees))

    @classmethod
    def from_matrix(cls, matrix):
        """Rotations from 3x3 rotation matrices."""
        return cls(_from_matrix(jnp.asarray(matrix)))

    @classmethod
    def from_mrp(cls, mrp):
        """Rotations from modified Rodrigues parameters."""
        return cls(_from_mrp(jnp.asarray(mrp)))

    @classmethod
    def from_quat(cls, quat):
        """Rotations from scalar-last quaternions (normalized here)."""
        return cls(_normalize(jnp.asarray(quat)))

    @classmethod
    def from_rotvec(cls, rotvec, degrees=False):
        """Rotations from rotation vectors (axis times angle)."""
        return cls(_from_rotvec(jnp.asarray(rotvec), degrees))

    @classmethod
    def identity(cls, num=None, dtype=float):
        """The identity rotation, or `num` of them."""
        quat = jnp.array([0.0, 0.0, 0.0, 1.0], dtype=dtype)
        return cls(quat if num is None else jnp.tile(quat, (num, 1)))

    @classmethod
    def random(cls, random_key, num=None):
        """Uniformly distributed rotations (normalized Gaussian quaternions), from a key."""
        return cls(_normalize(random.normal(random_key, (() if num is None else (num,)) + (4,))))

    def __getitem__(self, indexer):
        if self.single:
            raise TypeError("Single rotation is not subscriptable.")
        return Rotation(self.quat[indexer])

    def __len__(self):
        if self.single:
            raise TypeError("Single rotation has no len().")
        return self.quat.shape[0]

    def __mul__(self, other):
        """The composition: `other` applied first, then self."""
        if not isinstance(other, Rotation):
            return NotImplemented
        return Rotation.from_quat(_compose(self.quat, other.quat))

    def apply(self, vectors, inverse=False):
        """The rotations (or their inverses) applied to vectors of shape (3,) or (N, 3)."""
        return _apply(self.quat, jnp.asarray(vectors), inverse)

    def as_euler(self, seq, degrees=False):
        """Euler angles about 3 axes: 'xyz' extrinsic, 'XYZ' intrinsic."""
        axes, intrinsic = _parse_seq(seq, (3,))
        return _as_euler(self.quat, axes, not intrinsic, degrees)

    def as_matrix(self):
        """The 3x3 rotation matrices."""
        return _as_matrix(self.quat)

    def as_mrp(self):
        """Modified Rodrigues parameters (the shorter rotation's)."""
        return _as_mrp(self.quat)

    def as_rotvec(self, degrees=False):
        """Rotation vectors (axis times angle, the angle in [0, pi])."""
        return _as_rotvec(self.quat, degrees)

    def as_quat(self, canonical=False, scalar_first=False):
        """The quaternions: scalar-last unless scalar_first; with canonical, w >= 0 (the
        first nonzero of w, x, y, z positive)."""
        quat = _canonical(self.quat) if canonical else self.quat
        return jnp.roll(quat, 1, -1) if scalar_first else quat

    def inv(self):
        """The inverse rotations."""
        return Rotation(self.quat * jnp.array([-1, -1, -1, 1], dtype=self.quat.dtype))

    def magnitude(self):
        """The rotation angles, in [0, pi]."""
        return _magnitude(self.quat)

    def mean(self, weights=None):
        """The (weighted) mean rotation: the top eigenvector of sum w q q^T."""
        w = (jnp.ones(self.quat.shape[0], self.quat.dtype) if weights is None
             else jnp.asarray(weights, self.quat.dtype))
        if w.ndim != 1:
            raise ValueError(f"Expected `weights` to be 1 dimensional, got shape {w.shape}.")
        if w.shape[0] != len(self):
            raise ValueError(f"Expected `weights` to have number of values equal to number of "
                             f"rotations, got {w.shape[0]} values and {len(self)} rotations.")
        _, v = jnp.linalg.eigh(jnp.dot(w * self.quat.T, self.quat))
        return Rotation(v[:, -1])

    @property
    def single(self):
        """Whether this is one rotation (not a stack)."""
        return self.quat.ndim == 1


class Slerp(typing.NamedTuple):
    """Spherical linear interpolation of rotations (scipy.spatial.transform.Slerp): made
    with Slerp.init(times, rotations), called with the times to interpolate at."""
    times: typing.Any
    timedelta: typing.Any
    rotations: Rotation
    rotvecs: typing.Any

    @classmethod
    def init(cls, times, rotations):
        """The interpolator through `rotations` (at least 2) at increasing `times`."""
        if not isinstance(rotations, Rotation):
            raise TypeError("`rotations` must be a `Rotation` instance.")
        if rotations.single or len(rotations) == 1:
            raise ValueError("`rotations` must be a sequence of at least 2 rotations.")
        times = jnp.asarray(times, dtype=rotations.quat.dtype)
        if times.ndim != 1 or times.shape[0] != len(rotations):
            raise ValueError(f"Expected a 1-dimensional array of {len(rotations)} times (one "
                             f"per rotation), got shape {times.shape}.")
        starts = Rotation(rotations.quat[:-1])
        steps = (starts.inv() * Rotation(rotations.quat[1:])).as_rotvec()
        return cls(times, jnp.diff(times), starts, steps)

    def __call__(self, times):
        """The interpolated rotations at `times` (a scalar or 1-D)."""
        times = jnp.asarray(times, dtype=self.times.dtype)
        if times.ndim > 1:
            raise ValueError("`times` must be at most 1-dimensional.")
        at = jnp.atleast_1d(times)
        ind = jnp.maximum(jnp.searchsorted(self.times, at) - 1, 0)
        alpha = (at - self.times[ind]) / self.timedelta[ind]
        result = self.rotations[ind] * Rotation.from_rotvec(self.rotvecs[ind] * alpha[:, None])
        return result[0] if times.ndim == 0 else result
