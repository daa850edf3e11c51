"""``manage.py sfsim <serve|load|credentials|clock|permission|limit|jwt-cert>``: run and fill the simulator.

manage.py sfsim serve --data DIR [--host 127.0.0.1] [--port 8443]
                      [--token-lifetime SECONDS] [--faults FILE.json]
manage.py sfsim load --data DIR [--describe F.json ...] [--sfdx-objects DIR]
                     [--tree PLAN.json] [--generate N] [--seed S] [--org-name NAME] [--json]
manage.py sfsim credentials --data DIR [--json]
manage.py sfsim clock --data DIR --advance-days N
manage.py sfsim permission --data DIR --username U --name ViewAllData --off|--on
manage.py sfsim limit --data DIR --username U --daily-api-requests N
manage.py sfsim jwt-cert --data DIR --cert CERT.pem [--client-id ID]
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

PERMISSIONS = ("ApiEnabled", "ViewAllData", "ModifyAllData", "QueryAllFiles", "SetAuditFields")
DEFAULT_BASE_URL = "https://127.0.0.1:8443"


class Command(BaseCommand):
    help = "Run and fill the Salesforce simulator (sfsim)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        serve = sub.add_parser("serve", help="serve the simulator over HTTPS")
        serve.add_argument("--data", required=True, help="the simulator's data folder")
        serve.add_argument("--host", default="127.0.0.1")
        serve.add_argument("--port", type=int, default=8443, help="0 picks a free port")
        serve.add_argument("--token-lifetime", type=int, default=None, metavar="SECONDS")
        serve.add_argument("--faults", default=None, metavar="FILE.json")

        load = sub.add_parser("load", help="load schema and data into an org")
        load.add_argument("--data", required=True)
        load.add_argument("--describe", nargs="+", default=[], metavar="F.json")
        load.add_argument("--sfdx-objects", default=None, metavar="DIR")
        load.add_argument("--tree", default=None, metavar="PLAN.json")
        load.add_argument("--generate", type=int, default=None, metavar="N")
        load.add_argument("--seed", type=int, default=1)
        load.add_argument("--org-name", default=None, metavar="NAME")
        load.add_argument("--json", action="store_true")

        creds = sub.add_parser("credentials", help="print each org's login details")
        creds.add_argument("--data", required=True)
        creds.add_argument("--json", action="store_true")

        clock = sub.add_parser("clock", help="move the simulator's clock forward")
        clock.add_argument("--data", required=True)
        clock.add_argument("--advance-days", type=float, required=True)

        perm = sub.add_parser("permission", help="grant or take away a user permission")
        perm.add_argument("--data", required=True)
        perm.add_argument("--username", required=True)
        perm.add_argument("--name", required=True, choices=PERMISSIONS)
        state = perm.add_mutually_exclusive_group(required=True)
        state.add_argument("--on", dest="enabled", action="store_true")
        state.add_argument("--off", dest="enabled", action="store_false")

        jwt = sub.add_parser(
            "jwt-cert", help="give a connected app the certificate for the JWT bearer grant"
        )
        jwt.add_argument("--data", required=True)
        jwt.add_argument("--cert", required=True, metavar="FILE.pem", help="X.509, PEM")
        jwt.add_argument("--client-id", default=None, help="default: the first org's app")

        limit = sub.add_parser("limit", help="set an org's DailyApiRequests maximum")
        limit.add_argument("--data", required=True)
        limit.add_argument("--username", required=True, help="any user of the org")
        limit.add_argument("--daily-api-requests", type=int, required=True)

    def handle(self, *args, **options):
        action = options["action"]
        data = Path(options["data"])
        if action != "serve" and action != "load" and not (data / "simulator.sqlite3").exists():
            raise CommandError(
                f"{data} holds no simulator yet; run `manage.py sfsim load --data {data}` "
                f"or `manage.py sfsim serve --data {data}` first."
            )
        getattr(self, f"_{action.replace('-', '_')}")(data, options)

    # -- serve -----------------------------------------------------------------------------
    def _serve(self, data: Path, options) -> None:
        from sfsim.server.faults import FaultSpecError
        from sfsim.server.runner import ListenError, serve

        if options["faults"] and not Path(options["faults"]).is_file():
            raise CommandError(f"Fault file {options['faults']} does not exist.")
        try:
            serve(
                data,
                host=options["host"],
                port=options["port"],
                token_lifetime=options["token_lifetime"],
                faults_file=options["faults"],
                out=self.stdout,
            )
        except FaultSpecError as error:
            raise CommandError(f"Bad fault file {options['faults']}: {error}") from error
        except ListenError as error:
            raise CommandError(f"{error}. Pick another --port (0 picks a free one).") from error

    # -- load ------------------------------------------------------------------------------
    def _load(self, data: Path, options) -> None:
        import xml.etree.ElementTree as ET

        from sfsim.errors import SalesforceError
        from sfsim.loaders import load
        from sfsim.loaders.tree import TreeLoadError
        from sfsim.store import Simulator

        for path in options["describe"]:
            if not Path(path).is_file():
                raise CommandError(f"Describe file {path} does not exist.")
        for key in ("sfdx_objects", "tree"):
            if options[key] and not Path(options[key]).exists():
                raise CommandError(f"{options[key]} does not exist.")
        sim = Simulator(data)
        org = self._target_org(sim, options["org_name"])
        try:
            counts = load(
                sim,
                org,
                describe_files=[Path(p) for p in options["describe"]],
                sfdx_dir=Path(options["sfdx_objects"]) if options["sfdx_objects"] else None,
                tree_plan=Path(options["tree"]) if options["tree"] else None,
                generate=options["generate"] or 0,
                seed=options["seed"],
            )
        except TreeLoadError as error:
            raise CommandError(f"Nothing was loaded: {error}") from None
        except SalesforceError as error:
            raise CommandError(f"Nothing was loaded: {error.error_code}: {error.message}") from None
        except (OSError, ValueError, KeyError, ET.ParseError) as error:
            raise CommandError(
                f"Nothing was loaded: {type(error).__name__}: {error}".splitlines()[0]
            ) from None
        counts = {"org_id": org.org_id, "org_name": org.name, **counts}
        if options["json"]:
            self.stdout.write(json.dumps(counts, indent=2, default=str))
            return
        for key, value in counts.items():
            self.stdout.write(f"{key}: {value}")

    @staticmethod
    def _target_org(sim, org_name: str | None):
        """The org named ``org_name`` (created when missing), else the default org."""
        default = sim.ensure_default_org()
        if not org_name:
            return default
        for org in sim.orgs():
            if org.name == org_name:
                return org
        return sim.create_org(name=org_name)

    # -- credentials -----------------------------------------------------------------------
    def _credentials(self, data: Path, options) -> None:
        from sfsim.server.admin import control_token
        from sfsim.server.runner import read_server_file
        from sfsim.store import Simulator

        server = read_server_file(data) or {}
        base_url = server.get("base_url", DEFAULT_BASE_URL)
        token = control_token(data)
        rows = []
        for item in Simulator(data).credentials():
            row = dict(item)
            row["control_token"] = token
            login_url = str(row.get("login_url") or "")
            if not login_url.startswith("http"):
                login_url = base_url + login_url.rstrip("/")
            row["login_url"] = login_url
            rows.append(row)
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        self.stdout.write(f"control token (X-Sfsim-Token header for /__sfsim/): {token}")
        for row in rows:
            self.stdout.write(
                f"org {row['org_id']}\n  login URL:     {row['login_url']}\n"
                f"  username:      {row['username']}\n  password:      {row['password']}\n"
                f"  client id:     {row['client_id']}\n  client secret: {row['client_secret']}"
            )

    # -- extras ----------------------------------------------------------------------------
    def _clock(self, data: Path, options) -> None:
        from sfsim.store import Simulator

        if options["advance_days"] < 0:
            raise CommandError("The clock only moves forward; give a positive --advance-days.")
        now = Simulator(data).clock.advance(days=options["advance_days"])
        self.stdout.write(f"simulator clock: {now.isoformat()}")

    def _org_of(self, data: Path, username: str):
        from sfsim.store import Simulator

        found = Simulator(data).find_user(username)
        if found is None:
            raise CommandError(f"No simulator user {username}; see `manage.py sfsim credentials`.")
        return found[0]

    def _permission(self, data: Path, options) -> None:
        org = self._org_of(data, options["username"])
        org.set_permission(options["username"], options["name"], options["enabled"])
        state = "on" if options["enabled"] else "off"
        self.stdout.write(f"{options['name']} is {state} for {options['username']}")

    def _jwt_cert(self, data: Path, options) -> None:
        from sfsim.server.jwt_bearer import save_certificate
        from sfsim.store import Simulator

        cert = Path(options["cert"])
        if not cert.is_file():
            raise CommandError(f"Certificate file {cert} does not exist.")
        sim = Simulator(data)
        client_id = options["client_id"] or sim.credentials()[0]["client_id"]
        if sim.find_client(client_id) is None:
            raise CommandError(f"No connected app with client id {client_id}.")
        try:
            save_certificate(data, client_id, cert.read_bytes())
        except ValueError as error:
            raise CommandError(f"{cert} is not a PEM X.509 certificate: {error}") from None
        self.stdout.write(f"JWT bearer grant enabled for {client_id}")

    def _limit(self, data: Path, options) -> None:
        if options["daily_api_requests"] < 1:
            raise CommandError("--daily-api-requests must be at least 1.")
        org = self._org_of(data, options["username"])
        org.set_daily_api_limit(options["daily_api_requests"])
        self.stdout.write(f"DailyApiRequests max is {options['daily_api_requests']}")
