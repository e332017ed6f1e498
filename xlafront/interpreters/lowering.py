"""Lowering: IR -> a StableHLO module, built with the MLIR Python bindings inside jaxlib.

Each primitive's lowering rule sits beside the primitive in `lax/` and has the signature
`rule(ctx, *operands, **params) -> [ir.Value]`, where `ctx.avals_in` / `ctx.avals_out`
are the abstract values of the equation. Every operation carries the user's source
location (file:line), so XLA's messages and the `as_text(debug_info=True)` dump point
at user code. The MLIR modules are imported on first use (they cost ~50 ms).
"""
import numpy as np

from .. import dtypes, runtime
from ..core import Literal, param_key
from .partial_eval import trace_to_jaxpr

ir = hlo = chlo = func = None  # the MLIR modules, set by _init()
_context = None


def _init():
    global ir, hlo, chlo, func, _context
    if _context is not None:
        return _context
    from jaxlib.mlir import ir as ir_
    from jaxlib.mlir.dialects import chlo as chlo_, func as func_, stablehlo as hlo_
    from jaxlib.mlir._mlir_libs import _jax_mlir_ext
    registry = ir_.DialectRegistry()
    _jax_mlir_ext.register_dialects(registry)
    context = ir_.Context()
    context.append_dialect_registry(registry)
    context.load_all_available_dialects()
    hlo_.register_dialect(context)
    chlo_.register_dialect(context)
    ir, hlo, chlo, func = ir_, hlo_, chlo_, func_
    _context = context
    return context


# The MLIR bindings (about 30 ms) load with the first program lowered, not with the runtime:
# a program found in the persistent cache by its IR never needs them.


def ir_element_type(dtype):
    dtype = np.dtype(dtype)
    if dtype == dtypes.bool_:
        return ir.IntegerType.get_signless(1)
    kind = dtypes.kind(dtype)
    bits = dtypes.itemsize_bits(dtype)  # (4 for int4/uint4, stored a byte each by NumPy)
    if kind == "i":
        return ir.IntegerType.get_signless(bits)
    if kind == "u":
        return ir.IntegerType.get_unsigned(bits)
    if kind == "c":
        return ir.ComplexType.get(ir_element_type(np.float32 if bits == 64 else np.float64))
    if dtype == dtypes.bfloat16:
        return ir.BF16Type.get()
    named = {"float16": ir.F16Type, "float32": ir.F32Type, "float64": ir.F64Type,
             "float8_e4m3fn": ir.Float8E4M3FNType, "float8_e5m2": ir.Float8E5M2Type,
             "float8_e4m3fnuz": ir.Float8E4M3FNUZType, "float8_e5m2fnuz": ir.Float8E5M2FNUZType,
             "float8_e4m3b11fnuz": ir.Float8E4M3B11FNUZType}
    named.update({n: getattr(ir, t) for n, t in (
        ("float8_e3m4", "Float8E3M4Type"), ("float8_e4m3", "Float8E4M3Type"),
        ("float8_e8m0fnu", "Float8E8M0FNUType"), ("float4_e2m1fn", "Float4E2M1FNType"))
        if hasattr(ir, t)})
    return named[dtype.name].get()


def ir_type(aval):
    return ir.RankedTensorType.get(aval.shape, ir_element_type(aval.dtype))


def constant(value, dtype=None):
    """A stablehlo.constant holding `value` (a NumPy array or scalar)."""
    array = np.asarray(value, dtype=dtype)
    element = ir_element_type(array.dtype)
    shape = array.shape
    # Bool arrays go in unpacked: jaxlib's DenseElementsAttr.get packs an i1 buffer itself
    # (packing with np.packbits first would pack twice).
    if array.dtype in dtypes.floats and array.dtype.itemsize < 4 and array.dtype not in (dtypes.float16,):
        # bfloat16 and the float8 types travel as raw bits of the same width
        bits = array.view(np.dtype(f"uint{array.dtype.itemsize * 8}"))
        attr = ir.DenseElementsAttr.get(np.ascontiguousarray(bits), type=element, shape=shape)
    else:
        attr = ir.DenseElementsAttr.get(np.ascontiguousarray(array), type=element, shape=shape)
    return hlo.constant(attr)


