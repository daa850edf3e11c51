"""SOQL: parse, render, evaluate, translate to SQL and validate Salesforce queries.

Pure Python (lark); knows nothing of Django or the product. See ``soql.ast`` for the tree.
"""

from . import ast
from .errors import NotTranslatable, SoqlError, SoqlFieldError, SoqlSyntaxError
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
