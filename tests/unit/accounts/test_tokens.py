"""ID token verification: only a token of this pool and client, signed with its key, unexpired, for identity."""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from touchpoint.accounts.tokens import (
    StaticKeys,
    TokenError,
    UrlKeys,
    issuer,
    jwks_url,
    verify_id_token,
)

POOL = "eu-central-1_abc"
CLIENT = "client123"
ISS = issuer("eu-central-1", POOL)
NOW = 1_800_000_000.0


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEY, OTHER_KEY = _key(), _key()


def _jwks(key: rsa.RSAPrivateKey, kid: str = "k1") -> dict[str, Any]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**public, "kid": kid, "alg": "RS256", "use": "sig"}]}


KEYS = StaticKeys(_jwks(KEY))


def _token(key: rsa.RSAPrivateKey = KEY, kid: str = "k1", alg: str = "RS256", **changes: Any) -> str:
    claims: dict[str, Any] = {
        "iss": ISS,
        "aud": CLIENT,
        "sub": "0f1e-user",
        "email": "Anna@Example.com",
        "token_use": "id",
        "iat": int(NOW) - 10,
        "exp": int(NOW) + 3600,
    }
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


def _verify(token: str, keys: Any = KEYS) -> Any:
    return verify_id_token(token, keys, iss=ISS, audience=CLIENT, now=lambda: NOW)


def test_a_valid_id_token_gives_the_user_and_the_e_mail_in_lower_case() -> None:
    claims = _verify(_token())
    assert (claims.sub, claims.email) == ("0f1e-user", "anna@example.com")


@pytest.mark.parametrize(
    ("token", "why"),
    [
        (_token(iss="https://cognito-idp.eu-central-1.amazonaws.com/other"), "wrong issuer"),
        (_token(aud="another-client"), "wrong audience"),
        (_token(exp=int(NOW) - 3600), "expired"),
        (_token(token_use="access"), "an access token"),
        (_token(token_use=None), "no token_use"),
        (_token(email=None), "no e-mail"),
        (_token(exp=None), "no expiry"),
        (_token(key=OTHER_KEY), "signed with another key"),
        (_token(kid="unknown"), "a key the pool does not publish"),
        (_token()[:-4] + "AAAA", "a changed signature"),
        ("not-a-token", "malformed"),
    ],
)
def test_every_other_token_is_refused(token: str, why: str) -> None:
    with pytest.raises(TokenError):
        _verify(token)


def test_an_unsigned_or_hmac_token_is_refused() -> None:
    unsigned = jwt.encode(
        {
            "iss": ISS,
            "aud": CLIENT,
            "sub": "x",
            "email": "a@b.de",
            "token_use": "id",
            "iat": int(NOW),
            "exp": int(NOW) + 60,
        },
        "",
        algorithm="none",
        headers={"kid": "k1"},
    )
    with pytest.raises(TokenError):
        _verify(unsigned)
    # algorithm confusion: an HMAC "signed" with the published key's modulus
    hmac_token = jwt.encode(
        {"iss": ISS}, str(KEYS.document["keys"][0]["n"]), algorithm="HS256", headers={"kid": "k1"}
    )
    with pytest.raises(TokenError):
        _verify(hmac_token)


def test_keys_are_fetched_once_and_again_only_for_an_unknown_key() -> None:
    fetched: list[str] = []
    documents = [_jwks(OTHER_KEY, "old"), _jwks(KEY, "k1")]

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return json.dumps(documents[min(len(fetched) - 1, 1)]).encode()

    source = UrlKeys(jwks_url("eu-central-1", POOL), fetch)
    assert _verify(_token(), source).sub == "0f1e-user"  # the first copy lacks k1: fetched again
    assert _verify(_token(), source).sub == "0f1e-user"
    assert fetched == [f"https://cognito-idp.eu-central-1.amazonaws.com/{POOL}/.well-known/jwks.json"] * 2
    for _ in range(3):  # unknown keys again: no new fetch within 5 minutes
        with pytest.raises(TokenError):
            _verify(_token(kid="rotated"), source)
    assert len(fetched) == 2


def test_the_key_set_url_of_a_moto_server() -> None:
    assert (
        jwks_url("eu-central-1", POOL, "http://localhost:5000/")
        == f"http://localhost:5000/{POOL}/.well-known/jwks.json"
    )
