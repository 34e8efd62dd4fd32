"""Pydantic v2 models shared by every function."""
