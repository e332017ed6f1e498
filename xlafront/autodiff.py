"""The differentiation API: jvp, linearize, vjp, grad, value_and_grad, jacfwd, jacrev,
jacobian, hessian. The machinery (JVPTrace, linearize, backward_pass) is in
interpreters/ad.py; this module handles pytrees, argnums, has_aux and the checks."""
import functools

from . import core, dtypes
from . import lax
from . import numpy as xnp
from .core import get_aval
from .errors import api_boundary
from .interpreters import ad, batching
from .interpreters.partial_eval import flatten_fun, split_aux_outputs, trace_to_jaxpr
from .jit import arg_aval, jit
from .tree import Partial, register_pytree_node, tree_flatten, tree_leaves, tree_unflatten

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
    """Forward-mode derivative: (fun(*primals), the directional derivative along tangents)."""
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
    staged linear program (primal work is not repeated)."""
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


class _VJPFunction:
    """A pullback as a pytree, its residual arrays as leaves (as JAX's, it can be returned
    from jit and passed into jit). Calling it with an output cotangent gives the input
    cotangents."""

    def __init__(self, residuals, static):
        self.residuals, self.static = residuals, static

    def __call__(self, cotangent):
        jaxpr, in_tree, out_tree, in_mask, out_mask, in_avals, out_avals = self.static
        cts, tree = tree_flatten(cotangent)
        if tree != out_tree:
            raise TypeError(f"vjp: the cotangent must have the structure of the function's "
                            f"output {out_tree}, got {tree}")
        for i, (ct, aval) in enumerate(zip(cts, out_avals)):
            ct_aval = core.get_aval(ct)
            if ct_aval.shape != aval.shape or ct_aval.dtype not in (
                    ad.tangent_aval(aval).dtype, dtypes.float0):
                raise ValueError(f"vjp: the cotangent at output position {i} must have shape "
                                 f"{aval.shape} and dtype {ad.tangent_aval(aval).dtype.name}, "
                                 f"got {ct_aval.str_short()}")
        in_cts = iter(ad.backward_pass(jaxpr, list(self.residuals),
                                       [ct for ct, m in zip(cts, out_mask) if m]))
        return tree_unflatten(in_tree, [ad.instantiate(next(in_cts)) if m else
                                        _zero_tangent_output(a) for m, a in zip(in_mask, in_avals)])


register_pytree_node(_VJPFunction, lambda f: (f.residuals, f.static),
                     lambda static, residuals: _VJPFunction(list(residuals), static))


def _vjp(fun, primals, has_aux, op):
    """(fun(*primals), its pullback, aux or None)."""
    p_leaves, in_tree, outs, store, linear, in_mask, out_mask = _linearize(
        fun, primals, has_aux, op)
    static = (linear.jaxpr, in_tree, store["out_tree"], tuple(in_mask), tuple(out_mask),
              tuple(get_aval(p) for p in p_leaves), tuple(get_aval(o) for o in outs))
    return (tree_unflatten(store["out_tree"], outs), _VJPFunction(list(linear.consts), static),
            store["aux"])


@api_boundary
def vjp(fun, *primals, has_aux=False):
    """(fun(*primals), f_vjp) where f_vjp(cotangent) pulls a cotangent of the output back
    to a tuple of cotangents of the inputs (reverse mode)."""
    out, f_vjp, aux = _vjp(fun, primals, has_aux, "vjp")
    return (out, f_vjp, aux) if has_aux else (out, f_vjp)


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
    """A function returning (fun(*args), the gradient of fun with respect to argnums)."""
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
    """The gradient of scalar-valued `fun` with respect to the arguments at argnums."""
    value_and_grad_f = value_and_grad(fun, argnums, has_aux, holomorphic, allow_int,
                                      reduce_axes)

    @functools.wraps(fun)
    def grad_f(*args, **kwargs):
        value, g = value_and_grad_f(*args, **kwargs)
        return (g, value[1]) if has_aux else g

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


def _unravel(jac, leaves, other_shape, front=False):
    """Splits a Jacobian block along its axis of the flattened `leaves` (last: the block is
    (*other_shape, N); first when `front`: (N, *other_shape)) into one array per leaf, of
    shape other_shape + leaf.shape (front: leaf.shape + other_shape)."""
    results, start = [], 0
    for leaf in leaves:
        aval = get_aval(leaf)
        part = jac[start:start + aval.size] if front else jac[..., start:start + aval.size]
        results.append(part.reshape(aval.shape + other_shape if front else
                                    other_shape + aval.shape))
        start += aval.size
    return results


def _jac_result(out_tree, per_out, in_tree, multiple):
    """The output tree whose leaves are input trees (JAX's Jacobian layout)."""
    def inner(blocks):
        args = tree_unflatten(in_tree, blocks)
        return args if multiple else args[0]
    return tree_unflatten(out_tree, [inner(b) for b in per_out])


def jacfwd(fun, argnums=0, has_aux=False, holomorphic=False):
    """The Jacobian of `fun` by forward mode (one jvp per input element, vectorized)."""
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
    """The Jacobian of `fun` by reverse mode (one vjp per output element, vectorized)."""
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
        per_in = [_unravel(col, out_leaves, get_aval(leaf).shape, front=True)
                  for col, leaf in zip(cols, in_leaves)]
        per_out = [[blocks[k] for blocks in per_in] for k in range(len(out_leaves))]
        jac = _jac_result(out_tree, per_out, in_tree, multiple)
        return (jac, out[2]) if has_aux else jac

    return jacfun


def jacobian(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False):
    """Alias of jacrev."""
    return jacrev(fun, argnums, has_aux, holomorphic, allow_int)


def hessian(fun, argnums=0, has_aux=False, holomorphic=False):
    """The Hessian of scalar `fun`: jacfwd(jacrev(fun))."""
    return jacfwd(jacrev(fun, argnums, has_aux, holomorphic), argnums, has_aux, holomorphic)



# ---------------------------------------------------------------------------------------
# linear_transpose, fwd_and_bwd

def _in_aval(x):
    """The type of an example argument: an array, a ShapeDtypeStruct or any object with
    shape and dtype attributes (only those are read)."""
    if not core.is_array_like(x) and hasattr(x, "shape") and hasattr(x, "dtype"):
        return core.ShapedArray(x.shape, dtypes.canonicalize(x.dtype))
    return arg_aval(x, "primals", "linear_transpose")


def _transpose_call(jaxpr, in_tree, out_tree, out_avals, consts, out_cotangent):
    cts, tree = tree_flatten(out_cotangent)
    if tree != out_tree:
        raise TypeError(f"cotangent tree does not match function output, expected {out_tree} "
                        f"but got {tree}")
    got = [core.get_aval(ct) for ct in cts]
    if [(a.shape, a.dtype) for a in got] != [(a.shape, a.dtype) for a in out_avals]:
        raise TypeError(f"cotangent type does not match function output, expected "
                        f"{[a.str_short() for a in out_avals]} but got "
                        f"{[a.str_short() for a in got]}")
    in_cts = ad.backward_pass(jaxpr, consts, cts)
    return tree_unflatten(in_tree, [ad.instantiate(ct) for ct in in_cts])


@api_boundary
def linear_transpose(fun, *primals, reduce_axes=()):
    """The transpose of `fun`, a function promised to be linear, at arguments shaped like
    `primals` (arrays or ShapeDtypeStructs: only shapes and dtypes are read). The transposed
    function takes a cotangent of fun's output and returns a tuple like `primals`."""
    if reduce_axes:
        raise NotImplementedError("reduce_axes argument to transpose is deprecated")
    leaves, in_tree = tree_flatten(primals)
    in_avals = [_in_aval(x) for x in leaves]
    store = {}
    closed = trace_to_jaxpr(flatten_fun(fun, in_tree, store, "linear_transpose"), in_avals)
    in_dtypes = [a.dtype for a in in_avals]
    out_dtypes = [a.dtype for a in closed.out_avals]
    if not (all(dtypes.is_inexact(d) for d in in_dtypes + out_dtypes)
            or all(dtypes.kind(d) in "iu" for d in in_dtypes + out_dtypes)):
        raise TypeError("linear_transpose only supports [float or complex] -> [float or "
                        "complex], and integer -> integer functions, but got "
                        f"{in_dtypes} -> {out_dtypes}.")
    # a Partial, as in JAX: a pytree (its captured arrays are leaves), so jit can take it
    return Partial(functools.partial(_transpose_call, closed.jaxpr, in_tree, store["out_tree"],
                                     tuple(closed.out_avals)), closed.consts)


def fwd_and_bwd(fun, argnums, has_aux=False, jitted=True):
    """(fwd, bwd): the forward and backward passes of `fun` as two functions, so the
    backward one compiles once and is reused across iterations.
    `fwd(*args)` returns `(fun(*args), residuals)` (plus aux with has_aux);
    `bwd(residuals, cotangent)` returns the cotangents of the arguments at `argnums` (one,
    or a tuple when argnums is a sequence). Both are jitted unless jitted=False."""
    if not callable(fun):
        raise TypeError(f"fwd_and_bwd: expected a callable, got {fun!r}")
    multiple = not isinstance(argnums, int)

    def fwd(*args, **kwargs):
        partial, dyn, _ = _argnums_partial("fwd_and_bwd", fun, argnums, args, kwargs)
        out, f_vjp, aux = _vjp(partial, dyn, has_aux, "fwd_and_bwd")
        return (out, f_vjp, aux) if has_aux else (out, f_vjp)

    def bwd(f_vjp, outgrad):
        g = f_vjp(outgrad)
        return g if multiple else g[0]

    if jitted:
        return jit(fwd), jit(bwd)
    return fwd, bwd
