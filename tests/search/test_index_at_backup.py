"""The blind index follows the backups: a job that wrote segments queues the task that
indexes them (jobs.hooks.job_finished), and once it ran a search for one Email decrypts
only the segments of the candidate versions: nothing is indexed on demand, no other
segment is opened. Before it ran, a search indexes what it needs first."""

from search import blind_index, engine, receivers
from search.models import BlindIndexEntry, IndexedSegment
from search.tasks import index_pending_task
from tests.fixtures.sfsim import sf_client
from tests.search.support import run_backup, run_search
from vault.models import RecordVersion, Segment


def test_a_finished_backup_queues_the_index_of_its_segments(marked, sfsim, monkeypatch):
    org = marked["org"]
    queued: list[tuple] = []
    monkeypatch.setattr(receivers, "async_task", lambda *args, **kw: queued.append(args))
    sf_client(sfsim).Contact.create({"LastName": "Indexed later", "Email": "later@x.example"})
    run_backup(org)

    assert queued == [("search.tasks.index_pending_task", org.pk)]
    # The backup itself wrote no index row: it published first.
    assert blind_index.pending_segments(org=org).exists()
    written = index_pending_task(org.pk)
    assert written["Contact"] > 0
    assert not blind_index.pending_segments(org=org).exists()
    # A backup that found no change wrote no segment: nothing is queued.
    run_backup(org)
    assert len(queued) == 1


def test_once_indexed_a_search_decrypts_only_candidates(marked, monkeypatch):
    org, contact_id = marked["org"], marked["contact_id"]
    index_pending_task(org.pk)
    segments = Segment.objects.filter(org=org)
    # Every segment the four backups wrote is indexed, before any search ran.
    assert IndexedSegment.objects.filter(segment__in=segments).count() == segments.count()
    indexed = BlindIndexEntry.objects.filter(org=org, object_name="Contact", field_name="Email")
    versions = RecordVersion.objects.filter(org=org, record_id=contact_id, segment__isnull=False)
    assert indexed.filter(version__in=versions).count() >= 2

    opened: list[int] = []
    real = engine.read_segment_rows

    def counting(*, org, segment, data_key, storage=None):
        opened.append(segment.pk)
        return real(org=org, segment=segment, data_key=data_key, storage=storage)

    monkeypatch.setattr(engine, "read_segment_rows", counting)
    monkeypatch.setattr(blind_index, "read_segment_rows", counting)
    search = run_search(org, "Contact", f"Email = '{marked['marker']}'")
    assert search.used_index
    assert list(search.results["Contact"]) == [contact_id]
    # Only the segments of the versions holding the marker (created, title changed).
    holding = set(
        versions.filter(
            pk__in=indexed.filter(
                token=blind_index.token(
                    blind_index.index_key(_key(org)), "Email", "eq", marked["marker"]
                )
            ).values("version_id")
        ).values_list("segment_id", flat=True)
    )
    assert len(holding) == 2
    assert set(opened) == holding
    assert Segment.objects.filter(org=org, object_name="Contact").count() > len(holding)


def _key(org):
    from orgs.services import org_data_key

    return org_data_key(org)
