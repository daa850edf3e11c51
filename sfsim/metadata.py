# ruff: noqa: S608 -- SQL is built only from quoted schema identifiers; values are bound parameters
"""MetadataStore: an org's metadata components with versioned file content.

Stored components (ApexClass, Layout, Profile, PermissionSet, Report, EmailTemplate,
StaticResource, and anything deployed) live in the org's ``_metadata`` table, every change
kept in ``_metadata_versions``. CustomObject / CustomField come from the org's schema,
ApexTrigger / ValidationRule / Flow / FlowDefinition / Workflow (WorkflowRule) /
DuplicateRule from its automations, so deactivating an automation shows in a retrieve and
deploying an inactive one deactivates it.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
import zlib
from xml.sax.saxutils import escape

from sfsim import automations, ids
from sfsim.errors import SalesforceError

NS = "http://soap.sforce.com/2006/04/metadata"
MAX_RETRIEVE_FILES = 10_000

# xmlName: (directoryName, suffix, inFolder, metaFile, childXmlNames)
TYPES = {
    "ApexClass": ("classes", "cls", False, True, ()),
    "ApexTrigger": ("triggers", "trigger", False, True, ()),
    "CustomObject": (
        "objects",
        "object",
        False,
        False,
        ("CustomField", "ValidationRule", "ListView", "RecordType"),
    ),
    "Flow": ("flows", "flow", False, False, ()),
    "FlowDefinition": ("flowDefinitions", "flowDefinition", False, False, ()),
    "Layout": ("layouts", "layout", False, False, ()),
    "Profile": ("profiles", "profile", False, False, ()),
    "PermissionSet": ("permissionsets", "permissionset", False, False, ()),
    "Report": ("reports", "report", True, False, ()),
    "EmailTemplate": ("email", "email", True, True, ()),
    "StaticResource": ("staticresources", "resource", False, True, ()),
    "Workflow": ("workflows", "workflow", False, False, ("WorkflowRule",)),
    "DuplicateRule": ("duplicateRules", "duplicateRule", False, False, ()),
}
CHILD_TYPES = ("CustomField", "ValidationRule", "WorkflowRule")
FOLDER_TYPES = {"ReportFolder": "Report", "EmailFolder": "EmailTemplate"}
DIRECTORIES = {v[0]: k for k, v in TYPES.items()}
ID_PREFIXES = {
    "ApexClass": "01p",
    "ApexTrigger": "01q",
    "CustomObject": "01I",
    "CustomField": "00N",
    "ValidationRule": "03d",
    "Flow": "301",
    "FlowDefinition": "300",
    "Layout": "00h",
    "Profile": "00e",
    "PermissionSet": "0PS",
    "Report": "00O",
    "EmailTemplate": "00X",
    "StaticResource": "081",
    "Workflow": "01Q",
    "WorkflowRule": "01Q",
    "DuplicateRule": "0Bm",
}


def _meta_xml(root: str, body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NS}">\n{body}</{root}>\n'
    ).encode()


def _tag(name: str, value) -> str:
    return f"    <{name}>{escape(str(value))}</{name}>\n"


SAMPLES = {
    ("ApexClass", "AccountService"): (
        b"public with sharing class AccountService {\n"
        b"    public static List<Account> hotAccounts() {\n"
        b"        return [SELECT Id, Name, Rating FROM Account WHERE Rating = 'Hot' LIMIT 200];\n"
        b"    }\n}\n",
        _meta_xml("ApexClass", _tag("apiVersion", "59.0") + _tag("status", "Active")),
    ),
    ("ApexClass", "AccountServiceTest"): (
        b"@IsTest\nprivate class AccountServiceTest {\n    @IsTest static void findsHot() {\n"
        b"        insert new Account(Name = 'Big', AnnualRevenue = 20000000);\n"
        b"        System.assertEquals(1, AccountService.hotAccounts().size());\n    }\n}\n",
        _meta_xml("ApexClass", _tag("apiVersion", "59.0") + _tag("status", "Active")),
    ),
    ("Layout", "Account-Account Layout"): (
        _meta_xml(
            "Layout",
            "    <layoutSections>\n        <label>Account Information</label>\n"
            "        <style>TwoColumnsTopToBottom</style>\n    </layoutSections>\n",
        ),
        None,
    ),
    ("Layout", "Case-Case Layout"): (
        _meta_xml(
            "Layout",
            "    <layoutSections>\n        <label>Case Information</label>\n"
            "        <style>TwoColumnsTopToBottom</style>\n    </layoutSections>\n",
        ),
        None,
    ),
    ("Profile", "Admin"): (
        _meta_xml("Profile", _tag("custom", "false") + _tag("userLicense", "Salesforce")),
        None,
    ),
    ("Profile", "Standard"): (
        _meta_xml("Profile", _tag("custom", "false") + _tag("userLicense", "Salesforce")),
        None,
    ),
    ("PermissionSet", "Integration_Read_Only"): (
        _meta_xml(
            "PermissionSet",
            _tag("label", "Integration Read Only") + "    <userPermissions>\n"
            "        <enabled>true</enabled>\n        <name>ViewAllData</name>\n"
            "    </userPermissions>\n",
        ),
        None,
    ),
    ("Report", "SalesReports/Pipeline_By_Stage"): (
        _meta_xml(
            "Report",
            _tag("name", "Pipeline by Stage")
            + _tag("format", "Summary")
            + _tag("reportType", "Opportunity"),
        ),
        None,
    ),
    ("Report", "SupportReports/Open_Cases"): (
        _meta_xml(
            "Report",
            _tag("name", "Open Cases") + _tag("format", "Tabular") + _tag("reportType", "CaseList"),
        ),
        None,
    ),
    ("EmailTemplate", "SupportTemplates/Case_Received"): (
        b"Hello {!Contact.FirstName},\n\nWe received your case {!Case.CaseNumber}.\n",
        _meta_xml(
            "EmailTemplate",
            _tag("available", "true")
            + _tag("encodingKey", "UTF-8")
            + _tag("name", "Case Received")
            + _tag("style", "none")
            + _tag("subject", "We received your case")
            + _tag("type", "text"),
        ),
    ),
    ("StaticResource", "brand_logo"): (
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
        ),
        _meta_xml(
            "StaticResource", _tag("cacheControl", "Public") + _tag("contentType", "image/png")
        ),
    ),
}


class MetadataStore:
    def __init__(self, org):
        self.org = org

    # ------------------------------------------------------------------ helpers
    def _user(self):
        uid = self.org.admin_id()
        try:
            return self.org.user(uid)
        except (KeyError, SalesforceError):
            return None

    def _new_id(self, mtype: str) -> str:
        with self.org.transaction():
            self.org._counter += 1
            return ids.make_id(ID_PREFIXES.get(mtype, "000"), self.org.tag, self.org._counter)

    def save(
        self, mtype: str, full_name: str, content: bytes | None, meta: bytes | None, user=None
    ) -> None:
        """Create or update a stored component, keeping the previous content as a version."""
        user = user or self._user()
        uid = user.id if user else self.org.admin_id()
        now = self.org.now()
        with self.org.transaction() as conn:
            row = conn.execute(
                "SELECT version FROM _metadata WHERE type = ? AND full_name = ?", (mtype, full_name)
            ).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO _metadata (type, full_name, id, content, meta, version, created, "
                    "created_by, modified, modified_by) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
                    (mtype, full_name, self._new_id(mtype), content, meta, now, uid, now, uid),
                )
                version = 1
            else:
                version = row[0] + 1
                conn.execute(
                    "UPDATE _metadata SET content = ?, meta = ?, version = ?, modified = ?, "
                    "modified_by = ? WHERE type = ? AND full_name = ?",
                    (content, meta, version, now, uid, mtype, full_name),
                )
            conn.execute(
                "INSERT INTO _metadata_versions (type, full_name, version, content, meta, "
                "modified) VALUES (?, ?, ?, ?, ?, ?)",
                (mtype, full_name, version, content, meta, now),
            )

    def versions(self, mtype: str, full_name: str) -> list[dict]:
        rows = (
            self.org.conn()
            .execute(
                "SELECT version, content, meta, modified FROM _metadata_versions WHERE type = ? "
                "AND full_name = ? ORDER BY version",
                (mtype, full_name),
            )
            .fetchall()
        )
        return [{"version": r[0], "content": r[1], "meta": r[2], "modified": r[3]} for r in rows]

    def seed_defaults(self) -> None:
        for (mtype, full_name), (content, meta) in SAMPLES.items():
            self.save(mtype, full_name, content, meta)

    # ------------------------------------------------------------------ components
    def _components(self, mtype: str) -> list[dict]:
        """{fullName, fileName, id, created, createdBy, modified, modifiedBy} of a type."""
        org = self.org
        out = []
        if mtype in ("CustomObject", "CustomField"):
            for od in org.objects().values():
                if mtype == "CustomObject":
                    out.append(
                        {
                            "fullName": od.name,
                            "fileName": f"objects/{od.name}.object",
                            "id": ids.make_id("01I", org.tag, zlib.crc32(od.name.encode()) % 10**9)
                            if od.describe.get("custom")
                            else od.name,
                        }
                    )
                    continue
                for f in od.describe["fields"]:
                    if f.get("custom"):
                        out.append(
                            {
                                "fullName": f"{od.name}.{f['name']}",
                                "fileName": f"objects/{od.name}.object",
                                "id": ids.make_id(
                                    "00N",
                                    org.tag,
                                    zlib.crc32(f"{od.name}.{f['name']}".encode()) % 10**9,
                                ),
                            }
                        )
            return out
        if mtype in ("Workflow", "WorkflowRule", "DuplicateRule"):
            return self._rule_components(mtype)
        if mtype in ("ApexTrigger", "ValidationRule", "Flow", "FlowDefinition"):
            kind = {"Flow": "FlowDefinition"}.get(mtype, mtype)
            rows = (
                org.conn()
                .execute(
                    "SELECT id, name, object, created, modified FROM _automations WHERE kind = ? "
                    "ORDER BY name",
                    (kind,),
                )
                .fetchall()
            )
            for rid, name, obj, created, modified in rows:
                full = f"{obj}.{name}" if mtype == "ValidationRule" else name
                directory, suffix = (
                    ("objects", "object") if mtype == "ValidationRule" else TYPES[mtype][:2]
                )
                file_name = (
                    f"objects/{obj}.object"
                    if mtype == "ValidationRule"
                    else f"{directory}/{name}.{suffix}"
                )
                out.append(
                    {
                        "fullName": full,
                        "fileName": file_name,
                        "id": rid if mtype != "Flow" else "301" + rid[3:15] + rid[15:],
                        "created": created,
                        "modified": modified,
                    }
                )
            if mtype != "ApexTrigger":
                return out
        rows = (
            org.conn()
            .execute(
                "SELECT full_name, id, created, created_by, modified, modified_by FROM _metadata "
                "WHERE type = ? ORDER BY full_name",
                (mtype,),
            )
            .fetchall()
        )
        directory, suffix = TYPES[mtype][:2] if mtype in TYPES else (mtype.lower(), "xml")
        for full, rid, created, cby, modified, mby in rows:
            if any(c["fullName"] == full for c in out):
                continue
            out.append(
                {
                    "fullName": full,
                    "fileName": f"{directory}/{full}.{suffix}",
                    "id": rid,
                    "created": created,
                    "createdBy": cby,
                    "modified": modified,
                    "modifiedBy": mby,
                }
            )
        return out

    def _rule_components(self, mtype: str) -> list[dict]:
        """Workflow (one per object with workflow rules), WorkflowRule and DuplicateRule
        (``Object.Name``) from the automations table."""
        kind = "WorkflowRule" if mtype == "Workflow" else mtype
        rows = (
            self.org.conn()
            .execute(
                "SELECT id, name, object, created, modified FROM _automations WHERE kind = ? "
                "ORDER BY object, name",
                (kind,),
            )
            .fetchall()
        )
        out: list[dict] = []
        for rid, name, obj, created, modified in rows:
            if mtype == "Workflow":
                if any(c["fullName"] == obj for c in out):
                    continue
                full, file_name = obj, f"workflows/{obj}.workflow"
            elif mtype == "WorkflowRule":
                full, file_name = f"{obj}.{name}", f"workflows/{obj}.workflow"
            else:
                full, file_name = f"{obj}.{name}", f"duplicateRules/{obj}.{name}.duplicateRule"
            out.append(
                {
                    "fullName": full,
                    "fileName": file_name,
                    "id": rid,
                    "created": created,
                    "modified": modified,
                }
            )
        return out

    def _rule_content(self, mtype: str, full_name: str) -> bytes:
        obj, _, name = full_name.partition(".")
        if mtype == "DuplicateRule":
            row = (
                self.org.conn()
                .execute(
                    "SELECT active, body, error_message FROM _automations WHERE "
                    "kind = 'DuplicateRule' AND object = ? AND name = ?",
                    (obj, name),
                )
                .fetchone()
            )
            if row is None:
                raise SalesforceError("NOT_FOUND", f"No DuplicateRule named {full_name}")
            active, field, message = row
            return _meta_xml(
                "DuplicateRule",
                _tag("actionOnInsert", "Block")
                + _tag("actionOnUpdate", "Block")
                + _tag("alertText", message or "")
                + _tag("isActive", "true" if active else "false")
                + _tag("masterLabel", name.replace("_", " "))
                + "    <duplicateRuleMatchRules>\n"
                + "        "
                + _tag("matchRuleSObjectType", obj)
                + "        "
                + _tag("matchingRule", f"{obj}_{field}_Exact")
                + "    </duplicateRuleMatchRules>\n"
                + _tag("sobjectType", obj),
            )
        rows = (
            self.org.conn()
            .execute(
                "SELECT name, active, body FROM _automations WHERE kind = 'WorkflowRule' "
                "AND object = ? ORDER BY name",
                (obj,),
            )
            .fetchall()
        )
        if not rows or (name and name not in {r[0] for r in rows}):
            raise SalesforceError("NOT_FOUND", f"No {mtype} named {full_name}")
        body = ""
        for rule, active, formula in rows:
            if name and rule != name:
                continue
            body += (
                "    <rules>\n        "
                + _tag("fullName", rule)
                + "        "
                + _tag("actions", f"{rule}_Update")
                + "        "
                + _tag("active", "true" if active else "false")
                + "        "
                + _tag("formula", formula)
                + "        "
                + _tag("triggerType", "onCreateOrTriggeringUpdate")
                + "    </rules>\n"
            )
        return _meta_xml("Workflow", body)

    def _deploy_rules(self, mtype: str, full_name: str, content: bytes) -> None:
        """A deployed workflows/X.workflow (its <rules>) or duplicateRules file: the
        automations' active flags follow it."""
        root = ET.fromstring(content)
        ns = "{" + NS + "}"
        if mtype == "DuplicateRule":
            obj, _, name = full_name.partition(".")
            active = root.findtext(ns + "isActive") or root.findtext("isActive")
            self._set_rule_active("DuplicateRule", obj, name, active)
            return
        for rule in list(root.findall(ns + "rules")) + list(root.findall("rules")):
            name = rule.findtext(ns + "fullName") or rule.findtext("fullName") or ""
            active = rule.findtext(ns + "active") or rule.findtext("active")
            self._set_rule_active("WorkflowRule", full_name, name, active)

    def _set_rule_active(self, kind: str, obj: str, name: str, active: str | None) -> None:
        row = (
            self.org.conn()
            .execute(
                "SELECT id FROM _automations WHERE kind = ? AND object = ? AND name = ?",
                (kind, obj, name),
            )
            .fetchone()
        )
        if row is None:
            raise SalesforceError(
                "INVALID_CROSS_REFERENCE_KEY", f"{kind} {obj}.{name} is not supported here"
            )
        if active is not None:
            automations.set_active(self.org, kind, name, active.strip() == "true")

    def _folders(self, folder_type: str) -> list[dict]:
        """Folders of an in-folder type (ReportFolder, EmailFolder), from its components."""
        content_type = FOLDER_TYPES[folder_type]
        directory = TYPES[content_type][0]
        out = {}
        for comp in self._components(content_type):
            folder = comp["fullName"].split("/", 1)[0]
            out.setdefault(
                folder,
                {
                    "fullName": folder,
                    "fileName": f"{directory}/{folder}",
                    "id": ids.make_id("00l", self.org.tag, zlib.crc32(folder.encode()) % 10**9),
                    "created": comp.get("created"),
                    "modified": comp.get("modified"),
                },
            )
        return list(out.values())

    def _props(self, mtype: str, comp: dict) -> dict:
        admin = self._user()
        now = self.org.now()
        created_by = comp.get("createdBy") or (admin.id if admin else "")
        modified_by = comp.get("modifiedBy") or created_by
        names = {}
        for uid in {created_by, modified_by}:
            try:
                names[uid] = self.org.user(uid).name if uid else ""
            except (KeyError, SalesforceError):
                names[uid] = ""
        return {
            "createdById": created_by,
            "createdByName": names.get(created_by, ""),
            "createdDate": comp.get("created") or now,
            "fileName": comp["fileName"],
            "fullName": comp["fullName"],
            "id": comp["id"],
            "lastModifiedById": modified_by,
            "lastModifiedByName": names.get(modified_by, ""),
            "lastModifiedDate": comp.get("modified") or comp.get("created") or now,
            "manageableState": "unmanaged",
            "namespacePrefix": "",
            "type": mtype,
        }

    # ------------------------------------------------------------------ API
    def describe_metadata(self) -> dict:
        objects = []
        for name, (directory, suffix, in_folder, meta_file, children) in TYPES.items():
            objects.append(
                {
                    "xmlName": name,
                    "directoryName": directory,
                    "suffix": suffix,
                    "inFolder": in_folder,
                    "metaFile": meta_file,
                    "childXmlNames": list(children),
                }
            )
        return {
            "metadataObjects": objects,
            "organizationNamespace": "",
            "partialSaveAllowed": True,
            "testRequired": False,
        }

    def list_metadata(self, metadata_type: str, folder: str | None = None) -> list[dict]:
        """FileProperties dicts for every component of a type (in ``folder`` for Report and
        EmailTemplate). Unknown types give an empty list, as Salesforce does."""
        if metadata_type in FOLDER_TYPES:
            return [self._props(metadata_type, c) for c in self._folders(metadata_type)]
        if metadata_type not in TYPES and metadata_type not in CHILD_TYPES:
            return []
        comps = self._components(metadata_type)
        if folder and TYPES.get(metadata_type, (None, None, False))[2]:
            comps = [c for c in comps if c["fullName"].startswith(folder + "/")]
        return [self._props(metadata_type, c) for c in comps]

    def retrieve(
        self, unpackaged: dict[str, list[str]], api_version: str
    ) -> tuple[bytes, list[dict]]:
        """(zip bytes, fileProperties) for the requested members ("*" = all of a type).
        Raises LIMIT_EXCEEDED when the result would hold more than 10,000 files."""
        files: dict[str, bytes] = {}
        props = []
        objects: dict[str, dict[str, list[str]]] = {}
        for mtype, members in unpackaged.items():
            if mtype not in TYPES and mtype not in CHILD_TYPES:
                continue
            comps = self._components(mtype)
            wanted = set(members)
            if TYPES[mtype if mtype in TYPES else "ApexClass"][2]:
                folder_type = next(f for f, t in FOLDER_TYPES.items() if t == mtype)
                for folder in self._folders(folder_type):
                    if folder["fullName"] in wanted:
                        props.append(self._props(folder_type, folder))
                        files[f"unpackaged/{folder['fileName']}-meta.xml"] = _meta_xml(
                            folder_type,
                            _tag("accessType", "Public")
                            + _tag("name", folder["fullName"].replace("_", " ")),
                        )
            for comp in comps:
                if "*" not in wanted and comp["fullName"] not in wanted:
                    continue
                props.append(self._props(mtype, comp))
                if mtype in ("CustomObject", "CustomField", "ValidationRule"):
                    obj, _, child = comp["fullName"].partition(".")
                    objects.setdefault(obj, {"fields": [], "rules": [], "whole": []})
                    key = {
                        "CustomObject": "whole",
                        "CustomField": "fields",
                        "ValidationRule": "rules",
                    }[mtype]
                    objects[obj][key].append(child)
                    continue
                content, meta = self._content(mtype, comp["fullName"])
                files[f"unpackaged/{comp['fileName']}"] = content
                if meta is not None:
                    files[f"unpackaged/{comp['fileName']}-meta.xml"] = meta
                if len(files) > MAX_RETRIEVE_FILES:
                    break
        for obj, parts in objects.items():
            files[f"unpackaged/objects/{obj}.object"] = self._object_xml(obj, parts)
        if len(files) + 1 > MAX_RETRIEVE_FILES:
            raise SalesforceError(
                "LIMIT_EXCEEDED",
                f"Too many files in retrieve call: the limit is "
                f"{MAX_RETRIEVE_FILES} files. Retrieve fewer components per call.",
            )
        files["unpackaged/package.xml"] = package_xml(unpackaged, api_version)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name in sorted(files):
                zf.writestr(name, files[name])
        return buf.getvalue(), props

    def _content(self, mtype: str, full_name: str) -> tuple[bytes, bytes | None]:
        org = self.org
        if mtype in ("Workflow", "WorkflowRule", "DuplicateRule"):
            return self._rule_content(mtype, full_name), None
        if mtype in ("ApexTrigger", "Flow", "FlowDefinition"):
            kind = "ApexTrigger" if mtype == "ApexTrigger" else "FlowDefinition"
            row = (
                org.conn()
                .execute(
                    "SELECT object, active, body FROM _automations WHERE kind = ? AND name = ?",
                    (kind, full_name),
                )
                .fetchone()
            )
            if row is not None:
                obj, active, body = row
                if mtype == "ApexTrigger":
                    return body.encode(), _meta_xml(
                        "ApexTrigger",
                        _tag("apiVersion", "59.0")
                        + _tag("status", "Active" if active else "Inactive"),
                    )
                if mtype == "FlowDefinition":
                    return _meta_xml(
                        "FlowDefinition", _tag("activeVersionNumber", 1 if active else 0)
                    ), None
                return _flow_xml(full_name, obj, body, active), None
        row = (
            org.conn()
            .execute(
                "SELECT content, meta FROM _metadata WHERE type = ? AND full_name = ?",
                (mtype, full_name),
            )
            .fetchone()
        )
        if row is None:
            raise SalesforceError("NOT_FOUND", f"No {mtype} named {full_name}", status=404)
        return bytes(row[0] or b""), (bytes(row[1]) if row[1] is not None else None)

    def read_metadata(self, mtype: str, full_names: list[str]) -> list[tuple[str, list]]:
        """readMetadata: (fullName, child elements of the component's XML) per name, in
        order; an empty list of children for a name the org does not have. Types with a
        separate body (ApexClass, StaticResource...) get it base64 in ``<content>``."""
        import base64

        out = []
        for full_name in full_names:
            try:
                if mtype == "CustomObject":
                    xml = self._object_xml(
                        full_name, {"whole": [full_name], "fields": [], "rules": []}
                    )
                    children = list(ET.fromstring(xml)) if full_name in self.org.objects() else []
                elif mtype == "CustomField":
                    obj, _, field = full_name.partition(".")
                    xml = self._object_xml(obj, {"whole": [], "fields": [field], "rules": []})
                    found = ET.fromstring(xml).find(f"{{{NS}}}fields")
                    children = (
                        [c for c in found if not c.tag.endswith("fullName")]
                        if found is not None
                        else []
                    )
                elif mtype in TYPES:
                    content, meta = self._content(mtype, full_name)
                    if TYPES[mtype][3]:  # the body is separate from its -meta.xml
                        children = list(ET.fromstring(meta)) if meta else []
                        body = ET.Element(f"{{{NS}}}content")
                        body.text = base64.b64encode(content).decode()
                        children.append(body)
                    else:
                        children = list(ET.fromstring(content))
                else:
                    children = []
            except (SalesforceError, ET.ParseError):
                children = []
            out.append((full_name, [c for c in children if not c.tag.endswith("}fullName")]))
        return out

    def _object_xml(self, obj: str, parts: dict) -> bytes:
        from sfsim.loaders.sfdx import DESCRIBE_TO_METADATA

        od = self.org.objects().get(obj)
        body = ""
        whole = bool(parts["whole"])
        if od is not None:
            if whole:
                body += _tag("label", od.describe.get("label", obj))
                body += _tag("pluralLabel", od.describe.get("labelPlural", obj))
                body += _tag("deploymentStatus", "Deployed")
                body += _tag("sharingModel", "ReadWrite" if od.has_owner else "ControlledByParent")
            for f in od.describe["fields"]:
                if not f.get("custom") or (not whole and f["name"] not in parts["fields"]):
                    continue
                if f.get("compoundFieldName") and f["name"].endswith("__s"):
                    continue  # a Location's __Latitude__s / __Longitude__s come with it
                mtype = DESCRIBE_TO_METADATA.get(f["type"], "Text")
                if f["type"] == "reference" and f.get("cascadeDelete"):
                    mtype = "MasterDetail"
                body += (
                    "    <fields>\n"
                    + "".join(
                        "    " + _tag(k, v)
                        for k, v in (
                            ("fullName", f["name"]),
                            ("label", f["label"]),
                            ("type", mtype),
                        )
                    )
                    + ("    " + _tag("length", f["length"]) if mtype == "Text" else "")
                    + (
                        "    " + _tag("formula", f["calculatedFormula"])
                        if f.get("calculatedFormula")
                        else ""
                    )
                    + "".join("    " + _tag("referenceTo", r) for r in f.get("referenceTo", []))
                    + "    </fields>\n"
                )
        rows = (
            self.org.conn()
            .execute(
                "SELECT name, active, body, error_message FROM _automations WHERE "
                "kind = 'ValidationRule' AND object = ? ORDER BY name",
                (obj,),
            )
            .fetchall()
        )
        for name, active, formula, message in rows:
            if not whole and name not in parts["rules"]:
                continue
            body += (
                "    <validationRules>\n"
                + "    "
                + _tag("fullName", name)
                + "    "
                + _tag("active", "true" if active else "false")
                + "    "
                + _tag("errorConditionFormula", formula)
                + "    "
                + _tag("errorMessage", message or "")
                + "    </validationRules>\n"
            )
        return _meta_xml("CustomObject", body)

    def deploy(self, zip_bytes: bytes, user, options=None) -> dict:
        """Apply a deploy zip (see ``sfsim.deploy``): stored components are created or
        updated (a new version each), triggers / validation rules / flows change their
        automation's body and active flag, custom fields in objects/*.object are added to
        the schema, destructiveChanges*.xml delete. Returns a DeployResult-like dict."""
        from sfsim.deploy import DeployOptions
        from sfsim.deploy import deploy as run_deploy

        return run_deploy(self, zip_bytes, user, options or DeployOptions())

    def exists(self, mtype: str, full_name: str) -> bool:
        """Whether the org has this component (CustomField as ``Object.Field__c``)."""
        if mtype == "CustomObject":
            return full_name in self.org.objects()
        if mtype == "CustomField":
            obj, _, field = full_name.partition(".")
            od = self.org.objects().get(obj)
            return od is not None and field in od.fields
        return any(c["fullName"] == full_name for c in self._components(mtype))

    def file_name(self, mtype: str, full_name: str) -> str:
        if mtype in ("CustomField", "ValidationRule", "CustomObject"):
            return f"objects/{full_name.partition('.')[0]}.object"
        directory, suffix = TYPES[mtype][:2] if mtype in TYPES else (mtype.lower(), "xml")
        return f"{directory}/{full_name}.{suffix}"

    def delete_component(self, mtype: str, full_name: str) -> None:
        """Delete a stored component or a custom field; other types are refused."""
        if mtype == "CustomField":
            obj, _, field = full_name.partition(".")
            if not field.endswith("__c"):
                raise SalesforceError(
                    "INVALID_CROSS_REFERENCE_KEY", f"Cannot delete standard field {full_name}"
                )
            describe = dict(self.org.objects()[obj].describe)
            describe["fields"] = [f for f in describe["fields"] if f["name"] != field]
            self.org.install_schema({obj: describe})
            return
        with self.org.transaction() as conn:
            deleted = conn.execute(
                "DELETE FROM _metadata WHERE type = ? AND full_name = ?", (mtype, full_name)
            ).rowcount
        if not deleted:
            raise SalesforceError(
                "INVALID_CROSS_REFERENCE_KEY",
                f"The simulator cannot delete {mtype} components ({full_name}).",
            )

    def _deploy_one(
        self, mtype: str, full_name: str, content: bytes, meta: bytes | None, user
    ) -> None:
        org = self.org
        if mtype == "ApexTrigger" and full_name == automations.TRIGGER:
            status = _xml_value(meta, "status") if meta else None
            with org.transaction() as conn:
                conn.execute(
                    "UPDATE _automations SET body = ?, modified = ? WHERE "
                    "kind = 'ApexTrigger' AND name = ?",
                    (content.decode(), org.now(), full_name),
                )
            if status:
                automations.set_active(org, "ApexTrigger", full_name, status == "Active")
            return
        if mtype == "FlowDefinition" and full_name == automations.FLOW:
            number = _xml_value(content, "activeVersionNumber")
            automations.set_active(org, "FlowDefinition", full_name, number not in (None, "0", ""))
            return
        if mtype == "Flow" and full_name == automations.FLOW:
            status = _xml_value(content, "status")
            automations.set_active(org, "FlowDefinition", full_name, status == "Active")
            return
        if mtype == "CustomObject":
            self._deploy_object(full_name, content)
            return
        if mtype in ("Workflow", "DuplicateRule"):
            self._deploy_rules(mtype, full_name, content)
            return
        self.save(mtype, full_name, content, meta, user)

    def _deploy_object(self, obj: str, content: bytes) -> None:
        from sfsim.loaders.sfdx import fields_from_xml

        root = ET.fromstring(content)
        ns = "{" + NS + "}"
        for rule in root.findall(ns + "validationRules"):
            name = rule.findtext(ns + "fullName")
            active = rule.findtext(ns + "active")
            message = rule.findtext(ns + "errorMessage")
            row = (
                self.org.conn()
                .execute(
                    "SELECT id FROM _automations WHERE kind = 'ValidationRule' AND name = ? "
                    "AND object = ?",
                    (name, obj),
                )
                .fetchone()
            )
            if row is None:
                raise SalesforceError(
                    "INVALID_CROSS_REFERENCE_KEY",
                    f"Validation rule {obj}.{name} is not supported here",
                )
            if message:
                with self.org.transaction() as conn:
                    conn.execute(
                        "UPDATE _automations SET error_message = ? WHERE id = ?", (message, row[0])
                    )
            if active is not None:
                automations.set_active(self.org, "ValidationRule", name, active == "true")
        new_fields, rules = [], {}
        for el in root.findall(ns + "fields"):
            made, delete, child_rel = fields_from_xml(el)
            new_fields.extend(made)
            field = made[0]
            if field["type"] == "reference":
                rules[(obj, field["name"])] = (delete, child_rel)
        if new_fields:
            od = self.org.objects().get(obj)
            if od is None:
                raise SalesforceError("INVALID_TYPE", f"No object {obj} to add fields to")
            describe = dict(od.describe)
            known = {f["name"]: i for i, f in enumerate(describe["fields"])}
            fields = list(describe["fields"])
            for f in new_fields:
                if f["name"] in known:
                    fields[known[f["name"]]] = f
                else:
                    fields.append(f)
            describe["fields"] = fields
            self.org.install_schema({obj: describe}, rules)


