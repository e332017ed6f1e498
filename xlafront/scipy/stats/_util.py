"""The argument handling the distributions share."""
import numpy as np

from ... import dtypes
from ... import numpy as jnp
from ...core import get_aval
from ...numpy._util import check_arraylike, promote_dtypes, promote_inexact


def promote_args_inexact(op, *args):
    """args as arrays of their common inexact dtype, broadcast together (JAX's
    promote_args_inexact): as arrays, NumPy inputs are never computed on by NumPy's own
    operators, and Python scalars have a dtype. As JAX's, scalars take the common rank when
    the other arguments' ranks differ, which decides the weak type of `const` of them."""
    check_arraylike(op, *args)
    out = [jnp.asarray(a) for a in promote_inexact(op, *args)]
    ranks = {jnp.ndim(a) for a in args} - {0}
    if len(ranks) > 1:
        out = [x.reshape((1,) * max(ranks)) if x.ndim == 0 else x for x in out]
    return out


def promote_dtypes_inexact(op, *args):
    """args as arrays of their common inexact dtype, their shapes unchanged."""
    check_arraylike(op, *args)
    return promote_dtypes(op, *map(jnp.asarray, args), to=dtypes.to_inexact)[0]


def const(x, value):
    """value in x's dtype, as JAX's lax._const makes the constants of its formulas: a
    Python scalar (weakly typed) for a weakly typed scalar x, else a strongly typed array,
    so a weakly typed array argument (an int array promoted beside a Python float) gives a
    strongly typed result, as in JAX."""
    aval = get_aval(x)
    if aval.weak_type and aval.ndim == 0:
        value = dtypes.scalar_type_of(aval.dtype)(value)
        if dtypes.python_scalar_dtype(value) == aval.dtype:
            return value
    return jnp.array(np.array(value, aval.dtype))
