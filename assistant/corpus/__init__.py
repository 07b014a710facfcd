"""Articles in: reading source files, decoding, cleaning, cutting into passages.

The lowest room above ``errors``/``config``/``answer``: it may import only those.
"""
