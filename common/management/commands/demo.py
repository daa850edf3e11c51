"""`make demo`: the whole product on a laptop, with no services to install.

Prepares the database, starts the Salesforce simulator with a generated demo org, a
web server and one django-q2 worker, makes a demo tenant with the demo org connected,
prints the URL and the login, and stops everything on Ctrl-C. Running it twice is
safe: what exists is reused.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

DEMO_ORG_NAME = "Demo Company"
DEMO_EMAIL = "admin@demo.example"
DEMO_PASSWORD = "Demo-Vault-2026!"  # noqa: S105 — the printed demo login, local only
DEMO_SF_ORG_NAME = "Demo Production"


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run OrgVault locally: simulator, web server and worker, with a connected demo org."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("DEMO_PORT", 8000)))
        parser.add_argument("--sim-port", type=int, default=int(os.environ.get("SFSIM_PORT", 8443)))
        parser.add_argument("--records", type=int, default=3000, help="size of the demo org")

    def handle(self, *args, **options):
        self.children: list[subprocess.Popen] = []
        # `kill` (SIGTERM) stops the demo as cleanly as Ctrl-C does.
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        sim_dir = Path(settings.VAR_DIR) / "sfsim"
        try:
            self.stdout.write("Preparing the database…")
            call_command("migrate", interactive=False, verbosity=0)
            call_command("collectstatic", interactive=False, verbosity=0)

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
            sim_url = self._start_simulator(sim_dir, options["sim_port"])
            ca_path = str(sim_dir / "ca.pem")
            self._ensure_demo_tenant(sim_dir, sim_url, ca_path)

            env = {**os.environ, "SALESFORCE_CA_BUNDLE": ca_path}
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
            self._print_banner(options["port"], sim_url)
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

    def _ensure_demo_tenant(self, sim_dir: Path, sim_url: str, ca_path: str) -> None:
        from orgs.models import Org
        from tenants.models import Tenant

        tenant = Tenant.objects.filter(name__iexact=DEMO_ORG_NAME).first()
        if tenant is None:
            self.stdout.write("Creating the demo tenant…")
            self._manage(
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
            )
            tenant = Tenant.objects.get(name__iexact=DEMO_ORG_NAME)
        demo_org = Org.objects.filter(tenant=tenant, name=DEMO_SF_ORG_NAME)
        if demo_org.exists():
            # The simulator may listen on another port than last time (SFSIM_PORT).
            demo_org.update(login_url=sim_url, instance_url=sim_url, ca_bundle=ca_path)
            return
        self.stdout.write("Connecting the demo Salesforce org…")
        creds = json.loads(self._manage("sfsim", "credentials", "--data", str(sim_dir), "--json"))
        first = creds[0] if isinstance(creds, list) else creds["orgs"][0]
        self._manage(
            "org_connect",
            "--tenant",
            DEMO_ORG_NAME,
            "--name",
            DEMO_SF_ORG_NAME,
            "--login-url",
            sim_url,
            "--username",
            first["username"],
            "--password",
            first["password"],
            "--client-id",
            first["client_id"],
            "--client-secret",
            first["client_secret"],
            "--generate-key",
            "--ca-bundle",
            ca_path,
            "--json",
        )

    def _print_banner(self, port: int, sim_url: str) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                "\nOrgVault is running.\n"
                f"  Open:          http://127.0.0.1:{port}/\n"
                f"  Organization:  {DEMO_ORG_NAME}\n"
                f"  Email:         {DEMO_EMAIL}\n"
                f"  Password:      {DEMO_PASSWORD}\n"
                f"  Simulator:     {sim_url}\n"
                "Press Ctrl-C to stop.\n"
            )
        )

    def _wait(self) -> None:
        while True:
            for child in self.children:
                if child.poll() is not None:
                    raise CommandError(f"{' '.join(child.args[:4])} exited ({child.returncode}).")
            time.sleep(1)

    def _stop_children(self) -> None:
        for child in self.children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in self.children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
