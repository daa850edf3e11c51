"""Formula fields: a small evaluator for the common shapes of Salesforce formulas.

A formula field's describe has ``calculated: true`` and its text in ``calculatedFormula``;
it is neither createable nor updateable (writes are refused like any read-only field). The
value is computed whenever its record is saved (insert and update) and stored, so queries
filter and sort on it like Salesforce does.

Supported: field references (``Amount__c``, ``Account.Name`` through lookups, up to five
levels), numbers, strings in single or double quotes, TRUE/FALSE/NULL, ``+ - * / ^``,
``&`` (text concatenation; ``+`` on text concatenates too), comparisons ``= == != <> < <=
> >=``, ``&& ||``, and the functions TODAY NOW IF CASE AND OR NOT ISBLANK ISNULL
BLANKVALUE NULLVALUE ISPICKVAL TEXT VALUE LEN UPPER LOWER LEFT RIGHT MID TRIM CONTAINS
BEGINS SUBSTITUTE ROUND ABS FLOOR CEILING MOD MAX MIN DATE YEAR MONTH DAY DATEVALUE
HYPERLINK IMAGE (both as the HTML text the API returns).

Not supported (the field reads null, never an error): other functions (REGEX, VLOOKUP,
PRIORVALUE, ISCHANGED, GETRECORDIDS, $User / $Organization / $Setup globals...), and
recomputation when a referenced parent record or the date changes (Salesforce computes on
read; here the value is the one of the last save of the record itself).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from html import escape

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?|\.\d+)|(?P<str>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
    r"|(?P<name>[$A-Za-z_][A-Za-z0-9_]*(?:\.[$A-Za-z_][A-Za-z0-9_]*)*)"
    r"|(?P<op>&&|\|\||==|!=|<>|<=|>=|[-+*/^&=<>(),!]))"
)
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_BINARY = {
    "||": 1,
    "&&": 2,
    "=": 3,
    "==": 3,
    "!=": 3,
    "<>": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "&": 5,
    "*": 6,
    "/": 6,
    "^": 7,
}
MAX_DEPTH = 5


class Unsupported(Exception):  # noqa: N818 - internal signal: the formula reads null
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    text = _COMMENT.sub(" ", text)
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            raise Unsupported(f"unexpected character at {pos}")
        kind = match.lastgroup
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Parser:
    """Formula text -> nested tuples: ("lit", v) ("ref", path) ("call", NAME, args)
    ("op", op, a, b) ("neg", a) ("not", a)."""

    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise Unsupported(f"expected {value}")
        self.i += 1
        return token

    def parse(self):
        node = self.expr(0)
        if self.peek() is not None:
            raise Unsupported("trailing text")
        return node

    def expr(self, min_prec: int):
        """Precedence climbing; ``^`` is right-associative, the others left."""
        left = self.unary()
        while True:
            token = self.peek()
            if token is None or token[0] != "op" or token[1] not in _BINARY:
                return left
            prec = _BINARY[token[1]]
            if prec < min_prec:
                return left
            self.take()
            right = self.expr(prec if token[1] == "^" else prec + 1)
            left = ("op", token[1], left, right)

    def unary(self):
        token = self.take()
        kind, value = token
        if kind == "op" and value == "-":
            return ("neg", self.unary())
        if kind == "op" and value == "+":
            return self.unary()
        if kind == "op" and value == "!":
            return ("not", self.unary())
        if kind == "op" and value == "(":
            node = self.expr(0)
            self.take(")")
            return node
        if kind == "num":
            return ("lit", float(value) if "." in value else int(value))
        if kind == "str":
            body = value[1:-1]
            return ("lit", re.sub(r"\\(.)", r"\1", body))
        if kind == "name":
            upper = value.upper()
            following = self.peek()
            if following == ("op", "("):
                self.take("(")
                args = []
                if self.peek() != ("op", ")"):
                    args.append(self.expr(0))
                    while self.peek() == ("op", ","):
                        self.take(",")
                        args.append(self.expr(0))
                self.take(")")
                return ("call", upper, args)
            if upper in ("TRUE", "FALSE"):
                return ("lit", upper == "TRUE")
            if upper == "NULL":
                return ("lit", None)
            return ("ref", tuple(value.split(".")))
        raise Unsupported(f"unexpected {value}")


def parse(text: str):
    """The formula's tree; raises Unsupported when it is not in the supported subset."""
    return _Parser(text).parse()


def _blank(value) -> bool:
    return value is None or value == ""


