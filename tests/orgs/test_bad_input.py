"""A CA bundle that is not there (issue 8, section 4): `org_connect --ca-bundle` names the
file and what is wrong with it, with no traceback and nothing saved; the same when the
server's SALESFORCE_CA_BUNDLE points nowhere. The Add Salesforce Org page takes the
certificates as PEM text or an uploaded file and never opens a path typed into it."""

from pathlib import Path

import pytest
from django.core.management import CommandError
from django.urls import reverse

from orgs.models import Org
from tests.orgs.test_command import run
from tests.orgs.test_connect import add_form


@pytest.fixture
def creds(sfsim) -> dict:
    return sfsim.credentials[0]


def bad_bundles(tmp_path) -> list[tuple[str, str]]:
    """(path, what the message says) for a missing file, a folder and a file of no PEM."""
    not_pem = tmp_path / "key.txt"
    not_pem.write_text("not a certificate\n")
    missing = tmp_path / "missing" / "ca.pem"
    return [
        (str(missing), f"There is no file at {missing} on this server."),
        (str(tmp_path), f"There is no file at {tmp_path} on this server."),
        (str(not_pem), f"{not_pem} is not a PEM certificate bundle."),
    ]


def test_org_connect_names_a_ca_bundle_it_cannot_use(sfsim, creds, tenant_a, tmp_path):
    for path, message in bad_bundles(tmp_path):
        with pytest.raises(CommandError) as caught:
            # run() passes the simulator's CA first; the last --ca-bundle wins.
            run(sfsim, creds, "--password", creds["password"], "--generate-key",
                "--ca-bundle", path)  # fmt: skip
        assert str(caught.value).startswith(f"--ca-bundle: {message}")
        assert "Nothing was saved" in str(caught.value)
    assert not Org.objects.exists()


def test_org_connect_names_a_missing_default_ca_bundle(sfsim, creds, tenant_a, tmp_path, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.SALESFORCE_CA_BUNDLE = str(tmp_path / "gone.pem")
    with pytest.raises(
        CommandError, match=r"SALESFORCE_CA_BUNDLE: There is no file at .*gone\.pem"
    ):
        call_command(
            "org_connect", "--tenant", tenant_a.name, "--name", "Default CA",
            "--login-url", creds["login_url"], "--username", creds["username"],
            "--password", creds["password"], "--client-id", creds["client_id"],
            "--client-secret", creds["client_secret"], "--generate-key", stdout=StringIO(),
        )  # fmt: skip
    assert not Org.objects.exists()


def test_add_org_page_reads_no_server_path_and_names_bad_certificates(
    client_admin_a, sfsim, creds, tmp_path, settings
):
    """A path typed where the certificates go is not opened: an existing file, a missing
    one and a folder get the same words, so the page tells nothing about the server."""
    existing = tmp_path / "ca.pem"
    existing.write_text(Path(sfsim.ca_path).read_text())
    answers = set()
    for typed in (str(existing), str(tmp_path / "missing.pem"), str(tmp_path), "/etc/passwd"):
        response = client_admin_a.post(
            reverse("orgs:add"), add_form(sfsim, creds, ca_certificates=typed)
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "Paste the CA certificates as PEM text" in page
        assert "no file" not in page and "is not a PEM certificate bundle" not in page
        answers.add(page.split("Paste the CA certificates", 1)[1][:200])
    assert len(answers) == 1
    broken = "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n"
    page = client_admin_a.post(
        reverse("orgs:add"), add_form(sfsim, creds, ca_certificates=broken)
    ).content.decode()
    assert "These are not valid PEM certificates." in page

    settings.SALESFORCE_CA_BUNDLE = str(tmp_path / "gone.pem")
    response = client_admin_a.post(reverse("orgs:add"), add_form(sfsim, creds, ca_certificates=""))
    assert response.status_code == 200
    assert "(SALESFORCE_CA_BUNDLE) is unusable" in response.content.decode()
    assert str(tmp_path) not in response.content.decode()
    assert not Org.objects.exists()


def test_add_org_page_takes_an_uploaded_pem_file(client_admin_a, sfsim, creds):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pem = Path(sfsim.ca_path).read_bytes()
    data = add_form(sfsim, creds, ca_certificates="")
    data["ca_file"] = SimpleUploadedFile("ca.pem", pem, content_type="application/x-pem-file")
    started = client_admin_a.post(reverse("orgs:add"), data)
    assert started.status_code == 302, started.content.decode()[:2000]
    pending = client_admin_a.session["orgs_pending_connection"]
    assert pending["ca_bundle"].startswith("-----BEGIN CERTIFICATE-----")


# --- values longer than their column -----------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--name", "N" * 121, "--name is 121 characters long: use at most 120."),
        ("--client-id", "c" * 256, "--client-id is 256 characters long: use at most 255."),
        # --ca-bundle names a file whose certificates are kept (no column limit on the
        # path): a path too long for the system is named, as any unreadable one.
        ("--ca-bundle", "/" + "d" * 5000, "--ca-bundle: /ddd"),
        ("--name", "Pro\x00duction", "--name contains a NUL character"),
    ],
)
def test_org_connect_refuses_values_past_their_column(
    sfsim, creds, tenant_a, option, value, message
):
    with pytest.raises(CommandError) as caught:
        run(sfsim, creds, "--password", creds["password"], "--generate-key", option, value)
    assert str(caught.value).startswith(message)
    assert not Org.objects.exists()


def test_org_connect_takes_a_name_as_long_as_its_column(sfsim, creds, tenant_a):
    result = run(sfsim, creds, "--password", creds["password"], "--generate-key",
                 "--name", "N" * 120)  # fmt: skip
    assert Org.objects.get(pk=result["org_id"]).name == "N" * 120


def test_add_org_form_says_at_most_n_characters(client_admin_a, sfsim, creds):
    response = client_admin_a.post(reverse("orgs:add"), add_form(sfsim, creds, name="N" * 121))
    assert response.status_code == 200
    assert "at most 120 characters" in response.content.decode()
    assert not Org.objects.exists()
