"""einsum (with opt_einsum's contraction order, as JAX), einsum_path and kron.

opt_einsum is imported on the first einsum call: it adds about 7 ms to `import xlafront`,
and only the choice of a contraction order needs it."""
import collections

import numpy as np

from .. import dtypes, lax
from ..core import get_aval
from ..dispatch import eager
from ._util import aval_or_error, promote_dtypes

__all__ = ["einsum", "einsum_path", "kron"]


def _opt_einsum():
    import opt_einsum  # (lazy: see the module docstring)
    return opt_einsum


def _path_type(optimize, n):
    """optimize as opt_einsum takes it: True is 'optimal'; False contracts left to right
    (JAX's Unoptimized path)."""
    if optimize is True:
        return "optimal"
    if optimize is False:
        return [(0, 1)] * (n - 1) if n > 1 else [(0,)]
    return optimize


def _array_operands(operands):
    """The operands of an einsum call (subscripts and interleaved sublists aside),
    refusing lists as JAX does."""
    if isinstance(operands[0], str):
        arrays = operands[1:]
    else:  # (array, sublist) pairs, then perhaps the output sublist
        arrays = operands[0:len(operands) - len(operands) % 2:2]
    for i, x in enumerate(arrays):
        if isinstance(x, (list, tuple)):
            raise TypeError(f"einsum requires ndarray or scalar arguments, got {type(x)} at "
                            f"position {i}.")
        aval_or_error("einsum", x)
    return arrays


def einsum(subscripts, /, *operands, out=None, optimize="auto", precision=None,
           preferred_element_type=None, out_sharding=None):
    """Einstein summation: `einsum("ij,jk->ik", a, b)` (or the interleaved form
    `einsum(a, [0, 1], b, [1, 2], [0, 2])`), contracted pairwise in the order opt_einsum
    finds (`optimize`: 'auto', 'greedy', 'optimal', True, False, or an explicit path), each
    contraction one dot_general. `preferred_element_type` is the accumulation and result
    dtype."""
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.einsum is not supported.")
    if out_sharding is not None:
        raise NotImplementedError(f"einsum: out_sharding is not supported yet; got "
                                  f"{out_sharding!r}")
    operands = (subscripts, *operands)
    n = len(_array_operands(operands))
    arrays, contractions = _opt_einsum().contract_path(
        *operands, einsum_call=True, use_blas=True, optimize=_path_type(optimize, n))
    contractions = tuple((tuple(c[0]), frozenset(c[1]), c[2]) for c in contractions)
    pref = None if preferred_element_type is None else dtypes.check_dtype(
        preferred_element_type, "einsum")
    return _contract(list(arrays), contractions=contractions, precision=precision,
                     preferred_element_type=pref)


def einsum_path(subscripts, /, *operands, optimize="auto"):
    """(the contraction path, opt_einsum's description of it) that einsum with the same
    arguments follows."""
    n = len(_array_operands((subscripts, *operands)))
    return _opt_einsum().contract_path(subscripts, *operands,
                                       optimize=_path_type(optimize, n))


def _removechars(s, chars):
    return s.translate(str.maketrans(dict.fromkeys(chars)))


