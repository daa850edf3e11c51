"""`make demo`: the whole product on a laptop, with no services to install.

Prepares the database, starts the Salesforce simulator with a generated demo org, makes
a demo tenant with the demo org connected and a week of history behind it (a full
backup and daily incrementals, with changed and deleted records, files and metadata:
demo/history.py), then starts a web server, one django-q2 worker and
the scheduler, prints the URL and the login, and stops everything on Ctrl-C.

The public URL (SITE_URL, which the OAuth callback of Add Salesforce Org is built from)
follows the port: `DEMO_PORT=8100 make demo` serves and calls back on port 8100.

Running it twice is safe: what exists is reused, and the history is not built again.
"""

import contextlib
import ctypes
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from demo.history import DAYS, DemoSimulator, demo_history_build

DEMO_ORG_NAME = "Demo Company"
DEMO_EMAIL = "admin@demo.example"
DEMO_PASSWORD = "Demo-Vault-2026!"  # noqa: S105 — the printed demo login, local only
DEMO_SF_ORG_NAME = "Demo Production"
STOP_SECONDS = 10


def site_url(port: int) -> str:
    """The public URL of the demo's web server (it listens on loopback only)."""
    return f"http://127.0.0.1:{port}"


def web_environment(*, port: int, sim: DemoSimulator, base: dict | None = None) -> dict:
    """The environment of the demo's web server, worker and scheduler.

    SITE_URL follows the port, so the OAuth callback that Add Salesforce Org sends to
    Salesforce reaches this server; the simulator's CA and connected app are this
    server's, so Add Salesforce Org needs only the simulator's login URL."""
    return {
        **(os.environ if base is None else base),
        "SITE_URL": site_url(port),
        "SALESFORCE_CA_BUNDLE": sim.ca_path,
        "SALESFORCE_CLIENT_ID": sim.client_id,
        "SALESFORCE_CLIENT_SECRET": sim.client_secret,
        # The simulator listens on loopback: Add Salesforce Org may use a private address.
        "OUTBOUND_ALLOW_PRIVATE": "1",
    }


def _serving(port: int) -> bool:
    """Whether something accepts connections on the loopback port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def _die_with_parent() -> None:  # pragma: no cover — runs in the child before exec
    """On Linux, a child is killed if the demo itself dies without stopping it (SIGKILL,
    a crash): nothing of the demo keeps running behind its back."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


