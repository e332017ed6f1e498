"""Numerical checks of automatic differentiation, as JAX's `jax.test_util`.

`check_grads(f, args, order)` checks the derivatives of `f` at `args` in one random
direction (so the cost does not grow with the size of the inputs):

* forward mode ("fwd"): `jvp(f, args, t)` against central finite differences
  `(f(args + eps t) - f(args - eps t)) / (2 eps)`;
* reverse mode ("rev"): `vjp` against forward mode through the identity
  `<t, vjp(ct)> == <ct, jvp(t)>` (real parts of the inner products, conjugated as in
  JAX, so it holds for holomorphic and for merely real-differentiable complex functions);
* "lin" (optional): the jvp obtained from `linearize`, against finite differences;

and recursively, up to `order`, the derivatives of the derivative functions themselves
(order 2 differentiates `jvp(f)` and `lambda *x: vjp(f, *x)[1](f(*x))`).

>>> import xlafront.numpy as np
>>> from xlafront.test_util import check_grads
>>> check_grads(lambda x, y: np.sin(x) * y, (np.arange(3.0), 2.0), order=2)

A failure raises AssertionError naming the check ("JVP of VJP tangent", ...), the output
leaf, the worst element, and the tolerances. Integer and boolean inputs are held fixed
(their tangents are float0 zeros); integer and boolean outputs must have float0 tangents.

Tolerances default by dtype (float64/complex128 tight, float32 looser, float16/bfloat16
loose); pass `atol`/`rtol` as a number for every dtype or as a dict {dtype: tol}.
"""
import functools

import numpy as np

from . import autodiff, dtypes
from .core import ShapedArray, get_aval
from .interpreters import ad
from .tree import tree_flatten, tree_unflatten

__all__ = ["check_grads", "check_jvp", "check_vjp", "numerical_jvp",
           "default_gradient_tolerance", "default_eps"]

float0 = dtypes.float0

_bf16 = np.dtype(dtypes.bfloat16)
_f16, _f32, _f64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
_c64, _c128 = np.dtype(np.complex64), np.dtype(np.complex128)

# atol and rtol per dtype of the compared value.
default_gradient_tolerance = {_bf16: 1e-1, _f16: 5e-2, _f32: 5e-3, _f64: 1e-5,
                              _c64: 5e-3, _c128: 1e-5}

# Finite-difference step per input dtype: about the cube root of the dtype's epsilon,
# which balances the rounding error of f against the O(eps^2) truncation error.
default_eps = {_bf16: 1e-1, _f16: 3e-2, _f32: 1e-3, _f64: 1e-4, _c64: 1e-3, _c128: 1e-4}


# ---------------------------------------------------------------------------------------
# helpers

def _aval(x):
    """get_aval, also for NumPy float0 arrays (the tangents of integers)."""
    if isinstance(x, (np.ndarray, np.generic)) and x.dtype == float0:
        return ShapedArray(np.shape(x), float0)
    return get_aval(x)


def _dtype_of(x):
    return _aval(x).dtype


def _inexact(x):
    return dtypes.is_inexact(_dtype_of(x))


def _tol(tol, dtype):
    dtype = np.dtype(dtype)
    if tol is None:
        return default_gradient_tolerance.get(dtype, 1e-5)
    if isinstance(tol, dict):
        merged = dict(default_gradient_tolerance)
        merged.update({np.dtype(k): v for k, v in tol.items()})
        return merged.get(dtype, 1e-5)
    return float(tol)


def _eps_for(leaves, eps):
    if eps is not None:
        return eps
    steps = [default_eps.get(np.dtype(_dtype_of(x)), 1e-4) for x in leaves if _inexact(x)]
    return max(steps, default=1e-4)


def _wide(x):
    """x as a float64/complex128 NumPy array (bfloat16 and float16 upcast)."""
    a = np.asarray(x)
    return a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)


def _rand_like(rng, x):
    """A random tangent for x: normal entries of x's dtype (complex: both parts random),
    float0 zeros for integers and bools."""
    aval = _aval(x)
    if not dtypes.is_inexact(aval.dtype):
        return np.zeros(aval.shape, float0)
    t = rng.standard_normal(aval.shape)
    if dtypes.kind(aval.dtype) == "c":
        t = t + 1j * rng.standard_normal(aval.shape)
    return np.asarray(t).astype(aval.dtype)


