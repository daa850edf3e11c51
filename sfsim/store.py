"""Simulator: the top-level state under DATA_DIR (orgs, users, connected apps, tokens, clock).

Layout: DATA_DIR/simulator.sqlite3 holds orgs, users, connected apps, tokens, limits and
the clock offset; DATA_DIR/orgs/<orgId>.sqlite3 holds one org's schema and records.
Interface per /work/notes/sfsim-contract.md. (Signatures first; bodies follow.)
"""

from __future__ import annotations

from pathlib import Path


class Simulator:
    token_lifetime_seconds: int

    def __init__(self, data_dir: str | Path):
        """Open or create the state under data_dir. Thread-safe (a connection per thread)."""

    def orgs(self) -> list:
        """All orgs, oldest first."""

    def org(self, org_id: str):
        """The Org with this 15/18-char Id; raises KeyError."""

    def ensure_default_org(self):
        """Create the default org (default schema, automations, users, connected app) if none."""

    def create_org(self, *, name: str, schema_sources: dict | None = None, default_schema=True):
        """A new org named ``name`` with admin user, connected app and (optionally) schema."""

    def find_user(self, username: str):
        """(Org, SimUser) for a username, or None."""

    def find_client(self, client_id: str):
        """(Org, ConnectedApp) for an OAuth client id, or None."""

    def credentials(self) -> list[dict]:
        """Per org: login_url (relative, server fills host), client_id, client_secret,
        username, password, org_id."""

    def issue_tokens(self, org, user, client_id: str) -> dict:
        """New access + refresh token: {access_token, refresh_token, id, issued_at,
        signature, token_type, scope}; instance_url is filled by the server."""

    def refresh(self, refresh_token: str, client_id: str, client_secret: str | None) -> dict:
        """New access token for a refresh token; raises SalesforceError invalid_grant."""

    def authenticate_token(self, access_token: str):
        """(Org, SimUser); raises SalesforceError INVALID_SESSION_ID 401."""

    def revoke(self, token: str) -> None:
        """Revoke an access or refresh token (a refresh token revokes its access tokens)."""
