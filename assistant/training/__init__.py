"""Training the reader: data, model, loop, export, card (`scripts/train_reader.py` runs them).

Sits on top beside ``cli``: may import ``evaluation`` (the SQuAD pairs) and every room
below it; nothing in the package imports it. torch, transformers and onnxruntime are
imported inside functions, so importing a module here loads none of them.
"""
