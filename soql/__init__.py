"""SOQL: parse, render, evaluate, translate to SQL and validate Salesforce queries.

Pure Python (lark); knows nothing of Django or the product. See ``soql.ast`` for the tree.
"""

from . import ast
from .errors import NotTranslatable, SoqlError, SoqlFieldError, SoqlSyntaxError
from .parser import parse, parse_condition

__all__ = [
    "NotTranslatable",
    "SoqlError",
    "SoqlFieldError",
    "SoqlSyntaxError",
    "ast",
    "parse",
    "parse_condition",
]
