"""Text analysis of open customer comments (German and English), computed locally.

- `detect_language(text, hint=None)`: "de" or "en".
- `analyze_comment(text, language=None)`: sentiment, score in [-1, 1] and up to five key phrases.
- `mask_pii(text)`: e-mail addresses and phone numbers replaced by `[email]` / `[phone]`.
- `group_by_phrase(analyses)`: comments grouped by shared key phrase.

Everything runs on word lists shipped in `touchpoint/text/data/`, loaded once and cached.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from touchpoint.text.analysis import analyze_comment
    from touchpoint.text.grouping import group_by_phrase
    from touchpoint.text.language import detect_language
    from touchpoint.text.models import CommentAnalysis, Language, MaskResult, Sentiment
    from touchpoint.text.pii import mask_pii

#: Where each public name lives; a module is imported when one of its names is first used, so
#: importing one part of the package (e.g. `touchpoint.text.grouping`) does not load the rest.
_HOMES = {
    "analyze_comment": "touchpoint.text.analysis",
    "group_by_phrase": "touchpoint.text.grouping",
    "detect_language": "touchpoint.text.language",
    "CommentAnalysis": "touchpoint.text.models",
    "Language": "touchpoint.text.models",
    "MaskResult": "touchpoint.text.models",
    "Sentiment": "touchpoint.text.models",
    "mask_pii": "touchpoint.text.pii",
}


def __getattr__(name: str) -> Any:
    """The public names, imported from their module on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module 'touchpoint.text' has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)


__all__ = [
    "CommentAnalysis",
    "Language",
    "MaskResult",
    "Sentiment",
    "analyze_comment",
    "detect_language",
    "group_by_phrase",
    "mask_pii",
]