def _num(value):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Unsupported("number expected")
    if isinstance(value, int | float):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        raise Unsupported("number expected") from None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class Evaluator:
    """Evaluates a parsed formula against ``lookup(path) -> value`` (Python values)."""

    def __init__(self, lookup, now: dt.datetime, blank_as_zero: bool):
        self.lookup = lookup
        self.now = now
        self.blank_as_zero = blank_as_zero

    def run(self, node):
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "ref":
            value = self.lookup(node[1])
            if value is None and self.blank_as_zero:
                return None
            return value
        if kind == "neg":
            value = _num(self.run(node[1]))
            return None if value is None else -value
        if kind == "not":
            return not self.run(node[1])
        if kind == "op":
            return self.op(node[1], node[2], node[3])
        return self.call(node[1], node[2])

    def op(self, op: str, left_node, right_node):
        if op == "&&":
            return bool(self.run(left_node)) and bool(self.run(right_node))
        if op == "||":
            return bool(self.run(left_node)) or bool(self.run(right_node))
        left, right = self.run(left_node), self.run(right_node)
        if op == "&" or (op == "+" and (isinstance(left, str) or isinstance(right, str))):
            return _text(left) + _text(right)
        if op in ("=", "==", "!=", "<>"):
            same = (_blank(left) and _blank(right)) or left == right
            if isinstance(left, str) and isinstance(right, str):
                same = left == right
            return same if op in ("=", "==") else not same
        if op in ("<", "<=", ">", ">="):
            if left is None or right is None:
                return False
            return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[
                op
            ]
        if isinstance(left, dt.date) and op in ("+", "-"):
            if isinstance(right, dt.date):
                return (left - right).days if op == "-" else None
            days = _num(right)
            if days is None:
                return None
            delta = dt.timedelta(days=days)
            return left + delta if op == "+" else left - delta
        left, right = _num(left), _num(right)
        if self.blank_as_zero:
            left, right = left or 0, right or 0
        if left is None or right is None:
            return None
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if op == "/":
            return None if right == 0 else left / right
        return left**right

    def call(self, name: str, args: list):
        run = self.run
        if name == "IF":
            return run(args[1]) if run(args[0]) else (run(args[2]) if len(args) > 2 else None)
        if name == "CASE":
            subject = run(args[0])
            pairs = args[1:]
            for i in range(0, len(pairs) - 1, 2):
                if run(pairs[i]) == subject:
                    return run(pairs[i + 1])
            return run(pairs[-1]) if len(pairs) % 2 else None
        if name == "AND":
            return all(run(a) for a in args)
        if name == "OR":
            return any(run(a) for a in args)
        if name in ("BLANKVALUE", "NULLVALUE"):
            value = run(args[0])
            return run(args[1]) if _blank(value) else value
        if name == "TODAY":
            return self.now.date()
        if name == "NOW":
            return self.now
        values = [run(a) for a in args]
        return self.function(name, values)

    def function(self, name: str, v: list):  # noqa: C901 - one branch per function
        if name == "NOT":
            return not v[0]
        if name in ("ISBLANK", "ISNULL"):
            return _blank(v[0])
        if name == "ISPICKVAL":
            return _text(v[0]) == _text(v[1])
        if name == "TEXT":
            return _text(v[0])
        if name == "VALUE":
            return _num(v[0])
        if name == "LEN":
            return len(_text(v[0]))
        if name == "UPPER":
            return _text(v[0]).upper()
        if name == "LOWER":
            return _text(v[0]).lower()
        if name == "TRIM":
            return _text(v[0]).strip()
        if name == "LEFT":
            return _text(v[0])[: max(0, int(_num(v[1]) or 0))]
        if name == "RIGHT":
            n = max(0, int(_num(v[1]) or 0))
            return _text(v[0])[-n:] if n else ""
        if name == "MID":
            start = max(1, int(_num(v[1]) or 1))
            return _text(v[0])[start - 1 : start - 1 + max(0, int(_num(v[2]) or 0))]
        if name == "CONTAINS":
            return _text(v[1]) in _text(v[0])
        if name == "BEGINS":
            return _text(v[0]).startswith(_text(v[1]))
        if name == "SUBSTITUTE":
            return _text(v[0]).replace(_text(v[1]), _text(v[2]))
        if name == "HYPERLINK":
            target = f' target="{escape(_text(v[2]))}"' if len(v) > 2 else ' target="_blank"'
            return f'<a href="{escape(_text(v[0]))}"{target}>{escape(_text(v[1]))}</a>'
        if name == "IMAGE":
            alt = escape(_text(v[1])) if len(v) > 1 else ""
            return f'<img src="{escape(_text(v[0]))}" alt="{alt}" border="0"/>'
        if name in ("ROUND", "ABS", "FLOOR", "CEILING", "MOD", "MAX", "MIN"):
            numbers = [_num(x) for x in v]
            if any(n is None for n in numbers):
                return None
            if name == "ROUND":
                places = int(numbers[1]) if len(numbers) > 1 else 0
                scale = 10**places
                return (
                    math.floor(abs(numbers[0]) * scale + 0.5) / scale * math.copysign(1, numbers[0])
                )
            if name == "ABS":
                return abs(numbers[0])
            if name == "FLOOR":
                return math.floor(numbers[0])
            if name == "CEILING":
                return math.ceil(numbers[0])
            if name == "MOD":
                return None if numbers[1] == 0 else math.fmod(numbers[0], numbers[1])
            return max(numbers) if name == "MAX" else min(numbers)
        if name == "DATE":
            return dt.date(int(_num(v[0])), int(_num(v[1])), int(_num(v[2])))
        if name in ("YEAR", "MONTH", "DAY"):
            if not isinstance(v[0], dt.date):
                return None
            return getattr(v[0], name.lower())
        if name == "DATEVALUE":
            if isinstance(v[0], dt.datetime):
                return v[0].date()
            return dt.date.fromisoformat(_text(v[0])[:10]) if v[0] else None
        raise Unsupported(f"function {name}")


