import pytest
from django.test import RequestFactory

from common.pagination import paginate
from tenants.models import Tenant

rf = RequestFactory()


@pytest.fixture
def tenants(db):
    Tenant.objects.bulk_create(Tenant(name=f"T{n:03}") for n in range(60))
    return Tenant.objects.order_by("name")


def test_default_page_size_and_links_keep_other_params(tenants):
    pagination = paginate(rf.get("/x", {"q": "T", "status": "ok"}), tenants)

    assert [t.name for t in pagination] == [f"T{n:03}" for n in range(10)]
    assert (pagination.per_page, pagination.total) == (10, 60)
    assert pagination.previous_url is None and pagination.first_url is None
    assert pagination.next_url == "?q=T&status=ok&page=2"
    assert pagination.last_url == "?q=T&status=ok&page=6"
    assert [(o.size, o.active) for o in pagination.page_sizes] == [
        (10, True),
        (25, False),
        (50, False),
    ]
    assert pagination.page_sizes[2].url == "?q=T&status=ok&per_page=50&page=1"


def test_chosen_page_size_and_page(tenants):
    pagination = paginate(rf.get("/x", {"per_page": "25", "page": "3"}), tenants)

    assert [t.name for t in pagination] == [f"T{n:03}" for n in range(50, 60)]
    assert pagination.next_url is None
    assert pagination.previous_url == "?per_page=25&page=2"


@pytest.mark.parametrize(
    ("params", "per_page", "number"),
    [
        ({"per_page": "7"}, 10, 1),
        ({"per_page": "lots"}, 10, 1),
        ({"page": "999"}, 10, 6),
        ({"page": "abc"}, 10, 1),
    ],
)
def test_bad_values_fall_back(tenants, params, per_page, number):
    pagination = paginate(rf.get("/x", params), tenants)

    assert (pagination.per_page, pagination.page.number) == (per_page, number)


def test_custom_sizes(tenants):
    pagination = paginate(rf.get("/x", {"per_page": "20"}), tenants, 20, (20, 100))

    assert len(pagination) == 20
    assert [o.size for o in pagination.page_sizes] == [20, 100]


@pytest.mark.django_db
def test_empty_queryset():
    pagination = paginate(rf.get("/x"), Tenant.objects.order_by("name"))

    assert pagination.total == 0
    assert list(pagination) == []
    assert pagination.next_url is None


# --- keyset pagination (History) -------------------------------------------------------


@pytest.fixture
def jobs(tenant_a):
    from datetime import timedelta

    from django.utils import timezone

    from jobs.models import Job
    from tests.backups.factories import make_org

    org = make_org(tenant_a)
    now = timezone.now()
    Job.objects.bulk_create(
        [
            # Two jobs share each moment: the id breaks the tie, as in the list's order.
            Job(org=org, tenant=tenant_a, operation="composite_backup", name=f"J{n:02}",
                created_at=now - timedelta(minutes=n // 2))
            for n in range(35)
        ]
    )  # fmt: skip
    return Job.objects.filter(org=org).order_by("-created_at", "-id")


def _query(url: str) -> dict:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(url.lstrip("?")))


def test_keyset_pages_follow_the_links_without_offset(jobs, django_assert_num_queries):
    from common.pagination import keyset_paginate

    expected = [job.pk for job in jobs]
    seen, params, pages = [], {"q": "x"}, []
    while True:
        with django_assert_num_queries(2):  # the count and the page, at any depth
            pagination = keyset_paginate(rf.get("/h", params), jobs.all())
        pages.append(pagination.page.number)
        seen += [job.pk for job in pagination]
        if not pagination.next_url:
            break
        params = _query(pagination.next_url)
        assert params["q"] == "x" and params["dir"] == "next" and params["key"]
    assert seen == expected and pages == [1, 2, 3, 4]
    assert pagination.page.paginator.num_pages == 4 and pagination.total == 35

    back = keyset_paginate(rf.get("/h", _query(pagination.previous_url)), jobs)
    assert [job.pk for job in back] == expected[20:30] and back.page.number == 3
    typed = keyset_paginate(rf.get("/h", {"page": "3"}), jobs)  # a typed URL: OFFSET
    assert [job.pk for job in typed] == expected[20:30]
    last = keyset_paginate(rf.get("/h", _query(typed.last_url)), jobs)
    assert [job.pk for job in last] == expected[30:] and last.next_url is None
    first = keyset_paginate(rf.get("/h", _query(last.first_url)), jobs)
    assert [job.pk for job in first] == expected[:10] and first.previous_url is None
