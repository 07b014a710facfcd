"""A real two-node Ray cluster on this machine, isolated on loopback.

Run through ``make test`` (``scripts/isolated.py``), which puts this session in
a network namespace holding only ``lo``. Outside one, the tests are skipped
with that reason, unless ``ASSISTANT_CLUSTER_TESTS=required`` (set by the
Makefile), which makes that a failure: CI must not pass without them.
"""

from __future__ import annotations

import os

import pytest

pytest.importorskip("ray", reason="Ray is not installed: pip install -r requirements-cluster.txt")

# Small object stores: the tests move a few MB, and the machine has 2 cores and
# the rest of the suite to run.
OBJECT_STORE_MB = 120


@pytest.fixture(scope="session")
def loopback_only() -> None:
    """Skip (or fail, where required) unless this network namespace holds only ``lo``."""
    from scripts.local_cluster import interfaces_besides_lo

    if others := interfaces_besides_lo():
        reason = (
            f"this network namespace has interfaces besides lo ({', '.join(others)}); "
            "run the cluster tests through `make test` (scripts/isolated.py)"
        )
        if os.environ.get("ASSISTANT_CLUSTER_TESTS") == "required":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def ray_nodes(loopback_only):
    """A running two-node ``ray.cluster_utils.Cluster``, shut down (its own processes) after."""
    # Ray 2.59+ turns token authentication on for local clusters. The test cluster
    # is reachable only from this namespace's loopback, so it runs without.
    os.environ["RAY_AUTH_MODE"] = "disabled"
    import ray

    from scripts.local_cluster import two_nodes

    with two_nodes(object_store_mb=OBJECT_STORE_MB) as cluster:
        ray.init(address=cluster.address, namespace="assistant", log_to_driver=False)
        try:
            yield cluster
        finally:
            ray.shutdown()


@pytest.fixture(scope="session")
def ray_cluster(ray_nodes) -> str:
    """The address of the running two-node cluster."""
    return ray_nodes.address
