"""The assistant past one machine: a sharded index served by Ray actors.

Shards are today's stored index, one per group of articles (``sharding.py``),
written together in one version (``build.py``, ``catalog.py``); ``ShardServer``
answers for one shard, and ``ClusterIndex`` meets ``search.backend.SearchBackend``
over all of them, so ranking runs unchanged. Only ``ray_shards.py`` and
``embedding.py`` import Ray, and only when a cluster is used.

May import ``store``, ``encoding``, ``corpus`` and the base modules; sits beside
``search`` (neither imports the other); never the pipeline or above.
"""
