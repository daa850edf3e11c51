"""Simulator: the top-level state under DATA_DIR (orgs, users, connected apps, tokens, clock).

Layout: DATA_DIR/simulator.sqlite3 holds orgs, login users, connected apps, tokens and the
clock offset; DATA_DIR/orgs/<orgId>.sqlite3 holds one org's schema, records, automations,
metadata components and limits. Every thread gets its own SQLite connection (WAL mode),
so a threaded server can share one Simulator.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import sqlite3
import threading
import time
from pathlib import Path

from sfsim import auth, ids
from sfsim.auth import ConnectedApp, SimUser
from sfsim.clock import Clock
from sfsim.errors import SalesforceError, invalid_session
from sfsim.values import sf_number_text

_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS orgs (
    number INTEGER PRIMARY KEY, org_id TEXT UNIQUE NOT NULL, name TEXT NOT NULL,
    edition TEXT NOT NULL, is_sandbox INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY COLLATE NOCASE, org_id TEXT NOT NULL, user_id TEXT NOT NULL,
    password_hash TEXT NOT NULL, password TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS apps (
    client_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, client_secret TEXT NOT NULL,
    name TEXT NOT NULL, redirect_uris TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, kind TEXT NOT NULL, org_id TEXT NOT NULL, user_id TEXT NOT NULL,
    client_id TEXT NOT NULL, issued_at REAL NOT NULL, expires_at REAL,
    revoked INTEGER NOT NULL DEFAULT 0, parent TEXT);
CREATE INDEX IF NOT EXISTS tokens_parent ON tokens (parent);
"""


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.create_function("sf_number", 1, sf_number_text, deterministic=True)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class Simulator:
    """All simulated orgs under one data directory. Thread-safe."""

    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir)
        (self.data_dir / "orgs").mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / "simulator.sqlite3"
        self._local = threading.local()
        self._lock = threading.RLock()
        self._orgs: dict[str, object] = {}
        self.conn().executescript(_SCHEMA)
        self.clock = Clock(self.conn)

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.path)
        return conn

    # ------------------------------------------------------------------ settings
    def _setting(self, key: str) -> str | None:
        row = self.conn().execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_setting(self, key: str, value: str) -> None:
        self.conn().execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @property
    def token_lifetime_seconds(self) -> int:
        """Access-token lifetime: the persisted setting, else env SFSIM_TOKEN_LIFETIME, else 7200."""
        stored = self._setting("token_lifetime")
        if stored is not None:
            return int(stored)
        return int(os.environ.get("SFSIM_TOKEN_LIFETIME", "7200"))

    @token_lifetime_seconds.setter
    def token_lifetime_seconds(self, seconds: int) -> None:
        self._set_setting("token_lifetime", str(int(seconds)))

    # ------------------------------------------------------------------ orgs
    def orgs(self) -> list:
        rows = self.conn().execute("SELECT org_id FROM orgs ORDER BY number").fetchall()
        return [self.org(r[0]) for r in rows]

    def org(self, org_id: str):
        """The Org with this 15/18-character Id; raises KeyError."""
        from sfsim.org import Org

        key = org_id[:15] if isinstance(org_id, str) else ""
        with self._lock:
            for known_id, org in self._orgs.items():
                if known_id[:15] == key:
                    return org
            row = (
                self.conn()
                .execute(
                    "SELECT number, org_id, name, edition, is_sandbox FROM orgs WHERE substr(org_id, 1, 15) = ?",
                    (key,),
                )
                .fetchone()
            )
            if row is None:
                raise KeyError(org_id)
            org = Org(
                self,
                number=row[0],
                org_id=row[1],
                name=row[2],
                edition=row[3],
                is_sandbox=bool(row[4]),
            )
            self._orgs[row[1]] = org
            return org

    def ensure_default_org(self):
        """The first org, creating the default org (default schema, automations, users,
        connected app, sample metadata) when the directory has none."""
        with self._lock:
            existing = self.orgs()
            if existing:
                return existing[0]
            return self.create_org(name="sfsim")

    def create_org(
        self,
        *,
        name: str,
        schema_sources: dict | None = None,
        edition: str = "Developer Edition",
        is_sandbox: bool = False,
        default_schema: bool = True,
        with_automations: bool = True,
    ):
        """A new org: default schema (unless ``default_schema`` is False), profiles and
        permission sets, an admin user admin@<name>.sfsim and a standard user
        standard@<name>.sfsim, a connected app, the default automations and metadata.
        ``schema_sources`` may hold loader arguments (describe_files, sfdx_dir, tree_plan,
        generate, seed) applied after the defaults."""
        from sfsim.loaders import load
        from sfsim.org import Org

        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "org"
        with self._lock:
            conn = self.conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                number = conn.execute("SELECT IFNULL(MAX(number), 0) + 1 FROM orgs").fetchone()[0]
                org_id = ids.make_org_id(number)
                taken = conn.execute(
                    "SELECT COUNT(*) FROM users WHERE username LIKE ?", (f"admin@{slug}%",)
                ).fetchone()[0]
                if taken:
                    slug = f"{slug}{number}"
                conn.execute(
                    "INSERT INTO orgs (number, org_id, name, edition, is_sandbox, created) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (number, org_id, name, edition, int(is_sandbox), time.time()),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            org = Org(
                self,
                number=number,
                org_id=org_id,
                name=name,
                edition=edition,
                is_sandbox=is_sandbox,
            )
            self._orgs[org_id] = org
            org.bootstrap(
                slug=slug, use_default_schema=default_schema, with_automations=with_automations
            )
            self.create_connected_app(org)
        if schema_sources:
            load(self, org, **schema_sources)
        return org

    # ------------------------------------------------------------------ users and apps
    def register_user(self, org, user_id: str, username: str, password: str) -> None:
        self.conn().execute(
            "INSERT INTO users (username, org_id, user_id, password_hash, password) "
            "VALUES (?, ?, ?, ?, ?)",
            (username, org.org_id, user_id, auth.hash_password(password), password),
        )

    def login_row(self, username: str):
        return (
            self.conn()
            .execute(
                "SELECT org_id, user_id, password_hash, password FROM users WHERE username = ?",
                (username,),
            )
            .fetchone()
        )

    def set_password(self, username: str, password: str) -> None:
        self.conn().execute(
            "UPDATE users SET password_hash = ?, password = ? WHERE username = ?",
            (auth.hash_password(password), password, username),
        )

    def find_user(self, username: str):
        """(Org, SimUser) for a username (case-insensitive), or None."""
        row = self.login_row(username)
        if row is None:
            return None
        org = self.org(row[0])
        return org, org.user(row[1])

    def create_connected_app(
        self, org, *, name: str = "OrgVault", redirect_uris: tuple[str, ...] = ()
    ) -> ConnectedApp:
        app = ConnectedApp(
            client_id=auth.new_client_id(),
            client_secret=os.urandom(32).hex().upper(),
            org_id=org.org_id,
            name=name,
            redirect_uris=tuple(redirect_uris),
        )
        self.conn().execute(
            "INSERT INTO apps (client_id, org_id, client_secret, name, redirect_uris) "
            "VALUES (?, ?, ?, ?, ?)",
            (app.client_id, app.org_id, app.client_secret, app.name, json.dumps(redirect_uris)),
        )
        return app

    def apps(self, org) -> list[ConnectedApp]:
        rows = (
            self.conn()
            .execute(
                "SELECT client_id, client_secret, org_id, name, redirect_uris FROM apps "
                "WHERE org_id = ? ORDER BY rowid",
                (org.org_id,),
            )
            .fetchall()
        )
        return [ConnectedApp(r[0], r[1], r[2], r[3], tuple(json.loads(r[4]))) for r in rows]

    def find_client(self, client_id: str):
        """(Org, ConnectedApp) for an OAuth client id, or None."""
        row = (
            self.conn()
            .execute(
                "SELECT client_id, client_secret, org_id, name, redirect_uris FROM apps "
                "WHERE client_id = ?",
                (client_id,),
            )
            .fetchone()
        )
        if row is None:
            return None
        app = ConnectedApp(row[0], row[1], row[2], row[3], tuple(json.loads(row[4])))
        return self.org(row[2]), app

    def credentials(self) -> list[dict]:
        """Per org and login user: login_url (path; the server knows its host), client_id,
        client_secret, username, password, org_id, user_id."""
        out = []
        for org in self.orgs():
            app = self.apps(org)[0]
            rows = (
                self.conn()
                .execute(
                    "SELECT username, password, user_id FROM users WHERE org_id = ? ORDER BY rowid",
                    (org.org_id,),
                )
                .fetchall()
            )
            for username, password, user_id in rows:
                out.append(
                    {
                        "org_id": org.org_id,
                        "org_name": org.name,
                        "login_url": "/",
                        "client_id": app.client_id,
                        "client_secret": app.client_secret,
                        "username": username,
                        "password": password,
                        "user_id": user_id,
                    }
                )
        return out

    # ------------------------------------------------------------------ tokens
    def _now(self) -> float:
        return self.clock.now().timestamp()

    def issue_tokens(self, org, user: SimUser, client_id: str, *, refresh: bool = True) -> dict:
        """A new access token (and refresh token unless ``refresh`` is False).

        Returns {access_token, refresh_token, id, issued_at, signature, token_type, scope};
        ``id`` is the identity path /id/<orgId>/<userId> (the server prefixes its host) and
        ``instance_url`` is left for the server to fill.
        """
        now = self._now()
        refresh_token = None
        conn = self.conn()
        if refresh:
            refresh_token = "5Aep" + auth.new_token(org.org_id).split("!", 1)[1][:80]
            conn.execute(
                "INSERT INTO tokens (token, kind, org_id, user_id, client_id, issued_at) "
                "VALUES (?, 'refresh', ?, ?, ?, ?)",
                (refresh_token, org.org_id, user.id, client_id, now),
            )
        body = self._access_token(org, user, client_id, now, parent=refresh_token)
        if refresh_token:
            body["refresh_token"] = refresh_token
        return body

    def _access_token(self, org, user, client_id: str, now: float, parent: str | None) -> dict:
        token = auth.new_token(org.org_id)
        self.conn().execute(
            "INSERT INTO tokens (token, kind, org_id, user_id, client_id, issued_at, expires_at, "
            "parent) VALUES (?, 'access', ?, ?, ?, ?, ?, ?)",
            (token, org.org_id, user.id, client_id, now, now + self.token_lifetime_seconds, parent),
        )
        identity = f"/id/{org.org_id}/{user.id}"
        issued_at = str(int(now * 1000))
        found = self.find_client(client_id)
        secret = found[1].client_secret if found else client_id
        signature = base64.b64encode(
            hmac.new(secret.encode(), (identity + issued_at).encode(), hashlib.sha256).digest()
        ).decode()
        return {
            "access_token": token,
            "id": identity,
            "issued_at": issued_at,
            "signature": signature,
            "token_type": "Bearer",
            "scope": "api refresh_token full",
        }

    def refresh(self, refresh_token: str, client_id: str, client_secret: str | None) -> dict:
        """A new access token for a refresh token. Raises SalesforceError with error_code
        ``invalid_grant`` (bad/revoked token) or ``invalid_client`` (wrong client or secret)."""
        row = (
            self.conn()
            .execute(
                "SELECT org_id, user_id, client_id, revoked FROM tokens "
                "WHERE token = ? AND kind = 'refresh'",
                (refresh_token,),
            )
            .fetchone()
        )
        if row is None or row[3]:
            raise SalesforceError("invalid_grant", "expired access/refresh token")
        found = self.find_client(client_id)
        if row[2] != client_id or found is None:
            raise SalesforceError("invalid_client", "invalid client credentials")
        if client_secret is not None and not found[1].check_secret(client_secret):
            raise SalesforceError("invalid_client", "invalid client credentials")
        org = self.org(row[0])
        user = org.user(row[1])
        if not user.is_active:
            raise SalesforceError("invalid_grant", "inactive user")
        return self._access_token(org, user, client_id, self._now(), parent=refresh_token)

    def authenticate_token(self, access_token: str):
        """(Org, SimUser) for a live access token; raises INVALID_SESSION_ID (401)."""
        if not access_token:
            raise invalid_session()
        row = (
            self.conn()
            .execute(
                "SELECT org_id, user_id, expires_at, revoked FROM tokens "
                "WHERE token = ? AND kind = 'access'",
                (access_token,),
            )
            .fetchone()
        )
        if row is None or row[3] or (row[2] is not None and row[2] <= self._now()):
            raise invalid_session()
        org = self.org(row[0])
        user = org.user(row[1])
        if not user.is_active:
            raise invalid_session()
        return org, user

    def revoke(self, token: str) -> None:
        """Revoke an access or refresh token; a refresh token takes its access tokens along."""
        conn = self.conn()
        conn.execute("UPDATE tokens SET revoked = 1 WHERE token = ?", (token,))
        conn.execute("UPDATE tokens SET revoked = 1 WHERE parent = ?", (token,))

    def expire_access_tokens(self) -> None:
        """Make every access token expired now (tests of the refresh path)."""
        self.conn().execute(
            "UPDATE tokens SET expires_at = ? WHERE kind = 'access'", (self._now() - 1,)
        )
