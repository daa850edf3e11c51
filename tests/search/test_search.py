"""Search every version of a real backup history of the simulator: old, current and
deleted versions; through the blind index or a full scan."""

import io
import json

import pytest
from django.core.management import call_command

from orgs.services import org_data_key
from search import blind_index
from search.engine import index_plan
from search.models import BlindIndexEntry, IndexedSegment
from tests.search.support import run_search
from vault.models import RecordVersion, Segment


def test_an_email_search_finds_every_version_through_the_blind_index(marked):
    org, contact_id = marked["org"], marked["contact_id"]
    search = run_search(org, "Contact", f"Email = '{marked['marker']}'", children=["Case"])
    assert search.used_index
    assert list(search.results["Contact"]) == [contact_id]
    versions = RecordVersion.objects.filter(
        org=org, object_name="Contact", record_id=contact_id
    ).order_by("valid_from")
    # Created, title changed, email changed (no longer the marker), deleted: all four.
    assert search.results["Contact"][contact_id] == [v.pk for v in versions]
    assert len(versions) == 4
    assert versions.last().state != RecordVersion.State.PRESENT
    # The child Case that references the Contact, with its versions.
    assert list(search.results["Case"]) == [marked["case_id"]]
    assert search.counts == {"Contact": 1, "Case": 1}
    assert search.expires_at - search.ready_at == blind_index_retention()


def blind_index_retention():
    from search.models import RETENTION

    return RETENTION


def test_a_case_and_spacing_variant_matches_and_a_prefix_search_too(marked):
    org = marked["org"]
    search = run_search(org, "Contact", f"Email = '  {marked['marker'].upper()} '")
    # SOQL equality on the decrypted value decides in the end: no false positive.
    assert search.used_index
    prefix = run_search(org, "Contact", f"Email LIKE 'gdpr-{marked['token']}%'")
    assert prefix.used_index
    assert list(prefix.results["Contact"]) == [marked["contact_id"]]
    assert search.counts["Contact"] in (0, 1)


def test_a_filter_on_a_field_not_indexed_scans_every_segment(marked):
    org = marked["org"]
    search = run_search(
        org, "Contact", f"Title = 'First title' AND LastName = 'Marker{marked['token']}'"
    )
    # LastName is indexed, so the index narrows, and Title is checked on decrypted rows.
    assert search.used_index
    assert list(search.results["Contact"]) == [marked["contact_id"]]
    scan = run_search(org, "Contact", "Title = 'Second title'")
    assert not scan.used_index
    assert marked["contact_id"] in scan.results["Contact"]


def test_the_index_holds_no_value_in_clear_and_covers_every_segment(marked):
    org = marked["org"]
    out = io.StringIO()
    call_command(
        "search_index_build", "--org", str(org.pk), "--objects", "Contact", "--json", stdout=out
    )
    assert json.loads(out.getvalue())["org"] == org.pk
    segments = Segment.objects.filter(org=org, object_name="Contact")
    assert IndexedSegment.objects.filter(segment__in=segments).count() == segments.count()
    tokens = BlindIndexEntry.objects.filter(org=org)
    assert tokens.exists()
    assert not tokens.filter(token__contains=marked["marker"].encode()).exists()
    found = set(
        blind_index.lookup(
            org=org,
            object_name="Contact",
            field_name="Email",
            kind="eq",
            value=marked["marker"],
            data_key=org_data_key(org),
        )  # fmt: skip
    )
    assert found and {v.record_id for v in RecordVersion.objects.filter(pk__in=found)} == {
        marked["contact_id"]
    }


@pytest.mark.parametrize(
    ("text", "plan"),
    [
        ("Email = 'a@b.c'", ("Email", "eq", "a@b.c")),
        ("Name LIKE 'Ada%'", ("Name", "p", "Ada")),
        ("Name LIKE '%Ada%'", None),
        ("Title = 'x' AND Phone = '+1 555'", ("Phone", "eq", "+1 555")),
        ("Email = 'a@b.c' OR Title = 'x'", None),
    ],
)
def test_which_filters_use_the_index(text, plan):
    assert index_plan(text, set(blind_index.DEFAULT_FIELDS)) == plan


def test_search_run_command_prints_the_search_and_its_matches(marked):
    out = io.StringIO()
    call_command(
        "search_run", "--org", str(marked["org"].pk), "--object", "Contact",
        "--filter", f"Email = '{marked['marker']}'", "--children", "Case", "--wait", "--json",
        stdout=out,
    )  # fmt: skip
    data = json.loads(out.getvalue())
    assert data["status"] == "completed"
    assert data["search"]["counts"] == {"Contact": 1, "Case": 1}
    assert data["search"]["used_index"] is True


def test_a_search_needs_a_filter_on_the_parent(marked):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="filter on Contact is required"):
        call_command("search_run", "--org", str(marked["org"].pk), "--object", "Contact",
                     "--filter", " ", "--wait")  # fmt: skip


def test_results_are_forgotten_after_seven_days(marked):
    from datetime import timedelta

    from django.utils import timezone

    from search.models import Search
    from search.services import search_sweep_expired
    from search.tasks import search_sweep_task

    search = run_search(marked["org"], "Contact", f"Email = '{marked['marker']}'")
    assert search_sweep_task() == 0
    later = timezone.now() + timedelta(days=7, seconds=1)
    assert search_sweep_expired(now=later) == 1
    search = Search.objects.select_related("job").get(pk=search.pk)
    assert search.results == {} and search.is_expired(later)
    assert marked["marker"] not in search.filter_text + str(search.job.settings)
