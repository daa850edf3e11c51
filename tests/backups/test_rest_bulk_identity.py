"""The same record read through REST and through Bulk API 2.0 hashes identically, so a
backup that switches API between runs (a small incremental on REST after a full on Bulk)
never stores a version that did not change. Every field type the simulator's objects
have, nulls, unicode, long text, dates and date-times, against the simulator."""

import pytest

from orgs.services import org_client
from salesforce.reads import ObjectReader
from tests.backups import engine_support
from tests.fixtures.sfsim import sf_client
from vault import codec

backup_org = engine_support.backup_org
OBJECTS = ["Account", "Contact", "Opportunity", "Case", "Event", "Task", "Lead", "Product2"]


@pytest.fixture
def odd_records(sfsim):
    """Records with the values a CSV or JSON reader can get wrong."""
    sf = sf_client(sfsim)
    made = [
        ("Account", sf.Account.create({
            "Name": "Ünïcødé ☃ \"quoted\", comma\nnew line",
            "Description": "long " + "x" * 31_000,
            "AnnualRevenue": 1234567.89,
            "NumberOfEmployees": 0,
            "Website": "",
        })["id"]),
        ("Contact", sf.Contact.create({
            "LastName": "Ødegård", "FirstName": "Zoë", "Birthdate": "1970-01-01",
            "Email": None,
        })["id"]),
        ("Opportunity", sf.Opportunity.create({
            "Name": "0", "StageName": "Prospecting", "CloseDate": "2031-12-31",
            "Amount": 0.5, "Probability": 100,
        })["id"]),
        # 16 and 17 significant digits: a CSV with 15 would read back as another number.
        ("Opportunity", sf.Opportunity.create({
            "Name": "a third", "StageName": "Prospecting", "CloseDate": "2031-12-31",
            "Amount": 1 / 3, "TotalOpportunityQuantity": 0.1 + 0.2,
        })["id"]),
        ("Account", sf.Account.create({
            "Name": "Greenwich", "BillingLatitude": 51.47792800000001, "AnnualRevenue": 12345678901234.56,
        })["id"]),
    ]  # fmt: skip
    yield made
    for name, record_id in made:
        getattr(sf, name).delete(record_id)


def _reader(client, name: str) -> ObjectReader:
    reader = ObjectReader.for_object(client, name)
    reader.load_describe()
    return reader


def _rows(pages) -> dict[str, list]:
    return {row[0]: row for page in pages for row in page.rows}


def test_rest_and_bulk_rows_are_identical_and_hash_alike(backup_org, odd_records):
    client = org_client(backup_org)
    key = codec.hash_key(b"k" * 32)
    compared = 0
    types: set[str] = set()
    for name in OBJECTS:
        reader = _reader(client, name)
        types |= {f["type"] for f in reader.describe["fields"] if f["name"] in reader.fields}
        rest = _rows(reader.rest_pages())
        bulk = _rows(reader.bulk_pages())
        assert rest.keys() == bulk.keys(), name
        for record_id, row in rest.items():
            assert row == bulk[record_id], (name, record_id)
            assert codec.content_hash(key, codec.values_line(row)) == codec.content_hash(
                key, codec.values_line(bulk[record_id])
            )
            compared += 1
    assert compared > 100
    # The odd values came through both ways.
    assert {"string", "textarea", "date", "datetime", "boolean", "currency", "int"} <= types
    account_id = odd_records[0][1]
    reader = _reader(client, "Account")
    row = _rows(reader.rest_pages(f"Id = '{account_id}'"))[account_id]
    assert row[reader.fields.index("Name")].startswith("Ünïcødé ☃")
    assert len(row[reader.fields.index("Description")]) == 31_005
    opportunities = _reader(client, "Opportunity")
    third_id = odd_records[3][1]
    third = _rows(opportunities.bulk_pages(f"Id = '{third_id}'"))[third_id]
    assert third[opportunities.fields.index("Amount")] == 1 / 3  # all 17 digits, through Bulk
