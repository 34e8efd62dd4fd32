"""The user pool and app client of infra/template.yaml, as the tests and the local stack create them."""

from __future__ import annotations

import boto3

from touchpoint.runtime import Runtime


def test_the_pool_takes_e_mails_admin_created_users_and_a_password_policy(aws: Runtime) -> None:
    cognito = boto3.client("cognito-idp", region_name="eu-central-1")
    ids = aws.accounts.directory().ids
    pool = cognito.describe_user_pool(UserPoolId=ids.pool_id)["UserPool"]
    assert pool["Name"] == aws.settings.user_pool_name == "touchpoint-test-users"
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == 12 and policy["RequireUppercase"] and policy["RequireNumbers"]
    assert pool["AccountRecoverySetting"]["RecoveryMechanisms"] == [{"Name": "verified_email", "Priority": 1}]
    client = cognito.describe_user_pool_client(UserPoolId=ids.pool_id, ClientId=ids.client_id)[
        "UserPoolClient"
    ]
    assert client["ClientName"] == aws.settings.user_pool_client_name
    assert "ClientSecret" not in client
    assert sorted(client["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"]
