"""Dashboard sign-in: a signed, expiring session naming the read key, in a Secure, HttpOnly,
SameSite=Strict cookie.

Only read keys sign in (an admin or write key is refused), so the cookie can never reach an
admin route. The cookie never holds the key: `touchpoint.web.signin_sessions` signs the tenant, the
key's id and an expiry with the deployment's pepper and the key's stored hash, and
`touchpoint.web.auth` checks the signature, the expiry and the key's record on every request, so
a revoked key ends its sessions at once. Sign-in and sign-out forms are accepted from the same
origin only (the `Origin` header, when the browser sends one, must name this host).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs

from touchpoint.keys import looks_like_key
from touchpoint.models.tenants import ApiKeyRecord, KeyKind
from touchpoint.web.auth import SESSION_COOKIE, KeyLookup
from touchpoint.web.base_path import cookie_path
from touchpoint.web.signin_sessions import SESSION_MAX_AGE_S, issue_session

LANG_COOKIE = "tp_lang"
MAX_FORM_BYTES = 4096
_ATTRIBUTES = "HttpOnly; Secure; SameSite=Strict"
# a dashboard or console page of this site: `/dashboard`, `/dashboard/...`, `/console/...`
_NEXT_RE = re.compile(
    r"^/(?:dashboard|console)(?:/[A-Za-z0-9_~-][A-Za-z0-9_.~-]*){0,4}(?:\?[A-Za-z0-9_.~%&=+:-]*)?$"
)


@dataclass(frozen=True)
class LoginOutcome:
    """The result of a sign-in: the read key's record on success, else the message key and its values."""

    record: ApiKeyRecord | None
    error: str | None = None
    kind: str | None = None


def _attributes(prefix: str) -> str:
    return f"{_ATTRIBUTES}; Path={cookie_path(prefix)}"


def session_cookie(record: ApiKeyRecord, pepper: str, now: float, prefix: str = "") -> str:
    """`Set-Cookie` value that signs the browser in (a signed session, never the key), for pages under `prefix`."""
    return session_value_cookie(issue_session(record, pepper, now), prefix)


def session_value_cookie(value: str, prefix: str = "") -> str:
    """`Set-Cookie` value that holds a session value (a kiosk's or a team member's) for pages under `prefix`."""
    return f"{SESSION_COOKIE}={value}; {_attributes(prefix)}; Max-Age={SESSION_MAX_AGE_S}"


def clear_session_cookie(prefix: str = "") -> str:
    """`Set-Cookie` value that signs the browser out (the same `Path` as the session's)."""
    return f"{SESSION_COOKIE}=; {_attributes(prefix)}; Max-Age=0"


def lang_cookie(lang: str, prefix: str = "") -> str:
    """`Set-Cookie` value that remembers the page language for a year."""
    return f"{LANG_COOKIE}={lang}; {_attributes(prefix)}; Max-Age=31536000"


def read_form(body: bytes | str | None) -> dict[str, str] | None:
    """The fields of an urlencoded form (first value of each), or None when it is too big or unreadable."""
    if body is None:
        return {}
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if len(raw) > MAX_FORM_BYTES:
        return None
    try:
        parsed = parse_qs(
            raw.decode("utf-8"), keep_blank_values=True, max_num_fields=10, strict_parsing=False
        )
    except (UnicodeDecodeError, ValueError):
        return None
    return {k: v[0] for k, v in parsed.items() if v}


def safe_next(value: str | None, lang: str) -> str:
    """Where to go after signing in: a dashboard page of this site only (never an open redirect).

    The path is the route's, without the request's prefix (the caller adds it to `Location`).
    """
    if value and _NEXT_RE.fullmatch(value):  # fullmatch: `$` alone lets a trailing newline through
        return value
    return f"/dashboard?lang={lang}"


def check_login(key: str, keys: KeyLookup) -> LoginOutcome:
    """Accept an active read key; otherwise say why not (`login_malformed`, `login_failed`, `login_not_read`)."""
    key = key.strip()
    if not looks_like_key(key):
        return LoginOutcome(None, "login_malformed")
    record = keys.find_key(key)
    if record is None or not record.active:
        return LoginOutcome(None, "login_failed")
    if record.kind is not KeyKind.READ:
        return LoginOutcome(None, "login_not_read", record.kind.value)
    return LoginOutcome(record)
