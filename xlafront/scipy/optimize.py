"""jax.scipy.optimize: minimize with BFGS (a strong-Wolfe line search, as SciPy's
line_search_wolfe2), one lax.while_loop, so it runs under jit and vmap. The iteration
follows JAX 0.10.2's step for step, except that the zoom's bracket counts as collapsed by
its width, not its signed length (JAX's reads every reversed bracket as a failure and stops
short of SciPy's result on Rosenbrock's function: jax-ml/jax#40228)."""
import functools
import typing

import numpy as np

from .. import dtypes, lax
from .. import numpy as jnp
from ..autodiff import value_and_grad
from ..errors import api_boundary
from ..jit import jit

__all__ = ["OptimizeResults", "minimize"]

_HIGHEST = lax.Precision.HIGHEST


class OptimizeResults(typing.NamedTuple):
    """The result of minimize: x (the solution), success, status (0 converged, 1 maxiter
    reached, 2 + the line search's status after its failure, -1 stopped otherwise), fun and
    jac (the value and gradient at x), hess_inv (the inverse Hessian estimate), nfev and
    njev (evaluations of fun and its gradient) and nit (iterations)."""
    x: typing.Any
    success: typing.Any
    status: typing.Any
    fun: typing.Any
    jac: typing.Any
    hess_inv: typing.Any
    nfev: typing.Any
    njev: typing.Any
    nit: typing.Any


@api_boundary
def minimize(fun, x0, args=(), *, method, tol=None, options=None):
    """Minimizes fun(x, *args) over a 1-D x from x0 (scipy.optimize.minimize). method must
    be 'BFGS'; options: maxiter (200 * x0.size), norm (of the gradient, inf), gtol (1e-5,
    or tol when given, as SciPy) and line_search_maxiter (10)."""
    options = dict(options or {})
    if not isinstance(args, tuple):
        raise TypeError(f"args argument to minimize must be a tuple, got {args!r}")
    if not isinstance(method, str) or method.lower() != "bfgs":
        raise ValueError(f"minimize: method {method!r} not recognized; only 'BFGS' is "
                         "supported")
    if tol is not None:
        options.setdefault("gtol", tol)
    x0 = jnp.asarray(x0)
    if x0.ndim != 1:
        raise ValueError(f"minimize: x0 must be 1-dimensional, got shape {x0.shape}")
    if not dtypes.is_inexact(x0.dtype):
        x0 = x0.astype(dtypes.to_inexact(x0.dtype))
    return _minimize_bfgs(x0, args, fun, tuple(sorted(options.items())))


# one program per function and options: a second minimize of the same fun reuses it
@functools.partial(jit, static_argnames=("fun", "options"))
def _minimize_bfgs(x0, args, fun, options):
    return _bfgs(value_and_grad(lambda x: fun(x, *args)), x0, **dict(options))


def _select(cond, new, state):
    """state with the entries of `new` taken where cond holds."""
    return {**state, **{k: jnp.where(cond, v, state[k]) for k, v in new.items()}}


def _bfgs(f_and_g, x0, maxiter=None, norm=np.inf, gtol=1e-5, line_search_maxiter=10):
    maxiter = 200 * x0.size if maxiter is None else maxiter
    f0, g0 = f_and_g(x0)
    grad_norm = jnp.linalg.norm(g0, ord=norm)
    int0 = jnp.asarray(0)  # Python ints in JAX: the counts and status are weakly typed
    state = dict(converged=grad_norm < gtol, failed=jnp.asarray(False), k=int0,
                 nfev=int0 + 1, ngev=int0 + 1, x=x0, f=f0, g=g0,
                 H=jnp.eye(x0.size, dtype=x0.dtype), old_f=f0 + jnp.linalg.norm(g0) / 2,
                 ls_status=int0)

    def cond(s):
        return ~s["converged"] & ~s["failed"] & (s["k"] < maxiter)

    def body(s):
        p = -jnp.dot(s["H"], s["g"], precision=_HIGHEST)
        ls = _line_search(f_and_g, s["x"], p, s["f"], s["old_f"], s["g"], line_search_maxiter)
        step = ls["a"] * p
        y = ls["g"] - s["g"]
        rho = 1 / jnp.dot(y, step, precision=_HIGHEST)
        w = jnp.eye(x0.size, dtype=rho.dtype) - rho * jnp.outer(step, y)
        H = jnp.einsum("ij,jk,lk", w, s["H"], w, precision=_HIGHEST) + \
            rho * jnp.outer(step, step)
        return dict(converged=jnp.linalg.norm(ls["g"], ord=norm) < gtol, failed=ls["failed"],
                    k=s["k"] + 1, nfev=s["nfev"] + ls["nfev"], ngev=s["ngev"] + ls["nfev"],
                    x=s["x"] + step, f=ls["f"], g=ls["g"],
                    H=jnp.where(jnp.isfinite(rho), H, s["H"]), old_f=s["f"],
                    ls_status=ls["status"])

    s = lax.while_loop(cond, body, state)
    status = jnp.where(s["converged"], 0, jnp.where(
        s["k"] == maxiter, 1, jnp.where(s["failed"], 2 + s["ls_status"], -1)))
    return OptimizeResults(x=s["x"], success=s["converged"] & ~s["failed"], status=status,
                           fun=s["f"], jac=s["g"], hess_inv=s["H"], nfev=s["nfev"],
                           njev=s["ngev"], nit=s["k"])


