"""The Restore page (requests and a one-page create form), Run / Dry run, and a restore
job's Review tab with its per-record results (and their CSV).

Every view finds the org through orgs.selectors.org_get (another tenant's id is 404).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.csv_download import csv_download
from common.pagination import paginate
from jobs.views import get_job, render_job_tab
from orgs.keys import org_data_key
from orgs.selectors import org_get
from orgs.services import org_client
from restores import schema as restore_schema
from restores import selectors, services
from restores.forms import (
    STEPS,
    BackupsForm,
    FinishForm,
    ObjectsForm,
    SettingsForm,
    TypeForm,
)
from restores.models import RestoreRecord, RestoreRequest, with_messages
from salesforce.errors import SalesforceApiError
from tenants.audit import Action, audit_record
from tenants.permissions import permission_required_or_403
from vault.selectors import object_counts_as_of


@login_required
def restore_page(request, org_id: int):
    """The requests (drafts to continue, finished ones to dry-run or run)."""
    org = org_get(tenant=request.user.tenant, org_id=org_id)
    context = {
        "org": org,
        "active_nav": "restore",
        "pagination": paginate(request, selectors.request_list(org=org), default_per_page=25),
        "now": timezone.now(),
    }
    return render(request, "restores/restore.html", context)


@require_POST
@permission_required_or_403("restore")
def restore_run(request, org_id: int, request_id: int):
    org = org_get(tenant=request.user.tenant, org_id=org_id)
    restore_request = selectors.request_get(org=org, request_id=request_id)
    dry_run = request.POST.get("dry_run") == "1"
    try:
        job = services.restore_start(
            request=restore_request, dry_run=dry_run, created_by=request.user
        )
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("restores:restore", org_id=org.pk)
    messages.success(request, f"{'Dry run' if dry_run else 'Restore'} queued as Job {job.pk}.")
    return redirect("restores:job_review", org_id=org.pk, job_id=job.pk)


def _restore_job(request, org_id: int, job_id: int):
    """The tenant's job; any job of the org (a job that is not a restore has no results)."""
    return get_job(request, org_id, job_id)


@login_required
def job_review(request, org_id: int, job_id: int):
    job = _restore_job(request, org_id, job_id)
    records = selectors.records_for_job(job=job).order_by("object_name", "id")
    context = {
        "run": selectors.run_for_job(job=job),
        "counts": selectors.counts_for_job(job=job),
        "has_failed": records.filter(status=RestoreRecord.Status.FAILED).exists(),
        "pagination": _with_messages(paginate(request, records, default_per_page=50), job.org),
    }
    return render_job_tab(request, job, "review", "restores/job_review.html", context, live=True)


def _with_messages(pagination, org):
    """The page's rows can show Salesforce's sealed messages (the org's key opened once)."""
    pagination.page.object_list = list(with_messages(pagination.page.object_list, org=org))
    return pagination


@login_required
def job_results_csv(request, org_id: int, job_id: int):
    job = _restore_job(request, org_id, job_id)
    rows = (
        [r.object_name, r.original_id, r.new_id, r.action, r.status, r.error_code,
         r.error_message]
        for r in with_messages(
            selectors.records_for_job(job=job).order_by("object_name", "id").iterator(),
            org=job.org,
        )
    )  # fmt: skip
    audit_record(
        tenant=job.tenant_id,
        action=Action.DOWNLOAD,
        request=request,
        target=f"Job {job.pk}",
        detail={"org": job.org_id, "file": f"job-{job.pk}-restore-results.csv"},
    )
    header = ["Object", "Original Id", "New Id", "Action", "Status", "Error code", "Error message"]
    return csv_download(f"job-{job.pk}-restore-results.csv", header, rows)


# ------------------------------------------------------------------ the 5-step wizard
def _draft(request, org_id: int, request_id: int):
    org = org_get(tenant=request.user.tenant, org_id=org_id)
    return org, selectors.request_get(org=org, request_id=request_id)


def _wizard_render(request, org, draft, step: str, form, extra=None):
    context = {
        "org": org,
        "draft": draft,
        "form": form,
        "step": step,
        "steps": STEPS,
        "active_nav": "restore",
        **(extra or {}),
    }
    return render(request, "restores/wizard.html", context)


