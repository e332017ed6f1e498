"""The runtime package: its cache registry, load hooks and version record."""
import numpy as onp

import xlafront as xf
import xlafront.numpy as np
from xlafront import runtime
from xlafront.runtime import compat


def test_clear_caches_empties_every_cache_and_programs_still_run():
    f = xf.jit(lambda x: x * 2)
    x = np.arange(3.0)
    onp.testing.assert_array_equal(f(x), [0.0, 2.0, 4.0])
    np.sin(x)
    assert f._xf_jit.cache
    xf.clear_caches()
    assert not f._xf_jit.cache
    onp.testing.assert_array_equal(f(x), [0.0, 2.0, 4.0])
    onp.testing.assert_allclose(np.sin(x), onp.sin([0.0, 1.0, 2.0]), rtol=1e-6)


def test_make_cache_drops_the_oldest_entry_past_its_size():
    cache = runtime.make_cache("test", max_size=2)
    cache["a"], cache["b"], cache["c"] = 1, 2, 3
    assert list(cache) == ["b", "c"]
    runtime.clear_caches()
    assert not cache


def test_on_load_runs_at_once_when_the_runtime_is_loaded():
    np.ones(2)  # loads the runtime
    seen = []
    runtime.on_load(lambda rt: seen.append(rt))
    assert seen == [runtime.state()]


def test_compat_records_a_supported_jaxlib_version():
    np.ones(2)
    assert compat.SUPPORTED[0] <= compat.version < compat.SUPPORTED[1]
