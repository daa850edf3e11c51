"""The simulator's automations through the Tooling API (the real simple-salesforce client):
read whether each is active, switch one on or off (test set-up only; the restore itself
switches them through the Metadata API)."""

TRIGGER = ("ApexTrigger", "AccountRatingTrigger")
RULE = ("ValidationRule", "Amount_Not_Negative")
FLOW = ("FlowDefinition", "Case_Escalation_Task")
_NAME = {
    "ApexTrigger": "Name",
    "ValidationRule": "ValidationName",
    "FlowDefinition": "DeveloperName",
}


def _records(sf, kind: str) -> list[dict]:
    # The object and field names are fixed above, never user input.
    soql = f"SELECT Id, {_NAME[kind]} FROM {kind}"  # noqa: S608
    return sf.restful("tooling/query", params={"q": soql})["records"]


def states(sf) -> dict[tuple[str, str], bool]:
    """{(kind, name): active} of the three automations."""
    out = {}
    for kind in ("ApexTrigger", "ValidationRule", "FlowDefinition"):
        for rec in _records(sf, kind):
            full = sf.restful(f"tooling/sobjects/{kind}/{rec['Id']}")
            if kind == "ApexTrigger":
                active = full["Status"] == "Active"
            elif kind == "ValidationRule":
                active = bool(full["Active"])
            else:
                active = bool(full["ActiveVersionId"])
            out[(kind, rec[_NAME[kind]])] = active
    return out


def set_active(sf, kind: str, name: str, active: bool) -> None:
    rec = next(r for r in _records(sf, kind) if r[_NAME[kind]] == name)
    values = {
        "ApexTrigger": {"Status": "Active" if active else "Inactive"},
        "ValidationRule": {"Active": active},
        "FlowDefinition": {"Metadata": {"activeVersionNumber": 1 if active else 0}},
    }[kind]
    sf.restful(f"tooling/sobjects/{kind}/{rec['Id']}", method="PATCH", json=values)


def all_on(sf) -> None:
    for kind, name in (TRIGGER, RULE, FLOW):
        set_active(sf, kind, name, True)
