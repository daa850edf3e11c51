"""SFDX source objects (X/X.object-meta.xml, X/fields/*.field-meta.xml) -> describe JSON."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from sfsim.schema import COMPACT, _system_fields, field_describe, make_object

NS = "{http://soap.sforce.com/2006/04/metadata}"

# Metadata API field type -> describe type
FIELD_TYPES = {
    "Text": "string",
    "TextArea": "textarea",
    "LongTextArea": "textarea",
    "Html": "textarea",
    "Picklist": "picklist",
    "MultiselectPicklist": "multipicklist",
    "Checkbox": "boolean",
    "Number": "double",
    "Currency": "currency",
    "Percent": "percent",
    "Date": "date",
    "DateTime": "datetime",
    "Time": "time",
    "Email": "email",
    "Phone": "phone",
    "Url": "url",
    "Lookup": "reference",
    "MasterDetail": "reference",
    "AutoNumber": "string",
    "EncryptedText": "encryptedstring",
    "Location": "location",
}
# Salesforce's describe lengths for types whose metadata has no <length>.
FIXED_LENGTHS = {"Email": 80, "Phone": 40, "Url": 255, "AutoNumber": 30, "TextArea": 255}
DESCRIBE_TO_METADATA = {
    "string": "Text",
    "textarea": "LongTextArea",
    "picklist": "Picklist",
    "multipicklist": "MultiselectPicklist",
    "boolean": "Checkbox",
    "int": "Number",
    "double": "Number",
    "currency": "Currency",
    "percent": "Percent",
    "date": "Date",
    "datetime": "DateTime",
    "time": "Time",
    "email": "Email",
    "phone": "Phone",
    "url": "Url",
    "reference": "Lookup",
    "combobox": "Picklist",
    "encryptedstring": "EncryptedText",
    "location": "Location",
}


def _text(el, tag: str, default: str | None = None) -> str | None:
    child = el.find(NS + tag)
    return child.text if child is not None and child.text is not None else default


def field_from_xml(el) -> tuple[dict, str | None, str | None]:
    """(field describe, delete rule, child relationship name): the first of fields_from_xml."""
    fields, delete, child_rel = fields_from_xml(el)
    return fields[0], delete, child_rel


def fields_from_xml(el) -> tuple[list[dict], str | None, str | None]:
    """(field describes, delete rule 'cascade'|'restrict'|'setnull'|None, child relationship
    name) for a <CustomField> (or <fields>) element. Most types give one field; a Location
    gives the compound field and its ``__Latitude__s`` / ``__Longitude__s`` components."""
    field, delete, child_rel = _field_from_xml(el)
    if field["type"] != "location":
        return [field], delete, child_rel
    base = field["name"].removesuffix("__c")
    scale = int(_text(el, "scale", "15") or 15)
    components = []
    for part in ("Latitude", "Longitude"):
        component = field_describe(
            f"{base}__{part}__s",
            "double",
            label=f"{field['label']} ({part})",
            precision=18,
            scale=scale,
            custom=True,
        )
        component["compoundFieldName"] = field["name"]
        components.append(component)
    return [field, *components], delete, child_rel


def _field_from_xml(el) -> tuple[dict, str | None, str | None]:
    name = _text(el, "fullName")
    mtype = _text(el, "type", "Text")
    ftype = FIELD_TYPES.get(mtype, "string")
    formula = _text(el, "formula")
    length = int(_text(el, "length", "0") or 0) or FIXED_LENGTHS.get(mtype, 0)
    if mtype == "LongTextArea" or mtype == "Html":
        length = length or 32768
    elif mtype == "TextArea":
        length = 255
    if formula is not None and ftype == "string":
        length = 1300
    values = [_text(v, "fullName") for v in el.iter(NS + "value") if _text(v, "fullName")]
    restricted = (
        _text(el.find(NS + "valueSet"), "restricted", "false") == "true"
        if el.find(NS + "valueSet") is not None
        else False
    )
    refs = [r.text for r in el.findall(NS + "referenceTo") if r.text]
    master = mtype == "MasterDetail"
    rel = _text(el, "relationshipName")
    delete = None
    if ftype == "reference":
        constraint = _text(el, "deleteConstraint", "SetNull")
        delete = (
            "cascade"
            if master or constraint == "Cascade"
            else ("restrict" if constraint == "Restrict" else "setnull")
        )
    writable = mtype not in ("AutoNumber", "Location") and formula is None
    field = field_describe(
        name,
        ftype,
        label=_text(el, "label"),
        length=length,
        required=formula is None and (master or _text(el, "required", "false") == "true"),
        refs=refs,
        rel=(name.removesuffix("__c") + "__r") if refs else None,
        picklist=values,
        restricted=restricted,
        unique=_text(el, "unique", "false") == "true",
        external_id=_text(el, "externalId", "false") == "true",
        precision=int(_text(el, "precision", "18") or 18),
        scale=int(_text(el, "scale", "0") or 0),
        cascade=master,
        custom=True,
        createable=writable,
        updateable=writable
        and not (master and _text(el, "reparentableMasterDetail", "false") != "true"),
        default_value=(_text(el, "defaultValue") == "true")
        if ftype == "boolean" and formula is None
        else None,
        calculated=formula is not None,
    )
    if formula is not None:
        field["calculatedFormula"] = formula
        field["formulaTreatNullNumberAsZero"] = _text(el, "formulaTreatBlanksAs") == "BlankAsZero"
        field["defaultedOnCreate"] = False
        field["defaultValue"] = None
        field["permissionable"] = True
    if mtype == "AutoNumber":
        field["autoNumber"] = True
        field["defaultedOnCreate"] = True
    if mtype == "Html":
        field["extraTypeInfo"] = "richtextarea"
        field["htmlFormatted"] = True
    if ftype == "location":
        field["createable"] = field["updateable"] = False
        field["nillable"] = True
        field["filterable"] = field["sortable"] = field["groupable"] = False
    if master:
        field["relationshipOrder"] = int(_text(el, "relationshipOrder", "0") or 0)
    return field, delete, (rel + "__r") if rel else None


def load_sfdx(
    objects_dir: str | Path, existing: dict[str, dict], prefix_for
) -> tuple[dict[str, dict], dict]:
    """Describes for every object folder under ``objects_dir`` (new custom objects get their
    system fields; fields on existing objects are added to a copy of their describe), plus
    the child-relationship rules {(child, field): (delete, relationship name)}."""
    out: dict[str, dict] = {}
    rules: dict = {}
    for folder in sorted(Path(objects_dir).iterdir()):
        if not folder.is_dir():
            continue
        name = folder.name
        if name.endswith("__e"):
            continue  # platform events are not records
        meta_file = folder / f"{name}.object-meta.xml"
        fields = []
        for path in sorted((folder / "fields").glob("*.field-meta.xml")):
            made, delete, child_rel = fields_from_xml(ET.parse(path).getroot())
            fields.extend(made)
            field = made[0]
            if field["type"] == "reference":
                rules[(name, field["name"])] = (delete, child_rel)
        if name in existing or name in out:
            describe = dict(existing.get(name) or out[name])
            known = {f["name"] for f in describe["fields"]}
            describe["fields"] = list(describe["fields"]) + [
                f for f in fields if f["name"] not in known
            ]
            out[name] = describe
            continue
        root = ET.parse(meta_file).getroot() if meta_file.exists() else None
        label = _text(root, "label", name) if root is not None else name
        plural = _text(root, "pluralLabel", label + "s") if root is not None else label + "s"
        name_field = root.find(NS + "nameField") if root is not None else None
        has_master = any(
            f["type"] == "reference" and f.get("cascadeDelete") and not f["nillable"]
            for f in fields
        )
        spec = {"owner": not has_master, "custom": True}
        system = _system_fields(name, spec)
        name_type = _text(name_field, "type", "Text") if name_field is not None else "Text"
        system.insert(
            2,
            field_describe(
                "Name",
                "string",
                label=_text(name_field, "label", "Name") if name_field is not None else "Name",
                length=80,
                required=name_type != "AutoNumber",
                name_field=True,
                custom=False,
                createable=name_type != "AutoNumber",
                updateable=name_type != "AutoNumber",
            ),
        )
        out[name] = make_object(
            name, prefix_for(name), system + fields, custom=True, label=label, plural=plural
        )
    return out, rules


__all__ = ["load_sfdx", "field_from_xml", "fields_from_xml", "DESCRIBE_TO_METADATA", "COMPACT"]
