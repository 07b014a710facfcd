"""A real two-node Ray cluster on this machine, isolated on loopback.

Run through ``make test`` (``scripts/isolated.py``), which puts this session in
a network namespace holding only ``lo``. Outside one, the tests are skipped
with that reason, unless ``ASSISTANT_CLUSTER_TESTS=required`` (set by the
Makefile), which makes that a failure: CI must not pass without them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("ray", reason="Ray is not installed: pip install -r requirements-cluster.txt")

# Small object stores: the tests move a few MB, and the machine has 2 cores and
# the rest of the suite to run.
OBJECT_STORE_BYTES = 120 * 1024**2


def _interfaces() -> set[str]:
    return set(os.listdir("/sys/class/net")) if Path("/sys/class/net").is_dir() else set()


@pytest.fixture(scope="session")
def loopback_only() -> None:
    """Skip (or fail, where required) unless this network namespace holds only ``lo``."""
    others = _interfaces() - {"lo"}
    if others:
        reason = (
            f"this network namespace has interfaces besides lo ({', '.join(sorted(others))}); "
            "run the cluster tests through `make test` (scripts/isolated.py)"
        )
        if os.environ.get("ASSISTANT_CLUSTER_TESTS") == "required":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def ray_cluster(loopback_only):
    """The address of a running two-node cluster; shut down (only its own processes) after."""
    # Ray 2.59+ turns token authentication on for local clusters. The test cluster
    # is reachable only from this namespace's loopback, so it runs without.
    os.environ["RAY_AUTH_MODE"] = "disabled"
    import ray
    from ray.cluster_utils import Cluster

    cluster = Cluster(
        initialize_head=True,
        head_node_args={
            "num_cpus": 1,
            "object_store_memory": OBJECT_STORE_BYTES,
            "include_dashboard": False,
        },
    )
    try:
        cluster.add_node(num_cpus=1, object_store_memory=OBJECT_STORE_BYTES)
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, namespace="assistant", log_to_driver=False)
        yield cluster.address
    finally:
        ray.shutdown()
        cluster.shutdown()
