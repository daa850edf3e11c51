"""Composite & Sync's Id comparison: which of the vault's Ids the org no longer has."""

from array import array

from backups.engine.deletes import missing_from


def test_missing_from_finds_the_vault_values_the_org_lacks_in_any_order():
    org = array("q", [30, -7, 10, 10])
    vault = array("q", [10, 20, -7, 30, 2**62])
    assert missing_from(org, vault) == {20, 2**62}


def test_missing_from_with_an_empty_side():
    assert missing_from(array("q"), array("q", [1, 2])) == {1, 2}
    assert missing_from(array("q", [1, 2]), array("q")) == set()
