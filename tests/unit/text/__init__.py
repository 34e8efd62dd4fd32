"""Unit tests of touchpoint.text (language, sentiment, key phrases, PII masking)."""
