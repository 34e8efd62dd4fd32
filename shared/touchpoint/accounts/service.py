"""Team accounts: invite, list, change role and store scope, remove; sign in, first password, reset.

Cognito (`touchpoint.accounts.cognito`) checks e-mail and password; the user's record in the
config table (`touchpoint.storage.users`) says what they may do and is the one place a session is
checked against. A sign-in counts only when the ID token Cognito returns verifies against the
pool's keys (`touchpoint.accounts.tokens`). Every change to users and every burst of failed
sign-ins is written to the audit log. Errors are `ApiError`s with codes the console translates.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from touchpoint.accounts.cognito import CognitoDirectory, DirectoryError
from touchpoint.accounts.invitations import invitation_mail, send_invitation, temporary_password
from touchpoint.accounts.tokens import KeySource, TokenError, issuer, verify_id_token
from touchpoint.models.users import MAX_SCOPED_LOCATIONS, Role, UserRecord, UserStatus
from touchpoint.observability import logger
from touchpoint.storage.audit import Actor, AuditRepository
from touchpoint.storage.locations import LocationRepository
from touchpoint.storage.sign_in_attempts import MAX_FAILURES, SignInAttempts
from touchpoint.storage.tenants import TenantRepository
from touchpoint.storage.users import UserExistsError, UserNotFoundError, UserRepository, normalize_email
from touchpoint.web.errors import ApiError
from touchpoint.web.locale import Lang
from touchpoint.web.signin_sessions import issue_user_session

_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,63}$")
MAX_PASSWORD = 256


def _error(status: int, code: str, message: str, field: str | None = None) -> ApiError:
    return ApiError(status, code, message, field=field)


def check_email(email: str) -> str:
    """The e-mail normalised; 400 `invalid_email` when it is not one."""
    normalized = normalize_email(email)
    if len(normalized) > 254 or not _EMAIL_RE.match(normalized):
        raise _error(400, "invalid_email", "the e-mail address is not valid", "email")
    return normalized


def check_role(role: str) -> Role:
    """The role named; 400 `invalid_role` otherwise."""
    try:
        return Role(role.strip().lower())
    except ValueError:
        raise _error(400, "invalid_role", "the role must be viewer, editor or admin", "role") from None


@dataclass(frozen=True)
class Invitation:
    """An invited user and how they learn it: `mailed`, or the temporary password to pass on (shown once)."""

    user: UserRecord
    temporary_password: str
    mailed: bool


@dataclass(frozen=True)
class SignInOutcome:
    """A sign-in's result: a session value, a first-password challenge, or why not (`error`: a text key)."""

    session: str | None = None
    user: UserRecord | None = None
    new_password_session: str | None = None
    error: str | None = None
    detail: str = ""


