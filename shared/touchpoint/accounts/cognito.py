"""The Cognito user pool of team accounts, wrapped: create, sign in, first password, reset, remove.

Cognito authenticates (e-mail and password); what a person may do is kept in the config table
(`touchpoint.storage.users`). Every call goes through the pool's app client without a secret
(`USER_PASSWORD_AUTH`, server side) or the admin API. Cognito's own messages are suppressed for
invitations (Touchpoint sends its own); reset codes are sent by Cognito to the verified e-mail.
Cognito's errors become the few this module names, so callers never see botocore exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from touchpoint.observability import logger

#: Cognito errors meaning "wrong e-mail or password" (never say which).
_BAD_CREDENTIALS = {"NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException"}
_TOO_MANY = {"TooManyRequestsException", "LimitExceededException", "TooManyFailedAttemptsException"}
_BAD_PASSWORD = {"InvalidPasswordException", "InvalidParameterException"}
_BAD_CODE = {"CodeMismatchException", "ExpiredCodeException"}


class DirectoryError(Exception):
    """A Cognito call was refused; `reason` is one of: credentials, too_many, password, code, exists, missing."""

    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(message or reason)
        self.reason = reason


def _refused(error: ClientError) -> DirectoryError:
    code = error.response.get("Error", {}).get("Code", "")
    message = error.response.get("Error", {}).get("Message", "")
    if code in _BAD_CREDENTIALS:
        return DirectoryError("credentials")
    if code in _TOO_MANY:
        return DirectoryError("too_many")
    if code in _BAD_PASSWORD:
        return DirectoryError("password", message)
    if code in _BAD_CODE:
        return DirectoryError("code")
    if code in ("UsernameExistsException", "AliasExistsException"):
        return DirectoryError("exists")
    if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500) < 500:
        # any other refusal (an unknown challenge session, a user or code Cognito does not know)
        logger.warning("Cognito refused", extra={"code": code})
        return DirectoryError("credentials")
    raise error


def _call(operation: Any, **arguments: Any) -> Any:
    """One Cognito call; its refusals as DirectoryError (input botocore refuses to send counts as one)."""
    try:
        return operation(**arguments)
    except ParamValidationError:
        raise DirectoryError("credentials", "the input cannot be sent to Cognito") from None
    except ClientError as error:
        raise _refused(error) from None


@dataclass(frozen=True)
class SignInStep:
    """The answer to a password: the ID token, or the session of a NEW_PASSWORD_REQUIRED challenge."""

    id_token: str | None = None
    new_password_session: str | None = None


@dataclass(frozen=True)
class PoolIds:
    """The user pool and its app client."""

    pool_id: str
    client_id: str


def find_pool(cognito: Any, pool_name: str, client_name: str) -> PoolIds:
    """The pool and client with these names (when the environment does not name them); LookupError if absent."""
    pool_id = next(
        (
            pool["Id"]
            for page in cognito.get_paginator("list_user_pools").paginate(MaxResults=60)
            for pool in page.get("UserPools", [])
            if pool.get("Name") == pool_name
        ),
        None,
    )
    if pool_id is None:
        raise LookupError(f"no Cognito user pool named {pool_name}")
    client_id = next(
        (
            client["ClientId"]
            for page in cognito.get_paginator("list_user_pool_clients").paginate(
                UserPoolId=pool_id, MaxResults=60
            )
            for client in page.get("UserPoolClients", [])
            if client.get("ClientName") == client_name
        ),
        None,
    )
    if client_id is None:
        raise LookupError(f"no app client named {client_name} in {pool_name}")
    return PoolIds(pool_id, client_id)


class CognitoDirectory:
    """The user pool's calls Touchpoint makes (`cognito` is a boto3 cognito-idp client)."""

    def __init__(self, cognito: Any, ids: PoolIds) -> None:
        self._cognito = cognito
        self.ids = ids

    def create_user(self, email: str, temporary_password: str) -> str:
        """Create a user who must choose a password at first sign-in; their `sub` (Touchpoint's user id)."""
        created = _call(
            self._cognito.admin_create_user,
            UserPoolId=self.ids.pool_id,
            Username=email,
            TemporaryPassword=temporary_password,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        )
        attributes = {a["Name"]: a["Value"] for a in created["User"].get("Attributes", [])}
        return str(attributes.get("sub") or created["User"]["Username"])

    def sign_in(self, email: str, password: str) -> SignInStep:
        """Check e-mail and password (USER_PASSWORD_AUTH)."""
        answer = _call(
            self._cognito.initiate_auth,
            ClientId=self.ids.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
        return self._step(answer)

    def set_first_password(self, email: str, session: str, new_password: str) -> SignInStep:
        """Answer NEW_PASSWORD_REQUIRED with the person's own password."""
        answer = _call(
            self._cognito.respond_to_auth_challenge,
            ClientId=self.ids.client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=session,
            ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": new_password},
        )
        return self._step(answer)

    @staticmethod
    def _step(answer: dict[str, Any]) -> SignInStep:
        if answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            return SignInStep(new_password_session=str(answer["Session"]))
        token = answer.get("AuthenticationResult", {}).get("IdToken")
        if not token:
            raise DirectoryError("credentials", f"unsupported sign-in step {answer.get('ChallengeName')}")
        return SignInStep(id_token=str(token))

    def forgot_password(self, email: str) -> None:
        """Have Cognito e-mail a reset code (says nothing about whether the e-mail is known)."""
        try:
            _call(self._cognito.forgot_password, ClientId=self.ids.client_id, Username=email)
        except DirectoryError as refused:
            if refused.reason != "credentials":
                raise

    def confirm_forgot_password(self, email: str, code: str, new_password: str) -> None:
        """Set a new password with the e-mailed code."""
        _call(
            self._cognito.confirm_forgot_password,
            ClientId=self.ids.client_id,
            Username=email,
            ConfirmationCode=code,
            Password=new_password,
        )

    def remove(self, email: str) -> None:
        """Sign the user out everywhere, disable and delete them (already gone: nothing to do)."""
        for call in (
            self._cognito.admin_user_global_sign_out,
            self._cognito.admin_disable_user,
            self._cognito.admin_delete_user,
        ):
            try:
                call(UserPoolId=self.ids.pool_id, Username=email)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "UserNotFoundException":
                    raise
                return
