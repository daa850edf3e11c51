"""The demo org's history: a week of work in Salesforce and the backups that kept it.

`make demo` opens on an org whose pages all have something to show. This module plays
both sides of that week, one day at a time, starting `days` days ago:

- someone works in the simulated Salesforce org (through simple-salesforce, with the
  simulator's own login, exactly as any API user would): records are created, edited
  and deleted, files are attached (Attachment, ContentVersion and a new version of a
  file) and Apex classes are deployed;
- then OrgVault backs the org up through the public operations command
  (`backup_run --wait` with the Metadata and Binary Objects settings): a full backup on
  the first day, incrementals on the following days.

Both clocks are moved back for each day: the simulator's (its persisted offset, the
clock its SystemModstamp, CreatedDate and tokens come from) and Django's
(`django.utils.timezone.now`, which every timestamp of OrgVault comes from). So a job of
"day 2" starts and ends on that day, and the records it saw were changed on that day.
The simulator's clock is set back to the real time once the history is built.

Idempotent: each day's job has its own name ("Demo history, day N of M"); a day whose
job completed is not played again, so a second run adds nothing, and a run that was
stopped half-way carries on from the first day without a completed job. A day is played
later in simulated time than any earlier attempt of it (the real clock moved on), so
incremental backups never meet a change stamped after their watermark.

Used by `manage.py demo` (demo/management/commands/demo.py) and its test
(tests/demo/test_history.py).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import io
import json
import random
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import requests
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

DAYS = 6
JOB_NAME = "Demo history, day {day} of {days}"
BACKUP_SETTINGS = "metadata,binary_objects"
SF_API_VERSION = "62.0"


@dataclass(frozen=True)
class DemoSimulator:
    """What the history needs of a running simulator: its folder (for its clock) and
    the login of its org's administrator."""

    data_dir: Path
    login_url: str
    ca_path: str
    username: str
    password: str
    client_id: str
    client_secret: str

    @classmethod
    def from_credentials(cls, data_dir: Path, ca_path: str, creds: dict) -> DemoSimulator:
        return cls(
            data_dir=Path(data_dir),
            login_url=creds["login_url"].rstrip("/"),
            ca_path=ca_path,
            username=creds["username"],
            password=creds["password"],
            client_id=creds["client_id"],
            client_secret=creds["client_secret"],
        )


# --- the two clocks ---------------------------------------------------------------------


class _EarlierDatetimeMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, _REAL_DATETIME)

    def __subclasscheck__(cls, sub) -> bool:
        return issubclass(sub, _REAL_DATETIME)


_REAL_DATETIME = dt.datetime


def _earlier_datetime(delta: dt.timedelta) -> type:
    """A stand-in for the `datetime` class that `django.utils.timezone.now()` calls:
    the same class in every respect except that now() is `delta` earlier."""

    class EarlierDatetime(_REAL_DATETIME, metaclass=_EarlierDatetimeMeta):
        @classmethod
        def now(cls, tz=None):
            return _REAL_DATETIME.now(tz) - delta

    return EarlierDatetime


# Run in a process of its own, as the demo runs every other simulator tool (`manage.py
# sfsim serve|load|credentials`): the product never imports the simulator.
_SET_OFFSET = """
import sys
from sfsim.store import Simulator

clock = Simulator(sys.argv[1]).clock
clock.reset()
if float(sys.argv[2]):
    clock.advance(days=float(sys.argv[2]))
"""


