"""Hooks: named points that one app fires and other apps subscribe to.

The app that owns an event defines its hook (`jobs.hooks.job_finished`,
`orgs.hooks.org_connected`, ...); apps that react subscribe from their own
`AppConfig.ready()`, so the owner never imports them (NetBox's registry, Django's
`ready()`). Receivers are called in subscription order with keyword arguments only.

- `hook.subscribe(receiver)` — idempotent; returns the receiver, so it works as a decorator.
- `hook.fire(**kwargs) -> list` — every receiver's answer; an exception propagates (use it
  where a receiver's failure must stop the caller, e.g. a check before a deletion).
- `hook.notify(**kwargs) -> None` — every receiver runs; one that fails is logged and the
  others still run (use it for "this happened" events such as a job's end).
"""

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)


class Hook:
    def __init__(self, name: str):
        self.name = name
        self._receivers: list[Callable[..., Any]] = []

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._receivers)} receiver(s)>"

    def subscribe(self, receiver: Callable[..., Any]) -> Callable[..., Any]:
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def unsubscribe(self, receiver: Callable[..., Any]) -> None:
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    def fire(self, **kwargs: Any) -> list[Any]:
        return [receiver(**kwargs) for receiver in list(self._receivers)]

    def notify(self, **kwargs: Any) -> None:
        for receiver in list(self._receivers):
            try:
                receiver(**kwargs)
            except Exception:
                logger.exception("a receiver of the %r hook failed", self.name)
