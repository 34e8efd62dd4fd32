"""Privacy rules: consent, IP truncation and salted contact hashes."""

from __future__ import annotations

from typing import Any

import pytest

from touchpoint.privacy import (
    analytics_denied,
    contact_hash,
    contact_salt,
    protect_contact_traits,
    truncate_ip,
)


@pytest.mark.parametrize(
    ("consent", "denied"),
    [
        (None, False),
        ({}, False),
        ({"analytics": True}, False),
        ({"analytics": False}, True),
        ({"Analytics": "no"}, True),
        ({"categoryPreferences": {"Analytics": False}}, True),
        ({"categoryPreferences": {"Advertising": False, "Analytics": True}}, False),
        ({"analytics_storage": "denied", "ad_storage": "granted"}, True),
        ({"analytics_storage": "granted"}, False),
        ("denied", True),
        (False, True),
        (True, False),
        ([1, 2], False),
    ],
)
def test_analytics_consent(consent: Any, denied: bool) -> None:
    assert analytics_denied(consent) is denied


def test_truncated_ips_keep_only_the_network() -> None:
    assert truncate_ip("192.0.2.255") == "192.0.2.0"
    assert truncate_ip("2001:db8:1:2:3::9") == "2001:db8:1::"
    assert truncate_ip(12) is None and truncate_ip("") is None


def test_contact_hashes_are_salted_per_tenant_and_normalised() -> None:
    acme, globex = contact_salt("acme", "pepper-0123456789"), contact_salt("globex", "pepper-0123456789")
    assert contact_hash(acme, "email", "A@B.de ") == contact_hash(acme, "email", "a@b.de")
    assert contact_hash(acme, "email", "a@b.de") != contact_hash(globex, "email", "a@b.de")
    assert contact_hash(acme, "phone", "+49 30 12") == contact_hash(acme, "phone", "+493012")
    assert contact_salt("acme", "other-pepper-000") != acme


def test_protect_contact_traits() -> None:
    salt = contact_salt("acme", "")
    assert protect_contact_traits({"plan": "gold"}, salt) is None
    protected = protect_contact_traits({"email": "a@b.de", "phone": "", "name": "Ada"}, salt)
    assert protected == {"name": "Ada", "email_hash": contact_hash(salt, "email", "a@b.de")}


def test_empty_contact_values_are_dropped_not_kept() -> None:
    assert protect_contact_traits({"email": None, "phone": " "}, contact_salt("acme", "")) == {}
