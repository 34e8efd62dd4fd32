"""Privacy rules applied before anything about a person is stored (used by ingest).

- Consent: an event whose `context.consent` denies analytics is not stored at all.
- IP addresses are truncated (IPv4 to its /24, IPv6 to its /48); a value that is not an IP
  address is dropped.
- Contact traits (`email`, `phone`) are replaced by a salted hash unless the tenant opted in to
  storing them. The salt is per tenant and derived from the deployment's secret pepper, so the
  same address always gives the same hash within a tenant (erasure can find it) while the hash
  cannot be reversed with a dictionary without the pepper.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Mapping
from typing import Any

CONTACT_TRAITS: tuple[str, ...] = ("email", "phone")
HASH_PREFIX = "hmac-sha256:"
_ANALYTICS_KEYS = {"analytics", "analytics_storage", "analyticsstorage"}
_DENIED_WORDS = {"denied", "deny", "false", "no", "0", "off", "rejected", "declined", "opt-out", "optout"}


def _denies(value: Any) -> bool:
    if value is False:
        return True
    if isinstance(value, str):
        return value.strip().lower() in _DENIED_WORDS
    return isinstance(value, int | float) and not isinstance(value, bool) and value == 0


def analytics_denied(consent: Any) -> bool:
    """True when a `context.consent` value denies analytics.

    Understood shapes: `{"analytics": false}`, Segment's `{"categoryPreferences": {"Analytics":
    false}}`, Google consent mode's `{"analytics_storage": "denied"}` (key names are matched
    without regard to case), and a bare `false` / `"denied"` for the whole consent.
    """
    if consent is None:
        return False
    if not isinstance(consent, Mapping):
        return _denies(consent)
    scopes: list[Mapping[str, Any]] = [consent]
    for nested in ("categoryPreferences", "category_preferences", "categories", "preferences"):
        inner = consent.get(nested)
        if isinstance(inner, Mapping):
            scopes.append(inner)
    for scope in scopes:
        for key, value in scope.items():
            if (
                isinstance(key, str)
                and key.strip().lower().replace("-", "_") in _ANALYTICS_KEYS
                and _denies(value)
            ):
                return True
    return False


def _is_octet(text: str) -> bool:
    return (
        text.isascii()
        and text.isdigit()
        and len(text) <= 3
        and int(text) <= 255
        and (text == "0" or text[0] != "0")
    )


def truncate_ip(value: Any) -> str | None:
    """The address with its host part zeroed (IPv4 /24, IPv6 /48), or None if it is not an IP."""
    if not isinstance(value, str):
        return None
    octets = value.strip().split(".")
    if len(octets) == 4 and all(_is_octet(o) for o in octets):  # the common case, without ipaddress
        return f"{octets[0]}.{octets[1]}.{octets[2]}.0"
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def contact_salt(tenant_id: str, pepper: str) -> bytes:
    """The per-tenant key of contact hashes (derived from the deployment's secret pepper)."""
    return hmac.new(pepper.encode("utf-8"), f"contact-traits:{tenant_id}".encode(), hashlib.sha256).digest()


def normalize_contact(kind: str, value: Any) -> str:
    """The form a contact value is hashed in: e-mail trimmed and lower-cased, phone digits and `+`."""
    text = str(value).strip()
    if kind == "phone":
        return "".join(ch for ch in text if ch.isdigit() or ch == "+")
    return text.lower()


def contact_hash(salt: bytes, kind: str, value: Any) -> str:
    """`hmac-sha256:<hex>` of the normalized contact value."""
    # surrogatepass: a refused event's lone surrogate is still hashed before it goes to quarantine
    text = normalize_contact(kind, value).encode("utf-8", "surrogatepass")
    digest = hmac.new(salt, text, hashlib.sha256).hexdigest()
    return HASH_PREFIX + digest


def protect_contact_traits(traits: Mapping[str, Any], salt: bytes) -> dict[str, Any] | None:
    """A copy of `traits` with `email` / `phone` replaced by `email_hash` / `phone_hash`.

    Returns None when the traits hold no contact value (nothing to change). Keys are matched
    without regard to case; empty values are dropped.
    """
    found = [k for k in traits if isinstance(k, str) and k.lower() in CONTACT_TRAITS]
    if not found:
        return None
    protected = {k: v for k, v in traits.items() if k not in found}
    for key in found:
        value = traits[key]
        kind = key.lower()
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, dict | list):
            continue  # not a contact value; dropped rather than stored in the clear
        protected[f"{kind}_hash"] = contact_hash(salt, kind, value)
    return protected
