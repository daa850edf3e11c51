"""django-oauth-toolkit's validator with the provider's claims, and three faults chosen
by the client: an ID token from another issuer, one signed with a key the provider
does not publish, and one already expired. Everything else is the toolkit's own."""

import base64
import os
from datetime import timedelta

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.utils import timezone
from oauth2_provider.oauth2_validators import OAuth2Validator

WRONG_ISSUER = "orgvault-wrong-issuer"
BAD_SIGNATURE = "orgvault-bad-signature"
EXPIRED = "orgvault-expired"


class FaultyValidator(OAuth2Validator):
    oidc_claim_scope = {
        "sub": "openid",
        "email": "email",
        "email_verified": "email",
        "given_name": "profile",
        "family_name": "profile",
    }

    def get_additional_claims(self, request):
        user = request.user
        return {
            "email": user.email,
            "email_verified": True,
            "given_name": user.first_name,
            "family_name": user.last_name,
        }

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration = super().get_id_token_dictionary(token, token_handler, request)
        client_id = request.client.client_id
        if client_id == WRONG_ISSUER:
            claims["iss"] = "http://issuer.invalid/o"
        if client_id == EXPIRED:
            past = timezone.now() - timedelta(hours=1)
            claims["exp"] = int(past.timestamp())
            claims["iat"] = int((past - timedelta(minutes=5)).timestamp())
        return claims, expiration

    def finalize_id_token(self, id_token, token, token_handler, request):
        jwt = super().finalize_id_token(id_token, token, token_handler, request)
        if request.client.client_id != BAD_SIGNATURE:
            return jwt
        # Same header (and kid), signed by a key that is not the published one.
        signing_input = jwt.rsplit(".", 1)[0].encode()
        key = serialization.load_pem_private_key(
            os.environ["OIDC_PROVIDER_OTHER_RSA_KEY"].encode(), password=None
        )
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr, call-arg]
        return (
            signing_input.decode() + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
        )
