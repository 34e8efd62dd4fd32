"""Masking of e-mail addresses and phone numbers in free text.

E-mail addresses become `[email]`, phone numbers `[phone]`. Phone numbers are recognised by their
shape (international `+49 …`/`0049 …`, national `0…` with area code, US `(415) 555-0132`, or a
bare run of 7+ digits) and never by a lone short number, so prices ("19,99 €"), dates
("23.11.2026"), times ("14:30"), postcodes and order numbers below seven digits stay.
"""

from __future__ import annotations

import re

from touchpoint.text.models import MaskResult

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"

# Deliberately broad: anything shaped like local@domain.tld, including Unicode letters, is masked.
# Matches start only where a run of address characters starts, which keeps matching linear.
_LOCAL = r"[\w.!#$%&'*+/=?^`{|}~-]"  # the characters RFC 5322 allows in the local part
_EMAIL = re.compile(rf"(?<!{_LOCAL}){_LOCAL}+@[\w-]+\.[\w.-]+")
# "max (at) example (dot) de", "max[at]example.de"
_OBFUSCATED_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]+\s?[\[(]\s?(?:at|ät|@)\s?[\])]\s?[\w-]+(?:\s?(?:[\[(]\s?(?:dot|punkt)\s?[\])]|\.)\s?[\w-]+)+",
    re.IGNORECASE,
)
# A run of digit groups joined by single spaces, hyphens, slashes or parentheses.
_PHONE_SPAN = re.compile(r"(?<![\w@+])(?:\+|\(\+?)?\d[\d \t()/\-]{4,30}\d\)?(?![\w@])")
_GROUP = re.compile(r"\(?\+?\d+\)?")
_DATE = re.compile(r"^\d{1,2}[/-]\d{1,2}[/-](?:\d{4}|\d{2})$|^\d{4}-\d{1,2}-\d{1,2}$")
_US = re.compile(r"^(?:\(\d{3}\)\s?|\d{3}[-\s])\d{3}[-\s]\d{4}$")
_TRUNK = re.compile(r"\(0\)")
_UNIT_AFTER = re.compile(
    r"^\s?(?:€|eur\b|euro\b|\$|%|prozent\b|percent\b|kg\b|g\b|ml\b|l\b|stück\b)", re.IGNORECASE
)
_MIN_NATIONAL, _MAX_NATIONAL = 7, 12
_MIN_INTERNATIONAL, _MAX_INTERNATIONAL = 8, 15
_MIN_BARE = 7


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def is_phone_number(candidate: str) -> bool:
    """True if `candidate` (digits with separators) has the shape of a phone number."""
    candidate = candidate.strip()
    if not _balanced(candidate) or _DATE.match(candidate):
        return False
    digits = re.sub(r"\D", "", _TRUNK.sub("", candidate))
    compact = candidate.lstrip("(")
    if compact.startswith("+"):
        return digits[:1] != "0" and _MIN_INTERNATIONAL <= len(digits) <= _MAX_INTERNATIONAL
    if compact.startswith("00"):
        rest = digits[2:]
        return rest[:1] not in ("", "0") and _MIN_INTERNATIONAL <= len(rest) <= _MAX_INTERNATIONAL
    if compact.startswith("0"):
        return digits[1:2] != "0" and _MIN_NATIONAL <= len(digits) <= _MAX_NATIONAL
    if _US.match(candidate):
        return True
    return candidate.isdigit() and _MIN_BARE <= len(candidate) <= _MAX_INTERNATIONAL


def _continues_number(text: str, start: int, end: int) -> bool:
    """True if the span is part of a decimal/thousands number or followed by a unit ("1234567,89 €")."""
    before = text[max(0, start - 2) : start]
    after = text[end : end + 2]
    if len(before) == 2 and before[0].isdigit() and before[1] in ".,":
        return True
    if len(after) == 2 and after[0] in ".,:" and after[1].isdigit():
        return True
    return _UNIT_AFTER.match(text[end : end + 10]) is not None


def _mask_span(span: str) -> tuple[str, int]:
    """Mask the phone numbers inside a digit span; tries every start and the longest valid end."""
    groups = list(_GROUP.finditer(span))
    pieces: list[str] = []
    cursor = 0
    count = 0
    i = 0
    while i < len(groups):
        found = None
        for j in range(len(groups) - 1, i - 1, -1):
            start, end = groups[i].start(), groups[j].end()
            if is_phone_number(span[start:end]):
                found = (start, end, j)
                break
        if found is None:
            i += 1
            continue
        start, end, j = found
        pieces.append(span[cursor:start])
        pieces.append(PHONE_MASK)
        cursor = end
        count += 1
        i = j + 1
    pieces.append(span[cursor:])
    return "".join(pieces), count


def _mask_phones(text: str) -> tuple[str, int]:
    pieces: list[str] = []
    cursor = 0
    count = 0
    for match in _PHONE_SPAN.finditer(text):
        start, end = match.span()
        if _continues_number(text, start, end):
            continue
        masked, found = _mask_span(match.group())
        if found:
            pieces.append(text[cursor:start])
            pieces.append(masked)
            cursor = end
            count += found
    pieces.append(text[cursor:])
    return "".join(pieces), count


def _mask_emails(text: str) -> tuple[str, int]:
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        value = match.group()
        trailing = len(value) - len(value.rstrip(".-"))
        return EMAIL_MASK + value[len(value) - trailing :] if trailing else EMAIL_MASK

    if "(" in text or "[" in text:
        text = _OBFUSCATED_EMAIL.sub(replace, text)
    if "@" in text:
        text = _EMAIL.sub(replace, text)
    return text, count


def mask_pii(text: str) -> MaskResult:
    """Replace e-mail addresses with `[email]` and phone numbers with `[phone]`.

    Masking is idempotent: masking the result again changes nothing.
    """
    total = 0
    while True:  # every round removes an "@" or digits, so this ends; usually after one round
        text, emails = _mask_emails(text)
        text, phones = _mask_phones(text)
        if not emails and not phones:
            return MaskResult(text=text, masked=total)
        total += emails + phones
