"""Closing the loop: contact consent, cases, replies and per-answer notifications."""