def _set_simulator_offset(data_dir: Path, days: float) -> None:
    """Put the simulator's clock `days` from the real time (negative: in the past).

    `sfsim clock` and `/__sfsim/clock` only move it forward; setting it back for the
    history goes through the simulator's own Clock. The running server reads the offset
    on every call, so it takes effect at once."""
    result = subprocess.run(
        [sys.executable, "-c", _SET_OFFSET, str(data_dir), str(days)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise CommandError(f"Could not set the simulator's clock: {result.stderr.strip()}")


@contextlib.contextmanager
def clocks_moved_back(data_dir: Path, days: int) -> Iterator[None]:
    """Within the block, both OrgVault's and the simulator's clocks read `days` days ago."""
    import django.utils.timezone as django_timezone

    _set_simulator_offset(data_dir, -days)
    try:
        with mock.patch.object(
            django_timezone, "datetime", _earlier_datetime(dt.timedelta(days=days))
        ):
            yield
    finally:
        _set_simulator_offset(data_dir, 0)


# --- someone at work in Salesforce -----------------------------------------------------


def _salesforce(sim: DemoSimulator):
    """simple-salesforce logged in as the simulator's administrator (password grant)."""
    from simple_salesforce import Salesforce

    session = requests.Session()
    session.trust_env = False
    session.verify = sim.ca_path
    response = session.post(
        f"{sim.login_url}/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
            "username": sim.username,
            "password": sim.password,
        },
        timeout=30,
    )
    if response.status_code != 200:
        raise CommandError(f"The simulator refused the demo login: {response.text[:300]}")
    token = response.json()
    return Salesforce(
        instance_url=token["instance_url"],
        session_id=token["access_token"],
        session=session,
        version=SF_API_VERSION,
    )


TITLES = ["VP Sales", "Buyer", "CFO", "Office Manager", "Head of IT", "Procurement Lead"]
STAGES = ["Prospecting", "Qualification", "Proposal/Price Quote", "Negotiation/Review"]
RATINGS = ["Hot", "Warm", "Cold"]
CASE_SUBJECTS = ["Invoice does not match", "Cannot log in", "Delivery is late", "Need a quote"]
FIRST_NAMES = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Linus"]
LAST_NAMES = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton"]


class _Workday:
    """One day of changes in the org, chosen by a seeded random generator."""

    def __init__(self, sf, day: int):
        self.sf = sf
        self.day = day
        self.rng = random.Random(7000 + day)

    def ids(self, object_name: str, count: int) -> list[str]:
        soql = f"SELECT Id FROM {object_name} ORDER BY Id LIMIT 400"  # noqa: S608 — our names
        found = [r["Id"] for r in self.sf.query(soql)["records"]]
        return self.rng.sample(found, min(count, len(found)))

    def _collection(self, method: str, records: list[dict]) -> list[str]:
        results = self.sf.restful(
            "composite/sobjects", method=method, json={"allOrNone": False, "records": records}
        )
        return [r["id"] for r in results if r.get("success")]

    def update(self, object_name: str, ids: list[str], values: Callable[[int], dict]) -> int:
        records = [
            {"attributes": {"type": object_name}, "Id": record_id, **values(i)}
            for i, record_id in enumerate(ids)
        ]
        return len(self._collection("PATCH", records)) if records else 0

    def create(self, object_name: str, rows: list[dict]) -> list[str]:
        records = [{"attributes": {"type": object_name}, **row} for row in rows]
        return self._collection("POST", records) if records else []

    def delete(self, ids: list[str]) -> int:
        if not ids:
            return 0
        results = self.sf.restful(
            "composite/sobjects",
            method="DELETE",
            params={"ids": ",".join(ids), "allOrNone": "false"},
        )
        return sum(1 for r in results if r.get("success"))

    def attach_files(self, attachments: int, documents: int) -> None:
        accounts = self.ids("Account", attachments)
        for n, parent in enumerate(accounts):
            body = _file_body(f"Signed order {self.day}-{n}", 600 + 40 * n)
            self.sf.Attachment.create(
                {
                    "Name": f"order-{self.day}-{n}.pdf",
                    "ParentId": parent,
                    "ContentType": "application/pdf",
                    "Body": base64.b64encode(body).decode(),
                }
            )
        for n in range(documents):
            body = _file_body(f"Price list {self.day}-{n}", 900 + 60 * n)
            self.sf.ContentVersion.create(
                {
                    "Title": f"Price list {self.day}-{n}",
                    "PathOnClient": f"price-list-{self.day}-{n}.pdf",
                    "VersionData": base64.b64encode(body).decode(),
                }
            )

    def revise_a_file(self) -> None:
        """A new version of an existing file (ContentVersion of the same document)."""
        found = self.sf.query(
            "SELECT Id, ContentDocumentId, Title, PathOnClient FROM ContentVersion "
            "WHERE IsLatest = true ORDER BY Id LIMIT 1"
        )["records"]
        if not found:
            return
        latest = found[0]
        body = _file_body(f"{latest['Title']}, revised on day {self.day}", 1200)
        self.sf.ContentVersion.create(
            {
                "ContentDocumentId": latest["ContentDocumentId"],
                "Title": latest["Title"],
                "PathOnClient": latest["PathOnClient"],
                "VersionData": base64.b64encode(body).decode(),
            }
        )

    def records(self) -> None:
        """Edits, new records and deletions across the usual sales and service objects."""
        rng = self.rng
        self.update(
            "Account",
            self.ids("Account", 12),
            lambda i: {
                "Rating": rng.choice(RATINGS),
                "Phone": f"+1 415 555 {rng.randrange(1000, 9999)}",
                "AnnualRevenue": rng.randrange(1, 500) * 100_000,
            },
        )
        self.update(
            "Contact",
            self.ids("Contact", 15),
            lambda i: {"Title": rng.choice(TITLES), "Department": f"Team {self.day}-{i}"},
        )
        self.update(
            "Opportunity",
            self.ids("Opportunity", 8),
            lambda i: {"StageName": rng.choice(STAGES), "Amount": rng.randrange(5, 400) * 1000},
        )
        accounts = self.ids("Account", 4)
        self.create(
            "Contact",
            [
                {
                    "FirstName": rng.choice(FIRST_NAMES),
                    "LastName": rng.choice(LAST_NAMES),
                    "AccountId": account,
                    "Title": rng.choice(TITLES),
                }
                for account in accounts
            ],
        )
        self.create(
            "Case",
            [
                {
                    "Subject": rng.choice(CASE_SUBJECTS),
                    "Status": "New",
                    "Origin": "Email",
                    "AccountId": account,
                }
                for account in accounts[:3]
            ],
        )
        self.create(
            "Lead",
            [
                {
                    "FirstName": rng.choice(FIRST_NAMES),
                    "LastName": rng.choice(LAST_NAMES),
                    "Company": f"Prospect {self.day}-{n} Ltd",
                    "Status": "Open - Not Contacted",
                }
                for n in range(2)
            ],
        )
        # Deleted records go to the Recycle Bin, where incremental backups see them.
        self.delete(self.ids("Lead", 2))
        self.delete(self.ids("Task", 3))
        self.delete(self.ids("Contact", 3))


def _file_body(title: str, size: int) -> bytes:
    """A small PDF-looking file whose bytes differ per title."""
    text = f"%PDF-1.4\n% OrgVault demo file: {title}\n".encode()
    filler = (title.encode() + b" \x00\x01\x02") * (size // max(len(title) + 4, 1) + 1)
    return (text + filler)[:size] + b"\n%%EOF\n"


APEX_CLASSES = {
    2: (
        "AccountService",
        "public with sharing class AccountService {\n"
        "    public static List<Account> hotAccounts() {\n"
        "        return [SELECT Id, Name, Rating FROM Account\n"
        "                WHERE Rating = 'Hot' AND AnnualRevenue > 1000000 LIMIT 200];\n"
        "    }\n}\n",
    ),
    4: (
        "InvoiceService",
        "public with sharing class InvoiceService {\n"
        "    public static Decimal total(Id opportunityId) {\n"
        "        return [SELECT Amount FROM Opportunity WHERE Id = :opportunityId].Amount;\n"
        "    }\n}\n",
    ),
}


def _deploy_apex_class(sim: DemoSimulator, sf, name: str, body: str) -> None:
    """Deploy one Apex class through the Metadata API (SOAP deploy, then its status)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "package.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Package xmlns="http://soap.sforce.com/2006/04/metadata">'
            f"<types><members>{name}</members><name>ApexClass</name></types>"
            "<version>59.0</version></Package>",
        )
        archive.writestr(f"classes/{name}.cls", body)
        archive.writestr(
            f"classes/{name}.cls-meta.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">'
            "<apiVersion>59.0</apiVersion><status>Active</status></ApexClass>",
        )
    url = f"{sf.base_url.split('/services/')[0]}/services/Soap/m/{SF_API_VERSION}"
    zip_text = base64.b64encode(buffer.getvalue()).decode()
    deploy = _soap(
        sf,
        url,
        f"<met:deploy><met:ZipFile>{zip_text}</met:ZipFile><met:DeployOptions>"
        "<met:rollbackOnError>true</met:rollbackOnError>"
        "<met:singlePackage>true</met:singlePackage></met:DeployOptions></met:deploy>",
    )
    async_id = _between(deploy, "<id>", "</id>")
    for _ in range(50):
        status = _soap(
            sf,
            url,
            f"<met:checkDeployStatus><met:asyncProcessId>{async_id}</met:asyncProcessId>"
            "<met:includeDetails>true</met:includeDetails></met:checkDeployStatus>",
        )
        if "<done>true</done>" in status:
            if "<success>true</success>" not in status:
                raise CommandError(f"Deploying {name} to the simulator failed: {status[:500]}")
            return
    raise CommandError(f"Deploying {name} to the simulator did not finish.")


def _soap(sf, url: str, body: str) -> str:
    envelope = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:met="http://soap.sforce.com/2006/04/metadata">'
        f"<soapenv:Header><met:SessionHeader><met:sessionId>{sf.session_id}</met:sessionId>"
        f"</met:SessionHeader></soapenv:Header><soapenv:Body>{body}</soapenv:Body>"
        "</soapenv:Envelope>"
    )
    response = sf.session.post(
        url,
        data=envelope.encode(),
        headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'},
        timeout=60,
    )
    if response.status_code != 200:
        raise CommandError(f"The simulator's Metadata API answered {response.status_code}.")
    return response.text


def _between(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0] if start in text else ""


def _work_in_salesforce(sim: DemoSimulator, day: int) -> None:
    sf = _salesforce(sim)
    today = _Workday(sf, day)
    if day == 1:
        today.attach_files(attachments=3, documents=2)  # files for the first full backup
        return
    today.records()
    today.attach_files(attachments=1, documents=1)
    if day == 3:
        today.revise_a_file()
    if day in APEX_CLASSES:
        _deploy_apex_class(sim, sf, *APEX_CLASSES[day])


# --- the backups -------------------------------------------------------------------------


def _completed_days(org_id: int, days: int) -> set[int]:
    job_model = apps.get_model("jobs", "Job")
    names = {JOB_NAME.format(day=day, days=days): day for day in range(1, days + 1)}
    found = job_model.objects.filter(org_id=org_id, name__in=names, status="completed")
    return {names[name] for name in found.values_list("name", flat=True)}


def _backup(org_id: int, name: str) -> dict:
    out = io.StringIO()
    try:
        call_command(
            "backup_run",
            "--org",
            str(org_id),
            "--wait",
            "--json",
            "--name",
            name,
            "--include",
            BACKUP_SETTINGS,
            stdout=out,
        )
    except SystemExit:
        summary = json.loads(out.getvalue() or "{}")
        raise CommandError(
            f"The demo backup '{name}' did not complete: {summary.get('error') or summary}"
        ) from None
    return json.loads(out.getvalue())


def demo_history_build(
    *,
    sim: DemoSimulator,
    org_id: int,
    days: int = DAYS,
    log: Callable[[str], None] = lambda line: None,
) -> list[dict]:
    """Play the days without a completed backup; return the summaries of the new jobs."""
    done = _completed_days(org_id, days)
    summaries = []
    for day in range(1, days + 1):
        if day in done:
            continue
        days_ago = days + 1 - day
        name = JOB_NAME.format(day=day, days=days)
        with clocks_moved_back(sim.data_dir, days_ago):
            when = timezone.localdate()
            _work_in_salesforce(sim, day)
            summary = _backup(org_id, name)
        summaries.append(summary)
        log(
            f"  {when:%a %b %d}: {'full' if day == 1 else 'incremental'} backup, job "
            f"{summary['job_id']}: {summary['added']} added, {summary['changed']} changed, "
            f"{summary['deleted']} deleted"
        )
    return summaries
