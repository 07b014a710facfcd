"""The index on disk: build, update, versions, manifest, the vector and lexical indexes.

May import ``corpus`` and ``encoding`` (and the base modules); never ``search`` or above.
"""