def _random_like(rng, tree):
    """A random tangent (see _rand_like) for each leaf of `tree`, in its structure."""
    leaves, treedef = tree_flatten(tree)
    return tree_unflatten(treedef, [_rand_like(rng, x) for x in leaves])


def _perturb(x, t, step):
    """x + step * t, of x's type: a Python scalar stays one (keeping its weak type), an
    array keeps its dtype; integer and boolean values are not perturbed."""
    aval = _aval(x)
    if not dtypes.is_inexact(aval.dtype):
        return x
    if isinstance(x, (float, complex)):
        return type(x)(x + step * _wide(t)[()])
    return (_wide(x) + step * _wide(t)).astype(aval.dtype)


def _leaf_name(i, n):
    return "" if n == 1 else f" (output leaf {i})"


def _fail(what, detail, err_msg):
    prefix = f"{err_msg}: " if err_msg else ""
    raise AssertionError(f"check_grads: {prefix}{what}{detail}")


def _check_close(actual, expected, atol, rtol, what, err_msg):
    """Leaves of `actual` and `expected` (same tree) equal within per-dtype tolerances."""
    a_leaves, a_tree = tree_flatten(actual)
    e_leaves, e_tree = tree_flatten(expected)
    if a_tree != e_tree:
        _fail(what, f" has tree structure {a_tree}, expected {e_tree}", err_msg)
    for i, (a, e) in enumerate(zip(a_leaves, e_leaves)):
        name = _leaf_name(i, len(a_leaves))
        a_aval, e_aval = _aval(a), _aval(e)
        if a_aval.shape != e_aval.shape:
            _fail(what, f"{name} has shape {a_aval.shape}, expected {e_aval.shape}", err_msg)
        if a_aval.dtype == float0 or e_aval.dtype == float0:
            continue
        if not (dtypes.is_inexact(a_aval.dtype) and dtypes.is_inexact(e_aval.dtype)):
            if not np.array_equal(np.asarray(a), np.asarray(e)):
                _fail(what, f"{name} differs: got {np.asarray(a)!r}, expected "
                            f"{np.asarray(e)!r}", err_msg)
            continue
        at, rt = _tol(atol, a_aval.dtype), _tol(rtol, a_aval.dtype)
        got, want = _wide(a), _wide(e)
        nan_mismatch = np.isnan(got) != np.isnan(want)
        with np.errstate(invalid="ignore"):
            same = (got == want) | (np.isnan(got) & np.isnan(want))  # equal infinities too
            err = np.where(same, 0.0, np.abs(got - want))
            bad = nan_mismatch | ~(same | (err <= at + rt * np.abs(want)))
        if np.any(bad):
            idx = np.unravel_index(np.argmax(np.where(bad, np.nan_to_num(err, nan=np.inf), -1)),
                                   bad.shape) if bad.ndim else ()
            count = int(np.sum(bad))
            _fail(what, f"{name} of type {a_aval.str_short()} differs at {count} of "
                        f"{bad.size} elements (atol={at:g}, rtol={rt:g}); worst at index "
                        f"{tuple(int(k) for k in idx)}: got {got[idx]!r}, expected "
                        f"{want[idx]!r}\n  got:      {np.array2string(got, precision=6)}"
                        f"\n  expected: {np.array2string(want, precision=6)}", err_msg)


def _check_tangent_types(outs, touts, what, err_msg):
    """Each tangent has the shape of its primal and its tangent dtype (float0 for ints)."""
    o_leaves, o_tree = tree_flatten(outs)
    t_leaves, t_tree = tree_flatten(touts)
    if o_tree != t_tree:
        _fail(what, f": tangent output tree {t_tree} differs from the primal output tree "
                    f"{o_tree}", err_msg)
    for i, (o, t) in enumerate(zip(o_leaves, t_leaves)):
        o_aval, t_aval = _aval(o), _aval(t)
        want = ad.tangent_aval(o_aval)
        if t_aval.shape != o_aval.shape or t_aval.dtype != want.dtype:
            _fail(what, f"{_leaf_name(i, len(o_leaves))}: tangent of type "
                        f"{t_aval.str_short()} for a primal of type {o_aval.str_short()} "
                        f"(expected {want.str_short()})", err_msg)


