"""The delete stage asks the org for each batch's cascade children before deleting it,
against the simulator over HTTPS: the parent Ids go CHECK_IDS to an `IN` list (here 3,
so that 7 Contacts make three lists), a child added in the org after the read is found
in the last list and keeps its parent, and a sub-request Salesforce does not answer
keeps that list's parents in Salesforce (refused, CHILDREN_NOT_CHECKED) while the rest
of the run goes on."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from archives.engine import ArchiveRun
from archives.models import ArchiveRecord
from archives.services import refusal_message
from jobs.models import Job
from salesforce.client import SalesforceClient
from tests.archives.conftest import command, live_ids, write_json
from tests.archives.test_run import make_contacts, spec

ID_IN_LIST = re.compile(r"'([A-Za-z0-9]{15,18})'")


@pytest.fixture
def small_checks(monkeypatch):
    import archives.engine

    monkeypatch.setattr(archives.engine, "CHECK_IDS", 3)


class Answer:
    """A composite answer with one sub-request's result replaced."""

    def __init__(self, data: dict):
        self.data = data

    def json(self) -> dict:
        return self.data


def check_queries(body: dict) -> list[str]:
    """The SOQL of each sub-request of a composite call."""
    return [parse_qs(urlsplit(r["url"]).query)["q"][0] for r in body["compositeRequest"]]


def spy_on_checks(monkeypatch, fail_first: bool = False) -> list[dict]:
    """Every composite call the run makes: its queries, and the Ids of the sub-request
    answered with a 400 (the first one, when `fail_first`)."""
    calls: list[dict] = []
    real = SalesforceClient.request

    def request(self, method, path, **kwargs):
        response = real(self, method, path, **kwargs)
        if method != "POST" or path != "composite/":
            return response
        queries = check_queries(kwargs["json"])
        calls.append({"queries": queries, "failed": set()})
        if not fail_first or len(calls) > 1:
            return response
        data = response.json()
        answer = data["compositeResponse"][0]
        answer["httpStatusCode"] = 400
        answer["body"] = [{"errorCode": "QUERY_TIMEOUT", "message": "Your query took too long."}]
        calls[0]["failed"] = set(ID_IN_LIST.findall(queries[0]))
        return Answer(data)

    monkeypatch.setattr(SalesforceClient, "request", request)
    return calls


def run_archive(archive_org, marker, tmp_path) -> dict:
    command("archive_template_create", "--org", str(archive_org.pk), "--from-json",
            write_json(tmp_path, spec(marker)))  # fmt: skip
    return command("archive_run", "--org", str(archive_org.pk), "--template",
                   f"Archive {marker}", "--wait", "--confirm", archive_org.name)  # fmt: skip


def test_a_child_added_after_the_read_is_found_in_the_last_id_list_and_keeps_its_parent(
    archive_org, sf, marker, tmp_path, monkeypatch, small_checks
):
    contacts = make_contacts(sf, marker, n=7)["Contact"]
    added: dict[str, str] = {}
    real_delete_all = ArchiveRun.delete_all

    def delete_all(self):
        # After the read and verify, before any delete: a Task on the Contact the
        # delete checks last, which the archive holds no copy of.
        last = (
            ArchiveRecord.objects.filter(job=self.job, object_name="Contact").order_by("id").last()
        )
        added["contact"] = last.record_id
        added["task"] = sf.Task.create({"Subject": "Late call", "WhoId": last.record_id})["id"]
        real_delete_all(self)

    monkeypatch.setattr(ArchiveRun, "delete_all", delete_all)
    calls = spy_on_checks(monkeypatch)
    result = run_archive(archive_org, marker, tmp_path)

    assert result["status"] == Job.Status.COMPLETED
    task_lists = [
        set(ID_IN_LIST.findall(q))
        for call in calls
        for q in call["queries"]
        if q.startswith("SELECT Id, WhoId FROM Task ")
    ]
    assert all(len(ids) <= 3 for ids in task_lists)
    assert set().union(*task_lists) == set(contacts)
    assert len(task_lists) == 3
    assert {added["contact"]} in task_lists  # alone in the last list
    job = Job.objects.get(pk=result["job_id"])
    kept = ArchiveRecord.objects.get(job=job, record_id=added["contact"])
    assert kept.outcome == ArchiveRecord.Outcome.REFUSED
    assert kept.error_code == "CHILD_NOT_ARCHIVED"
    assert "Task" in refusal_message(record=kept)
    assert live_ids(sf, "Contact", f"LastName LIKE '{marker}%'") == {added["contact"]}
    assert live_ids(sf, "Task", f"Id = '{added['task']}'") == {added["task"]}
    assert result["objects"]["Contact"]["deleted"] == 6


