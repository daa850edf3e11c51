"""The OpenID Connect relying party: discovery, the authorization redirect, the code
exchange (django-allauth's OAuth2 client, PKCE S256) and the ID token's checks.

django-allauth's stock OIDC provider trusts an ID token fetched over TLS without its
signature and sends no nonce; here the signature (the provider's JWKS), the issuer, the
audience, the expiry and the nonce are all checked, and each refusal says which.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import jwt
import requests
from allauth.socialaccount.providers.oauth2.client import OAuth2Client, OAuth2Error
from allauth.socialaccount.providers.oauth2.utils import generate_code_challenge
from django.http import HttpRequest

from common.outbound import OutboundRefused
from identity.outbound import GuardedSession

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]
LEEWAY_SECONDS = 30
SCOPES = ["openid", "email", "profile"]


class SSOError(Exception):
    """A refused SSO sign-in; the message is shown to the person signing in."""


MESSAGES = {
    "unreachable": (
        "The identity provider could not be reached (its discovery document did not load). "
        "Ask your OrgVault admin to check the provider's issuer URL."
    ),
    "issuer": (
        "Sign-in refused: the ID token was issued by another issuer than the one configured "
        "for this provider."
    ),
    "signature": (
        "Sign-in refused: the ID token's signature does not match the identity provider's "
        "published keys."
    ),
    "expired": (
        "Sign-in refused: the ID token has expired. Try again; if it keeps happening, check "
        "the clocks of OrgVault and the identity provider."
    ),
    "nonce": "Sign-in refused: the ID token was not issued for this sign-in (nonce mismatch).",
    "audience": "Sign-in refused: the ID token was issued for another client.",
    "invalid": "Sign-in refused: the identity provider's ID token is not valid.",
    "exchange": "Sign-in refused: the identity provider did not accept the sign-in code.",
}


def _fail(kind: str) -> SSOError:
    return SSOError(MESSAGES[kind])


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def discover(issuer: str) -> dict[str, Any]:
    """The provider's discovery document; its `issuer` must be the configured one."""
    try:
        with GuardedSession() as session:
            response = session.get(discovery_url(issuer))
            response.raise_for_status()
            config = response.json()
    except (OutboundRefused, requests.RequestException, ValueError):
        raise _fail("unreachable") from None
    needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if not isinstance(config, dict) or not all(isinstance(config.get(k), str) for k in needed):
        raise _fail("unreachable")
    if config["issuer"].rstrip("/") != issuer.rstrip("/"):
        raise _fail("issuer")
    return config


@dataclass(frozen=True)
class Authorization:
    url: str
    state: str
    nonce: str
    code_verifier: str


def authorization(*, config: dict[str, Any], client_id: str, redirect_uri: str) -> Authorization:
    """Where to send the browser, with a fresh state, nonce and PKCE verifier."""
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    pkce = generate_code_challenge()
    client = OAuth2Client(None, client_id, "", "POST", config["token_endpoint"], redirect_uri)
    client.state = state
    url = client.get_redirect_url(
        config["authorization_endpoint"],
        SCOPES,
        {
            "nonce": nonce,
            "code_challenge": pkce["code_challenge"].decode(),
            "code_challenge_method": pkce["code_challenge_method"],
        },
    )
    return Authorization(url=url, state=state, nonce=nonce, code_verifier=pkce["code_verifier"])


def exchange_code(
    *,
    request: HttpRequest,
    config: dict[str, Any],
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    code: str,
    code_verifier: str,
) -> str:
    """The ID token (compact JWT) for an authorization code."""
    methods = config.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    client = OAuth2Client(
        request,
        client_id,
        client_secret,
        "POST",
        config["token_endpoint"],
        redirect_uri,
        basic_auth="client_secret_post" not in methods,
    )
    try:
        token = client.get_access_token(code, pkce_code_verifier=code_verifier)
    except (OAuth2Error, OutboundRefused, requests.RequestException, ValueError):
        raise _fail("exchange") from None
    id_token = token.get("id_token") if isinstance(token, dict) else None
    if not isinstance(id_token, str):
        raise _fail("exchange")
    return id_token


def _signing_key(config: dict[str, Any], id_token: str) -> jwt.PyJWK:
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError:
        raise _fail("invalid") from None
    if header.get("alg") not in ALGORITHMS:
        raise _fail("signature")
    try:
        with GuardedSession() as session:
            response = session.get(config["jwks_uri"])
            response.raise_for_status()
            keys = jwt.PyJWKSet.from_dict(response.json()).keys
    except (OutboundRefused, requests.RequestException, ValueError, jwt.PyJWTError):
        raise _fail("unreachable") from None
    kid = header.get("kid")
    matching = [k for k in keys if kid is None or k.key_id == kid]
    if not matching:
        raise _fail("signature")
    return matching[0]


def verify_id_token(
    *, config: dict[str, Any], id_token: str, client_id: str, nonce: str
) -> dict[str, Any]:
    """The ID token's claims once signature, issuer, audience, expiry and nonce hold."""
    key = _signing_key(config, id_token)
    try:
        claims = jwt.decode(
            id_token,
            key=key,
            algorithms=ALGORITHMS,
            audience=client_id,
            issuer=config["issuer"],
            leeway=LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "exp", "iat", "sub"]},
        )
    except jwt.InvalidSignatureError:
        raise _fail("signature") from None
    except jwt.ExpiredSignatureError:
        raise _fail("expired") from None
    except jwt.InvalidIssuerError:
        raise _fail("issuer") from None
    except jwt.InvalidAudienceError:
        raise _fail("audience") from None
    except jwt.PyJWTError:
        raise _fail("invalid") from None
    if not nonce or not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise _fail("nonce")
    return claims