class Command(BaseCommand):
    help = "Run OrgVault locally: simulator, web server and worker, with a demo org and history."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("DEMO_PORT", 8000)))
        parser.add_argument("--sim-port", type=int, default=int(os.environ.get("SFSIM_PORT", 8443)))
        parser.add_argument("--records", type=int, default=3000, help="size of the demo org")
        parser.add_argument(
            "--history-days", type=int, default=DAYS, help="days of backups before today"
        )

    def handle(self, *args, **options):
        self.children: list[subprocess.Popen] = []
        # `kill` (SIGTERM) stops the demo as cleanly as Ctrl-C does.
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        sim_dir = Path(settings.VAR_DIR) / "sfsim"
        try:
            if _serving(options["port"]):
                raise CommandError(
                    f"Port {options['port']} is in use; choose another with DEMO_PORT."
                )
            self.stdout.write("Preparing the database…")
            call_command("migrate", interactive=False, verbosity=0)
            call_command("collectstatic", interactive=False, verbosity=0)

            if not self._demo_tenant_exists() and sim_dir.exists():
                # A new database starts with a new simulator: the old one's changes were
                # made at times the new history would play before.
                shutil.rmtree(sim_dir)
            if not (sim_dir / "simulator.sqlite3").exists():
                self.stdout.write(
                    f"Generating a demo Salesforce org ({options['records']} records)…"
                )
                self._manage(
                    "sfsim",
                    "load",
                    "--data",
                    str(sim_dir),
                    "--generate",
                    str(options["records"]),
                    "--seed",
                    "7",
                )
            self._start_simulator(sim_dir, options["sim_port"])
            creds = json.loads(
                self._manage("sfsim", "credentials", "--data", str(sim_dir), "--json")
            )
            sim = DemoSimulator.from_credentials(sim_dir, str(sim_dir / "ca.pem"), creds[0])
            org_id = self._ensure_demo_org(sim)
            self._build_history(sim, org_id, max(1, options["history_days"]))

            env = web_environment(port=options["port"], sim=sim)
            self._spawn(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi",
                    "--bind",
                    f"127.0.0.1:{options['port']}",
                    "--workers",
                    "2",
                    "--threads",
                    "4",
                    "--timeout",
                    "120",
                    "--log-level",
                    "warning",
                ],
                env,
            )
            self._spawn([sys.executable, "manage.py", "qcluster"], env)
            self._spawn([sys.executable, "manage.py", "scheduler"], env)
            self._wait_until_serving(options["port"])
            self._print_banner(options["port"], sim)
            self._wait()
        except KeyboardInterrupt:
            pass
        finally:
            self._stop_children()

    # --- steps -----------------------------------------------------------------------

    def _manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise CommandError(f"manage.py {' '.join(args[:2])} failed:\n{result.stderr.strip()}")
        return result.stdout

    def _spawn(self, argv: list[str], env: dict | None = None, **kwargs) -> subprocess.Popen:
        if sys.platform == "linux":
            kwargs["preexec_fn"] = _die_with_parent
        process = subprocess.Popen(argv, env=env, start_new_session=True, **kwargs)
        self.children.append(process)
        return process

    def _start_simulator(self, sim_dir: Path, port: int) -> str:
        self.stdout.write("Starting the Salesforce simulator…")
        process = self._spawn(
            [
                sys.executable,
                "manage.py",
                "sfsim",
                "serve",
                "--data",
                str(sim_dir),
                "--port",
                str(port),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None  # noqa: S101 — stdout=PIPE above
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                raise CommandError(
                    f"The simulator stopped at start (is port {port} in use? set SFSIM_PORT)."
                )
            if "ready at" in line:
                return line.split("ready at", 1)[1].split()[0]
        raise CommandError("The simulator did not start within 60 seconds.")

    @staticmethod
    def _demo_tenant_exists() -> bool:
        from tenants.models import Tenant

        return Tenant.objects.filter(name__iexact=DEMO_ORG_NAME).exists()

    def _ensure_demo_org(self, sim: DemoSimulator) -> int:
        """The demo tenant and its connected org.

        Connected now, not on the history's first day: its system schedules then start
        from today instead of running their missed runs as soon as the demo starts."""
        from orgs.models import Org

        demo_org = Org.objects.filter(tenant__name__iexact=DEMO_ORG_NAME, name=DEMO_SF_ORG_NAME)
        if demo_org.exists():
            # The simulator may listen on another port than last time (SFSIM_PORT).
            demo_org.update(
                login_url=sim.login_url, instance_url=sim.login_url, ca_bundle=sim.ca_path
            )
            return demo_org.get().pk
        if not self._demo_tenant_exists():
            self.stdout.write("Creating the demo tenant…")
            call_command(
                "tenant_register",
                "--org-name",
                DEMO_ORG_NAME,
                "--email",
                DEMO_EMAIL,
                "--password",
                DEMO_PASSWORD,
                "--first-name",
                "Demo",
                "--last-name",
                "Admin",
                "--json",
                stdout=io.StringIO(),
            )
        self.stdout.write("Connecting the demo Salesforce org…")
        out = io.StringIO()
        call_command(
            "org_connect",
            "--tenant",
            DEMO_ORG_NAME,
            "--name",
            DEMO_SF_ORG_NAME,
            "--login-url",
            sim.login_url,
            "--username",
            sim.username,
            "--password",
            sim.password,
            "--client-id",
            sim.client_id,
            "--client-secret",
            sim.client_secret,
            "--generate-key",
            "--ca-bundle",
            sim.ca_path,
            "--json",
            stdout=out,
        )
        return json.loads(out.getvalue())["org_id"]

    def _build_history(self, sim: DemoSimulator, org_id: int, days: int) -> None:
        self.stdout.write("Building the demo org's history (backups on earlier days)…")
        started = time.monotonic()
        jobs = demo_history_build(sim=sim, org_id=org_id, days=days, log=self.stdout.write)
        if jobs:
            self.stdout.write(f"  {len(jobs)} backups in {time.monotonic() - started:.0f} s.")
        else:
            self.stdout.write("  already there.")

    def _print_banner(self, port: int, sim: DemoSimulator) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                "\nOrgVault is running.\n"
                f"  Open:          {site_url(port)}/\n"
                f"  Organization:  {DEMO_ORG_NAME}\n"
                f"  Email:         {DEMO_EMAIL}\n"
                f"  Password:      {DEMO_PASSWORD}\n"
                "To connect another org (Add Salesforce Org, type Custom):\n"
                f"  Login URL:     {sim.login_url}\n"
                f"  Salesforce:    {sim.username} / {sim.password}\n"
                "Press Ctrl-C to stop.\n"
            )
        )

    def _wait_until_serving(self, port: int) -> None:
        """The banner is printed once the URL it shows answers."""
        deadline = time.monotonic() + 60
        while not _serving(port):
            self._check_children()
            if time.monotonic() > deadline:
                raise CommandError(f"The web server did not start on port {port} in 60 s.")
            time.sleep(0.2)

    def _wait(self) -> None:
        while True:
            self._check_children()
            time.sleep(1)

    def _check_children(self) -> None:
        for child in self.children:
            if child.poll() is not None:
                argv = child.args if isinstance(child.args, list) else [child.args]
                command = " ".join(str(arg) for arg in argv[:4])
                raise CommandError(f"{command} exited ({child.returncode}).")

    def _stop_children(self) -> None:
        """SIGTERM to every child's process group, SIGKILL to those still there after
        STOP_SECONDS (qcluster can hang in its shutdown). A second Ctrl-C or SIGTERM
        (`make` passes its own on) does not cut this short."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for child in self.children:
            if child.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for child in self.children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGKILL)
                child.wait()
