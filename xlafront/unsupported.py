"""JAX names of features xlafront does not have yet (meshes and shardings, Refs, memory
spaces, tokens ...): importing them works, so ported code imports; using them raises
NotImplementedError naming what is missing."""
from . import lax as _lax


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
        if attr.startswith("_"):  # (introspection: inspect, hasattr, copy ...)
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

# jax.lax names with no meaning in xlafront yet. xlafront.lax sits below this module and
# cannot import it, so they are placed into its namespace here (`import xlafront`, which
# any import of xlafront.lax runs first, loads this module).
_LAX = {
    "AccuracyMode": "result-accuracy requests of transcendental functions (accuracy=)",
    "Tolerance": "result-accuracy requests of transcendental functions (accuracy=)",
    "create_token": "tokens (the ordering values of infeed, outfeed, psend and precv)",
    "create_token_p": "tokens (the ordering values of infeed, outfeed, psend and precv)",
    "after_all": "tokens (the ordering values of infeed, outfeed, psend and precv)",
    "after_all_p": "tokens (the ordering values of infeed, outfeed, psend and precv)",
    "psend": "point-to-point sends and receives between devices (with tokens)",
    "precv": "point-to-point sends and receives between devices (with tokens)",
    "ragged_all_to_all": "ragged all-to-all collectives (of shard_map programs)",
    "ragged_all_to_all_p": "ragged all-to-all collectives (of shard_map programs)",
    "pcast": "the varying-manual-axes types of shard_map",
    "scaled_dot": "block-scaled (microscaling) matrix products",
    "dce_sink": "values kept alive through dead-code elimination (effects)",
    "dce_sink_p": "values kept alive through dead-code elimination (effects)",
}

for _name, _feature in _LAX.items():
    setattr(_lax, _name, _Unsupported(f"lax.{_name}", _feature))
    _lax.__all__.append(_name)
