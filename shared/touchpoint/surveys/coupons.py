"""Coupon codes made from a pattern such as `THANKS-{random6}`."""

from __future__ import annotations

import secrets

from touchpoint.models.surveys import RANDOM_PLACEHOLDER

# Upper-case letters and digits without the look-alikes 0/O and 1/I (read off a phone screen).
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_code(pattern: str) -> str:
    """Fill every `{randomN}` of the pattern with N random characters of CODE_ALPHABET."""
    return RANDOM_PLACEHOLDER.sub(
        lambda match: "".join(secrets.choice(CODE_ALPHABET) for _ in range(int(match.group(1)))), pattern
    )
