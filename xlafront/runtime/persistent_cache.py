"""The persistent compilation cache: XLA executables serialized to disk, so that a new
process loads what an earlier one compiled instead of compiling it again.

On by default in the user cache directory (`config.compilation_cache_dir`, from
XLAFRONT_CACHE_DIR or XDG_CACHE_HOME); `XLAFRONT_CACHE_DIR=` or
`config.update("compilation_cache_dir", None)` turns it off.

- An entry is one file, `<key>.xla`. The key is a BLAKE2b-256 digest of everything that
  changes the executable: the StableHLO module (without debug locations), the compile
  options, jaxlib's version, the platform and its version, the device kind and ids,
  XLA_FLAGS.
- A file is a header (magic, the key's digest, the payload's length and CRC-32), then the
  executable as jaxlib serializes it. A corrupt, truncated or foreign file is ignored with
  a warning (once per process) and rewritten by the next compile.
- Writes go to a temporary file renamed into place: readers see a whole entry or none, and
  two processes writing one entry are harmless.
- A hit marks the entry used (its mtime). Past `compilation_cache_max_size` bytes the least
  recently used entries are deleted, down to 80% of the cap.
- A read-only or missing directory, a full disk, any file-system error: a warning once, then
  the program compiles as if there were no cache (no further writes to that directory until
  `clear_caches()`).
"""
import collections
import os
import struct
import _thread
import time

from ..config import config
from ..errors import warn
from . import compat

MAGIC = b"xlafront executable 1\n"
_HEADER = struct.Struct("<32sQI")  # key digest, payload length, payload CRC-32
SUFFIX = ".xla"
INDEX_SUFFIX = ".idx"  # stable IR text's key -> the StableHLO key of its executable

stats = collections.Counter()  # hits, misses, writes, bad_entries, errors: for tests, benchmarks
_lock = _thread.allocate_lock()
_totals = {}  # directory -> bytes of entries as this process last counted them
_unwritable = set()  # directories a write failed in (until clear_caches)
_warned = set()


def directory():
    """The cache directory in use, or None when the cache is off."""
    path = config.read("compilation_cache_dir")
    if not path or not config.read("enable_compilation_cache"):
        return None
    return os.path.abspath(os.path.expanduser(os.fspath(path)))


def reset():
    """Forgets what this process learned about the cache (sizes, failed directories); the
    files stay, as jax.clear_caches leaves JAX's persistent cache."""
    with _lock:
        _totals.clear()
        _unwritable.clear()


def cache_key(module_text, devices, options):
    """Hex BLAKE2b-256 of everything that changes the compiled executable."""
    from _blake2 import blake2b  # (hashlib's; hashlib itself loads OpenSSL: 3 ms)
    client = devices[0].client
    h = blake2b(digest_size=32)
    for part in (MAGIC, module_text, options.SerializeAsString(),
                 repr(compat.version), client.platform, client.platform_version,
                 repr([(d.id, d.device_kind) for d in devices]),
                 os.environ.get("XLA_FLAGS", ""), os.environ.get("LIBTPU_INIT_ARGS", "")):
        part = part.encode() if isinstance(part, str) else part
        h.update(struct.pack("<Q", len(part)))
        h.update(part)
    return h.hexdigest()


