"""Several processes as one: `xlafront.distributed.initialize(...)` in every process, before
anything else, joins them through jaxlib's distributed runtime. Process 0 starts the
coordination service; every process connects to it. The CPU backend then spans every
process's devices, with collectives over TCP (gloo): `xf.devices()` lists all of them,
`xf.local_devices()` this process's, and pmap over all devices runs with each process
feeding its own devices' part.

    # on each of 2 processes (process_id 0 and 1):
    xf.distributed.initialize("127.0.0.1:12345", num_processes=2, process_id=pid)
"""
import atexit

from .errors import api_boundary
from .runtime import client

__all__ = ["initialize", "is_initialized", "shutdown"]


@api_boundary
def initialize(coordinator_address=None, num_processes=None, process_id=None,
               local_device_ids=None, cluster_detection_method=None,
               initialization_timeout=300, heartbeat_timeout_seconds=100,
               shutdown_timeout_seconds=300, coordinator_bind_address=None):
    """Joins this process to the others: call it in every process, before any array,
    computation or devices() call.

    coordinator_address: "host:port" of process 0, where it serves the coordination service
    (it binds `coordinator_bind_address`, by default every interface on that port).
    num_processes, process_id: how many processes take part, and which one this is
    (0 <= process_id < num_processes). local_device_ids: must be None (every CPU device of
    the process takes part). initialization_timeout (seconds): how long to wait for every
    process to join before raising. heartbeat_timeout_seconds: after how long without news
    from a process it counts as dead (the others then fail instead of waiting for it).
    shutdown_timeout_seconds: how long shutdown() waits for the others.

    Raises RuntimeError when called twice, or after the backend started.
    """
    if cluster_detection_method not in (None, "deactivate"):
        raise NotImplementedError(
            f"distributed.initialize: cluster_detection_method={cluster_detection_method!r} "
            "is not supported: pass coordinator_address, num_processes and process_id")
    if local_device_ids is not None:
        raise NotImplementedError("distributed.initialize: local_device_ids is not supported "
                                  "(it picks accelerators; every CPU device takes part)")
    if coordinator_address is None:
        raise ValueError("distributed.initialize: coordinator_address should be defined "
                         "(\"host:port\" of process 0)")
    if num_processes is None or process_id is None:
        raise ValueError("distributed.initialize: num_processes and process_id must be "
                         f"defined, got num_processes={num_processes}, "
                         f"process_id={process_id}")
    for name, value in (("process_id", process_id), ("num_processes", num_processes)):
        if type(value) is not int:
            raise TypeError(f"{name} must be a nonnegative int. Got {name}={value!r} of type "
                            f"{type(value).__name__}.")
    if not 0 <= process_id < num_processes:
        raise ValueError("process_id and num_processes must be nonnegative, with process_id "
                         f"< num_processes. Got process_id={process_id}, "
                         f"num_processes={num_processes}.")
    bind_address = coordinator_bind_address or "[::]:" + coordinator_address.rsplit(":", 1)[1]
    client.start_distributed(coordinator_address, num_processes, process_id,
                             int(initialization_timeout), int(heartbeat_timeout_seconds),
                             int(shutdown_timeout_seconds), bind_address)


def is_initialized():
    """Whether initialize() has joined this process to the others (and shutdown() not
    yet been called)."""
    return client.distributed.client is not None


def shutdown():
    """Leaves the group of processes (waiting for the others, up to the shutdown timeout);
    process 0 also stops the coordination service. Does nothing when not initialized."""
    client.stop_distributed()


atexit.register(shutdown)