def _cubicmin(a, fa, fpa, b, fb, c, fc):
    """The minimizer of the cubic through (a, fa) with slope fpa, (b, fb) and (c, fc)."""
    db, dc = b - a, c - a
    denom = (db * dc) ** 2 * (db - dc)
    rb, rc = fb - fa - fpa * db, fc - fa - fpa * dc
    A = (dc ** 2 * rb - db ** 2 * rc) / denom
    B = (-dc ** 3 * rb + db ** 3 * rc) / denom
    return a + (-B + jnp.sqrt(B * B - 3 * A * fpa)) / (3 * A)


def _quadmin(a, fa, fpa, b, fb):
    """The minimizer of the parabola through (a, fa) with slope fpa and (b, fb)."""
    db = b - a
    return a - fpa / (2 * ((fb - fa - fpa * db) / db ** 2))


def _zoom(phi, wolfe_one, wolfe_two, lo, hi, g0, pass_through):
    """Narrows the bracket [lo, hi] (each (step, value, slope)) to a step meeting the strong
    Wolfe conditions, interpolating by cubics, parabolas or bisection (Nocedal and Wright,
    Algorithm 3.6); does nothing where pass_through."""
    a_lo, phi_lo, dphi_lo = lo
    a_hi, phi_hi, dphi_hi = hi
    dtype = a_lo.dtype
    threshold = 1e-5 if dtypes.finfo(dtype).bits < 64 else 1e-10
    count = jnp.asarray(0)  # weakly typed, as JAX's Python-int counts
    state = dict(done=jnp.asarray(False), failed=jnp.asarray(False), j=count, a_lo=a_lo,
                 phi_lo=phi_lo, dphi_lo=dphi_lo, a_hi=a_hi, phi_hi=phi_hi, dphi_hi=dphi_hi,
                 a_rec=(a_lo + a_hi) / 2, phi_rec=(phi_lo + phi_hi) / 2,
                 a_star=jnp.asarray(1.0, dtype), phi_star=phi_lo, dphi_star=dphi_lo, g_star=g0,
                 nfev=count)

    def body(s):
        dalpha = s["a_hi"] - s["a_lo"]
        a, b = jnp.minimum(s["a_hi"], s["a_lo"]), jnp.maximum(s["a_hi"], s["a_lo"])
        failed = s["failed"] | (jnp.abs(dalpha) <= threshold)  # (the bracket may be reversed)
        cubic = _cubicmin(s["a_lo"], s["phi_lo"], s["dphi_lo"], s["a_hi"], s["phi_hi"],
                          s["a_rec"], s["phi_rec"])
        use_cubic = (s["j"] > 0) & (cubic > a + 0.2 * dalpha) & (cubic < b - 0.2 * dalpha)
        quad = _quadmin(s["a_lo"], s["phi_lo"], s["dphi_lo"], s["a_hi"], s["phi_hi"])
        use_quad = ~use_cubic & (quad > a + 0.1 * dalpha) & (quad < b - 0.1 * dalpha)
        a_j = jnp.where(use_cubic, cubic, jnp.where(use_quad, quad, (s["a_lo"] + s["a_hi"]) / 2))
        phi_j, dphi_j, g_j = phi(a_j)
        hi_to_j = wolfe_one(a_j, phi_j) | (phi_j >= s["phi_lo"])
        star_to_j = wolfe_two(dphi_j) & ~hi_to_j
        hi_to_lo = (dphi_j * dalpha >= 0) & ~hi_to_j & ~star_to_j
        lo_to_j = ~hi_to_j & ~star_to_j
        new = _select(hi_to_j, dict(a_hi=a_j, phi_hi=phi_j, dphi_hi=dphi_j, a_rec=s["a_hi"],
                                    phi_rec=s["phi_hi"]), s)
        new = _select(star_to_j, dict(a_star=a_j, phi_star=phi_j, dphi_star=dphi_j,
                                      g_star=g_j), new)
        new = _select(hi_to_lo, dict(a_hi=s["a_lo"], phi_hi=s["phi_lo"], dphi_hi=s["dphi_lo"],
                                     a_rec=s["a_hi"], phi_rec=s["phi_hi"]), new)
        new = _select(lo_to_j & ~hi_to_lo, dict(a_rec=s["a_lo"], phi_rec=s["phi_lo"]), new)
        new = _select(lo_to_j, dict(a_lo=a_j, phi_lo=phi_j, dphi_lo=dphi_j), new)
        return {**new, "done": s["done"] | star_to_j, "j": s["j"] + 1, "nfev": s["nfev"] + 1,
                "failed": failed | (s["j"] + 1 >= 30)}

    return lax.while_loop(lambda s: ~s["done"] & ~pass_through & ~s["failed"], body, state)


