"""Writes of the identity app: SSO providers, the sign-in policy, and SSO sign-ins."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from common.crypto import unwrap_secret, wrap_secret
from common.outbound import OutboundRefused, check_outbound_url
from identity import audit, oidc
from identity.models import OIDCProvider, SignInPolicy, SSOIdentity
from identity.oidc import SSOError
from tenants.models import Tenant, User

DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SESSION_SSO = "identity_sso"


def _secret_purpose(provider_id: int) -> str:
    return f"oidc-client-secret:{provider_id}"


def provider_client_secret(provider: OIDCProvider) -> str:
    if not provider.client_secret_wrapped:
        return ""
    return unwrap_secret(
        bytes(provider.client_secret_wrapped), _secret_purpose(provider.pk)
    ).decode()


def domains_clean(text: str) -> str:
    domains = sorted({d.strip().lower().lstrip("@") for d in text.replace(",", " ").split()})
    bad = [d for d in domains if not DOMAIN_RE.match(d)]
    if bad:
        raise ValidationError({"allowed_domains": f"Not a domain name: {', '.join(bad)}."})
    if not domains:
        raise ValidationError(
            {"allowed_domains": "Enter at least one email domain (example.com), one a line."}
        )
    return "\n".join(domains)


def _issuer_clean(issuer: str) -> str:
    try:
        check_outbound_url(issuer)
    except OutboundRefused as error:
        raise ValidationError({"issuer": str(error)}) from None
    return issuer.strip().rstrip("/")


@transaction.atomic
def provider_save(
    *,
    tenant: Tenant,
    actor: User,
    provider: OIDCProvider | None = None,
    name: str,
    issuer: str,
    client_id: str,
    client_secret: str,
    allowed_domains: str,
    default_role: str,
    enabled: bool = True,
    request: HttpRequest | None = None,
) -> OIDCProvider:
    """Creates or updates a provider; an empty `client_secret` keeps the stored one."""
    created = provider is None
    if provider is None:
        provider = OIDCProvider(tenant=tenant)
    elif provider.tenant_id != tenant.pk:
        raise ValidationError("This provider belongs to another organization.")
    provider.name = name.strip()
    provider.issuer = _issuer_clean(issuer)
    provider.client_id = client_id.strip()
    provider.allowed_domains = domains_clean(allowed_domains)
    provider.default_role = User.Role(default_role)
    provider.enabled = enabled
    if created and not client_secret:
        raise ValidationError({"client_secret": "Enter the client secret the provider gave you."})
    provider.save()
    if client_secret:
        provider.client_secret_wrapped = wrap_secret(client_secret, _secret_purpose(provider.pk))
        provider.save(update_fields=["client_secret_wrapped"])
    audit.record(
        tenant=tenant,
        actor=actor,
        request=request,
        action=audit.SSO_SETTINGS_CHANGED,
        target=f"SSO provider {provider.pk}",
        detail={
            "change": "created" if created else "updated",
            "name": provider.name,
            "issuer": provider.issuer,
            "domains": provider.domains,
            "default_role": provider.default_role,
            "enabled": provider.enabled,
            "secret_changed": bool(client_secret),
        },
    )
    return provider


@transaction.atomic
def provider_delete(
    *, actor: User, provider: OIDCProvider, request: HttpRequest | None = None
) -> None:
    tenant, pk, name = provider.tenant, provider.pk, provider.name
    provider.delete()
    audit.record(
        tenant=tenant,
        actor=actor,
        request=request,
        action=audit.SSO_SETTINGS_CHANGED,
        target=f"SSO provider {pk}",
        detail={"change": "deleted", "name": name},
    )


@transaction.atomic
def policy_set(
    *,
    tenant: Tenant,
    actor: User,
    mfa_required: bool,
    sso_required: bool,
    break_glass_user: User | None,
    request: HttpRequest | None = None,
) -> SignInPolicy:
    if break_glass_user is not None and (
        break_glass_user.tenant_id != tenant.pk or not break_glass_user.is_tenant_admin
    ):
        raise ValidationError({"break_glass_user": "Choose an Admin of this organization."})
    if sso_required:
        if break_glass_user is None:
            raise ValidationError(
                {
                    "break_glass_user": "Choose a break-glass Admin who keeps a password, so "
                    "the organization is not locked out if the provider fails."
                }
            )
        if not OIDCProvider.objects.filter(tenant=tenant, enabled=True).exists():
            raise ValidationError(
                {"sso_required": "Add an enabled SSO provider before requiring SSO."}
            )
    policy, _ = SignInPolicy.objects.select_for_update().get_or_create(tenant=tenant)
    before = (policy.mfa_required, policy.sso_required, policy.break_glass_user_id)
    policy.mfa_required = mfa_required
    policy.sso_required = sso_required
    policy.break_glass_user = break_glass_user
    policy.save()
    if before[0] != mfa_required:
        audit.record(
            tenant=tenant,
            actor=actor,
            request=request,
            action=audit.MFA_POLICY_CHANGED,
            detail={"mfa_required": mfa_required},
        )
    if before[1:] != (sso_required, policy.break_glass_user_id):
        audit.record(
            tenant=tenant,
            actor=actor,
            request=request,
            action=audit.SSO_SETTINGS_CHANGED,
            detail={"sso_required": sso_required, "break_glass_user": policy.break_glass_user_id},
        )
    return policy


def sso_begin(*, request: HttpRequest, provider: OIDCProvider, redirect_uri: str) -> str:
    """Where to send the browser; the state, nonce and PKCE verifier stay in the session."""
    config = oidc.discover(provider.issuer)
    auth = oidc.authorization(
        config=config, client_id=provider.client_id, redirect_uri=redirect_uri
    )
    request.session[SESSION_SSO] = {
        "provider_id": provider.pk,
        "state": auth.state,
        "nonce": auth.nonce,
        "code_verifier": auth.code_verifier,
        "redirect_uri": redirect_uri,
    }
    return auth.url


def sso_pending_provider_id(request: HttpRequest) -> int | None:
    pending = request.session.get(SESSION_SSO)
    return pending.get("provider_id") if isinstance(pending, dict) else None


def _fail(request: HttpRequest, provider: OIDCProvider, message: str, email: str = "") -> SSOError:
    audit.record(
        tenant=provider.tenant,
        request=request,
        action=audit.SIGN_IN_SSO_FAILED,
        actor_email=email,
        target=f"SSO provider {provider.pk}",
        detail={"reason": message},
    )
    return SSOError(message)


def sso_complete(*, request: HttpRequest, provider: OIDCProvider, params: dict[str, Any]) -> User:
    """The user an SSO callback signs in (created just in time on a first sign-in with an
    allowed domain), or SSOError with the reason. The pending state is used once."""
    pending = request.session.pop(SESSION_SSO, None)
    if not isinstance(pending, dict) or pending.get("provider_id") != provider.pk:
        raise _fail(request, provider, "This sign-in expired or was already used. Start again.")
    if params.get("error"):
        raise _fail(request, provider, "The identity provider refused the sign-in.")
    if not params.get("state") or params.get("state") != pending["state"]:
        raise _fail(request, provider, "Sign-in refused: the answer does not match this sign-in.")
    try:
        config = oidc.discover(provider.issuer)
        id_token = oidc.exchange_code(
            request=request,
            config=config,
            client_id=provider.client_id,
            client_secret=provider_client_secret(provider),
            redirect_uri=pending["redirect_uri"],
            code=str(params.get("code", "")),
            code_verifier=pending["code_verifier"],
        )
        claims = oidc.verify_id_token(
            config=config, id_token=id_token, client_id=provider.client_id, nonce=pending["nonce"]
        )
    except SSOError as error:
        raise _fail(request, provider, str(error)) from None
    return _sso_user(request=request, provider=provider, claims=claims)


def _sso_user(*, request: HttpRequest, provider: OIDCProvider, claims: dict[str, Any]) -> User:
    subject = str(claims["sub"])
    email = str(claims.get("email") or "").strip()
    if not email or claims.get("email_verified") is False:
        raise _fail(request, provider, "The identity provider did not give a verified email.")
    if not provider.email_allowed(email):
        raise _fail(
            request,
            provider,
            f"Emails of {email.rsplit('@', 1)[-1]} may not sign in to this organization "
            "by SSO. Ask your OrgVault admin.",
            email,
        )
    identity = (
        SSOIdentity.objects.select_related("user")
        .filter(provider=provider, subject=subject)
        .first()
    )
    user = identity.user if identity is not None else None
    if user is None:
        user = User.objects.filter(tenant=provider.tenant, email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(
            tenant=provider.tenant,
            email=email.lower(),
            password=None,
            role=provider.default_role,
            first_name=str(claims.get("given_name") or "")[:150],
            last_name=str(claims.get("family_name") or "")[:150],
        )
        audit.record(
            tenant=provider.tenant,
            actor=user,
            request=request,
            action=audit.USER_CREATED_SSO,
            target=f"User {user.pk}",
            detail={"provider": provider.pk, "role": user.role},
        )
    if not user.is_active:
        raise _fail(
            request, provider, "Your account is deactivated. Ask your OrgVault admin.", email
        )
    if identity is None:
        SSOIdentity.objects.create(provider=provider, subject=subject, user=user)
    SSOIdentity.objects.filter(provider=provider, subject=subject).update(
        last_used_at=timezone.now()
    )
    audit.record(
        tenant=provider.tenant,
        actor=user,
        request=request,
        action=audit.SIGN_IN_SSO,
        target=f"SSO provider {provider.pk}",
    )
    return user
