"""The rest of jax.lax: elementwise odds and ends (mulhi, reduce_precision, the total-order
comparisons, reciprocal), identity primitives (copy, stage, device_put, sharding
constraints), optimization_barrier, XLA's random number generators (rng_bit_generator,
rng_uniform), platform_dependent, composite and scatter_apply."""
import enum
import functools

import numpy as np

from .. import core, dtypes
from ..core import ShapedArray, bind, concrete_shape, eval_jaxpr, get_aval
from ..devices import _sharding_device
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from ..interpreters.partial_eval import trace_pytree_fun
from ..tree import tree_flatten, tree_unflatten
from .base import check_kinds, composed, out, primitive, zero_tangent
from .control_flow import switch, while_loop
from .control_flow import map as lax_map
from .elementwise import add, binary, comparison, integer_pow, lt, select
from .reductions import reduce_max
from .shape import _no_sharding, full, reshape
from .slicing import scatter_add

__all__ = ["RandomAlgorithm", "RoundingMethod", "composite", "copy_p", "device_put_p",
           "dtype", "eq_to_p", "le_to_p", "lt_to_p", "mulhi", "mulhi_p", "optimization_barrier",
           "optimization_barrier_p", "platform_dependent", "reciprocal", "reduce_precision",
           "reduce_precision_p", "rng_bit_generator", "rng_bit_generator_p", "rng_uniform",
           "rng_uniform_p", "scatter_apply", "sharding_constraint_p", "stage", "stage_p",
           "with_sharding_constraint"]


class RoundingMethod(enum.IntEnum):
    """lax.round's rounding of halfway cases."""
    AWAY_FROM_ZERO = 0
    TO_NEAREST_EVEN = 1


def dtype(x):
    """The canonical dtype of a value or of a dtype-like (as jax.lax.dtype)."""
    try:
        return get_aval(x).dtype
    except TypeError:
        return dtypes.check_dtype(x, "dtype", warn_x64=False)


def reciprocal(x):
    """1 / x elementwise (for inexact x)."""
    return integer_pow(x, -1)


mulhi_p, mulhi = binary("mulhi", lambda ctx, x, y: L.chlo.mulhi(x, y), "iu", zero_tangent)
mulhi.__doc__ = "The high half of the double-width product of integers x and y, elementwise."


# JAX's eq_to / le_to / lt_to: comparisons of floats in their total order
eq_to_p, le_to_p, lt_to_p = (comparison(n, d, total_order=True)[0] for n, d in (
    ("eq_to", "EQ"), ("le_to", "LE"), ("lt_to", "LT")))


# reduce_precision ------------------------------------------------------------------------

def _reduce_precision_abstract(x, exponent_bits, mantissa_bits):
    check_kinds("reduce_precision", x, "f")
    if exponent_bits < 1 or mantissa_bits < 0:
        raise ValueError(f"reduce_precision: exponent_bits={exponent_bits} must be at least 1 "
                         f"and mantissa_bits={mantissa_bits} non-negative")
    return [x]


reduce_precision_p = primitive(
    "reduce_precision", _reduce_precision_abstract,
    lambda ctx, x, **bits: [L.hlo.reduce_precision(x, bits["exponent_bits"],
                                                   bits["mantissa_bits"])])
ad.deflinear(reduce_precision_p, lambda ct, x, **bits: [bind(reduce_precision_p, ct, **bits)])
batching.defvectorized(reduce_precision_p)


def reduce_precision(operand, exponent_bits, mantissa_bits):
    """operand rounded to a float format of exponent_bits and mantissa_bits (overflowing to
    inf), kept in its dtype."""
    return bind(reduce_precision_p, operand, exponent_bits=int(exponent_bits),
                mantissa_bits=int(mantissa_bits))


# identities: copy, stage, device_put, sharding_constraint --------------------------------

def _identity(name, multiple_results=False):
    """A primitive computing the identity, kept as an equation (as JAX's): linear, and
    batched where its operands are."""
    prim = primitive(name, lambda *xs, **_: list(xs), lambda ctx, *xs, **_: list(xs),
                     multiple_results)
    ad.deflinear(prim, (lambda cts, *xs, **_: [ad.instantiate(c) for c in cts])
                 if multiple_results else (lambda ct, *xs, **_: [ct]))

    def batch(vals, dims, **params):
        outs = bind(prim, *vals, **params)
        return (outs if multiple_results else [outs]), list(dims)
    batching.primitive_batchers[prim] = batch
    return prim


