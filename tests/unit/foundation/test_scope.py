"""Roles, the routes' access by role and the store scope check of the routing place."""

from __future__ import annotations

import pytest

from touchpoint.models.tenants import KeyKind
from touchpoint.models.users import Role
from touchpoint.web.auth import ADMIN, EDIT, READ, WRITE, Principal
from touchpoint.web.errors import ApiError
from touchpoint.web.scope import can_see, check_named_locations, require_location, visible

BERLIN = Principal(
    "acme", None, role=Role.EDITOR, user_id="u", email="b@acme.example", locations=frozenset({"berlin"})
)
EVERY_STORE = Principal("acme", None, role=Role.ADMIN, user_id="a", email="a@acme.example")


def test_roles_are_ordered() -> None:
    assert Role.ADMIN.at_least(Role.EDITOR) and Role.EDITOR.at_least(Role.VIEWER)
    assert not Role.VIEWER.at_least(Role.EDITOR) and not Role.EDITOR.at_least(Role.ADMIN)


@pytest.mark.parametrize(
    ("access", "admitted"),
    [
        (READ, {Role.VIEWER, Role.EDITOR, Role.ADMIN}),
        (EDIT, {Role.EDITOR, Role.ADMIN}),
        (ADMIN, {Role.ADMIN}),
        (WRITE, set()),
    ],
)
def test_each_access_admits_the_roles_at_least_its_own(access: object, admitted: set[Role]) -> None:
    assert {role for role in Role if access.admits_role(role)} == admitted  # type: ignore[attr-defined]
    assert not access.admits_role(None)  # type: ignore[attr-defined]


def test_keys_act_with_their_role_on_every_store() -> None:
    read = Principal.for_key("acme", KeyKind.READ, "k1")
    assert read.role is Role.VIEWER and read.locations is None and read.actor == "key:k1"
    assert Principal.for_key("acme", KeyKind.ADMIN, "k2").role is Role.ADMIN
    assert Principal.for_key("acme", KeyKind.WRITE, "k3").role is None
    assert BERLIN.actor == "user:b@acme.example" and BERLIN.is_user


def test_a_scoped_person_sees_only_their_stores_and_no_storeless_data() -> None:
    assert can_see(BERLIN, "berlin") and not can_see(BERLIN, "hamburg") and not can_see(BERLIN, None)
    assert can_see(EVERY_STORE, "hamburg") and can_see(EVERY_STORE, None) and can_see(None, "x")
    rows = [("a", "berlin"), ("b", "hamburg"), ("c", None)]
    assert visible(BERLIN, rows, lambda row: row[1]) == [("a", "berlin")]
    with pytest.raises(ApiError) as refused:
        require_location(BERLIN, "hamburg")
    assert refused.value.status == 404


@pytest.mark.parametrize(
    ("params", "query"),
    [
        ({"location_id": "hamburg"}, None),
        ({}, {"location": "hamburg"}),
        ({}, {"location_id": "hamburg"}),
    ],
)
def test_a_request_naming_another_store_is_refused_like_an_unknown_store(
    params: dict[str, str], query: dict[str, str] | None
) -> None:
    with pytest.raises(ApiError) as refused:
        check_named_locations(BERLIN, params, query)
    assert refused.value.status == 404 and refused.value.code == "not_found"
    check_named_locations(EVERY_STORE, params, query)  # the whole tenant's view may name any store


def test_naming_the_own_store_or_none_passes() -> None:
    check_named_locations(BERLIN, {"location_id": "berlin"}, {"location": "berlin"})
    check_named_locations(BERLIN, {"survey_id": "s1"}, {"from": "2024-05-01"})
