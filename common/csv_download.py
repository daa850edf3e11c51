"""A CSV file streamed to the browser row by row, safe to open in a spreadsheet.

`csv_download(filename, header, rows)`: the response writes each row as it is produced,
so a job with millions of log lines or record results never sits in memory. Text cells
that a spreadsheet would run as a formula (CSV injection: a Salesforce error message or a
record value starting with =, +, - or @) are prefixed with a quote.
"""

import csv
from collections.abc import Iterable
from itertools import chain

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@")


class _Echo:
    """A file that hands back what the csv writer writes, for streaming."""

    def write(self, value: str) -> str:
        return value


def safe_cell(value):
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return f"'{value}"
    return value


def csv_download(
    filename: str, header: list[str], rows: Iterable[Iterable]
) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    lines = chain(
        [writer.writerow(header)],
        (writer.writerow([safe_cell(value) for value in row]) for row in rows),
    )
    response = StreamingHttpResponse(lines, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
