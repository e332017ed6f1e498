"""The persistent compilation cache (runtime/persistent_cache.py): hits across processes
and after clear_caches, the opt-outs, LRU eviction, and every fault (corrupt, truncated and
foreign entries, an unusable directory, a full disk, concurrent writers) costing at most one
warning, never a wrong result."""
import errno
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as onp
import pytest

import xlafront as xf
import xlafront.numpy as jnp
from xlafront.config import _default_cache_dir
from xlafront.runtime import persistent_cache

pc = persistent_cache


@pytest.fixture
def cache(tmp_path):
    """An empty cache directory in use, fresh in-memory caches and counters; restored after."""
    old = xf.config.read("compilation_cache_dir")
    xf.config.update("compilation_cache_dir", str(tmp_path))
    xf.clear_caches()
    pc.stats.clear()
    pc._warned.clear()
    yield tmp_path
    xf.config.update("compilation_cache_dir", old)
    for name in ("compilation_cache_max_size", "persistent_cache_min_compile_time_secs",
                 "persistent_cache_min_entry_size_bytes"):
        xf.config.update(name, type(xf.config)._defaults[name])
    xf.clear_caches()
    pc._warned.clear()


def hits():
    """Programs loaded from disk, found by their StableHLO or by their IR's index entry."""
    return pc.stats["hits"] + pc.stats["ir_hits"]


def program(c):
    """A jitted function of its own per constant `c` (so each is a distinct program)."""
    return xf.jit(lambda x: jnp.sin(x) * c + x)


def expected(c, x):
    return onp.sin(x) * onp.float32(c) + x


X = onp.arange(4, dtype=onp.float32)


def entries(path):
    return sorted(p for p in os.listdir(path) if p.endswith(".xla"))


def run_twice(f):
    """Runs f in-process, forgets the in-memory executables, runs it again: the second run
    must come from disk."""
    first = onp.asarray(f(X))
    xf.clear_caches()
    second = onp.asarray(f(X))
    return first, second


def test_default_directory_follows_jax_style_variables(monkeypatch, tmp_path):
    monkeypatch.delenv("XLAFRONT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _default_cache_dir() == os.path.join(str(tmp_path), "xlafront")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert _default_cache_dir() == os.path.join(str(tmp_path), ".cache", "xlafront")
    monkeypatch.setenv("XLAFRONT_CACHE_DIR", "")
    assert _default_cache_dir() is None
    monkeypatch.setenv("XLAFRONT_CACHE_DIR", str(tmp_path / "mine"))
    assert _default_cache_dir() == str(tmp_path / "mine")


def test_hit_after_clear_caches(cache):
    first, second = run_twice(program(1.5))
    onp.testing.assert_allclose(first, expected(1.5, X), rtol=1e-6)
    onp.testing.assert_array_equal(first, second)
    assert hits() >= 1 and pc.stats["writes"] >= 1
    assert entries(cache)


def test_second_process_loads_instead_of_compiling(tmp_path):
    code = textwrap.dedent("""
        import numpy as onp, xlafront as xf, xlafront.numpy as jnp
        from xlafront.runtime import persistent_cache as pc
        f = xf.jit(lambda w, x: jnp.tanh(x @ w).sum())
        out = xf.grad(f)(jnp.ones((3, 3)), jnp.arange(6.0).reshape(2, 3))
        print(onp.asarray(out).sum(), pc.stats["hits"] + pc.stats["ir_hits"], pc.stats["misses"])
    """)
    env = dict(os.environ, XLAFRONT_CACHE_DIR=str(tmp_path))
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=env, timeout=300) for _ in range(2)]
    for r in runs:
        assert r.returncode == 0, r.stderr
    (v1, hits1, misses1), (v2, hits2, misses2) = [r.stdout.split() for r in runs]
    assert v1 == v2
    assert int(misses1) > 0 and int(hits1) == 0
    assert int(misses2) == 0 and int(hits2) == int(misses1)


@pytest.mark.parametrize("opt_out", ["config", "enable"])
def test_opt_out_writes_nothing(cache, opt_out):
    if opt_out == "config":
        xf.config.update("compilation_cache_dir", None)
    else:
        xf.config.update("enable_compilation_cache", False)
    try:
        assert pc.directory() is None
        onp.testing.assert_allclose(program(2.5)(X), expected(2.5, X), rtol=1e-6)
    finally:
        xf.config.update("enable_compilation_cache", True)
    assert entries(cache) == [] and pc.stats["writes"] == 0


def test_opt_out_from_the_environment(tmp_path):
    code = ("import xlafront as xf, xlafront.numpy as jnp; "
            "from xlafront.runtime import persistent_cache as pc; "
            "(jnp.ones(3) + 1).block_until_ready(); print(pc.directory(), pc.stats['writes'])")
    env = dict(os.environ, XLAFRONT_CACHE_DIR="", HOME=str(tmp_path), XDG_CACHE_HOME="")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["None", "0"]
    assert not (tmp_path / ".cache").exists()


