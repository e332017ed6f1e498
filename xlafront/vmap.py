"""vmap: pytrees, in_axes / out_axes and their checks around the batching interpreter
(interpreters/batching.py)."""
import functools

from .core import Tracer
from .devices import Array
from .errors import api_boundary
from .interpreters import batching
from .interpreters.partial_eval import debug_info, flatten_fun
from .jit import leaf_avals
from .numpy import asarray
from .tree import tree_flatten, tree_leaves, tree_map, tree_unflatten

# vmap

class _NoAxis:
    """Stands for `None` in an axes tree (where None would be an empty subtree)."""


def _flatten_axes(what, treedef, axis_tree):
    """One axis (int or None) per leaf of `treedef`, from an axes tree that is a prefix of
    it (an int or None applies to a whole subtree)."""
    proxy = _NoAxis()
    dummy = tree_unflatten(treedef, [object()] * treedef.num_leaves)
    axes = []
    replaced = tree_map(lambda a: proxy if a is None else a, axis_tree,
                        is_leaf=lambda a: a is None)
    try:
        tree_map(lambda axis, sub: axes.extend([axis] * len(tree_leaves(sub))), replaced, dummy,
                 is_leaf=lambda a: a is proxy)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{what} specification must be a tree prefix of the corresponding "
                         f"value, got specification {axis_tree!r} for value tree {treedef}. "
                         f"({e})") from None
    result = []
    for a in axes:
        if a is proxy:
            result.append(None)
        elif isinstance(a, int) and not isinstance(a, bool):
            result.append(a)
        else:
            raise TypeError(f"{what} must be ints or None, got {a!r}")
    return result


def _mapped_size(what, avals, axes, name, axis_size=None):
    """The size of the mapped axes, checked across arguments and against `axis_size` (None
    when no argument is mapped). `axes` has one axis per leaf (None: not mapped) and is
    normalized in place; `avals[i]` is mapped leaf i's type, `name(i)` its name."""
    sizes = {}
    for i, axis in enumerate(axes):
        if axis is None:
            continue
        aval = avals[i]
        if not -aval.ndim <= axis < aval.ndim:
            raise ValueError(f"{what} was requested to map its argument {name(i)} along axis "
                             f"{axis}, which implies that its rank should be at least "
                             f"{axis + 1 if axis >= 0 else -axis}, but is only {aval.ndim} (its "
                             f"shape is {aval.shape})")
        axes[i] = axis % aval.ndim
        sizes[i] = aval.shape[axes[i]]
    found = set(sizes.values())
    if len(found) > 1 or (axis_size is not None and found and found != {axis_size}):
        lines = "\n".join(f"  * {name(i)} has size {s} along axis {axes[i]} (shape "
                          f"{avals[i].shape})" for i, s in sizes.items())
        raise ValueError(f"{what} got inconsistent sizes for array axes to be mapped:\n{lines}"
                         + (f"\n  * axis_size is {axis_size}" if axis_size is not None else ""))
    return found.pop() if found else None


def vmap(fun, in_axes=0, out_axes=0, axis_name=None, axis_size=None, spmd_axis_name=None):
    """Vectorizes `fun` over the axes `in_axes` of its arguments: the result stacks the
    outputs of every example along `out_axes`."""
    if isinstance(in_axes, list):  # a list is a tuple here, as in JAX: never a leaf
        in_axes = tuple(in_axes)
    if not (in_axes is None or type(in_axes) is int or isinstance(in_axes, tuple)):
        raise TypeError("vmap in_axes must be an int, None, or a tuple of entries "
                        "corresponding to the positional arguments passed to the function, "
                        f"but got {in_axes!r}.")
    if spmd_axis_name is not None:
        raise NotImplementedError(
            f"vmap(spmd_axis_name={spmd_axis_name!r}): sharding constraints on the mapped "
            "axis need meshes, which xlafront does not support yet")
    if not callable(fun):
        raise TypeError(f"vmap: expected a callable, got {fun!r}")

    @api_boundary
    @functools.wraps(fun)
    def vmap_f(*args, **kwargs):
        if isinstance(in_axes, tuple) and len(in_axes) != len(args):
            raise ValueError(f"vmap: in_axes has {len(in_axes)} entries {in_axes!r} but the "
                             f"function was called with {len(args)} positional arguments")
        leaves, in_tree = tree_flatten((args, kwargs))
        dims = _flatten_axes("vmap in_axes", in_tree, (in_axes, 0))
        names = []

        def name(i):  # the argument's name, for error messages only (computed on demand)
            if not names:
                names[:] = debug_info(fun, "vmap", args, kwargs).arg_names
                if len(names) != len(leaves):
                    names[:] = [f"argument {i}" for i in range(len(leaves))]
            return names[i]

        mapped = [i for i, d in enumerate(dims) if d is not None]
        avals = dict(zip(mapped, leaf_avals("vmap", [leaves[i] for i in mapped],
                                            lambda: [name(i) for i in mapped])))
        size = _mapped_size("vmap", avals, dims, name, axis_size)
        if size is None:
            if axis_size is None:
                raise ValueError("vmap must have at least one non-None value in in_axes, or be "
                                 "given axis_size")
            size = axis_size
        store = {}
        flat = flatten_fun(lambda a, k: fun(*a, **k), in_tree, store, "vmap")
        outs = batching.vmap_flat(
            flat, leaves, dims,
            lambda n: _flatten_axes("vmap out_axes", store["out_tree"], out_axes),
            size, axis_name)
        # an output that is an input passed through unmapped may still be a NumPy value
        outs = [x if isinstance(x, (Tracer, Array)) else asarray(x) for x in outs]
        return tree_unflatten(store["out_tree"], outs)

    return vmap_f


# ---------------------------------------------------------------------------------------
