"""Settings → Encryption keys: fingerprints with their dates; an Admin adds a generated
(shown once), pasted or KMS key and the re-encryption job's progress is shown; a User
reads only; another tenant gets 404. The retention page says whether storage is
immutable and saves the Object Lock setting."""

from django.urls import reverse

from common.crypto import generate_tenant_key
from orgs.key_models import OrgKey
from tests.vault.test_vault import FIELDS, rec
from vault.models import RetentionPolicy
from vault.rotation import KeyRotation, rotation_latest, rotation_run
from vault.services import ObjectWriter, snapshot_begin, snapshot_publish


def url(org, name="keys"):
    return reverse(f"vault:{name}", args=[org.pk])


def test_keys_page_lists_fingerprints_and_an_admin_rotates(
    client_admin_a, client_user_a, vault_org, data_key, make_job
):
    job = make_job()
    snapshot = snapshot_begin(org=vault_org, job=job)
    ObjectWriter(
        snapshot=snapshot, object_name="Account", fields=FIELDS, data_key=data_key, job=job
    ).write([rec("A1", "one")])
    snapshot_publish(snapshot=snapshot)
    original = vault_org.key_fingerprint

    page = client_user_a.get(url(vault_org)).content.decode()
    sidebar = f'class="sub active" href="/orgs/{vault_org.pk}/settings/keys/">Encryption keys'
    assert sidebar in page
    assert original[:16] in page and "Chosen when the org was connected" in page
    assert "Not immutable" in page
    assert "Add key and re-encrypt" not in page  # a User reads only
    assert (
        client_user_a.post(url(vault_org, "key_add"), {"key-source": "generated"}).status_code
        == 403
    )

    response = client_admin_a.post(url(vault_org, "key_add"), {"key-source": "generated"})
    assert response.status_code == 200
    page = response.content.decode()
    new = OrgKey.objects.get(org=vault_org, status="active")
    assert new.source == "generated" and new.fingerprint[:12] in page
    shown = page.split('id="generated-key"')[1].split('class="mono">')[1].split("<")[0]
    assert len(shown) == 44  # the generated key, shown on this response only
    assert response["Cache-Control"] == "no-store"
    rotation = rotation_latest(org=vault_org)
    assert rotation.status == KeyRotation.Status.RUNNING
    assert "Re-encrypting: 0 of 1 stored objects checked (0%)" in page

    live = client_user_a.get(url(vault_org, "key_rotation")).content.decode()
    assert 'hx-trigger="every 2s"' in live and "0 of 1 stored objects checked" in live
    rotation_run(rotation)
    live = client_user_a.get(url(vault_org, "key_rotation")).content.decode()
    assert "hx-trigger" not in live and "Done: 1 of 1" in live  # stops redrawing
    page = client_admin_a.get(url(vault_org)).content.decode()
    assert shown not in page  # never shown again
    assert "Done: 1 of 1 stored objects checked (100%), 1 re-encrypted" in page
    assert "Retired" in page and original[:16] in page and new.fingerprint[:16] in page
    retired = OrgKey.objects.get(org=vault_org, fingerprint=original)
    assert retired.retired_at.strftime("%Y-%m-%d %H:%M") in page


def test_a_bad_pasted_key_is_refused_with_the_reason(client_admin_a, vault_org):
    response = client_admin_a.post(
        url(vault_org, "key_add"), {"key-source": "pasted", "key-key_text": "too short"}
    )
    assert response.status_code == 400
    assert (
        "must be 32 bytes (44 base64 characters); this one is 6 bytes" in response.content.decode()
    )
    assert not OrgKey.objects.filter(org=vault_org).exists()
    good = generate_tenant_key()
    response = client_admin_a.post(
        url(vault_org, "key_add"), {"key-source": "pasted", "key-key_text": good}
    )
    assert response.status_code == 302
    assert OrgKey.objects.get(org=vault_org, status="active").source == "pasted"


def test_another_tenant_gets_404(client_outsider, client_user_a, vault_org):
    assert client_outsider.get(url(vault_org)).status_code == 404
    assert client_outsider.get(url(vault_org, "key_rotation")).status_code == 404
    none_yet = client_user_a.get(url(vault_org, "key_rotation")).content.decode()
    assert "never been rotated" in none_yet


def test_retention_page_says_local_storage_is_not_immutable_and_saves_the_lock(
    client_admin_a, vault_org
):
    page = client_admin_a.get(reverse("vault:retention", args=[vault_org.pk])).content.decode()
    assert "Not immutable: this org&#x27;s backups are kept on the server&#x27;s local" in page
    data = {
        "policy-mode": "days",
        "policy-keep_days": "30",
        "policy-daily_days": "30",
        "policy-weekly_weeks": "12",
        "policy-monthly_months": "24",
        "policy-keep_latest": "on",
        "policy-lock_mode": "COMPLIANCE",
        "policy-lock_days": "30",
        "save": "1",
    }
    response = client_admin_a.post(reverse("vault:retention_policy", args=[vault_org.pk]), data)
    assert response.status_code == 302
    policy = RetentionPolicy.objects.get(org=vault_org)
    assert (policy.lock_mode, policy.lock_days) == ("COMPLIANCE", 30)
