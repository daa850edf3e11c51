"""HTTP to an identity provider: every URL (the discovery URL a user typed, and the
endpoints the discovery document names) passes common.outbound's guard first, and
redirects are never followed, so a provider cannot point the server at its own network."""

from typing import Any

import requests

from common.outbound import check_outbound_url

TIMEOUT_SECONDS = 10


class GuardedSession(requests.Session):
    def request(self, method, url, *args: Any, **kwargs: Any):
        text = url.decode() if isinstance(url, bytes) else str(url)
        check_outbound_url(text)
        kwargs["allow_redirects"] = False
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        return super().request(method, text, *args, **kwargs)
