"""Fault injection: make chosen routes fail on the Nth call or at a rate.

A rule matches a request when its ``route`` glob (fnmatch, e.g.
``/services/data/*/query*``) matches the request path and, if given, its ``method``
matches. Each matching request counts as a call; the rule fires on call ``on_call``
and the calls after it, or with probability ``rate``, until it has fired ``count``
times (``count`` 0 = no limit). Kinds:

- ``http500`` / ``http503``: JSON error body with that status
- ``request_limit``: 403 ``REQUEST_LIMIT_EXCEEDED``
- ``invalid_session``: 401 ``INVALID_SESSION_ID``
- ``slow``: wait ``delay`` seconds (default 2), then answer normally
- ``cut``: answer normally but close the connection half-way through the body
"""

from __future__ import annotations

import fnmatch
import json
import random
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

KINDS = ("http500", "http503", "request_limit", "invalid_session", "slow", "cut")


class FaultSpecError(ValueError):
    """A fault rule that cannot be used; the message says which field is wrong."""


@dataclass
class FaultRule:
    id: int
    route: str
    kind: str
    method: str | None = None
    on_call: int | None = None
    rate: float | None = None
    count: int = 1
    delay: float = 2.0
    calls: int = 0
    hits: int = 0
    _random: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return fnmatch.fnmatchcase(path, self.route)

    def exhausted(self) -> bool:
        return self.count > 0 and self.hits >= self.count

    def should_fire(self) -> bool:
        """Count one matching call and say whether the fault fires on it."""
        self.calls += 1
        if self.exhausted():
            return False
        if self.rate is not None:
            fire = self._random.random() < self.rate
        else:
            fire = self.calls >= (self.on_call or 1)
        if fire:
            self.hits += 1
        return fire

    def as_json(self) -> dict:
        data = asdict(self)
        data.pop("_random")
        return data


def _parse_rule(rule_id: int, spec: dict) -> FaultRule:
    if not isinstance(spec, dict):
        raise FaultSpecError("Each fault must be a JSON object.")
    unknown = set(spec) - {"route", "kind", "method", "on_call", "rate", "count", "delay", "seed"}
    if unknown:
        raise FaultSpecError(f"Unknown fault fields: {', '.join(sorted(unknown))}.")
    route = spec.get("route")
    if not isinstance(route, str) or not route.startswith("/"):
        raise FaultSpecError("'route' must be a path glob starting with '/', e.g. /services/*.")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise FaultSpecError(f"'kind' must be one of {', '.join(KINDS)}.")
    on_call = spec.get("on_call")
    rate = spec.get("rate")
    if on_call is not None and (not isinstance(on_call, int) or on_call < 1):
        raise FaultSpecError("'on_call' must be a whole number >= 1.")
    if rate is not None and (not isinstance(rate, int | float) or not 0 < rate <= 1):
        raise FaultSpecError("'rate' must be a number in (0, 1].")
    if on_call is not None and rate is not None:
        raise FaultSpecError("Give either 'on_call' or 'rate', not both.")
    default_count = 0 if rate is not None else 1
    count = spec.get("count", default_count)
    if not isinstance(count, int) or count < 0:
        raise FaultSpecError("'count' must be a whole number >= 0 (0 = no limit).")
    delay = spec.get("delay", 2.0)
    if not isinstance(delay, int | float) or delay < 0:
        raise FaultSpecError("'delay' must be a number of seconds >= 0.")
    method = spec.get("method")
    if method is not None and not isinstance(method, str):
        raise FaultSpecError("'method' must be an HTTP method name.")
    rule = FaultRule(
        id=rule_id,
        route=route,
        kind=kind,
        method=method,
        on_call=on_call,
        rate=float(rate) if rate is not None else None,
        count=count,
        delay=float(delay),
    )
    if "seed" in spec:
        rule._random.seed(spec["seed"])
    return rule


class FaultRegistry:
    """The active fault rules; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._next_id = 1

    def add(self, specs: dict | list[dict]) -> list[FaultRule]:
        """Validate and add one rule or a list of rules (all or none)."""
        items = specs if isinstance(specs, list) else [specs]
        with self._lock:
            rules = [_parse_rule(self._next_id + i, spec) for i, spec in enumerate(items)]
            self._next_id += len(rules)
            self._rules.extend(rules)
        return rules

    def load_file(self, path: str | Path) -> list[FaultRule]:
        try:
            specs = json.loads(Path(path).read_text())
        except json.JSONDecodeError as exc:
            raise FaultSpecError(f"{path} is not valid JSON: {exc}") from exc
        return self.add(specs)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[dict]:
        with self._lock:
            return [rule.as_json() for rule in self._rules]

    def match(self, method: str, path: str) -> FaultRule | None:
        """The first rule that fires for this request, if any (counts the call)."""
        with self._lock:
            fired = None
            for rule in self._rules:
                if rule.matches(method, path) and rule.should_fire() and fired is None:
                    fired = rule
            return fired
