"""The template builder in a real browser: the Add object menu's search, the Add child
objects dialog, and the filter dialog with SOQL mode, Count records (htmx) and the
parser's message when a filter is refused."""

import pytest
from playwright.sync_api import expect

from object_templates.models import TemplateFilter, TemplateObject
from tests.backups import engine_support
from tests.fixtures.sfsim import sf_client
from tests.object_templates.factories import add_object, make_template
from tests.schedules.test_browser import signed_in

pytestmark = pytest.mark.django_db(transaction=True)
_fast_retries = engine_support._fast_retries


def test_builder_dialogs_in_a_browser(page, live_server, admin_a, sfsim):
    org = engine_support.build_org(sfsim, admin_a.tenant)
    template = make_template(org)
    account = add_object(template, "Account")
    signed_in(page, live_server, admin_a)
    page.goto(f"{live_server.url}/orgs/{org.pk}/backups/templates/{template.pk}/")

    # Add object: the search narrows the menu.
    page.get_by_text("Add object").click()
    page.get_by_placeholder("Search objects").fill("opportunit")
    expect(page.locator("#add-object-list label", has_text="Opportunity").first).to_be_visible()
    expect(page.locator("#add-object-list label", has_text="Contact").first).to_be_hidden()

    # Add child objects: the dialog opens from the added / available button.
    page.locator(f"[data-dialog='children-{account.pk}']").click()
    dialog = page.locator(f"#children-{account.pk}")
    expect(dialog).to_be_visible()
    dialog.locator("tr", has_text="Contacts").get_by_role("button", name="+ Add").click()
    page.wait_for_load_state()
    expect(page.locator(f"[data-dialog='children-{account.pk}']")).to_contain_text("1 /")
    assert TemplateObject.objects.filter(template=template, object_name="Contact").exists()

    # Filter: SOQL mode, a refused clause shows the parser's message, then a good one.
    page.locator(f"[data-dialog='filter-{account.pk}']").click()
    filters = page.locator(f"#filter-{account.pk}")
    expect(filters.locator("[data-row]")).to_have_count(1)  # Declarative: one blank row
    filters.get_by_role("button", name="+ Add condition").click()
    expect(filters.locator("[data-row]")).to_have_count(2)
    filters.get_by_label("SOQL").check()
    expect(filters.locator("textarea")).to_be_visible()
    filters.locator("textarea").fill("Industry = = 'Banking'")
    filters.get_by_role("button", name="Count records").click()
    expect(filters.locator(f"#count-{account.pk}")).to_contain_text("unexpected token")

    filters.locator("textarea").fill("Industry = 'Banking'")
    filters.get_by_role("button", name="Count records").click()
    expected = sf_client(sfsim).query(
        "SELECT COUNT() FROM Account WHERE Industry = 'Banking'", include_deleted=True
    )["totalSize"]
    expect(filters.locator(f"#count-{account.pk}")).to_contain_text(f"{expected} Account record")

    filters.locator("textarea").fill("Sector__x = 'Banking'")
    filters.get_by_role("button", name="Apply").click()
    refused = page.locator(f"#filter-{account.pk}")
    expect(refused).to_be_visible()
    expect(refused.get_by_role("alert")).to_contain_text("No such column 'Sector__x'")

    refused.locator("textarea").fill("Industry = 'Banking'")
    refused.get_by_role("button", name="Apply").click()
    expect(page.locator(f"#object-{account.pk}")).to_contain_text("Industry = 'Banking'")
    assert TemplateFilter.objects.get(template_object=account).condition == "Industry = 'Banking'"
