"""The restore handler (jobs/runner.py calls it): puts records back **in place**.

- `prepare`: the RestoreRun row and one unit ("Restore"): objects must go in dependency
  order, so one worker runs them one after the other.
- `process`: for each chosen object, parents before children (lookups between the chosen
  objects), it compares the correct backup's versions with the compromised side (a later
  backup, or the org now) and with the org as it is now (one queryAll read), then:
  records in the Recycle Bin are **undeleted** (partner SOAP `undelete()`, they keep their
  Ids and bring back the children their delete took), hard-deleted ones are **inserted**
  anew, in hierarchy order when the object looks up to itself (ParentId) so each
  reference is set in the same write, with the old → new Id map (this restore's and
  earlier restores' of the org) applied to every lookup, and changed ones (undeleted
  ones too) are **updated** with only the fields that differ and are updateable in the
  org now (describe). Writes go 200 records per sObject Collections call. Nothing is
  ever deleted. Unchanged records are not written. A record's failure is its own
  result; the others go on. The org's API quota (Settings → General) is read first
  (`limits`) and checked before every write. A dry run does everything but the writes
  and stores the exact number of API calls the run will make.
- `finish`: nothing to publish (the results are stored as the run goes).
"""

import math
import re
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC

from django.utils import timezone

from jobs.models import JobLog, JobObject
from orgs.keys import org_data_key
from orgs.services import org_client
from restores import automations, metadata_restore, selectors
from restores.audit_fields import GRANTED as AUDIT_GRANTED
from restores.audit_fields import NOT_GRANTED as AUDIT_NOT_GRANTED
from restores.audit_fields import audit_fields_granted, audit_fields_of
from restores.models import (
    RestoreRecord,
    RestoreRequest,
    RestoreRun,
    seal_messages,
    sealed_message,
)
from restores.schema import record_problems
from restores.spool import Spool
from salesforce import writes
from salesforce.ingest import CALLS_PER_JOB, bulk_ingest
from salesforce.quota import ApiQuota, allowed
from salesforce.writes import BATCH, WriteResult
from vault.models import RecordVersion

UNIT = "Restore"
# From this many records in one write set (an insert level, an object's updates), one
# Bulk API 2.0 ingest job writes them instead of sObject Collections calls of 200.
BULK_MIN = 2000
# Records written (and their results held) at a time, as one Bulk ingest job at most:
# with the correct versions read SCAN_BATCH at a time and the rest spooled on disk, a
# run's memory does not grow with the object.
WRITE_BATCH = 10_000
SCAN_BATCH = 2000
# Result rows (and full records read back from a spool) held at a time within a write.
ROWS_AT_A_TIME = 1000
# Records picked by Id (the time machine's `Id = '...'`), up to this many, are read from
# the org by Id (3 calls at most) rather than by reading the whole object; the lookup
# checks of other scopes need the whole object's Ids, so they read it all.
READ_BY_ID_MAX = 600
PICKED_BY_ID = re.compile(r"\s*Id\s*(=|IN\b)", re.IGNORECASE)
SALESFORCE_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
State = RecordVersion.State
Action = RestoreRecord.Action


def compile_filter(text: str) -> Callable[[dict], bool]:
    """A predicate over a record from a SOQL condition (or a whole SELECT's WHERE)."""
    import soql

    text = text.strip()
    if not text:
        return lambda record: True
    if text[:6].upper() == "SELECT":
        condition = soql.parse(text).where
    else:
        condition = soql.parse_where(text)
    keep = soql.compile_condition(condition, now=timezone.now(), tz=UTC)
    return lambda record: bool(keep(soql.dict_getter(record)))


def references(describe: dict) -> dict[str, list[str]]:
    """{lookup field: [objects it points at]} for the writable lookups of an object."""
    return {
        f["name"]: list(f.get("referenceTo") or [])
        for f in describe.get("fields", [])
        if f.get("type") == "reference" and (f.get("createable") or f.get("updateable"))
    }


def dependency_order(objects: list[str], describes: dict[str, dict]) -> tuple[list[str], bool]:
    """Parents before children among the chosen objects; (order, True) if a cycle between
    objects had to be broken (then the given order decides among those)."""
    parents = {
        name: {
            target
            for targets in references(describes[name]).values()
            for target in targets
            if target in objects and target != name
        }
        for name in objects
    }
    order: list[str] = []
    remaining = list(objects)
    cycle = False
    while remaining:
        ready = [n for n in remaining if parents[n] <= set(order)]
        if not ready:
            # A cycle (Account.Primary_Contact__c and Contact.AccountId): the object the
            # others hang on with cascade-delete relationships goes first.
            def held(name: str) -> int:
                return sum(
                    1
                    for rel in describes[name].get("childRelationships", [])
                    if rel.get("cascadeDelete")
                    and rel.get("childSObject") in remaining
                    and rel.get("childSObject") != name
                )

            ready, cycle = [max(remaining, key=held)], True
        for name in ready:
            order.append(name)
            remaining.remove(name)
    return order, cycle


