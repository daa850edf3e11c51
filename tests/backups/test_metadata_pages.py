"""A job's Metadata tab: types with counts (search, sort) -> a type's components (names,
last modified by, change kind) -> a component's properties, escaped files, and a diff
against any earlier version; bounded queries; other tenants get 404."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.backups.factories import make_backup, make_org, record_id
from tests.backups.metadata_factories import make_metadata_backup
from tests.backups.page_support import use_private_storage
from vault.models import MetadataComponentVersion


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    use_private_storage(settings, tmp_path)


@pytest.fixture
def org(tenant_a):
    return make_org(tenant_a)


def apex(name: str, body: str) -> dict[str, bytes]:
    return {
        f"classes/{name}.cls": body.encode(),
        f"classes/{name}.cls-meta.xml": b"<ApexClass><status>Active</status></ApexClass>",
    }


BASE = {
    ("ApexClass", "Alpha"): apex("Alpha", "public class Alpha {\n    Integer v = 1;\n}\n"),
    ("ApexClass", "Beta"): apex("Beta", "public class Beta {}\n"),
    ("ApexClass", "Gamma"): apex("Gamma", "public class Gamma { /* <script>x</script> */ }\n"),
    ("Layout", "Account-Account Layout"): {"layouts/Account-Account Layout.layout": b"<Layout/>"},
    ("StaticResource", "logo"): {"staticresources/logo.resource": b"\x89PNG\0\0\x01"},
}


@pytest.fixture
def jobs(org):
    first = make_metadata_backup(org, BASE, name="First")
    second_set = dict(BASE)
    second_set[("ApexClass", "Alpha")] = apex(
        "Alpha", "public class Alpha {\n    Integer v = 2;\n}\n"
    )
    del second_set[("ApexClass", "Beta")]
    second_set[("ApexClass", "Delta")] = apex("Delta", "public class Delta {}\n")
    second = make_metadata_backup(org, second_set, name="Second")
    return first, second


def url(name, job, *args):
    app = "jobs" if name in ("job", "job_abort", "job_logs", "job_logs_csv") else "backups"
    return reverse(f"{app}:{name}", args=[job.org_id, job.pk, *args])


def version(full_name: str, job) -> MetadataComponentVersion:
    return MetadataComponentVersion.objects.get(full_name=full_name, job=job)


def test_types_tab_lists_types_with_counts(client_user_a, jobs):
    _, second = jobs
    page = client_user_a.get(url("job_metadata", second)).content.decode()
    assert ">Metadata</a>" in page and 'class="active">Metadata<' in page
    rows = re.findall(r'metadata/(\w+)/">\1</a></td>\s*<td class="num">(\d+)</td>', page)
    assert rows == [("ApexClass", "3"), ("Layout", "1"), ("StaticResource", "1")]
    assert '<th>Total</th><th class="num">5</th>' in page
    assert "+ 1" in page and "* 1" in page and "- 1" in page

    searched = client_user_a.get(url("job_metadata", second), {"q": "layout"}).content.decode()
    assert "Layout" in searched and "ApexClass" not in searched
    ordered = client_user_a.get(url("job_metadata", second), {"sort": "-total"}).content.decode()
    assert ordered.index("ApexClass</a>") < ordered.index("Layout</a>")


def test_a_type_lists_its_components_with_change_kinds(client_user_a, jobs):
    first, second = jobs
    page = client_user_a.get(url("job_metadata_type", second, "ApexClass")).content.decode()
    for name in ("Alpha", "Beta", "Delta", "Gamma"):
        assert f">{name}</a>" in page
    assert page.count("Ada Admin") == 4
    assert '<span class="badge">Changed</span>' in page
    assert (
        '<span class="badge">Added</span>' in page and '<span class="badge">Deleted</span>' in page
    )
    assert '<span class="muted">Unchanged</span>' in page

    changed = client_user_a.get(
        url("job_metadata_type", second, "ApexClass"), {"show": "changed"}
    ).content.decode()
    assert ">Alpha</a>" in changed and ">Gamma</a>" not in changed
    by_name_desc = client_user_a.get(
        url("job_metadata_type", second, "ApexClass"), {"sort": "-full_name"}
    ).content.decode()
    assert by_name_desc.index(">Gamma</a>") < by_name_desc.index(">Alpha</a>")
    old = client_user_a.get(url("job_metadata_type", first, "ApexClass")).content.decode()
    assert ">Beta</a>" in old and ">Delta</a>" not in old
    assert client_user_a.get(url("job_metadata_type", second, "Flow")).status_code == 404


def test_component_shows_properties_escaped_files_and_a_diff(client_user_a, jobs):
    first, second = jobs
    alpha = version("Alpha", second)
    page = client_user_a.get(url("job_metadata_component", second, "ApexClass", alpha.pk))
    text = page.content.decode()
    assert '<th>Last modified by</th><td class="mono">Ada Admin</td>' in text
    assert '<th>Manageable state</th><td class="mono">unmanaged</td>' in text
    assert "classes/Alpha.cls" in text and "Integer v = 2;" in text
    assert '<span class="diff-del">-    Integer v = 1;</span>' in text
    assert '<span class="diff-add">+    Integer v = 2;</span>' in text
    assert "Identical." in text  # the -meta.xml did not change

    gamma = version("Gamma", first)
    escaped = client_user_a.get(url("job_metadata_component", first, "ApexClass", gamma.pk))
    assert b"<script>x</script>" not in escaped.content
    assert b"&lt;script&gt;x&lt;/script&gt;" in escaped.content
    assert b"only this version" in escaped.content

    logo = version("logo", first)
    binary = client_user_a.get(url("job_metadata_component", first, "StaticResource", logo.pk))
    assert b"Binary content (7 bytes)" in binary.content

    beta_gone = version("Beta", second)
    deleted = client_user_a.get(url("job_metadata_component", second, "ApexClass", beta_gone.pk))
    assert b"Deleted in Salesforce" in deleted.content and b"public class Beta" in deleted.content


def test_compare_with_a_chosen_version(client_user_a, org, jobs):
    _, second = jobs
    third_set = {
        ("ApexClass", "Alpha"): apex("Alpha", "public class Alpha {\n    Integer v = 3;\n}\n")
    }
    third = make_metadata_backup(org, third_set, name="Third")
    alpha3 = version("Alpha", third)
    first_alpha = MetadataComponentVersion.objects.get(full_name="Alpha", valid_from=1)
    page = client_user_a.get(
        url("job_metadata_component", third, "ApexClass", alpha3.pk), {"compare": first_alpha.pk}
    ).content.decode()
    assert "-    Integer v = 1;" in page and "+    Integer v = 3;" in page
    assert f'<option value="{first_alpha.pk}" selected>' in page
    default = client_user_a.get(
        url("job_metadata_component", third, "ApexClass", alpha3.pk)
    ).content.decode()
    assert "-    Integer v = 2;" in default


def test_a_backup_without_metadata_says_so(client_user_a, org):
    job = make_backup(org, {"Account": [(record_id("001", 1), {"Name": "Acme"})]})
    page = client_user_a.get(url("job_metadata", job)).content.decode()
    assert "This backup did not include metadata." in page
    assert client_user_a.get(url("job_metadata_type", job, "ApexClass")).status_code == 404


def test_data_tab_links_the_metadata_unit_to_the_metadata_tab(client_user_a, jobs):
    _, second = jobs
    page = client_user_a.get(url("job_data", second)).content.decode()
    assert f'href="{url("job_metadata", second)}">Metadata</a>' in page


def _queries(client, path, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, params or {}).status_code == 200
    return len(captured)


def test_queries_do_not_grow_with_rows(client_user_a, tenant_a):
    small_org, big_org = make_org(tenant_a, "Small"), make_org(tenant_a, "Big")
    small = make_metadata_backup(
        small_org, {("T0", f"C{n}"): {f"f/C{n}": b"x%d" % n} for n in range(2)}
    )
    big = make_metadata_backup(
        big_org,
        {(f"T{t}", f"C{n}"): {f"f/C{n}": b"y%d" % n} for t in range(12) for n in range(30)},
    )
    assert _queries(client_user_a, url("job_metadata", small)) == _queries(
        client_user_a, url("job_metadata", big)
    )
    params = {"per_page": 100}
    assert _queries(client_user_a, url("job_metadata_type", small, "T0"), params) == _queries(
        client_user_a, url("job_metadata_type", big, "T0"), params
    )


def test_other_tenants_get_404_on_every_metadata_url(client_outsider, jobs):
    first, second = jobs
    alpha = version("Alpha", second)
    for path in (
        url("job_metadata", second),
        url("job_metadata_type", second, "ApexClass"),
        url("job_metadata_component", second, "ApexClass", alpha.pk),
    ):
        assert client_outsider.get(path).status_code == 404, path


def test_a_version_of_another_org_is_404_under_this_orgs_job(client_user_a, tenant_a, jobs):
    _, second = jobs
    other = make_metadata_backup(
        make_org(tenant_a, "Other"), {("ApexClass", "Elsewhere"): apex("Elsewhere", "x")}
    )
    elsewhere = version("Elsewhere", other)
    path = url("job_metadata_component", second, "ApexClass", elsewhere.pk)
    assert client_user_a.get(path).status_code == 404