def _inner(xs, ys):
    """(real(sum conj(x) y) over the inexact leaves, sum |conj(x) y|: its rounding scale)."""
    total, scale = 0.0, 0.0
    for x, y in zip(tree_flatten(xs)[0], tree_flatten(ys)[0]):
        if _dtype_of(x) == float0 or _dtype_of(y) == float0:
            continue
        terms = np.conj(_wide(x)).ravel() * _wide(y).ravel()
        total += float(np.sum(terms.real))
        scale += float(np.sum(np.abs(terms)))
    return total, scale


def _conj(tree):
    leaves, treedef = tree_flatten(tree)
    return tree_unflatten(treedef, [np.conj(np.asarray(x)) if _dtype_of(x) != float0 and
                                    dtypes.kind(_dtype_of(x)) == "c" else x for x in leaves])


def _tol_of_tree(tree, tol):
    """The loosest tolerance over the inexact leaves of `tree` (a number passes through):
    a function is only as precise as the least precise of its inputs and outputs."""
    if isinstance(tol, (int, float)):
        return float(tol)
    return max([_tol(tol, _dtype_of(x)) for x in tree_flatten(tree)[0]
                if _dtype_of(x) != float0 and _inexact(x)], default=_tol(tol, _f64))


# ---------------------------------------------------------------------------------------
# the checks

def numerical_jvp(f, args, tangents, eps=None, out=None):
    """Central finite differences of `f` at `args` (a tuple) along `tangents`; outputs of
    integer or boolean type get float0 zeros. The default step suits the least precise
    of the inexact inputs and of the outputs `out` (f(*args), when given)."""
    a_leaves, a_tree = tree_flatten(tuple(args))
    eps = _eps_for(a_leaves + (tree_flatten(out)[0] if out is not None else []), eps)
    t_leaves = tree_flatten(tuple(tangents))[0]
    pos = tree_unflatten(a_tree, [_perturb(x, t, eps) for x, t in zip(a_leaves, t_leaves)])
    neg = tree_unflatten(a_tree, [_perturb(x, t, -eps) for x, t in zip(a_leaves, t_leaves)])
    f_pos, f_neg = f(*pos), f(*neg)
    p_leaves, out_tree = tree_flatten(f_pos)
    n_leaves = tree_flatten(f_neg)[0]
    outs = []
    for p, n in zip(p_leaves, n_leaves):
        if not _inexact(p):
            outs.append(np.zeros(np.shape(p), float0))
        else:
            outs.append((_wide(p) - _wide(n)) / (2 * eps))  # kept in 64 bits
    return tree_unflatten(out_tree, outs)


def check_jvp(f, f_jvp, args, atol=None, rtol=None, eps=None, err_msg=""):
    """Checks `f_jvp(primals, tangents) -> (f(*primals), tangent out)` (usually
    `functools.partial(xf.jvp, f)`) against finite differences of `f` at `args` along one
    random direction. Raises AssertionError on a mismatch."""
    args = tuple(args)
    tangent = _random_like(np.random.RandomState(0), args)
    v_out, t_out = f_jvp(args, tangent)
    _check_tangent_types(v_out, t_out, "jvp", err_msg)
    v_expected = f(*args)
    _check_close(v_out, v_expected, atol, rtol, "primal output", err_msg)
    t_expected = numerical_jvp(f, args, tangent, eps, out=v_expected)
    atol, rtol = _tol_of_tree((args, v_out), atol), _tol_of_tree((args, v_out), rtol)
    _check_close(t_out, t_expected, atol, rtol,
                 "tangent (jvp vs. finite differences)", err_msg)


