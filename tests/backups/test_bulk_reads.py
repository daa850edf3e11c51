"""Bulk API 2.0 CSV pages: typed like REST rows, and a cut read resumes without repeats."""

import requests

from salesforce.reads import ObjectReader, RetryPolicy

DESCRIBE = {
    "name": "Account",
    "fields": [
        {"name": "Id", "type": "id"},
        {"name": "IsDeleted", "type": "boolean"},
        {"name": "NumberOfEmployees", "type": "int"},
        {"name": "AnnualRevenue", "type": "currency"},
        {"name": "SystemModstamp", "type": "datetime"},
        {"name": "Name", "type": "string"},
    ],
}
HEADER = "Id,IsDeleted,NumberOfEmployees,AnnualRevenue,SystemModstamp,Name\n"
LINES = [
    f'001A{n:014d},{"true" if n == 2 else "false"},{n},{n}.5,2026-01-0{n}T10:00:00.000+0000,"A, {n}"\n'
    for n in range(1, 6)
]


class FakeResponse:
    def __init__(self, chunks: list[str], *, cut: bool = False):
        self.chunks = chunks
        self.cut = cut
        self.headers = {"Sforce-Locator": "null"}

    def iter_content(self, chunk_size):
        for chunk in self.chunks:
            yield chunk.encode()
        if self.cut:
            raise requests.exceptions.ChunkedEncodingError("connection cut")

    def close(self):
        pass


class FakeClient:
    def __init__(self, responses):
        self.responses = list(responses)

    def request(self, method, path, **kwargs):
        return self.responses.pop(0)


def read_all(reader) -> list[list]:
    pages = reader._bulk_page("750J", "", 100_000, 2, reader.typed_csv)
    return [row for page in pages for row in page.rows]


def test_csv_rows_are_typed_like_rest_rows():
    empty = "001A00000000000009,,,,,\n"
    reader = ObjectReader(FakeClient([FakeResponse([HEADER, LINES[0], empty])]), DESCRIBE)
    rows = read_all(reader)
    assert rows[0] == ["001A00000000000001", False, 1, 1.5, "2026-01-01T10:00:00.000Z", "A, 1"]
    assert rows[1] == ["001A00000000000009", None, None, None, None, None]


def test_a_cut_read_resumes_after_the_rows_already_yielded():
    first = FakeResponse([HEADER + "".join(LINES[:3])], cut=True)
    again = FakeResponse([HEADER + "".join(LINES)])
    retries = []
    reader = ObjectReader(
        FakeClient([first, again]),
        DESCRIBE,
        retry=RetryPolicy(sleep=lambda s: None, on_retry=retries.append),
    )
    rows = read_all(reader)
    assert [row[2] for row in rows] == [1, 2, 3, 4, 5]
    assert rows[1][1] is True
    assert len(retries) == 1 and "the connection was cut" in retries[0]
