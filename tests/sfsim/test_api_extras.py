# ruff: noqa: S608  (SOQL text built in tests)
"""REST resources beyond records, over HTTPS: limits/recordCount, ContentVersion as
multipart/form-data, SOSL search, and the OAuth JWT bearer grant."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from tests.fixtures.sfsim import API_VERSION, sf_client


@pytest.fixture(scope="module")
def sf(sfsim):
    return sf_client(sfsim)


@pytest.fixture(scope="module")
def http(sfsim):
    session = sfsim.session()
    session.headers["Authorization"] = f"Bearer {sfsim.token()['access_token']}"
    return session, f"{sfsim.base_url}/services/data/v{API_VERSION}"


def test_record_count_per_object(sf, http):
    session, base = http
    answer = session.get(
        f"{base}/limits/recordCount", params={"sObjects": "Account,contact,Nope__c"}
    )
    assert answer.status_code == 200
    counts = {o["name"]: o["count"] for o in answer.json()["sObjects"]}
    assert set(counts) == {"Account", "Contact"}
    assert counts["Account"] == sf.query("SELECT COUNT() FROM Account")["totalSize"]
    before = counts["Contact"]
    sf.Contact.create({"LastName": f"Count {uuid.uuid4().hex[:6]}"})
    again = session.get(f"{base}/limits/recordCount", params={"sObjects": "Contact"}).json()
    assert again["sObjects"] == [{"count": before + 1, "name": "Contact"}]
    everything = session.get(f"{base}/limits/recordCount").json()["sObjects"]
    assert {"Account", "Contact", "Case"} <= {o["name"] for o in everything}


def test_content_version_upload_as_multipart_form_data(sf, http):
    session, base = http
    payload = bytes(range(256)) * 40  # binary, 10 KB
    entity = {"Title": "Brochure", "PathOnClient": "brochure.pdf"}
    answer = session.post(
        f"{base}/sobjects/ContentVersion",
        files={
            "entity_content": (None, json.dumps(entity), "application/json"),
            "VersionData": ("brochure.pdf", payload, "application/octet-stream"),
        },
    )
    assert answer.status_code == 201, answer.text
    version_id = answer.json()["id"]
    assert version_id.startswith("068") and answer.json()["success"] is True
    record = sf.ContentVersion.get(version_id)
    assert record["Title"] == "Brochure" and record["ContentSize"] == len(payload)
    assert record["FileExtension"] == "pdf"
    body = session.get(f"{base}/sobjects/ContentVersion/{version_id}/VersionData")
    assert body.content == payload


def test_multipart_without_the_file_part_is_refused(http):
    session, base = http
    answer = session.post(
        f"{base}/sobjects/ContentVersion",
        files={"entity_content": (None, json.dumps({"Title": "x", "PathOnClient": "x.txt"}))},
    )
    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "INVALID_MULTIPART_REQUEST"
    assert "VersionData" in answer.json()[0]["message"]


@pytest.fixture(scope="module")
def searchable(sf):
    tag = uuid.uuid4().hex[:8]
    account = sf.Account.create({"Name": f"Zephyrine {tag} Holdings", "Industry": "Energy"})["id"]
    other = sf.Account.create({"Name": f"Zephyrine {tag} Foods", "Industry": "Agriculture"})["id"]
    contact = sf.Contact.create(
        {"LastName": f"Zephyrine{tag}", "Email": f"zephyrine.{tag}@example.com"}
    )["id"]
    return tag, account, other, contact


def test_sosl_search_returning_objects_with_fields_and_where(http, searchable):
    session, base = http
    tag, account, other, contact = searchable
    q = (
        f"FIND {{Zephyrine {tag}}} IN ALL FIELDS RETURNING "
        "Account(Id, Name WHERE Industry = 'Energy'), Contact(Id, Email)"
    )
    answer = session.get(f"{base}/search", params={"q": q})
    assert answer.status_code == 200, answer.text
    records = answer.json()["searchRecords"]
    assert [(r["attributes"]["type"], r["Id"]) for r in records] == [
        ("Account", account),
        ("Contact", contact),
    ]
    assert records[0]["Name"] == f"Zephyrine {tag} Holdings"
    assert records[1]["Email"] == f"zephyrine.{tag}@example.com"


def test_sosl_wildcards_field_groups_and_limit(http, searchable):
    session, base = http
    tag, account, other, contact = searchable
    q = f"FIND {{Zephyr* {tag}}} IN NAME FIELDS RETURNING Account(Id ORDER BY Name) LIMIT 5"
    records = session.get(f"{base}/search", params={"q": q}).json()["searchRecords"]
    assert [r["Id"] for r in records] == [other, account]
    q = f"FIND {{zephyrine.{tag}@example.com}} IN EMAIL FIELDS RETURNING Contact, Account"
    records = session.get(f"{base}/search", params={"q": q}).json()["searchRecords"]
    assert [r["Id"] for r in records] == [contact]
    q = f"FIND {{Zephyrine {tag}}} RETURNING Account(Id) LIMIT 1"
    assert len(session.get(f"{base}/search", params={"q": q}).json()["searchRecords"]) == 1


@pytest.mark.parametrize("q", ["FIND {a}", "SELECT Id FROM Account", "FIND {Acme} RETURNING"])
def test_malformed_sosl_is_refused(http, q):
    session, base = http
    answer = session.get(f"{base}/search", params={"q": q})
    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "MALFORMED_SEARCH"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _assertion(key, claims: dict) -> str:
    signing = _b64(json.dumps({"alg": "RS256"}).encode()) + "." + _b64(json.dumps(claims).encode())
    signature = key.sign(signing.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing + "." + _b64(signature)


@pytest.fixture(scope="module")
def jwt_key(sfsim, tmp_path_factory):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "orgvault-jwt")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path_factory.mktemp("jwt") / "cert.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out = sfsim.manage("jwt-cert", "--cert", str(path))
    assert "JWT bearer grant enabled for" in out
    return key


def _jwt_token(sfsim, assertion: str):
    return sfsim.session().post(
        f"{sfsim.base_url}/services/oauth2/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
    )


def test_jwt_bearer_grant_gives_an_access_token_without_refresh_token(sfsim, jwt_key):
    creds = sfsim.credentials[0]
    claims = {
        "iss": creds["client_id"],
        "sub": creds["username"],
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 120,
    }
    answer = _jwt_token(sfsim, _assertion(jwt_key, claims))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert "refresh_token" not in body and body["instance_url"] == sfsim.base_url
    session = sfsim.session()
    session.headers["Authorization"] = f"Bearer {body['access_token']}"
    limits = session.get(f"{sfsim.base_url}/services/data/v{API_VERSION}/limits")
    assert limits.status_code == 200


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"exp": 1}, "invalid_grant"),
        ({"exp": 10**10}, "invalid_grant"),
        ({"sub": "nobody@nowhere.sfsim"}, "invalid_grant"),
        ({"iss": "not-a-client"}, "invalid_client_id"),
        ({"aud": "http://login.salesforce.com"}, "invalid_grant"),
    ],
    ids=["expired", "too-far", "unknown-user", "unknown-client", "plain-http-audience"],
)
def test_jwt_bearer_grant_refuses_bad_assertions(sfsim, jwt_key, change, error):
    creds = sfsim.credentials[0]
    claims = {
        "iss": creds["client_id"],
        "sub": creds["username"],
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 120,
        **change,
    }
    answer = _jwt_token(sfsim, _assertion(jwt_key, claims))
    assert answer.status_code == 400
    assert answer.json()["error"] == error


def test_jwt_signed_by_another_key_is_refused(sfsim, jwt_key):
    creds = sfsim.credentials[0]
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {
        "iss": creds["client_id"],
        "sub": creds["username"],
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 120,
    }
    answer = _jwt_token(sfsim, _assertion(stranger, claims))
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
