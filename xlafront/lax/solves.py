"""custom_linear_solve and custom_root: solves whose derivatives come from the implicit
function theorem, not from differentiating the solver (as JAX's). custom_linear_solve is a
primitive carrying (matvec, vecmat, solve, transpose_solve) as IR; custom_root a custom_jvp
function whose rule calls the user's tangent_solve."""
from .. import dtypes
from ..core import bind, eval_jaxpr, get_aval
from ..custom_derivatives import custom_jvp
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from ..tree import tree_flatten, tree_structure, tree_unflatten
from .base import avals_of, primitive
from .control_flow import _split, _trace
from .elementwise import neg

__all__ = ["custom_linear_solve", "custom_root", "linear_solve_p"]


def _with_first(fun, first):
    return lambda *args: fun(first, *args)


def _check_tree(op, what, got, expected, has_aux):
    if has_aux:
        got = tree_structure(tree_unflatten(got, [0] * got.num_leaves)[0])
    if got != expected:
        raise TypeError(f"{op}: {what} must return the structure {expected} of its input"
                        f"{' (with its auxiliary data second)' if has_aux else ''}, got {got}")


# custom_linear_solve ---------------------------------------------------------------------
# Operands: the consts of matvec, vecmat, solve and transpose_solve, then b's leaves;
# params: their numbers (const_lengths) and their IR (jaxprs; None for a missing one).

def _linear_solve_impl(*args, const_lengths, jaxprs):
    consts = _split(args, *const_lengths)
    return eval_jaxpr(jaxprs[2], [], *consts[2], *consts[4])


linear_solve_p = primitive(
    "custom_linear_solve", lambda *avals, const_lengths, jaxprs: jaxprs[2].out_avals,
    L.lower_fun(_linear_solve_impl, multiple_results=True), multiple_results=True)


def _linear_solve_jvp(primals, tangents, const_lengths, jaxprs):
    # x = A^-1 b gives dx = A^-1 (db - dA x), where dA x is matvec's derivative with
    # respect to its consts (JAX's rule)
    params = dict(const_lengths=const_lengths, jaxprs=jaxprs)
    x = bind(linear_solve_p, *primals, **params)
    consts, dconsts = _split(primals, *const_lengths), _split(tangents, *const_lengths)
    n = len(consts[4])
    rhs = dconsts[4]
    if any(type(t) is not ad.Zero for t in dconsts[0]):
        _, dax = ad.jvp_flat(lambda *a: eval_jaxpr(jaxprs[0], [], *a), consts[0] + x[:n],
                             dconsts[0] + [ad.Zero.like(v) for v in x[:n]])
        rhs = [ad.add_tangents(r, neg(t)) if type(t) is not ad.Zero else r
               for r, t in zip(rhs, dax)]
    zeros = [ad.Zero.like(v) for v in x[n:]]  # auxiliary outputs: not differentiated
    if all(type(r) is ad.Zero for r in rhs):
        return x, [ad.Zero.like(v) for v in x[:n]] + zeros
    dx = bind(linear_solve_p, *primals[:sum(const_lengths)], *map(ad.instantiate, rhs),
              **params)
    return x, dx[:n] + zeros


def _linear_solve_transpose(cts, *args, const_lengths, jaxprs):
    # b's cotangent is the transposed solve (vecmat, transpose_solve) of x's
    if jaxprs[3] is None:
        raise TypeError("custom_linear_solve: transpose_solve is required for reverse-mode "
                        "differentiation (or symmetric=True)")
    mv, vm, s, ts, b = _split(args, *const_lengths)
    if any(ad.is_undefined(c) for c in mv + vm + s + ts):
        raise NotImplementedError("custom_linear_solve: transposing with respect to the "
                                  "operator's values is not supported (as in JAX)")
    lengths = [const_lengths[i] for i in (1, 0, 3, 2)]
    cts_b = bind(linear_solve_p, *vm, *mv, *ts, *s, *map(ad.instantiate, cts[:len(b)]),
                 const_lengths=tuple(lengths), jaxprs=tuple(jaxprs[i] for i in (1, 0, 3, 2)))
    return [None] * sum(const_lengths) + [ct if ad.is_undefined(v) else None
                                          for ct, v in zip(cts_b, b)]


def _linear_solve_batch(trace, vals, dims, const_lengths, jaxprs):
    # b (and so x) always batched: every body is batched with its consts as they come
    size = trace.axis_size
    groups = _split(list(zip(vals, dims)), *const_lengths)
    b = [batching.bdim_at_front(v, d, size) for v, d in groups[4]]
    args, lengths, new_jaxprs = [], [], []
    for jaxpr, group in zip(jaxprs, groups[:4]):
        consts = []
        if jaxpr is not None:
            jaxpr, consts, _ = batching.batch_jaxpr(
                jaxpr, [d for _, d in group] + [0] * len(b), size, trace.axis_name, True)
        new_jaxprs.append(jaxpr)
        args += list(consts) + [v for v, _ in group]
        lengths.append(len(consts) + len(group))
    outs = bind(linear_solve_p, *args, *b, const_lengths=tuple(lengths),
                jaxprs=tuple(new_jaxprs))
    return outs, [0] * len(outs)


