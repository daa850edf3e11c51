"""Randomly built conditions survive render -> parse unchanged."""

import random
from datetime import UTC, date, datetime, timedelta, timezone

import soql
from soql import ast

NAMES = ["Name", "Amount", "Account", "Owner", "Type", "Count", "Stage__c", "ns__Field__c"]
DATE_LITERALS = ["TODAY", "LAST_WEEK", "NEXT_90_DAYS", "THIS_FISCAL_YEAR"]
N_LITERALS = ["LAST_N_DAYS", "N_WEEKS_AGO", "NEXT_N_QUARTERS", "LAST_N_YEARS"]


def random_value(rng):
    kind = rng.randrange(9)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return rng.randint(-(10**12), 10**12)
    if kind == 3:
        return rng.uniform(-1e6, 1e6)
    if kind == 4:
        return "".join(rng.choice("ab'\\%_\n\t\"é ") for _ in range(rng.randrange(8)))
    if kind == 5:
        return date(2000, 1, 1) + timedelta(days=rng.randrange(20000))
    if kind == 6:
        offset = timezone(timedelta(minutes=rng.choice([0, 60, -300, 330])))
        base = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(10**9))
        return base.astimezone(offset)
    if kind == 7:
        return ast.DateLiteral(rng.choice(DATE_LITERALS))
    return ast.DateLiteral(rng.choice(N_LITERALS), rng.randrange(1, 500))


def random_field(rng):
    return ast.FieldRef(tuple(rng.choice(NAMES) for _ in range(rng.randint(1, 3))))


def random_condition(rng, depth=0):
    kind = rng.randrange(8 if depth < 3 else 5)
    field = random_field(rng)
    if kind == 0:
        return ast.Comparison(
            field, rng.choice(["=", "!=", "<", "<=", ">", ">="]), random_value(rng)
        )
    if kind == 1:
        return ast.Like(field, rng.choice(["a%", "%b_", "100\\%", "x\\_y", "it's"]))
    if kind == 2:
        values = tuple(random_value(rng) for _ in range(rng.randint(1, 4)))
        return ast.InList(field, values, rng.random() < 0.5)
    if kind == 3:
        return ast.Includes(field, ("a;b", "c"), rng.random() < 0.5)
    if kind == 4:
        sub = ast.Query((ast.FieldRef(("AccountId",)),), "Contact")
        return ast.InSubquery(field, sub, rng.random() < 0.5)
    if kind == 5:
        return ast.Not(random_condition(rng, depth + 1))
    items = tuple(random_condition(rng, depth + 1) for _ in range(rng.randint(2, 3)))
    return ast.And(items) if kind == 6 else ast.Or(items)


def test_random_conditions_round_trip():
    rng = random.Random(2024)
    for _ in range(500):
        expr = random_condition(rng)
        text = soql.render_condition(expr)
        assert soql.parse_where(text) == expr, text
        query = ast.Query((ast.FieldRef(("Id",)),), "Contact", where=expr, limit=5)
        assert soql.parse(soql.render(query)) == query
