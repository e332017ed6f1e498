"""Several processes as one (xlafront.distributed): two processes on 127.0.0.1 train the
data-parallel example (examples/data_parallel.py) and end with the parameters of a
one-process run on as many devices, bit for bit; a process killed mid-run makes the other
fail (never hang); and initialize's misuse is a RuntimeError. Every process started here
has a deadline and is killed when the test fails."""
import os
import socket
import subprocess
import sys
import textwrap
import time

import numpy as onp
import pytest

import xlafront as xf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "data_parallel.py")
DEADLINE = 120  # seconds for any process started here


def _env():
    env = dict(os.environ)
    env.pop("XLA_FLAGS", None)  # one CPU device per process unless asked
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args):
    return subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env())


def _finish(processes, deadline=DEADLINE):
    """(returncode, stdout, stderr, seconds) of each process; all are killed if any is
    still running at the deadline."""
    start = time.monotonic()
    results = []
    try:
        for p in processes:
            out, err = p.communicate(timeout=max(1.0, deadline - (time.monotonic() - start)))
            results.append((p.returncode, out, err, time.monotonic() - start))
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
                p.communicate()
    return results


def _two_processes(tmp_path, *extra):
    port = _free_port()
    return [_start([EXAMPLE, "--steps", "6", "--num-processes", "2", "--process-id", str(i),
                    "--coordinator", f"127.0.0.1:{port}", "--timeout", "20",
                    "--out", str(tmp_path / f"process{i}.npz"), *extra]) for i in range(2)]


def test_two_processes_train_as_one_process_with_two_devices(tmp_path):
    processes = _two_processes(tmp_path)
    single = _start([EXAMPLE, "--steps", "6", "--devices", "2",
                     "--out", str(tmp_path / "single.npz")])
    results = _finish(processes + [single])
    for code, out, err, _ in results:
        assert code == 0, err[-3000:]
    assert "process 0 of 2, 1 of 2 devices" in results[0][1]
    assert "process 1 of 2, 1 of 2 devices" in results[1][1]
    expected = onp.load(tmp_path / "single.npz")
    for i in range(2):
        got = onp.load(tmp_path / f"process{i}.npz")
        for key in expected.files:  # bit for bit
            assert got[key].tobytes() == expected[key].tobytes(), (i, key)


def test_a_dead_process_makes_the_other_fail_not_hang():
    # process 1 kills itself (SIGKILL) before its 4th step; process 0, in or entering a
    # collective with it, fails: at once (its collective's connection closes), or when the
    # coordination service misses process 1's heartbeats (--timeout, 10 s)
    port = _free_port()
    survivor, victim = [
        _start([EXAMPLE, "--steps", "200", "--num-processes", "2", "--process-id", str(i),
                "--coordinator", f"127.0.0.1:{port}", "--timeout", "10", *extra])
        for i, extra in ((0, ()), (1, ("--die-after", "3")))]
    (code, out, err, seconds), (victim_code, _, _, _) = _finish([survivor, victim], 60)
    assert victim_code == -9
    assert code != 0 and seconds < 60 and "loss" not in out
    assert "Gloo" in err or "another task died" in err, err[-3000:]


def test_a_process_that_never_joins_is_an_error_within_the_timeout():
    port = _free_port()
    alone = _start(["-c", textwrap.dedent(f"""
        import xlafront as xf
        xf.distributed.initialize("127.0.0.1:{port}", num_processes=2, process_id=0,
                                  initialization_timeout=3)
        """)])
    ((code, out, err, seconds),) = _finish([alone], 60)
    assert code != 0 and seconds < 60
    assert "Wait_for_all_tasks_to_register" in err or "timed out" in err, err[-3000:]


def test_initialize_twice_or_after_the_backend_started_is_an_error():
    xf.devices()  # this process's backend has started
    with pytest.raises(RuntimeError, match="before the backend starts"):
        xf.distributed.initialize("127.0.0.1:1", num_processes=1, process_id=0)
    assert not xf.distributed.is_initialized()
    port = _free_port()
    script = _start(["-c", textwrap.dedent(f"""
        import xlafront as xf
        xf.distributed.initialize("127.0.0.1:{port}", num_processes=1, process_id=0)
        assert xf.distributed.is_initialized()
        try:
            xf.distributed.initialize("127.0.0.1:{port}", num_processes=1, process_id=0)
        except RuntimeError as e:
            print("again:", e)
        print(xf.process_count(), xf.device_count(), xf.local_device_count())
        xf.distributed.shutdown()
        print(xf.distributed.is_initialized())
        """)])
    ((code, out, err, _),) = _finish([script], 60)
    assert code == 0, err[-3000:]
    assert "again: xlafront.distributed.initialize should only be called once" in out
    assert out.split()[-4:] == ["1", "1", "1", "False"]


def test_bad_arguments():
    with pytest.raises(ValueError, match="process_id and num_processes"):
        xf.distributed.initialize("127.0.0.1:1", num_processes=2, process_id=2)
    with pytest.raises(TypeError, match="process_id must be a nonnegative int"):
        xf.distributed.initialize("127.0.0.1:1", num_processes=2, process_id="0")
    with pytest.raises(ValueError, match="coordinator_address"):
        xf.distributed.initialize(None, num_processes=2, process_id=0)
    with pytest.raises(NotImplementedError, match="local_device_ids"):
        xf.distributed.initialize("127.0.0.1:1", 2, 0, local_device_ids=[0])
