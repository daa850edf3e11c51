"""Errors raised by the SOQL package, carrying Salesforce's error codes and message shapes."""

from __future__ import annotations


def caret_message(text: str, line: int, column: int, detail: str) -> str:
    """Salesforce's positioned message: the offending line, a caret, the position, the detail.

    >>> caret_message("SELECT Foo FROM Account", 1, 8, "No such column")
    '\\nSELECT Foo FROM Account\\n       ^\\nERROR at Row:1:Column:8\\nNo such column'
    """
    lines = text.split("\n")
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    caret = " " * max(column - 1, 0) + "^"
    return f"\n{source_line}\n{caret}\nERROR at Row:{line}:Column:{column}\n{detail}"


class SoqlError(ValueError):
    """Base class: ``error_code`` is the Salesforce errorCode, ``str(e)`` the message."""

    error_code = "MALFORMED_QUERY"

    def salesforce_message(self) -> str:
        return str(self)


class SoqlSyntaxError(SoqlError):
    """The text is not SOQL this package fully understands (errorCode MALFORMED_QUERY).

    ``line`` and ``column`` are 1-based; ``token`` is the unexpected text (``'<EOF>'`` at the
    end); ``detail`` is the last line of Salesforce's message, e.g. ``unexpected token: 'AND'``.
    """

    error_code = "MALFORMED_QUERY"

    def __init__(self, detail: str, *, text: str, line: int, column: int, token: str):
        self.detail = detail
        self.text = text
        self.line = line
        self.column = column
        self.token = token
        super().__init__(self.salesforce_message())

    def salesforce_message(self) -> str:
        return caret_message(self.text, self.line, self.column, self.detail)


class SoqlLimitError(SoqlSyntaxError):
    """The text breaks one of Salesforce's limits (length, string length) or ours (nesting,
    NUL characters). Still MALFORMED_QUERY; the message is the detail alone, without the
    caret block, since the offending text may be very long."""

    def salesforce_message(self) -> str:
        return self.detail


class SoqlFieldError(SoqlError):
    """A well-formed query naming an unknown object or field, or comparing the wrong type.

    ``error_code`` is ``INVALID_TYPE`` (unknown object) or ``INVALID_FIELD``; ``message`` is
    Salesforce's full message (with the caret block when a position is known).
    """

    def __init__(
        self,
        error_code: str,
        detail: str,
        *,
        text: str = "",
        line: int | None = None,
        column: int | None = None,
    ):
        self.error_code = error_code
        self.detail = detail
        self.text = text
        self.line = line
        self.column = column
        if text and line is not None and column is not None:
            self.message = caret_message(text, line, column, detail)
        else:
            self.message = detail
        super().__init__(self.message)

    def salesforce_message(self) -> str:
        return self.message


class NotTranslatable(Exception):  # noqa: N818 - public name fixed by the API contract
    """Part of a condition cannot be expressed in SQL; evaluate it in Python instead."""
