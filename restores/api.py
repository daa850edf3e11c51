"""The time machine as a JSON API (what an in-Salesforce component calls), with per-user
API tokens (`Authorization: Bearer <token>`, tenants.api_tokens) or a signed-in session:

- `GET  /api/v1/orgs/<org>/records/<object>/<id>/versions/` — the record's versions with
  who/when (`version_id`, snapshot, job, backed_up_at, change, state, last_modified,
  last_modified_by, restorable).
- `GET  /api/v1/orgs/<org>/records/<object>/<id>/compare/?left=V&right=V[&identical=1]`
  — the fields of two versions side by side (`changed` per field; only the changed ones
  unless `identical=1`). Without left/right: the newest version and the one before it.
- `POST /api/v1/orgs/<org>/records/<object>/<id>/restore/` with JSON
  `{"version_id": V, "fields": ["Phone", ...] (optional: the whole record), "confirm": true}`
  — queues a small restore job (202 `{"job_id", "request_id"}`), audited; needs the
  "restore" permission.

Another tenant's org, an unknown record or version: 404 (JSON). A session POST must carry
the CSRF token; token requests need none.
"""

import json
from functools import wraps

from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from orgs.selectors import org_get
from restores import time_machine
from tenants.api_tokens import api_token_required, bearer_secret
from tenants.permissions import user_can


def api_view(view):
    """A bearer token (tenants.api_tokens) or a signed-in session; JSON 401 / 404."""

    def answer_404(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Http404 as exc:
            return JsonResponse({"error": str(exc) or "Not found."}, status=404)

    with_token = api_token_required(answer_404)
    with_session = csrf_protect(answer_404)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if bearer_secret(request) is not None:
            return with_token(request, *args, **kwargs)
        if request.user.is_authenticated:
            return with_session(request, *args, **kwargs)
        return with_token(request, *args, **kwargs)  # answers 401 with the header

    return csrf_exempt(wrapper)


def _org(request, org_id: int):
    return org_get(tenant=request.user.tenant, org_id=org_id)


@require_GET
@api_view
def api_versions(request, org_id: int, object_name: str, record_id: str):
    org = _org(request, org_id)
    versions = time_machine.tm_versions(org=org, object_name=object_name, record_id=record_id)
    return JsonResponse(
        {
            "org_id": org.pk,
            "object": object_name,
            "record_id": record_id,
            "versions": [v.as_json() for v in reversed(versions)],
        }
    )


@require_GET
@api_view
def api_compare(request, org_id: int, object_name: str, record_id: str):
    org = _org(request, org_id)
    left, right, diffs = time_machine.tm_compare(
        org=org, object_name=object_name, record_id=record_id,
        left_id=request.GET.get("left"), right_id=request.GET.get("right"),
        identical=request.GET.get("identical") == "1",
    )  # fmt: skip
    return JsonResponse(
        {
            "left": left.as_json(),
            "right": right.as_json(),
            "fields": [
                {"name": d.name, "left": d.left, "right": d.right, "changed": d.changed}
                for d in diffs
            ],
        }
    )


@require_POST
@api_view
def api_restore(request, org_id: int, object_name: str, record_id: str):
    org = _org(request, org_id)
    if not user_can(request.user, "restore"):
        return JsonResponse({"error": "You may not run restores."}, status=403)
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"error": "Send a JSON object."}, status=400)
    if not isinstance(body, dict) or body.get("confirm") is not True:
        return JsonResponse(
            {"error": 'Confirm the restore: send "confirm": true with the version_id.'},
            status=400,
        )
    fields = body.get("fields")
    if fields is not None and (
        not isinstance(fields, list) or not all(isinstance(f, str) for f in fields)
    ):
        return JsonResponse({"error": '"fields" is a list of field names.'}, status=400)
    try:
        job = time_machine.tm_restore(
            org=org, object_name=object_name, record_id=record_id,
            version_id=body.get("version_id"), fields=fields or None,
            user=request.user, request=request,
        )  # fmt: skip
    except ValueError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    request_id = job.settings.get("request_id")
    return JsonResponse(
        {"job_id": job.pk, "request_id": request_id, "status": job.status}, status=202
    )