def scalar_type(dtype):
    """The type of a rank-0 array of `dtype` (what the blocks of regions take)."""
    return ir.RankedTensorType.get([], ir_element_type(dtype))


def broadcast_scalar(x, shape, dtype):
    """The rank-0 value `x` (of `dtype`) broadcast to `shape`."""
    if not shape:
        return x
    return hlo.broadcast_in_dim(ir.RankedTensorType.get(shape, ir_element_type(dtype)), x,
                                dense_i64([]))


def full_like_aval(value, aval):
    """A constant of `aval`'s shape and dtype filled with `value`."""
    return broadcast_scalar(constant(np.array(value, aval.dtype)), aval.shape, aval.dtype)


_comparison_types = {"f": "FLOAT", "c": "FLOAT", "i": "SIGNED", "u": "UNSIGNED",
                     "b": "UNSIGNED"}


def compare(x, y, direction, dtype, compare_type=None):
    """stablehlo.compare of x and y (arrays of `dtype`): direction "EQ", "NE", "LT", "LE",
    "GT" or "GE", compared as the dtype's kind says (FLOAT, SIGNED, UNSIGNED) unless
    `compare_type` says otherwise ("TOTALORDER")."""
    kind = compare_type or _comparison_types[dtypes.kind(dtype)]
    return hlo.compare(x, y, hlo.ComparisonDirectionAttr.get(direction),
                       compare_type=hlo.ComparisonTypeAttr.get(kind))


def build_region(region, arg_types, body):
    """Fills `region` (the body of a reduce, reduce_window, sort or scatter op) with one
    block taking `arg_types` that returns `body(*block_arguments)` (a value or a list)."""
    block = region.blocks.append(*arg_types)
    with ir.InsertionPoint(block):
        outs = body(*block.arguments)
        hlo.return_(list(outs) if isinstance(outs, (list, tuple)) else [outs])


def dense_i64(values):
    return ir.DenseI64ArrayAttr.get([int(v) for v in values])


def dense_bool(values):
    return ir.DenseBoolArrayAttr.get([bool(v) for v in values])


def i64_attr(value):
    return ir.IntegerAttr.get(ir.IntegerType.get_signless(64), int(value))


# ---------------------------------------------------------------------------------------
# Rules and contexts

_rules = {None: {}}  # platform (None: every platform) -> {primitive: rule}


def register_lowering(prim, rule, platform=None):
    """Registers `rule(ctx, *operands, **params) -> [ir.Value]` as the lowering of `prim`
    on `platform` ('cpu', 'gpu', 'tpu'), or on every platform without a rule of its own
    when platform is None."""
    _rules.setdefault(platform, {})[prim] = rule
    return rule


def lowering_rule(prim, platform=None):
    """The rule that lowers `prim` on `platform`, or None."""
    rule = _rules.get(platform, {}).get(prim) if platform is not None else None
    return rule if rule is not None else _rules[None].get(prim)


class AxisInfo:
    """A mapped axis the program runs under: its name, size and replica groups (device
    ids that take part in one collective over it)."""
    __slots__ = ("name", "size", "replica_groups")

    def __init__(self, name, size, replica_groups=None):
        self.name, self.size, self.replica_groups = name, size, replica_groups


class ModuleContext:
    """What every rule of one module shares: the target platform, the mapped axes of the
    program (pmap) and its number of replicas (the programs running at once, one per
    device: the product of the axes' sizes, times that of the pmaps nested inside), the
    module being built (for outlined functions), the Python host callbacks its custom calls
    name by index (passed to the compiler with the module), and per body being emitted,
    the token that orders its side effects (None until one needs it)."""
    __slots__ = ("platform", "axis_env", "num_replicas", "module", "host_callbacks", "tokens")

    def __init__(self, platform="cpu", axis_env=(), module=None, num_replicas=1):
        self.platform, self.axis_env, self.module = platform, tuple(axis_env), module
        self.num_replicas = num_replicas
        self.host_callbacks = []
        self.tokens = [None]

    def axis(self, name):
        for info in reversed(self.axis_env):
            if info.name == name:
                return info
        raise NameError(f"unbound axis name: {name}. The following axis names (e.g. defined "
                        f"by pmap) are available to collectives in this program: "
                        f"{[info.name for info in self.axis_env]}")