def check_vjp(f, f_vjp, args, atol=None, rtol=None, eps=None, err_msg="", f_jvp=None):
    """Checks `f_vjp(*args) -> (f(*args), vjp_fun)` (usually `functools.partial(xf.vjp,
    f)`) through the inner-product identity <t, vjp(ct)> == <ct, jvp(t)> for a random
    tangent t and cotangent ct. The jvp is `f_jvp(primals, tangents)` when given (exact,
    so the tolerance applies to rounding only), else finite differences of f."""
    args = tuple(args)
    rng = np.random.RandomState(0)
    v_out, vjp_fun = f_vjp(*args)
    v_expected = f(*args)
    _check_close(v_out, v_expected, atol, rtol, "primal output", err_msg)
    tangent = _random_like(rng, args)
    if f_jvp is None:
        t_out = numerical_jvp(f, args, tangent, eps, out=v_expected)
        against = "finite differences"
    else:
        jvp_out, t_out = f_jvp(args, tangent)
        _check_tangent_types(jvp_out, t_out, "jvp", err_msg)
        against = "jvp"
    cotangent = _random_like(rng, v_out)
    ct_in = vjp_fun(_conj(cotangent))
    ct_tree, a_tree = tree_flatten(ct_in)[1], tree_flatten(args)[1]
    if ct_tree != a_tree:
        _fail("vjp", f": the cotangents have tree structure {ct_tree}, expected the "
                     f"arguments' {a_tree}", err_msg)
    _check_tangent_types(args, ct_in, "vjp cotangent", err_msg)
    ip, ip_scale = _inner(tangent, _conj(ct_in))
    ip_expected, expected_scale = _inner(t_out, cotangent)
    tol = max(_tol_of_tree((args, v_out), atol), _tol_of_tree((args, v_out), rtol))
    scale = max(ip_scale, expected_scale, 1.0)
    if not abs(ip - ip_expected) <= tol * scale:
        _fail(f"cotangent projection (vjp vs. {against})",
              f": <tangent, vjp(cotangent)> = {ip!r} but <jvp(tangent), cotangent> = "
              f"{ip_expected!r}; difference {abs(ip - ip_expected):.3g} exceeds "
              f"{tol:g} * {scale:.3g} (tolerance times the sum of |terms|)", err_msg)


def _jvp_from_linearize(f, primals, tangents):
    out, f_lin = autodiff.linearize(f, *primals)
    return out, f_lin(*tangents)


def _cotangent_of(out):
    """The output itself as a cotangent (as JAX's check_grads does), float0 for ints."""
    leaves, treedef = tree_flatten(out)
    return tree_unflatten(treedef, [x if _inexact(x) else np.zeros(np.shape(x), float0)
                                    for x in leaves])


def check_grads(f, args, order, modes=("fwd", "rev"), atol=None, rtol=None, eps=None):
    """Checks the derivatives of `f` at `args` up to `order`, in forward mode against
    finite differences and in reverse mode against forward mode (see the module
    docstring). `modes` is any of "fwd", "rev", "lin". With "rev" and no "fwd", reverse
    mode is checked against finite differences instead. Raises AssertionError.

    >>> check_grads(lambda x: np.tanh(x) ** 2, (np.linspace(-1.0, 1.0, 5),), order=2)
    >>> check_grads(lambda z: np.abs(z) ** 2, (np.array([3 + 4j]),), order=1, modes=["rev"])
    """
    args = tuple(args)
    unknown = set(modes) - {"fwd", "rev", "lin"}
    if unknown or isinstance(modes, str):
        raise ValueError(f"check_grads: modes must be a collection of 'fwd', 'rev' and "
                         f"'lin', got {modes!r}")
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"check_grads: order must be a positive int, got {order!r}")
    _check_jvp = functools.partial(check_jvp, atol=atol, rtol=rtol, eps=eps)
    _check_vjp = functools.partial(check_vjp, atol=atol, rtol=rtol, eps=eps)

    def _check(f, args, order, err_msg):
        if "fwd" in modes:
            msg = f"JVP of {err_msg}" if err_msg else "JVP"
            _check_jvp(f, functools.partial(autodiff.jvp, f), args, err_msg=msg)
            if order > 1:
                def f_jvp(primals, tangents):
                    return autodiff.jvp(f, primals, tangents)
                _check(f_jvp, (args, _random_like(np.random.RandomState(1), args)), order - 1,
                       msg)
        if "rev" in modes:
            msg = f"VJP of {err_msg}" if err_msg else "VJP"
            _check_vjp(f, functools.partial(autodiff.vjp, f), args, err_msg=msg,
                       f_jvp=functools.partial(autodiff.jvp, f) if "fwd" in modes else None)
            if order > 1:
                def f_vjp(*primals):
                    out, vjp_fun = autodiff.vjp(f, *primals)
                    return vjp_fun(_cotangent_of(out))
                _check(f_vjp, args, order - 1, msg)
        if "lin" in modes:
            msg = f"LIN of {err_msg}" if err_msg else "LIN"
            _check_jvp(f, functools.partial(_jvp_from_linearize, f), args, err_msg=msg)
            if order > 1:
                _check(functools.partial(_jvp_from_linearize, f),
                       (args, _random_like(np.random.RandomState(1), args)), order - 1, msg)

    _check(f, args, order, "")