ad.primitive_jvps[linear_solve_p] = _linear_solve_jvp
ad.primitive_transposes[linear_solve_p] = _linear_solve_transpose
batching.batchers_with_trace[linear_solve_p] = _linear_solve_batch


def custom_linear_solve(matvec, b, solve, transpose_solve=None, symmetric=False, has_aux=False):
    """solve(matvec, b): x with matvec(x) == b (matvec linear, b a pytree), differentiated
    implicitly (dx = A^-1 (db - dA x)) rather than through `solve`; reverse mode needs
    transpose_solve(vecmat, b) (or symmetric=True: solve serves). With has_aux the solves
    return (x, auxiliary data)."""
    op = "custom_linear_solve"
    if transpose_solve is None and symmetric:
        transpose_solve = solve
    leaves, in_tree = tree_flatten((b,))
    tree = tree_structure(b)
    avals = avals_of(op, leaves)
    mv, mv_consts, out = _trace(matvec, in_tree, avals, f"{op} matvec")
    _check_tree(op, "matvec", out, tree, False)
    if [(a.shape, a.dtype) for a in mv.out_avals] != [(a.shape, a.dtype) for a in avals]:
        raise ValueError(f"{op}: matvec must return arrays of the shapes and dtypes of b, got "
                         f"{[a.str_short() for a in mv.out_avals]}")
    s, s_consts, out = _trace(solve, in_tree, avals, f"{op} solve", _with_first, matvec)
    _check_tree(op, "solve", out, tree, has_aux)
    vm = vm_consts = ts = ts_consts = None
    if transpose_solve is not None:
        if symmetric:
            vm, vm_consts = mv, mv_consts
        else:
            vm, vm_consts = ad.transpose_jaxpr(mv, [False] * len(mv_consts) + [True] * len(avals),
                                               [True] * len(avals))
            vm_consts = list(vm_consts) + list(mv_consts)

        def vecmat(y):
            return tree_unflatten(tree, eval_jaxpr(vm, [], *vm_consts, *tree_flatten(y)[0]))
        ts, ts_consts, out = _trace(transpose_solve, in_tree, avals, f"{op} transpose_solve",
                                    _with_first, vecmat)
        _check_tree(op, "transpose_solve", out, tree, has_aux)
    groups = [list(c or []) for c in (mv_consts, vm_consts, s_consts, ts_consts)]
    outs = bind(linear_solve_p, *[c for g in groups for c in g], *leaves,
                const_lengths=tuple(map(len, groups)), jaxprs=(mv, vm, s, ts))
    return tree_unflatten(out, outs) if has_aux else tree_unflatten(tree, outs)


# custom_root -----------------------------------------------------------------------------

def _root_primal(f, solve, tangent_solve, tree, f_consts, s_consts, guess):
    return eval_jaxpr(solve, [], *s_consts, *guess)


_root = custom_jvp(_root_primal, nondiff_argnums=(0, 1, 2, 3))


@_root.defjvp
def _root_jvp(f, solve, tangent_solve, tree, primals, tangents):
    # f(x(c), c) = 0 gives dx = -(df/dx)^-1 (df/dc dc), solved by tangent_solve
    f_consts, s_consts, guess = primals
    outs = _root(f, solve, tangent_solve, tree, f_consts, s_consts, guess)
    x = outs[:tree.num_leaves]
    dc = [t if dtypes.is_inexact(get_aval(c).dtype) else ad.Zero.like(c)
          for c, t in zip(f_consts, tangents[0])]
    _, rhs = ad.jvp_flat(lambda *c: eval_jaxpr(f, [], *c, *x), list(f_consts), dc)

    def linearized(v):  # df/dx at the root
        return tree_unflatten(tree, list(map(ad.instantiate, ad.jvp_flat(
            lambda *y: eval_jaxpr(f, [], *f_consts, *y), x, tree_flatten(v)[0])[1])))
    dx = tree_flatten(tangent_solve(linearized, tree_unflatten(tree, list(map(ad.instantiate,
                                                                                 rhs)))))
    return outs, [neg(t) for t in dx[0]] + [
        ad.zeros_like_aval(ad.tangent_aval(get_aval(a))) for a in outs[tree.num_leaves:]]


def custom_root(f, initial_guess, solve, tangent_solve, has_aux=False):
    """solve(f, initial_guess): a root of f (a function of a pytree like initial_guess),
    differentiated implicitly with respect to the values f closes over: tangent_solve(g, y)
    solves the linear g(x) = y, g being f linearized at the root (e.g. lambda g, y: y /
    g(1.0) for scalars). With has_aux, solve returns (root, auxiliary data)."""
    op = "custom_root"
    leaves, in_tree = tree_flatten((initial_guess,))
    tree = tree_structure(initial_guess)
    avals = avals_of(op, leaves)
    f_jaxpr, f_consts, out = _trace(f, in_tree, avals, f"{op} f")
    _check_tree(op, "f", out, tree, False)
    s_jaxpr, s_consts, out = _trace(solve, in_tree, avals, f"{op} solve", _with_first, f)
    _check_tree(op, "solve", out, tree, has_aux)
    outs = _root(f_jaxpr, s_jaxpr, tangent_solve, tree, list(f_consts), list(s_consts), leaves)
    return tree_unflatten(out, outs)
