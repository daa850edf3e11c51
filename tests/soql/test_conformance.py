"""The SOQL conformance set (tests/soql/conformance_queries.py): every query is parsed,
rendered back and parsed to the same tree, then run against the simulator over HTTPS and
answered as Salesforce answers it (records, or the same errorCode); queries that are not
SOQL are refused by the parser with MALFORMED_QUERY."""

from __future__ import annotations

import pytest

import soql
from tests.fixtures.sfsim import API_VERSION
from tests.soql.conformance_queries import OK, QUERIES, SYNTAX


def test_the_set_covers_at_least_150_queries():
    assert len(QUERIES) >= 150
    assert len({text for text, _ in QUERIES}) == len(QUERIES)


@pytest.fixture(scope="module")
def http(sfsim):
    session = sfsim.session()
    session.headers["Authorization"] = f"Bearer {sfsim.token()['access_token']}"
    return session, f"{sfsim.base_url}/services/data/v{API_VERSION}"


@pytest.mark.parametrize(
    ("text", "outcome"), QUERIES, ids=[f"q{i:03d}" for i in range(len(QUERIES))]
)
def test_conformance(http, text, outcome):
    if outcome == SYNTAX:
        with pytest.raises(soql.SoqlSyntaxError) as caught:
            soql.parse(text)
        assert caught.value.error_code == "MALFORMED_QUERY"
        session, base = http
        answer = session.get(f"{base}/query", params={"q": text})
        assert answer.status_code == 400
        assert answer.json()[0]["errorCode"] == "MALFORMED_QUERY"
        return
    tree = soql.parse(text)
    rendered = soql.render(tree)
    assert soql.parse(rendered) == tree, rendered
    assert soql.render(soql.parse(rendered)) == rendered
    session, base = http
    answer = session.get(f"{base}/query", params={"q": text})
    if outcome == OK:
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert isinstance(body["records"], list) and body["totalSize"] >= len(body["records"])
        again = session.get(f"{base}/query", params={"q": rendered})
        assert again.status_code == 200 and again.json()["totalSize"] == body["totalSize"]
    else:
        assert answer.status_code == 400, answer.text
        assert answer.json()[0]["errorCode"] == outcome, answer.text