def _next(org, draft, step: str):
    names = [name for _n, name, _label in STEPS]
    following = names[min(names.index(step) + 1, len(names) - 1)]
    return redirect(f"restores:wizard_{following}", org_id=org.pk, request_id=draft.pk)


@permission_required_or_403("restore")
def wizard_new(request, org_id: int):
    """Step 1 (Type) of a new request: saving it makes the draft."""
    org = org_get(tenant=request.user.tenant, org_id=org_id)
    form = TypeForm(request.POST or None, initial={"type": RestoreRequest.Type.RECORDS})
    if request.method == "POST" and form.is_valid():
        draft = services.restore_draft_create(
            org=org, type=form.cleaned_data["type"], created_by=request.user
        )
        return _next(org, draft, "type")
    return _wizard_render(request, org, None, "type", form)


@permission_required_or_403("restore")
def wizard_step(request, org_id: int, request_id: int, step: str):
    org, draft = _draft(request, org_id, request_id)
    if draft.status != RestoreRequest.Status.DRAFT:
        messages.info(request, f"Restore request {draft.pk} is finished; it can no longer change.")
        return redirect("restores:restore", org_id=org.pk)
    step_number = next(n for n, name, _label in STEPS if name == step)
    if step_number > draft.step + 1:
        messages.info(request, "Save the earlier steps first.")
        return redirect(f"restores:wizard_{draft.next_step}", org_id=org.pk, request_id=draft.pk)
    try:
        form, extra, save = WIZARD[step](request, org, draft)
    except SalesforceApiError as exc:
        messages.error(request, f"The org could not be read ({exc}); try again.")
        return redirect("restores:restore", org_id=org.pk)
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            if step == "finish":
                audit_record(
                    tenant=org.tenant_id, action="restore.request_created", request=request,
                    target=f"Restore request {draft.pk}",
                    detail={"org": org.pk, "objects": draft.object_names},
                )  # fmt: skip
                messages.success(
                    request, f"Restore request {draft.pk} saved (valid 7 days): review it "
                    "with a dry run, then restore.",
                )  # fmt: skip
                return redirect("restores:restore", org_id=org.pk)
            return _next(org, draft, step)
    return _wizard_render(request, org, draft, step, form, extra)


def _step_type(request, org, draft):
    form = TypeForm(request.POST or None, initial={"type": draft.type})

    def save(form):
        services.restore_draft_type(request=draft, type=form.cleaned_data["type"])

    return form, {}, save


def _step_backups(request, org, draft):
    initial = {"correct_job": draft.correct_job_id, "compromised_job": draft.compromised_job_id}
    form = BackupsForm(request.POST or None, org=org, type=draft.type, initial=initial)

    def save(form):
        data = form.cleaned_data
        services.restore_draft_backups(
            request=draft, correct_job=data["correct_job"],
            compromised_job=data["compromised_job"] or None,
        )  # fmt: skip

    return form, {}, save


def _step_objects(request, org, draft):
    metadata = draft.type == RestoreRequest.Type.METADATA
    counts: dict[str, int] = {}
    if draft.correct_seq and metadata:
        counts = selectors.components_as_of(org=org, seq=draft.correct_seq)
    elif draft.correct_seq:
        counts = object_counts_as_of(org=org, seq=draft.correct_seq)
    chosen = request.POST.getlist("objects") if request.method == "POST" else draft.object_names
    children = (
        [] if metadata else restore_schema.children_of(org=org, parents=chosen, backed_up=counts)
    )
    initial = {
        "objects": draft.object_names,
        "children": [f"{p}:{r}" for p, rels in draft.children.items() for r in rels],
        "filters": "\n".join(f"{k}: {v}" for k, v in draft.filters.items()),
    }
    form = ObjectsForm(
        request.POST or None, counts=counts, initial=initial,
        children=[(f"{p}:{c.relationship}", c) for p, c in children],
    )  # fmt: skip

    def save(form):
        data = form.cleaned_data
        try:
            filters = form.combined_filters()
        except forms.ValidationError as exc:
            raise ValueError(exc.messages[0]) from None
        services.restore_draft_objects(
            request=draft, objects=data["objects"], filters=filters, children=data["children"]
        )

    ticked = set(
        request.POST.getlist("children") if request.method == "POST" else initial["children"]
    )
    rows = [(p, c, f"{p}:{c.relationship}" in ticked) for p, c in children]
    return form, {"children": rows, "command": restore_schema.command_line(draft)}, save