def test_a_check_salesforce_does_not_answer_keeps_those_parents_and_the_run_goes_on(
    archive_org, sf, marker, tmp_path, monkeypatch, small_checks
):
    contacts = make_contacts(sf, marker, n=7)["Contact"]
    calls = spy_on_checks(monkeypatch, fail_first=True)
    result = run_archive(archive_org, marker, tmp_path)

    assert result["status"] == Job.Status.COMPLETED
    unanswered = calls[0]["failed"]
    assert len(unanswered) == 3
    assert unanswered < set(contacts)
    job = Job.objects.get(pk=result["job_id"])
    for record_id in unanswered:
        record = ArchiveRecord.objects.get(job=job, record_id=record_id)
        assert record.outcome == ArchiveRecord.Outcome.REFUSED
        assert record.error_code == "CHILDREN_NOT_CHECKED"
        message = refusal_message(record=record)
        assert "did not answer" in message
        assert "400 QUERY_TIMEOUT: Your query took too long." in message
    assert live_ids(sf, "Contact", f"LastName LIKE '{marker}%'") == unanswered
    assert result["objects"]["Contact"]["deleted"] == 4
    assert job.logs.filter(
        message__startswith="Contact: 3 records not deleted: Salesforce did not answer"
    ).exists()


def test_a_relationship_the_describe_says_cannot_be_filtered_is_logged_once_and_not_asked(
    archive_org, sf, marker, tmp_path, monkeypatch
):
    """Note.ParentId described as not filterable: the delete never sends a query
    Salesforce would refuse, and the log says once that those children are not checked."""
    make_contacts(sf, marker, n=2)
    real_describe = SalesforceClient.describe

    def describe(self, object_name):
        answer = real_describe(self, object_name)
        if object_name == "Note":
            for field in answer["fields"]:
                if field["name"] == "ParentId":
                    field["filterable"] = False
        return answer

    monkeypatch.setattr(SalesforceClient, "describe", describe)
    calls = spy_on_checks(monkeypatch)
    result = run_archive(archive_org, marker, tmp_path)

    assert result["status"] == Job.Status.COMPLETED
    queries = [q for call in calls for q in call["queries"]]
    assert any(q.startswith("SELECT Id, WhoId FROM Task ") for q in queries)
    assert not any(" FROM Note " in q for q in queries)
    job = Job.objects.get(pk=result["job_id"])
    warned = job.logs.filter(message__startswith="Contact: its Note children (ParentId)")
    assert [w.message for w in warned] == [
        "Contact: its Note children (ParentId) are not checked in the org before the "
        "delete: Note.ParentId cannot be used in a filter."
    ]
    assert result["objects"]["Contact"]["deleted"] == 2


def test_a_check_call_salesforce_fails_stops_the_run_before_any_delete(
    archive_org, sf, sfsim_faults, marker, tmp_path
):
    """The whole composite call fails (the simulator answers 500): no batch is deleted
    without its answer; the run stops with the error and every Contact stays."""
    contacts = make_contacts(sf, marker, n=3)["Contact"]
    sfsim_faults.set_faults(
        {"route": "/services/data/*/composite/", "method": "POST", "kind": "http500", "count": 0}
    )
    result = run_archive(archive_org, marker, tmp_path)

    assert result["status"] == Job.Status.ERROR
    job = Job.objects.get(pk=result["job_id"])
    assert job.logs.filter(
        message__startswith="Archive failed: Contact: Salesforce did not answer the check "
        "for children added since the read (UNKNOWN_EXCEPTION"
    ).exists()
    assert live_ids(sf, "Contact", f"LastName LIKE '{marker}%'") == set(contacts)
    deleted = ArchiveRecord.objects.filter(
        job_id=result["job_id"], outcome__in=["deleted", "cascade_deleted"]
    )
    assert not deleted.exists()