# ---------------------------------------------------------------- org integration
def _python(field: dict, value):
    """A stored value as the Python value a formula works with."""
    if value is None:
        return None
    ftype = field["type"]
    if ftype == "boolean":
        return bool(value)
    if ftype == "date":
        return dt.date.fromisoformat(str(value)[:10])
    if ftype == "datetime":
        text = str(value).replace("+0000", "+00:00").replace("Z", "+00:00")
        return dt.datetime.fromisoformat(text)
    return value


def _stored(field: dict, value):
    """A formula result as the stored value of the field's type (None when it does not fit)."""
    if value is None:
        return None
    ftype = field["type"]
    try:
        if ftype == "boolean":
            return int(bool(value))
        if ftype in ("double", "currency", "percent", "int"):
            number = float(_num(value))
            if math.isnan(number) or math.isinf(number):
                return None
            return round(number, int(field.get("scale") or 0))
        if ftype == "date":
            if isinstance(value, dt.datetime):
                return value.date().isoformat()
            return value.isoformat() if isinstance(value, dt.date) else None
        if ftype == "datetime":
            if not isinstance(value, dt.datetime):
                return None
            from sfsim.clock import sf_datetime

            return sf_datetime(value)
        text = _text(value)
        return text[: int(field.get("length") or 1300)]
    except (Unsupported, TypeError, ValueError, OverflowError):
        return None


def formula_fields(od) -> list[dict]:
    """The object's formula fields (cached on the ObjectDef, rebuilt with the schema)."""
    cached = getattr(od, "_formula_fields", None)
    if cached is None:
        cached = [
            f for f in od.describe["fields"] if f.get("calculated") and f.get("calculatedFormula")
        ]
        od._formula_fields = cached
    return cached


def compute(org, od, rec: dict) -> None:
    """Set every formula field of ``rec`` (stored values) from its other fields."""
    fields = formula_fields(od)
    if not fields:
        return
    now = org.sim.clock.now()

    def lookup(path: tuple[str, ...], od=od, rec=rec, depth=0):
        if len(path) == 1:
            field = od.field(path[0])
            if field is None:
                raise Unsupported(f"no field {path[0]}")
            return _python(field, rec.get(field["name"]))
        if depth >= MAX_DEPTH:
            raise Unsupported("too many relationship levels")
        rel = od.relationships.get(path[0].lower())
        if rel is None:
            raise Unsupported(f"no relationship {path[0]}")
        parent_id = rec.get(rel["name"])
        if not parent_id:
            return None
        parent_od = org.object_for_id(parent_id)
        parent = org.row(parent_od, parent_id) if parent_od is not None else None
        if parent is None:
            return None
        return lookup(path[1:], parent_od, parent, depth + 1)

    for field in fields:
        try:
            tree = parse(field["calculatedFormula"])
            blank_as_zero = bool(field.get("formulaTreatNullNumberAsZero"))
            value = Evaluator(lookup, now, blank_as_zero).run(tree)
        except (Unsupported, TypeError, ValueError, OverflowError, ZeroDivisionError, IndexError):
            value = None
        rec[field["name"]] = _stored(field, value)
