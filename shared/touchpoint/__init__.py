"""Touchpoint's shared package: models, settings, observability, storage, auth and the metric engine.

Every function imports this package; it never imports a function.
"""

__version__ = "0.2.0"
