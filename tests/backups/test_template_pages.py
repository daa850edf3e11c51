"""Templates pages: list (search, pagination), the builder (add object, child, filter,
Count records, refused filters in the dialog), delete, and Create Backup → Templated
Backup with the job's own copy of the template on its Settings tab."""

import pytest
from django.urls import reverse

from jobs.models import Job
from object_templates.models import ObjectTemplate, TemplateFilter, TemplateObject
from tests.backups import engine_support
from tests.backups.factories import make_org
from tests.backups.page_support import use_private_storage
from tests.fixtures.sfsim import sf_client
from tests.object_templates.factories import add_object, make_template

_fast_retries = engine_support._fast_retries


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    use_private_storage(settings, tmp_path)


@pytest.fixture
def org(tenant_a):
    return make_org(tenant_a)


@pytest.fixture
def sim_org(db, tenant_a, sfsim):
    return engine_support.build_org(sfsim, tenant_a)


def url(name, org, *args):
    return reverse(f"templates:{name}", args=[org.pk, *args])


# --- list -------------------------------------------------------------------------------


def test_list_searches_and_paginates(client_admin_a, org):
    for i in range(12):
        make_template(org, name=f"Template {i:02d}", description=f"about {i}")
    make_template(org, name="Banking only")

    page = client_admin_a.get(url("list", org)).content.decode()
    assert "Template 00" in page and "Template 08" in page and "Template 09" not in page
    assert "13 in all" in page and "Page 1 of 2" in page
    second = client_admin_a.get(url("list", org) + "?page=2").content.decode()
    assert "Template 11" in second and "Template 00" not in second

    found = client_admin_a.get(url("list", org) + "?q=bank").content.decode()
    assert "Banking only" in found and "Template 01" not in found
    assert "No template matches" in client_admin_a.get(url("list", org) + "?q=zzz").content.decode()


def test_list_query_count_does_not_grow_with_rows(
    client_admin_a, org, django_assert_max_num_queries
):
    for i in range(10):
        make_template(org, name=f"T{i}")
    with django_assert_max_num_queries(12):
        assert client_admin_a.get(url("list", org)).status_code == 200


def test_a_user_sees_templates_but_cannot_edit(client_user_a, org):
    template = make_template(org)
    assert template.name in client_user_a.get(url("list", org)).content.decode()
    assert client_user_a.get(url("edit", org, template.pk)).status_code == 403


def test_another_tenants_template_is_404(client_outsider, org):
    template = make_template(org)
    assert client_outsider.get(url("edit", org, template.pk)).status_code == 404
    response = client_outsider.post(url("delete", org, template.pk))
    assert response.status_code == 404
    assert ObjectTemplate.objects.filter(pk=template.pk).exists()


# --- the builder ------------------------------------------------------------------------


