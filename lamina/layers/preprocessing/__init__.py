"""Preprocessing layers: normalization, rescaling, resizing, discretization, encodings,
hashing, vocabulary lookups, text vectorization, pipelines.

Numeric layers are written against `lamina.ops` and run inside compiled models. Layers that
take strings (`StringLookup`, `TextVectorization`, `Hashing`, `HashedCrossing`) do their
string work on the host in plain Python/NumPy: call them eagerly on arrays, or apply them to
the data before `fit`/`predict`; they cannot run inside a compiled step.
"""
