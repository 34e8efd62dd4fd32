"""Field errors of console forms: which fields a validation error names, and their messages.

A console form answers invalid input with the same form again, each problem next to its field in
the page's language. Pages keep one text per field (`invalid_<field>`); pydantic's own messages
(English, technical) never reach the page.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError


def invalid_fields(error: ValidationError) -> list[str]:
    """The top-level fields a validation error names, each once, in order (`form` for the whole)."""
    names: list[str] = []
    for problem in error.errors(include_url=False):
        location = problem.get("loc") or ()
        name = str(location[0]) if location else "form"
        if name not in names:
            names.append(name)
    return names


def field_messages(fields: list[str], texts: Mapping[str, str], fallback: str) -> dict[str, str]:
    """Each field's message: `texts["invalid_<field>"]`, else `fallback`."""
    return {name: texts.get(f"invalid_{name}", fallback) for name in fields}
