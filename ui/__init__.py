"""Streamlit glue shared by the pages: the image picker, URL state, cached wrappers, display helpers.

Everything numeric lives in ``explorer``; this package only reads widgets, calls ``explorer`` through
caches and renders. It must not import torch (the classical pages paint fast because of that).
"""
