"""An org with a real key envelope and a private storage folder, without Salesforce."""

import pytest

from common.crypto import key_fingerprint, new_data_key, wrap_data_key, wrap_secret


@pytest.fixture
def vault_storage(settings, tmp_path):
    storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "storage")},
    }
    settings.STORAGES = {**settings.STORAGES, "vault": storage, "default": storage}
    return tmp_path / "storage"


@pytest.fixture
def data_key() -> bytes:
    return new_data_key()


@pytest.fixture
def vault_org(tenant_a, data_key, vault_storage):
    from orgs.keys import _tenant_key_purpose
    from orgs.models import Org

    tenant_key = new_data_key()
    org = Org.objects.create(
        tenant=tenant_a,
        name="Vault test org",
        org_type=Org.OrgType.PRODUCTION,
        login_url="https://login.example.com",
        status=Org.Status.CONNECTED,
        key_fingerprint=key_fingerprint(tenant_key),
        tenant_key_wrapped=b"unused",
        data_key_wrapped=wrap_data_key(tenant_key, data_key),
    )
    # The real envelope, so commands that open the data key themselves work.
    org.tenant_key_wrapped = wrap_secret(tenant_key, _tenant_key_purpose(org.pk))
    org.save(update_fields=["tenant_key_wrapped"])
    return org


@pytest.fixture
def make_job(vault_org):
    from jobs.models import Job
    from jobs.services import job_create

    def make(name: str = "Backup") -> Job:
        job = job_create(org=vault_org, operation="composite_backup", name=name)
        assert job.claim()
        return job

    return make
