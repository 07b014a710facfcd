"""Measuring answer quality: labelled data sets and the eval runner.

Sits on top: may import the pipeline and every room below it, but not ``web`` or ``cli``.
"""
