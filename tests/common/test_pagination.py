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
