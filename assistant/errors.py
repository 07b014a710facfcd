"""Every error the assistant raises on purpose.

One root, so that callers can catch the whole family in one place::

    AssistantError
    ├── CorpusError          # no usable article in the corpus folder
    │   └── FetchError       # a link that cannot be fetched (refused, failed, too big...)
    ├── ModelError           # the embedding model cannot be loaded offline
    ├── IndexNotFoundError   # no built index where one was expected
    ├── IndexMismatchError   # index built from another corpus, model or settings
    ├── QuestionError        # empty or meaningless question (also a ValueError)
    └── ClusterError         # the cluster is unreachable, or a shard could not be searched

Messages say what went wrong and how to fix it.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class of every error raised by the assistant."""


class CorpusError(AssistantError):
    """The corpus folder is missing or holds no readable article."""


class FetchError(CorpusError):
    """A link cannot be fetched: a bad scheme, a refused address, a network or HTTP failure."""


class ModelError(AssistantError):
    """The embedding model cannot be found or loaded without a network."""


class IndexNotFoundError(AssistantError):
    """No built index exists where one was expected."""


class IndexMismatchError(AssistantError):
    """The index on disk does not match the corpus, the model or the settings."""


class QuestionError(AssistantError, ValueError):
    """The question is empty or holds no words to search for."""


class ClusterError(AssistantError):
    """The cluster cannot be reached, or a shard could not be searched."""
