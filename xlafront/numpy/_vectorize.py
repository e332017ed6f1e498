"""`vectorize`: NumPy's vectorize (with generalized-ufunc signatures) made of one batched
trace instead of a Python loop, as JAX's jnp.vectorize is."""
import functools
import math
import re

from .. import lax
from ..core import get_aval
from ..interpreters import batching
from ._util import asarray, broadcast_shapes, broadcast_to_shape

_DIMS = r"\w+(?:,\s*\w+)*"
_ARGS = rf"\((?:{_DIMS})?\)"
# compiled on first use (re caches it): compiling costs 0.4 ms of `import xlafront`
_SIGNATURE = rf"^{_ARGS}(?:,\s*{_ARGS})*->{_ARGS}(?:,\s*{_ARGS})*$"


def _parse_signature(signature):
    """'(n,m),(m)->(n)' -> ([('n', 'm'), ('m',)], [('n',)])."""
    compact = signature.replace(" ", "")
    if not re.match(_SIGNATURE, compact):
        raise ValueError(f"vectorize: not a valid gufunc signature: {signature!r}")
    inputs, outputs = compact.split("->")
    parse = lambda side: [tuple(d for d in group.split(",") if d)  # noqa: E731
                          for group in re.findall(r"\((.*?)\)", side)]
    return parse(inputs), parse(outputs)


def vectorize(pyfunc, *, excluded=frozenset(), signature=None):
    """`pyfunc` written for single elements (or core arrays, with a gufunc `signature` such
    as "(n),(n)->()"), applied over the leading (broadcast) dimensions of its arguments by
    batching one trace of it. Arguments in `excluded` (positions or names) pass unchanged.

    >>> import xlafront.numpy as jnp
    >>> dot = jnp.vectorize(lambda a, b: (a * b).sum(), signature="(n),(n)->()")
    >>> dot(jnp.ones((3, 4)), jnp.arange(4.0))
    Array([6., 6., 6.], dtype=float32)
    """
    if any(not isinstance(e, (int, str)) for e in excluded):
        raise TypeError(f"vectorize: excluded must hold argument positions or names, got "
                        f"{excluded!r}")
    core_in, core_out = _parse_signature(signature) if signature is not None else (None, None)

    @functools.wraps(pyfunc)
    def wrapped(*args, **kwargs):
        fixed_kwargs = {k: v for k, v in kwargs.items() if k in excluded}
        names = [k for k in kwargs if k not in excluded]
        fixed = {i: a for i, a in enumerate(args) if i in excluded}
        dynamic = [asarray(a) for i, a in enumerate(args) if i not in excluded]
        dynamic += [asarray(kwargs[k]) for k in names]
        cores = core_in if core_in is not None else [()] * len(dynamic)
        if len(cores) != len(dynamic):
            raise TypeError(f"vectorize: the signature {signature!r} has {len(cores)} inputs, "
                            f"but {len(dynamic)} non-excluded arguments were passed")
        sizes, loops = {}, []
        for x, core in zip(dynamic, cores):
            shape = get_aval(x).shape
            if len(shape) < len(core):
                raise ValueError(f"vectorize: an input with shape {shape} has fewer dimensions "
                                 f"than its core dimensions {core} in {signature!r}")
            for name, size in zip(core, shape[len(shape) - len(core):]):
                if sizes.setdefault(name, size) != size:
                    raise ValueError(f"vectorize: inconsistent size for core dimension "
                                     f"{name!r}: {sizes[name]} and {size}")
            loops.append(shape[:len(shape) - len(core)])
        loop_shape = broadcast_shapes("vectorize", *loops)
        count = math.prod(loop_shape)
        flat = [lax.reshape(broadcast_to_shape(x, loop_shape + get_aval(x).shape[len(l):]),
                            (count,) + get_aval(x).shape[len(l):])
                for x, l in zip(dynamic, loops)]
        multiple = []

        def one_example(*xs):
            positional, it = [], iter(xs[:len(xs) - len(names)])
            for i in range(len(args)):
                positional.append(fixed[i] if i in fixed else next(it))
            out = pyfunc(*positional, **fixed_kwargs,
                         **dict(zip(names, xs[len(xs) - len(names):])))
            multiple.append(isinstance(out, tuple))
            outs = [asarray(o) for o in (out if isinstance(out, tuple) else (out,))]
            if core_out is not None:
                if len(outs) != len(core_out):
                    raise ValueError(f"vectorize: the function returned {len(outs)} outputs, "
                                     f"but the signature {signature!r} has {len(core_out)}")
                for o, core in zip(outs, core_out):
                    if get_aval(o).ndim != len(core):
                        raise ValueError(f"vectorize: an output has shape "
                                         f"{get_aval(o).shape}, but its core dimensions in "
                                         f"{signature!r} are {core}")
            return outs

        outs = batching.vmap_flat(one_example, flat, [0] * len(flat),
                                  lambda n: [0] * n, count)
        outs = [lax.reshape(o, loop_shape + get_aval(o).shape[1:]) for o in outs]
        return tuple(outs) if multiple[0] else outs[0]

    return wrapped