@eager(static_argnames=("contractions", "precision", "preferred_element_type"))
def _contract(operands, contractions, precision, preferred_element_type):
    """The contractions opt_einsum planned, each (operand positions, names summed away,
    'in,in->out'), on operands promoted to one dtype (JAX's einsum)."""
    operands, dtype = promote_dtypes("einsum", *operands)
    weak = all(get_aval(x).weak_type for x in operands)
    result_dtype = preferred_element_type or dtype
    weak = weak and preferred_element_type is None

    def total(x, axes):
        if not axes:
            return x
        if get_aval(x).dtype == dtypes.bool_:
            return lax.reduce_or(x, tuple(axes))
        if dtypes.promote_types((get_aval(x).dtype, False), (result_dtype, False))[0] \
                != get_aval(x).dtype:
            x = lax.convert_element_type(x, result_dtype)
        return lax.reduce_sum(x, tuple(axes))

    def sum_uniques(x, names, uniques):
        if uniques:
            x = total(x, [names.index(name) for name in uniques])
            names = _removechars(names, uniques)
        return x, names

    def sum_repeats(x, names, counts, keep_names):
        # a repeated name is a diagonal: zero off it, then sum all but one (kept) or all
        for name, count in counts.items():
            if count > 1:
                axes = [i for i, n in enumerate(names) if n == name]
                shape = get_aval(x).shape
                first = lax.broadcasted_iota(np.int32, shape, axes[0])
                diagonal = None
                for ax in axes[1:]:
                    eq = lax.eq(first, lax.broadcasted_iota(np.int32, shape, ax))
                    diagonal = eq if diagonal is None else lax.bitwise_and(diagonal, eq)
                x = lax.select(diagonal, x, lax.full(shape, 0, get_aval(x).dtype))
                if name not in keep_names:
                    x = total(x, axes)
                    names = names.replace(name, "")
                else:
                    x = total(x, axes[:-1])
                    names = names.replace(name, "", count - 1)
        return x, names

    def filter_singleton_dims(x, names, other_shape, other_names):
        # size-1 dimensions broadcast against the other operand's: squeezed away
        shape = get_aval(x).shape
        keep = [shape[i] != 1 or j == -1 or other_shape[j] == 1
                for i, j in enumerate(map(other_names.find, names))]
        x = lax.squeeze(x, [i for i, k in enumerate(keep) if not k])
        return x, "".join(n for n, k in zip(names, keep) if k)

    for positions, contracted, einstr in contractions:
        contracted = sorted(contracted)
        input_str, result_names = einstr.split("->")
        input_names = input_str.split(",")
        if len(positions) == 1:
            x = operands.pop(positions[0])
            (names,) = input_names
            counts = collections.Counter(names)
            x, names = sum_uniques(x, names, [n for n in contracted if counts[n] == 1])
            x, names = sum_repeats(x, names, counts, result_names)
        elif len(positions) == 2:
            lhs, rhs = map(operands.pop, positions)
            lhs_names, rhs_names = input_names
            lhs, lhs_names = filter_singleton_dims(lhs, lhs_names, get_aval(rhs).shape,
                                                   rhs_names)
            rhs, rhs_names = filter_singleton_dims(rhs, rhs_names, get_aval(lhs).shape,
                                                   lhs_names)
            lhs_counts = collections.Counter(lhs_names)
            rhs_counts = collections.Counter(rhs_names)
            lhs, lhs_names = sum_uniques(lhs, lhs_names, [
                n for n in contracted if lhs_counts[n] == 1 and rhs_counts[n] == 0])
            rhs, rhs_names = sum_uniques(rhs, rhs_names, [
                n for n in contracted if rhs_counts[n] == 1 and lhs_counts[n] == 0])
            lhs, lhs_names = sum_repeats(lhs, lhs_names, lhs_counts, result_names + rhs_names)
            rhs, rhs_names = sum_repeats(rhs, rhs_names, rhs_counts, result_names + lhs_names)
            both = set(lhs_names) & set(rhs_names)
            contracted = [n for n in contracted if n in set(lhs_names) | set(rhs_names)]
            batch_names = "".join(n for n in result_names if n in both)
            lhs_batch = tuple(lhs_names.find(n) for n in batch_names)
            rhs_batch = tuple(rhs_names.find(n) for n in batch_names)
            lhs_cont = tuple(lhs_names.index(n) for n in contracted)
            rhs_cont = tuple(rhs_names.index(n) for n in contracted)
            deleted = batch_names + "".join(contracted)
            lhs_rest, rhs_rest = _removechars(lhs_names, deleted), _removechars(rhs_names,
                                                                                deleted)
            names = batch_names + rhs_rest + lhs_rest
            if names == result_names:  # the order that needs no transpose
                x = lax.dot_general(rhs, lhs, ((rhs_cont, lhs_cont), (rhs_batch, lhs_batch)),
                                    precision, preferred_element_type)
            else:
                names = batch_names + lhs_rest + rhs_rest
                x = lax.dot_general(lhs, rhs, ((lhs_cont, rhs_cont), (lhs_batch, rhs_batch)),
                                    precision, preferred_element_type)
        else:
            raise NotImplementedError("einsum does not support simultaneous contraction of 3 "
                                      "or more operands; pass a path of pairs as optimize")
        if names != result_names:
            x = lax.transpose(x, tuple(names.index(n) for n in result_names))
        operands.append(x)
    return lax.convert_element_type(operands[0], result_dtype, weak)


@eager
def kron(a, b):
    """The Kronecker product: every element of a times the whole of b, as blocks."""
    for i, x in enumerate((a, b)):
        if isinstance(x, (list, tuple)):
            raise TypeError(f"kron requires ndarray or scalar arguments, got {type(x)} at "
                            f"position {i}.")
    (a, b), _ = promote_dtypes("kron", a, b)
    a_aval, b_aval = get_aval(a), get_aval(b)
    ndim = max(a_aval.ndim, b_aval.ndim)
    a_shape = (1,) * (ndim - a_aval.ndim) + a_aval.shape
    b_shape = (1,) * (ndim - b_aval.ndim) + b_aval.shape
    # a's axes go to the even positions, b's to the odd ones: (a0, b0, a1, b1, ...)
    a = lax.reshape(a, tuple(n for m in a_shape for n in (m, 1)))
    b = lax.reshape(b, tuple(n for m in b_shape for n in (1, m)))
    out_shape = tuple(m * n for m, n in zip(a_shape, b_shape))
    both = tuple(n for m, k in zip(a_shape, b_shape) for n in (m, k))
    product = lax.mul(lax.broadcast_in_dim(a, both, tuple(range(2 * ndim))),
                      lax.broadcast_in_dim(b, both, tuple(range(2 * ndim))))
    return lax.reshape(product, out_shape)
