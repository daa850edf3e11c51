"""Metadata restore ("Backup Metadata" restores): the chosen component versions, read from
the vault and deployed to the org through the Metadata API (one deploy, rollbackOnError:
all or nothing, as Salesforce deploys).

- `metadata_restore_run(*, org, components, as_of_seq, check_only=False, client=None,
  log=None) -> MetadataRestoreResult` — `components` are "Type:FullName" keys
  ("ApexClass:AccountService", "ValidationRule:Opportunity.Amount_Not_Negative"), each
  taken as it was in snapshot `as_of_seq` (the correct backup). A component deleted by
  then, or that the vault never held, is skipped with its reason; OrgVault never deletes
  metadata. `check_only` validates without changing the org.
- `metadata_restore_job(ctx, run)` — the restore engine's branch for a request of type
  "metadata": its `object_names` are the component keys, its correct backup the version.

Child components (a validation rule, a custom field, a workflow rule) are stored as
their element of the parent file; they are deployed inside a parent file of their own
(`<CustomObject>` holding only the chosen elements), which Salesforce merges.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.db.models import Q

from orgs.keys import org_data_key
from salesforce.metadata import MetadataClient
from vault.metadata_selectors import metadata_file_contents
from vault.models import MetadataComponentVersion

MD_NS = "http://soap.sforce.com/2006/04/metadata"
# Parent files of child components, by folder: the root element Salesforce expects.
PARENT_ROOTS = {"objects": "CustomObject", "workflows": "Workflow"}


@dataclass
class MetadataRestoreResult:
    deployed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    success: bool = False
    status: str = ""
    problems: list[str] = field(default_factory=list)
    api_calls: int = 0

    def as_json(self) -> dict:
        return {
            "deployed": self.deployed,
            "failed": self.failed,
            "skipped": [{"component": k, "reason": r} for k, r in self.skipped],
            "success": self.success,
            "status": self.status,
            "problems": self.problems,
            "api_calls": self.api_calls,
        }


def _versions_as_of(*, org, keys: list[tuple[str, str]], seq: int) -> dict:
    rows = MetadataComponentVersion.objects.filter(org=org, valid_from__lte=seq).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=seq)
    )
    wanted = Q()
    for mtype, full_name in keys:
        wanted |= Q(metadata_type=mtype, full_name=full_name)
    return {(r.metadata_type, r.full_name): r for r in rows.filter(wanted)} if keys else {}


def _parse_keys(components: list[str]) -> list[tuple[str, str]]:
    keys = []
    for text in components:
        mtype, sep, full_name = str(text).partition(":")
        if not sep or not mtype.strip() or not full_name.strip():
            raise ValueError(f"Name each component as Type:FullName (got {text!r}).")
        keys.append((mtype.strip(), full_name.strip()))
    return list(dict.fromkeys(keys))


def _package(members: dict[str, list[str]], api_version: str) -> bytes:
    types = "".join(
        "<types>"
        + "".join(f"<members>{escape(m)}</members>" for m in sorted(names))
        + f"<name>{escape(t)}</name></types>"
        for t, names in sorted(members.items())
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Package xmlns="{MD_NS}">{types}'
        f"<version>{api_version}</version></Package>"
    ).encode()


def build_zip(files: dict[str, bytes], children: dict[str, list[bytes]], package: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("package.xml", package)
        for path, content in sorted(files.items()):
            zf.writestr(path, content)
        for path, elements in sorted(children.items()):
            root = PARENT_ROOTS[path.split("/", 1)[0]]
            body = b"".join(elements)
            zf.writestr(
                path,
                f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{MD_NS}">\n'.encode()
                + body
                + f"\n</{root}>\n".encode(),
            )
    return buffer.getvalue()


def metadata_restore_run(
    *,
    org,
    components: list[str],
    as_of_seq: int,
    check_only: bool = False,
    client=None,
    log: Callable[[str], None] | None = None,
) -> MetadataRestoreResult:
    say = log or (lambda message: None)
    keys = _parse_keys(components)
    if not keys:
        raise ValueError("Choose at least one component to restore.")
    found = _versions_as_of(org=org, keys=keys, seq=as_of_seq)
    result = MetadataRestoreResult()
    data_key = org_data_key(org)
    files: dict[str, bytes] = {}
    children: dict[str, list[bytes]] = defaultdict(list)
    members: dict[str, list[str]] = defaultdict(list)
    for mtype, full_name in keys:
        key = f"{mtype}:{full_name}"
        version = found.get((mtype, full_name))
        if version is None:
            result.skipped.append((key, "not in that backup"))
            continue
        if version.is_deleted:
            result.skipped.append((key, "deleted by then: nothing to deploy (never deleted)"))
            continue
        parts = metadata_file_contents(org=org, version=version, data_key=data_key)
        usable = False
        for name, content in parts:
            path, hash_sign, _child = name.partition("#")
            if hash_sign:
                if path.split("/", 1)[0] not in PARENT_ROOTS:
                    continue
                children[path].append(content)
            else:
                files[re.sub(r"^unpackaged/", "", path)] = content
            usable = True
        if not usable:
            result.skipped.append((key, "its stored files cannot be deployed on their own"))
            continue
        members[mtype].append(full_name)
        result.deployed.append(key)
    for key, reason in result.skipped:
        say(f"Metadata {key} skipped: {reason}.")
    if not result.deployed:
        result.status = "Nothing to deploy"
        return result
    if client is None:
        from orgs.services import org_client

        client = org_client(org)
    md = MetadataClient(client, poll_seconds=0.5)
    package = _package(members, md.api_version)
    outcome = md.deploy(build_zip(files, children, package), check_only=check_only)
    result.api_calls = md.calls
    result.success, result.status, result.problems = (
        outcome.success,
        outcome.status,
        outcome.problems,
    )
    what = "Validated (check only)" if check_only else "Deployed"
    if outcome.success:
        say(f"{what} {len(result.deployed)} component(s): {', '.join(result.deployed)}.")
    else:
        say(
            f"The deploy of {len(result.deployed)} component(s) failed ({outcome.status}); "
            "nothing was changed: " + "; ".join(outcome.problems)
        )
        result.failed, result.deployed = result.deployed, []
    return result


def metadata_restore_job(ctx, run) -> MetadataRestoreResult:
    """A "metadata" restore request run as a restore job (its components, as of its
    correct backup); the counts go to the RestoreRun, the outcome to the job's log."""
    request = run.request
    result = metadata_restore_run(
        org=request.org,
        components=list(request.object_names),
        as_of_seq=request.correct_seq,
        check_only=run.dry_run,
        log=ctx.log,
    )
    counts = {
        "metadata": {
            "deploy": len(result.deployed),
            "skipped": len(result.skipped),
            "failed": len(result.failed),
        }
    }
    type(run).objects.filter(pk=run.pk).update(
        counts=counts, write_calls=result.api_calls, api_calls_for_run=result.api_calls
    )
    if result.failed:
        raise RuntimeError(f"The metadata deploy failed: {'; '.join(result.problems)}")
    return result
