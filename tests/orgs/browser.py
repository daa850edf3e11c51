"""A person's browser at the simulator's login and consent pages, driven with requests."""

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "fields": {}})
        elif tag == "input" and self.forms and attrs.get("type") == "hidden":
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")


def forms_of(page: str) -> list[dict]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


@dataclass
class Outcome:
    response: requests.Response  # the last answer of the simulator

    @property
    def callback(self) -> str:
        """The path and query the simulator sent the browser back to (for Django's client)."""
        location = urlsplit(self.response.headers["Location"])
        return f"{location.path}?{location.query}"


def log_in(
    session: requests.Session, authorize_url: str, username: str, password: str, decision: str
) -> Outcome:
    """Open the authorize URL, submit the login form, then Allow or Deny on the consent page.

    Stops early (returning the simulator's page) when a step shows an error instead.
    """
    page = session.get(authorize_url, timeout=30)
    if page.status_code != 200 or "password" not in page.text:
        return Outcome(page)
    login = forms_of(page.text)[0]
    data = {**login["fields"], "username": username, "password": password}
    consent = session.post(urljoin(page.url, login["action"]), data=data, timeout=30)
    if consent.status_code != 200:
        return Outcome(consent)
    form = forms_of(consent.text)[0]
    answer = session.post(
        urljoin(consent.url, form["action"]),
        data={**form["fields"], "decision": decision},
        allow_redirects=False,
        timeout=30,
    )
    return Outcome(answer)
