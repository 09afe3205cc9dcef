"""Cached wrappers, one module per page (``ui.cached.<page>``): each function is one ``explorer`` call plus
encoding. What several of them need is in :mod:`ui.cached.shared`."""
