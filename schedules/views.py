"""Backup & Archive → Schedule: the schedules' cards, a schedule's edit page, delete, and
the live "This backup is planned to run ..." preview (an htmx partial).

The org comes from orgs.selectors.org_get (another tenant's id is 404) and the
schedule from schedules.selectors.schedule_get(org=...). A schedule's job settings are
edited with its operation's own form (jobs/registry.py `settings_form`).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from orgs.selectors import org_get
from schedules import selectors, services
from schedules.forms import (
    ScheduleDetailsForm,
    ScheduleForm,
    initial_for,
    mode_for,
    settings_form_for,
)
from schedules.registry import system_schedule_for
from tenants.permissions import permission_required_or_403


def schedule_fields_context(*, org, form: ScheduleForm, prefix: str = "") -> dict:
    """What templates/schedules/partials/schedule_fields.html needs, sentence included."""
    spec = form.preview_spec()
    sentence = selectors.schedule_sentence(org=org, spec=spec) if spec else ""
    return {"org": org, "schedule_form": form, "sentence": sentence, "prefix": prefix}


@login_required
def schedule_list(request, org_id: int):
    org = org_get(tenant=request.user.tenant, org_id=org_id)
    context = {"org": org, "cards": selectors.schedule_cards(org=org)}
    context["active_nav"] = "backup_schedule"
    return render(request, "schedules/list.html", context)


@permission_required_or_403("run_backups")
def schedule_edit(request, org_id: int, schedule_id: int):
    org = org_get(tenant=request.user.tenant, org_id=org_id)
    schedule = selectors.schedule_get(org=org, schedule_id=schedule_id)
    tz = services.org_time_zone(org)
    data = request.POST or None
    form = ScheduleForm(data, mode=mode_for(schedule), tz=tz, initial=initial_for(schedule))
    details = ScheduleDetailsForm(data, schedule=schedule)
    settings_form = settings_form_for(schedule, data)
    valid = form.is_valid() and details.is_valid()
    valid = settings_form.is_valid() and valid if settings_form is not None else valid
    if request.method == "POST" and valid:
        kwargs = details.update_kwargs()
        kwargs["settings"] = settings_form.settings() if settings_form else schedule.settings
        if settings_form is not None and not schedule.is_system:
            kwargs["operation"] = settings_form.operation()
        try:
            services.schedule_update(schedule=schedule, recurrence=form.spec(), **kwargs)
        except services.ScheduleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{schedule.name} saved.")
            return redirect("schedules:list", org_id=org.pk)
    context = {"schedule": schedule, "details": details, "settings_form": settings_form}
    context["system_schedule"] = system_schedule_for(schedule.operation)
    context["active_nav"] = "backup_schedule"
    context.update(schedule_fields_context(org=org, form=form))
    return render(request, "schedules/edit.html", context)


@require_POST
@permission_required_or_403("run_backups")
def schedule_delete(request, org_id: int, schedule_id: int):
    org = org_get(tenant=request.user.tenant, org_id=org_id)
    schedule = selectors.schedule_get(org=org, schedule_id=schedule_id)
    try:
        services.schedule_delete(schedule=schedule)
    except services.ScheduleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{schedule.name} deleted; it will not run again.")
    return redirect("schedules:list", org_id=org.pk)


@require_GET
@login_required
def schedule_preview(request, org_id: int):
    """The schedule fields and sentence for the values typed so far (htmx, on change)."""
    org = org_get(tenant=request.user.tenant, org_id=org_id)
    prefix = "schedule" if request.GET.get("prefix") == "schedule" else ""
    mode = request.GET.get("mode", "user")
    tz = services.org_time_zone(org)
    form = ScheduleForm(request.GET, mode=mode, tz=tz, prefix=prefix or None)
    context = schedule_fields_context(org=org, form=form, prefix=prefix)
    return render(request, "schedules/partials/schedule_fields.html", context)
