"""Fixtures of the trust tests: the feedback function's store (a location with a touchpoint)."""

from tests.functional.feedback.conftest import feedback, store

__all__ = ["feedback", "store"]