def test_builder_adds_object_child_and_filter(client_admin_a, sim_org, sfsim):
    response = client_admin_a.post(url("new", sim_org), {"name": "Banks", "description": "d"})
    template = ObjectTemplate.objects.get(org=sim_org, name="Banks")
    assert response.url == url("edit", sim_org, template.pk)

    page = client_admin_a.get(response.url).content.decode()
    assert 'value="Account"' in page and "Add object" in page  # the menu lists the catalog

    client_admin_a.post(url("objects_add", sim_org, template.pk), {"objects": ["Account"]})
    account = TemplateObject.objects.get(template=template, object_name="Account")
    page = client_admin_a.get(url("edit", sim_org, template.pk)).content.decode()
    available = len(
        [
            r
            for r in sf_client(sfsim).Account.describe()["childRelationships"]
            if r["relationshipName"]
        ]
    )
    assert "0 / " in page and 'value="Contacts"' in page and available > 2

    client_admin_a.post(
        url("child_add", sim_org, template.pk, account.pk), {"relationship": "Contacts"}
    )
    contact = TemplateObject.objects.get(template=template, object_name="Contact")
    assert (contact.parent_id, contact.relationship_field) == (account.pk, "AccountId")
    page = client_admin_a.get(url("edit", sim_org, template.pk)).content.decode()
    assert "1 / " in page and "Added" in page and "through Contacts (AccountId)" in page

    data = {"mode": "declarative", "field": ["Industry", ""], "operator": ["equals", "equals"],
            "value": ["Banking", ""]}  # fmt: skip
    response = client_admin_a.post(url("filter", sim_org, template.pk, account.pk), data)
    assert response.status_code == 302
    saved = TemplateFilter.objects.get(template_object=account)
    assert (saved.mode, saved.condition) == ("declarative", "Industry = 'Banking'")
    assert saved.rows == [{"field": "Industry", "operator": "equals", "value": "Banking"}]
    assert (
        "Industry = &#x27;Banking&#x27;"
        in client_admin_a.get(url("edit", sim_org, template.pk)).content.decode()
    )

    # Remove filter, then remove the object (its child goes with it).
    client_admin_a.post(url("filter", sim_org, template.pk, account.pk), {"clear": "1", **data})
    assert not TemplateFilter.objects.filter(template_object=account).exists()
    client_admin_a.post(url("object_remove", sim_org, template.pk, account.pk))
    assert not TemplateObject.objects.filter(template=template).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"mode": "declarative", "field": ["Sector__x"], "operator": ["equals"], "value": ["B"]},
            "No such column &#x27;Sector__x&#x27; on entity &#x27;Account&#x27;",
        ),
        ({"mode": "soql", "where": "Industry = = 'Banking'"}, "unexpected token: &#x27;=&#x27;"),
        ({"mode": "soql", "where": "NumberOfEmployees = 'many'"}, "must be of type"),
        (
            {"mode": "soql", "where": "Name = 'A' OR Id IN (SELECT AccountId FROM Contact)"},
            "cannot use a subquery",
        ),
    ],
)
def test_builder_refuses_an_invalid_filter_in_its_dialog(client_admin_a, sim_org, data, message):
    template = make_template(sim_org)
    account = add_object(template, "Account")
    response = client_admin_a.post(url("filter", sim_org, template.pk, account.pk), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert f'id="filter-{account.pk}"' in page and "open data-open" in page
    assert not TemplateFilter.objects.filter(template_object=account).exists()


def test_count_records_asks_the_org(client_admin_a, sim_org, sfsim):
    sf = sf_client(sfsim)
    sf.Account.create({"Name": "Count Bank", "Industry": "Banking"})
    template = make_template(sim_org)
    account = add_object(template, "Account", condition="Industry = 'Banking'")
    contact = add_object(template, "Contact", parent=account, relationship="Contacts",
                         field="AccountId")  # fmt: skip
    expected = sf.query(
        "SELECT COUNT() FROM Account WHERE Industry = 'Banking'", include_deleted=True
    )["totalSize"]
    children = sf.query(
        "SELECT COUNT() FROM Contact WHERE AccountId IN "
        "(SELECT Id FROM Account WHERE Industry = 'Banking')",
        include_deleted=True,
    )["totalSize"]

    headers = {"HX-Request": "true"}
    answer = client_admin_a.post(url("count", sim_org, template.pk, account.pk),
                                 {"mode": "soql", "where": "Industry = 'Banking'"}, headers=headers)  # fmt: skip
    assert f'data-count="{expected}"' in answer.content.decode() and expected >= 1
    answer = client_admin_a.post(url("count", sim_org, template.pk, contact.pk), {"mode": ""})
    assert f'data-count="{children}"' in answer.content.decode()
    answer = client_admin_a.post(url("count", sim_org, template.pk, account.pk),
                                 {"mode": "soql", "where": "Industry ="})  # fmt: skip
    assert "unexpected token: &#x27;&lt;EOF&gt;&#x27;" in answer.content.decode()


def test_builder_page_explains_an_object_it_cannot_describe(client_admin_a, org):
    template = make_template(org)  # this org has no catalog and no Salesforce login
    add_object(template, "Account")
    page = client_admin_a.get(url("edit", org, template.pk)).content.decode()
    assert "&#x27;Account&#x27; is not an object this org lets us query" in page


def test_delete_template(client_admin_a, org):
    template = make_template(org)
    response = client_admin_a.post(url("delete", org, template.pk))
    assert response.status_code == 302
    assert not ObjectTemplate.objects.filter(pk=template.pk).exists()


# --- Create Backup → Templated Backup ---------------------------------------------------


def test_templated_backup_form_queues_a_job_with_its_own_template_copy(
    client_admin_a, org, django_capture_on_commit_callbacks
):
    template = make_template(org, description="Banking customers")
    account = add_object(template, "Account", condition="Industry = 'Banking'")
    add_object(template, "Contact", parent=account, relationship="Contacts", field="AccountId")
    page = client_admin_a.get(reverse("backups:create_templated", args=[org.pk])).content.decode()
    assert "Banking accounts" in page and "Select Template" in page

    missing = client_admin_a.post(
        reverse("backups:create_templated", args=[org.pk]), {"name": "Nightly banks"}
    )
    assert "Select a template" in missing.content.decode()

    with django_capture_on_commit_callbacks():
        response = client_admin_a.post(
            reverse("backups:create_templated", args=[org.pk]),
            {"name": "Nightly banks", "template": template.pk},
        )
    job = Job.objects.get(org=org)
    assert response.url == reverse("jobs:job", args=[org.pk, job.pk])
    assert (job.operation, job.name, job.status) == ("templated_backup", "Nightly banks", "queued")
    snapshot = job.settings["template"]
    assert snapshot["objects"][0]["condition"] == "Industry = 'Banking'"
    assert snapshot["objects"][0]["children"][0]["field"] == "AccountId"

    TemplateFilter.objects.filter(template_object=account).update(condition="Industry = 'Retail'")
    settings_page = client_admin_a.get(reverse("backups:job_settings", args=[org.pk, job.pk]))
    text = settings_page.content.decode()
    assert "Template: Banking accounts" in text and "Industry = &#x27;Banking&#x27;" in text
    assert "through Contacts (AccountId)" in text and "Retail" not in text


def test_templated_backup_form_refuses_another_orgs_template(client_admin_a, org, tenant_a):
    other = make_template(make_org(tenant_a, name="Org B"), name="Elsewhere")
    response = client_admin_a.post(
        reverse("backups:create_templated", args=[org.pk]), {"name": "x", "template": other.pk}
    )
    assert "not in this org" in response.content.decode()
    assert not Job.objects.exists()