copy_p = _identity("copy")
stage_p = _identity("stage")
device_put_p = _identity("device_put", multiple_results=True)
sharding_constraint_p = _identity("sharding_constraint")


def stage(x):
    """x as a value of the current trace (an Array when nothing is traced)."""
    return bind(stage_p, x)


def with_sharding_constraint(x, shardings):
    """x (a pytree) constrained to `shardings` (one, or a pytree like x): single-device
    shardings only, where it is the identity (as in JAX on one device)."""
    leaves, tree = tree_flatten(x)
    specs, spec_tree = tree_flatten(shardings)
    if spec_tree.num_leaves == 1 and spec_tree != tree:
        specs = specs * len(leaves)
    elif spec_tree != tree:
        raise ValueError(f"with_sharding_constraint: shardings must be one Sharding or a "
                         f"pytree of them like x, got {spec_tree} for {tree}")
    for s in specs:
        _sharding_device("with_sharding_constraint", s)
    return tree_unflatten(tree, [bind(sharding_constraint_p, v, sharding=s)
                                 for v, s in zip(leaves, specs)])


# optimization_barrier --------------------------------------------------------------------

optimization_barrier_p = primitive(
    "optimization_barrier", lambda *xs: list(xs),
    lambda ctx, *xs: list(L.hlo.OptimizationBarrierOp(list(xs)).results), multiple_results=True)


def _barrier(values):
    """The barrier over the values that are not symbolic zeros (kept as they are)."""
    kept = [v for v in values if type(v) is not ad.Zero]
    outs = iter(bind(optimization_barrier_p, *kept) if kept else [])
    return [v if type(v) is ad.Zero else next(outs) for v in values]


def optimization_barrier(operand, /):
    """operand (a pytree) as values XLA may not move computations across, merge or fuse
    through."""
    leaves, tree = tree_flatten(operand)
    return tree_unflatten(tree, _barrier(leaves))


ad.primitive_jvps[optimization_barrier_p] = lambda primals, tangents: (
    _barrier(primals), _barrier(tangents))
ad.primitive_transposes[optimization_barrier_p] = lambda cts, *xs: _barrier(cts)
batching.primitive_batchers[optimization_barrier_p] = lambda vals, dims: (
    _barrier(vals), list(dims))


# rng_bit_generator, rng_uniform: XLA's generators ----------------------------------------

class RandomAlgorithm(enum.IntEnum):
    """rng_bit_generator's algorithm: the platform's default, Threefry or Philox."""
    RNG_DEFAULT = 0
    RNG_THREE_FRY = 1
    RNG_PHILOX = 2

    def __str__(self):
        return self.name


_KEY_TYPES = ((dtypes.uint32, (4,)), (np.dtype(np.uint64), (2,)))


def _rbg_abstract(key, shape, dtype, algorithm):
    if (key.dtype, key.shape) not in _KEY_TYPES:
        raise TypeError(f"rng_bit_generator: the key must be uint32[4] (or uint64[2]), got "
                        f"{key.str_short()}")
    return [key, ShapedArray(shape, dtype)]


def _rbg_lowering(ctx, key, shape, dtype, algorithm):
    # XLA's generator takes a uint64[2] state: a uint32[4] key is its bits
    key_aval = ctx.avals_in[0]
    pairs = L.ir_type(ShapedArray((2, 2), dtypes.uint32))
    if key_aval.dtype == dtypes.uint32:
        key = L.hlo.bitcast_convert(L.ir_type(ShapedArray((2,), np.dtype(np.uint64))),
                                    L.hlo.reshape(pairs, key))
    attr = L.hlo.RngAlgorithmAttr.get(("DEFAULT", "THREE_FRY", "PHILOX")[algorithm])
    new_key, bits = L.hlo.RngBitGeneratorOp(key.type, L.ir_type(ctx.avals_out[1]), attr,
                                            key).results
    if key_aval.dtype == dtypes.uint32:
        new_key = L.hlo.reshape(L.ir_type(key_aval), L.hlo.bitcast_convert(pairs, new_key))
    return [new_key, bits]


rng_bit_generator_p = primitive("rng_bit_generator", _rbg_abstract, _rbg_lowering,
                                multiple_results=True)
zero_tangent(rng_bit_generator_p)


