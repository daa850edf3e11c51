"""Limits checked before and while parsing, so that hostile or oversized text gets a
SoqlLimitError (MALFORMED_QUERY) with a plain message, never a RecursionError or a 500.

Salesforce's documented limits ("SOQL and SOSL Limits for Search Queries"):
- a SOQL statement is at most 100,000 characters by default;
- each string in a WHERE clause is at most 4,000 characters.

Ours (Salesforce documents none; these are far beyond any real query):
- no NUL character anywhere in the text;
- conditions nest at most ``MAX_NESTING`` levels: parentheses, NOT, AND/OR groups and
  subqueries each count one level.
"""

from __future__ import annotations

from lark import Tree

from .errors import SoqlLimitError

MAX_STATEMENT_CHARS = 100_000
MAX_WHERE_STRING_CHARS = 4_000
MAX_NESTING = 100

_NESTING_NODES = frozenset({"and_", "or_", "not_", "query", "in_query", "not_in_query"})


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def _error(detail: str, text: str, index: int, token: str) -> SoqlLimitError:
    line, column = _position(text, index)
    return SoqlLimitError(detail, text=text, line=line, column=column, token=token)


def _too_deep(kind: str, text: str, index: int) -> SoqlLimitError:
    return _error(
        f"The {kind} is nested too deeply (limit {MAX_NESTING} levels of parentheses, "
        "NOT, AND/OR groups and subqueries): simplify it.",
        text,
        index,
        "(",
    )


def check_text(text: str, kind: str) -> None:
    """Refuse before parsing: too long, a NUL character, parentheses nested too deeply.

    ``kind`` is "query" or "filter" and names the text in messages.
    """
    if not isinstance(text, str):
        raise SoqlLimitError(
            f"The {kind} must be text, not {type(text).__name__}.",
            text="",
            line=1,
            column=1,
            token="",
        )
    if len(text) > MAX_STATEMENT_CHARS:
        detail = (
            f"The {kind} is {len(text):,} characters long; Salesforce accepts SOQL statements "
            f"of at most {MAX_STATEMENT_CHARS:,} characters"
        )
        if kind == "filter":
            detail += ", the query around the filter included"
        raise _error(detail + ".", text, MAX_STATEMENT_CHARS, text[MAX_STATEMENT_CHARS])
    nul = text.find("\x00")
    if nul >= 0:
        line, column = _position(text, nul)
        raise _error(
            f"The {kind} contains a NUL character (at row {line}, column {column}): remove it.",
            text,
            nul,
            "\\x00",
        )
    _check_parentheses(text, kind)


def _check_parentheses(text: str, kind: str) -> None:
    """Parenthesis depth outside string literals and comments."""
    depth = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "'":
            i += 1
            while i < n and text[i] != "'":
                i += 2 if text[i] == "\\" else 1
        elif ch == "/" and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 1
        elif ch == "/" and text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif ch == "(":
            depth += 1
            if depth > MAX_NESTING:
                raise _too_deep(kind, text, i)
        elif ch == ")":
            depth -= 1
        i += 1


def check_tree(tree: Tree, text: str, kind: str) -> None:
    """Refuse a parse tree whose conditions (NOT, AND/OR, subqueries) nest too deeply.

    Walks the tree without recursion, before the (recursive) tree builder runs.
    """
    stack: list[tuple[Tree, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if node.data in _NESTING_NODES:
            depth += 1
            if depth > MAX_NESTING:
                raise _too_deep(kind, text, _first_index(node, text))
        for child in node.children:
            if isinstance(child, Tree):
                stack.append((child, depth))


def _first_index(node: Tree, text: str) -> int:
    while isinstance(node, Tree):
        children = [c for c in node.children if c is not None]
        if not children:
            return 0
        node = children[0]
    return getattr(node, "start_pos", 0) or 0


def check_string(value: str) -> str | None:
    """The message for a string literal longer than Salesforce accepts, else None."""
    if len(value) <= MAX_WHERE_STRING_CHARS:
        return None
    return (
        f"A string in the query is {len(value):,} characters long; Salesforce accepts at most "
        f"{MAX_WHERE_STRING_CHARS:,} characters for each string in a WHERE clause."
    )
