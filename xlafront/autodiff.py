"""The differentiation API: jvp, linearize, vjp, grad, value_and_grad, jacfwd, jacrev,
jacobian, hessian. The machinery (JVPTrace, linearize, backward_pass) is in
interpreters/ad.py; this module handles pytrees, argnums, has_aux and the checks."""
import functools

import numpy as np

from . import core, dtypes
from . import lax
from . import numpy as xnp
from .core import get_aval
from .errors import api_boundary
from .interpreters import ad, batching
from .interpreters.partial_eval import flatten_fun, split_aux_outputs
from .tree import tree_flatten, tree_leaves, tree_unflatten

# Automatic differentiation: jvp, linearize, vjp, grad, value_and_grad

def _check_tangent(op, i, primal, tangent):
    p_aval, t_aval = get_aval(primal), get_aval(tangent)
    expected = ad.tangent_aval(p_aval)
    if t_aval.shape != p_aval.shape:
        raise ValueError(f"{op}: primal and tangent at position {i} must have the same shape, "
                         f"got primal shape {p_aval.shape} and tangent shape {t_aval.shape}")
    if t_aval.dtype != expected.dtype:
        raise TypeError(f"{op}: the tangent at position {i} must have dtype "
                        f"{expected.dtype.name if expected.dtype != dtypes.float0 else 'float0'}"
                        f" for a primal of dtype {p_aval.dtype.name}, got {t_aval.dtype.name}")


def _zero_tangent_output(aval):
    return ad.zeros_like_aval(ad.tangent_aval(aval))