def _xml_value(data: bytes | None, tag: str) -> str | None:
    if not data:
        return None
    root = ET.fromstring(data)
    found = root.find(f"{{{NS}}}{tag}")
    if found is None:
        found = root.find(tag)
    return found.text if found is not None else None


def _flow_xml(name: str, obj: str, description: str, active: bool) -> bytes:
    body = (
        _tag("apiVersion", "59.0")
        + _tag("description", description)
        + _tag("label", name.replace("_", " "))
        + _tag("processType", "AutoLaunchedFlow")
        + "    <recordCreates>\n        <name>Create_Follow_Up_Task</name>\n"
        "        <object>Task</object>\n    </recordCreates>\n"
        + "    <start>\n"
        + "    "
        + _tag("object", obj)
        + "    "
        + _tag("recordTriggerType", "Create")
        + "    "
        + _tag("triggerType", "RecordAfterSave")
        + "    <filters>\n"
        "            <field>Priority</field>\n            <operator>EqualTo</operator>\n"
        "            <value><stringValue>High</stringValue></value>\n"
        "        </filters>\n    </start>\n" + _tag("status", "Active" if active else "Obsolete")
    )
    return _meta_xml("Flow", body)


def package_xml(unpackaged: dict[str, list[str]], api_version: str) -> bytes:
    body = ""
    for mtype, members in unpackaged.items():
        body += "    <types>\n" + "".join(
            f"        <members>{escape(m)}</members>\n" for m in members
        )
        body += f"        <name>{escape(mtype)}</name>\n    </types>\n"
    body += f"    <version>{escape(str(api_version))}</version>\n"
    return _meta_xml("Package", body)


def _deploy_result(now: str, successes: list, failures: list, options=None) -> dict:
    errors = [f for f in failures if f.get("problemType", "Error") == "Error"]
    warnings = [f for f in failures if f not in errors]
    ignore = bool(options and options.ignore_warnings)
    blocking = errors + ([] if ignore else warnings)
    rolled_back = bool(blocking and options and options.rollback_on_error)
    if not blocking:
        status = "Succeeded"
    elif successes and not rolled_back:
        status = "SucceededPartial"
    else:
        status = "Failed"
    return {
        "success": not blocking,
        "status": status,
        "done": True,
        "checkOnly": bool(options and options.check_only),
        "rollbackOnError": bool(options and options.rollback_on_error),
        "ignoreWarnings": ignore,
        "numberComponentsDeployed": len(successes),
        "numberComponentErrors": len(blocking),
        "numberComponentsTotal": len(successes) + len(failures),
        "componentFailures": failures,
        "completedDate": now,
        "details": {"componentSuccesses": successes, "componentFailures": failures},
    }
