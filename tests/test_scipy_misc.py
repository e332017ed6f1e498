"""xlafront.scipy's smaller modules against SciPy: optimize (BFGS), integrate, ndimage,
interpolate, spatial.transform and cluster; under jit and vmap; and their errors."""
import numpy as onp
import pytest
import scipy.cluster.vq as svq
import scipy.integrate as sint
import scipy.interpolate as sinterp
import scipy.ndimage as snd
import scipy.optimize as sopt
from scipy.spatial.transform import Rotation as SRotation, Slerp as SSlerp

import xlafront as xf
import xlafront.numpy as jnp
import xlafront.scipy as xsp
from xlafront.scipy.cluster.vq import vq
from xlafront.scipy.interpolate import RegularGridInterpolator
from xlafront.scipy.ndimage import map_coordinates
from xlafront.scipy.optimize import OptimizeResults, minimize
from xlafront.scipy.spatial.transform import Rotation, Slerp
from conftest import assert_close, rng_for

f32 = onp.float32


def _rand(shape, *key, dtype=f32, lo=None, hi=None):
    rng = rng_for("scipy-misc", shape, *key)
    x = rng.standard_normal(shape) if lo is None else rng.uniform(lo, hi, shape)
    return jnp.asarray(x.astype(dtype))


def test_submodules_load_lazily():
    for name in ("signal", "fft", "optimize", "integrate", "ndimage", "interpolate", "spatial",
                 "cluster"):
        assert getattr(xsp, name).__name__ == f"xlafront.scipy.{name}"
    assert xsp.spatial.transform.Rotation is Rotation and xsp.cluster.vq.vq is vq


# ---------------------------------------------------------------------------------------
# optimize.minimize (BFGS)

def rosen(x):
    return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


@pytest.mark.parametrize("x0", [[-1.2, 1.0], [1.3, 0.7, 0.8, 1.9, 1.2]])
def test_bfgs_rosenbrock_against_scipy(x0):
    # float32 rounding leaves gradients of ~1e-5 at the minimum, so the float32 run asks
    # for gtol=1e-4 (whether 1e-5 is reached depends on XLA's rounding, not on BFGS)
    x0 = onp.array(x0, f32)
    want = sopt.minimize(sopt.rosen, x0.astype(onp.float64), method="BFGS", jac=sopt.rosen_der)
    got = minimize(rosen, jnp.asarray(x0), method="BFGS", options=dict(gtol=1e-4))
    assert isinstance(got, OptimizeResults) and want.success
    assert bool(got.success) and int(got.status) == 0
    assert_close(got.x, want.x.astype(f32), rtol=1e-4, atol=1e-4)
    assert float(got.fun) < 1e-8 and got.fun.dtype == f32
    assert float(jnp.abs(got.jac).max()) < 1e-4  # gtol, in the inf norm
    assert 0 < int(got.nit) < 200 * x0.size and int(got.nfev) == int(got.njev) > int(got.nit)


@pytest.mark.parametrize("x0", [[-1.2, 1.0], [1.3, 0.7, 0.8, 1.9, 1.2]])
def test_bfgs_rosenbrock_float64_default_gtol(x0, x64):
    want = sopt.minimize(sopt.rosen, onp.array(x0), method="BFGS", jac=sopt.rosen_der)
    got = minimize(rosen, jnp.asarray(x0, jnp.float64), method="BFGS")
    assert bool(got.success) and int(got.status) == 0 and got.x.dtype == onp.float64
    assert_close(got.x, want.x, rtol=1e-6, atol=1e-6)
    assert float(jnp.abs(got.jac).max()) < 1e-5


def _quadratic(x, a, b):
    return 0.5 * x @ a @ x - b @ x


A = onp.array([[3.0, 1, 0], [1, 4, 1], [0, 1, 2]])
B = onp.array([1.0, -2, 3])


