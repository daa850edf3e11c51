import json
from pathlib import Path

from salesforce.catalog import (
    BIG_OBJECT,
    BINARY,
    CUSTOM_METADATA,
    FEED,
    HISTORY,
    NONE,
    SHARE,
    TAG,
    category_for,
    entries_from_describe_global,
    has_base64_field,
)
from tests.fixtures import SALESFORCE_DATA

REAL_GLOBAL = Path(__file__).resolve().parents[2] / "sfsim" / "schema_data" / "global.json"


def test_categories_follow_the_job_settings():
    assert category_for("Telemetry__b") == BIG_OBJECT
    assert category_for("Feature_Flag__mdt") == CUSTOM_METADATA
    assert category_for("Attachment") == BINARY
    assert category_for("ContentVersion") == BINARY
    assert category_for("Document") == BINARY
    assert category_for("AccountTag") == TAG
    assert category_for("TagDefinition") == TAG
    assert category_for("AccountHistory") == HISTORY
    assert category_for("Invoice__History") == HISTORY
    assert category_for("AccountFeed") == FEED
    assert category_for("AccountShare") == SHARE
    assert category_for("Invoice__Share") == SHARE
    assert category_for("Account") == NONE
    assert category_for("Invoice__c") == NONE


def test_entries_from_a_real_describe_global():
    body = json.loads(REAL_GLOBAL.read_text())
    entries = entries_from_describe_global(body)
    assert len(entries) == len(body["sobjects"])
    assert [e.name for e in entries] == sorted(e.name for e in entries)
    by_name = {e.name: e for e in entries}
    account = by_name["Account"]
    assert (account.key_prefix, account.label, account.custom) == ("001", "Account", False)
    assert account.queryable and account.replicateable and account.retrievable
    feeds = [e for e in entries if e.category == FEED]
    assert feeds and all(e.name.endswith("Feed") for e in feeds)


def test_has_base64_field_reads_a_describe():
    assert has_base64_field({"fields": [{"name": "Body", "type": "base64"}]})
    account = json.loads((SALESFORCE_DATA / "describe" / "Account.json").read_text())
    assert not has_base64_field(account)
