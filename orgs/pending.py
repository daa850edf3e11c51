"""A connection in progress, kept in the person's session until it succeeds.

Nothing reaches the orgs tables before the connection check passes: while the person
is at Salesforce's login page (and may never come back), the name, storage choice and
wrapped secrets wait here. Every secret is wrapped with the master key, bound to this
connection's `state`, so the session row holds no readable key, secret or token.
"""

import base64
import dataclasses
from dataclasses import dataclass

from common.crypto import unwrap_secret, wrap_secret

SESSION_KEY = "orgs_pending_connection"


@dataclass
class PendingConnection:
    tenant_id: int
    state: str
    name: str
    org_type: str
    login_url: str
    redirect_uri: str
    code_verifier: str
    storage: str
    s3_bucket: str
    s3_endpoint_url: str
    s3_region: str
    s3_access_key_id: str
    key_fingerprint: str
    client_id: str  # "" means settings.SALESFORCE_CLIENT_ID
    ca_bundle: str  # "" means settings.SALESFORCE_CA_BUNDLE
    # base64 of wrap_secret(...) output; see wrap()/unwrap()
    tenant_key_wrapped: str = ""
    s3_secret_wrapped: str = ""
    client_secret_wrapped: str = ""
    # Filled once Salesforce issued tokens (kept for "Retry" after missing permissions).
    refresh_token_wrapped: str = ""
    instance_url: str = ""
    sf_user_id: str = ""
    # Reconnecting a saved org (a new login for it) rather than adding one.
    reconnect_org_id: int = 0

    def _purpose(self, what: str) -> str:
        return f"pending-connection:{self.state}:{what}"

    def wrap(self, what: str, secret: str | bytes) -> str:
        if not secret:
            return ""
        return base64.b64encode(wrap_secret(secret, self._purpose(what))).decode()

    def unwrap(self, what: str, wrapped: str) -> bytes:
        if not wrapped:
            return b""
        return unwrap_secret(base64.b64decode(wrapped), self._purpose(what))

    def to_session(self, session) -> None:
        session[SESSION_KEY] = dataclasses.asdict(self)

    @classmethod
    def from_session(cls, session) -> "PendingConnection | None":
        data = session.get(SESSION_KEY)
        if not isinstance(data, dict):
            return None
        try:
            return cls(**data)
        except TypeError:
            return None  # a session from an older layout: start again

    @staticmethod
    def clear(session) -> None:
        session.pop(SESSION_KEY, None)
