"""Hostile or oversized input to the template builder's filter dialog, its Count records
button and `template_create --from-json`: a clear message on the dialog or from the
command, never a 500 or a traceback, and nothing saved (issue 8, section 4).

Salesforce's limits (soql.limits): a SOQL statement of at most 100,000 characters, a string
in a WHERE clause of at most 4,000. A filter is refused when it is saved if the query that
reads its object (every field, the filter, a child's parent filter) would be longer."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from object_templates.models import ObjectTemplate, TemplateFilter, TemplateObject
from tests.backups import engine_support
from tests.object_templates.factories import add_object, make_template

_fast_retries = engine_support._fast_retries

NUL = "NUL character (\\x00)"
TOO_LONG = "Salesforce accepts SOQL statements of at most 100,000 characters"
DEEP = "nested too deeply (limit 100 levels"


@pytest.fixture
def sim_org(db, tenant_a, sfsim):
    return engine_support.build_org(sfsim, tenant_a)


def url(name, org, *args):
    return reverse(f"templates:{name}", args=[org.pk, *args])


def long_or(characters: int) -> str:
    """A valid SOQL filter of about `characters` characters."""
    clause = " OR Name = 'x'"
    return "Name = 'x'" + clause * (characters // len(clause))


def declarative(operator: str, value: str) -> dict:
    return {"mode": "declarative", "field": ["Name"], "operator": [operator], "value": [value]}


BAD_FILTERS = [
    pytest.param({"mode": "soql", "where": "Name = 'a\x00b'"}, NUL, id="nul-soql"),
    pytest.param(declarative("equals", "a\x00b"), NUL, id="nul-declarative"),
    pytest.param({"mode": "soql", "where": "NOT " * 1000 + "Name = 'x'"}, DEEP, id="not-x1000"),
    pytest.param(
        {"mode": "soql", "where": "(" * 1000 + "Name = 'x'" + ")" * 1000}, DEEP, id="parens"
    ),
    # Longer than a statement may be: the parser refuses it outright.
    pytest.param({"mode": "soql", "where": long_or(120_000)}, "at most 100,000", id="soql-120k"),
    # Short enough to parse, too long once the object's fields are selected with it.
    pytest.param({"mode": "soql", "where": long_or(99_000)}, TOO_LONG, id="soql-99k"),
    pytest.param(declarative("in", ",".join(["abcdefgh"] * 12_000)), TOO_LONG, id="in-list"),
    pytest.param(declarative("equals", "x" * 5_000), "at most 4,000 characters", id="string"),
    pytest.param({"mode": "bogus"}, "Unknown filter mode &#x27;bogus&#x27;", id="mode"),
]


@pytest.mark.parametrize(("data", "message"), BAD_FILTERS)
def test_filter_dialog_refuses_hostile_filters(client_admin_a, sim_org, data, message):
    client_admin_a.raise_request_exception = False
    template = make_template(sim_org)
    account = add_object(template, "Account", condition="Industry = 'Banking'")
    revision = template.revision

    response = client_admin_a.post(url("filter", sim_org, template.pk, account.pk), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert f'id="filter-{account.pk}"' in page and "open data-open" in page
    assert "\x00" not in page
    saved = TemplateFilter.objects.get(template_object=account)
    assert saved.condition == "Industry = 'Banking'"  # the old filter is kept
    template.refresh_from_db()
    assert template.revision == revision

    count = client_admin_a.post(url("count", sim_org, template.pk, account.pk), data)
    assert count.status_code == 200
    assert message in count.content.decode() and "data-count" not in count.content.decode()


def test_a_filter_as_long_as_salesforce_allows_is_saved(client_admin_a, sim_org):
    template = make_template(sim_org)
    account = add_object(template, "Account")
    where = long_or(80_000)
    response = client_admin_a.post(
        url("filter", sim_org, template.pk, account.pk), {"mode": "soql", "where": where}
    )
    assert response.status_code == 302
    assert len(TemplateFilter.objects.get(template_object=account).condition) >= 80_000


def test_a_child_filter_counts_its_parents_filter(client_admin_a, sim_org):
    """A child is read with its parent's filter in a semi-join: the two together must fit,
    whichever is saved last."""
    template = make_template(sim_org)
    account = add_object(template, "Account", condition=long_or(55_000))
    contact = add_object(template, "Contact", parent=account, relationship="Contacts",
                         field="AccountId")  # fmt: skip

    data = {"mode": "soql", "where": long_or(50_000)}
    response = client_admin_a.post(url("filter", sim_org, template.pk, contact.pk), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert TOO_LONG in page and "reading Contact" in page and "Account&#x27;s filter" in page
    assert not TemplateFilter.objects.filter(template_object=contact).exists()

    # The other order: the child's filter is saved, then the parent's grows.
    TemplateFilter.objects.filter(template_object=account).delete()
    assert (
        client_admin_a.post(url("filter", sim_org, template.pk, contact.pk), data).status_code
        == 302
    )
    response = client_admin_a.post(
        url("filter", sim_org, template.pk, account.pk), {"mode": "soql", "where": long_or(55_000)}
    )
    assert response.status_code == 400
    assert "reading Contact" in response.content.decode()
    assert not TemplateFilter.objects.filter(template_object=account).exists()


def test_clear_removes_a_filter_whatever_else_was_posted(client_admin_a, sim_org):
    template = make_template(sim_org)
    account = add_object(template, "Account", condition="Industry = 'Banking'")
    data = {"clear": "1", "mode": "soql", "where": "Name = '\x00'"}
    response = client_admin_a.post(url("filter", sim_org, template.pk, account.pk), data)
    assert response.status_code == 302
    assert not TemplateFilter.objects.filter(template_object=account).exists()


def test_template_name_longer_than_its_column_is_a_form_error(client_admin_a, sim_org):
    response = client_admin_a.post(url("new", sim_org), {"name": "N" * 201})
    assert response.status_code == 200
    assert "at most 200 characters" in response.content.decode()
    template = make_template(sim_org)
    response = client_admin_a.post(url("edit", sim_org, template.pk), {"name": "N" * 201})
    assert "at most 200 characters" in response.content.decode()
    assert ObjectTemplate.objects.get().name == "Banking accounts"


# --- template_create --from-json ---------------------------------------------------------


def _create(org, tmp_path, spec) -> None:
    path = tmp_path / "template.json"
    path.write_text(spec if isinstance(spec, str) else json.dumps(spec), encoding="utf-8")
    call_command("template_create", "--org", str(org.pk), "--from-json", str(path))


def account_with(flt) -> dict:
    return {"name": "Bad", "objects": [{"name": "Account", "filter": flt}]}


BAD_SPECS = [
    pytest.param(account_with({"soql": "Name = 'a\x00b'"}), "NUL character", id="nul-soql"),
    pytest.param(
        account_with({"declarative": [{"field": "Name", "operator": "equals", "value": "\x00"}]}),
        "NUL character",
        id="nul-declarative",
    ),
    pytest.param(account_with({"soql": "NOT " * 1000 + "Name = 'x'"}), DEEP, id="not-x1000"),
    pytest.param(account_with({"soql": long_or(120_000)}), "at most 100,000", id="soql-120k"),
    pytest.param(account_with({"soql": long_or(99_000)}), TOO_LONG, id="soql-99k"),
    pytest.param(
        account_with(
            {"declarative": [{"field": "Name", "operator": "in", "value": ["abcdefgh"] * 12_000}]}
        ),  # fmt: skip
        TOO_LONG,
        id="in-list",
    ),
    pytest.param(
        {
            "name": "Bad",
            "objects": [
                {
                    "name": "Account",
                    "filter": {"soql": long_or(55_000)},
                    "children": [{"relationship": "Contacts", "filter": {"soql": long_or(50_000)}}],
                }
            ],
        },
        "Account's filter",
        id="child-and-parent",
    ),  # fmt: skip
    pytest.param(account_with({"declarative": "Name"}), "A filter is", id="rows-not-a-list"),
    pytest.param(account_with({"declarative": ["Name"]}), "Each declarative", id="row-not-dict"),
    pytest.param(account_with({"soql": 5}), "A filter is", id="soql-not-text"),
    pytest.param(account_with(["soql"]), "A filter is", id="filter-not-object"),
    pytest.param({"name": "Bad", "objects": ["Account"]}, "Each object is", id="object-name"),
    pytest.param(
        {"name": "Bad", "objects": [{"name": "Account", "children": "Contacts"}]},
        "children of Account are a list",
        id="children-not-a-list",
    ),
    pytest.param({"name": "N" * 201}, "use at most 200 characters", id="long-name"),
    pytest.param({"name": "a\x00b"}, "name contains a NUL character", id="nul-name"),
    pytest.param({"name": 7}, "name must be text", id="name-not-text"),
    pytest.param({"name": "x", "description": "\x00"}, "description contains a NUL", id="desc"),
    pytest.param("[" * 100_000 + "]" * 100_000, "nests its JSON too deeply", id="deep-json"),
]


@pytest.mark.parametrize(("spec", "message"), BAD_SPECS)
def test_template_create_explains_every_bad_file(sim_org, tmp_path, spec, message):
    with pytest.raises(CommandError) as caught:
        _create(sim_org, tmp_path, spec)
    assert message in str(caught.value)
    assert not ObjectTemplate.objects.exists() and not TemplateObject.objects.exists()


def test_template_create_explains_a_file_that_is_not_utf8(sim_org, tmp_path):
    path = tmp_path / "template.json"
    path.write_bytes(b'{"name": "\xff"}')
    with pytest.raises(CommandError, match="is not UTF-8 text"):
        call_command("template_create", "--org", str(sim_org.pk), "--from-json", str(path))
