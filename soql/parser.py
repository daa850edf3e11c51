"""SOQL text -> AST, with a LALR(1) lark grammar (grammar.lark next to this file).

Anything the grammar does not fully accept raises :class:`SoqlSyntaxError` with the row
and column Salesforce would report; nothing is skipped or ignored except whitespace and
comments (``/* ... */`` and ``// ...`` to end of line, which Salesforce itself rejects).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime
from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken, VisitError

from . import ast
from .errors import SoqlLimitError, SoqlSyntaxError
from .limits import check_string, check_text, check_tree

_GRAMMAR = (Path(__file__).parent / "grammar.lark").read_text()

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_LIKE_ESCAPES = {"%", "_"}
_EOF = "<EOF>"
_AGGREGATES = {"COUNT", "COUNT_DISTINCT", "SUM", "MIN", "MAX", "AVG"}


class _SemanticError(Exception):
    def __init__(self, detail: str, token: Token, *, limit: bool = False):
        self.detail = detail
        self.token = token
        self.limit = limit


def _pos(token: Token) -> ast.Pos:
    return (token.line, token.column)


def decode_string(token: Token) -> str:
    """Decode a quoted SOQL string literal (backslash escapes; ``\\%``/``\\_`` kept)."""
    value = _decode(token)
    too_long = check_string(value)
    if too_long:
        raise _SemanticError(too_long, token, limit=True)
    return value


def _decode(token: Token) -> str:
    raw = token.value[1:-1]
    if "\\" not in raw:
        return raw
    out = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\":
            nxt = raw[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
            elif nxt in _LIKE_ESCAPES:
                out.append("\\" + nxt)
            elif nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", raw[i + 2 : i + 6]):
                out.append(chr(int(raw[i + 2 : i + 6], 16)))
                i += 4
            else:
                raise _SemanticError(
                    f"Invalid string literal '{raw}'. Illegal character sequence "
                    f"'\\{nxt}' in string literal.",
                    token,
                )
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _strip_alias(node, alias: str):
    """Drop a leading ``alias.`` from every FieldRef path (not inside subqueries)."""
    lowered = alias.lower()

    def fix(n):
        if isinstance(n, ast.FieldRef):
            if len(n.path) > 1 and n.path[0].lower() == lowered:
                return dataclasses.replace(n, path=n.path[1:])
            return n
        if isinstance(n, ast.SubQuery | ast.InSubquery | ast.Query | ast.DateLiteral):
            if isinstance(n, ast.InSubquery):
                return dataclasses.replace(n, field=fix(n.field))
            return n
        if isinstance(n, tuple):
            return tuple(fix(x) for x in n)
        if dataclasses.is_dataclass(n):
            changes = {}
            for f in dataclasses.fields(n):
                if not f.compare:
                    continue
                value = getattr(n, f.name)
                if dataclasses.is_dataclass(value) or isinstance(value, tuple):
                    changes[f.name] = fix(value)
            return dataclasses.replace(n, **changes) if changes else n
        return n

    return fix(node)


@v_args(inline=True)
class _Builder(Transformer):
    def start(self, query):
        return query

    def where_only(self, condition):
        return condition

    def query(self, select, obj, where, with_, group, having, order, limit, offset, for_):
        sobject, alias, sobject_pos = obj
        q = ast.Query(
            fields=select,
            sobject=sobject,
            alias=alias,
            where=where,
            with_clause=with_,
            group_by=group or (),
            having=having,
            order_by=order or (),
            limit=limit,
            offset=offset,
            for_clause=for_,
            sobject_pos=sobject_pos,
        )
        if alias:
            q = dataclasses.replace(
                q,
                fields=_strip_alias(q.fields, alias),
                where=_strip_alias(q.where, alias),
                group_by=_strip_alias(q.group_by, alias),
                having=_strip_alias(q.having, alias),
                order_by=_strip_alias(q.order_by, alias),
            )
        return q

    def object_ref(self, name, alias):
        return (str(name), str(alias) if alias is not None else None, _pos(name))

    def select_list(self, *items):
        return tuple(items)

    def subquery(self, query):
        return ast.SubQuery(query)

    def function(self, name, field, alias):
        func = name.value.upper()
        if func == "FIELDS":
            kind = field.path[0].upper() if field is not None and len(field.path) == 1 else ""
            if kind not in ("ALL", "STANDARD", "CUSTOM"):
                raise _SemanticError("FIELDS() takes ALL, STANDARD or CUSTOM", name)
            if alias is not None:
                raise _SemanticError(f"unexpected token: '{alias}'", alias)
            return ast.FieldsMacro(kind, _pos(name))
        self._check_aggregate(name, field)
        if alias is not None and field is None:
            raise _SemanticError(f"unexpected token: '{alias}'", alias)
        return ast.Aggregate(func, field, str(alias) if alias is not None else None, _pos(name))

    def agg_operand(self, name, field):
        self._check_aggregate(name, field)
        return ast.Aggregate(name.value.upper(), field, None, _pos(name))

    @staticmethod
    def _check_aggregate(name, field):
        func = name.value.upper()
        if func not in _AGGREGATES:
            raise _SemanticError(
                f"Unsupported function {name.value}(): this parser knows "
                "COUNT, COUNT_DISTINCT, SUM, MIN, MAX, AVG and FIELDS",
                name,
            )
        if field is None and func != "COUNT":
            raise _SemanticError("unexpected token: ')'", name)

    def typeof(self, typeof_token, name, *rest):
        *whens, else_fields = rest
        return ast.TypeOf(str(name), tuple(whens), else_fields or (), _pos(typeof_token))

    def typeof_when(self, when_token, name, fields):
        return ast.TypeOfWhen(str(name), fields, _pos(name))

    def field_list(self, *fields):
        return tuple(fields)

    def field_path(self, *names):
        return ast.FieldRef(tuple(str(n) for n in names), _pos(names[0]))

    def where_clause(self, condition):
        return condition

    def having_clause(self, condition):
        return condition

    def and_(self, *items):
        return ast.And(tuple(items))

    def or_(self, *items):
        return ast.Or(tuple(items))

    def not_(self, item):
        return ast.Not(item)

    # predicates --------------------------------------------------------------------
    def comparison(self, operand, op, value):
        op = "!=" if op.value == "<>" else op.value
        return ast.Comparison(operand, op, value, operand.pos)

    def like(self, operand, pattern):
        return ast.Like(operand, decode_string(pattern), operand.pos)

    def in_list(self, operand, values):
        return ast.InList(operand, values, False, operand.pos)

    def not_in_list(self, operand, values):
        return ast.InList(operand, values, True, operand.pos)

    def in_query(self, operand, query):
        return ast.InSubquery(operand, query, False)

    def not_in_query(self, operand, query):
        return ast.InSubquery(operand, query, True)

    def includes(self, operand, values):
        return ast.Includes(operand, values, False, operand.pos)

    def excludes(self, operand, values):
        return ast.Includes(operand, values, True, operand.pos)

    def value_list(self, *values):
        return tuple(values)

    def string_list(self, *tokens):
        return tuple(decode_string(t) for t in tokens)

    # values ------------------------------------------------------------------------
    def string(self, token):
        return decode_string(token)

    def number(self, token):
        text = token.value
        if re.fullmatch(r"[+-]?[0-9]+", text):
            return int(text)
        return float(text)

    def date(self, token):
        try:
            return date.fromisoformat(token.value)
        except ValueError:
            raise _SemanticError(f"invalid date: {token.value}", token) from None

    def datetime(self, token):
        text = token.value.upper()
        text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
        try:
            value = datetime.fromisoformat(text)
            value.astimezone(UTC)  # 9999-12-31T23:00:00-05:00 is past the last instant
        except (ValueError, OverflowError):
            raise _SemanticError(f"invalid datetime: {token.value}", token) from None
        return value

    def date_literal(self, token):
        return ast.DateLiteral(token.value.upper())

    def date_n_literal(self, token):
        name, _, n = token.value.partition(":")
        return ast.DateLiteral(name.strip().upper(), int(n.strip()))

    def null(self, _token):
        return None

    def true(self, _token):
        return True

    def false(self, _token):
        return False

    # trailing clauses ---------------------------------------------------------------
    def with_clause(self, kind):
        return kind.value.upper()

    def group_clause(self, *fields):
        return tuple(fields)

    def order_clause(self, *items):
        return tuple(items)

    def order_item(self, operand, direction, nulls):
        return ast.OrderItem(
            operand,
            direction is not None and direction.value.upper() == "DESC",
            nulls.value.upper() if nulls is not None else None,
        )

    def limit_clause(self, token):
        return int(token.value)

    def offset_clause(self, token):
        return int(token.value)

    def for_clause(self, kind):
        return kind.value.upper()


_parser = Lark(
    _GRAMMAR,
    parser="lalr",
    lexer="contextual",
    start=["start", "where_only"],
    maybe_placeholders=True,
    propagate_positions=False,
)
_builder = _Builder()


def _eof_position(text: str) -> tuple[int, int]:
    stripped = text.rstrip()
    lines = stripped.split("\n")
    # Salesforce points one column past the blank after the last character.
    return len(lines), len(lines[-1]) + 2


def _parse(text: str, start: str):
    kind = "query" if start == "start" else "filter"
    check_text(text, kind)
    try:
        tree = _parser.parse(text, start=start)
        check_tree(tree, text, kind)
        return _builder.transform(tree)
    except UnexpectedToken as e:
        if e.token.type == "$END":
            line, column = _eof_position(text)
            raise SoqlSyntaxError(
                "unexpected token: '<EOF>'", text=text, line=line, column=column, token=_EOF
            ) from None
        token = str(e.token)
        raise SoqlSyntaxError(
            f"unexpected token: '{token}'",
            text=text,
            line=e.token.line,
            column=e.token.column,
            token=token,
        ) from None
    except UnexpectedCharacters as e:
        char = text[e.pos_in_stream] if e.pos_in_stream < len(text) else "<EOF>"
        raise SoqlSyntaxError(
            f"line {e.line}:{e.column - 1} no viable alternative at character '{char}'",
            text=text,
            line=e.line,
            column=e.column,
            token=char,
        ) from None
    except UnexpectedEOF:
        line, column = _eof_position(text)
        raise SoqlSyntaxError(
            "unexpected token: '<EOF>'", text=text, line=line, column=column, token=_EOF
        ) from None
    except VisitError as e:
        orig = e.orig_exc
        if isinstance(orig, _SemanticError):
            error_class = SoqlLimitError if orig.limit else SoqlSyntaxError
            raise error_class(
                orig.detail,
                text=text,
                line=orig.token.line,
                column=orig.token.column,
                token=str(orig.token),
            ) from None
        raise SoqlSyntaxError(
            f"The {kind} could not be read: {orig}", text=text, line=1, column=1, token=""
        ) from orig


def parse(text: str) -> ast.Query:
    """Parse a SOQL query; raise SoqlSyntaxError (MALFORMED_QUERY) if it is not valid."""
    query = _parse(text, "start")
    return dataclasses.replace(query, source=text)


def parse_condition(text: str) -> ast.Condition:
    """Parse a bare condition (the text after WHERE); positions are relative to ``text``."""
    return _parse(text, "where_only")
