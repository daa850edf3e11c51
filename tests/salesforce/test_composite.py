"""composite_queries: many SOQL queries in few composite calls, answers in query order."""

from urllib.parse import parse_qs, urlsplit

from salesforce.composite import answered, composite_queries, subrequest_error


def _answering(bodies_sent: list[dict], *, drop: str = "", reverse: bool = False):
    """A `post` that answers every subrequest with its query text (or leaves one out)."""

    def post(body: dict) -> dict:
        bodies_sent.append(body)
        answers = [
            {
                "referenceId": sub["referenceId"],
                "httpStatusCode": 200,
                "body": {"totalSize": 1, "soql": parse_qs(urlsplit(sub["url"]).query)["q"][0]},
            }
            for sub in body["compositeRequest"]
            if parse_qs(urlsplit(sub["url"]).query)["q"][0] != drop
        ]
        return {"compositeResponse": answers[::-1] if reverse else answers}

    return post


def test_queries_go_25_a_call_and_answers_come_back_in_query_order():
    queries = [f"SELECT COUNT() FROM Object{n}__c" for n in range(60)]  # noqa: S608
    sent: list[dict] = []

    answers = list(composite_queries(_answering(sent, reverse=True), "62.0", queries))

    assert [len(body["compositeRequest"]) for body in sent] == [25, 25, 10]
    assert all(body["allOrNone"] is False for body in sent)
    assert [answered(a)["soql"] for a in answers] == queries
    assert sent[0]["compositeRequest"][0]["url"].startswith("/services/data/v62.0/query/?q=")


def test_a_subrequest_left_unanswered_is_an_empty_answer_in_its_place():
    queries = ["SELECT COUNT() FROM Account", "SELECT COUNT() FROM Contact"]

    answers = list(composite_queries(_answering([], drop=queries[0]), "62.0", queries))

    assert answers[0] == {} and answered(answers[0]) is None
    assert answered(answers[1])["soql"] == queries[1]


def test_include_deleted_asks_queryall_and_per_call_sets_the_group_size():
    sent: list[dict] = []
    queries = [f"SELECT Id FROM Case WHERE Id = '{n}'" for n in range(5)]  # noqa: S608

    list(composite_queries(_answering(sent), "62.0", queries, include_deleted=True, per_call=2))

    assert [len(body["compositeRequest"]) for body in sent] == [2, 2, 1]
    assert sent[0]["compositeRequest"][0]["url"].startswith("/services/data/v62.0/queryAll/?q=")


def test_a_failed_subrequest_is_not_answered():
    failed = {"referenceId": "q0", "httpStatusCode": 400, "body": [{"errorCode": "INVALID_FIELD"}]}

    assert answered(failed) is None
    assert answered({"httpStatusCode": 200, "body": {"totalSize": 3}}) == {"totalSize": 3}


def test_a_failed_or_missing_subrequest_is_described_in_one_line():
    failed = {
        "httpStatusCode": 400,
        "body": [{"errorCode": "MALFORMED_QUERY", "message": "unexpected token: 'FROM'"}],
    }

    assert subrequest_error(failed) == "400 MALFORMED_QUERY: unexpected token: 'FROM'"
    assert subrequest_error({}) == "no answer"
