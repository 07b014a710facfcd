"""The Gradio app: the page, its events, views, HTML formatting, request guard, feedback.

Sits on top: may import the pipeline and every room below it, but not ``evaluation`` or ``cli``.
"""
