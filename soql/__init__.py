"""SOQL: parse, render, evaluate, translate to SQL and validate Salesforce queries.

Pure Python (lark); knows nothing of Django or the product. See ``soql.ast`` for the tree.

    query = parse(text)                          # Query, or SoqlSyntaxError (MALFORMED_QUERY)
    validate(query, describe)                    # SoqlFieldError: INVALID_TYPE / INVALID_FIELD
    sql, params = compile_condition_sql(query.where, column, now=now, tz=tz)  # or NotTranslatable
    keep = compile_condition(query.where, now=now, tz=tz, semi_join=resolve)
    rows = [r for r in rows if keep(getter(r))]
    sort_rows(rows, query.order_by, lambda row, path: ...)   # or order_key(query.order_by)
    render(query), render_condition(expr)        # canonical text; parse(render(q)) == q
    parse_where(text), declarative_to_condition(rows)          # template filters

Limits (``soql.limits``): a statement over 100,000 characters, a string over 4,000, a NUL
character or nesting past 100 levels raise SoqlLimitError (a SoqlSyntaxError, so
MALFORMED_QUERY) with a one-line message; parsing and compiling raise only SoqlError
subclasses (and NotTranslatable from the SQL compiler), whatever the text.

Beyond Salesforce: ``/* ... */`` and ``// ...`` comments are accepted and ignored.
Parsed (see ``soql.ast``): aliases on grouped fields, the FROM object's name as a field
prefix, subquery FROM ``Parent.Children``, toLabel/FORMAT/convertCurrency/convertTimezone/
GROUPING, the date functions, DISTANCE/GEOLOCATION (``soql.functions`` evaluates them),
USING SCOPE, WITH DATA CATEGORY, GROUP BY ROLLUP/CUBE, FOR VIEW/REFERENCE/UPDATE, UPDATE
TRACKING/VIEWSTAT, currency-prefixed literals (USD5000). Not supported (MALFORMED_QUERY
at their position, never skipped): bind variables (``:name``), unknown functions.
"""

from . import ast
from .errors import NotTranslatable, SoqlError, SoqlFieldError, SoqlLimitError, SoqlSyntaxError
from .evaluate import compile_condition, dict_getter, order_key, sort_rows
from .filters import FilterError, declarative_to_condition, parse_where
from .parser import parse, parse_condition
from .render import render, render_condition
from .sql import compile_condition_sql, format_datetime
from .validate import validate

__all__ = [
    "FilterError",
    "NotTranslatable",
    "SoqlError",
    "SoqlFieldError",
    "SoqlLimitError",
    "SoqlSyntaxError",
    "ast",
    "compile_condition",
    "compile_condition_sql",
    "format_datetime",
    "declarative_to_condition",
    "dict_getter",
    "order_key",
    "parse",
    "parse_condition",
    "parse_where",
    "render",
    "render_condition",
    "sort_rows",
    "validate",
]