def _step_settings(request, org, draft):
    if draft.type == RestoreRequest.Type.METADATA:  # components: no fields, no automations
        objects: dict = {}
        automations = None
    else:
        objects = restore_schema.object_fields(org=org, request=draft)
        automations = restore_schema.automation_choices(org=org, request=draft)
    initial: dict = {"fallback_owner_id": draft.fallback_owner_id}
    for name, choices in objects.items():
        chosen = draft.fields.get(name)
        initial[f"fields__{name}"] = chosen or [c.name for c in choices if c.restorable]
        initial[f"automations__{name}"] = draft.automations.get(name, [])
    form = SettingsForm(request.POST or None, objects=objects, automations=automations,
                        initial=initial)  # fmt: skip

    def save(form):
        fields = {}
        for name, chosen in form.per_object("fields").items():
            every = {c.name for c in objects[name] if c.restorable}
            fields[name] = [] if set(chosen) == every else chosen
        services.restore_draft_settings(
            request=draft, fields=fields, automations=form.per_object("automations"),
            fallback_owner_id=form.cleaned_data["fallback_owner_id"],
        )  # fmt: skip

    extra = {"objects": objects, "automations_available": automations is not None}
    return form, extra, save


def _step_finish(request, org, draft):
    initial = {"name": "" if draft.name == "Draft restore" else draft.name,
               "description": draft.description}  # fmt: skip
    form = FinishForm(request.POST or None, initial=initial)

    def save(form):
        services.restore_draft_finish(
            request=draft, name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
        )  # fmt: skip

    return form, {"command": restore_schema.command_line(draft)}, save


WIZARD = {
    "type": _step_type,
    "backups": _step_backups,
    "objects": _step_objects,
    "settings": _step_settings,
    "finish": _step_finish,
}


@login_required
def job_review_data(request, org_id: int, job_id: int):
    """Data: object -> its records in this run -> the correct version side by side with
    the org's current record, read live ("hide identical fields")."""
    job = _restore_job(request, org_id, job_id)
    run = selectors.run_for_job(job=job)
    objects = list(run.counts) if run else []
    object_name = request.GET.get("object") or (objects[0] if objects else "")
    if object_name not in objects:
        object_name = objects[0] if objects else ""
    records = selectors.records_for_job(job=job).filter(object_name=object_name).order_by("id")
    context: dict = {
        "run": run,
        "objects": objects,
        "object_name": object_name,
        "pagination": _with_messages(paginate(request, records, default_per_page=50), job.org),
        "hide": request.GET.get("hide") == "1",
    }
    record_id = request.GET.get("record", "")
    if run and record_id:
        row = records.filter(original_id=record_id).first()
        if row is not None:
            org = job.org
            correct = selectors.correct_version(
                request=run.request, object_name=object_name, record_id=record_id,
                data_key=org_data_key(org),
            )  # fmt: skip
            try:
                current = selectors.live_record(
                    client=org_client(org), object_name=object_name,
                    record_id=row.new_id or row.original_id,
                )  # fmt: skip
            except SalesforceApiError as exc:
                current, context["live_error"] = None, str(exc)
            context.update(
                record=row,
                current_found=current is not None,
                compare=selectors.compare_rows(correct, current, hide_identical=context["hide"]),
            )
    return render_job_tab(request, job, "review", "restores/job_review_data.html", context)


@require_POST
@permission_required_or_403("restore")
def job_retry(request, org_id: int, job_id: int):
    """Run again only the failed records of this run."""
    job = _restore_job(request, org_id, job_id)
    run = selectors.run_for_job(job=job)
    failed = selectors.records_for_job(job=job).filter(status=RestoreRecord.Status.FAILED)
    if run is None or run.dry_run or not failed.exists():
        messages.info(request, "This run has no failed record to retry.")
        return redirect("restores:job_review", org_id=job.org_id, job_id=job.pk)
    try:
        retry = services.restore_start(
            request=run.request, created_by=request.user, retry_of=job.pk
        )
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("restores:job_review", org_id=job.org_id, job_id=job.pk)
    messages.success(request, f"Retry of the failed records queued as Job {retry.pk}.")
    return redirect("restores:job_review", org_id=job.org_id, job_id=retry.pk)