def _code_version():
    """A digest of xlafront's own source files (names, sizes, modification times): lowering
    rules change with them, so an IR text's StableHLO may too."""
    global _code_digest
    if _code_digest is None:
        from _blake2 import blake2b
        h = blake2b(digest_size=32)
        pending = [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
        while pending:
            for entry in sorted(os.scandir(pending.pop()), key=lambda e: e.name):
                if entry.is_dir() and entry.name != "__pycache__":
                    pending.append(entry.path)
                elif entry.name.endswith(".py"):
                    st = entry.stat()
                    h.update(f"{entry.path}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        _code_digest = h.hexdigest()
    return _code_digest


_code_digest = None


def ir_key(ir_text, devices, options):
    """The index key of a program's stable IR text (core.stable_text): everything the
    StableHLO key covers, with the IR and xlafront's code in place of the module."""
    return cache_key(f"ir\n{_code_version()}\n{ir_text}".encode(), devices, options)


def load_by_ir(ir_text, devices, options):
    """The executable compiled earlier for this IR, found through its index entry without
    lowering the IR (the MLIR bindings need not even load), or None."""
    where = directory()
    if where is None:
        return None
    index = os.path.join(where, ir_key(ir_text, devices, options) + INDEX_SUFFIX)
    try:
        with open(index, "rb") as f:
            key = f.read().decode("ascii", "replace")
    except OSError:
        return None
    if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
        _bad_entry(index, "not an index entry")
        return None
    payload = _read(os.path.join(where, key + SUFFIX), key)
    if payload is None:
        return None
    try:
        executable = devices[0].client.deserialize_executable(payload, devices, options)
    except Exception as e:
        _bad_entry(index, f"jaxlib could not load its executable ({type(e).__name__}: {e})")
        return None
    try:
        os.utime(index)
    except OSError:
        pass
    stats["ir_hits"] += 1
    return executable


def compile_or_load(module, devices, options, compile, ir_text=None):
    """The executable for an MLIR module: loaded from the cache when an entry exists,
    otherwise `compile()`'d and stored. With the `ir_text` the module was lowered from,
    an index entry lets later processes find it by that text (load_by_ir)."""
    where = directory()
    if where is None:
        return compile()
    key = cache_key(module.operation.get_asm(binary=True, enable_debug_info=False), devices,
                    options)
    path = os.path.join(where, key + SUFFIX)
    client = devices[0].client
    payload = _read(path, key)
    if payload is not None:
        try:
            executable = client.deserialize_executable(payload, devices, options)
        except Exception as e:  # e.g. written by a jaxlib build that reports the same version
            _bad_entry(path, f"jaxlib could not load it ({type(e).__name__}: {e})")
        else:
            stats["hits"] += 1
            _index(where, ir_text, devices, options, key)
            return executable
    stats["misses"] += 1
    start = time.perf_counter()
    executable = compile()
    if time.perf_counter() - start >= config.read("persistent_cache_min_compile_time_secs"):
        if _write(where, path, key, client.serialize_executable(executable)):
            _index(where, ir_text, devices, options, key)
    return executable


def _index(where, ir_text, devices, options, key):
    """Points the index entry of `ir_text` (when given) at the entry `key`."""
    if ir_text is not None:
        _write(where, os.path.join(where, ir_key(ir_text, devices, options) + INDEX_SUFFIX),
               key.encode(), raw=True)


def _warn_once(kind, message):
    if kind not in _warned:
        _warned.add(kind)
        warn(f"xlafront's persistent compilation cache: {message}")


def _bad_entry(path, why):
    stats["bad_entries"] += 1
    _warn_once("bad entry", f"ignoring the entry {path}: {why}; it is compiled and "
                            "written again")


def _read(path, key):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as e:
        stats["errors"] += 1
        _warn_once("read", f"cannot read {path} ({e}); compiling without the cache")
        return None
    start = len(MAGIC) + _HEADER.size
    if len(data) < start or not data.startswith(MAGIC):
        _bad_entry(path, "not an xlafront cache entry, or truncated")
        return None
    digest, length, crc = _HEADER.unpack_from(data, len(MAGIC))
    payload = memoryview(data)[start:]
    if digest != bytes.fromhex(key):
        _bad_entry(path, "it belongs to another program")
        return None
    import zlib  # (0.2 ms of `import xlafront`: loaded with the first entry read)
    if length != len(payload) or zlib.crc32(payload) != crc:
        _bad_entry(path, "truncated or corrupt")
        return None
    try:
        os.utime(path)  # most recently used: evicted last
    except OSError:
        pass
    return bytes(payload)


def _write(where, path, key, payload=None, raw=False):
    """Stores an entry (header and payload) or, `raw`, the bytes `key` as they are (an
    index entry), atomically."""
    if where in _unwritable:
        return
    if raw:
        data = key
    elif len(payload) < config.read("persistent_cache_min_entry_size_bytes"):
        return
    else:
        import zlib
        data = b"".join((MAGIC, _HEADER.pack(bytes.fromhex(key), len(payload),
                                             zlib.crc32(payload)), payload))
    temporary = f"{path}.{os.getpid()}.{_thread.get_ident()}.tmp"
    try:
        os.makedirs(where, exist_ok=True)
        with open(temporary, "wb") as f:
            f.write(data)
        os.replace(temporary, path)
    except OSError as e:
        stats["errors"] += 1
        with _lock:
            _unwritable.add(where)
        _warn_once("write", f"cannot write to {where} ({e}); compiling without storing "
                            "programs there")
        try:
            os.remove(temporary)
        except OSError:
            pass
        return
    stats["index_writes" if raw else "writes"] += 1
    _account(where, len(data))
    return True


def _entries(where):
    """[(mtime, size, path)] of the entries and of stale temporary files."""
    out = []
    try:
        with os.scandir(where) as it:
            for entry in it:
                if entry.name.endswith((SUFFIX, INDEX_SUFFIX, ".tmp")):
                    try:
                        st = entry.stat()
                    except OSError:
                        continue
                    out.append((st.st_mtime, st.st_size, entry.path))
    except OSError:
        pass
    return out


def _account(where, added):
    """Adds a written entry to the directory's total, evicting the least recently used
    entries when the total passes the cap."""
    limit = config.read("compilation_cache_max_size")
    if limit is None or limit < 0:
        return
    with _lock:
        total = _totals.get(where)
        total = sum(size for _, size, _ in _entries(where)) if total is None else total + added
        if total > limit:
            total = _evict(where, int(0.8 * limit))
        _totals[where] = total


def _evict(where, target):
    entries = sorted(_entries(where))
    total = sum(size for _, size, _ in entries)
    now = time.time()
    for mtime, size, path in entries:
        if total <= target:
            break
        if path.endswith(".tmp") and now - mtime < 60:
            continue  # another process may be writing it
        try:
            os.remove(path)
        except OSError:
            continue
        total -= size
    return total