def test_bfgs_quadratic_against_scipy(x64):
    want = sopt.minimize(_quadratic, onp.zeros(3), args=(A, B), method="BFGS")
    got = minimize(_quadratic, jnp.zeros(3), args=(jnp.asarray(A), jnp.asarray(B)),
                   method="BFGS")
    assert bool(got.success) and want.success and got.x.dtype == onp.float64
    assert_close(got.x, onp.linalg.solve(A, B), rtol=1e-6, atol=1e-6)
    assert_close(got.x, want.x, rtol=1e-5, atol=1e-5)
    assert_close(got.fun, onp.float64(want.fun), rtol=1e-10)
    assert_close(got.hess_inv, onp.linalg.inv(A), rtol=0.1, atol=0.05)  # an estimate
    assert_close(got.jac, onp.zeros(3), atol=1e-5)


def test_bfgs_options_and_transforms():
    a, b = jnp.asarray(A.astype(f32)), jnp.asarray(B.astype(f32))
    # float32 cannot reach gtol=1e-5 here (its f has 7 digits); tol=1e-4 sets gtol as SciPy
    got = minimize(_quadratic, jnp.zeros(3), args=(a, b), method="bfgs", tol=1e-4)
    assert bool(got.success)
    assert_close(got.x, onp.linalg.solve(A, B).astype(f32), rtol=1e-4, atol=1e-4)
    # maxiter reached: status 1, not a success
    got = minimize(_quadratic, jnp.zeros(3), args=(a, b), method="BFGS",
                   options=dict(maxiter=2))
    assert int(got.status) == 1 and not bool(got.success) and int(got.nit) == 2
    # under jit and vmap (one linear term per problem)
    solve = xf.jit(lambda b: minimize(_quadratic, jnp.zeros(3), args=(a, b), method="BFGS",
                                      tol=1e-4).x)
    bs = jnp.stack([b, -b])
    want = onp.linalg.solve(A, onp.stack([B, -B]).T).T.astype(f32)
    assert_close(xf.vmap(solve)(bs), want, rtol=1e-4, atol=1e-4)
    assert_close(solve(b), want[0], rtol=1e-4, atol=1e-4)


def test_minimize_errors():
    with pytest.raises(TypeError, match="tuple"):
        minimize(rosen, jnp.zeros(2), args=[1], method="BFGS")
    with pytest.raises(ValueError, match="not recognized"):
        minimize(rosen, jnp.zeros(2), method="Nelder-Mead")
    with pytest.raises(ValueError, match="1-dimensional"):
        minimize(rosen, jnp.zeros((2, 2)), method="BFGS")
    with pytest.raises(TypeError):
        minimize(rosen, jnp.zeros(2), method="BFGS", options=dict(maxfun=3))


# ---------------------------------------------------------------------------------------
# integrate

