import pytest

from common.crypto import key_fingerprint, new_data_key, wrap_data_key


@pytest.fixture
def org_a(tenant_a):
    from orgs.models import Org

    tenant_key = new_data_key()
    return Org.objects.create(
        tenant=tenant_a,
        name="Jobs test org",
        org_type=Org.OrgType.PRODUCTION,
        login_url="https://login.example.com",
        status=Org.Status.CONNECTED,
        key_fingerprint=key_fingerprint(tenant_key),
        tenant_key_wrapped=b"unused",
        data_key_wrapped=wrap_data_key(tenant_key, new_data_key()),
    )
