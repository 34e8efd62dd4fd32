"""Builds the account service of a runtime: the pool (named by settings or found by name), its keys."""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING

from touchpoint.accounts.cognito import CognitoDirectory, PoolIds, find_pool
from touchpoint.accounts.service import AccountService
from touchpoint.accounts.tokens import KeySource, UrlKeys, jwks_url
from touchpoint.storage.sign_in_attempts import SignInAttempts

if TYPE_CHECKING:
    from touchpoint.runtime import Runtime


def account_service(runtime: Runtime) -> AccountService:
    """The account service of `runtime` (Cognito client, pool ids and keys made on first use)."""
    settings = runtime.settings

    @cache
    def directory() -> CognitoDirectory:
        client = runtime.clients.cognito
        if settings.user_pool_id_value and settings.user_pool_client_id_value:
            ids = PoolIds(settings.user_pool_id_value, settings.user_pool_client_id_value)
        else:
            ids = find_pool(client, settings.user_pool_name, settings.user_pool_client_name)
        return CognitoDirectory(client, ids)

    @cache
    def keys() -> KeySource:
        endpoint = os.environ.get("AWS_ENDPOINT_URL_COGNITO_IDP") or os.environ.get("AWS_ENDPOINT_URL")
        return UrlKeys(jwks_url(settings.region, directory().ids.pool_id, endpoint))

    return AccountService(
        users=runtime.users,
        directory=directory,
        key_source=keys,
        region=settings.region,
        audit=runtime.audit,
        locations=runtime.locations,
        tenants=runtime.tenants,
        attempts=SignInAttempts(runtime.clients.dynamodb, settings.state_table),
        pepper=lambda: settings.key_pepper,
        mail_from=settings.mail_from,
        ses=lambda: runtime.clients.ses,
    )
