"""RecordVersion's indexes: a full backup writes one row per record, and every index
is one more B-tree per row, so none may be redundant; the lookups by org and by job
still have an index that starts with their column."""

import pytest
from django.db import connection

from vault.models import RecordVersion

pytestmark = pytest.mark.django_db


def indexes_of(model) -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        name: info["columns"]
        for name, info in constraints.items()
        if info["index"] and not info["primary_key"]
    }


def test_org_and_job_are_led_by_composite_indexes_not_indexed_alone():
    indexes = indexes_of(RecordVersion)
    assert ["org_id"] not in indexes.values()
    assert ["job_id"] not in indexes.values()
    leading = {columns[0] for columns in indexes.values()}
    assert {"org_id", "job_id", "segment_id"} <= leading
    assert len(indexes) == 5, indexes  # one_current, history, as_of, job, segment
