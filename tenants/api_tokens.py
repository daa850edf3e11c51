"""Per-user API tokens for the JSON API: `Authorization: Bearer <token>`.

A token is "ovt_" and 43 random URL-safe characters; only its SHA-256 is stored (the
secret has 256 bits, so a fast hash is enough), and it is shown once, when made.

- `api_token_create(*, user, name) -> (ApiToken, secret)`
- `api_token_revoke(*, actor, token_id) -> ApiToken` (the actor's own token; 404 otherwise)
- `api_user(request) -> User | None`: the active user whose unrevoked token the
  request carries, if the request's client address is in their tenant's permitted IPs.
- `@api_token_required`: a view for token holders only; 401 (JSON) without a valid
  token, 403 (JSON) from an address outside the tenant's permitted IPs. Inside the
  view `request.user` is the token's user and `request.api_token` the token.
"""

import hashlib
import secrets
from datetime import timedelta
from functools import wraps

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, JsonResponse
from django.utils import timezone

from tenants.audit import Action, audit_record
from tenants.client_ip import client_address
from tenants.models import ApiToken, User
from tenants.permitted_ips import address_permitted

PREFIX = "ovt_"
SHOWN_PREFIX_LENGTH = 10  # "ovt_" and 6 characters
NAME_MAX = ApiToken._meta.get_field("name").max_length or 80
TOKENS_PER_USER_MAX = 20
LAST_USED_PRECISION = timedelta(minutes=1)  # last_used_at is written at most this often


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; the secret is returned here and never again."""
    if user.tenant_id is None or not user.is_active:
        raise ValidationError("Only an active user of an organization can have API tokens.")
    name = name.strip()
    if not name or "\x00" in name or len(name) > NAME_MAX:
        raise ValidationError({"name": f"Name the token (at most {NAME_MAX} characters)."})
    if user.api_tokens.filter(revoked_at__isnull=True).count() >= TOKENS_PER_USER_MAX:
        raise ValidationError(
            f"You have {TOKENS_PER_USER_MAX} active tokens: revoke one you no longer use first."
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            tenant_id=user.tenant_id,
            name=name,
            prefix=secret[:SHOWN_PREFIX_LENGTH],
            token_hash=token_hash(secret),
        )
        audit_record(
            tenant=user.tenant_id,
            action=Action.API_TOKEN_CREATED,
            actor=user,
            target=f"{token.name} ({token.prefix}…)",
        )
    return token, secret


def api_token_list(*, user: User):
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens (another user's or tenant's id: 404)."""
    token = ApiToken.objects.filter(pk=token_id, user=actor).first()
    if token is None:
        raise Http404("No such API token.")
    if token.revoked_at is None:
        with transaction.atomic():
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(
                tenant=token.tenant_id,
                action=Action.API_TOKEN_REVOKED,
                actor=actor,
                target=f"{token.name} ({token.prefix}…)",
            )
    return token


def bearer_secret(request: HttpRequest) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def token_for_request(request: HttpRequest) -> ApiToken | None:
    """The unrevoked token of an active user that the request carries (one query)."""
    secret = bearer_secret(request)
    if secret is None or not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__tenant", "tenant")
        .filter(token_hash=token_hash(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or token.user.tenant_id != token.tenant_id:
        return None
    return token


def _address_permitted(request: HttpRequest, token: ApiToken) -> bool:
    return address_permitted(client_address(request), token.tenant.permitted_networks)


def api_user(request: HttpRequest) -> User | None:
    """The user whose valid token the request carries, from a permitted address."""
    token = token_for_request(request)
    if token is None or not _address_permitted(request, token):
        return None
    return token.user


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def api_token_required(view):
    """Token holders only (see the module's docstring); the view answers JSON."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        token = token_for_request(request)
        if token is None:
            response = JsonResponse(
                {"error": "Send a valid API token: Authorization: Bearer <token>."}, status=401
            )
            response["WWW-Authenticate"] = 'Bearer realm="OrgVault"'
            return response
        if not _address_permitted(request, token):
            return JsonResponse({"error": "Access denied from this address."}, status=403)
        _touch(token)
        request.user = token.user
        request.api_token = token
        return view(request, *args, **kwargs)

    wrapper.csrf_exempt = True
    return wrapper
