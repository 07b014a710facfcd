"""The JSON API on Ray Serve: replicas of ``api.build_api``, each holding an Assistant.

``python -m assistant serve --replicas N`` (``cli.py``) deploys it. Every replica
opens the index once (``opener``: ``Assistant.load`` of the index folder, or
``Assistant.connect`` to a sharded one) and serves the very app ``build_api``
makes, the routes the chat serves at ``/api``, behind the chat's ``RequestGuard``
(no cross-origin request; on loopback, no foreign ``Host``). Serve's proxy, one
on the head node, spreads requests over the replicas and starts a new replica
when one dies. A request the dead replica was answering gets an error status
from the proxy (500, its body Serve's message): never part of an answer, and
safe to send again.

Ray is imported inside the functions only; nothing but the ``serve`` command
imports this module. The index folder must be readable at the same path on
every node, as for the sharded index (docs/scaling.md).

Example:
    >>> from functools import partial
    >>> join_ray(None)  # a Ray instance of this process's own  # doctest: +SKIP
    >>> opener = partial(Assistant.load, "/abs/corpus", "/abs/index")
    >>> start_api(opener, replicas=2, port=8000)  # doctest: +SKIP
    'http://127.0.0.1:8000/api'
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import ClusterError
from .api import API_PATH, DEFAULT_THREADS, build_api, close_api
from .auth import read_auth_file
from .guard import LOOPBACK, RequestGuard

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..pipeline import Assistant

APP_NAME = "assistant"
DEPLOYMENT_NAME = "ApiReplica"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_REPLICAS = 1
# One core a replica: ask() is CPU work (encoding, search), a replica's threads share it.
DEFAULT_REPLICA_CPUS = 1.0
# Serve checks each replica this often (its default is 10 s): a replica that died
# is replaced within seconds, not tens of them.
HEALTH_CHECK_SECONDS = 2.0


class ApiReplica:
    """One Serve replica: an Assistant, and the JSON API over it.

    Serve calls ``__serve_build_asgi_app__`` once the constructor has run, and
    the app it returns answers every request sent to this replica.
    """

    def __init__(
        self,
        opener: Callable[[], Assistant],
        *,
        threads: int = DEFAULT_THREADS,
        loopback: bool = True,
        auth_file: str | None = None,
    ) -> None:
        # Read here, on the replica's node: no password travels in the deployment's config.
        self.accounts = read_auth_file(auth_file) if auth_file else []
        self.assistant = opener()
        self.threads = threads
        self.loopback = loopback
        self.api: FastAPI | None = None

    def __serve_build_asgi_app__(self) -> FastAPI:
        self.api = build_api(self.assistant, accounts=self.accounts, threads=self.threads)
        self.api.add_middleware(RequestGuard, loopback=self.loopback)
        return self.api

    def __del__(self) -> None:
        # Serve calls this when it stops the replica (scaled down, deleted, shut down).
        if self.api is not None:
            close_api(self.api)
        self.assistant.close()  # a sharded index's shard actors


def join_ray(address: str | None, *, cpus: float | None = None) -> None:
    """Join the Ray cluster at ``address``; None: start a Ray instance of this process's own.

    A cluster found some other way (``$RAY_ADDRESS``, the last one started on this
    machine) is never joined by chance: without an address the instance is new,
    has ``cpus`` CPUs (at least this machine's count) and no dashboard, and goes
    when this process does.

    Raises:
        ClusterError: Ray Serve is not installed, or no cluster answers at ``address``.
    """
    try:
        import ray
        from ray import serve  # noqa: F401  (ray[data] alone lacks it)
    except ModuleNotFoundError as error:
        raise ClusterError(
            f"Ray Serve is not installed ({error}): pip install -r requirements-cluster.txt"
        ) from error
    from ..cluster.ray_shards import NAMESPACE, connect_ray

    if address:
        connect_ray(address)
        return
    ray.init(
        address="local",
        namespace=NAMESPACE,
        num_cpus=max(os.cpu_count() or 1, math.ceil(cpus or 0)),
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.WARNING,
    )


def start_api(
    opener: Callable[[], Assistant],
    *,
    replicas: int = DEFAULT_REPLICAS,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    threads: int = DEFAULT_THREADS,
    replica_cpus: float = DEFAULT_REPLICA_CPUS,
    auth_file: str | None = None,
    every_node: bool = False,
    name: str = APP_NAME,
) -> str:
    """Deploy the API with ``replicas`` replicas on the cluster this process joined.

    Returns once every replica answers, with the API's URL. Serve's proxy listens
    on ``host:port`` on the head node only (a second node on the same machine
    would find the port taken), or on every node with ``every_node`` (hosts of
    their own, behind a load balancer). Where Serve already runs on the cluster,
    its proxies keep the address they have.

    Args:
        opener: makes a replica's Assistant, run on the replica (Ray sends it there,
            so a ``functools.partial`` of a module-level function, with absolute paths).
        replicas: how many replicas answer, each with its own Assistant.
        host, port: where the proxy listens.
        threads: questions one replica answers at the same time (``build_api``).
        replica_cpus: the CPUs Ray sets aside for each replica.
        auth_file: ``user:password`` lines (``--auth-file``), read by each replica.
        every_node: a proxy on every node, not only on the head node.
        name: the Serve application's name.

    Raises:
        ValueError: fewer than one replica, or fewer than one thread.
    """
    from ray import serve

    if replicas < 1 or threads < 1:
        raise ValueError(f"replicas and threads must be at least 1, got {replicas} and {threads}")
    proxies = "EveryNode" if every_node else "HeadOnly"
    serve.start(proxy_location=proxies, http_options={"host": host, "port": port})
    deployment = serve.deployment(
        serve.ingress()(ApiReplica),
        name=DEPLOYMENT_NAME,
        num_replicas=replicas,
        ray_actor_options={"num_cpus": replica_cpus},
        health_check_period_s=HEALTH_CHECK_SECONDS,
    )
    replica = deployment.bind(
        opener, threads=threads, loopback=host in LOOPBACK, auth_file=auth_file
    )
    serve.run(replica, name=name, route_prefix=API_PATH)
    return api_url()


def api_url() -> str:
    """The API's URL on the cluster's Serve proxy: the address Serve was started with."""
    from ray.serve.context import _get_global_client

    # No public call tells it (ray 2.60, pinned); serve.start only warns when it differs.
    http = _get_global_client().http_config
    host = "127.0.0.1" if http.host in ("0.0.0.0", "::") else http.host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{http.port}{API_PATH}"


def stop_api(name: str = APP_NAME) -> None:
    """Delete the application; Serve itself too when no other application is left."""
    from ray import serve

    if name in serve.status().applications:  # none when Serve never started
        serve.delete(name)
    if not serve.status().applications:
        serve.shutdown()
