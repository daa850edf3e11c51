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
from .functions import AGGREGATES, ARITY, DISTANCE_UNITS, canonical
from .limits import check_string, check_text, check_tree

_GRAMMAR = (Path(__file__).parent / "grammar.lark").read_text()

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_LIKE_ESCAPES = {"%", "_"}
_EOF = "<EOF>"


class _SemanticError(Exception):
    def __init__(self, detail: str, token: Token, *, limit: bool = False):
        self.detail = detail
        self.token = token
        self.limit = limit


def _pos(token: Token) -> ast.Pos:
    return (token.line, token.column)


def _is_aggregate_call(item) -> bool:
    return isinstance(item, ast.FunctionCall) and item.func in AGGREGATES


def _token_at(node, fallback: Token) -> Token:
    """A token standing for ``node``'s position (for errors found after the tree is built)."""
    pos = getattr(node, "pos", None)
    if pos is None:
        return fallback
    token = Token("NAME", ".".join(node.path) if hasattr(node, "path") else "?")
    token.line, token.column = pos
    return token


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


def _check_plain_from(query: ast.Query) -> None:
    """Only a child subquery's FROM may be a path (``Account.Contacts``)."""
    if "." in query.sobject:
        token = Token("NAME", query.sobject)
        line, column = query.sobject_pos or (1, 1)
        token.line, token.column = line, column + len(query.sobject.split(".")[0])
        raise _SemanticError("unexpected token: '.'", token)


@v_args(inline=True)
class _Builder(Transformer):
    def start(self, query):
        _check_plain_from(query)
        return query

    def where_only(self, condition):
        return condition

    def query(
        self, select, obj, scope, where, with_, group, having, order, limit, offset, for_, update
    ):
        sobject, alias, sobject_pos, sobject_token = obj
        data_category = ()
        if isinstance(with_, tuple):
            data_category, with_ = with_, None
        group_kind = None
        if group and len(group) == 1 and isinstance(group[0], ast.FunctionCall):
            kind = group[0].func.upper()
            if kind in ("ROLLUP", "CUBE"):
                group_kind, group = kind, group[0].args
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
            using_scope=scope,
            data_category=data_category,
            group_by_kind=group_kind,
            update_clause=update,
            sobject_pos=sobject_pos,
        )
        for prefix in [p for p in (alias, sobject) if p and "." not in p]:
            # "c.Name" with FROM Contact c, and "Contact.Name" with FROM Contact
            q = dataclasses.replace(
                q,
                fields=_strip_alias(q.fields, prefix),
                where=_strip_alias(q.where, prefix),
                group_by=_strip_alias(q.group_by, prefix),
                having=_strip_alias(q.having, prefix),
                order_by=_strip_alias(q.order_by, prefix),
            )
        aggregate = bool(q.group_by) or any(
            isinstance(i, ast.Aggregate) or _is_aggregate_call(i) for i in q.fields
        )
        for item in q.fields:
            if isinstance(item, ast.FieldRef) and item.alias and not aggregate:
                raise _SemanticError(
                    "Only aggregate expressions use field aliasing", _token_at(item, sobject_token)
                )
        return q

    def object_ref(self, path, alias):
        names, token = path
        return (".".join(names), str(alias) if alias is not None else None, _pos(token), token)

    def object_path(self, *names):
        return (tuple(str(n) for n in names), names[0])

    def using_clause(self, name):
        return str(name)

    def select_list(self, *items):
        return tuple(items)

    def select_field(self, field, alias):
        if alias is None:
            return field
        return dataclasses.replace(field, alias=str(alias))

    def select_function(self, call, alias):
        if alias is None:
            return call
        if isinstance(call, ast.FieldsMacro) or (
            isinstance(call, ast.Aggregate) and call.func == "COUNT" and call.field is None
        ):
            raise _SemanticError(f"unexpected token: '{alias}'", alias)
        return dataclasses.replace(call, alias=str(alias))

    def subquery(self, query):
        if "." in query.sobject:
            # FROM Account.Contacts: a relationship path through the parent object
            query = dataclasses.replace(query, sobject=query.sobject.rsplit(".", 1)[1])
        return ast.SubQuery(query)

    def function(self, name, args):
        args = args or ()
        upper = name.value.upper()
        if upper == "FIELDS":
            field = args[0] if len(args) == 1 else None
            kind = ""
            if isinstance(field, ast.FieldRef) and len(field.path) == 1:
                kind = field.path[0].upper()
            if kind not in ("ALL", "STANDARD", "CUSTOM"):
                raise _SemanticError("FIELDS() takes ALL, STANDARD or CUSTOM", name)
            return ast.FieldsMacro(kind, _pos(name))
        if upper in ("ROLLUP", "CUBE"):
            if not args or not all(isinstance(a, ast.FieldRef) for a in args):
                raise _SemanticError(f"{upper}() takes field names", name)
            return ast.FunctionCall(upper, tuple(args), None, _pos(name))
        func = canonical(upper)
        if func is None:
            raise _SemanticError(f"Unknown function {name.value}()", name)
        fewest, most = ARITY[func]
        if not fewest <= len(args) <= most:
            raise _SemanticError(f"unexpected token: '{')' if len(args) < fewest else ','}'", name)
        if func in AGGREGATES and all(isinstance(a, ast.FieldRef) for a in args):
            return ast.Aggregate(func, args[0] if args else None, None, _pos(name))
        if func == "DISTANCE" and (not isinstance(args[2], str) or args[2] not in DISTANCE_UNITS):
            raise _SemanticError("DISTANCE() takes the unit 'mi' or 'km'", name)
        return ast.FunctionCall(func, tuple(args), None, _pos(name))

    def function_args(self, *args):
        return tuple(args)

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
        _check_plain_from(query)
        return ast.InSubquery(operand, query, False)

    def not_in_query(self, operand, query):
        _check_plain_from(query)
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

    def data_category(self, *filters):
        return tuple(filters)

    def category_filter(self, group, selector, *categories):
        return ast.DataCategoryFilter(
            str(group), selector.value.upper(), tuple(str(c) for c in categories)
        )

    def update_clause(self, kind):
        return kind.value.upper()

    def currency(self, token):
        code, amount = token.value[:3].upper(), token.value[3:]
        return ast.CurrencyValue(code, float(amount) if "." in amount else int(amount))

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
