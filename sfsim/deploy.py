"""Metadata API deploy: a zip of package.xml + component files, applied to an org.

Follows Salesforce's DeployOptions:
- ``checkOnly``: validate only. Everything is applied inside one transaction that is then
  rolled back, so the result says what would be created, changed and deleted while the
  org stays exactly as it was.
- ``rollbackOnError``: when any component fails, nothing is applied (status Failed);
  without it the components that succeeded stay (status SucceededPartial).
- ``ignoreWarnings``: warnings (a destructive change naming a missing component, "No
  ApexClass named: X found") fail the deploy unless set.
- ``destructiveChangesPre.xml`` is applied before the components, ``destructiveChanges.xml``
  and ``destructiveChangesPost.xml`` after them. Stored components (ApexClass, Layout,
  Profile, ...) and custom fields can be deleted; other types are refused per component.

Folder entries of the zip (``unpackaged/``, ``classes/``) are not components and are
skipped. A component is reported ``created: true`` when the org did not have it.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass

from sfsim.errors import SalesforceError

NS = "http://soap.sforce.com/2006/04/metadata"
DESTRUCTIVE_PRE = "destructiveChangesPre.xml"
DESTRUCTIVE_POST = ("destructiveChanges.xml", "destructiveChangesPost.xml")
_MANIFESTS = {"package.xml", DESTRUCTIVE_PRE, *DESTRUCTIVE_POST}


@dataclass(frozen=True)
class DeployOptions:
    check_only: bool = False
    rollback_on_error: bool = False
    ignore_warnings: bool = False


class _Rollback(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised inside the deploy transaction to undo it (checkOnly, or a failed deploy)."""


def _failure(file_name: str, full_name: str, mtype: str, problem: str, kind: str = "Error"):
    return {
        "fileName": file_name,
        "fullName": full_name,
        "componentType": mtype,
        "problem": problem,
        "problemType": kind,
        "success": False,
        "created": False,
        "changed": False,
        "deleted": False,
    }


def _success(file_name: str, full_name: str, mtype: str, *, created: bool, deleted: bool):
    return {
        "fileName": file_name,
        "fullName": full_name,
        "componentType": mtype,
        "created": created,
        "changed": not created,
        "deleted": deleted,
        "success": True,
    }


def read_manifest(data: bytes) -> dict[str, list[str]]:
    """``{type: [members]}`` of a package.xml-shaped file (namespace optional)."""
    root = ET.fromstring(data)
    out: dict[str, list[str]] = {}
    for types in root.iter():
        if types.tag.rpartition("}")[2] != "types":
            continue
        name = ""
        members = []
        for child in types:
            tag = child.tag.rpartition("}")[2]
            if tag == "name":
                name = (child.text or "").strip()
            elif tag == "members":
                members.append((child.text or "").strip())
        if name:
            out.setdefault(name, []).extend(members)
    return out


def deploy(store, zip_bytes: bytes, user, options: DeployOptions) -> dict:
    """Apply ``zip_bytes`` to ``store.org`` under ``options``; a DeployResult-like dict."""
    from sfsim.metadata import _deploy_result

    org = store.org
    now = org.now()
    try:
        zf = zipfile.ZipFile(io.BytesIO(zip_bytes))
        entries = [info.filename for info in zf.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, ValueError):
        return _deploy_result(
            now, [], [_failure("", "", "", "The deploy file is not a zip file.")], options
        )
    manifests = [n for n in entries if n.rpartition("/")[2] == "package.xml"]
    if not manifests:
        failure = _failure("package.xml", "package.xml", "", "No package.xml found")
        return _deploy_result(now, [], [failure], options)
    root_prefix = min(manifests, key=len)[: -len("package.xml")]
    files = {n[len(root_prefix) :]: n for n in entries if n.startswith(root_prefix)}
    successes: list[dict] = []
    failures: list[dict] = []
    try:
        with org.transaction():
            if DESTRUCTIVE_PRE in files:
                _destroy(
                    store, zf.read(files[DESTRUCTIVE_PRE]), DESTRUCTIVE_PRE, successes, failures
                )
            _apply_components(store, zf, files, user, successes, failures)
            for manifest in DESTRUCTIVE_POST:
                if manifest in files:
                    _destroy(store, zf.read(files[manifest]), manifest, successes, failures)
            blocking = [
                f for f in failures if f["problemType"] == "Error" or not options.ignore_warnings
            ]
            if options.check_only or (blocking and options.rollback_on_error):
                raise _Rollback
    except _Rollback:
        pass
    return _deploy_result(now, successes, failures, options)


def _apply_components(store, zf, files: dict[str, str], user, successes, failures) -> None:
    from sfsim.metadata import DIRECTORIES, TYPES

    for rel in sorted(files):
        if rel in _MANIFESTS or rel.endswith("-meta.xml"):
            continue
        directory, _, file_name = rel.partition("/")
        mtype = DIRECTORIES.get(directory)
        if mtype is None or not file_name:
            failures.append(
                _failure(rel, file_name, "", f"Unknown type name for directory {directory}")
            )
            continue
        suffix = TYPES[mtype][1]
        full_name = re.sub(rf"\.{re.escape(suffix)}$", "", file_name)
        content = zf.read(files[rel])
        meta_name = files[rel] + "-meta.xml"
        meta = zf.read(meta_name) if rel + "-meta.xml" in files else None
        created = not store.exists(mtype, full_name)
        try:
            with store.org.transaction():
                store._deploy_one(mtype, full_name, content, meta, user)
        except (SalesforceError, ET.ParseError, ValueError, UnicodeDecodeError) as exc:
            failures.append(
                _failure(rel, full_name, mtype, getattr(exc, "message", None) or str(exc))
            )
            continue
        successes.append(_success(rel, full_name, mtype, created=created, deleted=False))


def _destroy(store, data: bytes, manifest: str, successes, failures) -> None:
    try:
        wanted = read_manifest(data)
    except ET.ParseError as exc:
        failures.append(_failure(manifest, manifest, "", f"Error parsing file: {exc}"))
        return
    for mtype, members in wanted.items():
        for full_name in members:
            file_name = store.file_name(mtype, full_name)
            if not store.exists(mtype, full_name):
                failures.append(
                    _failure(
                        file_name,
                        full_name,
                        mtype,
                        f"No {mtype} named: {full_name} found",
                        "Warning",
                    )
                )
                continue
            try:
                with store.org.transaction():
                    store.delete_component(mtype, full_name)
            except SalesforceError as exc:
                failures.append(_failure(file_name, full_name, mtype, exc.message))
                continue
            successes.append(_success(file_name, full_name, mtype, created=False, deleted=True))
