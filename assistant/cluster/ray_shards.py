"""Shard servers as Ray actors: placement, restarts and retries are Ray's.

Each shard of the live version is one actor (``ShardServer``), dealt to the
nodes in turn. An actor that dies is restarted by Ray, which loads its shard again
from the index folder, and the calls it had not answered are retried there
(``max_restarts``, ``max_task_retries``). A shard that still cannot answer
within ``timeout`` seconds makes the whole call fail with ``ClusterError``:
an answer from some of the shards would look complete and be wrong.

The index folder must be readable at the same path on every node (one machine,
or a shared file system); docs/scaling.md says what a larger deployment needs.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from ..errors import ClusterError

logger = logging.getLogger(__name__)

NAMESPACE = "assistant"
# Ray restarts a dead shard actor this many times, retrying its pending calls.
MAX_RESTARTS = 5
MAX_TASK_RETRIES = 3
# Seconds a question waits for every shard (a restart reloads the shard from disk).
DEFAULT_TIMEOUT = 60.0
# A shard that starts off its node is started again this many times, this far apart.
PLACE_ATTEMPTS = 10
PLACE_PAUSE = 0.5


def connect_ray(address: str | None) -> None:
    """Join the Ray cluster at ``address`` (``auto``: the one this machine runs).

    Raises:
        ClusterError: no cluster answers there.
    """
    import ray

    if ray.is_initialized():
        return
    try:
        ray.init(
            address=address or "auto",
            namespace=NAMESPACE,
            log_to_driver=False,
            logging_level=logging.WARNING,
        )
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise ClusterError(
            f"no Ray cluster answers at {address or 'auto'!r} ({error}): start one "
            "(`python scripts/local_cluster.py start`, or `ray start --head`) and pass its address"
        ) from error


class RayPool:
    """One actor per shard folder; calls go to all the shards asked at once."""

    def __init__(self, folders: list[Path], *, timeout: float = DEFAULT_TIMEOUT) -> None:
        import ray

        from .shard import ShardServer

        self.timeout = timeout
        self._remote = ray.remote(
            num_cpus=0,  # shards wait on questions; the CPUs are the encoders'
            max_restarts=MAX_RESTARTS,
            max_task_retries=MAX_TASK_RETRIES,
        )(ShardServer)
        self._folders = folders
        nodes = _alive_nodes()
        self.wanted = [nodes[n % len(nodes)] if nodes else None for n in range(len(folders))]
        self.actors = [self._start(n) for n in range(len(folders))]
        self.names = [f"{folder.parent.name}/{folder.name}" for folder in folders]
        self.place()

    def _start(self, n: int):
        return self._remote.options(scheduling_strategy=_placement(self.wanted[n])).remote(
            str(self._folders[n])
        )

    def place(self) -> None:
        """Start again, a few times, each shard that is not on its node.

        A shard asks for no CPU, so Ray has a node picked at random create it, and
        that node's view of one that joined a moment ago can lag: the soft affinity
        then quietly falls back to another node. Correct, but a lost node would take
        more shards with it, so a stray is placed again while its node is alive.
        """
        import time

        import ray
        from ray.exceptions import RayError

        for attempt in range(PLACE_ATTEMPTS + 1):
            try:
                where = ray.get(
                    [actor.__ray_call__.remote(_node_id) for actor in self.actors],
                    timeout=self.timeout,
                )
            except (RayError, TimeoutError):
                return  # the first call reports a shard that cannot load, as ClusterError
            alive = set(_alive_nodes())
            strays = [
                n
                for n, node in enumerate(where)
                if self.wanted[n] is not None and node != self.wanted[n] and self.wanted[n] in alive
            ]
            if not strays:
                return
            if attempt == PLACE_ATTEMPTS:
                break
            time.sleep(PLACE_PAUSE)
            for n in strays:
                ray.kill(self.actors[n], no_restart=True)
                self.actors[n] = self._start(n)
        logger.warning(
            "shards %s run off their nodes after %d tries; they answer all the same",
            ", ".join(self.names[n] for n in strays),
            PLACE_ATTEMPTS,
        )

    def call(self, method: str, arguments: dict[int, tuple]) -> dict[int, Any]:
        import ray
        from ray.exceptions import GetTimeoutError, RayError

        refs = {n: getattr(self.actors[n], method).remote(*args) for n, args in arguments.items()}
        results = {}
        for n, ref in refs.items():
            try:
                results[n] = ray.get(ref, timeout=self.timeout)
            except GetTimeoutError as error:
                raise ClusterError(
                    f"shard {self.names[n]} did not answer within {self.timeout:g} s, so no "
                    "answer is given (it would leave that shard's articles out): try again"
                ) from error
            except RayError as error:
                raise ClusterError(
                    f"shard {self.names[n]} could not be searched ({type(error).__name__}), so "
                    "no answer is given (it would leave that shard's articles out): try again"
                ) from error
        return results

    def close(self) -> None:
        import ray

        for actor in self.actors:
            ray.kill(actor, no_restart=True)
        self.actors = []


def _alive_nodes() -> list[str]:
    import ray

    return sorted(node["NodeID"] for node in ray.nodes() if node["Alive"])


def _placement(node: str | None):
    """Where a shard actor starts: its node, softly, or anywhere when none is known.

    Ray's "SPREAD" is a preference that a busy node can override, so shards are
    dealt to the alive nodes round-robin instead; the affinity is soft, so a shard
    whose node is lost is restarted on another.
    """
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    if node is None:
        return "SPREAD"
    return NodeAffinitySchedulingStrategy(node_id=node, soft=True)


def _node_id(_actor) -> str:
    import ray

    return ray.get_runtime_context().get_node_id()


def connect(index_dir: str | Path, address: str | None = None, *, timeout: float = DEFAULT_TIMEOUT):
    """The live sharded index in ``index_dir``, served by actors on the cluster.

    Raises:
        ClusterError: the cluster is unreachable or a shard cannot be loaded.
        IndexNotFoundError, IndexMismatchError: no sharded index, or a damaged one.
    """
    from ..errors import IndexNotFoundError
    from .backend import ClusterIndex
    from .catalog import live_catalog

    live = live_catalog(index_dir)
    if live is None:
        raise IndexNotFoundError(
            f"no sharded index in {str(index_dir)!r}: run `python -m assistant build --shards N "
            f"--index {index_dir}` first"
        )
    folder, catalog = live
    connect_ray(address)
    pool = RayPool(
        [Path(os.path.abspath(folder / name)) for name in catalog.shard_folders()], timeout=timeout
    )
    try:
        return ClusterIndex(folder, catalog, pool)
    except BaseException:
        pool.close()
        raise
