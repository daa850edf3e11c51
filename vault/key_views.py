"""Settings → Encryption keys: the org's key fingerprints with their dates, adding a key
(pasted, generated or an AWS KMS key: new data is written with it at once), and the
re-encryption job's progress (vault/rotation.py), after which the old key is retired.
Anyone of the tenant reads it; only Admins add keys."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from orgs.key_models import OrgKey
from orgs.key_services import KmsSettings, org_key_add
from orgs.keys import OrgKeyError
from orgs.selectors import org_get
from tenants.access import admin_required
from vault.forms import KeyAddForm
from vault.immutability import storage_immutability
from vault.rotation import rotation_latest, rotation_start


def _org(request, org_id: int):
    return org_get(tenant=request.user.tenant, org_id=org_id)


def _page(request, org, *, form=None, generated: str = "", status: int = 200):
    keys = list(OrgKey.objects.filter(org=org).select_related("created_by"))
    context = {
        "org": org,
        "active_nav": "settings_keys",
        "keys": keys,
        "original_fingerprint": "" if keys else org.key_fingerprint,
        "rotation": rotation_latest(org=org),
        "form": form or KeyAddForm(prefix="key"),
        "generated": generated,
        "immutability": storage_immutability(org=org),
    }
    return render(request, "vault/keys.html", context, status=status)


@login_required
def keys_page(request, org_id: int):
    return _page(request, _org(request, org_id))


@login_required
def key_rotation(request, org_id: int):
    """The re-encryption progress alone (htmx redraws it while it runs)."""
    org = _org(request, org_id)
    context = {"org": org, "rotation": rotation_latest(org=org)}
    return render(request, "vault/partials/rotation.html", context)


@require_POST
@admin_required
def key_add(request, org_id: int):
    org = _org(request, org_id)
    form = KeyAddForm(request.POST, prefix="key")
    if not form.is_valid():
        return _page(request, org, form=form, status=400)
    data = form.cleaned_data
    kms = None
    if data["source"] == "kms":
        kms = KmsSettings(
            key_id=data["kms_key_id"],
            region=data["kms_region"],
            endpoint_url=data["kms_endpoint_url"],
            access_key_id=data["kms_access_key_id"],
            secret_access_key=data["kms_secret_access_key"],
        )
    try:
        key, generated = org_key_add(
            org=org,
            source=data["source"],
            key_text=data["key_text"],
            kms=kms,
            actor=request.user,
            request=request,
        )
    except OrgKeyError as exc:
        form.add_error(None, str(exc))
        return _page(request, org, form=form, status=400)
    rotation_start(org=org, actor=request.user)
    messages.success(
        request,
        f"Key {key.fingerprint[:12]}… is now the org's key: new backups are encrypted with "
        "it, and older data is being re-encrypted.",
    )
    if generated:
        # Shown once, on this response only (never cached); never stored readable.
        response = _page(request, org, generated=generated)
        response["Cache-Control"] = "no-store"
        return response
    return redirect("vault:keys", org_id=org.pk)
