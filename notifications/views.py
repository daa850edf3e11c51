"""Settings → Notifications and the delivery log of an org.

Anyone of the tenant may read; changes need the Manage settings permission (POST
views). Every row is fetched through the org (itself fetched through the caller's
tenant): a foreign id is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from common.pagination import paginate
from notifications import selectors, services
from notifications.forms import AnomalyRuleForm, DefaultsForm, RecipientForm, RuleForm, WebhookForm
from notifications.models import Delivery
from orgs.selectors import org_get
from tenants.permissions import permission_required_or_403


def _org(request, org_id: int):
    return org_get(tenant=request.user.tenant, org_id=org_id)


def _back(org):
    return redirect("notifications:settings", org_id=org.pk)


def _page(request, org, status: int = 200, **forms):
    hook = selectors.webhook(org=org)
    context = {
        "org": org,
        "active_nav": "settings_notifications",
        "recipients": selectors.recipients(org=org),
        "tenant_emails": selectors.tenant_emails(org=org),
        "object_names": selectors.object_names(org=org),
        "rules": selectors.rules(org=org),
        "anomaly_rules": selectors.anomaly_rules(org=org),
        "webhook": hook,
        "recipient_form": forms.get("recipient") or RecipientForm(),
        "defaults_form": forms.get("defaults")
        or DefaultsForm(enabled=selectors.enabled_defaults(org=org)),
        "rule_form": forms.get("rule") or RuleForm(),
        "anomaly_form": forms.get("anomaly") or AnomalyRuleForm(),
        "webhook_form": forms.get("webhook")
        or WebhookForm(initial={"url": hook.url if hook else ""}),
    }
    return render(request, "notifications/settings.html", context, status=status)


@login_required
def notification_settings(request, org_id: int):
    return _page(request, _org(request, org_id))


@require_POST
@permission_required_or_403("manage_settings")
def recipient_add(request, org_id: int):
    org = _org(request, org_id)
    form = RecipientForm(request.POST)
    if form.is_valid():
        try:
            recipient = services.recipient_add(org=org, **form.cleaned_data)
        except ValueError as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(request, f"{recipient.email} now receives this org's notifications.")
            return _back(org)
    return _page(request, org, status=400, recipient=form)


@require_POST
@permission_required_or_403("manage_settings")
def recipient_remove(request, org_id: int, recipient_id: int):
    org = _org(request, org_id)
    recipient = selectors.recipient_get(org=org, recipient_id=recipient_id)
    services.recipient_remove(recipient=recipient)
    messages.success(request, f"{recipient.email} no longer receives notifications.")
    return _back(org)


@require_POST
@permission_required_or_403("manage_settings")
def defaults_update(request, org_id: int):
    org = _org(request, org_id)
    form = DefaultsForm(request.POST)
    if not form.is_valid():
        return _page(request, org, status=400, defaults=form)
    services.defaults_update(org=org, enabled=form.enabled())
    messages.success(request, "Saved the default notifications.")
    return _back(org)


@require_POST
@permission_required_or_403("manage_settings")
def rule_add(request, org_id: int):
    org = _org(request, org_id)
    form = RuleForm(request.POST)
    if not form.is_valid():
        return _page(request, org, status=400, rule=form)
    rule = services.rule_create(org=org, **form.cleaned_data)
    messages.success(request, f"Added the rule “{rule.describe()}”.")
    return _back(org)


@require_POST
@permission_required_or_403("manage_settings")
def rule_delete(request, org_id: int, rule_id: int):
    org = _org(request, org_id)
    rule = selectors.rule_get(org=org, rule_id=rule_id)
    services.rule_delete(rule=rule)
    messages.success(request, f"Deleted the rule “{rule.describe()}”.")
    return _back(org)


@require_POST
@permission_required_or_403("manage_settings")
def anomaly_rule_add(request, org_id: int):
    org = _org(request, org_id)
    form = AnomalyRuleForm(request.POST)
    if form.is_valid():
        try:
            rule = services.anomaly_rule_create(org=org, **form.cleaned_data)
        except ValueError as exc:
            form.add_error("object_name", str(exc))
        else:
            messages.success(request, f"Added the anomaly rule for {rule.object_name}.")
            return _back(org)
    return _page(request, org, status=400, anomaly=form)


@require_POST
@permission_required_or_403("manage_settings")
def anomaly_rule_delete(request, org_id: int, anomaly_rule_id: int):
    org = _org(request, org_id)
    rule = selectors.anomaly_rule_get(org=org, anomaly_rule_id=anomaly_rule_id)
    services.rule_delete(rule=rule)
    messages.success(request, f"Deleted the anomaly rule for {rule.object_name}.")
    return _back(org)


@require_POST
@permission_required_or_403("manage_settings")
def webhook_update(request, org_id: int):
    org = _org(request, org_id)
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _page(request, org, status=400, webhook=form)
    try:
        hook = services.webhook_update(org=org, url=form.cleaned_data["url"])
    except ValueError as exc:
        form.add_error("url", str(exc))
        return _page(request, org, status=400, webhook=form)
    messages.success(request, f"Webhook set to {hook.url}." if hook else "Webhook turned off.")
    return _back(org)


@login_required
def delivery_log(request, org_id: int):
    org = _org(request, org_id)
    status = request.GET.get("status", "")
    if status not in Delivery.Status.values:
        status = ""
    context = {
        "org": org,
        "active_nav": "settings_notifications",
        "status": status,
        "statuses": Delivery.Status.choices,
        "pagination": paginate(
            request, selectors.deliveries(org=org, status=status), default_per_page=25
        ),
    }
    return render(request, "notifications/log.html", context)
