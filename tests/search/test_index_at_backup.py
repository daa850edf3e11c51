"""The blind index is written by the backup, next to the versions (vault.hooks
record_versions_written), so a search for one Email decrypts only the segments of the
candidate versions: nothing is indexed on demand, no other segment is opened."""

from search import blind_index, engine
from search.models import BlindIndexEntry, IndexedSegment
from tests.search.support import run_search
from vault.hooks import record_versions_written
from vault.models import RecordVersion, Segment


def test_backups_write_the_index_and_a_search_decrypts_only_candidates(marked, monkeypatch):
    org, contact_id = marked["org"], marked["contact_id"]
    assert blind_index.index_written in record_versions_written._receivers
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
