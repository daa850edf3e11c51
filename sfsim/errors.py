"""Salesforce-shaped errors raised by the simulator's data engine.

The HTTP layer turns a SalesforceError into a response with ``status`` and the JSON
body ``to_json()`` -- the same list-of-errors shape Salesforce uses.
"""

from __future__ import annotations


class SalesforceError(Exception):
    def __init__(
        self, error_code: str, message: str, fields: list[str] | None = None, status: int = 400
    ):
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message
        self.fields = list(fields or [])
        self.status = status

    def to_json(self) -> list[dict]:
        return [{"message": self.message, "errorCode": self.error_code, "fields": self.fields}]


def not_found(message: str = "The requested resource does not exist") -> SalesforceError:
    return SalesforceError("NOT_FOUND", message, status=404)


def invalid_session() -> SalesforceError:
    return SalesforceError("INVALID_SESSION_ID", "Session expired or invalid", status=401)
