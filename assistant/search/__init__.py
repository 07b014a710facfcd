"""A question -> ranked passages: reading the question, retrieval, sentences, answerability.

May import ``store``, ``encoding``, ``corpus`` and the base modules; never the pipeline or above.
"""
