"""Chalice integration shared by the HTTP functions: errors, authentication, secured routes."""
