"""The lax operations the generic interpreter code needs (adding tangents, zeros,
broadcasting and summing away a broadcast, moving a batch axis). lax sits above the
interpreters, so they cannot import it: lax fills this table when it loads
(`lax/__init__.py`), and ad.py / batching.py call `lax_ops.add(...)` etc.

Inside lax, modules import only the modules before them (base, elementwise, special, shape,
reductions, slicing, matmul, sorting, cumulative); the few rules that need a later operation
call it here too: `full` and `broadcast_in_dim` (elementwise and special rules, before
shape), `reduce_sum` (shape's transposes), `slice` (the pad and concatenate transposes and
reduce_prod's jvp, before slicing)."""


class _LaxOps:
    __slots__ = ("add", "broadcast_in_dim", "reduce_sum", "transpose", "convert_element_type",
                 "full", "slice")

    def __getattr__(self, name):
        raise RuntimeError(f"lax_ops.{name} is used before xlafront.lax registered it "
                           f"(import xlafront first)")


lax_ops = _LaxOps()


def register(**ops):
    """Called once by xlafront.lax with the operations named in _LaxOps.__slots__."""
    for name, fn in ops.items():
        setattr(lax_ops, name, fn)
