"""`manage.py demo` as `DEMO_PORT=<port> make demo` runs it: it serves on that port, the
Add Salesforce Org page of its web server sends Salesforce a callback on that port, a
second run reuses the history, and SIGTERM stops every process it started."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.fixtures.deployment import embedded_env, free_port
from tests.orgs.browser import forms_of

ROOT = Path(__file__).resolve().parents[2]
BANNER = "Press Ctrl-C to stop."

pytestmark = pytest.mark.slow


def processes_using(var_dir: Path) -> list[int]:
    """Pids of the processes whose environment names this var folder (Linux /proc)."""
    needle = f"ORGVAULT_VAR_DIR={var_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


class Demo:
    def __init__(self, var_dir: Path, port: int, sim_port: int):
        self.log = var_dir.parent / f"demo-{time.monotonic_ns()}.log"
        # The embedded defaults, as `make demo` on a laptop: CI's pass 2 names a shared
        # PostgreSQL database, Redis and S3 whose earlier demo rows would be reused.
        env = embedded_env(
            var_dir,
            drop=frozenset({"SITE_URL", "DEMO_PORT"}),
            DEMO_PORT=str(port),
            SFSIM_PORT=str(sim_port),
            PYTHONUNBUFFERED="1",
        )
        argv = [sys.executable, "manage.py", "demo", "--records", "200", "--history-days", "2"]
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log.read_text()

    def wait_for_banner(self, timeout: float = 240) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.output()
            if BANNER in text:
                return text
            assert self.process.poll() is None, text
            time.sleep(0.5)
        raise AssertionError(f"no banner in {timeout} s:\n{self.output()}")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find leftover processes")
def test_demo_serves_on_its_port_calls_back_there_and_stops_everything(tmp_path):
    var_dir = tmp_path / "var"
    port, sim_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    demo = Demo(var_dir, port, sim_port)
    try:
        text = demo.wait_for_banner()
        assert f"Open:          {base}/" in text
        assert "full backup, job 1" in text and "incremental backup, job 2" in text

        session = requests.Session()
        session.trust_env = False

        def submit(path: str, data: dict, **kwargs):
            page = session.get(base + path, timeout=30)
            fields = forms_of(page.text)[0]["fields"]
            return session.post(base + path, data={**fields, **data}, timeout=30, **kwargs)

        submit("/signin/", {"org_name": "Demo Company"})
        home = submit("/signin/credentials/", {"email": "admin@demo.example", "password": "Demo-Vault-2026!"})  # fmt: skip
        assert home.url == f"{base}/orgs/" and "Demo Production" in home.text
        history = session.get(f"{base}/orgs/1/backups/history/", timeout=30).text
        assert "Demo history, day 1 of 2" in history and "Demo history, day 2 of 2" in history

        started = submit(
            "/orgs/add/",
            {
                "name": "Second org",
                "org_type": "custom",
                "login_url": f"https://127.0.0.1:{sim_port}",
                "storage": "managed",
                "encryption_key": "A" * 43 + "=",  # base64 of 32 bytes
            },
            allow_redirects=False,
        )
        assert started.status_code == 302, started.text
        location = started.headers["Location"]
        assert location.startswith(f"https://127.0.0.1:{sim_port}/services/oauth2/authorize?")
        assert parse_qs(urlsplit(location).query)["redirect_uri"] == [
            f"{base}/orgs/oauth/callback/"
        ]
    finally:
        code = demo.stop()
    assert code == 0, demo.output()
    deadline = time.monotonic() + 15
    while processes_using(var_dir) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert processes_using(var_dir) == [], demo.output()

    again = Demo(var_dir, port, sim_port)
    try:
        text = again.wait_for_banner()
        assert "already there." in text and "Generating" not in text
    finally:
        assert again.stop() == 0, again.output()
    deadline = time.monotonic() + 15
    while processes_using(var_dir) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert processes_using(var_dir) == []
