"""Pagination for list pages: page size chosen by the user, other query params kept.

    pagination = paginate(request, queryset)          # ?page=N&per_page=25
    {% for row in pagination %}...{% endfor %}
    {% include "partials/pagination.html" %}          # reads `pagination`

The queryset should be ordered. Counting costs one query, the page one more.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
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


def _url(request: HttpRequest, **params: int) -> str:
    query = request.GET.copy()
    for name, value in params.items():
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