def _line_search(f_and_g, xk, pk, f0, old_f0, g0, maxiter, c1=1e-4, c2=0.9):
    """A step along pk from xk meeting the strong Wolfe conditions (Nocedal and Wright,
    Algorithm 3.5): growing steps until one brackets a minimum, then _zoom."""
    dtype = pk.dtype

    def phi(t):  # value, slope along pk and gradient at xk + t pk
        f, g = f_and_g(xk + t * pk)
        return f.astype(f0.dtype), jnp.real(jnp.dot(g, pk, precision=_HIGHEST)), g

    dphi0 = jnp.real(jnp.dot(g0, pk, precision=_HIGHEST))
    start = 1.01 * 2 * (f0 - old_f0) / dphi0  # the step the last decrease suggests
    start = jnp.where(start > 1, 1.0, start).astype(dtype)

    def wolfe_one(a, phi_a):  # too little decrease
        return phi_a > f0 + c1 * a * dphi0

    def wolfe_two(dphi_a):  # the slope flattened enough
        return jnp.abs(dphi_a) <= -c2 * dphi0

    zero, count = jnp.asarray(0.0, dtype), jnp.asarray(0)  # weak count, as JAX's
    state = dict(done=jnp.asarray(False), failed=jnp.asarray(False), i=count + 1, a_prev=zero,
                 phi_prev=f0, dphi_prev=dphi0, nfev=count, a_star=zero, phi_star=f0,
                 dphi_star=dphi0, g_star=g0)

    def body(s):
        a_i = jnp.where(s["i"] == 1, start, s["a_prev"] * 2)
        phi_i, dphi_i, g_i = phi(a_i)
        # a minimum lies between the previous step and this one; in which order?
        zoom_up = wolfe_one(a_i, phi_i) | ((phi_i >= s["phi_prev"]) & (s["i"] > 1))
        accept = wolfe_two(dphi_i) & ~zoom_up
        zoom_down = (dphi_i >= 0) & ~zoom_up & ~accept
        prev, cur = (s["a_prev"], s["phi_prev"], s["dphi_prev"]), (a_i, phi_i, dphi_i)
        lo = [jnp.where(zoom_up, p, c) for p, c in zip(prev, cur)]
        hi = [jnp.where(zoom_up, c, p) for p, c in zip(prev, cur)]
        zoom = _zoom(phi, wolfe_one, wolfe_two, lo, hi, g0, ~(zoom_up | zoom_down))
        zoomed = zoom_up | zoom_down
        new = _select(zoomed, {k: zoom[k] for k in ("a_star", "phi_star", "dphi_star",
                                                     "g_star")}, s)
        new = _select(accept, dict(a_star=a_i, phi_star=phi_i, dphi_star=dphi_i, g_star=g_i),
                      new)
        return {**new, "done": s["done"] | zoomed | accept,
                "failed": s["failed"] | (zoomed & zoom["failed"]), "i": s["i"] + 1,
                "a_prev": a_i, "phi_prev": phi_i, "dphi_prev": dphi_i,
                "nfev": s["nfev"] + 1 + zoom["nfev"]}

    s = lax.while_loop(lambda s: ~s["done"] & (s["i"] <= maxiter) & ~s["failed"], body, state)
    a = s["a_star"]
    if dtypes.finfo(dtype).bits != 64:  # too small a step would not move x at all
        a = jnp.where(jnp.abs(a) < 1e-8, jnp.sign(a) * 1e-8, a)
    status = jnp.where(s["failed"], 1, jnp.where(s["i"] > maxiter, 3, 0))
    return dict(failed=s["failed"] | ~s["done"], nfev=s["nfev"], a=a, f=s["phi_star"],
                g=s["g_star"], status=status)