# ---------------------------------------------------------------------------------------
# Collectives: which replicas take part, and where a replica sits along an axis. Replica r
# of a program with axes of sizes (s0, s1, ...) and num_replicas R has position
# r = ((i0 * s1 + i1) * ...) * T + t, T = R / (s0 * s1 * ...) counting the replicas of
# pmaps nested further in (JAX's layout).

def _mesh(module_context, names):
    """(the mesh shape: the axes' sizes and T, the mesh dimension of each of `names`)."""
    env = module_context.axis_env
    env_names = [info.name for info in env]
    sizes = [info.size for info in env]
    dims = []
    for name in names:
        module_context.axis(name)  # NameError for an unbound name
        dims.append(len(env_names) - 1 - env_names[::-1].index(name))
    return sizes + [module_context.num_replicas // int(np.prod(sizes, dtype=np.int64))], dims


def replica_groups(module_context, names):
    """The replica groups of a collective over the axes `names`: replicas that differ only
    in their positions along those axes, each group ordered by (names[0], names[1], ...)
    position; a list of lists of replica ids."""
    mesh, dims = _mesh(module_context, names)
    ids = np.arange(int(np.prod(mesh))).reshape(mesh)
    ids = np.moveaxis(ids, dims, list(range(len(dims))))
    return ids.reshape(int(np.prod([mesh[d] for d in dims])), -1).T.tolist()


def groups_attr(groups):
    """A list of lists of replica ids as the attribute collectives take."""
    return ir.DenseIntElementsAttr.get(np.asarray(groups, np.int64))


def axis_index(module_context, name):
    """The position (an int32 scalar) of the running replica along axis `name`."""
    mesh, (dim,) = _mesh(module_context, [name])
    i32 = np.dtype(np.int32)
    replica = hlo.convert(scalar_type(i32), hlo.replica_id())
    stride = int(np.prod(mesh[dim + 1:], dtype=np.int64))
    return hlo.remainder(hlo.divide(replica, constant(np.int32(stride))),
                         constant(np.int32(mesh[dim])))


class LoweringContext:
    """What a lowering rule knows about its equation: the module context and the abstract
    values of its operands and results."""
    __slots__ = ("module_context", "avals_in", "avals_out")

    def __init__(self, module_context, avals_in, avals_out):
        self.module_context = module_context
        self.avals_in = avals_in
        self.avals_out = avals_out

    platform = property(lambda self: self.module_context.platform)


def _location(eqn):
    info = eqn.source_info
    if info is None:
        return ir.Location.name(eqn.prim.name)
    filename, line, _, scopes = info  # scopes: the enclosing named_scope names
    return ir.Location.name("/".join((*scopes, eqn.prim.name)),
                            childLoc=ir.Location.file(filename, line, 0))


def lower_jaxpr_body(module_context, jaxpr, consts, args):
    """Emits the equations of `jaxpr` at the current insertion point; returns its outputs."""
    env = {}

    def read(atom):
        if type(atom) is Literal:
            return constant(np.asarray(atom.val, atom.aval.dtype))
        return env[atom]

    env.update(zip(jaxpr.constvars, consts))
    env.update(zip(jaxpr.invars, args))
    platform = module_context.platform
    module_context.tokens.append(None)  # this body's chain of ordered effects
    for eqn in jaxpr.eqns:
        rule = lowering_rule(eqn.prim, platform)
        if rule is None:
            raise NotImplementedError(f"primitive {eqn.prim.name} has no lowering rule for "
                                      f"platform {platform}")
        ctx = LoweringContext(module_context, [x.aval for x in eqn.inputs],
                              [v.aval for v in eqn.outvars])
        with _location(eqn):
            outs = rule(ctx, *[read(x) for x in eqn.inputs], **eqn.params)
        env.update(zip(eqn.outvars, outs))
    module_context.tokens.pop()
    return [read(x) for x in jaxpr.outvars]


def lower_fun(fun, multiple_results=False):
    """The lowering rule of an operation written with lax: `fun(*args, **params)` is traced
    on the equation's input types (once per types and params) and its IR emitted in place.
    For special functions, fallbacks and other compositions of lax operations."""
    traced = runtime.make_cache(f"lower_fun({getattr(fun, '__name__', 'fun')})")

    def flat_fun(params):
        def flat(*args):
            outs = fun(*args, **params)
            return list(outs) if multiple_results else [outs]
        return flat

    def rule(ctx, *args, **params):
        key = (tuple(ctx.avals_in), param_key(tuple(sorted(params.items()))),
               dtypes.x64_enabled())
        closed = traced.get(key)
        if closed is None:
            closed = traced[key] = trace_to_jaxpr(flat_fun(params), ctx.avals_in)
        consts = [constant(np.asarray(c), v.aval.dtype)
                  for v, c in zip(closed.jaxpr.constvars, closed.consts)]
        return lower_jaxpr_body(ctx.module_context, closed.jaxpr, consts, list(args))
    return rule


def _donation_attrs(in_avals, out_avals, donated):
    """Per-argument attributes: donated inputs alias an output of the same type when one is
    free (XLA then reuses the buffer), else they are marked as donors."""
    free = list(range(len(out_avals)))
    attrs = []
    for i, aval in enumerate(in_avals):
        entry = {}
        if i in donated:
            match = next((j for j in free if out_avals[j] == aval), None)
            if match is not None:
                free.remove(match)
                entry["tf.aliasing_output"] = ir.IntegerAttr.get(
                    ir.IntegerType.get_signless(32), match)
            else:
                entry["jax.buffer_donor"] = ir.BoolAttr.get(True)
        attrs.append(ir.DictAttr.get(entry))
    return attrs


def lower_closed_jaxpr(closed, name="main", donated=(), source_info=None, platform="cpu",
                       axis_env=(), num_replicas=1):
    """(the StableHLO module of a ClosedJaxpr for `platform`, the host callbacks it calls):
    its consts become constants, its inputs the arguments of the public `main`. A pmap's
    program gives its mapped axes (`axis_env`, AxisInfos) and `num_replicas`."""
    context = _init()
    jaxpr = closed.jaxpr
    in_avals, out_avals = jaxpr.in_avals, jaxpr.out_avals
    module_loc = ir.Location.unknown(context)
    if source_info is not None:
        module_loc = ir.Location.file(source_info[0], source_info[1], 0, context)
    with context, module_loc:
        module = ir.Module.create()
        module_context = ModuleContext(platform, axis_env, module, num_replicas)
        module.operation.attributes["sym_name"] = ir.StringAttr.get(_symbol(name))
        if num_replicas > 1:
            i32 = ir.IntegerType.get_signless(32)
            module.operation.attributes["mhlo.num_replicas"] = ir.IntegerAttr.get(
                i32, num_replicas)
            module.operation.attributes["mhlo.num_partitions"] = ir.IntegerAttr.get(i32, 1)
        fn_type = ir.FunctionType.get([ir_type(a) for a in in_avals],
                                      [ir_type(a) for a in out_avals])
        with ir.InsertionPoint(module.body):
            fn = func.FuncOp("main", fn_type)
            fn.attributes["sym_visibility"] = ir.StringAttr.get("public")
            if donated:
                fn.arg_attrs = ir.ArrayAttr.get(_donation_attrs(in_avals, out_avals, set(donated)))
            block = fn.add_entry_block()
            with ir.InsertionPoint(block):
                # A captured NumPy constant may hold a non-canonical value (float64 with x64
                # off): lower it with the dtype of its constvar's aval.
                consts = [constant(np.asarray(c), v.aval.dtype)
                          for v, c in zip(jaxpr.constvars, closed.consts)]
                outs = lower_jaxpr_body(module_context, jaxpr, consts, list(block.arguments))
                func.ReturnOp(outs)
    return module, module_context.host_callbacks


def _symbol(name):
    cleaned = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)
    return "jit_" + (cleaned or "fun")


def module_text(module, debug_info=False):
    return module.operation.get_asm(enable_debug_info=debug_info, large_elements_limit=32)