@api_boundary
def jvp(fun, primals, tangents, has_aux=False):
    """Forward-mode derivative: (fun(*primals), the directional derivative along tangents).

    >>> jvp(np.sin, (0.5,), (1.0,))   # (sin 0.5, cos 0.5)
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(f"jvp: primals and tangents must be tuples or lists, got "
                        f"{type(primals).__name__} and {type(tangents).__name__}")
    p_leaves, p_tree = tree_flatten(tuple(primals))
    t_leaves, t_tree = tree_flatten(tuple(tangents))
    if p_tree != t_tree:
        raise TypeError(f"jvp: primal and tangent arguments must have the same tree structure, "
                        f"got {p_tree} and {t_tree}")
    tans = []
    for i, (p, t) in enumerate(zip(p_leaves, t_leaves)):
        _check_tangent("jvp", i, p, t)
        tans.append(ad.Zero(get_aval(t)) if get_aval(t).dtype == dtypes.float0 else t)
    store = {}
    flat = flatten_fun(fun, p_tree, store, "jvp", has_aux)
    outs, touts = ad.jvp_flat(flat, p_leaves, tans)
    outs, aux = split_aux_outputs(store, outs)
    touts = [ad.instantiate(t) for t in touts[:len(outs)]]
    out_tree = store["out_tree"]
    result = tree_unflatten(out_tree, outs), tree_unflatten(out_tree, touts)
    return (*result, aux) if has_aux else result


def _input_aval(x):
    try:
        return get_aval(x)
    except TypeError:
        raise TypeError(f"Argument '{x}' of type {type(x)} is not a valid JAX type.") from None


def _linearize(fun, primals, has_aux, op):
    p_leaves, in_tree = tree_flatten(tuple(primals))
    for leaf in p_leaves:
        _input_aval(leaf)
    store = {}
    flat = flatten_fun(fun, in_tree, store, op, has_aux)
    outs, linear, in_mask, out_mask = ad.linearize_flat(
        flat, p_leaves, lambda: store.get("num_aux", 0))
    outs, store["aux"] = split_aux_outputs(store, outs)
    return p_leaves, in_tree, outs, store, linear, in_mask, out_mask


@api_boundary
def linearize(fun, *primals, has_aux=False):
    """(fun(*primals), f_jvp) where f_jvp(*tangents) evaluates the jvp at `primals` from a
    staged linear program (primal work is not repeated).

    >>> y, f_jvp = linearize(np.sin, 0.5); f_jvp(1.0)   # cos(0.5)
    """
    p_leaves, in_tree, outs, store, linear, in_mask, out_mask = _linearize(
        fun, primals, has_aux, "linearize")
    out_tree = store["out_tree"]
    out_avals = [get_aval(o) for o in outs]

    def f_jvp(*tangents):
        t_leaves, t_tree = tree_flatten(tuple(tangents))
        if t_tree != in_tree:
            raise TypeError(f"linearize: the tangents must have the structure of the primals "
                            f"{in_tree}, got {t_tree}")
        for i, (p, t) in enumerate(zip(p_leaves, t_leaves)):
            _check_tangent("linearize", i, p, t)
        touts = iter(core.eval_jaxpr(linear.jaxpr, linear.consts,
                                     *[t for t, m in zip(t_leaves, in_mask) if m]))
        return tree_unflatten(out_tree, [next(touts) if m else _zero_tangent_output(a)
                                         for m, a in zip(out_mask, out_avals)])

    result = tree_unflatten(out_tree, outs), f_jvp
    return (*result, store["aux"]) if has_aux else result


@api_boundary
def vjp(fun, *primals, has_aux=False):
    """(fun(*primals), f_vjp) where f_vjp(cotangent) pulls a cotangent of the output back
    to a tuple of cotangents of the inputs (reverse mode).

    >>> y, f_vjp = vjp(lambda x: x ** 2, 3.0); f_vjp(1.0)   # (6.0,)
    """
    p_leaves, in_tree, outs, store, linear, in_mask, out_mask = _linearize(
        fun, primals, has_aux, "vjp")
    out_tree = store["out_tree"]
    out_avals = [get_aval(o) for o in outs]
    in_avals = [get_aval(p) for p in p_leaves]

    def f_vjp(cotangent):
        ct_leaves, ct_tree = tree_flatten(cotangent)
        if ct_tree != out_tree:
            raise TypeError(f"vjp: the cotangent must have the structure of the function's "
                            f"output {out_tree}, got {ct_tree}")
        for i, (o, ct) in enumerate(zip(out_avals, ct_leaves)):
            ct_aval = get_aval(ct)
            if ct_aval.shape != o.shape or (ct_aval.dtype != ad.tangent_aval(o).dtype
                                            and ct_aval.dtype != dtypes.float0):
                raise ValueError(f"vjp: the cotangent at output position {i} must have shape "
                                 f"{o.shape} and dtype {ad.tangent_aval(o).dtype.name}, got "
                                 f"{ct_aval.str_short()}")
        cts = ad.backward_pass(linear.jaxpr, linear.consts,
                               [ct for ct, m in zip(ct_leaves, out_mask) if m])
        cts = iter(cts)
        return tree_unflatten(in_tree, [ad.instantiate(next(cts)) if m else
                                        _zero_tangent_output(a)
                                        for m, a in zip(in_mask, in_avals)])

    result = tree_unflatten(out_tree, outs), f_vjp
    return (*result, store["aux"]) if has_aux else result


def _argnums_partial(op, fun, argnums, args, kwargs):
    multiple = not isinstance(argnums, int)
    nums = tuple(argnums) if multiple else (argnums,)
    if not nums and multiple:
        raise ValueError(f"{op}: argnums must not be empty")
    for n in nums:
        if not isinstance(n, int) or not -len(args) <= n < len(args):
            raise TypeError(f"{op}: argnums {argnums!r} out of range for a call with "
                            f"{len(args)} positional arguments")
    nums = tuple(n % len(args) for n in nums)

    def partial(*dyn):
        full = list(args)
        for n, d in zip(nums, dyn):
            full[n] = d
        return fun(*full, **kwargs)
    return partial, tuple(args[n] for n in nums), multiple


def _check_inputs(op, dyn, holomorphic, allow_int):
    for leaf in tree_leaves(dyn):
        dtype = _input_aval(leaf).dtype
        if holomorphic:
            if dtypes.kind(dtype) != "c":
                raise TypeError(f"{op} with holomorphic=True requires inputs with complex "
                                f"dtype, but got {dtype.name}")
        elif not dtypes.is_inexact(dtype) and not allow_int:
            raise TypeError(f"{op} requires real- or complex-valued inputs (input dtype that "
                            f"is a sub-dtype of np.inexact), but got {dtype.name}. If you want "
                            f"to use integer or boolean inputs, use vjp or set allow_int=True.")


def _check_scalar_output(op, ans, holomorphic):
    aval = get_aval(ans)
    if aval.shape != ():
        raise TypeError(f"{op}: gradient only defined for scalar-output functions. Output had "
                        f"shape {aval.shape} ({aval.str_short()}); use jacrev or vjp for "
                        "non-scalar outputs")
    if holomorphic:
        if dtypes.kind(aval.dtype) != "c":
            raise TypeError(f"{op} with holomorphic=True requires outputs with complex dtype, "
                            f"but got {aval.dtype.name}")
    elif dtypes.kind(aval.dtype) != "f":
        raise TypeError(f"{op} requires real-valued outputs (output dtype that is a sub-dtype "
                        f"of np.floating), but got {aval.dtype.name}. For holomorphic "
                        "differentiation pass holomorphic=True; for complex outputs in "
                        "general use vjp.")


def value_and_grad(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False,
                   reduce_axes=()):
    """A function returning (fun(*args), the gradient of fun with respect to argnums).

    >>> value_and_grad(lambda x: (x ** 2).sum())(np.arange(3.0))   # (5.0, [0., 2., 4.])
    """
    if reduce_axes:
        raise NotImplementedError("reduce_axes argument to grad is deprecated")
    name = getattr(fun, "__name__", "fun")

    @api_boundary
    @functools.wraps(fun)
    def value_and_grad_f(*args, **kwargs):
        partial, dyn, multiple = _argnums_partial("grad", fun, argnums, args, kwargs)
        _check_inputs("grad", dyn, holomorphic, allow_int)
        out = vjp(partial, *dyn, has_aux=has_aux)
        ans, f_vjp = out[0], out[1]
        _check_scalar_output(f"grad of {name}", ans, holomorphic)
        aval = get_aval(ans)  # the seed keeps the output's weak type, so the gradient does
        g = f_vjp(lax.convert_element_type(1, aval.dtype, aval.weak_type))
        g = g if multiple else g[0]
        return ((ans, out[2]), g) if has_aux else (ans, g)

    return value_and_grad_f


def grad(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False, reduce_axes=()):
    """The gradient of scalar-valued `fun` with respect to the arguments at argnums.

    >>> grad(lambda x: np.sin(x))(0.0)   # 1.0
    """
    value_and_grad_f = value_and_grad(fun, argnums, has_aux, holomorphic, allow_int,
                                      reduce_axes)

    @functools.wraps(fun)
    def grad_f(*args, **kwargs):
        (_, aux), g = value_and_grad_f(*args, **kwargs) if has_aux else (
            (None, None), value_and_grad_f(*args, **kwargs)[1])
        return (g, aux) if has_aux else g

    return grad_f


# ---------------------------------------------------------------------------------------

# Jacobians and Hessians

def _std_basis(leaves):
    """The identity of the flattened inputs, one row per scalar input: a matrix (N, N)
    split into a (N, *leaf.shape) block per leaf."""
    avals = [get_aval(x) for x in leaves]
    sizes = [a.size for a in avals]
    total = sum(sizes)
    dtype = dtypes.result_type(*[a.dtype for a in avals]) if avals else dtypes.float32
    eye = xnp.eye(total, dtype=dtype)
    blocks, start = [], 0
    for a, n in zip(avals, sizes):
        blocks.append(eye[:, start:start + n].reshape((total,) + a.shape).astype(a.dtype))
        start += n
    return blocks


def _unravel(jac_leaf, leaves, out_shape):
    """Splits a Jacobian block (*out_shape, N), N the flattened inputs, into one array per
    input leaf, of shape out_shape + leaf.shape."""
    results, start = [], 0
    for leaf in leaves:
        aval = get_aval(leaf)
        results.append(jac_leaf[..., start:start + aval.size].reshape(out_shape + aval.shape))
        start += aval.size
    return results


def _jac_result(out_tree, per_out, in_tree, multiple):
    """The output tree whose leaves are input trees (JAX's Jacobian layout)."""
    def inner(blocks):
        args = tree_unflatten(in_tree, blocks)
        return args if multiple else args[0]
    return tree_unflatten(out_tree, [inner(b) for b in per_out])


def jacfwd(fun, argnums=0, has_aux=False, holomorphic=False):
    """The Jacobian of `fun` by forward mode (one jvp per input element, vectorized).

    >>> jacfwd(lambda x: x ** 2)(np.arange(3.0))   # diag([0., 2., 4.])
    """
    @api_boundary
    @functools.wraps(fun)
    def jacfun(*args, **kwargs):
        partial, dyn, multiple = _argnums_partial("jacfwd", fun, argnums, args, kwargs)
        _check_inputs("jacfwd", dyn, holomorphic, False)
        leaves, in_tree = tree_flatten(dyn)
        store = {}
        flat = flatten_fun(partial, in_tree, store, "jacfwd", has_aux)
        sizes = {}

        def push(*basis):
            outs, touts = ad.jvp_flat(flat, leaves, list(basis))
            n = len(outs) - store["num_aux"]
            sizes["out"], sizes["aux"] = n, store["num_aux"]
            return list(outs) + [ad.instantiate(t) for t in touts[:n]]

        basis = _std_basis(leaves)
        results = batching.vmap_flat(
            push, basis, [0] * len(basis),
            lambda n: [None] * (sizes["out"] + sizes["aux"]) + [-1] * sizes["out"],
            basis[0].shape[0] if basis else 0)
        outs = results[:sizes["out"]]
        jacs = results[sizes["out"] + sizes["aux"]:]
        _check_real_outputs("jacfwd", outs, holomorphic)
        per_out = [_unravel(j, leaves, get_aval(o).shape) for o, j in zip(outs, jacs)]
        jac = _jac_result(store["out_tree"], per_out, in_tree, multiple)
        if has_aux:
            return jac, split_aux_outputs(store, results[:sizes["out"] + sizes["aux"]])[1]
        return jac

    return jacfun


def _check_real_outputs(op, outs, holomorphic):
    for o in outs:
        dtype = get_aval(o).dtype
        if holomorphic and dtypes.kind(dtype) != "c":
            raise TypeError(f"{op} with holomorphic=True requires outputs with complex dtype, "
                            f"but got {dtype.name}")
        if not holomorphic and not dtypes.is_inexact(dtype):
            raise TypeError(f"{op} requires real- or complex-valued outputs (output dtype that "
                            f"is a sub-dtype of np.inexact), but got {dtype.name}")


def jacrev(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False):
    """The Jacobian of `fun` by reverse mode (one vjp per output element, vectorized).

    >>> jacrev(lambda x: x ** 2)(np.arange(3.0))   # diag([0., 2., 4.])
    """
    @api_boundary
    @functools.wraps(fun)
    def jacfun(*args, **kwargs):
        partial, dyn, multiple = _argnums_partial("jacrev", fun, argnums, args, kwargs)
        _check_inputs("jacrev", dyn, holomorphic, allow_int)
        out = vjp(partial, *dyn, has_aux=has_aux)
        y, f_vjp = out[0], out[1]
        out_leaves, out_tree = tree_flatten(y)
        _check_real_outputs("jacrev", out_leaves, holomorphic)
        in_leaves, in_tree = tree_flatten(dyn)
        basis = _std_basis(out_leaves)
        total = basis[0].shape[0] if basis else 0

        def pull(*cts):
            return tree_leaves(f_vjp(tree_unflatten(out_tree, list(cts))))

        cols = batching.vmap_flat(pull, basis, [0] * len(basis),
                                  lambda n: [0] * n, total)  # one (M, *in_shape) per input
        per_out = [[] for _ in out_leaves]
        for col, leaf in zip(cols, in_leaves):
            in_shape = get_aval(leaf).shape
            start = 0
            for k, o in enumerate(out_leaves):
                o_shape = get_aval(o).shape
                m = get_aval(o).size
                per_out[k].append(col[start:start + m].reshape(o_shape + in_shape))
                start += m
        jac = _jac_result(out_tree, per_out, in_tree, multiple)
        return (jac, out[2]) if has_aux else jac

    return jacfun


def jacobian(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False):
    """Alias of jacrev."""
    return jacrev(fun, argnums, has_aux, holomorphic, allow_int)


def hessian(fun, argnums=0, has_aux=False, holomorphic=False):
    """The Hessian of scalar `fun`: jacfwd(jacrev(fun)).

    >>> hessian(lambda x: (x ** 3).sum())(np.arange(3.0))   # diag(6x)
    """
    return jacfwd(jacrev(fun, argnums, has_aux, holomorphic), argnums, has_aux, holomorphic)

