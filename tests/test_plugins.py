"""Platform selection and accelerator plugins (runtime/plugins.py), checked on CPU: which
platforms start and in what order, how installed CUDA and TPU plugins are found, that a
plugin built for another jaxlib is refused with the fix, and JAX's GPU memory variables."""
import os
import subprocess
import sys

import pytest

import xlafront as xf
from xlafront.runtime import compat, plugins, state


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("XLAFRONT_PLATFORMS", "JAX_PLATFORMS", "TPU_LIBRARY_PATH"):
        monkeypatch.delenv(name, raising=False)
    state()  # jaxlib loaded: compat.version is known
    old = xf.config.read("platforms")
    xf.config.update("platforms", None)
    yield monkeypatch
    xf.config.update("platforms", old)


def test_default_order_is_tpu_gpu_cpu(clean_env):
    assert plugins.requested() == (["tpu", "gpu", "cpu"], False)


def test_requested_platforms_precedence_and_aliases(clean_env):
    clean_env.setenv("JAX_PLATFORMS", "cpu")
    assert plugins.requested() == (["cpu"], True)
    clean_env.setenv("XLAFRONT_PLATFORMS", "cuda, CPU,gpu")
    assert plugins.requested() == (["gpu", "cpu"], True)
    xf.config.update("platforms", "tpu")
    assert plugins.requested() == (["tpu"], True)
    xf.config.update("platforms", "metal")
    with pytest.raises(ValueError, match="unknown platform 'metal'"):
        plugins.requested()


def fake_cuda_plugin(root, cuda, version):
    folder = root / "jax_plugins" / f"xla_cuda{cuda}"
    folder.mkdir(parents=True)
    (folder / "xla_cuda_plugin.so").write_bytes(b"")
    (root / f"jax_cuda{cuda}_pjrt-{version}.dist-info").mkdir()


def test_cuda_plugin_is_found_by_path_newest_cuda_first(clean_env, tmp_path):
    assert plugins.cuda_plugin() is None
    fake_cuda_plugin(tmp_path, "12", "0.10.2")
    clean_env.syspath_prepend(str(tmp_path))
    library, dist, version = plugins.cuda_plugin()
    assert library.endswith("xla_cuda12/xla_cuda_plugin.so")
    assert (dist, version) == ("jax-cuda12-pjrt", "0.10.2")
    fake_cuda_plugin(tmp_path, "13", "0.10.2")
    assert plugins.cuda_plugin()[1] == "jax-cuda13-pjrt"


def test_tpu_library_from_libtpu_or_the_environment(clean_env, tmp_path):
    assert plugins.tpu_library() is None
    (tmp_path / "libtpu").mkdir()
    (tmp_path / "libtpu" / "__init__.py").write_text("")
    (tmp_path / "libtpu" / "libtpu.so").write_bytes(b"")
    (tmp_path / "libtpu-0.0.42.dist-info").mkdir()
    clean_env.syspath_prepend(str(tmp_path))
    path, version = plugins.tpu_library()
    assert path.endswith("libtpu/libtpu.so") and version == "0.0.42"
    clean_env.setenv("TPU_LIBRARY_PATH", "/opt/libtpu.so")
    assert plugins.tpu_library() == ("/opt/libtpu.so", None)


def test_a_plugin_for_another_jaxlib_is_refused_with_the_fix():
    plugins.check_plugin_version("jax-cuda13-pjrt", "0.10.2", "0.10.2")
    plugins.check_plugin_version("jax-cuda13-pjrt", None, "0.10.2")  # unknown: let it try
    with pytest.raises(RuntimeError, match=r"jax-cuda12-pjrt 0.9.0 is installed, but jaxlib "
                       r"0.10.2 needs jax-cuda12-pjrt 0.10.2.*pip install 'xlafront\[cuda12\]'"):
        plugins.check_plugin_version("jax-cuda12-pjrt", "0.9.0", "0.10.2")
    plugins.check_plugin_version("libtpu", "0.0.42.dev20260101", "0.10.2")
    with pytest.raises(RuntimeError, match=r"libtpu 0.0.30 .* pip install 'xlafront\[tpu\]'"):
        plugins.check_plugin_version("libtpu", "0.0.30", "0.10.2")
    assert compat.plugin_version_for("libtpu", "9.9.9") is None


class FakeXC:
    """Records what make_client asks of jaxlib's client module."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        def call(*args, **kwargs):
            self.calls.append(name)
            return {"pjrt_plugin_loaded": False, "pjrt_plugin_initialized": False,
                    "generate_pjrt_gpu_plugin_options": {"platform_name": "cuda"}}.get(
                        name, f"<{name}>")
        return call


def test_make_client_checks_the_version_before_loading(clean_env, tmp_path):
    fake_cuda_plugin(tmp_path, "12", "0.1.0")
    clean_env.syspath_prepend(str(tmp_path))
    xc = FakeXC()
    with pytest.raises(RuntimeError, match="jax-cuda12-pjrt 0.1.0"):
        plugins.make_client(lambda: xc, "gpu")
    assert xc.calls == []


def test_make_client_loads_and_starts_the_cuda_plugin(clean_env, tmp_path):
    fake_cuda_plugin(tmp_path, "13", ".".join(map(str, compat.version)))
    clean_env.syspath_prepend(str(tmp_path))
    xc = FakeXC()
    assert plugins.make_client(lambda: xc, "gpu") == "<make_c_api_client>"
    assert xc.calls == ["pjrt_plugin_loaded", "load_pjrt_plugin_dynamically",
                        "pjrt_plugin_initialized", "initialize_pjrt_plugin",
                        "generate_pjrt_gpu_plugin_options", "make_c_api_client"]
    assert plugins.make_client(FakeXC, "tpu") is None  # no libtpu here


def test_gpu_memory_variables_reach_the_client_options(monkeypatch):
    xc = state().xc
    monkeypatch.setenv("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    monkeypatch.setenv("XLA_PYTHON_CLIENT_MEM_FRACTION", ".5")
    monkeypatch.setenv("XLA_PYTHON_CLIENT_ALLOCATOR", "platform")
    options = xc.generate_pjrt_gpu_plugin_options()
    assert options["preallocate"] is False and options["memory_fraction"] == 0.5
    assert options["allocator"] == "platform"


def run(code, **env):
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("XLAFRONT_PLATFORMS", "JAX_PLATFORMS")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(environment, **env), timeout=300)


def test_asking_for_a_missing_accelerator_names_the_fix():
    r = run("import xlafront as xf\ntry:\n    xf.devices('tpu')\nexcept RuntimeError as e:\n"
            "    print(e)")
    assert r.returncode == 0, r.stderr
    assert "Unknown backend 'tpu': available backends are ['cpu']" in r.stdout
    assert "pip install 'xlafront[tpu]'" in r.stdout
    r = run("import xlafront.numpy as np; np.ones(2)", XLAFRONT_PLATFORMS="tpu")
    assert r.returncode != 0 and "pip install 'xlafront[tpu]'" in r.stderr


def test_default_selection_skips_missing_accelerators_quietly():
    r = run("import xlafront as xf; print(xf.default_backend(), len(xf.devices()))")
    assert r.returncode == 0 and r.stdout.split() == ["cpu", "1"]
    assert r.stderr == ""
    r = run("import xlafront as xf; print(xf.default_backend())", JAX_PLATFORMS="cpu")
    assert r.stdout.strip() == "cpu"