def _rbg_batch(vals, dims, **params):
    # each example's key draws its own bits: a loop (a scan) over the keys
    keys = batching.moveaxis(vals[0], dims[0], 0)
    return list(lax_map(lambda k: tuple(bind(rng_bit_generator_p, k, **params)), keys)), [0, 0]


batching.primitive_batchers[rng_bit_generator_p] = _rbg_batch


def rng_bit_generator(key, shape, dtype=np.uint32, algorithm=RandomAlgorithm.RNG_DEFAULT, *,
                      out_sharding=None):
    """(next key, random bits of `shape` and unsigned `dtype`) from XLA's stateless generator
    and a uint32[4] key; the bits depend on the platform (prefer xlafront.random)."""
    _no_sharding("rng_bit_generator", out_sharding)
    dtype = dtypes.check_dtype(dtype, "rng_bit_generator")
    if dtypes.kind(dtype) != "u":
        raise TypeError(f"rng_bit_generator: unsupported dtype {dtype}; it generates uint8, "
                        f"uint16, uint32 or uint64 bits")
    return tuple(bind(rng_bit_generator_p, key, shape=concrete_shape(shape, "rng_bit_generator"),
                      dtype=dtype, algorithm=RandomAlgorithm(algorithm)))


def _rng_uniform_abstract(a, b, shape):
    if a.dtype != b.dtype or a.shape or b.shape:
        raise ValueError(f"rng_uniform: a and b must be scalars of one dtype, got "
                         f"{a.str_short()} and {b.str_short()}")
    return out(shape, a.dtype, a.weak_type and b.weak_type)


rng_uniform_p = primitive("rng_uniform", _rng_uniform_abstract, lambda ctx, a, b, shape: [
    L.hlo.rng(a, b, L.constant(np.array(shape, np.int64)),
              L.hlo.RngDistributionAttr.get("UNIFORM"), results=[L.ir_type(ctx.avals_out[0])])])


def rng_uniform(a, b, shape):
    """Values of `shape` uniform in [a, b) from XLA's stateful generator (no two calls are
    alike; prefer xlafront.random)."""
    return bind(rng_uniform_p, a, b, shape=concrete_shape(shape, "rng_uniform"))


# platform_dependent ----------------------------------------------------------------------

def _platform_index_lowering(ctx, platforms):
    names = ("cuda", "rocm") if ctx.platform == "gpu" else (ctx.platform,)
    for name in names:
        for i, ps in enumerate(platforms):
            if ps is None or name in ps:  # None: the default branch
                return [L.constant(np.int32(i))]
    raise NotImplementedError(f"platform_dependent: no branch for platform {ctx.platform} and "
                              f"no default (branches for {[p for p in platforms if p]})")


platform_index_p = primitive("platform_index", lambda platforms: out((), dtypes.int32),
                             _platform_index_lowering)


def platform_dependent(*args, default=None, **per_platform):
    """per_platform[p](*args) for the platform p ('cpu', 'cuda', 'rocm', 'tpu') the program
    is lowered for, else default(*args) (an error when there is none)."""
    branches, platforms = [], []
    for name, branch in per_platform.items():
        if name == "gpu":
            raise ValueError("platform_dependent: use 'cuda' or 'rocm', not 'gpu'")
        if not callable(branch):
            raise TypeError(f"platform_dependent: the '{name}' branch must be a callable")
        if branch in branches:  # one branch for several platforms
            platforms[branches.index(branch)] += (name,)
        else:
            branches.append(branch)
            platforms.append((name,))
    if default is not None:
        if not callable(default):
            raise TypeError("platform_dependent: the default branch must be a callable")
        branches.append(default)
        platforms.append(None)  # last, so that a named platform wins
    index = bind(platform_index_p, platforms=tuple(platforms))
    if not isinstance(index, core.Tracer):
        return branches[int(index)](*args)  # known now: only that branch is traced
    return switch(index, branches, *args)


# composite -------------------------------------------------------------------------------

class _Array(tuple):
    """A NumPy value as a hashable composite attribute: (dtype, shape, bytes)."""


def _hashable(value):
    if isinstance(value, (np.ndarray, np.generic)):
        return _Array((value.dtype, value.shape, np.ascontiguousarray(value).tobytes()))
    return tuple(map(_hashable, value)) if isinstance(value, (list, tuple)) else value


