"""Comment retention: the text of open answers goes before the response itself.

A tenant may keep comment texts shorter than responses (`retention_days_comments`). Past it, the
text of every comment, its key phrases and the answer it came from are replaced by
`EXPIRED_COMMENT_TEXT`, in the stored response (DynamoDB) and in its lake copy under `responses/`.
The sentiment label, its score and the language stay: `comment_count` and
`negative_comment_share` (docs/METRICS.md) are recomputed from the lake copy whenever a day is rolled
up again, and the metric engine counts a comment only while its text is non-empty, so the marker
keeps those figures unchanged.
"""

from __future__ import annotations

from typing import Any

from touchpoint.models.surveys import StoredResponse

#: What an expired comment's text (and the answer it came from) reads afterwards.
EXPIRED_COMMENT_TEXT = "[expired]"


def _expired_text(text: Any) -> Any:
    # An empty text stays empty: the engine does not count it, and must not start to.
    return EXPIRED_COMMENT_TEXT if isinstance(text, str) and text.strip() else text


def has_live_comments(response: StoredResponse) -> bool:
    """True when a comment of the response still holds text or key phrases."""
    return any(_expired_text(c.text) != c.text or c.key_phrases for c in response.comments)


def expire_comments(response: StoredResponse) -> StoredResponse | None:
    """The response with every comment's text, key phrases and source answer replaced (None: nothing to do)."""
    if not has_live_comments(response):
        return None
    answers = dict(response.answers)
    for comment in response.comments:
        if isinstance(answers.get(comment.question_id), str):
            answers[comment.question_id] = _expired_text(answers[comment.question_id])
    comments = [
        c.model_copy(update={"text": _expired_text(c.text), "key_phrases": []}) for c in response.comments
    ]
    return response.model_copy(update={"answers": answers, "comments": comments})


def expire_copy_line(line: dict[str, Any]) -> bool:
    """Expire the comments of one lake-copy line in place; True when it changed."""
    comments = line.get("comments")
    if not isinstance(comments, list):
        return False
    changed = False
    for comment in comments:
        if not isinstance(comment, dict):
            continue
        text = _expired_text(comment.get("text"))
        if text != comment.get("text") or comment.get("keyPhrases"):
            comment["text"] = text
            comment["keyPhrases"] = []
            changed = True
    return changed
