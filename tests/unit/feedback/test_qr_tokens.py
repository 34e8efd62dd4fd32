"""QR tokens: signed per tenant, short enough for a small code, refused when forged or tampered."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from touchpoint.qr.codes import form_url, make_code
from touchpoint.qr.signing import b64url_decode, b64url_encode, signature
from touchpoint.qr.tokens import TouchpointRef, parse_token, sign_token, verify_token

SECRET = "a" * 64
REF = TouchpointRef("acme", "berlin-mitte", "till-1", 1)


def test_a_signed_token_verifies_back_to_its_touchpoint() -> None:
    token = sign_token(SECRET, REF)
    assert token.startswith("acme.berlin-mitte.till-1.1.")
    assert verify_token(SECRET, token) == REF


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace("till-1", "till-2"),  # another touchpoint
        lambda t: t.replace(".1.", ".2.", 1),  # another version
        lambda t: t.replace("acme.", "globex.", 1),  # another tenant
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # a changed signature
        lambda t: t.rsplit(".", 1)[0] + ".",  # no signature
        lambda t: t + "x",
    ],
)
def test_a_tampered_token_is_refused(tamper: object) -> None:
    token = sign_token(SECRET, REF)
    assert callable(tamper)
    assert verify_token(SECRET, tamper(token)) is None


def test_another_tenants_secret_does_not_verify() -> None:
    assert verify_token("b" * 64, sign_token(SECRET, REF)) is None


@given(st.text(max_size=300))
def test_garbage_never_verifies_and_never_raises(garbage: str) -> None:
    assert verify_token(SECRET, garbage) is None


@pytest.mark.parametrize(
    "bad", ["", "a.b.c", "ACME.x.y.1.sig", "acme.x.y.0.sig", "acme.x.y.01.sig", "acme.x y.z.1.s"]
)
def test_malformed_tokens_do_not_parse(bad: str) -> None:
    assert parse_token(bad) is None


def test_ids_that_cannot_be_in_a_token_are_refused_when_signing() -> None:
    with pytest.raises(ValueError, match="cannot be part"):
        sign_token(SECRET, TouchpointRef("acme", "berlin.mitte", "till-1", 1))
    with pytest.raises(ValueError, match="start at 1"):
        sign_token(SECRET, TouchpointRef("acme", "berlin", "till-1", 0))


def test_signature_has_at_least_96_bits_and_purposes_differ() -> None:
    sig = signature(SECRET, "qr", "message")
    raw = b64url_decode(sig)
    assert raw is not None and len(raw) * 8 >= 96
    assert signature(SECRET, "form", "message") != sig
    with pytest.raises(ValueError, match="too easy"):
        signature(SECRET, "qr", "message", length=8)
    assert b64url_decode(b64url_encode(b"\xff\x00")) == b"\xff\x00"
    assert b64url_decode("***") is None


@pytest.mark.parametrize(
    ("base_url", "ids"),
    [
        ("https://feedback.example-brand.com", ("fashion-brand", "hamburg-city", "fitting-room-2")),
        ("https://touchpoint.example.com", ("acme", "berlin-mitte", "till-1")),
        ("https://abcde12345.execute-api.eu-central-1.amazonaws.com/api", ("acme", "berlin", "till1")),
    ],
)
def test_a_typical_form_url_fits_a_version_6_code_at_level_m(
    base_url: str, ids: tuple[str, str, str]
) -> None:
    # Budget: version 6-M holds 106 bytes; the URL is base + ids + 24 characters (one-digit version).
    import segno

    token = sign_token(SECRET, TouchpointRef(*ids, 3))
    url = form_url(base_url, token)
    assert len(url) == len(base_url) + sum(map(len, ids)) + 24
    strict_version = segno.make_qr(url, error="m", boost_error=False).version
    assert isinstance(strict_version, int) and strict_version <= 6
    code = make_code(url)
    assert isinstance(code.version, int) and code.version <= 6 and code.error in ("M", "Q", "H")
