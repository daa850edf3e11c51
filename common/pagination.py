"""Pagination for list pages: page size chosen by the user, other query params kept.

    pagination = paginate(request, queryset)          # ?page=N&per_page=25
    pagination = keyset_paginate(request, jobs)       # long lists by (created_at, id)
    {% for row in pagination %}...{% endfor %}
    {% include "partials/pagination.html" %}          # reads `pagination`

The queryset should be ordered. Counting costs one query, the page one more.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.http import HttpRequest


@dataclass(frozen=True)
class PageSizeOption:
    size: int
    url: str
    active: bool


@dataclass(frozen=True)
class Pagination:
    page: Page
    per_page: int
    page_sizes: list[PageSizeOption]
    first_url: str | None
    previous_url: str | None
    next_url: str | None
    last_url: str | None

    def __iter__(self) -> Iterator:
        return iter(self.page.object_list)

    def __len__(self) -> int:
        return len(self.page.object_list)

    @property
    def total(self) -> int:
        return self.page.paginator.count


def _url(request: HttpRequest, **params: int | str) -> str:
    query = request.GET.copy()
    for name, value in params.items():
        if value == "":
            query.pop(name, None)
        else:
            query[name] = str(value)
    return "?" + query.urlencode()


def _per_page(request: HttpRequest, default: int, allowed: Sequence[int]) -> int:
    try:
        value = int(request.GET.get("per_page", default))
    except ValueError:
        return default
    return value if value in allowed else default


def paginate(
    request: HttpRequest,
    queryset,
    default_per_page: int = 10,
    allowed: Sequence[int] = (10, 25, 50),
) -> Pagination:
    """Page `queryset` by ?page= and ?per_page= (one of `allowed`); a bad or
    out-of-range page number shows the nearest real page."""
    per_page = _per_page(request, default_per_page, allowed)
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    last = page.paginator.num_pages
    return Pagination(
        page=page,
        per_page=per_page,
        page_sizes=[
            PageSizeOption(size, _url(request, per_page=size, page=1), size == per_page)
            for size in allowed
        ],
        first_url=_url(request, page=1) if page.number > 1 else None,
        previous_url=_url(request, page=page.number - 1) if page.has_previous() else None,
        next_url=_url(request, page=page.number + 1) if page.has_next() else None,
        last_url=_url(request, page=last) if page.number < last else None,
    )


# --- keyset pagination (long lists: no OFFSET, so page 200 costs what page 1 does) -----


@dataclass(frozen=True)
class _Counts:
    count: int
    num_pages: int


@dataclass(frozen=True)
class KeysetPage:
    """What the pagination partial reads of a page: its number, rows and counts."""

    number: int
    object_list: list
    paginator: _Counts


def _key_text(row) -> str:
    return f"{row.created_at.isoformat()}_{row.pk}"


def _parse_key(text: str):
    stamp, _, pk = (text or "").rpartition("_")
    try:
        return datetime.fromisoformat(stamp), int(pk)
    except ValueError:
        return None


def keyset_paginate(
    request: HttpRequest,
    queryset,
    default_per_page: int = 10,
    allowed: Sequence[int] = (10, 25, 50),
) -> Pagination:
    """Page a queryset ordered newest first by (created_at, id) without OFFSET: the next
    and previous links carry the edge row's key (?page=N&key=...&dir=next|prev), the last
    page is read from the oldest end. A page number typed without a key still works
    (read with OFFSET). One COUNT query plus one for the page, at any depth."""
    per_page = _per_page(request, default_per_page, allowed)
    total = queryset.count()
    pages = max(1, -(-total // per_page))
    try:
        number = min(max(1, int(request.GET.get("page", 1))), pages)
    except ValueError:
        number = 1
    direction, key = request.GET.get("dir", ""), _parse_key(request.GET.get("key", ""))
    newest_first = queryset.order_by("-created_at", "-id")
    if number == pages and pages > 1 and direction != "prev":
        on_last = total - (pages - 1) * per_page
        rows = list(queryset.order_by("created_at", "id")[:on_last])[::-1]
    elif key and direction == "next":
        stamp, pk = key
        older = Q(created_at__lt=stamp) | Q(created_at=stamp, id__lt=pk)
        rows = list(newest_first.filter(older)[:per_page])
    elif key and direction == "prev":
        stamp, pk = key
        newer = Q(created_at__gt=stamp) | Q(created_at=stamp, id__gt=pk)
        rows = list(queryset.filter(newer).order_by("created_at", "id")[:per_page])[::-1]
    else:
        start = (number - 1) * per_page
        rows = list(newest_first[start : start + per_page])
    page = KeysetPage(number=number, object_list=rows, paginator=_Counts(total, pages))
    has_next, has_previous = bool(number < pages and rows), bool(number > 1 and rows)
    return Pagination(
        page=page,  # type: ignore[arg-type]
        per_page=per_page,
        page_sizes=[
            PageSizeOption(size, _url(request, per_page=size, page=1), size == per_page)
            for size in allowed
        ],
        first_url=_url(request, page=1, key="", dir="") if number > 1 else None,
        previous_url=_url(request, page=number - 1, key=_key_text(rows[0]), dir="prev")
        if has_previous
        else None,
        next_url=_url(request, page=number + 1, key=_key_text(rows[-1]), dir="next")
        if has_next
        else None,
        last_url=_url(request, page=pages, key="", dir="") if number < pages else None,
    )
