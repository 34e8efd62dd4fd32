"""Team accounts in tests: moto's Cognito keys, the invitation e-mails moto's SES kept, a signed-in browser."""

from __future__ import annotations

import re
from typing import Any

from chalice.test import Client
from moto.cognitoidp.models import cognitoidp_backends
from moto.ses.models import ses_backends
from moto.utilities.utils import load_resource

from touchpoint.accounts.tokens import StaticKeys
from touchpoint.runtime import Runtime

REGION = "eu-central-1"
DEFAULT_ACCOUNT_ID = "123456789012"  # moto's account
SENDER = "touchpoint@example.com"
FORM = {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}


def moto_keys() -> StaticKeys:
    """The public keys moto's Cognito signs ID tokens with."""
    return StaticKeys(load_resource("cognitoidp/resources/jwks-public.json"))


def enable_accounts(runtime: Runtime) -> None:
    """Moto's keys as the pool's keys; invitations sent from a verified SES sender."""
    import boto3

    boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=SENDER)
    runtime.accounts.key_source = moto_keys
    runtime.accounts.mail_from = SENDER


def sent_mails() -> list[Any]:
    """Every e-mail moto's SES accepted."""
    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


def temporary_password_in(body: str) -> str:
    """The temporary password an invitation e-mail names."""
    match = re.search(r"(?:Vorläufiges Passwort|Temporary password): (\S+)", body)
    assert match, body
    return match.group(1)


def reset_code(runtime: Runtime, email: str) -> str:
    """The reset code moto's Cognito made for an e-mail (Cognito would e-mail it)."""
    pool_id = runtime.accounts.directory().ids.pool_id
    pool = cognitoidp_backends[DEFAULT_ACCOUNT_ID][REGION].user_pools[pool_id]
    user = pool._get_user(email)
    return str(user.confirmation_code)


def hidden(page: str, name: str) -> str:
    """A hidden field's value on a page."""
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no {name} on the page"
    return match.group(1).replace("&#34;", '"').replace("&amp;", "&")


def post_form(api: Client, path: str, fields: dict[str, str], headers: dict[str, str] | None = None) -> Any:
    """Post an urlencoded form from this site."""
    from urllib.parse import urlencode

    return api.http.post(path, headers={**FORM, **(headers or {})}, body=urlencode(fields))


def cookie_of(response: Any) -> dict[str, str]:
    """The session cookie a sign-in set, as request headers."""
    value = response.headers["Set-Cookie"].split(";", 1)[0]
    return {"Cookie": value, "Sec-Fetch-Site": "same-origin"}