def test_trapezoid_against_scipy():
    y, x = _rand((3, 6), 1), _rand((6,), 2)
    assert_close(xsp.integrate.trapezoid(y), sint.trapezoid(onp.asarray(y)).astype(f32),
                 rtol=1e-5, atol=1e-6)
    assert_close(xsp.integrate.trapezoid(y, x), sint.trapezoid(y, x).astype(f32), rtol=1e-5,
                 atol=1e-5)
    assert_close(xsp.integrate.trapezoid(y, dx=0.5, axis=0),
                 sint.trapezoid(y, dx=0.5, axis=0).astype(f32), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------
# ndimage.map_coordinates

# JAX's 'constant' and 'wrap' are SciPy's 'grid-constant' and 'grid-wrap'
SCIPY_MODE = {"constant": "grid-constant", "wrap": "grid-wrap"}


@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("mode", ["constant", "nearest", "wrap", "mirror", "reflect"])
def test_map_coordinates_against_scipy(mode, order):
    x = _rand((5, 6), 3) * 10
    coords = [_rand((4, 3), 4, lo=-3, hi=8), _rand((4, 3), 5, lo=-3, hi=9)]
    want = snd.map_coordinates(x, coords, order=order, mode=SCIPY_MODE.get(mode, mode),
                               cval=1.5)
    assert_close(map_coordinates(x, coords, order, mode=mode, cval=1.5), want.astype(f32),
                 rtol=1e-5, atol=1e-5)


def test_map_coordinates_values_and_transforms():
    # integer input: the result rounds half away from zero; outside is cval (0)
    c = [jnp.array([0.5, 1.5, 2.4, -0.5])]
    assert_close(map_coordinates(jnp.arange(5), c, 1), onp.array([1, 2, 2, 0], onp.int32))
    assert_close(map_coordinates(jnp.arange(5), c, 0), onp.array([1, 2, 2, 0], onp.int32))
    x = _rand((4, 4), 6)
    coords = _rand((2, 7), 7, lo=0, hi=3)
    want = snd.map_coordinates(x, coords, order=1)
    assert_close(xf.jit(lambda x, c: map_coordinates(x, list(c), 1))(x, coords),
                 want.astype(f32), rtol=1e-5, atol=1e-6)
    assert_close(xf.vmap(lambda c: map_coordinates(x, list(c), 1), in_axes=1)(coords),
                 want.astype(f32), rtol=1e-5, atol=1e-6)
    with pytest.raises(NotImplementedError, match="order"):
        map_coordinates(x, list(coords), 3)
    with pytest.raises(NotImplementedError, match="mode"):
        map_coordinates(x, list(coords), 1, mode="grid-wrap")
    with pytest.raises(ValueError, match="length"):
        map_coordinates(x, [coords[0]], 1)


# ---------------------------------------------------------------------------------------
# interpolate.RegularGridInterpolator

GRID = (onp.array([0.0, 1, 2.5, 4]), onp.array([-1.0, 0, 2]))


@pytest.mark.parametrize("method,fill", [("linear", onp.nan), ("nearest", None),
                                         ("linear", None), ("nearest", 3.0)])
def test_regular_grid_against_scipy(method, fill):
    values = _rand((4, 3), 8)
    xi = jnp.stack([_rand((7,), 9, lo=-0.5, hi=4.5), _rand((7,), 10, lo=-1.3, hi=2.3)], -1)
    want = sinterp.RegularGridInterpolator(GRID, values, method=method, bounds_error=False,
                                           fill_value=fill)(xi)
    got = RegularGridInterpolator(GRID, values, method=method, fill_value=fill)(xi)
    assert_close(got, want.astype(f32), rtol=1e-5, atol=1e-6)


def test_regular_grid_forms_and_transforms():
    values = _rand((4, 3, 2), 11)
    xi = jnp.stack([_rand((5,), 12, lo=0, hi=4), _rand((5,), 13, lo=-1, hi=2)], -1)
    want = sinterp.RegularGridInterpolator(GRID, values)
    interp = RegularGridInterpolator(GRID, values)
    assert_close(interp(xi), want(xi).astype(f32), rtol=1e-5, atol=1e-6)  # trailing axes
    assert_close(interp((xi[:, 0], xi[:, 1])), want((xi[:, 0], xi[:, 1])).astype(f32),
                 rtol=1e-5, atol=1e-6)
    assert_close(interp(xi, method="nearest"), want(xi, method="nearest").astype(f32))
    # a pytree: through jit as an argument, and under vmap
    assert_close(xf.jit(lambda f, x: f(x))(interp, xi[:, None]),
                 want(xi[:, None]).astype(f32), rtol=1e-5, atol=1e-6)
    assert_close(xf.vmap(interp)(xi), want(xi[:, None]).astype(f32), rtol=1e-5, atol=1e-6)
    # linear in the values: the gradient is the interpolation weights
    g = xf.grad(lambda v: RegularGridInterpolator(GRID, v)(xi[:1]).sum())(values[..., 0])
    assert_close(g.sum(), onp.float32(1), rtol=1e-5)
    with pytest.raises(ValueError, match="method"):
        RegularGridInterpolator(GRID, values, method="cubic")
    with pytest.raises(ValueError, match="method"):
        interp(xi, method="spline")
    with pytest.raises(NotImplementedError, match="bounds_error"):
        RegularGridInterpolator(GRID, values, bounds_error=True)
    with pytest.raises(ValueError, match="dimensions"):
        RegularGridInterpolator(GRID + GRID, values[..., 0])
    with pytest.raises(ValueError, match="fill_value"):
        RegularGridInterpolator(GRID, values, fill_value=1j)
    with pytest.raises(ValueError, match="dimension"):
        interp(jnp.ones((2, 3)))


# ---------------------------------------------------------------------------------------
# spatial.transform

def _rotations():
    q = _rand((5, 4), 14)
    return q, Rotation.from_quat(q), SRotation.from_quat(onp.asarray(q))


def test_rotation_conversions_against_scipy():
    q, r, s = _rotations()
    tol = dict(rtol=1e-5, atol=2e-6)
    assert_close(r.as_quat(), s.as_quat().astype(f32), **tol)
    assert_close(r.as_quat(canonical=True, scalar_first=True),
                 s.as_quat(canonical=True, scalar_first=True).astype(f32), **tol)
    assert_close(r.as_matrix(), s.as_matrix().astype(f32), **tol)
    assert_close(Rotation.from_matrix(s.as_matrix()).as_quat(canonical=True),
                 s.as_quat(canonical=True).astype(f32), **tol)
    assert_close(r.as_rotvec(), s.as_rotvec().astype(f32), **tol)
    assert_close(r.as_rotvec(degrees=True), s.as_rotvec(degrees=True).astype(f32), rtol=1e-5,
                 atol=1e-4)
    rotvec = onp.asarray(s.as_rotvec())
    rotvec[0] *= 1e-5  # the small-angle series
    assert_close(Rotation.from_rotvec(rotvec).as_quat(canonical=True),
                 SRotation.from_rotvec(rotvec).as_quat(canonical=True).astype(f32), **tol)
    assert_close(r.as_mrp(), s.as_mrp().astype(f32), **tol)
    assert_close(Rotation.from_mrp(s.as_mrp()).as_matrix(), s.as_matrix().astype(f32), **tol)
    assert_close(r.magnitude(), s.magnitude().astype(f32), **tol)
    assert_close(Rotation.identity().as_matrix(), onp.eye(3, dtype=f32))


@pytest.mark.parametrize("seq", ["xyz", "ZXZ", "zyx", "XYX", "yzx"])
def test_rotation_euler_against_scipy(seq):
    _, r, s = _rotations()
    assert_close(r.as_euler(seq), s.as_euler(seq).astype(f32), rtol=1e-5, atol=2e-6)
    assert_close(r.as_euler(seq, degrees=True), s.as_euler(seq, degrees=True).astype(f32),
                 rtol=1e-5, atol=1e-4)
    angles = s.as_euler(seq)
    assert_close(Rotation.from_euler(seq, angles).as_matrix(),
                 SRotation.from_euler(seq, angles).as_matrix().astype(f32), rtol=1e-5,
                 atol=2e-6)


def test_rotation_operations_against_scipy():
    _, r, s = _rotations()
    v = _rand((5, 3), 15)
    tol = dict(rtol=1e-5, atol=2e-6)
    assert_close(r.apply(v), s.apply(v).astype(f32), **tol)
    assert_close(r.apply(v, inverse=True), s.apply(v, inverse=True).astype(f32), **tol)
    assert_close(r[0].apply(v), s[0].apply(v).astype(f32), **tol)  # one rotation, 5 vectors
    assert_close(r.apply(v[0]), s.apply(v[0]).astype(f32), **tol)  # 5 rotations, 1 vector
    assert_close(r.inv().as_matrix(), s.inv().as_matrix().astype(f32), **tol)
    assert_close((r * r[::-1]).as_matrix(), (s * s[::-1]).as_matrix().astype(f32), **tol)
    assert_close((r[1] * r).as_matrix(), (s[1] * s).as_matrix().astype(f32), **tol)
    assert_close(Rotation.from_matrix(r.mean().as_matrix()).as_matrix(),
                 s.mean().as_matrix().astype(f32), **tol)
    w = onp.arange(1.0, 6.0)
    assert_close(r.mean(weights=w).as_matrix(), s.mean(weights=w).as_matrix().astype(f32), **tol)
    assert_close(Rotation.concatenate([r, r[0]]).as_matrix(),
                 SRotation.concatenate([s, s[0]]).as_matrix().astype(f32), **tol)
    assert len(r) == 5 and not r.single and r[0].single
    # gimbal lock: the third angle is 0 (SciPy warns; the values match)
    angles = onp.array([0.3, onp.pi / 2, 0.2])
    with pytest.warns(UserWarning, match="Gimbal"):
        want = SRotation.from_euler("xyz", angles).as_euler("xyz")
    assert_close(Rotation.from_euler("xyz", angles).as_euler("xyz"), want.astype(f32),
                 rtol=1e-5, atol=1e-5)


def test_slerp_against_scipy():
    _, r, s = _rotations()
    times = [0.0, 1.0, 3.0, 4.0, 7.0]
    t = onp.array([0.0, 0.5, 2.5, 3.9, 7.0])
    slerp, want = Slerp.init(times, r), SSlerp(times, s)
    assert_close(slerp(t).as_matrix(), want(t).as_matrix().astype(f32), rtol=1e-5, atol=2e-6)
    assert_close(slerp(2.5).as_matrix(), want(2.5).as_matrix().astype(f32), rtol=1e-5,
                 atol=2e-6)
    with pytest.raises(ValueError, match="at least 2"):
        Slerp.init([0.0], r[:1])
    with pytest.raises(ValueError, match="times"):
        Slerp.init([0.0, 1.0], r)
    with pytest.raises(TypeError, match="Rotation"):
        Slerp.init(times, r.quat)


def test_rotation_transforms_and_errors():
    q, r, s = _rotations()
    v = _rand((5, 3), 16)
    got = xf.jit(lambda q, v: Rotation.from_quat(q).apply(v))(q, v)
    assert_close(got, s.apply(v).astype(f32), rtol=1e-5, atol=2e-6)
    got = xf.vmap(lambda q: Rotation.from_quat(q).as_euler("xyz"))(q)
    assert_close(got, s.as_euler("xyz").astype(f32), rtol=1e-5, atol=2e-6)
    # a pytree (a NamedTuple): through jit as an argument and out of it
    out = xf.jit(lambda rot: rot.inv())(r)
    assert isinstance(out, Rotation)
    assert_close(out.as_matrix(), s.inv().as_matrix().astype(f32), rtol=1e-5, atol=2e-6)
    drawn = Rotation.random(xf.random.key(0), 3)
    assert drawn.quat.shape == (3, 4)
    assert_close(jnp.linalg.norm(drawn.quat, axis=-1), onp.ones(3, f32), rtol=1e-6)
    for call, error in [(lambda: r[0][0], TypeError), (lambda: len(r[0]), TypeError),
                        (lambda: Rotation.from_euler("xyzx", [1.0, 2, 3, 4]), ValueError),
                        (lambda: Rotation.from_euler("xYz", [1.0, 2, 3]), ValueError),
                        (lambda: Rotation.from_euler("xxz", [1.0, 2, 3]), ValueError),
                        (lambda: Rotation.from_euler("x", [1.0, 2, 3]), ValueError),
                        (lambda: r.as_euler("xy"), ValueError),
                        (lambda: r.mean(weights=onp.ones(4)), ValueError)]:
        with pytest.raises(error):
            call()


# ---------------------------------------------------------------------------------------
# cluster.vq

def test_vq_against_scipy():
    obs, book = _rand((10, 3), 17), _rand((4, 3), 18)
    code, dist = vq(obs, book)
    want_code, want_dist = svq.vq(onp.asarray(obs), onp.asarray(book))
    assert_close(code, want_code.astype(onp.int32))
    assert_close(dist, want_dist, rtol=1e-5, atol=1e-6)
    code, _ = vq(obs[:, 0], book[:, 0])  # 1-D observations
    assert_close(code, svq.vq(onp.asarray(obs[:, 0]), onp.asarray(book[:, 0]))[0]
                 .astype(onp.int32))
    with pytest.raises(ValueError, match="rank"):
        vq(obs, book[:, 0])
