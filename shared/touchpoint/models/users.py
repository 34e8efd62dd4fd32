"""Team accounts: a person of a brand's team, their role and the stores they may see.

A user signs in with e-mail and password (Amazon Cognito authenticates them); what they may do is
kept here, in the config table, and read on every request, so a changed role or store scope takes
effect at once. Roles are ordered: a viewer reads, an editor also acts (cases, surveys, stores),
an admin also runs the account (users, API keys, settings).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

#: A store scope lists at most this many stores; an empty scope means every store.
MAX_SCOPED_LOCATIONS = 200


class Role(StrEnum):
    """What a signed-in person may do, in rising order."""

    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """0 for viewer, 1 for editor, 2 for admin."""
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        """True when this role may do everything `other` may."""
        return self.rank >= other.rank


class UserStatus(StrEnum):
    """Invited (has not set a password yet), active or disabled."""

    INVITED = "invited"
    ACTIVE = "active"
    DISABLED = "disabled"


class UserRecord(BaseModel):
    """A team member of one tenant (the Cognito user's `sub` is `user_id`)."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    user_id: str
    email: str
    role: Role
    #: The stores this person may see and act on; empty: every store of the tenant (admins: always every store).
    locations: tuple[str, ...] = Field(default=(), max_length=MAX_SCOPED_LOCATIONS)
    status: UserStatus = UserStatus.INVITED
    #: Changed whenever every open session of this person must end (sign-out everywhere, reset).
    session_version: int = 0
    created_at: str = ""
    invited_by: str = ""

    @property
    def store_scope(self) -> frozenset[str] | None:
        """The stores this person is limited to, or None for every store.

        An admin runs the whole account (users, keys, settings), so an admin always sees every
        store: a store scope limits viewers and editors (store managers) only.
        """
        if self.role is Role.ADMIN or not self.locations:
            return None
        return frozenset(self.locations)
