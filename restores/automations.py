"""Automations switched off while a restore writes, and switched back on **guaranteed**.

- `automations_for(org, object_name) -> list[Automation]` — what the wizard's Object
  settings step offers for one object, read from the org's metadata (Metadata API
  `listMetadata` + one `retrieve`): Apex triggers on the object, record-triggered flows
  (the flow's start object), validation rules, workflow rules and duplicate rules. An
  `Automation.key` ("ApexTrigger:AccountRatingTrigger") names it in a request's
  `automations` ({object: [key or full name, ...]}).
- `automations_suspend(*, job, request, client, log)` — before the first write: the
  chosen automations that are active are **recorded first** (`SuspendedAutomation`,
  committed, with the switch's original value), then switched off with one Metadata API
  deploy (as in Salesforce: a trigger's `status` Inactive, a FlowDefinition's
  `activeVersionNumber` 0, a rule's `active` / `isActive` false).
- `automations_resume(*, job, log=None) -> int` — switches every recorded automation of
  the job that is not back on yet back to its original value. The restore handler calls
  it when its run ends (in a `finally`) and from `finish`, which the runner calls on
  every end of a job: completed, error, aborted, and a job the reaper gives up on. A
  resumed job (after a killed worker) keeps the recorded originals, switches them off
  again and back on when it ends, so a crashed, killed or aborted run never leaves the
  org's automations off.
- `automations_sweep() -> int` — every few minutes (django-q2 schedule, restores
  migration 0004): automations still recorded as off, or that failed to come back, of
  jobs that have ended are switched back on again (a Salesforce outage at the job's end
  only delays it).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jobs.models import Job
from restores.models import SuspendedAutomation
from salesforce.metadata import FileProperties, ListQuery, MetadataClient

KINDS = ("ApexTrigger", "FlowDefinition", "ValidationRule", "WorkflowRule", "DuplicateRule")
LABELS = {
    "ApexTrigger": "Apex trigger",
    "FlowDefinition": "Record-triggered flow",
    "ValidationRule": "Validation rule",
    "WorkflowRule": "Workflow rule",
    "DuplicateRule": "Duplicate rule",
}
# Where each kind's switch lives: (directory, suffix, element holding one child, switch tag)
_FILES = {
    "ApexTrigger": ("triggers", "trigger", "", "status"),
    "FlowDefinition": ("flowDefinitions", "flowDefinition", "", "activeVersionNumber"),
    "ValidationRule": ("objects", "object", "validationRules", "active"),
    "WorkflowRule": ("workflows", "workflow", "rules", "active"),
    "DuplicateRule": ("duplicateRules", "duplicateRule", "", "isActive"),
}
OFF = {
    "ApexTrigger": "Inactive",
    "FlowDefinition": "0",
    "ValidationRule": "false",
    "WorkflowRule": "false",
    "DuplicateRule": "false",
}
POLL_SECONDS = 0.5
MD_NS = "http://soap.sforce.com/2006/04/metadata"


@dataclass(frozen=True)
class Automation:
    kind: str
    full_name: str
    object_name: str
    active: bool
    original: str  # the switch's value now ("Active", "1", "true", ...)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.full_name}"

    @property
    def label(self) -> str:
        name = self.full_name.split(".", 1)[1] if "." in self.full_name else self.full_name
        return f"{LABELS[self.kind]}: {name}{'' if self.active else ' (inactive)'}"


def _md(client) -> MetadataClient:
    return MetadataClient(client, poll_seconds=POLL_SECONDS)


def _value(xml: str, tag: str) -> str | None:
    found = re.search(rf"<{tag}>(.*?)</{tag}>", xml, re.S)
    return found.group(1).strip() if found else None


def _blocks(xml: str, element: str) -> list[tuple[str, str]]:
    """(fullName, text) of each `<element>` block of a parent file."""
    out = []
    for match in re.finditer(rf"<{element}>(.*?)</{element}>", xml, re.S):
        out.append((_value(match.group(1), "fullName") or "", match.group(0)))
    return out


def _is_active(kind: str, value: str | None) -> bool:
    if kind == "ApexTrigger":
        return value == "Active"
    if kind == "FlowDefinition":
        return value not in (None, "", "0")
    return value == "true"


def _flow_start(xml: str) -> tuple[str, str]:
    start = re.search(r"<start>(.*?)</start>", xml, re.S)
    text = start.group(1) if start else ""
    return _value(text, "object") or "", _value(text, "triggerType") or ""


def _trigger_object(body: str) -> str:
    found = re.search(r"\btrigger\s+\w+\s+on\s+(\w+)", body, re.I)
    return found.group(1) if found else ""


def _read_all(md: MetadataClient, props: list[FileProperties]) -> dict[str, bytes]:
    """{path: content} of the retrieved components (package root stripped)."""
    if not props:
        return {}
    with md.retrieve(props) as result:
        return {name: result.read(name) for name in result.names}


def _listed(md: MetadataClient, object_name: str | None) -> list[FileProperties]:
    queries = [ListQuery(t) for t in ("ApexTrigger", "Flow", "ValidationRule")]
    queries += [ListQuery("WorkflowRule"), ListQuery("DuplicateRule")]
    found = md.list_many(queries, on_skip=lambda query, exc: None)
    out = []
    for props in found:
        child_type = props.type in ("ValidationRule", "WorkflowRule", "DuplicateRule")
        if child_type and object_name and props.full_name.split(".", 1)[0] != object_name:
            continue
        out.append(props)
    return out


def automations_read(
    client, object_name: str | None = None, md: MetadataClient | None = None
) -> list[Automation]:
    """Every automation of the five kinds (on `object_name` only, when given): one or two
    listMetadata calls and one or two retrieves (their calls counted on `md`)."""
    md = md or _md(client)
    listed = _listed(md, object_name)
    files = _read_all(md, listed)
    found: list[Automation] = []
    flows = [p for p in listed if p.type == "Flow"]
    definitions = []
    for props in listed:
        if props.type == "ApexTrigger":
            path = f"triggers/{props.full_name}.trigger"
            body = files.get(path, b"").decode("utf-8", "replace")
            status = _value(files.get(path + "-meta.xml", b"").decode("utf-8", "replace"), "status")
            obj = _trigger_object(body)
            if obj:
                found.append(
                    Automation(
                        "ApexTrigger",
                        props.full_name,
                        obj,
                        _is_active("ApexTrigger", status),
                        status or "",
                    )
                )
        elif props.type in ("ValidationRule", "WorkflowRule", "DuplicateRule"):
            obj, _, child = props.full_name.partition(".")
            directory, suffix, element, switch = _FILES[props.type]
            if props.type == "DuplicateRule":
                text = files.get(f"{directory}/{props.full_name}.{suffix}", b"").decode()
                value = _value(text, switch)
            else:
                text = files.get(f"{directory}/{obj}.{suffix}", b"").decode()
                value = next(
                    (_value(b, switch) for n, b in _blocks(text, element) if n == child), None
                )
            found.append(
                Automation(
                    props.type, props.full_name, obj, _is_active(props.type, value), value or ""
                )
            )
    for props in flows:
        xml = files.get(f"flows/{props.full_name}.flow", b"").decode("utf-8", "replace")
        obj, trigger_type = _flow_start(xml)
        if not obj or not trigger_type.startswith("Record"):
            continue  # not record-triggered
        definitions.append((re.sub(r"-\d+$", "", props.full_name), obj))
    if definitions:
        defs = _read_all(
            md,
            [
                FileProperties("FlowDefinition", name, f"flowDefinitions/{name}.flowDefinition", {})
                for name, _obj in definitions
            ],
        )
        for name, obj in definitions:
            text = defs.get(f"flowDefinitions/{name}.flowDefinition", b"").decode()
            number = _value(text, "activeVersionNumber")
            found.append(
                Automation(
                    "FlowDefinition", name, obj, _is_active("FlowDefinition", number), number or "0"
                )
            )
    if object_name:
        found = [a for a in found if a.object_name == object_name]
    return sorted(found, key=lambda a: (a.object_name, KINDS.index(a.kind), a.full_name))


def automations_for(org, object_name: str) -> list[Automation]:
    """The automations of one object in the org now (the wizard's step 4)."""
    from orgs.services import org_client

    return automations_read(org_client(org), object_name)


def automations_for_objects(org, object_names: list[str]) -> dict[str, list[Automation]]:
    """{object: its automations} for several objects with one metadata read."""
    from orgs.services import org_client

    found = automations_read(org_client(org))
    return {name: [a for a in found if a.object_name == name] for name in object_names}


# --- switching -------------------------------------------------------------------------


def _set_switch(text: str, kind: str, child: str, value: str) -> str:
    _dir, _suffix, element, switch = _FILES[kind]
    new = f"<{switch}>{escape(value)}</{switch}>"

    def flip(block: str) -> str:
        if re.search(rf"<{switch}>.*?</{switch}>", block, re.S):
            return re.sub(rf"<{switch}>.*?</{switch}>", new, block, count=1, flags=re.S)
        closing = block.rfind("</")
        return block[:closing] + new + block[closing:]

    if not element:
        return flip(text)
    out = text
    for name, block in _blocks(text, element):
        if name == child:
            out = out.replace(block, flip(block), 1)
    return out


def _package(members: dict[str, list[str]], api_version: str) -> bytes:
    types = "".join(
        "<types>"
        + "".join(f"<members>{escape(m)}</members>" for m in names)
        + f"<name>{t}</name></types>"
        for t, names in sorted(members.items())
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Package xmlns="{MD_NS}">{types}'
        f"<version>{api_version}</version></Package>"
    ).encode()


def _props(kind: str, full_name: str) -> FileProperties:
    directory, suffix, _element, _switch = _FILES[kind]
    if kind in ("ValidationRule", "WorkflowRule"):
        path = f"{directory}/{full_name.split('.', 1)[0]}.{suffix}"
    else:
        path = f"{directory}/{full_name}.{suffix}"
    return FileProperties(kind, full_name, path, {})


def switch(
    client, items: list[tuple[str, str, str]], md: MetadataClient | None = None
) -> list[str]:
    """Set each (kind, full name, value) with one retrieve and one deploy; the problems
    the deploy reported (empty when it succeeded)."""
    if not items:
        return []
    md = md or _md(client)
    files = _read_all(md, [_props(kind, name) for kind, name, _v in items])
    out: dict[str, bytes] = {}
    members: dict[str, list[str]] = {}
    for kind, name, value in items:
        props = _props(kind, name)
        path = props.file_name
        if kind == "ApexTrigger":
            if not files.get(path):  # never deploy a trigger without its body
                return [f"{path}: not found in the org"]
            out[path] = files[path]
            path += "-meta.xml"
        text = (out.get(path) or files.get(path, b"")).decode("utf-8")
        if not text:
            return [f"{props.file_name}: not found in the org"]
        child = name.split(".", 1)[1] if "." in name else name
        out[path] = _set_switch(text, kind, child, value).encode()
        members.setdefault(kind, []).append(name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("package.xml", _package(members, md.api_version))
        for path, content in sorted(out.items()):
            zf.writestr(path, content)
    result = md.deploy(buffer.getvalue())
    return [] if result.success else (result.problems or [f"The deploy ended {result.status}."])


def _chosen(request) -> list[str]:
    chosen = getattr(request, "automations", None) or {}
    return [str(v) for values in chosen.values() for v in values]


def automations_planned(*, request, log: Callable[[str], None]) -> None:
    """A dry run's line: what the run will switch off (no API call: the request's choice)."""
    wanted = _chosen(request)
    if wanted:
        log(
            f"The run will switch off {len(wanted)} automation(s) before its first write and "
            f"back on after it: {', '.join(wanted)} (those already inactive are left alone)."
        )


def automations_suspend(*, job, request, client, log: Callable[[str], None]) -> int:
    """Record, then switch off, the request's chosen automations that are active. A job
    that already recorded them (a resumed run) keeps its recorded originals."""
    wanted = _chosen(request)
    if not wanted:
        return 0
    md = _md(client)
    try:
        return _suspend(job, request, client, md, wanted, log)
    finally:
        _count_calls(job, md)


def _count_calls(job, md: MetadataClient) -> None:
    """The Metadata API calls count among the job's API calls (set-up calls)."""
    if md.calls:
        Job.objects.filter(pk=job.pk).update(setup_api_calls=F("setup_api_calls") + md.calls)


def _suspend(job, request, client, md, wanted: list[str], log) -> int:
    recorded = SuspendedAutomation.objects.filter(job=job)
    if not recorded.exists():
        objects = set(request.object_names)
        available = [a for a in automations_read(client, md=md) if a.object_name in objects]
        picked = [a for a in available if a.key in wanted or a.full_name in wanted]
        missing = [w for w in wanted if not any(w in (a.key, a.full_name) for a in available)]
        if missing:
            log(f"Automations not found in the org (nothing to switch off): {', '.join(missing)}.")
        inactive = [a for a in picked if not a.active]
        if inactive:
            log(f"Already inactive, left as they are: {', '.join(a.label for a in inactive)}.")
        with transaction.atomic():  # recorded (committed) before anything is switched off
            for a in picked:
                if a.active:
                    SuspendedAutomation.objects.get_or_create(
                        job=job, kind=a.kind, full_name=a.full_name,
                        defaults={"org_id": job.org_id, "object_name": a.object_name, "original": a.original},
                    )  # fmt: skip
    rows = list(recorded.exclude(state=SuspendedAutomation.State.BACK_ON))
    if not rows:
        return 0
    problems = switch(client, [(r.kind, r.full_name, OFF[r.kind]) for r in rows], md)
    if problems:
        raise RuntimeError(
            "The automations to suspend could not be switched off, so nothing was written: "
            + "; ".join(problems)
        )
    SuspendedAutomation.objects.filter(pk__in=[r.pk for r in rows]).update(
        state=SuspendedAutomation.State.OFF
    )
    log(
        f"Switched off for this restore ({len(rows)}): "
        + ", ".join(f"{LABELS[r.kind]} {r.full_name}" for r in rows)
        + ". They are switched back on when the run ends."
    )
    return len(rows)


def automations_resume(*, job, client=None, log: Callable[[str], None] | None = None) -> int:
    """Switch the job's recorded automations back on (their original values). Idempotent;
    returns how many were switched back on."""
    rows = list(
        SuspendedAutomation.objects.filter(job=job).exclude(state=SuspendedAutomation.State.BACK_ON)
    )
    if not rows:
        return 0
    if client is None:
        from orgs.services import org_client

        client = org_client(job.org)
    md = _md(client)
    try:
        return _resume(job, rows, client, md, log)
    finally:
        _count_calls(job, md)


def _resume(job, rows, client, md, log) -> int:
    problems = switch(client, [(r.kind, r.full_name, r.original) for r in rows], md)
    if problems:  # one by one, so one refused component does not keep the others off
        done = []
        for row in rows:
            alone = switch(client, [(row.kind, row.full_name, row.original)], md)
            if alone:
                SuspendedAutomation.objects.filter(pk=row.pk).update(
                    state=SuspendedAutomation.State.FAILED, error_message="; ".join(alone)[:2000]
                )
            else:
                done.append(row)
    else:
        done = rows
    SuspendedAutomation.objects.filter(pk__in=[r.pk for r in done]).update(
        state=SuspendedAutomation.State.BACK_ON, back_on_at=timezone.now(), error_message=""
    )
    if log is not None:
        if done:
            log(
                "Switched back on: "
                + ", ".join(f"{LABELS[r.kind]} {r.full_name}" for r in done)
                + "."
            )
        failed = [r for r in rows if r not in done]
        if failed:
            log(
                "Could not be switched back on (switch them on in Salesforce Setup): "
                + ", ".join(f"{LABELS[r.kind]} {r.full_name}" for r in failed)
                + "."
            )
    return len(done)


def automations_sweep() -> int:
    """Switch back on what ended jobs left off (see the module's docstring)."""
    from jobs.services import job_log

    pending = (
        SuspendedAutomation.objects.exclude(state=SuspendedAutomation.State.BACK_ON)
        .filter(job__status__in=[Job.Status.COMPLETED, Job.Status.ERROR, Job.Status.ABORTED])
        .values_list("job_id", flat=True)
        .distinct()
    )
    done = 0
    for job in Job.objects.filter(pk__in=list(pending)).select_related("org"):

        def log(message: str, job=job) -> None:
            job_log(job=job, message=f"After the job ended: {message}")

        try:
            done += automations_resume(job=job, log=log)
        except Exception as exc:  # the next sweep tries again
            log(f"the suspended automations could not be switched back on yet: {exc}")
    return done
