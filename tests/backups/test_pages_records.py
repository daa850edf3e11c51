"""Data drill-down: an object's records (decrypted names, filters, search, pagination,
bounded queries), a record's fields, and its History tab comparing versions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.backups.factories import make_backup, make_org, record_id
from tests.backups.page_support import use_private_storage
from vault.selectors import record_versions


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    use_private_storage(settings, tmp_path)


@pytest.fixture
def org(tenant_a):
    return make_org(tenant_a)


ACME = record_id("001", 1)
GLOBEX = record_id("001", 2)
INITECH = record_id("001", 3)
HOOLI = record_id("001", 4)


@pytest.fixture
def history(org):
    """Three backups: full, then an edit, a soft delete and a new record, then a hard delete."""
    first = make_backup(
        org,
        {
            "Account": [
                (ACME, {"Name": "Acme", "Phone": "111"}),
                (GLOBEX, {"Name": "Globex", "Phone": "222"}),
                (INITECH, {"Name": "Initech", "Phone": "333"}),
            ]
        },
        name="Full",
    )
    second = make_backup(
        org,
        {
            "Account": [
                (ACME, {"Name": "Acme Corp", "Phone": "111"}),
                (GLOBEX, {"Name": "Globex", "Phone": "222", "IsDeleted": True}),
                (HOOLI, {"Name": "Hooli", "Phone": "444"}),
            ]
        },
        name="Incremental",
    )
    third = make_backup(org, {}, hard_deleted={"Account": [INITECH]}, name="Sync")
    return first, second, third


def url(name, job, *args):
    app = "jobs" if name in ("job", "job_abort", "job_logs", "job_logs_csv") else "backups"
    return reverse(f"{app}:{name}", args=[job.org_id, job.pk, *args])


def test_object_page_lists_what_the_job_changed_with_decrypted_names(client_user_a, history):
    _, second, _ = history
    response = client_user_a.get(url("job_object", second, "Account"))
    page = response.content.decode()
    rows = {v.record_id: v.change for v in response.context["pagination"]}
    assert rows == {ACME: "changed", GLOBEX: "deleted", HOOLI: "added"}
    for text in ["Acme Corp", "Globex", "Hooli", "All - 3", "Added - 1", "Changed - 1"]:
        assert text in page
    assert "Deleted - 1" in page and "In the Recycle Bin" in page
    assert url("record", second, "Account", ACME) in page
    for label in ["Status", "API calls", "Duration", "Start date", "End date", "Size"]:
        assert f"<dt>{label}</dt>" in page


def test_object_page_filters_and_searches_by_record_id(client_user_a, history):
    _, second, _ = history

    def ids(query):
        rows = client_user_a.get(url("job_object", second, "Account"), query).context["pagination"]
        return [v.record_id for v in rows]

    assert ids({"show": "added"}) == [HOOLI]
    assert ids({"show": "changed"}) == [ACME]
    assert ids({"show": "deleted"}) == [GLOBEX]
    assert ids({"q": GLOBEX[-8:].lower()}) == [GLOBEX]
    assert ids({"show": "added", "q": ACME}) == []


def test_hard_deleted_record_shows_the_fields_it_last_had(client_user_a, history):
    *_, third = history
    page = client_user_a.get(url("job_object", third, "Account")).content.decode()
    assert INITECH in page and "Initech" in page and "Hard deleted" in page


def test_unknown_object_or_record_is_404(client_user_a, history):
    first, *_ = history
    assert client_user_a.get(url("job_object", first, "Nope")).status_code == 404
    missing = record_id("001", 99)
    assert client_user_a.get(url("record", first, "Account", missing)).status_code == 404


def test_object_records_query_count_does_not_grow_with_rows(client_user_a, org):
    """Added, changed and hard-deleted rows on one page: the count stays the same."""

    def queries_for(rows: int) -> int:
        records = [(record_id(f"{rows:03d}", n), {"Name": f"Account {n}"}) for n in range(rows)]
        gone = [rid for rid, _ in records[: rows // 5]]
        make_backup(org, {"Account": records[: rows // 2]}, name="first")
        job = make_backup(
            org,
            {"Account": [(rid, {"Name": f"{v['Name']}!"}) for rid, v in records[rows // 5 :]]},
            hard_deleted={"Account": gone},
            name="second",
        )
        with CaptureQueriesContext(connection) as captured:
            response = client_user_a.get(url("job_object", job, "Account"), {"per_page": 50})
        assert len(response.context["pagination"]) == rows
        page = response.content.decode()
        assert f"Account {rows - 1}!" in page and "Account 0<" in page  # a hard-deleted name
        return len(captured)

    at_10 = queries_for(10)
    assert queries_for(50) == at_10 <= 11  # with the org's key rows and the permission groups


def test_record_page_shows_every_field_of_the_jobs_version(client_user_a, history):
    first, second, _ = history
    page = client_user_a.get(url("record", first, "Account", ACME)).content.decode()
    assert "<span>Phone</span>111" in page and "<span>Name</span>Acme<" in page
    assert "data-filter=" in page and "js/backups.js" in page
    later = client_user_a.get(url("record", second, "Account", ACME)).content.decode()
    assert "<span>Name</span>Acme Corp<" in later


def test_history_tab_compares_two_versions(client_user_a, history):
    first, second, _ = history
    response = client_user_a.get(url("record_history", second, "Account", ACME))
    page = response.content.decode()
    assert [row.job.name for row in response.context["rows"]] == ["Full", "Incremental"]
    diffs = response.context["diffs"]
    assert [(d.name, d.left, d.right) for d in diffs] == [("Name", "Acme Corp", "Acme")]
    assert '<tr class="diff-changed" data-changed="1">' in page
    assert "Show identical fields" in page
    assert "Acme Corp <span" in page  # the headline names this version's record

    everything = client_user_a.get(
        url("record_history", second, "Account", ACME), {"identical": "1"}
    ).context["diffs"]
    assert {d.name: d.changed for d in everything} == {
        "Id": False,
        "Name": True,
        "Phone": False,
        "IsDeleted": False,
    }


def test_history_tab_lets_the_admin_pick_any_two_versions(client_user_a, history):
    first, second, third = history
    rows = client_user_a.get(url("record_history", third, "Account", INITECH)).context["rows"]
    assert [r.version.state for r in rows] == ["present", "hard_deleted"]
    left, right = rows[0].version.pk, rows[1].version.pk
    response = client_user_a.get(
        url("record_history", third, "Account", INITECH), {"left": left, "right": right}
    )
    assert response.context["left"].version.pk == left
    assert response.context["diffs"] == []  # the hard delete kept the last fields
    assert "No field differs between these versions." in response.content.decode()
    soft = client_user_a.get(url("record_history", second, "Account", GLOBEX)).context["diffs"]
    assert [(d.name, d.left, d.right) for d in soft] == [("IsDeleted", True, False)]


def test_a_foreign_version_id_is_ignored(client_user_a, history, tenant_b):
    _, second, _ = history
    other = make_org(tenant_b, name="Org B")
    make_backup(other, {"Account": [(ACME, {"Name": "Secret B"})]})
    [foreign] = record_versions(org=other, object_name="Account", record_id=ACME)
    response = client_user_a.get(
        url("record_history", second, "Account", ACME), {"left": 999999, "right": foreign.pk}
    )
    assert "Secret B" not in response.content.decode()
    assert response.context["right"].version.org_id == second.org_id


def test_wrong_key_says_so_instead_of_failing(client_user_a, history, org):
    _, second, _ = history
    org.tenant_key_wrapped = b"\x00" * 60
    org.save(update_fields=["tenant_key_wrapped"])
    page = client_user_a.get(url("job_object", second, "Account")).content.decode()
    assert "cannot be opened" in page and "Record fields cannot be shown" in page


def test_outsider_gets_404_on_object_and_record_urls(client_outsider, history):
    _, second, _ = history
    for path in [
        url("job_object", second, "Account"),
        url("record", second, "Account", ACME),
        url("record_history", second, "Account", ACME),
    ]:
        assert client_outsider.get(path).status_code == 404, path
