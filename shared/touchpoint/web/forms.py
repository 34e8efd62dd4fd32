"""HTML forms posted by the browser: reading urlencoded bodies and cookies, refusing cross-site posts.

Every page that takes a form (sign-in, console, inbox) reads it here, so the limits (size, number
of fields) and the same-origin rule are one rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs, urlsplit

from touchpoint.web.errors import ApiError

#: A console form (a survey with its questions and translations) stays well below this.
MAX_FORM_BYTES = 64 * 1024
MAX_FORM_FIELDS = 1000


@dataclass(frozen=True)
class FormFields:
    """The fields of a posted form: every value of each name, in order."""

    values: Mapping[str, list[str]] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        """The first value of a field (stripped), or `default`."""
        found = self.values.get(name)
        return found[0].strip() if found else default

    def all(self, name: str) -> list[str]:
        """Every value of a field (checkboxes, repeated inputs), stripped, empty ones dropped."""
        return [v.strip() for v in self.values.get(name, []) if v.strip()]

    def has(self, name: str) -> bool:
        """True when the form sent the field (a ticked checkbox)."""
        return name in self.values

    def with_prefix(self, prefix: str) -> dict[str, list[str]]:
        """The fields whose names start with `prefix` (e.g. `q0.`), keyed by the rest of the name."""
        return {k[len(prefix) :]: v for k, v in self.values.items() if k.startswith(prefix)}


def read_form_fields(
    body: bytes | str | None, *, max_bytes: int = MAX_FORM_BYTES, max_fields: int = MAX_FORM_FIELDS
) -> FormFields:
    """Parse an urlencoded form; 413 when it is too big, 400 when it is not a readable form."""
    if body is None:
        return FormFields({})
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if len(raw) > max_bytes:
        raise ApiError(413, "too_large", f"the form is over {max_bytes // 1024} KB")
    try:
        parsed = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=max_fields)
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "invalid_form", "the form could not be read") from None
    return FormFields(parsed)


def same_origin(headers: Mapping[str, str]) -> bool:
    """False when the browser says the form came from another site.

    `Sec-Fetch-Site` decides when the browser sends it; otherwise an `Origin` other than this
    host is refused. Requests with neither (scripts, old browsers) are let through: session
    cookies are SameSite=Strict, so a cross-site page cannot ride on a session anyway.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    fetch_site = lowered.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = lowered.get("origin")
    if not origin or origin == "null":
        return True
    return urlsplit(origin).netloc.lower() == lowered.get("host", "").lower()


def cookie_value(headers: Mapping[str, str], name: str) -> str | None:
    """One cookie of the request, or None."""
    raw = next((v for k, v in headers.items() if k.lower() == "cookie"), None)
    if not raw:
        return None
    try:
        morsel = SimpleCookie(raw).get(name)
    except CookieError:
        return None
    return morsel.value if morsel else None


def require_same_origin(headers: Mapping[str, str]) -> None:
    """403 for a form posted from another site."""
    if not same_origin(headers):
        raise ApiError(403, "cross_site", "this form must be sent from this site")
