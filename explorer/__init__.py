"""Vision Explorer's pure functions: arrays in, arrays out.

Rules every module here follows (see ../shared/STYLE.md):

- never import streamlit; no state; deterministic given a seed;
- ``image`` is the first positional argument, options are keyword-only;
- arrays are ``(rows, cols[, channels])``;
- processing works in ``float32`` in ``[0, 1]``; ``uint8`` only at the edges (decoding, display);
- bad input raises ``ValueError``/``TypeError`` naming the parameter, what was expected and what came.
"""
