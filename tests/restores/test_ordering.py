"""The restore's ordering rules, on describe-shaped input."""

from restores.engine import dependency_order, hierarchy_levels


def _describe(*lookups: tuple[str, str], children: tuple = ()) -> dict:
    fields = [
        {"name": name, "type": "reference", "referenceTo": [target], "createable": True}
        for name, target in lookups
    ]
    return {"fields": fields, "childRelationships": list(children)}


def test_parents_go_before_children_and_a_cycle_starts_with_the_cascade_parent():
    describes = {
        "Case": _describe(("AccountId", "Account"), ("ContactId", "Contact")),
        "Contact": _describe(("AccountId", "Account")),
        "Account": _describe(("ParentId", "Account")),
    }
    assert dependency_order(["Case", "Contact", "Account"], describes) == (
        ["Account", "Contact", "Case"], False,
    )  # fmt: skip
    describes["Account"] = _describe(
        ("Primary_Contact__c", "Contact"),
        children=({"childSObject": "Contact", "field": "AccountId", "cascadeDelete": True},),
    )
    assert dependency_order(["Contact", "Account"], describes) == (["Account", "Contact"], True)


def test_a_three_level_hierarchy_is_inserted_level_by_level():
    records = {
        "c1": {"ParentId": "b1"},
        "b1": {"ParentId": "a1"},
        "a1": {"ParentId": None},
        "b2": {"ParentId": "a1"},
        "x": {"ParentId": "001-live-parent"},  # its parent is not re-created: level 0
        "loop1": {"ParentId": "loop2"},
        "loop2": {"ParentId": "loop1"},
    }
    levels = [sorted(level) for level in hierarchy_levels(records, ["ParentId"])]
    assert levels[:3] == [["a1", "loop2", "x"], ["b1", "b2", "loop1"], ["c1"]]