@dataclass
class AccountService:
    """Team accounts of every tenant (one per container, through `runtime.accounts`)."""

    users: UserRepository
    directory: Callable[[], CognitoDirectory]
    key_source: Callable[[], KeySource]
    region: str
    audit: AuditRepository
    locations: LocationRepository
    tenants: TenantRepository
    attempts: SignInAttempts
    pepper: Callable[[], str]
    mail_from: str = ""
    ses: Callable[[], Any] | None = None
    clock: Callable[[], float] = time.time

    # Administration ---------------------------------------------------------------------------

    def _scope(self, tenant_id: str, locations: Sequence[str]) -> tuple[str, ...]:
        wanted = tuple(dict.fromkeys(loc.strip() for loc in locations if loc.strip()))
        if len(wanted) > MAX_SCOPED_LOCATIONS:
            raise _error(400, "too_many_locations", f"at most {MAX_SCOPED_LOCATIONS} stores", "locations")
        known = {loc.location_id for loc in self.locations.list_locations(tenant_id)} if wanted else set()
        unknown = [loc for loc in wanted if loc not in known]
        if unknown:
            raise _error(400, "unknown_location", f"unknown store: {', '.join(unknown[:5])}", "locations")
        return wanted

    def invite(
        self,
        who: Actor,
        email: str,
        role: str,
        locations: Sequence[str] = (),
        *,
        sign_in_url: str,
        lang: Lang = "de",
    ) -> Invitation:
        """Create the user in Cognito and here, then e-mail the invitation (when a sender is configured)."""
        tenant_id = who.tenant_id
        address, chosen, scope = check_email(email), check_role(role), self._scope(tenant_id, locations)
        if self.users.find_by_email(address) is not None:
            raise _error(409, "email_taken", "this e-mail has an account already", "email")
        tenant = self.tenants.get_tenant(tenant_id)
        if tenant is None:
            raise _error(404, "not_found", "tenant not found")
        password = temporary_password()
        directory = self.directory()
        try:
            user_id = directory.create_user(address, password)
        except DirectoryError as error:
            code = "email_taken" if error.reason == "exists" else "directory_refused"
            raise _error(409, code, "the account could not be created", "email") from None
        record = UserRecord(
            tenant_id=tenant_id,
            user_id=user_id,
            email=address,
            role=chosen,
            locations=scope,
            invited_by=who.actor,
        )
        try:
            record = self.users.create(record)
        except UserExistsError:
            directory.remove(address)  # another invitation won the race: leave no orphan in the pool
            raise _error(409, "email_taken", "this e-mail has an account already", "email") from None
        mailed = self._mail(lang, record, tenant.name, who.actor, sign_in_url, password)
        self.audit.record(
            who,
            "users.invite",
            f"user:{address}",
            {"role": chosen.value, "locations": list(scope), "mailed": mailed},
        )
        return Invitation(record, password, mailed)

    def _mail(
        self, lang: Lang, record: UserRecord, tenant: str, inviter: str, link: str, password: str
    ) -> bool:
        if not self.mail_from or self.ses is None:
            return False
        mail = invitation_mail(
            lang,
            email=record.email,
            tenant_name=tenant,
            role=record.role.value,
            inviter=inviter.removeprefix("user:"),
            link=link,
            password=password,
        )
        try:
            send_invitation(self.ses(), self.mail_from, mail)
        except Exception as error:
            logger.warning("invitation not sent", extra={"error": type(error).__name__})
            return False
        return True

    def list_users(self, tenant_id: str) -> list[UserRecord]:
        """The tenant's users, by e-mail."""
        return self.users.list(tenant_id)

    def _user(self, tenant_id: str, user_id: str) -> UserRecord:
        record = self.users.get(tenant_id, user_id)
        if record is None:
            raise _error(404, "not_found", "user not found")
        return record

    def _not_self(self, who: Actor, record: UserRecord) -> None:
        if getattr(who, "user_id", None) == record.user_id:
            raise _error(409, "self_change", "you cannot change or remove your own account here")

    def change(
        self, who: Actor, user_id: str, *, role: str | None = None, locations: Sequence[str] | None = None
    ) -> UserRecord:
        """Set a user's role and/or store scope (acts on their next request)."""
        record = self._user(who.tenant_id, user_id)
        self._not_self(who, record)
        chosen = check_role(role) if role is not None else None
        scope = self._scope(who.tenant_id, locations) if locations is not None else None
        try:
            changed = self.users.update(who.tenant_id, user_id, role=chosen, locations=scope)
        except UserNotFoundError:
            raise _error(404, "not_found", "user not found") from None
        before = {"role": record.role.value, "locations": list(record.locations)}
        after = {"role": changed.role.value, "locations": list(changed.locations)}
        if before != after:
            self.audit.record(who, "users.change", f"user:{record.email}", {"before": before, "after": after})
        return changed

    def remove(self, who: Actor, user_id: str) -> UserRecord:
        """Disable and delete the user in Cognito and here; their sessions end at once."""
        record = self._user(who.tenant_id, user_id)
        self._not_self(who, record)
        self.directory().remove(record.email)
        self.users.delete(record)
        self.audit.record(who, "users.remove", f"user:{record.email}", {"role": record.role.value})
        return record

    # Sign-in ----------------------------------------------------------------------------------

    def _session_for(self, user_id: str, email: str) -> SignInOutcome:
        record = self.users.find_by_email(email)
        if record is None or record.user_id != user_id or record.status is UserStatus.DISABLED:
            return SignInOutcome(error="account_failed")
        if record.status is UserStatus.INVITED:
            record = self.users.update(record.tenant_id, record.user_id, status=UserStatus.ACTIVE)
        found = self.users.get_with_session_salt(record.tenant_id, record.user_id)
        if found is None:
            return SignInOutcome(error="account_failed")
        value = issue_user_session(found[0], found[1], self.pepper(), self.clock())
        return SignInOutcome(session=value, user=found[0])

    def _verified(self, id_token: str) -> SignInOutcome:
        ids = self.directory().ids
        try:
            claims = verify_id_token(
                id_token,
                self.key_source(),
                iss=issuer(self.region, ids.pool_id),
                audience=ids.client_id,
                now=self.clock,
            )
        except TokenError as error:
            logger.warning("ID token refused", extra={"reason": str(error)})
            return SignInOutcome(error="account_failed")
        return self._session_for(claims.sub, claims.email)

    def _failed(self, email: str) -> SignInOutcome:
        count = self.attempts.failed(email)
        if count == MAX_FAILURES:
            record = self.users.find_by_email(email)
            if record is not None:
                self.audit.record(
                    _System(record.tenant_id), "users.sign_in_failures", f"user:{email}", {"failures": count}
                )
        return SignInOutcome(error="account_failed")

    def _step(self, email: str, call: Callable[[], Any]) -> SignInOutcome:
        try:
            step = call()
        except DirectoryError as error:
            if error.reason == "credentials":
                return self._failed(email)
            if error.reason == "password":
                return SignInOutcome(error="password_rejected", detail=str(error))
            if error.reason == "too_many":
                return SignInOutcome(error="too_many_attempts")
            return SignInOutcome(error="account_failed")
        if step.new_password_session is not None:
            return SignInOutcome(new_password_session=step.new_password_session)
        return self._verified(step.id_token)

    def sign_in(self, email: str, password: str) -> SignInOutcome:
        """Check e-mail and password; a session, a first-password challenge, or an error key."""
        address = normalize_email(email)
        if not address or not password or len(password) > MAX_PASSWORD or len(address) > 254:
            return SignInOutcome(error="account_failed")
        if self.attempts.blocked(address):
            return SignInOutcome(error="too_many_attempts")
        return self._step(address, lambda: self.directory().sign_in(address, password))

    def set_first_password(self, email: str, challenge: str, new_password: str) -> SignInOutcome:
        """Answer the first-password challenge with the person's own password; a session on success."""
        address = normalize_email(email)
        if not address or not challenge or not new_password or len(new_password) > MAX_PASSWORD:
            return SignInOutcome(error="password_rejected")
        return self._step(
            address, lambda: self.directory().set_first_password(address, challenge, new_password)
        )

    def request_reset(self, email: str) -> None:
        """Have a reset code e-mailed (the same answer whether or not the e-mail is known)."""
        address = normalize_email(email)
        if not address or len(address) > 254 or self.attempts.blocked(address):
            return
        try:
            self.directory().forgot_password(address)
        except DirectoryError:
            self.attempts.failed(address)

    def confirm_reset(self, email: str, code: str, new_password: str) -> str | None:
        """Set a new password with the code; None on success (every open session ends), else an error key."""
        address = normalize_email(email)
        if not address or not code.strip() or not new_password or len(new_password) > MAX_PASSWORD:
            return "reset_failed"
        if self.attempts.blocked(address):
            return "too_many_attempts"
        try:
            self.directory().confirm_forgot_password(address, code.strip(), new_password)
        except DirectoryError as error:
            if error.reason == "password":
                return "password_rejected"
            self.attempts.failed(address)
            return "too_many_attempts" if error.reason == "too_many" else "reset_failed"
        record = self.users.find_by_email(address)
        if record is not None:
            self.users.update(record.tenant_id, record.user_id, end_sessions=True)
            self.audit.record(_System(record.tenant_id), "users.password_reset", f"user:{address}", {})
        return None


@dataclass(frozen=True)
class _System:
    """Touchpoint itself as the actor (sign-in failures, resets)."""

    tenant_id: str

    @property
    def actor(self) -> str:
        return "system:sign-in"