def test_thresholds_skip_small_or_quick_programs(cache):
    xf.config.update("persistent_cache_min_compile_time_secs", 1e6)
    program(3.5)(X)
    assert entries(cache) == []
    xf.config.update("persistent_cache_min_compile_time_secs", 0.0)
    xf.config.update("persistent_cache_min_entry_size_bytes", 1 << 40)
    program(4.5)(X)
    assert entries(cache) == []


def corrupt_by(kind, path, other):
    data = path.read_bytes()
    if kind == "garbage":
        path.write_bytes(b"not an executable" * 10)
    elif kind == "truncated":
        path.write_bytes(data[:len(data) // 2])
    elif kind == "flipped":
        path.write_bytes(data[:-10] + bytes(b ^ 0xFF for b in data[-10:]))
    elif kind == "foreign":
        path.write_bytes(other.read_bytes())
    elif kind == "empty":
        path.write_bytes(b"")


@pytest.mark.parametrize("kind", ["garbage", "truncated", "flipped", "foreign", "empty"])
def test_bad_entry_warns_once_and_is_rewritten(cache, kind):
    program(7.0)(X)
    other = {cache / n for n in entries(cache)}
    f = program(5.0)
    f(X)
    (path,) = {cache / n for n in entries(cache)} - other
    good = path.read_bytes()
    corrupt_by(kind, path, next(iter(other)))
    xf.clear_caches()
    with pytest.warns(UserWarning, match="persistent compilation cache.*ignoring"):
        out = f(X)
    onp.testing.assert_allclose(out, expected(5.0, X), rtol=1e-6)
    assert path.read_bytes()[:len(pc.MAGIC)] == pc.MAGIC
    assert len(path.read_bytes()) == len(good)  # rewritten whole
    corrupt_by(kind, path, next(iter(other)))
    xf.clear_caches()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per process: the second time is silent
        onp.testing.assert_allclose(f(X), expected(5.0, X), rtol=1e-6)
    xf.clear_caches()
    before = hits()
    f(X)
    assert hits() == before + 1  # the rewritten entry loads


def test_unusable_directory_warns_once(cache):
    blocker = cache / "a-file"
    blocker.write_text("")
    xf.config.update("compilation_cache_dir", str(blocker / "cache"))
    with pytest.warns(UserWarning, match="cannot write"):
        out = program(6.0)(X)
    onp.testing.assert_allclose(out, expected(6.0, X), rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        onp.testing.assert_allclose(program(6.5)(X), expected(6.5, X), rtol=1e-6)
    assert pc.stats["errors"] == 1  # no second attempt in that directory


def test_full_disk_warns_once_and_leaves_no_temporary_file(cache, monkeypatch):
    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pc.os, "replace", full)
    with pytest.warns(UserWarning, match="No space left"):
        out = program(8.0)(X)
    onp.testing.assert_allclose(out, expected(8.0, X), rtol=1e-6)
    assert os.listdir(cache) == []


def test_unreadable_entry_is_a_miss(cache, monkeypatch):
    f = program(8.5)
    f(X)
    real_open = open

    def failing_open(path, *args, **kwargs):
        if str(path).endswith(".xla"):
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(pc, "open", failing_open, raising=False)
    xf.clear_caches()
    with pytest.warns(UserWarning, match="cannot read"):
        onp.testing.assert_allclose(f(X), expected(8.5, X), rtol=1e-6)


def test_concurrent_processes_writing_one_entry(tmp_path):
    code = ("import numpy as onp, xlafront as xf, xlafront.numpy as jnp; "
            "f = xf.jit(lambda x: jnp.cos(x) * 3.25 + x); "
            "print(float(onp.asarray(f(jnp.arange(4.0))).sum()))")
    env = dict(os.environ, XLAFRONT_CACHE_DIR=str(tmp_path))
    procs = [subprocess.Popen([sys.executable, "-W", "error::UserWarning", "-c", code],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env) for _ in range(4)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outs]
    want = float((onp.cos(onp.arange(4.0, dtype=onp.float32)) * onp.float32(3.25)
                  + onp.arange(4.0, dtype=onp.float32)).sum())
    for out, _ in outs:
        assert float(out) == pytest.approx(want, rel=1e-6)
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    for name in entries(tmp_path):  # every entry whole
        data = (tmp_path / name).read_bytes()
        assert pc._read(str(tmp_path / name), name[:-len(pc.SUFFIX)]) is not None, len(data)


def test_least_recently_used_entries_are_evicted(cache):
    def new_entry(f):
        before = set(entries(cache))
        f(X)
        (name,) = set(entries(cache)) - before
        return cache / name

    fs = [program(10.0 + i) for i in range(3)]
    a = new_entry(fs[0])
    size = a.stat().st_size
    # room for two entries after eviction (80% of the cap), not three: entry sizes differ
    # by a few bytes, so the margins are wide
    xf.config.update("compilation_cache_max_size", int(2.9 * size))
    b = new_entry(fs[1])
    os.utime(a, (1000, 1000))
    os.utime(b, (2000, 2000))
    xf.clear_caches()
    fs[0](X)  # a hit: `a` becomes the most recently used
    assert hits() == 1
    c = new_entry(fs[2])  # past the cap: the least recently used entry (b) goes
    assert a.exists() and c.exists() and not b.exists()


def test_key_covers_flags_devices_and_options(monkeypatch):
    import xlafront.runtime as rt
    devices = rt.state().xc.DeviceList((xf.devices()[0],))
    options = rt.state().xc.CompileOptions()
    base = pc.cache_key(b"module", devices, options)
    assert pc.cache_key(b"module", devices, options) == base
    assert pc.cache_key(b"module2", devices, options) != base
    monkeypatch.setenv("XLA_FLAGS", "--xla_cpu_enable_fast_math=true")
    assert pc.cache_key(b"module", devices, options) != base
    monkeypatch.delenv("XLA_FLAGS")
    options.num_replicas = 2
    assert pc.cache_key(b"module", devices, options) != base


# ---------------------------------------------------------------------------------------
# The index by stable IR text: a later process skips lowering (and the MLIR bindings)

def test_second_process_skips_lowering_and_mlir(tmp_path):
    code = textwrap.dedent("""
        import sys, numpy as onp, xlafront as xf, xlafront.numpy as jnp
        from xlafront.runtime import persistent_cache as pc
        f = xf.jit(lambda x: jnp.tanh(x @ x.T).sum() + jnp.arange(3.0)[0])
        print(float(f(jnp.ones((3, 3)))), pc.stats["ir_hits"],
              "jaxlib.mlir.dialects.stablehlo" in sys.modules)
    """)
    env = dict(os.environ, XLAFRONT_CACHE_DIR=str(tmp_path))
    first, second = [subprocess.run([sys.executable, "-c", code], capture_output=True,
                                    text=True, env=env, timeout=300) for _ in range(2)]
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    value1, hits1, mlir1 = first.stdout.split()
    value2, hits2, mlir2 = second.stdout.split()
    assert value1 == value2 and mlir1 == "True" and hits1 == "0"
    assert int(hits2) >= 1 and mlir2 == "False"


def test_stable_text_tells_programs_apart_and_refuses_functions():
    from xlafront.core import Unstable, stable_text
    text = lambda f, *a: stable_text(*(lambda c: (c.jaxpr, c.consts))(xf.make_jaxpr(f)(*a)))
    x = onp.ones(3, onp.float32)
    assert text(lambda v: v * 2.0, x) == text(lambda v: v * 2.0, x)
    assert text(lambda v: v * 2.0, x) != text(lambda v: v * 3.0, x)
    assert text(lambda v: v + onp.arange(3.0), x) != text(lambda v: v + onp.ones(3), x)
    assert text(lambda v: v.sum(0), onp.ones((2, 3))) != text(lambda v: v.sum(1), onp.ones((2, 3)))

    @xf.custom_jvp
    def f(v):
        return v
    f.defjvp(lambda p, t: (p[0], t[0]))
    with pytest.raises(Unstable):
        text(f, x)


def test_index_follows_the_code_version(cache, monkeypatch):
    import xlafront.runtime as rt
    devices = rt.state().xc.DeviceList((xf.devices()[0],))
    options = rt.state().xc.CompileOptions()
    key = pc.ir_key("program", devices, options)
    monkeypatch.setattr(pc, "_code_digest", "another version of xlafront")
    assert pc.ir_key("program", devices, options) != key


def test_a_broken_index_entry_warns_and_compiles(cache):
    f = program(9.0)
    f(X)
    (index,) = [cache / n for n in os.listdir(cache) if n.endswith(pc.INDEX_SUFFIX)]
    index.write_bytes(b"garbage")
    xf.clear_caches()
    with pytest.warns(UserWarning, match="not an index entry"):
        onp.testing.assert_allclose(f(X), expected(9.0, X), rtol=1e-6)
    xf.clear_caches()
    for name in entries(cache):
        (cache / name).unlink()  # the index now points at nothing: a plain miss
    onp.testing.assert_allclose(f(X), expected(9.0, X), rtol=1e-6)


def test_programs_whose_lowering_prepares_the_process_are_lowered_again(tmp_path):
    # lowering cholesky loads LAPACK's routines: a second process must not skip it
    code = ("import numpy as onp, xlafront.numpy as jnp; "
            "print(float(onp.asarray(jnp.linalg.cholesky(jnp.eye(3) * 4.0)).sum()))")
    env = dict(os.environ, XLAFRONT_CACHE_DIR=str(tmp_path))
    for _ in range(2):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=env, timeout=300)
        assert r.returncode == 0 and r.stdout.strip() == "6.0", r.stderr[-2000:]
