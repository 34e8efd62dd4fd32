"""Privacy: what is kept about a person, for how long, and how it is found and removed.

- `collection`: rules applied before anything is stored (consent, IP truncation, salted contact
  hashes); re-exported here, so `from touchpoint.privacy import contact_hash` keeps working.
- `subjects`: person ids, the identity-graph closure of a person and the salted audit hash.
- `records`: which stored line belongs to a person, mentions them, or neither.
- `lake_scan`: the concurrent scan (and rewrite) of a tenant's lake partitions.
- `erasure`, `export`: `DELETE /v1/people/{id}`, `GET /v1/people/{id}/export` and the CLI.
- `retention`: the sweep for what S3 lifecycle rules and DynamoDB TTL cannot express.
- `scheduled`: the daily Lambda handler (pending erasures, then the retention sweep).

Only `collection` is imported with the package (ingest's hot path); import the others by name.
"""

from touchpoint.privacy.collection import (
    CONTACT_TRAITS,
    HASH_PREFIX,
    analytics_denied,
    contact_hash,
    contact_salt,
    normalize_contact,
    protect_contact_traits,
    truncate_ip,
)

__all__ = [
    "CONTACT_TRAITS",
    "HASH_PREFIX",
    "analytics_denied",
    "contact_hash",
    "contact_salt",
    "normalize_contact",
    "protect_contact_traits",
    "truncate_ip",
]
