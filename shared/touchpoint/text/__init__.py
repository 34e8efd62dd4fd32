"""Text analysis of open customer comments (German and English), computed locally.

- `detect_language(text, hint=None)`: "de" or "en".
- `analyze_comment(text, language=None)`: sentiment, score in [-1, 1] and up to five key phrases.
- `mask_pii(text)`: e-mail addresses and phone numbers replaced by `[email]` / `[phone]`.
- `group_by_phrase(analyses)`: comments grouped by shared key phrase.

Everything runs on word lists shipped in `touchpoint/text/data/`, loaded once and cached.
"""

from touchpoint.text.analysis import analyze_comment
from touchpoint.text.grouping import group_by_phrase
from touchpoint.text.language import detect_language
from touchpoint.text.models import CommentAnalysis, Language, MaskResult, Sentiment
from touchpoint.text.pii import mask_pii

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
