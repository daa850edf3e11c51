"""Purge the records a search found from every version in the vault.

    python manage.py purge_run SEARCH_ID [--records ID,...] [--no-children]
        [--delete-in-salesforce] [--suppress]
        [--requested-by EMAIL] [--approved-by EMAIL] [--wait] [--json]

Without --records every record the search matched is purged (and, unless
--no-children, the child records that reference them). When the org's two-person rule
is on, --approved-by names a second Admin (not the requester); without it the request
is left awaiting approval on the purge page. The exit status is 1 when the purge is
refused or its job does not complete. Export files that may hold the records are
deleted. --delete-in-salesforce also deletes the records in the org; it and --suppress
add them to the org's suppression list, so later backups do not store them again.
"""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from jobs.models import Job
from jobs.selectors import job_summary
from jobs.services import job_run_inline
from search.models import Purge, Search
from search.services import purge_approve, purge_request
from tenants.models import User


class Command(BaseCommand):
    help = "Purge records found by a search from every version in the vault."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("search_id", type=int)
        parser.add_argument("--records", default="", help="record Ids, comma-separated")
        parser.add_argument("--no-children", action="store_true")
        parser.add_argument("--delete-in-salesforce", action="store_true")
        parser.add_argument("--suppress", action="store_true", help="keep out of later backups")
        parser.add_argument("--requested-by", default="", help="the requesting Admin's email")
        parser.add_argument("--approved-by", default="", help="the approving Admin's email")
        parser.add_argument("--wait", action="store_true", help="run inline and wait")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def _user(self, search: Search, email: str):
        if not email:
            return None
        user = User.objects.filter(tenant_id=search.org.tenant_id, email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user {email} in this org's organization.")
        return user

    def handle(self, *args, **opts):
        search = Search.objects.filter(pk=opts["search_id"]).select_related("org").first()
        if search is None:
            raise CommandError(f"There is no search with id {opts['search_id']}.")
        records = [r.strip() for r in opts["records"].split(",") if r.strip()] or None
        try:
            purge = purge_request(
                search=search,
                actor=self._user(search, opts["requested_by"]),
                records=records,
                include_children=not opts["no_children"],
                delete_in_salesforce=opts["delete_in_salesforce"],
                suppress=opts["suppress"],
                enqueue=not opts["wait"],
            )
            approver = self._user(search, opts["approved_by"])
            if purge.status == Purge.Status.AWAITING_APPROVAL and approver is not None:
                purge = purge_approve(purge=purge, actor=approver, enqueue=not opts["wait"])
        except (ValidationError, PermissionDenied) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise CommandError(message) from None
        out: dict = {"purge": purge.pk, "status": purge.status}
        if purge.job is not None and opts["wait"]:
            job = job_run_inline(job=purge.job)
            purge.refresh_from_db()
            out = {**job_summary(job), "purge": purge.pk, "status": purge.status,
                   "certificate": purge.certificate}  # fmt: skip
        if opts["json"]:
            self.stdout.write(json.dumps(out, default=str))
        else:
            self.stdout.write(f"Purge {purge.pk}: {purge.get_status_display()}.")
        if purge.status == Purge.Status.AWAITING_APPROVAL:
            return
        if opts["wait"] and (purge.job is None or purge.job.status != Job.Status.COMPLETED):
            raise SystemExit(1)
