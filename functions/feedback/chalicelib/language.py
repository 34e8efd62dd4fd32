"""The form's language: `?lang=` wins, then the best of `Accept-Language` (q-values), then the store's."""

from __future__ import annotations

from collections.abc import Sequence

SUPPORTED: tuple[str, ...] = ("de", "en")


def parse_accept_language(header: str | None) -> list[tuple[str, float]]:
    """Language ranges with their q-values, best first (ties keep the header's order)."""
    if not header:
        return []
    ranges: list[tuple[int, str, float]] = []
    for position, part in enumerate(header.split(",")[:32]):
        tag, *params = (p.strip() for p in part.split(";"))
        if not tag:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if 0 < quality <= 1:
            ranges.append((position, tag.lower(), quality))
    ranges.sort(key=lambda r: (-r[2], r[0]))
    return [(tag, quality) for _, tag, quality in ranges]


def negotiate(
    query_lang: str | None,
    accept_language: str | None,
    default: str,
    supported: Sequence[str] = SUPPORTED,
) -> str:
    """The language to show: a supported `?lang=`, else the best Accept-Language match, else `default`."""
    if query_lang and query_lang.lower() in supported:
        return query_lang.lower()
    for tag, _ in parse_accept_language(accept_language):
        primary = tag.split("-", 1)[0]
        if primary in supported:
            return primary
        if tag == "*":
            break
    return default if default in supported else supported[0]