def _attribute(value):
    """A composite attribute (as JAX's): Python scalars as scalar attributes, NumPy values as
    dense arrays, strings as strings, sequences as arrays of attributes."""
    if isinstance(value, str):
        return L.ir.StringAttr.get(value)
    if isinstance(value, _Array):
        array = np.frombuffer(value[2], value[0]).reshape(value[1])
        return L.ir.DenseElementsAttr.get(array, type=L.ir_element_type(array.dtype),
                                          shape=array.shape)
    if isinstance(value, tuple):
        return L.ir.ArrayAttr.get([_attribute(v) for v in value])
    element = L.ir_element_type({bool: np.bool_, int: np.int64, float: np.float64}[type(value)])
    make = L.ir.FloatAttr if isinstance(value, float) else L.ir.IntegerAttr
    return make.get(element, value)


def _composite_lowering(ctx, *args, name, attributes, version, jaxpr):
    # the decomposition goes in a private function of the module, named after the op
    mc = ctx.module_context
    taken = {L.ir.StringAttr(o.operation.attributes["sym_name"]).value
             for o in mc.module.body.operations}
    symbol, i = name, 0
    while symbol in taken:
        i += 1
        symbol = f"{name}_{i}"
    types = [L.ir_type(a) for a in ctx.avals_in], [L.ir_type(a) for a in ctx.avals_out]
    with L.ir.InsertionPoint(mc.module.body):
        fn = L.func.FuncOp(symbol, L.ir.FunctionType.get(*types))
    fn.attributes["sym_visibility"] = L.ir.StringAttr.get("private")
    with L.ir.InsertionPoint(fn.add_entry_block()):
        L.func.ReturnOp(L.lower_jaxpr_body(mc, jaxpr, [], list(fn.arguments)))
    return list(L.hlo.CompositeOp(
        types[1], list(args), name, L.ir.FlatSymbolRefAttr.get(symbol),
        composite_attributes=L.ir.DictAttr.get({k: _attribute(v) for k, v in attributes}),
        version=L.ir.IntegerAttr.get(L.ir.IntegerType.get_signless(32), version)).results)


# differentiated and batched through the decomposition (JAX has no rules for it)
composite_p = composed("composite", lambda *xs, jaxpr, **_: eval_jaxpr(jaxpr, [], *xs),
                       lambda *xs, jaxpr, **_: jaxpr.out_avals, multiple_results=True)
L.register_lowering(composite_p, _composite_lowering)


def composite(decomposition, name, version=0):
    """`decomposition` as one StableHLO composite op `name`, which a compiler may replace by
    a kernel of its own; call it with operands positionally, static attributes by keyword."""
    def call(*args, **kwargs):
        if any(isinstance(v, core.Tracer) for v in kwargs.values()):
            raise TypeError(f"composite {name}: attributes must be static values, not traced "
                            "arrays; pass arrays as positional operands")
        leaves, in_tree = tree_flatten(args)
        jaxpr, consts, out_tree = trace_pytree_fun(
            functools.partial(decomposition, **kwargs), in_tree, [get_aval(x) for x in leaves],
            f"composite {name}")
        attributes = tuple((k, _hashable(v)) for k, v in kwargs.items() if v is not None)
        return tree_unflatten(out_tree, bind(composite_p, *consts, *leaves, name=name,
                                             attributes=attributes, version=int(version),
                                             jaxpr=jaxpr))
    return call


# scatter_apply ---------------------------------------------------------------------------

def scatter_apply(operand, scatter_indices, func, dimension_numbers, *, update_shape=(),
                  indices_are_sorted=False, unique_indices=False, mode=None):
    """operand with the scalar `func` applied where the scatter reaches, once per index
    reaching there (XLA's scatter with `func` as its update computation)."""
    aval = get_aval(operand)
    hits = scatter_add(full(aval.shape, 0, dtypes.int32), scatter_indices,
                       full(update_shape, 1, dtypes.int32), dimension_numbers,
                       indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                       mode=mode)
    apply = batching.batch_fun(lambda x: [func(x)], [0], aval.size)  # func on every scalar

    def step(k, x):
        return select(lt(k, hits), reshape(apply(reshape(x, (aval.size,)))[0], aval.shape), x)
    if unique_indices:
        return step(np.int32(0), operand)
    most = reduce_max(hits, tuple(range(aval.ndim)))
    return while_loop(lambda c: lt(c[0], most),
                      lambda c: (add(c[0], np.int32(1)), step(*c)), (np.int32(0), operand))[1]
