"""Coupon codes made from a pattern."""

from __future__ import annotations

import re

from touchpoint.surveys.coupons import CODE_ALPHABET, generate_code


def test_pattern_placeholders_are_filled_with_unambiguous_characters() -> None:
    codes = {generate_code("THANKS-{random6}-{random4}") for _ in range(200)}
    assert len(codes) == 200
    pattern = re.compile(rf"^THANKS-[{CODE_ALPHABET}]{{6}}-[{CODE_ALPHABET}]{{4}}$")
    assert all(pattern.match(code) for code in codes)
    assert not set("0O1I") & set(CODE_ALPHABET)
