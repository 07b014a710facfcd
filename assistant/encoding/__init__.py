"""Models that turn text into vectors or scores: the embedder, its torch and ONNX runtimes.

May import ``errors``, ``config``, ``answer`` and ``files``; never the corpus, the store or
search. Every model here meets ``base.TextModel``; ``runtimes.py`` holds the ways to run it.
"""
