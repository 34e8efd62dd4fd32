"""Verifying Cognito ID tokens: RS256 against the pool's published keys, issuer, audience, use, expiry.

Never skipped: a sign-in counts only when its ID token verifies. The keys come from a `KeySource`:
in AWS (and against a moto server) the pool's JWKS URL, fetched once per container and fetched
again when a token names a key it does not hold (Cognito rotates keys rarely); tests give the
keys directly.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

#: Tolerated clock difference between Cognito and this container.
LEEWAY_S = 30
_FETCH_TIMEOUT_S = 5
_REFETCH_AFTER_S = 300


class TokenError(Exception):
    """The token is not a valid ID token of this pool and client."""


class KeySource(Protocol):
    """The pool's JSON Web Key Set; `refresh` asks for a newer copy (a token names an unknown key)."""

    def keys(self, refresh: bool = False) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class StaticKeys:
    """A key set given as a document (tests; a pool whose keys are known)."""

    document: Mapping[str, Any]

    def keys(self, refresh: bool = False) -> Mapping[str, Any]:
        """The document."""
        return self.document


class UrlKeys:
    """A pool's JWKS fetched from its URL, cached per container; a refresh (a token names an unknown
    key) fetches again at most once every 5 minutes, so garbage tokens cannot make it hammer the URL."""

    def __init__(self, url: str, fetch: Callable[[str], bytes] | None = None) -> None:
        self.url = url
        self._fetch = fetch or _http_get
        self._cached: Mapping[str, Any] | None = None
        self._refreshed_at: float | None = None
        self._lock = threading.Lock()

    def keys(self, refresh: bool = False) -> Mapping[str, Any]:
        """The key set (fetched on first use, and on `refresh` unless one happened in the last 5 minutes)."""
        with self._lock:
            if refresh and self._cached is not None:
                last = self._refreshed_at
                if last is not None and time.monotonic() - last < _REFETCH_AFTER_S:
                    return self._cached
                self._refreshed_at = time.monotonic()
                self._cached = None
            if self._cached is None:
                document = json.loads(self._fetch(self.url))
                if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
                    raise TokenError("the pool's key set is not a JWKS document")
                self._cached = document
            return self._cached


def _http_get(url: str) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise TokenError("the key set URL must be http(s)")
    with urllib.request.urlopen(url, timeout=_FETCH_TIMEOUT_S) as answer:  # noqa: S310 - scheme checked
        body: bytes = answer.read()
    return body


def issuer(region: str, pool_id: str) -> str:
    """The `iss` of the pool's tokens."""
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


def jwks_url(region: str, pool_id: str, endpoint: str | None = None) -> str:
    """Where the pool publishes its keys (`endpoint`: a moto server standing in for Cognito)."""
    base = endpoint.rstrip("/") if endpoint else f"https://cognito-idp.{region}.amazonaws.com"
    return f"{base}/{pool_id}/.well-known/jwks.json"


@dataclass(frozen=True)
class IdentityClaims:
    """What a verified ID token says: the user (`sub`) and their e-mail."""

    sub: str
    email: str


def _signing_key(token: str, source: KeySource) -> Any:
    import jwt  # PyJWT and cryptography load on the first sign-in, not at every cold start

    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError:
        raise TokenError("the token is malformed") from None
    for refresh in (False, True):
        for key in source.keys(refresh).get("keys", []):
            if key.get("kid") == kid:
                try:
                    return jwt.PyJWK.from_dict(dict(key), algorithm="RS256").key
                except jwt.PyJWTError:
                    raise TokenError("the pool's key is unusable") from None
    raise TokenError("the token names a key the pool does not publish")


def verify_id_token(
    token: str, source: KeySource, *, iss: str, audience: str, now: Callable[[], float] = time.time
) -> IdentityClaims:
    """The claims of a valid ID token of this pool (`iss`) and app client (`audience`); TokenError otherwise."""
    import jwt

    key = _signing_key(token, source)
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=audience,
            issuer=iss,
            leeway=LEEWAY_S,
            # times are checked below against `now` (injectable), the rest by PyJWT
            options={
                "require": ["exp", "iat", "iss", "aud", "sub", "token_use"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.PyJWTError as error:
        raise TokenError(f"the token is not valid: {error}") from None
    moment = now()
    if int(claims["exp"]) + LEEWAY_S <= moment:
        raise TokenError("the token has expired")
    if int(claims["iat"]) - LEEWAY_S > moment:
        raise TokenError("the token was issued in the future")
    if claims.get("token_use") != "id":
        raise TokenError("not an ID token")
    email = claims.get("email")
    if not isinstance(email, str) or not email:
        raise TokenError("the token names no e-mail")
    return IdentityClaims(sub=str(claims["sub"]), email=email.strip().lower())
