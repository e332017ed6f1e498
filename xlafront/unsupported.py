"""JAX names of features xlafront does not have yet (meshes and shardings, Refs, memory
spaces): importing them works, so ported code imports; using them raises
NotImplementedError naming what is missing."""


class _Unsupported:
    """Stands for a JAX name xlafront does not implement yet: importing it works (so ported
    code imports), calling or using it raises NotImplementedError naming what is missing.
    Nothing is an instance of it (isinstance is False)."""

    def __init__(self, name, feature):
        self._name, self._feature = name, feature

    def _refuse(self, *args, **kwargs):
        raise NotImplementedError(f"xlafront.{self._name} is not supported yet: {self._feature} "
                                  "come in a later release of xlafront")

    __call__ = __getitem__ = __enter__ = __iter__ = _refuse

    def __mro_entries__(self, bases):
        self._refuse()

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        self._refuse()

    def __instancecheck__(self, obj):
        return False

    def __repr__(self):
        return f"<xlafront.{self._name}: not supported yet ({self._feature})>"


_SHARDING = "meshes, named shardings and multi-device arrays"
_REFS = "mutable array references (jax.Ref)"
NamedSharding = _Unsupported("NamedSharding", _SHARDING)
P = _Unsupported("P", _SHARDING)
Shard = _Unsupported("Shard", _SHARDING)
make_mesh = _Unsupported("make_mesh", _SHARDING)
set_mesh = _Unsupported("set_mesh", _SHARDING)
reshard = _Unsupported("reshard", _SHARDING)
shard_map = _Unsupported("shard_map", _SHARDING)
smap = _Unsupported("smap", _SHARDING)
Ref = _Unsupported("Ref", _REFS)
new_ref = _Unsupported("new_ref", _REFS)
empty_ref = _Unsupported("empty_ref", _REFS)
free_ref = _Unsupported("free_ref", _REFS)
freeze = _Unsupported("freeze", _REFS)
ad_refs = _Unsupported("ad", _REFS)  # JAX's `jax.ad` namespace (DontWant, GradRef, ...)
memory = _Unsupported("memory", "memory spaces")
make_user_context = _Unsupported("make_user_context", "user contexts in jit's cache key")