def hierarchy_levels(records: dict[str, dict], self_fields: list[str]) -> list[list[str]]:
    """Ids to insert, level by level: a record comes after the records it looks up to
    (through `self_fields`) that are inserted too. A cycle lands in the last level."""
    depth: dict[str, int] = {}

    def level(rid: str, seen: frozenset) -> int:
        if rid in depth:
            return depth[rid]
        parents = [
            str(records[rid][f])
            for f in self_fields
            if records[rid].get(f) in records and records[rid].get(f) not in seen
        ]
        value = 1 + max((level(p, seen | {rid}) for p in parents), default=-1)
        depth[rid] = value
        return value

    for rid in records:
        level(rid, frozenset({rid}))
    levels: dict[int, list[str]] = defaultdict(list)
    for rid, d in depth.items():
        levels[d].append(rid)
    return [levels[d] for d in sorted(levels)]


def without_nulls(record: dict) -> dict:
    """A record as spooled: a missing field reads None all the same (`.get`)."""
    return {field: value for field, value in record.items() if value is not None}


def batches(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Calls:
    """Counts the API calls of one run."""

    def __init__(self) -> None:
        self.reads = 0
        self.writes = 0


class RestoreHandler:
    def prepare(self, ctx) -> None:
        job = ctx.job
        request = RestoreRequest.objects.get(org_id=job.org_id, pk=job.settings["request_id"])
        RestoreRun.objects.get_or_create(
            job=job, defaults={"request": request, "dry_run": bool(job.settings.get("dry_run"))}
        )
        JobObject.objects.get_or_create(job=job, object_name=UNIT)

    def process(self, ctx, job_object: JobObject) -> None:
        job = ctx.job
        run = RestoreRun.objects.select_related("request").get(job=job)
        if run.request.type == RestoreRequest.Type.METADATA:  # components, not records
            metadata_restore.metadata_restore_job(ctx, run)
            return
        # A resumed run starts over: records already put back compare equal and are
        # skipped; re-created ones are kept (saved as soon as written) so the Id map
        # finds them and nothing is inserted twice.
        RestoreRecord.objects.filter(job=job).exclude(
            action=Action.INSERT, status=RestoreRecord.Status.SUCCESS
        ).delete()
        # Automations chosen for suspension: recorded, then switched off before the first
        # write; switched back on when the run ends, and by `finish` on any other end.
        client = None if run.dry_run else org_client(job.org)
        if client is not None:
            automations.automations_suspend(
                job=job, request=run.request, client=client, log=ctx.log
            )
        else:
            automations.automations_planned(request=run.request, log=ctx.log)
        try:
            ObjectRestore.run(ctx, run, job_object)
        finally:
            if client is not None:
                automations_back_on(ctx, client)

    def finish(self, ctx, status: str) -> None:
        automations_back_on(ctx)


def automations_back_on(ctx, client=None) -> None:
    """Switch the job's suspended automations back on; a failure is logged (the next end
    of the job, or the reaper, tries again), never raised over the run's own outcome."""
    try:
        automations.automations_resume(job=ctx.job, client=client, log=ctx.log)
    except Exception as exc:
        ctx.log(
            f"The suspended automations could not be switched back on yet: {exc}",
            JobLog.Level.ERROR,
        )


class ObjectRestore:
    """One run over the request's objects (kept as a class for its shared state)."""

    def __init__(self, ctx, run: RestoreRun, client, data_key: bytes):
        self.ctx = ctx
        self.run_row = run
        self.request: RestoreRequest = run.request
        self.dry = run.dry_run
        self.client = client
        self.data_key = data_key
        self.calls = Calls()
        self.describes: dict[str, dict] = {}
        # old Id -> new Id of records re-created (by earlier restores of the org, and this one)
        self.id_map: dict[str, str] = dict(
            RestoreRecord.objects.filter(
                request__org_id=self.request.org_id,
                action=Action.INSERT,
                status=RestoreRecord.Status.SUCCESS,
            ).values_list("original_id", "new_id")
        )
        self.undeleted: set[str] = set()
        self.audit_granted: bool | None = None  # asked once, when there is a record to insert
        self.order: list[str] = []
        # object -> [(original Id, {lookup: original target Id})] set after all objects
        self.deferred: dict[str, list[tuple[str, dict]]] = defaultdict(list)
        self.counts: dict[str, dict[str, int]] = {}
        self.planned_writes = 0
        self.bulk_jobs = 0
        self.written = {"records": 0, "added": 0, "changed": 0}
        # A retry runs only the failed records of an earlier run: {object: {original Id}}.
        self.retry_ids: dict[str, set[str]] | None = None
        retry_of = ctx.job.settings.get("retry_of")
        if retry_of:
            self.retry_ids = defaultdict(set)
            for object_name, rid in RestoreRecord.objects.filter(
                job_id=retry_of, request=self.request, status=RestoreRecord.Status.FAILED
            ).values_list("object_name", "original_id"):
                self.retry_ids[object_name].add(rid)
        # Child objects restored with their parents (step 3): {child: [(field, parent)]}
        self.child_scope: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.scope: dict[str, set[str]] = {}  # object -> Ids of the correct set in scope
        self.alive: dict[str, set[str]] = {}  # object -> Ids in the org (not in the bin)
        self.coming: set[str] = set()  # original Ids this run undeletes or re-creates
        self.prefixes: dict[str, str] = {}  # key prefix -> restored object
        self.active_users: set[str] | None = None
        self.new_ids: set[str] = set(self.id_map.values())
        self.drift: list[str] = []
        self.object_rows = 0  # result rows of the object being restored
        self.object_failed = 0

    @classmethod
    def run(cls, ctx, run: RestoreRun, job_object: JobObject) -> None:
        org = ctx.job.org
        restore = cls(ctx, run, org_client(org), org_data_key(org))
        try:
            restore.restore_all()
        finally:
            calls = restore.calls.reads + restore.calls.writes
            job_object.save_progress(
                api_calls=calls,
                records=restore.written["records"],
                added=restore.written["added"],
                changed=restore.written["changed"],
            )
            RestoreRun.objects.filter(pk=run.pk).update(
                counts=restore.counts,
                read_calls=restore.calls.reads,
                write_calls=restore.calls.writes,
                api_calls_for_run=restore.calls.reads
                + (restore.planned_writes if restore.dry else restore.calls.writes),
                drift=restore.drift,
                bulk_jobs_for_run=restore.bulk_jobs,
                **restore.api_budget(),
            )

    def log(self, message: str, level: str = JobLog.Level.INFO) -> None:
        self.ctx.log(message, level)

    def api_budget(self) -> dict:
        """The org's daily API requests left and what the quota setting lets us use."""
        usage = self.quota.rest if getattr(self, "quota", None) else None
        if usage is None:
            return {}
        left = max(usage.maximum - usage.used, 0)
        quota = max(allowed(usage.maximum, self.quota.rest_percent) - usage.used, 0)
        return {"api_remaining": left, "api_allowed": quota}

    def restore_all(self) -> None:
        org = self.request.org
        self.quota = ApiQuota(
            rest_percent=org.api_quota_rest_percent, bulk_percent=org.api_quota_bulk_percent
        )
        self.calls.reads += 1
        self.quota.use_limits(self.client.limits())
        self.log(f"API use at the start: {self.quota.summary(self.client)}.")
        names = list(self.request.object_names)
        for name in names:
            self.calls.reads += 1
            self.describes[name] = self.client.describe(name)
        for parent, relationships in (self.request.children or {}).items():
            for rel in self.describes[parent].get("childRelationships", []):
                if rel.get("relationshipName") not in relationships:
                    continue
                child = rel["childSObject"]
                if child not in self.describes:
                    self.calls.reads += 1
                    self.describes[child] = self.client.describe(child)
                    names.append(child)
                if child not in self.request.object_names:
                    self.child_scope[child].append((rel["field"], parent))
        for name in names:
            if self.describes[name].get("keyPrefix"):
                self.prefixes[self.describes[name]["keyPrefix"]] = name
        if self.request.fallback_owner_id:
            self.active_users = self.read_ids("SELECT Id FROM User WHERE IsActive = true")
            self.log(
                "Lookups to users no longer active in the org are set to the fallback owner "
                f"{self.request.fallback_owner_id}."
            )
        order, cycle = dependency_order(names, self.describes)
        self.order = order
        if cycle:
            forward = [
                f"{name}.{field} → {'/'.join(t for t in targets if t in order[i + 1 :])}"
                for i, name in enumerate(order)
                for field, targets in references(self.describes[name]).items()
                if set(targets) & set(order[i + 1 :])
            ]
            self.log(
                "The chosen objects look up to each other in a cycle; they go in the order "
                f"{', '.join(order)}. Lookups to a later object ({', '.join(forward)}) of "
                "re-created records are set by a second update pass at the end, only where "
                "a re-created record has one (the only second pass of a restore).",
                JobLog.Level.WARNING,
            )
        self.log(
            f"Order: {' → '.join(order)}{' (dry run: nothing is written)' if self.dry else ''}."
        )
        for name in order:
            self.restore_object(name)
        for name in order:
            self.second_pass(name)
        totals: dict[str, int] = defaultdict(int)
        for counts in self.counts.values():
            for action, n in counts.items():
                totals[action] += n
        summary = ", ".join(f"{n} {action}" for action, n in sorted(totals.items()))
        if self.dry:
            self.log(
                f"Dry run: {summary or 'nothing to restore'}. The run will use exactly "
                f"{self.calls.reads + self.planned_writes} API calls "
                f"({self.calls.reads} reads, {self.planned_writes} writes); "
                f"API use now: {self.quota.summary(self.client)}."
            )
        else:
            self.log(
                f"Restored: {summary or 'nothing to restore'}; "
                f"{self.calls.reads + self.calls.writes} API calls."
            )

    # ---------------------------------------------------------------- one object
    def field_sets(self, name: str) -> tuple[list[str], list[str]]:
        chosen = set(self.request.fields.get(name) or [])
        update, create = [], []
        for f in self.describes[name].get("fields", []):
            if f["name"] in ("Id", "IsDeleted") or (chosen and f["name"] not in chosen):
                continue
            if f.get("updateable"):
                update.append(f["name"])
            if f.get("createable"):
                create.append(f["name"])
        return update, create

    def read_live(
        self, name: str, fields: list[str], wanted: set[str], spool: Spool
    ) -> dict[str, bool]:
        """The org's records now (Recycle Bin included), one queryAll read a page at a
        time: the `wanted` ones go to `spool` (answered: {Id: IsDeleted}), and the Ids of
        the others not in the bin to `self.alive` (for the lookup checks). A few records
        (a time-machine restore) are read by Id instead: a call per 200 of them, whatever
        the object's size."""
        has_deleted = any(f["name"] == "IsDeleted" for f in self.describes[name]["fields"])
        columns = ["Id", *(["IsDeleted"] if has_deleted else []), *fields]
        # Object and field names come from the org's describe, not from a user.
        soql = f"SELECT {', '.join(dict.fromkeys(columns))} FROM {name}"  # noqa: S608
        picked = PICKED_BY_ID.match(self.request.filters.get(name) or "")
        few = len(wanted) <= READ_BY_ID_MAX
        if picked and few and all(SALESFORCE_ID.fullmatch(i) for i in wanted):
            return self.read_live_by_id(soql, wanted, spool)
        alive = self.alive[name] = set()
        present: dict[str, bool] = {}
        self.calls.reads += 1
        page = self.client.request("GET", "queryAll/", params={"q": soql}).json()
        while True:
            kept = []
            for record in page.get("records", []):
                if not record.get("IsDeleted"):
                    alive.add(record["Id"])
                if record["Id"] in wanted:
                    record.pop("attributes", None)
                    present[record["Id"]] = bool(record.get("IsDeleted"))
                    kept.append((record["Id"], without_nulls(record)))
            spool.put(kept)
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return present
            self.calls.reads += 1
            page = self.client.request("GET", page["nextRecordsUrl"]).json()

    def read_live_by_id(self, soql: str, wanted: set[str], spool: Spool) -> dict[str, bool]:
        """`wanted` records only (no `self.alive` for this object: its lookups are then
        taken as present, and Salesforce answers for any that is not)."""
        present: dict[str, bool] = {}
        ordered = sorted(wanted)
        for start in range(0, len(ordered), 200):
            ids = ", ".join(f"'{record_id}'" for record_id in ordered[start : start + 200])
            self.calls.reads += 1
            page = self.client.request(
                "GET", "queryAll/", params={"q": f"{soql} WHERE Id IN ({ids})"}
            ).json()
            kept = []
            for record in page.get("records", []):
                record.pop("attributes", None)
                present[record["Id"]] = bool(record.get("IsDeleted"))
                kept.append((record["Id"], without_nulls(record)))
            spool.put(kept)
        return present

    def read_ids(self, soql: str) -> set[str]:
        ids: set[str] = set()
        self.calls.reads += 1
        page = self.client.request("GET", "query/", params={"q": soql}).json()
        while True:
            ids.update(str(r["Id"])[:15] for r in page.get("records", []))
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return ids
            self.calls.reads += 1
            page = self.client.request("GET", page["nextRecordsUrl"]).json()

    def mapped(self, record: dict, lookups: dict[str, list[str]]) -> dict:
        out = dict(record)
        for field, targets in lookups.items():
            value = out.get(field)
            if value in self.id_map:
                out[field] = self.id_map[value]
            elif (
                value
                and self.active_users is not None
                and "User" in targets
                and str(value).startswith("005")
                and str(value)[:15] not in self.active_users
            ):
                out[field] = self.request.fallback_owner_id
        return out

    def exists(self, value: str) -> bool:
        """Whether a lookup's target will be there when the record is written (only
        known for the objects this run restores, and for users)."""
        if value in self.id_map or value in self.coming or value in self.new_ids:
            return True
        if value == self.request.fallback_owner_id:
            return True
        name = self.prefixes.get(value[:3])
        if name is not None and name in self.alive:
            return value in self.alive[name]
        if value.startswith("005") and self.active_users is not None:
            return value[:15] in self.active_users
        return True

    def skip_drifted(self, name, rid, target: dict, fields, creating, action, results) -> bool:
        problems = record_problems(
            target, self.describes[name], fields=fields, creating=creating, exists=self.exists
        )
        if not problems:
            return False
        row = self.result(name, rid, action)
        row.status = RestoreRecord.Status.SKIPPED
        row.error_code, row.error_message = problems[0]
        results[rid] = row
        return True

    def restore_object(self, name: str) -> None:
        """One object, streamed: the correct backup's versions are read a batch at a time
        (twice: the scope, then the comparison), and what waits for its write (the org's
        current records, the inserts by hierarchy level, the updates) waits in spools on
        disk. Memory holds Ids and one batch, however big the object."""
        update_fields, create_fields = self.field_sets(name)
        scope = self.scan_scope(name, update_fields)
        wanted = set(scope) | {self.id_map[rid] for rid in scope if rid in self.id_map}
        live, inserts, updates = Spool(), Spool(), Spool()
        try:
            present = self.read_live(
                name, sorted(set(update_fields) | set(create_fields)), wanted, live
            )
            del wanted
            self.restore_scope(name, scope, present, live, inserts, updates)
        finally:
            live.close()
            inserts.close()
            updates.close()

    def scan_scope(self, name: str, update_fields: list[str]) -> list[str]:
        """Ids of the correct backup's records to check (filters, child scope, retry,
        compared with the compromised side), a batch of versions at a time; the fields of
        the backup the org no longer has are reported on the way."""
        keep = compile_filter(self.request.filters.get(name, ""))
        parents = self.child_scope.get(name, [])
        scope: list[str] = []
        in_scope: set[str] = set()
        live_fields = {f["name"] for f in self.describes[name].get("fields", [])}
        gone: dict[str, int] = defaultdict(int)
        for batch in self.correct_batches(name):
            chosen = [
                (rid, fields)
                for rid, fields in batch
                if keep(fields)
                and (not parents or any(fields.get(f) in self.scope.get(p, ()) for f, p in parents))
            ]
            in_scope.update(rid for rid, _fields in chosen)
            if self.retry_ids is not None:
                retried = self.retry_ids.get(name, set())
                chosen = [(rid, fields) for rid, fields in chosen if rid in retried]
            for _rid, fields in chosen:
                for field, value in fields.items():
                    if (
                        field not in live_fields
                        and field != "attributes"
                        and value not in (None, "")
                    ):
                        gone[field] += 1
            if self.request.compromised_seq and chosen:
                # The compromised side as digests of the compared fields, not payloads.
                compromised = selectors.fingerprints_as_of(
                    org=self.request.org, object_name=name, seq=self.request.compromised_seq,
                    data_key=self.data_key, fields=update_fields,
                    record_ids=[rid for rid, _fields in chosen],
                )  # fmt: skip
                chosen = [
                    (rid, fields)
                    for rid, fields in chosen
                    if compromised.get(rid)
                    != (State.PRESENT, selectors.values_key(fields, update_fields))
                ]
            scope.extend(rid for rid, _fields in chosen)
        if any(parent == name for pairs in self.child_scope.values() for _f, parent in pairs):
            self.scope[name] = in_scope  # only the child scopes read it
        del in_scope
        for field, n in sorted(gone.items()):
            message = f"{name}.{field}: no longer in the org; its values are skipped ({n} records)"
            self.drift.append(message)
            self.log(f"Schema drift: {message}.", JobLog.Level.WARNING)
        return scope

    def correct_batches(self, name: str, only: set[str] | None = None):
        """The correct backup's versions of `name` ([(Id, fields)] a batch at a time),
        only those of `only` when given."""
        for batch in selectors.payload_batches_as_of(
            org=self.request.org, object_name=name, seq=self.request.correct_seq or 0,
            data_key=self.data_key, states=self.correct_states(), size=SCAN_BATCH,
        ):  # fmt: skip
            yield [(rid, fields) for rid, _state, fields in batch if only is None or rid in only]

    def restore_scope(self, name, scope: list[str], present, live, inserts, updates) -> None:
        describe = self.describes[name]
        lookups = references(describe)
        update_fields, create_fields = self.field_sets(name)
        self_fields = [f for f, targets in lookups.items() if name in targets]
        later_objects = set(self.order[self.order.index(name) + 1 :])
        # Lookups to objects restored later (a cycle): set by the second pass.
        forward = [f for f, targets in lookups.items() if later_objects & set(targets)]
        insert_keeps = set(create_fields) | set(audit_fields_of(describe)) | set(lookups)

        def current_id(rid: str) -> str | None:
            if rid in present:
                return rid
            mapped = self.id_map.get(rid)
            return mapped if mapped in present else None

        for rid in scope:
            now_id = current_id(rid)
            if now_id is None:
                self.coming.add(rid)
            elif present[now_id]:
                self.coming.add(now_id)

        tally = {"undelete": 0, "insert": 0, "update": 0, "unchanged": 0, "skipped": 0}
        undelete: list[str] = []
        parents: dict[str, dict] = {}  # records to insert -> their self-lookups (the levels)
        deferred = 0  # records to insert with a lookup to a later object (dry run's count)
        codes: set[str] = set()
        self.object_rows = self.object_failed = 0
        for batch in self.correct_batches(name, set(scope)):
            current = live.get(t for rid, _fields in batch if (t := current_id(rid)) is not None)
            skipped: dict[str, RestoreRecord] = {}
            to_insert, to_update = [], []
            for rid, fields in batch:
                target = self.mapped(fields, lookups)
                record_id = current_id(rid)
                if record_id is None:
                    if self.skip_drifted(
                        name, rid, target, create_fields, True, Action.INSERT, skipped
                    ):
                        continue
                    # Only the values an insert writes (a null is never written).
                    kept = {f: v for f, v in fields.items() if f in insert_keeps and v is not None}
                    to_insert.append((rid, kept))
                    parents[rid] = {f: fields.get(f) for f in self_fields}
                    deferred += any(fields.get(f) is not None for f in forward)
                    continue
                record = current[record_id]
                deleted = present[record_id]
                if deleted and self.dry and self.comes_back_with_parent(record, lookups):
                    deleted = False
                if deleted:
                    undelete.append(record_id)
                diff = {
                    f: target.get(f)
                    for f in update_fields
                    if f in target and target.get(f) != record.get(f)
                }
                if diff and self.skip_drifted(
                    name, record_id, target, list(diff), False, Action.UPDATE, skipped
                ):
                    if deleted:  # undeleted all the same: its result is the undelete's
                        tally["skipped"] += 1
                        codes.add(skipped.pop(record_id).error_code)
                    continue
                if diff:
                    # The correct values, not mapped yet: a record re-created by this
                    # run gets its new Id once the inserts are written.
                    to_update.append((record_id, {"Id": record_id, **diff}))
                elif not deleted:
                    tally["unchanged"] += 1
            inserts.put(to_insert)
            updates.put(to_update)
            tally["insert"] += len(to_insert)
            tally["update"] += len(to_update)
            tally["skipped"] += len(skipped)
            codes.update(row.error_code for row in skipped.values())
            self.save_rows(list(skipped.values()))
        tally["undelete"] = len(undelete)
        self.counts[name] = {
            "undelete": tally["undelete"],
            "insert": tally["insert"],
            "update": tally["update"],
            "unchanged": tally["unchanged"],
            "skipped": tally["skipped"],
        }
        self.log(
            f"{name}: {len(scope)} record(s) to check; {tally['undelete']} to undelete, "
            f"{tally['insert']} to insert anew, {tally['update']} to update, "
            f"{tally['unchanged']} unchanged, {tally['skipped']} skipped (schema drift)."
        )
        if tally["skipped"]:
            self.drift.append(
                f"{name}: {tally['skipped']} record(s) the org's schema now refuses "
                f"({', '.join(sorted(codes))})"
            )
            self.log(
                f"{name}: {tally['skipped']} record(s) skipped: the org's schema now refuses "
                f"them ({', '.join(sorted(codes))}); see the Review tab.",
                JobLog.Level.WARNING,
            )
        before = self.planned_writes if self.dry else self.calls.writes
        jobs_before = self.bulk_jobs
        undeleted = self.do_undeletes(name, undelete)
        self.do_inserts(name, inserts, parents, forward, deferred, create_fields, lookups)
        self.do_updates(name, updates, tally["update"], undeleted, lookups)
        calls = (self.planned_writes if self.dry else self.calls.writes) - before
        self.log(
            f"{name}: {calls} write call(s) for {self.object_rows} record(s), "
            f"{self.bulk_jobs - jobs_before} Bulk job(s) "
            f"(sObject Collections floor {math.ceil(self.object_rows / BATCH)})."
        )
        if self.object_failed:
            self.log(
                f"{name}: {self.object_failed} record(s) failed; see the Review tab.",
                JobLog.Level.WARNING,
            )

    def save_rows(self, rows: list[RestoreRecord]) -> None:
        """Results stored as they come (sealed messages), counted for the object's log."""
        if not rows:
            return
        seal_messages(rows, data_key=self.data_key, org_id=self.request.org_id)
        RestoreRecord.objects.bulk_create(rows, batch_size=1000)
        self.object_rows += len(rows)
        self.object_failed += sum(1 for r in rows if r.status == RestoreRecord.Status.FAILED)

    def correct_states(self) -> list[str]:
        """An archive restore puts back the records its archive job archived; a backup
        restore the records present in the correct backup."""
        if self.request.type == RestoreRequest.Type.ARCHIVE:
            return [State.ARCHIVED]
        return [State.PRESENT]

    def comes_back_with_parent(self, record: dict, lookups: dict[str, list[str]]) -> bool:
        """Dry run only: a Recycle Bin child whose parent this run undeletes comes back with
        it (Salesforce undeletes what the parent's delete took)."""
        return any(record.get(field) in self.undeleted for field in lookups)

    def result(self, name: str, original_id: str, action: str) -> RestoreRecord:
        return RestoreRecord(
            job_id=self.ctx.job.pk, request=self.request, object_name=name,
            original_id=original_id, action=action,
            status=RestoreRecord.Status.PLANNED if self.dry else RestoreRecord.Status.SUCCESS,
        )  # fmt: skip

    def chunks(self, items: list) -> tuple[list[list], bool]:
        """Batches of 200 for sObject Collections, or Bulk ingest jobs for big sets."""
        if len(items) >= BULK_MIN:
            return list(batches(items, WRITE_BATCH)), True
        return list(batches(items)), False

    def plan_write(self, bulk: bool) -> None:
        self.planned_writes += CALLS_PER_JOB if bulk else 1
        self.bulk_jobs += 1 if bulk else 0

    def write_bulk(self, name: str, operation: str, payload: list[dict]):
        """One Bulk API 2.0 ingest job; its calls are counted as they were made."""
        self.ctx.checkpoint()
        self.quota.check(self.client)
        self.bulk_jobs += 1
        try:
            outcome = bulk_ingest(self.client, name, operation, payload)
        except Exception as exc:
            self.calls.writes += 1
            return exc
        self.calls.writes += outcome.calls
        return outcome.results

    def write(self, call, *args) -> list[WriteResult] | Exception:
        self.ctx.checkpoint()
        self.quota.check(self.client)  # ApiQuotaReached stops the run (the log says why)
        self.calls.writes += 1
        try:
            return call(self.client, *args)
        except Exception as exc:  # one failed call fails its records, not the run
            return exc

    @staticmethod
    def record_outcome(row: RestoreRecord, outcome: WriteResult | Exception) -> None:
        if isinstance(outcome, Exception):
            row.status = RestoreRecord.Status.FAILED
            row.error_code = getattr(outcome, "error_code", "") or type(outcome).__name__
            row.error_message = str(outcome)
        elif not outcome.success:
            row.status = RestoreRecord.Status.FAILED
            row.error_code, row.error_message = outcome.error_code, outcome.message

    def apply(self, rows: list[RestoreRecord], outcome, offset: int = 0) -> None:
        """Each row's outcome: the call's exception, or its result (`offset`: where the
        rows start in the write's results)."""
        for i, row in enumerate(rows):
            failed = isinstance(outcome, Exception)
            self.record_outcome(row, outcome if failed else outcome[offset + i])

    def do_undeletes(self, name: str, ids: list[str]) -> dict[str, bool]:
        """Undeletes, 200 a call; answers {Id: whether it is back} (a dry run: all)."""
        back: dict[str, bool] = {}
        for batch in batches(ids):
            rows = [self.result(name, rid, Action.UNDELETE) for rid in batch]
            if self.dry:
                self.planned_writes += 1
                self.undeleted.update(batch)
            else:
                self.apply(rows, self.write(writes.undelete, batch))
                for row in rows:
                    if row.status == RestoreRecord.Status.SUCCESS:
                        self.undeleted.add(row.original_id)
                        self.written["records"] += 1
            back.update(
                (row.original_id, row.status != RestoreRecord.Status.FAILED) for row in rows
            )
            self.save_rows(rows)
        return back

    def audit_fields(self, name: str, inserts: dict) -> list[str]:
        """CreatedDate and CreatedById when the connected user may set them on insert
        (asked once per run, one API call); otherwise the log says they are not kept."""
        if not inserts:
            return []
        if self.audit_granted is None:
            self.calls.reads += 1
            self.audit_granted = audit_fields_granted(self.client, self.request.org)
            self.log(
                AUDIT_GRANTED if self.audit_granted else AUDIT_NOT_GRANTED,
                JobLog.Level.INFO if self.audit_granted else JobLog.Level.WARNING,
            )
        return audit_fields_of(self.describes[name]) if self.audit_granted else []

    def do_inserts(
        self, name, inserts: Spool, parents: dict, forward, deferred: int, create_fields, lookups
    ) -> None:
        """Records inserted anew, level by level of their self-lookup (`parents`: {Id:
        {self-lookup: value}}), read back from the spool a write at a time."""
        self_fields = [f for f, targets in lookups.items() if name in targets]
        # The original CreatedDate / CreatedById, when the org lets this user set them.
        create_fields = [*create_fields, *self.audit_fields(name, parents)]
        if self.dry:
            self.planned_writes += math.ceil(deferred / BATCH)
        for level in hierarchy_levels(parents, self_fields):
            chunks, bulk = self.chunks(level)
            for batch in chunks:
                if self.dry:
                    self.plan_write(bulk)
                    for part in batches(batch, ROWS_AT_A_TIME):
                        self.save_rows([self.result(name, rid, Action.INSERT) for rid in part])
                    continue
                payload = []
                # Full records decoded a part at a time; only their payloads wait for the write.
                for part in batches(batch, ROWS_AT_A_TIME):
                    records = inserts.get(part)
                    for rid in part:
                        values = self.mapped(records[rid], lookups)
                        later = {
                            f: values[f]
                            for f in forward
                            if values.get(f) is not None and records[rid].get(f) not in self.id_map
                        }
                        if later:
                            self.deferred[name].append((rid, later))
                        payload.append(
                            {
                                f: values[f]
                                for f in create_fields
                                if values.get(f) is not None and f not in later
                            }
                        )
                    del records
                outcome = (
                    self.write_bulk(name, "insert", payload)
                    if bulk
                    else self.write(writes.collection_insert, name, payload)
                )
                del payload
                # Result rows made and saved a part at a time after the write, saved at
                # once: a run killed after this write resumes with the Id map.
                for offset in range(0, len(batch), ROWS_AT_A_TIME):
                    part = batch[offset : offset + ROWS_AT_A_TIME]
                    rows = [self.result(name, rid, Action.INSERT) for rid in part]
                    self.apply(rows, outcome, offset)
                    for i, row in enumerate(rows):
                        if row.status == RestoreRecord.Status.SUCCESS:
                            row.new_id = outcome[offset + i].id  # type: ignore[index]
                            self.id_map[row.original_id] = row.new_id
                            self.new_ids.add(row.new_id)
                            self.written["records"] += 1
                            self.written["added"] += 1
                    self.save_rows(rows)

    def do_updates(self, name, updates: Spool, count: int, undeleted: dict, lookups) -> None:
        """Updates read back from the spool a part at a time, written a write at a time;
        one of an undeleted record is skipped if its undelete failed, and its failure is
        the undelete's result."""
        bulk = count >= BULK_MIN
        size = WRITE_BATCH if bulk else BATCH
        actions: list[tuple[str, str]] = []  # (Id, action) of the payload's records
        payload: list[dict] = []
        for part in updates.items(min(size, ROWS_AT_A_TIME)):
            for rid, values in part:
                if not undeleted.get(rid, True):
                    continue  # its undelete failed: nothing to update
                actions.append((rid, Action.UNDELETE if rid in undeleted else Action.UPDATE))
                payload.append(self.mapped(values, lookups))
                if len(payload) >= size:
                    self.write_updates(name, bulk, actions, payload)
                    actions, payload = [], []
        if payload:
            self.write_updates(name, bulk, actions, payload)

    def write_updates(self, name, bulk: bool, actions: list[tuple[str, str]], payload) -> None:
        """One write of updates; their result rows made and saved a part at a time."""
        if self.dry:
            self.plan_write(bulk)
            outcome = None
        else:
            outcome = (
                self.write_bulk(name, "update", payload)
                if bulk
                else self.write(writes.collection_update, name, payload)
            )
        for offset in range(0, len(actions), ROWS_AT_A_TIME):
            rows = [
                self.result(name, rid, action)
                for rid, action in actions[offset : offset + ROWS_AT_A_TIME]
            ]
            if outcome is not None:
                self.apply(rows, outcome, offset)
                for row in rows:
                    if row.status == RestoreRecord.Status.SUCCESS:
                        self.written["changed"] += 1
                        if row.action == Action.UPDATE:
                            self.written["records"] += 1
                    elif row.action == Action.UNDELETE:
                        self.undelete_then_update_failed(row)
            self.save_rows([row for row in rows if row.action == Action.UPDATE])

    def undelete_then_update_failed(self, row: RestoreRecord) -> None:
        """An undeleted record whose update failed: its stored result says so."""
        RestoreRecord.objects.filter(
            job_id=self.ctx.job.pk,
            object_name=row.object_name,
            original_id=row.original_id,
            action=Action.UNDELETE,
        ).update(
            status=RestoreRecord.Status.FAILED,
            error_code=row.error_code,
            message_sealed=sealed_message(
                data_key=self.data_key, org_id=self.request.org_id, text=row.error_message
            ),
        )
        self.object_failed += 1

    def second_pass(self, name: str) -> None:
        """Lookups of re-created records to objects restored after them (a cycle)."""
        items = [(rid, later) for rid, later in self.deferred.get(name, []) if rid in self.id_map]
        if not items:
            return
        self.log(f"{name}: second update pass for {len(items)} re-created record(s).")
        for batch in batches(items):
            payload = [
                {"Id": self.id_map[rid], **{f: self.id_map.get(v, v) for f, v in later.items()}}
                for rid, later in batch
            ]
            outcome = self.write(writes.collection_update, name, payload)
            failed = [
                rid
                for i, (rid, _later) in enumerate(batch)
                if isinstance(outcome, Exception) or not outcome[i].success
            ]
            if failed:
                RestoreRecord.objects.filter(
                    job_id=self.ctx.job.pk, object_name=name, original_id__in=failed
                ).update(
                    status=RestoreRecord.Status.FAILED,
                    error_code="SECOND_PASS_FAILED",
                    message_sealed=sealed_message(
                        data_key=self.data_key,
                        org_id=self.request.org_id,
                        text="Re-created, but a lookup to a later object could not be set.",
                    ),
                )
