"""An org of tenant A backed up from the session simulator, with one Contact (and a Case
of it) carrying a marker email through several versions: created, changed, its email
changed, then deleted; each state backed up."""

import uuid

import pytest

from tests.backups.conftest import backup_org, vault_storage  # noqa: F401 — fixtures
from tests.backups.engine_support import _fast_retries  # noqa: F401 — autouse
from tests.fixtures.personas import ADMIN, make_user
from tests.fixtures.sfsim import sf_client


@pytest.fixture
def second_admin(tenant_a):
    return make_user(tenant_a, "second-admin@a.example", ADMIN, first_name="Bea")


@pytest.fixture
def marked(backup_org, sfsim):  # noqa: F811 — the fixture above
    return make_marked(backup_org, sfsim)


def make_marked(org, sfsim) -> dict:
    """A marker email in one Contact (and a Case of it), backed up through 4 versions."""
    from tests.search.support import run_backup

    sf = sf_client(sfsim)
    token = uuid.uuid4().hex[:10]
    marker = f"gdpr-{token}@marker.example"
    contact_id = sf.Contact.create(
        {"LastName": f"Marker{token}", "Email": marker, "Title": "First title"}
    )["id"]
    case_id = sf.Case.create({"Subject": f"Case of {token}", "ContactId": contact_id})["id"]
    jobs = [run_backup(org)]
    sf.Contact.update(contact_id, {"Title": "Second title"})
    jobs.append(run_backup(org))
    sf.Contact.update(contact_id, {"Email": f"renamed-{token}@marker.example"})
    jobs.append(run_backup(org))
    sf.Case.delete(case_id)
    sf.Contact.delete(contact_id)
    jobs.append(run_backup(org))
    for job in jobs:
        assert job.status == "completed", job.error_message
    return {
        "org": org,
        "marker": marker,
        "token": token,
        "contact_id": contact_id,
        "case_id": case_id,
        "jobs": jobs,
    }
