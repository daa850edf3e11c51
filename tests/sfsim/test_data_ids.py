# ruff: noqa: S608  (SOQL text built in tests)
import pytest

from sfsim import ids
from sfsim.errors import SalesforceError


@pytest.mark.parametrize(
    ("id15", "suffix"),
    [
        ("001D000000IqhSL", "IAZ"),  # the example in Salesforce's documentation
        ("012000000000000", "AAA"),  # master record type Id in the real describe files
        ("01254000001upcK", "AAQ"),  # a record type Id in the real Account describe
    ],
)
def test_checksum_matches_real_ids(id15, suffix):
    assert ids.checksum(id15) == suffix
    assert ids.to18(id15) == id15 + suffix


def test_to18_normalises_case_of_suffix_and_rejects_bad_ids():
    assert ids.to18("001D000000IqhSLiaz") == "001D000000IqhSLIAZ"
    for bad in ("001", "001D000000IqhSL!", "001D000000IqhSLAAA", 12):
        with pytest.raises(SalesforceError) as err:
            ids.to18(bad)
        assert err.value.error_code == "MALFORMED_ID"


def test_made_ids_have_prefix_checksum_and_sort_in_creation_order():
    made = [ids.make_id("003", ids.org_tag(1), n) for n in (1, 61, 62, 3843, 10**9)]
    assert all(len(i) == 18 and i.startswith("003") for i in made)
    assert all(ids.to18(i[:15]) == i for i in made)
    assert made == sorted(made)
    assert ids.make_org_id(1).startswith("00D") and ids.is_valid(ids.make_org_id(1))
