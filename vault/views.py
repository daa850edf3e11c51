"""Settings → Retention & legal hold: the org's retention policy (with a preview of what
it would delete now), its legal holds (placed, lifted, the audit of both) and the last
integrity checks. Anyone of the tenant reads it; only Admins change it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from orgs.selectors import org_get
from tenants.access import admin_required
from vault import holds, retention
from vault.forms import HoldForm, LiftForm, RetentionForm
from vault.immutability import storage_immutability
from vault.models import IntegrityCheck


def _org(request, org_id: int):
    return org_get(tenant=request.user.tenant, org_id=org_id)


def _page(request, org, *, policy_form=None, hold_form=None, plan=None, status: int = 200):
    policy = retention.retention_policy(org=org)
    context = {
        "org": org,
        "active_nav": "settings_retention",
        "policy": policy,
        "policy_form": policy_form or RetentionForm(instance=policy, prefix="policy"),
        "plan": plan,
        "hold_form": hold_form or HoldForm(prefix="hold"),
        "holds": holds.legal_holds(org=org),
        "checks": IntegrityCheck.objects.filter(org=org)[:5],
        "immutability": storage_immutability(org=org),
    }
    return render(request, "vault/retention.html", context, status=status)


@login_required
def retention_settings(request, org_id: int):
    return _page(request, _org(request, org_id))


@require_POST
@admin_required
def retention_policy_update(request, org_id: int):
    org = _org(request, org_id)
    form = RetentionForm(
        request.POST, instance=retention.retention_policy(org=org), prefix="policy"
    )
    if not form.is_valid():
        return _page(request, org, policy_form=form, status=400)
    if "preview" in request.POST:
        plan = retention.retention_plan(org=org, policy=form.instance)
        return _page(request, org, policy_form=form, plan=plan)
    fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
    retention.retention_policy_save(org=org, actor=request.user, **fields)
    messages.success(request, "Saved the retention policy; the next daily sweep applies it.")
    return redirect("vault:retention", org_id=org.pk)


@require_POST
@admin_required
def hold_place(request, org_id: int):
    org = _org(request, org_id)
    form = HoldForm(request.POST, prefix="hold")
    if form.is_valid():
        try:
            hold = holds.legal_hold_place(org=org, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Legal hold placed on {hold.scope_phrase}.")
            return redirect("vault:retention", org_id=org.pk)
    return _page(request, org, hold_form=form, status=400)


@require_POST
@admin_required
def hold_lift(request, org_id: int, hold_id: int):
    org = _org(request, org_id)
    hold = get_object_or_404(holds.legal_holds(org=org), pk=hold_id)
    form = LiftForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the hold is lifted; the reason is kept with the hold.")
        return redirect("vault:retention", org_id=org.pk)
    try:
        holds.legal_hold_lift(
            org=org, hold_id=hold.pk, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Legal hold on {hold.scope_phrase} lifted.")
    return redirect("vault:retention", org_id=org.pk)
